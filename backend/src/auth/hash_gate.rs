//! Bounds concurrent argon2 runs. Each takes about 19 MiB and a core for tens of milliseconds,
//! so unbounded concurrent logins exhaust memory long before they exhaust anything else: at
//! most one run per core, a short queue behind them, and a refusal beyond that.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::Semaphore;

/// Queued runs per running slot.
const QUEUE_PER_SLOT: usize = 2;
/// Longest a queued run waits for a slot before it is refused.
const MAX_WAIT: Duration = Duration::from_secs(3);

/// The gate is full: answer RATE_LIMITED instead of queueing more memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks at once")]
pub struct Busy;

pub struct HashGate {
    slots: Arc<Semaphore>,
    /// Runs holding or waiting for a slot.
    admitted: AtomicUsize,
    capacity: usize,
}

impl HashGate {
    /// `slots` runs at once and `queue` more waiting.
    pub fn new(slots: usize, queue: usize) -> Self {
        let slots = slots.max(1);
        HashGate {
            slots: Arc::new(Semaphore::new(slots)),
            admitted: AtomicUsize::new(0),
            capacity: slots + queue,
        }
    }

    /// The process-wide gate, sized by the cores available.
    pub fn global() -> &'static HashGate {
        static GATE: OnceLock<HashGate> = OnceLock::new();
        GATE.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            HashGate::new(cores, cores * QUEUE_PER_SLOT)
        })
    }

    /// Runs `work` (an argon2 hash or check) on a blocking thread once a slot is free; refuses
    /// at once when the queue is full, or after [`MAX_WAIT`] in it.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
        let admission = self.admit()?;
        let permit = tokio::time::timeout(MAX_WAIT, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        // The permit moves with the work: if the caller goes away, the run still holds its slot
        // until it ends, so the bound is on runs, not on waiting callers.
        let task = tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        });
        let result = task.await.map_err(|_| Busy);
        drop(admission);
        result
    }

    fn admit(&self) -> Result<Admission<'_>, Busy> {
        self.admitted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.capacity).then_some(n + 1)
            })
            .map_err(|_| Busy)?;
        Ok(Admission(&self.admitted))
    }
}

/// One place in the gate, given back when dropped.
struct Admission<'a>(&'a AtomicUsize);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_at_most_the_slots_at_once_and_refuses_beyond_the_queue() {
        let gate = Arc::new(HashGate::new(2, 3));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (gate, running, peak) = (gate.clone(), running.clone(), peak.clone());
                tokio::spawn(async move {
                    gate.run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(100));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        let mut done = 0;
        let mut refused = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(()) => done += 1,
                Err(Busy) => refused += 1,
            }
        }
        assert!(peak.load(Ordering::SeqCst) <= 2, "never more than the slots");
        assert!((2..=5).contains(&done), "slots plus queue at most: {done}");
        assert_eq!(done + refused, 20);
        assert!(gate.run(|| 7).await == Ok(7), "free again afterwards");
    }
}
