-- Only while every person has one membership: a person in several tenants cannot go back to
-- one user row per email.
ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
UPDATE users SET password_hash = (SELECT i.password_hash FROM identities i WHERE i.id = users.identity_id);
DROP INDEX users_email_idx;
DROP INDEX users_identity_idx;
DROP INDEX users_tenant_identity_key;
DROP INDEX users_tenant_email_key;
CREATE UNIQUE INDEX users_email_key ON users (email);
ALTER TABLE users DROP COLUMN granted_by_operator;
ALTER TABLE users DROP COLUMN identity_id;
DROP TABLE identities;
