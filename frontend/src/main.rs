//! GUARDiA ITSM web app: client-side Leptos, compiled to WASM by Trunk, served by `guardia`.
//! It talks to the public GraphQL API only; roles and statuses come from `guardia-shared`.

mod api;
mod app;
mod components;
mod format;
mod i18n;
mod pages;
mod session;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
