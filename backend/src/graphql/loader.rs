//! DataLoaders: fields of many objects (an SR page's requesters, assignees, comments…) load
//! in one query per kind, whatever the page size.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

use super::context::{SharedTx, lock};
use super::error::ApiError;
use crate::db;

/// Users and comments are cached for the request, so a page's resolver can prime them (see
/// `sr::prime_page`) and its fields then cost no query at all.
pub struct Loaders {
    pub users: DataLoader<UserLoader, HashMapCache>,
    pub comments: DataLoader<CommentLoader, HashMapCache>,
    pub servers: DataLoader<ServerLoader>,
    pub last_runs: DataLoader<LastRunLoader>,
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
            servers: DataLoader::new(ServerLoader(tx.clone()), tokio::spawn),
            last_runs: DataLoader::new(LastRunLoader(tx.clone()), tokio::spawn),
        }
    }
}

/// Users by id.
pub struct UserLoader(SharedTx);
/// An SR's comments (oldest first) by SR id.
pub struct CommentLoader(SharedTx);
/// Servers by id.
pub struct ServerLoader(SharedTx);
/// A batch job's latest run by job id.
pub struct LastRunLoader(SharedTx);

impl Loader<String> for UserLoader {
    type Value = db::user::User;
    type Error = ApiError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let users = db::user::get_many(&mut *lock(&self.0).await?, keys).await?;
        Ok(users.into_iter().map(|u| (u.id.clone(), u)).collect())
    }
}

impl Loader<String> for CommentLoader {
    type Value = Vec<db::sr::SrComment>;
    type Error = ApiError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let comments = db::sr::comments_of(&mut *lock(&self.0).await?, keys).await?;
        Ok(comments_by_sr(keys, comments))
    }
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
