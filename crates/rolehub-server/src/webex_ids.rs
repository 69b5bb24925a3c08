//! Webex's encoded ids, taken wherever Rolehub takes an id.
//!
//! Webex names everything by the base64 of a `ciscospark://` URI: `ciscospark://us/ROLE/id_full_admin`,
//! `…/PEOPLE/<id>`, `…/ORGANIZATION/<id>`, `…/LICENSE/<id>`, `…/LOCATION/<id>`. Scripts written for
//! Webex hard-code such ids (the full administrator role's above all). Rolehub answers with its own
//! plain ids everywhere, and takes both: the [`decode`] layer rewrites every encoded id in the
//! path, the query string and a JSON body to the plain id before any route sees the request, so
//! that every route, check and audit event deals with one form only.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Uri};
use axum::middleware::Next;
use axum::response::Response;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// The base64 of `ciscospark:/`: every encoded id starts with it.
const ENCODED_PREFIX: &str = "Y2lzY29zcGFyazov";

/// Webex's names of the roles it shares with Rolehub's catalogue (ROLE ids).
const WEBEX_ROLES: [(&str, &str); 5] = [
    ("id_full_admin", "full_admin"),
    ("id_readonly_admin", "readonly_admin"),
    ("id_user_admin", "user_device_admin"),
    ("id_device_admin", "device_admin"),
    ("id_supportadmin", "support_admin"),
];

/// The catalogue id of a role Webex names (`id_full_admin` → `full_admin`), or `None`.
pub fn role_from_webex(name: &str) -> Option<&'static str> {
    WEBEX_ROLES
        .iter()
        .find(|(webex, _)| webex.eq_ignore_ascii_case(name))
        .map(|(_, ours)| *ours)
}

/// Webex's name of a catalogue role, for the roles Webex has (`full_admin` → `id_full_admin`).
pub fn webex_role_name(ours: &str) -> Option<&'static str> {
    WEBEX_ROLES
        .iter()
        .find(|(_, o)| *o == ours)
        .map(|(webex, _)| *webex)
}

/// The plain id an encoded Webex id names, or `None` when `text` is not one.
pub fn plain_id(text: &str) -> Option<String> {
    let text = text.trim();
    if !text.starts_with(ENCODED_PREFIX) {
        return None;
    }
    let unpadded = text.trim_end_matches('=');
    let bytes = STANDARD_NO_PAD
        .decode(unpadded)
        .or_else(|_| URL_SAFE_NO_PAD.decode(unpadded))
        .ok()?;
    let uri = String::from_utf8(bytes).ok()?;
    // ciscospark://<region>/<TYPE>/<id>
    let rest = uri.strip_prefix("ciscospark://")?;
    let mut parts = rest.splitn(3, '/');
    let (_region, kind, id) = (parts.next()?, parts.next()?, parts.next()?);
    if id.is_empty() || id.contains('\0') {
        return None;
    }
    Some(match kind {
        "ROLE" => WEBEX_ROLES
            .iter()
            .find(|(webex, _)| *webex == id)
            .map(|(_, ours)| (*ours).to_string())
            .or_else(|| id.strip_prefix("id_").map(str::to_string))
            .unwrap_or_else(|| id.to_string()),
        "PEOPLE" | "ORGANIZATION" | "LICENSE" | "LOCATION" | "SITE" | "ROLE_ASSIGNMENT" => {
            id.to_string()
        }
        _ => return None,
    })
}

/// The encoded Webex form of a plain id (for documentation and tests: answers carry plain ids).
pub fn encode(kind: &str, id: &str) -> String {
    STANDARD_NO_PAD.encode(format!("ciscospark://us/{kind}/{id}"))
}

/// Rewrites the encoded ids of a request (path segments, query values and comma-separated parts
/// of them, string values of a JSON body) to plain ids. A request holding none passes unchanged,
/// after one substring search.
pub async fn decode(State(json_limit): State<usize>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let encoded = |text: &str| text.contains(ENCODED_PREFIX);
    if encoded(parts.uri.path()) || parts.uri.query().is_some_and(encoded) {
        if let Some(uri) = rewrite_uri(&parts.uri) {
            parts.uri = uri;
        }
    }
    let json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let length = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let body = match length {
        // Within the JSON limit and of a known length: read it here; anything else is left to the
        // route's extractor, which enforces the limit and answers for the body.
        Some(len) if json && len > 0 && len <= json_limit => {
            match axum::body::to_bytes(body, json_limit).await {
                Ok(bytes) => match rewrite_json(&bytes) {
                    Some(rewritten) => {
                        parts.headers.insert(
                            header::CONTENT_LENGTH,
                            header::HeaderValue::from(rewritten.len()),
                        );
                        Body::from(rewritten)
                    }
                    None => Body::from(bytes),
                },
                Err(_) => Body::empty(),
            }
        }
        _ => body,
    };
    next.run(Request::from_parts(parts, body)).await
}

/// The URI with its encoded ids made plain, or `None` when nothing changed.
fn rewrite_uri(uri: &Uri) -> Option<Uri> {
    let mut changed = false;
    let path: Vec<String> = uri
        .path()
        .split('/')
        .map(|segment| match plain_id(&percent_decode(segment)) {
            Some(id) => {
                changed = true;
                percent_encode(&id)
            }
            None => segment.to_string(),
        })
        .collect();
    let query = uri.query().map(|q| {
        q.split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, value)) if value.contains(ENCODED_PREFIX) => {
                    let parts: Vec<String> = percent_decode(value)
                        .split(',')
                        .map(|part| match plain_id(part) {
                            Some(id) => {
                                changed = true;
                                id
                            }
                            None => part.to_string(),
                        })
                        .collect();
                    format!("{name}={}", percent_encode(&parts.join(",")))
                }
                _ => pair.to_string(),
            })
            .collect::<Vec<_>>()
            .join("&")
    });
    if !changed {
        return None;
    }
    let mut text = path.join("/");
    if let Some(q) = query {
        text.push('?');
        text.push_str(&q);
    }
    text.parse().ok()
}

/// A JSON body with its encoded ids made plain, or `None` when it holds none (or is not JSON:
/// the route's extractor then says what is wrong with it).
fn rewrite_json(bytes: &[u8]) -> Option<Vec<u8>> {
    let needle = ENCODED_PREFIX.as_bytes();
    if !bytes.windows(needle.len()).any(|w| w == needle) {
        return None;
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    if !rewrite_value(&mut value) {
        return None;
    }
    serde_json::to_vec(&value).ok()
}

fn rewrite_value(value: &mut serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(text) => match plain_id(text) {
            Some(id) => {
                *text = id;
                true
            }
            None => false,
        },
        // Every value is visited (no short circuit): each may hold an id.
        serde_json::Value::Array(items) => {
            items.iter_mut().map(rewrite_value).filter(|c| *c).count() > 0
        }
        serde_json::Value::Object(fields) => {
            fields
                .values_mut()
                .map(rewrite_value)
                .filter(|c| *c)
                .count()
                > 0
        }
        _ => false,
    }
}

/// `%XX` escapes decoded (a `+` stays a `+`: base64 uses it, and clients send it raw).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Escapes everything but unreserved characters and the few plain ids use (`@`, `:`, `,`, `+`
/// escaped too, so that a query value reads back exactly).
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~,".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webex_ids_name_rolehub_ids() {
        // The full administrator role's id as Webex gives it out.
        assert_eq!(
            plain_id("Y2lzY29zcGFyazovL3VzL1JPTEUvaWRfZnVsbF9hZG1pbg").as_deref(),
            Some("full_admin")
        );
        assert_eq!(
            plain_id(&encode("ROLE", "id_user_admin")).as_deref(),
            Some("user_device_admin")
        );
        assert_eq!(
            plain_id(&encode("ROLE", "id_compliance_officer")).as_deref(),
            Some("compliance_officer")
        );
        assert_eq!(
            plain_id(&format!("{}==", encode("PEOPLE", "p-1"))).as_deref(),
            Some("p-1")
        );
        assert_eq!(
            plain_id(&encode("LICENSE", "meetings_host:acme.webex.com")).as_deref(),
            Some("meetings_host:acme.webex.com")
        );
        assert_eq!(plain_id(&encode("MESSAGE", "m")), None);
        assert_eq!(plain_id("full_admin"), None);
        assert_eq!(plain_id("Y2lzY29zcGFyazov!!"), None);
    }

    #[test]
    fn requests_are_rewritten_only_where_ids_are_encoded() {
        let person = encode("PEOPLE", "p-1");
        let uri: Uri = format!(
            "/v1/people/{person}?orgId={}",
            encode("ORGANIZATION", "acme")
        )
        .parse()
        .unwrap();
        assert_eq!(
            rewrite_uri(&uri).unwrap().to_string(),
            "/v1/people/p-1?orgId=acme"
        );
        let list: Uri = format!(
            "/v1/people?roles={},{}",
            encode("ROLE", "id_full_admin"),
            "site_admin"
        )
        .parse()
        .unwrap();
        assert_eq!(
            rewrite_uri(&list).unwrap().to_string(),
            "/v1/people?roles=full_admin,site_admin"
        );
        assert_eq!(rewrite_uri(&"/v1/people/p-1?max=2".parse().unwrap()), None);

        let body = format!(
            r#"{{"roles":["{}"],"firstName":"Ann"}}"#,
            encode("ROLE", "id_full_admin")
        );
        let rewritten: serde_json::Value =
            serde_json::from_slice(&rewrite_json(body.as_bytes()).unwrap()).unwrap();
        assert_eq!(rewritten["roles"][0], "full_admin");
        assert_eq!(rewritten["firstName"], "Ann");
        assert_eq!(rewrite_json(br#"{"firstName":"Ann"}"#), None);
        assert_eq!(rewrite_json(b"{not json Y2lzY29zcGFyazov"), None);
    }
}
