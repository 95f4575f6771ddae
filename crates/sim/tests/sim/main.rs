//! In-process tests of msr-sim: both listeners on ephemeral loopback ports, no stack
//! needed. The notary module also runs the real notary-server when it is installed.

mod admin;
mod faults;
mod health;
mod late;
mod msr;
mod notary;
mod pg;
mod rethink;
mod token;
mod v2;

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use msr_lens_sim::{Config, RunningSim, UserConfig};
use serde_json::Value;

pub(crate) const REGISTRY_HOST: &str = "127.0.0.1:8443";

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn user(name: &str, admin: bool, grants: &[(&str, &str)]) -> UserConfig {
    UserConfig {
        name: name.to_owned(),
        password: format!("{name}-password"),
        access_tokens: if name == "nobody" {
            vec![]
        } else {
            vec![format!("{name}-token-1234")]
        },
        admin,
        grants: grants
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// The configuration of the stack contract, on ephemeral ports, signing with `key`
/// (`ec`, `rsa` or `ec-sec1`).
pub(crate) fn config(key: &str) -> Config {
    let (key_file, cert_file) = match key {
        "rsa" => ("rsa-signer.key", "rsa-signer.crt"),
        "ec-sec1" => ("ec-signer-sec1.key", "ec-signer.crt"),
        _ => ("ec-signer.key", "ec-signer.crt"),
    };
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        admin_listen: "127.0.0.1:0".parse().unwrap(),
        external_origin: "https://127.0.0.1:8443".into(),
        registry_host: REGISTRY_HOST.into(),
        service: "dtr".into(),
        issuer: "msr-lens-sim".into(),
        token_key: fixture(key_file),
        token_cert: fixture(cert_file),
        token_ttl_secs: 300,
        ca_cert: Some(fixture("ec-signer.crt")),
        notary_upstream: None,
        postgres_url: None,
        replicas: 3,
        replica_ids: vec![],
        replica_endpoints: vec![],
        admin_token: None,
        users: vec![
            user("admin", true, &[]),
            user(
                "dev",
                false,
                &[
                    ("library/wordpress", "pull"),
                    ("library/nginx", "pull,push"),
                    ("engineering/api", "pull"),
                ],
            ),
            user("nobody", false, &[]),
        ],
    }
}

pub(crate) async fn start(config: Config) -> Sim {
    let running = msr_lens_sim::start(config).await.expect("sim starts");
    Sim {
        public: format!("http://{}", running.public_addr),
        admin: format!("http://{}", running.admin_addr),
        running,
        client: Client::builder(TokioExecutor::new()).build(HttpConnector::new()),
    }
}

pub(crate) async fn start_default() -> Sim {
    start(config("ec")).await
}

pub(crate) struct Sim {
    pub(crate) public: String,
    pub(crate) admin: String,
    pub(crate) running: RunningSim,
    client: Client<HttpConnector, Full<Bytes>>,
}

#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Resp {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub(crate) fn basic(user: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{secret}")))
}

impl Sim {
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<Resp, String> {
        let mut req = Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(Bytes::from(body.to_owned())))
            .map_err(|e| e.to_string())?;
        let resp = self
            .client
            .request(req)
            .await
            .map_err(|e| format!("{e:?}"))?;
        let (parts, body) = resp.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| format!("body: {e:?}"))?
            .to_bytes();
        Ok(Resp {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    pub(crate) async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let url = format!("{}{path}", self.public);
        self.send(Method::GET, &url, headers, "")
            .await
            .expect("request")
    }

    pub(crate) async fn admin_get(&self, path: &str) -> Resp {
        let url = format!("{}{path}", self.admin);
        self.send(Method::GET, &url, &[], "")
            .await
            .expect("admin request")
    }

    pub(crate) async fn admin_post(&self, path: &str, body: Value) -> Resp {
        let url = format!("{}{path}", self.admin);
        self.send(
            Method::POST,
            &url,
            &[("content-type", "application/json")],
            &body.to_string(),
        )
        .await
        .expect("admin request")
    }

    pub(crate) async fn scenario(&self, patch: Value) {
        let r = self.admin_post("/scenario", patch).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }

    pub(crate) async fn fault(&self, spec: Value) -> u64 {
        let r = self.admin_post("/fault", spec).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()["id"].as_u64().expect("fault id")
    }

    /// A token response for `user` (None = anonymous) and scopes.
    pub(crate) async fn token(&self, user: Option<(&str, &str)>, scopes: &[&str]) -> Resp {
        let mut path = "/auth/token?service=dtr".to_owned();
        for s in scopes {
            path.push_str("&scope=");
            path.push_str(
                &percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
                    .to_string(),
            );
        }
        let auth;
        let headers: Vec<(&str, &str)> = match user {
            Some((u, p)) => {
                auth = basic(u, p);
                vec![("authorization", auth.as_str())]
            }
            None => vec![],
        };
        self.get(&path, &headers).await
    }

    /// Just the JWT.
    pub(crate) async fn jwt(&self, user: Option<(&str, &str)>, scopes: &[&str]) -> String {
        let r = self.token(user, scopes).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()["token"].as_str().expect("token").to_owned()
    }

    pub(crate) fn replica_ids(&self) -> Vec<String> {
        self.running.state.cluster.replica_ids.clone()
    }
}

/// Decode a JWT's header and payload without checking the signature.
pub(crate) fn jwt_parts(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let header = parts.next().expect("header");
    let payload = parts.next().expect("payload");
    assert!(parts.next().is_some(), "signature part present");
    let decode = |p: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("json")
    };
    (decode(header), decode(payload))
}
