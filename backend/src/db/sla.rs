//! Service levels: each tenant's targets per priority and business calendar, each SR's
//! timeline, and the clocks stored on the SR (`sr::SrSla`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use guardia_shared::sla::{MomentKind, SlaState};
use guardia_shared::sr::{SrPriority, SrStatus};

use super::schema::{sla_calendars, sla_policies, sr_timeline, srs};
use super::sr::{Sr, SrSla};
use super::{DbError, TenantTx, new_id, now};
use crate::db_run;

/// A tenant's targets for one priority, in business minutes.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sla_policies)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SlaPolicy {
    pub tenant_id: String,
    pub id: String,
    pub priority: SrPriority,
    pub response_minutes: i32,
    pub resolution_minutes: i32,
    pub updated_at: NaiveDateTime,
}

/// A tenant's working days (bits, Monday = 1), hours (minutes of the local day) and holidays
/// (ISO dates separated by commas).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sla_calendars)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SlaCalendar {
    pub tenant_id: String,
    pub id: String,
    pub weekdays: i32,
    pub day_start_minute: i32,
    pub day_end_minute: i32,
    pub holidays: String,
    pub updated_at: NaiveDateTime,
}

/// One moment of an SR's life that its clocks depend on.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sr_timeline)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TimelineEntry {
    pub tenant_id: String,
    pub id: String,
    pub sr_id: String,
    pub kind: MomentKind,
    /// The SR's status after this moment.
    pub status: SrStatus,
    pub by_staff: bool,
    pub at: NaiveDateTime,
}

pub async fn policies(tx: &mut TenantTx) -> Result<Vec<SlaPolicy>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        sla_policies::table
            .filter(sla_policies::tenant_id.eq(&tenant))
            .select(SlaPolicy::as_select())
            .load(c)
            .await
    })?)
}

pub async fn policy_for(tx: &mut TenantTx, priority: SrPriority) -> Result<Option<SlaPolicy>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        sla_policies::table
            .filter(
                sla_policies::tenant_id
                    .eq(&tenant)
                    .and(sla_policies::priority.eq(priority)),
            )
            .select(SlaPolicy::as_select())
            .first(c)
            .await
            .optional()
    })?)
}

/// Sets the targets of one priority (replacing any).
pub async fn set_policy(
    tx: &mut TenantTx,
    priority: SrPriority,
    response_minutes: i32,
    resolution_minutes: i32,
) -> Result<SlaPolicy, DbError> {
    let row = SlaPolicy {
        tenant_id: tx.tenant_id().to_owned(),
        id: new_id(),
        priority,
        response_minutes,
        resolution_minutes,
        updated_at: now(),
    };
    Ok(db_run!(tx.conn(), |c| {
        diesel::insert_into(sla_policies::table)
            .values(&row)
            .on_conflict((sla_policies::tenant_id, sla_policies::priority))
            .do_update()
            .set((
                sla_policies::response_minutes.eq(excluded(sla_policies::response_minutes)),
                sla_policies::resolution_minutes.eq(excluded(sla_policies::resolution_minutes)),
                sla_policies::updated_at.eq(excluded(sla_policies::updated_at)),
            ))
            .returning(SlaPolicy::as_returning())
            .get_result(c)
            .await
    })?)
}

/// Removes the targets of one priority; whether there were any.
pub async fn remove_policy(tx: &mut TenantTx, priority: SrPriority) -> Result<bool, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let removed = db_run!(tx.conn(), |c| {
        diesel::delete(
            sla_policies::table.filter(
                sla_policies::tenant_id
                    .eq(&tenant)
                    .and(sla_policies::priority.eq(priority)),
            ),
        )
        .execute(c)
        .await
    })?;
    Ok(removed > 0)
}

pub async fn calendar(tx: &mut TenantTx) -> Result<Option<SlaCalendar>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        sla_calendars::table
            .filter(sla_calendars::tenant_id.eq(&tenant))
            .select(SlaCalendar::as_select())
            .first(c)
            .await
            .optional()
    })?)
}

/// Sets the tenant's calendar (replacing any).
pub async fn set_calendar(
    tx: &mut TenantTx,
    weekdays: i32,
    day_start_minute: i32,
    day_end_minute: i32,
    holidays: &str,
) -> Result<SlaCalendar, DbError> {
    let row = SlaCalendar {
        tenant_id: tx.tenant_id().to_owned(),
        id: new_id(),
        weekdays,
        day_start_minute,
        day_end_minute,
        holidays: holidays.to_owned(),
        updated_at: now(),
    };
    Ok(db_run!(tx.conn(), |c| {
        diesel::insert_into(sla_calendars::table)
            .values(&row)
            .on_conflict(sla_calendars::tenant_id)
            .do_update()
            .set((
                sla_calendars::weekdays.eq(excluded(sla_calendars::weekdays)),
                sla_calendars::day_start_minute.eq(excluded(sla_calendars::day_start_minute)),
                sla_calendars::day_end_minute.eq(excluded(sla_calendars::day_end_minute)),
                sla_calendars::holidays.eq(excluded(sla_calendars::holidays)),
                sla_calendars::updated_at.eq(excluded(sla_calendars::updated_at)),
            ))
            .returning(SlaCalendar::as_returning())
            .get_result(c)
            .await
    })?)
}

/// Records a moment of an SR's life.
pub async fn record(
    tx: &mut TenantTx,
    sr_id: &str,
    kind: MomentKind,
    status: SrStatus,
    by_staff: bool,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    let row = TimelineEntry {
        tenant_id: tx.tenant_id().to_owned(),
        id: new_id(),
        sr_id: sr_id.to_owned(),
        kind,
        status,
        by_staff,
        at,
    };
    db_run!(tx.conn(), |c| {
        diesel::insert_into(sr_timeline::table)
            .values(&row)
            .execute(c)
            .await
    })?;
    Ok(())
}

/// The timelines of several SRs, each oldest first.
pub async fn timelines(tx: &mut TenantTx, sr_ids: &[String]) -> Result<Vec<TimelineEntry>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        sr_timeline::table
            .filter(
                sr_timeline::tenant_id
                    .eq(&tenant)
                    .and(sr_timeline::sr_id.eq_any(sr_ids)),
            )
            .order((
                sr_timeline::sr_id.asc(),
                sr_timeline::at.asc(),
                sr_timeline::id.asc(),
            ))
            .select(TimelineEntry::as_select())
            .load(c)
            .await
    })?)
}

/// Whether an SR's timeline already has a staff reply.
pub async fn has_staff_reply(tx: &mut TenantTx, sr_id: &str) -> Result<bool, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let found: i64 = db_run!(tx.conn(), |c| {
        sr_timeline::table
            .filter(
                sr_timeline::tenant_id
                    .eq(&tenant)
                    .and(sr_timeline::sr_id.eq(sr_id))
                    .and(sr_timeline::kind.eq(MomentKind::StaffReply)),
            )
            .count()
            .get_result(c)
            .await
    })?;
    Ok(found > 0)
}

/// Stores an SR's clocks.
pub async fn store(tx: &mut TenantTx, sr_id: &str, sla: &SrSla) -> Result<Sr, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        diesel::update(srs::table.filter(srs::tenant_id.eq(&tenant).and(srs::id.eq(sr_id))))
            .set(sla)
            .returning(Sr::as_returning())
            .get_result(c)
            .await
    })?)
}

/// The SRs with clocks that are not final: a changed calendar moves their instants.
pub async fn with_open_clocks(tx: &mut TenantTx) -> Result<Vec<Sr>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let done = [SrStatus::Closed, SrStatus::Cancelled];
    Ok(db_run!(tx.conn(), |c| {
        srs::table
            .filter(
                srs::tenant_id
                    .eq(&tenant)
                    .and(srs::sla_resolution_target_minutes.is_not_null())
                    .and(srs::status.ne_all(done)),
            )
            .select(Sr::as_select())
            .load(c)
            .await
    })?)
}

/// SRs with something to announce at `at` (oldest alert first, at most `limit`).
pub async fn alerts_due(tx: &mut TenantTx, at: NaiveDateTime, limit: i64) -> Result<Vec<Sr>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        srs::table
            .filter(srs::tenant_id.eq(&tenant).and(srs::sla_next_alert_at.le(at)))
            .order(srs::sla_next_alert_at.asc())
            .limit(limit)
            .select(Sr::as_select())
            .load(c)
            .await
    })?)
}

/// Records what was announced for an SR, unless another process did first (the states it
/// read are no longer there): whether this call claimed it.
pub async fn claim_alert(
    tx: &mut TenantTx,
    sr_id: &str,
    read: (SlaState, SlaState),
    announced: (SlaState, SlaState),
    next_alert_at: Option<NaiveDateTime>,
) -> Result<bool, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let claimed = db_run!(tx.conn(), |c| {
        diesel::update(
            srs::table.filter(
                srs::tenant_id
                    .eq(&tenant)
                    .and(srs::id.eq(sr_id))
                    .and(srs::sla_response_alerted.eq(read.0))
                    .and(srs::sla_resolution_alerted.eq(read.1)),
            ),
        )
        .set((
            srs::sla_response_alerted.eq(announced.0),
            srs::sla_resolution_alerted.eq(announced.1),
            srs::sla_next_alert_at.eq(next_alert_at),
        ))
        .execute(c)
        .await
    })?;
    Ok(claimed == 1)
}

/// SRs not cancelled whose unmet clocks reached 75 % by `at`, the earliest due first; only
/// `requester_id`'s when given.
pub async fn at_risk(
    tx: &mut TenantTx,
    at: NaiveDateTime,
    requester_id: Option<&str>,
    limit: i64,
) -> Result<Vec<Sr>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let done = [SrStatus::Closed, SrStatus::Cancelled];
    Ok(db_run!(tx.conn(), |c| {
        let mut query = srs::table
            .filter(
                srs::tenant_id
                    .eq(&tenant)
                    .and(srs::sla_warn_at.le(at))
                    .and(srs::status.ne_all(done)),
            )
            .into_boxed();
        if let Some(requester) = requester_id {
            query = query.filter(srs::requester_id.eq(requester));
        }
        query
            // Paused SRs without a due time last, on both backends.
            .order((
                srs::sla_due_at.is_null().asc(),
                srs::sla_due_at.asc(),
                srs::id.asc(),
            ))
            .limit(limit)
            .select(Sr::as_select())
            .load(c)
            .await
    })?)
}

/// SRs with targets created in `[from, to)`.
pub async fn created_between(
    tx: &mut TenantTx,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<Sr>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        srs::table
            .filter(
                srs::tenant_id
                    .eq(&tenant)
                    .and(srs::created_at.ge(from))
                    .and(srs::created_at.lt(to))
                    .and(srs::sla_resolution_target_minutes.is_not_null()),
            )
            .order((srs::created_at.asc(), srs::id.asc()))
            .select(Sr::as_select())
            .load(c)
            .await
    })?)
}
