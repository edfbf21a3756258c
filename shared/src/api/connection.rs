//! The pieces many answers share: a Relay connection, an id, a name.

use serde::Deserialize;

/// A page of a Relay connection (`edges { node }`, with the count and cursor where asked).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection<T> {
    pub edges: Vec<Edge<T>>,
    #[serde(default)]
    pub total_count: Option<i64>,
    #[serde(default)]
    pub page_info: Option<PageInfo>,
}

impl<T> Connection<T> {
    pub fn into_nodes(self) -> Vec<T> {
        self.edges.into_iter().map(|e| e.node).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Edge<T> {
    pub node: T,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// An object asked for by its id only (what most mutations answer).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Id {
    pub id: String,
}

/// A person or thing asked for by its name only.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Named {
    pub name: String,
}
