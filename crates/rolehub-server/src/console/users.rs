//! The users list with its tabs (All, Administrators, External administrators), role filters and
//! export, and resending invitations.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use rolehub_domain::{Area, Lang, Level, Role, Status};
use rolehub_store::service::PeopleQuery;
use rolehub_store::ServiceError;

use super::form::{all, first, pairs};
use super::{page_with_flash, redirect_with_flash, Chrome, Console, Flash, Page, Submitted};
use crate::state::AppState;
use crate::webex_ids::percent_encode;

pub(super) fn status_label(c: &Console, status: Status) -> String {
    c.t.get(match status {
        Status::Active => "status-active",
        Status::Pending => "status-pending",
        Status::Inactive => "status-inactive",
    })
}

pub(super) fn role_name(role: Role, lang: Lang) -> &'static str {
    role.name(lang)
}

/// A person's roles as the console says them (R-LIST-2: a comma list, or None): the API's summary,
/// with a location role's locations named as places (Location administrator (Rotterdam)).
pub(super) fn roles_text(grants: &[rolehub_domain::Grant], lang: Lang) -> String {
    let shown: Vec<rolehub_domain::Grant> = grants
        .iter()
        .cloned()
        .map(|mut g| {
            if let rolehub_domain::Scope::Locations(places) = &mut g.scope {
                *places = places.iter().map(|l| super::place_name(l)).collect();
            }
            g
        })
        .collect();
    crate::dto::roles_summary(&shown, lang)
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
    can_add_user: bool,
    can_resend: bool,
    notice: Option<String>,
    /// "12 people", "50 shown, more on the next page".
    count_text: String,
    /// The filters in force, in words; empty when none.
    active_filters: String,
    /// A location administrator's locations, to choose which one's users are listed.
    location_choices: Vec<String>,
    /// The location listed.
    chosen_location: String,
}

const PAGE: i64 = 50;

/// The users list: tabs All, Administrators, External administrators (R-LIST-1, R-CCSA-9).
pub async fn list(
    State(state): State<AppState>,
    Page { console, facts }: Page,
    Flash(flash): Flash,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = pairs(raw.as_deref().unwrap_or(""));
    // Who reads the external administrators but no users (a provisioning administrator, R-CC-2)
    // opens on the list they may read, not on a refusal.
    let location_admin = facts.grants.iter().any(|g| g.role == Role::LocationAdmin);
    let external_only = !console.can(&facts, Area::Users, Level::Read)
        && !location_admin
        && console.can(&facts, Area::ExternalAdmins, Level::Read);
    let tab = match first(&query, "tab").as_str() {
        "admins" => "admins",
        "external" => "external",
        "all" => "all",
        _ if external_only => "external",
        _ => "all",
    };
    let q = first(&query, "q");
    let picked: Vec<Role> = all(&query, "roles")
        .iter()
        .filter_map(|r| Role::from_id(r))
        .collect();
    let lang = console.t.lang;
    let mut c = console.chrome(&facts, "/users");
    let shown = flash.is_some();
    c.flash = flash;
    let ctx = console.ctx(false);
    let mut rows = Vec::new();
    let mut next = None;
    let mut notice = None;
    let mut location_choices: Vec<String> = Vec::new();
    let mut chosen_location = String::new();
    match tab {
        "all" => {
            let after_id = first(&query, "after");
            // R-EXT-10: an external viewer cannot search the fields the org withholds; the
            // service refuses such a search, and the page says so instead of finding nothing.
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
            // A location administrator reads the users of their locations (R-LOC-1): the list
            // shows one of them at a time.
            let own_locations: Vec<String> = facts
                .grants
                .iter()
                .filter_map(|g| match &g.scope {
                    rolehub_domain::Scope::Locations(l) if g.role == Role::LocationAdmin => {
                        Some(l.clone())
                    }
                    _ => None,
                })
                .flatten()
                .collect();
            let location = if console.can(&facts, Area::Users, Level::Read) {
                None
            } else {
                let asked = first(&query, "location");
                own_locations
                    .iter()
                    .find(|l| **l == asked)
                    .or(own_locations.first())
                    .cloned()
            };
            location_choices = own_locations;
            chosen_location = location.clone().unwrap_or_default();
            let filter = PeopleQuery {
                location,
                email: q_used.contains('@').then(|| q_used.clone()),
                display_name: (!q_used.is_empty() && !q_used.contains('@')).then(|| q_used.clone()),
                roles: picked.clone(),
                after: (!after_id.is_empty()).then_some(after_id),
                limit: PAGE,
                ..PeopleQuery::default()
            };
            match state.service.list_people(&ctx, &filter).await {
                Ok(page) => {
                    for p in &page.items {
                        let person = crate::dto::Person::from_summary(p, lang);
                        rows.push(UserRow {
                            id: person.id.unwrap_or_default(),
                            name: format!("{} {}", person.first_name, person.last_name)
                                .trim()
                                .to_string(),
                            email: person.emails.first().cloned().unwrap_or_default(),
                            status: person.status.clone(),
                            status_label: status_label(&console, p.person.view.status),
                            roles: roles_text(&p.grants, lang),
                            external: person.external,
                            pending: p.person.view.status == Status::Pending,
                        });
                    }
                    if page.more {
                        if let Some(last) = page.items.last() {
                            next = Some(format!(
                                "{}&after={}",
                                list_address("all", &console.org, &q, &picked, &chosen_location),
                                percent_encode(&last.person.view.id)
                            ));
                        }
                    }
                }
                Err(ServiceError::Refused(r)) => notice = Some(super::readable(&r.message(lang))),
                Err(e) => return console.error_page(&e),
            }
        }
        _ => {
            let external = (tab == "external").then_some(true);
            // The lists of administrators come whole from the service; they are shown a page at a
            // time, as the list of all users is.
            let page_no: usize = first(&query, "page").parse().unwrap_or(1).max(1);
            match state.service.list_admins(&ctx, &picked, external).await {
                Ok(list) => {
                    let skip = (page_no - 1) * PAGE as usize;
                    if list.rows.len() > skip + PAGE as usize {
                        next = Some(format!(
                            "{}&page={}",
                            list_address(tab, &console.org, "", &picked, ""),
                            page_no + 1
                        ));
                    }
                    for r in list.rows.iter().skip(skip).take(PAGE as usize) {
                        rows.push(UserRow {
                            id: r.person_id.clone(),
                            name: r.name_shown.clone(),
                            email: r.email_shown.clone(),
                            status: r.status.id().into(),
                            status_label: status_label(&console, r.status),
                            roles: roles_text(&r.grants, lang),
                            external: r.external,
                            pending: r.status == Status::Pending,
                        });
                    }
                }
                Err(ServiceError::Refused(r)) => notice = Some(super::readable(&r.message(lang))),
                Err(e) => return console.error_page(&e),
            }
        }
    }
    // R-CCSA-9: a CCSA whose reading of roles comes from that role sees only CCSA holders, so the
    // filter offers that role alone.
    let ccsa_only = facts
        .decide(
            Area::Roles,
            Level::Read,
            rolehub_domain::Target::Org,
            rolehub_store::clock::system_now(),
        )
        .via
        == Some(Role::CcServiceAdmin);
    let offered: Vec<Role> = if ccsa_only {
        vec![Role::CcServiceAdmin]
    } else {
        Role::ALL.to_vec()
    };
    let role_options = offered
        .into_iter()
        .map(|r| {
            (
                r.id().to_string(),
                role_name(r, lang).to_string(),
                picked.contains(&r),
            )
        })
        .collect();
    let count_text = if next.is_some() {
        console.t.with_count("count-more", "count", rows.len())
    } else {
        console.t.with_count("count-all", "count", rows.len())
    };
    let mut filters: Vec<String> = picked
        .iter()
        .map(|r| role_name(*r, lang).to_string())
        .collect();
    if !q.is_empty() && tab == "all" {
        filters.push(format!("“{q}”"));
    }
    let page = UsersPage {
        location_choices,
        chosen_location,
        count_text,
        active_filters: filters.join(", "),
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
        can_add_user: console.can(&facts, Area::Users, Level::Write)
            && !facts
                .grants
                .iter()
                .any(|g| g.role == rolehub_domain::Role::LocationAdmin),
        can_csv: console.can(&facts, Area::Users, Level::Write)
            || console.can(&facts, Area::CcLicenses, Level::Write),
        can_resend: console.can(&facts, Area::Users, Level::Write)
            || facts.grants.iter().any(|g| g.role == Role::CcServiceAdmin),
        notice,
        c,
    };
    page_with_flash(&page, shown)
}

/// A list's address with its filters: the tab, the search, the roles ticked and the location,
/// each encoded (a search for `a+b&c` stays that search on the next page).
fn list_address(tab: &str, org: &str, q: &str, roles: &[Role], location: &str) -> String {
    let mut to = format!("/users?tab={tab}&org={}", percent_encode(org));
    if !q.is_empty() {
        to.push_str(&format!("&q={}", percent_encode(q)));
    }
    for r in roles {
        to.push_str(&format!("&roles={}", r.id()));
    }
    if !location.is_empty() {
        to.push_str(&format!("&location={}", percent_encode(location)));
    }
    to
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
    Path(id): Path<String>,
    Submitted { console, .. }: Submitted,
) -> Response {
    let ctx = console.ctx(false);
    let email = match state.service.get_person(&ctx, &id).await {
        Ok(p) => p.person.view.email,
        Err(e) => return console.error_page(&e),
    };
    match state.service.resend_invite(&ctx, &id).await {
        Ok(()) => redirect_with_flash(
            &format!("/users?org={}", console.org),
            "ok",
            &console.t.with("flash-resent", "email", &email),
        ),
        Err(e) => console.back("/users", &e),
    }
}

/// Adds a user (pending, holding no role, R-NEW-1) and opens their page.
pub async fn add(
    State(state): State<AppState>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let user = rolehub_store::service::NewUser {
        email: first(&form, "email"),
        first: first(&form, "first"),
        last: first(&form, "last"),
        ..rolehub_store::service::NewUser::default()
    };
    match state.service.add_user(&console.ctx(false), &user).await {
        Ok(added) => redirect_with_flash(
            &format!("/users/{}?org={}", added.view.id, console.org),
            "ok",
            &console
                .t
                .with("flash-user-added", "email", &added.view.email),
        ),
        Err(e) => console.back("/users", &e),
    }
}

/// Deactivates or reactivates a user (R-AUTH-3; reading A-8 for someone holding roles).
pub async fn set_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let status = first(&form, "status");
    match state
        .service
        .set_user_status(&console.ctx(false), &id, &status)
        .await
    {
        Ok(warnings) => {
            let lang = console.t.lang;
            let mut message = console.t.get(if status == "inactive" {
                "flash-deactivated"
            } else {
                "flash-reactivated"
            });
            for w in &warnings {
                message.push(' ');
                message.push_str(w.message(lang));
            }
            redirect_with_flash(
                &format!("/users/{id}?org={}", console.org),
                if warnings.is_empty() { "ok" } else { "warn" },
                &message,
            )
        }
        Err(e) => console.back(&format!("/users/{id}"), &e),
    }
}

/// Removes a user from the org, once the form's confirmation is ticked (reading A-8).
pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    if first(&form, "confirm") != "yes" {
        return redirect_with_flash(
            &format!("/users/{id}?org={}", console.org),
            "bad",
            &console.t.get("remove-confirm-needed"),
        );
    }
    let ctx = console.ctx(false);
    let email = match state.service.get_person(&ctx, &id).await {
        Ok(p) => p.person.view.email,
        Err(e) => return console.error_page(&e),
    };
    match state.service.remove_user(&ctx, &id).await {
        Ok(_) => redirect_with_flash(
            &format!("/users?org={}", console.org),
            "ok",
            &console.t.with("flash-removed", "email", &email),
        ),
        Err(e) => console.back(&format!("/users/{id}"), &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_role_names_its_locations_as_places() {
        let grant = rolehub_domain::Grant {
            id: "g-1".into(),
            role: Role::LocationAdmin,
            scope: rolehub_domain::Scope::Locations(vec!["den-haag".into(), "rotterdam".into()]),
            granted_at: rolehub_domain::Timestamp(0),
            expires_at: None,
        };
        assert_eq!(
            roles_text(&[grant], Lang::En),
            "Location administrator (Den Haag, Rotterdam)"
        );
        assert_eq!(roles_text(&[], Lang::Nl), "Geen");
    }

    #[test]
    fn the_next_page_keeps_every_filter_encoded() {
        let to = list_address(
            "all",
            "acme",
            "a+b&c d",
            &[Role::CcServiceAdmin],
            "den-haag",
        );
        assert_eq!(
            to,
            "/users?tab=all&org=acme&q=a%2Bb%26c%20d&roles=cc_service_admin&location=den-haag"
        );
        let back = super::super::form::pairs(to.split_once('?').unwrap().1);
        assert_eq!(super::super::form::first(&back, "q"), "a+b&c d");
        assert_eq!(super::super::form::first(&back, "location"), "den-haag");
    }
}
