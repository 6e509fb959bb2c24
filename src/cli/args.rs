//! Argument parsing: positional snapshots and `--name value` options.

use super::Usage;

/// The parsed arguments of one command.
pub struct Args {
    /// The positional arguments.
    pub positional: Vec<String>,
    options: Vec<(String, Option<String>)>,
    /// `--help` or `-h` stood where an option could.
    pub help: bool,
    /// `--version` or `-V` stood where an option could.
    pub version: bool,
}

/// The options each command takes, and whether each takes a value.
fn known(command: &str) -> &'static [(&'static str, bool)] {
    match command {
        "validate" => &[("json", false), ("now", true), ("strict", false)],
        "eval" => &[
            ("context", true),
            ("feature", true),
            ("now", true),
            ("sticky", true),
        ],
        // (diff's --feature and --units are optional, simulate's required.)
        "simulate" | "diff" => &[
            ("feature", true),
            ("units", true),
            ("context", true),
            ("by", true),
            ("now", true),
            ("json", false),
        ],
        "bucket" => &[("salt", true), ("unit", true)],
        _ => &[],
    }
}

/// Whether `arg` names one of the command's options (`--name` or `--name=…`).
fn is_option(known: &[(&str, bool)], arg: &str) -> bool {
    arg.strip_prefix("--")
        .map(|a| a.split_once('=').map_or(a, |(n, _)| n))
        .is_some_and(|n| known.iter().any(|(k, _)| *k == n))
}

impl Args {
    /// Parses `argv` for `command`. A help request (`--help` or `-h` where
    /// an option could stand) wins over any error, and so does a version
    /// request (`--version` or `-V`); to know whether one
    /// follows an error, the rest is read by the same rules (an option's
    /// value is not a request, nor is anything after `--`).
    pub fn parse(command: &str, argv: &[String]) -> Result<Args, Usage> {
        let known = known(command);
        let mut args = Args {
            positional: Vec::new(),
            options: Vec::new(),
            help: false,
            version: false,
        };
        let mut error = None;
        let mut it = argv.iter().peekable();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                // The end of the options: what follows is positional,
                // a snapshot file named `--json` or `-` included.
                "--" => {
                    args.positional.extend(it.by_ref().cloned());
                    break;
                }
                // `-h` as an option's value (a feature named `-h`) was
                // taken with its option below, and is not a help request.
                "--help" | "-h" => {
                    args.help = true;
                    continue;
                }
                "--version" | "-V" => {
                    args.version = true;
                    continue;
                }
                _ => {}
            }
            let Some(name) = arg.strip_prefix("--") else {
                // `-x`: no command takes short options (`-` is standard input).
                if arg.len() > 1 && arg.starts_with('-') {
                    error.get_or_insert(Usage(format!(
                        "unknown option {arg} for '{command}' (a file named so: write ./{arg}, or put it after --)"
                    )));
                } else {
                    args.positional.push(arg.clone());
                }
                continue;
            };
            let (name, inline) = match name.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (name, None),
            };
            let Some(&(_, takes_value)) = known.iter().find(|(n, _)| *n == name) else {
                error.get_or_insert(Usage(format!("unknown option --{name} for '{command}'")));
                continue;
            };
            let value = if takes_value && inline.is_none() {
                match it.peek() {
                    // `--salt --unit 42`: the value was forgotten, not "--unit".
                    Some(next) if is_option(known, next) => {
                        error.get_or_insert(Usage(format!(
                            "--{name} needs a value, and {next} is an option \
                             (for a value that starts with --, write --{name}=VALUE)"
                        )));
                        continue;
                    }
                    Some(_) => it.next().cloned(),
                    None => {
                        error.get_or_insert(Usage(format!("--{name} needs a value")));
                        continue;
                    }
                }
            } else if !takes_value && inline.is_some() {
                error.get_or_insert(Usage(format!("--{name} takes no value")));
                continue;
            } else {
                inline
            };
            if args.options.iter().any(|(n, _)| n == name) {
                error.get_or_insert(Usage(format!("--{name} given twice")));
                continue;
            }
            args.options.push((name.to_owned(), value));
        }
        match error {
            Some(e) if !args.help && !args.version => Err(e),
            _ => Ok(args),
        }
    }

    /// The value of `--name`, if given.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Whether the flag `--name` is given.
    pub fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| n == name)
    }

    /// The one positional argument: the snapshot.
    pub fn snapshot(&self) -> Result<&str, Usage> {
        match self.positional.as_slice() {
            [one] => Ok(one),
            [] => Err(Usage(
                "missing SNAPSHOT (a file path, or - for standard input)".to_owned(),
            )),
            [_, extra, ..] => Err(Usage(format!("unexpected argument '{extra}'"))),
        }
    }

    /// A required option.
    pub fn require(&self, name: &str) -> Result<&str, Usage> {
        self.value(name)
            .ok_or_else(|| Usage(format!("--{name} is required")))
    }
}
