//! Password hashing (Argon2id) on a few dedicated threads with a bounded queue.
//!
//! One hash takes 19 MiB and a CPU for tens of milliseconds. Hashing on the async runtime's
//! blocking pool let hundreds run at once and kept gigabytes resident afterwards; here at most one
//! hash per worker runs at a time, and a request that finds the queue full is answered at once,
//! without hashing, so that nobody can make the server allocate without bound by asking.

use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::{
    rand_core::OsRng, Ident, Output, ParamsString, PasswordHash, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::oneshot;

use crate::error::{ServiceError, Text};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// OWASP's recommended Argon2id parameters: 19 MiB, two passes, one lane.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

/// Refuses a password too short to be chosen, before any hashing.
pub fn hash_password_shape(password: &str) -> Result<(), ServiceError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ServiceError::invalid(
            "password",
            Text::new(
                format!("a password needs at least {MIN_PASSWORD_CHARS} characters"),
                format!("een wachtwoord heeft minstens {MIN_PASSWORD_CHARS} tekens nodig"),
            ),
        ));
    }
    Ok(())
}

/// A worker's Argon2 memory, kept for its lifetime: allocating and freeing 19 MiB per hash made
/// the allocator keep ever more of it resident.
pub struct Memory(Vec<Block>);

impl Memory {
    /// Memory for the default parameters.
    pub fn new() -> Memory {
        Memory(vec![Block::new(); params().block_count()])
    }

    /// At least `blocks` blocks (grown once for stored hashes with larger parameters).
    fn blocks(&mut self, blocks: usize) -> &mut [Block] {
        if self.0.len() < blocks {
            self.0.resize(blocks, Block::new());
        }
        &mut self.0[..blocks]
    }
}

impl Default for Memory {
    fn default() -> Self {
        Memory::new()
    }
}

fn cannot_hash(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::invalid(
        "password",
        Text::new(
            format!("the password cannot be hashed: {e}"),
            format!("het wachtwoord kan niet worden gehasht: {e}"),
        ),
    )
}

/// Hashes a password with Argon2id and a random salt, in the PHC string format (CPU-heavy; the
/// pool calls it).
pub fn hash_password_with(password: &str, memory: &mut Memory) -> Result<String, ServiceError> {
    hash_password_shape(password)?;
    let params = params();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt.decode_b64(&mut salt_bytes).map_err(cannot_hash)?;
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            raw_salt,
            &mut out,
            memory.blocks(params.block_count()),
        )
        .map_err(cannot_hash)?;
    let hash = PasswordHash {
        algorithm: Ident::new("argon2id").map_err(cannot_hash)?,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(cannot_hash)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(cannot_hash)?),
    };
    Ok(hash.to_string())
}

/// Hashes a password with memory of its own (for tests and one-off use).
pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    hash_password_with(password, &mut Memory::new())
}

/// Checks a password against a stored PHC hash, in constant time (CPU-heavy; the pool calls it).
pub fn password_matches_with(password: &str, stored: &str, memory: &mut Memory) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let algorithm = match parsed.algorithm.as_str() {
        "argon2id" => Algorithm::Argon2id,
        "argon2i" => Algorithm::Argon2i,
        "argon2d" => Algorithm::Argon2d,
        _ => return false,
    };
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or(Version::V0x13);
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password.as_bytes(),
        raw_salt,
        &mut out,
        memory.blocks(params.block_count()),
    );
    // `Output`'s equality is constant-time.
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

/// Checks a password with memory of its own (for tests and one-off use).
pub fn password_matches(password: &str, stored: &str) -> bool {
    password_matches_with(password, stored, &mut Memory::new())
}

/// A hash to check against when the email is unknown, so both answers take as long.
pub fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Ugc0f7cyyjWJqw3Tdr7fwLYwVJ8NDJF3bkldBzn7E4w"
}

enum Job {
    Hash(String, oneshot::Sender<Result<String, ServiceError>>),
    Verify(String, String, oneshot::Sender<bool>),
}

/// The hashing workers and their queue, started on first use.
#[derive(Clone)]
pub struct HashPool {
    workers: usize,
    queue: usize,
    sender: Arc<OnceLock<Mutex<SyncSender<Job>>>>,
}

impl std::fmt::Debug for HashPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashPool")
            .field("workers", &self.workers)
            .field("queue", &self.queue)
            .finish()
    }
}

impl HashPool {
    /// A pool of `workers` threads (0: one per CPU) with room for `queue` waiting requests.
    pub fn new(workers: usize, queue: usize) -> HashPool {
        let workers = if workers == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            workers
        };
        HashPool {
            workers,
            queue: queue.max(1),
            sender: Arc::new(OnceLock::new()),
        }
    }

    fn sender(&self) -> SyncSender<Job> {
        let cell = self.sender.get_or_init(|| {
            let (tx, rx) = sync_channel::<Job>(self.queue);
            let rx = Arc::new(Mutex::new(rx));
            for i in 0..self.workers {
                let rx = Arc::clone(&rx);
                let spawned = std::thread::Builder::new()
                    .name(format!("rolehub-hash-{i}"))
                    .spawn(move || {
                        let mut memory = Memory::new();
                        loop {
                            // INVARIANT: the lock is held only while taking the next job.
                            let job = match rx.lock() {
                                Ok(guard) => guard.recv(),
                                Err(poisoned) => poisoned.into_inner().recv(),
                            };
                            match job {
                                Ok(Job::Hash(password, reply)) => {
                                    let _ = reply.send(hash_password_with(&password, &mut memory));
                                }
                                Ok(Job::Verify(password, stored, reply)) => {
                                    let _ = reply.send(password_matches_with(
                                        &password,
                                        &stored,
                                        &mut memory,
                                    ));
                                }
                                // Every sender is gone: the service was dropped.
                                Err(_) => break,
                            }
                        }
                    });
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "a password-hashing thread could not start");
                }
            }
            Mutex::new(tx)
        });
        match cell.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn submit(&self, job: Job) -> Result<(), ServiceError> {
        match self.sender().try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(ServiceError::TooMany {
                retry_after: 1,
                message: Text::new(
                    "the server is checking many passwords at the moment; try again in a second",
                    "de server controleert op dit moment veel wachtwoorden; probeer het over een seconde opnieuw",
                ),
            }),
            Err(TrySendError::Disconnected(_)) => Err(ServiceError::Unavailable(
                "password checking is not available".into(),
            )),
        }
    }

    /// Hashes a password, or answers at once that the queue is full.
    pub async fn hash(&self, password: &str) -> Result<String, ServiceError> {
        let (tx, rx) = oneshot::channel();
        self.submit(Job::Hash(password.to_string(), tx))?;
        rx.await
            .map_err(|_| ServiceError::Unavailable("password hashing stopped".into()))?
    }

    /// Checks a password against a stored hash, or answers at once that the queue is full.
    pub async fn verify(&self, password: &str, stored: &str) -> Result<bool, ServiceError> {
        let (tx, rx) = oneshot::channel();
        self.submit(Job::Verify(password.to_string(), stored.to_string(), tx))?;
        rx.await
            .map_err(|_| ServiceError::Unavailable("password checking stopped".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        // The format every Argon2 implementation reads, and hashes of the general API read back.
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let general = Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
            .hash_password(b"correct horse battery", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(password_matches("correct horse battery", &general));
        assert!(Argon2::default()
            .verify_password(b"correct horse battery", &PasswordHash::new(&hash).unwrap())
            .is_ok());
        assert!(hash.starts_with("$argon2id$"));
        assert!(password_matches("correct horse battery", &hash));
        assert!(!password_matches("correct horse battery!", &hash));
        assert!(hash_password("short").is_err());
        assert!(!password_matches("anything at all", decoy_hash()));
    }

    #[tokio::test]
    async fn a_full_queue_answers_at_once_without_hashing() {
        let pool = HashPool::new(1, 1);
        let stored = hash_password("correct horse battery").unwrap();
        let attempts: Vec<_> = (0..20)
            .map(|_| {
                let pool = pool.clone();
                let stored = stored.clone();
                tokio::spawn(async move { pool.verify("wrong password!", &stored).await })
            })
            .collect();
        let mut too_many = 0;
        let mut checked = 0;
        for a in attempts {
            match a.await.unwrap() {
                Ok(matches) => {
                    assert!(!matches);
                    checked += 1;
                }
                Err(ServiceError::TooMany { retry_after, .. }) => {
                    assert!(retry_after >= 1);
                    too_many += 1;
                }
                Err(other) => panic!("unexpected {other}"),
            }
        }
        assert!(too_many > 0, "a queue of one must turn some of 20 away");
        assert!(checked >= 1);
        assert!(pool.verify("correct horse battery", &stored).await.unwrap());
    }
}
