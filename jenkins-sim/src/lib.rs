//! A Jenkins simulator for integration tests: an axum server that answers the requests a deploy
//! client makes (`docs/jenkins.md`) with the shapes of the real response samples in
//! `backend/tests/fixtures/jenkins/`, and fails the way Jenkins fails (401/403, missing crumb,
//! 404 for discarded builds, 303 for a merged trigger, 500 for an illegal parameter value…).
//!
//! Time is wall-clock: queue items and builds advance lazily on every request or API call, so
//! a test never races a background ticker.

mod auth;
mod content;
mod render;
mod routes;
mod state;
mod tree;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use state::{Shared, now_ms};

/// The version every response announces in `X-Jenkins`.
pub const JENKINS_VERSION: &str = "2.479.3";

/// A running simulator. Dropping it stops the server.
pub struct JenkinsSim {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
    shutdown: watch::Sender<bool>,
}

#[derive(Clone, Debug)]
pub struct SimOptions {
    pub user: String,
    pub token: String,
    pub csrf: Csrf,
    /// How long a left queue item stays readable (Jenkins: 5 minutes).
    pub left_item_ttl: Duration,
    /// One console line per this much elapsed build time.
    pub console_line_interval: Duration,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            user: "guardia".into(),
            token: "11aa22bb33cc44dd55ee66ff77889900aa".into(),
            csrf: Csrf::TokenExempt,
            left_item_ttl: Duration::from_secs(300),
            console_line_interval: Duration::from_millis(100),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Csrf {
    /// CSRF protection off: `crumbIssuer` answers 404.
    Off,
    /// Jenkins' default: requests authenticated with an API token need no crumb.
    TokenExempt,
    /// Every POST needs the crumb header and the session cookie issued with it.
    Required,
}

#[derive(Clone, Debug)]
pub struct JobSpec {
    pub parameters: Vec<ParamDef>,
    pub artifacts: Vec<ArtifactSpec>,
    pub quiet_period: Duration,
    pub build_duration: Duration,
    /// False: the job is disabled and triggers answer 409.
    pub buildable: bool,
    /// False: a queued item waits as a BlockedItem while a build runs.
    pub concurrent: bool,
}

impl Default for JobSpec {
    fn default() -> Self {
        JobSpec {
            parameters: Vec::new(),
            artifacts: Vec::new(),
            quiet_period: Duration::ZERO,
            build_duration: Duration::from_secs(1),
            buildable: true,
            concurrent: false,
        }
    }
}

impl JobSpec {
    /// A deploy job as GUARDiA's deploy projects expect one: a `VERSION` and a `ROLLBACK_BUILD`
    /// string parameter, and two artifacts (the package, a small text report), each a
    /// `(relative path, size)`.
    pub fn deploy(package: (&str, usize), report: (&str, usize)) -> Self {
        let artifact = |(relative_path, size): (&str, usize)| ArtifactSpec {
            relative_path: relative_path.to_owned(),
            size,
        };
        JobSpec {
            parameters: vec![
                ParamDef::string("VERSION", "latest"),
                ParamDef::string("ROLLBACK_BUILD", ""),
            ],
            artifacts: vec![artifact(package), artifact(report)],
            ..JobSpec::default()
        }
    }
}

#[derive(Clone, Debug)]
pub struct ParamDef {
    pub name: String,
    pub kind: ParamKind,
    /// For a choice, used when it is one of the choices; otherwise the first choice is the
    /// default, as in Jenkins.
    pub default: String,
}

impl ParamDef {
    pub fn string(name: &str, default: &str) -> ParamDef {
        ParamDef {
            name: name.into(),
            kind: ParamKind::String,
            default: default.into(),
        }
    }
}

#[derive(Clone, Debug)]
pub enum ParamKind {
    String,
    Boolean,
    Choice(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct ArtifactSpec {
    pub relative_path: String,
    pub size: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuildResult {
    Success,
    Unstable,
    Failure,
    Aborted,
    NotBuilt,
}

impl BuildResult {
    pub fn as_str(self) -> &'static str {
        match self {
            BuildResult::Success => "SUCCESS",
            BuildResult::Unstable => "UNSTABLE",
            BuildResult::Failure => "FAILURE",
            BuildResult::Aborted => "ABORTED",
            BuildResult::NotBuilt => "NOT_BUILT",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    /// A 500 HTML error page on every request.
    ServerError,
    /// Accept the connection and never answer.
    Hang,
    /// Answer normally after the delay.
    Slow(Duration),
    /// Answer reads, but fail every POST (a trigger) with a 500 error page.
    PostsFail,
    /// Answer reads, but never answer a POST (a Jenkins whose queue is stuck).
    PostsHang,
}

#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// The path as sent (still percent-encoded).
    pub path: String,
    pub query: Option<String>,
    /// The credentials were the simulator's user and token.
    pub authorized: bool,
}

impl JenkinsSim {
    /// Binds 127.0.0.1 on a free port and serves in a spawned task.
    pub async fn start(options: SimOptions) -> std::io::Result<JenkinsSim> {
        JenkinsSim::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), options).await
    }

    /// Like [`JenkinsSim::start`], on a chosen address (the `jenkins-sim` binary).
    pub async fn start_on(addr: SocketAddr, options: SimOptions) -> std::io::Result<JenkinsSim> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (shutdown, mut stop) = watch::channel(false);
        let shared = Arc::new(Shared::new(options, addr, stop.clone()));
        let app = axum::Router::new()
            .fallback(routes::handle)
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            // Graceful: open keep-alive connections are closed too, so a client sees the
            // server go away instead of talking to a half-dead one.
            let signal = async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            };
            if let Err(error) = axum::serve(listener, app).with_graceful_shutdown(signal).await {
                eprintln!("jenkins-sim: server error: {error}");
            }
        });
        Ok(JenkinsSim {
            shared,
            addr,
            server,
            shutdown,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn user(&self) -> &str {
        &self.shared.options.user
    }

    pub fn token(&self) -> &str {
        &self.shared.options.token
    }

    /// Adds a job by full name (`team/app`: folders are implied). Adding an existing job again
    /// replaces its spec and keeps its builds.
    pub fn add_job(&self, path: &str, spec: JobSpec) {
        self.shared.lock().add_job(path, spec);
    }

    /// `count` finished builds numbered from `nextBuildNumber` on, one hour apart, the newest
    /// ending before now; each has the job's artifacts and default parameter values.
    ///
    /// # Panics
    /// When the job does not exist (a test bug).
    pub fn seed_builds(&self, path: &str, count: u32, result: BuildResult) {
        let mut sim = self.shared.lock();
        let now = now_ms();
        sim.advance(now);
        sim.seed_builds(path, count, result, now);
    }

    /// Changes a build's result; a running build ends with it.
    ///
    /// # Panics
    /// When the job or the build does not exist (a test bug).
    pub fn set_build_result(&self, path: &str, number: u32, result: BuildResult) {
        let mut sim = self.shared.lock();
        sim.advance(now_ms());
        sim.job_mut(path).set_result(number, result);
    }

    /// The result of the next triggered build to finish (FIFO; SUCCESS when empty).
    ///
    /// # Panics
    /// When the job does not exist (a test bug).
    pub fn push_next_result(&self, path: &str, result: BuildResult) {
        let mut sim = self.shared.lock();
        sim.advance(now_ms());
        sim.job_mut(path).next_results.push_back(result);
    }

    /// The build discarder deleted the build: 404 everywhere, gone from the lists.
    pub fn discard_build(&self, path: &str, number: u32) {
        let mut sim = self.shared.lock();
        sim.advance(now_ms());
        if let Some(job) = sim.jobs.get_mut(path) {
            job.builds.remove(&number);
            job.unfinished.remove(&number);
        }
    }

    /// The build stays; its artifacts are gone (`artifacts: []`, artifact URLs 404).
    pub fn purge_artifacts(&self, path: &str, number: u32) {
        let mut sim = self.shared.lock();
        sim.advance(now_ms());
        if let Some(build) = sim.jobs.get_mut(path).and_then(|j| j.builds.get_mut(&number)) {
            build.artifacts_purged = true;
        }
    }

    /// Someone cancelled the queue item in Jenkins (no-op once it left the queue).
    pub fn cancel_queue_item(&self, id: u64) {
        let mut sim = self.shared.lock();
        let now = now_ms();
        sim.advance(now);
        sim.cancel(id, now);
    }

    pub fn set_fault(&self, fault: Fault) {
        self.shared.lock().fault = fault;
    }

    /// The bytes `GET …/<number>/artifact/<relative_path>` would send, if it would.
    pub fn artifact_bytes(&self, path: &str, number: u32, relative_path: &str) -> Option<Vec<u8>> {
        let mut sim = self.shared.lock();
        sim.advance(now_ms());
        let job = sim.jobs.get(path)?;
        let size = job.artifact(number, relative_path)?.size;
        Some(content::artifact_bytes(path, number, relative_path, size))
    }

    /// Every request received, in order (recorded before faults and authentication).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    pub fn reset_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// The parameters the client sent with each accepted (201) trigger, in order: query-string
    /// pairs then form pairs, without Jenkins' control fields (`delay`, `token`, the crumb).
    pub fn triggers(&self, path: &str) -> Vec<Vec<(String, String)>> {
        self.shared
            .lock()
            .jobs
            .get(path)
            .map(|j| j.triggers.clone())
            .unwrap_or_default()
    }

    /// Builds that exist now (started, not discarded).
    pub fn build_count(&self, path: &str) -> usize {
        let mut sim = self.shared.lock();
        sim.advance(now_ms());
        sim.jobs.get(path).map_or(0, |j| j.builds.len())
    }

    /// Stops the server (same as dropping it).
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for JenkinsSim {
    fn drop(&mut self) {
        // Wakes hanging handlers and closes connections, then stops accepting.
        let _ = self.shutdown.send(true);
        self.server.abort();
    }
}
