//! Running scenario files through the service layer, each on a fresh store.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rolehub_domain::change::Verification;
use rolehub_domain::{
    ContactCenter, OrgKind, PartnerLink, Role, RuleId, Settings, ShareSet, Site, SiteManager,
    Status, Timestamp,
};
use rolehub_store::service::{AssignRequest, ImportOptions, NewUser, SettingChange};
use rolehub_store::setup::{GrantSetup, OrgSetup, PersonSetup, SubscriptionSetup};
use rolehub_store::{Ctx, Service, ServiceError};

use super::format::{Expect, Scenario, Step};
use rolehub_store::scratch::Scratch;

/// The default scenario clock (scenarios.md).
const DEFAULT_NOW: &str = "2026-01-01T00:00:00Z";

/// A file that could not be read or parsed (exit code 2).
#[derive(Debug)]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong, with line and column where known.
    pub message: String,
}

/// The result of one scenario.
#[derive(Debug)]
pub struct ScenarioResult {
    /// The file.
    pub path: PathBuf,
    /// The scenario's name.
    pub name: String,
    /// One line per failing step (empty when it passed).
    pub failures: Vec<String>,
}

/// Collects the scenario files under the given paths (folders are searched for `*.json`).
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, FileError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut stack = vec![path.clone()];
            while let Some(dir) = stack.pop() {
                let entries = std::fs::read_dir(&dir).map_err(|e| FileError {
                    path: dir.clone(),
                    message: e.to_string(),
                })?;
                for entry in entries {
                    let entry = entry.map_err(|e| FileError {
                        path: dir.clone(),
                        message: e.to_string(),
                    })?;
                    let p = entry.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|e| e == "json") {
                        files.push(p);
                    }
                }
            }
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(FileError {
                path: path.clone(),
                message: "no such file or folder".into(),
            });
        }
    }
    files.sort();
    Ok(files)
}

/// Reads and parses a scenario file.
pub fn parse(path: &Path) -> Result<Scenario, FileError> {
    let text = std::fs::read_to_string(path).map_err(|e| FileError {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let scenario: Scenario = serde_json::from_str(&text).map_err(|e| FileError {
        path: path.to_path_buf(),
        message: format!("line {}, column {}: {e}", e.line(), e.column()),
    })?;
    check_values(&scenario).map_err(|message| FileError {
        path: path.to_path_buf(),
        message,
    })?;
    for (i, step) in scenario.steps.iter().enumerate() {
        let actions = step.actions();
        if actions.len() != 1 {
            return Err(FileError {
                path: path.to_path_buf(),
                message: format!(
                    "step {}: a step has exactly one action key, this one has {} ({})",
                    i + 1,
                    actions.len(),
                    actions.join(", ")
                ),
            });
        }
    }
    Ok(scenario)
}

/// Checks the values the format fixes (times, durations, kinds, roles, statuses), so that a file
/// with a bad one is unreadable (exit 2) rather than a failed scenario.
fn check_values(scenario: &Scenario) -> Result<(), String> {
    let instant = |t: &str, what: &str| {
        Timestamp::parse(t)
            .map(|_| ())
            .map_err(|e| format!("{what}: {e}"))
    };
    if let Some(now) = &scenario.now {
        instant(now, "now")?;
    }
    for org in &scenario.orgs {
        if let Some(kind) = &org.kind {
            OrgKind::from_id(kind).ok_or_else(|| {
                format!(
                    "org `{}`: `{kind}` is not an org kind (standard, self_signup, consumer)",
                    org.id
                )
            })?;
        }
    }
    for person in &scenario.people {
        if let Some(status) = &person.status {
            Status::from_id(status).ok_or_else(|| {
                format!(
                    "person `{}`: `{status}` is not a status (active, pending, inactive)",
                    person.email
                )
            })?;
        }
        if let Some(t) = &person.signed_in_at {
            instant(t, "signed_in_at")?;
        }
        for grant in &person.grants {
            Role::from_id(&grant.role).ok_or_else(|| {
                format!("person `{}`: `{}` is not a role", person.email, grant.role)
            })?;
            for t in grant.granted_at.iter().chain(&grant.expires_at) {
                instant(t, "grant time")?;
            }
        }
    }
    for (i, step) in scenario.steps.iter().enumerate() {
        if let Some(d) = &step.advance {
            rolehub_domain::time::parse_duration_ms(d)
                .map_err(|e| format!("step {}: {e}", i + 1))?;
        }
        if let Some(t) = step.assign.as_ref().and_then(|a| a.expires_at.as_ref()) {
            instant(t, &format!("step {}: expires_at", i + 1))?;
        }
    }
    Ok(())
}

/// Runs one parsed scenario on a fresh store.
pub async fn run_scenario(
    path: &Path,
    scenario: &Scenario,
    db_url: Option<&str>,
) -> ScenarioResult {
    let mut result = ScenarioResult {
        path: path.to_path_buf(),
        name: scenario.name.clone(),
        failures: Vec::new(),
    };
    let store = match Scratch::for_url(db_url).await {
        Ok(store) => store,
        Err(e) => {
            result.failures.push(format!(
                "{}: the store could not be opened: {e}",
                path.display()
            ));
            return result;
        }
    };
    let service = Service::new(store.db.clone());
    match Runner::new(&service, scenario) {
        Err(message) => result
            .failures
            .push(format!("{}: set-up: {message}", path.display())),
        Ok(mut runner) => {
            if let Err(message) = runner.set_up(scenario).await {
                result
                    .failures
                    .push(format!("{}: set-up: {message}", path.display()));
            } else {
                for (i, step) in scenario.steps.iter().enumerate() {
                    if let Err(message) = runner.step(step).await {
                        result.failures.push(format!(
                            "{}: step {}: {message}",
                            path.display(),
                            i + 1
                        ));
                    }
                }
            }
        }
    }
    store.close().await;
    result
}

fn time(text: &str, what: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text).map_err(|e| format!("{what}: {e}"))
}

struct Runner<'a> {
    service: &'a Service,
    now: Timestamp,
}

/// What a step gave.
#[derive(Default)]
struct Got {
    allowed: bool,
    rules: Vec<RuleId>,
    message: String,
    removed: Vec<String>,
    side_effects: Vec<String>,
    warnings: Vec<String>,
    offered: Option<Vec<String>>,
    category: Option<String>,
    emails: Option<Vec<String>>,
    csv: Option<String>,
    rows_applied: Option<usize>,
    row_errors: Option<Vec<(usize, String)>>,
    masked: Option<Vec<String>>,
}

impl Got {
    fn ok() -> Got {
        Got {
            allowed: true,
            ..Got::default()
        }
    }

    fn from_error(e: &ServiceError) -> Got {
        let mut got = Got {
            allowed: false,
            message: e.to_string(),
            ..Got::default()
        };
        if let Some(refusal) = e.refusal() {
            got.rules.push(refusal.rule);
            got.rules.extend(refusal.also);
        }
        got
    }

    fn describe(&self) -> String {
        if self.allowed {
            "allowed".into()
        } else if self.rules.is_empty() {
            format!("refused ({})", self.message)
        } else {
            format!("refused: {}", self.message)
        }
    }
}

fn set<'a>(items: impl IntoIterator<Item = &'a String>) -> BTreeSet<String> {
    items.into_iter().map(|s| s.to_lowercase()).collect()
}

impl<'a> Runner<'a> {
    fn new(service: &'a Service, scenario: &Scenario) -> Result<Runner<'a>, String> {
        let now = time(scenario.now.as_deref().unwrap_or(DEFAULT_NOW), "now")?;
        Ok(Runner { service, now })
    }

    async fn set_up(&mut self, scenario: &Scenario) -> Result<(), String> {
        for org in &scenario.orgs {
            let kind = match &org.kind {
                Some(k) => OrgKind::from_id(k)
                    .ok_or_else(|| format!("org `{}`: `{k}` is not an org kind", org.id))?,
                None => OrgKind::Standard,
            };
            let partner = match &org.partner {
                Some(p) => Some(PartnerLink {
                    org: p.org.clone(),
                    active: match p.status.as_deref() {
                        None | Some("active") => true,
                        Some("ended") => false,
                        Some(other) => {
                            return Err(format!(
                                "org `{}`: partner status `{other}` is not `active` or `ended`",
                                org.id
                            ))
                        }
                    },
                }),
                None => None,
            };
            let mut sites = Vec::new();
            for site in &org.sites {
                let managed_by = match &site.managed_by {
                    Some(m) => SiteManager::from_id(m).ok_or_else(|| {
                        format!(
                            "site `{}`: `{m}` is not `control_hub` or `site_admin`",
                            site.url
                        )
                    })?,
                    None => SiteManager::ControlHub,
                };
                sites.push(Site {
                    url: site.url.to_lowercase(),
                    managed_by,
                });
            }
            let mut settings = Settings::default();
            if let Some(s) = &org.settings {
                if let Some(days) = s.external_readonly_ttl_days {
                    settings.external_readonly_ttl_days = days;
                }
                if let Some(fields) = &s.share_with_external_admins {
                    settings.share_with_external_admins =
                        ShareSet::from_ids(fields.iter().map(String::as_str)).map_err(|bad| {
                            format!("org `{}`: `{bad}` is not a shareable field", org.id)
                        })?;
                }
            }
            let cc = org.contact_center.as_ref();
            let setup = OrgSetup {
                id: org.id.clone(),
                name: org.name.clone().unwrap_or_else(|| org.id.clone()),
                kind,
                partner,
                contact_center: ContactCenter {
                    enabled: cc.is_some_and(|c| c.enabled),
                    chat_configured: cc.is_some_and(|c| c.chat_configured),
                    setup_completed: cc.is_some_and(|c| c.setup_completed),
                },
                calling: org.calling,
                events: org.events,
                sites,
                locations: org.locations.clone(),
                subscriptions: org
                    .subscriptions
                    .iter()
                    .map(|s| SubscriptionSetup {
                        id: s.id.clone(),
                        seller: s.seller.clone(),
                        trial: s.trial,
                        licenses: s.licenses.iter().map(|(k, v)| (k.clone(), *v)).collect(),
                    })
                    .collect(),
                settings,
            };
            self.service
                .setup_org(&setup, self.now)
                .await
                .map_err(|e| format!("org `{}`: {e}", org.id))?;
        }
        for person in &scenario.people {
            let status = match &person.status {
                Some(s) => Status::from_id(s)
                    .ok_or_else(|| format!("person `{}`: `{s}` is not a status", person.email))?,
                None => Status::Active,
            };
            let setup = PersonSetup {
                email: person.email.clone(),
                org: person.org.clone(),
                first: person.first.clone().unwrap_or_default(),
                last: person.last.clone().unwrap_or_default(),
                status,
                location: person.location.clone(),
                phone: None,
                licenses: person.licenses.clone(),
                signed_in_at: person
                    .signed_in_at
                    .as_deref()
                    .map(|t| time(t, "signed_in_at"))
                    .transpose()?,
            };
            self.service
                .setup_person(&setup, self.now)
                .await
                .map_err(|e| format!("person `{}`: {e}", person.email))?;
        }
        for person in &scenario.people {
            for grant in &person.grants {
                let role = Role::from_id(&grant.role).ok_or_else(|| {
                    format!(
                        "grant of `{}`: `{}` is not a role",
                        person.email, grant.role
                    )
                })?;
                let setup = GrantSetup {
                    org: grant.org.clone(),
                    email: person.email.clone(),
                    role,
                    site: grant.site.clone(),
                    locations: grant.locations.clone(),
                    granted_at: match &grant.granted_at {
                        Some(t) => time(t, "granted_at")?,
                        None => self.now,
                    },
                    expires_at: grant
                        .expires_at
                        .as_deref()
                        .map(|t| time(t, "expires_at"))
                        .transpose()?,
                };
                self.service
                    .setup_grant(&setup)
                    .await
                    .map_err(|e| format!("grant `{}` of `{}`: {e}", grant.role, person.email))?;
            }
        }
        Ok(())
    }

    async fn step(&mut self, step: &Step) -> Result<(), String> {
        if let Some(duration) = &step.advance {
            let ms =
                rolehub_domain::time::parse_duration_ms(duration).map_err(|e| e.to_string())?;
            self.now = self.now.plus_ms(ms);
            return Ok(());
        }
        let ctx_for = |actor: &str, org: &str| Ctx::new(actor, org, self.now);
        if let Some(email) = &step.sign_in {
            let ctx = ctx_for(email, "");
            let got = match self.service.record_sign_in(email, &ctx).await {
                Ok(()) => Got::ok(),
                Err(e) => Got::from_error(&e),
            };
            return compare(step.expect.as_ref(), &got);
        }
        if let Some(def) = &step.expect_roles {
            let roles = self
                .service
                .roles_of(&def.person, &def.org, self.now)
                .await
                .map_err(|e| e.to_string())?;
            let (want, got) = (set(&def.roles), set(&roles));
            return if want == got {
                Ok(())
            } else {
                Err(format!("expected roles {want:?}, got {got:?}"))
            };
        }
        if let Some(def) = &step.expect_usage {
            let used = self
                .service
                .license_used(&def.org, &def.license)
                .await
                .map_err(|e| e.to_string())?;
            return if used == def.used {
                Ok(())
            } else {
                Err(format!(
                    "expected {} of `{}` in use, got {used}",
                    def.used, def.license
                ))
            };
        }
        if let Some(def) = &step.end_relationship {
            let ctx = ctx_for("", &def.customer);
            let got = match self
                .service
                .end_relationship(&ctx, &def.partner, &def.customer)
                .await
            {
                Ok(()) => Got::ok(),
                Err(e) => Got::from_error(&e),
            };
            return compare(step.expect.as_ref(), &got);
        }

        let actor = step
            .actor
            .as_deref()
            .ok_or("this step needs `as`, the acting person's email")?;
        let org = match &step.org {
            Some(org) => org.clone(),
            None => self.home_org(actor).await?,
        };
        let ctx = ctx_for(actor, &org);
        let got = self.act(&ctx, step).await?;
        compare(step.expect.as_ref(), &got)
    }

    async fn home_org(&self, email: &str) -> Result<String, String> {
        let mut conn = self
            .service
            .db()
            .pool
            .acquire()
            .await
            .map_err(|e| e.to_string())?;
        rolehub_store::load::person_by_email(&mut conn, email)
            .await
            .map_err(|e| e.to_string())?
            .map(|p| p.view.home_org)
            .ok_or_else(|| format!("`{email}` is not a person of the scenario"))
    }

    async fn act(&self, ctx: &Ctx, step: &Step) -> Result<Got, String> {
        let s = self.service;
        let change = |r: Result<rolehub_store::ChangeOutcome, ServiceError>| match r {
            Ok(o) => Got {
                allowed: true,
                removed: o.removed,
                side_effects: o.side_effects,
                warnings: o.warnings.iter().map(|w| w.code().to_string()).collect(),
                ..Got::default()
            },
            Err(e) => Got::from_error(&e),
        };
        let unit = |r: Result<(), ServiceError>| match r {
            Ok(()) => Got::ok(),
            Err(e) => Got::from_error(&e),
        };
        let roles = |ids: &Option<Vec<String>>| -> Result<Vec<Role>, String> {
            ids.iter()
                .flatten()
                .map(|id| Role::from_id(id).ok_or_else(|| format!("`{id}` is not a role")))
                .collect()
        };
        Ok(if let Some(a) = &step.assign {
            let request = AssignRequest {
                person: a.person.clone(),
                role: a.role.clone(),
                site: a.site.clone(),
                locations: a.locations.clone(),
                expires_at: a
                    .expires_at
                    .as_deref()
                    .map(|t| time(t, "expires_at"))
                    .transpose()?,
            };
            change(s.assign(ctx, &request).await)
        } else if let Some(r) = &step.revoke {
            change(s.revoke(ctx, &r.person, &r.role, r.site.as_deref()).await)
        } else if let Some(r) = &step.revoke_all {
            change(s.revoke_all(ctx, &r.person).await)
        } else if let Some(v) = &step.verify_external {
            match s.verify_external(ctx, &v.email).await {
                Ok(Verification { partner, offered }) => Got {
                    allowed: true,
                    category: Some(if partner { "partner" } else { "other" }.into()),
                    offered: Some(offered.iter().map(|r| r.id().to_string()).collect()),
                    ..Got::default()
                },
                Err(e) => Got {
                    category: Some("refused".into()),
                    offered: Some(Vec::new()),
                    ..Got::from_error(&e)
                },
            }
        } else if let Some(a) = &step.add_external {
            change(
                s.add_external(ctx, &a.email, &a.role, a.site.as_deref())
                    .await,
            )
        } else if let Some(l) = &step.set_license {
            unit(s.set_license(ctx, &l.person, &l.license, l.on).await)
        } else if let Some(u) = &step.add_user {
            let user = NewUser {
                email: u.email.clone(),
                first: u.first.clone().unwrap_or_default(),
                last: u.last.clone().unwrap_or_default(),
                location: None,
            };
            unit(s.add_user(ctx, &user).await.map(|_| ()))
        } else if let Some(r) = &step.remove_user {
            match s.remove_user(ctx, &r.person).await {
                Ok(w) => Got {
                    allowed: true,
                    warnings: w.iter().map(|w| w.code().to_string()).collect(),
                    ..Got::default()
                },
                Err(e) => Got::from_error(&e),
            }
        } else if let Some(u) = &step.set_user_status {
            match s.set_user_status(ctx, &u.person, &u.status).await {
                Ok(w) => Got {
                    allowed: true,
                    warnings: w.iter().map(|w| w.code().to_string()).collect(),
                    ..Got::default()
                },
                Err(e) => Got::from_error(&e),
            }
        } else if let Some(r) = &step.resend_invite {
            unit(s.resend_invite(ctx, &r.person).await)
        } else if let Some(set) = &step.set_setting {
            match SettingChange::parse(&set.key, &set.value) {
                Ok(change) => unit(s.set_setting(ctx, &change).await),
                Err(e) => Got::from_error(&e),
            }
        } else if step.setup_chat.is_some() {
            unit(s.setup_chat(ctx).await)
        } else if let Some(c) = &step.check {
            match s
                .check(
                    ctx,
                    &c.area,
                    &c.level,
                    c.site.as_deref(),
                    c.location.as_deref(),
                )
                .await
            {
                Ok(d) if d.allowed => Got::ok(),
                Ok(d) => {
                    let refusal = d.refusal();
                    Got {
                        allowed: false,
                        rules: vec![d.rule],
                        message: refusal.map(|r| r.to_string()).unwrap_or_default(),
                        ..Got::default()
                    }
                }
                Err(e) => Got::from_error(&e),
            }
        } else if let Some(l) = &step.list_admins {
            match s.list_admins(ctx, &roles(&l.roles)?, l.external).await {
                Ok(list) => Got {
                    allowed: true,
                    emails: Some(list.rows.iter().map(|r| r.email.clone()).collect()),
                    masked: Some(list.masked.iter().map(|f| f.id().to_string()).collect()),
                    ..Got::default()
                },
                Err(e) => Got::from_error(&e),
            }
        } else if let Some(x) = &step.export_admins {
            let mut out = Vec::new();
            match s.export_admins(ctx, &roles(&x.roles)?, &mut out).await {
                Ok((list, _)) => Got {
                    allowed: true,
                    csv: Some(String::from_utf8_lossy(&out).into_owned()),
                    emails: Some(list.rows.iter().map(|r| r.email.clone()).collect()),
                    masked: Some(list.masked.iter().map(|f| f.id().to_string()).collect()),
                    ..Got::default()
                },
                Err(e) => Got::from_error(&e),
            }
        } else if let Some(i) = &step.import_csv {
            match s
                .import_csv(ctx, i.csv.as_bytes(), ImportOptions::default())
                .await
            {
                Ok(report) => {
                    let refused = report.refused_rows();
                    Got {
                        allowed: refused.is_empty(),
                        rules: refused.iter().map(|(_, r)| *r).collect(),
                        message: report
                            .errors
                            .iter()
                            .map(|e| e.message.clone())
                            .collect::<Vec<_>>()
                            .join("; "),
                        rows_applied: Some(report.rows_applied),
                        row_errors: Some(
                            refused
                                .iter()
                                .map(|(row, rule)| (*row, rule.id().to_string()))
                                .collect(),
                        ),
                        ..Got::default()
                    }
                }
                Err(e) => Got {
                    rows_applied: Some(0),
                    row_errors: Some(Vec::new()),
                    ..Got::from_error(&e)
                },
            }
        } else if let Some(c) = &step.create_customer {
            unit(s.create_customer(ctx, &c.id, &c.name).await)
        } else if let Some(p) = &step.provision_order {
            let licenses: Vec<(String, i64)> = p
                .subscription
                .licenses
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            unit(s.provision_order(ctx, &p.subscription.id, &licenses).await)
        } else {
            return Err("the step has no action this runner knows".into());
        })
    }
}

/// Compares what a step gave with its expectation; the error says expected and got.
fn compare(expect: Option<&Expect>, got: &Got) -> Result<(), String> {
    let Some(expect) = expect else {
        return if got.allowed {
            Ok(())
        } else {
            Err(format!("expected allowed, got {}", got.describe()))
        };
    };
    let want_allowed = match (expect.allowed, &expect.rule) {
        (Some(a), _) => Some(a),
        (None, Some(_)) => Some(false),
        (None, None) if expect.only_outcome() => Some(true),
        (None, None) => None,
    };
    if let Some(want) = want_allowed {
        if want != got.allowed {
            let want_s = if want {
                "allowed".to_string()
            } else {
                "refused".to_string()
            };
            return Err(format!("expected {want_s}, got {}", got.describe()));
        }
    }
    let needs_success = expect.removed.is_some()
        || expect.emails.is_some()
        || expect.csv.is_some()
        || expect.masked.is_some()
        || expect.warnings.as_ref().is_some_and(|w| !w.is_empty());
    if want_allowed.is_none() && needs_success && !got.allowed {
        return Err(format!("expected allowed, got {}", got.describe()));
    }
    if let Some(rule) = &expect.rule {
        let ids = rule.ids();
        let matched = got.rules.iter().any(|r| ids.contains(&r.id()));
        if !matched {
            return Err(format!(
                "expected rule {}, got {}",
                ids.join(" or "),
                got.describe()
            ));
        }
    }
    if let Some(removed) = &expect.removed {
        // The expected list may name only the side effects or every grant removed.
        let want = set(removed);
        let all = set(&got.removed);
        let side = set(&got.side_effects);
        if !(side.is_subset(&want) && want.is_subset(&all)) {
            return Err(format!(
                "expected removed {want:?}, got removed {all:?} (side effects {side:?}); {}",
                got.describe()
            ));
        }
    }
    if let Some(warnings) = &expect.warnings {
        let got_set = set(&got.warnings);
        let missing: Vec<&String> = warnings
            .iter()
            .filter(|w| !got_set.contains(&w.to_lowercase()))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "expected warnings {warnings:?}, got {:?}",
                got.warnings
            ));
        }
    }
    if let Some(category) = &expect.category {
        if got.category.as_deref() != Some(category.as_str()) {
            return Err(format!(
                "expected category `{category}`, got {:?} ({})",
                got.category,
                got.describe()
            ));
        }
    }
    if let Some(offered) = &expect.offered {
        let got_set = set(got.offered.iter().flatten());
        if set(offered) != got_set {
            return Err(format!(
                "expected offered {:?}, got {got_set:?}",
                set(offered)
            ));
        }
    }
    if let Some(emails) = &expect.emails {
        let got_set = set(got.emails.iter().flatten());
        if set(emails) != got_set {
            return Err(format!(
                "expected emails {:?}, got {got_set:?} ({})",
                set(emails),
                got.describe()
            ));
        }
    }
    if let Some(csv) = &expect.csv {
        if got.csv.as_deref() != Some(csv.as_str()) {
            return Err(format!(
                "expected csv {csv:?}, got {:?} ({})",
                got.csv,
                got.describe()
            ));
        }
    }
    if let Some(n) = expect.rows_applied {
        if got.rows_applied != Some(n) {
            return Err(format!(
                "expected {n} rows applied, got {:?} ({})",
                got.rows_applied,
                got.describe()
            ));
        }
    }
    if let Some(rows) = &expect.row_errors {
        let want: Vec<(usize, String)> = rows.iter().map(|r| (r.row, r.rule.clone())).collect();
        if got.row_errors.as_ref() != Some(&want) {
            return Err(format!(
                "expected row errors {want:?}, got {:?} ({})",
                got.row_errors,
                got.describe()
            ));
        }
    }
    if let Some(masked) = &expect.masked {
        let got_set = set(got.masked.iter().flatten());
        if set(masked) != got_set {
            return Err(format!(
                "expected masked {:?}, got {got_set:?}",
                set(masked)
            ));
        }
    }
    Ok(())
}
