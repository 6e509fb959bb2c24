//! The rule for names of features, segments, activations, implementations,
//! experiments and inputs: 1 to 128 characters from `A-Z a-z 0-9 _ . : -`.

/// The longest name allowed.
pub const MAX_NAME_LEN: usize = 128;

/// Whether `name` is a valid name.
#[must_use]
pub fn is_valid(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_NAME_LEN && allowed_characters(name)
}

/// Whether every character of `name` is one of `A-Z a-z 0-9 _ . : -`.
fn allowed_characters(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'))
}

/// Why `name` is not valid, as a sentence fragment; `None` when it is valid.
#[must_use]
pub fn problem(name: &str) -> Option<&'static str> {
    // Characters first: the length is counted in bytes, which is the
    // number of characters only once they are all ASCII.
    if name.is_empty() {
        Some("a name must not be empty")
    } else if !allowed_characters(name) {
        Some("a name may only use the characters A-Z a-z 0-9 _ . : -")
    } else if name.len() > MAX_NAME_LEN {
        Some("a name must be at most 128 characters long")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid("PaymentProcessor"));
        assert!(is_valid("priorities-2026:v1.2_x"));
        assert!(!is_valid(""));
        assert!(!is_valid("has space"));
        assert!(!is_valid("ünï"));
        assert!(is_valid(&"a".repeat(128)));
        assert!(!is_valid(&"a".repeat(129)));
    }
}
