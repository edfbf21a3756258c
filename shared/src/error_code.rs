//! The closed set of `extensions.code` values every API error carries (docs/architecture.md,
//! "Error codes").

use crate::text_enum::text_enum;

text_enum! {
    /// Machine-readable error class; clients branch on this, never on message text.
    ErrorCode {
        Unauthenticated => "UNAUTHENTICATED",
        Forbidden => "FORBIDDEN",
        NotFound => "NOT_FOUND",
        BadUserInput => "BAD_USER_INPUT",
        Conflict => "CONFLICT",
        RateLimited => "RATE_LIMITED",
        UpstreamUnavailable => "UPSTREAM_UNAVAILABLE",
        Internal => "INTERNAL",
    }
}
