//! Request extractors whose failures speak the API's error shape: what is wrong and where.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorItem};

/// A JSON body; unknown fields are refused by the types that deny them.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let text = rejection.body_text();
    let (status, field) = match &rejection {
        JsonRejection::JsonSyntaxError(_) => (
            StatusCode::BAD_REQUEST,
            where_in(&text).unwrap_or_else(|| "body".into()),
        ),
        JsonRejection::JsonDataError(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            where_in(&text).unwrap_or_else(|| "body".into()),
        ),
        JsonRejection::MissingJsonContentType(_) => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type".into())
        }
        JsonRejection::BytesRejection(_) => (StatusCode::PAYLOAD_TOO_LARGE, "body".into()),
        _ => (StatusCode::BAD_REQUEST, "body".into()),
    };
    let message = match status {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "send the body as JSON with `Content-Type: application/json`".to_string()
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            "the JSON body is larger than this endpoint accepts".to_string()
        }
        _ => text
            .replace(
                "Failed to deserialize the JSON body into the target type: ",
                "",
            )
            .replace("Failed to parse the request body as JSON: ", ""),
    };
    ApiError::Plain {
        status,
        errors: vec![ErrorItem {
            description: message.clone(),
            rule_id: None,
            field: Some(field),
        }],
        message,
        retry_after: None,
    }
}

/// `line L, column C` from a serde message, where it says so.
fn where_in(text: &str) -> Option<String> {
    let at = text.rfind(" at line ")?;
    let rest = &text[at + 4..];
    Some(rest.replacen(" column", ", column", 1))
}

/// Query parameters.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    let text = rejection
        .body_text()
        .replace("Failed to deserialize query string: ", "");
    ApiError::bad_request("query", format!("the query string is not valid: {text}"))
}

/// Reads a comma-separated list parameter.
pub fn list(value: &Option<String>) -> Vec<String> {
    value
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
