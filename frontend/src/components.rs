//! Small building blocks the pages share, one per file.

pub mod allowed;
pub mod bar_chart;
pub mod error_box;
pub mod lang_switch;
pub mod logout_button;
pub mod shell;
pub mod status_badge;
pub mod tenant_switch;
