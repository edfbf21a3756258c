//! The simulated Jenkins: jobs, builds and the queue. Everything advances lazily from
//! wall-clock timestamps (`advance`) in *virtual* time: a queue item leaves the queue at the
//! moment its quiet period ended or the blocking build finished, not when someone next looked,
//! so answers do not depend on how often a client polls.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use crate::{ArtifactSpec, BuildResult, Fault, JobSpec, ParamDef, ParamKind, RecordedRequest, SimOptions};

pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, millis)
}

pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

const HOUR_MS: i64 = 3_600_000;

/// What the HTTP handlers and the public API share.
pub(crate) struct Shared {
    pub options: SimOptions,
    pub bound: SocketAddr,
    /// Becomes true when the simulator stops (wakes `Fault::Hang` handlers).
    pub shutdown: watch::Receiver<bool>,
    /// Jetty's session cookie is named after the node: `JSESSIONID.<8 hex>`.
    pub cookie_name: String,
    /// `X-Jenkins-Session`: changes with every start, like a restarted controller.
    pub instance: String,
    state: Mutex<Sim>,
}

impl Shared {
    pub fn new(options: SimOptions, bound: SocketAddr, shutdown: watch::Receiver<bool>) -> Shared {
        Shared {
            state: Mutex::new(Sim::new(options.clone())),
            options,
            bound,
            shutdown,
            cookie_name: format!("JSESSIONID.{}", crate::auth::random_hex(4)),
            instance: crate::auth::random_hex(4),
        }
    }

    /// A panic while holding the lock (a test helper's assertion) must not wedge the server.
    pub fn lock(&self) -> MutexGuard<'_, Sim> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A parameter value as Jenkins types it: booleans are JSON booleans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Text(String),
    Bool(bool),
}

impl Value {
    pub fn as_text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParamValue {
    pub name: String,
    pub value: Value,
}

#[derive(Clone, Debug)]
pub(crate) enum Cause {
    User(String),
    Timer,
}

pub(crate) struct Build {
    pub number: u32,
    pub queue_id: u64,
    /// When the build was created (left the queue), ms.
    pub timestamp: i64,
    /// When it ends (or ended): start + duration, or the moment it was stopped.
    pub ends_at: i64,
    /// `None` while building.
    pub result: Option<BuildResult>,
    /// The result a running build will end with, set by `set_build_result`.
    pub forced: Option<BuildResult>,
    pub aborted: bool,
    pub parameters: Vec<ParamValue>,
    pub cause: Cause,
    pub artifacts_purged: bool,
}

impl Build {
    pub fn building(&self) -> bool {
        self.result.is_none()
    }
}

pub(crate) struct Job {
    pub full_name: String,
    pub spec: JobSpec,
    pub builds: BTreeMap<u32, Build>,
    /// Numbers of builds not yet finished (kept apart so 5,000 seeded builds are not scanned).
    pub unfinished: BTreeSet<u32>,
    pub next_build_number: u32,
    pub next_results: VecDeque<BuildResult>,
    pub triggers: Vec<Vec<(String, String)>>,
}

impl Job {
    pub fn name(&self) -> &str {
        self.full_name.rsplit('/').next().unwrap_or(&self.full_name)
    }

    pub fn parameterized(&self) -> bool {
        !self.spec.parameters.is_empty()
    }

    pub fn default_parameters(&self) -> Vec<ParamValue> {
        self.spec
            .parameters
            .iter()
            .map(|d| ParamValue {
                name: d.name.clone(),
                value: typed(d, &default_of(d)),
            })
            .collect()
    }

    /// Latest end of a build still running: a non-concurrent job starts nothing before it.
    fn busy_until(&self) -> Option<i64> {
        self.unfinished
            .iter()
            .filter_map(|n| self.builds.get(n))
            .map(|b| b.ends_at)
            .max()
    }

    /// The newest running build, for a BlockedItem's `why`.
    pub fn running(&self) -> Option<&Build> {
        self.unfinished.iter().rev().find_map(|n| self.builds.get(n))
    }

    /// Jenkins' permalinks, newest first among matching builds.
    pub fn permalink(&self, name: &str) -> Option<u32> {
        let finished = |pred: fn(BuildResult) -> bool| {
            self.builds
                .values()
                .rev()
                .find(|b| b.result.is_some_and(pred))
                .map(|b| b.number)
        };
        match name {
            "lastBuild" => self.builds.keys().next_back().copied(),
            "firstBuild" => self.builds.keys().next().copied(),
            "lastCompletedBuild" => finished(|_| true),
            "lastSuccessfulBuild" => finished(|r| matches!(r, BuildResult::Success | BuildResult::Unstable)),
            "lastStableBuild" => finished(|r| r == BuildResult::Success),
            "lastFailedBuild" => finished(|r| r == BuildResult::Failure),
            "lastUnstableBuild" => finished(|r| r == BuildResult::Unstable),
            "lastUnsuccessfulBuild" => finished(|r| r != BuildResult::Success),
            _ => None,
        }
    }

    /// The average duration of the last three successful builds (falling back to failed
    /// ones), or -1 without history, like `Job.getEstimatedDuration`.
    pub fn estimated_duration(&self) -> i64 {
        let recent = |pred: fn(BuildResult) -> bool| -> Vec<i64> {
            self.builds
                .values()
                .rev()
                .take(100)
                .filter(|b| b.result.is_some_and(pred))
                .take(3)
                .map(|b| b.ends_at - b.timestamp)
                .collect()
        };
        let mut durations = recent(|r| matches!(r, BuildResult::Success | BuildResult::Unstable));
        if durations.is_empty() {
            durations = recent(|r| r == BuildResult::Failure);
        }
        if durations.is_empty() {
            return -1;
        }
        durations.iter().sum::<i64>() / durations.len() as i64
    }

    /// Jenkins' ball colour: the last completed result, `_anime` while building.
    pub fn color(&self) -> String {
        if !self.spec.buildable {
            return "disabled".into();
        }
        let base = match self
            .permalink("lastCompletedBuild")
            .and_then(|n| self.builds.get(&n)?.result)
        {
            None | Some(BuildResult::NotBuilt) => "notbuilt",
            Some(BuildResult::Success) => "blue",
            Some(BuildResult::Unstable) => "yellow",
            Some(BuildResult::Failure) => "red",
            Some(BuildResult::Aborted) => "aborted",
        };
        if self.unfinished.is_empty() {
            base.into()
        } else {
            format!("{base}_anime")
        }
    }

    /// The artifact a download would serve: the build exists, keeps its artifacts and the job
    /// archives this path.
    pub fn artifact(&self, number: u32, relative_path: &str) -> Option<&ArtifactSpec> {
        let build = self.builds.get(&number)?;
        if build.artifacts_purged || build.building() {
            return None;
        }
        self.spec
            .artifacts
            .iter()
            .find(|a| a.relative_path == relative_path)
    }

    pub fn set_result(&mut self, number: u32, result: BuildResult) {
        let name = self.full_name.clone();
        let build = self
            .builds
            .get_mut(&number)
            .unwrap_or_else(|| panic!("jenkins-sim: job {name} has no build #{number}"));
        if build.building() {
            build.forced = Some(result);
        } else {
            build.result = Some(result);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ItemState {
    Pending,
    /// Left the queue at `at`: into `build`, or cancelled when `None`.
    Left {
        at: i64,
        build: Option<u32>,
    },
}

pub(crate) struct QueueItem {
    pub id: u64,
    pub job: String,
    pub parameters: Vec<ParamValue>,
    pub cause: Cause,
    pub in_queue_since: i64,
    /// When the quiet period ends.
    pub ready_at: i64,
    pub state: ItemState,
}

/// How a pending item looks at a given moment.
pub(crate) enum Pending<'a> {
    Waiting,
    Blocked { by: &'a Build },
}

pub(crate) struct Sim {
    pub options: SimOptions,
    pub jobs: BTreeMap<String, Job>,
    pub queue: BTreeMap<u64, QueueItem>,
    pub next_queue_id: u64,
    pub fault: Fault,
    pub requests: Vec<RecordedRequest>,
    /// Session id → crumb (the crumb is bound to the session, as in Jenkins).
    pub sessions: HashMap<String, String>,
}

/// A trigger Jenkins accepted.
pub(crate) enum Triggered {
    /// A new queue item (201).
    Created(u64),
    /// Merged into this identical waiting item (303 for buildWithParameters, 201 for build).
    Merged(u64),
}

/// A trigger Jenkins refused, with its status.
pub(crate) enum Refused {
    /// 409 "<job> is not buildable".
    NotBuildable,
    /// 400 "<job> is not parameterized".
    NotParameterized,
    /// 400: `build` on a parameterized job without the `json` form field.
    NothingSubmitted,
    /// 500: an `IllegalArgumentException` from parameter binding.
    Illegal(String),
}

/// Request fields that steer Jenkins rather than fill parameters.
const CONTROL_FIELDS: [&str; 3] = ["delay", "token", "Jenkins-Crumb"];

impl Sim {
    fn new(options: SimOptions) -> Sim {
        Sim {
            options,
            jobs: BTreeMap::new(),
            queue: BTreeMap::new(),
            next_queue_id: 100,
            fault: Fault::None,
            requests: Vec::new(),
            sessions: HashMap::new(),
        }
    }

    pub fn add_job(&mut self, path: &str, spec: JobSpec) {
        let path = path.trim_matches('/');
        assert!(
            !path.is_empty() && path.split('/').all(|s| !s.is_empty()),
            "jenkins-sim: bad job path {path:?}"
        );
        match self.jobs.get_mut(path) {
            Some(job) => job.spec = spec,
            None => {
                self.jobs.insert(
                    path.to_owned(),
                    Job {
                        full_name: path.to_owned(),
                        spec,
                        builds: BTreeMap::new(),
                        unfinished: BTreeSet::new(),
                        next_build_number: 1,
                        next_results: VecDeque::new(),
                        triggers: Vec::new(),
                    },
                );
            }
        }
    }

    pub fn job_mut(&mut self, path: &str) -> &mut Job {
        self.jobs
            .get_mut(path)
            .unwrap_or_else(|| panic!("jenkins-sim: no job {path:?} (add_job first)"))
    }

    /// Is `path` a folder, i.e. a proper prefix of some job's full name?
    pub fn is_folder(&self, path: &str) -> bool {
        let prefix = format!("{path}/");
        self.jobs
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(name, _)| name.starts_with(&prefix))
    }

    pub fn seed_builds(&mut self, path: &str, count: u32, result: BuildResult, now: i64) {
        let first_id = self.next_queue_id;
        self.next_queue_id += u64::from(count);
        let job = self.job_mut(path);
        let parameters = job.default_parameters();
        let first = job.next_build_number;
        for i in 0..count {
            let number = first + i;
            // One hour apart, the newest ending a minute or more before now.
            let timestamp = now - i64::from(count - i) * HOUR_MS;
            let duration = 20_000 + (i64::from(number) * 7_919) % 40_000;
            let cause = if number.is_multiple_of(3) {
                Cause::Timer
            } else {
                Cause::User("alice".into())
            };
            job.builds.insert(
                number,
                Build {
                    number,
                    queue_id: first_id + u64::from(i),
                    timestamp,
                    ends_at: timestamp + duration,
                    result: Some(result),
                    forced: None,
                    aborted: result == BuildResult::Aborted,
                    parameters: parameters.clone(),
                    cause,
                    artifacts_purged: false,
                },
            );
        }
        job.next_build_number = first + count;
    }

    /// Moves every queue item and build forward to `now`, and forgets left items after
    /// `left_item_ttl`.
    pub fn advance(&mut self, now: i64) {
        let Sim { jobs, queue, .. } = self;
        for job in jobs.values_mut() {
            advance_job(job, queue, now);
        }
        let ttl = millis(self.options.left_item_ttl);
        self.queue.retain(|_, item| match item.state {
            ItemState::Left { at, .. } => now < at.saturating_add(ttl),
            ItemState::Pending => true,
        });
    }

    /// What a pending item is doing at `now` (`None` once it left).
    pub fn pending_state(&self, item: &QueueItem, now: i64) -> Option<Pending<'_>> {
        if item.state != ItemState::Pending {
            return None;
        }
        let job = self.jobs.get(&item.job)?;
        match job.running() {
            Some(by) if item.ready_at <= now && !job.spec.concurrent => Some(Pending::Blocked { by }),
            _ => Some(Pending::Waiting),
        }
    }

    pub fn cancel(&mut self, id: u64, now: i64) -> bool {
        match self.queue.get_mut(&id) {
            Some(item) if item.state == ItemState::Pending => {
                item.state = ItemState::Left { at: now, build: None };
                true
            }
            _ => false,
        }
    }

    /// `POST …/stop`: a running build ends now as ABORTED.
    pub fn stop(&mut self, path: &str, number: u32, now: i64) {
        let Some(job) = self.jobs.get_mut(path) else {
            return;
        };
        if let Some(build) = job.builds.get_mut(&number)
            && build.building()
        {
            build.ends_at = now;
            build.result = Some(BuildResult::Aborted);
            build.aborted = true;
            job.unfinished.remove(&number);
        }
    }

    /// `buildWithParameters` (`with_parameters`) or `build`, with the request's query and
    /// form pairs in order, as Jenkins' `ParameterizedJobMixIn` handles them.
    pub fn trigger(
        &mut self,
        path: &str,
        with_parameters: bool,
        pairs: &[(String, String)],
        now: i64,
    ) -> Result<Triggered, Refused> {
        let user = self.options.user.clone();
        let Some(job) = self.jobs.get_mut(path) else {
            return Err(Refused::Illegal(format!("no job {path}")));
        };
        if !job.spec.buildable {
            return Err(Refused::NotBuildable);
        }
        let delay = match pairs.iter().rev().find(|(n, _)| n == "delay") {
            Some((_, text)) => Some(
                parse_delay(text)
                    .ok_or_else(|| Refused::Illegal(format!("Invalid time duration value: {text}")))?,
            ),
            None => None,
        };
        let parameters = match (with_parameters, job.parameterized()) {
            (true, false) => return Err(Refused::NotParameterized),
            (true, true) => effective_parameters(&job.spec.parameters, pairs)?,
            (false, true) => {
                let json = pairs
                    .iter()
                    .find(|(n, _)| n == "json")
                    .ok_or(Refused::NothingSubmitted)?;
                let submitted = pairs_from_json(&json.1)?;
                effective_parameters(&job.spec.parameters, &submitted)?
            }
            (false, false) => Vec::new(),
        };
        let sent: Vec<(String, String)> = pairs
            .iter()
            .filter(|(n, _)| !CONTROL_FIELDS.contains(&n.as_str()))
            .cloned()
            .collect();
        let ready_at = now + delay.unwrap_or_else(|| millis(job.spec.quiet_period));

        // The queue merges a task with equal parameters into the item already waiting.
        let existing = self
            .queue
            .values_mut()
            .find(|i| i.state == ItemState::Pending && i.job == path && i.parameters == parameters);
        if let Some(item) = existing {
            item.ready_at = item.ready_at.min(ready_at);
            if !with_parameters {
                job.triggers.push(sent);
            }
            return Ok(Triggered::Merged(item.id));
        }
        let id = self.next_queue_id;
        self.next_queue_id += 1;
        self.queue.insert(
            id,
            QueueItem {
                id,
                job: path.to_owned(),
                parameters,
                cause: Cause::User(user),
                in_queue_since: now,
                ready_at,
                state: ItemState::Pending,
            },
        );
        job.triggers.push(sent);
        Ok(Triggered::Created(id))
    }
}

fn advance_job(job: &mut Job, queue: &mut BTreeMap<u64, QueueItem>, now: i64) {
    let duration = millis(job.spec.build_duration);
    loop {
        let next = queue
            .values_mut()
            .filter(|i| i.state == ItemState::Pending && i.job == job.full_name)
            .min_by_key(|i| (i.ready_at, i.id));
        let Some(item) = next else { break };
        let start = match job.busy_until() {
            Some(busy) if !job.spec.concurrent => item.ready_at.max(busy),
            _ => item.ready_at,
        };
        if start > now {
            break;
        }
        let number = job.next_build_number;
        job.next_build_number += 1;
        job.builds.insert(
            number,
            Build {
                number,
                queue_id: item.id,
                timestamp: start,
                ends_at: start.saturating_add(duration),
                result: None,
                forced: None,
                aborted: false,
                parameters: item.parameters.clone(),
                cause: item.cause.clone(),
                artifacts_purged: false,
            },
        );
        job.unfinished.insert(number);
        item.state = ItemState::Left {
            at: start,
            build: Some(number),
        };
    }
    let mut done: Vec<(i64, u32)> = job
        .unfinished
        .iter()
        .filter_map(|n| job.builds.get(n))
        .filter(|b| b.ends_at <= now)
        .map(|b| (b.ends_at, b.number))
        .collect();
    done.sort_unstable();
    for (_, number) in done {
        job.unfinished.remove(&number);
        if let Some(build) = job.builds.get_mut(&number) {
            let result = build
                .forced
                .take()
                .or_else(|| job.next_results.pop_front())
                .unwrap_or(BuildResult::Success);
            build.result = Some(result);
        }
    }
    // A discarded running build leaves a dangling number behind.
    let builds = &job.builds;
    job.unfinished.retain(|n| builds.contains_key(n));
}

/// `TimeDuration.fromString`: `5sec` is seconds, a bare number milliseconds; the queue
/// takes whole seconds.
fn parse_delay(text: &str) -> Option<i64> {
    let text = text.trim();
    let (number, unit) = match text.strip_suffix("secs").or_else(|| text.strip_suffix("sec")) {
        Some(n) => (n.trim(), 1000),
        None => (text, 1),
    };
    let ms = number.parse::<i64>().ok()?.checked_mul(unit)?;
    Some(ms.max(0) / 1000 * 1000)
}

fn default_of(def: &ParamDef) -> String {
    match &def.kind {
        ParamKind::Choice(choices) if !choices.contains(&def.default) => {
            choices.first().cloned().unwrap_or_default()
        }
        _ => def.default.clone(),
    }
}

fn typed(def: &ParamDef, text: &str) -> Value {
    match def.kind {
        // `Boolean.valueOf`: anything but "true" (any case) is false.
        ParamKind::Boolean => Value::Bool(text.eq_ignore_ascii_case("true")),
        _ => Value::Text(text.to_owned()),
    }
}

/// `SimpleParameterDefinition.createValue(req)` for each definition: absent → default, twice →
/// illegal, unknown names ignored, a choice outside the list illegal.
fn effective_parameters(defs: &[ParamDef], pairs: &[(String, String)]) -> Result<Vec<ParamValue>, Refused> {
    defs.iter()
        .map(|def| {
            let values: Vec<&str> = pairs
                .iter()
                .filter(|(n, _)| *n == def.name)
                .map(|(_, v)| v.as_str())
                .collect();
            let text = match values.as_slice() {
                [] => default_of(def),
                [one] => (*one).to_owned(),
                many => {
                    return Err(Refused::Illegal(format!(
                        "Illegal number of parameter values for {}: {}",
                        def.name,
                        many.len()
                    )));
                }
            };
            if let ParamKind::Choice(choices) = &def.kind
                && !values.is_empty()
                && !choices.contains(&text)
            {
                return Err(Refused::Illegal(format!(
                    "Illegal choice for parameter {}: {text}",
                    def.name
                )));
            }
            Ok(ParamValue {
                name: def.name.clone(),
                value: typed(def, &text),
            })
        })
        .collect()
}

/// The `json` form field of a classic form submission: `{"parameter": [{"name", "value"}…]}`
/// (or a single object).
fn pairs_from_json(text: &str) -> Result<Vec<(String, String)>, Refused> {
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Refused::Illegal(format!("net.sf.json.JSONException: {e}")))?;
    let entries = match json.get("parameter") {
        Some(serde_json::Value::Array(list)) => list.clone(),
        Some(one @ serde_json::Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    };
    Ok(entries
        .iter()
        .filter_map(|e| {
            let name = e.get("name")?.as_str()?.to_owned();
            let value = match e.get("value") {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            Some((name, value))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_follow_time_duration() {
        assert_eq!(parse_delay("0sec"), Some(0));
        assert_eq!(parse_delay("0"), Some(0));
        assert_eq!(parse_delay("5sec"), Some(5000));
        assert_eq!(parse_delay("2500"), Some(2000));
        assert_eq!(parse_delay("soon"), None);
    }

    #[test]
    fn parameters_take_defaults_and_refuse_illegal_values() {
        let defs = vec![
            ParamDef::string("VERSION", "latest"),
            ParamDef {
                name: "ENV".into(),
                kind: ParamKind::Choice(vec!["dev".into(), "prod".into()]),
                default: String::new(),
            },
            ParamDef {
                name: "DRY".into(),
                kind: ParamKind::Boolean,
                default: "true".into(),
            },
        ];
        let p = |n: &str, v: &str| (n.to_owned(), v.to_owned());
        let values = effective_parameters(&defs, &[p("ENV", "prod"), p("NOPE", "x")])
            .ok()
            .unwrap();
        assert_eq!(values[0].value, Value::Text("latest".into()));
        assert_eq!(values[1].value, Value::Text("prod".into()));
        assert_eq!(values[2].value, Value::Bool(true));
        let twice = effective_parameters(&defs, &[p("VERSION", "1"), p("VERSION", "2")]);
        assert!(
            matches!(twice, Err(Refused::Illegal(m)) if m == "Illegal number of parameter values for VERSION: 2")
        );
        let bad = effective_parameters(&defs, &[p("ENV", "qa")]);
        assert!(matches!(bad, Err(Refused::Illegal(m)) if m == "Illegal choice for parameter ENV: qa"));
    }
}
