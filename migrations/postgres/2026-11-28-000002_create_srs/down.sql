DROP TABLE sr_comments;
DROP TABLE srs;
