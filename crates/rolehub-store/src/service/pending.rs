//! Sign-ins in progress: an OpenID Connect sign-in between the redirect to the provider and its
//! callback, and a password sign-in that waits for its second factor. They live in the database
//! (only a digest of their secret), so that whichever server receives the next request can finish
//! them, and each is taken once: a replayed callback or code form finds nothing.

use rolehub_domain::Timestamp;
use sqlx::Row;

use super::auth::{new_secret, secret_hash};
use super::Service;
use crate::error::ServiceError;

/// How long a sign-in may stay in progress: time to type a password at the provider, or a code.
pub const PENDING_TTL_MS: i64 = 10 * 60 * 1000;

/// What kind of sign-in waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingKind {
    /// An OpenID Connect sign-in waiting for the provider's callback.
    Sso,
    /// A password sign-in waiting for an authenticator or recovery code.
    SecondFactor,
    /// A password sign-in whose account must enrol an authenticator first (the org's policy).
    Enrolment,
}

impl PendingKind {
    fn id(self) -> &'static str {
        match self {
            PendingKind::Sso => "sso",
            PendingKind::SecondFactor => "second_factor",
            PendingKind::Enrolment => "enrolment",
        }
    }
}

/// A sign-in in progress, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// The org whose provider was asked (SSO).
    pub org: Option<String>,
    /// The person whose password was right (second factor, enrolment).
    pub person_id: Option<String>,
    /// The OpenID Connect nonce.
    pub nonce: Option<String>,
    /// The PKCE verifier.
    pub verifier: Option<String>,
    /// How the person signed in so far (`password`, `break_glass`).
    pub method: Option<String>,
    /// The digest of the secret the browser that began the sign-in keeps (SSO): the callback
    /// must come from that browser, so a callback address sent to someone else signs nobody in.
    pub binding: Option<String>,
}

impl Service {
    /// Stores a sign-in in progress; answers its secret, to be kept by the browser (a cookie or
    /// the `state` parameter). Expired ones are swept on the way.
    pub(crate) async fn hold_pending(
        &self,
        kind: PendingKind,
        pending: &Pending,
        now: Timestamp,
    ) -> Result<String, ServiceError> {
        let secret = new_secret()?;
        let mut conn = self.conn().await?;
        sqlx::query("DELETE FROM pending_sign_ins WHERE expires_at < $1")
            .bind(now.0)
            .execute(&mut *conn)
            .await?;
        sqlx::query("INSERT INTO pending_sign_ins (id_hash, kind, org_id, person_id, nonce, verifier, method, binding, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(secret_hash(&secret))
            .bind(kind.id())
            .bind(pending.org.clone())
            .bind(pending.person_id.clone())
            .bind(pending.nonce.clone())
            .bind(pending.verifier.clone())
            .bind(pending.method.clone())
            .bind(pending.binding.clone())
            .bind(now.0)
            .bind(now.plus_ms(PENDING_TTL_MS).0)
            .execute(&mut *conn)
            .await?;
        Ok(secret)
    }

    /// Reads a live sign-in in progress without taking it (the enrolment page shows it again).
    pub(crate) async fn peek_pending(
        &self,
        kind: PendingKind,
        secret: &str,
        now: Timestamp,
    ) -> Result<Option<Pending>, ServiceError> {
        let mut conn = self.conn().await?;
        let row = sqlx::query("SELECT org_id, person_id, nonce, verifier, method, binding FROM pending_sign_ins WHERE id_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $3")
            .bind(secret_hash(secret))
            .bind(kind.id())
            .bind(now.0)
            .fetch_optional(&mut *conn)
            .await?;
        row.map(|r| {
            Ok(Pending {
                org: r.try_get("org_id")?,
                person_id: r.try_get("person_id")?,
                nonce: r.try_get("nonce")?,
                verifier: r.try_get("verifier")?,
                method: r.try_get("method")?,
                binding: r.try_get("binding")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
    }

    /// Takes a sign-in in progress: answers it once, and never again (the row is marked used in
    /// the same statement that finds it live, so two servers cannot both take it).
    pub(crate) async fn take_pending(
        &self,
        kind: PendingKind,
        secret: &str,
        now: Timestamp,
    ) -> Result<Option<Pending>, ServiceError> {
        let Some(found) = self.peek_pending(kind, secret, now).await? else {
            return Ok(None);
        };
        let taken = sqlx::query("UPDATE pending_sign_ins SET used_at = $1 WHERE id_hash = $2 AND kind = $3 AND used_at IS NULL AND expires_at > $1")
            .bind(now.0)
            .bind(secret_hash(secret))
            .bind(kind.id())
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok((taken == 1).then_some(found))
    }
}
