//! Creating a user: one set of rules (normalise, validate, hash off the runtime, insert, audit)
//! for the API, the CLI and the demo.

use guardia_shared::Role;
use guardia_shared::user::{validate_email, validate_name, validate_password};

use super::audit::{self, Actor};
use crate::auth::hash_gate::HashGate;
use crate::auth::password::hash_password;
use crate::db::{self, DbError, TenantTx};

/// A new user as a person gave it.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password: String,
}

/// A new user's details, checked, with the password hashed: made before any transaction opens,
/// because hashing takes a while on purpose.
pub struct CheckedAccount {
    email: String,
    name: String,
    role: Role,
    password_hash: String,
}

/// The detail a refusal is about, so each entry point can name it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Email,
    Name,
    Password,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{why}")]
    Invalid { field: Field, why: &'static str },
    /// The bound on concurrent password work is reached.
    #[error("the server is busy checking other passwords; try again in a few seconds")]
    Busy,
    #[error("the password could not be hashed")]
    Hash,
}

impl CheckedAccount {
    /// Checks the details and hashes the password behind the bound on concurrent password work.
    pub async fn check(new: NewAccount<'_>) -> Result<Self, AccountError> {
        let account = Self::check_details(new.email, new.name, new.role, &new.password, String::new())?;
        let password = new.password;
        let hash = HashGate::global()
            .run(move || hash_password(&password))
            .await
            .map_err(|_| AccountError::Busy)?
            .map_err(|_| AccountError::Hash)?;
        Ok(CheckedAccount {
            password_hash: hash,
            ..account
        })
    }

    /// Checks the details of an account whose password was hashed already (the demo gives
    /// every login one password, hashed once).
    pub fn with_hash(
        email: &str,
        name: &str,
        role: Role,
        password: &str,
        hash: &str,
    ) -> Result<Self, AccountError> {
        Self::check_details(email, name, role, password, hash.to_owned())
    }

    fn check_details(
        email: &str,
        name: &str,
        role: Role,
        password: &str,
        password_hash: String,
    ) -> Result<Self, AccountError> {
        let invalid = |field| move |why| AccountError::Invalid { field, why };
        let email = email.trim().to_lowercase();
        validate_email(&email).map_err(invalid(Field::Email))?;
        validate_name(name).map_err(invalid(Field::Name))?;
        validate_password(password, &email).map_err(invalid(Field::Password))?;
        Ok(CheckedAccount {
            email,
            name: name.trim().to_owned(),
            role,
            password_hash,
        })
    }

    pub fn email(&self) -> &str {
        &self.email
    }
}

/// Inserts the user in the transaction's tenant; `actor`, when given, is recorded as having
/// created it (`user.create`).
pub async fn insert(
    tx: &mut TenantTx,
    account: &CheckedAccount,
    actor: Option<Actor<'_>>,
) -> Result<db::user::User, DbError> {
    let new = db::user::NewUser {
        email: &account.email,
        name: &account.name,
        role: account.role,
        password_hash: &account.password_hash,
    };
    let user = db::user::create(tx, new).await?;
    if let Some(actor) = actor {
        audit::record(tx, actor, "user.create", &user.id).await?;
    }
    Ok(user)
}
