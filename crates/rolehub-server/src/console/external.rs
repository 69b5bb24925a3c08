//! Adding an external administrator: the email, the check and the roles it offers (R-EXT-1,
//! R-EXT-3), the preview, and the change.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use rolehub_domain::{Role, SiteManager};
use rolehub_store::{ChangeOutcome, ServiceError};

use super::form::first;
use super::user::{describe_label, preview_page};
use super::{
    page_with_flash, redirect_with_flash, render, Chrome, Console, Flash, Page, Submitted,
};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "external.html")]
struct ExternalPage {
    c: Chrome,
    email: String,
    category: String,
    offered: Vec<(String, String)>,
    sites: Vec<String>,
    refusal: Option<(String, String)>,
}

/// Add external administrator: step one, the email.
pub async fn page(Page { console, facts }: Page, Flash(flash): Flash) -> Response {
    let shown = flash.is_some();
    let mut c = console.chrome(&facts, "/users");
    c.flash = flash;
    page_with_flash(
        &ExternalPage {
            c,
            email: String::new(),
            category: String::new(),
            offered: Vec::new(),
            sites: Vec::new(),
            refusal: None,
        },
        shown,
    )
}

/// Step two: the email check (R-EXT-1) and the roles offered (R-EXT-3).
pub async fn check(
    State(state): State<AppState>,
    Submitted {
        console,
        facts,
        form,
    }: Submitted,
) -> Response {
    let email = first(&form, "email").trim().to_lowercase();
    let lang = console.t.lang;
    let mut page = ExternalPage {
        c: console.chrome(&facts, "/users"),
        email: email.clone(),
        category: String::new(),
        offered: Vec::new(),
        sites: Vec::new(),
        refusal: None,
    };
    match state
        .service
        .verify_external(&console.ctx(false), &email)
        .await
    {
        Ok(v) => {
            page.category = console.t.with(
                if v.partner {
                    "category-partner"
                } else {
                    "category-other"
                },
                "email",
                &email,
            );
            page.sites = if v.offered.iter().any(|r| r.is_site_scoped()) {
                facts
                    .org
                    .sites
                    .iter()
                    .filter(|s| s.managed_by == SiteManager::ControlHub)
                    .map(|s| s.url.clone())
                    .collect()
            } else {
                Vec::new()
            };
            page.offered = v
                .offered
                .into_iter()
                .map(|r| (r.id().to_string(), r.name(lang).to_string()))
                .collect();
        }
        Err(ServiceError::Refused(r)) => {
            // The rule is shown beside the sentence, once.
            page.refusal = Some((
                r.rule.id().to_string(),
                super::readable(&super::without_rule_id(&r.message(lang))),
            ))
        }
        Err(e) => return console.back("/external/add", &e),
    }
    render(&page)
}

async fn external_change(
    state: &AppState,
    console: &Console,
    form: &[(String, String)],
    dry_run: bool,
) -> Result<ChangeOutcome, ServiceError> {
    let site = first(form, "site");
    let role = first(form, "role");
    let site = (!site.is_empty() && Role::from_id(&role).is_some_and(|r| r.is_site_scoped()))
        .then_some(site);
    state
        .service
        .add_external(
            &console.ctx(dry_run),
            &first(form, "email"),
            &role,
            site.as_deref(),
        )
        .await
}

/// Step three: the preview of adding the external administrator.
pub async fn preview(
    State(state): State<AppState>,
    Submitted {
        console,
        facts,
        form,
    }: Submitted,
) -> Response {
    let result = external_change(&state, &console, &form, true).await;
    let role = first(&form, "role");
    let summary = console.t.with2(
        "change-assign",
        ("role", &describe_label(&role, console.t.lang)),
        ("person", &first(&form, "email")),
    );
    let fields = vec![
        ("email".to_string(), first(&form, "email")),
        ("role".into(), role),
        ("site".into(), first(&form, "site")),
    ];
    preview_page(
        &console,
        console.chrome(&facts, "/users"),
        format!("/external/add?org={}", console.org),
        summary,
        result.map(super::user::Previewed::from),
        format!("/external/apply?org={}", console.org),
        fields,
    )
}

/// Step four: adding the external administrator.
pub async fn apply(
    State(state): State<AppState>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    match external_change(&state, &console, &form, false).await {
        Ok(_) => redirect_with_flash(
            &format!("/users?tab=external&org={}", console.org),
            "ok",
            &console.t.get("flash-changed"),
        ),
        Err(e) => console.back("/external/add", &e),
    }
}
