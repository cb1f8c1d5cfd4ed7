//! The shapes of the tables' entries (rules/*.toml), as loaded.

use serde::Deserialize;

/// A crate re-exported under another path.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reexport {
    /// The crate's own path.
    pub of: String,
    pub why: String,
}

/// A macro that formats into a buffered writer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputMacro {
    pub sink: MacroSink,
    /// Which argument is the format string.
    pub text_arg: usize,
    /// The macro always ends the text with a newline.
    pub newline: bool,
    pub why: String,
}

/// Where an output macro's text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MacroSink {
    /// Stdout (line buffered).
    Stdout,
    /// The writer given as the first argument.
    FirstArg,
}

/// A method that takes a lock and returns a guard holding it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardMethod {
    pub receiver: GuardReceiver,
    /// Waits for the lock (`try_*` do not).
    pub blocks: bool,
    pub why: String,
}

/// Which receivers a guard method is a lock on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardReceiver {
    /// Any: only locks have the name.
    Any,
    /// An `RwLock` or a configured lock type.
    LockType,
}

/// What a buffered writer's method does to its buffer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriterMethod {
    pub op: WriterOp,
    pub why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriterOp {
    /// May leave bytes in the buffer.
    Write,
    /// Empties the buffer.
    Flush,
}

/// A word the scan looks for (rules/scan.toml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanWord {
    pub kind: ScanKind,
    /// Counts only after a `fork` qualifier (`libc::clone`).
    #[serde(default)]
    pub qualified: bool,
    pub why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanKind {
    Fork,
    Spawn,
}

/// A path segment that says whose call follows (rules/scan.toml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanQualifier {
    #[serde(default)]
    pub fork: bool,
    #[serde(default)]
    pub fd: bool,
    #[serde(default)]
    pub use_fd: bool,
    pub why: String,
}

/// An operation on a descriptor: what a call does to the open file
/// description, once and when repeated in a loop.
#[derive(Debug, Clone, Copy)]
pub struct FdOperation {
    pub once: FdOp,
    pub in_loop: FdOp,
}

/// What a call does to a descriptor's open file description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdOp {
    /// A bounded read (moves the offset).
    Read,
    /// A write at the offset.
    Write,
    Seek,
    /// Reads until end of file (`read_to_end`, `lines()`, `io::copy`, a read loop).
    ReadToEof,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FdOperationEntry {
    pub(super) op: String,
    pub(super) in_loop: Option<String>,
    #[allow(dead_code)] // the reason is for the reader of the table
    why: String,
}

pub(super) fn parse_fd_op(s: &str) -> Option<FdOp> {
    Some(match s {
        "read" => FdOp::Read,
        "write" => FdOp::Write,
        "seek" => FdOp::Seek,
        "read_to_eof" => FdOp::ReadToEof,
        _ => return None,
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FdSource {
    pub kind: FdSourceKind,
    pub why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FdSourceKind {
    File,
    PipePair,
    PipeArray,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Why {
    pub why: String,
}

/// How a method hands back its receiver's value (rules/values.toml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueMethod {
    pub op: ValueOp,
    /// Panics when there is no value.
    #[serde(default)]
    pub panics: bool,
    pub why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueOp {
    /// The Ok/Some value.
    Unwrap,
    /// The same result, its error wrapped.
    Context,
    /// A view of the same value.
    View,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanicMacro {
    /// Unconditionally; otherwise when its condition fails.
    pub always: bool,
    pub why: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForkPredicate {
    /// `child` or `parent`: where the predicate is true.
    pub process: ForkProcess,
    /// Only on a fork result of this shape (`option_pid`: `is_some()` is
    /// the parent only where the child gets `None`).
    #[serde(default)]
    pub shape: Option<String>,
    pub why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForkProcess {
    Child,
    Parent,
}

/// What a method called on a `Command` does to the process it describes
/// (rules/process.toml [command_methods]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandMethod {
    pub launch: CommandLaunch,
    pub why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandLaunch {
    /// Configures or reads the Command; starts nothing.
    None,
    /// Forks (or clones) and runs the `pre_exec` hooks in the child.
    Forks,
    /// Replaces the calling process: the hooks run in the caller itself.
    InPlace,
}

/// Whether a `cfg` predicate holds on the target forklint judges
/// (rules/values.toml [cfg_predicates]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CfgPredicate {
    pub holds: bool,
    pub why: String,
}

/// A method testing a `Result` (rules/values.toml [result_tests]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultTest {
    /// True where the call failed.
    pub failed: bool,
    pub why: String,
}
