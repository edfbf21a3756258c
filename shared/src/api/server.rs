//! The servers page: the list, create and edit, and a credential read.

use serde::Deserialize;

use super::{Connection, documents};

documents! {
    SERVERS = "query Servers { servers(first: 100) { edges { node { id name host os environment hasCredential } } } }";
    CREDENTIAL = "query ServerCredential($id: ID!) { server(id: $id) { credential { username password } } }";
    CREATE_SERVER = "mutation CreateServer($input: CreateServerInput!) { createServer(input: $input) { id } }";
    UPDATE_SERVER = "mutation UpdateServer($id: ID!, $input: UpdateServerInput!) { updateServer(id: $id, input: $input) { id } }";
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServersData {
    pub servers: Connection<Server>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Server {
    pub id: String,
    pub name: String,
    pub host: String,
    pub os: Option<String>,
    pub environment: Option<String>,
    pub has_credential: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CredentialData {
    pub server: ServerCredential,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServerCredential {
    pub credential: Option<Credential>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Credential {
    pub username: String,
    pub password: String,
}
