//! Modifying users with CSV: the template, the upload's preview (every change and every problem,
//! nothing saved, R-CSV-2) and its application.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::Response;
use rolehub_store::service::{ImportOptions, ImportReport};

use super::form::first;
use super::{
    page_with_flash, redirect_with_flash, render, Chrome, Console, Flash, Page, Submitted,
};
use crate::state::{AppState, Upload};

struct ReportView {
    summary: String,
    errors: Vec<(usize, String, String, String)>,
    changes: Vec<(usize, String, String)>,
    upload_id: Option<String>,
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

fn report_view(console: &Console, report: &ImportReport, upload_id: Option<String>) -> ReportView {
    let t = console.t;
    ReportView {
        summary: t.with3(
            "csv-summary",
            ("rows", &report.rows_total.to_string()),
            ("changed", &report.changes.len().to_string()),
            ("errors", &report.refused_rows().len().to_string()),
        ),
        errors: report
            .errors
            .iter()
            .map(|e| {
                (
                    e.row,
                    e.column.clone().unwrap_or_default(),
                    e.rule.id().to_string(),
                    e.message.clone(),
                )
            })
            .collect(),
        changes: report
            .changes
            .iter()
            .map(|ch| (ch.row, ch.email.clone(), ch.changes.join("; ")))
            .collect(),
        upload_id,
    }
}

/// The preview of an upload: every change and every problem, nothing saved (R-CSV-2).
pub async fn preview(
    State(state): State<AppState>,
    Page { console, facts }: Page,
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
    let c = console.chrome(&facts, "/users");
    match state
        .service
        .import_csv(&console.ctx(true), &bytes, ImportOptions::default())
        .await
    {
        Ok(report) => {
            let applicable = !report.changes.is_empty();
            let id = applicable.then(|| {
                state.uploads.put(Upload {
                    person_id: console.person.view.id.clone(),
                    org: console.org.clone(),
                    bytes,
                    at: std::time::Instant::now(),
                })
            });
            render(&CsvPage {
                report: Some(report_view(&console, &report, id)),
                c,
            })
        }
        Err(e) => console.back("/users/csv", &e),
    }
}

/// Applies a previewed upload: all or nothing, or the valid rows only.
pub async fn apply(
    State(state): State<AppState>,
    Submitted { console, form, .. }: Submitted,
) -> Response {
    let id = first(&form, "upload");
    let Some(upload) = state
        .uploads
        .get(&id, &console.person.view.id, &console.org)
    else {
        return redirect_with_flash(
            &format!("/users/csv?org={}", console.org),
            "bad",
            &console.t.get("csv-expired"),
        );
    };
    let partial = first(&form, "partial") == "true";
    match state
        .service
        .import_csv(
            &console.ctx(false),
            &upload.bytes,
            ImportOptions { partial },
        )
        .await
    {
        Ok(report) if report.applied || report.errors.is_empty() => {
            state.uploads.remove(&id);
            redirect_with_flash(
                &format!("/users?org={}", console.org),
                "ok",
                &console
                    .t
                    .with("csv-applied", "rows", &report.rows_applied.to_string()),
            )
        }
        Ok(_) => redirect_with_flash(
            &format!("/users/csv?org={}", console.org),
            "bad",
            &console.t.get("csv-nothing"),
        ),
        Err(e) => console.back("/users/csv", &e),
    }
}
