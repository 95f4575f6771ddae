//! Listeners: the accept loop, the public service (request log and faults around the
//! router) and the loopback-only admin service.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use futures_util::StreamExt as _;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower::ServiceExt as _;

use crate::app::{LoggedRequest, REPLICA_HEADER, REQUEST_LOG_CAP, Shared, lock};
use crate::scenario::{FaultKind, FaultSpec};
use crate::util::{self, JSON, bytes_response, errors_body, json_response};

/// Returned by the public service to make hyper drop the connection without a response.
#[derive(Debug, thiserror::Error)]
#[error("connection reset by fault")]
pub struct ResetFault;

/// Accept connections forever, serving each with HTTP/1.1.
pub fn spawn_accept_loop<F, Fut, E>(
    listener: TcpListener,
    title_case: bool,
    handle: F,
) -> JoinHandle<()>
where
    F: Fn(SocketAddr, http::Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Response<Body>, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    tokio::spawn(async move {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("msr-sim: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let handle = handle.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| handle.clone()(peer, req));
                let mut builder = http1::Builder::new();
                builder.title_case_headers(title_case);
                // Errors here are client disconnects and deliberate resets.
                let _ = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

fn auth_scheme(headers: &http::HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?;
    let text = value.to_str().unwrap_or("");
    let scheme = text.split_whitespace().next().unwrap_or("");
    let has_credential = text.split_whitespace().nth(1).is_some();
    let known = ["Basic", "Bearer", "Digest", "Negotiate", "NTLM", "Token"];
    Some(
        known
            .iter()
            .find(|k| has_credential && k.eq_ignore_ascii_case(scheme))
            .map_or_else(|| "other".to_owned(), |k| (*k).to_owned()),
    )
}

fn log_request(state: &Shared, req: &http::Request<Incoming>) -> u64 {
    let seq = state
        .next_seq
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let entry = LoggedRequest {
        seq,
        time: util::rfc3339_nano(util::now()),
        method: req.method().to_string(),
        path: req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned()),
        replica: req
            .headers()
            .get(REPLICA_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        authorization: req.headers().contains_key(header::AUTHORIZATION),
        auth_scheme: auth_scheme(req.headers()),
        cookie: req.headers().contains_key(header::COOKIE),
        status: None,
        fault: None,
    };
    let mut log = lock(&state.requests);
    if log.len() >= REQUEST_LOG_CAP {
        log.pop_front();
    }
    log.push_back(entry);
    seq
}

/// Whether `MSR_SIM_LOG=requests` asks for one stderr line per public request.
fn log_to_stderr() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var("MSR_SIM_LOG").is_ok_and(|v| v.contains("requests")))
}

fn finish_log(state: &Shared, seq: u64, status: Option<u16>, fault: Option<FaultKind>) {
    let mut log = lock(&state.requests);
    if let Some(entry) = log.iter_mut().rev().find(|e| e.seq == seq) {
        entry.status = status;
        entry.fault = fault.map(|k| {
            serde_json::to_value(k)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        });
        if log_to_stderr() {
            eprintln!(
                "msr-sim: {} {} -> {} auth={} fault={}",
                entry.method,
                entry.path,
                status.map_or_else(|| "reset".to_owned(), |s| s.to_string()),
                entry.auth_scheme.as_deref().unwrap_or("-"),
                entry.fault.as_deref().unwrap_or("-"),
            );
        }
    }
}

const LOGIN_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body><h1>Sign in to continue</h1>\n<form method=\"post\" action=\"/login\"><input name=\"username\"><input name=\"password\" type=\"password\"><button>Sign in</button></form>\n</body></html>\n";

fn status_fault_response(spec: &FaultSpec) -> Response<Body> {
    let status = spec
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    if let Some(body) = &spec.body {
        let ct = spec
            .content_type
            .as_deref()
            .unwrap_or("text/plain; charset=utf-8");
        return bytes_response(status, ct, body.clone());
    }
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return json_response(
            status,
            JSON,
            &errors_body("UNKNOWN", "unknown error", serde_json::json!({})),
        );
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    let html = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    bytes_response(status, "text/html", html)
}

/// Make a JSON body invalid: the first `:` becomes `;` (or `}}` is appended).
pub fn corrupt_json(body: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    match out.iter().position(|b| *b == b':') {
        Some(i) => {
            if let Some(b) = out.get_mut(i) {
                *b = b';';
            }
        }
        None => out.extend_from_slice(b"}}"),
    }
    out
}

async fn collect(resp: Response<Body>) -> (http::response::Parts, Bytes) {
    let (parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default();
    (parts, bytes)
}

fn with_body(mut parts: http::response::Parts, body: Vec<u8>) -> Response<Body> {
    parts.headers.remove(header::TRANSFER_ENCODING);
    if let Ok(v) = HeaderValue::from_str(&body.len().to_string()) {
        parts.headers.insert(header::CONTENT_LENGTH, v);
    }
    Response::from_parts(parts, Body::from(body))
}

/// Serve one public request: log it, apply latency and faults, route it.
pub async fn handle_public(
    state: Shared,
    router: Router,
    req: http::Request<Incoming>,
) -> Result<Response<Body>, ResetFault> {
    let seq = log_request(&state, &req);
    let replica = req
        .headers()
        .get(REPLICA_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    let decision = lock(&state.faults).decide(req.uri().path(), replica);
    let latency = lock(&state.scenario)
        .latency_ms
        .saturating_add(decision.latency_ms);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let req = req.map(Body::new);
    let kind = decision.terminal.as_ref().map(|t| t.kind);
    let route = |req| async {
        match router.oneshot(req).await {
            Ok(resp) => resp,
            Err(infallible) => match infallible {},
        }
    };
    let response = match decision.terminal {
        None => route(req).await,
        Some(spec) => match spec.kind {
            FaultKind::Reset if !spec.after_headers => {
                finish_log(&state, seq, None, kind);
                return Err(ResetFault);
            }
            FaultKind::Reset => {
                let (parts, bytes) = collect(route(req).await).await;
                let half = bytes.slice(..bytes.len() / 2);
                let full_len = bytes.len().max(1);
                let mut resp = with_body(parts, Vec::new());
                if let Ok(v) = HeaderValue::from_str(&full_len.to_string()) {
                    resp.headers_mut().insert(header::CONTENT_LENGTH, v);
                }
                // Let hyper flush the head and the first half before the body fails.
                let first =
                    futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(half) });
                let fail = futures_util::stream::once(async {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "fault",
                    ))
                });
                let stream = first.chain(fail);
                let (parts, _) = resp.into_parts();
                finish_log(&state, seq, Some(parts.status.as_u16()), kind);
                return Ok(Response::from_parts(parts, Body::from_stream(stream)));
            }
            FaultKind::Status => status_fault_response(&spec),
            FaultKind::HtmlLogin => {
                bytes_response(StatusCode::OK, "text/html; charset=utf-8", LOGIN_PAGE)
            }
            FaultKind::TruncatedJson => {
                let (parts, bytes) = collect(route(req).await).await;
                let cut = bytes.len() / 2;
                with_body(parts, bytes.get(..cut).unwrap_or_default().to_vec())
            }
            FaultKind::MalformedJson => {
                let (parts, bytes) = collect(route(req).await).await;
                with_body(parts, corrupt_json(&bytes))
            }
            FaultKind::Latency => route(req).await,
        },
    };
    finish_log(&state, seq, Some(response.status().as_u16()), kind);
    Ok(response)
}

/// Whether a peer may use the admin API: 127.0.0.0/8, `::1` and IPv4-mapped loopback.
pub fn is_loopback_peer(peer: SocketAddr) -> bool {
    match peer.ip() {
        std::net::IpAddr::V4(v4) => v4.is_loopback(),
        std::net::IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or(v6.is_loopback(), |v4| v4.is_loopback()),
    }
}

/// What the admin port demands of a request besides a loopback peer (issue 14 item 9):
/// a loopback `Host` (DNS rebinding), `Content-Type: application/json` on anything but
/// GET/HEAD (a web page can POST `text/plain` cross-site without a preflight), and, when
/// configured, the token as the first path segment.
#[derive(Clone)]
pub struct AdminGuard {
    /// The admin listener's port (`Host` must name it, or no port).
    pub port: u16,
    /// The token every route but `GET /healthz` is nested under.
    pub token: Option<String>,
}

impl std::fmt::Debug for AdminGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminGuard")
            .field("port", &self.port)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Whether `host` (a `Host` header value) names this machine's loopback interface:
/// `127.0.0.1`, `localhost` or `[::1]`, with `port` or without a port.
pub fn is_loopback_host(host: &str, port: u16) -> bool {
    let (name, host_port) = match host.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((name, "")) => (name, None),
            Some((name, rest)) => match rest.strip_prefix(':') {
                Some(p) => (name, Some(p)),
                None => return false,
            },
            None => return false,
        },
        None => match host.split_once(':') {
            Some((name, p)) => (name, Some(p)),
            None => (host, None),
        },
    };
    let port_ok = host_port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p == port));
    port_ok && (name == "127.0.0.1" || name == "::1" || name.eq_ignore_ascii_case("localhost"))
}

fn refuse(status: StatusCode, message: &str) -> Response<Body> {
    json_response(status, JSON, &serde_json::json!({"error": message}))
}

impl AdminGuard {
    /// Check one request; `Ok` carries the path and query to route (the token removed).
    pub fn check(
        &self,
        method: &http::Method,
        headers: &http::HeaderMap,
        uri: &http::Uri,
    ) -> Result<String, Box<Response<Body>>> {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| uri.authority().map(http::uri::Authority::as_str));
        if !host.is_some_and(|h| is_loopback_host(h, self.port)) {
            return Err(Box::new(refuse(
                StatusCode::FORBIDDEN,
                "msr-sim admin API: the Host must be 127.0.0.1, localhost or [::1] (with the admin port)",
            )));
        }
        let path = uri.path();
        let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
        let open =
            path == "/healthz" && (method == http::Method::GET || method == http::Method::HEAD);
        let routed = match &self.token {
            Some(token) if !open => {
                let rest = path.strip_prefix('/').unwrap_or(path);
                let (segment, tail) = rest.split_once('/').map_or((rest, ""), |(s, t)| (s, t));
                if !bool::from(subtle::ConstantTimeEq::ct_eq(
                    segment.as_bytes(),
                    token.as_bytes(),
                )) {
                    return Err(Box::new(refuse(
                        StatusCode::FORBIDDEN,
                        "msr-sim admin API: missing or wrong token (use the sim_admin URL from stack.json)",
                    )));
                }
                format!("/{tail}{query}")
            }
            _ => format!("{path}{query}"),
        };
        if method != http::Method::GET && method != http::Method::HEAD {
            let json = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
            if !json {
                return Err(Box::new(refuse(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "msr-sim admin API: send Content-Type: application/json",
                )));
            }
        }
        Ok(routed)
    }
}

/// Serve one admin request: loopback peers only, then [`AdminGuard::check`].
pub async fn handle_admin(
    router: Router,
    guard: AdminGuard,
    peer: SocketAddr,
    req: http::Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    if !is_loopback_peer(peer) {
        return Ok(bytes_response(
            StatusCode::FORBIDDEN,
            "text/plain; charset=utf-8",
            "msr-sim admin API: loopback peers only\n",
        ));
    }
    let routed = match guard.check(req.method(), req.headers(), req.uri()) {
        Ok(path) => path,
        Err(resp) => return Ok(*resp),
    };
    let mut req = req.map(Body::new);
    match routed.parse::<http::Uri>() {
        Ok(uri) => *req.uri_mut() = uri,
        Err(_) => {
            return Ok(refuse(
                StatusCode::BAD_REQUEST,
                "msr-sim admin API: bad path",
            ));
        }
    }
    router.oneshot(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_peers_reach_the_admin_api() {
        for ok in [
            "127.0.0.1:1",
            "127.8.9.10:1",
            "[::1]:1",
            "[::ffff:127.0.0.1]:1",
        ] {
            assert!(is_loopback_peer(ok.parse().unwrap()), "{ok}");
        }
        for bad in [
            "10.0.0.1:1",
            "192.168.1.2:1",
            "[::ffff:10.0.0.1]:1",
            "[fe80::1]:1",
            "0.0.0.0:1",
        ] {
            assert!(!is_loopback_peer(bad.parse().unwrap()), "{bad}");
        }
    }

    #[test]
    fn only_loopback_hosts_with_the_admin_port() {
        for ok in [
            "127.0.0.1:8454",
            "127.0.0.1",
            "localhost:8454",
            "LocalHost:8454",
            "[::1]:8454",
            "[::1]",
        ] {
            assert!(is_loopback_host(ok, 8454), "{ok}");
        }
        for bad in [
            "evil.example:8454",
            "127.0.0.1:8455",
            "127.0.0.1.evil.example:8454",
            "localhost.:8454",
            "[::1]:80",
            "[::1",
            "127.0.0.2:8454",
            "0.0.0.0:8454",
            "127.0.0.1:8454:8454",
            "",
        ] {
            assert!(!is_loopback_host(bad, 8454), "{bad}");
        }
    }

    #[test]
    fn guard_checks_host_token_and_content_type() {
        let guard = AdminGuard {
            port: 8454,
            token: Some("t0ken-t0ken-t0ken".into()),
        };
        let headers = |host: &str, ct: Option<&str>| {
            let mut h = http::HeaderMap::new();
            h.insert(header::HOST, host.parse().unwrap());
            if let Some(ct) = ct {
                h.insert(header::CONTENT_TYPE, ct.parse().unwrap());
            }
            h
        };
        let get = http::Method::GET;
        let post = http::Method::POST;
        let ok = headers("127.0.0.1:8454", None);
        let json = headers("127.0.0.1:8454", Some("application/json; charset=utf-8"));
        let uri = |p: &str| p.parse::<http::Uri>().unwrap();
        assert_eq!(
            guard.check(&get, &ok, &uri("/healthz")).unwrap(),
            "/healthz"
        );
        assert_eq!(
            guard
                .check(&get, &ok, &uri("/t0ken-t0ken-t0ken/requests?clear=1"))
                .unwrap(),
            "/requests?clear=1"
        );
        assert_eq!(
            guard.check(&get, &ok, &uri("/t0ken-t0ken-t0ken")).unwrap(),
            "/"
        );
        let status = |r: Result<String, Box<Response<Body>>>| r.err().map(|r| r.status());
        assert_eq!(
            status(guard.check(&get, &ok, &uri("/state"))),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            status(guard.check(&get, &ok, &uri("/t0ken-t0ken-t0kex/state"))),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            status(guard.check(
                &get,
                &headers("rebind.example:8454", None),
                &uri("/healthz")
            )),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            status(guard.check(&post, &ok, &uri("/t0ken-t0ken-t0ken/reset"))),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
        assert_eq!(
            status(guard.check(
                &post,
                &headers("127.0.0.1:8454", Some("text/plain")),
                &uri("/t0ken-t0ken-t0ken/reset")
            )),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
        assert_eq!(
            guard
                .check(&post, &json, &uri("/t0ken-t0ken-t0ken/reset"))
                .unwrap(),
            "/reset"
        );
    }

    #[test]
    fn corrupt_json_breaks_parsing() {
        let body = br#"{"a":1}"#;
        assert!(serde_json::from_slice::<serde_json::Value>(&corrupt_json(body)).is_err());
        assert!(serde_json::from_slice::<serde_json::Value>(&corrupt_json(b"[1]")).is_err());
    }
}
