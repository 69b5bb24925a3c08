//! Rolehub's HTTP server: the REST API over the service layer, in the Webex admin API's style.
//!
//! [`app`] builds the router from one router per resource family; [`serve`] runs it on a bound
//! listener until the shutdown future resolves, letting requests in flight finish.

pub mod auth;
pub mod console;
pub mod context;
pub mod dto;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod mail;
pub mod openapi;
pub mod paging;
pub mod routes;
pub mod scim;
pub mod settings;
pub mod sso;
pub mod state;
pub mod webex_ids;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use settings::Settings;
pub use state::{AppState, Config};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rolehub API",
        description = "Administrator roles for multi-tenant organizations, enforced and explained. Every refusal names its rule (`ruleId`). Authenticate with `Authorization: Bearer <personal access token>`.",
        license(name = "Apache-2.0")
    ),
    components(schemas(error::ErrorBody, error::ErrorItem)),
    tags(
        (name = "people", description = "People of an organization"),
        (name = "roles", description = "The role catalogue"),
        (name = "roleAssignments", description = "Scoped role grants"),
        (name = "externalAdmins", description = "External and partner administrators"),
        (name = "admins", description = "The administrators list and its CSV export"),
        (name = "organizations", description = "Organizations and their settings"),
        (name = "licenses", description = "Licenses and their assignment"),
        (name = "authorize", description = "Access decisions, explained"),
        (name = "adminAudit", description = "The hash-chained audit log"),
        (name = "jobs", description = "Background jobs: large CSV imports, to poll until they end"),
        (name = "groups", description = "Groups kept by the identity provider (SCIM), and the role each gives its members"),
        (name = "sessions", description = "Sign-in, sign-out and account activation"),
        (name = "tokens", description = "Personal access tokens")
    )
)]
struct ApiDoc;

/// The API's routes and their OpenAPI document, built together so that no route is undocumented.
pub fn api(config: &Config) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let json = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::people::router())
        .merge(routes::roles::router())
        .merge(routes::orgs::router())
        .merge(routes::audit::router())
        .merge(routes::session::router())
        .merge(routes::csv::router())
        .merge(routes::jobs::router())
        .merge(routes::groups::router())
        .layer(DefaultBodyLimit::max(config.json_limit));
    let upload = routes::csv::upload_router().layer(DefaultBodyLimit::max(config.csv_limit));
    let (router, mut doc) = json.merge(upload).split_for_parts();
    openapi::document_errors(&mut doc);
    (router, doc)
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    // Webex's encoded ids become plain ids before routing, so that every route sees one form: a
    // layer of the router itself would run after the route was chosen.
    let decode_ids =
        axum::middleware::from_fn_with_state(state.config.json_limit, webex_ids::decode);
    let routed = routed(state);
    Router::new().fallback_service(tower::Layer::layer(&decode_ids, routed))
}

/// The routes and every layer but the id decoding.
fn routed(state: AppState) -> Router {
    let (api, mut doc) = api(&state.config);
    doc.paths
        .paths
        .insert("/v1/openapi.json".into(), openapi_path_item());
    let mut doc_json = serde_json::to_value(&doc).unwrap_or_default();
    openapi::constrain_values(&mut doc_json);
    openapi::refuse_nul_in_text(&mut doc_json);
    let timeout = state.config.request_timeout;
    api.route(
        "/v1/openapi.json",
        get(move || async move { Json(doc_json.clone()) }),
    )
    .route("/healthz", get(|| async { "ok" }))
    .merge(scim::router(state.config.json_limit))
    .merge(console::router(state.config.csv_limit))
    // Unknown routes and methods answer inside the router, so that every layer below (the error
    // shape, the security headers) covers them too; a signed-in browser gets the console's page.
    .fallback(console::not_found)
    .method_not_allowed_fallback(|| async { StatusCode::METHOD_NOT_ALLOWED })
    .layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        timeout,
    ))
    // A handler that panics answers 500 in the error shape instead of dropping the connection.
    .layer(tower_http::catch_panic::CatchPanicLayer::custom(
        |_: Box<dyn std::any::Any + Send>| {
            tracing::error!("a handler panicked");
            error::ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                context::default_message(StatusCode::INTERNAL_SERVER_ERROR),
            )
            .into_response()
        },
    ))
    .layer(axum::middleware::map_response(api_headers))
    .layer(axum::middleware::from_fn_with_state(
        state.config.clone(),
        context::request_context,
    ))
    .with_state(state)
}

fn openapi_path_item() -> utoipa::openapi::PathItem {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder};
    use utoipa::openapi::{ResponseBuilder, ResponsesBuilder};
    let op = OperationBuilder::new()
        .summary(Some("This OpenAPI 3.1 document"))
        .tag("openapi")
        .responses(
            ResponsesBuilder::new()
                .response("200", ResponseBuilder::new().description("The document"))
                .build(),
        )
        .build();
    utoipa::openapi::PathItem::new(HttpMethod::Get, op)
}

async fn api_headers(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    // Console pages carry their own policy; everything else loads nothing and is framed nowhere.
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'",
        ));
    response
}

/// Serves the app on a bound listener until `shutdown` resolves; requests in flight finish first.
/// Also runs the expiry sweep (R-EXT-7) and, when SMTP is configured, the mail sender.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    smtp: Option<mail::SmtpConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = state.service.clone();
    let sweeper = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match service
                .operator("expiry sweep")
                .sweep_expired(rolehub_store::clock::system_now())
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "recorded expired grants (R-EXT-7)"),
                Err(e) => tracing::warn!(error = %e, "expiry sweep failed"),
            }
        }
    });
    let mailer = smtp.map(|config| tokio::spawn(mail::run_sender(state.service.clone(), config)));
    let job_runner = tokio::spawn(jobs::poll(state.service.clone()));
    let app = app(state);
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    sweeper.abort();
    job_runner.abort();
    if let Some(m) = mailer {
        m.abort();
    }
    result
}

/// A CSV file as a download (`Content-Disposition: attachment`).
pub fn csv_download(filename: &str, body: Vec<u8>) -> axum::response::Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// Answers a plain error (used by handlers outside the API routes).
pub fn not_found() -> axum::response::Response {
    error::ApiError::not_found(rolehub_domain::Text::new("page", "de pagina")).into_response()
}
