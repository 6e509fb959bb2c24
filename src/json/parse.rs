//! The parser: strict RFC 8259, byte-oriented, with limits and precise errors.

use super::{Number, Value};
use crate::text::push_u64;

/// Hard limits that keep hostile documents cheap to refuse.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Deepest nesting of arrays and objects (the top level is 1).
    pub max_depth: usize,
    /// Most elements in one array.
    pub max_array_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 128,
            max_array_len: 10_000,
        }
    }
}

/// Why a text is not acceptable JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// JSON Pointer of the container being read (`""` for the top level).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl ParseError {
    /// `line L, column C: message`.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut s = String::from("line ");
        push_u64(&mut s, u64::from(self.line));
        s.push_str(", column ");
        push_u64(&mut s, u64::from(self.column));
        s.push_str(": ");
        s.push_str(&self.message);
        s
    }
}

/// Parses a whole document.
///
/// # Errors
/// A [`ParseError`] for anything that is not one JSON value within the limits.
pub fn parse(text: &str, limits: &Limits) -> Result<Value, ParseError> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: start,
        limits,
        path: Vec::new(),
    };
    let result = p.document();
    result.map_err(|message| p.error(message))
}

/// One step of the path to the current position, for pointers in errors.
enum Step {
    Index(usize),
    Key(String),
}

struct Parser<'t, 'l> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    limits: &'l Limits,
    path: Vec<Step>,
}

type Res<T> = Result<T, String>;

fn msg(parts: &[&str]) -> String {
    crate::text::concat(parts)
}

impl Parser<'_, '_> {
    fn error(&self, message: String) -> ParseError {
        let upto = self
            .text
            .get(..self.pos.min(self.text.len()))
            .unwrap_or(self.text);
        let line = upto.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = upto.rfind('\n').map_or(0, |i| i + 1);
        let column = upto.get(line_start..).map_or(0, |l| l.chars().count()) + 1;
        let mut pointer = String::new();
        // The pointer names the container being read: drop the last step.
        let steps = self.path.len().saturating_sub(1);
        for step in self.path.iter().take(steps) {
            match step {
                Step::Index(i) => {
                    pointer.push('/');
                    push_u64(&mut pointer, *i as u64);
                }
                Step::Key(k) => super::pointer_push(&mut pointer, k),
            }
        }
        ParseError {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            pointer,
            message,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn document(&mut self) -> Res<Value> {
        self.skip_ws();
        let v = self.value(0)?;
        self.skip_ws();
        if self.pos < self.bytes.len() {
            return Err("trailing characters after the JSON value".to_owned());
        }
        Ok(v)
    }

    fn value(&mut self, depth: usize) -> Res<Value> {
        match self.peek() {
            None => Err("unexpected end of input".to_owned()),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => {
                let c = self
                    .text
                    .get(self.pos..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or('?');
                let mut found = String::new();
                found.push(c);
                Err(msg(&["unexpected character '", &found, "'"]))
            }
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Res<Value> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err("invalid literal (expected true, false or null)".to_owned())
        }
    }

    fn enter(&mut self, depth: usize) -> Res<()> {
        if depth > self.limits.max_depth {
            let mut m = String::from("nesting deeper than ");
            push_u64(&mut m, self.limits.max_depth as u64);
            m.push_str(" levels");
            return Err(m);
        }
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Res<Value> {
        self.enter(depth)?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        self.path.push(Step::Index(0));
        loop {
            if items.len() >= self.limits.max_array_len {
                let mut m = String::from("more than ");
                push_u64(&mut m, self.limits.max_array_len as u64);
                m.push_str(" values in one list");
                return Err(m);
            }
            if let Some(Step::Index(i)) = self.path.last_mut() {
                *i = items.len();
            }
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.path.pop();
                    return Ok(Value::Array(items));
                }
                None => return Err("unexpected end of input".to_owned()),
                Some(_) => return Err("expected ',' or ']' after an array element".to_owned()),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Res<Value> {
        self.enter(depth)?;
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(members));
        }
        self.path.push(Step::Key(String::new()));
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'"') => {}
                None => return Err("unexpected end of input".to_owned()),
                Some(_) => return Err("expected a string key in an object".to_owned()),
            }
            let key = self.string()?;
            if let Some(Step::Key(k)) = self.path.last_mut() {
                k.clone_from(&key);
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err("expected ':' after an object key".to_owned());
            }
            self.pos += 1;
            self.skip_ws();
            let v = self.value(depth)?;
            members.push((key, v));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.path.pop();
                    return Ok(Value::Object(members));
                }
                None => return Err("unexpected end of input".to_owned()),
                Some(_) => return Err("expected ',' or '}' after an object member".to_owned()),
            }
        }
    }

    fn string(&mut self) -> Res<String> {
        self.pos += 1; // the opening quote
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => return Err("control character in a string (escape it)".to_owned()),
                None => return Err("unexpected end of input in a string".to_owned()),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Res<()> {
        self.pos += 1;
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let hi = self.hex4()?;
                let c = if (0xD800..0xDC00).contains(&hi) {
                    // A high surrogate: combine with a following low one, else U+FFFD.
                    if self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u") {
                        let save = self.pos;
                        self.pos += 2;
                        let lo = self.hex4()?;
                        if (0xDC00..0xE000).contains(&lo) {
                            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                .unwrap_or('\u{fffd}')
                        } else {
                            self.pos = save;
                            '\u{fffd}'
                        }
                    } else {
                        '\u{fffd}'
                    }
                } else {
                    char::from_u32(hi).unwrap_or('\u{fffd}')
                };
                out.push(c);
                return Ok(());
            }
            None => return Err("unexpected end of input in a string".to_owned()),
            Some(_) => {
                let c = self
                    .text
                    .get(self.pos..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or('?');
                let mut e = String::from("invalid escape '\\");
                e.push(c);
                e.push_str("' in a string");
                return Err(e);
            }
        };
        out.push(c);
        self.pos += 1;
        Ok(())
    }

    fn hex4(&mut self) -> Res<u32> {
        let mut n = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(b @ b'0'..=b'9') => b - b'0',
                Some(b @ b'a'..=b'f') => b - b'a' + 10,
                Some(b @ b'A'..=b'F') => b - b'A' + 10,
                _ => return Err("invalid \\u escape (four hex digits expected)".to_owned()),
            };
            n = n * 16 + u32::from(d);
            self.pos += 1;
        }
        Ok(n)
    }

    fn number(&mut self) -> Res<Value> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while let Some(b'0'..=b'9') = p.peek() {
                p.pos += 1;
            }
            p.pos - s
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err("invalid number (no leading zeros)".to_owned());
                }
            }
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err("invalid number".to_owned()),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err("invalid number (digits expected after '.')".to_owned());
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err("invalid number (digits expected in the exponent)".to_owned());
            }
        }
        let lexeme = self.text.get(start..self.pos).unwrap_or("0");
        Ok(Value::Number(Number(lexeme.into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ParseError {
        parse(text, &Limits::default()).unwrap_err()
    }

    #[test]
    fn documents_round_trip() {
        for text in [
            r#"{"a":[1,-2.5e10,true,false,null,"x\n\"y"],"b":{}}"#,
            "[]",
            "0",
            r#""é😀""#,
            r#"{"k":1,"k":2}"#,
        ] {
            assert_eq!(parse(text, &Limits::default()).unwrap().to_json(), text);
        }
    }

    #[test]
    fn whitespace_and_bom() {
        let v = parse(
            "\u{feff} \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(v.to_json(), r#"{"a":[1,2]}"#);
    }

    #[test]
    fn numbers_keep_their_lexeme() {
        let v = parse("[1e400, -0, 0.5, 1E+2]", &Limits::default()).unwrap();
        let lexemes: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_number().unwrap().as_str())
            .collect();
        assert_eq!(lexemes, ["1e400", "-0", "0.5", "1E+2"]);
        assert!(v.as_array().unwrap()[0]
            .as_number()
            .unwrap()
            .to_f64()
            .is_infinite());
    }

    #[test]
    fn duplicate_keys_are_kept_and_the_last_wins() {
        let v = parse(r#"{"k": 1, "k": 2}"#, &Limits::default()).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 2);
        assert_eq!(v.get("k").unwrap().to_json(), "2");
    }

    #[test]
    fn escapes_and_surrogates() {
        let v = parse(
            r#"["\u00e9\ud83d\ude00", "\ud800", "\udc00x", "\ud800\u0041", "\/\b\f"]"#,
            &Limits::default(),
        )
        .unwrap();
        let s: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert_eq!(
            s,
            ["é😀", "\u{fffd}", "\u{fffd}x", "\u{fffd}A", "/\u{8}\u{c}"]
        );
    }

    #[test]
    fn errors_have_line_column_and_pointer() {
        let e = err("{\"features\": {\"A\": {\"rules\": [1, 2,]}}}");
        assert_eq!(
            (e.line, e.column, e.pointer.as_str()),
            (1, 36, "/features/A/rules")
        );
        assert_eq!(e.message, "unexpected character ']'");
        let e = err("{\n  \"a\": 1\n  \"b\": 2}");
        assert_eq!((e.line, e.column), (3, 3));
        assert_eq!(e.message, "expected ',' or '}' after an object member");
        assert_eq!(
            e.describe(),
            "line 3, column 3: expected ',' or '}' after an object member"
        );
        assert_eq!(err("").message, "unexpected end of input");
        assert_eq!(err("{\"a\" 1}").message, "expected ':' after an object key");
        assert_eq!(err("[\"\\q\"]").message, "invalid escape '\\q' in a string");
        assert_eq!(
            err("[\"a\u{1}\"]").message,
            "control character in a string (escape it)"
        );
        assert_eq!(
            err("[1] x").message,
            "trailing characters after the JSON value"
        );
        assert_eq!(err("[01]").message, "invalid number (no leading zeros)");
        assert_eq!(
            err("[1.]").message,
            "invalid number (digits expected after '.')"
        );
        assert_eq!(err("[+1]").message, "unexpected character '+'");
        assert_eq!(err("[NaN]").message, "unexpected character 'N'");
        assert_eq!(
            err("[tru]").message,
            "invalid literal (expected true, false or null)"
        );
        assert_eq!(err("{,}").message, "expected a string key in an object");
        assert_eq!(err("[1,]").pointer, "");
        assert_eq!(err("{\"é\": [\"ü\" x]}").column, 12);
    }

    #[test]
    fn limits() {
        let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&nest(128), &Limits::default()).is_ok());
        assert_eq!(err(&nest(129)).message, "nesting deeper than 128 levels");
        assert_eq!(err(&nest(10_000)).message, "nesting deeper than 128 levels");
        let list = |n: usize| format!("[{}]", vec!["0"; n].join(","));
        assert!(parse(&list(10_000), &Limits::default()).is_ok());
        let e = err(&format!("{{\"x\": {}}}", list(10_001)));
        assert_eq!(e.message, "more than 10000 values in one list");
        assert_eq!(e.pointer, "/x");
    }
}
