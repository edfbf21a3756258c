-- SQLite has no roles: the PostgreSQL migration of this name moves grants to the
-- installation's own role. The folder exists so both backends share one list of versions.
SELECT 1;
