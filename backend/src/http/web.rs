//! The web app: Trunk's `dist/` as static files, with `index.html` for every client-side route.

use std::path::Path;

use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::{MethodRouter, get};
use tower_http::services::{ServeDir, ServeFile};

const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>GUARDiA ITSM</title>\
<h1>GUARDiA ITSM</h1><p>The web app is not built. Run <code>trunk build --release</code> in the \
repository (or <code>scripts/run</code>), or point <code>GUARDIA_WEB_DIR</code> at its \
<code>dist/</code> folder.</p>";

pub fn service(web_dir: &Path) -> MethodRouter {
    let index = web_dir.join("index.html");
    if index.is_file() {
        let spa = ServeDir::new(web_dir).fallback(ServeFile::new(index));
        MethodRouter::new().fallback_service(spa)
    } else {
        tracing::warn!(dir = %web_dir.display(), "web app not built; `/` explains how to build it");
        get(|| async { (StatusCode::SERVICE_UNAVAILABLE, Html(NOT_BUILT)) })
    }
}
