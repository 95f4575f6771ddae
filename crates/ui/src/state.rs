//! App state as reducers (`Reducible` + an action enum), one per page.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use yew::Reducible;

use crate::model::{Bucket, CheckLine, HistoryPoint, Instance, SecretKind, Settings, Snapshot};

/// The popup's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PopupState {
    /// Settings were read from storage.
    pub loaded: bool,
    /// The stored settings.
    pub settings: Settings,
    /// The instance shown.
    pub selected: Option<String>,
    /// The latest snapshot of the selected instance.
    pub snapshot: Option<Snapshot>,
    /// The history of the selected instance (oldest first).
    pub history: Vec<HistoryPoint>,
    /// The 7-day hourly buckets of the selected instance (oldest first).
    pub week: Vec<Bucket>,
    /// The latest verdict of every instance (the status dots).
    pub verdicts: BTreeMap<String, String>,
    /// The instances with a secret in this browser session.
    pub session_secrets: BTreeSet<String>,
    /// A check is running.
    pub refreshing: bool,
    /// The health shown comes from a check of this popup session (not the cache).
    pub fresh: bool,
    /// Storage could not be read.
    pub storage_error: Option<String>,
    /// The background worker could not be asked to check.
    pub refresh_error: Option<String>,
}

/// What can happen in the popup.
#[derive(Debug, Clone, PartialEq)]
pub enum PopupAction {
    /// Settings, the selection and the cached snapshot were read.
    Loaded {
        /// The settings.
        settings: Settings,
        /// The stored selection.
        selected: Option<String>,
        /// The cached snapshot of the selection.
        snapshot: Option<Snapshot>,
        /// Its history.
        history: Vec<HistoryPoint>,
        /// Its 7-day buckets.
        week: Vec<Bucket>,
        /// The latest verdict of every instance.
        verdicts: BTreeMap<String, String>,
        /// The instances with a session secret.
        session_secrets: BTreeSet<String>,
    },
    /// Storage failed.
    StorageFailed(String),
    /// The user picked another instance.
    Select(String),
    /// Cached data of the newly selected instance.
    Cached(Option<Snapshot>, Vec<HistoryPoint>, Vec<Bucket>),
    /// A check started.
    Refreshing,
    /// The health part of a check arrived (trust events still loading).
    Health(Snapshot),
    /// A check ended.
    Checked(Snapshot),
    /// The history of an instance was (re)read.
    History(String, Vec<HistoryPoint>, Vec<Bucket>),
    /// The secret of an instance was entered for this session.
    SecretEntered(String),
    /// The background worker answered the refresh request (or failed to).
    RefreshDone(Option<String>),
}

impl PopupState {
    /// The instance shown, if any.
    pub fn instance(&self) -> Option<&Instance> {
        let id = self.selected.as_deref()?;
        self.settings.instances.iter().find(|i| i.id == id)
    }
}

impl Reducible for PopupState {
    type Action = PopupAction;

    fn reduce(self: Rc<Self>, action: PopupAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            PopupAction::Loaded {
                settings,
                selected,
                snapshot,
                history,
                week,
                verdicts,
                session_secrets,
            } => {
                let selected = selected
                    .filter(|id| settings.instances.iter().any(|i| &i.id == id))
                    .or_else(|| settings.instances.first().map(|i| i.id.clone()));
                next.snapshot = snapshot.filter(|s| Some(&s.instance_id) == selected.as_ref());
                next.selected = selected;
                next.settings = settings;
                next.history = history;
                next.week = week;
                next.verdicts = verdicts;
                next.session_secrets = session_secrets;
                next.loaded = true;
            }
            PopupAction::StorageFailed(message) => {
                next.loaded = true;
                next.storage_error = Some(message);
            }
            PopupAction::Select(id) => {
                if next.selected.as_deref() != Some(id.as_str()) {
                    next.selected = Some(id);
                    next.snapshot = None;
                    next.fresh = false;
                    next.history = Vec::new();
                    next.week = Vec::new();
                }
            }
            PopupAction::Cached(snapshot, history, week) => {
                if next.snapshot.is_none() {
                    next.snapshot =
                        snapshot.filter(|s| Some(&s.instance_id) == next.selected.as_ref());
                }
                next.history = history;
                next.week = week;
            }
            PopupAction::SecretEntered(id) => {
                next.session_secrets.insert(id);
            }
            PopupAction::Refreshing => {
                next.refreshing = true;
                next.refresh_error = None;
            }
            PopupAction::History(id, history, week) => {
                if next.selected.as_deref() == Some(id.as_str()) {
                    next.history = history;
                    next.week = week;
                }
            }
            PopupAction::RefreshDone(error) => {
                next.refreshing = false;
                next.refresh_error = error;
            }
            PopupAction::Health(mut snapshot) => {
                next.verdicts.insert(
                    snapshot.instance_id.clone(),
                    crate::glance::state_of(&snapshot).to_string(),
                );
                // A health half never replaces a complete check of the same time or later:
                // storage changes can reach the page after the worker's answer and the
                // re-read that already showed the complete snapshot.
                let shown_complete = next.snapshot.as_ref().is_some_and(|old| {
                    old.instance_id == snapshot.instance_id
                        && !old.pending_trust
                        && old.checked_at >= snapshot.checked_at
                });
                if Some(&snapshot.instance_id) == next.selected.as_ref() && !shown_complete {
                    // Keep the last trust events (and their problems) until the new ones
                    // arrive. The worker's health half carries the trust part it had stored
                    // before; the one shown replaces it, so nothing is listed twice.
                    if let Some(old) = &next.snapshot {
                        snapshot.trust = old.trust.clone();
                        snapshot.problems.retain(|p| p.area != "trust");
                        snapshot
                            .problems
                            .extend(old.problems.iter().filter(|p| p.area == "trust").cloned());
                    }
                    next.snapshot = Some(snapshot);
                    next.fresh = true;
                }
            }
            PopupAction::Checked(snapshot) => {
                next.verdicts.insert(
                    snapshot.instance_id.clone(),
                    crate::glance::state_of(&snapshot).to_string(),
                );
                // A complete check older than the one shown (a late storage change) is not
                // shown over it.
                let newer_shown = next.snapshot.as_ref().is_some_and(|old| {
                    old.instance_id == snapshot.instance_id
                        && !old.pending_trust
                        && old.checked_at > snapshot.checked_at
                });
                if newer_shown && Some(&snapshot.instance_id) == next.selected.as_ref() {
                    next.refreshing = false;
                } else if Some(&snapshot.instance_id) == next.selected.as_ref() {
                    next.snapshot = Some(snapshot);
                    next.refreshing = false;
                    next.fresh = true;
                }
            }
        }
        Rc::new(next)
    }
}

/// The instance being edited on the options page, with its secret.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Draft {
    /// The instance (its `secret` is unused here).
    pub instance: Instance,
    /// The secret typed (or loaded).
    pub secret: String,
    /// Replica origins, one per line.
    pub replicas_text: String,
    /// Whether this is a new instance.
    pub is_new: bool,
}

impl Draft {
    /// A draft for a new instance with this id.
    pub fn new(id: String) -> Self {
        Draft {
            instance: Instance {
                id,
                secret_kind: SecretKind::Token,
                ..Instance::default()
            },
            is_new: true,
            ..Draft::default()
        }
    }

    /// A draft of an existing instance.
    pub fn edit(instance: &Instance, secret: Option<String>) -> Self {
        Draft {
            instance: instance.clone(),
            secret: secret.unwrap_or_default(),
            replicas_text: instance.replicas.join("\n"),
            is_new: false,
        }
    }

    /// The instance to store (addresses completed with `https://`, replicas parsed,
    /// secret attached only with `remember`).
    pub fn to_instance(&self) -> Instance {
        let mut instance = self.instance.clone();
        instance.name = instance.name.trim().to_string();
        instance.origin = complete_origin(&instance.origin);
        instance.username = instance.username.trim().to_string();
        instance.replicas = self
            .replicas_text
            .split(|c: char| c == '\n' || c == ',' || c.is_whitespace())
            .map(complete_origin)
            .filter(|s| !s.is_empty())
            .collect();
        if instance.name.is_empty() {
            instance.name = instance.origin.clone();
        }
        instance.secret = if instance.remember && !self.secret.is_empty() {
            Some(self.secret.clone())
        } else {
            None
        };
        instance
    }
}

/// An address as typed, trimmed, without a trailing `/`, and with `https://` in front
/// when it names no scheme (`msr.example.org` → `https://msr.example.org`).
pub fn complete_origin(text: &str) -> String {
    let text = text.trim().trim_end_matches('/');
    if text.is_empty() || text.contains("://") {
        text.to_string()
    } else {
        format!("https://{text}")
    }
}

/// Which form field an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldName {
    /// The MSR address.
    Origin,
    /// The replica addresses.
    Replicas,
}

/// A field of the draft.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// Name.
    Name(String),
    /// Origin.
    Origin(String),
    /// Replica origins text.
    Replicas(String),
    /// User name.
    Username(String),
    /// Secret.
    Secret(String),
    /// Secret kind.
    Kind(SecretKind),
    /// Remember on this device.
    Remember(bool),
}

/// The options page state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OptionsState {
    /// Settings were read.
    pub loaded: bool,
    /// The stored settings.
    pub settings: Settings,
    /// The instance being edited.
    pub draft: Option<Draft>,
    /// "Test connection" results for the draft.
    pub tests: Vec<CheckLine>,
    /// A test is running.
    pub testing: bool,
    /// A status line (saved, permission denied, ...).
    pub status: Option<(bool, String)>,
    /// An error of one field of the draft, shown beside it.
    pub field_error: Option<(FieldName, String)>,
    /// The instance whose removal waits for confirmation.
    pub confirm_remove: Option<String>,
    /// The instances with a secret in this browser session.
    pub session_secrets: BTreeSet<String>,
    /// The latest verdict, 24-hour history and 7-day buckets of each instance.
    pub glance: BTreeMap<String, (String, Vec<HistoryPoint>, Vec<Bucket>)>,
    /// Whether `glance` and `session_secrets` were read (no "no secret" flag before).
    pub glance_loaded: bool,
    /// The replica origins MSR's settings listed in each instance's latest snapshot.
    pub discovered: BTreeMap<String, Vec<String>>,
    /// The stored settings cannot be read at all (why): they are kept, not edited.
    pub unreadable: Option<String>,
    /// "Replace the unreadable settings" waits for confirmation.
    pub confirm_replace: bool,
}

/// What can happen on the options page.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionsAction {
    /// Settings were read.
    Loaded(Settings),
    /// The stored settings cannot be read at all (why).
    Unreadable(String),
    /// Ask to confirm replacing unreadable settings (or, `false`, do not).
    ConfirmReplace(bool),
    /// Start editing a draft.
    Edit(Draft),
    /// A draft field changed.
    Set(Field),
    /// Stop editing.
    Cancel,
    /// Settings were saved.
    Saved(Settings, String),
    /// A status message (ok?, text).
    Status(bool, String),
    /// A test started.
    Testing,
    /// A test ended.
    Tested(Vec<CheckLine>),
    /// A field of the draft is wrong (or, `None`, no longer).
    FieldError(Option<(FieldName, String)>),
    /// Ask to confirm removing an instance (or, `None`, do not).
    ConfirmRemove(Option<String>),
    /// What the options page shows of each instance beside its settings.
    Glance {
        /// The instances with a session secret.
        session_secrets: BTreeSet<String>,
        /// Verdict, history and buckets by instance id.
        glance: BTreeMap<String, (String, Vec<HistoryPoint>, Vec<Bucket>)>,
        /// Discovered replica origins by instance id.
        discovered: BTreeMap<String, Vec<String>>,
    },
}

impl Reducible for OptionsState {
    type Action = OptionsAction;

    fn reduce(self: Rc<Self>, action: OptionsAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            OptionsAction::Loaded(settings) => {
                next.settings = settings;
                next.loaded = true;
                next.unreadable = None;
            }
            OptionsAction::Unreadable(why) => {
                next.settings = Settings::default();
                next.loaded = true;
                next.unreadable = Some(why);
                next.draft = None;
            }
            OptionsAction::ConfirmReplace(confirm) => next.confirm_replace = confirm,
            OptionsAction::Edit(draft) => {
                next.draft = Some(draft);
                next.tests.clear();
                next.status = None;
                next.field_error = None;
                next.confirm_remove = None;
            }
            OptionsAction::Set(field) => {
                if let Some(draft) = next.draft.as_mut() {
                    // A field the user sets is theirs: a stored value of it this version
                    // could not read is not written back over it any more.
                    let key = match &field {
                        Field::Name(_) => "name",
                        Field::Origin(_) => "origin",
                        Field::Replicas(_) => "replicas",
                        Field::Username(_) => "username",
                        Field::Secret(_) => "secret",
                        Field::Kind(_) => "secretKind",
                        Field::Remember(_) => "remember",
                    };
                    draft.instance.kept.remove(key);
                    match field {
                        Field::Name(v) => draft.instance.name = v,
                        Field::Origin(v) => {
                            draft.instance.origin = v;
                            if matches!(next.field_error, Some((FieldName::Origin, _))) {
                                next.field_error = None;
                            }
                        }
                        Field::Replicas(v) => {
                            draft.replicas_text = v;
                            if matches!(next.field_error, Some((FieldName::Replicas, _))) {
                                next.field_error = None;
                            }
                        }
                        Field::Username(v) => draft.instance.username = v,
                        Field::Secret(v) => draft.secret = v,
                        Field::Kind(v) => draft.instance.secret_kind = v,
                        Field::Remember(v) => draft.instance.remember = v,
                    }
                }
            }
            OptionsAction::Cancel => {
                next.draft = None;
                next.tests.clear();
                next.field_error = None;
            }
            OptionsAction::Saved(settings, message) => {
                next.settings = settings;
                next.draft = None;
                next.field_error = None;
                next.confirm_remove = None;
                next.unreadable = None;
                next.status = Some((true, message));
            }
            OptionsAction::FieldError(error) => next.field_error = error,
            OptionsAction::ConfirmRemove(id) => next.confirm_remove = id,
            OptionsAction::Glance {
                session_secrets,
                glance,
                discovered,
            } => {
                next.session_secrets = session_secrets;
                next.glance = glance;
                next.discovered = discovered;
                next.glance_loaded = true;
            }
            OptionsAction::Status(ok, message) => next.status = Some((ok, message)),
            OptionsAction::Testing => {
                next.testing = true;
                next.tests.clear();
            }
            OptionsAction::Tested(lines) => {
                next.testing = false;
                next.tests = lines;
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TrustEvent;

    fn settings(ids: &[&str]) -> Settings {
        Settings {
            instances: ids
                .iter()
                .map(|id| Instance {
                    id: (*id).into(),
                    ..Instance::default()
                })
                .collect(),
            ..Settings::default()
        }
    }

    #[test]
    fn popup_selects_the_first_instance_and_ignores_stale_checks() {
        let state = Rc::new(PopupState::default());
        let state = state.reduce(PopupAction::Loaded {
            settings: settings(&["a", "b"]),
            selected: Some("gone".into()),
            snapshot: None,
            history: vec![],
            week: vec![],
            verdicts: BTreeMap::new(),
            session_secrets: BTreeSet::new(),
        });
        assert_eq!(state.selected.as_deref(), Some("a"));
        let state = state.reduce(PopupAction::Refreshing);
        let state = state.reduce(PopupAction::Select("b".into()));
        let late = Snapshot {
            instance_id: "a".into(),
            verdict: "down".into(),
            ..Snapshot::default()
        };
        let state = state.reduce(PopupAction::Checked(late));
        assert!(
            state.snapshot.is_none(),
            "a late check of another instance must not show"
        );
        assert_eq!(
            state.verdicts.get("a").map(String::as_str),
            Some("down"),
            "but its status dot follows it"
        );
        let state = state.reduce(PopupAction::Checked(Snapshot {
            instance_id: "b".into(),
            ..Snapshot::default()
        }));
        assert!(!state.refreshing);
        assert_eq!(state.instance().map(|i| i.id.as_str()), Some("b"));
    }

    #[test]
    fn health_keeps_the_old_trust_events_until_the_new_ones_arrive() {
        let state = Rc::new(PopupState::default()).reduce(PopupAction::Loaded {
            settings: settings(&["a"]),
            selected: None,
            snapshot: Some(Snapshot {
                instance_id: "a".into(),
                trust: crate::model::TrustView {
                    events: vec![TrustEvent::default()],
                    read: true,
                },
                ..Snapshot::default()
            }),
            history: vec![],
            week: vec![],
            verdicts: BTreeMap::new(),
            session_secrets: BTreeSet::new(),
        });
        assert!(!state.fresh);
        let state = state
            .reduce(PopupAction::Refreshing)
            .reduce(PopupAction::Health(Snapshot {
                instance_id: "a".into(),
                checked_at: 1, // the next check
                verdict: "healthy".into(),
                pending_trust: true,
                ..Snapshot::default()
            }));
        let shown = state.snapshot.as_ref().unwrap();
        assert!(state.fresh && state.refreshing);
        assert_eq!(shown.verdict, "healthy");
        assert_eq!(shown.trust.events.len(), 1);
    }

    #[test]
    fn a_health_half_lists_the_shown_trust_problem_once_and_never_replaces_its_complete_check() {
        let trust_problem = crate::model::Problem {
            area: "trust".into(),
            kind: "loginPage".into(),
            message: "MSR answered the trust audit log with a login page".into(),
        };
        let complete = |t: i64, problems: Vec<crate::model::Problem>| Snapshot {
            instance_id: "a".into(),
            checked_at: t,
            verdict: "unknown".into(),
            problems,
            ..Snapshot::default()
        };
        let state = Rc::new(PopupState::default()).reduce(PopupAction::Loaded {
            settings: settings(&["a"]),
            selected: None,
            snapshot: Some(complete(1, vec![trust_problem.clone()])),
            history: vec![],
            week: vec![],
            verdicts: BTreeMap::new(),
            session_secrets: BTreeSet::new(),
        });
        // The worker's health half of the next check already carries the stored trust
        // problem (extension/snapshot.js healthSnapshot): it is listed once.
        let half = Snapshot {
            instance_id: "a".into(),
            checked_at: 2,
            verdict: "healthy".into(),
            pending_trust: true,
            problems: vec![trust_problem.clone()],
            ..Snapshot::default()
        };
        let state = state.reduce(PopupAction::Health(half.clone()));
        let shown = state.snapshot.as_ref().unwrap();
        assert_eq!(shown.verdict, "healthy");
        assert_eq!(shown.problems, vec![trust_problem.clone()]);
        // The complete check, then its health half arriving late: the complete one stays.
        let state = state.reduce(PopupAction::Checked(complete(2, vec![])));
        let state = state.reduce(PopupAction::Health(half));
        let shown = state.snapshot.as_ref().unwrap();
        assert!(!shown.pending_trust);
        assert_eq!(shown.problems, vec![]);
        // An older complete check arriving late does not replace it either.
        let state = state
            .reduce(PopupAction::Refreshing)
            .reduce(PopupAction::Checked(complete(1, vec![trust_problem])));
        assert_eq!(state.snapshot.as_ref().unwrap().checked_at, 2);
        assert_eq!(state.snapshot.as_ref().unwrap().problems, vec![]);
        assert!(!state.refreshing);
    }

    #[test]
    fn addresses_without_a_scheme_get_https() {
        assert_eq!(
            complete_origin(" msr.example.org/ "),
            "https://msr.example.org"
        );
        assert_eq!(complete_origin("127.0.0.1:8443"), "https://127.0.0.1:8443");
        assert_eq!(complete_origin("http://msr:80"), "http://msr:80");
        assert_eq!(complete_origin("  "), "");
        let mut draft = Draft::new("x".into());
        draft.instance.origin = "msr.example.org".into();
        draft.replicas_text = "r1.example.org:4443\nhttps://r2".into();
        let instance = draft.to_instance();
        assert_eq!(instance.origin, "https://msr.example.org");
        assert_eq!(
            instance.replicas,
            ["https://r1.example.org:4443", "https://r2"]
        );
    }

    #[test]
    fn editing_a_field_clears_its_error_only() {
        let state = Rc::new(OptionsState::default())
            .reduce(OptionsAction::Edit(Draft::new("x".into())))
            .reduce(OptionsAction::FieldError(Some((
                FieldName::Origin,
                "bad".into(),
            ))));
        let state = state.reduce(OptionsAction::Set(Field::Replicas("r".into())));
        assert!(state.field_error.is_some());
        let state = state.reduce(OptionsAction::Set(Field::Origin("o".into())));
        assert_eq!(state.field_error, None);
    }

    #[test]
    fn drafts_keep_secrets_only_when_remembered() {
        let mut draft = Draft::new("x".into());
        draft.instance.origin = " https://msr.example.org/ ".into();
        draft.replicas_text = "https://a:1\n\nhttps://b:2/ , https://c".into();
        draft.secret = "s3cret".into();
        let instance = draft.to_instance();
        assert_eq!(instance.origin, "https://msr.example.org");
        assert_eq!(instance.name, "https://msr.example.org");
        assert_eq!(
            instance.replicas,
            ["https://a:1", "https://b:2", "https://c"]
        );
        assert_eq!(instance.secret, None);
        draft.instance.remember = true;
        assert_eq!(draft.to_instance().secret.as_deref(), Some("s3cret"));
    }

    /// An unknown secretKind stays through an edit of another field, and goes when the
    /// user picks a kind (even the default one).
    #[test]
    fn a_field_the_user_sets_replaces_its_kept_stored_value() {
        let stored = serde_json::json!({"id": "a", "origin": "https://a", "secretKind": "sso"});
        let instance = Instance::from_value(stored).unwrap();
        let state = Rc::new(OptionsState::default())
            .reduce(OptionsAction::Edit(Draft::edit(&instance, None)))
            .reduce(OptionsAction::Set(Field::Name("renamed".into())));
        let draft = state.draft.clone().unwrap();
        assert_eq!(draft.to_instance().to_value()["secretKind"], "sso");
        let state = state.reduce(OptionsAction::Set(Field::Kind(SecretKind::Token)));
        let draft = state.draft.clone().unwrap();
        assert_eq!(draft.to_instance().to_value()["secretKind"], "token");
        assert_eq!(draft.to_instance().to_value()["name"], "renamed");
    }
}
