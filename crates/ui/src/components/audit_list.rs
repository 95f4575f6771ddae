//! The virtualized list of the trust audit explorer: only the visible rows of the selection
//! are in the DOM, painted imperatively from the [`Store`] the
//! [`AuditApp`](super::audit_app::AuditApp) owns (row elements reused, only what differs
//! changed), with spacers above and below that give the scroller its full height.

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::audit::store::{Kind, Store};
use crate::format::ago;
use crate::services::storage;

/// Height of one row in pixels (the list is virtualized on it).
pub const ROW_HEIGHT: f64 = 28.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 10;

/// What a click in the list asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowClick {
    /// Copy this text (a row's copy button).
    Copy(String),
    /// Show the record with this ID.
    Select(String),
}

/// The scroller, the table body the rows go in, and the scroll position.
#[derive(Debug)]
pub struct VirtualList {
    scroller: NodeRef,
    body: NodeRef,
    top_spacer: NodeRef,
    bottom_spacer: NodeRef,
    scroll_top: f64,
    view_height: f64,
    /// `scroll_top` was set by the view: apply it once the spacers have their size.
    pending_scroll: bool,
}

impl Default for VirtualList {
    fn default() -> Self {
        VirtualList::new()
    }
}

impl VirtualList {
    /// A list scrolled to the top.
    pub fn new() -> Self {
        VirtualList {
            scroller: NodeRef::default(),
            body: NodeRef::default(),
            top_spacer: NodeRef::default(),
            bottom_spacer: NodeRef::default(),
            scroll_top: 0.0,
            view_height: 600.0,
            pending_scroll: false,
        }
    }

    /// The scroll position in pixels.
    pub fn scroll_top(&self) -> f64 {
        self.scroll_top
    }

    /// The height of the visible part in pixels.
    pub fn view_height(&self) -> f64 {
        self.view_height
    }

    /// Scroll to `top` pixels at the next [`paint`](Self::paint).
    pub fn scroll_to(&mut self, top: f64) {
        self.scroll_top = top;
        self.pending_scroll = true;
    }

    /// Read the scroll position and the height from the DOM (after a scroll event);
    /// `false` before the list is mounted.
    pub fn on_scroll(&mut self) -> bool {
        let Some(el) = self.scroller.cast::<HtmlElement>() else {
            return false;
        };
        self.scroll_top = f64::from(el.scroll_top());
        self.view_height = f64::from(el.client_height()).max(ROW_HEIGHT);
        true
    }

    /// The scroller with the table (rows are put in by [`paint`](Self::paint)) and
    /// `footer` below the rows.
    pub fn view(
        &self,
        onscroll: Callback<web_sys::Event>,
        onclick: Callback<MouseEvent>,
        footer: Html,
    ) -> Html {
        html! {
            <div class="vlist" ref={self.scroller.clone()} onscroll={onscroll} data-testid="scroller">
            <div class="spacer" aria-hidden="true" ref={self.top_spacer.clone()}></div>
            <table class="audit-table" data-testid="audit">
                <thead><tr>
                    <th scope="col">{ "When" }</th><th scope="col">{ "Repository (GUN)" }</th>
                    <th scope="col">{ "Change" }</th><th scope="col">{ "Version" }</th><th scope="col">{ "timestamp.json SHA256" }</th>
                </tr></thead>
                // Rows are painted by `paint` (only the visible ones, DOM nodes reused);
                // clicks are delegated here.
                <tbody ref={self.body.clone()} onclick={onclick}></tbody>
            </table>
            <div class="spacer" aria-hidden="true" ref={self.bottom_spacer.clone()}></div>
            { footer }
            </div>
        }
    }
    /// Put the visible rows into the table: reuse the row elements, only change what
    /// differs, and size the spacers above and below.
    pub fn paint(&mut self, store: &Store, positions: &[u32], selected: Option<&str>) {
        let (Some(body), Some(top), Some(bottom)) = (
            self.body.cast::<web_sys::Element>(),
            self.top_spacer.cast::<web_sys::Element>(),
            self.bottom_spacer.cast::<web_sys::Element>(),
        ) else {
            return;
        };
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let total = positions.len();
        let first = ((self.scroll_top / ROW_HEIGHT) as usize).saturating_sub(OVERSCAN);
        let count = (self.view_height / ROW_HEIGHT) as usize + 2 * OVERSCAN;
        let last = (first + count).min(total);
        let first = first.min(last);
        set_attr(
            &top,
            "style",
            &format!("height:{}px", first as f64 * ROW_HEIGHT),
        );
        set_attr(
            &bottom,
            "style",
            &format!("height:{}px", (total - last) as f64 * ROW_HEIGHT),
        );
        if self.pending_scroll {
            self.pending_scroll = false;
            if let Some(el) = self.scroller.cast::<HtmlElement>() {
                el.set_scroll_top(self.scroll_top as i32);
            }
        }
        let wanted = last - first;
        let children = body.children();
        let mut have = children.length() as usize;
        while have > wanted {
            if let Some(last_child) = body.last_element_child() {
                last_child.remove();
            }
            have -= 1;
        }
        while have < wanted {
            let Some(tr) = new_row(&document) else {
                return;
            };
            let _ = body.append_child(&tr);
            have += 1;
        }
        let now = storage::date_now() as i64;
        let positions = positions.get(first..last).unwrap_or(&[]);
        for (slot, &p) in positions.iter().enumerate() {
            let (Some(tr), Some(row)) = (
                children.item(u32::try_from(slot).unwrap_or(u32::MAX)),
                store.get(p as usize),
            ) else {
                continue;
            };
            let deletion = row.kind == Kind::Deletion;
            let selected = selected == Some(&*row.id);
            set_attr(&tr, "data-event", &row.id);
            set_attr(&tr, "data-category", row.category());
            let class = match (deletion, selected) {
                (true, true) => "deletion selected",
                (true, false) => "deletion",
                (false, true) => "selected",
                (false, false) => "",
            };
            set_attr(&tr, "class", class);
            let cells = tr.children();
            if let Some(td) = cells.item(0) {
                set_attr(&td, "title", &row.created);
                let when = if row.at == i64::MIN {
                    row.created.to_string()
                } else {
                    ago(row.at, now)
                };
                set_text(Some(td), &when);
            }
            set_text(cells.item(1), store.gun(row));
            if let Some(span) = cells.item(2).and_then(|td| td.first_element_child()) {
                set_attr(
                    &span,
                    "class",
                    if deletion { "pill bad" } else { "pill good" },
                );
                set_text(Some(span), row.category());
            }
            let version = if deletion {
                "—".to_string()
            } else {
                row.version.to_string()
            };
            set_text(cells.item(3), &version);
            if let Some(td) = cells.item(4) {
                if let Some(code) = td.first_element_child() {
                    set_attr(&code, "title", &row.sha256);
                    set_text(Some(code), row.sha256.get(..12).unwrap_or(&row.sha256));
                }
                if let Some(button) = td.last_element_child() {
                    set_attr(&button, "data-copy", &row.sha256);
                    set_attr(
                        &button,
                        "aria-label",
                        &format!("Copy SHA256 of record {}", row.id),
                    );
                    if row.sha256.is_empty() {
                        set_attr(&button, "hidden", "");
                    } else if button.has_attribute("hidden") {
                        let _ = button.remove_attribute("hidden");
                    }
                }
            }
        }
    }
}

/// A click in the list: the copy button of a row, or the row itself.
pub fn row_click(e: MouseEvent) -> RowClick {
    let target = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    if let Some(button) = target
        .as_ref()
        .and_then(|t| t.closest("button[data-copy]").ok().flatten())
    {
        return RowClick::Copy(button.get_attribute("data-copy").unwrap_or_default());
    }
    let id = target
        .and_then(|t| t.closest("tr[data-event]").ok().flatten())
        .and_then(|tr| tr.get_attribute("data-event"))
        .unwrap_or_default();
    RowClick::Select(id)
}

/// Build an empty row: five cells, a pill in the third, code and copy button in the last.
fn new_row(document: &web_sys::Document) -> Option<web_sys::Element> {
    let tr = document.create_element("tr").ok()?;
    for i in 0..5 {
        let td = document.create_element("td").ok()?;
        match i {
            1 => td.set_class_name("gun"),
            2 => {
                let span = document.create_element("span").ok()?;
                td.append_child(&span).ok()?;
            }
            4 => {
                let code = document.create_element("code").ok()?;
                code.set_class_name("sha");
                td.append_child(&code).ok()?;
                let button = document.create_element("button").ok()?;
                button.set_class_name("link");
                let _ = button.set_attribute("type", "button");
                button.set_text_content(Some("copy"));
                td.append_child(&button).ok()?;
            }
            _ => {}
        }
        tr.append_child(&td).ok()?;
    }
    Some(tr)
}

fn set_text(el: Option<web_sys::Element>, text: &str) {
    if let Some(el) = el
        && el.text_content().as_deref() != Some(text)
    {
        el.set_text_content(Some(text));
    }
}

fn set_attr(el: &web_sys::Element, name: &str, value: &str) {
    if el.get_attribute(name).as_deref() != Some(value) {
        let _ = el.set_attribute(name, value);
    }
}
