//! The one shape of a service operation, written once.
//!
//! A change opens an [`OrgOp`]: it checks the credential may write, begins a transaction, takes the
//! org's lock as its first statement (`UPDATE orgs SET version = version + 1`, which serializes
//! changes to one org on both backends), loads the org and the actor, and only then lets the
//! operation decide. The operation records its audit events through the same transaction, and
//! [`OrgOp::settle`] commits, rolls back a dry run, or — when a rule refused the change — rolls
//! back and commits the audit event of the refusal alone (every refusal a person is shown is
//! audited once, outcome `refused`, with its rule). A read opens an [`OrgRead`] on one consistent
//! snapshot.

use rolehub_domain::ops::Principal;
use rolehub_domain::{OrgState, Refusal, RuleId};
use serde_json::Value;
use sqlx::{Any, Transaction};

use crate::audit::{self, NewEvent, Origin};
use crate::db::Backend;
use crate::error::{ServiceError, Thing};
use crate::load::{self, PersonRecord};
use crate::service::masking::Mask;
use crate::service::{Ctx, Service};

/// A transaction.
pub(crate) type Tx = Transaction<'static, Any>;

/// What a refused change records beside its rule: whom it was about, how things stood (`before`)
/// and what was asked (`after`, in the shape of the change's own `after`: a role change's
/// `{"change": {"added": …, "removed": …}}`, a status change's `{"status": …}`), so that the audit
/// log can say what was refused, of whom, where.
#[derive(Clone, Debug, Default)]
pub(crate) struct RefusalRecord {
    pub(crate) target: Option<PersonRecord>,
    pub(crate) before: Option<Value>,
    pub(crate) asked: Option<Value>,
    /// Said by a change made of steps about the whole of it: its steps do not replace it.
    pub(crate) whole: bool,
}

/// A change to one org, under its lock.
pub(crate) struct OrgOp<'c> {
    /// The transaction; the org's lock is held from its first statement.
    pub(crate) tx: Tx,
    /// Who acts, where, when.
    pub(crate) ctx: &'c Ctx,
    /// The org and every holder of a grant in it, read under the lock.
    pub(crate) state: std::sync::Arc<OrgState>,
    /// The acting person.
    pub(crate) actor: PersonRecord,
    action: &'static str,
    refusal: Option<RefusalRecord>,
    /// A refusal of part of the change (rows of a file) that does not stop the rest: recorded
    /// with the change when it commits, alone when it does not.
    refused_part: Option<(RefusalRecord, Refusal)>,
    pool: sqlx::AnyPool,
    recorded: usize,
    kept: bool,
    /// Forgotten when this change commits: it may have ended someone's credentials.
    credentials: std::sync::Arc<crate::caches::Credentials>,
    /// Told when this change commits: no kept org snapshot is fresh until checked again.
    snapshots: std::sync::Arc<crate::caches::Snapshots>,
}

impl<'c> OrgOp<'c> {
    /// Opens a change to `ctx.org` named `action` (for the audit log).
    pub(crate) async fn open(
        service: &Service,
        ctx: &'c Ctx,
        action: &'static str,
    ) -> Result<OrgOp<'c>, ServiceError> {
        ctx.require_write()?;
        let pool = service.pool().clone();
        let mut tx = begin_org(&pool, &ctx.org).await?;
        let state = service.state_for_change(&mut tx, &ctx.org).await?;
        let actor = crate::service::actor(&mut tx, ctx).await?;
        Ok(OrgOp {
            tx,
            ctx,
            state,
            actor,
            action,
            refusal: None,
            refused_part: None,
            pool,
            recorded: 0,
            kept: false,
            credentials: service.credentials(),
            snapshots: service.snapshots(),
        })
    }

    /// The actor as a principal of the org.
    pub(crate) fn principal(&self) -> Principal<'_> {
        Principal::in_state(&self.state, &self.actor.view, self.ctx.now)
    }

    /// Whether the actor holds `full_admin` in their own home org (partner acts).
    pub(crate) async fn actor_home_full_admin(&mut self) -> Result<bool, ServiceError> {
        load::holds_full_admin(
            &mut self.tx,
            &self.actor.view.id,
            &self.actor.view.home_org,
            self.ctx.now,
        )
        .await
    }

    /// Reading A-8: removing or deactivating `target` takes away their roles here, which the
    /// actor must be allowed to revoke.
    pub(crate) async fn check_takes_away_grants(
        &mut self,
        target: &PersonRecord,
        deactivating: bool,
    ) -> Result<(), ServiceError> {
        let home_full_admin = self.actor_home_full_admin().await?;
        rolehub_domain::change::check_takes_away_grants(
            &self.state,
            rolehub_domain::change::Actor {
                person: &self.actor.view,
                home_full_admin,
            },
            &target.view,
            deactivating,
            self.ctx.now,
        )?;
        Ok(())
    }

    /// The person a change is about, named by email or id. An external administrator from whom the
    /// org withholds emails names people by id only (R-EXT-10: an email key would tell which
    /// addresses exist).
    ///
    /// By id, only the people of the org are found — its users and those holding a grant in it —
    /// so that ids of other orgs cannot be probed (R-AUTH-1). By email, anyone is found: that is
    /// how external administrators are named.
    pub(crate) async fn target(&mut self, key: &str) -> Result<PersonRecord, ServiceError> {
        if key.contains('@') {
            Mask::for_viewer(&self.state.org, &self.actor.view)
                .refuse_key(rolehub_domain::SharedField::Email)?;
            return crate::service::person(&mut self.tx, key).await;
        }
        let person = crate::service::person(&mut self.tx, key).await?;
        let visible = person.view.home_org == self.ctx.org
            || person.view.id == self.actor.view.id
            || !self.state.grants_of(&person.view.id).is_empty();
        if visible {
            Ok(person)
        } else {
            Err(ServiceError::not_found(Thing::Person, key))
        }
    }

    /// A user of the org, named by email or id; people of other orgs are not found.
    pub(crate) async fn member(&mut self, key: &str) -> Result<PersonRecord, ServiceError> {
        let p = self.target(key).await?;
        if p.view.home_org != self.ctx.org {
            return Err(ServiceError::not_found(Thing::Person, key));
        }
        Ok(p)
    }

    /// Reads the org's grants again, under the lock already held: after one step of a change that
    /// is made of several (a full replacement of someone's roles), the next is checked against
    /// what the previous ones did.
    pub(crate) async fn reload_state(&mut self) -> Result<(), ServiceError> {
        self.state = std::sync::Arc::new(load::org_state(&mut self.tx, &self.ctx.org).await?);
        Ok(())
    }

    /// Commits this change even when it recorded no event: its writes are a report of what was
    /// checked (an upload's row results), which is kept whether or not anything changed.
    pub(crate) fn keep(&mut self) {
        self.kept = true;
    }

    /// Says what a refusal of this change records: whom it is about, how things stood and what
    /// was asked (see [`RefusalRecord`]). Every refusal by a rule is audited; without this, the
    /// event names the action and the rule only.
    pub(crate) fn audit_refusal(
        &mut self,
        target: Option<&PersonRecord>,
        before: Option<Value>,
        asked: Option<Value>,
    ) {
        self.refusal = Some(RefusalRecord {
            target: target.cloned(),
            before,
            asked,
            whole: false,
        });
    }

    /// As [`OrgOp::audit_refusal`], for a change made of steps (a set of roles): what it says
    /// stands when one of the steps about the same person is refused.
    pub(crate) fn audit_refusal_of_whole(
        &mut self,
        target: &PersonRecord,
        before: Value,
        asked: Value,
    ) {
        self.refusal = Some(RefusalRecord {
            target: Some(target.clone()),
            before: Some(before),
            asked: Some(asked),
            whole: true,
        });
    }

    /// Says what a refusal of one step of this change records (one role change of a set), unless
    /// the change as a whole already said it for the same person: a refused set of roles is
    /// recorded as the set asked for, not as whichever of its steps was refused.
    pub(crate) fn audit_refused_step(
        &mut self,
        target: &PersonRecord,
        before: Value,
        asked: Value,
    ) {
        let outer = self.refusal.as_ref().is_some_and(|r| {
            r.whole
                && r.target
                    .as_ref()
                    .is_some_and(|t| t.view.id == target.view.id)
        });
        if !outer {
            self.audit_refusal(Some(target), Some(before), Some(asked));
        }
    }

    /// Records a refusal of part of this change (refused rows of a file) while the rest goes on:
    /// written with the change when it commits, or alone (as a refused change's) when it does not.
    pub(crate) fn refused_in_part(&mut self, record: RefusalRecord, refusal: Refusal) {
        self.refused_part = Some((record, refusal));
    }

    /// Whether this change's refusals are audited: a real change's always; a dry run's when its
    /// caller shows the preview to a person (the console) — see [`Ctx::audit_previewed_refusals`].
    fn audits_refusals(&self) -> bool {
        !self.ctx.dry_run || self.ctx.audit_previewed_refusals
    }

    /// Records an event of this change in its org.
    pub(crate) async fn record(
        &mut self,
        action: &str,
        target: Option<&PersonRecord>,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Result<(), ServiceError> {
        let org = self.ctx.org.clone();
        self.record_in(&org, action, target, before, after).await
    }

    /// Records many events of this change in its org, one per person, in a few statements.
    pub(crate) async fn record_many(
        &mut self,
        action: &str,
        events: &[(&PersonRecord, Value, Value)],
    ) -> Result<(), ServiceError> {
        let org = self.ctx.org.clone();
        let new: Vec<NewEvent<'_>> = events
            .iter()
            .map(|(target, before, after)| NewEvent {
                org_id: &org,
                at: self.ctx.now,
                action,
                target_id: Some(target.view.id.as_str()),
                target_email: Some(target.view.email.as_str()),
                before: Some(before.clone()),
                after: Some(after.clone()),
                refusal: None,
            })
            .collect();
        audit::append_many(
            &mut self.tx,
            &origin(self.ctx, Some(&self.actor)),
            &org,
            &new,
        )
        .await?;
        self.recorded += new.len();
        Ok(())
    }

    /// Records an event of this change in another org, whose lock the change took too.
    pub(crate) async fn record_in(
        &mut self,
        org: &str,
        action: &str,
        target: Option<&PersonRecord>,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Result<(), ServiceError> {
        append(
            &mut self.tx,
            self.ctx,
            Some(&self.actor),
            org,
            action,
            target,
            before,
            after,
            None,
        )
        .await?;
        self.recorded += 1;
        Ok(())
    }

    /// Commits the change when it succeeded and recorded what it did (a dry run, or a change that
    /// turned out to change nothing, rolls back); records a refusal by a rule on its own, once;
    /// rolls back anything else (not found, bad input: nothing a rule refused).
    pub(crate) async fn settle<T>(
        mut self,
        result: Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        let audit = self.audits_refusals();
        match result {
            Ok(value) => {
                let part = self.refused_part.take();
                if self.ctx.dry_run || (self.recorded == 0 && !self.kept) {
                    let OrgOp {
                        tx,
                        ctx,
                        actor,
                        action,
                        pool,
                        ..
                    } = self;
                    tx.rollback().await?;
                    if let (Some((what, refusal)), true) = (part, audit) {
                        write_refusal(&pool, ctx, &actor, action, what, &refusal).await?;
                    }
                } else {
                    if let Some((what, refusal)) = part {
                        // Written with the change it is part of, in its transaction.
                        let org = self.ctx.org.clone();
                        append(
                            &mut self.tx,
                            self.ctx,
                            Some(&self.actor),
                            &org,
                            self.action,
                            what.target.as_ref(),
                            what.before,
                            what.asked,
                            Some(&refusal),
                        )
                        .await?;
                    }
                    self.tx.commit().await?;
                    self.credentials.clear();
                    self.snapshots.changed();
                }
                Ok(value)
            }
            Err(ServiceError::Refused(refusal)) => {
                let recorded = self.refusal.take().unwrap_or_default();
                let OrgOp {
                    tx,
                    ctx,
                    actor,
                    action,
                    pool,
                    ..
                } = self;
                tx.rollback().await?;
                if audit && audited(&refusal) {
                    // Refused changes are audited too, in a transaction of their own.
                    Err(record_refusal(&pool, ctx, &actor, action, recorded, refusal).await)
                } else {
                    Err(ServiceError::Refused(refusal))
                }
            }
            Err(other) => {
                self.tx.rollback().await?;
                Err(other)
            }
        }
    }
}

/// Whether a refusal is one the audit log records: every rule's, except R-CSV-2's refusal of a
/// file that is not a modify-users file (its header, its encoding): that is bad input, refused
/// before any rule about who may change whom was asked.
fn audited(refusal: &Refusal) -> bool {
    refusal.rule != RuleId::Csv2
}

/// Records a refused change and answers its refusal (or the error that kept it from the log).
async fn record_refusal(
    pool: &sqlx::AnyPool,
    ctx: &Ctx,
    actor: &PersonRecord,
    action: &str,
    what: RefusalRecord,
    refusal: Refusal,
) -> ServiceError {
    match write_refusal(pool, ctx, actor, action, what, &refusal).await {
        Ok(()) => ServiceError::Refused(refusal),
        Err(e) => e,
    }
}

/// Writes the audit event of a refusal in a transaction of its own, which appends to the org's
/// chain and changes nothing else (see [`begin_audit`]): the refused change itself was rolled
/// back, or was never a change (the external administrator's email check).
pub(crate) async fn write_refusal(
    pool: &sqlx::AnyPool,
    ctx: &Ctx,
    actor: &PersonRecord,
    action: &str,
    what: RefusalRecord,
    refusal: &Refusal,
) -> Result<(), ServiceError> {
    let mut tx = begin_audit(pool, &ctx.org).await?;
    append(
        &mut tx,
        ctx,
        Some(actor),
        &ctx.org,
        action,
        what.target.as_ref(),
        what.before,
        what.asked,
        Some(refusal),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A read of one org, on one snapshot (R-EXPORT-2).
pub(crate) struct OrgRead<'c> {
    /// The read transaction.
    pub(crate) tx: Tx,
    /// Who reads, where, when.
    pub(crate) ctx: &'c Ctx,
    /// The org and every holder of a grant in it (shared with the server's kept snapshot).
    pub(crate) state: std::sync::Arc<OrgState>,
    /// The reader.
    pub(crate) actor: PersonRecord,
}

impl<'c> OrgRead<'c> {
    /// Opens a read of `ctx.org`.
    pub(crate) async fn open(service: &Service, ctx: &'c Ctx) -> Result<OrgRead<'c>, ServiceError> {
        let mut tx = begin_read(service.pool(), service.backend()).await?;
        let kept = service.kept_for_read(&mut tx, &ctx.org).await?;
        let actor = match kept.holder(&ctx.actor.trim().to_lowercase()) {
            Some(holder) => holder.clone(),
            None => crate::service::actor(&mut tx, ctx).await?,
        };
        let state = kept.state.clone();
        Ok(OrgRead {
            tx,
            ctx,
            state,
            actor,
        })
    }

    /// The reader as a principal of the org.
    pub(crate) fn principal(&self) -> Principal<'_> {
        Principal::in_state(&self.state, &self.actor.view, self.ctx.now)
    }

    /// How the reader sees people's data (R-EXT-10).
    pub(crate) fn mask(&self) -> Mask {
        Mask::for_viewer(&self.state.org, &self.actor.view)
    }

    /// Ends the read.
    pub(crate) async fn close(self) -> Result<(), ServiceError> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// Takes an org's lock as a change does: by bumping its version (which tells every server's kept
/// states, and on PostgreSQL the other servers, that the org may have changed).
const LOCK_AND_BUMP: &str = "UPDATE orgs SET version = version + 1 WHERE id = $1";

/// Begins a transaction (with `statement`, or a plain `BEGIN`) in a task of its own, so that it
/// cannot be cut off halfway.
///
/// A request is dropped wherever it waits when its client goes away. sqlx marks a connection as
/// in a transaction only once the database has answered `BEGIN`; dropped while waiting for that
/// answer, the connection went back to the pool inside a transaction nobody knew of. What the next
/// request there wrote without a transaction of its own (ending a session) then stayed
/// uncommitted, and was lost when a later read on the connection rolled back. Run as a task, the
/// opening always completes; a transaction nobody is left to use is rolled back when dropped.
pub(crate) async fn begin(
    pool: &sqlx::AnyPool,
    statement: Option<&'static str>,
) -> Result<Tx, ServiceError> {
    let pool = pool.clone();
    let opening = tokio::spawn(async move {
        match statement {
            Some(statement) => pool.begin_with(statement).await,
            None => pool.begin().await,
        }
    });
    match opening.await {
        Ok(tx) => Ok(tx?),
        Err(e) => Err(ServiceError::Internal(format!(
            "opening a transaction did not finish: {e}"
        ))),
    }
}

/// Begins a transaction on an org, taking its lock first.
pub(crate) async fn begin_org(pool: &sqlx::AnyPool, org: &str) -> Result<Tx, ServiceError> {
    begin_locked(pool, org, LOCK_AND_BUMP).await
}

/// Begins a transaction whose first statement, an update of the org's row, takes the org's lock;
/// an org that is not there is not found.
async fn begin_locked(pool: &sqlx::AnyPool, org: &str, lock: &str) -> Result<Tx, ServiceError> {
    let mut tx = begin(pool, None).await?;
    let locked = sqlx::query(lock)
        .bind(org)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if locked == 0 {
        return Err(ServiceError::not_found(Thing::Organization, org));
    }
    Ok(tx)
}

/// Begins a transaction that only appends to an org's audit log (a refusal, a failed sign-in):
/// it takes the org's lock without bumping the org's version, since nothing a kept org state holds
/// changes, so the org's kept states stay in use — a stream of failed sign-ins must not make
/// every server reload an org of 100,000 administrators. The lock still serializes the chain
/// with every change of the org (they all update the same row).
pub(crate) async fn begin_audit(pool: &sqlx::AnyPool, org: &str) -> Result<Tx, ServiceError> {
    begin_locked(
        pool,
        org,
        "UPDATE orgs SET audit_seq = audit_seq WHERE id = $1",
    )
    .await
}

/// Takes the lock of another org inside a change (in id order, to avoid deadlocks).
pub(crate) async fn lock_org(tx: &mut Tx, org: &str) -> Result<(), ServiceError> {
    sqlx::query(LOCK_AND_BUMP)
        .bind(org)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Begins a read transaction that sees one snapshot (R-EXPORT-2): on PostgreSQL `REPEATABLE READ`
/// and read-only, said in the `BEGIN` itself (one round trip, not two); on SQLite every
/// transaction reads one snapshot.
pub(crate) async fn begin_read(pool: &sqlx::AnyPool, backend: Backend) -> Result<Tx, ServiceError> {
    match backend {
        Backend::Postgres => {
            begin(
                pool,
                Some("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
            )
            .await
        }
        Backend::Sqlite => begin(pool, None).await,
    }
}

/// Who did something and from where, as the audit log records it.
pub(crate) fn origin(ctx: &Ctx, actor: Option<&PersonRecord>) -> Origin {
    Origin {
        actor_id: actor.map(|a| a.view.id.clone()),
        actor_email: ctx.client.clone().or_else(|| {
            actor
                .map(|a| a.view.email.clone())
                .or_else(|| (!ctx.actor.is_empty()).then(|| ctx.actor.clone()))
        }),
        actor_org: actor.map(|a| a.view.home_org.clone()),
        request_id: ctx.request_id.clone(),
        client_addr: ctx.client_addr.clone(),
    }
}

/// Appends an audit event to an org's chain, inside a transaction that holds the org's lock.
#[expect(
    clippy::too_many_arguments,
    reason = "one argument per audit column the caller decides"
)]
pub(crate) async fn append(
    tx: &mut Tx,
    ctx: &Ctx,
    actor: Option<&PersonRecord>,
    org: &str,
    action: &str,
    target: Option<&PersonRecord>,
    before: Option<Value>,
    after: Option<Value>,
    refusal: Option<&Refusal>,
) -> Result<(), ServiceError> {
    audit::append(
        tx,
        &origin(ctx, actor),
        NewEvent {
            org_id: org,
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

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;

    async fn version_and_chain(service: &Service) -> (i64, i64) {
        let mut conn = service.conn().await.unwrap();
        let row = sqlx::query("SELECT version, audit_seq FROM orgs WHERE id = 'acme'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        (row.try_get(0).unwrap(), row.try_get(1).unwrap())
    }

    #[tokio::test]
    async fn an_audit_only_write_leaves_the_orgs_version_and_a_change_bumps_it() {
        let service = Service::in_memory().await.unwrap();
        let mut conn = service.conn().await.unwrap();
        sqlx::query(
            "INSERT INTO orgs (id, name, kind, created_at) VALUES ('acme', 'Acme', 'standard', 0)",
        )
        .execute(&mut *conn)
        .await
        .unwrap();
        drop(conn);
        let ctx = Ctx::new("nobody@acme.example", "acme", rolehub_domain::Timestamp(1));
        let before = version_and_chain(&service).await;

        // A refusal or a failed sign-in: the chain grows, kept states stay valid.
        let mut tx = service.begin_audit("acme").await.unwrap();
        append(
            &mut tx,
            &ctx,
            None,
            "acme",
            "auth.sign_in_failed",
            None,
            None,
            None,
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(version_and_chain(&service).await, (before.0, before.1 + 1));

        // A change takes the lock by moving the version on.
        let tx = service.begin_org("acme").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            version_and_chain(&service).await,
            (before.0 + 1, before.1 + 1)
        );

        assert_eq!(
            service.begin_audit("nowhere").await.err().map(|e| e.kind()),
            Some(crate::ErrorKind::NotFound)
        );
    }
}
