ALTER TABLE batch_jobs DROP COLUMN catch_up;
ALTER TABLE batch_runs DROP COLUMN catch_up;
