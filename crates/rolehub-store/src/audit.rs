//! The append-only audit log, one hash chain per org.
//!
//! Every row carries the hash of the previous row of its org (`prev_hash`) and its own hash over a
//! canonical encoding of its fields and `prev_hash`, so an edited, deleted or reordered row breaks
//! the chain. Rows are appended inside the transaction of the change they record, after the org's
//! row lock was taken, so each org's chain is written by one writer at a time.

use rolehub_domain::{Refusal, Timestamp};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::batch::Marks;
use crate::error::ServiceError;

/// The `prev_hash` of an org's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did something and from where.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The acting person's id.
    pub actor_id: Option<String>,
    /// The acting person's email.
    pub actor_email: Option<String>,
    /// The acting person's home org.
    pub actor_org: Option<String>,
    /// The request's tracking id.
    pub request_id: String,
    /// The client's address.
    pub client_addr: Option<String>,
}

/// An event to append.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent<'a> {
    /// The org the event belongs to.
    pub org_id: &'a str,
    /// When it happened.
    pub at: Timestamp,
    /// What happened, e.g. `role.assign`.
    pub action: &'a str,
    /// The person acted on, if any.
    pub target_id: Option<&'a str>,
    /// Their email.
    pub target_email: Option<&'a str>,
    /// The state before.
    pub before: Option<Value>,
    /// The state after.
    pub after: Option<Value>,
    /// The refusal, for refused attempts.
    pub refusal: Option<&'a Refusal>,
}

/// The fields the hash covers, in a fixed order.
#[derive(Serialize)]
struct Canonical<'a> {
    org_id: &'a str,
    seq: i64,
    at: i64,
    actor_id: Option<&'a str>,
    actor_email: Option<&'a str>,
    actor_org: Option<&'a str>,
    action: &'a str,
    target_id: Option<&'a str>,
    target_email: Option<&'a str>,
    before: Option<&'a str>,
    after: Option<&'a str>,
    outcome: &'a str,
    rule_id: Option<&'a str>,
    message: Option<&'a str>,
    request_id: &'a str,
    client_addr: Option<&'a str>,
    prev_hash: &'a str,
}

impl Canonical<'_> {
    fn hash(&self) -> String {
        let encoded = serde_json::to_vec(self).unwrap_or_default();
        let digest = Sha256::digest(&encoded);
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// An event ready to insert, with its position and hashes.
struct Chained {
    id: String,
    org_id: String,
    seq: i64,
    at: i64,
    origin: Origin,
    action: String,
    target_id: Option<String>,
    target_email: Option<String>,
    before: Option<String>,
    after: Option<String>,
    outcome: &'static str,
    rule_id: Option<&'static str>,
    message: Option<String>,
    prev_hash: String,
    hash: String,
}

/// Links an event after `prev` (position and hash) and computes its hash.
fn chained(origin: &Origin, event: &NewEvent<'_>, seq: i64, prev_hash: String) -> Chained {
    let before = event.before.as_ref().map(Value::to_string);
    let after = event.after.as_ref().map(Value::to_string);
    let rule_id = event.refusal.map(|r| r.rule.id());
    let message = event.refusal.map(|r| r.message(rolehub_domain::Lang::En));
    // `refused` for a rule's refusal, `failed` for failed attempts (`auth.sign_in_failed`), else `ok`.
    let outcome = if event.refusal.is_some() {
        "refused"
    } else if event.action.ends_with("_failed") {
        "failed"
    } else {
        "ok"
    };
    let hash = Canonical {
        org_id: event.org_id,
        seq,
        at: event.at.0,
        actor_id: origin.actor_id.as_deref(),
        actor_email: origin.actor_email.as_deref(),
        actor_org: origin.actor_org.as_deref(),
        action: event.action,
        target_id: event.target_id,
        target_email: event.target_email,
        before: before.as_deref(),
        after: after.as_deref(),
        outcome,
        rule_id,
        message: message.as_deref(),
        request_id: &origin.request_id,
        client_addr: origin.client_addr.as_deref(),
        prev_hash: &prev_hash,
    }
    .hash();
    Chained {
        id: uuid::Uuid::new_v4().to_string(),
        org_id: event.org_id.to_string(),
        seq,
        at: event.at.0,
        origin: origin.clone(),
        action: event.action.to_string(),
        target_id: event.target_id.map(str::to_string),
        target_email: event.target_email.map(str::to_string),
        before,
        after,
        outcome,
        rule_id,
        message,
        prev_hash,
        hash,
    }
}

/// The head of an org's chain: the last position and its hash.
async fn head(conn: &mut AnyConnection, org_id: &str) -> Result<(i64, String), ServiceError> {
    let last = sqlx::query(
        "SELECT seq, hash FROM audit_events WHERE org_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")?,
            row.try_get::<String, _>("hash")?,
        ),
        None => (0, GENESIS.to_string()),
    })
}

/// Every org's newest event, `(org, position, hash)`; position 0 for an org without events.
pub(crate) async fn heads(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, i64, String)>, ServiceError> {
    let orgs: Vec<String> = sqlx::query("SELECT id FROM orgs ORDER BY id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(orgs.len());
    for org in orgs {
        let (seq, hash) = head(conn, &org).await?;
        out.push((org, seq, hash));
    }
    Ok(out)
}

/// The hash of an org's event at a position, if there is one.
pub(crate) async fn hash_at(
    conn: &mut AnyConnection,
    org_id: &str,
    seq: i64,
) -> Result<Option<String>, ServiceError> {
    let row = sqlx::query("SELECT hash FROM audit_events WHERE org_id = $1 AND seq = $2")
        .bind(org_id.to_string())
        .bind(seq)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("hash")?),
        None => None,
    })
}

/// The position of an org's newest event (0: none).
pub(crate) async fn ends_at(conn: &mut AnyConnection, org_id: &str) -> Result<i64, ServiceError> {
    Ok(head(conn, org_id).await?.0)
}

/// Inserts chained rows, a chunk per statement, and moves the org's head to the last.
async fn insert(conn: &mut AnyConnection, rows: &[Chained]) -> Result<(), ServiceError> {
    const COLUMNS: usize = 19;
    let marks = Marks::of(conn);
    if conn.backend_name() == "SQLite" && rows.len() > 1 {
        // Many events at once (a file's changes): each chunk goes in as one JSON parameter that
        // SQLite takes apart itself, instead of 19 parameters per event, each bound and copied
        // by the driver.
        for chunk in rows.chunks(5_000) {
            let values: Vec<serde_json::Value> = chunk
                .iter()
                .map(|r| {
                    serde_json::json!([
                        r.id,
                        r.org_id,
                        r.seq,
                        r.at,
                        r.origin.actor_id,
                        r.origin.actor_email,
                        r.origin.actor_org,
                        r.action,
                        r.target_id,
                        r.target_email,
                        r.before,
                        r.after,
                        r.outcome,
                        r.rule_id,
                        r.message,
                        r.origin.request_id,
                        r.origin.client_addr,
                        r.prev_hash,
                        r.hash
                    ])
                })
                .collect();
            let columns: Vec<String> = (0..COLUMNS)
                .map(|i| format!("json_extract(value, '$[{i}]')"))
                .collect();
            sqlx::query(&format!(
                "INSERT INTO audit_events (id, org_id, seq, at, actor_id, actor_email, actor_org, action, target_id, \
                 target_email, before_json, after_json, outcome, rule_id, message, request_id, client_addr, prev_hash, hash) \
                 SELECT {} FROM json_each($1) ORDER BY key",
                columns.join(", ")
            ))
            .bind(serde_json::Value::Array(values).to_string())
            .execute(&mut *conn)
            .await?;
        }
        return set_head(conn, rows).await;
    }
    for chunk in rows.chunks(200) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", marks.list(i * COLUMNS + 1, COLUMNS)))
            .collect();
        let sql = format!(
            "INSERT INTO audit_events (id, org_id, seq, at, actor_id, actor_email, actor_org, action, target_id, \
             target_email, before_json, after_json, outcome, rule_id, message, request_id, client_addr, prev_hash, hash) \
             VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(r.id.clone())
                .bind(r.org_id.clone())
                .bind(r.seq)
                .bind(r.at)
                .bind(r.origin.actor_id.clone())
                .bind(r.origin.actor_email.clone())
                .bind(r.origin.actor_org.clone())
                .bind(r.action.clone())
                .bind(r.target_id.clone())
                .bind(r.target_email.clone())
                .bind(r.before.clone())
                .bind(r.after.clone())
                .bind(r.outcome)
                .bind(r.rule_id)
                .bind(r.message.clone())
                .bind(r.origin.request_id.clone())
                .bind(r.origin.client_addr.clone())
                .bind(r.prev_hash.clone())
                .bind(r.hash.clone());
        }
        q.execute(&mut *conn).await?;
    }
    set_head(conn, rows).await
}

/// Moves the org's chain head to the last of the rows just inserted.
async fn set_head(conn: &mut AnyConnection, rows: &[Chained]) -> Result<(), ServiceError> {
    if let Some(last) = rows.last() {
        // The chain's head, so that removing the newest events is detected as well.
        sqlx::query("UPDATE orgs SET audit_seq = $1, audit_hash = $2 WHERE id = $3")
            .bind(last.seq)
            .bind(last.hash.clone())
            .bind(last.org_id.clone())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Appends an event to its org's chain.
pub async fn append(
    conn: &mut AnyConnection,
    origin: &Origin,
    event: NewEvent<'_>,
) -> Result<(), ServiceError> {
    let (seq, prev) = head(conn, event.org_id).await?;
    let row = chained(origin, &event, seq + 1, prev);
    insert(conn, std::slice::from_ref(&row)).await
}

/// Appends many events of one org to its chain, in order, with a statement per chunk.
pub async fn append_many(
    conn: &mut AnyConnection,
    origin: &Origin,
    org_id: &str,
    events: &[NewEvent<'_>],
) -> Result<(), ServiceError> {
    let (mut seq, mut prev) = head(conn, org_id).await?;
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        seq += 1;
        let row = chained(origin, event, seq, prev);
        prev = row.hash.clone();
        rows.push(row);
    }
    insert(conn, &rows).await
}

/// A stored audit event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredEvent {
    /// Event id.
    pub id: String,
    /// Org.
    pub org_id: String,
    /// Position in the org's chain, from 1.
    pub seq: i64,
    /// When.
    pub at: i64,
    /// Actor id.
    pub actor_id: Option<String>,
    /// Actor email.
    pub actor_email: Option<String>,
    /// Actor's home org.
    pub actor_org: Option<String>,
    /// Action.
    pub action: String,
    /// Target id.
    pub target_id: Option<String>,
    /// Target email.
    pub target_email: Option<String>,
    /// State before (JSON text).
    pub before: Option<String>,
    /// State after (JSON text).
    pub after: Option<String>,
    /// `ok` or `refused`.
    pub outcome: String,
    /// Rule of a refusal.
    pub rule_id: Option<String>,
    /// Message of a refusal.
    pub message: Option<String>,
    /// Tracking id.
    pub request_id: String,
    /// Client address.
    pub client_addr: Option<String>,
    /// Previous hash.
    pub prev_hash: String,
    /// Own hash.
    pub hash: String,
}

const EVENT_COLUMNS: &str =
    "id, org_id, seq, at, actor_id, actor_email, actor_org, action, target_id, target_email, \
     before_json, after_json, outcome, rule_id, message, request_id, client_addr, prev_hash, hash";

fn event_from_row(row: &sqlx::any::AnyRow) -> Result<StoredEvent, ServiceError> {
    Ok(StoredEvent {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        actor_email: row.try_get("actor_email")?,
        actor_org: row.try_get("actor_org")?,
        action: row.try_get("action")?,
        target_id: row.try_get("target_id")?,
        target_email: row.try_get("target_email")?,
        before: row.try_get("before_json")?,
        after: row.try_get("after_json")?,
        outcome: row.try_get("outcome")?,
        rule_id: row.try_get("rule_id")?,
        message: row.try_get("message")?,
        request_id: row.try_get("request_id")?,
        client_addr: row.try_get("client_addr")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Filters for listing events.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// Only this org.
    pub org_id: Option<String>,
    /// Only this actor (email).
    pub actor_email: Option<String>,
    /// Only this actor (person id) — or, with `actor_email`, either: the events of a person are
    /// those that name them by id as well as by email, so that what a client acting for them
    /// (`scim:NAME`) did, and what they did under an email since changed, are found too.
    pub actor_id: Option<String>,
    /// Only this action, or actions starting with it followed by a dot (`role` matches `role.assign`).
    pub action: Option<String>,
    /// From this instant.
    pub from: Option<Timestamp>,
    /// Before this instant.
    pub to: Option<Timestamp>,
    /// At most this many.
    pub limit: Option<i64>,
    /// Keyset cursor: only events after this position (within the one org filtered on).
    pub after_seq: Option<i64>,
    /// Events to skip first (after the cursor): Webex's `offset`.
    pub offset: i64,
    /// `actor_email` is a prefix (`LIKE`, with `%` and `_` escaped) rather than the whole email.
    pub actor_prefix: bool,
    /// With `actor_prefix`: these actors match too (the people whose name starts with the prefix).
    pub actors_named: Vec<String>,
    /// Newest first (the cursor then names events before its position).
    pub newest_first: bool,
}

/// Lists events, oldest first.
pub async fn list(
    conn: &mut AnyConnection,
    filter: &EventFilter,
) -> Result<Vec<StoredEvent>, ServiceError> {
    let action_prefix = filter.action.as_ref().map(|a| format!("{a}.%"));
    let named = if filter.actor_prefix && !filter.actors_named.is_empty() {
        let marks: Vec<String> = (0..filter.actors_named.len())
            .map(|i| format!("${}", 11 + i))
            .collect();
        format!(" OR actor_email IN ({})", marks.join(", "))
    } else {
        String::new()
    };
    let actor = if filter.actor_prefix {
        format!("($2 IS NULL OR actor_email LIKE $2 ESCAPE '\\' OR actor_id = $10{named})")
    } else {
        "(($2 IS NULL AND $10 IS NULL) OR actor_email = $2 OR actor_id = $10)".to_string()
    };
    let (after, order) = if filter.newest_first {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM audit_events WHERE ($1 IS NULL OR org_id = $1) AND {actor} \
         AND ($3 IS NULL OR action = $3 OR action LIKE $4) AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6) \
         AND ($8 IS NULL OR seq {after} $8) ORDER BY org_id {order}, seq {order} LIMIT $7 OFFSET $9"
    );
    let actor_email = match (&filter.actor_email, filter.actor_prefix) {
        (Some(prefix), true) => Some(format!(
            "{}%",
            prefix
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )),
        (email, _) => email.clone(),
    };
    let mut query = sqlx::query(&sql)
        .bind(filter.org_id.clone())
        .bind(actor_email)
        .bind(filter.action.clone())
        .bind(action_prefix)
        .bind(filter.from.map(|t| t.0))
        .bind(filter.to.map(|t| t.0))
        .bind(filter.limit.unwrap_or(i64::MAX))
        .bind(filter.after_seq)
        .bind(filter.offset.max(0))
        .bind(filter.actor_id.clone());
    if !named.is_empty() {
        for email in &filter.actors_named {
            query = query.bind(email.clone());
        }
    }
    let rows = query.fetch_all(&mut *conn).await?;
    rows.iter().map(event_from_row).collect()
}

/// The first broken link that verifying an audit chain found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    /// The org whose chain is broken.
    pub org_id: String,
    /// The event where the break shows.
    pub event_id: String,
    /// Its position.
    pub seq: i64,
    /// What is wrong.
    pub problem: String,
}

/// Checks every chain (or one org's): each row's hash, each link to the previous row, and that the
/// positions run 1, 2, 3, … without a gap. Answers the number of events checked or the first break.
pub async fn verify(
    conn: &mut AnyConnection,
    org: Option<&str>,
) -> Result<Result<u64, Break>, ServiceError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM audit_events WHERE ($1 IS NULL OR org_id = $1) ORDER BY org_id, seq");
    let rows = sqlx::query(&sql)
        .bind(org.map(str::to_string))
        .fetch_all(&mut *conn)
        .await?;
    let heads = sqlx::query(
        "SELECT id, audit_seq, audit_hash FROM orgs WHERE ($1 IS NULL OR id = $1) ORDER BY id",
    )
    .bind(org.map(str::to_string))
    .fetch_all(&mut *conn)
    .await?;
    let mut checked = 0u64;
    let mut current_org = String::new();
    let mut expected_prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    for row in &rows {
        let e = event_from_row(row)?;
        if e.org_id != current_org {
            current_org = e.org_id.clone();
            expected_prev = GENESIS.to_string();
            expected_seq = 1;
        }
        let broken = |problem: String| Break {
            org_id: e.org_id.clone(),
            event_id: e.id.clone(),
            seq: e.seq,
            problem,
        };
        if e.seq != expected_seq {
            return Ok(Err(broken(format!(
                "expected position {expected_seq}, found {}: an event was deleted or moved",
                e.seq
            ))));
        }
        if e.prev_hash != expected_prev {
            return Ok(Err(broken("its link to the previous event does not match: an event before it was changed, deleted or reordered".into())));
        }
        let canonical = Canonical {
            org_id: &e.org_id,
            seq: e.seq,
            at: e.at,
            actor_id: e.actor_id.as_deref(),
            actor_email: e.actor_email.as_deref(),
            actor_org: e.actor_org.as_deref(),
            action: &e.action,
            target_id: e.target_id.as_deref(),
            target_email: e.target_email.as_deref(),
            before: e.before.as_deref(),
            after: e.after.as_deref(),
            outcome: &e.outcome,
            rule_id: e.rule_id.as_deref(),
            message: e.message.as_deref(),
            request_id: &e.request_id,
            client_addr: e.client_addr.as_deref(),
            prev_hash: &e.prev_hash,
        };
        if canonical.hash() != e.hash {
            return Ok(Err(broken(
                "its content does not match its hash: the event was edited".into(),
            )));
        }
        expected_prev = e.hash.clone();
        expected_seq += 1;
        checked += 1;
    }
    for head in &heads {
        let org_id: String = head.try_get("id")?;
        let seq: i64 = head.try_get("audit_seq")?;
        let hash: String = head.try_get("audit_hash")?;
        let last = rows
            .iter()
            .rfind(|r| r.try_get::<String, _>("org_id").is_ok_and(|o| o == org_id))
            .map(event_from_row)
            .transpose()?;
        let (last_seq, last_hash, last_id) = match &last {
            Some(e) => (e.seq, e.hash.clone(), e.id.clone()),
            None => (0, GENESIS.to_string(), String::new()),
        };
        if last_seq != seq || last_hash != hash {
            return Ok(Err(Break {
                org_id,
                event_id: last_id,
                seq: last_seq,
                problem: format!("the chain ends at position {last_seq}, but the org's head records position {seq}: the newest events were deleted or changed"),
            }));
        }
    }
    Ok(Ok(checked))
}
