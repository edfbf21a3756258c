//! Authentication and CSRF as Jenkins does them (docs/jenkins.md, "Authentication and crumbs"):
//! no challenge (a missing `Authorization` is a 403, wrong credentials a 401), and crumbs bound
//! to a session cookie.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;

use crate::routes::error_page;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Credentials {
    Valid,
    /// No Basic credentials: Jenkins treats the request as anonymous.
    Anonymous,
    /// Basic credentials that do not match (the user name as sent).
    Invalid(String),
}

pub(crate) fn check(headers: &HeaderMap, user: &str, token: &str) -> Credentials {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Credentials::Anonymous;
    };
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return Credentials::Anonymous;
    };
    // Other schemes (Bearer…) are not Jenkins' business: anonymous.
    if !scheme.eq_ignore_ascii_case("basic") {
        return Credentials::Anonymous;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    match decoded.as_deref().and_then(|d| d.split_once(':')) {
        Some((u, t)) if u == user && t == token => Credentials::Valid,
        Some((u, _)) => Credentials::Invalid(u.to_owned()),
        None => Credentials::Invalid(String::new()),
    }
}

/// `HudsonAuthenticationEntryPoint`: 403 and a page telling the browser to log in.
pub(crate) fn anonymous(path: &str) -> Response {
    let body = format!(
        "<html><head><meta http-equiv='refresh' content='1;url=/login?from={path}'/>\
         <script>window.location.replace('/login?from={path}');</script></head>\
         <body style='background-color:white; color:white;'>\n\n\
         Authentication required\n<!--\n-->\n\n</body></html>\n",
        path = crate::routes::escape(path)
    );
    (
        StatusCode::FORBIDDEN,
        [
            (header::CONTENT_TYPE, "text/html;charset=utf-8"),
            (
                header::HeaderName::from_static("x-you-are-authenticated-as"),
                "anonymous",
            ),
            (
                header::HeaderName::from_static("x-required-permission"),
                "hudson.model.Hudson.Read",
            ),
            (
                header::HeaderName::from_static("x-permission-implied-by"),
                "hudson.security.Permission.GenericRead",
            ),
        ],
        body,
    )
        .into_response()
}

/// Spring's `BasicAuthenticationEntryPoint` with realm "Jenkins".
pub(crate) fn invalid(user: &str, path: &str) -> Response {
    let mut response = error_page(
        StatusCode::UNAUTHORIZED,
        &format!("Invalid password/token for user: {user}"),
        path,
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Basic realm=\"Jenkins\""),
    );
    response
}

/// The session id the request's `JSESSIONID.<node>` cookie carries.
pub(crate) fn session(headers: &HeaderMap, cookie_name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cookie_name)
        .map(|(_, value)| value.to_owned())
}

/// Random hex (`bytes` × 2 digits) from std's randomly keyed hasher: no RNG crate needed for
/// session ids and crumbs.
pub(crate) fn random_hex(bytes: usize) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::with_capacity(bytes * 2);
    while out.len() < bytes * 2 {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out.truncate(bytes * 2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_authorization(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn credentials_are_read_from_basic_only() {
        let basic = |s: &str| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(s));
        assert_eq!(
            check(&with_authorization(&basic("u:t")), "u", "t"),
            Credentials::Valid
        );
        assert_eq!(
            check(&with_authorization(&basic("u:x")), "u", "t"),
            Credentials::Invalid("u".into())
        );
        assert_eq!(
            check(&with_authorization("Bearer t"), "u", "t"),
            Credentials::Anonymous
        );
        assert_eq!(check(&HeaderMap::new(), "u", "t"), Credentials::Anonymous);
        assert_eq!(random_hex(4).len(), 8);
    }
}
