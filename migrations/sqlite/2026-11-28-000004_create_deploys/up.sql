CREATE TABLE deploy_projects (
    tenant_id          TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id                 TEXT NOT NULL,
    name               TEXT NOT NULL,
    jenkins_job        TEXT NOT NULL,
    rollback_parameter TEXT NOT NULL DEFAULT 'ROLLBACK_BUILD',
    created_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
) WITHOUT ROWID;

-- GUARDiA's own ledger of every deploy and rollback it triggered; it outlives Jenkins'
-- build discarding. parameters is the JSON array of the build parameters sent.
CREATE TABLE deployments (
    tenant_id     TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    project_id    TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('DEPLOY', 'ROLLBACK')),
    status        TEXT NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCESS', 'FAILURE', 'UNSTABLE', 'ABORTED')),
    target_build  INTEGER,
    queue_item_id BIGINT,
    build_number  INTEGER,
    reason        TEXT,
    parameters    TEXT NOT NULL DEFAULT '[]',
    triggered_by  TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES deploy_projects (tenant_id, id),
    FOREIGN KEY (tenant_id, triggered_by) REFERENCES users (tenant_id, id),
    CHECK (kind = 'DEPLOY' OR target_build IS NOT NULL)
) WITHOUT ROWID;

CREATE INDEX deployments_tenant_project_idx ON deployments (tenant_id, project_id, id);
CREATE INDEX deployments_tenant_triggered_by_idx ON deployments (tenant_id, triggered_by);
-- One deploy at a time per project, held by the database itself (across processes).
CREATE UNIQUE INDEX deployments_one_active_per_project
    ON deployments (tenant_id, project_id) WHERE status IN ('QUEUED', 'RUNNING');
