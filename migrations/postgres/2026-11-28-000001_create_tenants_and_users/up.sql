-- The application role, one per installation: the migration runner names it in the session
-- setting guardia.app_role (GUARDIA_DB_ROLE, default guardia_app_<database>). Superusers and
-- BYPASSRLS roles skip row-level security even when it is forced, so every pooled connection
-- switches to this role (`SET ROLE`) and RLS binds whoever logs in. Only this database's objects
-- grant to it, so another installation's login in the same cluster reaches nothing here.
DO $$
DECLARE
    app text := current_setting('guardia.app_role');
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app) THEN
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS', app);
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'GUARDiA needs the role %. Ask a superuser to run: CREATE ROLE % NOLOGIN; GRANT % TO %;',
                    app, app, app, current_user;
        END;
    END IF;
    IF NOT pg_has_role(current_user, app, 'MEMBER') THEN
        EXECUTE format('GRANT %I TO %I', app, current_user);
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', app);
    EXECUTE format(
        'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', app);
END
$$;

-- Tenant isolation for one table: rows are visible and writable only while the transaction's
-- `guardia.tenant_id` setting names their tenant (docs/architecture.md, "Storage"; defence in
-- depth). NULLIF: a setting used earlier on the same connection reads '' afterwards, never a
-- match.
CREATE FUNCTION guardia_enable_tenant_rls(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %I', tbl, current_setting('guardia.app_role'));
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
DO $$
DECLARE
    app text := current_setting('guardia.app_role');
BEGIN
    EXECUTE format('REVOKE ALL ON tenants FROM %I', app);
    EXECUTE format('GRANT SELECT, INSERT ON tenants TO %I', app);
    EXECUTE format('GRANT UPDATE (name) ON tenants TO %I', app);
END
$$;
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
