//! Import jobs: a large modify-users file applied in the background, so that no request time-out
//! can cut it, with its progress and result kept in the database for any server to answer.
//!
//! A job is queued in the transaction that keeps its file. Any server may claim it: the claim is
//! one `UPDATE … WHERE state …` that only one server can win, and it holds a lease. The import
//! runs as the person who submitted it, with every rule checked again at that moment, and ends the
//! job (state, counts) in the import's own transaction: a job is never reported done without its
//! changes, nor its changes written without the job being done. A server that dies mid-job loses
//! only an uncommitted transaction; once the lease runs out another server (or the same one after
//! a restart) runs the job again, at most [`MAX_ATTEMPTS`] times.
//!
//! Progress (rows checked, then writing) is counted in memory by the server that runs the job;
//! on PostgreSQL it is also written to the job's row every second for the other servers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rolehub_domain::{quoted, Lang, Timestamp};
use sqlx::{AnyConnection, Row};

use super::csv_import::{read_csv, ImportOptions, ImportReport, CSV_ACTION};
use super::uploads::Keep;
use super::{new_id, Ctx, Service, TokenScope};
use crate::db::Backend;
use crate::error::{ServiceError, Thing};
use crate::load::PersonRecord;

/// How long a claimed job is left to its server before another may take it over.
pub(crate) const LEASE_MS: i64 = 15 * 60 * 1000;
/// How often a job is started before it is given up.
pub const MAX_ATTEMPTS: i64 = 3;

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for a server.
    Queued,
    /// Being applied.
    Running,
    /// Ended; its result says what was applied (possibly nothing, when rows had problems).
    Succeeded,
    /// Ended without a result: refused as a whole, or given up.
    Failed,
}

impl JobState {
    /// Its name, as stored and shown.
    pub fn id(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
        }
    }

    fn from_id(id: &str) -> JobState {
        match id {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "succeeded" => JobState::Succeeded,
            _ => JobState::Failed,
        }
    }
}

/// An import job, as its submitter sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Its id.
    pub id: String,
    /// The org it changes.
    pub org_id: String,
    /// The upload it applies (its row results are the job's).
    pub upload_id: String,
    /// Whether valid rows are applied even when others have problems.
    pub partial: bool,
    /// Where it is.
    pub state: JobState,
    /// When it was submitted.
    pub created: Timestamp,
    /// When it (last) started.
    pub started: Option<Timestamp>,
    /// When it ended.
    pub finished: Option<Timestamp>,
    /// Data rows in the file.
    pub rows_total: usize,
    /// Rows checked so far.
    pub rows_done: usize,
    /// Whether the checks are done and the changes are being written.
    pub writing: bool,
    /// Rows applied (at the end).
    pub rows_applied: usize,
    /// Rows with problems (at the end).
    pub rows_with_errors: usize,
    /// Why it failed: the rule, when one refused the whole file, and the message.
    pub error: Option<(Option<String>, String)>,
}

/// The progress of a running job, counted as the import goes.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicUsize,
    writing: AtomicBool,
}

impl Progress {
    /// Rows checked so far.
    pub(crate) fn checked(&self, rows: usize) {
        self.done.store(rows, Ordering::Relaxed);
    }

    /// The checks are done; the changes are being written.
    pub(crate) fn writing(&self) {
        self.writing.store(true, Ordering::Relaxed);
    }
}

/// The jobs this server runs: their progress, and one import at a time (each holds its org's lock
/// and its file's rows in memory).
#[derive(Debug)]
pub(crate) struct JobBoard {
    running: Mutex<HashMap<String, Arc<Progress>>>,
    slot: tokio::sync::Semaphore,
}

impl Default for JobBoard {
    fn default() -> Self {
        JobBoard {
            running: Mutex::new(HashMap::new()),
            slot: tokio::sync::Semaphore::new(1),
        }
    }
}

impl JobBoard {
    fn start(&self, id: &str) -> Arc<Progress> {
        let progress = Arc::new(Progress::default());
        self.lock().insert(id.to_string(), progress.clone());
        progress
    }

    fn end(&self, id: &str) {
        self.lock().remove(id);
    }

    fn progress(&self, id: &str) -> Option<Arc<Progress>> {
        self.lock().get(id).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Progress>>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}

const JOB_COLUMNS: &str = "id, org_id, upload_id, partial, state, created_at, started_at, \
    finished_at, rows_total, rows_done, rows_applied, rows_with_errors, error_rule, error_message";

fn count(row: &sqlx::any::AnyRow, name: &str) -> Result<usize, ServiceError> {
    Ok(usize::try_from(row.try_get::<i64, _>(name)?).unwrap_or(0))
}

fn job_from_row(row: &sqlx::any::AnyRow) -> Result<Job, ServiceError> {
    let message: Option<String> = row.try_get("error_message")?;
    Ok(Job {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        upload_id: row.try_get("upload_id")?,
        partial: row.try_get::<i64, _>("partial")? != 0,
        state: JobState::from_id(&row.try_get::<String, _>("state")?),
        created: Timestamp(row.try_get("created_at")?),
        started: row.try_get::<Option<i64>, _>("started_at")?.map(Timestamp),
        finished: row.try_get::<Option<i64>, _>("finished_at")?.map(Timestamp),
        rows_total: count(row, "rows_total")?,
        rows_done: count(row, "rows_done")?,
        writing: false,
        rows_applied: count(row, "rows_applied")?,
        rows_with_errors: count(row, "rows_with_errors")?,
        error: message.map(|m| (row.try_get("error_rule").ok().flatten(), m)),
    })
}

/// Queues a job applying a kept upload, as the caller.
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    actor: &PersonRecord,
    upload_id: &str,
    rows: usize,
    options: ImportOptions,
) -> Result<Job, ServiceError> {
    let id = new_id();
    let total = i64::try_from(rows).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO jobs (id, kind, org_id, person_id, actor_email, upload_id, partial, lang, \
         request_id, client_addr, state, created_at, attempts, rows_total, rows_done, rows_applied, \
         rows_with_errors) VALUES ($1, 'csv_import', $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10, \
         0, $11, 0, 0, 0)",
    )
    .bind(id.clone())
    .bind(ctx.org.clone())
    .bind(actor.view.id.clone())
    .bind(actor.view.email.clone())
    .bind(upload_id.to_string())
    .bind(i64::from(options.partial))
    .bind(ctx.lang.tag())
    .bind(ctx.request_id.clone())
    .bind(ctx.client_addr.clone())
    .bind(ctx.now.0)
    .bind(total)
    .execute(&mut *conn)
    .await?;
    Ok(Job {
        id,
        org_id: ctx.org.clone(),
        upload_id: upload_id.to_string(),
        partial: options.partial,
        state: JobState::Queued,
        created: ctx.now,
        started: None,
        finished: None,
        rows_total: rows,
        rows_done: 0,
        writing: false,
        rows_applied: 0,
        rows_with_errors: 0,
        error: None,
    })
}

/// Ends a job with its import's report, inside the import's transaction. `changed_at` is the
/// instant the import's changes carry (when the job began); the job's end is the clock's time now,
/// after the rows were checked and written.
pub(crate) async fn finish(
    conn: &mut AnyConnection,
    id: &str,
    attempt: i64,
    report: &ImportReport,
    changed_at: Timestamp,
) -> Result<(), ServiceError> {
    let now = crate::clock::system_now().max(changed_at);
    let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
    // Only the attempt that holds the job ends it; one that lost it (its lease ran out and another
    // server took over) rolls back everything it did.
    let ended = sqlx::query(
        "UPDATE jobs SET state = 'succeeded', finished_at = $1, rows_total = $2, rows_done = $2, \
         rows_applied = $3, rows_with_errors = $4, lease_until = NULL \
         WHERE id = $5 AND state = 'running' AND attempts = $6",
    )
    .bind(now.0)
    .bind(n(report.rows_total))
    .bind(n(if report.applied {
        report.rows_applied
    } else {
        0
    }))
    .bind(n(report.refused_rows().len()))
    .bind(id.to_string())
    .bind(attempt)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if ended != 1 {
        return Err(ServiceError::conflict(
            format!(
                "job {} was taken over by another attempt; this one changed nothing",
                quoted(id)
            ),
            format!(
                "taak {} is door een andere poging overgenomen; deze heeft niets gewijzigd",
                quoted(id)
            ),
        ));
    }
    Ok(())
}

/// A job claimed by this server, with what it needs to run as its submitter.
struct Claimed {
    job: Job,
    attempt: i64,
    actor_email: String,
    lang: String,
    request_id: String,
    client_addr: Option<String>,
}

/// Gives up running jobs whose lease ran out after their last attempt; drops ended jobs older
/// than thirty days. Answers how many were given up.
pub(crate) async fn prune(conn: &mut AnyConnection, now: Timestamp) -> Result<usize, ServiceError> {
    // The message is kept in the language of the job's submitter, as its other failures are.
    let given_up = sqlx::query(
        "UPDATE jobs SET state = 'failed', finished_at = $1, lease_until = NULL, \
         error_message = CASE WHEN lang = 'nl' THEN $4 ELSE $2 END \
         WHERE state = 'running' AND lease_until < $1 AND attempts >= $3",
    )
    .bind(now.0)
    .bind(format!(
        "the job was interrupted {MAX_ATTEMPTS} times and was given up; nothing of it was applied"
    ))
    .bind(MAX_ATTEMPTS)
    .bind(format!(
        "de taak is {MAX_ATTEMPTS} keer onderbroken en opgegeven; er is niets van toegepast"
    ))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM jobs WHERE state IN ('succeeded', 'failed') AND finished_at < $1")
        .bind(now.0 - 30 * 24 * 3600 * 1000)
        .execute(&mut *conn)
        .await?;
    Ok(usize::try_from(given_up).unwrap_or(0))
}

impl Service {
    /// A job of the caller in the org acted in, with its live progress when this server runs it;
    /// anyone else's is not found.
    pub async fn job(&self, ctx: &Ctx, id: &str) -> Result<Job, ServiceError> {
        let mut conn = self.conn().await?;
        let actor = super::actor(&mut conn, ctx).await?;
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 AND person_id = $2 AND org_id = $3"
        ))
        .bind(id.to_string())
        .bind(actor.view.id.clone())
        .bind(ctx.org.clone())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| ServiceError::not_found(Thing::Job, id))?;
        let mut job = job_from_row(&row)?;
        if let Some(progress) = self.jobs.progress(id) {
            job.rows_done = job.rows_done.max(progress.done.load(Ordering::Relaxed));
            job.writing = progress.writing.load(Ordering::Relaxed);
        }
        Ok(job)
    }

    /// The caller's jobs in the org acted in, newest first.
    pub async fn jobs(&self, ctx: &Ctx, limit: usize) -> Result<Vec<Job>, ServiceError> {
        let mut conn = self.conn().await?;
        let actor = super::actor(&mut conn, ctx).await?;
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE person_id = $1 AND org_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT $3"
        ))
        .bind(actor.view.id.clone())
        .bind(ctx.org.clone())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    /// Runs the jobs waiting for a server, one at a time, until none is left; answers how many
    /// ran. Servers call it when a job is queued and every few seconds (for jobs another server
    /// left behind).
    pub async fn run_jobs(&self) -> Result<usize, ServiceError> {
        let _slot = self
            .jobs
            .slot
            .acquire()
            .await
            .map_err(|_| ServiceError::Unavailable("the job runner was stopped".into()))?;
        let mut ran = 0;
        while let Some(claimed) = self.claim(crate::clock::system_now()).await? {
            self.run_claimed(claimed).await;
            ran += 1;
        }
        Ok(ran)
    }

    /// Claims the oldest runnable job: queued, or running with a lapsed lease and attempts left.
    async fn claim(&self, now: Timestamp) -> Result<Option<Claimed>, ServiceError> {
        let mut conn = self.conn().await?;
        let runnable =
            "(state = 'queued' OR (state = 'running' AND lease_until < $1 AND attempts < $2))";
        let Some(candidate) = sqlx::query(&format!(
            "SELECT id FROM jobs WHERE {runnable} ORDER BY created_at, id LIMIT 1"
        ))
        .bind(now.0)
        .bind(MAX_ATTEMPTS)
        .fetch_optional(&mut *conn)
        .await?
        else {
            return Ok(None);
        };
        let id: String = candidate.try_get("id")?;
        // Only one server's update finds the job still runnable.
        let claimed = sqlx::query(&format!(
            "UPDATE jobs SET state = 'running', started_at = $3, lease_until = $4, \
             attempts = attempts + 1 WHERE id = $5 AND {runnable}"
        ))
        .bind(now.0)
        .bind(MAX_ATTEMPTS)
        .bind(now.0)
        .bind(now.0 + LEASE_MS)
        .bind(id.clone())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if claimed == 0 {
            return Ok(None);
        }
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS}, attempts, actor_email, lang, request_id, client_addr FROM jobs WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        Ok(Some(Claimed {
            job: job_from_row(&row)?,
            attempt: row.try_get("attempts")?,
            actor_email: row.try_get("actor_email")?,
            lang: row.try_get("lang")?,
            request_id: row.try_get("request_id")?,
            client_addr: row.try_get("client_addr")?,
        }))
    }

    /// Runs a claimed job to its end; a failure is recorded on the job, never lost.
    async fn run_claimed(&self, claimed: Claimed) {
        let id = claimed.job.id.clone();
        let progress = self.jobs.start(&id);
        let reporter = (self.backend() == Backend::Postgres).then(|| {
            tokio::spawn(report_progress(
                self.clone(),
                id.clone(),
                claimed.attempt,
                progress.clone(),
            ))
        });
        let result = self.import_job(&claimed, &progress).await;
        if let Some(reporter) = reporter {
            reporter.abort();
        }
        self.jobs.end(&id);
        if let Err(error) = result {
            let lang = Lang::from_accept_language(&claimed.lang);
            tracing::info!(job = %id, error = %error, "import job failed");
            if let Err(e) = self.fail(&id, claimed.attempt, &error, lang).await {
                tracing::warn!(job = %id, error = %e, "could not record the failure of a job");
            }
        }
    }

    async fn import_job(&self, claimed: &Claimed, progress: &Progress) -> Result<(), ServiceError> {
        let job = &claimed.job;
        let mut ctx = Ctx::new(
            claimed.actor_email.clone(),
            job.org_id.clone(),
            crate::clock::system_now(),
        );
        ctx.request_id = claimed.request_id.clone();
        ctx.client_addr = claimed.client_addr.clone();
        ctx.lang = Lang::from_accept_language(&claimed.lang);
        ctx.scope = TokenScope::Write;
        let content = {
            let mut conn = self.conn().await?;
            let row = sqlx::query("SELECT content FROM uploads WHERE id = $1")
                .bind(job.upload_id.clone())
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| ServiceError::not_found(Thing::Upload, job.upload_id.clone()))?;
            row.try_get::<Vec<u8>, _>("content")?
        };
        let parsed = read_csv(&content, self.upload_limits().max_rows)?;
        drop(content);
        let keep = Keep {
            upload_id: &job.upload_id,
            new_content: None,
            job: Some((&job.id, claimed.attempt)),
            expires: Timestamp(
                ctx.now.0 + i64::try_from(self.upload_limits().keep.as_millis()).unwrap_or(0),
            ),
        };
        let options = ImportOptions {
            partial: job.partial,
        };
        self.run_import(
            &ctx,
            &parsed,
            options,
            CSV_ACTION,
            Some(&keep),
            Some(progress),
        )
        .await?;
        Ok(())
    }

    async fn fail(
        &self,
        id: &str,
        attempt: i64,
        error: &ServiceError,
        lang: Lang,
    ) -> Result<(), ServiceError> {
        let mut conn = self.conn().await?;
        // An attempt that lost the job to another says nothing of it.
        sqlx::query(
            "UPDATE jobs SET state = 'failed', finished_at = $1, lease_until = NULL, \
             error_rule = $2, error_message = $3 WHERE id = $4 AND state = 'running' AND attempts = $5",
        )
        .bind(crate::clock::system_now().0)
        .bind(error.refusal().map(|r| r.rule.id().to_string()))
        .bind(error.message(lang))
        .bind(id.to_string())
        .bind(attempt)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

/// Writes a running job's progress to its row every second, for the other servers, and renews its
/// lease, so that a long import is not taken for one whose server died (PostgreSQL).
async fn report_progress(service: Service, id: String, attempt: i64, progress: Arc<Progress>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tick.tick().await;
        let done = i64::try_from(progress.done.load(Ordering::Relaxed)).unwrap_or(0);
        let written = async {
            let mut conn = service.conn().await?;
            sqlx::query(
                "UPDATE jobs SET rows_done = $1, lease_until = $2 \
                 WHERE id = $3 AND state = 'running' AND attempts = $4",
            )
            .bind(done)
            .bind(crate::clock::system_now().0 + LEASE_MS)
            .bind(id.clone())
            .bind(attempt)
            .execute(&mut *conn)
            .await?;
            Ok::<(), ServiceError>(())
        };
        if let Err(e) = written.await {
            tracing::debug!(job = %id, error = %e, "could not write a job's progress");
        }
    }
}
