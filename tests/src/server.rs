//! A served GUARDiA for a test: by default the real application built in this process by
//! `App::build` and served on a listener bound to port 0 (no port race, no binary needed);
//! `Guardia::start_process` runs the `guardia` binary instead where the process is the point.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use guardia_backend::app::App;
use guardia_backend::cli::serve::ServeArgs;
use guardia_backend::config::{RunMode, Secrets};
use guardia_backend::scheduler::{ManualClock, Scheduler};
use guardia_backend::sla_watch::SlaWatch;
use tokio::sync::oneshot;

use crate::TestDb;

/// How to start a served instance.
#[derive(Debug, Clone, Default)]
pub struct GuardiaOptions {
    /// The web app's folder (default: one with no app in it).
    pub web_dir: Option<PathBuf>,
    /// `guardia serve` flags, e.g. `--token-ttl 90m`.
    pub flags: Vec<String>,
    /// Environment of the child process ([`Guardia::start_process`] only).
    pub env: Vec<(String, String)>,
    /// A clock the test sets for the batch scheduler and the SLA clocks; the scheduler and the
    /// SLA watch look only when the test calls [`Guardia::scheduler`]`.tick()` or
    /// [`Guardia::sla_watch`]`.tick()` (in-process only).
    pub clock: Option<Arc<ManualClock>>,
}

impl GuardiaOptions {
    /// Adds `guardia serve` flags.
    pub fn with_flags(mut self, flags: &[&str]) -> Self {
        self.flags.extend(flags.iter().map(|f| (*f).to_owned()));
        self
    }
}

/// A served `guardia`, stopped when dropped.
pub struct Guardia {
    pub(crate) running: Running,
    /// The in-process app's batch scheduler.
    pub(crate) scheduler: Option<Scheduler>,
    /// The in-process app's SLA watch.
    pub(crate) sla_watch: Option<SlaWatch>,
    pub base_url: String,
    pub http: reqwest::Client,
}

pub(crate) enum Running {
    InProcess {
        stop: Option<oneshot::Sender<()>>,
        task: tokio::task::JoinHandle<anyhow::Result<()>>,
    },
    Process(tokio::process::Child),
}

/// The secrets every test server runs with (production-strength, so `--env production` works).
pub fn test_secrets() -> Secrets {
    Secrets::load(
        RunMode::Production,
        Some(crate::api::JWT_SECRET),
        Some(crate::api::CREDENTIAL_KEY),
        std::path::Path::new("."),
    )
    .expect("the test secrets are valid")
}

impl Guardia {
    /// Builds the application in this process as `guardia serve FLAGS` would, on `db`, and
    /// serves it on a loopback listener bound to port 0.
    pub async fn start(db: &TestDb, options: GuardiaOptions) -> Self {
        assert!(
            options.env.is_empty(),
            "environment needs a child process: use Guardia::start_process"
        );
        let web_dir = options.web_dir.unwrap_or_else(|| db.workdir().join("no-web-app"));
        let web_dir = web_dir.to_string_lossy().into_owned();
        let flags = [
            "--web-dir",
            &web_dir,
            "--metrics-token",
            crate::api::METRICS_TOKEN,
        ]
        .into_iter()
        .map(str::to_owned)
        .chain(options.flags);
        let args = ServeArgs::parse_flags(flags).unwrap_or_else(|e| panic!("serve flags: {e}"));
        let mut config = args
            .into_config(db.database_url(), |_| Ok(test_secrets()))
            .unwrap_or_else(|e| panic!("serve settings: {e:#}"));
        // The scheduler looks only when a test says so (`scheduler().tick()`), so that no due
        // time of a seeded job starts a run in the middle of another test.
        config.run_scheduler = false;
        if let Some(clock) = options.clock {
            config.schedule_time.clock = clock;
        }
        let app = App::build(config)
            .await
            .unwrap_or_else(|e| panic!("the app builds: {e:#}"));
        let scheduler = Some(app.scheduler());
        let sla_watch = Some(app.sla_watch());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let base_url = format!("http://{}", listener.local_addr().expect("local address"));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.serve_until(listener, async {
            let _ = stopped.await;
        }));
        Guardia {
            scheduler,
            sla_watch,
            running: Running::InProcess {
                stop: Some(stop),
                task,
            },
            base_url,
            http: http_client(),
        }
    }

    /// The in-process app's batch scheduler.
    pub fn scheduler(&self) -> &Scheduler {
        self.scheduler.as_ref().expect("an in-process app")
    }

    /// The in-process app's SLA watch.
    pub fn sla_watch(&self) -> &SlaWatch {
        self.sla_watch.as_ref().expect("an in-process app")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("GET answered")
    }

    /// `GET /metrics` with the token every test server runs with.
    pub async fn metrics(&self) -> reqwest::Response {
        self.http
            .get(self.url("/metrics"))
            .bearer_auth(crate::api::METRICS_TOKEN)
            .send()
            .await
            .expect("GET /metrics answered")
    }

    pub(crate) fn child(&self) -> &tokio::process::Child {
        match &self.running {
            Running::Process(child) => child,
            Running::InProcess { .. } => panic!("this needs a child process: use Guardia::start_process"),
        }
    }

    pub(crate) fn child_mut(&mut self) -> &mut tokio::process::Child {
        match &mut self.running {
            Running::Process(child) => child,
            Running::InProcess { .. } => panic!("this needs a child process: use Guardia::start_process"),
        }
    }
}

impl Drop for Guardia {
    fn drop(&mut self) {
        if let Running::InProcess { stop, task } = &mut self.running {
            if let Some(stop) = stop.take() {
                let _ = stop.send(());
            }
            task.abort();
        }
    }
}

pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}
