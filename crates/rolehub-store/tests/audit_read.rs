//! Reading the audit log as the console does, on SQLite and PostgreSQL: newest first with a cursor
//! that pages back in time, and the actor found by the start of an email (`_` and `%` taken as
//! themselves, not as wildcards) or of their name.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

use rolehub_store::clock::system_now;
use rolehub_store::service::{AssignRequest, AuditQuery};
use rolehub_store::Ctx;
use rolehub_testkit::{grant, load, org, person, scratches, world_of};

#[tokio::test]
async fn newest_first_paging_and_actor_prefixes() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service();
        let now = system_now();
        let mut admin = person("ann_x@acme.example", "acme");
        admin.grants.push(grant("acme", "full_admin"));
        let mut other = person("annaxb@acme.example", "acme");
        other.first = Some("Marloes".into());
        other.grants.push(grant("acme", "full_admin"));
        let people = vec![
            admin,
            other,
            {
                let mut p = person("u1@acme.example", "acme");
                p.first = Some("Marleen".into());
                p
            },
            person("u2@acme.example", "acme"),
            person("u3@acme.example", "acme"),
        ];
        load(&service, &world_of(now, vec![org("acme")], people), now).await;
        for (actor, target) in [
            ("ann_x@acme.example", "u1@acme.example"),
            ("annaxb@acme.example", "u2@acme.example"),
            ("ann_x@acme.example", "u3@acme.example"),
        ] {
            let request = AssignRequest {
                person: target.into(),
                role: "device_admin".into(),
                ..AssignRequest::default()
            };
            service
                .assign(&Ctx::new(actor, "acme", system_now()), &request)
                .await
                .unwrap();
        }
        let ctx = Ctx::new("ann_x@acme.example", "acme", system_now());
        let query = |actor: Option<&str>, after: Option<i64>| AuditQuery {
            actor: actor.map(str::to_string),
            categories: vec!["role.assign".into()],
            from: None,
            to: None,
            limit: 2,
            after_seq: after,
            offset: 0,
            actor_prefix: true,
            newest_first: true,
        };
        let first = service
            .audit_events(&ctx, &query(None, None))
            .await
            .unwrap();
        let targets: Vec<_> = first
            .events
            .iter()
            .map(|e| e.target_email.clone().unwrap())
            .collect();
        assert_eq!(
            targets,
            ["u3@acme.example", "u2@acme.example"],
            "{backend}: newest first"
        );
        assert!(first.more);
        let rest = service
            .audit_events(&ctx, &query(None, Some(first.events[1].seq)))
            .await
            .unwrap();
        let targets: Vec<_> = rest
            .events
            .iter()
            .map(|e| e.target_email.clone().unwrap())
            .collect();
        assert_eq!(
            targets,
            ["u1@acme.example"],
            "{backend}: the cursor pages back in time"
        );

        // `ann_` matches ann_x only: the underscore is itself, not "any character".
        let by_prefix = service
            .audit_events(&ctx, &query(Some("ANN_"), None))
            .await
            .unwrap();
        assert_eq!(by_prefix.events.len(), 2, "{backend}");
        assert!(by_prefix
            .events
            .iter()
            .all(|e| e.actor_email.as_deref() == Some("ann_x@acme.example")));
        let none = service
            .audit_events(&ctx, &query(Some("ann%"), None))
            .await
            .unwrap();
        assert!(none.events.is_empty(), "{backend}: `%` is itself");
        // The start of a name finds its person's events too.
        let by_name = service
            .audit_events(&ctx, &query(Some("marl"), None))
            .await
            .unwrap();
        assert_eq!(by_name.events.len(), 1, "{backend}");
        assert_eq!(
            by_name.events[0].actor_email.as_deref(),
            Some("annaxb@acme.example"),
            "{backend}"
        );
        scratch.close().await;
    }
}

/// A person's events, asked for by their id or email, are those that name them by id too: what a
/// client acting for them did (`scim:NAME` as the actor's name) is among them.
#[tokio::test]
async fn an_actors_events_include_what_a_client_did_for_them() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service();
        let now = system_now();
        let mut admin = person("ann@acme.example", "acme");
        admin.grants.push(grant("acme", "full_admin"));
        let mut other = person("bob@acme.example", "acme");
        other.grants.push(grant("acme", "full_admin"));
        let people = vec![
            admin,
            other,
            person("u1@acme.example", "acme"),
            person("u2@acme.example", "acme"),
        ];
        load(&service, &world_of(now, vec![org("acme")], people), now).await;
        let ann_id = rolehub_testkit::id_of(&service, "ann@acme.example").await;
        let mut by_client = Ctx::new("ann@acme.example", "acme", system_now());
        by_client.client = Some("scim:okta".into());
        for (ctx, target) in [
            (by_client, "u1@acme.example"),
            (
                Ctx::new("ann@acme.example", "acme", system_now()),
                "u2@acme.example",
            ),
            (
                Ctx::new("bob@acme.example", "acme", system_now()),
                "u2@acme.example",
            ),
        ] {
            let request = AssignRequest {
                person: target.into(),
                role: if ctx.actor.starts_with("bob") {
                    "support_admin"
                } else {
                    "device_admin"
                }
                .into(),
                ..AssignRequest::default()
            };
            service.assign(&ctx, &request).await.unwrap();
        }
        let ctx = Ctx::new("bob@acme.example", "acme", system_now());
        for key in [ann_id.as_str(), "ann@acme.example"] {
            let page = service
                .audit_events(
                    &ctx,
                    &AuditQuery {
                        actor: Some(key.into()),
                        categories: vec!["role.assign".into()],
                        limit: 10,
                        ..AuditQuery::default()
                    },
                )
                .await
                .unwrap();
            let actors: Vec<_> = page
                .events
                .iter()
                .map(|e| e.actor_email.clone().unwrap_or_default())
                .collect();
            assert_eq!(
                actors,
                ["scim:okta", "ann@acme.example"],
                "{backend}: {key}"
            );
        }
        scratch.close().await;
    }
}
