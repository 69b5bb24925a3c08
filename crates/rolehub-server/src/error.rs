//! The API's one error shape and its one HTTP mapping.
//!
//! Handlers answer `ApiError`; the response middleware renders it as
//! `{"message", "errors": [{"description", "ruleId", "field"}], "trackingId"}` in the caller's
//! language, and also turns the framework's own error responses (unknown route, body too large,
//! time-out, …) into that shape, so no error ever leaves without it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rolehub_domain::Lang;
use rolehub_store::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

/// One problem of an error response.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorItem {
    /// What is wrong, for a person.
    pub description: String,
    /// The rule that refuses, when a rule does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    /// The field (an API name, the same in every language), or a place in a file or body in the
    /// caller's language: `row N, column C` (N the data row, from 1: the header is not counted),
    /// `line L, column C`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The body of every error response.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// What went wrong, in one sentence.
    pub message: String,
    /// The problems, one per rule, field or row.
    pub errors: Vec<ErrorItem>,
    /// The request's tracking id (also in the `TrackingID` header, the logs and the audit log).
    pub tracking_id: String,
}

/// An error a handler answers.
#[derive(Debug)]
pub enum ApiError {
    /// From the service layer, rendered in the caller's language.
    Service(ServiceError),
    /// Any other error, already worded.
    Plain {
        /// The status.
        status: StatusCode,
        /// The message.
        message: String,
        /// The problems.
        errors: Vec<ErrorItem>,
        /// `Retry-After` seconds, for 429.
        retry_after: Option<u64>,
    },
}

impl ApiError {
    /// An error with a status and a message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError::Plain {
            status,
            message: message.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// 400 for a malformed request, naming where.
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError::Plain {
            status: StatusCode::BAD_REQUEST,
            errors: vec![ErrorItem {
                description: message.clone(),
                rule_id: None,
                field: Some(field.into()),
            }],
            message,
            retry_after: None,
        }
    }

    /// 401.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sign in, or send a personal access token as `Authorization: Bearer <token>`",
        )
    }

    /// 404 for something the caller cannot see.
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, format!("{what} was not found"))
    }

    /// The status of this error: for service errors, the one status of their kind
    /// ([`rolehub_store::ErrorKind::http_status`]).
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Plain { status, .. } => *status,
            ApiError::Service(e) => StatusCode::from_u16(e.kind().http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// The body, in a language, with a tracking id.
    pub fn body(&self, lang: Lang, tracking_id: &str) -> ErrorBody {
        let (message, errors) = match self {
            ApiError::Plain {
                message, errors, ..
            } => (message.clone(), errors.clone()),
            ApiError::Service(e) => match e {
                ServiceError::Refused(r) => {
                    let m = r.message(lang);
                    let mut items = vec![ErrorItem {
                        description: m.clone(),
                        rule_id: Some(r.rule.id().into()),
                        field: None,
                    }];
                    if let Some(also) = r.also {
                        items.push(ErrorItem {
                            description: also.summary(lang).into(),
                            rule_id: Some(also.id().into()),
                            field: None,
                        });
                    }
                    (m, items)
                }
                ServiceError::Invalid { field, message } => (
                    e.message(lang),
                    vec![ErrorItem {
                        description: message.get(lang).to_string(),
                        rule_id: None,
                        field: Some(field.get(lang).to_string()),
                    }],
                ),
                ServiceError::Internal(_) | ServiceError::Unavailable(_) => {
                    tracing::error!(error = %e, "the service failed");
                    (e.message(lang), Vec::new())
                }
                other => (other.message(lang), Vec::new()),
            },
        };
        let errors = if errors.is_empty() {
            vec![ErrorItem {
                description: message.clone(),
                rule_id: None,
                field: None,
            }]
        } else {
            errors
        };
        ErrorBody {
            message,
            errors,
            tracking_id: tracking_id.to_string(),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError::Service(e)
    }
}

/// The rendered error travels in the response's extensions to the middleware, which knows the
/// language and the tracking id.
#[derive(Clone)]
pub struct PendingError(pub std::sync::Arc<ApiError>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = match &self {
            ApiError::Plain { retry_after, .. } => *retry_after,
            ApiError::Service(e) => e.retry_after(),
        };
        let mut response = status.into_response();
        if let Some(seconds) = retry_after {
            if let Ok(v) = seconds.to_string().parse() {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        response
            .extensions_mut()
            .insert(PendingError(std::sync::Arc::new(self)));
        response
    }
}

/// The result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
