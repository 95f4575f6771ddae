//! Quoting text for messages much as `{:?}` does, without the `Debug` machinery.
//!
//! The npm package is built with `-Zfmt-debug=none` (smaller code), which turns every `{:?}`
//! into nothing; messages that show a server's token or character quoted use these instead.
//! They escape what `{:?}` escapes in ASCII and C1 controls (`"` or `'`, `\\`, `\n`, `\r`,
//! `\t`, `\0`, `\u{..}`), and leave every other character as it is: `Debug` also escapes
//! unprintable and combining characters, which needs Unicode tables (about 3 KB of gzip
//! in the package) that a message does not.
//!
//! Also the integer writers and the concatenation every message of the npm package is
//! built with: no `format!`, `write!` or `{}` of an integer on the package's path keeps
//! `core::fmt` (its `write`, `Formatter`, integer `Display` and padding code) out.

use std::fmt;

/// A message built with `push_str`, without `core::fmt`: the text `Display` writes for
/// the core's errors (and a few other values), for callers that keep `core::fmt` out of
/// their WebAssembly.
pub trait Message {
    /// Append the message to `out`.
    fn push_message(&self, out: &mut String);

    /// The message.
    fn message(&self) -> String {
        let mut out = String::new();
        self.push_message(&mut out);
        out
    }
}

/// `Display` of a [`Message`]: one `write_str`, no formatting machinery.
pub(crate) fn display(message: &dyn Message, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(&message.message())
}

/// `impl Display` for [`Message`] types, through [`display`].
macro_rules! display_message {
    ($($t:ty),+ $(,)?) => {
        $(impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                crate::text::display(self, f)
            }
        })+
    };
}
pub(crate) use display_message;

/// `text` in double quotes, `"`, `\\` and control characters escaped as `{:?}` does.
pub(crate) fn push_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        escape(out, c, '"');
    }
    out.push('"');
}

/// A character in single quotes, `'`, `\\` and control characters escaped as `{:?}` does.
pub(crate) fn push_quoted_char(out: &mut String, c: char) {
    out.push('\'');
    escape(out, c, '\'');
    out.push('\'');
}

fn escape(out: &mut String, c: char, quote: char) {
    let short = match c {
        '\\' => '\\',
        '\n' => 'n',
        '\r' => 'r',
        '\t' => 't',
        '\0' => '0',
        c if c == quote => c,
        c if c.is_control() => {
            out.push_str("\\u{");
            push_hex(out, u32::from(c));
            out.push('}');
            return;
        }
        c => {
            out.push(c);
            return;
        }
    };
    out.push('\\');
    out.push(short);
}

/// `n` in lower-case hexadecimal without leading zeros, as `{:x}` writes it.
pub(crate) fn push_hex(out: &mut String, n: u32) {
    let mut digits = [0u8; 8];
    let mut rest = n;
    let mut len = 0;
    for slot in digits.iter_mut() {
        *slot = (rest % 16) as u8;
        rest /= 16;
        len += 1;
        if rest == 0 {
            break;
        }
    }
    for &d in digits.iter().take(len).rev() {
        out.push(char::from(if d < 10 { b'0' + d } else { b'a' + d - 10 }));
    }
}

/// `n` in decimal, as `n.to_string()` writes it, without `core::fmt`.
///
/// The one integer writer of messages in the npm package: `{}` of an integer pulls in
/// `core::fmt`'s integer `Display` impls and their padding code.
pub fn push_u64(out: &mut String, n: u64) {
    push_digits(out, n, 1);
}

/// `n` in decimal, as `n.to_string()` writes it, without `core::fmt`.
pub fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_digits(out, n.unsigned_abs(), 1);
}

/// `value` in decimal, zero-padded to at least `width` digits (at most 20).
pub(crate) fn push_digits(out: &mut String, mut value: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    for slot in &mut digits {
        if value == 0 && len >= width.max(1) {
            break;
        }
        // `value % 10` is below 10.
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
        len += 1;
    }
    for digit in digits.iter().take(len).rev() {
        out.push(char::from(*digit));
    }
}

/// Append `text` percent-encoded: every byte but ASCII letters, digits and `-._~` (and
/// `:` when `keep_colon`) as `%XX`, upper-case hex, as `percent_encoding` writes it with
/// [`crate::origin`]'s query-value set (Go's `url.QueryEscape` without `+` for spaces).
pub(crate) fn push_percent_encoded(out: &mut String, text: &str, keep_colon: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in text.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_colon && b == b':')
        {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// The concatenation of `parts`: one non-generic builder for messages.
#[inline(never)]
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts {
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn q(text: &str) -> String {
        let mut out = String::new();
        push_quoted(&mut out, text);
        out
    }

    fn qc(c: char) -> String {
        let mut out = String::new();
        push_quoted_char(&mut out, c);
        out
    }

    fn u(n: u64) -> String {
        let mut out = String::from("x");
        push_u64(&mut out, n);
        out
    }

    fn i(n: i64) -> String {
        let mut out = String::from("x");
        push_i64(&mut out, n);
        out
    }

    #[test]
    fn integer_edges_match_to_string() {
        for n in [0, 1, 9, 10, 99, 100, u64::MAX / 10, u64::MAX - 1, u64::MAX] {
            assert_eq!(u(n), format!("x{n}"));
        }
        for n in [0, -1, 1, -9, -10, 10, i64::MIN, i64::MIN + 1, i64::MAX] {
            assert_eq!(i(n), format!("x{n}"));
        }
        let mut out = String::new();
        push_hex(&mut out, 0);
        push_hex(&mut out, u32::MAX);
        assert_eq!(out, "0ffffffff");
    }

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
            assert_eq!(q(text), format!("{text:?}"));
            for c in text.chars() {
                assert_eq!(qc(c), format!("{c:?}"));
            }
        }
    }

    #[test]
    fn unprintable_characters_stay_as_they_are() {
        assert_eq!(q("a\u{301}\u{200b}"), "\"a\u{301}\u{200b}\"");
    }

    #[test]
    fn percent_encoding_agrees_with_the_crate() {
        use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
        // The sets the crate was used with: a query value, and a GUN path segment.
        const QUERY: &AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        const SEGMENT: &AsciiSet = &QUERY.remove(b':');
        let (query, segment) = (QUERY, SEGMENT);
        let check = |text: &str| {
            let mut ours = String::from("x");
            push_percent_encoded(&mut ours, text, false);
            assert_eq!(
                ours,
                format!("x{}", utf8_percent_encode(text, query)),
                "{text:?}"
            );
            let mut ours = String::new();
            push_percent_encoded(&mut ours, text, true);
            assert_eq!(
                ours,
                utf8_percent_encode(text, segment).to_string(),
                "{text:?}"
            );
        };
        // Every character up to U+00FF, alone and in a word; then generated text.
        for c in '\0'..='\u{ff}' {
            check(&c.to_string());
            check(&format!("a{c}b:c"));
        }
        check("");
        check("repository:msr.example.org:8443/ns/repo:pull,push");
        check("é漢🦀 +&=?#/%");
        proptest::proptest!(proptest::prelude::ProptestConfig::with_cases(5000), |(text in "\\PC*")| {
            check(&text);
        });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]
        #[test]
        fn integers_match_to_string(n: u64, m: i64, small in 0u64..100_000, width in 0usize..21) {
            prop_assert_eq!(u(n), format!("x{n}"));
            prop_assert_eq!(i(m), format!("x{m}"));
            prop_assert_eq!(u(small), format!("x{small}"));
            prop_assert_eq!(i(small as i64 - 50_000), format!("x{}", small as i64 - 50_000));
            let mut padded = String::new();
            push_digits(&mut padded, n, width);
            prop_assert_eq!(padded, format!("{n:0width$}"));
            let mut padded = String::new();
            push_digits(&mut padded, small, width);
            prop_assert_eq!(padded, format!("{small:0width$}"));
            let mut hex = String::new();
            push_hex(&mut hex, n as u32);
            prop_assert_eq!(hex, format!("{:x}", n as u32));
        }

        #[test]
        fn quoted_is_debug_for_printable_text(
            text in "[ -~\t\n\r\u{0}-\u{1f}\u{7f}-\u{9f}àéü€ßΩ漢字🦀]*"
        ) {
            prop_assert_eq!(q(&text), format!("{text:?}"));
            for c in text.chars() {
                prop_assert_eq!(qc(c), format!("{c:?}"));
            }
        }
    }
}
