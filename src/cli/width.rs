//! How many terminal columns text takes, for the tables people read: Rust's
//! `{:<width$}` pads by characters, so a name in Chinese or with an emoji
//! (two columns each) pushed the numbers after it to the right, and one
//! with a combining accent (no column) pulled them to the left.
//!
//! An approximation without a Unicode data table (the tool has no
//! dependency for it): the East Asian wide and fullwidth blocks and the
//! emoji blocks take two columns, combining marks and the zero-width
//! characters none, everything else one. Emoji sequences joined with
//! U+200D count each of their emoji.

/// The columns `text` takes on a terminal.
pub fn columns(text: &str) -> usize {
    text.chars().map(char_columns).sum()
}

/// `text` followed by spaces up to `width` columns (as `{:<width$}` pads
/// characters); text as wide or wider is left as it is.
pub fn pad(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + width);
    out.push_str(text);
    out.extend(std::iter::repeat_n(
        ' ',
        width.saturating_sub(columns(text)),
    ));
    out
}

/// The columns one character takes: 0, 1 or 2.
fn char_columns(c: char) -> usize {
    if is_zero_width(c) {
        0
    } else if is_wide(c) {
        2
    } else {
        1
    }
}

/// Combining marks (written over the character before them), the
/// zero-width space and joiners, variation selectors, the byte order mark.
fn is_zero_width(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05BD}'
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}'
        | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{200B}'..='\u{200F}'
        | '\u{20D0}'..='\u{20FF}' | '\u{302A}'..='\u{302D}' | '\u{3099}' | '\u{309A}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FE20}'..='\u{FE2F}' | '\u{FEFF}'
        | '\u{E0100}'..='\u{E01EF}')
}

/// East Asian wide and fullwidth characters (Hangul, CJK ideographs and
/// punctuation, kana, fullwidth forms) and the emoji blocks.
fn is_wide(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{115F}' | '\u{2E80}'..='\u{303E}' | '\u{3041}'..='\u{33FF}'
        | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{A000}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7A3}' | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FF60}' | '\u{FFE0}'..='\u{FFE6}' | '\u{1F300}'..='\u{1F64F}'
        | '\u{1F680}'..='\u{1F6FF}' | '\u{1F900}'..='\u{1F9FF}' | '\u{20000}'..='\u{2FFFD}'
        | '\u{30000}'..='\u{3FFFD}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_of_text() {
        assert_eq!(columns("control"), 7);
        assert_eq!(columns("新版结账"), 8);
        assert_eq!(columns("ｆｕｌｌ"), 8);
        assert_eq!(columns("🚀 launch"), 9);
        // `e` and a combining acute accent: one column.
        assert_eq!(columns("cafe\u{301}"), 4);
        assert_eq!(pad("新版", 6), "新版  ");
        assert_eq!(pad("longer", 3), "longer");
    }
}
