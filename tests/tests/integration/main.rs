//! Integration tests: one binary, one module per area. Storage and API tests run on SQLite and
//! PostgreSQL (`sqlite::…` / `postgres::…`); processes are the real `guardia` binary.

mod account;
mod at_rest;
mod auth;
mod browser;
mod cli;
mod copy;
mod cost;
mod demo;
mod deploy;
mod domain;
mod installations;
mod isolation;
mod jenkins_tenancy;
mod login_limits;
mod memberships;
mod migrations;
mod ordering;
mod permissions;
mod playground;
mod rls;
mod scheduler;
mod schema_rules;
mod server;
mod session_check;
mod sla;
mod statements;
mod storage;
mod transport;
mod web;
mod websocket;
