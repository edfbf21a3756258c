//! Integration tests: one binary, one module per area. Storage and API tests run on SQLite and
//! PostgreSQL (`sqlite::…` / `postgres::…`); processes are the real `guardia` binary.

mod browser;
mod cli;
mod migrations;
mod rls;
mod schema_rules;
mod server;
mod storage;
