-- One counter that moves whenever anything a signed-in request's token check reads changes:
-- a membership's role, state, epoch, email, name or person, a person's state or epoch, a
-- tenant's kind, or a deletion of any of them. Each request reads it in its own transaction;
-- while it stands still, a server may answer the check from what it read before.
CREATE TABLE session_generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO session_generation (id, value) VALUES (1, 0);

CREATE TRIGGER users_session_change AFTER UPDATE OF role, active, session_epoch, email, name, identity_id ON users
BEGIN UPDATE session_generation SET value = value + 1; END;
CREATE TRIGGER users_session_delete AFTER DELETE ON users
BEGIN UPDATE session_generation SET value = value + 1; END;
CREATE TRIGGER identities_session_change AFTER UPDATE OF active, session_epoch ON identities
BEGIN UPDATE session_generation SET value = value + 1; END;
CREATE TRIGGER identities_session_delete AFTER DELETE ON identities
BEGIN UPDATE session_generation SET value = value + 1; END;
CREATE TRIGGER tenants_session_change AFTER UPDATE OF is_operator ON tenants
BEGIN UPDATE session_generation SET value = value + 1; END;
CREATE TRIGGER tenants_session_delete AFTER DELETE ON tenants
BEGIN UPDATE session_generation SET value = value + 1; END;
