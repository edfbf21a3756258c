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

impl SrStatus {
    /// The workflow: work starts, pauses and resolves; a resolved SR is closed or reopened;
    /// anything not final may be cancelled; nothing leaves CLOSED or CANCELLED.
    pub fn can_become(self, next: SrStatus) -> bool {
        use SrStatus::*;
        if self == next {
            return !self.is_final();
        }
        match self {
            Open => matches!(next, InProgress | OnHold | Resolved | Cancelled),
            InProgress => matches!(next, OnHold | Resolved | Cancelled | Open),
            OnHold => matches!(next, InProgress | Resolved | Cancelled),
            Resolved => matches!(next, Closed | InProgress),
            Closed | Cancelled => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_statuses_are_final() {
        for next in SrStatus::ALL {
            assert!(!SrStatus::Closed.can_become(*next));
            assert!(!SrStatus::Cancelled.can_become(*next));
        }
        assert!(SrStatus::Open.can_become(SrStatus::InProgress));
        assert!(SrStatus::Resolved.can_become(SrStatus::Closed));
        assert!(
            !SrStatus::Open.can_become(SrStatus::Closed),
            "close only what was resolved"
        );
    }
}
