//! Smoke tests of the local MSR stand-in: nginx's `/nginx_status`, each replica's `/_ping`
//! through nginx, and the token flow into the real notary-server's global changefeed.
//!
//! They assume a running, seeded stack (`cargo xtask stack up && cargo xtask stack seed`;
//! `cargo xtask test` does both) and read `.stack/stack.json` (or `$MSR_LENS_STACK_DIR`).

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// `stack.json` of the running stack; panics with the command to run when it is absent.
fn stack() -> Value {
    // Like xtask: `$MSR_LENS_STACK_DIR` (relative to the repository root) or `<repo>/.stack`.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = match std::env::var_os("MSR_LENS_STACK_DIR") {
        Some(dir) => root.join(dir),
        None => root.join(".stack"),
    };
    let path = dir.join("stack.json");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; the stack is not up: run `cargo xtask stack up` \
             (and `cargo xtask stack seed`) first",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A string field of stack.json by JSON pointer.
fn field(stack: &Value, pointer: &str) -> String {
    stack
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("stack.json has no string at {pointer}"))
        .to_owned()
}

/// `curl` a URL with the stack's CA; returns (status, headers, body).
fn get(stack: &Value, url: &str, extra: &[&str]) -> (u16, String, String) {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "30", "-D", "-", "-w", "\n%{http_code}"])
        .arg("--cacert")
        .arg(field(stack, "/ca_file"))
        .args(extra)
        .arg(url)
        .output()
        .unwrap_or_else(|e| panic!("cannot run curl: {e}"));
    assert!(
        out.status.success(),
        "curl {url} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (rest, code) = text.rsplit_once('\n').unwrap_or(("", ""));
    let code = code
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no status code from curl {url}"));
    let (headers, body) = rest.split_once("\r\n\r\n").unwrap_or((rest, ""));
    (code, headers.to_owned(), body.to_owned())
}

/// The six numbers of a stub_status page: active, accepts, handled, requests, reading,
/// writing (waiting is ignored). Parsed by tokens, not by exact bytes.
fn stub_numbers(body: &str) -> [u64; 6] {
    let numbers: Vec<u64> = body
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 7, "unexpected stub_status page: {body:?}");
    let mut out = [0; 6];
    for (slot, n) in out.iter_mut().zip(&numbers) {
        *slot = *n;
    }
    out
}

#[test]
fn nginx_status_counters_move_with_requests() {
    let stack = stack();
    let url = format!("{}/nginx_status", field(&stack, "/origin"));
    let (code, _, first) = get(&stack, &url, &[]);
    assert_eq!(code, 200, "{url}: {first}");
    assert!(first.starts_with("Active connections:"), "{first:?}");
    let [active, accepts, handled, requests, ..] = stub_numbers(&first);
    assert!(active >= 1, "our own connection is active");
    assert!(
        accepts >= handled && handled >= 1,
        "accepts {accepts} handled {handled}"
    );
    // (requests may lag behind handled: a connection can close before any request.)
    assert!(requests >= 1, "this very request is counted");
    let (_, _, second) = get(&stack, &url, &[]);
    let [_, accepts2, _, requests2, ..] = stub_numbers(&second);
    assert!(accepts2 > accepts, "a new connection was accepted");
    assert!(
        requests2 > requests,
        "requests moved from {requests} to {requests2}"
    );
}

#[test]
fn each_replica_answers_ping_through_nginx() {
    let stack = stack();
    let replicas = stack
        .get("replica_origins")
        .and_then(Value::as_array)
        .expect("stack.json has replica_origins");
    assert_eq!(replicas.len(), 3);
    for replica in replicas {
        let origin = replica.as_str().expect("replica origin is a string");
        let (code, _, body) = get(&stack, &format!("{origin}/_ping"), &[]);
        assert_eq!(code, 200, "{origin}/_ping: {body}");
        let ping: Value = serde_json::from_str(&body).expect("/_ping body is JSON");
        assert_eq!(ping.get("Healthy"), Some(&Value::Bool(true)), "{body}");
        assert_eq!(
            ping.get("Error").and_then(Value::as_str),
            Some(""),
            "{body}"
        );
        let (code, _, _) = get(&stack, &format!("{origin}/api/v0/meta/cluster_status"), &[]);
        assert_eq!(code, 404, "a replica origin serves only /_ping");
    }
}

#[test]
fn admin_token_opens_the_global_changefeed() {
    let stack = stack();
    let origin = field(&stack, "/origin");
    let feed = format!("{origin}/v2/_trust/changefeed?change_id=-1&records=-5");

    // Without a token notary challenges with the realm of the stack's token service.
    let (code, headers, _) = get(&stack, &feed, &[]);
    assert_eq!(code, 401);
    let challenge = headers
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("www-authenticate:"))
        .unwrap_or_else(|| panic!("no challenge in {headers}"));
    assert!(
        challenge.contains(&format!("realm=\"{origin}/auth/token\"")),
        "{challenge}"
    );

    let user = format!("admin:{}", field(&stack, "/users/admin/password"));
    let (code, _, body) = get(
        &stack,
        &format!("{origin}/auth/token?service=dtr&scope=registry:catalog:*"),
        &["-u", &user],
    );
    assert_eq!(code, 200, "token: {body}");
    let token: Value = serde_json::from_str(&body).expect("token response is JSON");
    let jwt = token
        .get("token")
        .and_then(Value::as_str)
        .expect("token response has a token");
    assert_eq!(jwt.split('.').count(), 3, "a JWT has three parts");

    let (code, _, body) = get(
        &stack,
        &feed,
        &["-H", &format!("Authorization: Bearer {jwt}")],
    );
    assert_eq!(code, 200, "changefeed: {body}");
    let page: Value = serde_json::from_str(&body).expect("changefeed body is JSON");
    let records = page
        .get("records")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    assert!(
        !records.is_empty(),
        "the changefeed is empty: run `cargo xtask stack seed`"
    );
    assert!(records.len() <= 5);
    assert_eq!(
        page.get("count").and_then(Value::as_u64),
        Some(records.len() as u64)
    );
    let prefix = format!("{}/", field(&stack, "/registry_host"));
    for record in &records {
        let gun = record.get("GUN").and_then(Value::as_str).unwrap_or("");
        assert!(
            gun.starts_with(&prefix),
            "GUN {gun:?} is not under {prefix}"
        );
        let category = record.get("Category").and_then(Value::as_str);
        assert!(matches!(category, Some("update" | "deletion")), "{record}");
        assert!(
            record.get("ID").and_then(Value::as_str).is_some(),
            "{record}"
        );
    }
}
