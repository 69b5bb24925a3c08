//! SCIM 2.0 (RFC 7643, RFC 7644) per organization, at `/identity/scim/{orgId}/v2/`, as Webex offers
//! it: an identity provider provisions the org's users and groups here. It is one more interface
//! over the service layer and holds no rule of its own: every change is a service operation, under
//! the same rules and audited, with the SCIM client (its token's name) as the actor and its
//! holder's authority.
//!
//! Only tokens with the `scim` scope are taken here, only for the holder's own org, and they reach
//! nothing else (see [`crate::auth`]).

mod discovery;
pub mod filter;
mod groups;
pub mod patch;
mod users;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use rolehub_domain::{quoted, Lang, Text};
use rolehub_store::clock::system_now;
use rolehub_store::service::TokenScope;
use rolehub_store::{Ctx, ServiceError};
use serde_json::{json, Value};

use crate::state::AppState;

/// SCIM's media type.
const SCIM_JSON: &str = "application/scim+json";
/// The error message schema.
const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The list message schema.
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Requests one SCIM token may make per second (a provisioning run of a large directory stays
/// well below; a client in a loop does not).
pub const REQUESTS_PER_SECOND: u32 = 1000;

/// The SCIM routes, under `/identity/scim/{orgId}/v2`.
pub fn router(json_limit: usize) -> Router<AppState> {
    let limiter = Limiter::default();
    let at = |path: &str| format!("/identity/scim/{{org}}/v2{path}");
    let not_found = || async {
        ScimError::new(
            StatusCode::NOT_FOUND,
            None,
            Text::new("no such SCIM resource", "deze SCIM-resource bestaat niet"),
        )
    };
    Router::new()
        .route(
            &at("/ServiceProviderConfig"),
            get(discovery::service_provider_config),
        )
        .route(&at("/ResourceTypes"), get(discovery::resource_types))
        .route(&at("/ResourceTypes/{id}"), get(discovery::resource_type))
        .route(&at("/Schemas"), get(discovery::schemas))
        .route(&at("/Schemas/{id}"), get(discovery::schema))
        .route(&at("/Users"), get(users::list).post(users::create))
        .route(
            &at("/Users/{id}"),
            get(users::one)
                .put(users::replace)
                .patch(users::patch)
                .delete(users::delete),
        )
        .route(&at("/Groups"), get(groups::list).post(groups::create))
        .route(
            &at("/Groups/{id}"),
            get(groups::one)
                .put(groups::replace)
                .patch(groups::patch)
                .delete(groups::delete),
        )
        .route(&at("/.search"), post(search_not_offered))
        .route(&at(""), axum::routing::any(not_found))
        .route(&at("/"), axum::routing::any(not_found))
        .route(&at("/{*rest}"), axum::routing::any(not_found))
        .layer(axum::extract::DefaultBodyLimit::max(json_limit))
        .layer(axum::middleware::from_fn_with_state(limiter, rate_limit))
        .layer(axum::middleware::from_fn(in_callers_language))
}

/// A SCIM error: `{"schemas": [Error], "status": "404", "scimType": …, "detail": …}`, its
/// `detail` in the caller's language (`Accept-Language`).
#[derive(Clone, Debug)]
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: Text,
}

impl ScimError {
    /// An error with a status, a `scimType` and a detail.
    pub fn new(status: StatusCode, scim_type: Option<&'static str>, detail: Text) -> ScimError {
        ScimError {
            status,
            scim_type,
            detail,
        }
    }

    /// A malformed request: `invalidSyntax`.
    pub fn syntax(detail: Text) -> ScimError {
        ScimError::new(StatusCode::BAD_REQUEST, Some("invalidSyntax"), detail)
    }

    /// A value that is not taken: `invalidValue`.
    pub fn value(detail: Text) -> ScimError {
        ScimError::new(StatusCode::BAD_REQUEST, Some("invalidValue"), detail)
    }

    /// The error message, in a language.
    fn body(&self, lang: Lang) -> Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail.get(lang),
        });
        if let Some(t) = self.scim_type {
            body["scimType"] = json!(t);
        }
        body
    }
}

impl From<ServiceError> for ScimError {
    fn from(e: ServiceError) -> ScimError {
        use rolehub_store::error::ErrorKind;
        let detail = match &e {
            // The full error for the log; people are told only that something went wrong.
            ServiceError::Internal(_) => Text::same(e.to_string()),
            // The cause (a database's own words) is for the log, not for the client.
            ServiceError::Unavailable(_) => {
                tracing::warn!(error = %e, "SCIM request: the service is unavailable");
                Text::new(e.message(Lang::En), e.message(Lang::Nl))
            }
            // The English as SCIM clients have always read it (a bad field is named before
            // what is wrong with it).
            _ => Text::new(e.to_string(), e.message(Lang::Nl)),
        };
        match e.kind() {
            // A rule refused: the detail names the rule; the status is SCIM's for a refusal.
            ErrorKind::Refused => {
                ScimError::new(StatusCode::FORBIDDEN, Some("invalidValue"), detail)
            }
            ErrorKind::NotFound => match &e {
                // A location or site a role names is a value that is not taken.
                ServiceError::NotFound { what, .. }
                    if !matches!(
                        what,
                        rolehub_store::Thing::Person | rolehub_store::Thing::Group
                    ) =>
                {
                    ScimError::value(detail)
                }
                _ => ScimError::new(StatusCode::NOT_FOUND, None, detail),
            },
            ErrorKind::Invalid => ScimError::value(detail),
            // A name or email another resource has already.
            ErrorKind::Conflict => ScimError::new(StatusCode::CONFLICT, Some("uniqueness"), detail),
            ErrorKind::Busy | ErrorKind::TooMany => {
                ScimError::new(StatusCode::TOO_MANY_REQUESTS, Some("tooMany"), detail)
            }
            ErrorKind::Unavailable => ScimError::new(StatusCode::SERVICE_UNAVAILABLE, None, detail),
            ErrorKind::Internal => {
                tracing::error!(error = %detail, "SCIM request failed");
                ScimError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    None,
                    Text::new(
                        "something went wrong on our side; the tracking id helps us find it",
                        "er ging aan onze kant iets mis; met het tracking-id kunnen we het terugvinden",
                    ),
                )
            }
        }
    }
}

impl From<patch::PatchError> for ScimError {
    fn from(e: patch::PatchError) -> ScimError {
        ScimError::new(StatusCode::BAD_REQUEST, Some(e.scim_type), e.detail)
    }
}

/// The error answered in English travels with its response to `in_callers_language`, which
/// knows the caller's language.
impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut response = scim_json(self.status, &self.body(Lang::En), HeaderMap::new());
        response.extensions_mut().insert(self);
        response
    }
}

/// Words a SCIM error's `detail` in the caller's language (`Accept-Language`), keeping the
/// answer's status and headers.
async fn in_callers_language(req: Request, next: axum::middleware::Next) -> Response {
    let lang = req
        .extensions()
        .get::<crate::context::RequestInfo>()
        .map(|info| info.lang)
        .unwrap_or_default();
    let mut response = next.run(req).await;
    let Some(error) = response.extensions_mut().remove::<ScimError>() else {
        return response;
    };
    if lang == Lang::En {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(error.body(lang).to_string()))
}

/// A SCIM JSON answer.
fn scim_json(status: StatusCode, body: &Value, mut headers: HeaderMap) -> Response {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    (status, headers, body.to_string()).into_response()
}

/// The result type of SCIM handlers.
type ScimResult<T> = Result<T, ScimError>;

/// A SCIM request's caller: the service context in the org of the path, acting with the token
/// holder's authority as the SCIM client, and the base URL of the org's SCIM resources.
pub struct ScimCaller {
    ctx: Ctx,
    base: String,
}

impl FromRequestParts<AppState> for ScimCaller {
    type Rejection = ScimError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let info = crate::auth::request_info(parts);
        let org = parts
            .uri
            .path()
            .strip_prefix("/identity/scim/")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default()
            .to_string();
        let unauthorized = || {
            ScimError::new(
                StatusCode::UNAUTHORIZED,
                None,
                Text::new(
                    "send a SCIM token of the org as `Authorization: Bearer <token>`",
                    "stuur een SCIM-token van de organisatie als “Authorization: Bearer <token>”",
                ),
            )
        };
        let token = bearer(&parts.headers).ok_or_else(unauthorized)?;
        let who = state
            .service
            .authenticate_token(&token, system_now())
            .await?
            .ok_or_else(unauthorized)?;
        if who.scope != TokenScope::Scim {
            return Err(ScimError::new(
                StatusCode::FORBIDDEN,
                None,
                Text::new(
                    "this is a personal access token; SCIM takes tokens with the `scim` scope, which a full administrator creates for their org",
                    "dit is een persoonlijk toegangstoken; SCIM accepteert alleen tokens met de scope “scim”, die een volledige beheerder voor de organisatie aanmaakt",
                ),
            ));
        }
        if who.person.view.home_org != org {
            // R-AUTH-1: a token of one org learns nothing of another.
            return Err(ScimError::new(
                StatusCode::NOT_FOUND,
                None,
                Text::new(
                    format!("organization `{org}` was not found"),
                    format!("organisatie {} is niet gevonden", quoted(&org)),
                ),
            ));
        }
        let mut ctx = Ctx::new(who.person.view.email.clone(), org.clone(), system_now());
        ctx.request_id = info.tracking_id;
        ctx.client_addr = info.client_addr;
        ctx.lang = info.lang;
        ctx.scope = TokenScope::Scim;
        ctx.client = Some(format!("scim:{}", who.token_name.unwrap_or_default()));
        Ok(ScimCaller {
            ctx,
            base: format!("{}/identity/scim/{org}/v2", info.base_url),
        })
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Requests per token, in a window of one second with a burst allowance: a SCIM client that
/// floods is answered 429 with `Retry-After`, and others are not slowed.
#[derive(Clone, Default)]
struct Limiter {
    windows: Arc<Mutex<HashMap<u64, (Instant, u32)>>>,
}

async fn rate_limit(
    State(limiter): State<Limiter>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(token) = bearer(req.headers()) {
        let now = Instant::now();
        let over = {
            let mut windows = limiter.windows.lock().unwrap_or_else(|e| e.into_inner());
            if windows.len() > 10_000 {
                windows.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(2));
            }
            // Keyed by a digest of the token, so that no secret is kept in memory.
            let key = {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                token.hash(&mut h);
                h.finish()
            };
            let entry = windows.entry(key).or_insert((now, 0));
            if now.duration_since(entry.0) >= Duration::from_secs(1) {
                *entry = (now, 0);
            }
            entry.1 += 1;
            entry.1 > REQUESTS_PER_SECOND
        };
        if over {
            let mut response = ScimError::new(
                StatusCode::TOO_MANY_REQUESTS,
                Some("tooMany"),
                Text::new(
                    format!("at most {REQUESTS_PER_SECOND} requests a second per SCIM token"),
                    format!("hoogstens {REQUESTS_PER_SECOND} verzoeken per seconde per SCIM-token"),
                ),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return response;
        }
    }
    next.run(req).await
}

/// Search by `POST /.search` is not offered (the ServiceProviderConfig says so): `GET` with
/// `filter` does the same.
async fn search_not_offered() -> ScimError {
    ScimError::new(
        StatusCode::NOT_IMPLEMENTED,
        None,
        Text::new(
            "search by POST is not offered; use GET /Users or /Groups with `filter`",
            "zoeken met POST wordt niet geboden; gebruik GET /Users of /Groups met “filter”",
        ),
    )
}

/// Paging and attribute selection of a list or a read.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    filter: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
}

impl ListQuery {
    fn read(uri: &axum::http::Uri) -> ScimResult<ListQuery> {
        axum::extract::Query::<ListQuery>::try_from_uri(uri)
            .map(|q| q.0)
            .map_err(|e| {
                let e = e.body_text();
                ScimError::syntax(Text::new(
                    format!("the query string is not valid: {e}"),
                    format!("de querystring is niet geldig: {e}"),
                ))
            })
    }

    fn paging(&self) -> ScimResult<(usize, usize)> {
        let number = |v: &Option<String>, name: &str, default: i64| -> ScimResult<i64> {
            match v {
                None => Ok(default),
                Some(text) => text.trim().parse::<i64>().map_err(|_| {
                    ScimError::value(Text::new(
                        format!("`{name}` is a whole number"),
                        format!("{} hoort een geheel getal te zijn", quoted(name)),
                    ))
                }),
            }
        };
        if self.sort_by.is_some() || self.sort_order.is_some() {
            return Err(ScimError::new(
                StatusCode::BAD_REQUEST,
                Some("invalidValue"),
                Text::new(
                    "sorting is not offered (the ServiceProviderConfig says so)",
                    "sorteren wordt niet geboden (zo staat het in de ServiceProviderConfig)",
                ),
            ));
        }
        // RFC 7644: a start below 1 is read as 1, a negative count as 0.
        let start = number(&self.start_index, "startIndex", 1)?.max(1) as usize;
        let count = number(&self.count, "count", 100)?.clamp(0, 1000) as usize;
        Ok((start, count))
    }

    fn filter(&self) -> ScimResult<Option<filter::Filter>> {
        self.filter
            .as_deref()
            .map(|f| {
                filter::parse(f).map_err(|e| {
                    ScimError::new(
                        StatusCode::BAD_REQUEST,
                        Some("invalidFilter"),
                        e.map(|_, e| format!("filter: {e}")),
                    )
                })
            })
            .transpose()
    }

    fn selection(&self) -> Selection {
        let list = |v: &Option<String>| -> Vec<String> {
            v.iter()
                .flat_map(|s| s.split(','))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        Selection {
            only: list(&self.attributes),
            except: list(&self.excluded_attributes),
        }
    }
}

/// `attributes` and `excludedAttributes`: which attributes an answer carries (`id`, `schemas`
/// and `userName` always).
struct Selection {
    only: Vec<String>,
    except: Vec<String>,
}

impl Selection {
    fn apply(&self, resource: &mut Value) {
        let Some(object) = resource.as_object_mut() else {
            return;
        };
        let named = |list: &[String], key: &str| -> Vec<Option<String>> {
            list.iter()
                .filter_map(|a| {
                    let a = strip_core_schema(a);
                    let (head, sub) = match a.split_once('.') {
                        Some((h, s)) if !h.starts_with("urn:") => {
                            (h.to_string(), Some(s.to_string()))
                        }
                        _ => (a.to_string(), None),
                    };
                    head.eq_ignore_ascii_case(key).then_some(sub)
                })
                .collect()
        };
        let keys: Vec<String> = object.keys().cloned().collect();
        for key in keys {
            // Returned always (RFC 7643): `id`, and a user's `userName`.
            if key == "id" || key == "schemas" || key == "userName" {
                continue;
            }
            if !self.only.is_empty() {
                let wanted = named(&self.only, &key);
                if wanted.is_empty() {
                    object.remove(&key);
                } else if !wanted.contains(&None) {
                    if let Some(Value::Object(inner)) = object.get_mut(&key) {
                        inner.retain(|k, _| {
                            wanted.iter().flatten().any(|w| w.eq_ignore_ascii_case(k))
                        });
                    }
                }
            }
            let dropped = named(&self.except, &key);
            if dropped.contains(&None) {
                object.remove(&key);
            } else if let Some(Value::Object(inner)) = object.get_mut(&key) {
                inner.retain(|k, _| !dropped.iter().flatten().any(|w| w.eq_ignore_ascii_case(k)));
            }
        }
    }
}

fn strip_core_schema(attribute: &str) -> &str {
    for core in [
        "urn:ietf:params:scim:schemas:core:2.0:User:",
        "urn:ietf:params:scim:schemas:core:2.0:Group:",
    ] {
        if attribute.len() > core.len() && attribute[..core.len()].eq_ignore_ascii_case(core) {
            return &attribute[core.len()..];
        }
    }
    attribute
}

/// A list answer: the page of `resources` from `start` (1-based), `count` long.
fn list_response(
    resources: Vec<Value>,
    start: usize,
    count: usize,
    selection: &Selection,
) -> Response {
    let total = resources.len();
    let page: Vec<Value> = resources
        .into_iter()
        .skip(start - 1)
        .take(count)
        .map(|mut r| {
            selection.apply(&mut r);
            r
        })
        .collect();
    scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "itemsPerPage": page.len(),
            "startIndex": start,
            "Resources": page,
        }),
        HeaderMap::new(),
    )
}

/// The weak entity tag of a resource: a digest of what it says (so any change, roles included,
/// makes a new one).
fn version_of(resource: &Value) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    resource.to_string().hash(&mut hasher);
    format!("W/\"{:016x}\"", hasher.finish())
}

/// Sets `meta.version` and answers the resource with its `ETag` (and `Location`, when created).
fn resource_response(
    status: StatusCode,
    mut resource: Value,
    selection: Option<&Selection>,
) -> Response {
    let mut headers = HeaderMap::new();
    let version = resource["meta"]["version"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if let Ok(v) = HeaderValue::from_str(&version) {
        headers.insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED {
        if let Some(Ok(v)) = resource["meta"]["location"]
            .as_str()
            .map(HeaderValue::from_str)
        {
            headers.insert(header::LOCATION, v);
        }
    }
    if let Some(selection) = selection {
        selection.apply(&mut resource);
    }
    scim_json(status, &resource, headers)
}

/// Seals a resource: its version computed over everything else it says.
fn with_version(mut resource: Value) -> Value {
    let version = version_of(&resource);
    resource["meta"]["version"] = json!(version);
    resource
}

/// `If-Match`: a change to a resource whose version is no longer the one the client read is
/// refused (412), so that two provisioning runs cannot overwrite each other unseen.
fn check_if_match(headers: &HeaderMap, current: &Value) -> ScimResult<()> {
    let Some(wanted) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let version = current["meta"]["version"].as_str().unwrap_or_default();
    let strip = |v: &str| {
        v.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .to_string()
    };
    if wanted.trim() == "*" || wanted.split(',').any(|w| strip(w) == strip(version)) {
        Ok(())
    } else {
        Err(ScimError::new(
            StatusCode::PRECONDITION_FAILED,
            None,
            Text::new(
                format!("the resource changed since it was read: its version is now {version}"),
                format!("de resource is gewijzigd sinds die is gelezen: de versie is nu {version}"),
            ),
        ))
    }
}

/// Reads a JSON body (sent as `application/scim+json` or `application/json`).
fn json_body(body: &[u8]) -> ScimResult<Value> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        // serde's own words stay as serde wrote them; the frame and the place are worded per
        // language.
        let (line, column) = (e.line(), e.column());
        ScimError::syntax(Text::new(
            format!("the body is not JSON: {e} (line {line}, column {column})"),
            format!(
                "de body is geen JSON: {} (regel {line}, kolom {column})",
                crate::extract::without_place(&e.to_string())
            ),
        ))
    })?;
    if !value.is_object() {
        return Err(ScimError::syntax(Text::new(
            "the body is a JSON object",
            "de body hoort een JSON-object te zijn",
        )));
    }
    Ok(value)
}

/// A boolean as providers send it: `true`, or the text `"True"` (Entra ID).
fn boolean(value: Option<&Value>, name: &str, default: bool) -> ScimResult<bool> {
    match value {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(other) => Err(ScimError::value(Text::new(
            format!("`{name}` is true or false, not {other}"),
            format!("{} is true of false, niet {other}", quoted(name)),
        ))),
    }
}

/// A text attribute (absent and null alike).
fn text(value: Option<&Value>, name: &str) -> ScimResult<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ScimError::value(Text::new(
            format!("`{name}` is a string, not {other}"),
            format!("{} is een string, niet {other}", quoted(name)),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_database_is_not_described_to_scim_clients() {
        let e = ScimError::from(ServiceError::Unavailable(
            "pool timed out while waiting for an open connection to 10.0.0.7".into(),
        ));
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        for lang in [Lang::En, Lang::Nl] {
            let detail = e.body(lang)["detail"].as_str().unwrap_or("").to_string();
            assert!(!detail.contains("10.0.0.7"), "{detail}");
            assert!(!detail.is_empty());
        }
    }
}
