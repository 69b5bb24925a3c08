//! Access areas and access levels: the two axes of the permission matrix.

use std::fmt;

use crate::lang::Lang;

/// How much a grant lets its holder do in an area. Ordered: `None < Read < Write`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    /// No access.
    #[default]
    None,
    /// View only.
    Read,
    /// View and change.
    Write,
}

impl Level {
    /// The id used in requests and scenario files.
    pub fn id(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Read => "read",
            Level::Write => "write",
        }
    }

    /// Reads `none`, `read` or `write`.
    pub fn from_id(id: &str) -> Option<Level> {
        match id {
            "none" => Some(Level::None),
            "read" => Some(Level::Read),
            "write" => Some(Level::Write),
            _ => None,
        }
    }

    /// The level as a person reads it in a refusal.
    pub fn describe(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Level::None, Lang::En) => "no access",
            (Level::Read, Lang::En) => "read access",
            (Level::Write, Lang::En) => "write access",
            (Level::None, Lang::Nl) => "geen toegang",
            (Level::Read, Lang::Nl) => "leestoegang",
            (Level::Write, Lang::Nl) => "schrijftoegang",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A part of the admin console and API that the matrix gives a level for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    Users,
    CcLicenses,
    Roles,
    Devices,
    Policies,
    Analytics,
    Troubleshooting,
    Licenses,
    Account,
    OrgSettings,
    Integrations,
    Sites,
    AuditLog,
    UserContent,
    LegalHold,
    JoinMeetings,
    LiveMeetings,
    ProductEmails,
    SupportCases,
    SupportMetrics,
    ProvisioningOrders,
    Locations,
    ExternalAdmins,
    Calling,
    CallingCdr,
    ContactCenter,
    Events,
    SiteUsers,
    SiteAnalytics,
    SiteLicenses,
    SiteRoles,
    SiteConfig,
    SiteRecordings,
}

struct AreaInfo {
    id: &'static str,
    en: &'static str,
    nl: &'static str,
    view_only: bool,
}

const fn a(id: &'static str, en: &'static str, nl: &'static str, view_only: bool) -> AreaInfo {
    AreaInfo {
        id,
        en,
        nl,
        view_only,
    }
}

#[rustfmt::skip]
const AREAS: [AreaInfo; 33] = [
    a("users", "users", "gebruikers", false),
    a("cc_licenses", "Contact Center licenses and user settings", "Contact Center-licenties en gebruikersinstellingen", false),
    a("roles", "role assignment", "roltoewijzing", false),
    a("devices", "devices", "apparaten", false),
    a("policies", "company policies and templates", "bedrijfsbeleid en sjablonen", false),
    a("analytics", "analytics and reports", "analyses en rapporten", true),
    a("troubleshooting", "troubleshooting and service status", "probleemoplossing en servicestatus", false),
    a("licenses", "licenses and subscriptions", "licenties en abonnementen", false),
    a("account", "the account page", "de accountpagina", true),
    a("org_settings", "organization settings", "organisatie-instellingen", false),
    a("integrations", "app and API integrations", "app- en API-integraties", false),
    a("sites", "Webex site management", "beheer van Webex-sites", false),
    a("audit_log", "the admin audit log", "het auditlogboek van beheerders", true),
    a("user_content", "user-generated content", "door gebruikers gemaakte inhoud", false),
    a("legal_hold", "legal hold", "juridische bewaring", false),
    a("join_meetings", "joining meetings in progress", "deelnemen aan lopende vergaderingen", false),
    a("live_meetings", "the live meetings page", "de pagina met live vergaderingen", true),
    a("product_emails", "product email notifications", "e-mailmeldingen over producten", false),
    a("support_cases", "support cases", "ondersteuningsaanvragen", true),
    a("support_metrics", "support metrics and notifications", "ondersteuningsstatistieken en -meldingen", true),
    a("provisioning_orders", "provisioning orders", "inrichtingsorders", false),
    a("locations", "locations", "locaties", false),
    a("external_admins", "external administrators", "externe beheerders", false),
    a("calling", "Webex Calling administration", "beheer van Webex Calling", false),
    a("calling_cdr", "the detailed call history API", "de API voor gedetailleerde gespreksgeschiedenis", true),
    a("contact_center", "the Contact Center admin interfaces", "de beheerinterfaces van Contact Center", false),
    a("events", "the Webex Events portal", "het Webex Events-portaal", false),
    a("site_users", "Meetings settings of the site's users", "Meetings-instellingen van de gebruikers van de site", false),
    a("site_analytics", "the site's analytics", "de analyses van de site", true),
    a("site_licenses", "the site's Meetings licenses", "de Meetings-licenties van de site", false),
    a("site_roles", "the site's roles", "de rollen van de site", false),
    a("site_config", "the site's configuration", "de configuratie van de site", false),
    a("site_recordings", "the site's recordings and transcripts", "de opnamen en transcripties van de site", false),
];

impl Area {
    /// Every area, in the matrix's order.
    pub const ALL: [Area; 33] = [
        Area::Users,
        Area::CcLicenses,
        Area::Roles,
        Area::Devices,
        Area::Policies,
        Area::Analytics,
        Area::Troubleshooting,
        Area::Licenses,
        Area::Account,
        Area::OrgSettings,
        Area::Integrations,
        Area::Sites,
        Area::AuditLog,
        Area::UserContent,
        Area::LegalHold,
        Area::JoinMeetings,
        Area::LiveMeetings,
        Area::ProductEmails,
        Area::SupportCases,
        Area::SupportMetrics,
        Area::ProvisioningOrders,
        Area::Locations,
        Area::ExternalAdmins,
        Area::Calling,
        Area::CallingCdr,
        Area::ContactCenter,
        Area::Events,
        Area::SiteUsers,
        Area::SiteAnalytics,
        Area::SiteLicenses,
        Area::SiteRoles,
        Area::SiteConfig,
        Area::SiteRecordings,
    ];

    fn info(self) -> &'static AreaInfo {
        &AREAS[self as usize]
    }

    /// The id used in requests, e.g. `cc_licenses`.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// Looks an area up by id.
    pub fn from_id(id: &str) -> Option<Area> {
        Area::ALL.into_iter().find(|a| a.id() == id)
    }

    /// The area as a person reads it in a refusal.
    pub fn describe(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.info().en,
            Lang::Nl => self.info().nl,
        }
    }

    /// Areas nobody changes (analytics, the audit log, …): read is their highest level.
    pub fn is_view_only(self) -> bool {
        self.info().view_only
    }

    /// The per-site areas, which a check names a site for (R-SITE-2).
    pub fn is_site_area(self) -> bool {
        self >= Area::SiteUsers
    }

    /// Areas where a location administrator's access is limited to their locations (matrix note 1).
    pub fn is_location_scoped(self) -> bool {
        matches!(
            self,
            Area::Users | Area::Devices | Area::Calling | Area::Locations
        )
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for (i, area) in Area::ALL.into_iter().enumerate() {
            assert_eq!(area as usize, i);
            assert_eq!(Area::from_id(area.id()), Some(area));
        }
        assert!(Area::SiteRecordings.is_site_area());
        assert!(!Area::Events.is_site_area());
    }

    #[test]
    fn levels_are_ordered() {
        assert!(Level::None < Level::Read && Level::Read < Level::Write);
        assert_eq!(Level::from_id("write"), Some(Level::Write));
        assert_eq!(Level::from_id("admin"), None);
    }
}
