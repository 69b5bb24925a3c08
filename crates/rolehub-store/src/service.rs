//! The service layer: the one door into Rolehub's data. Every read and every change is an
//! operation that takes the caller's context ([`Ctx`]: who, in which org, with which credential
//! scope, in which language, for which request), checks it against the rules, and does its work
//! in one transaction with its audit event (the operation shape of the `op` module).
//!
//! Operators with the database in hand (the CLI's world loading, bulk generation, passwords,
//! partner relationships) use [`crate::operator::Operator`], an explicitly named handle whose
//! changes are audited with the operator as actor.

pub(crate) mod admins;
mod audit_read;
pub mod auth;
mod csv_import;
mod events;
mod expiry;
pub(crate) mod jobs;
pub mod masking;
pub mod mfa;
mod names;
mod orgs;
pub(crate) mod pending;
mod people;
pub mod provisioning;
mod reads;
pub(crate) mod roles;
mod sites;
pub mod sso;
pub(crate) mod uploads;
pub(crate) mod users;

use rolehub_domain::change::Plan;
use rolehub_domain::{Grant, Lang, Refusal, Role, RuleId, Scope, Timestamp, Warning};
use serde_json::json;
use sqlx::AnyConnection;

pub use admins::{neutralise, roles_cell, write_admin_csv, AdminList, AdminRow};
pub use audit_read::{AuditPage, AuditQuery};
pub use auth::TokenScope;
pub use csv_import::{
    template_columns, ImportOptions, ImportReport, PersonChange, RowChange, RowError,
};
pub use jobs::{Job, JobState, MAX_ATTEMPTS};
pub use orgs::SettingChange;
pub use people::{PeoplePage, PeopleQuery};
pub use reads::{Health, OrgDetails};
pub use roles::{
    parse_area, parse_level, parse_role, AssignRequest, Assignable, GrantListing, PrincipalFacts,
    RolesReplaced,
};
pub use sites::{SiteRoleHeld, SiteUser, SiteUsersPage, SiteUsersQuery, SITE_ROLES};
pub use uploads::{Applied, Checked, ReportRow, RowKind, Upload, UploadLimits};
pub use users::{validate_email, NewUser};

use crate::db::{Backend, Db, PoolOptions};
use crate::error::ServiceError;
use crate::load::{self, PersonRecord};
use crate::op::{OrgOp, Tx};

/// Who acts, where, when, and how.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// The acting person's email.
    pub actor: String,
    /// The org acted in.
    pub org: String,
    /// The clock.
    pub now: Timestamp,
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// The request's tracking id, recorded in audit events.
    pub request_id: String,
    /// The client's address, recorded in audit events.
    pub client_addr: Option<String>,
    /// The language of messages.
    pub lang: Lang,
    /// What the credential allows: a `read` token narrows the holder's roles to reading (R-PERM-1).
    pub scope: TokenScope,
    /// Record the refusal of a previewed role change, as the console does: the person saw it.
    pub audit_previewed_refusals: bool,
    /// A client acting through a token of its own interface (`scim:NAME`): the audit log names it
    /// as the actor; the authority is its holder's.
    pub client: Option<String>,
}

impl Ctx {
    /// A context with a fresh tracking id and a `write` credential.
    pub fn new(actor: impl Into<String>, org: impl Into<String>, now: Timestamp) -> Ctx {
        Ctx {
            actor: actor.into(),
            org: org.into(),
            now,
            dry_run: false,
            request_id: new_id(),
            client_addr: None,
            lang: Lang::En,
            scope: TokenScope::Write,
            audit_previewed_refusals: false,
            client: None,
        }
    }

    /// The same context as a dry run.
    pub fn dry_run(mut self, dry_run: bool) -> Ctx {
        self.dry_run = dry_run;
        self
    }

    /// The same context in another org.
    pub fn in_org(&self, org: impl Into<String>) -> Ctx {
        Ctx {
            org: org.into(),
            ..self.clone()
        }
    }

    /// Refuses a change made with a `read` credential (R-PERM-1: the scope narrows the roles).
    pub fn require_write(&self) -> Result<(), ServiceError> {
        match self.scope {
            TokenScope::Write | TokenScope::Scim => Ok(()),
            TokenScope::Read => Err(ServiceError::Refused(Refusal::new(
                RuleId::Perm1,
                rolehub_domain::Reason::ReadOnlyToken,
            ))),
        }
    }
}

/// What a role change did (or, in a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeOutcome {
    /// The grant added, as `role`, `role@site` or `role@loc1+loc2`.
    pub added: Option<String>,
    /// The id of the grant added (absent in a dry run).
    pub added_id: Option<String>,
    /// Every grant removed, the revoked one(s) first.
    pub removed: Vec<String>,
    /// The grants removed as side effects only (R-ORG-1, R-EXT-4, R-MCA-1, R-ATA-1).
    pub side_effects: Vec<String>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// A new random id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// How the service runs beside its database.
#[derive(Clone, Debug)]
pub struct Options {
    /// The database pool.
    pub pool: PoolOptions,
    /// Password-hashing threads (0: one per CPU).
    pub hash_workers: usize,
    /// Password checks that may wait for a thread; more are answered "too many" at once.
    pub hash_queue: usize,
    /// The address people reach the console at (for invitation links).
    pub public_url: String,
    /// How large uploads may be and how they are kept.
    pub uploads: UploadLimits,
    /// Orgs whose loaded state is kept in memory for reads (0: none); see `caches`.
    pub cached_orgs: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pool: PoolOptions::default(),
            hash_workers: 0,
            hash_queue: 16,
            public_url: "http://127.0.0.1:8080".into(),
            uploads: UploadLimits::default(),
            cached_orgs: 1000,
        }
    }
}

/// The service: every operation, over one database.
#[derive(Clone, Debug)]
pub struct Service {
    db: Db,
    public_url: String,
    hashes: crate::passwords::HashPool,
    uploads: UploadLimits,
    jobs: std::sync::Arc<jobs::JobBoard>,
    snapshots: std::sync::Arc<crate::caches::Snapshots>,
    credentials: std::sync::Arc<crate::caches::Credentials>,
}

impl Service {
    /// Opens the database at `url` (creating an SQLite file when missing), brings its schema up to
    /// date, and serves over it.
    pub async fn open(url: &str, options: &Options) -> Result<Service, ServiceError> {
        let db = Db::open(url, &options.pool).await?;
        Ok(Service::over(db, options))
    }

    /// A service over a fresh in-memory SQLite database (scenarios, tests).
    pub async fn in_memory() -> Result<Service, ServiceError> {
        Ok(Service::over(Db::in_memory().await?, &Options::default()))
    }

    pub(crate) fn over(db: Db, options: &Options) -> Service {
        let snapshots = std::sync::Arc::new(crate::caches::Snapshots::new(options.cached_orgs));
        if let (Backend::Postgres, Some(url), true) = (db.backend, &db.url, options.cached_orgs > 0)
        {
            crate::changes::follow(url.clone(), &snapshots);
        }
        Service {
            db,
            public_url: options.public_url.clone(),
            hashes: crate::passwords::HashPool::new(options.hash_workers, options.hash_queue),
            uploads: options.uploads,
            jobs: std::sync::Arc::default(),
            snapshots,
            credentials: std::sync::Arc::default(),
        }
    }

    /// The org's state for a read, in the read's transaction: the kept snapshot when the org and
    /// its holders' home orgs are at the versions it was loaded at, else loaded and kept.
    pub(crate) async fn kept_for_read(
        &self,
        tx: &mut AnyConnection,
        org: &str,
    ) -> Result<std::sync::Arc<crate::caches::KeptOrg>, ServiceError> {
        // The generation is read before the versions, so that a change committed meanwhile leaves
        // the snapshot to be checked again rather than fresh (see `caches`).
        let generation = self.snapshots.generation();
        let versions = load::versions(tx, org).await?;
        if let Some(kept) = self.snapshots.get(org, &versions, generation) {
            return Ok(kept);
        }
        let (state, records) = load::org_state_and_holders(tx, org).await?;
        let kept = std::sync::Arc::new(crate::caches::KeptOrg::new(state, records));
        self.snapshots.put(org, versions, kept.clone(), generation);
        Ok(kept)
    }

    /// The org's state for a change, in the change's transaction just after it took the org's lock
    /// (by bumping the org's version): the kept snapshot when the versions read now, under the
    /// lock, are the ones it was loaded at — the org's own one above by the lock's bump — else
    /// loaded. Either way it is the state as it stands under the lock (see `caches`).
    pub(crate) async fn state_for_change(
        &self,
        tx: &mut AnyConnection,
        org: &str,
    ) -> Result<std::sync::Arc<rolehub_domain::OrgState>, ServiceError> {
        let mut versions = load::versions(tx, org).await?;
        for (id, version) in &mut versions {
            if id == org {
                *version -= 1;
            }
        }
        if let Some(kept) = self.snapshots.peek(org, &versions) {
            return Ok(kept.state.clone());
        }
        Ok(std::sync::Arc::new(load::org_state(tx, org).await?))
    }

    /// The org's kept state when it is fresh enough for an access decision without a query (see
    /// `caches`).
    pub(crate) fn fresh_kept(&self, org: &str) -> Option<std::sync::Arc<crate::caches::KeptOrg>> {
        self.snapshots.fresh(org)
    }

    /// Commits a change, and tells this server's kept snapshots that something changed.
    pub(crate) async fn commit(&self, tx: Tx) -> Result<(), ServiceError> {
        tx.commit().await?;
        self.snapshots.changed();
        Ok(())
    }

    /// This server's kept org snapshots.
    pub(crate) fn snapshots(&self) -> std::sync::Arc<crate::caches::Snapshots> {
        self.snapshots.clone()
    }

    /// Live credentials remembered for a second.
    pub(crate) fn credentials(&self) -> std::sync::Arc<crate::caches::Credentials> {
        self.credentials.clone()
    }

    /// The same service, with the address people reach the console at (for invitation links).
    pub fn with_public_url(mut self, url: impl Into<String>) -> Service {
        self.public_url = url.into();
        self
    }

    /// The same service, with `workers` password-hashing threads (0: one per CPU) and room for
    /// `queue` waiting checks; more are answered "too many" at once.
    pub fn with_hashing(mut self, workers: usize, queue: usize) -> Service {
        self.hashes = crate::passwords::HashPool::new(workers, queue);
        self
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.db.backend
    }

    /// Closes the database's connections.
    pub async fn close(&self) {
        self.db.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &sqlx::AnyPool {
        &self.db.pool
    }

    pub(crate) fn hashes(&self) -> &crate::passwords::HashPool {
        &self.hashes
    }

    pub(crate) fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Begins a write transaction on an org, taking its lock first.
    pub(crate) async fn begin_org(&self, org: &str) -> Result<Tx, ServiceError> {
        crate::op::begin_org(&self.db.pool, org).await
    }

    /// Begins a transaction that only appends to an org's audit log (see [`crate::op::begin_audit`]).
    pub(crate) async fn begin_audit(&self, org: &str) -> Result<Tx, ServiceError> {
        crate::op::begin_audit(&self.db.pool, org).await
    }

    /// Begins a transaction that reads and then writes rows of no org (kept uploads, jobs). On
    /// SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a transaction that read first
    /// could not write after another writer committed, and would fail instead of waiting.
    pub(crate) async fn begin_write(&self) -> Result<Tx, ServiceError> {
        let begin = match self.db.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        crate::op::begin(&self.db.pool, Some(begin)).await
    }

    /// Begins a read transaction that sees one snapshot (R-EXPORT-2).
    pub(crate) async fn begin_read(&self) -> Result<Tx, ServiceError> {
        crate::op::begin_read(&self.db.pool, self.db.backend).await
    }

    /// A connection for reads outside an org (sessions, tokens).
    pub(crate) async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, ServiceError> {
        Ok(self.db.pool.acquire().await?)
    }
}

/// The acting person; an unknown email is no authenticated principal (R-AUTH-1).
pub(crate) async fn actor(
    conn: &mut AnyConnection,
    ctx: &Ctx,
) -> Result<PersonRecord, ServiceError> {
    load::person_by_email(conn, &ctx.actor)
        .await?
        .ok_or_else(|| {
            ServiceError::Refused(Refusal::new(
                RuleId::Auth1,
                rolehub_domain::Reason::Access {
                    area: rolehub_domain::Area::Users,
                    asked: rolehub_domain::Level::Read,
                    held: rolehub_domain::Level::None,
                    via: None,
                },
            ))
        })
}

/// The person named by an email or an id, or `NotFound`.
pub(crate) async fn person(
    conn: &mut AnyConnection,
    key: &str,
) -> Result<PersonRecord, ServiceError> {
    load::person_by_key(conn, key)
        .await?
        .ok_or_else(|| ServiceError::not_found(crate::error::Thing::Person, key))
}

/// Inserts a grant.
#[expect(clippy::too_many_arguments, reason = "one argument per grant column")]
pub(crate) async fn insert_grant(
    conn: &mut AnyConnection,
    org: &str,
    person_id: &str,
    role: Role,
    scope: &Scope,
    granted_by: Option<&str>,
    granted_at: Timestamp,
    expires_at: Option<Timestamp>,
) -> Result<String, ServiceError> {
    let id = new_id();
    let locations = match scope {
        Scope::Locations(l) => Some(l.join(",")),
        _ => None,
    };
    sqlx::query(
        "INSERT INTO grants (id, org_id, person_id, role, site, locations, granted_by, granted_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.clone())
    .bind(org)
    .bind(person_id)
    .bind(role.id())
    .bind(scope.site().map(str::to_string))
    .bind(locations)
    .bind(granted_by.map(str::to_string))
    .bind(granted_at.0)
    .bind(expires_at.map(|t| t.0))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

async fn delete_grant(conn: &mut AnyConnection, grant: &Grant) -> Result<(), ServiceError> {
    sqlx::query("DELETE FROM grants WHERE id = $1")
        .bind(grant.id.clone())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn labels(grants: &[Grant]) -> Vec<String> {
    grants.iter().map(Grant::label).collect()
}

/// Writes a planned role change with its audit event, and answers the outcome. A refusal is
/// audited by the operation's settling, with the person's roles before and `asked`: what the
/// request would have changed, in the shape of a change's own event (`{"change": {"added": …}}`),
/// so that the log reads "refused: give Full administrator to …". `explicit` is how many of the
/// plan's removals the request named (the rest are side effects).
async fn apply_plan(
    op: &mut OrgOp<'_>,
    target: &PersonRecord,
    action: &str,
    planned: Result<Plan, Refusal>,
    explicit: usize,
    asked: serde_json::Value,
) -> Result<ChangeOutcome, ServiceError> {
    let before = labels(op.state.grants_of(&target.view.id));
    op.audit_refused_step(target, json!({ "roles": before }), asked);
    let plan = planned?;
    let removed = labels(&plan.remove);
    let side_effects = removed.iter().skip(explicit).cloned().collect();
    let added = plan
        .add
        .as_ref()
        .map(|g| rolehub_domain::grant_label(g.role, &g.scope));
    let outcome = ChangeOutcome {
        added: added.clone(),
        removed,
        side_effects,
        warnings: plan.warnings.clone(),
        added_id: None,
    };
    if plan.add.is_none() && plan.remove.is_empty() && plan.discard.is_empty() {
        return Ok(outcome);
    }
    for grant in plan.remove.iter().chain(&plan.discard) {
        delete_grant(&mut op.tx, grant).await?;
    }
    let mut added_id = None;
    if let Some(new) = &plan.add {
        let by = op.actor.view.id.clone();
        added_id = Some(
            insert_grant(
                &mut op.tx,
                &op.ctx.org,
                &target.view.id,
                new.role,
                &new.scope,
                Some(&by),
                op.ctx.now,
                new.expires_at,
            )
            .await?,
        );
    }
    if target.view.id != op.actor.view.id {
        // Someone else changed their roles: their sessions end, and they sign in again to the
        // console as it now is for them. Their own changes keep the session they were made in.
        auth::end_sessions(&mut op.tx, &target.view.id, op.ctx.now).await?;
    }
    let discarded = labels(&plan.discard);
    let mut after: Vec<String> = before
        .iter()
        .filter(|l| !outcome.removed.contains(l) && !discarded.contains(l))
        .cloned()
        .collect();
    after.extend(added);
    let detail = json!({ "added": outcome.added, "removed": outcome.removed, "warnings": outcome.warnings.iter().map(|w| w.code()).collect::<Vec<_>>() });
    op.record(
        action,
        Some(target),
        Some(json!({ "roles": before })),
        Some(json!({ "roles": after, "change": detail })),
    )
    .await?;
    Ok(ChangeOutcome {
        added_id: if op.ctx.dry_run { None } else { added_id },
        ..outcome
    })
}
