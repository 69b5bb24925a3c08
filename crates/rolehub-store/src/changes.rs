//! How a server hears of the changes other servers commit to the same PostgreSQL database, so that
//! the org states it keeps (see `caches`) stop being trusted at once rather than within a second.
//!
//! Every change bumps its org's version; a trigger (migration 9) then sends the org's id on
//! [`CHANNEL`] when the change commits. Each server listens on a connection of its own and, on any
//! notice, makes every kept snapshot be checked against the database again before an access
//! decision trusts it. A notice that is late or lost costs at most [`crate::caches::FRESH_FOR`] of
//! staleness in reads and decisions, never a wrong write: changes decide on state read under the
//! org's lock. SQLite has no such notices; one process owns the file, and a change another
//! process makes (the CLI beside a running server) is seen within that same bound.

use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::postgres::PgListener;

use crate::caches::Snapshots;

/// The channel the trigger notifies on.
pub(crate) const CHANNEL: &str = "rolehub_org_changed";

/// How long to wait before connecting again after the listening connection failed.
const RETRY: Duration = Duration::from_secs(1);

/// How often a quiet listener looks whether the service it serves is gone.
const LIVENESS: Duration = Duration::from_secs(5);

/// Starts listening in the background for as long as `snapshots` lives (nothing when there is no
/// runtime to run on).
pub(crate) fn follow(url: String, snapshots: &Arc<Snapshots>) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(listen(url, Arc::downgrade(snapshots)));
    }
}

async fn listen(url: String, snapshots: Weak<Snapshots>) {
    loop {
        match subscribe(&url).await {
            Ok(mut listener) => {
                // Anything may have changed while no one listened.
                let Some(kept) = snapshots.upgrade() else {
                    return;
                };
                kept.changed();
                drop(kept);
                if !receive(&mut listener, &snapshots).await {
                    return;
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for other servers' changes"),
        }
        tokio::time::sleep(RETRY).await;
        if snapshots.strong_count() == 0 {
            return;
        }
    }
}

async fn subscribe(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Receives notices until the connection fails (true: subscribe again) or the service is gone
/// (false).
async fn receive(listener: &mut PgListener, snapshots: &Weak<Snapshots>) -> bool {
    loop {
        tokio::select! {
            notice = listener.try_recv() => {
                let Some(kept) = snapshots.upgrade() else {
                    return false;
                };
                // A notice, or a lost connection (the next receive connects again; what was sent
                // meanwhile is lost): either way, check again before trusting.
                kept.changed();
                if let Err(e) = notice {
                    tracing::warn!(error = %e, "lost the other servers' change notices");
                    return true;
                }
            }
            () = tokio::time::sleep(LIVENESS) => {
                if snapshots.strong_count() == 0 {
                    return false;
                }
            }
        }
    }
}
