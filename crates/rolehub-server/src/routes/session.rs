//! Sign-in and tokens: `sessions`, `activation`, `tokens`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rolehub_domain::{quoted, Text};
use rolehub_store::clock::system_now;
use rolehub_store::service::auth::SignInError;
use rolehub_store::service::TokenScope;
use rolehub_store::Ctx;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Caller, SESSION_COOKIE};
use crate::context::RequestInfo;
use crate::dto::{ActivationRequest, Items, NewToken, SessionOut, SignInRequest, TokenOut};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

/// The routes of these families.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in))
        .routes(routes!(sign_out))
        .routes(routes!(activate))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// The `Set-Cookie` value of a session.
pub fn session_cookie(state: &AppState, secret: &str) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        state.config.session_ttl.as_secs()
    )
}

/// The `Set-Cookie` value that ends a session in the browser.
pub fn cleared_cookie(state: &AppState) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The context of a sign-in: no actor yet, the request's tracking id and address.
pub fn sign_in_ctx(info: &RequestInfo, account: &str) -> Ctx {
    let mut ctx = Ctx::new(account.to_string(), "", system_now());
    ctx.request_id = info.tracking_id.clone();
    ctx.client_addr = info.client_addr.clone();
    ctx
}

/// Opens a console session for a person who has signed in; answers its secret and CSRF token.
pub async fn open_session(
    state: &AppState,
    info: &RequestInfo,
    person: &rolehub_store::PersonRecord,
    method: &str,
) -> Result<(String, String), rolehub_store::ServiceError> {
    state
        .service
        .create_session(
            &person.view.id,
            system_now(),
            state.config.session_ttl.as_millis() as i64,
            info.client_addr.as_deref(),
            method,
        )
        .await
}

/// How a password sign-in of this person was made, for their session: under enforced single
/// sign-on only a break-glass account signs in with a password.
pub async fn password_method(state: &AppState, email: &str) -> &'static str {
    match state.service.sign_in_method(email).await {
        Ok(rolehub_store::service::sso::SignInMethod::Sso { enforced: true, .. }) => "break_glass",
        _ => "password",
    }
}

/// The API's answer to a sign-in that did not open a session: the store's words for it (in the
/// caller's language), but for the second factor, which the API asks for as a field of its own.
pub fn sign_in_refusal(e: SignInError) -> ApiError {
    let status = match e {
        SignInError::Service(e) => return e.into(),
        SignInError::SecondFactor { enrol: false, .. } => {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                Text::new(
                    "this account signs in with a second factor: send the code of its authenticator app (or a recovery code) as `code`",
                    "dit account meldt zich aan met een tweede factor: stuur de code van de authenticator-app (of een herstelcode) als “code”",
                ),
            )
        }
        SignInError::SecondFactor { enrol: true, .. } => {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                Text::new(
                    "your organization requires a second factor of this account: sign in to the console once to set up an authenticator app",
                    "uw organisatie vereist een tweede factor voor dit account: meld u eenmaal aan bij de console om een authenticator-app in te stellen",
                ),
            )
        }
        SignInError::BadCode | SignInError::BadCredentials => StatusCode::UNAUTHORIZED,
        SignInError::SsoRequired
        | SignInError::WeakBreakGlass
        | SignInError::UnknownSsoPerson { .. }
        | SignInError::SsoNotConfigured
        | SignInError::Deactivated => StatusCode::FORBIDDEN,
    };
    ApiError::new(status, e.message())
}

/// Signs in with email and password (rate-limited; the answer never says whether an email exists),
/// and the second factor's `code` where the account has one; opens a session.
pub async fn sign_in_person(
    state: &AppState,
    info: &RequestInfo,
    email: &str,
    password: &str,
    code: Option<&str>,
) -> Result<(rolehub_store::PersonRecord, String, String), SignInError> {
    let account = email.trim().to_lowercase();
    let ctx = sign_in_ctx(info, &account);
    let person = state
        .service
        .sign_in(&ctx, &account, password, code)
        .await?;
    let method = password_method(state, &person.view.email).await;
    let (secret, csrf) = open_session(state, info, &person, method)
        .await
        .map_err(SignInError::Service)?;
    Ok((person, secret, csrf))
}

/// Signs in; the session cookie is `HttpOnly`, `SameSite=Lax` (and `Secure` over TLS).
#[utoipa::path(post, path = "/v1/sessions", tag = "sessions", request_body = SignInRequest,
    responses((status = 201, body = SessionOut), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn sign_in(
    State(state): State<AppState>,
    axum::Extension(info): axum::Extension<RequestInfo>,
    ApiJson(body): ApiJson<SignInRequest>,
) -> ApiResult<Response> {
    let (person, secret, csrf) = sign_in_person(
        &state,
        &info,
        &body.email,
        &body.password,
        body.code.as_deref(),
    )
    .await
    .map_err(sign_in_refusal)?;
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&session_cookie(&state, &secret)) {
        headers.insert(header::SET_COOKIE, v);
    }
    let out = SessionOut {
        person_id: person.view.id,
        email: person.view.email,
        org_id: person.view.home_org,
        csrf_token: csrf,
    };
    Ok((StatusCode::CREATED, headers, Json(out)).into_response())
}

/// Signs out: the session ends on the server and in the browser.
#[utoipa::path(delete, path = "/v1/sessions/current", tag = "sessions", responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody)))]
async fn sign_out(
    State(state): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let cookie = crate::auth::cookie_in(&headers, SESSION_COOKIE);
    if let Some(secret) = cookie {
        state.service.revoke_session(&secret, system_now()).await?;
    }
    let mut out = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&cleared_cookie(&state)) {
        out.insert(header::SET_COOKIE, v);
    }
    Ok((StatusCode::NO_CONTENT, out).into_response())
}

/// Activates an invited account with the token of its invitation link, setting its password.
#[utoipa::path(post, path = "/v1/activation", tag = "sessions", request_body = ActivationRequest,
    responses((status = 204, description = "Activated; sign in with the new password"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn activate(
    State(state): State<AppState>,
    axum::Extension(info): axum::Extension<RequestInfo>,
    ApiJson(body): ApiJson<ActivationRequest>,
) -> ApiResult<StatusCode> {
    let ctx = sign_in_ctx(&info, "");
    state
        .service
        .activate(&ctx, &body.token, &body.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn token_out(t: &rolehub_store::service::auth::TokenInfo, secret: Option<String>) -> TokenOut {
    TokenOut {
        id: t.id.clone(),
        name: t.name.clone(),
        scope: t.scope.id().into(),
        created: t.created_at.to_iso(),
        expires: t.expires_at.to_iso(),
        token: secret,
    }
}

/// The caller's personal access tokens (without their secrets).
#[utoipa::path(get, path = "/v1/tokens", tag = "tokens", responses((status = 200, body = Items<TokenOut>), (status = 401, body = ErrorBody)))]
async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Items<TokenOut>>> {
    let tokens = state.service.tokens_of(&caller.home_ctx()).await?;
    Ok(Json(Items {
        items: tokens.iter().map(|t| token_out(t, None)).collect(),
    }))
}

/// Creates a personal access token for the caller; its secret is in this answer only.
#[utoipa::path(post, path = "/v1/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = TokenOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<Response> {
    let scope = match body.scope.as_deref() {
        None => TokenScope::Read,
        Some(s) => TokenScope::from_id(s).ok_or_else(|| {
            let (read, write, scim) = (quoted("read"), quoted("write"), quoted("scim"));
            ApiError::from(rolehub_store::ServiceError::invalid(
                "scope",
                rolehub_domain::Text::new(
                    format!("{} is not {read}, {write} or {scim}", quoted(s)),
                    format!("{} is niet {read}, {write} of {scim}", quoted(s)),
                ),
            ))
        })?,
    };
    let (info, secret) = state
        .service
        .create_token(
            &caller.home_ctx(),
            body.name.as_deref().unwrap_or("api"),
            scope,
            body.ttl_days.unwrap_or(90),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(token_out(&info, Some(secret)))).into_response())
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/v1/tokens/{id}", tag = "tokens", params(("id" = String, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.service.revoke_token(&caller.home_ctx(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
