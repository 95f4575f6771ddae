//! The virtualized list of the trust audit explorer: only the visible rows of the selection
//! are in the DOM, painted imperatively from the [`Store`] the
//! [`AuditApp`](super::audit_app::AuditApp) owns.
//!
//! What one scrolled frame costs is kept small:
//! - the rows are a fixed pool of elements (one per visible slot plus a few above and
//!   below), built once; a scroll only rewrites their text nodes (`Text.data`) and a few
//!   attributes, and only what differs from what the slot shows (compared on the Rust side:
//!   the DOM is never read back, so no JS strings are made for nothing);
//! - the table is laid out as blocks of fixed height with `contain: strict` rows (no table
//!   layout, no collapsed borders): the rows' container is one block moved with
//!   `transform: translateY(..)` inside a sizer as tall as the whole selection, so a scroll
//!   changes one transform and the rows' text, nothing else;
//! - the scroll handler runs at most once per frame (the browser coalesces scroll events)
//!   and never re-renders the Yew view.
//!
//! Rows are reachable by keyboard with a roving tabindex: one row is in the tab order (the
//! active one, else the first in view); arrow keys, Page Up/Down, Home and End move it (the
//! list scrolls to keep it in view), Enter opens the record ([`row_key`]).

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, Text};
use yew::prelude::*;

use crate::audit::store::{Kind, RegistryHost, Row, Store};
use crate::format::ago;
use crate::services::storage;

/// Height of one row in pixels (the list is virtualized on it).
pub const ROW_HEIGHT: f64 = 28.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 4;

/// What a click in the list asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowClick {
    /// Copy this text (a row's copy button: the record's SHA256).
    Copy(String),
    /// Show the record with this ID.
    Select(String),
}

/// What a key pressed on a row asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKey {
    /// Move the active row by this many rows (clamped to the selection).
    Move(i64),
    /// Go to the first row.
    First,
    /// Go to the last row.
    Last,
    /// Open the record of the row.
    Open,
}

/// The elements of one row slot, built once.
#[derive(Debug)]
struct Slot {
    tr: Element,
    when_cell: Element,
    when: Text,
    gun_cell: Element,
    gun: Text,
    pill: Element,
    category: Text,
    version: Text,
    sha: Text,
    copy: Element,
    /// What the slot shows (`None`: nothing yet).
    shown: Option<Shown>,
}

/// The texts a slot shows, to write only what changes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Shown {
    id: Box<str>,
    index: usize,
    class: &'static str,
    created: Box<str>,
    when: String,
    /// The repository as the row shows it: the GUN without the view's registry host.
    name: Box<str>,
    /// The full GUN (the row's `data-gun` and the cell's tooltip).
    gun: Box<str>,
    category: Box<str>,
    version: String,
    sha: Box<str>,
    full_sha: Box<str>,
    /// In the tab order (the roving tabindex).
    tabbable: bool,
}

impl Shown {
    fn of(
        store: &Store,
        host: Option<&RegistryHost>,
        row: &Row,
        index: usize,
        selected: bool,
        tabbable: bool,
        now: i64,
    ) -> Shown {
        let deletion = row.kind == Kind::Deletion;
        let gun = store.gun(row);
        Shown {
            id: row.id.clone(),
            index,
            class: match (deletion, selected) {
                (true, true) => "deletion selected",
                (true, false) => "deletion",
                (false, true) => "selected",
                (false, false) => "",
            },
            created: row.created.clone(),
            when: if row.at == i64::MIN {
                row.created.to_string()
            } else {
                ago(row.at, now)
            },
            name: host.map_or(gun, |h| h.short(gun)).into(),
            gun: gun.into(),
            category: row.category().into(),
            version: if deletion {
                "—".to_string()
            } else {
                row.version.to_string()
            },
            sha: row.sha256.get(..12).unwrap_or(&row.sha256).into(),
            full_sha: row.sha256.clone(),
            tabbable,
        }
    }
}

/// The scroller, the table the rows go in, and the scroll position.
#[derive(Debug)]
pub struct VirtualList {
    scroller: NodeRef,
    table: NodeRef,
    body: NodeRef,
    slots: Vec<Slot>,
    /// The `<tbody>` the slots are in (if Yew ever replaced it, everything is built again).
    painted: Option<HtmlElement>,
    /// The table height and the rows' offset last written.
    height: Option<usize>,
    offset: Option<usize>,
    scroll_top: f64,
    view_height: f64,
    /// `scroll_top` was set by the view: apply it once the table has its size.
    pending_scroll: bool,
    /// The row (index in the selection) with the keyboard focus.
    active: Option<usize>,
    /// Focus the active row at the next paint.
    focus_pending: bool,
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
            table: NodeRef::default(),
            body: NodeRef::default(),
            slots: Vec::new(),
            painted: None,
            height: None,
            offset: None,
            scroll_top: 0.0,
            view_height: 600.0,
            pending_scroll: false,
            active: None,
            focus_pending: false,
        }
    }

    /// The row (index in the selection) in the tab order, if one was chosen.
    pub fn active(&self) -> Option<usize> {
        self.active
    }

    /// Make row `index` of the selection the one in the tab order; `focus`: move the
    /// keyboard focus to it (scrolled into view) at the next paint.
    pub fn set_active(&mut self, index: Option<usize>, focus: bool) {
        self.active = index;
        self.focus_pending = focus && index.is_some();
        if let (Some(i), true) = (index, focus) {
            // Row i sits below the sticky header row: (i + 1) rows from the top.
            let top = (i + 1) as f64 * ROW_HEIGHT;
            if top < self.scroll_top + ROW_HEIGHT {
                self.scroll_to(i as f64 * ROW_HEIGHT);
            } else if top + ROW_HEIGHT > self.scroll_top + self.view_height {
                self.scroll_to(top + ROW_HEIGHT - self.view_height);
            }
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
    /// `footer` below the rows; `host`: the registry host the rows leave out.
    pub fn view(
        &self,
        host: Option<&str>,
        onscroll: Callback<web_sys::Event>,
        onclick: Callback<MouseEvent>,
        onkeydown: Callback<KeyboardEvent>,
        footer: Html,
    ) -> Html {
        // Laid out as blocks (see the module documentation), so the table roles are spelt
        // out for assistive technology. With a registry host, the table's name says it once
        // (the rows name `ns/repo`).
        let (label, column) = match host {
            Some(host) => (
                format!("trust records of repositories on {host}"),
                "Repository",
            ),
            None => ("trust records".to_string(), "Repository (GUN)"),
        };
        html! {
            <div class="vlist" ref={self.scroller.clone()} onscroll={onscroll} data-testid="scroller">
            <table class="audit-table" role="table" aria-label={label} data-testid="audit" ref={self.table.clone()}>
                <thead role="rowgroup"><tr role="row" aria-rowindex="1">
                    <th scope="col" role="columnheader">{ "When" }</th><th scope="col" role="columnheader">{ column }</th>
                    <th scope="col" role="columnheader">{ "Change" }</th><th scope="col" role="columnheader">{ "Version" }</th><th scope="col" role="columnheader">{ "timestamp.json SHA256" }</th>
                </tr></thead>
                // Rows are painted by `paint` (only the visible ones, DOM nodes reused);
                // clicks are delegated here.
                <tbody role="rowgroup" ref={self.body.clone()} onclick={onclick} onkeydown={onkeydown}></tbody>
            </table>
            { footer }
            </div>
        }
    }

    /// Put the visible rows of `positions` (store positions, in display order) into the
    /// table: reuse the row elements, only change what differs, move the rows' block to
    /// where they are and size the table for all of `positions`. Rows name their
    /// repository without `host` (the view names it once) where their GUN is on it.
    pub fn paint(
        &mut self,
        store: &Store,
        host: Option<&RegistryHost>,
        positions: &[u32],
        selected: Option<&str>,
    ) {
        let (Some(table), Some(body)) = (
            self.table.cast::<HtmlElement>(),
            self.body.cast::<HtmlElement>(),
        ) else {
            return;
        };
        if self.painted.as_ref() != Some(&body) {
            self.slots.clear();
            self.height = None;
            self.offset = None;
            self.painted = Some(body.clone());
        }
        let total = positions.len();
        if self.height != Some(total) {
            self.height = Some(total);
            let _ = table
                .style()
                .set_property("height", &format!("{}px", (total + 1) as f64 * ROW_HEIGHT));
            let _ = table.set_attribute("aria-rowcount", &(total + 1).to_string());
        }
        if self.pending_scroll {
            self.pending_scroll = false;
            if let Some(el) = self.scroller.cast::<HtmlElement>() {
                el.set_scroll_top(self.scroll_top as i32);
            }
        }
        let first = ((self.scroll_top / ROW_HEIGHT) as usize).saturating_sub(OVERSCAN);
        let count = (self.view_height / ROW_HEIGHT).ceil() as usize + 1 + 2 * OVERSCAN;
        let last = (first + count).min(total);
        let first = first.min(last);
        if self.offset != Some(first) {
            self.offset = Some(first);
            let _ = body.style().set_property(
                "transform",
                &format!("translateY({}px)", first as f64 * ROW_HEIGHT),
            );
        }
        let wanted = last - first;
        // A row with the keyboard focus keeps it while the slots move (a removed or reused
        // slot would otherwise drop it to the page).
        let focused = self
            .active
            .and_then(|_| web_sys::window()?.document()?.active_element())
            .filter(|el| body.contains(Some(el)));
        while self.slots.len() > wanted {
            if let Some(slot) = self.slots.pop() {
                slot.tr.remove();
            }
        }
        if self.slots.len() < wanted {
            let Some(document) = web_sys::window().and_then(|w| w.document()) else {
                return;
            };
            while self.slots.len() < wanted {
                let Some(slot) = new_slot(&document) else {
                    return;
                };
                let _ = body.append_child(&slot.tr);
                self.slots.push(slot);
            }
        }
        let now = storage::date_now() as i64;
        let shown = positions.get(first..last).unwrap_or(&[]);
        // One row in the tab order: the active one when painted, else the first in view.
        let tabbable = match self.active {
            Some(a) if (first..last).contains(&a) => a,
            _ => ((self.scroll_top / ROW_HEIGHT) as usize)
                .max(first)
                .min(last.saturating_sub(1)),
        };
        for (k, (slot, &p)) in self.slots.iter_mut().zip(shown).enumerate() {
            let Some(row) = store.get(p as usize) else {
                continue;
            };
            let is_selected = selected == Some(&*row.id);
            let next = Shown::of(
                store,
                host,
                row,
                first + k,
                is_selected,
                first + k == tabbable,
                now,
            );
            slot.show(next);
        }
        if (self.focus_pending || focused.is_some())
            && let Some(active) = self.active
            && let Some(slot) = self
                .slots
                .iter()
                .find(|s| s.shown.as_ref().is_some_and(|s| s.index == active))
            && let Some(tr) = slot.tr.dyn_ref::<HtmlElement>()
        {
            self.focus_pending = false;
            if !focused.as_ref().is_some_and(|f| slot.tr.contains(Some(f))) {
                let _ = tr.focus();
            }
        }
    }
}

impl Slot {
    /// Write what differs between what the slot shows and `next`.
    fn show(&mut self, next: Shown) {
        let fresh = self.shown.is_none();
        let old = self.shown.take().unwrap_or_default();
        if fresh || old.id != next.id {
            let _ = self.tr.set_attribute("data-event", &next.id);
            let _ = self
                .copy
                .set_attribute("aria-label", &format!("Copy SHA256 of record {}", next.id));
        }
        if fresh || old.index != next.index {
            // aria-rowindex counts from 1, the header row being 1.
            let _ = self
                .tr
                .set_attribute("aria-rowindex", &(next.index + 2).to_string());
        }
        if fresh || old.tabbable != next.tabbable {
            let _ = self
                .tr
                .set_attribute("tabindex", if next.tabbable { "0" } else { "-1" });
        }
        if fresh || old.class != next.class {
            self.tr.set_class_name(next.class);
        }
        if fresh || old.created != next.created {
            let _ = self.when_cell.set_attribute("title", &next.created);
        }
        if fresh || old.when != next.when {
            self.when.set_data(&next.when);
        }
        if fresh || old.gun != next.gun {
            // The full GUN stays reachable: for scripts and tests, and as the tooltip.
            let _ = self.tr.set_attribute("data-gun", &next.gun);
            let _ = self.gun_cell.set_attribute("title", &next.gun);
        }
        if fresh || old.name != next.name {
            self.gun.set_data(&next.name);
        }
        if fresh || old.category != next.category {
            let _ = self.tr.set_attribute("data-category", &next.category);
            self.pill.set_class_name(if &*next.category == "deletion" {
                "pill bad"
            } else {
                "pill good"
            });
            let _ = self
                .pill
                .set_attribute("title", category_title(&next.category));
            self.category.set_data(&next.category);
        }
        if fresh || old.version != next.version {
            self.version.set_data(&next.version);
        }
        if fresh || old.sha != next.sha {
            self.sha.set_data(&next.sha);
            let _ = self.copy.set_attribute("data-copy", &next.full_sha);
            if next.sha.is_empty() {
                let _ = self.copy.set_attribute("hidden", "");
            } else if fresh || old.sha.is_empty() {
                let _ = self.copy.remove_attribute("hidden");
            }
        }
        self.shown = Some(next);
    }
}

/// What a category means, for its pill's tooltip.
pub fn category_title(category: &str) -> &'static str {
    match category {
        "update" => "a timestamp update (a publish or a server re-sign)",
        "deletion" => "the repository's trust data was deleted",
        _ => "a category this version does not know",
    }
}

/// A click in the list: the copy button of a row, or the row itself.
pub fn row_click(e: MouseEvent) -> RowClick {
    let target = e.target().and_then(|t| t.dyn_into::<Element>().ok());
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

/// A key pressed in the list: what it asks for and the index (in the selection) of the row
/// it was pressed on; `None` for other keys, and for keys a row's copy button handles
/// itself (Enter, Space). Handled keys do not scroll the page.
pub fn row_key(e: &KeyboardEvent) -> Option<(RowKey, usize)> {
    let target = e.target().and_then(|t| t.dyn_into::<Element>().ok())?;
    let on_button = target.closest("button").ok().flatten().is_some();
    let tr = target.closest("tr[aria-rowindex]").ok().flatten()?;
    let index = tr
        .get_attribute("aria-rowindex")?
        .parse::<usize>()
        .ok()?
        .checked_sub(2)?;
    let page = 10;
    let key = match e.key().as_str() {
        "ArrowDown" => RowKey::Move(1),
        "ArrowUp" => RowKey::Move(-1),
        "PageDown" => RowKey::Move(page),
        "PageUp" => RowKey::Move(-page),
        "Home" => RowKey::First,
        "End" => RowKey::Last,
        "Enter" | " " if !on_button => RowKey::Open,
        _ => return None,
    };
    e.prevent_default();
    Some((key, index))
}

/// An element with a class and an empty text node; the element and the text node.
fn cell(document: &Document, tag: &str, class: &str) -> Option<(Element, Text)> {
    let el = document.create_element(tag).ok()?;
    if !class.is_empty() {
        el.set_class_name(class);
    }
    let text = document.create_text_node("");
    el.append_child(&text).ok()?;
    Some((el, text))
}

/// Build an empty row: five cells, a pill in the third, code and copy button in the last.
fn new_slot(document: &Document) -> Option<Slot> {
    let tr = document.create_element("tr").ok()?;
    let _ = tr.set_attribute("role", "row");
    let (when_cell, when) = cell(document, "td", "when")?;
    let (gun_cell, gun) = cell(document, "td", "gun")?;
    let category_cell = document.create_element("td").ok()?;
    let (pill, category) = cell(document, "span", "pill good")?;
    category_cell.append_child(&pill).ok()?;
    let (version_cell, version) = cell(document, "td", "version")?;
    let sha_cell = document.create_element("td").ok()?;
    let (code, sha) = cell(document, "code", "sha")?;
    sha_cell.append_child(&code).ok()?;
    let copy = document.create_element("button").ok()?;
    copy.set_class_name("link copy");
    let _ = copy.set_attribute("type", "button");
    copy.set_text_content(Some("copy"));
    sha_cell.append_child(&copy).ok()?;
    for td in [
        &when_cell,
        &gun_cell,
        &category_cell,
        &version_cell,
        &sha_cell,
    ] {
        let _ = td.set_attribute("role", "cell");
        tr.append_child(td).ok()?;
    }
    Some(Slot {
        tr,
        when_cell,
        when,
        gun_cell,
        gun,
        pill,
        category,
        version,
        sha,
        copy,
        shown: None,
    })
}
