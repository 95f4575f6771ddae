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

/// The capitalised verdict word.
pub fn verdict_word(verdict: &str) -> &'static str {
    match verdict {
        "healthy" => "Healthy",
        "degraded" => "Degraded",
        "down" => "Down",
        "reachable" => "Reachable",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_pick_a_unit() {
        assert_eq!(age(-5), "0 s");
        assert_eq!(age(59), "59 s");
        assert_eq!(age(61), "1 min");
        assert_eq!(age(7200), "2 h");
        assert_eq!(age(3 * 86_400), "3 d");
        assert_eq!(ago(1_000, 61_000), "1 min ago");
        assert_eq!(rate(Some(2.26)), "2.3");
        assert_eq!(rate(None), "—");
        assert_eq!(rate(Some(f64::NAN)), "—");
        assert_eq!(rate(Some(-0.04)), "0.0");
        assert_eq!(rate(Some(-1.25)), "-1.3");
        assert_eq!(rate(Some(83.333)), "83.3");
    }
}
