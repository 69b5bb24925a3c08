//! "Modify users with CSV": the template and the upload (R-CSV-1, R-CSV-2, R-CCSA-10, R-LIC-1).
//!
//! An upload is validated whole before anything changes; every problem is reported with its row
//! and column and the rule that refuses it. By default nothing is applied unless every row is
//! valid; `partial` applies the valid rows only. Applying is one transaction with one audit event
//! per changed user.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use rolehub_domain::ops::{self, Principal, UserChange};
use rolehub_domain::{Area, Level, License, OrgState, Refusal, Role, RuleId, Status, Target, Text};
use serde_json::json;
use sqlx::Row;

use super::{Ctx, Service};
use crate::error::ServiceError;
use crate::load::{self, PersonRecord, PERSON_COLUMNS};
use crate::op::{OrgOp, OrgRead};

mod words;

/// How to apply an upload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Apply the valid rows even when other rows have errors.
    pub partial: bool,
}

/// A problem with one cell or row of an upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The data row, counting from 1 (the header is not a row; a spreadsheet shows data row N as
    /// its row N + 1).
    pub row: usize,
    /// The column, when one cell is at fault.
    pub column: Option<String>,
    /// The rule that refuses it.
    pub rule: RuleId,
    /// What is wrong, in each language; the row, the column and the rule are not repeated in it
    /// (a refusal's sentence does name its rule).
    pub message: Text,
}

/// The changes of one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowChange {
    /// The data row.
    pub row: usize,
    /// The user.
    pub email: String,
    /// What changes, as `column: old → new`.
    pub changes: Vec<String>,
}

/// What an upload did (or, in a preview, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Data rows read.
    pub rows_total: usize,
    /// Rows that changed something and were applied (in a preview: would be).
    pub rows_applied: usize,
    /// Every problem found.
    pub errors: Vec<RowError>,
    /// The changes, row by row (all valid rows, applied or previewed).
    pub changes: Vec<RowChange>,
    /// Whether changes were written.
    pub applied: bool,
    /// The rows a rule refused (not only bad input, R-CSV-2): the row, its user's email and the
    /// first refusal by a rule, for the audit log.
    pub(crate) refused: Vec<(usize, String, Refusal)>,
}

impl ImportReport {
    /// The refused rows, each with the rule of its first problem.
    pub fn refused_rows(&self) -> Vec<(usize, RuleId)> {
        let mut seen = HashSet::new();
        self.errors
            .iter()
            .filter(|e| seen.insert(e.row))
            .map(|e| (e.row, e.rule))
            .collect()
    }
}

const KEY: &str = "User ID/Email";
/// The audit action of a CSV upload (keyed by email), beside `user.update` (keyed by id).
pub(crate) const CSV_ACTION: &str = "user.update_csv";
const FIRST: &str = "First Name";
const LAST: &str = "Last Name";
const DISPLAY: &str = "Display Name";
const STATUS: &str = "Status";
const LOCATION: &str = "Location";

#[derive(Clone, Debug, PartialEq, Eq)]
enum Column {
    Key,
    First,
    Last,
    Display,
    Status,
    Location,
    License(License),
}

/// The template's columns for an org (R-CSV-1).
pub fn template_columns(state: &OrgState) -> Vec<String> {
    let mut columns: Vec<String> = [KEY, FIRST, LAST, DISPLAY, STATUS, LOCATION]
        .map(String::from)
        .to_vec();
    columns.extend(
        [
            License::CcPremiumAgent,
            License::CcStandardAgent,
            License::Calling,
        ]
        .map(|l| l.csv_column()),
    );
    columns.extend(
        state
            .org
            .sites
            .iter()
            .map(|s| License::MeetingsHost(s.url.clone()).csv_column()),
    );
    columns
}

fn parse_header(state: &OrgState, header: &csv::StringRecord) -> Result<Vec<Column>, ServiceError> {
    let invalid = |column: usize, problem: Text| {
        ServiceError::Refused(Refusal::new(
            RuleId::Csv2,
            rolehub_domain::Reason::CsvInvalid {
                detail: words::in_header(column, problem),
            },
        ))
    };
    let mut columns = Vec::with_capacity(header.len());
    let mut seen = HashSet::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}');
        let column = match name {
            KEY => Column::Key,
            FIRST => Column::First,
            LAST => Column::Last,
            DISPLAY => Column::Display,
            STATUS => Column::Status,
            LOCATION => Column::Location,
            other => match License::from_csv_column(other) {
                Some(License::MeetingsHost(site)) if state.org.site(&site).is_none() => {
                    return Err(invalid(i + 1, words::unknown_site_column(other)));
                }
                Some(license) => Column::License(license),
                None => {
                    return Err(invalid(
                        i + 1,
                        words::not_a_column(other, &template_columns(state).join(", ")),
                    ))
                }
            },
        };
        if !seen.insert(name.to_string()) {
            return Err(invalid(i + 1, words::column_twice(name)));
        }
        columns.push(column);
    }
    if !columns.contains(&Column::Key) {
        return Err(invalid(1, words::key_column_missing(KEY)));
    }
    Ok(columns)
}

fn column_name(column: &Column) -> String {
    match column {
        Column::Key => KEY.into(),
        Column::First => FIRST.into(),
        Column::Last => LAST.into(),
        Column::Display => DISPLAY.into(),
        Column::Status => STATUS.into(),
        Column::Location => LOCATION.into(),
        Column::License(l) => l.csv_column(),
    }
}

fn parse_bool(cell: &str) -> Option<bool> {
    if cell.eq_ignore_ascii_case("true") {
        Some(true)
    } else if cell.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Who is uploading: everything, or (a CCSA) the Contact Center license columns only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Users,
    ContactCenterOnly,
}

/// One validated row's planned writes.
#[derive(Default)]
struct RowPlan {
    first: Option<String>,
    last: Option<String>,
    display: Option<String>,
    status: Option<Status>,
    location: Option<String>,
    add: Vec<String>,
    remove: Vec<String>,
}

impl Service {
    /// Writes the modify-users template, pre-filled with the org's users (R-CSV-1).
    pub async fn csv_template<W: Write>(&self, ctx: &Ctx, out: W) -> Result<usize, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        read.principal()
            .decide(Area::Users, Level::Read, Target::Org)
            .into_result()?;
        // R-EXT-10: the template is keyed by email; an external viewer sees only what is shared.
        let mask = read.mask();
        mask.refuse_key(rolehub_domain::SharedField::Email)?;
        let columns = template_columns(&read.state);
        let viewer_id = read.actor.view.id.clone();
        let io = |e: csv::Error| {
            ServiceError::Unavailable(format!("the template could not be written: {e}"))
        };
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        writer.write_record(&columns).map_err(io)?;
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons p JOIN orgs o ON o.id = p.home_org WHERE p.home_org = $1 ORDER BY p.email");
        let rows = sqlx::query(&sql)
            .bind(ctx.org.clone())
            .fetch_all(&mut *read.tx)
            .await?;
        let license_rows =
            sqlx::query("SELECT person_id, license FROM person_licenses WHERE org_id = $1")
                .bind(ctx.org.clone())
                .fetch_all(&mut *read.tx)
                .await?;
        let mut held: HashMap<String, HashSet<String>> = HashMap::new();
        for row in &license_rows {
            held.entry(row.try_get("person_id")?)
                .or_default()
                .insert(row.try_get("license")?);
        }
        let mut count = 0;
        for row in &rows {
            let p = load::person_from_row(row)?;
            let mine = held.get(&p.view.id);
            // A withheld name or location is left empty, which an upload reads as "no change".
            let name = |n: &str| {
                if mask.hides(rolehub_domain::SharedField::Name) && p.view.id != viewer_id {
                    String::new()
                } else {
                    n.to_string()
                }
            };
            let mut record: Vec<String> = vec![
                p.view.email.clone(),
                name(&p.view.first),
                name(&p.view.last),
                name(&p.display_name),
                if p.view.status == Status::Inactive {
                    "inactive".into()
                } else {
                    "active".into()
                },
                mask.location(&p.view.id, p.location.as_deref())
                    .unwrap_or_default(),
            ];
            for column in columns.iter().skip(6) {
                let license = License::from_csv_column(column)
                    .map(|l| l.id())
                    .unwrap_or_default();
                record.push(if mine.is_some_and(|m| m.contains(&license)) {
                    "TRUE".into()
                } else {
                    "FALSE".into()
                });
            }
            writer
                .write_record(record.iter().map(|c| super::admins::neutralise(c)))
                .map_err(io)?;
            count += 1;
        }
        writer.flush().map_err(|e| {
            ServiceError::Unavailable(format!("the template could not be written: {e}"))
        })?;
        read.close().await?;
        Ok(count)
    }

    /// Validates and (unless a dry run, and unless rows are invalid without `partial`) applies an
    /// upload, in the caller's time: the CLI's and the scenarios' way. The API and the console keep
    /// their uploads (see [`Service::preview_csv`] and [`Service::apply_csv`]).
    pub async fn import_csv(
        &self,
        ctx: &Ctx,
        text: &[u8],
        options: ImportOptions,
    ) -> Result<ImportReport, ServiceError> {
        let parsed = read_csv(text, self.upload_limits().max_rows)?;
        self.run_import(ctx, &parsed, options, CSV_ACTION, None, None)
            .await
    }

    /// Changes one user (named by id or email) with the same checks as a CSV row: names, status,
    /// location and licenses given by template column (`First Name`, `Status`, `Webex Calling`,
    /// …); empty cells change nothing.
    pub async fn update_user(
        &self,
        ctx: &Ctx,
        key: &str,
        cells: &[(String, String)],
    ) -> Result<ImportReport, ServiceError> {
        let change = PersonChange {
            cells: cells.to_vec(),
            ..PersonChange::default()
        };
        Ok(self.update_person(ctx, key, &change).await?.0)
    }

    /// Changes one user as [`Service::update_user`] does and, with `roles`, makes their grants in
    /// the org exactly those (grant labels, as a person's `roles` list them), and with
    /// `external_id`, sets their identity provider's id; all in one change: the fields are checked
    /// as a CSV row; the roles as one set of role changes under the same rules. A row problem
    /// answers the report and changes nothing; a refused role step refuses the whole.
    pub async fn update_person(
        &self,
        ctx: &Ctx,
        key: &str,
        change: &PersonChange,
    ) -> Result<(ImportReport, Option<super::roles::RolesReplaced>), ServiceError> {
        let mut header = vec![KEY.to_string()];
        let mut row = vec![key.to_string()];
        for (column, value) in &change.cells {
            header.push(column.clone());
            row.push(value.clone());
        }
        let parsed = Parsed {
            header: csv::StringRecord::from(header),
            records: vec![csv::StringRecord::from(row)],
        };
        let mut op = OrgOp::open(self, ctx, "user.update").await?;
        let result = async {
            let wanted = match &change.roles {
                Some(wanted) => Some(with_hidden_roles(&mut op, key, wanted).await?),
                None => None,
            };
            if let Some(wanted) = &wanted {
                // A change of someone's roles: its refusal, whatever refuses it, is recorded as the
                // set asked for, with what it adds and removes.
                let target = op.target(key).await?;
                let held: Vec<String> = op
                    .state
                    .grants_of(&target.view.id)
                    .iter()
                    .map(|g| g.label())
                    .collect();
                let added: Vec<&String> = wanted.iter().filter(|l| !held.contains(l)).collect();
                let removed: Vec<&String> = held.iter().filter(|l| !wanted.contains(l)).collect();
                op.audit_refusal_of_whole(
                    &target,
                    serde_json::json!({ "roles": held }),
                    serde_json::json!({
                        "roles": wanted,
                        "change": { "added": added, "removed": removed },
                    }),
                );
            }
            // Roles alone change no field: the user-change checks of a row are not asked for.
            let report = if change.cells.is_empty() {
                ImportReport::default()
            } else {
                import_in(
                    &mut op,
                    &parsed,
                    ImportOptions::default(),
                    "user.update",
                    None,
                )
                .await?
            };
            if !report.errors.is_empty() {
                if !report.refused.is_empty() {
                    // The row a rule refused is this person's change: audited as refused.
                    let target = op.target(key).await?;
                    if let Some((record, refusal)) =
                        rows_refused(&report, Some(&target), &HashSet::new())
                    {
                        op.refused_in_part(record, refusal);
                    }
                }
                return Ok((report, None));
            }
            if let Some(external_id) = &change.external_id {
                super::provisioning::set_external_id(&mut op, key, external_id.as_deref()).await?;
            }
            let Some(wanted) = &wanted else {
                return Ok((report, None));
            };
            op.reload_state().await?;
            let replaced = super::roles::replace_roles_in(&mut op, key, wanted).await?;
            Ok((report, Some(replaced)))
        }
        .await;
        op.settle(result).await
    }

    /// Validates a parsed file, then applies it (see [`Service::import_csv`]); with `keep`, writes
    /// the row results (and a job's end) in the same transaction, so that what was applied and what
    /// is reported can never differ.
    pub(crate) async fn run_import(
        &self,
        ctx: &Ctx,
        parsed: &Parsed,
        options: ImportOptions,
        action: &'static str,
        keep: Option<&super::uploads::Keep<'_>>,
        progress: Option<&super::jobs::Progress>,
    ) -> Result<ImportReport, ServiceError> {
        let mut op = OrgOp::open(self, ctx, action).await?;
        let result = async {
            let report = import_in(&mut op, parsed, options, action, progress).await?;
            // Rows a rule refused are audited once: when the file is checked, or when it is
            // applied without a check before; an application of a kept file audits only the
            // refusals its check (or an earlier application) did not show.
            let shown = match keep {
                Some(keep) if keep.new_content.is_none() => {
                    super::uploads::kept_refusals(&mut op.tx, keep.upload_id).await?
                }
                _ => HashSet::new(),
            };
            if let Some((record, refusal)) = rows_refused(&report, None, &shown) {
                op.refused_in_part(record, refusal);
            }
            if let Some(keep) = keep {
                if !ctx.dry_run {
                    let actor_id = op.actor.view.id.clone();
                    super::uploads::write_results(
                        &mut op.tx, keep, &actor_id, &ctx.org, &report, ctx.now,
                    )
                    .await?;
                    op.keep();
                }
            }
            Ok(report)
        }
        .await;
        op.settle(result).await
    }
}

/// The full set of roles a caller asks a person to hold, with the roles the caller does not see
/// added as held: a CCSA sees another person's CCSA role only (R-CCSA-9), so their set is of that
/// role, and the person's other roles stay as they are rather than being revoked unseen.
async fn with_hidden_roles(
    op: &mut OrgOp<'_>,
    key: &str,
    wanted: &[String],
) -> Result<Vec<String>, ServiceError> {
    let target = op.target(key).await?;
    let mut all = wanted.to_vec();
    if target.view.id != op.actor.view.id && super::people::sees_ccsa_only(&op.principal()) {
        for grant in op.state.grants_of(&target.view.id) {
            let label = grant.label();
            if grant.role != Role::CcServiceAdmin && !all.contains(&label) {
                all.push(label);
            }
        }
    }
    Ok(all)
}

/// A change of one person: template cells, and optionally their full set of roles and their
/// identity provider's id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonChange {
    /// Template columns and values (`First Name`, `Status`, `Webex Calling`, …).
    pub cells: Vec<(String, String)>,
    /// Every role (grant label) the person is to hold in the org afterwards.
    pub roles: Option<Vec<String>>,
    /// Their id at the identity provider (`Some(None)` clears it).
    pub external_id: Option<Option<String>>,
}

/// A CSV file read into its header and records.
pub(crate) struct Parsed {
    /// The header row.
    pub(crate) header: csv::StringRecord,
    /// The data rows.
    pub(crate) records: Vec<csv::StringRecord>,
}

/// Reads a modify-users file whole, refusing it (R-CSV-2, naming the line) when it is not CSV, and
/// when it has more than `max_rows` data rows (setting `uploads.max_rows`), before any row is
/// checked.
pub(crate) fn read_csv(text: &[u8], max_rows: usize) -> Result<Parsed, ServiceError> {
    if let Some(at) = text.iter().position(|b| *b == 0) {
        // No cell may hold the NUL character (PostgreSQL cannot store it in text).
        return Err(ServiceError::invalid_at(
            words::line(line_at(text, at as u64)),
            words::nul(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter_of(text))
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::None)
        .from_reader(text);
    let header = reader.headers().map_err(|e| csv_error(&e, text))?.clone();
    let mut records = Vec::new();
    for record in reader.records() {
        if records.len() == max_rows {
            return Err(ServiceError::invalid_at(
                words::row(max_rows + 1),
                words::too_many_rows(max_rows),
            ));
        }
        records.push(record.map_err(|e| csv_error(&e, text))?);
    }
    Ok(Parsed { header, records })
}

/// The longest first, last or display name a file may set.
pub(crate) const MAX_NAME_CHARS: usize = 256;

/// The separator of a file: the comma, or the semicolon (Excel's in Dutch and other locales) or
/// the tab when the header line holds more of those.
fn delimiter_of(text: &[u8]) -> u8 {
    let header = text.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |d: u8| header.iter().filter(|b| **b == d).count();
    // On a tie the comma wins (the last of equal maxima is taken).
    [b'\t', b';', b',']
        .into_iter()
        .max_by_key(|d| count(*d))
        .unwrap_or(b',')
}

/// A cell as exported: exports escape a value that starts like a formula with a leading `'`
/// (R-EXPORT-3); that quote is the escape's, so an untouched export reads back as it was.
fn unescape_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// What an uploader may change: everything a user administrator may, or (a CCSA) the Contact
/// Center license columns only (R-CCSA-10); anyone else is refused with the matrix's rule.
fn import_mode(principal: &Principal<'_>) -> Result<Mode, ServiceError> {
    let users = principal.decide(Area::Users, Level::Write, Target::Org);
    if users.allowed || principal.holds_in_effect(Role::LocationAdmin) {
        Ok(Mode::Users)
    } else if principal
        .decide(Area::CcLicenses, Level::Write, Target::Org)
        .allowed
    {
        Ok(Mode::ContactCenterOnly)
    } else {
        users.into_result()?;
        Ok(Mode::Users)
    }
}

/// Refuses, before a file is kept for a job, an uploader who may change no user of the org.
pub(crate) fn check_may_import(principal: &Principal<'_>) -> Result<(), ServiceError> {
    import_mode(principal).map(|_| ())
}

/// Validates records under a header, then applies them, in the operation's transaction.
async fn import_in(
    op: &mut OrgOp<'_>,
    parsed: &Parsed,
    options: ImportOptions,
    action: &'static str,
    progress: Option<&super::jobs::Progress>,
) -> Result<ImportReport, ServiceError> {
    let (header, records) = (&parsed.header, &parsed.records);
    let ctx = op.ctx;
    let state = op.state.clone();
    let actor = op.actor.clone();
    let principal = Principal::in_state(&state, &actor.view, ctx.now);
    // R-CCSA-10: a CCSA changes the Contact Center license columns only.
    let mode = import_mode(&principal)?;

    // R-EXT-10: rows are keyed by email; where emails are withheld from an external uploader,
    // the answers would tell which addresses are users of the org.
    let columns = parse_header(&state, header)?;
    let by_email = action == CSV_ACTION
        || records.iter().any(|r| {
            r.get(columns.iter().position(|c| *c == Column::Key).unwrap_or(0))
                .is_some_and(|k| k.contains('@'))
        });
    if by_email {
        super::masking::Mask::for_viewer(&state.org, &actor.view)
            .refuse_key(rolehub_domain::SharedField::Email)?;
    }
    let home_full_admin = op.actor_home_full_admin().await?;
    let key_index = columns.iter().position(|c| *c == Column::Key).unwrap_or(0);

    // Everyone the file names and the licenses they hold, read in a few statements.
    let keys: Vec<String> = records
        .iter()
        .filter_map(|r| r.get(key_index))
        .map(|k| k.trim().to_lowercase())
        .filter(|k| k.contains('@'))
        .collect();
    let mut people = crate::batch::people_by_email(&mut op.tx, &keys).await?;
    if action != CSV_ACTION {
        // A change of one user may name them by id.
        for record in records {
            let key = record.get(key_index).unwrap_or("").trim().to_lowercase();
            if !key.contains('@') {
                if let Some(p) = load::person_by_key(&mut op.tx, &key).await? {
                    people.insert(key, p);
                }
            }
        }
    }
    let member_ids: Vec<String> = people
        .values()
        .filter(|p| p.view.home_org == ctx.org)
        .map(|p| p.view.id.clone())
        .collect();
    let held_by = crate::batch::licenses_of(&mut op.tx, &member_ids).await?;

    let mut report = ImportReport::default();
    let mut usage: HashMap<String, (i64, i64)> = HashMap::new();
    let mut seen_emails = HashSet::new();
    let mut full_admins_left = state.full_admins(ctx.now, None);
    // The rows to write borrow their person from `people`: a clone per row doubled the memory of
    // a 100,000-row file.
    let mut planned: Vec<(usize, &PersonRecord, RowPlan)> = Vec::new();
    for (index, record) in records.iter().enumerate() {
        let row = index + 1;
        report.rows_total += 1;
        if let Some(progress) = progress {
            progress.checked(row);
        }
        let mut errors = Vec::new();
        // The row's first refusal by a rule (bad input, R-CSV-2, is not one).
        let mut refused: Option<Refusal> = None;
        let mut err = |column: Option<&Column>, rule: RuleId, message: Text| {
            errors.push(RowError {
                row,
                column: column.map(column_name),
                rule,
                message,
            });
        };
        let email = record.get(key_index).unwrap_or("").trim().to_lowercase();
        if email.is_empty() {
            err(Some(&Column::Key), RuleId::Csv2, words::key_empty(KEY));
            report.errors.extend(errors);
            continue;
        }
        if !seen_emails.insert(email.clone()) {
            err(Some(&Column::Key), RuleId::Csv2, words::repeated(&email));
            report.errors.extend(errors);
            continue;
        }
        // A file is keyed by email (R-CSV-1); a change of one user may name them by id.
        let person = match people.get(&email) {
            Some(p) if p.view.home_org == ctx.org => p,
            _ => {
                err(Some(&Column::Key), RuleId::Csv2, words::not_a_user(&email));
                report.errors.extend(errors);
                continue;
            }
        };
        if mode == Mode::Users {
            if let Err(refusal) =
                ops::check_user_change(&principal, UserChange::Edit, person.location.as_deref())
            {
                err(None, refusal.rule, words::refusal(&refusal));
                refused.get_or_insert(refusal);
            }
        }
        let held = held_by.get(&person.view.id).cloned().unwrap_or_default();
        let mut plan = RowPlan::default();
        let mut changes = Vec::new();
        for (i, column) in columns.iter().enumerate() {
            let cell = unescape_formula(record.get(i).unwrap_or("").trim());
            if cell.is_empty() || *column == Column::Key {
                continue;
            }
            let name = column_name(column);
            if matches!(column, Column::First | Column::Last | Column::Display)
                && cell.chars().count() > MAX_NAME_CHARS
            {
                err(
                    Some(column),
                    RuleId::Csv2,
                    super::users::at_most_chars(MAX_NAME_CHARS),
                );
                continue;
            }
            let text_change = |current: &str| (cell != current).then(|| cell.to_string());
            let changed = match column {
                Column::Key => false,
                Column::First => {
                    plan.first = text_change(&person.view.first);
                    plan.first.is_some()
                }
                Column::Last => {
                    plan.last = text_change(&person.view.last);
                    plan.last.is_some()
                }
                Column::Display => {
                    plan.display = text_change(&person.display_name);
                    plan.display.is_some()
                }
                Column::Status => match Status::from_id(&cell.to_ascii_lowercase()) {
                    Some(s @ (Status::Active | Status::Inactive)) => {
                        let current = if person.view.status == Status::Inactive {
                            Status::Inactive
                        } else {
                            Status::Active
                        };
                        plan.status = (s != current).then_some(s);
                        plan.status.is_some()
                    }
                    _ => {
                        err(Some(column), RuleId::Csv2, words::not_a_status(cell));
                        false
                    }
                },
                Column::Location => {
                    if state.org.has_location(cell) {
                        plan.location =
                            (person.location.as_deref() != Some(cell)).then(|| cell.to_string());
                        plan.location.is_some()
                    } else {
                        err(Some(column), RuleId::Csv2, words::not_a_location(cell));
                        false
                    }
                }
                Column::License(license) => match parse_bool(cell) {
                    Some(on) => {
                        let id = license.id();
                        let has = held.contains(&id);
                        if on && !has {
                            plan.add.push(id);
                            true
                        } else if !on && has {
                            plan.remove.push(id);
                            true
                        } else {
                            false
                        }
                    }
                    None => {
                        err(Some(column), RuleId::Csv2, words::not_a_bool(cell));
                        false
                    }
                },
            };
            if changed {
                let cc_column = matches!(column, Column::License(l) if l.is_contact_center());
                if mode == Mode::ContactCenterOnly && !cc_column {
                    let refusal = Refusal::new(
                        RuleId::Ccsa10,
                        rolehub_domain::Reason::CsvColumnNotAllowed {
                            column: name.clone(),
                        },
                    );
                    err(Some(column), RuleId::Ccsa10, words::refusal(&refusal));
                    refused.get_or_insert(refusal);
                }
                changes.push(format!("{name}: {cell}"));
            }
        }
        // R-CCSA-2: the Premium Agent license stays with a CCSA.
        let holds_ccsa = state
            .grants_of(&person.view.id)
            .iter()
            .any(|g| g.role == Role::CcServiceAdmin);
        for id in &plan.remove {
            if let Some(license) = License::from_id(id) {
                if let Err(refusal) = ops::check_license_removal(&license, holds_ccsa) {
                    err(
                        Some(&Column::License(license.clone())),
                        refusal.rule,
                        words::refusal(&refusal),
                    );
                    refused.get_or_insert(refusal);
                }
            }
        }
        // Reading A-8: deactivating takes away the person's roles, which the uploader must be
        // allowed to revoke.
        if plan.status == Some(Status::Inactive) {
            if let Err(refusal) = rolehub_domain::change::check_takes_away_grants(
                &state,
                rolehub_domain::change::Actor {
                    person: &actor.view,
                    home_full_admin,
                },
                &person.view,
                true,
                ctx.now,
            ) {
                err(
                    Some(&Column::Status),
                    refusal.rule,
                    words::refusal(&refusal),
                );
                refused.get_or_insert(refusal);
            }
        }
        // R-ASSIGN-3: deactivations must leave a full administrator (counted down as earlier
        // valid rows deactivate them, not recounted for every row).
        let deactivates_full_admin = plan.status == Some(Status::Inactive)
            && state.is_counted_full_admin(&person.view.id, ctx.now);
        if deactivates_full_admin && full_admins_left <= 1 {
            let refusal = Refusal::new(RuleId::Assign3, rolehub_domain::Reason::LastFullAdmin);
            err(
                Some(&Column::Status),
                RuleId::Assign3,
                words::refusal(&refusal),
            );
            refused.get_or_insert(refusal);
        }
        // R-LIC-1: count the units earlier valid rows take.
        let mut taken = Vec::new();
        for id in &plan.add {
            let entry = match usage.get(id) {
                Some(u) => *u,
                None => load::license_usage(&mut op.tx, &ctx.org, id).await?,
            };
            let license = License::from_id(id).unwrap_or(License::Calling);
            if let Err(refusal) = ops::check_license_quantity(&license, entry.0, entry.1) {
                err(
                    Some(&Column::License(license)),
                    RuleId::Lic1,
                    words::refusal(&refusal),
                );
                refused.get_or_insert(refusal);
            } else {
                taken.push((id.clone(), entry));
            }
        }
        if errors.is_empty() {
            for (id, (used, quantity)) in taken {
                usage.insert(id, (used + 1, quantity));
            }
            for id in &plan.remove {
                if let Some((used, quantity)) = usage.get(id).copied() {
                    usage.insert(id.clone(), (used - 1, quantity));
                }
            }
            if deactivates_full_admin {
                full_admins_left -= 1;
            }
            if !changes.is_empty() {
                report.changes.push(RowChange {
                    row,
                    email: email.clone(),
                    changes,
                });
                planned.push((row, person, plan));
            }
        } else {
            if let Some(refusal) = refused {
                report.refused.push((row, email.clone(), refusal));
            }
            report.errors.extend(errors);
        }
    }

    let apply = report.errors.is_empty() || options.partial;
    if !apply {
        return Ok(report);
    }
    report.rows_applied = planned.len();
    if ctx.dry_run && action == CSV_ACTION {
        // A file's preview decides everything above; writing its changes only to roll them back
        // would double its time. (A change of one person goes on to its roles, which are checked
        // against what the row wrote.)
        return Ok(report);
    }
    if let Some(progress) = progress {
        progress.writing();
    }
    // Written a chunk at a time, all in the one transaction: the audit values of 100,000 rows
    // held at once took hundreds of megabytes.
    for chunk in planned.chunks(WRITE_CHUNK) {
        let mut fields = Vec::new();
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        let mut events = Vec::with_capacity(chunk.len());
        for (row, person, plan) in chunk {
            if plan.first.is_some()
                || plan.last.is_some()
                || plan.display.is_some()
                || plan.status.is_some()
                || plan.location.is_some()
            {
                fields.push(crate::batch::PersonFields {
                    id: person.view.id.clone(),
                    first: plan
                        .first
                        .clone()
                        .unwrap_or_else(|| person.view.first.clone()),
                    last: plan
                        .last
                        .clone()
                        .unwrap_or_else(|| person.view.last.clone()),
                    display: plan
                        .display
                        .clone()
                        .unwrap_or_else(|| person.display_name.clone()),
                    status: plan
                        .status
                        .map_or(person.view.status.id(), Status::id)
                        .into(),
                    location: plan.location.clone().or_else(|| person.location.clone()),
                });
            }
            added.extend(plan.add.iter().map(|l| (person.view.id.clone(), l.clone())));
            removed.extend(
                plan.remove
                    .iter()
                    .map(|l| (person.view.id.clone(), l.clone())),
            );
            let after = present(
                json!({ "row": row, "first": plan.first, "last": plan.last, "display": plan.display, "status": plan.status.map(|s| s.id()), "location": plan.location, "licenses_added": plan.add, "licenses_removed": plan.remove }),
            );
            let before = present(
                json!({ "first": person.view.first, "last": person.view.last, "status": person.view.status.id(), "location": person.location }),
            );
            events.push((*person, before, after));
        }
        crate::batch::update_people(&mut op.tx, &fields, ctx.now).await?;
        for (_, person, plan) in chunk {
            if plan.status == Some(Status::Inactive) {
                // A deactivated person's sessions and tokens end with it, on every server at once.
                super::auth::end_sessions(&mut op.tx, &person.view.id, ctx.now).await?;
                super::auth::end_tokens(&mut op.tx, &person.view.id, ctx.now).await?;
            }
        }
        crate::batch::delete_licenses(&mut op.tx, &removed).await?;
        crate::batch::insert_licenses(&mut op.tx, &ctx.org, &added, ctx.now).await?;
        op.record_many(action, &events).await?;
    }
    report.applied = !ctx.dry_run && !planned.is_empty();
    Ok(report)
}

/// The most refused rows one audit event lists (it counts them all).
const REFUSED_ROWS_LISTED: usize = 100;

/// The audit record of the rows of a file (or of one person's change) that rules refused, leaving
/// out those already shown (`(row, rule id)` of a kept upload's problems): one event, whose rule
/// is the first row's, listing each row with its user and rule. `None` when no row is left.
fn rows_refused(
    report: &ImportReport,
    target: Option<&PersonRecord>,
    shown: &HashSet<(usize, String)>,
) -> Option<(crate::op::RefusalRecord, Refusal)> {
    let rows: Vec<&(usize, String, Refusal)> = report
        .refused
        .iter()
        .filter(|(row, _, r)| !shown.contains(&(*row, r.rule.id().to_string())))
        .collect();
    let first = rows.first()?.2.clone();
    let mut rules: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for (_, _, r) in &rows {
        *rules.entry(r.rule.id()).or_default() += 1;
    }
    let listed: Vec<serde_json::Value> = rows
        .iter()
        .take(REFUSED_ROWS_LISTED)
        .map(|(row, email, r)| json!({ "row": row, "email": email, "rule": r.rule.id() }))
        .collect();
    let asked = json!({
        "rows": report.rows_total,
        "refused_rows": rows.len(),
        "rules": rules,
        "refused": listed,
    });
    Some((
        crate::op::RefusalRecord {
            target: target.cloned(),
            before: None,
            asked: Some(asked),
            whole: false,
        },
        first,
    ))
}

/// How many planned rows are written (and their audit events made) at a time.
const WRITE_CHUNK: usize = 5_000;

/// An audit value with only the fields that apply: no nulls, no empty lists.
fn present(mut value: serde_json::Value) -> serde_json::Value {
    if let Some(fields) = value.as_object_mut() {
        fields.retain(|_, v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()));
    }
    value
}

/// The line of a byte of the file, as a spreadsheet or an editor counts lines (from 1).
///
/// The reader's own line numbers are not used: for a record after a `\r\n` (the line end of
/// every spreadsheet's CSV) it places the record at the line end before it, one line early. The
/// byte is counted with its own line, so a record placed at that line end is still on its line.
fn line_at(text: &[u8], byte: u64) -> u64 {
    let end = usize::try_from(byte)
        .unwrap_or(usize::MAX)
        .saturating_add(1)
        .min(text.len());
    text[..end].iter().filter(|b| **b == b'\n').count() as u64 + 1
}

fn csv_error(e: &csv::Error, text: &[u8]) -> ServiceError {
    let place = e
        .position()
        .map_or_else(words::the_file, |p| words::line(line_at(text, p.byte())));
    // What went wrong in words a spreadsheet user knows, not the parser's.
    let what = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => words::unequal_lengths(*len, *expected_len),
        csv::ErrorKind::Utf8 { .. } => words::not_utf8(),
        csv::ErrorKind::Io(_) => words::unreadable(),
        _ => words::not_csv(),
    };
    // R-CSV-2: a file that cannot be read is refused whole, naming where.
    ServiceError::Refused(Refusal::new(
        RuleId::Csv2,
        rolehub_domain::Reason::CsvInvalid {
            detail: words::at(place, what),
        },
    ))
}

#[cfg(test)]
mod fuzz {
    //! The file reader over arbitrary input (security requirement: no panic, every error a clear
    //! one naming where).
    use proptest::prelude::*;

    use super::*;

    /// Bytes that look like a modify-users file often enough to reach past the header.
    fn near_csv() -> impl Strategy<Value = Vec<u8>> {
        let cell = prop_oneof![
            Just(String::new()),
            Just("User ID/Email".to_string()),
            Just("TRUE".to_string()),
            Just("\"quoted, \"\"cell\"\"\"".to_string()),
            Just("\"unterminated".to_string()),
            "[a-z@.]{0,12}",
            ".{0,8}",
        ];
        let row = prop::collection::vec(cell, 0..5).prop_map(|cells| cells.join(","));
        prop::collection::vec(row, 0..8).prop_map(|rows| rows.join("\r\n").into_bytes())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_bytes_are_read_or_refused_with_a_place(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            check(&bytes);
        }

        #[test]
        fn near_csv_is_read_or_refused_with_a_place(bytes in near_csv()) {
            check(&bytes);
        }
    }

    fn check(bytes: &[u8]) {
        match read_csv(bytes, 5) {
            Ok(parsed) => assert!(parsed.records.len() <= 5),
            Err(e) => {
                let kind = e.kind();
                assert!(
                    matches!(kind, crate::ErrorKind::Invalid | crate::ErrorKind::Refused),
                    "{kind:?}: {e}"
                );
                let message = e.to_string();
                assert!(
                    message.contains("line")
                        || message.contains("row")
                        || message.contains("the file"),
                    "the error names no place: {message}"
                );
            }
        }
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;

    #[test]
    fn semicolon_and_tab_separated_files_and_a_bom_are_read() {
        for text in [
            "\u{feff}User ID/Email;Last Name\r\na@b.example;Smit\r\n",
            "User ID/Email\tLast Name\na@b.example\tSmit\n",
            "User ID/Email,Last Name\na@b.example,\"Smit; de\"\n",
        ] {
            let parsed = read_csv(text.as_bytes(), 10).unwrap();
            assert_eq!(parsed.header.len(), 2, "{text:?}");
            assert_eq!(parsed.records[0].len(), 2, "{text:?}");
        }
    }

    #[test]
    fn a_file_that_cannot_be_read_is_told_in_plain_words() {
        let Err(e) = read_csv(b"User ID/Email,Last Name\na@b.example,Smit,extra\n", 10) else {
            panic!("read");
        };
        let message = e.to_string();
        assert!(
            message.contains("line 2") && message.contains("3 cells where the header has 2"),
            "{message}"
        );
        assert!(message.contains("R-CSV-2"), "{message}");
        let Err(e) = read_csv(b"User ID/Email\n\xff\xfe\n", 10) else {
            panic!("read");
        };
        assert!(e.to_string().contains("CSV UTF-8"), "{e}");
    }

    #[test]
    fn a_bad_line_is_named_as_an_editor_numbers_it_whatever_the_line_ends() {
        for text in [
            &b"User ID/Email,Last Name\na@b.example,Smit\nc@d.example,Smit,extra\n"[..],
            b"User ID/Email,Last Name\r\na@b.example,Smit\r\nc@d.example,Smit,extra\r\n",
        ] {
            let Err(e) = read_csv(text, 10) else {
                panic!("read");
            };
            assert!(e.to_string().starts_with("line 3: "), "{e}");
        }
        let Err(e) = read_csv(b"User ID/Email\r\na@b.example\r\nc\0d\r\n", 10) else {
            panic!("read");
        };
        assert!(e.to_string().starts_with("line 3: "), "{e}");
    }

    #[test]
    fn a_file_that_cannot_be_read_is_told_in_the_readers_language() {
        use rolehub_domain::Lang;

        let Err(e) = read_csv(b"User ID/Email,Last Name\na@b.example,Smit,extra\n", 10) else {
            panic!("read");
        };
        let nl = e.message(Lang::Nl);
        assert_eq!(
            nl,
            "regel 2: er staan 3 cellen waar de kopregel er 2 heeft; elke regel heeft de kolommen \
             van de kopregel nodig (R-CSV-2)"
        );
        let Err(e) = read_csv(b"User ID/Email\n\xff\xfe\n", 10) else {
            panic!("read");
        };
        assert!(e.message(Lang::Nl).contains("geen UTF-8-tekst"), "{e}");
        let Err(e) = read_csv(b"User ID/Email\na\0b\n", 10) else {
            panic!("read");
        };
        assert_eq!(e.kind(), crate::ErrorKind::Invalid);
        assert!(
            e.message(Lang::Nl)
                .starts_with("regel 2: het bestand bevat het NUL-teken"),
            "{e}"
        );
        let Err(e) = read_csv(b"User ID/Email\na@b.example\nc@d.example\n", 1) else {
            panic!("read");
        };
        assert_eq!(e.to_string().split(':').next(), Some("row 2"));
        assert!(
            e.message(Lang::Nl)
                .starts_with("rij 2: het bestand heeft meer dan 1 rijen"),
            "{e}"
        );
    }

    #[test]
    fn exported_formula_escapes_read_back_as_the_value() {
        assert_eq!(unescape_formula("'=1+1"), "=1+1");
        assert_eq!(unescape_formula("'-x"), "-x");
        assert_eq!(unescape_formula("'t Hart"), "'t Hart");
        assert_eq!(unescape_formula("Smit"), "Smit");
        for value in ["=cmd", "+1", "@x", "-y", "plain"] {
            assert_eq!(
                unescape_formula(&super::super::admins::neutralise(value)),
                value
            );
        }
    }
}
