//! `people` and `people/csv` over HTTP: list with every filter and paging, get, me, create, update, delete, the CSV template and upload.
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

/// `GET /v1/people` with every filter, `GET /v1/people/{id}` and `GET /v1/people/me`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_list_filters_get_and_me() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;

        // email: exact, case-insensitive.
        let r = s
            .get(
                &format!("/v1/people?email={}", enc("ADMIN@acme.example")),
                admin,
            )
            .await;
        r.expect(200);
        let items = r.items();
        assert_eq!(items.len(), 1, "{}", r.text);
        let p = &items[0];
        assert_eq!(p["id"], json!(w.admin.id));
        assert_eq!(p["emails"], json!(["admin@acme.example"]));
        assert_eq!(p["displayName"], "Sanne de Vries");
        assert_eq!(p["firstName"], "Sanne");
        assert_eq!(p["lastName"], "de Vries");
        assert_eq!(p["orgId"], "acme");
        assert_eq!(p["status"], "active");
        assert_eq!(p["locationId"], "amsterdam");
        assert_eq!(p["roles"], json!(["full_admin"]));
        assert_eq!(p["adminRoles"], "Full administrator");
        assert_eq!(p["licenses"], json!(["calling"]));
        assert_eq!(p["external"], false);
        assert!(is_api_date(p["lastSignIn"].as_str().unwrap()), "{p}");

        // displayName: a prefix, case-insensitive.
        let r = s.get("/v1/people?displayName=user%2000", admin).await;
        r.expect(200);
        let names = ids(&r.items(), "displayName");
        assert_eq!(names.len(), 9, "{names:?}");
        assert!(names.iter().all(|n| n.starts_with("User 00")), "{names:?}");

        // roles: holders of any of them, internal and external (R-LIST-1).
        let r = s.get("/v1/people?roles=full_admin", admin).await;
        r.expect(200);
        let emails: Vec<String> = r
            .items()
            .iter()
            .map(|p| p["emails"][0].as_str().unwrap().to_string())
            .collect();
        assert_eq!(emails, ["admin2@acme.example", "admin@acme.example"]);
        let r = s.get("/v1/people?roles=readonly_admin", admin).await;
        r.expect(200);
        let items = r.items();
        assert_eq!(
            ids(&items, "id"),
            [w.readonly.id.clone(), w.ext_ro.id.clone()],
            "{}",
            r.text
        );
        assert_eq!(items[1]["external"], true);
        assert_eq!(items[1]["orgId"], "globex");
        assert_eq!(items[1]["roles"], json!(["readonly_admin"]));
        let r = s
            .get("/v1/people?roles=full_admin,cc_service_admin", admin)
            .await;
        r.expect(200);
        assert_eq!(r.items().len(), 3, "{}", r.text);

        // status.
        for (status, count) in [("pending", 6), ("inactive", 6)] {
            let r = s.get(&format!("/v1/people?status={status}"), admin).await;
            r.expect(200);
            let items = r.items();
            assert_eq!(items.len(), count, "{status}: {}", r.text);
            assert!(items.iter().all(|p| p["status"] == status));
        }

        // id: a list.
        let r = s
            .get(
                &format!("/v1/people?id={},{}", w.users[0].id, w.ccsa.id),
                admin,
            )
            .await;
        r.expect(200);
        assert_eq!(
            sset(&ids(&r.items(), "id")),
            sset(&[w.users[0].id.clone(), w.ccsa.id.clone()])
        );

        // locationId.
        let r = s.get("/v1/people?locationId=utrecht&max=1000", admin).await;
        r.expect(200);
        let items = r.items();
        assert_eq!(items.len(), PLAIN_USERS / 3 + 1, "{}", r.text);
        assert!(items.iter().all(|p| p["locationId"] == "utrecht"));

        // Filters combine.
        let r = s
            .get(
                "/v1/people?locationId=amsterdam&roles=cc_service_admin",
                admin,
            )
            .await;
        r.expect(200);
        assert_eq!(ids(&r.items(), "id"), [w.ccsa.id.as_str()]);

        // Bad filters are named.
        for (query, field) in [
            ("status=sleeping", "status"),
            ("roles=emperor", "roles"),
            ("colour=blue", "query"),
        ] {
            let r = s.get(&format!("/v1/people?{query}"), admin).await;
            r.expect(400);
            assert_eq!(r.json()["errors"][0]["field"], field, "{}", r.text);
        }

        // get: one person, with roles in effect and licenses.
        let p = s.acme_person(&w.ccsa.id).await;
        assert_eq!(p["roles"], json!(["cc_service_admin"]));
        assert_eq!(p["licenses"], json!(["cc_premium_agent"]));
        assert_eq!(p["adminRoles"], "Contact Center service administrator");
        // An external administrator is visible in the org where they hold a grant.
        let p = s.acme_person(&w.ext_ro.id).await;
        assert_eq!(p["external"], true);
        assert_eq!(p["roles"], json!(["readonly_admin"]));
        // A plain user shows `None`.
        let p = s.acme_person(&w.users[0].id).await;
        assert_eq!(p["roles"], json!([]));
        assert_eq!(p["adminRoles"], "None");

        // me: the caller, in the home org or in `orgId`.
        let r = s.get("/v1/people/me", &w.readonly.token).await;
        r.expect(200);
        assert_eq!(r.json()["id"], json!(w.readonly.id));
        assert_eq!(r.json()["roles"], json!(["readonly_admin"]));
        let r = s.get("/v1/people/me", &w.ext_ro.token).await;
        r.expect(200);
        assert_eq!(
            r.json()["roles"],
            json!([]),
            "at home in globex: {}",
            r.text
        );
        let r = s.get("/v1/people/me?orgId=acme", &w.ext_ro.token).await;
        r.expect(200);
        assert_eq!(r.json()["roles"], json!(["readonly_admin"]));
        assert_eq!(r.json()["external"], true);

        // A plain user sees themselves but cannot list (needs read on users).
        let r = s.get("/v1/people", &w.agent.token).await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert!(!r.rule_ids().is_empty(), "{}", r.text);
        s.get("/v1/people/me", &w.agent.token).await.expect(200);
        s.stop().await;
    }
}

/// `POST` (201, pending, no role), `PUT` (full replacement, licenses too) and `DELETE`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_create_update_delete() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;
        let events = s.acme_events().await;

        let r = s
            .post(
                "/v1/people",
                admin,
                &json!({"emails": ["New.Hire@acme.example"], "firstName": "Nina", "lastName": "Nieuw", "locationId": "rotterdam"}),
            )
            .await;
        r.expect(200);
        let created = r.json().clone();
        let id = created["id"].as_str().unwrap().to_string();
        assert_eq!(created["emails"], json!(["new.hire@acme.example"]));
        assert_eq!(created["status"], "pending");
        assert_eq!(created["roles"], json!([]), "R-NEW-1");
        assert_eq!(created["adminRoles"], "None");
        assert_eq!(created["licenses"], json!([]));
        assert_eq!(created["locationId"], "rotterdam");
        assert_eq!(created["displayName"], "Nina Nieuw");
        assert!(created.get("lastSignIn").is_none(), "{created}");
        assert_eq!(s.acme_person(&id).await, created);
        // One audit event, carrying the request's tracking id.
        assert_eq!(s.acme_events().await, events + 1);
        let tracking = r.header("trackingid").unwrap();
        let ev = s
            .get("/v1/adminAudit/events?eventCategories=user.add", admin)
            .await;
        ev.expect(200);
        let ev = ev.items();
        let ev = ev.iter().find(|e| e["targetId"] == json!(id)).unwrap();
        assert_eq!(ev["trackingId"], json!(tracking));
        assert_eq!(ev["actorId"], json!(w.admin.id));

        // PUT: the fields given, and licenses as the full set held afterwards.
        let r = s
            .put(
                &format!("/v1/people/{id}"),
                admin,
                &json!({"firstName": "Nina", "lastName": "Nieuwenhuis", "displayName": "Nina N.", "locationId": "utrecht", "licenses": ["calling", "cc_standard_agent"]}),
            )
            .await;
        r.expect(200);
        let p = r.json().clone();
        assert_eq!(p["lastName"], "Nieuwenhuis");
        assert_eq!(p["displayName"], "Nina N.");
        assert_eq!(p["locationId"], "utrecht");
        assert_eq!(
            sset(&strings(&p["licenses"])),
            set(&["calling", "cc_standard_agent"])
        );
        assert_eq!(s.acme_person(&id).await, p);
        let r = s
            .put(
                &format!("/v1/people/{id}"),
                admin,
                &json!({"licenses": ["cc_standard_agent"]}),
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["licenses"], json!(["cc_standard_agent"]));
        let back = s.acme_person(&id).await;
        assert_eq!(back["licenses"], json!(["cc_standard_agent"]));
        assert_eq!(back["lastName"], "Nieuwenhuis");
        let lic = s.get("/v1/licenses", admin).await;
        let calling = lic
            .items()
            .into_iter()
            .find(|l| l["id"] == "calling")
            .unwrap();
        assert_eq!(calling["consumedUnits"], 1, "the calling unit went back");
        // Deactivating by PUT, and back.
        let r = s
            .put(
                &format!("/v1/people/{}", w.users[0].id),
                admin,
                &json!({"status": "inactive"}),
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["status"], "inactive");
        assert_eq!(s.acme_person(&w.users[0].id).await["status"], "inactive");
        // Invalid values are named (422); a location the org does not have is not found (404),
        // as an unknown person or site is.
        for (body, field, status) in [
            (json!({"licenses": ["gold_star"]}), "licenses", 422),
            (json!({"locationId": "atlantis"}), "Location", 404),
            (json!({"status": "sleeping"}), "Status", 422),
        ] {
            let r = s.put(&format!("/v1/people/{id}"), admin, &body).await;
            r.expect(status);
            assert_eq!(r.json()["errors"][0]["field"], field, "{}", r.text);
        }
        // R-CCSA-2 through PUT: the CCSA keeps the Premium Agent license.
        let r = s
            .put(
                &format!("/v1/people/{}", w.ccsa.id),
                admin,
                &json!({"licenses": []}),
            )
            .await;
        r.refused(403, "R-CCSA-2");
        assert_eq!(
            s.acme_person(&w.ccsa.id).await["licenses"],
            json!(["cc_premium_agent"])
        );

        // DELETE: gone, with grants and licenses.
        s.delete(&format!("/v1/people/{id}"), admin)
            .await
            .expect(204);
        s.get(&format!("/v1/people/{id}"), admin).await.expect(404);
        s.delete(&format!("/v1/people/{id}"), admin)
            .await
            .expect(404);
        s.delete(&format!("/v1/people/{}", w.ccsa.id), admin)
            .await
            .expect(204);
        assert!(s.grant_ids(&w.ccsa.id).await.is_empty());
        let lic = s.get("/v1/licenses", admin).await;
        let premium = lic
            .items()
            .into_iter()
            .find(|l| l["id"] == "cc_premium_agent")
            .unwrap();
        assert_eq!(premium["consumedUnits"], 1);
        // A read-only administrator cannot remove users; the user stays.
        let r = s
            .delete(&format!("/v1/people/{}", w.users[1].id), &w.readonly.token)
            .await;
        assert_eq!(r.status, 403, "{}", r.text);
        s.acme_person(&w.users[1].id).await;
        s.stop().await;
    }
}

/// `people/csv`: the template; upload with preview, all or nothing, and partial.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_csv_template_and_upload() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;
        let r = s.get("/v1/people/csv", admin).await;
        r.expect(200);
        assert!(r.header("content-type").unwrap().starts_with("text/csv"));
        let lines: Vec<&str> = r.text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "User ID/Email,First Name,Last Name,Display Name,Status,Location,Webex Contact Center Premium,Webex Contact Center Standard,Webex Calling,Meetings Host acme.webex.com"
        );
        assert_eq!(
            lines.len(),
            1 + PLAIN_USERS + 5 + 1,
            "a row per user and a final CRLF"
        );
        assert_eq!(*lines.last().unwrap(), "");
        assert!(lines.contains(&"admin@acme.example,Sanne,de Vries,Sanne de Vries,active,amsterdam,FALSE,FALSE,TRUE,FALSE"));

        let upload = |query: &str, csv: &str| {
            s.request(Method::POST, &format!("/v1/people/csv{query}"))
                .bearer(admin)
                .body("text/csv", csv.to_string())
                .send()
        };
        let good = "User ID/Email,Last Name,Webex Calling\r\nuser001@acme.example,Een,TRUE\r\nuser002@acme.example,Twee,\r\n";
        // Preview: the changes, nothing written.
        let events = s.acme_events().await;
        let r = upload("?dryRun=true", good).await;
        r.expect(200);
        let preview = r.json().clone();
        assert_eq!(preview["dryRun"], true);
        assert_eq!(preview["applied"], false);
        assert_eq!(preview["rows"], 2);
        assert_eq!(preview["rowsApplied"], 2);
        assert_eq!(preview["errors"], json!([]));
        assert_eq!(preview["changes"][0]["email"], "user001@acme.example");
        assert_eq!(preview["changes"][0]["row"], 1);
        assert_eq!(s.acme_person(&w.users[0].id).await["lastName"], "001");
        assert_eq!(s.acme_person(&w.users[0].id).await["licenses"], json!([]));
        assert_eq!(s.acme_events().await, events);
        // Applied: the same answer, written, one event per changed user.
        let r = upload("", good).await;
        r.expect(200);
        assert_eq!(r.json()["applied"], true);
        assert_eq!(r.json()["rowsApplied"], 2);
        assert_eq!(r.json()["changes"], preview["changes"]);
        let p = s.acme_person(&w.users[0].id).await;
        assert_eq!(p["lastName"], "Een");
        assert_eq!(p["licenses"], json!(["calling"]));
        assert_eq!(s.acme_person(&w.users[1].id).await["lastName"], "Twee");
        assert_eq!(s.acme_events().await, events + 2);

        // All or nothing: rows with problems refuse the file, each named by row and column.
        let bad = "User ID/Email,Last Name,Status\r\nuser003@acme.example,Drie,\r\nnobody@acme.example,X,\r\nuser004@acme.example,,sleeping\r\n";
        let r = upload("", bad).await;
        r.expect(422);
        let fields: Vec<String> = r.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            fields,
            ["row 2, column User ID/Email", "row 3, column Status"],
            "{}",
            r.text
        );
        assert!(r.rule_ids().iter().all(|r| r == "R-CSV-2"));
        assert_eq!(s.acme_person(&w.users[2].id).await["lastName"], "003");
        // The preview of a bad file lists the problems too.
        let r = upload("?dryRun=true", bad).await;
        r.expect(200);
        assert_eq!(r.json()["errors"].as_array().unwrap().len(), 2);
        assert_eq!(r.json()["applied"], false);
        // Partial: the valid rows only.
        let r = upload("?partial=true", bad).await;
        r.expect(200);
        assert_eq!(r.json()["applied"], true);
        assert_eq!(r.json()["rowsApplied"], 1);
        let rows: Vec<i64> = r.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["row"].as_i64().unwrap())
            .collect();
        assert_eq!(rows, [2, 3]);
        assert_eq!(s.acme_person(&w.users[2].id).await["lastName"], "Drie");
        assert_eq!(s.acme_person(&w.users[3].id).await["status"], "active");
        // License quantities count earlier rows (R-LIC-1): one Premium Agent unit is left.
        let two = "User ID/Email,Webex Contact Center Premium\r\nuser005@acme.example,TRUE\r\nuser006@acme.example,true\r\n";
        let r = upload("", two).await;
        r.refused(422, "R-LIC-1");
        assert_eq!(
            r.json()["errors"][0]["field"],
            "row 2, column Webex Contact Center Premium"
        );
        // A CCSA changes only the Contact Center columns (R-CCSA-10).
        let r = s
            .request(Method::POST, "/v1/people/csv")
            .bearer(&w.ccsa.token)
            .body(
                "text/csv",
                "User ID/Email,Last Name\r\nuser007@acme.example,Zeven\r\n",
            )
            .send()
            .await;
        r.refused(422, "R-CCSA-10");
        // A bad header refuses the whole file (R-CSV-2), without row errors.
        let r = upload("", "Email,Shoe Size\r\nuser001@acme.example,44\r\n").await;
        r.refused(403, "R-CSV-2");
        // Wrong content types.
        for ct in ["application/json", "text/plain", ""] {
            let r = s
                .request(Method::POST, "/v1/people/csv")
                .bearer(admin)
                .body(ct, good.to_string())
                .send()
                .await;
            r.expect(415);
        }
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_paging_follows_link_headers() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;
        let mut expected: Vec<String> = w.acme_people().iter().map(|p| p.email.clone()).collect();
        expected.sort();
        let total = expected.len();
        assert!(total > 150);

        let (items, pages) = s.all_pages("/v1/people?max=50", admin).await;
        let emails: Vec<String> = items
            .iter()
            .map(|p| p["emails"][0].as_str().unwrap().to_string())
            .collect();
        assert_eq!(emails, expected, "every user exactly once, in email order");
        assert_eq!(pages, total.div_ceil(50));
        // The link keeps the other parameters.
        let first = s.get("/v1/people?max=50&status=active", admin).await;
        let next = first.next_link().unwrap();
        assert!(next.starts_with("/v1/people?"), "{next}");
        assert!(
            next.contains("max=50") && next.contains("status=active"),
            "{next}"
        );
        let (active, _) = s.all_pages("/v1/people?max=20&status=active", admin).await;
        assert!(active.iter().all(|p| p["status"] == "active"));
        assert_eq!(active.len(), total - 12);
        // `max` above the limit is clamped; below it too.
        let r = s.get("/v1/people?max=5000", admin).await;
        r.expect(200);
        assert_eq!(r.items().len(), total);
        assert!(r.header("link").is_none());
        let r = s.get("/v1/people?max=0", admin).await;
        assert_eq!(r.items().len(), 1);
        assert!(r.next_link().is_some());
        // Keyset paging is stable under inserts: nothing is seen twice, a later email still comes.
        let first = s.get("/v1/people?max=50", admin).await;
        let mut seen: Vec<String> = first
            .items()
            .iter()
            .map(|p| p["emails"][0].as_str().unwrap().to_string())
            .collect();
        s.post(
            "/v1/people",
            admin,
            &json!({"emails": ["aaa@acme.example"]}),
        )
        .await
        .expect(200);
        s.post(
            "/v1/people",
            admin,
            &json!({"emails": ["zzz@acme.example"]}),
        )
        .await
        .expect(200);
        let (rest, _) = s.all_pages(&first.next_link().unwrap(), admin).await;
        seen.extend(
            rest.iter()
                .map(|p| p["emails"][0].as_str().unwrap().to_string()),
        );
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "no one twice");
        assert!(!seen.contains(&"aaa@acme.example".to_string()));
        assert_eq!(seen.last().unwrap(), "zzz@acme.example");
        assert_eq!(seen.len(), total + 1);
        // A cursor that is not ours is a 400, whatever its bytes (a non-ASCII one once killed the
        // connection: `paging::decode` sliced it by byte).
        for cursor in ["not-hex", "%C3%A9", "a%C3%A9", "%F0%B3%B7%9FA"] {
            for list in ["/v1/people", "/v1/roleAssignments", "/v1/adminAudit/events"] {
                let r = s.get(&format!("{list}?after={cursor}"), admin).await;
                r.expect(400);
                assert_eq!(r.json()["errors"][0]["field"], "after");
            }
        }
        s.stop().await;
    }
}

/// R-CCSA-9: a Contact Center service administrator sees the roles of CCSA holders only — in the
/// users list (its role filter included) and on a user's page, as in the administrators lists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ccsa_sees_ccsa_roles_only_r_ccsa_9() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let ccsa = &w.ccsa.token;
        let r = s.get("/v1/people?roles=full_admin", ccsa).await;
        r.expect(200);
        assert!(r.items().is_empty(), "{}: {}", s.backend, r.text);
        let r = s.get(&format!("/v1/people/{}", w.admin.id), ccsa).await;
        r.expect(200);
        assert_eq!(r.json()["roles"], json!([]), "{}", s.backend);
        assert_eq!(r.json()["adminRoles"], "None");
        let r = s.get("/v1/people?roles=cc_service_admin", ccsa).await;
        assert!(
            r.items().iter().any(|p| p["id"] == w.ccsa.id.as_str()),
            "{}: CCSA holders are seen with their role",
            s.backend
        );
        // A full administrator still sees everyone's roles.
        let r = s
            .get(&format!("/v1/people/{}", w.admin.id), &w.admin2.token)
            .await;
        assert_eq!(r.json()["roles"], json!(["full_admin"]));
        s.stop().await;
    }
}
