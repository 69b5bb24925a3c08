//! License types, and the names the CSV template gives them.

use std::fmt;

/// A license type a person can hold in their home org.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum License {
    /// Webex Contact Center Premium Agent (R-CCSA-2).
    CcPremiumAgent,
    /// Webex Contact Center Standard Agent.
    CcStandardAgent,
    /// Webex Calling.
    Calling,
    /// Host rights on one Meetings site (R-SITE-4).
    MeetingsHost(String),
}

impl License {
    /// Reads `cc_premium_agent`, `cc_standard_agent`, `calling` or `meetings_host:<site>`.
    pub fn from_id(id: &str) -> Option<License> {
        match id {
            "cc_premium_agent" => Some(License::CcPremiumAgent),
            "cc_standard_agent" => Some(License::CcStandardAgent),
            "calling" => Some(License::Calling),
            _ => id
                .strip_prefix("meetings_host:")
                .filter(|site| !site.is_empty())
                .map(|site| License::MeetingsHost(site.to_ascii_lowercase())),
        }
    }

    /// The id, e.g. `meetings_host:acme.webex.com`.
    pub fn id(&self) -> String {
        match self {
            License::CcPremiumAgent => "cc_premium_agent".into(),
            License::CcStandardAgent => "cc_standard_agent".into(),
            License::Calling => "calling".into(),
            License::MeetingsHost(site) => format!("meetings_host:{site}"),
        }
    }

    /// The product's name, as people read it in either language (Control Hub names licenses
    /// by product, not by id): `Webex Contact Center Premium Agent`, `Webex Meetings host
    /// (acme.webex.com)`.
    pub fn name(&self) -> String {
        match self {
            License::CcPremiumAgent => "Webex Contact Center Premium Agent".into(),
            License::CcStandardAgent => "Webex Contact Center Standard Agent".into(),
            License::Calling => "Webex Calling".into(),
            License::MeetingsHost(site) => format!("Webex Meetings host ({site})"),
        }
    }

    /// The name of a license given by its id; an id that names no license is shown as it is.
    pub fn name_of(id: &str) -> String {
        License::from_id(id).map_or_else(|| id.to_string(), |l| l.name())
    }

    /// Contact Center licenses, which a CCSA manages (R-CCSA-8, R-CCSA-10).
    pub fn is_contact_center(&self) -> bool {
        matches!(self, License::CcPremiumAgent | License::CcStandardAgent)
    }

    /// The column of the modify-users CSV template (R-CSV-1).
    pub fn csv_column(&self) -> String {
        match self {
            License::CcPremiumAgent => "Webex Contact Center Premium".into(),
            License::CcStandardAgent => "Webex Contact Center Standard".into(),
            License::Calling => "Webex Calling".into(),
            License::MeetingsHost(site) => format!("Meetings Host {site}"),
        }
    }

    /// Reads a CSV template column name back into a license.
    pub fn from_csv_column(column: &str) -> Option<License> {
        match column {
            "Webex Contact Center Premium" => Some(License::CcPremiumAgent),
            "Webex Contact Center Standard" => Some(License::CcStandardAgent),
            "Webex Calling" => Some(License::Calling),
            _ => column
                .strip_prefix("Meetings Host ")
                .map(|site| License::MeetingsHost(site.trim().to_ascii_lowercase())),
        }
    }
}

impl fmt::Display for License {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_columns_round_trip() {
        for id in [
            "cc_premium_agent",
            "cc_standard_agent",
            "calling",
            "meetings_host:acme.webex.com",
        ] {
            let license = License::from_id(id).unwrap();
            assert_eq!(license.id(), id);
            assert_eq!(
                License::from_csv_column(&license.csv_column()),
                Some(license)
            );
        }
        assert_eq!(License::from_id("meetings_host:"), None);
        assert_eq!(License::name_of("calling"), "Webex Calling");
        assert_eq!(
            License::name_of("meetings_host:acme.webex.com"),
            "Webex Meetings host (acme.webex.com)"
        );
        assert_eq!(License::name_of("gold"), "gold");
        assert_eq!(License::from_id("gold"), None);
    }
}
