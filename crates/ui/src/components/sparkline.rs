//! The requests/s sparkline over time: an inline SVG line with its scale and time span
//! written beside it, and the stretches where the instance was not healthy shaded.

use yew::prelude::*;

use crate::format::{age, rate};
use crate::model::HistoryPoint;

/// Properties of [`Sparkline`].
#[derive(Properties, PartialEq)]
pub struct SparklineProps {
    /// The history, oldest first.
    pub history: Vec<HistoryPoint>,
    /// Now (epoch ms).
    pub now: i64,
    /// What it shows (for screen readers).
    pub label: AttrValue,
}

/// The drawing of a history in a 100 × 20 box, x by time from `start` to `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// The line, one polyline `points` string per run of known values.
    pub lines: Vec<String>,
    /// Shaded stretches: (x, width, verdict) for checks that were not healthy.
    pub outages: Vec<(f64, f64, String)>,
    /// The largest value (the top of the scale).
    pub max: f64,
    /// The left edge (epoch ms).
    pub start: i64,
}

/// Draw `history` up to `now`: at least ten minutes wide, at most 24 hours. `None` with
/// fewer than two values.
pub fn plot(history: &[HistoryPoint], now: i64) -> Option<Plot> {
    let oldest = history.first()?.t;
    let span = (now - oldest).clamp(600_000, 86_400_000);
    let start = now - span;
    let shown: Vec<&HistoryPoint> = history.iter().filter(|p| p.t >= start).collect();
    let values = || shown.iter().filter_map(|p| p.rps.filter(|v| v.is_finite()));
    if values().count() < 2 {
        return None;
    }
    let max = values().fold(0.0, f64::max);
    let scale = if max > 0.0 { max } else { 1.0 };
    let x = |t: i64| (t - start) as f64 * 100.0 / span as f64;
    let mut lines = Vec::new();
    let mut run: Vec<String> = Vec::new();
    for p in &shown {
        match p.rps.filter(|v| v.is_finite()) {
            Some(v) => run.push(format!("{:.1},{:.1}", x(p.t), 19.0 - v / scale * 18.0)),
            None => {
                if run.len() > 1 {
                    lines.push(run.join(" "));
                }
                run.clear();
            }
        }
    }
    if run.len() > 1 {
        lines.push(run.join(" "));
    }
    let mut outages: Vec<(f64, f64, String)> = Vec::new();
    for (i, p) in shown.iter().enumerate() {
        if p.verdict == "healthy" {
            continue;
        }
        let end = shown.get(i + 1).map_or(now, |n| n.t);
        let (from, to) = (x(p.t), x(end).max(x(p.t) + 0.5));
        match outages.last_mut() {
            Some((ox, ow, v)) if *v == p.verdict && (*ox + *ow - from).abs() < 0.01 => {
                *ow = to - *ox;
            }
            _ => outages.push((from, to - from, p.verdict.clone())),
        }
    }
    Some(Plot {
        lines,
        outages,
        max,
        start,
    })
}

/// The sparkline.
#[function_component(Sparkline)]
pub fn sparkline(props: &SparklineProps) -> Html {
    let Some(plot) = plot(&props.history, props.now) else {
        return html! { <span class="muted spark-empty">{ "(history builds up in the background)" }</span> };
    };
    let span = age((props.now - plot.start) / 1000);
    html! {
        <figure class="spark">
            <div class="spark-y" aria-hidden="true"><span>{ format!("{}/s", rate(Some(plot.max))) }</span><span>{ "0" }</span></div>
            <svg class="sparkline" viewBox="0 0 100 20" preserveAspectRatio="none" role="img"
                aria-label={format!("{}, last {span}: up to {} per second", props.label, rate(Some(plot.max)))}>
                { for plot.outages.iter().map(|(x, w, v)| html! {
                    <rect class={classes!("outage", format!("o-{v}"))} x={format!("{x:.1}")} y="0" width={format!("{w:.1}")} height="20"><title>{ v.clone() }</title></rect>
                }) }
                { for plot.lines.iter().map(|pts| html! {
                    <polyline points={pts.clone()} fill="none" stroke="currentColor" stroke-width="1.5" vector-effect="non-scaling-stroke" />
                }) }
            </svg>
            <div class="spark-x" aria-hidden="true"><span>{ format!("{span} ago") }</span><span>{ "now" }</span></div>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: i64, verdict: &str, rps: Option<f64>) -> HistoryPoint {
        HistoryPoint {
            t,
            verdict: verdict.into(),
            rps,
            ..HistoryPoint::default()
        }
    }

    #[test]
    fn plots_by_time_break_at_gaps_and_shade_outages() {
        assert_eq!(plot(&[], 0), None);
        assert_eq!(plot(&[p(0, "healthy", Some(1.0))], 600_000), None);
        let now = 600_000;
        let history = [
            p(0, "healthy", Some(0.0)),
            p(150_000, "healthy", Some(2.0)),
            p(300_000, "down", None),
            p(360_000, "down", Some(f64::NAN)),
            p(450_000, "degraded", Some(1.0)),
            p(540_000, "healthy", Some(1.0)),
        ];
        let plot = plot(&history, now).unwrap();
        assert_eq!(plot.max, 2.0);
        assert_eq!(plot.start, 0);
        assert_eq!(plot.lines, ["0.0,19.0 25.0,1.0", "75.0,10.0 90.0,10.0"]);
        // down from 300 s to 450 s (one stretch), degraded from 450 s to 540 s.
        assert_eq!(plot.outages.len(), 2);
        assert_eq!(plot.outages[0].2, "down");
        assert!((plot.outages[0].0 - 50.0).abs() < 1e-9 && (plot.outages[0].1 - 25.0).abs() < 1e-9);
        assert_eq!(plot.outages[1].2, "degraded");
        assert!((plot.outages[1].1 - 15.0).abs() < 1e-9);
    }
}
