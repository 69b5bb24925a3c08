//! Single sign-on in the console: the way to the org's provider and its callback.
//!
//! A sign-in at the provider is bound to the browser that began it: a random secret in a cookie
//! (`rolehub_sso`, for `/sso` only) whose digest is kept with the sign-in in progress. A callback
//! address sent to someone else, or replayed from a browser history, signs nobody in.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use rolehub_store::clock::system_now;
use rolehub_store::service::mfa::random_token;
use serde::Deserialize;

use super::signin::{
    email_step, password_instead, provider_page, refusal_text, signed_in, with_cookies, RequestLang,
};
use super::Tr;
use crate::context::RequestInfo;
use crate::routes::session::{open_session, sign_in_ctx};
use crate::state::AppState;

/// The cookie that binds a sign-in at the provider to the browser that began it.
const BINDING_COOKIE: &str = "rolehub_sso";

fn binding_cookie(state: &AppState, value: &str, max_age: u32) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{BINDING_COOKIE}={value}; Path=/sso; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    )
}

/// The callback's address, as registered at the provider.
pub fn redirect_uri(info: &RequestInfo) -> String {
    format!("{}/sso/callback", info.base_url.trim_end_matches('/'))
}

/// Sends a person of `org` to its provider, remembering this sign-in (state, nonce, PKCE
/// verifier, the browser's binding) in the database.
pub(super) async fn start(
    state: &AppState,
    info: &RequestInfo,
    t: Tr,
    org: &str,
    email: Option<&str>,
) -> Response {
    // A sign-in that cannot begin says so: nobody typed a password, so "the email or password is
    // not right" would send them looking for the wrong fault.
    let not_started = || email_step(t, Some(t.get("signin-sso-not-started")));
    let config = match state.service.sso_config(org).await {
        Ok(Some(config)) => config,
        Ok(None) => return not_started(),
        Err(e) => {
            tracing::warn!(org, error = %e, "single sign-on could not start");
            return not_started();
        }
    };
    let (Ok(nonce), Ok(verifier), Ok(binding)) = (random_token(), random_token(), random_token())
    else {
        return not_started();
    };
    let sign_in = match state
        .service
        .begin_sso(org, &nonce, &verifier, &binding, system_now())
        .await
    {
        Ok(sign_in) => sign_in,
        Err(e) => {
            tracing::warn!(org, error = %e, "single sign-on could not start");
            return not_started();
        }
    };
    match state
        .sso
        .authorization_url(
            &config,
            &redirect_uri(info),
            &sign_in,
            &nonce,
            &verifier,
            email,
        )
        .await
    {
        Ok(url) => with_cookies(
            provider_page(t, &url, email.unwrap_or_default()),
            &[binding_cookie(state, &binding, 600)],
        ),
        Err(e) => {
            // The details are for the org's administrators (the log, "test the connection"),
            // not for whoever typed an email.
            tracing::warn!(org, error = %e, "single sign-on could not start");
            password_instead(t, email.unwrap_or_default(), t.get("signin-sso-down"))
        }
    }
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

/// The provider's answer: the sign-in it names is taken (once, by the browser that began it), its
/// code exchanged, its ID token checked, and its email mapped to a person of the org.
pub async fn callback(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Extension(info): Extension<RequestInfo>,
    Query(q): Query<Callback>,
    headers: HeaderMap,
) -> Response {
    let t = Tr { lang };
    let now = system_now();
    let binding = crate::auth::cookie_in(&headers, BINDING_COOKIE).unwrap_or_default();
    let pending = match q.state.as_deref() {
        Some(s) if !s.is_empty() && !binding.is_empty() => state
            .service
            .take_sso(s, &binding, now)
            .await
            .ok()
            .flatten(),
        _ => None,
    };
    let Some(pending) = pending else {
        return email_step(t, Some(t.get("signin-sso-expired")));
    };
    if let Some(error) = &q.error {
        // Only the provider's error code, as a word: a description is text anyone could have
        // put in a link.
        let code: String = error
            .chars()
            .filter(|c| c.is_ascii_lowercase() || *c == '_')
            .take(64)
            .collect();
        return email_step(t, Some(t.with("signin-sso-cancelled", "reason", &code)));
    }
    let (Some(org), Some(nonce), Some(verifier), Some(code)) =
        (pending.org, pending.nonce, pending.verifier, q.code)
    else {
        return email_step(t, Some(t.get("signin-sso-expired")));
    };
    let Ok(Some(config)) = state.service.sso_config(&org).await else {
        return email_step(t, Some(t.get("signin-not-now")));
    };
    // RFC 9207: where the provider names itself in the answer, it must be this org's provider.
    if q.iss
        .as_deref()
        .is_some_and(|iss| iss.trim_end_matches('/') != config.issuer.trim_end_matches('/'))
    {
        let reason = t.get("signin-sso-other-issuer");
        return email_step(t, Some(t.with("signin-sso-failed", "reason", &reason)));
    }
    let proven = match state
        .sso
        .finish(&config, &redirect_uri(&info), &code, &nonce, &verifier)
        .await
    {
        Ok(proven) => proven,
        Err(e) => {
            tracing::warn!(org, error = %e, "a single sign-on answer was refused");
            return email_step(
                t,
                Some(t.with(
                    "signin-sso-failed",
                    "reason",
                    &super::readable(&e.summary(lang)),
                )),
            );
        }
    };
    let ctx = sign_in_ctx(&info, &proven.email);
    match state
        .service
        .sso_sign_in(&ctx, &org, &proven.email, proven.name.as_deref())
        .await
    {
        Ok(person) => match open_session(&state, &info, &person, "sso").await {
            Ok((secret, _)) => {
                with_cookies(signed_in(&state, &secret), &[binding_cookie(&state, "", 0)])
            }
            Err(_) => email_step(t, Some(t.get("signin-not-now"))),
        },
        Err(e) => email_step(t, Some(refusal_text(t, &e))),
    }
}
