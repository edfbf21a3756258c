-- A scheduled run started late, after downtime, for the latest due time it missed.
ALTER TABLE batch_runs ADD COLUMN catch_up BOOLEAN NOT NULL DEFAULT FALSE;
-- Whether a job runs once after downtime for the latest due time it missed.
ALTER TABLE batch_jobs ADD COLUMN catch_up BOOLEAN NOT NULL DEFAULT TRUE;
