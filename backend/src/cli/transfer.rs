//! `guardia db copy` and `guardia db verify`: move an installation between databases (SQLite →
//! PostgreSQL above all) and prove the copy equal, table by table and tenant by tenant.

use std::io::IsTerminal;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::db::copy::{self, CopyProgress, Mismatch};
use crate::db::{self, DatabaseUrl, DbPool};

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy every table from one database to another (migrating the target), then verify
    Copy {
        /// The database to copy from (opened read-only), e.g. sqlite://guardia.db
        #[arg(long)]
        from: String,
        /// The database to copy to, e.g. postgres://guardia:…@db.example/guardia
        #[arg(long)]
        to: String,
        /// Copy into a target that already holds tenants: those are kept as they are and
        /// skipped (this is how an interrupted copy is resumed)
        #[arg(long)]
        force: bool,
        /// Rows per read and per insert
        #[arg(long, default_value_t = copy::DEFAULT_BATCH, value_parser = clap::value_parser!(i64).range(1..=4000))]
        batch_size: i64,
    },
    /// Compare two databases: row counts and a checksum per table per tenant
    Verify {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
}

pub async fn run(command: DbCommand) -> anyhow::Result<()> {
    match command {
        DbCommand::Copy {
            from,
            to,
            force,
            batch_size,
        } => copy_and_verify(&from, &to, force, batch_size).await,
        DbCommand::Verify { from, to } => {
            let (source, target) = (parse("--from", &from)?, parse("--to", &to)?);
            let source_pool = open_source(&source).await?;
            let target_pool = DbPool::connect_read_only(&target)
                .await
                .map_err(on_side("target", format!("cannot open the target {target}")))?;
            verify(&source_pool, &target_pool, &source, &target).await
        }
    }
}

fn parse(flag: &str, raw: &str) -> anyhow::Result<DatabaseUrl> {
    DatabaseUrl::parse(Some(raw)).with_context(|| format!("{flag} is not a database URL"))
}

/// A refused connection names its side once ("cannot connect to the source postgres://…:
/// password authentication failed …"); other errors get `context`.
fn on_side(side: &str, context: String) -> impl FnOnce(db::DbError) -> anyhow::Error {
    let side = side.to_owned();
    move |error| match error {
        db::DbError::Connect { url, cause } => anyhow::anyhow!("cannot connect to the {side} {url}: {cause}"),
        other => anyhow::Error::new(other).context(context),
    }
}

async fn open_source(source: &DatabaseUrl) -> anyhow::Result<DbPool> {
    DbPool::connect_read_only(source).await.map_err(on_side(
        "source",
        format!("cannot open the source {source} read-only"),
    ))
}

/// Opens the source once it is found at this version's schema (a copy of an older one would
/// miss columns) and readable.
async fn open_checked_source(source: &DatabaseUrl) -> anyhow::Result<DbPool> {
    if let DatabaseUrl::Sqlite(path) = source
        && !path.exists()
    {
        anyhow::bail!("cannot open the source {source} read-only: the file does not exist");
    }
    let state = db::schema_state(source)
        .await
        .map_err(on_side("source", format!("cannot read the source {source}")))?;
    if !state.unknown.is_empty() {
        anyhow::bail!(
            "the source {source} was migrated by a newer GUARDiA ({} migration(s) this version does not know); \
             copy it with that version",
            state.unknown.len()
        );
    }
    if !state.missing.is_empty() {
        anyhow::bail!(
            "the source {source} lacks {} of this version's {} migration(s); nothing was copied. \
             Run `guardia migrate` against it first (DATABASE_URL=<the source> guardia migrate)",
            state.missing.len(),
            state.known
        );
    }
    // Login and schema were fine; opening the pool also checks the application role.
    let pool = open_source(source).await?;
    copy::tenant_codes(&pool)
        .await
        .map_err(on_side("source", format!("cannot read the source {source}")))?;
    Ok(pool)
}

/// The tenants a target holds, read without writing (a missing SQLite file or a database
/// without GUARDiA's tables holds none).
async fn target_tenants(target: &DatabaseUrl) -> anyhow::Result<Vec<String>> {
    if let DatabaseUrl::Sqlite(path) = target
        && !path.exists()
    {
        return Ok(Vec::new());
    }
    let context = || format!("cannot read the target {target}");
    let state = db::schema_state(target)
        .await
        .map_err(on_side("target", context()))?;
    if !state.unknown.is_empty() {
        anyhow::bail!(
            "the target {target} was migrated by a newer GUARDiA ({} migration(s) this version does not know); nothing was copied",
            state.unknown.len()
        );
    }
    if state.applied == 0 {
        return Ok(Vec::new());
    }
    let pool = DbPool::connect_read_only(target)
        .await
        .map_err(on_side("target", context()))?;
    copy::tenant_codes(&pool)
        .await
        .map_err(on_side("target", context()))
}

fn refuse_full_target(target: &DatabaseUrl, present: &[String]) -> anyhow::Result<()> {
    anyhow::bail!(
        "the target {target} already holds {} tenant(s) ({}); nothing was copied. To resume an \
         interrupted copy (tenants already there are kept and skipped), run again with --force",
        present.len(),
        present.join(", ")
    )
}

async fn copy_and_verify(from: &str, to: &str, force: bool, batch: i64) -> anyhow::Result<()> {
    let (source, target) = (parse("--from", from)?, parse("--to", to)?);
    anyhow::ensure!(source != target, "--from and --to name the same database");
    // Both ends are checked before anything is written: a refused copy leaves no file and no
    // table behind.
    let source_pool = open_checked_source(&source).await?;
    db::check_can_migrate(&target)
        .await
        .map_err(on_side("target", format!("cannot migrate the target {target}")))?;
    if !force {
        let present = target_tenants(&target).await?;
        if !present.is_empty() {
            refuse_full_target(&target, &present)?;
        }
    }

    let applied = db::run_pending(&target)
        .await
        .map_err(on_side("target", format!("cannot migrate the target {target}")))?;
    if !applied.is_empty() {
        eprintln!("migrated the target {target} ({} migrations)", applied.len());
    }
    let target_pool = DbPool::connect(&target)
        .await
        .map_err(on_side("target", format!("cannot open the target {target}")))?;
    // Again, now on the migrated target: another copy may have started meanwhile.
    let present = copy::tenant_codes(&target_pool).await?;
    if !present.is_empty() && !force {
        refuse_full_target(&target, &present)?;
    }

    let started = Instant::now();
    let progress = Bars::new();
    let summary = copy::copy(&source_pool, &target_pool, batch, &progress)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "the copy stopped: {e}. Tenants copied so far are complete (one transaction each); \
                 fix the cause and run the same command with --force to copy the rest"
            )
        })?;
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "copied {} rows of {} tenant(s) in {seconds:.1} s ({:.0} rows/s); {} tenant(s) were already there",
        summary.rows,
        summary.tenants_copied,
        summary.rows as f64 / seconds.max(0.001),
        summary.tenants_skipped
    );
    verify(&source_pool, &target_pool, &source, &target).await
}

async fn verify(
    source_pool: &DbPool,
    target_pool: &DbPool,
    source: &DatabaseUrl,
    target: &DatabaseUrl,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let from = copy::digests(source_pool, copy::DEFAULT_BATCH)
        .await
        .with_context(|| format!("cannot read the source {source}"))?;
    let to = copy::digests(target_pool, copy::DEFAULT_BATCH)
        .await
        .with_context(|| format!("cannot read the target {target}"))?;
    let mismatches = copy::compare(&from, &to);
    let rows: u64 = from.iter().map(|d| d.rows).sum();
    if mismatches.is_empty() {
        println!(
            "verified: {} tables × {} tenant(s), {rows} rows, identical counts and checksums ({:.1} s)",
            copy::TABLE_COUNT,
            from.iter().filter(|d| d.table == "tenants").count(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    for Mismatch { tenant, table, rows } in &mismatches {
        let side = |n: Option<u64>| n.map_or_else(|| "missing".to_owned(), |n| format!("{n} rows"));
        eprintln!(
            "DIFFERS  tenant {tenant:<20} table {table:<16} source {}  target {}",
            side(rows.0),
            side(rows.1)
        );
    }
    anyhow::bail!(
        "{} table(s) differ between {source} and {target} (listed above by tenant and table)",
        mismatches.len()
    )
}

/// One progress bar per table, with rows per second; plain lines when not on a terminal.
struct Bars {
    multi: MultiProgress,
    bars: std::sync::Mutex<Vec<(&'static str, ProgressBar)>>,
    tenants: std::sync::atomic::AtomicUsize,
    plain: bool,
}

impl Bars {
    fn new() -> Self {
        let plain = !std::io::stderr().is_terminal();
        let target = if plain {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        Bars {
            multi: MultiProgress::with_draw_target(target),
            bars: std::sync::Mutex::default(),
            tenants: std::sync::atomic::AtomicUsize::new(0),
            plain,
        }
    }

    fn finish(&self) {
        for (_, bar) in self.bars.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            bar.finish();
        }
    }
}

impl CopyProgress for Bars {
    fn totals(&self, totals: &[(&'static str, u64)]) {
        let style =
            ProgressStyle::with_template("{prefix:>16} [{bar:32}] {pos:>9}/{len:<9} {per_sec:>14} {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        for (table, total) in totals {
            let bar = self.multi.add(ProgressBar::new(*total));
            bar.set_style(style.clone());
            bar.set_prefix(*table);
            bars.push((table, bar));
        }
    }

    fn copied(&self, table: &'static str, rows: u64) {
        let bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, bar)) = bars.iter().find(|(t, _)| *t == table) {
            bar.inc(rows);
        }
    }

    fn tenant_done(&self, tenant: &str, skipped: bool) {
        let n = self.tenants.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if self.plain {
            let what = if skipped {
                "already in the target, skipped"
            } else {
                "copied"
            };
            eprintln!("tenant {tenant} {what} ({n} done)");
        }
    }
}
