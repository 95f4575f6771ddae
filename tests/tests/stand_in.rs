//! The stand-in itself, as a client of the stack sees it: its secret files are private,
//! MSR's settings lead to every replica through nginx, and msr-sim's admin port refuses
//! what a web page could send it (issue 14 items 9 and 10, issue 15 item 6).

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use msr_lens_tests::Stack;
use serde_json::Value;

fn state_dir(stack: &Stack) -> PathBuf {
    PathBuf::from(stack.json["state_dir"].as_str().expect("state_dir"))
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn stand_in_secrets_are_readable_by_their_owner_only() {
    let stack = Stack::load();
    let dir = state_dir(&stack);
    for file in [
        "settings.json",
        "sim.json",
        "stack.json",
        "tls/ca.key",
        "tls/server.key",
        "auth/token-signer.key",
    ] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    for folder in ["tls", "auth"] {
        assert_eq!(mode(&dir.join(folder)), 0o700, "{folder}");
    }
}

/// `(status, body)` of a GET through curl with the stack's CA.
fn curl(stack: &Stack, extra: &[&str], url: &str) -> (u16, String) {
    let out = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "30",
            "-w",
            "\n%{http_code}",
            "--cacert",
        ])
        .arg(stack.json["ca_file"].as_str().expect("ca_file"))
        .args(extra)
        .arg(url)
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

#[test]
fn settings_lead_to_every_replica_through_nginx_on_https_and_http() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let token = stack.json["users"]["admin"]["token"]
        .as_str()
        .expect("token");
    let origin = stack.json["origin"].as_str().expect("origin");
    let (code, body) = curl(
        &stack,
        &["-u", &format!("admin:{token}")],
        &format!("{origin}/api/v0/meta/settings"),
    );
    assert_eq!(code, 200, "{body}");
    let settings: Value = serde_json::from_str(&body).expect("settings JSON");
    let ids: Vec<String> = stack.admin_get("/state")["replica_ids"]
        .as_array()
        .expect("replica_ids")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(settings["replicaID"], ids[0].as_str());
    assert_eq!(settings["dtrHost"], stack.registry_host.as_str());
    let replicas = settings["replicaSettings"]
        .as_object()
        .expect("replicaSettings");
    assert_eq!(replicas.len(), ids.len());
    stack.take_requests();
    for (index, id) in ids.iter().enumerate() {
        let r = &replicas[id];
        let node = r["node"].as_str().expect("node");
        for url in [
            format!("https://{node}:{}/_ping", r["HTTPSPort"]),
            format!("http://{node}:{}/_ping", r["HTTPPort"]),
        ] {
            let (code, body) = curl(&stack, &[], &url);
            assert_eq!(code, 200, "{url}: {body}");
            assert_eq!(body, r#"{"Error":"","Healthy":true}"#, "{url}");
        }
        // Each ping reached msr-sim as that replica.
        let log = stack.take_requests();
        let replicas_seen: Vec<&str> = log
            .iter()
            .filter(|e| e["path"] == "/_ping")
            .filter_map(|e| e["replica"].as_str())
            .collect();
        assert_eq!(replicas_seen, vec![index.to_string(); 2], "{id}");
    }
}

/// A raw HTTP/1.1 request to msr-sim's admin port; returns the status.
fn raw(addr: &str, head: &str, body: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).expect("admin port");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let request = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_admin_port_refuses_a_foreign_host_plain_text_and_no_token() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let base = stack.json["sim_admin"].as_str().expect("sim_admin");
    let rest = base.strip_prefix("http://").expect("http URL");
    let (addr, prefix) = rest.split_once('/').expect("the admin URL carries a token");
    let state = format!("/{prefix}/state");
    let ok = format!("Host: {addr}");
    assert_eq!(raw(addr, &format!("GET {state} HTTP/1.1\r\n{ok}"), ""), 200);
    assert_eq!(raw(addr, &format!("GET /state HTTP/1.1\r\n{ok}"), ""), 403);
    let port = addr.rsplit_once(':').expect("port").1;
    assert_eq!(
        raw(
            addr,
            &format!("GET {state} HTTP/1.1\r\nHost: rebound.example:{port}"),
            ""
        ),
        403
    );
    let patch = r#"{"latency_ms":3000}"#;
    for ct in ["text/plain", "application/x-www-form-urlencoded"] {
        assert_eq!(
            raw(
                addr,
                &format!("POST /{prefix}/scenario HTTP/1.1\r\n{ok}\r\nContent-Type: {ct}"),
                patch
            ),
            415,
            "{ct}"
        );
    }
    assert_eq!(
        raw(addr, &format!("POST /{prefix}/reset HTTP/1.1\r\n{ok}"), ""),
        415,
        "a POST without a content type"
    );
    assert_eq!(
        stack.admin_get("/state")["scenario"]["latency_ms"],
        0,
        "nothing changed"
    );
}
