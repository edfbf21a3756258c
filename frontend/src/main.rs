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
    // A panic's message goes to the browser console (not only "unreachable executed").
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into())
    }));
    leptos::mount::mount_to_body(app::App);
}
