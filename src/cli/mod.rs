//! The command-line front end: argument parsing and the commands.
//!
//! Exit codes: 0 success, 1 a snapshot with problems (`validate`; with
//! `--strict`, warnings too), 2 bad
//! arguments or unreadable files (one line on stderr).

mod args;
mod commands;
mod diff;
mod pretty;
mod width;

use std::ffi::OsString;
use std::io::Write;

use args::Args;

const USAGE: &str = "usage:
  feats-edge validate SNAPSHOT [--json] [--strict] [--now RFC3339]
  feats-edge eval SNAPSHOT --context JSON|@FILE [--feature NAME] [--now RFC3339] [--sticky JSON|@FILE]
  feats-edge simulate SNAPSHOT --feature NAME --units N [--context JSON|@FILE] [--by SEGMENT] [--now RFC3339] [--json]
  feats-edge diff OLD NEW [--feature NAME] [--units N] [--context JSON|@FILE] [--by SEGMENT] [--now RFC3339] [--json]
  feats-edge bucket --salt S --unit U

SNAPSHOT is a file path, or - for standard input. Options take their value
as the next argument or after '=' (--feature=-h); -- ends the options.";

/// A failure that ends the program with exit code 2 and one line on stderr.
pub struct Usage(pub String);

/// Runs the command line on the arguments after the program name; returns
/// the exit code. Standard output is written once, at the end.
pub fn run(argv: impl IntoIterator<Item = OsString>) -> i32 {
    let mut out = String::new();
    match strings(argv).and_then(|argv| command(&argv, &mut out)) {
        Ok(code) => write_out(&out, code),
        Err(Usage(message)) => fail(&message),
    }
}

/// The arguments as text: an argument that is not UTF-8 is an error
/// naming its position (1 for the command).
fn strings(argv: impl IntoIterator<Item = OsString>) -> Result<Vec<String>, Usage> {
    (1..)
        .zip(argv)
        .map(|(i, arg)| {
            arg.into_string()
                .map_err(|_| Usage(format!("argument {i} is not valid UTF-8")))
        })
        .collect()
}

/// Runs one command, its standard output added to `out`; returns the exit code.
fn command(argv: &[String], out: &mut String) -> Result<i32, Usage> {
    match argv.first().map(String::as_str) {
        None => Err(Usage(
            "missing command (try 'feats-edge --help')".to_owned(),
        )),
        Some("-h" | "--help" | "help") => usage(out),
        Some("-V" | "--version") => version(out),
        Some(command) => {
            let rest = argv.get(1..).unwrap_or_default();
            let args = match Args::parse(command, rest) {
                // `feats-edge bucket --help`, as most tools answer it.
                Ok(args) if args.help => return usage(out),
                // `feats-edge eval … --version`: what most tools answer too.
                Ok(args) if args.version => return version(out),
                // (`eval --bogus --help` too: the help asked for, not the error.)
                Ok(args) => args,
                Err(e) => return Err(e),
            };
            match command {
                "validate" => commands::validate(&args, out),
                "eval" => commands::eval(&args, out),
                "simulate" => commands::simulate(&args, out),
                "bucket" => commands::bucket(&args, out),
                "diff" => diff::diff(&args, out),
                other => Err(Usage(format!(
                    "unknown command '{other}' (try validate, eval, simulate, diff or bucket)"
                ))),
            }
        }
    }
}

/// The usage text, as the answer to a help request (exit 0).
fn usage(out: &mut String) -> Result<i32, Usage> {
    out.push_str(USAGE);
    out.push('\n');
    Ok(0)
}

/// The version, as the answer to a version request (exit 0).
fn version(out: &mut String) -> Result<i32, Usage> {
    out.push_str(concat!("feats-edge ", env!("CARGO_PKG_VERSION"), "\n"));
    Ok(0)
}

/// Writes `out` to standard output; returns the exit code: `code`, or 2
/// when the output could not be written.
///
/// A closed pipe (`feats-edge eval … | head`: the reader stopped early)
/// ends the program quietly with the command's own `code`: the reader
/// chose to stop, and a script still gets `validate`'s 0 or 1. Any other
/// failure (a full disk, `/dev/full`) is one line on standard error,
/// exit 2. (A standard output closed before the start is `/dev/null`: the
/// standard library opens it there.)
fn write_out(out: &str, code: i32) -> i32 {
    let out = terminal_safe(out);
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => code,
        Err(e) => fail(&format!("cannot write to standard output: {e}")),
    }
}

/// Prints `feats-edge: message` as one line on standard error (a failure
/// to write it is ignored: there is nowhere left to report it); returns 2.
fn fail(message: &str) -> i32 {
    let line = format!("feats-edge: {}\n", one_line(message));
    let _ = std::io::stderr().write_all(line.as_bytes());
    2
}

/// `text` on one line: control characters escaped as `\n`, `\r`, `\t`, or
/// `\u{..}` (a file name or value quoted in a message may hold a newline).
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_bidi(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// The characters that reorder the text around them on a terminal
/// (Unicode's explicit directional formatting characters): a name or
/// revision holding U+202E would print the rest of its line reversed.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The characters a terminal may act on rather than show: the directional
/// formatting characters, DEL and the C1 controls (U+0080–U+009F; some
/// terminals read U+009B as the start of an escape sequence).
fn is_unsafe(c: char) -> bool {
    is_bidi(c) || ('\u{7f}'..='\u{9f}').contains(&c)
}

/// `out` with every character of [`is_unsafe`] written as `\uXXXX`: still
/// the same JSON (they only occur inside strings), and text that prints in
/// the order it is stored, with nothing for the terminal to act on.
fn terminal_safe(out: &str) -> std::borrow::Cow<'_, str> {
    if !out.chars().any(is_unsafe) {
        return std::borrow::Cow::Borrowed(out);
    }
    let mut safe = String::with_capacity(out.len() + 16);
    for c in out.chars() {
        if is_unsafe(c) {
            safe.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            safe.push(c);
        }
    }
    std::borrow::Cow::Owned(safe)
}
