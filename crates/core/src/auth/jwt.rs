//! Reading the claims of a registry token (a JWT) without checking its signature.
//!
//! The client never trusts these claims for security: the registry and notary check the
//! signature. They only let the client tell "signed in, but no pull access to X" apart
//! from "the server failed" (msr-api.md §4): a token service answers 200 to any valid
//! credentials, and what the user may do is in the token's `access` claim.

use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Serialize;
use serde_json::Value;

use crate::Timestamp;
use crate::auth::scope::Scope;

/// Why a token's claims could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// The token is not three dot-separated parts (`header.payload.signature`).
    #[error("the token is not a jwt (expected header.payload.signature)")]
    Shape,
    /// The payload is not base64url.
    #[error("the jwt payload is not base64url")]
    Base64,
    /// The payload is not a JSON object.
    #[error("the jwt payload is not a json object")]
    NotObject,
}

/// One entry of a token's `access` claim: actions granted on one resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Grant {
    /// The resource type (`repository`, `registry`).
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The resource name (`<host>/<ns>/<repo>`, `catalog`).
    pub name: String,
    /// The actions granted (`pull`, `push`, `*`).
    pub actions: Vec<String>,
}

/// Everything a token grants: its `access` claim.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Grants(Vec<Grant>);

impl Grants {
    /// Grants from a list of entries.
    pub fn new(grants: Vec<Grant>) -> Self {
        Grants(grants)
    }

    /// The entries, in token order.
    pub fn as_slice(&self) -> &[Grant] {
        &self.0
    }

    /// Whether nothing is granted (an anonymous token, or no access at all).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every action of `scope` is granted on exactly its type and name (a scope
    /// without actions asks for nothing and is allowed).
    ///
    /// A granted `*` covers every action; an asked `*` needs a granted `*`
    /// (notary: `registry:catalog:pull` does not open the global feed). Names are
    /// compared exactly: a grant on name `*` is not a wildcard, and `push` does not
    /// imply `pull` — both as notary-server 0.7.0 decides.
    pub fn allows(&self, scope: &Scope) -> bool {
        scope.actions().iter().all(|action| {
            self.0.iter().any(|g| {
                g.resource_type == scope.resource_type()
                    && g.name == scope.name()
                    && g.actions.iter().any(|a| a == "*" || a == action)
            })
        })
    }

    /// Add the entries of `other` not already present.
    pub fn extend(&mut self, other: &Grants) {
        for g in &other.0 {
            if !self.0.contains(g) {
                self.0.push(g.clone());
            }
        }
    }
}

impl fmt::Display for Grants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("nothing");
        }
        for (i, g) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}:{}:{}", g.resource_type, g.name, g.actions.join(","))?;
        }
        Ok(())
    }
}

/// The claims of a registry token that the client uses. Missing or odd claims are `None`
/// (or no grants), never an error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Claims {
    /// `iss`: who issued the token.
    pub issuer: Option<String>,
    /// `sub`: the account the token was issued to; `None` or empty for anonymous.
    pub subject: Option<String>,
    /// `aud`: the audience (a string on MSR; the first string of an array otherwise).
    pub audience: Option<String>,
    /// `exp`: when the token expires, by the issuer's clock.
    pub expires_at: Option<Timestamp>,
    /// `nbf`: not valid before, by the issuer's clock.
    pub not_before: Option<Timestamp>,
    /// `iat`: when it was issued, by the issuer's clock.
    pub issued_at: Option<Timestamp>,
    /// `access`: what it grants.
    pub access: Grants,
}

impl Claims {
    /// Decode the payload of a compact JWT (`header.payload.signature`).
    ///
    /// The signature is NOT checked. The payload may be base64url with or without
    /// padding (standard base64 is tolerated too).
    pub fn decode(token: &str) -> Result<Claims, JwtError> {
        let mut parts = token.trim().split('.');
        let (Some(_header), Some(payload), Some(_signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Shape);
        };
        let bytes = decode_base64(payload).ok_or(JwtError::Base64)?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| JwtError::NotObject)?;
        let Value::Object(map) = value else {
            return Err(JwtError::NotObject);
        };
        let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_string);
        let time = |key: &str| map.get(key).and_then(seconds_to_timestamp);
        let audience = match map.get("aud") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Array(items)) => items.iter().find_map(Value::as_str).map(str::to_string),
            _ => None,
        };
        let access = match map.get("access") {
            Some(Value::Array(items)) => Grants(items.iter().filter_map(grant).collect()),
            _ => Grants::default(),
        };
        Ok(Claims {
            issuer: text("iss"),
            subject: text("sub"),
            audience,
            expires_at: time("exp"),
            not_before: time("nbf"),
            issued_at: time("iat"),
            access,
        })
    }

    /// Whether the token was issued to nobody in particular (no or empty `sub`).
    pub fn is_anonymous(&self) -> bool {
        self.subject.as_deref().is_none_or(str::is_empty)
    }
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    GeneralPurpose::new(&alphabet::URL_SAFE, config)
        .decode(text)
        .or_else(|_| GeneralPurpose::new(&alphabet::STANDARD, config).decode(text))
        .ok()
}

fn seconds_to_timestamp(value: &Value) -> Option<Timestamp> {
    if let Some(secs) = value.as_i64() {
        return Some(Timestamp::from_secs(secs));
    }
    // Floats (and integers past i64) saturate; NaN cannot come out of JSON.
    let secs = value.as_f64()?;
    Some(Timestamp::from_millis((secs * 1000.0) as i64))
}

fn grant(value: &Value) -> Option<Grant> {
    let resource_type = value.get("type")?.as_str()?.to_string();
    let name = value.get("name")?.as_str()?.to_string();
    let actions = match value.get("actions") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    Some(Grant {
        resource_type,
        name,
        actions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256","kid":"x"}"#),
            URL_SAFE_NO_PAD.encode(payload.as_bytes())
        )
    }

    #[test]
    fn reads_access_sub_and_exp() {
        let c = Claims::decode(&jwt(
            r#"{"iss":"msr","sub":"alice","aud":"dtr","exp":1700000300,"nbf":1700000000,"iat":1700000000,"jti":"j",
               "access":[{"type":"repository","name":"msr.example.org/library/wordpress","actions":["pull","push"]},
                         {"type":"registry","name":"catalog","actions":["*"]}]}"#,
        ))
        .unwrap();
        assert_eq!(c.subject.as_deref(), Some("alice"));
        assert_eq!(c.audience.as_deref(), Some("dtr"));
        assert_eq!(c.expires_at, Some(Timestamp::from_secs(1_700_000_300)));
        assert!(!c.is_anonymous());
        assert!(c.access.allows(&Scope::catalog_all()));
        assert!(
            c.access
                .allows(&Scope::repository_pull("msr.example.org/library/wordpress"))
        );
        assert!(c.access.allows(
            &Scope::parse("repository:msr.example.org/library/wordpress:push,pull").unwrap()
        ));
        assert!(
            !c.access
                .allows(&Scope::repository_pull("msr.example.org/engineering/api"))
        );
        assert_eq!(
            c.access.to_string(),
            "repository:msr.example.org/library/wordpress:pull,push registry:catalog:*"
        );
    }

    #[test]
    fn grant_rules_match_notary() {
        let g = |t: &str, n: &str, a: &[&str]| {
            Grants::new(vec![Grant {
                resource_type: t.into(),
                name: n.into(),
                actions: a.iter().map(|s| s.to_string()).collect(),
            }])
        };
        let wp = Scope::repository_pull("msr.example.org/library/wordpress");
        assert!(g("repository", "msr.example.org/library/wordpress", &["*"]).allows(&wp));
        assert!(!g("repository", "msr.example.org/library/wordpress", &["push"]).allows(&wp));
        assert!(!g("repository", "*", &["pull"]).allows(&wp));
        assert!(!g("registry", "catalog", &["*"]).allows(&wp));
        assert!(!g("registry", "catalog", &["pull"]).allows(&Scope::catalog_all()));
        assert!(!Grants::default().allows(&wp));
        assert_eq!(Grants::default().to_string(), "nothing");
    }

    #[test]
    fn padding_optional_and_odd_claims_tolerated() {
        let payload = br#"{"sub":"","aud":["a","b"],"exp":1.7e9,"access":null}"#;
        let padded = format!("e30=.{}.", URL_SAFE.encode(payload));
        let c = Claims::decode(&padded).unwrap();
        assert!(c.is_anonymous());
        assert_eq!(c.audience.as_deref(), Some("a"));
        assert_eq!(c.expires_at, Some(Timestamp::from_secs(1_700_000_000)));
        assert!(c.access.is_empty());
        let c = Claims::decode(&jwt(
            r#"{"exp":"soon","access":[{"type":"repository"},{"type":"repository","name":"x","actions":"pull"},7,{"type":"r","name":"n","actions":["pull",3]}]}"#,
        ))
        .unwrap();
        assert_eq!(c.expires_at, None);
        assert_eq!(c.access.as_slice().len(), 2);
        assert!(c.access.as_slice()[0].actions.is_empty());
        assert_eq!(c.access.as_slice()[1].actions, ["pull"]);
        let huge = Claims::decode(&jwt(r#"{"exp":1e300}"#)).unwrap();
        assert_eq!(huge.expires_at, Some(Timestamp::from_millis(i64::MAX)));
    }

    #[test]
    fn bad_tokens_are_typed_errors() {
        assert_eq!(Claims::decode(""), Err(JwtError::Shape));
        assert_eq!(Claims::decode("opaque-token"), Err(JwtError::Shape));
        assert_eq!(Claims::decode("a.b"), Err(JwtError::Shape));
        assert_eq!(Claims::decode("a.b.c.d.e"), Err(JwtError::Shape));
        assert_eq!(Claims::decode("e30.!!!.sig"), Err(JwtError::Base64));
        let not_json = format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(b"not json"));
        assert_eq!(Claims::decode(&not_json), Err(JwtError::NotObject));
        let array = format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(b"[1,2]"));
        assert_eq!(Claims::decode(&array), Err(JwtError::NotObject));
        let invalid_utf8 = format!("e30.{}.sig", URL_SAFE_NO_PAD.encode([0xff, 0xfe, b'{']));
        assert_eq!(Claims::decode(&invalid_utf8), Err(JwtError::NotObject));
        let deep = format!("e30.{}.sig", URL_SAFE_NO_PAD.encode("[".repeat(100_000)));
        assert_eq!(Claims::decode(&deep), Err(JwtError::NotObject));
    }
}
