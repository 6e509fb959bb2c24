//! Where a JSON number, or a run of a string's plain bytes, ends: the
//! byte scanners that the parser and the skimmer share.

/// Where a valid JSON number starting at `start` ends, or `None` if the
/// bytes there do not start with one (`-`, `01`, `1.`, `1e+`, …).
pub(super) fn number_end(bytes: &[u8], start: usize) -> Option<usize> {
    let digits = |from: usize| {
        from + bytes.get(from..).map_or(0, |rest| {
            rest.iter().take_while(|b| b.is_ascii_digit()).count()
        })
    };
    let mut pos = start;
    if let Some(b'-') = bytes.get(pos) {
        pos += 1;
    }
    match bytes.get(pos) {
        Some(b'0') if !bytes.get(pos + 1).is_some_and(u8::is_ascii_digit) => pos += 1,
        Some(b'1'..=b'9') => pos = digits(pos),
        _ => return None, // no digit, or a leading zero
    }
    if let Some(b'.') = bytes.get(pos) {
        let end = digits(pos + 1);
        if end == pos + 1 {
            return None;
        }
        pos = end;
    }
    if let Some(b'e' | b'E') = bytes.get(pos) {
        pos += 1;
        if let Some(b'+' | b'-') = bytes.get(pos) {
            pos += 1;
        }
        let end = digits(pos);
        if end == pos {
            return None;
        }
        pos = end;
    }
    Some(pos)
}

/// Bytes that end a run of plain string content.
#[inline(always)]
fn is_special_in_string(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// Where the run of plain string bytes starting at `pos` ends: at the first
/// `"`, `\` or control character, or at the end of the input.
///
/// Eight bytes at a time while eight remain: most of a snapshot's strings
/// are shorter than that, so one word answers, where a byte loop takes a
/// turn per byte (and in a WebAssembly engine's baseline code, a loop's
/// turns are what a cold load pays for).
#[inline(always)]
pub(super) fn plain_end(bytes: &[u8], mut pos: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    /// The high bit of each byte of `x` that is zero (exact up to the first
    /// one: a borrow can only mark bytes after it).
    #[inline(always)]
    fn zero_bytes(x: u64) -> u64 {
        x.wrapping_sub(ONES) & !x & HIGH
    }
    while let Some(word) = bytes
        .get(pos..pos + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
    {
        let w = u64::from_le_bytes(word);
        let special = zero_bytes(w ^ (ONES * u64::from(b'"')))
            | zero_bytes(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGH);
        if special != 0 {
            return pos + (special.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while bytes.get(pos).is_some_and(|&b| !is_special_in_string(b)) {
        pos += 1;
    }
    pos
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::prelude::*;

    /// Word at a time, the same answer as byte by byte: every start of
    /// generated inputs rich in the bytes that matter (`"`, `\\`, controls,
    /// their neighbours 0x1F/0x20/0x21/0x5B/0x5D, and bytes over 0x7F).
    #[test]
    fn plain_end_agrees_with_a_byte_loop() {
        const ALPHABET: &[u8] = b"\"\\\x00\x01\x1f\x20\x21\x5b\x5d\x7f\x80\xc3\xa9\xfeaZ09 ";
        let mut next = crate::testing::xorshift(0x9E37_79B9_7F4A_7C15);
        for len in 0..40 {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        let r = next();
                        // Mostly plain letters, so that long runs occur too.
                        if r % 4 == 0 {
                            ALPHABET[(r >> 8) as usize % ALPHABET.len()]
                        } else {
                            b'a' + (r >> 8) as u8 % 26
                        }
                    })
                    .collect();
                for start in 0..=len {
                    let naive = (start..len)
                        .find(|&i| is_special_in_string(bytes[i]))
                        .unwrap_or(len);
                    assert_eq!(plain_end(&bytes, start), naive, "{bytes:?} from {start}");
                }
            }
        }
    }
}
