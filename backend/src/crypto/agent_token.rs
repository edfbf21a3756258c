//! Agent tokens: `ga1.<tenant>.<agent id>.<secret>`. The tenant and agent id say where to look;
//! only the SHA-256 of the whole token is stored, compared in constant time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const PREFIX: &str = "ga1";

/// Where an agent token points (not yet verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentTokenRef<'a> {
    pub tenant_id: &'a str,
    pub agent_id: &'a str,
}

/// A new token for an agent and the hash to store.
pub fn issue(tenant_id: &str, agent_id: &str) -> (String, String) {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let token = format!("{PREFIX}.{tenant_id}.{agent_id}.{}", B64.encode(secret));
    let hash = hash(&token);
    (token, hash)
}

pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn parse(token: &str) -> Option<AgentTokenRef<'_>> {
    let mut parts = token.split('.');
    let (prefix, tenant_id, agent_id, secret) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (prefix == PREFIX
        && parts.next().is_none()
        && !tenant_id.is_empty()
        && !agent_id.is_empty()
        && !secret.is_empty())
    .then_some(AgentTokenRef { tenant_id, agent_id })
}

pub fn matches(token: &str, stored_hash: &str) -> bool {
    hash(token).as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_parse_verify() {
        let (token, stored) = issue("acme", "0190-ab");
        assert_eq!(
            parse(&token),
            Some(AgentTokenRef {
                tenant_id: "acme",
                agent_id: "0190-ab"
            })
        );
        assert!(matches(&token, &stored));
        assert!(!matches(&format!("{token}x"), &stored));
        assert!(!stored.contains(token.rsplit('.').next().unwrap()));
        assert_eq!(parse("ga1.acme.id"), None);
        assert_eq!(parse("xx.acme.id.secret"), None);
    }
}
