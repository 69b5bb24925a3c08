//! The access decision: may this person have this level in this area of this org, and why.
//!
//! [`decide`] is the hot path of every request. It reads only the loaded grants, allocates nothing
//! and asks no database; its answer is a value that carries its reason (the rule id and the levels),
//! which the API, the console, the CLI and the audit log render.

use crate::area::{Area, Level};
use crate::matrix::{cell, Note, Relation};
use crate::model::{grant_works_for_relation, Grant, OrgView, PersonView, SiteManager, Status};
use crate::refusal::{Reason, Refusal};
use crate::role::Role;
use crate::rule::RuleId;
use crate::time::Timestamp;

/// What a check is about, beyond the org: a site for per-site areas, a location for the areas a
/// location administrator reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Target<'a> {
    /// The org as a whole.
    #[default]
    Org,
    /// One Meetings site.
    Site(&'a str),
    /// One location.
    Location(&'a str),
}

/// The answer to an access check, with its reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the access is allowed.
    pub allowed: bool,
    /// The rule that explains the answer: `R-PERM-1` or a more specific one.
    pub rule: RuleId,
    /// The area asked about.
    pub area: Area,
    /// The level asked for.
    pub asked: Level,
    /// The highest level the grants in effect give.
    pub held: Level,
    /// The role that gave the level, or whose grant was not in effect.
    pub via: Option<Role>,
}

impl Decision {
    /// The refusal this decision amounts to, if it refuses.
    pub fn refusal(&self) -> Option<Refusal> {
        (!self.allowed).then(|| {
            Refusal::new(
                self.rule,
                Reason::Access {
                    area: self.area,
                    asked: self.asked,
                    held: self.held,
                    via: self.via,
                },
            )
        })
    }

    /// The refusal this decision's reason amounts to (for a decision known to refuse).
    pub fn as_refusal(&self) -> Refusal {
        Refusal::new(
            self.rule,
            Reason::Access {
                area: self.area,
                asked: self.asked,
                held: self.held,
                via: self.via,
            },
        )
    }

    /// `Ok` when allowed, the refusal otherwise.
    pub fn into_result(self) -> Result<Decision, Refusal> {
        match self.refusal() {
            Some(refusal) => Err(refusal),
            None => Ok(self),
        }
    }
}

/// Whether the holder signed in to the admin console after the grant (R-AUTH-2).
pub fn signed_in_since(person: &PersonView, grant: &Grant) -> bool {
    person.signed_in_at.is_some_and(|t| t >= grant.granted_at)
}

/// Why one grant gives nothing right now, if it does not.
fn blocked_by(
    org: &OrgView,
    person: &PersonView,
    relation: Relation,
    grant: &Grant,
    note: Option<Note>,
    now: Timestamp,
) -> Option<RuleId> {
    if grant.is_expired(relation, &org.settings, now) {
        // R-EXT-7: expiry is enforced at decision time.
        return Some(RuleId::Ext7);
    }
    if !grant_works_for_relation(grant.role, relation) {
        // R-EXT-9: the provisioning role ends with the sales relationship.
        return Some(RuleId::Ext9);
    }
    if grant.role.is_site_scoped() && !signed_in_since(person, grant) {
        // R-SITE-3 (with R-AUTH-2): site roles work after a sign-in following the grant.
        return Some(RuleId::Site3);
    }
    if note == Some(Note::AfterSignIn) && !signed_in_since(person, grant) {
        // R-EXT-6: an external full admin reaches sites after a sign-in following the grant.
        return Some(RuleId::Ext6);
    }
    None
}

/// Takes the access decision for `person` in `org`, given their grants in that org.
pub fn decide(
    org: &OrgView,
    person: &PersonView,
    grants: &[Grant],
    area: Area,
    asked: Level,
    target: Target<'_>,
    now: Timestamp,
) -> Decision {
    let answer = |allowed, rule, held, via| Decision {
        allowed,
        rule,
        area,
        asked,
        held,
        via,
    };
    if person.status == Status::Inactive {
        // R-AUTH-3: no access through any grant while inactive.
        return answer(false, RuleId::Auth3, Level::None, None);
    }
    let relation = org.relation_of(person);
    if grants.is_empty() && relation.is_external() {
        // R-AUTH-1: no access to an org where the principal holds no grant.
        return answer(false, RuleId::Auth1, Level::None, None);
    }
    let site = match target {
        Target::Site(url) => Some(url),
        _ => None,
    };
    if area.is_site_area() {
        // R-SITE-2: per-site areas name a site of the org that Control Hub manages.
        let reachable = site
            .and_then(|url| org.site(url))
            .is_some_and(|s| s.managed_by == SiteManager::ControlHub);
        if !reachable {
            return answer(false, RuleId::Site2, Level::None, None);
        }
    }
    let location = match target {
        Target::Location(l) => Some(l),
        _ => None,
    };
    let has_troubleshooting_add_on = relation == Relation::Internal
        && grants.iter().any(|g| {
            g.role == Role::AdvancedTroubleshooting && !g.is_expired(relation, &org.settings, now)
        });

    let mut held = Level::None;
    let mut via = None;
    let mut blocker: Option<(RuleId, Role)> = None;
    for grant in grants {
        let c = cell(grant.role, relation, area);
        if c.level == Level::None {
            continue;
        }
        if grant.role.is_site_scoped()
            && !site.is_some_and(|s| {
                grant
                    .scope
                    .site()
                    .is_some_and(|g| g.eq_ignore_ascii_case(s))
            })
        {
            // R-SITE-2: a site role reaches only its own site.
            continue;
        }
        let conditions_met = match c.note {
            // Matrix note 5: only together with advanced troubleshooting.
            Some(Note::NeedsTroubleshootingAddOn) => has_troubleshooting_add_on,
            // Matrix note 1: a location administrator reaches only their locations.
            Some(Note::LocationScope) => {
                location.is_some_and(|l| grant.scope.locations().iter().any(|g| g == l))
            }
            _ => true,
        };
        if !conditions_met {
            continue;
        }
        match blocked_by(org, person, relation, grant, c.note, now) {
            None if c.level > held => {
                held = c.level;
                via = Some(grant.role);
            }
            None => {}
            Some(rule) if c.level >= asked && blocker.is_none() => {
                blocker = Some((rule, grant.role));
            }
            Some(_) => {}
        }
    }
    if held >= asked {
        return answer(true, RuleId::Perm1, held, via);
    }
    match blocker {
        Some((rule, role)) => answer(false, rule, held, Some(role)),
        None => answer(
            false,
            specific_rule(area, asked, grants, relation, site),
            held,
            via,
        ),
    }
}

/// The rule that explains a refusal better than R-PERM-1, from the roles the person holds.
fn specific_rule(
    area: Area,
    asked: Level,
    grants: &[Grant],
    relation: Relation,
    site: Option<&str>,
) -> RuleId {
    let holds = |role: Role| grants.iter().any(|g| g.role == role);
    let holds_site_role = grants.iter().any(|g| g.role.is_site_scoped());
    let holds_role_on_site = grants.iter().any(|g| {
        g.role.is_site_scoped()
            && site.is_some_and(|s| {
                g.scope
                    .site()
                    .is_some_and(|own| own.eq_ignore_ascii_case(s))
            })
    });
    match area {
        Area::Calling if holds(Role::UserDeviceAdmin) || holds(Role::DeviceAdmin) => RuleId::Call1,
        Area::Calling | Area::CallingCdr if holds(Role::CallingCdrApi) => RuleId::Cdr1,
        Area::ContactCenter if holds(Role::ReadonlyAdmin) => RuleId::Cc3,
        Area::Users if asked == Level::Write && holds(Role::CcServiceAdmin) => RuleId::Ccsa7,
        Area::Users if holds(Role::ProvisioningAdmin) => RuleId::Cc2,
        Area::Users if holds_site_role => RuleId::Site5,
        Area::Roles if holds(Role::CcServiceAdmin) => RuleId::Ccsa6,
        Area::Roles if holds(Role::ProvisioningAdmin) => RuleId::Cc2,
        Area::Roles if holds(Role::EventsAdmin) => RuleId::Evt1,
        Area::ExternalAdmins if asked == Level::Write && relation.is_external() => RuleId::Ext2,
        // R-SITE-6: on their own site, only a site administrator changes its roles.
        Area::SiteRoles if holds_role_on_site => RuleId::Site6,
        _ if area.is_site_area() && holds_site_role && !holds_role_on_site => RuleId::Site2,
        _ => RuleId::Perm1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OrgKind, PartnerLink, Scope, Site};
    use crate::time::DAY_MS;

    const NOW: Timestamp = Timestamp(100 * DAY_MS);

    fn org() -> OrgView {
        let mut org = OrgView::new("acme", "Acme", OrgKind::Standard);
        org.sites = vec![
            Site {
                url: "acme.webex.com".into(),
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
        org
    }

    fn person(home: &str) -> PersonView {
        PersonView {
            id: "p".into(),
            email: "p@x.example".into(),
            first: "P".into(),
            last: "Q".into(),
            home_org: home.into(),
            home_org_kind: OrgKind::Standard,
            home_org_contact_center: false,
            status: Status::Active,
            signed_in_at: None,
        }
    }

    fn grant(role: Role, scope: Scope) -> Grant {
        Grant {
            id: role.id().into(),
            role,
            scope,
            granted_at: Timestamp(90 * DAY_MS),
            expires_at: None,
        }
    }

    fn check(
        p: &PersonView,
        grants: &[Grant],
        area: Area,
        level: Level,
        target: Target<'_>,
    ) -> Decision {
        decide(&org(), p, grants, area, level, target, NOW)
    }

    #[test]
    fn r_perm_1_full_admin_writes_users_readonly_does_not() {
        let p = person("acme");
        let d = check(
            &p,
            &[grant(Role::FullAdmin, Scope::Org)],
            Area::Users,
            Level::Write,
            Target::Org,
        );
        assert!(d.allowed);
        assert_eq!(d.via, Some(Role::FullAdmin));
        let d = check(
            &p,
            &[grant(Role::ReadonlyAdmin, Scope::Org)],
            Area::Users,
            Level::Write,
            Target::Org,
        );
        assert!(!d.allowed);
        assert_eq!((d.rule, d.held), (RuleId::Perm1, Level::Read));
    }

    #[test]
    fn r_auth_1_outsider_without_grant_is_refused() {
        let d = check(&person("other"), &[], Area::Users, Level::Read, Target::Org);
        assert_eq!((d.allowed, d.rule), (false, RuleId::Auth1));
    }

    #[test]
    fn r_auth_3_inactive_has_no_access() {
        let mut p = person("acme");
        p.status = Status::Inactive;
        let d = check(
            &p,
            &[grant(Role::FullAdmin, Scope::Org)],
            Area::Users,
            Level::Read,
            Target::Org,
        );
        assert_eq!((d.allowed, d.rule), (false, RuleId::Auth3));
    }

    #[test]
    fn r_call_1_device_admin_refused_calling() {
        let d = check(
            &person("acme"),
            &[grant(Role::DeviceAdmin, Scope::Org)],
            Area::Calling,
            Level::Read,
            Target::Org,
        );
        assert_eq!((d.allowed, d.rule), (false, RuleId::Call1));
    }

    #[test]
    fn r_cc_3_internal_readonly_has_no_contact_center() {
        let d = check(
            &person("acme"),
            &[grant(Role::ReadonlyAdmin, Scope::Org)],
            Area::ContactCenter,
            Level::Read,
            Target::Org,
        );
        assert_eq!((d.allowed, d.rule), (false, RuleId::Cc3));
        let d = check(
            &person("other"),
            &[grant(Role::ReadonlyAdmin, Scope::Org)],
            Area::ContactCenter,
            Level::Read,
            Target::Org,
        );
        assert!(d.allowed);
    }

    #[test]
    fn r_site_3_site_role_needs_sign_in_after_grant() {
        let mut p = person("acme");
        let g = [grant(Role::SiteAdmin, Scope::Site("acme.webex.com".into()))];
        let d = check(
            &p,
            &g,
            Area::SiteConfig,
            Level::Write,
            Target::Site("acme.webex.com"),
        );
        assert_eq!((d.allowed, d.rule), (false, RuleId::Site3));
        p.signed_in_at = Some(Timestamp(95 * DAY_MS));
        let d = check(
            &p,
            &g,
            Area::SiteConfig,
            Level::Write,
            Target::Site("acme.webex.com"),
        );
        assert!(d.allowed);
    }

    #[test]
    fn r_site_2_site_admin_managed_sites_and_other_sites_are_out_of_reach() {
        let p = person("acme");
        let full = [grant(Role::FullAdmin, Scope::Org)];
        let d = check(
            &p,
            &full,
            Area::SiteConfig,
            Level::Read,
            Target::Site("legacy.webex.com"),
        );
        assert_eq!((d.allowed, d.rule), (false, RuleId::Site2));
        let d = check(
            &p,
            &full,
            Area::SiteConfig,
            Level::Write,
            Target::Site("acme.webex.com"),
        );
        assert!(d.allowed);
    }

    #[test]
    fn r_ext_6_external_full_admin_reaches_sites_after_sign_in() {
        let mut p = person("other");
        let g = [grant(Role::FullAdmin, Scope::Org)];
        let d = check(
            &p,
            &g,
            Area::SiteUsers,
            Level::Write,
            Target::Site("acme.webex.com"),
        );
        assert_eq!((d.allowed, d.rule), (false, RuleId::Ext6));
        p.signed_in_at = Some(NOW);
        assert!(
            check(
                &p,
                &g,
                Area::SiteUsers,
                Level::Write,
                Target::Site("acme.webex.com")
            )
            .allowed
        );
    }

    #[test]
    fn r_ext_7_expired_external_readonly_is_refused() {
        let p = person("other");
        let mut g = grant(Role::ReadonlyAdmin, Scope::Org);
        g.granted_at = Timestamp(80 * DAY_MS);
        let d = check(&p, &[g], Area::Users, Level::Read, Target::Org);
        assert_eq!((d.allowed, d.rule), (false, RuleId::Ext7));
    }

    #[test]
    fn location_admin_reaches_only_their_locations() {
        let p = person("acme");
        let g = [grant(
            Role::LocationAdmin,
            Scope::Locations(vec!["amsterdam".into()]),
        )];
        assert!(
            check(
                &p,
                &g,
                Area::Users,
                Level::Write,
                Target::Location("amsterdam")
            )
            .allowed
        );
        assert!(
            !check(
                &p,
                &g,
                Area::Users,
                Level::Write,
                Target::Location("rotterdam")
            )
            .allowed
        );
        assert!(!check(&p, &g, Area::Users, Level::Write, Target::Org).allowed);
    }

    #[test]
    fn join_meetings_needs_the_troubleshooting_add_on() {
        let p = person("acme");
        let mut g = vec![grant(Role::FullAdmin, Scope::Org)];
        assert!(!check(&p, &g, Area::JoinMeetings, Level::Write, Target::Org).allowed);
        g.push(grant(Role::AdvancedTroubleshooting, Scope::Org));
        assert!(check(&p, &g, Area::JoinMeetings, Level::Write, Target::Org).allowed);
    }

    #[test]
    fn r_ext_9_provisioning_role_ends_with_relationship() {
        let p = person("pnet");
        let g = [grant(Role::ProvisioningAdmin, Scope::Org)];
        assert!(check(&p, &g, Area::ContactCenter, Level::Write, Target::Org).allowed);
        let mut ended = org();
        ended.partner = Some(PartnerLink {
            org: "pnet".into(),
            active: false,
        });
        let d = decide(
            &ended,
            &p,
            &g,
            Area::ContactCenter,
            Level::Write,
            Target::Org,
            NOW,
        );
        assert_eq!((d.allowed, d.rule), (false, RuleId::Ext9));
    }

    #[test]
    fn r_cc_2_provisioning_admin_has_no_users() {
        let d = check(
            &person("pnet"),
            &[grant(Role::ProvisioningAdmin, Scope::Org)],
            Area::Users,
            Level::Read,
            Target::Org,
        );
        assert_eq!((d.allowed, d.rule), (false, RuleId::Cc2));
    }
}

#[cfg(test)]
mod properties {
    //! Random principals and checks: a decision never gives more than the matrix gives the roles
    //! held, allows only what it holds, and always names a rule.

    use super::*;
    use crate::model::{OrgKind, PartnerLink, Scope, Site};
    use crate::time::DAY_MS;
    use proptest::prelude::*;

    fn org() -> OrgView {
        let mut org = OrgView::new("acme", "Acme", OrgKind::Standard);
        org.sites = vec![
            Site {
                url: "a.webex.com".into(),
                managed_by: SiteManager::ControlHub,
            },
            Site {
                url: "b.webex.com".into(),
                managed_by: SiteManager::SiteAdmin,
            },
        ];
        org.locations = vec!["north".into(), "south".into()];
        org.partner = Some(PartnerLink {
            org: "pnet".into(),
            active: true,
        });
        org
    }

    fn grant_strategy() -> impl Strategy<Value = Grant> {
        (
            0..Role::ALL.len(),
            0..3usize,
            0..200i64,
            proptest::option::of(0..200i64),
        )
            .prop_map(|(r, s, at, end)| {
                let role = Role::ALL[r];
                let scope = match role.scope_kind() {
                    crate::role::ScopeKind::Site => {
                        Scope::Site(["a.webex.com", "b.webex.com", "a.webex.com"][s].into())
                    }
                    crate::role::ScopeKind::Locations => {
                        Scope::Locations(vec![["north", "south", "north"][s].into()])
                    }
                    crate::role::ScopeKind::Org => Scope::Org,
                };
                Grant {
                    id: format!("g{r}"),
                    role,
                    scope,
                    granted_at: Timestamp(at * DAY_MS),
                    expires_at: end.map(|e| Timestamp(e * DAY_MS)),
                }
            })
    }

    proptest! {
        #[test]
        fn r_perm_1_decisions_never_exceed_the_matrix(
            grants in proptest::collection::vec(grant_strategy(), 0..6),
            home in prop_oneof![Just("acme"), Just("pnet"), Just("globex")],
            inactive in any::<bool>(),
            signed_in in proptest::option::of(0..200i64),
            area in 0..Area::ALL.len(),
            write in any::<bool>(),
            target in 0..5usize,
            now in 0..250i64,
        ) {
            let org = org();
            let person = PersonView {
                id: "p".into(), email: "p@x.example".into(), first: String::new(), last: String::new(),
                home_org: home.into(), home_org_kind: OrgKind::Standard, home_org_contact_center: false,
                status: if inactive { Status::Inactive } else { Status::Active },
                signed_in_at: signed_in.map(|d| Timestamp(d * DAY_MS)),
            };
            let area = Area::ALL[area];
            let asked = if write { Level::Write } else { Level::Read };
            let target = [Target::Org, Target::Site("a.webex.com"), Target::Site("b.webex.com"), Target::Location("north"), Target::Location("south")][target];
            let d = decide(&org, &person, &grants, area, asked, target, Timestamp(now * DAY_MS));
            let relation = org.relation_of(&person);
            let ceiling = grants.iter().map(|g| cell(g.role, relation, area).level).max().unwrap_or(Level::None);
            prop_assert!(d.held <= ceiling, "held {:?} above what the roles give {:?}", d.held, ceiling);
            prop_assert_eq!(d.allowed, d.held >= asked);
            if inactive { prop_assert!(!d.allowed); }
            if !d.allowed { prop_assert!(d.refusal().is_some_and(|r| r.message(crate::Lang::Nl).contains(d.rule.id()))); }
        }
    }
}
