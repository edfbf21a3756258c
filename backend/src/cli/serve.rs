//! `guardia serve`: migrate, then serve until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;

use crate::auth::artifact_link::ArtifactLinkKey;
use crate::auth::login_limiter::LoginLimiter;
use crate::auth::token::{DEFAULT_TOKEN_LIFETIME, TokenKeys, parse_lifetime};
use crate::config::{RunMode, Secrets, parse_bind};
use crate::crypto::credential::CredentialCipher;
use crate::db::{self, DatabaseUrl, DbPool};
use crate::events::DeployEvents;
use crate::graphql::{self, AppFlags, Services};
use crate::http::{self, AppSetup, AppState, GraphqlState, MetricsToken, TrustedProxies};
use crate::jenkins::{Breaker, Jenkins, JenkinsClient, JenkinsConfig};
use crate::tenant_jenkins::JenkinsDirectory;
use crate::worker::{ActiveTenants, Worker};

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(long, env = "GUARDIA_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// `production` refuses missing or weak secrets; anything else is development
    #[arg(long = "env", env = "GUARDIA_ENV")]
    pub run_mode: Option<String>,
    /// Trunk's output folder with the web app
    #[arg(long, env = "GUARDIA_WEB_DIR", default_value = "dist")]
    pub web_dir: PathBuf,
    /// Other browser origins allowed to call the API, comma-separated (none by default)
    #[arg(long, env = "GUARDIA_CORS_ORIGINS", default_value = "")]
    pub cors_origins: String,
    /// `off` turns off the GraphiQL playground at GET /graphql (`on` by default)
    #[arg(long, env = "GUARDIA_GRAPHIQL", default_value = "on")]
    pub graphiql: String,
    /// Reverse proxies whose X-Forwarded-For names the client: addresses or networks,
    /// comma-separated (none by default: the TCP peer is the client)
    #[arg(long, env = "GUARDIA_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// The bearer token /metrics requires (at least 16 characters); unset: /metrics answers 404
    #[arg(long, env = "GUARDIA_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    #[command(flatten)]
    pub jenkins: JenkinsArgs,
}

/// Where Jenkins is; without `JENKINS_URL` deploy operations answer UPSTREAM_UNAVAILABLE.
#[derive(Debug, Clone, Args)]
pub struct JenkinsArgs {
    /// Jenkins' base URL, e.g. https://ci.example.com/
    #[arg(long = "jenkins-url", env = "JENKINS_URL")]
    pub url: Option<String>,
    /// The Jenkins user GUARDiA acts as
    #[arg(long = "jenkins-user", env = "JENKINS_USER")]
    pub user: Option<String>,
    /// That user's API token (not a password: API tokens need no CSRF crumb)
    #[arg(long = "jenkins-token", env = "JENKINS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Longest wait for one Jenkins answer, in seconds (1-8: an API call ends after 10 s)
    #[arg(long = "jenkins-timeout", env = "JENKINS_TIMEOUT_SECS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=8))]
    pub timeout_secs: u64,
    /// Pause between two looks at a queued or running build, in milliseconds
    #[arg(long = "jenkins-poll-ms", env = "GUARDIA_JENKINS_POLL_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub poll_ms: u64,
}

impl JenkinsArgs {
    /// Where Jenkins is, if configured; a half configuration is an error.
    fn config(&self) -> anyhow::Result<Option<JenkinsConfig>> {
        let Some(raw) = self.url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let url = url::Url::parse(raw.trim()).with_context(|| format!("JENKINS_URL '{raw}' is not a URL"))?;
        let (Some(user), Some(token)) = (self.user.clone(), self.token.clone()) else {
            anyhow::bail!("JENKINS_URL is set, so JENKINS_USER and JENKINS_TOKEN must be set too");
        };
        Ok(Some(JenkinsConfig {
            url,
            user,
            token,
            timeout: Duration::from_secs(self.timeout_secs),
        }))
    }
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            bind: std::env::var("GUARDIA_BIND").unwrap_or_else(|_| "127.0.0.1:8080".into()),
            run_mode: std::env::var("GUARDIA_ENV").ok(),
            web_dir: std::env::var_os("GUARDIA_WEB_DIR").map_or_else(|| PathBuf::from("dist"), PathBuf::from),
            cors_origins: std::env::var("GUARDIA_CORS_ORIGINS").unwrap_or_default(),
            graphiql: std::env::var("GUARDIA_GRAPHIQL").unwrap_or_else(|_| "on".into()),
            trusted_proxies: std::env::var("GUARDIA_TRUSTED_PROXIES").unwrap_or_default(),
            metrics_token: std::env::var("GUARDIA_METRICS_TOKEN").ok(),
            jenkins: JenkinsArgs::from_env(),
        }
    }
}

impl JenkinsArgs {
    fn from_env() -> Self {
        let number = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        JenkinsArgs {
            url: std::env::var("JENKINS_URL").ok(),
            user: std::env::var("JENKINS_USER").ok(),
            token: std::env::var("JENKINS_TOKEN").ok(),
            timeout_secs: number("JENKINS_TIMEOUT_SECS", 5).clamp(1, 8),
            poll_ms: number("GUARDIA_JENKINS_POLL_MS", 1000).clamp(100, 60_000),
        }
    }
}

impl ServeArgs {
    /// The trusted proxies and the `/metrics` token, checked.
    fn operations(&self) -> anyhow::Result<(TrustedProxies, Option<MetricsToken>)> {
        let proxies = TrustedProxies::parse(&self.trusted_proxies).map_err(anyhow::Error::msg)?;
        let token = self
            .metrics_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(MetricsToken::new)
            .transpose()
            .map_err(anyhow::Error::msg)?;
        Ok((proxies, token))
    }
}

/// What `serve` is given beyond its arguments: `guardia serve` reads it from the environment,
/// `guardia demo` brings its own (the simulator's Jenkins, the demo flags).
pub(super) struct Launch {
    pub mode: RunMode,
    pub secrets: Secrets,
    /// `None`: deploy operations answer UPSTREAM_UNAVAILABLE.
    pub jenkins: Option<JenkinsConfig>,
    pub flags: AppFlags,
    /// Runs once the server listens, with its address (the demo prints its logins).
    pub on_listening: Option<Box<dyn FnOnce(SocketAddr) + Send>>,
}

pub async fn run(url: DatabaseUrl, args: ServeArgs) -> anyhow::Result<()> {
    let mode = RunMode::from_env_value(args.run_mode.as_deref())?;
    // Wrong settings fail before any secret is generated.
    parse_bind(&args.bind)?;
    args.operations()?;
    let secrets = load_secrets(mode)?;
    let jenkins = args.jenkins.config()?;
    if jenkins.is_none() {
        tracing::warn!(
            "JENKINS_URL is not set: deploys, build history and batch runs are unavailable, \
             except for tenants the operator gave their own Jenkins"
        );
    }
    let launch = Launch {
        mode,
        secrets,
        jenkins,
        flags: AppFlags::default(),
        on_listening: None,
    };
    serve(url, args, launch).await
}

/// The secrets from the environment; in development, missing ones come from (or go to)
/// `./.guardia-dev-secrets`, which is said loudly.
pub(super) fn load_secrets(mode: RunMode) -> anyhow::Result<Secrets> {
    let secrets = Secrets::load(
        mode,
        std::env::var("GUARDIA_JWT_SECRET").ok().as_deref(),
        std::env::var("GUARDIA_CREDENTIAL_KEY").ok().as_deref(),
        &super::workdir(),
    )?;
    if mode == RunMode::Development {
        tracing::warn!(
            "DEVELOPMENT MODE: secrets not set in the environment are generated and kept in \
             ./.guardia-dev-secrets. For real use set GUARDIA_ENV=production, GUARDIA_JWT_SECRET \
             and GUARDIA_CREDENTIAL_KEY."
        );
    }
    Ok(secrets)
}

/// Migrates, then serves until SIGTERM or Ctrl-C.
pub(super) async fn serve(url: DatabaseUrl, args: ServeArgs, launch: Launch) -> anyhow::Result<()> {
    let started = Instant::now();
    let Launch {
        mode,
        secrets,
        jenkins,
        flags,
        on_listening,
    } = launch;
    let bind: SocketAddr = parse_bind(&args.bind)?;
    let graphiql = parse_switch("GUARDIA_GRAPHIQL", &args.graphiql)?;
    let (trusted_proxies, metrics_token) = args.operations()?;
    let token_lifetime = token_lifetime()?;

    let applied = db::run_pending(&url).await?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    let pool = DbPool::connect(&url).await?;
    if !flags.demo {
        hint_when_empty(&pool).await;
    }

    let default_jenkins: Option<Arc<dyn Jenkins>> = match jenkins {
        Some(config) => Some(Arc::new(Breaker::new(
            JenkinsClient::new(config).map_err(anyhow::Error::msg)?,
        ))),
        None => None,
    };
    let cipher = CredentialCipher::new(secrets.credential_key.expose());
    let jenkins = Arc::new(JenkinsDirectory::new(
        default_jenkins,
        Duration::from_secs(args.jenkins.timeout_secs),
        cipher.clone(),
    ));
    let active_runs = Arc::new(ActiveTenants::default());
    let events = DeployEvents::start(pool.clone(), &url, active_runs.clone());
    // Always: a tenant may have its own Jenkins though the installation has none.
    Worker {
        pool: pool.clone(),
        jenkins: jenkins.clone(),
        events: events.clone(),
        active: active_runs.clone(),
        poll: Duration::from_millis(args.jenkins.poll_ms),
    }
    .spawn();
    let services = Arc::new(Services {
        pool,
        tokens: TokenKeys::new(secrets.jwt_secret.expose()).with_lifetime(token_lifetime),
        cipher,
        login_limiter: LoginLimiter::default(),
        jenkins,
        events,
        active_runs,
        artifact_links: ArtifactLinkKey::new(secrets.jwt_secret.expose()),
        app: flags,
    });
    let schema = graphql::build_schema(mode == RunMode::Production);
    let state = AppState {
        graphql: GraphqlState { schema, services },
        metrics: http::metrics_handle(),
        graphiql,
        metrics_token,
        trusted_proxies: Arc::new(trusted_proxies),
    };
    let app = http::router(AppSetup {
        state,
        web_dir: args.web_dir,
        cors_origins: parse_cors_origins(&args.cors_origins)?,
    });
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind} (GUARDIA_BIND)"))?;
    let local = listener.local_addr()?;
    tracing::info!(
        database = %url,
        startup_ms = started.elapsed().as_millis(),
        "GUARDiA ITSM listening on http://{local}"
    );
    if let Some(on_listening) = on_listening {
        on_listening(local);
    }
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}

/// An on/off setting (`on`, `off`; also `true`/`false`, `1`/`0`).
fn parse_switch(name: &str, value: &str) -> anyhow::Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "" => Ok(true),
        "off" | "false" | "0" => Ok(false),
        other => anyhow::bail!("{name} must be `on` or `off`, not '{other}'"),
    }
}

/// How long a login lasts: `GUARDIA_TOKEN_TTL` (e.g. `90`, `45m`, `8h`), refused outside
/// 5 minutes to 24 hours.
fn token_lifetime() -> anyhow::Result<chrono::Duration> {
    match std::env::var("GUARDIA_TOKEN_TTL") {
        Ok(value) if !value.trim().is_empty() => {
            parse_lifetime(&value).map_err(|why| anyhow::anyhow!("GUARDIA_TOKEN_TTL: {why}"))
        }
        _ => Ok(DEFAULT_TOKEN_LIFETIME),
    }
}

/// Tells a newcomer how to get a first login when the database holds no tenant yet.
async fn hint_when_empty(pool: &DbPool) {
    let Ok(mut tx) = pool.operator_tx().await else {
        return;
    };
    if let Ok(tenants) = db::tenant::list_all(&mut tx).await
        && tenants.is_empty()
    {
        tracing::info!(
            "no tenant yet; create one with: guardia tenant create --code ops --name \"Operator\" --operator \
             && guardia user create --tenant ops --email admin@example.com --name Admin --role ADMIN"
        );
    }
    let _ = tx.rollback().await;
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

/// `https://a.example, https://b.example` → header values; each must be a plain origin.
fn parse_cors_origins(list: &str) -> anyhow::Result<Vec<axum::http::HeaderValue>> {
    list.split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.trim_end_matches('/').contains(['?', '#'])
                && origin.matches('/').count() == 2;
            anyhow::ensure!(
                valid,
                "GUARDIA_CORS_ORIGINS: '{origin}' is not an origin like https://app.example.com"
            );
            Ok(axum::http::HeaderValue::from_str(origin)?)
        })
        .collect()
}
