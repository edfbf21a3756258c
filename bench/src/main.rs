//! `guardia-bench`: fills a database with many tenants and SRs, then measures the real `guardia`
//! binary over HTTP (README.md, "Benchmarks"). Figures go to stdout as plain tables, progress
//! to stderr.

mod baseline;
mod client;
mod generate;
mod jenkins_hang;
mod load;
mod peer;
mod report;
mod scale;
mod scheduler;
mod scratch;
mod server;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use guardia_backend::db::DatabaseUrl;

#[derive(Parser)]
#[command(
    name = "guardia-bench",
    version,
    about = "Data generator and load benchmarks for GUARDiA"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate a database and fill it with tenants, users, servers, deployments, SRs and comments.
    Generate {
        /// `sqlite://PATH` or `postgres://…`
        #[arg(long)]
        database: String,
        #[command(flatten)]
        shape: generate::Shape,
    },
    /// Start `guardia serve` on a generated database and drive it with concurrent clients.
    Load {
        /// A database `generate` filled (its first tenant's users log in).
        #[arg(long)]
        database: String,
        /// Concurrent client connections.
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Measured seconds per scenario (after one second of warm-up).
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[command(flatten)]
        guardia: GuardiaBin,
    },
    /// GUARDiA beside PostGraphile 4.14.1 (installed from npm) on the same generated
    /// PostgreSQL database, row-level security in both, the same client and questions, in
    /// interleaved rounds: req/s, p50, p99, peak RSS and the ratio.
    Peer {
        /// A PostgreSQL database `generate` filled (its first tenant's engineer asks).
        #[arg(long)]
        database: String,
        /// Concurrent client connections, one table row each.
        #[arg(long, value_delimiter = ',', default_value = "16,64")]
        connections: Vec<usize>,
        /// Measured seconds per server per round (after one second of warm-up).
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Interleaved rounds per table cell.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        #[command(flatten)]
        guardia: GuardiaBin,
    },
    /// Tenant B's `createSr` on SQLite while tenant A's deploys wait on a hanging Jenkins,
    /// side by side with a quiet Jenkins.
    JenkinsHang {
        /// Concurrent connections writing for tenant B.
        #[arg(long, default_value_t = 8)]
        connections: usize,
        /// Measured seconds per round (after one second of warm-up).
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// The server's JENKINS_TIMEOUT_SECS (how long one hanging call is waited for).
        #[arg(long, default_value_t = 5)]
        jenkins_timeout: u64,
        #[command(flatten)]
        guardia: GuardiaBin,
    },
    /// The `srs(first:50)` latency, first and last page, at growing database sizes.
    Scale {
        #[arg(long, value_enum)]
        backend: Backend,
        /// Total SRs of each database, spread over the tenants.
        #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
        sizes: Vec<u64>,
        #[arg(long, default_value_t = 1000)]
        tenants: u64,
        /// The PostgreSQL server to create the `guardia_bench_<size>` databases on.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
        postgres: String,
        /// Sequential timed requests per figure.
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// Keep the generated databases.
        #[arg(long)]
        keep: bool,
        #[command(flatten)]
        guardia: GuardiaBin,
    },
    /// Serves the raw-handler baseline of `load` and `peer` (started by them).
    #[command(hide = true)]
    RawHandler {
        #[arg(long)]
        database: String,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        port: u16,
    },
    /// The batch scheduler: its cost per idle tenant, and how late due times start over
    /// simulated minutes (p50/p99).
    Scheduler {
        #[arg(long, value_enum, default_value = "postgres")]
        backend: Backend,
        #[arg(long, default_value_t = 1000)]
        tenants: usize,
        /// Tenants with a job due every minute.
        #[arg(long, default_value_t = 10)]
        due_tenants: usize,
        /// Simulated minutes (each a look of the scheduler).
        #[arg(long, default_value_t = 30)]
        minutes: usize,
        /// The PostgreSQL server to create `guardia_bench_scheduler` on.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
        postgres: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &DatabaseUrl) -> Self {
        match url {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(clap::Args)]
struct GuardiaBin {
    /// The release `guardia` binary (default: the one beside this binary).
    #[arg(long)]
    guardia: Option<PathBuf>,
}

impl GuardiaBin {
    fn resolve(self) -> anyhow::Result<PathBuf> {
        let path = match self.guardia {
            Some(path) => path,
            None => std::env::current_exe()
                .context("cannot find this binary's path")?
                .with_file_name("guardia"),
        };
        anyhow::ensure!(
            path.is_file(),
            "{} is missing: build it with `cargo build --release --bin guardia` or pass --guardia",
            path.display()
        );
        Ok(path)
    }
}

fn parse_url(raw: &str) -> anyhow::Result<DatabaseUrl> {
    DatabaseUrl::parse(Some(raw)).map_err(|e| anyhow::anyhow!("{e}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Generate { database, shape } => {
            let url = parse_url(&database)?;
            let stats = generate::run(&url, &shape).await?;
            stats.print();
        }
        Command::Peer {
            database,
            connections,
            seconds,
            rounds,
            guardia,
        } => {
            let settings = peer::Settings {
                url: parse_url(&database)?,
                connections: connections.into_iter().map(|c| c.max(1)).collect(),
                seconds: seconds.max(1),
                rounds: rounds.max(1),
                guardia: guardia.resolve()?,
            };
            peer::run(&settings).await?;
        }
        Command::Load {
            database,
            connections,
            seconds,
            guardia,
        } => {
            let settings = load::Settings {
                url: parse_url(&database)?,
                connections: connections.max(1),
                seconds: seconds.max(1),
                guardia: guardia.resolve()?,
            };
            load::run(&settings).await?;
        }
        Command::JenkinsHang {
            connections,
            seconds,
            jenkins_timeout,
            guardia,
        } => {
            let settings = jenkins_hang::Settings {
                connections: connections.max(1),
                seconds: seconds.max(1),
                jenkins_timeout_secs: jenkins_timeout.clamp(1, 8),
                guardia: guardia.resolve()?,
            };
            jenkins_hang::run(&settings).await?;
        }
        Command::Scale {
            backend,
            sizes,
            tenants,
            postgres,
            requests,
            keep,
            guardia,
        } => {
            let settings = scale::Settings {
                backend,
                sizes,
                tenants: tenants.max(1),
                postgres,
                requests: requests.max(1),
                keep,
                guardia: guardia.resolve()?,
            };
            scale::run(&settings).await?;
        }
        Command::RawHandler {
            database,
            tenant,
            port,
        } => baseline::serve(&parse_url(&database)?, &tenant, port).await?,
        Command::Scheduler {
            backend,
            tenants,
            due_tenants,
            minutes,
            postgres,
        } => {
            let settings = scheduler::Settings {
                backend,
                tenants: tenants.max(1),
                due_tenants: due_tenants.clamp(1, tenants.max(1)),
                minutes: minutes.max(1),
                postgres,
            };
            scheduler::run(&settings).await?;
        }
    }
    Ok(())
}
