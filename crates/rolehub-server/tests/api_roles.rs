//! `roles`, `roleAssignments`, `externalAdmins`, `admins` and `authorize` over HTTP.
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

/// `GET /v1/roles`: the catalogue, with English and Dutch names, scope and holders.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_catalogue_has_dutch_names() {
    for b in backends() {
        let s = Server::start(&b).await;
        s.request(Method::GET, "/v1/roles").send().await.expect(401);
        let r = s.get("/v1/roles", &s.w.readonly.token).await;
        r.expect(200);
        let items = r.items();
        let by_id: BTreeMap<String, Value> = items
            .iter()
            .map(|i| (i["id"].as_str().unwrap().to_string(), i.clone()))
            .collect();
        assert_eq!(
            ids(&items, "id"),
            [
                "full_admin",
                "readonly_admin",
                "support_admin",
                "user_device_admin",
                "device_admin",
                "compliance_officer",
                "location_admin",
                "advanced_troubleshooting",
                "calling_cdr_api",
                "events_admin",
                "cc_service_admin",
                "provisioning_admin",
                "site_admin",
                "site_user_admin",
                "site_readonly_admin",
                "meeting_content_admin"
            ],
            "catalogue order"
        );
        for (id, en, nl) in [
            ("full_admin", "Full administrator", "Volledige beheerder"),
            (
                "readonly_admin",
                "Read-only administrator",
                "Alleen-lezenbeheerder",
            ),
            (
                "cc_service_admin",
                "Contact Center service administrator",
                "Contact Center-servicebeheerder",
            ),
            (
                "provisioning_admin",
                "Provisioning administrator",
                "Inrichtingsbeheerder",
            ),
            (
                "site_admin",
                "Webex site administrator",
                "Webex-sitebeheerder",
            ),
            (
                "meeting_content_admin",
                "Meeting content administrator",
                "Beheerder vergaderingsinhoud",
            ),
        ] {
            assert_eq!(by_id[id]["name"], en);
            assert_eq!(by_id[id]["nameNl"], nl);
        }
        for i in &items {
            assert!(
                i["nameNl"]
                    .as_str()
                    .is_some_and(|n| !n.is_empty() && n != i["name"].as_str().unwrap()),
                "{i}"
            );
        }
        assert_eq!(by_id["site_admin"]["scope"], "site");
        assert_eq!(by_id["location_admin"]["scope"], "locations");
        assert_eq!(by_id["full_admin"]["scope"], "org");
        assert_eq!(by_id["advanced_troubleshooting"]["addOn"], true);
        assert_eq!(by_id["full_admin"]["addOn"], false);
        assert_eq!(by_id["provisioning_admin"]["holders"], json!(["partner"]));
        assert_eq!(by_id["support_admin"]["holders"], json!(["internal"]));
        assert_eq!(
            by_id["cc_service_admin"]["holders"],
            json!(["internal", "otherOrg"])
        );
        assert_eq!(
            by_id["full_admin"]["holders"],
            json!(["internal", "otherOrg", "partner"])
        );
        s.stop().await;
    }
}

/// `roleAssignments`: list, create with side effects, delete with warnings, refusals with rules.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_assignments_list_create_delete() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;

        let r = s.get("/v1/roleAssignments", admin).await;
        r.expect(200);
        let items = r.items();
        assert_eq!(sset(&ids(&items, "id")), sset(&w.acme_grant_ids));
        for g in &items {
            assert_eq!(g["orgId"], "acme");
            assert!(is_api_date(g["created"].as_str().unwrap()), "{g}");
            assert!(g["roleName"].as_str().is_some_and(|n| !n.is_empty()));
            assert!(g["external"].is_boolean() && g["waitingForSignIn"].is_boolean());
        }
        let ext = items
            .iter()
            .find(|g| g["personId"] == json!(w.ext_ro.id))
            .unwrap();
        assert_eq!(ext["external"], true);
        assert_eq!(ext["personEmail"], "ro@globex.example");
        let r = s.get("/v1/roleAssignments?roles=full_admin", admin).await;
        assert_eq!(
            sset(&ids(&r.items(), "personId")),
            sset(&[w.admin.id.clone(), w.admin2.id.clone()])
        );
        // Paged, every grant once.
        let (paged, pages) = s.all_pages("/v1/roleAssignments?max=2", admin).await;
        assert_eq!(pages, w.acme_grant_ids.len().div_ceil(2));
        let paged_ids = ids(&paged, "id");
        assert_eq!(paged_ids.len(), w.acme_grant_ids.len());
        assert_eq!(sset(&paged_ids), sset(&w.acme_grant_ids));

        // Full admin to a CCSA removes the CCSA role (R-ORG-1, R-CCSA-1).
        let r = s
            .post(
                "/v1/roleAssignments",
                admin,
                &json!({"personId": w.ccsa.id, "roleId": "full_admin"}),
            )
            .await;
        r.expect(201);
        assert_eq!(r.json()["dryRun"], false);
        assert_eq!(r.json()["added"], "full_admin");
        assert_eq!(r.json()["removed"], json!(["cc_service_admin"]));
        assert_eq!(s.acme_roles(&w.ccsa.id).await, ["full_admin"]);

        // CCSA to a full administrator is refused (R-CCSA-1), changes nothing, and is audited.
        let events = s.acme_events().await;
        let r = s
            .post(
                "/v1/roleAssignments",
                admin,
                &json!({"personEmail": w.admin2.email, "roleId": "cc_service_admin"}),
            )
            .await;
        r.refused(403, "R-CCSA-1");
        assert!(r.message().contains("R-CCSA-1"), "{}", r.text);
        assert_eq!(s.acme_roles(&w.admin2.id).await, ["full_admin"]);
        assert_eq!(
            s.acme_events().await,
            events + 1,
            "a refused role change is audited"
        );
        let ev = s
            .get("/v1/adminAudit/events?eventCategories=role&max=1000", admin)
            .await;
        let last = ev.items().last().unwrap().clone();
        assert_eq!(last["outcome"], "refused");
        assert_eq!(last["ruleId"], "R-CCSA-1");
        assert_eq!(last["trackingId"], json!(r.header("trackingid").unwrap()));
        // It says which role was asked for, of whom, and what they held.
        assert_eq!(last["targetId"], json!(w.admin2.id));
        assert_eq!(last["before"], json!({"roles": ["full_admin"]}));
        assert_eq!(
            last["after"],
            json!({"change": {"added": "cc_service_admin"}}),
            "{last}"
        );

        // No authority to assign at all (R-ASSIGN-1).
        let r = s
            .post(
                "/v1/roleAssignments",
                &w.readonly.token,
                &json!({"personId": w.users[0].id, "roleId": "device_admin"}),
            )
            .await;
        r.refused(403, "R-ASSIGN-1");
        assert_eq!(s.acme_roles(&w.users[0].id).await, Vec::<String>::new());

        // A site role: scoped, waiting for a sign-in (R-SITE-3).
        let r = s
            .post(
                "/v1/roleAssignments",
                admin,
                &json!({"personId": w.users[0].id, "roleId": "site_admin", "siteUrl": SITE}),
            )
            .await;
        r.expect(201);
        assert_eq!(r.json()["added"], format!("site_admin@{SITE}"));
        assert!(
            warning_codes(r.json()).contains(&"sign_in_required".to_string()),
            "{}",
            r.text
        );
        let assignment = r.json()["assignmentId"].clone();
        let r = s
            .get(
                &format!("/v1/roleAssignments?personId={}", w.users[0].id),
                admin,
            )
            .await;
        let g = &r.items()[0];
        assert_eq!(
            g["id"], assignment,
            "the answer names the assignment it added"
        );
        assert_eq!(g["siteUrl"], SITE);
        assert_eq!(g["waitingForSignIn"], true);
        // With an end, and with locations.
        let expires = iso_in_days(10);
        s.post(
            "/v1/roleAssignments",
            admin,
            &json!({"personId": w.users[1].id, "roleId": "support_admin", "expires": expires}),
        )
        .await
        .expect(201);
        let r = s
            .get(
                &format!("/v1/roleAssignments?personId={}", w.users[1].id),
                admin,
            )
            .await;
        assert_eq!(r.items()[0]["expires"], json!(expires));
        s.post("/v1/roleAssignments", admin, &json!({"personId": w.users[2].id, "roleId": "location_admin", "locationIds": ["utrecht", "rotterdam"]}))
            .await
            .expect(201);
        let r = s
            .get(
                &format!("/v1/roleAssignments?personId={}", w.users[2].id),
                admin,
            )
            .await;
        assert_eq!(r.items()[0]["locationIds"], json!(["rotterdam", "utrecht"]));
        // Assigning a role already held changes nothing and says so.
        let events = s.acme_events().await;
        let r = s
            .post(
                "/v1/roleAssignments",
                admin,
                &json!({"personId": w.admin2.id, "roleId": "full_admin"}),
            )
            .await;
        r.expect(200);
        assert!(
            warning_codes(r.json()).contains(&"already_held".to_string()),
            "{}",
            r.text
        );
        assert_eq!(s.acme_events().await, events);
        // Bad requests.
        let r = s
            .post(
                "/v1/roleAssignments",
                admin,
                &json!({"roleId": "full_admin"}),
            )
            .await;
        r.expect(400);
        assert_eq!(r.json()["errors"][0]["field"], "personId");
        let r = s
            .post(
                "/v1/roleAssignments",
                admin,
                &json!({"personId": w.users[3].id, "roleId": "emperor"}),
            )
            .await;
        r.expect(422);
        let r = s.post("/v1/roleAssignments", admin, &json!({"personId": w.users[3].id, "roleId": "site_admin", "siteUrl": "nowhere.webex.com"})).await;
        r.expect(404);
        let r = s.post("/v1/roleAssignments", admin, &json!({"personId": w.users[3].id, "roleId": "support_admin", "expires": "tomorrow"})).await;
        r.expect(422);
        assert_eq!(r.json()["errors"][0]["field"], "expires");

        // Delete: three full admins now (admin, admin2, ccsa).
        let ccsa_full = s.grant_id(&w.ccsa.id, "full_admin").await;
        let r = s
            .delete(&format!("/v1/roleAssignments/{ccsa_full}"), admin)
            .await;
        r.expect(200);
        assert_eq!(r.json()["removed"], json!(["full_admin"]));
        assert_eq!(warning_codes(r.json()), Vec::<String>::new());
        assert!(s.grant_ids(&w.ccsa.id).await.is_empty());
        // Leaving one full admin warns (R-ASSIGN-3).
        let admin2_full = s.grant_id(&w.admin2.id, "full_admin").await;
        let r = s
            .delete(&format!("/v1/roleAssignments/{admin2_full}"), admin)
            .await;
        r.expect(200);
        assert_eq!(r.json()["removed"], json!(["full_admin"]));
        assert!(
            warning_codes(r.json()).contains(&"single_full_admin".to_string()),
            "{}",
            r.text
        );
        // And the last one cannot go.
        let admin_full = s.grant_id(&w.admin.id, "full_admin").await;
        let r = s
            .delete(&format!("/v1/roleAssignments/{admin_full}"), admin)
            .await;
        r.refused(403, "R-ASSIGN-3");
        assert_eq!(s.acme_roles(&w.admin.id).await, ["full_admin"]);
        // Any change that leaves exactly one carries the warning.
        let r = s
            .post(
                "/v1/roleAssignments",
                admin,
                &json!({"personId": w.users[5].id, "roleId": "device_admin"}),
            )
            .await;
        r.expect(201);
        assert!(
            warning_codes(r.json()).contains(&"single_full_admin".to_string()),
            "{}",
            r.text
        );
        // Revoking the last site role removes meeting content admin there too (R-MCA-1).
        s.post(
            "/v1/roleAssignments",
            admin,
            &json!({"personId": w.users[0].id, "roleId": "meeting_content_admin", "siteUrl": SITE}),
        )
        .await
        .expect(201);
        let site = s.grant_id(&w.users[0].id, "site_admin").await;
        let r = s
            .delete(&format!("/v1/roleAssignments/{site}"), admin)
            .await;
        r.expect(200);
        assert_eq!(
            sset(&strings(&r.json()["removed"])),
            set(&[
                "site_admin@acme.webex.com",
                "meeting_content_admin@acme.webex.com"
            ])
        );
        assert!(s.grant_ids(&w.users[0].id).await.is_empty());
        s.delete("/v1/roleAssignments/no-such-grant", admin)
            .await
            .expect(404);
        s.stop().await;
    }
}

/// `externalAdmins`: the email check, add, list, revoke all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_admins_verify_add_list_revoke() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;

        let r = s
            .post(
                "/v1/externalAdmins/verify",
                admin,
                &json!({"email": "User@Globex.example"}),
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["email"], "user@globex.example");
        assert_eq!(r.json()["category"], "other");
        let offered = sset(&ids(r.json()["offeredRoles"].as_array().unwrap(), "id"));
        assert_eq!(
            offered,
            set(&[
                "full_admin",
                "readonly_admin",
                "cc_service_admin",
                "site_admin",
                "site_user_admin",
                "site_readonly_admin"
            ]),
            "R-EXT-3"
        );
        assert!(r.json()["offeredRoles"][0]["nameNl"].is_string());
        // A user of the partner is offered full and provisioning admin.
        let r = s
            .post(
                "/v1/externalAdmins/verify",
                admin,
                &json!({"email": "eva@pnet.example"}),
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["category"], "partner");
        assert_eq!(
            sset(&ids(r.json()["offeredRoles"].as_array().unwrap(), "id")),
            set(&["full_admin", "provisioning_admin"])
        );
        // Refused at the email check: a consumer account, an own user, an unknown email (R-EXT-1);
        // each refusal audited once, naming the email asked for.
        for email in [
            w.consumer_email.as_str(),
            "user001@acme.example",
            "nobody@nowhere.example",
        ] {
            let events = s.acme_events().await;
            let r = s
                .post("/v1/externalAdmins/verify", admin, &json!({"email": email}))
                .await;
            r.refused(403, "R-EXT-1");
            assert_eq!(s.acme_events().await, events + 1, "{}: {email}", s.backend);
            let last = &s.acme_newest_events(1).await[0];
            assert_eq!(
                (&last["action"], &last["outcome"], &last["ruleId"]),
                (&json!("role.assign"), &json!("refused"), &json!("R-EXT-1"))
            );
            assert_eq!(last["after"], json!({"email": email}));
            assert_eq!(last["trackingId"], json!(r.header("trackingid").unwrap()));
        }
        // A check that passes writes nothing.
        let events = s.acme_events().await;
        s.post(
            "/v1/externalAdmins/verify",
            admin,
            &json!({"email": "eva@pnet.example"}),
        )
        .await
        .expect(200);
        assert_eq!(s.acme_events().await, events);

        // Add.
        let r = s
            .post(
                "/v1/externalAdmins",
                admin,
                &json!({"email": "user@globex.example", "roleId": "readonly_admin"}),
            )
            .await;
        r.expect(201);
        assert_eq!(r.json()["added"], "readonly_admin");
        assert_eq!(s.acme_roles(&w.globex_user.id).await, ["readonly_admin"]);
        // An external cannot add externals (R-EXT-2) — here a read-only one, who cannot at all.
        let r = s
            .post(
                "/v1/externalAdmins?orgId=acme",
                &w.ext_ro.token,
                &json!({"email": "eva@pnet.example", "roleId": "full_admin"}),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert!(!r.rule_ids().is_empty());
        // List: externals only.
        let r = s.get("/v1/externalAdmins", admin).await;
        r.expect(200);
        let items = r.items();
        assert_eq!(
            sset(&ids(&items, "personId")),
            sset(&[
                w.globex_user.id.clone(),
                w.ext_ro.id.clone(),
                w.partner.id.clone()
            ])
        );
        assert!(items.iter().all(|i| i["external"] == true));
        let g = items
            .iter()
            .find(|i| i["personId"] == json!(w.globex_user.id))
            .unwrap();
        assert_eq!(g["email"], "user@globex.example");
        assert_eq!(g["roles"], json!(["readonly_admin"]));
        assert_eq!(g["adminRoles"], "Read-only administrator");

        // Revoke all (R-EXT-5): every grant goes.
        s.post(
            "/v1/roleAssignments",
            admin,
            &json!({"personId": w.globex_user.id, "roleId": "full_admin"}),
        )
        .await
        .expect(201);
        s.post(
            "/v1/roleAssignments",
            admin,
            &json!({"personId": w.globex_user.id, "roleId": "site_admin", "siteUrl": SITE}),
        )
        .await
        .expect(201);
        assert_eq!(
            s.grant_ids(&w.globex_user.id).await.len(),
            2,
            "full admin replaced read-only (R-EXT-4)"
        );
        let r = s
            .delete(&format!("/v1/externalAdmins/{}", w.globex_user.id), admin)
            .await;
        r.expect(200);
        assert_eq!(
            sset(&strings(&r.json()["removed"])),
            set(&["full_admin", "site_admin@acme.webex.com"])
        );
        assert!(s.grant_ids(&w.globex_user.id).await.is_empty());
        s.get(&format!("/v1/people/{}", w.globex_user.id), admin)
            .await
            .expect(404);
        let r = s.get("/v1/externalAdmins", admin).await;
        assert!(!ids(&r.items(), "personId").contains(&w.globex_user.id));
        s.delete(&format!("/v1/externalAdmins/{}", w.globex_user.id), admin)
            .await
            .expect(404);
        s.stop().await;
    }
}

/// `admins` and `admins/export` (R-EXPORT-1): exact header, CRLF, sorted by email.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_list_and_csv_export() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;
        let r = s.get("/v1/admins", admin).await;
        r.expect(200);
        let items = r.items();
        let emails = ids(&items, "email");
        assert_eq!(
            emails,
            [
                "admin2@acme.example",
                "admin@acme.example",
                "ccsa@acme.example",
                "pim@pnet.example",
                "readonly@acme.example",
                "ro@globex.example"
            ]
        );
        let pim = items
            .iter()
            .find(|i| i["email"] == "pim@pnet.example")
            .unwrap();
        assert_eq!(pim["external"], true);
        assert_eq!(pim["name"], "Pim Bakker");
        assert_eq!(pim["status"], "active");
        assert_eq!(pim["roles"], json!(["provisioning_admin"]));
        let r = s.get("/v1/admins?external=false", admin).await;
        assert_eq!(r.items().len(), 4);

        let r = s.get("/v1/admins/export", admin).await;
        r.expect(200);
        assert!(
            r.header("content-type").unwrap().starts_with("text/csv"),
            "{:?}",
            r.headers
        );
        assert_eq!(
            r.text,
            "First/Last Name,User ID/Email,Admin Roles\r\n\
             Daan Meijer,admin2@acme.example,Full administrator\r\n\
             Sanne de Vries,admin@acme.example,Full administrator\r\n\
             Cas Smit,ccsa@acme.example,Contact Center service administrator\r\n\
             Pim Bakker,pim@pnet.example,Provisioning administrator\r\n\
             Lotte Bakker,readonly@acme.example,Read-only administrator\r\n\
             Ruben Dijkstra,ro@globex.example,Read-only administrator\r\n"
        );
        // Scoped roles carry their scope; several roles in catalogue order, quoted when needed.
        s.post(
            "/v1/roleAssignments",
            admin,
            &json!({"personId": w.users[0].id, "roleId": "site_admin", "siteUrl": SITE}),
        )
        .await
        .expect(201);
        s.post(
            "/v1/roleAssignments",
            admin,
            &json!({"personId": w.users[0].id, "roleId": "support_admin"}),
        )
        .await
        .expect(201);
        s.post("/v1/roleAssignments", admin, &json!({"personId": w.users[1].id, "roleId": "location_admin", "locationIds": ["utrecht", "amsterdam"]}))
            .await
            .expect(201);
        let r = s
            .get("/v1/admins/export?roles=site_admin,location_admin", admin)
            .await;
        r.expect(200);
        assert_eq!(
            r.text,
            "First/Last Name,User ID/Email,Admin Roles\r\n\
             User 001,user001@acme.example,\"Support administrator, Webex site administrator (acme.webex.com)\"\r\n\
             User 002,user002@acme.example,\"Location administrator (amsterdam, utrecht)\"\r\n"
        );
        let r = s.get("/v1/admins/export?roles=full_admin", admin).await;
        assert_eq!(r.text.lines().count(), 3);
        assert!(!r.text.starts_with('\u{feff}'));
        // A CCSA sees only CCSA holders (R-CCSA-9); a plain user nothing.
        let r = s.get("/v1/admins", &w.ccsa.token).await;
        r.expect(200);
        assert_eq!(ids(&r.items(), "email"), ["ccsa@acme.example"]);
        let r = s.get("/v1/admins/export", &w.agent.token).await;
        assert_eq!(r.status, 403, "{}", r.text);
        s.get("/v1/admins/export?roles=emperor", admin)
            .await
            .expect(400);
        s.stop().await;
    }
}

/// `authorize`: allowed and refused decisions, explained, naming their rule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorize_explains_decisions() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let r = s
            .get("/v1/authorize?area=users&level=write", &w.admin.token)
            .await;
        r.expect(200);
        let d = r.json();
        assert_eq!(d["allowed"], true);
        assert_eq!(d["levelHeld"], "write");
        assert_eq!(d["area"], "users");
        assert_eq!(d["level"], "write");
        assert!(d["ruleId"].as_str().is_some_and(|r| r.starts_with("R-")));
        assert!(
            d["explanation"]
                .as_str()
                .unwrap()
                .contains("Full administrator"),
            "{d}"
        );

        let r = s
            .get("/v1/authorize?area=users&level=write", &w.readonly.token)
            .await;
        r.expect(200);
        let d = r.json();
        assert_eq!(d["allowed"], false);
        assert_eq!(d["ruleId"], "R-PERM-1");
        assert_eq!(d["levelHeld"], "read");
        assert!(
            d["explanation"].as_str().unwrap().contains("R-PERM-1"),
            "{d}"
        );
        // The most specific rule: read-only admins and Contact Center (R-CC-3).
        let r = s
            .get(
                "/v1/authorize?area=contact_center&level=read",
                &w.readonly.token,
            )
            .await;
        assert_eq!(r.json()["allowed"], false);
        assert_eq!(r.json()["ruleId"], "R-CC-3");
        // Per site.
        let r = s
            .get(
                &format!("/v1/authorize?area=site_users&level=write&siteUrl={SITE}"),
                &w.admin.token,
            )
            .await;
        assert_eq!(r.json()["allowed"], true, "{}", r.text);
        // About someone else (needs read on roles).
        let r = s
            .get(
                &format!(
                    "/v1/authorize?personId={}&area=users&level=write",
                    w.readonly.id
                ),
                &w.admin.token,
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["allowed"], false);
        assert_eq!(r.json()["ruleId"], "R-PERM-1");
        let r = s
            .get(
                &format!(
                    "/v1/authorize?personId={}&area=users&level=read",
                    w.admin.id
                ),
                &w.agent.token,
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert!(!r.rule_ids().is_empty());
        // An external read-only admin in acme.
        let r = s
            .get(
                "/v1/authorize?orgId=acme&area=contact_center&level=read",
                &w.ext_ro.token,
            )
            .await;
        assert_eq!(r.json()["allowed"], true, "R-CC-3 external: {}", r.text);
        // Bad questions.
        s.get("/v1/authorize?area=users", &w.admin.token)
            .await
            .expect(400);
        s.get("/v1/authorize?area=moon&level=read", &w.admin.token)
            .await
            .expect(422);
        s.get("/v1/authorize?area=users&level=all", &w.admin.token)
            .await
            .expect(422);
        s.get(
            "/v1/authorize?orgId=globex&area=users&level=read",
            &w.admin.token,
        )
        .await
        .expect(404);
        s.stop().await;
    }
}

/// Grants that expired (R-EXT-7) are not listed, not counted and give nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_grants_are_not_listed() {
    for b in backends() {
        // Read-only access of an external lives 14 days; this one was given 20 days ago.
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
        let admin = &w.admin.token;
        let r = s.get("/v1/people?roles=readonly_admin", admin).await;
        r.expect(200);
        assert_eq!(
            ids(&r.items(), "id"),
            [w.readonly.id.clone(), w.ext_ro.id.clone()],
            "R-LIST-1 with R-EXT-7: {}",
            r.text
        );
        let r = s.get("/v1/admins", admin).await;
        assert!(!ids(&r.items(), "personId").contains(&w.globex_user.id));
        let r = s.get("/v1/roleAssignments", admin).await;
        assert!(!ids(&r.items(), "personId").contains(&w.globex_user.id));
        let r = s.get("/v1/admins/export", admin).await;
        assert!(!r.text.contains(&w.globex_user.email));
        let r = s
            .get(
                "/v1/authorize?orgId=acme&area=users&level=read",
                &w.globex_user.token,
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["allowed"], false);
        assert_eq!(r.json()["ruleId"], "R-EXT-7");
        let r = s.get("/v1/people?orgId=acme", &w.globex_user.token).await;
        r.refused(403, "R-EXT-7");
        s.stop().await;
    }
}
