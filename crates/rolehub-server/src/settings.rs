//! Every setting of Rolehub in one place: its key, its environment variable, its default and what
//! it does — and the layering that decides its value: defaults, then a TOML file (`--config PATH`
//! or `ROLEHUB_CONFIG`), then `ROLEHUB_*` variables, then command-line flags. An unknown key or a
//! bad value is refused naming the key and where it came from; secrets never show in `Debug` or
//! in `rolehub config show`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What kind of value a setting takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Any text.
    Text,
    /// A database URL (`sqlite://…`, `postgres://…`).
    DatabaseUrl,
    /// `HOST:PORT`.
    Address,
    /// An `http://` or `https://` URL, or empty.
    HttpUrl,
    /// A whole number within bounds.
    Number {
        /// Smallest.
        min: u64,
        /// Largest.
        max: u64,
    },
    /// `true` or `false`.
    Bool,
    /// A comma-separated list (an array in TOML).
    List,
    /// One of a few words.
    Choice(&'static [&'static str]),
}

/// One setting.
#[derive(Clone, Copy, Debug)]
pub struct Def {
    /// `section.name`, as in the TOML file.
    pub key: &'static str,
    /// Its environment variable.
    pub env: &'static str,
    /// Its command-line flag, where it has one of its own (all take `--set KEY=VALUE`).
    pub flag: Option<&'static str>,
    /// Its default.
    pub default: &'static str,
    /// The values it takes.
    pub kind: Kind,
    /// Whether it is a secret (never shown).
    pub secret: bool,
    /// What it does.
    pub doc: &'static str,
}

const fn def(
    key: &'static str,
    env: &'static str,
    flag: Option<&'static str>,
    default: &'static str,
    kind: Kind,
    doc: &'static str,
) -> Def {
    Def {
        key,
        env,
        flag,
        default,
        kind,
        secret: false,
        doc,
    }
}

const fn secret(def: Def) -> Def {
    Def {
        secret: true,
        ..def
    }
}

/// Every setting, in the order the documentation lists them.
pub const SETTINGS: &[Def] = &[
    def("database.url", "ROLEHUB_DB", Some("--db"), "sqlite://rolehub.db", Kind::DatabaseUrl,
        "The database: `sqlite://PATH` (created when missing) or `postgres://USER@HOST:PORT/DB`."),
    def("database.max_connections", "ROLEHUB_DB_MAX_CONNECTIONS", None, "0", Kind::Number { min: 0, max: 1000 },
        "Connections in the pool at most; 0 chooses (4 for SQLite, 10 for PostgreSQL)."),
    def("database.acquire_timeout_secs", "ROLEHUB_DB_ACQUIRE_TIMEOUT", None, "30", Kind::Number { min: 1, max: 600 },
        "Seconds a request waits for a free connection before it is answered busy."),
    def("server.listen", "ROLEHUB_LISTEN", Some("--listen"), "127.0.0.1:8080", Kind::Address,
        "The address the server listens on (`HOST:PORT`; port 0 picks a free one)."),
    def("server.public_url", "ROLEHUB_PUBLIC_URL", Some("--public-url"), "", Kind::HttpUrl,
        "The address people reach the server at, for links in mail and in `Link` headers; empty: the listening address. An `https://` address makes cookies `Secure`."),
    def("server.request_timeout_secs", "ROLEHUB_REQUEST_TIMEOUT", Some("--request-timeout"), "60", Kind::Number { min: 1, max: 3600 },
        "Seconds a request may take before it is stopped (long imports run as jobs)."),
    def("server.json_limit_bytes", "ROLEHUB_JSON_LIMIT", Some("--json-limit"), "65536", Kind::Number { min: 1024, max: 16_777_216 },
        "The largest JSON request body."),
    def("server.csv_limit_bytes", "ROLEHUB_CSV_LIMIT", Some("--csv-limit"), "33554432", Kind::Number { min: 1024, max: 1_073_741_824 },
        "The largest CSV upload."),
    def("server.secure_cookies", "ROLEHUB_SECURE_COOKIES", Some("--secure-cookies"), "false", Kind::Bool,
        "Mark cookies `Secure` even when the public URL is not `https://` (behind a TLS proxy that forwards plain HTTP)."),
    def("server.trusted_proxies", "ROLEHUB_TRUSTED_PROXIES", None, "", Kind::List,
        "Addresses of proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed (comma-separated IP addresses)."),
    def("uploads.max_rows", "ROLEHUB_UPLOAD_MAX_ROWS", None, "200000", Kind::Number { min: 1, max: 10_000_000 },
        "The most data rows a modify-users CSV file may have; larger files are refused before any row is checked."),
    def("uploads.inline_rows", "ROLEHUB_UPLOAD_INLINE_ROWS", None, "2000", Kind::Number { min: 0, max: 10_000_000 },
        "Files with more rows than this are applied by a job: the API answers 202 with the job to poll, the console shows its progress."),
    def("uploads.keep_minutes", "ROLEHUB_UPLOAD_KEEP_MINUTES", None, "60", Kind::Number { min: 1, max: 10_080 },
        "Minutes a previewed upload can be applied, and an upload's row results read."),
    def("uploads.per_person", "ROLEHUB_UPLOAD_PER_PERSON", None, "5", Kind::Number { min: 1, max: 100 },
        "Uploads one person keeps at once (in the database); a new one drops their oldest."),
    def("sessions.ttl_hours", "ROLEHUB_SESSION_TTL_HOURS", None, "12", Kind::Number { min: 1, max: 720 },
        "Hours a console session lives at most (the absolute time-out), however much it is used."),
    def("sessions.idle_minutes", "ROLEHUB_SESSION_IDLE_MINUTES", None, "60", Kind::Number { min: 1, max: 43_200 },
        "Minutes a console session may go unused before it ends (the idle time-out)."),
    def("cache.orgs", "ROLEHUB_CACHE_ORGS", None, "1000", Kind::Number { min: 0, max: 1_000_000 },
        "Orgs whose loaded state (the org and the holders of its roles) each server keeps in memory for reads, checked against the org's version on every read; past it the least recently used goes. 0 keeps none."),
    def("sign_in.hash_workers", "ROLEHUB_HASH_WORKERS", None, "0", Kind::Number { min: 0, max: 64 },
        "Password hashes computed at once; 0: one per CPU. Each takes 19 MiB while it runs."),
    def("sign_in.hash_queue", "ROLEHUB_HASH_QUEUE", None, "16", Kind::Number { min: 1, max: 10_000 },
        "Password checks that may wait for a hashing thread; more are answered 429 at once."),
    def("mail.smtp", "ROLEHUB_SMTP", Some("--smtp"), "", Kind::Text,
        "An SMTP relay `HOST[:PORT]` for invitation mail (plain SMTP, such as a local relay); empty: mail stays in the outbox (`rolehub mail list`)."),
    secret(def("mail.smtp_login", "ROLEHUB_SMTP_LOGIN", Some("--smtp-login"), "", Kind::Text,
        "The SMTP login, `USER:PASSWORD`.")),
    def("mail.from", "ROLEHUB_MAIL_FROM", Some("--mail-from"), "Rolehub <rolehub@localhost>", Kind::Text,
        "The sender of invitation mail."),
    def("audit.checkpoint_file", "ROLEHUB_AUDIT_CHECKPOINT_FILE", None, "", Kind::Text,
        "A file the server appends signed checkpoints of every org's audit head to (a JSON line each, when the head moved); ship it off the machine. Empty: no checkpoints. See docs/security.md."),
    def("audit.checkpoint_key_file", "ROLEHUB_AUDIT_CHECKPOINT_KEY_FILE", None, "", Kind::Text,
        "A file holding the key checkpoints are signed with (HMAC-SHA256, at least 32 bytes, e.g. `openssl rand -hex 32`); keep it where the database's users cannot read it."),
    def("audit.checkpoint_interval_secs", "ROLEHUB_AUDIT_CHECKPOINT_INTERVAL", None, "300", Kind::Number { min: 1, max: 86_400 },
        "Seconds between checkpoints."),
    def("log.filter", "ROLEHUB_LOG", None, "info,sqlx=warn", Kind::Text,
        "What the server logs, as a tracing filter (`info`, `debug`, `info,rolehub_server=debug`, …)."),
    def("log.format", "ROLEHUB_LOG_FORMAT", Some("--log-format"), "plain", Kind::Choice(&["plain", "json"]),
        "How the server writes its log to standard error: `plain` lines (coloured only on a terminal), or `json`, one object a line, for log shippers."),
];

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The built-in default.
    Default,
    /// A TOML file.
    File(PathBuf),
    /// An environment variable.
    Env(String),
    /// A command-line flag.
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(path) => write!(f, "file {}", path.display()),
            Source::Env(var) => write!(f, "environment {var}"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// A setting that could not be taken: which, from where, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("setting `{key}` from {origin}: {message}")]
pub struct SettingsError {
    /// The key.
    pub key: String,
    /// Where it came from.
    pub origin: Source,
    /// What is wrong.
    pub message: String,
}

/// The settings as raw text values with their sources, before they are read into [`Settings`].
#[derive(Clone, Debug)]
pub struct Layers {
    values: BTreeMap<&'static str, (String, Source)>,
}

fn find(key: &str) -> Option<&'static Def> {
    SETTINGS.iter().find(|d| d.key == key)
}

/// The keys of the table, for "did you mean" hints.
fn unknown_key(key: &str, source: Source) -> SettingsError {
    let near = SETTINGS
        .iter()
        .map(|d| d.key)
        .min_by_key(|k| strsim_distance(k, key))
        .filter(|k| strsim_distance(k, key) <= 3)
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_else(|| "; `rolehub config show` lists every setting".to_string());
    SettingsError {
        key: key.to_string(),
        origin: source,
        message: format!("this is not a setting{near}"),
    }
}

/// Levenshtein distance, for hints.
fn strsim_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

impl Default for Layers {
    fn default() -> Self {
        Layers {
            values: SETTINGS
                .iter()
                .map(|d| (d.key, (d.default.to_string(), Source::Default)))
                .collect(),
        }
    }
}

impl Layers {
    /// Sets one value from a source, checking the key and the value's kind.
    pub fn set(&mut self, key: &str, value: &str, source: Source) -> Result<(), SettingsError> {
        let Some(def) = find(key) else {
            return Err(unknown_key(key, source));
        };
        check(def, value).map_err(|message| SettingsError {
            key: def.key.to_string(),
            origin: source.clone(),
            message,
        })?;
        self.values
            .insert(def.key, (value.trim().to_string(), source));
        Ok(())
    }

    /// Lays a TOML file over the values.
    pub fn file(&mut self, path: &Path) -> Result<(), SettingsError> {
        let source = Source::File(path.to_path_buf());
        let text = std::fs::read_to_string(path).map_err(|e| SettingsError {
            key: "(file)".into(),
            origin: source.clone(),
            message: format!("cannot be read: {e}"),
        })?;
        self.toml(&text, source)
    }

    /// Lays TOML text over the values.
    pub fn toml(&mut self, text: &str, source: Source) -> Result<(), SettingsError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| SettingsError {
            key: "(file)".into(),
            origin: source.clone(),
            message: format!("is not TOML: {}", e.message()),
        })?;
        for (section, value) in &table {
            let toml::Value::Table(entries) = value else {
                return Err(unknown_key(section, source.clone()));
            };
            for (name, value) in entries {
                let key = format!("{section}.{name}");
                let text = match value {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(n) => n.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    toml::Value::Array(items) => items
                        .iter()
                        .map(|i| match i {
                            toml::Value::String(s) => s.clone(),
                            toml::Value::Integer(n) => n.to_string(),
                            other => format!("({})", other.type_str()),
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                    other => {
                        return Err(SettingsError {
                            key,
                            origin: source.clone(),
                            message: format!(
                                "a {} is not a value this setting takes",
                                other.type_str()
                            ),
                        })
                    }
                };
                self.set(&key, &text, source.clone())?;
            }
        }
        Ok(())
    }

    /// Lays the `ROLEHUB_*` environment variables over the values. A `ROLEHUB_` variable that
    /// names no setting is an error (but `ROLEHUB_CONFIG`, which names the file, and
    /// `ROLEHUB_TEST_*`, which the test suite reads).
    pub fn env(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), SettingsError> {
        for (name, value) in vars {
            if !name.starts_with("ROLEHUB_")
                || name == "ROLEHUB_CONFIG"
                || name.starts_with("ROLEHUB_TEST_")
            {
                continue;
            }
            match SETTINGS.iter().find(|d| d.env == name) {
                Some(def) => self.set(def.key, &value, Source::Env(def.env.to_string()))?,
                None => {
                    let near = SETTINGS
                        .iter()
                        .map(|d| d.env)
                        .min_by_key(|e| strsim_distance(e, &name))
                        .filter(|e| strsim_distance(e, &name) <= 3)
                        .map(|e| format!("; did you mean `{e}`?"))
                        .unwrap_or_default();
                    return Err(SettingsError {
                        key: name.clone(),
                        origin: Source::Env(name.clone()),
                        message: format!("this variable names no setting{near}"),
                    });
                }
            }
        }
        Ok(())
    }

    /// The effective values: (setting, value as shown, source); secrets are never shown.
    pub fn show(&self) -> Vec<(&'static Def, String, Source)> {
        SETTINGS
            .iter()
            .map(|d| {
                let (value, source) = self
                    .values
                    .get(d.key)
                    .cloned()
                    .unwrap_or((d.default.to_string(), Source::Default));
                let shown = if d.secret && !value.is_empty() {
                    "(set, not shown)".to_string()
                } else {
                    value
                };
                (d, shown, source)
            })
            .collect()
    }

    fn get(&self, key: &str) -> &str {
        self.values.get(key).map_or("", |(v, _)| v.as_str())
    }

    fn number(&self, key: &str) -> u64 {
        self.get(key).parse().unwrap_or(0)
    }

    /// Reads the values into the settings.
    pub fn settings(&self) -> Settings {
        let text = |key: &str| Some(self.get(key).to_string()).filter(|v| !v.is_empty());
        Settings {
            database_url: self.get("database.url").to_string(),
            max_connections: self.number("database.max_connections") as u32,
            acquire_timeout: Duration::from_secs(self.number("database.acquire_timeout_secs")),
            listen: self.get("server.listen").to_string(),
            public_url: text("server.public_url"),
            request_timeout: Duration::from_secs(self.number("server.request_timeout_secs")),
            json_limit: self.number("server.json_limit_bytes") as usize,
            csv_limit: self.number("server.csv_limit_bytes") as usize,
            secure_cookies: self.get("server.secure_cookies") == "true",
            trusted_proxies: self
                .get("server.trusted_proxies")
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .filter_map(|s| s.parse().ok())
                .collect(),
            session_ttl: Duration::from_secs(self.number("sessions.ttl_hours") * 3600),
            session_idle: Duration::from_secs(self.number("sessions.idle_minutes") * 60),
            cached_orgs: self.number("cache.orgs") as usize,
            hash_workers: self.number("sign_in.hash_workers") as usize,
            hash_queue: self.number("sign_in.hash_queue") as usize,
            uploads: rolehub_store::service::UploadLimits {
                max_rows: self.number("uploads.max_rows") as usize,
                inline_rows: self.number("uploads.inline_rows") as usize,
                keep: Duration::from_secs(self.number("uploads.keep_minutes") * 60),
                per_person: self.number("uploads.per_person") as usize,
            },
            smtp: text("mail.smtp"),
            smtp_login: text("mail.smtp_login").map(Secret),
            mail_from: self.get("mail.from").to_string(),
            log_filter: self.get("log.filter").to_string(),
            log_json: self.get("log.format") == "json",
            checkpoint_file: text("audit.checkpoint_file").map(PathBuf::from),
            checkpoint_key_file: text("audit.checkpoint_key_file").map(PathBuf::from),
            checkpoint_interval: Duration::from_secs(self.number("audit.checkpoint_interval_secs")),
        }
    }
}

/// Checks a value against its setting's kind; the error says what the setting takes.
fn check(def: &Def, value: &str) -> Result<(), String> {
    let value = value.trim();
    match def.kind {
        Kind::Text => Ok(()),
        Kind::DatabaseUrl => rolehub_store::Backend::of_url(value)
            .map(|_| ())
            .map_err(|_| format!("`{value}` is not a database URL; use `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`")),
        Kind::Address => value
            .parse::<SocketAddr>()
            .map(|_| ())
            .or_else(|_| match value.rsplit_once(':') {
                Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(()),
                _ => Err(format!("`{value}` is not an address; write HOST:PORT, such as 127.0.0.1:8080")),
            }),
        Kind::HttpUrl => {
            if value.is_empty() || value.starts_with("http://") || value.starts_with("https://") {
                Ok(())
            } else {
                Err(format!("`{value}` is not an http:// or https:// address"))
            }
        }
        Kind::Number { min, max } => match value.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(()),
            _ => Err(format!("`{value}` is not a whole number from {min} to {max}")),
        },
        Kind::Bool => match value {
            "true" | "false" => Ok(()),
            _ => Err(format!("`{value}` is not `true` or `false`")),
        },
        Kind::List => {
            for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if item.parse::<std::net::IpAddr>().is_err() {
                    return Err(format!("`{item}` is not an IP address"));
                }
            }
            Ok(())
        }
        Kind::Choice(words) => {
            if words.contains(&value) {
                Ok(())
            } else {
                Err(format!("`{value}` is not one of {}", words.join(", ")))
            }
        }
    }
}

/// A secret value: shown nowhere, not even by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Rolehub's settings, read from the layers.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `database.url`.
    pub database_url: String,
    /// `database.max_connections`.
    pub max_connections: u32,
    /// `database.acquire_timeout_secs`.
    pub acquire_timeout: Duration,
    /// `server.listen`.
    pub listen: String,
    /// `server.public_url`.
    pub public_url: Option<String>,
    /// `server.request_timeout_secs`.
    pub request_timeout: Duration,
    /// `server.json_limit_bytes`.
    pub json_limit: usize,
    /// `server.csv_limit_bytes`.
    pub csv_limit: usize,
    /// `server.secure_cookies`.
    pub secure_cookies: bool,
    /// `server.trusted_proxies`.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `sessions.ttl_hours`.
    pub session_ttl: Duration,
    /// `sessions.idle_minutes`.
    pub session_idle: Duration,
    /// `cache.orgs`.
    pub cached_orgs: usize,
    /// `sign_in.hash_workers`.
    pub hash_workers: usize,
    /// `sign_in.hash_queue`.
    pub hash_queue: usize,
    /// `uploads.*`.
    pub uploads: rolehub_store::service::UploadLimits,
    /// `mail.smtp`.
    pub smtp: Option<String>,
    /// `mail.smtp_login` (a secret).
    pub smtp_login: Option<Secret>,
    /// `mail.from`.
    pub mail_from: String,
    /// `log.filter`.
    pub log_filter: String,
    /// `log.format` is `json`.
    pub log_json: bool,
    /// `audit.checkpoint_file`.
    pub checkpoint_file: Option<PathBuf>,
    /// `audit.checkpoint_key_file`.
    pub checkpoint_key_file: Option<PathBuf>,
    /// `audit.checkpoint_interval_secs`.
    pub checkpoint_interval: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Layers::default().settings()
    }
}

impl Settings {
    /// The service's options.
    pub fn store_options(&self, public_url: &str) -> rolehub_store::Options {
        rolehub_store::Options {
            pool: rolehub_store::PoolOptions {
                max_connections: self.max_connections,
                acquire_timeout: self.acquire_timeout,
            },
            hash_workers: self.hash_workers,
            hash_queue: self.hash_queue,
            public_url: public_url.to_string(),
            uploads: self.uploads,
            cached_orgs: self.cached_orgs,
        }
    }

    /// The HTTP server's configuration, for a public URL.
    pub fn server_config(&self, public_url: &str) -> crate::Config {
        crate::Config {
            public_url: self.public_url.clone(),
            json_limit: self.json_limit,
            csv_limit: self.csv_limit,
            request_timeout: self.request_timeout,
            session_ttl: self.session_ttl,
            session_idle: self.session_idle,
            secure_cookies: self.secure_cookies || public_url.starts_with("https://"),
            trusted_proxies: self.trusted_proxies.clone(),
        }
    }
}

/// The settings reference as Markdown (`docs/settings.md` is this text; a test keeps them equal).
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# Settings\n\nEvery setting of Rolehub, generated from the one table in `crates/rolehub-server/src/settings.rs`\n(a test keeps this page equal to it).\n\nA value comes from, in this order, each overriding the one before:\n\n1. the default below;\n2. a TOML file, named by `--config PATH` or `ROLEHUB_CONFIG` (sections as in the key: `[server]` then `listen = \"0.0.0.0:8080\"`);\n3. the environment variable;\n4. the command-line flag, or `--set KEY=VALUE` for any setting.\n\nAn unknown key or a bad value stops Rolehub with a message that names the key and where it came from.\n`rolehub config show` prints the effective value and the source of each; secrets are never shown.\n\n| key | environment | flag | default | what it does |\n| --- | --- | --- | --- | --- |\n",
    );
    for d in SETTINGS {
        let default = if d.default.is_empty() {
            "(empty)".to_string()
        } else {
            format!("`{}`", d.default)
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {}{} |\n",
            d.key,
            d.env,
            d.flag
                .map(|f| format!("`{f}`"))
                .unwrap_or_else(|| "—".into()),
            default,
            d.doc,
            if d.secret {
                " A secret: never shown."
            } else {
                ""
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order_and_name_their_source() {
        let mut l = Layers::default();
        assert_eq!(l.settings().listen, "127.0.0.1:8080");
        l.toml(
            "[server]\nlisten = \"0.0.0.0:9000\"\nrequest_timeout_secs = 30\n[sessions]\nttl_hours = 2\n",
            Source::File("rolehub.toml".into()),
        )
        .unwrap();
        l.env([("ROLEHUB_LISTEN".to_string(), "127.0.0.1:9001".to_string())])
            .unwrap();
        l.set(
            "server.request_timeout_secs",
            "45",
            Source::Flag("--request-timeout".into()),
        )
        .unwrap();
        let s = l.settings();
        assert_eq!(s.listen, "127.0.0.1:9001");
        assert_eq!(s.request_timeout, Duration::from_secs(45));
        assert_eq!(s.session_ttl, Duration::from_secs(7200));
        let shown = l.show();
        let source = |key: &str| {
            shown
                .iter()
                .find(|(d, ..)| d.key == key)
                .map(|(_, _, s)| s.to_string())
        };
        assert_eq!(
            source("server.listen").as_deref(),
            Some("environment ROLEHUB_LISTEN")
        );
        assert_eq!(
            source("sessions.ttl_hours").as_deref(),
            Some("file rolehub.toml")
        );
        assert_eq!(
            source("server.request_timeout_secs").as_deref(),
            Some("flag --request-timeout")
        );
        assert_eq!(source("mail.from").as_deref(), Some("default"));
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key_and_the_source() {
        let mut l = Layers::default();
        let e = l
            .toml("[server]\nlisen = \"x\"\n", Source::File("a.toml".into()))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "setting `server.lisen` from file a.toml: this is not a setting; did you mean `server.listen`?"
        );
        let e = l
            .env([("ROLEHUB_REQUEST_TIMEOUT".to_string(), "soon".to_string())])
            .unwrap_err();
        assert!(e.to_string().starts_with("setting `server.request_timeout_secs` from environment ROLEHUB_REQUEST_TIMEOUT: `soon` is not a whole number"), "{e}");
        let e = l
            .env([("ROLEHUB_LISTN".to_string(), "x".to_string())])
            .unwrap_err();
        assert!(
            e.to_string().contains("did you mean `ROLEHUB_LISTEN`"),
            "{e}"
        );
        assert!(l.set("database.url", "mysql://x", Source::Default).is_err());
        assert!(l.toml("not toml [", Source::File("b.toml".into())).is_err());
        // The test suite's and the file's own variables are not settings, and not errors.
        l.env([
            ("ROLEHUB_CONFIG".to_string(), "x.toml".to_string()),
            (
                "ROLEHUB_TEST_POSTGRES".to_string(),
                "postgres://x".to_string(),
            ),
        ])
        .unwrap();
    }

    #[test]
    fn secrets_are_never_shown() {
        let mut l = Layers::default();
        l.set(
            "mail.smtp_login",
            "relay:hunter2",
            Source::Env("ROLEHUB_SMTP_LOGIN".into()),
        )
        .unwrap();
        let s = l.settings();
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{:?}", l.show()).contains("hunter2"));
        assert_eq!(s.smtp_login.map(|s| s.0).as_deref(), Some("relay:hunter2"));
    }

    #[test]
    fn the_settings_reference_in_the_docs_is_this_table() {
        assert!(
            include_str!("../../../docs/settings.md") == reference_markdown(),
            "docs/settings.md is out of date: run `rolehub config reference > docs/settings.md`"
        );
    }

    #[test]
    fn every_default_is_a_valid_value() {
        for d in SETTINGS {
            check(d, d.default).unwrap_or_else(|e| panic!("{}: {e}", d.key));
        }
    }
}
