//! The command-line front end: argument parsing and the four commands.
//!
//! Exit codes: 0 success, 1 a snapshot with problems (`validate`), 2 bad
//! arguments or unreadable files (one line on stderr).

mod args;
mod commands;
mod pretty;

use args::Args;

const USAGE: &str = "usage:
  feats-edge validate SNAPSHOT [--json]
  feats-edge eval SNAPSHOT [--context JSON|@FILE] [--feature NAME] [--now RFC3339] [--sticky JSON|@FILE]
  feats-edge simulate SNAPSHOT --feature NAME --units N [--context JSON|@FILE] [--by SEGMENT] [--now RFC3339] [--json]
  feats-edge bucket --salt S --unit U

SNAPSHOT is a file path, or - for standard input.";

/// A failure that ends the program with exit code 2 and one line on stderr.
pub struct Usage(pub String);

/// Runs the command line; returns the exit code.
pub fn run(argv: &[String]) -> i32 {
    let result = match argv.first().map(String::as_str) {
        None | Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return if argv.is_empty() { 2 } else { 0 };
        }
        Some("-V" | "--version") => {
            println!("feats-edge {}", env!("CARGO_PKG_VERSION"));
            return 0;
        }
        Some(command) => {
            Args::parse(command, argv.get(1..).unwrap_or_default()).and_then(|args| match command {
                "validate" => commands::validate(&args),
                "eval" => commands::eval(&args),
                "simulate" => commands::simulate(&args),
                "bucket" => commands::bucket(&args),
                other => Err(Usage(format!(
                    "unknown command '{other}' (try validate, eval, simulate or bucket)"
                ))),
            })
        }
    };
    match result {
        Ok(code) => code,
        Err(Usage(message)) => {
            eprintln!("feats-edge: {message}");
            2
        }
    }
}
