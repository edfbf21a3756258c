//! Session tokens: HS256 JWTs with `sub`, `role`, `tenant_id`, `iat`, `exp`. Only HS256 is
//! accepted (an explicit allow-list), so `alg: none` and algorithm confusion fail.

use chrono::{DateTime, Duration, Utc};
use guardia_shared::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// How long a login lasts.
pub const TOKEN_LIFETIME: Duration = Duration::hours(12);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    pub role: Role,
    pub tenant_id: String,
    pub iat: i64,
    pub exp: i64,
}

/// Signs and verifies tokens with the server's secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the session has expired; log in again")]
    Expired,
    #[error("the token is invalid")]
    Invalid,
    #[error("cannot sign the token")]
    Signing,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Issues a token for a user; returns it with its expiry.
    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        tenant_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), TokenError> {
        let expires_at = now + TOKEN_LIFETIME;
        let claims = Claims {
            sub: user_id.to_owned(),
            role,
            tenant_id: tenant_id.to_owned(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| TokenError::Signing)?;
        Ok((token, expires_at))
    }

    /// Verifies signature, algorithm and expiry (no leeway) and returns the claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

    #[test]
    fn round_trip_and_rejections() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let (token, expires) = keys.issue("u1", Role::Pm, "acme", Utc::now()).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.role, claims.tenant_id.as_str()),
            ("u1", Role::Pm, "acme")
        );
        assert_eq!(claims.exp, expires.timestamp());

        let other = TokenKeys::new(b"another-secret-another-secret-xx");
        assert_eq!(other.verify(&token), Err(TokenError::Invalid));
        let (old, _) = keys
            .issue("u1", Role::Pm, "acme", Utc::now() - Duration::days(2))
            .unwrap();
        assert_eq!(keys.verify(&old), Err(TokenError::Expired));
        assert_eq!(keys.verify("not.a.token"), Err(TokenError::Invalid));

        let payload = token.split('.').nth(1).unwrap();
        let unsigned = format!("{}.{payload}.", B64.encode(r#"{"alg":"none","typ":"JWT"}"#));
        assert_eq!(keys.verify(&unsigned), Err(TokenError::Invalid));
    }
}
