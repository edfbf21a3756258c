//! Deployments and batch runs: what kind of run, and how far it got.

use crate::text_enum::text_enum;

text_enum! {
    /// Why GUARDiA triggered a deploy job.
    DeploymentKind {
        Deploy => "DEPLOY",
        Rollback => "ROLLBACK",
    }
}

text_enum! {
    /// The state of a triggered Jenkins run, from queue to result.
    RunStatus {
        Queued => "QUEUED",
        Running => "RUNNING",
        Success => "SUCCESS",
        Failure => "FAILURE",
        Unstable => "UNSTABLE",
        Aborted => "ABORTED",
    }
}

impl RunStatus {
    /// Queued and running runs are still followed; the rest are results.
    pub const fn is_finished(self) -> bool {
        !matches!(self, RunStatus::Queued | RunStatus::Running)
    }
}

text_enum! {
    /// How a finished Jenkins build ended (Jenkins' `result`).
    BuildResult {
        Success => "SUCCESS",
        Unstable => "UNSTABLE",
        Failure => "FAILURE",
        NotBuilt => "NOT_BUILT",
        Aborted => "ABORTED",
    }
}
