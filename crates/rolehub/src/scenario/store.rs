//! A fresh, empty store per scenario: in-memory SQLite, or a throwaway schema on PostgreSQL.

use rolehub_store::{Backend, Db, ServiceError};
use sqlx::Executor;

/// A store that lives for one scenario.
pub struct FreshStore {
    /// The database.
    pub db: Db,
    /// For PostgreSQL: the server URL and the schema to drop afterwards.
    cleanup: Option<(String, String)>,
}

impl FreshStore {
    /// Opens a fresh store: in-memory SQLite without a URL (or with an SQLite URL, which is never
    /// written to), otherwise a new schema in the PostgreSQL database the URL names.
    pub async fn open(url: Option<&str>) -> Result<FreshStore, ServiceError> {
        match url {
            Some(url) if Backend::of_url(url)? == Backend::Postgres => {
                let schema = format!("rolehub_scenario_{}", rolehub_store::service::new_id());
                let admin = Db::connect(url).await?;
                admin
                    .pool
                    .execute(format!("CREATE SCHEMA {schema}").as_str())
                    .await?;
                admin.pool.close().await;
                let sep = if url.contains('?') { '&' } else { '?' };
                let scoped = format!("{url}{sep}options=-c%20search_path%3D{schema}");
                let db = Db::open(&scoped).await?;
                Ok(FreshStore {
                    db,
                    cleanup: Some((url.to_string(), schema)),
                })
            }
            _ => Ok(FreshStore {
                db: Db::in_memory().await?,
                cleanup: None,
            }),
        }
    }

    /// Closes the store and drops a PostgreSQL schema.
    pub async fn close(self) {
        self.db.pool.close().await;
        if let Some((url, schema)) = self.cleanup {
            if let Ok(admin) = Db::connect(&url).await {
                let _ = admin
                    .pool
                    .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
                    .await;
                admin.pool.close().await;
            }
        }
    }
}
