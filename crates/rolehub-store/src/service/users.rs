//! Users of an org: adding, removing, (de)activating, invitations, licenses and sign-ins.

use rolehub_domain::change::{self, Actor};
use rolehub_domain::ops::{self, Principal, UserChange};
use rolehub_domain::{License, Role, Status, Warning};
use serde_json::json;

use super::{actor, member, new_id, person, record, Ctx, Service};
use crate::error::ServiceError;
use crate::load::{self, PersonRecord};

/// A user to add.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewUser {
    /// Email, the key.
    pub email: String,
    /// First name.
    pub first: String,
    /// Last name.
    pub last: String,
    /// Location id, if any.
    pub location: Option<String>,
}

/// Checks an email's shape: something, `@`, a domain with a dot.
pub fn validate_email(email: &str) -> Result<String, ServiceError> {
    let email = email.trim().to_lowercase();
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == '"');
    if ok {
        Ok(email)
    } else {
        Err(ServiceError::invalid(
            "email",
            format!("`{email}` is not an email address"),
        ))
    }
}

impl Service {
    /// Adds a pending user to the org, holding no role (R-NEW-1).
    pub async fn add_user(&self, ctx: &Ctx, user: &NewUser) -> Result<PersonRecord, ServiceError> {
        let email = validate_email(&user.email)?;
        let mut tx = self.begin_org(&ctx.org).await?;
        let state = load::org_state(&mut tx, &ctx.org).await?;
        let actor = actor(&mut tx, ctx).await?;
        let principal = Principal::in_state(&state, &actor.view, ctx.now);
        if let Some(location) = &user.location {
            if !state.org.has_location(location) {
                return Err(ServiceError::not_found("location", location.clone()));
            }
        }
        ops::check_user_change(&principal, UserChange::Add, user.location.as_deref())?;
        if load::person_by_email(&mut tx, &email).await?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "a person with the email `{email}` already exists"
            )));
        }
        let id = new_id();
        let display = format!("{} {}", user.first.trim(), user.last.trim())
            .trim()
            .to_string();
        sqlx::query(
            "INSERT INTO persons (id, email, first_name, last_name, display_name, home_org, status, location, invited_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $8)",
        )
        .bind(id.clone())
        .bind(email.clone())
        .bind(user.first.trim().to_string())
        .bind(user.last.trim().to_string())
        .bind(display)
        .bind(ctx.org.clone())
        .bind(user.location.clone())
        .bind(ctx.now.0)
        .execute(&mut *tx)
        .await?;
        let added = load::person_by_id(&mut tx, &id)
            .await?
            .ok_or_else(|| ServiceError::not_found("person", &email))?;
        super::auth::invite(&mut tx, &self.public_url, &added, &state.org.name, ctx.now).await?;
        record(
            &mut tx,
            ctx,
            Some(&actor),
            "user.add",
            Some(&added),
            None,
            Some(json!({ "email": email, "status": "pending", "roles": [] })),
            None,
        )
        .await?;
        Service::finish(tx, ctx.dry_run).await?;
        Ok(added)
    }

    /// Removes a user of the org, with their grants everywhere and their licenses.
    pub async fn remove_user(&self, ctx: &Ctx, email: &str) -> Result<Vec<Warning>, ServiceError> {
        let mut tx = self.begin_org(&ctx.org).await?;
        let state = load::org_state(&mut tx, &ctx.org).await?;
        let actor = actor(&mut tx, ctx).await?;
        let target = member(&mut tx, ctx, email).await?;
        let principal = Principal::in_state(&state, &actor.view, ctx.now);
        ops::check_user_change(&principal, UserChange::Remove, target.location.as_deref())?;
        // Reading A-8: removing the person takes away their roles here.
        let home_full_admin =
            load::holds_full_admin(&mut tx, &actor.view.id, &actor.view.home_org, ctx.now).await?;
        change::check_takes_away_grants(
            &state,
            Actor {
                person: &actor.view,
                home_full_admin,
            },
            &target.view,
            false,
            ctx.now,
        )?;
        let warning = ops::check_keeps_full_admin(&state, &target.view.id, ctx.now)?;
        let elsewhere = self
            .keeps_full_admins_elsewhere(&mut tx, &target, ctx, true)
            .await?;
        let mut held_elsewhere = Vec::with_capacity(elsewhere.len());
        for org in &elsewhere {
            let grants = self.grants_in(&mut tx, &target.view.id, org).await?;
            held_elsewhere.push((
                org.clone(),
                grants.iter().map(|g| g.label()).collect::<Vec<_>>(),
            ));
        }
        let licenses = load::licenses_of(&mut tx, &target.view.id).await?;
        let roles: Vec<String> = state
            .grants_of(&target.view.id)
            .iter()
            .map(|g| g.label())
            .collect();
        for table in [
            "DELETE FROM person_licenses WHERE person_id = $1",
            "DELETE FROM grants WHERE person_id = $1",
            "DELETE FROM persons WHERE id = $1",
        ] {
            sqlx::query(table)
                .bind(target.view.id.clone())
                .execute(&mut *tx)
                .await?;
        }
        for (org, labels) in &held_elsewhere {
            // The person's grants in other orgs go with them; each org's log says so.
            let there = Ctx {
                org: org.clone(),
                ..ctx.clone()
            };
            record(
                &mut tx,
                &there,
                Some(&actor),
                "role.revoke_all",
                Some(&target),
                Some(json!({ "roles": labels, "reason": "user.remove" })),
                Some(json!({ "roles": [] })),
                None,
            )
            .await?;
        }
        let before = json!({ "email": target.view.email, "status": target.view.status.id(), "roles": roles, "licenses": licenses });
        record(
            &mut tx,
            ctx,
            Some(&actor),
            "user.remove",
            Some(&target),
            Some(before),
            None,
            None,
        )
        .await?;
        Service::finish(tx, ctx.dry_run).await?;
        Ok(warning.into_iter().collect())
    }

    /// Activates or deactivates a user (R-AUTH-3; R-CCSA-7; R-ASSIGN-3).
    pub async fn set_user_status(
        &self,
        ctx: &Ctx,
        email: &str,
        status: &str,
    ) -> Result<Vec<Warning>, ServiceError> {
        let status = match Status::from_id(status) {
            Some(s @ (Status::Active | Status::Inactive)) => s,
            _ => {
                return Err(ServiceError::invalid(
                    "status",
                    format!(
                    "`{status}` is not a status an administrator sets; use `active` or `inactive`"
                ),
                ))
            }
        };
        let mut tx = self.begin_org(&ctx.org).await?;
        let state = load::org_state(&mut tx, &ctx.org).await?;
        let actor = actor(&mut tx, ctx).await?;
        let target = member(&mut tx, ctx, email).await?;
        let principal = Principal::in_state(&state, &actor.view, ctx.now);
        ops::check_user_change(
            &principal,
            UserChange::SetStatus,
            target.location.as_deref(),
        )?;
        let warnings = if status == Status::Inactive {
            // Reading A-8: deactivating the person takes away what their roles here give.
            let home_full_admin =
                load::holds_full_admin(&mut tx, &actor.view.id, &actor.view.home_org, ctx.now)
                    .await?;
            change::check_takes_away_grants(
                &state,
                Actor {
                    person: &actor.view,
                    home_full_admin,
                },
                &target.view,
                true,
                ctx.now,
            )?;
            {
                self.keeps_full_admins_elsewhere(&mut tx, &target, ctx, false)
                    .await?;
                ops::check_keeps_full_admin(&state, &target.view.id, ctx.now)?
            }
            .into_iter()
            .collect()
        } else {
            Vec::new()
        };
        if target.view.status == status {
            tx.rollback().await?;
            return Ok(warnings);
        }
        sqlx::query("UPDATE persons SET status = $1 WHERE id = $2")
            .bind(status.id())
            .bind(target.view.id.clone())
            .execute(&mut *tx)
            .await?;
        record(
            &mut tx,
            ctx,
            Some(&actor),
            "user.status",
            Some(&target),
            Some(json!({ "status": target.view.status.id() })),
            Some(json!({ "status": status.id() })),
            None,
        )
        .await?;
        Service::finish(tx, ctx.dry_run).await?;
        Ok(warnings)
    }

    /// Resends the activation invitation to a pending user (R-CCSA-8).
    pub async fn resend_invite(&self, ctx: &Ctx, email: &str) -> Result<(), ServiceError> {
        let mut tx = self.begin_org(&ctx.org).await?;
        let state = load::org_state(&mut tx, &ctx.org).await?;
        let actor = actor(&mut tx, ctx).await?;
        let target = member(&mut tx, ctx, email).await?;
        let principal = Principal::in_state(&state, &actor.view, ctx.now);
        ops::check_user_change(
            &principal,
            UserChange::ResendInvite,
            target.location.as_deref(),
        )?;
        if target.view.status != Status::Pending {
            return Err(ServiceError::Conflict(format!(
                "`{email}` is {}, not pending: there is no invitation to resend",
                target.view.status.id()
            )));
        }
        sqlx::query("UPDATE persons SET invited_at = $1 WHERE id = $2")
            .bind(ctx.now.0)
            .bind(target.view.id.clone())
            .execute(&mut *tx)
            .await?;
        // A new link voids the old one.
        super::auth::invite(&mut tx, &self.public_url, &target, &state.org.name, ctx.now).await?;
        record(
            &mut tx,
            ctx,
            Some(&actor),
            "user.resend_invite",
            Some(&target),
            None,
            Some(json!({ "invited_at": ctx.now.to_iso() })),
            None,
        )
        .await?;
        Service::finish(tx, ctx.dry_run).await
    }

    /// Gives or takes a license (R-LIC-1, R-CCSA-2, R-CCSA-8, R-SITE-4).
    pub async fn set_license(
        &self,
        ctx: &Ctx,
        email: &str,
        license: &str,
        on: bool,
    ) -> Result<(), ServiceError> {
        self.set_licenses(ctx, email, &[(license.to_string(), on)])
            .await
    }

    /// Gives and takes several licenses of one user in one change: all or none.
    pub async fn set_licenses(
        &self,
        ctx: &Ctx,
        email: &str,
        changes: &[(String, bool)],
    ) -> Result<(), ServiceError> {
        let mut parsed = Vec::with_capacity(changes.len());
        for (id, on) in changes {
            let license = License::from_id(id).ok_or_else(|| {
                ServiceError::invalid("license", format!("`{id}` is not a license; use cc_premium_agent, cc_standard_agent, calling or meetings_host:<site>"))
            })?;
            parsed.push((license, *on));
        }
        let mut tx = self.begin_org(&ctx.org).await?;
        let state = load::org_state(&mut tx, &ctx.org).await?;
        let actor = actor(&mut tx, ctx).await?;
        let target = member(&mut tx, ctx, email).await?;
        let principal = Principal::in_state(&state, &actor.view, ctx.now);
        let held = load::licenses_of(&mut tx, &target.view.id).await?;
        let mut changed = Vec::new();
        for (license, on) in &parsed {
            if let License::MeetingsHost(site) = license {
                if state.org.site(site).is_none() {
                    return Err(ServiceError::not_found("site", site.clone()));
                }
            }
            ops::check_license_change(&principal, license, target.location.as_deref())?;
            let id = license.id();
            if held.contains(&id) == *on {
                continue;
            }
            if *on {
                let (used, quantity) = load::license_usage(&mut tx, &ctx.org, &id).await?;
                ops::check_license_quantity(license, used, quantity)?;
                sqlx::query("INSERT INTO person_licenses (person_id, org_id, license, assigned_at) VALUES ($1, $2, $3, $4)")
                    .bind(target.view.id.clone()).bind(ctx.org.clone()).bind(id.clone()).bind(ctx.now.0)
                    .execute(&mut *tx).await?;
            } else {
                let holds_ccsa = state
                    .grants_of(&target.view.id)
                    .iter()
                    .any(|g| g.role == Role::CcServiceAdmin);
                ops::check_license_removal(license, holds_ccsa)?;
                sqlx::query("DELETE FROM person_licenses WHERE person_id = $1 AND license = $2")
                    .bind(target.view.id.clone())
                    .bind(id.clone())
                    .execute(&mut *tx)
                    .await?;
            }
            changed.push(json!({ "license": id, "on": on }));
        }
        if changed.is_empty() {
            tx.rollback().await?;
            return Ok(());
        }
        record(
            &mut tx,
            ctx,
            Some(&actor),
            "license.change",
            Some(&target),
            Some(json!({ "licenses": held })),
            Some(json!({ "changes": changed })),
            None,
        )
        .await?;
        Service::finish(tx, ctx.dry_run).await
    }

    /// Records an interactive sign-in to the admin console (R-AUTH-2, R-SITE-3, R-EXT-6).
    pub async fn record_sign_in(&self, email: &str, ctx: &Ctx) -> Result<(), ServiceError> {
        let mut conn = self.db.pool.acquire().await?;
        let who = person(&mut conn, email).await?;
        drop(conn);
        let mut tx = self.begin_org(&who.view.home_org).await?;
        sqlx::query("UPDATE persons SET signed_in_at = $1 WHERE id = $2")
            .bind(ctx.now.0)
            .bind(who.view.id.clone())
            .execute(&mut *tx)
            .await?;
        let home_ctx = Ctx {
            org: who.view.home_org.clone(),
            actor: who.view.email.clone(),
            ..ctx.clone()
        };
        record(
            &mut tx,
            &home_ctx,
            Some(&who),
            "auth.sign_in",
            Some(&who),
            None,
            Some(json!({ "signed_in_at": ctx.now.to_iso() })),
            None,
        )
        .await?;
        Service::finish(tx, ctx.dry_run).await
    }
}

impl Service {
    /// R-ASSIGN-3 in the other orgs where `target` holds grants: removing or deactivating them must
    /// leave each of those orgs a full administrator too. With `lock`, those orgs are locked (in id
    /// order) and answered so that the caller can record the removal in each.
    async fn keeps_full_admins_elsewhere(
        &self,
        conn: &mut sqlx::AnyConnection,
        target: &PersonRecord,
        ctx: &Ctx,
        lock: bool,
    ) -> Result<Vec<String>, ServiceError> {
        use sqlx::Row;
        let orgs: Vec<String> = sqlx::query("SELECT DISTINCT org_id FROM grants WHERE person_id = $1 AND org_id <> $2 ORDER BY org_id")
            .bind(target.view.id.clone())
            .bind(ctx.org.clone())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get("org_id"))
            .collect::<Result<_, _>>()?;
        for org in &orgs {
            if lock {
                sqlx::query("UPDATE orgs SET version = version + 1 WHERE id = $1")
                    .bind(org.clone())
                    .execute(&mut *conn)
                    .await?;
            }
            let state = load::org_state(conn, org).await?;
            ops::check_keeps_full_admin(&state, &target.view.id, ctx.now)?;
        }
        Ok(orgs)
    }
}
