//! The five roles a user can hold inside their tenant.

use crate::text_enum::text_enum;

text_enum! {
    /// A user's role inside their tenant (DESIGN.md §3).
    Role {
        Admin => "ADMIN",
        Pm => "PM",
        Engineer => "ENGINEER",
        DeployEngineer => "DEPLOY_ENGINEER",
        Customer => "CUSTOMER",
    }
}
