//! SCIM `/Groups`: the provider's groups of the org's users. A full administrator may link a group
//! to a role (console, CLI or `PUT /v1/groups/{id}/role`); joining it then gives the role and
//! leaving takes it, through the role rules.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rolehub_domain::{quoted, Text};
use rolehub_store::service::provisioning::{Group, GroupFields};
use serde_json::{json, Value};

use super::discovery::GROUP_SCHEMA;
use super::{
    check_if_match, filter, json_body, list_response, patch as scim_patch, resource_response, text,
    with_version, ListQuery, ScimCaller, ScimError, ScimResult,
};
use crate::state::AppState;

fn resource(g: &Group, base: &str) -> Value {
    let mut group = json!({
        "schemas": [GROUP_SCHEMA],
        "id": g.id,
        "displayName": g.display_name,
        "members": g.members.iter().map(|(id, _)| json!({"value": id, "$ref": format!("{base}/Users/{id}"), "type": "User"})).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Group",
            "created": g.created_at.to_iso(),
            "lastModified": g.modified_at.to_iso(),
            "location": format!("{base}/Groups/{}", g.id)
        }
    });
    if let Some(external) = &g.external_id {
        group["externalId"] = json!(external);
    }
    with_version(group)
}

fn read_group(body: &Value) -> ScimResult<GroupFields> {
    let display_name = text(filter::field(body, "displayName"), "displayName")?
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| {
            ScimError::value(Text::new(
                "`displayName` is required",
                "“displayName” is verplicht",
            ))
        })?;
    let members = match filter::field(body, "members") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|m| match m {
                Value::String(s) => Ok(s.clone()),
                _ => filter::field(m, "value")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| {
                        ScimError::value(Text::new(
                            "a member has a `value`: the user's id",
                            "een lid hoort een “value” te hebben: de id van de gebruiker",
                        ))
                    }),
            })
            .collect::<ScimResult<Vec<String>>>()?,
        Some(other) => {
            return Err(ScimError::value(Text::new(
                format!("`members` is a list, not {other}"),
                format!("“members” is een lijst, niet {other}"),
            )))
        }
    };
    Ok(GroupFields {
        display_name,
        external_id: text(filter::field(body, "externalId"), "externalId")?,
        members,
    })
}

async fn current(state: &AppState, caller: &ScimCaller, id: &str) -> ScimResult<Value> {
    let g = state
        .service
        .group(&caller.ctx, id)
        .await
        .map_err(|e| match e {
            rolehub_store::ServiceError::NotFound { .. } => ScimError::new(
                StatusCode::NOT_FOUND,
                None,
                Text::new(
                    format!("no group `{id}` in this org"),
                    format!("geen groep {} in deze organisatie", quoted(id)),
                ),
            ),
            other => other.into(),
        })?;
    Ok(resource(&g, &caller.base))
}

/// `GET /Groups`.
pub async fn list(
    State(state): State<AppState>,
    caller: ScimCaller,
    OriginalUri(uri): OriginalUri,
) -> ScimResult<Response> {
    let q = ListQuery::read(&uri)?;
    let (start, count) = q.paging()?;
    let f = q.filter()?;
    let resources: Vec<Value> = state
        .service
        .groups(&caller.ctx)
        .await?
        .iter()
        .map(|g| resource(g, &caller.base))
        .filter(|r| f.as_ref().is_none_or(|f| filter::matches(f, r)))
        .collect();
    Ok(list_response(resources, start, count, &q.selection()))
}

/// `GET /Groups/{id}`.
pub async fn one(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path((_org, id)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
) -> ScimResult<Response> {
    let q = ListQuery::read(&uri)?;
    let group = current(&state, &caller, &id).await?;
    Ok(resource_response(
        StatusCode::OK,
        group,
        Some(&q.selection()),
    ))
}

/// `POST /Groups`.
pub async fn create(
    State(state): State<AppState>,
    caller: ScimCaller,
    body: Bytes,
) -> ScimResult<Response> {
    let body = json_body(&body)?;
    let fields = read_group(&body)?;
    let g = state.service.create_group(&caller.ctx, &fields).await?;
    Ok(resource_response(
        StatusCode::CREATED,
        resource(&g, &caller.base),
        None,
    ))
}

/// `PUT /Groups/{id}`.
pub async fn replace(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path((_org, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ScimResult<Response> {
    let body = json_body(&body)?;
    let before = current(&state, &caller, &id).await?;
    check_if_match(&headers, &before)?;
    state
        .service
        .replace_group(&caller.ctx, &id, &read_group(&body)?)
        .await?;
    Ok(resource_response(
        StatusCode::OK,
        current(&state, &caller, &id).await?,
        None,
    ))
}

/// `PATCH /Groups/{id}`: members added and removed as Entra ID and Okta send them.
pub async fn patch(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path((_org, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ScimResult<Response> {
    let body = json_body(&body)?;
    let before = current(&state, &caller, &id).await?;
    check_if_match(&headers, &before)?;
    let mut patched = before;
    scim_patch::apply(&mut patched, &body)?;
    state
        .service
        .replace_group(&caller.ctx, &id, &read_group(&patched)?)
        .await?;
    Ok(resource_response(
        StatusCode::OK,
        current(&state, &caller, &id).await?,
        None,
    ))
}

/// `DELETE /Groups/{id}`.
pub async fn delete(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path((_org, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ScimResult<Response> {
    let before = current(&state, &caller, &id).await?;
    check_if_match(&headers, &before)?;
    state.service.delete_group(&caller.ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
