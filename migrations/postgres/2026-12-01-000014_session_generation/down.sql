DROP TRIGGER tenants_session_delete ON tenants;
DROP TRIGGER tenants_session_change ON tenants;
DROP TRIGGER identities_session_delete ON identities;
DROP TRIGGER identities_session_change ON identities;
DROP TRIGGER users_session_delete ON users;
DROP TRIGGER users_session_change ON users;
DROP FUNCTION guardia_session_generation_bump();
DROP TABLE session_generation;
