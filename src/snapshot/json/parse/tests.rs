//! The parser's tests: documents it reads, the errors (line, column,
//! pointer, message) it gives for texts that are not JSON, its limits,
//! and deferred members that agree with a full parse.

use super::*;

fn ok(text: &str) -> Value<'_> {
    parse(text, &Limits::default()).unwrap()
}

fn err(text: &str) -> ParseError {
    parse(text, &Limits::default()).unwrap_err()
}

/// `(line, column, pointer, message)` of the error for `text`.
fn at(text: &str) -> (u32, u32, String, String) {
    let e = err(text);
    (e.line, e.column, e.pointer, e.message)
}

fn want(line: u32, column: u32, pointer: &str, message: &str) -> (u32, u32, String, String) {
    (line, column, pointer.to_owned(), message.to_owned())
}

fn strings(text: &str) -> Vec<String> {
    ok(text)
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn documents_of_every_kind_round_trip() {
    for text in [
        "null",
        "true",
        "false",
        "0",
        "-0",
        "1e400",
        "-12.50E-3",
        r#""""#,
        r#""plain""#,
        r#""é😀\"\\\n\r\t\b\f\u0001\u001f""#,
        "[]",
        "{}",
        "[[],[[]],{}]",
        r#"{"a":[1,-2.5e10,true,false,null,"x\n\"y"],"b":{},"c":{"d":[{}]}}"#,
        r#"{"k":1,"k":2}"#,
        r#"{"":""}"#,
        r#"[1,[2,{"a":[3,4],"b":5,"c":{"d":{"e":[6]}}},7],{"f":[8,{}]},9]"#,
    ] {
        assert_eq!(ok(text).to_json(), text);
    }
}

#[test]
fn containers_are_allocated_at_their_exact_size() {
    fn check(v: &Value) {
        match v {
            Value::Array(items) => {
                assert_eq!(items.capacity(), items.len());
                items.iter().for_each(check);
            }
            Value::Object(members) => {
                assert_eq!(members.capacity(), members.len());
                members.iter().for_each(|(_, v)| check(v));
            }
            _ => {}
        }
    }
    check(&ok(
        r#"{"a": [1, 2, 3, 4, 5, [6, 7, 8, 9, {"b": 1, "c": 2, "d": 3, "e": 4, "f": 5}]], "g": []}"#,
    ));
    check(&ok(&snapshot_like(20_000)));
}

#[test]
fn whitespace_is_ignored_between_tokens() {
    let v = ok(" \t\r\n{ \"a\" : [ 1 , 2 , { } , [ ] ] , \"b\"\n:\r\nnull } \n");
    assert_eq!(v.to_json(), r#"{"a":[1,2,{},[]],"b":null}"#);
}

#[test]
fn a_leading_byte_order_mark_is_skipped() {
    assert_eq!(ok("\u{feff}[1]").to_json(), "[1]");
    assert_eq!(ok("\u{feff} \"x\"").to_json(), r#""x""#);
    // Not counted as a column either.
    assert_eq!(
        at("\u{feff}[1,]"),
        want(
            1,
            4,
            "",
            "expected a value, found ']' (JSON has no comma before a closing bracket)"
        )
    );
    // Only at the very start.
    assert_eq!(
        at(" \u{feff}[1]"),
        want(1, 2, "", "expected a value, found U+FEFF, which shows as a blank or as nothing (JSON's blanks are only space, tab, line feed and carriage return)")
    );
    assert_eq!(at("\u{feff}"), want(1, 1, "", "unexpected end of input"));
}

#[test]
fn escapes_decode() {
    assert_eq!(
        strings(r#"["\"\\\/\b\f\n\r\t", "\u0041\u00e9\u20AC\uFFFF", "a\u0000b"]"#),
        ["\"\\/\u{8}\u{c}\n\r\t", "Aé€\u{ffff}", "a\0b"]
    );
}

#[test]
fn surrogate_pairs_combine() {
    assert_eq!(
        strings(r#"["\ud83d\ude00", "x\uD83D\uDE00y", "\udbff\udfff"]"#),
        ["😀", "x😀y", "\u{10ffff}"]
    );
}

#[test]
fn lone_surrogates_become_replacement_characters() {
    assert_eq!(
        strings(
            r#"["\ud800", "\udc00x", "\ud800\u0041", "\ud800\ud800\udc00", "\ude00\ud83d", "\ud800\n", "\ud800\\u"]"#
        ),
        [
            "\u{fffd}",
            "\u{fffd}x",
            "\u{fffd}A",
            "\u{fffd}\u{10000}",
            "\u{fffd}\u{fffd}",
            "\u{fffd}\n",
            "\u{fffd}\\u"
        ]
    );
}

#[test]
fn raw_unicode_passes_through() {
    assert_eq!(
        strings("[\"日本語 ✓ \u{7f} \u{10ffff}\"]"),
        ["日本語 ✓ \u{7f} \u{10ffff}"]
    );
}

#[test]
fn structural_errors() {
    assert_eq!(
        at("{\"features\": {\"A\": {\"rules\": [1, 2,]}}}"),
        want(
            1,
            36,
            "/features/A/rules",
            "expected a value, found ']' (JSON has no comma before a closing bracket)"
        )
    );
    assert_eq!(
        at("{\n  \"a\": 1\n  \"b\": 2}"),
        want(3, 3, "", "expected ',' or '}' after an object member")
    );
    assert_eq!(
        at("{\"schema\": 1,\n  \"features\": {,}}"),
        want(
            2,
            16,
            "/features",
            "expected a string key or '}' in an object"
        )
    );
    assert_eq!(
        at(r#"{"a": {"b": 1,}}"#),
        want(1, 15, "/a", "expected a string key after ',' in an object (JSON has no comma before a closing bracket)")
    );
    assert_eq!(
        at(r#"{"a": [{"b" 1}]}"#),
        want(1, 13, "/a/0", "expected ':' after an object key")
    );
    assert_eq!(
        at(r#"[[1], [2 3]]"#),
        want(1, 10, "/1", "expected ',' or ']' after an array element")
    );
    assert_eq!(
        at("{a: 1}"),
        want(
            1,
            2,
            "",
            "expected a string key or '}' in an object (JSON keys are in double quotes)"
        )
    );
    assert_eq!(
        at("[1] x"),
        want(1, 5, "", "trailing characters after the JSON value")
    );
    assert_eq!(
        at("{} {}"),
        want(1, 4, "", "trailing characters after the JSON value")
    );
    assert_eq!(
        at("truex"),
        want(1, 5, "", "trailing characters after the JSON value")
    );
}

#[test]
fn unexpected_end_of_input() {
    for (text, column, pointer) in [
        ("", 1, ""),
        ("  ", 3, ""),
        ("[", 2, ""),
        ("[1", 3, ""),
        ("[1,", 4, ""),
        ("{", 2, ""),
        (r#"{"a""#, 5, ""),
        (r#"{"a":"#, 6, "/a"),
        (r#"{"a":1"#, 7, ""),
        (r#"{"a":1,"#, 8, ""),
        (r#"{"a":[{"b":[1,"#, 15, "/a/0/b"),
    ] {
        assert_eq!(
            at(text),
            want(1, column, pointer, "unexpected end of input"),
            "{text}"
        );
    }
    for text in [r#"""#, r#""abc"#, r#"["a\"#, r#"["a\""#] {
        let e = err(text);
        assert_eq!(e.message, "unexpected end of input in a string", "{text}");
        assert_eq!(e.column as usize, text.len() + 1, "{text}");
    }
}

#[test]
fn values_that_are_not_json() {
    for (text, found) in [
        ("[+1]", "'+'"),
        ("[NaN]", "'NaN'"),
        ("[Infinity]", "'Infinity'"),
        ("[tru]", "'tru'"),
        ("[nul]", "'nul'"),
        ("[True]", "'True'"),
        ("[.5]", "'.'"),
        ("['a']", "''' (JSON strings and keys are in double quotes)"),
        ("[undefined, 1]", "'undefined'"),
        ("[\u{1}]", "a control character"),
        ("[\u{a0}1]", "U+00A0, which shows as a blank or as nothing (JSON's blanks are only space, tab, line feed and carriage return)"),
        ("[/* c */ 1]", "'/' (JSON has no comments)"),
    ] {
        let mut message = String::from("expected a value, found ");
        message.push_str(found);
        assert_eq!(at(text), want(1, 2, "/0", &message), "{text}");
    }
    // Only space, tab, LF and CR are whitespace.
    assert_eq!(
        at("[\u{c}1]"),
        want(1, 2, "/0", "expected a value, found a control character")
    );
}

/// The comma hint is for a closing bracket right after a comma only: one
/// where a value or a member was due, or one too many, is said plainly.
#[test]
fn a_closing_bracket_not_after_a_comma_has_no_comma_hint() {
    assert_eq!(
        at(r#"{"a": }"#),
        want(1, 7, "/a", "expected a value, found '}'")
    );
    assert_eq!(
        at("[1 }"),
        want(1, 4, "", "expected ',' or ']' after an array element")
    );
    assert_eq!(
        at("[1]]"),
        want(1, 4, "", "trailing characters after the JSON value")
    );
    // After a comma and blanks, it is.
    assert_eq!(
        at("[1, \n ]"),
        want(
            2,
            2,
            "",
            "expected a value, found ']' (JSON has no comma before a closing bracket)"
        )
    );
}

/// A word where a value was due is named whole up to 20 characters; a
/// longer one by its first character.
#[test]
fn a_word_is_named_whole_up_to_twenty_characters() {
    assert_eq!(
        at("[abcdefghijklmnopqrst]"),
        want(1, 2, "/0", "expected a value, found 'abcdefghijklmnopqrst'")
    );
    assert_eq!(
        at("[abcdefghijklmnopqrstu]"),
        want(1, 2, "/0", "expected a value, found 'a'")
    );
}

#[test]
fn invalid_numbers() {
    for text in [
        "[-]", "[01]", "[-01]", "[00]", "[1.]", "[1.e5]", "[1e]", "[1e+]", "[-a]", "[-.5]", "[- 1]",
    ] {
        assert_eq!(at(text), want(1, 2, "/0", "invalid number"), "{text}");
    }
    assert_eq!(
        at("[0x10]"),
        want(1, 3, "", "expected ',' or ']' after an array element")
    );
    assert_eq!(
        at("{\"n\":\n  {\"m\": 1.5.2}}"),
        want(2, 12, "/n", "expected ',' or '}' after an object member")
    );
}

#[test]
fn string_errors() {
    assert_eq!(
        at(r#"["\q"]"#),
        want(1, 3, "/0", "invalid escape '\\q' in a string")
    );
    assert_eq!(
        at(r#"["ab\é"]"#),
        want(1, 5, "/0", "invalid escape '\\é' in a string")
    );
    assert_eq!(
        at("[\"\\\u{1}\"]"),
        want(1, 3, "/0", "invalid escape in a string")
    );
    assert_eq!(
        at("[\"\\x41\"]"),
        want(1, 3, "/0", "invalid escape '\\x' in a string")
    );
    for text in [r#"["\u12"]"#, r#"["\u12G4"]"#, r#"["\u"]"#, r#"["\u-123"]"#] {
        let e = err(text);
        assert_eq!((e.line, e.column), (1, 3), "{text}");
        assert!(e.message.starts_with("invalid escape '\\u"), "{text}");
    }
    assert_eq!(
        at(r#"["\U0041"]"#),
        want(1, 3, "/0", "invalid escape '\\U' in a string")
    );
    assert_eq!(
        at("{\"k\": [\"tab\there\"]}"),
        want(1, 12, "/k/0", "control character in a string")
    );
    assert_eq!(
        at("{\"a\":\n\"line\nbreak\"}"),
        want(
            2,
            6,
            "/a",
            "line break in a string (is its closing '\"' missing?)"
        )
    );
    // Lines end at LF, CRLF and a lone CR alike.
    for (text, line, column) in [
        ("{\"a\":1,\r\"b\":1,\rx}", 3, 1),
        ("{\"a\":1,\r\n\"b\":1,\r\n x}", 3, 2),
        ("{\"a\":1,\n\r\n\r x}", 4, 2),
    ] {
        let e = err(text);
        assert_eq!((e.line, e.column), (line, column), "{text:?}");
    }
    assert_eq!(
        at("[\"\u{0}\"]"),
        want(1, 3, "/0", "control character in a string")
    );
    assert_eq!(
        at("[\"\u{1f}\"]"),
        want(1, 3, "/0", "control character in a string")
    );
    assert_eq!(
        at("{\"a\u{7}\": 1}"),
        want(1, 4, "", "control character in a string")
    );
}

#[test]
fn an_invisible_character_is_named_by_its_code_point() {
    const NOTE: &str = ", which shows as a blank or as nothing (JSON's blanks are only space, tab, line feed and carriage return)";
    // A no-break space pasted between tokens: quoted, it read as
    // `found ' '`, as if a space were refused.
    assert_eq!(
        at("{\"a\":\u{a0}1}"),
        want(
            1,
            6,
            "/a",
            &concat(&["expected a value, found U+00A0", NOTE])
        )
    );
    assert_eq!(
        at("{\"a\": 1\u{a0}}"),
        want(
            1,
            8,
            "",
            &concat(&[
                "expected ',' or '}' after an object member, found U+00A0",
                NOTE
            ])
        )
    );
    assert_eq!(
        at("[\u{200b}1]"),
        want(
            1,
            2,
            "/0",
            &concat(&["expected a value, found U+200B", NOTE])
        )
    );
    assert_eq!(
        at("{\u{200b}\"a\": 1}"),
        want(
            1,
            2,
            "",
            &concat(&[
                "expected a string key or '}' in an object, found U+200B",
                NOTE
            ])
        )
    );
    // A second byte order mark (only one is skipped), and one at the end.
    assert_eq!(
        at("\u{feff}\u{feff}[1]"),
        want(1, 1, "", &concat(&["expected a value, found U+FEFF", NOTE]))
    );
    assert_eq!(
        at("[1]\u{3000}"),
        want(
            1,
            4,
            "",
            &concat(&[
                "trailing characters after the JSON value, from U+3000",
                NOTE
            ])
        )
    );
    // Visible characters are quoted as before.
    assert_eq!(
        at("[1,\u{201c}a\u{201d}]"),
        want(1, 4, "/1", "expected a value, found '\u{201c}'")
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    assert_eq!(
        at("{\"é\": [\"ü😀\" x]}"),
        want(1, 13, "/é", "expected ',' or ']' after an array element")
    );
    assert_eq!(
        at("[\"日本\",\n \"語\", ✓]"),
        want(2, 7, "/2", "expected a value, found '✓'")
    );
    assert_eq!(
        at("\r\n\r\n  [1,]"),
        want(
            3,
            6,
            "",
            "expected a value, found ']' (JSON has no comma before a closing bracket)"
        )
    );
}

/// An element that never began is no place: the list is named.
#[test]
fn an_element_that_never_began_is_the_lists() {
    for text in [r#"{"a": [1,]}"#, r#"{"a": [1,}"#, r#"{"a": [1,"#] {
        assert_eq!(err(text).pointer, "/a", "{text}");
    }
    assert_eq!(err(r#"{"a": [1, x]}"#).pointer, "/a/1");
}

#[test]
fn pointers_are_escaped() {
    assert_eq!(
        at(r#"{"a/b": {"c~d": {"": [0, 1, [true false]]}}}"#).2,
        "/a~1b/c~0d//2"
    );
}

#[test]
fn depth_limit() {
    let nest = |n: usize| {
        let mut s = "[".repeat(n);
        s.push_str(&"]".repeat(n));
        s
    };
    assert!(parse(&nest(128), &Limits::default()).is_ok());
    let e = err(&nest(129));
    assert_eq!((e.line, e.column), (1, 129));
    assert_eq!(e.message, "nesting deeper than 128 levels");
    assert_eq!(e.pointer, "/0".repeat(128));
    let e = err(&nest(10_000));
    assert_eq!(e.message, "nesting deeper than 128 levels");
    assert_eq!(e.column, 129);
    let e = err(&"{\"a\":".repeat(100_000));
    assert_eq!(e.message, "nesting deeper than 128 levels");
    assert_eq!(e.pointer, "/a".repeat(128));
    let objects = |n: usize| {
        let mut s = "{\"a\":".repeat(n);
        s.push('1');
        s.push_str(&"}".repeat(n));
        s
    };
    assert!(parse(&objects(128), &Limits::default()).is_ok());
    assert!(parse(&objects(129), &Limits::default()).is_err());
    let shallow = Limits {
        max_depth: 1,
        ..Limits::default()
    };
    assert!(parse("[1, {}]", &shallow).is_err());
    assert!(parse("[1, 2]", &shallow).is_ok());
    let flat = Limits {
        max_depth: 0,
        ..Limits::default()
    };
    assert!(parse("\"x\"", &flat).is_ok());
    assert_eq!(
        parse("[]", &flat).unwrap_err().message,
        "nesting deeper than 0 levels"
    );
}

#[test]
fn list_length_limit() {
    let list = |n: usize| {
        let mut s = String::from("[");
        s.push_str(&"0,".repeat(n));
        s.pop();
        s.push(']');
        s
    };
    assert_eq!(ok(&list(10_000)).as_array().unwrap().len(), 10_000);
    let mut text = String::from("{\"x\": ");
    text.push_str(&list(10_001));
    text.push('}');
    let e = err(&text);
    assert_eq!(e.message, "more than 10000 values in one list");
    assert_eq!(e.pointer, "/x");
    assert_eq!(e.column, 8 + 2 * 10_000);
    // Objects are not limited.
    let mut obj = String::from("{");
    for i in 0..20_000u64 {
        obj.push_str("\"k");
        push_u64(&mut obj, i);
        obj.push_str("\":0,");
    }
    obj.pop();
    obj.push('}');
    assert_eq!(ok(&obj).as_object().unwrap().len(), 20_000);
    let small = Limits {
        max_array_len: 2,
        ..Limits::default()
    };
    assert!(parse("[1,2]", &small).is_ok());
    assert_eq!(
        parse("[1,2,3]", &small).unwrap_err().message,
        "more than 2 values in one list"
    );
}

#[test]
fn errors_describe_themselves() {
    let e = err("{\n  \"a\": 1,\n  \"b\" 2}");
    assert_eq!(
        e.describe(),
        "line 3, column 7: expected ':' after an object key"
    );
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap deterministic fuzz: prefixes and mutations of a document.
    let base = "\u{feff}{\"a\": [1, -2.5e+3, \"x\\u00e9\\ud83d\\ude00\\n\", true, null, {\"é\": [[]]}], \"b\": false}";
    let alphabet = [
        "", "\"", "\\", "[", "]", "{", "}", ",", ":", "0", "-", "e", ".", "u", "\\u", "\\ud800",
        "\n", "\u{1}", "é", "t", " ",
    ];
    let mut next = crate::testing::xorshift(0x2545_f491_4f6c_dd1d);
    let boundaries: Vec<usize> = base.char_indices().map(|(i, _)| i).collect();
    for &i in &boundaries {
        let _ = parse(&base[..i], &Limits::default());
        let _ = parse(&base[i..], &Limits::default());
    }
    for _ in 0..20_000 {
        let mut s = base.to_owned();
        for _ in 0..3 {
            let at = boundaries[(next() % boundaries.len() as u64) as usize].min(s.len());
            let at = (0..=at).rev().find(|&i| s.is_char_boundary(i)).unwrap();
            let ins = alphabet[(next() % alphabet.len() as u64) as usize];
            s.insert_str(at, ins);
        }
        if let Ok(v) = parse(&s, &Limits::default()) {
            assert_eq!(ok(&v.to_json()), v);
        }
    }
}

/// `parse_deferring` agrees with `parse`: the same error for the same
/// text, and, on success, the same tree once each deferred member is
/// parsed from its span and put back.
fn agrees(text: &str, limits: &Limits) {
    let full = parse(text, limits);
    let sections = ["features", "activations"];
    let deferred = parse_deferring(text, limits, &sections);
    match (full, deferred) {
        (Err(a), Err(b)) => assert_eq!(a, b, "{text:?}"),
        (Ok(full), Ok((mut tree, spans))) => {
            if let Value::Object(members) = &mut tree {
                let mut spans = spans.into_iter();
                for (k, v) in members.iter_mut() {
                    let Some(section) = sections.iter().position(|s| s == k) else {
                        continue;
                    };
                    if let Value::Object(features) = v {
                        for (fk, fv) in features.iter_mut() {
                            let d = spans.next().unwrap();
                            assert_eq!(&d.key, fk);
                            assert_eq!(d.section, section);
                            *fv = parse(&text[d.span.clone()], &Limits::default()).unwrap();
                        }
                    }
                }
                assert!(spans.next().is_none(), "{text:?}");
            } else {
                assert!(spans.is_empty());
            }
            assert_eq!(tree, full, "{text:?}");
        }
        (a, b) => panic!("{text:?}: {a:?} vs {b:?}"),
    }
}

#[test]
fn deferred_members_agree_with_a_full_parse() {
    let small = Limits {
        max_depth: 4,
        max_array_len: 3,
    };
    let cases = [
        r#"{"features": {"a": {"x": [1, {"y": "z\u00e9"}]}, "b": [], "c": 3, "d": {}}, "schema": 1}"#,
        r#"{"features": {"a": {"x": [1, 2, 3, 4]}}}"#,
        r#"{"features": {"a": [[[[1]]]]}}"#,
        r#"{"features": {"a": {"x": [1, }}}"#,
        r#"{"features": {"a": {"x" 1}}}"#,
        r#"{"features": {"a": {"x": "\q"}}}"#,
        r#"{"features": [{"a": 1}], "x": {"features": {"b": {}}}}"#,
        r#"{"features": {"a": 1}, "features": {"b": {"c": []}}}"#,
        r#"{"features": {"a": {}} "#,
        r#"{"features": {"a": {"b": {"c": {"d": 1}}}}}"#,
        r#"{"features": {}}"#,
        r#"{"activations": {"a": {"when": [1]}}, "features": {"b": 1}, "x": {"activations": {}}}"#,
        r#"{"features": {"b": 1}, "activations": {"a": {"when": [1, 2, 3, 4]}}}"#,
        r#"{"activations": [{"a": 1}], "features": {"b": {"c": [[[1]]]}}}"#,
        "[1, 2]",
        "\u{feff}{\"features\": {\"a\": {\"b\": 1}}}",
    ];
    for text in cases {
        agrees(text, &Limits::default());
        agrees(text, &small);
    }
    agrees(&snapshot_like(20_000), &Limits::default());
    // Every prefix of a document fails the same way.
    let doc = r#"{"schema": 1, "features": {"a": {"rules": [{"when": {"all": []}, "serve": "x"}], "n": -1.5e3}, "b": {"s": "\"q\""}}}"#;
    for i in 0..doc.len() {
        agrees(&doc[..i], &small);
        agrees(&doc[..i], &Limits::default());
    }
}

/// A snapshot-like document of about `target` bytes: features with
/// rules, conditions, weights and escaped strings, indented with spaces.
fn snapshot_like(target: usize) -> String {
    let mut s = String::with_capacity(target + 4096);
    s.push_str("{\n  \"schema\": 1,\n  \"features\": {\n");
    let mut i = 0u64;
    while s.len() < target {
        if i > 0 {
            s.push_str(",\n");
        }
        s.push_str("    \"Feature");
        push_u64(&mut s, i);
        s.push_str("\": {\n      \"inputs\": [\"user\", \"device\"],\n");
        s.push_str("      \"implementations\": [\"control\", \"treatment\", \"holdout\"],\n");
        s.push_str("      \"default\": \"control\",\n      \"description\": \"Rolls out \\\"checkout v2\\\" \\u2014 see ticket\\n\",\n");
        s.push_str("      \"rules\": [\n        {\"when\": {\"segment\": \"Country\", \"in\": [\"CA\", \"US\", \"MX\"]}, \"serve\": \"treatment\"},\n");
        s.push_str("        {\"when\": {\"segment\": \"Version\", \"gte\": \"2.10.0\"}, \"split\": {\"by\": \"UserId\", \"weights\": {\"control\": 49.5, \"treatment\": 50.5}}},\n");
        s.push_str("        {\"when\": {\"segment\": \"Spend\", \"gt\": 1250.75, \"lt\": -3e5}, \"serve\": \"holdout\", \"enabled\": true, \"note\": null}\n      ]\n    }");
        i += 1;
    }
    s.push_str("\n  }\n}\n");
    s
}

/// `cargo test --release -- --ignored --nocapture throughput`
#[test]
#[ignore = "a measurement: run in release mode"]
fn throughput() {
    let text = snapshot_like(10 * 1024 * 1024);
    let compact = ok(&text).to_json();
    for (name, doc) in [("indented", &text), ("compact", &compact)] {
        let runs = 20;
        let (mut secs, mut drop_secs) = (0.0, 0.0);
        for _ in 0..runs {
            let start = std::time::Instant::now();
            let v = parse(std::hint::black_box(doc), &Limits::default());
            let parsed = start.elapsed().as_secs_f64();
            drop(std::hint::black_box(v));
            secs += parsed;
            drop_secs += start.elapsed().as_secs_f64();
        }
        let mb = (doc.len() * runs) as f64 / 1e6;
        let (mb_per_s, with_drop_mb_per_s) = (mb / secs, mb / drop_secs);
        println!(
            "{name}: {} bytes, parse {mb_per_s:.0} MB/s, parse and drop {with_drop_mb_per_s:.0} MB/s",
            doc.len()
        );
    }
}
