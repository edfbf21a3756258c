//! `guardia serve`: migrate, then serve until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use crate::config::{RunMode, Secrets, parse_bind};
use crate::db::{self, DatabaseUrl, DbPool};
use crate::http::{self, AppSetup, AppState};

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
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            bind: std::env::var("GUARDIA_BIND").unwrap_or_else(|_| "127.0.0.1:8080".into()),
            run_mode: std::env::var("GUARDIA_ENV").ok(),
            web_dir: std::env::var_os("GUARDIA_WEB_DIR").map_or_else(|| PathBuf::from("dist"), PathBuf::from),
        }
    }
}

pub async fn run(url: DatabaseUrl, args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let mode = RunMode::from_env_value(args.run_mode.as_deref())?;
    let bind: SocketAddr = parse_bind(&args.bind)?;
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

    let applied = db::run_pending(&url).await?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    let pool = DbPool::connect(&url).await?;
    hint_when_empty(&pool).await;

    let state = AppState {
        db: pool,
        secrets: Arc::new(secrets),
        metrics: http::metrics_handle(),
    };
    let app = http::router(AppSetup {
        state,
        web_dir: args.web_dir,
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
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
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
