//! The second factor of password accounts: a TOTP authenticator (RFC 6238: six digits, 30-second
//! steps, one step of clock drift either way) and one-time recovery codes, and the org's policy of
//! who must have one.
//!
//! A code is accepted once: the step it matched is kept, and a code of that step or an earlier one
//! is refused (RFC 6238, section 5.2). Recovery codes are stored as digests and crossed off when
//! used. Code checks are throttled like passwords, in the database.

use rolehub_domain::Timestamp;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use totp_rs::{Secret, Totp};

use super::auth::{new_secret, secret_hash};
use super::{Ctx, Service};
use crate::error::{ServiceError, Text};
use crate::load::{self, PersonRecord};

/// Wrong codes allowed within [`CODE_WINDOW_MS`] before an account waits.
pub const MAX_WRONG_CODES: i64 = 5;
/// The window wrong codes are counted in.
pub const CODE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;

/// Who in an org must sign in with a second factor (break-glass accounts always do).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MfaPolicy {
    /// Nobody is made to (anyone may enrol).
    #[default]
    None,
    /// Every full administrator.
    FullAdmins,
    /// Everyone who holds an admin role.
    Admins,
}

impl MfaPolicy {
    /// `none`, `full_admins`, `admins`.
    pub fn id(self) -> &'static str {
        match self {
            MfaPolicy::None => "none",
            MfaPolicy::FullAdmins => "full_admins",
            MfaPolicy::Admins => "admins",
        }
    }

    /// Reads an id.
    pub fn from_id(id: &str) -> Option<MfaPolicy> {
        match id {
            "none" => Some(MfaPolicy::None),
            "full_admins" => Some(MfaPolicy::FullAdmins),
            "admins" => Some(MfaPolicy::Admins),
            _ => None,
        }
    }

    /// Whether this policy asks a second factor of someone holding (or not) `full_admin` and any
    /// admin role.
    pub fn requires(self, full_admin: bool, any_admin_role: bool) -> bool {
        match self {
            MfaPolicy::None => false,
            MfaPolicy::FullAdmins => full_admin,
            MfaPolicy::Admins => any_admin_role,
        }
    }
}

/// A new authenticator to be confirmed: its secret (base32, for typing in) and its `otpauth://`
/// address (for the QR code).
#[derive(Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The secret in base32.
    pub secret: String,
    /// The `otpauth://totp/…` address authenticator apps read.
    pub url: String,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enrolment { .. }")
    }
}

/// Where a person stands with their second factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MfaStatus {
    /// An authenticator is enrolled.
    pub enrolled: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: usize,
    /// Their org's policy (or break-glass) requires one.
    pub required: bool,
    /// They are a break-glass account of their org.
    pub break_glass: bool,
}

/// The TOTP of a secret, labelled for the person's authenticator app.
fn totp(secret_base32: &str, account: &str) -> Result<Totp, ServiceError> {
    let secret = Secret::try_from_base32(secret_base32).map_err(|_| {
        ServiceError::conflict(
            "the stored authenticator secret is unreadable",
            "het opgeslagen geheim van de authenticator-app is onleesbaar",
        )
    })?;
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some("Rolehub"))
        .build()
        .map_err(|e| {
            ServiceError::conflict(
                format!("the authenticator could not be set up: {e}"),
                format!("de authenticator-app kon niet worden ingesteld: {e}"),
            )
        })
}

/// Checks a six-digit code against a secret at `now`: answers the step it matched, when that step
/// is later than `last_step` (a code is accepted once).
pub fn check_code(
    secret_base32: &str,
    code: &str,
    now: Timestamp,
    last_step: Option<i64>,
) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret_base32, "check").ok()?;
    let secs = u64::try_from(now.0.max(0) / 1000).ok()?;
    let step = i64::try_from(totp.check(&code, secs)?).ok()?;
    (last_step.is_none_or(|last| step > last)).then_some(step)
}

/// The code of a secret at a time: what an authenticator app shows (tests and the CLI's checks).
pub fn code_at(secret_base32: &str, now: Timestamp) -> Result<String, ServiceError> {
    let secs = u64::try_from(now.0.max(0) / 1000).unwrap_or(0);
    Ok(totp(secret_base32, "code")?.generate(secs).to_string())
}

/// A new random secret of 160 bits, in base32.
fn new_totp_secret() -> Result<String, ServiceError> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(super::auth::no_randomness)?;
    Ok(Secret::new_stack(bytes).to_base32())
}

/// A recovery code: ten characters in two groups, easy to read aloud (no 0/O, 1/l).
fn new_recovery_code() -> Result<String, ServiceError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(super::auth::no_randomness)?;
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(format!("{}-{}", &chars[..5], &chars[5..]))
}

/// The stored digest of a recovery code, whatever its case or spacing.
fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    secret_hash(&normal)
}

/// A person's stored second-factor facts.
struct Stored {
    secret: Option<String>,
    pending: Option<String>,
    last_step: Option<i64>,
    break_glass: bool,
}

async fn stored(conn: &mut AnyConnection, person_id: &str) -> Result<Stored, ServiceError> {
    let row = sqlx::query(
        "SELECT totp_secret, totp_pending, totp_last_step, break_glass FROM persons WHERE id = $1",
    )
    .bind(person_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Stored {
        secret: row.try_get("totp_secret")?,
        pending: row.try_get("totp_pending")?,
        last_step: row.try_get("totp_last_step")?,
        break_glass: row.try_get::<i64, _>("break_glass")? != 0,
    })
}

/// Whether the person's home org's policy, or their being a break-glass account, asks a second
/// factor of them.
pub(crate) async fn required_of(
    conn: &mut AnyConnection,
    person: &PersonRecord,
    now: Timestamp,
) -> Result<bool, ServiceError> {
    let s = stored(conn, &person.view.id).await?;
    if s.break_glass {
        return Ok(true);
    }
    let policy: String = sqlx::query("SELECT mfa_required FROM orgs WHERE id = $1")
        .bind(person.view.home_org.clone())
        .fetch_one(&mut *conn)
        .await?
        .try_get("mfa_required")?;
    let policy = MfaPolicy::from_id(&policy).unwrap_or_default();
    if policy == MfaPolicy::None {
        return Ok(false);
    }
    let full_admin =
        load::holds_full_admin(conn, &person.view.id, &person.view.home_org, now).await?;
    let any: i64 = sqlx::query("SELECT COUNT(*) AS n FROM grants WHERE person_id = $1")
        .bind(person.view.id.clone())
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    Ok(policy.requires(full_admin, any > 0))
}

/// Whether the person is a break-glass account of their org.
pub(crate) async fn is_break_glass(
    conn: &mut AnyConnection,
    person_id: &str,
) -> Result<bool, ServiceError> {
    Ok(stored(conn, person_id).await?.break_glass)
}

/// Whether the person has an authenticator.
pub(crate) async fn enrolled(
    conn: &mut AnyConnection,
    person_id: &str,
) -> Result<bool, ServiceError> {
    Ok(stored(conn, person_id).await?.secret.is_some())
}

/// Records an event about a person's own second factor in their home org.
async fn audit_own(
    service: &Service,
    ctx: &Ctx,
    person: &PersonRecord,
    action: &str,
    after: Option<serde_json::Value>,
) -> Result<(), ServiceError> {
    let home = Ctx {
        org: person.view.home_org.clone(),
        actor: person.view.email.clone(),
        ..ctx.clone()
    };
    let mut tx = service.begin_org(&person.view.home_org).await?;
    crate::op::append(
        &mut tx,
        &home,
        Some(person),
        &person.view.home_org,
        action,
        Some(person),
        None,
        after,
        None,
    )
    .await?;
    service.commit(tx).await?;
    Ok(())
}

impl Service {
    /// The org's second-factor policy (`org_settings: read`).
    pub async fn mfa_policy(&self, ctx: &Ctx) -> Result<MfaPolicy, ServiceError> {
        let mut read = crate::op::OrgRead::open(self, ctx).await?;
        decide_settings(&read.principal(), rolehub_domain::Level::Read)?;
        let policy: String = sqlx::query("SELECT mfa_required FROM orgs WHERE id = $1")
            .bind(ctx.org.clone())
            .fetch_one(&mut *read.tx)
            .await?
            .try_get("mfa_required")?;
        read.close().await?;
        Ok(MfaPolicy::from_id(&policy).unwrap_or_default())
    }

    /// The actor's second-factor status.
    pub async fn mfa_status(&self, ctx: &Ctx) -> Result<MfaStatus, ServiceError> {
        let mut conn = self.conn().await?;
        let person = super::actor(&mut conn, ctx).await?;
        self.mfa_status_of(&mut conn, &person, ctx.now).await
    }

    async fn mfa_status_of(
        &self,
        conn: &mut AnyConnection,
        person: &PersonRecord,
        now: Timestamp,
    ) -> Result<MfaStatus, ServiceError> {
        let s = stored(conn, &person.view.id).await?;
        let left: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM recovery_codes WHERE person_id = $1 AND used_at IS NULL",
        )
        .bind(person.view.id.clone())
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
        Ok(MfaStatus {
            enrolled: s.secret.is_some(),
            recovery_codes_left: usize::try_from(left).unwrap_or(0),
            required: required_of(conn, person, now).await?,
            break_glass: s.break_glass,
        })
    }

    /// Starts (or shows again) the actor's enrolment of an authenticator; nothing changes until a
    /// code from it is confirmed.
    pub async fn begin_enrolment(&self, ctx: &Ctx) -> Result<Enrolment, ServiceError> {
        ctx.require_write()?;
        let mut conn = self.conn().await?;
        let person = super::actor(&mut conn, ctx).await?;
        drop(conn);
        self.enrolment_for(&person).await
    }

    /// The enrolment waiting for `person`'s confirmation, made when there is none.
    pub(crate) async fn enrolment_for(
        &self,
        person: &PersonRecord,
    ) -> Result<Enrolment, ServiceError> {
        let mut conn = self.conn().await?;
        let secret = match stored(&mut conn, &person.view.id).await?.pending {
            Some(secret) => secret,
            None => {
                let secret = new_totp_secret()?;
                sqlx::query("UPDATE persons SET totp_pending = $1 WHERE id = $2")
                    .bind(secret.clone())
                    .bind(person.view.id.clone())
                    .execute(&mut *conn)
                    .await?;
                secret
            }
        };
        let url = totp(&secret, &person.view.email)?.to_url().map_err(|e| {
            ServiceError::conflict(
                format!("the authenticator address failed: {e}"),
                format!("het adres voor de authenticator-app is mislukt: {e}"),
            )
        })?;
        Ok(Enrolment { secret, url })
    }

    /// Confirms the actor's enrolment with a code from the new authenticator; answers the
    /// recovery codes, shown once. Audited.
    pub async fn confirm_enrolment(
        &self,
        ctx: &Ctx,
        code: &str,
    ) -> Result<Vec<String>, ServiceError> {
        ctx.require_write()?;
        let mut conn = self.conn().await?;
        let person = super::actor(&mut conn, ctx).await?;
        drop(conn);
        self.confirm_for(ctx, &person, code).await
    }

    pub(crate) async fn confirm_for(
        &self,
        ctx: &Ctx,
        person: &PersonRecord,
        code: &str,
    ) -> Result<Vec<String>, ServiceError> {
        let mut conn = self.conn().await?;
        let Some(pending) = stored(&mut conn, &person.view.id).await?.pending else {
            return Err(ServiceError::conflict(
                "there is no authenticator waiting to be confirmed; start again",
                "er wacht geen authenticator-app op bevestiging; begin opnieuw",
            ));
        };
        drop(conn);
        let Some(step) = check_code(&pending, code, ctx.now, None) else {
            return Err(ServiceError::invalid(
                "code",
                Text::new(
                    "that is not the code your authenticator shows now; check its clock and try the next code",
                    "dat is niet de code die uw authenticator-app nu toont; controleer de klok ervan en probeer de volgende code",
                ),
            ));
        };
        let codes = (0..RECOVERY_CODES)
            .map(|_| new_recovery_code())
            .collect::<Result<Vec<_>, _>>()?;
        let home = Ctx {
            org: person.view.home_org.clone(),
            actor: person.view.email.clone(),
            ..ctx.clone()
        };
        let mut tx = self.begin_org(&person.view.home_org).await?;
        sqlx::query("UPDATE persons SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $1 WHERE id = $2")
            .bind(step)
            .bind(person.view.id.clone())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE person_id = $1")
            .bind(person.view.id.clone())
            .execute(&mut *tx)
            .await?;
        for code in &codes {
            sqlx::query("INSERT INTO recovery_codes (person_id, hash) VALUES ($1, $2)")
                .bind(person.view.id.clone())
                .bind(recovery_hash(code))
                .execute(&mut *tx)
                .await?;
        }
        crate::op::append(
            &mut tx,
            &home,
            Some(person),
            &person.view.home_org,
            "auth.mfa_enrolled",
            Some(person),
            None,
            Some(json!({ "method": "totp", "recovery_codes": RECOVERY_CODES })),
            None,
        )
        .await?;
        self.commit(tx).await?;
        Ok(codes)
    }

    /// Removes the actor's authenticator and recovery codes; refused while their org's policy or
    /// their being a break-glass account requires one. Audited.
    pub async fn remove_authenticator(&self, ctx: &Ctx) -> Result<(), ServiceError> {
        ctx.require_write()?;
        let mut conn = self.conn().await?;
        let person = super::actor(&mut conn, ctx).await?;
        let status = self.mfa_status_of(&mut conn, &person, ctx.now).await?;
        drop(conn);
        if !status.enrolled {
            return Err(ServiceError::conflict(
                "you have no authenticator to remove",
                "u hebt geen authenticator-app om te verwijderen",
            ));
        }
        if status.required {
            return Err(if status.break_glass {
                ServiceError::conflict(
                    "a break-glass account must keep its authenticator",
                    "een noodaccount moet zijn authenticator-app houden",
                )
            } else {
                ServiceError::conflict(
                    "your organization requires a second factor of you: enrol a new authenticator instead of removing this one",
                    "uw organisatie vereist een tweede factor van u: stel een nieuwe authenticator-app in in plaats van deze te verwijderen",
                )
            });
        }
        let mut tx = self.begin_org(&person.view.home_org).await?;
        clear_authenticator(&mut tx, &person.view.id).await?;
        crate::op::append(
            &mut tx,
            ctx,
            Some(&person),
            &person.view.home_org,
            "auth.mfa_removed",
            Some(&person),
            Some(json!({ "method": "totp" })),
            None,
            None,
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// A full administrator resets the authenticator of a user of the org who lost theirs
    /// (`org_settings: write`): it and their recovery codes are removed and their sessions end;
    /// they enrol a new one at their next sign-in where a policy asks for it. A break-glass
    /// account is undesignated first. Audited.
    pub async fn reset_authenticator(&self, ctx: &Ctx, key: &str) -> Result<(), ServiceError> {
        let mut op = crate::op::OrgOp::open(self, ctx, "user.mfa_reset").await?;
        let result = reset_in(&mut op, key).await;
        op.settle(result).await
    }

    /// Checks a person's authenticator or recovery code at sign-in, throttled like passwords; a
    /// code is taken once. A failure is audited.
    pub(crate) async fn check_second_factor(
        &self,
        ctx: &Ctx,
        person: &PersonRecord,
        code: &str,
    ) -> Result<bool, ServiceError> {
        let address = ctx.client_addr.clone().unwrap_or_else(|| "unknown".into());
        let account = format!("code:{}", person.view.id);
        let mut conn = self.conn().await?;
        let attempt = match crate::throttle::begin(&mut conn, &account, &address, ctx.now).await? {
            Ok(attempt) => attempt,
            Err(wait) => {
                return Err(ServiceError::TooMany {
                    retry_after: wait,
                    message: Text::new(
                        format!("too many wrong codes; try again in {wait} seconds"),
                        format!(
                            "te veel verkeerde codes; probeer het over {wait} seconden opnieuw"
                        ),
                    ),
                })
            }
        };
        // Beyond the throttle shared with passwords, a stricter limit of its own: a code has a
        // million values, so wrong codes are few before the account waits a quarter of an hour.
        let recent: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_events WHERE org_id = $1 AND action = 'auth.second_factor_failed' AND target_id = $2 AND at > $3")
            .bind(person.view.home_org.clone())
            .bind(person.view.id.clone())
            .bind(ctx.now.0 - CODE_WINDOW_MS)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
        if recent >= MAX_WRONG_CODES {
            crate::throttle::turned_away(&mut conn, attempt).await?;
            return Err(ServiceError::TooMany {
                retry_after: u64::try_from(CODE_WINDOW_MS / 1000).unwrap_or(900),
                message: Text::new(
                    "too many wrong codes; try again in 15 minutes",
                    "te veel verkeerde codes; probeer het over 15 minuten opnieuw",
                ),
            });
        }
        let s = stored(&mut conn, &person.view.id).await?;
        let mut accepted = false;
        if let Some(secret) = &s.secret {
            if let Some(step) = check_code(secret, code, ctx.now, s.last_step) {
                // Taken once, even by two servers at the same moment.
                accepted = sqlx::query("UPDATE persons SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)")
                    .bind(step)
                    .bind(person.view.id.clone())
                    .execute(&mut *conn)
                    .await?
                    .rows_affected()
                    == 1;
            }
        }
        if !accepted && code.chars().filter(char::is_ascii_alphanumeric).count() == 10 {
            accepted = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE person_id = $2 AND hash = $3 AND used_at IS NULL")
                .bind(ctx.now.0)
                .bind(person.view.id.clone())
                .bind(recovery_hash(code))
                .execute(&mut *conn)
                .await?
                .rows_affected()
                == 1;
            if accepted {
                drop(conn);
                audit_own(self, ctx, person, "auth.recovery_code_used", None).await?;
                let mut conn = self.conn().await?;
                crate::throttle::succeeded(&mut conn, &account, &address, attempt).await?;
                return Ok(true);
            }
        }
        if accepted {
            crate::throttle::succeeded(&mut conn, &account, &address, attempt).await?;
            return Ok(true);
        }
        drop(conn);
        audit_own(
            self,
            ctx,
            person,
            "auth.second_factor_failed",
            Some(json!({ "reason": "wrong, used or expired code" })),
        )
        .await?;
        Ok(false)
    }
}

/// Removes a person's authenticator, the one waiting for confirmation, and their recovery codes.
async fn clear_authenticator(
    conn: &mut AnyConnection,
    person_id: &str,
) -> Result<(), ServiceError> {
    sqlx::query("UPDATE persons SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL WHERE id = $1")
        .bind(person_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE person_id = $1")
        .bind(person_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The org-settings level the actor needs, decided.
fn decide_settings(
    p: &rolehub_domain::ops::Principal<'_>,
    level: rolehub_domain::Level,
) -> Result<(), ServiceError> {
    p.decide(
        rolehub_domain::Area::OrgSettings,
        level,
        rolehub_domain::Target::Org,
    )
    .into_result()?;
    Ok(())
}

async fn reset_in(op: &mut crate::op::OrgOp<'_>, key: &str) -> Result<(), ServiceError> {
    super::sso::require_own_full_admin(op)?;
    let target = op.member(key).await?;
    let s = stored(&mut op.tx, &target.view.id).await?;
    if s.secret.is_none() && s.pending.is_none() {
        let email = &target.view.email;
        return Err(ServiceError::conflict(
            format!("{email} has no authenticator to reset"),
            format!("{email} heeft geen authenticator-app om te herstellen"),
        ));
    }
    if s.break_glass {
        let email = &target.view.email;
        return Err(ServiceError::conflict(
            format!("{email} is a break-glass account, which must keep its authenticator; undesignate it first"),
            format!("{email} is een noodaccount, dat zijn authenticator-app moet houden; wijs het eerst niet meer aan"),
        ));
    }
    clear_authenticator(&mut op.tx, &target.view.id).await?;
    super::auth::end_sessions(&mut op.tx, &target.view.id, op.ctx.now).await?;
    op.record(
        "user.mfa_reset",
        Some(&target),
        Some(json!({ "authenticator": s.secret.is_some() })),
        Some(json!({ "authenticator": false })),
    )
    .await
}

/// A random secret for a nonce or PKCE verifier (64 hex digits).
pub fn random_token() -> Result<String, ServiceError> {
    new_secret()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_but_only_once() {
        let secret = new_totp_secret().unwrap_or_default();
        let now = Timestamp(1_800_000_000_000);
        let code = code_at(&secret, now).unwrap_or_default();
        let step = check_code(&secret, &code, now, None);
        assert!(step.is_some());
        // 30 seconds later the same code is one step of drift: still good the first time.
        assert!(check_code(&secret, &code, now.plus_ms(30_000), None).is_some());
        // Two steps later it is not.
        assert!(check_code(&secret, &code, now.plus_ms(61_000), None).is_none());
        // Once its step is used, it is refused.
        assert!(check_code(&secret, &code, now, step).is_none());
    }

    #[test]
    fn codes_are_six_digits_spaces_ignored() {
        let secret = new_totp_secret().unwrap_or_default();
        let now = Timestamp(1_800_000_000_000);
        let code = code_at(&secret, now).unwrap_or_default();
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(check_code(&secret, &spaced, now, None).is_some());
        assert!(check_code(&secret, "12345", now, None).is_none());
        assert!(check_code(&secret, "abcdef", now, None).is_none());
    }

    #[test]
    fn rfc_6238_vector_for_sha1() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s gives 94287082 (8 digits);
        // its last six digits are what a six-digit authenticator shows.
        let secret = Secret::new(Box::from(&b"12345678901234567890"[..])).to_base32();
        assert_eq!(
            code_at(&secret, Timestamp(59_000)).unwrap_or_default(),
            "287082"
        );
    }

    #[test]
    fn recovery_codes_read_whatever_their_case_or_dashes() {
        let code = new_recovery_code().unwrap_or_default();
        assert_eq!(code.len(), 11);
        assert_eq!(
            recovery_hash(&code),
            recovery_hash(&code.to_uppercase().replace('-', " "))
        );
    }

    #[test]
    fn the_policy_asks_whom_it_names() {
        assert!(!MfaPolicy::None.requires(true, true));
        assert!(MfaPolicy::FullAdmins.requires(true, true));
        assert!(!MfaPolicy::FullAdmins.requires(false, true));
        assert!(MfaPolicy::Admins.requires(false, true));
        assert!(!MfaPolicy::Admins.requires(false, false));
        for p in [MfaPolicy::None, MfaPolicy::FullAdmins, MfaPolicy::Admins] {
            assert_eq!(MfaPolicy::from_id(p.id()), Some(p));
        }
    }
}
