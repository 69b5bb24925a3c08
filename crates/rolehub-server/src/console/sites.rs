//! The Webex Meetings page: the users of one Control Hub-managed site with the roles each holds
//! there, and — for the site's administrators and the org's full administrators — giving and
//! revoking the site's roles, each change previewed first (R-SITE-6, R-MCA-1, R-SITE-3).

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use rolehub_domain::{Area, Level, Role, RuleId, SiteManager, Target};
use rolehub_store::service::{AssignRequest, PrincipalFacts, SiteUsersQuery, SITE_ROLES};
use rolehub_store::{ChangeOutcome, ServiceError};

use super::form::{first, pairs};
use super::user::{describe_label, preview_page, saved, Previewed};
use super::users::status_label;
use super::{page_with_flash, without_rule_id, Chrome, Console, Flash, Page, Submitted};
use crate::state::AppState;
use crate::webex_ids::percent_encode;

const PAGE: i64 = 50;

/// The Control Hub-managed sites the principal's roles reach, in the org's order: those where
/// they may read the site's users, and those where they hold a site role that waits for their
/// sign-in (R-SITE-3), so that the page says why. Sites managed in Site Administration are out of
/// reach (R-SITE-2).
pub(super) fn reached_sites(facts: &PrincipalFacts) -> Vec<String> {
    let now = rolehub_store::clock::system_now();
    facts
        .org
        .sites
        .iter()
        .filter(|s| s.managed_by == SiteManager::ControlHub)
        .filter(|s| {
            let site = s.url.as_str();
            facts
                .decide(Area::SiteUsers, Level::Read, Target::Site(site), now)
                .allowed
                || facts
                    .grants
                    .iter()
                    .any(|g| g.role.is_site_role() && g.scope.site() == Some(site))
        })
        .map(|s| s.url.clone())
        .collect()
}

/// A role held on the site, as a row shows it.
struct HeldRole {
    role: String,
    name: String,
    waiting: bool,
}

/// A row of the site's users.
struct SiteRow {
    id: String,
    name: String,
    email: String,
    status: String,
    status_label: String,
    external: bool,
    host: bool,
    roles: Vec<HeldRole>,
    /// The site roles this user does not hold: (id, name).
    to_give: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "sites.html")]
struct SitesPage {
    c: Chrome,
    /// The sites to choose between.
    sites: Vec<String>,
    /// The site shown; empty when none is reached.
    site: String,
    q: String,
    rows: Vec<SiteRow>,
    next: Option<String>,
    count_text: String,
    /// A refusal or another reason the list is empty or read-only, with its rule once.
    notice: Option<String>,
    /// Whether the principal gives and revokes the site's roles (R-SITE-6).
    can_manage: bool,
    /// Why not, when the page is read-only.
    read_only_note: String,
    /// The site roles, (id, name), for the form that gives one to any user of the org.
    role_options: Vec<(String, String)>,
    /// Sites managed in Site Administration, for those who read the org's sites (R-SITE-1).
    other_sites: Vec<String>,
    other_note: String,
}

/// The users of a site (R-SITE-2) and, for its administrators, its roles to give and revoke.
pub async fn list(
    State(state): State<AppState>,
    Page { console, facts }: Page,
    Flash(flash): Flash,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = pairs(raw.as_deref().unwrap_or(""));
    let lang = console.t.lang;
    let sites = reached_sites(&facts);
    let asked = first(&query, "site");
    let site = if asked.is_empty() {
        sites.first().cloned().unwrap_or_default()
    } else {
        facts
            .org
            .site(&asked)
            .map(|s| s.url.clone())
            .unwrap_or(asked)
    };
    let q = first(&query, "q").trim().to_string();
    let after = first(&query, "after");
    let mut c = console.chrome(&facts, "/sites");
    let shown = flash.is_some();
    c.flash = flash;
    let mut rows = Vec::new();
    let mut next = None;
    let mut notice = None;
    let now = rolehub_store::clock::system_now();
    // R-SITE-6: the site's administrators and the org's full administrators give its roles.
    let can_manage = !site.is_empty()
        && facts
            .decide(Area::SiteRoles, Level::Write, Target::Site(&site), now)
            .allowed;
    let q_query = if q.is_empty() {
        String::new()
    } else {
        format!("&q={}", percent_encode(&q))
    };
    if site.is_empty() {
        notice = Some(console.t.get("sites-none"));
    } else {
        let filter = SiteUsersQuery {
            site: site.clone(),
            email: q.contains('@').then(|| q.clone()),
            display_name: (!q.is_empty() && !q.contains('@')).then(|| q.clone()),
            after: (!after.is_empty()).then_some(after),
            limit: PAGE,
        };
        match state.service.site_users(&console.ctx(false), &filter).await {
            Ok(page) => {
                for u in &page.items {
                    let view = &u.person.view;
                    let held: Vec<Role> = u.roles.iter().map(|r| r.grant.role).collect();
                    rows.push(SiteRow {
                        id: view.id.clone(),
                        name: format!("{} {}", view.first, view.last).trim().to_string(),
                        // Masked by the service where the org withholds it (R-EXT-10).
                        email: view.email.clone(),
                        status: view.status.id().to_string(),
                        status_label: status_label(&console, view.status),
                        external: u.external,
                        host: u.host,
                        roles: u
                            .roles
                            .iter()
                            .map(|r| HeldRole {
                                role: r.grant.role.id().to_string(),
                                name: r.grant.role.name(lang).to_string(),
                                waiting: r.waiting_for_sign_in,
                            })
                            .collect(),
                        to_give: SITE_ROLES
                            .iter()
                            .filter(|r| !held.contains(r))
                            .map(|r| (r.id().to_string(), r.name(lang).to_string()))
                            .collect(),
                    });
                }
                if page.more {
                    if let Some(last) = page.items.last() {
                        next = Some(format!(
                            "/sites?org={}&site={}{q_query}&after={}",
                            console.org,
                            percent_encode(&page.site),
                            last.person.view.id
                        ));
                    }
                }
            }
            // A refusal is the page's one message, its rule named once.
            Err(ServiceError::Refused(r)) => {
                notice = Some(format!(
                    "{} ({})",
                    super::readable(&without_rule_id(&r.message(lang))),
                    r.rule
                ))
            }
            Err(e) => return console.error_page(&e),
        }
    }
    // R-SITE-6: a site user or read-only administrator sees the site's roles and changes none.
    let site_role_reader = facts.grants.iter().any(|g| {
        matches!(g.role, Role::SiteUserAdmin | Role::SiteReadonlyAdmin)
            && g.scope.site() == Some(site.as_str())
    });
    let read_only_note = if site_role_reader
        && !facts
            .grants
            .iter()
            .any(|g| g.role == Role::SiteAdmin && g.scope.site() == Some(site.as_str()))
    {
        format!(
            "{} ({})",
            console.t.get("sites-readonly-site-role"),
            RuleId::Site6
        )
    } else {
        console.t.get("read-only-view")
    };
    let other_sites = if console.can(&facts, Area::Sites, Level::Read) {
        facts
            .org
            .sites
            .iter()
            .filter(|s| s.managed_by == SiteManager::SiteAdmin)
            .map(|s| s.url.clone())
            .collect()
    } else {
        Vec::new()
    };
    let count_text = if next.is_some() {
        console.t.with_count("count-more", "count", rows.len())
    } else {
        console.t.with_count("count-all", "count", rows.len())
    };
    let page = SitesPage {
        sites,
        site,
        q,
        rows,
        next,
        count_text,
        notice,
        can_manage,
        read_only_note,
        role_options: SITE_ROLES
            .iter()
            .map(|r| (r.id().to_string(), r.name(lang).to_string()))
            .collect(),
        other_sites,
        // R-SITE-1: their roles are not given in Control Hub.
        other_note: format!("{} ({})", console.t.get("sites-other-note"), RuleId::Site1),
        c,
    };
    page_with_flash(&page, shown)
}

/// A change of one site role the page asks for: give (`assign`) or take (`revoke`).
struct SiteRoleChange {
    op: String,
    role: String,
    site: String,
    /// The person, by email or id.
    person: String,
    /// The search the page showed, to go back to.
    q: String,
}

impl SiteRoleChange {
    fn from_form(form: &[(String, String)]) -> SiteRoleChange {
        SiteRoleChange {
            op: first(form, "op"),
            role: first(form, "role"),
            site: first(form, "site"),
            person: first(form, "person").trim().to_string(),
            q: first(form, "q"),
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        vec![
            ("op".to_string(), self.op.clone()),
            ("role".into(), self.role.clone()),
            ("site".into(), self.site.clone()),
            ("person".into(), self.person.clone()),
            ("q".into(), self.q.clone()),
        ]
    }

    /// The site page this change came from (the person given a role by email is searched for,
    /// so that the page shows them).
    fn back(&self, org: &str) -> String {
        let q = if self.q.is_empty() && self.person.contains('@') {
            self.person.as_str()
        } else {
            self.q.as_str()
        };
        let mut to = format!("/sites?org={org}&site={}", percent_encode(&self.site));
        if !q.is_empty() {
            to.push_str(&format!("&q={}", percent_encode(q)));
        }
        to
    }

    /// Runs the change through the service's own role operations (previewed with `dry_run`).
    async fn run(
        &self,
        state: &AppState,
        console: &Console,
        dry_run: bool,
    ) -> Result<ChangeOutcome, ServiceError> {
        // Only the site's roles are changed here; every other role is the user page's.
        let role = rolehub_store::service::parse_role(&self.role)?;
        if !role.is_site_scoped() {
            return Err(ServiceError::invalid(
                "role",
                rolehub_store::Text::new(
                    format!("{} is not a site role", rolehub_domain::quoted(&self.role)),
                    format!("{} is geen siterol", rolehub_domain::quoted(&self.role)),
                ),
            ));
        }
        let ctx = console.ctx(dry_run);
        match self.op.as_str() {
            "revoke" => {
                state
                    .service
                    .revoke(&ctx, &self.person, &self.role, Some(&self.site))
                    .await
            }
            _ => {
                let request = AssignRequest {
                    person: self.person.clone(),
                    role: self.role.clone(),
                    site: Some(self.site.clone()),
                    ..AssignRequest::default()
                };
                state.service.assign(&ctx, &request).await
            }
        }
    }

    /// The change in words, naming the person as the actor may see them.
    async fn summary(&self, state: &AppState, console: &Console) -> String {
        let who = super::user::person_name(state, console, &self.person)
            .await
            .map_or_else(|_| self.person.clone(), |(_, name)| name);
        let role = describe_label(&format!("{}@{}", self.role, self.site), console.t.lang);
        let key = if self.op == "revoke" {
            "change-revoke"
        } else {
            "change-assign"
        };
        console.t.with2(key, ("role", &role), ("person", &who))
    }
}

/// Shows what giving or taking a site role would do (a dry run): what it adds, what it removes as
/// a side effect (R-MCA-1), or the refusal with its rule (R-SITE-6, R-MCA-1, R-SITE-1, R-SITE-3).
pub async fn role_preview(
    State(state): State<AppState>,
    Submitted {
        console,
        facts,
        form,
    }: Submitted,
) -> Response {
    let change = SiteRoleChange::from_form(&form);
    let result = change
        .run(&state, &console, true)
        .await
        .map(Previewed::from);
    let summary = change.summary(&state, &console).await;
    preview_page(
        &console,
        console.chrome(&facts, "/sites"),
        change.back(&console.org),
        summary,
        result,
        format!("/sites/roles/apply?org={}", console.org),
        change.fields(),
    )
}

/// Saves a previewed site role change and goes back to the site's page.
pub async fn role_apply(
    State(state): State<AppState>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let change = SiteRoleChange::from_form(&form);
    match change.run(&state, &console, false).await {
        Ok(outcome) => saved(&console, &change.back(&console.org), &outcome.warnings),
        Err(e) => console.back(&change.back(&console.org), &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_goes_back_to_its_site_and_shows_the_person_given_a_role() {
        let form = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let change = SiteRoleChange::from_form(&form(&[
            ("op", "assign"),
            ("role", "site_user_admin"),
            ("site", "acme.webex.com"),
            ("person", " noah+1@acme.example "),
        ]));
        assert_eq!(change.person, "noah+1@acme.example");
        assert_eq!(
            change
                .fields()
                .iter()
                .map(|f| f.0.as_str())
                .collect::<Vec<_>>(),
            ["op", "role", "site", "person", "q"]
        );
        // Back on the site's page, searched for the person given a role by email.
        assert_eq!(
            change.back("acme"),
            "/sites?org=acme&site=acme.webex.com&q=noah%2B1%40acme.example"
        );
        // A change made from a row goes back to the search the page showed.
        let from_row = SiteRoleChange::from_form(&form(&[
            ("op", "revoke"),
            ("role", "site_admin"),
            ("site", "acme.webex.com"),
            ("person", "p-123"),
            ("q", "Noah"),
        ]));
        assert_eq!(
            from_row.back("acme"),
            "/sites?org=acme&site=acme.webex.com&q=Noah"
        );
    }
}
