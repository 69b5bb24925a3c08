//! Rolehub's access decision side by side with Cedar and Casbin.
//!
//! One small world (an org with sites and locations, and a dozen principals holding the roles that
//! exercise the matrix's conditions), one request set over it (every principal × every area × read
//! and write × the targets that apply), and three ways to answer each request:
//!
//! - Rolehub: [`rolehub_domain::decide`] over the loaded org, person and grants.
//! - Cedar: a policy set generated from Rolehub's own matrix ([`rolehub_domain::matrix::cell`]), with
//!   the time rules (R-EXT-7, R-SITE-3, R-EXT-6) as attribute comparisons against `context.now`.
//! - Casbin: RBAC with domains, policy lines generated from the same matrix; Casbin has no clock, so
//!   the grants fed to it are the ones in effect at the request's time (see [`Casbin`]).
//!
//! [`check_equivalence`] asks all three every request and panics at the first that differs; the
//! benchmark (`benches/compare.rs`) runs it before timing anything.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::str::FromStr;

use casbin::{CoreApi, DefaultModel, Enforcer, StringAdapter};
use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, Entity, EntityUid, PolicySet,
    Request, RestrictedExpression, Schema, ValidationMode, Validator,
};
use rolehub_domain::decision::signed_in_since;
use rolehub_domain::matrix::{cell, Note, Relation};
use rolehub_domain::{
    decide, grant_works_for_relation, Area, Grant, Level, OrgKind, OrgView, PersonView, Role,
    Scope, ScopeKind, Site, SiteManager, Status, Target, Timestamp,
};

/// The instant every request is asked at: 2026-11-22T00:00:00Z.
pub const NOW: Timestamp = Timestamp(1_795_305_600_000);
/// The org every request is about.
pub const ORG: &str = "acme";
/// The org's sites: two managed in Control Hub, one in Site Administration (out of reach, R-SITE-2).
pub const SITES: [(&str, SiteManager); 3] = [
    ("acme.webex.com", SiteManager::ControlHub),
    ("beta.webex.com", SiteManager::ControlHub),
    ("legacy.webex.com", SiteManager::SiteAdmin),
];
/// The org's locations.
pub const LOCATIONS: [&str; 3] = ["amsterdam", "rotterdam", "utrecht"];
/// The sites requests name: one a site administrator holds, one out of Rolehub's reach.
const ASKED_SITES: [&str; 2] = ["acme.webex.com", "legacy.webex.com"];
/// The locations requests name: one in the location administrator's scope, one not.
const ASKED_LOCATIONS: [&str; 2] = ["amsterdam", "utrecht"];

/// One person with their grants in the org.
pub struct Principal {
    /// What the principal stands for, for messages.
    pub label: &'static str,
    /// The person.
    pub person: PersonView,
    /// Their grants in [`ORG`].
    pub grants: Vec<Grant>,
}

/// The org and everyone asked about.
pub struct World {
    /// The org.
    pub org: OrgView,
    /// The principals, referred to by index from [`Ask::who`].
    pub principals: Vec<Principal>,
}

/// One access check.
#[derive(Clone, Copy, Debug)]
pub struct Ask {
    /// Index into [`World::principals`].
    pub who: usize,
    /// The area.
    pub area: Area,
    /// The level asked for.
    pub level: Level,
    /// What the check is about.
    pub target: Target<'static>,
}

fn person(id: &str, home: &str, signed_in_days_ago: Option<i64>, status: Status) -> PersonView {
    PersonView {
        id: id.into(),
        email: format!("{id}@{home}.example"),
        first: id.into(),
        last: "Example".into(),
        home_org: home.into(),
        home_org_kind: OrgKind::Standard,
        home_org_contact_center: false,
        status,
        signed_in_at: signed_in_days_ago.map(|d| NOW.plus_days(-d)),
    }
}

fn grant(role: Role, scope: Scope, days_ago: i64) -> Grant {
    Grant {
        id: format!("{}-{days_ago}", role.id()),
        role,
        scope,
        granted_at: NOW.plus_days(-days_ago),
        expires_at: None,
    }
}

fn site(url: &str) -> Scope {
    Scope::Site(url.into())
}

/// The world: org `acme` (three sites, three locations, external read-only access lives 14 days)
/// and thirteen principals.
pub fn world() -> World {
    let mut org = OrgView::new(ORG, "Acme", OrgKind::Standard);
    org.sites = SITES
        .iter()
        .map(|&(url, managed_by)| Site {
            url: url.into(),
            managed_by,
        })
        .collect();
    org.locations = LOCATIONS.iter().map(|l| l.to_string()).collect();
    let active = Status::Active;
    let p = |label, person, grants| Principal {
        label,
        person,
        grants,
    };
    let principals = vec![
        p(
            "full administrator",
            person("ann", ORG, Some(1), active),
            vec![grant(Role::FullAdmin, Scope::Org, 30)],
        ),
        p(
            "full administrator with advanced troubleshooting (matrix note 5)",
            person("tim", ORG, Some(1), active),
            vec![
                grant(Role::FullAdmin, Scope::Org, 30),
                grant(Role::AdvancedTroubleshooting, Scope::Org, 20),
            ],
        ),
        p(
            "read-only administrator",
            person("rob", ORG, Some(1), active),
            vec![grant(Role::ReadonlyAdmin, Scope::Org, 30)],
        ),
        p(
            "user and device administrator",
            person("uma", ORG, Some(1), active),
            vec![grant(Role::UserDeviceAdmin, Scope::Org, 30)],
        ),
        p(
            "site user administrator of acme.webex.com, signed in since the grant",
            person("sue", ORG, Some(1), active),
            vec![grant(Role::SiteUserAdmin, site("acme.webex.com"), 30)],
        ),
        p(
            "site administrator of acme.webex.com, signed in since the grant",
            person("sam", ORG, Some(1), active),
            vec![grant(Role::SiteAdmin, site("acme.webex.com"), 30)],
        ),
        p(
            "site administrator of acme.webex.com, not signed in since the grant (R-SITE-3)",
            person("sid", ORG, Some(20), active),
            vec![grant(Role::SiteAdmin, site("acme.webex.com"), 10)],
        ),
        p(
            "location administrator of amsterdam and rotterdam",
            person("lou", ORG, Some(1), active),
            vec![grant(
                Role::LocationAdmin,
                Scope::Locations(vec!["amsterdam".into(), "rotterdam".into()]),
                30,
            )],
        ),
        p(
            "external read-only administrator granted 5 days ago (inside the 14 days, R-EXT-7)",
            person("eve", "globex", Some(1), active),
            vec![grant(Role::ReadonlyAdmin, Scope::Org, 5)],
        ),
        p(
            "external read-only administrator granted 30 days ago (past the 14 days, R-EXT-7)",
            person("old", "globex", Some(1), active),
            vec![grant(Role::ReadonlyAdmin, Scope::Org, 30)],
        ),
        p(
            "external full administrator, not signed in since the grant (R-EXT-6)",
            person("xav", "globex", Some(10), active),
            vec![grant(Role::FullAdmin, Scope::Org, 3)],
        ),
        p(
            "deactivated full administrator (R-AUTH-3)",
            person("ina", ORG, Some(1), Status::Inactive),
            vec![grant(Role::FullAdmin, Scope::Org, 30)],
        ),
        p(
            "user of the org without a role",
            person("nob", ORG, Some(1), active),
            vec![],
        ),
    ];
    World { org, principals }
}

/// The areas where a location administrator's cells carry matrix note 1 (location scope), read
/// from the matrix.
fn location_scoped_areas() -> BTreeSet<Area> {
    let mut areas = BTreeSet::new();
    for area in Area::ALL {
        for role in Role::ALL {
            for relation in [Relation::Internal, Relation::OtherOrg] {
                if cell(role, relation, area).note == Some(Note::LocationScope) {
                    areas.insert(area);
                }
            }
        }
    }
    areas
}

/// Every principal × every area × read and write × the targets that apply: the org for every
/// area that is not per-site; two locations (one the location administrator holds, one not) for
/// the location-scoped areas; two sites (one held by site administrators, one managed outside
/// Control Hub) for the per-site areas.
pub fn asks(world: &World) -> Vec<Ask> {
    let location_areas = location_scoped_areas();
    let mut asks = Vec::new();
    for who in 0..world.principals.len() {
        for area in Area::ALL {
            let mut targets: Vec<Target<'static>> = Vec::new();
            if area.is_site_area() {
                targets.extend(ASKED_SITES.iter().map(|&s| Target::Site(s)));
            } else {
                targets.push(Target::Org);
                if location_areas.contains(&area) {
                    targets.extend(ASKED_LOCATIONS.iter().map(|&l| Target::Location(l)));
                }
            }
            for target in targets {
                for level in [Level::Read, Level::Write] {
                    asks.push(Ask {
                        who,
                        area,
                        level,
                        target,
                    });
                }
            }
        }
    }
    asks
}

/// Rolehub's answer.
#[inline]
pub fn rolehub(world: &World, ask: &Ask) -> bool {
    let p = &world.principals[ask.who];
    decide(
        &world.org, &p.person, &p.grants, ask.area, ask.level, ask.target, NOW,
    )
    .allowed
}

/// The level's id as an action name suffix.
fn act(level: Level) -> &'static str {
    level.id()
}

// ---------------------------------------------------------------------------------------------
// Cedar
// ---------------------------------------------------------------------------------------------

/// The key under which a grant's time is kept in the Cedar user's `granted` record: the role id
/// for org-wide and location grants, `role@site` for site grants.
fn cedar_grant_key(role: Role, scope: &Scope) -> String {
    match scope {
        Scope::Site(s) => format!("{}@{s}", role.id()),
        _ => role.id().to_string(),
    }
}

/// The Cedar role entity a grant makes its holder a member of: `Role::"full_admin"`,
/// `Role::"site_admin@acme.webex.com"`, `Role::"location_admin"`.
fn cedar_role_id(role: Role, scope: &Scope) -> String {
    cedar_grant_key(role, scope)
}

fn cedar_action(area: Area, level: Level) -> String {
    format!("Action::\"{}:{}\"", area.id(), act(level))
}

/// How a Cedar policy names its actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionEncoding {
    /// `action in Action::"…"`: one action group per policy, declared in the schema, whose members
    /// are the policy's actions. One ancestor check per policy: how Cedar is meant to be used.
    Groups,
    /// `action in [Action::"users:write", …]`: the policy lists its actions; Cedar checks them one
    /// by one.
    Lists,
}

/// One generated Cedar policy.
struct CedarRule {
    comment: String,
    forbid: bool,
    principal: Option<String>,
    /// The action group's name (for [`ActionEncoding::Groups`]).
    group: String,
    actions: Vec<(Area, Level)>,
    resource: Option<String>,
    when: Option<String>,
    unless: Option<String>,
}

/// The condition a matrix footnote puts on a cell, where [`decide`] reads one.
fn cedar_note_condition(role: Role, note: Option<Note>) -> Option<String> {
    match note {
        // Matrix note 1: only in the holder's locations.
        Some(Note::LocationScope) => {
            Some("resource is Location && resource in principal.locations".into())
        }
        // Matrix note 5: only together with advanced troubleshooting.
        Some(Note::NeedsTroubleshootingAddOn) => Some(format!(
            "principal in Role::\"{}\"",
            Role::AdvancedTroubleshooting.id()
        )),
        // Matrix note 11 (R-EXT-6): after a sign-in following the grant.
        Some(Note::AfterSignIn) => Some(format!(
            "principal has signed_in_at && principal.granted has \"{0}\" && \
             principal.signed_in_at >= principal.granted[\"{0}\"]",
            role.id()
        )),
        // The other notes explain a level or a refusal; the level already says it.
        _ => None,
    }
}

/// The policies, generated from the matrix: one `permit` per role, relation (user of the org or
/// external) and condition, for the actions its cells give (`area:write` for a `W` cell, which
/// includes reading, `area:read` for an `R` cell); site roles get one per site of the org, since
/// the time of the grant to compare the sign-in with is kept per role and site. Two `forbid`s carry
/// the rules that hold whatever the role: R-AUTH-3 (deactivated) and R-SITE-2 (per-site areas only
/// on a site Control Hub manages).
fn cedar_rules(org: &OrgView) -> Vec<CedarRule> {
    let mut rules = vec![
        CedarRule {
            comment: "R-AUTH-3: no access through any grant while deactivated.".into(),
            forbid: true,
            principal: None,
            group: String::new(),
            actions: Vec::new(),
            resource: None,
            when: Some("principal.deactivated".into()),
            unless: None,
        },
        CedarRule {
            comment: "R-SITE-2: per-site areas name a site of the org that Control Hub manages."
                .into(),
            forbid: true,
            principal: None,
            group: "per-site areas".into(),
            actions: Area::ALL
                .into_iter()
                .filter(|a| a.is_site_area())
                .map(|a| (a, Level::Write))
                .collect(),
            resource: None,
            when: None,
            unless: Some("resource is Site && resource.managed".into()),
        },
    ];
    for role in Role::ALL {
        if role.is_site_scoped() {
            // The site table does not depend on the relation and carries no footnote.
            let actions: Vec<(Area, Level)> = Area::ALL
                .into_iter()
                .filter_map(|a| {
                    let c = cell(role, Relation::Internal, a);
                    assert!(
                        c.note.is_none(),
                        "site table cell with a footnote: {role} {a}"
                    );
                    (c.level != Level::None).then_some((a, c.level))
                })
                .collect();
            if actions.is_empty() {
                continue;
            }
            for s in &org.sites {
                let key = cedar_grant_key(role, &Scope::Site(s.url.clone()));
                rules.push(CedarRule {
                    comment: format!(
                        "{role} on {}; R-SITE-3: after a sign-in following the grant.",
                        s.url
                    ),
                    forbid: false,
                    principal: Some(format!("Role::\"{key}\"")),
                    group: role.id().to_string(),
                    actions: actions.clone(),
                    resource: Some(format!("Site::\"{}\"", s.url)),
                    when: Some(format!(
                        "principal has signed_in_at && principal.granted has \"{key}\" && \
                         principal.signed_in_at >= principal.granted[\"{key}\"]"
                    )),
                    unless: None,
                });
            }
            continue;
        }
        for relation in [Relation::Internal, Relation::OtherOrg] {
            // Group the role's cells by the condition their footnote puts on them.
            // The key: the footnote's number, where it puts a condition, and the condition.
            let mut groups: BTreeMap<(Option<u8>, Option<String>), Vec<(Area, Level)>> =
                BTreeMap::new();
            for area in Area::ALL {
                let c = cell(role, relation, area);
                if c.level == Level::None {
                    continue;
                }
                let condition = cedar_note_condition(role, c.note);
                let note = condition.as_ref().and(c.note).map(|n| n as u8);
                groups
                    .entry((note, condition))
                    .or_default()
                    .push((area, c.level));
            }
            for ((note, condition), actions) in groups {
                let mut when: Vec<String> = Vec::new();
                let external = relation.is_external();
                if external {
                    when.push("principal.home_org != resource.org".into());
                    if !grant_works_for_relation(role, Relation::OtherOrg) {
                        // R-EXT-9: works only while its holder's org is the provisioning partner.
                        when.push(
                            "resource.org has provisioning_partner && \
                             resource.org.provisioning_partner == principal.home_org"
                                .into(),
                        );
                    }
                    if role == Role::ReadonlyAdmin {
                        // R-EXT-7: external read-only access lives the org's time to live.
                        when.push(format!(
                            "principal.granted has \"{0}\" && principal.granted[\"{0}\"] + \
                             resource.org.external_readonly_ttl_ms > context.now",
                            role.id()
                        ));
                    }
                } else {
                    when.push("principal.home_org == resource.org".into());
                }
                when.extend(condition);
                let who = if external {
                    "external"
                } else {
                    "user of the org"
                };
                let group = match note {
                    Some(n) => format!("{role}, {who}, note {n}"),
                    None => format!("{role}, {who}"),
                };
                rules.push(CedarRule {
                    comment: format!("{group}."),
                    forbid: false,
                    principal: Some(format!("Role::\"{}\"", role.id())),
                    group,
                    actions,
                    resource: None,
                    when: Some(when.join(" && ")),
                    unless: None,
                });
            }
        }
    }
    rules
}

/// The Cedar schema: users are members of roles; resources are the org, its sites and its
/// locations; one action per area and level, where `area:read` is a member of `area:write` so that
/// allowing `area:write` allows reading too (write implies read). Each action is also a member of
/// the action groups of the policies that allow it.
pub fn cedar_schema_text(org: &OrgView) -> String {
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for role in Role::ALL {
        if role.is_site_scoped() {
            for s in &org.sites {
                keys.insert(cedar_grant_key(role, &Scope::Site(s.url.clone())));
            }
        } else {
            keys.insert(role.id().to_string());
        }
    }
    let granted: Vec<String> = keys.iter().map(|k| format!("\"{k}\"?: Long")).collect();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "entity Org = {{ org: Org, external_readonly_ttl_ms: Long, provisioning_partner?: Org }};"
    );
    let _ = writeln!(s, "entity Site = {{ org: Org, managed: Bool }};");
    let _ = writeln!(s, "entity Location = {{ org: Org }};");
    let _ = writeln!(s, "entity Role;");
    let _ = writeln!(
        s,
        "entity User in [Role] = {{ home_org: Org, deactivated: Bool, signed_in_at?: Long, \
         granted: {{ {} }}, locations: Set<Location> }};",
        granted.join(", ")
    );
    let mut member_of: BTreeMap<(Area, Level), BTreeSet<String>> = BTreeMap::new();
    let mut groups: BTreeSet<String> = BTreeSet::new();
    for rule in cedar_rules(org) {
        if rule.actions.is_empty() {
            continue;
        }
        groups.insert(rule.group.clone());
        for &action in &rule.actions {
            member_of
                .entry(action)
                .or_default()
                .insert(rule.group.clone());
        }
    }
    for group in &groups {
        let _ = writeln!(s, "action \"{group}\";");
    }
    let applies =
        "appliesTo { principal: User, resource: [Org, Site, Location], context: { now: Long } }";
    for area in Area::ALL {
        for level in [Level::Write, Level::Read] {
            let mut parents: Vec<String> = member_of
                .get(&(area, level))
                .into_iter()
                .flatten()
                .map(|g| format!("\"{g}\""))
                .collect();
            if level == Level::Read {
                parents.push(format!("\"{}:write\"", area.id()));
            }
            let parents = if parents.is_empty() {
                String::new()
            } else {
                format!(" in [{}]", parents.join(", "))
            };
            let _ = writeln!(
                s,
                "action \"{}:{}\"{parents} {applies};",
                area.id(),
                act(level)
            );
        }
    }
    s
}

/// The policy set's text, its actions named as `encoding` says.
pub fn cedar_policies_text(org: &OrgView, encoding: ActionEncoding) -> String {
    let mut out = String::new();
    for rule in cedar_rules(org) {
        let principal = match &rule.principal {
            Some(p) => format!("principal in {p}"),
            None => "principal".into(),
        };
        let action = if rule.actions.is_empty() {
            "action".to_string()
        } else {
            match encoding {
                ActionEncoding::Groups => format!("action in Action::\"{}\"", rule.group),
                ActionEncoding::Lists => {
                    let list: Vec<String> = rule
                        .actions
                        .iter()
                        .map(|&(a, l)| cedar_action(a, l))
                        .collect();
                    format!("action in [{}]", list.join(", "))
                }
            }
        };
        let resource = match &rule.resource {
            Some(r) => format!("resource == {r}"),
            None => "resource".into(),
        };
        let _ = write!(
            out,
            "// {}\n{} ({principal}, {action}, {resource})",
            rule.comment,
            if rule.forbid { "forbid" } else { "permit" }
        );
        if let Some(when) = &rule.when {
            let _ = write!(out, " when {{ {when} }}");
        }
        if let Some(unless) = &rule.unless {
            let _ = write!(out, " unless {{ {unless} }}");
        }
        out.push_str(";\n");
    }
    out
}

fn euid(type_name: &str, id: &str) -> EntityUid {
    EntityUid::from_str(&format!("{type_name}::\"{id}\"")).expect("an entity uid")
}

fn entity_ref(type_name: &str, id: &str) -> RestrictedExpression {
    RestrictedExpression::new_entity_uid(euid(type_name, id))
}

/// The entities: the org (and the external principals' home orgs), its sites and locations, the
/// roles, and one user per principal with their grants' roles as parents and their grants' times.
pub fn cedar_entities(world: &World, schema: &Schema) -> Entities {
    let org = &world.org;
    let mut entities: Vec<Entity> = Vec::new();
    let mut orgs: BTreeSet<&str> = BTreeSet::new();
    orgs.insert(&org.id);
    for p in &world.principals {
        orgs.insert(&p.person.home_org);
    }
    for &id in &orgs {
        let mut attrs = HashMap::from([
            ("org".to_string(), entity_ref("Org", id)),
            (
                "external_readonly_ttl_ms".to_string(),
                RestrictedExpression::new_long(
                    org.settings.external_readonly_ttl_days * rolehub_domain::time::DAY_MS,
                ),
            ),
        ]);
        if id == org.id {
            if let Some(partner) = org.provisioning_partner() {
                attrs.insert("provisioning_partner".into(), entity_ref("Org", partner));
            }
        }
        entities.push(entity(euid("Org", id), attrs, HashSet::new()));
    }
    for s in &org.sites {
        entities.push(entity(
            euid("Site", &s.url),
            HashMap::from([
                ("org".to_string(), entity_ref("Org", &org.id)),
                (
                    "managed".to_string(),
                    RestrictedExpression::new_bool(s.managed_by == SiteManager::ControlHub),
                ),
            ]),
            HashSet::new(),
        ));
    }
    for l in &org.locations {
        entities.push(entity(
            euid("Location", l),
            HashMap::from([("org".to_string(), entity_ref("Org", &org.id))]),
            HashSet::new(),
        ));
    }
    let mut roles: BTreeSet<String> = BTreeSet::new();
    for p in &world.principals {
        let mut granted: Vec<(String, RestrictedExpression)> = Vec::new();
        let mut parents: HashSet<EntityUid> = HashSet::new();
        let mut locations: Vec<RestrictedExpression> = Vec::new();
        for g in &p.grants {
            let role = cedar_role_id(g.role, &g.scope);
            parents.insert(euid("Role", &role));
            roles.insert(role);
            granted.push((
                cedar_grant_key(g.role, &g.scope),
                RestrictedExpression::new_long(g.granted_at.0),
            ));
            locations.extend(
                g.scope
                    .locations()
                    .iter()
                    .map(|l| entity_ref("Location", l)),
            );
        }
        let mut attrs = HashMap::from([
            (
                "home_org".to_string(),
                entity_ref("Org", &p.person.home_org),
            ),
            (
                "deactivated".to_string(),
                RestrictedExpression::new_bool(p.person.status == Status::Inactive),
            ),
            (
                "granted".to_string(),
                RestrictedExpression::new_record(granted).expect("a record"),
            ),
            (
                "locations".to_string(),
                RestrictedExpression::new_set(locations),
            ),
        ]);
        if let Some(t) = p.person.signed_in_at {
            attrs.insert(
                "signed_in_at".to_string(),
                RestrictedExpression::new_long(t.0),
            );
        }
        entities.push(entity(euid("User", &p.person.id), attrs, parents));
    }
    for role in roles {
        entities.push(Entity::new_no_attrs(euid("Role", &role), HashSet::new()));
    }
    Entities::from_entities(entities, Some(schema)).expect("entities that conform to the schema")
}

fn entity(
    uid: EntityUid,
    attrs: HashMap<String, RestrictedExpression>,
    parents: HashSet<EntityUid>,
) -> Entity {
    Entity::new(uid, attrs, parents).expect("an entity")
}

/// The Cedar resource a target names.
fn cedar_resource(org: &OrgView, target: Target<'_>) -> EntityUid {
    match target {
        Target::Org => euid("Org", &org.id),
        Target::Site(s) => euid("Site", s),
        Target::Location(l) => euid("Location", l),
    }
}

/// Cedar, set up once as a server would keep it: the schema, the validated policy sets, the
/// entities, an authorizer, and one request per ask (principal, action, resource, `context.now`).
pub struct Cedar {
    /// The schema the policies were validated against.
    pub schema: Schema,
    /// The policies, naming their actions by action group ([`ActionEncoding::Groups`]).
    pub policies: PolicySet,
    /// The same policies, listing their actions ([`ActionEncoding::Lists`]).
    pub policies_lists: PolicySet,
    /// The entities.
    pub entities: Entities,
    /// The authorizer.
    pub authorizer: Authorizer,
    /// One request per ask, in the order of [`asks`].
    pub requests: Vec<Request>,
    /// The parts of each request, to time building the request too.
    pub parts: Vec<(EntityUid, EntityUid, EntityUid)>,
}

fn cedar_policy_set(schema: &Schema, org: &OrgView, encoding: ActionEncoding) -> PolicySet {
    let text = cedar_policies_text(org, encoding);
    let policies = PolicySet::from_str(&text).expect("policies that parse");
    let validation = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
    assert!(
        validation.validation_passed(),
        "the generated policies do not validate:\n{validation}\n{text}"
    );
    policies
}

impl Cedar {
    /// Generates the schema and policies, validates the policies (strict mode), builds the
    /// entities and the requests.
    pub fn new(world: &World, asks: &[Ask]) -> Cedar {
        let (schema, _) =
            Schema::from_cedarschema_str(&cedar_schema_text(&world.org)).expect("a schema");
        let policies = cedar_policy_set(&schema, &world.org, ActionEncoding::Groups);
        let policies_lists = cedar_policy_set(&schema, &world.org, ActionEncoding::Lists);
        let entities = cedar_entities(world, &schema);
        let parts: Vec<(EntityUid, EntityUid, EntityUid)> = asks
            .iter()
            .map(|a| {
                (
                    euid("User", &world.principals[a.who].person.id),
                    euid("Action", &format!("{}:{}", a.area.id(), act(a.level))),
                    cedar_resource(&world.org, a.target),
                )
            })
            .collect();
        let requests = parts
            .iter()
            .map(|(p, a, r)| {
                Request::new(
                    p.clone(),
                    a.clone(),
                    r.clone(),
                    cedar_context(),
                    Some(&schema),
                )
                .expect("a request that conforms to the schema")
            })
            .collect();
        Cedar {
            schema,
            policies,
            policies_lists,
            entities,
            authorizer: Authorizer::new(),
            requests,
            parts,
        }
    }

    /// Cedar's answer to the request at `i`.
    #[inline]
    pub fn is_authorized(&self, i: usize) -> bool {
        self.authorizer
            .is_authorized(&self.requests[i], &self.policies, &self.entities)
            .decision()
            == CedarDecision::Allow
    }

    /// The same with the policies that list their actions.
    #[inline]
    pub fn is_authorized_lists(&self, i: usize) -> bool {
        self.authorizer
            .is_authorized(&self.requests[i], &self.policies_lists, &self.entities)
            .decision()
            == CedarDecision::Allow
    }

    /// Cedar's answer to the ask at `i`, building the request (without schema checks) first.
    #[inline]
    pub fn build_and_authorize(&self, i: usize) -> bool {
        let (p, a, r) = &self.parts[i];
        let request = Request::new(p.clone(), a.clone(), r.clone(), cedar_context(), None)
            .expect("a request");
        self.authorizer
            .is_authorized(&request, &self.policies, &self.entities)
            .decision()
            == CedarDecision::Allow
    }
}

/// The request context: the time of the request.
fn cedar_context() -> Context {
    Context::from_pairs([("now".to_string(), RestrictedExpression::new_long(NOW.0))])
        .expect("a context")
}

// ---------------------------------------------------------------------------------------------
// Casbin
// ---------------------------------------------------------------------------------------------

/// RBAC with domains. The policy has a fifth field, `needs`: a second role the subject must also
/// hold in the domain (matrix note 5, the advanced troubleshooting add-on), or `-`. The matcher
/// compares object, action and domain before the role lookups, so those run only for the few
/// policy lines that match the request.
pub const CASBIN_MODEL: &str = r#"
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act, needs

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.obj == p.obj && r.act == p.act && r.dom == p.dom && g(r.sub, p.sub, r.dom) && (p.needs == "-" || g(r.sub, p.needs, r.dom))
"#;

fn org_domain(org: &str) -> String {
    org.to_string()
}

fn site_domain(org: &str, site: &str) -> String {
    format!("{org}/site/{site}")
}

fn location_domain(org: &str, location: &str) -> String {
    format!("{org}/location/{location}")
}

/// The Casbin role name for a role held with a relation: the matrix has one table for users of
/// the org and one for external administrators, and site roles have their own.
fn casbin_role(role: Role, relation: Relation) -> String {
    if role.is_site_scoped() {
        format!("site/{}", role.id())
    } else if relation.is_external() {
        format!("ext/{}", role.id())
    } else {
        format!("int/{}", role.id())
    }
}

/// The domain a request is checked in, as the caller maps Rolehub's request onto Casbin's: a
/// per-site area in its site's domain (a domain no policy names when the target is not a site), a
/// location-scoped area asked about a location in that location's domain, everything else in the
/// org's domain.
pub fn casbin_domain(
    org: &str,
    location_areas: &BTreeSet<Area>,
    area: Area,
    target: Target<'_>,
) -> String {
    if area.is_site_area() {
        return match target {
            Target::Site(s) => site_domain(org, s),
            _ => format!("{org}/site/"),
        };
    }
    match target {
        Target::Location(l) if location_areas.contains(&area) => location_domain(org, l),
        _ => org_domain(org),
    }
}

/// The policy lines, generated from the matrix. A `W` cell gives a `write` and a `read` line.
/// Org-wide roles get their lines in every domain where a request for the area can land: the org
/// for ordinary areas, also each location for the location-scoped areas, each Control Hub site for
/// the per-site areas. Location-scoped cells (note 1) are only in the location domains, site roles
/// only in their sites' domains. Sites managed outside Control Hub get no lines (R-SITE-2).
pub fn casbin_policy_lines(org: &OrgView) -> Vec<Vec<String>> {
    let location_areas = location_scoped_areas();
    let managed_sites: Vec<&str> = org
        .sites
        .iter()
        .filter(|s| s.managed_by == SiteManager::ControlHub)
        .map(|s| s.url.as_str())
        .collect();
    let mut lines = Vec::new();
    let mut push = |sub: &str, dom: &str, area: Area, level: Level, needs: &str| {
        let acts: &[Level] = match level {
            Level::Write => &[Level::Write, Level::Read],
            Level::Read => &[Level::Read],
            Level::None => &[],
        };
        for &a in acts {
            lines.push(vec![
                sub.to_string(),
                dom.to_string(),
                area.id().to_string(),
                act(a).to_string(),
                needs.to_string(),
            ]);
        }
    };
    for role in Role::ALL {
        let relations: &[Relation] = if role.is_site_scoped() {
            &[Relation::Internal]
        } else {
            &[Relation::Internal, Relation::OtherOrg]
        };
        for &relation in relations {
            let sub = casbin_role(role, relation);
            for area in Area::ALL {
                let c = cell(role, relation, area);
                if c.level == Level::None {
                    continue;
                }
                let needs = match c.note {
                    Some(Note::NeedsTroubleshootingAddOn) => {
                        casbin_role(Role::AdvancedTroubleshooting, Relation::Internal)
                    }
                    _ => "-".to_string(),
                };
                let mut domains: Vec<String> = Vec::new();
                if c.note == Some(Note::LocationScope) {
                    domains.extend(org.locations.iter().map(|l| location_domain(&org.id, l)));
                } else if area.is_site_area() {
                    domains.extend(managed_sites.iter().map(|s| site_domain(&org.id, s)));
                } else {
                    domains.push(org_domain(&org.id));
                    if location_areas.contains(&area) {
                        domains.extend(org.locations.iter().map(|l| location_domain(&org.id, l)));
                    }
                }
                for dom in &domains {
                    push(&sub, dom, area, c.level, &needs);
                }
            }
        }
    }
    lines
}

/// Whether the role's per-site cells, for this relation, need a sign-in after the grant (matrix
/// note 11, R-EXT-6). All of them or none do.
fn site_cells_need_sign_in(role: Role, relation: Relation) -> bool {
    let notes: Vec<bool> = Area::ALL
        .into_iter()
        .filter(|a| a.is_site_area())
        .map(|a| cell(role, relation, a))
        .filter(|c| c.level != Level::None)
        .map(|c| c.note == Some(Note::AfterSignIn))
        .collect();
    let any = notes.iter().any(|&n| n);
    assert!(
        !any || notes.iter().all(|&n| n),
        "{role}: only some per-site cells need a sign-in"
    );
    any
}

/// The grouping lines (`g, person, role, domain`) for the grants in effect at `now`.
///
/// Casbin has no clock and no attributes: the rules that depend on time or on the person are
/// applied here, in the caller, before Casbin sees the grants. A grant past its end (R-EXT-7 for
/// external read-only access), a site role without a sign-in since the grant (R-SITE-3), a
/// provisioning role without the sales relationship (R-EXT-9) and every grant of a deactivated
/// person (R-AUTH-3) are left out; an external full administrator's grant reaches the site domains
/// only after a sign-in since the grant (R-EXT-6). This favours Casbin in the timing: the work
/// these rules take is done here, once, not per request, and the grouping set is only right for
/// requests at `now` (a server would have to rebuild it as grants age).
pub fn casbin_grouping_lines(world: &World, now: Timestamp) -> Vec<Vec<String>> {
    let org = &world.org;
    let managed_sites: Vec<&str> = org
        .sites
        .iter()
        .filter(|s| s.managed_by == SiteManager::ControlHub)
        .map(|s| s.url.as_str())
        .collect();
    let mut lines = Vec::new();
    for p in &world.principals {
        if p.person.status == Status::Inactive {
            continue;
        }
        let relation = org.relation_of(&p.person);
        for g in &p.grants {
            if g.is_expired(relation, &org.settings, now)
                || !grant_works_for_relation(g.role, relation)
            {
                continue;
            }
            let role = casbin_role(g.role, relation);
            let mut domains: Vec<String> = Vec::new();
            match g.role.scope_kind() {
                ScopeKind::Site => {
                    if signed_in_since(&p.person, g) {
                        domains.extend(g.scope.site().map(|s| site_domain(&org.id, s)));
                    }
                }
                ScopeKind::Locations => {
                    domains.extend(
                        g.scope
                            .locations()
                            .iter()
                            .map(|l| location_domain(&org.id, l)),
                    );
                }
                ScopeKind::Org => {
                    domains.push(org_domain(&org.id));
                    domains.extend(org.locations.iter().map(|l| location_domain(&org.id, l)));
                    if !site_cells_need_sign_in(g.role, relation) || signed_in_since(&p.person, g) {
                        domains.extend(managed_sites.iter().map(|s| site_domain(&org.id, s)));
                    }
                }
            }
            for dom in domains {
                lines.push(vec![p.person.id.clone(), role.clone(), dom]);
            }
        }
    }
    lines
}

fn csv_text(p: &[Vec<String>], g: &[Vec<String>]) -> String {
    let mut text = String::new();
    for line in p {
        let _ = writeln!(text, "p, {}", line.join(", "));
    }
    for line in g {
        let _ = writeln!(text, "g, {}", line.join(", "));
    }
    text
}

/// Casbin, set up once: the enforcer with the generated policy and grouping lines, and one
/// request (subject, domain, object, action) per ask.
pub struct Casbin {
    /// The enforcer.
    pub enforcer: Enforcer,
    /// One request per ask, in the order of [`asks`].
    pub requests: Vec<(String, String, &'static str, &'static str)>,
    /// How many policy lines the enforcer holds.
    pub policy_lines: usize,
    /// How many grouping lines.
    pub grouping_lines: usize,
}

impl Casbin {
    /// Builds the enforcer (its setup API is async: it runs on a current-thread runtime) and the
    /// requests.
    pub fn new(world: &World, asks: &[Ask]) -> Casbin {
        Casbin::fed_at(world, asks, NOW)
    }

    /// The same, with the grants in effect at `fed_at` (the requests are still asked at [`NOW`]).
    pub fn fed_at(world: &World, asks: &[Ask], fed_at: Timestamp) -> Casbin {
        let p = casbin_policy_lines(&world.org);
        let g = casbin_grouping_lines(world, fed_at);
        let text = csv_text(&p, &g);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let enforcer = runtime
            .block_on(async {
                let model = DefaultModel::from_str(CASBIN_MODEL).await?;
                Enforcer::new(model, StringAdapter::new(text)).await
            })
            .expect("an enforcer");
        let location_areas = location_scoped_areas();
        let requests = asks
            .iter()
            .map(|a| {
                (
                    world.principals[a.who].person.id.clone(),
                    casbin_domain(&world.org.id, &location_areas, a.area, a.target),
                    a.area.id(),
                    act(a.level),
                )
            })
            .collect();
        Casbin {
            enforcer,
            requests,
            policy_lines: p.len(),
            grouping_lines: g.len(),
        }
    }

    /// Casbin's answer to the request at `i`.
    #[inline]
    pub fn enforce(&self, i: usize) -> bool {
        let (sub, dom, obj, act) = &self.requests[i];
        self.enforcer
            .enforce((sub.as_str(), dom.as_str(), *obj, *act))
            .expect("casbin evaluates the matcher")
    }
}

// ---------------------------------------------------------------------------------------------
// The three together
// ---------------------------------------------------------------------------------------------

/// Everything set up for the benchmark.
pub struct Setup {
    /// The world.
    pub world: World,
    /// The request set.
    pub asks: Vec<Ask>,
    /// Cedar.
    pub cedar: Cedar,
    /// Casbin.
    pub casbin: Casbin,
}

impl Setup {
    /// Builds the world, the request set and both engines.
    pub fn new() -> Setup {
        let world = world();
        let asks = asks(&world);
        let cedar = Cedar::new(&world, &asks);
        let casbin = Casbin::new(&world, &asks);
        Setup {
            world,
            asks,
            cedar,
            casbin,
        }
    }
}

impl Default for Setup {
    fn default() -> Self {
        Setup::new()
    }
}

/// What the equivalence check found.
#[derive(Debug)]
pub struct Equivalence {
    /// Requests asked.
    pub requests: usize,
    /// Requests all three allowed.
    pub allowed: usize,
    /// How many requests each of Rolehub's rules explains, refused or allowed (`R-PERM-1` both).
    pub by_rule: BTreeMap<(bool, &'static str), usize>,
}

/// Asks Rolehub, Cedar and Casbin every request; panics at the first where they differ.
pub fn check_equivalence(setup: &Setup) -> Equivalence {
    let mut allowed = 0;
    let mut by_rule = BTreeMap::new();
    for (i, ask) in setup.asks.iter().enumerate() {
        let r = rolehub(&setup.world, ask);
        let c = setup.cedar.is_authorized(i);
        let cl = setup.cedar.is_authorized_lists(i);
        let cb = setup.cedar.build_and_authorize(i);
        let k = setup.casbin.enforce(i);
        let p = &setup.world.principals[ask.who];
        let d = decide(
            &setup.world.org,
            &p.person,
            &p.grants,
            ask.area,
            ask.level,
            ask.target,
            NOW,
        );
        *by_rule.entry((d.allowed, d.rule.id())).or_insert(0) += 1;
        if r != c || r != k || c != cb || c != cl {
            let answer = |x: bool| if x { "allow" } else { "deny" };
            {
                panic!(
                    "request {i} differs: {} ({}), {} {} on {:?}: Rolehub {} ({}), Cedar {}, Casbin {} \
                     (casbin request {:?})",
                    p.person.id,
                    p.label,
                    ask.level,
                    ask.area,
                    ask.target,
                    answer(r),
                    d.rule.id(),
                    answer(c),
                    answer(k),
                    setup.casbin.requests[i],
                );
            }
        }
        allowed += usize::from(r);
    }
    Equivalence {
        requests: setup.asks.len(),
        allowed,
        by_rule,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    fn caught(setup: &Setup) -> bool {
        catch_unwind(AssertUnwindSafe(|| check_equivalence(setup))).is_err()
    }

    #[test]
    fn the_three_engines_agree_on_every_request() {
        let setup = Setup::new();
        let eq = check_equivalence(&setup);
        assert!(eq.allowed > 0 && eq.allowed < eq.requests);
    }

    /// The check has teeth: Cedar policies that forget R-EXT-7's expiry differ from Rolehub.
    #[test]
    fn cedar_without_the_r_ext_7_expiry_is_caught() {
        let mut setup = Setup::new();
        let text = cedar_policies_text(&setup.world.org, ActionEncoding::Groups).replace(
            "principal.granted[\"readonly_admin\"] + resource.org.external_readonly_ttl_ms > context.now",
            "true",
        );
        setup.cedar.policies = PolicySet::from_str(&text).expect("policies that parse");
        assert!(caught(&setup));
    }

    /// And Casbin fed the grants in effect at another time than the requests' differs too.
    #[test]
    fn casbin_fed_at_another_time_is_caught() {
        let mut setup = Setup::new();
        setup.casbin = Casbin::fed_at(&setup.world, &setup.asks, NOW.plus_days(-60));
        assert!(caught(&setup));
    }
}
