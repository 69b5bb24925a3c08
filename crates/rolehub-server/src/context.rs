//! What every request carries: a tracking id, the caller's language and address; and the
//! middleware that sets them, logs the request and renders every error in the one error shape.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rolehub_domain::{Lang, Text};
use tracing::Instrument;

use crate::error::{ApiError, PendingError};

/// Facts about the request, available to every handler.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    /// The tracking id (the client's `TrackingID` when it sent a sane one).
    pub tracking_id: String,
    /// The language of messages (`Accept-Language`).
    pub lang: Lang,
    /// The client's address: the peer's, or — behind a trusted proxy — the first address in
    /// `X-Forwarded-For` that is not a trusted proxy.
    pub client_addr: Option<String>,
    /// The scheme and host clients reach the server at (`https://rolehub.example.com`), for
    /// absolute links: the configured public URL, else the request's `Host`.
    pub base_url: String,
}

/// Makes the `Link` header's targets absolute on the address clients reach the server at: clients
/// such as the Webex SDK follow only absolute next-page URLs. Routes write them from the path.
pub fn absolute_links(headers: &mut axum::http::HeaderMap, base_url: &str) {
    let Some(link) = headers
        .get(header::LINK)
        .and_then(|v| v.to_str().ok())
        .filter(|l| l.starts_with("</"))
    else {
        return;
    };
    let absolute = format!("<{base_url}{}", &link[1..]);
    if let Ok(v) = HeaderValue::from_str(&absolute) {
        headers.insert(header::LINK, v);
    }
}

/// The client's address: walking `X-Forwarded-For` from the right (the hop nearest to us) while
/// the hop is a trusted proxy; the first untrusted address is the client's.
pub fn client_address(
    peer: Option<std::net::IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[std::net::IpAddr],
) -> Option<std::net::IpAddr> {
    let mut client = peer?;
    if !trusted.contains(&client) {
        return Some(client);
    }
    if let Some(list) = forwarded_for {
        for hop in list.rsplit(',').map(str::trim) {
            match hop.parse::<std::net::IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !trusted.contains(&ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    }
    Some(client)
}

fn sane_tracking_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 100
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

/// Sets the request's facts, logs it, and renders errors.
pub async fn request_context(
    axum::extract::State(config): axum::extract::State<std::sync::Arc<crate::Config>>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let tracking_id = req
        .headers()
        .get("trackingid")
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane_tracking_id(v))
        .map(str::to_string)
        .unwrap_or_else(|| format!("ROLEHUB_{}", rolehub_store::service::new_id()));
    let lang = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let headers = req.headers();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (forwarded_for, forwarded_proto, host) = (
        header("x-forwarded-for"),
        header("x-forwarded-proto"),
        header("host"),
    );
    let behind_proxy = peer.is_some_and(|p| config.trusted_proxies.contains(&p));
    let client_addr = client_address(peer, forwarded_for.as_deref(), &config.trusted_proxies)
        .map(|ip| ip.to_string());
    let base_url = match &config.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let proto = forwarded_proto
                .filter(|p| behind_proxy && (p == "https" || p == "http"))
                .unwrap_or_else(|| "http".into());
            let host = host
                .filter(|h| {
                    !h.is_empty()
                        && h.chars()
                            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
                })
                .unwrap_or_else(|| "localhost".into());
            format!("{proto}://{host}")
        }
    };
    let info = RequestInfo {
        tracking_id: tracking_id.clone(),
        lang,
        client_addr,
        base_url: base_url.clone(),
    };
    req.extensions_mut().insert(info);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let span = tracing::info_span!("request", tracking_id = %tracking_id, %method, %path);
    // No id, filter or name contains the NUL character (PostgreSQL cannot even compare text with
    // it): a path or query holding `%00` is malformed, whatever the route.
    let nul = |s: &str| s.as_bytes().windows(3).any(|w| w == b"%00");
    let nul_at = if nul(&path) {
        Some("path")
    } else if req.uri().query().is_some_and(nul) {
        Some("query")
    } else {
        None
    };
    let mut response = match nul_at {
        Some(at) => ApiError::bad_request(
            at,
            Text::new(
                "the request contains the NUL character (%00)",
                "het verzoek bevat het NUL-teken (%00)",
            ),
        )
        .into_response(),
        None => next.run(req).instrument(span.clone()).await,
    };

    let status = response.status();
    if let Some(PendingError(error)) = response.extensions_mut().remove::<PendingError>() {
        response = render(status, &error, lang, &tracking_id, response);
    } else if status.is_client_error() || status.is_server_error() {
        let is_json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.starts_with("application/json") || v.starts_with("application/scim+json")
            });
        let is_page = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        // The console answers its own readable error pages, SCIM its own error messages;
        // everything else gets the API's shape.
        if !is_json && !is_page {
            let error = ApiError::new(status, default_message(status));
            response = render(status, &error, lang, &tracking_id, response);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&tracking_id) {
        response.headers_mut().insert("trackingid", v);
    }
    absolute_links(response.headers_mut(), &base_url);
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "served"
        );
    });
    response
}

fn render(
    status: StatusCode,
    error: &ApiError,
    lang: Lang,
    tracking_id: &str,
    original: Response,
) -> Response {
    let body = error.body(lang, tracking_id);
    let mut response = (status, axum::Json(body)).into_response();
    // Every header the original answer carried (security headers, `Retry-After`, `Allow`, …)
    // but those of its body.
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    response
}

/// The message of the framework's own error answers (no route, body too large, time-out, a
/// panic's 500, …).
pub(crate) fn default_message(status: StatusCode) -> Text {
    match status {
        StatusCode::NOT_FOUND => Text::new(
            "no such resource; see /v1/openapi.json for the API's routes",
            "deze resource bestaat niet; zie /v1/openapi.json voor de routes van de API",
        ),
        StatusCode::METHOD_NOT_ALLOWED => Text::new(
            "this method is not allowed on this resource",
            "deze methode is niet toegestaan op deze resource",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => Text::new(
            "the request body is larger than this endpoint accepts",
            "de body van het verzoek is groter dan dit endpoint accepteert",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Text::new(
            "the request body has a content type this endpoint does not accept",
            "de body van het verzoek heeft een contenttype dat dit endpoint niet accepteert",
        ),
        StatusCode::REQUEST_TIMEOUT => Text::new(
            "the request took too long and was stopped; nothing was changed",
            "het verzoek duurde te lang en is gestopt; er is niets gewijzigd",
        ),
        StatusCode::INTERNAL_SERVER_ERROR => Text::new(
            "something went wrong on our side; the tracking id helps us find it",
            "er ging aan onze kant iets mis; met het tracking-id kunnen we het terugvinden",
        ),
        other => {
            let reason = other.canonical_reason().unwrap_or("error");
            let nl = match other.as_u16() {
                400 => "ongeldig verzoek",
                401 => "niet aangemeld",
                403 => "niet toegestaan",
                409 => "conflict",
                422 => "het verzoek kan niet worden verwerkt",
                429 => "te veel verzoeken; probeer het zo opnieuw",
                502..=504 => "de dienst is op dit moment niet beschikbaar; probeer het zo opnieuw",
                _ => "er ging iets mis",
            };
            Text::new(reason, nl)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_page_links_are_made_absolute_once() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            header::LINK,
            HeaderValue::from_static("</v1/people?max=2&after=61>; rel=\"next\""),
        );
        absolute_links(&mut headers, "https://rolehub.example.com");
        assert_eq!(
            headers[header::LINK],
            "<https://rolehub.example.com/v1/people?max=2&after=61>; rel=\"next\""
        );
        // An absolute link stays as it is.
        absolute_links(&mut headers, "http://elsewhere");
        assert!(headers[header::LINK]
            .to_str()
            .unwrap()
            .starts_with("<https://rolehub.example.com/"));
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxy: std::net::IpAddr = "10.0.0.1"
            .parse()
            .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
        let client: std::net::IpAddr = "203.0.113.7".parse().unwrap_or(proxy);
        let trusted = [proxy];
        // Not behind a trusted proxy: the header is the client's to invent, and ignored.
        assert_eq!(
            client_address(Some(client), Some("198.51.100.1"), &trusted),
            Some(client)
        );
        // Behind the proxy: the nearest untrusted hop.
        assert_eq!(
            client_address(Some(proxy), Some("198.51.100.1, 203.0.113.7"), &trusted),
            Some(client)
        );
        assert_eq!(
            client_address(Some(proxy), Some("203.0.113.7, 10.0.0.1"), &trusted),
            Some(client)
        );
        assert_eq!(client_address(Some(proxy), None, &trusted), Some(proxy));
    }
}
