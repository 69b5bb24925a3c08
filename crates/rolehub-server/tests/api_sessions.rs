//! `sessions`, `tokens` and `activation` over HTTP: sign-in, cookies and CSRF, personal access tokens, invitation links.
//!
//! A real server on a local port over a real database (SQLite always, PostgreSQL when
//! `ROLEHUB_TEST_POSTGRES` names a server); every answer is checked against the API's conventions
//! by the harness (`common`) before a test looks at it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

mod common;

use common::*;

/// `tokens`: the secret once; listed without it; revoked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_create_list_revoke() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;
        let r = s
            .post(
                "/v1/tokens",
                admin,
                &json!({"name": "ci", "scope": "write", "ttlDays": 7}),
            )
            .await;
        r.expect(201);
        let t = r.json().clone();
        let secret = t["token"].as_str().unwrap().to_string();
        let id = t["id"].as_str().unwrap().to_string();
        assert_eq!(t["name"], "ci");
        assert_eq!(t["scope"], "write");
        let created = rolehub_domain::Timestamp::parse(t["created"].as_str().unwrap()).unwrap();
        let expires = rolehub_domain::Timestamp::parse(t["expires"].as_str().unwrap()).unwrap();
        assert_eq!(expires.0 - created.0, 7 * 86_400_000);
        // The new token works.
        let r = s.get("/v1/people/me", &secret).await;
        r.expect(200);
        assert_eq!(r.json()["id"], json!(w.admin.id));
        // Listed, never with the secret.
        let r = s.get("/v1/tokens", admin).await;
        r.expect(200);
        let items = r.items();
        assert!(ids(&items, "id").contains(&id));
        assert!(items.iter().all(|i| i.get("token").is_none()), "{}", r.text);
        assert!(!r.text.contains(&secret));
        // Default scope: read.
        let r = s.post("/v1/tokens", admin, &json!({})).await;
        r.expect(201);
        assert_eq!(r.json()["scope"], "read");
        // Revoke: it stops working, and cannot be revoked twice.
        s.delete(&format!("/v1/tokens/{id}"), admin)
            .await
            .expect(204);
        s.get("/v1/people/me", &secret).await.expect(401);
        s.delete(&format!("/v1/tokens/{id}"), admin)
            .await
            .expect(404);
        assert!(!ids(&s.get("/v1/tokens", admin).await.items(), "id").contains(&id));
        // Another person's token is not found, and keeps working.
        s.delete(&format!("/v1/tokens/{}", w.admin2.token_id), admin)
            .await
            .expect(404);
        s.get("/v1/people/me", &w.admin2.token).await.expect(200);
        // Bad values.
        let r = s
            .post("/v1/tokens", admin, &json!({"scope": "admin"}))
            .await;
        r.expect(422);
        assert_eq!(r.json()["errors"][0]["field"], "scope");
        s.post("/v1/tokens", admin, &json!({"ttlDays": 0}))
            .await
            .expect(422);
        s.post("/v1/tokens", admin, &json!({"ttlDays": 400}))
            .await
            .expect(422);
        s.stop().await;
    }
}

/// `sessions`: an HttpOnly SameSite=Lax cookie; changes need the CSRF token; sign-out ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_cookie_csrf_and_sign_out() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        s.service
            .operator("tests")
            .set_password(&w.admin.email, PASSWORD, system_now())
            .await
            .unwrap();
        let events = s.acme_events().await;
        let r = s
            .request(Method::POST, "/v1/sessions")
            .json(&json!({"email": "Admin@Acme.example", "password": PASSWORD}))
            .send()
            .await;
        r.expect(201);
        assert_eq!(r.json()["personId"], json!(w.admin.id));
        assert_eq!(r.json()["email"], "admin@acme.example");
        assert_eq!(r.json()["orgId"], "acme");
        let csrf = r.json()["csrfToken"].as_str().unwrap().to_string();
        let set_cookie = r.header("set-cookie").unwrap();
        for part in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(set_cookie.split("; ").any(|p| p == part), "{set_cookie}");
        }
        let cookie = format!("rolehub_session={}", r.session_cookie().unwrap());
        assert_eq!(s.acme_events().await, events + 1, "the sign-in is audited");

        let r = s
            .request(Method::GET, "/v1/people/me")
            .header("cookie", &cookie)
            .send()
            .await;
        r.expect(200);
        assert_eq!(r.json()["id"], json!(w.admin.id));
        assert!(r.json()["lastSignIn"].is_string());
        // A change with the cookie but without (or with a wrong) CSRF token is refused.
        let change = json!({"personId": w.users[0].id, "roleId": "device_admin"});
        for token in [None, Some("wrong")] {
            let mut call = s
                .request(Method::POST, "/v1/roleAssignments")
                .header("cookie", &cookie)
                .json(&change);
            if let Some(t) = token {
                call = call.header("x-csrf-token", t);
            }
            let r = call.send().await;
            r.expect(403);
            assert!(r.message().contains("X-CSRF-Token"), "{}", r.text);
        }
        assert!(s.acme_roles(&w.users[0].id).await.is_empty());
        // With it, it works.
        let r = s
            .request(Method::POST, "/v1/roleAssignments")
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&change)
            .send()
            .await;
        r.expect(201);
        assert_eq!(s.acme_roles(&w.users[0].id).await, ["device_admin"]);
        // Sign out: the cookie is cleared and no longer works.
        let r = s
            .request(Method::DELETE, "/v1/sessions/current")
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .send()
            .await;
        r.expect(204);
        let cleared = r.header("set-cookie").unwrap();
        assert!(
            cleared.starts_with("rolehub_session=;") && cleared.contains("Max-Age=0"),
            "{cleared}"
        );
        s.request(Method::GET, "/v1/people/me")
            .header("cookie", &cookie)
            .send()
            .await
            .expect(401);
        // Wrong credentials say nothing about which part was wrong.
        let wrong = s
            .request(Method::POST, "/v1/sessions")
            .json(&json!({"email": w.admin.email, "password": "not the password"}))
            .send()
            .await;
        wrong.expect(401);
        let unknown = s
            .request(Method::POST, "/v1/sessions")
            .json(&json!({"email": "ghost@acme.example", "password": "not the password"}))
            .send()
            .await;
        unknown.expect(401);
        assert_eq!(wrong.message(), unknown.message());
        // Someone without a password cannot sign in.
        s.request(Method::POST, "/v1/sessions")
            .json(&json!({"email": w.admin2.email, "password": ""}))
            .send()
            .await
            .expect(401);
        s.stop().await;
    }
}

/// Activation: the invitation mail's link sets a password once; a resent invitation voids it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activation_by_invitation_link() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;
        let r = s
            .post(
                "/v1/people",
                admin,
                &json!({"emails": ["newbie@acme.example"], "firstName": "Nieuw"}),
            )
            .await;
        r.expect(200);
        let id = r.json()["id"].as_str().unwrap().to_string();
        let token = invitation(&s, "newbie@acme.example").await;
        assert!(token.len() >= 32, "{token}");
        let activate = |token: &str, password: &str| {
            s.request(Method::POST, "/v1/activation")
                .json(&json!({"token": token, "password": password}))
                .send()
        };
        // Too short a password: refused, and the link still works.
        let r = activate(&token, "short").await;
        r.expect(422);
        assert_eq!(r.json()["errors"][0]["field"], "password");
        activate(&token, "a good long password").await.expect(204);
        assert_eq!(s.acme_person(&id).await["status"], "active");
        s.sign_in("newbie@acme.example", "a good long password")
            .await;
        // Once only.
        activate(&token, "another long password").await.expect(404);
        s.request(Method::POST, "/v1/sessions")
            .json(&json!({"email": "newbie@acme.example", "password": "another long password"}))
            .send()
            .await
            .expect(401);
        // A resent invitation voids the old link.
        s.post(
            "/v1/people",
            admin,
            &json!({"emails": ["second@acme.example"]}),
        )
        .await
        .expect(200);
        let first = invitation(&s, "second@acme.example").await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        s.service
            .resend_invite(
                &rolehub_store::Ctx::new(&w.admin.email, "acme", system_now()),
                "second@acme.example",
            )
            .await
            .unwrap();
        let second = invitation(&s, "second@acme.example").await;
        assert_ne!(first, second);
        activate(&first, "a good long password").await.expect(404);
        activate(&second, "a good long password").await.expect(204);
        s.sign_in("second@acme.example", "a good long password")
            .await;
        activate(&"0".repeat(64), "a good long password")
            .await
            .expect(404);
        s.stop().await;
    }
}
