//! A run's Jenkins console, read in chunks: the same for deployments and batch runs.

use super::error::{ApiError, ApiResult};
use crate::jenkins::JobPath;
use crate::tenant_jenkins::TenantJenkins;

/// A piece of console text and where to go on.
pub struct Console {
    pub text: String,
    pub next_start: i32,
    pub complete: bool,
}

/// `start` as a byte offset, refused before anything is read when it is negative.
pub fn offset(start: i32) -> ApiResult<u64> {
    u64::try_from(start).map_err(|_| ApiError::bad_input("`start` must not be negative"))
}

/// Reads the console of `build` from byte `start` (at most 64 KiB). A run without a build yet
/// has no text; it is complete once the run has finished. `job` is only asked for when there is
/// a build to read.
pub async fn read(
    jenkins: &TenantJenkins,
    job: impl FnOnce() -> ApiResult<JobPath>,
    build: Option<i32>,
    finished: bool,
    start: u64,
) -> ApiResult<Console> {
    let Some(number) = build.and_then(|n| u32::try_from(n).ok()) else {
        return Ok(Console {
            text: String::new(),
            next_start: 0,
            complete: finished,
        });
    };
    let chunk = jenkins
        .client()?
        .console(&job()?, number, start)
        .await
        .map_err(|e| ApiError::from_jenkins(&format!("build #{number}"), e))?;
    Ok(Console {
        text: chunk.text,
        next_start: i32::try_from(chunk.next_start).unwrap_or(i32::MAX),
        complete: !chunk.more,
    })
}
