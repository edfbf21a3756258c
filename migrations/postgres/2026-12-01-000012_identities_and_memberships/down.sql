-- Only while every person has one membership: a person in several tenants cannot go back to
-- one user row per email.
DROP POLICY member_tenants ON tenants;
ALTER TABLE users ADD COLUMN password_hash TEXT;
UPDATE users u SET password_hash = i.password_hash FROM identities i WHERE i.id = u.identity_id;
ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL;
DROP POLICY member_of_tenant ON identities;
DROP INDEX users_email_idx;
DROP INDEX users_identity_idx;
DROP INDEX users_tenant_identity_key;
DROP INDEX users_tenant_email_key;
CREATE UNIQUE INDEX users_email_key ON users (email);
ALTER TABLE users DROP COLUMN granted_by_operator;
ALTER TABLE users DROP COLUMN identity_id;
DROP TABLE identities;
