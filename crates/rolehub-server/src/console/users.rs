//! Users: the list with its tabs, filters and export; a user's page with the administrator-roles
//! editor (preview, then confirm); adding external administrators; modifying users with CSV.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, RawQuery, State};

use axum::response::Response;
use rolehub_domain::{Area, Lang, Level, Role, ScopeKind, SiteManager, Status};
use rolehub_store::directory::PeopleFilter;
use rolehub_store::service::{AssignRequest, ImportOptions, ImportReport};
use rolehub_store::{ChangeOutcome, ServiceError};

use super::{page_with_flash, redirect_with_flash, render, Chrome, Console, Flash};
use crate::state::{AppState, Upload};

/// `key=value` pairs of a query string or form body, decoded, repeated keys kept.
pub fn pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first value of a key.
pub fn first(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn all(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, v)| k == key && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect()
}

fn status_label(c: &Console, status: Status) -> String {
    c.t.get(match status {
        Status::Active => "status-active",
        Status::Pending => "status-pending",
        Status::Inactive => "status-inactive",
    })
}

fn role_name(role: Role, lang: Lang) -> &'static str {
    role.name(lang)
}

/// A row of the users list.
struct UserRow {
    id: String,
    name: String,
    email: String,
    status: String,
    status_label: String,
    roles: String,
    external: bool,
    pending: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    tab: String,
    q: String,
    role_options: Vec<(String, String, bool)>,
    roles_query: String,
    rows: Vec<UserRow>,
    next: Option<String>,
    can_export: bool,
    can_add_external: bool,
    can_csv: bool,
    can_resend: bool,
    notice: Option<String>,
}

const PAGE: i64 = 50;

/// The users list: tabs All, Administrators, External administrators (R-LIST-1, R-CCSA-9).
pub async fn list(
    State(state): State<AppState>,
    console: Console,
    Flash(flash): Flash,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = pairs(raw.as_deref().unwrap_or(""));
    let tab = match first(&query, "tab").as_str() {
        "admins" => "admins",
        "external" => "external",
        _ => "all",
    };
    let q = first(&query, "q");
    let picked: Vec<Role> = all(&query, "roles")
        .iter()
        .filter_map(|r| Role::from_id(r))
        .collect();
    let facts = match console.facts(&state).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let lang = console.t.lang;
    let mut c = console.chrome(&facts, "/users");
    let shown = flash.is_some();
    c.flash = flash;
    let ctx = console.ctx(false);
    let mut rows = Vec::new();
    let mut next = None;
    let mut notice = None;
    match tab {
        "all" => {
            let after_id = first(&query, "after");
            let after = match state.service.db().pool.acquire().await {
                Ok(mut conn) if !after_id.is_empty() => {
                    rolehub_store::load::person_by_id(&mut conn, &after_id)
                        .await
                        .ok()
                        .flatten()
                        .map(|p| p.view.email)
                }
                _ => None,
            };
            // R-EXT-10: an external viewer cannot search the fields the org withholds.
            let share = facts.org.settings.share_with_external_admins;
            let external = facts.org.relation_of(&console.person.view).is_external();
            let field = if q.contains('@') {
                rolehub_domain::SharedField::Email
            } else {
                rolehub_domain::SharedField::Name
            };
            let searchable = q.is_empty() || !external || share.contains(field);
            if !searchable {
                notice = Some(format!(
                    "{} (R-EXT-10)",
                    rolehub_domain::RuleId::Ext10.summary(lang)
                ));
            }
            let q_used = if searchable { q.clone() } else { String::new() };
            let filter = PeopleFilter {
                org: console.org.clone(),
                email: q_used.contains('@').then(|| q_used.clone()),
                display_name: (!q_used.is_empty() && !q_used.contains('@')).then(|| q_used.clone()),
                roles: picked.clone(),
                after,
                limit: PAGE + 1,
                ..PeopleFilter::default()
            };
            match state.service.list_people(&ctx, &filter).await {
                Ok(page) => {
                    for p in page.items.iter().take(PAGE as usize) {
                        let person = crate::dto::Person::from_summary(
                            p,
                            &facts.org,
                            page.shared,
                            ctx.now,
                            lang,
                        );
                        rows.push(UserRow {
                            id: person.id,
                            name: format!("{} {}", person.first_name, person.last_name)
                                .trim()
                                .to_string(),
                            email: person.emails.first().cloned().unwrap_or_default(),
                            status: person.status.clone(),
                            status_label: status_label(&console, p.person.view.status),
                            roles: person.admin_roles,
                            external: person.external,
                            pending: p.person.view.status == Status::Pending,
                        });
                    }
                    if page.items.len() as i64 > PAGE {
                        if let Some(last) = page.items.get(PAGE as usize - 1) {
                            let roles: String = picked
                                .iter()
                                .map(|r| format!("&roles={}", r.id()))
                                .collect();
                            next = Some(format!(
                                "/users?tab=all&org={}&q={}{roles}&after={}",
                                console.org, q, last.person.view.id
                            ));
                        }
                    }
                }
                Err(ServiceError::Refused(r)) => {
                    notice = Some(format!("{} ({})", r.message(lang), r.rule))
                }
                Err(e) => return console.error_page(&e),
            }
        }
        _ => {
            let external = (tab == "external").then_some(true);
            match state.service.list_admins(&ctx, &picked, external).await {
                Ok(list) => {
                    for r in &list.rows {
                        rows.push(UserRow {
                            id: r.person_id.clone(),
                            name: r.name_shown.clone(),
                            email: r.email_shown.clone(),
                            status: r.status.id().into(),
                            status_label: status_label(&console, r.status),
                            roles: crate::dto::roles_summary(&r.grants, lang),
                            external: r.external,
                            pending: r.status == Status::Pending,
                        });
                    }
                }
                Err(ServiceError::Refused(r)) => {
                    notice = Some(format!("{} ({})", r.message(lang), r.rule))
                }
                Err(e) => return console.error_page(&e),
            }
        }
    }
    let role_options = Role::ALL
        .into_iter()
        .map(|r| {
            (
                r.id().to_string(),
                role_name(r, lang).to_string(),
                picked.contains(&r),
            )
        })
        .collect();
    let page = UsersPage {
        tab: tab.into(),
        q,
        role_options,
        roles_query: picked
            .iter()
            .map(|r| format!("&roles={}", r.id()))
            .collect(),
        rows,
        next,
        can_export: console.can(&facts, Area::Roles, Level::Read),
        can_add_external: console.can(&facts, Area::ExternalAdmins, Level::Write),
        can_csv: console.can(&facts, Area::Users, Level::Write)
            || console.can(&facts, Area::CcLicenses, Level::Write),
        can_resend: console.can(&facts, Area::Users, Level::Write)
            || facts.grants.iter().any(|g| g.role == Role::CcServiceAdmin),
        notice,
        c,
    };
    page_with_flash(&page, shown)
}

/// The administrators CSV of the current filter, as a download (R-EXPORT-1..3).
pub async fn export(
    State(state): State<AppState>,
    console: Console,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = pairs(raw.as_deref().unwrap_or(""));
    let roles: Vec<Role> = all(&query, "roles")
        .iter()
        .filter_map(|r| Role::from_id(r))
        .collect();
    let mut out = Vec::new();
    match state
        .service
        .export_admins(&console.ctx(false), &roles, &mut out)
        .await
    {
        Ok(_) => crate::csv_download(&format!("administrators-{}.csv", console.org), out),
        Err(e) => console.error_page(&e),
    }
}

/// Resends the invitation to a pending user (R-CCSA-8); the old link stops working.
pub async fn resend(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(r) = console.form(&body) {
        return r;
    }
    let ctx = console.ctx(false);
    let email = match state.service.get_person(&ctx, &id).await {
        Ok(page) => page
            .items
            .first()
            .map(|p| p.person.view.email.clone())
            .unwrap_or_default(),
        Err(e) => return console.error_page(&e),
    };
    match state.service.resend_invite(&ctx, &email).await {
        Ok(()) => redirect_with_flash(
            &format!("/users?org={}", console.org),
            "ok",
            &console.t.with("flash-resent", "email", &email),
        ),
        Err(e) => console.error_page(&e),
    }
}

struct GrantRow {
    role: String,
    name: String,
    scope: String,
    site: String,
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
    licenses: String,
    last_sign_in: String,
    grants: Vec<GrantRow>,
    can_edit: bool,
    role_options: Vec<(String, String, String)>,
    sites: Vec<String>,
    locations_all: Vec<String>,
}

/// A user's page: summary (roles as a comma list or None, R-LIST-2) and the roles editor.
pub async fn detail(
    State(state): State<AppState>,
    console: Console,
    Flash(flash): Flash,
    Path(id): Path<String>,
) -> Response {
    let facts = match console.facts(&state).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let ctx = console.ctx(false);
    let page = match state.service.get_person(&ctx, &id).await {
        Ok(p) => p,
        // Role editors who may not read users (site and Events administrators, CCSAs) still see
        // the person's roles, to change the ones they may.
        Err(ServiceError::Refused(_)) => match state.service.person_roles_in_org(&ctx, &id).await {
            Ok(summary) => rolehub_store::service::PeoplePage {
                items: vec![summary],
                shared: facts
                    .org
                    .relation_of(&console.person.view)
                    .is_external()
                    .then_some(facts.org.settings.share_with_external_admins),
            },
            Err(e) => return console.error_page(&e),
        },
        Err(e) => return console.error_page(&e),
    };
    let Some(p) = page.items.first() else {
        return console.error_page(&ServiceError::not_found("person", id));
    };
    let lang = console.t.lang;
    let view = crate::dto::Person::from_summary(p, &facts.org, page.shared, ctx.now, lang);
    let relation = facts.org.relation_of(&p.person.view);
    let grants = p
        .grants
        .iter()
        .map(|g| {
            let expired = g.is_expired(relation, &facts.org.settings, ctx.now);
            let waiting = (g.role.is_site_scoped()
                || (relation.is_external()
                    && g.role == Role::FullAdmin
                    && facts.org.has_control_hub_site()))
                && !rolehub_domain::decision::signed_in_since(&p.person.view, g);
            GrantRow {
                role: g.role.id().into(),
                name: role_name(g.role, lang).into(),
                scope: match &g.scope {
                    rolehub_domain::Scope::Org => facts.org.name.clone(),
                    rolehub_domain::Scope::Site(s) => s.clone(),
                    rolehub_domain::Scope::Locations(l) => l.join(", "),
                },
                site: g.scope.site().unwrap_or("").to_string(),
                state: console.t.get(if expired {
                    "state-expired"
                } else if waiting {
                    "state-waiting"
                } else {
                    "state-in-effect"
                }),
            }
        })
        .collect();
    let holds = |role: Role| facts.grants.iter().any(|g| g.role == role);
    let can_edit = console.can(&facts, Area::Roles, Level::Write)
        || holds(Role::CcServiceAdmin)
        || holds(Role::EventsAdmin)
        || holds(Role::SiteAdmin);
    let mut c = console.chrome(&facts, "/users");
    let shown = flash.is_some();
    c.flash = flash;
    let page = UserPage {
        id: view.id.clone(),
        name: format!("{} {}", view.first_name, view.last_name)
            .trim()
            .to_string(),
        email: view.emails.first().cloned().unwrap_or_default(),
        status: view.status.clone(),
        status_label: status_label(&console, p.person.view.status),
        external: view.external,
        home_org: p.person.view.home_org.clone(),
        location: view
            .location_id
            .clone()
            .unwrap_or_else(|| console.t.get("none")),
        roles_summary: view.admin_roles.clone(),
        licenses: if view.licenses.is_empty() {
            console.t.get("none")
        } else {
            view.licenses.join(", ")
        },
        last_sign_in: view
            .last_sign_in
            .clone()
            .unwrap_or_else(|| console.t.get("never")),
        grants,
        can_edit,
        role_options: Role::ALL
            .into_iter()
            .map(|r| {
                let scope = match r.scope_kind() {
                    ScopeKind::Org => "org",
                    ScopeKind::Site => "site",
                    ScopeKind::Locations => "locations",
                };
                (
                    r.id().to_string(),
                    r.name(lang).to_string(),
                    scope.to_string(),
                )
            })
            .collect(),
        sites: facts
            .org
            .sites
            .iter()
            .filter(|s| s.managed_by == SiteManager::ControlHub)
            .map(|s| s.url.clone())
            .collect(),
        locations_all: facts.org.locations.clone(),
        c,
    };
    page_with_flash(&page, shown)
}

#[derive(Template)]
#[template(path = "preview.html")]
struct PreviewPage {
    c: Chrome,
    back: String,
    summary: String,
    refusal: Option<(String, String, String)>,
    added: Option<String>,
    removed: Vec<String>,
    warnings: Vec<String>,
    nothing: bool,
    confirm_action: String,
    fields: Vec<(String, String)>,
}

/// Describes a grant label (`role@site`) in words.
fn describe_label(label: &str, lang: Lang) -> String {
    let (role, scope) = label.split_once('@').unwrap_or((label, ""));
    let name = Role::from_id(role).map_or(role, |r| r.name(lang));
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({})", scope.replace('+', ", "))
    }
}

/// A role change the editor asks for.
struct RoleChange {
    op: String,
    role: String,
    site: String,
    locations: Vec<String>,
}

impl RoleChange {
    fn from_form(form: &[(String, String)]) -> RoleChange {
        RoleChange {
            op: first(form, "op"),
            role: first(form, "role"),
            site: first(form, "site"),
            locations: all(form, "locations"),
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        let mut f = vec![
            ("op".to_string(), self.op.clone()),
            ("role".into(), self.role.clone()),
            ("site".into(), self.site.clone()),
        ];
        f.extend(
            self.locations
                .iter()
                .map(|l| ("locations".to_string(), l.clone())),
        );
        f
    }

    async fn run(
        &self,
        state: &AppState,
        console: &Console,
        email: &str,
        dry_run: bool,
    ) -> Result<ChangeOutcome, ServiceError> {
        let ctx = console.ctx(dry_run);
        let site = (!self.site.is_empty()).then_some(self.site.as_str());
        match self.op.as_str() {
            "assign" => {
                let request = AssignRequest {
                    person: email.to_string(),
                    role: self.role.clone(),
                    site: site
                        .filter(|_| Role::from_id(&self.role).is_some_and(|r| r.is_site_scoped()))
                        .map(str::to_string),
                    locations: if self.role == Role::LocationAdmin.id() {
                        self.locations.clone()
                    } else {
                        Vec::new()
                    },
                    expires_at: None,
                };
                state.service.assign(&ctx, &request).await
            }
            "revoke" => state.service.revoke(&ctx, email, &self.role, site).await,
            "revoke_all" => state.service.revoke_all(&ctx, email).await,
            other => Err(ServiceError::invalid(
                "op",
                format!("`{other}` is not a change the editor makes"),
            )),
        }
    }

    fn summary(&self, console: &Console, person: &str) -> String {
        let role = describe_label(
            &if self.site.is_empty() {
                self.role.clone()
            } else {
                format!("{}@{}", self.role, self.site)
            },
            console.t.lang,
        );
        match self.op.as_str() {
            "revoke" => console
                .t
                .with2("change-revoke", ("role", &role), ("person", person)),
            "revoke_all" => console.t.with("change-revoke-all", "person", person),
            _ => console
                .t
                .with2("change-assign", ("role", &role), ("person", person)),
        }
    }
}

fn preview_page(
    console: &Console,
    chrome: Chrome,
    back: String,
    summary: String,
    result: Result<ChangeOutcome, ServiceError>,
    confirm_action: String,
    fields: Vec<(String, String)>,
) -> Response {
    let lang = console.t.lang;
    let mut page = PreviewPage {
        c: chrome,
        back,
        summary,
        refusal: None,
        added: None,
        removed: Vec::new(),
        warnings: Vec::new(),
        nothing: false,
        confirm_action,
        fields,
    };
    match result {
        Ok(outcome) => {
            page.nothing = outcome.added.is_none() && outcome.removed.is_empty();
            page.added = outcome.added.as_deref().map(|l| describe_label(l, lang));
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
                r.message(lang),
                r.rule.id().to_string(),
                r.rule.summary(lang).to_string(),
            ))
        }
        Err(e) => return console.error_page(&e),
    }
    render(&page)
}

async fn person_email(
    state: &AppState,
    console: &Console,
    id: &str,
) -> Result<(String, String), Response> {
    match state.service.person_in_org(&console.ctx(false), id).await {
        Ok(p) => Ok((
            p.view.email.clone(),
            format!("{} {}", p.view.first, p.view.last)
                .trim()
                .to_string(),
        )),
        Err(e) => Err(console.error_page(&e)),
    }
}

/// Shows what a role change would do (a dry run), with its side effects or its refusal.
pub async fn role_preview(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = match console.form(&body) {
        Ok(form) => form,
        Err(r) => return r,
    };
    let facts = match console.facts(&state).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (email, name) = match person_email(&state, &console, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let change = RoleChange::from_form(&form);
    let result = change.run(&state, &console, &email, true).await;
    let back = format!("/users/{id}?org={}", console.org);
    let who = if name.is_empty() { email.clone() } else { name };
    preview_page(
        &console,
        console.chrome(&facts, "/users"),
        back,
        change.summary(&console, &who),
        result,
        format!("/users/{id}/roles/apply?org={}", console.org),
        change.fields(),
    )
}

/// Saves a previewed role change.
pub async fn role_apply(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = match console.form(&body) {
        Ok(form) => form,
        Err(r) => return r,
    };
    let (email, _) = match person_email(&state, &console, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let change = RoleChange::from_form(&form);
    match change.run(&state, &console, &email, false).await {
        Ok(outcome) => {
            let lang = console.t.lang;
            let mut message = console.t.get("flash-changed");
            for w in &outcome.warnings {
                message.push(' ');
                message.push_str(w.message(lang));
            }
            redirect_with_flash(
                &format!("/users/{id}?org={}", console.org),
                if outcome.warnings.is_empty() {
                    "ok"
                } else {
                    "warn"
                },
                &message,
            )
        }
        Err(e) => console.error_page(&e),
    }
}

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
pub async fn external_page(State(state): State<AppState>, console: Console) -> Response {
    let facts = match console.facts(&state).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    render(&ExternalPage {
        c: console.chrome(&facts, "/users"),
        email: String::new(),
        category: String::new(),
        offered: Vec::new(),
        sites: Vec::new(),
        refusal: None,
    })
}

/// Step two: the email check (R-EXT-1) and the roles offered (R-EXT-3).
pub async fn external_check(
    State(state): State<AppState>,
    console: Console,
    body: Bytes,
) -> Response {
    let form = match console.form(&body) {
        Ok(form) => form,
        Err(r) => return r,
    };
    let facts = match console.facts(&state).await {
        Ok(f) => f,
        Err(r) => return r,
    };
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
            page.refusal = Some((r.rule.id().to_string(), r.message(lang)))
        }
        Err(e) => return console.error_page(&e),
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
pub async fn external_preview(
    State(state): State<AppState>,
    console: Console,
    body: Bytes,
) -> Response {
    let form = match console.form(&body) {
        Ok(form) => form,
        Err(r) => return r,
    };
    let facts = match console.facts(&state).await {
        Ok(f) => f,
        Err(r) => return r,
    };
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
        result,
        format!("/external/apply?org={}", console.org),
        fields,
    )
}

/// Step four: adding the external administrator.
pub async fn external_apply(
    State(state): State<AppState>,
    console: Console,
    body: Bytes,
) -> Response {
    let form = match console.form(&body) {
        Ok(form) => form,
        Err(r) => return r,
    };
    match external_change(&state, &console, &form, false).await {
        Ok(_) => redirect_with_flash(
            &format!("/users?tab=external&org={}", console.org),
            "ok",
            &console.t.get("flash-changed"),
        ),
        Err(e) => console.error_page(&e),
    }
}

struct ReportView {
    summary: String,
    errors: Vec<(usize, String, String, String)>,
    changes: Vec<(usize, String, String)>,
    upload_id: Option<String>,
}

#[derive(Template)]
#[template(path = "csv.html")]
struct CsvPage {
    c: Chrome,
    report: Option<ReportView>,
}

/// Modify users with CSV: the template and the upload form.
pub async fn csv_page(
    State(state): State<AppState>,
    console: Console,
    Flash(flash): Flash,
) -> Response {
    let facts = match console.facts(&state).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut c = console.chrome(&facts, "/users");
    let shown = flash.is_some();
    c.flash = flash;
    page_with_flash(&CsvPage { c, report: None }, shown)
}

/// The template, pre-filled with the org's users (R-CSV-1).
pub async fn csv_template(State(state): State<AppState>, console: Console) -> Response {
    let mut out = Vec::new();
    match state
        .service
        .csv_template(&console.ctx(false), &mut out)
        .await
    {
        Ok(_) => crate::csv_download(&format!("users-{}.csv", console.org), out),
        Err(e) => console.error_page(&e),
    }
}

fn report_view(console: &Console, report: &ImportReport, upload_id: Option<String>) -> ReportView {
    let t = console.t;
    ReportView {
        summary: t.with3(
            "csv-summary",
            ("rows", &report.rows_total.to_string()),
            ("changed", &report.changes.len().to_string()),
            ("errors", &report.refused_rows().len().to_string()),
        ),
        errors: report
            .errors
            .iter()
            .map(|e| {
                (
                    e.row,
                    e.column.clone().unwrap_or_default(),
                    e.rule.id().to_string(),
                    e.message.clone(),
                )
            })
            .collect(),
        changes: report
            .changes
            .iter()
            .map(|ch| (ch.row, ch.email.clone(), ch.changes.join("; ")))
            .collect(),
        upload_id,
    }
}

/// The preview of an upload: every change and every problem, nothing saved (R-CSV-2).
pub async fn csv_preview(
    State(state): State<AppState>,
    console: Console,
    mut multipart: Multipart,
) -> Response {
    let mut csrf = String::new();
    let mut bytes = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
            _ => {}
        }
    }
    if let Err(r) = console.check_csrf(&csrf) {
        return r;
    }
    let facts = match console.facts(&state).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let c = console.chrome(&facts, "/users");
    match state
        .service
        .import_csv(&console.ctx(true), &bytes, ImportOptions::default())
        .await
    {
        Ok(report) => {
            let applicable = !report.changes.is_empty();
            let id = applicable.then(|| {
                state.uploads.put(Upload {
                    person_id: console.person.view.id.clone(),
                    org: console.org.clone(),
                    bytes,
                    at: std::time::Instant::now(),
                })
            });
            render(&CsvPage {
                report: Some(report_view(&console, &report, id)),
                c,
            })
        }
        Err(e) => console.error_page(&e),
    }
}

/// Applies a previewed upload: all or nothing, or the valid rows only.
pub async fn csv_apply(State(state): State<AppState>, console: Console, body: Bytes) -> Response {
    let form = match console.form(&body) {
        Ok(form) => form,
        Err(r) => return r,
    };
    let id = first(&form, "upload");
    let Some(upload) = state
        .uploads
        .get(&id, &console.person.view.id, &console.org)
    else {
        return redirect_with_flash(
            &format!("/users/csv?org={}", console.org),
            "bad",
            &console.t.get("csv-expired"),
        );
    };
    let partial = first(&form, "partial") == "true";
    match state
        .service
        .import_csv(
            &console.ctx(false),
            &upload.bytes,
            ImportOptions { partial },
        )
        .await
    {
        Ok(report) if report.applied || report.errors.is_empty() => {
            state.uploads.remove(&id);
            redirect_with_flash(
                &format!("/users?org={}", console.org),
                "ok",
                &console
                    .t
                    .with("csv-applied", "rows", &report.rows_applied.to_string()),
            )
        }
        Ok(_) => redirect_with_flash(
            &format!("/users/csv?org={}", console.org),
            "bad",
            &console.t.get("csv-nothing"),
        ),
        Err(e) => console.error_page(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_pairs_are_decoded_and_repeated_keys_kept() {
        let p = pairs("roles=full_admin&roles=site_admin&q=de+Vries&e=a%40b.example&bad=%zz");
        assert_eq!(all(&p, "roles"), vec!["full_admin", "site_admin"]);
        assert_eq!(first(&p, "q"), "de Vries");
        assert_eq!(first(&p, "e"), "a@b.example");
        assert_eq!(first(&p, "bad"), "%zz");
    }
}
