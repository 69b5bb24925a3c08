//! `organizations` (with settings and Contact Center chat), `licenses`, `locations`, `sites`,
//! `subscriptions`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rolehub_domain::{quoted, License, Text};
use rolehub_store::service::SettingChange;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::people::{ChangeQuery, OrgQuery};
use crate::auth::{Acting, Caller};
use crate::dto::{
    Items, LicenseChangeRequest, LicenseInfo, LicenseQuantity, LocationInfo, OrgSettings,
    Organization, SiteAccount, SiteInfo, SubscriptionInfo, UserLicenses,
};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// The routes of these families.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orgs))
        .routes(routes!(get_org))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(setup_chat))
        .routes(routes!(list_licenses))
        .routes(routes!(get_license))
        .routes(routes!(change_user_licenses))
        .routes(routes!(list_locations))
        .routes(routes!(list_sites))
        .routes(routes!(list_subscriptions))
}

fn settings_out(settings: &rolehub_domain::Settings) -> OrgSettings {
    OrgSettings {
        external_readonly_ttl_days: Some(settings.external_readonly_ttl_days),
        share_with_external_admins: Some(
            settings
                .share_with_external_admins
                .to_ids()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        ),
    }
}

/// The orgs the caller administers: where some grant of theirs is in effect.
#[utoipa::path(get, path = "/v1/organizations", tag = "organizations", responses((status = 200, body = Items<Organization>), (status = 401, body = ErrorBody)))]
async fn list_orgs(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Items<Organization>>> {
    let orgs = state.service.administered_orgs(&caller.home_ctx()).await?;
    Ok(Json(Items {
        items: orgs.iter().map(Organization::of).collect(),
    }))
}

/// One org the caller administers.
#[utoipa::path(get, path = "/v1/organizations/{id}", tag = "organizations", params(("id" = String, Path, description = "Org id")),
    responses((status = 200, body = Organization), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_org(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Organization>> {
    let ctx = caller.acting(&state, Some(&id), None).await?;
    Ok(Json(Organization::of(&state.service.org(&ctx).await?)))
}

/// The org's settings (needs read on `org_settings`).
#[utoipa::path(get, path = "/v1/organizations/{id}/settings", tag = "organizations", params(("id" = String, Path, description = "Org id")),
    responses((status = 200, body = OrgSettings), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OrgSettings>> {
    let ctx = caller.acting(&state, Some(&id), None).await?;
    Ok(Json(settings_out(&state.service.settings(&ctx).await?)))
}

/// Changes the org's settings given (needs write on `org_settings`), in one change.
#[utoipa::path(put, path = "/v1/organizations/{id}/settings", tag = "organizations", params(("id" = String, Path, description = "Org id"), ChangeQuery), request_body = OrgSettings,
    responses((status = 200, body = OrgSettings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ChangeQuery>,
    ApiJson(body): ApiJson<OrgSettings>,
) -> ApiResult<Json<OrgSettings>> {
    let ctx = caller.acting(&state, Some(&id), q.dry_run).await?;
    let mut changes = Vec::new();
    if let Some(days) = body.external_readonly_ttl_days {
        changes.push(SettingChange::parse(
            "external_readonly_ttl_days",
            &serde_json::json!(days),
        )?);
    }
    if let Some(fields) = &body.share_with_external_admins {
        changes.push(SettingChange::parse(
            "share_with_external_admins",
            &serde_json::json!(fields),
        )?);
    }
    if changes.is_empty() {
        return Err(ApiError::bad_request(
            "body",
            Text::new(
                "name at least one setting: externalReadonlyTtlDays, shareWithExternalAdmins",
                "noem minstens één instelling: externalReadonlyTtlDays, shareWithExternalAdmins",
            ),
        ));
    }
    state.service.set_settings(&ctx, &changes).await?;
    let mut settings = settings_out(&state.service.settings(&ctx).await?);
    if ctx.dry_run {
        // Nothing was written: answer the settings as the change would leave them.
        for change in &changes {
            match change {
                SettingChange::ExternalReadonlyTtlDays(days) => {
                    settings.external_readonly_ttl_days = Some(*days);
                }
                SettingChange::ShareWithExternalAdmins(set) => {
                    settings.share_with_external_admins = Some(
                        set.to_ids()
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect(),
                    );
                }
                // Not among this endpoint's fields; set in the console's sign-in settings.
                SettingChange::MfaRequired(_) => {}
            }
        }
    }
    Ok(Json(settings))
}

/// Sets up Contact Center chat (internal full administrators only, R-CC-4).
#[utoipa::path(post, path = "/v1/organizations/{id}/contactCenter/chat", tag = "organizations", params(("id" = String, Path, description = "Org id"), ChangeQuery),
    responses((status = 204, description = "Chat is set up"), (status = 200, description = "Dry run"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn setup_chat(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ChangeQuery>,
) -> ApiResult<StatusCode> {
    let ctx = caller.acting(&state, Some(&id), q.dry_run).await?;
    state.service.setup_chat(&ctx).await?;
    Ok(if ctx.dry_run {
        StatusCode::OK
    } else {
        StatusCode::NO_CONTENT
    })
}

/// A license's name as Control Hub shows it (`Webex Calling`, `Webex Meetings host (acme.webex.com)`):
/// the domain's names, the same in refusals.
pub fn license_name(id: &str) -> String {
    License::name_of(id)
}

/// The org's licenses with total and consumed units (needs read on `account`).
#[utoipa::path(get, path = "/v1/licenses", tag = "licenses", params(OrgQuery),
    responses((status = 200, body = Items<LicenseInfo>), (status = 403, body = ErrorBody)))]
async fn list_licenses(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    ApiQuery(_query): ApiQuery<OrgQuery>,
) -> ApiResult<Json<Items<LicenseInfo>>> {
    let usage = state.service.license_usage(&ctx).await?;
    Ok(Json(Items {
        items: usage.into_iter().map(license_info).collect(),
    }))
}

/// One license of the org (needs read on `account`).
#[utoipa::path(get, path = "/v1/licenses/{id}", tag = "licenses", params(("id" = String, Path, description = "License id"), OrgQuery),
    responses((status = 200, body = LicenseInfo), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_license(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    Path(id): Path<String>,
    ApiQuery(_query): ApiQuery<OrgQuery>,
) -> ApiResult<Json<LicenseInfo>> {
    let wanted = License::from_id(&id).map(|l| l.id());
    let usage = state.service.license_usage(&ctx).await?;
    usage
        .into_iter()
        .find(|u| Some(&u.license) == wanted.as_ref())
        .map(|u| Json(license_info(u)))
        .ok_or_else(|| ApiError::not_found(Text::new("license", "de licentie")))
}

fn license_info(u: rolehub_store::LicenseUsage) -> LicenseInfo {
    let site_url = match License::from_id(&u.license) {
        Some(License::MeetingsHost(site)) => Some(site),
        _ => None,
    };
    LicenseInfo {
        name: license_name(&u.license),
        id: u.license,
        total_units: u.total,
        consumed_units: u.used,
        site_url,
    }
}

/// Gives and takes licenses of one user, in one change (R-LIC-1, R-CCSA-2, R-CCSA-8), and answers
/// the licenses they hold afterwards (with `dryRun`: would hold), as Webex does.
#[utoipa::path(patch, path = "/v1/licenses/users", tag = "licenses", params(ChangeQuery), request_body = LicenseChangeRequest,
    responses((status = 200, body = UserLicenses), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_user_licenses(
    State(state): State<AppState>,
    acting: Acting,
    ApiQuery(_query): ApiQuery<ChangeQuery>,
    ApiJson(body): ApiJson<LicenseChangeRequest>,
) -> ApiResult<Json<UserLicenses>> {
    let Acting { ctx, .. } = acting.in_org(&state, body.org_id.as_deref()).await?;
    let key = match (&body.email, &body.person_id) {
        (Some(e), _) => e.clone(),
        (None, Some(id)) => id.clone(),
        (None, None) => {
            return Err(ApiError::bad_request(
                "email",
                Text::new(
                    "name the user by `email` or `personId`",
                    "noem de gebruiker met “email” of “personId”",
                ),
            ))
        }
    };
    let operation = |field: String, op: &str| match op {
        "add" => Ok(true),
        "remove" => Ok(false),
        other => Err(ApiError::from(rolehub_store::ServiceError::invalid(
            field,
            Text::new(
                format!(
                    "{} is not {} or {}",
                    quoted(other),
                    quoted("add"),
                    quoted("remove")
                ),
                format!(
                    "{} is niet {} of {}",
                    quoted(other),
                    quoted("add"),
                    quoted("remove")
                ),
            ),
        ))),
    };
    let mut changes = Vec::with_capacity(body.licenses.len() + body.site_urls.len());
    let mut locations = Vec::new();
    for (i, op) in body.licenses.iter().enumerate() {
        changes.push((
            op.id.clone(),
            operation(format!("licenses[{i}].operation"), &op.operation)?,
        ));
        if let Some(location) = op.properties.as_ref().and_then(|p| p.location_id.clone()) {
            locations.push(location);
        }
    }
    for (i, site) in body.site_urls.iter().enumerate() {
        if site.account_type != "host" {
            let (kind, host) = (quoted(&site.account_type), quoted("host"));
            return Err(rolehub_store::ServiceError::invalid(
                format!("siteUrls[{i}].accountType"),
                Text::new(
                    format!("{kind} accounts are not kept by Rolehub; {host} gives or takes the site's host license"),
                    format!("accounts van het type {kind} houdt Rolehub niet bij; {host} geeft of neemt de hostlicentie van de site"),
                ),
            )
            .into());
        }
        changes.push((
            License::MeetingsHost(site.site_url.trim().to_ascii_lowercase()).id(),
            operation(format!("siteUrls[{i}].operation"), &site.operation)?,
        ));
    }
    if !locations.is_empty() {
        let known = state.service.locations(&ctx).await?;
        if let Some(unknown) = locations.iter().find(|l| !known.contains(l)) {
            return Err(rolehub_store::ServiceError::not_found(
                rolehub_store::Thing::Location,
                unknown.clone(),
            )
            .into());
        }
    }
    // The person is read first (the caller needs read on them, as before), and the licenses held
    // afterwards come from the change itself: read after it, the answer could be refused by then
    // (the caller's own roles changed meanwhile) for a change that was made.
    let person = state.service.get_person(&ctx, &key).await?;
    let held = state.service.change_licenses(&ctx, &key, &changes).await?;
    let site_urls = held
        .iter()
        .filter_map(|id| match License::from_id(id) {
            Some(License::MeetingsHost(site)) => Some(SiteAccount {
                site_url: site,
                account_type: "host".into(),
            }),
            _ => None,
        })
        .collect();
    Ok(Json(UserLicenses {
        org_id: ctx.org.clone(),
        person_id: person.person.view.id.clone(),
        email: person.person.view.email.clone(),
        licenses: held,
        site_urls,
    }))
}

/// The org's locations (with read on `locations` or `users`; a location administrator's own).
#[utoipa::path(get, path = "/v1/locations", tag = "locations", params(OrgQuery), responses((status = 200, body = Items<LocationInfo>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_locations(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    ApiQuery(_query): ApiQuery<OrgQuery>,
) -> ApiResult<Json<Items<LocationInfo>>> {
    Ok(Json(Items {
        items: state
            .service
            .locations(&ctx)
            .await?
            .iter()
            .map(|l| LocationInfo {
                id: l.clone(),
                name: l.clone(),
            })
            .collect(),
    }))
}

/// The org's Meetings sites (with read on `sites`; a site role's own sites, R-SITE-2).
#[utoipa::path(get, path = "/v1/sites", tag = "sites", params(OrgQuery), responses((status = 200, body = Items<SiteInfo>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_sites(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    ApiQuery(_query): ApiQuery<OrgQuery>,
) -> ApiResult<Json<Items<SiteInfo>>> {
    Ok(Json(Items {
        items: state
            .service
            .sites(&ctx)
            .await?
            .iter()
            .map(|s| SiteInfo {
                url: s.url.clone(),
                managed_by: s.managed_by.id().into(),
            })
            .collect(),
    }))
}

/// The org's subscriptions (needs read on `account`, R-CCSA-8).
#[utoipa::path(get, path = "/v1/subscriptions", tag = "subscriptions", params(OrgQuery), responses((status = 200, body = Items<SubscriptionInfo>), (status = 403, body = ErrorBody)))]
async fn list_subscriptions(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    ApiQuery(_query): ApiQuery<OrgQuery>,
) -> ApiResult<Json<Items<SubscriptionInfo>>> {
    let subs = state.service.subscriptions(&ctx).await?;
    Ok(Json(Items {
        items: subs
            .into_iter()
            .map(|s| SubscriptionInfo {
                id: s.id,
                seller_org_id: s.seller,
                trial: s.trial,
                created: s.created_at.to_iso(),
                licenses: s
                    .licenses
                    .into_iter()
                    .map(|(id, quantity)| LicenseQuantity { id, quantity })
                    .collect(),
            })
            .collect(),
    }))
}
