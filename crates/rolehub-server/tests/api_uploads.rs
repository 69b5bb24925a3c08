//! CSV uploads over HTTP: answers that summarise and page their rows, previews applied by id,
//! refused uploads that keep their file for a partial application, jobs answered 202 and polled,
//! the row limit (R-CSV-2; security finding 6 and 8), and problems in the reader's language, on
//! the API and on the console's upload page.
//!
//! A real server on a local port over a real database (SQLite always, PostgreSQL when
//! `ROLEHUB_TEST_POSTGRES` names a server).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

mod common;

use common::*;

/// Acme's plain users `user001` … `user150`, whose last names are `001` … `150`.
fn rename_all(name: &str) -> String {
    let mut text = String::from("User ID/Email,Last Name\r\n");
    for i in 1..=150 {
        text.push_str(&format!("user{i:03}@acme.example,{name}{i}\r\n"));
    }
    text
}

fn upload<'a>(s: &'a Server, token: &str, query: &str, text: String) -> Call<'a> {
    s.request(Method::POST, &format!("/v1/people/csv{query}"))
        .bearer(token)
        .body("text/csv", text)
}

/// The path of an absolute URL this server gave out.
fn path_of(s: &Server, url: &str) -> String {
    assert!(
        url.starts_with(&s.base),
        "not an absolute URL of this server: {url}"
    );
    url[s.base.len()..].to_string()
}

async fn last_name(s: &Server, email: &str) -> String {
    let r = s
        .get(
            &format!("/v1/people?email={}", enc(email)),
            &s.w.admin.token,
        )
        .await;
    r.items()[0]["lastName"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_csv_2_a_preview_answers_a_summary_pages_its_rows_and_is_applied_by_id() {
    for b in backends() {
        let s = Server::start(&b).await;
        let admin = s.w.admin.token.clone();
        let r = upload(&s, &admin, "?dryRun=true", rename_all("Preview"))
            .send()
            .await;
        r.expect(200);
        let j = r.json().clone();
        assert_eq!(j["dryRun"], true);
        assert_eq!(j["applied"], false);
        assert_eq!(j["rows"], 150);
        assert_eq!(j["rowsApplied"], 150, "{}", r.text);
        assert_eq!(j["rowsWithErrors"], 0);
        assert_eq!(
            j["changes"].as_array().unwrap().len(),
            100,
            "the first 100 only"
        );
        assert_eq!(j["upload"]["applicable"], true);
        assert_eq!(last_name(&s, "user001@acme.example").await, "001");

        // Every change, paged from the kept upload.
        let changes = path_of(&s, j["upload"]["changesUrl"].as_str().unwrap());
        // Next-page links are absolute, as clients such as the Webex SDK require.
        let first = s.get(&format!("{changes}?max=60"), &admin).await;
        let link = first.header("link").unwrap();
        assert!(
            link.starts_with(&format!("<{}/v1/csvUploads/", s.base)),
            "{link}"
        );
        let (all, pages) = s.all_pages(&format!("{changes}?max=60"), &admin).await;
        assert_eq!((all.len(), pages), (150, 3), "{}", s.backend);
        assert_eq!(all[149]["row"], 150);
        assert_eq!(all[149]["changes"], json!(["Last Name: Preview150"]));
        let errors = path_of(&s, j["upload"]["errorsUrl"].as_str().unwrap());
        assert!(s.get(&errors, &admin).await.items().is_empty());

        // Applied by id, once.
        let id = j["upload"]["id"].as_str().unwrap();
        let get = s.get(&format!("/v1/csvUploads/{id}"), &admin).await;
        get.expect(200);
        assert_eq!(get.json()["rowsChanged"], 150);
        let applied = s
            .request(Method::POST, &format!("/v1/csvUploads/{id}/apply"))
            .bearer(&admin)
            .send()
            .await;
        applied.expect(200);
        assert_eq!(applied.json()["applied"], true);
        assert_eq!(applied.json()["upload"]["applicable"], false);
        assert_eq!(last_name(&s, "user150@acme.example").await, "Preview150");
        let again = s
            .request(Method::POST, &format!("/v1/csvUploads/{id}/apply"))
            .bearer(&admin)
            .send()
            .await;
        again.expect(409);
        // Nobody else reaches it, not even another full administrator of the org.
        s.get(&format!("/v1/csvUploads/{id}"), &s.w.admin2.token)
            .await
            .expect(404);
        s.get(
            &format!("/v1/csvUploads/{id}/changes"),
            &s.w.globex_admin.token,
        )
        .await
        .expect(404);
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_csv_2_a_refused_upload_lists_its_first_problems_and_keeps_its_file() {
    for b in backends() {
        let s = Server::start(&b).await;
        let admin = s.w.admin.token.clone();
        let mut text = String::from("User ID/Email,Last Name\r\nuser001@acme.example,Kept\r\n");
        for i in 0..150 {
            text.push_str(&format!("nobody{i}@acme.example,X\r\n"));
        }
        let r = upload(&s, &admin, "", text).send().await;
        r.expect(422);
        let j = r.json().clone();
        assert_eq!(j["errors"].as_array().unwrap().len(), 100, "{}", s.backend);
        assert_eq!(j["errors"][0]["field"], "row 2, column User ID/Email");
        assert_eq!(j["errors"][0]["ruleId"], "R-CSV-2");
        let message = j["message"].as_str().unwrap();
        assert!(
            message.starts_with("150 of 151 rows have problems; nothing was changed."),
            "{message}"
        );
        let errors_url = message
            .split_whitespace()
            .find(|w| w.contains("/errors"))
            .unwrap()
            .trim_end_matches(';');
        let (all, _) = s.all_pages(&path_of(&s, errors_url), &admin).await;
        assert_eq!(all.len(), 150);
        assert_eq!(all[149]["row"], 151);
        assert_eq!(last_name(&s, "user001@acme.example").await, "001");

        // The valid rows, applied from the kept file.
        let apply = message
            .split_whitespace()
            .find(|w| w.contains("/apply?partial=true"))
            .unwrap();
        let r = s
            .request(Method::POST, &path_of(&s, apply))
            .bearer(&admin)
            .send()
            .await;
        r.expect(200);
        assert_eq!(r.json()["rowsApplied"], 1);
        assert_eq!(last_name(&s, "user001@acme.example").await, "Kept");
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_upload_is_answered_202_and_applied_by_a_job() {
    for b in backends() {
        let options = rolehub_store::Options {
            uploads: rolehub_store::service::UploadLimits {
                inline_rows: 100,
                ..Default::default()
            },
            ..Default::default()
        };
        let s = Server::start_full(&b, Config::default(), &options, |_| {}).await;
        let admin = s.w.admin.token.clone();
        // 150 rows over an inline limit of 100, and one row asked to run in the background.
        let r = upload(&s, &admin, "", rename_all("Job")).send().await;
        r.expect(202);
        let location = r.header("location").unwrap();
        let job_path = path_of(&s, &location);
        assert_eq!(r.json()["status"], "queued");
        assert_eq!(r.json()["rows"], 150);
        let small = upload(
            &s,
            &admin,
            "",
            "User ID/Email,First Name\r\nuser002@acme.example,Async\r\n".into(),
        )
        .header("prefer", "respond-async")
        .send()
        .await;
        small.expect(202);
        assert_eq!(
            small.header("preference-applied").as_deref(),
            Some("respond-async")
        );

        let mut job = Value::Null;
        for _ in 0..400 {
            let r = s.get(&job_path, &admin).await;
            r.expect(200);
            job = r.json().clone();
            if job["status"] == "succeeded" || job["status"] == "failed" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert_eq!(job["status"], "succeeded", "{}: {job}", s.backend);
        assert_eq!(job["rowsApplied"], 150);
        assert_eq!(job["rowsDone"], 150);
        assert_eq!(last_name(&s, "user150@acme.example").await, "Job150");
        let (changes, _) = s
            .all_pages(&path_of(&s, job["changesUrl"].as_str().unwrap()), &admin)
            .await;
        assert_eq!(changes.len(), 150);
        let jobs = s.get("/v1/jobs", &admin).await;
        assert_eq!(jobs.items().len(), 2);
        // Jobs are their submitter's.
        s.get(&job_path, &s.w.admin2.token).await.expect(404);
        s.get(&job_path, &s.w.globex_admin.token).await.expect(404);
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_the_row_limit_is_refused_naming_the_setting() {
    for b in backends() {
        let options = rolehub_store::Options {
            uploads: rolehub_store::service::UploadLimits {
                max_rows: 100,
                ..Default::default()
            },
            ..Default::default()
        };
        let s = Server::start_full(&b, Config::default(), &options, |_| {}).await;
        let r = upload(&s, &s.w.admin.token, "?dryRun=true", rename_all("Big"))
            .send()
            .await;
        r.expect(422);
        assert_eq!(r.json()["errors"][0]["field"], "row 101", "{}", r.text);
        assert!(r.message().contains("uploads.max_rows"), "{}", r.text);
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dutch_caller_reads_an_uploads_problems_in_dutch() {
    for b in backends() {
        let s = Server::start(&b).await;
        let admin = s.w.admin.token.clone();
        let dutch = |query: &str, text: &str| {
            upload(&s, &admin, query, text.to_string()).header("accept-language", "nl")
        };
        let bad =
            "User ID/Email,Status\r\nnobody@acme.example,\r\nuser001@acme.example,sleeping\r\n";

        // Refused whole: the message, each problem and its place in Dutch; the rule as it is.
        let r = dutch("", bad).send().await;
        r.expect(422);
        assert!(
            r.message()
                .starts_with("2 van de 2 rijen hebben problemen; er is niets gewijzigd."),
            "{}",
            r.text
        );
        let j = r.json().clone();
        assert_eq!(j["errors"][0]["field"], "rij 1, kolom User ID/Email");
        assert_eq!(
            j["errors"][0]["description"],
            "“nobody@acme.example” is geen gebruiker van deze organisatie"
        );
        assert_eq!(j["errors"][1]["field"], "rij 2, kolom Status");
        assert_eq!(j["errors"][1]["ruleId"], "R-CSV-2");

        // A preview's answer, and the kept upload's problems paged later, in the reader's language.
        let r = dutch("?dryRun=true", bad).send().await;
        r.expect(200);
        assert_eq!(
            r.json()["errors"][1]["description"],
            "“sleeping” is niet “active” of “inactive”"
        );
        let errors_url = r.json()["upload"]["errorsUrl"]
            .as_str()
            .unwrap()
            .to_string();
        let upload_id = r.json()["upload"]["id"].as_str().unwrap().to_string();
        let english = s.get(&path_of(&s, &errors_url), &admin).await;
        assert_eq!(
            english.items()[1]["description"],
            "“sleeping” is not “active” or “inactive”"
        );

        // The console's upload page: rows as the spreadsheet numbers them (the header is its row
        // 1), each problem in plain Dutch, the rule beside it and not again in the sentence.
        s.service
            .operator("tests")
            .set_password(&s.w.admin.email, common::PASSWORD, system_now())
            .await
            .unwrap();
        let (cookie, _) = s.sign_in(&s.w.admin.email, common::PASSWORD).await;
        let page = s
            .request(
                Method::GET,
                &format!("/users/csv/uploads/{upload_id}?org=acme"),
            )
            .header(
                "Cookie",
                &format!("rolehub_session={cookie}; rolehub_lang=nl"),
            )
            .send()
            .await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(
            page.text.contains(
                "<td>2</td><td>User ID/Email</td><td><span class=\"rule\">R-CSV-2</span></td>\
                 <td>“nobody@acme.example” is geen gebruiker van deze organisatie</td>"
            ),
            "{}",
            page.text
        );
        assert!(
            page.text.contains("<td>3</td><td>Status</td>"),
            "{}",
            page.text
        );

        // A file that is no CSV is refused naming the line as an editor numbers it (after the
        // `\r\n` line ends of a spreadsheet's export too), in Dutch.
        let r = dutch(
            "?dryRun=true",
            "User ID/Email,Last Name\r\na@b.example,Smit,extra\r\n",
        )
        .send()
        .await;
        r.refused(403, "R-CSV-2");
        assert!(
            r.message()
                .starts_with("regel 2: er staan 3 cellen waar de kopregel er 2 heeft"),
            "{}",
            r.text
        );
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_ccsa_10_a_files_refused_rows_are_audited_once_at_its_preview() {
    for b in backends() {
        let s = Server::start(&b).await;
        let ccsa = s.w.ccsa.token.clone();
        // Row 1 changes a name (R-CCSA-10), row 2 names nobody (bad input, R-CSV-2), row 3 is a
        // Contact Center license change a CCSA may make.
        let text = "User ID/Email,Last Name,Webex Contact Center Standard\r\n\
                    user001@acme.example,Anders,\r\n\
                    nobody@acme.example,,TRUE\r\n\
                    user002@acme.example,,TRUE\r\n"
            .to_string();
        let events = s.acme_events().await;
        let r = upload(&s, &ccsa, "?dryRun=true", text).send().await;
        r.expect(200);
        let j = r.json().clone();
        assert_eq!(j["rowsWithErrors"], 2, "{}", r.text);
        assert_eq!(s.acme_events().await, events + 1, "{}", s.backend);
        let last = &s.acme_newest_events(1).await[0];
        assert_eq!(
            (&last["action"], &last["outcome"], &last["ruleId"]),
            (
                &json!("user.update_csv"),
                &json!("refused"),
                &json!("R-CCSA-10")
            )
        );
        assert_eq!(
            last["after"],
            json!({
                "rows": 3,
                "refused_rows": 1,
                "rules": {"R-CCSA-10": 1},
                "refused": [{"row": 1, "email": "user001@acme.example", "rule": "R-CCSA-10"}],
            })
        );

        // Applied by id: all or nothing refuses it again, and the refusal is not audited twice;
        // its valid row, applied, is audited as a change.
        let id = j["upload"]["id"].as_str().unwrap();
        let applied = s
            .request(Method::POST, &format!("/v1/csvUploads/{id}/apply"))
            .bearer(&ccsa)
            .send()
            .await;
        assert_eq!(applied.status, 422, "{}", applied.text);
        assert_eq!(s.acme_events().await, events + 1);
        let applied = s
            .request(
                Method::POST,
                &format!("/v1/csvUploads/{id}/apply?partial=true"),
            )
            .bearer(&ccsa)
            .send()
            .await;
        applied.expect(200);
        assert_eq!(s.acme_events().await, events + 2);
        let last = &s.acme_newest_events(1).await[0];
        assert_eq!(
            (&last["action"], &last["outcome"]),
            (&json!("user.update_csv"), &json!("ok"))
        );
        s.stop().await;
    }
}
