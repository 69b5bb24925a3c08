//! `adminAudit`: the audit log and its chain verification (needs read on `audit_log`).

use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rolehub_domain::{Text, Timestamp};
use rolehub_store::service::{AuditPage, AuditQuery};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::people::OrgQuery;
use crate::auth::Acting;
use crate::dto::{AuditEventInfo, AuditVerification, EventCategories, Items};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{list, ApiQuery};
use crate::paging;
use crate::state::AppState;

/// The routes of this family.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(event_categories))
        .routes(routes!(verify_chain))
}

/// Filters of the audit log.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    #[expect(
        dead_code,
        reason = "read by `Acting`; declared here for the OpenAPI document and strict parsing"
    )]
    /// The org (default: the caller's).
    org_id: Option<String>,
    /// From (ISO-8601).
    from: Option<String>,
    /// Before (ISO-8601).
    to: Option<String>,
    /// Only this actor's (person id or email).
    actor_id: Option<String>,
    /// Comma-separated categories (`ROLES`, `USERS`, … as `/v1/adminAudit/eventCategories` lists
    /// them) or action families and actions (`role`, `user`, `role.assign`, …).
    event_categories: Option<String>,
    /// Page size (at most 1000).
    max: Option<i64>,
    /// Events to skip (Webex's paging; the next link then carries the next offset).
    offset: Option<i64>,
    /// The cursor from the `Link` header.
    after: Option<String>,
}

/// The org's audit events, oldest first.
#[utoipa::path(get, path = "/v1/adminAudit/events", tag = "adminAudit", params(EventsQuery),
    responses((status = 200, body = Items<AuditEventInfo>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_events(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    ApiQuery(q): ApiQuery<EventsQuery>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Response> {
    let time = |t: &Option<String>, field: &str| {
        t.as_deref()
            .map(Timestamp::parse)
            .transpose()
            .map_err(|e| ApiError::bad_request(field.to_string(), e.0))
    };
    let after_seq = match crate::extract::cursor(&q.after)? {
        Some(s) => Some(s.parse::<i64>().map_err(|_| ApiError::bad_cursor())?),
        None => None,
    };
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::bad_request(
            "offset",
            Text::new(
                "the offset is 0 or more",
                "de offset hoort 0 of meer te zijn",
            ),
        ));
    }
    let query = AuditQuery {
        actor: q.actor_id.clone(),
        categories: list(&q.event_categories)
            .iter()
            .map(|c| crate::dto::category_actions(c).to_string())
            .collect(),
        from: time(&q.from, "from")?,
        to: time(&q.to, "to")?,
        limit: paging::page_size(q.max, 100, 1000),
        after_seq,
        offset,
        actor_prefix: false,
        newest_first: false,
    };
    let AuditPage { events, more } = state.service.audit_events(&ctx, &query).await?;
    let mut response = Json(Items {
        items: events.iter().map(AuditEventInfo::of).collect(),
    })
    .into_response();
    if more {
        if q.offset.is_some() {
            // Paged by offset, as the Webex SDK asks: the next page is the next offset.
            let next = offset.saturating_add(events.len() as i64);
            paging::link_next_with(response.headers_mut(), &uri, "offset", &next.to_string());
        } else if let Some(last) = events.last() {
            paging::link_next(
                response.headers_mut(),
                &uri,
                &paging::encode(&last.seq.to_string()),
            );
        }
    }
    Ok(response)
}

/// The event categories `eventCategories` takes (Webex's `GET /adminAudit/eventCategories`).
#[utoipa::path(get, path = "/v1/adminAudit/eventCategories", tag = "adminAudit",
    responses((status = 200, body = EventCategories), (status = 401, body = ErrorBody)))]
async fn event_categories(_caller: crate::auth::Caller) -> Json<EventCategories> {
    Json(EventCategories {
        event_categories: crate::dto::EVENT_CATEGORIES
            .iter()
            .map(|(name, _)| (*name).to_string())
            .collect(),
    })
}

/// Verifies the org's hash chain: every event's hash, every link, no gap, the head.
#[utoipa::path(get, path = "/v1/adminAudit/verify", tag = "adminAudit", params(OrgQuery),
    responses((status = 200, body = AuditVerification), (status = 403, body = ErrorBody)))]
async fn verify_chain(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    ApiQuery(_query): ApiQuery<OrgQuery>,
) -> ApiResult<Json<AuditVerification>> {
    Ok(Json(match state.service.verify_audit(&ctx).await? {
        Ok(n) => AuditVerification {
            intact: true,
            events_checked: n,
            broken_event_id: None,
            problem: None,
        },
        Err(b) => AuditVerification {
            intact: false,
            events_checked: 0,
            broken_event_id: Some(b.event_id),
            problem: Some(b.problem),
        },
    }))
}
