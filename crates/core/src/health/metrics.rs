//! `GET /api/v0/admin/metrics` (MSR 3.1+, admin, HTTP basic): Prometheus text exposition,
//! parsed with the `prom_text_format_parser` crate (a `winnow` grammar of the format),
//! reduced to a few key figures. (`prometheus-parse` was tried first: its `regex` with
//! Unicode tables made the npm package's `.wasm` 338 KB gzip bigger, 193 → 531 KB.)
//!
//! MSR 2.9 has no such route (404): that is [`MetricsOutcome::NotAvailable`], said
//! plainly, not an error. The names of MSR's series are not documented publicly; the
//! summary picks families by what their names say (`repositor…`, `pull…`, `push…`),
//! sums them over their labels, and lists every family it used, so a reader can check.
//! Counters between two samples give pulls and pushes per minute.

use http::{Request, Response, header};
use serde::{Deserialize, Serialize};

use super::admin::{AdminError, admin_body};
use crate::auth::Credentials;
use crate::error::ParseError;
use crate::{Origin, Timestamp};

/// `GET /api/v0/admin/metrics`.
pub const METRICS_PATH: &str = "/api/v0/admin/metrics";

/// A `GET` of the metrics with HTTP basic auth, asking for the text format.
pub fn metrics_request(base: &Origin, credentials: &Credentials) -> Request<Vec<u8>> {
    let uri = base
        .url(METRICS_PATH)
        .expect("a constant path is a valid URI on the origin");
    let mut request = super::get(uri, "text/plain");
    request
        .headers_mut()
        .insert(header::AUTHORIZATION, credentials.basic_header());
    request
}

/// One metric family used in the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct KeySeries {
    /// The family name as MSR sent it.
    pub name: String,
    /// `counter`, `gauge`, `untyped`, ...
    pub kind: String,
    /// The sum of its samples over all labels.
    #[serde(deserialize_with = "number_or_nan")]
    pub total: f64,
    /// How many samples (label sets) it had.
    pub samples: usize,
}

/// A stored `total` read back: JSON has no NaN or infinity, so a non-finite sum (a
/// Prometheus `NaN` sample) comes back as `null`, read as NaN.
fn number_or_nan<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

/// Counters kept between two checks, for rates (a report's `metrics.sample`; read back
/// from JavaScript as `HealthOptions.previousMetrics`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct MetricsSample {
    /// When it was read.
    pub at: Timestamp,
    /// Pulls counted so far.
    pub pulls: Option<f64>,
    /// Pushes counted so far.
    pub pushes: Option<f64>,
}

/// The key figures of one metrics answer.
// Deserializable: the browser extension stores it in its snapshots as the package
// serialized it and reads it back, also from older snapshots that kept only the five
// figures (see `super::stored`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "super::stored::MetricsSummary")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct MetricsSummary {
    /// How many samples the answer had in all.
    pub samples: usize,
    /// Repositories (the sum of a gauge whose name says `repositor…`).
    pub repositories: Option<f64>,
    /// Pulls counted so far (a counter whose name says `pull…`).
    pub pulls_total: Option<f64>,
    /// Pushes counted so far (a counter whose name says `push…`).
    pub pushes_total: Option<f64>,
    /// Pulls per minute since the previous sample (same counter, no reset).
    pub pulls_per_min: Option<f64>,
    /// Pushes per minute since the previous sample.
    pub pushes_per_min: Option<f64>,
    /// The families the figures above come from.
    pub key_series: Vec<KeySeries>,
    /// What to keep for the next check's rates.
    pub sample: MetricsSample,
}

/// What the metrics endpoint gave.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricsOutcome {
    /// Read and summarised.
    Available(MetricsSummary),
    /// 404: this MSR has no metrics endpoint (MSR 2.9 and older 3.0).
    NotAvailable,
    /// Anything else: not signed in, not an admin, a proxy's page, not Prometheus text.
    Error(AdminError),
}

/// Read a metrics answer received at `at`, with the previous sample for rates.
pub fn parse_metrics(
    response: &Response<Vec<u8>>,
    at: Timestamp,
    previous: Option<&MetricsSample>,
) -> MetricsOutcome {
    let body = match admin_body(response) {
        Ok(body) => body,
        Err(AdminError::NotFound(_)) => return MetricsOutcome::NotAvailable,
        Err(e) => return MetricsOutcome::Error(e),
    };
    match summarise(body, at, previous) {
        Ok(summary) => MetricsOutcome::Available(summary),
        Err(e) => MetricsOutcome::Error(AdminError::Body(e)),
    }
}

fn parse_error(body: &[u8], message: &str) -> ParseError {
    ParseError {
        path: ".".to_string(),
        message: message.to_string(),
        excerpt: crate::error::excerpt(body),
    }
}

fn summarise(
    body: &[u8],
    at: Timestamp,
    previous: Option<&MetricsSample>,
) -> Result<MetricsSummary, ParseError> {
    let text = std::str::from_utf8(body).map_err(|_| parse_error(body, "not UTF-8 text"))?;
    let scrape = prom_text_format_parser::Scrape::parse(text)
        .map_err(|e| parse_error(body, &format!("not Prometheus text: {e:?}")))?;
    let samples: usize = scrape.metrics.iter().map(|m| m.samples.len()).sum();
    if samples == 0 && !text.trim().is_empty() {
        return Err(parse_error(body, "not Prometheus text: no sample in it"));
    }

    // Each counter, gauge or untyped family summed over its label sets (histograms and
    // summaries are not key figures here). Values are parsed here, not with the crate's
    // `as_f64`, which unwraps.
    let mut families: Vec<KeySeries> = Vec::new();
    for metric in &scrape.metrics {
        use prom_text_format_parser::Type;
        let kind = match metric.kind {
            Type::Counter => "counter",
            Type::Gauge => "gauge",
            Type::Untyped => "untyped",
            _ => continue,
        };
        let values: Vec<f64> = metric
            .samples
            .iter()
            .filter_map(|s| s.value.value.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .collect();
        if values.is_empty() {
            continue;
        }
        match families.iter_mut().find(|f| f.name == metric.name) {
            Some(f) => {
                f.total += values.iter().sum::<f64>();
                f.samples += values.len();
            }
            None => families.push(KeySeries {
                name: metric.name.clone(),
                kind: kind.to_string(),
                total: values.iter().sum(),
                samples: values.len(),
            }),
        }
    }
    let pick = |word: &str, counter: bool| -> Option<KeySeries> {
        families
            .iter()
            .filter(|f| f.name.to_ascii_lowercase().contains(word))
            .filter(|f| !counter || f.kind == "counter" || f.name.ends_with("_total"))
            .filter(|f| counter || f.kind != "counter")
            .min_by_key(|f| f.name.len())
            .cloned()
    };
    let repositories = pick("repositor", false);
    let pulls = pick("pull", true);
    let pushes = pick("push", true);
    let sample = MetricsSample {
        at,
        pulls: pulls.as_ref().map(|f| f.total),
        pushes: pushes.as_ref().map(|f| f.total),
    };
    let per_min = |now: Option<f64>, before: Option<f64>| -> Option<f64> {
        let previous = previous?;
        let elapsed = at.millis_since(previous.at);
        let (now, before) = (now?, before?);
        // A restart resets counters: no rate across it.
        (elapsed > 0 && now >= before).then(|| (now - before) * 60_000.0 / elapsed as f64)
    };
    Ok(MetricsSummary {
        samples,
        repositories: repositories.as_ref().map(|f| f.total),
        pulls_total: sample.pulls,
        pushes_total: sample.pushes,
        pulls_per_min: per_min(sample.pulls, previous.and_then(|p| p.pulls)),
        pushes_per_min: per_min(sample.pushes, previous.and_then(|p| p.pushes)),
        key_series: [repositories, pulls, pushes]
            .into_iter()
            .flatten()
            .collect(),
        sample,
    })
}
