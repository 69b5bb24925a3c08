//! What a server keeps in memory never decides wrongly for long: a kept org state is read again
//! when the org or a holder's home org changed — at once on the server that changed it, and on the
//! others as soon as PostgreSQL's change notice arrives, within a second in any case; a revoked
//! credential (a token, a session) stops working at once on the server that revoked it and within
//! a second on the others, as does a deactivated person's access. Run on SQLite and on PostgreSQL when `ROLEHUB_TEST_POSTGRES` names a server; each "server" is a service with
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

/// Read-only administration for user001 of acme.
fn user001_read_only() -> AssignRequest {
    AssignRequest {
        person: "user001@acme.example".into(),
        role: "readonly_admin".into(),
        ..AssignRequest::default()
    }
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

/// Waits until `email`'s read access to users of `org` answers `wanted` on `service`, at most a
/// second (and a little for the machine); answers how long it took.
async fn within_a_second(
    service: &Service,
    email: &str,
    org: &str,
    wanted: Result<(), RuleId>,
    backend: &str,
) -> Duration {
    let changed = Instant::now();
    loop {
        let answer = reads_users(service, email, org).await;
        if answer == wanted {
            return changed.elapsed();
        }
        assert!(
            changed.elapsed() <= Duration::from_millis(1100),
            "{backend}: still {answer:?} {:?} after the change",
            changed.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
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
        // Server B gives user001 a role in acme: B decides on it at once, A within a second (on
        // PostgreSQL as soon as the change notice arrives).
        b.assign(&ctx("admin@acme.example", "acme"), &user001_read_only())
            .await
            .unwrap();
        assert_eq!(
            reads_users(&b, "user001@acme.example", "acme").await,
            Ok(()),
            "{backend}"
        );
        let seen = within_a_second(&a, "user001@acme.example", "acme", Ok(()), backend).await;
        eprintln!("{backend}: the other server decided on the new role after {seen:?}");
        // Server B deactivates an external administrator in their own org (globex): their
        // access to acme ends on A within a second (R-AUTH-3), though acme itself did not change.
        b.set_user_status(
            &ctx("admin@globex.example", "globex"),
            "ro@globex.example",
            "inactive",
        )
        .await
        .unwrap();
        let seen =
            within_a_second(&a, "ro@globex.example", "acme", Err(RuleId::Auth3), backend).await;
        eprintln!(
            "{backend}: the other server ended the deactivated person's access after {seen:?}"
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
        let seen = refused_within_a_second(revoked, backend, || async {
            b.authenticate_token(&secret, system_now())
                .await
                .unwrap()
                .is_none()
        })
        .await;
        eprintln!("{backend}: the other server refused the revoked token after {seen:?}");
        scratch.close().await;
    }
}

/// Polls `refused` until it answers true, at most a second (and a little for the machine) after
/// `since`; answers how long it took.
async fn refused_within_a_second<F, Fut>(since: Instant, backend: &str, refused: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    while !refused().await {
        assert!(
            since.elapsed() <= Duration::from_millis(1100),
            "{backend}: still accepted {:?} after it ended",
            since.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    since.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_session_stops_at_once_here_and_within_a_second_elsewhere() {
    const IDLE_MS: i64 = 30 * 60 * 1000;
    for (backend, scratch) in scratches().await {
        let (a, b) = (scratch.service(), scratch.service());
        acme(&a).await;
        let admin = a
            .operator("tests")
            .person("admin@acme.example")
            .await
            .unwrap();
        let (secret, _csrf) = a
            .create_session(&admin.view.id, system_now(), IDLE_MS, None, "password")
            .await
            .unwrap();
        for server in [&a, &b] {
            let who = server
                .authenticate_session(&secret, system_now(), IDLE_MS)
                .await
                .unwrap();
            assert_eq!(
                who.map(|w| w.person.view.email).as_deref(),
                Some("admin@acme.example"),
                "{backend}"
            );
        }
        // Signed out on A: A refuses the session at once; B, which remembers it, within a second.
        a.revoke_session(&secret, system_now()).await.unwrap();
        let ended = Instant::now();
        assert!(a
            .authenticate_session(&secret, system_now(), IDLE_MS)
            .await
            .unwrap()
            .is_none());
        let seen = refused_within_a_second(ended, backend, || async {
            b.authenticate_session(&secret, system_now(), IDLE_MS)
                .await
                .unwrap()
                .is_none()
        })
        .await;
        eprintln!("{backend}: the other server refused the ended session after {seen:?}");
        scratch.close().await;
    }
}

/// A change decides on the org as it stands under the org's lock: a server whose kept state
/// another server has overtaken reads it again before deciding, so that it never removes the
/// last full administrator on the strength of one that is gone (R-ASSIGN-3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_assign_3_a_change_never_decides_on_a_kept_state_another_server_overtook() {
    for (backend, scratch) in scratches().await {
        let (a, b) = (scratch.service(), scratch.service());
        acme(&a).await;
        // Server A keeps acme's state, with its two full administrators.
        assert_eq!(reads_users(&a, "admin@acme.example", "acme").await, Ok(()));
        // Server B takes the second one's role.
        b.revoke(
            &ctx("admin@acme.example", "acme"),
            "admin2@acme.example",
            "full_admin",
            None,
        )
        .await
        .unwrap();
        // At once, before any notice could arrive, A is asked to take the first one's role too.
        let e = a
            .revoke(
                &ctx("admin@acme.example", "acme"),
                "admin@acme.example",
                "full_admin",
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(
            e.refusal().map(|r| r.rule),
            Some(RuleId::Assign3),
            "{backend}: {e}"
        );
        // A's own next change decides on what A itself just committed.
        a.assign(&ctx("admin@acme.example", "acme"), &user001_read_only())
            .await
            .unwrap();
        let again = a
            .assign(&ctx("admin@acme.example", "acme"), &user001_read_only())
            .await;
        assert_eq!(
            again.unwrap().warnings.first(),
            Some(&rolehub_domain::Warning::AlreadyHeld),
            "{backend}"
        );
        scratch.close().await;
    }
}
