//! `organizations` with settings, `licenses`, `locations`, `sites` and `subscriptions` over HTTP.
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

/// `organizations`: only the orgs the caller administers (a grant in effect there); get; settings
/// read and changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_and_settings() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;
        for (who, expected) in [
            (&w.admin, set(&["acme"])),
            // A plain user of globex: no role there, so only acme is theirs to administer.
            (&w.ext_ro, set(&["acme"])),
            (&w.partner, set(&["acme", "pnet"])),
            (&w.globex_admin, set(&["globex"])),
        ] {
            let r = s.get("/v1/organizations", &who.token).await;
            r.expect(200);
            assert_eq!(sset(&ids(&r.items(), "id")), expected, "{}", who.email);
        }
        let r = s.get("/v1/organizations/acme", admin).await;
        r.expect(200);
        assert_eq!(
            *r.json(),
            json!({"id": "acme", "displayName": "Acme BV", "kind": "standard", "partnerOrgId": "pnet", "partnerStatus": "active",
                   "contactCenter": true, "contactCenterChat": false, "calling": true, "events": true})
        );
        s.get("/v1/organizations/globex", admin).await.expect(404);
        s.get("/v1/organizations/nope", admin).await.expect(404);

        let r = s.get("/v1/organizations/acme/settings", admin).await;
        r.expect(200);
        assert_eq!(r.json()["externalReadonlyTtlDays"], 14);
        assert_eq!(
            sset(&strings(&r.json()["shareWithExternalAdmins"])),
            set(&["name", "email", "phone", "location"])
        );
        let events = s.acme_events().await;
        let r = s
            .put(
                "/v1/organizations/acme/settings",
                admin,
                &json!({"externalReadonlyTtlDays": 30}),
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["externalReadonlyTtlDays"], 30);
        let r = s.get("/v1/organizations/acme/settings", admin).await;
        assert_eq!(r.json()["externalReadonlyTtlDays"], 30);
        assert_eq!(
            r.json()["shareWithExternalAdmins"]
                .as_array()
                .unwrap()
                .len(),
            4,
            "untouched"
        );
        assert_eq!(s.acme_events().await, events + 1);
        // Withholding emails masks them for external viewers (R-EXT-10).
        s.put(
            "/v1/organizations/acme/settings",
            admin,
            &json!({"shareWithExternalAdmins": ["name"]}),
        )
        .await
        .expect(200);
        let r = s.get("/v1/people?orgId=acme&max=3", &w.ext_ro.token).await;
        r.expect(200);
        for p in r.items() {
            assert!(p["emails"][0].as_str().unwrap().starts_with("***@"), "{p}");
            assert!(p.get("locationId").is_none(), "{p}");
        }
        // A withheld field cannot be searched or recovered through the paging cursor either.
        let r = s
            .get(
                "/v1/people?orgId=acme&email=admin%40acme.example",
                &w.ext_ro.token,
            )
            .await;
        r.refused(403, "R-EXT-10");
        let r = s.get("/v1/people?orgId=acme&max=1", &w.ext_ro.token).await;
        let link = r
            .headers
            .get("link")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let cursor = link
            .split("after=")
            .nth(1)
            .unwrap_or("")
            .split('>')
            .next()
            .unwrap_or("");
        let decoded: Vec<u8> = (0..cursor.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(&cursor[i..i + 2], 16).ok())
            .collect();
        assert!(
            !String::from_utf8_lossy(&decoded).contains('@'),
            "the cursor reveals an email: {link}"
        );
        let r = s.get("/v1/people?orgId=acme&max=3", admin).await;
        assert!(!r.items()[0]["emails"][0]
            .as_str()
            .unwrap()
            .starts_with("***"));
        // Refusals and bad values.
        let r = s
            .put(
                "/v1/organizations/acme/settings",
                &w.readonly.token,
                &json!({"externalReadonlyTtlDays": 1}),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert!(!r.rule_ids().is_empty());
        s.put("/v1/organizations/acme/settings", admin, &json!({}))
            .await
            .expect(400);
        let r = s
            .put(
                "/v1/organizations/acme/settings",
                admin,
                &json!({"externalReadonlyTtlDays": 0}),
            )
            .await;
        r.expect(422);
        let r = s
            .put(
                "/v1/organizations/acme/settings",
                admin,
                &json!({"shareWithExternalAdmins": ["shoe size"]}),
            )
            .await;
        r.expect(422);
        let r = s.get("/v1/organizations/acme/settings", admin).await;
        assert_eq!(r.json()["externalReadonlyTtlDays"], 30);
        assert_eq!(r.json()["shareWithExternalAdmins"], json!(["name"]));
        s.put(
            "/v1/organizations/globex/settings",
            admin,
            &json!({"externalReadonlyTtlDays": 3}),
        )
        .await
        .expect(404);
        s.stop().await;
    }
}

/// `licenses`: totals; `PATCH /v1/licenses/users`; R-LIC-1 and R-CCSA-2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licenses_totals_assign_and_quantity() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;
        let units = |r: &Resp| -> BTreeMap<String, (i64, i64)> {
            r.items()
                .iter()
                .map(|l| {
                    assert!(l["name"].as_str().is_some_and(|n| !n.is_empty()));
                    (
                        l["id"].as_str().unwrap().to_string(),
                        (
                            l["totalUnits"].as_i64().unwrap(),
                            l["consumedUnits"].as_i64().unwrap(),
                        ),
                    )
                })
                .collect()
        };
        let r = s.get("/v1/licenses", admin).await;
        r.expect(200);
        let u = units(&r);
        assert_eq!(u["cc_premium_agent"], (3, 2));
        assert_eq!(u["cc_standard_agent"], (10, 0));
        assert_eq!(u["calling"], (50, 1));
        let premium = r
            .items()
            .into_iter()
            .find(|l| l["id"] == "cc_premium_agent")
            .unwrap();
        assert_eq!(premium["name"], "Webex Contact Center Premium Agent");

        let add = |who: &str, license: &str| json!({"email": who, "licenses": [{"id": license, "operation": "add"}]});
        let remove = |who: &str, license: &str| json!({"personId": who, "licenses": [{"id": license, "operation": "remove"}]});
        s.patch(
            "/v1/licenses/users",
            admin,
            &add(&w.users[0].email, "cc_premium_agent"),
        )
        .await
        .expect(200);
        assert_eq!(
            units(&s.get("/v1/licenses", admin).await)["cc_premium_agent"],
            (3, 3)
        );
        assert_eq!(
            s.acme_person(&w.users[0].id).await["licenses"],
            json!(["cc_premium_agent"])
        );
        // Over the quantity: refused, naming the license (by its product name, as people read
        // it) and the quantity (R-LIC-1).
        let events = s.acme_events().await;
        let r = s
            .patch("/v1/licenses/users", admin, &json!({"personId": w.users[1].id, "licenses": [{"id": "cc_premium_agent", "operation": "add"}]}))
            .await;
        r.refused(403, "R-LIC-1");
        assert!(
            r.message().contains("Webex Contact Center Premium Agent") && r.message().contains('3'),
            "{}",
            r.text
        );
        assert_eq!(
            units(&s.get("/v1/licenses", admin).await)["cc_premium_agent"],
            (3, 3)
        );
        assert_eq!(s.acme_person(&w.users[1].id).await["licenses"], json!([]));
        // Nothing changed; the refusal is audited once, with the change asked for.
        assert_eq!(s.acme_events().await, events + 1);
        let last = &s.acme_newest_events(1).await[0];
        assert_eq!(
            (&last["action"], &last["outcome"], &last["ruleId"]),
            (
                &json!("license.change"),
                &json!("refused"),
                &json!("R-LIC-1")
            )
        );
        assert_eq!(last["targetId"], json!(w.users[1].id));
        assert_eq!(
            last["after"],
            json!({"changes": [{"license": "cc_premium_agent", "on": true}]})
        );
        // All or nothing: one change refused, none made.
        let r = s
            .patch("/v1/licenses/users", admin, &json!({"personId": w.users[1].id, "licenses": [{"id": "calling", "operation": "add"}, {"id": "cc_premium_agent", "operation": "add"}]}))
            .await;
        r.refused(403, "R-LIC-1");
        assert_eq!(s.acme_person(&w.users[1].id).await["licenses"], json!([]));
        // Remove, then there is a unit again.
        s.patch(
            "/v1/licenses/users",
            admin,
            &remove(&w.users[0].id, "cc_premium_agent"),
        )
        .await
        .expect(200);
        assert_eq!(
            units(&s.get("/v1/licenses", admin).await)["cc_premium_agent"],
            (3, 2)
        );
        // The CCSA keeps Premium Agent (R-CCSA-2).
        let r = s
            .patch(
                "/v1/licenses/users",
                admin,
                &remove(&w.ccsa.id, "cc_premium_agent"),
            )
            .await;
        r.refused(403, "R-CCSA-2");
        assert_eq!(
            s.acme_person(&w.ccsa.id).await["licenses"],
            json!(["cc_premium_agent"])
        );
        // A CCSA changes Contact Center licenses (R-CCSA-8), not others.
        s.patch(
            "/v1/licenses/users",
            &w.ccsa.token,
            &add(&w.users[2].email, "cc_standard_agent"),
        )
        .await
        .expect(200);
        let r = s
            .patch(
                "/v1/licenses/users",
                &w.ccsa.token,
                &add(&w.users[2].email, "calling"),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(
            s.acme_person(&w.users[2].id).await["licenses"],
            json!(["cc_standard_agent"])
        );
        // Bad values are named.
        let r = s
            .patch("/v1/licenses/users", admin, &json!({"email": w.users[2].email, "licenses": [{"id": "calling", "operation": "borrow"}]}))
            .await;
        r.expect(422);
        assert_eq!(r.json()["errors"][0]["field"], "licenses[0].operation");
        s.patch(
            "/v1/licenses/users",
            admin,
            &add(&w.users[2].email, "gold_star"),
        )
        .await
        .expect(422);
        s.patch("/v1/licenses/users", admin, &json!({"licenses": []}))
            .await
            .expect(400);
        s.patch(
            "/v1/licenses/users",
            admin,
            &add("user@globex.example", "calling"),
        )
        .await
        .expect(404);
        s.stop().await;
    }
}

/// `locations`, `sites`, `subscriptions`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locations_sites_subscriptions() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let r = s.get("/v1/locations", &w.admin.token).await;
        r.expect(200);
        assert_eq!(
            *r.json(),
            json!({"items": [{"id": "amsterdam", "name": "amsterdam"}, {"id": "rotterdam", "name": "rotterdam"}, {"id": "utrecht", "name": "utrecht"}]})
        );
        let r = s.get("/v1/sites", &w.admin.token).await;
        r.expect(200);
        assert_eq!(
            *r.json(),
            json!({"items": [{"url": SITE, "managedBy": "control_hub"}]})
        );
        let r = s.get("/v1/sites", &w.globex_admin.token).await;
        assert_eq!(r.items()[0]["url"], "globex.webex.com");
        // A user of globex without a role there reads no org details (R-PERM-1).
        s.get("/v1/sites?orgId=globex", &w.ext_ro.token)
            .await
            .refused(403, "R-PERM-1");
        // The CCSA reads the subscriptions (R-CCSA-8).
        let r = s.get("/v1/subscriptions", &w.ccsa.token).await;
        r.expect(200);
        let items = r.items();
        assert_eq!(items.len(), 1);
        let sub = &items[0];
        assert_eq!(sub["id"], "sub-acme");
        assert_eq!(sub["sellerOrgId"], "pnet");
        assert_eq!(sub["trial"], false);
        assert!(is_api_date(sub["created"].as_str().unwrap()));
        let q: BTreeMap<String, i64> = sub["licenses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["id"].as_str().unwrap().to_string(),
                    l["quantity"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(q["cc_premium_agent"], 3);
        assert_eq!(q["calling"], 50);
        let r = s.get("/v1/subscriptions", &w.agent.token).await;
        assert_eq!(r.status, 403, "{}", r.text);
        for path in [
            "/v1/locations?orgId=globex",
            "/v1/sites?orgId=globex",
            "/v1/subscriptions?orgId=globex",
        ] {
            s.get(path, &w.admin.token).await.expect(404);
        }
        s.stop().await;
    }
}
