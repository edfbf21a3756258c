//! Service-level use cases: an SR's clocks start with the targets of its tenant's policy when
//! it is filed; every moment that matters to them (a status change, the first staff reply, a
//! new priority) is recorded in its timeline and the clocks are worked out again from the
//! whole timeline and stored on the SR, in the caller's transaction.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, Utc};
use chrono_tz::Tz;
use guardia_shared::sla::SlaState;

use crate::db::sla::TimelineEntry;
use crate::db::sr::{Sr, SrSla};
use crate::db::{self, DbError, TenantTx};
use crate::sla::standing::next_alert_at;
use crate::sla::{BusinessCalendar, ClockStanding, Moment, MomentKind, Standing, Targets};

/// A time as the database stores it (UTC, microseconds).
pub fn stored_time(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc().trunc_subsecs(6)
}

/// The tenant's calendar, or office hours when it has set none.
pub async fn business_calendar(tx: &mut TenantTx, timezone: Tz) -> Result<BusinessCalendar, DbError> {
    Ok(match db::sla::calendar(tx).await? {
        Some(row) => BusinessCalendar {
            timezone,
            weekdays: u8::try_from(row.weekdays).unwrap_or(0x1f),
            day_start_minute: u16::try_from(row.day_start_minute).unwrap_or(0),
            day_end_minute: u16::try_from(row.day_end_minute).unwrap_or(1_440),
            holidays: parse_holidays(&row.holidays),
        },
        None => BusinessCalendar::office_hours(timezone),
    })
}

/// Holidays as stored: ISO dates separated by commas.
pub fn parse_holidays(text: &str) -> BTreeSet<NaiveDate> {
    text.split(',')
        .filter_map(|day| day.trim().parse().ok())
        .collect()
}

pub fn format_holidays(days: &BTreeSet<NaiveDate>) -> String {
    days.iter()
        .map(NaiveDate::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Starts a new SR's clocks with the targets its tenant sets for its priority (none: the SR
/// has no clocks).
pub async fn start(tx: &mut TenantTx, sr: Sr, by_staff: bool, timezone: Tz) -> Result<Sr, DbError> {
    db::sla::record(
        tx,
        &sr.id,
        MomentKind::Created,
        sr.status,
        by_staff,
        sr.created_at,
    )
    .await?;
    retarget(tx, sr, timezone).await
}

/// After an SR changed: records a new status (`status_changed`: by staff, when), takes the
/// targets of a new priority, and works the clocks out again, once.
pub async fn updated(
    tx: &mut TenantTx,
    sr: Sr,
    status_changed: Option<(bool, NaiveDateTime)>,
    priority_changed: bool,
    timezone: Tz,
) -> Result<Sr, DbError> {
    if let Some((by_staff, at)) = status_changed {
        db::sla::record(tx, &sr.id, MomentKind::StatusChanged, sr.status, by_staff, at).await?;
    }
    if priority_changed {
        retarget(tx, sr, timezone).await
    } else if status_changed.is_some() {
        restate(tx, sr, timezone).await
    } else {
        Ok(sr)
    }
}

/// Records the first reply by staff (later ones change nothing).
pub async fn replied(tx: &mut TenantTx, sr: Sr, at: NaiveDateTime, timezone: Tz) -> Result<Sr, DbError> {
    if db::sla::has_staff_reply(tx, &sr.id).await? {
        return Ok(sr);
    }
    db::sla::record(tx, &sr.id, MomentKind::StaffReply, sr.status, true, at).await?;
    restate(tx, sr, timezone).await
}

/// Takes the targets the tenant's policy now sets for the SR's priority (after it was filed or
/// its priority changed) and works the clocks out again.
pub async fn retarget(tx: &mut TenantTx, mut sr: Sr, timezone: Tz) -> Result<Sr, DbError> {
    let policy = db::sla::policy_for(tx, sr.priority).await?;
    sr.sla.sla_response_target_minutes = policy.as_ref().map(|p| p.response_minutes);
    sr.sla.sla_resolution_target_minutes = policy.as_ref().map(|p| p.resolution_minutes);
    restate(tx, sr, timezone).await
}

/// Works out the clocks of the tenant's SRs that are not closed or cancelled again (after its
/// calendar changed).
pub async fn restate_open(tx: &mut TenantTx, timezone: Tz) -> Result<usize, DbError> {
    let srs = db::sla::with_open_clocks(tx).await?;
    let ids: Vec<String> = srs.iter().map(|sr| sr.id.clone()).collect();
    let entries = db::sla::timelines(tx, &ids).await?;
    let calendar = business_calendar(tx, timezone).await?;
    let mut timelines: HashMap<&str, Vec<&TimelineEntry>> = HashMap::new();
    for entry in &entries {
        timelines.entry(entry.sr_id.as_str()).or_default().push(entry);
    }
    for sr in &srs {
        let timeline = timelines.remove(sr.id.as_str()).unwrap_or_default();
        let sla = worked_out(&sr.sla, &moments(timeline), &calendar);
        db::sla::store(tx, &sr.id, &sla).await?;
    }
    Ok(srs.len())
}

async fn restate(tx: &mut TenantTx, sr: Sr, timezone: Tz) -> Result<Sr, DbError> {
    // An SR that never had targets has nothing to work out.
    if sr.sla == SrSla::default() {
        return Ok(sr);
    }
    let entries = db::sla::timelines(tx, std::slice::from_ref(&sr.id)).await?;
    let calendar = business_calendar(tx, timezone).await?;
    let sla = worked_out(&sr.sla, &moments(entries.iter()), &calendar);
    db::sla::store(tx, &sr.id, &sla).await
}

fn moments<'a>(entries: impl IntoIterator<Item = &'a TimelineEntry>) -> Vec<Moment> {
    entries
        .into_iter()
        .map(|entry| Moment {
            at: entry.at.and_utc(),
            kind: entry.kind,
            status: entry.status,
            by_staff: entry.by_staff,
        })
        .collect()
}

/// The targets an SR's stored clocks carry.
pub fn targets(sla: &SrSla) -> Option<Targets> {
    Some(Targets {
        response_minutes: sla.sla_response_target_minutes?,
        resolution_minutes: sla.sla_resolution_target_minutes?,
    })
}

/// The clocks as stored after working them out from `timeline` with the targets `previous`
/// carries; what was announced stays.
pub fn worked_out(previous: &SrSla, timeline: &[Moment], calendar: &BusinessCalendar) -> SrSla {
    let alerted = (previous.sla_response_alerted, previous.sla_resolution_alerted);
    let Some(standing) = targets(previous).and_then(|t| Standing::from_timeline(t, timeline, calendar))
    else {
        return SrSla {
            sla_response_alerted: alerted.0,
            sla_resolution_alerted: alerted.1,
            ..SrSla::default()
        };
    };
    let time = |at: Option<DateTime<Utc>>| at.map(stored_time);
    let next_alert = [
        next_alert_at(&standing.response, alerted.0),
        next_alert_at(&standing.resolution, alerted.1),
    ]
    .into_iter()
    .flatten()
    .min();
    SrSla {
        sla_response_target_minutes: previous.sla_response_target_minutes,
        sla_resolution_target_minutes: previous.sla_resolution_target_minutes,
        sla_response_warn_at: time(standing.response.warn_at),
        sla_response_due_at: time(standing.response.due_at),
        sla_response_met_at: time(standing.response.met_at),
        sla_response_elapsed_seconds: standing.response.elapsed_seconds,
        sla_response_alerted: alerted.0,
        sla_resolution_warn_at: time(standing.resolution.warn_at),
        sla_resolution_due_at: time(standing.resolution.due_at),
        sla_resolution_met_at: time(standing.resolution.met_at),
        sla_resolution_elapsed_seconds: standing.resolution.elapsed_seconds,
        sla_resolution_alerted: alerted.1,
        sla_warn_at: time(standing.warn_at()),
        sla_due_at: time(standing.due_at()),
        sla_next_alert_at: time(next_alert),
    }
}

/// The clocks an SR stores, read back; `None` for an SR without targets.
pub fn standing(sla: &SrSla) -> Option<Standing> {
    let targets = targets(sla)?;
    let clock = |target: i32, warn, due, met, elapsed| ClockStanding {
        target_seconds: i64::from(target) * 60,
        warn_at: at_utc(warn),
        due_at: at_utc(due),
        met_at: at_utc(met),
        elapsed_seconds: elapsed,
    };
    Some(Standing {
        response: clock(
            targets.response_minutes,
            sla.sla_response_warn_at,
            sla.sla_response_due_at,
            sla.sla_response_met_at,
            sla.sla_response_elapsed_seconds,
        ),
        resolution: clock(
            targets.resolution_minutes,
            sla.sla_resolution_warn_at,
            sla.sla_resolution_due_at,
            sla.sla_resolution_met_at,
            sla.sla_resolution_elapsed_seconds,
        ),
    })
}

fn at_utc(at: Option<NaiveDateTime>) -> Option<DateTime<Utc>> {
    at.map(|at| at.and_utc())
}

/// What the watch announces for an SR at `now`: the states of its two clocks that rose above
/// what was announced before, with the next instant worth a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    pub read: (SlaState, SlaState),
    pub announced: (SlaState, SlaState),
    pub next_alert_at: Option<NaiveDateTime>,
}

pub fn alert(sla: &SrSla, now: DateTime<Utc>) -> Option<Alert> {
    let standing = standing(sla)?;
    let read = (sla.sla_response_alerted, sla.sla_resolution_alerted);
    let rise = |clock: &ClockStanding, before: SlaState| {
        let state = if clock.is_running() {
            clock.state(now)
        } else {
            before
        };
        before.worst(state)
    };
    let announced = (
        rise(&standing.response, read.0),
        rise(&standing.resolution, read.1),
    );
    let next = [
        next_alert_at(&standing.response, announced.0),
        next_alert_at(&standing.resolution, announced.1),
    ]
    .into_iter()
    .flatten()
    .min();
    Some(Alert {
        read,
        announced,
        next_alert_at: next.map(stored_time),
    })
}
