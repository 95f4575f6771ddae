//! Component tests in a real browser (wasm-bindgen-test, headless Chromium):
//! server text with markup renders as text, and the popup parts show what they are given.
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver \
//!   cargo test --target wasm32-unknown-unknown -p msr-lens-ui --no-default-features --features popup --test browser
//! ```
#![cfg(all(target_arch = "wasm32", feature = "popup"))]

use std::time::Duration;

use msr_lens_ui::components::issue_list::{IssueList, IssueListProps};
use msr_lens_ui::components::problem_list::{ProblemList, ProblemListProps};
use msr_lens_ui::components::replica_table::{ReplicaTable, ReplicaTableProps};
use msr_lens_ui::components::status_strip::{StatusStrip, StatusStripProps};
use msr_lens_ui::components::trust_list::{TrustList, TrustListProps};
use msr_lens_ui::glance::trust_note;
use msr_lens_ui::model::{Bucket, IssueView, Problem, ReplicaView, Snapshot};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use yew::Callback;

wasm_bindgen_test_configure!(run_in_browser);

const PAYLOAD: &str = r#"<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>"#;

fn root() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div
}

async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(20)).await;
}

fn xss_ran() -> bool {
    let value = js_sys::Reflect::get(&js_sys::global(), &"__xss".into()).unwrap();
    !value.is_undefined()
}

#[wasm_bindgen_test]
async fn issue_descriptions_with_markup_render_as_text() {
    let div = root();
    let props = IssueListProps {
        issues: vec![IssueView {
            id: "i1".into(),
            kind: "table_availability".into(),
            critical: true,
            description: PAYLOAD.into(),
        }],
        gc_running: true,
        cluster_read: true,
        others: Vec::new(),
        job_runner_problems: 0,
    };
    yew::Renderer::<IssueList>::with_root_and_props(div.clone(), props).render();
    settle().await;
    assert_eq!(div.query_selector_all("img, script").unwrap().length(), 0);
    let text = div
        .query_selector(".description")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert_eq!(text, PAYLOAD);
    assert!(div.text_content().unwrap().contains("critical"));
    assert!(div.text_content().unwrap().contains("running"));
    assert!(!xss_ran());
}

#[wasm_bindgen_test]
async fn no_issue_from_msr_points_to_the_job_runner_problems() {
    let render = |issues: Vec<IssueView>, job_runner_problems: usize| {
        let div = root();
        let props = IssueListProps {
            issues,
            gc_running: false,
            cluster_read: true,
            others: Vec::new(),
            job_runner_problems,
        };
        yew::Renderer::<IssueList>::with_root_and_props(div.clone(), props).render();
        div
    };
    let text = |div: &web_sys::Element, selector: &str| {
        div.query_selector(selector)
            .unwrap()
            .map(|e| e.text_content().unwrap())
    };
    let two = render(Vec::new(), 2);
    let one = render(Vec::new(), 1);
    let none = render(Vec::new(), 0);
    let issue = IssueView {
        id: "i1".into(),
        kind: "table_availability".into(),
        critical: false,
        description: "a table is not ready".into(),
    };
    let listed = render(vec![issue], 2);
    settle().await;
    assert_eq!(
        text(&two, "[data-testid=no-issues]").as_deref(),
        Some("none from MSR — see the job runner below: 2 problems")
    );
    let link = two
        .query_selector("[data-testid=see-job-runner]")
        .unwrap()
        .unwrap();
    assert_eq!(link.get_attribute("href").as_deref(), Some("#jobs-h"));
    assert_eq!(
        text(&one, "[data-testid=no-issues]").as_deref(),
        Some("none from MSR — see the job runner below: 1 problem")
    );
    assert_eq!(
        text(&none, "[data-testid=no-issues]").as_deref(),
        Some("none")
    );
    assert_eq!(text(&none, "[data-testid=see-job-runner]"), None);
    // MSR's own issues are listed as ever; the job runner's section says its own.
    assert_eq!(text(&listed, "[data-testid=no-issues]"), None);
    assert_eq!(
        text(&listed, ".description").as_deref(),
        Some("a table is not ready")
    );
}

#[wasm_bindgen_test]
async fn replica_reasons_and_problems_render_as_text() {
    let div = root();
    let props = ReplicaTableProps {
        pings: vec![],
        replicas: vec![ReplicaView {
            id: "abcdef012345".into(),
            ok: false,
            healthy: false,
            reason: PAYLOAD.into(),
            read_only: true,
            ..ReplicaView::default()
        }],
        cluster_read: true,
        now: 0,
    };
    yew::Renderer::<ReplicaTable>::with_root_and_props(div.clone(), props).render();
    let problems = root();
    let props = ProblemListProps {
        problems: vec![Problem {
            area: "cluster".into(),
            kind: "notAdmin".into(),
            message: PAYLOAD.into(),
        }],
        on_retry: Callback::noop(),
        on_options: Callback::noop(),
    };
    yew::Renderer::<ProblemList>::with_root_and_props(problems.clone(), props).render();
    settle().await;
    for el in [&div, &problems] {
        assert_eq!(el.query_selector_all("img, script").unwrap().length(), 0);
        assert!(el.text_content().unwrap().contains(PAYLOAD));
    }
    assert!(div.text_content().unwrap().contains("read-only"));
    assert!(div.text_content().unwrap().contains("unhealthy"));
    assert!(!xss_ran());
}

#[wasm_bindgen_test]
async fn the_status_strip_draws_one_segment_per_slot_with_reasons_as_text() {
    let div = root();
    let hour = 3_600_000;
    let now = 48 * hour;
    let props = StatusStripProps {
        buckets: vec![
            Bucket {
                t: now - 30 * hour,
                verdict: "down".into(),
                checks: 60,
                healthy: 0,
                reason: Some(PAYLOAD.into()),
            },
            Bucket {
                t: now - hour,
                verdict: "healthy".into(),
                checks: 60,
                healthy: 60,
                reason: None,
            },
        ],
        now,
        span_ms: 24 * hour,
        slots: 24,
        label: "24 hours".into(),
        key_name: "24h".into(),
    };
    yew::Renderer::<StatusStrip>::with_root_and_props(div.clone(), props).render();
    settle().await;
    // The down hour is outside the 24 hours shown; the healthy one is the last slot.
    let segs = div.query_selector_all(".seg").unwrap();
    assert_eq!(segs.length(), 24);
    assert_eq!(
        div.query_selector_all(".seg.s-healthy").unwrap().length(),
        1
    );
    assert_eq!(div.query_selector_all(".seg.s-down").unwrap().length(), 0);
    let uptime = div.query_selector("[data-testid=uptime]").unwrap().unwrap();
    assert_eq!(
        uptime.text_content().unwrap(),
        "100.0 % healthy · 60 checks"
    );

    let week = root();
    let props = StatusStripProps {
        buckets: vec![Bucket {
            t: now - 30 * hour,
            verdict: "down".into(),
            checks: 60,
            healthy: 0,
            reason: Some(PAYLOAD.into()),
        }],
        now,
        span_ms: 48 * hour,
        slots: 12,
        label: "2 days".into(),
        key_name: "2d".into(),
    };
    yew::Renderer::<StatusStrip>::with_root_and_props(week.clone(), props).render();
    settle().await;
    let down = week.query_selector(".seg.s-down").unwrap().unwrap();
    assert!(down.get_attribute("title").unwrap().ends_with(PAYLOAD));
    assert_eq!(week.query_selector_all("img, script").unwrap().length(), 0);
    assert!(!xss_ran());
}

#[wasm_bindgen_test]
async fn the_trust_section_says_why_as_text() {
    // A trust problem quoting what the server said (a message with markup).
    let snapshot = Snapshot {
        problems: vec![Problem {
            area: "trust".into(),
            kind: "badResponse".into(),
            message: format!(
                "MSR answered the trust audit log with something it never sends: {PAYLOAD}"
            ),
        }],
        ..Snapshot::default()
    };
    let why = trust_note(&snapshot).expect("not read");
    let div = root();
    let props = TrustListProps {
        events: Vec::new(),
        read: false,
        why: why.clone().into(),
        registry_host: "".into(),
        now: 0,
        on_open_audit: Callback::noop(),
        instance: None,
    };
    yew::Renderer::<TrustList>::with_root_and_props(div.clone(), props).render();
    settle().await;
    assert_eq!(div.query_selector_all("img, script").unwrap().length(), 0);
    let shown = div
        .query_selector("[data-testid=trust-why]")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert_eq!(shown, why);
    assert!(!xss_ran());
}
