//! `/v2/*` pass-through to notary-server: method, path, query, headers (with
//! `Authorization`) and body go up; status, headers and body come back verbatim.

use axum::body::Body;
use axum::extract::Request;
use http::{HeaderName, Response, StatusCode, Uri, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::util::bytes_response;

/// Hop-by-hop headers (RFC 9110 §7.6.1) a proxy does not forward.
const HOP_BY_HOP: &[HeaderName] = &[
    header::CONNECTION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::PROXY_AUTHORIZATION,
    header::PROXY_AUTHENTICATE,
];

/// The notary upstream.
#[derive(Debug, Clone)]
pub struct Upstream {
    base: Uri,
    client: Client<HttpConnector, Body>,
}

impl Upstream {
    /// An upstream at `base` (`http://host:port`).
    pub fn new(base: Uri) -> Upstream {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Upstream {
            base,
            client: Client::builder(TokioExecutor::new()).build(connector),
        }
    }

    /// Forward one request.
    pub async fn forward(&self, request: Request) -> Response<Body> {
        let (mut parts, body) = request.into_parts();
        let path_and_query = parts
            .uri
            .path_and_query()
            .map_or("/", http::uri::PathAndQuery::as_str);
        let mut uri_parts = self.base.clone().into_parts();
        uri_parts.path_and_query = path_and_query.parse().ok();
        let Ok(uri) = Uri::from_parts(uri_parts) else {
            return bytes_response(
                StatusCode::BAD_GATEWAY,
                "text/plain; charset=utf-8",
                "bad upstream uri\n",
            );
        };
        strip_hop_by_hop(&mut parts.headers);
        parts.headers.remove(header::HOST);
        parts.uri = uri;
        parts.version = http::Version::HTTP_11;
        let upstream_request = http::Request::from_parts(parts, body);
        match self.client.request(upstream_request).await {
            Ok(resp) => {
                let (mut parts, incoming) = resp.into_parts();
                strip_hop_by_hop(&mut parts.headers);
                Response::from_parts(parts, Body::new(incoming))
            }
            Err(e) => {
                eprintln!("msr-sim: upstream {}: {e}", self.base);
                bytes_response(
                    StatusCode::BAD_GATEWAY,
                    "text/plain; charset=utf-8",
                    format!("msr-sim: notary upstream unreachable: {e}\n"),
                )
            }
        }
    }
}

fn strip_hop_by_hop(headers: &mut http::HeaderMap) {
    let listed: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in HOP_BY_HOP.iter().chain(listed.iter()) {
        headers.remove(name);
    }
    headers.remove("keep-alive");
}
