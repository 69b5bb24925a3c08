//! The entities decisions are taken on: orgs, people and grants, as plain loaded values.

use crate::matrix::Relation;
use crate::role::Role;
use crate::time::Timestamp;

/// The default lifetime of external read-only access, in days (reading A-6).
pub const DEFAULT_EXTERNAL_READONLY_TTL_DAYS: i64 = 14;

/// What kind of tenant an org is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrgKind {
    /// A company.
    Standard,
    /// Created by free self sign-up.
    SelfSignup,
    /// The one org that holds individual consumer accounts.
    Consumer,
}

impl OrgKind {
    /// The id used in files and the API.
    pub fn id(self) -> &'static str {
        match self {
            OrgKind::Standard => "standard",
            OrgKind::SelfSignup => "self_signup",
            OrgKind::Consumer => "consumer",
        }
    }

    /// Reads `standard`, `self_signup` or `consumer`.
    pub fn from_id(id: &str) -> Option<OrgKind> {
        match id {
            "standard" => Some(OrgKind::Standard),
            "self_signup" => Some(OrgKind::SelfSignup),
            "consumer" => Some(OrgKind::Consumer),
            _ => None,
        }
    }
}

/// Where a Meetings site is managed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteManager {
    /// In Control Hub, and so in Rolehub's reach.
    ControlHub,
    /// In Site Administration, outside Rolehub's reach (R-SITE-2).
    SiteAdmin,
}

impl SiteManager {
    /// The id used in files and the API.
    pub fn id(self) -> &'static str {
        match self {
            SiteManager::ControlHub => "control_hub",
            SiteManager::SiteAdmin => "site_admin",
        }
    }

    /// Reads `control_hub` or `site_admin`.
    pub fn from_id(id: &str) -> Option<SiteManager> {
        match id {
            "control_hub" => Some(SiteManager::ControlHub),
            "site_admin" => Some(SiteManager::SiteAdmin),
            _ => None,
        }
    }
}

/// A Meetings site of an org.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// The site URL, e.g. `acme.webex.com`.
    pub url: String,
    /// Where it is managed.
    pub managed_by: SiteManager,
}

/// The Contact Center service of an org.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContactCenter {
    /// Whether the org has Contact Center.
    pub enabled: bool,
    /// Whether chat has been set up (R-CC-4).
    pub chat_configured: bool,
    /// Whether the services wizard has run.
    pub setup_completed: bool,
}

/// A field of user data an org may share with external administrators (R-EXT-10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SharedField {
    Name,
    Email,
    Phone,
    Location,
}

impl SharedField {
    /// Every field, in the order lists show them.
    pub const ALL: [SharedField; 4] = [
        SharedField::Name,
        SharedField::Email,
        SharedField::Phone,
        SharedField::Location,
    ];

    /// The id used in settings.
    pub fn id(self) -> &'static str {
        match self {
            SharedField::Name => "name",
            SharedField::Email => "email",
            SharedField::Phone => "phone",
            SharedField::Location => "location",
        }
    }

    /// Reads `name`, `email`, `phone` or `location`.
    pub fn from_id(id: &str) -> Option<SharedField> {
        SharedField::ALL.into_iter().find(|f| f.id() == id)
    }
}

/// The set of fields shared with external administrators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShareSet(u8);

impl ShareSet {
    /// Everything shared, the default.
    pub const ALL: ShareSet = ShareSet(0b1111);

    /// Nothing shared.
    pub const NONE: ShareSet = ShareSet(0);

    /// Whether a field is shared.
    pub fn contains(self, field: SharedField) -> bool {
        self.0 & (1 << field as u8) != 0
    }

    /// The set with one more field.
    pub fn with(self, field: SharedField) -> ShareSet {
        ShareSet(self.0 | (1 << field as u8))
    }

    /// The shared fields' ids, comma-joined (the stored form).
    pub fn to_ids(self) -> String {
        SharedField::ALL
            .into_iter()
            .filter(|f| self.contains(*f))
            .map(SharedField::id)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads a list of field ids; the first unknown one is the error.
    pub fn from_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Result<ShareSet, String> {
        let mut set = ShareSet::NONE;
        for id in ids {
            let id = id.trim();
            if id.is_empty() {
                continue;
            }
            let field = SharedField::from_id(id).ok_or_else(|| id.to_string())?;
            set = set.with(field);
        }
        Ok(set)
    }
}

/// An org's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// How long external read-only access lives, in days (R-EXT-7).
    pub external_readonly_ttl_days: i64,
    /// The user data external administrators may see (R-EXT-10).
    pub share_with_external_admins: ShareSet,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            external_readonly_ttl_days: DEFAULT_EXTERNAL_READONLY_TTL_DAYS,
            share_with_external_admins: ShareSet::ALL,
        }
    }
}

/// A sales relationship from the org's side: which partner manages its subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerLink {
    /// The partner org.
    pub org: String,
    /// `true` while the relationship is active.
    pub active: bool,
}

/// An org as decisions need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgView {
    /// The org id.
    pub id: String,
    /// The display name.
    pub name: String,
    /// What kind of tenant it is.
    pub kind: OrgKind,
    /// The partner that manages its subscription, if any.
    pub partner: Option<PartnerLink>,
    /// Contact Center.
    pub contact_center: ContactCenter,
    /// Whether Webex Calling is enabled.
    pub calling: bool,
    /// Whether Webex Events is enabled.
    pub events: bool,
    /// Meetings sites.
    pub sites: Vec<Site>,
    /// Location ids.
    pub locations: Vec<String>,
    /// Settings.
    pub settings: Settings,
}

impl OrgView {
    /// A new org with every service off and default settings.
    pub fn new(id: impl Into<String>, name: impl Into<String>, kind: OrgKind) -> OrgView {
        OrgView {
            id: id.into(),
            name: name.into(),
            kind,
            partner: None,
            contact_center: ContactCenter::default(),
            calling: false,
            events: false,
            sites: Vec::new(),
            locations: Vec::new(),
            settings: Settings::default(),
        }
    }

    /// The provisioning partner: the partner whose relationship is active.
    pub fn provisioning_partner(&self) -> Option<&str> {
        self.partner
            .as_ref()
            .filter(|p| p.active)
            .map(|p| p.org.as_str())
    }

    /// A site of the org by URL.
    pub fn site(&self, url: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.url.eq_ignore_ascii_case(url))
    }

    /// Whether the org has a site managed in Control Hub (R-EXT-3 offers site roles then).
    pub fn has_control_hub_site(&self) -> bool {
        self.sites
            .iter()
            .any(|s| s.managed_by == SiteManager::ControlHub)
    }

    /// Whether a location id belongs to the org.
    pub fn has_location(&self, location: &str) -> bool {
        self.locations.iter().any(|l| l == location)
    }

    /// How a person relates to this org.
    pub fn relation_of(&self, person: &PersonView) -> Relation {
        if person.home_org == self.id {
            Relation::Internal
        } else if self.provisioning_partner() == Some(person.home_org.as_str()) {
            Relation::Partner
        } else {
            Relation::OtherOrg
        }
    }
}

/// A person's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Signed up and verified.
    Active,
    /// Invited, not yet verified.
    Pending,
    /// Deactivated: no access through any grant (R-AUTH-3).
    Inactive,
}

impl Status {
    /// The id used in files and the API.
    pub fn id(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Pending => "pending",
            Status::Inactive => "inactive",
        }
    }

    /// Reads `active`, `pending` or `inactive`.
    pub fn from_id(id: &str) -> Option<Status> {
        match id {
            "active" => Some(Status::Active),
            "pending" => Some(Status::Pending),
            "inactive" => Some(Status::Inactive),
            _ => None,
        }
    }
}

/// A person as decisions need them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonView {
    /// The person id.
    pub id: String,
    /// The email, lowercase.
    pub email: String,
    /// First name.
    pub first: String,
    /// Last name.
    pub last: String,
    /// The home org.
    pub home_org: String,
    /// The kind of the home org (consumer accounts cannot be external admins, R-EXT-1).
    pub home_org_kind: OrgKind,
    /// Whether the home org has Contact Center enabled (R-CCSA-3).
    pub home_org_contact_center: bool,
    /// Status.
    pub status: Status,
    /// The last interactive sign-in to the admin console (R-AUTH-2).
    pub signed_in_at: Option<Timestamp>,
}

/// What a grant is scoped to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The whole org.
    Org,
    /// One Meetings site.
    Site(String),
    /// A set of locations, sorted, never empty once granted (R-LOC-1).
    Locations(Vec<String>),
}

impl Scope {
    /// The site, for a site scope.
    pub fn site(&self) -> Option<&str> {
        match self {
            Scope::Site(s) => Some(s),
            _ => None,
        }
    }

    /// The locations, for a location scope.
    pub fn locations(&self) -> &[String] {
        match self {
            Scope::Locations(l) => l,
            _ => &[],
        }
    }
}

/// A role assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The grant id.
    pub id: String,
    /// The role.
    pub role: Role,
    /// What it is scoped to.
    pub scope: Scope,
    /// When it was given; sign-in-once rules compare with this (R-SITE-3, R-EXT-6).
    pub granted_at: Timestamp,
    /// An explicit end, if any.
    pub expires_at: Option<Timestamp>,
}

impl Grant {
    /// The grant as `role`, `role@site` or `role@loc1+loc2`: the form scenario files and logs use.
    pub fn label(&self) -> String {
        grant_label(self.role, &self.scope)
    }

    /// R-EXT-7 for a query over many grants: an external read-only grant given at or before this
    /// instant has reached the org's time to live by `now` (the same rule as
    /// [`Grant::effective_expiry`], as one bound).
    pub fn external_readonly_cutoff(settings: &Settings, now: Timestamp) -> Timestamp {
        now.plus_days(-settings.external_readonly_ttl_days)
    }

    /// When the grant stops working: its explicit end, or for external read-only access the org's
    /// time to live after the grant (R-EXT-7), whichever comes first.
    pub fn effective_expiry(&self, relation: Relation, settings: &Settings) -> Option<Timestamp> {
        // R-EXT-7: external read-only access expires after the org's external_readonly_ttl.
        let ttl_end = (relation.is_external() && self.role == Role::ReadonlyAdmin).then(|| {
            self.granted_at
                .plus_days(settings.external_readonly_ttl_days)
        });
        match (self.expires_at, ttl_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the grant has expired at `now`.
    pub fn is_expired(&self, relation: Relation, settings: &Settings, now: Timestamp) -> bool {
        self.effective_expiry(relation, settings)
            .is_some_and(|end| end <= now)
    }
}

/// The label of a role with a scope (see [`Grant::label`]).
pub fn grant_label(role: Role, scope: &Scope) -> String {
    match scope {
        Scope::Org => role.id().to_string(),
        Scope::Site(site) => format!("{}@{site}", role.id()),
        Scope::Locations(locations) => format!("{}@{}", role.id(), locations.join("+")),
    }
}

/// A grant as its label names it (the inverse of [`grant_label`]): the role and, for a site role,
/// the site, for the location role, the locations. `None` when the role id is unknown. Whether the
/// scope fits the role is checked where the grant is made, against the org's sites and locations.
pub fn parse_grant_label(label: &str) -> Option<(Role, Option<String>, Vec<String>)> {
    let (role, scope) = match label.split_once('@') {
        Some((role, scope)) => (role, Some(scope)),
        None => (label, None),
    };
    let role = Role::from_id(role.trim())?;
    Some(match (role.scope_kind(), scope) {
        (crate::ScopeKind::Locations, Some(list)) => (
            role,
            None,
            list.split('+').map(|l| l.trim().to_string()).collect(),
        ),
        (_, scope) => (role, scope.map(|s| s.trim().to_string()), Vec::new()),
    })
}

/// A person and their grants in one org.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// The person.
    pub person: PersonView,
    /// Their grants in the org.
    pub grants: Vec<Grant>,
}

/// An org with everyone who holds a grant in it: what role changes are checked against.
///
/// The holders are kept with an index by person id, so that finding one person's grants costs a
/// binary search, not a scan: an org may have 100,000 administrators, and a CSV upload or a list
/// page asks for the grants of every row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgState {
    /// The org.
    pub org: OrgView,
    /// Every person holding at least one grant in the org, in the order they were given.
    holders: Vec<Holder>,
    /// Positions in `holders`, sorted by the holder's person id.
    by_id: Vec<u32>,
}

impl OrgState {
    /// An org and the holders of grants in it (at most one entry per person).
    pub fn new(org: OrgView, holders: Vec<Holder>) -> OrgState {
        let mut state = OrgState {
            org,
            holders,
            by_id: Vec::new(),
        };
        state.reindex();
        state
    }

    /// Every person holding at least one grant in the org.
    pub fn holders(&self) -> &[Holder] {
        &self.holders
    }

    /// Adds a holder (a person not yet among them).
    pub fn add_holder(&mut self, holder: Holder) {
        self.holders.push(holder);
        self.reindex();
    }

    /// Changes what is known of a holder's person (their id stays as it is).
    pub fn update_person(&mut self, person_id: &str, update: impl FnOnce(&mut PersonView)) {
        if let Some(at) = self.position(person_id) {
            let person = &mut self.holders[at].person;
            update(person);
            debug_assert_eq!(person.id, person_id, "a holder's id does not change");
        }
    }

    fn reindex(&mut self) {
        let holders = &self.holders;
        self.by_id = (0..holders.len() as u32).collect();
        self.by_id.sort_unstable_by(|a, b| {
            holders[*a as usize]
                .person
                .id
                .cmp(&holders[*b as usize].person.id)
        });
    }

    fn position(&self, person_id: &str) -> Option<usize> {
        self.by_id
            .binary_search_by(|at| self.holders[*at as usize].person.id.as_str().cmp(person_id))
            .ok()
            .map(|i| self.by_id[i] as usize)
    }

    /// The holder who is this person, if they hold a grant in the org.
    pub fn holder(&self, person_id: &str) -> Option<&Holder> {
        self.position(person_id).map(|at| &self.holders[at])
    }

    /// The grants a person holds in the org (empty when none).
    pub fn grants_of(&self, person_id: &str) -> &[Grant] {
        self.holder(person_id).map_or(&[], |h| h.grants.as_slice())
    }

    /// Holders of `full_admin` whose grant is in effect for counting (R-ASSIGN-3): not expired and
    /// not deactivated. `except` leaves one person out, to count what a change would leave.
    pub fn full_admins(&self, now: Timestamp, except: Option<&str>) -> usize {
        self.full_admins_excluding(now, |id| Some(id) == except)
    }

    /// Like [`OrgState::full_admins`], leaving out everyone `excluded` picks.
    pub fn full_admins_excluding(&self, now: Timestamp, excluded: impl Fn(&str) -> bool) -> usize {
        self.holders
            .iter()
            .filter(|h| !excluded(&h.person.id))
            .filter(|h| self.counts_as_full_admin(h, now))
            .count()
    }

    /// Whether this person is one of the full administrators R-ASSIGN-3 counts: active, with a
    /// `full_admin` grant in effect.
    pub fn is_counted_full_admin(&self, person_id: &str, now: Timestamp) -> bool {
        self.holder(person_id)
            .is_some_and(|h| self.counts_as_full_admin(h, now))
    }

    fn counts_as_full_admin(&self, holder: &Holder, now: Timestamp) -> bool {
        if holder.person.status == Status::Inactive {
            return false;
        }
        let relation = self.org.relation_of(&holder.person);
        holder.grants.iter().any(|g| {
            g.role == Role::FullAdmin
                && !g.is_expired(relation, &self.org.settings, now)
                && grant_works_for_relation(g.role, relation)
        })
    }
}

/// Whether a role can work at all for a holder with this relation: a provisioning administrator
/// whose org is no longer the provisioning partner holds nothing (R-EXT-9).
pub fn grant_works_for_relation(role: Role, relation: Relation) -> bool {
    role != Role::ProvisioningAdmin || relation == Relation::Partner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_ext_7_the_query_cutoff_agrees_with_each_grants_expiry() {
        let settings = Settings::default();
        let now = Timestamp(100 * crate::time::DAY_MS);
        let cutoff = Grant::external_readonly_cutoff(&settings, now);
        for at in [cutoff.0 - 1, cutoff.0, cutoff.0 + 1] {
            let mut g = grant(Role::ReadonlyAdmin, at);
            g.expires_at = None;
            let expired = g
                .effective_expiry(Relation::OtherOrg, &settings)
                .is_some_and(|end| end <= now);
            assert_eq!(expired, at <= cutoff.0, "granted at {at}");
        }
    }

    #[test]
    fn grant_labels_read_back_as_they_are_written() {
        for scope in [
            Scope::Org,
            Scope::Site("acme.webex.com".into()),
            Scope::Locations(vec!["ams".into(), "rtm".into()]),
        ] {
            let role = match scope {
                Scope::Org => Role::FullAdmin,
                Scope::Site(_) => Role::SiteAdmin,
                Scope::Locations(_) => Role::LocationAdmin,
            };
            let (read, site, locations) = parse_grant_label(&grant_label(role, &scope)).unwrap();
            assert_eq!(read, role);
            assert_eq!(site.as_deref(), scope.site());
            assert_eq!(
                locations,
                match &scope {
                    Scope::Locations(l) => l.clone(),
                    _ => vec![],
                }
            );
        }
        assert_eq!(parse_grant_label("king"), None);
        assert_eq!(parse_grant_label("king@acme.webex.com"), None);
    }

    fn holder(id: &str, role: Role) -> Holder {
        Holder {
            person: PersonView {
                id: id.into(),
                email: format!("{id}@acme.example"),
                first: id.into(),
                last: String::new(),
                home_org: "acme".into(),
                home_org_kind: OrgKind::Standard,
                home_org_contact_center: false,
                status: Status::Active,
                signed_in_at: None,
            },
            grants: vec![grant(role, 0)],
        }
    }

    #[test]
    fn every_holder_is_found_by_id_in_any_order_and_after_being_added() {
        // Given out of id order, as they are loaded (by email).
        let ids = ["p7", "p2", "p9", "p1", "p5"];
        let mut state = OrgState::new(
            OrgView::new("acme", "Acme", OrgKind::Standard),
            ids.iter()
                .map(|id| holder(id, Role::SupportAdmin))
                .collect(),
        );
        state.add_holder(holder("p3", Role::FullAdmin));
        for id in ids {
            assert_eq!(state.grants_of(id)[0].role, Role::SupportAdmin, "{id}");
        }
        assert_eq!(state.grants_of("p3")[0].role, Role::FullAdmin);
        assert!(state.grants_of("p4").is_empty());
        assert!(state.grants_of("").is_empty());
        assert_eq!(state.holders().len(), 6);
    }

    #[test]
    fn r_assign_3_a_full_administrator_counts_while_active() {
        let mut state = OrgState::new(
            OrgView::new("acme", "Acme", OrgKind::Standard),
            vec![
                holder("a", Role::FullAdmin),
                holder("b", Role::ReadonlyAdmin),
            ],
        );
        let now = Timestamp(1);
        assert!(state.is_counted_full_admin("a", now));
        assert!(!state.is_counted_full_admin("b", now));
        assert!(!state.is_counted_full_admin("nobody", now));
        assert_eq!(state.full_admins(now, None), 1);
        state.update_person("a", |p| p.status = Status::Inactive);
        assert!(!state.is_counted_full_admin("a", now));
        assert_eq!(state.full_admins(now, None), 0);
    }

    fn grant(role: Role, at: i64) -> Grant {
        Grant {
            id: "g".into(),
            role,
            scope: Scope::Org,
            granted_at: Timestamp(at),
            expires_at: None,
        }
    }

    #[test]
    fn r_ext_7_external_readonly_expires_after_ttl() {
        let settings = Settings::default();
        let g = grant(Role::ReadonlyAdmin, 0);
        let day = crate::time::DAY_MS;
        assert!(!g.is_expired(Relation::OtherOrg, &settings, Timestamp(13 * day)));
        assert!(g.is_expired(Relation::OtherOrg, &settings, Timestamp(14 * day)));
        assert!(!g.is_expired(Relation::Internal, &settings, Timestamp(400 * day)));
        assert!(!grant(Role::FullAdmin, 0).is_expired(
            Relation::OtherOrg,
            &settings,
            Timestamp(400 * day)
        ));
    }

    #[test]
    fn share_set_round_trips() {
        let set = ShareSet::from_ids(["email", "name"]).unwrap();
        assert_eq!(set.to_ids(), "name,email");
        assert!(!set.contains(SharedField::Phone));
        assert_eq!(
            ShareSet::from_ids(["shoe size"]),
            Err("shoe size".to_string())
        );
    }

    #[test]
    fn labels_name_scope() {
        let mut g = grant(Role::LocationAdmin, 0);
        g.scope = Scope::Locations(vec!["amsterdam".into(), "rotterdam".into()]);
        assert_eq!(g.label(), "location_admin@amsterdam+rotterdam");
    }
}
