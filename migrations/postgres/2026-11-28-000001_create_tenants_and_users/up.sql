-- The application role. Superusers and BYPASSRLS roles skip row-level security even when it is
-- forced, so every pooled connection runs `SET ROLE guardia_app` and RLS binds whoever logs in.
-- Roles are cluster-wide: several databases (and parallel test runs) may create it at once.
DO $$
BEGIN
    CREATE ROLE guardia_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
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
-- `guardia.tenant_id` setting names their tenant (DESIGN.md §2, defence in depth).
CREATE FUNCTION guardia_enable_tenant_rls(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s '
        'USING (tenant_id = current_setting(''guardia.tenant_id'', true)) '
        'WITH CHECK (tenant_id = current_setting(''guardia.tenant_id'', true))',
        tbl);
END
$$;

CREATE TABLE tenants (
    code        TEXT NOT NULL PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 20),
    name        TEXT NOT NULL,
    is_operator BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL
);

-- A tenant sees its own row; the operator scope (operator ADMIN listing tenants) reads all.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON tenants
    USING (code = current_setting('guardia.tenant_id', true))
    WITH CHECK (code = current_setting('guardia.tenant_id', true));
CREATE POLICY operator_read ON tenants FOR SELECT
    USING (current_setting('guardia.operator', true) = 'on');

CREATE TABLE users (
    tenant_id     TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    email         TEXT NOT NULL,
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
    USING (email = current_setting('guardia.login_email', true));
