//! The permission table (docs/permissions.md), as data. The backend's guards and the web app's
//! visibility rules both read it; nothing else decides who may do what.

use crate::role::Role;
use crate::text_enum::text_enum;

text_enum! {
    /// Something a role may or may not do.
    Permission {
        SrRead => "SR_READ",
        SrCreate => "SR_CREATE",
        SrUpdate => "SR_UPDATE",
        SrComment => "SR_COMMENT",
        DeployTrigger => "DEPLOY_TRIGGER",
        DeployHistoryRead => "DEPLOY_HISTORY_READ",
        BatchRunNow => "BATCH_RUN_NOW",
        BatchManage => "BATCH_MANAGE",
        BatchAgentRead => "BATCH_AGENT_READ",
        ServerRead => "SERVER_READ",
        ServerManage => "SERVER_MANAGE",
        ServerCredentialRead => "SERVER_CREDENTIAL_READ",
        AgentManage => "AGENT_MANAGE",
        UserManage => "USER_MANAGE",
        AuditLogRead => "AUDIT_LOG_READ",
        TenantManage => "TENANT_MANAGE",
        SlaManage => "SLA_MANAGE",
        SlaReportRead => "SLA_REPORT_READ",
    }
}

/// How far a role's right reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Everything of the user's own tenant.
    Tenant,
    /// Only what the user requested themselves (a CUSTOMER's SRs).
    OwnOnly,
    /// Only for users of the operator tenant (the IT service company itself).
    OperatorOnly,
    Denied,
}

use Grant::{Denied as N, OperatorOnly as Op, OwnOnly as Own, Tenant as Y};

/// Columns: ADMIN, PM, ENGINEER, DEPLOY_ENGINEER, CUSTOMER (the order of [`Role::ALL`]).
const TABLE: &[(Permission, [Grant; 5])] = &[
    (Permission::SrRead, [Y, Y, Y, Y, Own]),
    (Permission::SrCreate, [Y, Y, Y, Y, Y]),
    (Permission::SrUpdate, [Y, Y, Y, Y, N]),
    (Permission::SrComment, [Y, Y, Y, Y, Own]),
    (Permission::DeployTrigger, [Y, Y, N, Y, N]),
    (Permission::DeployHistoryRead, [Y, Y, Y, Y, N]),
    (Permission::BatchRunNow, [Y, Y, N, Y, N]),
    (Permission::BatchManage, [Y, Y, N, N, N]),
    (Permission::BatchAgentRead, [Y, Y, Y, Y, N]),
    (Permission::ServerRead, [Y, Y, Y, Y, N]),
    (Permission::ServerManage, [Y, Y, N, N, N]),
    (Permission::ServerCredentialRead, [Y, N, N, Y, N]),
    (Permission::AgentManage, [Y, N, N, Y, N]),
    (Permission::UserManage, [Y, N, N, N, N]),
    (Permission::AuditLogRead, [Y, N, N, N, N]),
    (Permission::TenantManage, [Op, N, N, N, N]),
    (Permission::SlaManage, [Y, N, N, N, N]),
    // Not CUSTOMER: the report lists every breached SR of the tenant, and a customer sees
    // only their own SRs (each SR's own SLA shows with the SR, under SR_READ).
    (Permission::SlaReportRead, [Y, Y, N, N, N]),
];

const fn role_column(role: Role) -> usize {
    match role {
        Role::Admin => 0,
        Role::Pm => 1,
        Role::Engineer => 2,
        Role::DeployEngineer => 3,
        Role::Customer => 4,
    }
}

/// The grant a role holds for a permission.
pub fn grant(role: Role, permission: Permission) -> Grant {
    TABLE
        .iter()
        .find(|(p, _)| *p == permission)
        .map_or(Grant::Denied, |(_, row)| row[role_column(role)])
}

/// Whether a user of `role` may use `permission` at all, given whether their tenant is the
/// operator tenant. `OwnOnly` counts as allowed: the caller narrows the rows.
pub fn allows_in(role: Role, permission: Permission, operator_tenant: bool) -> bool {
    match grant(role, permission) {
        Grant::Tenant | Grant::OwnOnly => true,
        Grant::OperatorOnly => operator_tenant,
        Grant::Denied => false,
    }
}

/// Whether `role` may use `permission` in an ordinary (non-operator) tenant.
pub fn allows(role: Role, permission: Permission) -> bool {
    allows_in(role, permission, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_has_exactly_one_row() {
        for permission in Permission::ALL {
            let rows = TABLE.iter().filter(|(p, _)| p == permission).count();
            assert_eq!(rows, 1, "{permission} has {rows} rows");
        }
        for role in Role::ALL {
            assert_eq!(Role::ALL[role_column(*role)], *role);
        }
    }

    #[test]
    fn customers_see_only_their_own_srs_and_nothing_of_operations() {
        assert_eq!(grant(Role::Customer, Permission::SrRead), Grant::OwnOnly);
        assert!(allows(Role::Customer, Permission::SrCreate));
        assert!(!allows(Role::Customer, Permission::SrUpdate));
        assert!(!allows(Role::Customer, Permission::ServerRead));
        assert!(!allows(Role::Customer, Permission::DeployHistoryRead));
    }

    #[test]
    fn tenant_management_needs_the_operator_tenant() {
        assert!(!allows(Role::Admin, Permission::TenantManage));
        assert!(allows_in(Role::Admin, Permission::TenantManage, true));
        assert!(!allows_in(Role::Pm, Permission::TenantManage, true));
    }
}

#[cfg(test)]
mod specification {
    //! The table of docs/permissions.md written out again as text, independently of `TABLE`:
    //! the data must say exactly this, so a changed cell has to be changed in both places.
    use super::*;

    /// Columns ADMIN PM ENGINEER DEPLOY_ENGINEER CUSTOMER: Y allowed, O own only,
    /// X operator tenant only, N denied.
    const SPEC: &[(&str, &str)] = &[
        ("SR_READ", "Y Y Y Y O"),
        ("SR_CREATE", "Y Y Y Y Y"),
        ("SR_UPDATE", "Y Y Y Y N"),
        ("SR_COMMENT", "Y Y Y Y O"),
        ("DEPLOY_TRIGGER", "Y Y N Y N"),
        ("DEPLOY_HISTORY_READ", "Y Y Y Y N"),
        ("BATCH_RUN_NOW", "Y Y N Y N"),
        ("BATCH_MANAGE", "Y Y N N N"),
        ("BATCH_AGENT_READ", "Y Y Y Y N"),
        ("SERVER_READ", "Y Y Y Y N"),
        ("SERVER_MANAGE", "Y Y N N N"),
        ("SERVER_CREDENTIAL_READ", "Y N N Y N"),
        ("AGENT_MANAGE", "Y N N Y N"),
        ("USER_MANAGE", "Y N N N N"),
        ("AUDIT_LOG_READ", "Y N N N N"),
        ("TENANT_MANAGE", "X N N N N"),
        ("SLA_MANAGE", "Y N N N N"),
        ("SLA_REPORT_READ", "Y Y N N N"),
    ];

    #[test]
    fn the_shared_table_matches_design_section_3() {
        assert_eq!(SPEC.len(), Permission::ALL.len());
        for (name, row) in SPEC {
            let permission: Permission = name.parse().unwrap();
            for (role, cell) in Role::ALL.iter().zip(row.split_whitespace()) {
                let expected = match cell {
                    "Y" => Grant::Tenant,
                    "O" => Grant::OwnOnly,
                    "X" => Grant::OperatorOnly,
                    _ => Grant::Denied,
                };
                assert_eq!(grant(*role, permission), expected, "{role} {permission}");
            }
        }
    }
}
