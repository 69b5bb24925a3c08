//! The operator's handle: what someone with the database in hand does outside any org's rules —
//! loading a world, generating a large one, setting a password, ending a partner relationship,
//! issuing a token for a person, and reading everything unmasked.
//!
//! The handle is named ([`Service::operator`]) and every change it makes is audited with the
//! operator as actor (`operator:NAME`, no person id), in the org it changed.

use rolehub_domain::{Role, Timestamp};
use serde_json::json;
use sqlx::Row;

use crate::audit::{self, Break, EventFilter, StoredEvent};
use crate::directory::{self, PeopleFilter, PersonSummary};
use crate::error::{ServiceError, Thing};
use crate::load::{self, PersonRecord};
use crate::op::{self, Tx};
use crate::service::auth::{Mail, TokenInfo, TokenScope};
use crate::service::{AdminList, Ctx, Service};
use crate::world::{World, WorldError};

/// How the audit log names an operator.
pub fn actor_name(name: &str) -> String {
    format!("operator:{name}")
}

/// How many orgs, people, grants and audit events the database holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Orgs.
    pub orgs: i64,
    /// People.
    pub people: i64,
    /// Grants.
    pub grants: i64,
    /// Audit events.
    pub events: i64,
}

/// An operator acting on the service.
pub struct Operator<'s> {
    service: &'s Service,
    name: String,
}

/// The first half of the expiry sweep's advisory lock on PostgreSQL (one sweep at a time across
/// servers); the second is the schema's, so that Rolehubs in different schemas of one database
/// (a staging beside a production, or tests side by side) do not skip each other's sweeps.
const SWEEP_LOCK: i32 = 0x5268_6201;

impl Service {
    /// The operator handle, named for the audit log (`cli`, `demo`, `expiry sweep`, …).
    pub fn operator(&self, name: &str) -> Operator<'_> {
        Operator {
            service: self,
            name: name.to_string(),
        }
    }
}

impl Operator<'_> {
    fn ctx(&self, org: &str, now: Timestamp) -> Ctx {
        let mut ctx = Ctx::new(actor_name(&self.name), org, now);
        ctx.client_addr = Some("operator".into());
        ctx
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per audit column the operator's act decides"
    )]
    async fn record(
        &self,
        tx: &mut Tx,
        org: &str,
        now: Timestamp,
        action: &str,
        target: Option<&PersonRecord>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<(), ServiceError> {
        op::append(
            tx,
            &self.ctx(org, now),
            None,
            org,
            action,
            target,
            before,
            after,
            None,
        )
        .await
    }

    /// Loads a world (orgs, people, grants) in one transaction, its times moved to `now`, with one
    /// `world.load` event per org that names what was set up there.
    pub async fn load_world(&self, world: &World, now: Timestamp) -> Result<(), WorldError> {
        let shift = now.0 - world.now()?.0;
        let mut tx = crate::op::begin(self.service.pool(), None).await?;
        let loaded = crate::world::load(&mut tx, world, shift).await?;
        for (org, (people, grants)) in &loaded.per_org {
            // A new version: a server that keeps this org's state reads it again.
            crate::op::lock_org(&mut tx, org).await?;
            self.record(
                &mut tx,
                org,
                now,
                "world.load",
                None,
                None,
                Some(json!({ "people": people, "grants": grants })),
            )
            .await?;
        }
        self.service.commit(tx).await?;
        Ok(())
    }

    /// Loads a world into an empty database only; answers whether it was loaded.
    pub async fn load_world_if_empty(
        &self,
        world: &World,
        now: Timestamp,
    ) -> Result<bool, WorldError> {
        if self.counts().await?.orgs > 0 {
            return Ok(false);
        }
        self.load_world(world, now).await?;
        Ok(true)
    }

    /// Sets a person's password; audited in their home org.
    pub async fn set_password(
        &self,
        email: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        crate::passwords::hash_password_shape(password)?;
        let hash = self.service.hashes().hash(password).await?;
        let person = self.person(email).await?;
        let mut tx = self.service.begin_org(&person.view.home_org).await?;
        crate::service::auth::store_password(&mut tx, &person.view.id, &hash).await?;
        self.record(
            &mut tx,
            &person.view.home_org.clone(),
            now,
            "user.password_set",
            Some(&person),
            None,
            None,
        )
        .await?;
        self.service.commit(tx).await?;
        Ok(())
    }

    /// Issues a personal access token for a person; audited in their home org.
    pub async fn create_token(
        &self,
        email: &str,
        name: &str,
        scope: TokenScope,
        ttl_days: i64,
        now: Timestamp,
    ) -> Result<(TokenInfo, String), ServiceError> {
        let person = self.person(email).await?;
        let ctx = self.ctx(&person.view.home_org, now);
        crate::service::auth::issue_token(
            self.service,
            &ctx,
            Some(&self.name),
            &person,
            name,
            scope,
            ttl_days,
        )
        .await
    }

    /// Ends the sales relationship between a partner and a customer (R-EXT-9); audited in the
    /// customer org.
    pub async fn end_relationship(
        &self,
        partner: &str,
        customer: &str,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let mut tx = self.service.begin_org(customer).await?;
        let org = load::org_view(&mut tx, customer).await?;
        match &org.partner {
            Some(link) if link.org == partner => {}
            _ => {
                return Err(ServiceError::not_found(
                    Thing::SalesRelationship,
                    format!("{partner} → {customer}"),
                ))
            }
        }
        sqlx::query("UPDATE orgs SET partner_status = 'ended' WHERE id = $1")
            .bind(customer)
            .execute(&mut *tx)
            .await?;
        self.record(
            &mut tx,
            customer,
            now,
            "relationship.end",
            None,
            Some(json!({ "partner": partner, "status": "active" })),
            Some(json!({ "partner": partner, "status": "ended" })),
        )
        .await?;
        self.service.commit(tx).await?;
        Ok(())
    }

    /// Records an interactive sign-in of a person, as if they had signed in (scenarios, demos).
    pub async fn record_sign_in(&self, email: &str, now: Timestamp) -> Result<(), ServiceError> {
        let person = self.person(email).await?;
        let mut ctx = Ctx::new(person.view.email.clone(), person.view.home_org.clone(), now);
        ctx.client_addr = Some("operator".into());
        crate::service::users::record_sign_in(self.service, &person, &ctx, "operator").await
    }

    /// Records the audit event of every grant that expired since the last sweep (R-EXT-7).
    pub async fn sweep_expired(&self, now: Timestamp) -> Result<usize, ServiceError> {
        // On PostgreSQL several servers share the database: one sweeps at a time (the others skip
        // this round). Each grant's expiry is recorded under its org's lock and marked, so even
        // sweeps that overlapped would record it once; the lock saves the wasted work.
        let mut lock = None;
        if self.service.backend() == crate::db::Backend::Postgres {
            let mut conn = self.service.conn().await?;
            let got: bool =
                sqlx::query("SELECT pg_try_advisory_lock($1, hashtext(current_schema())) AS got")
                    .bind(SWEEP_LOCK)
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("got")?;
            if !got {
                return Ok(0);
            }
            lock = Some(conn);
        }
        let swept = self.service.sweep_expired(now).await;
        if let Some(mut conn) = lock {
            sqlx::query("SELECT pg_advisory_unlock($1, hashtext(current_schema()))")
                .bind(SWEEP_LOCK)
                .execute(&mut *conn)
                .await?;
        }
        let swept = swept?;
        let mut conn = self.service.conn().await?;
        crate::throttle::prune(&mut conn, now).await?;
        crate::service::uploads::prune(&mut conn, now).await?;
        crate::service::jobs::prune(&mut conn, now).await?;
        Ok(swept)
    }

    // --- Reads, unmasked: the operator has the database itself. ---------------------------------

    /// A person by email or id.
    pub async fn person(&self, key: &str) -> Result<PersonRecord, ServiceError> {
        let mut conn = self.service.conn().await?;
        crate::service::person(&mut conn, key).await
    }

    /// Every org, by id.
    pub async fn orgs(&self) -> Result<Vec<rolehub_domain::OrgView>, ServiceError> {
        let mut conn = self.service.conn().await?;
        directory::orgs(&mut conn).await
    }

    /// A page of an org's people by email (with `roles`, everyone holding one of them there).
    pub async fn people(
        &self,
        org: &str,
        roles: &[Role],
        after_email: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PersonSummary>, ServiceError> {
        let mut conn = self.service.conn().await?;
        load::org_view(&mut conn, org).await?;
        directory::people(
            &mut conn,
            &PeopleFilter {
                org: org.to_string(),
                roles: roles.to_vec(),
                after: after_email.map(str::to_string),
                limit,
                ..PeopleFilter::default()
            },
            None,
        )
        .await
    }

    /// The administrators list, unfiltered and unmasked.
    pub async fn admins(
        &self,
        org: &str,
        roles: &[Role],
        external: Option<bool>,
        now: Timestamp,
    ) -> Result<AdminList, ServiceError> {
        let mut tx = self.service.begin_read().await?;
        let state = load::org_state(&mut tx, org).await?;
        tx.rollback().await?;
        Ok(crate::service::admins::admin_rows(
            &state,
            rolehub_domain::ops::ListView {
                ccsa_only: false,
                shared: None,
            },
            roles,
            external,
            now,
        ))
    }

    /// A person's grants in an org that have not expired, as labels (`role`, `role@site`, …).
    pub async fn roles_of(
        &self,
        email: &str,
        org: &str,
        now: Timestamp,
    ) -> Result<Vec<String>, ServiceError> {
        let mut conn = self.service.conn().await?;
        let org_view = load::org_view(&mut conn, org).await?;
        let person = crate::service::person(&mut conn, email).await?;
        let relation = org_view.relation_of(&person.view);
        let grants = crate::service::roles::grants_in(&mut conn, &person.view.id, org).await?;
        Ok(grants
            .iter()
            .filter(|g| !g.is_expired(relation, &org_view.settings, now))
            .map(rolehub_domain::Grant::label)
            .collect())
    }

    /// Units of a license in use in an org.
    pub async fn license_used(&self, org: &str, license: &str) -> Result<i64, ServiceError> {
        let mut conn = self.service.conn().await?;
        load::org_view(&mut conn, org).await?;
        Ok(load::license_usage(&mut conn, org, license).await?.0)
    }

    /// Audit events, oldest first.
    pub async fn audit(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, ServiceError> {
        let mut conn = self.service.conn().await?;
        audit::list(&mut conn, filter).await
    }

    /// Verifies every org's audit chain (or one org's).
    pub async fn verify_audit(
        &self,
        org: Option<&str>,
    ) -> Result<Result<u64, Break>, ServiceError> {
        let mut conn = self.service.conn().await?;
        audit::verify(&mut conn, org).await
    }

    /// Every org's audit head now, signed: the checkpoints to append to the checkpoint file.
    pub async fn audit_checkpoints(
        &self,
        now: Timestamp,
        key: &crate::checkpoint::CheckpointKey,
    ) -> Result<Vec<String>, ServiceError> {
        let mut conn = self.service.conn().await?;
        Ok(audit::heads(&mut conn)
            .await?
            .into_iter()
            .map(|(org, seq, hash)| {
                crate::checkpoint::Checkpoint {
                    org,
                    seq,
                    hash,
                    at: now,
                }
                .line(key)
            })
            .collect())
    }

    /// Checks the audit log against checkpoint lines signed with `key`: each line's signature,
    /// then that the event at each checkpoint's position still has its hash and that no log ends
    /// before a checkpoint's position. Answers how many checkpoints were checked, or what is wrong
    /// (for each org, the first problem in the order of positions).
    pub async fn verify_checkpoints(
        &self,
        text: &str,
        key: &crate::checkpoint::CheckpointKey,
    ) -> Result<Result<usize, Vec<crate::checkpoint::CheckpointProblem>>, ServiceError> {
        use crate::checkpoint::{Checkpoint, CheckpointProblem};
        let mut problems = Vec::new();
        let mut checkpoints = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match Checkpoint::parse(line, key) {
                Ok(c) => checkpoints.push((i + 1, c)),
                Err(detail) => problems.push(CheckpointProblem::BadLine {
                    line: i + 1,
                    detail,
                }),
            }
        }
        checkpoints.sort_by(|a, b| (&a.1.org, a.1.seq).cmp(&(&b.1.org, b.1.seq)));
        let mut conn = self.service.conn().await?;
        let mut broken_org: Option<String> = None;
        let mut intact_until = 0;
        let mut last_org = String::new();
        for (line, c) in &checkpoints {
            if *last_org != c.org {
                last_org = c.org.clone();
                intact_until = 0;
            }
            if broken_org.as_deref() == Some(c.org.as_str()) || c.seq == 0 {
                continue;
            }
            match audit::hash_at(&mut conn, &c.org, c.seq).await? {
                Some(hash) if hash == c.hash => intact_until = c.seq,
                Some(_) => {
                    broken_org = Some(c.org.clone());
                    problems.push(CheckpointProblem::Rewritten {
                        line: *line,
                        org: c.org.clone(),
                        seq: c.seq,
                        intact_until,
                    });
                }
                None => {
                    broken_org = Some(c.org.clone());
                    problems.push(CheckpointProblem::Truncated {
                        line: *line,
                        org: c.org.clone(),
                        seq: c.seq,
                        ends_at: audit::ends_at(&mut conn, &c.org).await?,
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(Ok(checkpoints.len()))
        } else {
            Ok(Err(problems))
        }
    }

    /// The mail outbox, newest first.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<Mail>, ServiceError> {
        crate::service::auth::outbox(self.service, limit).await
    }

    /// What the database holds.
    pub async fn counts(&self) -> Result<Counts, ServiceError> {
        let mut conn = self.service.conn().await?;
        let (orgs, people, grants, events) = directory::counts(&mut conn).await?;
        Ok(Counts {
            orgs,
            people,
            grants,
            events,
        })
    }

    /// Generates a large world for benchmarks: `orgs` orgs `gen-NNNN` of `users_per_org` users,
    /// with four locations, a Control Hub site, a subscription and five administrators each,
    /// written with bulk inserts; one `world.generate` event per org. `progress` hears of every
    /// batch of users written.
    pub async fn generate(
        &self,
        orgs: usize,
        users_per_org: usize,
        admins_per_org: usize,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(), ServiceError> {
        let first = self.counts().await?.orgs as usize + 1;
        for n in first..first + orgs {
            crate::generate::org(
                self.service,
                n,
                users_per_org,
                admins_per_org,
                now,
                progress,
            )
            .await?;
            let org = crate::generate::org_id(n);
            let mut tx = self.service.begin_org(&org).await?;
            self.record(
                &mut tx,
                &org,
                now,
                "world.generate",
                None,
                None,
                Some(json!({ "people": users_per_org, "administrators": users_per_org.min(admins_per_org) })),
            )
            .await?;
            self.service.commit(tx).await?;
        }
        Ok(())
    }
}
