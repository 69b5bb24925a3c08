//! A person's own sign-in security (their authenticator app and sessions) and the org's sign-in
//! settings (single sign-on, the second-factor policy, break-glass accounts).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use base64::Engine;
use rolehub_domain::{Area, Level};
use rolehub_store::service::mfa::MfaPolicy;
use rolehub_store::service::sso::{SsoChange, SsoConfig};
use rolehub_store::service::SettingChange;

use super::form::first;
use super::pages::guarded;
use super::{page_with_flash, redirect_with_flash, Chrome, Console, Flash, Submitted};
use crate::state::AppState;

/// An `otpauth://` address as a QR code, in a `data:` image the page's policy allows.
pub(super) fn qr_data_url(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Some(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    c: Chrome,
    enrolled: bool,
    required: bool,
    codes_left: usize,
    qr: Option<String>,
    secret: String,
    codes: Vec<String>,
    sessions: Vec<(super::When, super::When, String, String)>,
}

/// What the security page shows beyond the person's status.
#[derive(Default)]
struct Extra {
    qr: Option<String>,
    secret: String,
    codes: Vec<String>,
}

async fn security_page(
    state: &AppState,
    console: &Console,
    flash: Option<(String, String)>,
    extra: Extra,
) -> Response {
    let facts = match console.facts(state).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut c = console.chrome(&facts, "/security");
    let shown = flash.is_some();
    c.flash = flash;
    let ctx = console.home_ctx();
    let status = match state.service.mfa_status(&ctx).await {
        Ok(s) => s,
        Err(e) => return console.error_page(&e),
    };
    let sessions = match state.service.sessions_of(&ctx).await {
        Ok(s) => s,
        Err(e) => return console.error_page(&e),
    };
    let t = console.t;
    let sessions = sessions
        .iter()
        .map(|s| {
            (
                super::when(s.created_at, t.lang),
                super::when(s.last_seen_at, t.lang),
                t.get(&format!("method-{}", s.method)),
                s.client_addr.clone().unwrap_or_default(),
            )
        })
        .collect();
    page_with_flash(
        &SecurityPage {
            c,
            enrolled: status.enrolled,
            required: status.required,
            codes_left: status.recovery_codes_left,
            qr: extra.qr,
            secret: extra.secret,
            codes: extra.codes,
            sessions,
        },
        shown,
    )
}

/// The person's own security page.
pub async fn show(
    State(state): State<AppState>,
    console: Console,
    Flash(flash): Flash,
) -> Response {
    security_page(&state, &console, flash, Extra::default()).await
}

/// Starts enrolling an authenticator: the page shows its QR code and asks for a code.
pub async fn begin(
    State(state): State<AppState>,
    Submitted { console, .. }: Submitted,
) -> Response {
    match state.service.begin_enrolment(&console.home_ctx()).await {
        Ok(e) => {
            let extra = Extra {
                qr: qr_data_url(&e.url),
                secret: e.secret,
                codes: Vec::new(),
            };
            security_page(&state, &console, None, extra).await
        }
        Err(e) => console.back("/security", &e),
    }
}

/// Confirms the authenticator with its first code; shows the recovery codes once.
pub async fn confirm(
    State(state): State<AppState>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let code = first(&form, "code");
    match state
        .service
        .confirm_enrolment(&console.home_ctx(), &code)
        .await
    {
        Ok(codes) => {
            let flash = Some(("ok".to_string(), console.t.get("flash-mfa-enrolled")));
            let extra = Extra {
                codes,
                ..Extra::default()
            };
            security_page(&state, &console, flash, extra).await
        }
        Err(e) => console.back("/security", &e),
    }
}

/// Removes the authenticator (where no policy requires it).
pub async fn remove(
    State(state): State<AppState>,
    Submitted { console, .. }: Submitted,
) -> Response {
    match state
        .service
        .remove_authenticator(&console.home_ctx())
        .await
    {
        Ok(()) => redirect_with_flash("/security", "ok", &console.t.get("flash-mfa-removed")),
        Err(e) => console.back("/security", &e),
    }
}

/// Ends every session of the person, this one included.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    Submitted { console, .. }: Submitted,
) -> Response {
    match state.service.sign_out_everywhere(&console.home_ctx()).await {
        Ok(_) => redirect_with_flash(
            "/signin",
            "ok",
            &console.t.get("flash-signed-out-everywhere"),
        ),
        Err(e) => console.back("/security", &e),
    }
}

#[derive(Template)]
#[template(path = "signin_settings.html")]
struct SignInSettingsPage {
    c: Chrome,
    can_write: bool,
    configured: bool,
    issuer: String,
    client_id: String,
    enforced: bool,
    jit: bool,
    redirect_uri: String,
    report: Option<String>,
    policies: Vec<(String, String, bool)>,
    break_glass: Vec<String>,
}

async fn settings_page(
    state: &AppState,
    console: &Console,
    flash: Option<(String, String)>,
    report: Option<String>,
) -> Response {
    let (facts, mut c) = match guarded(state, console, Area::OrgSettings, "/settings").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let shown = flash.is_some();
    c.flash = flash;
    let ctx = console.ctx(false);
    let t = console.t;
    let (sso, policy, glass) = match (
        state.service.sso_settings(&ctx).await,
        state.service.mfa_policy(&ctx).await,
        state.service.break_glass_accounts(&ctx).await,
    ) {
        (Ok(a), Ok(b), Ok(g)) => (a, b, g),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return console.error_page(&e),
    };
    let sso = sso.unwrap_or(SsoConfig {
        issuer: String::new(),
        client_id: String::new(),
        client_secret: String::new(),
        enforced: false,
        just_in_time: false,
        updated_at: rolehub_domain::Timestamp(0),
    });
    let configured = !sso.issuer.is_empty();
    let policies = [MfaPolicy::None, MfaPolicy::FullAdmins, MfaPolicy::Admins]
        .into_iter()
        .map(|p| {
            (
                p.id().to_string(),
                t.get(&format!("mfa-policy-{}", p.id())),
                p == policy,
            )
        })
        .collect();
    page_with_flash(
        &SignInSettingsPage {
            c,
            can_write: console.can(&facts, Area::OrgSettings, Level::Write),
            configured,
            issuer: sso.issuer,
            client_id: sso.client_id,
            enforced: sso.enforced,
            jit: sso.just_in_time,
            redirect_uri: super::sso::redirect_uri(&console.info),
            report,
            policies,
            break_glass: glass.into_iter().map(|p| p.view.email).collect(),
        },
        shown,
    )
}

fn back_here(console: &Console, key: &str) -> Response {
    redirect_with_flash(
        &format!("/settings/sign-in?org={}", console.org),
        "ok",
        &console.t.get(key),
    )
}

/// The org's sign-in settings.
pub async fn settings(
    State(state): State<AppState>,
    console: Console,
    Flash(flash): Flash,
) -> Response {
    settings_page(&state, &console, flash, None).await
}

/// Saves the org's single sign-on.
pub async fn save_sso(
    State(state): State<AppState>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let secret = first(&form, "client_secret");
    let change = SsoChange {
        issuer: first(&form, "issuer"),
        client_id: first(&form, "client_id"),
        client_secret: (!secret.trim().is_empty()).then_some(secret),
        enforced: first(&form, "enforced") == "1",
        just_in_time: first(&form, "jit") == "1",
    };
    match state.service.set_sso(&console.ctx(false), &change).await {
        Ok(()) => back_here(&console, "flash-sso-saved"),
        Err(e) => console.back("/settings/sign-in", &e),
    }
}

/// Reads the provider's discovery document and keys, and says what it found.
pub async fn test_sso(
    State(state): State<AppState>,
    Submitted { console, .. }: Submitted,
) -> Response {
    let org = console.org.clone();
    let config = match state.service.sso_settings(&console.ctx(false)).await {
        Ok(Some(_)) => state.service.sso_config(&org).await.ok().flatten(),
        Ok(None) => None,
        Err(e) => return console.back("/settings/sign-in", &e),
    };
    let t = console.t;
    let report = match config {
        None => t.with("sso-test-failed", "reason", "-"),
        Some(config) => match state.sso.test_connection(&config).await {
            Ok(r) => t.with_all(
                "sso-test-ok",
                &[
                    ("issuer", r.issuer),
                    ("authorize", r.authorization_endpoint),
                    ("token", r.token_endpoint),
                    ("keys", r.keys.to_string()),
                    ("algorithms", r.algorithms.join(", ")),
                ],
            ),
            // The administrator reads what failed in their language, and the provider's own
            // words after it.
            Err(e) => {
                let summary = super::readable(&e.summary(t.lang));
                let reason = match e.detail() {
                    Some(detail) => format!("{summary} ({detail})"),
                    None => summary,
                };
                t.with("sso-test-failed", "reason", &reason)
            }
        },
    };
    settings_page(&state, &console, None, Some(report)).await
}

/// Ends the org's single sign-on.
pub async fn remove_sso(
    State(state): State<AppState>,
    Submitted { console, .. }: Submitted,
) -> Response {
    match state.service.remove_sso(&console.ctx(false)).await {
        Ok(()) => back_here(&console, "flash-sso-removed"),
        Err(e) => console.back("/settings/sign-in", &e),
    }
}

/// Saves who must use a second factor.
pub async fn save_mfa(
    State(state): State<AppState>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let value = serde_json::json!(first(&form, "mfa_required"));
    let change = match SettingChange::parse("mfa_required", &value) {
        Ok(c) => c,
        Err(e) => return console.back("/settings/sign-in", &e),
    };
    match state
        .service
        .set_setting(&console.ctx(false), &change)
        .await
    {
        Ok(()) => back_here(&console, "flash-mfa-policy"),
        Err(e) => console.back("/settings/sign-in", &e),
    }
}

/// Designates or undesignates a break-glass account.
pub async fn break_glass(
    State(state): State<AppState>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let on = first(&form, "on") == "1";
    match state
        .service
        .set_break_glass(&console.ctx(false), &first(&form, "email"), on)
        .await
    {
        Ok(()) => back_here(&console, "flash-break-glass"),
        Err(e) => console.back("/settings/sign-in", &e),
    }
}

/// A full administrator resets a user's authenticator (they lost it).
pub async fn reset_user_authenticator(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    Submitted { console, .. }: Submitted,
) -> Response {
    match state
        .service
        .reset_authenticator(&console.ctx(false), &id)
        .await
    {
        Ok(()) => redirect_with_flash(
            &format!("/users/{id}?org={}", console.org),
            "ok",
            &console.t.get("flash-mfa-reset"),
        ),
        Err(e) => console.back(&format!("/users/{id}"), &e),
    }
}
