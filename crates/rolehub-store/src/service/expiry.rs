//! Recording expiries: R-EXT-7 is enforced at decision time; this sweep adds the audit event that
//! shows who lost access when.

use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::{Ctx, Service};
use crate::audit::{self, NewEvent, Origin};
use crate::error::ServiceError;
use crate::load::{self, GRANT_COLUMNS, PERSON_COLUMNS};
use rolehub_domain::{Grant, PersonView, Timestamp};

/// The grants that may ever expire and whose expiry is not recorded yet: those with an end date,
/// and the read-only role of someone from another org (R-EXT-7). Every other grant never expires,
/// so a sweep never looks at it.
const MAY_EXPIRE: &str = "g.expiry_recorded = 0 AND (g.expires_at IS NOT NULL \
     OR (g.role = 'readonly_admin' AND p.home_org <> g.org_id))";

/// A grant found expired: whose, which, and when it ended.
struct Expired {
    person: PersonView,
    grant: Grant,
    at: Timestamp,
}

impl Service {
    /// Records one `role.expired` audit event per grant that has expired and was not recorded yet.
    /// Answers how many were recorded.
    ///
    /// Each org is looked at first without its lock, and only an org with an expiry to record is
    /// locked (and looked at again under the lock): a sweep that finds nothing holds up no change
    /// and leaves every org's version, and so every server's kept state of it, as it was.
    pub(crate) async fn sweep_expired(&self, now: Timestamp) -> Result<usize, ServiceError> {
        let orgs: Vec<String> = sqlx::query(&format!(
            "SELECT DISTINCT g.org_id AS org_id FROM grants g JOIN persons p ON p.id = g.person_id \
             WHERE {MAY_EXPIRE} ORDER BY g.org_id"
        ))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| r.try_get("org_id"))
        .collect::<Result<_, _>>()?;
        let mut recorded = 0;
        for org in orgs {
            if expired_in(&mut *self.conn().await?, &org, now)
                .await?
                .is_empty()
            {
                continue;
            }
            let mut tx = self.begin_org(&org).await?;
            let ctx = Ctx::new("", org.clone(), now);
            for expired in expired_in(&mut tx, &org, now).await? {
                audit::append(
                    &mut tx,
                    &Origin {
                        request_id: ctx.request_id.clone(),
                        ..Origin::default()
                    },
                    NewEvent {
                        org_id: &org,
                        at: now,
                        action: "role.expired",
                        target_id: Some(&expired.person.id),
                        target_email: Some(&expired.person.email),
                        before: Some(json!({ "role": expired.grant.label() })),
                        after: Some(
                            json!({ "expired_at": expired.at.to_iso(), "rule": "R-EXT-7" }),
                        ),
                        refusal: None,
                    },
                )
                .await?;
                sqlx::query("UPDATE grants SET expiry_recorded = 1 WHERE id = $1")
                    .bind(expired.grant.id.clone())
                    .execute(&mut *tx)
                    .await?;
                recorded += 1;
            }
            self.commit(tx).await?;
        }
        Ok(recorded)
    }
}

/// The grants of an org that have expired at `now` and whose expiry is not recorded yet, decided
/// by the domain (R-EXT-7's time-to-live is the org's setting).
async fn expired_in(
    conn: &mut AnyConnection,
    org: &str,
    now: Timestamp,
) -> Result<Vec<Expired>, ServiceError> {
    let view = load::org_view(conn, org).await?;
    let sql = format!(
        "SELECT {PERSON_COLUMNS}, {GRANT_COLUMNS} FROM grants g JOIN persons p ON p.id = g.person_id \
         JOIN orgs o ON o.id = p.home_org WHERE g.org_id = $1 AND {MAY_EXPIRE} ORDER BY p.email, g.id"
    );
    let mut out = Vec::new();
    for row in sqlx::query(&sql).bind(org).fetch_all(&mut *conn).await? {
        let person = load::person_from_row(&row)?.view;
        let grant = load::grant_from_row(&row)?;
        let relation = view.relation_of(&person);
        if grant.is_expired(relation, &view.settings, now) {
            let at = grant
                .effective_expiry(relation, &view.settings)
                .unwrap_or(now);
            out.push(Expired { person, grant, at });
        }
    }
    Ok(out)
}
