//! Where an SR's two clocks stand, worked out from its recorded timeline: the response clock
//! runs from creation to the first reply or status change by staff; the resolution clock runs
//! while the SR is OPEN or IN_PROGRESS, pauses while it is ON_HOLD or RESOLVED (a reopened SR
//! resumes it) and stops at RESOLVED, CLOSED or CANCELLED. Both count business time only.

use chrono::{DateTime, Utc};
pub use guardia_shared::sla::MomentKind;
use guardia_shared::sla::{SlaState, WARNING_DENOMINATOR, WARNING_NUMERATOR};
use guardia_shared::sr::SrStatus;

use super::calendar::BusinessCalendar;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moment {
    pub at: DateTime<Utc>,
    pub kind: MomentKind,
    /// The SR's status after this moment.
    pub status: SrStatus,
    pub by_staff: bool,
}

/// The targets an SR took from its tenant's policy when its clocks started, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub response_minutes: i32,
    pub resolution_minutes: i32,
}

/// One clock of one SR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockStanding {
    pub target_seconds: i64,
    /// When the target's business time is (or was) used up; for a paused or stopped clock,
    /// only if that happened before it stopped.
    pub due_at: Option<DateTime<Utc>>,
    /// When 75 % of it is (or was) used, under the same rule.
    pub warn_at: Option<DateTime<Utc>>,
    pub met_at: Option<DateTime<Utc>>,
    /// Business seconds used, once the clock is paused or stopped; `None` while it runs.
    pub elapsed_seconds: Option<i64>,
}

impl ClockStanding {
    fn warn_seconds(target_seconds: i64) -> i64 {
        target_seconds * WARNING_NUMERATOR / WARNING_DENOMINATOR
    }

    pub fn is_running(&self) -> bool {
        self.elapsed_seconds.is_none()
    }

    /// The clock's state at `now`. A met target is OK or BREACHED for good; a running clock
    /// crosses WARNING and BREACHED at its instants; a paused one keeps the state it had.
    pub fn state(&self, now: DateTime<Utc>) -> SlaState {
        match self.elapsed_seconds {
            Some(elapsed) if self.met_at.is_some() => {
                if elapsed > self.target_seconds {
                    SlaState::Breached
                } else {
                    SlaState::Ok
                }
            }
            Some(elapsed) => {
                if elapsed > self.target_seconds {
                    SlaState::Breached
                } else if elapsed >= Self::warn_seconds(self.target_seconds) {
                    SlaState::Warning
                } else {
                    SlaState::Ok
                }
            }
            None => {
                if self.due_at.is_some_and(|due| due < now) {
                    SlaState::Breached
                } else if self.warn_at.is_some_and(|warn| warn <= now) {
                    SlaState::Warning
                } else {
                    SlaState::Ok
                }
            }
        }
    }

    /// Walks the clock over the spans it ran (the last one open while it still runs).
    fn walk(
        target_seconds: i64,
        spans: &[(DateTime<Utc>, Option<DateTime<Utc>>)],
        met_at: Option<DateTime<Utc>>,
        calendar: &BusinessCalendar,
    ) -> ClockStanding {
        let warn_seconds = Self::warn_seconds(target_seconds);
        let mut elapsed = 0;
        let mut due_at = None;
        let mut warn_at = None;
        let mut running = false;
        for (start, end) in spans {
            // The instant `mark` seconds are used, if it falls in this span.
            let crossing = |mark: i64| {
                let at = calendar.add_seconds(*start, mark - elapsed)?;
                end.is_none_or(|end| at <= end).then_some(at)
            };
            if warn_at.is_none() {
                warn_at = crossing(warn_seconds);
            }
            if due_at.is_none() {
                due_at = crossing(target_seconds);
            }
            match end {
                Some(end) => elapsed += calendar.seconds_between(*start, *end),
                None => running = true,
            }
        }
        ClockStanding {
            target_seconds,
            due_at,
            warn_at,
            met_at,
            elapsed_seconds: (!running).then_some(elapsed),
        }
    }
}

/// Both clocks of an SR with targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub response: ClockStanding,
    pub resolution: ClockStanding,
}

/// Statuses in which the resolution clock runs.
fn resolution_runs(status: SrStatus) -> bool {
    matches!(status, SrStatus::Open | SrStatus::InProgress)
}

impl Standing {
    /// Works out both clocks from the timeline (oldest first; the first moment is the
    /// creation). `None` for an empty timeline.
    pub fn from_timeline(
        targets: Targets,
        timeline: &[Moment],
        calendar: &BusinessCalendar,
    ) -> Option<Standing> {
        let created = timeline.first()?;
        let answered = timeline
            .iter()
            .skip(1)
            .find(|m| m.by_staff && matches!(m.kind, MomentKind::StaffReply | MomentKind::StatusChanged))
            .map(|m| m.at);
        let response = ClockStanding::walk(
            i64::from(targets.response_minutes) * 60,
            &[(created.at, answered)],
            answered,
            calendar,
        );

        let mut spans: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = Vec::new();
        let mut running_since: Option<DateTime<Utc>> = None;
        let mut resolved_at = None;
        for moment in timeline {
            if moment.status == SrStatus::Resolved && moment.kind != MomentKind::StaffReply {
                resolved_at = Some(moment.at);
            }
            match (running_since, resolution_runs(moment.status)) {
                (None, true) => running_since = Some(moment.at),
                (Some(since), false) => {
                    spans.push((since, Some(moment.at)));
                    running_since = None;
                }
                _ => {}
            }
        }
        if let Some(since) = running_since {
            spans.push((since, None));
        }
        let last = timeline.last().map_or(SrStatus::Open, |m| m.status);
        let met_at = matches!(last, SrStatus::Resolved | SrStatus::Closed)
            .then_some(resolved_at)
            .flatten();
        let resolution = ClockStanding::walk(
            i64::from(targets.resolution_minutes) * 60,
            &spans,
            met_at,
            calendar,
        );
        Some(Standing { response, resolution })
    }

    /// The worse state of the two clocks at `now`.
    pub fn state(&self, now: DateTime<Utc>) -> SlaState {
        self.response.state(now).worst(self.resolution.state(now))
    }

    fn unmet(&self) -> impl Iterator<Item = &ClockStanding> {
        [&self.response, &self.resolution]
            .into_iter()
            .filter(|clock| clock.met_at.is_none())
    }

    /// The earliest instant an unmet clock reached or reaches 75 %: lists of SRs at risk read it.
    pub fn warn_at(&self) -> Option<DateTime<Utc>> {
        self.unmet().filter_map(|clock| clock.warn_at).min()
    }

    /// The earliest instant an unmet clock's target is or was used up: at-risk lists sort by it.
    pub fn due_at(&self) -> Option<DateTime<Utc>> {
        self.unmet().filter_map(|clock| clock.due_at).min()
    }
}

/// The next instant a clock that is still running crosses a state it has not been alerted
/// for: its 75 % mark while below WARNING, its due time while below BREACHED.
pub fn next_alert_at(clock: &ClockStanding, alerted: SlaState) -> Option<DateTime<Utc>> {
    if !clock.is_running() {
        return None;
    }
    match alerted {
        SlaState::Ok => clock.warn_at.or(clock.due_at),
        SlaState::Warning => clock.due_at.map(|due| due + chrono::TimeDelta::seconds(1)),
        SlaState::Breached => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::calendar::tests::seoul;

    fn moment(at: &str, kind: MomentKind, status: SrStatus) -> Moment {
        Moment {
            at: seoul(at),
            kind,
            status,
            by_staff: kind != MomentKind::Created,
        }
    }

    fn calendar() -> BusinessCalendar {
        BusinessCalendar::office_hours(chrono_tz::Asia::Seoul)
    }

    const TARGETS: Targets = Targets {
        response_minutes: 60,
        resolution_minutes: 8 * 60,
    };

    #[test]
    fn an_untouched_sr_warns_then_breaches_in_business_time() {
        let timeline = [moment("2026-12-01T17:00:00", MomentKind::Created, SrStatus::Open)];
        let standing = Standing::from_timeline(TARGETS, &timeline, &calendar()).unwrap();
        assert_eq!(standing.response.warn_at, Some(seoul("2026-12-01T17:45:00")));
        assert_eq!(standing.response.due_at, Some(seoul("2026-12-01T18:00:00")));
        // Eight business hours: one on Tuesday, seven on Wednesday.
        assert_eq!(standing.resolution.due_at, Some(seoul("2026-12-02T16:00:00")));
        assert_eq!(standing.resolution.warn_at, Some(seoul("2026-12-02T14:00:00")));
        assert_eq!(standing.state(seoul("2026-12-01T17:44:00")), SlaState::Ok);
        assert_eq!(standing.state(seoul("2026-12-01T17:45:00")), SlaState::Warning);
        assert_eq!(standing.state(seoul("2026-12-01T18:00:00")), SlaState::Warning);
        assert_eq!(standing.state(seoul("2026-12-01T18:01:00")), SlaState::Breached);
        assert_eq!(standing.due_at(), Some(seoul("2026-12-01T18:00:00")));
    }

    #[test]
    fn on_hold_pauses_resolution_and_reopening_resumes_it() {
        let timeline = [
            moment("2026-12-01T09:00:00", MomentKind::Created, SrStatus::Open),
            moment(
                "2026-12-01T09:30:00",
                MomentKind::StatusChanged,
                SrStatus::InProgress,
            ),
            moment("2026-12-01T11:00:00", MomentKind::StatusChanged, SrStatus::OnHold),
        ];
        let paused = Standing::from_timeline(TARGETS, &timeline, &calendar()).unwrap();
        assert_eq!(paused.response.met_at, Some(seoul("2026-12-01T09:30:00")));
        assert_eq!(paused.response.state(seoul("2026-12-09T00:00:00")), SlaState::Ok);
        assert_eq!(paused.resolution.elapsed_seconds, Some(2 * 3_600));
        assert_eq!(paused.resolution.due_at, None);
        assert_eq!(
            paused.state(seoul("2026-12-31T00:00:00")),
            SlaState::Ok,
            "paused for good"
        );

        let mut resumed = timeline.to_vec();
        resumed.push(moment(
            "2026-12-03T09:00:00",
            MomentKind::StatusChanged,
            SrStatus::InProgress,
        ));
        let running = Standing::from_timeline(TARGETS, &resumed, &calendar()).unwrap();
        // Two hours used before the pause; six more from Thursday 09:00.
        assert_eq!(running.resolution.due_at, Some(seoul("2026-12-03T15:00:00")));
        assert_eq!(running.resolution.warn_at, Some(seoul("2026-12-03T13:00:00")));
        assert_eq!(running.resolution.elapsed_seconds, None);

        resumed.push(moment(
            "2026-12-03T14:00:00",
            MomentKind::StatusChanged,
            SrStatus::Resolved,
        ));
        let met = Standing::from_timeline(TARGETS, &resumed, &calendar()).unwrap();
        assert_eq!(met.resolution.met_at, Some(seoul("2026-12-03T14:00:00")));
        assert_eq!(met.resolution.elapsed_seconds, Some(7 * 3_600));
        assert_eq!(met.state(seoul("2027-01-01T00:00:00")), SlaState::Ok);
        assert_eq!(met.warn_at(), None, "met clocks are no longer at risk");
    }

    #[test]
    fn a_late_answer_stays_breached() {
        let timeline = [
            moment("2026-12-01T09:00:00", MomentKind::Created, SrStatus::Open),
            moment("2026-12-01T10:30:00", MomentKind::StaffReply, SrStatus::Open),
        ];
        let standing = Standing::from_timeline(TARGETS, &timeline, &calendar()).unwrap();
        assert_eq!(standing.response.met_at, Some(seoul("2026-12-01T10:30:00")));
        assert_eq!(standing.response.elapsed_seconds, Some(90 * 60));
        assert_eq!(
            standing.response.state(seoul("2026-12-01T10:31:00")),
            SlaState::Breached
        );
        assert_eq!(next_alert_at(&standing.response, SlaState::Ok), None);
    }

    #[test]
    fn a_customer_comment_is_no_answer() {
        let mut reply = moment("2026-12-01T09:10:00", MomentKind::StaffReply, SrStatus::Open);
        reply.by_staff = false;
        let timeline = [
            moment("2026-12-01T09:00:00", MomentKind::Created, SrStatus::Open),
            reply,
        ];
        let standing = Standing::from_timeline(TARGETS, &timeline, &calendar()).unwrap();
        assert_eq!(standing.response.met_at, None);
        assert!(standing.response.is_running());
    }

    #[test]
    fn alerts_come_at_the_warning_then_just_after_the_due_time() {
        let timeline = [moment("2026-12-01T09:00:00", MomentKind::Created, SrStatus::Open)];
        let standing = Standing::from_timeline(TARGETS, &timeline, &calendar()).unwrap();
        assert_eq!(
            next_alert_at(&standing.response, SlaState::Ok),
            Some(seoul("2026-12-01T09:45:00"))
        );
        assert_eq!(
            next_alert_at(&standing.response, SlaState::Warning),
            Some(seoul("2026-12-01T10:00:01"))
        );
        assert_eq!(next_alert_at(&standing.response, SlaState::Breached), None);
    }
}
