//! Against the real notary-server (memory storage, token auth with this test's signer
//! certificate as `rootcertbundle`): it accepts the tokens msr-sim issues, and msr-sim's
//! own RethinkDB-mode checks reach the same verdicts as notary's on crafted tokens.
//! Skipped, with the reason printed, when `notary-server` is not installed.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use http::StatusCode;
use msr_lens_sim::token::{Claims, ResourceActions};
use serde_json::json;

use super::*;

pub(crate) const NOTARY: &str = "/usr/bin/notary-server";

pub(crate) struct Notary {
    child: Child,
    pub(crate) url: String,
    dir: PathBuf,
}

impl Drop for Notary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn healthy(url: &str) -> bool {
    let client: hyper_util::client::legacy::Client<_, http_body_util::Empty<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(hyper_util::client::legacy::connect::HttpConnector::new());
    let Ok(uri) = format!("{url}/_notary_server/health").parse() else {
        return false;
    };
    matches!(client.get(uri).await, Ok(r) if r.status() == StatusCode::OK)
}

/// Start notary-server (memory storage) on a free port.
async fn start_notary(cert: &Path) -> Option<Notary> {
    start_notary_with(cert, json!({"backend": "memory"})).await
}

/// Start notary-server with this `storage` section on a free port; a few attempts in case
/// the port is taken meanwhile.
pub(crate) async fn start_notary_with(cert: &Path, storage: serde_json::Value) -> Option<Notary> {
    for attempt in 0..3 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let dir =
            std::env::temp_dir().join(format!("msr-sim-notary-{}-{attempt}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let config = json!({
            "server": {"http_addr": format!("127.0.0.1:{port}")},
            "trust_service": {"type": "local"},
            "storage": storage.clone(),
            "logging": {"level": "error"},
            "auth": {"type": "token", "options": {
                "realm": "https://127.0.0.1:8443/auth/token",
                "service": "dtr",
                "issuer": "msr-lens-sim",
                "rootcertbundle": cert,
            }},
        });
        let path = dir.join("server-config.json");
        std::fs::write(&path, config.to_string()).ok()?;
        let child = Command::new(NOTARY)
            .arg("-config")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut notary = Notary {
            child,
            url: format!("http://127.0.0.1:{port}"),
            dir,
        };
        // Readiness: notary starts in tens of milliseconds; poll for up to 10 s.
        for _ in 0..200 {
            if healthy(&notary.url).await {
                return Some(notary);
            }
            if let Ok(Some(_)) = notary.child.try_wait() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = notary.child.kill();
    }
    None
}

/// `"ok"` for anything but a 401, else the challenge's `error=` value (or `"required"`).
fn verdict(r: &Resp) -> String {
    if r.status != StatusCode::UNAUTHORIZED {
        return "ok".into();
    }
    let challenge = r.header("www-authenticate").unwrap_or("");
    challenge
        .split(",error=")
        .nth(1)
        .map_or_else(|| "required".to_owned(), |e| e.trim_matches('"').to_owned())
}

#[tokio::test]
async fn real_notary_accepts_sim_tokens_and_agrees_with_rethink_mode() {
    if !Path::new(NOTARY).exists() {
        eprintln!("skipped: {NOTARY} is not installed (apt-get install notary)");
        return;
    }
    for key in ["ec", "rsa"] {
        let cfg = config(key);
        let Some(notary) = start_notary(&cfg.token_cert).await else {
            panic!("notary-server is installed but did not start");
        };
        let mut cfg = cfg;
        cfg.notary_upstream = Some(notary.url.clone());
        let sim = start(cfg).await;
        let gun = "127.0.0.1:8443/library/wordpress";
        let global = "/v2/_trust/changefeed?change_id=0&records=10";
        let per_gun = format!("/v2/{gun}/_trust/changefeed?change_id=0&records=10");

        // Through the pass-through: admin catalog token opens the global feed.
        let admin = sim
            .jwt(Some(("admin", "admin-password")), &["registry:catalog:*"])
            .await;
        let r = sim
            .get(global, &[("authorization", &format!("Bearer {admin}"))])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{key}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
        assert_eq!(r.json()["count"], 0);

        // The pull user opens the per-GUN feed but not the global one.
        let dev = sim
            .jwt(
                Some(("dev", "dev-token-1234")),
                &[&format!("repository:{gun}:pull"), "registry:catalog:*"],
            )
            .await;
        let r = sim
            .get(&per_gun, &[("authorization", &format!("Bearer {dev}"))])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = sim
            .get(global, &[("authorization", &format!("Bearer {dev}"))])
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.header("www-authenticate"),
            Some(
                "Bearer realm=\"https://127.0.0.1:8443/auth/token\",service=\"dtr\",scope=\"registry:catalog:*\",error=\"insufficient_scope\""
            )
        );

        // Crafted tokens: notary (pass-through) and msr-sim (RethinkDB mode) agree.
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let signer = &sim.running.state.signer;
        let claims =
            |iss: &str, aud: &str, exp: i64, nbf: i64, access: Vec<ResourceActions>| Claims {
                iss: iss.into(),
                sub: "admin".into(),
                aud: aud.into(),
                exp,
                nbf,
                iat: now,
                jti: "crafted".into(),
                access,
            };
        let catalog = |action: &str| {
            vec![ResourceActions {
                kind: "registry".into(),
                name: "catalog".into(),
                actions: vec![action.into()],
            }]
        };
        let cases = [
            (
                "valid",
                claims("msr-lens-sim", "dtr", now + 300, now, catalog("*")),
                "ok",
            ),
            (
                "within leeway",
                claims("msr-lens-sim", "dtr", now - 20, now - 320, catalog("*")),
                "ok",
            ),
            (
                "expired",
                claims("msr-lens-sim", "dtr", now - 200, now - 500, catalog("*")),
                "invalid_token",
            ),
            (
                "not yet",
                claims("msr-lens-sim", "dtr", now + 900, now + 600, catalog("*")),
                "invalid_token",
            ),
            (
                "issuer",
                claims("someone-else", "dtr", now + 300, now, catalog("*")),
                "invalid_token",
            ),
            (
                "audience",
                claims("msr-lens-sim", "notary", now + 300, now, catalog("*")),
                "invalid_token",
            ),
            (
                "catalog pull",
                claims("msr-lens-sim", "dtr", now + 300, now, catalog("pull")),
                "insufficient_scope",
            ),
            (
                "no access",
                claims("msr-lens-sim", "dtr", now + 300, now, vec![]),
                "insufficient_scope",
            ),
        ];
        let mut tokens: Vec<(String, String, &str)> = cases
            .iter()
            .map(|(name, c, want)| ((*name).to_owned(), signer.sign(c).expect("sign"), *want))
            .collect();
        tokens.push(("garbage".into(), "not-a-token".into(), "invalid_token"));
        // An array audience: notary rejects it.
        let array_aud = {
            let mut v =
                serde_json::to_value(claims("msr-lens-sim", "dtr", now + 300, now, catalog("*")))
                    .unwrap();
            v["aud"] = json!(["dtr"]);
            let mut header = jsonwebtoken::Header::new(signer.algorithm());
            header.x5c = Some(vec![signer.x5c().to_owned()]);
            let key_file = if key == "rsa" {
                "rsa-signer.key"
            } else {
                "ec-signer.key"
            };
            let pem = std::fs::read(fixture(key_file)).unwrap();
            let enc = if key == "rsa" {
                jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap()
            } else {
                jsonwebtoken::EncodingKey::from_ec_pem(&pem).unwrap()
            };
            jsonwebtoken::encode(&header, &v, &enc).unwrap()
        };
        tokens.push(("array aud".into(), array_aud, "invalid_token"));

        for (name, token, want) in &tokens {
            let bearer = format!("Bearer {token}");
            let via_notary = sim.get(global, &[("authorization", &bearer)]).await;
            assert_eq!(
                verdict(&via_notary),
                *want,
                "{key} notary on {name}: {}",
                via_notary.text()
            );
        }
        let r = sim.admin_post("/rethink", json!({"enabled": true})).await;
        assert_eq!(r.status, StatusCode::OK);
        for (name, token, want) in &tokens {
            let bearer = format!("Bearer {token}");
            let own = sim.get(global, &[("authorization", &bearer)]).await;
            assert_eq!(
                verdict(&own),
                *want,
                "{key} msr-sim on {name}: {}",
                own.text()
            );
            if *want != "ok" {
                let via = sim.running.state.config.external_origin.clone();
                assert!(own.header("www-authenticate").unwrap().contains(&via));
            }
        }
        drop(notary);
    }
}
