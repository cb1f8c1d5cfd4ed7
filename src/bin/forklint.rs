//! `forklint ARGS`: the same program under its own name.

fn main() {
    std::process::exit(forklint::app::main(std::env::args().collect()));
}
