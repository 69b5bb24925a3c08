//! Property tests: random operation sequences by random actors on a random-enough world never
//! break the model's invariants, and every change, and every refusal of one, leaves exactly one
//! audit event.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

use proptest::prelude::*;
use rolehub_domain::{Lang, Role, Timestamp};
use rolehub_store::service::AssignRequest;
use rolehub_store::{Ctx, Service, ServiceError};

const NOW: Timestamp = Timestamp(1_790_000_000_000);
const PEOPLE: [(&str, &str); 9] = [
    ("ann@acme.example", "acme"),
    ("ben@acme.example", "acme"),
    ("cas@acme.example", "acme"),
    ("dan@acme.example", "acme"),
    ("eva@acme.example", "acme"),
    ("pia@pnet.example", "pnet"),
    ("pim@pnet.example", "pnet"),
    ("gus@globex.example", "globex"),
    ("gia@globex.example", "globex"),
];
const SITE: &str = "acme.webex.com";

async fn world() -> Service {
    use rolehub_store::world::{ContactCenterDef, PartnerDef, SiteDef, SubscriptionDef};
    use rolehub_testkit::{grant, load, org, person, world_of};
    let service = Service::in_memory().await.unwrap();
    let mut acme = org("acme");
    acme.partner = Some(PartnerDef {
        org: "pnet".into(),
        status: None,
    });
    acme.contact_center = Some(ContactCenterDef {
        enabled: true,
        ..ContactCenterDef::default()
    });
    acme.sites = vec![SiteDef {
        url: SITE.into(),
        managed_by: None,
    }];
    acme.locations = vec!["amsterdam".into(), "rotterdam".into()];
    acme.subscriptions = vec![SubscriptionDef {
        id: "s1".into(),
        seller: Some("pnet".into()),
        trial: false,
        licenses: [("cc_premium_agent".to_string(), 3)].into(),
    }];
    let mut people = Vec::new();
    for (i, (email, home)) in PEOPLE.iter().enumerate() {
        let mut p = person(email, home);
        p.last = Some(format!("{i}"));
        if i < 3 {
            p.licenses = vec!["cc_premium_agent".into()];
        }
        people.push(p);
    }
    for (email, org_id) in [
        ("ann@acme.example", "acme"),
        ("ben@acme.example", "acme"),
        ("pia@pnet.example", "pnet"),
        ("gus@globex.example", "globex"),
    ] {
        if let Some(p) = people.iter_mut().find(|p| p.email == email) {
            p.grants.push(grant(org_id, "full_admin"));
        }
    }
    load(
        &service,
        &world_of(NOW, vec![acme, org("pnet"), org("globex")], people),
        NOW,
    )
    .await;
    service
}

#[derive(Clone, Debug)]
enum Op {
    Assign {
        actor: usize,
        target: usize,
        role: usize,
        locations: bool,
    },
    Revoke {
        actor: usize,
        target: usize,
        role: usize,
    },
    RevokeAll {
        actor: usize,
        target: usize,
    },
    SignIn {
        who: usize,
    },
    License {
        actor: usize,
        target: usize,
        on: bool,
    },
    Status {
        actor: usize,
        target: usize,
        active: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0..PEOPLE.len();
    let r = 0..Role::ALL.len();
    prop_oneof![
        4 => (p.clone(), p.clone(), r.clone(), any::<bool>()).prop_map(|(actor, target, role, locations)| Op::Assign { actor, target, role, locations }),
        2 => (p.clone(), p.clone(), r).prop_map(|(actor, target, role)| Op::Revoke { actor, target, role }),
        1 => (p.clone(), p.clone()).prop_map(|(actor, target)| Op::RevokeAll { actor, target }),
        1 => p.clone().prop_map(|who| Op::SignIn { who }),
        1 => (p.clone(), p.clone(), any::<bool>()).prop_map(|(actor, target, on)| Op::License { actor, target, on }),
        1 => (p.clone(), p, any::<bool>()).prop_map(|(actor, target, active)| Op::Status { actor, target, active }),
    ]
}

async fn audit_count(service: &Service) -> i64 {
    service.operator("tests").counts().await.unwrap().events
}

/// Roles held (unexpired) by a person in acme.
async fn roles(service: &Service, email: &str) -> Vec<String> {
    service
        .operator("tests")
        .roles_of(email, "acme", NOW)
        .await
        .unwrap()
}

async fn premium_used(service: &Service) -> i64 {
    service
        .operator("tests")
        .license_used("acme", "cc_premium_agent")
        .await
        .unwrap()
}

async fn check_invariants(service: &Service) -> Result<(), String> {
    let mut full_admins = 0;
    for (email, home) in PEOPLE {
        let held = roles(service, email).await;
        let base = |l: &String| l.split('@').next().unwrap_or_default().to_string();
        let ids: Vec<String> = held.iter().map(base).collect();
        if ids.contains(&"full_admin".to_string()) {
            full_admins += 1;
        }
        // R-LOC-1
        if ids.contains(&"location_admin".to_string()) && ids.len() > 1 {
            return Err(format!("{email} holds location_admin beside {ids:?}"));
        }
        // R-EXT-4
        if home != "acme" {
            let exclusive = ids
                .iter()
                .filter(|r| {
                    matches!(
                        r.as_str(),
                        "full_admin" | "readonly_admin" | "cc_service_admin" | "provisioning_admin"
                    )
                })
                .count();
            if exclusive > 1 {
                return Err(format!("external {email} holds {ids:?}"));
            }
            // R-EXT-3: internal-only roles never reach externals through checks.
            for r in &ids {
                let role = Role::from_id(r).unwrap();
                let ok = if home == "pnet" {
                    role.partner_may_hold()
                } else {
                    role.other_org_may_hold()
                };
                if !ok {
                    return Err(format!("external {email} holds {r}"));
                }
            }
        }
        // R-MCA-1
        if ids.contains(&"meeting_content_admin".to_string())
            && !ids.iter().any(|r| {
                matches!(
                    r.as_str(),
                    "site_admin" | "site_user_admin" | "site_readonly_admin"
                )
            })
        {
            return Err(format!(
                "{email} holds meeting content admin without a site role"
            ));
        }
        // R-ATA-1
        if ids.contains(&"advanced_troubleshooting".to_string())
            && (home != "acme"
                || !ids.iter().any(|r| {
                    matches!(
                        r.as_str(),
                        "full_admin" | "readonly_admin" | "support_admin"
                    )
                }))
        {
            return Err(format!(
                "{email} holds advanced troubleshooting without a base role"
            ));
        }
    }
    // R-ASSIGN-3 (deactivated holders still hold the grant; the world starts with two full admins)
    if full_admins == 0 {
        return Err("acme has no full administrator".into());
    }
    Ok(())
}

async fn run(ops: Vec<Op>) -> Result<(), String> {
    let service = world().await;
    for op in ops {
        let before = audit_count(&service).await;
        let actor_of = |i: usize| Ctx::new(PEOPLE[i].0, "acme", NOW);
        let result: Result<bool, ServiceError> = match &op {
            Op::Assign {
                actor,
                target,
                role,
                locations,
            } => {
                let role = Role::ALL[*role];
                let prior = roles(&service, PEOPLE[*actor].0).await;
                let request = AssignRequest {
                    person: PEOPLE[*target].0.into(),
                    role: role.id().into(),
                    site: role.is_site_scoped().then(|| SITE.to_string()),
                    locations: if role == Role::LocationAdmin && *locations {
                        vec!["amsterdam".into()]
                    } else {
                        vec![]
                    },
                    expires_at: None,
                };
                let r = service.assign(&actor_of(*actor), &request).await;
                if r.is_ok() {
                    // R-ASSIGN-2: the actor had the authority to give this role.
                    let had = |id: &str| {
                        prior
                            .iter()
                            .any(|l| l == id || l.starts_with(&format!("{id}@")))
                    };
                    let partner_self = *actor == *target
                        && role == Role::ProvisioningAdmin
                        && PEOPLE[*actor].1 == "pnet";
                    let allowed = had("full_admin")
                        || (role == Role::CcServiceAdmin && had("cc_service_admin"))
                        || (role == Role::EventsAdmin && had("events_admin"))
                        || (role.is_site_scoped() && had("site_admin"))
                        || partner_self;
                    if !allowed {
                        return Err(format!("{op:?} succeeded for an actor holding {prior:?}"));
                    }
                }
                r.map(|o| o.added.is_some() || !o.removed.is_empty())
            }
            Op::Revoke {
                actor,
                target,
                role,
            } => {
                let role = Role::ALL[*role];
                let site = role.is_site_scoped().then_some(SITE);
                service
                    .revoke(&actor_of(*actor), PEOPLE[*target].0, role.id(), site)
                    .await
                    .map(|_| true)
            }
            Op::RevokeAll { actor, target } => service
                .revoke_all(&actor_of(*actor), PEOPLE[*target].0)
                .await
                .map(|_| true),
            Op::SignIn { who } => service
                .operator("tests")
                .record_sign_in(PEOPLE[*who].0, NOW)
                .await
                .map(|_| true),
            Op::License { actor, target, on } => {
                let had = premium_used(&service).await;
                let r = service
                    .set_license(
                        &actor_of(*actor),
                        PEOPLE[*target].0,
                        "cc_premium_agent",
                        *on,
                    )
                    .await;
                let now_used = premium_used(&service).await;
                // R-LIC-1: never over-assigned.
                if now_used > 3 {
                    return Err(format!("{now_used} premium licenses in use of 3"));
                }
                r.map(|_| had != now_used)
            }
            Op::Status {
                actor,
                target,
                active,
            } => {
                let status = if *active { "active" } else { "inactive" };
                service
                    .set_user_status(&actor_of(*actor), PEOPLE[*target].0, status)
                    .await
                    .map(|_| true)
            }
        };
        let after = audit_count(&service).await;
        let expected = match &result {
            Ok(true) => 1,
            Ok(false) => 0,
            // Every change a rule refuses is audited once.
            Err(ServiceError::Refused(_)) => 1,
            Err(ServiceError::NotFound { .. })
            | Err(ServiceError::Invalid { .. })
            | Err(ServiceError::Conflict(_)) => 0,
            Err(e) => return Err(format!("{op:?} failed: {e}")),
        };
        if let Err(ServiceError::Refused(r)) = &result {
            // Every refusal names its rule in both languages.
            let (en, nl) = (r.message(Lang::En), r.message(Lang::Nl));
            if !en.contains(r.rule.id()) || !nl.contains(r.rule.id()) {
                return Err(format!("refusal without its rule id: {en} / {nl}"));
            }
        }
        // Sign-ins are audited; status changes that change nothing are not.
        let expected = if matches!(op, Op::SignIn { .. }) && result.is_ok() {
            1
        } else {
            expected
        };
        if after - before != expected && !matches!(op, Op::Status { .. }) {
            return Err(format!(
                "{op:?} gave {result:?} and wrote {} audit events, expected {expected}",
                after - before
            ));
        }
        check_invariants(&service)
            .await
            .map_err(|e| format!("after {op:?}: {e}"))?;
    }
    match service.operator("tests").verify_audit(None).await.unwrap() {
        Ok(_) => Ok(()),
        Err(b) => Err(format!("audit chain broken: {b:?}")),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_keep_every_invariant(ops in proptest::collection::vec(op(), 1..30)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let outcome = rt.block_on(run(ops));
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}
