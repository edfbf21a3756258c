//! The PostgreSQL role the application runs as, one per installation. Row-level security binds
//! only roles without BYPASSRLS, so every pooled connection switches to this role (`SET
//! ROLE`); the tables grant their rights to it alone. Roles are cluster-wide: were it shared,
//! another installation's login in the same cluster would be a member of it and reach these
//! tables. `GUARDIA_DB_ROLE` names it; by default it is `guardia_app_<database name>`.

use diesel::sql_types::{Bool, Text};
use diesel_async::RunQueryDsl;
use sha2::{Digest, Sha256};

use super::{DbError, PgConn};

/// The setting that names the role.
pub const ROLE_ENV: &str = "GUARDIA_DB_ROLE";
const PREFIX: &str = "guardia_app_";
/// PostgreSQL truncates longer identifiers.
const MAX_IDENTIFIER: usize = 63;

/// The application role for the PostgreSQL database `raw_url` names.
pub fn app_role(raw_url: &str) -> Result<String, DbError> {
    let configured = std::env::var(ROLE_ENV).ok();
    resolve(raw_url, configured.as_deref())
}

fn resolve(raw_url: &str, configured: Option<&str>) -> Result<String, DbError> {
    if let Some(name) = configured.map(str::trim).filter(|n| !n.is_empty()) {
        return valid(name).map(str::to_owned);
    }
    let config: tokio_postgres::Config = raw_url
        .parse()
        .map_err(|e| DbError::Config(format!("DATABASE_URL cannot be read: {e}")))?;
    // Without a database name PostgreSQL uses the user's name.
    let database = config
        .get_dbname()
        .or(config.get_user())
        .ok_or_else(|| DbError::Config("DATABASE_URL names no database".into()))?;
    Ok(derived_role(database))
}

/// What the login may do, read before the migrations write anything.
#[derive(diesel::QueryableByName)]
struct Rights {
    #[diesel(sql_type = Text)]
    login: String,
    #[diesel(sql_type = Text)]
    database: String,
    #[diesel(sql_type = Bool)]
    may_create: bool,
    #[diesel(sql_type = Bool)]
    role_exists: bool,
    #[diesel(sql_type = Bool)]
    is_member: bool,
    #[diesel(sql_type = Bool)]
    may_grant: bool,
}

/// Refuses, with the commands that fix it, a login that could not finish the migrations: one
/// without CREATE on the schema, or one that neither is a member of the application role nor
/// may create or grant it. Checked before diesel creates its own table, so a refused set-up
/// leaves nothing behind.
pub(crate) async fn check_rights(conn: &mut PgConn, role: &str) -> Result<(), DbError> {
    let rights: Rights = diesel::sql_query(
        "SELECT current_user::text AS login, current_database()::text AS database,
                has_schema_privilege('public', 'CREATE') AS may_create,
                EXISTS (SELECT FROM pg_roles WHERE rolname = $1) AS role_exists,
                EXISTS (SELECT FROM pg_roles r WHERE r.rolname = $1
                        AND pg_has_role(current_user, r.oid, 'MEMBER')) AS is_member,
                COALESCE((SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user), false)
                OR EXISTS (SELECT FROM pg_roles r WHERE r.rolname = $1
                           AND pg_has_role(current_user, r.oid, 'MEMBER WITH ADMIN OPTION')) AS may_grant",
    )
    .bind::<Text, _>(role)
    .get_result(conn)
    .await?;
    let Rights { login, database, .. } = &rights;
    if !rights.may_create {
        return Err(DbError::Config(format!(
            "the login {login} may not create tables in the schema public of the database {database}; \
             as a superuser run: ALTER DATABASE {database} OWNER TO {login}; (or GRANT CREATE ON SCHEMA public TO {login};)"
        )));
    }
    if !rights.role_exists && !rights.may_grant {
        return Err(DbError::Config(format!(
            "the installation's role {role} does not exist and the login {login} may not create it; \
             as a superuser run: CREATE ROLE {role} NOLOGIN; GRANT {role} TO {login};"
        )));
    }
    if rights.role_exists && !rights.is_member && !rights.may_grant {
        return Err(DbError::Config(format!(
            "the login {login} may not use the installation's role {role}; as a superuser run: GRANT {role} TO {login};"
        )));
    }
    Ok(())
}

/// `guardia_app_<database>`; a name that is not already a plain lowercase identifier, or is too
/// long, is cleaned up and gets a hash of the exact name, so two databases never share a role.
pub fn derived_role(database: &str) -> String {
    let clean: String = database
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '_' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '_',
        })
        .collect();
    if clean == database && PREFIX.len() + clean.len() <= MAX_IDENTIFIER {
        return format!("{PREFIX}{clean}");
    }
    let digest = Sha256::digest(database.as_bytes());
    let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let room = MAX_IDENTIFIER - PREFIX.len() - 1 - hash.len();
    let kept: String = clean.chars().take(room).collect();
    format!("{PREFIX}{kept}_{hash}")
}

/// A role name used unquoted in the README's commands must be a plain lowercase identifier.
fn valid(name: &str) -> Result<&str, DbError> {
    let plain = name.len() <= MAX_IDENTIFIER
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        Ok(name)
    } else {
        Err(DbError::Config(format!(
            "{ROLE_ENV} '{name}' must be a lowercase PostgreSQL identifier (letters, digits and _, at most {MAX_IDENTIFIER})"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_follows_the_database_unless_configured() {
        let url = "postgres://guardia:secret@db.example:5432/guardia_prod";
        assert_eq!(resolve(url, None).unwrap(), "guardia_app_guardia_prod");
        assert_eq!(resolve(url, Some("  ")).unwrap(), "guardia_app_guardia_prod");
        assert_eq!(resolve(url, Some("prod_app")).unwrap(), "prod_app");
        assert!(resolve(url, Some("Prod")).is_err());
        assert!(resolve(url, Some("a\"; DROP")).is_err());
        assert_eq!(
            resolve("postgres://kim@localhost", None).unwrap(),
            "guardia_app_kim",
            "no database: PostgreSQL's default, the user's name"
        );
    }

    #[test]
    fn unusual_database_names_get_distinct_valid_roles() {
        let dashed = derived_role("guardia-prod");
        let underscored = derived_role("guardia_prod");
        assert_ne!(dashed, underscored);
        assert!(dashed.starts_with("guardia_app_guardia_prod_"));
        let long = derived_role(&"x".repeat(80));
        assert_eq!(long.len(), MAX_IDENTIFIER);
        for role in [dashed, long, derived_role("Guardia"), derived_role("데이터")] {
            assert!(valid(&role).is_ok(), "{role}");
        }
    }
}
