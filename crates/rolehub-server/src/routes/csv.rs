//! `people/csv` and `csvUploads`: the modify-users template, the upload, its kept results and its
//! application (R-CSV-1, R-CSV-2, R-CCSA-10, R-LIC-1).
//!
//! Every upload is kept with its row results (see the service's uploads): answers carry the counts
//! and the first changes and problems, and the rest are paged from the upload. A preview can be
//! applied later by id. Files larger than the `uploads.inline_rows` setting, or sent with
//! `Prefer: respond-async`, are applied by a job: the answer is 202 with the job to poll.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rolehub_domain::{Lang, Text};
use rolehub_store::service::{Applied, ImportOptions, RowKind};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::people::OrgQuery;
use crate::auth::Acting;
use crate::dto::{CsvUpload, ImportChange, ImportError, ImportResult, Items, JobInfo, ROW_SAMPLE};
use crate::error::{ApiError, ApiResult, ErrorBody, Problem};
use crate::extract::ApiQuery;
use crate::paging;
use crate::state::AppState;

/// The template and the kept uploads (read routes, and the application of a kept upload).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(template))
        .routes(routes!(get_upload))
        .routes(routes!(upload_changes))
        .routes(routes!(upload_errors))
        .routes(routes!(apply_upload))
}

/// The upload (its own body limit).
pub fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload))
}

/// The modify-users template, pre-filled with the org's users.
#[utoipa::path(get, path = "/v1/people/csv", tag = "people", params(OrgQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody)))]
async fn template(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    ApiQuery(_query): ApiQuery<OrgQuery>,
) -> ApiResult<Response> {
    let mut out = Vec::new();
    state.service.csv_template(&ctx, &mut out).await?;
    Ok(crate::csv_download(&format!("users-{}.csv", ctx.org), out))
}

/// Options of an upload or an application.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct UploadQuery {
    #[expect(
        dead_code,
        reason = "read by `Acting`; declared here for the OpenAPI document and strict parsing"
    )]
    /// The org (default: the caller's).
    org_id: Option<String>,
    #[expect(
        dead_code,
        reason = "read by `Acting`; declared here for the OpenAPI document and strict parsing"
    )]
    /// Preview: validate and answer the changes, writing nothing but the kept upload.
    dry_run: Option<bool>,
    /// Apply the valid rows even when others have errors.
    partial: Option<bool>,
}

/// Whether the client asked for an answer before the work is done (`Prefer: respond-async`).
fn prefers_async(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("respond-async"))
}

/// Uploads a modify-users CSV (`Content-Type: text/csv`). Validated whole; all or nothing unless
/// `partial=true`; 422 with the first problems when nothing was applied (every problem is paged
/// from the kept upload). A file larger than the `uploads.inline_rows` setting, or sent with
/// `Prefer: respond-async`, is applied by a job: 202 with the job (`Location: /v1/jobs/{id}`).
#[utoipa::path(post, path = "/v1/people/csv", tag = "people", params(UploadQuery), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportResult), (status = 202, body = JobInfo, description = "Applied by a job; poll it"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload(
    State(state): State<AppState>,
    Acting { ctx, caller }: Acting,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    ctx.require_write()?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("text/csv") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Text::new(
                "send the file as `Content-Type: text/csv`",
                "stuur het bestand als “Content-Type: text/csv”",
            ),
        ));
    }
    let options = ImportOptions {
        partial: q.partial.unwrap_or(false),
    };
    let applied = state
        .service
        .apply_csv(&ctx, &body, options, prefers_async(&headers))
        .await?;
    answer(&state, applied, &ctx, options, &caller.info.base_url)
}

/// Applies a kept upload (a preview, or a file refused because of some of its rows): the same
/// answers as the upload.
#[utoipa::path(post, path = "/v1/csvUploads/{uploadId}/apply", tag = "people", params(("uploadId" = String, Path), UploadQuery),
    responses((status = 200, body = ImportResult), (status = 202, body = JobInfo, description = "Applied by a job; poll it"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn apply_upload(
    State(state): State<AppState>,
    Acting { ctx, caller }: Acting,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let options = ImportOptions {
        partial: q.partial.unwrap_or(false),
    };
    let applied = state
        .service
        .apply_upload(&ctx, &id, options, prefers_async(&headers))
        .await?;
    answer(&state, applied, &ctx, options, &caller.info.base_url)
}

/// The answer of an upload or an application: 200 with the result, 422 when nothing was applied
/// because of some rows, or 202 with the job.
fn answer(
    state: &AppState,
    applied: Applied,
    ctx: &rolehub_store::Ctx,
    options: ImportOptions,
    base: &str,
) -> ApiResult<Response> {
    let (dry_run, lang) = (ctx.dry_run, ctx.lang);
    let checked = match applied {
        Applied::Queued(job) => {
            crate::jobs::start(&state.service);
            let info = JobInfo::of(&job, base);
            let mut response = (StatusCode::ACCEPTED, Json(info)).into_response();
            let headers = response.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&format!("{base}/v1/jobs/{}", job.id)) {
                headers.insert(header::LOCATION, v);
            }
            headers.insert(
                "preference-applied",
                HeaderValue::from_static("respond-async"),
            );
            return Ok(response);
        }
        Applied::Done(checked) => checked,
    };
    let report = &checked.report;
    if !dry_run && !report.errors.is_empty() && !options.partial {
        let errors = report
            .errors
            .iter()
            .take(ROW_SAMPLE)
            .map(|e| Problem {
                description: e.message.clone(),
                rule_id: Some(e.rule.id().into()),
                field: Some(Text::by_lang(|lang| {
                    place(e.row, e.column.as_deref(), lang)
                })),
            })
            .collect();
        let upload = CsvUpload::of(&checked.upload, base);
        let (refused, total) = (checked.upload.rows_with_errors, report.rows_total);
        let apply = format!("POST {base}/v1/csvUploads/{}/apply?partial=true", upload.id);
        return Err(ApiError::Plain {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: Text::by_lang(|lang| match lang {
                Lang::En => format!(
                    "{refused} of {total} rows have problems; nothing was changed. Every problem: \
                     {}; to apply the valid rows only: {apply}",
                    upload.errors_url
                ),
                Lang::Nl => format!(
                    "{refused} van de {total} rijen hebben problemen; er is niets gewijzigd. Alle \
                     problemen: {}; om alleen de geldige rijen toe te passen: {apply}",
                    upload.errors_url
                ),
            }),
            errors,
            retry_after: None,
        });
    }
    Ok((
        StatusCode::OK,
        Json(ImportResult::of(&checked, dry_run, base, lang)),
    )
        .into_response())
}

/// Where a problem is, as an error's `field`: the data row (from 1, the header not counted) and
/// the column, in the caller's language.
fn place(row: usize, column: Option<&str>, lang: Lang) -> String {
    match (column, lang) {
        (Some(c), Lang::En) => format!("row {row}, column {c}"),
        (Some(c), Lang::Nl) => format!("rij {row}, kolom {c}"),
        (None, Lang::En) => format!("row {row}"),
        (None, Lang::Nl) => format!("rij {row}"),
    }
}

/// A kept upload of the caller: its counts and whether it can still be applied.
#[utoipa::path(get, path = "/v1/csvUploads/{uploadId}", tag = "people", params(("uploadId" = String, Path), OrgQuery),
    responses((status = 200, body = CsvUpload), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_upload(
    State(state): State<AppState>,
    Acting { ctx, caller }: Acting,
    Path(id): Path<String>,
    ApiQuery(_q): ApiQuery<OrgQuery>,
) -> ApiResult<Json<CsvUpload>> {
    let upload = state.service.upload(&ctx, &id).await?;
    Ok(Json(CsvUpload::of(&upload, &caller.info.base_url)))
}

/// Paging through a kept upload's rows.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct RowsQuery {
    #[expect(
        dead_code,
        reason = "read by `Acting`; declared here for the OpenAPI document and strict parsing"
    )]
    /// The org (default: the caller's).
    org_id: Option<String>,
    /// Page size (at most 1000).
    max: Option<i64>,
    /// The cursor from the `Link` header.
    after: Option<String>,
}

/// Reads a page of a kept upload's rows, with the `Link` to the next.
async fn rows_page<T: serde::Serialize + utoipa::ToSchema>(
    state: &AppState,
    ctx: &rolehub_store::Ctx,
    id: &str,
    kind: RowKind,
    q: &RowsQuery,
    uri: &axum::http::Uri,
    item: fn(&rolehub_store::service::ReportRow, Lang) -> T,
) -> ApiResult<Response> {
    let after = match crate::extract::cursor(&q.after)? {
        Some(s) => s.parse::<i64>().map_err(|_| ApiError::bad_cursor())?,
        None => 0,
    };
    let limit = paging::page_size(q.max, 100, 1000) as usize;
    let mut rows = state
        .service
        .upload_rows(ctx, id, kind, after, limit + 1)
        .await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let mut response = Json(Items {
        items: rows.iter().map(|r| item(r, ctx.lang)).collect::<Vec<T>>(),
    })
    .into_response();
    if more {
        if let Some(last) = rows.last() {
            paging::link_next(
                response.headers_mut(),
                uri,
                &paging::encode(&last.seq.to_string()),
            );
        }
    }
    Ok(response)
}

/// Every change of a kept upload, in file order, paged.
#[utoipa::path(get, path = "/v1/csvUploads/{uploadId}/changes", tag = "people", params(("uploadId" = String, Path), RowsQuery),
    responses((status = 200, body = Items<ImportChange>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn upload_changes(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RowsQuery>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Response> {
    rows_page(
        &state,
        &ctx,
        &id,
        RowKind::Change,
        &q,
        &uri,
        ImportChange::of_row,
    )
    .await
}

/// Every problem of a kept upload, in file order, paged.
#[utoipa::path(get, path = "/v1/csvUploads/{uploadId}/errors", tag = "people", params(("uploadId" = String, Path), RowsQuery),
    responses((status = 200, body = Items<ImportError>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn upload_errors(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RowsQuery>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Response> {
    rows_page(
        &state,
        &ctx,
        &id,
        RowKind::Error,
        &q,
        &uri,
        ImportError::of_row,
    )
    .await
}
