-- One counter that moves whenever anything a signed-in request's token check reads changes:
-- a membership's role, state, epoch, email, name or person, a person's state or epoch, a
-- tenant's kind, or a deletion of any of them. Each request reads it in its own transaction;
-- while it stands still, a server may answer the check from what it read before.
CREATE TABLE session_generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO session_generation (id, value) VALUES (1, 0);

-- Only on a real change: a save of the same value moves nothing.
CREATE TRIGGER users_session_change AFTER UPDATE OF role, active, session_epoch, email, name, identity_id ON users
WHEN OLD.role IS NOT NEW.role OR OLD.active IS NOT NEW.active OR OLD.session_epoch IS NOT NEW.session_epoch
     OR OLD.email IS NOT NEW.email OR OLD.name IS NOT NEW.name OR OLD.identity_id IS NOT NEW.identity_id
BEGIN UPDATE session_generation SET value = value + 1; END;
CREATE TRIGGER users_session_delete AFTER DELETE ON users
BEGIN UPDATE session_generation SET value = value + 1; END;
CREATE TRIGGER identities_session_change AFTER UPDATE OF active, session_epoch ON identities
WHEN OLD.active IS NOT NEW.active OR OLD.session_epoch IS NOT NEW.session_epoch
BEGIN UPDATE session_generation SET value = value + 1; END;
CREATE TRIGGER identities_session_delete AFTER DELETE ON identities
BEGIN UPDATE session_generation SET value = value + 1; END;
CREATE TRIGGER tenants_session_change AFTER UPDATE OF is_operator ON tenants
WHEN OLD.is_operator IS NOT NEW.is_operator
BEGIN UPDATE session_generation SET value = value + 1; END;
CREATE TRIGGER tenants_session_delete AFTER DELETE ON tenants
BEGIN UPDATE session_generation SET value = value + 1; END;
