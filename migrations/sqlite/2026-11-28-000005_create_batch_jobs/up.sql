CREATE TABLE batch_jobs (
    tenant_id   TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    jenkins_job TEXT NOT NULL,
    schedule    TEXT NOT NULL,
    enabled     BOOLEAN NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
) WITHOUT ROWID;

-- triggered_by is NULL for a scheduled run; scheduled_for is the due time it served, unique per
-- job so that several processes trigger each due time once.
CREATE TABLE batch_runs (
    tenant_id     TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    batch_job_id  TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCESS', 'FAILURE', 'UNSTABLE', 'ABORTED')),
    triggered_by  TEXT,
    scheduled_for TIMESTAMP,
    queue_item_id BIGINT,
    build_number  INTEGER,
    started_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, batch_job_id, scheduled_for),
    FOREIGN KEY (tenant_id, batch_job_id) REFERENCES batch_jobs (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, triggered_by) REFERENCES users (tenant_id, id)
) WITHOUT ROWID;

CREATE INDEX batch_runs_tenant_job_idx ON batch_runs (tenant_id, batch_job_id, id);
CREATE INDEX batch_runs_tenant_triggered_by_idx ON batch_runs (tenant_id, triggered_by);
