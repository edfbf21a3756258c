DROP TABLE agents;
DROP TABLE servers;
