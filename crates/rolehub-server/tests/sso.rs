//! Enterprise sign-in over HTTP: single sign-on through a real OpenID provider (the `oidc-provider`
//! npm package, installed by `.ci/run` under `target/oidc`), a bad and a replayed callback, an
//! unknown email; enforced single sign-on with a break-glass account and its authenticator code;
//! recovery codes; and sessions that end with a deactivation, a role change, "sign out everywhere"
//! and the idle time-out.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::time::Duration;

use common::*;
use rolehub_store::service::mfa::code_at;
use rolehub_store::service::sso::SsoChange;
use rolehub_store::Ctx;

use rolehub_testkit::oidc::{Provider, CLIENT_ID, CLIENT_SECRET};

fn provider(base: &str) -> Option<Provider> {
    Provider::start("provider.mjs", base)
}

/// A browser: cookies kept, redirects followed by hand so that each hop can be looked at.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The value of a hidden input in a page.
fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The `action` of the (first) form of a page.
fn action(html: &str) -> String {
    let at = html.find("action=\"").unwrap();
    let rest = &html[at + 8..];
    unescape(&rest[..rest.find('"').unwrap()])
}

/// An HTML attribute's text as the browser reads it.
fn unescape(attribute: &str) -> String {
    attribute
        .replace("&#38;", "&")
        .replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

fn location(r: &reqwest::Response, from: &str) -> String {
    let to = r.headers()["location"].to_str().unwrap().to_string();
    if to.starts_with("http") {
        to
    } else {
        let origin: String = from.split('/').take(3).collect::<Vec<_>>().join("/");
        format!("{origin}{to}")
    }
}

/// Follows redirects from `url` until one leads to `stop` (answered, not followed) or a page.
async fn follow(b: &reqwest::Client, mut url: String, stop: &str) -> (String, reqwest::Response) {
    for _ in 0..10 {
        let r = b.get(&url).send().await.unwrap();
        if !r.status().is_redirection() {
            return (url, r);
        }
        let next = location(&r, &url);
        if next.starts_with(stop) {
            return (next, r);
        }
        url = next;
    }
    panic!("too many redirects from {url}");
}

/// Enters `email` at Rolehub's email step, which answers a page that moves on to the provider by
/// itself (a form's redirect to another origin is not allowed); answers where it goes.
async fn provider_link(b: &reqwest::Client, base: &str, email: &str) -> String {
    let page = b
        .get(format!("{base}/signin?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = b
        .post(format!("{base}/signin"))
        .form(&[("csrf", hidden(&page, "csrf").as_str()), ("email", email)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("http-equiv=\"refresh\""), "{page}");
    let at = page
        .find("id=\"continue-sso\" href=\"")
        .expect("the link to the provider");
    let rest = &page[at + 24..];
    unescape(&rest[..rest.find('"').unwrap()])
}

/// Signs in as `login` at Rolehub's sign-in page, through the provider's login and consent pages;
/// answers the callback address the provider sent the browser back to.
async fn through_provider(b: &reqwest::Client, base: &str, email: &str, login: &str) -> String {
    let to_provider = provider_link(b, base, email).await;
    assert!(
        to_provider.contains("code_challenge_method=S256"),
        "{to_provider}"
    );
    assert!(to_provider.contains("nonce="), "{to_provider}");
    let callback = format!("{base}/sso/callback");
    let (url, r) = follow(b, to_provider, &callback).await;
    let login_page = r.text().await.unwrap();
    assert!(login_page.contains("name=\"login\""), "{login_page}");
    let r = b
        .post(action(&login_page))
        .form(&[
            ("prompt", "login"),
            ("login", login),
            ("password", "anything"),
        ])
        .send()
        .await
        .unwrap();
    let (url, r) = follow(b, location(&r, &url), &callback).await;
    if url.starts_with(&callback) {
        return url;
    }
    let consent = r.text().await.unwrap();
    assert!(consent.contains("value=\"consent\""), "{consent}");
    let r = b
        .post(action(&consent))
        .form(&[("prompt", "consent")])
        .send()
        .await
        .unwrap();
    let (url, _) = follow(b, location(&r, &url), &callback).await;
    assert!(url.starts_with(&callback), "{url}");
    url
}

/// Every audit event of acme.
async fn audit(s: &Server) -> Vec<rolehub_store::StoredEvent> {
    let filter = rolehub_store::EventFilter {
        org_id: Some("acme".into()),
        ..Default::default()
    };
    s.service.operator("tests").audit(&filter).await.unwrap()
}

/// Gives these people of the world a password.
async fn passwords(s: &Server, emails: &[&str]) {
    for email in emails {
        s.service
            .operator("tests")
            .set_password(email, PASSWORD, system_now())
            .await
            .unwrap();
    }
}

/// Acme's full administrator connects acme to the test provider at `issuer` (giving the client
/// secret, or keeping the stored one), with or without just-in-time addition.
async fn connect(s: &Server, issuer: &str, with_secret: bool, just_in_time: bool) {
    s.service
        .set_sso(
            &admin_ctx(),
            &SsoChange {
                issuer: issuer.to_string(),
                client_id: CLIENT_ID.into(),
                client_secret: with_secret.then(|| CLIENT_SECRET.into()),
                enforced: false,
                just_in_time,
            },
        )
        .await
        .unwrap();
}

fn admin_ctx() -> Ctx {
    Ctx::new("admin@acme.example", "acme", system_now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_sign_on_through_a_real_provider() {
    for b in backends() {
        let s = Server::start(&b).await;
        let Some(idp) = provider(&s.base) else {
            s.stop().await;
            return;
        };
        connect(&s, &idp.issuer, true, false).await;
        let user = "user001@acme.example";
        let browser_a = browser();
        let callback = through_provider(&browser_a, &s.base, user, "User001@Acme.example").await;
        assert!(
            callback.contains("state=") && callback.contains("code="),
            "{callback}"
        );
        let r = browser_a.get(&callback).send().await.unwrap();
        assert_eq!(r.status(), 303, "{}: {:?}", s.backend, r.text().await);
        assert_eq!(r.headers()["location"], "/");
        let me = browser_a
            .get(format!("{}/v1/people/me", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200, "{}", s.backend);
        let me: Value = me.json().await.unwrap();
        assert_eq!(me["emails"][0], user, "{me}");

        // The sign-in is the person's interactive sign-in (R-AUTH-2), audited with its method.
        let sign_ins = audit(&s).await;
        assert!(
            sign_ins.iter().any(|e| e.action == "auth.sign_in"
                && e.actor_email.as_deref() == Some(user)
                && e.after
                    .as_deref()
                    .is_some_and(|a| a.contains("\"method\":\"sso\""))),
            "{}",
            s.backend
        );

        // The same callback again (a replayed code) opens nothing.
        let again = browser().get(&callback).send().await.unwrap();
        assert_eq!(again.status(), 200);
        assert!(again
            .headers()
            .get("set-cookie")
            .is_none_or(|c| !c.to_str().unwrap().starts_with("rolehub_session=")));
        assert!(again
            .text()
            .await
            .unwrap()
            .contains("expired or was already used"));

        // A made-up state opens nothing either.
        let bad = browser()
            .get(format!(
                "{}/sso/callback?code=abc&state=0123456789abcdef",
                s.base
            ))
            .send()
            .await
            .unwrap();
        assert!(bad
            .text()
            .await
            .unwrap()
            .contains("expired or was already used"));

        // A person of the provider who is nobody in the org is refused, and not added.
        let stranger = "stranger@acme.example";
        let browser_b = browser();
        // The sign-in page knows nobody by that email, so it asks for a password: start from
        // a known person's email, and sign in at the provider as the stranger.
        let callback =
            through_provider(&browser_b, &s.base, "user002@acme.example", stranger).await;
        let r = browser_b.get(&callback).send().await.unwrap();
        let text = r.text().await.unwrap();
        assert!(
            text.contains("stranger@acme.example is not a user of this organization"),
            "{text}"
        );
        assert!(s.service.operator("tests").person(stranger).await.is_err());

        // Where the org adds the provider's people just in time, the stranger becomes a user
        // (with no role: adding never gives one), signed in, added on the provider's word.
        connect(&s, &idp.issuer, false, true).await;
        let browser_c = browser();
        let callback =
            through_provider(&browser_c, &s.base, "user002@acme.example", stranger).await;
        let r = browser_c.get(&callback).send().await.unwrap();
        assert_eq!(r.status(), 303, "{}", s.backend);
        let added = s.service.operator("tests").person(stranger).await.unwrap();
        assert_eq!(added.view.home_org, "acme");
        assert_eq!(added.view.status, rolehub_domain::Status::Active);
        let events = audit(&s).await;
        let add = events
            .iter()
            .find(|e| e.action == "user.add" && e.target_email.as_deref() == Some(stranger))
            .expect("the addition is audited");
        assert_eq!(
            add.actor_email.as_deref(),
            Some(format!("sso:{}", idp.issuer).as_str())
        );
        let me: Value = browser_c
            .get(format!("{}/v1/people/me", s.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["roles"], json!([]), "{me}");
        drop(idp);
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforced_single_sign_on_leaves_break_glass_with_its_authenticator() {
    for b in backends() {
        let s = Server::start(&b).await;
        passwords(&s, &["admin@acme.example", "admin2@acme.example"]).await;
        let admin = admin_ctx();
        // Enforcing needs a break-glass account; a break-glass account needs an authenticator.
        let change = SsoChange {
            issuer: "https://idp.acme.example".into(),
            client_id: "rolehub".into(),
            client_secret: Some("secret".into()),
            enforced: true,
            just_in_time: false,
        };
        let e = s.service.set_sso(&admin, &change).await.unwrap_err();
        assert!(e.to_string().contains("break-glass"), "{e}");
        let e = s
            .service
            .set_break_glass(&admin, "admin@acme.example", true)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("authenticator"), "{e}");
        let enrolment = s.service.begin_enrolment(&admin).await.unwrap();
        let now = system_now();
        let codes = s
            .service
            .confirm_enrolment(&admin, &code_at(&enrolment.secret, now).unwrap())
            .await
            .unwrap();
        assert_eq!(codes.len(), 10);
        // Only full administrators of the org can be break-glass accounts.
        // An external full administrator (of another org) does not decide how acme's people
        // sign in: with a provider of their own they could sign in as any of them.
        s.service
            .assign(
                &admin,
                &rolehub_store::service::AssignRequest {
                    person: "admin@globex.example".into(),
                    role: "full_admin".into(),
                    site: None,
                    locations: Vec::new(),
                    expires_at: None,
                },
            )
            .await
            .unwrap();
        let external = Ctx::new("admin@globex.example", "acme", system_now());
        let e = s.service.set_sso(&external, &change).await.unwrap_err();
        assert!(e.to_string().contains("own full administrators"), "{e}");
        let e = s
            .service
            .reset_authenticator(&external, "admin@acme.example")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("own full administrators"), "{e}");
        let e = s
            .service
            .set_break_glass(&admin, "readonly@acme.example", true)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not a full administrator"), "{e}");
        s.service
            .set_break_glass(&admin, "admin@acme.example", true)
            .await
            .unwrap();
        s.service.set_sso(&admin, &change).await.unwrap();

        // Everyone else's password is refused.
        let r = s
            .request(Method::POST, "/v1/sessions")
            .json(&json!({ "email": "admin2@acme.example", "password": PASSWORD }))
            .send()
            .await;
        r.expect(403);
        assert!(r.text.contains("single sign-on"), "{}", r.text);

        // The break-glass account needs its code: without it, 401; with a used one, 401.
        let sign_in = |code: Option<String>| {
            let mut body = json!({ "email": "admin@acme.example", "password": PASSWORD });
            if let Some(code) = code {
                body["code"] = json!(code);
            }
            s.request(Method::POST, "/v1/sessions").json(&body).send()
        };
        let r = sign_in(None).await;
        r.expect(401);
        assert!(r.text.contains("authenticator"), "{}", r.text);
        let used = code_at(&enrolment.secret, now).unwrap();
        sign_in(Some(used)).await.expect(401);
        let next = code_at(&enrolment.secret, now.plus_ms(30_000)).unwrap();
        sign_in(Some(next)).await.expect(201);
        // A recovery code works once.
        sign_in(Some(codes[0].to_uppercase())).await.expect(201);
        sign_in(Some(codes[0].clone())).await.expect(401);

        let audit = audit(&s).await;
        let count = |action: &str| audit.iter().filter(|e| e.action == action).count();
        assert_eq!(count("auth.break_glass_sign_in"), 2, "{}", s.backend);
        assert_eq!(count("auth.recovery_code_used"), 1);
        assert!(count("auth.second_factor_failed") >= 2);
        assert!(count("auth.sign_in_failed") >= 1);
        let sso = audit.iter().find(|e| e.action == "org.sso").unwrap();
        assert!(
            sso.after.as_deref().is_some_and(
                |a| a.contains("\"client_secret\":\"changed\"") && !a.contains("\"secret\"")
            ),
            "{:?}",
            sso.after
        );

        // The last break-glass account stays while single sign-on is enforced.
        let e = s
            .service
            .set_break_glass(&admin, "admin@acme.example", false)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("last break-glass"), "{e}");

        // The org's other full administrators are shown every break-glass sign-in on arrival.
        let other = Ctx::new("admin2@acme.example", "acme", system_now());
        let seen = s
            .service
            .break_glass_sign_ins(&other, system_now().plus_ms(-60_000))
            .await
            .unwrap();
        assert_eq!(seen.len(), 2, "{}: {seen:?}", s.backend);
        assert!(seen.iter().all(|(who, _)| who == "admin@acme.example"));
        let person = s
            .service
            .operator("tests")
            .person("admin2@acme.example")
            .await
            .unwrap();
        let (session, _) = s
            .service
            .create_session(&person.view.id, system_now(), 3_600_000, None, "sso")
            .await
            .unwrap();
        let r = s
            .request(Method::GET, "/")
            .header("cookie", &format!("rolehub_session={session}"))
            .send()
            .await;
        let flash = r.header("set-cookie").unwrap_or_default();
        assert!(
            flash.starts_with("rolehub_flash="),
            "{}: {flash}",
            s.backend
        );
        // Read-only administrators are not shown it (org settings are the full administrators').
        let readonly = Ctx::new("readonly@acme.example", "acme", system_now());
        let none = s
            .service
            .break_glass_sign_ins(&readonly, system_now().plus_ms(-60_000))
            .await
            .unwrap();
        assert!(none.is_empty());
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_with_deactivation_role_changes_sign_out_everywhere_and_idleness() {
    for b in backends() {
        let config = Config {
            session_idle: Duration::from_secs(2),
            ..Config::default()
        };
        let s = Server::start_with(&b, config).await;
        let w = s.w.clone();
        passwords(
            &s,
            &[
                &w.readonly.email,
                &w.admin2.email,
                &w.ccsa.email,
                &w.agent.email,
            ],
        )
        .await;
        let me = |cookie: String| {
            s.request(Method::GET, "/v1/people/me")
                .header("cookie", &format!("rolehub_session={cookie}"))
                .send()
        };
        // A role change by someone else ends the person's sessions.
        let (readonly, _) = s.sign_in(&w.readonly.email, PASSWORD).await;
        me(readonly.clone()).await.expect(200);
        s.post(
            "/v1/roleAssignments",
            &w.admin.token,
            &json!({ "personId": w.readonly.id, "roleId": "compliance_officer" }),
        )
        .await
        .expect(201);
        me(readonly).await.expect(401);

        // "Sign out everywhere" ends them all.
        let (first, _) = s.sign_in(&w.admin2.email, PASSWORD).await;
        let (second, _) = s.sign_in(&w.admin2.email, PASSWORD).await;
        let ended = s
            .service
            .sign_out_everywhere(&Ctx::new(w.admin2.email.clone(), "acme", system_now()))
            .await
            .unwrap();
        assert_eq!(ended, 2, "{}", s.backend);
        me(first).await.expect(401);
        me(second).await.expect(401);

        // A deactivation ends sessions and tokens.
        let (ccsa, _) = s.sign_in(&w.ccsa.email, PASSWORD).await;
        s.put(
            &format!("/v1/people/{}", w.ccsa.id),
            &w.admin.token,
            &json!({ "status": "inactive" }),
        )
        .await
        .expect(200);
        me(ccsa).await.expect(401);
        s.get("/v1/people/me", &w.ccsa.token).await.expect(401);

        // A session unused for longer than the idle time-out has ended.
        let (idle, _) = s.sign_in(&w.agent.email, PASSWORD).await;
        me(idle.clone()).await.expect(200);
        tokio::time::sleep(Duration::from_millis(2500)).await;
        me(idle).await.expect(401);
        s.stop().await;
    }
}

/// Starts a sign-in at Rolehub's email step and answers the callback address the (rogue,
/// auto-approving) provider sends the browser back to.
async fn callback_from_rogue(b: &reqwest::Client, base: &str, email: &str) -> String {
    let to_provider = provider_link(b, base, email).await;
    let r = b.get(&to_provider).send().await.unwrap();
    assert_eq!(r.status(), 302, "{to_provider}");
    location(&r, &to_provider)
}

/// ID tokens no honest provider issues — for another client, expired, altered after signing,
/// with another nonce or issuer, an unverified or missing email — are refused and open no
/// session; a token signed by a newly published key is taken (the keys are read again once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_tokens_a_real_provider_would_never_issue_are_refused() {
    for b in backends() {
        let s = Server::start(&b).await;
        let Some(idp) = Provider::start("rogue.mjs", &s.base) else {
            s.stop().await;
            return;
        };
        connect(&s, &idp.issuer, true, false).await;
        let http = browser();
        for (mode, expected) in [
            ("ok", None),
            ("rotated", None),
            ("wrong_audience", Some("did not pass its checks")),
            ("expired", Some("did not pass its checks")),
            ("tampered", Some("did not pass its checks")),
            ("wrong_nonce", Some("did not pass its checks")),
            ("wrong_issuer", Some("did not pass its checks")),
            ("unverified_email", Some("not verified")),
            ("no_email", Some("sent no email")),
        ] {
            let r = http
                .post(format!("{}/mode/{mode}", idp.issuer))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 204, "{mode}");
            let user = browser();
            let callback = callback_from_rogue(&user, &s.base, "user001@acme.example").await;
            let r = user.get(&callback).send().await.unwrap();
            let opened = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap().starts_with("rolehub_session="));
            match expected {
                None => {
                    assert_eq!(r.status(), 303, "{}: {mode}", s.backend);
                    assert!(opened, "{mode}");
                }
                Some(text) => {
                    assert!(!opened, "{}: {mode} opened a session", s.backend);
                    let page = r.text().await.unwrap();
                    assert!(page.contains(text), "{}: {mode}: {page}", s.backend);
                }
            }
        }
        drop(idp);
        s.stop().await;
    }
}

/// The text between `open` and the next `<` in a page.
fn between(html: &str, open: &str) -> String {
    let at = html
        .find(open)
        .unwrap_or_else(|| panic!("no {open} in {html}"));
    let rest = &html[at + open.len()..];
    rest[..rest.find('<').unwrap()].to_string()
}

/// An org that asks a second factor of its full administrators makes one without an
/// authenticator enrol it while signing in (the console) and refuses the API until then; a
/// full administrator resets a lost authenticator, which ends the person's sessions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_makes_a_full_administrator_enrol_while_signing_in() {
    for b in backends() {
        let s = Server::start(&b).await;
        let admin2 = "admin2@acme.example";
        passwords(&s, &[admin2]).await;
        let policy =
            rolehub_store::service::SettingChange::parse("mfa_required", &json!("full_admins"))
                .unwrap();
        s.service.set_setting(&admin_ctx(), &policy).await.unwrap();

        // The API cannot enrol: it says where to.
        let r = s
            .request(Method::POST, "/v1/sessions")
            .json(&json!({ "email": admin2, "password": PASSWORD }))
            .send()
            .await;
        r.expect(403);
        assert!(r.text.contains("set up an authenticator"), "{}", r.text);

        // The console: email, password, then the enrolment step.
        let user = browser();
        let base = &s.base;
        let page = user
            .get(format!("{base}/signin"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let page = user
            .post(format!("{base}/signin"))
            .form(&[("csrf", hidden(&page, "csrf").as_str()), ("email", admin2)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("id=\"password\""), "{page}");
        let r = user
            .post(format!("{base}/signin"))
            .form(&[
                ("csrf", hidden(&page, "csrf").as_str()),
                ("email", admin2),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/signin/enrol");
        let page = user
            .get(format!("{base}/signin/enrol"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("data:image/svg+xml;base64,"), "{page}");
        let secret = between(&page, "id=\"totp-secret\">");
        // A wrong code is refused and the step stays.
        let page = user
            .post(format!("{base}/signin/enrol"))
            .form(&[("csrf", hidden(&page, "csrf").as_str()), ("code", "000000")])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("That code is not right"), "{page}");
        let now = system_now();
        let r = user
            .post(format!("{base}/signin/enrol"))
            .form(&[
                ("csrf", hidden(&page, "csrf").as_str()),
                ("code", code_at(&secret, now).unwrap().as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", s.backend);
        let page = r.text().await.unwrap();
        assert_eq!(page.matches("<li><code>").count(), 10, "{page}");
        let me = user
            .get(format!("{base}/v1/people/me"))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);

        // Now the API takes the next code; the authenticator cannot be removed while required.
        let next = code_at(&secret, now.plus_ms(30_000)).unwrap();
        s.request(Method::POST, "/v1/sessions")
            .json(&json!({ "email": admin2, "password": PASSWORD, "code": next }))
            .send()
            .await
            .expect(201);
        let own = Ctx::new(admin2, "acme", system_now());
        let e = s.service.remove_authenticator(&own).await.unwrap_err();
        assert!(e.to_string().contains("requires a second factor"), "{e}");

        // Lost: a full administrator resets it, and the person's sessions end.
        s.service
            .reset_authenticator(&admin_ctx(), admin2)
            .await
            .unwrap();
        assert!(!s.service.mfa_status(&own).await.unwrap().enrolled);
        let me = user
            .get(format!("{base}/v1/people/me"))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 401, "{}", s.backend);
        let events = audit(&s).await;
        assert!(events.iter().any(|e| e.action == "auth.mfa_enrolled"));
        assert!(events.iter().any(|e| e.action == "user.mfa_reset"));
        s.stop().await;
    }
}

/// A sign-in refusal the console shows is in the reader's language, in the service's own words
/// for it, the same the API gives: a wrong password, then the delay that failures ask for (the
/// store words both, in English and Dutch).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_refusals_are_in_the_readers_language() {
    for b in backends() {
        let s = Server::start(&b).await;
        passwords(&s, &["readonly@acme.example"]).await;
        let dutch = browser();
        let mut shown = Vec::new();
        for _ in 0..6 {
            let page = dutch
                .get(format!("{}/signin?lang=nl", s.base))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let r = dutch
                .post(format!("{}/signin", s.base))
                .form(&[
                    ("csrf", hidden(&page, "csrf").as_str()),
                    ("email", "readonly@acme.example"),
                    ("password", "not the password"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{}", s.backend);
            shown.push(between(&r.text().await.unwrap(), "role=\"alert\">"));
        }
        assert!(
            shown[..5]
                .iter()
                .all(|m| m == "Het e-mailadres of wachtwoord klopt niet."),
            "{}: {shown:?}",
            s.backend
        );
        assert!(
            shown[5].starts_with("Te veel mislukte aanmeldingen; probeer het over "),
            "{}: {shown:?}",
            s.backend
        );
        // The API says the same in Dutch, and in English to an English reader.
        for (lang, words) in [
            ("nl", "te veel mislukte aanmeldingen"),
            ("en", "too many failed sign-ins"),
        ] {
            let r = s
                .request(Method::POST, "/v1/sessions")
                .header("accept-language", lang)
                .json(&json!({ "email": "readonly@acme.example", "password": "not the password" }))
                .send()
                .await;
            assert_eq!(r.status, 429, "{}: {}", s.backend, r.text);
            assert!(r.message().starts_with(words), "{}: {}", s.backend, r.text);
        }
        s.stop().await;
    }
}
