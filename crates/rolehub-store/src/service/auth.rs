//! Sign-in: passwords (Argon2id), console sessions, personal access tokens, activation links and
//! the mail outbox.
//!
//! Secrets handed to people (session ids, tokens, activation links) are 32 random bytes; only their
//! SHA-256 is stored, so a copy of the database does not let anyone sign in.

use rolehub_domain::time::DAY_MS;
use rolehub_domain::{Status, Timestamp};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use super::{new_id, Ctx, Service};
use crate::error::{ServiceError, Text, Thing};
use crate::load::{self, PersonRecord};

/// How long an activation link works.
pub const ACTIVATION_TTL_MS: i64 = 7 * DAY_MS;

/// What a personal access token may do: `read` narrows the holder's roles to reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenScope {
    /// Reads only.
    Read,
    /// Everything the holder's roles allow.
    Write,
    /// SCIM provisioning of the holder's org only, with the holder's authority (a full
    /// administrator's); refused by every other interface.
    Scim,
}

impl TokenScope {
    /// `read` or `write`.
    pub fn id(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
            TokenScope::Scim => "scim",
        }
    }

    /// Reads `read` or `write`.
    pub fn from_id(id: &str) -> Option<TokenScope> {
        match id {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            "scim" => Some(TokenScope::Scim),
            _ => None,
        }
    }
}

/// A personal access token, without its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// Id.
    pub id: String,
    /// A name its owner gave it.
    pub name: String,
    /// Its scope.
    pub scope: TokenScope,
    /// Created.
    pub created_at: Timestamp,
    /// Expires.
    pub expires_at: Timestamp,
    /// Last used.
    pub last_used_at: Option<Timestamp>,
}

/// A mail in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// Id.
    pub id: String,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Body (plain text).
    pub body: String,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it was handed to the SMTP server, if it was.
    pub sent_at: Option<Timestamp>,
}

/// Why a sign-in failed. Deliberately the same for an unknown email and a wrong password.
///
/// What the person is told is [`SignInError::message`], in English and Dutch, written here once
/// for the API and the console; `Display` (logs) is the English.
#[derive(Debug)]
pub enum SignInError {
    /// Unknown email, wrong password, no password set, or deactivated.
    BadCredentials,
    /// The password was right, and a second factor is asked: `pending` names this sign-in until
    /// the code arrives; `enrol` says the account must first enrol an authenticator.
    SecondFactor {
        /// The secret of the sign-in in progress.
        pending: String,
        /// An authenticator must be enrolled first.
        enrol: bool,
    },
    /// The code was wrong, used, or expired.
    BadCode,
    /// The org signs in through its identity provider only.
    SsoRequired,
    /// A break-glass account's password is too short for a sign-in that bypasses single sign-on.
    WeakBreakGlass,
    /// The provider proved an email that names nobody of the org.
    UnknownSsoPerson {
        /// The email the provider proved.
        email: String,
    },
    /// The org has no single sign-on (any more).
    SsoNotConfigured,
    /// The person is deactivated.
    Deactivated,
    /// Anything else.
    Service(ServiceError),
}

impl SignInError {
    /// What the person is told, in their language: every sign-in refusal of the API and the
    /// console reads from here, so none is left in one language only.
    pub fn message(&self) -> Text {
        match self {
            SignInError::BadCredentials => Text::new(
                "the email or password is not right",
                "het e-mailadres of wachtwoord klopt niet",
            ),
            SignInError::SecondFactor { enrol: true, .. } => Text::new(
                "your organization requires a second factor: set up an authenticator app to finish signing in",
                "uw organisatie vereist een tweede factor: stel een authenticator-app in om het aanmelden af te ronden",
            ),
            SignInError::SecondFactor { enrol: false, .. } => Text::new(
                "enter the code of your authenticator app (or a recovery code)",
                "voer de code van uw authenticator-app in (of een herstelcode)",
            ),
            SignInError::BadCode => Text::new(
                "that code is not right; enter the code your authenticator shows now, or a recovery code",
                "die code klopt niet; voer de code in die uw authenticator nu toont, of een herstelcode",
            ),
            SignInError::SsoRequired => Text::new(
                "your organization signs in with single sign-on: continue to its identity provider instead of using a password",
                "uw organisatie meldt aan met eenmalige aanmelding: ga door naar haar identiteitsprovider in plaats van een wachtwoord te gebruiken",
            ),
            SignInError::WeakBreakGlass => Text::new(
                format!(
                    "a break-glass account needs a password of at least {} characters; set a longer one before using it",
                    super::sso::BREAK_GLASS_MIN_PASSWORD
                ),
                format!(
                    "een noodaccount heeft een wachtwoord van minstens {} tekens nodig; stel een langer wachtwoord in voordat u het gebruikt",
                    super::sso::BREAK_GLASS_MIN_PASSWORD
                ),
            ),
            SignInError::UnknownSsoPerson { email } => Text::new(
                format!(
                    "{email} is not a user of this organization in Rolehub; ask one of its administrators to add you"
                ),
                format!(
                    "{email} is in Rolehub geen gebruiker van deze organisatie; vraag een van haar beheerders u toe te voegen"
                ),
            ),
            SignInError::SsoNotConfigured => Text::new(
                "this organization has no single sign-on; sign in with your password",
                "deze organisatie heeft geen eenmalige aanmelding; meld u aan met uw wachtwoord",
            ),
            SignInError::Deactivated => Text::new(
                "your account is deactivated; ask an administrator of your organization",
                "uw account is gedeactiveerd; vraag het aan een beheerder van uw organisatie",
            ),
            SignInError::Service(e) => Text::new(
                e.message(rolehub_domain::Lang::En),
                e.message(rolehub_domain::Lang::Nl),
            ),
        }
    }
}

impl std::fmt::Display for SignInError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // A service error's log line keeps its details (an internal error's cause).
            SignInError::Service(e) => e.fmt(f),
            other => f.write_str(other.message().get(rolehub_domain::Lang::En)),
        }
    }
}

impl std::error::Error for SignInError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SignInError::Service(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ServiceError> for SignInError {
    fn from(e: ServiceError) -> Self {
        SignInError::Service(e)
    }
}

/// The operating system gave no random bytes: nothing secret can be made now.
pub(crate) fn no_randomness(e: getrandom::Error) -> ServiceError {
    ServiceError::conflict(
        format!("no randomness available: {e}"),
        format!("er is geen willekeur beschikbaar: {e}"),
    )
}

/// A new random secret, as 64 hex digits.
pub fn new_secret() -> Result<String, ServiceError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(no_randomness)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The stored form of a secret.
pub fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub use crate::passwords::{hash_password, password_matches};

/// Sets a person's password, inside a transaction that holds their home org's lock.
pub(crate) async fn store_password(
    tx: &mut crate::op::Tx,
    person_id: &str,
    hash: &str,
) -> Result<(), ServiceError> {
    sqlx::query("UPDATE persons SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(person_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Ends every console session of a person, inside a change (a deactivation, a role change, "sign
/// out everywhere"); answers how many ended.
pub(crate) async fn end_sessions(
    conn: &mut AnyConnection,
    person_id: &str,
    now: Timestamp,
) -> Result<u64, ServiceError> {
    Ok(sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE person_id = $2 AND revoked_at IS NULL AND expires_at > $1")
        .bind(now.0)
        .bind(person_id)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// Ends every token of a person, inside their deactivation.
pub(crate) async fn end_tokens(
    conn: &mut AnyConnection,
    person_id: &str,
    now: Timestamp,
) -> Result<u64, ServiceError> {
    Ok(
        sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE person_id = $2 AND revoked_at IS NULL",
        )
        .bind(now.0)
        .bind(person_id)
        .execute(&mut *conn)
        .await?
        .rows_affected(),
    )
}

/// A live console session, for its owner's account page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    /// When it began.
    pub created_at: Timestamp,
    /// When it was last used (to the minute).
    pub last_seen_at: Timestamp,
    /// How its sign-in was made: `password`, `sso`, `break_glass`.
    pub method: String,
    /// The address it began from.
    pub client_addr: Option<String>,
}

/// A person who proved who they are, and what their credential allows.
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// The person.
    pub person: PersonRecord,
    /// What the credential allows (sessions write; tokens their scope).
    pub scope: TokenScope,
    /// The session's CSRF token, for console sessions.
    pub csrf: Option<String>,
    /// The token's name, for tokens.
    pub token_name: Option<String>,
}

impl Service {
    /// Checks an email and password. A success is recorded as an interactive sign-in (R-AUTH-2) and
    /// audited; a failure for a known person is audited too.
    ///
    /// The attempt is counted before its password is checked (in the database); a delay that
    /// earlier failures ask for, or a full hashing queue, answers [`ServiceError::TooMany`]
    /// without hashing.
    ///
    /// After the password: an org that enforces single sign-on refuses it (but for its break-glass
    /// accounts), and a second factor is asked where one is enrolled or required — `code` when the
    /// caller has it (the API), else [`SignInError::SecondFactor`] names the sign-in in progress.
    pub async fn sign_in(
        &self,
        ctx: &Ctx,
        email: &str,
        password: &str,
        code: Option<&str>,
    ) -> Result<PersonRecord, SignInError> {
        let account = email.trim().to_lowercase();
        let address = ctx.client_addr.clone().unwrap_or_else(|| "unknown".into());
        let mut conn = self.conn().await?;
        let attempt = match crate::throttle::begin(&mut conn, &account, &address, ctx.now).await? {
            Ok(attempt) => attempt,
            Err(wait) => {
                return Err(SignInError::Service(ServiceError::TooMany {
                    retry_after: wait,
                    message: Text::new(
                        format!("too many failed sign-ins; try again in {wait} seconds"),
                        format!(
                        "te veel mislukte aanmeldingen; probeer het over {wait} seconden opnieuw"
                    ),
                    ),
                }))
            }
        };
        // One query and one hash check whether or not the email exists, so that the answer takes
        // as long either way; the failure's audit event is written after the answer.
        let row = sqlx::query("SELECT id, password_hash FROM persons WHERE email = $1")
            .bind(account.clone())
            .fetch_optional(&mut *conn)
            .await
            .map_err(ServiceError::from)?;
        let (person_id, stored): (Option<String>, Option<String>) = match &row {
            Some(r) => (
                Some(r.try_get("id").map_err(ServiceError::from)?),
                r.try_get("password_hash").map_err(ServiceError::from)?,
            ),
            None => (None, None),
        };
        drop(conn);
        let hash = stored
            .clone()
            .unwrap_or_else(|| crate::passwords::decoy_hash().to_string());
        let matches = match self.hashes().verify(password, &hash).await {
            Ok(matches) => matches,
            Err(e) => {
                // Turned away unchecked: the attempt does not count.
                let mut conn = self.conn().await?;
                crate::throttle::turned_away(&mut conn, attempt).await?;
                return Err(e.into());
            }
        };
        let Some(person_id) = person_id else {
            return Err(SignInError::BadCredentials);
        };
        let mut conn = self.conn().await?;
        let person = load::person_by_id(&mut conn, &person_id)
            .await?
            .ok_or(SignInError::BadCredentials)?;
        let enforced = super::sso::config_of(&mut conn, &person.view.home_org)
            .await?
            .is_some_and(|c| c.enforced);
        // A break-glass account is one only while it is a full administrator of its org.
        let break_glass = super::mfa::is_break_glass(&mut conn, &person.view.id).await?
            && load::holds_full_admin(&mut conn, &person.view.id, &person.view.home_org, ctx.now)
                .await?;
        if enforced && !break_glass && person.view.status != Status::Inactive {
            // Whatever the password: under enforced single sign-on it opens nothing, so it
            // cannot be tested here either.
            drop(conn);
            self.audit_refused_sign_in(ctx, &person, "single sign-on is enforced")
                .await;
            return Err(SignInError::SsoRequired);
        }
        if !matches || stored.is_none() || person.view.status == Status::Inactive {
            drop(conn);
            let service = self.clone();
            let home = Ctx {
                org: person.view.home_org.clone(),
                actor: person.view.email.clone(),
                ..ctx.clone()
            };
            tokio::spawn(async move {
                let written = async {
                    let mut tx = service.begin_audit(&person.view.home_org).await?;
                    crate::op::append(
                        &mut tx,
                        &home,
                        Some(&person),
                        &person.view.home_org,
                        "auth.sign_in_failed",
                        Some(&person),
                        None,
                        Some(json!({ "reason": "bad credentials or inactive" })),
                        None,
                    )
                    .await?;
                    tx.commit().await.map_err(ServiceError::from)
                };
                if let Err(e) = written.await {
                    tracing::warn!(error = %e, "a failed sign-in could not be audited");
                }
            });
            return Err(SignInError::BadCredentials);
        }
        crate::throttle::succeeded(&mut conn, &account, &address, attempt).await?;
        let method = if enforced {
            if password.chars().count() < super::sso::BREAK_GLASS_MIN_PASSWORD {
                drop(conn);
                self.audit_refused_sign_in(ctx, &person, "break-glass password too short")
                    .await;
                return Err(SignInError::WeakBreakGlass);
            }
            "break_glass"
        } else {
            "password"
        };
        let enrolled = super::mfa::enrolled(&mut conn, &person.view.id).await?;
        let required = super::mfa::required_of(&mut conn, &person, ctx.now).await?;
        drop(conn);
        if enrolled || required {
            match code {
                Some(code) if enrolled => {
                    if !self.check_second_factor(ctx, &person, code).await? {
                        return Err(SignInError::BadCode);
                    }
                }
                _ => {
                    let kind = if enrolled {
                        super::pending::PendingKind::SecondFactor
                    } else {
                        super::pending::PendingKind::Enrolment
                    };
                    let pending = super::pending::Pending {
                        org: None,
                        person_id: Some(person.view.id.clone()),
                        nonce: None,
                        verifier: None,
                        method: Some(method.into()),
                        binding: None,
                    };
                    let pending = self.hold_pending(kind, &pending, ctx.now).await?;
                    return Err(SignInError::SecondFactor {
                        pending,
                        enrol: !enrolled,
                    });
                }
            }
        }
        super::users::record_sign_in(self, &person, ctx, method).await?;
        Ok(person)
    }

    /// Audits a sign-in refused after a right password, after the answer.
    async fn audit_refused_sign_in(&self, ctx: &Ctx, person: &PersonRecord, reason: &str) {
        let home = Ctx {
            org: person.view.home_org.clone(),
            actor: person.view.email.clone(),
            ..ctx.clone()
        };
        let written = async {
            let mut tx = self.begin_audit(&person.view.home_org).await?;
            crate::op::append(
                &mut tx,
                &home,
                Some(person),
                &person.view.home_org,
                "auth.sign_in_failed",
                Some(person),
                None,
                Some(json!({ "reason": reason })),
                None,
            )
            .await?;
            self.commit(tx).await
        };
        if let Err(e) = written.await {
            tracing::warn!(error = %e, "a refused sign-in could not be audited");
        }
    }

    /// Finishes a password sign-in that waited for its second factor: the code of the enrolled
    /// authenticator or a recovery code. The sign-in in progress is taken by a right code only,
    /// so a typo can be corrected (wrong codes are throttled).
    pub async fn finish_second_factor(
        &self,
        ctx: &Ctx,
        pending: &str,
        code: &str,
    ) -> Result<PersonRecord, SignInError> {
        use super::pending::PendingKind;
        let found = self
            .peek_pending(PendingKind::SecondFactor, pending, ctx.now)
            .await?
            .ok_or(SignInError::BadCredentials)?;
        let person = self.pending_person(&found).await?;
        if !self.check_second_factor(ctx, &person, code).await? {
            return Err(SignInError::BadCode);
        }
        let taken = self
            .take_pending(PendingKind::SecondFactor, pending, ctx.now)
            .await?
            .ok_or(SignInError::BadCredentials)?;
        let method = taken.method.unwrap_or_else(|| "password".into());
        super::users::record_sign_in(self, &person, ctx, &method).await?;
        Ok(person)
    }

    /// The authenticator a sign-in in progress must enrol (shown as a QR code), with its person.
    pub async fn pending_enrolment(
        &self,
        pending: &str,
        now: Timestamp,
    ) -> Result<(PersonRecord, super::mfa::Enrolment), SignInError> {
        let found = self
            .peek_pending(super::pending::PendingKind::Enrolment, pending, now)
            .await?
            .ok_or(SignInError::BadCredentials)?;
        let person = self.pending_person(&found).await?;
        let enrolment = self.enrolment_for(&person).await?;
        Ok((person, enrolment))
    }

    /// Finishes a sign-in that had to enrol an authenticator: the first code confirms it; answers
    /// the person and their recovery codes (shown once).
    pub async fn finish_enrolment(
        &self,
        ctx: &Ctx,
        pending: &str,
        code: &str,
    ) -> Result<(PersonRecord, Vec<String>), SignInError> {
        use super::pending::PendingKind;
        let found = self
            .peek_pending(PendingKind::Enrolment, pending, ctx.now)
            .await?
            .ok_or(SignInError::BadCredentials)?;
        let person = self.pending_person(&found).await?;
        let codes = match self.confirm_for(ctx, &person, code).await {
            Ok(codes) => codes,
            Err(ServiceError::Invalid { .. }) => return Err(SignInError::BadCode),
            Err(e) => return Err(e.into()),
        };
        let taken = self
            .take_pending(PendingKind::Enrolment, pending, ctx.now)
            .await?
            .ok_or(SignInError::BadCredentials)?;
        let method = taken.method.unwrap_or_else(|| "password".into());
        super::users::record_sign_in(self, &person, ctx, &method).await?;
        Ok((person, codes))
    }

    async fn pending_person(
        &self,
        found: &super::pending::Pending,
    ) -> Result<PersonRecord, SignInError> {
        let id = found.person_id.clone().ok_or(SignInError::BadCredentials)?;
        let mut conn = self.conn().await?;
        let person = load::person_by_id(&mut conn, &id)
            .await?
            .ok_or(SignInError::BadCredentials)?;
        if person.view.status == Status::Inactive {
            return Err(SignInError::Deactivated);
        }
        Ok(person)
    }

    /// Opens a console session after a sign-in; answers the secret session id and its CSRF
    /// token.
    ///
    /// `ttl_ms` is the absolute time-out; `method` (`password`, `sso`, `break_glass`) is kept for
    /// the account page.
    pub async fn create_session(
        &self,
        person_id: &str,
        now: Timestamp,
        ttl_ms: i64,
        client_addr: Option<&str>,
        method: &str,
    ) -> Result<(String, String), ServiceError> {
        let (secret, csrf) = (new_secret()?, new_secret()?);
        sqlx::query("INSERT INTO sessions (id_hash, person_id, csrf, created_at, expires_at, client_addr, last_seen_at, method) VALUES ($1, $2, $3, $4, $5, $6, $4, $7)")
            .bind(secret_hash(&secret))
            .bind(person_id)
            .bind(csrf.clone())
            .bind(now.0)
            .bind(now.plus_ms(ttl_ms).0)
            .bind(client_addr.map(str::to_string))
            .bind(method)
            .execute(self.pool())
            .await?;
        Ok((secret, csrf))
    }

    /// The person of a live console session, with its CSRF token. A session unused for `idle_ms`
    /// has ended; a used one is marked seen (at most once a minute, to spare the database).
    pub async fn authenticate_session(
        &self,
        secret: &str,
        now: Timestamp,
        idle_ms: i64,
    ) -> Result<Option<Authenticated>, ServiceError> {
        let hash = secret_hash(secret);
        let key = format!("s:{hash}");
        if let Some(who) = self.credentials().get(&key) {
            return Ok(Some(who));
        }
        let mut conn = self.conn().await?;
        let row = sqlx::query("SELECT person_id, csrf, last_seen_at, created_at FROM sessions WHERE id_hash = $1 AND revoked_at IS NULL AND expires_at > $2")
            .bind(hash.clone())
            .bind(now.0)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let person_id: String = row.try_get("person_id")?;
        let csrf: String = row.try_get("csrf")?;
        let seen: i64 = row
            .try_get::<Option<i64>, _>("last_seen_at")?
            .unwrap_or(row.try_get("created_at")?);
        if now.0.saturating_sub(seen) > idle_ms {
            return Ok(None);
        }
        // Marked seen at most once a minute (half the idle time-out when that is shorter), so
        // that an active session never reaches its idle time-out.
        if now.0.saturating_sub(seen) > (idle_ms / 2).min(60_000) {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                .bind(now.0)
                .bind(hash)
                .execute(&mut *conn)
                .await?;
        }
        let found = load::person_by_id(&mut conn, &person_id)
            .await?
            .map(|person| Authenticated {
                person,
                scope: TokenScope::Write,
                csrf: Some(csrf),
                token_name: None,
            });
        if let Some(who) = &found {
            self.credentials().put(key, who);
        }
        Ok(found)
    }

    /// Ends every console session of the actor ("sign out everywhere"); answers how many.
    /// Audited in their home org.
    pub async fn sign_out_everywhere(&self, ctx: &Ctx) -> Result<u64, ServiceError> {
        let mut conn = self.conn().await?;
        let person = super::actor(&mut conn, ctx).await?;
        drop(conn);
        let mut tx = self.begin_org(&person.view.home_org).await?;
        let ended = end_sessions(&mut tx, &person.view.id, ctx.now).await?;
        crate::op::append(
            &mut tx,
            ctx,
            Some(&person),
            &person.view.home_org,
            "auth.sign_out_everywhere",
            Some(&person),
            None,
            Some(json!({ "sessions_ended": ended })),
            None,
        )
        .await?;
        self.commit(tx).await?;
        self.credentials().clear();
        Ok(ended)
    }

    /// The actor's live console sessions: (started, last seen, method, address).
    pub async fn sessions_of(&self, ctx: &Ctx) -> Result<Vec<SessionInfo>, ServiceError> {
        let mut conn = self.conn().await?;
        let person = super::actor(&mut conn, ctx).await?;
        let rows = sqlx::query("SELECT created_at, last_seen_at, method, client_addr FROM sessions WHERE person_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC")
            .bind(person.view.id)
            .bind(ctx.now.0)
            .fetch_all(&mut *conn)
            .await?;
        rows.iter()
            .map(|r| {
                let created = Timestamp(r.try_get("created_at")?);
                Ok(SessionInfo {
                    created_at: created,
                    last_seen_at: r
                        .try_get::<Option<i64>, _>("last_seen_at")?
                        .map_or(created, Timestamp),
                    method: r.try_get("method")?,
                    client_addr: r.try_get("client_addr")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Ends a session (sign-out).
    pub async fn revoke_session(&self, secret: &str, now: Timestamp) -> Result<(), ServiceError> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE id_hash = $2 AND revoked_at IS NULL",
        )
        .bind(now.0)
        .bind(secret_hash(secret))
        .execute(self.pool())
        .await?;
        self.credentials().clear();
        Ok(())
    }

    /// Creates a personal access token for the actor; answers it with its secret, which is shown
    /// once. Audited in the actor's home org. A deactivated person creates none (R-AUTH-3).
    pub async fn create_token(
        &self,
        ctx: &Ctx,
        name: &str,
        scope: TokenScope,
        ttl_days: i64,
    ) -> Result<(TokenInfo, String), ServiceError> {
        ctx.require_write()?;
        let mut conn = self.conn().await?;
        let person = super::actor(&mut conn, ctx).await?;
        drop(conn);
        if person.view.status == Status::Inactive {
            return Err(ServiceError::Refused(rolehub_domain::Refusal::new(
                rolehub_domain::RuleId::Auth3,
                rolehub_domain::Reason::Access {
                    area: rolehub_domain::Area::Integrations,
                    asked: rolehub_domain::Level::Write,
                    held: rolehub_domain::Level::None,
                    via: None,
                },
            )));
        }
        issue_token(self, ctx, None, &person, name, scope, ttl_days).await
    }

    /// The person and scope of a live token.
    pub async fn authenticate_token(
        &self,
        secret: &str,
        now: Timestamp,
    ) -> Result<Option<Authenticated>, ServiceError> {
        let hash = secret_hash(secret);
        let key = format!("t:{hash}");
        if let Some(who) = self.credentials().get(&key) {
            return Ok(Some(who));
        }
        let mut conn = self.conn().await?;
        let row = sqlx::query("SELECT id, person_id, scope, name FROM tokens WHERE hash = $1 AND revoked_at IS NULL AND expires_at > $2")
            .bind(hash)
            .bind(now.0)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let scope: String = row.try_get("scope")?;
        let token_name: String = row.try_get("name")?;
        let person_id: String = row.try_get("person_id")?;
        let person = load::person_by_id(&mut conn, &person_id).await?;
        let found = person.map(|person| Authenticated {
            person,
            scope: TokenScope::from_id(&scope).unwrap_or(TokenScope::Read),
            csrf: None,
            token_name: Some(token_name),
        });
        if let Some(who) = &found {
            self.credentials().put(key, who);
        }
        Ok(found)
    }

    /// The actor's tokens that have not been revoked.
    pub async fn tokens_of(&self, ctx: &Ctx) -> Result<Vec<TokenInfo>, ServiceError> {
        let mut conn = self.conn().await?;
        let person = super::actor(&mut conn, ctx).await?;
        let rows = sqlx::query("SELECT id, name, scope, created_at, expires_at, last_used_at FROM tokens WHERE person_id = $1 AND revoked_at IS NULL ORDER BY created_at, id")
            .bind(person.view.id)
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Revokes one of the actor's own tokens; audited in their home org.
    pub async fn revoke_token(&self, ctx: &Ctx, token_id: &str) -> Result<(), ServiceError> {
        ctx.require_write()?;
        let mut conn = self.conn().await?;
        let person = super::actor(&mut conn, ctx).await?;
        drop(conn);
        let mut tx = self.begin_org(&person.view.home_org).await?;
        let done = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND person_id = $3 AND revoked_at IS NULL")
            .bind(ctx.now.0)
            .bind(token_id)
            .bind(person.view.id.clone())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if done == 0 {
            return Err(ServiceError::not_found(Thing::Token, token_id));
        }
        crate::op::append(
            &mut tx,
            ctx,
            Some(&person),
            &person.view.home_org,
            "token.revoke",
            Some(&person),
            Some(json!({ "token": token_id })),
            None,
            None,
        )
        .await?;
        if ctx.dry_run {
            tx.rollback().await?;
        } else {
            self.commit(tx).await?;
            self.credentials().clear();
        }
        Ok(())
    }

    /// Activates a pending account from its invitation link and sets its password.
    pub async fn activate(
        &self,
        ctx: &Ctx,
        secret: &str,
        password: &str,
    ) -> Result<PersonRecord, ServiceError> {
        crate::passwords::hash_password_shape(password)?;
        let hash = self.hashes().hash(password).await?;
        let row = sqlx::query("SELECT person_id FROM activations WHERE hash = $1 AND used_at IS NULL AND voided_at IS NULL AND expires_at > $2")
            .bind(secret_hash(secret))
            .bind(ctx.now.0)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| ServiceError::not_found(Thing::ActivationLink, ""))?;
        let person_id: String = row.try_get("person_id")?;
        let mut conn = self.conn().await?;
        let p = load::person_by_id(&mut conn, &person_id)
            .await?
            .ok_or_else(|| ServiceError::not_found(Thing::Person, person_id.clone()))?;
        drop(conn);
        let mut tx = self.begin_org(&p.view.home_org).await?;
        let used = sqlx::query("UPDATE activations SET used_at = $1 WHERE hash = $2 AND used_at IS NULL AND voided_at IS NULL")
            .bind(ctx.now.0)
            .bind(secret_hash(secret))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if used == 0 {
            return Err(ServiceError::conflict(
                "this activation link was used a moment ago",
                "deze activeringslink is zojuist gebruikt",
            ));
        }
        let status = if p.view.status == Status::Pending {
            "active"
        } else {
            p.view.status.id()
        };
        sqlx::query("UPDATE persons SET password_hash = $1, status = $2 WHERE id = $3")
            .bind(hash)
            .bind(status)
            .bind(p.view.id.clone())
            .execute(&mut *tx)
            .await?;
        let home = Ctx {
            org: p.view.home_org.clone(),
            actor: p.view.email.clone(),
            ..ctx.clone()
        };
        crate::op::append(
            &mut tx,
            &home,
            Some(&p),
            &p.view.home_org,
            "user.activate",
            Some(&p),
            Some(json!({ "status": p.view.status.id() })),
            Some(json!({ "status": status })),
            None,
        )
        .await?;
        self.commit(tx).await?;
        let mut conn = self.conn().await?;
        load::person_by_id(&mut conn, &p.view.id)
            .await?
            .ok_or_else(|| ServiceError::not_found(Thing::Person, p.view.id.clone()))
    }

    /// The mail queue, for the sender that hands invitations to an SMTP relay.
    pub fn mail_queue(&self) -> MailQueue<'_> {
        MailQueue { service: self }
    }
}

/// The outbox as the mail sender sees it: what is unsent, and marking what was sent.
pub struct MailQueue<'s> {
    service: &'s Service,
}

impl MailQueue<'_> {
    /// Mail not yet handed to an SMTP server, oldest first.
    pub async fn unsent(&self, limit: i64) -> Result<Vec<Mail>, ServiceError> {
        let rows = sqlx::query("SELECT id, to_email, subject, body, created_at, sent_at FROM outbox WHERE sent_at IS NULL ORDER BY created_at, id LIMIT $1")
            .bind(limit)
            .fetch_all(self.service.pool())
            .await?;
        rows.iter().map(mail_from_row).collect()
    }

    /// Records that a mail was sent, or why it could not be.
    pub async fn mark(
        &self,
        id: &str,
        now: Timestamp,
        error: Option<&str>,
    ) -> Result<(), ServiceError> {
        let sql = if error.is_some() {
            "UPDATE outbox SET error = $2 WHERE id = $1"
        } else {
            "UPDATE outbox SET sent_at = $3 WHERE id = $1"
        };
        sqlx::query(sql)
            .bind(id)
            .bind(error.map(str::to_string))
            .bind(now.0)
            .execute(self.service.pool())
            .await?;
        Ok(())
    }
}

/// The outbox, newest first.
pub(crate) async fn outbox(service: &Service, limit: i64) -> Result<Vec<Mail>, ServiceError> {
    let rows = sqlx::query("SELECT id, to_email, subject, body, created_at, sent_at FROM outbox ORDER BY created_at DESC, id LIMIT $1")
        .bind(limit)
        .fetch_all(service.pool())
        .await?;
    rows.iter().map(mail_from_row).collect()
}

/// Issues a token for `person`, audited in their home org with `operator` or the person as actor.
pub(crate) async fn issue_token(
    service: &Service,
    ctx: &Ctx,
    operator: Option<&str>,
    person: &PersonRecord,
    name: &str,
    scope: TokenScope,
    ttl_days: i64,
) -> Result<(TokenInfo, String), ServiceError> {
    if !(1..=366).contains(&ttl_days) {
        return Err(ServiceError::invalid(
            "ttlDays",
            Text::new(
                "a token lives from 1 to 366 days",
                "een token geldt 1 tot 366 dagen",
            ),
        ));
    }
    if scope == TokenScope::Scim {
        // A SCIM client provisions the holder's org with the holder's authority: only a full
        // administrator of it holds one (R-ASSIGN-1: they make every role change there).
        let mut conn = service.conn().await?;
        let full =
            load::holds_full_admin(&mut conn, &person.view.id, &person.view.home_org, ctx.now)
                .await?;
        if !full {
            return Err(ServiceError::Refused(rolehub_domain::Refusal::new(
                rolehub_domain::RuleId::Assign1,
                rolehub_domain::Reason::Access {
                    area: rolehub_domain::Area::Integrations,
                    asked: rolehub_domain::Level::Write,
                    held: rolehub_domain::Level::None,
                    via: None,
                },
            )));
        }
    }
    let secret = format!("rh_{}", new_secret()?);
    let info = TokenInfo {
        id: new_id(),
        name: if name.trim().is_empty() {
            "token".into()
        } else {
            name.trim().chars().take(100).collect()
        },
        scope,
        created_at: ctx.now,
        expires_at: ctx.now.plus_days(ttl_days),
        last_used_at: None,
    };
    let mut tx = service.begin_org(&person.view.home_org).await?;
    sqlx::query("INSERT INTO tokens (id, person_id, name, hash, scope, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(info.id.clone())
        .bind(person.view.id.clone())
        .bind(info.name.clone())
        .bind(secret_hash(&secret))
        .bind(scope.id())
        .bind(ctx.now.0)
        .bind(info.expires_at.0)
        .execute(&mut *tx)
        .await?;
    let (actor, acting) = match operator {
        Some(name) => (
            None,
            Ctx {
                actor: crate::operator::actor_name(name),
                ..ctx.clone()
            },
        ),
        None => (Some(person), ctx.clone()),
    };
    crate::op::append(
        &mut tx,
        &acting,
        actor,
        &person.view.home_org,
        "token.create",
        Some(person),
        None,
        Some(json!({ "token": info.id, "name": info.name, "scope": scope.id(), "expires": info.expires_at.to_iso() })),
        None,
    )
    .await?;
    service.commit(tx).await?;
    Ok((info, secret))
}

fn token_from_row(r: &sqlx::any::AnyRow) -> Result<TokenInfo, ServiceError> {
    let scope: String = r.try_get("scope")?;
    Ok(TokenInfo {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        scope: TokenScope::from_id(&scope).unwrap_or(TokenScope::Read),
        created_at: Timestamp(r.try_get("created_at")?),
        expires_at: Timestamp(r.try_get("expires_at")?),
        last_used_at: r.try_get::<Option<i64>, _>("last_used_at")?.map(Timestamp),
    })
}

fn mail_from_row(r: &sqlx::any::AnyRow) -> Result<Mail, ServiceError> {
    Ok(Mail {
        id: r.try_get("id")?,
        to: r.try_get("to_email")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        created_at: Timestamp(r.try_get("created_at")?),
        sent_at: r.try_get::<Option<i64>, _>("sent_at")?.map(Timestamp),
    })
}

/// Issues a new activation link for a pending person, voiding earlier ones, and queues the
/// invitation mail, inside the caller's transaction.
pub(crate) async fn invite(
    conn: &mut AnyConnection,
    public_url: &str,
    person: &PersonRecord,
    org_name: &str,
    now: Timestamp,
) -> Result<(), ServiceError> {
    sqlx::query("UPDATE activations SET voided_at = $1 WHERE person_id = $2 AND used_at IS NULL AND voided_at IS NULL")
        .bind(now.0)
        .bind(person.view.id.clone())
        .execute(&mut *conn)
        .await?;
    let secret = new_secret()?;
    sqlx::query(
        "INSERT INTO activations (hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(secret_hash(&secret))
    .bind(person.view.id.clone())
    .bind(now.0)
    .bind(now.plus_ms(ACTIVATION_TTL_MS).0)
    .execute(&mut *conn)
    .await?;
    let link = format!(
        "{}/activate?token={secret}",
        public_url.trim_end_matches('/')
    );
    let name = if person.view.first.is_empty() {
        person.view.email.clone()
    } else {
        person.view.first.clone()
    };
    let body = format!(
        "Hello {name},\n\nYou have been invited to {org_name} on Rolehub. Activate your account and choose a password here:\n\n{link}\n\nThe link works once and for seven days; a newer invitation replaces it.\n\n--\n\nHallo {name},\n\nU bent uitgenodigd voor {org_name} op Rolehub. Activeer uw account en kies een wachtwoord via de link hierboven.\nDe link werkt eenmaal en zeven dagen lang; een nieuwere uitnodiging vervangt hem.\n"
    );
    sqlx::query(
        "INSERT INTO outbox (id, to_email, subject, body, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(new_id())
    .bind(person.view.email.clone())
    .bind(format!("Activate your Rolehub account for {org_name}"))
    .bind(body)
    .bind(now.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_stored_hashed() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
    }
}
