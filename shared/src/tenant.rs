//! Tenants (institutions) and the rules for their codes.

/// A tenant code is the `tenant_id` of every row the tenant owns (docs/architecture.md,
/// "Storage").
pub const TENANT_CODE_MAX_LEN: usize = 20;

/// Why a text cannot be a tenant code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantCodeError {
    Empty,
    TooLong,
    BadCharacter,
}

impl std::fmt::Display for TenantCodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TenantCodeError::Empty => "a tenant code must not be empty",
            TenantCodeError::TooLong => "a tenant code has at most 20 characters",
            TenantCodeError::BadCharacter => {
                "a tenant code uses only lowercase letters a-z, digits and '-', and starts with a letter"
            }
        })
    }
}

impl std::error::Error for TenantCodeError {}

/// Tenant codes are short, URL- and log-safe identifiers such as `seoul-univ`.
pub fn validate_tenant_code(code: &str) -> Result<(), TenantCodeError> {
    if code.is_empty() {
        return Err(TenantCodeError::Empty);
    }
    if code.len() > TENANT_CODE_MAX_LEN {
        return Err(TenantCodeError::TooLong);
    }
    let mut chars = code.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if starts_with_letter && rest_ok {
        Ok(())
    } else {
        Err(TenantCodeError::BadCharacter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_codes() {
        assert_eq!(validate_tenant_code("seoul-univ-2"), Ok(()));
        assert_eq!(validate_tenant_code(""), Err(TenantCodeError::Empty));
        assert_eq!(
            validate_tenant_code("a".repeat(21).as_str()),
            Err(TenantCodeError::TooLong)
        );
        assert_eq!(validate_tenant_code("Seoul"), Err(TenantCodeError::BadCharacter));
        assert_eq!(validate_tenant_code("1abc"), Err(TenantCodeError::BadCharacter));
        assert_eq!(validate_tenant_code("a b"), Err(TenantCodeError::BadCharacter));
    }
}
