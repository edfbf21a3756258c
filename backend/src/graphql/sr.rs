//! Service requests: list, read, create, update (status workflow, assignee) and comments.
//! A CUSTOMER sees and comments on only the SRs they requested.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Lookahead, Object};
use chrono::{DateTime, Utc};
use guardia_shared::Permission;
use guardia_shared::permission::{Grant, grant};
use guardia_shared::sr::{SrPriority, SrStatus};

use super::audit_trail::record;
use super::context::{self, session, tx};
use super::error::{ApiError, ApiResult};
use super::guard::Require;
use super::loader::CommentPage;
use super::pagination::{MAX_PAGE_SIZE, connection, page_request, weight};
use super::sla::SrSla;
use super::user::{User, load as load_user};
use super::validate;
use crate::auth::Session;
use crate::db::{self, Found, sr::SrFilter};
use crate::service::sla::{self as sla, stored_time};

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 10_000;
pub const COMMENT_MAX: usize = 5_000;
/// Most SRs `srsAtRisk` lists.
const AT_RISK_MAX: i32 = 100;

pub struct Sr(pub db::sr::Sr);

impl From<db::sr::Sr> for Sr {
    fn from(row: db::sr::Sr) -> Self {
        Sr(row)
    }
}

impl Sr {
    pub fn row_id(&self) -> &str {
        &self.0.id
    }
}

// Serial: a page's loaders are primed (`prime`), so its fields answer at once, and resolving
// them concurrently would cost a task per field and SR. Across a list, SRs still resolve
// concurrently, so loads that were not primed still batch.
#[Object(serial)]
impl Sr {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn status(&self) -> SrStatus {
        self.0.status
    }
    async fn priority(&self) -> SrPriority {
        self.0.priority
    }
    async fn requester(&self, ctx: &Context<'_>) -> ApiResult<User> {
        load_user(ctx, &self.0.requester_id).await
    }
    async fn assignee(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        match &self.0.assignee_id {
            Some(id) => load_user(ctx, id).await.map(Some),
            None => Ok(None),
        }
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at.and_utc()
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at.and_utc()
    }
    /// Comments, oldest first: at most `first` (1 to 100), after the comment with id `after`
    /// (the last one already shown). `commentCount` says how many there are in all.
    #[graphql(complexity = "weight(first, COMMENTS_DEFAULT, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(COMMENTS_DEFAULT)")] first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Vec<SrComment>> {
        let key = comment_page(&self.0.id, first, after)?;
        let comments = context::loaders(ctx)?.comments.load_one(key).await?;
        Ok(comments.unwrap_or_default().into_iter().map(SrComment).collect())
    }
    /// Where the SR stands against its tenant's service levels; null when its priority had
    /// no targets when it was filed.
    async fn sla(&self, ctx: &Context<'_>) -> Option<SrSla> {
        SrSla::of(ctx, &self.0)
    }
    /// How many comments the SR has.
    async fn comment_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let count = context::loaders(ctx)?
            .comment_counts
            .load_one(self.0.id.clone())
            .await?;
        Ok(count.unwrap_or(0))
    }
}

/// Comments an SR shows when `first` is not given.
pub const COMMENTS_DEFAULT: i32 = 50;

/// Checks `comments`' arguments; the key the comment loader takes.
fn comment_page(sr_id: &str, first: Option<i32>, after: Option<String>) -> ApiResult<CommentPage> {
    let first = first.unwrap_or(COMMENTS_DEFAULT);
    if !(1..=MAX_PAGE_SIZE).contains(&first) {
        return Err(ApiError::bad_input(format!(
            "`first` must be between 1 and {MAX_PAGE_SIZE}, not {first}"
        )));
    }
    if after.as_ref().is_some_and(|id| id.is_empty() || id.len() > 64) {
        return Err(ApiError::bad_input("`after` must be the id of a comment"));
    }
    Ok(CommentPage {
        sr_id: sr_id.to_owned(),
        first: i64::from(first),
        after,
    })
}

pub struct SrComment(pub db::sr::SrComment);

#[Object(serial)]
impl SrComment {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<User> {
        load_user(ctx, &self.0.author_id).await
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at.and_utc()
    }
}

async fn count_srs(ctx: &Context<'_>, filter: &SrFilter) -> ApiResult<i64> {
    Ok(db::sr::count(&mut *tx(ctx).await?, filter).await?)
}

connection!(SrConnection, SrEdge, Sr, SrFilter, count_srs);

#[derive(InputObject)]
pub struct CreateSrInput {
    pub title: String,
    pub description: String,
    #[graphql(default_with = "Some(SrPriority::Medium)")]
    pub priority: Option<SrPriority>,
}

#[derive(InputObject)]
pub struct UpdateSrInput {
    pub status: Option<SrStatus>,
    pub assignee_id: Option<ID>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub priority: Option<SrPriority>,
}

/// Whether the caller answers for the service company as far as service levels go: whoever
/// may work SRs (`SR_UPDATE`; not a CUSTOMER).
fn is_staff(session: &Session) -> bool {
    session.allows(Permission::SrUpdate)
}

/// The rows a session may read: all of the tenant's, or a CUSTOMER's own.
fn visible_to(session: &Session, mut filter: SrFilter) -> SrFilter {
    if grant(session.role, Permission::SrRead) == Grant::OwnOnly {
        filter.requester_id = Some(session.user_id.clone());
    }
    filter
}

/// An SR the session may see; another requester's SR is NOT_FOUND for a CUSTOMER.
async fn visible_sr(ctx: &Context<'_>, id: &str, permission: Permission) -> ApiResult<db::sr::Sr> {
    let session = session(ctx)?;
    let sr = db::sr::get(&mut *tx(ctx).await?, id).await?;
    let own_only = grant(session.role, permission) == Grant::OwnOnly;
    if own_only && sr.requester_id != session.user_id {
        return Err(ApiError::not_found("SR"));
    }
    Ok(sr)
}

/// Loads what the selection `node` (of each SR in `srs`) will ask (people, comments, comment
/// counts, comment authors) in at most four queries, into the request's loader caches: a page
/// then costs the same number of statements whatever its size, and no field waits for the
/// loaders' batching delay.
async fn prime(ctx: &Context<'_>, node: Lookahead<'_>, srs: &[db::sr::Sr]) -> ApiResult<()> {
    let wants_people = node.field("requester").exists() || node.field("assignee").exists();
    let comments = node.field("comments");
    let wants_authors = comments.field("author").exists();
    let wants_counts = node.field("commentCount").exists();
    // Several `comments` selections with different arguments: the first one's is primed, the
    // others load through the batch loader.
    let comment_args = comments
        .selection_fields()
        .first()
        .and_then(|field| field.arguments().ok());
    if srs.is_empty() || !(wants_people || comment_args.is_some() || wants_counts) {
        return Ok(());
    }
    let loaders = context::loaders(ctx)?;
    let ids: Vec<String> = srs.iter().map(|sr| sr.id.clone()).collect();
    let mut user_ids: Vec<String> = Vec::new();
    if wants_people {
        for sr in srs {
            user_ids.push(sr.requester_id.clone());
            user_ids.extend(sr.assignee_id.clone());
        }
    }
    // Arguments the resolver would refuse are left to it, to answer with its error.
    if let Some(Ok(page)) = comment_args.map(|args| comment_page_of(&args)) {
        let (first, after) = (page.first, page.after);
        let comments = db::sr::comment_pages(&mut *tx(ctx).await?, &ids, first, after.as_deref()).await?;
        if wants_authors {
            user_ids.extend(comments.iter().map(|c| c.author_id.clone()));
        }
        let pages = super::loader::comments_by_sr(&ids, comments)
            .into_iter()
            .map(|(sr_id, page)| {
                let key = CommentPage {
                    sr_id,
                    first,
                    after: after.clone(),
                };
                (key, page)
            });
        loaders.comments.feed_many(pages).await;
    }
    if wants_counts {
        let counts = db::sr::comment_counts(&mut *tx(ctx).await?, &ids).await?;
        loaders
            .comment_counts
            .feed_many(super::loader::counts_by_sr(&ids, counts))
            .await;
    }
    if !user_ids.is_empty() {
        user_ids.sort_unstable();
        user_ids.dedup();
        let users = db::user::get_many(&mut *tx(ctx).await?, &user_ids).await?;
        loaders
            .users
            .feed_many(users.into_iter().map(|u| (u.id.clone(), Arc::new(u))))
            .await;
    }
    Ok(())
}

/// The comment page (with an empty SR id) that `comments`' written arguments ask for.
fn comment_page_of(args: &[(async_graphql::Name, async_graphql::Value)]) -> ApiResult<CommentPage> {
    let arg = |name: &str| {
        args.iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, v)| v.clone())
    };
    let first = match arg("first") {
        None | Some(async_graphql::Value::Null) => None,
        Some(async_graphql::Value::Number(n)) => Some(
            n.as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .ok_or_else(|| ApiError::bad_input("`first` is out of range"))?,
        ),
        Some(_) => return Err(ApiError::bad_input("`first` must be a number")),
    };
    let after = match arg("after") {
        None | Some(async_graphql::Value::Null) => None,
        Some(async_graphql::Value::String(id)) => Some(id),
        Some(_) => return Err(ApiError::bad_input("`after` must be a string")),
    };
    comment_page("", first, after)
}

#[derive(Default)]
pub struct SrQuery;

#[Object]
impl SrQuery {
    /// Service requests, newest first; a CUSTOMER gets only their own.
    #[graphql(
        guard = "Require(Permission::SrRead)",
        complexity = "weight(first, 20, child_complexity)"
    )]
    async fn srs(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(20)")] first: Option<i32>,
        after: Option<String>,
        status: Option<SrStatus>,
        #[graphql(desc = "Only SRs assigned to this user")] assignee_id: Option<ID>,
    ) -> ApiResult<SrConnection> {
        let page = page_request(first, after.as_deref())?;
        let filter = visible_to(
            session(ctx)?,
            SrFilter {
                status,
                assignee_id: assignee_id.map(|id| id.0),
                requester_id: None,
            },
        );
        let rows = db::sr::list(&mut *tx(ctx).await?, &filter, &page).await?;
        let node = ctx.look_ahead().field("edges").field("node");
        prime(ctx, node, &rows.items).await?;
        Ok(SrConnection::new(rows, filter))
    }

    #[graphql(guard = "Require(Permission::SrRead)")]
    async fn sr(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Sr> {
        let sr = visible_sr(ctx, &id, Permission::SrRead).await?;
        prime(ctx, ctx.look_ahead(), std::slice::from_ref(&sr)).await?;
        Ok(Sr(sr))
    }

    /// SRs whose open clocks used 75 % of a target or more, the earliest due first; a
    /// CUSTOMER gets only their own.
    #[graphql(guard = "Require(Permission::SrRead)")]
    async fn srs_at_risk(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10)] first: i32,
    ) -> ApiResult<Vec<Sr>> {
        if !(1..=AT_RISK_MAX).contains(&first) {
            return Err(ApiError::bad_input(format!(
                "`first` must be between 1 and {AT_RISK_MAX}, not {first}"
            )));
        }
        let own = visible_to(session(ctx)?, SrFilter::default()).requester_id;
        let now = stored_time(context::services(ctx).schedule_time.clock.now());
        let rows = db::sla::at_risk(&mut *tx(ctx).await?, now, own.as_deref(), i64::from(first)).await?;
        prime(ctx, ctx.look_ahead(), &rows).await?;
        Ok(rows.into_iter().map(Sr).collect())
    }

    /// SR counts per status (a CUSTOMER's own), for the dashboard.
    #[graphql(guard = "Require(Permission::SrRead)")]
    async fn sr_status_counts(&self, ctx: &Context<'_>) -> ApiResult<Vec<SrStatusCount>> {
        let filter = visible_to(session(ctx)?, SrFilter::default());
        let counts = db::sr::count_by_status(&mut *tx(ctx).await?, filter.requester_id.as_deref()).await?;
        Ok(SrStatus::ALL
            .iter()
            .map(|status| SrStatusCount {
                status: *status,
                count: counts.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n),
            })
            .collect())
    }
}

#[derive(async_graphql::SimpleObject)]
pub struct SrStatusCount {
    pub status: SrStatus,
    pub count: i64,
}

#[derive(Default)]
pub struct SrMutation;

#[Object]
impl SrMutation {
    #[graphql(guard = "Require(Permission::SrCreate)")]
    async fn create_sr(&self, ctx: &Context<'_>, input: CreateSrInput) -> ApiResult<Sr> {
        let title = validate::text("title", &input.title, 1, TITLE_MAX)?;
        let description = validate::text("description", &input.description, 0, DESCRIPTION_MAX)?;
        let session = session(ctx)?;
        let time = &context::services(ctx).schedule_time;
        let mut tx = tx(ctx).await?;
        let new = db::sr::NewSr {
            title: &title,
            description: &description,
            priority: input.priority.unwrap_or(SrPriority::Medium),
            requester_id: &session.user_id,
            at: stored_time(time.clock.now()),
        };
        let sr = db::sr::create(&mut tx, new).await?;
        let sr = sla::start(&mut tx, sr, is_staff(session), time.timezone).await?;
        record(&mut tx, ctx, "sr.create", &sr.id).await?;
        Ok(Sr(sr))
    }

    /// Changes status (along the workflow), assignee (a user of this tenant), title,
    /// description or priority.
    #[graphql(guard = "Require(Permission::SrUpdate)")]
    async fn update_sr(&self, ctx: &Context<'_>, id: ID, input: UpdateSrInput) -> ApiResult<Sr> {
        let current = visible_sr(ctx, &id, Permission::SrUpdate).await?;
        let mut changes = db::sr::SrChanges::default();
        if let Some(title) = &input.title {
            changes.title = Some(validate::text("title", title, 1, TITLE_MAX)?);
        }
        if let Some(description) = &input.description {
            changes.description = Some(validate::text("description", description, 0, DESCRIPTION_MAX)?);
        }
        changes.priority = input.priority;
        if let Some(status) = input.status {
            if !current.status.can_become(status) {
                return Err(ApiError::bad_input(format!(
                    "an SR cannot go from {} to {status}",
                    current.status
                )));
            }
            changes.status = Some(status);
        } else if current.status.is_final() {
            return Err(ApiError::bad_input(format!(
                "a {} SR cannot be changed",
                current.status
            )));
        }
        if let Some(assignee) = &input.assignee_id {
            // An empty id unassigns; any other must be a user of the caller's tenant.
            if assignee.is_empty() {
                changes.assignee_id = Some(None);
            } else {
                let user = db::user::get(&mut *tx(ctx).await?, assignee)
                    .await
                    .found("assignee")?;
                if !user.active {
                    return Err(ApiError::bad_input("the assignee is deactivated"));
                }
                changes.assignee_id = Some(Some(user.id));
            }
        }
        let time = &context::services(ctx).schedule_time;
        let staff = is_staff(session(ctx)?);
        let mut tx = tx(ctx).await?;
        let sr = db::sr::update(&mut tx, &current.id, &changes).await?;
        let status_changed = (sr.status != current.status).then(|| (staff, stored_time(time.clock.now())));
        let priority_changed = sr.priority != current.priority;
        let sr = sla::updated(&mut tx, sr, status_changed, priority_changed, time.timezone).await?;
        record(&mut tx, ctx, "sr.update", &sr.id).await?;
        Ok(Sr(sr))
    }

    /// Adds a comment; a CUSTOMER only on their own SRs.
    #[graphql(guard = "Require(Permission::SrComment)")]
    async fn add_sr_comment(&self, ctx: &Context<'_>, id: ID, body: String) -> ApiResult<SrComment> {
        let body = validate::text("body", &body, 1, COMMENT_MAX)?;
        let sr = visible_sr(ctx, &id, Permission::SrComment).await?;
        let session = session(ctx)?;
        let time = &context::services(ctx).schedule_time;
        let mut tx = tx(ctx).await?;
        let comment = db::sr::add_comment(&mut tx, &sr.id, &session.user_id, &body).await?;
        if is_staff(session) {
            let at = stored_time(time.clock.now());
            sla::replied(&mut tx, sr, at, time.timezone).await?;
        }
        record(&mut tx, ctx, "sr.comment", &comment.sr_id).await?;
        Ok(SrComment(comment))
    }
}
