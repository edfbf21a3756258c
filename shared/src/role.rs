//! The five roles a user can hold inside their tenant.

use crate::text_enum::text_enum;

text_enum! {
    /// A user's role inside their tenant (rights: docs/permissions.md).
    Role {
        Admin => "ADMIN",
        Pm => "PM",
        Engineer => "ENGINEER",
        DeployEngineer => "DEPLOY_ENGINEER",
        Customer => "CUSTOMER",
    }
}
