//! [`SavedState`] as JSON text by hand ([`crate::json_out`]): the text `save()` hands to
//! JavaScript, which [`SavedState::from_json`] reads back. The same text as the derived
//! `Serialize` impl writes with `serde_json::to_string`.

use super::{Begin, SavedState};
use crate::json_out::{JsonWriter, ToJson};

impl ToJson for SavedState {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("format", &self.format);
        w.field("feed", &self.feed);
        w.field("mode", &self.mode);
        w.field("begin", &self.begin);
        w.field("started", &self.started);
        w.field("newest", &self.newest);
        w.field("oldest", &self.oldest);
        w.field("reachedStart", &self.reached_start);
        w.field("recentIds", &self.recent_ids);
        w.field("nextRequestId", &self.next_request_id);
        w.field("recordsEmitted", &self.records_emitted);
        w.field("pages", &self.pages);
        w.field("origin", &self.origin);
        w.end_object();
    }
}

impl ToJson for Begin {
    fn write_json(&self, w: &mut JsonWriter) {
        w.string(match self {
            Begin::Start => "start",
            Begin::Latest => "latest",
        });
    }
}
