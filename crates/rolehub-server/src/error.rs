//! The API's one error shape and its one HTTP mapping.
//!
//! Handlers answer `ApiError`; the response middleware renders it as
//! `{"message", "errors": [{"description", "ruleId", "field"}], "trackingId"}` in the caller's
//! language, and also turns the framework's own error responses (unknown route, body too large,
//! time-out, …) into that shape, so no error ever leaves without it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rolehub_domain::{Lang, Text};
use rolehub_store::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

/// One problem of an error response.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorItem {
    /// What is wrong, for a person, in the caller's language (`Accept-Language`).
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
    /// What went wrong, in one sentence, in the caller's language (`Accept-Language`).
    pub message: String,
    /// The problems, one per rule, field or row.
    pub errors: Vec<ErrorItem>,
    /// The request's tracking id (also in the `TrackingID` header, the logs and the audit log).
    pub tracking_id: String,
}

/// One problem of an error, worded in every language until the reader's is known.
#[derive(Clone, Debug)]
pub struct Problem {
    /// What is wrong, for a person.
    pub description: Text,
    /// The rule that refuses, when a rule does.
    pub rule_id: Option<String>,
    /// The field (an API name, [`Text::same`]), or a place in a file or body, worded per language.
    pub field: Option<Text>,
}

impl Problem {
    /// A problem of a field named as the API names it (the same in every language).
    pub fn of_field(field: impl Into<String>, description: Text) -> Problem {
        Problem {
            description,
            rule_id: None,
            field: Some(Text::same(field)),
        }
    }

    /// The problem as the caller reads it.
    pub fn render(&self, lang: Lang) -> ErrorItem {
        ErrorItem {
            description: self.description.get(lang).to_string(),
            rule_id: self.rule_id.clone(),
            field: self.field.as_ref().map(|f| f.get(lang).to_string()),
        }
    }
}

/// An error a handler answers.
#[derive(Debug)]
pub enum ApiError {
    /// From the service layer, rendered in the caller's language.
    Service(ServiceError),
    /// Any other error, worded in every language and rendered in the caller's.
    Plain {
        /// The status.
        status: StatusCode,
        /// The message.
        message: Text,
        /// The problems.
        errors: Vec<Problem>,
        /// `Retry-After` seconds, for 429.
        retry_after: Option<u64>,
    },
}

impl ApiError {
    /// An error with a status and a message.
    pub fn new(status: StatusCode, message: Text) -> ApiError {
        ApiError::Plain {
            status,
            message,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// An error with a status and one problem, whose description is the message too.
    pub fn with_problem(status: StatusCode, problem: Problem) -> ApiError {
        ApiError::Plain {
            status,
            message: problem.description.clone(),
            errors: vec![problem],
            retry_after: None,
        }
    }

    /// 400 for a malformed request, naming the field (an API name, the same in every language).
    pub fn bad_request(field: impl Into<String>, message: Text) -> ApiError {
        ApiError::with_problem(StatusCode::BAD_REQUEST, Problem::of_field(field, message))
    }

    /// 400 for an `after` cursor that this API did not give out.
    pub fn bad_cursor() -> ApiError {
        ApiError::bad_request(
            "after",
            Text::new(
                "the `after` cursor is not one this API gave out",
                "de cursor “after” is niet door deze API gegeven",
            ),
        )
    }

    /// 401.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            Text::new(
                "sign in, or send a personal access token as `Authorization: Bearer <token>`",
                "meld u aan, of stuur een persoonlijk toegangstoken als “Authorization: Bearer <token>”",
            ),
        )
    }

    /// 404 for something the caller cannot see, named in each language (`person`, `de persoon`).
    pub fn not_found(what: Text) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            what.map(|lang, what| match lang {
                Lang::En => format!("{what} was not found"),
                Lang::Nl => format!("{what} is niet gevonden"),
            }),
        )
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
            } => (
                message.get(lang).to_string(),
                errors.iter().map(|p| p.render(lang)).collect(),
            ),
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
