//! Worlds as data: orgs, people and their grants, in the format of the conformance scenarios'
//! set-up (`tests/scenarios/*.json`), loaded by one loader — for scenarios, the demo, and every
//! test that needs a world.
//!
//! Every struct denies unknown fields, so a misspelt key is an error rather than a value silently
//! left out. Times in a world are instants; a world loaded at another moment than its `now` moves
//! with it (every time shifts by the difference), so that "granted a day ago" stays a day ago.
//!
//! What is set up here must still be consistent (existing orgs, roles, sites, locations; license
//! quantities not exceeded); it is the rules about *who may change what* that a world skips, so
//! that a scenario can start from any state.

use std::collections::BTreeMap;

use rolehub_domain::{
    ContactCenter, License, OrgKind, Role, Settings, ShareSet, SiteManager, Status, Timestamp,
};
use serde::Deserialize;

use crate::error::ServiceError;
use crate::load;
use crate::op::Tx;
use crate::service::new_id;

/// The clock of a world that names none.
pub const DEFAULT_NOW: &str = "2026-01-01T00:00:00Z";

/// A world: orgs and people with their grants.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    /// The world's clock.
    pub now: Option<String>,
    /// Orgs.
    #[serde(default)]
    pub orgs: Vec<OrgDef>,
    /// People and their grants.
    #[serde(default)]
    pub people: Vec<PersonDef>,
}

/// An org of the world.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgDef {
    /// Id.
    pub id: String,
    /// Display name (default: the id).
    pub name: Option<String>,
    /// `standard` (default), `self_signup` or `consumer`.
    pub kind: Option<String>,
    /// The sales relationship to a partner.
    pub partner: Option<PartnerDef>,
    /// Contact Center.
    pub contact_center: Option<ContactCenterDef>,
    /// Calling enabled.
    #[serde(default)]
    pub calling: bool,
    /// Events enabled.
    #[serde(default)]
    pub events: bool,
    /// Meetings sites.
    #[serde(default)]
    pub sites: Vec<SiteDef>,
    /// Location ids.
    #[serde(default)]
    pub locations: Vec<String>,
    /// Subscriptions.
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionDef>,
    /// Settings.
    pub settings: Option<SettingsDef>,
}

/// The sales relationship to a partner.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerDef {
    /// The partner org.
    pub org: String,
    /// `active` (default) or `ended`.
    pub status: Option<String>,
}

/// Contact Center.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactCenterDef {
    /// Enabled.
    #[serde(default)]
    pub enabled: bool,
    /// Chat set up.
    #[serde(default)]
    pub chat_configured: bool,
    /// The services wizard ran.
    #[serde(default)]
    pub setup_completed: bool,
}

/// A Meetings site.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteDef {
    /// URL.
    pub url: String,
    /// `control_hub` (default) or `site_admin`.
    pub managed_by: Option<String>,
}

/// A subscription.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionDef {
    /// Id within the org.
    pub id: String,
    /// The partner org that sold it.
    pub seller: Option<String>,
    /// Trial or paid.
    #[serde(default)]
    pub trial: bool,
    /// License quantities.
    #[serde(default)]
    pub licenses: BTreeMap<String, i64>,
}

/// Settings.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsDef {
    /// R-EXT-7's time to live, in days.
    pub external_readonly_ttl_days: Option<i64>,
    /// R-EXT-10's shared fields.
    pub share_with_external_admins: Option<Vec<String>>,
}

/// A person.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonDef {
    /// Email.
    pub email: String,
    /// Home org.
    pub org: String,
    /// First name.
    pub first: Option<String>,
    /// Last name.
    pub last: Option<String>,
    /// `active` (default), `pending` or `inactive`.
    pub status: Option<String>,
    /// Location id.
    pub location: Option<String>,
    /// Licenses held in the home org.
    #[serde(default)]
    pub licenses: Vec<String>,
    /// The last interactive sign-in.
    pub signed_in_at: Option<String>,
    /// Grants.
    #[serde(default)]
    pub grants: Vec<GrantDef>,
}

/// A grant set up directly.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantDef {
    /// The org it applies in.
    pub org: String,
    /// The role id.
    pub role: String,
    /// The site, for site roles.
    pub site: Option<String>,
    /// Locations, for the location role.
    #[serde(default)]
    pub locations: Vec<String>,
    /// When given (default: the world's `now`).
    pub granted_at: Option<String>,
    /// An explicit end.
    pub expires_at: Option<String>,
}

/// Why a world cannot be read or loaded: where, and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WorldError(pub String);

impl From<ServiceError> for WorldError {
    fn from(e: ServiceError) -> Self {
        WorldError(e.to_string())
    }
}

fn instant(text: &str, what: &str) -> Result<Timestamp, WorldError> {
    Timestamp::parse(text).map_err(|e| WorldError(format!("{what}: {e}")))
}

impl World {
    /// Reads a world from JSON, naming line and column of a problem.
    pub fn from_json(text: &str) -> Result<World, WorldError> {
        let world: World = serde_json::from_str(text)
            .map_err(|e| WorldError(format!("line {}, column {}: {e}", e.line(), e.column())))?;
        world.check()?;
        Ok(world)
    }

    /// The world's clock.
    pub fn now(&self) -> Result<Timestamp, WorldError> {
        instant(self.now.as_deref().unwrap_or(DEFAULT_NOW), "now")
    }

    /// Checks the values the format fixes (times, kinds, roles, statuses, licenses), so that a
    /// file with a bad one is unreadable rather than half loaded.
    pub fn check(&self) -> Result<(), WorldError> {
        self.now()?;
        for org in &self.orgs {
            org_kind(org)?;
            partner_active(org)?;
            for site in &org.sites {
                site_manager(site)?;
            }
            share_set(org)?;
        }
        for person in &self.people {
            person_status(person)?;
            if let Some(t) = &person.signed_in_at {
                instant(t, &format!("person `{}`: signed_in_at", person.email))?;
            }
            for license in &person.licenses {
                License::from_id(license).ok_or_else(|| {
                    WorldError(format!(
                        "person `{}`: `{license}` is not a license",
                        person.email
                    ))
                })?;
            }
            for grant in &person.grants {
                Role::from_id(&grant.role).ok_or_else(|| {
                    WorldError(format!(
                        "person `{}`: `{}` is not a role",
                        person.email, grant.role
                    ))
                })?;
                for t in grant.granted_at.iter().chain(&grant.expires_at) {
                    instant(t, &format!("grant of `{}`", person.email))?;
                }
            }
        }
        Ok(())
    }
}

fn org_kind(org: &OrgDef) -> Result<OrgKind, WorldError> {
    match &org.kind {
        Some(k) => OrgKind::from_id(k).ok_or_else(|| {
            WorldError(format!(
                "org `{}`: `{k}` is not an org kind (standard, self_signup, consumer)",
                org.id
            ))
        }),
        None => Ok(OrgKind::Standard),
    }
}

fn partner_active(org: &OrgDef) -> Result<Option<bool>, WorldError> {
    match &org.partner {
        None => Ok(None),
        Some(p) => match p.status.as_deref() {
            None | Some("active") => Ok(Some(true)),
            Some("ended") => Ok(Some(false)),
            Some(other) => Err(WorldError(format!(
                "org `{}`: partner status `{other}` is not `active` or `ended`",
                org.id
            ))),
        },
    }
}

fn site_manager(site: &SiteDef) -> Result<SiteManager, WorldError> {
    match &site.managed_by {
        Some(m) => SiteManager::from_id(m).ok_or_else(|| {
            WorldError(format!(
                "site `{}`: `{m}` is not `control_hub` or `site_admin`",
                site.url
            ))
        }),
        None => Ok(SiteManager::ControlHub),
    }
}

fn share_set(org: &OrgDef) -> Result<ShareSet, WorldError> {
    match org
        .settings
        .as_ref()
        .and_then(|s| s.share_with_external_admins.as_ref())
    {
        Some(fields) => ShareSet::from_ids(fields.iter().map(String::as_str)).map_err(|bad| {
            WorldError(format!(
                "org `{}`: `{bad}` is not a shareable field (name, email, phone, location)",
                org.id
            ))
        }),
        None => Ok(Settings::default().share_with_external_admins),
    }
}

fn person_status(person: &PersonDef) -> Result<Status, WorldError> {
    match &person.status {
        Some(s) => Status::from_id(s).ok_or_else(|| {
            WorldError(format!(
                "person `{}`: `{s}` is not a status (active, pending, inactive)",
                person.email
            ))
        }),
        None => Ok(Status::Active),
    }
}

/// How many of each thing a world load wrote into an org, for its audit event.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    /// Per org: (people, grants given there).
    pub(crate) per_org: BTreeMap<String, (usize, Vec<String>)>,
}

/// Loads a world inside one transaction, its times moved by `shift_ms`.
pub(crate) async fn load(tx: &mut Tx, world: &World, shift_ms: i64) -> Result<Loaded, WorldError> {
    world.check()?;
    let at = |t: &str, what: &str| -> Result<Timestamp, WorldError> {
        Ok(instant(t, what)?.plus_ms(shift_ms))
    };
    let now = world.now()?.plus_ms(shift_ms);
    let mut loaded = Loaded::default();
    for org in &world.orgs {
        insert_org(tx, org, now)
            .await
            .map_err(|e| WorldError(format!("org `{}`: {e}", org.id)))?;
        loaded.per_org.entry(org.id.clone()).or_default();
    }
    for person in &world.people {
        let signed_in = person
            .signed_in_at
            .as_deref()
            .map(|t| at(t, "signed_in_at"))
            .transpose()?;
        insert_person(tx, person, signed_in, now)
            .await
            .map_err(|e| WorldError(format!("person `{}`: {e}", person.email)))?;
        loaded.per_org.entry(person.org.clone()).or_default().0 += 1;
    }
    for person in &world.people {
        for grant in &person.grants {
            let granted_at = match &grant.granted_at {
                Some(t) => at(t, "granted_at")?,
                None => now,
            };
            let expires_at = grant
                .expires_at
                .as_deref()
                .map(|t| at(t, "expires_at"))
                .transpose()?;
            let label = insert_grant(tx, &person.email, grant, granted_at, expires_at)
                .await
                .map_err(|e| {
                    WorldError(format!("grant `{}` of `{}`: {e}", grant.role, person.email))
                })?;
            loaded
                .per_org
                .entry(grant.org.clone())
                .or_default()
                .1
                .push(format!("{label} of {}", person.email.to_lowercase()));
        }
    }
    Ok(loaded)
}

async fn insert_org(tx: &mut Tx, org: &OrgDef, now: Timestamp) -> Result<(), WorldError> {
    let exists = load::org_view(tx, &org.id).await.is_ok();
    if exists {
        return Err(WorldError("it is set up twice".into()));
    }
    let kind = org_kind(org)?;
    let active = partner_active(org)?;
    let cc = org.contact_center.as_ref();
    let cc = ContactCenter {
        enabled: cc.is_some_and(|c| c.enabled),
        chat_configured: cc.is_some_and(|c| c.chat_configured),
        setup_completed: cc.is_some_and(|c| c.setup_completed),
    };
    let ttl = org
        .settings
        .as_ref()
        .and_then(|s| s.external_readonly_ttl_days)
        .unwrap_or(Settings::default().external_readonly_ttl_days);
    sqlx::query(
        "INSERT INTO orgs (id, name, kind, partner_org, partner_status, cc_enabled, cc_chat_configured, cc_setup_completed, \
         calling_enabled, events_enabled, external_readonly_ttl_days, share_with_external, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(org.id.clone())
    .bind(org.name.clone().unwrap_or_else(|| org.id.clone()))
    .bind(kind.id())
    .bind(org.partner.as_ref().map(|p| p.org.clone()))
    .bind(active.map(|a| if a { "active" } else { "ended" }))
    .bind(i64::from(cc.enabled))
    .bind(i64::from(cc.chat_configured))
    .bind(i64::from(cc.setup_completed))
    .bind(i64::from(org.calling))
    .bind(i64::from(org.events))
    .bind(ttl)
    .bind(share_set(org)?.to_ids())
    .bind(now.0)
    .execute(&mut **tx)
    .await
    .map_err(ServiceError::from)?;
    for site in &org.sites {
        sqlx::query("INSERT INTO sites (org_id, url, managed_by) VALUES ($1, $2, $3)")
            .bind(org.id.clone())
            .bind(site.url.to_lowercase())
            .bind(site_manager(site)?.id())
            .execute(&mut **tx)
            .await
            .map_err(ServiceError::from)?;
    }
    for location in &org.locations {
        sqlx::query("INSERT INTO locations (org_id, id, name) VALUES ($1, $2, $2)")
            .bind(org.id.clone())
            .bind(location.clone())
            .execute(&mut **tx)
            .await
            .map_err(ServiceError::from)?;
    }
    for sub in &org.subscriptions {
        sqlx::query("INSERT INTO subscriptions (org_id, id, seller_org, trial, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(org.id.clone()).bind(sub.id.clone()).bind(sub.seller.clone()).bind(i64::from(sub.trial)).bind(now.0)
            .execute(&mut **tx).await.map_err(ServiceError::from)?;
        for (license, quantity) in &sub.licenses {
            if License::from_id(license).is_none() {
                return Err(WorldError(format!(
                    "`{license}` in subscription `{}` is not a license",
                    sub.id
                )));
            }
            sqlx::query("INSERT INTO subscription_licenses (org_id, subscription_id, license, quantity) VALUES ($1, $2, $3, $4)")
                .bind(org.id.clone()).bind(sub.id.clone()).bind(license.clone()).bind(*quantity)
                .execute(&mut **tx).await.map_err(ServiceError::from)?;
        }
    }
    Ok(())
}

async fn insert_person(
    tx: &mut Tx,
    person: &PersonDef,
    signed_in_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), WorldError> {
    let email = crate::service::validate_email(&person.email)?;
    let org = load::org_view(tx, &person.org).await?;
    if let Some(location) = &person.location {
        if !org.has_location(location) {
            return Err(WorldError(format!(
                "location `{location}` is not one of org `{}`",
                person.org
            )));
        }
    }
    if load::person_by_email(tx, &email).await?.is_some() {
        return Err(WorldError("the person is set up twice".into()));
    }
    let id = new_id();
    let first = person.first.clone().unwrap_or_default();
    let last = person.last.clone().unwrap_or_default();
    let display = format!("{first} {last}").trim().to_string();
    sqlx::query(
        "INSERT INTO persons (id, email, first_name, last_name, display_name, home_org, status, location, phone, signed_in_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id.clone()).bind(email.clone()).bind(first).bind(last).bind(display)
    .bind(person.org.clone()).bind(person_status(person)?.id()).bind(person.location.clone()).bind(None::<String>)
    .bind(signed_in_at.map(|t| t.0)).bind(now.0)
    .execute(&mut **tx).await.map_err(ServiceError::from)?;
    for license in &person.licenses {
        let parsed = License::from_id(license)
            .ok_or_else(|| WorldError(format!("`{license}` is not a license")))?;
        if let License::MeetingsHost(site) = &parsed {
            if org.site(site).is_none() {
                return Err(WorldError(format!(
                    "the license `{license}` names a site org `{}` does not have",
                    person.org
                )));
            }
        }
        let (used, quantity) = load::license_usage(tx, &person.org, &parsed.id()).await?;
        if used >= quantity {
            return Err(WorldError(format!(
                "`{license}` exceeds the org's quantity of {quantity}"
            )));
        }
        sqlx::query("INSERT INTO person_licenses (person_id, org_id, license, assigned_at) VALUES ($1, $2, $3, $4)")
            .bind(id.clone()).bind(person.org.clone()).bind(parsed.id()).bind(now.0)
            .execute(&mut **tx).await.map_err(ServiceError::from)?;
    }
    Ok(())
}

async fn insert_grant(
    tx: &mut Tx,
    email: &str,
    grant: &GrantDef,
    granted_at: Timestamp,
    expires_at: Option<Timestamp>,
) -> Result<String, WorldError> {
    let org = load::org_view(tx, &grant.org).await?;
    let person = load::person_by_email(tx, email)
        .await?
        .ok_or_else(|| WorldError(format!("no person `{email}`")))?;
    let role = Role::from_id(&grant.role)
        .ok_or_else(|| WorldError(format!("`{}` is not a role", grant.role)))?;
    let scope =
        crate::service::roles::scope_for(&org, role, grant.site.as_deref(), &grant.locations)?;
    crate::service::insert_grant(
        tx,
        &grant.org,
        &person.view.id,
        role,
        &scope,
        None,
        granted_at,
        expires_at,
    )
    .await?;
    Ok(rolehub_domain::grant_label(role, &scope))
}
