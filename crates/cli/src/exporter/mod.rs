//! `msr-lens exporter`: Prometheus metrics for every instance of the config file.
//! OpenMetrics text when the scraper asks for it (Prometheus does), else the Prometheus
//! text format 0.0.4.
//!
//! Each instance has ONE background thread ([`poller`]) that checks it once per interval
//! and follows its trust changefeed; `/metrics` encodes the last results ([`metrics`]), so
//! any number of scrapers cost MSR nothing. `/healthz` answers 200 while every poller
//! thread is alive and not stuck.

pub mod metrics;
pub mod poller;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;

use crate::config::{self, ConfigError};
use crate::{Failure, Global};

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9712";

/// Options of `exporter`.
#[derive(Debug, Args)]
pub struct ExporterArgs {
    /// Where to serve /metrics and /healthz (default: `listen` of the config, else 127.0.0.1:9712).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
}

/// Whether every poller did something recently (a check takes at most the timeout per
/// request; allow three intervals plus a minute).
fn healthy(snapshots: &[poller::Shared]) -> bool {
    snapshots.iter().all(|s| {
        let snap = poller::lock(s);
        snap.heartbeat
            .is_some_and(|beat| beat.elapsed() < snap.interval * 3 + Duration::from_secs(60))
    })
}

/// Run the exporter until the process is stopped.
pub fn run(global: &Global, args: &ExporterArgs) -> Result<u8, Failure> {
    let (instances, file_listen) = match &global.config {
        Some(path) => {
            let file = config::load_file(path)?;
            let mut all = config::resolve_all(&file)?;
            if let Some(name) = &global.instance {
                all.retain(|i| &i.name == name);
                if all.is_empty() {
                    return Err(ConfigError(format!("no instance named {name:?}")));
                }
            }
            (all, file.listen.clone())
        }
        None => (vec![global.instance()?], None),
    };
    let listen = args
        .listen
        .clone()
        .or(file_listen)
        .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
    let server = tiny_http::Server::http(&listen)
        .map_err(|e| ConfigError(format!("cannot listen on {listen}: {e}")))?;
    let snapshots: Vec<poller::Shared> = instances
        .iter()
        .map(|_| Arc::new(Mutex::new(poller::Snapshot::default())))
        .collect();
    for (instance, shared) in instances.into_iter().zip(&snapshots) {
        let shared = shared.clone();
        let name = instance.name.clone();
        std::thread::Builder::new()
            .name(format!("poll {name}"))
            .spawn(move || poller::run(instance, shared))
            .map_err(|e| ConfigError(format!("cannot start the poller of {name}: {e}")))?;
    }
    let registry = metrics::registry(snapshots.clone());
    eprintln!(
        "msr-lens exporter: {} instance(s), serving http://{}/metrics",
        snapshots.len(),
        server
            .server_addr()
            .to_ip()
            .map_or(listen.clone(), |a| a.to_string())
    );
    let started = Instant::now();
    for request in server.incoming_requests() {
        let path = request.url().split('?').next().unwrap_or("").to_string();
        let response = match (request.method(), path.as_str()) {
            (tiny_http::Method::Get, "/metrics") => {
                let openmetrics = request.headers().iter().any(|h| {
                    h.field.equiv("Accept")
                        && h.value.as_str().contains("application/openmetrics-text")
                });
                match metrics::render(&registry, openmetrics) {
                    Ok((text, content_type)) => text_response(200, text, content_type),
                    Err(_) => text_response(500, "encoding failed\n".into(), "text/plain"),
                }
            }
            (tiny_http::Method::Get, "/healthz") => {
                if healthy(&snapshots) {
                    text_response(200, "ok\n".into(), "text/plain")
                } else {
                    text_response(503, "a poller is stuck\n".into(), "text/plain")
                }
            }
            (tiny_http::Method::Get, "/") => text_response(
                200,
                format!(
                    "msr-lens exporter, up {} s: /metrics, /healthz\n",
                    started.elapsed().as_secs()
                ),
                "text/plain",
            ),
            _ => text_response(404, "not found\n".into(), "text/plain"),
        };
        let _ = request.respond(response);
    }
    Ok(0)
}

fn text_response(
    status: u16,
    body: String,
    content_type: &str,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let mut response = tiny_http::Response::from_data(body.into_bytes()).with_status_code(status);
    if let Ok(header) = tiny_http::Header::from_bytes(&b"Content-Type"[..], content_type.as_bytes())
    {
        response.add_header(header);
    }
    response
}
