//! Reading the audit log as an administrator: needs read on `audit_log`, and shows external
//! administrators only what the org shares with them (R-EXT-10).

use rolehub_domain::ops::Principal;
use rolehub_domain::{Area, Level, Target, Timestamp};

use super::masking::Mask;
use super::{actor, Ctx, Service};
use crate::audit::{self, Break, EventFilter, StoredEvent};
use crate::error::ServiceError;
use crate::load;

/// Which events to read.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    /// Only this actor's: a person id or an email.
    pub actor: Option<String>,
    /// Only these categories (`role`) or actions (`role.assign`); empty for all.
    pub categories: Vec<String>,
    /// From this instant.
    pub from: Option<Timestamp>,
    /// Before this instant.
    pub to: Option<Timestamp>,
    /// Page size.
    pub limit: i64,
    /// Keyset cursor: events after this position.
    pub after_seq: Option<i64>,
    /// Events to skip (after the cursor, if any): Webex's `offset`.
    pub offset: i64,
    /// `actor` is the start of an email or of a name (as a person types it into a search).
    pub actor_prefix: bool,
    /// Newest first, the cursor naming events before it.
    pub newest_first: bool,
}

/// A page of events.
#[derive(Clone, Debug)]
pub struct AuditPage {
    /// The events, oldest first, masked for the viewer.
    pub events: Vec<StoredEvent>,
    /// Whether more follow.
    pub more: bool,
}

impl Service {
    /// The org's audit events as the actor may see them (needs read on `audit_log`; R-EXT-10).
    pub async fn audit_events(
        &self,
        ctx: &Ctx,
        query: &AuditQuery,
    ) -> Result<AuditPage, ServiceError> {
        let mut tx = self.begin_read().await?;
        let kept = self.kept_for_read(&mut tx, &ctx.org).await?;
        let state = &kept.state;
        let viewer = actor(&mut tx, ctx).await?;
        Principal::in_state(state, &viewer.view, ctx.now)
            .decide(Area::AuditLog, Level::Read, Target::Org)
            .into_result()?;
        let mask = Mask::for_viewer(&state.org, &viewer.view);
        let mut actors_named = Vec::new();
        let mut actor_id = None;
        let actor_email = match &query.actor {
            Some(a) if query.actor_prefix => {
                // R-EXT-10: a withheld email is no search key, whole or in part.
                mask.refuse_key(rolehub_domain::SharedField::Email)?;
                let prefix = a.trim().to_lowercase();
                // A name is a search key only where names are shared with the viewer.
                if mask.refuse_key(rolehub_domain::SharedField::Name).is_ok() {
                    actors_named = actors_named_like(&mut tx, state, &ctx.org, &prefix).await?;
                }
                Some(prefix)
            }
            Some(a) if a.contains('@') => {
                // R-EXT-10: a withheld email is no search key.
                mask.refuse_key(rolehub_domain::SharedField::Email)?;
                let email = a.trim().to_lowercase();
                actor_id = load::person_by_email(&mut tx, &email)
                    .await?
                    .map(|p| p.view.id);
                Some(email)
            }
            Some(id) => {
                // The person's events by id too: a client acting for them (`scim:NAME`) is named
                // by its own name, with their id.
                actor_id = Some(id.trim().to_string());
                load::person_by_id(&mut tx, id.trim())
                    .await?
                    .map(|p| p.view.email)
            }
            None => None,
        };
        let limit = query.limit.clamp(1, 1000);
        let single = (query.categories.len() == 1).then(|| query.categories[0].clone());
        let filter = EventFilter {
            org_id: Some(ctx.org.clone()),
            actor_email,
            actor_id,
            action: single,
            from: query.from,
            to: query.to,
            limit: Some(if query.categories.len() > 1 {
                i64::MAX
            } else {
                limit + 1
            }),
            after_seq: query.after_seq,
            offset: if query.categories.len() > 1 {
                0
            } else {
                query.offset
            },
            actor_prefix: query.actor_prefix,
            actors_named,
            newest_first: query.newest_first,
        };
        let mut events = audit::list(&mut tx, &filter).await?;
        tx.rollback().await?;
        if query.categories.len() > 1 {
            events.retain(|e| {
                query
                    .categories
                    .iter()
                    .any(|c| e.action == *c || e.action.starts_with(&format!("{c}.")))
            });
            let skip = usize::try_from(query.offset).unwrap_or(0).min(events.len());
            events.drain(..skip);
        }
        let more = events.len() as i64 > limit;
        events.truncate(limit as usize);
        for event in &mut events {
            mask_event(&mask, event);
        }
        Ok(AuditPage { events, more })
    }

    /// Verifies the org's audit chain (needs read on `audit_log`): the number of events checked,
    /// or the first break.
    pub async fn verify_audit(&self, ctx: &Ctx) -> Result<Result<u64, Break>, ServiceError> {
        let mut tx = self.begin_read().await?;
        let kept = self.kept_for_read(&mut tx, &ctx.org).await?;
        let viewer = actor(&mut tx, ctx).await?;
        Principal::in_state(&kept.state, &viewer.view, ctx.now)
            .decide(Area::AuditLog, Level::Read, Target::Org)
            .into_result()?;
        let verified = audit::verify(&mut tx, Some(&ctx.org)).await?;
        tx.rollback().await?;
        Ok(verified)
    }
}

/// The most people a name search of the audit log matches (the search is for a person one has in
/// mind; a prefix that matches more is too short to be useful).
const NAMED_ACTORS_MAX: i64 = 200;

/// The emails of the people whose first, last or display name starts with `prefix` (lower case),
/// among those who act in the org: its administrators (the org's kept state, in memory) and its
/// users (through the org's index).
async fn actors_named_like(
    tx: &mut sqlx::AnyConnection,
    state: &rolehub_domain::OrgState,
    org: &str,
    prefix: &str,
) -> Result<Vec<String>, ServiceError> {
    if prefix.is_empty() || prefix.contains('@') {
        return Ok(Vec::new());
    }
    let starts = |name: &str| {
        name.split_whitespace()
            .any(|word| word.to_lowercase().starts_with(prefix))
            || name.to_lowercase().starts_with(prefix)
    };
    let mut emails: Vec<String> = state
        .holders()
        .iter()
        .filter(|h| starts(&h.person.first) || starts(&h.person.last))
        .map(|h| h.person.email.clone())
        .collect();
    let pattern = format!(
        "{}%",
        prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = sqlx::query(
        "SELECT email FROM persons WHERE home_org = $1 AND (LOWER(first_name) LIKE $2 ESCAPE '\\' \
         OR LOWER(last_name) LIKE $2 ESCAPE '\\' OR LOWER(display_name) LIKE $2 ESCAPE '\\') LIMIT $3",
    )
    .bind(org.to_string())
    .bind(pattern)
    .bind(NAMED_ACTORS_MAX)
    .fetch_all(&mut *tx)
    .await?;
    for row in rows {
        emails.push(sqlx::Row::try_get(&row, "email")?);
    }
    emails.sort();
    emails.dedup();
    emails.truncate(NAMED_ACTORS_MAX as usize);
    Ok(emails)
}

/// R-EXT-10 on an event: the emails, names and locations of others in it, as the viewer may see
/// them.
fn mask_event(mask: &Mask, event: &mut StoredEvent) {
    if mask.shared.is_none() {
        return;
    }
    if let (Some(id), Some(email)) = (&event.actor_id, &event.actor_email) {
        event.actor_email = Some(mask.email(id, email));
    } else if let Some(email) = &event.actor_email {
        event.actor_email = Some(mask.text(email));
    }
    if let Some(email) = &event.target_email {
        let id = event.target_id.clone().unwrap_or_default();
        event.target_email = Some(mask.email(&id, email));
    }
    let own = |id: &Option<String>| id.as_deref() == Some(mask.viewer_id.as_str());
    let touches_only_viewer =
        own(&event.target_id) && (event.actor_id.is_none() || own(&event.actor_id));
    if !touches_only_viewer {
        for text in [&mut event.before, &mut event.after].into_iter().flatten() {
            *text = match serde_json::from_str::<serde_json::Value>(text) {
                Ok(v) => mask.json(&v).to_string(),
                Err(_) => mask.text(text),
            };
        }
    }
    if let Some(message) = &event.message {
        event.message = Some(mask.text(message));
    }
}
