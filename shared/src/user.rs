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

/// Why a password is refused. The policy is deliberately small: long enough, not a single kind
/// of character, not the account's own email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    /// Only lowercase letters, or only digits, and so on.
    OneKind,
    /// The email address, or the part before its `@`.
    IsEmail,
}

impl PasswordProblem {
    /// The English message the API and the CLI answer with (the web app words its own).
    pub fn message(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "a password needs at least 10 characters",
            PasswordProblem::TooLong => "a password has at most 256 bytes",
            PasswordProblem::OneKind => {
                "a password needs at least two kinds of characters: lowercase, uppercase, digits, spaces and symbols, other scripts (한글)"
            }
            PasswordProblem::IsEmail => "a password must not be the account's email address",
        }
    }
}

/// Which kind a character is: ASCII lowercase, uppercase, digit, other ASCII (spaces,
/// symbols), or beyond ASCII (한글 and other scripts). ASCII classes only: Unicode's tables
/// would weigh on the web app's WASM.
fn kind(c: char) -> u8 {
    if c.is_ascii_lowercase() {
        0
    } else if c.is_ascii_uppercase() {
        1
    } else if c.is_ascii_digit() {
        2
    } else if c.is_ascii() {
        3
    } else {
        4
    }
}

/// The password policy for a user with `email` (empty when not known yet): at least
/// [`MIN_PASSWORD_LEN`] characters, at most [`MAX_PASSWORD_LEN`] bytes, at least two kinds of
/// characters (see `kind`), and neither the email nor its local part (ignoring ASCII case).
pub fn check_password(password: &str, email: &str) -> Result<(), PasswordProblem> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(PasswordProblem::TooShort);
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(PasswordProblem::TooLong);
    }
    let mut chars = password.chars().map(kind);
    let first = chars.next();
    if chars.all(|k| Some(k) == first) {
        return Err(PasswordProblem::OneKind);
    }
    let email = email.trim();
    let local = email.split('@').next().unwrap_or_default();
    let password = password.trim();
    if !email.is_empty() && (password.eq_ignore_ascii_case(email) || password.eq_ignore_ascii_case(local)) {
        return Err(PasswordProblem::IsEmail);
    }
    Ok(())
}

/// [`check_password`] with the English message.
pub fn validate_password(password: &str, email: &str) -> Result<(), &'static str> {
    check_password(password, email).map_err(PasswordProblem::message)
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
        assert!(validate_password("short", "").is_err());
        assert!(validate_password("correct horse battery", "kim@x.kr").is_ok());
    }

    #[test]
    fn password_policy() {
        let email = "Kim.Minsu.Lee@seoul-univ.ac.kr";
        for (password, problem) in [
            ("Sh0rt!", PasswordProblem::TooShort),
            ("가나다라마바사아자", PasswordProblem::TooShort),
            ("abcdefghijkl", PasswordProblem::OneKind),
            ("ABCDEFGHIJKL", PasswordProblem::OneKind),
            ("123456789012", PasswordProblem::OneKind),
            ("비밀번호비밀번호비밀번호", PasswordProblem::OneKind),
            ("kim.minsu.lee@seoul-univ.ac.kr", PasswordProblem::IsEmail),
            ("KIM.MINSU.LEE", PasswordProblem::IsEmail),
        ] {
            assert_eq!(check_password(password, email), Err(problem), "{password:?}");
        }
        assert_eq!(check_password("KIM.MINSU.LEE", "other@x.kr"), Ok(()));
        assert_eq!(
            check_password(&"ab1".repeat(100), email),
            Err(PasswordProblem::TooLong)
        );
        for good in [
            "correct horse battery",
            "guardia-demo-1234",
            "비밀번호는 길어야 합니다",
            "abcdefghij1",
        ] {
            assert_eq!(check_password(good, email), Ok(()), "{good:?}");
        }
    }
}
