//! `guardia`: the GUARDiA ITSM server and its admin commands.

use std::process::ExitCode;

use clap::Parser;
use guardia_backend::{cli, telemetry};

/// mimalloc: a GraphQL request allocates many small objects, and glibc's malloc showed as a
/// fifth of the server's time under load (guardia-bench load, perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    telemetry::init();
    // Multi-threaded: the SQLite wrapper and the migration harness block worker threads.
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
