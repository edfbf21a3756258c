//! The Jenkins client (Jenkins' remote API): build history, triggers, queue items,
//! console text and artifacts. It knows neither GraphQL nor storage; callers get plain types
//! and one error type.

mod breaker;
mod build;
mod client;
mod error;
mod job_path;
mod queue;

pub use breaker::Breaker;
pub use build::{Artifact, ArtifactDownload, Build, ConsoleChunk};
pub use client::{JenkinsClient, JenkinsConfig};
pub use error::JenkinsError;
pub use job_path::{JobPath, JobPathError};
pub use queue::{JobDefinition, ParameterDefinition, QueueItem};

/// Everything GUARDiA asks of Jenkins. [`JenkinsClient`] is the real one; the seam lets a
/// deployment without Jenkins (or a future second CI) plug in.
#[async_trait::async_trait]
pub trait Jenkins: Send + Sync {
    /// Parameter definitions and whether the job can build.
    async fn definition(&self, job: &JobPath) -> Result<JobDefinition, JenkinsError>;
    /// The newest `limit` builds, newest first, in one request.
    async fn history(&self, job: &JobPath, limit: u32) -> Result<Vec<Build>, JenkinsError>;
    async fn build(&self, job: &JobPath, number: u32) -> Result<Build, JenkinsError>;
    /// Queues a build; returns the queue item id. Never retried blindly.
    async fn trigger(
        &self,
        job: &JobPath,
        parameterized: bool,
        parameters: &[(String, String)],
    ) -> Result<u64, JenkinsError>;
    async fn queue_item(&self, id: u64) -> Result<QueueItem, JenkinsError>;
    /// The build a forgotten queue item became, found by the builds' `queueId`.
    async fn build_for_queue_item(&self, job: &JobPath, queue_id: u64) -> Result<Option<u32>, JenkinsError>;
    async fn console(&self, job: &JobPath, number: u32, start: u64) -> Result<ConsoleChunk, JenkinsError>;
    async fn artifact(
        &self,
        job: &JobPath,
        number: u32,
        relative_path: &str,
    ) -> Result<ArtifactDownload, JenkinsError>;
}

#[async_trait::async_trait]
impl Jenkins for JenkinsClient {
    async fn definition(&self, job: &JobPath) -> Result<JobDefinition, JenkinsError> {
        queue::definition(self, job).await
    }
    async fn history(&self, job: &JobPath, limit: u32) -> Result<Vec<Build>, JenkinsError> {
        build::history(self, job, limit).await
    }
    async fn build(&self, job: &JobPath, number: u32) -> Result<Build, JenkinsError> {
        build::build(self, job, number).await
    }
    async fn trigger(
        &self,
        job: &JobPath,
        parameterized: bool,
        parameters: &[(String, String)],
    ) -> Result<u64, JenkinsError> {
        queue::trigger(self, job, parameterized, parameters).await
    }
    async fn queue_item(&self, id: u64) -> Result<QueueItem, JenkinsError> {
        queue::queue_item(self, id).await
    }
    async fn build_for_queue_item(&self, job: &JobPath, queue_id: u64) -> Result<Option<u32>, JenkinsError> {
        build::build_for_queue_item(self, job, queue_id).await
    }
    async fn console(&self, job: &JobPath, number: u32, start: u64) -> Result<ConsoleChunk, JenkinsError> {
        build::console(self, job, number, start).await
    }
    async fn artifact(
        &self,
        job: &JobPath,
        number: u32,
        relative_path: &str,
    ) -> Result<ArtifactDownload, JenkinsError> {
        build::artifact(self, job, number, relative_path).await
    }
}

/// A real Jenkins response sample, kept in `backend/tests/fixtures/jenkins/` (each file's
/// origin is listed in that folder's README.md).
#[cfg(test)]
fn fixture(path: &str) -> String {
    let full = format!("{}/tests/fixtures/jenkins/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}
