-- Nothing to undo: giving the grants back to a role every installation in the cluster shares
-- would open this database to the others again.
SELECT 1;
