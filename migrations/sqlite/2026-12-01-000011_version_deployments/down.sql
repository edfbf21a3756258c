ALTER TABLE deployments DROP COLUMN version;
