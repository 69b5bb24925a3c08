//! Org-level changes: settings, Contact Center chat, and the partner's acts.

use rolehub_domain::ops;
use rolehub_domain::{quoted, Area, Level, OrgKind, Role, Scope, ShareSet, Target};
use serde_json::{json, Value};
use sqlx::Row;

use super::{insert_grant, Ctx, Service};
use crate::error::{ServiceError, Text};
use crate::op::OrgOp;

/// A change of one org setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingChange {
    /// How long external read-only access lives, in days (R-EXT-7).
    ExternalReadonlyTtlDays(i64),
    /// The user data shared with external administrators (R-EXT-10).
    ShareWithExternalAdmins(ShareSet),
    /// Who must sign in with a second factor.
    MfaRequired(super::mfa::MfaPolicy),
}

impl SettingChange {
    /// Reads a setting key and its JSON value, naming the key in errors.
    pub fn parse(key: &str, value: &Value) -> Result<SettingChange, ServiceError> {
        match key {
            "external_readonly_ttl_days" | "externalReadonlyTtlDays" => {
                let days = value.as_i64().filter(|d| (1..=3650).contains(d)).ok_or_else(|| {
                    ServiceError::invalid(key, Text::new(
                        format!("{} is not a whole number of days from 1 to 3650", shown(value)),
                        format!("{} is geen heel aantal dagen van 1 tot 3650", shown(value)),
                    ))
                })?;
                Ok(SettingChange::ExternalReadonlyTtlDays(days))
            }
            "share_with_external_admins" | "shareWithExternalAdmins" => {
                let items = value.as_array().ok_or_else(|| ServiceError::invalid(key, Text::new(
                    "expected a list such as [\"name\", \"email\"]",
                    "verwacht een lijst zoals [\"name\", \"email\"]",
                )))?;
                let mut names = Vec::with_capacity(items.len());
                for item in items {
                    names.push(item.as_str().ok_or_else(|| ServiceError::invalid(key, Text::new(
                        format!("{} is not a field name", shown(item)),
                        format!("{} is geen veldnaam", shown(item)),
                    )))?);
                }
                let set = ShareSet::from_ids(names).map_err(|bad| {
                    ServiceError::invalid(key, Text::new(
                        format!("{} is not a shareable field; use name, email, phone, location", quoted(&bad)),
                        format!("{} is geen veld dat gedeeld kan worden; gebruik name, email, phone, location", quoted(&bad)),
                    ))
                })?;
                Ok(SettingChange::ShareWithExternalAdmins(set))
            }
            "mfa_required" | "mfaRequired" => {
                let policy = value
                    .as_str()
                    .and_then(super::mfa::MfaPolicy::from_id)
                    .ok_or_else(|| ServiceError::invalid(key, Text::new(
                        format!("{} is not a policy; use none, full_admins or admins", shown(value)),
                        format!("{} is geen beleid; gebruik none, full_admins of admins", shown(value)),
                    )))?;
                Ok(SettingChange::MfaRequired(policy))
            }
            _ => Err(ServiceError::invalid(
                "key",
                Text::new(
                    format!("{} is not a setting; settings are external_readonly_ttl_days, share_with_external_admins, mfa_required", quoted(key)),
                    format!("{} is geen instelling; de instellingen zijn external_readonly_ttl_days, share_with_external_admins, mfa_required", quoted(key)),
                ),
            )),
        }
    }
}

/// A JSON value as people read it in a message: a string as its text, anything else as JSON.
fn shown(value: &Value) -> String {
    match value.as_str() {
        Some(text) => quoted(text),
        None => quoted(value),
    }
}

/// The longest subscription id a service order may name.
pub const MAX_SUBSCRIPTION_ID: usize = 64;

impl Service {
    /// Changes an org setting (needs `org_settings: write`).
    pub async fn set_setting(&self, ctx: &Ctx, change: &SettingChange) -> Result<(), ServiceError> {
        self.set_settings(ctx, std::slice::from_ref(change)).await
    }

    /// Changes several org settings in one change (needs `org_settings: write`).
    pub async fn set_settings(
        &self,
        ctx: &Ctx,
        changes: &[SettingChange],
    ) -> Result<(), ServiceError> {
        let mut op = OrgOp::open(self, ctx, "org.setting").await?;
        let result = set_settings_in(&mut op, changes).await;
        op.settle(result).await
    }

    /// Sets up Contact Center chat (R-CC-4).
    pub async fn setup_chat(&self, ctx: &Ctx) -> Result<(), ServiceError> {
        let mut op = OrgOp::open(self, ctx, "contact_center.setup_chat").await?;
        let result = setup_chat_in(&mut op).await;
        op.settle(result).await
    }

    /// A partner administrator creates a customer org managed by their org; they become its first
    /// full administrator (R-NEW-2).
    pub async fn create_customer(
        &self,
        ctx: &Ctx,
        id: &str,
        name: &str,
    ) -> Result<(), ServiceError> {
        let id = id.trim();
        if id.is_empty()
            || id.len() > 64
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            return Err(ServiceError::invalid(
                "id",
                Text::new(
                    format!(
                        "{} is not an org id: use letters, digits, - _ or .",
                        quoted(id)
                    ),
                    format!(
                        "{} is geen organisatie-id: gebruik letters, cijfers, - _ of .",
                        quoted(id)
                    ),
                ),
            ));
        }
        // The change is the partner's: it locks the partner org, and is recorded in the new org.
        let mut conn = self.conn().await?;
        let partner = super::actor(&mut conn, ctx).await?.view.home_org;
        drop(conn);
        let partner_ctx = ctx.in_org(partner);
        let mut op = OrgOp::open(self, &partner_ctx, "org.create").await?;
        let result = create_customer_in(&mut op, id, name).await;
        op.settle(result).await
    }

    /// The provisioning partner provisions a service order: a subscription sold by the partner, and
    /// the provisioning role for the partner administrator who holds no admin role yet (R-EXT-8).
    pub async fn provision_order(
        &self,
        ctx: &Ctx,
        subscription_id: &str,
        licenses: &[(String, i64)],
    ) -> Result<(), ServiceError> {
        let named = subscription_id.trim();
        if named.is_empty() || named.chars().count() > MAX_SUBSCRIPTION_ID {
            return Err(ServiceError::invalid(
                "subscription",
                Text::new(
                    format!("name the subscription, in 1 to {MAX_SUBSCRIPTION_ID} characters"),
                    format!("geef het abonnement een naam van 1 tot {MAX_SUBSCRIPTION_ID} tekens"),
                ),
            ));
        }
        if !licenses.iter().any(|(_, quantity)| *quantity > 0) {
            return Err(ServiceError::invalid(
                "licenses",
                Text::new(
                    "a service order gives at least one license",
                    "een serviceorder geeft minstens één licentie",
                ),
            ));
        }
        for (license, quantity) in licenses {
            if rolehub_domain::License::from_id(license).is_none() {
                return Err(ServiceError::invalid(
                    "licenses",
                    super::users::not_a_license(license),
                ));
            }
            if *quantity < 0 {
                return Err(ServiceError::invalid(
                    "licenses",
                    Text::new(
                        format!("the quantity of {} is negative", quoted(license)),
                        format!("het aantal van {} is negatief", quoted(license)),
                    ),
                ));
            }
        }
        let mut op = OrgOp::open(self, ctx, "subscription.provision").await?;
        let result = provision_in(&mut op, named, licenses).await;
        op.settle(result).await
    }
}

async fn set_settings_in(
    op: &mut OrgOp<'_>,
    changes: &[SettingChange],
) -> Result<(), ServiceError> {
    op.principal()
        .decide(Area::OrgSettings, Level::Write, Target::Org)
        .into_result()?;
    let settings = op.state.org.settings;
    let org = op.ctx.org.clone();
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    for change in changes {
        match change {
            SettingChange::ExternalReadonlyTtlDays(days) => {
                sqlx::query("UPDATE orgs SET external_readonly_ttl_days = $1 WHERE id = $2")
                    .bind(*days)
                    .bind(org.clone())
                    .execute(&mut *op.tx)
                    .await?;
                before.insert(
                    "external_readonly_ttl_days".into(),
                    json!(settings.external_readonly_ttl_days),
                );
                after.insert("external_readonly_ttl_days".into(), json!(days));
            }
            SettingChange::ShareWithExternalAdmins(set) => {
                sqlx::query("UPDATE orgs SET share_with_external = $1 WHERE id = $2")
                    .bind(set.to_ids())
                    .bind(org.clone())
                    .execute(&mut *op.tx)
                    .await?;
                before.insert(
                    "share_with_external_admins".into(),
                    json!(settings.share_with_external_admins.to_ids()),
                );
                after.insert("share_with_external_admins".into(), json!(set.to_ids()));
            }
            SettingChange::MfaRequired(policy) => {
                super::sso::require_own_full_admin(op)?;
                let was: String = sqlx::query("SELECT mfa_required FROM orgs WHERE id = $1")
                    .bind(org.clone())
                    .fetch_one(&mut *op.tx)
                    .await?
                    .try_get("mfa_required")?;
                sqlx::query("UPDATE orgs SET mfa_required = $1 WHERE id = $2")
                    .bind(policy.id())
                    .bind(org.clone())
                    .execute(&mut *op.tx)
                    .await?;
                before.insert("mfa_required".into(), json!(was));
                after.insert("mfa_required".into(), json!(policy.id()));
            }
        }
    }
    op.record(
        "org.setting",
        None,
        Some(Value::Object(before)),
        Some(Value::Object(after)),
    )
    .await
}

async fn setup_chat_in(op: &mut OrgOp<'_>) -> Result<(), ServiceError> {
    ops::check_setup_chat(&op.principal())?;
    if !op.state.org.contact_center.enabled {
        return Err(ServiceError::conflict(
            "Contact Center is not enabled in this organization",
            "Contact Center is in deze organisatie niet ingeschakeld",
        ));
    }
    sqlx::query("UPDATE orgs SET cc_chat_configured = 1 WHERE id = $1")
        .bind(op.ctx.org.clone())
        .execute(&mut *op.tx)
        .await?;
    let before = op.state.org.contact_center.chat_configured;
    op.record(
        "contact_center.setup_chat",
        None,
        Some(json!({ "chat_configured": before })),
        Some(json!({ "chat_configured": true })),
    )
    .await
}

async fn create_customer_in(op: &mut OrgOp<'_>, id: &str, name: &str) -> Result<(), ServiceError> {
    let partner = op.ctx.org.clone();
    let home_full_admin = op.actor_home_full_admin().await?;
    ops::check_create_customer(&op.actor.view, home_full_admin)?;
    let exists: i64 = sqlx::query("SELECT COUNT(*) AS n FROM orgs WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *op.tx)
        .await?
        .try_get("n")?;
    if exists > 0 {
        return Err(ServiceError::conflict(
            format!("an organization with the id {} already exists", quoted(id)),
            format!("er bestaat al een organisatie met het id {}", quoted(id)),
        ));
    }
    sqlx::query("INSERT INTO orgs (id, name, kind, partner_org, partner_status, created_at) VALUES ($1, $2, $3, $4, 'active', $5)")
        .bind(id).bind(name.trim()).bind(OrgKind::Standard.id()).bind(partner.clone()).bind(op.ctx.now.0)
        .execute(&mut *op.tx).await?;
    let actor_id = op.actor.view.id.clone();
    insert_grant(
        &mut op.tx,
        id,
        &actor_id,
        Role::FullAdmin,
        &Scope::Org,
        Some(&actor_id),
        op.ctx.now,
        None,
    )
    .await?;
    let actor = op.actor.clone();
    op.record_in(
        id,
        "org.create",
        Some(&actor),
        None,
        Some(json!({ "id": id, "name": name, "partner": partner, "roles": ["full_admin"] })),
    )
    .await
}

async fn provision_in(
    op: &mut OrgOp<'_>,
    subscription_id: &str,
    licenses: &[(String, i64)],
) -> Result<(), ServiceError> {
    let home_full_admin = op.actor_home_full_admin().await?;
    ops::check_provision_order(&op.principal(), home_full_admin)?;
    let org = op.ctx.org.clone();
    let exists: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM subscriptions WHERE org_id = $1 AND id = $2")
            .bind(org.clone())
            .bind(subscription_id)
            .fetch_one(&mut *op.tx)
            .await?
            .try_get("n")?;
    if exists > 0 {
        return Err(ServiceError::conflict(
            format!(
                "the subscription {} already exists",
                quoted(subscription_id)
            ),
            format!("het abonnement {} bestaat al", quoted(subscription_id)),
        ));
    }
    let seller = op.actor.view.home_org.clone();
    sqlx::query("INSERT INTO subscriptions (org_id, id, seller_org, trial, created_at) VALUES ($1, $2, $3, 0, $4)")
        .bind(org.clone()).bind(subscription_id).bind(seller).bind(op.ctx.now.0)
        .execute(&mut *op.tx).await?;
    for (license, quantity) in licenses {
        sqlx::query("INSERT INTO subscription_licenses (org_id, subscription_id, license, quantity) VALUES ($1, $2, $3, $4)")
            .bind(org.clone()).bind(subscription_id).bind(license.clone()).bind(*quantity)
            .execute(&mut *op.tx).await?;
    }
    let gains_role = op.state.grants_of(&op.actor.view.id).is_empty();
    if gains_role {
        let actor_id = op.actor.view.id.clone();
        insert_grant(
            &mut op.tx,
            &org,
            &actor_id,
            Role::ProvisioningAdmin,
            &Scope::Org,
            Some(&actor_id),
            op.ctx.now,
            None,
        )
        .await?;
    }
    let after = json!({ "subscription": subscription_id, "licenses": licenses.iter().map(|(l, q)| json!({ "license": l, "quantity": q })).collect::<Vec<_>>(), "added_role": gains_role.then_some("provisioning_admin") });
    let actor = op.actor.clone();
    op.record("subscription.provision", Some(&actor), None, Some(after))
        .await
}
