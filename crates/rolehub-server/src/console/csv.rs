//! Modifying users with CSV: the template, the upload's preview (every change and every problem,
//! nothing saved, R-CSV-2), its application, and the progress of a large one.
//!
//! The preview is kept in the database (any server can show it and apply it) and shown on a page
//! of its own, so reloading never uploads again. A page shows the first rows of each list; the
//! whole report downloads as CSV. A file larger than the `uploads.inline_rows` setting is applied
//! by a job whose page refreshes itself until it ends.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use rolehub_store::service::{Applied, ImportOptions, JobState, RowKind};

use super::form::first;
use super::{
    page_with_flash, readable, redirect_with_flash, render, without_rule_id, Chrome, Console,
    Flash, Page, Submitted,
};
use crate::state::AppState;

/// Rows of each list shown on a page.
const SHOWN: usize = 100;

/// The row a spreadsheet shows for a data row of the file: the header is the spreadsheet's row 1,
/// so data row N is its row N + 1. The console names rows as the person sees them in their
/// spreadsheet; the API keeps data rows, as its reference says.
fn sheet_row(data_row: usize) -> usize {
    data_row + 1
}

/// A problem as the console shows it: in plain words, values in quotes, and without the rule id,
/// which the page shows beside it.
fn problem_text(message: &str) -> String {
    readable(&without_rule_id(message))
}

struct ReportView {
    upload_id: String,
    summary: String,
    errors: Vec<(usize, String, String, String)>,
    more_errors: Option<String>,
    changes: Vec<(usize, String, String)>,
    more_changes: Option<String>,
    applicable: bool,
    clean: bool,
}

#[derive(Template)]
#[template(path = "csv.html")]
struct CsvPage {
    c: Chrome,
    report: Option<ReportView>,
}

/// Modify users with CSV: the template and the upload form.
pub async fn page(Page { console, facts }: Page, Flash(flash): Flash) -> Response {
    let mut c = console.chrome(&facts, "/users");
    let shown = flash.is_some();
    c.flash = flash;
    page_with_flash(&CsvPage { c, report: None }, shown)
}

/// The template, pre-filled with the org's users (R-CSV-1).
pub async fn template(State(state): State<AppState>, console: Console) -> Response {
    let mut out = Vec::new();
    match state
        .service
        .csv_template(&console.ctx(false), &mut out)
        .await
    {
        Ok(_) => crate::csv_download(&format!("users-{}.csv", console.org), out),
        Err(e) => console.error_page(&e),
    }
}

/// Checks an upload and keeps it (R-CSV-2: nothing of it is applied), then shows its preview.
pub async fn preview(
    State(state): State<AppState>,
    Page { console, .. }: Page,
    mut multipart: Multipart,
) -> Response {
    let mut csrf = String::new();
    let mut bytes = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
            _ => {}
        }
    }
    if let Err(r) = console.check_csrf(&csrf) {
        return r;
    }
    match state.service.preview_csv(&console.ctx(true), &bytes).await {
        Ok(checked) => axum::response::Redirect::to(&format!(
            "/users/csv/uploads/{}?org={}",
            checked.upload.id, console.org
        ))
        .into_response(),
        Err(e) => console.back("/users/csv", &e),
    }
}

/// A kept upload's report: its counts, the first changes and problems, and what can be done next.
pub async fn upload(
    State(state): State<AppState>,
    Page { console, facts }: Page,
    Flash(flash): Flash,
    Path(id): Path<String>,
) -> Response {
    let ctx = console.ctx(false);
    let t = console.t;
    let loaded = async {
        let upload = state.service.upload(&ctx, &id).await?;
        let errors = state
            .service
            .upload_rows(&ctx, &id, RowKind::Error, 0, SHOWN)
            .await?;
        let changes = state
            .service
            .upload_rows(&ctx, &id, RowKind::Change, 0, SHOWN)
            .await?;
        Ok::<_, rolehub_store::ServiceError>((upload, errors, changes))
    };
    let (upload, errors, changes) = match loaded.await {
        Ok(loaded) => loaded,
        Err(e) => return console.error_page(&e),
    };
    let more = |shown: usize, key: &str| {
        (shown >= SHOWN)
            .then(|| t.with("csv-more", "shown", &shown.to_string()) + " " + &t.get(key))
    };
    let error_rows = errors.len();
    let report = ReportView {
        upload_id: upload.id.clone(),
        summary: t.with3(
            "csv-summary",
            ("rows", &upload.rows_total.to_string()),
            ("changed", &upload.rows_changed.to_string()),
            ("errors", &upload.rows_with_errors.to_string()),
        ),
        more_errors: more(error_rows, "csv-download-report"),
        errors: errors
            .into_iter()
            .map(|e| {
                (
                    sheet_row(e.row),
                    e.column.unwrap_or_default(),
                    e.rule.unwrap_or_default(),
                    problem_text(e.message.get(t.lang)),
                )
            })
            .collect(),
        more_changes: more(changes.len(), "csv-download-report"),
        changes: changes
            .into_iter()
            .map(|ch| {
                (
                    sheet_row(ch.row),
                    ch.email.unwrap_or_default(),
                    ch.changes.join("; "),
                )
            })
            .collect(),
        applicable: upload.applicable && upload.rows_changed > 0,
        clean: upload.rows_with_errors == 0,
    };
    let mut c = console.chrome(&facts, "/users");
    let shown = flash.is_some();
    c.flash = flash;
    page_with_flash(
        &CsvPage {
            c,
            report: Some(report),
        },
        shown,
    )
}

/// A kept upload's whole report as CSV: every change and every problem, by row.
pub async fn report(
    State(state): State<AppState>,
    console: Console,
    Path(id): Path<String>,
) -> Response {
    let ctx = console.ctx(false);
    let lang = console.t.lang;
    let written = async {
        state.service.upload(&ctx, &id).await?;
        let mut out = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| rolehub_store::ServiceError::Internal(e.to_string());
        out.write_record(["row", "kind", "email", "column", "rule", "what"])
            .map_err(io)?;
        for kind in [RowKind::Error, RowKind::Change] {
            let mut after = 0;
            loop {
                let rows = state
                    .service
                    .upload_rows(&ctx, &id, kind, after, 1000)
                    .await?;
                for r in &rows {
                    let what = match kind {
                        RowKind::Change => r.changes.join("; "),
                        RowKind::Error => problem_text(r.message.get(lang)),
                    };
                    out.write_record([
                        sheet_row(r.row).to_string(),
                        kind.id().to_string(),
                        rolehub_store::service::neutralise(r.email.as_deref().unwrap_or("")),
                        rolehub_store::service::neutralise(r.column.as_deref().unwrap_or("")),
                        r.rule.clone().unwrap_or_default(),
                        rolehub_store::service::neutralise(&what),
                    ])
                    .map_err(io)?;
                }
                match rows.last() {
                    Some(last) if rows.len() == 1000 => after = last.seq,
                    _ => break,
                }
            }
        }
        out.into_inner()
            .map_err(|e| rolehub_store::ServiceError::Internal(e.to_string()))
    };
    match written.await {
        Ok(body) => crate::csv_download(&format!("upload-{id}-report.csv"), body),
        Err(e) => console.error_page(&e),
    }
}

/// Applies a previewed upload: all or nothing, or the valid rows only; a large one by a job.
pub async fn apply(
    State(state): State<AppState>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let id = first(&form, "upload");
    let partial = first(&form, "partial") == "true";
    let upload_page = format!("/users/csv/uploads/{id}?org={}", console.org);
    match state
        .service
        .apply_upload(&console.ctx(false), &id, ImportOptions { partial }, false)
        .await
    {
        Ok(Applied::Queued(job)) => {
            crate::jobs::start(&state.service);
            axum::response::Redirect::to(&format!("/jobs/{}?org={}", job.id, console.org))
                .into_response()
        }
        Ok(Applied::Done(checked)) if checked.report.applied => redirect_with_flash(
            &format!("/users?org={}", console.org),
            "ok",
            &console.t.with(
                "csv-applied",
                "rows",
                &checked.report.rows_applied.to_string(),
            ),
        ),
        Ok(Applied::Done(_)) => {
            redirect_with_flash(&upload_page, "bad", &console.t.get("csv-nothing"))
        }
        Err(e) if e.kind() == rolehub_store::ErrorKind::NotFound => redirect_with_flash(
            &format!("/users/csv?org={}", console.org),
            "bad",
            &console.t.get("csv-expired"),
        ),
        Err(e) => console.back(&upload_page, &e),
    }
}

struct JobView {
    running: bool,
    status: String,
    rows_done: usize,
    rows_total: usize,
    summary: Option<String>,
    error: Option<String>,
    upload_id: String,
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    c: Chrome,
    job: JobView,
}

/// A job's progress, refreshing itself every two seconds until it ends.
pub async fn job(
    State(state): State<AppState>,
    Page { console, facts }: Page,
    Path(id): Path<String>,
) -> Response {
    let t = console.t;
    let job = match state.service.job(&console.ctx(false), &id).await {
        Ok(job) => job,
        Err(e) => return console.error_page(&e),
    };
    let status = match job.state {
        JobState::Queued => t.get("job-queued"),
        JobState::Running if job.writing => t.get("job-writing"),
        JobState::Running => t.with2(
            "job-checking",
            ("done", &job.rows_done.to_string()),
            ("rows", &job.rows_total.to_string()),
        ),
        JobState::Succeeded if job.rows_applied > 0 => {
            t.with("csv-applied", "rows", &job.rows_applied.to_string())
        }
        JobState::Succeeded => t.get("csv-nothing"),
        JobState::Failed => t.get("job-failed"),
    };
    let view = JobView {
        running: matches!(job.state, JobState::Queued | JobState::Running),
        status,
        rows_done: if job.state == JobState::Succeeded {
            job.rows_total
        } else {
            job.rows_done
        },
        rows_total: job.rows_total.max(1),
        summary: (job.state == JobState::Succeeded).then(|| {
            t.with3(
                "csv-summary",
                ("rows", &job.rows_total.to_string()),
                ("changed", &job.rows_applied.to_string()),
                ("errors", &job.rows_with_errors.to_string()),
            )
        }),
        // The rule once, after the sentence (a refusal's sentence names it already).
        error: job.error.map(|(rule, message)| match rule {
            Some(rule) => format!("{} ({rule})", problem_text(&message)),
            None => readable(&message),
        }),
        upload_id: job.upload_id,
    };
    render(&JobPage {
        c: console.chrome(&facts, "/users"),
        job: view,
    })
}

#[cfg(test)]
mod tests {
    use super::{problem_text, sheet_row};

    #[test]
    fn problems_read_as_prose_on_rows_the_spreadsheet_shows() {
        // The header is the spreadsheet's row 1.
        assert_eq!(sheet_row(1), 2);
        assert_eq!(
            problem_text(
                "Een Contact Center-servicebeheerder mag alleen de Contact Center-licentiekolommen \
                 wijzigen, niet `Webex Calling`. (R-CCSA-10)"
            ),
            "Een Contact Center-servicebeheerder mag alleen de Contact Center-licentiekolommen \
             wijzigen, niet “Webex Calling”."
        );
        assert_eq!(
            problem_text("“maybe” is niet “active” of “inactive”"),
            "“maybe” is niet “active” of “inactive”"
        );
    }
}
