//! `guardia serve`: the settings from flags and environment, then [`App`] until SIGTERM or Ctrl-C.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::app::{App, Config};
use crate::auth::token::{DEFAULT_TOKEN_LIFETIME, parse_lifetime};
use crate::config::{RunMode, Secrets, parse_bind};
use crate::db::{self, DatabaseUrl, DbPool};
use crate::graphql::AppFlags;
use crate::http::{MetricsToken, TrustedProxies};
use crate::jenkins::JenkinsConfig;
use crate::scheduler::{ScheduleTime, SystemClock};

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
    /// The time zone batch schedules are read in (an IANA name)
    #[arg(long, env = "GUARDIA_TIMEZONE", default_value = "Asia/Seoul")]
    pub timezone: String,
    /// How long a login lasts, e.g. `90` (minutes), `45m`, `8h`: 5 minutes to 24 hours (8 hours by default)
    #[arg(long, env = "GUARDIA_TOKEN_TTL")]
    pub token_ttl: Option<String>,
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

impl ServeArgs {
    /// The settings `guardia serve` was given (flags or environment), checked. The secrets are
    /// asked for last, so that wrong settings fail before development mode generates any.
    pub fn into_config(
        self,
        database: DatabaseUrl,
        secrets: impl FnOnce(RunMode) -> anyhow::Result<Secrets>,
    ) -> anyhow::Result<Config> {
        let mode = RunMode::from_env_value(self.run_mode.as_deref())?;
        Ok(Config {
            database,
            mode,
            jenkins: self.jenkins.config()?,
            jenkins_timeout: Duration::from_secs(self.jenkins.timeout_secs),
            jenkins_poll: Duration::from_millis(self.jenkins.poll_ms),
            web_dir: self.web_dir,
            cors_origins: parse_cors_origins(&self.cors_origins)?,
            graphiql: parse_switch("GUARDIA_GRAPHIQL", &self.graphiql)?,
            trusted_proxies: TrustedProxies::parse(&self.trusted_proxies).map_err(anyhow::Error::msg)?,
            metrics_token: self
                .metrics_token
                .as_deref()
                .filter(|t| !t.is_empty())
                .map(MetricsToken::new)
                .transpose()
                .map_err(anyhow::Error::msg)?,
            token_lifetime: match self.token_ttl.as_deref().map(str::trim) {
                Some(value) if !value.is_empty() => {
                    parse_lifetime(value).map_err(|why| anyhow::anyhow!("GUARDIA_TOKEN_TTL: {why}"))?
                }
                _ => DEFAULT_TOKEN_LIFETIME,
            },
            flags: AppFlags::default(),
            schedule_time: ScheduleTime {
                timezone: self.timezone.trim().parse().map_err(|_| {
                    anyhow::anyhow!(
                        "GUARDIA_TIMEZONE: '{}' is not a time zone name such as Asia/Seoul or UTC",
                        self.timezone
                    )
                })?,
                clock: Arc::new(SystemClock),
            },
            run_scheduler: true,
            secrets: secrets(mode)?,
        })
    }

    /// The settings `guardia serve FLAGS` reads (flags, then the environment, then clap's
    /// defaults); no flags is what `guardia` alone runs with.
    pub fn parse_flags<I, T>(flags: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        #[derive(clap::Parser)]
        struct Serve {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let command =
            std::iter::once(std::ffi::OsString::from("serve")).chain(flags.into_iter().map(Into::into));
        <Serve as clap::Parser>::try_parse_from(command).map(|parsed| parsed.serve)
    }
}

pub async fn run(url: DatabaseUrl, args: ServeArgs) -> anyhow::Result<()> {
    let bind = parse_bind(&args.bind)?;
    let config = args.into_config(url, load_secrets)?;
    if config.jenkins.is_none() {
        tracing::warn!(
            "JENKINS_URL is not set: deploys, build history and batch runs are unavailable, \
             except for tenants the operator gave their own Jenkins"
        );
    }
    let app = App::build(config).await?;
    hint_when_empty(app.pool()).await;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind} (GUARDIA_BIND)"))?;
    app.serve(listener).await
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

/// An on/off setting (`on`, `off`; also `true`/`false`, `1`/`0`).
fn parse_switch(name: &str, value: &str) -> anyhow::Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "" => Ok(true),
        "off" | "false" | "0" => Ok(false),
        other => anyhow::bail!("{name} must be `on` or `off`, not '{other}'"),
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
