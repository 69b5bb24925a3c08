//! The service layer's one error type; database errors are turned into it at this boundary.

use rolehub_domain::{Lang, Refusal};

/// Why a service operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A rule refused it; the refusal names the rule.
    #[error("{0}")]
    Refused(Refusal),
    /// Something named does not exist (or is not visible to the caller).
    #[error("{what} `{key}` was not found")]
    NotFound {
        /// What kind of thing.
        what: &'static str,
        /// The name or id given.
        key: String,
    },
    /// A value is malformed or out of range.
    #[error("{field}: {message}")]
    Invalid {
        /// Where: a field name, or `row N, column C`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The request conflicts with the current state (an existing email, a user not pending, …).
    #[error("{0}")]
    Conflict(String),
    /// Too many requests of this kind right now; `retry_after` seconds from now it may work.
    #[error("{message}")]
    TooMany {
        /// Seconds to wait.
        retry_after: u64,
        /// What is limited.
        message: String,
    },
    /// A part the service needs is not available (the database, the hashing workers).
    #[error("the service is unavailable: {0}")]
    Unavailable(String),
    /// Stored data that cannot be read back (a role id the code does not know, …).
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl ServiceError {
    /// An invalid-value error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A not-found error.
    pub fn not_found(what: &'static str, key: impl Into<String>) -> ServiceError {
        ServiceError::NotFound {
            what,
            key: key.into(),
        }
    }

    /// The refusal, if a rule refused.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            ServiceError::Refused(r) => Some(r),
            _ => None,
        }
    }

    /// The message as a person reads it, in their language where a rule refused.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ServiceError::Refused(r) => r.message(lang),
            other => other.to_string(),
        }
    }
}

impl From<Refusal> for ServiceError {
    fn from(r: Refusal) -> Self {
        ServiceError::Refused(r)
    }
}
