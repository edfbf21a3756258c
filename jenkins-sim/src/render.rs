//! The remote API's JSON shapes, after the fixtures in `backend/tests/fixtures/jenkins/` (a-job,
//! b-build, c-queue, f-folders): `_class` on roots and polymorphic entries, absolute `url`s
//! built from the request's Host.

use serde_json::{Value as Json, json};

use crate::state::{Build, Cause, ItemState, Job, Pending, QueueItem, Sim, Value};
use crate::tree::{self, Node};
use crate::{ParamKind, content};

const FREESTYLE_PROJECT: &str = "hudson.model.FreeStyleProject";
const FREESTYLE_BUILD: &str = "hudson.model.FreeStyleBuild";
const FOLDER: &str = "com.cloudbees.hudson.plugins.folder.Folder";

/// What every rendering needs: the simulator, the base URL and one `now` for the request.
pub(crate) struct Ctx<'a> {
    pub sim: &'a Sim,
    /// `http://host:port/`, with the trailing slash.
    pub base: String,
    pub now: i64,
}

/// `Util.rawEncode` of one name: a `%` in a name is encoded too (`feature%2Fx` →
/// `feature%252Fx`).
pub(crate) fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl Ctx<'_> {
    pub fn item_url(&self, full_name: &str) -> String {
        let mut url = self.base.clone();
        for name in full_name.split('/') {
            url.push_str("job/");
            url.push_str(&encode_segment(name));
            url.push('/');
        }
        url
    }

    fn build_url(&self, job: &Job, number: u32) -> String {
        format!("{}{number}/", self.item_url(&job.full_name))
    }

    fn build_ref(&self, job: &Job, number: Option<u32>) -> Json {
        match number {
            Some(n) => json!({"_class": FREESTYLE_BUILD, "number": n, "url": self.build_url(job, n)}),
            None => Json::Null,
        }
    }

    /// A full build object (`…/<n>/api/json`). `estimate` is the job's estimated duration,
    /// computed once per request.
    pub fn build(&self, job: &Job, build: &Build, estimate: i64) -> Json {
        let mut actions = Vec::new();
        if job.parameterized() || !build.parameters.is_empty() {
            actions.push(parameters_action(build.parameters.as_slice()));
        }
        actions.push(cause_action(&build.cause));
        actions.push(json!({}));
        actions.push(json!({"_class": "org.jenkinsci.plugins.displayurlapi.actions.RunDisplayAction"}));
        let artifacts: Vec<Json> = if build.artifacts_purged || build.building() {
            Vec::new()
        } else {
            job.spec
                .artifacts
                .iter()
                .map(|a| {
                    let file_name = a.relative_path.rsplit('/').next().unwrap_or(&a.relative_path);
                    // `displayPath` is the file name unless another artifact shares it.
                    let unique = job
                        .spec
                        .artifacts
                        .iter()
                        .filter(|b| b.relative_path.rsplit('/').next() == Some(file_name))
                        .count()
                        == 1;
                    json!({
                        "displayPath": if unique { file_name } else { a.relative_path.as_str() },
                        "fileName": file_name,
                        "relativePath": a.relative_path,
                    })
                })
                .collect()
        };
        let elapsed = self.now - build.timestamp;
        let executor = if build.building() {
            let progress = if estimate > 0 {
                (elapsed * 100 / estimate).clamp(0, 99)
            } else {
                -1
            };
            let stuck = if estimate > 0 {
                elapsed > estimate * 10
            } else {
                elapsed > 24 * 3_600_000
            };
            json!({"_class": "hudson.model.Executor", "idle": false, "likelyStuck": stuck, "number": 0,
                   "progress": progress})
        } else {
            Json::Null
        };
        json!({
            "_class": FREESTYLE_BUILD,
            "actions": actions,
            "artifacts": artifacts,
            "building": build.building(),
            "description": null,
            "displayName": format!("#{}", build.number),
            "duration": if build.building() { 0 } else { build.ends_at - build.timestamp },
            "estimatedDuration": estimate,
            "executor": executor,
            "fullDisplayName": format!("{} #{}", full_display_name(&job.full_name), build.number),
            "id": build.number.to_string(),
            "keepLog": false,
            "number": build.number,
            "queueId": build.queue_id,
            "result": build.result.map(|r| r.as_str()),
            "timestamp": build.timestamp,
            "url": self.build_url(job, build.number),
            "builtOn": "",
            "changeSet": {"_class": "hudson.scm.EmptyChangeLogSet", "items": [], "kind": null},
            "culprits": [],
        })
    }

    /// A job object. Without a tree: the depth-0 shape (builds as references, no
    /// `allBuilds`). With one: full builds, and `allBuilds` only when named, cut to its range
    /// *before* rendering (5,000 builds are not serialised to keep three). Returns the tree
    /// to filter with (the `allBuilds` range already applied).
    pub fn job(&self, job: &Job, tree: Option<&[Node]>) -> (Json, Option<Vec<Node>>) {
        let estimate = job.estimated_duration();
        let wants = |name: &str| tree.is_none_or(|t| tree::find(t, name).is_some());
        let full = tree.is_some();
        let link = |name: &str| {
            let number = job.permalink(name);
            match number.and_then(|n| job.builds.get(&n)) {
                Some(b) if full => self.build(job, b, estimate),
                _ => self.build_ref(job, number),
            }
        };
        let builds: Vec<Json> = if wants("builds") {
            job.builds
                .values()
                .rev()
                .take(100)
                .map(|b| {
                    if full {
                        self.build(job, b, estimate)
                    } else {
                        self.build_ref(job, Some(b.number))
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let pending = self
            .sim
            .queue
            .values()
            .find(|i| i.job == job.full_name && i.state == ItemState::Pending);
        let mut property = Vec::new();
        let mut actions = vec![json!({}), json!({})];
        if job.parameterized() {
            let definitions = parameters_property(job);
            actions.insert(0, definitions.clone());
            property.push(definitions);
        }
        actions.push(json!({"_class": "com.cloudbees.plugins.credentials.ViewCredentialsAction"}));
        let mut value = json!({
            "_class": FREESTYLE_PROJECT,
            "actions": actions,
            "description": "",
            "displayName": job.name(),
            "displayNameOrNull": null,
            "fullDisplayName": full_display_name(&job.full_name),
            "fullName": job.full_name,
            "name": job.name(),
            "url": self.item_url(&job.full_name),
            "buildable": job.spec.buildable,
            "builds": builds,
            "color": job.color(),
            "firstBuild": link("firstBuild"),
            "healthReport": [],
            "inQueue": pending.is_some(),
            "keepDependencies": false,
            "lastBuild": link("lastBuild"),
            "lastCompletedBuild": link("lastCompletedBuild"),
            "lastFailedBuild": link("lastFailedBuild"),
            "lastStableBuild": link("lastStableBuild"),
            "lastSuccessfulBuild": link("lastSuccessfulBuild"),
            "lastUnstableBuild": link("lastUnstableBuild"),
            "lastUnsuccessfulBuild": link("lastUnsuccessfulBuild"),
            "nextBuildNumber": job.next_build_number,
            "property": property,
            "queueItem": pending.map_or(Json::Null, |i| self.queue_item(i)),
            "concurrentBuild": job.spec.concurrent,
            "disabled": !job.spec.buildable,
            "downstreamProjects": [],
            "labelExpression": null,
            "scm": {"_class": "hudson.scm.NullSCM"},
            "upstreamProjects": [],
        });
        let Some(tree) = tree else { return (value, None) };
        let mut tree = tree.to_vec();
        if let Some(node) = tree.iter_mut().find(|n| n.name == "allBuilds") {
            let (start, end) = node
                .range
                .take()
                .map_or((0, job.builds.len()), |r| r.bounds(job.builds.len()));
            let all: Vec<Json> = job
                .builds
                .values()
                .rev()
                .skip(start)
                .take(end - start)
                .map(|b| self.build(job, b, estimate))
                .collect();
            value["allBuilds"] = Json::Array(all);
        }
        (value, Some(tree))
    }

    /// A queue item (`/queue/item/<id>/api/json`): Waiting, Blocked or Left.
    pub fn queue_item(&self, item: &QueueItem) -> Json {
        let job = self.sim.jobs.get(&item.job);
        let mut actions = Vec::new();
        if job.is_some_and(Job::parameterized) {
            actions.push(parameters_action(&item.parameters));
        }
        actions.push(cause_action(&item.cause));
        let params: String = item
            .parameters
            .iter()
            .map(|p| format!("\n{}={}", p.name, p.value.as_text()))
            .collect();
        let task = match job {
            Some(job) => json!({"_class": FREESTYLE_PROJECT, "name": job.name(),
                                "url": self.item_url(&job.full_name), "color": job.color()}),
            None => json!({"_class": FREESTYLE_PROJECT}),
        };
        let mut value = json!({
            "actions": actions,
            "blocked": false,
            "buildable": false,
            "id": item.id,
            "inQueueSince": item.in_queue_since,
            "params": params,
            "stuck": false,
            "task": task,
            "url": format!("queue/item/{}/", item.id),
            "why": null,
        });
        match (item.state, self.sim.pending_state(item, self.now)) {
            (ItemState::Left { build, .. }, _) => {
                value["_class"] = json!("hudson.model.Queue$LeftItem");
                value["cancelled"] = json!(build.is_none());
                value["executable"] = match (job, build) {
                    (Some(job), Some(n)) => self.build_ref(job, Some(n)),
                    _ => Json::Null,
                };
            }
            (_, Some(Pending::Blocked { by })) => {
                let estimate = job.map_or(-1, Job::estimated_duration);
                let remaining = estimate - (self.now - by.timestamp);
                let eta = if estimate > 0 && remaining > 0 {
                    content::time_span(remaining)
                } else {
                    "N/A".into()
                };
                value["_class"] = json!("hudson.model.Queue$BlockedItem");
                value["blocked"] = json!(true);
                value["why"] = json!(format!("Build #{} is already in progress (ETA:{eta})", by.number));
                value["buildableStartMilliseconds"] = json!(item.ready_at);
            }
            _ => {
                value["_class"] = json!("hudson.model.Queue$WaitingItem");
                value["why"] = json!(format!(
                    "In the quiet period. Expires in {}",
                    content::time_span(item.ready_at - self.now)
                ));
                value["timestamp"] = json!(item.ready_at);
            }
        }
        value
    }

    /// `/queue/api/json`: the items still in the queue.
    pub fn queue(&self) -> Json {
        let items: Vec<Json> = self
            .sim
            .queue
            .values()
            .filter(|i| i.state == ItemState::Pending)
            .map(|i| self.queue_item(i))
            .collect();
        json!({"_class": "hudson.model.Queue", "discoverableItems": [], "items": items})
    }

    /// The items directly inside a folder (`""` for the root), as `jobs[]` entries.
    fn children(&self, folder: &str) -> Vec<Json> {
        let prefix = if folder.is_empty() {
            String::new()
        } else {
            format!("{folder}/")
        };
        let mut seen: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for (full_name, job) in self.sim.jobs.range(prefix.clone()..) {
            let Some(rest) = full_name.strip_prefix(&prefix) else {
                break;
            };
            let (name, is_job) = match rest.split_once('/') {
                Some((sub, _)) => (sub, false),
                None => (rest, true),
            };
            if seen.iter().any(|s| s == name) {
                continue;
            }
            seen.push(name.to_owned());
            let url = self.item_url(&format!("{prefix}{name}"));
            out.push(if is_job {
                json!({"_class": FREESTYLE_PROJECT, "name": name, "url": url, "color": job.color()})
            } else {
                json!({"_class": FOLDER, "name": name, "url": url})
            });
        }
        out
    }

    pub fn folder(&self, full_name: &str) -> Json {
        let name = full_name.rsplit('/').next().unwrap_or(full_name);
        let url = self.item_url(full_name);
        json!({
            "_class": FOLDER,
            "actions": [{}, {}, {"_class": "com.cloudbees.plugins.credentials.ViewCredentialsAction"}],
            "description": "",
            "displayName": name,
            "displayNameOrNull": null,
            "fullDisplayName": full_display_name(full_name),
            "fullName": full_name,
            "name": name,
            "url": url,
            "healthReport": [],
            "jobs": self.children(full_name),
            "primaryView": {"_class": "hudson.model.AllView", "name": "All", "url": url},
            "views": [{"_class": "hudson.model.AllView", "name": "All", "url": url}],
        })
    }

    /// `/api/json`: the controller itself.
    pub fn root(&self) -> Json {
        json!({
            "_class": "hudson.model.Hudson",
            "assignedLabels": [{"name": "built-in"}],
            "mode": "NORMAL",
            "nodeDescription": "the Jenkins controller's built-in node",
            "nodeName": "",
            "numExecutors": 2,
            "description": null,
            "jobs": self.children(""),
            "primaryView": {"_class": "hudson.model.AllView", "name": "all", "url": self.base},
            "quietingDown": false,
            "slaveAgentPort": -1,
            "useCrumbs": self.sim.options.csrf != crate::Csrf::Off,
            "useSecurity": true,
            "views": [{"_class": "hudson.model.AllView", "name": "all", "url": self.base}],
        })
    }
}

/// `team » app`, as Jenkins joins display names.
fn full_display_name(full_name: &str) -> String {
    full_name.split('/').collect::<Vec<_>>().join(" » ")
}

fn parameters_action(parameters: &[crate::state::ParamValue]) -> Json {
    let values: Vec<Json> = parameters
        .iter()
        .map(|p| match &p.value {
            Value::Bool(b) => {
                json!({"_class": "hudson.model.BooleanParameterValue", "name": p.name, "value": b})
            }
            Value::Text(s) => {
                json!({"_class": "hudson.model.StringParameterValue", "name": p.name, "value": s})
            }
        })
        .collect();
    json!({"_class": "hudson.model.ParametersAction", "parameters": values})
}

fn cause_action(cause: &Cause) -> Json {
    let cause = match cause {
        Cause::User(user) => json!({
            "_class": "hudson.model.Cause$UserIdCause",
            "shortDescription": format!("Started by user {user}"),
            "userId": user,
            "userName": user,
        }),
        Cause::Timer => json!({
            "_class": "hudson.triggers.TimerTrigger$TimerTriggerCause",
            "shortDescription": "Started by timer",
        }),
    };
    json!({"_class": "hudson.model.CauseAction", "causes": [cause]})
}

fn parameters_property(job: &Job) -> Json {
    let definitions: Vec<Json> = job
        .default_parameters()
        .into_iter()
        .zip(&job.spec.parameters)
        .map(|(default, def)| {
            let (kind, value_class) = match def.kind {
                ParamKind::String => ("StringParameterDefinition", "hudson.model.StringParameterValue"),
                ParamKind::Boolean => ("BooleanParameterDefinition", "hudson.model.BooleanParameterValue"),
                ParamKind::Choice(_) => ("ChoiceParameterDefinition", "hudson.model.StringParameterValue"),
            };
            let value = match &default.value {
                Value::Bool(b) => json!(b),
                Value::Text(s) => json!(s),
            };
            let mut definition = json!({
                "_class": format!("hudson.model.{kind}"),
                "defaultParameterValue": {"_class": value_class, "name": def.name, "value": value},
                "description": "",
                "name": def.name,
                "type": kind,
            });
            if let ParamKind::Choice(choices) = &def.kind {
                definition["choices"] = json!(choices);
            }
            definition
        })
        .collect();
    json!({"_class": "hudson.model.ParametersDefinitionProperty", "parameterDefinitions": definitions})
}
