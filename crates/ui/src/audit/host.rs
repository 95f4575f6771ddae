//! Where the audit view runs, and the only place it learns which MSR to read with which
//! credentials:
//!
//! - [`Host::Extension`]: the extension's `audit.html`; the instance comes from the
//!   settings in `chrome.storage` (`?id=` picks one), its secret from the settings or the
//!   session; deep links are read from and written to the page's hash.
//! - [`Host::Embedded`]: the `<msr-lens-audit>` custom element of the npm package on a
//!   portal page of MSR's origin; the MSR address and repository come from the element's
//!   attributes, the credentials from its `connect()` call and are kept in memory only
//!   (never stored: IndexedDB keeps the records and feed positions, keyed by MSR origin,
//!   user and repository). Stored records show only once MSR accepted the credentials
//!   ([`Host::verify_first`]).
//!
//! The view ([`crate::components::audit_app::AuditApp`]) takes the host as its property.

use std::rc::Rc;

use yew::Properties;

use crate::model::{Instance, SecretKind};

/// The properties of the audit view: where it runs.
#[derive(Debug, Clone, PartialEq, Default, Properties)]
pub struct AuditProps {
    /// The host of the view (default: the extension).
    #[prop_or_default]
    pub host: Host,
}

/// Where the audit view runs.
#[derive(Debug, Clone, Default)]
pub enum Host {
    /// The extension page: instance and secret from `chrome.storage`.
    #[default]
    Extension,
    /// A portal page: instance from the element, credentials from `connect()`.
    Embedded(Rc<Embedded>),
}

impl PartialEq for Host {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Host::Extension, Host::Extension) => true,
            (Host::Embedded(a), Host::Embedded(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// The configuration of an embedded view (`<msr-lens-audit>`).
pub struct Embedded {
    /// The MSR origin, e.g. `https://msr.example.org` (the element's `base-url`, default
    /// the page's origin).
    pub base_url: String,
    /// Read only this repository (`namespace/name`, the element's `repository`); `None`:
    /// the global feed (admins), or the repositories the user names when it is refused.
    pub repository: Option<String>,
    /// The MSR user name; empty for anonymous.
    pub username: String,
    /// The password or access token (memory only; never shown by `Debug`).
    secret: String,
    /// What `secret` is.
    pub secret_kind: SecretKind,
    /// Read deep links (`#repo=...&record=...`) from the portal page's hash, and write the
    /// view's filters and open record to it.
    pub deep_links: bool,
}

impl std::fmt::Debug for Embedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedded")
            .field("base_url", &self.base_url)
            .field("repository", &self.repository)
            .field("username", &self.username)
            .field("secret", &"<hidden>")
            .field("secret_kind", &self.secret_kind)
            .field("deep_links", &self.deep_links)
            .finish()
    }
}

impl Embedded {
    /// An embedded configuration.
    pub fn new(
        base_url: String,
        repository: Option<String>,
        username: String,
        secret: String,
        secret_kind: SecretKind,
        deep_links: bool,
    ) -> Self {
        Embedded {
            base_url: base_url.trim().trim_end_matches('/').to_string(),
            repository: repository
                .map(|r| r.trim().trim_matches('/').to_string())
                .filter(|r| !r.is_empty()),
            username: username.trim().to_string(),
            secret,
            secret_kind,
            deep_links,
        }
    }

    /// The instance the view reads. Its id names the repository read (`embed:<ns/name>`,
    /// `embed:*` for the global feed); with the origin and the user it keys the stored
    /// records ([`persist::store_key`](crate::audit::persist::store_key)), so one user's
    /// records never show for another.
    pub fn instance(&self) -> Instance {
        let name = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, rest)| rest)
            .to_string();
        Instance {
            id: format!("embed:{}", self.repository.as_deref().unwrap_or("*")),
            name,
            origin: self.base_url.clone(),
            replicas: Vec::new(),
            username: self.username.clone(),
            secret_kind: self.secret_kind,
            remember: false,
            secret: None,
            ..Instance::default()
        }
    }
}

/// What the view starts with.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// The instance to read (`None`: nothing configured).
    pub instance: Option<Instance>,
    /// Its secret.
    pub secret: Option<String>,
}

impl Host {
    /// The instance and secret to read with.
    pub async fn connect(&self) -> Connection {
        match self {
            Host::Extension => {
                use crate::services::storage;
                let settings = storage::load_settings().await.unwrap_or_default();
                let wanted = storage::query_param("id");
                let instance = settings
                    .instances
                    .iter()
                    .find(|i| Some(&i.id) == wanted.as_ref())
                    .or_else(|| settings.instances.first())
                    .cloned();
                let secret = match &instance {
                    Some(i) => storage::secret_for(i).await,
                    None => None,
                };
                Connection { instance, secret }
            }
            Host::Embedded(e) => Connection {
                instance: Some(e.instance()),
                secret: Some(e.secret.clone()).filter(|s| !s.is_empty()),
            },
        }
    }

    /// Repositories fixed by the host (the element's `repository`): the view reads
    /// per-repository feeds only and never asks for the global one.
    pub fn repositories(&self) -> Option<Vec<String>> {
        match self {
            Host::Embedded(e) => e.repository.clone().map(|r| vec![r]),
            Host::Extension => None,
        }
    }

    /// The deep-link parameters (`#repo=...&record=...`): the page's hash in the
    /// extension; the portal page's hash when embedded (unless turned off).
    pub fn hash_params(&self) -> Vec<(String, String)> {
        match self {
            Host::Embedded(e) if !e.deep_links => Vec::new(),
            _ => hash_params(),
        }
    }

    /// Whether the view writes its filters and open record to the page's hash (a link
    /// that opens the same view): always in the extension; on a portal page unless deep
    /// links are off.
    pub fn writes_links(&self) -> bool {
        match self {
            Host::Embedded(e) => e.deep_links,
            Host::Extension => true,
        }
    }

    /// Whether stored records wait until MSR accepted the credentials (the first page
    /// read): an embedded view's credentials are typed into a portal, on a browser others
    /// may share, so a user name alone must not show that user's stored records. The
    /// extension's credentials are its profile owner's, kept by the extension.
    pub fn verify_first(&self) -> bool {
        matches!(self, Host::Embedded(_))
    }

    /// What the view says when there is no instance to read.
    pub fn missing_instance(&self) -> &'static str {
        match self {
            Host::Extension => "no MSR instance is configured — add one in the options",
            Host::Embedded(_) => "no MSR address: set the element's base-url",
        }
    }
}

/// `key=value` pairs of the page's hash (values percent-decoded, `+` as space).
pub fn hash_params() -> Vec<(String, String)> {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    parse_params(&hash)
}

pub use crate::format::{hash_of, parse_params};

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded(repo: Option<&str>, user: &str) -> Embedded {
        Embedded::new(
            "https://msr.example.org/".into(),
            repo.map(str::to_string),
            user.into(),
            "s3cret".into(),
            SecretKind::Password,
            true,
        )
    }

    #[test]
    fn the_store_key_separates_users_and_repositories() {
        use crate::audit::persist::store_key;
        let a = embedded(None, "admin").instance();
        let d = embedded(None, "dev").instance();
        let r = embedded(Some("/library/nginx/"), "dev").instance();
        assert_eq!(a.id, "embed:*");
        assert_eq!(
            store_key(&a),
            r#"["embed:*","https://msr.example.org","admin"]"#
        );
        assert_ne!(store_key(&a), store_key(&d));
        assert_eq!(r.id, "embed:library/nginx");
        assert_ne!(store_key(&r), store_key(&d));
        assert!(Host::Embedded(Rc::new(embedded(None, "dev"))).verify_first());
        assert!(!Host::Extension.verify_first());
        assert_eq!(a.name, "msr.example.org");
        assert_eq!(a.origin, "https://msr.example.org");
        assert_eq!(a.secret, None, "the instance never carries the secret");
    }

    #[test]
    fn debug_hides_the_secret() {
        let text = format!("{:?}", Host::Embedded(Rc::new(embedded(None, "admin"))));
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("admin"));
    }

    #[test]
    fn fixed_repositories_and_equality() {
        let e = Rc::new(embedded(Some(" "), "dev"));
        let host = Host::Embedded(e.clone());
        assert_eq!(host.repositories(), None, "a blank repository is none");
        assert_eq!(host, Host::Embedded(e));
        assert_ne!(host, Host::Embedded(Rc::new(embedded(None, "dev"))));
        assert_eq!(Host::Extension.repositories(), None);
        let r = Host::Embedded(Rc::new(embedded(Some("library/nginx"), "dev")));
        assert_eq!(r.repositories(), Some(vec!["library/nginx".to_string()]));
        assert!(Host::Extension.writes_links());
        assert!(r.writes_links(), "deep links are on by default");
        let off = Embedded::new(
            "https://msr.example.org".into(),
            None,
            "dev".into(),
            String::new(),
            SecretKind::Token,
            false,
        );
        assert!(!Host::Embedded(Rc::new(off)).writes_links());
    }
}
