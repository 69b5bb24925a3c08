//! Opening the database: SQLite (embedded, the default) or PostgreSQL, chosen by the URL, with the
//! schema brought up to date. Both run the same queries through sqlx's `Any` driver; the SQL is
//! kept to what both understand (`$1` parameters, integers for booleans and instants).

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{install_default_drivers, AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor, Row};

use crate::error::ServiceError;

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
                format!("`{url}` is not a database URL; use `sqlite://PATH` or `postgres://…`"),
            ))
        }
    }
}

/// One migration: its number, name and SQL per backend.
struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sqlite: include_str!("../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "audit_head",
        sqlite: include_str!("../migrations/sqlite/0002_audit_head.sql"),
        postgres: include_str!("../migrations/postgres/0002_audit_head.sql"),
    },
    Migration {
        version: 3,
        name: "auth",
        sqlite: include_str!("../migrations/sqlite/0003_auth.sql"),
        postgres: include_str!("../migrations/postgres/0003_auth.sql"),
    },
    Migration {
        version: 4,
        name: "sign_in_attempts",
        sqlite: include_str!("../migrations/sqlite/0004_sign_in_attempts.sql"),
        postgres: include_str!("../migrations/postgres/0004_sign_in_attempts.sql"),
    },
];

/// An open database.
#[derive(Clone, Debug)]
pub struct Db {
    /// The connection pool.
    pub pool: AnyPool,
    /// Which database it is.
    pub backend: Backend,
}

impl Db {
    /// Opens (creating an SQLite file if needed) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Db, ServiceError> {
        let db = Db::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// A fresh in-memory SQLite database, migrated: one connection, so every query sees the same
    /// database.
    pub async fn in_memory() -> Result<Db, ServiceError> {
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
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Db, ServiceError> {
        install_default_drivers();
        let backend = Backend::of_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; the busy timeout makes a
                        // second writer wait for the first instead of failing.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db { pool, backend })
    }

    /// Applies the migrations not yet applied, each in its own transaction.
    pub async fn migrate(&self) -> Result<(), ServiceError> {
        self.pool
            .execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )
            .await?;
        for migration in MIGRATIONS {
            let mut conn = self.pool.acquire().await?;
            let mut tx = conn.begin().await?;
            let done: i64 =
                sqlx::query("SELECT COUNT(*) AS n FROM schema_migrations WHERE version = $1")
                    .bind(migration.version)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?;
            if done > 0 {
                continue;
            }
            let sql = match self.backend {
                Backend::Sqlite => migration.sqlite,
                Backend::Postgres => migration.postgres,
            };
            for statement in sql
                .split(';')
                .map(str::trim)
                .filter(|s| !strip_comments(s).is_empty())
            {
                tx.execute(statement).await?;
            }
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(migration.version)
            .bind(migration.name)
            .bind(crate::clock::system_now().0)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

fn strip_comments(statement: &str) -> String {
    statement
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}
