//! Recording expiries: R-EXT-7 is enforced at decision time; this sweep adds the audit event that
//! shows who lost access when.

use serde_json::json;
use sqlx::Row;

use super::{Ctx, Service};
use crate::audit::{self, NewEvent, Origin};
use crate::error::ServiceError;
use crate::load;
use rolehub_domain::Timestamp;

impl Service {
    /// Records one `role.expired` audit event per grant that has expired and was not recorded yet.
    /// Answers how many were recorded.
    pub(crate) async fn sweep_expired(&self, now: Timestamp) -> Result<usize, ServiceError> {
        let orgs: Vec<String> = sqlx::query(
            "SELECT DISTINCT org_id FROM grants WHERE expiry_recorded = 0 AND (expires_at IS NOT NULL OR role = 'readonly_admin') ORDER BY org_id",
        )
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| r.try_get("org_id"))
        .collect::<Result<_, _>>()?;
        let mut recorded = 0;
        for org in orgs {
            let mut tx = self.begin_org(&org).await?;
            let state = load::org_state(&mut tx, &org).await?;
            let pending: Vec<String> =
                sqlx::query("SELECT id FROM grants WHERE org_id = $1 AND expiry_recorded = 0")
                    .bind(org.clone())
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| r.try_get("id"))
                    .collect::<Result<_, _>>()?;
            let ctx = Ctx::new("", org.clone(), now);
            for holder in &state.holders {
                let relation = state.org.relation_of(&holder.person);
                for grant in &holder.grants {
                    if !pending.contains(&grant.id)
                        || !grant.is_expired(relation, &state.org.settings, now)
                    {
                        continue;
                    }
                    let expired_at = grant
                        .effective_expiry(relation, &state.org.settings)
                        .unwrap_or(now);
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
                            target_id: Some(&holder.person.id),
                            target_email: Some(&holder.person.email),
                            before: Some(json!({ "role": grant.label() })),
                            after: Some(
                                json!({ "expired_at": expired_at.to_iso(), "rule": "R-EXT-7" }),
                            ),
                            refusal: None,
                        },
                    )
                    .await?;
                    sqlx::query("UPDATE grants SET expiry_recorded = 1 WHERE id = $1")
                        .bind(grant.id.clone())
                        .execute(&mut *tx)
                        .await?;
                    recorded += 1;
                }
            }
            self.commit(tx).await?;
        }
        Ok(recorded)
    }
}
