//! Service levels: where an SR stands against its response and resolution targets.

use crate::text_enum::text_enum;

text_enum! {
    /// Where an SR's service-level clocks stand: `WARNING` once 75 % of a target's business
    /// time is used, `BREACHED` once a target is missed.
    #[derive(Default)]
    SlaState {
        #[default]
        Ok => "OK",
        Warning => "WARNING",
        Breached => "BREACHED",
    }
}

impl SlaState {
    /// How bad the state is, for taking the worse of two (OK < WARNING < BREACHED).
    pub const fn severity(self) -> u8 {
        match self {
            SlaState::Ok => 0,
            SlaState::Warning => 1,
            SlaState::Breached => 2,
        }
    }

    /// The worse of two states.
    pub const fn worst(self, other: SlaState) -> SlaState {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }
}

text_enum! {
    /// What happened to an SR, as its service-level clocks see it (a row of its timeline).
    MomentKind {
        Created => "CREATED",
        StatusChanged => "STATUS_CHANGED",
        /// The first comment by staff.
        StaffReply => "STAFF_REPLY",
    }
}

text_enum! {
    /// One of an SR's two service-level clocks.
    SlaClock {
        /// From creation to the first reply or the first move out of OPEN by staff.
        Response => "RESPONSE",
        /// From creation to RESOLVED, paused while ON_HOLD.
        Resolution => "RESOLUTION",
    }
}

text_enum! {
    /// A day of the week, for a tenant's working days.
    Weekday {
        Mon => "MON",
        Tue => "TUE",
        Wed => "WED",
        Thu => "THU",
        Fri => "FRI",
        Sat => "SAT",
        Sun => "SUN",
    }
}

impl Weekday {
    /// The day's bit in a set of working days stored as one number (Monday is bit 0).
    pub const fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The days a stored set holds, Monday first.
    pub fn days_of(bits: u8) -> Vec<Weekday> {
        Weekday::ALL
            .iter()
            .copied()
            .filter(|day| bits & day.bit() != 0)
            .collect()
    }

    /// The stored form of a set of days.
    pub fn bits_of(days: &[Weekday]) -> u8 {
        days.iter().fold(0, |bits, day| bits | day.bit())
    }
}

/// The share of a target after which an SR is at risk: 75 %, as three quarters.
pub const WARNING_NUMERATOR: i64 = 3;
pub const WARNING_DENOMINATOR: i64 = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worse_state_wins() {
        assert_eq!(SlaState::Ok.worst(SlaState::Warning), SlaState::Warning);
        assert_eq!(SlaState::Breached.worst(SlaState::Warning), SlaState::Breached);
        assert_eq!(SlaState::Ok.worst(SlaState::Ok), SlaState::Ok);
    }

    #[test]
    fn working_days_round_trip_through_their_bits() {
        let days = [Weekday::Mon, Weekday::Wed, Weekday::Sun];
        let bits = Weekday::bits_of(&days);
        assert_eq!(bits, 0b100_0101);
        assert_eq!(Weekday::days_of(bits), days);
    }
}
