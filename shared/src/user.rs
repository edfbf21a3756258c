//! Rules for user fields, checked by the CLI, the API and the web app's forms alike.

/// Shorter passwords are refused.
pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 256;
pub const MAX_EMAIL_LEN: usize = 254;
pub const MAX_NAME_LEN: usize = 100;

/// A plausible email address: one `@`, a non-empty local part, a dotted domain, no spaces.
/// (Deliverability is the mail server's business; this catches typos and junk.)
pub fn validate_email(email: &str) -> Result<(), &'static str> {
    if email.len() > MAX_EMAIL_LEN {
        return Err("an email address has at most 254 characters");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err("an email address needs an '@'");
    };
    let valid = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(())
    } else {
        Err("this is not a valid email address")
    }
}

pub fn validate_name(name: &str) -> Result<(), &'static str> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        Err("a name must not be empty")
    } else if trimmed.chars().count() > MAX_NAME_LEN {
        Err("a name has at most 100 characters")
    } else {
        Ok(())
    }
}

pub fn validate_password(password: &str) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        Err("a password needs at least 10 characters")
    } else if password.len() > MAX_PASSWORD_LEN {
        Err("a password has at most 256 bytes")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(validate_email("kim@seoul-univ.ac.kr").is_ok());
        for bad in [
            "",
            "kim",
            "@x.kr",
            "kim@x",
            "kim@@x.kr",
            "kim lee@x.kr",
            "kim@.kr",
        ] {
            assert!(validate_email(bad).is_err(), "{bad:?} passed");
        }
    }

    #[test]
    fn names_and_passwords() {
        assert!(validate_name("  ").is_err());
        assert!(validate_name("김민수").is_ok());
        assert!(validate_password("short").is_err());
        assert!(validate_password("correct horse battery").is_ok());
    }
}
