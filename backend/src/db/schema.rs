//! One portable diesel schema for both backends (TEXT ids, TIMESTAMP in UTC, enums as TEXT).
//! It mirrors `migrations/{sqlite,postgres}`; the schema-rules test checks the live catalogs.

diesel::table! {
    tenants (code) {
        code -> Text,
        name -> Text,
        is_operator -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        session_epoch -> BigInt,
        identity_id -> Text,
        granted_by_operator -> Bool,
    }
}

diesel::table! {
    identities (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        active -> Bool,
        session_epoch -> BigInt,
        last_tenant_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    srs (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        title -> Text,
        description -> Text,
        status -> Text,
        priority -> Text,
        requester_id -> Text,
        assignee_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sla_response_target_minutes -> Nullable<Integer>,
        sla_resolution_target_minutes -> Nullable<Integer>,
        sla_response_warn_at -> Nullable<Timestamp>,
        sla_response_due_at -> Nullable<Timestamp>,
        sla_response_met_at -> Nullable<Timestamp>,
        sla_response_elapsed_seconds -> Nullable<BigInt>,
        sla_response_alerted -> Text,
        sla_resolution_warn_at -> Nullable<Timestamp>,
        sla_resolution_due_at -> Nullable<Timestamp>,
        sla_resolution_met_at -> Nullable<Timestamp>,
        sla_resolution_elapsed_seconds -> Nullable<BigInt>,
        sla_resolution_alerted -> Text,
        sla_warn_at -> Nullable<Timestamp>,
        sla_due_at -> Nullable<Timestamp>,
        sla_next_alert_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sr_timeline (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        sr_id -> Text,
        kind -> Text,
        status -> Text,
        by_staff -> Bool,
        at -> Timestamp,
    }
}

diesel::table! {
    sla_policies (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        priority -> Text,
        response_minutes -> Integer,
        resolution_minutes -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sla_calendars (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        weekdays -> Integer,
        day_start_minute -> Integer,
        day_end_minute -> Integer,
        holidays -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sr_comments (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        sr_id -> Text,
        author_id -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    servers (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        host -> Text,
        os -> Nullable<Text>,
        environment -> Nullable<Text>,
        credential_nonce -> Nullable<Binary>,
        credential_ciphertext -> Nullable<Binary>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agents (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        server_id -> Text,
        name -> Text,
        token_hash -> Text,
        version -> Nullable<Text>,
        hostname -> Nullable<Text>,
        last_heartbeat_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    deploy_projects (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        jenkins_job -> Text,
        rollback_parameter -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deployments (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        project_id -> Text,
        kind -> Text,
        status -> Text,
        target_build -> Nullable<Integer>,
        queue_item_id -> Nullable<BigInt>,
        build_number -> Nullable<Integer>,
        reason -> Nullable<Text>,
        parameters -> Text,
        triggered_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        failure_reason -> Nullable<Text>,
        version -> Integer,
    }
}

diesel::table! {
    batch_jobs (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        jenkins_job -> Text,
        schedule -> Text,
        enabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        catch_up -> Bool,
    }
}

diesel::table! {
    batch_runs (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        batch_job_id -> Text,
        status -> Text,
        triggered_by -> Nullable<Text>,
        scheduled_for -> Nullable<Timestamp>,
        queue_item_id -> Nullable<BigInt>,
        build_number -> Nullable<Integer>,
        started_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        failure_reason -> Nullable<Text>,
        catch_up -> Bool,
    }
}

diesel::table! {
    audit_log (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        target -> Nullable<Text>,
        outcome -> Text,
        detail -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    tenant_jenkins (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        folder_root -> Text,
        url -> Nullable<Text>,
        username -> Nullable<Text>,
        token_nonce -> Nullable<Binary>,
        token_ciphertext -> Nullable<Binary>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Moves whenever anything the token check reads changes (migration 000014's triggers).
    session_generation (id) {
        id -> Integer,
        value -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    identities,
    session_generation,
    users,
    srs,
    sr_timeline,
    sla_policies,
    sla_calendars,
    sr_comments,
    servers,
    agents,
    deploy_projects,
    deployments,
    batch_jobs,
    batch_runs,
    audit_log,
    tenant_jenkins,
);

/// Every table whose rows belong to one tenant (docs/architecture.md, "Storage"): the
/// schema-rules test and the PostgreSQL row-level-security policies cover exactly these.
pub const TENANT_OWNED_TABLES: &[&str] = &[
    "users",
    "tenant_jenkins",
    "srs",
    "sr_timeline",
    "sr_comments",
    "sla_policies",
    "sla_calendars",
    "servers",
    "agents",
    "deploy_projects",
    "deployments",
    "batch_jobs",
    "batch_runs",
    "audit_log",
];
