//! The service layer: every operation of Rolehub as one database transaction.
//!
//! An operation locks its org's row first (`UPDATE orgs SET version = version + 1`), which
//! serializes changes to one org on both backends (SQLite takes its write lock, PostgreSQL a row
//! lock), then loads the facts, asks the domain, and writes exactly what the domain planned
//! together with its audit event. Dry runs do the same and roll back. Refused role changes commit
//! their audit event alone.

mod admins;
mod audit_read;
pub mod auth;
mod csv_import;
mod expiry;
pub mod masking;
mod orgs;
mod people;
mod roles;
mod users;

use rolehub_domain::change::Plan;
use rolehub_domain::{Grant, Lang, OrgState, Refusal, Role, RuleId, Scope, Timestamp, Warning};
use serde_json::json;
use sqlx::{Any, AnyConnection, Transaction};

pub use admins::{neutralise, roles_cell, write_admin_csv, AdminList, AdminRow};
pub use audit_read::{AuditPage, AuditQuery};
pub use csv_import::{template_columns, ImportOptions, ImportReport, RowChange, RowError};
pub use orgs::SettingChange;
pub use people::PeoplePage;
pub use roles::AssignRequest;
pub use roles::{parse_role, scope_for};
pub use roles::{GrantListing, PrincipalFacts};
pub use users::{validate_email, NewUser};

use crate::audit::{self, NewEvent, Origin};
use crate::db::{Backend, Db};
use crate::error::ServiceError;
use crate::load::{self, PersonRecord};

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
}

impl Ctx {
    /// A context with a fresh tracking id.
    pub fn new(actor: impl Into<String>, org: impl Into<String>, now: Timestamp) -> Ctx {
        Ctx {
            actor: actor.into(),
            org: org.into(),
            now,
            dry_run: false,
            request_id: new_id(),
            client_addr: None,
            lang: Lang::En,
        }
    }

    /// The same context as a dry run.
    pub fn dry_run(mut self, dry_run: bool) -> Ctx {
        self.dry_run = dry_run;
        self
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

/// The service: every operation, over one database.
#[derive(Clone, Debug)]
pub struct Service {
    db: Db,
    public_url: String,
    hashes: crate::passwords::HashPool,
}

type Tx = Transaction<'static, Any>;

impl Service {
    /// A service over an open database.
    pub fn new(db: Db) -> Service {
        Service {
            db,
            public_url: "http://127.0.0.1:8080".into(),
            hashes: crate::passwords::HashPool::new(0, 16),
        }
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

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Begins a write transaction on an org, taking its lock first.
    async fn begin_org(&self, org: &str) -> Result<Tx, ServiceError> {
        let mut tx = self.db.pool.begin().await?;
        let locked = sqlx::query("UPDATE orgs SET version = version + 1 WHERE id = $1")
            .bind(org)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if locked == 0 {
            return Err(ServiceError::not_found("organization", org));
        }
        Ok(tx)
    }

    /// Begins a read transaction that sees one snapshot (R-EXPORT-2).
    async fn begin_read(&self) -> Result<Tx, ServiceError> {
        let mut tx = self.db.pool.begin().await?;
        if self.db.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Commits, or rolls back a dry run.
    async fn finish(tx: Tx, dry_run: bool) -> Result<(), ServiceError> {
        if dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(())
    }
}

/// The acting person; an unknown email is no authenticated principal (R-AUTH-1).
async fn actor(conn: &mut AnyConnection, ctx: &Ctx) -> Result<PersonRecord, ServiceError> {
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

/// The person named by an email, or `NotFound`.
async fn person(conn: &mut AnyConnection, email: &str) -> Result<PersonRecord, ServiceError> {
    load::person_by_email(conn, email)
        .await?
        .ok_or_else(|| ServiceError::not_found("person", email))
}

/// A person of the org acted in, or `NotFound` (people of other orgs are not visible).
async fn member(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    email: &str,
) -> Result<PersonRecord, ServiceError> {
    let p = person(conn, email).await?;
    if p.view.home_org != ctx.org {
        return Err(ServiceError::not_found("person", email));
    }
    Ok(p)
}

fn origin(ctx: &Ctx, actor: Option<&PersonRecord>) -> Origin {
    Origin {
        actor_id: actor.map(|a| a.view.id.clone()),
        actor_email: actor
            .map(|a| a.view.email.clone())
            .or_else(|| (!ctx.actor.is_empty()).then(|| ctx.actor.clone())),
        actor_org: actor.map(|a| a.view.home_org.clone()),
        request_id: ctx.request_id.clone(),
        client_addr: ctx.client_addr.clone(),
    }
}

/// Appends an audit event for `ctx`'s actor in `ctx`'s org.
#[expect(
    clippy::too_many_arguments,
    reason = "one argument per audit column the caller decides"
)]
async fn record(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    actor: Option<&PersonRecord>,
    action: &str,
    target: Option<&PersonRecord>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    refusal: Option<&Refusal>,
) -> Result<(), ServiceError> {
    audit::append(
        conn,
        &origin(ctx, actor),
        NewEvent {
            org_id: &ctx.org,
            at: ctx.now,
            action,
            target_id: target.map(|t| t.view.id.as_str()),
            target_email: target.map(|t| t.view.email.as_str()),
            before,
            after,
            refusal,
        },
    )
    .await
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

/// Writes a planned role change (or its refusal) with its audit event, and answers the outcome.
/// `explicit` is how many of the plan's removals the request named (the rest are side effects).
#[expect(
    clippy::too_many_arguments,
    reason = "the transaction, the request and the loaded facts"
)]
async fn apply_plan(
    mut tx: Tx,
    ctx: &Ctx,
    actor: &PersonRecord,
    target: &PersonRecord,
    state: &OrgState,
    action: &str,
    planned: Result<Plan, Refusal>,
    explicit: usize,
) -> Result<ChangeOutcome, ServiceError> {
    let before = labels(state.grants_of(&target.view.id));
    let plan = match planned {
        Ok(plan) => plan,
        Err(refusal) => {
            if !ctx.dry_run {
                // Refused role changes are audited too.
                let attempt = json!({ "roles": before });
                record(
                    &mut tx,
                    ctx,
                    Some(actor),
                    action,
                    Some(target),
                    Some(attempt),
                    None,
                    Some(&refusal),
                )
                .await?;
                tx.commit().await?;
            }
            return Err(ServiceError::Refused(refusal));
        }
    };
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
        tx.rollback().await?;
        return Ok(outcome);
    }
    for grant in plan.remove.iter().chain(&plan.discard) {
        delete_grant(&mut tx, grant).await?;
    }
    let mut added_id = None;
    if let Some(new) = &plan.add {
        added_id = Some(
            insert_grant(
                &mut tx,
                &ctx.org,
                &target.view.id,
                new.role,
                &new.scope,
                Some(&actor.view.id),
                ctx.now,
                new.expires_at,
            )
            .await?,
        );
    }
    let discarded = labels(&plan.discard);
    let mut after: Vec<String> = before
        .iter()
        .filter(|l| !outcome.removed.contains(l) && !discarded.contains(l))
        .cloned()
        .collect();
    after.extend(added);
    let detail = json!({ "added": outcome.added, "removed": outcome.removed, "warnings": outcome.warnings.iter().map(|w| w.code()).collect::<Vec<_>>() });
    record(
        &mut tx,
        ctx,
        Some(actor),
        action,
        Some(target),
        Some(json!({ "roles": before })),
        Some(json!({ "roles": after, "change": detail })),
        None,
    )
    .await?;
    Service::finish(tx, ctx.dry_run).await?;
    Ok(ChangeOutcome {
        added_id: if ctx.dry_run { None } else { added_id },
        ..outcome
    })
}
