-- One login per person: an identity holds the email, the password and the person's own session
-- epoch; each tenant the person belongs to keeps a user row of its own (a membership), with the
-- role there, so every tenant-owned row still references a user of its own tenant.
CREATE TABLE identities (
    id             TEXT NOT NULL PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE CHECK (email <> '' AND email = lower(email)),
    password_hash  TEXT NOT NULL,
    active         BOOLEAN NOT NULL DEFAULT 1,
    -- Password changes and logouts bump it: every token of the person, in every tenant, ends.
    session_epoch  BIGINT NOT NULL DEFAULT 0,
    -- Where `login` lands next time, if still a membership (a hint: no foreign key, so a
    -- person copies with any one of their tenants).
    last_tenant_id TEXT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
) WITHOUT ROWID;

-- Every user so far becomes one person with one membership (same id, email and password), so
-- every account keeps working and every token stays valid (identity epoch 0).
INSERT INTO identities (id, email, password_hash, active, session_epoch, last_tenant_id, created_at, updated_at)
SELECT id, email, password_hash, 1, 0, tenant_id, created_at, updated_at FROM users;

-- SQLite adds no NOT NULL column with a foreign key; the application writes it (PostgreSQL
-- holds the constraint).
ALTER TABLE users ADD COLUMN identity_id TEXT NOT NULL DEFAULT '';
UPDATE users SET identity_id = id;
-- Whether the operator granted this membership to a member of its staff: the tenant's ADMIN
-- sees who from the company can read its data.
ALTER TABLE users ADD COLUMN granted_by_operator BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE users DROP COLUMN password_hash;
-- An email is unique within a tenant now, not across tenants (no CONFLICT tells one tenant's
-- ADMIN that an address is in use elsewhere); a person is a member of a tenant at most once.
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, email);
CREATE UNIQUE INDEX users_tenant_identity_key ON users (tenant_id, identity_id);
CREATE INDEX users_identity_idx ON users (identity_id);
CREATE INDEX users_email_idx ON users (email);
