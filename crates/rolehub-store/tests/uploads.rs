//! Kept uploads and import jobs, on SQLite and PostgreSQL: a preview is applied by id from another
//! server, each person keeps a bounded number, files over the row limit are refused before any row
//! is checked, and a job is claimed by one server only, runs again after its server died, and ends
//! in the same transaction as its changes (R-CSV-2).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

use std::time::Duration;

use rolehub_domain::{Lang, Timestamp};
use rolehub_store::clock::system_now;
use rolehub_store::service::{Applied, ImportOptions, JobState, RowKind, UploadLimits};
use rolehub_store::{Ctx, ErrorKind, EventFilter, Options, Service};
use rolehub_testkit::{grant, load, org, person, scratches, world_of};
use sqlx::Executor;

/// Acme with an administrator and `users` users `u0@acme.example` …; Globex with its own.
async fn setup(service: &Service, users: usize) -> Timestamp {
    let now = system_now();
    let mut admin = person("admin@acme.example", "acme");
    admin.grants.push(grant("acme", "full_admin"));
    let mut other = person("other@acme.example", "acme");
    other.grants.push(grant("acme", "full_admin"));
    let mut globex = person("admin@globex.example", "globex");
    globex.grants.push(grant("globex", "full_admin"));
    let mut people = vec![admin, other, globex];
    for i in 0..users {
        people.push(person(&format!("u{i}@acme.example"), "acme"));
    }
    load(
        service,
        &world_of(now, vec![org("acme"), org("globex")], people),
        now,
    )
    .await;
    now
}

fn ctx(actor: &str, org: &str) -> Ctx {
    Ctx::new(actor, org, system_now())
}

/// A file renaming users `from..to`.
fn file(from: usize, to: usize, name: &str) -> Vec<u8> {
    let mut text = String::from("User ID/Email,Last Name\n");
    for i in from..to {
        text.push_str(&format!("u{i}@acme.example,{name}{i}\n"));
    }
    text.into_bytes()
}

fn limits(inline_rows: usize, per_person: usize, max_rows: usize) -> Options {
    Options {
        uploads: UploadLimits {
            max_rows,
            inline_rows,
            per_person,
            keep: Duration::from_secs(3600),
        },
        ..Options::default()
    }
}

async fn last_name(service: &Service, email: &str) -> String {
    service
        .operator("tests")
        .person(email)
        .await
        .unwrap()
        .view
        .last
}

async fn events(service: &Service, action: &str) -> usize {
    service
        .operator("tests")
        .audit(&EventFilter {
            org_id: Some("acme".into()),
            ..EventFilter::default()
        })
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == action)
        .count()
}

async fn raw(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap()
}

#[tokio::test]
async fn r_csv_2_a_preview_is_kept_and_applied_by_id_from_another_server() {
    for (backend, scratch) in scratches().await {
        let a = scratch.service();
        setup(&a, 5).await;
        let checked = a
            .preview_csv(&ctx("admin@acme.example", "acme"), &file(0, 5, "New"))
            .await
            .unwrap();
        assert_eq!(checked.upload.rows_changed, 5, "{backend}");
        assert!(checked.upload.applicable);
        assert_eq!(
            last_name(&a, "u0@acme.example").await,
            "u0",
            "{backend}: a preview saves nothing"
        );

        // Another server (its own pool) reads the rows and applies the preview.
        let b = Service::open(scratch.url(), &Options::default())
            .await
            .unwrap();
        let id = checked.upload.id.clone();
        let me = ctx("admin@acme.example", "acme");
        let page = b
            .upload_rows(&me, &id, RowKind::Change, 0, 3)
            .await
            .unwrap();
        assert_eq!(page.iter().map(|r| r.row).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(page[0].changes, ["Last Name: New0"], "{backend}");
        let rest = b
            .upload_rows(&me, &id, RowKind::Change, page[2].seq, 3)
            .await
            .unwrap();
        assert_eq!(rest.iter().map(|r| r.row).collect::<Vec<_>>(), [4, 5]);

        // A dry run of the kept upload checks it again and keeps it as it is.
        let dry = ctx("admin@acme.example", "acme").dry_run(true);
        match b
            .apply_upload(&dry, &checked.upload.id, ImportOptions::default(), false)
            .await
            .unwrap()
        {
            Applied::Done(done) => {
                assert!(!done.report.applied);
                assert_eq!(
                    done.upload.id, checked.upload.id,
                    "{backend}: no new upload"
                );
            }
            Applied::Queued(_) => panic!("{backend}: a dry run is answered at once"),
        }
        assert!(b.upload(&me, &checked.upload.id).await.unwrap().applicable);
        // Nobody else sees it: not another administrator of the org, not another org.
        for (who, org) in [
            ("other@acme.example", "acme"),
            ("admin@globex.example", "globex"),
        ] {
            let e = b.upload(&ctx(who, org), &id).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::NotFound, "{backend}: {who}");
        }

        match b
            .apply_upload(&me, &id, ImportOptions::default(), false)
            .await
            .unwrap()
        {
            Applied::Done(done) => {
                assert!(done.report.applied);
                assert!(!done.upload.applicable);
            }
            Applied::Queued(_) => panic!("{backend}: five rows are applied at once"),
        }
        assert_eq!(last_name(&a, "u4@acme.example").await, "New4", "{backend}");
        assert_eq!(events(&a, "user.update_csv").await, 5, "{backend}");
        // Applied once: the file is no longer kept, its results are.
        let again = b
            .apply_upload(&me, &id, ImportOptions::default(), false)
            .await
            .unwrap_err();
        assert_eq!(again.kind(), ErrorKind::Conflict, "{backend}: {again}");
        assert!(!b.upload(&me, &id).await.unwrap().applicable);
        b.close().await;
        scratch.close().await;
    }
}

#[tokio::test]
async fn a_kept_uploads_problems_read_in_the_language_of_whoever_pages_through_them() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service_with(&limits(0, 5, 1000));
        setup(&service, 2).await;
        let me = ctx("admin@acme.example", "acme");
        let checked = service
            .preview_csv(
                &me,
                b"User ID/Email,Status\nnobody@acme.example,\nu0@acme.example,sleeping\n",
            )
            .await
            .unwrap();
        assert_eq!(checked.upload.rows_with_errors, 2, "{backend}");
        let problems = service
            .upload_rows(&me, &checked.upload.id, RowKind::Error, 0, 10)
            .await
            .unwrap();
        let read = |lang| -> Vec<(usize, String)> {
            problems
                .iter()
                .map(|p| (p.row, p.message.get(lang).to_string()))
                .collect()
        };
        assert_eq!(
            read(Lang::Nl),
            [
                (
                    1,
                    "“nobody@acme.example” is geen gebruiker van deze organisatie".to_string()
                ),
                (2, "“sleeping” is niet “active” of “inactive”".to_string()),
            ],
            "{backend}"
        );
        assert_eq!(
            read(Lang::En)[1].1,
            "“sleeping” is not “active” or “inactive”",
            "{backend}"
        );
        assert_eq!(problems[1].column.as_deref(), Some("Status"), "{backend}");

        // A job keeps its failure in the language of whoever asked for it.
        let mut dutch = ctx("admin@acme.example", "acme");
        dutch.lang = Lang::Nl;
        let Applied::Queued(job) = service
            .apply_csv(
                &dutch,
                b"User ID/Email,Shoe Size\nu0@acme.example,44\n",
                ImportOptions::default(),
                false,
            )
            .await
            .unwrap()
        else {
            panic!("{backend}: an inline limit of 0 queues every file");
        };
        service.run_jobs().await.unwrap();
        let (rule, message) = service.job(&dutch, &job.id).await.unwrap().error.unwrap();
        assert_eq!(rule.as_deref(), Some("R-CSV-2"), "{backend}");
        assert!(
            message.starts_with("kopregel, kolom 2: “Shoe Size” is geen kolom van de sjabloon"),
            "{backend}: {message}"
        );
        scratch.close().await;
    }
}

#[tokio::test]
async fn each_person_keeps_a_bounded_number_of_uploads() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service_with(&limits(2000, 2, 1000));
        setup(&service, 3).await;
        let me = ctx("admin@acme.example", "acme");
        let mut ids = Vec::new();
        for n in 0..3 {
            let checked = service
                .preview_csv(
                    &ctx("admin@acme.example", "acme"),
                    &file(0, 3, &format!("v{n}-")),
                )
                .await
                .unwrap();
            ids.push(checked.upload.id);
            // Uploads are ordered by when they were made, to the millisecond.
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        let e = service.upload(&me, &ids[0]).await.unwrap_err();
        assert_eq!(
            e.kind(),
            ErrorKind::NotFound,
            "{backend}: the oldest was dropped"
        );
        service.upload(&me, &ids[1]).await.unwrap();
        service.upload(&me, &ids[2]).await.unwrap();
        // Another person's uploads count for them alone.
        service
            .preview_csv(&ctx("other@acme.example", "acme"), &file(0, 1, "x"))
            .await
            .unwrap();
        service.upload(&me, &ids[1]).await.unwrap();
        scratch.close().await;
    }
}

#[tokio::test]
async fn a_file_over_the_row_limit_is_refused_before_any_row_is_checked() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service_with(&limits(2000, 5, 3));
        setup(&service, 4).await;
        let e = service
            .preview_csv(&ctx("admin@acme.example", "acme"), &file(0, 4, "x"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid, "{backend}: {e}");
        let message = e.to_string();
        assert!(message.starts_with("row 4:"), "{backend}: {message}");
        assert!(message.contains("uploads.max_rows"), "{backend}: {message}");
        service
            .preview_csv(&ctx("admin@acme.example", "acme"), &file(0, 3, "x"))
            .await
            .unwrap();
        scratch.close().await;
    }
}

#[tokio::test]
async fn a_large_file_is_applied_by_a_job_that_ends_with_its_changes() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service_with(&limits(2, 5, 1000));
        setup(&service, 30).await;
        let me = ctx("admin@acme.example", "acme");
        let job = match service
            .apply_csv(&me, &file(0, 30, "Job"), ImportOptions::default(), false)
            .await
            .unwrap()
        {
            Applied::Queued(job) => job,
            Applied::Done(_) => panic!("{backend}: 30 rows over an inline limit of 2 run as a job"),
        };
        assert_eq!(job.state, JobState::Queued);
        assert_eq!(job.rows_total, 30);
        assert_eq!(
            last_name(&service, "u0@acme.example").await,
            "u0",
            "{backend}"
        );
        // Only its submitter sees it.
        let e = service
            .job(&ctx("other@acme.example", "acme"), &job.id)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{backend}");

        assert_eq!(service.run_jobs().await.unwrap(), 1, "{backend}");
        let done = service.job(&me, &job.id).await.unwrap();
        assert_eq!(done.state, JobState::Succeeded, "{backend}: {done:?}");
        assert_eq!(
            (done.rows_applied, done.rows_with_errors, done.rows_done),
            (30, 0, 30)
        );
        // Its end is when its changes were written, after its start (reading, checking and
        // writing 30 rows takes milliseconds), not the instant the changes carry.
        let (started, finished) = (done.started.unwrap(), done.finished.unwrap());
        assert!(finished > started, "{backend}: {started:?} to {finished:?}");
        assert_eq!(
            last_name(&service, "u29@acme.example").await,
            "Job29",
            "{backend}"
        );
        assert_eq!(events(&service, "user.update_csv").await, 30, "{backend}");
        // The 30 events went in together and still link up, each with its own hash.
        let verified = service.verify_audit(&me).await.unwrap();
        assert!(
            matches!(verified, Ok(n) if n >= 30),
            "{backend}: {verified:?}"
        );
        let changes = service
            .upload_rows(&me, &job.upload_id, RowKind::Change, 0, 100)
            .await
            .unwrap();
        assert_eq!(changes.len(), 30, "{backend}");
        assert_eq!(service.jobs(&me, 10).await.unwrap().len(), 1);
        // Nothing left to run.
        assert_eq!(service.run_jobs().await.unwrap(), 0);
        scratch.close().await;
    }
}

#[tokio::test]
async fn a_job_refused_as_a_whole_fails_with_its_rule_and_changes_nothing() {
    for (backend, scratch) in scratches().await {
        let service = scratch.service_with(&limits(0, 5, 1000));
        setup(&service, 2).await;
        let me = ctx("admin@acme.example", "acme");
        let Applied::Queued(bad_header) = service
            .apply_csv(
                &me,
                b"User ID/Email,Shoe Size\nu0@acme.example,44\n",
                ImportOptions::default(),
                false,
            )
            .await
            .unwrap()
        else {
            panic!("{backend}: an inline limit of 0 queues every file");
        };
        // Rows with problems, all or nothing: the job ends, applying nothing, with the problems.
        let Applied::Queued(bad_row) = service
            .apply_csv(
                &me,
                b"User ID/Email,Last Name\nu0@acme.example,Fine\nnobody@acme.example,X\n",
                ImportOptions::default(),
                false,
            )
            .await
            .unwrap()
        else {
            panic!("{backend}");
        };
        // One job per upload: applying it again while its job waits is a conflict.
        let again = service
            .apply_upload(&me, &bad_row.upload_id, ImportOptions::default(), true)
            .await
            .unwrap_err();
        assert_eq!(again.kind(), ErrorKind::Conflict, "{backend}: {again}");
        assert_eq!(service.run_jobs().await.unwrap(), 2, "{backend}");
        let failed = service.job(&me, &bad_header.id).await.unwrap();
        assert_eq!(failed.state, JobState::Failed, "{backend}");
        let (rule, message) = failed.error.unwrap();
        assert_eq!(rule.as_deref(), Some("R-CSV-2"), "{backend}: {message}");
        assert!(message.contains("Shoe Size"), "{backend}: {message}");

        let ended = service.job(&me, &bad_row.id).await.unwrap();
        assert_eq!(ended.state, JobState::Succeeded, "{backend}");
        assert_eq!(
            (ended.rows_applied, ended.rows_with_errors),
            (0, 1),
            "{backend}"
        );
        let errors = service
            .upload_rows(&me, &bad_row.upload_id, RowKind::Error, 0, 10)
            .await
            .unwrap();
        assert_eq!(errors[0].row, 2, "{backend}");
        assert_eq!(errors[0].rule.as_deref(), Some("R-CSV-2"));
        assert_eq!(
            last_name(&service, "u0@acme.example").await,
            "u0",
            "{backend}"
        );
        // The file is kept: its valid rows can still be applied.
        assert!(
            service
                .upload(&me, &bad_row.upload_id)
                .await
                .unwrap()
                .applicable
        );
        let applied = service
            .apply_upload(
                &me,
                &bad_row.upload_id,
                ImportOptions { partial: true },
                false,
            )
            .await
            .unwrap();
        assert!(matches!(applied, Applied::Queued(_)), "{backend}");
        service.run_jobs().await.unwrap();
        assert_eq!(
            last_name(&service, "u0@acme.example").await,
            "Fine",
            "{backend}"
        );
        scratch.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_is_run_by_one_server_only_and_again_after_its_server_died() {
    for (backend, scratch) in scratches().await {
        let a = scratch.service_with(&limits(0, 5, 1000));
        setup(&a, 10).await;
        let b = Service::open(scratch.url(), &limits(0, 5, 1000))
            .await
            .unwrap();
        let me = ctx("admin@acme.example", "acme");
        let Applied::Queued(_) = a
            .apply_csv(&me, &file(0, 10, "Once"), ImportOptions::default(), false)
            .await
            .unwrap()
        else {
            panic!("{backend}");
        };
        let (ran_a, ran_b) = tokio::join!(a.run_jobs(), b.run_jobs());
        assert_eq!(
            ran_a.unwrap() + ran_b.unwrap(),
            1,
            "{backend}: one claim wins"
        );
        assert_eq!(events(&a, "user.update_csv").await, 10, "{backend}");

        // A job whose server died mid-way (claimed, lease run out, nothing committed) runs again.
        let Applied::Queued(second) = a
            .apply_csv(&me, &file(0, 10, "Again"), ImportOptions::default(), false)
            .await
            .unwrap()
        else {
            panic!("{backend}");
        };
        let db = raw(scratch.url()).await;
        db.execute(
            format!(
                "UPDATE jobs SET state = 'running', attempts = 1, lease_until = 1 WHERE id = '{}'",
                second.id
            )
            .as_str(),
        )
        .await
        .unwrap();
        assert_eq!(b.run_jobs().await.unwrap(), 1, "{backend}");
        let done = a.job(&me, &second.id).await.unwrap();
        assert_eq!(done.state, JobState::Succeeded, "{backend}");
        assert_eq!(last_name(&a, "u9@acme.example").await, "Again9");

        // After the last attempt, the sweep gives it up, saying so.
        let Applied::Queued(third) = a
            .apply_csv(&me, &file(0, 2, "Never"), ImportOptions::default(), false)
            .await
            .unwrap()
        else {
            panic!("{backend}");
        };
        db.execute(
            format!(
                "UPDATE jobs SET state = 'running', attempts = 3, lease_until = 1 WHERE id = '{}'",
                third.id
            )
            .as_str(),
        )
        .await
        .unwrap();
        assert_eq!(a.run_jobs().await.unwrap(), 0, "{backend}");
        a.operator("tests")
            .sweep_expired(system_now())
            .await
            .unwrap();
        let given_up = a.job(&me, &third.id).await.unwrap();
        assert_eq!(given_up.state, JobState::Failed, "{backend}");
        assert!(
            given_up.error.unwrap().1.contains("interrupted"),
            "{backend}"
        );
        assert_eq!(last_name(&a, "u0@acme.example").await, "Again0");
        db.close().await;
        b.close().await;
        scratch.close().await;
    }
}
