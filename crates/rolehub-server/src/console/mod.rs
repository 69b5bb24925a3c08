//! The web admin console: server-rendered pages over the same service layer as the API, in English
//! and Dutch, with every asset compiled in. Pages appear only to those whose roles reach them (the
//! matrix decides), read-only where the role is read-only; every change is previewed (a dry run)
//! with its side effects and refusals explained, and saved only when confirmed.

#![expect(
    clippy::result_large_err,
    reason = "console helpers answer a rendered page as their error, once per request"
)]

mod csv;
mod events;
mod external;
mod form;
mod i18n;
mod pages;
mod provisioning;
mod security;
mod signin;
mod sites;
mod sso;
mod user;
mod users;

use askama::Template;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use rolehub_domain::{Area, Lang, Level, Target};
use rolehub_store::clock::system_now;
use rolehub_store::service::PrincipalFacts;
use rolehub_store::PersonRecord;
use rolehub_store::{Ctx, ServiceError};
use serde::Deserialize;

pub use i18n::Tr;

use crate::auth::{cookie, SESSION_COOKIE};
use crate::context::RequestInfo;
use crate::state::AppState;

/// The cookie that keeps the chosen language.
pub const LANG_COOKIE: &str = "rolehub_lang";
/// The cookie that keeps the chosen org.
pub const ORG_COOKIE: &str = "rolehub_org";

/// The console's routes; the CSV upload takes files up to `csv_limit` bytes, as the API does.
pub fn router(csv_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/", get(landing))
        .route(
            "/assets/console.css",
            get(|| async {
                asset(
                    "text/css; charset=utf-8",
                    include_str!("../../assets/console.css"),
                )
            }),
        )
        .route(
            "/assets/console.js",
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../../assets/console.js"),
                )
            }),
        )
        .route("/signin", get(signin::page).post(signin::submit))
        .route(
            "/activate",
            get(signin::activate_page).post(signin::activate_submit),
        )
        .route(
            "/signin/code",
            get(signin::code_page).post(signin::code_submit),
        )
        .route(
            "/signin/enrol",
            get(signin::enrol_page).post(signin::enrol_submit),
        )
        .route("/sso/callback", get(sso::callback))
        .route("/security", get(security::show))
        .route("/security/totp/begin", post(security::begin))
        .route("/security/totp/confirm", post(security::confirm))
        .route("/security/totp/remove", post(security::remove))
        .route(
            "/security/sessions/end",
            post(security::sign_out_everywhere),
        )
        .route("/settings/sign-in", get(security::settings))
        .route("/settings/sso", post(security::save_sso))
        .route("/settings/sso/test", post(security::test_sso))
        .route("/settings/sso/remove", post(security::remove_sso))
        .route("/settings/mfa", post(security::save_mfa))
        .route("/settings/break-glass", post(security::break_glass))
        .route("/signout", post(signin::sign_out))
        .route("/language", post(pages::language))
        .route("/switch", get(pages::switch_org))
        .route("/users", get(users::list))
        .route("/users/export", get(users::export))
        .route("/users/csv", get(csv::page))
        .route("/users/csv/template", get(csv::template))
        .route(
            "/users/csv/preview",
            post(csv::preview).layer(axum::extract::DefaultBodyLimit::max(csv_limit)),
        )
        .route("/users/csv/apply", post(csv::apply))
        .route("/users/csv/uploads/{id}", get(csv::upload))
        .route("/users/csv/uploads/{id}/report", get(csv::report))
        .route("/jobs/{id}", get(csv::job))
        .route("/users/{id}", get(user::detail))
        .route("/users/{id}/resend", post(users::resend))
        .route("/users/add", post(users::add))
        .route("/users/{id}/status", post(users::set_status))
        .route("/users/{id}/licenses", post(user::licenses))
        .route("/users/{id}/remove", post(users::remove))
        .route(
            "/users/{id}/authenticator/reset",
            post(security::reset_user_authenticator),
        )
        .route(
            "/users/{id}/roles/revoke-all/preview",
            post(user::revoke_all_preview),
        )
        .route(
            "/users/{id}/roles/revoke-all/apply",
            post(user::revoke_all_apply),
        )
        .route(
            "/users/{id}/roles/set/preview",
            post(user::roles_set_preview),
        )
        .route("/users/{id}/roles/set/apply", post(user::roles_set_apply))
        .route("/external/add", get(external::page))
        .route("/external/check", post(external::check))
        .route("/external/preview", post(external::preview))
        .route("/external/apply", post(external::apply))
        .route("/sites", get(sites::list))
        .route("/sites/roles/preview", post(sites::role_preview))
        .route("/sites/roles/apply", post(sites::role_apply))
        .route("/account", get(pages::account))
        .route("/account/orders", post(pages::provision_order))
        .route("/troubleshooting", get(pages::troubleshooting))
        .route("/contact-center", get(pages::contact_center))
        .route("/contact-center/chat", post(pages::setup_chat))
        .route("/events", get(events::page))
        .route("/events/roles/preview", post(events::preview))
        .route("/events/roles/apply", post(events::apply))
        .route("/compliance", get(pages::compliance))
        .route("/settings", get(pages::settings).post(pages::save_settings))
        .route("/audit", get(pages::audit))
        .route("/provisioning", get(provisioning::show))
        .route("/provisioning/tokens", post(provisioning::create_token))
        .route(
            "/provisioning/tokens/{id}/revoke",
            post(provisioning::revoke_token),
        )
        .route(
            "/provisioning/groups/{id}/role",
            post(provisioning::group_role),
        )
        .route("/audit/export", get(pages::audit_export))
        .layer(axum::middleware::map_response(security_headers))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// CSP without inline scripts, no framing, and no caching of pages with personal data.
async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The language of a request: the chosen one (cookie), else the browser's.
pub fn lang_of(parts: &Parts) -> Lang {
    match cookie(parts, LANG_COOKIE).as_deref() {
        Some("nl") => Lang::Nl,
        Some("en") => Lang::En,
        _ => parts
            .extensions
            .get::<RequestInfo>()
            .map(|i| i.lang)
            .unwrap_or_default(),
    }
}

/// A signed-in console user, in the org they act in.
pub struct Console {
    /// The person.
    pub person: PersonRecord,
    /// The session's CSRF token; every form carries it.
    pub csrf: String,
    /// Texts in their language.
    pub t: Tr,
    /// The request's facts.
    pub info: RequestInfo,
    /// The org acted in.
    pub org: String,
    /// The orgs they may act in: (id, name).
    pub orgs: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct OrgParam {
    org: Option<String>,
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let to_signin = || Redirect::to("/signin").into_response();
        let Some(secret) = cookie(parts, SESSION_COOKIE) else {
            return Err(to_signin());
        };
        let now = system_now();
        let who = match state
            .service
            .authenticate_session(&secret, now, state.config.session_idle.as_millis() as i64)
            .await
        {
            Ok(Some(found)) => found,
            _ => return Err(to_signin()),
        };
        let person = who.person;
        let csrf = who.csrf.unwrap_or_default();
        let info = crate::auth::request_info(parts);
        let t = Tr {
            lang: lang_of(parts),
        };
        let home = Ctx::new(person.view.email.clone(), person.view.home_org.clone(), now);
        let orgs: Vec<(String, String)> = state
            .service
            .orgs_of(&home)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let visible = |o: &String| orgs.iter().any(|(id, _)| id == o);
        let asked = Query::<OrgParam>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|q| q.0.org);
        let org = match asked {
            // An org named in the address must be one the person may act in: never act on
            // another org instead (R-AUTH-1).
            Some(org) if visible(&org) => org,
            Some(_) => {
                let console = Console {
                    person,
                    csrf,
                    t,
                    info,
                    org: String::new(),
                    orgs,
                };
                return Err(console.error_page(&ServiceError::not_found(
                    rolehub_store::Thing::Organization,
                    "",
                )));
            }
            None => cookie(parts, ORG_COOKIE)
                .filter(visible)
                .unwrap_or_else(|| person.view.home_org.clone()),
        };
        Ok(Console {
            person,
            csrf,
            t,
            info,
            org,
            orgs,
        })
    }
}

/// An address no route answers. A signed-in person's browser gets the console's not-found page, in
/// their language and with the console around it; the API, SCIM and anyone not signed in get the
/// API's answer.
pub async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
) -> Response {
    let (mut parts, _) = request.into_parts();
    let path = parts.uri.path();
    let wants_page = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let api = ["/v1/", "/identity/"].iter().any(|p| path.starts_with(p));
    if wants_page && !api && cookie(&parts, SESSION_COOKIE).is_some() {
        if let Ok(console) = Console::from_request_parts(&mut parts, &state).await {
            // The page says "This page or person does not exist"; the kind is not shown. It
            // carries the console's headers, which let it load the console's style sheet.
            let page =
                console.error_page(&ServiceError::not_found(rolehub_store::Thing::Person, ""));
            return security_headers(page).await;
        }
    }
    StatusCode::NOT_FOUND.into_response()
}

/// Where a person lands: the first page their roles reach in the org they act in (the menu's
/// order: a compliance officer's Compliance page comes before Events, which everyone of an org
/// with Webex Events sees), else in the first other org they administer (an external or partner
/// administrator has nothing in their own org), else the users page, which says why there is
/// nothing.
async fn landing(
    axum::extract::State(state): axum::extract::State<AppState>,
    Page { console, facts }: Page,
) -> Response {
    // The security page is everyone's own; it is not where anyone's work begins.
    let first_page = |facts: &PrincipalFacts| {
        console
            .chrome(facts, "")
            .nav
            .into_iter()
            .find(|n| n.href != "/security")
    };
    if let Some(first) = first_page(&facts) {
        let to = format!("{}?org={}", first.href, console.org);
        return match break_glass_warning(&state, &console).await {
            Some(warning) => redirect_with_flash(&to, "bad", &warning),
            None => Redirect::to(&to).into_response(),
        };
    }
    for (org, _) in console.orgs.iter().filter(|(o, _)| *o != console.org) {
        let mut elsewhere = console.ctx(false);
        elsewhere.org = org.clone();
        if let Ok(facts) = state.service.principal(&elsewhere).await {
            if let Some(first) = first_page(&facts) {
                return Redirect::to(&format!("{}?org={org}", first.href)).into_response();
            }
        }
    }
    Redirect::to("/users").into_response()
}

/// For the org's full administrators: the break-glass sign-ins of the last 14 days by others,
/// so that every use of a break-glass account is seen.
async fn break_glass_warning(state: &AppState, console: &Console) -> Option<String> {
    let since = system_now().plus_ms(-14 * rolehub_domain::time::DAY_MS);
    let found = state
        .service
        .break_glass_sign_ins(&console.ctx(false), since)
        .await
        .ok()?;
    let others: Vec<String> = found
        .into_iter()
        .filter(|(who, _)| *who != console.person.view.email)
        .map(|(who, at)| format!("{who} ({})", flash_time(at, console.t.lang)))
        .collect();
    (!others.is_empty()).then(|| {
        console
            .t
            .with("break-glass-warning", "list", &others.join(", "))
    })
}

/// The opening of a console page, written once: the signed-in person and their facts in the org
/// (loaded once, for every decision the page takes).
pub struct Page {
    /// The signed-in person.
    pub console: Console,
    /// Their org, themselves and their grants there.
    pub facts: PrincipalFacts,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let console = Console::from_request_parts(parts, state).await?;
        let facts = console.facts(state).await?;
        Ok(Page { console, facts })
    }
}

/// The opening of a console form's handler, written once: the signed-in person and the form,
/// refused without this session's CSRF token.
pub struct Submitted {
    /// The signed-in person.
    pub console: Console,
    /// Their org, themselves and their grants there.
    pub facts: PrincipalFacts,
    /// The form's fields, decoded, repeated keys kept.
    pub form: Vec<(String, String)>,
}

impl axum::extract::FromRequest<AppState> for Submitted {
    type Rejection = Response;

    async fn from_request(
        req: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let console = Console::from_request_parts(&mut parts, state).await?;
        let limit = state.config.json_limit.max(1024 * 1024);
        let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                Html(format!("<p>{}</p>", console.t.get("bad-form"))),
            )
                .into_response()
        })?;
        let form = console.form(&bytes)?;
        let facts = console.facts(state).await?;
        Ok(Submitted {
            console,
            facts,
            form,
        })
    }
}

/// A navigation entry.
pub struct NavItem {
    /// Link.
    pub href: &'static str,
    /// Label.
    pub label: String,
    /// The current page.
    pub active: bool,
}

/// What every page's frame shows.
pub struct Chrome {
    /// Texts.
    pub t: Tr,
    /// The signed-in person.
    pub me: String,
    /// The org acted in.
    pub org_id: String,
    /// Its name.
    pub org_name: String,
    /// `?org=…` for links.
    pub org_query: String,
    /// `&org=…` for links that have a query already.
    pub org_amp: String,
    /// The orgs to switch between.
    pub orgs: Vec<(String, String)>,
    /// Navigation.
    pub nav: Vec<NavItem>,
    /// The CSRF token.
    pub csrf: String,
    /// A message after a change: (kind, text).
    pub flash: Option<(String, String)>,
}

impl Console {
    /// The service context for acting.
    pub fn ctx(&self, dry_run: bool) -> Ctx {
        let mut ctx = Ctx::new(
            self.person.view.email.clone(),
            self.org.clone(),
            system_now(),
        )
        .dry_run(dry_run);
        ctx.request_id = self.info.tracking_id.clone();
        ctx.client_addr = self.info.client_addr.clone();
        ctx.lang = self.t.lang;
        // The console previews every change; a refusal seen there is recorded like any other.
        ctx.audit_previewed_refusals = true;
        ctx
    }

    /// The service context in the person's home org, for what is their own (their sign-in).
    pub fn home_ctx(&self) -> Ctx {
        Ctx {
            org: self.person.view.home_org.clone(),
            ..self.ctx(false)
        }
    }

    /// The principal's facts, for page-access decisions without further queries.
    pub async fn facts(&self, state: &AppState) -> Result<PrincipalFacts, Response> {
        state
            .service
            .principal(&self.ctx(false))
            .await
            .map_err(|e| self.error_page(&e))
    }

    /// Whether the principal has a level in an area.
    pub fn can(&self, facts: &PrincipalFacts, area: Area, level: Level) -> bool {
        facts.decide(area, level, Target::Org, system_now()).allowed
    }

    /// The frame of a page, with navigation by access.
    pub fn chrome(&self, facts: &PrincipalFacts, active: &str) -> Chrome {
        let t = self.t;
        let can = |area| self.can(facts, area, Level::Read);
        let mut nav = Vec::new();
        let mut add = |href: &'static str, key: &str, visible: bool| {
            if visible {
                nav.push(NavItem {
                    href,
                    label: t.get(key),
                    active: href == active,
                });
            }
        };
        // A location administrator reads the users of their locations, from the same list.
        let location_admin = facts
            .grants
            .iter()
            .any(|g| g.role == rolehub_domain::Role::LocationAdmin);
        add(
            "/users",
            "nav-users",
            can(Area::Users) || can(Area::Roles) || can(Area::ExternalAdmins) || location_admin,
        );
        add("/account", "nav-account", can(Area::Account));
        add(
            "/troubleshooting",
            "nav-troubleshooting",
            can(Area::Troubleshooting),
        );
        // The Meetings sites the principal's roles reach (R-SITE-2): a site administrator's work.
        add(
            "/sites",
            "nav-sites",
            !sites::reached_sites(facts).is_empty(),
        );
        add(
            "/contact-center",
            "nav-contact-center",
            facts.org.contact_center.enabled && can(Area::ContactCenter),
        );
        // The compliance officer's page, before Events, which everyone of an org with Webex Events
        // sees: a compliance officer lands here. A full administrator without the role does not
        // reach these areas (matrix note 4), so it is not in their menu.
        add(
            "/compliance",
            "nav-compliance",
            can(Area::UserContent) || can(Area::LegalHold),
        );
        add("/events", "nav-events", facts.org.events);
        add("/settings", "nav-settings", can(Area::OrgSettings));
        add("/audit", "nav-audit", can(Area::AuditLog));
        add("/provisioning", "nav-provisioning", can(Area::Users));
        add("/security", "nav-security", true);
        Chrome {
            t,
            me: self.person.view.email.clone(),
            org_id: self.org.clone(),
            org_name: facts.org.name.clone(),
            org_query: format!("?org={}", self.org),
            org_amp: format!("&org={}", self.org),
            orgs: self.orgs.clone(),
            nav,
            csrf: self.csrf.clone(),
            flash: None,
        }
    }

    /// Reads a submitted form, refusing it without this session's CSRF token.
    pub fn form(&self, body: &[u8]) -> Result<Vec<(String, String)>, Response> {
        let form = form::pairs(&String::from_utf8_lossy(body));
        let sent = form
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        self.check_csrf(sent)?;
        if form
            .iter()
            .any(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err((
                StatusCode::BAD_REQUEST,
                Html(format!("<p>{}</p>", self.t.get("bad-form"))),
            )
                .into_response());
        }
        Ok(form)
    }

    /// Refuses a form without this session's CSRF token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), Response> {
        if sent == self.csrf {
            Ok(())
        } else {
            Err((
                StatusCode::FORBIDDEN,
                Html(format!("<p>{}</p>", self.t.get("bad-form"))),
            )
                .into_response())
        }
    }

    /// After a form was refused or had a bad value: back to the form, with the message shown there,
    /// so the person can correct it; errors the person cannot act on get the error page.
    pub fn back(&self, form_url: &str, error: &ServiceError) -> Response {
        use rolehub_store::ErrorKind;
        match error.kind() {
            ErrorKind::Refused
            | ErrorKind::Invalid
            | ErrorKind::Conflict
            | ErrorKind::Busy
            | ErrorKind::TooMany => {
                let sep = if form_url.contains('?') { '&' } else { '?' };
                redirect_with_flash(
                    &format!("{form_url}{sep}org={}", self.org),
                    "bad",
                    &readable(&error.message(self.t.lang)),
                )
            }
            _ => self.error_page(error),
        }
    }

    /// A readable error page for a service error: the rule and its explanation for refusals.
    pub fn error_page(&self, error: &ServiceError) -> Response {
        // One status per kind of error, the same as the API's.
        let status = StatusCode::from_u16(error.kind().http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (title, rule, message) = match error {
            ServiceError::Refused(r) => (
                self.t.get("error-title"),
                r.rule.id().to_string(),
                // The rule is shown beside the sentence, once.
                readable(&without_rule_id(&r.message(self.t.lang))),
            ),
            ServiceError::NotFound { .. } => (
                self.t.get("not-found-title"),
                String::new(),
                self.t.get("not-found"),
            ),
            ServiceError::Internal(_) | ServiceError::Unavailable(_) => {
                tracing::error!(error = %error, "console error");
                (
                    self.t.get("error-title"),
                    String::new(),
                    error.message(self.t.lang),
                )
            }
            other => (
                self.t.get("error-title"),
                String::new(),
                other.message(self.t.lang),
            ),
        };
        let chrome = Chrome {
            t: self.t,
            me: self.person.view.email.clone(),
            org_id: self.org.clone(),
            // The org's name, as the other pages show it (its id only if it is not one of theirs).
            org_name: self
                .orgs
                .iter()
                .find(|(id, _)| *id == self.org)
                .map_or_else(|| self.org.clone(), |(_, name)| name.clone()),
            org_query: format!("?org={}", self.org),
            org_amp: format!("&org={}", self.org),
            orgs: self.orgs.clone(),
            nav: Vec::new(),
            csrf: self.csrf.clone(),
            flash: None,
        };
        let page = ErrorPage {
            c: chrome,
            title,
            rule,
            message,
            tracking: self.info.tracking_id.clone(),
        };
        (status, render(&page)).into_response()
    }
}

impl Chrome {
    /// The flash message's parts, its times as times (see [`flash_parts`]).
    pub fn flash_parts(&self) -> Vec<(String, Option<String>)> {
        self.flash
            .as_ref()
            .map(|(_, message)| flash_parts(message))
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    title: String,
    rule: String,
    message: String,
    tracking: String,
}

/// Renders a template, or a plain error if a template fails.
pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be shown",
            )
                .into_response()
        }
    }
}

/// A redirect after a change, with a message carried in a short-lived cookie.
pub fn redirect_with_flash(to: &str, kind: &str, message: &str) -> Response {
    let value: String = format!("{kind}:{message}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut response = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "rolehub_flash={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

/// The message of the previous change, if any (and clears it).
pub fn take_flash(parts_cookie: Option<String>) -> Option<(String, String)> {
    let hex = parts_cookie?;
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (kind, message) = text.split_once(':')?;
    let kind = if matches!(kind, "ok" | "bad" | "warn") {
        kind
    } else {
        "ok"
    };
    Some((kind.to_string(), message.to_string()))
}

/// The `Set-Cookie` that clears the flash message.
pub const CLEAR_FLASH: &str = "rolehub_flash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0";

/// Extracts the flash cookie.
pub struct Flash(pub Option<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Flash {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Flash(take_flash(cookie(parts, "rolehub_flash"))))
    }
}

/// A page response that also clears the flash cookie when one was shown.
pub fn page_with_flash<T: Template>(page: &T, shown: bool) -> Response {
    let mut response = render(page);
    if shown {
        response
            .headers_mut()
            .append(header::SET_COOKIE, HeaderValue::from_static(CLEAR_FLASH));
    }
    response
}

/// A time as a page gives it: its ISO form, for a `<time>` element's `datetime`, which the
/// console's script shows in the reader's language and zone; and the time in words in the reader's
/// language in UTC, the element's text until then (and where no script runs).
pub type When = (String, String);

/// A time as a page gives it (`When`).
pub fn when(at: rolehub_domain::Timestamp, lang: Lang) -> When {
    (at.to_iso(), at.in_words(lang))
}

/// Marks a time in a flash message: the page shows it as a `<time>` element, which the console's
/// script puts in the reader's zone like every other time (the text in words, in UTC, until then).
pub fn flash_time(at: rolehub_domain::Timestamp, lang: Lang) -> String {
    format!(
        "{TIME_MARK}{}{TIME_SPLIT}{}{TIME_MARK}",
        at.to_iso(),
        at.in_words(lang)
    )
}

const TIME_MARK: char = '\u{2}';
const TIME_SPLIT: char = '\u{3}';

/// A flash message's parts: text, and times marked by [`flash_time`] as (words, Some(ISO form)).
pub fn flash_parts(message: &str) -> Vec<(String, Option<String>)> {
    message
        .split(TIME_MARK)
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| match part.split_once(TIME_SPLIT) {
            Some((iso, words)) if i % 2 == 1 => (words.to_string(), Some(iso.to_string())),
            _ => (part.to_string(), None),
        })
        .collect()
}

/// A location as a page names it. The model knows a location by its id alone (`den-haag`); a page
/// writes it as a place name (Den Haag), each word capitalised, so that it reads as a value and
/// not as a code. Forms still send the id.
pub fn place_name(id: &str) -> String {
    id.split(['-', '_', ' '])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A message as a person reads it: values the API quotes with backticks (`acme.webex.com`) are
/// quoted as in prose.
pub fn readable(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut open = true;
    for c in message.chars() {
        if c == '`' {
            out.push(if open { '“' } else { '”' });
            open = !open;
        } else {
            out.push(c);
        }
    }
    out
}

/// A message of the service (`the email or password is not right`) as a sentence of a page:
/// capitalised (unless it opens with an email, which is written as it is), with a full stop.
pub fn sentence(message: &str) -> String {
    let message = message.trim();
    let opens_with_email = message
        .split_whitespace()
        .next()
        .is_some_and(|word| word.contains('@'));
    let mut chars = message.chars();
    let mut out: String = match chars.next() {
        Some(first) if !opens_with_email => first.to_uppercase().chain(chars).collect(),
        _ => message.to_string(),
    };
    if !out.is_empty() && !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// A refusal's sentence without the rule id at its end, where the page shows the rule beside it.
pub fn without_rule_id(message: &str) -> String {
    match message.rfind(" (R-") {
        Some(at) if message.ends_with(')') => message[..at].to_string(),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod text_tests {
    use super::{flash_parts, flash_time, place_name, readable, sentence, without_rule_id};

    #[test]
    fn a_time_in_a_flash_message_is_a_time_on_the_page() {
        let at = rolehub_domain::Timestamp(1_793_523_600_000);
        let message = format!(
            "Break-glass: ann@acme.example ({}).",
            flash_time(at, rolehub_domain::Lang::En)
        );
        assert_eq!(
            flash_parts(&message),
            vec![
                ("Break-glass: ann@acme.example (".to_string(), None),
                (at.in_words(rolehub_domain::Lang::En), Some(at.to_iso())),
                (").".to_string(), None),
            ]
        );
        assert_eq!(flash_parts("Saved."), vec![("Saved.".to_string(), None)]);
    }

    #[test]
    fn a_location_is_named_as_a_place() {
        assert_eq!(place_name("rotterdam"), "Rotterdam");
        assert_eq!(place_name("den-haag"), "Den Haag");
        assert_eq!(place_name("Utrecht"), "Utrecht");
    }

    #[test]
    fn messages_read_as_prose() {
        assert_eq!(
            readable("`acme.webex.com` is not a site"),
            "“acme.webex.com” is not a site"
        );
        assert_eq!(
            without_rule_id("A full administrator cannot be a CCSA. (R-CCSA-1)"),
            "A full administrator cannot be a CCSA."
        );
        assert_eq!(without_rule_id("No rule here"), "No rule here");
        assert_eq!(
            sentence("the email or password is not right"),
            "The email or password is not right."
        );
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(
            sentence("ann@acme.example is not a user"),
            "ann@acme.example is not a user."
        );
    }
}
