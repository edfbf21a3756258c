-- credential_* hold the AEAD-sealed login (nonce + ciphertext); never plaintext.
CREATE TABLE servers (
    tenant_id             TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id                    TEXT NOT NULL,
    name                  TEXT NOT NULL,
    host                  TEXT NOT NULL,
    os                    TEXT,
    environment           TEXT,
    credential_nonce      BLOB,
    credential_ciphertext BLOB,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name),
    CHECK ((credential_nonce IS NULL) = (credential_ciphertext IS NULL))
) WITHOUT ROWID;

-- token_hash: the agent token is shown once at registration and only its hash is kept.
CREATE TABLE agents (
    tenant_id         TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id                TEXT NOT NULL,
    server_id         TEXT NOT NULL,
    name              TEXT NOT NULL,
    token_hash        TEXT NOT NULL,
    version           TEXT,
    hostname          TEXT,
    last_heartbeat_at TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name),
    FOREIGN KEY (tenant_id, server_id) REFERENCES servers (tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX agents_tenant_server_idx ON agents (tenant_id, server_id);
