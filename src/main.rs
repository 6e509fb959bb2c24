//! `feats-edge`: validate snapshots, evaluate features, simulate rollouts and
//! compute buckets from the command line (SPEC section 6).

mod cli;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(cli::run(&args));
}
