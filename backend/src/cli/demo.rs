//! `guardia demo`: a working installation in one command, for trying GUARDiA out. It deletes
//! and recreates its own SQLite file (`./guardia-demo.db`), fills it with an operator and two
//! institutions (every role, servers, agents, SRs in every status, a deploy project with a
//! ledger, a batch job), starts a Jenkins simulator in-process on loopback, and then serves
//! exactly like `guardia serve`, printing the URL and the logins.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use guardia_shared::Role;

mod data;
mod seed;
mod service_levels;
mod simulator;

use data::{INSTITUTIONS, OPERATOR, ROLES, Tenant, email};
use seed::{Heartbeat, seed};
use simulator::start_simulator;

use super::serve;
use crate::app::{App, Config};
use crate::auth::token::DEFAULT_TOKEN_LIFETIME;
use crate::config::RunMode;
use crate::crypto::credential::CredentialCipher;
use crate::db::{self, DatabaseUrl, DbPool};
use crate::graphql::AppFlags;
use crate::http::TrustedProxies;
use crate::jenkins::{JenkinsClient, JenkinsConfig};
use crate::scheduler::{ScheduleTime, SystemClock};

/// The password of every demo login.
pub const PASSWORD: &str = "guardia-demo-1234";

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Address to listen on. Only this option moves it off loopback: `GUARDIA_BIND` is for real
    /// installations, and the demo prints its admin password
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// The demo's SQLite file. It is DELETED and recreated at every start (with its -wal and
    /// -shm files, and nothing else); a file holding other tenants is refused.
    #[arg(long, default_value = "guardia-demo.db")]
    pub file: PathBuf,
    /// Trunk's output folder with the web app
    #[arg(long, env = "GUARDIA_WEB_DIR", default_value = "dist")]
    pub web_dir: PathBuf,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let bind = crate::config::parse_bind(&args.bind)?;
    start_fresh(&args.file).await?;

    let sim = start_simulator().await?;
    let jenkins_config = JenkinsConfig {
        url: url::Url::parse(&sim.url()).context("the simulator's URL")?,
        user: sim.user().to_owned(),
        token: sim.token().to_owned(),
        timeout: Duration::from_secs(5),
    };
    let secrets = serve::load_secrets(RunMode::Development)?;
    let url = DatabaseUrl::Sqlite(args.file.clone());
    db::run_pending(&url).await?;
    let pool = DbPool::connect(&url).await?;
    let cipher = CredentialCipher::new(secrets.credential_key.expose());
    let client = JenkinsClient::new(jenkins_config.clone()).map_err(anyhow::Error::msg)?;
    let heartbeats = seed(&pool, &cipher, &client)
        .await
        .context("cannot fill the demo database")?;
    drop(pool);

    let config = Config {
        database: url,
        mode: RunMode::Development,
        secrets,
        jenkins: Some(jenkins_config),
        jenkins_timeout: Duration::from_secs(5),
        jenkins_poll: Duration::from_millis(500),
        web_dir: args.web_dir.clone(),
        cors_origins: Vec::new(),
        graphiql: true,
        trusted_proxies: TrustedProxies::default(),
        metrics_token: None,
        token_lifetime: DEFAULT_TOKEN_LIFETIME,
        flags: AppFlags {
            demo: true,
            jenkins_simulated: true,
        },
        schedule_time: ScheduleTime {
            timezone: service_levels::DEMO_TIMEZONE,
            clock: Arc::new(SystemClock),
        },
        run_scheduler: true,
    };
    let app = App::build(config).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind} (--bind)"))?;
    let local = reachable(listener.local_addr()?, bind);
    print_welcome(local, &args.file, &sim.url());
    tokio::spawn(keep_agents_online(local, heartbeats));
    let served = app.serve(listener).await;
    sim.shutdown();
    served
}

/// Deletes the demo's file (and its -wal and -shm), after making sure it is a demo database.
async fn start_fresh(file: &Path) -> anyhow::Result<()> {
    let metadata = match std::fs::metadata(file) {
        Ok(metadata) => Some(metadata),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot look at {}", file.display())),
    };
    if let Some(metadata) = &metadata {
        if !metadata.is_file() {
            bail!("--file {} is not a file", file.display());
        }
        if metadata.len() > 0 && !is_demo_database(file).await {
            bail!(
                "{} is not a GUARDiA demo database (it holds other tenants, or is no GUARDiA \
                 database at all). `guardia demo` deletes its file at every start, so it leaves \
                 this one alone: choose another --file, or delete it yourself.",
                file.display()
            );
        }
    }
    let mut removed = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot delete {}", path.display())),
        }
    }
    if removed.is_empty() {
        println!("guardia demo: creating {}", file.display());
    } else {
        println!(
            "guardia demo: starting fresh: deleted {} (the demo's own database; nothing else)",
            removed.join(", ")
        );
    }
    Ok(())
}

/// Whether the file is a GUARDiA database whose tenants are all the demo's.
async fn is_demo_database(file: &Path) -> bool {
    let url = DatabaseUrl::Sqlite(file.to_owned());
    let tenants = async {
        let pool = DbPool::connect_read_only(&url).await?;
        let mut tx = pool.operator_tx().await?;
        let tenants = db::tenant::list_all(&mut tx).await?;
        tx.rollback().await?;
        Ok::<_, db::DbError>(tenants)
    };
    let demo_codes = [
        OPERATOR.code,
        INSTITUTIONS[0].tenant.code,
        INSTITUTIONS[1].tenant.code,
    ];
    tenants.await.is_ok_and(|tenants| {
        tenants
            .iter()
            .all(|t| demo_codes.contains(&t.code.as_str()) && t.name.ends_with("(demo)"))
    })
}

/// The address to print and call: a wildcard bind is reached on loopback.
fn reachable(local: SocketAddr, bind: SocketAddr) -> SocketAddr {
    let ip = if local.ip().is_unspecified() {
        if bind.is_ipv6() {
            std::net::Ipv6Addr::LOCALHOST.into()
        } else {
            std::net::Ipv4Addr::LOCALHOST.into()
        }
    } else {
        local.ip()
    };
    SocketAddr::new(ip, local.port())
}

/// The block a newcomer reads: where to go, that Jenkins is simulated, and how to log in.
fn print_welcome(local: SocketAddr, file: &Path, jenkins_url: &str) {
    use std::io::Write;
    let rule = "=".repeat(78);
    let mut text = String::new();
    text.push_str(&format!("\n{rule}\n"));
    text.push_str(&format!("  GUARDiA ITSM demo is running: http://{local}/\n"));
    text.push_str(&format!(
        "  Database: {} (sample data; deleted and recreated at every `guardia demo`)\n",
        file.display()
    ));
    text.push_str(&format!(
        "  Jenkins is SIMULATED: an in-process simulator on loopback ({jenkins_url}).\n"
    ));
    text.push_str("  Deploys, rollbacks and batch runs go to it, not to a real Jenkins.\n\n");
    text.push_str(&format!("  Password for every login: {PASSWORD}\n\n"));
    text.push_str(&format!("  {:<34} {:<16} {}\n", "email", "role", "tenant"));
    text.push_str(&format!("  {:<34} {:<16} {}\n", "-----", "----", "------"));
    let line = |email: &str, role: Role, tenant: &Tenant| {
        format!(
            "  {email:<34} {:<16} {} — {}\n",
            role.as_str(),
            tenant.code,
            tenant.name
        )
    };
    text.push_str(&line(&email("admin", OPERATOR.code), Role::Admin, &OPERATOR));
    let institutions: Vec<&str> = INSTITUTIONS.iter().map(|i| i.tenant.code).collect();
    text.push_str(&format!(
        "  {:<34} {:<16} {} and {} (one login; switch in the header)\n",
        email("engineer", OPERATOR.code),
        Role::Engineer.as_str(),
        OPERATOR.code,
        institutions.join(", ")
    ));
    for institution in &INSTITUTIONS {
        for (role, slug) in ROLES.into_iter().filter(|(role, _)| *role != Role::Engineer) {
            text.push_str(&line(
                &email(slug, institution.tenant.code),
                role,
                &institution.tenant,
            ));
        }
    }
    text.push_str("\n  Ctrl-C stops it. For a real installation use `guardia serve` (see README.md).\n");
    text.push_str(&format!("{rule}\n"));
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Sends each demo agent's heartbeat through the real endpoint every 30 s, so it stays ONLINE.
async fn keep_agents_online(local: SocketAddr, agents: Vec<Heartbeat>) {
    let Ok(http) = reqwest::Client::builder().timeout(Duration::from_secs(5)).build() else {
        return;
    };
    let url = format!("http://{local}/agent/heartbeat");
    let mut every = tokio::time::interval(Duration::from_secs(30));
    loop {
        every.tick().await;
        for agent in &agents {
            let body = serde_json::json!({ "version": "1.4.2", "hostname": agent.hostname });
            let sent = http.post(&url).bearer_auth(&agent.token).json(&body).send().await;
            if let Err(error) = sent.and_then(reqwest::Response::error_for_status) {
                tracing::warn!(%error, "the demo agent's heartbeat failed");
            }
        }
    }
}
