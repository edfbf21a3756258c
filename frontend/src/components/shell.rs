//! The frame around every signed-in page: navigation by role, the user, their password,
//! language, log out.

use guardia_shared::Permission;
use guardia_shared::api::account::{self, AppInfoData};
use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::json;

use super::lang_switch::LangSwitch;
use super::logout_button::LogoutButton;
use super::tenant_switch::TenantSwitch;
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let info = session.query::<AppInfoData>(account::APP_INFO, || json!({}));
    let link = move |href: &'static str, key: &'static str, visible: bool| {
        visible.then(|| view! { <A href=href attr:data-testid=format!("nav-{}", key.trim_start_matches("nav."))>{move || lang.t(key)}</A> })
    };
    let who = move || {
        session.0.with(|s| {
            s.as_ref()
                .map(|s| {
                    format!(
                        "{} · {} · {}",
                        s.user.name,
                        format::role(s.user.role, lang.0.get()),
                        s.user.tenant.name
                    )
                })
                .unwrap_or_default()
        })
    };
    view! {
        <div class="shell">
            <header class="top">
                <strong class="brand">"GUARDiA ITSM"</strong>
                <nav>
                    {link("/", "nav.dashboard", true)}
                    {link("/srs", "nav.srs", session.can(Permission::SrRead))}
                    {link("/servers", "nav.servers", session.can(Permission::ServerRead))}
                    {link("/deploys", "nav.deploys", session.can(Permission::DeployHistoryRead))}
                    {link("/batch", "nav.batch", session.can(Permission::BatchAgentRead))}
                    {link("/agents", "nav.agents", session.can(Permission::BatchAgentRead))}
                    {link("/sla", "nav.sla", session.can(Permission::SlaReportRead))}
                    {link("/users", "nav.users", session.can(Permission::UserManage))}
                </nav>
                <span class="who" data-testid="who">{who}</span>
                <TenantSwitch />
                <A href="/password" attr:class="account" attr:data-testid="nav-password">{lang.t("nav.password")}</A>
                <LangSwitch />
                <LogoutButton />
            </header>
            {move || info.get().and_then(Result::ok).is_some_and(|d| d.app_info.demo).then(|| view! {
                <p class="demo-banner" data-testid="demo-banner">{lang.t("demo.banner")}</p>
            })}
            <main class="page">{children()}</main>
        </div>
    }
}
