//! A small inline SVG sparkline.

use yew::prelude::*;

/// Properties of [`Sparkline`].
#[derive(Properties, PartialEq)]
pub struct SparklineProps {
    /// The values, oldest first.
    pub values: Vec<f64>,
    /// What it shows (for screen readers).
    pub label: AttrValue,
}

/// The points of a polyline in a 100 × 20 box.
pub fn points(values: &[f64]) -> String {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.len() < 2 {
        return String::new();
    }
    let max = finite.iter().copied().fold(f64::MIN, f64::max);
    let min = finite.iter().copied().fold(f64::MAX, f64::min);
    let span = if (max - min).abs() < f64::EPSILON {
        1.0
    } else {
        max - min
    };
    let step = 100.0 / (finite.len() - 1) as f64;
    finite
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * step,
                19.0 - (v - min) / span * 18.0
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The sparkline.
#[function_component(Sparkline)]
pub fn sparkline(props: &SparklineProps) -> Html {
    let pts = points(&props.values);
    if pts.is_empty() {
        return html! { <span class="muted spark-empty">{ "(history builds up in the background)" }</span> };
    }
    html! {
        <svg class="sparkline" viewBox="0 0 100 20" preserveAspectRatio="none" role="img" aria-label={props.label.clone()}>
            <polyline points={pts} fill="none" stroke="currentColor" stroke-width="1.5" vector-effect="non-scaling-stroke" />
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_span_the_box_and_skip_bad_values() {
        assert_eq!(points(&[1.0]), "");
        assert_eq!(points(&[0.0, f64::NAN, 2.0]), "0.0,19.0 100.0,1.0");
        assert_eq!(points(&[3.0, 3.0]), "0.0,19.0 100.0,19.0");
    }
}
