//! SCIM `/Users`: the org's users as SCIM resources, and the provider's changes to them through
//! the service's provisioning operations.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rolehub_domain::{quoted, Scope, Status, Text};
use rolehub_store::service::provisioning::ProvisionedUser;
use rolehub_store::service::PeopleQuery;
use rolehub_store::PersonSummary;
use serde_json::{json, Value};

use super::discovery::{CISCO_USER_SCHEMA, USER_SCHEMA};
use super::{
    boolean, check_if_match, filter, json_body, list_response, patch as scim_patch,
    resource_response, text, with_version, ListQuery, ScimCaller, ScimError, ScimResult,
};
use crate::state::AppState;
use crate::webex_ids::{role_from_webex, webex_role_name};

/// A user as a SCIM resource (without `meta.version`, which [`with_version`] seals).
fn resource(p: &PersonSummary, groups: &[(String, String)], base: &str) -> Value {
    let v = &p.person.view;
    let mut roles = Vec::new();
    let mut sites = Vec::new();
    let mut locations = Vec::new();
    for g in &p.grants {
        let value = match (&g.scope, webex_role_name(g.role.id())) {
            (Scope::Org, Some(webex)) => webex.to_string(),
            _ => g.label(),
        };
        roles.push(json!({"value": value, "type": "cirole"}));
        match &g.scope {
            Scope::Site(site) => sites.push(json!({"siteName": site, "role": g.role.id()})),
            Scope::Locations(locs) => {
                for l in locs {
                    locations.push(json!({"orgId": v.home_org, "groupId": l, "role": g.role.id()}));
                }
            }
            Scope::Org => {}
        }
    }
    let mut user = json!({
        "schemas": [USER_SCHEMA],
        "id": v.id,
        "userName": v.email,
        "active": v.status != Status::Inactive,
        "emails": [{"value": v.email, "type": "work", "primary": true}],
        "roles": roles,
        "groups": groups.iter().map(|(id, name)| json!({"value": id, "$ref": format!("{base}/Groups/{id}"), "display": name})).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "User",
            "created": p.person.created_at.to_iso(),
            "lastModified": p.person.modified_at.unwrap_or(p.person.created_at).to_iso(),
            "location": format!("{base}/Users/{}", v.id)
        }
    });
    let mut name = serde_json::Map::new();
    if !v.first.is_empty() {
        name.insert("givenName".into(), json!(v.first));
    }
    if !v.last.is_empty() {
        name.insert("familyName".into(), json!(v.last));
    }
    if !name.is_empty() {
        user["name"] = Value::Object(name);
    }
    if !sites.is_empty() || !locations.is_empty() {
        // Webex's extension: per-site and per-location administration, as the roles say.
        user["schemas"] = json!([USER_SCHEMA, CISCO_USER_SCHEMA]);
        let mut managed = serde_json::Map::new();
        if !sites.is_empty() {
            managed.insert("managedSites".into(), json!(sites));
        }
        if !locations.is_empty() {
            managed.insert("managedGroups".into(), json!(locations));
        }
        user[CISCO_USER_SCHEMA] = Value::Object(managed);
    }
    if !p.person.display_name.is_empty() {
        user["displayName"] = json!(p.person.display_name);
    }
    if let Some(external) = &p.person.external_id {
        user["externalId"] = json!(external);
    }
    with_version(user)
}

/// What a provider sends of a user, and the roles when it sends them.
fn read_user(body: &Value) -> ScimResult<(ProvisionedUser, Option<Vec<String>>)> {
    let field = |name: &str| filter::field(body, name);
    let email = text(field("userName"), "userName")?
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| {
            ScimError::value(Text::new(
                "`userName` is required: the user's email address",
                "“userName” is verplicht: het e-mailadres van de gebruiker",
            ))
        })?;
    let name = field("name");
    let sub = |key: &str| -> ScimResult<String> {
        Ok(text(
            name.and_then(|n| filter::field(n, key)),
            &format!("name.{key}"),
        )?
        .unwrap_or_default())
    };
    let user = ProvisionedUser {
        email,
        first: sub("givenName")?,
        last: sub("familyName")?,
        display_name: text(field("displayName"), "displayName")?,
        active: boolean(field("active"), "active", true)?,
        external_id: text(field("externalId"), "externalId")?,
    };
    let roles = match field("roles") {
        None => None,
        Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(role_value)
                .collect::<ScimResult<Vec<String>>>()?,
        ),
        Some(other) => {
            return Err(ScimError::value(Text::new(
                format!("`roles` is a list, not {other}"),
                format!("“roles” is een lijst, niet {other}"),
            )))
        }
    };
    Ok((user, roles))
}

/// A role as providers send it (`{"value": "id_full_admin", "type": "cirole"}`, or the bare
/// value), as the catalogue's grant label.
fn role_value(item: &Value) -> ScimResult<String> {
    let value = match item {
        Value::String(s) => s.as_str(),
        Value::Object(_) => filter::field(item, "value")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ScimError::value(Text::new(
                    "a role has a `value`",
                    "een rol hoort een “value” te hebben",
                ))
            })?,
        other => {
            return Err(ScimError::value(Text::new(
                format!("a role is an object, not {other}"),
                format!("een rol is een object, niet {other}"),
            )))
        }
    };
    Ok(role_from_webex(value)
        .map(str::to_string)
        .unwrap_or_else(|| value.trim().to_string()))
}

/// The groups of each user of the org.
async fn memberships(
    state: &AppState,
    caller: &ScimCaller,
) -> ScimResult<HashMap<String, Vec<(String, String)>>> {
    let mut out: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for g in state.service.groups(&caller.ctx).await? {
        for (person, _) in &g.members {
            out.entry(person.clone())
                .or_default()
                .push((g.id.clone(), g.display_name.clone()));
        }
    }
    Ok(out)
}

/// One user of the org as a resource; users of other orgs are not found.
async fn current(state: &AppState, caller: &ScimCaller, id: &str) -> ScimResult<Value> {
    let p = state
        .service
        .get_person(&caller.ctx, id)
        .await
        .map_err(|e| match e {
            rolehub_store::ServiceError::NotFound { .. } => not_found(id),
            other => other.into(),
        })?;
    if p.person.view.home_org != caller.ctx.org || id.contains('@') {
        return Err(not_found(id));
    }
    let groups = memberships(state, caller).await?;
    Ok(resource(
        &p,
        groups.get(&p.person.view.id).map_or(&[], Vec::as_slice),
        &caller.base,
    ))
}

fn not_found(id: &str) -> ScimError {
    ScimError::new(
        StatusCode::NOT_FOUND,
        None,
        Text::new(
            format!("no user `{id}` in this org"),
            format!("geen gebruiker {} in deze organisatie", quoted(id)),
        ),
    )
}

/// The users a filter can name at once by a key (`userName`, `id`, `externalId` equal to a
/// value), else every user of the org.
async fn candidates(
    state: &AppState,
    caller: &ScimCaller,
    f: Option<&filter::Filter>,
) -> ScimResult<Vec<PersonSummary>> {
    let ctx = &caller.ctx;
    let mut query = PeopleQuery {
        limit: 1000,
        ..PeopleQuery::default()
    };
    if let Some(f) = f {
        if let Some(email) = filter::required_equal(f, "userName") {
            query.email = Some(email.to_string());
        } else if let Some(id) = filter::required_equal(f, "id") {
            query.ids = vec![id.to_string()];
        } else if let Some(external) = filter::required_equal(f, "externalId") {
            match state.service.person_by_external_id(ctx, external).await? {
                Some(id) => query.ids = vec![id],
                None => return Ok(Vec::new()),
            }
        }
    }
    let mut out = Vec::new();
    loop {
        let page = state.service.list_people(ctx, &query).await?;
        let last = page.items.last().map(|p| p.person.view.id.clone());
        out.extend(
            page.items
                .into_iter()
                .filter(|p| p.person.view.home_org == ctx.org),
        );
        match (page.more, last) {
            (true, Some(id)) => query.after = Some(id),
            _ => break,
        }
    }
    Ok(out)
}

/// `GET /Users`: filtered (`filter`), paged (`startIndex`, `count`), attributes selected.
pub async fn list(
    State(state): State<AppState>,
    caller: ScimCaller,
    OriginalUri(uri): OriginalUri,
) -> ScimResult<Response> {
    let q = ListQuery::read(&uri)?;
    let (start, count) = q.paging()?;
    let f = q.filter()?;
    let people = candidates(&state, &caller, f.as_ref()).await?;
    let groups = memberships(&state, &caller).await?;
    let resources: Vec<Value> = people
        .iter()
        .map(|p| {
            resource(
                p,
                groups.get(&p.person.view.id).map_or(&[], Vec::as_slice),
                &caller.base,
            )
        })
        .filter(|r| f.as_ref().is_none_or(|f| filter::matches(f, r)))
        .collect();
    Ok(list_response(resources, start, count, &q.selection()))
}

/// `GET /Users/{id}`.
pub async fn one(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path((_org, id)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
) -> ScimResult<Response> {
    let q = ListQuery::read(&uri)?;
    let user = current(&state, &caller, &id).await?;
    Ok(resource_response(
        StatusCode::OK,
        user,
        Some(&q.selection()),
    ))
}

fn require_user_schema(body: &Value) -> ScimResult<()> {
    let named = filter::field(body, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter().any(|v| {
                v.as_str()
                    .is_some_and(|v| v.eq_ignore_ascii_case(USER_SCHEMA))
            })
        });
    if named {
        Ok(())
    } else {
        Err(ScimError::syntax(Text::new(
            format!("a user names the schema {USER_SCHEMA} in `schemas`"),
            format!("een gebruiker hoort het schema {USER_SCHEMA} in “schemas” te noemen"),
        )))
    }
}

/// `POST /Users`: adds the user (pending until they sign in); roles sent with them are assigned
/// in the same change, under the assignment rules.
pub async fn create(
    State(state): State<AppState>,
    caller: ScimCaller,
    body: Bytes,
) -> ScimResult<Response> {
    let body = json_body(&body)?;
    require_user_schema(&body)?;
    let (user, roles) = read_user(&body)?;
    let added = state
        .service
        .provision_new_user(&caller.ctx, &user, roles.as_deref().unwrap_or_default())
        .await?;
    let created = current(&state, &caller, &added.view.id).await?;
    Ok(resource_response(StatusCode::CREATED, created, None))
}

/// Stores a user as the provider now has them (from `PUT`, or a patched resource): `roles` left
/// out leaves the roles as they are, so a provider that does not manage roles never removes an
/// administrator by omission.
async fn store(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
    body: &Value,
    roles_removed: bool,
) -> ScimResult<Response> {
    let (user, roles) = read_user(body)?;
    let roles = roles.or_else(|| roles_removed.then(Vec::new));
    state
        .service
        .provision_user(&caller.ctx, id, &user, roles.as_deref())
        .await?;
    Ok(resource_response(
        StatusCode::OK,
        current(state, caller, id).await?,
        None,
    ))
}

/// `PUT /Users/{id}`: replaces the user (honouring `If-Match`).
pub async fn replace(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path((_org, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ScimResult<Response> {
    let body = json_body(&body)?;
    require_user_schema(&body)?;
    let before = current(&state, &caller, &id).await?;
    check_if_match(&headers, &before)?;
    store(&state, &caller, &id, &body, false).await
}

/// `PATCH /Users/{id}`: the operations applied to the user as they are, then stored as a `PUT`
/// of the result would be (honouring `If-Match`).
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
    let mut patched = before.clone();
    scim_patch::apply(&mut patched, &body)?;
    let roles_removed = filter::field(&patched, "roles").is_none();
    store(&state, &caller, &id, &patched, roles_removed).await
}

/// `DELETE /Users/{id}`: removes the user (reading A-8: with authority over their roles).
pub async fn delete(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path((_org, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ScimResult<Response> {
    let before = current(&state, &caller, &id).await?;
    check_if_match(&headers, &before)?;
    state.service.remove_user(&caller.ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
