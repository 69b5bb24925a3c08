//! Signed checkpoints of the audit chains, kept outside the database.
//!
//! The chain of each org's audit events is plain SHA-256: it shows an edited, removed or
//! reordered event, but someone who can write to the database could recompute a whole chain, or
//! remove the newest events and move the org's head back, and the chain alone would still verify.
//! A checkpoint records an org's head — its position and hash — at a moment, signed with
//! HMAC-SHA256 under a key that is not in the database. Written as one JSON line each to a file
//! that can be shipped off the machine, checkpoints let `rolehub audit verify --checkpoints`
//! report a rewrite (the event at a checkpoint's position no longer has its hash) and a
//! truncation or rolled-back head (the log ends before a checkpoint's position), each with the
//! position where the log and the checkpoint first part.

use std::fmt;

use hmac::{Hmac, Mac};
use rolehub_domain::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// What a signature covers first, so that no other use of the key can be replayed as one.
const DOMAIN: &str = "rolehub-audit-checkpoint-v1";

/// The key checkpoints are signed with; never shown, not even by `Debug`.
#[derive(Clone)]
pub struct CheckpointKey(Vec<u8>);

impl fmt::Debug for CheckpointKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CheckpointKey(…)")
    }
}

impl CheckpointKey {
    /// A key from its bytes (a key file's content, trimmed); at least 32 bytes.
    pub fn new(bytes: &[u8]) -> Result<CheckpointKey, String> {
        let trimmed = bytes.trim_ascii();
        if trimmed.len() < 32 {
            return Err(format!(
                "the audit checkpoint key has {} bytes; use at least 32 (for example `openssl rand -hex 32`)",
                trimmed.len()
            ));
        }
        Ok(CheckpointKey(trimmed.to_vec()))
    }

    fn hmac(&self, c: &Checkpoint) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(format!("{DOMAIN}\n{}\n{}\n{}\n{}", c.org, c.seq, c.hash, c.at.0).as_bytes());
        mac
    }

    fn mac(&self, c: &Checkpoint) -> String {
        hex(&self.hmac(c).finalize().into_bytes())
    }

    /// Whether `mac` (hex) signs `c`, compared in constant time.
    fn signs(&self, c: &Checkpoint, mac: &str) -> bool {
        let bytes: Option<Vec<u8>> = (0..mac.len())
            .step_by(2)
            .map(|i| {
                mac.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect();
        bytes.is_some_and(|b| self.hmac(c).verify_slice(&b).is_ok())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An org's audit head at a moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The org.
    pub org: String,
    /// The position of its newest event (0: none yet).
    pub seq: i64,
    /// That event's hash.
    pub hash: String,
    /// When the head was read.
    pub at: Timestamp,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    at: String,
    org: String,
    seq: i64,
    hash: String,
    mac: String,
}

impl Checkpoint {
    /// The checkpoint as one signed JSON line (without the line break).
    pub fn line(&self, key: &CheckpointKey) -> String {
        let line = Line {
            at: self.at.to_iso(),
            org: self.org.clone(),
            seq: self.seq,
            hash: self.hash.clone(),
            mac: key.mac(self),
        };
        serde_json::to_string(&line).unwrap_or_default()
    }

    /// Reads a line and checks its signature.
    pub fn parse(text: &str, key: &CheckpointKey) -> Result<Checkpoint, String> {
        let line: Line =
            serde_json::from_str(text).map_err(|e| format!("not a checkpoint: {e}"))?;
        let at = Timestamp::parse(&line.at).map_err(|e| format!("`at`: {e}"))?;
        let checkpoint = Checkpoint {
            org: line.org,
            seq: line.seq,
            hash: line.hash,
            at,
        };
        if !key.signs(&checkpoint, &line.mac) {
            return Err(
                "its signature does not match: it was changed, or signed with another key".into(),
            );
        }
        Ok(checkpoint)
    }
}

/// What checking the log against checkpoints found wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointProblem {
    /// A line that is not a checkpoint signed with the key.
    BadLine {
        /// The line, from 1.
        line: usize,
        /// Why.
        detail: String,
    },
    /// The event at a checkpoint's position has another hash: the log was rewritten there or
    /// before.
    Rewritten {
        /// The line of the checkpoint.
        line: usize,
        /// The org.
        org: String,
        /// The position.
        seq: i64,
        /// The last position a checkpoint still confirms (0: none).
        intact_until: i64,
    },
    /// The log ends before a checkpoint's position: events were removed from its end, or its
    /// head was rolled back.
    Truncated {
        /// The line of the checkpoint.
        line: usize,
        /// The org.
        org: String,
        /// The position the checkpoint recorded.
        seq: i64,
        /// The position the log ends at now.
        ends_at: i64,
    },
}

impl fmt::Display for CheckpointProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointProblem::BadLine { line, detail } => {
                write!(f, "checkpoint line {line}: {detail}")
            }
            CheckpointProblem::Rewritten {
                line,
                org,
                seq,
                intact_until,
            } => write!(
                f,
                "org `{org}` was rewritten: the event at position {seq} is not the one checkpoint line {line} signed; \
                 the first changed event is after position {intact_until}, at or before {seq}"
            ),
            CheckpointProblem::Truncated {
                line,
                org,
                seq,
                ends_at,
            } => write!(
                f,
                "org `{org}` was cut short: checkpoint line {line} signed position {seq}, the log ends at {ends_at}; \
                 the first missing event is at position {}",
                ends_at + 1
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CheckpointKey {
        CheckpointKey::new(b"0123456789abcdef0123456789abcdef\n").unwrap()
    }

    fn sample() -> Checkpoint {
        Checkpoint {
            org: "acme".into(),
            seq: 7,
            hash: "ab".repeat(32),
            at: Timestamp(1_790_000_000_000),
        }
    }

    #[test]
    fn a_signed_line_reads_back() {
        let line = sample().line(&key());
        assert_eq!(Checkpoint::parse(&line, &key()).unwrap(), sample());
    }

    #[test]
    fn a_changed_line_or_another_key_is_refused() {
        let line = sample().line(&key());
        let moved = line.replace("\"seq\":7", "\"seq\":6");
        assert!(Checkpoint::parse(&moved, &key())
            .unwrap_err()
            .contains("signature"));
        let other = CheckpointKey::new(&[b'z'; 40]).unwrap();
        assert!(Checkpoint::parse(&line, &other).is_err());
        assert!(Checkpoint::parse("{}", &key()).is_err());
    }

    #[test]
    fn short_keys_are_refused_and_keys_are_never_shown() {
        assert!(CheckpointKey::new(b"short")
            .unwrap_err()
            .contains("at least 32"));
        assert_eq!(format!("{:?}", key()), "CheckpointKey(…)");
    }
}
