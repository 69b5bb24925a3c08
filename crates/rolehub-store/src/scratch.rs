//! Throwaway databases for tests and the scenario runner: in-memory SQLite, a temporary SQLite file,
//! or a fresh schema on a PostgreSQL server, dropped afterwards.

use sqlx::Executor;

use crate::db::{Backend, Db, PoolOptions};
use crate::error::ServiceError;
use crate::service::{Options, Service};

/// A database that lives for one test or scenario.
pub struct Scratch {
    db: Db,
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Nothing,
    File(std::path::PathBuf),
    Schema { url: String, schema: String },
}

impl Scratch {
    /// In-memory SQLite: one connection, gone when closed.
    pub async fn memory() -> Result<Scratch, ServiceError> {
        Ok(Scratch {
            db: Db::in_memory().await?,
            url: "sqlite::memory:".into(),
            cleanup: Cleanup::Nothing,
        })
    }

    /// A temporary SQLite file in WAL mode with a pool of connections: for concurrency tests.
    pub async fn sqlite_file() -> Result<Scratch, ServiceError> {
        let path =
            std::env::temp_dir().join(format!("rolehub-scratch-{}.db", crate::service::new_id()));
        let url = format!("sqlite://{}", path.display());
        let db = Db::open(&url, &PoolOptions::default()).await?;
        Ok(Scratch {
            db,
            url,
            cleanup: Cleanup::File(path),
        })
    }

    /// A fresh schema in the PostgreSQL database `url` names.
    pub async fn postgres(url: &str) -> Result<Scratch, ServiceError> {
        let schema = format!("rolehub_scratch_{}", crate::service::new_id());
        let admin = Db::connect(url, &PoolOptions::default()).await?;
        admin
            .pool
            .execute(format!("CREATE SCHEMA {schema}").as_str())
            .await?;
        admin.pool.close().await;
        let sep = if url.contains('?') { '&' } else { '?' };
        let schema_url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
        let db = Db::open(&schema_url, &PoolOptions::default()).await?;
        Ok(Scratch {
            db,
            url: schema_url,
            cleanup: Cleanup::Schema {
                url: url.to_string(),
                schema,
            },
        })
    }

    /// For a URL: a PostgreSQL schema for `postgres://` URLs, otherwise in-memory SQLite.
    pub async fn for_url(url: Option<&str>) -> Result<Scratch, ServiceError> {
        match url {
            Some(url) if Backend::of_url(url)? == Backend::Postgres => Scratch::postgres(url).await,
            _ => Scratch::memory().await,
        }
    }

    /// A service over this database.
    pub fn service(&self) -> Service {
        Service::over(self.db.clone(), &Options::default())
    }

    /// A service over this database with options.
    pub fn service_with(&self, options: &Options) -> Service {
        Service::over(self.db.clone(), options)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.db.backend
    }

    /// The URL another process opens this database with (an in-memory one is private).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes the database and removes what it left behind.
    pub async fn close(self) {
        self.db.pool.close().await;
        match self.cleanup {
            Cleanup::Nothing => {}
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Schema { url, schema } => {
                if let Ok(admin) = Db::connect(&url, &PoolOptions::default()).await {
                    let _ = admin
                        .pool
                        .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
                        .await;
                    admin.pool.close().await;
                }
            }
        }
    }
}
