//! Service requests: the list, one SR with its comments, create, update, comment.

use serde::Deserialize;

use super::{Connection, Id, Named, documents};
use crate::sr::{SrPriority, SrStatus};

documents! {
    SRS = "query Srs($status: SrStatus, $after: String) { srs(first: 20, status: $status, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { id title status priority createdAt requester { name } assignee { name } sla { state } } } } }";
    SR = "query Sr($id: ID!) { sr(id: $id) { id title description status priority createdAt
        requester { name } assignee { id name } comments { id body createdAt author { name } } } }";
    CREATE_SR = "mutation CreateSr($input: CreateSrInput!) { createSr(input: $input) { id } }";
    UPDATE_SR = "mutation UpdateSr($id: ID!, $input: UpdateSrInput!) { updateSr(id: $id, input: $input) { id } }";
    ADD_COMMENT = "mutation AddSrComment($id: ID!, $body: String!) { addSrComment(id: $id, body: $body) { id } }";
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SrsData {
    pub srs: Connection<SrRow>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SrRow {
    pub id: String,
    pub title: String,
    pub status: SrStatus,
    pub priority: SrPriority,
    pub created_at: String,
    pub requester: Named,
    pub assignee: Option<Named>,
    /// Null when the SR's priority had no targets when it was filed.
    pub sla: Option<super::sla::SlaBadge>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SrData {
    pub sr: Sr,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sr {
    pub id: String,
    pub title: String,
    pub description: String,
    pub status: SrStatus,
    pub priority: SrPriority,
    pub created_at: String,
    pub requester: Named,
    pub assignee: Option<Assignee>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Assignee {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: String,
    pub body: String,
    pub created_at: String,
    pub author: Named,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSrData {
    pub create_sr: Id,
}
