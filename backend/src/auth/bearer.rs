//! The one reading of `Authorization: Bearer <token>`, used by every door that takes a token:
//! GraphQL over HTTP, artifact downloads, agents' heartbeats, `/metrics` and the WebSocket's
//! `connection_init`. The scheme is case-insensitive (RFC 7235); the token is trimmed.

use axum::http::{HeaderMap, HeaderValue, header};

/// Why an `Authorization` value is not a usable bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    #[error("the Authorization header is not readable")]
    Unreadable,
    #[error("the Authorization header must be `Bearer <token>`")]
    NotBearer,
}

/// The token of one `Authorization` value.
pub fn parse(value: &str) -> Result<&str, BearerError> {
    match value.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim())
        }
        _ => Err(BearerError::NotBearer),
    }
}

/// The bearer token of a request: `Ok(None)` without an `Authorization` header.
pub fn from_headers(headers: &HeaderMap) -> Result<Option<&str>, BearerError> {
    from_value(headers.get(header::AUTHORIZATION))
}

/// The bearer token of an `Authorization` header's value, if there is one.
pub fn from_value(value: Option<&HeaderValue>) -> Result<Option<&str>, BearerError> {
    let Some(value) = value else { return Ok(None) };
    let value = value.to_str().map_err(|_| BearerError::Unreadable)?;
    parse(value).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_is_case_insensitive_and_the_token_trimmed() {
        assert_eq!(parse("Bearer abc"), Ok("abc"));
        assert_eq!(parse("bearer  abc "), Ok("abc"));
        assert_eq!(parse("BEARER abc"), Ok("abc"));
        assert_eq!(parse("Basic abc"), Err(BearerError::NotBearer));
        assert_eq!(parse("Bearer "), Err(BearerError::NotBearer));
        assert_eq!(parse("abc"), Err(BearerError::NotBearer));
    }

    #[test]
    fn a_request_without_the_header_has_no_token() {
        let mut headers = HeaderMap::new();
        assert_eq!(from_headers(&headers), Ok(None));
        headers.insert(header::AUTHORIZATION, "Bearer t0k".parse().unwrap());
        assert_eq!(from_headers(&headers), Ok(Some("t0k")));
        headers.insert(header::AUTHORIZATION, "Token t0k".parse().unwrap());
        assert_eq!(from_headers(&headers), Err(BearerError::NotBearer));
    }
}
