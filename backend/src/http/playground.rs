//! The GraphiQL playground at `GET /graphql` (a browser asking for HTML), served whole by
//! `guardia`: GraphiQL, React and ReactDOM are pinned, vendored in `backend/assets/graphiql/`
//! (see its README) and embedded in the binary, so the page works on a network without
//! internet access. The page names no other origin and carries a strict CSP: scripts and
//! styles from this server only (its own start script is a file, not inline), connections to
//! this server only, no framing. `GUARDIA_GRAPHIQL=off` turns it off.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;

const PAGE: &str = concat!(
    "<!doctype html>\n<html lang=\"en\">\n<head>\n",
    "<meta charset=\"utf-8\">\n<meta name=\"robots\" content=\"noindex\">\n",
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    "<title>GUARDiA ITSM API</title>\n",
    "<link rel=\"icon\" href=\"data:,\">\n",
    "<link rel=\"stylesheet\" href=\"/graphql/assets/graphiql-3.9.0.min.css\">\n",
    "<link rel=\"stylesheet\" href=\"/graphql/assets/guardia-graphiql.css\">\n",
    "</head>\n<body>\n<div id=\"graphiql\">Loading the GraphiQL playground…</div>\n",
    "<script src=\"/graphql/assets/react-18.3.1.production.min.js\"></script>\n",
    "<script src=\"/graphql/assets/react-dom-18.3.1.production.min.js\"></script>\n",
    "<script src=\"/graphql/assets/graphiql-3.9.0.min.js\"></script>\n",
    "<script src=\"/graphql/assets/guardia-graphiql.js\"></script>\n",
    "</body>\n</html>\n"
);

/// One embedded file: its name under [`ASSETS`], content type, and bytes. Names with a
/// version never change content, so they are cached for a year.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    versioned: bool,
    bytes: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

macro_rules! asset {
    ($name:literal, $content_type:expr, $versioned:literal) => {
        Asset {
            name: $name,
            content_type: $content_type,
            versioned: $versioned,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/graphiql/", $name)),
        }
    };
}

const FILES: &[Asset] = &[
    asset!("graphiql-3.9.0.min.js", JS, true),
    asset!("graphiql-3.9.0.min.css", CSS, true),
    asset!("react-18.3.1.production.min.js", JS, true),
    asset!("react-dom-18.3.1.production.min.js", JS, true),
    asset!("guardia-graphiql.js", JS, false),
    asset!("guardia-graphiql.css", CSS, false),
];

/// The playground page, or a plain 404 when it is turned off.
pub fn page(enabled: bool, request: &HeaderMap) -> Response {
    if !enabled {
        return off();
    }
    let mut response = (StatusCode::OK, PAGE).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(host(request))) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    protect(headers);
    response
}

/// `GET /graphql/assets/{file}`.
pub async fn asset(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(asset) = FILES.iter().find(|a| a.name == file).filter(|_| state.graphiql) else {
        return off();
    };
    let mut response = (StatusCode::OK, asset.bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    let cache = if asset.versioned {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    protect(headers);
    response
}

fn off() -> Response {
    (
        StatusCode::NOT_FOUND,
        "not found (the GraphiQL playground is turned off here: GUARDIA_GRAPHIQL=off)\n",
    )
        .into_response()
}

fn protect(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

/// The request's `Host`, when it is a plain `name[:port]` (nothing a policy could be bent
/// with).
fn host(request: &HeaderMap) -> Option<&str> {
    let host = request.get(header::HOST)?.to_str().ok()?;
    let plain = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    plain.then_some(host)
}

/// The page's policy. `connect-src 'self'` covers same-origin WebSockets in current browsers;
/// older ones need the `ws:`/`wss:` origin of this host spelled out. Styles may be inline:
/// GraphiQL's editor positions its parts with style attributes.
fn content_security_policy(host: Option<&str>) -> String {
    let sockets = host.map_or_else(String::new, |host| format!(" ws://{host} wss://{host}"));
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'{sockets}; \
         object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASSETS: &str = "/graphql/assets/";

    #[test]
    fn the_page_names_only_embedded_files() {
        assert!(!PAGE.contains("http:") && !PAGE.contains("https:") && !PAGE.contains("//"));
        for reference in PAGE.split("\"").filter(|part| part.starts_with(ASSETS)) {
            let name = &reference[ASSETS.len()..];
            assert!(FILES.iter().any(|a| a.name == name), "{name} is not embedded");
        }
        assert_eq!(PAGE.matches(ASSETS).count(), FILES.len());
        assert!(!PAGE.contains("<script>"), "no inline script");
    }

    #[test]
    fn policy_is_strict_and_host_is_checked() {
        let csp = content_security_policy(Some("itsm.example:8443"));
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(csp.contains("connect-src 'self' ws://itsm.example:8443 wss://itsm.example:8443;"));
        assert!(csp.ends_with("frame-ancestors 'none'"));
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("evil; script-src *"));
        assert_eq!(host(&headers), None);
        headers.insert(header::HOST, HeaderValue::from_static("[::1]:8080"));
        assert_eq!(host(&headers), Some("[::1]:8080"));
    }
}
