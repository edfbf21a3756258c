//! Server credentials sealed with AES-256-GCM under `GUARDIA_CREDENTIAL_KEY`. The associated
//! data binds a ciphertext to its tenant and server, so a sealed value copied onto another row
//! does not open.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use serde::{Deserialize, Serialize};

use crate::db::server::SealedCredential;

/// A server login in plaintext; exists only in memory, never logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the stored credential cannot be opened (wrong GUARDIA_CREDENTIAL_KEY, or tampered data)")]
pub struct OpenError;

#[derive(Clone)]
pub struct CredentialCipher {
    cipher: Aes256Gcm,
}

fn associated_data(tenant_id: &str, server_id: &str) -> Vec<u8> {
    format!("guardia/server-credential/v1|{tenant_id}|{server_id}").into_bytes()
}

/// A tenant's own Jenkins login (user and API token) is bound to the tenant alone.
fn jenkins_associated_data(tenant_id: &str) -> Vec<u8> {
    format!("guardia/jenkins-login/v1|{tenant_id}").into_bytes()
}

impl CredentialCipher {
    /// `key` is exactly 32 bytes (checked when the configuration is loaded).
    pub fn new(key: &[u8]) -> Self {
        CredentialCipher {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
        }
    }

    pub fn seal(&self, tenant_id: &str, server_id: &str, credential: &Credential) -> SealedCredential {
        self.seal_with(&associated_data(tenant_id, server_id), credential)
    }

    pub fn open(
        &self,
        tenant_id: &str,
        server_id: &str,
        sealed: &SealedCredential,
    ) -> Result<Credential, OpenError> {
        self.open_with(&associated_data(tenant_id, server_id), sealed)
    }

    /// Seals a tenant's own Jenkins login (`password` holds the API token).
    pub fn seal_jenkins_login(&self, tenant_id: &str, login: &Credential) -> SealedCredential {
        self.seal_with(&jenkins_associated_data(tenant_id), login)
    }

    pub fn open_jenkins_login(
        &self,
        tenant_id: &str,
        sealed: &SealedCredential,
    ) -> Result<Credential, OpenError> {
        self.open_with(&jenkins_associated_data(tenant_id), sealed)
    }

    fn seal_with(&self, aad: &[u8], credential: &Credential) -> SealedCredential {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let plaintext = serde_json::to_vec(credential).expect("a credential serialises");
        let ciphertext = self
            .cipher
            .encrypt(&nonce, Payload { msg: &plaintext, aad })
            .expect("AES-GCM encryption of a small message cannot fail");
        SealedCredential {
            nonce: nonce.to_vec(),
            ciphertext,
        }
    }

    fn open_with(&self, aad: &[u8], sealed: &SealedCredential) -> Result<Credential, OpenError> {
        if sealed.nonce.len() != 12 {
            return Err(OpenError);
        }
        let plaintext = self
            .cipher
            .decrypt(
                Nonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad,
                },
            )
            .map_err(|_| OpenError)?;
        serde_json::from_slice(&plaintext).map_err(|_| OpenError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_for_the_same_row_and_key() {
        let cipher = CredentialCipher::new(&[7; 32]);
        let credential = Credential {
            username: "root".into(),
            password: "hunter2-long".into(),
        };
        let sealed = cipher.seal("acme", "srv-1", &credential);
        assert!(!sealed.ciphertext.windows(12).any(|w| w == b"hunter2-long"));
        assert_eq!(cipher.open("acme", "srv-1", &sealed).unwrap(), credential);
        assert!(
            cipher.open("acme", "srv-2", &sealed).is_err(),
            "bound to its server"
        );
        assert!(
            cipher.open("other", "srv-1", &sealed).is_err(),
            "bound to its tenant"
        );
        assert!(
            CredentialCipher::new(&[8; 32])
                .open("acme", "srv-1", &sealed)
                .is_err()
        );
        assert_ne!(
            cipher.seal("acme", "srv-1", &credential).nonce,
            sealed.nonce,
            "fresh nonce"
        );
        assert!(!format!("{credential:?}").contains("hunter2"));
    }

    #[test]
    fn a_jenkins_login_opens_only_for_its_tenant() {
        let cipher = CredentialCipher::new(&[7; 32]);
        let login = Credential {
            username: "guardia".into(),
            password: "11aa22bb33cc".into(),
        };
        let sealed = cipher.seal_jenkins_login("acme", &login);
        assert_eq!(cipher.open_jenkins_login("acme", &sealed).unwrap(), login);
        assert!(cipher.open_jenkins_login("globex", &sealed).is_err());
        assert!(
            cipher.open("acme", "acme", &sealed).is_err(),
            "not a server credential"
        );
    }
}
