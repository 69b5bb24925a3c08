//! Setting up a world directly, without checks: scenario set-ups, the demo world and fixtures.
//!
//! What is set up here must still be consistent (existing orgs, roles, sites, locations; license
//! quantities not exceeded); it is the rules about *who may change what* that are skipped.

use rolehub_domain::{
    ContactCenter, OrgKind, PartnerLink, Role, Settings, Site, Status, Timestamp,
};

use crate::error::ServiceError;
use crate::load;
use crate::service::{new_id, Service};

/// A subscription to set up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubscriptionSetup {
    /// Id within the org.
    pub id: String,
    /// The partner org that sold it.
    pub seller: Option<String>,
    /// Whether it is a trial.
    pub trial: bool,
    /// License quantities.
    pub licenses: Vec<(String, i64)>,
}

/// An org to set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgSetup {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// The sales relationship to its partner.
    pub partner: Option<PartnerLink>,
    /// Contact Center.
    pub contact_center: ContactCenter,
    /// Calling enabled.
    pub calling: bool,
    /// Events enabled.
    pub events: bool,
    /// Meetings sites.
    pub sites: Vec<Site>,
    /// Location ids (also their names).
    pub locations: Vec<String>,
    /// Subscriptions.
    pub subscriptions: Vec<SubscriptionSetup>,
    /// Settings.
    pub settings: Settings,
}

impl OrgSetup {
    /// A standard org with nothing enabled.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> OrgSetup {
        OrgSetup {
            id: id.into(),
            name: name.into(),
            kind: OrgKind::Standard,
            partner: None,
            contact_center: ContactCenter::default(),
            calling: false,
            events: false,
            sites: Vec::new(),
            locations: Vec::new(),
            subscriptions: Vec::new(),
            settings: Settings::default(),
        }
    }
}

/// A person to set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonSetup {
    /// Email.
    pub email: String,
    /// Home org.
    pub org: String,
    /// First name.
    pub first: String,
    /// Last name.
    pub last: String,
    /// Status.
    pub status: Status,
    /// Location id.
    pub location: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Licenses held in the home org.
    pub licenses: Vec<String>,
    /// Last sign-in.
    pub signed_in_at: Option<Timestamp>,
}

impl PersonSetup {
    /// An active person without licenses.
    pub fn new(
        email: impl Into<String>,
        org: impl Into<String>,
        first: impl Into<String>,
        last: impl Into<String>,
    ) -> PersonSetup {
        PersonSetup {
            email: email.into(),
            org: org.into(),
            first: first.into(),
            last: last.into(),
            status: Status::Active,
            location: None,
            phone: None,
            licenses: Vec::new(),
            signed_in_at: None,
        }
    }
}

/// A grant to set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantSetup {
    /// The org it applies in.
    pub org: String,
    /// The holder's email.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Site, for site roles.
    pub site: Option<String>,
    /// Locations, for the location role.
    pub locations: Vec<String>,
    /// When given.
    pub granted_at: Timestamp,
    /// Explicit end.
    pub expires_at: Option<Timestamp>,
}

impl Service {
    /// Creates an org with its sites, locations and subscriptions.
    pub async fn setup_org(&self, org: &OrgSetup, now: Timestamp) -> Result<(), ServiceError> {
        let mut tx = self.db().pool.begin().await?;
        let exists = load::org_view(&mut tx, &org.id).await.is_ok();
        if exists {
            return Err(ServiceError::Conflict(format!(
                "the org `{}` is set up twice",
                org.id
            )));
        }
        sqlx::query(
            "INSERT INTO orgs (id, name, kind, partner_org, partner_status, cc_enabled, cc_chat_configured, cc_setup_completed, \
             calling_enabled, events_enabled, external_readonly_ttl_days, share_with_external, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(org.id.clone())
        .bind(org.name.clone())
        .bind(org.kind.id())
        .bind(org.partner.as_ref().map(|p| p.org.clone()))
        .bind(org.partner.as_ref().map(|p| if p.active { "active" } else { "ended" }))
        .bind(i64::from(org.contact_center.enabled))
        .bind(i64::from(org.contact_center.chat_configured))
        .bind(i64::from(org.contact_center.setup_completed))
        .bind(i64::from(org.calling))
        .bind(i64::from(org.events))
        .bind(org.settings.external_readonly_ttl_days)
        .bind(org.settings.share_with_external_admins.to_ids())
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
        for site in &org.sites {
            sqlx::query("INSERT INTO sites (org_id, url, managed_by) VALUES ($1, $2, $3)")
                .bind(org.id.clone())
                .bind(site.url.to_lowercase())
                .bind(site.managed_by.id())
                .execute(&mut *tx)
                .await?;
        }
        for location in &org.locations {
            sqlx::query("INSERT INTO locations (org_id, id, name) VALUES ($1, $2, $2)")
                .bind(org.id.clone())
                .bind(location.clone())
                .execute(&mut *tx)
                .await?;
        }
        for sub in &org.subscriptions {
            sqlx::query("INSERT INTO subscriptions (org_id, id, seller_org, trial, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(org.id.clone()).bind(sub.id.clone()).bind(sub.seller.clone()).bind(i64::from(sub.trial)).bind(now.0)
                .execute(&mut *tx).await?;
            for (license, quantity) in &sub.licenses {
                if rolehub_domain::License::from_id(license).is_none() {
                    return Err(ServiceError::invalid(
                        "licenses",
                        format!("`{license}` in subscription `{}` is not a license", sub.id),
                    ));
                }
                sqlx::query("INSERT INTO subscription_licenses (org_id, subscription_id, license, quantity) VALUES ($1, $2, $3, $4)")
                    .bind(org.id.clone()).bind(sub.id.clone()).bind(license.clone()).bind(*quantity)
                    .execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Creates a person with their licenses; answers their id.
    pub async fn setup_person(
        &self,
        person: &PersonSetup,
        now: Timestamp,
    ) -> Result<String, ServiceError> {
        let email = crate::service::validate_email(&person.email)?;
        let mut tx = self.db().pool.begin().await?;
        let org = load::org_view(&mut tx, &person.org).await?;
        if let Some(location) = &person.location {
            if !org.has_location(location) {
                return Err(ServiceError::not_found(
                    "location",
                    format!("{location} (of {email})"),
                ));
            }
        }
        if load::person_by_email(&mut tx, &email).await?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "the person `{email}` is set up twice"
            )));
        }
        let id = new_id();
        let display = format!("{} {}", person.first, person.last)
            .trim()
            .to_string();
        sqlx::query(
            "INSERT INTO persons (id, email, first_name, last_name, display_name, home_org, status, location, phone, signed_in_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id.clone()).bind(email.clone()).bind(person.first.clone()).bind(person.last.clone()).bind(display)
        .bind(person.org.clone()).bind(person.status.id()).bind(person.location.clone()).bind(person.phone.clone())
        .bind(person.signed_in_at.map(|t| t.0)).bind(now.0)
        .execute(&mut *tx).await?;
        for license in &person.licenses {
            let parsed = rolehub_domain::License::from_id(license).ok_or_else(|| {
                ServiceError::invalid(
                    "licenses",
                    format!("`{license}` of {email} is not a license"),
                )
            })?;
            if let rolehub_domain::License::MeetingsHost(site) = &parsed {
                if org.site(site).is_none() {
                    return Err(ServiceError::not_found(
                        "site",
                        format!("{site} (license of {email})"),
                    ));
                }
            }
            let (used, quantity) = load::license_usage(&mut tx, &person.org, &parsed.id()).await?;
            if used >= quantity {
                return Err(ServiceError::invalid(
                    "licenses",
                    format!("`{license}` of {email} exceeds the org's quantity of {quantity}"),
                ));
            }
            sqlx::query("INSERT INTO person_licenses (person_id, org_id, license, assigned_at) VALUES ($1, $2, $3, $4)")
                .bind(id.clone()).bind(person.org.clone()).bind(parsed.id()).bind(now.0)
                .execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Creates a grant directly.
    pub async fn setup_grant(&self, grant: &GrantSetup) -> Result<(), ServiceError> {
        let mut tx = self.db().pool.begin().await?;
        let org = load::org_view(&mut tx, &grant.org).await?;
        let person = load::person_by_email(&mut tx, &grant.email)
            .await?
            .ok_or_else(|| ServiceError::not_found("person", grant.email.clone()))?;
        let scope =
            crate::service::scope_for(&org, grant.role, grant.site.as_deref(), &grant.locations)?;
        crate::service::insert_grant(
            &mut tx,
            &grant.org,
            &person.view.id,
            grant.role,
            &scope,
            None,
            grant.granted_at,
            grant.expires_at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
