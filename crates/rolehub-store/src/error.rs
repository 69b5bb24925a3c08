//! The service layer's one error vocabulary, and the one table that turns each kind into an HTTP
//! status and a process exit code. Database errors are mapped here, at the store's boundary, so no
//! interface ever sees a driver's error or decodes a database's error codes.

pub use rolehub_domain::Text;
use rolehub_domain::{Lang, Refusal};
pub use thing::Thing;

mod thing;

/// Why a service operation did not happen.
///
/// Every message a person reads is a [`Text`], worded in English and Dutch where the error is
/// made; [`ServiceError::message`] picks the reader's language, and `Display` (logs, the CLI) is
/// the English.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A rule refused it; the refusal names the rule.
    #[error("{0}")]
    Refused(Refusal),
    /// Something named does not exist (or is not visible to the caller).
    #[error("{}", .what.not_found(.key.get(Lang::En), Lang::En))]
    NotFound {
        /// What kind of thing.
        what: Thing,
        /// The name or id given (empty when there is none to name); a text, since a key may be
        /// worded (a role of a person).
        key: Text,
    },
    /// A value is malformed or out of range.
    #[error("{field}: {message}")]
    Invalid {
        /// Where: an API field name (the same in every language), or a place in a file
        /// (`row N`, `line L`) in each language.
        field: Text,
        /// What is wrong.
        message: Text,
    },
    /// The request conflicts with the current state (an existing email, a user not pending, …).
    #[error("{0}")]
    Conflict(Text),
    /// Another change held what this one needed; the same request a moment later will work.
    #[error("{message}")]
    Busy {
        /// Seconds to wait.
        retry_after: u64,
        /// What was busy.
        message: Text,
    },
    /// Too many requests of this kind right now; `retry_after` seconds from now it may work.
    #[error("{message}")]
    TooMany {
        /// Seconds to wait.
        retry_after: u64,
        /// What is limited.
        message: Text,
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
    /// An invalid value of an API field or setting, named as the API and the CLI name it (the
    /// same in every language).
    pub fn invalid(field: impl Into<String>, message: Text) -> ServiceError {
        ServiceError::Invalid {
            field: Text::same(field),
            message,
        }
    }

    /// An invalid value at a place of a file (`row 4`, `line 2`), the place worded per language.
    pub fn invalid_at(place: Text, message: Text) -> ServiceError {
        ServiceError::Invalid {
            field: place,
            message,
        }
    }

    /// A not-found error, naming the thing by the id, email or name given.
    pub fn not_found(what: Thing, key: impl Into<String>) -> ServiceError {
        ServiceError::NotFound {
            what,
            key: Text::same(key),
        }
    }

    /// A conflict with the current state.
    pub fn conflict(en: impl Into<String>, nl: impl Into<String>) -> ServiceError {
        ServiceError::Conflict(Text::new(en, nl))
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

    /// The message as a person reads it, in their language. Internal errors say only that
    /// something went wrong: their details are for the logs.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ServiceError::Refused(r) => r.message(lang),
            ServiceError::NotFound { what, key } => what.not_found(key.get(lang), lang),
            ServiceError::Invalid { field, message } => {
                format!("{}: {}", field.get(lang), message.get(lang))
            }
            ServiceError::Conflict(message)
            | ServiceError::Busy { message, .. }
            | ServiceError::TooMany { message, .. } => message.get(lang).to_string(),
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
                            message: Text::new(
                                "another change to this organization happened at the same time; try again",
                                "er gebeurde tegelijk een andere wijziging in deze organisatie; probeer het opnieuw",
                            ),
                        }
                    }
                    // PostgreSQL unique_violation; SQLite constraint (unique / primary key).
                    "23505" | "2067" | "1555" => ServiceError::conflict(
                        "this conflicts with something that exists already",
                        "dit botst met iets wat al bestaat",
                    ),
                    // PostgreSQL: too many connections, cannot connect now, admin shutdown.
                    "53300" | "57P03" | "57P01" => ServiceError::Unavailable(e.to_string()),
                    _ => ServiceError::Internal(e.to_string()),
                }
            }
            sqlx::Error::PoolTimedOut => ServiceError::Busy {
                retry_after: 1,
                message: Text::new(
                    "the server is handling many requests; try again",
                    "de server verwerkt veel verzoeken; probeer het opnieuw",
                ),
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

    /// Both wordings of an error: they differ (words were translated), neither shows a value in
    /// backticks, and `Display` is the English.
    fn bilingual(e: &ServiceError) -> (String, String) {
        let (en, nl) = (e.message(Lang::En), e.message(Lang::Nl));
        assert_ne!(en, nl, "no Dutch for {e:?}");
        assert!(!en.contains('`') && !nl.contains('`'), "{en} / {nl}");
        if !matches!(e, ServiceError::Refused(_)) {
            assert_eq!(e.to_string(), en);
        }
        (en, nl)
    }

    #[test]
    fn every_not_found_names_its_thing_in_dutch() {
        for what in Thing::ALL {
            for key in ["", "x.example"] {
                let (en, nl) = bilingual(&ServiceError::not_found(what, key));
                // A grant's key is worded (a role of a person), not a value to quote.
                if !key.is_empty() && what != Thing::Grant {
                    assert!(
                        en.contains("“x.example”") && nl.contains("“x.example”"),
                        "{nl}"
                    );
                }
            }
        }
        let (_, nl) = bilingual(&ServiceError::not_found(Thing::Site, "acme.webex.com"));
        assert_eq!(nl, "site “acme.webex.com” is niet gevonden");
        let (_, nl) = bilingual(&ServiceError::not_found(Thing::Token, ""));
        assert_eq!(nl, "het token is niet gevonden");
    }

    #[test]
    fn errors_of_the_public_constructors_read_in_dutch() {
        use serde_json::json;

        use crate::service::{parse_area, parse_level, parse_role, validate_email, SettingChange};

        let errors = [
            parse_role("king").map(|_| ()),
            parse_area("moon").map(|_| ()),
            parse_level("all").map(|_| ()),
            validate_email("not-an-address").map(|_| ()),
            crate::service::users::parse_license("gold").map(|_| ()),
            SettingChange::parse("colour", &json!("red")).map(|_| ()),
            SettingChange::parse("external_readonly_ttl_days", &json!(0)).map(|_| ()),
            SettingChange::parse("share_with_external_admins", &json!("name")).map(|_| ()),
            SettingChange::parse("share_with_external_admins", &json!([1])).map(|_| ()),
            SettingChange::parse("share_with_external_admins", &json!(["age"])).map(|_| ()),
            SettingChange::parse("mfa_required", &json!("always")).map(|_| ()),
            crate::passwords::hash_password_shape("short"),
            crate::db::Backend::of_url("mysql://db").map(|_| ()),
        ];
        for result in errors {
            let Err(e) = result else {
                panic!("an invalid value was taken");
            };
            assert_eq!(e.kind(), ErrorKind::Invalid, "{e}");
            bilingual(&e);
        }
        let e = parse_role("king").unwrap_err();
        let (en, nl) = bilingual(&e);
        assert!(
            en.starts_with("role: “king” is not a role; roles are full_admin"),
            "{en}"
        );
        assert!(
            nl.starts_with("role: “king” is geen rol; de rollen zijn full_admin"),
            "{nl}"
        );
        let e = SettingChange::parse("external_readonly_ttl_days", &json!("soon")).unwrap_err();
        assert!(
            e.message(Lang::Nl)
                .contains("“soon” is geen heel aantal dagen"),
            "{e}"
        );
    }

    #[test]
    fn database_contention_and_places_in_files_read_in_dutch() {
        for e in [
            ServiceError::from(sqlx::Error::PoolTimedOut),
            ServiceError::conflict("this exists already", "dit bestaat al"),
            ServiceError::invalid_at(
                Text::new("row 4", "rij 4"),
                Text::new("too many rows", "te veel rijen"),
            ),
        ] {
            bilingual(&e);
        }
        let e = ServiceError::invalid_at(
            Text::new("row 4", "rij 4"),
            Text::new("too many rows", "te veel rijen"),
        );
        assert_eq!(e.to_string(), "row 4: too many rows");
        assert_eq!(e.message(Lang::Nl), "rij 4: te veel rijen");
        // An API field name is the same in every language.
        let e = ServiceError::invalid("displayName", Text::new("too long", "te lang"));
        assert_eq!(e.message(Lang::Nl), "displayName: te lang");
        assert_eq!(
            ServiceError::from(sqlx::Error::PoolTimedOut).retry_after(),
            Some(1)
        );
    }

    #[test]
    fn internal_details_are_not_shown_to_people() {
        let e = ServiceError::Internal("relation \"grants\" does not exist".into());
        assert!(!e.message(Lang::En).contains("grants"));
        assert!(!e.message(Lang::Nl).contains("grants"));
    }
}
