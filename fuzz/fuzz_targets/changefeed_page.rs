//! The changefeed page (msr-api.md §6): the product parser on a whole answer, the fast
//! scanner against the general `serde_json` parser (same records or both refuse), and a
//! pager fed the answer (a page that is not read never moves its position).
#![no_main]

use libfuzzer_sys::fuzz_target;
use msr_lens_core::changefeed::{Event, Feed, Mode, Page, Pager, PagerConfig, Record};
use msr_lens_core::{Origin, Timestamp};

fuzz_target!(|data: &[u8]| {
    let response = msr_lens_fuzz::response(data);
    let page = Page::parse(&response);
    let general = Page::parse_general(response.status(), response.headers(), response.body());
    assert_eq!(
        page, general,
        "the product parser and the general parser differ"
    );
    msr_lens_fuzz::check_page_parsers_agree(response.body());
    if response.body().len() != data.len() {
        // The input itself as a body, too: the mutations of the headers aside.
        msr_lens_fuzz::check_page_parsers_agree(data);
    }

    // A pager that asked for the first page gets this answer.
    let origin = Origin::parse("https://msr.example.org").expect("a valid origin");
    let config = PagerConfig {
        page_size: 3,
        ..PagerConfig::default()
    };
    let mut pager = Pager::new(origin, Feed::Global, Mode::Backfill, config);
    let now = Timestamp::from_secs(1_800_000_000);
    let (id, _request) = pager
        .poll_request(now)
        .expect("a new pager asks for a page");
    let before = pager.save();
    pager.handle_response(id, now, response);
    let mut emitted = Vec::new();
    while let Some(event) = pager.poll_event() {
        if let Event::Records { records, .. } = event {
            emitted.extend(records);
        }
    }
    match page {
        Ok(page) => {
            // Every record once, in server order (a page may repeat a record).
            let mut expected = Vec::new();
            for record in page.records {
                if !expected.iter().any(|r: &Record| r.id == record.id) {
                    expected.push(record);
                }
            }
            assert_eq!(
                emitted, expected,
                "the pager emitted other records than the page's"
            );
        }
        Err(_) => {
            assert!(
                emitted.is_empty(),
                "records emitted from a page that was not read"
            );
            assert_eq!(
                pager.save(),
                before,
                "a page that was not read moved the position"
            );
        }
    }
});
