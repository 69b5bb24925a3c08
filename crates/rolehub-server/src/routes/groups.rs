//! `groups`: the groups the org's identity provider keeps through SCIM, and the role a full
//! administrator links each to (its members then hold it, through the role rules).

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::people::{ChangeQuery, OrgQuery};
use crate::auth::Acting;
use crate::dto::Items;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// The routes of this family.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_groups))
        .routes(routes!(set_group_role))
}

/// A group of the org.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupInfo {
    /// Id (the SCIM resource's).
    pub id: String,
    /// Name.
    pub display_name: String,
    /// The identity provider's id of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The role its members hold through it (a grant label), if linked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Its members' ids.
    pub member_ids: Vec<String>,
}

impl GroupInfo {
    fn of(g: rolehub_store::service::provisioning::Group) -> GroupInfo {
        GroupInfo {
            id: g.id,
            display_name: g.display_name,
            external_id: g.external_id,
            role: g.role,
            member_ids: g.members.into_iter().map(|(id, _)| id).collect(),
        }
    }
}

/// Linking a group to a role.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupRoleRequest {
    /// The role its members are to hold (`user_device_admin`, `site_admin@acme.webex.com`,
    /// `location_admin@amsterdam`), or `null` to unlink.
    pub role: Option<String>,
}

/// The org's groups (needs read on `users`).
#[utoipa::path(get, path = "/v1/groups", tag = "groups", params(OrgQuery),
    responses((status = 200, body = Items<GroupInfo>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_groups(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    ApiQuery(_query): ApiQuery<OrgQuery>,
) -> ApiResult<Json<Items<GroupInfo>>> {
    let groups = state.service.groups(&ctx).await?;
    Ok(Json(Items {
        items: groups.into_iter().map(GroupInfo::of).collect(),
    }))
}

/// Links a group to a role of the org, or unlinks it: only a full administrator does (R-ASSIGN-1).
/// Members are given the role (or lose it, unless another group of theirs gives it) through the
/// role rules, in one change refused as a whole.
#[utoipa::path(put, path = "/v1/groups/{id}/role", tag = "groups", params(("id" = String, Path, description = "Group id"), ChangeQuery), request_body = GroupRoleRequest,
    responses((status = 200, body = GroupInfo, description = "The group afterwards (with `dryRun`: as it is)"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_group_role(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    Path(id): Path<String>,
    ApiQuery(_query): ApiQuery<ChangeQuery>,
    ApiJson(body): ApiJson<GroupRoleRequest>,
) -> ApiResult<Json<GroupInfo>> {
    state
        .service
        .set_group_role(&ctx, &id, body.role.as_deref())
        .await?;
    Ok(Json(GroupInfo::of(state.service.group(&ctx, &id).await?)))
}
