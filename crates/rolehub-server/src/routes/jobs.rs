//! `jobs`: the background jobs of the caller (large CSV imports), to poll until they end.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::people::OrgQuery;
use crate::auth::Acting;
use crate::dto::{Items, JobInfo};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::paging;
use crate::state::AppState;

/// The routes of this family.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_jobs))
        .routes(routes!(get_job))
}

/// The org and page size of the job list.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct JobsQuery {
    #[expect(
        dead_code,
        reason = "read by `Acting`; declared here for the OpenAPI document and strict parsing"
    )]
    /// The org (default: the caller's).
    org_id: Option<String>,
    /// How many, newest first (at most 100).
    max: Option<i64>,
}

/// The caller's jobs in the org, newest first (jobs are kept thirty days after they end).
#[utoipa::path(get, path = "/v1/jobs", tag = "jobs", params(JobsQuery),
    responses((status = 200, body = Items<JobInfo>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_jobs(
    State(state): State<AppState>,
    Acting { ctx, caller }: Acting,
    ApiQuery(q): ApiQuery<JobsQuery>,
) -> ApiResult<Json<Items<JobInfo>>> {
    let limit = paging::page_size(q.max, 20, 100) as usize;
    let jobs = state.service.jobs(&ctx, limit).await?;
    Ok(Json(Items {
        items: jobs
            .iter()
            .map(|j| JobInfo::of(j, &caller.info.base_url))
            .collect(),
    }))
}

/// A job of the caller: its status, progress and result.
#[utoipa::path(get, path = "/v1/jobs/{jobId}", tag = "jobs", params(("jobId" = String, Path), OrgQuery),
    responses((status = 200, body = JobInfo), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_job(
    State(state): State<AppState>,
    Acting { ctx, caller }: Acting,
    Path(id): Path<String>,
    ApiQuery(_q): ApiQuery<OrgQuery>,
) -> ApiResult<Json<JobInfo>> {
    let job = state.service.job(&ctx, &id).await?;
    Ok(Json(JobInfo::of(&job, &caller.info.base_url)))
}
