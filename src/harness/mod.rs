//! Runtime confirmation of fixtures (`cargo forklint confirm`).

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args, Clone)]
pub struct ConfirmArgs {
    /// Fixture files or directories (default: the repository's fixtures/).
    pub paths: Vec<PathBuf>,
}

/// Runs the confirmation and returns the process exit code.
pub fn run_confirm(_args: &ConfirmArgs) -> i32 {
    eprintln!("forklint confirm: not implemented yet");
    2
}
