//! Service levels (docs/sla.md): business time, where an SR's clocks stand and the monthly
//! report, as pure rules. Storage is in `db::sla`, the use cases in `service::sla`, the watch
//! that announces SRs crossing 75 % or their target in `sla_watch`, the API in `graphql::sla`.

pub mod calendar;
pub mod report;
pub mod standing;

pub use calendar::BusinessCalendar;
pub use standing::{ClockStanding, Moment, MomentKind, Standing, Targets};
