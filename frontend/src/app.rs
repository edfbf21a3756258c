//! The application: contexts (session, language), routes, and the signed-in shell.

use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;

use guardia_shared::Permission;

use crate::components::allowed::Allowed;
use crate::components::shell::Shell;
use crate::i18n::{Lang, LangContext};
use crate::pages;
use crate::session::{self, SessionContext};

#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(Lang::initial());
    Effect::new(move || lang.get().remember());
    provide_context(LangContext(lang));
    provide_context(SessionContext(RwSignal::new(session::load())));
    // A language switch rebuilds the routed page, so texts need no reactive wrappers.
    move || {
        lang.track();
        view! {
        <Router>
            <Routes fallback=pages::not_found::NotFoundPage>
                <Route path=path!("/login") view=pages::login::LoginPage />
                <ParentRoute path=path!("") view=SignedIn>
                    <Route path=path!("") view=pages::dashboard::DashboardPage />
                    <Route path=path!("srs") view=|| view! { <Allowed to=Permission::SrRead><pages::srs::SrsPage /></Allowed> } />
                    <Route path=path!("srs/:id") view=|| view! { <Allowed to=Permission::SrRead><pages::sr_detail::SrDetailPage /></Allowed> } />
                    <Route path=path!("servers") view=|| view! { <Allowed to=Permission::ServerRead><pages::servers::ServersPage /></Allowed> } />
                    <Route path=path!("deploys") view=|| view! { <Allowed to=Permission::DeployHistoryRead><pages::deploys::DeploysPage /></Allowed> } />
                    <Route path=path!("batch") view=|| view! { <Allowed to=Permission::BatchAgentRead><pages::batch::BatchPage /></Allowed> } />
                    <Route path=path!("agents") view=|| view! { <Allowed to=Permission::BatchAgentRead><pages::agents::AgentsPage /></Allowed> } />
                    <Route path=path!("sla") view=|| view! { <Allowed to=Permission::SlaReportRead><pages::sla_report::SlaReportPage /></Allowed> } />
                    <Route path=path!("users") view=|| view! { <Allowed to=Permission::UserManage><pages::users::UsersPage /></Allowed> } />
                    <Route path=path!("password") view=pages::password::PasswordPage />
                    // Inside the shell, so an unknown address still has the menu.
                    <Route path=path!("*any") view=pages::not_found::NotFoundPage />
                </ParentRoute>
            </Routes>
        </Router>
        }
    }
}

/// Pages behind the login: a missing or expired session goes to the login page.
#[component]
fn SignedIn() -> impl IntoView {
    let session = session::use_session();
    move || {
        if session.0.with(Option::is_none) {
            view! { <Redirect path="/login" /> }.into_any()
        } else {
            view! { <Shell><Outlet /></Shell> }.into_any()
        }
    }
}
