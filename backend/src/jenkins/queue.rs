//! Starting builds: the job's parameter definitions, the trigger POST and the queue item that
//! turns into a build (docs/jenkins.md, "Job definitions and parameters", "Triggers and
//! queue items").

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde::Deserialize;
use serde_json::Value;

use super::client::JenkinsClient;
use super::{JenkinsError, JobPath};

/// What a trigger needs to know about a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobDefinition {
    /// False when the job is disabled (a trigger would answer 409).
    pub buildable: bool,
    pub parameters: Vec<ParameterDefinition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterDefinition {
    pub name: String,
    /// Jenkins' type name, e.g. `StringParameterDefinition`.
    pub kind: String,
    /// The allowed values of a choice parameter.
    pub choices: Option<Vec<String>>,
}

impl JobDefinition {
    pub fn is_parameterized(&self) -> bool {
        !self.parameters.is_empty()
    }

    /// Checks parameters before the POST, since Jenkins ignores unknown names silently and
    /// answers a bad choice or a repeated name with a 500.
    pub fn check(&self, parameters: &[(String, String)]) -> Result<(), String> {
        for (i, (name, value)) in parameters.iter().enumerate() {
            if parameters[..i].iter().any(|(earlier, _)| earlier == name) {
                return Err(format!("parameter {name} is given twice"));
            }
            let Some(definition) = self.parameters.iter().find(|d| &d.name == name) else {
                return Err(if self.is_parameterized() {
                    let known: Vec<&str> = self.parameters.iter().map(|d| d.name.as_str()).collect();
                    format!("the job has no parameter {name} (it has: {})", known.join(", "))
                } else {
                    format!("the job takes no parameters, but {name} was given")
                });
            };
            if let Some(choices) = &definition.choices
                && !choices.contains(value)
            {
                return Err(format!("{name} must be one of: {}", choices.join(", ")));
            }
            if definition.kind == "BooleanParameterDefinition" && !matches!(value.as_str(), "true" | "false")
            {
                return Err(format!("{name} must be true or false"));
            }
        }
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawJob {
    buildable: Option<bool>,
    #[serde(default)]
    property: Vec<RawProperty>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProperty {
    #[serde(default)]
    parameter_definitions: Vec<RawDefinition>,
}

#[derive(Deserialize)]
struct RawDefinition {
    name: String,
    #[serde(rename = "type", default)]
    kind: String,
    choices: Option<Vec<Value>>,
}

/// The job's parameter definitions and whether it can build; `NotFound` for a missing job (or
/// one the service account may not see).
pub async fn definition(client: &JenkinsClient, job: &JobPath) -> Result<JobDefinition, JenkinsError> {
    let mut url = client.url(Some(job), &["api", "json"]);
    url.query_pairs_mut().append_pair(
        "tree",
        "buildable,property[parameterDefinitions[name,type,choices]]",
    );
    let raw: RawJob = client.get_json(url).await?;
    let parameters = raw
        .property
        .into_iter()
        .flat_map(|p| p.parameter_definitions)
        .map(|d| ParameterDefinition {
            name: d.name,
            kind: d.kind,
            choices: d.choices.map(|c| {
                c.into_iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect()
            }),
        })
        .collect();
    Ok(JobDefinition {
        // Folders and other non-jobs have no `buildable`.
        buildable: raw.buildable.unwrap_or(false),
        parameters,
    })
}

/// Queues a build and returns its queue item id. `buildWithParameters` for a parameterized
/// job, `build` otherwise; `delay=0sec` skips the quiet period. Never retried on a timeout:
/// Jenkins may have queued it anyway, and a second POST could deploy twice.
pub async fn trigger(
    client: &JenkinsClient,
    job: &JobPath,
    parameterized: bool,
    parameters: &[(String, String)],
) -> Result<u64, JenkinsError> {
    let endpoint = if parameterized {
        "buildWithParameters"
    } else {
        "build"
    };
    let mut url = client.url(Some(job), &[endpoint]);
    url.query_pairs_mut().append_pair("delay", "0sec");
    let response = client.post_form(url, parameters).await?;
    match response.status() {
        StatusCode::SEE_OTHER => Err(JenkinsError::AlreadyQueued),
        StatusCode::CREATED => {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            queue_id_from_location(location).ok_or_else(|| {
                JenkinsError::BadResponse(format!("no queue item in the Location header '{location}'"))
            })
        }
        other => Err(JenkinsError::BadResponse(format!(
            "a trigger answered {other} instead of 201 Created"
        ))),
    }
}

/// `…/queue/item/123/` → 123. Only the number is used: host and scheme may be wrong behind a
/// proxy.
fn queue_id_from_location(location: &str) -> Option<u64> {
    let rest = location.split("/queue/item/").nth(1)?;
    rest.trim_end_matches('/').parse().ok()
}

/// Where a queue item stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueItem {
    /// Quiet period, blocked or waiting for an executor; `why` is Jenkins' own words.
    Waiting {
        why: Option<String>,
    },
    Started {
        build: u32,
    },
    /// Someone cancelled it in Jenkins.
    Cancelled,
}

#[derive(Deserialize)]
struct RawExecutable {
    number: u32,
}

#[derive(Deserialize)]
struct RawQueueItem {
    cancelled: Option<bool>,
    why: Option<String>,
    executable: Option<RawExecutable>,
}

impl From<RawQueueItem> for QueueItem {
    fn from(raw: RawQueueItem) -> Self {
        match (raw.cancelled, raw.executable) {
            (Some(true), _) => QueueItem::Cancelled,
            (_, Some(executable)) => QueueItem::Started {
                build: executable.number,
            },
            _ => QueueItem::Waiting { why: raw.why },
        }
    }
}

/// Reads a queue item; `NotFound` once Jenkins forgot it (five minutes after it left).
pub async fn queue_item(client: &JenkinsClient, id: u64) -> Result<QueueItem, JenkinsError> {
    let mut url = client.url(None, &["queue", "item", &id.to_string(), "api", "json"]);
    url.query_pairs_mut()
        .append_pair("tree", "id,cancelled,why,blocked,executable[number]");
    let raw: RawQueueItem = client.get_json(url).await?;
    Ok(raw.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jenkins::fixture;

    #[test]
    fn locations_give_their_queue_id() {
        assert_eq!(
            queue_id_from_location("http://jenkins:8080/queue/item/143/"),
            Some(143)
        );
        assert_eq!(queue_id_from_location("https://proxy/ci/queue/item/7"), Some(7));
        assert_eq!(queue_id_from_location("http://jenkins/job/x/"), None);
    }

    #[test]
    fn job_fixtures_give_their_parameter_definitions() {
        let raw: RawJob = serde_json::from_str(&fixture("a-job/jenkins-rest__job-info.json")).unwrap();
        assert_eq!(raw.buildable, Some(true));
        let names: Vec<_> = raw
            .property
            .iter()
            .flat_map(|p| &p.parameter_definitions)
            .map(|d| (d.name.as_str(), d.kind.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("bear", "BooleanParameterDefinition"),
                ("fish", "StringParameterDefinition")
            ]
        );
        for name in [
            "a-job/api4jenkins__job-pipeline.json",
            "a-job/node-jenkins__jobGet.json",
            "f-folders/api4jenkins__job-folder.json",
            "f-folders/api4jenkins__job-mbranch.json",
        ] {
            serde_json::from_str::<RawJob>(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn parameters_are_checked_against_the_definitions() {
        let job = JobDefinition {
            buildable: true,
            parameters: vec![
                ParameterDefinition {
                    name: "ENV".into(),
                    kind: "ChoiceParameterDefinition".into(),
                    choices: Some(vec!["dev".into(), "prod".into()]),
                },
                ParameterDefinition {
                    name: "DRY".into(),
                    kind: "BooleanParameterDefinition".into(),
                    choices: None,
                },
            ],
        };
        let p = |n: &str, v: &str| (n.to_owned(), v.to_owned());
        assert!(job.check(&[p("ENV", "prod"), p("DRY", "true")]).is_ok());
        assert!(job.check(&[p("ENV", "qa")]).unwrap_err().contains("one of"));
        assert!(
            job.check(&[p("ENV", "dev"), p("ENV", "prod")])
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            job.check(&[p("NOPE", "1")])
                .unwrap_err()
                .contains("no parameter NOPE")
        );
        assert!(job.check(&[p("DRY", "yes")]).is_err());
    }

    #[test]
    fn every_queue_fixture_reads_as_a_state() {
        let state = |name: &str| {
            let raw: RawQueueItem =
                serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            QueueItem::from(raw)
        };
        assert_eq!(
            state("c-queue/jenkins-rest__queueItemCancelled.json"),
            QueueItem::Cancelled
        );
        assert!(matches!(
            state("c-queue/jenkins-rest__queueItemRunning.json"),
            QueueItem::Started { .. }
        ));
        assert!(matches!(
            state("c-queue/api4jenkins__queue-waitingitem.json"),
            QueueItem::Waiting { why: Some(_) }
        ));
        assert!(matches!(
            state("c-queue/jenkins-rest__queueItemPending.json"),
            QueueItem::Waiting { .. }
        ));
        for name in [
            "c-queue/api4jenkins__queue-blockeditem.json",
            "c-queue/api4jenkins__queue-buildableitem.json",
            "c-queue/api4jenkins__queue-leftitem.json",
            "c-queue/node-jenkins__queueItem.json",
        ] {
            state(name);
        }
    }
}
