//! Opening the database: SQLite (embedded, the default) or PostgreSQL, chosen by the URL, with the
//! schema brought up to date by sqlx's migrator. Both run the same queries through sqlx's `Any`
//! driver; the SQL is kept to what both understand (`$1` parameters, integers for booleans and
//! instants). Nothing outside this crate sees a pool or a connection.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{install_default_drivers, AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migrate, MigrateError, Migration, MigrationSource, MigrationType, Migrator};
use sqlx::{AnyPool, Executor, Row};

use rolehub_domain::{quoted, Lang};

use crate::error::{ServiceError, Text};

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The backend a URL names, or an error that says which URLs work.
    pub fn of_url(url: &str) -> Result<Backend, ServiceError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(ServiceError::invalid(
                "db",
                Text::by_lang(|lang| match lang {
                    Lang::En => format!(
                        "{} is not a database URL; use {} or {}",
                        quoted(url),
                        quoted("sqlite://PATH"),
                        quoted("postgres://…")
                    ),
                    Lang::Nl => format!(
                        "{} is geen database-URL; gebruik {} of {}",
                        quoted(url),
                        quoted("sqlite://PAD"),
                        quoted("postgres://…")
                    ),
                }),
            ))
        }
    }
}

/// The migrations of one backend, compiled in: (version, description, SQL).
type Embedded = &'static [(i64, &'static str, &'static str)];

const SQLITE: Embedded = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "audit head",
        include_str!("../migrations/sqlite/0002_audit_head.sql"),
    ),
    (
        3,
        "auth",
        include_str!("../migrations/sqlite/0003_auth.sql"),
    ),
    (
        4,
        "sign in attempts",
        include_str!("../migrations/sqlite/0004_sign_in_attempts.sql"),
    ),
    (
        5,
        "uploads and jobs",
        include_str!("../migrations/sqlite/0005_uploads_and_jobs.sql"),
    ),
    (
        6,
        "audit append only",
        include_str!("../migrations/sqlite/0006_audit_append_only.sql"),
    ),
    (
        7,
        "provisioning",
        include_str!("../migrations/sqlite/0007_provisioning.sql"),
    ),
    (
        8,
        "sign in methods",
        include_str!("../migrations/sqlite/0008_sign_in_methods.sql"),
    ),
];

const POSTGRES: Embedded = &[
    (
        1,
        "init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "audit head",
        include_str!("../migrations/postgres/0002_audit_head.sql"),
    ),
    (
        3,
        "auth",
        include_str!("../migrations/postgres/0003_auth.sql"),
    ),
    (
        4,
        "sign in attempts",
        include_str!("../migrations/postgres/0004_sign_in_attempts.sql"),
    ),
    (
        5,
        "uploads and jobs",
        include_str!("../migrations/postgres/0005_uploads_and_jobs.sql"),
    ),
    (
        6,
        "audit append only",
        include_str!("../migrations/postgres/0006_audit_append_only.sql"),
    ),
    (
        7,
        "provisioning",
        include_str!("../migrations/postgres/0007_provisioning.sql"),
    ),
    (
        8,
        "sign in methods",
        include_str!("../migrations/postgres/0008_sign_in_methods.sql"),
    ),
    (
        9,
        "org change notices",
        include_str!("../migrations/postgres/0009_org_change_notices.sql"),
    ),
];

/// The compiled-in migrations as a source for sqlx's migrator, which keeps their checksums.
#[derive(Debug)]
struct Compiled(Embedded);

impl MigrationSource<'static> for Compiled {
    fn resolve(
        self,
    ) -> Pin<
        Box<
            dyn Future<Output = Result<Vec<Migration>, Box<dyn std::error::Error + Send + Sync>>>
                + Send
                + 'static,
        >,
    > {
        let migrations = self
            .0
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    (*sql).into(),
                    false,
                )
            })
            .collect();
        Box::pin(async move { Ok(migrations) })
    }
}

/// How big the pool is and how long a request waits for a connection.
#[derive(Clone, Debug)]
pub struct PoolOptions {
    /// Connections at most (0: 4 for SQLite, 10 for PostgreSQL).
    pub max_connections: u32,
    /// How long a request waits for a free connection.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_connections: 0,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

/// An open database.
#[derive(Clone, Debug)]
pub(crate) struct Db {
    /// The connection pool.
    pub(crate) pool: AnyPool,
    /// Which database it is.
    pub(crate) backend: Backend,
    /// The URL it was opened with, for a connection of its own (PostgreSQL's change notices);
    /// none for in-memory SQLite.
    pub(crate) url: Option<String>,
}

impl Db {
    /// Opens (creating an SQLite file if needed) and migrates the database at `url`.
    pub(crate) async fn open(url: &str, options: &PoolOptions) -> Result<Db, ServiceError> {
        let db = Db::connect(url, options).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// A fresh in-memory SQLite database, migrated: one connection, so every query sees the same
    /// database.
    pub(crate) async fn in_memory() -> Result<Db, ServiceError> {
        install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    Ok(())
                })
            })
            .connect("sqlite::memory:")
            .await?;
        let db = Db {
            pool,
            backend: Backend::Sqlite,
            url: None,
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Connects without migrating.
    pub(crate) async fn connect(url: &str, options: &PoolOptions) -> Result<Db, ServiceError> {
        install_default_drivers();
        let backend = Backend::of_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let connect_options = AnyConnectOptions::from_str(&url).map_err(|e| {
            ServiceError::invalid(
                "db",
                Text::new(
                    format!("the database URL cannot be read: {e}"),
                    format!("de database-URL is niet te lezen: {e}"),
                ),
            )
        })?;
        let max = match (options.max_connections, backend) {
            (0, Backend::Sqlite) => 4,
            (0, Backend::Postgres) => 10,
            (n, _) => n,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(options.acquire_timeout)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; the busy timeout makes a
                        // second writer wait for the first instead of failing.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        // 16 MiB of pages per connection instead of SQLite's 2 MiB: a bulk change
                        // writes into several indexes of tables of hundreds of megabytes, and
                        // re-reading their pages from the file halved its speed.
                        conn.execute("PRAGMA cache_size = -16384").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect_options)
            .await?;
        Ok(Db {
            pool,
            backend,
            url: Some(url),
        })
    }

    /// Brings the schema up to date with sqlx's migrator: every migration once, in order, each in
    /// its own transaction, recorded with its checksum, so that a migration edited after it was
    /// applied is refused at start-up.
    pub(crate) async fn migrate(&self) -> Result<(), ServiceError> {
        let source = match self.backend {
            Backend::Sqlite => Compiled(SQLITE),
            Backend::Postgres => Compiled(POSTGRES),
        };
        let migrator = Migrator::new(source).await?;
        self.adopt_legacy_record(&migrator).await?;
        migrator.run(&self.pool).await.map_err(|e| match e {
            MigrateError::VersionMismatch(version) => ServiceError::Unavailable(format!(
                "migration {version} was changed after it was applied to this database; \
                 migrations are only ever added, never edited: restore migration {version} as it was \
                 and add a new one instead"
            )),
            MigrateError::VersionMissing(version) => ServiceError::Unavailable(format!(
                "this database was migrated by a newer Rolehub (it has migration {version}, which \
                 this version does not know); run the newer version"
            )),
            other => other.into(),
        })
    }

    /// Databases created before the schema moved to sqlx's migrator kept their own record
    /// (`schema_migrations`); its versions are taken over, with their checksums, once.
    async fn adopt_legacy_record(&self, migrator: &Migrator) -> Result<(), ServiceError> {
        let legacy_exists = match self.backend {
            Backend::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            Backend::Postgres => "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = 'schema_migrations' AND table_schema = current_schema()",
        };
        let n: i64 = sqlx::query(legacy_exists)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        if n == 0 {
            return Ok(());
        }
        let mut conn = self.pool.acquire().await?;
        conn.ensure_migrations_table().await?;
        let applied: Vec<i64> =
            sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get("version"))
                .collect::<Result<_, _>>()?;
        for version in applied {
            let Some(m) = migrator.iter().find(|m| m.version == version) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ($1, $2, $3, $4, 0)",
            )
            .bind(version)
            .bind(m.description.to_string())
            .bind(true)
            .bind(m.checksum.to_vec())
            .execute(&mut *conn)
            .await?;
        }
        conn.execute("DROP TABLE schema_migrations").await?;
        Ok(())
    }
}
