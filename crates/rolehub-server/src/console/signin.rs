//! Sign-in, account activation from the invitation link, and sign-out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use rolehub_domain::Lang;
use rolehub_store::clock::system_now;
use rolehub_store::Ctx;
use serde::Deserialize;

use super::{lang_of, render, Console, Tr, LANG_COOKIE};
use crate::auth::SESSION_COOKIE;
use crate::context::RequestInfo;
use crate::error::ApiError;
use crate::routes::session::{cleared_cookie, session_cookie, sign_in_person};
use crate::state::AppState;

const SIGNIN_CSRF: &str = "rolehub_signin_csrf";

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    t: Tr,
    title: String,
    button: String,
    action: String,
    csrf: String,
    email: String,
    show_email: bool,
    token: Option<String>,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LangParam {
    lang: Option<String>,
    notice: Option<String>,
    token: Option<String>,
}

/// The language asked in the query (remembered in a cookie), else the request's.
fn page_lang(parts_lang: Lang, asked: Option<&str>) -> Lang {
    match asked {
        Some("nl") => Lang::Nl,
        Some("en") => Lang::En,
        _ => parts_lang,
    }
}

/// Language of a request from its headers (cookie, then `Accept-Language`).
pub struct RequestLang(pub Lang);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestLang(lang_of(parts)))
    }
}

fn with_cookies(mut response: Response, cookies: &[String]) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

fn signin_page(
    t: Tr,
    csrf: String,
    email: String,
    error: Option<String>,
    notice: Option<String>,
) -> SignInPage {
    SignInPage {
        title: t.get("signin-title"),
        button: t.get("signin-button"),
        action: "/signin".into(),
        csrf,
        email,
        show_email: true,
        token: None,
        error,
        notice,
        t,
    }
}

/// The sign-in page.
pub async fn page(RequestLang(lang): RequestLang, Query(q): Query<LangParam>) -> Response {
    let lang = page_lang(lang, q.lang.as_deref());
    let t = Tr { lang };
    let csrf = rolehub_store::service::auth::new_secret().unwrap_or_default();
    let notice = q
        .notice
        .as_deref()
        .filter(|n| *n == "activated")
        .map(|_| t.get("activated"));
    let response = render(&signin_page(t, csrf.clone(), String::new(), None, notice));
    with_cookies(
        response,
        &[
            format!("{SIGNIN_CSRF}={csrf}; Path=/signin; HttpOnly; SameSite=Strict"),
            format!(
                "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
                lang.tag()
            ),
        ],
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    csrf: String,
    email: String,
    password: String,
}

/// Signs in and opens the console.
pub async fn submit(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Extension(info): Extension<RequestInfo>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let t = Tr { lang };
    let sent_cookie = crate::auth::cookie_in(&headers, SIGNIN_CSRF);
    let fresh = rolehub_store::service::auth::new_secret().unwrap_or_default();
    let again = |error: String| {
        let response = render(&signin_page(
            t,
            fresh.clone(),
            form.email.clone(),
            Some(error),
            None,
        ));
        with_cookies(
            response,
            &[format!(
                "{SIGNIN_CSRF}={fresh}; Path=/signin; HttpOnly; SameSite=Strict"
            )],
        )
    };
    if sent_cookie.as_deref() != Some(form.csrf.as_str()) || form.csrf.is_empty() {
        return again(t.get("bad-form"));
    }
    match sign_in_person(&state, &info, &form.email, &form.password).await {
        Ok((_, secret, _)) => with_cookies(
            // The landing page picks the first page the person's roles reach.
            Redirect::to("/").into_response(),
            &[session_cookie(&state, &secret)],
        ),
        Err(ApiError::Plain {
            retry_after: Some(wait),
            ..
        }) => again(t.with("signin-throttled", "seconds", &wait.to_string())),
        Err(_) => again(t.get("signin-failed")),
    }
}

/// The activation page of an invitation link.
pub async fn activate_page(RequestLang(lang): RequestLang, Query(q): Query<LangParam>) -> Response {
    let t = Tr {
        lang: page_lang(lang, q.lang.as_deref()),
    };
    let csrf = rolehub_store::service::auth::new_secret().unwrap_or_default();
    let page = SignInPage {
        title: t.get("activate-title"),
        button: t.get("activate-button"),
        action: "/activate".into(),
        csrf: csrf.clone(),
        email: String::new(),
        show_email: false,
        token: q.token.clone(),
        error: q.token.is_none().then(|| t.get("activation-invalid")),
        notice: None,
        t,
    };
    with_cookies(
        render(&page),
        &[format!(
            "{SIGNIN_CSRF}={csrf}; Path=/activate; HttpOnly; SameSite=Strict"
        )],
    )
}

#[derive(Deserialize)]
pub struct ActivateForm {
    csrf: String,
    token: String,
    password: String,
}

/// Activates the account and sends the person to sign in.
pub async fn activate_submit(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Extension(info): Extension<RequestInfo>,
    headers: HeaderMap,
    Form(form): Form<ActivateForm>,
) -> Response {
    let t = Tr { lang };
    let sent_cookie = crate::auth::cookie_in(&headers, SIGNIN_CSRF);
    let again = |error: String| {
        let page = SignInPage {
            title: t.get("activate-title"),
            button: t.get("activate-button"),
            action: "/activate".into(),
            csrf: form.csrf.clone(),
            email: String::new(),
            show_email: false,
            token: Some(form.token.clone()),
            error: Some(error),
            notice: None,
            t,
        };
        render(&page)
    };
    if sent_cookie.as_deref() != Some(form.csrf.as_str()) {
        return again(t.get("bad-form"));
    }
    let mut ctx = Ctx::new("", "", system_now());
    ctx.request_id = info.tracking_id;
    ctx.client_addr = info.client_addr;
    match state
        .service
        .activate(&ctx, &form.token, &form.password)
        .await
    {
        Ok(_) => Redirect::to("/signin?notice=activated").into_response(),
        Err(rolehub_store::ServiceError::Invalid { message, .. }) => again(message),
        Err(_) => again(t.get("activation-invalid")),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Signs out: the session ends on the server and in the browser.
pub async fn sign_out(
    State(state): State<AppState>,
    console: Console,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = console.check_csrf(&form.csrf) {
        return r;
    }
    let secret = crate::auth::cookie_in(&headers, SESSION_COOKIE);
    if let Some(secret) = secret {
        let _ = state.service.revoke_session(&secret, system_now()).await;
    }
    with_cookies(
        Redirect::to("/signin").into_response(),
        &[cleared_cookie(&state)],
    )
}
