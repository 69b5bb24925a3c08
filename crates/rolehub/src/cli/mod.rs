//! The operator CLI: every change goes through the service layer and its audit log, with the
//! operator named by `--as` recorded as the actor.

mod commands;
pub mod demo;
pub mod exit;
pub mod gen;
pub mod output;
mod serve;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use commands::run;

/// Rolehub: administrator roles for multi-tenant organizations, enforced and explained.
#[derive(Parser, Debug)]
#[command(name = "rolehub", version, about, long_about, after_help = exit::help_text())]
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
    /// Runs the server: the REST API (and the web console) on one address.
    Serve(ServeArgs),
    /// Applies the database migrations (also done at every start).
    Migrate,
    /// Personal access tokens for scripts.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The mail outbox (invitations), for machines without a mail server.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
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

/// `serve` arguments.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "ROLEHUB_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Load the demo world when the database is empty, and print how to sign in.
    #[arg(long)]
    pub demo: bool,
    /// The address people reach the server at (for links in invitation mail).
    #[arg(long, env = "ROLEHUB_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest JSON request body, in bytes.
    #[arg(long, env = "ROLEHUB_JSON_LIMIT", default_value_t = 64 * 1024)]
    pub json_limit: usize,
    /// Largest CSV upload, in bytes.
    #[arg(long, env = "ROLEHUB_CSV_LIMIT", default_value_t = 32 * 1024 * 1024)]
    pub csv_limit: usize,
    /// Seconds a request may take.
    #[arg(long, env = "ROLEHUB_REQUEST_TIMEOUT", default_value_t = 60)]
    pub request_timeout: u64,
    /// Mark cookies `Secure` (set when served over TLS, e.g. behind a TLS proxy).
    #[arg(long, env = "ROLEHUB_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// SMTP relay `HOST[:PORT]` for invitation mail (plain SMTP, e.g. a local relay); without it mail
    /// stays in the outbox (`rolehub mail list`).
    #[arg(long, env = "ROLEHUB_SMTP")]
    pub smtp: Option<String>,
    /// SMTP login `USER:PASSWORD`.
    #[arg(long, env = "ROLEHUB_SMTP_LOGIN", hide_env_values = true)]
    pub smtp_login: Option<String>,
    /// The sender address of mail.
    #[arg(
        long,
        env = "ROLEHUB_MAIL_FROM",
        default_value = "Rolehub <rolehub@localhost>"
    )]
    pub mail_from: String,
}

/// `token` commands.
#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Creates a personal access token for a person and prints it once.
    Create {
        /// The person's email.
        #[arg(long)]
        email: String,
        /// Days it lives.
        #[arg(long, default_value_t = 30)]
        ttl_days: i64,
        /// `read` or `write`.
        #[arg(long, default_value = "write")]
        scope: String,
        /// A name to recognise it by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

/// `mail` commands.
#[derive(Subcommand, Debug)]
pub enum MailCommand {
    /// Lists the outbox, newest first.
    List {
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: i64,
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
