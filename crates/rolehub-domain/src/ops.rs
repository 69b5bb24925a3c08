//! Checks for the operations that are not role changes: users, licenses, settings, Contact Center
//! chat, administrator lists, and the partner's acts (creating customers, provisioning orders).

use crate::area::{Area, Level};
use crate::decision::{decide, Target};
use crate::license::License;
use crate::matrix::Relation;
use crate::model::{Grant, OrgView, PersonView, ShareSet, SharedField, Status};
use crate::refusal::{CcsaForbidden, Reason, Refusal};
use crate::role::Role;
use crate::rule::RuleId;
use crate::time::Timestamp;

/// The actor's facts a check needs: who they are and their grants in the org acted in.
#[derive(Clone, Copy, Debug)]
pub struct Principal<'a> {
    /// The org acted in.
    pub org: &'a OrgView,
    /// The person acting.
    pub person: &'a PersonView,
    /// Their grants in that org.
    pub grants: &'a [Grant],
    /// The clock.
    pub now: Timestamp,
}

impl<'a> Principal<'a> {
    /// A person acting in a loaded org, with their grants there.
    pub fn in_state(
        state: &'a crate::model::OrgState,
        person: &'a PersonView,
        now: Timestamp,
    ) -> Principal<'a> {
        Principal {
            org: &state.org,
            person,
            grants: state.grants_of(&person.id),
            now,
        }
    }
}

impl Principal<'_> {
    /// The access decision for this principal.
    pub fn decide(&self, area: Area, level: Level, target: Target<'_>) -> crate::Decision {
        decide(
            self.org,
            self.person,
            self.grants,
            area,
            level,
            target,
            self.now,
        )
    }

    /// Whether a role is held and in effect (`decide` on an area only that role reaches would do
    /// the same, but some roles are asked about by name).
    pub fn holds_in_effect(&self, role: Role) -> bool {
        let relation = self.org.relation_of(self.person);
        self.person.status != Status::Inactive
            && self.grants.iter().any(|g| {
                g.role == role
                    && !g.is_expired(relation, &self.org.settings, self.now)
                    && crate::model::grant_works_for_relation(g.role, relation)
            })
    }

    fn holds_site_role(&self) -> bool {
        self.grants.iter().any(|g| g.role.is_site_scoped())
    }
}

/// A change to a user of the org.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserChange {
    /// Add a user to the org.
    Add,
    /// Remove a user from the org.
    Remove,
    /// Activate or deactivate.
    SetStatus,
    /// Edit names or location.
    Edit,
    /// Resend the activation invitation.
    ResendInvite,
}

/// May the principal make this change to a user (at `location`, for location administrators)?
pub fn check_user_change(
    p: &Principal<'_>,
    change: UserChange,
    location: Option<&str>,
) -> Result<(), Refusal> {
    let target = location.map_or(Target::Org, Target::Location);
    let decision = p.decide(Area::Users, Level::Write, target);
    if decision.allowed {
        return Ok(());
    }
    if change == UserChange::ResendInvite && p.holds_in_effect(Role::CcServiceAdmin) {
        // R-CCSA-8: a CCSA resends the activation invitation to pending users.
        return Ok(());
    }
    let refusal = decision.as_refusal();
    if matches!(refusal.rule, RuleId::Auth1 | RuleId::Auth3 | RuleId::Ext7) {
        return Err(refusal);
    }
    if p.holds_in_effect(Role::CcServiceAdmin) {
        // R-CCSA-7 (reading A-1): no adding, activating, deactivating or deleting users.
        let what = match change {
            UserChange::Add => CcsaForbidden::AddUsers,
            UserChange::Remove => CcsaForbidden::RemoveUsers,
            _ => CcsaForbidden::ChangeStatus,
        };
        return Err(Refusal::new(RuleId::Ccsa7, Reason::CcsaCannot { what }));
    }
    if p.holds_site_role() && matches!(change, UserChange::Add | UserChange::Remove) {
        // R-SITE-5
        return Err(Refusal::new(
            RuleId::Site5,
            Reason::SiteAdminNoUserManagement,
        ));
    }
    Err(refusal)
}

/// May the principal give or take a license from a user at `location` (R-CCSA-8 for CC licenses)?
pub fn check_license_change(
    p: &Principal<'_>,
    license: &License,
    location: Option<&str>,
) -> Result<(), Refusal> {
    let target = location.map_or(Target::Org, Target::Location);
    let users = p.decide(Area::Users, Level::Write, target);
    if users.allowed {
        return Ok(());
    }
    let specific = match license {
        License::CcPremiumAgent | License::CcStandardAgent => {
            p.decide(Area::CcLicenses, Level::Write, Target::Org)
        }
        License::MeetingsHost(site) => {
            p.decide(Area::SiteLicenses, Level::Write, Target::Site(site))
        }
        License::Calling => users,
    };
    if specific.allowed {
        return Ok(());
    }
    if p.holds_in_effect(Role::CcServiceAdmin) && !license.is_contact_center() {
        // R-CCSA-8: what a CCSA changes is Contact Center licenses, and no others.
        return Err(Refusal::new(
            RuleId::Ccsa8,
            Reason::CcsaLicensesOnly {
                license: license.id(),
            },
        ));
    }
    Err(specific.as_refusal())
}

/// R-LIC-1: a license is given only while a unit is unused.
pub fn check_license_quantity(license: &License, used: i64, quantity: i64) -> Result<(), Refusal> {
    if used < quantity {
        Ok(())
    } else {
        Err(Refusal::new(
            RuleId::Lic1,
            Reason::LicenseExhausted {
                license: license.id(),
                quantity,
            },
        ))
    }
}

/// R-CCSA-2: the Premium Agent license stays while its holder is an internal CCSA.
pub fn check_license_removal(license: &License, holds_ccsa: bool) -> Result<(), Refusal> {
    if *license == License::CcPremiumAgent && holds_ccsa {
        Err(Refusal::new(
            RuleId::Ccsa2,
            Reason::CcsaNeedsPremium { removing: true },
        ))
    } else {
        Ok(())
    }
}

/// R-CC-4 (and R-CCSA-7): only an internal full administrator sets up Contact Center chat.
pub fn check_setup_chat(p: &Principal<'_>) -> Result<(), Refusal> {
    let internal = p.org.relation_of(p.person) == Relation::Internal;
    if internal && p.holds_in_effect(Role::FullAdmin) {
        return Ok(());
    }
    if p.person.status == Status::Inactive {
        return Err(p
            .decide(Area::ContactCenter, Level::Write, Target::Org)
            .as_refusal());
    }
    if p.holds_in_effect(Role::CcServiceAdmin) {
        return Err(Refusal::new(
            RuleId::Ccsa7,
            Reason::CcsaCannot {
                what: CcsaForbidden::SetUpServices,
            },
        )
        .also(RuleId::Cc4));
    }
    Err(Refusal::new(RuleId::Cc4, Reason::ChatSetupInternalFullOnly))
}

/// How an administrator list is shown to the principal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListView {
    /// R-CCSA-9: only CCSA holders are listed.
    pub ccsa_only: bool,
    /// R-EXT-10: the fields shown; the rest are masked. `None` for internal viewers.
    pub shared: Option<ShareSet>,
}

impl ListView {
    /// Whether a field is masked in this view.
    pub fn masks(&self, field: SharedField) -> bool {
        self.shared.is_some_and(|s| !s.contains(field))
    }
}

/// R-LIST-1: the administrators list and export need read on `roles`; the external
/// administrators list needs read on `external_admins`. Answers how the list is shown.
pub fn check_list_admins(p: &Principal<'_>, external_only: bool) -> Result<ListView, Refusal> {
    let area = if external_only {
        Area::ExternalAdmins
    } else {
        Area::Roles
    };
    let decision = p.decide(area, Level::Read, Target::Org);
    if let Some(refusal) = decision.refusal() {
        return Err(refusal);
    }
    // R-CCSA-9: a CCSA whose read comes from that role alone sees only CCSA holders.
    let ccsa_only = decision.via == Some(Role::CcServiceAdmin);
    let shared = p
        .org
        .relation_of(p.person)
        .is_external()
        .then_some(p.org.settings.share_with_external_admins);
    Ok(ListView { ccsa_only, shared })
}

/// R-NEW-2: only a full administrator of their own org creates a customer org it manages.
pub fn check_create_customer(person: &PersonView, home_full_admin: bool) -> Result<(), Refusal> {
    if person.status != Status::Inactive && home_full_admin {
        Ok(())
    } else {
        Err(Refusal::new(RuleId::New2, Reason::NotPartnerFullAdmin))
    }
}

/// R-EXT-8 / R-EXT-9: a service order of the org is provisioned by a full administrator of its
/// active provisioning partner (or by the partner's administrators in the org).
pub fn check_provision_order(p: &Principal<'_>, home_full_admin: bool) -> Result<(), Refusal> {
    let former_partner = p
        .org
        .partner
        .as_ref()
        .is_some_and(|l| l.org == p.person.home_org && !l.active);
    if former_partner {
        return Err(Refusal::new(RuleId::Ext9, Reason::RelationshipNotActive).also(RuleId::Ext8));
    }
    let is_partner = p.org.relation_of(p.person) == Relation::Partner;
    let acts_for_partner = home_full_admin
        || p.holds_in_effect(Role::FullAdmin)
        || p.holds_in_effect(Role::ProvisioningAdmin);
    if is_partner && p.person.status != Status::Inactive && acts_for_partner {
        Ok(())
    } else {
        Err(Refusal::new(RuleId::Ext8, Reason::NotProvisioningPartner))
    }
}

/// R-ASSIGN-3 for user changes: removing or deactivating `person_id` must leave a full
/// administrator. Answers the warning when exactly one is left.
pub fn check_keeps_full_admin(
    state: &crate::model::OrgState,
    person_id: &str,
    now: Timestamp,
) -> Result<Option<crate::refusal::Warning>, Refusal> {
    let after = state.full_admins(now, Some(person_id));
    if after == 0 && state.full_admins(now, None) > 0 {
        return Err(Refusal::new(RuleId::Assign3, Reason::LastFullAdmin));
    }
    Ok((after == 1).then_some(crate::refusal::Warning::SingleFullAdmin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ContactCenter, OrgKind, Scope, ShareSet};

    fn person(home: &str) -> PersonView {
        PersonView {
            id: "p".into(),
            email: "p@x.example".into(),
            first: String::new(),
            last: String::new(),
            home_org: home.into(),
            home_org_kind: OrgKind::Standard,
            home_org_contact_center: false,
            status: Status::Active,
            signed_in_at: None,
        }
    }

    fn org() -> OrgView {
        let mut org = OrgView::new("acme", "Acme", OrgKind::Standard);
        org.contact_center = ContactCenter {
            enabled: true,
            ..ContactCenter::default()
        };
        org.partner = Some(crate::model::PartnerLink {
            org: "pnet".into(),
            active: true,
        });
        org
    }

    fn grants(role: Role) -> Vec<Grant> {
        vec![Grant {
            id: "g".into(),
            role,
            scope: Scope::Org,
            granted_at: Timestamp(0),
            expires_at: None,
        }]
    }

    fn principal<'a>(
        org: &'a OrgView,
        person: &'a PersonView,
        grants: &'a [Grant],
    ) -> Principal<'a> {
        Principal {
            org,
            person,
            grants,
            now: Timestamp(1),
        }
    }

    #[test]
    fn r_ccsa_7_and_8_what_a_ccsa_may_do_with_users() {
        let (o, p, g) = (org(), person("acme"), grants(Role::CcServiceAdmin));
        let ccsa = principal(&o, &p, &g);
        assert_eq!(
            check_user_change(&ccsa, UserChange::Add, None)
                .unwrap_err()
                .rule,
            RuleId::Ccsa7
        );
        assert_eq!(
            check_user_change(&ccsa, UserChange::SetStatus, None)
                .unwrap_err()
                .rule,
            RuleId::Ccsa7
        );
        assert!(check_user_change(&ccsa, UserChange::ResendInvite, None).is_ok());
        assert!(check_license_change(&ccsa, &License::CcPremiumAgent, None).is_ok());
        // R-CCSA-8 says what a CCSA changes: Contact Center licenses, not others.
        let refused = check_license_change(&ccsa, &License::Calling, None).unwrap_err();
        assert_eq!(refused.rule, RuleId::Ccsa8);
        assert!(refused
            .message(crate::Lang::En)
            .contains("Contact Center licenses only"));
    }

    #[test]
    fn r_site_5_site_admins_do_not_add_users() {
        let (o, p) = (org(), person("acme"));
        let g = vec![Grant {
            id: "g".into(),
            role: Role::SiteAdmin,
            scope: Scope::Site("s".into()),
            granted_at: Timestamp(0),
            expires_at: None,
        }];
        assert_eq!(
            check_user_change(&principal(&o, &p, &g), UserChange::Add, None)
                .unwrap_err()
                .rule,
            RuleId::Site5
        );
    }

    #[test]
    fn r_lic_1_and_r_ccsa_2_license_units_and_the_premium_license() {
        assert!(check_license_quantity(&License::Calling, 4, 5).is_ok());
        let refusal = check_license_quantity(&License::Calling, 5, 5).unwrap_err();
        assert_eq!(refusal.rule, RuleId::Lic1);
        assert!(
            refusal.message(crate::Lang::En).contains("`Webex Calling`")
                && refusal.message(crate::Lang::En).contains('5')
        );
        assert_eq!(
            check_license_removal(&License::CcPremiumAgent, true)
                .unwrap_err()
                .rule,
            RuleId::Ccsa2
        );
        assert!(check_license_removal(&License::CcPremiumAgent, false).is_ok());
    }

    #[test]
    fn r_cc_4_only_internal_full_admins_set_up_chat() {
        let o = org();
        let (inside, outside) = (person("acme"), person("globex"));
        let full = grants(Role::FullAdmin);
        assert!(check_setup_chat(&principal(&o, &inside, &full)).is_ok());
        assert_eq!(
            check_setup_chat(&principal(&o, &outside, &full))
                .unwrap_err()
                .rule,
            RuleId::Cc4
        );
        let ccsa = grants(Role::CcServiceAdmin);
        assert!(check_setup_chat(&principal(&o, &inside, &ccsa))
            .unwrap_err()
            .names(RuleId::Cc4));
    }

    #[test]
    fn r_cc_1_external_full_admin_manages_contact_center() {
        let (o, p, g) = (org(), person("globex"), grants(Role::FullAdmin));
        assert!(
            principal(&o, &p, &g)
                .decide(Area::ContactCenter, Level::Write, Target::Org)
                .allowed
        );
    }

    #[test]
    fn r_list_1_r_ccsa_9_r_ext_10_list_views() {
        let mut o = org();
        o.settings.share_with_external_admins = ShareSet::from_ids(["name"]).unwrap();
        let (inside, outside) = (person("acme"), person("globex"));
        let ccsa = grants(Role::CcServiceAdmin);
        let view = check_list_admins(&principal(&o, &inside, &ccsa), false).unwrap();
        assert!(view.ccsa_only && view.shared.is_none());
        let ro = grants(Role::ReadonlyAdmin);
        let view = check_list_admins(&principal(&o, &outside, &ro), false).unwrap();
        assert!(
            !view.ccsa_only && view.masks(SharedField::Email) && !view.masks(SharedField::Name)
        );
        let prov = grants(Role::ProvisioningAdmin);
        let partner = person("pnet");
        assert_eq!(
            check_list_admins(&principal(&o, &partner, &prov), false)
                .unwrap_err()
                .rule,
            RuleId::Cc2
        );
        assert!(check_list_admins(&principal(&o, &partner, &prov), true).is_ok());
    }

    #[test]
    fn r_new_2_and_r_ext_8_partner_acts() {
        assert!(check_create_customer(&person("pnet"), true).is_ok());
        assert_eq!(
            check_create_customer(&person("pnet"), false)
                .unwrap_err()
                .rule,
            RuleId::New2
        );
        let o = org();
        let partner = person("pnet");
        assert!(check_provision_order(&principal(&o, &partner, &[]), true).is_ok());
        assert_eq!(
            check_provision_order(&principal(&o, &person("globex"), &[]), true)
                .unwrap_err()
                .rule,
            RuleId::Ext8
        );
    }
}
