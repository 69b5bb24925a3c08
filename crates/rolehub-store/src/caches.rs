//! What one server keeps in memory to spare the database, and why it can never decide wrongly.
//!
//! **Org snapshots.** A read loads an org and every holder of a grant in it. That state changes
//! only in a change that bumps the org's version (every change takes the org's lock by bumping it,
//! in its own transaction), or in a change to a holder's own record (their status, their sign-in),
//! which bumps their home org's version. So a snapshot is kept with the versions of the org and of
//! its holders' home orgs; a read asks for those versions (one indexed query, in its own read
//! transaction) and uses the snapshot only when they are all the same. Another server's change is
//! seen at once, with no message between servers. Changes never use snapshots: they read under
//! the org's lock. Memory is bounded: past the cap, the least recently used org is dropped.
//!
//! **Credentials.** A token or session found live is remembered for one second, so a burst of
//! requests authenticates once. A revocation on this server clears the memory at once; on another
//! server it takes effect within that second.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rolehub_domain::OrgState;

use crate::service::auth::Authenticated;

/// The versions a snapshot was loaded at: the org's, then its holders' home orgs', by org id.
pub(crate) type Versions = Vec<(String, i64)>;

struct Snapshot {
    versions: Versions,
    state: OrgState,
    used: u64,
}

/// Org states kept by version, at most `cap` orgs.
pub(crate) struct Snapshots {
    cap: usize,
    inner: Mutex<(HashMap<String, Snapshot>, u64)>,
}

impl Snapshots {
    /// At most `cap` orgs (0 keeps none).
    pub(crate) fn new(cap: usize) -> Snapshots {
        Snapshots {
            cap,
            inner: Mutex::new((HashMap::new(), 0)),
        }
    }

    /// The org's state, when one is kept at exactly these versions.
    pub(crate) fn get(&self, org: &str, versions: &Versions) -> Option<OrgState> {
        let mut inner = self.inner.lock().ok()?;
        inner.1 += 1;
        let tick = inner.1;
        let snapshot = inner.0.get_mut(org)?;
        if snapshot.versions != *versions {
            return None;
        }
        snapshot.used = tick;
        Some(snapshot.state.clone())
    }

    /// Keeps the org's state loaded at these versions, dropping the least recently used org
    /// when the cap is reached.
    pub(crate) fn put(&self, org: &str, versions: Versions, state: &OrgState) {
        if self.cap == 0 {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.1 += 1;
        let tick = inner.1;
        if inner.0.len() >= self.cap && !inner.0.contains_key(org) {
            let oldest = inner
                .0
                .iter()
                .min_by_key(|(_, s)| s.used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                inner.0.remove(&oldest);
            }
        }
        inner.0.insert(
            org.to_string(),
            Snapshot {
                versions,
                state: state.clone(),
                used: tick,
            },
        );
    }

    /// How many orgs are kept.
    pub(crate) fn len(&self) -> usize {
        self.inner.lock().map(|i| i.0.len()).unwrap_or(0)
    }
}

impl std::fmt::Debug for Snapshots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Snapshots {{ cap: {}, kept: {} }}", self.cap, self.len())
    }
}

/// How long a credential found live is believed without asking the database again.
pub const CREDENTIAL_TTL: Duration = Duration::from_secs(1);
/// The most credentials remembered; past it the memory starts over.
const CREDENTIAL_CAP: usize = 50_000;

/// Live credentials (by the digest of their secret) remembered for [`CREDENTIAL_TTL`].
#[derive(Default)]
pub(crate) struct Credentials {
    inner: Mutex<HashMap<String, (Instant, Authenticated)>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials { .. }")
    }
}

impl Credentials {
    /// A credential found live less than [`CREDENTIAL_TTL`] ago.
    pub(crate) fn get(&self, key: &str) -> Option<Authenticated> {
        let inner = self.inner.lock().ok()?;
        let (at, who) = inner.get(key)?;
        (at.elapsed() < CREDENTIAL_TTL).then(|| who.clone())
    }

    /// Remembers a credential found live now.
    pub(crate) fn put(&self, key: String, who: &Authenticated) {
        if let Ok(mut inner) = self.inner.lock() {
            if inner.len() >= CREDENTIAL_CAP {
                inner.retain(|_, (at, _)| at.elapsed() < CREDENTIAL_TTL);
                if inner.len() >= CREDENTIAL_CAP {
                    inner.clear();
                }
            }
            inner.insert(key, (Instant::now(), who.clone()));
        }
    }

    /// Forgets every credential (a revocation or a change on this server).
    pub(crate) fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rolehub_domain::{OrgKind, OrgView};

    fn state(name: &str) -> OrgState {
        OrgState {
            org: OrgView::new("o", name, OrgKind::Standard),
            holders: Vec::new(),
        }
    }

    #[test]
    fn a_snapshot_is_used_only_at_the_versions_it_was_loaded_at() {
        let s = Snapshots::new(10);
        let v1 = vec![("acme".to_string(), 1), ("globex".to_string(), 7)];
        s.put("acme", v1.clone(), &state("first"));
        assert_eq!(s.get("acme", &v1).map(|s| s.org.name), Some("first".into()));
        // The org changed, or a holder's home org did: not used.
        assert!(s
            .get(
                "acme",
                &vec![("acme".to_string(), 2), ("globex".to_string(), 7)]
            )
            .is_none());
        assert!(s
            .get(
                "acme",
                &vec![("acme".to_string(), 1), ("globex".to_string(), 8)]
            )
            .is_none());
        // A holder more or fewer: not used.
        assert!(s.get("acme", &vec![("acme".to_string(), 1)]).is_none());
    }

    #[test]
    fn past_the_cap_the_least_recently_used_org_goes() {
        let s = Snapshots::new(2);
        let v = |org: &str| vec![(org.to_string(), 1)];
        s.put("a", v("a"), &state("a"));
        s.put("b", v("b"), &state("b"));
        assert!(s.get("a", &v("a")).is_some());
        s.put("c", v("c"), &state("c"));
        assert_eq!(s.len(), 2);
        assert!(
            s.get("b", &v("b")).is_none(),
            "b was the least recently used"
        );
        assert!(s.get("a", &v("a")).is_some() && s.get("c", &v("c")).is_some());
        let none = Snapshots::new(0);
        none.put("a", v("a"), &state("a"));
        assert_eq!(none.len(), 0);
    }
}
