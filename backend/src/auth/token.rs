//! Session tokens: HS256 JWTs with `sub`, `role`, `tenant_id`, `epoch`, `person_epoch`, `iat`,
//! `exp`. Only HS256 is accepted (an explicit allow-list), so `alg: none` and algorithm
//! confusion fail. `epoch` is the membership's session epoch at issue and `person_epoch` the
//! person's; the per-request check compares both with the rows, so bumping either revokes
//! every older token (of that tenant, or of the person everywhere).

use chrono::{DateTime, Duration, Utc};
use guardia_shared::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// How long a login lasts unless `GUARDIA_TOKEN_TTL` says otherwise.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::hours(8);
/// The range `GUARDIA_TOKEN_TTL` accepts: long enough to work in, short enough that a lost
/// token does not stay useful for days.
pub const MIN_TOKEN_LIFETIME: Duration = Duration::minutes(5);
pub const MAX_TOKEN_LIFETIME: Duration = Duration::hours(24);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    pub role: Role,
    pub tenant_id: String,
    /// The user's session epoch when the token was issued. Tokens from before epochs existed
    /// count as epoch 0, which every user starts in, so an upgrade logs nobody out.
    #[serde(default)]
    pub epoch: i64,
    /// The person's session epoch when the token was issued (0 before people had their own).
    #[serde(default)]
    pub person_epoch: i64,
    pub iat: i64,
    pub exp: i64,
}

/// Signs and verifies tokens with the server's secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    lifetime: Duration,
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
            lifetime: DEFAULT_TOKEN_LIFETIME,
        }
    }

    /// The same keys issuing tokens that live `lifetime`.
    pub fn with_lifetime(self, lifetime: Duration) -> Self {
        TokenKeys { lifetime, ..self }
    }

    /// Issues a token for a membership in its and its person's current session epochs; returns
    /// it with its expiry.
    #[allow(clippy::too_many_arguments)]
    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        tenant_id: &str,
        epoch: i64,
        person_epoch: i64,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), TokenError> {
        let expires_at = now + self.lifetime;
        let claims = Claims {
            sub: user_id.to_owned(),
            role,
            tenant_id: tenant_id.to_owned(),
            epoch,
            person_epoch,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| TokenError::Signing)?;
        Ok((token, expires_at))
    }

    /// Verifies signature, algorithm and expiry (no leeway: from its `exp` second on, a token
    /// is expired) and returns the claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        // The library still accepts a token during its `exp` second; a subscription is closed
        // at the start of it, so the token ends there too.
        if claims.exp <= Utc::now().timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

/// Parses `GUARDIA_TOKEN_TTL`: minutes (`90`), or a number with a unit (`45m`, `2h`), between
/// [`MIN_TOKEN_LIFETIME`] and [`MAX_TOKEN_LIFETIME`].
pub fn parse_lifetime(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    let (number, minutes_per_unit) = if let Some(n) = value.strip_suffix('h') {
        (n, 60)
    } else if let Some(n) = value.strip_suffix("min").or_else(|| value.strip_suffix('m')) {
        (n, 1)
    } else {
        (value, 1)
    };
    let lifetime = number
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(minutes_per_unit))
        .and_then(Duration::try_minutes)
        .ok_or_else(|| format!("'{value}' is not a duration such as 90 (minutes), 45m or 8h"))?;
    if lifetime < MIN_TOKEN_LIFETIME || lifetime > MAX_TOKEN_LIFETIME {
        return Err(format!(
            "'{value}' is outside {} minutes to {} hours",
            MIN_TOKEN_LIFETIME.num_minutes(),
            MAX_TOKEN_LIFETIME.num_hours()
        ));
    }
    Ok(lifetime)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

    #[test]
    fn round_trip_and_rejections() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let (token, expires) = keys.issue("u1", Role::Pm, "acme", 3, 0, Utc::now()).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(
            (
                claims.sub.as_str(),
                claims.role,
                claims.tenant_id.as_str(),
                claims.epoch
            ),
            ("u1", Role::Pm, "acme", 3)
        );
        assert_eq!(claims.exp, expires.timestamp());

        let other = TokenKeys::new(b"another-secret-another-secret-xx");
        assert_eq!(other.verify(&token), Err(TokenError::Invalid));
        let (old, _) = keys
            .issue("u1", Role::Pm, "acme", 0, 0, Utc::now() - Duration::days(2))
            .unwrap();
        assert_eq!(keys.verify(&old), Err(TokenError::Expired));
        assert_eq!(keys.verify("not.a.token"), Err(TokenError::Invalid));

        let payload = token.split('.').nth(1).unwrap();
        let unsigned = format!("{}.{payload}.", B64.encode(r#"{"alg":"none","typ":"JWT"}"#));
        assert_eq!(keys.verify(&unsigned), Err(TokenError::Invalid));
    }

    #[test]
    fn lifetimes_parse_within_their_range() {
        assert_eq!(parse_lifetime("90"), Ok(Duration::minutes(90)));
        assert_eq!(parse_lifetime("45m"), Ok(Duration::minutes(45)));
        assert_eq!(parse_lifetime("30min"), Ok(Duration::minutes(30)));
        assert_eq!(parse_lifetime(" 2h "), Ok(Duration::hours(2)));
        assert_eq!(parse_lifetime("24h"), Ok(MAX_TOKEN_LIFETIME));
        for bad in [
            "",
            "0",
            "4",
            "25h",
            "3d",
            "-5m",
            "1.5h",
            "h",
            "99999999999999999h",
        ] {
            assert!(parse_lifetime(bad).is_err(), "{bad:?} passed");
        }
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef").with_lifetime(Duration::minutes(5));
        let now = Utc::now();
        let (_, expires) = keys.issue("u1", Role::Pm, "acme", 0, 0, now).unwrap();
        assert_eq!(expires, now + Duration::minutes(5));
    }
}
