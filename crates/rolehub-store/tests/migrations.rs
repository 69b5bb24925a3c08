//! The schema through sqlx's migrator, on SQLite and PostgreSQL: a migration edited after it was
//! applied is refused at start-up with a clear error, and a database of the earlier record
//! (`schema_migrations`) is taken over as it is.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

use rolehub_store::{Options, Service, ServiceError};
use rolehub_testkit::scratches;
use sqlx::{Executor, Row};

async fn raw(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_edited_migration_is_refused_at_start_up() {
    for (backend, scratch) in scratches().await {
        let db = raw(scratch.url()).await;
        // What an edit of migration 2 after it was applied looks like to the migrator.
        db.execute("UPDATE _sqlx_migrations SET checksum = checksum || checksum WHERE version = 2")
            .await
            .unwrap();
        db.close().await;
        match Service::open(scratch.url(), &Options::default()).await {
            Err(ServiceError::Unavailable(message)) => assert!(
                message.contains("migration 2 was changed after it was applied"),
                "{backend}: {message}"
            ),
            other => panic!("{backend}: an edited migration was accepted: {other:?}"),
        }
        scratch.close().await;
    }
}

#[tokio::test]
async fn a_database_of_the_earlier_migration_record_is_taken_over() {
    for (backend, scratch) in scratches().await {
        let db = raw(scratch.url()).await;
        db.execute("DROP TABLE _sqlx_migrations").await.unwrap();
        // The earlier record ended at migration 4: a database of its time has nothing later.
        for table in [
            "upload_rows",
            "uploads",
            "jobs",
            "scim_group_members",
            "scim_groups",
            "org_sso",
            "recovery_codes",
            "pending_sign_ins",
        ] {
            db.execute(format!("DROP TABLE {table}").as_str())
                .await
                .unwrap();
        }
        for sql in [
            "DROP INDEX persons_by_external_id",
            "ALTER TABLE persons DROP COLUMN external_id",
            "ALTER TABLE persons DROP COLUMN modified_at",
            "ALTER TABLE orgs DROP COLUMN mfa_required",
            "ALTER TABLE persons DROP COLUMN break_glass",
            "ALTER TABLE persons DROP COLUMN totp_secret",
            "ALTER TABLE persons DROP COLUMN totp_pending",
            "ALTER TABLE persons DROP COLUMN totp_last_step",
            "ALTER TABLE sessions DROP COLUMN last_seen_at",
            "ALTER TABLE sessions DROP COLUMN method",
        ] {
            db.execute(sql).await.unwrap();
        }
        let triggers: &[&str] = if backend == "postgres" {
            &[
                "DROP TRIGGER audit_events_no_change ON audit_events",
                "DROP TRIGGER audit_events_no_truncate ON audit_events",
                "DROP FUNCTION audit_events_append_only()",
                "DROP TRIGGER orgs_changed ON orgs",
                "DROP FUNCTION orgs_notify_changed()",
            ]
        } else {
            &[
                "DROP TRIGGER audit_events_no_update",
                "DROP TRIGGER audit_events_no_delete",
            ]
        };
        for sql in triggers {
            db.execute(*sql).await.unwrap();
        }
        db.execute("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
            .await
            .unwrap();
        for version in 1..=4 {
            db.execute(
                format!("INSERT INTO schema_migrations VALUES ({version}, 'm', 0)").as_str(),
            )
            .await
            .unwrap();
        }
        db.close().await;
        let service = Service::open(scratch.url(), &Options::default())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        service.close().await;
        let db = raw(scratch.url()).await;
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM _sqlx_migrations WHERE version <= 4")
            .fetch_one(&db)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert_eq!(n, 4, "{backend}");
        assert!(
            db.execute("SELECT 1 FROM schema_migrations").await.is_err(),
            "{backend}: the old record is gone"
        );
        db.close().await;
        scratch.close().await;
    }
}
