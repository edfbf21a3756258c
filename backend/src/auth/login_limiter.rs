//! Counts failed logins per email and per client address in a sliding window, so password
//! guessing is answered with RATE_LIMITED before the password is even checked.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const MAX_FAILURES_PER_EMAIL: usize = 5;
pub const MAX_FAILURES_PER_CLIENT: usize = 20;
/// Beyond this many tracked keys, expired ones are pruned on the next failure.
const PRUNE_AT: usize = 10_000;

#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<Key, Vec<Instant>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Email(String),
    Client(IpAddr),
}

impl LoginLimiter {
    /// Whether another attempt for this email from this client is still allowed.
    pub fn allows(&self, email: &str, client: IpAddr) -> bool {
        let now = Instant::now();
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let recent = |key: &Key| {
            failures.get(key).map_or(0, |times| {
                times.iter().filter(|t| now.duration_since(**t) < WINDOW).count()
            })
        };
        recent(&Key::Email(email.to_lowercase())) < MAX_FAILURES_PER_EMAIL
            && recent(&Key::Client(client)) < MAX_FAILURES_PER_CLIENT
    }

    pub fn record_failure(&self, email: &str, client: IpAddr) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() > PRUNE_AT {
            failures.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        for key in [Key::Email(email.to_lowercase()), Key::Client(client)] {
            let times = failures.entry(key).or_default();
            times.retain(|t| now.duration_since(*t) < WINDOW);
            times.push(now);
        }
    }

    /// A successful login clears the email's failures (not the client's).
    pub fn record_success(&self, email: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(&Key::Email(email.to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_email_and_per_client() {
        let limiter = LoginLimiter::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..MAX_FAILURES_PER_EMAIL {
            assert!(limiter.allows("kim@x.kr", a));
            limiter.record_failure("kim@x.kr", a);
        }
        assert!(!limiter.allows("KIM@x.kr", b), "per email, whatever the client");
        assert!(limiter.allows("lee@x.kr", a));
        for i in 0..MAX_FAILURES_PER_CLIENT {
            limiter.record_failure(&format!("user{i}@x.kr"), b);
        }
        assert!(!limiter.allows("new@x.kr", b), "per client, whatever the email");
        limiter.record_success("kim@x.kr");
        assert!(limiter.allows("kim@x.kr", a));
    }
}
