//! The error answers every operation may give, written into the OpenAPI document once, so that
//! the document lists every status the server answers (a checker that compares them, such as
//! schemathesis, finds none undocumented) without each route repeating them.

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
pub fn refuse_nul_in_text(doc: &mut serde_json::Value) {
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
