//! What the roles editor is told before a change: a CCSA viewer learns of CCSA holdings only
//! (R-CCSA-9), and a held role the actor may not take away says why.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

use rolehub_domain::{Role, RuleId, Timestamp};
use rolehub_store::{Ctx, Service, ServiceError};

const NOW: Timestamp = Timestamp(1_790_000_000_000);

/// Acme (Contact Center and Events on; one Calling unit, held by eve) with two full
/// administrators, two CCSAs, an Events administrator, a read-only administrator and two users;
/// a consumer account and a user of another org.
async fn world() -> Service {
    use rolehub_store::world::{ContactCenterDef, SubscriptionDef};
    use rolehub_testkit::{grant, load, org, person, world_of};
    let service = Service::in_memory().await.unwrap();
    let mut acme = org("acme");
    acme.contact_center = Some(ContactCenterDef {
        enabled: true,
        ..ContactCenterDef::default()
    });
    acme.events = true;
    acme.locations = vec!["amsterdam".into()];
    acme.subscriptions = vec![SubscriptionDef {
        id: "s1".into(),
        seller: None,
        trial: false,
        licenses: [
            ("cc_premium_agent".to_string(), 10),
            ("calling".to_string(), 1),
        ]
        .into(),
    }];
    let mut consumer = org("consumer");
    consumer.kind = Some("consumer".into());
    let mut people = Vec::new();
    for (email, role, licenses) in [
        ("ann@acme.example", Some("full_admin"), vec![]),
        ("ben@acme.example", Some("full_admin"), vec![]),
        (
            "cara@acme.example",
            Some("cc_service_admin"),
            vec!["cc_premium_agent"],
        ),
        (
            "gus@acme.example",
            Some("cc_service_admin"),
            vec!["cc_premium_agent"],
        ),
        ("evan@acme.example", Some("events_admin"), vec![]),
        ("ina@acme.example", Some("readonly_admin"), vec![]),
        ("dirk@acme.example", None, vec!["cc_premium_agent"]),
        ("eve@acme.example", None, vec!["calling"]),
    ] {
        let mut p = person(email, "acme");
        p.licenses = licenses.into_iter().map(String::from).collect();
        p.grants = role.map(|r| grant("acme", r)).into_iter().collect();
        people.push(p);
    }
    people.push(person("fay@consumer.example", "consumer"));
    people.push(person("gia@globex.example", "globex"));
    load(
        &service,
        &world_of(NOW, vec![acme, consumer, org("globex")], people),
        NOW,
    )
    .await;
    service
}

fn as_(email: &str) -> Ctx {
    Ctx::new(email, "acme", NOW)
}

fn held_roles(list: &[rolehub_store::service::Assignable]) -> Vec<Role> {
    list.iter().filter(|a| a.held).map(|a| a.role).collect()
}

#[tokio::test]
async fn r_ccsa_9_a_ccsa_learns_of_ccsa_holdings_only_in_the_roles_editor() {
    let service = world().await;
    let cara = as_("cara@acme.example");

    // A full administrator is not shown holding anything to a CCSA; the roles are refused as any
    // role a CCSA may not give (R-CCSA-6), not answered as held.
    let ann = service.assignable(&cara, "ann@acme.example").await.unwrap();
    assert!(held_roles(&ann).is_empty(), "{ann:?}");
    let full = ann.iter().find(|a| a.role == Role::FullAdmin).unwrap();
    assert_eq!(full.refusal.as_ref().map(|r| r.rule), Some(RuleId::Ccsa6));
    assert_eq!(full.revoke_refusal, None);
    let summary = service
        .person_roles_in_org(&cara, "ann@acme.example")
        .await
        .unwrap();
    assert!(summary.grants.is_empty(), "{:?}", summary.grants);

    // Another CCSA's role is shown held, and the CCSA may take it away.
    let gus = service.assignable(&cara, "gus@acme.example").await.unwrap();
    assert_eq!(held_roles(&gus), [Role::CcServiceAdmin]);
    let ccsa = gus.iter().find(|a| a.role == Role::CcServiceAdmin).unwrap();
    assert_eq!((&ccsa.refusal, &ccsa.revoke_refusal), (&None, &None));

    // A full administrator sees every role held.
    let ann_views = service
        .assignable(&as_("ann@acme.example"), "ben@acme.example")
        .await
        .unwrap();
    assert_eq!(held_roles(&ann_views), [Role::FullAdmin]);
    let roles = service
        .assignable(&as_("ann@acme.example"), "ina@acme.example")
        .await
        .unwrap();
    assert_eq!(held_roles(&roles), [Role::ReadonlyAdmin]);
}

#[tokio::test]
async fn r_assign_4_a_held_role_the_actor_may_not_revoke_says_why() {
    let service = world().await;
    // An Events administrator may take away the Events role, not the read-only one.
    let evan = as_("evan@acme.example");
    let ina = service.assignable(&evan, "ina@acme.example").await.unwrap();
    let readonly = ina.iter().find(|a| a.role == Role::ReadonlyAdmin).unwrap();
    assert!(readonly.held && readonly.refusal.is_none());
    let refusal = readonly.revoke_refusal.as_ref().expect("a revoke refusal");
    assert!(refusal.names(RuleId::Evt1), "{refusal}");
    let own = service.assignable(&evan, "evan@acme.example").await.unwrap();
    let events_role = own.iter().find(|a| a.role == Role::EventsAdmin).unwrap();
    assert!(events_role.held && events_role.revoke_refusal.is_none());
    // What the editor says is what a revoke answers.
    let answered = service
        .revoke(&evan, "ina@acme.example", "readonly_admin", None)
        .await;
    match answered {
        Err(ServiceError::Refused(r)) => assert_eq!(&r, refusal),
        other => panic!("{other:?}"),
    }

    // The last full administrator cannot be taken away (R-ASSIGN-3).
    let ann = as_("ann@acme.example");
    service
        .revoke(&ann, "ben@acme.example", "full_admin", None)
        .await
        .unwrap();
    let own = service.assignable(&ann, "ann@acme.example").await.unwrap();
    let full = own.iter().find(|a| a.role == Role::FullAdmin).unwrap();
    assert!(full.held);
    assert_eq!(
        full.revoke_refusal.as_ref().map(|r| r.rule),
        Some(RuleId::Assign3)
    );
    // Roles not held have no revoke refusal.
    assert!(own
        .iter()
        .filter(|a| !a.held)
        .all(|a| a.revoke_refusal.is_none()));
}
