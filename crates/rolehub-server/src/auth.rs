//! Who is calling: a personal access token (`Authorization: Bearer …`) or a console session cookie.
//! Every route but sign-in, activation, health and the OpenAPI document needs one (R-AUTH-1).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use rolehub_domain::{quoted, Text};
use rolehub_store::clock::system_now;
use rolehub_store::service::TokenScope;
use rolehub_store::{Ctx, PersonRecord};

use crate::context::RequestInfo;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "rolehub_session";
/// The header that carries the CSRF token of a cookie session on changes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The person.
    pub person: PersonRecord,
    /// What their credential allows: sessions write, tokens their scope.
    pub scope: TokenScope,
    /// The session's CSRF token, for cookie sessions.
    pub csrf: Option<String>,
    /// The request's facts.
    pub info: RequestInfo,
}

/// A cookie's value from the `Cookie` header.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    cookie_in(&parts.headers, name)
}

/// A cookie's value from request headers.
pub fn cookie_in(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// The request's facts, as the context middleware set them.
pub fn request_info(parts: &Parts) -> RequestInfo {
    parts
        .extensions
        .get::<RequestInfo>()
        .cloned()
        .unwrap_or(RequestInfo {
            tracking_id: rolehub_store::service::new_id(),
            lang: rolehub_domain::Lang::En,
            client_addr: None,
            base_url: "http://localhost".into(),
        })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let info = request_info(parts);
        let now = system_now();
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|v| v.trim().to_string());
        if let Some(token) = bearer {
            let who = state
                .service
                .authenticate_token(&token, now)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            if who.scope == rolehub_store::service::TokenScope::Scim {
                // A SCIM token provisions through SCIM and reaches nothing else.
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    Text::new(
                        "this token has the `scim` scope: it is used at /identity/scim/{orgId}/v2/ only; use a personal access token with the `read` or `write` scope here",
                        "dit token heeft de scope “scim”: het werkt alleen bij /identity/scim/{orgId}/v2/; gebruik hier een persoonlijk toegangstoken met de scope “read” of “write”",
                    ),
                ));
            }
            return Ok(Caller {
                person: who.person,
                scope: who.scope,
                csrf: None,
                info,
            });
        }
        let Some(session) = cookie(parts, SESSION_COOKIE) else {
            return Err(ApiError::unauthorized());
        };
        let who = state
            .service
            .authenticate_session(&session, now, state.config.session_idle.as_millis() as i64)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let csrf = who.csrf.unwrap_or_default();
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let is_api = parts.uri.path().starts_with("/v1/");
        if unsafe_method && is_api {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(csrf.as_str()) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    Text::new(
                        "a change made with the console's session needs its `X-CSRF-Token` header",
                        "een wijziging met de sessie van de console heeft de header “X-CSRF-Token” van die sessie nodig",
                    ),
                ));
            }
        }
        Ok(Caller {
            person: who.person,
            scope: who.scope,
            csrf: Some(csrf),
            info,
        })
    }
}

impl Caller {
    /// The service context of this caller in their home org.
    pub fn home_ctx(&self) -> Ctx {
        self.ctx_in(&self.person.view.home_org, false)
    }

    fn ctx_in(&self, org: &str, dry_run: bool) -> Ctx {
        let mut ctx = Ctx::new(self.person.view.email.clone(), org, system_now()).dry_run(dry_run);
        ctx.request_id = self.info.tracking_id.clone();
        ctx.client_addr = self.info.client_addr.clone();
        ctx.lang = self.info.lang;
        ctx.scope = self.scope;
        ctx
    }

    /// Opens the handling of a request: the service context in the org acted in — `orgId` when
    /// given, else the caller's home org. Orgs where the caller is no user and holds nothing are
    /// not found (R-AUTH-1: tenant isolation).
    pub async fn acting(
        &self,
        state: &AppState,
        org_id: Option<&str>,
        dry_run: Option<bool>,
    ) -> ApiResult<Ctx> {
        let home = &self.person.view.home_org;
        let org = match org_id {
            None => home.clone(),
            Some(org) if org == home => org.to_string(),
            Some(org) => {
                let orgs = state.service.orgs_of(&self.home_ctx()).await?;
                if orgs.iter().any(|o| o.id == org) {
                    org.to_string()
                } else {
                    return Err(ApiError::not_found(Text::new(
                        format!("organization `{org}`"),
                        format!("organisatie {}", quoted(org)),
                    )));
                }
            }
        };
        Ok(self.ctx_in(&org, dry_run.unwrap_or(false)))
    }
}

/// The opening of an API handler, written once: who calls, and the service context in the org
/// acted in — the query's `orgId` (else the caller's home org) and `dryRun`.
pub struct Acting {
    /// Who calls.
    pub caller: Caller,
    /// The service context.
    pub ctx: Ctx,
}

/// The query parameters every handler shares; the handler's own query type checks them strictly.
#[derive(serde::Deserialize, Default)]
struct SharedQuery {
    #[serde(rename = "orgId")]
    org_id: Option<String>,
    #[serde(rename = "dryRun")]
    dry_run: Option<String>,
}

impl FromRequestParts<AppState> for Acting {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let q = axum::extract::Query::<SharedQuery>::try_from_uri(&parts.uri)
            .map(|q| q.0)
            .unwrap_or_default();
        let dry_run = q.dry_run.as_deref().map(|d| d == "true");
        let ctx = caller.acting(state, q.org_id.as_deref(), dry_run).await?;
        Ok(Acting { caller, ctx })
    }
}

impl Acting {
    /// The same, in the org a request body names, when it names one (it wins over the query's).
    pub async fn in_org(self, state: &AppState, org: Option<&str>) -> ApiResult<Acting> {
        match org {
            None => Ok(self),
            Some(org) => {
                let ctx = self
                    .caller
                    .acting(state, Some(org), Some(self.ctx.dry_run))
                    .await?;
                Ok(Acting {
                    caller: self.caller,
                    ctx,
                })
            }
        }
    }
}
