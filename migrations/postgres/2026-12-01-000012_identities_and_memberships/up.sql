-- One login per person: an identity holds the email, the password and the person's own session
-- epoch; each tenant the person belongs to keeps a user row of its own (a membership), with the
-- role there, so every tenant-owned row still references a user of its own tenant.
CREATE TABLE identities (
    id             TEXT NOT NULL PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE CHECK (email <> '' AND email = lower(email)),
    password_hash  TEXT NOT NULL,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    -- Password changes and logouts bump it: every token of the person, in every tenant, ends.
    session_epoch  BIGINT NOT NULL DEFAULT 0,
    -- Where `login` lands next time, if still a membership (a hint: no foreign key, so a
    -- person copies with any one of their tenants).
    last_tenant_id TEXT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

-- Every user so far becomes one person with one membership (same id, email and password), so
-- every account keeps working and every token stays valid (identity epoch 0).
INSERT INTO identities (id, email, password_hash, active, session_epoch, last_tenant_id, created_at, updated_at)
SELECT id, email, password_hash, TRUE, 0, tenant_id, created_at, updated_at FROM users;

ALTER TABLE users ADD COLUMN identity_id TEXT REFERENCES identities (id);
UPDATE users SET identity_id = id;
ALTER TABLE users ALTER COLUMN identity_id SET NOT NULL;
-- Whether the operator granted this membership to a member of its staff: the tenant's ADMIN
-- sees who from the company can read its data.
ALTER TABLE users ADD COLUMN granted_by_operator BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users DROP COLUMN password_hash;
-- An email is unique within a tenant now, not across tenants (no CONFLICT tells one tenant's
-- ADMIN that an address is in use elsewhere); a person is a member of a tenant at most once.
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, email);
CREATE UNIQUE INDEX users_tenant_identity_key ON users (tenant_id, identity_id);
CREATE INDEX users_identity_idx ON users (identity_id);
CREATE INDEX users_email_idx ON users (email);

-- Who sees an identity: the login scope (its email: login, switching tenants, the person's
-- own list of memberships), a transaction that names the email it works on
-- (`guardia.identity_email`: creating a user, changing a password), and a tenant its members
-- belong to (the per-request token check). A tenant transaction may add a new person (a new
-- user's login); the unique email keeps it from taking over an existing one.
DO $$
DECLARE
    app text := current_setting('guardia.app_role');
BEGIN
    EXECUTE format('REVOKE ALL ON identities FROM %I', app);
    EXECUTE format('GRANT SELECT, INSERT ON identities TO %I', app);
    EXECUTE format('GRANT UPDATE (password_hash, active, session_epoch, last_tenant_id, updated_at) ON identities TO %I', app);
END
$$;
ALTER TABLE identities ENABLE ROW LEVEL SECURITY;
ALTER TABLE identities FORCE ROW LEVEL SECURITY;
CREATE POLICY person ON identities
    USING (email = NULLIF(current_setting('guardia.login_email', true), '')
           OR email = NULLIF(current_setting('guardia.identity_email', true), ''))
    WITH CHECK (email = NULLIF(current_setting('guardia.login_email', true), '')
                OR email = NULLIF(current_setting('guardia.identity_email', true), ''));
CREATE POLICY new_person ON identities FOR INSERT
    WITH CHECK (NULLIF(current_setting('guardia.tenant_id', true), '') IS NOT NULL);
CREATE POLICY member_of_tenant ON identities FOR SELECT
    USING (EXISTS (SELECT FROM users u
                   WHERE u.identity_id = identities.id
                     AND u.tenant_id = NULLIF(current_setting('guardia.tenant_id', true), '')));

-- The login scope also reads the names of the person's tenants (for the tenant switcher).
CREATE POLICY member_tenants ON tenants FOR SELECT
    USING (code IN (SELECT u.tenant_id FROM users u
                    WHERE u.email = NULLIF(current_setting('guardia.login_email', true), '')));
