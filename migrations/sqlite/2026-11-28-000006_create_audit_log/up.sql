-- Who did what to which object, and how it ended. actor_id is NULL for the system (CLI, worker).
CREATE TABLE audit_log (
    tenant_id TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id        TEXT NOT NULL,
    actor_id  TEXT,
    action    TEXT NOT NULL,
    target    TEXT,
    outcome   TEXT NOT NULL,
    detail    TEXT,
    at        TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, actor_id) REFERENCES users (tenant_id, id)
) WITHOUT ROWID;

CREATE INDEX audit_log_tenant_actor_idx ON audit_log (tenant_id, actor_id);
