//! Service requests: list, read, create, update (status workflow, assignee) and comments.
//! A CUSTOMER sees and comments on only the SRs they requested.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use guardia_shared::Permission;
use guardia_shared::permission::{Grant, grant};
use guardia_shared::sr::{SrPriority, SrStatus};

use super::audit::record;
use super::context::{self, session, tx};
use super::error::{ApiError, ApiResult};
use super::guard::Require;
use super::pagination::{connection, page_request};
use super::user::{User, load as load_user};
use super::validate;
use crate::auth::Session;
use crate::db::{self, sr::SrFilter};

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 10_000;
pub const COMMENT_MAX: usize = 5_000;

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

#[Object]
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
    /// Comments, oldest first.
    async fn comments(&self, ctx: &Context<'_>) -> ApiResult<Vec<SrComment>> {
        let comments = context::loaders(ctx)?
            .comments
            .load_one(self.0.id.clone())
            .await?;
        Ok(comments.unwrap_or_default().into_iter().map(SrComment).collect())
    }
}

pub struct SrComment(pub db::sr::SrComment);

#[Object]
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
    let sr = db::sr::get(&mut *tx(ctx).await?, id)
        .await
        .map_err(|e| ApiError::from_db("SR", e))?;
    let own_only = grant(session.role, permission) == Grant::OwnOnly;
    if own_only && sr.requester_id != session.user_id {
        return Err(ApiError::not_found("SR"));
    }
    Ok(sr)
}

/// Loads what the selection will ask of a page's SRs (people, comments, comment authors) in at
/// most two queries, into the request's loader caches: the page then costs the same number of
/// statements whatever its size, without depending on batch timing.
async fn prime_page(ctx: &Context<'_>, srs: &[db::sr::Sr]) -> ApiResult<()> {
    let node = ctx.look_ahead().field("edges").field("node");
    let wants_people = node.field("requester").exists() || node.field("assignee").exists();
    let wants_comments = node.field("comments").exists();
    let wants_authors = node.field("comments").field("author").exists();
    if srs.is_empty() || !(wants_people || wants_comments) {
        return Ok(());
    }
    let loaders = context::loaders(ctx)?;
    let mut user_ids: Vec<String> = Vec::new();
    if wants_people {
        for sr in srs {
            user_ids.push(sr.requester_id.clone());
            user_ids.extend(sr.assignee_id.clone());
        }
    }
    if wants_comments {
        let ids: Vec<String> = srs.iter().map(|sr| sr.id.clone()).collect();
        let comments = db::sr::comments_of(&mut *tx(ctx).await?, &ids).await?;
        if wants_authors {
            user_ids.extend(comments.iter().map(|c| c.author_id.clone()));
        }
        let by_sr = super::loader::comments_by_sr(&ids, comments);
        loaders.comments.feed_many(by_sr).await;
    }
    if !user_ids.is_empty() {
        user_ids.sort_unstable();
        user_ids.dedup();
        let users = db::user::get_many(&mut *tx(ctx).await?, &user_ids).await?;
        loaders
            .users
            .feed_many(users.into_iter().map(|u| (u.id.clone(), u)))
            .await;
    }
    Ok(())
}

#[derive(Default)]
pub struct SrQuery;

#[Object]
impl SrQuery {
    /// Service requests, newest first; a CUSTOMER gets only their own.
    #[graphql(guard = "Require(Permission::SrRead)")]
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
        prime_page(ctx, &rows.items).await?;
        Ok(SrConnection::new(rows, filter))
    }

    #[graphql(guard = "Require(Permission::SrRead)")]
    async fn sr(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Sr> {
        visible_sr(ctx, &id, Permission::SrRead).await.map(Sr)
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
        let requester = session(ctx)?.user_id.clone();
        let mut tx = tx(ctx).await?;
        let new = db::sr::NewSr {
            title: &title,
            description: &description,
            priority: input.priority.unwrap_or(SrPriority::Medium),
            requester_id: &requester,
        };
        let sr = db::sr::create(&mut tx, new).await?;
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
                    .map_err(|e| ApiError::from_db("assignee", e))?;
                if !user.active {
                    return Err(ApiError::bad_input("the assignee is deactivated"));
                }
                changes.assignee_id = Some(Some(user.id));
            }
        }
        let mut tx = tx(ctx).await?;
        let sr = db::sr::update(&mut tx, &current.id, &changes).await?;
        record(&mut tx, ctx, "sr.update", &sr.id).await?;
        Ok(Sr(sr))
    }

    /// Adds a comment; a CUSTOMER only on their own SRs.
    #[graphql(guard = "Require(Permission::SrComment)")]
    async fn add_sr_comment(&self, ctx: &Context<'_>, id: ID, body: String) -> ApiResult<SrComment> {
        let body = validate::text("body", &body, 1, COMMENT_MAX)?;
        let sr = visible_sr(ctx, &id, Permission::SrComment).await?;
        let author = session(ctx)?.user_id.clone();
        let mut tx = tx(ctx).await?;
        let comment = db::sr::add_comment(&mut tx, &sr.id, &author, &body).await?;
        record(&mut tx, ctx, "sr.comment", &sr.id).await?;
        Ok(SrComment(comment))
    }
}
