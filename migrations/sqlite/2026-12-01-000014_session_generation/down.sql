DROP TRIGGER tenants_session_delete;
DROP TRIGGER tenants_session_change;
DROP TRIGGER identities_session_delete;
DROP TRIGGER identities_session_change;
DROP TRIGGER users_session_delete;
DROP TRIGGER users_session_change;
DROP TABLE session_generation;
