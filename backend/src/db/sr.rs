//! Service requests and their comments.

mod first_per_sr;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use guardia_shared::sla::SlaState;
use guardia_shared::sr::{SrPriority, SrStatus};

use super::schema::{sr_comments, srs};
use super::{DbError, Found, Page, PageRequest, TenantTx, new_id, now};
use crate::db_run;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = srs)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Sr {
    pub tenant_id: String,
    pub id: String,
    pub title: String,
    pub description: String,
    pub status: SrStatus,
    pub priority: SrPriority,
    pub requester_id: String,
    pub assignee_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    #[diesel(embed)]
    pub sla: SrSla,
}

/// An SR's service-level clocks as they stood after its last change (`service::sla` works
/// them out from the timeline; `db::sla` keeps the timeline).
#[derive(Debug, Clone, Default, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = srs)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
pub struct SrSla {
    pub sla_response_target_minutes: Option<i32>,
    pub sla_resolution_target_minutes: Option<i32>,
    pub sla_response_warn_at: Option<NaiveDateTime>,
    pub sla_response_due_at: Option<NaiveDateTime>,
    pub sla_response_met_at: Option<NaiveDateTime>,
    pub sla_response_elapsed_seconds: Option<i64>,
    pub sla_response_alerted: SlaState,
    pub sla_resolution_warn_at: Option<NaiveDateTime>,
    pub sla_resolution_due_at: Option<NaiveDateTime>,
    pub sla_resolution_met_at: Option<NaiveDateTime>,
    pub sla_resolution_elapsed_seconds: Option<i64>,
    pub sla_resolution_alerted: SlaState,
    pub sla_warn_at: Option<NaiveDateTime>,
    pub sla_due_at: Option<NaiveDateTime>,
    pub sla_next_alert_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone)]
pub struct NewSr<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub priority: SrPriority,
    pub requester_id: &'a str,
    /// When it is filed, by the installation's clock (SLA clocks start here).
    pub at: NaiveDateTime,
}

/// Fields to change; `None` leaves a field as it is. `assignee_id: Some(None)` unassigns.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = srs)]
pub struct SrChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<SrStatus>,
    pub priority: Option<SrPriority>,
    pub assignee_id: Option<Option<String>>,
}

/// Which SRs a list shows.
#[derive(Debug, Clone, Default)]
pub struct SrFilter {
    pub status: Option<SrStatus>,
    /// Only SRs this user requested (a CUSTOMER's view).
    pub requester_id: Option<String>,
    pub assignee_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sr_comments)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SrComment {
    pub tenant_id: String,
    pub id: String,
    pub sr_id: String,
    pub author_id: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

pub async fn create(tx: &mut TenantTx, new: NewSr<'_>) -> Result<Sr, DbError> {
    let at = new.at;
    let row = Sr {
        tenant_id: tx.tenant_id().to_owned(),
        id: new_id(),
        title: new.title.to_owned(),
        description: new.description.to_owned(),
        status: SrStatus::Open,
        priority: new.priority,
        requester_id: new.requester_id.to_owned(),
        assignee_id: None,
        created_at: at,
        updated_at: at,
        sla: SrSla::default(),
    };
    db_run!(tx.conn(), |c| {
        diesel::insert_into(srs::table)
            .values(&row)
            .returning(Sr::as_returning())
            .get_result(c)
            .await
    })
    .map_err(|e| DbError::from(e).reference_means(|| "the requester is not a user of this tenant".into()))
}

pub async fn get(tx: &mut TenantTx, id: &str) -> Result<Sr, DbError> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        srs::table
            .filter(srs::tenant_id.eq(&tenant).and(srs::id.eq(id)))
            .select(Sr::as_select())
            .get_result(c)
            .await
    })
    .found("SR")
}

/// The boxed query of a tenant's SRs narrowed by a filter (a macro: the query is boxed for
/// whichever backend `db_run!` is compiling).
macro_rules! filtered {
    ($tenant:expr, $filter:expr) => {{
        let filter: &SrFilter = $filter;
        let mut query = srs::table.filter(srs::tenant_id.eq($tenant)).into_boxed();
        if let Some(status) = filter.status {
            query = query.filter(srs::status.eq(status));
        }
        if let Some(requester) = &filter.requester_id {
            query = query.filter(srs::requester_id.eq(requester));
        }
        if let Some(assignee) = &filter.assignee_id {
            query = query.filter(srs::assignee_id.eq(assignee));
        }
        query
    }};
}

/// Open SRs (not resolved, closed or cancelled) of one user, assigned to them or, for
/// `as_requester`, requested by them: the most recently changed first.
pub async fn open_of(
    tx: &mut TenantTx,
    user_id: &str,
    as_requester: bool,
    limit: i64,
) -> Result<Vec<Sr>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let done = [SrStatus::Resolved, SrStatus::Closed, SrStatus::Cancelled];
    Ok(db_run!(tx.conn(), |c| {
        let mut query = srs::table
            .filter(srs::tenant_id.eq(&tenant).and(srs::status.ne_all(done)))
            .into_boxed();
        query = if as_requester {
            query.filter(srs::requester_id.eq(user_id))
        } else {
            query.filter(srs::assignee_id.eq(user_id))
        };
        query
            .order((srs::updated_at.desc(), srs::id.desc()))
            .limit(limit)
            .select(Sr::as_select())
            .load(c)
            .await
    })?)
}

/// A page of SRs, newest first, after the SR with id `page.after`.
pub async fn list(tx: &mut TenantTx, filter: &SrFilter, page: &PageRequest) -> Result<Page<Sr>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let rows = db_run!(tx.conn(), |c| {
        let mut query = filtered!(&tenant, filter);
        if let Some(after) = &page.after {
            query = query.filter(srs::id.lt(after));
        }
        query
            .order(srs::id.desc())
            .limit(page.fetch_limit())
            .select(Sr::as_select())
            .load(c)
            .await
    })?;
    Ok(Page::from_overfetch(rows, page))
}

pub async fn count(tx: &mut TenantTx, filter: &SrFilter) -> Result<i64, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        filtered!(&tenant, filter).count().get_result(c).await
    })?)
}

/// SR counts per status, for the dashboard; `requester_id` narrows to one requester's SRs.
pub async fn count_by_status(
    tx: &mut TenantTx,
    requester_id: Option<&str>,
) -> Result<Vec<(SrStatus, i64)>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let counted = (srs::status, diesel::dsl::count_star());
    Ok(db_run!(tx.conn(), |c| {
        let of_tenant = srs::table
            .filter(srs::tenant_id.eq(&tenant))
            .group_by(srs::status);
        match requester_id {
            Some(requester) => {
                of_tenant
                    .filter(srs::requester_id.eq(requester))
                    .select(counted)
                    .load::<(SrStatus, i64)>(c)
                    .await
            }
            None => of_tenant.select(counted).load::<(SrStatus, i64)>(c).await,
        }
    })?)
}

pub async fn update(tx: &mut TenantTx, id: &str, changes: &SrChanges) -> Result<Sr, DbError> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        diesel::update(srs::table.filter(srs::tenant_id.eq(&tenant).and(srs::id.eq(id))))
            .set((changes, srs::updated_at.eq(now())))
            .returning(Sr::as_returning())
            .get_result(c)
            .await
    })
    .map_err(|e| DbError::from(e).reference_means(|| "the assignee is not a user of this tenant".into()))
}

pub async fn add_comment(
    tx: &mut TenantTx,
    sr_id: &str,
    author_id: &str,
    body: &str,
) -> Result<SrComment, DbError> {
    let row = SrComment {
        tenant_id: tx.tenant_id().to_owned(),
        id: new_id(),
        sr_id: sr_id.to_owned(),
        author_id: author_id.to_owned(),
        body: body.to_owned(),
        created_at: now(),
    };
    db_run!(tx.conn(), |c| {
        diesel::insert_into(sr_comments::table)
            .values(&row)
            .returning(SrComment::as_returning())
            .get_result(c)
            .await
    })
    .map_err(|e| DbError::from(e).reference_means(|| "no such SR or author in this tenant".into()))
}

/// The comments of several SRs in one query, oldest first.
pub async fn comments_of(tx: &mut TenantTx, sr_ids: &[String]) -> Result<Vec<SrComment>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        sr_comments::table
            .filter(
                sr_comments::tenant_id
                    .eq(&tenant)
                    .and(sr_comments::sr_id.eq_any(sr_ids)),
            )
            .order((sr_comments::sr_id.asc(), sr_comments::id.asc()))
            .select(SrComment::as_select())
            .load(c)
            .await
    })?)
}

/// At most `per_sr` comments of each SR, oldest first, after the comment with id `after`
/// (when given), in one query whatever the number of SRs or of their comments.
pub async fn comment_pages(
    tx: &mut TenantTx,
    sr_ids: &[String],
    per_sr: i64,
    after: Option<&str>,
) -> Result<Vec<SrComment>, DbError> {
    if sr_ids.is_empty() {
        return Ok(Vec::new());
    }
    let tenant = tx.tenant_id().to_owned();
    let query = first_per_sr::FirstPerSr {
        tenant_id: &tenant,
        sr_ids,
        per_sr,
        after,
    };
    Ok(db_run!(tx.conn(), |c| query.load::<SrComment>(c).await)?)
}

/// How many comments each SR has (SRs without comments are left out), in one query.
pub async fn comment_counts(tx: &mut TenantTx, sr_ids: &[String]) -> Result<Vec<(String, i64)>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        sr_comments::table
            .filter(
                sr_comments::tenant_id
                    .eq(&tenant)
                    .and(sr_comments::sr_id.eq_any(sr_ids)),
            )
            .group_by(sr_comments::sr_id)
            .select((sr_comments::sr_id, diesel::dsl::count_star()))
            .load::<(String, i64)>(c)
            .await
    })?)
}
