//! Rolehub's service layer: the one door into the data. Every read and every change is a
//! [`Service`] operation that takes the caller's context, checks the rules, and works in one
//! database transaction with its audit event, on SQLite or PostgreSQL through the same code.
//!
//! Pools, connections, SQL and the audit chain's writer are private to this crate; the
//! interfaces (HTTP API, console, CLI, scenario runner) see operations, read models and one error
//! vocabulary ([`ServiceError`]).

mod audit;
mod batch;
mod caches;
mod changes;
mod db;
mod directory;
mod generate;
mod json_rows;
mod load;
mod op;
mod passwords;
mod throttle;

pub mod checkpoint;
pub mod clock;
pub mod error;
pub mod operator;
pub mod scratch;
pub mod service;
pub mod world;

pub use audit::{Break, EventFilter, StoredEvent};
pub use db::{Backend, PoolOptions};
pub use directory::{LicenseUsage, PersonSummary, Subscription};
pub use error::{ErrorKind, ServiceError, Text, Thing};
pub use generate::user_email as generated_user_email;
pub use load::PersonRecord;
pub use operator::{Counts, Operator};
pub use service::{ChangeOutcome, Ctx, Options, Service};
