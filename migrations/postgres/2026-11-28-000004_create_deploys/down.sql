DROP TABLE deployments;
DROP TABLE deploy_projects;
