//! Small text formatting helpers for the views.

/// A short age: `42 s`, `5 min`, `3 h`, `2 d`.
pub fn age(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min", secs / 60),
        3600..=172_799 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}

/// How long a job has waited: `30 min`, or `at least 30 min` when older jobs beyond the
/// list MSR gave may be waiting too.
pub fn waited(job: &msr_lens_core::health::WaitingJob) -> String {
    let secs = age(i64::try_from(job.age_secs).unwrap_or(i64::MAX));
    if job.age_is_lower_bound {
        format!("at least {secs}")
    } else {
        secs
    }
}

/// The age of an epoch-millisecond time at `now_ms`, e.g. `5 min ago`.
pub fn ago(at_ms: i64, now_ms: i64) -> String {
    format!("{} ago", age(now_ms.saturating_sub(at_ms) / 1000))
}

/// A rate with one decimal, or `—`.
pub fn rate(value: Option<f64>) -> String {
    match value {
        // Rounded by hand: `{:.1}` pulls in 5 KB of float formatting.
        #[allow(clippy::cast_possible_truncation)]
        Some(v) if v.is_finite() && v.abs() < 1e15 => {
            let tenths = (v * 10.0).round() as i64;
            let sign = if tenths < 0 { "-" } else { "" };
            format!("{sign}{}.{}", tenths.abs() / 10, tenths.abs() % 10)
        }
        _ => "—".to_string(),
    }
}

/// Why a request that ran into the check's own time limit (`timeout_ms`) got no answer:
/// `no answer within 10 s (the check's time limit)` (as `extension/snapshot.js`
/// `timeLimitWhy`, which the popup, the badge tooltip and the notifications say).
pub fn time_limit(timeout_ms: u32) -> String {
    let tenths = timeout_ms.saturating_add(50) / 100;
    let secs = if tenths.is_multiple_of(10) {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    };
    format!("no answer within {secs} s (the check's time limit)")
}

/// The capitalised verdict word.
pub fn verdict_word(verdict: &str) -> &'static str {
    match verdict {
        "healthy" => "Healthy",
        "reachable" => "Reachable",
        "degraded" => "Degraded",
        "down" => "Down",
        "signIn" => "Cannot sign in",
        _ => "Unknown",
    }
}

/// What [`hash_of`] percent-encodes: everything but `encodeURIComponent`'s unreserved
/// characters and `/`, `:` (so `repo=library/nginx` reads as it is typed).
const HASH_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'/')
    .remove(b':');

/// The hash (without `#`) for these `key=value` pairs, values percent-encoded
/// ([`parse_params`] reads it back).
pub fn hash_of(params: &[(&str, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, HASH_VALUE)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The `key=value` pairs of a hash (`#` optional; values percent-decoded, `+` as space).
pub fn parse_params(hash: &str) -> Vec<(String, String)> {
    hash.trim_start_matches('#')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            let plus = v.replace('+', " ");
            let v = percent_encoding::percent_decode_str(&plus)
                .decode_utf8_lossy()
                .into_owned();
            (k.to_string(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_limits_in_seconds() {
        assert_eq!(
            time_limit(10_000),
            "no answer within 10 s (the check's time limit)"
        );
        assert_eq!(
            time_limit(1_500),
            "no answer within 1.5 s (the check's time limit)"
        );
    }

    #[test]
    fn ages_pick_a_unit() {
        assert_eq!(age(-5), "0 s");
        assert_eq!(age(59), "59 s");
        assert_eq!(age(61), "1 min");
        assert_eq!(age(7200), "2 h");
        assert_eq!(age(3 * 86_400), "3 d");
        assert_eq!(ago(1_000, 61_000), "1 min ago");
        let mut job = msr_lens_core::health::WaitingJob {
            id: "j".into(),
            action: "scan".into(),
            scheduled_at: msr_lens_core::Timestamp::from_millis(0),
            age_secs: 1800,
            age_is_lower_bound: false,
        };
        assert_eq!(waited(&job), "30 min");
        job.age_is_lower_bound = true;
        assert_eq!(waited(&job), "at least 30 min");
        assert_eq!(rate(Some(2.26)), "2.3");
        assert_eq!(rate(None), "—");
        assert_eq!(rate(Some(f64::NAN)), "—");
        assert_eq!(rate(Some(-0.04)), "0.0");
        assert_eq!(rate(Some(-1.25)), "-1.3");
        assert_eq!(rate(Some(83.333)), "83.3");
    }

    #[test]
    fn a_hash_round_trips() {
        let params = [
            ("repo", "library/nginx".to_string()),
            ("q", "a b&c=d+e#f%".to_string()),
            ("from", "2026-12-01".to_string()),
            ("record", "7f3e-ü".to_string()),
        ];
        let hash = hash_of(&params);
        assert!(
            hash.starts_with("repo=library/nginx&q=a%20b%26c%3Dd%2Be%23f%25&"),
            "{hash}"
        );
        let back = parse_params(&format!("#{hash}"));
        let want: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        assert_eq!(back, want);
        // What a person types by hand: `+` for a space, pairs without `=` ignored.
        assert_eq!(
            parse_params("q=two+words&junk&ns=team"),
            vec![
                ("q".to_string(), "two words".to_string()),
                ("ns".to_string(), "team".to_string())
            ]
        );
    }
}
