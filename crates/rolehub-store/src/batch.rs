//! Reading and writing many rows in few statements, for uploads of a hundred thousand rows: one
//! statement per chunk instead of one per row, so that a round trip to PostgreSQL costs per
//! thousand rows what it used to cost per row.

use std::collections::HashMap;

use rolehub_domain::Timestamp;
use sqlx::AnyConnection;

use crate::error::ServiceError;
use crate::json_rows::{self, JsonSql};
use crate::load::{self, PersonRecord};

/// Rows per statement: far below both databases' limits on parameters.
pub(crate) const CHUNK: usize = 500;

/// How parameters are written in a statement of many rows.
///
/// PostgreSQL needs `$1, $2, …`. SQLite takes those as named parameters, and the driver looks
/// each name up with a linear scan, which makes binding a statement of a few thousand `$N`
/// quadratic (more than half of a 60,000-row import's time). Plain `?` is bound by position
/// without a lookup; each parameter in these statements is used once and in order, so both
/// forms mean the same.
#[derive(Clone, Copy)]
pub(crate) struct Marks {
    positional: bool,
}

impl Marks {
    /// The form the connection's database reads fastest.
    pub(crate) fn of(conn: &AnyConnection) -> Marks {
        Marks {
            positional: conn.backend_name() == "SQLite",
        }
    }

    /// The mark of parameter `i` (from 1).
    pub(crate) fn one(self, i: usize) -> String {
        if self.positional {
            "?".to_string()
        } else {
            format!("${i}")
        }
    }

    /// `n` marks from parameter `start`, comma-separated.
    pub(crate) fn list(self, start: usize, n: usize) -> String {
        (start..start + n)
            .map(|i| self.one(i))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The people with these emails (lowercase), by email.
pub(crate) async fn people_by_email(
    conn: &mut AnyConnection,
    emails: &[String],
) -> Result<HashMap<String, PersonRecord>, ServiceError> {
    let marks = Marks::of(conn);
    let json = JsonSql::of(conn);
    let mut out = HashMap::with_capacity(emails.len());
    for chunk in emails.chunks(CHUNK) {
        let sql = json.select_all(
            &json.array(load::PERSON_ITEMS),
            &format!(
                "FROM persons p JOIN orgs o ON o.id = p.home_org WHERE p.email IN ({})",
                marks.list(1, chunk.len())
            ),
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q.bind(e.clone());
        }
        let people = load::people_from_parts(json_rows::fetch(conn, q, "people by email").await?)?;
        for p in people {
            out.insert(p.view.email.clone(), p);
        }
    }
    Ok(out)
}

/// The licenses of these people, by person id.
pub(crate) async fn licenses_of(
    conn: &mut AnyConnection,
    person_ids: &[String],
) -> Result<HashMap<String, Vec<String>>, ServiceError> {
    let marks = Marks::of(conn);
    let json = JsonSql::of(conn);
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in person_ids.chunks(CHUNK) {
        let sql = json.select_all(
            &json.array("person_id, license"),
            &format!(
                "FROM person_licenses WHERE person_id IN ({})",
                marks.list(1, chunk.len())
            ),
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.clone());
        }
        let pairs: Vec<(String, String)> = json_rows::fetch(conn, q, "licenses").await?;
        for (person, license) in pairs {
            out.entry(person).or_default().push(license);
        }
    }
    for held in out.values_mut() {
        held.sort();
    }
    Ok(out)
}

/// A person's new fields.
pub(crate) struct PersonFields {
    /// Id.
    pub(crate) id: String,
    /// First name.
    pub(crate) first: String,
    /// Last name.
    pub(crate) last: String,
    /// Display name.
    pub(crate) display: String,
    /// Status.
    pub(crate) status: String,
    /// Location.
    pub(crate) location: Option<String>,
}

/// Updates people's names, status and location (and when they changed), a chunk per statement.
pub(crate) async fn update_people(
    conn: &mut AnyConnection,
    people: &[PersonFields],
    now: Timestamp,
) -> Result<(), ServiceError> {
    let marks = Marks::of(conn);
    for chunk in people.chunks(CHUNK) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", marks.list(i * 6 + 1, 6)))
            .collect();
        let sql = format!(
            "WITH v(id, first_name, last_name, display_name, status, location) AS (VALUES {}) \
             UPDATE persons SET first_name = v.first_name, last_name = v.last_name, \
             display_name = v.display_name, status = v.status, location = v.location, \
             modified_at = {} FROM v WHERE persons.id = v.id",
            rows.join(", "),
            marks.one(chunk.len() * 6 + 1)
        );
        let mut q = sqlx::query(&sql);
        for p in chunk {
            q = q
                .bind(p.id.clone())
                .bind(p.first.clone())
                .bind(p.last.clone())
                .bind(p.display.clone())
                .bind(p.status.clone())
                .bind(p.location.clone());
        }
        q.bind(now.0).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Gives licenses: (person id, license), a chunk per statement.
pub(crate) async fn insert_licenses(
    conn: &mut AnyConnection,
    org: &str,
    licenses: &[(String, String)],
    now: Timestamp,
) -> Result<(), ServiceError> {
    let marks = Marks::of(conn);
    for chunk in licenses.chunks(CHUNK) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", marks.list(i * 4 + 1, 4)))
            .collect();
        let sql = format!(
            "INSERT INTO person_licenses (person_id, org_id, license, assigned_at) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (person, license) in chunk {
            q = q
                .bind(person.clone())
                .bind(org.to_string())
                .bind(license.clone())
                .bind(now.0);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Takes licenses: (person id, license), a chunk per statement.
pub(crate) async fn delete_licenses(
    conn: &mut AnyConnection,
    licenses: &[(String, String)],
) -> Result<(), ServiceError> {
    let marks = Marks::of(conn);
    for chunk in licenses.chunks(CHUNK) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(person_id = {} AND license = {})",
                    marks.one(i * 2 + 1),
                    marks.one(i * 2 + 2)
                )
            })
            .collect();
        let sql = format!("DELETE FROM person_licenses WHERE {}", rows.join(" OR "));
        let mut q = sqlx::query(&sql);
        for (person, license) in chunk {
            q = q.bind(person.clone()).bind(license.clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
