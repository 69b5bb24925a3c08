//! The operator CLI: every change goes through the service layer and its audit log, with the
//! operator named by `--as` recorded as the actor.

mod commands;
pub mod demo;
pub mod gen;
pub mod output;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use commands::run;

/// Rolehub: administrator roles for multi-tenant organizations, enforced and explained.
///
/// Exit codes: 0 done, 1 refused by a rule (the message names it) or a failed scenario,
/// 2 invalid input or an unreadable file, 3 not found, 4 conflict with the current state,
/// 5 database or I/O failure.
#[derive(Parser, Debug)]
#[command(name = "rolehub", version, about, long_about)]
pub struct Cli {
    /// Database URL: `sqlite://PATH` (created when missing) or `postgres://…`.
    #[arg(
        long,
        global = true,
        env = "ROLEHUB_DB",
        default_value = "sqlite://rolehub.db"
    )]
    pub db: String,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Applies the database migrations (also done at every start).
    Migrate,
    /// Loads the demo world into an empty database and prints who to sign in as.
    Demo,
    /// Generates a large synthetic world with bulk inserts, for benchmarks.
    Gen(GenArgs),
    /// Organizations.
    Orgs {
        #[command(subcommand)]
        command: OrgsCommand,
    },
    /// People of an organization.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// The role catalogue and role assignments.
    Roles {
        #[command(subcommand)]
        command: RolesCommand,
    },
    /// External administrators.
    External {
        #[command(subcommand)]
        command: ExternalCommand,
    },
    /// The administrators of an organization.
    Admins {
        #[command(subcommand)]
        command: AdminsCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Conformance scenarios.
    Scenario {
        #[command(subcommand)]
        command: ScenarioCommand,
    },
}

/// `gen` arguments.
#[derive(Args, Debug)]
pub struct GenArgs {
    /// Number of customer orgs.
    #[arg(long, default_value_t = 10)]
    pub orgs: usize,
    /// Users per org.
    #[arg(long, default_value_t = 1000)]
    pub users_per_org: usize,
}

/// Who acts, in which org.
#[derive(Args, Debug)]
pub struct Acting {
    /// The email of the person the change is made as (recorded as the actor).
    #[arg(long = "as", value_name = "EMAIL")]
    pub actor: String,
    /// The org acted in (default: the actor's home org).
    #[arg(long)]
    pub org: Option<String>,
    /// Check everything, change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `orgs` commands.
#[derive(Subcommand, Debug)]
pub enum OrgsCommand {
    /// Lists every organization.
    List,
}

/// `users` commands.
#[derive(Subcommand, Debug)]
pub enum UsersCommand {
    /// Lists people of an org, by email; with `--role`, everyone holding one of the roles there.
    List {
        /// The org.
        #[arg(long)]
        org: String,
        /// Only holders of these roles (repeat or comma-separate).
        #[arg(long = "role", value_delimiter = ',')]
        roles: Vec<String>,
        /// Page size.
        #[arg(long, default_value_t = 100)]
        max: i64,
        /// Start after this email (keyset paging).
        #[arg(long)]
        after: Option<String>,
    },
    /// Changes users with a "modify users" CSV file (all or nothing unless `--partial`).
    Import {
        /// The CSV file.
        file: PathBuf,
        #[command(flatten)]
        acting: Acting,
        /// Apply the valid rows even when other rows have errors.
        #[arg(long)]
        partial: bool,
    },
    /// Writes the modify-users CSV template, pre-filled with the org's users.
    Template {
        #[command(flatten)]
        acting: Acting,
    },
}

/// `roles` commands.
#[derive(Subcommand, Debug)]
pub enum RolesCommand {
    /// The role catalogue.
    List,
    /// Assigns a role.
    Assign {
        #[command(flatten)]
        acting: Acting,
        /// The person's email.
        #[arg(long)]
        person: String,
        /// The role id (see `roles list`).
        #[arg(long)]
        role: String,
        /// The site, for site roles.
        #[arg(long)]
        site: Option<String>,
        /// Locations, for the location role (repeat or comma-separate).
        #[arg(long = "location", value_delimiter = ',')]
        locations: Vec<String>,
        /// An end, RFC 3339.
        #[arg(long)]
        expires_at: Option<String>,
    },
    /// Revokes a role.
    Revoke {
        #[command(flatten)]
        acting: Acting,
        /// The person's email.
        #[arg(long)]
        person: String,
        /// The role id.
        #[arg(long)]
        role: String,
        /// The site, for site roles.
        #[arg(long)]
        site: Option<String>,
    },
}

/// `external` commands.
#[derive(Subcommand, Debug)]
pub enum ExternalCommand {
    /// The email check: who the person is to the org and the roles offered.
    Verify {
        #[command(flatten)]
        acting: Acting,
        /// The email to check.
        #[arg(long)]
        email: String,
    },
    /// Adds an external administrator with a role.
    Add {
        #[command(flatten)]
        acting: Acting,
        /// Their email.
        #[arg(long)]
        email: String,
        /// The role.
        #[arg(long)]
        role: String,
        /// The site, for site roles.
        #[arg(long)]
        site: Option<String>,
    },
    /// Removes every grant an external administrator holds in the org.
    Revoke {
        #[command(flatten)]
        acting: Acting,
        /// Their email.
        #[arg(long)]
        person: String,
    },
}

/// `admins` commands.
#[derive(Subcommand, Debug)]
pub enum AdminsCommand {
    /// Lists the administrators of an org.
    List {
        /// The org.
        #[arg(long)]
        org: String,
        /// Only holders of these roles.
        #[arg(long = "role", value_delimiter = ',')]
        roles: Vec<String>,
    },
    /// Writes the administrators CSV to standard output.
    Export {
        /// The org.
        #[arg(long)]
        org: String,
        /// Only holders of these roles.
        #[arg(long = "role", value_delimiter = ',')]
        roles: Vec<String>,
        /// Export as this person (their view: R-CCSA-9 filtering, R-EXT-10 masking).
        #[arg(long = "as", value_name = "EMAIL")]
        actor: Option<String>,
    },
}

/// Output formats of `audit list`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AuditFormat {
    /// Aligned columns.
    Table,
    /// CSV with a header.
    Csv,
    /// One JSON object per line.
    Ndjson,
}

/// `audit` commands.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Lists events, oldest first.
    List {
        /// Only this org.
        #[arg(long)]
        org: Option<String>,
        /// Only this actor (email).
        #[arg(long)]
        actor: Option<String>,
        /// Only this action or family (`role`, `role.assign`, …).
        #[arg(long)]
        action: Option<String>,
        /// From this time (RFC 3339).
        #[arg(long)]
        from: Option<String>,
        /// Before this time (RFC 3339).
        #[arg(long)]
        to: Option<String>,
        /// At most this many.
        #[arg(long)]
        limit: Option<i64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
        format: AuditFormat,
    },
    /// Verifies the hash chains; exits non-zero naming the first bad event.
    Verify {
        /// Only this org.
        #[arg(long)]
        org: Option<String>,
    },
    /// Records an audit event for every grant that has expired since the last sweep.
    Sweep,
}

/// `scenario` commands.
#[derive(Subcommand, Debug)]
pub enum ScenarioCommand {
    /// Runs scenario files (folders are searched for *.json), each on a fresh store: in memory for
    /// SQLite URLs, a throwaway schema for PostgreSQL ones.
    Run {
        /// Scenario files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}
