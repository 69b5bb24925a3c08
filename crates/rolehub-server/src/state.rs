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
    /// How long a console session lives.
    pub session_ttl: Duration,
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
    /// CSV uploads between their preview and their application in the console.
    pub uploads: Arc<Uploads>,
}

/// A CSV upload kept between its preview and its application.
#[derive(Clone)]
pub struct Upload {
    /// Who uploaded it.
    pub person_id: String,
    /// The org it is for.
    pub org: String,
    /// The file.
    pub bytes: Vec<u8>,
    /// When.
    pub at: std::time::Instant,
}

/// Uploads awaiting application, for at most an hour.
#[derive(Default)]
pub struct Uploads(std::sync::Mutex<std::collections::HashMap<String, Upload>>);

impl Uploads {
    /// Keeps an upload; answers its id.
    pub fn put(&self, upload: Upload) -> String {
        let id = rolehub_store::service::new_id();
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, u| u.at.elapsed() < Duration::from_secs(3600));
        map.insert(id.clone(), upload);
        id
    }

    /// An upload of this person for this org.
    pub fn get(&self, id: &str, person_id: &str, org: &str) -> Option<Upload> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(id)
            .filter(|u| {
                u.person_id == person_id
                    && u.org == org
                    && u.at.elapsed() < Duration::from_secs(3600)
            })
            .cloned()
    }

    /// Forgets an upload once applied.
    pub fn remove(&self, id: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    }
}

impl AppState {
    /// State over a service with settings.
    pub fn new(service: Service, config: Config) -> AppState {
        AppState {
            service,
            config: Arc::new(config),
            uploads: Arc::new(Uploads::default()),
        }
    }
}
