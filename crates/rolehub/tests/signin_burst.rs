//! The real server under a burst of bogus sign-ins (finding 1 of the security test): 200 at once
//! from ten addresses are all answered 401 or 429, never 5xx, and the server's resident memory
//! stays within 100 MB of what it was idle, on SQLite and on PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

mod running;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use running::{databases, peak_during, rss, start};

async fn burst(base: &str, pid: u32) -> (u64, Vec<u16>) {
    peak_during(pid, Duration::from_millis(300), async {
    let clients: Vec<reqwest::Client> = (1..=10u8)
        .map(|i| {
            reqwest::Client::builder()
                .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, i)))
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap()
        })
        .collect();
    let requests: Vec<_> = (0..200)
        .map(|i| {
            let client = clients[i % clients.len()].clone();
            let url = format!("{base}/v1/sessions");
            tokio::spawn(async move {
                client
                    .post(url)
                    .json(&serde_json::json!({ "email": format!("nobody{i}@nowhere.example"), "password": "guess-guess-guess" }))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for r in requests {
        statuses.push(r.await.unwrap());
    }
    statuses
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bogus_sign_ins_are_bounded_in_memory_and_answered_401_or_429() {
    for (backend, scratch) in databases().await {
        let server = start(scratch.url());
        let pid = server.child.id();
        let http = reqwest::Client::new();
        // Warm up: a real sign-in and a few reads, then let the server settle.
        let r = http
            .post(format!("{}/v1/sessions", server.base))
            .json(&serde_json::json!({ "email": "admin@acme.example", "password": "rolehub-demo" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "{backend}");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let idle = rss(pid);
        let (peak, statuses) = burst(&server.base, pid).await;
        let unexpected: Vec<_> = statuses
            .iter()
            .filter(|s| !matches!(s, 401 | 429))
            .collect();
        assert!(
            unexpected.is_empty(),
            "{backend}: statuses other than 401/429: {unexpected:?}"
        );
        assert!(statuses.contains(&401), "{backend}: none was checked");
        let grown = peak.saturating_sub(idle);
        eprintln!("{backend}: idle {} MB, peak {} MB", idle >> 20, peak >> 20);
        assert!(
            grown < 100 * 1024 * 1024,
            "{backend}: resident memory grew by {} MB (idle {} MB, peak {} MB)",
            grown / (1024 * 1024),
            idle / (1024 * 1024),
            peak / (1024 * 1024)
        );
        drop(server);
        scratch.close().await;
    }
}
