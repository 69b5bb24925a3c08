//! `adminAudit` over HTTP: events with paging and filters, and the chain's verification.
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

/// `adminAudit/events` paging and filters; `adminAudit/verify`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_events_paging_and_verify() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;
        for u in &w.users[..5] {
            s.post(
                "/v1/roleAssignments",
                admin,
                &json!({"personId": u.id, "roleId": "device_admin"}),
            )
            .await
            .expect(201);
        }
        s.patch("/v1/licenses/users", admin, &json!({"email": w.users[0].email, "licenses": [{"id": "calling", "operation": "add"}]}))
            .await
            .expect(200);
        s.post(
            "/v1/roleAssignments",
            &w.admin2.token,
            &json!({"personId": w.users[6].id, "roleId": "events_admin"}),
        )
        .await
        .expect(201);
        let total = s.acme_events().await;
        assert!(total >= 7, "{total}");
        let (events, pages) = s.all_pages("/v1/adminAudit/events?max=2", admin).await;
        assert_eq!(events.len() as u64, total);
        assert_eq!(pages as u64, total.div_ceil(2));
        let zeros = "0".repeat(64);
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e["seq"], json!(i + 1), "{e}");
            assert_eq!(e["orgId"], "acme");
            assert!(is_api_date(e["created"].as_str().unwrap()));
            assert_eq!(e["hash"].as_str().unwrap().len(), 64);
            let prev = if i == 0 {
                zeros.clone()
            } else {
                events[i - 1]["hash"].as_str().unwrap().to_string()
            };
            assert_eq!(e["prevHash"], json!(prev));
            assert!(["ok", "refused"].contains(&e["outcome"].as_str().unwrap()));
            assert!(!e["trackingId"].as_str().unwrap().is_empty());
        }
        // Filters.
        let r = s
            .get("/v1/adminAudit/events?eventCategories=role", admin)
            .await;
        let roles = r.items();
        assert_eq!(roles.len(), 6);
        assert!(roles
            .iter()
            .all(|e| e["action"].as_str().unwrap().starts_with("role.")));
        let r = s
            .get("/v1/adminAudit/events?eventCategories=role,license", admin)
            .await;
        assert_eq!(r.items().len(), 7);
        let r = s
            .get(
                &format!("/v1/adminAudit/events?actorId={}", w.admin2.id),
                admin,
            )
            .await;
        let mine = r.items();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0]["actorEmail"], "admin2@acme.example");
        assert_eq!(mine[0]["targetId"], json!(w.users[6].id));
        let r = s
            .get("/v1/adminAudit/events?actorId=admin2%40acme.example", admin)
            .await;
        assert_eq!(r.items().len(), 1);
        let r = s
            .get(
                &format!("/v1/adminAudit/events?from={}", enc(&iso_in_days(1))),
                admin,
            )
            .await;
        assert!(r.items().is_empty());
        let r = s
            .get(
                &format!("/v1/adminAudit/events?to={}", enc(&iso_in_days(-1))),
                admin,
            )
            .await;
        assert!(r.items().is_empty());
        let r = s
            .get(
                &format!("/v1/adminAudit/events?from={}", enc(&iso_in_days(-1))),
                admin,
            )
            .await;
        assert_eq!(r.items().len() as u64, total);
        s.get("/v1/adminAudit/events?from=yesterday", admin)
            .await
            .expect(400);
        s.get("/v1/adminAudit/events?after=zz", admin)
            .await
            .expect(400);
        // Verify.
        let r = s.get("/v1/adminAudit/verify", admin).await;
        r.expect(200);
        assert_eq!(*r.json(), json!({"intact": true, "eventsChecked": total}));
        // Needs read on the audit log.
        let r = s.get("/v1/adminAudit/events", &w.agent.token).await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert!(!r.rule_ids().is_empty());
        s.stop().await;
    }
}
