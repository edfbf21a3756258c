//! Builds: the history page (one `tree=` request), one build, its console text and its
//! artifacts (docs/jenkins.md, "Builds", "Console text", "Artifacts").

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde::Deserialize;
use serde_json::Value;

use super::client::JenkinsClient;
use super::{JenkinsError, JobPath};

/// The fields a history row needs, asked for by name: `actions` is a heterogeneous array, so
/// only `causes` and `parameters` are requested inside it.
const BUILD_FIELDS: &str = "number,result,building,timestamp,duration,queueId,\
    actions[causes[shortDescription,userId,userName],parameters[name,value]],\
    artifacts[fileName,relativePath]";

/// One Jenkins build as GUARDiA shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Build {
    pub number: u32,
    /// `SUCCESS`, `UNSTABLE`, `FAILURE`, `NOT_BUILT`, `ABORTED`; `None` while building.
    pub result: Option<String>,
    /// The "done" signal: `result` may be set before the build ends.
    pub building: bool,
    /// When the build was scheduled.
    pub timestamp: DateTime<Utc>,
    /// Milliseconds; 0 while building.
    pub duration_ms: i64,
    pub queue_id: Option<u64>,
    /// The first cause: a user's name, or what started it ("Started by timer").
    pub triggered_by: Option<String>,
    pub parameters: Vec<(String, String)>,
    pub artifacts: Vec<Artifact>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub file_name: String,
    /// What to download by (`displayPath` is only a shortened label).
    pub relative_path: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBuild {
    number: u32,
    result: Option<String>,
    building: bool,
    timestamp: i64,
    #[serde(default)]
    duration: i64,
    queue_id: Option<u64>,
    #[serde(default)]
    actions: Vec<Option<RawAction>>,
    #[serde(default)]
    artifacts: Vec<RawArtifact>,
}

/// Any action: most are `{}` or a plugin's; only these two keys matter.
#[derive(Deserialize, Default)]
struct RawAction {
    #[serde(default)]
    causes: Vec<RawCause>,
    #[serde(default)]
    parameters: Vec<RawParameter>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCause {
    short_description: Option<String>,
    user_name: Option<String>,
}

#[derive(Deserialize)]
struct RawParameter {
    name: String,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawArtifact {
    file_name: String,
    relative_path: String,
}

impl From<RawBuild> for Build {
    fn from(raw: RawBuild) -> Self {
        let actions: Vec<RawAction> = raw.actions.into_iter().flatten().collect();
        let triggered_by = actions.iter().flat_map(|a| &a.causes).next().and_then(|cause| {
            cause
                .user_name
                .clone()
                .or_else(|| cause.short_description.clone())
        });
        let parameters = actions
            .iter()
            .flat_map(|a| &a.parameters)
            .map(|p| (p.name.clone(), parameter_text(&p.value)))
            .collect();
        Build {
            number: raw.number,
            result: raw.result,
            building: raw.building,
            timestamp: DateTime::from_timestamp_millis(raw.timestamp).unwrap_or_default(),
            duration_ms: raw.duration,
            queue_id: raw.queue_id,
            triggered_by,
            parameters,
            artifacts: raw
                .artifacts
                .into_iter()
                .map(|a| Artifact {
                    file_name: a.file_name,
                    relative_path: a.relative_path,
                })
                .collect(),
        }
    }
}

/// Parameter values are typed (`true`, numbers, `"null"` as text): show them as text.
fn parameter_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The newest `limit` builds, newest first, in one request: `allBuilds` with a range (the
/// plain `builds` list stops at 100).
pub async fn history(client: &JenkinsClient, job: &JobPath, limit: u32) -> Result<Vec<Build>, JenkinsError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Page {
        all_builds: Option<Vec<RawBuild>>,
    }
    let mut url = client.url(Some(job), &["api", "json"]);
    url.query_pairs_mut()
        .append_pair("tree", &format!("allBuilds[{BUILD_FIELDS}]{{0,{limit}}}"));
    let page: Page = client.get_json(url).await?;
    let builds = page
        .all_builds
        .ok_or_else(|| JenkinsError::BadResponse("the job answer has no allBuilds".into()))?;
    Ok(builds.into_iter().map(Build::from).collect())
}

/// One build; `NotFound` once the build discarder deleted it.
pub async fn build(client: &JenkinsClient, job: &JobPath, number: u32) -> Result<Build, JenkinsError> {
    let mut url = client.url(Some(job), &[&number.to_string(), "api", "json"]);
    url.query_pairs_mut().append_pair("tree", BUILD_FIELDS);
    let raw: RawBuild = client.get_json(url).await?;
    Ok(raw.into())
}

/// The build started from a queue item, found by `queueId` among the newest builds: the
/// fallback once Jenkins forgot the left queue item (after five minutes).
pub async fn build_for_queue_item(
    client: &JenkinsClient,
    job: &JobPath,
    queue_id: u64,
) -> Result<Option<u32>, JenkinsError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Entry {
        number: u32,
        queue_id: Option<u64>,
    }
    #[derive(Deserialize)]
    struct Builds {
        #[serde(default)]
        builds: Vec<Entry>,
    }
    let mut url = client.url(Some(job), &["api", "json"]);
    url.query_pairs_mut()
        .append_pair("tree", "builds[number,queueId]{0,50}");
    let builds: Builds = client.get_json(url).await?;
    Ok(builds
        .builds
        .into_iter()
        .find(|b| b.queue_id == Some(queue_id))
        .map(|b| b.number))
}

/// A piece of console text and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleChunk {
    pub text: String,
    /// `X-Text-Size`, or where a cut-off chunk ended: the offset to ask from next (never the
    /// text's length in characters).
    pub next_start: u64,
    /// `X-More-Data`: the build is still writing; or the chunk was cut off.
    pub more: bool,
}

/// The most console bytes one call reads: a longer log comes in several calls, so a huge log
/// never sits in memory whole.
pub const CONSOLE_CHUNK: usize = 64 * 1024;

/// Console text from byte `start` (`logText/progressiveText`), at most [`CONSOLE_CHUNK`] bytes:
/// the body is read as it streams in and dropped once that much has come.
pub async fn console(
    client: &JenkinsClient,
    job: &JobPath,
    number: u32,
    start: u64,
) -> Result<ConsoleChunk, JenkinsError> {
    let mut url = client.url(Some(job), &[&number.to_string(), "logText", "progressiveText"]);
    url.query_pairs_mut().append_pair("start", &start.to_string());
    let response = client.get(url).await?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let text_size = header("x-text-size")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| JenkinsError::BadResponse("progressiveText without X-Text-Size".into()))?;
    let more = header("x-more-data").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut body = response.bytes_stream();
    let mut bytes: Vec<u8> = Vec::new();
    while let Some(piece) = body.next().await {
        let piece = piece.map_err(|_| JenkinsError::Unreachable)?;
        let room = CONSOLE_CHUNK - bytes.len();
        if piece.len() > room {
            bytes.extend_from_slice(&piece[..room]);
            bytes.truncate(whole_characters(&bytes));
            let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
            return Ok(ConsoleChunk {
                text: String::from_utf8_lossy(&bytes).into_owned(),
                next_start: start.saturating_add(read),
                more: true,
            });
        }
        bytes.extend_from_slice(&piece);
    }
    Ok(ConsoleChunk {
        text: String::from_utf8_lossy(&bytes).into_owned(),
        next_start: text_size,
        more,
    })
}

/// How many leading bytes hold whole UTF-8 characters: a cut can split the last one (its
/// bytes then start the next chunk).
fn whole_characters(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=len.min(4) {
        let byte = bytes[len - back];
        if byte & 0xC0 == 0x80 {
            continue; // a continuation byte: the character starts further back
        }
        let needed = match byte {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if back < needed { len - back } else { len };
    }
    len
}

/// A segment of an artifact's path that cannot climb out of the build's archive, whatever sits
/// in front of Jenkins: no dot-only segment (`..`, `...`), no `;` (a servlet path parameter, as
/// in `..;`), no `\`, `%` or control characters. Artifact names themselves are free text.
fn is_artifact_segment(segment: &str) -> bool {
    !segment.is_empty()
        && !segment.chars().all(|c| c == '.')
        && !segment
            .chars()
            .any(|c| matches!(c, ';' | '\\' | '%') || c.is_control())
}

/// An artifact on its way from Jenkins: headers known, body streamed.
pub struct ArtifactDownload {
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    pub body: BoxStream<'static, Result<Bytes, JenkinsError>>,
}

/// Starts downloading `relative_path` of a build. Redirects within Jenkins (its resource root
/// URL) are followed, to another host never.
pub async fn artifact(
    client: &JenkinsClient,
    job: &JobPath,
    number: u32,
    relative_path: &str,
) -> Result<ArtifactDownload, JenkinsError> {
    let segments: Vec<&str> = relative_path.split('/').collect();
    if !segments.iter().all(|s| is_artifact_segment(s)) {
        return Err(JenkinsError::NotFound);
    }
    let number = number.to_string();
    let mut tail = vec![number.as_str(), "artifact"];
    tail.extend(segments);
    let response = client.get(client.url(Some(job), &tail)).await?;
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let content_length = response.content_length();
    let body = response
        .bytes_stream()
        .map(|chunk| {
            chunk.map_err(|e| {
                tracing::warn!(error = %e, "artifact download broke off");
                JenkinsError::Unreachable
            })
        })
        .boxed();
    Ok(ArtifactDownload {
        content_type,
        content_length,
        body,
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn artifact_paths_cannot_climb_out_of_the_archive() {
        for good in [
            "portal.war",
            "app v1.jar",
            "release-1.0+build.7.tar.gz",
            ".hidden",
        ] {
            assert!(is_artifact_segment(good), "{good}");
        }
        for bad in ["", ".", "..", "...", "..;", "a;b", "a\\b", "%2e%2e", "a\u{0}"] {
            assert!(!is_artifact_segment(bad), "{bad}");
        }
    }

    use super::*;
    use crate::jenkins::fixture;

    #[test]
    fn a_cut_keeps_whole_characters() {
        let text = "ab한글".as_bytes(); // 2 ASCII bytes, then two 3-byte characters
        assert_eq!(whole_characters(text), 8);
        assert_eq!(whole_characters(&text[..7]), 5);
        assert_eq!(whole_characters(&text[..6]), 5);
        assert_eq!(whole_characters(&text[..5]), 5);
        assert_eq!(whole_characters(&text[..3]), 2);
        assert_eq!(whole_characters(b""), 0);
        assert_eq!(
            whole_characters(&[0x80, 0x80, 0x80, 0x80, 0x80]),
            5,
            "junk is kept"
        );
    }

    #[test]
    fn every_build_fixture_parses() {
        for name in [
            "b-build/api4jenkins__run-freestylebuild.json",
            "b-build/api4jenkins__run-workflowrun.json",
            "b-build/jenkins-rest__build-info-empty-and-null-params.json",
            "b-build/jenkins-rest__build-info-git-commit.json",
            "b-build/jenkins-rest__build-info.json",
            "b-build/node-jenkins__buildGet.json",
        ] {
            let raw: RawBuild =
                serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            let build = Build::from(raw);
            assert!(build.number > 0, "{name}");
        }
    }

    #[test]
    fn a_build_reads_causes_parameters_and_artifacts() {
        let raw: RawBuild = serde_json::from_str(&fixture("b-build/jenkins-rest__build-info.json")).unwrap();
        let build = Build::from(raw);
        assert_eq!(build.number, 10);
        assert_eq!(build.result.as_deref(), Some("SUCCESS"));
        assert!(!build.building);
        assert_eq!(build.duration_ms, 60750);
        assert_eq!(build.queue_id, Some(73));
        assert_eq!(build.triggered_by.as_deref(), Some("anonymous"));
        assert_eq!(
            build.parameters,
            [
                ("bear".to_owned(), "true".to_owned()),
                ("fish".to_owned(), "salmon".to_owned())
            ]
        );
        assert_eq!(build.artifacts[0].relative_path, "fish.txt");
        assert_eq!(build.timestamp.timestamp_millis(), 1461091892486);
    }

    #[test]
    fn tree_answers_missing_a_requested_key_are_refused() {
        // Jenkins drops misspelled or unrequested keys silently; these trees asked for fewer
        // fields than a history row needs, so they must not pass as complete builds.
        let faros: Vec<Value> = serde_json::from_str(&fixture(
            "e-tree/faros-airbyte-connectors__jobs-tree-allBuilds.json",
        ))
        .unwrap();
        let build = faros[0]["allBuilds"][0].clone();
        let error = serde_json::from_value::<RawBuild>(build).err().unwrap();
        assert!(error.to_string().contains("timestamp"), "{error}");
        let archit: Value = serde_json::from_str(&fixture(
            "e-tree/architvarma-Scripts__tree-builds-number-displayName-result-timestamp-duration.json",
        ))
        .unwrap();
        let error = serde_json::from_value::<RawBuild>(archit["builds"][0].clone())
            .err()
            .unwrap();
        assert!(error.to_string().contains("building"), "{error}");
    }
}
