DROP TABLE users;
DROP TABLE tenants;
