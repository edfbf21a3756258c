DROP TABLE users;
DROP TABLE tenants;
DROP FUNCTION guardia_enable_tenant_rls(regclass);
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM guardia_app;
REVOKE USAGE ON SCHEMA public FROM guardia_app;
-- The role stays: it is cluster-wide and other databases may use it.
