//! A Jenkins that did not answer is not waited on again at once: after a time-out or an
//! unreachable connection every call fails fast for a short pause, so requests (and the pooled
//! database connections some of them hold) do not pile up behind a dead Jenkins.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{
    ArtifactDownload, Build, ConsoleChunk, Jenkins, JenkinsError, JobDefinition, JobPath, QueueItem,
};

/// How long calls fail fast after Jenkins did not answer.
pub const PAUSE: Duration = Duration::from_secs(15);

pub struct Breaker<J> {
    inner: J,
    /// Until when calls fail fast.
    open_until: Mutex<Option<Instant>>,
}

impl<J: Jenkins> Breaker<J> {
    pub fn new(inner: J) -> Self {
        Breaker {
            inner,
            open_until: Mutex::new(None),
        }
    }

    async fn call<T>(&self, call: impl Future<Output = Result<T, JenkinsError>>) -> Result<T, JenkinsError> {
        let now = Instant::now();
        if let Some(until) = *self.open_until.lock().unwrap_or_else(|e| e.into_inner())
            && now < until
        {
            return Err(JenkinsError::Resting((until - now).as_secs() + 1));
        }
        let outcome = call.await;
        if let Err(JenkinsError::Timeout(_) | JenkinsError::Unreachable) = &outcome {
            *self.open_until.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now() + PAUSE);
        }
        outcome
    }
}

#[async_trait::async_trait]
impl<J: Jenkins> Jenkins for Breaker<J> {
    async fn definition(&self, job: &JobPath) -> Result<JobDefinition, JenkinsError> {
        self.call(self.inner.definition(job)).await
    }
    async fn history(&self, job: &JobPath, limit: u32) -> Result<Vec<Build>, JenkinsError> {
        self.call(self.inner.history(job, limit)).await
    }
    async fn build(&self, job: &JobPath, number: u32) -> Result<Build, JenkinsError> {
        self.call(self.inner.build(job, number)).await
    }
    async fn trigger(
        &self,
        job: &JobPath,
        parameterized: bool,
        parameters: &[(String, String)],
    ) -> Result<u64, JenkinsError> {
        self.call(self.inner.trigger(job, parameterized, parameters))
            .await
    }
    async fn queue_item(&self, id: u64) -> Result<QueueItem, JenkinsError> {
        self.call(self.inner.queue_item(id)).await
    }
    async fn build_for_queue_item(&self, job: &JobPath, queue_id: u64) -> Result<Option<u32>, JenkinsError> {
        self.call(self.inner.build_for_queue_item(job, queue_id)).await
    }
    async fn console(&self, job: &JobPath, number: u32, start: u64) -> Result<ConsoleChunk, JenkinsError> {
        self.call(self.inner.console(job, number, start)).await
    }
    async fn artifact(
        &self,
        job: &JobPath,
        number: u32,
        relative_path: &str,
    ) -> Result<ArtifactDownload, JenkinsError> {
        self.call(self.inner.artifact(job, number, relative_path)).await
    }
}
