CREATE TABLE srs (
    tenant_id    TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('OPEN', 'IN_PROGRESS', 'ON_HOLD', 'RESOLVED', 'CLOSED', 'CANCELLED')),
    priority     TEXT NOT NULL CHECK (priority IN ('LOW', 'MEDIUM', 'HIGH', 'URGENT')),
    requester_id TEXT NOT NULL,
    assignee_id  TEXT,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, requester_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, assignee_id) REFERENCES users (tenant_id, id)
) WITHOUT ROWID;

-- Keyset pages (newest first) per status, per requester (CUSTOMER) and per assignee.
CREATE INDEX srs_tenant_status_idx ON srs (tenant_id, status, id);
CREATE INDEX srs_tenant_requester_idx ON srs (tenant_id, requester_id, id);
CREATE INDEX srs_tenant_assignee_idx ON srs (tenant_id, assignee_id, id);

CREATE TABLE sr_comments (
    tenant_id  TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    sr_id      TEXT NOT NULL,
    author_id  TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, sr_id) REFERENCES srs (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, author_id) REFERENCES users (tenant_id, id)
) WITHOUT ROWID;

CREATE INDEX sr_comments_tenant_sr_idx ON sr_comments (tenant_id, sr_id, id);
CREATE INDEX sr_comments_tenant_author_idx ON sr_comments (tenant_id, author_id);
