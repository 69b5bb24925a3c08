//! The access decision, the hot path of every request, and the check of a role assignment.
//!
//! Run with `cargo bench -p rolehub-domain --bench decide`. Each world is built once, outside the
//! timed loop, and its answer is checked before it is measured, so a benchmark can never time a
//! different path than its name says. The allocation profiler counts heap allocations per call.

use divan::{black_box, AllocProfiler, Bencher};
use rolehub_domain::change::{check_assign, Actor, NewGrant};
use rolehub_domain::{
    decide, Area, Decision, Grant, Holder, Level, OrgKind, OrgState, OrgView, PersonView, Role,
    RuleId, Scope, Site, SiteManager, Status, Target, Timestamp,
};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

/// 2026-11-22T00:00:00Z.
const NOW: Timestamp = Timestamp(1_795_305_600_000);
const SITE: &str = "acme.webex.com";
/// Sites of the org besides `acme.webex.com`: the principal with 20 grants holds a role on each.
const EXTRA_SITES: usize = 20;

fn org() -> OrgView {
    let mut org = OrgView::new("acme", "Acme", OrgKind::Standard);
    org.sites.push(Site {
        url: SITE.into(),
        managed_by: SiteManager::ControlHub,
    });
    for i in 0..EXTRA_SITES {
        org.sites.push(Site {
            url: format!("team{i:02}.webex.com"),
            managed_by: SiteManager::ControlHub,
        });
    }
    org.locations = vec!["amsterdam".into(), "rotterdam".into()];
    org
}

fn person(id: &str, home: &str, signed_in_at: Option<Timestamp>) -> PersonView {
    PersonView {
        id: id.into(),
        email: format!("{id}@{home}.example"),
        first: id.into(),
        last: "Example".into(),
        home_org: home.into(),
        home_org_kind: OrgKind::Standard,
        home_org_contact_center: false,
        status: Status::Active,
        signed_in_at,
    }
}

fn grant(id: &str, role: Role, scope: Scope, days_ago: i64) -> Grant {
    Grant {
        id: id.into(),
        role,
        scope,
        granted_at: NOW.plus_days(-days_ago),
        expires_at: None,
    }
}

/// One access check, with the answer it must give.
struct Case {
    org: OrgView,
    person: PersonView,
    grants: Vec<Grant>,
    area: Area,
    level: Level,
    site: Option<&'static str>,
    allowed: bool,
    rule: RuleId,
}

impl Case {
    fn target(&self) -> Target<'static> {
        self.site.map_or(Target::Org, Target::Site)
    }

    fn decide(&self) -> Decision {
        decide(
            black_box(&self.org),
            black_box(&self.person),
            black_box(&self.grants),
            black_box(self.area),
            black_box(self.level),
            black_box(self.target()),
            black_box(NOW),
        )
    }

    /// Checks the answer once, then times it.
    fn run(self, bencher: Bencher) {
        let d = self.decide();
        assert_eq!(
            (d.allowed, d.rule),
            (self.allowed, self.rule),
            "the world does not give the answer the benchmark is named for"
        );
        bencher.bench_local(|| self.decide());
    }
}

/// An internal full administrator writes users: allowed.
#[divan::bench]
fn internal_full_admin_writes_users(bencher: Bencher) {
    Case {
        org: org(),
        person: person("ann", "acme", Some(NOW.plus_days(-1))),
        grants: vec![grant("g1", Role::FullAdmin, Scope::Org, 30)],
        area: Area::Users,
        level: Level::Write,
        site: None,
        allowed: true,
        rule: RuleId::Perm1,
    }
    .run(bencher);
}

/// A read-only administrator asks to write users: refused with R-PERM-1.
#[divan::bench]
fn readonly_admin_refused_r_perm_1(bencher: Bencher) {
    Case {
        org: org(),
        person: person("rob", "acme", Some(NOW.plus_days(-1))),
        grants: vec![grant("g1", Role::ReadonlyAdmin, Scope::Org, 30)],
        area: Area::Users,
        level: Level::Write,
        site: None,
        allowed: false,
        rule: RuleId::Perm1,
    }
    .run(bencher);
}

/// A site administrator, signed in since the grant (R-SITE-3), writes users of their site.
#[divan::bench]
fn site_admin_on_site_area(bencher: Bencher) {
    Case {
        org: org(),
        person: person("sam", "acme", Some(NOW.plus_days(-1))),
        grants: vec![grant("g1", Role::SiteAdmin, Scope::Site(SITE.into()), 30)],
        area: Area::SiteUsers,
        level: Level::Write,
        site: Some(SITE),
        allowed: true,
        rule: RuleId::Perm1,
    }
    .run(bencher);
}

/// An external read-only administrator whose grant outlived the org's 14 days: refused (R-EXT-7).
#[divan::bench]
fn external_readonly_expired_r_ext_7(bencher: Bencher) {
    Case {
        org: org(),
        person: person("eve", "globex", Some(NOW.plus_days(-1))),
        grants: vec![grant("g1", Role::ReadonlyAdmin, Scope::Org, 30)],
        area: Area::Users,
        level: Level::Read,
        site: None,
        allowed: false,
        rule: RuleId::Ext7,
    }
    .run(bencher);
}

/// A principal holding 20 grants: site read-only administrator on 19 sites and site administrator
/// on the last, asking to write the configuration of that last site (every grant is walked).
#[divan::bench]
fn twenty_grants_on_site_area(bencher: Bencher) {
    let mut grants: Vec<Grant> = (0..EXTRA_SITES - 1)
        .map(|i| {
            grant(
                &format!("g{i}"),
                Role::SiteReadonlyAdmin,
                Scope::Site(format!("team{i:02}.webex.com")),
                30,
            )
        })
        .collect();
    let last = format!("team{:02}.webex.com", EXTRA_SITES - 1);
    grants.push(grant("g19", Role::SiteAdmin, Scope::Site(last), 30));
    let site: &'static str = "team19.webex.com";
    Case {
        org: org(),
        person: person("tia", "acme", Some(NOW.plus_days(-1))),
        grants,
        area: Area::SiteConfig,
        level: Level::Write,
        site: Some(site),
        allowed: true,
        rule: RuleId::Perm1,
    }
    .run(bencher);
}

/// An org with 50 holders of grants: 3 full administrators (the actor is the first) and 47 others
/// with read-only, support, location and site roles. The target, last in the list, holds read-only.
fn org_state_with_50_holders() -> OrgState {
    let mut holders = Vec::with_capacity(50);
    for i in 0..50 {
        let id = format!("p{i:02}");
        let (role, scope) = match i {
            0..=2 => (Role::FullAdmin, Scope::Org),
            49 => (Role::ReadonlyAdmin, Scope::Org),
            _ => match i % 4 {
                0 => (Role::ReadonlyAdmin, Scope::Org),
                1 => (Role::SupportAdmin, Scope::Org),
                2 => (
                    Role::LocationAdmin,
                    Scope::Locations(vec!["amsterdam".into()]),
                ),
                _ => (Role::SiteUserAdmin, Scope::Site(SITE.into())),
            },
        };
        holders.push(Holder {
            person: person(&id, "acme", Some(NOW.plus_days(-1))),
            grants: vec![grant(&format!("g{i:02}"), role, scope, 30)],
        });
    }
    OrgState::new(org(), holders)
}

/// An internal full administrator makes the read-only holder at the end of a 50-holder org a full
/// administrator: allowed, nothing removed, no warning (four full administrators afterwards).
#[divan::bench]
fn check_assign_50_holders(bencher: Bencher) {
    let state = org_state_with_50_holders();
    let actor = state.holders()[0].person.clone();
    let target = state.holders()[49].person.clone();
    let assign = || {
        check_assign(
            black_box(&state),
            Actor {
                person: black_box(&actor),
                home_full_admin: true,
            },
            black_box(&target),
            false,
            NewGrant {
                role: Role::FullAdmin,
                scope: Scope::Org,
                expires_at: None,
            },
            black_box(NOW),
        )
    };
    let plan = assign().map_err(|r| r.rule);
    assert!(
        plan.as_ref()
            .is_ok_and(|p| p.add.is_some() && p.remove.is_empty() && p.warnings.is_empty()),
        "the assignment must be allowed with nothing removed and no warning, got {plan:?}"
    );
    bencher.bench_local(assign);
}
