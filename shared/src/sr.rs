//! Service requests: status and priority.

use crate::text_enum::text_enum;

text_enum! {
    /// Where a service request stands. `CLOSED` and `CANCELLED` are final.
    SrStatus {
        Open => "OPEN",
        InProgress => "IN_PROGRESS",
        OnHold => "ON_HOLD",
        Resolved => "RESOLVED",
        Closed => "CLOSED",
        Cancelled => "CANCELLED",
    }
}

impl SrStatus {
    /// No transition leaves a final status.
    pub const fn is_final(self) -> bool {
        matches!(self, SrStatus::Closed | SrStatus::Cancelled)
    }
}

text_enum! {
    /// How urgent a service request is.
    SrPriority {
        Low => "LOW",
        Medium => "MEDIUM",
        High => "HIGH",
        Urgent => "URGENT",
    }
}
