//! What Webex clients rely on: `PUT /people/{id}` with `roles` as a full replacement, `POST /people`
//! as Webex takes and answers it, Webex's encoded ids anywhere an id is taken, the licenses
//! change's answer, and the audit log's offset paging, categories and `data` shape.
//!
//! A real server on a local port over a real database (SQLite always, PostgreSQL when
//! `ROLEHUB_TEST_POSTGRES` names a server). The official Webex SDK itself runs against a live
//! server in `.ci/webex-sdk`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

mod common;

use common::*;
use rolehub_server::webex_ids::encode;

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// `roles` in `PUT /v1/people/{id}` makes the person's grants exactly those, as one change: a
/// dry run answers the result and changes nothing; a refusal of any step refuses the whole
/// (R-CCSA-1 here), fields included; `[]` revokes every role.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_people_roles_is_a_full_replacement_in_one_change() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;
        let id = &w.users[0].id;
        let path = format!("/v1/people/{id}");

        let r = s
            .put(
                &path,
                admin,
                &json!({"roles": ["device_admin", "location_admin@utrecht+rotterdam"]}),
            )
            .await;
        r.expect(403);
        assert_eq!(
            s.acme_roles(id).await,
            Vec::<String>::new(),
            "{}: a location administrator holds no other role (R-LOC-1): nothing is kept",
            s.backend
        );

        let wanted = json!({"roles": ["device_admin", "support_admin"]});
        let r = s.put(&path, admin, &wanted).await;
        r.expect(200);
        assert_eq!(
            sorted(strings(&r.json()["roles"])),
            ["device_admin", "support_admin"],
            "{}",
            s.backend
        );
        let events = s.acme_events().await;
        s.put(&path, admin, &wanted).await.expect(200);
        assert_eq!(
            s.acme_events().await,
            events,
            "{}: the same set again changes nothing",
            s.backend
        );

        let dry = s
            .put(
                &format!("{path}?dryRun=true"),
                admin,
                &json!({"roles": ["readonly_admin"], "lastName": "Droog"}),
            )
            .await;
        dry.expect(200);
        assert_eq!(strings(&dry.json()["roles"]), ["readonly_admin"]);
        assert_eq!(dry.json()["lastName"], "Droog");
        assert_eq!(
            sorted(s.acme_roles(id).await),
            ["device_admin", "support_admin"],
            "{}: a dry run changes nothing",
            s.backend
        );
        assert_eq!(s.acme_events().await, events);

        let r = s
            .put(&path, admin, &json!({"roles": ["readonly_admin"]}))
            .await;
        r.expect(200);
        assert_eq!(strings(&r.json()["roles"]), ["readonly_admin"]);
        assert_eq!(r.json()["adminRoles"], "Read-only administrator");

        let refused = s
            .put(
                &path,
                admin,
                &json!({"roles": ["full_admin", "cc_service_admin"], "lastName": "Nooit"}),
            )
            .await;
        refused.expect(403);
        assert_eq!(refused.json()["errors"][0]["ruleId"], "R-CCSA-1");
        let after = s.acme_person(id).await;
        assert_eq!(
            strings(&after["roles"]),
            ["readonly_admin"],
            "{}",
            s.backend
        );
        assert_ne!(
            after["lastName"], "Nooit",
            "{}: refused as a whole",
            s.backend
        );

        let r = s.put(&path, admin, &json!({"roles": ["king"]})).await;
        assert!(r.status == 400 || r.status == 422, "{}", r.text);
        assert!(r.text.contains("king"), "{}", r.text);

        let r = s.put(&path, admin, &json!({"roles": []})).await;
        r.expect(200);
        assert_eq!(r.json()["roles"], json!([]));
        assert_eq!(r.json()["adminRoles"], "None");

        // Someone who may not give a role cannot give it by replacement either.
        let r = s
            .put(
                &format!("/v1/people/{}", w.users[1].id),
                &w.readonly.token,
                &json!({"roles": ["full_admin"]}),
            )
            .await;
        r.expect(403);
        assert_eq!(s.acme_roles(&w.users[1].id).await, Vec::<String>::new());
        s.stop().await;
    }
}

/// `POST /v1/people` as Webex: 200 with the person, `displayName`, `licenses` and `roles` taken
/// (roles as assignments in the same change, refused as a whole), the email unchangeable through
/// `PUT`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_people_takes_the_webex_body() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;

        // Adding gives no role (R-NEW-1); roles sent with the user are assignments in the same
        // change: one refused refuses the whole, and nobody is added.
        let r = s
            .post(
                "/v1/people",
                admin,
                &json!({"emails": ["boss@acme.example"], "roles": ["device_admin", "cc_service_admin"]}),
            )
            .await;
        r.expect(403);
        assert_eq!(r.json()["errors"][0]["ruleId"], "R-CCSA-2");
        let found = s.get("/v1/people?email=boss%40acme.example", admin).await;
        assert!(found.items().is_empty(), "{}: nobody was added", s.backend);
        let r = s
            .post(
                "/v1/people",
                admin,
                &json!({"emails": ["boss@acme.example"], "roles": ["device_admin"]}),
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["roles"], json!(["device_admin"]));

        let r = s
            .post(
                "/v1/people",
                admin,
                &json!({"emails": ["web@acme.example"], "displayName": "Web Ex", "firstName": "Web", "lastName": "Ex", "orgId": "acme", "roles": [], "licenses": ["calling"]}),
            )
            .await;
        r.expect(200);
        let p = r.json().clone();
        assert_eq!(p["displayName"], "Web Ex");
        assert_eq!(p["licenses"], json!(["calling"]));
        assert_eq!(p["invitePending"], true);
        assert_eq!(p["type"], "person");
        let created = p["created"].as_str().unwrap();
        assert!(
            created.ends_with('Z') && created.len() == "2026-01-02T03:04:05.678Z".len(),
            "{created}: Webex's form, with milliseconds"
        );

        let id = p["id"].as_str().unwrap();
        let r = s
            .put(
                &format!("/v1/people/{id}"),
                admin,
                &json!({"emails": ["other@acme.example"]}),
            )
            .await;
        r.expect(409);
        assert_eq!(r.json()["errors"][0]["field"], "emails");
        s.put(
            &format!("/v1/people/{id}"),
            admin,
            &json!({"emails": ["WEB@acme.example"], "displayName": "Webby"}),
        )
        .await
        .expect(200);
        s.stop().await;
    }
}

/// Webex's encoded ids (`ciscospark://us/ROLE/id_full_admin` in base64, people, orgs, licenses)
/// are taken in paths, queries and bodies; answers carry plain ids.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webex_encoded_ids_are_taken_everywhere() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;
        let person = encode("PEOPLE", &w.users[2].id);

        let r = s
            .get(
                "/v1/roles/Y2lzY29zcGFyazovL3VzL1JPTEUvaWRfZnVsbF9hZG1pbg",
                admin,
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["id"], "full_admin");
        s.get(
            &format!("/v1/roles/{}", encode("ROLE", "id_nothing")),
            admin,
        )
        .await
        .expect(404);

        let r = s.get(&format!("/v1/people/{person}"), admin).await;
        r.expect(200);
        assert_eq!(r.json()["id"], w.users[2].id.as_str());

        let r = s
            .get(
                &format!(
                    "/v1/people?id={},{}&orgId={}",
                    person,
                    encode("PEOPLE", &w.users[3].id),
                    encode("ORGANIZATION", "acme")
                ),
                admin,
            )
            .await;
        r.expect(200);
        assert_eq!(r.items().len(), 2, "{}", r.text);

        s.get(
            &format!("/v1/organizations/{}", encode("ORGANIZATION", "acme")),
            admin,
        )
        .await
        .expect(200);
        let r = s
            .get(
                &format!("/v1/licenses/{}", encode("LICENSE", "calling")),
                admin,
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["id"], "calling");

        let r = s
            .post(
                "/v1/roleAssignments",
                admin,
                &json!({"personId": person, "roleId": encode("ROLE", "id_readonly_admin")}),
            )
            .await;
        r.expect(201);
        assert_eq!(s.acme_roles(&w.users[2].id).await, ["readonly_admin"]);

        let r = s
            .put(
                &format!("/v1/people/{person}"),
                admin,
                &json!({"roles": [encode("ROLE", "id_device_admin")]}),
            )
            .await;
        r.expect(200);
        assert_eq!(strings(&r.json()["roles"]), ["device_admin"]);
        s.stop().await;
    }
}

/// `PATCH /v1/licenses/users` answers the user's licenses in Webex's shape; `siteUrls` speaks of
/// host accounts only; `properties.locationId` must be a location of the org.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn license_changes_answer_in_webex_shape() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;
        let user = &w.users[4];

        let r = s
            .patch(
                "/v1/licenses/users",
                admin,
                &json!({"email": user.email, "licenses": [{"id": "calling", "operation": "add", "properties": {"locationId": "utrecht"}}]}),
            )
            .await;
        r.expect(200);
        assert_eq!(
            r.json(),
            &json!({"orgId": "acme", "personId": user.id, "email": user.email, "licenses": ["calling"], "siteUrls": []})
        );
        let dry = s
            .patch(
                "/v1/licenses/users?dryRun=true",
                admin,
                &json!({"personId": user.id, "licenses": [{"id": "calling", "operation": "remove"}]}),
            )
            .await;
        dry.expect(200);
        assert_eq!(dry.json()["licenses"], json!([]));
        assert_eq!(
            s.acme_person(&user.id).await["licenses"],
            json!(["calling"]),
            "{}: a dry run changes nothing",
            s.backend
        );

        let r = s
            .patch(
                "/v1/licenses/users",
                admin,
                &json!({"personId": user.id, "siteUrls": [{"siteUrl": SITE, "accountType": "attendee", "operation": "add"}]}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.json()["errors"][0]["field"], "siteUrls[0].accountType");
        let r = s
            .patch(
                "/v1/licenses/users",
                admin,
                &json!({"personId": user.id, "licenses": [{"id": "calling", "operation": "remove", "properties": {"locationId": "atlantis"}}]}),
            )
            .await;
        r.expect(404);
        assert_eq!(
            s.acme_person(&user.id).await["licenses"],
            json!(["calling"])
        );
        s.stop().await;
    }
}

/// The audit log as Webex clients read it: `offset` paging with next links that carry the next
/// offset, the categories endpoint and filter, and each event's `data`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_events_page_by_offset_with_webex_data() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;
        for u in &w.users[..3] {
            s.post(
                "/v1/roleAssignments",
                admin,
                &json!({"personId": u.id, "roleId": "device_admin"}),
            )
            .await
            .expect(201);
        }
        let (by_cursor, _) = s.all_pages("/v1/adminAudit/events?max=2", admin).await;
        let mut by_offset = Vec::new();
        let mut next = Some("/v1/adminAudit/events?max=2&offset=0".to_string());
        while let Some(path) = next.take() {
            let r = s.get(&path, admin).await;
            r.expect(200);
            by_offset.extend(r.items());
            next = r.next_link();
            if let Some(link) = &next {
                assert!(
                    link.contains("offset=") && !link.contains("after="),
                    "{link}"
                );
            }
        }
        let ids = |events: &[Value]| -> Vec<String> {
            events
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(ids(&by_offset), ids(&by_cursor), "{}", s.backend);
        let r = s.get("/v1/adminAudit/events?offset=3&max=1", admin).await;
        r.expect(200);
        assert_eq!(ids(&r.items()), ids(&by_cursor[3..4]));

        let r = s.get("/v1/adminAudit/eventCategories", admin).await;
        r.expect(200);
        assert!(strings(&r.json()["eventCategories"]).contains(&"ROLES".to_string()));

        let r = s
            .get("/v1/adminAudit/events?eventCategories=ROLES", admin)
            .await;
        r.expect(200);
        let events = r.items();
        assert_eq!(events.len(), 3, "{}: {}", s.backend, r.text);
        for e in &events {
            let data = &e["data"];
            assert_eq!(data["eventCategory"], "ROLES");
            assert_eq!(data["eventDescription"], "Role assigned");
            assert_eq!(data["actorEmail"], w.admin.email.as_str());
            assert_eq!(data["targetType"], "USER");
            assert_eq!(data["trackingId"], e["trackingId"]);
            assert!(
                data["actionText"]
                    .as_str()
                    .unwrap()
                    .contains("Role assigned"),
                "{data}"
            );
        }
        s.get("/v1/adminAudit/events?offset=-1", admin)
            .await
            .expect(400);
        s.stop().await;
    }
}
