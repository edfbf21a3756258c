//! Slows password guessing without letting strangers lock an account's owner out.
//!
//! Failures are counted per (email, client) and per client. After a few free failures each
//! further attempt on that key must wait a delay that doubles with every failure (1 s, 2 s, 4 s
//! … up to 15 minutes); a key is forgotten after 15 quiet minutes. An attempt is counted when
//! it starts, before the password is checked, so concurrent guesses cannot all slip through
//! while the first ones are still being hashed; a success or an attempt that was never
//! checked gives its count back.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Free failures for one email from one client before delays start.
pub const FREE_FAILURES_PER_ACCOUNT: u32 = 5;
/// Free failures from one client, whatever the emails, before delays start.
pub const FREE_FAILURES_PER_CLIENT: u32 = 20;
const FIRST_DELAY: Duration = Duration::from_secs(1);
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// A key with no attempt for this long (and no delay running) starts over.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Beyond this many keys, forgotten ones are pruned (at most once per [`PRUNE_EVERY`]).
const PRUNE_AT: usize = 10_000;
const PRUNE_EVERY: Duration = Duration::from_secs(10);
/// Beyond this many keys after pruning, only keys that are being delayed are kept.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String, IpAddr),
    Client(IpAddr),
}

impl Key {
    fn free_failures(&self) -> u32 {
        match self {
            Key::Account(..) => FREE_FAILURES_PER_ACCOUNT,
            Key::Client(_) => FREE_FAILURES_PER_CLIENT,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    failures: u32,
    /// No attempt on this key before then (meaningful once the free failures are used up).
    blocked_until: Instant,
    last_attempt: Instant,
}

impl Counter {
    fn fresh(now: Instant) -> Self {
        Counter {
            failures: 0,
            blocked_until: now,
            last_attempt: now,
        }
    }

    fn forgotten(&self, now: Instant) -> bool {
        now >= self.blocked_until && now.duration_since(self.last_attempt) >= FORGET_AFTER
    }
}

/// The wait after the `failures`-th failure on a key with `free` free failures.
fn delay_after(failures: u32, free: u32) -> Duration {
    if failures < free {
        return Duration::ZERO;
    }
    let doublings = (failures - free).min(20);
    FIRST_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY)
}

/// One client per IPv4 address, and per /64 for IPv6 (what one subscriber usually holds).
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

/// Refused: the caller must wait this long before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub retry_after: Duration,
}

#[derive(Default)]
pub struct LoginLimiter {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    keys: HashMap<Key, Counter>,
    pruned_at: Option<Instant>,
}

impl LoginLimiter {
    /// Starts an attempt for `email` from `client`, counted as a failure until it is settled.
    pub fn begin(&self, email: &str, client: IpAddr) -> Result<Attempt<'_>, Refused> {
        let now = Instant::now();
        let client = client_key(client);
        let keys = [Key::Account(email.to_lowercase(), client), Key::Client(client)];
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.prune(now);
        let map = &mut state.keys;
        let mut wait = Duration::ZERO;
        for key in &keys {
            if let Some(counter) = map.get(key).filter(|c| !c.forgotten(now))
                && counter.failures >= key.free_failures()
            {
                wait = wait.max(counter.blocked_until.saturating_duration_since(now));
            }
        }
        if !wait.is_zero() {
            return Err(Refused { retry_after: wait });
        }
        let mut before = [None; 2];
        for (key, previous) in keys.iter().zip(before.iter_mut()) {
            let counter = map.entry(key.clone()).or_insert_with(|| Counter::fresh(now));
            if counter.forgotten(now) {
                *counter = Counter::fresh(now);
            }
            *previous = Some(*counter);
            counter.failures += 1;
            counter.last_attempt = now;
            counter.blocked_until = now + delay_after(counter.failures, key.free_failures());
        }
        drop(state);
        let [account, client] = keys;
        Ok(Attempt {
            limiter: self,
            account,
            client,
            before: before.map(|b| b.unwrap_or_else(|| Counter::fresh(now))),
        })
    }

    /// Gives back what an attempt counted: on both keys, or (success) on the client only, the
    /// account key being cleared.
    fn give_back(&self, attempt: &Attempt<'_>, succeeded: bool) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let map = &mut state.keys;
        if succeeded {
            map.remove(&attempt.account);
        }
        let keys = [
            (&attempt.account, attempt.before[0]),
            (&attempt.client, attempt.before[1]),
        ];
        for (key, before) in keys.into_iter().skip(usize::from(succeeded)) {
            if let Some(counter) = map.get_mut(key) {
                counter.failures = counter.failures.saturating_sub(1);
                counter.blocked_until = counter.blocked_until.min(before.blocked_until);
            }
        }
    }
}

impl State {
    fn prune(&mut self, now: Instant) {
        let recently = self
            .pruned_at
            .is_some_and(|at| now.duration_since(at) < PRUNE_EVERY);
        if self.keys.len() <= PRUNE_AT || recently {
            return;
        }
        self.pruned_at = Some(now);
        self.keys.retain(|_, counter| !counter.forgotten(now));
        if self.keys.len() > MAX_KEYS {
            self.keys
                .retain(|key, counter| counter.failures >= key.free_failures());
        }
    }
}

/// A login attempt in progress. Dropped without being settled (an error on the way), it stays
/// counted as a failure, which is the safe side.
pub struct Attempt<'a> {
    limiter: &'a LoginLimiter,
    account: Key,
    client: Key,
    /// Both keys' counters before this attempt, to give back what it counted.
    before: [Counter; 2],
}

impl Attempt<'_> {
    /// The password was wrong (or the account unknown or inactive): the count stays.
    pub fn failed(self) {}

    /// The login succeeded: this email's failures from this client are forgotten.
    pub fn succeeded(self) {
        self.limiter.give_back(&self, true);
    }

    /// The password was never checked (the server was busy): nothing counts.
    pub fn not_checked(self) {
        self.limiter.give_back(&self, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn attempts_count_before_they_are_checked() {
        let limiter = LoginLimiter::default();
        let stranger = ip("203.0.113.9");
        // Forty concurrent guesses: all begin before any is settled.
        let started: Vec<_> = (0..40).map(|_| limiter.begin("kim@x.kr", stranger)).collect();
        let admitted = started.iter().filter(|a| a.is_ok()).count();
        assert_eq!(admitted, FREE_FAILURES_PER_ACCOUNT as usize);
        let refused = started.iter().find_map(|a| a.as_ref().err()).expect("refused");
        assert!(refused.retry_after > Duration::ZERO && refused.retry_after <= FIRST_DELAY);
        for attempt in started.into_iter().flatten() {
            attempt.failed();
        }
    }

    #[test]
    fn strangers_do_not_lock_the_owner_out() {
        let limiter = LoginLimiter::default();
        for _ in 0..FREE_FAILURES_PER_ACCOUNT {
            limiter
                .begin("kim@x.kr", ip("203.0.113.9"))
                .expect("free")
                .failed();
        }
        assert!(
            limiter.begin("KIM@x.kr", ip("203.0.113.9")).is_err(),
            "the stranger waits"
        );
        let owner = limiter
            .begin("kim@x.kr", ip("198.51.100.7"))
            .expect("the owner may try");
        owner.succeeded();
        assert!(
            limiter.begin("lee@x.kr", ip("203.0.113.9")).is_ok(),
            "other emails from there"
        );
    }

    #[test]
    fn delays_double_and_are_capped() {
        let free = FREE_FAILURES_PER_ACCOUNT;
        assert_eq!(delay_after(free - 1, free), Duration::ZERO);
        assert_eq!(delay_after(free, free), FIRST_DELAY);
        assert_eq!(delay_after(free + 3, free), FIRST_DELAY * 8);
        assert_eq!(delay_after(free + 40, free), MAX_DELAY);
    }

    #[test]
    fn a_client_is_limited_across_emails_and_ipv6_by_its_64() {
        let limiter = LoginLimiter::default();
        for i in 0..FREE_FAILURES_PER_CLIENT {
            let client = ip(&format!("2001:db8:0:1::{i:x}"));
            limiter
                .begin(&format!("user{i}@x.kr"), client)
                .expect("free")
                .failed();
        }
        assert!(limiter.begin("new@x.kr", ip("2001:db8:0:1:ffff::1")).is_err());
        assert!(
            limiter.begin("new@x.kr", ip("2001:db8:0:2::1")).is_ok(),
            "another /64"
        );
    }

    #[test]
    fn unchecked_and_successful_attempts_give_their_count_back() {
        let limiter = LoginLimiter::default();
        let client = ip("10.0.0.1");
        for _ in 0..3 * FREE_FAILURES_PER_ACCOUNT {
            limiter
                .begin("kim@x.kr", client)
                .expect("never counted")
                .not_checked();
        }
        for _ in 0..FREE_FAILURES_PER_ACCOUNT - 1 {
            limiter.begin("kim@x.kr", client).expect("free").failed();
        }
        limiter.begin("kim@x.kr", client).expect("last free").succeeded();
        for _ in 0..FREE_FAILURES_PER_ACCOUNT {
            limiter
                .begin("kim@x.kr", client)
                .expect("cleared by the success")
                .failed();
        }
        assert!(limiter.begin("kim@x.kr", client).is_err());
    }
}
