//! Logging in and out, the password, and what the shell asks of the installation.

use serde::{Deserialize, Serialize};

use super::documents;
use crate::Role;

documents! {
    LOGIN = "mutation Login($email: String!, $password: String!) {
        login(email: $email, password: $password) {
            token user { id email name role tenant { code name isOperator } }
            memberships { tenantCode tenantName role } } }";
    SWITCH_TENANT = "mutation SwitchTenant($tenant: String!) {
        switchTenant(tenant: $tenant) {
            token user { id email name role tenant { code name isOperator } }
            memberships { tenantCode tenantName role } } }";
    LOGOUT = "mutation Logout { logout }";
    CHANGE_PASSWORD = "mutation ChangePassword($current: String!, $new: String!) {
        changePassword(current: $current, new: $new) { token } }";
    APP_INFO = "query AppInfo { appInfo { demo timezone } }";
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LoginData {
    pub login: TokenAndUser,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SwitchTenantData {
    pub switch_tenant: TokenAndUser,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TokenAndUser {
    pub token: String,
    pub user: Me,
    /// Every tenant the person may switch to, this one included.
    pub memberships: Vec<MembershipRef>,
}

/// A tenant the signed-in person belongs to, with their role there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MembershipRef {
    pub tenant_code: String,
    pub tenant_name: String,
    pub role: Role,
}

/// The signed-in user, as the web app keeps it for the browser session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub tenant: TenantRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantRef {
    pub code: String,
    pub name: String,
    pub is_operator: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordData {
    pub change_password: Token,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Token {
    pub token: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfoData {
    pub app_info: AppInfo,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AppInfo {
    pub demo: bool,
    pub timezone: String,
}
