//! What the roles editor is told before a change (R-CCSA-9, what may be given and taken away), and
//! that every refusal by a rule a person is shown is audited once, outcome `refused`, with its
//! rule and what was asked: role changes, the external administrator's email check, user and
//! license changes, and the rows of a modify-users file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

use rolehub_domain::{Role, RuleId, Timestamp};
use rolehub_store::service::{Applied, AssignRequest, ImportOptions, PersonChange};
use rolehub_store::{Ctx, EventFilter, Service, ServiceError, StoredEvent};
use serde_json::{json, Value};

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
        (
            "hal@acme.example",
            Some("device_admin"),
            vec!["cc_premium_agent"],
        ),
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

async fn events(service: &Service) -> Vec<StoredEvent> {
    service
        .operator("tests")
        .audit(&EventFilter {
            org_id: Some("acme".into()),
            ..EventFilter::default()
        })
        .await
        .unwrap()
}

fn json_of(text: Option<&String>) -> Value {
    text.map_or(Value::Null, |t| serde_json::from_str(t).unwrap())
}

/// The events written by `f`, which must answer a refusal by `rule`.
async fn refused_with<T: std::fmt::Debug>(
    service: &Service,
    rule: RuleId,
    f: impl std::future::Future<Output = Result<T, ServiceError>>,
) -> Vec<StoredEvent> {
    let before = events(service).await.len();
    match f.await {
        Err(ServiceError::Refused(r)) => assert_eq!(r.rule, rule, "{r}"),
        other => panic!("expected a refusal by {rule}, got {other:?}"),
    }
    events(service).await.split_off(before)
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
async fn r_ccsa_9_a_ccsas_set_of_roles_leaves_the_roles_it_does_not_see() {
    let service = world().await;
    let cara = as_("cara@acme.example");
    let hal = rolehub_testkit::id_of(&service, "hal@acme.example").await;
    // The editor shows the CCSA hal's CCSA role only (none): ticking it asks for that set.
    let offered = service.assignable(&cara, &hal).await.unwrap();
    assert!(held_roles(&offered).is_empty());
    let set = |roles: &[&str]| PersonChange {
        roles: Some(roles.iter().map(|r| r.to_string()).collect()),
        ..PersonChange::default()
    };
    let (_, replaced) = service
        .update_person(&cara, &hal, &set(&["cc_service_admin"]))
        .await
        .unwrap();
    let replaced = replaced.unwrap();
    assert_eq!(replaced.added, ["cc_service_admin"]);
    assert!(replaced.removed.is_empty(), "{replaced:?}");
    let roles = service
        .operator("tests")
        .roles_of("hal@acme.example", "acme", NOW)
        .await
        .unwrap();
    assert_eq!(roles, ["cc_service_admin", "device_admin"]);
    // And unticking it takes that role only.
    service.update_person(&cara, &hal, &set(&[])).await.unwrap();
    let roles = service
        .operator("tests")
        .roles_of("hal@acme.example", "acme", NOW)
        .await
        .unwrap();
    assert_eq!(roles, ["device_admin"]);
    // A full administrator's set is the whole set.
    service
        .update_person(&as_("ann@acme.example"), &hal, &set(&[]))
        .await
        .unwrap();
    let roles = service
        .operator("tests")
        .roles_of("hal@acme.example", "acme", NOW)
        .await
        .unwrap();
    assert!(roles.is_empty());
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
    let own = service
        .assignable(&evan, "evan@acme.example")
        .await
        .unwrap();
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

#[tokio::test]
async fn a_refused_role_change_records_the_role_asked_for_and_whose() {
    let service = world().await;
    let ann = as_("ann@acme.example");

    // Assign: the role asked for, the person's roles before.
    let written = refused_with(
        &service,
        RuleId::Ccsa1,
        service.assign(
            &ann,
            &AssignRequest {
                person: "ben@acme.example".into(),
                role: "cc_service_admin".into(),
                ..AssignRequest::default()
            },
        ),
    )
    .await;
    assert_eq!(written.len(), 1, "{written:?}");
    let e = &written[0];
    assert_eq!(
        (e.action.as_str(), e.outcome.as_str(), e.rule_id.as_deref()),
        ("role.assign", "refused", Some("R-CCSA-1"))
    );
    assert_eq!(e.target_email.as_deref(), Some("ben@acme.example"));
    assert_eq!(json_of(e.before.as_ref()), json!({"roles": ["full_admin"]}));
    assert_eq!(
        json_of(e.after.as_ref()),
        json!({"change": {"added": "cc_service_admin"}})
    );

    // Revoke: the grant asked to take away.
    let written = refused_with(
        &service,
        RuleId::Ccsa6,
        service.revoke(
            &as_("cara@acme.example"),
            "ina@acme.example",
            "readonly_admin",
            None,
        ),
    )
    .await;
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].target_email.as_deref(), Some("ina@acme.example"));
    assert_eq!(
        json_of(written[0].after.as_ref()),
        json!({"change": {"removed": ["readonly_admin"]}})
    );

    // A set of roles: the set asked for, with what it adds and removes, whichever step refused.
    let ina = rolehub_testkit::id_of(&service, "ina@acme.example").await;
    let written = refused_with(
        &service,
        RuleId::Ccsa6,
        service.update_person(
            &as_("cara@acme.example"),
            &ina,
            &PersonChange {
                roles: Some(vec!["device_admin".into()]),
                ..PersonChange::default()
            },
        ),
    )
    .await;
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(written[0].action, "user.update");
    assert_eq!(
        json_of(written[0].after.as_ref()),
        // The roles a CCSA does not see stay (R-CCSA-9): the set asked for keeps them.
        json!({"roles": ["device_admin", "readonly_admin"], "change": {"added": ["device_admin"], "removed": []}})
    );
    assert!(service
        .operator("tests")
        .verify_audit(None)
        .await
        .unwrap()
        .is_ok());
}

#[tokio::test]
async fn r_ext_1_a_refused_email_check_is_audited_once_and_a_passed_one_not_at_all() {
    let service = world().await;
    let ann = as_("ann@acme.example");
    let written = refused_with(
        &service,
        RuleId::Ext1,
        service.verify_external(&ann, "Fay@consumer.example"),
    )
    .await;
    assert_eq!(written.len(), 1, "{written:?}");
    let e = &written[0];
    assert_eq!(
        (e.action.as_str(), e.outcome.as_str(), e.rule_id.as_deref()),
        ("role.assign", "refused", Some("R-EXT-1"))
    );
    assert_eq!(e.target_email.as_deref(), Some("fay@consumer.example"));
    assert_eq!(
        json_of(e.after.as_ref()),
        json!({"email": "fay@consumer.example"})
    );
    // An address nobody has is refused by R-EXT-1 too, and audited without a person.
    let written = refused_with(
        &service,
        RuleId::Ext1,
        service.verify_external(&ann, "nobody@nowhere.example"),
    )
    .await;
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].target_id, None);
    // A check that passes writes nothing.
    let before = events(&service).await.len();
    service
        .verify_external(&ann, "gia@globex.example")
        .await
        .unwrap();
    assert_eq!(events(&service).await.len(), before);
}

#[tokio::test]
async fn user_and_license_refusals_are_audited_once_and_missing_people_not_at_all() {
    let service = world().await;
    let cara = as_("cara@acme.example");

    // R-CCSA-7: a CCSA neither deactivates nor removes users.
    let written = refused_with(
        &service,
        RuleId::Ccsa7,
        service.set_user_status(&cara, "dirk@acme.example", "inactive"),
    )
    .await;
    assert_eq!(written.len(), 1, "{written:?}");
    let e = &written[0];
    assert_eq!(
        (e.action.as_str(), e.outcome.as_str(), e.rule_id.as_deref()),
        ("user.status", "refused", Some("R-CCSA-7"))
    );
    assert_eq!(e.target_email.as_deref(), Some("dirk@acme.example"));
    assert_eq!(json_of(e.before.as_ref()), json!({"status": "active"}));
    assert_eq!(json_of(e.after.as_ref()), json!({"status": "inactive"}));
    let written = refused_with(
        &service,
        RuleId::Ccsa7,
        service.remove_user(&cara, "dirk@acme.example"),
    )
    .await;
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].action, "user.remove");

    // R-LIC-1: the license and the change asked for.
    let written = refused_with(
        &service,
        RuleId::Lic1,
        service.set_license(
            &as_("ann@acme.example"),
            "dirk@acme.example",
            "calling",
            true,
        ),
    )
    .await;
    assert_eq!(written.len(), 1);
    let e = &written[0];
    assert_eq!(
        (e.action.as_str(), e.rule_id.as_deref()),
        ("license.change", Some("R-LIC-1"))
    );
    assert_eq!(
        json_of(e.after.as_ref()),
        json!({"changes": [{"license": "calling", "on": true}]})
    );

    // R-CCSA-2: the Premium Agent license stays with a CCSA.
    let written = refused_with(
        &service,
        RuleId::Ccsa2,
        service.set_license(
            &as_("ann@acme.example"),
            "gus@acme.example",
            "cc_premium_agent",
            false,
        ),
    )
    .await;
    assert_eq!(written.len(), 1);

    // Nobody to change, or a bad value: nothing a rule refused, nothing audited.
    let before = events(&service).await.len();
    assert!(matches!(
        service.remove_user(&cara, "nobody@acme.example").await,
        Err(ServiceError::NotFound { .. })
    ));
    assert!(matches!(
        service
            .set_user_status(&cara, "dirk@acme.example", "sleeping")
            .await,
        Err(ServiceError::Invalid { .. })
    ));
    // A refused dry run is not audited, unless its caller shows it to a person (the console).
    assert!(service
        .set_user_status(&cara.clone().dry_run(true), "dirk@acme.example", "inactive")
        .await
        .is_err());
    assert_eq!(events(&service).await.len(), before);
    let mut previewed = cara.clone().dry_run(true);
    previewed.audit_previewed_refusals = true;
    assert!(service
        .set_user_status(&previewed, "dirk@acme.example", "inactive")
        .await
        .is_err());
    assert_eq!(events(&service).await.len(), before + 1);
    assert!(service
        .operator("tests")
        .verify_audit(None)
        .await
        .unwrap()
        .is_ok());
}

#[tokio::test]
async fn r_lic_1_r_ccsa_10_a_files_refused_rows_are_audited_once_at_its_check() {
    let service = world().await;
    let ann = as_("ann@acme.example");
    let file = "User ID/Email,Last Name,Webex Calling\r\n\
                dirk@acme.example,,TRUE\r\n\
                nobody@acme.example,X,\r\n\
                ina@acme.example,Nieuw,\r\n";

    // The check: one event for the file, the rows a rule refused listed (not the unknown user,
    // which is bad input, R-CSV-2).
    let before = events(&service).await.len();
    let checked = service.preview_csv(&ann, file.as_bytes()).await.unwrap();
    assert_eq!(checked.upload.rows_with_errors, 2);
    let written = events(&service).await.split_off(before);
    assert_eq!(written.len(), 1, "{written:?}");
    let e = &written[0];
    assert_eq!(
        (e.action.as_str(), e.outcome.as_str(), e.rule_id.as_deref()),
        ("user.update_csv", "refused", Some("R-LIC-1"))
    );
    assert_eq!(
        json_of(e.after.as_ref()),
        json!({
            "rows": 3,
            "refused_rows": 1,
            "rules": {"R-LIC-1": 1},
            "refused": [{"row": 1, "email": "dirk@acme.example", "rule": "R-LIC-1"}],
        })
    );

    // Applying it refuses the same row again: shown at the check, not audited twice.
    let before = events(&service).await.len();
    let Applied::Done(all) = service
        .apply_upload(&ann, &checked.upload.id, ImportOptions::default(), false)
        .await
        .unwrap()
    else {
        panic!("queued");
    };
    assert!(!all.report.applied);
    assert_eq!(events(&service).await.len(), before);
    // Its valid rows applied: their changes, and still no second refusal.
    let Applied::Done(part) = service
        .apply_upload(
            &ann,
            &checked.upload.id,
            ImportOptions { partial: true },
            false,
        )
        .await
        .unwrap()
    else {
        panic!("queued");
    };
    assert!(part.report.applied);
    let written = events(&service).await.split_off(before);
    assert_eq!(
        written
            .iter()
            .map(|e| (e.action.as_str(), e.outcome.as_str()))
            .collect::<Vec<_>>(),
        [("user.update_csv", "ok")]
    );

    // Applied without a check: audited at the application. A CCSA changing a name (R-CCSA-10).
    let before = events(&service).await.len();
    let Applied::Done(ccsa) = service
        .apply_csv(
            &as_("cara@acme.example"),
            b"User ID/Email,Last Name\r\ndirk@acme.example,Anders\r\n",
            ImportOptions::default(),
            false,
        )
        .await
        .unwrap()
    else {
        panic!("queued");
    };
    assert!(!ccsa.report.applied);
    let written = events(&service).await.split_off(before);
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(written[0].rule_id.as_deref(), Some("R-CCSA-10"));

    // A file that is not a modify-users file is bad input: refused (R-CSV-2), not audited.
    let before = events(&service).await.len();
    assert!(service
        .preview_csv(&ann, b"Email,Stat\r\nx,y\r\n")
        .await
        .is_err());
    assert_eq!(events(&service).await.len(), before);
    assert!(service
        .operator("tests")
        .verify_audit(None)
        .await
        .unwrap()
        .is_ok());
}
