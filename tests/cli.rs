//! The `feats-edge` command line, run as a user runs it: exit codes, stdout,
//! the one-line errors on stderr.

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_feats-edge"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_feats-edge"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp(name: &str, contents: &[u8]) -> String {
    // Under target/ (Cargo's folder for integration tests' files), not the
    // system's temporary folder, which would keep one folder per run.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn validate_a_clean_snapshot() {
    let out = run(&["validate", "examples/shop.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "ok: revision 2026-11-22.7, 4 features, 7 segments\n"
    );
}

#[test]
fn validate_lists_every_problem_and_exits_1() {
    let path = temp(
        "bad.json",
        br#"{"schema": 1, "features": {"A": {"implementations": ["x"], "defualt": "x"},
            "B": {"implementations": ["x", "y"], "default": "x", "rules": [{"split": {"by": "S", "weights": {"x": 60, "y": 50}}}]}}}"#,
    );
    let out = run(&["validate", &path]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("/features/A/defualt: unknown field 'defualt' (did you mean 'default'?)"),
        "{stdout}"
    );
    assert!(stdout.contains("/features/A: the field 'default' is required"));
    assert!(stdout.contains("/features/B/rules/0/split/by: unknown segment 'S'"));
    assert!(stdout
        .contains("/features/B/rules/0/split/weights: percentages add up to 110, more than 100"));
    // A has no default: it serves null, and the summary says so.
    assert!(
        stdout.ends_with(
            "\n4 problems; 2 of 2 features serve their default with PARSE_ERROR (1 of them null: no readable default)\n"
        ),
        "{stdout}"
    );
    let none = temp(
        "no-features.json",
        br#"{"schema": 1, "segments": {"S": {}}}"#,
    );
    let out = run(&["validate", &none]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "/segments/S: the field 'from' is required\n1 problem; no features\n"
    );
    let json = run(&["validate", &path, "--json"]);
    assert_eq!(json.status.code(), Some(1));
    assert!(text(&json.stdout).starts_with(r#"{"ok":false,"refused":false,"revision":"","features":2,"problems":[{"path":"/features/A/defualt""#));
}

#[test]
fn validate_warns_about_what_loads_but_misleads() {
    let path = temp(
        "warnings.json",
        br#"{"schema": 1, "revision": "w", "segments": {"UserId": {"from": {"user": "{id}"}}},
            "features": {
              "A": {"inputs": ["user"], "implementations": ["x", "y"], "default": "x", "rules": [
                {"when": {"before": "2025-01-01T00:00:00Z"}, "serve": "y"},
                {"experiment": {"name": "E", "by": "UserId", "weights": {"x": 50, "y": 50}}},
                {"serve": "y"}, {"serve": "x"}]},
              "B": {"inputs": ["user"], "implementations": ["x", "y"], "default": "x", "rules": [
                {"experiment": {"name": "E", "by": "UserId", "weights": {"x": 0}}}]}}}"#,
    );
    let expected = "\
warning: /features/A/rules/3: rule 3 is never reached: rule 2 serves 'y' to every context
warning: /features/B/rules/0/experiment/name: experiment 'E' is also run by feature 'A' (rule 1), which assigns units differently: the two share sticky assignments ('E/<unit>') and overwrite each other's; give each its own name, or the same implementations, weights, salt, `by` and `random`
warning: /features/B/rules/0/experiment/weights: no implementation has a weight above 0: no unit gets an implementation, and every unit falls through to the next rule
";
    // Before the window's end the rule still applies; after, it is reported.
    let before = run(&["validate", &path, "--now", "2024-12-31T23:59:59Z"]);
    assert_eq!(before.status.code(), Some(0), "{}", text(&before.stderr));
    assert_eq!(
        text(&before.stdout),
        format!("{expected}ok: revision w, 2 features, 1 segment; 3 warnings\n")
    );
    let after = run(&["validate", &path, "--now", "2025-01-01T00:00:00Z"]);
    assert_eq!(after.status.code(), Some(0));
    assert_eq!(
        text(&after.stdout),
        format!(
            "warning: /features/A/rules/0/when/before: the rule no longer applies: its time window ended at 2025-01-01T00:00:00Z\n\
             {expected}ok: revision w, 2 features, 1 segment; 4 warnings\n"
        )
    );
    // Warnings fail the run only with --strict.
    let strict = run(&[
        "validate",
        &path,
        "--strict",
        "--now",
        "2024-01-01T00:00:00Z",
    ]);
    assert_eq!(strict.status.code(), Some(1));
    assert_eq!(
        text(&strict.stdout),
        format!("{expected}not ok with --strict: revision w, 2 features, 1 segment; 3 warnings\n")
    );
    let json = run(&["validate", &path, "--json", "--now", "2024-01-01T00:00:00Z"]);
    assert_eq!(json.status.code(), Some(0));
    let json = text(&json.stdout);
    assert!(
        json.starts_with(r#"{"ok":true,"refused":false,"revision":"w","features":2,"problems":[],"warnings":[{"path":"/features/A/rules/3","message":"rule 3 is never reached: rule 2 serves 'y' to every context"},"#),
        "{json}"
    );
    // With --strict, `ok` says what the exit code says.
    let strict_json = run(&[
        "validate",
        &path,
        "--json",
        "--strict",
        "--now",
        "2024-01-01T00:00:00Z",
    ]);
    assert_eq!(strict_json.status.code(), Some(1));
    assert_eq!(
        text(&strict_json.stdout),
        json.replacen(r#""ok":true"#, r#""ok":false"#, 1)
    );
    // A clean snapshot passes --strict.
    let clean = run(&["validate", "examples/shop.json", "--strict"]);
    assert_eq!(clean.status.code(), Some(0));
    // A bad --now is a usage error.
    let bad = run(&["validate", &path, "--now", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn validate_a_refused_snapshot() {
    let out = run_stdin(&["validate", "-"], b"{\"schema\": 1,\n \"features\": {]}");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "/features: invalid JSON: line 2, column 15: expected a string key or '}' in an object\nsnapshot refused\n");
}

#[test]
fn eval_one_feature_and_all() {
    let out = run(&[
        "eval",
        "examples/shop.json",
        "--feature",
        "PaymentProcessor",
        "--context",
        r#"{"user": {"id": 42, "address": {"country_code": "CA"}}}"#,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(r#""implementation": "premium""#),
        "{stdout}"
    );
    assert!(stdout.contains(r#""reason": "TARGETING_MATCH""#));
    let ctx = temp("ctx.json", br#"{"user": {"id": "u-7"}}"#);
    let out = run(&[
        "eval",
        "examples/shop.json",
        "--context",
        &format!("@{ctx}"),
        "--sticky",
        r#"{"priorities-2026/u-7": "two_priorities"}"#,
        "--now",
        "2026-11-22T10:00:00Z",
    ]);
    let stdout = text(&out.stdout);
    for feature in [
        "PaymentProcessor",
        "ImageProcessing",
        "AllowedPriorities",
        "NewCheckout",
    ] {
        assert!(stdout.contains(&format!(r#""{feature}": {{"#)), "{stdout}");
    }
    assert!(stdout.contains(r#""reason": "STICKY""#));
}

#[test]
fn simulate_shows_the_shares() {
    let out = run(&[
        "simulate",
        "examples/shop.json",
        "--feature",
        "AllowedPriorities",
        "--units",
        "100000",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "AllowedPriorities: 100000 synthetic units by UserId (its placeholders set to 1..100000)\n"
        ),
        "{stdout}"
    );
    let share = |name: &str| -> f64 {
        let line = stdout.lines().find(|l| l.starts_with(name)).unwrap();
        line.split_whitespace()
            .nth(2)
            .unwrap()
            .trim_end_matches('%')
            .parse()
            .unwrap()
    };
    assert!((share("no_priority") - 34.0).abs() < 1.0);
    assert!((share("two_priorities") - 33.0).abs() < 1.0);
    let json = run(&[
        "simulate",
        "examples/shop.json",
        "--feature",
        "PaymentProcessor",
        "--units",
        "1000",
        "--json",
        "--context",
        r#"{"user": {"address": {"country_code": "US"}}}"#,
    ]);
    let stdout = text(&json.stdout);
    assert!(stdout.starts_with(r#"{"feature":"PaymentProcessor","by":"UserId","units":1000,"implementations":{"acme":{"units":"#), "{stdout}");
    assert!(!text(&out.stdout).contains("disabled"));
    // A disabled feature serves its default to every unit, and says why.
    let off = temp(
        "disabled.json",
        br#"{"schema": 1, "segments": {"U": {"from": {"user": "{id}"}}},
            "features": {"F": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "enabled": false,
              "rules": [{"split": {"by": "U", "weights": {"b": 50}}}]}}}"#,
    );
    let stdout = text(&run(&["simulate", &off, "--feature", "F", "--units", "100"]).stdout);
    assert!(
        stdout.ends_with(
            "\nthe feature is disabled (\"enabled\": false): every unit gets its default\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("\na                      100  100.00%"),
        "{stdout}"
    );
}

/// A snapshot of a feature `Checkout` with `implementations` and `rules`,
/// beside features that stay as they are (and `extra` ones).
fn checkout(implementations: &str, rules: &str, extra: &str) -> String {
    format!(
        r#"{{"schema": 1, "segments": {{"UserId": {{"from": {{"user": "{{id}}"}}}}, "Country": {{"from": {{"user": "{{country}}"}}}}}},
          "features": {{"Checkout": {{"inputs": ["user"], "implementations": {implementations}, "default": "old", "rules": {rules}}},
            "Fixed": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{{"when": {{"segment": "Country", "in": ["CA"]}}, "serve": "b"}}]}},
            "Same": {{"inputs": ["user"], "implementations": ["x", "y"], "default": "x", "rules": [{{"split": {{"by": "UserId", "weights": {{"y": 30}}}}}}]}}{extra}}}}}"#
    )
}

/// `diff OLD NEW` as JSON, parsed; and its exit code.
fn diff_json(name: &str, old: &str, new: &str, more: &[&str]) -> (serde_free::Json, i32) {
    let old = temp(&format!("{name}-old.json"), old.as_bytes());
    let new = temp(&format!("{name}-new.json"), new.as_bytes());
    let mut args = vec!["diff", &old, &new, "--json"];
    args.extend_from_slice(more);
    let out = run(&args);
    (
        serde_free::Json(text(&out.stdout)),
        out.status.code().unwrap_or(-1),
    )
}

/// Reads the few fields the diff tests look at, without a JSON library.
mod serde_free {
    /// `diff --json`'s output.
    pub struct Json(pub String);

    impl Json {
        /// The row of feature `name`.
        pub fn row(&self, name: &str) -> &str {
            let start = self
                .0
                .find(&format!("{{\"feature\":\"{name}\""))
                .unwrap_or_else(|| panic!("{name} in {}", self.0));
            let rest = &self.0[start..];
            // To its closing brace (names here hold no braces).
            let mut depth = 0;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(rest.len(), |(i, _)| i + 1);
            &rest[..end]
        }
    }
}

/// A simulated unit's other segments are read as a real context's are:
/// from the first of their inputs that the context holds, the unit's
/// input held by every unit, no other input held unless given.
#[test]
fn simulate_reads_other_segments_from_the_inputs_the_context_holds() {
    let path = temp(
        "simulate-inputs.json",
        br#"{"schema": 1, "segments": {"U": {"from": {"user": "{id}"}},
              "Country": {"from": {"device": "{country}", "org": "{country}"}}},
            "features": {"F": {"inputs": ["user", "device", "org"], "implementations": ["a", "b"], "default": "a",
              "rules": [{"when": {"segment": "Country", "in": ["FR"]}, "serve": "b"},
                        {"split": {"by": "U", "weights": {"a": 100}}}]}}}"#,
    );
    let simulate = |context: &str| {
        let out = run(&[
            "simulate",
            &path,
            "--feature",
            "F",
            "--units",
            "100",
            "--json",
            "--context",
            context,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    // No device is given, so the org's country is read.
    let out = simulate(r#"{"org": {"country": "FR"}}"#);
    assert!(
        out.contains(r#""b":{"units":100,"share":1,"rules":{"0":100}}"#),
        "{out}"
    );
    // A device given comes first, whatever the org says.
    let out = simulate(r#"{"device": {"country": "DE"}, "org": {"country": "FR"}}"#);
    assert!(
        out.contains(r#""a":{"units":100,"share":1,"rules":{"1":100}}"#),
        "{out}"
    );
}

/// Units of `units` that `simulate` gives `implementation` of Checkout.
fn simulated(snapshot: &str, implementation: &str, units: &str) -> u64 {
    let path = temp("simulated.json", snapshot.as_bytes());
    let out = text(&run(&["simulate", &path, "--feature", "Checkout", "--units", units]).stdout);
    out.lines()
        .find(|l| l.starts_with(&format!("{implementation} ")))
        .map_or(0, |l| l.split_whitespace().nth(1).unwrap().parse().unwrap())
}

#[test]
fn diff_says_what_a_kill_switch_and_a_rolled_back_experiment_do() {
    let experiment = |name: &str, p: u32| {
        checkout(
            r#"["old", "new"]"#,
            &format!(
                r#"[{{"experiment": {{"name": "{name}", "by": "UserId", "weights": {{"new": {p}}}}}}}]"#
            ),
            "",
        )
    };
    let running = experiment("E", 50);
    // The kill switch: every unit gets the default, assignments included.
    let killed = running.replacen(
        r#""default": "old", "rules""#,
        r#""default": "old", "enabled": false, "rules""#,
        1,
    );
    let (json, code) = diff_json("kill", &running, &killed, &[]);
    assert_eq!(code, 1);
    let row = json.row("Checkout");
    assert!(
        row.contains(r#","enabled":{"from":true,"to":false}"#),
        "{row}"
    );
    assert!(!row.contains("sticky"), "{row}");
    let old = temp("kill-old.json", running.as_bytes());
    let new = temp("kill-new.json", killed.as_bytes());
    let stdout = text(&run(&["diff", &old, &new]).stdout);
    assert!(
        stdout.contains("\n  disabled in NEW (\"enabled\": false): every unit gets its default 'old', stored experiment assignments included\n"),
        "{stdout}"
    );
    let stdout = text(&run(&["diff", &new, &old]).stdout);
    assert!(
        stdout.contains("\n  enabled again in NEW (\"enabled\": true)\n"),
        "{stdout}"
    );
    // The arm rolled back to 0 %: units that used it keep it (sticky), so
    // the moves counted are not every unit's.
    let (json, _) = diff_json("rollback", &running, &experiment("E", 0), &[]);
    let row = json.row("Checkout");
    assert!(
        row.contains(r#","sticky":[{"implementation":"new","experiment":"E"}]"#),
        "{row}"
    );
    assert!(!row.contains("enabled"), "{row}");
    let new = temp("rollback-new.json", experiment("E", 0).as_bytes());
    let stdout = text(&run(&["diff", &old, &new]).stdout);
    assert!(
        stdout.contains("\n  units that already used 'new' in experiment 'E' keep it (sticky): these counts are for units without one; \"enabled\": false moves them all\n"),
        "{stdout}"
    );
    // simulate says so too: its 0 % is for units without an assignment.
    let out = text(&run(&["simulate", &new, "--feature", "Checkout", "--units", "100"]).stdout);
    assert!(
        out.contains("\nnew                      0    0.00%  \n")
            && out.ends_with("\nunits that already used an arm of experiment 'E' keep it (sticky): these shares are for units without one\n"),
        "{out}"
    );
    let killed_path = temp("kill-simulate.json", killed.as_bytes());
    let out = text(
        &run(&[
            "simulate",
            &killed_path,
            "--feature",
            "Checkout",
            "--units",
            "100",
        ])
        .stdout,
    );
    assert!(!out.contains("sticky"), "{out}");
    // Under another name the assignments are not read: no note.
    let (json, _) = diff_json("renamed", &running, &experiment("E2", 0), &[]);
    assert!(
        !json.row("Checkout").contains("sticky"),
        "{}",
        json.row("Checkout")
    );
}

#[test]
fn diff_and_simulate_say_sticky_units_keep_their_arm_only_where_the_experiment_reaches_them() {
    let experiment =
        r#"{"experiment": {"name": "E", "by": "UserId", "weights": {"old": 50, "new": 50}}}"#;
    let running = checkout(r#"["old", "new"]"#, &format!("[{experiment}]"), "");
    let sticky = |new_rules: &str| {
        let new = checkout(r#"["old", "new"]"#, new_rules, "");
        let (json, code) = diff_json("reach", &running, &new, &[]);
        assert_eq!(code, 1);
        let row = json.row("Checkout").to_owned();
        assert!(row.contains(r#""status":"changed""#), "{row}");
        row
    };
    // The winner shipped by a rule put in front of the experiment: that
    // rule answers first, and every unit that used 'old' moves to 'new',
    // its assignment notwithstanding.
    let shipped = sticky(&format!(r#"[{{"serve": "new"}}, {experiment}]"#));
    assert!(!shipped.contains("sticky"), "{shipped}");
    // A window added that has not begun: the experiment applies to no one.
    let later = sticky(&format!(
        r#"[{}]"#,
        experiment.replacen(
            r#"{"experiment""#,
            r#"{"when": {"after": "2999-01-01T00:00:00Z"}, "experiment""#,
            1
        )
    ));
    assert!(!later.contains("sticky"), "{later}");
    // A holdout of its own salt in front: the units it takes move, held
    // assignments included; those left reach the experiment as before.
    let held = sticky(&format!(
        r#"[{{"split": {{"by": "UserId", "weights": {{"old": 50}}, "salt": "holdout"}}}}, {experiment}]"#
    ));
    assert!(!held.contains("sticky"), "{held}");
    // The same holdout with the weights changed too: the units moved by the
    // weights still reach the experiment, and those that used 'old' keep it.
    let both = sticky(&format!(
        r#"[{{"split": {{"by": "UserId", "weights": {{"old": 50}}, "salt": "holdout"}}}}, {}]"#,
        experiment.replace(r#""old": 50, "new": 50"#, r#""old": 20, "new": 80"#)
    ));
    assert!(
        both.contains(r#","sticky":[{"implementation":"old","experiment":"E"}]"#),
        "{both}"
    );
    // simulate names the experiment only where its units reach it.
    let note = "\nunits that already used an arm of experiment 'E' keep it (sticky): these shares are for units without one\n";
    let simulate = |rules: &str| {
        let path = temp(
            "reach-simulate.json",
            checkout(r#"["old", "new"]"#, rules, "").as_bytes(),
        );
        text(&run(&["simulate", &path, "--feature", "Checkout", "--units", "100"]).stdout)
    };
    let out = simulate(&format!("[{experiment}]"));
    assert!(out.ends_with(note), "{out}");
    let out = simulate(&format!(r#"[{{"serve": "new"}}, {experiment}]"#));
    assert!(!out.contains("sticky"), "{out}");
}

#[test]
fn diff_counts_the_units_that_move() {
    let ramp = |p: u32| {
        checkout(
            r#"["old", "new"]"#,
            &format!(r#"[{{"split": {{"by": "UserId", "weights": {{"new": {p}}}}}}}]"#),
            "",
        )
    };
    // A ramp lets units in and takes none out: as many move as simulate's
    // counts differ by, all old -> new (and back when lowered).
    let (r05, r25) = (ramp(5), ramp(25));
    let gained = simulated(&r25, "new", "10000") - simulated(&r05, "new", "10000");
    assert!((1800..2200).contains(&gained), "{gained}");
    let (up, code) = diff_json("ramp", &r05, &r25, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        up.row("Checkout"),
        format!(
            r#"{{"feature":"Checkout","status":"changed","by":"UserId","moved":{gained},"moves":[{{"from":"old","to":"new","units":{gained}}}]}}"#
        )
    );
    assert_eq!(
        up.row("Same"),
        r#"{"feature":"Same","status":"same","by":"UserId","moved":0,"moves":[]}"#
    );
    assert_eq!(
        up.row("Fixed"),
        r#"{"feature":"Fixed","status":"same","context":{"from":"a","to":"a"}}"#
    );
    let (down, _) = diff_json("ramp-down", &r25, &r05, &[]);
    assert!(
        down.row("Checkout").contains(&format!(
            r#""moves":[{{"from":"new","to":"old","units":{gained}}}]"#
        )),
        "{}",
        down.0
    );

    // Implementations reordered: every unit of a 50/50 split moves.
    let split = |order: &str| {
        checkout(
            order,
            r#"[{"split": {"by": "UserId", "weights": {"old": 50, "new": 50}}}]"#,
            "",
        )
    };
    let (swapped, _) = diff_json(
        "order",
        &split(r#"["old", "new"]"#),
        &split(r#"["new", "old"]"#),
        &[],
    );
    assert!(
        swapped.row("Checkout").contains(r#""moved":10000,"#),
        "{}",
        swapped.0
    );
    // The weights object's order changes nothing (ranges follow the implementations).
    let reweighed = checkout(
        r#"["old", "new"]"#,
        r#"[{"split": {"by": "UserId", "weights": {"new": 50, "old": 50}}}]"#,
        "",
    );
    let (same, code) = diff_json(
        "weights-order",
        &split(r#"["old", "new"]"#),
        &reweighed,
        &[],
    );
    assert_eq!(code, 0, "{}", same.0);

    // A third arm at the end takes from the ranges after its start: no unit
    // goes old -> newer, and none comes back to old.
    let third = checkout(
        r#"["old", "new", "newer"]"#,
        r#"[{"split": {"by": "UserId", "weights": {"old": 34, "new": 33, "newer": 33}}}]"#,
        "",
    );
    let (added_arm, _) = diff_json(
        "third",
        &split(r#"["old", "new"]"#),
        &third,
        &["--units", "100000"],
    );
    let row = added_arm.row("Checkout");
    assert!(
        row.contains(r#""moves":[{"from":"new","to":"newer","units":"#)
            && row.contains(r#"{"from":"old","to":"new","units":"#),
        "{row}"
    );
    assert!(
        !row.contains(r#""to":"old""#) && !row.contains(r#""from":"old","to":"newer""#),
        "{row}"
    );

    // Features added, removed, broken in one, a random experiment.
    let random = r#", "Layout": {"inputs": ["user"], "implementations": ["g", "l"], "default": "g",
        "rules": [{"experiment": {"name": "L", "by": "UserId", "random": true, "weights": {"g": 50, "l": 50}}}]}"#;
    let broken = checkout(
        r#"["old", "new"]"#,
        r#"[{"split": {"by": "UserId", "weights": {"nwe": 5}}}]"#,
        "",
    );
    let (mixed, code) = diff_json(
        "mixed",
        &checkout(
            r#"["old", "new"]"#,
            "[]",
            r#", "Gone": {"implementations": ["a"], "default": "a"}"#,
        ),
        &format!("{}{random}}}}}", &broken[..broken.len() - 2]),
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(
        mixed.row("Checkout"),
        r#"{"feature":"Checkout","status":"broken","in":"NEW"}"#
    );
    assert_eq!(
        mixed.row("Layout"),
        r#"{"feature":"Layout","status":"added"}"#
    );
    assert_eq!(
        mixed.row("Gone"),
        r#"{"feature":"Gone","status":"removed"}"#
    );
    let (random_both, _) = diff_json(
        "random",
        &format!("{}{random}}}}}", &r05[..r05.len() - 2]),
        &format!("{}{random}}}}}", &r05[..r05.len() - 2]),
        &[],
    );
    assert_eq!(
        random_both.row("Layout"),
        r#"{"feature":"Layout","status":"random"}"#
    );

    // A random experiment whose weights changed: said, exit 1.
    let reweighed = random.replace(r#""g": 50, "l": 50"#, r#""g": 20, "l": 80"#);
    let (random_changed, code) = diff_json(
        "random-changed",
        &format!("{}{random}}}}}", &r05[..r05.len() - 2]),
        &format!("{}{reweighed}}}}}", &r05[..r05.len() - 2]),
        &["--feature", "Layout"],
    );
    assert_eq!(
        (random_changed.row("Layout"), code),
        (r#"{"feature":"Layout","status":"random"}"#, 1)
    );
    let (random_same, code) = diff_json(
        "random-same",
        &format!("{}{random}}}}}", &r05[..r05.len() - 2]),
        &format!("{}{random}}}}}", &r05[..r05.len() - 2]),
        &["--feature", "Layout"],
    );
    assert_eq!(
        code, 0,
        "random in both, unchanged: nothing to tell: {}",
        random_same.0
    );
    let (broken_both, code) = diff_json("broken-both", &broken, &broken, &[]);
    assert_eq!(
        (broken_both.row("Checkout"), code),
        (
            r#"{"feature":"Checkout","status":"broken","in":"OLD and NEW"}"#,
            0
        )
    );

    // Starting and finishing a rollout: the version without the split
    // gives every unit the same.
    let done = checkout(r#"["old", "new"]"#, r#"[{"serve": "new"}]"#, "");
    let (finished, _) = diff_json("finished", &r25, &done, &[]);
    let moved = 10_000 - simulated(&r25, "new", "10000");
    assert!(
        finished.row("Checkout").ends_with(&format!(
            r#""moves":[{{"from":"old","to":"new","units":{moved}}}]}}"#
        )),
        "{}",
        finished.0
    );
    let (started, _) = diff_json(
        "started",
        &checkout(r#"["old", "new"]"#, "[]", ""),
        &r05,
        &[],
    );
    assert!(
        started
            .row("Checkout")
            .contains(r#""moves":[{"from":"old","to":"new","units":"#),
        "{}",
        started.0
    );

    // Splits by different segments, or a unit segment that reads another
    // value: not compared, and said.
    let by_account = checkout(
        r#"["old", "new"]"#,
        r#"[{"split": {"by": "Country", "weights": {"new": 25}}}]"#,
        "",
    );
    let (rehashed, code) = diff_json("by", &r25, &by_account, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rehashed.row("Checkout"),
        r#"{"feature":"Checkout","status":"not compared","why":"its splits hash different segments (Country, UserId): compare contexts with eval"}"#
    );
    let (renamed_input, _) = diff_json(
        "template",
        &r25,
        &r25.replace(r#""{id}""#, r#""{uid}""#),
        &[],
    );
    assert_eq!(
        renamed_input.row("Checkout"),
        r#"{"feature":"Checkout","status":"not compared","why":"its unit segment 'UserId' reads user.id in OLD and user.uid in NEW"}"#
    );

    // A unit segment that declares its values: those are the units.
    let devices = |rules: &str| {
        format!(
            r#"{{"schema": 1, "segments": {{"Device": {{"from": {{"user": "{{device}}"}}, "options": ["ios", "android", "web"]}}}},
            "features": {{"P": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": {rules}}}}}}}"#
        )
    };
    let split = r#"{"split": {"by": "Device", "weights": {"a": 50, "b": 50}}}"#;
    let (options, _) = diff_json(
        "options",
        &devices(&format!("[{split}]")),
        &devices(&format!(
            r#"[{{"when": {{"segment": "Device", "in": ["ios", "web"]}}, "serve": "a"}}, {split}]"#
        )),
        &[],
    );
    let expected_moves: Vec<String> = ["ios", "web"]
        .iter()
        .filter(|d| {
            let path = temp("device.json", devices(&format!("[{split}]")).as_bytes());
            let out = run(&[
                "eval",
                &path,
                "--feature",
                "P",
                "--context",
                &format!(r#"{{"user": {{"device": "{d}"}}}}"#),
            ]);
            text(&out.stdout).contains(r#""implementation": "b""#)
        })
        .map(|d| (*d).to_owned())
        .collect();
    assert!(
        !expected_moves.is_empty(),
        "a device that had b under the split"
    );
    let row = options.row("P");
    assert!(row.contains(r#""options":3,"#), "{row}");
    assert!(
        row.contains(&format!(r#""moved":{},"#, expected_moves.len())),
        "{row} ({expected_moves:?} had b)"
    );
    // Every value is a unit, the first in order too: "android" sent to
    // what the split did not give it moves exactly one of the three.
    let android_had_b = {
        let path = temp("device.json", devices(&format!("[{split}]")).as_bytes());
        let context = r#"{"user": {"device": "android"}}"#;
        let out = run(&["eval", &path, "--feature", "P", "--context", context]);
        text(&out.stdout).contains(r#""implementation": "b""#)
    };
    let (had, other) = if android_had_b {
        ("b", "a")
    } else {
        ("a", "b")
    };
    let (first, _) = diff_json(
        "first-option",
        &devices(&format!("[{split}]")),
        &devices(&format!(
            r#"[{{"when": {{"segment": "Device", "in": ["android"]}}, "serve": "{other}"}}, {split}]"#
        )),
        &[],
    );
    let row = first.row("P");
    assert!(
        row.ends_with(&format!(
            r#""options":3,"by":"Device","moved":1,"moves":[{{"from":"{had}","to":"{other}","units":1}}]}}"#
        )),
        "{row}"
    );

    // The text form lists what changes, then a summary; nothing: exit 0.
    let old = temp("text-old.json", r05.as_bytes());
    let new = temp("text-new.json", r25.as_bytes());
    let out = run(&["diff", &old, &new, "--units", "1000"]);
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("Checkout: "), "{stdout}");
    assert!(
        stdout.contains(" of 1000 units by UserId move ("),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("\n3 features, 1 with changes (1000 units each)\n"),
        "{stdout}"
    );
    let out = run(&["diff", &old, &old]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "3 features, 0 with changes (10000 units each)\n"
    );
    // One feature: shown whatever it found; for a context without a unit.
    let out = run(&[
        "diff",
        &old,
        &new,
        "--feature",
        "Fixed",
        "--context",
        r#"{"user": {"country": "CA"}}"#,
    ]);
    assert_eq!(
        text(&out.stdout),
        "Fixed: no split or experiment; 'b' for the context given, in both\n"
    );
    assert_eq!(out.status.code(), Some(0));

    // Bad arguments: exit 2, one line.
    for (args, message) in [
        (vec!["diff", old.as_str()], "diff needs two snapshots: OLD NEW (file paths, or - for standard input)"),
        (vec!["diff", old.as_str(), new.as_str(), "x"], "unexpected argument 'x'"),
        (vec!["diff", "-", "-"], "standard input can be read once: give only one of SNAPSHOT -, --context @-, --sticky @-"),
        (vec!["diff", old.as_str(), new.as_str(), "--units", "0"], "--units must be a whole number from 1 to 1000000, not '0'"),
        (vec!["diff", old.as_str(), new.as_str(), "--by", "Nope"], "no segment 'Nope' in either snapshot"),
        (vec!["diff", old.as_str(), new.as_str(), "--feature", "Nope"], "no feature 'Nope' in either snapshot"),
        (vec!["diff", old.as_str(), new.as_str(), "--context", "[]"], "--context must be a JSON object, not an array"),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&out.stderr), format!("feats-edge: {message}\n"), "{args:?}");
    }
}

/// Features written alike in both, with what they read, are not evaluated:
/// each unit gets what it got. Here 1 000 of them at a million units would
/// be two thousand million evaluations (hours in a debug build), so a
/// regression shows as a test that hangs.
#[test]
fn diff_evaluates_only_features_written_differently() {
    let features: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                r#""F{i}": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                  "rules": [{{"when": {{"activation": "Beta"}}, "serve": "b"}},
                            {{"split": {{"by": "UserId", "weights": {{"b": 25}}}}}}]}}"#
            )
        })
        .collect();
    let doc = |more: &str| {
        format!(
            r#"{{"schema": 1, "segments": {{"UserId": {{"from": {{"user": "{{id}}"}}}}}},
              "activations": {{"Beta": {{"when": {{"segment": "UserId", "in": ["7"]}}}}}},
              "features": {{{}{more}}}}}"#,
            features.join(",")
        )
    };
    let old = temp("alike-old.json", doc("").as_bytes());
    let added = r#", "New": {"inputs": [], "implementations": ["x"], "default": "x"}"#;
    let new = temp("alike-new.json", doc(added).as_bytes());
    let out = run(&["diff", &old, &new, "--units", "1000000"]);
    assert_eq!(
        text(&out.stdout),
        "New: added\n1001 features, 1 with changes (1000000 units each)\n"
    );
    assert_eq!(out.status.code(), Some(1));
    let (same, code) = diff_json("alike", &doc(""), &doc(""), &["--units", "1000000"]);
    assert_eq!(code, 0);
    assert_eq!(
        same.row("F999"),
        r#"{"feature":"F999","status":"same","by":"UserId","moved":0,"moves":[]}"#
    );
}

/// `simulate`'s list of a segment's options is aligned on a terminal: each
/// option is padded by the columns it takes (two for a Chinese or Korean
/// character, none for a combining accent), and escaped before it is
/// measured (a newline shows as `\n`).
#[test]
fn simulate_aligns_options_by_the_columns_they_take() {
    let path = temp(
        "wide-options.json",
        "{\"schema\": 1, \"segments\": {\"City\": {\"from\": {\"user\": \"{city}\"},
            \"options\": [\"東京\", \"Zu\\u0308rich\", \"NYC\", \"서울시\", \"L\\nA\"]}},
          \"features\": {\"F\": {\"inputs\": [\"user\"], \"implementations\": [\"a\", \"b\"], \"default\": \"a\",
            \"rules\": [{\"split\": {\"by\": \"City\", \"weights\": {\"a\": 100}}}]}}}"
            .as_bytes(),
    );
    let out = run(&["simulate", &path, "--feature", "F", "--units", "10"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // The widest is 서울시, six columns.
    assert!(
        stdout
            .ends_with("  東京    a\n  Zu\u{308}rich  a\n  NYC     a\n  서울시  a\n  L\\nA    a\n"),
        "{stdout}"
    );
}

#[test]
fn simulate_tells_apart_the_rules_that_give_one_implementation() {
    // `control` from the holdout, from the experiment, and as the default
    // for the 10 % the experiment leaves; `b` from the experiment only.
    let path = temp(
        "holdout.json",
        br#"{"schema": 1, "segments": {"UserId": {"from": {"user": "{id}"}}},
            "features": {"Pricing": {"inputs": ["user"], "implementations": ["control", "b"], "default": "control",
              "rules": [{"split": {"by": "UserId", "weights": {"control": 90}, "salt": "holdout"}},
                        {"experiment": {"name": "pricing-2026", "by": "UserId", "weights": {"control": 50, "b": 40}}}]}}}"#,
    );
    let out = run(&[
        "simulate",
        &path,
        "--feature",
        "Pricing",
        "--units",
        "100000",
    ]);
    let stdout = text(&out.stdout);
    let units = |label: &str| -> u64 {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("{label} in {stdout}"));
        line[label.len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let lines: Vec<&str> = stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(
        lines,
        [
            "Pricing:",
            "implementation",
            "control",
            "rule",
            "rule",
            "default",
            "b",
            "rule",
            "units"
        ],
        "{stdout}"
    );
    assert!(
        stdout.ends_with("\nunits that already used an arm of experiment 'pricing-2026' keep it (sticky): these shares are for units without one\n"),
        "{stdout}"
    );
    let (held, tried, fell) = (
        units("  rule 0 (split)"),
        units("  rule 1 (experiment 'pricing-2026')"),
        units("  default"),
    );
    assert_eq!(held + tried + fell, units("control"));
    assert!((89_000..91_000).contains(&held), "{held}");
    // Of the 10 % that reach the experiment, 50 % control, 40 % b, 10 % fall through.
    assert!(
        (4_500..5_500).contains(&tried) && (700..1_300).contains(&fell),
        "{tried} {fell}"
    );
    let json = text(
        &run(&[
            "simulate",
            &path,
            "--feature",
            "Pricing",
            "--units",
            "100000",
            "--json",
        ])
        .stdout,
    );
    assert!(
        json.contains(&format!(
            r#""control":{{"units":{},"share":"#,
            units("control")
        )) && json.contains(&format!(
            r#""rules":{{"0":{held},"1":{tried},"default":{fell}}}}}"#
        )),
        "{json}"
    );
    // One source for every implementation: no breakdown.
    let one = text(
        &run(&[
            "simulate",
            "examples/shop.json",
            "--feature",
            "AllowedPriorities",
            "--units",
            "100",
        ])
        .stdout,
    );
    assert!(!one.contains("  rule"), "{one}");
}

#[test]
fn bucket_matches_the_spec() {
    let out = run(&["bucket", "--salt", "PaymentProcessor", "--unit", "42"]);
    assert_eq!(text(&out.stdout), "8632\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_snapshot_file_that_is_not_utf8_reads_as_the_clients_read_it_and_validate_warns() {
    // Latin-1 é: every client (TextDecoder, Engine::load_bytes) reads U+FFFD.
    let latin1 = temp(
        "latin1.json",
        b"{\"schema\": 1, \"revision\": \"caf\xe9\", \"features\": {\"F\": {\"implementations\": [\"a\"], \"default\": \"a\"}}}",
    );
    let out = run(&["eval", &latin1, "--context", "{}", "--feature", "F"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\"revision\": \"caf\u{fffd}\""),
        "{}",
        text(&out.stdout)
    );
    let warning = "warning: the file is not valid UTF-8 (at byte 30): it was read, as every client reads it, with U+FFFD (\u{fffd}) in place of each invalid sequence\n";
    let out = run(&["validate", &latin1]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("{warning}ok: revision caf\u{fffd}, 1 feature, 0 segments; 1 warning\n")
    );
    let out = run(&["validate", &latin1, "--strict"]);
    assert_eq!(out.status.code(), Some(1));
    // A UTF-16 file is refused (invalid JSON), and the warning says why.
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain("{\"schema\": 1}".bytes().flat_map(|b| [b, 0]))
        .collect();
    let utf16 = temp("utf16.json", &utf16);
    let out = run(&["validate", &utf16]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains(
            "warning: the file is UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8\nsnapshot refused\n"
        ),
        "{}",
        text(&out.stdout)
    );
    let out = run(&["validate", &utf16, "--json"]);
    assert!(
        text(&out.stdout).contains(r#""warnings":[{"path":"","message":"the file is UTF-16"#),
        "{}",
        text(&out.stdout)
    );
    // `eval` and `simulate` say it in their one line.
    let stderr = one_line_error(&run(&["eval", &utf16, "--context", "{}"]), "UTF-16");
    assert!(
        stderr.ends_with(
            "; the file is UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8\n"
        ),
        "{stderr}"
    );
    // Without a byte order mark, in either byte order (valid UTF-8: every
    // other byte NUL).
    for swap in [false, true] {
        let bytes: Vec<u8> = "{\"schema\": 1}"
            .bytes()
            .flat_map(|b| if swap { [0, b] } else { [b, 0] })
            .collect();
        let file = temp("utf16-no-bom.json", &bytes);
        let out = run(&["validate", &file]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stdout).contains(
                "warning: the file looks like UTF-16 (every other byte is 0): save it as UTF-8\nsnapshot refused\n"
            ),
            "{}",
            text(&out.stdout)
        );
    }
    // Non-ASCII text in UTF-16 without a mark is not valid UTF-8 either:
    // said to be UTF-16 all the same.
    let bytes: Vec<u8> = "{\"schema\": 1, \"revision\": \"Z\u{fc}rich\"}"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let out = run(&["validate", &temp("utf16-no-bom-latin.json", &bytes)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains(
            "warning: the file looks like UTF-16 (every other byte is 0): save it as UTF-8\n"
        ),
        "{}",
        text(&out.stdout)
    );
    // A `--context` or `--sticky` file in UTF-16 (what Windows PowerShell
    // 5 writes with `>`) is said to be one too, with or without the mark.
    let context = "{\"user\": {\"id\": \"Z\u{fc}rich\"}}";
    let marked: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(context.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let unmarked: Vec<u8> = "{\"user\": {}}"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    for (bytes, why) in [
        (
            &marked,
            "the file is UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8",
        ),
        (
            &unmarked,
            "the file looks like UTF-16 (every other byte is 0): save it as UTF-8",
        ),
    ] {
        let file = temp("utf16-context.json", bytes);
        for option in ["--context", "--sticky"] {
            let at = format!("@{file}");
            let mut args = vec!["eval", "examples/shop.json", option, at.as_str()];
            if option == "--sticky" {
                args.extend(["--context", "{}"]);
            }
            let stderr = one_line_error(&run(&args), "a UTF-16 option file");
            assert_eq!(stderr, format!("feats-edge: {option} '{file}': {why}\n"));
        }
    }
    // An empty file, or one of blanks.
    for blank in [&b""[..], b" \r\n\t"] {
        let out = run(&["validate", &temp("blank.json", blank)]);
        assert_eq!(
            text(&out.stdout),
            "invalid JSON: the snapshot is empty\nsnapshot refused\n"
        );
    }
}

#[test]
fn bad_arguments_and_files_exit_2_with_one_line() {
    let invalid_utf8 = temp("latin1-context.json", b"{\"user\": {\"id\": \"caf\xe9\"}}");
    let invalid_utf8 = format!("@{invalid_utf8}");
    for args in [
        vec!["frobnicate"],
        vec!["validate"],
        vec!["validate", "does/not/exist.json"],
        vec!["eval", "examples/shop.json", "--context", &invalid_utf8],
        vec!["eval", "examples/shop.json", "--context", "{nope"],
        vec![
            "eval",
            "examples/shop.json",
            "--context",
            "{}",
            "--now",
            "yesterday",
        ],
        vec![
            "eval",
            "examples/shop.json",
            "--context",
            "{}",
            "--sticky",
            "[1]",
        ],
        vec!["eval", "examples/shop.json", "--color"],
        vec![
            "simulate",
            "examples/shop.json",
            "--feature",
            "AllowedPriorities",
        ],
        vec![
            "simulate",
            "examples/shop.json",
            "--feature",
            "AllowedPriorities",
            "--units",
            "many",
        ],
        vec![
            "simulate",
            "examples/shop.json",
            "--feature",
            "Nope",
            "--units",
            "10",
        ],
        vec![
            "simulate",
            "examples/shop.json",
            "--feature",
            "ImageProcessing",
            "--units",
            "10",
        ],
        vec!["bucket", "--salt", "x"],
        vec!["eval", "tests/vectors/buckets.json", "--context", "{}"],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("feats-edge: "), "{stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_top_level_type_error_is_a_problem_not_a_refusal() {
    let path = temp(
        "revision.json",
        br#"{"schema": 1, "revision": 7, "activations": [],
            "features": {"A": {"implementations": ["x"], "default": "x"}}}"#,
    );
    let out = run(&["validate", &path]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("/revision: expected a string, found a number\n"),
        "{stdout}"
    );
    assert!(stdout.contains("/activations: expected an object, found an array\n"));
    assert!(stdout.contains("2 problems; 0 of 1 features serve their default with PARSE_ERROR"));
    let out = run(&["eval", &path, "--feature", "A", "--context", "{}"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(r#""implementation": "x""#));
}

#[test]
fn contexts_are_not_held_to_the_snapshot_limits() {
    let long = format!(
        r#"{{"user": {{"id": 42, "tags": [{}0]}}}}"#,
        "0,".repeat(20_000)
    );
    let deep = format!(
        r#"{{"user": {{"id": 42, "deep": {}{}}}}}"#,
        "[".repeat(500),
        "]".repeat(500)
    );
    for context in [long, deep] {
        let ctx = temp("big-context.json", context.as_bytes());
        let out = run(&[
            "eval",
            "examples/shop.json",
            "--feature",
            "PaymentProcessor",
            "--context",
            &format!("@{ctx}"),
            "--sticky",
            &format!("@{ctx}"),
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("--sticky: the value of 'user' must be"),
            "{}",
            text(&out.stderr)
        );
        let out = run(&[
            "eval",
            "examples/shop.json",
            "--feature",
            "PaymentProcessor",
            "--context",
            &format!("@{ctx}"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
}

/// Asserts exit 2, nothing on stdout and one `feats-edge: ` line on stderr
/// (no panic); returns that line.
fn one_line_error(out: &Output, what: &str) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
    assert!(out.stdout.is_empty(), "{what}");
    assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
    assert!(stderr.starts_with("feats-edge: "), "{what}: {stderr}");
    stderr
}

#[test]
fn an_argument_that_is_not_utf8_exits_2() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let out = Command::new(env!("CARGO_BIN_EXE_feats-edge"))
        .arg("validate")
        .arg(OsStr::from_bytes(b"caf\xe9.json"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stderr = one_line_error(&out, "latin-1 argument");
    assert_eq!(stderr, "feats-edge: argument 2 is not valid UTF-8\n");
}

#[test]
fn a_failed_write_to_stdout_exits_2_without_a_panic() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_feats-edge"))
        .args(["bucket", "--salt", "PaymentProcessor", "--unit", "42"])
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = one_line_error(&out, "/dev/full");
    assert!(
        stderr.contains("cannot write to standard output"),
        "{stderr}"
    );
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    let features: Vec<String> = (0..5000)
        .map(|i| format!(r#""F{i}": {{"implementations": ["a", "b"], "default": "a"}}"#))
        .collect();
    let path = temp(
        "many-features.json",
        format!(r#"{{"schema": 1, "features": {{{}}}}}"#, features.join(",")).as_bytes(),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_feats-edge"))
        .args(["eval", &path, "--context", "{}"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn no_arguments_is_one_line_on_stderr_and_help_is_usage_on_stdout() {
    let stderr = one_line_error(&run(&[]), "no arguments");
    assert!(stderr.contains("--help"), "{stderr}");
    for help in ["--help", "-h", "help"] {
        let out = run(&[help]);
        assert_eq!(out.status.code(), Some(0), "{help}");
        assert!(text(&out.stdout).starts_with("usage:\n"), "{help}");
        assert!(out.stderr.is_empty(), "{help}");
    }
}

#[test]
fn errors_stay_on_one_line() {
    for (args, shown) in [
        (
            vec![
                "eval",
                "examples/shop.json",
                "--context",
                "{}",
                "--now",
                "2026\nX",
            ],
            "'2026\\nX'",
        ),
        (
            vec!["validate", "does/not\nexist.json"],
            "'does/not\\nexist.json'",
        ),
        (
            vec![
                "eval",
                "examples/shop.json",
                "--context",
                "{}",
                "--sticky",
                r#"{"a\nb\r\tc\u001b": 1}"#,
            ],
            "'a\\nb\\r\\tc\\u{1b}'",
        ),
        (vec!["frob\nnicate"], "'frob\\nnicate'"),
    ] {
        let stderr = one_line_error(&run(&args), &format!("{args:?}"));
        assert!(stderr.contains(shown), "{args:?}: {stderr}");
    }
}

#[test]
fn a_snapshot_stream_is_read_only_up_to_the_limit() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_feats-edge"))
        .args(["validate", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // 64 MiB offered; the reader stops after 16 MiB and 1 byte, so the rest
    // of the writes fail with a closed pipe.
    let writer = std::thread::spawn(move || {
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..64 {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // (Its size is unknown: only the limit and one byte were read.)
    assert_eq!(
        text(&out.stdout),
        "the snapshot is more than the limit of 16 MiB (16777216 bytes)\nsnapshot refused\n"
    );
    let over = temp("over.json", &vec![b' '; (16 << 20) + 5]);
    let out = run(&["validate", &over]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).starts_with("the snapshot is 16777221 bytes, more than the limit"));
    let stderr = one_line_error(&run(&["eval", "/dev/zero", "--context", "{}"]), "/dev/zero");
    assert!(stderr.contains("more than the limit of 16 MiB"), "{stderr}");
}

#[test]
fn now_is_a_clock_reading_rounded_down() {
    // SaleBanner is on from 2023-11-26T00:00:00Z (after) to
    // 2023-11-28T00:00:00Z (before, exclusive).
    for (now, on) in [
        ("2023-11-25T23:59:59.9999Z", "false"),
        ("2023-11-26T00:00:00Z", "true"),
        ("2023-11-27T23:59:59.9999Z", "true"),
        ("2023-11-28T00:00:00Z", "false"),
    ] {
        let out = run(&[
            "eval",
            "examples/novi.json",
            "--feature",
            "SaleBanner",
            "--context",
            "{}",
            "--now",
            now,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains(&format!(r#""implementation": "{on}""#)),
            "{now}: {stdout}"
        );
    }
}

#[test]
fn eval_requires_a_context() {
    let stderr = one_line_error(&run(&["eval", "examples/shop.json"]), "no --context");
    assert!(stderr.contains("--context is required"), "{stderr}");
}

#[test]
fn a_flag_takes_no_value() {
    for args in [
        vec!["validate", "examples/shop.json", "--json=false"],
        vec!["validate", "examples/shop.json", "--json="],
        vec![
            "simulate",
            "examples/shop.json",
            "--feature",
            "AllowedPriorities",
            "--units",
            "10",
            "--json=yes",
        ],
    ] {
        let stderr = one_line_error(&run(&args), &format!("{args:?}"));
        assert!(stderr.contains("--json takes no value"), "{stderr}");
    }
}

#[test]
fn a_forgotten_value_is_named_not_taken_from_the_next_option() {
    let stderr = one_line_error(
        &run(&["bucket", "--salt", "--unit", "42"]),
        "--salt without a value",
    );
    assert!(
        stderr.contains("--salt needs a value, and --unit is an option"),
        "{stderr}"
    );
    // A value that starts with -- is still possible, written inline.
    let out = run(&["bucket", "--salt=--unit", "--unit", "42"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let bucket: u32 = text(&out.stdout).trim().parse().unwrap();
    assert!(bucket < 10_000);
}

#[test]
fn help_after_a_command_is_usage() {
    for args in [
        vec!["bucket", "--help"],
        vec!["validate", "-h"],
        vec!["eval", "examples/shop.json", "--help"],
    ] {
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stdout).starts_with("usage:\n"), "{args:?}");
    }
}

#[test]
fn names_cannot_break_or_reorder_the_lines_of_text_output() {
    // A newline would start a line of its own; U+202E would print the
    // rest of its line reversed on a terminal.
    let bad = temp(
        "newline-name.json",
        "{\"schema\": 1, \"features\": {\"a\\nb\u{202e}\": {\"implementations\": [\"x\"], \"default\": \"x\"}}}".as_bytes(),
    );
    let out = run(&["validate", &bad]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        stdout.starts_with("/features/a\\nb\\u{202e}: invalid name"),
        "{stdout}"
    );

    let rtl = temp(
        "rtl-revision.json",
        "{\"schema\": 1, \"revision\": \"7\u{202e}cba\", \"features\": {}}".as_bytes(),
    );
    let out = run(&["validate", &rtl]);
    assert_eq!(
        text(&out.stdout),
        "ok: revision 7\\u{202e}cba, 0 features, 0 segments\n"
    );
    // JSON output stays JSON: the same string, escaped.
    let out = run(&["validate", &rtl, "--json"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains(r#""revision":"7\u202ecba""#), "{stdout}");
    assert!(!stdout.contains('\u{202e}'), "{stdout}");

    // DEL and the C1 controls (U+009B starts an escape sequence on some
    // terminals) are escaped in JSON output too, from snapshots and contexts.
    let c1 = temp(
        "c1-revision.json",
        "{\"schema\": 1, \"revision\": \"a\u{9b}31mb\u{7f}\", \"segments\": {\"U\": {\"from\": {\"user\": \"{id}\"}}},
          \"features\": {\"F\": {\"inputs\": [\"user\"], \"implementations\": [\"x\"], \"default\": \"x\",
          \"rules\": [{\"split\": {\"by\": \"U\", \"weights\": {\"x\": 100}}}]}}}"
            .as_bytes(),
    );
    for args in [
        vec!["validate", &c1, "--json"],
        vec![
            "eval",
            &c1,
            "--context",
            "{\"user\": {\"id\": \"u\u{85}\u{9b}2J\"}}",
        ],
    ] {
        let out = run(&args);
        let stdout = text(&out.stdout);
        assert!(
            !stdout.chars().any(|c| ('\u{7f}'..='\u{9f}').contains(&c)),
            "{args:?}: {stdout:?}"
        );
        assert!(
            stdout.contains(r#"a\u009b31mb\u007f"#),
            "{args:?}: {stdout}"
        );
    }
    let out = run(&[
        "eval",
        &c1,
        "--context",
        "{\"user\": {\"id\": \"u\u{85}\u{9b}2J\"}}",
    ]);
    assert!(
        text(&out.stdout).contains(r#""value": "u\u0085\u009b2J""#),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn version_after_a_command_is_the_version() {
    let version = concat!("feats-edge ", env!("CARGO_PKG_VERSION"), "\n");
    for args in [
        &["--version"][..],
        &["-V"],
        &["eval", "examples/shop.json", "--version"],
        &["validate", "-V"],
        // It wins over an argument error, as a help request does.
        &["eval", "--bogus", "--version"],
    ] {
        let out = run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), version, "{args:?}");
    }
    // As an option's value, or after `--`, it is that value.
    let out = run(&["bucket", "--salt", "--version", "--unit", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_ne!(text(&out.stdout), version);
    let out = run(&["validate", "--", "--version"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--version"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn help_is_asked_only_where_an_option_could_stand() {
    // `-h` is a valid feature name: as an option's value it is that value.
    let path = temp(
        "dash.json",
        br#"{"schema": 1, "features": {"-h": {"implementations": ["a"], "default": "a"}}}"#,
    );
    let out = run(&["eval", &path, "--context", "{}", "--feature", "-h"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(r#""feature": "-h""#),
        "{}",
        text(&out.stdout)
    );
    let out = run(&["bucket", "--salt", "--help", "--unit", "-h"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim().parse::<u32>().map(|b| b < 10_000),
        Ok(true)
    );
    // After a value, it is a help request again; and it wins over a bad option.
    for args in [
        &["bucket", "--salt", "x", "-h"][..],
        &["eval", "--bogus", "--help"],
        &["bucket", "-h", "--salt"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(text(&out.stdout).starts_with("usage:\n"), "{args:?}");
    }
    // An error stands when the only -h is an option's value or follows `--`.
    for (args, error) in [
        (
            &[
                "eval",
                &path,
                "--feature",
                "-h",
                "--context",
                "{}",
                "--feature",
                "x",
            ][..],
            "--feature given twice",
        ),
        (
            &["bucket", "--salt", "-h", "--unit", "x", "--unit", "y"],
            "--unit given twice",
        ),
        (
            &["bucket", "--salt", "--unit", "-h"],
            "--salt needs a value, and --unit is an option",
        ),
        (
            &["validate", "--bogus", "--", "-h"],
            "unknown option --bogus for 'validate'",
        ),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&out.stdout), "", "{args:?}");
        assert!(
            text(&out.stderr).contains(error),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_double_dash_ends_the_options() {
    let out = run(&["validate", "--", "examples/shop.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // An option after it is an argument, said as such (not "required").
    let out = run(&["eval", "--", "examples/shop.json", "--context", "{}"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "feats-edge: unexpected argument '--context'\n"
    );
    // A snapshot file whose name looks like an option.
    let path = temp(
        "--json",
        br#"{"schema": 1, "revision": "r", "features": {"A": {"implementations": ["a"], "default": "a"}}}"#,
    );
    let dir = std::path::Path::new(&path).parent().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_feats-edge"))
        .args(["validate", "--", "--json"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout),
        "ok: revision r, 1 feature, 0 segments\n",
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn standard_input_is_read_once_and_short_options_are_unknown() {
    let out = run(&["eval", "-", "--context", "@-"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "feats-edge: standard input can be read once: give only one of SNAPSHOT -, --context @-, --sticky @-\n"
    );
    let out = run(&["validate", "-x", "examples/shop.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "feats-edge: unknown option -x for 'validate' (a file named so: write ./-x, or put it after --)\n"
    );
    // A value may start with a dash.
    let out = run(&["bucket", "--salt", "a", "--unit", "-5"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn simulate_refuses_a_context_that_is_no_object() {
    // Every unit would get the default (INVALID_CONTEXT): 100 % that says nothing.
    for (context, kind) in [("[]", "an array"), ("null", "null"), ("42", "a number")] {
        let out = run(&[
            "simulate",
            "examples/shop.json",
            "--feature",
            "AllowedPriorities",
            "--units",
            "10",
            "--context",
            context,
        ]);
        assert_eq!(out.status.code(), Some(2), "{context}");
        assert_eq!(
            text(&out.stderr),
            format!("feats-edge: --context must be a JSON object, not {kind}\n")
        );
    }
}

#[test]
fn simulate_by_a_segment_that_does_not_exist_says_so() {
    let by = |segment| {
        run(&[
            "simulate",
            "examples/shop.json",
            "--feature",
            "PaymentProcessor",
            "--units",
            "10",
            "--by",
            segment,
        ])
    };
    assert_eq!(
        one_line_error(&by("Nope"), "unknown segment"),
        "feats-edge: cannot simulate 'PaymentProcessor': no segment is named 'Nope'\n"
    );
    assert_eq!(
        one_line_error(&by(""), "an empty --by"),
        "feats-edge: cannot simulate 'PaymentProcessor': --by is empty\n"
    );
    assert_eq!(
        one_line_error(&by("Device"), "a segment the feature does not read"),
        "feats-edge: cannot simulate 'PaymentProcessor': the feature does not read segment 'Device'\n"
    );
    // A name with a character that shows as a blank or as nothing (pasted
    // with a no-break space) is quoted with its escape, as problems are.
    assert_eq!(
        one_line_error(&by("Country\u{a0}"), "a segment name with a no-break space"),
        "feats-edge: cannot simulate 'PaymentProcessor': no segment is named 'Country\\u{a0}'\n"
    );
    let feature = run(&[
        "simulate",
        "examples/shop.json",
        "--feature",
        "PaymentProcessor\u{200b}",
        "--units",
        "10",
    ]);
    assert_eq!(
        one_line_error(&feature, "a feature name with a zero-width space"),
        "feats-edge: cannot simulate 'PaymentProcessor\\u{200b}': no such feature\n"
    );
    // A count out of range is named as given.
    let units = run(&[
        "simulate",
        "examples/shop.json",
        "--feature",
        "PaymentProcessor",
        "--units",
        "-1",
    ]);
    assert_eq!(
        one_line_error(&units, "--units -1"),
        "feats-edge: --units must be a whole number from 1 to 100000000, not '-1'\n"
    );
}

#[test]
fn simulate_by_a_segment_hashes_synthetic_values_of_it() {
    let snapshot = temp(
        "by.json",
        br#"{"schema": 1, "segments": {"UserId": {"from": {"user": "{id}"}}, "Team": {"from": {"user": "{team}"}}},
            "features": {"F": {"inputs": ["user"], "implementations": ["a", "b", "c"], "default": "c",
                "rules": [{"when": {"segment": "Team", "starts_with": ["1"]}, "split": {"by": "Team", "weights": {"a": 25, "b": 25}}},
                          {"split": {"by": "UserId", "weights": {"b": 100}}}]}}}"#,
    );
    let out = run(&[
        "simulate",
        &snapshot,
        "--feature",
        "F",
        "--units",
        "2000",
        "--by",
        "Team",
        "--json",
        "--context",
        r#"{"user": {"id": "fixed"}}"#,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Team takes the values 1..2000. Those starting with 1 meet the first
    // rule, hashed by Team: a for buckets under 2 500, b under 5 000; the
    // rest fall through to the second rule, whose unit is the context's
    // own id (100 %: b). None gets the default.
    let a = (1..=2000u32)
        .map(|k| k.to_string())
        .filter(|team| team.starts_with('1') && feats_edge::hash::bucket("F", team) < 2500)
        .count();
    let (b, c) = (2000 - a, 0);
    assert!((200..350).contains(&a), "{a}");
    let stdout = text(&out.stdout);
    for (name, n) in [("a", a), ("b", b), ("c", c)] {
        assert!(
            stdout.contains(&format!(r#""{name}":{{"units":{n},"#)),
            "{name}: {n} in {stdout}"
        );
    }
    assert!(
        stdout.starts_with(r#"{"feature":"F","by":"Team","units":2000,"#),
        "{stdout}"
    );
}

/// A unit segment of two placeholders, `{org}:{id}`, behind a rule for one
/// organization: the organization `--context` gives stays, and only the
/// id takes the synthetic values (`acme:1`, `acme:2`, …), so `simulate`
/// and `diff` count the members of that organization. (Both
/// placeholders took them, `1:1`, `2:2`, …: no unit met the rule, and
/// `simulate` said 100 % `old`.)
#[test]
fn simulate_and_diff_keep_the_placeholders_the_context_fills() {
    let snapshot = |weight: u32| {
        format!(
            r#"{{"schema": 1, "segments": {{"Member": {{"from": {{"user": "{{org}}:{{id}}"}}}}, "Org": {{"from": {{"user": "{{org}}"}}}}}},
                "features": {{"F": {{"inputs": ["user"], "implementations": ["old", "new"], "default": "old",
                  "rules": [{{"when": {{"segment": "Org", "in": ["acme"]}}, "split": {{"by": "Member", "weights": {{"new": {weight}}}}}}}]}}}}}}"#
        )
    };
    let (fifty, twenty) = (
        temp("member-50.json", snapshot(50).as_bytes()),
        temp("member-20.json", snapshot(20).as_bytes()),
    );
    let acme = r#"{"user": {"org": "acme"}}"#;
    let members = |below: u32| {
        (1..=2000)
            .filter(|n| feats_edge::hash::bucket("F", &format!("acme:{n}")) < below)
            .count()
    };
    let out = run(&[
        "simulate",
        &fifty,
        "--feature",
        "F",
        "--units",
        "2000",
        "--context",
        acme,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let new = members(5000);
    assert!((900..1100).contains(&new), "{new}");
    assert!(
        text(&out.stdout).contains(&format!(r#""new":{{"units":{new},"#)),
        "{new}: {}",
        text(&out.stdout)
    );
    let out = run(&[
        "simulate",
        &fifty,
        "--feature",
        "F",
        "--units",
        "2000",
        "--context",
        acme,
    ]);
    assert!(
        text(&out.stdout).starts_with(
            "F: 2000 synthetic units by Member (its placeholders --context leaves empty set to 1..2000)\n"
        ),
        "{}",
        text(&out.stdout)
    );
    // Lowering acme's rollout moves its members from 20 % to 50 % out.
    let out = run(&[
        "diff",
        &fifty,
        &twenty,
        "--units",
        "2000",
        "--context",
        acme,
        "--json",
    ]);
    let moved = members(5000) - members(2000);
    assert!(
        text(&out.stdout).contains(&format!(
            r#""moved":{moved},"moves":[{{"from":"new","to":"old","units":{moved}}}]"#
        )),
        "{moved}: {}",
        text(&out.stdout)
    );
    // A context that fills every placeholder: all of them vary, as before.
    let both = r#"{"user": {"org": "acme", "id": "7"}}"#;
    let out = run(&[
        "simulate",
        &fifty,
        "--feature",
        "F",
        "--units",
        "100",
        "--context",
        both,
        "--json",
    ]);
    assert!(
        text(&out.stdout).contains(r#""old":{"units":100,"#),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn simulate_by_a_segment_with_options_says_what_each_value_gets() {
    // 60 declared countries; the split hashes whole values.
    let countries: Vec<String> = (0..60).map(|i| format!("C{i:02}")).collect();
    let options = countries
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(",");
    let snapshot = temp(
        "options.json",
        format!(
            r#"{{"schema": 1, "segments": {{"Country": {{"from": {{"user": "{{country}}"}}, "options": [{options}]}},
                "Pair": {{"from": {{"user": "{{country}}-{{lang}}"}}, "options": ["C00-en"]}}}},
              "features": {{"Geo": {{"inputs": ["user"], "implementations": ["control", "b"], "default": "control",
                "rules": [{{"experiment": {{"name": "geo", "by": "Country", "weights": {{"control": 50, "b": 50}}}}}}]}},
                "ByPair": {{"inputs": ["user"], "implementations": ["control", "b"], "default": "control",
                "rules": [{{"split": {{"by": "Pair", "weights": {{"b": 50}}}}}}]}}}}}}"#
        )
        .as_bytes(),
    );
    let expected: Vec<&str> = countries
        .iter()
        .map(|c| {
            if feats_edge::hash::bucket("geo", c) < 5000 {
                "control"
            } else {
                "b"
            }
        })
        .collect();
    let out = run(&["simulate", &snapshot, "--feature", "Geo", "--units", "1000"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let b = expected.iter().filter(|&&e| e == "b").count();
    let note = format!(
        "Country declares 60 options: real contexts carry only those, each one unit, so the split \
         is by whole values (control {}, b {b}):\n",
        60 - b
    );
    let listed: String = countries
        .iter()
        .zip(&expected)
        .take(50)
        .map(|(c, e)| format!("  {c}  {e}\n"))
        .collect();
    assert!(
        stdout.ends_with(&format!(
            "{note}{listed}  … (60 in all; --json lists every one)\n"
        )),
        "{stdout}"
    );
    let json = run(&[
        "simulate",
        &snapshot,
        "--feature",
        "Geo",
        "--units",
        "10",
        "--json",
    ]);
    let pairs: Vec<String> = countries
        .iter()
        .zip(&expected)
        .map(|(c, e)| format!(r#""{c}":"{e}""#))
        .collect();
    assert!(
        text(&json.stdout).ends_with(&format!(",\"options\":{{{}}}}}\n", pairs.join(","))),
        "{}",
        text(&json.stdout)
    );
    // Nothing is listed where a value does not say what its units get: a
    // random experiment by the segment, a split by another segment (the
    // segment named with --by), or a segment made of two placeholders
    // (an option does not say what each holds). A repeated option is
    // listed once.
    let other = temp(
        "options-other.json",
        br#"{"schema": 1, "segments": {"Country": {"from": {"user": "{country}"}, "options": ["CA", "US", "CA"]},
                "UserId": {"from": {"user": "{id}"}}},
              "features": {
                "Random": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                  "rules": [{"experiment": {"name": "r", "by": "Country", "weights": {"a": 50, "b": 50}, "random": true}}]},
                "ByUser": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                  "rules": [{"when": {"segment": "Country", "in": ["CA", "US"]}, "split": {"by": "UserId", "weights": {"a": 50, "b": 50}}}]},
                "Hashed": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                  "rules": [{"split": {"by": "Country", "weights": {"a": 50, "b": 50}}}]}}}"#,
    );
    for args in [
        &["--feature", "Random"][..],
        &["--feature", "ByUser", "--by", "Country"][..],
    ] {
        let out = run(&[&["simulate", &other, "--units", "100"][..], args].concat());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(
            !text(&out.stdout).contains("options"),
            "{args:?}: {}",
            text(&out.stdout)
        );
    }
    let out = run(&[
        "simulate",
        &other,
        "--feature",
        "Hashed",
        "--units",
        "10",
        "--json",
    ]);
    let json = text(&out.stdout);
    let pick = |c: &str| {
        if feats_edge::hash::bucket("Hashed", c) < 5000 {
            "a"
        } else {
            "b"
        }
    };
    assert!(
        json.ends_with(&format!(
            ",\"options\":{{\"CA\":\"{}\",\"US\":\"{}\"}}}}\n",
            pick("CA"),
            pick("US")
        )),
        "{json}"
    );
    let out = run(&[
        "simulate",
        &snapshot,
        "--feature",
        "ByPair",
        "--units",
        "100",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains("options"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn an_option_given_as_the_snapshot_is_given_says_how_to_write_it() {
    let stderr = one_line_error(
        &run(&["eval", "examples/shop.json", "--context", "-"]),
        "--context -",
    );
    assert_eq!(
        stderr,
        "feats-edge: --context -: to read standard input, write --context @-\n"
    );
    let empty = temp("empty-context.json", b" \n");
    let stderr = one_line_error(
        &run(&[
            "eval",
            "examples/shop.json",
            "--context",
            &format!("@{empty}"),
        ]),
        "an empty file",
    );
    assert_eq!(
        stderr,
        format!("feats-edge: --context @{empty}: the file is empty\n")
    );
    let out = run_stdin(&["eval", "examples/shop.json", "--context", "@-"], b"");
    assert_eq!(
        one_line_error(&out, "empty standard input"),
        "feats-edge: --context @-: standard input is empty\n"
    );
}

/// Options are listed cut to 60 characters: padding every line to a long
/// one multiplied the output (a 66 KB snapshot printed 3.3 MB), and past
/// 65 535 characters Rust's formatting panicked.
#[test]
fn simulate_lists_long_options_cut_short() {
    let long = "x".repeat(70_000);
    let short: Vec<String> = (0..60).map(|i| format!("\"C{i:02}\"")).collect();
    let snapshot = temp(
        "long-option.json",
        format!(
            r#"{{"schema": 1, "segments": {{"C": {{"from": {{"user": "{{cc}}"}}, "options": ["{long}", {}]}}}},
              "features": {{"F": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                "rules": [{{"split": {{"by": "C", "weights": {{"b": 50}}}}}}]}}}}}}"#,
            short.join(",")
        )
        .as_bytes(),
    );
    let out = run(&["simulate", &snapshot, "--feature", "F", "--units", "10"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.len() < 10_000, "{} bytes", stdout.len());
    let first = format!("  {}…  ", "x".repeat(60));
    assert!(stdout.contains(&first), "{stdout}");
    assert!(
        stdout.contains(&format!("  C00{}  ", " ".repeat(58))),
        "{stdout}"
    );
}

#[test]
fn diff_says_a_feature_edited_behind_a_condition_the_context_does_not_meet() {
    let shop = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop.json"))
        .unwrap();
    // A rollout raised from 5 to 25 % for US users only: the synthetic units
    // (no country) do not reach it.
    let raised = shop.replace(
        r#""weights": {"aperture": 5}"#,
        r#""weights": {"aperture": 25}"#,
    );
    assert_ne!(raised, shop);
    let (out, code) = diff_json("edited", &shop, &raised, &[]);
    assert_eq!(code, 1, "{}", out.0);
    let row = out.row("PaymentProcessor");
    assert!(
        row.starts_with(
            r#"{"feature":"PaymentProcessor","status":"edited","edited":"feature","by":"UserId","moved":0,"#
        ),
        "{row}"
    );
    let old = temp("edited-old.json", shop.as_bytes());
    let new = temp("edited-new.json", raised.as_bytes());
    let stdout = text(&run(&["diff", &old, &new]).stdout);
    assert!(
        stdout.starts_with("PaymentProcessor: written differently, but no unit moves for the context given (a rule behind a condition it does not meet may have changed: give --context)\n"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(", 1 with changes (10000 units each)\n"),
        "{stdout}"
    );
    // With the condition met, the units that move are counted.
    let us = r#"{"user": {"address": {"country_code": "US"}}}"#;
    let (out, code) = diff_json("edited-us", &shop, &raised, &["--context", us]);
    assert_eq!(code, 1);
    assert!(
        out.row("PaymentProcessor")
            .contains(r#""status":"changed""#),
        "{}",
        out.0
    );
    // A serve rule edited behind a condition, in a feature with no split.
    let served = shop.replace(r#""serve": "premium""#, r#""serve": "aperture""#);
    assert_ne!(served, shop);
    let (out, code) = diff_json("edited-serve", &shop, &served, &[]);
    assert_eq!(code, 1);
    assert!(
        out.row("PaymentProcessor").contains(r#""status":"edited""#),
        "{}",
        out.0
    );
    // Written alike: members reordered (see `weights-order` above), a number
    // spelt otherwise, annotations added.
    for alike in [
        shop.replace(
            r#""weights": {"aperture": 5}"#,
            r#""weights": {"aperture": 5.0}"#,
        ),
        shop.replace(
            r#""weights": {"aperture": 5}"#,
            r#""weights": {"aperture": 5e0}"#,
        ),
        shop.replace(
            r#""serve": "premium""#,
            r#""serve": "premium", "description": "Canada", "meta": {"owner": "x"}"#,
        ),
        // Among names too, where the snapshot reads them as annotations.
        shop.replace(
            r#""weights": {"aperture": 5}"#,
            r#""weights": {"aperture": 5, "description": "ramp", "meta": "x"}"#,
        ),
        shop.replace(
            r#""UserId":   {"from": {"user": "{id}"}}"#,
            r#""UserId": {"from": {"user": "{id}", "description": "see {id", "meta": {"owner": "x"}}}"#,
        ),
    ] {
        assert_ne!(alike, shop);
        let (out, code) = diff_json("alike", &shop, &alike, &[]);
        assert_eq!(code, 0, "{}", out.0);
    }
    // But an implementation named `meta` in weights is no annotation.
    let weights = |w: &str| {
        checkout(
            r#"["old", "meta"]"#,
            &format!(
                r#"[{{"when": {{"segment": "Country", "in": ["US"]}}, "split": {{"by": "UserId", "weights": {{"meta": {w}}}}}}}]"#
            ),
            "",
        )
    };
    let (out, code) = diff_json("meta-arm", &weights("5"), &weights("25"), &[]);
    assert_eq!(code, 1, "{}", out.0);
    assert!(
        out.row("Checkout").contains(r#""status":"edited""#),
        "{}",
        out.0
    );
}

/// A segment or activation edited is an edit of every feature that reads
/// it, though the feature's own text is alike: a template that reads
/// another key, a narrower IP range behind an activation.
#[test]
fn diff_says_a_feature_whose_segments_or_activations_were_edited() {
    let shop = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop.json"))
        .unwrap();
    let template = shop.replace(
        r#""{address.country_code}", "address""#,
        r#""{address.country}", "address""#,
    );
    let range = shop.replace(r#""10.0.0.0/8", "2001"#, r#""10.0.0.0/16", "2001"#);
    for (label, new, feature) in [
        ("segment-edit", &template, "PaymentProcessor"),
        ("activation-edit", &range, "NewCheckout"),
    ] {
        assert_ne!(new, &shop);
        let (out, code) = diff_json(label, &shop, new, &[]);
        assert_eq!(code, 1, "{}", out.0);
        assert!(
            out.row(feature).starts_with(&format!(
                r#"{{"feature":"{feature}","status":"edited","edited":"segments","#
            )),
            "{}",
            out.0
        );
        // Only the features that read it.
        let edited = out.0.matches(r#""status":"edited""#).count();
        assert_eq!(edited, 1, "{}", out.0);
        let old = temp(&format!("{label}-old.json"), shop.as_bytes());
        let new = temp(&format!("{label}-new.json"), new.as_bytes());
        let stdout = text(&run(&["diff", &old, &new]).stdout);
        assert!(
            stdout.starts_with(&format!(
                "{feature}: reads a segment or activation written differently, but no unit moves"
            )),
            "{stdout}"
        );
    }
    // Through a chain of activations, whatever their names' order: the
    // segment at the end of it is read too.
    for (first, second) in [("Alpha", "Zed"), ("Zed", "Alpha")] {
        let chain = |template: &str| {
            format!(
                r#"{{"schema": 1, "segments": {{"UserId": {{"from": {{"user": "{{id}}"}}}}, "Ip": {{"from": {{"user": "{template}"}}}}}},
                  "activations": {{"{first}": {{"when": {{"activation": "{second}"}}}},
                                  "{second}": {{"when": {{"segment": "Ip", "in": ["10.0.0.1"]}}}}}},
                  "features": {{"F": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                    "rules": [{{"when": {{"activation": "{first}"}}, "split": {{"by": "UserId", "weights": {{"b": 50}}}}}}]}}}}}}"#
            )
        };
        let (out, code) = diff_json(
            &format!("chain-{first}"),
            &chain("{ip}"),
            &chain("{addr}"),
            &[],
        );
        assert_eq!(code, 1, "{first} then {second}: {}", out.0);
        assert!(out.row("F").contains(r#""edited":"segments""#), "{}", out.0);
    }
    // An annotation on a segment is no edit.
    let described = shop.replace(r#""ISO-3166 alpha-2 code""#, r#""ISO code""#);
    assert_ne!(described, shop);
    let (out, code) = diff_json("segment-described", &shop, &described, &[]);
    assert_eq!(code, 0, "{}", out.0);
}

#[test]
fn diff_counts_a_feature_broken_in_both_that_serves_another_default() {
    // Broken in both, Checkout serves its default to every unit: another
    // default in NEW moves them all.
    let broken = |default: &str| {
        checkout(
            r#"["old", "new"]"#,
            r#"[{"split": {"by": "UserId", "weights": {"nwe": 5}}}]"#,
            "",
        )
        .replace(r#""default": "old""#, &format!(r#""default": "{default}""#))
    };
    let (out, code) = diff_json("broken-default", &broken("old"), &broken("new"), &[]);
    assert_eq!(
        (out.row("Checkout"), code),
        (
            r#"{"feature":"Checkout","status":"broken","in":"OLD and NEW","default":{"from":"old","to":"new"}}"#,
            1
        )
    );
    let old = temp("broken-default-old.json", broken("old").as_bytes());
    let new = temp("broken-default-new.json", broken("new").as_bytes());
    let out = run(&["diff", &old, &new]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "Checkout: has problems in OLD and NEW (validate it): it serves its default, \
         'old' in OLD and 'new' in NEW, to every unit\n3 features, 1 with changes (10000 units each)\n"
    );
    // The same default in both: unchanged.
    let (same, code) = diff_json("broken-same", &broken("old"), &broken("old"), &[]);
    assert_eq!(
        (same.row("Checkout"), code),
        (
            r#"{"feature":"Checkout","status":"broken","in":"OLD and NEW"}"#,
            0
        )
    );
}

#[test]
fn diff_by_applies_only_to_features_without_splits_and_names_an_added_broken_feature() {
    let shop = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop.json"))
        .unwrap();
    let path = temp("by-same.json", shop.as_bytes());
    let out = run(&["diff", &path, &path, "--by", "Device"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).ends_with(" 0 with changes (10000 units each)\n"),
        "{}",
        text(&out.stdout)
    );
    // A feature added with problems says so.
    let broken = shop.replacen(
        r#""features": {"#,
        r#""features": {"B": {"inputs": [], "implementations": ["x"], "default": "q"},"#,
        1,
    );
    assert_ne!(broken, shop);
    let new = temp("added-broken.json", broken.as_bytes());
    let stdout = text(&run(&["diff", &path, &new]).stdout);
    assert!(
        stdout.starts_with("B: added, with problems in NEW (validate it): it serves its default\n"),
        "{stdout}"
    );
    let (out, _) = diff_json("added-broken", &shop, &broken, &[]);
    assert_eq!(
        out.row("B"),
        r#"{"feature":"B","status":"added","in":"NEW"}"#
    );
}
