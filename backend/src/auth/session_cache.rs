//! The token check's facts as last read, per membership, kept while the session generation
//! stands still (docs/architecture.md, "The session generation"). Every request still reads
//! the generation in its own transaction, so a change committed anywhere, by any server
//! process, is seen at the next request; the cache only saves reading the same row again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::db::user::SessionFacts;

/// Most memberships kept; past it the cache starts again empty (a bound, not an eviction
/// policy: the facts of an active user are read again at their next request).
const MAX_ENTRIES: usize = 4096;

#[derive(Default)]
pub struct SessionCache {
    /// By user id: the generation the facts were read at, and the facts.
    entries: Mutex<HashMap<String, (i64, Arc<SessionFacts>)>>,
}

/// What the cache knows of one membership before the generation is read.
pub enum Known {
    /// Facts read at this generation.
    Facts(i64, Arc<SessionFacts>),
    /// Nothing: read the facts with the generation.
    Nothing,
}

impl SessionCache {
    /// What is kept for `user_id` of `tenant_id`.
    pub fn known(&self, tenant_id: &str, user_id: &str) -> Known {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(user_id) {
            Some((generation, facts)) if facts.user.tenant_id == tenant_id => {
                Known::Facts(*generation, facts.clone())
            }
            _ => Known::Nothing,
        }
    }

    /// Keeps facts read in the same statement as `generation`: a later change moves the
    /// generation past it.
    pub fn keep(&self, generation: i64, facts: Arc<SessionFacts>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&facts.user.id) {
            entries.clear();
        }
        entries.insert(facts.user.id.clone(), (generation, facts));
    }
}
