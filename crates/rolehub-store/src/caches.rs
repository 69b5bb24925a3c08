//! What one server keeps in memory to spare the database, and why it can never decide wrongly.
//!
//! **Org snapshots.** A read loads an org and every holder of a grant in it. That state changes
//! only in a change that bumps the org's version (every change takes the org's lock by bumping it,
//! in its own transaction), or in a change to a holder's own record (their status, their sign-in),
//! which bumps their home org's version. So a snapshot is kept with the versions of the org and of
//! its holders' home orgs, and is used only at those versions:
//!
//! - A read of lists and exports ([`crate::op::OrgRead`]) asks for the versions (one indexed
//!   query, in its own read transaction) and uses the snapshot only when they are all the same, so
//!   it sees every committed change, whichever server made it.
//! - An access decision ([`crate::Service::principal`], `GET /v1/authorize`) uses a snapshot
//!   without asking while it is *fresh*: checked against the database less than [`FRESH_FOR`] ago,
//!   and since then no change committed on this server and no change notice came from another one
//!   (PostgreSQL's `LISTEN/NOTIFY`; see `changes`). A change on this server is seen at once; one on
//!   another server as soon as its notice arrives, and within [`FRESH_FOR`] if it never does.
//!
//! Changes decide on state read under the org's lock, so a late or lost notice can never let a
//! wrong write through: a change takes the lock, reads the versions under it, and uses the kept
//! snapshot only when it was loaded at exactly those versions (the org's own one less the lock's
//! bump); otherwise it loads the state under the lock. Notices play no part in it. Memory is bounded: past the cap, the least recently
//! used org is dropped.
//!
//! **Credentials.** A token or session found live is remembered for one second, so a burst of
//! requests authenticates once. A revocation on this server clears the memory at once; on another
//! server it takes effect within that second.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rolehub_domain::OrgState;

use crate::load::PersonRecord;
use crate::service::auth::Authenticated;

/// The versions a snapshot was loaded at: the org's, then its holders' home orgs', by org id.
pub(crate) type Versions = Vec<(String, i64)>;

/// How long a snapshot checked against the database is trusted by access decisions without
/// asking again: the bound on how late another server's change is seen when its notice is lost.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// An org's state as loaded, with the full records of its holders (so that a holder acting in the
/// org needs no query of their own).
#[derive(Debug)]
pub(crate) struct KeptOrg {
    /// The org and its holders.
    pub(crate) state: Arc<OrgState>,
    /// The holders' records, by email.
    holders: HashMap<String, PersonRecord>,
}

impl KeptOrg {
    /// Keeps a loaded state and its holders' records.
    pub(crate) fn new(state: OrgState, records: Vec<PersonRecord>) -> KeptOrg {
        KeptOrg {
            state: Arc::new(state),
            holders: records
                .into_iter()
                .map(|r| (r.view.email.clone(), r))
                .collect(),
        }
    }

    /// The record of a holder of a grant in the org, by their (stored, lower-case) email.
    pub(crate) fn holder(&self, email: &str) -> Option<&PersonRecord> {
        self.holders.get(email)
    }
}

struct Snapshot {
    versions: Versions,
    kept: Arc<KeptOrg>,
    used: u64,
    /// When the versions were last found current, and in which generation of this server's
    /// knowledge.
    checked_at: Instant,
    checked_in: u64,
}

/// Org states kept by version, at most `cap` orgs.
pub(crate) struct Snapshots {
    cap: usize,
    inner: Mutex<(HashMap<String, Snapshot>, u64)>,
    /// Bumped after every change committed on this server and every change notice from another:
    /// a snapshot checked in an older generation is no longer fresh.
    generation: AtomicU64,
}

impl Snapshots {
    /// At most `cap` orgs (0 keeps none).
    pub(crate) fn new(cap: usize) -> Snapshots {
        Snapshots {
            cap,
            inner: Mutex::new((HashMap::new(), 0)),
            generation: AtomicU64::new(0),
        }
    }

    /// The current generation; read it *before* asking the database for versions, so that a
    /// change committed meanwhile makes the answer stale rather than fresh.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Something may have changed (a change committed here, a notice from another server, a lost
    /// connection to the notices): no snapshot is fresh until checked again.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The org's state when its snapshot is fresh (see the module's doc): no query needed.
    pub(crate) fn fresh(&self, org: &str) -> Option<Arc<KeptOrg>> {
        let generation = self.generation();
        let mut inner = self.inner.lock().ok()?;
        inner.1 += 1;
        let tick = inner.1;
        let snapshot = inner.0.get_mut(org)?;
        if snapshot.checked_in != generation || snapshot.checked_at.elapsed() >= FRESH_FOR {
            return None;
        }
        snapshot.used = tick;
        Some(snapshot.kept.clone())
    }

    /// The org's state, when one is kept at exactly these versions (read in `generation`).
    pub(crate) fn get(
        &self,
        org: &str,
        versions: &Versions,
        generation: u64,
    ) -> Option<Arc<KeptOrg>> {
        self.at_versions(org, versions, Some(generation))
    }

    /// The snapshot loaded at these versions, for a change that checked them under the org's
    /// lock; unlike [`Snapshots::get`], it does not count as a check that keeps the snapshot fresh
    /// for decisions (the change is about to move the org on).
    pub(crate) fn peek(&self, org: &str, versions: &Versions) -> Option<Arc<KeptOrg>> {
        self.at_versions(org, versions, None)
    }

    /// The snapshot kept at exactly these versions, marked as used; with the generation they were
    /// read in, also as checked now (fresh for decisions).
    fn at_versions(
        &self,
        org: &str,
        versions: &Versions,
        checked_in: Option<u64>,
    ) -> Option<Arc<KeptOrg>> {
        let mut inner = self.inner.lock().ok()?;
        inner.1 += 1;
        let tick = inner.1;
        let snapshot = inner.0.get_mut(org)?;
        if snapshot.versions != *versions {
            return None;
        }
        snapshot.used = tick;
        if let Some(generation) = checked_in.filter(|g| *g >= snapshot.checked_in) {
            snapshot.checked_in = generation;
            snapshot.checked_at = Instant::now();
        }
        Some(snapshot.kept.clone())
    }

    /// Keeps the org's state loaded at these versions (read in `generation`), dropping the least
    /// recently used org when the cap is reached.
    pub(crate) fn put(&self, org: &str, versions: Versions, kept: Arc<KeptOrg>, generation: u64) {
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
                kept,
                used: tick,
                checked_at: Instant::now(),
                checked_in: generation,
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

    fn state(name: &str) -> Arc<KeptOrg> {
        Arc::new(KeptOrg::new(
            OrgState::new(OrgView::new("o", name, OrgKind::Standard), Vec::new()),
            Vec::new(),
        ))
    }

    #[test]
    fn a_snapshot_is_used_only_at_the_versions_it_was_loaded_at() {
        let s = Snapshots::new(10);
        let v1 = vec![("acme".to_string(), 1), ("globex".to_string(), 7)];
        s.put("acme", v1.clone(), state("first"), 0);
        assert_eq!(
            s.get("acme", &v1, 0).map(|s| s.state.org.name.clone()),
            Some("first".into())
        );
        // The org changed, or a holder's home org did: not used.
        assert!(s
            .get(
                "acme",
                &vec![("acme".to_string(), 2), ("globex".to_string(), 7)],
                0
            )
            .is_none());
        assert!(s
            .get(
                "acme",
                &vec![("acme".to_string(), 1), ("globex".to_string(), 8)],
                0
            )
            .is_none());
        // A holder more or fewer: not used.
        assert!(s.get("acme", &vec![("acme".to_string(), 1)], 0).is_none());
    }

    #[test]
    fn past_the_cap_the_least_recently_used_org_goes() {
        let s = Snapshots::new(2);
        let v = |org: &str| vec![(org.to_string(), 1)];
        s.put("a", v("a"), state("a"), 0);
        s.put("b", v("b"), state("b"), 0);
        assert!(s.get("a", &v("a"), 0).is_some());
        s.put("c", v("c"), state("c"), 0);
        assert_eq!(s.len(), 2);
        assert!(
            s.get("b", &v("b"), 0).is_none(),
            "b was the least recently used"
        );
        assert!(s.get("a", &v("a"), 0).is_some() && s.get("c", &v("c"), 0).is_some());
        let none = Snapshots::new(0);
        none.put("a", v("a"), state("a"), 0);
        assert_eq!(none.len(), 0);
    }

    #[test]
    fn a_snapshot_is_fresh_until_something_changes_or_a_second_passes() {
        let s = Snapshots::new(10);
        let v = vec![("acme".to_string(), 1)];
        let before = s.generation();
        s.put("acme", v.clone(), state("acme"), before);
        assert!(s.fresh("acme").is_some(), "checked just now");
        // A change committed here, or a notice from another server: checked again first.
        s.changed();
        assert!(s.fresh("acme").is_none());
        // A check that read its versions before the change does not make it fresh again.
        assert!(s.get("acme", &v, before).is_some());
        assert!(s.fresh("acme").is_none());
        assert!(s.get("acme", &v, s.generation()).is_some());
        assert!(s.fresh("acme").is_some());
        assert!(s.fresh("globex").is_none(), "never kept");
    }
}
