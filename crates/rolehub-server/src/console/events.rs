//! The Events page: the way to the Webex Events portal (only Events administrators open it,
//! matrix note 8) and the Events administrators panel: who holds the role and — for Events
//! administrators (R-EVT-1) and those who give roles in the org — giving it to a person of the
//! org and taking it back, each change previewed first, as every role change is.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use rolehub_domain::{Area, Level, Role};
use rolehub_store::{ChangeOutcome, ServiceError};

use super::form::first;
use super::user::{preview_page, saved, Previewed};
use super::users::status_label;
use super::{page_with_flash, Chrome, Console, Flash, Page, Submitted};
use crate::state::AppState;

/// The role this page gives and takes.
const ROLE: Role = Role::EventsAdmin;

/// A holder of the Events administrator role, as a row shows them.
struct HolderRow {
    id: String,
    name: String,
    email: String,
    status: String,
    status_label: String,
    external: bool,
}

#[derive(Template)]
#[template(path = "events.html")]
struct EventsPage {
    c: Chrome,
    /// Whether the portal opens for them (matrix note 8).
    portal: bool,
    /// The role's name, in the reader's language.
    role_name: String,
    holders: Vec<HolderRow>,
    /// Whether the reader sees the role's holders: who reads the org's administrators, and the
    /// Events administrators (R-EVT-1). For anyone else the panel is left out, not refused: their
    /// Events page is the portal's way, which their menu shows them as everyone's.
    panel: bool,
    /// Whether they give and take the role (R-EVT-1).
    can_manage: bool,
}

/// Whether the principal gives and takes the Events administrator role: an Events administrator
/// does (R-EVT-1), as does whoever changes the org's roles.
fn manages(console: &Console, facts: &rolehub_store::service::PrincipalFacts) -> bool {
    facts.grants.iter().any(|g| g.role == ROLE) || console.can(facts, Area::Roles, Level::Write)
}

/// The Events page.
pub async fn page(
    State(state): State<AppState>,
    Page { console, facts }: Page,
    Flash(flash): Flash,
) -> Response {
    let lang = console.t.lang;
    let mut c = console.chrome(&facts, "/events");
    let shown = flash.is_some();
    c.flash = flash;
    let mut holders = Vec::new();
    let mut panel = true;
    match state.service.events_admins(&console.ctx(false)).await {
        Ok(list) => {
            for row in list.rows {
                holders.push(HolderRow {
                    id: row.person_id,
                    name: row.name_shown,
                    email: row.email_shown,
                    status: row.status.id().to_string(),
                    status_label: status_label(&console, row.status),
                    external: row.external,
                });
            }
        }
        Err(ServiceError::Refused(_)) => panel = false,
        Err(e) => return console.error_page(&e),
    }
    let page = EventsPage {
        portal: console.can(&facts, Area::Events, Level::Write),
        role_name: ROLE.name(lang).to_string(),
        holders,
        panel,
        can_manage: manages(&console, &facts),
        c,
    };
    page_with_flash(&page, shown)
}

/// A change the panel asks for: give (`assign`) or take (`revoke`) the role.
struct EventsChange {
    op: String,
    /// The person, by email or id.
    person: String,
}

impl EventsChange {
    fn from_form(form: &[(String, String)]) -> EventsChange {
        EventsChange {
            op: first(form, "op"),
            person: first(form, "person").trim().to_string(),
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        vec![
            ("op".to_string(), self.op.clone()),
            ("person".into(), self.person.clone()),
        ]
    }

    /// Runs the change through the service's role operations (previewed with `dry_run`), which
    /// decide it under the same rules as any role change.
    async fn run(
        &self,
        state: &AppState,
        console: &Console,
        dry_run: bool,
    ) -> Result<ChangeOutcome, ServiceError> {
        let ctx = console.ctx(dry_run);
        if self.op == "revoke" {
            state
                .service
                .revoke(&ctx, &self.person, ROLE.id(), None)
                .await
        } else {
            let request = rolehub_store::service::AssignRequest {
                person: self.person.clone(),
                role: ROLE.id().to_string(),
                ..rolehub_store::service::AssignRequest::default()
            };
            state.service.assign(&ctx, &request).await
        }
    }

    /// The change in words, naming the person as the actor may see them.
    async fn summary(&self, state: &AppState, console: &Console) -> String {
        let who = super::user::person_name(state, console, &self.person)
            .await
            .map_or_else(|_| self.person.clone(), |(_, name)| name);
        let key = if self.op == "revoke" {
            "change-revoke"
        } else {
            "change-assign"
        };
        console
            .t
            .with2(key, ("role", ROLE.name(console.t.lang)), ("person", &who))
    }
}

/// Shows what giving or taking the role would do (a dry run), or its refusal with its rule.
pub async fn preview(
    State(state): State<AppState>,
    Submitted {
        console,
        facts,
        form,
    }: Submitted,
) -> Response {
    let change = EventsChange::from_form(&form);
    let result = change
        .run(&state, &console, true)
        .await
        .map(Previewed::from);
    let summary = change.summary(&state, &console).await;
    preview_page(
        &console,
        console.chrome(&facts, "/events"),
        format!("/events?org={}", console.org),
        summary,
        result,
        format!("/events/roles/apply?org={}", console.org),
        change.fields(),
    )
}

/// Saves a previewed change and goes back to the Events page.
pub async fn apply(
    State(state): State<AppState>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let change = EventsChange::from_form(&form);
    let back = format!("/events?org={}", console.org);
    match change.run(&state, &console, false).await {
        Ok(outcome) => saved(&console, &back, &outcome.warnings),
        Err(e) => console.back("/events", &e),
    }
}
