//! The one place the application is assembled: [`App::build`] turns a checked [`Config`] into
//! migrated storage, the services, the follow-up worker and the router; [`App::serve`] serves it
//! on a listener. `guardia serve`, `guardia demo` and the tests all come through here.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::HeaderValue;
use tokio::net::TcpListener;

use crate::auth::artifact_link::ArtifactLinkKey;
use crate::auth::login_limiter::LoginLimiter;
use crate::auth::session_cache::SessionCache;
use crate::auth::token::TokenKeys;
use crate::config::{RunMode, Secrets};
use crate::crypto::credential::CredentialCipher;
use crate::db::{self, DatabaseUrl, DbPool};
use crate::events::{DeployEvents, SlaEvents};
use crate::graphql::{self, AppFlags, Services};
use crate::http::{self, AppSetup, AppState, GraphqlState, MetricsToken, TrustedProxies};
use crate::jenkins::{Breaker, Jenkins, JenkinsClient, JenkinsConfig};
use crate::scheduler::{ScheduleTime, Scheduler};
use crate::sla_watch::SlaWatch;
use crate::tenant_jenkins::JenkinsDirectory;
use crate::worker::{ActiveTenants, Worker};

/// Everything the application needs, already parsed and checked (the command line builds it in
/// `cli::serve`; the demo and the tests build it directly).
pub struct Config {
    pub database: DatabaseUrl,
    pub mode: RunMode,
    pub secrets: Secrets,
    /// The installation's Jenkins; `None`: only tenants with their own Jenkins can deploy.
    pub jenkins: Option<JenkinsConfig>,
    /// Longest wait for one answer from a tenant's own Jenkins.
    pub jenkins_timeout: Duration,
    /// The pause between two looks at a queued or running build.
    pub jenkins_poll: Duration,
    /// Trunk's output folder with the web app.
    pub web_dir: PathBuf,
    /// Other browser origins allowed to call the API.
    pub cors_origins: Vec<HeaderValue>,
    /// Whether `GET /graphql` shows the GraphiQL playground to a browser.
    pub graphiql: bool,
    /// Whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// The bearer token `/metrics` wants; `None`: `/metrics` answers 404.
    pub metrics_token: Option<MetricsToken>,
    /// How long a login lasts.
    pub token_lifetime: chrono::Duration,
    /// `guardia serve` (all false) or `guardia demo`.
    pub flags: AppFlags,
    /// The time zone batch schedules are read in, and the clock they are read against.
    pub schedule_time: ScheduleTime,
    /// Whether the scheduler looks for due batch runs and the SLA watch for clocks crossing
    /// 75 % or their target by themselves (every minute); false: only when told
    /// ([`App::scheduler`], [`App::sla_watch`], for tests that move the clock themselves).
    pub run_scheduler: bool,
}

/// The assembled application: storage migrated, worker running, router ready.
pub struct App {
    router: Router,
    services: Arc<Services>,
    scheduler: Scheduler,
    sla_watch: SlaWatch,
    database: DatabaseUrl,
    started: Instant,
    background: Background,
}

/// The worker and the event listener: they live as long as the [`App`] (or its serving), so an
/// app that stops, or is dropped unserved, leaves nothing running.
struct Background(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

impl App {
    /// Migrates the database, connects, starts the follow-up worker and the event hub, and
    /// builds the router.
    pub async fn build(config: Config) -> anyhow::Result<App> {
        let started = Instant::now();
        let applied = db::run_pending(&config.database).await?;
        if !applied.is_empty() {
            tracing::info!(count = applied.len(), "applied migrations");
        }
        let pool = DbPool::connect(&config.database).await?;

        let default_jenkins: Option<Arc<dyn Jenkins>> = match config.jenkins {
            Some(jenkins) => Some(Arc::new(Breaker::new(
                JenkinsClient::new(jenkins).map_err(anyhow::Error::msg)?,
            ))),
            None => None,
        };
        let cipher = CredentialCipher::new(config.secrets.credential_key.expose());
        let jenkins = Arc::new(JenkinsDirectory::new(
            default_jenkins,
            config.jenkins_timeout,
            cipher.clone(),
        ));
        let active_runs = Arc::new(ActiveTenants::default());
        let (events, listener) = DeployEvents::start(pool.clone(), &config.database, active_runs.clone());
        // Always: a tenant may have its own Jenkins though the installation has none.
        let worker = Worker {
            pool: pool.clone(),
            jenkins: jenkins.clone(),
            events: events.clone(),
            active: active_runs.clone(),
            poll: config.jenkins_poll,
        }
        .spawn();
        let scheduler = Scheduler {
            pool: pool.clone(),
            jenkins: jenkins.clone(),
            active: active_runs.clone(),
            time: config.schedule_time.clone(),
        };
        let (sla_events, sla_listener) = SlaEvents::start(pool.clone(), &config.database);
        let sla_watch = SlaWatch {
            pool: pool.clone(),
            events: sla_events.clone(),
            time: config.schedule_time.clone(),
        };
        let ticking = config
            .run_scheduler
            .then(|| [scheduler.clone().spawn(), sla_watch.clone().spawn()]);
        let background = Background(
            listener
                .into_iter()
                .chain(sla_listener)
                .chain([worker])
                .chain(ticking.into_iter().flatten())
                .collect(),
        );
        let jwt_secret = config.secrets.jwt_secret.expose();
        let services = Arc::new(Services {
            pool,
            tokens: TokenKeys::new(jwt_secret).with_lifetime(config.token_lifetime),
            sessions: SessionCache::default(),
            cipher,
            login_limiter: LoginLimiter::default(),
            jenkins,
            events,
            sla_events,
            active_runs,
            artifact_links: ArtifactLinkKey::new(jwt_secret),
            app: config.flags,
            schedule_time: config.schedule_time,
        });
        let state = AppState {
            graphql: GraphqlState {
                schemas: graphql::Schemas::build(config.mode == RunMode::Production),
                services: services.clone(),
            },
            metrics: http::metrics_handle(),
            graphiql: config.graphiql,
            metrics_token: config.metrics_token,
            trusted_proxies: Arc::new(config.trusted_proxies),
        };
        let router = http::router(AppSetup {
            state,
            web_dir: config.web_dir,
            cors_origins: config.cors_origins,
        });
        Ok(App {
            router,
            services,
            scheduler,
            sla_watch,
            database: config.database,
            started,
            background,
        })
    }

    /// The batch scheduler, to look for due runs now (its own loop, when it runs, looks every
    /// minute).
    pub fn scheduler(&self) -> Scheduler {
        self.scheduler.clone()
    }

    /// The SLA watch, to announce crossings now (its own loop, when it runs, looks every
    /// minute).
    pub fn sla_watch(&self) -> SlaWatch {
        self.sla_watch.clone()
    }

    /// The connection pool (for start-up hints and the demo's seeding).
    pub fn pool(&self) -> &DbPool {
        &self.services.pool
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
    pub async fn serve(self, listener: TcpListener) -> anyhow::Result<()> {
        self.serve_until(listener, shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn serve_until(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let local = listener.local_addr()?;
        let _background = self.background;
        tracing::info!(
            database = %self.database,
            startup_ms = self.started.elapsed().as_millis(),
            "GUARDiA ITSM listening on http://{local}"
        );
        axum::serve(
            listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        tracing::info!("stopped");
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
