//! The application: contexts (session, language), routes, and the signed-in shell.

use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;

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
            <Routes fallback=|| view! { <p class="empty">"404"</p> }>
                <Route path=path!("/login") view=pages::login::LoginPage />
                <ParentRoute path=path!("") view=SignedIn>
                    <Route path=path!("") view=pages::dashboard::DashboardPage />
                    <Route path=path!("srs") view=pages::srs::SrsPage />
                    <Route path=path!("srs/:id") view=pages::sr_detail::SrDetailPage />
                    <Route path=path!("servers") view=pages::servers::ServersPage />
                    <Route path=path!("deploys") view=pages::deploys::DeploysPage />
                    <Route path=path!("batch") view=pages::batch::BatchPage />
                    <Route path=path!("agents") view=pages::agents::AgentsPage />
                    <Route path=path!("users") view=pages::users::UsersPage />
                    <Route path=path!("password") view=pages::password::PasswordPage />
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
