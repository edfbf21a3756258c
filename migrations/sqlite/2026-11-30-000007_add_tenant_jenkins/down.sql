ALTER TABLE batch_runs DROP COLUMN failure_reason;
ALTER TABLE deployments DROP COLUMN failure_reason;
DROP TABLE tenant_jenkins;
