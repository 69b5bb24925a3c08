//! The API's conventions over HTTP: every error status in the one error shape, dry runs that answer like the change and change nothing, and Dutch.
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_one_shape_and_the_right_status() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;

        // The client's tracking id is kept, in the header and the body.
        let r = s
            .request(Method::GET, "/v1/people/nobody")
            .bearer(admin)
            .header("TrackingID", "client-trace_42")
            .send()
            .await;
        r.expect(404);
        assert_eq!(r.header("trackingid").unwrap(), "client-trace_42");
        assert_eq!(r.json()["trackingId"], "client-trace_42");
        // A successful answer has one too.
        let r = s.get("/v1/people/me", admin).await;
        assert!(r.header("trackingid").unwrap().len() > 8);

        // 400: malformed JSON, naming line and column.
        let r = s
            .request(Method::POST, "/v1/roleAssignments")
            .bearer(admin)
            .body(
                "application/json",
                "{\n  \"personId\": \"x\",\n  \"roleId\": \n}",
            )
            .send()
            .await;
        r.expect(400);
        let field = r.json()["errors"][0]["field"].as_str().unwrap().to_string();
        assert_eq!(field, "line 4, column 1", "{}", r.text);
        assert!(r.message().contains("line 4"), "{}", r.text);
        // A malformed query is named too.
        let r = s.get("/v1/people?max=lots", admin).await;
        r.expect(400);
        assert_eq!(r.json()["errors"][0]["field"], "query");

        // 401: no credentials, a bad token, another scheme.
        s.request(Method::GET, "/v1/people")
            .send()
            .await
            .expect(401);
        s.get("/v1/people", "rh_not-a-token").await.expect(401);
        s.request(Method::GET, "/v1/people")
            .header("authorization", "Basic YWRtaW46YWRtaW4=")
            .send()
            .await
            .expect(401);
        s.request(Method::GET, "/v1/people")
            .header("cookie", "rolehub_session=forged")
            .send()
            .await
            .expect(401);

        // 403 with the rule.
        s.post(
            "/v1/roleAssignments",
            admin,
            &json!({"personId": w.admin2.id, "roleId": "cc_service_admin"}),
        )
        .await
        .refused(403, "R-CCSA-1");
        let r = s
            .post(
                "/v1/roleAssignments",
                &w.readonly.token,
                &json!({"personId": w.users[0].id, "roleId": "support_admin"}),
            )
            .await;
        r.refused(403, "R-ASSIGN-1");
        assert!(r.message().contains("R-ASSIGN-1"));

        // 404: unknown, and other orgs' resources (never 403), alike.
        let unknown = s
            .get("/v1/people/0123456789abcdef0123456789abcdef", admin)
            .await;
        unknown.expect(404);
        let other = s
            .get(&format!("/v1/people/{}", w.globex_admin.id), admin)
            .await;
        other.expect(404);
        assert_eq!(
            other.message().replace(&w.globex_admin.id, "ID"),
            unknown
                .message()
                .replace("0123456789abcdef0123456789abcdef", "ID")
        );
        let globex_grant = s
            .get("/v1/roleAssignments", &w.globex_admin.token)
            .await
            .items()[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        s.delete(&format!("/v1/roleAssignments/{globex_grant}"), admin)
            .await
            .expect(404);
        s.get("/v1/people?orgId=globex", admin).await.expect(404);
        s.put(
            &format!("/v1/people/{}", w.globex_user.id),
            admin,
            &json!({"lastName": "X"}),
        )
        .await
        .expect(404);
        s.delete(&format!("/v1/people/{}", w.globex_user.id), admin)
            .await
            .expect(404);
        assert_eq!(
            s.get(
                &format!("/v1/people/{}", w.globex_user.id),
                &w.globex_admin.token
            )
            .await
            .json()["lastName"],
            "Goud"
        );

        // 409: the email exists (in this org or another).
        for email in ["ADMIN2@acme.example", "user@globex.example"] {
            s.post("/v1/people", admin, &json!({"emails": [email]}))
                .await
                .expect(409);
        }

        // 413: a JSON body over 64 KiB.
        let big = json!({"personId": w.users[0].id, "roleId": "support_admin", "pad": "x".repeat(70 * 1024)});
        s.post("/v1/roleAssignments", admin, &big).await.expect(413);
        assert!(s.acme_roles(&w.users[0].id).await.is_empty());

        // 415: JSON without its content type; CSV without text/csv.
        let body = json!({"personId": w.users[0].id, "roleId": "support_admin"}).to_string();
        for ct in ["", "text/plain", "application/x-www-form-urlencoded"] {
            let r = s
                .request(Method::POST, "/v1/roleAssignments")
                .bearer(admin)
                .body(ct, body.clone())
                .send()
                .await;
            r.expect(415);
            assert_eq!(r.json()["errors"][0]["field"], "Content-Type");
        }
        s.request(Method::POST, "/v1/people/csv")
            .bearer(admin)
            .body(
                "application/json",
                "User ID/Email\r\nuser001@acme.example\r\n",
            )
            .send()
            .await
            .expect(415);

        // 422: well-formed JSON with wrong types or unknown fields.
        let r = s
            .post(
                "/v1/roleAssignments",
                admin,
                &json!({"personId": 5, "roleId": true}),
            )
            .await;
        r.expect(422);
        assert!(
            r.json()["errors"][0]["field"]
                .as_str()
                .unwrap()
                .starts_with("line 1, column "),
            "{}",
            r.text
        );
        s.post(
            "/v1/roleAssignments",
            admin,
            &json!({"personId": w.users[0].id, "roleId": "support_admin", "colour": "red"}),
        )
        .await
        .expect(422);
        s.post("/v1/people", admin, &json!({"emails": "x@acme.example"}))
            .await
            .expect(422);
        s.post("/v1/people", admin, &json!({"emails": ["not an email"]}))
            .await
            .expect(422);
        assert!(s.acme_roles(&w.users[0].id).await.is_empty());

        // 429: the sixth failed sign-in for one account, with Retry-After.
        s.service
            .operator("tests")
            .set_password(&w.readonly.email, PASSWORD, system_now())
            .await
            .unwrap();
        for _ in 0..5 {
            s.request(Method::POST, "/v1/sessions")
                .json(&json!({"email": w.readonly.email, "password": "guess guess guess"}))
                .send()
                .await
                .expect(401);
        }
        for password in ["guess guess guess", PASSWORD] {
            let r = s
                .request(Method::POST, "/v1/sessions")
                .json(&json!({"email": w.readonly.email, "password": password}))
                .send()
                .await;
            r.expect(429);
            let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
            assert!(retry > 0 && retry <= 15 * 60, "{retry}");
            assert!(r.session_cookie().is_none());
        }
        // Another account is not affected.
        s.service
            .operator("tests")
            .set_password(&w.admin.email, PASSWORD, system_now())
            .await
            .unwrap();
        s.sign_in(&w.admin.email, PASSWORD).await;

        // The router's own answers keep the shape too.
        let r = s.get("/v1/no-such-thing", admin).await;
        r.expect(404);
        assert!(r.route_missing());
        let r = s
            .request(Method::PATCH, "/v1/people")
            .bearer(admin)
            .json(&json!({}))
            .send()
            .await;
        r.expect(405);
        assert!(r.header("allow").is_some(), "{:?}", r.headers);
        s.stop().await;

        // 413 for a CSV upload over its own limit.
        let config = rolehub_server::Config {
            csv_limit: 4 * 1024,
            ..rolehub_server::Config::default()
        };
        let s = Server::start_with(&b, config).await;
        let mut csv = String::from("User ID/Email,Last Name\r\n");
        while csv.len() < 8 * 1024 {
            csv.push_str("user001@acme.example,Een\r\n");
        }
        s.request(Method::POST, "/v1/people/csv")
            .bearer(&s.w.admin.token)
            .body("text/csv", csv)
            .send()
            .await
            .expect(413);
        assert_eq!(s.acme_person(&s.w.users[0].id).await["lastName"], "001");
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_runs_answer_like_the_change_and_change_nothing() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let admin = &w.admin.token;

        // Role assignment with a side effect.
        let events = s.acme_events().await;
        let body = json!({"personId": w.ccsa.id, "roleId": "full_admin"});
        let dry = s
            .post("/v1/roleAssignments?dryRun=true", admin, &body)
            .await;
        dry.expect(200);
        assert_eq!(dry.json()["dryRun"], true);
        assert_eq!(dry.json()["removed"], json!(["cc_service_admin"]));
        assert_eq!(s.acme_roles(&w.ccsa.id).await, ["cc_service_admin"]);
        assert_eq!(
            s.acme_events().await,
            events,
            "a dry run writes no audit event"
        );
        let real = s.post("/v1/roleAssignments", admin, &body).await;
        real.expect(201);
        assert_eq!(without_dry_run(dry.json()), without_dry_run(real.json()));
        assert_eq!(s.acme_roles(&w.ccsa.id).await, ["full_admin"]);
        assert_eq!(s.acme_events().await, events + 1);

        // A refused role change: the same refusal; only the real one is audited.
        let events = s.acme_events().await;
        let body = json!({"personId": w.admin2.id, "roleId": "cc_service_admin"});
        let dry = s
            .post("/v1/roleAssignments?dryRun=true", admin, &body)
            .await;
        dry.refused(403, "R-CCSA-1");
        assert_eq!(s.acme_events().await, events);
        let real = s.post("/v1/roleAssignments", admin, &body).await;
        assert_eq!(refusal_shape(&dry), refusal_shape(&real));
        assert_eq!(s.acme_events().await, events + 1);

        // Revoke.
        let events = s.acme_events().await;
        let grant = s.grant_id(&w.admin2.id, "full_admin").await;
        let dry = s
            .delete(&format!("/v1/roleAssignments/{grant}?dryRun=true"), admin)
            .await;
        dry.expect(200);
        assert_eq!(dry.json()["dryRun"], true);
        assert_eq!(s.acme_roles(&w.admin2.id).await, ["full_admin"]);
        assert_eq!(s.acme_events().await, events);
        let real = s
            .delete(&format!("/v1/roleAssignments/{grant}"), admin)
            .await;
        real.expect(200);
        assert_eq!(without_dry_run(dry.json()), without_dry_run(real.json()));
        assert!(s.acme_roles(&w.admin2.id).await.is_empty());

        // Adding and removing an external administrator.
        let events = s.acme_events().await;
        let body = json!({"email": w.globex_user.email, "roleId": "readonly_admin"});
        let dry = s.post("/v1/externalAdmins?dryRun=true", admin, &body).await;
        dry.expect(200);
        s.get(&format!("/v1/people/{}", w.globex_user.id), admin)
            .await
            .expect(404);
        assert_eq!(s.acme_events().await, events);
        let real = s.post("/v1/externalAdmins", admin, &body).await;
        real.expect(201);
        assert_eq!(without_dry_run(dry.json()), without_dry_run(real.json()));
        let events = s.acme_events().await;
        let dry = s
            .delete(
                &format!("/v1/externalAdmins/{}?dryRun=true", w.globex_user.id),
                admin,
            )
            .await;
        dry.expect(200);
        assert_eq!(s.acme_roles(&w.globex_user.id).await, ["readonly_admin"]);
        assert_eq!(s.acme_events().await, events);
        let real = s
            .delete(&format!("/v1/externalAdmins/{}", w.globex_user.id), admin)
            .await;
        real.expect(200);
        assert_eq!(without_dry_run(dry.json()), without_dry_run(real.json()));

        // Creating a person: no person, no invitation, no event.
        let events = s.acme_events().await;
        let mails = s
            .service
            .operator("tests")
            .outbox(1000)
            .await
            .unwrap()
            .len();
        let body = json!({"emails": ["dry@acme.example"], "firstName": "Droog", "lastName": "Test", "locationId": "utrecht"});
        let dry = s.post("/v1/people?dryRun=true", admin, &body).await;
        dry.expect(200);
        let r = s.get("/v1/people?email=dry%40acme.example", admin).await;
        assert!(r.items().is_empty());
        assert_eq!(
            s.service
                .operator("tests")
                .outbox(1000)
                .await
                .unwrap()
                .len(),
            mails
        );
        assert_eq!(s.acme_events().await, events);
        let real = s.post("/v1/people", admin, &body).await;
        real.expect(200);
        let strip_id = |v: &Value| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("id");
            v.as_object_mut().unwrap().remove("created");
            v
        };
        assert_eq!(dry.json().get("id"), None, "a dry run creates no one");
        assert_eq!(strip_id(dry.json()), strip_id(real.json()));
        // The refusal of a dry run is the real one's.
        let dry = s.post("/v1/people?dryRun=true", admin, &body).await;
        dry.expect(409);
        let dry = s
            .post(
                "/v1/people?dryRun=true",
                &w.readonly.token,
                &json!({"emails": ["x@acme.example"]}),
            )
            .await;
        let real = s
            .post(
                "/v1/people",
                &w.readonly.token,
                &json!({"emails": ["x@acme.example"]}),
            )
            .await;
        assert_eq!(dry.status, 403, "{}", dry.text);
        assert_eq!(refusal_shape(&dry), refusal_shape(&real));

        // Deleting a person.
        let events = s.acme_events().await;
        let victim = &w.users[9];
        let dry = s
            .delete(&format!("/v1/people/{}?dryRun=true", victim.id), admin)
            .await;
        dry.expect(200);
        s.acme_person(&victim.id).await;
        assert_eq!(s.acme_events().await, events);
        let dry = s
            .delete(
                &format!("/v1/people/{}?dryRun=true", victim.id),
                &w.readonly.token,
            )
            .await;
        let real = s
            .delete(&format!("/v1/people/{}", victim.id), &w.readonly.token)
            .await;
        assert_eq!(dry.status, 403);
        assert_eq!(refusal_shape(&dry), refusal_shape(&real));
        s.delete(&format!("/v1/people/{}", victim.id), admin)
            .await
            .expect(204);
        s.get(&format!("/v1/people/{}", victim.id), admin)
            .await
            .expect(404);

        // Licenses.
        let events = s.acme_events().await;
        let body = json!({"email": w.users[10].email, "licenses": [{"id": "cc_premium_agent", "operation": "add"}]});
        s.patch("/v1/licenses/users?dryRun=true", admin, &body)
            .await
            .expect(200);
        assert_eq!(s.acme_person(&w.users[10].id).await["licenses"], json!([]));
        let premium = |r: Resp| {
            r.items()
                .into_iter()
                .find(|l| l["id"] == "cc_premium_agent")
                .unwrap()["consumedUnits"]
                .clone()
        };
        assert_eq!(premium(s.get("/v1/licenses", admin).await), 2);
        assert_eq!(s.acme_events().await, events);
        s.patch("/v1/licenses/users", admin, &body)
            .await
            .expect(200);
        assert_eq!(premium(s.get("/v1/licenses", admin).await), 3);
        let over = json!({"email": w.users[11].email, "licenses": [{"id": "cc_premium_agent", "operation": "add"}]});
        let dry = s
            .patch("/v1/licenses/users?dryRun=true", admin, &over)
            .await;
        dry.refused(403, "R-LIC-1");
        let real = s.patch("/v1/licenses/users", admin, &over).await;
        assert_eq!(refusal_shape(&dry), refusal_shape(&real));

        // Settings.
        let events = s.acme_events().await;
        let body =
            json!({"externalReadonlyTtlDays": 30, "shareWithExternalAdmins": ["name", "email"]});
        let dry = s
            .put("/v1/organizations/acme/settings?dryRun=true", admin, &body)
            .await;
        dry.expect(200);
        let r = s.get("/v1/organizations/acme/settings", admin).await;
        assert_eq!(r.json()["externalReadonlyTtlDays"], 14);
        assert_eq!(s.acme_events().await, events);
        let real = s.put("/v1/organizations/acme/settings", admin, &body).await;
        real.expect(200);
        assert_eq!(real.json()["externalReadonlyTtlDays"], 30);
        assert_eq!(
            dry.json(),
            real.json(),
            "a dry run answers what the change would give"
        );
        let dry = s
            .put(
                "/v1/organizations/acme/settings?dryRun=true",
                &w.readonly.token,
                &body,
            )
            .await;
        let real = s
            .put("/v1/organizations/acme/settings", &w.readonly.token, &body)
            .await;
        assert_eq!(dry.status, 403);
        assert_eq!(refusal_shape(&dry), refusal_shape(&real));

        // Contact Center chat (R-CC-4).
        let events = s.acme_events().await;
        s.request(
            Method::POST,
            "/v1/organizations/acme/contactCenter/chat?dryRun=true",
        )
        .bearer(admin)
        .send()
        .await
        .expect(200);
        assert_eq!(
            s.get("/v1/organizations/acme", admin).await.json()["contactCenterChat"],
            false
        );
        assert_eq!(s.acme_events().await, events);
        s.request(Method::POST, "/v1/organizations/acme/contactCenter/chat")
            .bearer(admin)
            .send()
            .await
            .expect(204);
        assert_eq!(
            s.get("/v1/organizations/acme", admin).await.json()["contactCenterChat"],
            true
        );
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dutch_refusals_still_name_the_rule() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let nl = |method: Method, path: &str, token: &str| {
            s.request(method, path)
                .bearer(token)
                .header("accept-language", "nl-NL,nl;q=0.9,en;q=0.8")
        };
        let ccsa1 = json!({"personId": w.admin2.id, "roleId": "cc_service_admin"});
        let en = s.post("/v1/roleAssignments", &w.admin.token, &ccsa1).await;
        let r = nl(Method::POST, "/v1/roleAssignments", &w.admin.token)
            .json(&ccsa1)
            .send()
            .await;
        r.refused(403, "R-CCSA-1");
        assert_ne!(r.message(), en.message());
        assert!(
            r.message().contains("Contact Center-servicebeheerder")
                && r.message().ends_with("(R-CCSA-1)"),
            "{}",
            r.text
        );

        let r = s
            .request(Method::POST, "/v1/roleAssignments")
            .bearer(&w.readonly.token)
            .header("accept-language", "nl")
            .json(&json!({"personId": w.users[0].id, "roleId": "support_admin"}))
            .send()
            .await;
        r.refused(403, "R-ASSIGN-1");
        assert!(r.message().contains("R-ASSIGN-1"));
        assert!(
            r.message().contains("beheerder") || r.message().contains("rol"),
            "Dutch: {}",
            r.text
        );

        s.patch("/v1/licenses/users", &w.admin.token, &json!({"email": w.users[0].email, "licenses": [{"id": "cc_premium_agent", "operation": "add"}]}))
            .await
            .expect(200);
        let r = nl(Method::PATCH, "/v1/licenses/users", &w.admin.token)
            .json(&json!({"email": w.users[1].email, "licenses": [{"id": "cc_premium_agent", "operation": "add"}]}))
            .send()
            .await;
        r.refused(403, "R-LIC-1");
        assert!(r.message().starts_with("Er is geen eenheid"), "{}", r.text);

        // Decisions, warnings and role names too.
        let r = nl(
            Method::GET,
            "/v1/authorize?area=users&level=write",
            &w.readonly.token,
        )
        .send()
        .await;
        assert_eq!(r.json()["ruleId"], "R-PERM-1");
        assert!(
            r.json()["explanation"]
                .as_str()
                .unwrap()
                .contains("gebruikers"),
            "{}",
            r.text
        );
        let r = nl(
            Method::GET,
            "/v1/authorize?area=users&level=write",
            &w.admin.token,
        )
        .send()
        .await;
        assert!(
            r.json()["explanation"]
                .as_str()
                .unwrap()
                .starts_with("Toegestaan"),
            "{}",
            r.text
        );
        let r = nl(
            Method::GET,
            "/v1/roleAssignments?roles=full_admin",
            &w.admin.token,
        )
        .send()
        .await;
        assert_eq!(r.items()[0]["roleName"], "Volledige beheerder");
        let grant = s.grant_id(&w.admin2.id, "full_admin").await;
        let r = nl(
            Method::DELETE,
            &format!("/v1/roleAssignments/{grant}"),
            &w.admin.token,
        )
        .send()
        .await;
        r.expect(200);
        assert!(
            r.json()["warnings"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with("Er is nog maar één"),
            "{}",
            r.text
        );
        let r = nl(Method::GET, "/v1/people/me", &w.agent.token)
            .send()
            .await;
        assert_eq!(r.json()["adminRoles"], "Geen");
        s.stop().await;
    }
}

/// The same request in English (no `Accept-Language`) and in Dutch; the status is the same.
async fn in_both(
    s: &Server,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, &str)>,
) -> (Resp, Resp) {
    let mut answers = Vec::new();
    for lang in [None, Some("nl")] {
        let mut c = s.request(method.clone(), path);
        if let Some(t) = token {
            c = c.bearer(t);
        }
        if let Some(l) = lang {
            c = c.header("accept-language", l);
        }
        if let Some((ct, b)) = body {
            c = c.body(ct, b.to_string());
        }
        answers.push(c.send().await);
    }
    let nl = answers.pop().unwrap();
    let en = answers.pop().unwrap();
    assert_eq!(en.status, nl.status, "{} / {}", en.text, nl.text);
    (en, nl)
}

/// The server's own errors (a body that is not JSON or not what the route takes, a missing
/// content type, a bad token, an unknown route or method) answer in the caller's language, with
/// the same status: serde's own words stay as serde wrote them, in a Dutch frame, and the place is
/// worded in Dutch; a field keeps its API name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_own_errors_speak_the_callers_language() {
    let s = Server::start(&backends()[0]).await;
    let w = s.w.clone();
    let admin = &w.admin.token;
    let field = |r: &Resp| r.json()["errors"][0]["field"].as_str().unwrap().to_string();
    let description = |r: &Resp| {
        r.json()["errors"][0]["description"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // 400: malformed JSON.
    let (en, nl) = in_both(
        &s,
        Method::POST,
        "/v1/roleAssignments",
        Some(admin.as_str()),
        Some((
            "application/json",
            "{\n  \"personId\": \"x\",\n  \"roleId\": \n}",
        )),
    )
    .await;
    en.expect(400);
    assert_eq!(field(&en), "line 4, column 1");
    assert_eq!(field(&nl), "regel 4, kolom 1");
    assert_eq!(
        en.message(),
        "roleId: expected value at line 4 column 1",
        "{}",
        en.text
    );
    assert_eq!(
        nl.message(),
        "de body is geen geldige JSON (regel 4, kolom 1): roleId: expected value",
        "{}",
        nl.text
    );
    assert_eq!(description(&nl), nl.message());

    // 422: well-formed JSON of the wrong types.
    let (en, nl) = in_both(
        &s,
        Method::POST,
        "/v1/roleAssignments",
        Some(admin.as_str()),
        Some(("application/json", r#"{"personId": 5}"#)),
    )
    .await;
    en.expect(422);
    assert_eq!(field(&en), "line 1, column 14");
    assert_eq!(field(&nl), "regel 1, kolom 14");
    assert!(
        nl.message()
            .starts_with("de body past niet bij wat dit endpoint verwacht (regel 1, kolom 14): personId: invalid type"),
        "{}",
        nl.text
    );

    // 415: JSON without its content type; the field is the header's name in both.
    let (en, nl) = in_both(
        &s,
        Method::POST,
        "/v1/roleAssignments",
        Some(admin.as_str()),
        Some(("text/plain", "{}")),
    )
    .await;
    en.expect(415);
    assert_eq!(field(&en), "Content-Type");
    assert_eq!(field(&nl), "Content-Type");
    assert_eq!(
        en.message(),
        "send the body as JSON with `Content-Type: application/json`"
    );
    assert_eq!(
        nl.message(),
        "stuur de body als JSON met “Content-Type: application/json”"
    );

    // 400: a malformed query string, the field named `query` in both.
    let (en, nl) = in_both(
        &s,
        Method::GET,
        "/v1/people?max=lots",
        Some(admin.as_str()),
        None,
    )
    .await;
    en.expect(400);
    assert_eq!((field(&en), field(&nl)), ("query".into(), "query".into()));
    assert!(en.message().starts_with("the query string is not valid: "));
    assert!(
        nl.message().starts_with("de querystring is niet geldig: "),
        "{}",
        nl.text
    );

    // 401: a bad token, and none at all.
    for token in [Some("rh_not-a-token"), None] {
        let (en, nl) = in_both(&s, Method::GET, "/v1/people", token, None).await;
        en.expect(401);
        assert!(en.message().starts_with("sign in, or send"), "{}", en.text);
        assert_eq!(
            nl.message(),
            "meld u aan, of stuur een persoonlijk toegangstoken als “Authorization: Bearer <token>”"
        );
    }

    // 404 and 405: the router's own answers.
    let (en, nl) = in_both(
        &s,
        Method::GET,
        "/v1/no-such-thing",
        Some(admin.as_str()),
        None,
    )
    .await;
    en.expect(404);
    assert!(en.route_missing());
    assert_eq!(
        nl.message(),
        "deze resource bestaat niet; zie /v1/openapi.json voor de routes van de API"
    );
    let (en, nl) = in_both(
        &s,
        Method::PATCH,
        "/v1/people",
        Some(admin.as_str()),
        Some(("application/json", "{}")),
    )
    .await;
    en.expect(405);
    assert_eq!(en.message(), "this method is not allowed on this resource");
    assert_eq!(
        nl.message(),
        "deze methode is niet toegestaan op deze resource"
    );
    assert!(nl.header("allow").is_some());

    // A cursor this API did not give out names its parameter in both.
    let (en, nl) = in_both(
        &s,
        Method::GET,
        "/v1/people?after=zz",
        Some(admin.as_str()),
        None,
    )
    .await;
    en.expect(400);
    assert_eq!((field(&en), field(&nl)), ("after".into(), "after".into()));
    assert_eq!(
        nl.message(),
        "de cursor “after” is niet door deze API gegeven"
    );
    s.stop().await;
}

/// The error bodies people and scripts read, pinned (tracking ids left out): a change of wording
/// is a reviewed diff of the snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_bodies_are_pinned() {
    let s = Server::start(&backends()[0]).await;
    let w = s.w.clone();
    let mut text = String::new();
    let mut pin = |what: &str, r: &Resp| {
        let mut body = r.json().clone();
        if let Some(o) = body.as_object_mut() {
            o.remove("trackingId");
        }
        text.push_str(&format!(
            "## {what}: {}\n{}\n",
            r.status,
            serde_json::to_string_pretty(&body).unwrap()
        ));
    };
    pin(
        "no credentials",
        &s.request(Method::GET, "/v1/people").send().await,
    );
    pin("unknown route", &s.get("/v1/nothing", &w.admin.token).await);
    pin(
        "refused by a rule",
        &s.post(
            "/v1/roleAssignments",
            &w.admin.token,
            &json!({ "personId": w.admin.id, "roleId": "cc_service_admin" }),
        )
        .await,
    );
    pin(
        "refused by a rule, in Dutch",
        &s.request(Method::POST, "/v1/roleAssignments")
            .bearer(&w.admin.token)
            .header("Accept-Language", "nl")
            .json(&json!({ "personId": w.admin.id, "roleId": "cc_service_admin" }))
            .send()
            .await,
    );
    pin(
        "a read token changes nothing",
        &s.post(
            "/v1/roleAssignments",
            &w.admin_read_token,
            &json!({ "personId": w.users[0].id, "roleId": "support_admin" }),
        )
        .await,
    );
    pin(
        "an invalid value",
        &s.post(
            "/v1/roleAssignments",
            &w.admin.token,
            &json!({ "personId": w.users[0].id, "roleId": "king" }),
        )
        .await,
    );
    pin(
        "malformed JSON",
        &s.request(Method::POST, "/v1/roleAssignments")
            .bearer(&w.admin.token)
            .body("application/json", "{\"personId\": ")
            .send()
            .await,
    );
    pin(
        "an unknown field",
        &s.post(
            "/v1/roleAssignments",
            &w.admin.token,
            &json!({ "personId": w.users[0].id, "roleId": "support_admin", "rank": 1 }),
        )
        .await,
    );
    pin(
        "the wrong content type",
        &s.request(Method::POST, "/v1/roleAssignments")
            .bearer(&w.admin.token)
            .body("text/plain", "hello")
            .send()
            .await,
    );
    pin(
        "another org's person",
        &s.get("/v1/people/0123456789abcdef", &w.admin.token).await,
    );
    pin(
        "a conflict",
        &s.post(
            "/v1/people",
            &w.admin.token,
            &json!({ "emails": [w.users[0].email] }),
        )
        .await,
    );
    let dutch =
        |method: Method, path: &str| s.request(method, path).header("Accept-Language", "nl");
    pin(
        "no credentials, in Dutch",
        &dutch(Method::GET, "/v1/people").send().await,
    );
    pin(
        "unknown route, in Dutch",
        &dutch(Method::GET, "/v1/nothing")
            .bearer(&w.admin.token)
            .send()
            .await,
    );
    pin(
        "malformed JSON, in Dutch",
        &dutch(Method::POST, "/v1/roleAssignments")
            .bearer(&w.admin.token)
            .body("application/json", "{\"personId\": ")
            .send()
            .await,
    );
    pin(
        "an unknown field, in Dutch",
        &dutch(Method::POST, "/v1/roleAssignments")
            .bearer(&w.admin.token)
            .json(&json!({ "personId": w.users[0].id, "roleId": "support_admin", "rank": 1 }))
            .send()
            .await,
    );
    pin(
        "the wrong content type, in Dutch",
        &dutch(Method::POST, "/v1/roleAssignments")
            .bearer(&w.admin.token)
            .body("text/plain", "hello")
            .send()
            .await,
    );
    insta::assert_snapshot!(text);
    s.stop().await;
}
