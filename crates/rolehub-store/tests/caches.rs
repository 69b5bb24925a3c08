//! What a server keeps in memory never decides wrongly: a kept org state is read again when the
//! org or a holder's home org changed, whichever server changed it; a revoked credential stops
//! working at once on the server that revoked it and within a second on the others. Run on SQLite
//! and on PostgreSQL when `ROLEHUB_TEST_POSTGRES` names a server; each "server" is a service with
//! caches of its own over the same database.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

use std::time::{Duration, Instant};

use rolehub_domain::{Area, Level, RuleId, Target};
use rolehub_store::clock::system_now;
use rolehub_store::service::{AssignRequest, TokenScope};
use rolehub_store::{Ctx, Service};
use rolehub_testkit::scratches;

async fn acme(service: &Service) {
    let world = rolehub_testkit::world(rolehub_testkit::ACME);
    rolehub_testkit::load(service, &world, system_now()).await;
}

fn ctx(email: &str, org: &str) -> Ctx {
    Ctx::new(email, org, system_now())
}

async fn reads_users(service: &Service, email: &str, org: &str) -> Result<(), RuleId> {
    let d = service
        .check(&ctx(email, org), Area::Users, Level::Read, Target::Org)
        .await
        .unwrap();
    if d.allowed {
        Ok(())
    } else {
        Err(d.as_refusal().rule)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_org_state_follows_changes_made_anywhere() {
    for (backend, scratch) in scratches().await {
        let (a, b) = (scratch.service(), scratch.service());
        acme(&a).await;
        // Server A keeps acme's state while answering.
        assert_eq!(
            reads_users(&a, "user001@acme.example", "acme").await,
            Err(RuleId::Perm1)
        );
        assert_eq!(reads_users(&a, "ro@globex.example", "acme").await, Ok(()));
        // Server B gives user001 a role in acme: A sees it on its next read.
        b.assign(
            &ctx("admin@acme.example", "acme"),
            &AssignRequest {
                person: "user001@acme.example".into(),
                role: "readonly_admin".into(),
                site: None,
                locations: Vec::new(),
                expires_at: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(
            reads_users(&a, "user001@acme.example", "acme").await,
            Ok(()),
            "{backend}"
        );
        // Server B deactivates an external administrator in their own org (globex): their
        // access to acme ends on A at once (R-AUTH-3), though acme itself did not change.
        b.set_user_status(
            &ctx("admin@globex.example", "globex"),
            "ro@globex.example",
            "inactive",
        )
        .await
        .unwrap();
        assert_eq!(
            reads_users(&a, "ro@globex.example", "acme").await,
            Err(RuleId::Auth3),
            "{backend}"
        );
        scratch.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_stops_at_once_here_and_within_a_second_elsewhere() {
    for (backend, scratch) in scratches().await {
        let (a, b) = (scratch.service(), scratch.service());
        acme(&a).await;
        let owner = ctx("admin@acme.example", "acme");
        let (info, secret) = a
            .create_token(&owner, "cached", TokenScope::Write, 1)
            .await
            .unwrap();
        assert!(a
            .authenticate_token(&secret, system_now())
            .await
            .unwrap()
            .is_some());
        assert!(b
            .authenticate_token(&secret, system_now())
            .await
            .unwrap()
            .is_some());
        // Revoked on A: A refuses it at once; B, which remembers it, within a second.
        a.revoke_token(&owner, &info.id).await.unwrap();
        let revoked = Instant::now();
        assert!(a
            .authenticate_token(&secret, system_now())
            .await
            .unwrap()
            .is_none());
        loop {
            if b.authenticate_token(&secret, system_now())
                .await
                .unwrap()
                .is_none()
            {
                break;
            }
            assert!(
                revoked.elapsed() <= Duration::from_millis(1100),
                "{backend}: still accepted {:?} after its revocation",
                revoked.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        eprintln!(
            "{backend}: the other server refused the revoked token after {:?}",
            revoked.elapsed()
        );
        scratch.close().await;
    }
}
