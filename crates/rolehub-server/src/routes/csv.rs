//! `people/csv`: the modify-users template and upload (R-CSV-1, R-CSV-2, R-CCSA-10, R-LIC-1).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rolehub_store::service::ImportOptions;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::people::OrgQuery;
use crate::auth::Acting;
use crate::dto::ImportResult;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorItem};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The template (read routes).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(template))
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

/// Options of an upload.
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
    /// Preview: validate and answer the changes, writing nothing.
    dry_run: Option<bool>,
    /// Apply the valid rows even when others have errors.
    partial: Option<bool>,
}

/// Uploads a modify-users CSV (`Content-Type: text/csv`). Validated whole; all or nothing unless
/// `partial=true`; 422 with every row's problem when nothing was applied.
#[utoipa::path(post, path = "/v1/people/csv", tag = "people", params(UploadQuery), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportResult), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload(
    State(state): State<AppState>,
    Acting { ctx, .. }: Acting,
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
            "send the file as `Content-Type: text/csv`",
        ));
    }
    if let Some(at) = body.iter().position(|b| *b == 0) {
        // No cell may hold the NUL character (PostgreSQL cannot store it in text).
        let line = body[..at].iter().filter(|b| **b == b'\n').count() + 1;
        return Err(rolehub_store::ServiceError::invalid(
            format!("line {line}"),
            "the file contains the NUL character",
        )
        .into());
    }
    let dry_run = ctx.dry_run;
    let report = state
        .service
        .import_csv(
            &ctx,
            &body,
            ImportOptions {
                partial: q.partial.unwrap_or(false),
            },
        )
        .await?;
    let result = ImportResult::of(&report, dry_run);
    if !dry_run && !report.errors.is_empty() && !q.partial.unwrap_or(false) {
        let errors = report
            .errors
            .iter()
            .map(|e| ErrorItem {
                description: e.message.clone(),
                rule_id: Some(e.rule.id().into()),
                field: Some(match &e.column {
                    Some(c) => format!("row {}, column {c}", e.row),
                    None => format!("row {}", e.row),
                }),
            })
            .collect();
        return Err(ApiError::Plain {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!(
                "{} of {} rows have problems; nothing was changed",
                report.refused_rows().len(),
                report.rows_total
            ),
            errors,
            retry_after: None,
        });
    }
    Ok((StatusCode::OK, Json(result)).into_response())
}
