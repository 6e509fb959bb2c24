//! Segment templates from the input, checked against a reference renderer
//! written here from SPEC section 1 (`{path}` placeholders, `{{`/`}}`
//! literal braces; a string as is, an integer in decimal, a boolean as
//! `true`/`false`; a missing key, null, object or array makes the value
//! absent), and the input-choice rule (the first of the feature's inputs
//! that the segment converts and the context holds as an object).
//!
//! Input: one flag byte, then UTF-8 split at NUL bytes into the `user`
//! template, the `account` template (empty: none) and values for the
//! placeholders. A value `#123` is the number 123, `!t`/`!f` a boolean,
//! `~` null, `@` an object, `[` an array; anything else is a string.
//! Flags: bit 0, the context holds `user` as an object; bit 1, `account`;
//! bit 2, the feature lists `account` before `user`.
#![no_main]

use feats_edge::context::{FixedEnv, JsonContext};
use feats_edge::{json, Engine};
use libfuzzer_sys::fuzz_target;

#[derive(Debug)]
enum Piece {
    Text(String),
    Path(Vec<String>),
}

/// The reference template reader: `None` when the template is invalid.
fn reference_parse(t: &str) -> Option<Vec<Piece>> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let chars: Vec<char> = t.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            ('{', Some('{')) => {
                lit.push('{');
                i += 2;
            }
            ('}', Some('}')) => {
                lit.push('}');
                i += 2;
            }
            ('}', _) => return None,
            ('{', _) => {
                let close = chars[i + 1..].iter().position(|&c| c == '}' || c == '{')?;
                if chars[i + 1 + close] != '}' {
                    return None;
                }
                let path: String = chars[i + 1..i + 1 + close].iter().collect();
                let keys: Vec<String> = path.split('.').map(str::to_owned).collect();
                if keys.iter().any(String::is_empty) {
                    return None;
                }
                if !lit.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut lit)));
                }
                out.push(Piece::Path(keys));
                i += close + 2;
            }
            (c, _) => {
                lit.push(c);
                i += 1;
            }
        }
    }
    if !lit.is_empty() {
        out.push(Piece::Text(lit));
    }
    // At most 64 placeholders (README, Decisions: each is read and copied
    // on every evaluation).
    let placeholders = out.iter().filter(|p| matches!(p, Piece::Path(_))).count();
    (1..=feats_edge::compile::MAX_PLACEHOLDERS).contains(&placeholders).then_some(out)
}

/// A context value, built here (not with the library's JSON).
#[derive(Clone, Debug)]
enum V {
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
    Arr,
    Obj(Vec<(String, V)>),
}

impl V {
    fn from_spec(s: &str) -> V {
        match s.as_bytes().first() {
            Some(b'#') => s[1..].parse::<i32>().map_or(V::Str(s.to_owned()), |n| V::Int(n.into())),
            Some(b'!') if s == "!t" || s == "!f" => V::Bool(s == "!t"),
            Some(b'~') if s.len() == 1 => V::Null,
            Some(b'@') if s.len() == 1 => V::Obj(Vec::new()),
            Some(b'[') if s.len() == 1 => V::Arr,
            _ => V::Str(s.to_owned()),
        }
    }

    /// Sets `path` to `value`; the first value set at a place wins.
    fn insert(&mut self, path: &[String], value: V) {
        let V::Obj(members) = self else { return };
        let Some((key, rest)) = path.split_first() else { return };
        match members.iter_mut().find(|(k, _)| k == key) {
            Some((_, child)) => child.insert(rest, value),
            None if rest.is_empty() => members.push((key.clone(), value)),
            None => {
                let mut child = V::Obj(Vec::new());
                child.insert(rest, value);
                members.push((key.clone(), child));
            }
        }
    }

    fn get(&self, path: &[String]) -> Option<&V> {
        let Some((key, rest)) = path.split_first() else { return Some(self) };
        let V::Obj(members) = self else { return None };
        members.iter().find(|(k, _)| k == key)?.1.get(rest)
    }

    fn render(&self) -> Option<String> {
        match self {
            V::Str(s) => Some(s.clone()),
            V::Int(n) => Some(n.to_string()),
            V::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            V::Str(s) => json::push_string(out, s),
            V::Int(n) => out.push_str(&n.to_string()),
            V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            V::Null => out.push_str("null"),
            V::Arr => out.push_str("[1]"),
            V::Obj(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json::push_string(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn reference_render(pieces: &[Piece], input: &V) -> Option<String> {
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Path(path) => out.push_str(&input.get(path)?.render()?),
        }
    }
    // A value of several parts longer than 64 KiB is absent (README, Decisions).
    (pieces.len() == 1 || out.len() <= 64 * 1024).then_some(out)
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let mut parts = text.split('\0');
    let user_t = parts.next().unwrap_or_default();
    let account_t = parts.next().unwrap_or_default();
    let values: Vec<&str> = parts.collect();
    let has_account = !account_t.is_empty();

    let mut snapshot = String::from(r#"{"schema": 1, "segments": {"S": {"from": {"user": "#);
    json::push_string(&mut snapshot, user_t);
    if has_account {
        snapshot.push_str(r#", "account": "#);
        json::push_string(&mut snapshot, account_t);
    }
    let order = if flags & 4 != 0 { r#"["account", "user"]"# } else { r#"["user", "account"]"# };
    snapshot.push_str(r#"}}}, "features": {"F": {"inputs": "#);
    snapshot.push_str(order);
    snapshot.push_str(
        r#", "implementations": ["a", "b"], "default": "a",
        "rules": [{"split": {"by": "S", "weights": {"b": 100}}}]}}}"#,
    );
    let engine = match Engine::load(&snapshot) {
        Ok(e) => e,
        Err(e) => panic!("a snapshot around any template loads: {}", e.line()),
    };
    let user_ref = reference_parse(user_t);
    let account_ref = if has_account { reference_parse(account_t).map(Some) } else { Some(None) };
    let valid = user_ref.is_some() && account_ref.is_some();
    // (An input that no segment converts is no problem: it is ignored.)
    let problems_expected = !valid;
    assert_eq!(
        !engine.problems().is_empty(),
        problems_expected,
        "templates {user_t:?} / {account_t:?}: problems {:?}",
        engine.problems()
    );

    // A context with every slot the templates read set from the values.
    let mut inputs = [("user", V::Obj(Vec::new())), ("account", V::Obj(Vec::new()))];
    for (k, slot) in engine.slots().iter().enumerate() {
        let value = match values.len() {
            0 => V::Str("x".to_owned()),
            n => V::from_spec(values[k % n]),
        };
        let name = &engine.inputs()[usize::from(slot.input)];
        if let Some((_, tree)) = inputs.iter_mut().find(|(n, _)| n == name) {
            tree.insert(&slot.path, value);
        }
    }
    let held = [flags & 1 != 0, flags & 2 != 0];
    let mut context = String::from("{");
    for (i, (name, tree)) in inputs.iter().enumerate() {
        if i > 0 {
            context.push(',');
        }
        json::push_string(&mut context, name);
        context.push(':');
        if held[i] {
            tree.write(&mut context);
        } else {
            context.push_str(r#""not an object""#);
        }
    }
    context.push('}');
    let doc = json::parse(&context, &json::Limits { max_depth: 1 << 20, max_array_len: usize::MAX })
        .expect("the context is valid JSON");
    let ctx = JsonContext::new(&engine, &doc);
    let mut env = FixedEnv { now: 0, sticky: Default::default(), random: || 0 };
    let details = engine.details("F", &ctx, &mut env);
    let details = json::parse(&details, &json::Limits::default()).expect("details are JSON");
    let reason = details.get("reason").and_then(|v| v.as_str());
    let unit = details.get("unit").and_then(|u| u.get("value")).and_then(|v| v.as_str());
    if problems_expected {
        assert_eq!(reason, Some("ERROR"));
        return;
    }
    let (Some(user_ref), Some(account_ref)) = (user_ref, account_ref) else { unreachable!() };
    let converts: [Option<&Vec<Piece>>; 2] = [Some(&user_ref), account_ref.as_ref()];
    // The first of the feature's inputs that the segment converts and the
    // context holds as an object; later inputs are not tried.
    let feature_order: [usize; 2] = if flags & 4 != 0 { [1, 0] } else { [0, 1] };
    let want = feature_order
        .iter()
        .find(|&&i| held[i] && converts[i].is_some())
        .and_then(|&i| reference_render(converts[i]?, &inputs[i].1));
    assert_eq!(unit, want.as_deref(), "templates {user_t:?} / {account_t:?}, context {context}");
    assert_eq!(reason, Some(if want.is_some() { "SPLIT" } else { "DEFAULT" }));
});
