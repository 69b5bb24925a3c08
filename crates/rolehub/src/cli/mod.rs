//! The operator CLI: every change goes through the service layer and its audit log, with the
//! operator named by `--as` recorded as the actor.

mod checkpoints;
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
#[derive(Parser)]
#[command(name = "rolehub", version, about, long_about, after_help = exit::help_text())]
pub struct Cli {
    /// Database URL: `sqlite://PATH` (created when missing) or `postgres://…` [setting
    /// `database.url`, env ROLEHUB_DB, default `sqlite://rolehub.db`].
    #[arg(long, global = true)]
    pub db: Option<String>,
    /// A TOML file of settings [env ROLEHUB_CONFIG]; see `rolehub config show`.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Sets any setting, overriding the file and the environment (repeatable).
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

impl std::fmt::Debug for Cli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `--set` may carry a secret: its values are never printed.
        f.debug_struct("Cli")
            .field("db", &self.db.as_ref().map(|_| "(set)"))
            .field("config", &self.config)
            .field(
                "set",
                &self
                    .set
                    .iter()
                    .map(|s| s.split('=').next().unwrap_or(""))
                    .collect::<Vec<_>>(),
            )
            .field("json", &self.json)
            .field("command", &self.command)
            .finish()
    }
}

impl Cli {
    /// The settings in effect: defaults, then the TOML file (`--config` or `ROLEHUB_CONFIG`),
    /// then `ROLEHUB_*` variables, then flags.
    pub fn layers(
        &self,
    ) -> Result<rolehub_server::settings::Layers, rolehub_server::settings::SettingsError> {
        use rolehub_server::settings::{Layers, Source};
        let mut layers = Layers::default();
        let file = self
            .config
            .clone()
            .or_else(|| std::env::var_os("ROLEHUB_CONFIG").map(PathBuf::from));
        if let Some(path) = file {
            layers.file(&path)?;
        }
        layers.env(std::env::vars())?;
        if let Some(db) = &self.db {
            layers.set("database.url", db, Source::Flag("--db".into()))?;
        }
        if let Command::Serve(args) = &self.command {
            for (key, value, flag) in args.flags() {
                layers.set(key, &value, Source::Flag(flag.into()))?;
            }
        }
        for pair in &self.set {
            let (key, value) =
                pair.split_once('=')
                    .ok_or_else(|| rolehub_server::settings::SettingsError {
                        key: pair.clone(),
                        origin: Source::Flag("--set".into()),
                        message: "write KEY=VALUE".into(),
                    })?;
            layers.set(key.trim(), value, Source::Flag("--set".into()))?;
        }
        Ok(layers)
    }
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
    /// The settings in effect.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

/// `config` commands.
#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Prints every setting's effective value and where it came from (secrets are not shown).
    Show,
    /// Prints the reference of every setting as Markdown (the text of `docs/settings.md`).
    Reference,
}

/// `serve` arguments. Each flag sets a setting (`rolehub config show` lists them all).
#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on (setting `server.listen`, env ROLEHUB_LISTEN, default 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<String>,
    /// Load the demo world when the database is empty, and print how to sign in.
    #[arg(long)]
    pub demo: bool,
    /// The address people reach the server at (setting `server.public_url`, env ROLEHUB_PUBLIC_URL).
    #[arg(long)]
    pub public_url: Option<String>,
    /// Largest JSON request body, in bytes (setting `server.json_limit_bytes`).
    #[arg(long)]
    pub json_limit: Option<u64>,
    /// Largest CSV upload, in bytes (setting `server.csv_limit_bytes`).
    #[arg(long)]
    pub csv_limit: Option<u64>,
    /// Seconds a request may take (setting `server.request_timeout_secs`).
    #[arg(long)]
    pub request_timeout: Option<u64>,
    /// Mark cookies `Secure` (setting `server.secure_cookies`).
    #[arg(long)]
    pub secure_cookies: bool,
    /// SMTP relay `HOST[:PORT]` for invitation mail (setting `mail.smtp`, env ROLEHUB_SMTP).
    #[arg(long)]
    pub smtp: Option<String>,
    /// SMTP login `USER:PASSWORD` (setting `mail.smtp_login`, env ROLEHUB_SMTP_LOGIN).
    #[arg(long)]
    pub smtp_login: Option<String>,
    /// The sender address of mail (setting `mail.from`).
    #[arg(long)]
    pub mail_from: Option<String>,
    /// `plain` or `json` log lines on standard error (setting `log.format`, env ROLEHUB_LOG_FORMAT).
    #[arg(long)]
    pub log_format: Option<String>,
}

impl std::fmt::Debug for ServeArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The SMTP login holds a password: never printed.
        f.debug_struct("ServeArgs")
            .field("listen", &self.listen)
            .field("demo", &self.demo)
            .field("public_url", &self.public_url)
            .field("smtp", &self.smtp)
            .field(
                "smtp_login",
                &self.smtp_login.as_ref().map(|_| "(not shown)"),
            )
            .finish_non_exhaustive()
    }
}

impl ServeArgs {
    /// The settings the flags give: (key, value, flag).
    pub fn flags(&self) -> Vec<(&'static str, String, &'static str)> {
        let mut out = Vec::new();
        let mut put = |key, value: Option<String>, flag| {
            if let Some(v) = value {
                out.push((key, v, flag));
            }
        };
        put("server.listen", self.listen.clone(), "--listen");
        put("server.public_url", self.public_url.clone(), "--public-url");
        put(
            "server.json_limit_bytes",
            self.json_limit.map(|n| n.to_string()),
            "--json-limit",
        );
        put(
            "server.csv_limit_bytes",
            self.csv_limit.map(|n| n.to_string()),
            "--csv-limit",
        );
        put(
            "server.request_timeout_secs",
            self.request_timeout.map(|n| n.to_string()),
            "--request-timeout",
        );
        put(
            "server.secure_cookies",
            self.secure_cookies.then(|| "true".to_string()),
            "--secure-cookies",
        );
        put("mail.smtp", self.smtp.clone(), "--smtp");
        put("mail.smtp_login", self.smtp_login.clone(), "--smtp-login");
        put("mail.from", self.mail_from.clone(), "--mail-from");
        put("log.format", self.log_format.clone(), "--log-format");
        out
    }
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
        /// `read`, `write`, or `scim`: SCIM provisioning of the person's org only (the person is a
        /// full administrator of it; the audit log names the token as the actor).
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
    /// Administrators per org (the first users, their roles taken in turn from full,
    /// full, read-only, support and user and device administrator).
    #[arg(long, default_value_t = 5)]
    pub admins_per_org: usize,
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
        /// The person's email (`--person` is taken too).
        #[arg(long = "email", alias = "person", value_name = "EMAIL")]
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
        /// The person's email (`--person` is taken too).
        #[arg(long = "email", alias = "person", value_name = "EMAIL")]
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
        /// Their email (`--person` is taken too).
        #[arg(long = "email", alias = "person", value_name = "EMAIL")]
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
    /// Verifies the hash chains; exits non-zero naming the first bad event. With
    /// `--checkpoints`, also checks the log against a file of signed checkpoints (key from
    /// `audit.checkpoint_key_file`): a rewritten chain, removed newest events or a rolled-back
    /// head are reported with the position where the log and a checkpoint part.
    Verify {
        /// Only this org.
        #[arg(long)]
        org: Option<String>,
        /// A checkpoint file (the server's `audit.checkpoint_file`, or a copy shipped elsewhere).
        #[arg(long, value_name = "FILE")]
        checkpoints: Option<std::path::PathBuf>,
    },
    /// Appends a signed checkpoint of every org's audit head to a file now (default: the
    /// `audit.checkpoint_file` setting); the server also does so every
    /// `audit.checkpoint_interval_secs`.
    Checkpoint {
        /// The file to append to.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
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
