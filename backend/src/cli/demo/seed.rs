//! Fills the demo database through the same services as the API (tenants, users), then the
//! sample objects, back-dated so the dashboard shows a plausible past.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use guardia_shared::Role;
use guardia_shared::Role::{Admin, DeployEngineer, Engineer};
use guardia_shared::deploy::RunStatus;
use guardia_shared::sr::SrStatus;

use super::PASSWORD;
use super::data::*;
use super::service_levels;
use super::simulator::{builds_of, nightly_job, portal_job};
use crate::auth::password::hash_password;
use crate::crypto::agent_token;
use crate::crypto::credential::{Credential, CredentialCipher};
use crate::db::audit::NewAuditEntry;
use crate::db::schema::{agents, batch_runs, deployments, sr_comments, srs};
use crate::db::{self, Access, DbPool, TenantTx};
use crate::db_run;
use crate::jenkins::Jenkins;
use crate::service::audit::Actor;
use crate::service::tenant as tenant_service;
use crate::service::user::{self as user_service, CheckedAccount};

/// An agent the demo keeps reporting: its token and the body of its heartbeat.
pub(super) struct Heartbeat {
    pub(super) token: String,
    pub(super) hostname: String,
}

/// Fills the database; returns the agents to keep online.
pub(super) async fn seed(
    pool: &DbPool,
    cipher: &CredentialCipher,
    jenkins: &dyn Jenkins,
) -> anyhow::Result<Vec<Heartbeat>> {
    // One hash for every demo login (one password); argon2 is slow on purpose.
    let hash = tokio::task::spawn_blocking(|| hash_password(PASSWORD)).await??;
    let mut tx = pool.tenant_tx(OPERATOR.code, Access::Write).await?;
    tenant_service::insert(&mut tx, OPERATOR.name, true, None, BY_DEMO).await?;
    let admin = demo_account(
        "admin",
        OPERATOR.code,
        "GUARDiA 운영자 (Ops admin)",
        Role::Admin,
        &hash,
    )?;
    let admin = user_service::insert(&mut tx, &admin, None).await?;
    let staff = demo_account("engineer", OPERATOR.code, STAFF_ENGINEER, Role::Engineer, &hash)?;
    user_service::insert(&mut tx, &staff, None).await?;
    seeded(&mut tx, &admin.id).await?;
    tx.commit().await?;

    let mut heartbeats = Vec::new();
    for institution in &INSTITUTIONS {
        heartbeats.push(seed_institution(pool, &hash, cipher, jenkins, institution).await?);
    }
    Ok(heartbeats)
}

/// The demo's batch schedule (a real installation would run its report nightly).
pub(super) const DEMO_SCHEDULE: &str = "*/5 * * * *";

/// What the demo's tenants record as having created them.
pub(super) const BY_DEMO: Actor<'static> = Actor::System {
    note: "guardia demo: sample data",
};

/// A demo login, checked like any other; every one has the demo password, hashed once.
pub(super) fn demo_account(
    slug: &str,
    tenant: &str,
    name: &str,
    role: Role,
    hash: &str,
) -> anyhow::Result<CheckedAccount> {
    CheckedAccount::with_hash(&email(slug, tenant), name, role, PASSWORD, hash)
        .with_context(|| format!("the demo login {}", email(slug, tenant)))
}

pub(super) async fn seeded(tx: &mut TenantTx, actor: &str) -> anyhow::Result<()> {
    let tenant = tx.tenant_id().to_owned();
    db::audit::record(
        tx,
        NewAuditEntry {
            actor_id: Some(actor),
            action: "demo.seed",
            target: Some(&tenant),
            outcome: "success",
            detail: Some("guardia demo: sample data"),
        },
    )
    .await?;
    Ok(())
}

pub(super) fn naive(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc().trunc_subsecs(6)
}

pub(super) fn run_status(result: Option<&str>) -> RunStatus {
    match result {
        Some("SUCCESS") => RunStatus::Success,
        Some("UNSTABLE") => RunStatus::Unstable,
        Some("ABORTED" | "NOT_BUILT") => RunStatus::Aborted,
        _ => RunStatus::Failure,
    }
}

pub(super) async fn seed_institution(
    pool: &DbPool,
    hash: &str,
    cipher: &CredentialCipher,
    jenkins: &dyn Jenkins,
    institution: &Institution,
) -> anyhow::Result<Heartbeat> {
    let code = institution.tenant.code;
    let portal_builds = builds_of(jenkins, &portal_job(code)).await?;
    let nightly_builds = builds_of(jenkins, &nightly_job(code)).await?;
    let now = Utc::now();

    let mut tx = pool.tenant_tx(code, Access::Write).await?;
    tenant_service::insert(&mut tx, institution.tenant.name, false, None, BY_DEMO).await?;
    let mut users: HashMap<Role, String> = HashMap::new();
    for ((role, slug), name) in ROLES.iter().zip(institution.people) {
        let user = if *role == Engineer {
            // The operator's engineer: one more membership of the same person.
            let staff = db::identity::find(&mut tx, &email(slug, OPERATOR.code))
                .await?
                .context("the operator's engineer is seeded first")?;
            let member = db::user::NewMember {
                email: &staff.email,
                name,
                role: *role,
                identity: &staff,
                granted_by_operator: true,
            };
            db::user::add_member(&mut tx, member).await?
        } else {
            let account = demo_account(slug, code, name, *role, hash)?;
            user_service::insert(&mut tx, &account, None).await?
        };
        users.insert(*role, user.id);
    }
    let user = |role: Role| users.get(&role).cloned().unwrap_or_default();

    // Servers; the first has a sealed credential.
    let mut server_ids = Vec::new();
    for spec in &institution.servers {
        let server = db::server::create(
            &mut tx,
            db::server::NewServer {
                name: spec.name,
                host: spec.host,
                os: Some(spec.os),
                environment: Some(spec.environment),
            },
        )
        .await?;
        server_ids.push(server.id);
    }
    let credential = Credential {
        username: "deploy".into(),
        password: "demo-Only-S3cret!".into(),
    };
    let sealed = cipher.seal(code, &server_ids[0], &credential);
    db::server::set_credential(&mut tx, &server_ids[0], Some(&sealed)).await?;

    // Agents: the first reports now (and keeps reporting while the demo runs), the second
    // was last heard of three hours ago.
    let mut online = None;
    for (index, server_id) in server_ids.iter().take(2).enumerate() {
        let agent_id = db::new_id();
        let (token, token_hash) = agent_token::issue(code, &agent_id);
        let hostname = institution.servers[index].name;
        db::agent::create(
            &mut tx,
            db::agent::NewAgent {
                id: &agent_id,
                server_id,
                name: &format!("agent-{hostname}"),
                token_hash: &token_hash,
            },
        )
        .await?;
        db::agent::record_heartbeat(&mut tx, &agent_id, "1.4.2", hostname).await?;
        if index == 0 {
            online = Some(Heartbeat {
                token,
                hostname: hostname.to_owned(),
            });
        } else {
            backdate_heartbeat(&mut tx, &agent_id, naive(now - chrono::Duration::hours(3))).await?;
        }
    }

    // Service levels first: each SR takes the targets of its priority when it is filed. The
    // hospital works round the clock; the city hall keeps office hours.
    service_levels::set_up(&mut tx, institution.round_the_clock, now).await?;

    // SRs, oldest first (ids are time-ordered), with their comments and SLA timelines.
    for spec in institution.srs {
        let created = now - chrono::Duration::hours(spec.hours_ago);
        let sr = db::sr::create(
            &mut tx,
            db::sr::NewSr {
                title: spec.title,
                description: spec.description,
                priority: spec.priority,
                requester_id: &user(spec.requester),
                at: naive(created),
            },
        )
        .await?;
        if spec.status != SrStatus::Open || spec.assignee.is_some() {
            let changes = db::sr::SrChanges {
                status: Some(spec.status),
                assignee_id: spec.assignee.map(|role| Some(user(role))),
                ..Default::default()
            };
            db::sr::update(&mut tx, &sr.id, &changes).await?;
        }
        // Comments spread over the SR's life so far.
        let step = (now - created) / i32::try_from(spec.comments.len() + 1).unwrap_or(1);
        let mut updated = created;
        let mut first_staff_reply = None;
        for (index, (author, body)) in spec.comments.iter().enumerate() {
            let comment = db::sr::add_comment(&mut tx, &sr.id, &user(*author), body).await?;
            updated = created + step * i32::try_from(index + 1).unwrap_or(1);
            backdate_comment(&mut tx, &comment.id, naive(updated)).await?;
            if *author != Role::Customer && first_staff_reply.is_none() {
                first_staff_reply = Some(updated);
            }
        }
        if spec.comments.is_empty() && spec.status != SrStatus::Open {
            updated = created + step;
        }
        backdate_sr(&mut tx, &sr.id, naive(created), naive(updated)).await?;
        let history = service_levels::History {
            created,
            filed_by_staff: spec.requester != Role::Customer,
            first_staff_reply,
            settled: updated,
            status: spec.status,
        };
        let sr = db::sr::get(&mut tx, &sr.id).await?;
        service_levels::replay(&mut tx, sr, &history).await?;
    }

    // The deploy project and its ledger, matching the simulator's builds.
    let project = db::deploy::create_project(
        &mut tx,
        db::deploy::NewDeployProject {
            name: "portal",
            jenkins_job: &portal_job(code),
            rollback_parameter: db::deploy::DEFAULT_ROLLBACK_PARAMETER,
        },
    )
    .await?;
    for spec in &LEDGER {
        let build = portal_builds
            .get(&spec.build)
            .with_context(|| format!("simulated build #{} of {}", spec.build, portal_job(code)))?;
        let parameters = match spec.target {
            Some(target) => vec![(
                db::deploy::DEFAULT_ROLLBACK_PARAMETER.to_owned(),
                target.to_string(),
            )],
            None => vec![("VERSION".to_owned(), "latest".to_owned())],
        };
        let parameters = serde_json::to_string(&parameters)?;
        let target = spec.target.and_then(|t| i32::try_from(t).ok());
        let row = db::deploy::create_deployment(
            &mut tx,
            db::deploy::NewDeployment {
                project_id: &project.id,
                kind: spec.kind,
                target_build: target,
                queue_item_id: build.queue_id.and_then(|id| i64::try_from(id).ok()),
                reason: Some(spec.reason),
                parameters: &parameters,
                triggered_by: &user(spec.by),
            },
        )
        .await?;
        let finished = build.timestamp + chrono::Duration::milliseconds(build.duration_ms);
        let progress = db::deploy::DeploymentProgress {
            status: Some(run_status(build.result.as_deref())),
            build_number: i32::try_from(build.number).ok(),
            finished_at: Some(naive(finished)),
            ..Default::default()
        };
        db::deploy::record_progress(&mut tx, &row.id, &progress).await?;
        let queued = build.timestamp - chrono::Duration::seconds(5);
        backdate_deployment(&mut tx, &row.id, naive(queued), naive(finished)).await?;
    }

    // The batch job and its last runs.
    let job = db::batch::create_job(
        &mut tx,
        db::batch::NewBatchJob {
            name: "nightly-report",
            jenkins_job: &nightly_job(code),
            // Every five minutes, so that a newcomer sees the scheduler start runs.
            schedule: DEMO_SCHEDULE,
            enabled: true,
            catch_up: true,
        },
    )
    .await?;
    for number in NIGHTLY_BUILDS - 2..=NIGHTLY_BUILDS {
        let build = nightly_builds
            .get(&number)
            .with_context(|| format!("simulated build #{number} of {}", nightly_job(code)))?;
        let run = db::batch::create_run(
            &mut tx,
            db::batch::NewBatchRun {
                batch_job_id: &job.id,
                triggered_by: Some(&user(DeployEngineer)),
                scheduled_for: None,
                queue_item_id: build.queue_id.and_then(|id| i64::try_from(id).ok()),
            },
        )
        .await?;
        let finished = build.timestamp + chrono::Duration::milliseconds(build.duration_ms);
        let progress = db::batch::BatchRunProgress {
            status: Some(run_status(build.result.as_deref())),
            build_number: i32::try_from(build.number).ok(),
            finished_at: Some(naive(finished)),
            ..Default::default()
        };
        db::batch::record_run_progress(&mut tx, &run.id, &progress).await?;
        backdate_run(&mut tx, &run.id, naive(build.timestamp), naive(finished)).await?;
    }

    seeded(&mut tx, &user(Admin)).await?;
    tx.commit().await?;
    online.context("the demo's online agent")
}

// Sample rows get plausible times in the past. The storage layer stamps rows with "now", so
// the demo moves them back here (demo data only).

pub(super) async fn backdate_sr(
    tx: &mut TenantTx,
    id: &str,
    created: NaiveDateTime,
    updated: NaiveDateTime,
) -> anyhow::Result<()> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        diesel::update(srs::table.filter(srs::tenant_id.eq(&tenant).and(srs::id.eq(id))))
            .set((srs::created_at.eq(created), srs::updated_at.eq(updated)))
            .execute(c)
            .await
    })?;
    Ok(())
}

pub(super) async fn backdate_comment(tx: &mut TenantTx, id: &str, at: NaiveDateTime) -> anyhow::Result<()> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        diesel::update(
            sr_comments::table.filter(sr_comments::tenant_id.eq(&tenant).and(sr_comments::id.eq(id))),
        )
        .set(sr_comments::created_at.eq(at))
        .execute(c)
        .await
    })?;
    Ok(())
}

pub(super) async fn backdate_deployment(
    tx: &mut TenantTx,
    id: &str,
    created: NaiveDateTime,
    finished: NaiveDateTime,
) -> anyhow::Result<()> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        diesel::update(
            deployments::table.filter(deployments::tenant_id.eq(&tenant).and(deployments::id.eq(id))),
        )
        .set((
            deployments::created_at.eq(created),
            deployments::updated_at.eq(finished),
            deployments::finished_at.eq(Some(finished)),
        ))
        .execute(c)
        .await
    })?;
    Ok(())
}

pub(super) async fn backdate_run(
    tx: &mut TenantTx,
    id: &str,
    started: NaiveDateTime,
    finished: NaiveDateTime,
) -> anyhow::Result<()> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        diesel::update(batch_runs::table.filter(batch_runs::tenant_id.eq(&tenant).and(batch_runs::id.eq(id))))
            .set((
                batch_runs::started_at.eq(started),
                batch_runs::updated_at.eq(finished),
                batch_runs::finished_at.eq(Some(finished)),
            ))
            .execute(c)
            .await
    })?;
    Ok(())
}

pub(super) async fn backdate_heartbeat(tx: &mut TenantTx, id: &str, at: NaiveDateTime) -> anyhow::Result<()> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        diesel::update(agents::table.filter(agents::tenant_id.eq(&tenant).and(agents::id.eq(id))))
            .set(agents::last_heartbeat_at.eq(Some(at)))
            .execute(c)
            .await
    })?;
    Ok(())
}
