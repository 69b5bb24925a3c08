//! Request extractors whose failures speak the API's error shape: what is wrong and where.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use rolehub_domain::{quoted, Text};

use crate::error::{ApiError, Problem};

/// A JSON body; unknown fields are refused by the types that deny them.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(json_rejection(JsonRejection::MissingJsonContentType(
                Default::default(),
            )));
        }
        let bytes = match axum::body::Bytes::from_request(req, state).await {
            Ok(bytes) => bytes,
            Err(rejection) => return Err(json_rejection(JsonRejection::BytesRejection(rejection))),
        };
        let value = match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => value,
            Err(rejection) => return Err(json_rejection(rejection)),
        };
        // No field takes the NUL character (PostgreSQL cannot store it in text): refuse it here,
        // naming where, rather than failing in the database.
        if bytes.windows(6).any(|w| w == b"\\u0000") {
            if let Ok(raw) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                if let Some(at) = nul_in(&raw, "body") {
                    return Err(rolehub_store::ServiceError::invalid(
                        at,
                        rolehub_store::Text::new(
                            "text may not contain the NUL character (\\u0000)",
                            "tekst mag het NUL-teken (\\u0000) niet bevatten",
                        ),
                    )
                    .into());
                }
            }
        }
        Ok(ApiJson(value))
    }
}

/// Whether the request says its body is JSON (`application/json` or `application/…+json`).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|m| {
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
}

/// Where a JSON value holds a string (or key) with the NUL character, as `body.field[2]`.
fn nul_in(value: &serde_json::Value, at: &str) -> Option<String> {
    match value {
        serde_json::Value::String(s) => s.contains('\0').then(|| at.to_string()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_in(v, &format!("{at}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(at.to_string())
            } else {
                nul_in(v, &format!("{at}.{k}"))
            }
        }),
        _ => None,
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let (status, frame) = match &rejection {
        JsonRejection::MissingJsonContentType(_) => {
            return ApiError::with_problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Problem::of_field(
                    "Content-Type",
                    Text::new(
                        "send the body as JSON with `Content-Type: application/json`",
                        "stuur de body als JSON met “Content-Type: application/json”",
                    ),
                ),
            );
        }
        JsonRejection::BytesRejection(_) => {
            return ApiError::with_problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                Problem::of_field(
                    "body",
                    Text::new(
                        "the JSON body is larger than this endpoint accepts",
                        "de JSON-body is groter dan dit endpoint accepteert",
                    ),
                ),
            );
        }
        JsonRejection::JsonSyntaxError(_) => {
            (StatusCode::BAD_REQUEST, "de body is geen geldige JSON")
        }
        JsonRejection::JsonDataError(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "de body past niet bij wat dit endpoint verwacht",
        ),
        _ => (StatusCode::BAD_REQUEST, "de body kan niet worden gelezen"),
    };
    // serde's own words stay as serde wrote them (they name the API's fields and values); the
    // frame around them and the place are worded per language.
    let detail = rejection
        .body_text()
        .replace(
            "Failed to deserialize the JSON body into the target type: ",
            "",
        )
        .replace("Failed to parse the request body as JSON: ", "");
    let (message, field) = match place_in(&detail) {
        Some((what, line, column)) => (
            Text::new(
                detail.clone(),
                format!(
                    "{frame} (regel {line}, kolom {column}): {}",
                    our_words_in_dutch(what)
                ),
            ),
            Text::new(
                format!("line {line}, column {column}"),
                format!("regel {line}, kolom {column}"),
            ),
        ),
        None => (
            Text::new(
                detail.clone(),
                format!("{frame}: {}", our_words_in_dutch(&detail)),
            ),
            Text::same("body"),
        ),
    };
    ApiError::with_problem(
        status,
        Problem {
            description: message,
            rule_id: None,
            field: Some(field),
        },
    )
}

/// Our own words inside serde's messages (from the readers below), in English and Dutch: a
/// Dutch reader gets them in Dutch, while serde's own words stay as serde wrote them.
const NULL_KEEPS: (&str, &str) = (
    "null is not a value here: leave the field out to keep it",
    "null is hier geen waarde: laat het veld weg om de waarde te houden",
);
/// After the number, in backticks as serde's own messages quote values.
const NOT_WHOLE: (&str, &str) = (" is not a whole number", " is geen geheel getal");

/// A serde message with our own words in it put in Dutch (a value quoted with “…”).
fn our_words_in_dutch(text: &str) -> String {
    let text = text.replace(NULL_KEEPS.0, NULL_KEEPS.1);
    let Some(end) = text.find(&format!("`{}", NOT_WHOLE.0)) else {
        return text;
    };
    let Some(start) = text[..end].rfind('`') else {
        return text;
    };
    format!(
        "{}{}{}{}",
        &text[..start],
        quoted(&text[start + 1..end]),
        NOT_WHOLE.1,
        &text[end + 1 + NOT_WHOLE.0.len()..]
    )
}

/// A serde message without its `at line L column C`.
pub(crate) fn without_place(text: &str) -> &str {
    text.rfind(" at line ").map_or(text, |at| &text[..at])
}

/// What a serde message says and where: `(what, line, column)` from `… at line L column C`.
fn place_in(text: &str) -> Option<(&str, u64, u64)> {
    let at = text.rfind(" at line ")?;
    let (line, column) = text[at + " at line ".len()..].split_once(" column ")?;
    Some((&text[..at], line.parse().ok()?, column.parse().ok()?))
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
    ApiError::bad_request(
        "query",
        Text::new(
            format!("the query string is not valid: {text}"),
            format!("de querystring is niet geldig: {text}"),
        ),
    )
}

/// Reads an `after` cursor: only ever hex digits as this API gives them out (anything else is a 400,
/// and never reaches [`crate::paging::decode`], which slices by byte), never decoding to a NUL
/// character (which PostgreSQL cannot compare). An empty cursor (`after=`) is never given out either.
pub fn cursor(after: &Option<String>) -> Result<Option<String>, ApiError> {
    let bad = ApiError::bad_cursor;
    if after
        .as_deref()
        .is_some_and(|c| c.is_empty() || !c.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(bad());
    }
    match crate::paging::decode(after)? {
        Some(key) if key.contains('\0') => Err(bad()),
        key => Ok(key),
    }
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

/// Reads an optional whole number that a client may have written as `2.0`: JSON has one kind of
/// number, and the OpenAPI document's `integer` admits both spellings.
pub fn whole_number<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Some(n) = number.as_i64() {
        return Ok(Some(n));
    }
    match number.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        _ => Err(serde::de::Error::custom(format!(
            "`{number}`{}",
            NOT_WHOLE.0
        ))),
    }
}

/// A whole number that, when its field is sent at all, is a number: `null` is refused (leaving the
/// field out keeps the value), as the OpenAPI document's `integer` says.
pub fn present_whole_number<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    match whole_number(deserializer)? {
        Some(n) => Ok(Some(n)),
        None => Err(serde::de::Error::custom(NULL_KEEPS.0)),
    }
}

/// A list that, when its field is sent at all, is a list: `null` is refused (leaving the field out
/// keeps the value).
pub fn present_list<'de, D>(deserializer: D) -> Result<Option<Vec<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    match Option::<Vec<String>>::deserialize(deserializer)? {
        Some(list) => Ok(Some(list)),
        None => Err(serde::de::Error::custom(NULL_KEEPS.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::cursor;

    #[test]
    fn a_sent_setting_is_never_null() {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct S {
            #[serde(default, deserialize_with = "super::present_whole_number")]
            days: Option<i64>,
            #[serde(default, deserialize_with = "super::present_list")]
            fields: Option<Vec<String>>,
        }
        let s: S = serde_json::from_str(r#"{"days": 3.0}"#).unwrap();
        assert_eq!((s.days, s.fields), (Some(3), None));
        assert!(serde_json::from_str::<S>(r#"{"days": null}"#).is_err());
        assert!(serde_json::from_str::<S>(r#"{"fields": null}"#).is_err());
    }

    #[test]
    fn serde_places_are_read_off_its_messages() {
        let text = "roleId: expected value at line 4 column 1";
        assert_eq!(
            super::place_in(text),
            Some(("roleId: expected value", 4, 1))
        );
        assert_eq!(super::without_place(text), "roleId: expected value");
        assert_eq!(super::place_in("no place here"), None);
        assert_eq!(super::without_place("no place here"), "no place here");
    }

    #[test]
    fn our_own_words_in_serde_messages_read_in_dutch() {
        #[derive(Debug, serde::Deserialize)]
        struct S {
            #[serde(default, deserialize_with = "super::present_whole_number")]
            _days: Option<i64>,
        }
        for (body, dutch) in [
            (r#"{"_days": 2.5}"#, "“2.5” is geen geheel getal"),
            (
                r#"{"_days": null}"#,
                "null is hier geen waarde: laat het veld weg om de waarde te houden",
            ),
        ] {
            let english = serde_json::from_str::<S>(body).unwrap_err().to_string();
            let english = super::without_place(&english);
            assert_eq!(super::our_words_in_dutch(english), dutch, "{english}");
        }
        assert_eq!(
            super::our_words_in_dutch("unknown field `rank`"),
            "unknown field `rank`"
        );
    }

    #[test]
    fn cursors_are_only_the_ones_given_out() {
        assert_eq!(cursor(&None).unwrap(), None);
        assert_eq!(
            cursor(&Some("6162".into())).unwrap(),
            Some("ab".to_string())
        );
        for bad in ["", "6", "zz", "00", "6g"] {
            assert!(cursor(&Some(bad.into())).is_err(), "{bad:?} was taken");
        }
    }
}
