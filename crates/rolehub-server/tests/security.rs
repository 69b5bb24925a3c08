//! The findings of the outside security test, each proven fixed on SQLite and PostgreSQL: who may
//! remove or deactivate an administrator (reading A-8), what external administrators see of
//! withheld fields (R-EXT-10), and sign-in under a burst of guesses.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

/// Acme's `user001` as user and device administrator and `user002` as location administrator of
/// amsterdam (where the first full administrator works).
async fn start_with_user_admins(b: &common::Backend) -> Server {
    Server::start_prepared(b, rolehub_server::Config::default(), |world| {
        grant(world, "acme", "user001@acme.example", "user_device_admin");
        let at = common::days_before(world, 30);
        common::grant_at(
            world,
            "acme",
            "user002@acme.example",
            "location_admin",
            &at,
            &["amsterdam"],
        );
    })
    .await
}

async fn token_of(s: &Server, email: &str) -> String {
    rolehub_testkit::token(&s.service, email, rolehub_store::service::TokenScope::Write)
        .await
        .1
}

/// Finding 2: a user and device administrator or a location administrator cannot remove or
/// deactivate a full administrator (by the API or by CSV), since that would take away a role they
/// may not revoke; they still manage people who hold no such role.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a8_user_and_location_admins_cannot_remove_full_admins() {
    for b in backends() {
        let s = start_with_user_admins(&b).await;
        let w = s.w.clone();
        let udev = token_of(&s, &w.users[0].email).await;
        let loc = token_of(&s, &w.users[1].email).await;
        let admin_path = format!("/v1/people/{}", w.admin.id);
        let before = s.acme_events().await;

        for token in [&udev, &loc] {
            let r = s
                .put(&admin_path, token, &json!({ "status": "inactive" }))
                .await;
            r.refused(403, "R-ASSIGN-1");
            assert!(
                r.message().contains("deactivate"),
                "{}: {}",
                s.backend,
                r.text
            );
            s.delete(&admin_path, token)
                .await
                .refused(403, "R-ASSIGN-1");
            s.delete(&format!("{admin_path}?dryRun=true"), token)
                .await
                .refused(403, "R-ASSIGN-1");
        }
        // The CCSA holds a role neither may revoke either.
        s.put(
            &format!("/v1/people/{}", w.ccsa.id),
            &udev,
            &json!({ "status": "inactive" }),
        )
        .await
        .refused(403, "R-ASSIGN-1");
        // By CSV: the row is refused, nothing applies.
        let csv = format!(
            "User ID/Email,Status\r\n{},inactive\r\n{},inactive\r\n",
            w.users[4].email, w.admin.email
        );
        let r = s
            .request(Method::POST, "/v1/people/csv")
            .bearer(&udev)
            .body("text/csv", csv)
            .send()
            .await;
        r.expect(422);
        assert_eq!(r.rule_ids(), ["R-ASSIGN-1"], "{}: {}", s.backend, r.text);
        let admin = s.acme_person(&w.admin.id).await;
        assert_eq!(admin["status"], "active");
        assert_eq!(admin["roles"], json!(["full_admin"]));
        assert_eq!(s.acme_person(&w.users[4].id).await["status"], "active");
        // Nothing changed; each refusal is audited once (two refused deactivations and removals,
        // the CCSA's deactivation, the file's refused row), the API's dry run not at all.
        assert_eq!(
            s.acme_events().await,
            before + 6,
            "{}: each refusal audited once",
            s.backend
        );
        let written = s.acme_newest_events(6).await;
        assert!(
            written
                .iter()
                .all(|e| e["outcome"] == "refused" && e["ruleId"] == "R-ASSIGN-1"),
            "{}: {written:?}",
            s.backend
        );
        assert_eq!(
            written
                .iter()
                .map(|e| e["action"].as_str().unwrap())
                .collect::<Vec<_>>(),
            [
                "user.update",
                "user.remove",
                "user.update",
                "user.remove",
                "user.update",
                "user.update_csv"
            ]
        );

        // People who hold no role are theirs to manage (user003 works at amsterdam).
        s.put(
            &format!("/v1/people/{}", w.users[4].id),
            &udev,
            &json!({ "status": "inactive" }),
        )
        .await
        .expect(200);
        s.delete(&format!("/v1/people/{}", w.users[2].id), &loc)
            .await
            .expect(204);
        // A full administrator may deactivate another.
        s.put(
            &admin_path,
            &w.admin2.token,
            &json!({ "status": "inactive" }),
        )
        .await
        .expect(200);
        s.stop().await;
    }
}

/// Finding 3: with nothing shared, an external administrator gets no clear-text people data from
/// the CSV template or the audit log (R-EXT-10).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_ext_10_withheld_fields_stay_masked_in_csv_and_audit() {
    for b in backends() {
        let s = Server::start_prepared(&b, rolehub_server::Config::default(), |world| {
            // An external full administrator of acme (audit_log: read).
            grant(world, "acme", "user@globex.example", "full_admin");
        })
        .await;
        let w = s.w.clone();
        // Some history first: a role change and a user added.
        s.post(
            "/v1/roleAssignments",
            &w.admin.token,
            &json!({ "personId": w.users[0].id, "roleId": "support_admin" }),
        )
        .await
        .expect(201);
        s.post(
            "/v1/people",
            &w.admin.token,
            &json!({ "emails": ["newbie@acme.example"], "firstName": "Nina", "lastName": "Nieuw" }),
        )
        .await
        .expect(200);
        s.put(
            "/v1/organizations/acme/settings",
            &w.admin.token,
            &json!({ "shareWithExternalAdmins": [] }),
        )
        .await
        .expect(200);

        // The template is keyed by email, which is withheld: refused, naming the rule.
        let r = s.get("/v1/people/csv?orgId=acme", &w.ext_ro.token).await;
        r.refused(403, "R-EXT-10");
        // An upload keyed by withheld emails would tell which addresses exist.
        let r = s
            .request(Method::POST, "/v1/people/csv?orgId=acme&dryRun=true")
            .bearer(&w.globex_user.token)
            .body(
                "text/csv",
                "User ID/Email,First Name\r\nadmin@acme.example,X\r\n",
            )
            .send()
            .await;
        r.refused(403, "R-EXT-10");

        // The audit log: no internal person's email or name in clear.
        let (events, _) = s
            .all_pages(
                "/v1/adminAudit/events?orgId=acme&max=50",
                &w.globex_user.token,
            )
            .await;
        assert!(events.len() >= 3, "{}: {events:?}", s.backend);
        let text = serde_json::to_string(&events).unwrap();
        for secret in [
            "admin@acme.example",
            "user001@acme.example",
            "newbie@acme.example",
            "Nina",
            "Nieuw",
        ] {
            assert!(
                !text.contains(secret),
                "{}: `{secret}` shown to an external administrator: {text}",
                s.backend
            );
        }
        assert!(text.contains("***@acme.example"), "{}", s.backend);
        // Searching the audit log by a withheld email is refused too.
        s.get(
            "/v1/adminAudit/events?orgId=acme&actorId=admin%40acme.example",
            &w.globex_user.token,
        )
        .await
        .refused(403, "R-EXT-10");
        // Internal administrators still see everything.
        let (events, _) = s
            .all_pages("/v1/adminAudit/events?max=50", &w.admin.token)
            .await;
        let text = serde_json::to_string(&events).unwrap();
        assert!(text.contains("newbie@acme.example"), "{}", s.backend);

        // With emails shared but names withheld, the template leaves names empty (no change).
        s.put(
            "/v1/organizations/acme/settings",
            &w.admin.token,
            &json!({ "shareWithExternalAdmins": ["email"] }),
        )
        .await
        .expect(200);
        let r = s.get("/v1/people/csv?orgId=acme", &w.ext_ro.token).await;
        r.expect(200);
        assert!(
            r.text.contains("admin@acme.example,,,,active,,"),
            "{}: {}",
            s.backend,
            r.text
        );
        assert!(!r.text.contains("Sanne"), "{}", s.backend);
        s.stop().await;
    }
}

async fn sign_in_status(s: &Server, email: &str, password: &str, forwarded: Option<&str>) -> u16 {
    let mut call = s
        .request(Method::POST, "/v1/sessions")
        .json(&json!({ "email": email, "password": password }));
    if let Some(addr) = forwarded {
        call = call.header("X-Forwarded-For", addr);
    }
    call.send().await.status
}

/// Findings 4 and 5: failures delay the (account, address) pair they come from; behind a trusted
/// proxy the address is the client's from `X-Forwarded-For`, and one stranger's guesses do not
/// lock the person out from where they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_delays_are_per_pair_and_trusted_proxies_name_the_client() {
    for b in backends() {
        let config = rolehub_server::Config {
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..rolehub_server::Config::default()
        };
        let s = Server::start_with(&b, config).await;
        let w = s.w.clone();
        s.service
            .operator("tests")
            .set_password(&w.admin.email, common::PASSWORD, system_now())
            .await
            .unwrap();
        for _ in 0..5 {
            assert_eq!(
                sign_in_status(&s, &w.admin.email, "not the password", Some("198.51.100.7")).await,
                401,
                "{}",
                s.backend
            );
        }
        // The sixth try from that address waits, even with the right password.
        assert_eq!(
            sign_in_status(&s, &w.admin.email, common::PASSWORD, Some("198.51.100.7")).await,
            429,
            "{}",
            s.backend
        );
        // From the person's own address, behind the same proxy: in at once.
        assert_eq!(
            sign_in_status(&s, &w.admin.email, common::PASSWORD, Some("203.0.113.9")).await,
            201,
            "{}",
            s.backend
        );
        s.stop().await;
    }
}

/// Not behind a trusted proxy, `X-Forwarded-For` is the client's own invention and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_addresses_from_untrusted_peers_are_ignored() {
    let s = Server::start(&backends()[0]).await;
    let w = s.w.clone();
    s.service
        .operator("tests")
        .set_password(&w.admin.email, common::PASSWORD, system_now())
        .await
        .unwrap();
    for i in 0..5 {
        let addr = format!("198.51.100.{i}");
        assert_eq!(
            sign_in_status(&s, &w.admin.email, "not the password", Some(&addr)).await,
            401
        );
    }
    assert_eq!(
        sign_in_status(&s, &w.admin.email, common::PASSWORD, Some("203.0.113.9")).await,
        429,
        "a made-up address must not escape the delay"
    );
    s.stop().await;
}

/// Finding 7: a console form names an org the person cannot act in: not found, and nothing
/// changes in their own org either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_forms_never_act_on_another_org_than_the_one_named() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        s.service
            .operator("tests")
            .set_password(&w.globex_admin.email, common::PASSWORD, system_now())
            .await
            .unwrap();
        let (cookie, csrf) = s.sign_in(&w.globex_admin.email, common::PASSWORD).await;
        let before = s
            .get("/v1/organizations/globex/settings", &w.globex_admin.token)
            .await
            .json()
            .clone();
        let r = s
            .request(Method::POST, "/settings?org=acme")
            .header("Cookie", &format!("rolehub_session={cookie}"))
            .body(
                "application/x-www-form-urlencoded",
                format!("csrf={csrf}&ttl=30&share=name"),
            )
            .send()
            .await;
        assert_eq!(r.status, 404, "{}: {}", s.backend, r.text);
        let after = s
            .get("/v1/organizations/globex/settings", &w.globex_admin.token)
            .await
            .json()
            .clone();
        assert_eq!(before, after, "{}: globex's settings changed", s.backend);
        let r = s
            .request(Method::POST, "/external/apply?org=acme")
            .header("Cookie", &format!("rolehub_session={cookie}"))
            .body(
                "application/x-www-form-urlencoded",
                format!("csrf={csrf}&email=user%40acme.example&role=readonly_admin"),
            )
            .send()
            .await;
        assert_eq!(r.status, 404, "{}: {}", s.backend, r.text);
        let (admins, _) = s
            .all_pages("/v1/admins?orgId=globex", &w.globex_admin.token)
            .await;
        assert_eq!(admins.len(), 1, "{}: {admins:?}", s.backend);
        s.stop().await;
    }
}

/// Findings 9, 10 and 11: a deactivated person creates no token; org details are admin reads
/// (an expired external grant reads none); a partner's full administrator re-assigns themselves
/// the provisioning role through the API while the relationship is active (R-EXT-9).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_org_details_and_partner_self_service() {
    for b in backends() {
        let s = Server::start_prepared(&b, rolehub_server::Config::default(), |world| {
            let at = common::days_before(world, 20);
            common::grant_at(
                world,
                "acme",
                "user@globex.example",
                "readonly_admin",
                &at,
                &[],
            );
        })
        .await;
        let w = s.w.clone();
        // 9: deactivated (R-AUTH-3): their tokens end with the deactivation, so the old one no
        // longer authenticates and makes no new token.
        s.put(
            &format!("/v1/people/{}", w.readonly.id),
            &w.admin.token,
            &json!({ "status": "inactive" }),
        )
        .await
        .expect(200);
        s.post(
            "/v1/tokens",
            &w.readonly.token,
            &json!({ "scope": "write" }),
        )
        .await
        .expect(401);
        // 10: expired external access reads no org details.
        for path in [
            "/v1/organizations/acme",
            "/v1/sites?orgId=acme",
            "/v1/locations?orgId=acme",
        ] {
            s.get(path, &w.globex_user.token)
                .await
                .refused(403, "R-EXT-7");
        }
        let r = s.get("/v1/organizations", &w.globex_user.token).await;
        assert!(
            !ids(&r.items(), "id").contains(&"acme".to_string()),
            "{}: {}",
            s.backend,
            r.text
        );
        // 11: the partner's full administrator, after the customer removed them, comes back.
        let grant = s.grant_id(&w.partner.id, "provisioning_admin").await;
        s.delete(&format!("/v1/roleAssignments/{grant}"), &w.admin.token)
            .await
            .expect(200);
        let r = s
            .post(
                "/v1/roleAssignments",
                &w.partner.token,
                &json!({ "orgId": "acme", "personId": w.partner.id, "roleId": "provisioning_admin" }),
            )
            .await;
        r.expect(201);
        let r = s
            .post(
                "/v1/roleAssignments",
                &w.partner.token,
                &json!({ "orgId": "acme", "personId": w.partner.id, "roleId": "full_admin" }),
            )
            .await;
        r.refused(403, "R-EXT-9");
        s.stop().await;
    }
}

/// Findings 12 and 13: unknown routes and methods carry the security headers too; a CCSA who gives
/// a license other than Contact Center's is refused with R-CCSA-8.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_everywhere_and_the_ccsa_license_rule() {
    let s = Server::start(&backends()[0]).await;
    let w = s.w.clone();
    for r in [
        s.get("/v1/nowhere", &w.admin.token).await,
        s.request(Method::DELETE, "/healthz").send().await,
    ] {
        assert!(matches!(r.status, 404 | 405), "{}", r.status);
        for header in [
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
            "content-security-policy",
            "cache-control",
        ] {
            assert!(r.header(header).is_some(), "{} without {header}", r.status);
        }
    }
    s.patch(
        "/v1/licenses/users",
        &w.ccsa.token,
        &json!({ "personId": w.users[0].id, "licenses": [{ "id": "calling", "operation": "add" }] }),
    )
    .await
    .refused(403, "R-CCSA-8");
    s.stop().await;
}
