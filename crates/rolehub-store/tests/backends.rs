//! Backend tests, run on SQLite (a file with a pool of connections) and on PostgreSQL when
//! `ROLEHUB_TEST_POSTGRES` names a server: concurrent administrators never break an invariant, and
//! the audit chain detects edited, deleted and reordered rows.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

use std::sync::Arc;

use rolehub_domain::{Area, Level, Role, RuleId, Target, Timestamp};
use rolehub_store::service::AssignRequest;
use rolehub_store::world::ContactCenterDef;
use rolehub_store::{Ctx, EventFilter, Options, Service, ServiceError};
use rolehub_testkit::{grant, load, org, person, scratches, world_of};
use sqlx::Executor;

const NOW: Timestamp = Timestamp(1_790_000_000_000);

/// Orgs `(id, people, Premium Agent units)` with people `p0@{org}.example` …, Contact Center on,
/// and grants `(org, email, role)`, loaded as one world.
async fn setup(service: &Service, orgs: &[(&str, usize, i64)], grants: &[(&str, &str, &str)]) {
    let mut org_defs = Vec::new();
    let mut people = Vec::new();
    for (id, count, premium) in orgs {
        let mut o = org(id);
        o.contact_center = Some(ContactCenterDef {
            enabled: true,
            ..ContactCenterDef::default()
        });
        o.subscriptions = vec![rolehub_store::world::SubscriptionDef {
            id: "s".into(),
            licenses: [
                ("cc_premium_agent".to_string(), *premium),
                ("calling".to_string(), 1000),
            ]
            .into(),
            ..rolehub_store::world::SubscriptionDef::default()
        }];
        org_defs.push(o);
        for i in 0..*count {
            people.push(person(&format!("p{i}@{id}.example"), id));
        }
    }
    for (org_id, email, role) in grants {
        let p = people
            .iter_mut()
            .find(|p| p.email == *email)
            .unwrap_or_else(|| panic!("no {email}"));
        p.grants.push(grant(org_id, role));
    }
    load(service, &world_of(NOW, org_defs, people), NOW).await;
}

fn roles_of(
    service: &Service,
    email: &str,
    org: &str,
) -> impl std::future::Future<Output = Vec<String>> {
    let service = service.clone();
    let (email, org) = (email.to_string(), org.to_string());
    async move {
        service
            .operator("tests")
            .roles_of(&email, &org, NOW)
            .await
            .unwrap()
    }
}

async fn used(service: &Service, org: &str) -> i64 {
    service
        .operator("tests")
        .license_used(org, "cc_premium_agent")
        .await
        .unwrap()
}

/// Two full admins revoking each other at once, when they are the last two: exactly one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_two_full_admins_cannot_both_revoke_each_other() {
    for (backend, scratch) in scratches().await {
        let service = Arc::new(scratch.service());
        for round in 0..8 {
            let org = format!("acme{round}");
            let (a, b) = (format!("p0@{org}.example"), format!("p1@{org}.example"));
            setup(
                &service,
                &[(&org, 2, 0)],
                &[(&org, &a, "full_admin"), (&org, &b, "full_admin")],
            )
            .await;
            let task = |actor: String, target: String| {
                let service = service.clone();
                let org = org.clone();
                tokio::spawn(async move {
                    service
                        .revoke(&Ctx::new(actor, org, NOW), &target, "full_admin", None)
                        .await
                })
            };
            let (r1, r2) = (task(a.clone(), b.clone()), task(b.clone(), a.clone()));
            let results = [r1.await.unwrap(), r2.await.unwrap()];
            let won = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(won, 1, "{backend}: {results:?}");
            let lost = results.iter().find_map(|r| r.as_ref().err()).unwrap();
            // The loser sees the winner's change: either it would leave no full admin (R-ASSIGN-3), or
            // the loser is no longer a full admin and may not revoke (R-ASSIGN-1).
            assert!(
                matches!(lost, ServiceError::Refused(r) if r.rule == RuleId::Assign3 || r.rule == RuleId::Assign1),
                "{backend}: {lost:?}"
            );
            let holders = [
                roles_of(&service, &a, &org).await,
                roles_of(&service, &b, &org).await,
            ];
            assert_eq!(
                holders
                    .iter()
                    .filter(|r| r.contains(&"full_admin".to_string()))
                    .count(),
                1,
                "{backend}"
            );
        }
        scratch.close().await;
    }
}

/// Twenty administrators giving the last five licenses at once: exactly five get one (R-LIC-1).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn licenses_are_never_over_assigned() {
    for (backend, scratch) in scratches().await {
        let service = Arc::new(scratch.service());
        setup(
            &service,
            &[("acme", 21, 5)],
            &[("acme", "p0@acme.example", "full_admin")],
        )
        .await;
        let tasks: Vec<_> = (1..21)
            .map(|i| {
                let service = service.clone();
                tokio::spawn(async move {
                    service
                        .set_license(
                            &Ctx::new("p0@acme.example", "acme", NOW),
                            &format!("p{i}@acme.example"),
                            "cc_premium_agent",
                            true,
                        )
                        .await
                })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => ok += 1,
                Err(ServiceError::Refused(r)) => assert_eq!(r.rule, RuleId::Lic1, "{backend}"),
                Err(e) => panic!("{backend}: {e}"),
            }
        }
        assert_eq!(ok, 5, "{backend}");
        assert_eq!(used(&service, "acme").await, 5, "{backend}");
        scratch.close().await;
    }
}

/// Many administrators changing two orgs at once: every invariant holds and every chain verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_keep_invariants_and_the_audit_chain() {
    for (backend, scratch) in scratches().await {
        let service = Arc::new(scratch.service());
        let admins: Vec<(String, String)> = ["acme", "globex"]
            .iter()
            .flat_map(|org| (0..4).map(move |i| (org.to_string(), format!("p{i}@{org}.example"))))
            .collect();
        let grants: Vec<(&str, &str, &str)> = admins
            .iter()
            .map(|(o, e)| (o.as_str(), e.as_str(), "full_admin"))
            .collect();
        setup(&service, &[("acme", 12, 3), ("globex", 12, 3)], &grants).await;
        let roles = [
            "full_admin",
            "readonly_admin",
            "support_admin",
            "location_admin",
            "cc_service_admin",
            "device_admin",
        ];
        let mut tasks = Vec::new();
        for t in 0..48usize {
            let service = service.clone();
            tasks.push(tokio::spawn(async move {
                let org = if t % 2 == 0 { "acme" } else { "globex" };
                let actor = format!("p{}@{org}.example", t % 4);
                let target = format!("p{}@{org}.example", (t * 7) % 12);
                let ctx = Ctx::new(actor, org, NOW);
                match t % 3 {
                    0 => service
                        .revoke(&ctx, &target, "full_admin", None)
                        .await
                        .map(|_| ()),
                    1 => service
                        .assign(
                            &ctx,
                            &AssignRequest {
                                person: target,
                                role: roles[t % roles.len()].into(),
                                locations: vec![],
                                ..AssignRequest::default()
                            },
                        )
                        .await
                        .map(|_| ()),
                    _ => {
                        service
                            .set_license(&ctx, &target, "cc_premium_agent", t % 2 == 1)
                            .await
                    }
                }
            }));
        }
        for t in tasks {
            match t.await.unwrap() {
                Ok(())
                | Err(ServiceError::Refused(_))
                | Err(ServiceError::NotFound { .. })
                | Err(ServiceError::Invalid { .. }) => {}
                Err(e) => panic!("{backend}: {e}"),
            }
        }
        for org in ["acme", "globex"] {
            let mut full = 0;
            for i in 0..12 {
                let held = roles_of(&service, &format!("p{i}@{org}.example"), org).await;
                if held.contains(&"full_admin".to_string()) {
                    full += 1;
                }
                let location = held.iter().any(|r| r.starts_with("location_admin"));
                assert!(
                    !location || held.len() == 1,
                    "{backend}: R-LOC-1 broken: {held:?}"
                );
            }
            assert!(full >= 1, "{backend}: {org} has no full administrator");
            assert!(used(&service, org).await <= 3, "{backend}");
        }
        let verified = service.operator("tests").verify_audit(None).await.unwrap();
        assert!(verified.is_ok(), "{backend}: {verified:?}");
        scratch.close().await;
    }
}

async fn audited_world(service: &Service) {
    setup(
        service,
        &[("acme", 4, 3)],
        &[("acme", "p0@acme.example", "full_admin")],
    )
    .await;
    let ctx = Ctx::new("p0@acme.example", "acme", NOW);
    for (i, role) in ["readonly_admin", "support_admin", "device_admin"]
        .iter()
        .enumerate()
    {
        service
            .assign(
                &ctx,
                &AssignRequest {
                    person: format!("p{}@acme.example", i + 1),
                    role: role.to_string(),
                    ..AssignRequest::default()
                },
            )
            .await
            .unwrap();
    }
    service
        .revoke(&ctx, "p3@acme.example", "device_admin", None)
        .await
        .unwrap();
}

async fn verify(service: &Service) -> Result<u64, rolehub_store::Break> {
    service
        .operator("tests")
        .verify_audit(Some("acme"))
        .await
        .unwrap()
}

/// A connection of its own to a scratch database, as someone with write access to it has.
async fn raw(scratch: &rolehub_store::scratch::Scratch) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(scratch.url())
        .await
        .unwrap()
}

/// What someone with the rights to alter the schema does first.
async fn drop_append_only_triggers(db: &sqlx::AnyPool, backend: &str) {
    let drops: &[&str] = if backend == "postgres" {
        &[
            "DROP TRIGGER audit_events_no_change ON audit_events",
            "DROP TRIGGER audit_events_no_truncate ON audit_events",
        ]
    } else {
        &[
            "DROP TRIGGER audit_events_no_update",
            "DROP TRIGGER audit_events_no_delete",
        ]
    };
    for sql in drops {
        db.execute(*sql).await.unwrap();
    }
}

/// Editing, deleting or swapping rows with plain SQL is refused by the database; with its
/// triggers dropped, it is detected.
#[tokio::test]
async fn tampering_with_the_audit_log_is_detected() {
    let tamperings = [
        ("edit a field", "UPDATE audit_events SET target_email = 'someone@else.example' WHERE seq = 2"),
        ("edit the outcome", "UPDATE audit_events SET outcome = 'refused' WHERE seq = 1"),
        ("delete a middle row", "DELETE FROM audit_events WHERE seq = 2"),
        ("delete the newest row", "DELETE FROM audit_events WHERE seq = 5"),
        ("swap two rows", "UPDATE audit_events SET seq = CASE seq WHEN 2 THEN 3 WHEN 3 THEN 2 END WHERE seq IN (2, 3)"),
    ];
    for (what, sql) in tamperings {
        for (backend, scratch) in scratches().await {
            let service = scratch.service();
            audited_world(&service).await;
            assert_eq!(
                verify(&service).await.unwrap(),
                5,
                "{backend}: the untouched chain verifies"
            );
            let db = raw(&scratch).await;
            // Plain statements are refused; someone who can drop the triggers gets further.
            assert!(
                db.execute(sql).await.is_err(),
                "{backend}: `{what}` was not refused"
            );
            drop_append_only_triggers(&db, backend).await;
            if sql.contains("SET seq") {
                // The unique (org_id, seq) pair is checked per statement; swap in two steps.
                db.execute("UPDATE audit_events SET seq = -seq WHERE seq IN (2, 3)")
                    .await
                    .unwrap();
                db.execute("UPDATE audit_events SET seq = CASE seq WHEN -2 THEN 3 WHEN -3 THEN 2 END WHERE seq IN (-2, -3)").await.unwrap();
            } else {
                db.execute(sql).await.unwrap();
            }
            db.close().await;
            let broken = verify(&service).await;
            assert!(broken.is_err(), "{backend}: `{what}` was not detected");
            scratch.close().await;
        }
    }
}

/// R-EXPORT-2: an export reflects the filter and the state at the moment it was requested: while
/// other administrators swap roles concurrently, every export is one consistent snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn r_export_2_exports_are_snapshots_under_concurrent_changes() {
    for (backend, scratch) in scratches().await {
        let service = Arc::new(scratch.service());
        setup(
            &service,
            &[("acme", 4, 3)],
            &[("acme", "p0@acme.example", "full_admin")],
        )
        .await;
        service
            .set_license(
                &Ctx::new("p0@acme.example", "acme", NOW),
                "p1@acme.example",
                "cc_premium_agent",
                true,
            )
            .await
            .unwrap();
        service
            .assign(
                &Ctx::new("p0@acme.example", "acme", NOW),
                &AssignRequest {
                    person: "p1@acme.example".into(),
                    role: "cc_service_admin".into(),
                    ..AssignRequest::default()
                },
            )
            .await
            .unwrap();
        let swapper = {
            let service = service.clone();
            tokio::spawn(async move {
                let ctx = Ctx::new("p0@acme.example", "acme", NOW);
                for _ in 0..15 {
                    // R-ORG-1: full admin replaces CCSA in one change; then back again.
                    service
                        .assign(
                            &ctx,
                            &AssignRequest {
                                person: "p1@acme.example".into(),
                                role: "full_admin".into(),
                                ..AssignRequest::default()
                            },
                        )
                        .await
                        .unwrap();
                    service
                        .revoke(&ctx, "p1@acme.example", "full_admin", None)
                        .await
                        .unwrap();
                    service
                        .assign(
                            &ctx,
                            &AssignRequest {
                                person: "p1@acme.example".into(),
                                role: "cc_service_admin".into(),
                                ..AssignRequest::default()
                            },
                        )
                        .await
                        .unwrap();
                }
            })
        };
        let mut exports = 0;
        while !swapper.is_finished() || exports < 5 {
            let mut out = Vec::new();
            service
                .export_admins(
                    &Ctx::new("p0@acme.example", "acme", NOW),
                    &[Role::FullAdmin, Role::CcServiceAdmin],
                    &mut out,
                )
                .await
                .unwrap();
            let text = String::from_utf8(out).unwrap();
            let p1 = text
                .lines()
                .find(|l| l.contains("p1@acme.example"))
                .unwrap_or("");
            assert!(
                !(p1.contains("Full administrator") && p1.contains("Contact Center")),
                "{backend}: an export mixed two states: {p1}"
            );
            // The filter of the request, and nothing else, decides the rows.
            for line in text.lines().skip(1) {
                assert!(
                    line.contains("Full administrator")
                        || line.contains("Contact Center service administrator"),
                    "{backend}: {line}"
                );
            }
            exports += 1;
        }
        swapper.await.unwrap();
        scratch.close().await;
    }
}

/// R-EXT-11: external administrators sign in through their own home org; the sign-in is recorded
/// there, and their grants in the customer org work with it.
#[tokio::test]
async fn r_ext_11_external_admins_sign_in_through_their_home_org() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service();
        setup(
            &service,
            &[("acme", 1, 0), ("globex", 1, 0)],
            &[
                ("acme", "p0@acme.example", "full_admin"),
                ("acme", "p0@globex.example", "full_admin"),
            ],
        )
        .await;
        let operator = service.operator("tests");
        operator
            .set_password("p0@globex.example", "a long enough password", NOW)
            .await
            .unwrap();
        let ctx = Ctx::new("p0@globex.example", "", NOW);
        let person = service
            .sign_in(&ctx, "p0@globex.example", "a long enough password", None)
            .await
            .unwrap();
        assert_eq!(person.view.home_org, "globex", "{backend}");
        let events = operator
            .audit(&EventFilter {
                org_id: Some("globex".into()),
                action: Some("auth.sign_in".into()),
                ..EventFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(
            events.len(),
            1,
            "{backend}: the sign-in is recorded in the home org"
        );
        let d = service
            .check(
                &Ctx::new("p0@globex.example", "acme", NOW),
                Area::Users,
                Level::Write,
                Target::Org,
            )
            .await
            .unwrap();
        assert!(d.allowed, "{backend}");
        assert!(service
            .sign_in(&ctx, "p0@globex.example", "wrong password!", None)
            .await
            .is_err());
        scratch.close().await;
    }
}

/// R-EXT-8: a service order names its subscription (1 to 64 characters) and gives at least one
/// license; then the provisioning partner's administrator provisions it, sold by the partner.
#[tokio::test]
async fn r_ext_8_a_service_order_names_its_subscription_and_gives_a_license() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service();
        let mut acme = org("acme");
        acme.partner = Some(rolehub_store::world::PartnerDef {
            org: "pnet".into(),
            status: None,
        });
        let mut partner_admin = person("p0@pnet.example", "pnet");
        partner_admin
            .grants
            .push(grant("acme", "provisioning_admin"));
        load(
            &service,
            &world_of(
                NOW,
                vec![org("pnet"), acme],
                vec![partner_admin, person("p0@acme.example", "acme")],
            ),
            NOW,
        )
        .await;
        let ctx = Ctx::new("p0@pnet.example", "acme", NOW);
        let calling = |n: i64| vec![("calling".to_string(), n)];
        for (subscription, licenses) in [
            ("  ", calling(5)),
            (&"s".repeat(65)[..], calling(5)),
            ("sub-empty", calling(0)),
            ("sub-none", Vec::new()),
        ] {
            let e = service
                .provision_order(&ctx, subscription, &licenses)
                .await
                .unwrap_err();
            assert!(
                matches!(e, ServiceError::Invalid { .. }),
                "{backend}: {subscription:?} {licenses:?}: {e}"
            );
        }
        service
            .provision_order(&ctx, " sub-calling ", &calling(5))
            .await
            .unwrap();
        let subs = service.subscriptions(&ctx).await.unwrap();
        let sold = subs.iter().find(|s| s.id == "sub-calling").unwrap();
        assert_eq!(sold.seller.as_deref(), Some("pnet"), "{backend}");
        scratch.close().await;
    }
}

/// R-EXT-7: expiry is enforced at decision time, and the sweep records who lost access when, once.
#[tokio::test]
async fn r_ext_7_the_expiry_sweep_records_each_expired_grant_once() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service();
        setup(
            &service,
            &[("acme", 1, 0), ("globex", 1, 0)],
            &[
                ("acme", "p0@acme.example", "full_admin"),
                ("acme", "p0@globex.example", "readonly_admin"),
            ],
        )
        .await;
        let operator = service.operator("tests");
        let later = NOW.plus_days(15);
        let d = service
            .check(
                &Ctx::new("p0@globex.example", "acme", later),
                Area::Users,
                Level::Read,
                Target::Org,
            )
            .await
            .unwrap();
        assert_eq!((d.allowed, d.rule), (false, RuleId::Ext7), "{backend}");
        assert_eq!(
            operator.sweep_expired(NOW.plus_days(1)).await.unwrap(),
            0,
            "{backend}: nothing expired yet"
        );
        assert_eq!(operator.sweep_expired(later).await.unwrap(), 1, "{backend}");
        assert_eq!(
            operator.sweep_expired(later).await.unwrap(),
            0,
            "{backend}: recorded once"
        );
        let events = operator
            .audit(&EventFilter {
                org_id: Some("acme".into()),
                action: Some("role.expired".into()),
                ..EventFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "{backend}");
        assert_eq!(events[0].target_email.as_deref(), Some("p0@globex.example"));
        assert!(operator.verify_audit(None).await.unwrap().is_ok());
        scratch.close().await;
    }
}

/// R-LIST-1 with R-EXT-7, in the query: a page of holders filtered by role is full, an expired
/// external read-only holder taking no place in it.
#[tokio::test]
async fn r_list_1_role_filtered_pages_are_full_of_holders_in_effect() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service();
        setup(
            &service,
            &[("acme", 2, 0), ("globex", 1, 0)],
            &[
                ("acme", "p0@acme.example", "full_admin"),
                ("acme", "p0@globex.example", "readonly_admin"),
                ("acme", "p1@acme.example", "readonly_admin"),
            ],
        )
        .await;
        let later = NOW.plus_days(15);
        let page = service
            .list_people(
                &Ctx::new("p0@acme.example", "acme", later),
                &rolehub_store::service::PeopleQuery {
                    roles: vec![rolehub_domain::Role::ReadonlyAdmin],
                    limit: 1,
                    ..rolehub_store::service::PeopleQuery::default()
                },
            )
            .await
            .unwrap();
        let emails: Vec<_> = page
            .items
            .iter()
            .map(|p| p.person.view.email.clone())
            .collect();
        assert_eq!(emails, ["p1@acme.example"], "{backend}: a full page");
        assert!(!page.more, "{backend}");
        scratch.close().await;
    }
}

/// Two servers on one database sweep at the same moment: each expired grant is recorded once
/// (on PostgreSQL one sweep runs at a time; on both, the record is made under the org's lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn r_ext_7_concurrent_sweeps_record_each_expiry_once() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service();
        setup(
            &service,
            &[("acme", 1, 0), ("globex", 4, 0)],
            &[
                ("acme", "p0@acme.example", "full_admin"),
                ("acme", "p0@globex.example", "readonly_admin"),
                ("acme", "p1@globex.example", "readonly_admin"),
                ("acme", "p2@globex.example", "readonly_admin"),
            ],
        )
        .await;
        let other = Service::open(scratch.url(), &Options::default())
            .await
            .unwrap();
        let later = NOW.plus_days(15);
        let (one, two) = (service.operator("one"), other.operator("two"));
        let (a, b) = tokio::join!(one.sweep_expired(later), two.sweep_expired(later));
        let swept = a.unwrap() + b.unwrap();
        let events = service
            .operator("tests")
            .audit(&EventFilter {
                org_id: Some("acme".into()),
                action: Some("role.expired".into()),
                ..EventFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(events.len(), 3, "{backend}: one event per expired grant");
        assert!(swept <= 3, "{backend}");
        // Whatever a skipped sweep left is recorded by the next one, once.
        service.operator("one").sweep_expired(later).await.unwrap();
        let again = service
            .operator("tests")
            .audit(&EventFilter {
                org_id: Some("acme".into()),
                action: Some("role.expired".into()),
                ..EventFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(again.len(), 3, "{backend}");
        other.close().await;
        scratch.close().await;
    }
}

/// Sign-in attempts are counted before their password is checked, in the database: a burst in
/// parallel is mostly turned away unchecked, the delays grow after five failures of one pair, and
/// another address is not held back by them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_in_attempts_are_counted_before_checking_and_delays_are_per_pair() {
    use rolehub_store::service::auth::SignInError;
    for (backend, scratch) in scratches().await {
        let service = scratch.service().with_hashing(1, 64);
        setup(
            &service,
            &[("acme", 1, 1)],
            &[("acme", "p0@acme.example", "full_admin")],
        )
        .await;
        service
            .operator("tests")
            .set_password("p0@acme.example", "correct horse battery", NOW)
            .await
            .unwrap();
        let attempt = |addr: &str, password: &str, at: Timestamp| {
            let service = service.clone();
            let mut ctx = Ctx::new("", "", at);
            ctx.client_addr = Some(addr.to_string());
            let password = password.to_string();
            async move {
                service
                    .sign_in(&ctx, "p0@acme.example", &password, None)
                    .await
            }
        };
        // Forty wrong passwords at once from one address: at most five are checked.
        let burst: Vec<_> = (0..40)
            .map(|_| tokio::spawn(attempt("10.0.0.1", "wrong password!", NOW)))
            .collect();
        let (mut checked, mut turned_away) = (0, 0);
        for a in burst {
            match a.await.unwrap() {
                Err(SignInError::BadCredentials) => checked += 1,
                Err(SignInError::Service(ServiceError::TooMany { retry_after, .. })) => {
                    assert!(retry_after >= 1, "{backend}");
                    turned_away += 1;
                }
                other => panic!("{backend}: unexpected {other:?}"),
            }
        }
        assert!(
            checked <= 5,
            "{backend}: {checked} of 40 parallel guesses were checked"
        );
        assert_eq!(checked + turned_away, 40, "{backend}");
        // The right password from the same address is delayed too, until the delay has passed.
        let later = NOW.plus_ms(500);
        if checked == 5 {
            assert!(
                matches!(
                    attempt("10.0.0.1", "correct horse battery", later).await,
                    Err(SignInError::Service(ServiceError::TooMany { .. }))
                ),
                "{backend}: the sixth attempt right after five failures must wait"
            );
        }
        // From another address the person signs in at once: the stranger's guesses hold only
        // their own pair back.
        attempt("10.0.0.2", "correct horse battery", later)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e:?}"));
        // An hour later the delays are gone.
        attempt("10.0.0.1", "correct horse battery", NOW.plus_ms(3_600_000))
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e:?}"));
        scratch.close().await;
    }
}

/// The users of a Meetings site: its hosts and the holders of a role on it, a page at a time,
/// each with their roles there; a site role reaches its own site only (R-SITE-2), once its holder
/// has signed in after the grant (R-SITE-3).
#[tokio::test]
async fn r_site_2_a_sites_users_are_its_hosts_and_role_holders() {
    use rolehub_store::service::SiteUsersQuery;
    use rolehub_store::world::{SiteDef, SubscriptionDef};
    for (backend, scratch) in scratches().await {
        let service = scratch.service();
        let mut acme = org("acme");
        acme.sites = vec![
            SiteDef {
                url: "acme.webex.com".into(),
                managed_by: Some("control_hub".into()),
            },
            SiteDef {
                url: "legacy.webex.com".into(),
                managed_by: Some("site_admin".into()),
            },
        ];
        acme.subscriptions = vec![SubscriptionDef {
            id: "s".into(),
            licenses: [
                ("meetings_host:acme.webex.com".to_string(), 10),
                ("meetings_host:legacy.webex.com".to_string(), 10),
            ]
            .into(),
            ..SubscriptionDef::default()
        }];
        let signed_in = Some(NOW.to_iso());
        let on_site = |role: &str| rolehub_store::world::GrantDef {
            site: Some("acme.webex.com".into()),
            ..grant("acme", role)
        };
        let mut full = person("p0@acme.example", "acme");
        full.grants = vec![grant("acme", "full_admin")];
        let mut site_admin = person("p1@acme.example", "acme");
        site_admin.signed_in_at = signed_in.clone();
        site_admin.grants = vec![on_site("site_admin")];
        let mut host = person("p2@acme.example", "acme");
        host.licenses = vec!["meetings_host:acme.webex.com".into()];
        let nobody = person("p3@acme.example", "acme");
        // Granted, never signed in since: the role waits (R-SITE-3).
        let mut waiting = person("p4@acme.example", "acme");
        waiting.grants = vec![on_site("site_user_admin")];
        let mut legacy_host = person("p5@acme.example", "acme");
        legacy_host.licenses = vec!["meetings_host:legacy.webex.com".into()];
        let mut external = person("p0@globex.example", "globex");
        external.signed_in_at = signed_in;
        external.grants = vec![on_site("site_readonly_admin")];
        let world = world_of(
            NOW,
            vec![acme, org("globex")],
            vec![
                full,
                site_admin,
                host,
                nobody,
                waiting,
                legacy_host,
                external,
            ],
        );
        load(&service, &world, NOW).await;

        let as_who = |who: &str| Ctx::new(who, "acme", NOW);
        let query = |after: Option<String>| SiteUsersQuery {
            site: "ACME.webex.com".into(),
            after,
            limit: 2,
            ..SiteUsersQuery::default()
        };
        let first = service
            .site_users(&as_who("p0@acme.example"), &query(None))
            .await
            .unwrap();
        assert_eq!(first.site, "acme.webex.com", "{backend}");
        let emails = |page: &rolehub_store::service::SiteUsersPage| {
            page.items
                .iter()
                .map(|u| u.person.view.email.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            emails(&first),
            ["p0@globex.example", "p1@acme.example"],
            "{backend}"
        );
        assert!(first.more, "{backend}");
        assert!(first.items[0].external, "{backend}");
        assert_eq!(first.items[1].roles[0].grant.role, Role::SiteAdmin);
        assert!(!first.items[1].host, "{backend}");
        let last_id = first.items[1].person.view.id.clone();
        let second = service
            .site_users(&as_who("p0@acme.example"), &query(Some(last_id)))
            .await
            .unwrap();
        assert_eq!(
            emails(&second),
            ["p2@acme.example", "p4@acme.example"],
            "{backend}: hosts of other sites and people without a role there are not its users"
        );
        assert!(!second.more, "{backend}");
        assert!(second.items[0].host && second.items[0].roles.is_empty());
        assert!(second.items[1].roles[0].waiting_for_sign_in, "{backend}");

        // The site administrator reads their site, and no other (R-SITE-2).
        let mine = service
            .site_users(&as_who("p1@acme.example"), &query(None))
            .await
            .unwrap();
        assert_eq!(mine.items.len(), 2, "{backend}");
        let refused = |who: &str, site: &str| {
            let service = service.clone();
            let ctx = as_who(who);
            let site = site.to_string();
            async move {
                match service
                    .site_users(
                        &ctx,
                        &SiteUsersQuery {
                            site,
                            limit: 10,
                            ..SiteUsersQuery::default()
                        },
                    )
                    .await
                {
                    Err(ServiceError::Refused(r)) => r.rule,
                    other => panic!("{backend}: {other:?}"),
                }
            }
        };
        assert_eq!(
            refused("p1@acme.example", "legacy.webex.com").await,
            RuleId::Site2
        );
        assert_eq!(
            refused("p0@acme.example", "legacy.webex.com").await,
            RuleId::Site2
        );
        // R-SITE-3: a site role before its holder's first sign-in after the grant.
        assert_eq!(
            refused("p4@acme.example", "acme.webex.com").await,
            RuleId::Site3
        );
        assert_eq!(
            refused("p3@acme.example", "acme.webex.com").await,
            RuleId::Perm1
        );
        // A search by email finds one user of the site.
        let found = service
            .site_users(
                &as_who("p1@acme.example"),
                &SiteUsersQuery {
                    site: "acme.webex.com".into(),
                    email: Some("P2@acme.example".into()),
                    limit: 10,
                    ..SiteUsersQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(emails(&found), ["p2@acme.example"], "{backend}");
        scratch.close().await;
    }
}

/// A page of people is read as one row of JSON on both databases (`json_rows`): names with
/// quotes, backslashes and letters outside ASCII come back as stored, each person with exactly
/// their licenses in the org (sorted, none for an external administrator), in email order.
#[tokio::test]
async fn a_page_of_people_reads_the_same_on_both_databases() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service();
        let mut acme = org("acme");
        acme.subscriptions = vec![rolehub_store::world::SubscriptionDef {
            id: "s".into(),
            licenses: [
                ("calling".to_string(), 10),
                ("cc_standard_agent".to_string(), 10),
            ]
            .into(),
            ..rolehub_store::world::SubscriptionDef::default()
        }];
        let mut globex = org("globex");
        globex.subscriptions = acme.subscriptions.clone();
        let mut admin = person("admin@acme.example", "acme");
        admin.grants.push(grant("acme", "full_admin"));
        let mut odd = person("b.odd@acme.example", "acme");
        odd.first = Some("Zoë \"Z\" \\ O'Brien".into());
        odd.licenses = vec!["cc_standard_agent".into(), "calling".into()];
        let mut one = person("a.one@acme.example", "acme");
        one.licenses = vec!["calling".into()];
        let mut outsider = person("c.out@globex.example", "globex");
        outsider.licenses = vec!["calling".into()];
        outsider.grants.push(grant("acme", "readonly_admin"));
        load(
            &service,
            &world_of(NOW, vec![acme, globex], vec![admin, odd, one, outsider]),
            NOW,
        )
        .await;
        let ctx = Ctx::new("admin@acme.example", "acme", NOW);
        let users = service
            .list_people(
                &ctx,
                &rolehub_store::service::PeopleQuery {
                    limit: 100,
                    ..rolehub_store::service::PeopleQuery::default()
                },
            )
            .await
            .unwrap();
        let seen: Vec<(String, String, Vec<String>)> = users
            .items
            .iter()
            .map(|p| {
                (
                    p.person.view.email.clone(),
                    p.person.view.first.clone(),
                    p.licenses.clone(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "a.one@acme.example".to_string(),
                    "P".to_string(),
                    vec!["calling".to_string()]
                ),
                ("admin@acme.example".into(), "P".into(), vec![]),
                (
                    "b.odd@acme.example".into(),
                    "Zoë \"Z\" \\ O'Brien".into(),
                    vec!["calling".into(), "cc_standard_agent".into()]
                ),
            ],
            "{backend}"
        );
        let holders = service
            .list_people(
                &ctx,
                &rolehub_store::service::PeopleQuery {
                    roles: vec![Role::ReadonlyAdmin],
                    limit: 100,
                    ..rolehub_store::service::PeopleQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(holders.items.len(), 1, "{backend}");
        let outsider = &holders.items[0];
        assert_eq!(
            outsider.person.view.email, "c.out@globex.example",
            "{backend}"
        );
        assert!(outsider.external, "{backend}");
        assert!(
            outsider.licenses.is_empty(),
            "{backend}: licenses at home are not licenses here"
        );
        scratch.close().await;
    }
}

/// R-EXT-7 on PostgreSQL: the sweep's lock belongs to the schema. While a sweep holds it in one
/// schema, a Rolehub in another schema of the same database still sweeps (each used to skip while
/// any other swept), and the same schema's second sweep skips its round.
#[tokio::test]
async fn r_ext_7_sweeps_in_different_schemas_do_not_skip_each_other() {
    let Ok(url) = std::env::var("ROLEHUB_TEST_POSTGRES") else {
        return;
    };
    let (busy, other) = (
        rolehub_store::scratch::Scratch::postgres(&url)
            .await
            .unwrap(),
        rolehub_store::scratch::Scratch::postgres(&url)
            .await
            .unwrap(),
    );
    for scratch in [&busy, &other] {
        setup(
            &scratch.service(),
            &[("acme", 1, 0), ("globex", 1, 0)],
            &[
                ("acme", "p0@acme.example", "full_admin"),
                ("acme", "p0@globex.example", "readonly_admin"),
            ],
        )
        .await;
    }
    // A sweep in progress in `busy`, as another server of it holds the lock.
    let held = raw(&busy).await;
    let mut conn = held.acquire().await.unwrap();
    let got: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_lock(1382572545, hashtext(current_schema()))")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert!(got);
    let later = NOW.plus_days(15);
    assert_eq!(
        other
            .service()
            .operator("tests")
            .sweep_expired(later)
            .await
            .unwrap(),
        1,
        "another schema sweeps"
    );
    assert_eq!(
        busy.service()
            .operator("tests")
            .sweep_expired(later)
            .await
            .unwrap(),
        0,
        "the same schema skips the round"
    );
    // The other server's sweep ends (a closed connection's lock goes only when its database
    // process has exited, which is not waited for).
    sqlx::query("SELECT pg_advisory_unlock(1382572545, hashtext(current_schema()))")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    held.close().await;
    assert_eq!(
        busy.service()
            .operator("tests")
            .sweep_expired(later)
            .await
            .unwrap(),
        1,
        "and sweeps once the other is done"
    );
    busy.close().await;
    other.close().await;
}

/// A request dropped at any moment (its client went away) leaves no transaction open on its
/// connection: what the next request on that connection writes without a transaction of its own
/// (ending a session) is committed, not kept waiting in a transaction someone else began and
/// later rolled back. Reads are cut off at every point of their opening, over and over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_request_leaves_no_transaction_open() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service();
        setup(
            &service,
            &[("acme", 3, 0)],
            &[("acme", "p0@acme.example", "full_admin")],
        )
        .await;
        let person = service
            .operator("tests")
            .person("p1@acme.example")
            .await
            .unwrap();
        let ctx = Ctx::new("p0@acme.example", "acme", NOW);
        let query = rolehub_store::service::PeopleQuery {
            limit: 10,
            ..rolehub_store::service::PeopleQuery::default()
        };
        let observer = raw(&scratch).await;
        for round in 0..200u64 {
            // Reads cut off after 0 to 199 µs, several at once so that they spread over the pool.
            let cut = std::time::Duration::from_micros(round % 200);
            let read = || tokio::time::timeout(cut, service.list_people(&ctx, &query));
            let _ = tokio::join!(read(), read(), read(), read());
            let (secret, _) = service
                .create_session(&person.view.id, NOW, 3_600_000, None, "password")
                .await
                .unwrap();
            service.revoke_session(&secret, NOW).await.unwrap();
            // A read that rolls back, as the next request on the connection would make.
            service.list_people(&ctx, &query).await.unwrap();
            let open: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sessions WHERE person_id = $1 AND revoked_at IS NULL",
            )
            .bind(person.view.id.clone())
            .fetch_one(&observer)
            .await
            .unwrap();
            assert_eq!(
                open, 0,
                "{backend}: round {round}: an ended session came back"
            );
        }
        observer.close().await;
        scratch.close().await;
    }
}
