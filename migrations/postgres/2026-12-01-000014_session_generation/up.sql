-- One counter that moves whenever anything a signed-in request's token check reads changes:
-- a membership's role, state, epoch, email, name or person, a person's state or epoch, a
-- tenant's kind, or a deletion of any of them. Each request reads it in its own transaction;
-- while it stands still, a server may answer the check from what it read before. It holds
-- no tenant's data, so it has no row-level security; the application role may read it and
-- move it (through the triggers, which run as the role that changes the row), not remove it.
CREATE TABLE session_generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO session_generation (id, value) VALUES (1, 0);

DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON session_generation FROM %I', current_setting('guardia.app_role'));
    EXECUTE format('GRANT SELECT, UPDATE (value) ON session_generation TO %I', current_setting('guardia.app_role'));
END
$$;

CREATE FUNCTION guardia_session_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE session_generation SET value = value + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_session_change
    AFTER UPDATE OF role, active, session_epoch, email, name, identity_id OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION guardia_session_generation_bump();
CREATE TRIGGER identities_session_change
    AFTER UPDATE OF active, session_epoch OR DELETE ON identities
    FOR EACH STATEMENT EXECUTE FUNCTION guardia_session_generation_bump();
CREATE TRIGGER tenants_session_change
    AFTER UPDATE OF is_operator OR DELETE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION guardia_session_generation_bump();
