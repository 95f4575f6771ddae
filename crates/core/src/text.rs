//! Quoting text for messages much as `{:?}` does, without the `Debug` machinery.
//!
//! The npm package is built with `-Zfmt-debug=none` (smaller code), which turns every `{:?}`
//! into nothing; messages that show a server's token or character quoted use these instead.
//! They escape what `{:?}` escapes in ASCII and C1 controls (`"` or `'`, `\\`, `\n`, `\r`,
//! `\t`, `\0`, `\u{..}`), and leave every other character as it is: `Debug` also escapes
//! unprintable and combining characters, which needs Unicode tables (about 3 KB of gzip
//! in the package) that a message does not.

use std::fmt;

/// `text` in double quotes, `"`, `\\` and control characters escaped as `{:?}` does.
pub(crate) fn quoted(text: &str) -> Quoted<'_> {
    Quoted(text)
}

/// A character in single quotes, `'`, `\\` and control characters escaped as `{:?}` does.
pub(crate) fn quoted_char(c: char) -> QuotedChar {
    QuotedChar(c)
}

/// See [`quoted`].
pub(crate) struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.0.chars() {
            escape(c, '"', f)?;
        }
        f.write_str("\"")
    }
}

/// See [`quoted_char`].
pub(crate) struct QuotedChar(char);

impl fmt::Display for QuotedChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("'")?;
        escape(self.0, '\'', f)?;
        f.write_str("'")
    }
}

fn escape(c: char, quote: char, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match c {
        '\\' => f.write_str("\\\\"),
        '\n' => f.write_str("\\n"),
        '\r' => f.write_str("\\r"),
        '\t' => f.write_str("\\t"),
        '\0' => f.write_str("\\0"),
        c if c == quote => write!(f, "\\{c}"),
        c if c.is_control() => write!(f, "\\u{{{:x}}}", u32::from(c)),
        c => write!(f, "{c}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn edge_cases_match_debug() {
        for text in [
            "",
            "a",
            "'",
            "\"",
            "\\",
            "\n\t\r\0",
            "\u{1b}[0m",
            "\u{7f}",
            "\u{85}",
            "é",
            "🦀",
            "it's \"x\"",
            "C:\\x",
        ] {
            assert_eq!(quoted(text).to_string(), format!("{text:?}"));
            for c in text.chars() {
                assert_eq!(quoted_char(c).to_string(), format!("{c:?}"));
            }
        }
    }

    #[test]
    fn unprintable_characters_stay_as_they_are() {
        assert_eq!(
            quoted("a\u{301}\u{200b}").to_string(),
            "\"a\u{301}\u{200b}\""
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]
        #[test]
        fn quoted_is_debug_for_printable_text(
            text in "[ -~\t\n\r\u{0}-\u{1f}\u{7f}-\u{9f}àéü€ßΩ漢字🦀]*"
        ) {
            prop_assert_eq!(quoted(&text).to_string(), format!("{text:?}"));
            for c in text.chars() {
                prop_assert_eq!(quoted_char(c).to_string(), format!("{c:?}"));
            }
        }
    }
}
