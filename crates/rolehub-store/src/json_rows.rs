//! Reading many rows as one row of JSON, the same way on both databases.
//!
//! sqlx's `Any` driver turns every row into values of its own, column by column, and SQLite's
//! driver first hands each row over from its own thread. For a page of 100 people that cost more
//! than the query itself, on either database. Asked instead for one row holding a JSON array (one
//! array per row, in the order of the columns named), the answer crosses once and serde reads it.
//!
//! The two databases spell the same thing differently; this module is the one place that knows
//! how. Neither aggregate's order is relied on: callers sort what they read.

use serde::de::DeserializeOwned;
use sqlx::any::AnyArguments;
use sqlx::{Any, AnyConnection, Row};

use crate::error::ServiceError;

/// How one database writes JSON arrays and aggregates them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonSql {
    /// `json_array`, `json_group_array`.
    Sqlite,
    /// `json_build_array`, `json_agg`.
    Postgres,
}

impl JsonSql {
    /// The dialect of the connection's database.
    pub(crate) fn of(conn: &AnyConnection) -> JsonSql {
        if conn.backend_name() == "SQLite" {
            JsonSql::Sqlite
        } else {
            JsonSql::Postgres
        }
    }

    /// A JSON array of the comma-separated SQL expressions `items`.
    pub(crate) fn array(self, items: &str) -> String {
        match self {
            JsonSql::Sqlite => format!("json_array({items})"),
            JsonSql::Postgres => format!("json_build_array({items})"),
        }
    }

    /// A correlated subquery's JSON answer, used as an item of [`JsonSql::array`].
    pub(crate) fn nested(self, subquery: &str) -> String {
        match self {
            // A value leaving a subquery loses SQLite's mark that it is JSON; `json()` restores it.
            JsonSql::Sqlite => format!("json(({subquery}))"),
            JsonSql::Postgres => format!("({subquery})"),
        }
    }

    /// The JSON array of `element` over the rows of a subquery (`FROM … WHERE …`), in no
    /// particular order; SQL `NULL` when there are none on PostgreSQL, `[]` on SQLite.
    pub(crate) fn aggregate(self, element: &str) -> String {
        match self {
            JsonSql::Sqlite => format!("json_group_array({element})"),
            JsonSql::Postgres => format!("json_agg({element})"),
        }
    }

    /// `SELECT` of one text: the JSON array of `element` over the rows of `from` (a `FROM … WHERE
    /// …` clause, without `ORDER BY` or `LIMIT`); `[]` when there are none.
    pub(crate) fn select_all(self, element: &str, from: &str) -> String {
        match self {
            JsonSql::Sqlite => format!("SELECT json_group_array({element}) {from}"),
            JsonSql::Postgres => {
                format!("SELECT COALESCE(json_agg({element})::text, '[]') {from}")
            }
        }
    }

    /// `SELECT` of one text: the JSON array of `element` over the rows of `from`, which may end in
    /// `ORDER BY … LIMIT …` (a page), since the aggregate is taken over it as a subquery.
    pub(crate) fn select_page(self, element: &str, from: &str) -> String {
        match self {
            // A value leaving a subquery loses SQLite's mark that it is JSON; `json()` restores it.
            JsonSql::Sqlite => {
                format!("SELECT json_group_array(json(j)) FROM (SELECT {element} AS j {from})")
            }
            JsonSql::Postgres => format!(
                "SELECT COALESCE(json_agg(j)::text, '[]') FROM (SELECT {element} AS j {from}) AS page"
            ),
        }
    }
}

/// Runs a query built by [`JsonSql::select_all`] or [`JsonSql::select_page`] and reads its rows;
/// `what` names them in the error a malformed answer gives.
pub(crate) async fn fetch<'q, T: DeserializeOwned>(
    conn: &mut AnyConnection,
    query: sqlx::query::Query<'q, Any, AnyArguments<'q>>,
    what: &str,
) -> Result<Vec<T>, ServiceError> {
    let text: String = query.fetch_one(&mut *conn).await?.try_get(0)?;
    serde_json::from_str(&text).map_err(|e| ServiceError::Internal(format!("{what}: {e}")))
}
