-- Installations set up before the application role was per installation granted everything to
-- the cluster-wide role guardia_app, which every installation in the cluster shared: another
-- installation's login, a member of it, could read and change this one's tables. Here those
-- grants move to this installation's own role (the session setting guardia.app_role) and are
-- taken from guardia_app. On a database set up since, guardia_app holds nothing here and
-- only the helper below changes.
DO $$
DECLARE
    app text := current_setting('guardia.app_role');
    -- Spelled out once: the shared role of earlier versions.
    shared text := 'guardia_app';
    r record;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app) THEN
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS', app);
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'GUARDiA now needs its own role %. Ask a superuser to run: CREATE ROLE % NOLOGIN; GRANT % TO %;',
                    app, app, app, current_user;
        END;
    END IF;
    IF NOT pg_has_role(current_user, app, 'MEMBER') THEN
        EXECUTE format('GRANT %I TO %I', app, current_user);
    END IF;
    IF app = shared OR NOT EXISTS (SELECT FROM pg_roles WHERE rolname = shared) THEN
        RETURN;
    END IF;

    -- Column rights first: revoking a table right below also revokes that right per column.
    FOR r IN
        SELECT c.oid::regclass AS tbl, att.attname AS col, string_agg(a.privilege_type, ', ') AS privileges
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_attribute att ON att.attrelid = c.oid AND att.attacl IS NOT NULL
        CROSS JOIN LATERAL aclexplode(att.attacl) a
        WHERE a.grantee = shared::regrole
        GROUP BY c.oid, att.attname
    LOOP
        EXECUTE format('GRANT %s (%I) ON %s TO %I', r.privileges, r.col, r.tbl, app);
        EXECUTE format('REVOKE %s (%I) ON %s FROM %I', r.privileges, r.col, r.tbl, shared);
    END LOOP;
    FOR r IN
        SELECT c.oid::regclass AS tbl, string_agg(a.privilege_type, ', ') AS privileges
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE c.relkind IN ('r', 'p', 'v') AND a.grantee = shared::regrole
        GROUP BY c.oid
    LOOP
        EXECUTE format('GRANT %s ON %s TO %I', r.privileges, r.tbl, app);
        EXECUTE format('REVOKE ALL ON %s FROM %I', r.tbl, shared);
    END LOOP;

    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', app);
    EXECUTE format(
        'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', app);
    EXECUTE format(
        'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM %I', shared);
    EXECUTE format('REVOKE USAGE ON SCHEMA public FROM %I', shared);
    -- This login no longer needs the shared role; without it, it cannot reach installations
    -- not upgraded yet. Only a role's administrator may take it away: else the README says how.
    BEGIN
        EXECUTE format('REVOKE %I FROM %I', shared, current_user);
    EXCEPTION
        WHEN insufficient_privilege OR undefined_object THEN NULL;
    END;
END
$$;

-- Tables of later migrations grant to the installation's role.
CREATE OR REPLACE FUNCTION guardia_enable_tenant_rls(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
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
