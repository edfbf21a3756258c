//! The data generator: tenants made the way the application makes them, then their users,
//! servers, deployments, SRs and comments in multi-row INSERTs, one transaction per tenant (or
//! per batch of SRs for a large tenant). Everything is deterministic except ids and times.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use guardia_backend::db::schema::{audit_log, deployments, identities, servers, sr_comments, srs, users};
use guardia_backend::db::{self, Access, DatabaseUrl, DbConn, DbPool, PgConn, TenantTx};
use guardia_shared::Role;
use guardia_shared::deploy::{DeploymentKind, RunStatus};
use guardia_shared::sr::{SrPriority, SrStatus};
use indicatif::{ProgressBar, ProgressStyle};

use crate::client::PASSWORD;
use crate::report::{Table, duration, format_rate, rate};

/// Bind parameters one statement may carry: SQLite's compiled-in maximum and PostgreSQL's
/// protocol limit (a 16-bit count).
const SQLITE_MAX_PARAMS: usize = 32_766;
const POSTGRES_MAX_PARAMS: usize = 65_535;
/// Rows per statement at most: larger statements gain nothing and delay progress reports.
const MAX_ROWS_PER_STATEMENT: usize = 1_000;
/// SRs per transaction: bounds memory and the time SQLite's write lock is held.
const SRS_PER_TRANSACTION: u64 = 20_000;

const DEFAULT_COMMENTS_PER_SR: u64 = 1;
const DEFAULT_USERS_PER_TENANT: u64 = 10;
const DEFAULT_SERVERS_PER_TENANT: u64 = 5;
const DEFAULT_DEPLOYMENTS_PER_TENANT: u64 = 20;

/// What to generate.
#[derive(clap::Args, Clone, Debug)]
pub struct Shape {
    /// Tenants, with codes t0001, t0002, …
    #[arg(long)]
    pub tenants: u64,
    /// SRs in all, spread evenly over the tenants.
    #[arg(long)]
    pub srs: u64,
    #[arg(long, default_value_t = DEFAULT_COMMENTS_PER_SR)]
    pub comments_per_sr: u64,
    /// Users per tenant, at least one of each of the five roles (so at least 5).
    #[arg(long, default_value_t = DEFAULT_USERS_PER_TENANT)]
    pub users_per_tenant: u64,
    #[arg(long, default_value_t = DEFAULT_SERVERS_PER_TENANT)]
    pub servers_per_tenant: u64,
    /// Finished (SUCCESS) deployments of each tenant's deploy project `portal`.
    #[arg(long, default_value_t = DEFAULT_DEPLOYMENTS_PER_TENANT)]
    pub deployments_per_tenant: u64,
    /// Also write one audit entry per SR ("sr.create" by its requester).
    #[arg(long)]
    pub audit: bool,
    /// Tenants filled at the same time (default: 1 on SQLite, which has a single writer; the
    /// number of cores on PostgreSQL).
    #[arg(long)]
    pub jobs: Option<usize>,
}

impl Shape {
    /// `tenants` tenants sharing `srs` SRs, everything else as the command-line defaults.
    pub fn new(tenants: u64, srs: u64) -> Self {
        Shape {
            tenants,
            srs,
            comments_per_sr: DEFAULT_COMMENTS_PER_SR,
            users_per_tenant: DEFAULT_USERS_PER_TENANT,
            servers_per_tenant: DEFAULT_SERVERS_PER_TENANT,
            deployments_per_tenant: DEFAULT_DEPLOYMENTS_PER_TENANT,
            audit: false,
            jobs: None,
        }
    }
}

/// The code of the tenant at `index` (0-based): t0001, t0002, …
pub fn tenant_code(index: u64) -> String {
    format!("t{:04}", index + 1)
}

/// The email of the `number`th (1-based) user of a role: `engineer1@t0001.example`.
pub fn email(role: Role, number: usize, tenant: &str) -> String {
    format!("{}{number}@{tenant}.example", role_slug(role))
}

fn role_slug(role: Role) -> String {
    role.as_str().to_lowercase().replace('_', "-")
}

/// The share of `total` that part `index` of `parts` gets; shares differ by at most one.
fn share(total: u64, parts: u64, index: u64) -> u64 {
    total / parts + u64::from(index < total % parts)
}

/// The role of a tenant's `index`th user: one of each role first, then customers and
/// engineers alternately (the people who file and work SRs).
fn role_of(index: u64) -> Role {
    const FIRST: [Role; 5] = [
        Role::Engineer,
        Role::Customer,
        Role::Pm,
        Role::Admin,
        Role::DeployEngineer,
    ];
    match usize::try_from(index).ok().and_then(|i| FIRST.get(i)) {
        Some(role) => *role,
        None if index % 2 == 1 => Role::Customer,
        None => Role::Engineer,
    }
}

/// A well-mixed 64-bit hash (splitmix64), for varied but reproducible data.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Picks one of `items` with bits of `hash`.
fn pick<T>(items: &[T], hash: u64) -> &T {
    let len = u64::try_from(items.len()).unwrap_or(u64::MAX).max(1);
    let index = usize::try_from(hash % len).unwrap_or(0);
    &items[index]
}

const SUBJECTS: &[&str] = &[
    "Printer jams on floor 3",
    "VPN drops every hour",
    "New account for a clerk",
    "Disk almost full on the file server",
    "Certificate expires soon",
    "Slow portal login",
    "Backup job failed",
    "Request a test database",
];

const COMMENTS: &[&str] = &[
    "Looking into it.",
    "Could you send a screenshot?",
    "Fixed on our side; please check.",
    "Waiting for the vendor.",
];

// Rows for the tables whose backend structs have optional columns: diesel's derive writes
// `None` as DEFAULT there, and a SQLite batch with DEFAULT runs one INSERT per row. These
// write NULL instead, so both backends get true multi-row INSERTs.

#[derive(Insertable)]
#[diesel(table_name = srs, treat_none_as_default_value = false)]
struct SrRow {
    tenant_id: String,
    id: String,
    title: String,
    description: String,
    status: SrStatus,
    priority: SrPriority,
    requester_id: String,
    assignee_id: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    #[diesel(embed)]
    sla: db::sr::SrSla,
}

#[derive(Insertable)]
#[diesel(table_name = servers, treat_none_as_default_value = false)]
struct ServerRow {
    tenant_id: String,
    id: String,
    name: String,
    host: String,
    os: Option<String>,
    environment: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = deployments, treat_none_as_default_value = false)]
struct DeploymentRow {
    tenant_id: String,
    id: String,
    project_id: String,
    kind: DeploymentKind,
    status: RunStatus,
    target_build: Option<i32>,
    queue_item_id: Option<i64>,
    build_number: Option<i32>,
    reason: Option<String>,
    parameters: String,
    triggered_by: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    finished_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
struct AuditRow {
    tenant_id: String,
    id: String,
    actor_id: Option<String>,
    action: String,
    target: Option<String>,
    outcome: String,
    detail: Option<String>,
    at: NaiveDateTime,
}

/// Rows per statement for a table of `columns` columns under a bind-parameter limit.
fn rows_per_statement(max_params: usize, columns: usize) -> usize {
    (max_params / columns.max(1)).clamp(1, MAX_ROWS_PER_STATEMENT)
}

/// Inserts a `Vec` of rows into a table of `$columns` columns in multi-row statements, on the
/// tenant transaction's own connection (so PostgreSQL's row-level security checks each row
/// against the transaction's tenant). SQLite's statements run on its blocking thread in one
/// go; PostgreSQL's are awaited one by one.
macro_rules! insert_rows {
    ($tx:expr, $table:expr, $columns:expr, $rows:expr) => {{
        let rows = $rows;
        let count = rows.len();
        match $tx.raw_connection_for_tests() {
            DbConn::Sqlite(pooled) => {
                let per_statement = rows_per_statement(SQLITE_MAX_PARAMS, $columns);
                pooled
                    .spawn_blocking(move |c| {
                        for chunk in rows.chunks(per_statement) {
                            diesel::RunQueryDsl::execute(diesel::insert_into($table).values(chunk), c)?;
                        }
                        Ok(())
                    })
                    .await?;
            }
            DbConn::Postgres(pooled) => {
                let c: &mut PgConn = &mut **pooled;
                let per_statement = rows_per_statement(POSTGRES_MAX_PARAMS, $columns);
                for chunk in rows.chunks(per_statement) {
                    diesel_async::RunQueryDsl::execute(diesel::insert_into($table).values(chunk), c).await?;
                }
            }
        }
        count as u64
    }};
}

/// Rows written per table, shared by the workers.
#[derive(Default)]
struct Counts {
    tenants: AtomicU64,
    users: AtomicU64,
    servers: AtomicU64,
    deploy_projects: AtomicU64,
    deployments: AtomicU64,
    srs: AtomicU64,
    sr_comments: AtomicU64,
    audit_log: AtomicU64,
}

/// What a run wrote and how long it took.
pub struct Stats {
    rows: Vec<(&'static str, u64)>,
    pub elapsed: Duration,
    backend: &'static str,
}

impl Stats {
    pub fn total(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }

    pub fn print(&self) {
        let mut table = Table::new(&["table", "rows"]);
        for (name, rows) in &self.rows {
            table.row(vec![(*name).to_owned(), rows.to_string()]);
        }
        table.row(vec!["total".to_owned(), self.total().to_string()]);
        table.print();
        println!(
            "{}: {} rows in {} = {} rows/s",
            self.backend,
            self.total(),
            duration(self.elapsed),
            format_rate(rate(self.total(), self.elapsed))
        );
    }
}

/// The people of one tenant, by role.
struct People {
    engineers: Vec<String>,
    customers: Vec<String>,
    /// Engineers and PMs: staff who also file SRs.
    staff: Vec<String>,
    deployer: String,
}

/// Migrates `url` and fills it as `shape` says.
pub async fn run(url: &DatabaseUrl, shape: &Shape) -> anyhow::Result<Stats> {
    anyhow::ensure!(shape.tenants >= 1, "--tenants must be at least 1");
    anyhow::ensure!(
        shape.users_per_tenant >= 5,
        "--users-per-tenant must be at least 5 (one per role)"
    );
    db::run_pending(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot migrate {url}: {e}"))?;
    let pool = DbPool::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to {url}: {e}"))?;
    // One argon2 hash for every user: hashing a million users' passwords would take hours.
    let hash = tokio::task::spawn_blocking(|| guardia_backend::auth::password::hash_password(PASSWORD))
        .await?
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    let jobs = shape.jobs.unwrap_or(match url {
        DatabaseUrl::Sqlite(_) => 1,
        DatabaseUrl::Postgres(_) => std::thread::available_parallelism().map_or(2, usize::from),
    });
    let progress = ProgressBar::new(shape.srs).with_style(
        ProgressStyle::with_template(
            "{elapsed:>4} [{bar:40}] {human_pos}/{human_len} SRs, {per_sec}, eta {eta}",
        )
        .context("progress template")?
        .progress_chars("=> "),
    );
    eprintln!(
        "generating {} tenants and {} SRs on {url} ({jobs} at a time)",
        shape.tenants, shape.srs
    );
    let started = Instant::now();
    let counts = Arc::new(Counts::default());
    let next_tenant = Arc::new(AtomicU64::new(0));
    let shape_shared = Arc::new(shape.clone());
    let hash = Arc::new(hash);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..jobs.max(1) {
        let (pool, shape, hash) = (pool.clone(), shape_shared.clone(), hash.clone());
        let (counts, next_tenant, progress) = (counts.clone(), next_tenant.clone(), progress.clone());
        workers.spawn(async move {
            loop {
                let index = next_tenant.fetch_add(1, Ordering::Relaxed);
                if index >= shape.tenants {
                    return anyhow::Ok(());
                }
                fill_tenant(&pool, &shape, &hash, index, &counts, &progress)
                    .await
                    .with_context(|| format!("while filling tenant {}", tenant_code(index)))?;
            }
        });
    }
    while let Some(result) = workers.join_next().await {
        result??;
    }
    progress.finish_and_clear();
    if let DatabaseUrl::Postgres(raw) = url {
        vacuum_analyze(raw).await?;
    }
    let elapsed = started.elapsed();
    let read = |n: &AtomicU64| n.load(Ordering::Relaxed);
    let mut rows = vec![
        ("tenants", read(&counts.tenants)),
        ("users", read(&counts.users)),
        ("servers", read(&counts.servers)),
        ("deploy_projects", read(&counts.deploy_projects)),
        ("deployments", read(&counts.deployments)),
        ("srs", read(&counts.srs)),
        ("sr_comments", read(&counts.sr_comments)),
    ];
    if shape.audit {
        rows.push(("audit_log", read(&counts.audit_log)));
    }
    Ok(Stats {
        rows,
        elapsed,
        backend: url.backend_name(),
    })
}

/// PostgreSQL plans with table statistics and skips all-visible pages once vacuumed, which
/// autovacuum would see to a minute or so after a bulk load; doing it now makes the first
/// measurements representative. (SQLite is left as the server leaves it, without statistics.)
async fn vacuum_analyze(raw: &str) -> anyhow::Result<()> {
    crate::scratch::as_login_user(raw, "VACUUM ANALYZE").await
}

async fn fill_tenant(
    pool: &DbPool,
    shape: &Shape,
    hash: &str,
    index: u64,
    counts: &Counts,
    progress: &ProgressBar,
) -> anyhow::Result<()> {
    let code = tenant_code(index);
    let mut tx = pool.tenant_tx(&code, Access::Write).await?;
    // The tenant row as the application writes it (`guardia tenant create`).
    db::tenant::create(&mut tx, &format!("Institution {code}"), false).await?;
    counts.tenants.fetch_add(1, Ordering::Relaxed);
    let people = insert_people(&mut tx, shape, hash, counts).await?;
    insert_servers(&mut tx, shape, counts).await?;
    insert_deployments(&mut tx, shape, &people, counts).await?;

    tx.commit().await?;

    let total = share(shape.srs, shape.tenants, index);
    let mut done = 0;
    while done < total {
        let batch = (total - done).min(SRS_PER_TRANSACTION);
        let mut tx = pool.tenant_tx(&code, Access::Write).await?;
        insert_srs(&mut tx, shape, &people, index, done, batch, counts).await?;
        tx.commit().await?;
        done += batch;
        progress.inc(batch);
    }
    Ok(())
}

async fn insert_people(
    tx: &mut TenantTx,
    shape: &Shape,
    hash: &str,
    counts: &Counts,
) -> anyhow::Result<People> {
    let code = tx.tenant_id().to_owned();
    let at = db::now();
    let mut numbers = std::collections::HashMap::new();
    // Each generated user is a person of their own (their login).
    let mut people_rows = Vec::new();
    let mut rows = Vec::new();
    let mut people = People {
        engineers: Vec::new(),
        customers: Vec::new(),
        staff: Vec::new(),
        deployer: String::new(),
    };
    for i in 0..shape.users_per_tenant {
        let role = role_of(i);
        let number = numbers.entry(role).or_insert(0_usize);
        *number += 1;
        let id = db::new_id();
        match role {
            Role::Engineer => {
                people.engineers.push(id.clone());
                people.staff.push(id.clone());
            }
            Role::Pm => people.staff.push(id.clone()),
            Role::Customer => people.customers.push(id.clone()),
            Role::DeployEngineer => people.deployer = id.clone(),
            Role::Admin => {}
        }
        let address = email(role, *number, &code);
        people_rows.push(db::identity::Identity {
            id: id.clone(),
            email: address.clone(),
            password_hash: hash.to_owned(),
            active: true,
            session_epoch: 0,
            last_tenant_id: Some(code.clone()),
            created_at: at,
            updated_at: at,
        });
        rows.push(db::user::User {
            tenant_id: code.clone(),
            identity_id: id.clone(),
            granted_by_operator: false,
            id,
            email: address,
            name: format!(
                "{code} {} {number}",
                role.as_str().to_lowercase().replace('_', " ")
            ),
            role,
            active: true,
            created_at: at,
            updated_at: at,
            session_epoch: 0,
        });
    }
    // The backend's own row struct: it has no optional column, so it batches on SQLite too.
    insert_rows!(tx, identities::table, 8, people_rows);
    let n = insert_rows!(tx, users::table, 11, rows);
    counts.users.fetch_add(n, Ordering::Relaxed);
    Ok(people)
}

async fn insert_servers(tx: &mut TenantTx, shape: &Shape, counts: &Counts) -> anyhow::Result<()> {
    let code = tx.tenant_id().to_owned();
    let at = db::now();
    let rows: Vec<ServerRow> = (1..=shape.servers_per_tenant)
        .map(|i| ServerRow {
            tenant_id: code.clone(),
            id: db::new_id(),
            name: format!("web-{i:02}"),
            host: format!("web-{i:02}.{code}.example"),
            os: Some("Rocky Linux 9".to_owned()),
            environment: Some(if i % 3 == 0 { "staging" } else { "prod" }.to_owned()),
            created_at: at,
            updated_at: at,
        })
        .collect();
    let n = insert_rows!(tx, servers::table, 8, rows);
    counts.servers.fetch_add(n, Ordering::Relaxed);
    Ok(())
}

async fn insert_deployments(
    tx: &mut TenantTx,
    shape: &Shape,
    people: &People,
    counts: &Counts,
) -> anyhow::Result<()> {
    let code = tx.tenant_id().to_owned();
    let project = db::deploy::create_project(
        tx,
        db::deploy::NewDeployProject {
            name: "portal",
            // Each tenant's jobs live in its own Jenkins folder.
            jenkins_job: &format!("{code}/portal"),
            rollback_parameter: db::deploy::DEFAULT_ROLLBACK_PARAMETER,
        },
    )
    .await?;
    counts.deploy_projects.fetch_add(1, Ordering::Relaxed);
    let at = db::now();
    let rows: Vec<DeploymentRow> = (1..=shape.deployments_per_tenant)
        .map(|i| {
            let build = i32::try_from(i).unwrap_or(i32::MAX);
            DeploymentRow {
                tenant_id: code.clone(),
                id: db::new_id(),
                project_id: project.id.clone(),
                kind: DeploymentKind::Deploy,
                status: RunStatus::Success,
                target_build: None,
                queue_item_id: Some(i64::from(build) + 1000),
                build_number: Some(build),
                reason: Some(format!("release {i}")),
                parameters: r#"[{"name":"VERSION","value":"latest"}]"#.to_owned(),
                triggered_by: people.deployer.clone(),
                created_at: at,
                updated_at: at,
                finished_at: Some(at),
            }
        })
        .collect();
    let n = insert_rows!(tx, deployments::table, 14, rows);
    counts.deployments.fetch_add(n, Ordering::Relaxed);
    Ok(())
}

/// Targets (response, resolution minutes) per priority, as a contract might set them.
const SLA_TARGETS: [(SrPriority, i32, i32); 4] = [
    (SrPriority::Urgent, 30, 240),
    (SrPriority::High, 60, 480),
    (SrPriority::Medium, 240, 1_440),
    (SrPriority::Low, 480, 2_880),
];

/// An SR's service-level clocks as the server stores them, for an SR filed and moved to
/// `status` at `at`, on office hours in Seoul.
fn sla_clocks(priority: SrPriority, status: SrStatus, at: NaiveDateTime) -> db::sr::SrSla {
    use guardia_backend::sla::{BusinessCalendar, Moment, MomentKind};
    let (_, response, resolution) = SLA_TARGETS
        .into_iter()
        .find(|(p, ..)| *p == priority)
        .unwrap_or(SLA_TARGETS[3]);
    let targets = db::sr::SrSla {
        sla_response_target_minutes: Some(response),
        sla_resolution_target_minutes: Some(resolution),
        ..db::sr::SrSla::default()
    };
    let created = Moment {
        at: at.and_utc(),
        kind: MomentKind::Created,
        status: SrStatus::Open,
        by_staff: false,
    };
    let mut timeline = vec![created.clone()];
    if status != SrStatus::Open {
        timeline.push(Moment {
            kind: MomentKind::StatusChanged,
            status,
            by_staff: true,
            ..created
        });
    }
    let calendar = BusinessCalendar::office_hours(chrono_tz::Asia::Seoul);
    guardia_backend::service::sla::worked_out(&targets, &timeline, &calendar)
}

/// Inserts SRs `first..first + count` of tenant `tenant_index`, with their comments (and audit
/// entries); ids increase in that order, so the last SR written is the newest.
async fn insert_srs(
    tx: &mut TenantTx,
    shape: &Shape,
    people: &People,
    tenant_index: u64,
    first: u64,
    count: u64,
    counts: &Counts,
) -> anyhow::Result<()> {
    let code = tx.tenant_id().to_owned();
    let at = db::now();
    let capacity = usize::try_from(count).unwrap_or(0);
    let mut sr_rows = Vec::with_capacity(capacity);
    let mut comment_rows = Vec::new();
    let mut audit_rows = Vec::new();
    for n in first..first + count {
        let h = mix((tenant_index << 32) ^ n);
        let status = *pick(SrStatus::ALL, h);
        let priority = *pick(SrPriority::ALL, h >> 8);
        // Three SRs in four come from customers, the rest from staff.
        let requester = if (h >> 16).is_multiple_of(4) {
            pick(&people.staff, h >> 20)
        } else {
            pick(&people.customers, h >> 20)
        };
        // Open SRs wait for an engineer; four in five of the others have one.
        let assignee = (status != SrStatus::Open && !(h >> 28).is_multiple_of(5))
            .then(|| pick(&people.engineers, h >> 32).clone());
        let sr_id = db::new_id();
        for c in 0..shape.comments_per_sr {
            let author = match (&assignee, c % 2) {
                (Some(engineer), 1) => engineer.clone(),
                _ => requester.clone(),
            };
            comment_rows.push(db::sr::SrComment {
                tenant_id: code.clone(),
                id: db::new_id(),
                sr_id: sr_id.clone(),
                author_id: author,
                body: (*pick(COMMENTS, (h >> 40) + c)).to_owned(),
                created_at: at,
            });
        }
        if shape.audit {
            audit_rows.push(AuditRow {
                tenant_id: code.clone(),
                id: db::new_id(),
                actor_id: Some(requester.clone()),
                action: "sr.create".to_owned(),
                target: Some(sr_id.clone()),
                outcome: "success".to_owned(),
                detail: None,
                at,
            });
        }
        sr_rows.push(SrRow {
            tenant_id: code.clone(),
            id: sr_id,
            title: format!("{} #{}", pick(SUBJECTS, h >> 44), n + 1),
            description: "Reported by phone; details in the first comment.".to_owned(),
            status,
            priority,
            requester_id: requester.clone(),
            assignee_id: assignee,
            created_at: at,
            updated_at: at,
            sla: sla_clocks(priority, status, at),
        });
    }
    let n = insert_rows!(tx, srs::table, 25, sr_rows);
    counts.srs.fetch_add(n, Ordering::Relaxed);
    // The backend's comment struct has no optional column either.
    let n = insert_rows!(tx, sr_comments::table, 6, comment_rows);
    counts.sr_comments.fetch_add(n, Ordering::Relaxed);
    if shape.audit {
        let n = insert_rows!(tx, audit_log::table, 8, audit_rows);
        counts.audit_log.fetch_add(n, Ordering::Relaxed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_and_differ_by_at_most_one() {
        let shares: Vec<u64> = (0..7).map(|i| share(100, 7, i)).collect();
        assert_eq!(shares.iter().sum::<u64>(), 100);
        assert!(
            shares
                .iter()
                .max()
                .zip(shares.iter().min())
                .is_some_and(|(a, b)| a - b <= 1)
        );
        assert_eq!(share(3, 10, 9), 0);
    }

    #[test]
    fn every_role_comes_first_then_customers_and_engineers() {
        let roles: Vec<Role> = (0..10).map(role_of).collect();
        for role in Role::ALL {
            assert!(roles.contains(role), "{role} missing");
        }
        assert_eq!(roles.iter().filter(|r| **r == Role::Customer).count(), 4);
        assert_eq!(roles.iter().filter(|r| **r == Role::Engineer).count(), 3);
        assert_eq!(
            email(Role::DeployEngineer, 1, "t0001"),
            "deploy-engineer1@t0001.example"
        );
        assert_eq!(tenant_code(0), "t0001");
    }

    #[test]
    fn statements_stay_under_the_bind_limits() {
        assert_eq!(rows_per_statement(SQLITE_MAX_PARAMS, 10), 1_000);
        assert_eq!(rows_per_statement(100, 14), 7);
        assert!(rows_per_statement(SQLITE_MAX_PARAMS, 14) * 14 <= SQLITE_MAX_PARAMS);
    }
}
