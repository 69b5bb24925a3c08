//! Sign-in attempts are limited per account and per client address, so passwords cannot be
//! guessed quickly. Failures count; a success clears the account's count.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed attempts allowed per account in a window.
const PER_ACCOUNT: usize = 5;
/// Failed attempts allowed per address in a window.
const PER_ADDRESS: usize = 20;
/// The window.
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts failed sign-ins.
#[derive(Default)]
pub struct SignInLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl SignInLimiter {
    /// Seconds to wait before another attempt, if the account or address is over its limit.
    pub fn retry_after(&self, account: &str, address: &str) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = None;
        for (key, limit) in [
            (format!("a:{account}"), PER_ACCOUNT),
            (format!("i:{address}"), PER_ADDRESS),
        ] {
            if let Some(times) = map.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < WINDOW);
                if times.len() >= limit {
                    let oldest = times.first().copied().unwrap_or(now);
                    let secs = WINDOW
                        .saturating_sub(now.duration_since(oldest))
                        .as_secs()
                        .max(1);
                    wait = Some(wait.map_or(secs, |w: u64| w.max(secs)));
                }
            }
        }
        wait
    }

    /// Records a failed attempt.
    pub fn failed(&self, account: &str, address: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in [format!("a:{account}"), format!("i:{address}")] {
            map.entry(key).or_default().push(now);
        }
        if map.len() > 100_000 {
            map.retain(|_, times| {
                times
                    .last()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
        }
    }

    /// Clears an account's failures after a success.
    pub fn succeeded(&self, account: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("a:{account}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_accounts_after_five_failures() {
        let limiter = SignInLimiter::default();
        for _ in 0..5 {
            assert_eq!(limiter.retry_after("a@x.example", "127.0.0.1"), None);
            limiter.failed("a@x.example", "127.0.0.1");
        }
        assert!(limiter.retry_after("a@x.example", "127.0.0.1").is_some());
        assert_eq!(limiter.retry_after("b@x.example", "127.0.0.2"), None);
        limiter.succeeded("a@x.example");
        assert_eq!(limiter.retry_after("a@x.example", "127.0.0.3"), None);
    }
}
