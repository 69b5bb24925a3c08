//! Signed checkpoints of the audit chains in a file outside the database (see
//! `rolehub_store::checkpoint`): the key read from its file, a checkpoint appended for every org
//! whose head moved, and the server's periodic writer.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use rolehub_server::Settings;
use rolehub_store::checkpoint::CheckpointKey;
use rolehub_store::clock::system_now;
use rolehub_store::Service;

use super::exit::{Exit, Failure};

/// The key the settings name, if any; a key file that cannot be read or is too short stops the
/// command with a message naming the setting.
pub fn key(settings: &Settings) -> Result<Option<CheckpointKey>, Failure> {
    let Some(path) = &settings.checkpoint_key_file else {
        return Ok(None);
    };
    let bytes = std::fs::read(path).map_err(|e| Failure {
        exit: Exit::Invalid,
        message: format!(
            "audit.checkpoint_key_file: {} cannot be read: {e}",
            path.display()
        ),
    })?;
    CheckpointKey::new(&bytes)
        .map(Some)
        .map_err(|m| Failure::invalid(format!("audit.checkpoint_key_file: {m}")))
}

/// The key, required: for writing and checking checkpoints.
pub fn required_key(settings: &Settings) -> Result<CheckpointKey, Failure> {
    key(settings)?.ok_or_else(|| {
        Failure::invalid(
            "checkpoints need a key: set `audit.checkpoint_key_file` (env ROLEHUB_AUDIT_CHECKPOINT_KEY_FILE) to a file of at least 32 bytes",
        )
    })
}

/// Appends a signed checkpoint for every org whose head moved since `last` (every org the first
/// time) to `path`, and syncs it to disk; answers how many were written.
pub async fn append(
    service: &Service,
    key: &CheckpointKey,
    path: &Path,
    last: &mut HashMap<String, String>,
) -> Result<usize, Failure> {
    let lines = service
        .operator("audit checkpoint")
        .audit_checkpoints(system_now(), key)
        .await?;
    let mut fresh = Vec::new();
    for line in lines {
        // The org and hash identify a head; `at` differs every time.
        let value: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        let org = value["org"].as_str().unwrap_or_default().to_string();
        let hash = value["hash"].as_str().unwrap_or_default().to_string();
        if last.get(&org) != Some(&hash) {
            last.insert(org, hash);
            fresh.push(line);
        }
    }
    if fresh.is_empty() {
        return Ok(0);
    }
    let io = |e: std::io::Error| Failure {
        exit: Exit::Failure,
        message: format!("audit.checkpoint_file: {}: {e}", path.display()),
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    let mut text = fresh.join("\n");
    text.push('\n');
    file.write_all(text.as_bytes()).map_err(io)?;
    file.sync_data().map_err(io)?;
    Ok(fresh.len())
}

/// Writes checkpoints every `interval` for as long as the server runs.
pub async fn run(
    service: Service,
    key: CheckpointKey,
    path: std::path::PathBuf,
    interval: Duration,
) {
    let mut last = HashMap::new();
    let mut tick = tokio::time::interval(interval);
    loop {
        tick.tick().await;
        match append(&service, &key, &path, &mut last).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(checkpoints = n, file = %path.display(), "wrote audit checkpoints")
            }
            Err(f) => tracing::warn!(error = %f.message, "could not write audit checkpoints"),
        }
    }
}
