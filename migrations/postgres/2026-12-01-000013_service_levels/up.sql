-- Service levels (docs/sla.md): each tenant's targets per priority and its business calendar;
-- each SR's timeline (creation, status changes, the first staff reply), from which its clocks
-- are worked out; and on each SR the clocks as they stood after its last change, so lists
-- read, filter and sort them without working anything out.

CREATE TABLE sla_policies (
    tenant_id          TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id                 TEXT NOT NULL,
    priority           TEXT NOT NULL CHECK (priority IN ('LOW', 'MEDIUM', 'HIGH', 'URGENT')),
    response_minutes   INTEGER NOT NULL CHECK (response_minutes > 0),
    resolution_minutes INTEGER NOT NULL CHECK (resolution_minutes > 0),
    updated_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, priority)
);

-- Working days as bits (Monday = 1 … Sunday = 64), the working day's minutes in the
-- installation's time zone, and the holidays as ISO dates separated by commas.
CREATE TABLE sla_calendars (
    tenant_id        TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    weekdays         INTEGER NOT NULL CHECK (weekdays BETWEEN 1 AND 127),
    day_start_minute INTEGER NOT NULL CHECK (day_start_minute BETWEEN 0 AND 1439),
    day_end_minute   INTEGER NOT NULL CHECK (day_end_minute > day_start_minute AND day_end_minute <= 1440),
    holidays         TEXT NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id)
);

CREATE TABLE sr_timeline (
    tenant_id TEXT NOT NULL REFERENCES tenants (code) ON DELETE CASCADE,
    id        TEXT NOT NULL,
    sr_id     TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('CREATED', 'STATUS_CHANGED', 'STAFF_REPLY')),
    status    TEXT NOT NULL CHECK (status IN ('OPEN', 'IN_PROGRESS', 'ON_HOLD', 'RESOLVED', 'CLOSED', 'CANCELLED')),
    by_staff  BOOLEAN NOT NULL,
    at        TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, sr_id) REFERENCES srs (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX sr_timeline_tenant_sr_idx ON sr_timeline (tenant_id, sr_id, at);

-- Existing SRs: created OPEN, and their present status since their last change. They had no
-- targets, so their clocks stay empty.
INSERT INTO sr_timeline (tenant_id, id, sr_id, kind, status, by_staff, at)
SELECT tenant_id, id || '-created', id, 'CREATED', 'OPEN', FALSE, created_at FROM srs;
INSERT INTO sr_timeline (tenant_id, id, sr_id, kind, status, by_staff, at)
SELECT tenant_id, id || '-status', id, 'STATUS_CHANGED', status, TRUE, updated_at FROM srs
WHERE status <> 'OPEN';

-- The targets an SR took when it was created (minutes), and per clock: when 75 % and 100 %
-- of it are (or were) used, when it was met, the business seconds it used once stopped, and
-- the highest state announced for it.
ALTER TABLE srs ADD COLUMN sla_response_target_minutes INTEGER;
ALTER TABLE srs ADD COLUMN sla_resolution_target_minutes INTEGER;
ALTER TABLE srs ADD COLUMN sla_response_warn_at TIMESTAMP;
ALTER TABLE srs ADD COLUMN sla_response_due_at TIMESTAMP;
ALTER TABLE srs ADD COLUMN sla_response_met_at TIMESTAMP;
ALTER TABLE srs ADD COLUMN sla_response_elapsed_seconds BIGINT;
ALTER TABLE srs ADD COLUMN sla_response_alerted TEXT NOT NULL DEFAULT 'OK' CHECK (sla_response_alerted IN ('OK', 'WARNING', 'BREACHED'));
ALTER TABLE srs ADD COLUMN sla_resolution_warn_at TIMESTAMP;
ALTER TABLE srs ADD COLUMN sla_resolution_due_at TIMESTAMP;
ALTER TABLE srs ADD COLUMN sla_resolution_met_at TIMESTAMP;
ALTER TABLE srs ADD COLUMN sla_resolution_elapsed_seconds BIGINT;
ALTER TABLE srs ADD COLUMN sla_resolution_alerted TEXT NOT NULL DEFAULT 'OK' CHECK (sla_resolution_alerted IN ('OK', 'WARNING', 'BREACHED'));
-- The earliest 75 % and 100 % instants of the clocks not yet met (SRs at risk, by due time),
-- and the next instant the watch has something to announce.
ALTER TABLE srs ADD COLUMN sla_warn_at TIMESTAMP;
ALTER TABLE srs ADD COLUMN sla_due_at TIMESTAMP;
ALTER TABLE srs ADD COLUMN sla_next_alert_at TIMESTAMP;

CREATE INDEX srs_tenant_sla_warn_idx ON srs (tenant_id, sla_warn_at) WHERE sla_warn_at IS NOT NULL;
CREATE INDEX srs_tenant_sla_alert_idx ON srs (tenant_id, sla_next_alert_at) WHERE sla_next_alert_at IS NOT NULL;

SELECT guardia_enable_tenant_rls('sla_policies');
SELECT guardia_enable_tenant_rls('sla_calendars');
SELECT guardia_enable_tenant_rls('sr_timeline');
