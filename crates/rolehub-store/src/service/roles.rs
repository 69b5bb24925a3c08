//! Role changes and access checks.

use rolehub_domain::change::{self, Actor, NewGrant, Verification};
use rolehub_domain::{
    quoted, Area, Decision, Lang, Level, OrgView, Role, Scope, ScopeKind, Target, Timestamp,
};
use serde_json::json;

use super::{actor, apply_plan, ChangeOutcome, Ctx, Service};
use crate::error::{ServiceError, Text, Thing};
use crate::load::{self, GRANT_COLUMNS};
use crate::op::{OrgOp, OrgRead};

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
    Role::from_id(id).ok_or_else(|| ServiceError::invalid("role", not_a_role(id)))
}

/// That an id is not a role, with the ids that are (what the API and the CLI take).
fn not_a_role(id: &str) -> Text {
    let ids = Role::ALL.map(Role::id).join(", ");
    Text::new(
        format!("{} is not a role; roles are {ids}", quoted(id)),
        format!("{} is geen rol; de rollen zijn {ids}", quoted(id)),
    )
}

/// Reads an access area id, or says which exist.
pub fn parse_area(id: &str) -> Result<Area, ServiceError> {
    Area::from_id(id).ok_or_else(|| {
        let ids = Area::ALL.map(Area::id).join(", ");
        ServiceError::invalid(
            "area",
            Text::new(
                format!("{} is not an access area; areas are {ids}", quoted(id)),
                format!(
                    "{} is geen toegangsgebied; de gebieden zijn {ids}",
                    quoted(id)
                ),
            ),
        )
    })
}

/// Reads a level id (`read` or `write`).
pub fn parse_level(id: &str) -> Result<Level, ServiceError> {
    Level::from_id(id).ok_or_else(|| {
        ServiceError::invalid(
            "level",
            Text::new(
                format!(
                    "{} is not a level; use {} or {}",
                    quoted(id),
                    quoted("read"),
                    quoted("write")
                ),
                format!(
                    "{} is geen niveau; gebruik {} of {}",
                    quoted(id),
                    quoted("read"),
                    quoted("write")
                ),
            ),
        )
    })
}

/// The scope a request names, checked against the org's sites and locations.
pub(crate) fn scope_for(
    org: &OrgView,
    role: Role,
    site: Option<&str>,
    locations: &[String],
) -> Result<Scope, ServiceError> {
    match role.scope_kind() {
        ScopeKind::Site => {
            let url = site.ok_or_else(|| {
                ServiceError::invalid(
                    "site",
                    Text::by_lang(|lang| match lang {
                        Lang::En => format!("{} is a site role: name the site", role.name(lang)),
                        Lang::Nl => format!("{} is een siterol: noem de site", role.name(lang)),
                    }),
                )
            })?;
            let site = org
                .site(url)
                .ok_or_else(|| ServiceError::not_found(Thing::Site, url))?;
            Ok(Scope::Site(site.url.clone()))
        }
        ScopeKind::Locations => {
            let mut sorted: Vec<String> = locations.to_vec();
            sorted.sort();
            sorted.dedup();
            if let Some(unknown) = sorted.iter().find(|l| !org.has_location(l)) {
                return Err(ServiceError::not_found(Thing::Location, unknown.clone()));
            }
            Ok(Scope::Locations(sorted))
        }
        ScopeKind::Org => {
            if site.is_some() {
                return Err(ServiceError::invalid(
                    "site",
                    Text::by_lang(|lang| match lang {
                        Lang::En => format!("{} is not a site role", role.name(lang)),
                        Lang::Nl => format!("{} is geen siterol", role.name(lang)),
                    }),
                ));
            }
            if !locations.is_empty() {
                return Err(ServiceError::invalid(
                    "locations",
                    Text::by_lang(|lang| match lang {
                        Lang::En => format!("{} is not scoped to locations", role.name(lang)),
                        Lang::Nl => format!("{} geldt niet per locatie", role.name(lang)),
                    }),
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
                    Text::new(
                        "the expiry lies in the past",
                        "de einddatum ligt in het verleden",
                    ),
                ));
            }
        }
        let mut op = OrgOp::open(self, ctx, "role.assign").await?;
        let result = assign_in(&mut op, req, role).await;
        op.settle(result).await
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
        let mut op = OrgOp::open(self, ctx, "role.revoke").await?;
        let result = revoke_in(&mut op, person_email, role, site).await;
        op.settle(result).await
    }

    /// Revokes a grant named by its id.
    pub async fn revoke_grant(
        &self,
        ctx: &Ctx,
        grant_id: &str,
    ) -> Result<ChangeOutcome, ServiceError> {
        let mut op = OrgOp::open(self, ctx, "role.revoke").await?;
        let found = op
            .state
            .holders()
            .iter()
            .find_map(|h| {
                h.grants.iter().find(|g| g.id == grant_id).map(|g| {
                    (
                        h.person.id.clone(),
                        g.role,
                        g.scope.site().map(str::to_string),
                    )
                })
            })
            .ok_or_else(|| ServiceError::not_found(Thing::RoleAssignment, grant_id));
        let result = match found {
            Ok((id, role, site)) => revoke_in(&mut op, &id, role, site.as_deref()).await,
            Err(e) => Err(e),
        };
        op.settle(result).await
    }

    /// Removes every grant a person holds in the org (R-EXT-5).
    pub async fn revoke_all(
        &self,
        ctx: &Ctx,
        person_email: &str,
    ) -> Result<ChangeOutcome, ServiceError> {
        let mut op = OrgOp::open(self, ctx, "role.revoke_all").await?;
        let result = revoke_all_in(&mut op, person_email).await;
        op.settle(result).await
    }

    /// The email check of "add external administrator" (R-EXT-1, R-EXT-3, R-CCSA-3/4). It reads;
    /// a refusal is the first step of adding an external administrator refused, and is audited
    /// (`role.assign`, outcome `refused`, naming the email asked for) in a transaction of its own,
    /// as a refused change is.
    pub async fn verify_external(
        &self,
        ctx: &Ctx,
        email: &str,
    ) -> Result<Verification, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        let candidate = load::person_by_email(&mut read.tx, email).await?;
        let verified = change::verify_external(
            &read.state,
            &read.actor.view,
            candidate.as_ref().map(|c| &c.view),
            email,
            ctx.now,
        );
        let actor = read.actor.clone();
        read.close().await?;
        match verified {
            Ok(v) => Ok(v),
            Err(refusal) => {
                if !ctx.dry_run || ctx.audit_previewed_refusals {
                    let record = crate::op::RefusalRecord {
                        target: candidate,
                        before: None,
                        asked: Some(json!({ "email": email.trim().to_lowercase() })),
                        whole: false,
                    };
                    crate::op::write_refusal(
                        self.pool(),
                        ctx,
                        &actor,
                        "role.assign",
                        record,
                        &refusal,
                    )
                    .await?;
                }
                Err(refusal.into())
            }
        }
    }

    /// Adds an external administrator with a role: the email check, then the assignment, in one
    /// change. A refusal of either is audited.
    pub async fn add_external(
        &self,
        ctx: &Ctx,
        email: &str,
        role: &str,
        site: Option<&str>,
    ) -> Result<ChangeOutcome, ServiceError> {
        let mut op = OrgOp::open(self, ctx, "role.assign").await?;
        let result = add_external_in(&mut op, email, role, site).await;
        op.settle(result).await
    }

    /// The access decision for the actor (R-PERM-1 and the rules it defers to).
    pub async fn check(
        &self,
        ctx: &Ctx,
        area: Area,
        level: Level,
        target: Target<'_>,
    ) -> Result<Decision, ServiceError> {
        let facts = self.principal(ctx).await?;
        Ok(facts.decide(area, level, target, ctx.now))
    }

    /// The access decision for another person of the org, asked by the actor (who needs read on
    /// `roles` to ask about others).
    pub async fn check_for(
        &self,
        ctx: &Ctx,
        person_id: &str,
        area: Area,
        level: Level,
        target: Target<'_>,
    ) -> Result<Decision, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        if person_id != read.actor.view.id {
            read.principal()
                .decide(Area::Roles, Level::Read, Target::Org)
                .into_result()?;
        }
        let subject = load::person_by_id(&mut read.tx, person_id)
            .await?
            .filter(|p| p.view.home_org == ctx.org || !read.state.grants_of(&p.view.id).is_empty())
            .ok_or_else(|| ServiceError::not_found(Thing::Person, person_id))?;
        let grants = grants_in(&mut read.tx, &subject.view.id, &ctx.org).await?;
        let decision = rolehub_domain::decide(
            &read.state.org,
            &subject.view,
            &grants,
            area,
            level,
            target,
            ctx.now,
        );
        read.close().await?;
        Ok(decision)
    }

    /// Every grant the actor could give the person now, in catalogue order: each role alone, each
    /// site role at each of the org's sites, the location role (at the org's first location), with
    /// the refusal where the rules would refuse it. A role the person holds is answered as held,
    /// with the refusal of revoking it where the actor may not (R-ASSIGN-4, R-ASSIGN-3, R-EXT-2, …).
    /// The roles editor disables what is refused and says why, instead of refusing afterwards.
    ///
    /// A viewer who reads roles through the CCSA role alone learns of the person's roles only the
    /// CCSA role (R-CCSA-9, as in the people list and a user's page): any other role they hold is
    /// answered as not held, refused as any role a CCSA may not give is (R-CCSA-6).
    ///
    /// Nothing is written or audited.
    pub async fn assignable(&self, ctx: &Ctx, key: &str) -> Result<Vec<Assignable>, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        let target = crate::service::person(&mut read.tx, key).await?;
        let visible =
            target.view.home_org == ctx.org || !read.state.grants_of(&target.view.id).is_empty();
        if !visible {
            return Err(ServiceError::not_found(Thing::Person, key));
        }
        let has_premium = target.view.home_org == ctx.org
            && load::licenses_of(&mut read.tx, &target.view.id)
                .await?
                .iter()
                .any(|l| l == "cc_premium_agent");
        let home_full_admin = load::holds_full_admin(
            &mut read.tx,
            &read.actor.view.id,
            &read.actor.view.home_org,
            ctx.now,
        )
        .await?;
        // R-CCSA-9: a CCSA viewer learns of CCSA holdings only (of their own roles, all).
        let ccsa_only = super::people::ccsa_only(&read) && target.view.id != read.actor.view.id;
        let held: Vec<&rolehub_domain::Grant> = read
            .state
            .grants_of(&target.view.id)
            .iter()
            .filter(|g| !ccsa_only || g.role == Role::CcServiceAdmin)
            .collect();
        let actor = Actor {
            person: &read.actor.view,
            home_full_admin,
        };
        let org = read.state.org.clone();
        let mut out = Vec::new();
        for role in Role::ALL {
            let scopes: Vec<Scope> = match role.scope_kind() {
                ScopeKind::Org => vec![Scope::Org],
                ScopeKind::Site => org
                    .sites
                    .iter()
                    .filter(|s| s.managed_by == rolehub_domain::SiteManager::ControlHub)
                    .map(|s| Scope::Site(s.url.clone()))
                    .collect(),
                ScopeKind::Locations => org
                    .locations
                    .first()
                    .map(|l| vec![Scope::Locations(vec![l.clone()])])
                    .unwrap_or_default(),
            };
            for scope in scopes {
                let label = rolehub_domain::grant_label(role, &scope);
                let held_grant = held.iter().copied().find(|g| match role.scope_kind() {
                    ScopeKind::Locations => g.role == Role::LocationAdmin,
                    _ => g.label() == label,
                });
                let (refusal, revoke_refusal) = match held_grant {
                    Some(grant) => (
                        None,
                        change::check_revoke(&read.state, actor, &target.view, grant, ctx.now)
                            .err(),
                    ),
                    None => (
                        change::check_assign(
                            &read.state,
                            actor,
                            &target.view,
                            has_premium,
                            NewGrant {
                                role,
                                scope: scope.clone(),
                                expires_at: None,
                            },
                            ctx.now,
                        )
                        .err(),
                        None,
                    ),
                };
                out.push(Assignable {
                    role,
                    scope,
                    held: held_grant.is_some(),
                    refusal,
                    revoke_refusal,
                });
            }
        }
        read.close().await?;
        Ok(out)
    }

    /// The org's grants as the actor may see them (R-LIST-1, R-CCSA-9, R-EXT-10), sorted by holder
    /// email and catalogue order.
    pub async fn list_grants(
        &self,
        ctx: &Ctx,
        person_id: Option<&str>,
        roles: &[Role],
    ) -> Result<Vec<GrantListing>, ServiceError> {
        let read = OrgRead::open(self, ctx).await?;
        let view = rolehub_domain::ops::check_list_admins(&read.principal(), false)?;
        let list = super::admins::admin_rows(&read.state, view, roles, None, ctx.now);
        let settings = read.state.org.settings;
        let mut out = Vec::new();
        for row in list.rows {
            if person_id.is_some_and(|p| p != row.person_id) {
                continue;
            }
            let holder = read.state.holder(&row.person_id);
            for grant in row.grants {
                if !roles.is_empty() && !roles.contains(&grant.role) {
                    continue;
                }
                let waiting = holder.is_some_and(|h| {
                    let needs = grant.role.is_site_scoped()
                        || (row.external && grant.role == Role::FullAdmin);
                    needs && !rolehub_domain::decision::signed_in_since(&h.person, &grant)
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
        read.close().await?;
        Ok(out)
    }

    /// Loads the org, the actor and the actor's grants in it, once, for several decisions (the
    /// console's navigation). Only the actor's own facts: nothing another person could not see.
    pub async fn principal(&self, ctx: &Ctx) -> Result<PrincipalFacts, ServiceError> {
        // A holder acting in an org whose kept state is fresh needs no query at all (see
        // `caches`): the decision path of `GET /v1/authorize` under load.
        if let Some(kept) = self.fresh_kept(&ctx.org) {
            if let Some(person) = kept.holder(&ctx.actor) {
                return Ok(PrincipalFacts::of(&kept.state, person.clone()));
            }
        }
        let mut conn = self.conn().await?;
        let kept = self.kept_for_read(&mut conn, &ctx.org).await?;
        let person = match kept.holder(&ctx.actor.trim().to_lowercase()) {
            Some(holder) => holder.clone(),
            None => actor(&mut conn, ctx).await?,
        };
        Ok(PrincipalFacts::of(&kept.state, person))
    }
}

pub(crate) async fn assign_in(
    op: &mut OrgOp<'_>,
    req: &AssignRequest,
    role: Role,
) -> Result<ChangeOutcome, ServiceError> {
    let target = op.target(&req.person).await?;
    let scope = scope_for(&op.state.org, role, req.site.as_deref(), &req.locations)?;
    let asked = json!({ "change": { "added": rolehub_domain::grant_label(role, &scope) } });
    let has_premium = target.view.home_org == op.ctx.org
        && load::licenses_of(&mut op.tx, &target.view.id)
            .await?
            .iter()
            .any(|l| l == "cc_premium_agent");
    let home_full_admin = op.actor_home_full_admin().await?;
    let planned = change::check_assign(
        &op.state,
        Actor {
            person: &op.actor.view,
            home_full_admin,
        },
        &target.view,
        has_premium,
        NewGrant {
            role,
            scope,
            expires_at: req.expires_at,
        },
        op.ctx.now,
    );
    apply_plan(op, &target, "role.assign", planned, 0, asked).await
}

/// Makes a person's grants in the org exactly `wanted` (grant labels: `full_admin`,
/// `site_admin@acme.webex.com`, `location_admin@ams+rtm`), as one set of role changes: first every
/// grant not wanted is revoked, then every wanted grant not held is assigned, each step checked by
/// the same rules as alone against what the steps before it did. The caller settles the operation,
/// so a refusal of any step refuses the whole (nothing is kept but the refusal's audit event).
pub(crate) async fn replace_roles_in(
    op: &mut OrgOp<'_>,
    key: &str,
    wanted: &[String],
) -> Result<RolesReplaced, ServiceError> {
    let target = op.target(key).await?;
    let mut requests: Vec<(Role, AssignRequest)> = Vec::with_capacity(wanted.len());
    for label in wanted {
        let Some((role, site, locations)) = rolehub_domain::parse_grant_label(label) else {
            let id = label.split('@').next().unwrap_or(label);
            return Err(ServiceError::invalid("roles", not_a_role(id)));
        };
        let scope = scope_for(&op.state.org, role, site.as_deref(), &locations)?;
        let label = rolehub_domain::grant_label(role, &scope);
        if requests
            .iter()
            .any(|(r, q)| rolehub_domain::grant_label(*r, &scope_of(q, *r)) == label)
        {
            continue;
        }
        requests.push((
            role,
            AssignRequest {
                person: target.view.id.clone(),
                role: role.id().to_string(),
                site,
                locations,
                expires_at: None,
            },
        ));
    }
    let wanted_labels: Vec<String> = requests
        .iter()
        .map(|(role, q)| rolehub_domain::grant_label(*role, &scope_of(q, *role)))
        .collect();
    let mut total = RolesReplaced::default();
    let held: Vec<_> = op.state.grants_of(&target.view.id).to_vec();
    for grant in held.iter().filter(|g| !wanted_labels.contains(&g.label())) {
        // A side effect of an earlier revocation may have taken it already.
        if !op
            .state
            .grants_of(&target.view.id)
            .iter()
            .any(|g| g.id == grant.id)
        {
            continue;
        }
        let outcome = revoke_in(op, &target.view.id, grant.role, grant.scope.site()).await?;
        total.absorb(outcome);
        op.reload_state().await?;
    }
    for (role, request) in &requests {
        let label = rolehub_domain::grant_label(*role, &scope_of(request, *role));
        if op
            .state
            .grants_of(&target.view.id)
            .iter()
            .any(|g| g.label() == label)
        {
            continue;
        }
        let outcome = assign_in(op, request, *role).await?;
        total.absorb(outcome);
        op.reload_state().await?;
    }
    Ok(total)
}

/// What a full replacement of someone's roles did (or, in a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RolesReplaced {
    /// The grants added.
    pub added: Vec<String>,
    /// Every grant removed, side effects included.
    pub removed: Vec<String>,
    /// Warnings, e.g. `single_full_admin` (R-ASSIGN-3).
    pub warnings: Vec<rolehub_domain::Warning>,
}

impl RolesReplaced {
    fn absorb(&mut self, step: ChangeOutcome) {
        self.added.extend(step.added);
        self.removed.extend(step.removed);
        for w in step.warnings {
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
    }
}

/// The scope an already checked request names.
fn scope_of(request: &AssignRequest, role: Role) -> Scope {
    match role.scope_kind() {
        ScopeKind::Org => Scope::Org,
        ScopeKind::Site => Scope::Site(request.site.clone().unwrap_or_default()),
        ScopeKind::Locations => {
            let mut sorted = request.locations.clone();
            sorted.sort();
            sorted.dedup();
            Scope::Locations(sorted)
        }
    }
}

pub(crate) async fn revoke_in(
    op: &mut OrgOp<'_>,
    person_email: &str,
    role: Role,
    site: Option<&str>,
) -> Result<ChangeOutcome, ServiceError> {
    let target = op.target(person_email).await?;
    let grant = change::find_grant(op.state.grants_of(&target.view.id), role, site)
        .cloned()
        .ok_or_else(|| ServiceError::NotFound {
            what: Thing::Grant,
            key: Text::by_lang(|lang| match lang {
                Lang::En => format!("{} of {person_email}", role.name(lang)),
                Lang::Nl => format!("{} van {person_email}", role.name(lang)),
            }),
        })?;
    let home_full_admin = op.actor_home_full_admin().await?;
    let planned = change::check_revoke(
        &op.state,
        Actor {
            person: &op.actor.view,
            home_full_admin,
        },
        &target.view,
        &grant,
        op.ctx.now,
    );
    let asked = json!({ "change": { "removed": [grant.label()] } });
    apply_plan(op, &target, "role.revoke", planned, 1, asked).await
}

async fn revoke_all_in(
    op: &mut OrgOp<'_>,
    person_email: &str,
) -> Result<ChangeOutcome, ServiceError> {
    let target = op.target(person_email).await?;
    let count = op.state.grants_of(&target.view.id).len();
    if count == 0 {
        return Err(ServiceError::not_found(Thing::Administrator, person_email));
    }
    let home_full_admin = op.actor_home_full_admin().await?;
    let planned = change::check_revoke_all(
        &op.state,
        Actor {
            person: &op.actor.view,
            home_full_admin,
        },
        &target.view,
        op.ctx.now,
    );
    let held: Vec<String> = op
        .state
        .grants_of(&target.view.id)
        .iter()
        .map(|g| g.label())
        .collect();
    let asked = json!({ "roles": [], "change": { "removed": held } });
    apply_plan(op, &target, "role.revoke_all", planned, count, asked).await
}

async fn add_external_in(
    op: &mut OrgOp<'_>,
    email: &str,
    role_id: &str,
    site: Option<&str>,
) -> Result<ChangeOutcome, ServiceError> {
    let candidate = load::person_by_email(&mut op.tx, email).await?;
    // Refused role changes are audited, also when the email check refuses them: the event names
    // the email asked for (there may be no such person) and the role.
    let asked = match (parse_role(role_id), site) {
        (Ok(role), Some(site)) => format!("{}@{site}", role.id()),
        _ => role_id.to_string(),
    };
    op.audit_refusal(
        candidate.as_ref(),
        candidate
            .as_ref()
            .map(|c| json!({ "roles": op.state.grants_of(&c.view.id).iter().map(|g| g.label()).collect::<Vec<_>>() })),
        Some(json!({ "email": email.trim().to_lowercase(), "change": { "added": asked } })),
    );
    change::verify_external(
        &op.state,
        &op.actor.view,
        candidate.as_ref().map(|c| &c.view),
        email,
        op.ctx.now,
    )?;
    let role = parse_role(role_id)?;
    let request = AssignRequest {
        person: email.to_string(),
        role: role_id.to_string(),
        site: site.map(str::to_string),
        ..AssignRequest::default()
    };
    assign_in(op, &request, role).await
}

/// A person's grants in an org.
pub(crate) async fn grants_in(
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

/// A grant the actor could give a person, or the rule that refuses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignable {
    /// The role.
    pub role: Role,
    /// Its scope (a site, or the org's first location for the location role).
    pub scope: Scope,
    /// Whether the person holds it (for the location role: at any locations).
    pub held: bool,
    /// Why it may not be given, when it is not held and may not be given (`None` when held).
    pub refusal: Option<rolehub_domain::Refusal>,
    /// Why it may not be taken away, when it is held and the actor may not revoke it (`None`
    /// when not held): the same refusal a revoke would answer (R-ASSIGN-4, R-ASSIGN-3, R-EXT-2,
    /// R-CCSA-6, …). Kept apart from `refusal`, which is about giving.
    pub revoke_refusal: Option<rolehub_domain::Refusal>,
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
    /// A person's facts in an org's state.
    fn of(state: &rolehub_domain::OrgState, person: crate::load::PersonRecord) -> PrincipalFacts {
        PrincipalFacts {
            org: state.org.clone(),
            grants: state.grants_of(&person.view.id).to_vec(),
            person,
        }
    }

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
