//! A user's page: the summary (roles as a comma list or None, R-LIST-2) and the administrator-roles
//! editor, where every change is previewed (a dry run) with its side effects and saved only when
//! confirmed.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use rolehub_domain::{Area, Lang, Level, Role};
use rolehub_store::{ChangeOutcome, ServiceError};

use super::users::{role_name, status_label};
use super::{
    page_with_flash, redirect_with_flash, render, Chrome, Console, Flash, Page, Submitted,
};
use crate::state::AppState;

struct GrantRow {
    name: String,
    scope: String,
    state: String,
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    c: Chrome,
    id: String,
    name: String,
    email: String,
    status: String,
    status_label: String,
    external: bool,
    home_org: String,
    location: String,
    roles_summary: String,
    /// The roles the person holds through their identity provider's groups: "role (group)".
    group_roles: Vec<String>,
    licenses: String,
    /// When they last signed in, if ever.
    last_sign_in: Option<super::When>,
    grants: Vec<GrantRow>,
    can_edit: bool,
    /// May deactivate, reactivate and remove this user (a user of the org).
    can_manage: bool,
    /// A full administrator may reset this user's authenticator.
    can_reset_mfa: bool,
    /// The org's licenses: (id, name, held, may change).
    license_rows: Vec<(String, String, bool, bool)>,
    /// Whether any license may be changed here.
    can_license: bool,
    /// The roles editor: every grant that could be given, checked when held, disabled with the
    /// reason when the rules refuse it.
    role_boxes: Vec<RoleBox>,
    /// The org's locations, checked where the person is location administrator.
    /// (id, held, name).
    location_choices: Vec<(String, bool, String)>,
}

/// One check-box of the roles editor.
struct RoleBox {
    /// The form value: a grant label (`site_admin@acme.webex.com`), or `location_admin`.
    value: String,
    /// The role (and site) in words.
    name: String,
    checked: bool,
    disabled: bool,
    /// Why it is disabled: the rule's sentence and id.
    reason: String,
    /// The location role: its locations are chosen beside it.
    locations: bool,
}

/// A user's page: summary (roles as a comma list or None, R-LIST-2) and the roles editor.
pub async fn detail(
    State(state): State<AppState>,
    Page { console, facts }: Page,
    Flash(flash): Flash,
    Path(id): Path<String>,
) -> Response {
    let ctx = console.ctx(false);
    let holds = |role: Role| facts.grants.iter().any(|g| g.role == role);
    let can_edit = console.can(&facts, Area::Roles, Level::Write)
        || holds(Role::CcServiceAdmin)
        || holds(Role::EventsAdmin)
        || holds(Role::SiteAdmin);
    let summary = match state.service.get_person(&ctx, &id).await {
        Ok(p) => p,
        // Role editors who may not read users (site and Events administrators, CCSAs) still see
        // the person's roles, to change the ones they may. Anyone else is refused with the rule:
        // a location administrator reads the users of their own locations only (matrix note 1).
        Err(ServiceError::Refused(_)) if can_edit => {
            match state.service.person_roles_in_org(&ctx, &id).await {
                Ok(summary) => summary,
                Err(e) => return console.error_page(&e),
            }
        }
        Err(e) => return console.error_page(&e),
    };
    let p = &summary;
    let lang = console.t.lang;
    let view = crate::dto::Person::from_summary(p, lang);
    let row = |g: &rolehub_domain::Grant, expired: bool| {
        let waiting = (g.role.is_site_scoped()
            || (p.external && g.role == Role::FullAdmin && facts.org.has_control_hub_site()))
            && !rolehub_domain::decision::signed_in_since(&p.person.view, g);
        GrantRow {
            name: role_name(g.role, lang).into(),
            scope: match &g.scope {
                rolehub_domain::Scope::Org => facts.org.name.clone(),
                rolehub_domain::Scope::Site(s) => s.clone(),
                rolehub_domain::Scope::Locations(l) => l
                    .iter()
                    .map(|l| super::place_name(l))
                    .collect::<Vec<_>>()
                    .join(", "),
            },
            state: console.t.get(if expired {
                "state-expired"
            } else if waiting {
                "state-waiting"
            } else {
                "state-in-effect"
            }),
        }
    };
    let grants = p
        .grants
        .iter()
        .map(|g| row(g, false))
        .chain(p.expired.iter().map(|g| row(g, true)))
        .collect();
    // Services and licenses (Control Hub's "Services > Edit"): a user administrator changes every
    // license of a user of the org, a location administrator those of a user of their locations
    // (matrix note 1), a CCSA the Contact Center licenses only (R-CCSA-8, R-CCSA-10).
    let at = p.person.location.as_deref().map_or(
        rolehub_domain::Target::Org,
        rolehub_domain::Target::Location,
    );
    let users_write = facts
        .decide(
            Area::Users,
            Level::Write,
            at,
            rolehub_store::clock::system_now(),
        )
        .allowed;
    let ccsa = facts.grants.iter().any(|g| g.role == Role::CcServiceAdmin);
    let member = p.person.view.home_org == console.org;
    let license_rows: Vec<(String, String, bool, bool)> = if member {
        state
            .service
            .license_usage(&ctx)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|u| {
                let held = p.licenses.contains(&u.license);
                let contact_center = rolehub_domain::License::from_id(&u.license)
                    .is_some_and(|l| l.is_contact_center());
                let may = users_write || (ccsa && contact_center);
                (
                    u.license.clone(),
                    crate::routes::orgs::license_name(&u.license),
                    held,
                    may,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let can_license = license_rows.iter().any(|l| l.3);
    // The roles editor: what the rules would refuse is disabled, with the reason beside it.
    let assignable = if can_edit {
        state
            .service
            .assignable(&ctx, &p.person.view.id)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let role_boxes: Vec<RoleBox> = assignable
        .iter()
        .map(|a| {
            let locations = a.role == Role::LocationAdmin;
            let label = rolehub_domain::grant_label(a.role, &a.scope);
            // A box is disabled when the rules refuse its change: giving an unheld role, or taking
            // a held one (then it stays ticked, and the form keeps it).
            let refusal = if a.held {
                revoke_refusal(a)
            } else {
                a.refusal.as_ref()
            };
            RoleBox {
                value: if locations {
                    "location_admin".into()
                } else {
                    label.clone()
                },
                name: if locations {
                    a.role.name(lang).to_string()
                } else {
                    describe_label(&label, lang)
                },
                checked: a.held,
                disabled: refusal.is_some(),
                reason: refusal
                    .map(|r| {
                        format!(
                            "{} ({})",
                            super::readable(&super::without_rule_id(&r.message(lang))),
                            r.rule
                        )
                    })
                    .unwrap_or_default(),
                locations,
            }
        })
        .collect();
    let held_locations: Vec<String> = p
        .grants
        .iter()
        .filter_map(|g| match &g.scope {
            rolehub_domain::Scope::Locations(l) => Some(l.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let location_choices = facts
        .org
        .locations
        .iter()
        .map(|l| (l.clone(), held_locations.contains(l), super::place_name(l)))
        .collect();
    // Roles that come from groups are shown as such: leaving the group takes them away.
    let group_roles = state
        .service
        .group_roles_of(&ctx, &p.person.view.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(role, group)| format!("{} ({group})", describe_label(&role, console.t.lang)))
        .collect();
    // The person's org by its name: the org acted in, or an external administrator's own.
    let home_org = if p.person.view.home_org == console.org {
        facts.org.name.clone()
    } else {
        state
            .service
            .home_org_name(&ctx, &p.person.view.id)
            .await
            .unwrap_or_else(|_| p.person.view.home_org.clone())
    };
    let mut c = console.chrome(&facts, "/users");
    let shown = flash.is_some();
    c.flash = flash;
    let page = UserPage {
        group_roles,
        id: view.id.clone().unwrap_or_default(),
        name: format!("{} {}", view.first_name, view.last_name)
            .trim()
            .to_string(),
        email: view.emails.first().cloned().unwrap_or_default(),
        status: view.status.clone(),
        status_label: status_label(&console, p.person.view.status),
        external: view.external,
        home_org,
        location: view
            .location_id
            .as_deref()
            .map_or_else(|| console.t.get("none"), super::place_name),
        roles_summary: super::users::roles_text(&p.grants, lang),
        licenses: if view.licenses.is_empty() {
            console.t.get("none")
        } else {
            view.licenses
                .iter()
                .map(|l| crate::routes::orgs::license_name(l))
                .collect::<Vec<_>>()
                .join(", ")
        },
        last_sign_in: p
            .person
            .view
            .signed_in_at
            .map(|at| super::when(at, console.t.lang)),
        grants,
        can_edit,
        license_rows,
        can_license,
        can_manage: !view.external && p.person.view.home_org == console.org && users_write,
        can_reset_mfa: !view.external
            && p.person.view.home_org == console.org
            && console.can(&facts, Area::OrgSettings, Level::Write),
        role_boxes,
        location_choices,
        c,
    };
    page_with_flash(&page, shown)
}

/// Why a held role may not be taken away by this actor, for its box to be disabled (ticked) with
/// the reason beside it.
///
/// The refusal a revoke of a held role would answer (`Assignable::revoke_refusal`): the editor shows
/// such a box ticked and disabled, with its reason, and keeps the role in the submitted set.
fn revoke_refusal(a: &rolehub_store::service::Assignable) -> Option<&rolehub_domain::Refusal> {
    a.revoke_refusal.as_ref()
}

#[derive(Template)]
#[template(path = "preview.html")]
struct PreviewPage {
    c: Chrome,
    back: String,
    summary: String,
    refusal: Option<(String, String, String)>,
    added: Vec<String>,
    removed: Vec<String>,
    warnings: Vec<String>,
    nothing: bool,
    confirm_action: String,
    fields: Vec<(String, String)>,
}

/// Describes a grant label (`role@site`) in words.
pub(super) fn describe_label(label: &str, lang: Lang) -> String {
    let (role, scope) = label.split_once('@').unwrap_or((label, ""));
    let name = Role::from_id(role).map_or(role, |r| r.name(lang));
    if scope.is_empty() {
        name.to_string()
    } else if role == Role::LocationAdmin.id() {
        let places: Vec<String> = scope.split('+').map(super::place_name).collect();
        format!("{name} ({})", places.join(", "))
    } else {
        format!("{name} ({})", scope.replace('+', ", "))
    }
}

/// What a previewed change does: the grants it adds and removes, with its warnings.
pub(super) struct Previewed {
    added: Vec<String>,
    removed: Vec<String>,
    warnings: Vec<rolehub_domain::Warning>,
}

impl From<ChangeOutcome> for Previewed {
    fn from(o: ChangeOutcome) -> Previewed {
        Previewed {
            added: o.added.into_iter().collect(),
            removed: o.removed,
            warnings: o.warnings,
        }
    }
}

pub(super) fn preview_page(
    console: &Console,
    chrome: Chrome,
    back: String,
    summary: String,
    result: Result<Previewed, ServiceError>,
    confirm_action: String,
    fields: Vec<(String, String)>,
) -> Response {
    let lang = console.t.lang;
    let mut page = PreviewPage {
        c: chrome,
        back,
        summary,
        refusal: None,
        added: Vec::new(),
        removed: Vec::new(),
        warnings: Vec::new(),
        nothing: false,
        confirm_action,
        fields,
    };
    match result {
        Ok(outcome) => {
            page.nothing = outcome.added.is_empty() && outcome.removed.is_empty();
            page.added = outcome
                .added
                .iter()
                .map(|l| describe_label(l, lang))
                .collect();
            page.removed = outcome
                .removed
                .iter()
                .map(|l| describe_label(l, lang))
                .collect();
            page.warnings = outcome
                .warnings
                .iter()
                .map(|w| w.message(lang).to_string())
                .collect();
        }
        Err(ServiceError::Refused(r)) => {
            page.refusal = Some((
                super::readable(&super::without_rule_id(&r.message(lang))),
                r.rule.id().to_string(),
                r.rule.summary(lang).to_string(),
            ))
        }
        Err(e) => return console.error_page(&e),
    }
    render(&page)
}

/// The person a role change is about, as the actor may see them: (id, name or email).
async fn person_named(
    state: &AppState,
    console: &Console,
    id: &str,
) -> Result<(String, String), Response> {
    person_name(state, console, id)
        .await
        .map_err(|e| console.error_page(&e))
}

/// A person of the org as the actor may see them (R-CCSA-9 applies): their id, and their name, or
/// their email when they have none. Role changes' previews name the person by it.
pub(super) async fn person_name(
    state: &AppState,
    console: &Console,
    key: &str,
) -> Result<(String, String), rolehub_store::ServiceError> {
    let p = state
        .service
        .person_roles_in_org(&console.ctx(false), key)
        .await?;
    let name = format!("{} {}", p.person.view.first, p.person.view.last)
        .trim()
        .to_string();
    let shown = if name.is_empty() {
        p.person.view.email.clone()
    } else {
        name
    };
    Ok((p.person.view.id, shown))
}

/// Shows what taking every role of an external administrator would do (a dry run): the roles it
/// removes, or its refusal with the rule.
pub async fn revoke_all_preview(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted { console, facts, .. }: Submitted,
) -> Response {
    let (person_id, who) = match person_named(&state, &console, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let result = state
        .service
        .revoke_all(&console.ctx(true), &person_id)
        .await
        .map(Previewed::from);
    preview_page(
        &console,
        console.chrome(&facts, "/users"),
        format!("/users/{id}?org={}", console.org),
        console.t.with("change-revoke-all", "person", &who),
        result,
        format!("/users/{id}/roles/revoke-all/apply?org={}", console.org),
        Vec::new(),
    )
}

/// Takes every role of an external administrator, once previewed.
pub async fn revoke_all_apply(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted { console, .. }: Submitted,
) -> Response {
    let (person_id, who) = match person_named(&state, &console, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    match state
        .service
        .revoke_all(&console.ctx(false), &person_id)
        .await
    {
        Ok(outcome) => after_role_change(&state, &console, &id, &who, &outcome.warnings).await,
        Err(e) => console.back(&format!("/users/{id}"), &e),
    }
}

/// Where a saved role change goes: back to the person's page, or — when the change took an
/// external administrator's last role in this org, so that they are no longer of it and their page
/// would say "not found" — to the org's external administrators, saying that they are gone.
async fn after_role_change(
    state: &AppState,
    console: &Console,
    id: &str,
    who: &str,
    warnings: &[rolehub_domain::Warning],
) -> Response {
    let gone = matches!(
        state
            .service
            .person_roles_in_org(&console.ctx(false), id)
            .await,
        Err(ServiceError::NotFound { .. })
    );
    if gone {
        let mut message = format!(
            "{} {}",
            console.t.get("flash-changed"),
            console.t.with("flash-external-gone", "person", who)
        );
        for w in warnings {
            message.push(' ');
            message.push_str(w.message(console.t.lang));
        }
        return redirect_with_flash(
            &format!("/users?tab=external&org={}", console.org),
            if warnings.is_empty() { "ok" } else { "warn" },
            &message,
        );
    }
    saved(
        console,
        &format!("/users/{id}?org={}", console.org),
        warnings,
    )
}

/// Saves a user's licenses: every license of the form's list is held afterwards, every other one
/// of those the actor may change is not; one change, under the license rules (R-LIC-1, R-CCSA-2).
pub async fn licenses(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let ctx = console.ctx(false);
    let wanted: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "license")
        .map(|(_, v)| v.clone())
        .collect();
    let shown: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "shown")
        .map(|(_, v)| v.clone())
        .collect();
    let held = match state.service.get_person(&ctx, &id).await {
        Ok(p) => p.licenses,
        Err(e) => return console.error_page(&e),
    };
    let changes: Vec<(String, bool)> = shown
        .iter()
        .filter_map(|l| {
            let on = wanted.contains(l);
            (on != held.contains(l)).then(|| (l.clone(), on))
        })
        .collect();
    if changes.is_empty() {
        return redirect_with_flash(
            &format!("/users/{id}?org={}", console.org),
            "ok",
            &console.t.get("flash-nothing-changed"),
        );
    }
    match state.service.set_licenses(&ctx, &id, &changes).await {
        Ok(()) => redirect_with_flash(
            &format!("/users/{id}?org={}", console.org),
            "ok",
            &console.t.get("flash-licenses"),
        ),
        Err(e) => console.back(&format!("/users/{id}"), &e),
    }
}

/// The roles the editor's form asks for, as grant labels (the location role with the locations
/// ticked beside it).
fn wanted_roles(form: &[(String, String)]) -> Vec<String> {
    let locations: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "locations")
        .map(|(_, v)| v.clone())
        .collect();
    form.iter()
        .filter(|(k, _)| k == "roles")
        .map(|(_, v)| {
            if v == "location_admin" {
                format!("location_admin@{}", locations.join("+"))
            } else {
                v.clone()
            }
        })
        .collect()
}

/// Runs the editor's set of roles as one change (previewed with `dry_run`).
async fn set_roles(
    state: &AppState,
    console: &Console,
    person_id: &str,
    form: &[(String, String)],
    dry_run: bool,
) -> Result<Previewed, ServiceError> {
    let change = rolehub_store::service::PersonChange {
        roles: Some(wanted_roles(form)),
        ..rolehub_store::service::PersonChange::default()
    };
    let (_, replaced) = state
        .service
        .update_person(&console.ctx(dry_run), person_id, &change)
        .await?;
    let replaced = replaced.unwrap_or_default();
    Ok(Previewed {
        added: replaced.added,
        removed: replaced.removed,
        warnings: replaced.warnings,
    })
}

/// Previews the roles editor's set: every role change it makes, decided together, with every side
/// effect, before anything is saved.
pub async fn roles_set_preview(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted {
        console,
        facts,
        form,
    }: Submitted,
) -> Response {
    let (person_id, who) = match person_named(&state, &console, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let result = set_roles(&state, &console, &person_id, &form, true).await;
    let fields: Vec<(String, String)> = form
        .iter()
        .filter(|(k, _)| k == "roles" || k == "locations")
        .cloned()
        .collect();
    preview_page(
        &console,
        console.chrome(&facts, "/users"),
        format!("/users/{id}?org={}", console.org),
        console.t.with("change-set-roles", "person", &who),
        result,
        format!("/users/{id}/roles/set/apply?org={}", console.org),
        fields,
    )
}

/// Saves a previewed set of roles, as one change.
pub async fn roles_set_apply(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let (person_id, who) = match person_named(&state, &console, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    match set_roles(&state, &console, &person_id, &form, false).await {
        Ok(done) => after_role_change(&state, &console, &id, &who, &done.warnings).await,
        Err(e) => console.back(&format!("/users/{id}"), &e),
    }
}

/// Back to a page after a saved change, with its warnings (R-ASSIGN-3 and the like) in the flash.
pub(super) fn saved(console: &Console, to: &str, warnings: &[rolehub_domain::Warning]) -> Response {
    let lang = console.t.lang;
    let mut message = console.t.get("flash-changed");
    for w in warnings {
        message.push(' ');
        message.push_str(w.message(lang));
    }
    redirect_with_flash(
        to,
        if warnings.is_empty() { "ok" } else { "warn" },
        &message,
    )
}
