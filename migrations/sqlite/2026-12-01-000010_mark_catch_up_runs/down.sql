ALTER TABLE batch_runs DROP COLUMN catch_up;
