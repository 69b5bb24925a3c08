//! The role catalogue: every administrator role, its names, its scope and who may hold it.

use std::fmt;

use crate::lang::Lang;

/// An administrator role. The declaration order is the catalogue order, which the admin export
/// (R-EXPORT-1) and every listing of roles follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    FullAdmin,
    ReadonlyAdmin,
    SupportAdmin,
    UserDeviceAdmin,
    DeviceAdmin,
    ComplianceOfficer,
    LocationAdmin,
    AdvancedTroubleshooting,
    CallingCdrApi,
    EventsAdmin,
    CcServiceAdmin,
    ProvisioningAdmin,
    SiteAdmin,
    SiteUserAdmin,
    SiteReadonlyAdmin,
    MeetingContentAdmin,
}

/// What a grant of a role is scoped to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    /// The whole org.
    Org,
    /// A set of the org's locations (`location_admin`).
    Locations,
    /// One Meetings site.
    Site,
}

/// Who may hold a role, as the catalogue says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holders {
    /// Users of the org and external administrators.
    InternalOrExternal,
    /// Users of the org only.
    Internal,
    /// Users of the org who hold full, read-only or support administrator (R-ATA-1).
    InternalBaseAdmin,
    /// Users of the org and external administrators who are not from the provisioning partner.
    InternalOrOtherOrg,
    /// Administrators of the org's provisioning partner only.
    PartnerOnly,
    /// Holders of a site role on the same site (R-MCA-1).
    SiteRoleHolders,
}

struct RoleInfo {
    id: &'static str,
    en: &'static str,
    nl: &'static str,
    scope: ScopeKind,
    holders: Holders,
    add_on: bool,
}

const fn info(
    id: &'static str,
    en: &'static str,
    nl: &'static str,
    scope: ScopeKind,
    holders: Holders,
    add_on: bool,
) -> RoleInfo {
    RoleInfo {
        id,
        en,
        nl,
        scope,
        holders,
        add_on,
    }
}

use Holders::*;
use ScopeKind::{Locations, Org, Site};

/// The catalogue, in the order of [`Role`].
#[rustfmt::skip]
const CATALOGUE: [RoleInfo; 16] = [
    info("full_admin", "Full administrator", "Volledige beheerder", Org, InternalOrExternal, false),
    info("readonly_admin", "Read-only administrator", "Alleen-lezenbeheerder", Org, InternalOrExternal, false),
    info("support_admin", "Support administrator", "Ondersteuningsbeheerder", Org, Internal, false),
    info("user_device_admin", "User and device administrator", "Gebruikers- en apparaatbeheerder", Org, Internal, false),
    info("device_admin", "Device administrator", "Apparaatbeheerder", Org, Internal, false),
    info("compliance_officer", "Compliance officer", "Nalevingsfunctionaris", Org, Internal, false),
    info("location_admin", "Location administrator", "Locatiebeheerder", Locations, Internal, false),
    info("advanced_troubleshooting", "Advanced troubleshooting access", "Toegang tot geavanceerde probleemoplossing", Org, InternalBaseAdmin, true),
    info("calling_cdr_api", "Webex Calling Detailed Call History API access", "API-toegangsrol Webex Calling Detailed Call History", Org, Internal, true),
    info("events_admin", "Webex Events administrator", "Webex Events-beheerder", Org, Internal, false),
    info("cc_service_admin", "Contact Center service administrator", "Contact Center-servicebeheerder", Org, InternalOrOtherOrg, false),
    info("provisioning_admin", "Provisioning administrator", "Inrichtingsbeheerder", Org, PartnerOnly, false),
    info("site_admin", "Webex site administrator", "Webex-sitebeheerder", Site, InternalOrOtherOrg, false),
    info("site_user_admin", "Webex site user administrator", "Webex-gebruikersbeheerder", Site, InternalOrOtherOrg, false),
    info("site_readonly_admin", "Webex site read-only administrator", "Webex-beheerder alleen-lezen", Site, InternalOrOtherOrg, false),
    info("meeting_content_admin", "Meeting content administrator", "Beheerder vergaderingsinhoud", Site, SiteRoleHolders, false),
];

impl Role {
    /// Every role, in catalogue order.
    pub const ALL: [Role; 16] = [
        Role::FullAdmin,
        Role::ReadonlyAdmin,
        Role::SupportAdmin,
        Role::UserDeviceAdmin,
        Role::DeviceAdmin,
        Role::ComplianceOfficer,
        Role::LocationAdmin,
        Role::AdvancedTroubleshooting,
        Role::CallingCdrApi,
        Role::EventsAdmin,
        Role::CcServiceAdmin,
        Role::ProvisioningAdmin,
        Role::SiteAdmin,
        Role::SiteUserAdmin,
        Role::SiteReadonlyAdmin,
        Role::MeetingContentAdmin,
    ];

    fn info(self) -> &'static RoleInfo {
        &CATALOGUE[self as usize]
    }

    /// The catalogue id, e.g. `full_admin`.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// Looks a role up by its catalogue id.
    pub fn from_id(id: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == id)
    }

    /// The role's name in a language (the English names are the export's, R-EXPORT-1).
    pub fn name(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.info().en,
            Lang::Nl => self.info().nl,
        }
    }

    /// What a grant of this role is scoped to.
    pub fn scope_kind(self) -> ScopeKind {
        self.info().scope
    }

    /// Who may hold the role.
    pub fn holders(self) -> Holders {
        self.info().holders
    }

    /// An add-on role works only beside another role (advanced troubleshooting, CDR API access).
    pub fn is_add_on(self) -> bool {
        self.info().add_on
    }

    /// One of the three site roles proper: site admin, site user admin, site read-only admin.
    pub fn is_site_role(self) -> bool {
        matches!(
            self,
            Role::SiteAdmin | Role::SiteUserAdmin | Role::SiteReadonlyAdmin
        )
    }

    /// Any role scoped to a site, meeting content administrator included.
    pub fn is_site_scoped(self) -> bool {
        self.scope_kind() == ScopeKind::Site
    }

    /// Whether the catalogue lets a user of the org hold the role.
    pub fn internal_may_hold(self) -> bool {
        !matches!(self.holders(), PartnerOnly)
    }

    /// Whether the catalogue lets an administrator from another org (not the partner) hold it.
    pub fn other_org_may_hold(self) -> bool {
        matches!(
            self.holders(),
            InternalOrExternal | InternalOrOtherOrg | SiteRoleHolders
        )
    }

    /// Whether the catalogue lets an administrator of the provisioning partner hold it (R-EXT-3).
    pub fn partner_may_hold(self) -> bool {
        matches!(self, Role::FullAdmin | Role::ProvisioningAdmin)
    }

    /// The roles of which an external person holds at most one per org (R-EXT-4).
    pub fn is_external_exclusive(self) -> bool {
        matches!(
            self,
            Role::FullAdmin | Role::ReadonlyAdmin | Role::CcServiceAdmin | Role::ProvisioningAdmin
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_in_catalogue_order() {
        for (i, role) in Role::ALL.into_iter().enumerate() {
            assert_eq!(role as usize, i);
            assert_eq!(Role::from_id(role.id()), Some(role));
        }
        assert_eq!(Role::from_id("root"), None);
    }

    #[test]
    fn names_follow_the_catalogue() {
        assert_eq!(Role::FullAdmin.name(Lang::En), "Full administrator");
        assert_eq!(Role::FullAdmin.name(Lang::Nl), "Volledige beheerder");
        assert_eq!(Role::SiteAdmin.name(Lang::En), "Webex site administrator");
        assert_eq!(
            Role::CcServiceAdmin.name(Lang::Nl),
            "Contact Center-servicebeheerder"
        );
    }

    #[test]
    fn r_ext_3_partner_holds_full_or_provisioning_only() {
        let partner: Vec<_> = Role::ALL
            .into_iter()
            .filter(|r| r.partner_may_hold())
            .collect();
        assert_eq!(partner, [Role::FullAdmin, Role::ProvisioningAdmin]);
        assert!(!Role::SupportAdmin.other_org_may_hold());
        assert!(Role::SiteUserAdmin.other_org_may_hold());
        assert!(!Role::ProvisioningAdmin.internal_may_hold());
    }
}
