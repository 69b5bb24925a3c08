//! Modify-users files kept in the database between their check and their application.
//!
//! A preview (R-CSV-2's dry run) keeps the file and its row results, so that the person who made
//! it can page through every change and every problem and then apply it by id, from any server,
//! until it expires. An application keeps its row results the same way, written in the import's
//! own transaction. Files larger than `inline_rows` rows are applied by a job (see
//! [`super::jobs`]), so that no request time-out can cut them.
//!
//! Each person keeps at most `per_person` uploads: a new one drops their oldest (never one a job
//! still needs). Uploads and their results are visible to the person who made them only; what
//! anyone else may know of a change is in the audit log.

use std::time::Duration;

use rolehub_domain::{quoted, Timestamp};
use sqlx::{AnyConnection, Row};

use super::csv_import::{read_csv, ImportOptions, ImportReport, CSV_ACTION};
use super::jobs::Job;
use super::{new_id, Ctx, Service};
use crate::batch::Marks;
use crate::error::{ServiceError, Text, Thing};

/// How many rows a file may have, and how uploads are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadLimits {
    /// The most data rows taken in one file.
    pub max_rows: usize,
    /// How long a preview (and the results of an application) can be read and applied.
    pub keep: Duration,
    /// Uploads one person keeps at most; a new one drops their oldest.
    pub per_person: usize,
    /// Files with more rows than this are applied by a job, answered at once.
    pub inline_rows: usize,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            max_rows: 200_000,
            keep: Duration::from_secs(3600),
            per_person: 5,
            inline_rows: 2_000,
        }
    }
}

/// A kept upload: what its last check or application found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// Its id.
    pub id: String,
    /// The org it is for.
    pub org_id: String,
    /// When it was uploaded.
    pub created: Timestamp,
    /// Until when it can be read and applied.
    pub expires: Timestamp,
    /// Data rows in the file.
    pub rows_total: usize,
    /// Rows that change something.
    pub rows_changed: usize,
    /// Rows with at least one problem.
    pub rows_with_errors: usize,
    /// Whether the file is still kept, so that it can be applied (once applied, it is not).
    pub applicable: bool,
}

/// The two lists of an upload's row results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// A row's changes.
    Change,
    /// A problem of a row (a row may have several).
    Error,
}

impl RowKind {
    /// Its stored name.
    pub fn id(self) -> &'static str {
        match self {
            RowKind::Change => "change",
            RowKind::Error => "error",
        }
    }
}

/// One entry of an upload's row results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    /// Its position in its list, from 1 (the paging cursor).
    pub seq: i64,
    /// The data row of the file, from 1.
    pub row: usize,
    /// The user the row names (changes).
    pub email: Option<String>,
    /// The column at fault (problems of one cell).
    pub column: Option<String>,
    /// The rule that refuses the row (problems).
    pub rule: Option<String>,
    /// What is wrong (problems), in each language.
    pub message: Text,
    /// What changes, as `column: value` (changes).
    pub changes: Vec<String>,
}

/// An upload with the whole report of its check or application.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The kept upload.
    pub upload: Upload,
    /// Every change and every problem.
    pub report: ImportReport,
}

/// What applying a file led to.
#[derive(Clone, Debug)]
pub enum Applied {
    /// It was small enough to apply at once.
    Done(Checked),
    /// It is applied by a job; poll it.
    Queued(Job),
}

/// Where an import's row results go, written in the import's own transaction.
pub(crate) struct Keep<'a> {
    /// The upload the results belong to.
    pub(crate) upload_id: &'a str,
    /// The file, when this import is its first check (the upload row is then created).
    pub(crate) new_content: Option<&'a [u8]>,
    /// The job this import runs as (its id and the attempt that claimed it), ended in the same
    /// transaction.
    pub(crate) job: Option<(&'a str, i64)>,
    /// Until when the results are kept.
    pub(crate) expires: Timestamp,
}

const UPLOAD_COLUMNS: &str = "id, org_id, created_at, expires_at, rows_total, rows_changed, \
                              rows_with_errors, size";

fn upload_from_row(row: &sqlx::any::AnyRow) -> Result<Upload, ServiceError> {
    let count = |name: &str| -> Result<usize, ServiceError> {
        Ok(usize::try_from(row.try_get::<i64, _>(name)?).unwrap_or(0))
    };
    Ok(Upload {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        created: Timestamp(row.try_get("created_at")?),
        expires: Timestamp(row.try_get("expires_at")?),
        rows_total: count("rows_total")?,
        rows_changed: count("rows_changed")?,
        rows_with_errors: count("rows_with_errors")?,
        applicable: row.try_get::<i64, _>("size")? > 0,
    })
}

/// The counts of a report, as an upload keeps them.
fn counts(report: &ImportReport) -> (i64, i64, i64) {
    let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
    (
        n(report.rows_total),
        n(report.changes.len()),
        n(report.refused_rows().len()),
    )
}

/// Writes an import's row results (and ends its job) inside the import's transaction. The file is
/// kept only while applying it could still change something: after a preview, or after an
/// application that applied nothing because some rows had problems (it may then be applied with
/// `partial`).
pub(crate) async fn write_results(
    conn: &mut AnyConnection,
    keep: &Keep<'_>,
    actor_id: &str,
    org_id: &str,
    report: &ImportReport,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let (total, changed, with_errors) = counts(report);
    let keep_file = !report.applied && with_errors > 0;
    match keep.new_content {
        Some(content) => {
            let content: Vec<u8> = if keep_file {
                content.to_vec()
            } else {
                Vec::new()
            };
            insert_upload(
                conn,
                keep.upload_id,
                org_id,
                actor_id,
                &content,
                now,
                keep.expires,
                (total, changed, with_errors),
            )
            .await?;
        }
        None => {
            // Only a file still kept can be applied: of two applications of one upload (two
            // clicks, two servers), the second finds it gone and changes nothing.
            let sql = if keep_file {
                "UPDATE uploads SET rows_total = $1, rows_changed = $2, rows_with_errors = $3, \
                 expires_at = $4 WHERE id = $5 AND size > 0"
            } else {
                "UPDATE uploads SET rows_total = $1, rows_changed = $2, rows_with_errors = $3, \
                 expires_at = $4, content = $6, size = 0 WHERE id = $5 AND size > 0"
            };
            let mut q = sqlx::query(sql)
                .bind(total)
                .bind(changed)
                .bind(with_errors)
                .bind(keep.expires.0)
                .bind(keep.upload_id.to_string());
            if !keep_file {
                q = q.bind(Vec::<u8>::new());
            }
            if q.execute(&mut *conn).await?.rows_affected() != 1 {
                return Err(applied_already(keep.upload_id));
            }
        }
    }
    replace_rows(conn, keep.upload_id, report).await?;
    if let Some((job, attempt)) = keep.job {
        super::jobs::finish(conn, job, attempt, report, now).await?;
    }
    Ok(())
}

fn applied_already(id: &str) -> ServiceError {
    ServiceError::conflict(
        format!(
            "upload {} was applied already; upload the file again to change more",
            quoted(id)
        ),
        format!(
            "upload {} is al toegepast; upload het bestand opnieuw om meer te wijzigen",
            quoted(id)
        ),
    )
}

/// Takes the lock of a person's uploads (PostgreSQL; SQLite's writes are serial already), so that
/// making room for a new upload never drops one a job is being queued for at the same time.
async fn lock_person(conn: &mut AnyConnection, person_id: &str) -> Result<(), ServiceError> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT id FROM persons WHERE id = $1 FOR UPDATE")
            .bind(person_id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    }
    Ok(())
}

#[expect(clippy::too_many_arguments, reason = "one argument per upload column")]
async fn insert_upload(
    conn: &mut AnyConnection,
    id: &str,
    org_id: &str,
    person_id: &str,
    content: &[u8],
    now: Timestamp,
    expires: Timestamp,
    (total, changed, with_errors): (i64, i64, i64),
) -> Result<(), ServiceError> {
    sqlx::query(
        "INSERT INTO uploads (id, org_id, person_id, created_at, expires_at, size, content, \
         rows_total, rows_changed, rows_with_errors) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.to_string())
    .bind(org_id.to_string())
    .bind(person_id.to_string())
    .bind(now.0)
    .bind(expires.0)
    .bind(i64::try_from(content.len()).unwrap_or(i64::MAX))
    .bind(content.to_vec())
    .bind(total)
    .bind(changed)
    .bind(with_errors)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One row result as the `upload_rows` table keeps it.
struct StoredRow<'a> {
    kind: RowKind,
    seq: i64,
    row: usize,
    email: Option<&'a str>,
    column: Option<&'a str>,
    rule: Option<&'static str>,
    message: String,
}

/// A problem as its row keeps it: in both languages, as the JSON object `{"en": …, "nl": …}`, so
/// that a kept upload reads in the language of whoever pages through it, whichever language it
/// was checked in.
fn stored_problem(message: &Text) -> Result<String, ServiceError> {
    serde_json::to_string(message).map_err(|e| ServiceError::Internal(e.to_string()))
}

/// A kept problem; one kept as plain text (by a version that kept English only) reads as that
/// text in every language.
fn read_problem(stored: &str) -> Text {
    serde_json::from_str(stored).unwrap_or_else(|_| Text::same(stored))
}

/// Replaces an upload's row results with a report's, a chunk per statement.
async fn replace_rows(
    conn: &mut AnyConnection,
    upload_id: &str,
    report: &ImportReport,
) -> Result<(), ServiceError> {
    sqlx::query("DELETE FROM upload_rows WHERE upload_id = $1")
        .bind(upload_id.to_string())
        .execute(&mut *conn)
        .await?;
    let mut rows: Vec<StoredRow<'_>> = Vec::new();
    for (i, change) in report.changes.iter().enumerate() {
        rows.push(StoredRow {
            kind: RowKind::Change,
            seq: i as i64 + 1,
            row: change.row,
            email: Some(&change.email),
            column: None,
            rule: None,
            // Stored as a JSON list: a cell may hold any separator.
            message: serde_json::to_string(&change.changes)
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
        });
    }
    for (i, error) in report.errors.iter().enumerate() {
        rows.push(StoredRow {
            kind: RowKind::Error,
            seq: i as i64 + 1,
            row: error.row,
            email: None,
            column: error.column.as_deref(),
            rule: Some(error.rule.id()),
            message: stored_problem(&error.message)?,
        });
    }
    const COLUMNS: usize = 8;
    let marks = Marks::of(conn);
    for chunk in rows.chunks(crate::batch::CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", marks.list(i * COLUMNS + 1, COLUMNS)))
            .collect();
        let sql = format!(
            "INSERT INTO upload_rows (upload_id, kind, seq, row_no, email, column_name, rule_id, \
             message) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(upload_id.to_string())
                .bind(r.kind.id())
                .bind(r.seq)
                .bind(i64::try_from(r.row).unwrap_or(i64::MAX))
                .bind(r.email.map(str::to_string))
                .bind(r.column.map(str::to_string))
                .bind(r.rule.map(str::to_string))
                .bind(r.message.clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The problems of a kept upload that a rule refused, as `(row, rule id)`: what its check (or an
/// earlier application) showed, and audited, already.
pub(crate) async fn kept_refusals(
    conn: &mut AnyConnection,
    upload_id: &str,
) -> Result<std::collections::HashSet<(usize, String)>, ServiceError> {
    let rows = sqlx::query(
        "SELECT row_no, rule_id FROM upload_rows WHERE upload_id = $1 AND kind = 'error'",
    )
    .bind(upload_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let row: i64 = r.try_get("row_no")?;
            let rule: Option<String> = r.try_get("rule_id")?;
            Ok((usize::try_from(row).unwrap_or(0), rule.unwrap_or_default()))
        })
        .collect()
}

/// Drops a person's oldest uploads so that one more fits their quota, keeping any a queued or
/// running job needs.
async fn make_room(
    conn: &mut AnyConnection,
    person_id: &str,
    per_person: usize,
) -> Result<(), ServiceError> {
    lock_person(conn, person_id).await?;
    let ids: Vec<String> = sqlx::query(
        "SELECT id FROM uploads WHERE person_id = $1 AND id NOT IN \
         (SELECT upload_id FROM jobs WHERE state IN ('queued', 'running')) \
         ORDER BY created_at DESC, id DESC",
    )
    .bind(person_id.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<_, _>>()?;
    for id in ids.iter().skip(per_person.saturating_sub(1)) {
        delete_upload(conn, id).await?;
    }
    Ok(())
}

async fn delete_upload(conn: &mut AnyConnection, id: &str) -> Result<(), ServiceError> {
    sqlx::query("DELETE FROM upload_rows WHERE upload_id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM uploads WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Drops expired uploads (never one a queued or running job needs); answers how many.
pub(crate) async fn prune(conn: &mut AnyConnection, now: Timestamp) -> Result<usize, ServiceError> {
    let ids: Vec<String> = sqlx::query(
        "SELECT id FROM uploads WHERE expires_at <= $1 AND id NOT IN \
         (SELECT upload_id FROM jobs WHERE state IN ('queued', 'running'))",
    )
    .bind(now.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<_, _>>()?;
    for id in &ids {
        delete_upload(conn, id).await?;
    }
    Ok(ids.len())
}

impl Service {
    /// The limits uploads are taken and kept under.
    pub fn upload_limits(&self) -> UploadLimits {
        self.uploads
    }

    fn expiry(&self, now: Timestamp) -> Timestamp {
        Timestamp(now.0 + i64::try_from(self.uploads.keep.as_millis()).unwrap_or(i64::MAX / 2))
    }

    /// Checks a file without changing anything (R-CSV-2's preview) and keeps it with its row
    /// results, so that its maker can page through them and apply it by id.
    pub async fn preview_csv(&self, ctx: &Ctx, text: &[u8]) -> Result<Checked, ServiceError> {
        let parsed = read_csv(text, self.uploads.max_rows)?;
        let mut preview = ctx.clone().dry_run(true);
        // A kept check is where its maker is shown the rows rules refuse: they are audited here,
        // once, whoever asks (the application of the kept file audits only what is new).
        preview.audit_previewed_refusals = true;
        let report = self
            .run_import(
                &preview,
                &parsed,
                ImportOptions::default(),
                CSV_ACTION,
                None,
                None,
            )
            .await?;
        let id = new_id();
        let expires = self.expiry(ctx.now);
        let mut tx = self.begin_write().await?;
        let actor = super::actor(&mut tx, ctx).await?;
        make_room(&mut tx, &actor.view.id, self.uploads.per_person).await?;
        let (total, changed, with_errors) = counts(&report);
        insert_upload(
            &mut tx,
            &id,
            &ctx.org,
            &actor.view.id,
            text,
            ctx.now,
            expires,
            (total, changed, with_errors),
        )
        .await?;
        replace_rows(&mut tx, &id, &report).await?;
        self.commit(tx).await?;
        Ok(Checked {
            upload: Upload {
                id,
                org_id: ctx.org.clone(),
                created: ctx.now,
                expires,
                rows_total: report.rows_total,
                rows_changed: report.changes.len(),
                rows_with_errors: report.refused_rows().len(),
                applicable: true,
            },
            report,
        })
    }

    /// Applies a file: at once when it has at most `inline_rows` rows, otherwise (or when
    /// `background` is asked) by a job that is answered at once and polled.
    pub async fn apply_csv(
        &self,
        ctx: &Ctx,
        text: &[u8],
        options: ImportOptions,
        background: bool,
    ) -> Result<Applied, ServiceError> {
        if ctx.dry_run {
            return self.preview_csv(ctx, text).await.map(Applied::Done);
        }
        let parsed = read_csv(text, self.uploads.max_rows)?;
        let id = new_id();
        if background || parsed.records.len() > self.uploads.inline_rows {
            let job = self
                .queue_import(ctx, &id, Some(text), parsed.records.len(), options)
                .await?;
            return Ok(Applied::Queued(job));
        }
        self.make_room_for(ctx).await?;
        let keep = Keep {
            upload_id: &id,
            new_content: Some(text),
            job: None,
            expires: self.expiry(ctx.now),
        };
        let report = self
            .run_import(ctx, &parsed, options, CSV_ACTION, Some(&keep), None)
            .await?;
        Ok(Applied::Done(self.checked(ctx, &id, keep.expires, report)))
    }

    /// Applies a kept upload by id (after its preview), at once or by a job as
    /// [`Service::apply_csv`] does.
    pub async fn apply_upload(
        &self,
        ctx: &Ctx,
        id: &str,
        options: ImportOptions,
        background: bool,
    ) -> Result<Applied, ServiceError> {
        ctx.require_write()?;
        let upload = self.upload(ctx, id).await?;
        if !upload.applicable {
            return Err(applied_already(id));
        }
        if ctx.dry_run {
            // Checked again as it would be applied now; the kept upload stays as it is.
            let text = self.upload_content(id).await?;
            let parsed = read_csv(&text, self.uploads.max_rows)?;
            let report = self
                .run_import(ctx, &parsed, options, CSV_ACTION, None, None)
                .await?;
            return Ok(Applied::Done(Checked { upload, report }));
        }
        if background || upload.rows_total > self.uploads.inline_rows {
            let job = self
                .queue_import(ctx, id, None, upload.rows_total, options)
                .await?;
            return Ok(Applied::Queued(job));
        }
        let text = self.upload_content(id).await?;
        let parsed = read_csv(&text, self.uploads.max_rows)?;
        let keep = Keep {
            upload_id: id,
            new_content: None,
            job: None,
            expires: self.expiry(ctx.now),
        };
        let report = self
            .run_import(ctx, &parsed, options, CSV_ACTION, Some(&keep), None)
            .await?;
        Ok(Applied::Done(self.checked(ctx, id, keep.expires, report)))
    }

    fn checked(&self, ctx: &Ctx, id: &str, expires: Timestamp, report: ImportReport) -> Checked {
        let with_errors = report.refused_rows().len();
        Checked {
            upload: Upload {
                id: id.to_string(),
                org_id: ctx.org.clone(),
                created: ctx.now,
                expires,
                rows_total: report.rows_total,
                rows_changed: report.changes.len(),
                rows_with_errors: with_errors,
                applicable: !report.applied && with_errors > 0,
            },
            report,
        }
    }

    async fn make_room_for(&self, ctx: &Ctx) -> Result<(), ServiceError> {
        let mut tx = self.begin_write().await?;
        let actor = super::actor(&mut tx, ctx).await?;
        make_room(&mut tx, &actor.view.id, self.uploads.per_person).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// A kept upload of the caller in the org acted in; anyone else's is not found.
    pub async fn upload(&self, ctx: &Ctx, id: &str) -> Result<Upload, ServiceError> {
        let mut conn = self.conn().await?;
        let actor = super::actor(&mut conn, ctx).await?;
        let row = sqlx::query(&format!(
            "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1 AND person_id = $2 AND org_id = $3 \
             AND expires_at > $4"
        ))
        .bind(id.to_string())
        .bind(actor.view.id.clone())
        .bind(ctx.org.clone())
        .bind(ctx.now.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| ServiceError::not_found(Thing::Upload, id))?;
        upload_from_row(&row)
    }

    async fn upload_content(&self, id: &str) -> Result<Vec<u8>, ServiceError> {
        let mut conn = self.conn().await?;
        let row = sqlx::query("SELECT content FROM uploads WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| ServiceError::not_found(Thing::Upload, id))?;
        Ok(row.try_get("content")?)
    }

    /// A page of a kept upload's changes or problems, after position `after`, in file order.
    pub async fn upload_rows(
        &self,
        ctx: &Ctx,
        id: &str,
        kind: RowKind,
        after: i64,
        limit: usize,
    ) -> Result<Vec<ReportRow>, ServiceError> {
        self.upload(ctx, id).await?;
        let mut conn = self.conn().await?;
        let rows = sqlx::query(
            "SELECT seq, row_no, email, column_name, rule_id, message FROM upload_rows \
             WHERE upload_id = $1 AND kind = $2 AND seq > $3 ORDER BY seq LIMIT $4",
        )
        .bind(id.to_string())
        .bind(kind.id())
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                let stored: String = r.try_get("message")?;
                let (message, changes) = match kind {
                    RowKind::Change => (
                        Text::default(),
                        serde_json::from_str(&stored).map_err(|e| {
                            ServiceError::Internal(format!("a stored change cannot be read: {e}"))
                        })?,
                    ),
                    RowKind::Error => (read_problem(&stored), Vec::new()),
                };
                Ok(ReportRow {
                    seq: r.try_get("seq")?,
                    row: usize::try_from(r.try_get::<i64, _>("row_no")?).unwrap_or(0),
                    email: r.try_get("email")?,
                    column: r.try_get("column_name")?,
                    rule: r.try_get("rule_id")?,
                    message,
                    changes,
                })
            })
            .collect()
    }

    /// Keeps a file (when new) and queues the job that applies it.
    async fn queue_import(
        &self,
        ctx: &Ctx,
        upload_id: &str,
        new_content: Option<&[u8]>,
        rows: usize,
        options: ImportOptions,
    ) -> Result<Job, ServiceError> {
        // Refused at once, not after the wait, when the caller may change no user here.
        {
            let read = crate::op::OrgRead::open(self, ctx).await?;
            let allowed = super::csv_import::check_may_import(&read.principal());
            read.close().await?;
            allowed?;
        }
        let mut tx = self.begin_write().await?;
        let actor = super::actor(&mut tx, ctx).await?;
        lock_person(&mut tx, &actor.view.id).await?;
        let expires = Timestamp(self.expiry(ctx.now).0 + super::jobs::LEASE_MS);
        match new_content {
            Some(content) => {
                make_room(&mut tx, &actor.view.id, self.uploads.per_person).await?;
                let total = i64::try_from(rows).unwrap_or(i64::MAX);
                insert_upload(
                    &mut tx,
                    upload_id,
                    &ctx.org,
                    &actor.view.id,
                    content,
                    ctx.now,
                    expires,
                    (total, 0, 0),
                )
                .await?;
            }
            None => {
                // A kept file with no job applying it yet: one job per upload.
                let queued = sqlx::query(
                    "UPDATE uploads SET expires_at = $1 WHERE id = $2 AND size > 0 AND NOT EXISTS \
                     (SELECT 1 FROM jobs WHERE upload_id = $2 AND state IN ('queued', 'running'))",
                )
                .bind(expires.0)
                .bind(upload_id.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if queued != 1 {
                    return Err(ServiceError::conflict(
                        format!(
                            "upload {} is being applied or was applied already",
                            quoted(upload_id)
                        ),
                        format!(
                            "upload {} wordt toegepast of is al toegepast",
                            quoted(upload_id)
                        ),
                    ));
                }
            }
        }
        let job = super::jobs::insert(&mut tx, ctx, &actor, upload_id, rows, options).await?;
        self.commit(tx).await?;
        Ok(job)
    }
}

#[cfg(test)]
mod tests {
    use rolehub_domain::Lang;

    use super::*;

    #[test]
    fn a_kept_problem_reads_in_both_languages_and_an_older_one_as_it_was() {
        let problem = Text::new("“x” is not a user", "“x” is geen gebruiker");
        let kept = stored_problem(&problem).unwrap();
        assert_eq!(read_problem(&kept), problem);
        let older = read_problem("row 2: `x` is not a user of this organization");
        assert_eq!(
            older.get(Lang::Nl),
            "row 2: `x` is not a user of this organization"
        );
    }
}
