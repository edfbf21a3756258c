//! Input checks that answer BAD_USER_INPUT before anything is written.

use super::error::{ApiError, ApiResult};
use crate::tenant_jenkins::TenantJenkins;

/// Trims `value` and checks its length in characters; returns the trimmed text.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> ApiResult<String> {
    let trimmed = value.trim();
    let length = trimmed.chars().count();
    if length < min || length > max {
        return Err(if min > 0 && length == 0 {
            ApiError::bad_input(format!("`{field}` must not be empty"))
        } else {
            ApiError::bad_input(format!(
                "`{field}` must be {min} to {max} characters, not {length}"
            ))
        });
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ApiError::bad_input(format!(
            "`{field}` contains control characters"
        )));
    }
    Ok(trimmed.to_owned())
}

/// Like [`text`] for an optional field; empty text means "none".
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, 1, max).map(Some),
    }
}

/// A host name or IP address: letters, digits, '.', '-', ':' (IPv6) and '_'.
pub fn host(value: &str) -> ApiResult<String> {
    let host = text("host", value, 1, 253)?;
    if host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'))
    {
        Ok(host)
    } else {
        Err(ApiError::bad_input("`host` must be a host name or IP address"))
    }
}

/// A Jenkins job path such as `seoul-hosp/portal`: item names separated by '/', inside the
/// tenant's Jenkins folder.
pub fn jenkins_job(value: &str, jenkins: &TenantJenkins) -> ApiResult<String> {
    let job = text("jenkinsJob", value, 1, 255)?;
    match jenkins.job(&job) {
        Ok(_) => Ok(job),
        Err(e) => Err(ApiError::bad_input(format!(
            "`jenkinsJob`: {e}. This tenant's jobs live in the Jenkins folder '{root}/' \
             (for example '{root}/portal')",
            root = jenkins.root()
        ))),
    }
}

/// A Jenkins build parameter name: a letter or '_' first, then letters, digits, '_', '.', '-'.
pub fn parameter_name(field: &str, value: &str) -> ApiResult<String> {
    let name = text(field, value, 1, 100)?;
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        Ok(name)
    } else {
        Err(ApiError::bad_input(format!(
            "`{field}` must be a parameter name like ROLLBACK_BUILD, not '{name}'"
        )))
    }
}

/// A five-field cron schedule (minute hour day-of-month month day-of-week).
pub fn schedule(value: &str) -> ApiResult<String> {
    let schedule = text("schedule", value, 1, 100)?;
    if schedule.split_whitespace().count() != 5 {
        return Err(ApiError::bad_input(
            "`schedule` must have five fields: minute hour day month weekday",
        ));
    }
    schedule
        .parse::<croner::Cron>()
        .map(|_| schedule.clone())
        .map_err(|e| ApiError::bad_input(format!("`schedule` is not a valid cron expression: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        assert_eq!(text("title", "  hi  ", 1, 10).unwrap(), "hi");
        assert!(text("title", "   ", 1, 10).is_err());
        assert!(text("title", "x".repeat(11).as_str(), 1, 10).is_err());
        assert!(text("title", "a\u{0}b", 1, 10).is_err());
        assert!(host("10.0.0.5").is_ok() && host("web-1.example.kr").is_ok());
        assert!(host("a b").is_err());
        assert!(parameter_name("p", "ROLLBACK_BUILD").is_ok() && parameter_name("p", "app.version").is_ok());
        assert!(parameter_name("p", "1X").is_err() && parameter_name("p", "A B").is_err());
        assert!(schedule("0 2 * * *").is_ok());
        assert!(schedule("0 2 * *").is_err() && schedule("99 2 * * *").is_err());
    }
}
