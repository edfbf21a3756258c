//! Signed artifact links: a browser's `<a href download>` cannot send a bearer token, so
//! `Artifact.signedUrl` carries its own short-lived proof instead:
//!
//! `/artifacts/<project id>/<build>/<path>?expires=<unix s>&user=<user id>&tenant=<code>&sig=<hex>`
//!
//! `sig` is HMAC-SHA256 over the tenant, user, project id, build, path and expiry, keyed by a
//! key derived from the JWT secret. The link proves who asked and for what, not that they
//! still may: the download checks the user's row, role and tenant again (as a token is).

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// How long a signed link works.
pub const LINK_LIFETIME: Duration = Duration::minutes(10);

/// Separates this key from every other use of the JWT secret.
const KEY_CONTEXT: &[u8] = b"guardia-artifact-link";
/// The version of the signed message layout.
const MESSAGE_VERSION: &[u8] = b"guardia/artifact-link/v1";

type HmacSha256 = Hmac<Sha256>;

/// What one link grants: one artifact of one build, to one user of one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactLink<'a> {
    pub tenant_id: &'a str,
    pub user_id: &'a str,
    pub project_id: &'a str,
    pub build: u32,
    /// The artifact's path inside the build's archive, e.g. `target/portal.war`.
    pub relative_path: &'a str,
    /// Unix seconds after which the link no longer works.
    pub expires: i64,
}

/// Why a link does not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the download link is incomplete; ask GUARDiA for a new one")]
    Incomplete,
    #[error("the download link is invalid")]
    BadSignature,
    #[error("the download link has expired; ask GUARDiA for a new one")]
    Expired,
}

/// Signs and checks links with a key derived from the JWT secret.
#[derive(Clone)]
pub struct ArtifactLinkKey {
    key: [u8; 32],
}

impl std::fmt::Debug for ArtifactLinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ArtifactLinkKey(***)")
    }
}

impl ArtifactLinkKey {
    /// The HMAC key is SHA-256("guardia-artifact-link" || JWT secret).
    pub fn new(jwt_secret: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(KEY_CONTEXT);
        hasher.update(jwt_secret);
        ArtifactLinkKey {
            key: hasher.finalize().into(),
        }
    }

    fn mac(&self, link: &ArtifactLink<'_>) -> HmacSha256 {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        // Every field length-prefixed, so no two different links sign the same bytes.
        let build = link.build.to_string();
        let expires = link.expires.to_string();
        for field in [
            MESSAGE_VERSION,
            link.tenant_id.as_bytes(),
            link.user_id.as_bytes(),
            link.project_id.as_bytes(),
            build.as_bytes(),
            link.relative_path.as_bytes(),
            expires.as_bytes(),
        ] {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field);
        }
        mac
    }

    /// The link's signature, as lowercase hex.
    pub fn sign(&self, link: &ArtifactLink<'_>) -> String {
        hex(&self.mac(link).finalize().into_bytes())
    }

    /// The whole relative URL of a link (path and query), for `Artifact.signedUrl`.
    pub fn signed_url(&self, link: &ArtifactLink<'_>) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("expires", &link.expires.to_string())
            .append_pair("user", link.user_id)
            .append_pair("tenant", link.tenant_id)
            .append_pair("sig", &self.sign(link))
            .finish();
        format!(
            "{}?{query}",
            artifact_path(link.project_id, link.build, link.relative_path)
        )
    }

    /// A link for `user_id` valid for [`LINK_LIFETIME`] from `now`.
    pub fn signed_url_from(
        &self,
        tenant_id: &str,
        user_id: &str,
        project_id: &str,
        build: u32,
        relative_path: &str,
        now: DateTime<Utc>,
    ) -> String {
        self.signed_url(&ArtifactLink {
            tenant_id,
            user_id,
            project_id,
            build,
            relative_path,
            expires: (now + LINK_LIFETIME).timestamp(),
        })
    }

    /// Checks the signature (in constant time), then the expiry.
    pub fn verify(
        &self,
        link: &ArtifactLink<'_>,
        signature_hex: &str,
        now: DateTime<Utc>,
    ) -> Result<(), LinkError> {
        let signature = unhex(signature_hex).ok_or(LinkError::BadSignature)?;
        self.mac(link)
            .verify_slice(&signature)
            .map_err(|_| LinkError::BadSignature)?;
        if now.timestamp() >= link.expires {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

/// GUARDiA's own download path of an artifact, each segment percent-encoded:
/// `/artifacts/<project id>/<build>/<path>`.
pub fn artifact_path(project_id: &str, build: u32, relative_path: &str) -> String {
    let mut url = url::Url::parse("http://guardia/artifacts").expect("a constant URL parses");
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.push(project_id).push(&build.to_string());
        segments.extend(relative_path.split('/'));
    }
    url.path().to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(expires: i64) -> ArtifactLink<'static> {
        ArtifactLink {
            tenant_id: "acme",
            user_id: "u1",
            project_id: "p1",
            build: 12,
            relative_path: "target/app.war",
            expires,
        }
    }

    #[test]
    fn signs_binds_every_field_and_expires() {
        let key = ArtifactLinkKey::new(b"0123456789abcdef0123456789abcdef");
        let now = Utc::now();
        let good = link(now.timestamp() + 60);
        let sig = key.sign(&good);
        assert_eq!(sig.len(), 64);
        assert_eq!(key.verify(&good, &sig, now), Ok(()));

        let changed = [
            ArtifactLink {
                tenant_id: "globex",
                ..good.clone()
            },
            ArtifactLink {
                user_id: "u2",
                ..good.clone()
            },
            ArtifactLink {
                project_id: "p2",
                ..good.clone()
            },
            ArtifactLink {
                build: 13,
                ..good.clone()
            },
            ArtifactLink {
                relative_path: "target/other.war",
                ..good.clone()
            },
            ArtifactLink {
                expires: good.expires + 1,
                ..good.clone()
            },
        ];
        for other in &changed {
            assert_eq!(
                key.verify(other, &sig, now),
                Err(LinkError::BadSignature),
                "{other:?}"
            );
        }
        let other_key = ArtifactLinkKey::new(b"another-secret-another-secret-xx");
        assert_eq!(other_key.verify(&good, &sig, now), Err(LinkError::BadSignature));
        assert_eq!(key.verify(&good, "zz", now), Err(LinkError::BadSignature));
        assert_eq!(key.verify(&good, &sig[..62], now), Err(LinkError::BadSignature));

        let old = link(now.timestamp() - 1);
        let old_sig = key.sign(&old);
        assert_eq!(key.verify(&old, &old_sig, now), Err(LinkError::Expired));
    }

    #[test]
    fn urls_encode_path_segments_and_query() {
        let key = ArtifactLinkKey::new(b"0123456789abcdef0123456789abcdef");
        let url = key.signed_url(&ArtifactLink {
            relative_path: "dir/my file#1.txt",
            ..link(1_700_000_000)
        });
        assert!(
            url.starts_with(
                "/artifacts/p1/12/dir/my%20file%231.txt?expires=1700000000&user=u1&tenant=acme&sig="
            ),
            "{url}"
        );
    }
}
