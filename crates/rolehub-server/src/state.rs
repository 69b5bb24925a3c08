//! The server's shared state and settings.

use std::sync::Arc;
use std::time::Duration;

use rolehub_store::Service;

/// Settings of the HTTP server.
#[derive(Clone, Debug)]
pub struct Config {
    /// The address people reach the server at, when configured: absolute links (`Link` headers)
    /// are built on it; otherwise on the request's `Host` (and a trusted proxy's
    /// `X-Forwarded-Proto`).
    pub public_url: Option<String>,
    /// Largest JSON body, in bytes.
    pub json_limit: usize,
    /// Largest CSV upload, in bytes.
    pub csv_limit: usize,
    /// How long a request may take.
    pub request_timeout: Duration,
    /// How long a console session lives at most (the absolute time-out).
    pub session_ttl: Duration,
    /// How long a console session may go unused (the idle time-out).
    pub session_idle: Duration,
    /// Whether cookies get `Secure` (served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            public_url: None,
            json_limit: 64 * 1024,
            csv_limit: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            session_ttl: Duration::from_secs(12 * 3600),
            session_idle: Duration::from_secs(3600),
            secure_cookies: false,
            trusted_proxies: Vec::new(),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The service layer.
    pub service: Service,
    /// Settings.
    pub config: Arc<Config>,
    /// The OpenID Connect relying party, with its cache of providers' keys.
    pub sso: Arc<crate::sso::Sso>,
}

impl AppState {
    /// State over a service with settings.
    pub fn new(service: Service, config: Config) -> AppState {
        AppState {
            service,
            config: Arc::new(config),
            sso: Arc::new(crate::sso::Sso::new()),
        }
    }
}
