//! The harness of the HTTP integration tests: a real server on `127.0.0.1:0` over a throwaway
//! database (a SQLite file, and a PostgreSQL schema when `ROLEHUB_TEST_POSTGRES` names a server),
//! a small world, and a `reqwest` client whose every answer is checked against the API's
//! conventions before a test looks at it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    unused_imports,
    reason = "a test fails loudly on the first surprise; not every test uses every helper"
)]

use std::fmt::Write as _;

// What every HTTP test uses, so that a test file imports `common::*` alone.
pub use std::collections::{BTreeMap, BTreeSet, HashSet};

pub use rolehub_store::clock::system_now;
pub use serde_json::{json, Value};

use reqwest::header::HeaderMap;
pub use reqwest::Method;
use rolehub_domain::Timestamp;
use rolehub_server::AppState;
pub use rolehub_server::Config;
use rolehub_store::scratch::Scratch;
use rolehub_store::service::TokenScope;
use rolehub_store::world::{GrantDef, World as WorldFile};
use rolehub_store::Service;
pub use rolehub_testkit::{backends, Backend};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The password of everyone the tests sign in as.
pub const PASSWORD: &str = "correct horse battery staple";
/// Plain users of acme (enough for several pages of 50).
pub const PLAIN_USERS: usize = 150;
/// Acme's Control Hub site.
pub const SITE: &str = "acme.webex.com";

/// Someone of the world, with a personal access token (scope `write`).
#[derive(Clone, Debug)]
pub struct Who {
    /// Person id.
    pub id: String,
    /// Email.
    pub email: String,
    /// A `write` token.
    pub token: String,
    /// That token's id.
    pub token_id: String,
}

/// The world every test starts from.
#[derive(Clone, Debug)]
pub struct World {
    /// Acme's first full administrator (internal), at `amsterdam`, with `calling`.
    pub admin: Who,
    /// Acme's second full administrator.
    pub admin2: Who,
    /// An internal read-only administrator of acme.
    pub readonly: Who,
    /// An internal CCSA of acme with the Premium Agent license.
    pub ccsa: Who,
    /// A plain acme user with the Premium Agent license (so 2 of 3 units are used).
    pub agent: Who,
    /// A globex user who is an external read-only administrator of acme.
    pub ext_ro: Who,
    /// A full administrator of the partner pnet, provisioning admin in acme.
    pub partner: Who,
    /// Globex's own full administrator (holds nothing in acme).
    pub globex_admin: Who,
    /// A plain globex user (a candidate external administrator for acme).
    pub globex_user: Who,
    /// A user of the consumer org (refused at the email check, R-EXT-1).
    pub consumer_email: String,
    /// A `read` token of acme's first full administrator.
    pub admin_read_token: String,
    /// Acme's plain users (no token), `user001@acme.example` …, in email order.
    pub users: Vec<Who>,
    /// Every grant id in acme at the start.
    pub acme_grant_ids: Vec<String>,
}

impl World {
    /// Every acme person (users of acme), named and plain.
    pub fn acme_people(&self) -> Vec<&Who> {
        let mut out = vec![
            &self.admin,
            &self.admin2,
            &self.readonly,
            &self.ccsa,
            &self.agent,
        ];
        out.extend(self.users.iter());
        out
    }
}

/// A running server over a fresh world.
pub struct Server {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The client (no cookie store: tests send cookies themselves).
    pub http: reqwest::Client,
    /// The service the server runs on, for reading back and for the outbox.
    pub service: Service,
    /// The world.
    pub w: World,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    scratch: Option<Scratch>,
}

fn now() -> Timestamp {
    system_now()
}

/// An instant `days` before the test world's clock (its times move with it when it loads).
pub fn days_before(world: &WorldFile, days: i64) -> String {
    world.now().unwrap().plus_days(-days).to_iso()
}

/// Gives a person of the test world a role before it loads (set-up data, no checks), granted 30
/// days before the world's clock.
pub fn grant(world: &mut WorldFile, org: &str, email: &str, role: &str) {
    let at = days_before(world, 30);
    grant_at(world, org, email, role, &at, &[]);
}

/// Gives a person of the test world a role at an instant, with locations.
pub fn grant_at(
    world: &mut WorldFile,
    org: &str,
    email: &str,
    role: &str,
    at: &str,
    locations: &[&str],
) {
    let person = world
        .people
        .iter_mut()
        .find(|p| p.email == email)
        .unwrap_or_else(|| panic!("{email} is not in the test world"));
    person.grants.push(GrantDef {
        org: org.into(),
        role: role.into(),
        granted_at: Some(at.to_string()),
        locations: locations.iter().map(|l| l.to_string()).collect(),
        ..GrantDef::default()
    });
}

async fn who(service: &Service, email: &str) -> Who {
    let (token_id, token) = rolehub_testkit::token(service, email, TokenScope::Write).await;
    Who {
        id: rolehub_testkit::id_of(service, email).await,
        email: email.into(),
        token,
        token_id,
    }
}

async fn build_world(service: &Service, world: &WorldFile) -> World {
    rolehub_testkit::load(service, world, now()).await;
    let mut users = Vec::with_capacity(PLAIN_USERS);
    for i in 1..=PLAIN_USERS {
        let email = format!("user{i:03}@acme.example");
        users.push(Who {
            id: rolehub_testkit::id_of(service, &email).await,
            email,
            token: String::new(),
            token_id: String::new(),
        });
    }
    let (_, admin_read_token) =
        rolehub_testkit::token(service, "admin@acme.example", TokenScope::Read).await;
    let admin = who(service, "admin@acme.example").await;
    let mut acme_grant_ids = Vec::new();
    let ctx = rolehub_store::Ctx::new("admin@acme.example", "acme", now());
    for g in service.list_grants(&ctx, None, &[]).await.unwrap() {
        acme_grant_ids.push(g.grant.id);
    }
    World {
        admin,
        admin2: who(service, "admin2@acme.example").await,
        readonly: who(service, "readonly@acme.example").await,
        ccsa: who(service, "ccsa@acme.example").await,
        agent: who(service, "agent@acme.example").await,
        ext_ro: who(service, "ro@globex.example").await,
        partner: who(service, "pim@pnet.example").await,
        globex_admin: who(service, "admin@globex.example").await,
        globex_user: who(service, "user@globex.example").await,
        consumer_email: "jan@consumer.example".into(),
        admin_read_token,
        users,
        acme_grant_ids,
    }
}

impl Server {
    /// Starts a server over a fresh database of the backend, with the world set up.
    pub async fn start(backend: &Backend) -> Server {
        Server::start_with(backend, Config::default()).await
    }

    /// The same, with settings.
    pub async fn start_with(backend: &Backend, config: Config) -> Server {
        Server::start_prepared(backend, config, |_| {}).await
    }

    /// The same, with the test world changed before it loads (more grants, other settings).
    pub async fn start_prepared(
        backend: &Backend,
        config: Config,
        prepare: impl FnOnce(&mut WorldFile),
    ) -> Server {
        Server::start_full(backend, config, &rolehub_store::Options::default(), prepare).await
    }

    /// The same, with the service's options (upload limits, hashing).
    pub async fn start_full(
        backend: &Backend,
        config: Config,
        options: &rolehub_store::Options,
        prepare: impl FnOnce(&mut WorldFile),
    ) -> Server {
        let scratch = backend.scratch().await;
        let service = scratch.service_with(options);
        let mut world = rolehub_testkit::world(rolehub_testkit::ACME);
        prepare(&mut world);
        let w = build_world(&service, &world).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let state = AppState::new(service.clone(), config);
        let task = tokio::spawn(rolehub_server::serve(state, listener, None, async move {
            let _ = rx.await;
        }));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap();
        Server {
            backend: backend.name,
            base: format!("http://{addr}"),
            http,
            service,
            w,
            stop: Some(tx),
            task: Some(task),
            scratch: Some(scratch),
        }
    }

    /// Stops the server (requests in flight finish) and drops the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        if let Some(scratch) = self.scratch.take() {
            scratch.close().await;
        }
    }

    /// A request to a path of this server.
    pub fn request(&self, method: Method, path: &str) -> Call<'_> {
        Call {
            server: self,
            method: method.clone(),
            path: path.to_string(),
            builder: self.http.request(method, format!("{}{path}", self.base)),
            sent_body: None,
        }
    }

    /// `GET path` with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.request(Method::GET, path).bearer(token).send().await
    }

    /// `DELETE path` with a bearer token.
    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.request(Method::DELETE, path)
            .bearer(token)
            .send()
            .await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.request(Method::POST, path)
            .bearer(token)
            .json(body)
            .send()
            .await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.request(Method::PUT, path)
            .bearer(token)
            .json(body)
            .send()
            .await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.request(Method::PATCH, path)
            .bearer(token)
            .json(body)
            .send()
            .await
    }

    /// Every page of a list, following `Link: rel="next"` until there is none.
    pub async fn all_pages(&self, path: &str, token: &str) -> (Vec<Value>, usize) {
        let mut items = Vec::new();
        let mut next = Some(path.to_string());
        let mut pages = 0;
        while let Some(p) = next.take() {
            pages += 1;
            assert!(pages < 1000, "{}: paging does not end at {p}", self.backend);
            let r = self.get(&p, token).await;
            r.expect(200);
            items.extend(r.items());
            next = r.next_link();
        }
        (items, pages)
    }

    /// The number of audit events in an org's chain (read with a full admin's token of it).
    pub async fn audit_count(&self, org: &str, token: &str) -> u64 {
        let r = self
            .get(&format!("/v1/adminAudit/verify?orgId={org}"), token)
            .await;
        r.expect(200);
        assert_eq!(r.json()["intact"], true, "{}: {}", self.backend, r.text);
        r.json()["eventsChecked"].as_u64().unwrap()
    }

    /// Acme's audit event count.
    pub async fn acme_events(&self) -> u64 {
        self.audit_count("acme", &self.w.admin.token).await
    }

    /// Acme's newest `n` audit events, oldest first, as its first admin reads them.
    pub async fn acme_newest_events(&self, n: usize) -> Vec<Value> {
        let (mut events, _) = self
            .all_pages("/v1/adminAudit/events?max=1000", &self.w.admin.token)
            .await;
        events.split_off(events.len().saturating_sub(n))
    }

    /// A person as acme's first admin sees them.
    pub async fn acme_person(&self, id: &str) -> Value {
        let r = self
            .get(&format!("/v1/people/{id}"), &self.w.admin.token)
            .await;
        r.expect(200);
        r.json().clone()
    }

    /// The role ids a person holds in acme (as the people API shows them).
    pub async fn acme_roles(&self, id: &str) -> Vec<String> {
        strings(&self.acme_person(id).await["roles"])
    }

    /// The grant ids of a person in acme.
    pub async fn grant_ids(&self, person_id: &str) -> Vec<(String, String)> {
        let r = self
            .get(
                &format!("/v1/roleAssignments?personId={person_id}"),
                &self.w.admin.token,
            )
            .await;
        r.expect(200);
        r.items()
            .iter()
            .map(|g| {
                (
                    g["id"].as_str().unwrap().to_string(),
                    g["roleId"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// The grant id of one role of a person in acme.
    pub async fn grant_id(&self, person_id: &str, role: &str) -> String {
        self.grant_ids(person_id)
            .await
            .into_iter()
            .find(|(_, r)| r == role)
            .unwrap_or_else(|| panic!("{}: {person_id} holds no {role}", self.backend))
            .0
    }

    /// Signs in with the password and answers the session cookie value and the CSRF token.
    pub async fn sign_in(&self, email: &str, password: &str) -> (String, String) {
        let r = self
            .request(Method::POST, "/v1/sessions")
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await;
        r.expect(201);
        let cookie = r.session_cookie().expect("a session cookie");
        (cookie, r.json()["csrfToken"].as_str().unwrap().to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A failed test leaves no database behind either (the cleanup is async: a thread of its own).
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(scratch) = self.scratch.take() {
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(scratch.close());
                }
            })
            .join();
        }
    }
}

/// A request being built.
pub struct Call<'a> {
    server: &'a Server,
    method: Method,
    path: String,
    builder: reqwest::RequestBuilder,
    sent_body: Option<String>,
}

impl Call<'_> {
    /// `Authorization: Bearer token`.
    pub fn bearer(mut self, token: &str) -> Self {
        self.builder = self.builder.bearer_auth(token);
        self
    }

    /// A header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    /// A JSON body (`Content-Type: application/json`).
    pub fn json(mut self, body: &Value) -> Self {
        self.sent_body = Some(body.to_string());
        self.builder = self.builder.json(body);
        self
    }

    /// A raw body with a content type (none when `content_type` is empty).
    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        let body: Vec<u8> = body.into();
        self.sent_body = Some(String::from_utf8_lossy(&body).chars().take(300).collect());
        if !content_type.is_empty() {
            self.builder = self.builder.header("content-type", content_type);
        }
        self.builder = self.builder.body(body);
        self
    }

    /// Sends it and checks the answer against the API's conventions.
    pub async fn send(self) -> Resp {
        let desc = format!(
            "[{}] {} {}{}",
            self.server.backend,
            self.method,
            self.path.chars().take(300).collect::<String>(),
            self.sent_body
                .as_ref()
                .map(|b| format!(" body {}", b.chars().take(300).collect::<String>()))
                .unwrap_or_default()
        );
        let response = self
            .builder
            .send()
            .await
            .unwrap_or_else(|e| panic!("{desc}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let is_json = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let json =
            if is_json {
                Some(serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                    panic!("{desc}: the JSON answer does not parse: {e}: {text}")
                }))
            } else {
                None
            };
        let resp = Resp {
            desc,
            status,
            headers,
            text,
            json,
        };
        resp.check_conventions();
        resp
    }
}

/// An answer.
#[derive(Debug)]
pub struct Resp {
    /// What was asked, for failure messages.
    pub desc: String,
    /// The status.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as text.
    pub text: String,
    json: Option<Value>,
}

/// The ids of strings in a JSON array.
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("not a string: {s}"))
                .to_string()
        })
        .collect()
}

fn find_null(v: &Value, path: &str) -> Option<String> {
    match v {
        Value::Null => Some(path.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| find_null(x, &format!("{path}[{i}]"))),
        Value::Object(map) => map
            .iter()
            .find_map(|(k, x)| find_null(x, &format!("{path}.{k}"))),
        _ => None,
    }
}

fn is_rule_id(s: &str) -> bool {
    let mut parts = s.split('-');
    parts.next() == Some("R")
        && parts
            .next()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_uppercase()))
        && parts
            .next()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && parts.next().is_none()
}

impl Resp {
    /// The conventions every answer keeps: never 500; a tracking id; the error shape; no nulls.
    fn check_conventions(&self) {
        assert!(
            self.status < 500,
            "{}: answered {} {}",
            self.desc,
            self.status,
            self.text
        );
        let tracking = self
            .header("trackingid")
            .unwrap_or_else(|| panic!("{}: no TrackingID header", self.desc));
        assert!(!tracking.is_empty(), "{}: empty TrackingID", self.desc);
        if let Some(json) = &self.json {
            if let Some(at) = find_null(json, "$") {
                panic!(
                    "{}: `null` at {at} (fields that do not apply are left out): {}",
                    self.desc, self.text
                );
            }
        }
        // The console answers its own readable pages; the API's errors have the one shape.
        let console_page = self
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"));
        if self.status >= 400 && !console_page {
            let body = self.json.as_ref().unwrap_or_else(|| {
                panic!(
                    "{}: error {} is not JSON: {}",
                    self.desc, self.status, self.text
                )
            });
            let obj = body
                .as_object()
                .unwrap_or_else(|| panic!("{}: error body is not an object", self.desc));
            let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(
                keys,
                ["errors", "message", "trackingId"],
                "{}: error body keys: {}",
                self.desc,
                self.text
            );
            assert!(
                body["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{}: no message: {}",
                self.desc,
                self.text
            );
            assert_eq!(
                body["trackingId"].as_str(),
                Some(tracking.as_str()),
                "{}: trackingId differs from the TrackingID header",
                self.desc
            );
            let errors = body["errors"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: `errors` is not a list: {}", self.desc, self.text));
            assert!(
                !errors.is_empty(),
                "{}: empty `errors`: {}",
                self.desc,
                self.text
            );
            for e in errors {
                let e = e
                    .as_object()
                    .unwrap_or_else(|| panic!("{}: an error item is not an object", self.desc));
                for key in e.keys() {
                    assert!(
                        ["description", "ruleId", "field"].contains(&key.as_str()),
                        "{}: unexpected error item key `{key}`: {}",
                        self.desc,
                        self.text
                    );
                }
                assert!(
                    e.get("description")
                        .and_then(Value::as_str)
                        .is_some_and(|d| !d.is_empty()),
                    "{}: an error item without a description: {}",
                    self.desc,
                    self.text
                );
                if let Some(rule) = e.get("ruleId") {
                    let rule = rule.as_str().unwrap_or("");
                    assert!(is_rule_id(rule), "{}: `{rule}` is not a rule id", self.desc);
                }
                if let Some(field) = e.get("field") {
                    assert!(
                        field.as_str().is_some_and(|f| !f.is_empty()),
                        "{}: an empty field",
                        self.desc
                    );
                }
            }
        }
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// Asserts the status.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "{}: expected {status}, got {}: {}",
            self.desc, self.status, self.text
        );
        self
    }

    /// The JSON body, if the answer is JSON.
    pub fn json_opt(&self) -> Option<&Value> {
        self.json.as_ref()
    }

    /// The JSON body.
    #[track_caller]
    pub fn json(&self) -> &Value {
        self.json
            .as_ref()
            .unwrap_or_else(|| panic!("{}: not JSON ({}): {}", self.desc, self.status, self.text))
    }

    /// The `items` of a list answer.
    #[track_caller]
    pub fn items(&self) -> Vec<Value> {
        let body = self.json();
        let obj = body.as_object().unwrap();
        assert_eq!(
            obj.len(),
            1,
            "{}: a list answers `{{\"items\": […]}}` only: {}",
            self.desc,
            self.text
        );
        body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no items: {}", self.desc, self.text))
            .clone()
    }

    /// The path and query of `Link: <…>; rel="next"`, if any.
    pub fn next_link(&self) -> Option<String> {
        let link = self.header("link")?;
        let (target, params) = link.split_once(';')?;
        assert!(
            params.contains("rel=\"next\""),
            "{}: a Link that is not rel=next: {link}",
            self.desc
        );
        let target = target.trim().trim_start_matches('<').trim_end_matches('>');
        assert!(
            target.contains("after=") || target.contains("offset="),
            "{}: a next link without `after` (or `offset`, when paged by offset): {link}",
            self.desc
        );
        Some(match target.split_once("://") {
            Some((_, rest)) => rest[rest.find('/').unwrap_or(rest.len())..].to_string(),
            None => target.to_string(),
        })
    }

    /// Asserts an error status and a rule id among the error items; answers the body.
    #[track_caller]
    pub fn refused(&self, status: u16, rule: &str) -> &Value {
        self.expect(status);
        let rules = self.rule_ids();
        assert!(
            rules.iter().any(|r| r == rule),
            "{}: expected rule {rule}, got {rules:?}: {}",
            self.desc,
            self.text
        );
        self.json()
    }

    /// The rule ids of an error answer.
    pub fn rule_ids(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|e| {
                e.iter()
                    .filter_map(|i| i["ruleId"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The error message.
    pub fn message(&self) -> String {
        self.json()["message"].as_str().unwrap_or("").to_string()
    }

    /// The session cookie set by this answer, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| {
                c.strip_prefix("rolehub_session=")
                    .and_then(|rest| rest.split(';').next())
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            })
    }

    /// Whether this 404/405 is the router's (no such route) rather than a handler's answer.
    pub fn route_missing(&self) -> bool {
        self.status == 405
            || (self.status == 404
                && self
                    .json
                    .as_ref()
                    .and_then(|j| j["message"].as_str())
                    .is_some_and(|m| m.starts_with("no such resource")))
    }
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// An ISO-8601 UTC instant with milliseconds, as the API writes them.
pub fn is_api_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 24
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[23] == b'Z'
        && s.chars()
            .enumerate()
            .all(|(i, c)| [4, 7, 10, 13, 16, 19, 23].contains(&i) || c.is_ascii_digit())
}

// ---------------------------------------------------------------------------------------------
// Small helpers of the tests
// ---------------------------------------------------------------------------------------------

pub fn ids(items: &[Value], key: &str) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            i[key]
                .as_str()
                .unwrap_or_else(|| panic!("no `{key}` in {i}"))
                .to_string()
        })
        .collect()
}

pub fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

pub fn sset(v: &[String]) -> BTreeSet<String> {
    v.iter().cloned().collect()
}

pub fn warning_codes(change: &Value) -> Vec<String> {
    change["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            assert!(
                w["message"].as_str().is_some_and(|m| !m.is_empty()),
                "a warning without a message: {w}"
            );
            w["code"].as_str().unwrap().to_string()
        })
        .collect()
}

/// A body without its `dryRun` flag, to compare a dry run with the real change.
pub fn without_dry_run(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("dryRun");
        // Only a real change has the id of the assignment it added.
        o.remove("assignmentId");
    }
    v
}

/// An error body without its tracking id, to compare two refusals.
pub fn refusal_shape(r: &Resp) -> Value {
    let mut v = r.json().clone();
    v.as_object_mut().unwrap().remove("trackingId");
    v
}

pub fn iso_in_days(days: i64) -> String {
    system_now().plus_days(days).to_iso()
}

pub fn activation_token(mail_body: &str) -> String {
    let at = mail_body
        .find("/activate?token=")
        .unwrap_or_else(|| panic!("no activation link in {mail_body}"));
    mail_body[at + "/activate?token=".len()..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

pub async fn invitation(s: &Server, email: &str) -> String {
    let mail = s
        .service
        .operator("tests")
        .outbox(100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.to == email)
        .unwrap_or_else(|| panic!("{}: no mail to {email}", s.backend));
    activation_token(&mail.body)
}
