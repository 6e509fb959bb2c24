//! The tests of the loading helpers that have none of their own in
//! `tests/`: reading invalid UTF-8 as `from_utf8_lossy` does.

use super::*;

#[test]
fn lossy_reads_invalid_sequences_as_from_utf8_lossy_does() {
    let cases: [&[u8]; 10] = [
        b"plain",
        b"",
        b"\xff",
        b"a\xffb\xfe",
        b"\xc0\x80 overlong",
        b"\xed\xa0\x80 surrogate",
        b"\xf4\x90\x80\x80 past U+10FFFF",
        b"cut \xe2\x82",
        b"cut \xe2\x82 inside \xf0\x9f\x98",
        b"\xe2\x82\xac \xf0\x9f\x98\x80 \xe9",
    ];
    for bytes in cases {
        assert_eq!(lossy(bytes), String::from_utf8_lossy(bytes), "{bytes:?}");
    }
}
