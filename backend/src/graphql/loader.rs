//! DataLoaders: fields of many objects (an SR page's requesters, assignees, comments…) load
//! in one query per kind, whatever the page size; the caller's tenant loads once per request.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use tokio::sync::OnceCell;

use super::error::{ApiError, ApiResult};
use super::shared_tx::{SharedTx, lock};
use crate::db;

/// Users, comments and comment counts are cached for the request, so a page's resolver can
/// prime them (see `sr::prime`) and its fields then cost no query at all.
pub struct Loaders {
    pub users: DataLoader<UserLoader, HashMapCache>,
    pub comments: DataLoader<CommentLoader, HashMapCache>,
    pub comment_counts: DataLoader<CommentCountLoader, HashMapCache>,
    pub servers: DataLoader<ServerLoader>,
    pub last_runs: DataLoader<LastRunLoader>,
    /// Every user a request can read is of the caller's tenant, so one read serves them all.
    tenant: OnceCell<db::tenant::Tenant>,
    tx: SharedTx,
}

impl Loaders {
    pub fn new(tx: &SharedTx) -> Self {
        Loaders {
            users: DataLoader::with_cache(UserLoader(tx.clone()), tokio::spawn, HashMapCache::default()),
            comments: DataLoader::with_cache(
                CommentLoader(tx.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            comment_counts: DataLoader::with_cache(
                CommentCountLoader(tx.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            servers: DataLoader::new(ServerLoader(tx.clone()), tokio::spawn),
            last_runs: DataLoader::new(LastRunLoader(tx.clone()), tokio::spawn),
            tenant: OnceCell::new(),
            tx: tx.clone(),
        }
    }

    /// The request's tenant, read at its first use and then kept for the request.
    pub async fn tenant(&self) -> ApiResult<db::tenant::Tenant> {
        self.tenant
            .get_or_try_init(|| async {
                Ok::<_, ApiError>(db::tenant::get(&mut *lock(&self.tx).await?).await?)
            })
            .await
            .cloned()
    }
}

/// Which comments of an SR: at most `first`, after the comment with id `after`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CommentPage {
    pub sr_id: String,
    pub first: i64,
    pub after: Option<String>,
}

/// Users by id, shared: a page's many fields naming one person share its row.
pub struct UserLoader(SharedTx);
/// A page of an SR's comments (oldest first).
pub struct CommentLoader(SharedTx);
/// The number of an SR's comments, by SR id.
pub struct CommentCountLoader(SharedTx);
/// Servers by id.
pub struct ServerLoader(SharedTx);
/// A batch job's latest run by job id.
pub struct LastRunLoader(SharedTx);

impl Loader<String> for UserLoader {
    type Value = Arc<db::user::User>;
    type Error = ApiError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let users = db::user::get_many(&mut *lock(&self.0).await?, keys).await?;
        Ok(users.into_iter().map(|u| (u.id.clone(), Arc::new(u))).collect())
    }
}

impl Loader<CommentPage> for CommentLoader {
    type Value = Vec<db::sr::SrComment>;
    type Error = ApiError;

    /// One query per distinct (`first`, `after`): a page of SRs asks them all alike.
    async fn load(&self, keys: &[CommentPage]) -> Result<HashMap<CommentPage, Self::Value>, Self::Error> {
        let mut groups: HashMap<(i64, Option<&str>), Vec<String>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.first, key.after.as_deref()))
                .or_default()
                .push(key.sr_id.clone());
        }
        let mut loaded = HashMap::new();
        for ((first, after), sr_ids) in groups {
            let comments = db::sr::comment_pages(&mut *lock(&self.0).await?, &sr_ids, first, after).await?;
            for (sr_id, page) in comments_by_sr(&sr_ids, comments) {
                let key = CommentPage {
                    sr_id,
                    first,
                    after: after.map(str::to_owned),
                };
                loaded.insert(key, page);
            }
        }
        Ok(loaded)
    }
}

impl Loader<String> for CommentCountLoader {
    type Value = i64;
    type Error = ApiError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let counts = db::sr::comment_counts(&mut *lock(&self.0).await?, keys).await?;
        Ok(counts_by_sr(keys, counts))
    }
}

/// Every asked SR id with its count (0 for an SR without comments).
pub fn counts_by_sr(sr_ids: &[String], counts: Vec<(String, i64)>) -> HashMap<String, i64> {
    let mut by_sr: HashMap<String, i64> = sr_ids.iter().map(|id| (id.clone(), 0)).collect();
    by_sr.extend(counts);
    by_sr
}

/// Groups comments under their SR ids; every asked id gets an entry (an SR without comments
/// has an empty list, not a missing one).
pub fn comments_by_sr(
    sr_ids: &[String],
    comments: Vec<db::sr::SrComment>,
) -> HashMap<String, Vec<db::sr::SrComment>> {
    let mut by_sr: HashMap<String, Vec<db::sr::SrComment>> =
        sr_ids.iter().map(|id| (id.clone(), Vec::new())).collect();
    for comment in comments {
        by_sr.entry(comment.sr_id.clone()).or_default().push(comment);
    }
    by_sr
}

impl Loader<String> for ServerLoader {
    type Value = db::server::Server;
    type Error = ApiError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let servers = db::server::get_many(&mut *lock(&self.0).await?, keys).await?;
        Ok(servers.into_iter().map(|s| (s.id.clone(), s)).collect())
    }
}

impl Loader<String> for LastRunLoader {
    type Value = db::batch::BatchRun;
    type Error = ApiError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let runs = db::batch::latest_runs_of(&mut *lock(&self.0).await?, keys).await?;
        Ok(runs.into_iter().map(|r| (r.batch_job_id.clone(), r)).collect())
    }
}
