//! Rolehub's service layer: every operation as one database transaction with its audit event, on
//! SQLite or PostgreSQL through the same code.

pub mod audit;
pub mod clock;
pub mod db;
pub mod directory;
pub mod error;
pub mod load;
pub mod passwords;
pub mod scratch;
pub mod service;
pub mod setup;
pub mod throttle;

pub use db::{Backend, Db};
pub use error::ServiceError;
pub use service::{ChangeOutcome, Ctx, Service};
