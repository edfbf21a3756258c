-- Counts a deployment's changes, so a client that hears of it twice (an event and a reply)
-- keeps the newer state.
ALTER TABLE deployments ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
