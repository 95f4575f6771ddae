//! The status strip of one instance (Uptime Kuma's heartbeat bar): one coloured segment
//! per time slot with the worst verdict checked in it, the time and reason on hover, and
//! the share of healthy checks.

use yew::prelude::*;

use crate::glance::{Segment, Uptime, segment_title, segments, uptime};
use crate::model::Bucket;

/// Properties of [`StatusStrip`].
#[derive(Properties, PartialEq)]
pub struct StatusStripProps {
    /// The checks (one-check buckets for 24 h, hourly buckets for 7 days), oldest first.
    pub buckets: Vec<Bucket>,
    /// Now (epoch ms).
    pub now: i64,
    /// The span shown, milliseconds.
    pub span_ms: i64,
    /// How many segments.
    pub slots: usize,
    /// `24 hours`, `7 days`.
    pub label: AttrValue,
    /// `24h`, `7d` (test id suffix).
    pub key_name: AttrValue,
}

/// Minutes east of UTC of the local time zone, now.
fn local_offset_min() -> i64 {
    // getTimezoneOffset is minutes west of UTC, a whole number.
    #[allow(clippy::cast_possible_truncation)]
    let west = js_sys::Date::new_0().get_timezone_offset() as i64;
    -west
}

/// What the strip shows, for screen readers: how many slots had each verdict.
fn spoken(label: &str, segs: &[Segment], up: Uptime) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for s in segs {
        let word = s.verdict.as_deref().unwrap_or("not checked");
        match counts.iter_mut().find(|(w, _)| *w == word) {
            Some((_, n)) => *n += 1,
            None => counts.push((word, 1)),
        }
    }
    let parts: Vec<String> = counts.iter().map(|(w, n)| format!("{n} {w}")).collect();
    format!(
        "last {label}: {}; {} slots: {}",
        up.sentence(),
        segs.len(),
        parts.join(", ")
    )
}

/// The strip.
#[function_component(StatusStrip)]
pub fn status_strip(props: &StatusStripProps) -> Html {
    let segs = segments(&props.buckets, props.now, props.span_ms, props.slots);
    let up = uptime(&props.buckets, props.now - props.span_ms);
    let offset = local_offset_min();
    let weekday = props.span_ms > 86_400_000;
    html! {
        <figure class="strip" data-testid={format!("strip-{}", props.key_name)}>
            <figcaption>
                <span class="strip-label">{ format!("Last {}", props.label) }</span>
                <span class="uptime" data-testid="uptime" title={up.sentence()}>{ up.caption() }</span>
            </figcaption>
            <div class="strip-bar" role="img" aria-label={spoken(&props.label, &segs, up)}>
            { for segs.iter().map(|s| {
                let verdict = s.verdict.clone().unwrap_or_else(|| "none".into());
                html! { <span class={classes!("seg", format!("s-{verdict}"))} data-state={verdict.clone()} title={segment_title(s, offset, weekday)}></span> }
            }) }
            </div>
            <div class="strip-axis" aria-hidden="true"><span>{ format!("{} ago", props.label) }</span><span>{ "now" }</span></div>
        </figure>
    }
}
