//! SCIM `PATCH` (RFC 7644, section 3.5.2) applied to a resource's JSON: `add`, `replace` and
//! `remove`, with or without a path, including the forms identity providers send (`Replace` in
//! any case, a path into a filtered multi-valued attribute such as `emails[type eq "work"].value`,
//! an extension's attributes by their schema URN, a remove of `members` naming its values). The
//! patched resource is then stored as a `PUT` of it would be, so that one code path decides.

use rolehub_domain::{quoted, Lang, Text};
use serde_json::{Map, Value};

use super::filter::{self, Filter};

/// Why a patch cannot apply, as SCIM's `scimType` names it.
#[derive(Debug, PartialEq, Eq)]
pub struct PatchError {
    /// `invalidPath`, `noTarget`, `invalidValue` or `invalidSyntax`.
    pub scim_type: &'static str,
    /// What is wrong.
    pub detail: Text,
}

fn error(scim_type: &'static str, detail: Text) -> PatchError {
    PatchError { scim_type, detail }
}

/// A path: the attribute (and extension), an optional filter on its values, an optional
/// sub-attribute.
#[derive(Debug)]
struct Path {
    /// The extension schema the attribute lives in, if any.
    extension: Option<String>,
    attribute: String,
    filter: Option<Filter>,
    sub: Option<String>,
}

fn no_match(attribute: &str) -> Text {
    Text::new(
        format!("no value of `{attribute}` matches the filter"),
        format!("geen waarde van {} past bij het filter", quoted(attribute)),
    )
}

fn not_a_path(text: &str) -> PatchError {
    error(
        "invalidPath",
        Text::new(
            format!("`{text}` is not a path"),
            format!("{} is geen pad", quoted(text)),
        ),
    )
}

fn parse_path(text: &str) -> Result<Path, PatchError> {
    let text = text.trim();
    let (head, filter, tail) = match text.find('[') {
        Some(open) => {
            let close = text.rfind(']').filter(|c| *c > open).ok_or_else(|| {
                error(
                    "invalidPath",
                    Text::new(
                        format!("`{text}`: `[` is not closed"),
                        format!("{}: “[” is niet afgesloten", quoted(text)),
                    ),
                )
            })?;
            let inner = filter::parse(&text[open + 1..close]).map_err(|e| {
                error(
                    "invalidFilter",
                    e.map(|lang, e| match lang {
                        Lang::En => format!("`{text}`: {e}"),
                        Lang::Nl => format!("{}: {e}", quoted(text)),
                    }),
                )
            })?;
            let tail = text[close + 1..].trim_start_matches('.');
            (
                &text[..open],
                Some(inner),
                (!tail.is_empty()).then_some(tail),
            )
        }
        None => (text, None, None),
    };
    let (extension, dotted) = split_schema(head);
    let mut parts = dotted.split('.');
    let attribute = parts.next().unwrap_or_default().to_string();
    let sub = match (parts.next(), tail) {
        (Some(s), None) | (None, Some(s)) => Some(s.to_string()),
        (None, None) => None,
        (Some(_), Some(_)) => return Err(not_a_path(text)),
    };
    if attribute.is_empty()
        || !attribute
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-')
    {
        return Err(not_a_path(text));
    }
    Ok(Path {
        extension,
        attribute,
        filter,
        sub,
    })
}

/// `urn:…:User:attr.sub` into the extension (core schemas are the resource itself) and the rest.
fn split_schema(head: &str) -> (Option<String>, &str) {
    if !head.starts_with("urn:") {
        return (None, head);
    }
    let Some(at) = head.rfind(':') else {
        return (None, head);
    };
    let schema = &head[..at];
    let rest = &head[at + 1..];
    if schema.to_ascii_lowercase().contains(":core:2.0:") {
        (None, rest)
    } else {
        (Some(schema.to_string()), rest)
    }
}

/// The key an object uses for a name (compared case-insensitively), or the name itself.
fn key_of(object: &Map<String, Value>, name: &str) -> String {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_string())
}

/// The object a path's attribute lives in (the resource, or an extension object in it).
fn container<'r>(
    resource: &'r mut Value,
    path: &Path,
    create: bool,
) -> Option<&'r mut Map<String, Value>> {
    let root = resource.as_object_mut()?;
    match &path.extension {
        None => Some(root),
        Some(schema) => {
            let key = key_of(root, schema);
            if !root.contains_key(&key) {
                if !create {
                    return None;
                }
                root.insert(key.clone(), Value::Object(Map::new()));
            }
            root.get_mut(&key)?.as_object_mut()
        }
    }
}

/// Applies the operations of a `PatchOp` request body to a resource.
pub fn apply(resource: &mut Value, body: &Value) -> Result<(), PatchError> {
    let schemas_ok = filter::field(body, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|v| v == "urn:ietf:params:scim:api:messages:2.0:PatchOp")
        });
    if !schemas_ok {
        return Err(error(
            "invalidSyntax",
            Text::new(
                "a PATCH body names the schema urn:ietf:params:scim:api:messages:2.0:PatchOp",
                "een PATCH-body hoort het schema urn:ietf:params:scim:api:messages:2.0:PatchOp te noemen",
            ),
        ));
    }
    let ops = filter::field(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            error(
                "invalidSyntax",
                Text::new(
                    "a PATCH body has `Operations`",
                    "een PATCH-body hoort “Operations” te hebben",
                ),
            )
        })?;
    for (i, op) in ops.iter().enumerate() {
        let name = filter::field(op, "op")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                error(
                    "invalidSyntax",
                    Text::new(
                        format!("Operations[{i}] has no `op`"),
                        format!("Operations[{i}] heeft geen “op”"),
                    ),
                )
            })?
            .to_ascii_lowercase();
        let path = filter::field(op, "path").and_then(Value::as_str);
        let value = filter::field(op, "value").cloned();
        match (name.as_str(), path) {
            ("add" | "replace", None) => {
                let Some(Value::Object(fields)) = value else {
                    return Err(error(
                        "invalidValue",
                        Text::new(
                            format!(
                                "Operations[{i}]: without a path, the value is an object of attributes"
                            ),
                            format!(
                                "Operations[{i}]: zonder pad is de waarde een object van attributen"
                            ),
                        ),
                    ));
                };
                for (attr, v) in fields {
                    let path = parse_path(&attr)?;
                    set(resource, &path, v, name == "add")?;
                }
            }
            ("add" | "replace", Some(p)) => {
                let v = value.ok_or_else(|| {
                    error(
                        "invalidValue",
                        Text::new(
                            format!("Operations[{i}] ({name} {p}) has no value"),
                            format!("Operations[{i}] ({name} {p}) heeft geen waarde"),
                        ),
                    )
                })?;
                set(resource, &parse_path(p)?, v, name == "add")?;
            }
            ("remove", Some(p)) => remove(resource, &parse_path(p)?, value)?,
            ("remove", None) => {
                return Err(error(
                    "noTarget",
                    Text::new(
                        format!("Operations[{i}]: remove needs a path"),
                        format!("Operations[{i}]: remove heeft een pad nodig"),
                    ),
                ))
            }
            (other, _) => {
                return Err(error(
                    "invalidSyntax",
                    Text::new(
                        format!("Operations[{i}]: `{other}` is not add, replace or remove"),
                        format!(
                            "Operations[{i}]: {} is niet add, replace of remove",
                            quoted(other)
                        ),
                    ),
                ))
            }
        }
    }
    Ok(())
}

fn set(resource: &mut Value, path: &Path, value: Value, add: bool) -> Result<(), PatchError> {
    let object = container(resource, path, true).ok_or_else(|| {
        error(
            "invalidPath",
            Text::new(
                "the resource is not an object",
                "de resource is geen object",
            ),
        )
    })?;
    let key = key_of(object, &path.attribute);
    match (&path.filter, &path.sub) {
        (None, None) => {
            let merged = match (object.remove(&key), value) {
                // `add` to a multi-valued attribute appends what is not there yet.
                (Some(Value::Array(mut have)), Value::Array(new)) if add => {
                    for v in new {
                        if !have.contains(&v) {
                            have.push(v);
                        }
                    }
                    Value::Array(have)
                }
                (Some(Value::Array(mut have)), single @ Value::Object(_)) if add => {
                    if !have.contains(&single) {
                        have.push(single);
                    }
                    Value::Array(have)
                }
                // Complex attributes merge their sub-attributes.
                (Some(Value::Object(mut have)), Value::Object(new)) => {
                    for (k, v) in new {
                        let k2 = key_of(&have, &k);
                        have.insert(k2, v);
                    }
                    Value::Object(have)
                }
                (_, v) => v,
            };
            object.insert(key, merged);
        }
        (None, Some(sub)) => {
            let entry = object
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()));
            match entry {
                Value::Object(inner) => {
                    let k = key_of(inner, sub);
                    inner.insert(k, value);
                }
                Value::Array(items) => {
                    // `emails.value` on a multi-valued attribute: the primary (or only) value.
                    let target = items
                        .iter_mut()
                        .find(|i| filter::field(i, "primary") == Some(&Value::Bool(true)))
                        .ok_or_else(|| {
                            error(
                                "noTarget",
                                Text::new(
                                    format!("`{}.{sub}`: which value?", path.attribute),
                                    format!(
                                        "{}: welke waarde?",
                                        quoted(format!("{}.{sub}", path.attribute))
                                    ),
                                ),
                            )
                        })?;
                    if let Value::Object(inner) = target {
                        let k = key_of(inner, sub);
                        inner.insert(k, value);
                    }
                }
                _ => {
                    return Err(error(
                        "invalidPath",
                        Text::new(
                            format!("`{}` has no sub-attributes", path.attribute),
                            format!("{} heeft geen subattributen", quoted(&path.attribute)),
                        ),
                    ))
                }
            }
        }
        (Some(f), sub) => {
            let items = object
                .entry(key.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            let Value::Array(items) = items else {
                return Err(error(
                    "invalidPath",
                    Text::new(
                        format!("`{}` is not multi-valued", path.attribute),
                        format!("{} heeft niet meerdere waarden", quoted(&path.attribute)),
                    ),
                ));
            };
            let mut hit = false;
            for item in items.iter_mut().filter(|i| filter::matches(f, i)) {
                hit = true;
                match (sub, &mut *item) {
                    (Some(sub), Value::Object(inner)) => {
                        let k = key_of(inner, sub);
                        inner.insert(k, value.clone());
                    }
                    (None, _) => *item = value.clone(),
                    _ => {}
                }
            }
            if !hit {
                // Identity providers add a typed value this way (`emails[type eq "work"].value`):
                // a new value carrying what the filter asked for.
                match (sub, equal_pairs(f)) {
                    (Some(sub), Some(mut pairs)) if add || !pairs.is_empty() => {
                        pairs.insert(sub.clone(), value);
                        items.push(Value::Object(pairs));
                    }
                    _ => return Err(error("noTarget", no_match(&path.attribute))),
                }
            }
        }
    }
    Ok(())
}

/// The attribute values an `eq` filter (or an `and` of them) names, as an object.
fn equal_pairs(f: &Filter) -> Option<Map<String, Value>> {
    match f {
        Filter::Compare(attr, filter::Op::Eq, v) => {
            let mut m = Map::new();
            m.insert(attr.clone(), v.clone());
            Some(m)
        }
        Filter::And(a, b) => {
            let mut m = equal_pairs(a)?;
            m.extend(equal_pairs(b)?);
            Some(m)
        }
        _ => None,
    }
}

fn remove(resource: &mut Value, path: &Path, value: Option<Value>) -> Result<(), PatchError> {
    let Some(object) = container(resource, path, false) else {
        return Ok(());
    };
    let key = key_of(object, &path.attribute);
    match (&path.filter, &path.sub) {
        (None, None) => match (object.get_mut(&key), value) {
            // `remove members` with the values to take out, as Entra ID sends it.
            (Some(Value::Array(items)), Some(Value::Array(gone))) => {
                let ids: Vec<&Value> = gone
                    .iter()
                    .filter_map(|g| filter::field(g, "value"))
                    .collect();
                items.retain(|i| !filter::field(i, "value").is_some_and(|v| ids.contains(&v)));
            }
            _ => {
                object.remove(&key);
            }
        },
        (None, Some(sub)) => {
            if let Some(Value::Object(inner)) = object.get_mut(&key) {
                let k = key_of(inner, sub);
                inner.remove(&k);
            }
        }
        (Some(f), sub) => {
            let Some(Value::Array(items)) = object.get_mut(&key) else {
                return Err(error(
                    "noTarget",
                    Text::new(
                        format!("`{}` has no values", path.attribute),
                        format!("{} heeft geen waarden", quoted(&path.attribute)),
                    ),
                ));
            };
            let before = items.len();
            match sub {
                None => items.retain(|i| !filter::matches(f, i)),
                Some(sub) => {
                    for item in items.iter_mut().filter(|i| filter::matches(f, i)) {
                        if let Value::Object(inner) = item {
                            let k = key_of(inner, sub);
                            inner.remove(&k);
                        }
                    }
                }
            }
            if sub.is_none() && items.len() == before {
                return Err(error("noTarget", no_match(&path.attribute)));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(resource: &mut Value, ops: Value) -> Result<(), PatchError> {
        apply(
            resource,
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}),
        )
    }

    #[test]
    fn the_forms_identity_providers_send_apply() {
        let mut user = json!({
            "userName": "ann@acme.example", "active": true,
            "name": {"givenName": "Ann", "familyName": "Smit"},
            "emails": [{"value": "ann@acme.example", "type": "work", "primary": true}]
        });
        // Entra ID: capitalised ops, a filtered path with a sub-attribute, the extension by URN.
        patch(
            &mut user,
            json!([
                {"op": "Replace", "path": "name.familyName", "value": "Smits"},
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ann.smits@acme.example"},
                {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales"},
                {"op": "Replace", "path": "active", "value": "False"}
            ]),
        )
        .unwrap();
        assert_eq!(user["name"]["familyName"], "Smits");
        assert_eq!(user["name"]["givenName"], "Ann");
        assert_eq!(user["emails"][0]["value"], "ann.smits@acme.example");
        assert_eq!(
            user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
            "Sales"
        );
        assert_eq!(user["active"], "False");
        // Okta: no path, an object of attributes.
        patch(
            &mut user,
            json!([{"op": "replace", "value": {"active": true, "name": {"givenName": "Anna"}}}]),
        )
        .unwrap();
        assert_eq!(user["active"], true);
        assert_eq!(user["name"]["givenName"], "Anna");
        assert_eq!(user["name"]["familyName"], "Smits");
        // A typed value that is not there yet is added.
        patch(&mut user, json!([{"op": "add", "path": "emails[type eq \"home\"].value", "value": "ann@home.example"}])).unwrap();
        assert_eq!(
            user["emails"][1],
            json!({"type": "home", "value": "ann@home.example"})
        );
        patch(
            &mut user,
            json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]),
        )
        .unwrap();
        assert_eq!(user["emails"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn group_members_are_added_and_removed() {
        let mut group = json!({"displayName": "Admins", "members": [{"value": "a"}]});
        patch(
            &mut group,
            json!([{"op": "add", "path": "members", "value": [{"value": "b"}, {"value": "a"}]}]),
        )
        .unwrap();
        assert_eq!(group["members"], json!([{"value": "a"}, {"value": "b"}]));
        patch(
            &mut group,
            json!([{"op": "remove", "path": "members", "value": [{"value": "a"}]}]),
        )
        .unwrap();
        assert_eq!(group["members"], json!([{"value": "b"}]));
        patch(
            &mut group,
            json!([{"op": "remove", "path": "members[value eq \"b\"]"}]),
        )
        .unwrap();
        assert_eq!(group["members"], json!([]));
    }

    #[test]
    fn bad_patches_say_what_is_wrong() {
        let mut user = json!({"userName": "a"});
        let err = |ops: Value, user: &mut Value| patch(user, ops).unwrap_err().scim_type;
        assert_eq!(
            err(json!([{"op": "move", "path": "userName"}]), &mut user),
            "invalidSyntax"
        );
        assert_eq!(err(json!([{"op": "remove"}]), &mut user), "noTarget");
        assert_eq!(
            err(
                json!([{"op": "replace", "path": "a b", "value": 1}]),
                &mut user
            ),
            "invalidPath"
        );
        assert_eq!(
            err(json!([{"op": "replace", "value": 1}]), &mut user),
            "invalidValue"
        );
        assert_eq!(
            err(
                json!([{"op": "remove", "path": "emails[type eq \"x\"]"}]),
                &mut user
            ),
            "noTarget"
        );
        assert_eq!(
            apply(&mut user, &json!({"Operations": []}))
                .unwrap_err()
                .scim_type,
            "invalidSyntax"
        );
    }
}
