//! The real server under many large uploads (finding 6 of the security test): previews are kept in
//! the database, not in the server, so a hundred 1.9 MB previews leave its resident memory within
//! 100 MB of idle; a dry run of the largest file allowed answers a summary of a few kilobytes, not
//! an echo of every row, and stays within 300 MB; on SQLite and on PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

mod running;

use std::time::Duration;

use running::{databases, peak_during, rss, start};

/// A write token of the demo's administrator, through the sign-in a person would use.
async fn admin_token(base: &str) -> String {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = http
        .post(format!("{base}/v1/sessions"))
        .json(&serde_json::json!({ "email": "admin@acme.example", "password": "rolehub-demo" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let session: serde_json::Value = r.json().await.unwrap();
    let r = http
        .post(format!("{base}/v1/tokens"))
        .header("x-csrf-token", session["csrfToken"].as_str().unwrap())
        .json(&serde_json::json!({ "name": "memory test", "scope": "write" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let token: serde_json::Value = r.json().await.unwrap();
    token["token"].as_str().unwrap().to_string()
}

/// A file of ten rows changing demo users' last names to 190 KB each (about 1.9 MB).
fn wide_file() -> String {
    let name = "x".repeat(190_000);
    let mut text = String::from("User ID/Email,Last Name\n");
    for email in [
        "admin@acme.example",
        "daan.meijer@acme.example",
        "readonly@acme.example",
    ]
    .iter()
    .cycle()
    .take(3)
    {
        text.push_str(&format!("{email},{name}\n"));
    }
    for i in 0..7 {
        text.push_str(&format!("nobody{i}@acme.example,{name}\n"));
    }
    text
}

/// The largest file allowed (200,000 rows), every row naming someone who is not a user.
fn long_file() -> String {
    let mut text = String::from("User ID/Email,Last Name\n");
    for i in 0..200_000 {
        text.push_str(&format!("nobody{i:06}@acme.example,Name{i}\n"));
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn uploads_are_kept_out_of_the_servers_memory_and_answered_in_summary() {
    for (backend, scratch) in databases().await {
        let server = start(scratch.url());
        let pid = server.child.id();
        let token = admin_token(&server.base).await;
        let http = reqwest::Client::new();
        let preview = |text: String| {
            http.post(format!("{}/v1/people/csv?dryRun=true", server.base))
                .bearer_auth(&token)
                .header("content-type", "text/csv")
                .body(text)
                .send()
        };
        // Warm up with one preview, then let the server settle.
        let warm = preview(wide_file()).await.unwrap();
        assert_eq!(
            warm.status().as_u16(),
            200,
            "{backend}: {}",
            warm.text().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        let idle = rss(pid);

        let (peak, ids) = peak_during(pid, Duration::from_millis(200), async {
            let mut ids = Vec::new();
            for _ in 0..100 {
                let r = preview(wide_file()).await.unwrap();
                assert_eq!(r.status().as_u16(), 200, "{backend}");
                let body: serde_json::Value = r.json().await.unwrap();
                ids.push(body["upload"]["id"].as_str().unwrap().to_string());
            }
            ids
        })
        .await;
        let grown = peak.saturating_sub(idle);
        eprintln!(
            "{backend}: 100 previews: idle {} MB, peak {} MB",
            idle >> 20,
            peak >> 20
        );
        assert!(
            grown < 100 << 20,
            "{backend}: 100 previews grew resident memory by {} MB",
            grown >> 20
        );
        // Only the newest few are kept (`uploads.per_person`); the last can still be applied.
        let status = |id: &str| {
            http.get(format!("{}/v1/csvUploads/{id}", server.base))
                .bearer_auth(&token)
                .send()
        };
        assert_eq!(
            status(&ids[0]).await.unwrap().status().as_u16(),
            404,
            "{backend}"
        );
        assert_eq!(
            status(&ids[99]).await.unwrap().status().as_u16(),
            200,
            "{backend}"
        );

        let idle = rss(pid);
        let (peak, (code, answer)) = peak_during(pid, Duration::from_millis(200), async {
            let r = preview(long_file()).await.unwrap();
            (r.status().as_u16(), r.bytes().await.unwrap())
        })
        .await;
        assert_eq!(code, 200, "{backend}: {}", String::from_utf8_lossy(&answer));
        let body: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(body["rowsWithErrors"], 200_000, "{backend}");
        assert!(
            answer.len() < 64 * 1024,
            "{backend}: the answer of a dry run is {} bytes",
            answer.len()
        );
        let grown = peak.saturating_sub(idle);
        eprintln!("{backend}: 200,000-row dry run: peak {} MB", peak >> 20);
        assert!(
            grown < 300 << 20,
            "{backend}: a 200,000-row dry run grew resident memory by {} MB",
            grown >> 20
        );
        drop(server);
        scratch.close().await;
    }
}
