//! Sign-in, account activation from the invitation link, and sign-out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use rolehub_domain::Lang;
use rolehub_store::clock::system_now;
use serde::Deserialize;

use super::{lang_of, render, Console, Tr, LANG_COOKIE};
use crate::auth::SESSION_COOKIE;
use crate::context::RequestInfo;
use crate::routes::session::{
    cleared_cookie, open_session, password_method, session_cookie, sign_in_ctx, sign_in_person,
};
use crate::state::AppState;
use rolehub_store::service::auth::SignInError;
use rolehub_store::service::sso::SignInMethod;

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
    /// `email`, `password`, `code`, `enrol`, `recovery`, `activate`.
    step: &'static str,
    token: Option<String>,
    error: Option<String>,
    notice: Option<String>,
    /// The enrolment's QR code, as a `data:` image.
    qr: Option<String>,
    /// The enrolment's secret, for typing in.
    secret: String,
    /// Recovery codes, shown once.
    codes: Vec<String>,
}

impl SignInPage {
    fn new(t: Tr, step: &'static str, csrf: String) -> SignInPage {
        let (title, button, action) = match step {
            "code" => ("signin-code-title", "mfa-verify", "/signin/code"),
            "enrol" => ("signin-enrol-title", "mfa-verify", "/signin/enrol"),
            "recovery" => ("signin-recovery-title", "continue", "/"),
            "redirect" => ("signin-title", "continue", "/"),
            "activate" => ("activate-title", "activate-button", "/activate"),
            "password" => ("signin-title", "signin-button", "/signin"),
            _ => ("signin-title", "continue", "/signin"),
        };
        SignInPage {
            title: t.get(title),
            button: t.get(button),
            action: action.into(),
            csrf,
            email: String::new(),
            step,
            token: None,
            error: None,
            notice: None,
            qr: None,
            secret: String::new(),
            codes: Vec::new(),
            t,
        }
    }
}

#[derive(Deserialize)]
pub struct LangParam {
    lang: Option<String>,
    notice: Option<String>,
    token: Option<String>,
    step: Option<String>,
    email: Option<String>,
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

pub(super) fn with_cookies(mut response: Response, cookies: &[String]) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// A page of the sign-in steps with a fresh form token (a cookie the form must match).
fn step_page(mut page: SignInPage) -> Response {
    let csrf = rolehub_store::service::auth::new_secret().unwrap_or_default();
    page.csrf = csrf.clone();
    with_cookies(
        render(&page),
        &[format!(
            "{SIGNIN_CSRF}={csrf}; Path=/; HttpOnly; SameSite=Lax"
        )],
    )
}

/// Whether a step's form came from the page this browser was given.
fn form_ok(headers: &HeaderMap, csrf: &str) -> bool {
    !csrf.is_empty() && crate::auth::cookie_in(headers, SIGNIN_CSRF).as_deref() == Some(csrf)
}

/// The sign-in page: the email first.
pub async fn page(RequestLang(lang): RequestLang, Query(q): Query<LangParam>) -> Response {
    let lang = page_lang(lang, q.lang.as_deref());
    let t = Tr { lang };
    // "Sign in with a password instead" (break-glass accounts, when the provider is down).
    let asked_password = q.step.as_deref() == Some("password")
        && q.email.as_deref().is_some_and(|e| e.contains('@'));
    let step = if asked_password { "password" } else { "email" };
    let mut page = SignInPage::new(t, step, String::new());
    if asked_password {
        page.email = q.email.clone().unwrap_or_default().trim().to_lowercase();
    }
    page.notice = match q.notice.as_deref() {
        Some("activated") => Some(t.get("activated")),
        _ => None,
    };
    with_cookies(
        step_page(page),
        &[format!(
            "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
            lang.tag()
        )],
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    csrf: String,
    email: String,
    #[serde(default)]
    password: Option<String>,
}

/// The email step sends the people of single sign-on orgs to their provider and asks the others
/// for their password; the password step signs in, or asks for the second factor.
pub async fn submit(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Extension(info): Extension<RequestInfo>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let t = Tr { lang };
    let email = form.email.trim().to_lowercase();
    let again = |step: &'static str, error: Option<String>| {
        let mut page = SignInPage::new(t, step, String::new());
        page.email = email.clone();
        page.error = error;
        step_page(page)
    };
    if !form_ok(&headers, &form.csrf) {
        return again("email", Some(t.get("bad-form")));
    }
    let Some(password) = form.password.as_deref().filter(|p| !p.is_empty()) else {
        return match state.service.sign_in_method(&email).await {
            Ok(SignInMethod::Sso { org, .. }) => {
                super::sso::start(&state, &info, t, &org, Some(&email)).await
            }
            Ok(SignInMethod::Password) => again("password", None),
            // Nothing was checked yet: the service could not say how this person signs in.
            Err(_) => again("email", Some(t.get("signin-not-now"))),
        };
    };
    match sign_in_person(&state, &info, &email, password, None).await {
        Ok((_, secret, _)) => signed_in(&state, &secret),
        Err(SignInError::SecondFactor { pending, enrol }) => with_cookies(
            Redirect::to(if enrol {
                "/signin/enrol"
            } else {
                "/signin/code"
            })
            .into_response(),
            &[format!(
                "{PENDING_COOKIE}={pending}; Path=/signin; HttpOnly; SameSite=Lax"
            )],
        ),
        Err(e) => again("password", Some(refusal_text(t, &e))),
    }
}

/// On to the org's identity provider. A page that moves on by itself rather than a redirect:
/// the console's `form-action 'self'` policy would stop a form's redirect to another origin.
pub(super) fn provider_page(t: Tr, url: &str, email: &str) -> Response {
    let mut page = SignInPage::new(t, "redirect", String::new());
    page.action = url.to_string();
    page.email = email.to_string();
    render(&page)
}

/// The password step offered when the org's provider cannot be reached: its break-glass
/// accounts sign in there (the service refuses everyone else while single sign-on is enforced).
pub(super) fn password_instead(t: Tr, email: &str, notice: String) -> Response {
    let mut page = SignInPage::new(t, "password", String::new());
    page.email = email.to_string();
    page.error = Some(notice);
    step_page(page)
}

/// The email step again, with what went wrong.
pub(super) fn email_step(t: Tr, error: Option<String>) -> Response {
    let mut page = SignInPage::new(t, "email", String::new());
    page.error = error;
    step_page(page)
}

/// The cookie that names a sign-in waiting for its second factor.
const PENDING_COOKIE: &str = "rolehub_pending";

/// Into the console: the landing page picks the first page the person's roles reach.
pub(super) fn signed_in(state: &AppState, secret: &str) -> Response {
    with_cookies(
        Redirect::to("/").into_response(),
        &[
            session_cookie(state, secret),
            format!("{PENDING_COOKIE}=; Path=/signin; HttpOnly; SameSite=Lax; Max-Age=0"),
        ],
    )
}

/// A sign-in refusal in the reader's language: the service's own words for it (the same the API
/// gives), as a sentence.
pub(super) fn refusal_text(t: Tr, e: &SignInError) -> String {
    super::sentence(&super::readable(e.message().get(t.lang)))
}

/// The second-factor step.
pub async fn code_page(RequestLang(lang): RequestLang) -> Response {
    step_page(SignInPage::new(Tr { lang }, "code", String::new()))
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: String,
    code: String,
}

/// Checks the second factor and opens the console.
pub async fn code_submit(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Extension(info): Extension<RequestInfo>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let t = Tr { lang };
    let again = |error: String| {
        let mut page = SignInPage::new(t, "code", String::new());
        page.error = Some(error);
        step_page(page)
    };
    let Some(pending) = crate::auth::cookie_in(&headers, PENDING_COOKIE) else {
        return Redirect::to("/signin").into_response();
    };
    if !form_ok(&headers, &form.csrf) {
        return again(t.get("bad-form"));
    }
    let ctx = sign_in_ctx(&info, "");
    match state
        .service
        .finish_second_factor(&ctx, &pending, &form.code)
        .await
    {
        Ok(person) => match open_session(
            &state,
            &info,
            &person,
            password_method(&state, &person.view.email).await,
        )
        .await
        {
            Ok((secret, _)) => signed_in(&state, &secret),
            // The code was right; only the session could not be opened.
            Err(_) => again(t.get("signin-not-now")),
        },
        Err(SignInError::BadCredentials) => Redirect::to("/signin").into_response(),
        Err(e) => again(refusal_text(t, &e)),
    }
}

/// The enrolment step of a sign-in the org's policy asks a second factor of.
pub async fn enrol_page(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
) -> Response {
    enrol_step(&state, Tr { lang }, &headers, None).await
}

async fn enrol_step(
    state: &AppState,
    t: Tr,
    headers: &HeaderMap,
    error: Option<String>,
) -> Response {
    let Some(pending) = crate::auth::cookie_in(headers, PENDING_COOKIE) else {
        return Redirect::to("/signin").into_response();
    };
    match state
        .service
        .pending_enrolment(&pending, system_now())
        .await
    {
        Ok((_, enrolment)) => {
            let mut page = SignInPage::new(t, "enrol", String::new());
            page.qr = super::security::qr_data_url(&enrolment.url);
            page.secret = enrolment.secret;
            page.error = error;
            step_page(page)
        }
        Err(_) => Redirect::to("/signin").into_response(),
    }
}

/// Confirms the new authenticator, shows the recovery codes once, and opens the console.
pub async fn enrol_submit(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Extension(info): Extension<RequestInfo>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let t = Tr { lang };
    let Some(pending) = crate::auth::cookie_in(&headers, PENDING_COOKIE) else {
        return Redirect::to("/signin").into_response();
    };
    if !form_ok(&headers, &form.csrf) {
        return enrol_step(&state, t, &headers, Some(t.get("bad-form"))).await;
    }
    let ctx = sign_in_ctx(&info, "");
    match state
        .service
        .finish_enrolment(&ctx, &pending, &form.code)
        .await
    {
        Ok((person, codes)) => {
            match open_session(
                &state,
                &info,
                &person,
                password_method(&state, &person.view.email).await,
            )
            .await
            {
                Ok((secret, _)) => {
                    let mut page = SignInPage::new(t, "recovery", String::new());
                    page.codes = codes;
                    with_cookies(
                    render(&page),
                    &[
                        session_cookie(&state, &secret),
                        format!("{PENDING_COOKIE}=; Path=/signin; HttpOnly; SameSite=Lax; Max-Age=0"),
                    ],
                )
                }
                Err(_) => enrol_step(&state, t, &headers, Some(t.get("signin-not-now"))).await,
            }
        }
        Err(SignInError::BadCredentials) => Redirect::to("/signin").into_response(),
        Err(e) => enrol_step(&state, t, &headers, Some(refusal_text(t, &e))).await,
    }
}

/// The activation page of an invitation link.
pub async fn activate_page(RequestLang(lang): RequestLang, Query(q): Query<LangParam>) -> Response {
    let t = Tr {
        lang: page_lang(lang, q.lang.as_deref()),
    };
    let mut page = SignInPage::new(t, "activate", String::new());
    page.error = q.token.is_none().then(|| t.get("activation-invalid"));
    page.token = q.token;
    step_page(page)
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
    let again = |error: String| {
        let mut page = SignInPage::new(t, "activate", String::new());
        page.token = Some(form.token.clone());
        page.error = Some(error);
        step_page(page)
    };
    if !form_ok(&headers, &form.csrf) {
        return again(t.get("bad-form"));
    }
    let ctx = sign_in_ctx(&info, "");
    match state
        .service
        .activate(&ctx, &form.token, &form.password)
        .await
    {
        Ok(_) => Redirect::to("/signin?notice=activated").into_response(),
        Err(rolehub_store::ServiceError::Invalid { message, .. }) => {
            again(message.get(lang).to_string())
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use rolehub_store::ServiceError;

    /// Every sign-in refusal the console can show, and every reason single sign-on fails, reads
    /// differently in Dutch than in English: none is left in one language.
    #[test]
    fn every_sign_in_refusal_is_in_both_languages() {
        let refusals = [
            SignInError::BadCredentials,
            SignInError::SecondFactor {
                pending: String::new(),
                enrol: true,
            },
            SignInError::SecondFactor {
                pending: String::new(),
                enrol: false,
            },
            SignInError::BadCode,
            SignInError::SsoRequired,
            SignInError::WeakBreakGlass,
            SignInError::UnknownSsoPerson {
                email: "someone@acme.example".into(),
            },
            SignInError::SsoNotConfigured,
            SignInError::Deactivated,
            SignInError::Service(ServiceError::TooMany {
                retry_after: 5,
                message: rolehub_domain::Text::new("too many", "te veel"),
            }),
            SignInError::Service(ServiceError::Unavailable("the database".into())),
        ];
        let (en, nl) = (Tr { lang: Lang::En }, Tr { lang: Lang::Nl });
        for e in &refusals {
            let (english, dutch) = (refusal_text(en, e), refusal_text(nl, e));
            assert_ne!(english, dutch, "{e:?}");
            assert!(dutch.ends_with('.') && !dutch.contains('`'), "{dutch}");
        }
        let sso = [
            crate::sso::SsoError::Discovery {
                issuer: "https://idp.example".into(),
                reason: "refused".into(),
            },
            crate::sso::SsoError::Exchange("invalid_grant".into()),
            crate::sso::SsoError::IdToken("expired".into()),
            crate::sso::SsoError::NoEmail,
            crate::sso::SsoError::EmailNotVerified,
        ];
        for e in &sso {
            assert_ne!(e.summary(Lang::En), e.summary(Lang::Nl), "{e:?}");
        }
        // A sign-in that could not begin, or whose session could not open, says so, in either
        // language: never that the email or password is not right.
        for key in ["signin-sso-not-started", "signin-not-now"] {
            let (english, dutch) = (en.get(key), nl.get(key));
            assert_ne!(english, key);
            assert_ne!(english, dutch);
            assert_ne!(english, refusal_text(en, &SignInError::BadCredentials));
            assert_ne!(dutch, refusal_text(nl, &SignInError::BadCredentials));
        }
    }
}
