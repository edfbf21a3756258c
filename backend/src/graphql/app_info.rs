//! `appInfo`: what this server is, for anyone (no login needed), so the web app can show a
//! "demo, simulated Jenkins" banner before and after signing in.

use async_graphql::{Context, Object, SimpleObject};

use super::context::services;

/// The server's version and how it runs.
#[derive(SimpleObject)]
pub struct AppInfo {
    /// GUARDiA's version, e.g. `0.1.0`.
    pub version: String,
    /// Started with `guardia demo`: a throwaway database with sample tenants and logins.
    pub demo: bool,
    /// Deploys and batch runs go to an in-process Jenkins simulator, not a real Jenkins.
    pub jenkins_simulated: bool,
    /// The time zone batch schedules are read in (`GUARDIA_TIMEZONE`), e.g. `Asia/Seoul`.
    pub timezone: String,
}

#[derive(Default)]
pub struct AppInfoQuery;

#[Object]
impl AppInfoQuery {
    /// The server's version and whether it is a demo; needs no login.
    async fn app_info(&self, ctx: &Context<'_>) -> AppInfo {
        let services = services(ctx);
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            demo: services.app.demo,
            jenkins_simulated: services.app.jenkins_simulated,
            timezone: services.schedule_time.timezone.name().to_owned(),
        }
    }
}
