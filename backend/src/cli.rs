//! The `guardia` command line (README.md, "Commands"): serve (default), demo, migrate, tenant
//! and user admin, database copy.

mod demo;
pub mod serve;
mod tenant;
mod transfer;
mod user;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use guardia_shared::Role;

use crate::db::{self, DatabaseUrl};

#[derive(Debug, Parser)]
#[command(
    name = "guardia",
    version,
    about = "GUARDiA ITSM: multi-tenant IT service management"
)]
pub struct Cli {
    /// Database: unset = ./guardia.db (SQLite); sqlite://PATH; postgres://USER:PASS@HOST/DB
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server: web app, API and operational endpoints (the default)
    Serve(serve::ServeArgs),
    /// Try GUARDiA: recreate ./guardia-demo.db with sample tenants and logins, simulate
    /// Jenkins in-process, and serve (prints the URL and the logins)
    Demo(demo::DemoArgs),
    /// Apply pending database migrations and exit
    Migrate,
    /// Print the GraphQL schema (SDL)
    Schema,
    /// Manage tenants (institutions)
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage users
    #[command(subcommand)]
    User(UserCommand),
    /// Move data between databases: copy (e.g. SQLite → PostgreSQL) and verify
    #[command(subcommand)]
    Db(transfer::DbCommand),
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant
    Create {
        /// Short code, e.g. seoul-univ: lowercase letters, digits and '-', at most 20
        #[arg(long)]
        code: String,
        /// Display name, e.g. "Seoul National University"
        #[arg(long)]
        name: String,
        /// The operator tenant: the IT service company itself (its ADMINs manage tenants)
        #[arg(long)]
        operator: bool,
    },
    /// Show or set where a tenant's Jenkins jobs live: the folder its deploy projects and batch
    /// jobs must be inside (default: the tenant code) and optionally its own Jenkins
    Jenkins {
        /// The tenant's code
        #[arg(long)]
        code: String,
        /// The folder the tenant's jobs must be inside, e.g. institutions/seoul-hosp
        #[arg(long)]
        folder_root: Option<String>,
        /// The tenant's own Jenkins base URL (with --user; the API token from --token or stdin)
        #[arg(long, requires = "user")]
        url: Option<String>,
        /// The Jenkins user GUARDiA acts as on the tenant's own Jenkins
        #[arg(long, requires = "url")]
        user: Option<String>,
        /// That user's API token; if omitted it is read from standard input (preferred: a
        /// command line is visible to other local users)
        #[arg(long, requires = "url")]
        token: Option<String>,
        /// Go back to the installation's Jenkins and the default folder
        #[arg(long, conflicts_with_all = ["folder_root", "url"])]
        reset: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user in a tenant
    Create {
        /// The tenant's code
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// ADMIN, PM, ENGINEER, DEPLOY_ENGINEER or CUSTOMER
        #[arg(long)]
        role: Role,
        /// The password; if omitted it is read from standard input (prompted on a terminal)
        #[arg(long)]
        password: Option<String>,
    },
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        // Names its databases itself (--from, --to).
        Some(Command::Db(command)) => return transfer::run(command).await,
        // Always its own SQLite file (--file); DATABASE_URL is for real installations.
        Some(Command::Demo(args)) => return demo::run(args).await,
        _ => {}
    }
    let url = DatabaseUrl::parse(cli.database_url.as_deref())?;
    let command = match cli.command {
        Some(command) => command,
        None => Command::Serve(serve::ServeArgs::parse_flags::<_, &str>([])?),
    };
    match command {
        Command::Serve(args) => serve::run(url, args).await,
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Migrate => {
            let applied = db::run_pending(&url).await?;
            if applied.is_empty() {
                println!("{} at {url} is up to date", url.backend_name());
            } else {
                println!(
                    "applied {} migration(s) to {url}: {}",
                    applied.len(),
                    applied.join(", ")
                );
            }
            Ok(())
        }
        Command::Tenant(TenantCommand::Create { code, name, operator }) => {
            tenant::create(&url, &code, &name, operator).await
        }
        Command::Tenant(TenantCommand::Jenkins {
            code,
            folder_root,
            url: jenkins_url,
            user,
            token,
            reset,
        }) => {
            if token.is_some() {
                eprintln!(
                    "warning: --token shows the API token to other local users (ps) and in your \
                     shell history; prefer standard input"
                );
            }
            let args = tenant::JenkinsSettingsArgs {
                folder_root,
                code,
                own: jenkins_url.zip(user),
                token,
                reset,
            };
            tenant::jenkins(&url, args).await
        }
        Command::User(UserCommand::Create {
            tenant,
            email,
            name,
            role,
            password,
        }) => user::create(&url, &tenant, &email, &name, role, password).await,
        Command::Db(_) | Command::Demo(_) => unreachable!("handled above"),
    }
}

/// The working directory, for files kept beside the installation.
fn workdir() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn demo_listens_on_loopback_unless_its_own_bind_option_says_otherwise() {
        let command = Cli::command();
        let demo = command.find_subcommand("demo").expect("demo");
        let bind = demo
            .get_arguments()
            .find(|a| a.get_id() == "bind")
            .expect("--bind");
        assert!(bind.get_env().is_none(), "GUARDIA_BIND must not move the demo");
        let Ok(Cli {
            command: Some(Command::Demo(args)),
            ..
        }) = Cli::try_parse_from(["guardia", "demo"])
        else {
            panic!("`guardia demo` parses");
        };
        assert_eq!(args.bind, "127.0.0.1:8080");
    }
}
