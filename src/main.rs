//! `cargo-forklint`: run by cargo as `cargo-forklint forklint ARGS`.

fn main() {
    std::process::exit(forklint::app::main(std::env::args().collect()));
}
