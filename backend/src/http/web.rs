//! The web app: Trunk's `dist/` as static files, with `index.html` for every client-side
//! route, and the headers that keep a browser safe with it:
//!
//! - the HTML (`/`, `/index.html`, every client route) carries a Content-Security-Policy that
//!   allows only GUARDiA's own scripts, WebAssembly, and the inline module script Trunk
//!   injects (by its SHA-256, computed from the file), plus `Cache-Control: no-cache`;
//! - Trunk's content-hashed files (`app-<16 hex>.js`, `…_bg.wasm`, `main-<16 hex>.css`) are
//!   cached for a year (`immutable`), everything else is revalidated (`no-cache`);
//! - every answer carries `nosniff`, `no-referrer` and `X-Frame-Options: DENY`.
//!
//! A path whose last segment has a dot is a file (404 when missing); anything else is a
//! client-side route and gets the app. Without a built app, routes get a page saying how to
//! build it. `index.html` is re-read when it changes on disk (a `trunk build` while serving),
//! so its script hashes always match the page served.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};
use tower_http::services::ServeDir;

const NOT_BUILT: &str = "<!doctype html><html lang=en><meta charset=utf-8>\
<meta name=viewport content=\"width=device-width, initial-scale=1\"><title>GUARDiA ITSM</title>\
<h1>GUARDiA ITSM</h1><p>The server runs, but the web app is not built.</p>\
<p>Build it with <code>scripts/run</code> (builds the app, then starts the demo), or with \
<code>trunk build --release</code> in the repository, and restart; or point \
<code>GUARDIA_WEB_DIR</code> (<code>--web-dir</code>) at Trunk's <code>dist/</code> folder.</p>\
<p>The API answers meanwhile at <a href=\"/graphql\">/graphql</a>.</p></html>";

const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
const CACHE_REVALIDATE: &str = "no-cache";

/// Paths under the API's prefixes are never client routes.
const API_PREFIXES: &[&str] = &["/graphql/", "/artifacts/", "/agent/"];

/// The web app's router (a fallback behind the API's routes).
pub fn service(web_dir: &Path) -> Router {
    let web = Web {
        index_path: web_dir.join("index.html"),
        files: ServeDir::new(web_dir).append_index_html_on_directories(false),
        index: Mutex::new(None),
    };
    if web.index_path.is_file() {
        tracing::info!(dir = %web_dir.display(), "serving the web app");
    } else {
        tracing::warn!(dir = %web_dir.display(), "web app not built; `/` explains how to build it");
    }
    Router::new().fallback(handle).with_state(Arc::new(web))
}

struct Web {
    index_path: PathBuf,
    files: ServeDir,
    /// The last `index.html` read, with its CSP.
    index: Mutex<Option<Arc<IndexPage>>>,
}

/// `index.html` as served, with what its headers need.
struct IndexPage {
    /// When and how large the file was when read, to notice a rebuild.
    stamp: (Option<SystemTime>, u64),
    body: Bytes,
    csp: HeaderValue,
    etag: HeaderValue,
}

impl IndexPage {
    fn new(stamp: (Option<SystemTime>, u64), body: Vec<u8>) -> Self {
        let html = String::from_utf8_lossy(&body);
        let csp = content_security_policy(&inline_script_hashes(&html));
        let digest = Sha256::digest(&body);
        let etag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        IndexPage {
            stamp,
            csp: HeaderValue::from_str(&csp)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
            etag: HeaderValue::from_str(&format!("\"{etag}\""))
                .unwrap_or_else(|_| HeaderValue::from_static("\"0\"")),
            body: Bytes::from(body),
        }
    }
}

async fn handle(State(web): State<Arc<Web>>, request: Request) -> Response {
    let mut response = web.respond(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

impl Web {
    async fn respond(&self, request: Request) -> Response {
        if request.method() != Method::GET && request.method() != Method::HEAD {
            let mut response = (StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n").into_response();
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        let path = request.uri().path();
        if API_PREFIXES.iter().any(|prefix| path.starts_with(prefix)) {
            return not_found();
        }
        let last = path.rsplit('/').next().unwrap_or_default();
        if path == "/index.html" || !last.contains('.') {
            return self.index(request.headers()).await;
        }
        let hashed = is_hashed_asset(last);
        let wasm = last.ends_with(".wasm");
        match self.files.clone().try_call(request).await {
            Ok(response) if response.status() == StatusCode::NOT_FOUND => not_found(),
            Ok(response) => {
                let mut response = response.map(Body::new);
                let headers = response.headers_mut();
                let cache = if hashed { CACHE_IMMUTABLE } else { CACHE_REVALIDATE };
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
                if wasm && response.status().is_success() {
                    response
                        .headers_mut()
                        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/wasm"));
                }
                response
            }
            Err(error) => {
                tracing::warn!(%error, "cannot read a web app file");
                (StatusCode::INTERNAL_SERVER_ERROR, "cannot read the file\n").into_response()
            }
        }
    }

    /// The app's HTML (or the not-built page), with its CSP.
    async fn index(&self, request_headers: &HeaderMap) -> Response {
        let Some(page) = self.current_index().await else {
            let mut response = (StatusCode::SERVICE_UNAVAILABLE, NOT_BUILT).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_REVALIDATE));
            if let Ok(csp) = HeaderValue::from_str(&content_security_policy(&[])) {
                headers.insert(header::CONTENT_SECURITY_POLICY, csp);
            }
            return response;
        };
        let fresh = request_headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| {
                tags.split(',')
                    .any(|tag| tag.trim().as_bytes() == page.etag.as_bytes())
            });
        let mut response = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut response = Response::new(Body::from(page.body.clone()));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            response
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_REVALIDATE));
        headers.insert(header::ETAG, page.etag.clone());
        headers.insert(header::CONTENT_SECURITY_POLICY, page.csp.clone());
        response
    }

    /// `index.html` as it is on disk now (read again only when it changed); `None` when the
    /// app is not built.
    async fn current_index(&self) -> Option<Arc<IndexPage>> {
        let metadata = tokio::fs::metadata(&self.index_path).await.ok()?;
        if !metadata.is_file() {
            return None;
        }
        let stamp = (metadata.modified().ok(), metadata.len());
        let cached = self.index.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(page) = cached
            && page.stamp == stamp
        {
            return Some(page);
        }
        let body = match tokio::fs::read(&self.index_path).await {
            Ok(body) => body,
            Err(error) => {
                tracing::warn!(%error, path = %self.index_path.display(), "cannot read the web app");
                return None;
            }
        };
        let page = Arc::new(IndexPage::new(stamp, body));
        *self.index.lock().unwrap_or_else(|e| e.into_inner()) = Some(page.clone());
        Some(page)
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// The policy of the app's HTML; `script_hashes` are base64 SHA-256 digests of its inline
/// scripts. `connect-src 'self'` covers the same-origin `ws:`/`wss:` of `/graphql/ws`.
pub fn content_security_policy(script_hashes: &[String]) -> String {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for hash in script_hashes {
        script_src.push_str(" 'sha256-");
        script_src.push_str(hash);
        script_src.push('\'');
    }
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The base64 SHA-256 of the body of every `<script>` element without `src`, as a browser
/// hashes it (the HTML parser turns CR LF and lone CR into LF first).
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` index `html`.
    let lower = html.to_ascii_lowercase();
    let mut hashes = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find("<script") {
        let name_end = at + found + "<script".len();
        let follows_name = lower.as_bytes().get(name_end).copied();
        if !matches!(
            follows_name,
            Some(b'>' | b'/') | Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
        ) {
            at = name_end;
            continue;
        }
        let Some(tag_len) = lower[name_end..].find('>') else {
            break;
        };
        let body_start = name_end + tag_len + 1;
        let Some(body_len) = lower[body_start..].find("</script") else {
            break;
        };
        let attributes = &lower[name_end..name_end + tag_len];
        if !attribute_names(attributes).contains(&"src") {
            let body = html[body_start..body_start + body_len]
                .replace("\r\n", "\n")
                .replace('\r', "\n");
            hashes.push(BASE64.encode(Sha256::digest(body.as_bytes())));
        }
        at = body_start + body_len + "</script".len();
    }
    hashes
}

/// The attribute names of a start tag's attribute text (values skipped, quoted or not).
fn attribute_names(attributes: &str) -> Vec<&str> {
    let bytes = attributes.as_bytes();
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
    let mut names = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (space(bytes[i]) || bytes[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !space(bytes[i]) && !matches!(bytes[i], b'=' | b'/') {
            i += 1;
        }
        if i > start {
            names.push(&attributes[start..i]);
        }
        while i < bytes.len() && space(bytes[i]) {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && space(bytes[i]) {
                i += 1;
            }
            match bytes.get(i) {
                Some(&quote @ (b'"' | b'\'')) => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != quote {
                        i += 1;
                    }
                    i += 1;
                }
                _ => {
                    while i < bytes.len() && !space(bytes[i]) {
                        i += 1;
                    }
                }
            }
        } else if i == start {
            // A stray character: step over it.
            i += 1;
        }
    }
    names
}

/// Trunk's content-hashed output: `<name>-<16 hex>.<ext>`, or `…-<16 hex>_bg.wasm`.
fn is_hashed_asset(file_name: &str) -> bool {
    let stem = file_name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(name, hash)| {
        !name.is_empty() && hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only() {
        let html = "<html><head><script type=\"module\">import init from '/a.js';\r\nawait init();</script>\
            <SCRIPT src=\"/b.js\"></SCRIPT><script data-x=\"a src=b\">x()</script>\
            <scripting>no</scripting><script>\n</script></head></html>";
        let expected = |body: &str| BASE64.encode(Sha256::digest(body.as_bytes()));
        assert_eq!(
            inline_script_hashes(html),
            vec![
                expected("import init from '/a.js';\nawait init();"),
                expected("x()"),
                expected("\n"),
            ]
        );
        assert_eq!(inline_script_hashes("<p>no scripts</p>"), Vec::<String>::new());
    }

    #[test]
    fn recognises_trunk_hashed_files() {
        assert!(is_hashed_asset("guardia-frontend-3ba5efe7bb546337_bg.wasm"));
        assert!(is_hashed_asset("guardia-frontend-3ba5efe7bb546337.js"));
        assert!(is_hashed_asset("main-295fea943c5dcf18.css"));
        assert!(!is_hashed_asset("app-1234.js"));
        assert!(!is_hashed_asset("favicon.ico"));
        assert!(!is_hashed_asset("-295fea943c5dcf18.css"));
    }

    #[test]
    fn policy_lists_the_hashes() {
        let csp = content_security_policy(&["abc=".into()]);
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc='; "),
            "{csp}"
        );
        assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
    }
}
