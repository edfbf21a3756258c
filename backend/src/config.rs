//! Settings from the environment (README.md, "Configuration"): `DATABASE_URL`, `GUARDIA_BIND`,
//! `GUARDIA_ENV`, `GUARDIA_JWT_SECRET`, `GUARDIA_CREDENTIAL_KEY`, `GUARDIA_WEB_DIR`.
//!
//! Production refuses missing or weak secrets. Development generates them once, keeps them in
//! `.guardia-dev-secrets` in the working directory (so tokens and stored credentials survive a
//! restart) and says so loudly.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore;

use crate::private_file;

pub const MIN_JWT_SECRET_LEN: usize = 32;
pub const CREDENTIAL_KEY_LEN: usize = 32;
const DEV_SECRETS_FILE: &str = ".guardia-dev-secrets";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    Production,
    Development,
}

/// A secret value that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The secrets `guardia serve` needs.
#[derive(Debug, Clone)]
pub struct Secrets {
    pub jwt_secret: Secret,
    pub credential_key: Secret,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("GUARDIA_ENV=production needs {name}: {why}")]
    WeakSecret { name: &'static str, why: String },
    #[error("{name}: {why}")]
    Invalid { name: &'static str, why: String },
    #[error("cannot keep development secrets in {path}: {source}")]
    DevSecrets { path: PathBuf, source: std::io::Error },
    #[error(
        "the development secrets file {path} cannot be used: {why}. GUARDiA never overwrites it \
         (stored credentials are sealed with the key in it): restore it, or set GUARDIA_JWT_SECRET \
         and GUARDIA_CREDENTIAL_KEY, or delete it to start over with new secrets (stored \
         credentials then become unreadable)"
    )]
    DevSecretsUnusable { path: PathBuf, why: String },
}

impl RunMode {
    pub fn from_env_value(value: Option<&str>) -> Result<Self, ConfigError> {
        match value.map(str::trim) {
            None | Some("") | Some("development") | Some("dev") => Ok(RunMode::Development),
            Some("production") | Some("prod") => Ok(RunMode::Production),
            Some(other) => Err(ConfigError::Invalid {
                name: "GUARDIA_ENV",
                why: format!("'{other}' is neither 'production' nor 'development'"),
            }),
        }
    }
}

/// Parses `GUARDIA_BIND` (default `127.0.0.1:8080`); a host name such as `localhost:8080`
/// resolves to its first address.
pub fn parse_bind(value: &str) -> Result<SocketAddr, ConfigError> {
    use std::net::ToSocketAddrs;
    value
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| ConfigError::Invalid {
            name: "GUARDIA_BIND",
            why: format!("'{value}' is not an address such as 127.0.0.1:8080"),
        })
}

impl Secrets {
    /// Reads the secrets; in development, missing ones come from (or go to) the dev file.
    pub fn load(
        mode: RunMode,
        jwt_secret: Option<&str>,
        credential_key: Option<&str>,
        workdir: &Path,
    ) -> Result<Self, ConfigError> {
        let jwt = jwt_secret
            .filter(|s| !s.is_empty())
            .map(parse_jwt_secret)
            .transpose();
        let key = credential_key
            .filter(|s| !s.is_empty())
            .map(parse_credential_key)
            .transpose();
        match mode {
            RunMode::Production => {
                let jwt_secret = jwt
                    .map_err(|why| ConfigError::WeakSecret {
                        name: "GUARDIA_JWT_SECRET",
                        why,
                    })?
                    .ok_or_else(|| ConfigError::WeakSecret {
                        name: "GUARDIA_JWT_SECRET",
                        why: "it is not set".into(),
                    })?;
                let credential_key = key
                    .map_err(|why| ConfigError::WeakSecret {
                        name: "GUARDIA_CREDENTIAL_KEY",
                        why,
                    })?
                    .ok_or_else(|| ConfigError::WeakSecret {
                        name: "GUARDIA_CREDENTIAL_KEY",
                        why: "it is not set".into(),
                    })?;
                Ok(Secrets {
                    jwt_secret,
                    credential_key,
                })
            }
            RunMode::Development => {
                let jwt = jwt.map_err(|why| ConfigError::Invalid {
                    name: "GUARDIA_JWT_SECRET",
                    why,
                })?;
                let key = key.map_err(|why| ConfigError::Invalid {
                    name: "GUARDIA_CREDENTIAL_KEY",
                    why,
                })?;
                if let (Some(jwt_secret), Some(credential_key)) = (jwt.clone(), key.clone()) {
                    return Ok(Secrets {
                        jwt_secret,
                        credential_key,
                    });
                }
                let stored = dev_secrets(&workdir.join(DEV_SECRETS_FILE))?;
                Ok(Secrets {
                    jwt_secret: jwt.unwrap_or(stored.jwt_secret),
                    credential_key: key.unwrap_or(stored.credential_key),
                })
            }
        }
    }
}

fn parse_jwt_secret(value: &str) -> Result<Secret, String> {
    if value.len() < MIN_JWT_SECRET_LEN {
        return Err(format!(
            "it must be at least {MIN_JWT_SECRET_LEN} characters (generate one with `openssl rand -base64 48`)"
        ));
    }
    Ok(Secret(value.as_bytes().to_vec()))
}

/// The credential key is 32 bytes, given as base64 (44 characters) or hex (64 characters).
fn parse_credential_key(value: &str) -> Result<Secret, String> {
    let value = value.trim();
    let bytes = if value.len() == 2 * CREDENTIAL_KEY_LEN && value.chars().all(|c| c.is_ascii_hexdigit()) {
        (0..value.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&value[i..i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|e| e.to_string())?
    } else {
        BASE64.decode(value).map_err(|_| {
            "it must be 32 bytes as base64 or 64 hex characters (generate one with `openssl rand -base64 32`)"
                .to_owned()
        })?
    };
    if bytes.len() != CREDENTIAL_KEY_LEN {
        return Err(format!(
            "it must be exactly {CREDENTIAL_KEY_LEN} bytes, not {}",
            bytes.len()
        ));
    }
    Ok(Secret(bytes))
}

/// Reads the development secrets file, creating it (mode 0600) with fresh random values when
/// there is none. A file that is there but cannot be used stops the start and is left as it is:
/// stored credentials were sealed with the key in it, so new secrets would make them unreadable.
fn dev_secrets(path: &Path) -> Result<Secrets, ConfigError> {
    let unusable = |why: String| ConfigError::DevSecretsUnusable {
        path: path.to_owned(),
        why,
    };
    let text = match private_file::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            match create_dev_secrets(path) {
                Ok(secrets) => return Ok(secrets),
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    private_file::read(path).map_err(|e| unusable(e.to_string()))?
                }
                Err(source) => {
                    return Err(ConfigError::DevSecrets {
                        path: path.to_owned(),
                        source,
                    });
                }
            }
        }
        Err(e) => return Err(unusable(e.to_string())),
    };
    let mut lines = text.lines();
    let (Some(jwt), Some(key)) = (lines.next(), lines.next()) else {
        return Err(unusable(
            "it must hold two lines: the JWT secret, then the credential key".into(),
        ));
    };
    let jwt_secret = parse_jwt_secret(jwt).map_err(|why| unusable(format!("line 1 (JWT secret): {why}")))?;
    let credential_key =
        parse_credential_key(key).map_err(|why| unusable(format!("line 2 (credential key): {why}")))?;
    Ok(Secrets {
        jwt_secret,
        credential_key,
    })
}

/// Writes fresh secrets to a new file; `AlreadyExists` if one appeared meanwhile.
fn create_dev_secrets(path: &Path) -> std::io::Result<Secrets> {
    let mut rng = rand::rng();
    let mut jwt = [0u8; 48];
    let mut key = [0u8; CREDENTIAL_KEY_LEN];
    rng.fill_bytes(&mut jwt);
    rng.fill_bytes(&mut key);
    let (jwt, key) = (BASE64.encode(jwt), BASE64.encode(key));
    private_file::create_new(path, &format!("{jwt}\n{key}\n"))?;
    Ok(Secrets {
        jwt_secret: Secret(jwt.into_bytes()),
        credential_key: Secret(key_bytes(&key)),
    })
}

fn key_bytes(base64: &str) -> Vec<u8> {
    BASE64.decode(base64).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_missing_or_weak_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let key = BASE64.encode([7u8; 32]);
        let strong = "x".repeat(40);
        let missing = Secrets::load(RunMode::Production, None, Some(&key), dir.path());
        assert!(matches!(
            missing,
            Err(ConfigError::WeakSecret {
                name: "GUARDIA_JWT_SECRET",
                ..
            })
        ));
        let short = Secrets::load(RunMode::Production, Some("short"), Some(&key), dir.path());
        assert!(matches!(
            short,
            Err(ConfigError::WeakSecret {
                name: "GUARDIA_JWT_SECRET",
                ..
            })
        ));
        let bad_key = Secrets::load(RunMode::Production, Some(&strong), Some("abc"), dir.path());
        assert!(matches!(
            bad_key,
            Err(ConfigError::WeakSecret {
                name: "GUARDIA_CREDENTIAL_KEY",
                ..
            })
        ));
        let ok = Secrets::load(
            RunMode::Production,
            Some(&strong),
            Some(&"ab".repeat(32)),
            dir.path(),
        )
        .unwrap();
        assert_eq!(ok.credential_key.expose(), &[0xab; 32]);
        assert!(
            !dir.path().join(DEV_SECRETS_FILE).exists(),
            "production writes no dev file"
        );
    }

    #[test]
    fn development_generates_secrets_once_and_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let first = Secrets::load(RunMode::Development, None, None, dir.path()).unwrap();
        let second = Secrets::load(RunMode::Development, None, None, dir.path()).unwrap();
        assert_eq!(first.credential_key, second.credential_key);
        assert_eq!(first.jwt_secret, second.jwt_secret);
        assert_eq!(first.credential_key.expose().len(), CREDENTIAL_KEY_LEN);
        assert!(first.jwt_secret.expose().len() >= MIN_JWT_SECRET_LEN);
        assert_eq!(format!("{:?}", first.jwt_secret), "Secret(***)");
    }

    #[test]
    fn an_unusable_secrets_file_stops_the_start_and_stays_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DEV_SECRETS_FILE);
        std::fs::write(&path, "not a secret\n").unwrap();
        let refused = Secrets::load(RunMode::Development, None, None, dir.path());
        assert!(
            matches!(refused, Err(ConfigError::DevSecretsUnusable { .. })),
            "{refused:?}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a secret\n");
    }

    #[cfg(unix)]
    #[test]
    fn the_secrets_file_is_private_and_never_a_symlink() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        Secrets::load(RunMode::Development, None, None, dir.path()).unwrap();
        let path = dir.path().join(DEV_SECRETS_FILE);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);

        let elsewhere = tempfile::tempdir().unwrap();
        let target = elsewhere.path().join("secrets");
        std::fs::rename(&path, &target).unwrap();
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let refused = Secrets::load(RunMode::Development, None, None, dir.path());
        assert!(
            matches!(&refused, Err(ConfigError::DevSecretsUnusable { why, .. }) if why.contains("symbolic link")),
            "{refused:?}"
        );
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(dir.path().join("dangling"), &path).unwrap();
        assert!(Secrets::load(RunMode::Development, None, None, dir.path()).is_err());
        assert!(
            !dir.path().join("dangling").exists(),
            "nothing written through the link"
        );
    }
}
