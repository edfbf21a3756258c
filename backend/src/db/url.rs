//! `DATABASE_URL`: which backend, where, and how to show it without its password.

use std::fmt;
use std::path::PathBuf;

use super::DbError;

/// The default when `DATABASE_URL` is unset: an embedded SQLite file in the working directory.
pub const DEFAULT_SQLITE_PATH: &str = "guardia.db";

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// Reads the backend from the URL scheme: `sqlite://PATH`, `postgres://…`, `postgresql://…`.
    pub fn parse(raw: Option<&str>) -> Result<Self, DbError> {
        let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(DEFAULT_SQLITE_PATH)));
        };
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_owned()));
        }
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(DbError::Config(
                    "DATABASE_URL 'sqlite://' names no file; use sqlite://PATH, e.g. sqlite://guardia.db"
                        .into(),
                ));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        Err(DbError::Config(format!(
            "DATABASE_URL '{}' is neither sqlite://PATH nor postgres://…",
            mask_password(raw)
        )))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "SQLite",
            DatabaseUrl::Postgres(_) => "PostgreSQL",
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseUrl::Postgres(_))
    }
}

/// Display never shows a password, so URLs can go into logs and error messages.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&mask_password(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Replaces the password of a URL (and any `password=` parameter) with `***`.
pub fn mask_password(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        // Not parseable as a URL: hide everything between "://" and "@".
        return match (raw.find("://"), raw.rfind('@')) {
            (Some(start), Some(at)) if at > start => format!("{}***{}", &raw[..start + 3], &raw[at..]),
            _ => raw.to_owned(),
        };
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    let has_password_param = url.query_pairs().any(|(k, _)| k == "password");
    if has_password_param {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "password" {
                    "***".to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_means_the_sqlite_file_in_the_working_directory() {
        assert_eq!(
            DatabaseUrl::parse(None).unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("guardia.db"))
        );
    }

    #[test]
    fn schemes_pick_the_backend() {
        assert_eq!(
            DatabaseUrl::parse(Some("sqlite:///var/lib/guardia/g.db")).unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("/var/lib/guardia/g.db"))
        );
        assert_eq!(
            DatabaseUrl::parse(Some("sqlite://data/g.db")).unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("data/g.db"))
        );
        assert!(
            DatabaseUrl::parse(Some("postgresql://u@h/db"))
                .unwrap()
                .is_postgres()
        );
        assert!(DatabaseUrl::parse(Some("mysql://u@h/db")).is_err());
    }

    #[test]
    fn passwords_never_show() {
        let url = DatabaseUrl::parse(Some("postgres://app:s3cret@db.example:5432/g")).unwrap();
        assert_eq!(url.to_string(), "postgres://app:***@db.example:5432/g");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(!mask_password("postgres://h/db?user=a&password=s3cret").contains("s3cret"));
        let err = DatabaseUrl::parse(Some("mysql://a:s3cret@h/db")).unwrap_err();
        assert!(!err.to_string().contains("s3cret"));
    }
}
