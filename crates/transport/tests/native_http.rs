//! The native HTTP client against a tiny loopback server that misbehaves on purpose.

#![cfg(not(target_arch = "wasm32"))]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use msr_lens_transport::TransportError;
use msr_lens_transport::native::{HttpClient, HttpConfig};

/// Serve one connection with `respond`, on a fresh loopback port.
fn serve_once(respond: impl FnOnce(TcpStream) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let mut seen = Vec::new();
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            respond(stream);
        }
    });
    format!("http://{addr}")
}

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).unwrap()
}

fn client(timeout_ms: u64, max: usize) -> HttpClient {
    HttpClient::new(HttpConfig {
        timeout: Duration::from_millis(timeout_ms),
        max_body_bytes: max,
        ca_pem: None,
    })
    .unwrap()
}

#[test]
fn error_statuses_are_responses_not_errors() {
    let base = serve_once(|mut s| {
        let body = r#"{"errors":[{"code":"UNKNOWN","message":"boom"}]}"#;
        let _ = write!(
            s,
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
    });
    let resp = client(5000, 1024)
        .execute(get(&format!("{base}/_ping")))
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert!(resp.body().starts_with(b"{\"errors\""));
}

#[test]
fn redirects_are_not_followed() {
    let base = serve_once(|mut s| {
        let _ = s.write_all(
            b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/login\r\nContent-Length: 0\r\n\r\n",
        );
    });
    let resp = client(5000, 1024)
        .execute(get(&format!("{base}/_ping")))
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], "http://127.0.0.1:9/login");
}

#[test]
fn oversized_bodies_are_refused() {
    let base = serve_once(|mut s| {
        let body = vec![b'x'; 5000];
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(&body);
    });
    let err = client(5000, 1000)
        .execute(get(&format!("{base}/big")))
        .unwrap_err();
    assert_eq!(err, TransportError::TooLarge { limit: 1000 });
    assert_eq!(err.kind(), "tooLarge");
}

#[test]
fn a_silent_server_times_out() {
    let base = serve_once(|s| {
        thread::sleep(Duration::from_millis(1500));
        drop(s);
    });
    let err = client(200, 1000)
        .execute(get(&format!("{base}/slow")))
        .unwrap_err();
    assert!(
        matches!(err, TransportError::Timeout { millis: 200 }),
        "{err:?}"
    );
}

#[test]
fn a_reset_or_truncated_response_is_a_network_error() {
    let base = serve_once(|mut s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"count\":");
        drop(s);
    });
    let err = client(5000, 1000)
        .execute(get(&format!("{base}/cut")))
        .unwrap_err();
    assert_eq!(err.kind(), "network", "{err:?}");
    let base = serve_once(drop);
    let err = client(5000, 1000)
        .execute(get(&format!("{base}/reset")))
        .unwrap_err();
    assert_eq!(err.kind(), "network", "{err:?}");
}

#[test]
fn refused_connections_and_bad_ca_files() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = client(2000, 1000)
        .execute(get(&format!("http://{addr}/")))
        .unwrap_err();
    assert!(matches!(err, TransportError::Connect(_)), "{err:?}");
    let err = HttpClient::new(HttpConfig {
        ca_pem: Some(b"not a pem".to_vec()),
        ..HttpConfig::default()
    })
    .unwrap_err();
    assert_eq!(err.kind(), "tls");
}

#[test]
fn method_headers_and_body_cross_the_edge_both_ways() {
    use std::sync::mpsc;
    let (seen_tx, seen_rx) = mpsc::channel();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let mut seen = Vec::new();
            // Head plus the 2-byte body.
            while seen
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .is_none_or(|i| seen.len() < i + 6)
            {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let _ = seen_tx.send(String::from_utf8_lossy(&seen).into_owned());
            let _ = stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"a\"\r\nwww-authenticate: Bearer realm=\"b\"\r\nX-Odd: caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n",
            );
        }
    });
    let mut authorization = http::HeaderValue::from_static("Basic c2VjcmV0");
    authorization.set_sensitive(true);
    let mut request = http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}/api/v0/x?a=1&b=%2F"))
        .header("content-type", "application/json")
        .body(b"{}".to_vec())
        .unwrap();
    request
        .headers_mut()
        .insert(http::header::AUTHORIZATION, authorization);
    let response = client(5000, 1000).execute(request).unwrap();

    let seen = seen_rx.recv().unwrap().to_ascii_lowercase();
    assert!(
        seen.starts_with("post /api/v0/x?a=1&b=%2f http/1.1\r\n"),
        "{seen}"
    );
    assert!(
        seen.contains("\r\nauthorization: basic c2vjcmv0\r\n"),
        "{seen}"
    );
    assert!(
        seen.contains("\r\ncontent-type: application/json\r\n"),
        "{seen}"
    );
    assert!(seen.ends_with("\r\n\r\n{}"), "{seen}");

    assert_eq!(response.status(), 401);
    let challenges: Vec<_> = response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(challenges, ["Basic realm=\"a\"", "Bearer realm=\"b\""]);
    assert_eq!(response.headers()["x-odd"].as_bytes(), "café".as_bytes());
}
