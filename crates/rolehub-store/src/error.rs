//! The service layer's one error vocabulary, and the one table that turns each kind into an HTTP
//! status and a process exit code. Database errors are mapped here, at the store's boundary, so no
//! interface ever sees a driver's error or decodes a database's error codes.

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
    /// Another change held what this one needed; the same request a moment later will work.
    #[error("{message}")]
    Busy {
        /// Seconds to wait.
        retry_after: u64,
        /// What was busy.
        message: String,
    },
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
    /// Something that should not happen: stored data that cannot be read back, or an unexpected
    /// database error. Logged in full; shown to people only as "something went wrong".
    #[error("internal error: {0}")]
    Internal(String),
}

/// The kinds of [`ServiceError`], each with its one HTTP status and its one exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A rule refused.
    Refused,
    /// Not found, or not visible.
    NotFound,
    /// An invalid value.
    Invalid,
    /// A conflict with the current state.
    Conflict,
    /// Busy: retry.
    Busy,
    /// Too many requests.
    TooMany,
    /// A needed part is unavailable.
    Unavailable,
    /// An internal error.
    Internal,
}

impl ErrorKind {
    /// Every kind, in the order `rolehub --help` lists them.
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::Refused,
        ErrorKind::Invalid,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::Busy,
        ErrorKind::TooMany,
        ErrorKind::Unavailable,
        ErrorKind::Internal,
    ];

    /// The HTTP status of the API and the console.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::Refused => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Invalid => 422,
            ErrorKind::Conflict | ErrorKind::Busy => 409,
            ErrorKind::TooMany => 429,
            ErrorKind::Unavailable => 503,
            ErrorKind::Internal => 500,
        }
    }

    /// The exit code of the CLI.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Refused => 1,
            ErrorKind::Invalid => 2,
            ErrorKind::NotFound => 3,
            ErrorKind::Conflict | ErrorKind::Busy | ErrorKind::TooMany => 4,
            ErrorKind::Unavailable | ErrorKind::Internal => 5,
        }
    }

    /// What the kind means, for `rolehub --help` and the docs.
    pub fn meaning(self) -> &'static str {
        match self {
            ErrorKind::Refused => "refused by a rule (the message names it)",
            ErrorKind::Invalid => "invalid input",
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict with the current state",
            ErrorKind::Busy => "busy: another change held the organization; try again",
            ErrorKind::TooMany => "too many attempts; wait and try again",
            ErrorKind::Unavailable => "the database or another needed part is unavailable",
            ErrorKind::Internal => "an internal error",
        }
    }
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

    /// Its kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ServiceError::Refused(_) => ErrorKind::Refused,
            ServiceError::NotFound { .. } => ErrorKind::NotFound,
            ServiceError::Invalid { .. } => ErrorKind::Invalid,
            ServiceError::Conflict(_) => ErrorKind::Conflict,
            ServiceError::Busy { .. } => ErrorKind::Busy,
            ServiceError::TooMany { .. } => ErrorKind::TooMany,
            ServiceError::Unavailable(_) => ErrorKind::Unavailable,
            ServiceError::Internal(_) => ErrorKind::Internal,
        }
    }

    /// Seconds after which the same request may work, for busy and too-many errors.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ServiceError::Busy { retry_after, .. } | ServiceError::TooMany { retry_after, .. } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }

    /// The refusal, if a rule refused.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            ServiceError::Refused(r) => Some(r),
            _ => None,
        }
    }

    /// The message as a person reads it, in their language where a rule refused. Internal errors
    /// say only that something went wrong: their details are for the logs.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ServiceError::Refused(r) => r.message(lang),
            ServiceError::Internal(_) => match lang {
                Lang::En => "Something went wrong on our side; the tracking id helps us find it.",
                Lang::Nl => {
                    "Er ging aan onze kant iets mis; met het tracking-id kunnen we het terugvinden."
                }
            }
            .into(),
            ServiceError::Unavailable(_) => match lang {
                Lang::En => "The service cannot reach what it needs right now; try again in a moment.",
                Lang::Nl => "De dienst kan er op dit moment niet bij wat hij nodig heeft; probeer het zo opnieuw.",
            }
            .into(),
            other => other.to_string(),
        }
    }
}

impl From<Refusal> for ServiceError {
    fn from(r: Refusal) -> Self {
        ServiceError::Refused(r)
    }
}

/// Database errors, mapped once: contention to [`ServiceError::Busy`], lost connections to
/// [`ServiceError::Unavailable`], a violated uniqueness to [`ServiceError::Conflict`], the rest to
/// [`ServiceError::Internal`].
impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                match code.as_ref() {
                    // PostgreSQL: serialization failure, deadlock, lock not available; SQLite:
                    // busy, locked (and their extended codes).
                    "40001" | "40P01" | "55P03" | "5" | "6" | "261" | "262" | "517" => {
                        ServiceError::Busy {
                            retry_after: 1,
                            message: "another change to this organization happened at the same time; try again".into(),
                        }
                    }
                    // PostgreSQL unique_violation; SQLite constraint (unique / primary key).
                    "23505" | "2067" | "1555" => ServiceError::Conflict(
                        "this conflicts with something that exists already".into(),
                    ),
                    // PostgreSQL: too many connections, cannot connect now, admin shutdown.
                    "53300" | "57P03" | "57P01" => ServiceError::Unavailable(e.to_string()),
                    _ => ServiceError::Internal(e.to_string()),
                }
            }
            sqlx::Error::PoolTimedOut => ServiceError::Busy {
                retry_after: 1,
                message: "the server is handling many requests; try again".into(),
            },
            sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => ServiceError::Unavailable(e.to_string()),
            _ => ServiceError::Internal(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for ServiceError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        ServiceError::Unavailable(format!(
            "the database schema cannot be brought up to date: {e}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_status_and_one_exit_code() {
        for kind in ErrorKind::ALL {
            assert!((400..600).contains(&kind.http_status()), "{kind:?}");
            assert!((1..=5).contains(&kind.exit_code()), "{kind:?}");
            assert!(!kind.meaning().is_empty());
        }
        assert_eq!(ErrorKind::Refused.http_status(), 403);
        assert_eq!(ErrorKind::Refused.exit_code(), 1);
    }

    #[test]
    fn internal_details_are_not_shown_to_people() {
        let e = ServiceError::Internal("relation \"grants\" does not exist".into());
        assert!(!e.message(Lang::En).contains("grants"));
        assert!(!e.message(Lang::Nl).contains("grants"));
    }
}
