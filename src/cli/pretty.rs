//! Indented JSON for people reading the terminal.

use feats_edge::json::{self, Value};

/// Re-indents compact JSON with two spaces; returns it unchanged if unreadable.
pub fn reformat(compact: &str) -> String {
    match json::parse(
        compact,
        &json::Limits {
            max_depth: 1024,
            max_array_len: usize::MAX,
        },
    ) {
        Ok(v) => {
            let mut out = String::new();
            write(&v, 0, &mut out);
            out
        }
        Err(_) => compact.to_owned(),
    }
}

fn write(v: &Value, indent: usize, out: &mut String) {
    let pad = |n: usize, out: &mut String| out.extend(std::iter::repeat_n(' ', n));
    match v {
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                pad(indent + 2, out);
                write(item, indent + 2, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            pad(indent, out);
            out.push(']');
        }
        Value::Object(members) if !members.is_empty() => {
            out.push_str("{\n");
            for (i, (k, item)) in members.iter().enumerate() {
                pad(indent + 2, out);
                json::push_string(out, k);
                out.push_str(": ");
                write(item, indent + 2, out);
                out.push_str(if i + 1 < members.len() { ",\n" } else { "\n" });
            }
            pad(indent, out);
            out.push('}');
        }
        other => json::push_value(out, other),
    }
}
