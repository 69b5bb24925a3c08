//! Running scenario files through the service layer, each on a fresh store.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rolehub_domain::change::Verification;
use rolehub_domain::{Role, RuleId, Target, Timestamp};
use rolehub_store::scratch::Scratch;
use rolehub_store::service::{
    parse_area, parse_level, AssignRequest, ImportOptions, NewUser, SettingChange,
};
use rolehub_store::{Ctx, Service, ServiceError};

use super::format::{Action, Expect, Scenario, Step};

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

/// serde_json's message without its own `at line L column C` (the caller names the place once).
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Parses a scenario's text, naming line and column of a problem.
pub fn parse_text(text: &str) -> Result<Scenario, String> {
    let scenario: Scenario = serde_json::from_str(text).map_err(|e| {
        format!(
            "line {}, column {}: {}",
            e.line(),
            e.column(),
            without_position(&e)
        )
    })?;
    check_values(&scenario)?;
    Ok(scenario)
}

/// Reads and parses a scenario file.
pub fn parse(path: &Path) -> Result<Scenario, FileError> {
    let text = std::fs::read_to_string(path).map_err(|e| FileError {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    parse_text(&text).map_err(|message| FileError {
        path: path.to_path_buf(),
        message,
    })
}

/// Checks the values the format fixes (times, durations, kinds, roles, statuses), so that a file
/// with a bad one is unreadable (exit 2) rather than a failed scenario.
fn check_values(scenario: &Scenario) -> Result<(), String> {
    let world = rolehub_store::world::World {
        now: scenario.now.clone(),
        orgs: Vec::new(),
        people: Vec::new(),
    };
    world.check().map_err(|e| e.to_string())?;
    for (i, step) in scenario.steps.iter().enumerate() {
        match &step.action {
            Action::Advance(d) => {
                rolehub_domain::time::parse_duration_ms(d)
                    .map_err(|e| format!("step {}: {e}", i + 1))?;
            }
            Action::Assign(a) => {
                if let Some(t) = &a.expires_at {
                    Timestamp::parse(t).map_err(|e| format!("step {}: expires_at: {e}", i + 1))?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Runs one parsed scenario on a fresh store.
pub async fn run_scenario(path: &Path, scenario: Scenario, db_url: Option<&str>) -> ScenarioResult {
    let mut scenario = scenario;
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
    let service = store.service();
    let world = scenario.take_world();
    let loaded = match world.now() {
        Ok(now) => service
            .operator("scenario")
            .load_world(&world, now)
            .await
            .map(|()| now)
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match loaded {
        Err(message) => result
            .failures
            .push(format!("{}: set-up: {message}", path.display())),
        Ok(now) => {
            let mut runner = Runner {
                service: &service,
                now,
            };
            for (i, step) in scenario.steps.iter().enumerate() {
                if let Err(message) = runner.step(step).await {
                    result
                        .failures
                        .push(format!("{}: step {}: {message}", path.display(), i + 1));
                }
            }
        }
    }
    store.close().await;
    result
}

/// Runs steps on a service whose world is loaded, from `now`; answers one line per failing step.
pub async fn run_steps(service: &Service, now: Timestamp, steps: &[Step]) -> Vec<String> {
    let mut runner = Runner { service, now };
    let mut failures = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        if let Err(message) = runner.step(step).await {
            failures.push(format!("step {}: {message}", i + 1));
        }
    }
    failures
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

    fn unit(r: Result<(), ServiceError>) -> Got {
        match r {
            Ok(()) => Got::ok(),
            Err(e) => Got::from_error(&e),
        }
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

impl Runner<'_> {
    async fn step(&mut self, step: &Step) -> Result<(), String> {
        let operator = self.service.operator("scenario");
        match &step.action {
            Action::Advance(duration) => {
                let ms =
                    rolehub_domain::time::parse_duration_ms(duration).map_err(|e| e.to_string())?;
                self.now = self.now.plus_ms(ms);
                Ok(())
            }
            Action::SignIn(email) => {
                let got = Got::unit(operator.record_sign_in(email, self.now).await);
                compare(step.expect.as_ref(), &got)
            }
            Action::ExpectRoles(def) => {
                let roles = operator
                    .roles_of(&def.person, &def.org, self.now)
                    .await
                    .map_err(|e| e.to_string())?;
                let (want, got) = (set(&def.roles), set(&roles));
                if want == got {
                    Ok(())
                } else {
                    Err(format!("expected roles {want:?}, got {got:?}"))
                }
            }
            Action::ExpectUsage(def) => {
                let used = operator
                    .license_used(&def.org, &def.license)
                    .await
                    .map_err(|e| e.to_string())?;
                if used == def.used {
                    Ok(())
                } else {
                    Err(format!(
                        "expected {} of `{}` in use, got {used}",
                        def.used, def.license
                    ))
                }
            }
            Action::EndRelationship(def) => {
                let got = Got::unit(
                    operator
                        .end_relationship(&def.partner, &def.customer, self.now)
                        .await,
                );
                compare(step.expect.as_ref(), &got)
            }
            action => {
                let actor = step
                    .actor
                    .as_deref()
                    .ok_or("this step needs `as`, the acting person's email")?;
                let org = match &step.org {
                    Some(org) => org.clone(),
                    None => operator
                        .person(actor)
                        .await
                        .map(|p| p.view.home_org)
                        .map_err(|_| format!("`{actor}` is not a person of the scenario"))?,
                };
                let ctx = Ctx::new(actor, org, self.now);
                let got = self.act(&ctx, action).await?;
                compare(step.expect.as_ref(), &got)
            }
        }
    }

    async fn act(&self, ctx: &Ctx, action: &Action) -> Result<Got, String> {
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
        let with_warnings = |r: Result<Vec<rolehub_domain::Warning>, ServiceError>| match r {
            Ok(w) => Got {
                allowed: true,
                warnings: w.iter().map(|w| w.code().to_string()).collect(),
                ..Got::default()
            },
            Err(e) => Got::from_error(&e),
        };
        let roles = |ids: &Option<Vec<String>>| -> Result<Vec<Role>, String> {
            ids.iter()
                .flatten()
                .map(|id| Role::from_id(id).ok_or_else(|| format!("`{id}` is not a role")))
                .collect()
        };
        Ok(match action {
            Action::Assign(a) => {
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
            }
            Action::Revoke(r) => change(s.revoke(ctx, &r.person, &r.role, r.site.as_deref()).await),
            Action::RevokeAll(r) => change(s.revoke_all(ctx, &r.person).await),
            Action::VerifyExternal(v) => match s.verify_external(ctx, &v.email).await {
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
            },
            Action::AddExternal(a) => change(
                s.add_external(ctx, &a.email, &a.role, a.site.as_deref())
                    .await,
            ),
            Action::SetLicense(l) => {
                Got::unit(s.set_license(ctx, &l.person, &l.license, l.on).await)
            }
            Action::AddUser(u) => {
                let user = NewUser {
                    email: u.email.clone(),
                    first: u.first.clone().unwrap_or_default(),
                    last: u.last.clone().unwrap_or_default(),
                    location: None,
                    ..NewUser::default()
                };
                Got::unit(s.add_user(ctx, &user).await.map(|_| ()))
            }
            Action::RemoveUser(r) => with_warnings(s.remove_user(ctx, &r.person).await),
            Action::SetUserStatus(u) => {
                with_warnings(s.set_user_status(ctx, &u.person, &u.status).await)
            }
            Action::ResendInvite(r) => Got::unit(s.resend_invite(ctx, &r.person).await),
            Action::SetSetting(set) => match SettingChange::parse(&set.key, &set.value) {
                Ok(change) => Got::unit(s.set_setting(ctx, &change).await),
                Err(e) => Got::from_error(&e),
            },
            Action::SetupChat(_) => Got::unit(s.setup_chat(ctx).await),
            Action::Check(c) => {
                let parsed = parse_area(&c.area).and_then(|a| Ok((a, parse_level(&c.level)?)));
                let target = match (c.site.as_deref(), c.location.as_deref()) {
                    (Some(site), _) => Target::Site(site),
                    (None, Some(location)) => Target::Location(location),
                    (None, None) => Target::Org,
                };
                let decided = match parsed {
                    Ok((area, level)) => s.check(ctx, area, level, target).await,
                    Err(e) => Err(e),
                };
                match decided {
                    Ok(d) if d.allowed => Got::ok(),
                    Ok(d) => Got {
                        allowed: false,
                        rules: vec![d.rule],
                        message: d.refusal().map(|r| r.to_string()).unwrap_or_default(),
                        ..Got::default()
                    },
                    Err(e) => Got::from_error(&e),
                }
            }
            Action::ListAdmins(l) => {
                match s.list_admins(ctx, &roles(&l.roles)?, l.external).await {
                    Ok(list) => Got {
                        allowed: true,
                        emails: Some(list.rows.iter().map(|r| r.email.clone()).collect()),
                        masked: Some(list.masked.iter().map(|f| f.id().to_string()).collect()),
                        ..Got::default()
                    },
                    Err(e) => Got::from_error(&e),
                }
            }
            Action::ExportAdmins(x) => {
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
            }
            Action::ImportCsv(i) => match s
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
                            .map(|e| e.message.to_string())
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
            },
            Action::CreateCustomer(c) => Got::unit(s.create_customer(ctx, &c.id, &c.name).await),
            Action::ProvisionOrder(p) => {
                let licenses: Vec<(String, i64)> = p
                    .subscription
                    .licenses
                    .iter()
                    .map(|(k, v)| (k.clone(), *v))
                    .collect();
                Got::unit(s.provision_order(ctx, &p.subscription.id, &licenses).await)
            }
            Action::Advance(_)
            | Action::SignIn(_)
            | Action::ExpectRoles(_)
            | Action::ExpectUsage(_)
            | Action::EndRelationship(_) => return Err(format!("`{}` has no actor", action.key())),
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
