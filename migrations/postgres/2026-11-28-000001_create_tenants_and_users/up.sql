-- The application role. Superusers and BYPASSRLS roles skip row-level security even when it is
-- forced, so every pooled connection runs `SET ROLE guardia_app` and RLS binds whoever logs in.
-- Roles are cluster-wide: several databases (and parallel test runs) may create it at once.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'guardia_app') THEN
        CREATE ROLE guardia_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'GUARDiA needs the role guardia_app. Ask a superuser to run: CREATE ROLE guardia_app NOLOGIN; GRANT guardia_app TO %;', current_user;
END
$$;

DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'guardia_app', 'MEMBER') THEN
        EXECUTE format('GRANT guardia_app TO %I', current_user);
    END IF;
EXCEPTION
    WHEN unique_violation THEN NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO guardia_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO guardia_app;

-- Tenant isolation for one table: rows are visible and writable only while the transaction's
-- `guardia.tenant_id` setting names their tenant (DESIGN.md §2, defence in depth). NULLIF:
-- a setting used earlier on the same connection reads '' afterwards, never a match.
CREATE FUNCTION guardia_enable_tenant_rls(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO guardia_app', tbl);
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s '
        'USING (tenant_id = NULLIF(current_setting(''guardia.tenant_id'', true), '''')) '
        'WITH CHECK (tenant_id = NULLIF(current_setting(''guardia.tenant_id'', true), ''''))',
        tbl);
END
$$;

CREATE TABLE tenants (
    code        TEXT NOT NULL PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 20),
    name        TEXT NOT NULL,
    is_operator BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL
);

-- At most one operator tenant (the IT service company itself).
CREATE UNIQUE INDEX tenants_one_operator ON tenants (is_operator) WHERE is_operator;

-- A tenant reads and creates its own row and may rename it, nothing more: the application
-- never deletes a tenant nor changes who the operator is. The operator scope (the operator's
-- ADMIN listing tenants) reads all rows.
REVOKE ALL ON tenants FROM guardia_app;
GRANT SELECT, INSERT ON tenants TO guardia_app;
GRANT UPDATE (name) ON tenants TO guardia_app;
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON tenants
    USING (code = NULLIF(current_setting('guardia.tenant_id', true), ''))
    WITH CHECK (code = NULLIF(current_setting('guardia.tenant_id', true), ''));
CREATE POLICY operator_read ON tenants FOR SELECT
    USING (current_setting('guardia.operator', true) = 'on');

CREATE TABLE users (
    tenant_id     TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    email         TEXT NOT NULL CHECK (email <> '' AND email = lower(email)),
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('ADMIN', 'PM', 'ENGINEER', 'DEPLOY_ENGINEER', 'CUSTOMER')),
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- login(email, password) names no tenant, so an email is unique across all tenants.
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_tenant_role_idx ON users (tenant_id, role);

SELECT guardia_enable_tenant_rls('users');
-- Login happens before the tenant is known: the login scope sees exactly one email's row.
CREATE POLICY login_lookup ON users FOR SELECT
    USING (email = NULLIF(current_setting('guardia.login_email', true), ''));
