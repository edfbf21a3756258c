//! Integration tests: one binary, one module per area. Storage and API tests run on SQLite and
//! PostgreSQL (`sqlite::…` / `postgres::…`); processes are the real `guardia` binary.

mod account;
mod auth;
mod browser;
mod cli;
mod copy;
mod demo;
mod deploy;
mod domain;
mod isolation;
mod migrations;
mod permissions;
mod rls;
mod schema_rules;
mod server;
mod statements;
mod storage;
mod transport;
mod web;
