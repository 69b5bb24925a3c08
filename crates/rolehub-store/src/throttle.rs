//! Limits on password guessing, kept in the database so that every server counts the same
//! attempts.
//!
//! An attempt is counted *before* its password is checked: its rows are written first, then the
//! earlier rows decide whether it may go on. So attempts sent in parallel cannot all slip through
//! before any failure is recorded. Limits are progressive delays rather than lock-outs, per
//! (account, address) pair first: someone guessing from elsewhere makes a person wait seconds, not
//! a quarter of an hour, and a shared address (an office behind one proxy) is limited far more
//! loosely than one pair.

use rolehub_domain::Timestamp;
use sqlx::{AnyConnection, Row};

use crate::error::ServiceError;

/// How long failures are remembered.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;

/// One kind of key and its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Failures within the window that cost nothing.
    pub free: i64,
    /// The longest delay, in seconds.
    pub cap_secs: i64,
}

/// The limits per (account, address), per address and per account.
pub const PAIR: Limit = Limit {
    free: 5,
    cap_secs: 15 * 60,
};
/// Per address: loose, since many people may share one.
pub const ADDRESS: Limit = Limit {
    free: 50,
    cap_secs: 5 * 60,
};
/// Per account from every address: short delays, so a stranger cannot keep a person out.
pub const ACCOUNT: Limit = Limit {
    free: 20,
    cap_secs: 60,
};

/// The delay a key with `earlier` failures in the window asks for after its latest one.
pub fn delay_secs(limit: Limit, earlier: i64) -> i64 {
    if earlier < limit.free {
        return 0;
    }
    let doublings = (earlier - limit.free).min(20) as u32;
    (1i64 << doublings).min(limit.cap_secs)
}

/// The keys of one sign-in attempt.
pub fn keys(account: &str, address: &str) -> [(String, Limit); 3] {
    [
        (format!("pair:{account}|{address}"), PAIR),
        (format!("addr:{address}"), ADDRESS),
        (format!("acct:{account}"), ACCOUNT),
    ]
}

/// A counted attempt: its rows stay as failures unless it succeeds or is turned away.
#[derive(Debug)]
pub struct Attempt {
    id: String,
}

/// Counts an attempt, then answers it, or the seconds to wait when an earlier failure asks for a
/// delay (the attempt is then not counted).
pub async fn begin(
    conn: &mut AnyConnection,
    account: &str,
    address: &str,
    now: Timestamp,
) -> Result<Result<Attempt, u64>, ServiceError> {
    let id = crate::service::new_id();
    let keys = keys(account, address);
    for (key, _) in &keys {
        sqlx::query("INSERT INTO sign_in_attempts (id, subject, at) VALUES ($1, $2, $3)")
            .bind(id.clone())
            .bind(key.clone())
            .bind(now.0)
            .execute(&mut *conn)
            .await?;
    }
    let mut wait = 0i64;
    for (key, limit) in &keys {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MAX(at) AS latest FROM sign_in_attempts WHERE subject = $1 AND id <> $2 AND at > $3",
        )
        .bind(key.clone())
        .bind(id.clone())
        .bind(now.0 - WINDOW_MS)
        .fetch_one(&mut *conn)
        .await?;
        let earlier: i64 = row.try_get("n")?;
        let latest: Option<i64> = row.try_get("latest")?;
        let delay_ms = delay_secs(*limit, earlier) * 1000;
        if let Some(latest) = latest {
            let waited = now.0 - latest;
            if delay_ms > 0 && waited < delay_ms {
                wait = wait.max((delay_ms - waited + 999) / 1000);
            }
        }
    }
    if wait > 0 {
        forget(conn, &Attempt { id }).await?;
        return Ok(Err(wait.max(1) as u64));
    }
    Ok(Ok(Attempt { id }))
}

/// Forgets an attempt that was turned away before its password was checked.
async fn forget(conn: &mut AnyConnection, attempt: &Attempt) -> Result<(), ServiceError> {
    sqlx::query("DELETE FROM sign_in_attempts WHERE id = $1")
        .bind(attempt.id.clone())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Forgets an attempt whose password was never checked (the hashing queue was full).
pub async fn turned_away(conn: &mut AnyConnection, attempt: Attempt) -> Result<(), ServiceError> {
    forget(conn, &attempt).await
}

/// A successful sign-in clears the failures of its pair and account (not of the address).
pub async fn succeeded(
    conn: &mut AnyConnection,
    account: &str,
    address: &str,
    attempt: Attempt,
) -> Result<(), ServiceError> {
    forget(conn, &attempt).await?;
    let [(pair, _), _, (acct, _)] = keys(account, address);
    sqlx::query("DELETE FROM sign_in_attempts WHERE subject = $1 OR subject = $2")
        .bind(pair)
        .bind(acct)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Drops failures older than the window (the expiry sweep calls it).
pub async fn prune(conn: &mut AnyConnection, now: Timestamp) -> Result<u64, ServiceError> {
    Ok(sqlx::query("DELETE FROM sign_in_attempts WHERE at <= $1")
        .bind(now.0 - WINDOW_MS)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_from_the_free_attempts_to_their_cap() {
        assert_eq!(delay_secs(PAIR, 0), 0);
        assert_eq!(delay_secs(PAIR, 4), 0);
        assert_eq!(delay_secs(PAIR, 5), 1);
        assert_eq!(delay_secs(PAIR, 6), 2);
        assert_eq!(delay_secs(PAIR, 9), 16);
        assert_eq!(delay_secs(PAIR, 100), 15 * 60);
        assert_eq!(delay_secs(ACCOUNT, 100), 60);
        assert_eq!(delay_secs(ADDRESS, 49), 0);
    }
}
