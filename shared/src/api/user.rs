//! The users page (ADMIN).

use serde::Deserialize;

use super::documents;
use crate::Role;

documents! {
    USERS = "query Users { users { id email name role active grantedByOperator } }";
    GRANT_MEMBERSHIP = "mutation GrantMembership($tenant: String!, $email: String!, $role: Role!) {
        grantMembership(tenant: $tenant, email: $email, role: $role) { tenantCode } }";
    REVOKE_MEMBERSHIP = "mutation RevokeMembership($tenant: String!, $email: String!) {
        revokeMembership(tenant: $tenant, email: $email) }";
    CREATE_USER = "mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { id } }";
    SET_ROLE = "mutation UpdateUserRole($id: ID!, $role: Role!) { updateUserRole(id: $id, role: $role) { id } }";
    DEACTIVATE = "mutation DeactivateUser($id: ID!) { deactivateUser(id: $id) { id } }";
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UsersData {
    pub users: Vec<User>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    /// A member of the operator's staff the operator granted: who from the company sees us.
    pub granted_by_operator: bool,
}
