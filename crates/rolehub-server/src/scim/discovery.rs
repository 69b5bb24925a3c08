//! What the SCIM interface offers, as clients discover it: `ServiceProviderConfig`,
//! `ResourceTypes` and `Schemas` (RFC 7643, sections 5 to 7). The schemas declare exactly the
//! attributes Rolehub keeps, with their mutability, so that a client sends what is taken and
//! reads back what it sent.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rolehub_domain::{quoted, Text};
use serde_json::{json, Value};

use super::{scim_json, ScimCaller, ScimError, ScimResult, LIST_SCHEMA};

/// The core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Cisco's Webex identity extension of the User.
pub const CISCO_USER_SCHEMA: &str = "urn:scim:schemas:extension:cisco:webexidentity:2.0:User";

/// The role values suggested to providers: Webex's names of the org roles a user may hold alone.
/// Every role of the catalogue is taken (by its id, or as `role@site`, `location_admin@loc1+loc2`).
pub const SUGGESTED_ROLES: [&str; 5] = [
    "id_full_admin",
    "id_readonly_admin",
    "id_user_admin",
    "id_device_admin",
    "id_supportadmin",
];

fn attribute(name: &str, kind: &str, mutability: &str, description: &str) -> Value {
    json!({
        "name": name, "type": kind, "multiValued": false, "description": description,
        "required": false, "caseExact": false, "mutability": mutability,
        "returned": "default", "uniqueness": "none"
    })
}

fn complex(
    name: &str,
    multi: bool,
    mutability: &str,
    description: &str,
    subs: Vec<Value>,
) -> Value {
    let mut a = attribute(name, "complex", mutability, description);
    a["multiValued"] = json!(multi);
    a["subAttributes"] = json!(subs);
    a
}

fn with(mut a: Value, key: &str, value: Value) -> Value {
    a[key] = value;
    a
}

fn user_schema() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "A user of the organization; its email is its key.",
        "attributes": [
            with(with(with(attribute("userName", "string", "readWrite",
                "The user's email address: their key in the org, unique, compared without case."),
                "required", json!(true)), "uniqueness", json!("server")), "returned", json!("always")),
            complex("name", false, "readWrite", "The user's names.", vec![
                attribute("givenName", "string", "readWrite", "First name."),
                attribute("familyName", "string", "readWrite", "Last name."),
            ]),
            attribute("displayName", "string", "readWrite", "The name shown for the user."),
            with(attribute("active", "boolean", "readWrite",
                "Whether the user may sign in; false deactivates them (R-AUTH-3). Always known, so required."),
                "required", json!(true)),
            complex("emails", true, "readOnly", "The user's email: their userName.", vec![
                attribute("value", "string", "readOnly", "The address."),
                with(attribute("type", "string", "readOnly", "Always `work`."), "canonicalValues", json!(["work"])),
                attribute("primary", "boolean", "readOnly", "Always true."),
            ]),
            complex("roles", true, "readWrite",
                "Every admin role the user holds in the org: Webex's role ids (`id_full_admin`) or the \
                 catalogue's, with a site or locations for scoped roles (`site_admin@acme.webex.com`, \
                 `location_admin@amsterdam+rotterdam`). A change is one set of role changes under the \
                 org's rules, refused as a whole with the rule id.", vec![
                with(attribute("value", "string", "readWrite", "The role."), "canonicalValues", json!(SUGGESTED_ROLES)),
                with(attribute("type", "string", "readWrite", "Always `cirole`."), "canonicalValues", json!(["cirole"])),
            ]),
            complex("groups", true, "readOnly", "The groups the user is a member of.", vec![
                attribute("value", "string", "readOnly", "The group's id."),
                with(with(attribute("$ref", "reference", "readOnly", "The group."), "referenceTypes", json!(["Group"])), "caseExact", json!(true)),
                attribute("display", "string", "readOnly", "The group's name."),
            ]),
        ],
        "meta": {"resourceType": "Schema", "location": format!("/Schemas/{USER_SCHEMA}")}
    })
}

fn cisco_user_schema() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": CISCO_USER_SCHEMA,
        "name": "WebexIdentityUser",
        "description": "Webex's extension, read-only here: what the user administers per site and per location, as their roles say (shown only for users who do; changed through `roles`).",
        "attributes": [
            complex("managedSites", true, "readOnly", "The Meetings sites the user administers (from their site roles).", vec![
                with(attribute("siteName", "string", "readOnly", "The site."), "caseExact", json!(true)),
                attribute("role", "string", "readOnly", "The site role."),
            ]),
            complex("managedGroups", true, "readOnly", "The locations the user administers (from the location administrator role).", vec![
                attribute("orgId", "string", "readOnly", "The org."),
                attribute("groupId", "string", "readOnly", "The location."),
                attribute("role", "string", "readOnly", "`location_admin`."),
            ]),
        ],
        "meta": {"resourceType": "Schema", "location": format!("/Schemas/{CISCO_USER_SCHEMA}")}
    })
}

fn group_schema() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "A group of the org's users; a full administrator may link it to a role, which its members then hold.",
        "attributes": [
            with(with(attribute("displayName", "string", "readWrite", "The group's name, unique in the org."),
                "required", json!(true)), "uniqueness", json!("server")),
            complex("members", true, "readWrite", "The users in the group.", vec![
                with(attribute("value", "string", "immutable", "The user's id."), "caseExact", json!(true)),
                with(with(attribute("$ref", "reference", "immutable", "The user."), "referenceTypes", json!(["User"])), "caseExact", json!(true)),
                with(attribute("type", "string", "immutable", "`User`."), "canonicalValues", json!(["User"])),
            ]),
        ],
        "meta": {"resourceType": "Schema", "location": format!("/Schemas/{GROUP_SCHEMA}")}
    })
}

fn all_schemas() -> Vec<Value> {
    vec![user_schema(), cisco_user_schema(), group_schema()]
}

fn resource_type_list(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User", "name": "User", "endpoint": "/Users",
            "description": "The org's users",
            "schema": USER_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")}
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group", "name": "Group", "endpoint": "/Groups",
            "description": "The org's groups",
            "schema": GROUP_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")}
        }),
    ]
}

fn list(items: Vec<Value>) -> Response {
    scim_json(
        StatusCode::OK,
        &json!({"schemas": [LIST_SCHEMA], "totalResults": items.len(), "itemsPerPage": items.len(), "startIndex": 1, "Resources": items}),
        HeaderMap::new(),
    )
}

/// `GET /ServiceProviderConfig`.
pub async fn service_provider_config(caller: ScimCaller) -> Response {
    scim_json(
        StatusCode::OK,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": 1000},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": true},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "SCIM token",
                "description": "A token with the `scim` scope, created by a full administrator of the org: `Authorization: Bearer <token>`.",
                "primary": true
            }],
            "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{}/ServiceProviderConfig", caller.base)}
        }),
        HeaderMap::new(),
    )
}

/// `GET /ResourceTypes`.
pub async fn resource_types(caller: ScimCaller) -> Response {
    list(resource_type_list(&caller.base))
}

/// `GET /ResourceTypes/{id}`.
pub async fn resource_type(
    caller: ScimCaller,
    Path((_org, id)): Path<(String, String)>,
) -> ScimResult<Response> {
    resource_type_list(&caller.base)
        .into_iter()
        .find(|t| t["id"] == id.as_str())
        .map(|t| scim_json(StatusCode::OK, &t, HeaderMap::new()))
        .ok_or_else(|| {
            ScimError::new(
                StatusCode::NOT_FOUND,
                None,
                Text::new(
                    format!("no resource type `{id}`"),
                    format!("geen resourcetype {}", quoted(&id)),
                ),
            )
        })
}

/// `GET /Schemas`.
pub async fn schemas(_caller: ScimCaller) -> Response {
    list(all_schemas())
}

/// `GET /Schemas/{id}`.
pub async fn schema(
    _caller: ScimCaller,
    Path((_org, id)): Path<(String, String)>,
) -> ScimResult<Response> {
    all_schemas()
        .into_iter()
        .find(|s| s["id"] == id.as_str())
        .map(|s| scim_json(StatusCode::OK, &s, HeaderMap::new()))
        .ok_or_else(|| {
            ScimError::new(
                StatusCode::NOT_FOUND,
                None,
                Text::new(
                    format!("no schema `{id}`"),
                    format!("geen schema {}", quoted(&id)),
                ),
            )
        })
}
