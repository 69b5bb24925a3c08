//! `roles`, `roleAssignments`, `externalAdmins`, `admins` and `authorize`.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rolehub_domain::{Lang, Role, Target, Text, Timestamp};
use rolehub_store::service::AssignRequest;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::people::{parse_roles, ChangeQuery, OrgQuery};
use crate::auth::{Acting, Caller};
use crate::dto::{
    AddExternalRequest, AdminInfo, ChangeResult, DecisionInfo, Items, NewRoleAssignment,
    RoleAssignment, RoleInfo, VerifyRequest, VerifyResult,
};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{list, ApiJson, ApiQuery};
use crate::paging;
use crate::state::AppState;

/// The routes of these families.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles))
        .routes(routes!(get_role))
        .routes(routes!(list_assignments, create_assignment))
        .routes(routes!(delete_assignment))
        .routes(routes!(verify_external))
        .routes(routes!(list_external, add_external))
        .routes(routes!(revoke_external))
        .routes(routes!(list_admins))
        .routes(routes!(export_admins))
        .routes(routes!(authorize))
}

/// The role catalogue, with English and Dutch names, scope and who may hold each role.
#[utoipa::path(get, path = "/v1/roles", tag = "roles", responses((status = 200, body = Items<RoleInfo>), (status = 401, body = ErrorBody)))]
async fn list_roles(_caller: Caller) -> Json<Items<RoleInfo>> {
    Json(Items {
        items: Role::ALL.into_iter().map(RoleInfo::of).collect(),
    })
}

/// One role of the catalogue (by its id, or its Webex id such as `id_full_admin`).
#[utoipa::path(get, path = "/v1/roles/{id}", tag = "roles", params(("id" = String, Path, description = "Role id")),
    responses((status = 200, body = RoleInfo), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_role(_caller: Caller, Path(id): Path<String>) -> ApiResult<Json<RoleInfo>> {
    Role::from_id(&id)
        .map(|role| Json(RoleInfo::of(role)))
        .ok_or_else(|| ApiError::not_found(Text::new("role", "de rol")))
}

/// Filters of role assignments.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AssignmentQuery {
    #[expect(
        dead_code,
        reason = "read by `Acting`; declared here for the OpenAPI document and strict parsing"
    )]
    /// The org (default: the caller's).
    org_id: Option<String>,
    /// Only this person's.
    person_id: Option<String>,
    /// Comma-separated role ids.
    roles: Option<String>,
    /// Page size (at most 1000).
    max: Option<i64>,
    /// The cursor from the `Link` header.
    after: Option<String>,
}

/// Role assignments in the org, as the caller may see them (R-LIST-1, R-CCSA-9, R-EXT-10).
#[utoipa::path(get, path = "/v1/roleAssignments", tag = "roleAssignments", params(AssignmentQuery),
    responses((status = 200, body = Items<RoleAssignment>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_assignments(
    State(state): State<AppState>,
    Acting { caller, ctx }: Acting,
    ApiQuery(q): ApiQuery<AssignmentQuery>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Response> {
    let org = ctx.org.clone();
    let roles = parse_roles(&list(&q.roles))?;
    let all = state
        .service
        .list_grants(&ctx, q.person_id.as_deref(), &roles)
        .await?;
    let after = crate::extract::cursor(&q.after)?;
    let start = match &after {
        Some(id) => all
            .iter()
            .position(|g| &g.grant.id == id)
            .map_or(all.len(), |i| i + 1),
        None => 0,
    };
    let limit = paging::page_size(q.max, 100, 1000) as usize;
    let page: Vec<_> = all.iter().skip(start).take(limit).collect();
    let items: Vec<RoleAssignment> = page
        .iter()
        .map(|g| RoleAssignment {
            id: g.grant.id.clone(),
            org_id: org.clone(),
            person_id: g.person_id.clone(),
            person_email: g.email_shown.clone(),
            role_id: g.grant.role.id().into(),
            role_name: g.grant.role.name(caller.info.lang).into(),
            site_url: g.grant.scope.site().map(str::to_string),
            location_ids: (!g.grant.scope.locations().is_empty())
                .then(|| g.grant.scope.locations().to_vec()),
            created: g.grant.granted_at.to_iso(),
            expires: g.expires_at.map(Timestamp::to_iso),
            external: g.external,
            waiting_for_sign_in: g.waiting_for_sign_in,
        })
        .collect();
    let mut response = Json(Items { items }).into_response();
    if start + limit < all.len() {
        if let Some(last) = page.last() {
            paging::link_next(
                response.headers_mut(),
                &uri,
                &paging::encode(&last.grant.id),
            );
        }
    }
    Ok(response)
}

/// The person a change names: by id, or by email.
fn person_key(person_id: Option<&str>, email: Option<&str>) -> ApiResult<String> {
    match (email, person_id) {
        (Some(email), _) => Ok(email.to_string()),
        (None, Some(id)) => Ok(id.to_string()),
        (None, None) => Err(ApiError::bad_request(
            "personId",
            Text::new(
                "name the person by `personId` or `personEmail`",
                "noem de persoon met “personId” of “personEmail”",
            ),
        )),
    }
}

/// Assigns a role. The answer lists every grant removed as a side effect and the warnings.
#[utoipa::path(post, path = "/v1/roleAssignments", tag = "roleAssignments", params(ChangeQuery), request_body = NewRoleAssignment,
    responses((status = 201, body = ChangeResult), (status = 200, body = ChangeResult, description = "Dry run, or nothing to change"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody, description = "A rule refuses; `ruleId` says which"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_assignment(
    State(state): State<AppState>,
    acting: Acting,
    ApiQuery(_query): ApiQuery<ChangeQuery>,
    ApiJson(body): ApiJson<NewRoleAssignment>,
) -> ApiResult<Response> {
    let Acting { caller, ctx } = acting.in_org(&state, body.org_id.as_deref()).await?;
    let dry_run = ctx.dry_run;
    let person = person_key(body.person_id.as_deref(), body.person_email.as_deref())?;
    let expires_at = body
        .expires
        .as_deref()
        .map(Timestamp::parse)
        .transpose()
        .map_err(|e| rolehub_store::ServiceError::invalid("expires", e.0))?;
    let request = AssignRequest {
        person,
        role: body.role_id,
        site: body.site_url,
        locations: body.location_ids.unwrap_or_default(),
        expires_at,
    };
    let outcome = state.service.assign(&ctx, &request).await?;
    let status = if dry_run || outcome.added.is_none() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(ChangeResult::of(&outcome, dry_run, caller.info.lang)),
    )
        .into_response())
}

/// Revokes a role assignment, with its side effects (R-MCA-1, R-ATA-1) and R-ASSIGN-3.
#[utoipa::path(delete, path = "/v1/roleAssignments/{id}", tag = "roleAssignments", params(("id" = String, Path, description = "Role assignment id"), ChangeQuery),
    responses((status = 200, body = ChangeResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_assignment(
    State(state): State<AppState>,
    Acting { caller, ctx }: Acting,
    Path(id): Path<String>,
    ApiQuery(_query): ApiQuery<ChangeQuery>,
) -> ApiResult<Json<ChangeResult>> {
    let outcome = state.service.revoke_grant(&ctx, &id).await?;
    Ok(Json(ChangeResult::of(
        &outcome,
        ctx.dry_run,
        caller.info.lang,
    )))
}

/// The email check of "add external administrator": who the person is to the org and the roles
/// offered (R-EXT-1, R-EXT-3).
#[utoipa::path(post, path = "/v1/externalAdmins/verify", tag = "externalAdmins", request_body = VerifyRequest,
    responses((status = 200, body = VerifyResult), (status = 403, body = ErrorBody, description = "Refused, e.g. a consumer account (R-EXT-1)")))]
async fn verify_external(
    State(state): State<AppState>,
    acting: Acting,
    ApiJson(body): ApiJson<VerifyRequest>,
) -> ApiResult<Json<VerifyResult>> {
    let Acting { ctx, .. } = acting.in_org(&state, body.org_id.as_deref()).await?;
    let v = state.service.verify_external(&ctx, &body.email).await?;
    Ok(Json(VerifyResult {
        email: body.email.trim().to_lowercase(),
        category: if v.partner {
            "partner".into()
        } else {
            "other".into()
        },
        offered_roles: v.offered.into_iter().map(RoleInfo::of).collect(),
    }))
}

/// Adds an external administrator with a role.
#[utoipa::path(post, path = "/v1/externalAdmins", tag = "externalAdmins", params(ChangeQuery), request_body = AddExternalRequest,
    responses((status = 201, body = ChangeResult), (status = 200, body = ChangeResult, description = "Dry run"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn add_external(
    State(state): State<AppState>,
    acting: Acting,
    ApiQuery(_query): ApiQuery<ChangeQuery>,
    ApiJson(body): ApiJson<AddExternalRequest>,
) -> ApiResult<Response> {
    let Acting { caller, ctx } = acting.in_org(&state, body.org_id.as_deref()).await?;
    let dry_run = ctx.dry_run;
    let outcome = state
        .service
        .add_external(&ctx, &body.email, &body.role_id, body.site_url.as_deref())
        .await?;
    let status = if dry_run {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(ChangeResult::of(&outcome, dry_run, caller.info.lang)),
    )
        .into_response())
}

fn admin_items(list: &rolehub_store::service::AdminList) -> Vec<AdminInfo> {
    list.rows
        .iter()
        .map(|r| AdminInfo {
            person_id: r.person_id.clone(),
            name: r.name_shown.clone(),
            email: r.email_shown.clone(),
            external: r.external,
            status: r.status.id().into(),
            roles: r.grants.iter().map(|g| g.label()).collect(),
            admin_roles: rolehub_store::service::roles_cell(&r.grants),
        })
        .collect()
}

/// The external administrators (needs read on `external_admins`, R-LIST-1; R-CCSA-9).
#[utoipa::path(get, path = "/v1/externalAdmins", tag = "externalAdmins", params(OrgQuery),
    responses((status = 200, body = Items<AdminInfo>), (status = 403, body = ErrorBody)))]
async fn list_external(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    ApiQuery(_query): ApiQuery<OrgQuery>,
) -> ApiResult<Json<Items<AdminInfo>>> {
    let list = state.service.list_admins(&ctx, &[], Some(true)).await?;
    Ok(Json(Items {
        items: admin_items(&list),
    }))
}

/// Revokes every grant an external administrator holds in the org (R-EXT-5).
#[utoipa::path(delete, path = "/v1/externalAdmins/{personId}", tag = "externalAdmins", params(("personId" = String, Path, description = "Person id"), ChangeQuery),
    responses((status = 200, body = ChangeResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_external(
    State(state): State<AppState>,
    Acting { caller, ctx }: Acting,
    Path(person_id): Path<String>,
    ApiQuery(_query): ApiQuery<ChangeQuery>,
) -> ApiResult<Json<ChangeResult>> {
    let outcome = state.service.revoke_all(&ctx, &person_id).await?;
    Ok(Json(ChangeResult::of(
        &outcome,
        ctx.dry_run,
        caller.info.lang,
    )))
}

/// Filters of the administrators list.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AdminsQuery {
    #[expect(
        dead_code,
        reason = "read by `Acting`; declared here for the OpenAPI document and strict parsing"
    )]
    /// The org (default: the caller's).
    org_id: Option<String>,
    /// Comma-separated role ids (R-LIST-1).
    roles: Option<String>,
    /// `true`: external only; `false`: internal only.
    external: Option<bool>,
}

/// The administrators (needs read on `roles`, R-LIST-1; R-CCSA-9; R-EXT-10).
#[utoipa::path(get, path = "/v1/admins", tag = "admins", params(AdminsQuery),
    responses((status = 200, body = Items<AdminInfo>), (status = 403, body = ErrorBody)))]
async fn list_admins(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    ApiQuery(q): ApiQuery<AdminsQuery>,
) -> ApiResult<Json<Items<AdminInfo>>> {
    let roles = parse_roles(&list(&q.roles))?;
    let list = state.service.list_admins(&ctx, &roles, q.external).await?;
    Ok(Json(Items {
        items: admin_items(&list),
    }))
}

/// The administrators as CSV (R-EXPORT-1): one snapshot (R-EXPORT-2), formula-safe (R-EXPORT-3).
#[utoipa::path(get, path = "/v1/admins/export", tag = "admins", params(AdminsQuery),
    responses((status = 200, content_type = "text/csv", body = String, description = "`First/Last Name,User ID/Email,Admin Roles`"), (status = 403, body = ErrorBody)))]
async fn export_admins(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    ApiQuery(q): ApiQuery<AdminsQuery>,
) -> ApiResult<Response> {
    let roles = parse_roles(&list(&q.roles))?;
    let mut out = Vec::new();
    state.service.export_admins(&ctx, &roles, &mut out).await?;
    Ok(crate::csv_download(
        &format!("administrators-{}.csv", ctx.org),
        out,
    ))
}

/// An access decision to ask.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AuthorizeQuery {
    #[expect(
        dead_code,
        reason = "read by `Acting`; declared here for the OpenAPI document and strict parsing"
    )]
    /// The org (default: the caller's).
    org_id: Option<String>,
    /// Whose access (default: the caller's; others need read on `roles`).
    person_id: Option<String>,
    /// The access area, e.g. `users`.
    area: String,
    /// `read` or `write`.
    level: String,
    /// The site, for per-site areas.
    site_url: Option<String>,
    /// The location, for location-scoped access.
    location_id: Option<String>,
}

/// May a person have a level in an area of an org? The answer names its rule and explains it.
#[utoipa::path(get, path = "/v1/authorize", tag = "authorize", params(AuthorizeQuery),
    responses((status = 200, body = DecisionInfo), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn authorize(
    State(state): State<AppState>,
    Acting { caller, ctx }: Acting,
    ApiQuery(q): ApiQuery<AuthorizeQuery>,
) -> ApiResult<Json<DecisionInfo>> {
    let area = rolehub_store::service::parse_area(&q.area)?;
    let level = rolehub_store::service::parse_level(&q.level)?;
    let target = match (q.site_url.as_deref(), q.location_id.as_deref()) {
        (Some(site), _) => Target::Site(site),
        (None, Some(location)) => Target::Location(location),
        (None, None) => Target::Org,
    };
    let d = match q.person_id.as_deref() {
        Some(id) if id != caller.person.view.id => {
            state
                .service
                .check_for(&ctx, id, area, level, target)
                .await?
        }
        _ => state.service.check(&ctx, area, level, target).await?,
    };
    let explanation = match d.refusal() {
        Some(r) => r.message(caller.info.lang),
        None => allowed_sentence(&d, caller.info.lang),
    };
    Ok(Json(DecisionInfo {
        allowed: d.allowed,
        rule_id: d.rule.id().into(),
        explanation,
        level_held: d.held.id().into(),
        area: d.area.id().into(),
        level: d.asked.id().into(),
    }))
}

fn allowed_sentence(d: &rolehub_domain::Decision, lang: Lang) -> String {
    let via = d.via.map(|r| r.name(lang)).unwrap_or("");
    match lang {
        Lang::En => format!(
            "Allowed: {via} gives {} to {} ({}).",
            d.held.describe(lang),
            d.area.describe(lang),
            d.rule
        ),
        Lang::Nl => format!(
            "Toegestaan: {via} geeft {} tot {} ({}).",
            d.held.describe(lang),
            d.area.describe(lang),
            d.rule
        ),
    }
}
