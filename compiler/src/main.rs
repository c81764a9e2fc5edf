//! The `platc` binary: all of it lives in `platc::cli`.

fn main() {
    std::process::exit(platc::cli::main());
}
