//! Reading the facts a check needs, inside the caller's transaction.

use rolehub_domain::{
    ContactCenter, Grant, Holder, OrgKind, OrgState, OrgView, PartnerLink, PersonView, Role, Scope,
    Settings, ShareSet, Site, SiteManager, Status, Timestamp,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::{ServiceError, Thing};
use crate::json_rows::{self, JsonSql};

/// A person with the fields lists and the CSV show beside what decisions need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRecord {
    /// What decisions need.
    pub view: PersonView,
    /// The display name.
    pub display_name: String,
    /// The location id.
    pub location: Option<String>,
    /// The phone number.
    pub phone: Option<String>,
    /// When they were added.
    pub created_at: Timestamp,
    /// When their record last changed (their names, status or provisioning), if it has.
    pub modified_at: Option<Timestamp>,
    /// Their id at the org's identity provider, set by SCIM provisioning.
    pub external_id: Option<String>,
}

/// The columns [`person_from_row`] reads, for `FROM persons p JOIN orgs o ON o.id = p.home_org`.
pub const PERSON_COLUMNS: &str = "p.id AS p_id, p.email AS p_email, p.first_name AS p_first, p.last_name AS p_last, \
     p.display_name AS p_display, p.home_org AS p_home, o.kind AS p_home_kind, o.cc_enabled AS p_home_cc, \
     p.status AS p_status, p.location AS p_location, p.phone AS p_phone, p.signed_in_at AS p_signed_in, p.created_at AS p_created, \
     p.modified_at AS p_modified, p.external_id AS p_external_id";

/// The columns of [`PERSON_COLUMNS`], in order, as the items of one JSON array (see
/// `json_rows`), read back as a [`PersonJson`].
pub const PERSON_ITEMS: &str = "p.id, p.email, p.first_name, p.last_name, p.display_name, \
     p.home_org, o.kind, o.cc_enabled, p.status, p.location, p.phone, p.signed_in_at, p.created_at, \
     p.modified_at, p.external_id";

/// One person as a JSON array of [`PERSON_ITEMS`].
pub(crate) type PersonJson = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
    Option<i64>,
    Option<String>,
);

/// People read as JSON arrays of [`PERSON_ITEMS`].
pub(crate) fn people_from_parts(rows: Vec<PersonJson>) -> Result<Vec<PersonRecord>, ServiceError> {
    rows.into_iter().map(person_from_parts).collect()
}

pub(crate) fn person_from_parts(
    (
        id,
        email,
        first,
        last,
        display,
        home,
        kind,
        cc,
        status,
        location,
        phone,
        signed_in,
        created,
        modified,
        external_id,
    ): PersonJson,
) -> Result<PersonRecord, ServiceError> {
    Ok(PersonRecord {
        view: PersonView {
            id,
            email,
            first,
            last,
            home_org: home,
            home_org_kind: OrgKind::from_id(&kind).ok_or_else(|| corrupt("org kind", &kind))?,
            home_org_contact_center: cc != 0,
            status: Status::from_id(&status).ok_or_else(|| corrupt("status", &status))?,
            signed_in_at: signed_in.map(Timestamp),
        },
        display_name: display,
        location,
        phone,
        created_at: Timestamp(created),
        modified_at: modified.map(Timestamp),
        external_id,
    })
}

fn corrupt(what: &str, value: &str) -> ServiceError {
    ServiceError::Internal(format!(
        "stored data is inconsistent: unknown {what} `{value}`"
    ))
}

/// Reads a person from a row selected with [`PERSON_COLUMNS`].
pub fn person_from_row(row: &AnyRow) -> Result<PersonRecord, ServiceError> {
    let kind: String = row.try_get("p_home_kind")?;
    let status: String = row.try_get("p_status")?;
    Ok(PersonRecord {
        view: PersonView {
            id: row.try_get("p_id")?,
            email: row.try_get("p_email")?,
            first: row.try_get("p_first")?,
            last: row.try_get("p_last")?,
            home_org: row.try_get("p_home")?,
            home_org_kind: OrgKind::from_id(&kind).ok_or_else(|| corrupt("org kind", &kind))?,
            home_org_contact_center: row.try_get::<i64, _>("p_home_cc")? != 0,
            status: Status::from_id(&status).ok_or_else(|| corrupt("status", &status))?,
            signed_in_at: row.try_get::<Option<i64>, _>("p_signed_in")?.map(Timestamp),
        },
        display_name: row.try_get("p_display")?,
        location: row.try_get("p_location")?,
        phone: row.try_get("p_phone")?,
        created_at: Timestamp(row.try_get("p_created")?),
        modified_at: row.try_get::<Option<i64>, _>("p_modified")?.map(Timestamp),
        external_id: row.try_get("p_external_id")?,
    })
}

/// Reads a grant from a row with the columns `g_id, g_role, g_site, g_locations, g_granted_at, g_expires_at`.
pub fn grant_from_row(row: &AnyRow) -> Result<Grant, ServiceError> {
    grant_from_parts((
        row.try_get("g_id")?,
        row.try_get("g_role")?,
        row.try_get("g_site")?,
        row.try_get("g_locations")?,
        row.try_get("g_granted_at")?,
        row.try_get("g_expires_at")?,
    ))
}

/// A grant's columns, in the order of [`GRANT_COLUMNS`] and [`GRANT_ITEMS`].
pub(crate) type GrantParts = (
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
);

pub(crate) fn grant_from_parts(
    (id, role, site, locations, granted_at, expires_at): GrantParts,
) -> Result<Grant, ServiceError> {
    let scope = match (site, locations) {
        (Some(site), _) => Scope::Site(site),
        (None, Some(locations)) => Scope::Locations(
            locations
                .split(',')
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        (None, None) => Scope::Org,
    };
    Ok(Grant {
        id,
        role: Role::from_id(&role).ok_or_else(|| corrupt("role", &role))?,
        scope,
        granted_at: Timestamp(granted_at),
        expires_at: expires_at.map(Timestamp),
    })
}

/// The columns of [`GRANT_COLUMNS`], in order, as the items of one JSON array (see `json_rows`).
pub const GRANT_ITEMS: &str = "g.id, g.role, g.site, g.locations, g.granted_at, g.expires_at";

/// The columns [`grant_from_row`] reads, for `grants g`.
pub const GRANT_COLUMNS: &str =
    "g.id AS g_id, g.role AS g_role, g.site AS g_site, g.locations AS g_locations, \
     g.granted_at AS g_granted_at, g.expires_at AS g_expires_at";

/// Loads an org, or `NotFound`.
pub async fn org_view(conn: &mut AnyConnection, org_id: &str) -> Result<OrgView, ServiceError> {
    let row = sqlx::query(
        "SELECT id, name, kind, partner_org, partner_status, cc_enabled, cc_chat_configured, cc_setup_completed, \
         calling_enabled, events_enabled, external_readonly_ttl_days, share_with_external FROM orgs WHERE id = $1",
    )
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ServiceError::not_found(Thing::Organization, org_id))?;
    let kind: String = row.try_get("kind")?;
    let partner_org: Option<String> = row.try_get("partner_org")?;
    let partner_status: Option<String> = row.try_get("partner_status")?;
    let share: String = row.try_get("share_with_external")?;
    let flag = |name: &str| -> Result<bool, ServiceError> { Ok(row.try_get::<i64, _>(name)? != 0) };
    let mut org = OrgView {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: OrgKind::from_id(&kind).ok_or_else(|| corrupt("org kind", &kind))?,
        partner: partner_org.map(|org| PartnerLink {
            org,
            active: partner_status.as_deref() == Some("active"),
        }),
        contact_center: ContactCenter {
            enabled: flag("cc_enabled")?,
            chat_configured: flag("cc_chat_configured")?,
            setup_completed: flag("cc_setup_completed")?,
        },
        calling: flag("calling_enabled")?,
        events: flag("events_enabled")?,
        sites: Vec::new(),
        locations: Vec::new(),
        settings: Settings {
            external_readonly_ttl_days: row.try_get("external_readonly_ttl_days")?,
            share_with_external_admins: ShareSet::from_ids(share.split(','))
                .map_err(|bad| corrupt("shared field", &bad))?,
        },
    };
    for row in sqlx::query("SELECT url, managed_by FROM sites WHERE org_id = $1 ORDER BY url")
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
    {
        let managed_by: String = row.try_get("managed_by")?;
        org.sites.push(Site {
            url: row.try_get("url")?,
            managed_by: SiteManager::from_id(&managed_by)
                .ok_or_else(|| corrupt("site manager", &managed_by))?,
        });
    }
    for row in sqlx::query("SELECT id FROM locations WHERE org_id = $1 ORDER BY id")
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
    {
        org.locations.push(row.try_get("id")?);
    }
    Ok(org)
}

/// The versions of an org and of its holders' home orgs, by org id: what a kept snapshot of the
/// org's state is checked against (empty when the org does not exist).
pub async fn versions(
    conn: &mut AnyConnection,
    org_id: &str,
) -> Result<Vec<(String, i64)>, ServiceError> {
    let rows = sqlx::query(
        "SELECT id, version FROM orgs WHERE id = $1 OR id IN          (SELECT p.home_org FROM grants g JOIN persons p ON p.id = g.person_id WHERE g.org_id = $1)          ORDER BY id",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("version")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Loads an org with every holder of a grant in it.
pub async fn org_state(conn: &mut AnyConnection, org_id: &str) -> Result<OrgState, ServiceError> {
    Ok(org_state_and_holders(conn, org_id).await?.0)
}

/// Loads an org with every holder of a grant in it, and the holders' full records (one each, in
/// the order of the state's holders).
pub async fn org_state_and_holders(
    conn: &mut AnyConnection,
    org_id: &str,
) -> Result<(OrgState, Vec<PersonRecord>), ServiceError> {
    let org = org_view(conn, org_id).await?;
    // One row of JSON instead of a row per grant (see `json_rows`): an org of 100,000
    // administrators loads in a fraction of the time.
    let json = JsonSql::of(conn);
    let element = json.array(&format!(
        "{}, {}",
        json.array(PERSON_ITEMS),
        json.array(GRANT_ITEMS)
    ));
    let sql = json.select_all(
        &element,
        "FROM grants g JOIN persons p ON p.id = g.person_id JOIN orgs o ON o.id = p.home_org \
         WHERE g.org_id = $1",
    );
    let mut rows: Vec<(PersonJson, GrantParts)> =
        json_rows::fetch(conn, sqlx::query(&sql).bind(org_id), "an org's holders").await?;
    // By email, role, site and id: each holder's grants next to each other, in a stable order.
    rows.sort_unstable_by(|(p, g), (q, h)| (&p.1, &g.1, &g.2, &g.0).cmp(&(&q.1, &h.1, &h.2, &h.0)));
    let rows = rows
        .into_iter()
        .map(|(person, grant)| Ok((person_from_parts(person)?, grant_from_parts(grant)?)))
        .collect::<Result<Vec<_>, ServiceError>>()?;
    let mut holders: Vec<Holder> = Vec::new();
    let mut records: Vec<PersonRecord> = Vec::new();
    for (record, grant) in rows {
        match holders.last_mut() {
            Some(h) if h.person.id == record.view.id => h.grants.push(grant),
            _ => {
                holders.push(Holder {
                    person: record.view.clone(),
                    grants: vec![grant],
                });
                records.push(record);
            }
        }
    }
    Ok((OrgState::new(org, holders), records))
}

/// A person by email (case-insensitive).
pub async fn person_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<PersonRecord>, ServiceError> {
    let sql = format!("SELECT {PERSON_COLUMNS} FROM persons p JOIN orgs o ON o.id = p.home_org WHERE p.email = $1");
    let row = sqlx::query(&sql)
        .bind(email.trim().to_lowercase())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(person_from_row).transpose()
}

/// A person by email (when the key holds `@`) or by id.
pub async fn person_by_key(
    conn: &mut AnyConnection,
    key: &str,
) -> Result<Option<PersonRecord>, ServiceError> {
    if key.contains('@') {
        person_by_email(conn, key).await
    } else {
        person_by_id(conn, key.trim()).await
    }
}

/// A person by id.
pub async fn person_by_id(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<PersonRecord>, ServiceError> {
    let sql = format!(
        "SELECT {PERSON_COLUMNS} FROM persons p JOIN orgs o ON o.id = p.home_org WHERE p.id = $1"
    );
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(person_from_row).transpose()
}

/// Whether a person holds `full_admin`, unexpired, in an org (their own, for partner acts).
pub async fn holds_full_admin(
    conn: &mut AnyConnection,
    person_id: &str,
    org_id: &str,
    now: Timestamp,
) -> Result<bool, ServiceError> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM grants WHERE person_id = $1 AND org_id = $2 AND role = 'full_admin' \
         AND (expires_at IS NULL OR expires_at > $3)",
    )
    .bind(person_id)
    .bind(org_id)
    .bind(now.0)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

/// The license ids a person holds.
pub async fn licenses_of(
    conn: &mut AnyConnection,
    person_id: &str,
) -> Result<Vec<String>, ServiceError> {
    let rows =
        sqlx::query("SELECT license FROM person_licenses WHERE person_id = $1 ORDER BY license")
            .bind(person_id)
            .fetch_all(&mut *conn)
            .await?;
    rows.iter().map(|r| Ok(r.try_get("license")?)).collect()
}

/// Units of a license in use in an org, and the total over its subscriptions (R-LIC-1).
pub async fn license_usage(
    conn: &mut AnyConnection,
    org_id: &str,
    license: &str,
) -> Result<(i64, i64), ServiceError> {
    let used: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM person_licenses WHERE org_id = $1 AND license = $2")
            .bind(org_id)
            .bind(license)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
    let quantity: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS q FROM subscription_licenses WHERE org_id = $1 AND license = $2",
    )
    .bind(org_id)
    .bind(license)
    .fetch_one(&mut *conn)
    .await?
    .try_get("q")?;
    Ok((used, quantity))
}
