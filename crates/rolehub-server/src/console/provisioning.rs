//! The provisioning page: the org's SCIM address, the SCIM tokens of the signed-in full
//! administrator (created here, shown once, revocable), and the identity provider's groups with
//! the role each gives its members.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use rolehub_domain::{Area, Role};
use rolehub_store::service::TokenScope;

use super::form::first;
use super::pages::guarded;
use super::{page_with_flash, redirect_with_flash, Chrome, Console, Flash, Submitted};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "provisioning.html")]
struct ProvisioningPage {
    c: Chrome,
    scim_url: String,
    full_admin: bool,
    new_token: Option<String>,
    /// (id, name, created, expires)
    tokens: Vec<(String, String, super::When, super::When)>,
    /// (id, name, members, role label, role in words, whether the label is one of `role_options`
    /// or none: a label that is not, such as a location role of several locations, is offered
    /// as well so that saving the form keeps it)
    groups: Vec<(String, String, usize, String, String, bool)>,
    /// The roles a group can give, by name: (label, in words).
    role_options: Vec<(String, String)>,
}

async fn page(
    state: &AppState,
    console: &Console,
    flash: Option<(String, String)>,
    new_token: Option<String>,
) -> Response {
    let (facts, mut c) = match guarded(state, console, Area::Users, "/provisioning").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let shown = flash.is_some();
    c.flash = flash;
    let ctx = console.ctx(false);
    let full_admin = facts.grants.iter().any(|g| g.role == Role::FullAdmin)
        && facts.person.view.home_org == console.org;
    let tokens = match state.service.tokens_of(&ctx).await {
        Ok(t) => t
            .into_iter()
            .filter(|t| t.scope == TokenScope::Scim)
            .map(|token| {
                let lang = console.t.lang;
                (
                    token.id,
                    token.name,
                    super::when(token.created_at, lang),
                    super::when(token.expires_at, lang),
                )
            })
            .collect(),
        Err(e) => return console.error_page(&e),
    };
    let role_options = group_role_options(&facts.org, console.t.lang);
    let groups = match state.service.groups(&ctx).await {
        Ok(g) => g
            .into_iter()
            .map(|g| {
                let role = g.role.unwrap_or_default();
                // The label as it is typed in the form, and in words for those who only read it.
                let words = super::user::describe_label(&role, console.t.lang);
                let listed = role.is_empty() || role_options.iter().any(|(l, _)| *l == role);
                (g.id, g.display_name, g.members.len(), role, words, listed)
            })
            .collect(),
        Err(e) => return console.error_page(&e),
    };
    page_with_flash(
        &ProvisioningPage {
            role_options,
            scim_url: format!("{}/identity/scim/{}/v2", console.info.base_url, console.org),
            c,
            full_admin,
            new_token,
            tokens,
            groups,
        },
        shown,
    )
}

/// The roles a group of the org's identity provider can give its members, each named in the
/// reader's language (a person chooses "Device administrator", not types `device_admin`): every
/// role a user of the org may hold, a site's roles once per site managed in Control Hub
/// (R-SITE-2), and the location role once per location.
fn group_role_options(
    org: &rolehub_domain::OrgView,
    lang: rolehub_domain::Lang,
) -> Vec<(String, String)> {
    use rolehub_domain::ScopeKind;
    let mut labels = Vec::new();
    for role in Role::ALL.into_iter().filter(|r| r.internal_may_hold()) {
        match role.scope_kind() {
            ScopeKind::Org => labels.push(role.id().to_string()),
            ScopeKind::Site => labels.extend(
                org.sites
                    .iter()
                    .filter(|s| s.managed_by == rolehub_domain::SiteManager::ControlHub)
                    .map(|s| format!("{}@{}", role.id(), s.url)),
            ),
            ScopeKind::Locations => {
                labels.extend(org.locations.iter().map(|l| format!("{}@{l}", role.id())))
            }
        }
    }
    labels
        .into_iter()
        .map(|label| {
            let words = super::user::describe_label(&label, lang);
            (label, words)
        })
        .collect()
}

/// `GET /provisioning`.
pub async fn show(
    State(state): State<AppState>,
    console: Console,
    Flash(flash): Flash,
) -> Response {
    page(&state, &console, flash, None).await
}

/// Creates a SCIM token and shows its secret, once, on the page itself.
pub async fn create_token(
    State(state): State<AppState>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let name = first(&form, "name");
    let name = if name.trim().is_empty() {
        "scim".to_string()
    } else {
        name
    };
    match state
        .service
        .create_token(&console.ctx(false), &name, TokenScope::Scim, 366)
        .await
    {
        Ok((_, secret)) => {
            let flash = Some(("ok".to_string(), console.t.get("flash-scim-token")));
            page(&state, &console, flash, Some(secret)).await
        }
        Err(e) => console.back("/provisioning", &e),
    }
}

/// Revokes one of the administrator's SCIM tokens.
pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted { console, .. }: Submitted,
) -> Response {
    match state.service.revoke_token(&console.ctx(false), &id).await {
        Ok(()) => redirect_with_flash(
            &format!("/provisioning?org={}", console.org),
            "ok",
            &console.t.get("flash-token-revoked"),
        ),
        Err(e) => console.back("/provisioning", &e),
    }
}

/// Links a group to a role (empty: unlinks it).
pub async fn group_role(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let role = first(&form, "role");
    let role = Some(role.trim()).filter(|r| !r.is_empty());
    match state
        .service
        .set_group_role(&console.ctx(false), &id, role)
        .await
    {
        Ok(()) => redirect_with_flash(
            &format!("/provisioning?org={}", console.org),
            "ok",
            &console.t.get("flash-group-role"),
        ),
        Err(e) => console.back("/provisioning", &e),
    }
}
