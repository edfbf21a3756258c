-- Where a tenant's Jenkins jobs live: Jenkins is a tenant boundary too. No row means
-- the defaults: the folder named by the tenant code, on the installation's Jenkins. A row may
-- name another folder root and the tenant's own Jenkins connection, whose API token is sealed
-- like a server credential (nonce + ciphertext, never plaintext).
CREATE TABLE tenant_jenkins (
    tenant_id        TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    folder_root      TEXT NOT NULL,
    url              TEXT,
    username         TEXT,
    token_nonce      BYTEA,
    token_ciphertext BYTEA,
    updated_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id),
    CHECK ((url IS NULL) = (username IS NULL)
       AND (url IS NULL) = (token_nonce IS NULL)
       AND (url IS NULL) = (token_ciphertext IS NULL))
);

SELECT guardia_enable_tenant_rls('tenant_jenkins');

-- A trigger GUARDiA could not complete (refused job, Jenkins down) closes its run as FAILURE
-- with the reason here, so the ledger says why no build exists.
ALTER TABLE deployments ADD COLUMN failure_reason TEXT;
ALTER TABLE batch_runs ADD COLUMN failure_reason TEXT;
