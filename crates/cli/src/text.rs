//! Server text on a terminal: shown as text, never as terminal control sequences.

use std::borrow::Cow;

/// `text` with every control character (ESC, CR, BEL, ...) written as a `\u{..}` escape,
/// so a record or a reason from the server cannot move the cursor, recolour or retitle the
/// terminal, or hide itself.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(clean("library/nginx"), "library/nginx");
        assert_eq!(clean("a\u{1b}[2Jb\r\n"), "a\\u{1b}[2Jb\\u{d}\\u{a}");
        assert_eq!(clean("ünïcödé ok"), "ünïcödé ok");
    }
}
