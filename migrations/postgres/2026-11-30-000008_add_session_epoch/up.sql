-- Each token carries the epoch it was issued in; changing or resetting the password and
-- logging out bump it, so every older token of the user stops working at its next request.
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
