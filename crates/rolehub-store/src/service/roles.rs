//! Role changes and access checks.

use rolehub_domain::change::{self, Actor, NewGrant, Verification};
use rolehub_domain::{Area, Decision, Level, OrgView, Role, Scope, ScopeKind, Target, Timestamp};
use sqlx::Row;

use super::{actor, apply_plan, person, ChangeOutcome, Ctx, Service};
use crate::error::ServiceError;
use crate::load::{self, GRANT_COLUMNS};

/// A role to assign.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssignRequest {
    /// The person's email.
    pub person: String,
    /// The role id.
    pub role: String,
    /// The site, for site roles.
    pub site: Option<String>,
    /// The locations, for the location role.
    pub locations: Vec<String>,
    /// An explicit end.
    pub expires_at: Option<Timestamp>,
}

/// Reads a role id, or says which ids exist.
pub fn parse_role(id: &str) -> Result<Role, ServiceError> {
    Role::from_id(id).ok_or_else(|| {
        ServiceError::invalid(
            "role",
            format!(
                "`{id}` is not a role; roles are {}",
                Role::ALL.map(Role::id).join(", ")
            ),
        )
    })
}

/// The scope a request names, checked against the org's sites and locations.
pub fn scope_for(
    org: &OrgView,
    role: Role,
    site: Option<&str>,
    locations: &[String],
) -> Result<Scope, ServiceError> {
    match role.scope_kind() {
        ScopeKind::Site => {
            let url = site.ok_or_else(|| {
                ServiceError::invalid("site", format!("`{role}` is a site role: name the site"))
            })?;
            let site = org
                .site(url)
                .ok_or_else(|| ServiceError::not_found("site", url))?;
            Ok(Scope::Site(site.url.clone()))
        }
        ScopeKind::Locations => {
            let mut sorted: Vec<String> = locations.to_vec();
            sorted.sort();
            sorted.dedup();
            if let Some(unknown) = sorted.iter().find(|l| !org.has_location(l)) {
                return Err(ServiceError::not_found("location", unknown.clone()));
            }
            Ok(Scope::Locations(sorted))
        }
        ScopeKind::Org => {
            if site.is_some() {
                return Err(ServiceError::invalid(
                    "site",
                    format!("`{role}` is not a site role"),
                ));
            }
            if !locations.is_empty() {
                return Err(ServiceError::invalid(
                    "locations",
                    format!("`{role}` is not scoped to locations"),
                ));
            }
            Ok(Scope::Org)
        }
    }
}

impl Service {
    /// Assigns a role (R-ASSIGN-*, R-EXT-*, R-CCSA-*, R-SITE-*, R-LOC-1, R-ATA-*, R-MCA-1, R-ORG-1).
    pub async fn assign(
        &self,
        ctx: &Ctx,
        req: &AssignRequest,
    ) -> Result<ChangeOutcome, ServiceError> {
        let role = parse_role(&req.role)?;
        if let Some(end) = req.expires_at {
            if end <= ctx.now {
                return Err(ServiceError::invalid(
                    "expiresAt",
                    "the expiry lies in the past",
                ));
            }
        }
        let mut tx = self.begin_org(&ctx.org).await?;
        let state = load::org_state(&mut tx, &ctx.org).await?;
        let actor = actor(&mut tx, ctx).await?;
        let target = person(&mut tx, &req.person).await?;
        let scope = scope_for(&state.org, role, req.site.as_deref(), &req.locations)?;
        let has_premium = target.view.home_org == ctx.org
            && load::licenses_of(&mut tx, &target.view.id)
                .await?
                .iter()
                .any(|l| l == "cc_premium_agent");
        let home_full_admin =
            load::holds_full_admin(&mut tx, &actor.view.id, &actor.view.home_org, ctx.now).await?;
        let planned = change::check_assign(
            &state,
            Actor {
                person: &actor.view,
                home_full_admin,
            },
            &target.view,
            has_premium,
            NewGrant {
                role,
                scope,
                expires_at: req.expires_at,
            },
            ctx.now,
        );
        apply_plan(tx, ctx, &actor, &target, &state, "role.assign", planned, 0).await
    }

    /// Revokes one grant (R-ASSIGN-4, R-ASSIGN-3, R-MCA-1).
    pub async fn revoke(
        &self,
        ctx: &Ctx,
        person_email: &str,
        role: &str,
        site: Option<&str>,
    ) -> Result<ChangeOutcome, ServiceError> {
        let role = parse_role(role)?;
        let mut tx = self.begin_org(&ctx.org).await?;
        let state = load::org_state(&mut tx, &ctx.org).await?;
        let actor = actor(&mut tx, ctx).await?;
        let target = person(&mut tx, person_email).await?;
        let grant = change::find_grant(state.grants_of(&target.view.id), role, site)
            .cloned()
            .ok_or_else(|| ServiceError::not_found("grant", format!("{role} of {person_email}")))?;
        let home_full_admin =
            load::holds_full_admin(&mut tx, &actor.view.id, &actor.view.home_org, ctx.now).await?;
        let planned = change::check_revoke(
            &state,
            Actor {
                person: &actor.view,
                home_full_admin,
            },
            &target.view,
            &grant,
            ctx.now,
        );
        apply_plan(tx, ctx, &actor, &target, &state, "role.revoke", planned, 1).await
    }

    /// Removes every grant a person holds in the org (R-EXT-5).
    pub async fn revoke_all(
        &self,
        ctx: &Ctx,
        person_email: &str,
    ) -> Result<ChangeOutcome, ServiceError> {
        let mut tx = self.begin_org(&ctx.org).await?;
        let state = load::org_state(&mut tx, &ctx.org).await?;
        let actor = actor(&mut tx, ctx).await?;
        let target = person(&mut tx, person_email).await?;
        let count = state.grants_of(&target.view.id).len();
        if count == 0 {
            return Err(ServiceError::not_found("administrator", person_email));
        }
        let home_full_admin =
            load::holds_full_admin(&mut tx, &actor.view.id, &actor.view.home_org, ctx.now).await?;
        let planned = change::check_revoke_all(
            &state,
            Actor {
                person: &actor.view,
                home_full_admin,
            },
            &target.view,
            ctx.now,
        );
        apply_plan(
            tx,
            ctx,
            &actor,
            &target,
            &state,
            "role.revoke_all",
            planned,
            count,
        )
        .await
    }

    /// The email check of "add external administrator" (R-EXT-1, R-EXT-3). Reads only.
    pub async fn verify_external(
        &self,
        ctx: &Ctx,
        email: &str,
    ) -> Result<Verification, ServiceError> {
        let mut tx = self.begin_read().await?;
        let state = load::org_state(&mut tx, &ctx.org).await?;
        let actor = actor(&mut tx, ctx).await?;
        let candidate = load::person_by_email(&mut tx, email).await?;
        let verified = change::verify_external(
            &state,
            &actor.view,
            candidate.as_ref().map(|c| &c.view),
            email,
            ctx.now,
        )?;
        tx.rollback().await?;
        Ok(verified)
    }

    /// Adds an external administrator with a role: the email check, then the assignment.
    pub async fn add_external(
        &self,
        ctx: &Ctx,
        email: &str,
        role: &str,
        site: Option<&str>,
    ) -> Result<ChangeOutcome, ServiceError> {
        if let Err(ServiceError::Refused(refusal)) = self.verify_external(ctx, email).await {
            if !ctx.dry_run {
                // Refused role changes are audited, also when the email check refuses them.
                let mut tx = self.begin_org(&ctx.org).await?;
                let actor = actor(&mut tx, ctx).await?;
                let target = load::person_by_email(&mut tx, email).await?;
                let attempt =
                    serde_json::json!({ "email": email.trim().to_lowercase(), "role": role });
                super::record(
                    &mut tx,
                    ctx,
                    Some(&actor),
                    "role.assign",
                    target.as_ref(),
                    Some(attempt),
                    None,
                    Some(&refusal),
                )
                .await?;
                tx.commit().await?;
            }
            return Err(ServiceError::Refused(refusal));
        }
        let request = AssignRequest {
            person: email.to_string(),
            role: role.to_string(),
            site: site.map(str::to_string),
            ..AssignRequest::default()
        };
        self.assign(ctx, &request).await
    }

    /// The access decision for the actor (R-PERM-1 and the rules it defers to).
    pub async fn check(
        &self,
        ctx: &Ctx,
        area: &str,
        level: &str,
        site: Option<&str>,
        location: Option<&str>,
    ) -> Result<Decision, ServiceError> {
        let area = Area::from_id(area).ok_or_else(|| {
            ServiceError::invalid(
                "area",
                format!(
                    "`{area}` is not an access area; areas are {}",
                    Area::ALL.map(Area::id).join(", ")
                ),
            )
        })?;
        let level = Level::from_id(level).ok_or_else(|| {
            ServiceError::invalid(
                "level",
                format!("`{level}` is not a level; use `read` or `write`"),
            )
        })?;
        let mut conn = self.db.pool.acquire().await?;
        let org = load::org_view(&mut conn, &ctx.org).await?;
        let actor = actor(&mut conn, ctx).await?;
        let grants = self.grants_in(&mut conn, &actor.view.id, &ctx.org).await?;
        let target = match (site, location) {
            (Some(site), _) => Target::Site(site),
            (None, Some(location)) => Target::Location(location),
            (None, None) => Target::Org,
        };
        Ok(rolehub_domain::decide(
            &org,
            &actor.view,
            &grants,
            area,
            level,
            target,
            ctx.now,
        ))
    }

    /// A person's grants in an org.
    pub(crate) async fn grants_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        person_id: &str,
        org: &str,
    ) -> Result<Vec<rolehub_domain::Grant>, ServiceError> {
        let sql = format!("SELECT {GRANT_COLUMNS} FROM grants g WHERE g.org_id = $1 AND g.person_id = $2 ORDER BY g.role, g.site");
        let rows = sqlx::query(&sql)
            .bind(org)
            .bind(person_id)
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(load::grant_from_row).collect()
    }

    /// The person's grants in an org that have not expired, as labels (`role`, `role@site`, …).
    pub async fn roles_of(
        &self,
        email: &str,
        org: &str,
        now: Timestamp,
    ) -> Result<Vec<String>, ServiceError> {
        let mut conn = self.db.pool.acquire().await?;
        let org_view = load::org_view(&mut conn, org).await?;
        let person = person(&mut conn, email).await?;
        let relation = org_view.relation_of(&person.view);
        let grants = self.grants_in(&mut conn, &person.view.id, org).await?;
        Ok(grants
            .iter()
            .filter(|g| !g.is_expired(relation, &org_view.settings, now))
            .map(rolehub_domain::Grant::label)
            .collect())
    }

    /// Units of a license in use in an org.
    pub async fn license_used(&self, org: &str, license: &str) -> Result<i64, ServiceError> {
        let mut conn = self.db.pool.acquire().await?;
        load::org_view(&mut conn, org).await?;
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM person_licenses WHERE org_id = $1 AND license = $2",
        )
        .bind(org)
        .bind(license)
        .fetch_one(&mut *conn)
        .await?;
        Ok(row.try_get("n")?)
    }
}

/// A grant as listings show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantListing {
    /// The grant.
    pub grant: rolehub_domain::Grant,
    /// The holder's id.
    pub person_id: String,
    /// The holder's email as the viewer may see it (R-EXT-10).
    pub email_shown: String,
    /// Whether the holder is an external administrator.
    pub external: bool,
    /// Whether the grant waits for its holder's sign-in (R-SITE-3, R-EXT-6).
    pub waiting_for_sign_in: bool,
    /// When it stops working: its explicit end, or external read-only access's time to live (R-EXT-7).
    pub expires_at: Option<Timestamp>,
}

impl Service {
    /// Revokes a grant named by its id.
    pub async fn revoke_grant(
        &self,
        ctx: &Ctx,
        grant_id: &str,
    ) -> Result<ChangeOutcome, ServiceError> {
        let mut conn = self.db.pool.acquire().await?;
        let row = sqlx::query("SELECT g.role AS role, g.site AS site, p.email AS email FROM grants g JOIN persons p ON p.id = g.person_id WHERE g.id = $1 AND g.org_id = $2")
            .bind(grant_id)
            .bind(ctx.org.clone())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| ServiceError::not_found("role assignment", grant_id))?;
        drop(conn);
        let (role, site, email): (String, Option<String>, String) = (
            row.try_get("role")?,
            row.try_get("site")?,
            row.try_get("email")?,
        );
        self.revoke(ctx, &email, &role, site.as_deref()).await
    }

    /// The org's grants as the actor may see them (R-LIST-1, R-CCSA-9, R-EXT-10), sorted by holder
    /// email and catalogue order.
    pub async fn list_grants(
        &self,
        ctx: &Ctx,
        person_id: Option<&str>,
        roles: &[Role],
    ) -> Result<Vec<GrantListing>, ServiceError> {
        let list = self.list_admins(ctx, roles, None).await?;
        let mut conn = self.db.pool.acquire().await?;
        let settings = load::org_view(&mut conn, &ctx.org).await?.settings;
        let mut out = Vec::new();
        for row in list.rows {
            if person_id.is_some_and(|p| p != row.person_id) {
                continue;
            }
            let person = load::person_by_id(&mut conn, &row.person_id).await?;
            for grant in row.grants {
                if !roles.is_empty() && !roles.contains(&grant.role) {
                    continue;
                }
                let waiting = person.as_ref().is_some_and(|p| {
                    let needs = grant.role.is_site_scoped()
                        || (row.external && grant.role == Role::FullAdmin);
                    needs && !rolehub_domain::decision::signed_in_since(&p.view, &grant)
                });
                let relation = if row.external {
                    rolehub_domain::Relation::OtherOrg
                } else {
                    rolehub_domain::Relation::Internal
                };
                let expires_at = grant.effective_expiry(relation, &settings);
                out.push(GrantListing {
                    expires_at,
                    grant,
                    person_id: row.person_id.clone(),
                    email_shown: row.email_shown.clone(),
                    external: row.external,
                    waiting_for_sign_in: waiting,
                });
            }
        }
        Ok(out)
    }
}

/// The facts the console decides page access with: the org, the person and their grants there.
#[derive(Clone, Debug)]
pub struct PrincipalFacts {
    /// The org acted in.
    pub org: rolehub_domain::OrgView,
    /// The person.
    pub person: crate::load::PersonRecord,
    /// Their grants in the org.
    pub grants: Vec<rolehub_domain::Grant>,
}

impl PrincipalFacts {
    /// The access decision for this principal (no further queries).
    pub fn decide(&self, area: Area, level: Level, target: Target<'_>, now: Timestamp) -> Decision {
        rolehub_domain::decide(
            &self.org,
            &self.person.view,
            &self.grants,
            area,
            level,
            target,
            now,
        )
    }
}

impl Service {
    /// Loads the org, the actor and the actor's grants in it, once, for several decisions.
    pub async fn principal(&self, ctx: &Ctx) -> Result<PrincipalFacts, ServiceError> {
        let mut conn = self.db.pool.acquire().await?;
        let org = load::org_view(&mut conn, &ctx.org).await?;
        let person = actor(&mut conn, ctx).await?;
        let grants = self.grants_in(&mut conn, &person.view.id, &ctx.org).await?;
        Ok(PrincipalFacts {
            org,
            person,
            grants,
        })
    }
}
