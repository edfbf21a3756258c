//! Round trips through the data-access layer for every table, on both backends.

use guardia_backend::db::agent::{AgentChanges, NewAgent};
use guardia_backend::db::audit::NewAuditEntry;
use guardia_backend::db::batch::{BatchJobChanges, BatchRunProgress, NewBatchJob, NewBatchRun};
use guardia_backend::db::deploy::{DeploymentProgress, NewDeployProject, NewDeployment};
use guardia_backend::db::server::{NewServer, SealedCredential, ServerChanges};
use guardia_backend::db::sr::{NewSr, SrChanges, SrFilter};
use guardia_backend::db::user::NewUser;
use guardia_backend::db::{self, Access, DbError, DbPool, PageRequest, TenantTx};
use guardia_shared::Role;
use guardia_shared::deploy::{DeploymentKind, RunStatus};
use guardia_shared::sr::{SrPriority, SrStatus};
use guardia_tests::{Backend, TestDb, both_backends};

async fn write_tx(pool: &DbPool) -> TenantTx {
    pool.tenant_tx("acme", Access::Write).await.expect("begin")
}

async fn new_user(tx: &mut TenantTx, email: &str, role: Role) -> db::user::User {
    db::user::create(
        tx,
        NewUser {
            email,
            name: email,
            role,
            password_hash: "$argon2id$h",
        },
    )
    .await
    .expect("create user")
}

async fn tenants_and_users(backend: Backend) {
    let (_db, pool) = TestDb::with_pool(backend).await;
    let mut tx = write_tx(&pool).await;
    let tenant = db::tenant::create(&mut tx, "ACME Corp", true)
        .await
        .expect("tenant");
    assert_eq!((tenant.code.as_str(), tenant.is_operator), ("acme", true));
    assert_eq!(db::tenant::get(&mut tx).await.expect("get"), tenant);
    assert_eq!(
        db::tenant::rename(&mut tx, "ACME").await.expect("rename").name,
        "ACME"
    );

    let kim = new_user(&mut tx, "kim@acme.example", Role::Engineer).await;
    let lee = new_user(&mut tx, "lee@acme.example", Role::Customer).await;
    assert_eq!(db::user::get(&mut tx, &kim.id).await.expect("get"), kim);
    assert_eq!(db::user::list(&mut tx).await.expect("list").len(), 2);
    let promoted = db::user::set_role(&mut tx, &kim.id, Role::DeployEngineer)
        .await
        .expect("role");
    assert_eq!(promoted.role, Role::DeployEngineer);
    // A role change ends the user's sessions (changing it back must not revive old tokens).
    assert_eq!(promoted.session_epoch, kim.session_epoch + 1);
    let deactivated = db::user::set_active(&mut tx, &lee.id, false)
        .await
        .expect("deactivate");
    assert!(!deactivated.active);
    assert_eq!(deactivated.session_epoch, lee.session_epoch + 1);
    // The password and the person's own epoch are the identity's, shared by every tenant.
    let person = db::identity::get(&mut tx, &lee.identity_id)
        .await
        .expect("person");
    assert_eq!(
        (person.email.as_str(), person.session_epoch),
        ("lee@acme.example", 0)
    );
    let rehashed = db::identity::set_password_hash(&mut tx, &lee.identity_id, "$argon2id$new")
        .await
        .expect("hash");
    assert_eq!(rehashed.password_hash, "$argon2id$new");
    assert_eq!(rehashed.session_epoch, 1, "a new password ends the old sessions");
    let logged_out = db::identity::bump_session_epoch(&mut tx, &lee.identity_id)
        .await
        .expect("epoch");
    assert_eq!(logged_out.session_epoch, 2);
    assert!(matches!(
        db::user::set_role(&mut tx, "missing", Role::Pm).await,
        Err(DbError::NotFound { .. })
    ));
    tx.commit().await.expect("commit");

    // An email known in another tenant is no conflict: the same person gets a membership
    // there (keeping their password). Within one tenant an email is taken once.
    let mut other = pool.tenant_tx("other", Access::Write).await.expect("begin");
    db::tenant::create(&mut other, "Other", false)
        .await
        .expect("tenant");
    let kim_there = NewUser {
        email: "kim@acme.example",
        name: "Kim",
        role: Role::Pm,
        password_hash: "h",
    };
    let member = db::user::create(&mut other, kim_there.clone())
        .await
        .expect("a second membership");
    assert_eq!(
        (member.identity_id.as_str(), member.role),
        (kim.identity_id.as_str(), Role::Pm)
    );
    let kept = db::identity::get(&mut other, &kim.identity_id)
        .await
        .expect("person");
    assert_eq!(
        kept.password_hash, "$argon2id$h",
        "the person keeps their password"
    );
    other.commit().await.expect("commit");
    let mut twice = pool.tenant_tx("other", Access::Write).await.expect("begin");
    match db::user::create(&mut twice, kim_there).await {
        Err(DbError::Conflict(message)) => assert_eq!(message, db::user::EMAIL_TAKEN),
        other => panic!("expected a conflict, got {other:?}"),
    }
    drop(twice);

    let mut again = pool.tenant_tx("acme", Access::Write).await.expect("begin");
    let dup_tenant = db::tenant::create(&mut again, "ACME again", false).await;
    assert!(matches!(dup_tenant, Err(DbError::Conflict(m)) if m.contains("'acme'")));
    drop(again);

    let mut login = pool.login_tx("kim@acme.example").await.expect("login scope");
    let found = db::identity::find_for_login(&mut login)
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(found.id, kim.identity_id);
    let memberships = db::user::memberships(&mut login).await.expect("memberships");
    let seen: Vec<(&str, &str, Role)> = memberships
        .iter()
        .map(|m| (m.user.tenant_id.as_str(), m.tenant_name.as_str(), m.user.role))
        .collect();
    assert_eq!(
        seen,
        [
            ("acme", "ACME", Role::DeployEngineer),
            ("other", "Other", Role::Pm)
        ]
    );
    let mut nobody = pool.login_tx("nobody@acme.example").await.expect("login scope");
    assert!(
        db::identity::find_for_login(&mut nobody)
            .await
            .expect("find")
            .is_none()
    );

    let mut operator = pool.operator_tx().await.expect("operator");
    let all = db::tenant::list_all(&mut operator).await.expect("list");
    assert_eq!(
        all.iter().map(|t| t.code.as_str()).collect::<Vec<_>>(),
        ["acme", "other"]
    );
}

async fn service_requests_and_comments(backend: Backend) {
    let (_db, pool) = TestDb::with_pool(backend).await;
    let mut tx = write_tx(&pool).await;
    db::tenant::create(&mut tx, "ACME", false).await.expect("tenant");
    let customer = new_user(&mut tx, "c@acme.example", Role::Customer).await;
    let engineer = new_user(&mut tx, "e@acme.example", Role::Engineer).await;

    let mut ids = Vec::new();
    for i in 0..5 {
        let requester = if i % 2 == 0 { &customer.id } else { &engineer.id };
        let sr = db::sr::create(
            &mut tx,
            NewSr {
                title: &format!("SR {i}"),
                description: "details",
                priority: SrPriority::Medium,
                requester_id: requester,
                at: guardia_backend::db::now(),
            },
        )
        .await
        .expect("create sr");
        assert_eq!(sr.status, SrStatus::Open);
        ids.push(sr.id);
    }
    let first = db::sr::get(&mut tx, &ids[0]).await.expect("get");
    assert_eq!(
        (first.title.as_str(), first.requester_id.as_str()),
        ("SR 0", customer.id.as_str())
    );

    // Keyset pages, newest first, with no row twice and none skipped.
    let all = SrFilter::default();
    let page1 = db::sr::list(
        &mut tx,
        &all,
        &PageRequest {
            first: 2,
            after: None,
        },
    )
    .await
    .expect("page 1");
    assert!(page1.has_next);
    let after = page1.items.last().map(|sr| sr.id.clone());
    let page2 = db::sr::list(&mut tx, &all, &PageRequest { first: 10, after })
        .await
        .expect("page 2");
    assert!(!page2.has_next);
    let seen: Vec<String> = page1
        .items
        .iter()
        .chain(&page2.items)
        .map(|sr| sr.id.clone())
        .collect();
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    let mine = SrFilter {
        requester_id: Some(customer.id.clone()),
        ..SrFilter::default()
    };
    assert_eq!(db::sr::count(&mut tx, &mine).await.expect("count"), 3);
    assert_eq!(db::sr::count(&mut tx, &all).await.expect("count"), 5);

    let changes = SrChanges {
        status: Some(SrStatus::InProgress),
        assignee_id: Some(Some(engineer.id.clone())),
        priority: Some(SrPriority::Urgent),
        ..SrChanges::default()
    };
    let updated = db::sr::update(&mut tx, &ids[0], &changes).await.expect("update");
    assert_eq!(updated.status, SrStatus::InProgress);
    assert_eq!(updated.assignee_id.as_deref(), Some(engineer.id.as_str()));
    assert!(updated.updated_at >= updated.created_at);
    let assigned = SrFilter {
        assignee_id: Some(engineer.id.clone()),
        ..SrFilter::default()
    };
    assert_eq!(db::sr::count(&mut tx, &assigned).await.expect("count"), 1);
    let in_progress = SrFilter {
        status: Some(SrStatus::InProgress),
        ..SrFilter::default()
    };
    assert_eq!(
        db::sr::list(
            &mut tx,
            &in_progress,
            &PageRequest {
                first: 10,
                after: None
            }
        )
        .await
        .expect("list")
        .items
        .len(),
        1
    );
    let mut by_status = db::sr::count_by_status(&mut tx, None).await.expect("by status");
    by_status.sort_by_key(|(status, _)| status.as_str());
    assert_eq!(by_status, [(SrStatus::InProgress, 1), (SrStatus::Open, 4)]);
    assert_eq!(
        db::sr::count_by_status(&mut tx, Some(&engineer.id))
            .await
            .expect("mine"),
        [(SrStatus::Open, 2)]
    );

    tx.commit().await.expect("commit");

    let mut tx = write_tx(&pool).await;
    let unknown_assignee = SrChanges {
        assignee_id: Some(Some("nobody".into())),
        ..SrChanges::default()
    };
    assert!(matches!(
        db::sr::update(&mut tx, &ids[1], &unknown_assignee).await,
        Err(DbError::InvalidReference(_))
    ));
    drop(tx);

    let mut tx = write_tx(&pool).await;
    let c1 = db::sr::add_comment(&mut tx, &ids[0], &customer.id, "Any news?")
        .await
        .expect("comment");
    let c2 = db::sr::add_comment(&mut tx, &ids[0], &engineer.id, "On it.")
        .await
        .expect("comment");
    db::sr::add_comment(&mut tx, &ids[1], &engineer.id, "Other SR")
        .await
        .expect("comment");
    let comments = db::sr::comments_of(&mut tx, &[ids[0].clone()])
        .await
        .expect("comments");
    assert_eq!(comments, [c1, c2]);
    assert_eq!(db::sr::comments_of(&mut tx, &ids).await.expect("all").len(), 3);
    tx.commit().await.expect("commit");
}

/// A transaction in a fresh "acme" tenant (committed), for the tests below.
async fn acme(pool: &DbPool) -> TenantTx {
    let mut tx = write_tx(pool).await;
    db::tenant::create(&mut tx, "ACME", false).await.expect("tenant");
    tx.commit().await.expect("commit");
    write_tx(pool).await
}

async fn servers_and_agents(backend: Backend) {
    let (_db, pool) = TestDb::with_pool(backend).await;
    let mut tx = acme(&pool).await;
    let web = db::server::create(
        &mut tx,
        NewServer {
            name: "web-1",
            host: "10.0.0.5",
            os: Some("Rocky 9"),
            environment: Some("prod"),
        },
    )
    .await
    .expect("server");
    let dbs = db::server::create(
        &mut tx,
        NewServer {
            name: "db-1",
            host: "10.0.0.6",
            os: None,
            environment: None,
        },
    )
    .await
    .expect("server");
    assert_eq!(db::server::get(&mut tx, &web.id).await.expect("get"), web);
    assert_eq!(db::server::count(&mut tx).await.expect("count"), 2);
    let page = db::server::list(
        &mut tx,
        &PageRequest {
            first: 1,
            after: None,
        },
    )
    .await
    .expect("list");
    assert_eq!(
        (page.items[0].id.as_str(), page.has_next),
        (dbs.id.as_str(), true)
    );
    assert_eq!(
        db::server::get_many(&mut tx, &[web.id.clone(), "nope".into()])
            .await
            .expect("many"),
        std::slice::from_ref(&web)
    );

    let changes = ServerChanges {
        host: Some("10.0.0.50".into()),
        os: Some(None),
        ..ServerChanges::default()
    };
    let moved = db::server::update(&mut tx, &web.id, &changes)
        .await
        .expect("update");
    assert_eq!(
        (
            moved.host.as_str(),
            moved.os.as_deref(),
            moved.environment.as_deref()
        ),
        ("10.0.0.50", None, Some("prod"))
    );

    // Sealed credentials are stored and returned byte for byte.
    let sealed = SealedCredential {
        nonce: vec![0, 1, 2, 255],
        ciphertext: vec![9; 48],
    };
    let locked = db::server::set_credential(&mut tx, &web.id, Some(&sealed))
        .await
        .expect("seal");
    assert_eq!(locked.sealed_credential(), Some(sealed.clone()));
    assert_eq!(
        db::server::get(&mut tx, &web.id)
            .await
            .expect("get")
            .sealed_credential(),
        Some(sealed)
    );
    assert_eq!(
        db::server::set_credential(&mut tx, &web.id, None)
            .await
            .expect("clear")
            .sealed_credential(),
        None
    );

    let agent_id = db::new_id();
    let agent = db::agent::create(
        &mut tx,
        NewAgent {
            id: &agent_id,
            server_id: &web.id,
            name: "agent-web-1",
            token_hash: "sha256:abc",
        },
    )
    .await
    .expect("agent");
    assert_eq!(
        (agent.id.as_str(), agent.last_heartbeat_at),
        (agent_id.as_str(), None)
    );
    let beat = db::agent::record_heartbeat(&mut tx, &agent.id, "1.4.2", "web-1.acme")
        .await
        .expect("heartbeat");
    assert_eq!(
        (beat.version.as_deref(), beat.hostname.as_deref()),
        (Some("1.4.2"), Some("web-1.acme"))
    );
    assert!(beat.last_heartbeat_at.is_some());
    let renamed = db::agent::update(
        &mut tx,
        &agent.id,
        &AgentChanges {
            name: Some("agent-a".into()),
            server_id: Some(dbs.id.clone()),
        },
    )
    .await
    .expect("update");
    assert_eq!(
        (renamed.name.as_str(), renamed.server_id.as_str()),
        ("agent-a", dbs.id.as_str())
    );
    assert_eq!(
        db::agent::list(&mut tx).await.expect("list"),
        [db::agent::get(&mut tx, &agent.id).await.expect("get")]
    );

    // Deleting a server removes its agents with it.
    db::server::delete(&mut tx, &dbs.id).await.expect("delete");
    assert!(matches!(
        db::agent::get(&mut tx, &agent.id).await,
        Err(DbError::NotFound { .. })
    ));
    assert!(matches!(
        db::server::delete(&mut tx, &dbs.id).await,
        Err(DbError::NotFound { .. })
    ));
    let other_id = db::new_id();
    db::agent::create(
        &mut tx,
        NewAgent {
            id: &other_id,
            server_id: &web.id,
            name: "b",
            token_hash: "h",
        },
    )
    .await
    .expect("agent");
    db::agent::delete(&mut tx, &other_id).await.expect("delete agent");
    assert!(db::agent::list(&mut tx).await.expect("list").is_empty());
    tx.commit().await.expect("commit");

    let mut tx = write_tx(&pool).await;
    let duplicate = db::server::create(
        &mut tx,
        NewServer {
            name: "web-1",
            host: "x",
            os: None,
            environment: None,
        },
    )
    .await;
    assert!(matches!(duplicate, Err(DbError::Conflict(m)) if m.contains("web-1")));
    drop(tx);
    let mut tx = write_tx(&pool).await;
    let orphan = db::agent::create(
        &mut tx,
        NewAgent {
            id: "a",
            server_id: "no-such-server",
            name: "x",
            token_hash: "h",
        },
    )
    .await;
    assert!(matches!(orphan, Err(DbError::InvalidReference(_))), "{orphan:?}");
}

async fn deploy_projects_and_deployments(backend: Backend) {
    let (_db, pool) = TestDb::with_pool(backend).await;
    let mut tx = acme(&pool).await;
    let deployer = new_user(&mut tx, "d@acme.example", Role::DeployEngineer).await;
    let project = db::deploy::create_project(
        &mut tx,
        NewDeployProject {
            name: "portal",
            jenkins_job: "web/portal-deploy",
            rollback_parameter: db::deploy::DEFAULT_ROLLBACK_PARAMETER,
        },
    )
    .await
    .expect("project");
    assert_eq!(
        db::deploy::get_project(&mut tx, &project.id).await.expect("get"),
        project
    );
    assert_eq!(
        db::deploy::find_project_by_name(&mut tx, "portal")
            .await
            .expect("by name"),
        project
    );
    assert_eq!(
        db::deploy::list_projects(&mut tx).await.expect("list"),
        std::slice::from_ref(&project)
    );

    let deploy = db::deploy::create_deployment(
        &mut tx,
        NewDeployment {
            project_id: &project.id,
            kind: DeploymentKind::Deploy,
            target_build: None,
            queue_item_id: Some(431),
            reason: None,
            parameters: r#"[{"name":"BRANCH","value":"main"}]"#,
            triggered_by: &deployer.id,
        },
    )
    .await
    .expect("deployment");
    assert_eq!(
        (deploy.status, deploy.queue_item_id),
        (RunStatus::Queued, Some(431))
    );
    let running = db::deploy::record_progress(
        &mut tx,
        &deploy.id,
        &DeploymentProgress {
            status: Some(RunStatus::Running),
            build_number: Some(57),
            ..DeploymentProgress::default()
        },
    )
    .await
    .expect("progress");
    assert_eq!(
        (running.status, running.build_number, running.queue_item_id),
        (RunStatus::Running, Some(57), Some(431))
    );
    tx.commit().await.expect("commit");

    // One active deployment per project, held by the database.
    let mut tx = write_tx(&pool).await;
    let second = db::deploy::create_deployment(
        &mut tx,
        NewDeployment {
            project_id: &project.id,
            kind: DeploymentKind::Rollback,
            target_build: Some(55),
            queue_item_id: None,
            reason: Some("bad release"),
            parameters: "[]",
            triggered_by: &deployer.id,
        },
    )
    .await;
    assert!(matches!(second, Err(DbError::Conflict(_))), "{second:?}");
    drop(tx);

    let mut tx = write_tx(&pool).await;
    let finished = db::deploy::record_progress(
        &mut tx,
        &deploy.id,
        &DeploymentProgress {
            status: Some(RunStatus::Success),
            finished_at: Some(db::now()),
            ..DeploymentProgress::default()
        },
    )
    .await
    .expect("finish");
    assert!(finished.finished_at.is_some());
    let rollback = db::deploy::create_deployment(
        &mut tx,
        NewDeployment {
            project_id: &project.id,
            kind: DeploymentKind::Rollback,
            target_build: Some(55),
            queue_item_id: None,
            reason: Some("bad release"),
            parameters: "[]",
            triggered_by: &deployer.id,
        },
    )
    .await
    .expect("a rollback once the deploy finished");
    assert_eq!(
        (rollback.kind, rollback.target_build, rollback.reason.as_deref()),
        (DeploymentKind::Rollback, Some(55), Some("bad release"))
    );
    assert_eq!(
        db::deploy::get_deployment(&mut tx, &rollback.id)
            .await
            .expect("get"),
        rollback
    );
    let page = db::deploy::list_deployments(
        &mut tx,
        Some(&project.id),
        &PageRequest {
            first: 10,
            after: None,
        },
    )
    .await
    .expect("list");
    assert_eq!(
        page.items.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [rollback.id.as_str(), deploy.id.as_str()]
    );
    assert_eq!(
        db::deploy::count_deployments(&mut tx, None).await.expect("count"),
        2
    );
    tx.commit().await.expect("commit");

    let mut tx = write_tx(&pool).await;
    let dup = db::deploy::create_project(
        &mut tx,
        NewDeployProject {
            name: "portal",
            jenkins_job: "x",
            rollback_parameter: "R",
        },
    )
    .await;
    assert!(matches!(dup, Err(DbError::Conflict(m)) if m.contains("portal")));
}

async fn batch_jobs_and_runs(backend: Backend) {
    let (_db, pool) = TestDb::with_pool(backend).await;
    let mut tx = acme(&pool).await;
    let pm = new_user(&mut tx, "pm@acme.example", Role::Pm).await;
    let job = db::batch::create_job(
        &mut tx,
        NewBatchJob {
            name: "nightly-report",
            jenkins_job: "acme/report",
            schedule: "0 2 * * *",
            enabled: true,
            catch_up: true,
        },
    )
    .await
    .expect("job");
    let other = db::batch::create_job(
        &mut tx,
        NewBatchJob {
            name: "cleanup",
            jenkins_job: "batch/cleanup",
            schedule: "*/15 * * * *",
            enabled: false,
            catch_up: true,
        },
    )
    .await
    .expect("job");
    assert_eq!(db::batch::get_job(&mut tx, &job.id).await.expect("get"), job);
    assert_eq!(
        db::batch::list_jobs(&mut tx).await.expect("list"),
        [other.clone(), job.clone()]
    );
    let changed = db::batch::update_job(
        &mut tx,
        &job.id,
        &BatchJobChanges {
            enabled: Some(false),
            schedule: Some("0 3 * * *".into()),
            ..BatchJobChanges::default()
        },
    )
    .await
    .expect("update");
    assert_eq!((changed.enabled, changed.schedule.as_str()), (false, "0 3 * * *"));

    let manual = db::batch::create_run(
        &mut tx,
        NewBatchRun {
            batch_job_id: &job.id,
            triggered_by: Some(&pm.id),
            scheduled_for: None,
            queue_item_id: Some(7),
        },
    )
    .await
    .expect("run");
    let due = db::now();
    let scheduled = db::batch::create_run(
        &mut tx,
        NewBatchRun {
            batch_job_id: &job.id,
            triggered_by: None,
            scheduled_for: Some(due),
            queue_item_id: Some(8),
        },
    )
    .await
    .expect("scheduled run");
    let done = db::batch::record_run_progress(
        &mut tx,
        &manual.id,
        &BatchRunProgress {
            status: Some(RunStatus::Failure),
            build_number: Some(12),
            finished_at: Some(db::now()),
            ..BatchRunProgress::default()
        },
    )
    .await
    .expect("progress");
    assert_eq!((done.status, done.build_number), (RunStatus::Failure, Some(12)));
    assert_eq!(db::batch::get_run(&mut tx, &manual.id).await.expect("get"), done);
    let latest = db::batch::latest_runs_of(&mut tx, &[job.id.clone(), other.id.clone()])
        .await
        .expect("latest");
    assert_eq!(
        latest.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        [scheduled.id.as_str()]
    );
    assert_eq!(
        db::batch::runs_of_job(
            &mut tx,
            &job.id,
            &db::PageRequest {
                first: 5,
                after: None
            }
        )
        .await
        .expect("runs")
        .items
        .len(),
        2
    );
    tx.commit().await.expect("commit");

    // Each due time is run once, even when two processes race for it.
    let mut tx = write_tx(&pool).await;
    let twice = db::batch::create_run(
        &mut tx,
        NewBatchRun {
            batch_job_id: &job.id,
            triggered_by: None,
            scheduled_for: Some(due),
            queue_item_id: None,
        },
    )
    .await;
    assert!(matches!(twice, Err(DbError::Conflict(_))), "{twice:?}");
    drop(tx);

    let mut tx = write_tx(&pool).await;
    db::batch::delete_job(&mut tx, &job.id).await.expect("delete");
    assert!(
        matches!(
            db::batch::get_run(&mut tx, &manual.id).await,
            Err(DbError::NotFound { .. })
        ),
        "runs go with their job"
    );
    assert!(matches!(
        db::batch::delete_job(&mut tx, &job.id).await,
        Err(DbError::NotFound { .. })
    ));
    tx.commit().await.expect("commit");
}

async fn audit_log(backend: Backend) {
    let (_db, pool) = TestDb::with_pool(backend).await;
    let mut tx = acme(&pool).await;
    let admin = new_user(&mut tx, "a@acme.example", Role::Admin).await;
    let first = db::audit::record(
        &mut tx,
        NewAuditEntry {
            actor_id: Some(&admin.id),
            action: "server.credential.read",
            target: Some("srv-1"),
            outcome: "success",
            detail: None,
        },
    )
    .await
    .expect("record");
    let second = db::audit::record(
        &mut tx,
        NewAuditEntry {
            actor_id: None,
            action: "batch.run",
            target: None,
            outcome: "failure",
            detail: Some("Jenkins 503"),
        },
    )
    .await
    .expect("record");
    assert_eq!(db::audit::count(&mut tx).await.expect("count"), 2);
    let page = db::audit::list(
        &mut tx,
        &PageRequest {
            first: 1,
            after: None,
        },
    )
    .await
    .expect("page");
    assert_eq!(
        (page.items.as_slice(), page.has_next),
        (std::slice::from_ref(&second), true)
    );
    let rest = db::audit::list(
        &mut tx,
        &PageRequest {
            first: 1,
            after: Some(second.id.clone()),
        },
    )
    .await
    .expect("page");
    assert_eq!(
        (rest.items.as_slice(), rest.has_next),
        (std::slice::from_ref(&first), false)
    );
    tx.commit().await.expect("commit");
}

both_backends!(
    tenants_and_users,
    service_requests_and_comments,
    servers_and_agents,
    deploy_projects_and_deployments,
    batch_jobs_and_runs,
    audit_log
);
