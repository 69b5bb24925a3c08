//! Three servers on one PostgreSQL database, eight administrators changing roles and licenses at
//! once: about 2,000 random changes over HTTP, spread over the three. Afterwards every rule still
//! holds in the data, no license is used beyond its quantity, the audit chain verifies, and the
//! audit log holds exactly one event per role or license change made and per role change refused
//! (matched by the requests' tracking ids).
//!
//! PostgreSQL only (several servers on one database is what it is offered for): skipped when
//! `ROLEHUB_TEST_POSTGRES` names no server. `.ci/run` starts one. `CONCURRENCY_CHANGES` sets the
//! number of changes (10,000 for the longer run in `docs/performance.md`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

use std::collections::HashMap;
use std::sync::Arc;

use rolehub_domain::{Role, Timestamp};
use rolehub_server::{AppState, Config};
use rolehub_store::clock::system_now;
use rolehub_store::service::TokenScope;
use rolehub_store::world::{ContactCenterDef, SiteDef, SubscriptionDef};
use rolehub_store::{EventFilter, Options, Service};
use rolehub_testkit::{backends, grant, load, org, person, world_of};
use serde_json::{json, Value};
use tokio::sync::Mutex;

const PEOPLE: usize = 12;
const SITE: &str = "acme.webex.com";
/// Roles the clients give (every kind of scope and the rules around them).
const ROLES: [&str; 9] = [
    "full_admin",
    "readonly_admin",
    "support_admin",
    "user_device_admin",
    "device_admin",
    "cc_service_admin",
    "site_admin",
    "meeting_content_admin",
    "location_admin",
];

fn email(i: usize) -> String {
    format!("u{i}@acme.example")
}

/// A small, seeded generator: the run is the same every time.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// What a client did: its tracking id, the kind of change, and the answer.
struct Done {
    tracking: String,
    kind: &'static str,
    status: u16,
    body: Value,
}

async fn world(service: &Service) {
    let now = system_now();
    let mut acme = org("acme");
    acme.contact_center = Some(ContactCenterDef {
        enabled: true,
        ..ContactCenterDef::default()
    });
    acme.sites = vec![SiteDef {
        url: SITE.into(),
        managed_by: None,
    }];
    acme.locations = vec!["amsterdam".into(), "rotterdam".into()];
    acme.subscriptions = vec![SubscriptionDef {
        id: "s".into(),
        licenses: [
            ("cc_premium_agent".to_string(), 4),
            ("calling".to_string(), 6),
        ]
        .into(),
        ..SubscriptionDef::default()
    }];
    let mut people = Vec::new();
    for i in 0..PEOPLE {
        let mut p = person(&email(i), "acme");
        if i < 4 {
            p.grants.push(grant("acme", "full_admin"));
        }
        people.push(p);
    }
    load(
        service,
        &world_of(Timestamp(now.0), vec![acme], people),
        now,
    )
    .await;
}

async fn start(service: Service) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(service, Config::default());
    tokio::spawn(rolehub_server::serve(
        state,
        listener,
        None,
        std::future::pending(),
    ));
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_servers_one_database_concurrent_administrators() {
    let Some(pg) = backends().into_iter().find(|b| b.name == "postgres") else {
        eprintln!("ROLEHUB_TEST_POSTGRES is not set: the three-server test runs in .ci/run");
        return;
    };
    let changes: usize = std::env::var("CONCURRENCY_CHANGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let scratch = pg.scratch().await;
    let first = scratch.service();
    world(&first).await;
    let mut tokens = Vec::new();
    for i in 0..4 {
        tokens.push(
            rolehub_testkit::token(&first, &email(i), TokenScope::Write)
                .await
                .1,
        );
    }
    let mut servers = vec![start(first.clone()).await];
    for _ in 0..2 {
        let service = Service::open(scratch.url(), &Options::default())
            .await
            .unwrap();
        servers.push(start(service).await);
    }
    let ids: Vec<String> = {
        let mut out = Vec::new();
        for i in 0..PEOPLE {
            out.push(rolehub_testkit::id_of(&first, &email(i)).await);
        }
        out
    };
    let done = Arc::new(Mutex::new(Vec::<Done>::new()));
    let http = reqwest::Client::new();
    let mut clients = Vec::new();
    for client in 0..8u64 {
        let (servers, tokens, ids, done, http) = (
            servers.clone(),
            tokens.clone(),
            ids.clone(),
            done.clone(),
            http.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (client + 1).wrapping_mul(0x2545_F491));
            for n in 0..changes / 8 {
                let base = &servers[rng.below(servers.len())];
                let token = &tokens[rng.below(tokens.len())];
                let target = rng.below(PEOPLE);
                let tracking = format!("c{client}-{n}");
                let (kind, request) = match rng.below(10) {
                    0..=4 => {
                        let role = ROLES[rng.below(ROLES.len())];
                        let mut body = json!({"personEmail": email(target), "roleId": role});
                        if role == "site_admin" || role == "meeting_content_admin" {
                            body["siteUrl"] = json!(SITE);
                        }
                        if role == "location_admin" {
                            body["locationIds"] = json!(["amsterdam"]);
                        }
                        ("assign", http.post(format!("{base}/v1/roleAssignments")).json(&body))
                    }
                    5..=6 => {
                        // A full replacement: none, or one org role.
                        let roles: Vec<&str> = match rng.below(3) {
                            0 => vec![],
                            _ => vec![["full_admin", "readonly_admin", "device_admin"][rng.below(3)]],
                        };
                        (
                            "replace",
                            http.put(format!("{base}/v1/people/{}", ids[target]))
                                .json(&json!({"roles": roles})),
                        )
                    }
                    _ => {
                        let license = ["cc_premium_agent", "calling"][rng.below(2)];
                        let op = ["add", "remove"][rng.below(2)];
                        (
                            "license",
                            http.patch(format!("{base}/v1/licenses/users")).json(
                                &json!({"email": email(target), "licenses": [{"id": license, "operation": op}]}),
                            ),
                        )
                    }
                };
                let answer = request
                    .bearer_auth(token)
                    .header("TrackingID", &tracking)
                    .send()
                    .await
                    .unwrap();
                let status = answer.status().as_u16();
                let body: Value = answer.json().await.unwrap_or(Value::Null);
                assert!(status < 500, "{tracking}: {status} {body}");
                done.lock().await.push(Done {
                    tracking,
                    kind,
                    status,
                    body,
                });
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    let done = done.lock().await;
    assert_eq!(done.len(), changes / 8 * 8);

    // Every rule still holds in the data (read as the operator: the clients may have taken the
    // roles of the people they act as).
    let operator = first.operator("tests");
    let people = operator.people("acme", &[], None, 1000).await.unwrap();
    assert_eq!(people.len(), PEOPLE);
    let mut full_admins = 0;
    let mut used: HashMap<String, i64> = HashMap::new();
    for p in &people {
        let who = &p.person.view.email;
        let held: Vec<Role> = p.grants.iter().map(|g| g.role).collect();
        full_admins += usize::from(held.contains(&Role::FullAdmin));
        for l in &p.licenses {
            *used.entry(l.clone()).or_default() += 1;
        }
        assert!(
            !held.contains(&Role::LocationAdmin) || held.len() == 1,
            "R-LOC-1: {who} holds {held:?}"
        );
        assert!(
            !held.contains(&Role::MeetingContentAdmin) || held.contains(&Role::SiteAdmin),
            "R-MCA-1: {who} holds {held:?}"
        );
        assert!(
            !held.contains(&Role::CcServiceAdmin)
                || p.licenses.iter().any(|l| l == "cc_premium_agent"),
            "R-CCSA-2: {who} holds {held:?} and {:?}",
            p.licenses
        );
        assert!(
            !(held.contains(&Role::CcServiceAdmin) && held.contains(&Role::FullAdmin)),
            "R-CCSA-1: {who}"
        );
    }
    assert!(
        full_admins >= 1,
        "R-ASSIGN-3: acme keeps a full administrator"
    );
    for (license, total) in [("cc_premium_agent", 4), ("calling", 6)] {
        let n = used.get(license).copied().unwrap_or(0);
        assert!(n <= total, "R-LIC-1: {license} used {n} of {total}");
    }
    assert!(
        operator.verify_audit(None).await.unwrap().is_ok(),
        "the audit chain verifies"
    );

    // Exactly one audit event per change made and per role change refused.
    let events = operator
        .audit(&EventFilter {
            org_id: Some("acme".into()),
            ..EventFilter::default()
        })
        .await
        .unwrap();
    let mut by_tracking: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for e in &events {
        by_tracking
            .entry(e.request_id.as_str())
            .or_default()
            .push((e.action.as_str(), e.outcome.as_str()));
    }
    let mut made = 0;
    for d in done.iter() {
        let seen = by_tracking
            .get(d.tracking.as_str())
            .cloned()
            .unwrap_or_default();
        match (d.kind, d.status) {
            // 201 when a grant was made; 200 when the role was held already (nothing to do).
            ("assign", 200 | 201) => {
                let added = !d.body["added"].is_null();
                let assigns = seen
                    .iter()
                    .filter(|(a, o)| *a == "role.assign" && *o == "ok")
                    .count();
                assert_eq!(
                    assigns,
                    usize::from(added),
                    "{}: {seen:?} for {}",
                    d.tracking,
                    d.body
                );
                made += usize::from(added);
            }
            ("replace", 200) => {
                // One event per role change the replacement made (each revoke and assign).
                assert!(
                    seen.iter().all(|(_, o)| *o == "ok"),
                    "{}: {seen:?}",
                    d.tracking
                );
                made += usize::from(!seen.is_empty());
            }
            ("license", 200) => {
                assert!(seen.len() <= 1, "{}: {seen:?}", d.tracking);
                made += seen.len();
            }
            ("assign", 403) => {
                assert_eq!(
                    seen.iter().filter(|(_, o)| *o == "refused").count(),
                    1,
                    "{}: a refused role change is audited once: {seen:?} {}",
                    d.tracking,
                    d.body
                );
            }
            ("replace", 403) => {
                // Refused as a whole: audited once when a role step was refused, not at all when
                // the caller may not read the person (no role change was tried); nothing made.
                assert!(
                    seen.iter().all(|(_, o)| *o == "refused"),
                    "{}: {seen:?}",
                    d.tracking
                );
                assert!(seen.len() <= 1, "{}: {seen:?} {}", d.tracking, d.body);
            }
            (_, status) if status >= 400 => {
                assert!(
                    seen.iter().all(|(_, o)| *o == "refused"),
                    "{}: a failed request changed something: {seen:?}",
                    d.tracking
                );
            }
            (kind, status) => panic!("{}: {kind} answered {status}", d.tracking),
        }
    }
    assert!(made > changes / 20, "the run made changes ({made})");
    scratch.close().await;
}
