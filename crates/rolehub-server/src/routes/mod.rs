//! The API's resource families, one module each.

pub mod audit;
pub mod csv;
pub mod groups;
pub mod jobs;
pub mod orgs;
pub mod people;
pub mod roles;
pub mod session;
