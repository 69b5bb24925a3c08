//! Role changes: who may assign, revoke and add which role to whom, and what else a change does.
//!
//! Each check reads an [`OrgState`] (the org and every holder of a grant in it) and answers a
//! [`Plan`] (the grant to add, the grants removed as side effects, the warnings) or a [`Refusal`].
//! The service layer writes exactly the plan, in one transaction, or nothing.

use crate::decision::signed_in_since;
use crate::matrix::Relation;
use crate::model::{
    grant_works_for_relation, Grant, OrgKind, OrgState, PersonView, Scope, SiteManager, Status,
};
use crate::refusal::{Reason, Refusal, Warning};
use crate::role::Role;
use crate::rule::RuleId;
use crate::time::Timestamp;

/// The person making a change.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    /// The person.
    pub person: &'a PersonView,
    /// Whether they hold `full_admin` in their own home org (partner acts: R-NEW-2, R-EXT-8, R-EXT-9).
    pub home_full_admin: bool,
}

/// A role to give, with its scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewGrant {
    /// The role.
    pub role: Role,
    /// Its scope.
    pub scope: Scope,
    /// An explicit end, if any.
    pub expires_at: Option<Timestamp>,
}

/// What a role change will do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The grant to add, if any (none when the person already holds it).
    pub add: Option<NewGrant>,
    /// Grants removed: the one revoked and every side effect (R-ORG-1, R-EXT-4, R-MCA-1, …).
    pub remove: Vec<Grant>,
    /// Warnings for the response.
    pub warnings: Vec<Warning>,
    /// Grants deleted without being reported: an expired (or differently-ending) grant that the
    /// change gives anew is not a side effect anybody loses.
    pub discard: Vec<Grant>,
}

/// What the actor's grants in effect let them do with roles.
#[derive(Clone, Copy, Debug, Default)]
struct Authority {
    full: bool,
    ccsa: bool,
    events: bool,
    any: bool,
    any_site_role: bool,
    any_expired: bool,
    any_ended: bool,
    full_signed_in: bool,
}

fn in_effect(state: &OrgState, person: &PersonView, grant: &Grant, now: Timestamp) -> bool {
    let relation = state.org.relation_of(person);
    person.status != Status::Inactive
        && !grant.is_expired(relation, &state.org.settings, now)
        && grant_works_for_relation(grant.role, relation)
        && (!grant.role.is_site_scoped() || signed_in_since(person, grant))
}

fn authority(state: &OrgState, actor: &PersonView, now: Timestamp) -> Authority {
    let mut auth = Authority::default();
    let relation = state.org.relation_of(actor);
    for grant in state.grants_of(&actor.id) {
        if grant.is_expired(relation, &state.org.settings, now) {
            auth.any_expired = true;
        }
        if grant.role.is_site_scoped() {
            auth.any_site_role = true;
        }
        if !grant_works_for_relation(grant.role, relation) {
            auth.any_ended = true;
        }
        if !in_effect(state, actor, grant, now) {
            continue;
        }
        auth.any = true;
        match grant.role {
            Role::FullAdmin => {
                auth.full = true;
                auth.full_signed_in |= signed_in_since(actor, grant);
            }
            Role::CcServiceAdmin => auth.ccsa = true,
            Role::EventsAdmin => auth.events = true,
            _ => {}
        }
    }
    auth
}

/// Whether the actor holds `site_admin` on a site, and whether it is in effect yet (R-SITE-3).
fn site_admin_on(state: &OrgState, actor: &PersonView, site: &str, now: Timestamp) -> Option<bool> {
    state
        .grants_of(&actor.id)
        .iter()
        .filter(|g| g.role == Role::SiteAdmin && g.scope.site() == Some(site))
        .map(|g| in_effect(state, actor, g, now))
        .reduce(|a, b| a || b)
}

/// Whether a grant has not expired (grants waiting for a sign-in still count as held).
fn held(state: &OrgState, person: &PersonView, grant: &Grant, now: Timestamp) -> bool {
    !grant.is_expired(state.org.relation_of(person), &state.org.settings, now)
}

/// R-ASSIGN-1, R-ASSIGN-2, R-ASSIGN-4, R-CCSA-6, R-EVT-1, R-SITE-6, R-EXT-2, R-EXT-9: may the
/// actor assign (or revoke) `role` with `scope` for `target`?
fn check_authority(
    state: &OrgState,
    actor: Actor<'_>,
    target: &PersonView,
    role: Role,
    scope: &Scope,
    revoking: bool,
    now: Timestamp,
) -> Result<(), Refusal> {
    let org = &state.org;
    let person = actor.person;
    // The rule that revoking adds to every authority refusal (R-ASSIGN-4), or escalation (R-ASSIGN-2).
    let umbrella = if revoking {
        RuleId::Assign4
    } else {
        RuleId::Assign2
    };
    if person.status == Status::Inactive {
        // R-AUTH-3
        return Err(access_refusal(RuleId::Auth3));
    }
    let actor_relation = org.relation_of(person);
    let target_relation = org.relation_of(target);
    let self_change = person.id == target.id;
    let auth = authority(state, person, now);

    // R-EXT-9: partner self-service on the provisioning role, and never full admin for oneself.
    let former_partner = org
        .partner
        .as_ref()
        .is_some_and(|p| p.org == person.home_org && !p.active);
    if self_change && role == Role::ProvisioningAdmin {
        if former_partner {
            return Err(Refusal::new(RuleId::Ext9, Reason::RelationshipNotActive));
        }
        if actor_relation == Relation::Partner && (actor.home_full_admin || auth.full) {
            return Ok(());
        }
    }
    if self_change
        && role == Role::FullAdmin
        && !revoking
        && actor_relation.is_external()
        && !auth.full
    {
        let partnerish = actor_relation == Relation::Partner || former_partner;
        if partnerish {
            return Err(Refusal::new(RuleId::Ext9, Reason::PartnerSelfFullAdmin));
        }
    }

    let external_on_other_external =
        actor_relation.is_external() && target_relation.is_external() && !self_change;
    if auth.full && role.is_site_scoped() && actor_relation.is_external() && !auth.full_signed_in {
        // R-EXT-6: an external full admin reaches the sites (their roles too) after signing in once.
        return Err(access_refusal(RuleId::Ext6));
    }
    if auth.full {
        if external_on_other_external {
            // R-EXT-2 (reading A-5), and R-CCSA-6 / R-CC-1 for the CCSA role.
            return Err(if role == Role::CcServiceAdmin {
                Refusal::new(RuleId::Ccsa6, Reason::MayNotAssign { role }).also(RuleId::Ext2)
            } else if state.grants_of(&target.id).is_empty() {
                Refusal::new(RuleId::Ext2, Reason::ExternalAddsExternal)
            } else {
                Refusal::new(RuleId::Ext2, Reason::ExternalChangesExternal)
            });
        }
        return Ok(());
    }
    if role == Role::CcServiceAdmin && auth.ccsa {
        if external_on_other_external {
            // R-CCSA-6: an external CCSA assigns the role to users of the org only.
            return Err(
                Refusal::new(RuleId::Ccsa6, Reason::MayNotAssign { role }).also(RuleId::Ext2)
            );
        }
        return Ok(());
    }
    if role == Role::EventsAdmin && auth.events {
        // R-EVT-1
        return Ok(());
    }
    if role.is_site_scoped() {
        if let Some(site) = scope.site() {
            match site_admin_on(state, person, site, now) {
                // R-SITE-6: a site admin handles the site roles of their sites, for users of the org.
                Some(true) if target_relation == Relation::Internal => return Ok(()),
                Some(true) => {
                    return Err(
                        Refusal::new(RuleId::Site6, Reason::MayNotAssign { role }).also(umbrella)
                    )
                }
                // R-SITE-3: their own site role is not in effect yet.
                Some(false) => return Err(access_refusal(RuleId::Site3)),
                None => {}
            }
        }
    }
    let may_not = Reason::MayNotAssign { role };
    Err(if auth.ccsa {
        Refusal::new(RuleId::Ccsa6, may_not).also(umbrella)
    } else if auth.events {
        Refusal::new(RuleId::Evt1, may_not).also(umbrella)
    } else if auth.any_site_role {
        Refusal::new(RuleId::Site6, may_not).also(umbrella)
    } else if auth.any {
        Refusal::new(RuleId::Assign1, may_not).also(umbrella)
    } else if auth.any_ended {
        // R-EXT-9: the provisioning role ended with the sales relationship.
        Refusal::new(RuleId::Ext9, Reason::RelationshipNotActive)
    } else if auth.any_expired {
        access_refusal(RuleId::Ext7)
    } else if actor_relation.is_external() {
        access_refusal(RuleId::Auth1)
    } else {
        Refusal::new(RuleId::Assign1, may_not).also(umbrella)
    })
}

fn access_refusal(rule: RuleId) -> Refusal {
    Refusal::new(
        rule,
        Reason::Access {
            area: crate::area::Area::Roles,
            asked: crate::area::Level::Write,
            held: crate::area::Level::None,
            via: None,
        },
    )
}

/// R-EXT-1, R-EXT-2: may the actor add a new external administrator at all?
fn check_may_add_external(
    state: &OrgState,
    actor: &PersonView,
    role: Option<Role>,
    now: Timestamp,
) -> Result<(), Refusal> {
    if actor.status == Status::Inactive {
        return Err(access_refusal(RuleId::Auth3));
    }
    if state.org.relation_of(actor).is_external() {
        if state.grants_of(&actor.id).is_empty() {
            // R-AUTH-1: someone who holds nothing in the org does nothing there.
            return Err(access_refusal(RuleId::Auth1));
        }
        // R-EXT-2: external administrators cannot add external administrators.
        return Err(Refusal::new(RuleId::Ext2, Reason::ExternalAddsExternal));
    }
    let auth = authority(state, actor, now);
    // R-EXT-1: internal full admins, and internal CCSAs with the CCSA role only (R-CCSA-6).
    let allowed = auth.full || (auth.ccsa && role.is_none_or(|r| r == Role::CcServiceAdmin));
    if allowed {
        Ok(())
    } else if auth.ccsa {
        Err(Refusal::new(
            RuleId::Ccsa6,
            Reason::MayNotAssign {
                role: role.unwrap_or(Role::CcServiceAdmin),
            },
        )
        .also(RuleId::Ext1))
    } else {
        Err(Refusal::new(RuleId::Ext1, Reason::OnlyInternalAddsExternal))
    }
}

/// Whether the catalogue and the Contact Center rules let `target` hold `role` in the org.
fn check_eligibility(
    state: &OrgState,
    target: &PersonView,
    target_has_premium_agent: bool,
    role: Role,
    scope: &Scope,
    now: Timestamp,
) -> Result<(), Refusal> {
    let org = &state.org;
    let relation = org.relation_of(target);
    let grants = state.grants_of(&target.id);
    let holds = |r: Role| {
        grants
            .iter()
            .any(|g| g.role == r && held(state, target, g, now))
    };

    match relation {
        Relation::Internal if role == Role::ProvisioningAdmin => {
            // R-EXT-3 / R-EXT-8: provisioning administrators come from the partner.
            return Err(Refusal::new(
                RuleId::Ext3,
                Reason::NotOffered {
                    role,
                    partner: false,
                },
            )
            .also(RuleId::Ext8));
        }
        Relation::Internal => {}
        external => {
            if target.home_org_kind == OrgKind::Consumer {
                // R-EXT-1: consumer accounts cannot be external administrators.
                return Err(Refusal::new(
                    RuleId::Ext1,
                    Reason::ConsumerAccount {
                        email: target.email.clone(),
                    },
                ));
            }
            let partner = external == Relation::Partner;
            if role == Role::CcServiceAdmin && partner {
                // R-CCSA-4
                return Err(Refusal::new(RuleId::Ccsa4, Reason::CcsaPartner).also(RuleId::Ext3));
            }
            if role == Role::AdvancedTroubleshooting {
                // R-ATA-1: internal holders only.
                return Err(Refusal::new(RuleId::Ata1, Reason::AddOnNeedsBase).also(RuleId::Ext3));
            }
            let offered = if partner {
                role.partner_may_hold()
            } else {
                role.other_org_may_hold()
            };
            if !offered {
                // R-EXT-3 (and R-ASSIGN-4: roles reserved for internal holders).
                return Err(Refusal::new(
                    RuleId::Ext3,
                    Reason::NotOffered { role, partner },
                ));
            }
        }
    }

    if role != Role::LocationAdmin && holds(Role::LocationAdmin) {
        // R-LOC-1: no other admin role for a location administrator.
        return Err(Refusal::new(
            RuleId::Loc1,
            Reason::LocationExclusive {
                existing: Role::LocationAdmin,
            },
        ));
    }
    match role {
        Role::CcServiceAdmin => {
            if !org.contact_center.enabled {
                // R-CCSA-5
                return Err(Refusal::new(RuleId::Ccsa5, Reason::ContactCenterOff));
            }
            if relation == Relation::Internal {
                for existing in [Role::FullAdmin, Role::ReadonlyAdmin] {
                    if holds(existing) {
                        // R-CCSA-1
                        return Err(Refusal::new(
                            RuleId::Ccsa1,
                            Reason::CcsaOnOrgAdmin { existing },
                        ));
                    }
                }
                if !target_has_premium_agent {
                    // R-CCSA-2 (reading A-3: users of the org only)
                    return Err(Refusal::new(
                        RuleId::Ccsa2,
                        Reason::CcsaNeedsPremium { removing: false },
                    ));
                }
            } else if target.home_org_contact_center {
                // R-CCSA-3
                return Err(Refusal::new(
                    RuleId::Ccsa3,
                    Reason::CcsaHomeHasContactCenter,
                ));
            }
        }
        Role::AdvancedTroubleshooting => {
            // R-ATA-1
            let base = [Role::FullAdmin, Role::ReadonlyAdmin, Role::SupportAdmin];
            if !base.into_iter().any(holds) {
                return Err(Refusal::new(RuleId::Ata1, Reason::AddOnNeedsBase));
            }
        }
        Role::LocationAdmin => {
            // R-LOC-1: at least one location, and no other admin role beside it (reading A-7).
            if scope.locations().is_empty() {
                return Err(Refusal::new(RuleId::Loc1, Reason::LocationNeeded));
            }
            if let Some(other) = grants
                .iter()
                .find(|g| g.role != Role::LocationAdmin && held(state, target, g, now))
            {
                return Err(Refusal::new(
                    RuleId::Loc1,
                    Reason::LocationExclusive {
                        existing: other.role,
                    },
                ));
            }
        }
        _ => {}
    }
    if let Some(site) = scope.site() {
        let managed_here = org
            .site(site)
            .is_some_and(|s| s.managed_by == SiteManager::ControlHub);
        if !managed_here {
            // R-SITE-1
            return Err(Refusal::new(
                RuleId::Site1,
                Reason::SiteNotInControlHub {
                    site: site.to_string(),
                },
            ));
        }
        if role == Role::MeetingContentAdmin {
            let has_site_role = grants.iter().any(|g| {
                g.role.is_site_role() && g.scope.site() == Some(site) && held(state, target, g, now)
            });
            if !has_site_role {
                // R-MCA-1
                return Err(Refusal::new(
                    RuleId::Mca1,
                    Reason::ContentAdminNeedsSiteRole {
                        site: site.to_string(),
                    },
                ));
            }
        }
    }
    Ok(())
}

/// Whether `target` holds `full_admin` in effect after `plan` (for counting, R-ASSIGN-3).
fn keeps_full_admin(state: &OrgState, target: &PersonView, plan: &Plan, now: Timestamp) -> bool {
    if target.status == Status::Inactive {
        return false;
    }
    let relation = state.org.relation_of(target);
    let kept = state.grants_of(&target.id).iter().any(|g| {
        g.role == Role::FullAdmin
            && !plan.remove.iter().any(|r| r.id == g.id)
            && !g.is_expired(relation, &state.org.settings, now)
    });
    kept || plan.add.as_ref().is_some_and(|a| a.role == Role::FullAdmin)
}

/// R-ASSIGN-3: refuse a plan that leaves no full administrator; warn when it leaves exactly one.
fn guard_full_admins(
    state: &OrgState,
    target: &PersonView,
    plan: &mut Plan,
    now: Timestamp,
) -> Result<(), Refusal> {
    let others = state.full_admins(now, Some(&target.id));
    let after = others + usize::from(keeps_full_admin(state, target, plan, now));
    let before = state.full_admins(now, None);
    if after == 0 && before > 0 {
        return Err(Refusal::new(RuleId::Assign3, Reason::LastFullAdmin));
    }
    if after == 1 {
        plan.warnings.push(Warning::SingleFullAdmin);
    }
    Ok(())
}

/// Checks an assignment of `role` with `scope` to `target` by `actor`, and plans it.
///
/// The caller has checked that the site and locations named exist in the org and that any
/// `expires_at` lies in the future.
pub fn check_assign(
    state: &OrgState,
    actor: Actor<'_>,
    target: &PersonView,
    target_has_premium_agent: bool,
    grant: NewGrant,
    now: Timestamp,
) -> Result<Plan, Refusal> {
    let role = grant.role;
    let self_change = actor.person.id == target.id;
    if self_change
        && role == Role::AdvancedTroubleshooting
        && actor.person.status != Status::Inactive
    {
        // R-ATA-2: another full administrator must give it.
        if authority(state, actor.person, now).full {
            return Err(Refusal::new(RuleId::Ata2, Reason::SelfTroubleshooting));
        }
    }
    let relation = state.org.relation_of(target);
    let target_grants = state.grants_of(&target.id);
    let partner_self = self_change && role == Role::ProvisioningAdmin;
    if self_change && role == Role::FullAdmin && relation.is_external() {
        // R-EXT-9: a partner can never assign itself full administrator.
        let partnerish = state
            .org
            .partner
            .as_ref()
            .is_some_and(|p| p.org == target.home_org);
        if partnerish && !authority(state, actor.person, now).full {
            return Err(Refusal::new(RuleId::Ext9, Reason::PartnerSelfFullAdmin));
        }
    }
    if relation.is_external() && target_grants.is_empty() && !partner_self {
        // R-EXT-1 / R-EXT-2: a new external administrator.
        check_may_add_external(state, actor.person, Some(role), now)?;
    }
    check_authority(state, actor, target, role, &grant.scope, false, now)?;
    check_eligibility(
        state,
        target,
        target_has_premium_agent,
        role,
        &grant.scope,
        now,
    )?;

    let mut plan = Plan::default();
    let same_scope = target_grants.iter().find(|g| {
        g.role == role
            && (role != Role::LocationAdmin || g.scope == grant.scope)
            && same_site(g, &grant.scope)
    });
    if let Some(existing) = same_scope {
        if existing.expires_at == grant.expires_at && held(state, target, existing, now) {
            plan.warnings.push(Warning::AlreadyHeld);
            guard_full_admins(state, target, &mut plan, now)?;
            return Ok(plan);
        }
        // An expired or differently-ending grant is given anew.
        plan.discard.push(existing.clone());
    }
    if role == Role::LocationAdmin {
        // A new set of locations replaces the old one.
        plan.remove.extend(
            target_grants
                .iter()
                .filter(|g| g.role == role && g.scope != grant.scope)
                .cloned(),
        );
    }
    for existing in target_grants {
        let replaced = if relation.is_external() {
            // R-EXT-4: one of full, read-only, CCSA (partner: full, provisioning) at a time.
            role.is_external_exclusive()
                && existing.role.is_external_exclusive()
                && existing.role != role
        } else {
            // R-ORG-1 / R-CCSA-1: an org role replaces the CCSA role in the same change.
            matches!(role, Role::FullAdmin | Role::ReadonlyAdmin)
                && existing.role == Role::CcServiceAdmin
        };
        let listed = plan
            .remove
            .iter()
            .chain(&plan.discard)
            .any(|r| r.id == existing.id);
        if replaced && !listed {
            if held(state, target, existing, now) {
                plan.remove.push(existing.clone());
            } else {
                plan.discard.push(existing.clone());
            }
        }
    }
    for removed in &plan.remove {
        // R-ASSIGN-4 / R-CCSA-6: a change may take away only roles the actor may revoke.
        check_authority(
            state,
            actor,
            target,
            removed.role,
            &removed.scope,
            true,
            now,
        )?;
    }
    let needs_sign_in = role.is_site_scoped()
        || (role == Role::FullAdmin && relation.is_external() && state.org.has_control_hub_site());
    plan.add = Some(grant);
    guard_full_admins(state, target, &mut plan, now)?;
    if needs_sign_in {
        plan.warnings.push(Warning::SignInRequired);
    }
    Ok(plan)
}

fn same_site(grant: &Grant, scope: &Scope) -> bool {
    match (grant.scope.site(), scope.site()) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    }
}

/// Finds the grant a revoke names: the role, on the site for site roles.
pub fn find_grant<'a>(grants: &'a [Grant], role: Role, site: Option<&str>) -> Option<&'a Grant> {
    grants.iter().find(|g| {
        g.role == role
            && match (site, g.scope.site()) {
                (Some(s), Some(g)) => s.eq_ignore_ascii_case(g),
                (None, _) => true,
                (Some(_), None) => false,
            }
    })
}

/// Grants that go with `removed` (R-MCA-1: content admin without a site role on the site;
/// R-ATA-1: the troubleshooting add-on without a base role).
fn cascade(state: &OrgState, target: &PersonView, plan: &mut Plan) {
    let grants = state.grants_of(&target.id);
    let remaining = |plan: &Plan| -> Vec<&Grant> {
        grants
            .iter()
            .filter(|g| !plan.remove.iter().any(|r| r.id == g.id))
            .collect()
    };
    let left = remaining(plan);
    let mut extra = Vec::new();
    for g in &left {
        let orphaned = match g.role {
            Role::MeetingContentAdmin => !left
                .iter()
                .any(|o| o.role.is_site_role() && o.scope.site() == g.scope.site()),
            Role::AdvancedTroubleshooting => !left.iter().any(|o| {
                matches!(
                    o.role,
                    Role::FullAdmin | Role::ReadonlyAdmin | Role::SupportAdmin
                )
            }),
            _ => false,
        };
        if orphaned {
            extra.push((*g).clone());
        }
    }
    plan.remove.extend(extra);
}

/// Checks a revoke of one grant by `actor`, and plans it with its side effects.
pub fn check_revoke(
    state: &OrgState,
    actor: Actor<'_>,
    target: &PersonView,
    grant: &Grant,
    now: Timestamp,
) -> Result<Plan, Refusal> {
    // R-ASSIGN-4: the same authority as assigning the same role.
    check_authority(state, actor, target, grant.role, &grant.scope, true, now)?;
    let mut plan = Plan {
        add: None,
        remove: vec![grant.clone()],
        warnings: Vec::new(),
        discard: Vec::new(),
    };
    cascade(state, target, &mut plan);
    guard_full_admins(state, target, &mut plan, now)?;
    Ok(plan)
}

/// Checks removing every grant `target` holds in the org (R-EXT-5), and plans it.
pub fn check_revoke_all(
    state: &OrgState,
    actor: Actor<'_>,
    target: &PersonView,
    now: Timestamp,
) -> Result<Plan, Refusal> {
    let grants = state.grants_of(&target.id);
    let leaving = actor.person.id == target.id && state.org.relation_of(target).is_external();
    if leaving && actor.person.status != Status::Inactive {
        // An external administrator may give up every grant they hold in the org.
        let mut plan = Plan {
            add: None,
            remove: grants.to_vec(),
            warnings: Vec::new(),
            discard: Vec::new(),
        };
        guard_full_admins(state, target, &mut plan, now)?;
        return Ok(plan);
    }
    if state.org.relation_of(target).is_external() && actor.person.id != target.id {
        // R-EXT-1 / R-EXT-2: removing an external administrator is for those who add them.
        let only_ccsa = grants.iter().all(|g| g.role == Role::CcServiceAdmin);
        check_may_add_external(
            state,
            actor.person,
            only_ccsa.then_some(Role::CcServiceAdmin),
            now,
        )?;
    }
    for grant in grants {
        check_authority(state, actor, target, grant.role, &grant.scope, true, now)?;
    }
    let mut plan = Plan {
        add: None,
        remove: grants.to_vec(),
        warnings: Vec::new(),
        discard: Vec::new(),
    };
    guard_full_admins(state, target, &mut plan, now)?;
    Ok(plan)
}

/// Removing a person from the org, or deactivating them, takes away what their grants there give
/// (reading A-8): the actor needs the authority to revoke each grant in effect, as for revoke-all
/// (R-ASSIGN-1, R-ASSIGN-2, R-ASSIGN-4, R-EXT-2, …).
///
/// The caller has already checked that the actor may change users at all (`users: write`), and
/// checks R-ASSIGN-3 itself ([`crate::ops::check_keeps_full_admin`]), since one upload may
/// deactivate several full administrators.
pub fn check_takes_away_grants(
    state: &OrgState,
    actor: Actor<'_>,
    target: &PersonView,
    deactivating: bool,
    now: Timestamp,
) -> Result<(), Refusal> {
    for grant in state.grants_of(&target.id) {
        if !held(state, target, grant, now) {
            // An expired grant gives nothing, so removing its holder takes nothing away.
            continue;
        }
        check_authority(state, actor, target, grant.role, &grant.scope, true, now).map_err(
            |refusal| match refusal.reason {
                Reason::MayNotAssign { role } => Refusal {
                    reason: Reason::RemovalTakesRole { role, deactivating },
                    ..refusal
                },
                _ => refusal,
            },
        )?;
    }
    Ok(())
}

/// What the email check of "add external administrator" found (R-EXT-1, R-EXT-3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    /// Whether the person is from the provisioning partner.
    pub partner: bool,
    /// The roles offered, in catalogue order.
    pub offered: Vec<Role>,
}

/// The email check: who the person is to the org, and the roles the actor may offer them.
pub fn verify_external(
    state: &OrgState,
    actor: &PersonView,
    candidate: Option<&PersonView>,
    email: &str,
    now: Timestamp,
) -> Result<Verification, Refusal> {
    check_may_add_external(state, actor, None, now)?;
    let Some(person) = candidate else {
        return Err(Refusal::new(
            RuleId::Ext1,
            Reason::UnknownAccount {
                email: email.to_string(),
            },
        ));
    };
    let org = &state.org;
    let relation = org.relation_of(person);
    if relation == Relation::Internal {
        return Err(Refusal::new(
            RuleId::Ext1,
            Reason::AlreadyInternal {
                email: person.email.clone(),
            },
        ));
    }
    if person.home_org_kind == OrgKind::Consumer {
        // R-EXT-1
        return Err(Refusal::new(
            RuleId::Ext1,
            Reason::ConsumerAccount {
                email: person.email.clone(),
            },
        ));
    }
    let partner = relation == Relation::Partner;
    // R-EXT-3: the roles offered by relation, narrowed by R-CCSA-3/4/5 and the org's sites.
    let mut offered: Vec<Role> = if partner {
        vec![Role::FullAdmin, Role::ProvisioningAdmin]
    } else {
        let mut roles = vec![Role::FullAdmin, Role::ReadonlyAdmin];
        if org.contact_center.enabled && !person.home_org_contact_center {
            roles.push(Role::CcServiceAdmin);
        }
        if org.has_control_hub_site() {
            roles.extend([
                Role::SiteAdmin,
                Role::SiteUserAdmin,
                Role::SiteReadonlyAdmin,
            ]);
        }
        roles
    };
    if !authority(state, actor, now).full {
        // An internal CCSA offers only the CCSA role (R-CCSA-6).
        offered.retain(|r| *r == Role::CcServiceAdmin);
    }
    Ok(Verification { partner, offered })
}

#[cfg(test)]
mod tests {
    //! One test per rule these checks enforce, on a small org: acme (Contact Center on, a Control
    //! Hub site and a Site Administration one, two locations, partner pnet active).

    use super::*;
    use crate::model::{ContactCenter, Holder, OrgView, PartnerLink, Site};
    use crate::time::DAY_MS;

    const NOW: Timestamp = Timestamp(100 * DAY_MS);
    const SITE: &str = "acme.webex.com";

    fn person(id: &str, home: &str) -> PersonView {
        PersonView {
            id: id.into(),
            email: format!("{id}@{home}.example"),
            first: id.into(),
            last: String::new(),
            home_org: home.into(),
            home_org_kind: if home == "consumer" {
                OrgKind::Consumer
            } else {
                OrgKind::Standard
            },
            home_org_contact_center: home == "ccorg",
            status: Status::Active,
            signed_in_at: Some(NOW),
        }
    }

    fn grant(role: Role, scope: Scope) -> Grant {
        Grant {
            id: format!("{}-{:?}", role.id(), scope),
            role,
            scope,
            granted_at: Timestamp(90 * DAY_MS),
            expires_at: None,
        }
    }

    fn org_grant(role: Role) -> Grant {
        grant(role, Scope::Org)
    }

    struct World {
        state: OrgState,
    }

    impl World {
        fn new() -> World {
            let mut org = OrgView::new("acme", "Acme", OrgKind::Standard);
            org.contact_center = ContactCenter {
                enabled: true,
                ..ContactCenter::default()
            };
            org.sites = vec![
                Site {
                    url: SITE.into(),
                    managed_by: SiteManager::ControlHub,
                },
                Site {
                    url: "legacy.webex.com".into(),
                    managed_by: SiteManager::SiteAdmin,
                },
            ];
            org.locations = vec!["amsterdam".into(), "rotterdam".into()];
            org.partner = Some(PartnerLink {
                org: "pnet".into(),
                active: true,
            });
            let mut w = World {
                state: OrgState {
                    org,
                    holders: Vec::new(),
                },
            };
            w.hold("full", "acme", &[org_grant(Role::FullAdmin)]);
            w
        }

        fn hold(&mut self, id: &str, home: &str, grants: &[Grant]) -> &mut World {
            self.state.holders.push(Holder {
                person: person(id, home),
                grants: grants.to_vec(),
            });
            self
        }

        fn who(&self, id: &str, home: &str) -> PersonView {
            self.state
                .holders
                .iter()
                .find(|h| h.person.id == id)
                .map_or_else(|| person(id, home), |h| h.person.clone())
        }

        fn assign(
            &self,
            actor: (&str, &str),
            target: (&str, &str),
            role: Role,
            scope: Scope,
        ) -> Result<Plan, Refusal> {
            let a = self.who(actor.0, actor.1);
            let t = self.who(target.0, target.1);
            let premium = target.0.starts_with("agent");
            check_assign(
                &self.state,
                Actor {
                    person: &a,
                    home_full_admin: actor.0 == "pfull",
                },
                &t,
                premium,
                NewGrant {
                    role,
                    scope,
                    expires_at: None,
                },
                NOW,
            )
        }

        fn revoke(
            &self,
            actor: (&str, &str),
            target: (&str, &str),
            role: Role,
        ) -> Result<Plan, Refusal> {
            let a = self.who(actor.0, actor.1);
            let t = self.who(target.0, target.1);
            let g = find_grant(self.state.grants_of(&t.id), role, None)
                .cloned()
                .unwrap_or_else(|| org_grant(role));
            check_revoke(
                &self.state,
                Actor {
                    person: &a,
                    home_full_admin: false,
                },
                &t,
                &g,
                NOW,
            )
        }
    }

    fn rule(r: Result<Plan, Refusal>) -> RuleId {
        match r {
            Err(refusal) => refusal.rule,
            Ok(plan) => panic!("expected a refusal, got {plan:?}"),
        }
    }

    fn labels(plan: &Plan) -> Vec<String> {
        plan.remove.iter().map(Grant::label).collect()
    }

    const FULL: (&str, &str) = ("full", "acme");

    #[test]
    fn r_assign_1_full_admins_assign_others_do_not() {
        let mut w = World::new();
        w.hold("ro", "acme", &[org_grant(Role::ReadonlyAdmin)]);
        assert!(w
            .assign(FULL, ("bob", "acme"), Role::DeviceAdmin, Scope::Org)
            .is_ok());
        assert_eq!(
            rule(w.assign(
                ("ro", "acme"),
                ("bob", "acme"),
                Role::DeviceAdmin,
                Scope::Org
            )),
            RuleId::Assign1
        );
    }

    #[test]
    fn r_assign_2_no_escalation_by_partial_authority() {
        let mut w = World::new();
        w.hold("evt", "acme", &[org_grant(Role::EventsAdmin)]);
        let refusal = w
            .assign(
                ("evt", "acme"),
                ("bob", "acme"),
                Role::FullAdmin,
                Scope::Org,
            )
            .unwrap_err();
        assert!(refusal.names(RuleId::Assign2) && refusal.names(RuleId::Evt1));
        // Full admins may give roles whose areas they do not use themselves.
        assert!(w
            .assign(FULL, ("bob", "acme"), Role::ComplianceOfficer, Scope::Org)
            .is_ok());
    }

    #[test]
    fn r_assign_1_removing_a_person_needs_authority_over_their_roles() {
        // Reading A-8: removing or deactivating takes a person's roles away.
        let mut w = World::new();
        w.hold("full2", "acme", &[org_grant(Role::FullAdmin)])
            .hold("udev", "acme", &[org_grant(Role::UserDeviceAdmin)])
            .hold(
                "loc",
                "acme",
                &[grant(
                    Role::LocationAdmin,
                    Scope::Locations(vec!["amsterdam".into()]),
                )],
            )
            .hold("ccsa", "acme", &[org_grant(Role::CcServiceAdmin)])
            .hold("pfull", "pnet", &[org_grant(Role::FullAdmin)]);
        let takes = |actor: &str, target: &str, deactivating: bool| {
            let a = w.who(actor, "acme");
            let t = w.who(target, "acme");
            check_takes_away_grants(
                &w.state,
                Actor {
                    person: &a,
                    home_full_admin: false,
                },
                &t,
                deactivating,
                NOW,
            )
        };
        for actor in ["udev", "loc"] {
            let r = takes(actor, "full2", true).unwrap_err();
            assert!(
                r.names(RuleId::Assign1) && r.names(RuleId::Assign4),
                "{r:?}"
            );
            assert_eq!(
                r.reason,
                Reason::RemovalTakesRole {
                    role: Role::FullAdmin,
                    deactivating: true
                }
            );
            assert!(r
                .message(crate::Lang::En)
                .starts_with("You cannot deactivate this person"));
            assert!(r.message(crate::Lang::Nl).contains("deactiveren"));
        }
        assert!(takes("udev", "ccsa", false).is_err());
        // People holding no role, or roles the actor may revoke, may go.
        assert_eq!(takes("udev", "plain", true), Ok(()));
        assert_eq!(takes("full", "udev", false), Ok(()));
        assert_eq!(takes("full", "full2", true), Ok(()));
        // An external full administrator's grants are not the org's own full admins' to take.
        let partner = w.who("pfull", "pnet");
        let plain = w.who("plain", "acme");
        assert_eq!(
            check_takes_away_grants(
                &w.state,
                Actor {
                    person: &partner,
                    home_full_admin: true
                },
                &plain,
                false,
                NOW
            ),
            Ok(())
        );
    }

    #[test]
    fn r_assign_3_last_full_admin_is_kept_and_a_single_one_warned() {
        let mut w = World::new();
        assert_eq!(rule(w.revoke(FULL, FULL, Role::FullAdmin)), RuleId::Assign3);
        w.hold("full2", "acme", &[org_grant(Role::FullAdmin)]);
        let plan = w.revoke(FULL, ("full2", "acme"), Role::FullAdmin).unwrap();
        assert_eq!(plan.warnings, vec![Warning::SingleFullAdmin]);
    }

    #[test]
    fn r_assign_4_revoking_needs_the_authority_to_assign() {
        let mut w = World::new();
        w.hold("ro", "acme", &[org_grant(Role::ReadonlyAdmin)]);
        w.hold("dev", "acme", &[org_grant(Role::DeviceAdmin)]);
        let refusal = w
            .revoke(("ro", "acme"), ("dev", "acme"), Role::DeviceAdmin)
            .unwrap_err();
        assert!(refusal.names(RuleId::Assign4));
        assert!(w.revoke(FULL, ("dev", "acme"), Role::DeviceAdmin).is_ok());
    }

    #[test]
    fn r_ata_1_and_2_troubleshooting_add_on() {
        let mut w = World::new();
        w.hold("sup", "acme", &[org_grant(Role::SupportAdmin)]);
        w.hold("full2", "acme", &[org_grant(Role::FullAdmin)]);
        assert!(w
            .assign(
                FULL,
                ("sup", "acme"),
                Role::AdvancedTroubleshooting,
                Scope::Org
            )
            .is_ok());
        assert_eq!(
            rule(w.assign(
                FULL,
                ("bob", "acme"),
                Role::AdvancedTroubleshooting,
                Scope::Org
            )),
            RuleId::Ata1
        );
        assert_eq!(
            rule(w.assign(FULL, FULL, Role::AdvancedTroubleshooting, Scope::Org)),
            RuleId::Ata2
        );
        assert!(w
            .assign(
                ("full2", "acme"),
                FULL,
                Role::AdvancedTroubleshooting,
                Scope::Org
            )
            .is_ok());
    }

    #[test]
    fn r_loc_1_location_admin_is_exclusive_and_scoped() {
        let mut w = World::new();
        w.hold(
            "loc",
            "acme",
            &[grant(
                Role::LocationAdmin,
                Scope::Locations(vec!["amsterdam".into()]),
            )],
        );
        w.hold("dev", "acme", &[org_grant(Role::DeviceAdmin)]);
        assert!(w
            .assign(
                FULL,
                ("bob", "acme"),
                Role::LocationAdmin,
                Scope::Locations(vec!["rotterdam".into()])
            )
            .is_ok());
        assert_eq!(
            rule(w.assign(
                FULL,
                ("bob", "acme"),
                Role::LocationAdmin,
                Scope::Locations(vec![])
            )),
            RuleId::Loc1
        );
        assert_eq!(
            rule(w.assign(
                FULL,
                ("dev", "acme"),
                Role::LocationAdmin,
                Scope::Locations(vec!["amsterdam".into()])
            )),
            RuleId::Loc1
        );
        assert_eq!(
            rule(w.assign(FULL, ("loc", "acme"), Role::DeviceAdmin, Scope::Org)),
            RuleId::Loc1
        );
    }

    #[test]
    fn r_org_1_and_r_ccsa_1_org_role_replaces_ccsa() {
        let mut w = World::new();
        w.hold("agent1", "acme", &[org_grant(Role::CcServiceAdmin)]);
        w.hold("ro", "acme", &[org_grant(Role::ReadonlyAdmin)]);
        let plan = w
            .assign(FULL, ("agent1", "acme"), Role::FullAdmin, Scope::Org)
            .unwrap();
        assert_eq!(labels(&plan), vec!["cc_service_admin"]);
        assert_eq!(
            rule(w.assign(FULL, ("ro", "acme"), Role::CcServiceAdmin, Scope::Org)),
            RuleId::Ccsa1
        );
    }

    #[test]
    fn r_ccsa_2_to_5_who_may_be_a_ccsa() {
        let mut w = World::new();
        assert!(w
            .assign(FULL, ("agent1", "acme"), Role::CcServiceAdmin, Scope::Org)
            .is_ok());
        assert_eq!(
            rule(w.assign(FULL, ("bob", "acme"), Role::CcServiceAdmin, Scope::Org)),
            RuleId::Ccsa2
        );
        assert_eq!(
            rule(w.assign(FULL, ("eve", "ccorg"), Role::CcServiceAdmin, Scope::Org)),
            RuleId::Ccsa3
        );
        assert_eq!(
            rule(w.assign(FULL, ("pat", "pnet"), Role::CcServiceAdmin, Scope::Org)),
            RuleId::Ccsa4
        );
        assert!(w
            .assign(FULL, ("gus", "globex"), Role::CcServiceAdmin, Scope::Org)
            .is_ok());
        w.state.org.contact_center.enabled = false;
        assert_eq!(
            rule(w.assign(FULL, ("agent1", "acme"), Role::CcServiceAdmin, Scope::Org)),
            RuleId::Ccsa5
        );
    }

    #[test]
    fn r_ccsa_6_who_assigns_the_ccsa_role() {
        let mut w = World::new();
        w.hold("agent9", "acme", &[org_grant(Role::CcServiceAdmin)]);
        w.hold("xccsa", "globex", &[org_grant(Role::CcServiceAdmin)]);
        w.hold("xfull", "globex", &[org_grant(Role::FullAdmin)]);
        // An internal CCSA: to users of the org and to externals.
        assert!(w
            .assign(
                ("agent9", "acme"),
                ("agent1", "acme"),
                Role::CcServiceAdmin,
                Scope::Org
            )
            .is_ok());
        assert!(w
            .assign(
                ("agent9", "acme"),
                ("gia", "other"),
                Role::CcServiceAdmin,
                Scope::Org
            )
            .is_ok());
        // External CCSA and external full admin: to users of the org only.
        assert!(w
            .assign(
                ("xccsa", "globex"),
                ("agent1", "acme"),
                Role::CcServiceAdmin,
                Scope::Org
            )
            .is_ok());
        assert_eq!(
            rule(w.assign(
                ("xccsa", "globex"),
                ("gia", "other"),
                Role::CcServiceAdmin,
                Scope::Org
            )),
            RuleId::Ext2
        );
        assert!(w
            .assign(
                ("xfull", "globex"),
                ("agent1", "acme"),
                Role::CcServiceAdmin,
                Scope::Org
            )
            .is_ok());
        // A CCSA assigns no other role.
        assert_eq!(
            rule(w.assign(
                ("agent9", "acme"),
                ("bob", "acme"),
                Role::DeviceAdmin,
                Scope::Org
            )),
            RuleId::Ccsa6
        );
    }

    #[test]
    fn r_site_1_2_6_and_r_mca_1_site_roles() {
        let mut w = World::new();
        w.hold(
            "sadmin",
            "acme",
            &[grant(Role::SiteAdmin, Scope::Site(SITE.into()))],
        );
        w.hold(
            "suser",
            "acme",
            &[grant(Role::SiteUserAdmin, Scope::Site(SITE.into()))],
        );
        let site = || Scope::Site(SITE.into());
        assert_eq!(
            rule(w.assign(
                FULL,
                ("bob", "acme"),
                Role::SiteAdmin,
                Scope::Site("legacy.webex.com".into())
            )),
            RuleId::Site1
        );
        assert!(w
            .assign(
                ("sadmin", "acme"),
                ("bob", "acme"),
                Role::SiteReadonlyAdmin,
                site()
            )
            .is_ok());
        assert_eq!(
            rule(w.assign(
                ("suser", "acme"),
                ("bob", "acme"),
                Role::SiteReadonlyAdmin,
                site()
            )),
            RuleId::Site6
        );
        assert_eq!(
            rule(w.assign(FULL, ("bob", "acme"), Role::MeetingContentAdmin, site())),
            RuleId::Mca1
        );
        assert!(w
            .assign(FULL, ("suser", "acme"), Role::MeetingContentAdmin, site())
            .is_ok());
        // Revoking the last site role on the site takes the content role with it.
        w.hold(
            "both",
            "acme",
            &[
                grant(Role::SiteUserAdmin, site()),
                grant(Role::MeetingContentAdmin, site()),
            ],
        );
        let a = w.who("full", "acme");
        let t = w.who("both", "acme");
        let g = find_grant(w.state.grants_of("both"), Role::SiteUserAdmin, Some(SITE))
            .cloned()
            .unwrap();
        let plan = check_revoke(
            &w.state,
            Actor {
                person: &a,
                home_full_admin: false,
            },
            &t,
            &g,
            NOW,
        )
        .unwrap();
        assert!(labels(&plan).contains(&format!("meeting_content_admin@{SITE}")));
    }

    #[test]
    fn r_evt_1_events_admin_assigns_events_admin() {
        let mut w = World::new();
        w.hold("evt", "acme", &[org_grant(Role::EventsAdmin)]);
        assert!(w
            .assign(
                ("evt", "acme"),
                ("bob", "acme"),
                Role::EventsAdmin,
                Scope::Org
            )
            .is_ok());
        assert_eq!(
            rule(w.assign(
                ("evt", "acme"),
                ("bob", "acme"),
                Role::DeviceAdmin,
                Scope::Org
            )),
            RuleId::Evt1
        );
    }

    #[test]
    fn r_ext_1_2_3_adding_external_administrators() {
        let mut w = World::new();
        w.hold("xfull", "globex", &[org_grant(Role::FullAdmin)]);
        assert_eq!(
            rule(w.assign(FULL, ("jan", "consumer"), Role::ReadonlyAdmin, Scope::Org)),
            RuleId::Ext1
        );
        assert_eq!(
            rule(w.assign(
                ("xfull", "globex"),
                ("gia", "other"),
                Role::ReadonlyAdmin,
                Scope::Org
            )),
            RuleId::Ext2
        );
        assert_eq!(
            rule(w.assign(FULL, ("gia", "other"), Role::SupportAdmin, Scope::Org)),
            RuleId::Ext3
        );
        assert_eq!(
            rule(w.assign(FULL, ("pat", "pnet"), Role::ReadonlyAdmin, Scope::Org)),
            RuleId::Ext3
        );
        assert!(w
            .assign(FULL, ("pat", "pnet"), Role::ProvisioningAdmin, Scope::Org)
            .is_ok());
        let offered = verify_external(
            &w.state,
            &w.who("full", "acme"),
            Some(&person("pat", "pnet")),
            "pat@pnet.example",
            NOW,
        )
        .unwrap();
        assert_eq!(
            offered.offered,
            vec![Role::FullAdmin, Role::ProvisioningAdmin]
        );
    }

    #[test]
    fn r_ext_4_and_5_one_external_role_at_a_time_and_revoke_all() {
        let mut w = World::new();
        w.hold(
            "gus",
            "globex",
            &[
                org_grant(Role::ReadonlyAdmin),
                grant(Role::SiteReadonlyAdmin, Scope::Site(SITE.into())),
            ],
        );
        let plan = w
            .assign(FULL, ("gus", "globex"), Role::FullAdmin, Scope::Org)
            .unwrap();
        assert_eq!(labels(&plan), vec!["readonly_admin"]);
        let a = w.who("full", "acme");
        let t = w.who("gus", "globex");
        let all = check_revoke_all(
            &w.state,
            Actor {
                person: &a,
                home_full_admin: false,
            },
            &t,
            NOW,
        )
        .unwrap();
        assert_eq!(all.remove.len(), 2);
    }

    #[test]
    fn r_ext_9_partner_self_service() {
        let mut w = World::new();
        assert!(w
            .assign(
                ("pfull", "pnet"),
                ("pfull", "pnet"),
                Role::ProvisioningAdmin,
                Scope::Org
            )
            .is_ok());
        assert_eq!(
            rule(w.assign(
                ("pfull", "pnet"),
                ("pfull", "pnet"),
                Role::FullAdmin,
                Scope::Org
            )),
            RuleId::Ext9
        );
        w.state.org.partner = Some(PartnerLink {
            org: "pnet".into(),
            active: false,
        });
        assert_eq!(
            rule(w.assign(
                ("pfull", "pnet"),
                ("pfull", "pnet"),
                Role::ProvisioningAdmin,
                Scope::Org
            )),
            RuleId::Ext9
        );
    }

    #[test]
    fn r_ccsa_6_a_ccsa_cannot_take_another_role_away_by_replacement() {
        let mut w = World::new();
        w.hold("agent9", "acme", &[org_grant(Role::CcServiceAdmin)]);
        w.hold("gus", "globex", &[org_grant(Role::ReadonlyAdmin)]);
        let refusal = w
            .assign(
                ("agent9", "acme"),
                ("gus", "globex"),
                Role::CcServiceAdmin,
                Scope::Org,
            )
            .unwrap_err();
        assert!(
            refusal.names(RuleId::Ccsa6) && refusal.names(RuleId::Assign4),
            "{refusal:?}"
        );
        // A full admin may make the same replacement (R-EXT-4).
        assert_eq!(
            labels(
                &w.assign(FULL, ("gus", "globex"), Role::CcServiceAdmin, Scope::Org)
                    .unwrap()
            ),
            vec!["readonly_admin"]
        );
    }

    #[test]
    fn r_loc_1_a_location_admin_cannot_become_ccsa() {
        let mut w = World::new();
        w.hold(
            "agentloc",
            "acme",
            &[grant(
                Role::LocationAdmin,
                Scope::Locations(vec!["amsterdam".into()]),
            )],
        );
        assert_eq!(
            rule(w.assign(FULL, ("agentloc", "acme"), Role::CcServiceAdmin, Scope::Org)),
            RuleId::Loc1
        );
    }

    #[test]
    fn r_ext_6_external_full_admin_changes_site_roles_after_signing_in() {
        let mut w = World::new();
        w.hold("xfull", "globex", &[org_grant(Role::FullAdmin)]);
        w.state.holders.last_mut().unwrap().person.signed_in_at = None;
        assert_eq!(
            rule(w.assign(
                ("xfull", "globex"),
                ("bob", "acme"),
                Role::SiteAdmin,
                Scope::Site(SITE.into())
            )),
            RuleId::Ext6
        );
        w.state.holders.last_mut().unwrap().person.signed_in_at = Some(NOW);
        assert!(w
            .assign(
                ("xfull", "globex"),
                ("bob", "acme"),
                Role::SiteAdmin,
                Scope::Site(SITE.into())
            )
            .is_ok());
    }

    #[test]
    fn r_auth_1_and_r_ext_9_outsiders_and_former_partners() {
        let mut w = World::new();
        assert_eq!(
            rule(w.assign(
                ("stranger", "globex"),
                ("gia", "other"),
                Role::ReadonlyAdmin,
                Scope::Org
            )),
            RuleId::Auth1
        );
        w.hold("prov", "pnet", &[org_grant(Role::ProvisioningAdmin)]);
        w.state.org.partner = Some(PartnerLink {
            org: "pnet".into(),
            active: false,
        });
        assert_eq!(
            rule(w.assign(
                ("prov", "pnet"),
                ("bob", "acme"),
                Role::DeviceAdmin,
                Scope::Org
            )),
            RuleId::Ext9
        );
    }

    #[test]
    fn r_ext_7_an_expired_grant_given_anew_is_not_reported_as_removed() {
        let mut w = World::new();
        let mut expired = org_grant(Role::ReadonlyAdmin);
        expired.granted_at = Timestamp(10 * DAY_MS);
        w.hold("gus", "globex", &[expired]);
        let plan = w
            .assign(FULL, ("gus", "globex"), Role::ReadonlyAdmin, Scope::Org)
            .unwrap();
        assert!(plan.remove.is_empty() && plan.discard.len() == 1 && plan.add.is_some());
    }
}
