//! How a command ends: its exit code, from the same table as the API's statuses
//! ([`rolehub_store::ErrorKind`]), and the message it prints.

use rolehub_domain::Lang;
use rolehub_store::{ErrorKind, ServiceError};

/// How a command ended, as a process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Done.
    Ok = 0,
    /// A rule refused, or a scenario failed.
    Refused = 1,
    /// Invalid input or an unreadable file.
    Invalid = 2,
    /// Something named does not exist.
    NotFound = 3,
    /// Conflict with the current state, busy, or too many attempts.
    Conflict = 4,
    /// Database, I/O or internal failure.
    Failure = 5,
}

impl Exit {
    /// The exit of an error kind.
    pub fn of(kind: ErrorKind) -> Exit {
        match kind.exit_code() {
            1 => Exit::Refused,
            2 => Exit::Invalid,
            3 => Exit::NotFound,
            4 => Exit::Conflict,
            _ => Exit::Failure,
        }
    }

    /// The code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// The exit codes as `rolehub --help` lists them, built from the table.
pub fn help_text() -> String {
    let mut lines = vec!["Exit codes:".to_string(), "  0  done".to_string()];
    for code in 1..=5u8 {
        let meanings: Vec<&str> = ErrorKind::ALL
            .iter()
            .filter(|k| k.exit_code() == code)
            .map(|k| k.meaning())
            .collect();
        let extra = if code == 1 {
            "; or a scenario failed"
        } else if code == 2 {
            "; or a file that cannot be read"
        } else {
            ""
        };
        lines.push(format!("  {code}  {}{extra}", meanings.join("; ")));
    }
    lines.join("\n")
}

/// A command's failure: what to print and how to exit.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub exit: Exit,
    /// The message, printed after `error: `.
    pub message: String,
}

impl Failure {
    /// Invalid input.
    pub fn invalid(message: impl Into<String>) -> Failure {
        Failure {
            exit: Exit::Invalid,
            message: message.into(),
        }
    }
}

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Failure {
        let message = match &e {
            ServiceError::Refused(r) => format!("refused: {}", r.message(Lang::En)),
            ServiceError::Internal(_) | ServiceError::Unavailable(_) => e.to_string(),
            other => other.message(Lang::En),
        };
        Failure {
            exit: Exit::of(e.kind()),
            message,
        }
    }
}

impl From<rolehub_store::world::WorldError> for Failure {
    fn from(e: rolehub_store::world::WorldError) -> Failure {
        Failure::invalid(e.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            // The reader stopped reading (`| head`): it has what it wanted, so the command ends
            // quietly and successfully.
            return Failure {
                exit: Exit::Ok,
                message: String::new(),
            };
        }
        Failure {
            exit: Exit::Failure,
            message: format!("output failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exit_code_of_the_table_is_listed_in_help() {
        let help = help_text();
        for kind in ErrorKind::ALL {
            assert!(help.contains(kind.meaning()), "{help}");
            assert_eq!(Exit::of(kind).code(), kind.exit_code());
        }
    }
}
