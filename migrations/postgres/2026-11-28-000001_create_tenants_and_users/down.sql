DROP TABLE users;
DROP TABLE tenants;
DROP FUNCTION guardia_enable_tenant_rls(regclass);
DO $$
DECLARE
    app text := current_setting('guardia.app_role');
BEGIN
    EXECUTE format(
        'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM %I', app);
    EXECUTE format('REVOKE USAGE ON SCHEMA public FROM %I', app);
END
$$;
-- The role stays: the set-up created it, and roles are cluster-wide.
