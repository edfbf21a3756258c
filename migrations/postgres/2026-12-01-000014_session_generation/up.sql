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

-- Row triggers that fire only on a real change: an INSERT … ON CONFLICT DO UPDATE that
-- inserts (a new member of a known person) or a save of the same value moves nothing.
CREATE TRIGGER users_session_change
    AFTER UPDATE OF role, active, session_epoch, email, name, identity_id ON users
    FOR EACH ROW
    WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.active IS DISTINCT FROM NEW.active
          OR OLD.session_epoch IS DISTINCT FROM NEW.session_epoch OR OLD.email IS DISTINCT FROM NEW.email
          OR OLD.name IS DISTINCT FROM NEW.name OR OLD.identity_id IS DISTINCT FROM NEW.identity_id)
    EXECUTE FUNCTION guardia_session_generation_bump();
CREATE TRIGGER users_session_delete
    AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION guardia_session_generation_bump();
CREATE TRIGGER identities_session_change
    AFTER UPDATE OF active, session_epoch ON identities
    FOR EACH ROW
    WHEN (OLD.active IS DISTINCT FROM NEW.active OR OLD.session_epoch IS DISTINCT FROM NEW.session_epoch)
    EXECUTE FUNCTION guardia_session_generation_bump();
CREATE TRIGGER identities_session_delete
    AFTER DELETE ON identities
    FOR EACH ROW EXECUTE FUNCTION guardia_session_generation_bump();
CREATE TRIGGER tenants_session_change
    AFTER UPDATE OF is_operator ON tenants
    FOR EACH ROW
    WHEN (OLD.is_operator IS DISTINCT FROM NEW.is_operator)
    EXECUTE FUNCTION guardia_session_generation_bump();
CREATE TRIGGER tenants_session_delete
    AFTER DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION guardia_session_generation_bump();
