//! Carrying out the CLI's commands through the service layer.

use std::io::Write;

use rolehub_domain::{Lang, Role, RuleId, Timestamp};
use rolehub_store::clock::system_now;
use rolehub_store::service::{AssignRequest, ImportOptions};
use rolehub_store::{ChangeOutcome, Ctx, EventFilter, Service, StoredEvent};
use serde_json::{json, Value};

use super::output::{self, Table};
use super::{
    Acting, AdminsCommand, AuditCommand, AuditFormat, Cli, Command, ExternalCommand, MailCommand,
    OrgsCommand, RolesCommand, ScenarioCommand, TokenCommand, UsersCommand,
};
use rolehub_store::service::TokenScope;

/// The name operator acts from the CLI carry in the audit log.
const OPERATOR: &str = "cli";

pub use super::exit::{Exit, Failure};

fn invalid(message: impl Into<String>) -> Failure {
    Failure::invalid(message)
}

type Done = Result<Exit, Failure>;

/// Runs a parsed command line; prints errors to standard error and answers the exit code.
pub async fn run(cli: Cli) -> Exit {
    let mut out = std::io::stdout();
    let layers = match cli.layers() {
        Ok(layers) => layers,
        Err(e) => {
            note(&format!("error: {e}"));
            return Exit::Invalid;
        }
    };
    let result = dispatch(&cli, &layers, &mut out).await;
    match result {
        Ok(exit) => exit,
        // A reader that stopped reading (a broken pipe) ends the command quietly.
        Err(f) if f.exit == Exit::Ok => Exit::Ok,
        Err(f) => {
            let _ = out.flush();
            note(&format!("error: {}", f.message));
            f.exit
        }
    }
}

/// Writes a line to standard error; a closed standard error (`2>&1 | head`) is no reason to fail.
pub(crate) fn note(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The settings in effect.
fn settings(cli: &Cli) -> Result<rolehub_server::Settings, Failure> {
    Ok(cli
        .layers()
        .map_err(|e| Failure::invalid(e.to_string()))?
        .settings())
}

/// Opens the database the settings name. A SQLite file that does not exist yet is created, and
/// the command says so, with where; a database with no organization in it gets a hint for the
/// commands that read one (the demo and generation fill it).
pub(crate) async fn open(cli: &Cli) -> Result<Service, Failure> {
    let settings = settings(cli)?;
    let new_file =
        sqlite_path(&settings.database_url).filter(|p| !std::path::Path::new(p).exists());
    let service = Service::open(
        &settings.database_url,
        &settings.store_options("http://127.0.0.1:8080"),
    )
    .await?;
    if let Some(path) = new_file {
        note(&format!(
            "note: created a new, empty database at {path} (name another with --db or ROLEHUB_DB)"
        ));
    }
    let fills = matches!(
        cli.command,
        Command::Demo | Command::Gen(_) | Command::Migrate
    );
    if !fills && service.operator(OPERATOR).orgs().await?.is_empty() {
        note(&format!(
            "note: the database {} holds no organization; load the demo world with `rolehub demo` (or start the server with `rolehub serve --demo`)",
            settings.database_url
        ));
    }
    Ok(service)
}

/// The file of a SQLite database URL (`sqlite://rolehub.db`, `sqlite:rolehub.db?mode=rwc`).
fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

fn roles(ids: &[String]) -> Result<Vec<Role>, Failure> {
    ids.iter()
        .map(|id| {
            Role::from_id(id.trim())
                .ok_or_else(|| invalid(format!("`{id}` is not a role; see `rolehub roles list`")))
        })
        .collect()
}

async fn ctx(service: &Service, acting: &Acting) -> Result<Ctx, Failure> {
    let org = match &acting.org {
        Some(org) => org.clone(),
        None => service
            .operator(OPERATOR)
            .person(&acting.actor)
            .await
            .map(|p| p.view.home_org)
            .map_err(|_| Failure {
                exit: Exit::NotFound,
                message: format!("no person has the email `{}`", acting.actor),
            })?,
    };
    let mut ctx = Ctx::new(acting.actor.clone(), org, system_now()).dry_run(acting.dry_run);
    ctx.client_addr = Some("cli".into());
    Ok(ctx)
}

fn print_change(cli: &Cli, out: &mut impl Write, outcome: &ChangeOutcome, dry_run: bool) -> Done {
    if cli.json {
        output::json(
            out,
            &json!({
                "dryRun": dry_run,
                "added": outcome.added,
                "removed": outcome.removed,
                "warnings": outcome.warnings.iter().map(|w| w.code()).collect::<Vec<_>>(),
            }),
        )?;
        return Ok(Exit::Ok);
    }
    let prefix = if dry_run { "dry run: would have " } else { "" };
    match &outcome.added {
        Some(added) => writeln!(out, "{prefix}added {added}")?,
        None if outcome.removed.is_empty() => writeln!(out, "nothing changed")?,
        None => {}
    }
    for removed in &outcome.removed {
        writeln!(out, "{prefix}removed {removed}")?;
    }
    for warning in &outcome.warnings {
        writeln!(out, "warning: {}", warning.message(Lang::En))?;
    }
    Ok(Exit::Ok)
}

async fn dispatch(
    cli: &Cli,
    layers: &rolehub_server::settings::Layers,
    out: &mut impl Write,
) -> Done {
    let settings = layers.settings();
    match &cli.command {
        Command::Config {
            command: super::ConfigCommand::Show,
        } => {
            let mut t = Table::new(["SETTING", "VALUE", "FROM"]);
            for (def, value, source) in layers.show() {
                t.row(vec![def.key.to_string(), value, source.to_string()]);
            }
            t.print(out)?;
            Ok(Exit::Ok)
        }
        Command::Config {
            command: super::ConfigCommand::Reference,
        } => {
            write!(out, "{}", rolehub_server::settings::reference_markdown())?;
            Ok(Exit::Ok)
        }
        Command::Scenario {
            command: ScenarioCommand::Run { paths },
        } => {
            let summary =
                crate::scenario::run_paths(paths, Some(&settings.database_url), out).await;
            Ok(match summary.exit_code() {
                0 => Exit::Ok,
                1 => Exit::Refused,
                _ => Exit::Invalid,
            })
        }
        Command::Serve(args) => super::serve::serve(&settings, args, out).await,
        Command::Token {
            command:
                TokenCommand::Create {
                    email,
                    ttl_days,
                    scope,
                    name,
                },
        } => {
            let service = open(cli).await?;
            let scope = TokenScope::from_id(scope)
                .ok_or_else(|| invalid(format!("`{scope}` is not `read`, `write` or `scim`")))?;
            let (info, secret) = service
                .operator(OPERATOR)
                .create_token(email, name, scope, *ttl_days, system_now())
                .await?;
            if cli.json {
                output::json(
                    out,
                    &json!({ "id": info.id, "token": secret, "scope": info.scope.id(), "expires": info.expires_at.to_iso() }),
                )?;
            } else {
                writeln!(out, "{secret}")?;
                note(&format!(
                    "a {} token for {email}, valid until {} — it is shown only now",
                    info.scope.id(),
                    info.expires_at.to_iso()
                ));
            }
            Ok(Exit::Ok)
        }
        Command::Mail {
            command: MailCommand::List { limit },
        } => {
            let service = open(cli).await?;
            let mails = service.operator(OPERATOR).outbox(*limit).await?;
            if cli.json {
                let items: Vec<Value> = mails.iter().map(|m| json!({ "id": m.id, "to": m.to, "subject": m.subject, "body": m.body, "created": m.created_at.to_iso(), "sent": m.sent_at.map(|t| t.to_iso()) })).collect();
                output::json(out, &json!({ "items": items }))?;
            } else if mails.is_empty() {
                writeln!(out, "the outbox is empty")?;
            } else {
                for m in &mails {
                    writeln!(
                        out,
                        "To: {}\nDate: {}{}\nSubject: {}\n\n{}\n",
                        m.to,
                        m.created_at.to_iso(),
                        if m.sent_at.is_some() {
                            " (sent)"
                        } else {
                            " (not sent)"
                        },
                        m.subject,
                        m.body
                    )?;
                }
            }
            Ok(Exit::Ok)
        }
        Command::Migrate => {
            open(cli).await?;
            writeln!(
                out,
                "the database at {} is up to date",
                redact(&settings.database_url)
            )?;
            Ok(Exit::Ok)
        }
        Command::Demo => {
            let service = open(cli).await?;
            if !super::demo::load(&service, out).await? {
                return Err(Failure {
                    exit: Exit::Conflict,
                    message: "the database is not empty; the demo world loads into an empty database only".into(),
                });
            }
            Ok(Exit::Ok)
        }
        Command::Gen(args) => {
            let service = open(cli).await?;
            super::gen::generate(&service, args, out).await?;
            Ok(Exit::Ok)
        }
        Command::Orgs {
            command: OrgsCommand::List,
        } => {
            let service = open(cli).await?;
            let orgs = service.operator(OPERATOR).orgs().await?;
            if cli.json {
                let items: Vec<Value> = orgs.iter().map(|o| json!({
                    "id": o.id, "name": o.name, "kind": o.kind.id(),
                    "partner": o.partner.as_ref().map(|p| json!({ "org": p.org, "status": if p.active { "active" } else { "ended" } })),
                    "contactCenter": o.contact_center.enabled, "calling": o.calling, "events": o.events,
                    "sites": o.sites.iter().map(|s| json!({ "url": s.url, "managedBy": s.managed_by.id() })).collect::<Vec<_>>(),
                    "locations": o.locations,
                })).collect();
                output::json(out, &json!({ "items": items }))?;
            } else {
                let mut t = Table::new(["ID", "NAME", "KIND", "PARTNER", "SERVICES", "SITES"]);
                for o in &orgs {
                    let mut services = Vec::new();
                    if o.contact_center.enabled {
                        services.push("contact center");
                    }
                    if o.calling {
                        services.push("calling");
                    }
                    if o.events {
                        services.push("events");
                    }
                    t.row(vec![
                        o.id.clone(),
                        o.name.clone(),
                        o.kind.id().into(),
                        o.partner
                            .as_ref()
                            .map(|p| {
                                format!("{} ({})", p.org, if p.active { "active" } else { "ended" })
                            })
                            .unwrap_or_default(),
                        services.join(", "),
                        o.sites
                            .iter()
                            .map(|s| s.url.clone())
                            .collect::<Vec<_>>()
                            .join(", "),
                    ]);
                }
                t.print(out)?;
            }
            Ok(Exit::Ok)
        }
        Command::Users { command } => users(cli, command, out).await,
        Command::Roles { command } => roles_cmd(cli, command, out).await,
        Command::External { command } => external(cli, command, out).await,
        Command::Admins { command } => admins(cli, command, out).await,
        Command::Audit { command } => audit_cmd(cli, command, out).await,
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…{}", &url[..scheme], &url[at..]),
        _ => url.to_string(),
    }
}

async fn users(cli: &Cli, command: &UsersCommand, out: &mut impl Write) -> Done {
    let service = open(cli).await?;
    match command {
        UsersCommand::List {
            org,
            roles: role_ids,
            max,
            after,
        } => {
            let page = service
                .operator(OPERATOR)
                .people(org, &roles(role_ids)?, after.as_deref(), *max)
                .await?;
            if cli.json {
                let items: Vec<Value> = page.iter().map(|p| json!({
                    "id": p.person.view.id, "email": p.person.view.email, "firstName": p.person.view.first,
                    "lastName": p.person.view.last, "status": p.person.view.status.id(), "orgId": p.person.view.home_org,
                    "roles": p.grants.iter().map(|g| g.label()).collect::<Vec<_>>(), "licenses": p.licenses,
                })).collect();
                output::json(out, &json!({ "items": items }))?;
            } else {
                let mut t =
                    Table::new(["EMAIL", "NAME", "STATUS", "ORG", "ADMIN ROLES", "LICENSES"]);
                for p in &page {
                    t.row(vec![
                        p.person.view.email.clone(),
                        format!("{} {}", p.person.view.first, p.person.view.last)
                            .trim()
                            .to_string(),
                        p.person.view.status.id().into(),
                        p.person.view.home_org.clone(),
                        if p.grants.is_empty() {
                            "None".into()
                        } else {
                            rolehub_store::service::roles_cell(&p.grants)
                        },
                        p.licenses.join(", "),
                    ]);
                }
                t.print(out)?;
                if page.len() as i64 == *max {
                    if let Some(last) = page.last() {
                        writeln!(out, "more: --after {}", last.person.view.email)?;
                    }
                }
            }
            Ok(Exit::Ok)
        }
        UsersCommand::Import {
            file,
            acting,
            partial,
        } => {
            let ctx = ctx(&service, acting).await?;
            let bytes =
                std::fs::read(file).map_err(|e| invalid(format!("{}: {e}", file.display())))?;
            let bar = indicatif::ProgressBar::new_spinner()
                .with_message(format!("checking {}", file.display()));
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            let report = service
                .import_csv(&ctx, &bytes, ImportOptions { partial: *partial })
                .await;
            bar.finish_and_clear();
            let report = report?;
            if cli.json {
                output::json(
                    out,
                    &json!({
                        "dryRun": ctx.dry_run, "applied": report.applied, "rows": report.rows_total, "rowsApplied": report.rows_applied,
                        "errors": report.errors.iter().map(|e| json!({ "row": e.row, "column": e.column, "ruleId": e.rule.id(), "message": e.message.to_string() })).collect::<Vec<_>>(),
                        "changes": report.changes.iter().map(|c| json!({ "row": c.row, "email": c.email, "changes": c.changes })).collect::<Vec<_>>(),
                    }),
                )?;
            } else {
                for e in &report.errors {
                    writeln!(
                        out,
                        "row {}{}: {} ({})",
                        e.row,
                        e.column
                            .as_ref()
                            .map(|c| format!(", column `{c}`"))
                            .unwrap_or_default(),
                        e.message,
                        e.rule
                    )?;
                }
                let verb = if report.applied {
                    "applied"
                } else if ctx.dry_run {
                    "would apply"
                } else {
                    "applied"
                };
                writeln!(
                    out,
                    "{} rows read, {} with errors, {verb} {} changed rows{}",
                    report.rows_total,
                    report.refused_rows().len(),
                    if report.applied || ctx.dry_run {
                        report.rows_applied
                    } else {
                        0
                    },
                    if !report.errors.is_empty() && !partial {
                        " (nothing applied: fix the rows or use --partial)"
                    } else {
                        ""
                    }
                )?;
            }
            Ok(if report.errors.is_empty() {
                Exit::Ok
            } else {
                Exit::Refused
            })
        }
        UsersCommand::Template { acting } => {
            let ctx = ctx(&service, acting).await?;
            service.csv_template(&ctx, &mut *out).await?;
            Ok(Exit::Ok)
        }
    }
}

async fn roles_cmd(cli: &Cli, command: &RolesCommand, out: &mut impl Write) -> Done {
    match command {
        RolesCommand::List => {
            if cli.json {
                let items: Vec<Value> = Role::ALL.iter().map(|r| json!({
                    "id": r.id(), "name": r.name(Lang::En), "nameNl": r.name(Lang::Nl),
                    "scope": format!("{:?}", r.scope_kind()).to_lowercase(),
                    "internal": r.internal_may_hold(), "otherOrg": r.other_org_may_hold(), "partner": r.partner_may_hold(),
                })).collect();
                output::json(out, &json!({ "items": items }))?;
            } else {
                let mut t = Table::new(["ID", "NAME", "NAAM", "SCOPE", "HELD BY"]);
                for r in Role::ALL {
                    let mut held = Vec::new();
                    if r.internal_may_hold() {
                        held.push("internal");
                    }
                    if r.other_org_may_hold() {
                        held.push("other-org external");
                    }
                    if r.partner_may_hold() {
                        held.push("partner");
                    }
                    t.row(vec![
                        r.id().into(),
                        r.name(Lang::En).into(),
                        r.name(Lang::Nl).into(),
                        format!("{:?}", r.scope_kind()).to_lowercase(),
                        held.join(", "),
                    ]);
                }
                t.print(out)?;
            }
            Ok(Exit::Ok)
        }
        RolesCommand::Assign {
            acting,
            person,
            role,
            site,
            locations,
            expires_at,
        } => {
            let service = open(cli).await?;
            let ctx = ctx(&service, acting).await?;
            let expires_at = expires_at
                .as_deref()
                .map(Timestamp::parse)
                .transpose()
                .map_err(|e| invalid(format!("--expires-at: {e}")))?;
            let request = AssignRequest {
                person: person.clone(),
                role: role.clone(),
                site: site.clone(),
                locations: locations.clone(),
                expires_at,
            };
            let outcome = service.assign(&ctx, &request).await?;
            print_change(cli, out, &outcome, ctx.dry_run)
        }
        RolesCommand::Revoke {
            acting,
            person,
            role,
            site,
        } => {
            let service = open(cli).await?;
            let ctx = ctx(&service, acting).await?;
            let outcome = service.revoke(&ctx, person, role, site.as_deref()).await?;
            print_change(cli, out, &outcome, ctx.dry_run)
        }
    }
}

async fn external(cli: &Cli, command: &ExternalCommand, out: &mut impl Write) -> Done {
    let service = open(cli).await?;
    match command {
        ExternalCommand::Verify { acting, email } => {
            let ctx = ctx(&service, acting).await?;
            let v = service.verify_external(&ctx, email).await?;
            let category = if v.partner { "partner" } else { "other" };
            if cli.json {
                output::json(
                    out,
                    &json!({ "email": email, "category": category, "offered": v.offered.iter().map(|r| r.id()).collect::<Vec<_>>() }),
                )?;
            } else {
                writeln!(
                    out,
                    "{email}: {} administrator",
                    if v.partner { "partner" } else { "other-org" }
                )?;
                for role in &v.offered {
                    writeln!(out, "  offered: {} ({})", role.name(Lang::En), role.id())?;
                }
            }
            Ok(Exit::Ok)
        }
        ExternalCommand::Add {
            acting,
            email,
            role,
            site,
        } => {
            let ctx = ctx(&service, acting).await?;
            let outcome = service
                .add_external(&ctx, email, role, site.as_deref())
                .await?;
            print_change(cli, out, &outcome, ctx.dry_run)
        }
        ExternalCommand::Revoke { acting, person } => {
            let ctx = ctx(&service, acting).await?;
            let outcome = service.revoke_all(&ctx, person).await?;
            print_change(cli, out, &outcome, ctx.dry_run)
        }
    }
}

async fn admins(cli: &Cli, command: &AdminsCommand, out: &mut impl Write) -> Done {
    let service = open(cli).await?;
    let now = system_now();
    match command {
        AdminsCommand::List { org, roles: ids } => {
            let list = service
                .operator(OPERATOR)
                .admins(org, &roles(ids)?, None, now)
                .await?;
            if cli.json {
                let items: Vec<Value> = list.rows.iter().map(|r| json!({
                    "email": r.email_shown, "name": r.name_shown, "external": r.external, "status": r.status.id(),
                    "roles": r.grants.iter().map(|g| g.label()).collect::<Vec<_>>(),
                })).collect();
                output::json(out, &json!({ "items": items }))?;
            } else {
                let mut t = Table::new(["EMAIL", "NAME", "EXTERNAL", "ADMIN ROLES"]);
                for r in &list.rows {
                    t.row(vec![
                        r.email_shown.clone(),
                        r.name_shown.clone(),
                        if r.external { "yes" } else { "" }.into(),
                        rolehub_store::service::roles_cell(&r.grants),
                    ]);
                }
                t.print(out)?;
            }
            Ok(Exit::Ok)
        }
        AdminsCommand::Export {
            org,
            roles: ids,
            actor,
        } => {
            let roles = roles(ids)?;
            match actor {
                Some(actor) => {
                    let ctx = Ctx::new(actor.clone(), org.clone(), now);
                    service.export_admins(&ctx, &roles, &mut *out).await?;
                }
                None => {
                    let list = service
                        .operator(OPERATOR)
                        .admins(org, &roles, None, now)
                        .await?;
                    rolehub_store::service::write_admin_csv(&list, &mut *out)?;
                }
            }
            Ok(Exit::Ok)
        }
    }
}

async fn audit_cmd(cli: &Cli, command: &AuditCommand, out: &mut impl Write) -> Done {
    let service = open(cli).await?;
    let operator = service.operator(OPERATOR);
    match command {
        AuditCommand::List {
            org,
            actor,
            action,
            from,
            to,
            limit,
            format,
        } => {
            let time = |t: &Option<String>, what: &str| -> Result<Option<Timestamp>, Failure> {
                t.as_deref()
                    .map(Timestamp::parse)
                    .transpose()
                    .map_err(|e| invalid(format!("--{what}: {e}")))
            };
            let filter = EventFilter {
                org_id: org.clone(),
                actor_email: actor.as_ref().map(|a| a.to_lowercase()),
                action: action.clone(),
                from: time(from, "from")?,
                to: time(to, "to")?,
                limit: *limit,
                after_seq: None,
                ..EventFilter::default()
            };
            let events = operator.audit(&filter).await?;
            match (cli.json, format) {
                (true, _) | (_, AuditFormat::Ndjson) => {
                    for e in &events {
                        writeln!(
                            out,
                            "{}",
                            serde_json::to_string(&event_json(e)).unwrap_or_default()
                        )?;
                    }
                }
                (false, AuditFormat::Csv) => {
                    let mut w = csv::WriterBuilder::new()
                        .terminator(csv::Terminator::CRLF)
                        .from_writer(&mut *out);
                    let io = |e: csv::Error| invalid(e.to_string());
                    w.write_record([
                        "time", "org", "seq", "actor", "action", "target", "outcome", "rule",
                        "before", "after", "request",
                    ])
                    .map_err(io)?;
                    for e in &events {
                        w.write_record(
                            [
                                Timestamp(e.at).to_iso(),
                                e.org_id.clone(),
                                e.seq.to_string(),
                                e.actor_email.clone().unwrap_or_default(),
                                e.action.clone(),
                                e.target_email.clone().unwrap_or_default(),
                                e.outcome.clone(),
                                e.rule_id.clone().unwrap_or_default(),
                                e.before.clone().unwrap_or_default(),
                                e.after.clone().unwrap_or_default(),
                                e.request_id.clone(),
                            ]
                            .map(|c| rolehub_store::service::neutralise(&c)),
                        )
                        .map_err(io)?;
                    }
                    w.flush()?;
                }
                (false, AuditFormat::Table) => {
                    let mut t =
                        Table::new(["TIME", "ORG", "#", "ACTOR", "ACTION", "TARGET", "OUTCOME"]);
                    for e in &events {
                        let outcome = match &e.rule_id {
                            Some(rule) => format!("{} {rule}", e.outcome),
                            None => e.outcome.clone(),
                        };
                        t.row(vec![
                            Timestamp(e.at).to_iso(),
                            e.org_id.clone(),
                            e.seq.to_string(),
                            e.actor_email.clone().unwrap_or_else(|| "(system)".into()),
                            e.action.clone(),
                            e.target_email.clone().unwrap_or_default(),
                            outcome,
                        ]);
                    }
                    t.print(out)?;
                }
            }
            Ok(Exit::Ok)
        }
        AuditCommand::Verify { org, checkpoints } => {
            let checked = match operator.verify_audit(org.as_deref()).await? {
                Ok(n) => n,
                Err(b) => {
                    return Err(Failure {
                        exit: Exit::Refused,
                        message: format!(
                            "audit chain broken in org `{}` at event {} (position {}): {}",
                            b.org_id, b.event_id, b.seq, b.problem
                        ),
                    })
                }
            };
            writeln!(out, "audit chain intact: {checked} events checked")?;
            let Some(path) = checkpoints else {
                return Ok(Exit::Ok);
            };
            let key = super::checkpoints::required_key(&settings(cli)?)?;
            let text = std::fs::read_to_string(path).map_err(|e| {
                invalid(format!(
                    "--checkpoints: {} cannot be read: {e}",
                    path.display()
                ))
            })?;
            match operator.verify_checkpoints(&text, &key).await? {
                Ok(n) => {
                    writeln!(out, "audit checkpoints confirmed: {n} checked")?;
                    Ok(Exit::Ok)
                }
                Err(problems) => Err(Failure {
                    exit: Exit::Refused,
                    message: problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n"),
                }),
            }
        }
        AuditCommand::Checkpoint { out: file } => {
            let settings = settings(cli)?;
            let key = super::checkpoints::required_key(&settings)?;
            let path = file
                .clone()
                .or(settings.checkpoint_file.clone())
                .ok_or_else(|| {
                    invalid("name the file: `--out FILE`, or set `audit.checkpoint_file`")
                })?;
            let n = super::checkpoints::append(
                &service,
                &key,
                &path,
                &mut std::collections::HashMap::new(),
            )
            .await?;
            writeln!(out, "{n} audit checkpoints appended to {}", path.display())?;
            Ok(Exit::Ok)
        }
        AuditCommand::Sweep => {
            let n = operator.sweep_expired(system_now()).await?;
            writeln!(out, "{n} expired grants recorded ({})", RuleId::Ext7)?;
            Ok(Exit::Ok)
        }
    }
}

fn event_json(e: &StoredEvent) -> Value {
    let parse = |s: &Option<String>| {
        s.as_deref()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
    };
    json!({
        "id": e.id, "orgId": e.org_id, "seq": e.seq, "created": Timestamp(e.at).to_iso(),
        "actorId": e.actor_id, "actorEmail": e.actor_email, "actorOrgId": e.actor_org, "action": e.action,
        "targetId": e.target_id, "targetEmail": e.target_email, "before": parse(&e.before), "after": parse(&e.after),
        "outcome": e.outcome, "ruleId": e.rule_id, "message": e.message, "trackingId": e.request_id,
        "clientAddress": e.client_addr, "prevHash": e.prev_hash, "hash": e.hash,
    })
}
