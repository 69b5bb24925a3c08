//! The SCIM interface as an identity provider drives it: Entra ID's request sequence (look up by
//! userName, create, PATCH several attributes, group members added and removed, `active: false`,
//! delete), roles through the same rules (refused as a whole with `scimType` and the rule id),
//! the audit log naming the SCIM client, and the token's reach.
//!
//! A real server on a local port over a real database (SQLite always, PostgreSQL when
//! `ROLEHUB_TEST_POSTGRES` names a server). The RFC compliance checker (scim2-tester) runs against
//! a live server in `.ci/scim`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

mod common;

use common::*;
use rolehub_store::service::TokenScope;

/// A SCIM answer: status, headers, body.
struct Scim {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn scim(s: &Server, method: Method, path: &str, token: &str, body: Option<Value>) -> Scim {
    scim_raw(s, method, path, token, body.map(|b| b.to_string()), None).await
}

/// A SCIM request with a body as sent (JSON or not) and, when given, an `Accept-Language`.
async fn scim_raw(
    s: &Server,
    method: Method,
    path: &str,
    token: &str,
    body: Option<String>,
    lang: Option<&str>,
) -> Scim {
    let mut request = s
        .http
        .request(method.clone(), format!("{}{path}", s.base))
        .bearer_auth(token);
    if let Some(lang) = lang {
        request = request.header("accept-language", lang);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/scim+json")
            .body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body: Value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text}"))
    };
    if status >= 400 {
        assert_eq!(
            body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"]),
            "{method} {path}: an error in SCIM's shape: {body}"
        );
        assert_eq!(body["status"], status.to_string(), "{body}");
    }
    Scim {
        status,
        headers,
        body,
    }
}

fn patch_op(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

const USERS: &str = "/identity/scim/acme/v2/Users";
const GROUPS: &str = "/identity/scim/acme/v2/Groups";

/// Entra ID's provisioning sequence, step by step, and what it leaves in people, roles, groups
/// and the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_providers_sequence_provisions_people_roles_and_groups() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let (_, token) = rolehub_testkit::token(&s.service, &w.admin.email, TokenScope::Scim).await;

        // Is the user there yet?
        let r = scim(
            &s,
            Method::GET,
            &format!("{USERS}?filter=userName%20eq%20%22nina.nieuw%40acme.example%22"),
            &token,
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.body["totalResults"].clone()),
            (200, json!(0)),
            "{}",
            r.body
        );

        // Create.
        let r = scim(
            &s,
            Method::POST,
            USERS,
            &token,
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "externalId": "entra-0001", "userName": "Nina.Nieuw@acme.example", "active": true,
                "displayName": "Nina Nieuw", "name": {"givenName": "Nina", "familyName": "Nieuw"},
                "emails": [{"primary": true, "type": "work", "value": "Nina.Nieuw@acme.example"}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}
            })),
        )
        .await;
        assert_eq!(r.status, 201, "{}: {}", s.backend, r.body);
        let id = r.body["id"].as_str().unwrap().to_string();
        assert!(r.headers["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!("/Users/{id}")));
        assert_eq!(
            r.headers["etag"].to_str().unwrap(),
            r.body["meta"]["version"].as_str().unwrap()
        );
        assert_eq!(r.body["userName"], "nina.nieuw@acme.example");
        assert_eq!(
            s.acme_person(&id).await["status"],
            "pending",
            "{}: invited",
            s.backend
        );

        // Found by userName (case-insensitively) and by externalId (exactly).
        for filter in [
            "userName%20eq%20%22NINA.nieuw%40acme.example%22",
            "externalId%20eq%20%22entra-0001%22",
        ] {
            let r = scim(
                &s,
                Method::GET,
                &format!("{USERS}?filter={filter}"),
                &token,
                None,
            )
            .await;
            assert_eq!(r.body["totalResults"], 1, "{filter}: {}", r.body);
            assert_eq!(r.body["Resources"][0]["id"], id.as_str());
        }
        let r = scim(
            &s,
            Method::GET,
            &format!("{USERS}?filter=externalId%20eq%20%22ENTRA-0001%22"),
            &token,
            None,
        )
        .await;
        assert_eq!(r.body["totalResults"], 0, "externalId is case-exact");

        // PATCH: several attributes at once, as Entra sends them.
        let r = scim(
            &s,
            Method::PATCH,
            &format!("{USERS}/{id}"),
            &token,
            Some(patch_op(json!([
                {"op": "Replace", "path": "displayName", "value": "Nina de Nieuw"},
                {"op": "Replace", "path": "name.familyName", "value": "de Nieuw"},
                {"op": "Add", "path": "roles", "value": [{"value": "id_readonly_admin", "type": "cirole"}]}
            ]))),
        )
        .await;
        assert_eq!(r.status, 200, "{}: {}", s.backend, r.body);
        assert_eq!(
            r.body["roles"],
            json!([{"value": "id_readonly_admin", "type": "cirole"}])
        );
        let person = s.acme_person(&id).await;
        assert_eq!(
            (person["lastName"].clone(), person["displayName"].clone()),
            (json!("de Nieuw"), json!("Nina de Nieuw"))
        );
        assert_eq!(strings(&person["roles"]), ["readonly_admin"]);

        // A stale ETag is refused.
        let r = scim(&s, Method::GET, &format!("{USERS}/{id}"), &token, None).await;
        let version = r.body["meta"]["version"].as_str().unwrap().to_string();
        let stale = s
            .http
            .patch(format!("{}{USERS}/{id}", s.base))
            .bearer_auth(&token)
            .header("if-match", "W/\"0000000000000000\"")
            .json(&patch_op(
                json!([{"op": "replace", "path": "displayName", "value": "X"}]),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status().as_u16(), 412);
        let fresh = s
            .http
            .patch(format!("{}{USERS}/{id}", s.base))
            .bearer_auth(&token)
            .header("if-match", &version)
            .json(&patch_op(
                json!([{"op": "replace", "path": "displayName", "value": "Nina"}]),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(fresh.status().as_u16(), 200);

        // A group linked to a role: joining gives it, leaving takes it.
        let r = scim(&s, Method::POST, GROUPS, &token, Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Helpdesk", "members": []}))).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let group = r.body["id"].as_str().unwrap().to_string();
        s.put(
            &format!("/v1/groups/{group}/role"),
            &w.admin.token,
            &json!({"role": "user_device_admin"}),
        )
        .await
        .expect(200);
        let r = scim(
            &s,
            Method::PATCH,
            &format!("{GROUPS}/{group}"),
            &token,
            Some(patch_op(
                json!([{"op": "Add", "path": "members", "value": [{"value": id}]}]),
            )),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            sorted(s.acme_roles(&id).await),
            ["readonly_admin", "user_device_admin"]
        );
        let r = scim(&s, Method::GET, &format!("{USERS}/{id}"), &token, None).await;
        assert_eq!(r.body["groups"][0]["display"], "Helpdesk");
        let r = scim(
            &s,
            Method::PATCH,
            &format!("{GROUPS}/{group}"),
            &token,
            Some(patch_op(
                json!([{"op": "Remove", "path": format!("members[value eq \"{id}\"]")}]),
            )),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(s.acme_roles(&id).await, ["readonly_admin"]);

        // Deactivate, then delete.
        let r = scim(
            &s,
            Method::PATCH,
            &format!("{USERS}/{id}"),
            &token,
            Some(patch_op(
                json!([{"op": "Replace", "path": "active", "value": "False"}]),
            )),
        )
        .await;
        assert_eq!(
            (r.status, r.body["active"].clone()),
            (200, json!(false)),
            "{}",
            r.body
        );
        assert_eq!(s.acme_person(&id).await["status"], "inactive");
        let r = scim(&s, Method::DELETE, &format!("{USERS}/{id}"), &token, None).await;
        assert_eq!(r.status, 204);
        let r = scim(&s, Method::GET, &format!("{USERS}/{id}"), &token, None).await;
        assert_eq!(r.status, 404);
        s.get(&format!("/v1/people/{id}"), &w.admin.token)
            .await
            .expect(404);

        // Every change is in the audit log with the SCIM client as the actor.
        let (events, _) = s
            .all_pages("/v1/adminAudit/events?max=500", &w.admin.token)
            .await;
        let by_scim: Vec<&Value> = events
            .iter()
            .filter(|e| e["actorEmail"] == "scim:tests")
            .collect();
        let actions: BTreeSet<&str> = by_scim
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for action in [
            "user.add",
            "user.update",
            "role.assign",
            "role.revoke",
            "user.status",
            "user.remove",
            "group.create",
            "group.update",
        ] {
            assert!(
                actions.contains(action),
                "{}: no `{action}` by the SCIM client in {actions:?}",
                s.backend
            );
        }
        assert!(
            by_scim.iter().all(|e| e["actorId"] == w.admin.id.as_str()),
            "with its holder's authority"
        );
        s.stop().await;
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// A SCIM change that a rule refuses is refused as a whole, with `scimType` and the rule id, and
/// audited; the last full administrator stays (R-ASSIGN-3); the CCSA role needs the Premium Agent
/// license (R-CCSA-2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim_refusals_name_the_rule_and_change_nothing() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let (_, token) = rolehub_testkit::token(&s.service, &w.admin.email, TokenScope::Scim).await;

        let user = &w.users[0];
        let r = scim(
            &s,
            Method::PATCH,
            &format!("{USERS}/{}", user.id),
            &token,
            Some(patch_op(json!([
                {"op": "replace", "path": "displayName", "value": "Never"},
                {"op": "add", "path": "roles", "value": [{"value": "cc_service_admin", "type": "cirole"}]}
            ]))),
        )
        .await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(r.body["scimType"], "invalidValue");
        assert!(
            r.body["detail"].as_str().unwrap().contains("R-CCSA-2"),
            "{}",
            r.body
        );
        let person = s.acme_person(&user.id).await;
        assert_eq!(person["roles"], json!([]));
        assert_ne!(
            person["displayName"], "Never",
            "{}: refused as a whole",
            s.backend
        );

        let r = scim(
            &s,
            Method::PATCH,
            &format!("{USERS}/{}", w.admin2.id),
            &token,
            Some(patch_op(json!([{"op": "remove", "path": "roles"}]))),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = scim(
            &s,
            Method::PATCH,
            &format!("{USERS}/{}", w.admin.id),
            &token,
            Some(patch_op(
                json!([{"op": "replace", "path": "roles", "value": []}]),
            )),
        )
        .await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(
            r.body["detail"].as_str().unwrap().contains("R-ASSIGN-3"),
            "{}",
            r.body
        );
        assert_eq!(s.acme_roles(&w.admin.id).await, ["full_admin"]);

        let (events, _) = s
            .all_pages("/v1/adminAudit/events?max=500", &w.admin.token)
            .await;
        assert!(
            events.iter().any(|e| e["actorEmail"] == "scim:tests"
                && e["outcome"] == "refused"
                && e["ruleId"] == "R-CCSA-2"),
            "{}: the refusal is audited",
            s.backend
        );
        s.stop().await;
    }
}

/// A SCIM token reaches SCIM only, of its holder's org only; other credentials do not reach SCIM;
/// only full administrators hold SCIM tokens; bad requests are SCIM errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim_tokens_reach_scim_of_their_org_only() {
    for b in backends() {
        let s = Server::start(&b).await;
        let w = s.w.clone();
        let (_, token) = rolehub_testkit::token(&s.service, &w.admin.email, TokenScope::Scim).await;

        let r = s.get("/v1/people", &token).await;
        r.expect(403);
        assert!(r.text.contains("scim"), "{}", r.text);
        assert_eq!(
            scim(&s, Method::GET, USERS, &w.admin.token, None)
                .await
                .status,
            403,
            "a personal access token"
        );
        assert_eq!(
            scim(&s, Method::GET, USERS, "rh_nothing", None)
                .await
                .status,
            401
        );
        assert_eq!(
            scim(
                &s,
                Method::GET,
                "/identity/scim/globex/v2/Users",
                &token,
                None
            )
            .await
            .status,
            404
        );
        let refused = s
            .service
            .operator("tests")
            .create_token(&w.readonly.email, "x", TokenScope::Scim, 30, system_now())
            .await;
        assert!(
            refused.is_err(),
            "{}: only full administrators hold SCIM tokens",
            s.backend
        );

        for (path, body, scim_type) in [
            (
                USERS.to_string(),
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}),
                "invalidValue",
            ),
            (
                USERS.to_string(),
                json!({"userName": "a@acme.example"}),
                "invalidSyntax",
            ),
            (
                USERS.to_string(),
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": w.users[1].email}),
                "uniqueness",
            ),
        ] {
            let r = scim(&s, Method::POST, &path, &token, Some(body.clone())).await;
            assert_eq!(r.body["scimType"], scim_type, "{body}: {}", r.body);
        }
        let r = scim(
            &s,
            Method::GET,
            &format!("{USERS}?filter=userName%20zz%20%22a%22"),
            &token,
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.body["scimType"].clone()),
            (400, json!("invalidFilter"))
        );
        let r = scim(
            &s,
            Method::PATCH,
            &format!("{USERS}/{}", w.users[1].id),
            &token,
            Some(patch_op(
                json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]),
            )),
        )
        .await;
        assert_eq!(
            (r.status, r.body["scimType"].clone()),
            (400, json!("noTarget"))
        );
        let r = scim(
            &s,
            Method::GET,
            &format!("{USERS}/{}", w.globex_user.id),
            &token,
            None,
        )
        .await;
        assert_eq!(r.status, 404, "a user of another org is not found");

        // Paging and attribute selection.
        let r = scim(
            &s,
            Method::GET,
            &format!("{USERS}?startIndex=3&count=2&attributes=userName"),
            &token,
            None,
        )
        .await;
        assert_eq!(r.body["itemsPerPage"], 2);
        assert_eq!(r.body["startIndex"], 3);
        let first = &r.body["Resources"][0];
        let mut keys: Vec<&str> = first
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["id", "schemas", "userName"]);
        s.stop().await;
    }
}

/// A SCIM error's `detail` is in the caller's language (`Accept-Language`), with the same status
/// and `scimType` as in English: serde's own words stay, their place is worded in Dutch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim_errors_speak_the_callers_language() {
    let s = Server::start(&backends()[0]).await;
    let w = s.w.clone();
    let (_, token) = rolehub_testkit::token(&s.service, &w.admin.email, TokenScope::Scim).await;
    let both = |method: Method, path: &'static str, token: String, body: Option<&'static str>| {
        let s = &s;
        async move {
            let en = scim_raw(
                s,
                method.clone(),
                path,
                &token,
                body.map(str::to_string),
                None,
            )
            .await;
            let nl = scim_raw(
                s,
                method,
                path,
                &token,
                body.map(str::to_string),
                Some("nl"),
            )
            .await;
            assert_eq!(en.status, nl.status, "{path}: {} / {}", en.body, nl.body);
            assert_eq!(en.body["scimType"], nl.body["scimType"]);
            assert_eq!(nl.headers["content-type"], "application/scim+json");
            let detail = |r: &Scim| r.body["detail"].as_str().unwrap().to_string();
            (en.status, detail(&en), detail(&nl))
        }
    };

    let (status, en, nl) = both(
        Method::GET,
        "/identity/scim/acme/v2/Users/nobody",
        token.clone(),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(en, "no user `nobody` in this org");
    assert_eq!(nl, "geen gebruiker “nobody” in deze organisatie");

    let (status, en, nl) = both(
        Method::GET,
        "/identity/scim/acme/v2/Users?filter=userName%20xx%20%22a%22",
        token.clone(),
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(en, "filter: `xx` is not an operator");
    assert_eq!(nl, "filter: “xx” is geen operator");

    let (status, en, nl) = both(Method::POST, USERS, token.clone(), Some("{\"userName\": ")).await;
    assert_eq!(status, 400);
    assert!(
        en.starts_with("the body is not JSON: EOF while parsing a value at line 1 column 13"),
        "{en}"
    );
    assert_eq!(
        nl,
        "de body is geen JSON: EOF while parsing a value (regel 1, kolom 13)"
    );

    let (status, en, nl) = both(Method::GET, USERS, "rh_nothing".into(), None).await;
    assert_eq!(status, 401);
    assert!(en.starts_with("send a SCIM token"), "{en}");
    assert!(nl.starts_with("stuur een SCIM-token"), "{nl}");

    // The service's own errors too: a role the catalogue does not have.
    let body = "{\"schemas\": [\"urn:ietf:params:scim:schemas:core:2.0:User\"], \"userName\": \"nl.rol@acme.example\", \"roles\": [{\"value\": \"king\"}]}";
    let (status, en, nl) = both(Method::POST, USERS, token.clone(), Some(body)).await;
    assert_eq!(status, 400);
    assert_ne!(en, nl);
    assert!(nl.contains("“king”"), "{nl}");
    s.stop().await;
}
