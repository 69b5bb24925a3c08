//! Read-only queries for listings: people with keyset paging, orgs, subscriptions and license usage.
//!
//! These read what is stored; the checks of who may see what belong to the service operations that
//! call them (and to the operator's handle).

use std::collections::HashMap;

use rolehub_domain::{Grant, OrgView, Role, Status, Timestamp};
use sqlx::{AnyConnection, Row};

use crate::error::ServiceError;
use crate::json_rows::{self, JsonSql};
use crate::load::{self, PersonRecord, PERSON_COLUMNS};

/// Which people to list.
#[derive(Clone, Debug, Default)]
pub struct PeopleFilter {
    /// The org: its users, or with `roles`, everyone holding one of them there.
    pub org: String,
    /// Exact email.
    pub email: Option<String>,
    /// Display name prefix (case-insensitive).
    pub display_name: Option<String>,
    /// Only these person ids.
    pub ids: Vec<String>,
    /// Only holders of one of these roles in the org (internal and external) (R-LIST-1).
    pub roles: Vec<Role>,
    /// Only users at this location.
    pub location: Option<String>,
    /// Only users with this status.
    pub status: Option<Status>,
    /// Keyset cursor: the last email of the previous page.
    pub after: Option<String>,
    /// Page size.
    pub limit: i64,
    /// With `roles`: only grants in effect at this instant, given the R-EXT-7 cutoff for external
    /// read-only grants (`Grant::external_readonly_cutoff`), so that pages come back full.
    pub in_effect_at: Option<(Timestamp, Timestamp)>,
}

/// A person in a listing, with their roles and licenses in the org.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonSummary {
    /// The person.
    pub person: PersonRecord,
    /// Their grants in the org.
    pub grants: Vec<Grant>,
    /// Their licenses (users of the org only).
    pub licenses: Vec<String>,
    /// Whether they are an external administrator of the org.
    pub external: bool,
    /// Their grants in the org that have expired (R-EXT-7): no longer roles, still on record.
    pub expired: Vec<Grant>,
}

fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One page of people, sorted by email. `kept` is the org's state checked at the current versions
/// in the same read, when the caller has it: the page's grants are taken from it instead of being
/// read again.
pub async fn people(
    conn: &mut AnyConnection,
    filter: &PeopleFilter,
    kept: Option<&rolehub_domain::OrgState>,
) -> Result<Vec<PersonSummary>, ServiceError> {
    let mut sql = String::from("FROM persons p JOIN orgs o ON o.id = p.home_org WHERE ");
    let mut binds: Vec<Option<String>> = Vec::new();
    let next = |value: Option<String>, binds: &mut Vec<Option<String>>| {
        binds.push(value);
        format!("${}", binds.len())
    };
    if filter.roles.is_empty() {
        let p = next(Some(filter.org.clone()), &mut binds);
        sql.push_str(&format!("p.home_org = {p}"));
    } else {
        let org = next(Some(filter.org.clone()), &mut binds);
        let start = binds.len() + 1;
        for role in &filter.roles {
            binds.push(Some(role.id().to_string()));
        }
        let in_effect = match filter.in_effect_at {
            Some((now, cutoff)) => {
                let now = next(Some(now.0.to_string()), &mut binds);
                let cutoff = next(Some(cutoff.0.to_string()), &mut binds);
                format!(
                    " AND (g.expires_at IS NULL OR g.expires_at > CAST({now} AS BIGINT)) \
                     AND NOT (g.role = 'readonly_admin' AND q.home_org <> {org} AND g.granted_at <= CAST({cutoff} AS BIGINT))"
                )
            }
            None => String::new(),
        };
        sql.push_str(&format!(
            "p.id IN (SELECT g.person_id FROM grants g JOIN persons q ON q.id = g.person_id \
             WHERE g.org_id = {org} AND g.role IN ({}){in_effect})",
            placeholders(start, filter.roles.len())
        ));
    }
    if let Some(email) = &filter.email {
        let p = next(Some(email.trim().to_lowercase()), &mut binds);
        sql.push_str(&format!(" AND p.email = {p}"));
    }
    if let Some(prefix) = &filter.display_name {
        let p = next(
            Some(format!(
                "{}%",
                prefix.to_lowercase().replace(['%', '_'], "")
            )),
            &mut binds,
        );
        sql.push_str(&format!(" AND LOWER(p.display_name) LIKE {p}"));
    }
    if !filter.ids.is_empty() {
        let start = binds.len() + 1;
        binds.extend(filter.ids.iter().map(|i| Some(i.clone())));
        sql.push_str(&format!(
            " AND p.id IN ({})",
            placeholders(start, filter.ids.len())
        ));
    }
    if let Some(location) = &filter.location {
        let p = next(Some(location.clone()), &mut binds);
        sql.push_str(&format!(" AND p.location = {p}"));
    }
    if let Some(status) = filter.status {
        let p = next(Some(status.id().to_string()), &mut binds);
        sql.push_str(&format!(" AND p.status = {p}"));
    }
    if let Some(after) = &filter.after {
        let p = next(Some(after.clone()), &mut binds);
        sql.push_str(&format!(" AND p.email > {p}"));
    }
    sql.push_str(&format!(
        " ORDER BY p.email LIMIT {}",
        filter.limit.clamp(1, 10_000)
    ));
    // One row of JSON (see `json_rows`); the aggregate keeps the subquery's order in practice,
    // and the page does not rely on it.
    // Each person comes with their licenses in the org (parameter 1 is the org in both forms of
    // the query above), so that a page is one statement. `org_id || ''` keeps SQLite's planner on
    // the primary key (person, license): on the org's index it would read every license of the
    // org (100,000 rows) for each person.
    let json = JsonSql::of(conn);
    let licenses = json.nested(&format!(
        "SELECT {} FROM person_licenses l WHERE l.person_id = p.id AND l.org_id || '' = $1",
        json.aggregate("l.license")
    ));
    let element = json.array(&format!("{}, {licenses}", json.array(load::PERSON_ITEMS)));
    let one_row = json.select_page(&element, &sql);
    let mut query = sqlx::query(&one_row);
    for b in binds {
        query = query.bind(b);
    }
    let rows: Vec<(load::PersonJson, Option<Vec<String>>)> =
        json_rows::fetch(conn, query, "a page of people").await?;
    let mut people = Vec::with_capacity(rows.len());
    let mut licenses: HashMap<String, Vec<String>> = HashMap::new();
    for (person, held) in rows {
        let person = load::person_from_parts(person)?;
        let mut held = held.unwrap_or_default();
        held.sort_unstable();
        licenses.insert(person.view.id.clone(), held);
        people.push(person);
    }
    people.sort_by(|a, b| a.view.email.cmp(&b.view.email));
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = people.iter().map(|p| p.view.id.clone()).collect();
    let mut grants: HashMap<String, Vec<Grant>> = HashMap::new();
    match kept {
        Some(state) => {
            for id in &ids {
                let held = state.grants_of(id);
                if !held.is_empty() {
                    grants.insert(id.clone(), held.to_vec());
                }
            }
        }
        None => {
            let sql = json.select_all(
                &json.array(&format!("g.person_id, {}", json.array(load::GRANT_ITEMS))),
                &format!(
                    "FROM grants g WHERE g.org_id = $1 AND g.person_id IN ({})",
                    placeholders(2, ids.len())
                ),
            );
            let mut q = sqlx::query(&sql).bind(filter.org.clone());
            for id in &ids {
                q = q.bind(id.clone());
            }
            let rows: Vec<(String, load::GrantParts)> =
                json_rows::fetch(conn, q, "a page's grants").await?;
            for (person, grant) in rows {
                grants
                    .entry(person)
                    .or_default()
                    .push(load::grant_from_parts(grant)?);
            }
        }
    }
    Ok(people
        .into_iter()
        .map(|person| {
            let id = person.view.id.clone();
            let mut g = grants.remove(&id).unwrap_or_default();
            g.sort_by(|a, b| a.role.cmp(&b.role).then_with(|| a.scope.cmp(&b.scope)));
            PersonSummary {
                external: person.view.home_org != filter.org,
                expired: Vec::new(),
                person,
                grants: g,
                licenses: licenses.remove(&id).unwrap_or_default(),
            }
        })
        .collect())
}

/// Which users of a Meetings site to list (see `Service::site_users`).
#[derive(Clone, Debug)]
pub struct SiteFilter {
    /// The org.
    pub org: String,
    /// The site's URL, as the org spells it.
    pub site: String,
    /// Exact email.
    pub email: Option<String>,
    /// Display name prefix (case-insensitive).
    pub display_name: Option<String>,
    /// Keyset cursor: the last email of the previous page.
    pub after: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Only grants that have not ended at this instant count (a site role ends only at an explicit
    /// end: R-EXT-7's time to live is for read-only administrators).
    pub now: Timestamp,
}

/// One page of a site's users, sorted by email: the org's users holding the site's host license
/// (`meetings_host:<site>`, R-SITE-4) and everyone holding a grant on the site, internal or
/// external, with whether each holds the host license.
pub async fn site_people(
    conn: &mut AnyConnection,
    filter: &SiteFilter,
) -> Result<Vec<(PersonRecord, bool)>, ServiceError> {
    let license = format!("meetings_host:{}", filter.site);
    let mut binds: Vec<Option<String>> = vec![
        Some(filter.org.clone()),
        Some(license.clone()),
        Some(filter.site.clone()),
        Some(filter.now.0.to_string()),
    ];
    let mut sql = format!(
        "SELECT {PERSON_COLUMNS} FROM persons p JOIN orgs o ON o.id = p.home_org WHERE p.id IN (\
         SELECT l.person_id FROM person_licenses l WHERE l.org_id = $1 AND l.license = $2 \
         UNION SELECT g.person_id FROM grants g WHERE g.org_id = $1 AND g.site = $3 \
         AND (g.expires_at IS NULL OR g.expires_at > CAST($4 AS BIGINT)))"
    );
    let mut next = |value: String| {
        binds.push(Some(value));
        format!("${}", binds.len())
    };
    if let Some(email) = &filter.email {
        let p = next(email.trim().to_lowercase());
        sql.push_str(&format!(" AND p.email = {p}"));
    }
    if let Some(prefix) = &filter.display_name {
        let p = next(format!(
            "{}%",
            prefix.to_lowercase().replace(['%', '_'], "")
        ));
        sql.push_str(&format!(" AND LOWER(p.display_name) LIKE {p}"));
    }
    if let Some(after) = &filter.after {
        let p = next(after.clone());
        sql.push_str(&format!(" AND p.email > {p}"));
    }
    sql.push_str(&format!(
        " ORDER BY p.email LIMIT {}",
        filter.limit.clamp(1, 10_000)
    ));
    let mut query = sqlx::query(&sql);
    for b in binds {
        query = query.bind(b);
    }
    let people: Vec<PersonRecord> = query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(load::person_from_row)
        .collect::<Result<_, _>>()?;
    if people.is_empty() {
        return Ok(Vec::new());
    }
    // `org_id || ''` keeps SQLite's planner on the primary key (person, license), as in `people`.
    let hosts_sql = format!(
        "SELECT person_id FROM person_licenses WHERE org_id || '' = $1 AND license = $2 AND person_id IN ({})",
        placeholders(3, people.len())
    );
    let mut q = sqlx::query(&hosts_sql)
        .bind(filter.org.clone())
        .bind(license);
    for p in &people {
        q = q.bind(p.view.id.clone());
    }
    let hosts: Vec<String> = q
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get("person_id"))
        .collect::<Result<_, _>>()?;
    Ok(people
        .into_iter()
        .map(|p| {
            let host = hosts.contains(&p.view.id);
            (p, host)
        })
        .collect())
}

/// Every org, by id.
pub async fn orgs(conn: &mut AnyConnection) -> Result<Vec<OrgView>, ServiceError> {
    let ids: Vec<String> = sqlx::query("SELECT id FROM orgs ORDER BY id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(load::org_view(conn, &id).await?);
    }
    Ok(out)
}

/// The orgs a person may act in: their home org, every org where they hold a grant, and — for a
/// full administrator of a partner org — the customers it has an active relationship with, where
/// R-EXT-9 lets them re-assign themselves the provisioning role.
pub async fn orgs_of(
    conn: &mut AnyConnection,
    person: &PersonRecord,
) -> Result<Vec<OrgView>, ServiceError> {
    let mut ids: Vec<String> =
        sqlx::query("SELECT DISTINCT org_id FROM grants WHERE person_id = $1")
            .bind(person.view.id.clone())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get("org_id"))
            .collect::<Result<_, _>>()?;
    if !ids.contains(&person.view.home_org) {
        ids.push(person.view.home_org.clone());
    }
    let partner_full_admin = load::holds_full_admin(
        conn,
        &person.view.id,
        &person.view.home_org,
        crate::clock::system_now(),
    )
    .await?;
    if partner_full_admin {
        for row in
            sqlx::query("SELECT id FROM orgs WHERE partner_org = $1 AND partner_status = 'active'")
                .bind(person.view.home_org.clone())
                .fetch_all(&mut *conn)
                .await?
        {
            let id: String = row.try_get("id")?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids.sort();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(load::org_view(conn, &id).await?);
    }
    Ok(out)
}

/// A subscription with its license quantities and usage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// Id.
    pub id: String,
    /// The partner that sold it.
    pub seller: Option<String>,
    /// The seller's name, which people read where the API gives the id.
    pub seller_name: Option<String>,
    /// Trial or paid.
    pub trial: bool,
    /// When it was created.
    pub created_at: Timestamp,
    /// License quantities.
    pub licenses: Vec<(String, i64)>,
}

/// License totals of an org: license, total units over its subscriptions, units in use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseUsage {
    /// License id.
    pub license: String,
    /// Units over all subscriptions.
    pub total: i64,
    /// Units in use.
    pub used: i64,
}

/// The org's subscriptions.
pub async fn subscriptions(
    conn: &mut AnyConnection,
    org: &str,
) -> Result<Vec<Subscription>, ServiceError> {
    let subs = sqlx::query(
        "SELECT s.id, s.seller_org, o.name AS seller_name, s.trial, s.created_at FROM subscriptions s \
         LEFT JOIN orgs o ON o.id = s.seller_org WHERE s.org_id = $1 ORDER BY s.id",
    )
    .bind(org)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(subs.len());
    for row in &subs {
        let id: String = row.try_get("id")?;
        let licenses = sqlx::query("SELECT license, quantity FROM subscription_licenses WHERE org_id = $1 AND subscription_id = $2 ORDER BY license")
            .bind(org)
            .bind(id.clone())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("license")?, r.try_get("quantity")?)))
            .collect::<Result<_, ServiceError>>()?;
        out.push(Subscription {
            id,
            seller: row.try_get("seller_org")?,
            seller_name: row.try_get("seller_name")?,
            trial: row.try_get::<i64, _>("trial")? != 0,
            created_at: Timestamp(row.try_get("created_at")?),
            licenses,
        });
    }
    Ok(out)
}

/// An org's name, if the org exists.
pub async fn org_name(conn: &mut AnyConnection, org: &str) -> Result<Option<String>, ServiceError> {
    let row = sqlx::query("SELECT name FROM orgs WHERE id = $1")
        .bind(org)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get("name")?),
        None => None,
    })
}

/// License totals and usage of an org.
pub async fn license_usage(
    conn: &mut AnyConnection,
    org: &str,
) -> Result<Vec<LicenseUsage>, ServiceError> {
    let totals = sqlx::query(
        "SELECT license, CAST(SUM(quantity) AS BIGINT) AS total FROM subscription_licenses WHERE org_id = $1 GROUP BY license ORDER BY license",
    )
    .bind(org)
    .fetch_all(&mut *conn)
    .await?;
    let used: HashMap<String, i64> = sqlx::query(
        "SELECT license, COUNT(*) AS n FROM person_licenses WHERE org_id = $1 GROUP BY license",
    )
    .bind(org)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("license")?, r.try_get("n")?)))
    .collect::<Result<_, ServiceError>>()?;
    totals
        .iter()
        .map(|r| {
            let license: String = r.try_get("license")?;
            Ok(LicenseUsage {
                used: used.get(&license).copied().unwrap_or(0),
                total: r.try_get("total")?,
                license,
            })
        })
        .collect()
}

/// How many people, grants and audit events the database holds (for summaries).
pub async fn counts(conn: &mut AnyConnection) -> Result<(i64, i64, i64, i64), ServiceError> {
    let mut out = [0i64; 4];
    for (i, table) in ["orgs", "persons", "grants", "audit_events"]
        .iter()
        .enumerate()
    {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        out[i] = sqlx::query(&sql)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
    }
    Ok((out[0], out[1], out[2], out[3]))
}
