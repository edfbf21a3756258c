//! The deploy tab: projects, a project's Jenkins builds and ledger, deploy, rollback, the
//! console, and live updates; and which build is live now.

use serde::Deserialize;

use super::{Connection, Named, documents};
use crate::deploy::{BuildResult, DeploymentKind, RunStatus};

/// The fields of a deployment every deploy document asks for.
macro_rules! deployment_fields {
    () => {
        "fragment DeploymentFields on Deployment {
            id kind status targetBuild buildNumber reason createdAt version triggeredBy { name } }"
    };
}

documents! {
    PROJECTS = "query DeployProjects { deployProjects { name jenkinsJob rollbackParameter } }";
    HISTORY = concat!("query DeployHistory($project: String!) {
        buildHistory(project: $project, limit: 30) {
            number result building timestamp duration triggeredBy
            parameters { name value } artifacts { fileName signedUrl } }
        deployments(project: $project, first: 20) { edges { node { ...DeploymentFields } } } }",
        deployment_fields!());
    ROLLBACK = concat!("mutation Rollback($project: String!, $toBuild: Int!, $reason: String!) {
        rollback(project: $project, toBuild: $toBuild, reason: $reason) { ...DeploymentFields } }",
        deployment_fields!());
    TRIGGER = concat!("mutation TriggerDeploy($project: String!, $parameters: [BuildParameterInput!]) {
        triggerDeploy(project: $project, parameters: $parameters) { ...DeploymentFields } }",
        deployment_fields!());
    LOG = "query DeploymentLog($id: ID!, $start: Int!) { deploymentLog(id: $id, start: $start) { text nextStart } }";
    UPDATES = concat!("subscription DeploymentUpdated($project: String) {
        deploymentUpdated(project: $project) { ...DeploymentFields } }",
        deployment_fields!());
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectsData {
    pub deploy_projects: Vec<Project>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub name: String,
    pub jenkins_job: String,
    pub rollback_parameter: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryData {
    pub build_history: Vec<Build>,
    pub deployments: Connection<Deployment>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Build {
    pub number: u32,
    pub result: Option<BuildResult>,
    pub building: bool,
    pub timestamp: String,
    pub duration: i64,
    pub triggered_by: Option<String>,
    pub parameters: Vec<Parameter>,
    pub artifacts: Vec<Artifact>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    pub file_name: String,
    pub signed_url: String,
}

/// A deployment as the ledger, the mutations and the subscription answer it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: String,
    pub kind: DeploymentKind,
    pub status: RunStatus,
    pub target_build: Option<i32>,
    pub build_number: Option<i32>,
    pub reason: Option<String>,
    pub created_at: String,
    pub version: i32,
    pub triggered_by: Named,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollbackData {
    pub rollback: Deployment,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerData {
    pub trigger_deploy: Deployment,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateData {
    pub deployment_updated: Deployment,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogData {
    pub deployment_log: LogChunk,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogChunk {
    pub text: String,
    pub next_start: i64,
}

impl Deployment {
    /// Whether this copy is newer than `other`: of the same deployment, the higher version
    /// (an event and a mutation's reply arrive in either order); else the later deployment
    /// (ids are time-ordered UUIDv7s).
    pub fn supersedes(&self, other: &Deployment) -> bool {
        if self.id == other.id {
            self.version > other.version
        } else {
            self.id > other.id
        }
    }

    /// The build whose artifacts this deployment put live: a rollback's target, else the
    /// build it ran as.
    pub fn deployed_build(&self) -> Option<u32> {
        let build = match self.kind {
            DeploymentKind::Rollback => self.target_build,
            DeploymentKind::Deploy => self.build_number,
        };
        build.and_then(|n| u32::try_from(n).ok())
    }
}

impl Build {
    /// The build a rollback build redeployed (its rollback parameter), if it was one.
    pub fn rolled_back_to(&self, rollback_parameter: &str) -> Option<u32> {
        self.parameters
            .iter()
            .find(|p| p.name == rollback_parameter)
            .and_then(|p| p.value.trim().parse().ok())
    }

    /// A finished, successful build with artifacts, which was not itself a rollback: what a
    /// rollback may go to (the server checks again).
    pub fn is_rollback_candidate(&self, rollback_parameter: &str) -> bool {
        !self.building
            && self.result == Some(BuildResult::Success)
            && !self.artifacts.is_empty()
            && self.rolled_back_to(rollback_parameter).is_none()
    }
}

/// What runs now and what ran before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiveBuilds {
    /// The build whose artifacts are deployed now.
    pub live: Option<u32>,
    /// The last other build that was live and can be rolled back to: the obvious rollback.
    pub previous: Option<u32>,
}

impl LiveBuilds {
    /// From the ledger (newest first): the last successful deployment's build is live, and
    /// the build live before it is the previous one. With no successful deployment in the
    /// ledger, Jenkins' newest successful build stands for the live one; when the ledger knows
    /// no earlier build, Jenkins' newest good build from before the ledger's first success
    /// stands for the previous one.
    pub fn find(deployments: &[Deployment], builds: &[Build], rollback_parameter: &str) -> LiveBuilds {
        let successes: Vec<&Deployment> = deployments
            .iter()
            .filter(|d| d.status == RunStatus::Success)
            .collect();
        let from_ledger: Vec<u32> = successes.iter().filter_map(|d| d.deployed_build()).collect();
        let history: Vec<u32> = if from_ledger.is_empty() {
            builds
                .iter()
                .filter(|b| !b.building && b.result == Some(BuildResult::Success))
                .map(|b| b.rolled_back_to(rollback_parameter).unwrap_or(b.number))
                .collect()
        } else {
            from_ledger
        };
        let live = history.first().copied();
        let candidate = |number: u32| {
            builds
                .iter()
                .any(|b| b.number == number && b.is_rollback_candidate(rollback_parameter))
        };
        // What ran before the ledger's first success (or before the live build, without a
        // ledger) is Jenkins' newest good build older than it.
        let first_known = successes
            .last()
            .and_then(|d| d.build_number)
            .and_then(|n| u32::try_from(n).ok())
            .or(live);
        let previous = history
            .iter()
            .copied()
            .find(|n| Some(*n) != live && candidate(*n))
            .or_else(|| {
                let first_known = first_known?;
                builds
                    .iter()
                    .filter(|b| b.number < first_known && Some(b.number) != live)
                    .filter(|b| b.is_rollback_candidate(rollback_parameter))
                    .map(|b| b.number)
                    .max()
            });
        LiveBuilds { live, previous }
    }

    /// Whether a rollback to `build` makes sense: a candidate that is not live now.
    pub fn may_roll_back_to(&self, build: &Build, rollback_parameter: &str) -> bool {
        Some(build.number) != self.live && build.is_rollback_candidate(rollback_parameter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAMETER: &str = "ROLLBACK_BUILD";

    fn build(number: u32, result: BuildResult, rollback_of: Option<u32>) -> Build {
        Build {
            number,
            result: Some(result),
            building: false,
            timestamp: String::new(),
            duration: 0,
            triggered_by: None,
            parameters: rollback_of
                .map(|n| Parameter {
                    name: PARAMETER.into(),
                    value: n.to_string(),
                })
                .into_iter()
                .collect(),
            artifacts: vec![Artifact {
                file_name: "app.war".into(),
                signed_url: String::new(),
            }],
        }
    }

    fn deployment(
        id: &str,
        kind: DeploymentKind,
        status: RunStatus,
        build: i32,
        target: Option<i32>,
    ) -> Deployment {
        Deployment {
            id: id.into(),
            kind,
            status,
            target_build: target,
            build_number: Some(build),
            reason: None,
            created_at: String::new(),
            version: 1,
            triggered_by: Named { name: "x".into() },
        }
    }

    #[test]
    fn the_ledger_says_what_is_live_and_what_was_before() {
        use DeploymentKind::*;
        use RunStatus::*;
        // Newest first: #13 rolled back to #10 after #12 went live; #11 failed.
        let builds = [
            build(13, BuildResult::Success, Some(10)),
            build(12, BuildResult::Success, None),
            build(11, BuildResult::Failure, None),
            build(10, BuildResult::Success, None),
            build(9, BuildResult::Success, None),
        ];
        let ledger = [
            deployment("4", Rollback, Success, 13, Some(10)),
            deployment("3", Deploy, Success, 12, None),
            deployment("2", Deploy, Failure, 11, None),
            deployment("1", Deploy, Success, 10, None),
        ];
        let live = LiveBuilds::find(&ledger, &builds, PARAMETER);
        assert_eq!(
            live,
            LiveBuilds {
                live: Some(10),
                previous: Some(12)
            }
        );
        let targets: Vec<u32> = builds
            .iter()
            .filter(|b| live.may_roll_back_to(b, PARAMETER))
            .map(|b| b.number)
            .collect();
        assert_eq!(
            targets,
            [12, 9],
            "not the live build, a failure or a rollback build"
        );
    }

    #[test]
    fn without_a_ledger_the_newest_successful_build_is_live() {
        let builds = [
            build(5, BuildResult::Failure, None),
            build(4, BuildResult::Success, None),
            build(3, BuildResult::Success, None),
        ];
        let live = LiveBuilds::find(&[], &builds, PARAMETER);
        assert_eq!(
            live,
            LiveBuilds {
                live: Some(4),
                previous: Some(3)
            }
        );
        assert_eq!(LiveBuilds::find(&[], &[], PARAMETER), LiveBuilds::default());
        // A ledger that knows one deployment: the previous comes from Jenkins.
        let ledger = [deployment(
            "1",
            DeploymentKind::Deploy,
            RunStatus::Success,
            4,
            None,
        )];
        let live = LiveBuilds::find(&ledger, &builds, PARAMETER);
        assert_eq!(
            live,
            LiveBuilds {
                live: Some(4),
                previous: Some(3)
            }
        );
        // Its one entry is a rollback to #3 that ran as #6: #4 was live before it.
        let builds = [
            build(6, BuildResult::Success, Some(3)),
            build(5, BuildResult::Failure, None),
            build(4, BuildResult::Success, None),
            build(3, BuildResult::Success, None),
        ];
        let ledger = [deployment(
            "1",
            DeploymentKind::Rollback,
            RunStatus::Success,
            6,
            Some(3),
        )];
        let live = LiveBuilds::find(&ledger, &builds, PARAMETER);
        assert_eq!(
            live,
            LiveBuilds {
                live: Some(3),
                previous: Some(4)
            }
        );
    }

    #[test]
    fn the_newer_copy_wins() {
        let queued = deployment("0190", DeploymentKind::Rollback, RunStatus::Queued, 1, Some(1));
        let running = Deployment {
            status: RunStatus::Running,
            version: 3,
            ..queued.clone()
        };
        assert!(running.supersedes(&queued));
        assert!(
            !queued.supersedes(&running),
            "a late reply does not undo an event"
        );
        let next = deployment("0191", DeploymentKind::Deploy, RunStatus::Queued, 2, None);
        assert!(next.supersedes(&running));
        assert!(!running.supersedes(&next));
    }
}
