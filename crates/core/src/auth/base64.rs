//! Base64 as the token flow needs it: standard encoding with padding (HTTP basic auth) and
//! a tolerant decoder for JWT payloads.
//!
//! Written out rather than taken from the `base64` crate, whose general engine is several
//! kilobytes of the npm package's WebAssembly for two small strings per token. The tests
//! compare both on random input.

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding (RFC 4648 §4).
pub(crate) fn encode_standard(bytes: &[u8]) -> String {
    let symbol = |index: u32| char::from(STANDARD[(index & 63) as usize]);
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(symbol(n >> 18));
        out.push(symbol(n >> 12));
        out.push(if chunk.len() > 1 { symbol(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { symbol(n) } else { '=' });
    }
    out
}

/// Decode base64url or standard base64 (one alphabet per input, base64url tried first),
/// padded or not, trailing bits ignored; `None` for anything else. This is what the
/// `base64` crate's engines with `DecodePaddingMode::Indifferent` and trailing bits
/// allowed read: symbols of the alphabet, then in the last (at most four) symbols an
/// optional run of `=` after at least two symbols.
pub(crate) fn decode_tolerant(text: &str) -> Option<Vec<u8>> {
    decode(text.as_bytes(), b'-', b'_').or_else(|| decode(text.as_bytes(), b'+', b'/'))
}

fn decode(input: &[u8], sym62: u8, sym63: u8) -> Option<Vec<u8>> {
    let value = |b: u8| -> Option<u32> {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            _ if b == sym62 => 62,
            _ if b == sym63 => 63,
            _ => return None,
        };
        Some(u32::from(v))
    };
    if input.is_empty() {
        return Some(Vec::new());
    }
    // The last group: the remainder after whole groups of four, or the last whole group.
    let tail_len = match input.len() % 4 {
        0 => 4,
        rem => rem,
    };
    let (body, tail) = input.split_at(input.len() - tail_len);
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    for group in body.chunks(4) {
        let mut n = 0;
        for &b in group {
            n = (n << 6) | value(b)?;
        }
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    let symbols = tail.iter().position(|&b| b == b'=').unwrap_or(tail.len());
    let (symbols, padding) = tail.split_at(symbols);
    if symbols.len() < 2 || padding.iter().any(|&b| b != b'=') {
        return None;
    }
    let mut n = 0;
    for &b in symbols {
        n = (n << 6) | value(b)?;
    }
    n <<= 6 * (4 - symbols.len());
    let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
    out.extend_from_slice(bytes.get(..symbols.len() - 1)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::alphabet;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use proptest::prelude::*;

    /// What the `base64` crate reads (the implementation this module replaced).
    fn crate_decode(text: &str) -> Option<Vec<u8>> {
        let config = GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true);
        GeneralPurpose::new(&alphabet::URL_SAFE, config)
            .decode(text)
            .or_else(|_| GeneralPurpose::new(&alphabet::STANDARD, config).decode(text))
            .ok()
    }

    #[test]
    fn decodes_as_the_base64_crate_does() {
        for text in [
            "", "Q", "QQ", "QQ=", "QQ==", "QQ===", "QUI", "QUI=", "QUI==", "QUJD", "QUJD=", "Q=",
            "=", "====", "QQ=Q", "-_", "+/", "-/", "QUJDRA", "QUJDRA==", "QUJD\n", "a b",
        ] {
            assert_eq!(super::decode_tolerant(text), crate_decode(text), "{text:?}");
        }
        proptest!(ProptestConfig::with_cases(20_000), |(text in "[A-Da-c0-2+/_=\\-. ]{0,14}")| {
            prop_assert_eq!(super::decode_tolerant(&text), crate_decode(&text), "{:?}", text);
        });
        proptest!(|(bytes in prop::collection::vec(any::<u8>(), 0..40))| {
            let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
            let standard = base64::engine::general_purpose::STANDARD.encode(&bytes);
            prop_assert_eq!(super::decode_tolerant(&url), Some(bytes.clone()));
            prop_assert_eq!(super::decode_tolerant(&standard), Some(bytes));
        });
    }

    #[test]
    fn encodes_as_the_base64_crate_does() {
        proptest!(|(bytes in prop::collection::vec(any::<u8>(), 0..40))| {
            prop_assert_eq!(
                super::encode_standard(&bytes),
                base64::engine::general_purpose::STANDARD.encode(&bytes)
            );
        });
    }
}
