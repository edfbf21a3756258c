-- Tenants are the institutions; their code is the tenant_id of every row they own.
CREATE TABLE tenants (
    code        TEXT NOT NULL PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 20),
    name        TEXT NOT NULL,
    is_operator BOOLEAN NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
    tenant_id     TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    email         TEXT NOT NULL CHECK (email <> '' AND email = lower(email)),
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('ADMIN', 'PM', 'ENGINEER', 'DEPLOY_ENGINEER', 'CUSTOMER')),
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

-- login(email, password) names no tenant, so an email is unique across all tenants.
CREATE UNIQUE INDEX users_email_key ON users (email);
-- At most one operator tenant (the IT service company itself).
CREATE UNIQUE INDEX tenants_one_operator ON tenants (is_operator) WHERE is_operator;
CREATE INDEX users_tenant_role_idx ON users (tenant_id, role);
