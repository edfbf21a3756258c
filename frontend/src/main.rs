//! GUARDiA ITSM web app: client-side Leptos, compiled to WASM by Trunk, served by `guardia`.

mod app;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
