//! Single sign-on through an org's OpenID Connect provider: its configuration (by a full
//! administrator), the sign-in in progress between the redirect and the callback, the mapping of
//! the provider's verified email to a person of the org, enforcement (no password sign-in for the
//! org's people but its break-glass accounts), and break-glass accounts themselves.
//!
//! The protocol itself (discovery, PKCE, the ID token's signature and claims) is the server's: the
//! service receives an email the server has proven, and decides who that is.

use rolehub_domain::{quoted, Area, Level, Role, Status, Target, Timestamp};
use serde_json::{json, Value};
use sqlx::{AnyConnection, Row};

use super::auth::SignInError;
use super::pending::{Pending, PendingKind};
use super::{Ctx, NewUser, Service};
use crate::error::{ServiceError, Text};
use crate::load::{self, PersonRecord};
use crate::op::{OrgOp, OrgRead};

/// The most break-glass accounts an org may have: a few, so that each is watched.
pub const MAX_BREAK_GLASS: usize = 2;

/// The shortest password a break-glass account signs in with while single sign-on is enforced.
pub const BREAK_GLASS_MIN_PASSWORD: usize = 16;

/// An org's OpenID Connect provider, with its client secret (for the token request only).
#[derive(Clone, PartialEq, Eq)]
pub struct SsoConfig {
    /// The issuer (`https://…`), whose `/.well-known/openid-configuration` is read.
    pub issuer: String,
    /// Rolehub's client id at the provider.
    pub client_id: String,
    /// Rolehub's client secret at the provider; never shown, never logged.
    pub client_secret: String,
    /// Password sign-in is refused for the org's people (but break-glass accounts).
    pub enforced: bool,
    /// A verified email of the org's provider that names nobody adds them as a user.
    pub just_in_time: bool,
    /// When it was last changed.
    pub updated_at: Timestamp,
}

impl std::fmt::Debug for SsoConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("enforced", &self.enforced)
            .field("just_in_time", &self.just_in_time)
            .finish()
    }
}

/// A change of an org's single sign-on.
#[derive(Clone, PartialEq, Eq)]
pub struct SsoChange {
    /// The issuer URL.
    pub issuer: String,
    /// The client id.
    pub client_id: String,
    /// A new client secret; `None` keeps the stored one.
    pub client_secret: Option<String>,
    /// Enforce single sign-on.
    pub enforced: bool,
    /// Add unknown people of the provider as users.
    pub just_in_time: bool,
}

impl std::fmt::Debug for SsoChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoChange")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("enforced", &self.enforced)
            .field("just_in_time", &self.just_in_time)
            .finish()
    }
}

/// Checks an issuer: `https://`, or `http://` on this machine only (a provider under test).
pub fn validate_issuer(issuer: &str) -> Result<String, ServiceError> {
    let issuer = issuer.trim().trim_end_matches('/').to_string();
    let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| {
            issuer.strip_prefix(p).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with(':') || rest.starts_with('/')
            })
        });
    let host_ok = issuer
        .strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    if (host_ok || local) && !issuer.contains(char::is_whitespace) && issuer.len() <= 2048 {
        Ok(issuer)
    } else {
        Err(ServiceError::invalid(
            "issuer",
            Text::new(
                format!("{} is not an issuer address: it starts with https:// (http:// only for 127.0.0.1 or localhost)", quoted(&issuer)),
                format!("{} is geen adres van een uitgever: het begint met https:// (http:// alleen voor 127.0.0.1 of localhost)", quoted(&issuer)),
            ),
        ))
    }
}

fn config_from(row: &sqlx::any::AnyRow) -> Result<SsoConfig, sqlx::Error> {
    Ok(SsoConfig {
        issuer: row.try_get("issuer")?,
        client_id: row.try_get("client_id")?,
        client_secret: row.try_get("client_secret")?,
        enforced: row.try_get::<i64, _>("enforced")? != 0,
        just_in_time: row.try_get::<i64, _>("just_in_time")? != 0,
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

pub(crate) async fn config_of(
    conn: &mut AnyConnection,
    org: &str,
) -> Result<Option<SsoConfig>, ServiceError> {
    let row = sqlx::query("SELECT issuer, client_id, client_secret, enforced, just_in_time, updated_at FROM org_sso WHERE org_id = $1")
        .bind(org)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(config_from).transpose()?)
}

/// The audit form of a configuration: everything but the secret.
fn audited(config: Option<&SsoConfig>) -> Option<Value> {
    config.map(|c| {
        json!({
            "issuer": c.issuer,
            "client_id": c.client_id,
            "enforced": c.enforced,
            "just_in_time": c.just_in_time,
        })
    })
}

/// How a person signs in, as the sign-in page asks once it has their email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInMethod {
    /// With a password (and a second factor where one is enrolled or required).
    Password,
    /// Through their home org's provider.
    Sso {
        /// The home org.
        org: String,
        /// Password sign-in is refused (but for break-glass accounts).
        enforced: bool,
    },
}

impl Service {
    /// The org's single sign-on, without its secret (`org_settings: read`): `None` when the org
    /// signs in with passwords.
    pub async fn sso_settings(&self, ctx: &Ctx) -> Result<Option<SsoConfig>, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        read.principal()
            .decide(Area::OrgSettings, Level::Read, Target::Org)
            .into_result()?;
        let config = config_of(&mut read.tx, &ctx.org).await?;
        read.close().await?;
        Ok(config.map(|c| SsoConfig {
            client_secret: String::new(),
            ..c
        }))
    }

    /// Sets the org's single sign-on (`org_settings: write`, a full administrator). Enforcing it
    /// needs a break-glass account, so that the org can still sign in when its provider is down.
    pub async fn set_sso(&self, ctx: &Ctx, change: &SsoChange) -> Result<(), ServiceError> {
        let issuer = validate_issuer(&change.issuer)?;
        let client_id = change.client_id.trim().to_string();
        if client_id.is_empty() || client_id.len() > 512 {
            return Err(ServiceError::invalid(
                "client_id",
                Text::new(
                    "give the client id the provider shows (1 to 512 characters)",
                    "geef de client-id die de provider toont (1 tot 512 tekens)",
                ),
            ));
        }
        if change
            .client_secret
            .as_ref()
            .is_some_and(|s| s.len() > 4096)
        {
            return Err(ServiceError::invalid(
                "client_secret",
                Text::new("at most 4096 characters", "hoogstens 4096 tekens"),
            ));
        }
        let mut op = OrgOp::open(self, ctx, "org.sso").await?;
        let result = set_sso_in(&mut op, issuer, client_id, change).await;
        op.settle(result).await
    }

    /// Ends the org's single sign-on: its people sign in with passwords again.
    pub async fn remove_sso(&self, ctx: &Ctx) -> Result<(), ServiceError> {
        let mut op = OrgOp::open(self, ctx, "org.sso").await?;
        let result = remove_sso_in(&mut op).await;
        op.settle(result).await
    }

    /// An org's provider with its secret, for the sign-in flow (before anyone is signed in).
    pub async fn sso_config(&self, org: &str) -> Result<Option<SsoConfig>, ServiceError> {
        let mut conn = self.conn().await?;
        config_of(&mut conn, org).await
    }

    /// How the person with this email signs in: through their home org's provider, or with a
    /// password. An unknown email answers `Password` (the password step then fails as any does).
    pub async fn sign_in_method(&self, email: &str) -> Result<SignInMethod, ServiceError> {
        let email = email.trim().to_lowercase();
        let mut conn = self.conn().await?;
        let Some(person) = load::person_by_email(&mut conn, &email).await? else {
            return Ok(SignInMethod::Password);
        };
        Ok(match config_of(&mut conn, &person.view.home_org).await? {
            Some(c) => SignInMethod::Sso {
                org: person.view.home_org,
                enforced: c.enforced,
            },
            None => SignInMethod::Password,
        })
    }

    /// Remembers an OpenID Connect sign-in sent to `org`'s provider, bound to the browser that
    /// keeps `binding`; answers its `state`.
    pub async fn begin_sso(
        &self,
        org: &str,
        nonce: &str,
        verifier: &str,
        binding: &str,
        now: Timestamp,
    ) -> Result<String, ServiceError> {
        let pending = Pending {
            org: Some(org.to_string()),
            person_id: None,
            nonce: Some(nonce.to_string()),
            verifier: Some(verifier.to_string()),
            method: Some("sso".into()),
            binding: Some(super::auth::secret_hash(binding)),
        };
        self.hold_pending(PendingKind::Sso, &pending, now).await
    }

    /// Takes the sign-in a callback's `state` names: once, only while it is fresh, and only for
    /// the browser that began it (`binding`, the secret of its cookie).
    pub async fn take_sso(
        &self,
        state: &str,
        binding: &str,
        now: Timestamp,
    ) -> Result<Option<Pending>, ServiceError> {
        let taken = self.take_pending(PendingKind::Sso, state, now).await?;
        let expected = super::auth::secret_hash(binding);
        Ok(taken.filter(|p| p.binding.as_deref() == Some(expected.as_str())))
    }

    /// Signs in the person of `org` whose email the org's provider has proven: an interactive
    /// sign-in (R-AUTH-2, so R-SITE-3 and R-EXT-6 count it) recorded and audited with its method.
    /// An email that names nobody of the org is refused, unless the org adds such people
    /// (just-in-time); a pending person becomes active, a deactivated one is refused.
    pub async fn sso_sign_in(
        &self,
        ctx: &Ctx,
        org: &str,
        email: &str,
        name: Option<&str>,
    ) -> Result<PersonRecord, SignInError> {
        let email = email.trim().to_lowercase();
        let mut conn = self.conn().await?;
        let config = config_of(&mut conn, org)
            .await?
            .ok_or(SignInError::SsoNotConfigured)?;
        let found = load::person_by_email(&mut conn, &email).await?;
        drop(conn);
        let person = match found {
            Some(p) if p.view.home_org == org => p,
            // A person of another org signs in with their own org's method.
            Some(_) => return Err(SignInError::UnknownSsoPerson { email }),
            None if config.just_in_time => {
                self.add_just_in_time(ctx, org, &email, name, &config)
                    .await?
            }
            None => return Err(SignInError::UnknownSsoPerson { email }),
        };
        if person.view.status == Status::Inactive {
            return Err(SignInError::Deactivated);
        }
        if person.view.status == Status::Pending {
            let mut tx = self.begin_org(org).await?;
            sqlx::query("UPDATE persons SET status = 'active', modified_at = $1 WHERE id = $2 AND status = 'pending'")
                .bind(ctx.now.0)
                .bind(person.view.id.clone())
                .execute(&mut *tx)
                .await
                .map_err(ServiceError::from)?;
            sqlx::query("UPDATE activations SET voided_at = $1 WHERE person_id = $2 AND used_at IS NULL AND voided_at IS NULL")
                .bind(ctx.now.0)
                .bind(person.view.id.clone())
                .execute(&mut *tx)
                .await
                .map_err(ServiceError::from)?;
            // The status change is audited with it, as an activation is.
            let home = Ctx {
                org: org.to_string(),
                actor: person.view.email.clone(),
                ..ctx.clone()
            };
            crate::op::append(
                &mut tx,
                &home,
                Some(&person),
                org,
                "user.status",
                Some(&person),
                Some(json!({ "status": "pending" })),
                Some(json!({ "status": "active", "by": "sso" })),
                None,
            )
            .await?;
            self.commit(tx).await?;
        }
        super::users::record_sign_in(self, &person, ctx, "sso").await?;
        let mut conn = self.conn().await?;
        Ok(load::person_by_id(&mut conn, &person.view.id)
            .await?
            .unwrap_or(person))
    }

    /// Adds the person a provider proved, on the authority of the full administrator who last
    /// set the org's single sign-on (the audit log names the provider as the client).
    async fn add_just_in_time(
        &self,
        ctx: &Ctx,
        org: &str,
        email: &str,
        name: Option<&str>,
        config: &SsoConfig,
    ) -> Result<PersonRecord, SignInError> {
        let mut conn = self.conn().await?;
        let by: Option<String> = sqlx::query("SELECT updated_by FROM org_sso WHERE org_id = $1")
            .bind(org)
            .fetch_optional(&mut *conn)
            .await
            .map_err(ServiceError::from)?
            .map(|r| r.try_get("updated_by"))
            .transpose()
            .map_err(ServiceError::from)?
            .flatten();
        drop(conn);
        let Some(by) = by else {
            return Err(SignInError::UnknownSsoPerson {
                email: email.to_string(),
            });
        };
        let mut acting = Ctx::new(by, org, ctx.now);
        acting.request_id = ctx.request_id.clone();
        acting.client_addr = ctx.client_addr.clone();
        acting.client = Some(format!("sso:{}", config.issuer));
        let (first, last) = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => match n.rsplit_once(' ') {
                Some((f, l)) => (f.to_string(), l.to_string()),
                None => (n.to_string(), String::new()),
            },
            None => (String::new(), String::new()),
        };
        let user = NewUser {
            email: email.to_string(),
            first,
            last,
            location: None,
            display_name: name.map(str::to_string),
            licenses: Vec::new(),
            roles: Vec::new(),
        };
        self.add_user(&acting, &user).await.map_err(|e| match e {
            ServiceError::Refused(_) | ServiceError::NotFound { .. } => {
                SignInError::UnknownSsoPerson {
                    email: email.to_string(),
                }
            }
            other => SignInError::Service(other),
        })
    }

    /// Designates (or undesignates) a break-glass account of the org: a full administrator of the
    /// org, with an authenticator, who may sign in with a password while single sign-on is
    /// enforced. At most [`MAX_BREAK_GLASS`]. Needs `org_settings: write`.
    pub async fn set_break_glass(
        &self,
        ctx: &Ctx,
        key: &str,
        on: bool,
    ) -> Result<(), ServiceError> {
        let mut op = OrgOp::open(self, ctx, "user.break_glass").await?;
        let result = set_break_glass_in(&mut op, key, on).await;
        op.settle(result).await
    }

    /// The org's break-glass accounts (`org_settings: read`).
    pub async fn break_glass_accounts(&self, ctx: &Ctx) -> Result<Vec<PersonRecord>, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        read.principal()
            .decide(Area::OrgSettings, Level::Read, Target::Org)
            .into_result()?;
        let ids: Vec<String> = sqlx::query(
            "SELECT id FROM persons WHERE home_org = $1 AND break_glass = 1 ORDER BY email",
        )
        .bind(ctx.org.clone())
        .fetch_all(&mut *read.tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
        let mut people = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(p) = load::person_by_id(&mut read.tx, &id).await? {
                people.push(p);
            }
        }
        read.close().await?;
        Ok(people)
    }

    /// Break-glass sign-ins in the org since `since`, newest first: (who, when). Shown to the
    /// org's full administrators (`org_settings: write`), so that every use is seen.
    pub async fn break_glass_sign_ins(
        &self,
        ctx: &Ctx,
        since: Timestamp,
    ) -> Result<Vec<(String, Timestamp)>, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        if !read
            .principal()
            .decide(Area::OrgSettings, Level::Write, Target::Org)
            .allowed
        {
            read.close().await?;
            return Ok(Vec::new());
        }
        let rows = sqlx::query("SELECT actor_email, at FROM audit_events WHERE org_id = $1 AND action = 'auth.break_glass_sign_in' AND at >= $2 ORDER BY at DESC LIMIT 20")
            .bind(ctx.org.clone())
            .bind(since.0)
            .fetch_all(&mut *read.tx)
            .await?;
        let found = rows
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<Option<String>, _>("actor_email")?
                        .unwrap_or_default(),
                    Timestamp(r.try_get("at")?),
                ))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        read.close().await?;
        Ok(found)
    }
}

/// How the org's people sign in is the org's own matter: its own (internal) full administrators
/// decide it, never a partner's or another external administrator, who could otherwise point the
/// org at a provider of their own and sign in as its people.
pub(crate) fn require_own_full_admin(op: &OrgOp<'_>) -> Result<(), ServiceError> {
    op.principal()
        .decide(Area::OrgSettings, Level::Write, Target::Org)
        .into_result()?;
    if op.actor.view.home_org != op.ctx.org || !op.principal().holds_in_effect(Role::FullAdmin) {
        return Err(ServiceError::conflict(
            "only the organization's own full administrators set how its people sign in; partner and other external administrators cannot",
            "alleen de eigen volledige beheerders van de organisatie bepalen hoe haar mensen zich aanmelden; partnerbeheerders en andere externe beheerders niet",
        ));
    }
    Ok(())
}

async fn set_sso_in(
    op: &mut OrgOp<'_>,
    issuer: String,
    client_id: String,
    change: &SsoChange,
) -> Result<(), ServiceError> {
    require_own_full_admin(op)?;
    let org = op.ctx.org.clone();
    let before = config_of(&mut op.tx, &org).await?;
    let secret = match (&change.client_secret, &before) {
        (Some(s), _) if !s.trim().is_empty() => s.trim().to_string(),
        // The stored secret goes only to the provider it was given for.
        (_, Some(b)) if b.issuer == issuer && b.client_id == client_id => b.client_secret.clone(),
        (_, Some(_)) => {
            return Err(ServiceError::invalid(
                "client_secret",
                Text::new(
                    "a new issuer or client id needs its client secret given again",
                    "geef bij een nieuwe uitgever of client-id ook het clientgeheim opnieuw",
                ),
            ))
        }
        _ => {
            return Err(ServiceError::invalid(
                "client_secret",
                Text::new(
                    "give the client secret the provider showed when the client was made",
                    "geef het clientgeheim dat de provider toonde toen de client werd gemaakt",
                ),
            ))
        }
    };
    if change.enforced {
        let glass: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM persons WHERE home_org = $1 AND break_glass = 1",
        )
        .bind(org.clone())
        .fetch_one(&mut *op.tx)
        .await?
        .try_get("n")?;
        if glass == 0 {
            return Err(ServiceError::conflict(
                "single sign-on can be enforced once the organization has a break-glass account, so that it can still sign in when its provider is down",
                "eenmalige aanmelding kan pas verplicht worden als de organisatie een noodaccount heeft, zodat ze zich nog kan aanmelden als haar provider uitvalt",
            ));
        }
    }
    sqlx::query("DELETE FROM org_sso WHERE org_id = $1")
        .bind(org.clone())
        .execute(&mut *op.tx)
        .await?;
    sqlx::query("INSERT INTO org_sso (org_id, issuer, client_id, client_secret, enforced, just_in_time, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(org.clone())
        .bind(issuer.clone())
        .bind(client_id.clone())
        .bind(secret.clone())
        .bind(i64::from(change.enforced))
        .bind(i64::from(change.just_in_time))
        .bind(op.ctx.now.0)
        .bind(op.actor.view.email.clone())
        .execute(&mut *op.tx)
        .await?;
    let after = SsoConfig {
        issuer,
        client_id,
        client_secret: String::new(),
        enforced: change.enforced,
        just_in_time: change.just_in_time,
        updated_at: op.ctx.now,
    };
    let mut after_json = audited(Some(&after)).unwrap_or_default();
    if let Some(obj) = after_json.as_object_mut() {
        let changed = before.as_ref().is_none_or(|b| b.client_secret != secret);
        obj.insert(
            "client_secret".into(),
            json!(if changed { "changed" } else { "kept" }),
        );
    }
    op.record("org.sso", None, audited(before.as_ref()), Some(after_json))
        .await
}

async fn remove_sso_in(op: &mut OrgOp<'_>) -> Result<(), ServiceError> {
    require_own_full_admin(op)?;
    let org = op.ctx.org.clone();
    let before = config_of(&mut op.tx, &org).await?;
    if before.is_none() {
        return Err(ServiceError::conflict(
            "the organization has no single sign-on to remove",
            "de organisatie heeft geen eenmalige aanmelding om te verwijderen",
        ));
    }
    sqlx::query("DELETE FROM org_sso WHERE org_id = $1")
        .bind(org)
        .execute(&mut *op.tx)
        .await?;
    op.record("org.sso", None, audited(before.as_ref()), None)
        .await
}

async fn set_break_glass_in(op: &mut OrgOp<'_>, key: &str, on: bool) -> Result<(), ServiceError> {
    require_own_full_admin(op)?;
    let target = op.member(key).await?;
    let org = op.ctx.org.clone();
    if on {
        let full_admin =
            rolehub_domain::ops::Principal::in_state(&op.state, &target.view, op.ctx.now)
                .holds_in_effect(Role::FullAdmin);
        if !full_admin {
            let email = &target.view.email;
            return Err(ServiceError::conflict(
                format!("{email} is not a full administrator of this organization; only full administrators can be break-glass accounts"),
                format!("{email} is geen volledige beheerder van deze organisatie; alleen volledige beheerders kunnen noodaccounts zijn"),
            ));
        }
        if !super::mfa::enrolled(&mut op.tx, &target.view.id).await? {
            let email = &target.view.email;
            return Err(ServiceError::conflict(
                format!("{email} has no authenticator yet; a break-glass account signs in with a password and an authenticator code, so they enrol one on their account page first"),
                format!("{email} heeft nog geen authenticator-app; een noodaccount meldt zich aan met een wachtwoord en een code van die app, dus deze persoon stelt er eerst een in op de eigen accountpagina"),
            ));
        }
        let others: i64 = sqlx::query("SELECT COUNT(*) AS n FROM persons WHERE home_org = $1 AND break_glass = 1 AND id <> $2")
            .bind(org.clone())
            .bind(target.view.id.clone())
            .fetch_one(&mut *op.tx)
            .await?
            .try_get("n")?;
        if usize::try_from(others).unwrap_or(0) >= MAX_BREAK_GLASS {
            return Err(ServiceError::conflict(
                format!("an organization has at most {MAX_BREAK_GLASS} break-glass accounts; undesignate one first"),
                format!("een organisatie heeft hoogstens {MAX_BREAK_GLASS} noodaccounts; wijs er eerst een niet meer aan"),
            ));
        }
    } else {
        let enforced = config_of(&mut op.tx, &org)
            .await?
            .is_some_and(|c| c.enforced);
        let left: i64 = sqlx::query("SELECT COUNT(*) AS n FROM persons WHERE home_org = $1 AND break_glass = 1 AND id <> $2")
            .bind(org.clone())
            .bind(target.view.id.clone())
            .fetch_one(&mut *op.tx)
            .await?
            .try_get("n")?;
        if enforced && left == 0 {
            return Err(ServiceError::conflict(
                "this is the last break-glass account while single sign-on is enforced; designate another one first, or stop enforcing",
                "dit is het laatste noodaccount terwijl eenmalige aanmelding verplicht is; wijs eerst een ander aan, of maak eenmalige aanmelding niet meer verplicht",
            ));
        }
    }
    sqlx::query("UPDATE persons SET break_glass = $1, modified_at = $2 WHERE id = $3")
        .bind(i64::from(on))
        .bind(op.ctx.now.0)
        .bind(target.view.id.clone())
        .execute(&mut *op.tx)
        .await?;
    op.record(
        "user.break_glass",
        Some(&target),
        Some(json!({ "break_glass": !on })),
        Some(json!({ "break_glass": on })),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_or_this_machine() {
        assert_eq!(
            validate_issuer(" https://login.example.com/tenant/v2.0/ ")
                .ok()
                .as_deref(),
            Some("https://login.example.com/tenant/v2.0")
        );
        assert!(validate_issuer("http://127.0.0.1:4000").is_ok());
        assert!(validate_issuer("http://localhost").is_ok());
        assert!(validate_issuer("http://login.example.com").is_err());
        assert!(validate_issuer("http://127.0.0.1.example.com").is_err());
        assert!(validate_issuer("https://").is_err());
        assert!(validate_issuer("ftp://x").is_err());
    }

    #[test]
    fn a_configuration_never_prints_its_secret() {
        let c = SsoConfig {
            issuer: "https://idp.example.com".into(),
            client_id: "rolehub".into(),
            client_secret: "s3cret-value".into(),
            enforced: false,
            just_in_time: false,
            updated_at: Timestamp(0),
        };
        assert!(!format!("{c:?}").contains("s3cret"));
        let change = SsoChange {
            issuer: c.issuer.clone(),
            client_id: c.client_id.clone(),
            client_secret: Some("s3cret-value".into()),
            enforced: false,
            just_in_time: false,
        };
        assert!(!format!("{change:?}").contains("s3cret"));
    }
}
