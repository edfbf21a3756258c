DROP TABLE batch_runs;
DROP TABLE batch_jobs;
