//! Running the service's background jobs on this server: at once when one is queued here, and
//! every few seconds for jobs queued on another server or left behind by one that stopped.

use std::time::Duration;

use rolehub_store::Service;

/// How often the server looks for jobs nobody runs.
const POLL: Duration = Duration::from_secs(5);

/// Starts running queued jobs now, without waiting for the answer.
pub fn start(service: &Service) {
    let service = service.clone();
    tokio::spawn(async move { run(&service).await });
}

/// Runs queued jobs every few seconds, for ever (the server aborts it when it stops).
pub async fn poll(service: Service) {
    let mut tick = tokio::time::interval(POLL);
    loop {
        tick.tick().await;
        run(&service).await;
    }
}

async fn run(service: &Service) {
    match service.run_jobs().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "ran background jobs"),
        Err(e) => tracing::warn!(error = %e, "could not run background jobs"),
    }
}
