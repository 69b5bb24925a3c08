//! Users of an org: adding, removing, (de)activating, invitations, licenses and sign-ins.

use rolehub_domain::ops::{self, UserChange};
use rolehub_domain::{quoted, License, Role, Status, Warning};
use serde_json::json;

use super::{new_id, Ctx, Service};
use crate::error::{ServiceError, Text, Thing};
use crate::load::{self, PersonRecord};
use crate::op::{OrgOp, Tx};

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
    /// Display name (default: first and last name).
    pub display_name: Option<String>,
    /// Licenses given at once (R-LIC-1, R-CCSA-2 as for any license change).
    pub licenses: Vec<String>,
    /// Roles (grant labels) assigned at once by the adding administrator: adding gives no role
    /// (R-NEW-1); these are assignments, each under the assignment rules, in the same change.
    pub roles: Vec<String>,
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
            Text::new(
                format!("{} is not an email address", quoted(&email)),
                format!("{} is geen e-mailadres", quoted(&email)),
            ),
        ))
    }
}

impl Service {
    /// Adds a pending user to the org (adding gives no role, R-NEW-1), with the licenses and the
    /// role assignments asked for in the same change, refused as a whole.
    pub async fn add_user(&self, ctx: &Ctx, user: &NewUser) -> Result<PersonRecord, ServiceError> {
        let mut op = OrgOp::open(self, ctx, "user.add").await?;
        let result = self.add_user_with(&mut op, user).await;
        op.settle(result).await
    }

    /// Adds a user in an open change: their fields checked, then the user, their licenses and the
    /// role assignments asked for (the REST API's and SCIM's addition alike).
    pub(crate) async fn add_user_with(
        &self,
        op: &mut OrgOp<'_>,
        user: &NewUser,
    ) -> Result<PersonRecord, ServiceError> {
        let email = validate_email(&user.email)?;
        let limit = super::csv_import::MAX_NAME_CHARS;
        for (field, value) in [
            ("firstName", user.first.as_str()),
            ("lastName", user.last.as_str()),
            (
                "displayName",
                user.display_name.as_deref().unwrap_or_default(),
            ),
        ] {
            if value.trim().chars().count() > limit {
                return Err(ServiceError::invalid(field, at_most_chars(limit)));
            }
        }
        let mut licenses = Vec::with_capacity(user.licenses.len());
        for id in &user.licenses {
            licenses.push((parse_license(id)?, true));
        }
        let added = self.add_user_in(op, user, email).await?;
        if !licenses.is_empty() {
            set_licenses_in(op, &added.view.id, &licenses).await?;
        }
        if !user.roles.is_empty() {
            op.reload_state().await?;
            super::roles::replace_roles_in(op, &added.view.id, &user.roles).await?;
        }
        Ok(added)
    }

    pub(crate) async fn add_user_in(
        &self,
        op: &mut OrgOp<'_>,
        user: &NewUser,
        email: String,
    ) -> Result<PersonRecord, ServiceError> {
        if let Some(location) = &user.location {
            if !op.state.org.has_location(location) {
                return Err(ServiceError::not_found(Thing::Location, location.clone()));
            }
        }
        // A refusal names the email asked for (there is no person yet).
        op.audit_refusal(
            None,
            None,
            Some(json!({ "email": email, "location": user.location })),
        );
        ops::check_user_change(&op.principal(), UserChange::Add, user.location.as_deref())?;
        if load::person_by_email(&mut op.tx, &email).await?.is_some() {
            return Err(email_taken(&email));
        }
        let id = new_id();
        let display = match user.display_name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => format!("{} {}", user.first.trim(), user.last.trim())
                .trim()
                .to_string(),
        };
        sqlx::query(
            "INSERT INTO persons (id, email, first_name, last_name, display_name, home_org, status, location, invited_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $8)",
        )
        .bind(id.clone())
        .bind(email.clone())
        .bind(user.first.trim().to_string())
        .bind(user.last.trim().to_string())
        .bind(display)
        .bind(op.ctx.org.clone())
        .bind(user.location.clone())
        .bind(op.ctx.now.0)
        .execute(&mut *op.tx)
        .await?;
        let added = load::person_by_id(&mut op.tx, &id)
            .await?
            .ok_or_else(|| ServiceError::not_found(Thing::Person, &email))?;
        let org_name = op.state.org.name.clone();
        super::auth::invite(&mut op.tx, self.public_url(), &added, &org_name, op.ctx.now).await?;
        op.record(
            "user.add",
            Some(&added),
            None,
            Some(json!({ "email": email, "status": "pending", "roles": [] })),
        )
        .await?;
        Ok(added)
    }

    /// Removes a user of the org (named by id or email), with their grants everywhere and their
    /// licenses.
    pub async fn remove_user(&self, ctx: &Ctx, key: &str) -> Result<Vec<Warning>, ServiceError> {
        let mut op = OrgOp::open(self, ctx, "user.remove").await?;
        let result = remove_user_in(&mut op, key).await;
        op.settle(result).await
    }

    /// Activates or deactivates a user (R-AUTH-3; R-CCSA-7; R-ASSIGN-3; reading A-8).
    pub async fn set_user_status(
        &self,
        ctx: &Ctx,
        key: &str,
        status: &str,
    ) -> Result<Vec<Warning>, ServiceError> {
        let status = match Status::from_id(status) {
            Some(s @ (Status::Active | Status::Inactive)) => s,
            _ => {
                return Err(ServiceError::invalid(
                    "status",
                    Text::new(
                        format!(
                            "{} is not a status an administrator sets; use {} or {}",
                            quoted(status),
                            quoted("active"),
                            quoted("inactive")
                        ),
                        format!(
                            "{} is geen status die een beheerder instelt; gebruik {} of {}",
                            quoted(status),
                            quoted("active"),
                            quoted("inactive")
                        ),
                    ),
                ))
            }
        };
        let mut op = OrgOp::open(self, ctx, "user.status").await?;
        let result = set_status_in(&mut op, key, status).await;
        op.settle(result).await
    }

    /// Resends the activation invitation to a pending user (R-CCSA-8).
    pub async fn resend_invite(&self, ctx: &Ctx, key: &str) -> Result<(), ServiceError> {
        let mut op = OrgOp::open(self, ctx, "user.resend_invite").await?;
        let result = self.resend_in(&mut op, key).await;
        op.settle(result).await
    }

    async fn resend_in(&self, op: &mut OrgOp<'_>, key: &str) -> Result<(), ServiceError> {
        let target = op.member(key).await?;
        op.audit_refusal(
            Some(&target),
            Some(json!({ "status": target.view.status.id() })),
            None,
        );
        ops::check_user_change(
            &op.principal(),
            UserChange::ResendInvite,
            target.location.as_deref(),
        )?;
        if target.view.status != Status::Pending {
            let (en, nl) = match target.view.status {
                Status::Inactive => ("inactive", "inactief"),
                _ => ("active", "actief"),
            };
            return Err(ServiceError::conflict(
                format!("this person is {en}, not pending: there is no invitation to resend"),
                format!("deze persoon is {nl} en heeft geen openstaande uitnodiging om opnieuw te verzenden"),
            ));
        }
        sqlx::query("UPDATE persons SET invited_at = $1 WHERE id = $2")
            .bind(op.ctx.now.0)
            .bind(target.view.id.clone())
            .execute(&mut *op.tx)
            .await?;
        // A new link voids the old one.
        let org_name = op.state.org.name.clone();
        super::auth::invite(
            &mut op.tx,
            self.public_url(),
            &target,
            &org_name,
            op.ctx.now,
        )
        .await?;
        op.record(
            "user.resend_invite",
            Some(&target),
            None,
            Some(json!({ "invited_at": op.ctx.now.to_iso() })),
        )
        .await
    }

    /// Gives or takes a license (R-LIC-1, R-CCSA-2, R-CCSA-8, R-SITE-4).
    pub async fn set_license(
        &self,
        ctx: &Ctx,
        key: &str,
        license: &str,
        on: bool,
    ) -> Result<(), ServiceError> {
        self.set_licenses(ctx, key, &[(license.to_string(), on)])
            .await
    }

    /// Gives and takes several licenses of one user in one change: all or none.
    pub async fn set_licenses(
        &self,
        ctx: &Ctx,
        key: &str,
        changes: &[(String, bool)],
    ) -> Result<(), ServiceError> {
        self.change_licenses(ctx, key, changes).await.map(|_| ())
    }

    /// As [`Service::set_licenses`], answering the licenses the user holds in the org afterwards
    /// (in a dry run: would hold), as the change left them under the org's lock: an answer read
    /// after the change could be refused, or see another change, by then.
    pub async fn change_licenses(
        &self,
        ctx: &Ctx,
        key: &str,
        changes: &[(String, bool)],
    ) -> Result<Vec<String>, ServiceError> {
        let mut parsed = Vec::with_capacity(changes.len());
        for (id, on) in changes {
            parsed.push((parse_license(id)?, *on));
        }
        let mut op = OrgOp::open(self, ctx, "license.change").await?;
        let result = set_licenses_in(&mut op, key, &parsed).await;
        op.settle(result).await
    }
}

/// Reads a license id, or says which exist.
pub(crate) fn parse_license(id: &str) -> Result<License, ServiceError> {
    License::from_id(id).ok_or_else(|| ServiceError::invalid("license", not_a_license(id)))
}

/// That an id is not a license, with the ids that are (what the API and the CLI take).
pub(crate) fn not_a_license(id: &str) -> Text {
    Text::new(
        format!(
            "{} is not a license; use cc_premium_agent, cc_standard_agent, calling or meetings_host:<site>",
            quoted(id)
        ),
        format!(
            "{} is geen licentie; gebruik cc_premium_agent, cc_standard_agent, calling of meetings_host:<site>",
            quoted(id)
        ),
    )
}

/// That a name or other text is longer than it may be.
pub(crate) fn at_most_chars(limit: usize) -> Text {
    Text::new(
        format!("at most {limit} characters"),
        format!("hoogstens {limit} tekens"),
    )
}

/// That the email of a new person is taken already.
pub(crate) fn email_taken(email: &str) -> ServiceError {
    ServiceError::conflict(
        format!("a person with the email {} already exists", quoted(email)),
        format!(
            "er bestaat al een persoon met het e-mailadres {}",
            quoted(email)
        ),
    )
}

async fn remove_user_in(op: &mut OrgOp<'_>, key: &str) -> Result<Vec<Warning>, ServiceError> {
    let target = op.member(key).await?;
    op.audit_refusal(
        Some(&target),
        Some(json!({ "email": target.view.email, "status": target.view.status.id() })),
        None,
    );
    ops::check_user_change(
        &op.principal(),
        UserChange::Remove,
        target.location.as_deref(),
    )?;
    // Reading A-8: removing the person takes away their roles here.
    op.check_takes_away_grants(&target, false).await?;
    let warning = ops::check_keeps_full_admin(&op.state, &target.view.id, op.ctx.now)?;
    let elsewhere = keeps_full_admins_elsewhere(&mut op.tx, &target, op.ctx, true).await?;
    let mut held_elsewhere = Vec::with_capacity(elsewhere.len());
    for org in &elsewhere {
        let grants = super::roles::grants_in(&mut op.tx, &target.view.id, org).await?;
        held_elsewhere.push((
            org.clone(),
            grants.iter().map(|g| g.label()).collect::<Vec<_>>(),
        ));
    }
    let licenses = load::licenses_of(&mut op.tx, &target.view.id).await?;
    let roles: Vec<String> = op
        .state
        .grants_of(&target.view.id)
        .iter()
        .map(|g| g.label())
        .collect();
    for table in [
        "DELETE FROM scim_group_members WHERE person_id = $1",
        "DELETE FROM person_licenses WHERE person_id = $1",
        "DELETE FROM grants WHERE person_id = $1",
        "DELETE FROM persons WHERE id = $1",
    ] {
        sqlx::query(table)
            .bind(target.view.id.clone())
            .execute(&mut *op.tx)
            .await?;
    }
    for (org, labels) in &held_elsewhere {
        // The person's grants in other orgs go with them; each org's log says so.
        op.record_in(
            org,
            "role.revoke_all",
            Some(&target),
            Some(json!({ "roles": labels, "reason": "user.remove" })),
            Some(json!({ "roles": [] })),
        )
        .await?;
    }
    let before = json!({ "email": target.view.email, "status": target.view.status.id(), "roles": roles, "licenses": licenses });
    op.record("user.remove", Some(&target), Some(before), None)
        .await?;
    Ok(warning.into_iter().collect())
}

pub(crate) async fn set_status_in(
    op: &mut OrgOp<'_>,
    key: &str,
    status: Status,
) -> Result<Vec<Warning>, ServiceError> {
    let target = op.member(key).await?;
    op.audit_refusal(
        Some(&target),
        Some(json!({ "status": target.view.status.id() })),
        Some(json!({ "status": status.id() })),
    );
    ops::check_user_change(
        &op.principal(),
        UserChange::SetStatus,
        target.location.as_deref(),
    )?;
    let warnings = if status == Status::Inactive {
        // Reading A-8: deactivating the person takes away what their roles here give.
        op.check_takes_away_grants(&target, true).await?;
        keeps_full_admins_elsewhere(&mut op.tx, &target, op.ctx, false).await?;
        ops::check_keeps_full_admin(&op.state, &target.view.id, op.ctx.now)?
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    if target.view.status == status {
        return Ok(warnings);
    }
    sqlx::query("UPDATE persons SET status = $1, modified_at = $3 WHERE id = $2")
        .bind(status.id())
        .bind(target.view.id.clone())
        .bind(op.ctx.now.0)
        .execute(&mut *op.tx)
        .await?;
    if status == Status::Inactive {
        // A deactivated person's sessions and tokens end with it, on every server at once.
        super::auth::end_sessions(&mut op.tx, &target.view.id, op.ctx.now).await?;
        super::auth::end_tokens(&mut op.tx, &target.view.id, op.ctx.now).await?;
    }
    op.record(
        "user.status",
        Some(&target),
        Some(json!({ "status": target.view.status.id() })),
        Some(json!({ "status": status.id() })),
    )
    .await?;
    Ok(warnings)
}

/// Gives and takes licenses of a user in an open change; answers the licenses they hold afterwards,
/// sorted.
async fn set_licenses_in(
    op: &mut OrgOp<'_>,
    key: &str,
    parsed: &[(License, bool)],
) -> Result<Vec<String>, ServiceError> {
    let target = op.member(key).await?;
    let held = load::licenses_of(&mut op.tx, &target.view.id).await?;
    // A refusal (R-LIC-1, R-CCSA-2, R-CCSA-8, …) names every change asked for, as the change's
    // own event would.
    let asked: Vec<_> = parsed
        .iter()
        .map(|(license, on)| json!({ "license": license.id(), "on": on }))
        .collect();
    op.audit_refusal(
        Some(&target),
        Some(json!({ "licenses": held })),
        Some(json!({ "changes": asked })),
    );
    let mut changed = Vec::new();
    for (license, on) in parsed {
        if let License::MeetingsHost(site) = license {
            if op.state.org.site(site).is_none() {
                return Err(ServiceError::not_found(Thing::Site, site.clone()));
            }
        }
        ops::check_license_change(&op.principal(), license, target.location.as_deref())?;
        let id = license.id();
        if held.contains(&id) == *on {
            continue;
        }
        if *on {
            let (used, quantity) = load::license_usage(&mut op.tx, &op.ctx.org, &id).await?;
            ops::check_license_quantity(license, used, quantity)?;
            sqlx::query("INSERT INTO person_licenses (person_id, org_id, license, assigned_at) VALUES ($1, $2, $3, $4)")
                .bind(target.view.id.clone()).bind(op.ctx.org.clone()).bind(id.clone()).bind(op.ctx.now.0)
                .execute(&mut *op.tx).await?;
        } else {
            let holds_ccsa = op
                .state
                .grants_of(&target.view.id)
                .iter()
                .any(|g| g.role == Role::CcServiceAdmin);
            ops::check_license_removal(license, holds_ccsa)?;
            sqlx::query("DELETE FROM person_licenses WHERE person_id = $1 AND license = $2")
                .bind(target.view.id.clone())
                .bind(id.clone())
                .execute(&mut *op.tx)
                .await?;
        }
        changed.push(json!({ "license": id, "on": on }));
    }
    let mut after = held.clone();
    for (license, on) in parsed {
        let id = license.id();
        after.retain(|l| *l != id);
        if *on {
            after.push(id);
        }
    }
    after.sort();
    if changed.is_empty() {
        return Ok(after);
    }
    op.record(
        "license.change",
        Some(&target),
        Some(json!({ "licenses": held })),
        Some(json!({ "changes": changed })),
    )
    .await?;
    Ok(after)
}

/// Records an interactive sign-in to the admin console (R-AUTH-2, R-SITE-3, R-EXT-6), in the
/// person's home org, under its lock.
///
/// `method` is how: `password`, `sso`, `break_glass` (which is its own audit action, so that
/// every use of a break-glass account stands out), or `operator`.
pub(crate) async fn record_sign_in(
    service: &Service,
    who: &PersonRecord,
    ctx: &Ctx,
    method: &str,
) -> Result<(), ServiceError> {
    let home = Ctx {
        org: who.view.home_org.clone(),
        actor: who.view.email.clone(),
        ..ctx.clone()
    };
    let mut tx = service.begin_org(&who.view.home_org).await?;
    sqlx::query("UPDATE persons SET signed_in_at = $1 WHERE id = $2")
        .bind(ctx.now.0)
        .bind(who.view.id.clone())
        .execute(&mut *tx)
        .await?;
    crate::op::append(
        &mut tx,
        &home,
        Some(who),
        &who.view.home_org,
        if method == "break_glass" {
            "auth.break_glass_sign_in"
        } else {
            "auth.sign_in"
        },
        Some(who),
        None,
        Some(json!({ "signed_in_at": ctx.now.to_iso(), "method": method })),
        None,
    )
    .await?;
    service.commit(tx).await?;
    Ok(())
}

/// R-ASSIGN-3 in the other orgs where `target` holds grants: removing or deactivating them must
/// leave each of those orgs a full administrator too. With `lock`, those orgs are locked (in id
/// order) and answered so that the caller can record the removal in each.
async fn keeps_full_admins_elsewhere(
    tx: &mut Tx,
    target: &PersonRecord,
    ctx: &Ctx,
    lock: bool,
) -> Result<Vec<String>, ServiceError> {
    use sqlx::Row;
    let orgs: Vec<String> = sqlx::query(
        "SELECT DISTINCT org_id FROM grants WHERE person_id = $1 AND org_id <> $2 ORDER BY org_id",
    )
    .bind(target.view.id.clone())
    .bind(ctx.org.clone())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get("org_id"))
    .collect::<Result<_, _>>()?;
    for org in &orgs {
        if lock {
            crate::op::lock_org(tx, org).await?;
        }
        let state = load::org_state(tx, org).await?;
        ops::check_keeps_full_admin(&state, &target.view.id, ctx.now)?;
    }
    Ok(orgs)
}
