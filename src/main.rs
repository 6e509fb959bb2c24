//! `feats-edge`: validate snapshots, evaluate features, simulate rollouts and
//! compute buckets from the command line (SPEC section 6).

mod cli;

fn main() {
    std::process::exit(cli::run(std::env::args_os().skip(1)));
}
