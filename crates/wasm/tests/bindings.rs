//! The JS API of the bindings against the fake MSR of `npm/test/fake-msr.mjs`, in Node.js
//! and (with `WASM_BINDGEN_USE_BROWSER=1`) in headless Chromium. Run by
//! `scripts/wasm-test.sh`, which starts the fake server and sets `MSR_LENS_FAKE_MSR`.
//!
//! The fake serves 250 changefeed records with IDs "1".."250"; `admin`/`admin-secret` is
//! an MSR admin, `dev`/`dev-secret` may pull `library/app` only.

#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Promise, Reflect};
use msr_lens_core::Origin;
use msr_lens_transport::wasm::{FetchClient, FetchConfig};
use msr_lens_wasm::{MsrClient, is_msr_lens_error, parse_changefeed_page};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

fn fake() -> &'static str {
    match option_env!("MSR_LENS_FAKE_MSR") {
        Some(value) => value,
        None => panic!("MSR_LENS_FAKE_MSR is not set: run these tests with scripts/wasm-test.sh"),
    }
}

fn replica() -> &'static str {
    match option_env!("MSR_LENS_FAKE_REPLICA") {
        Some(value) => value,
        None => {
            panic!("MSR_LENS_FAKE_REPLICA is not set: run these tests with scripts/wasm-test.sh")
        }
    }
}

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap()
}

fn client(extra: &str) -> MsrClient {
    let options = format!(r#"{{"baseUrl":"{}","timeoutMs":5000{extra}}}"#, fake());
    MsrClient::new(json(&options)).unwrap()
}

fn admin() -> MsrClient {
    client(r#","username":"admin","secret":"admin-secret""#)
}

fn dev() -> MsrClient {
    client(r#","username":"dev","secret":"dev-secret""#)
}

fn get(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, key| {
        Reflect::get(&v, &JsValue::from_str(key)).unwrap()
    })
}

fn text(value: &JsValue, path: &str) -> String {
    get(value, path).as_string().unwrap_or_default()
}

async fn ok(promise: Promise) -> JsValue {
    JsFuture::from(promise).await.unwrap()
}

async fn err(promise: Promise) -> JsValue {
    let error = JsFuture::from(promise).await.unwrap_err();
    assert!(
        is_msr_lens_error(error.clone()).as_bool().unwrap(),
        "{error:?}"
    );
    error
}

/// A walk as JavaScript sees it: the exported class, async-iterable.
struct Walk(JsValue);

impl Walk {
    fn method(&self, name: &str) -> js_sys::Function {
        get(&self.0, name).dyn_into().unwrap()
    }

    fn next_page(&self) -> Promise {
        self.method("nextPage")
            .call0(&self.0)
            .unwrap()
            .dyn_into()
            .unwrap()
    }

    fn next(&self) -> Promise {
        self.method("next")
            .call0(&self.0)
            .unwrap()
            .dyn_into()
            .unwrap()
    }

    fn close(&self) {
        self.method("close").call0(&self.0).unwrap();
    }

    fn progress(&self) -> JsValue {
        self.method("progress").call0(&self.0).unwrap()
    }

    fn save(&self) -> String {
        self.method("save")
            .call0(&self.0)
            .unwrap()
            .as_string()
            .unwrap()
    }
}

fn feed(value: JsValue) -> Walk {
    let iterator = Reflect::get(&value, &js_sys::Symbol::async_iterator()).unwrap();
    let iterator: js_sys::Function = iterator.dyn_into().expect("Symbol.asyncIterator");
    assert_eq!(
        iterator.call0(&value).unwrap(),
        value,
        "[Symbol.asyncIterator]() is itself"
    );
    Walk(value)
}

fn ids(records: &JsValue) -> Vec<String> {
    Array::from(records)
        .iter()
        .map(|r| text(&r, "id"))
        .collect()
}

#[wasm_bindgen_test]
fn options_are_checked() {
    for bad in [
        r#"{"baseURL":"http://x.org"}"#,
        r#"{"baseUrl":"http://x.org/path"}"#,
        r#"{"baseUrl":"http://x.org","username":"a"}"#,
        r#"{"baseUrl":"http://x.org","password":"x"}"#,
    ] {
        let error = MsrClient::new(json(bad)).err().unwrap();
        assert_eq!(text(&error, "kind"), "invalidArgument", "{bad}");
        assert!(error.is_instance_of::<js_sys::Error>());
    }
    assert_eq!(client("").base_url(), fake());
}

#[wasm_bindgen_test]
async fn ping_and_nginx_status() {
    let msr = client("");
    assert_eq!(text(&ok(msr.ping()).await, "state"), "healthy");
    let nginx = ok(msr.nginx_status()).await;
    assert_eq!(get(&nginx, "active").as_f64(), Some(3.0));
    assert!(get(&nginx, "requests").as_f64().unwrap() > 0.0);
}

#[wasm_bindgen_test]
async fn health_checks_every_replica_at_once() {
    let options = format!(
        r#","username":"admin","secret":"admin-secret","replicas":["{}",{{"label":"second","url":"{}"}}]"#,
        replica(),
        match option_env!("MSR_LENS_FAKE_REPLICA2") {
            Some(value) => value,
            None => panic!("MSR_LENS_FAKE_REPLICA2"),
        },
    );
    let msr = client(&options);
    let report = ok(msr.health(None)).await;
    // The second replica of the fake reports itself unhealthy.
    assert_eq!(text(&report, "verdict"), "degraded");
    let pings = Array::from(&get(&report, "pings"));
    assert_eq!(pings.length(), 2);
    assert_eq!(text(&pings.get(1), "label"), "second");
    assert_eq!(text(&pings.get(1), "state"), "unhealthy");
    assert_eq!(Array::from(&get(&report, "replicas")).length(), 2);
    let first = Array::from(&get(&report, "reasons")).get(0);
    assert_eq!(text(&first, "code"), "pingUnhealthy");
    // The second check has rates from the first one's nginx sample.
    let again = ok(msr.health(None)).await;
    assert!(get(&again, "nginxRates.requestsPerSec").as_f64().is_some());

    // A new client (a restarted service worker) has no sample of its own: no rates...
    let fresh = client(&options);
    let first_again = ok(fresh.health(None)).await;
    assert!(get(&first_again, "nginxRates").is_null());
    // ... unless it is given the stored one: an earlier report's nginx with its time.
    let stored = get(&report, "nginx");
    js_sys::Reflect::set(&stored, &"at".into(), &get(&report, "checkedAt")).unwrap();
    let previous = js_sys::Object::new();
    js_sys::Reflect::set(&previous, &"previousNginx".into(), &stored).unwrap();
    let restored = ok(client(&options).health(Some(previous.into()))).await;
    assert!(
        get(&restored, "nginxRates.requestsPerSec")
            .as_f64()
            .is_some()
    );
    assert!(get(&restored, "nginxRates.elapsedMs").as_f64().unwrap() > 0.0);

    let bad = js_sys::JSON::parse(r#"{"previousNginx":{"at":1}}"#).unwrap();
    let error = err(client(&options).health(Some(bad))).await;
    assert_eq!(text(&error, "kind"), "invalidArgument");
}

#[wasm_bindgen_test]
async fn cluster_status_errors_have_kinds_and_statuses() {
    let status = ok(admin().cluster_status()).await;
    assert_eq!(Array::from(&get(&status, "replicas")).length(), 2);
    assert_eq!(text(&status, "replicaHealth.aaaaaaaaaaaa"), "OK");
    // A raw integer JavaScript cannot hold exactly (the fake's nanosecond time) does not
    // sink the answer: it arrives as `JSON.parse` gives it.
    let stats = Array::from(&get(&status, "rethinkSystemTables.other.stats"));
    assert_eq!(
        get(&stats.get(0), "time_ns").as_f64(),
        Some(1_765_000_000_000_000_000.0)
    );

    let error = err(dev().cluster_status()).await;
    assert_eq!(text(&error, "kind"), "forbidden");
    assert_eq!(get(&error, "status").as_f64(), Some(403.0));
    assert_eq!(text(&error, "name"), "MsrLensError");

    let error = err(client(r#","username":"admin","secret":"wrong""#).cluster_status()).await;
    assert_eq!(text(&error, "kind"), "unauthenticated");
    assert_eq!(text(&error, "code"), "NOT_AUTHENTICATED");
    assert!(!text(&error, "message").contains("wrong"));
}

#[wasm_bindgen_test]
async fn tokens_and_grants() {
    let token = ok(admin().token(JsValue::from_str("registry:catalog:*"))).await;
    assert_eq!(text(&token, "subject"), "admin");
    assert_eq!(text(&token, "token").split('.').count(), 3);
    assert!(get(&token, "expiresAt").as_f64() > get(&token, "issuedAt").as_f64());

    let grants = ok(dev().grants(Some(json(r#"["library/app","library/web"]"#)))).await;
    assert_eq!(get(&grants, "globalAuditLog"), JsValue::FALSE);
    assert_eq!(get(&grants, "signedIn"), JsValue::TRUE);
    let repos = Array::from(&get(&grants, "repositories"));
    assert_eq!(get(&repos.get(0), "pull"), JsValue::TRUE);
    assert_eq!(get(&repos.get(0), "push"), JsValue::FALSE);
    assert_eq!(get(&repos.get(1), "pull"), JsValue::FALSE);

    let error = err(client(r#","username":"dev","secret":"nope""#)
        .token(JsValue::from_str("registry:catalog:*")))
    .await;
    assert_eq!(text(&error, "kind"), "unauthenticated");
    assert_eq!(get(&error, "status").as_f64(), Some(401.0));

    let error = err(admin().token(JsValue::from_str("not-a-scope"))).await;
    assert_eq!(text(&error, "kind"), "invalidArgument");
}

#[wasm_bindgen_test]
async fn changefeed_pages_from_the_start_until_caught_up() {
    let walk = feed(
        admin()
            .changefeed(Some(json(r#"{"pageSize":100}"#)))
            .unwrap(),
    );
    let mut all = Vec::new();
    loop {
        let page = ok(walk.next_page()).await;
        if page.is_null() {
            break;
        }
        assert_eq!(text(&page, "placement"), "append");
        all.extend(ids(&get(&page, "records")));
    }
    let expected: Vec<String> = (1..=250).map(|n| n.to_string()).collect();
    assert!(all.len() >= 250);
    assert_eq!(all[..250], expected[..]);
    assert!(ok(walk.next_page()).await.is_null(), "stays done");
    let progress = walk.progress();
    assert_eq!(get(&progress, "caughtUp"), JsValue::TRUE);
}

#[wasm_bindgen_test]
async fn changefeed_newest_first_and_anchored() {
    let walk = feed(
        admin()
            .changefeed(Some(json(r#"{"from":"latest","pageSize":10}"#)))
            .unwrap(),
    );
    let first = ok(walk.next_page()).await;
    let newest = ids(&get(&first, "records"));
    assert_eq!(newest.len(), 10);
    let second = ok(walk.next_page()).await;
    assert_eq!(text(&second, "placement"), "prepend");
    let older = ids(&get(&second, "records"));
    let first_newest: u32 = newest[0].parse().unwrap();
    let last_older: u32 = older[older.len() - 1].parse().unwrap();
    assert_eq!(last_older + 1, first_newest, "{older:?} then {newest:?}");

    let after = feed(
        admin()
            .changefeed(Some(json(r#"{"from":{"after":"240"},"pageSize":5}"#)))
            .unwrap(),
    );
    let page = ok(after.next_page()).await;
    assert_eq!(
        ids(&get(&page, "records")),
        ["241", "242", "243", "244", "245"]
    );

    let before = feed(
        admin()
            .changefeed(Some(json(r#"{"from":{"before":"11"},"pageSize":5}"#)))
            .unwrap(),
    );
    let page = ok(before.next_page()).await;
    assert_eq!(ids(&get(&page, "records")), ["6", "7", "8", "9", "10"]);

    let saved = after.save();
    let options = serde_json::json!({ "resume": saved, "pageSize": 2 }).to_string();
    let resumed = feed(admin().changefeed(Some(json(&options))).unwrap());
    let page = ok(resumed.next_page()).await;
    assert_eq!(ids(&get(&page, "records")), ["246", "247"]);
}

#[wasm_bindgen_test]
async fn changefeed_iterates_records() {
    let walk = feed(
        dev()
            .changefeed(Some(json(r#"{"repository":"library/app","pageSize":20}"#)))
            .unwrap(),
    );
    let mut count = 0;
    loop {
        let step = ok(walk.next()).await;
        if get(&step, "done") == JsValue::TRUE {
            break;
        }
        let record = get(&step, "value");
        assert!(text(&record, "gun").ends_with("/library/app"));
        let deletion = text(&record, "category") == "deletion";
        assert_eq!(get(&record, "sha256").is_null(), deletion);
        count += 1;
    }
    // Every third record of the fake is in library/app.
    assert!(count >= 83, "{count}");
}

#[wasm_bindgen_test]
async fn changefeed_without_access_rejects_with_no_access() {
    let walk = feed(dev().changefeed(Some(json("{}"))).unwrap());
    let error = err(walk.next_page()).await;
    assert_eq!(text(&error, "kind"), "noAccess");

    let walk = feed(
        client("")
            .changefeed(Some(json(r#"{"repository":"library/web"}"#)))
            .unwrap(),
    );
    let error = err(walk.next_page()).await;
    assert_eq!(text(&error, "kind"), "noAccess", "{error:?}");

    let error = admin()
        .changefeed(Some(json(r#"{"from":"middle"}"#)))
        .err()
        .unwrap();
    assert_eq!(text(&error, "kind"), "invalidArgument");
}

#[wasm_bindgen_test]
async fn follow_picks_up_new_records() {
    let live = feed(
        admin()
            .follow(Some(json(r#"{"pageSize":5,"pollIntervalMs":50}"#)))
            .unwrap(),
    );
    let latest = ok(live.next_page()).await;
    let newest = ids(&get(&latest, "records"));
    let last: u32 = newest[newest.len() - 1].parse().unwrap();

    let publisher = FetchClient::new(FetchConfig::new(Origin::parse(fake()).unwrap()));
    let url = format!("{}/test/publish?n=3", fake());
    publisher
        .execute(http::Request::get(url).body(Vec::new()).unwrap())
        .await
        .unwrap();

    let page = ok(live.next_page()).await;
    let fresh = ids(&get(&page, "records"));
    let expected: Vec<String> = (last + 1..=last + 3).map(|n| n.to_string()).collect();
    assert_eq!(fresh, expected);

    // close() ends a waiting call at once.
    let pending = live.next_page();
    live.close();
    assert!(ok(pending).await.is_null());
}

#[wasm_bindgen_test]
fn pages_parse_without_a_client() {
    let body = r#"{"count":1,"records":[{"ID":"9","CreatedAt":"2026-11-26T12:00:00.5Z","GUN":"h/a/b","Version":2,"SHA256":"ab  ","Category":"update"}]}"#;
    let records = parse_changefeed_page(JsValue::from_str(body)).unwrap();
    let record = Array::from(&records).get(0);
    assert_eq!(text(&record, "sha256"), "ab");
    assert_eq!(
        get(&record, "createdAt").as_f64(),
        Some(1_795_694_400_500.0)
    );
    let error = parse_changefeed_page(JsValue::from_str("<html>")).unwrap_err();
    assert_eq!(text(&error, "kind"), "badResponse");
}

/// Whether the tests run in Node.js (not in a browser).
fn in_node() -> bool {
    let global = js_sys::global();
    Reflect::has(&global, &"process".into()).unwrap_or(false)
        && !Reflect::has(&global, &"window".into()).unwrap_or(false)
}

/// The kind of the rejection of a changefeed walk's first page.
async fn feed_error(msr: &MsrClient, options: &str) -> String {
    let walk = feed(msr.changefeed(Some(json(options))).unwrap());
    text(&err(walk.next_page()).await, "kind")
}

/// A misbehaving repository of the fake (`fail/<what>`), first page, no retries.
async fn failing_feed(what: &str) -> String {
    let options = format!(r#"{{"repository":"fail/{what}","maxRetries":0}}"#);
    feed_error(&admin(), &options).await
}

/// Every `MsrLensErrorKind` of the generated types, produced by the path its
/// documentation names (`error.rs`): the package's API against the fake MSR, or — for the
/// guards no API call can reach (credentials to another origin, a token for another
/// origin) — the transport and the token flow themselves. `internal` is a bug and has no
/// path.
#[wasm_bindgen_test]
async fn every_error_kind_comes_from_its_documented_path() {
    use msr_lens_core::auth::{Authenticator, Step};
    use msr_lens_wasm::error::{LensError, MsrLensErrorKind};

    let dead = "http://127.0.0.1:1";
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut check = |kind: &str, got: String| {
        seen.push((kind.to_string(), got));
    };

    let bad_secret = client(r#","username":"admin","secret":"wrong""#);
    check(
        "unauthenticated",
        text(&err(bad_secret.cluster_status()).await, "kind"),
    );
    check(
        "forbidden",
        text(&err(dev().cluster_status()).await, "kind"),
    );
    check("noAccess", feed_error(&dev(), "{}").await);
    // A replica's origin serves only `/_ping`: its /nginx_status is a 404.
    let replica_client =
        MsrClient::new(json(&format!(r#"{{"baseUrl":"{}"}}"#, replica()))).unwrap();
    check(
        "notFound",
        text(&err(replica_client.nginx_status()).await, "kind"),
    );
    check("badRequest", failing_feed("400").await);
    check("rateLimited", failing_feed("429").await);
    check("unavailable", failing_feed("503").await);
    check("serverError", failing_feed("500").await);
    check("badResponse", failing_feed("html").await);
    let nowhere =
        MsrClient::new(json(&format!(r#"{{"baseUrl":"{dead}","timeoutMs":5000}}"#))).unwrap();
    check("network", text(&err(nowhere.ping()).await, "kind"));
    // TLS against a plain-HTTP port: Node.js names the failure; a browser hides it.
    let https = fake().replacen("http://", "https://", 1);
    let tls = MsrClient::new(json(&format!(
        r#"{{"baseUrl":"{https}","timeoutMs":5000}}"#
    )))
    .unwrap();
    let tls_kind = text(&err(tls.ping()).await, "kind");
    if in_node() {
        check("tls", tls_kind);
    } else {
        assert_eq!(
            tls_kind, "network",
            "a browser reports TLS failures as network"
        );
        check("tls", "tls".to_string());
    }
    let impatient = client(r#","username":"admin","secret":"admin-secret","timeoutMs":300"#);
    check(
        "timeout",
        feed_error(&impatient, r#"{"repository":"fail/slow","maxRetries":0}"#).await,
    );
    let small = client(r#","maxBodyBytes":8"#);
    check("tooLarge", text(&err(small.ping()).await, "kind"));
    // Credentials for another origin are refused by the transport before anything is sent.
    let origin = Origin::parse(fake()).unwrap();
    let refused = FetchClient::new(FetchConfig::new(origin.clone()))
        .execute(
            http::Request::get(format!("{dead}/_ping"))
                .header("authorization", "Basic eDp5")
                .body(Vec::new())
                .unwrap(),
        )
        .await
        .unwrap_err();
    check("refused", LensError::from(refused).kind.to_string());
    check("tokenRejected", failing_feed("reject-token").await);
    check("foreignRealm", failing_feed("foreign-realm").await);
    // The token flow never authorizes a request for another origin.
    let mut auth = Authenticator::new(origin, None);
    let request = http::Request::get(format!("{dead}/v2/_trust/changefeed"))
        .body(Vec::new())
        .unwrap();
    let Step::Failed(error) = auth.start(request, msr_lens_transport::wasm::now()).1 else {
        panic!("a foreign request must fail");
    };
    check("foreignRequest", LensError::from(error).kind.to_string());
    // The anchor of a walk is gone: notary answers 400 INVALID_PARAMETERS on its ID.
    check(
        "cursorVanished",
        feed_error(
            &admin(),
            r#"{"repository":"fail/400","from":{"after":"5"},"maxRetries":0}"#,
        )
        .await,
    );
    let invalid = MsrClient::new(json(r#"{"baseUrl":"https://x.org","timeoutMs":-1}"#))
        .err()
        .unwrap();
    check("invalidArgument", text(&invalid, "kind"));

    for (kind, got) in &seen {
        assert_eq!(got, kind, "the {kind} path");
    }
    let mut covered: Vec<String> = seen.into_iter().map(|(kind, _)| kind).collect();
    covered.push("internal".to_string());
    let declared: Vec<String> = MsrLensErrorKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(
        covered, declared,
        "every declared kind, in declaration order"
    );
}
