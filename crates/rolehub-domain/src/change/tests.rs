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
            state: OrgState::new(org, Vec::new()),
        };
        w.hold("full", "acme", &[org_grant(Role::FullAdmin)]);
        w
    }

    fn hold(&mut self, id: &str, home: &str, grants: &[Grant]) -> &mut World {
        self.state.add_holder(Holder {
            person: person(id, home),
            grants: grants.to_vec(),
        });
        self
    }

    fn who(&self, id: &str, home: &str) -> PersonView {
        self.state
            .holder(id)
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
fn r_ccsa_3_and_4_a_ccsa_checking_an_email_is_told_why_nothing_is_offered() {
    let mut w = World::new();
    w.hold("cc", "acme", &[org_grant(Role::CcServiceAdmin)]);
    let cc = w.who("cc", "acme");
    let eve = person("eve", "ccorg");
    let refused = verify_external(&w.state, &cc, Some(&eve), "eve@ccorg.example", NOW).unwrap_err();
    assert_eq!(refused.rule, RuleId::Ccsa3);
    let pat = person("pat", "pnet");
    let refused = verify_external(&w.state, &cc, Some(&pat), "pat@pnet.example", NOW).unwrap_err();
    assert_eq!(refused.rule, RuleId::Ccsa4);
    let gus = person("gus", "globex");
    let offered = verify_external(&w.state, &cc, Some(&gus), "gus@globex.example", NOW).unwrap();
    assert_eq!(offered.offered, vec![Role::CcServiceAdmin]);
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
    w.state.update_person("xfull", |p| p.signed_in_at = None);
    assert_eq!(
        rule(w.assign(
            ("xfull", "globex"),
            ("bob", "acme"),
            Role::SiteAdmin,
            Scope::Site(SITE.into())
        )),
        RuleId::Ext6
    );
    w.state
        .update_person("xfull", |p| p.signed_in_at = Some(NOW));
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
