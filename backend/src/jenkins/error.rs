//! The Jenkins client's one error type. Messages are safe to show a user: they never carry the
//! Jenkins URL or credentials (those go to the log).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JenkinsError {
    #[error("Jenkins is not configured: set JENKINS_URL, JENKINS_USER and JENKINS_TOKEN")]
    NotConfigured,
    /// The operator's settings for this tenant's Jenkins cannot be used.
    #[error("this tenant's Jenkins settings cannot be used ({0}); ask the operator to set them again")]
    Misconfigured(String),
    /// Jenkins did not answer a moment ago; calls fail fast for a short pause (see `Breaker`).
    #[error("Jenkins did not answer a moment ago; GUARDiA asks again in {0} s")]
    Resting(u64),
    #[error("Jenkins is unreachable")]
    Unreachable,
    #[error("Jenkins did not answer within {0} s")]
    Timeout(u64),
    #[error("Jenkins rejected GUARDiA's user or API token (401): check JENKINS_USER and JENKINS_TOKEN")]
    Unauthorized,
    #[error("Jenkins refused GUARDiA's service account (403){}", missing_permission(.0))]
    Forbidden(Option<String>),
    #[error("not found in Jenkins")]
    NotFound,
    /// Jenkins understood the request and said no (400, 405, 409…): the caller's input is wrong.
    #[error("Jenkins refused the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    /// `buildWithParameters` answered 303: the same request already waits in the queue.
    #[error("an identical build is already waiting in the Jenkins queue")]
    AlreadyQueued,
    #[error("Jenkins failed with status {0}")]
    Server(u16),
    #[error("Jenkins sent an answer GUARDiA cannot read: {0}")]
    BadResponse(String),
}

fn missing_permission(permission: &Option<String>) -> String {
    permission
        .as_ref()
        .map(|p| format!(": it lacks the permission {p}"))
        .unwrap_or_default()
}

impl JenkinsError {
    /// Whether the failure is Jenkins' (or the link to it), not the caller's input.
    pub fn is_upstream(&self) -> bool {
        !matches!(
            self,
            JenkinsError::NotFound | JenkinsError::Rejected { .. } | JenkinsError::AlreadyQueued
        )
    }
}
