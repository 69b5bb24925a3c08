//! The other pages: account, troubleshooting, Contact Center, Events, Compliance, settings, the
//! audit log, and the language and org switches.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use rolehub_domain::{Area, Level, SharedField, Text, Timestamp};
use rolehub_store::service::{AuditQuery, SettingChange};
use rolehub_store::ServiceError;
use serde::Deserialize;

use super::form::{first, pairs};
use super::{
    page_with_flash, redirect_with_flash, render, Chrome, Console, Flash, Page, Submitted,
    LANG_COOKIE, ORG_COOKIE,
};
use crate::state::AppState;

/// A button on a simple page.
pub struct Action {
    method: &'static str,
    action: String,
    id: &'static str,
    label: String,
    disabled: bool,
    note: String,
}

/// A table cell of a simple page: a text, or a time, which the page gives as a `<time>` element
/// that the console's script shows in the reader's language and zone (its text, until then, is
/// the time in words in UTC).
pub struct Cell {
    text: String,
    /// The ISO form, for the `<time>` element's `datetime`.
    time: Option<String>,
}

impl Cell {
    /// A time, in the reader's language.
    fn time(at: Timestamp, lang: rolehub_domain::Lang) -> Cell {
        let (iso, text) = super::when(at, lang);
        Cell {
            text,
            time: Some(iso),
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, time: None }
    }
}

/// A row of text cells.
fn row(cells: Vec<String>) -> Vec<Cell> {
    cells.into_iter().map(Cell::from).collect()
}

/// A section of a simple page.
#[derive(Default)]
pub struct Section {
    heading: String,
    text: String,
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
    actions: Vec<Action>,
    form: Option<SectionForm>,
}

/// A form of a simple page's section: labelled fields and one submit button.
pub struct SectionForm {
    action: String,
    button_id: &'static str,
    button: String,
    /// (id and name, label, input type, value).
    fields: Vec<(String, String, &'static str, String)>,
}

#[derive(Template)]
#[template(path = "simple.html")]
struct SimplePage {
    c: Chrome,
    title: String,
    sections: Vec<Section>,
}

/// Remembers the chosen language.
pub async fn language(console: Console, body: Bytes) -> Response {
    let form = match console.form(&body) {
        Ok(form) => form,
        Err(r) => return r,
    };
    let lang = if first(&form, "lang") == "nl" {
        "nl"
    } else {
        "en"
    };
    let mut response = Redirect::to(&format!("/users?org={}", console.org)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={lang}; Path=/; SameSite=Lax; Max-Age=31536000"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

#[derive(Deserialize)]
pub struct SwitchQuery {
    org: String,
}

/// Switches to another org the person administers (external and partner admins).
pub async fn switch_org(console: Console, Query(q): Query<SwitchQuery>) -> Response {
    let org = if console.orgs.iter().any(|(id, _)| *id == q.org) {
        q.org
    } else {
        console.person.view.home_org.clone()
    };
    let mut response = Redirect::to(&format!("/users?org={org}")).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{ORG_COOKIE}={org}; Path=/; HttpOnly; SameSite=Lax"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

pub(crate) async fn guarded(
    state: &AppState,
    console: &Console,
    area: Area,
    active: &str,
) -> Result<(rolehub_store::service::PrincipalFacts, Chrome), Response> {
    let facts = console.facts(state).await?;
    let decision = facts.decide(
        area,
        Level::Read,
        rolehub_domain::Target::Org,
        rolehub_store::clock::system_now(),
    );
    if let Some(refusal) = decision.refusal() {
        return Err(console.error_page(&ServiceError::Refused(refusal)));
    }
    let chrome = console.chrome(&facts, active);
    Ok((facts, chrome))
}

/// The account page: org info, subscriptions and license usage (R-CCSA-8); for the provisioning
/// partner's administrators, a service order to provision (R-EXT-8).
pub async fn account(
    State(state): State<AppState>,
    console: Console,
    Flash(flash): Flash,
) -> Response {
    let (facts, mut c) = match guarded(&state, &console, Area::Account, "/account").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let shown = flash.is_some();
    c.flash = flash;
    let t = console.t;
    let org = &facts.org;
    let ctx = console.ctx(false);
    let subs = match state.service.subscriptions(&ctx).await {
        Ok(subs) => subs,
        Err(e) => return console.error_page(&e),
    };
    let usage = match state.service.license_usage(&ctx).await {
        Ok(usage) => usage,
        Err(e) => return console.error_page(&e),
    };
    let partner_name = match state.service.partner_name(&ctx).await {
        Ok(name) => name,
        Err(e) => return console.error_page(&e),
    };
    let yes_no = |b: bool| t.get(if b { "yes" } else { "no" });
    let license = |id: &str| crate::routes::orgs::license_name(id);
    // The partner by name, with its relationship in the reader's words.
    let partner = org.partner.as_ref().map_or_else(String::new, |p| {
        let name = partner_name.clone().unwrap_or_else(|| p.org.clone());
        let key = if p.active {
            "partner-active"
        } else {
            "partner-ended"
        };
        t.with(key, "partner", &name)
    });
    let sections = vec![
        Section {
            heading: t.get("account-info"),
            header: vec![
                t.get("col-id"),
                t.get("col-name"),
                t.get("col-kind"),
                t.get("col-partner"),
            ],
            rows: vec![row(vec![
                org.id.clone(),
                org.name.clone(),
                org_kind_name(t, org.kind),
                partner,
            ])],
            ..Section::default()
        },
        Section {
            heading: t.get("account-subscriptions"),
            header: vec![
                t.get("col-id"),
                t.get("col-seller"),
                t.get("col-trial"),
                t.get("col-license"),
                t.get("col-quantity"),
                t.get("col-created"),
            ],
            rows: subs
                .iter()
                .flat_map(|s| s.licenses.iter().map(move |(l, q)| (s, l, q)))
                .map(|(s, l, q)| {
                    let mut cells = row(vec![
                        s.id.clone(),
                        s.seller_name
                            .clone()
                            .or_else(|| s.seller.clone())
                            .unwrap_or_default(),
                        yes_no(s.trial),
                        license(l),
                        q.to_string(),
                    ]);
                    cells.push(Cell::time(s.created_at, t.lang));
                    cells
                })
                .collect(),
            ..Section::default()
        },
        Section {
            heading: t.get("account-usage"),
            header: vec![
                t.get("col-license"),
                t.get("col-quantity"),
                t.get("col-used"),
            ],
            rows: usage
                .iter()
                .map(|u| {
                    row(vec![
                        license(&u.license),
                        u.total.to_string(),
                        u.used.to_string(),
                    ])
                })
                .collect(),
            ..Section::default()
        },
    ];
    let mut sections = sections;
    if let Some(order) = order_section(&console, &facts) {
        sections.push(order);
    }
    page_with_flash(
        &SimplePage {
            c,
            title: t.get("nav-account"),
            sections,
        },
        shown,
    )
}

/// An org's kind in the reader's words (`self_signup` is how files and the API write it).
fn org_kind_name(t: super::Tr, kind: rolehub_domain::OrgKind) -> String {
    t.get(match kind {
        rolehub_domain::OrgKind::Standard => "org-kind-standard",
        rolehub_domain::OrgKind::SelfSignup => "org-kind-self-signup",
        rolehub_domain::OrgKind::Consumer => "org-kind-consumer",
    })
}

/// The licenses a service order of the org may give: Contact Center, Calling, and a host license
/// of each Meetings site managed in Control Hub.
fn orderable_licenses(org: &rolehub_domain::OrgView) -> Vec<String> {
    let mut licenses: Vec<String> = ["cc_premium_agent", "cc_standard_agent", "calling"]
        .map(String::from)
        .to_vec();
    licenses.extend(
        org.sites
            .iter()
            .filter(|s| s.managed_by == rolehub_domain::SiteManager::ControlHub)
            .map(|s| format!("meetings_host:{}", s.url)),
    );
    licenses
}

/// R-EXT-8: the provisioning partner's administrators in the org (its partner full administrators
/// and provisioning administrators) provision the org's service orders; nobody else is offered
/// the form.
fn order_section(
    console: &Console,
    facts: &rolehub_store::service::PrincipalFacts,
) -> Option<Section> {
    let principal = rolehub_domain::ops::Principal {
        org: &facts.org,
        person: &facts.person.view,
        grants: &facts.grants,
        now: rolehub_store::clock::system_now(),
    };
    rolehub_domain::ops::check_provision_order(&principal, false).ok()?;
    let t = console.t;
    let mut fields = vec![(
        "subscription".to_string(),
        t.get("order-subscription"),
        "text",
        String::new(),
    )];
    fields.extend(orderable_licenses(&facts.org).into_iter().map(|license| {
        (
            format!("qty-{license}"),
            crate::routes::orgs::license_name(&license),
            "number",
            "0".to_string(),
        )
    }));
    Some(Section {
        heading: t.get("order-heading"),
        text: t.get("order-intro"),
        form: Some(SectionForm {
            action: format!("/account/orders?org={}", console.org),
            button_id: "provision-order",
            button: t.get("order-button"),
            fields,
        }),
        ..Section::default()
    })
}

/// Provisions a service order: a subscription sold by the partner with the licenses asked for
/// (R-EXT-8); the service decides and audits it.
pub async fn provision_order(
    State(state): State<AppState>,
    Submitted {
        console,
        facts,
        form,
    }: Submitted,
) -> Response {
    let mut licenses = Vec::new();
    for license in orderable_licenses(&facts.org) {
        let typed = first(&form, &format!("qty-{license}"));
        let typed = typed.trim();
        if typed.is_empty() {
            continue;
        }
        match typed.parse::<i64>() {
            Ok(0) => {}
            Ok(quantity) => licenses.push((license, quantity)),
            Err(_) => {
                return console.back(
                    "/account",
                    &ServiceError::invalid(
                        crate::routes::orgs::license_name(&license),
                        Text::new("not a whole number", "geen geheel getal"),
                    ),
                )
            }
        }
    }
    let subscription = first(&form, "subscription").trim().to_string();
    match state
        .service
        .provision_order(&console.ctx(false), &subscription, &licenses)
        .await
    {
        Ok(()) => redirect_with_flash(
            &format!("/account?org={}", console.org),
            "ok",
            &console.t.with("flash-order", "subscription", &subscription),
        ),
        Err(e) => console.back("/account", &e),
    }
}

/// Troubleshooting: the status of the platform's services.
pub async fn troubleshooting(State(state): State<AppState>, console: Console) -> Response {
    let (facts, c) =
        match guarded(&state, &console, Area::Troubleshooting, "/troubleshooting").await {
            Ok(v) => v,
            Err(r) => return r,
        };
    let t = console.t;
    let health = match state.service.health(&console.ctx(false)).await {
        Ok(health) => health,
        Err(e) => return console.error_page(&e),
    };
    let (db_ok, chain_ok, queued) = (health.database, health.audit_intact, health.mail_queued);
    let status = |ok: bool| t.get(if ok { "ts-operational" } else { "ts-degraded" });
    let mut rows = vec![
        vec![t.get("ts-database"), status(db_ok)],
        vec![t.get("ts-audit"), status(chain_ok)],
        vec![
            t.get("ts-mail"),
            t.with("ts-mail-queued", "count", &queued.to_string()),
        ],
    ];
    for (name, on) in [
        ("Webex Meetings", !facts.org.sites.is_empty()),
        ("Webex Calling", facts.org.calling),
        ("Webex Contact Center", facts.org.contact_center.enabled),
        ("Webex Events", facts.org.events),
    ] {
        if on {
            rows.push(vec![name.to_string(), status(true)]);
        }
    }
    let sections = vec![Section {
        text: t.get("ts-intro"),
        header: vec![t.get("ts-service"), t.get("ts-status")],
        rows: rows.into_iter().map(row).collect(),
        ..Section::default()
    }];
    render(&SimplePage {
        c,
        title: t.get("nav-troubleshooting"),
        sections,
    })
}

/// Contact Center: its state and chat set-up (R-CC-4; R-CC-3 hides it from internal read-only admins).
pub async fn contact_center(
    State(state): State<AppState>,
    console: Console,
    Flash(flash): Flash,
) -> Response {
    let (facts, mut c) =
        match guarded(&state, &console, Area::ContactCenter, "/contact-center").await {
            Ok(v) => v,
            Err(r) => return r,
        };
    let t = console.t;
    let shown = flash.is_some();
    c.flash = flash;
    let cc = facts.org.contact_center;
    let yes_no = |b: bool| t.get(if b { "yes" } else { "no" });
    // R-CC-4: the set-up is offered to those who may make it; others read why not, beside it.
    let principal = rolehub_domain::ops::Principal {
        org: &facts.org,
        person: &facts.person.view,
        grants: &facts.grants,
        now: rolehub_store::clock::system_now(),
    };
    let chat_refusal = rolehub_domain::ops::check_setup_chat(&principal).err();
    let sections = vec![Section {
        heading: t.get("cc-status"),
        rows: vec![
            row(vec![t.get("cc-enabled"), yes_no(cc.enabled)]),
            row(vec![t.get("cc-chat"), yes_no(cc.chat_configured)]),
            row(vec![t.get("cc-setup"), yes_no(cc.setup_completed)]),
        ],
        actions: vec![Action {
            method: "post",
            action: format!("/contact-center/chat?org={}", console.org),
            id: "setup-chat",
            label: t.get("cc-setup-chat"),
            disabled: cc.chat_configured || chat_refusal.is_some(),
            note: chat_refusal.map_or_else(
                || t.get("cc-chat-note"),
                |r| super::readable(&r.message(t.lang)),
            ),
        }],
        ..Section::default()
    }];
    page_with_flash(
        &SimplePage {
            c,
            title: t.get("nav-contact-center"),
            sections,
        },
        shown,
    )
}

/// Sets up Contact Center chat; a refusal is shown with its rule.
pub async fn setup_chat(
    State(state): State<AppState>,
    Submitted { console, .. }: Submitted,
) -> Response {
    match state.service.setup_chat(&console.ctx(false)).await {
        Ok(()) => redirect_with_flash(
            &format!("/contact-center?org={}", console.org),
            "ok",
            &console.t.get("flash-chat"),
        ),
        Err(e) => console.back("/contact-center", &e),
    }
}

/// Compliance: what the compliance officer role gives (searching the content people create, and
/// placing and releasing legal holds), what it does not, and the way to Webex's compliance tools.
/// The matrix gives `user_content` and `legal_hold` to compliance officers only; a full
/// administrator reaches them only by holding the role as well (matrix note 4), so the tools'
/// link is disabled for everyone else, with the decision's reason and rule beside it.
pub async fn compliance(Page { console, facts }: Page) -> Response {
    let t = console.t;
    let now = rolehub_store::clock::system_now();
    let decide = |area| facts.decide(area, Level::Write, rolehub_domain::Target::Org, now);
    let (content, hold) = (decide(Area::UserContent), decide(Area::LegalHold));
    let yes_no = |allowed: bool| t.get(if allowed { "yes" } else { "no" });
    let refusal = content.refusal().filter(|_| !hold.allowed);
    let note = refusal.as_ref().map_or_else(String::new, |r| {
        format!(
            "{} {}",
            t.get("compliance-disabled"),
            super::readable(&r.message(t.lang))
        )
    });
    let c = console.chrome(&facts, "/compliance");
    let sections = vec![
        Section {
            text: t.get("compliance-intro"),
            header: vec![t.get("compliance-task"), t.get("compliance-yours")],
            rows: vec![
                row(vec![t.get("compliance-search"), yes_no(content.allowed)]),
                row(vec![t.get("compliance-hold"), yes_no(hold.allowed)]),
            ],
            actions: vec![Action {
                method: "link",
                action: "https://admin.webex.com/".into(),
                id: "open-compliance",
                label: t.get("compliance-open"),
                disabled: refusal.is_some(),
                note,
            }],
            ..Section::default()
        },
        Section {
            heading: t.get("compliance-not-heading"),
            text: t.get("compliance-not"),
            ..Section::default()
        },
    ];
    render(&SimplePage {
        c,
        title: t.get("nav-compliance"),
        sections,
    })
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    c: Chrome,
    ttl: i64,
    fields: Vec<(String, String, bool)>,
    can_write: bool,
}

/// Settings: external read-only lifetime and data shared with external admins.
pub async fn settings(
    State(state): State<AppState>,
    console: Console,
    Flash(flash): Flash,
) -> Response {
    let (facts, mut c) = match guarded(&state, &console, Area::OrgSettings, "/settings").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let shown = flash.is_some();
    c.flash = flash;
    let t = console.t;
    let s = facts.org.settings;
    let fields = SharedField::ALL
        .into_iter()
        .map(|f| {
            (
                f.id().to_string(),
                t.get(&format!("share-{}", f.id())),
                s.share_with_external_admins.contains(f),
            )
        })
        .collect();
    let can_write = console.can(&facts, Area::OrgSettings, Level::Write);
    page_with_flash(
        &SettingsPage {
            c,
            ttl: s.external_readonly_ttl_days,
            fields,
            can_write,
        },
        shown,
    )
}

/// Saves the settings.
pub async fn save_settings(
    State(state): State<AppState>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let ttl: serde_json::Value = first(&form, "ttl")
        .trim()
        .parse::<i64>()
        .map(serde_json::Value::from)
        .unwrap_or(serde_json::Value::Null);
    let share: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "share")
        .map(|(_, v)| v.clone())
        .collect();
    let changes = match (
        SettingChange::parse("external_readonly_ttl_days", &ttl),
        SettingChange::parse("share_with_external_admins", &serde_json::json!(share)),
    ) {
        (Ok(a), Ok(b)) => vec![a, b],
        (Err(e), _) | (_, Err(e)) => return console.back("/settings", &e),
    };
    match state
        .service
        .set_settings(&console.ctx(false), &changes)
        .await
    {
        Ok(()) => redirect_with_flash(
            &format!("/settings?org={}", console.org),
            "ok",
            &console.t.get("flash-settings"),
        ),
        Err(e) => console.back("/settings", &e),
    }
}

/// Every action the service records (`op.record`, `OrgOp::open`): the audit page's action filter
/// offers each by its words, and a test checks that each has words in both languages.
const AUDITED_ACTIONS: [&str; 36] = [
    "auth.break_glass_sign_in",
    "auth.mfa_enrolled",
    "auth.mfa_removed",
    "auth.recovery_code_used",
    "auth.second_factor_failed",
    "auth.sign_in",
    "auth.sign_in_failed",
    "auth.sign_out_everywhere",
    "group.create",
    "group.delete",
    "group.role",
    "group.update",
    "license.change",
    "org.create",
    "org.setting",
    "org.sso",
    "relationship.end",
    "role.assign",
    "role.expired",
    "role.revoke",
    "role.revoke_all",
    "subscription.provision",
    "token.create",
    "token.revoke",
    "user.activate",
    "user.add",
    "user.break_glass",
    "user.mfa_reset",
    "user.password_set",
    "user.remove",
    "user.resend_invite",
    "user.status",
    "user.update",
    "user.update_csv",
    "world.generate",
    "world.load",
];

/// The filter's whole categories (an action's first part), offered before the single actions.
const AUDITED_CATEGORIES: [&str; 3] = ["role", "user", "auth"];

/// The action filter's choices, in the reader's words: any action, every action of a category,
/// then each action; the one asked for is selected.
fn action_choices(t: super::Tr, chosen: &str) -> Vec<(String, String, bool)> {
    let mut choices = vec![(String::new(), t.get("audit-any-action"), chosen.is_empty())];
    for category in AUDITED_CATEGORIES {
        choices.push((
            category.to_string(),
            t.get(&format!("audit-every-{category}")),
            chosen == category,
        ));
    }
    for action in AUDITED_ACTIONS {
        let key = format!("action-{}", action.replace(['.', '_'], "-"));
        choices.push((action.to_string(), t.get(&key), chosen == action));
    }
    choices
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    intact: bool,
    chain: String,
    actor: String,
    actions: Vec<(String, String, bool)>,
    from: String,
    to: String,
    query: String,
    error: Option<String>,
    events: Vec<(i64, super::When, String, String, String, String)>,
    next: Option<String>,
}

fn audit_query(q: &[(String, String)]) -> Result<AuditQuery, Text> {
    let time = |key: &str| {
        let v = first(q, key);
        if v.trim().is_empty() {
            Ok(None)
        } else {
            Timestamp::parse_day_or_time(v.trim())
                .map(Some)
                .map_err(|e| e.0)
        }
    };
    // A day given as the end means up to and including that day.
    let to = time("to")?.map(|t| {
        if first(q, "to").trim().len() == 10 {
            t.plus_days(1)
        } else {
            t
        }
    });
    let action = first(q, "action").trim().to_string();
    Ok(AuditQuery {
        actor: Some(first(q, "actor").trim().to_lowercase()).filter(|a| !a.is_empty()),
        categories: if action.is_empty() {
            Vec::new()
        } else {
            vec![action]
        },
        from: time("from")?,
        to,
        limit: 100,
        after_seq: first(q, "after").parse::<i64>().ok(),
        offset: 0,
        // The console searches by the start of a name or an email and shows the newest first.
        actor_prefix: true,
        newest_first: true,
    })
}

/// An audit event's action in the reader's words, with the roles a role change gave and took
/// (`Role assigned: Full administrator`).
fn action_in_words(console: &Console, action: &str, after: Option<&str>) -> String {
    let t = console.t;
    let key = format!("action-{}", action.replace(['.', '_'], "-"));
    let name = t.get(&key);
    // An action without a text of its own is shown as it is recorded.
    let name = if name == key {
        action.to_string()
    } else {
        name
    };
    let change = after
        .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
        .map(|v| v["change"].clone())
        .unwrap_or_default();
    let labels = |field: &str| -> Vec<String> {
        match &change[field] {
            serde_json::Value::String(l) => vec![l.clone()],
            serde_json::Value::Array(items) => items
                .iter()
                .filter_map(|l| l.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
        .iter()
        .map(|l| super::user::describe_label(l, t.lang))
        .collect()
    };
    let mut words = name;
    let (added, removed) = (labels("added"), labels("removed"));
    if !added.is_empty() {
        words.push_str(&format!(": {}", added.join(", ")));
    }
    if !removed.is_empty() {
        words.push_str(&format!(
            " ({} {})",
            t.get("audit-removed"),
            removed.join(", ")
        ));
    }
    words
}

/// The audit log with filters and its chain verification status.
pub async fn audit(
    State(state): State<AppState>,
    console: Console,
    RawQuery(raw): RawQuery,
) -> Response {
    let (_facts, c) = match guarded(&state, &console, Area::AuditLog, "/audit").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let t = console.t;
    let q = pairs(raw.as_deref().unwrap_or(""));
    let (intact, chain) = match state.service.verify_audit(&console.ctx(false)).await {
        Ok(Ok(n)) => (true, t.with("chain-intact", "count", &n.to_string())),
        Ok(Err(b)) => (
            false,
            t.with(
                "chain-broken",
                "problem",
                &format!("{} ({})", b.problem, b.event_id),
            ),
        ),
        Err(e) => (false, t.with("chain-broken", "problem", &e.to_string())),
    };
    let mut page = AuditPage {
        c,
        intact,
        chain,
        actor: first(&q, "actor"),
        actions: action_choices(t, first(&q, "action").trim()),
        from: first(&q, "from"),
        to: first(&q, "to"),
        query: raw.clone().unwrap_or_default(),
        error: None,
        events: Vec::new(),
        next: None,
    };
    match audit_query(&q) {
        Ok(query) => {
            let found = match state
                .service
                .audit_events(&console.ctx(false), &query)
                .await
            {
                Ok(found) => found,
                Err(e) => return console.error_page(&e),
            };
            for e in &found.events {
                let outcome = match (&e.rule_id, e.outcome.as_str()) {
                    (Some(rule), _) => format!("{} ({rule})", t.get("outcome-refused")),
                    (None, "ok") => t.get("outcome-ok"),
                    // `failed` (a failed sign-in) in words; an outcome without a text of its
                    // own is shown as it is recorded.
                    (None, other) => {
                        let key = format!("outcome-{other}");
                        let words = t.get(&key);
                        if words == key {
                            other.to_string()
                        } else {
                            words
                        }
                    }
                };
                page.events.push((
                    e.seq,
                    super::when(Timestamp(e.at), t.lang),
                    e.actor_email
                        .clone()
                        .unwrap_or_else(|| t.get("audit-system")),
                    action_in_words(&console, &e.action, e.after.as_deref()),
                    e.target_email.clone().unwrap_or_default(),
                    outcome,
                ));
            }
            if found.more {
                if let Some(last) = found.events.last() {
                    // Each filter encoded: a name searched with a space or `&` stays that search.
                    let enc = crate::webex_ids::percent_encode;
                    page.next = Some(format!(
                        "/audit?org={}&actor={}&action={}&from={}&to={}&after={}",
                        enc(&console.org),
                        enc(&page.actor),
                        enc(first(&q, "action").trim()),
                        enc(&page.from),
                        enc(&page.to),
                        last.seq
                    ));
                }
            }
        }
        Err(message) => page.error = Some(message.get(console.t.lang).to_string()),
    }
    render(&page)
}

/// The filtered audit log as CSV.
pub async fn audit_export(
    State(state): State<AppState>,
    console: Console,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(r) = guarded(&state, &console, Area::AuditLog, "/audit").await {
        return r;
    }
    let q = pairs(raw.as_deref().unwrap_or(""));
    let mut query = match audit_query(&q) {
        Ok(query) => query,
        Err(message) => return console.error_page(&ServiceError::invalid("from/to", message)),
    };
    query.limit = 1000;
    let mut events = Vec::new();
    loop {
        match state
            .service
            .audit_events(&console.ctx(false), &query)
            .await
        {
            Ok(page) => {
                query.after_seq = page.events.last().map(|e| e.seq);
                events.extend(page.events);
                if !page.more {
                    break;
                }
            }
            Err(e) => return console.error_page(&e),
        }
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = w.write_record([
        "time",
        "seq",
        "actor",
        "action",
        "target",
        "outcome",
        "rule",
        "before",
        "after",
        "tracking id",
        "hash",
    ]);
    for e in &events {
        let n = rolehub_store::service::neutralise;
        let _ = w.write_record([
            Timestamp(e.at).to_iso(),
            e.seq.to_string(),
            n(e.actor_email.as_deref().unwrap_or("")),
            e.action.clone(),
            n(e.target_email.as_deref().unwrap_or("")),
            e.outcome.clone(),
            e.rule_id.clone().unwrap_or_default(),
            n(e.before.as_deref().unwrap_or("")),
            n(e.after.as_deref().unwrap_or("")),
            e.request_id.clone(),
            e.hash.clone(),
        ]);
    }
    let body = w.into_inner().unwrap_or_default();
    crate::csv_download(&format!("audit-{}.csv", console.org), body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rolehub_domain::{Lang, OrgKind};

    /// Every kind of org has a name of its own in each language: the account page never shows
    /// the id (`self_signup`) or a text's key.
    #[test]
    fn every_org_kind_has_a_name_in_both_languages() {
        for kind in [OrgKind::Standard, OrgKind::SelfSignup, OrgKind::Consumer] {
            let (en, nl) = (
                org_kind_name(super::super::Tr { lang: Lang::En }, kind),
                org_kind_name(super::super::Tr { lang: Lang::Nl }, kind),
            );
            assert!(!en.starts_with("org-kind-") && !nl.starts_with("org-kind-"));
            assert_ne!(en, kind.id());
            assert_ne!(en, nl, "{kind:?}");
        }
    }

    /// The action filter offers any action, the categories and every action by its words, with
    /// the one asked for selected; no choice is an id.
    #[test]
    fn the_action_filter_offers_words_and_keeps_the_choice() {
        for lang in [Lang::En, Lang::Nl] {
            let t = super::super::Tr { lang };
            let choices = super::action_choices(t, "role.revoke");
            assert_eq!(
                choices.len(),
                1 + super::AUDITED_CATEGORIES.len() + super::AUDITED_ACTIONS.len()
            );
            let selected: Vec<&str> = choices
                .iter()
                .filter(|c| c.2)
                .map(|c| c.0.as_str())
                .collect();
            assert_eq!(selected, ["role.revoke"]);
            assert!(choices.iter().all(|(value, words, _)| !words.is_empty()
                && words != value
                && !words.starts_with("audit-")));
            assert!(super::action_choices(t, "")[0].2);
        }
    }

    /// Every action the service records reads as words in both languages on the audit page, and
    /// every outcome too: none is shown as its id (`auth.mfa_enrolled`, `failed`) on a Dutch or
    /// English page. The list is what the store records (`op.record`, `OrgOp::open`).
    #[test]
    fn every_audited_action_and_outcome_has_words_in_both_languages() {
        let actions = AUDITED_ACTIONS;
        for action in actions {
            let key = format!("action-{}", action.replace(['.', '_'], "-"));
            let (en, nl) = (
                super::super::Tr { lang: Lang::En }.get(&key),
                super::super::Tr { lang: Lang::Nl }.get(&key),
            );
            assert!(en != key && nl != key && en != nl, "{action}: {en} / {nl}");
        }
        for outcome in ["ok", "refused", "failed"] {
            let key = format!("outcome-{outcome}");
            let (en, nl) = (
                super::super::Tr { lang: Lang::En }.get(&key),
                super::super::Tr { lang: Lang::Nl }.get(&key),
            );
            assert!(en != key && nl != key && en != nl, "{outcome}: {en} / {nl}");
        }
    }

    /// A time cell is a time: its ISO form for the browser, its text in the reader's words.
    #[test]
    fn a_time_cell_gives_the_browser_its_iso_form_and_people_words() {
        let at = Timestamp::parse("2026-11-01T09:00:00Z").unwrap_or(Timestamp(0));
        let cell = Cell::time(at, Lang::Nl);
        assert_eq!(cell.time.as_deref(), Some("2026-11-01T09:00:00.000Z"));
        assert_eq!(cell.text, "1 nov 2026, 09:00 UTC");
    }
}
