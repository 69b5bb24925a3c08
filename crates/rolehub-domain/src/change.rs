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
        // An internal CCSA offers only the CCSA role (R-CCSA-6); when that is not offered either,
        // the answer says why rather than offering nothing.
        offered.retain(|r| *r == Role::CcServiceAdmin);
        if offered.is_empty() && org.contact_center.enabled {
            return Err(if partner {
                Refusal::new(RuleId::Ccsa4, Reason::CcsaPartner)
            } else {
                // R-CCSA-3
                Refusal::new(RuleId::Ccsa3, Reason::CcsaHomeHasContactCenter)
            });
        }
    }
    Ok(Verification { partner, offered })
}

#[cfg(test)]
mod tests;
