//! Changefeed records on their way to JavaScript.
//!
//! Turning a page of records into JS objects field by field would cross the wasm boundary
//! a dozen times per record. Instead the records travel as three columns — one string with
//! every text field back to back, the UTF-16 end offset of each field, and the numbers —
//! and a few lines of JavaScript (`js/records.js`, shipped as a `wasm-bindgen` snippet)
//! slice them into objects: one text decode and a tight loop, whatever the page size.

use msr_lens_core::changefeed::{Page, Record, RecordView};

/// Text fields per record: `id`, `createdAtRaw`, `gun`, `sha256` (empty for none),
/// `category`.
pub const TEXT_FIELDS: usize = 5;
/// Numbers per record: `createdAt` (epoch ms, NaN for none), `version`.
pub const NUMBER_FIELDS: usize = 2;

/// Records as columns; see the module documentation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordColumns {
    /// Every text field of every record, back to back.
    pub text: String,
    /// The UTF-16 offset in `text` where each field ends ([`TEXT_FIELDS`] per record).
    pub ends: Vec<u32>,
    /// [`NUMBER_FIELDS`] numbers per record.
    pub numbers: Vec<f64>,
    /// The UTF-16 length of `text`.
    units: u32,
}

impl RecordColumns {
    /// Lay `records` out as columns.
    pub fn new(records: &[Record]) -> Self {
        let mut columns = RecordColumns::with_capacity(records.len(), records.len() * 160);
        for record in records {
            columns.push(&record.view());
        }
        columns
    }

    /// The records of a changefeed page body (a 200 answer), straight from the bytes when
    /// [`Page::scan`] reads them, otherwise through [`Page::parse_parts`] (which also
    /// gives the error of a body that is not a page).
    pub fn from_page_body(body: &[u8]) -> Result<Self, msr_lens_core::changefeed::PageError> {
        // Notary's records take about 200 bytes of JSON each, about 130 of them text.
        let mut columns = RecordColumns::with_capacity(body.len() / 200, body.len() * 2 / 3);
        if Page::scan(body, |record| columns.push(&record)).is_some() {
            return Ok(columns);
        }
        let page = Page::parse_parts(http::StatusCode::OK, &http::HeaderMap::new(), body)?;
        Ok(RecordColumns::new(&page.records))
    }

    fn with_capacity(records: usize, text: usize) -> Self {
        RecordColumns {
            text: String::with_capacity(text),
            ends: Vec::with_capacity(records * TEXT_FIELDS),
            numbers: Vec::with_capacity(records * NUMBER_FIELDS),
            units: 0,
        }
    }

    /// Append one record.
    pub fn push(&mut self, record: &RecordView<'_>) {
        for field in [
            record.id,
            record.created_at_raw,
            record.gun,
            record.sha256.unwrap_or(""),
            record.category,
        ] {
            self.text.push_str(field);
            let units = if field.is_ascii() {
                field.len()
            } else {
                field.encode_utf16().count()
            };
            self.units = self
                .units
                .saturating_add(u32::try_from(units).unwrap_or(u32::MAX));
            self.ends.push(self.units);
        }
        // Epoch milliseconds and versions are far inside f64's exact integer range.
        #[allow(clippy::cast_precision_loss)]
        let created_at = record.created_at.map_or(f64::NAN, |t| t.as_millis() as f64);
        #[allow(clippy::cast_precision_loss)]
        let version = record.version as f64;
        self.numbers.push(created_at);
        self.numbers.push(version);
    }

    /// How many records the columns hold.
    pub fn len(&self) -> usize {
        self.numbers.len() / NUMBER_FIELDS
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }
}

#[cfg(target_arch = "wasm32")]
mod js {
    use js_sys::Array;
    use msr_lens_core::changefeed::Record;
    use wasm_bindgen::prelude::*;

    use super::RecordColumns;

    #[wasm_bindgen(module = "/js/records.js")]
    extern "C" {
        #[wasm_bindgen(js_name = buildRecords)]
        fn build_records(text: &str, ends: &[u32], numbers: &[f64]) -> Array;

        #[wasm_bindgen(js_name = asyncIterable)]
        pub(crate) fn async_iterable(value: JsValue) -> JsValue;
    }

    /// `records` as an array of `ChangeRecord` objects.
    pub(crate) fn to_js(records: &[Record]) -> Array {
        columns_to_js(&RecordColumns::new(records))
    }

    /// The records in `columns` as an array of `ChangeRecord` objects.
    pub(crate) fn columns_to_js(columns: &RecordColumns) -> Array {
        build_records(&columns.text, &columns.ends, &columns.numbers)
    }
}

#[cfg(target_arch = "wasm32")]
pub(crate) use js::{async_iterable, columns_to_js, to_js};

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, StatusCode};
    use msr_lens_core::changefeed::Page;

    /// Equal columns, NaN equal to NaN.
    fn assert_same(a: &RecordColumns, b: &RecordColumns) {
        assert_eq!((&a.text, &a.ends), (&b.text, &b.ends));
        let bits = |c: &RecordColumns| c.numbers.iter().map(|n| n.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(a), bits(b));
    }

    #[test]
    fn columns_carry_every_field_with_utf16_offsets() {
        let body = r#"{"count":2,"records":[
            {"ID":"1","CreatedAt":"2026-11-26T12:49:38.190589884Z","GUN":"h/ns/ünï","Version":3,"SHA256":"ab  ","Category":"update"},
            {"ID":"2","CreatedAt":"garbage","GUN":"h/ns/😀","Version":0,"SHA256":"","Category":"deletion"}]}"#;
        let page = Page::parse_parts(StatusCode::OK, &HeaderMap::new(), body.as_bytes()).unwrap();
        let columns = RecordColumns::new(&page.records);
        assert_eq!(columns.len(), 2);
        let utf16: Vec<u16> = columns.text.encode_utf16().collect();
        let mut start = 0usize;
        let mut fields = Vec::new();
        for &end in &columns.ends {
            fields.push(String::from_utf16(&utf16[start..end as usize]).unwrap());
            start = end as usize;
        }
        assert_eq!(
            fields,
            [
                "1",
                "2026-11-26T12:49:38.190589884Z",
                "h/ns/ünï",
                "ab",
                "update",
                "2",
                "garbage",
                "h/ns/😀",
                "",
                "deletion"
            ]
        );
        assert_eq!(columns.numbers[0], 1_795_697_378_190.0);
        assert_eq!(columns.numbers[1], 3.0);
        assert!(columns.numbers[2].is_nan());
        assert_eq!(columns.numbers[3], 0.0);
        assert!(RecordColumns::new(&[]).is_empty());
        // The scanner (this body has no escapes) and the general path lay out the same.
        assert!(Page::scan(body.as_bytes(), |_| {}).is_some());
        assert_same(
            &RecordColumns::from_page_body(body.as_bytes()).unwrap(),
            &columns,
        );
    }

    #[test]
    fn page_bodies_the_scanner_declines_give_the_same_columns_or_error() {
        let escaped = r#"{"count":1,"records":[{"ID":"1","CreatedAt":"2026-11-26T12:49:38Z","GUN":"h\/ns\/r\u00fc","Version":3,"SHA256":"ab","Category":"update"}]}"#;
        assert!(Page::scan(escaped.as_bytes(), |_| {}).is_none());
        let page =
            Page::parse_parts(StatusCode::OK, &HeaderMap::new(), escaped.as_bytes()).unwrap();
        assert_eq!(page.records[0].gun, "h/ns/rü");
        assert_same(
            &RecordColumns::from_page_body(escaped.as_bytes()).unwrap(),
            &RecordColumns::new(&page.records),
        );
        for body in [
            &br#"{"records":[{"ID":"0","GUN":"g"}]}"#[..],
            b"<html>",
            b"{}",
        ] {
            let want = Page::parse_parts(StatusCode::OK, &HeaderMap::new(), body).unwrap_err();
            assert_eq!(RecordColumns::from_page_body(body).unwrap_err(), want);
        }
    }
}
