//! The `rolehub` command's library: the scenario runner and the operator CLI.

pub mod cli;
pub mod scenario;
