//! Keyset paging: `max` (clamped) and an opaque `after` cursor; a `Link: <…>; rel="next"` header
//! while more remains.

use axum::http::{HeaderMap, HeaderValue, Uri};

use crate::error::{ApiError, ApiResult};

/// The page size asked for, clamped to `[1, limit]`; `default` when not asked.
pub fn page_size(max: Option<i64>, default: i64, limit: i64) -> i64 {
    max.unwrap_or(default).clamp(1, limit)
}

/// Encodes a cursor (opaque to clients: hex of the key).
pub fn encode(key: &str) -> String {
    key.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Decodes a cursor.
pub fn decode(cursor: &Option<String>) -> ApiResult<Option<String>> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let bad = ApiError::bad_cursor;
    if !cursor.is_ascii() || cursor.len() % 2 != 0 || cursor.len() > 2000 {
        return Err(bad());
    }
    let bytes: Result<Vec<u8>, _> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&cursor[i..i + 2], 16))
        .collect();
    String::from_utf8(bytes.map_err(|_| bad())?)
        .map(Some)
        .map_err(|_| bad())
}

/// Adds `Link: <uri with after=cursor>; rel="next"`.
pub fn link_next(headers: &mut HeaderMap, uri: &Uri, cursor: &str) {
    link_next_with(headers, uri, "after", cursor);
}

/// Adds `Link: <uri with name=value>; rel="next"`, the request's other parameters kept (clients
/// such as the Webex SDK put back any parameter a next link leaves out).
pub fn link_next_with(headers: &mut HeaderMap, uri: &Uri, name: &str, value: &str) {
    let prefix = format!("{name}=");
    let mut query: Vec<String> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with(&prefix))
        .map(str::to_string)
        .collect();
    query.push(format!("{name}={value}"));
    let link = format!("<{}?{}>; rel=\"next\"", uri.path(), query.join("&"));
    if let Ok(v) = HeaderValue::from_str(&link) {
        headers.insert(axum::http::header::LINK, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        assert_eq!(
            decode(&Some(encode("ann@acme.example")))
                .unwrap()
                .as_deref(),
            Some("ann@acme.example")
        );
        assert!(decode(&Some("zz".into())).is_err());
        assert_eq!(page_size(Some(5000), 100, 1000), 1000);
        assert_eq!(page_size(None, 100, 1000), 100);
        assert_eq!(page_size(Some(0), 100, 1000), 1);
    }
}
