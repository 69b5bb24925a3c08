//! `people`: list, get, me, create, update (full replacement), delete.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rolehub_domain::{quoted, Lang, License, Role, Status, Text};
use rolehub_store::service::NewUser;
use rolehub_store::Ctx;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Acting, Caller};
use crate::dto::{Items, NewPerson, Person, PersonUpdate};
use crate::error::{ApiError, ApiResult, ErrorBody, Problem};
use crate::extract::{list, ApiJson, ApiQuery};
use crate::paging;
use crate::state::AppState;

/// The routes of this family.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_people, create_person))
        .routes(routes!(me))
        .routes(routes!(get_person, update_person, delete_person))
}

/// Filters of the people list.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    #[expect(
        dead_code,
        reason = "read by `Acting`; declared here for the OpenAPI document and strict parsing"
    )]
    /// The org (default: the caller's).
    org_id: Option<String>,
    /// Exact email.
    email: Option<String>,
    /// Display name prefix.
    display_name: Option<String>,
    /// Comma-separated person ids.
    id: Option<String>,
    /// Comma-separated role ids: only holders of one of them, internal and external (R-LIST-1).
    roles: Option<String>,
    /// Location id.
    location_id: Option<String>,
    /// `active`, `pending` or `inactive`.
    status: Option<String>,
    /// Page size (at most 1000).
    max: Option<i64>,
    /// The cursor from the `Link` header.
    after: Option<String>,
}

/// The org and dry-run switch of a change.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangeQuery {
    /// The org (default: the caller's).
    pub org_id: Option<String>,
    /// Check everything and answer as if done, changing nothing.
    pub dry_run: Option<bool>,
}

/// The org of a read.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrgQuery {
    /// The org (default: the caller's).
    pub org_id: Option<String>,
}

/// Parses role ids.
pub fn parse_roles(ids: &[String]) -> ApiResult<Vec<Role>> {
    ids.iter()
        .map(|id| {
            Role::from_id(id).ok_or_else(|| {
                ApiError::bad_request(
                    "roles",
                    Text::new(
                        format!("`{id}` is not a role id; see /v1/roles"),
                        format!("{} is geen rol-id; zie /v1/roles", quoted(id)),
                    ),
                )
            })
        })
        .collect()
}

/// Lists people of an org.
#[utoipa::path(get, path = "/v1/people", tag = "people", params(PeopleQuery),
    responses((status = 200, body = Items<Person>, description = "A page of people; `Link: rel=next` while more remain"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_people(
    State(state): State<AppState>,
    Acting { caller, ctx }: Acting,
    ApiQuery(q): ApiQuery<PeopleQuery>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Response> {
    let limit = paging::page_size(q.max, 100, 1000);
    let status = match &q.status {
        Some(s) => Some(Status::from_id(s).ok_or_else(|| {
            ApiError::bad_request(
                "status",
                Text::new(
                    format!("`{s}` is not `active`, `pending` or `inactive`"),
                    format!("{} is niet “active”, “pending” of “inactive”", quoted(s)),
                ),
            )
        })?),
        None => None,
    };
    let query = rolehub_store::service::PeopleQuery {
        email: q.email.clone(),
        display_name: q.display_name.clone(),
        ids: list(&q.id),
        roles: parse_roles(&list(&q.roles))?,
        location: q.location_id.clone(),
        status,
        after: crate::extract::cursor(&q.after)?,
        limit,
    };
    let page = state
        .service
        .list_people(&ctx, &query)
        .await
        .map_err(|e| match e {
            rolehub_store::ServiceError::Invalid { field, .. }
                if field.get(Lang::En) == "after" =>
            {
                ApiError::bad_cursor()
            }
            other => other.into(),
        })?;
    let items: Vec<Person> = page
        .items
        .iter()
        .map(|p| Person::from_summary(p, caller.info.lang))
        .collect();
    let mut response = Json(Items { items }).into_response();
    if page.more {
        if let Some(last) = page.items.last() {
            paging::link_next(
                response.headers_mut(),
                &uri,
                &paging::encode(&last.person.view.id),
            );
        }
    }
    Ok(response)
}

async fn one(state: &AppState, caller: &Caller, ctx: &Ctx, id: &str) -> ApiResult<Person> {
    let p = state.service.get_person(ctx, id).await?;
    Ok(Person::from_summary(&p, caller.info.lang))
}

/// The caller.
#[utoipa::path(get, path = "/v1/people/me", tag = "people", params(OrgQuery),
    responses((status = 200, body = Person), (status = 401, body = ErrorBody)))]
async fn me(
    State(state): State<AppState>,
    Acting { caller, ctx }: Acting,
    ApiQuery(_query): ApiQuery<OrgQuery>,
) -> ApiResult<Json<Person>> {
    Ok(Json(
        one(&state, &caller, &ctx, &caller.person.view.id.clone()).await?,
    ))
}

/// One person of the org.
#[utoipa::path(get, path = "/v1/people/{id}", tag = "people", params(("id" = String, Path, description = "Person id"), OrgQuery),
    responses((status = 200, body = Person), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_person(
    State(state): State<AppState>,
    Acting { caller, ctx }: Acting,
    Path(id): Path<String>,
    ApiQuery(_query): ApiQuery<OrgQuery>,
) -> ApiResult<Json<Person>> {
    Ok(Json(one(&state, &caller, &ctx, &id).await?))
}

/// Adds a user to the org: pending, invited by mail. Adding gives no role (R-NEW-1); `roles` given
/// are assignments by the caller in the same change, under the assignment rules, refused as a
/// whole. Answers 200 with the person, as Webex does.
#[utoipa::path(post, path = "/v1/people", tag = "people", params(ChangeQuery), request_body = NewPerson,
    responses((status = 200, body = Person, description = "The person added; with `dryRun`, the person as they would be added (no id: nothing was created)"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_person(
    State(state): State<AppState>,
    acting: Acting,
    ApiQuery(_query): ApiQuery<ChangeQuery>,
    ApiJson(body): ApiJson<NewPerson>,
) -> ApiResult<Response> {
    let Acting { caller, ctx } = acting.in_org(&state, body.org_id.as_deref()).await?;
    // Webex takes a list, of one address: more would be silently dropped, so they are refused.
    let [email] = body.emails.as_slice() else {
        return Err(ApiError::bad_request(
            "emails",
            Text::new("give one email address", "geef één e-mailadres"),
        ));
    };
    let added = state
        .service
        .add_user(
            &ctx,
            &NewUser {
                email: email.clone(),
                first: body.first_name,
                last: body.last_name,
                location: body.location_id,
                display_name: body.display_name,
                licenses: body.licenses.unwrap_or_default(),
                roles: body.roles.unwrap_or_default(),
            },
        )
        .await?;
    if ctx.dry_run {
        // Nothing was created: the answer carries no id a client could look up.
        let summary = rolehub_store::PersonSummary {
            person: added,
            grants: vec![],
            licenses: vec![],
            external: false,
            expired: vec![],
        };
        return Ok(
            Json(Person::from_summary(&summary, caller.info.lang).preview()).into_response(),
        );
    }
    Ok(Json(one(&state, &caller, &ctx, &added.view.id).await?).into_response())
}

/// Replaces a user's editable fields; `licenses` and `roles` given are the full sets held
/// afterwards. The fields are checked as one CSV row would be (R-CSV-2, R-CCSA-10, R-LIC-1,
/// R-CCSA-2, R-ASSIGN-3), the roles as one set of role changes under the role rules; all in one
/// change, refused as a whole.
#[utoipa::path(put, path = "/v1/people/{id}", tag = "people", params(("id" = String, Path, description = "Person id"), ChangeQuery), request_body = PersonUpdate,
    responses((status = 200, body = Person, description = "The person afterwards (with `dryRun`: as they would be)"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`emails` names another address: the email is the user's key"), (status = 422, body = ErrorBody)))]
async fn update_person(
    State(state): State<AppState>,
    acting: Acting,
    Path(id): Path<String>,
    ApiQuery(_query): ApiQuery<ChangeQuery>,
    ApiJson(body): ApiJson<PersonUpdate>,
) -> ApiResult<Json<Person>> {
    let Acting { caller, ctx } = acting.in_org(&state, body.org_id.as_deref()).await?;
    let p = state.service.get_person(&ctx, &id).await?;
    if p.person.view.home_org != ctx.org {
        return Err(ApiError::not_found(Text::new("person", "de persoon")));
    }
    if let Some(emails) = &body.emails {
        let own = emails.len() == 1 && emails[0].trim().eq_ignore_ascii_case(&p.person.view.email);
        // An email withheld from the caller (R-EXT-10) cannot be sent back: theirs is not asked.
        let withheld = p
            .person
            .view
            .email
            .starts_with(rolehub_store::service::masking::HIDDEN);
        if !own && !withheld {
            // The key cannot change: a conflict with the person as they are.
            return Err(ApiError::Plain {
                status: StatusCode::CONFLICT,
                message: Text::new(
                    "A user's email is their key and is not changed here; give their own address, or leave `emails` out. (R-CSV-2)",
                    "Het e-mailadres van een gebruiker is de sleutel en wordt hier niet gewijzigd; geef het eigen adres, of laat “emails” weg. (R-CSV-2)",
                ),
                errors: vec![Problem {
                    description: Text::new(
                        "the email cannot be changed (R-CSV-2)",
                        "het e-mailadres kan niet worden gewijzigd (R-CSV-2)",
                    ),
                    rule_id: Some("R-CSV-2".into()),
                    field: Some(Text::same("emails")),
                }],
                retry_after: None,
            });
        }
    }
    let cells = update_cells(&body, &p.licenses)?;
    let (report, replaced) = state
        .service
        .update_person(
            &ctx,
            &p.person.view.id,
            &rolehub_store::service::PersonChange {
                cells,
                roles: body.roles.clone(),
                external_id: None,
            },
        )
        .await?;
    if let Some(first) = report.errors.first() {
        let status = if report.errors.iter().any(|e| e.rule.id() != "R-CSV-2") {
            StatusCode::FORBIDDEN
        } else if report
            .errors
            .iter()
            .all(|e| e.column.as_deref() == Some("Location"))
        {
            // A location the org does not have is a reference to nothing: not found.
            StatusCode::NOT_FOUND
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return Err(ApiError::Plain {
            status,
            message: first.message.clone(),
            errors: report
                .errors
                .iter()
                .map(|e| Problem {
                    description: e.message.clone(),
                    rule_id: Some(e.rule.id().into()),
                    field: e.column.clone().map(Text::same),
                })
                .collect(),
            retry_after: None,
        });
    }
    if ctx.dry_run {
        // Nothing was written: answer the person as the change would leave them.
        return Ok(Json(preview_update(p, &body, replaced, caller.info.lang)));
    }
    match one(&state, &caller, &ctx, &id).await {
        Ok(person) => Ok(Json(person)),
        // The change is made. Another administrator may have taken the caller's read of this
        // person since (a concurrent role change): the change is not refused after the fact, and
        // the answer is the person as this change left them.
        Err(_) => Ok(Json(preview_update(p, &body, replaced, caller.info.lang))),
    }
}

/// The template columns a `PUT /people/{id}` body changes: names, status, location, and every
/// license the user holds or is to hold (`TRUE` when wanted, `FALSE` otherwise).
fn update_cells(body: &PersonUpdate, held: &[String]) -> ApiResult<Vec<(String, String)>> {
    let mut cells: Vec<(String, String)> = Vec::new();
    let mut put = |column: &str, value: &Option<String>| {
        if let Some(v) = value {
            cells.push((column.to_string(), v.clone()));
        }
    };
    put("First Name", &body.first_name);
    put("Last Name", &body.last_name);
    put("Display Name", &body.display_name);
    put("Status", &body.status);
    put("Location", &body.location_id);
    if let Some(wanted) = &body.licenses {
        let mut wanted_licenses = Vec::with_capacity(wanted.len());
        for id in wanted {
            wanted_licenses.push(License::from_id(id).ok_or_else(|| {
                ApiError::from(rolehub_store::ServiceError::invalid(
                    "licenses",
                    Text::new(
                        format!("{} is not a license", quoted(id)),
                        format!("{} is geen licentie", quoted(id)),
                    ),
                ))
            })?);
        }
        let mut all: Vec<License> = held.iter().filter_map(|id| License::from_id(id)).collect();
        all.extend(wanted_licenses.iter().cloned());
        all.sort_by_key(License::id);
        all.dedup();
        for license in all {
            let on = wanted_licenses.contains(&license);
            cells.push((
                license.csv_column(),
                if on { "TRUE".into() } else { "FALSE".into() },
            ));
        }
    }
    Ok(cells)
}

/// The person a dry-run `PUT` would leave: the fields and sets asked for over the current ones.
fn preview_update(
    mut p: rolehub_store::PersonSummary,
    body: &PersonUpdate,
    replaced: Option<rolehub_store::service::RolesReplaced>,
    lang: rolehub_domain::Lang,
) -> Person {
    if let Some(wanted) = &body.licenses {
        let mut ids: Vec<String> = wanted
            .iter()
            .filter_map(|id| License::from_id(id).map(|l| l.id()))
            .collect();
        ids.sort();
        ids.dedup();
        p.licenses = ids;
    }
    if let Some(replaced) = replaced {
        p.grants.retain(|g| !replaced.removed.contains(&g.label()));
        for label in &replaced.added {
            if let Some((role, site, locations)) = rolehub_domain::parse_grant_label(label) {
                let scope = match (site, role.scope_kind()) {
                    (Some(site), _) => rolehub_domain::Scope::Site(site),
                    (None, rolehub_domain::ScopeKind::Locations) => {
                        rolehub_domain::Scope::Locations(locations)
                    }
                    (None, _) => rolehub_domain::Scope::Org,
                };
                p.grants.push(rolehub_domain::Grant {
                    id: String::new(),
                    role,
                    scope,
                    granted_at: rolehub_domain::Timestamp(0),
                    expires_at: None,
                });
            }
        }
        p.grants.sort_by_key(|g| g.label());
    }
    let mut person = Person::from_summary(&p, lang);
    if let Some(v) = &body.first_name {
        person.first_name = v.trim().to_string();
    }
    if let Some(v) = &body.last_name {
        person.last_name = v.trim().to_string();
    }
    if let Some(v) = &body.display_name {
        person.display_name = v.trim().to_string();
    }
    if let Some(v) = &body.status {
        person.status = v.trim().to_lowercase();
    }
    if let Some(v) = &body.location_id {
        person.location_id = Some(v.clone());
    }
    person
}

/// Removes a user from the org, with their grants and licenses.
#[utoipa::path(delete, path = "/v1/people/{id}", tag = "people", params(("id" = String, Path, description = "Person id"), ChangeQuery),
    responses((status = 204, description = "Removed"), (status = 200, description = "Dry run: would be removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_person(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    Path(id): Path<String>,
    ApiQuery(_query): ApiQuery<ChangeQuery>,
) -> ApiResult<StatusCode> {
    // Reading the person first answers 403/404 as a read would, before the change is tried.
    let p = state.service.get_person(&ctx, &id).await?;
    state.service.remove_user(&ctx, &p.person.view.id).await?;
    Ok(if ctx.dry_run {
        StatusCode::OK
    } else {
        StatusCode::NO_CONTENT
    })
}
