//! Rolehub's domain: the role catalogue, the permission matrix, the rules and their decisions.
//!
//! Everything here is plain data and pure functions: no I/O, no async, no database types. The
//! service layer loads the facts a decision needs, asks this crate, and writes what it answers.

pub mod area;
pub mod change;
pub mod decision;
pub mod lang;
pub mod license;
pub mod matrix;
pub mod model;
pub mod ops;
pub mod refusal;
pub mod role;
pub mod rule;
pub mod text;
pub mod time;

pub use area::{Area, Level};
pub use decision::{decide, Decision, Target};
pub use lang::Lang;
pub use license::License;
pub use matrix::Relation;
pub use model::*;
pub use refusal::{Reason, Refusal, Warning};
pub use role::{Role, ScopeKind};
pub use rule::RuleId;
pub use text::{quoted, Text};
pub use time::Timestamp;
