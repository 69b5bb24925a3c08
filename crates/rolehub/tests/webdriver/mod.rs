//! A small W3C WebDriver client over HTTP, enough to drive Debian's Chromium through chromedriver:
//! sessions, navigation, elements, clicks, typing, file inputs and screenshots.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// The chromedriver process and a browser session in it.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
    driver: Child,
    _profile: TempDir,
}

/// A temporary folder removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "rolehub-{name}-{}-{}",
            std::process::id(),
            rolehub_store::service::new_id()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An element reference.
#[derive(Clone, Debug)]
pub struct Element(String);

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session, or `None` when they are not installed.
    pub async fn start() -> Option<Browser> {
        let driver_bin = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| Path::new(p).exists())?;
        let port = free_port();
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = TempDir::new("chromium-profile");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
                         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1366,900",
                         format!("--user-data-dir={}", profile.0.display())],
            }
        }}});
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let session = created["value"]["sessionId"].as_str()?.to_string();
        Some(Browser {
            http,
            base,
            session,
            driver,
            _profile: profile,
        })
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        if let Some(error) = answer["value"]["error"].as_str() {
            panic!("webdriver {path}: {error}: {}", answer["value"]["message"]);
        }
        answer["value"].clone()
    }

    /// Opens a URL.
    pub async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Finds an element by CSS selector, waiting up to five seconds.
    pub async fn find(&self, css: &str) -> Element {
        for _ in 0..50 {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let answer: Value = self
                .http
                .post(url)
                .json(&json!({ "using": "css selector", "value": css }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = answer["value"][ELEMENT_KEY].as_str() {
                return Element(id.to_string());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element matches `{css}` on {}", self.url().await);
    }

    /// Clicks an element.
    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/click", e.0),
            Some(json!({})),
        )
        .await;
    }

    /// Types into an element (for a file input: the file's path).
    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/clear", e.0),
            Some(json!({})),
        )
        .await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/value", e.0),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Sends a file path to a file input.
    pub async fn upload(&self, css: &str, path: &Path) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/value", e.0),
            Some(json!({ "text": path.display().to_string() })),
        )
        .await;
    }

    /// Presses keys on the keyboard, one after the other, through W3C WebDriver's actions: each
    /// is pressed and released where the focus is, as a person's keyboard would. A key is a
    /// character or one of [`keys`]'s code points.
    pub async fn press(&self, keys: &[&str]) {
        let actions: Vec<Value> = keys
            .iter()
            .flat_map(|k| {
                [
                    json!({"type": "keyDown", "value": k}),
                    json!({"type": "keyUp", "value": k}),
                ]
            })
            .collect();
        self.cmd(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await;
        self.cmd(reqwest::Method::DELETE, "/actions", None).await;
    }

    /// The focused element, as `tag#id[name=value]` (`body` when nothing is focused).
    pub async fn focused(&self) -> String {
        self.script(
            "var e = document.activeElement; if (!e) { return ''; } \
             return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.name ? '[' + e.name + '=' + e.value + ']' : '');",
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Runs a script in the page.
    pub async fn script(&self, script: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// Runs axe-core (the accessibility checker, from npm; `.ci/run` installs it under
    /// `target/axe/`) on the page and answers its critical and serious violations as
    /// `rule: target…` lines; `None` when axe-core is not installed.
    pub async fn axe(&self) -> Option<Vec<String>> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/axe/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(path).ok()?;
        let script = format!(
            "var done = arguments[arguments.length - 1];\n{source}\n\
             axe.run(document, {{runOnly: {{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}}}})\n\
             .then(function (r) {{ done(r.violations.filter(function (v) {{ return v.impact === 'critical' || v.impact === 'serious'; }})\n\
             .map(function (v) {{ return v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(function (n) {{ return n.target.join(' '); }}).join(', '); }})); }})\n\
             .catch(function (e) {{ done(['axe failed: ' + e]); }});"
        );
        let answer = self
            .cmd(
                reqwest::Method::POST,
                "/execute/async",
                Some(json!({ "script": script, "args": [] })),
            )
            .await;
        Some(
            answer
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        )
    }

    /// The visible text of an element.
    pub async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::GET,
            &format!("/element/{}/text", e.0),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// The page's visible text.
    pub async fn body_text(&self) -> String {
        self.text("body").await
    }

    /// The page's visible text, or empty while the page is changing.
    async fn try_body_text(&self) -> String {
        let answer = self
            .script("return document.body ? document.body.innerText : '';")
            .await;
        answer.as_str().unwrap_or_default().to_string()
    }

    /// Waits until the page's text contains `needle`.
    pub async fn wait_for_text(&self, needle: &str) {
        for _ in 0..80 {
            if self.try_body_text().await.contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "`{needle}` never appeared on {}:\n{}",
            self.url().await,
            self.body_text().await
        );
    }

    /// The browser's cookies as a `Cookie` header value.
    pub async fn cookie_header(&self) -> String {
        let cookies = self.cmd(reqwest::Method::GET, "/cookie", None).await;
        cookies
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{}={}",
                    c["name"].as_str().unwrap_or(""),
                    c["value"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Deletes the cookies of the page's site (for 127.0.0.1: of every port, the console's and an
    /// identity provider's alike).
    pub async fn delete_cookies(&self) {
        self.cmd(reqwest::Method::DELETE, "/cookie", None).await;
    }

    /// Saves a screenshot as PNG.
    pub async fn screenshot(&self, path: &Path) {
        let b64 = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = decode_base64(b64.as_str().unwrap_or_default());
        std::fs::write(path, bytes).unwrap();
    }

    /// Ends the session and the driver.
    pub async fn quit(mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let Some(v) = ALPHABET.iter().position(|&a| a == c) else {
            continue;
        };
        buffer = (buffer << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

/// The WebDriver code points of the keys the tests press.
pub mod keys {
    /// Tab.
    pub const TAB: &str = "\u{E004}";
    /// Enter.
    pub const ENTER: &str = "\u{E007}";
    /// Space.
    pub const SPACE: &str = " ";
    /// Arrow up.
    pub const UP: &str = "\u{E013}";
    /// Arrow down.
    pub const DOWN: &str = "\u{E015}";
}
