//! The demo's service levels: targets per priority in both institutions, a hospital open
//! around the clock and a city hall on office hours with its holidays, and each sample SR's
//! timeline replayed from its back-dated history, so the SR list shows OK, WARNING and
//! BREACHED clocks and the month has a report.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use guardia_shared::sla::{MomentKind, Weekday};
use guardia_shared::sr::{SrPriority, SrStatus};

use crate::db::{self, TenantTx};
use crate::service::sla::{self as service, stored_time};

/// The time zone the demo runs in.
pub(super) const DEMO_TIMEZONE: Tz = chrono_tz::Asia::Seoul;

/// Targets (response, resolution) in business minutes per priority.
const POLICIES: [(SrPriority, i32, i32); 4] = [
    (SrPriority::Urgent, 30, 4 * 60),
    (SrPriority::High, 60, 8 * 60),
    (SrPriority::Medium, 2 * 60, 24 * 60),
    (SrPriority::Low, 150, 48 * 60),
];

/// Sets the tenant's targets and calendar: round the clock, or office hours with holidays.
pub(super) async fn set_up(
    tx: &mut TenantTx,
    round_the_clock: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for (priority, response, resolution) in POLICIES {
        db::sla::set_policy(tx, priority, response, resolution).await?;
    }
    if round_the_clock {
        db::sla::set_calendar(tx, 0x7f, 0, 24 * 60, "").await?;
    } else {
        let year = now.with_timezone(&DEMO_TIMEZONE).year();
        let holidays: std::collections::BTreeSet<NaiveDate> = [(year, 12, 25), (year + 1, 1, 1)]
            .into_iter()
            .filter_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
            .collect();
        let office = Weekday::bits_of(&[
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ]);
        db::sla::set_calendar(
            tx,
            i32::from(office),
            9 * 60,
            18 * 60,
            &service::format_holidays(&holidays),
        )
        .await?;
    }
    Ok(())
}

/// What happened to one sample SR, in order.
pub(super) struct History {
    pub(super) created: DateTime<Utc>,
    pub(super) filed_by_staff: bool,
    /// When staff first commented, if they did.
    pub(super) first_staff_reply: Option<DateTime<Utc>>,
    /// When it reached its present status (for an SR no longer OPEN).
    pub(super) settled: DateTime<Utc>,
    pub(super) status: SrStatus,
}

/// Records the SR's timeline from its history and starts its clocks on it.
pub(super) async fn replay(
    tx: &mut TenantTx,
    sr: db::sr::Sr,
    history: &History,
) -> anyhow::Result<db::sr::Sr> {
    let mut moments = vec![(
        history.created,
        MomentKind::Created,
        SrStatus::Open,
        history.filed_by_staff,
    )];
    if let Some(at) = history.first_staff_reply {
        moments.push((at, MomentKind::StaffReply, SrStatus::Open, true));
    }
    let halfway = history.created + (history.settled - history.created) / 2;
    let path: &[SrStatus] = match history.status {
        SrStatus::Open => &[],
        SrStatus::InProgress => &[SrStatus::InProgress],
        SrStatus::OnHold => &[SrStatus::InProgress, SrStatus::OnHold],
        SrStatus::Resolved => &[SrStatus::InProgress, SrStatus::Resolved],
        SrStatus::Closed => &[SrStatus::InProgress, SrStatus::Resolved, SrStatus::Closed],
        SrStatus::Cancelled => &[SrStatus::Cancelled],
    };
    for (index, status) in path.iter().enumerate() {
        // Work starts halfway; the last step is the present status.
        let at = if index + 1 == path.len() {
            history.settled
        } else {
            halfway
        };
        moments.push((at, MomentKind::StatusChanged, *status, true));
    }
    moments.sort_by_key(|(at, ..)| *at);
    // A reply after a later status change still carries the status of its moment.
    let mut status = SrStatus::Open;
    for (at, kind, moment_status, by_staff) in moments {
        if kind != MomentKind::StaffReply {
            status = moment_status;
        }
        db::sla::record(tx, &sr.id, kind, status, by_staff, stored_time(at)).await?;
    }
    Ok(service::retarget(tx, sr, DEMO_TIMEZONE).await?)
}
