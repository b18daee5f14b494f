//! Per-signer rate limit for POST /v1/entries: a token bucket per signer key.
//!
//! Checked after the author signature verifies, so nobody can spend a reporter's budget by
//! naming their key on entries they did not sign.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept before idle (full) ones are dropped; bounds memory whatever keys are tried.
const MAX_TRACKED: usize = 4096;

pub struct RateLimiter {
    /// Entries per minute per key; 0 is unlimited.
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take one token for `key`, or say how many seconds until one is available.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        // The bucket holds a minute's worth, so a reporter can send a burst of that size.
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(key) {
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_secs_f64() * per_second < capacity
            });
        }
        let b = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * per_second).min(capacity);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_of_a_minute_then_refills() {
        let r = RateLimiter::new(60);
        let t0 = Instant::now();
        for _ in 0..60 {
            assert!(r.check_at("alice", t0).is_ok());
        }
        assert_eq!(r.check_at("alice", t0), Err(1));
        // Other keys have their own budget.
        assert!(r.check_at("bruno", t0).is_ok());
        assert!(r.check_at("alice", t0 + Duration::from_secs(1)).is_ok());
        assert!(r.check_at("alice", t0 + Duration::from_secs(1)).is_err());
    }

    #[test]
    fn zero_is_unlimited() {
        let r = RateLimiter::new(0);
        for _ in 0..10_000 {
            assert!(r.check("k").is_ok());
        }
    }
}
