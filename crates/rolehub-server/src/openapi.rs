//! The error answers every operation may give, written into the OpenAPI document once, so that
//! the document lists every status the server answers (a checker that compares them, such as
//! schemathesis, finds none undocumented) without each route repeating them.

use serde_json::{json, Value};
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, ResponseBuilder};

/// Statuses any operation may answer, with what they mean here.
const COMMON: [(&str, &str); 8] = [
    (
        "400",
        "A parameter or the body cannot be read; `errors[].field` names it",
    ),
    (
        "401",
        "No valid credentials: send `Authorization: Bearer <token>` or a session cookie",
    ),
    (
        "403",
        "Refused by a rule (`ruleId` names it) or by the permission matrix",
    ),
    (
        "404",
        "Not found, or not visible to the caller (other organizations' ids answer the same)",
    ),
    (
        "409",
        "Conflicts with the current state, or another change held the organization; try again",
    ),
    (
        "422",
        "A value is out of range or malformed; `errors[].field` names it",
    ),
    (
        "429",
        "Too many attempts; `Retry-After` says when to try again",
    ),
    (
        "503",
        "The database or another part the service needs is unavailable; try again",
    ),
];

/// Statuses of operations that take a body.
const WITH_BODY: [(&str, &str); 2] = [
    ("413", "The body is larger than the server takes (settings `server.json_limit_bytes`, `server.csv_limit_bytes`)"),
    ("415", "The body's `Content-Type` is not the one the operation takes"),
];

/// Adds the common error answers to every operation that does not document them itself.
pub fn document_errors(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            add(op);
        }
    }
}

fn add(op: &mut Operation) {
    let with_body = op.request_body.is_some();
    let statuses = COMMON.iter().chain(WITH_BODY.iter().filter(|_| with_body));
    for (status, description) in statuses {
        op.responses
            .responses
            .entry((*status).to_string())
            .or_insert_with(|| {
                ResponseBuilder::new()
                    .description(*description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build()
                    .into()
            });
    }
}

/// Every text the API takes refuses the NUL character (PostgreSQL can neither store nor compare
/// it): says so in the document, as a pattern on each free-text string of the parameters and
/// bodies, so that the document and the server agree on what is valid.
pub fn refuse_nul_in_text(doc: &mut Value) {
    match doc {
        serde_json::Value::Object(map) => {
            let is_string = match map.get("type") {
                Some(serde_json::Value::String(t)) => t == "string",
                Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                _ => false,
            };
            let free = !map.contains_key("pattern")
                && !map.contains_key("enum")
                && !map.contains_key("const")
                && !map.contains_key("format");
            if is_string && free {
                map.insert(
                    "pattern".into(),
                    serde_json::Value::String("^[^\\u0000]*$".into()),
                );
            }
            for value in map.values_mut() {
                refuse_nul_in_text(value);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(refuse_nul_in_text),
        _ => {}
    }
}

/// A pattern for an email address as the service takes one (`validate_email`): a local part and a
/// domain with a dot inside, without spaces, commas, quotes; written for visible ASCII.
const EMAIL: &str =
    r#"^[!#-+\--?A-~]+@[!#-+\-/-?A-~][!#-+\--?A-~]*\.[!#-+\--?A-~]*[!#-+\-/-?A-~]$"#;

fn alternatives(ids: impl IntoIterator<Item = &'static str>) -> String {
    ids.into_iter().collect::<Vec<_>>().join("|")
}

/// Writes into the document the values the server takes where a type alone says too little:
/// the domain's own lists (roles, access areas, levels, statuses, shareable fields) as enums and
/// patterns, the cursors' form, the one-email and password rules, and the "id or email" choice of
/// the change requests. Schemas that answers reuse are left as they are.
pub fn constrain_values(doc: &mut Value) {
    use rolehub_domain::{Area, Role, SharedField};
    let roles = alternatives(Role::ALL.map(Role::id));
    let role_enum: Vec<Value> = Role::ALL.iter().map(|r| json!(r.id())).collect();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let numeric_cursor = path.contains("adminAudit") || path.contains("csvUploads");
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut() {
                let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
                    continue;
                };
                for param in params {
                    let name = param["name"].as_str().unwrap_or_default().to_string();
                    let schema = &mut param["schema"];
                    match name.as_str() {
                        "status" => schema["enum"] = json!(["active", "pending", "inactive"]),
                        // Items are trimmed and empty ones skipped, as the server reads the list.
                        "roles" => {
                            schema["pattern"] =
                                json!(format!("^\\s*({roles})?\\s*(,\\s*({roles})?\\s*)*$"));
                        }
                        "from" | "to" => schema["format"] = json!("date-time"),
                        "offset" => schema["minimum"] = json!(0),
                        "area" => schema["enum"] = json!(Area::ALL.map(Area::id).to_vec()),
                        "level" => schema["enum"] = json!(["none", "read", "write"]),
                        // Cursors are the hex of a position (digits) or of an id (visible ASCII).
                        "after" if numeric_cursor => {
                            schema["pattern"] = json!("^(3[0-9]){1,18}$");
                        }
                        "after" => schema["pattern"] = json!("^([2-7][0-9a-f]){1,500}$"),
                        _ => {}
                    }
                }
            }
        }
    }
    // A change of settings names at least one, each with a value (the answer's schema, shared with
    // the read, allows nulls).
    if let Some(body) = doc.pointer_mut(
        "/paths/~1v1~1organizations~1{id}~1settings/put/requestBody/content/application~1json/schema",
    ) {
        *body = json!({
            "type": "object",
            "additionalProperties": false,
            "minProperties": 1,
            "properties": {
                "externalReadonlyTtlDays": {"type": "integer", "minimum": 1, "maximum": 3650},
                "shareWithExternalAdmins": {
                    "type": "array",
                    "items": {"enum": SharedField::ALL.map(SharedField::id).to_vec()}
                }
            }
        });
    }
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut set = |schema: &str, pointer: &str, key: &str, value: Value| {
        if let Some(target) = schemas
            .get_mut(schema)
            .and_then(|s| s.pointer_mut(pointer))
            .and_then(Value::as_object_mut)
        {
            target.insert(key.to_string(), value);
        }
    };
    set(
        "ActivationRequest",
        "/properties/password",
        "minLength",
        json!(10),
    );
    set("NewPerson", "/properties/emails", "minItems", json!(1));
    set("NewPerson", "/properties/emails", "maxItems", json!(1));
    set(
        "NewPerson",
        "/properties/emails/items",
        "pattern",
        json!(EMAIL),
    );
    for schema in [
        "AddExternalRequest",
        "VerifyRequest",
        "LicenseChangeRequest",
    ] {
        set(schema, "/properties/email", "pattern", json!(EMAIL));
    }
    set(
        "NewRoleAssignment",
        "/properties/personEmail",
        "pattern",
        json!(EMAIL),
    );
    for schema in ["AddExternalRequest", "NewRoleAssignment"] {
        set(schema, "/properties/roleId", "enum", json!(role_enum));
    }
    // A site-scoped role names its site; a location role its locations.
    let scoped = |kind: rolehub_domain::ScopeKind| -> Vec<&'static str> {
        Role::ALL
            .iter()
            .filter(|r| r.scope_kind() == kind)
            .map(|r| r.id())
            .collect()
    };
    set(
        "NewRoleAssignment",
        "",
        "allOf",
        json!([
            {
                "if": {"properties": {"roleId": {"enum": scoped(rolehub_domain::ScopeKind::Site)}}, "required": ["roleId"]},
                "then": {"required": ["siteUrl"], "properties": {"siteUrl": {"type": "string"}}},
                "else": {"properties": {"siteUrl": {"type": "null"}}}
            },
            {
                "if": {"properties": {"roleId": {"enum": scoped(rolehub_domain::ScopeKind::Locations)}}, "required": ["roleId"]},
                "then": {"required": ["locationIds"], "properties": {"locationIds": {"type": "array", "minItems": 1}}},
                "else": {"properties": {"locationIds": {"type": "null"}}}
            }
        ]),
    );
    set(
        "LicenseOperation",
        "/properties/operation",
        "enum",
        json!(["add", "remove"]),
    );
    set("NewToken", "/properties/ttlDays", "minimum", json!(1));
    set("NewToken", "/properties/ttlDays", "maximum", json!(366));
    set(
        "NewToken",
        "/properties/scope",
        "pattern",
        json!("^(read|write|scim)$"),
    );
    set(
        "NewRoleAssignment",
        "/properties/expires",
        "format",
        json!("date-time"),
    );
    // An expiry lies in the future; in the document's terms, from the year 2030 on.
    set(
        "NewRoleAssignment",
        "/properties/expires",
        "pattern",
        json!("^(20[3-9][0-9]|2[1-9][0-9]{2}|[3-9][0-9]{3})-"),
    );
    let license = json!("^(cc_premium_agent|cc_standard_agent|calling|meetings_host:[!-~]+)$");
    set(
        "LicenseOperation",
        "/properties/id",
        "pattern",
        license.clone(),
    );
    set(
        "PersonUpdate",
        "/properties/licenses/items",
        "pattern",
        license.clone(),
    );
    set(
        "NewPerson",
        "/properties/licenses/items",
        "pattern",
        license,
    );

    // Names are at most 256 characters (a longer one is refused, naming the field).
    for schema in ["NewPerson", "PersonUpdate"] {
        for field in ["firstName", "lastName", "displayName"] {
            set(
                schema,
                &format!("/properties/{field}"),
                "maxLength",
                json!(256),
            );
        }
    }
    // Grant labels: an org role alone, a site role at a site, the location role at locations.
    let labels = format!(
        "^(({})|({})@[!-~]+|({})@[!-~]+)$",
        alternatives(scoped(rolehub_domain::ScopeKind::Org)),
        alternatives(scoped(rolehub_domain::ScopeKind::Site)),
        alternatives(scoped(rolehub_domain::ScopeKind::Locations)),
    );
    set(
        "PersonUpdate",
        "/properties/roles/items",
        "pattern",
        json!(labels.clone()),
    );
    set(
        "GroupRoleRequest",
        "/properties/role",
        "pattern",
        json!(labels.clone()),
    );
    set(
        "NewPerson",
        "/properties/roles/items",
        "pattern",
        json!(labels),
    );
    set(
        "SiteUrlOperation",
        "/properties/accountType",
        "enum",
        json!(["host"]),
    );
    set(
        "SiteUrlOperation",
        "/properties/operation",
        "enum",
        json!(["add", "remove"]),
    );
    set(
        "SiteUrlOperation",
        "/properties/siteUrl",
        "pattern",
        json!("^[!-~]+$"),
    );
    set(
        "NewRoleAssignment",
        "",
        "anyOf",
        json!([
            {"required": ["personId"], "properties": {"personId": {"type": "string"}}},
            {"required": ["personEmail"], "properties": {"personEmail": {"type": "string"}}}
        ]),
    );
    set(
        "LicenseChangeRequest",
        "",
        "anyOf",
        json!([
            {"required": ["personId"], "properties": {"personId": {"type": "string"}}},
            {"required": ["email"], "properties": {"email": {"type": "string"}}}
        ]),
    );
    set(
        "PersonUpdate",
        "/properties/status",
        "pattern",
        json!("^(active|inactive)$"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_lists_the_common_errors_and_bodies_their_own() {
        let (_, doc) = crate::api(&crate::Config::default());
        for (path, item) in &doc.paths.paths {
            for (method, op) in [
                ("get", &item.get),
                ("post", &item.post),
                ("put", &item.put),
                ("delete", &item.delete),
                ("patch", &item.patch),
            ] {
                let Some(op) = op else { continue };
                for (status, _) in COMMON {
                    assert!(
                        op.responses.responses.contains_key(status),
                        "{method} {path}: {status}"
                    );
                }
                assert_eq!(
                    op.responses.responses.contains_key("415"),
                    op.request_body.is_some(),
                    "{method} {path}"
                );
            }
        }
    }
}
