//! `rolehub demo`: a realistic world to explore, loaded into an empty database.
//!
//! A partner org and the customers it manages, a company that lends external administrators, a
//! self-sign-up org and the consumer org; about two hundred people with Dutch and English names;
//! every role of the catalogue held by someone; and a little audit history made through the
//! service layer itself.

use std::io::Write;

use rolehub_domain::{
    ContactCenter, OrgKind, PartnerLink, Role, Site, SiteManager, Status, Timestamp,
};
use rolehub_store::clock::system_now;
use rolehub_store::service::AssignRequest;
use rolehub_store::setup::{GrantSetup, OrgSetup, PersonSetup, SubscriptionSetup};
use rolehub_store::{Ctx, Service, ServiceError};

/// The password every demo account gets (the console's sign-in uses it).
pub const DEMO_PASSWORD: &str = "rolehub-demo";

const FIRST: [&str; 40] = [
    "Sanne", "Daan", "Emma", "Lucas", "Julia", "Sem", "Tess", "Milan", "Lotte", "Finn", "Fleur",
    "Jesse", "Noor", "Thijs", "Anouk", "Bram", "Iris", "Ruben", "Evi", "Lars", "Olivia", "James",
    "Amelia", "Oliver", "Isla", "Harry", "Grace", "George", "Sophie", "Jack", "Chloe", "Thomas",
    "Ella", "William", "Freya", "Samuel", "Lily", "Henry", "Zoe", "Noah",
];
const LAST: [&str; 40] = [
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "van Dijk",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Wright",
    "Evans",
    "Walker",
    "Thompson",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Clarke",
    "Hughes",
    "Lewis",
];

fn email_of(first: &str, last: &str, domain: &str) -> String {
    let clean = |s: &str| s.to_lowercase().replace(' ', "");
    format!("{}.{}@{domain}", clean(first), clean(last))
}

struct World<'a> {
    service: &'a Service,
    now: Timestamp,
}

impl World<'_> {
    async fn org(&self, org: OrgSetup) -> Result<(), ServiceError> {
        self.service.setup_org(&org, self.now).await
    }

    async fn person(
        &self,
        email: &str,
        org: &str,
        first: &str,
        last: &str,
        location: Option<&str>,
        licenses: &[&str],
    ) -> Result<(), ServiceError> {
        let mut p = PersonSetup::new(email, org, first, last);
        p.location = location.map(str::to_string);
        p.licenses = licenses.iter().map(|l| l.to_string()).collect();
        p.signed_in_at = Some(self.now.plus_ms(-3_600_000));
        self.service.setup_person(&p, self.now).await.map(|_| ())
    }

    async fn grant(
        &self,
        email: &str,
        org: &str,
        role: Role,
        site: Option<&str>,
        locations: &[&str],
    ) -> Result<(), ServiceError> {
        self.service
            .setup_grant(&GrantSetup {
                org: org.into(),
                email: email.into(),
                role,
                site: site.map(str::to_string),
                locations: locations.iter().map(|l| l.to_string()).collect(),
                granted_at: self.now.plus_days(-30),
                expires_at: None,
            })
            .await
    }

    /// `count` generated people of an org, spread over its locations.
    async fn crowd(
        &self,
        org: &str,
        domain: &str,
        count: usize,
        locations: &[&str],
        offset: usize,
        licenses: &[(usize, &str)],
    ) -> Result<Vec<String>, ServiceError> {
        let mut emails = Vec::new();
        for i in 0..count {
            let first = FIRST[(i * 7 + offset) % FIRST.len()];
            let last = LAST[(i * 11 + offset * 3) % LAST.len()];
            let mut email = email_of(first, last, domain);
            if emails.contains(&email) {
                email = email.replacen('@', &format!("{i}@"), 1);
            }
            let location = (!locations.is_empty()).then(|| locations[i % locations.len()]);
            let held: Vec<&str> = licenses
                .iter()
                .filter(|(every, _)| i % every == 0)
                .map(|(_, l)| *l)
                .collect();
            let mut p = PersonSetup::new(email.clone(), org, first, last);
            p.location = location.map(str::to_string);
            p.licenses = held.iter().map(|l| l.to_string()).collect();
            p.status = match i % 23 {
                5 => Status::Pending,
                17 => Status::Inactive,
                _ => Status::Active,
            };
            self.service.setup_person(&p, self.now).await?;
            emails.push(email);
        }
        Ok(emails)
    }
}

/// The demo accounts that get the demo password.
const SIGN_IN_ACCOUNTS: [&str; 12] = [
    "admin@acme.example",
    "daan.meijer@acme.example",
    "cc.admin@acme.example",
    "site.admin@acme.example",
    "readonly@acme.example",
    "userdevices@acme.example",
    "events@acme.example",
    "pim.bakker@partnernet.example",
    "oliver.hughes@partnernet.example",
    "ava.clarke@zentech.example",
    "admin@globex.example",
    "admin@initech.example",
];

/// Loads the demo world and prints who to sign in as.
pub async fn load(service: &Service, out: &mut impl Write) -> Result<(), super::commands::Failure> {
    let mut conn = service
        .db()
        .pool
        .acquire()
        .await
        .map_err(ServiceError::from)?;
    let (orgs, ..) = rolehub_store::directory::counts(&mut conn).await?;
    drop(conn);
    if orgs > 0 {
        return Err(ServiceError::Conflict(
            "the database is not empty; the demo world loads into an empty database only".into(),
        )
        .into());
    }
    let w = World {
        service,
        now: system_now(),
    };
    build(&w).await?;
    for email in SIGN_IN_ACCOUNTS {
        service.set_password(email, DEMO_PASSWORD).await?;
    }
    let _ = writeln!(out, "The demo world is loaded: Partner Net manages Acme and Initech; Globex, Zentech, a self-sign-up studio and the consumer org are there too.");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Sign in as (password `{DEMO_PASSWORD}` for every account):"
    );
    for (email, what) in [
        ("admin@acme.example", "Acme's first full administrator"),
        (
            "cc.admin@acme.example",
            "Contact Center service administrator at Acme",
        ),
        (
            "site.admin@acme.example",
            "Webex site administrator of acme.webex.com",
        ),
        ("readonly@acme.example", "read-only administrator at Acme"),
        (
            "pim.bakker@partnernet.example",
            "full administrator of Partner Net, partner admin at Acme and Initech",
        ),
        (
            "ava.clarke@zentech.example",
            "external read-only administrator at Acme (from Zentech)",
        ),
    ] {
        let _ = writeln!(out, "  {email:<34} {what}");
    }
    Ok(())
}

async fn build(w: &World<'_>) -> Result<(), ServiceError> {
    // The partner and the companies.
    w.org(OrgSetup::new("pnet", "Partner Net BV")).await?;
    let mut zentech = OrgSetup::new("zentech", "Zentech Support Ltd");
    zentech.calling = true;
    w.org(zentech).await?;
    let mut studio = OrgSetup::new("studio-vos", "Studio Vos");
    studio.kind = OrgKind::SelfSignup;
    w.org(studio).await?;
    let mut consumer = OrgSetup::new("consumer", "Webex consumers");
    consumer.kind = OrgKind::Consumer;
    w.org(consumer).await?;

    let mut acme = OrgSetup::new("acme", "Acme BV");
    acme.partner = Some(PartnerLink {
        org: "pnet".into(),
        active: true,
    });
    acme.contact_center = ContactCenter {
        enabled: true,
        chat_configured: false,
        setup_completed: true,
    };
    acme.calling = true;
    acme.events = true;
    acme.sites = vec![
        Site {
            url: "acme.webex.com".into(),
            managed_by: SiteManager::ControlHub,
        },
        Site {
            url: "acme-training.webex.com".into(),
            managed_by: SiteManager::ControlHub,
        },
        Site {
            url: "acme-legacy.webex.com".into(),
            managed_by: SiteManager::SiteAdmin,
        },
    ];
    acme.locations = ["amsterdam", "rotterdam", "utrecht", "london"]
        .map(String::from)
        .to_vec();
    acme.subscriptions = vec![
        SubscriptionSetup {
            id: "sub-acme-cc".into(),
            seller: Some("pnet".into()),
            trial: false,
            licenses: vec![
                ("cc_premium_agent".into(), 20),
                ("cc_standard_agent".into(), 60),
            ],
        },
        SubscriptionSetup {
            id: "sub-acme-collab".into(),
            seller: Some("pnet".into()),
            trial: false,
            licenses: vec![
                ("calling".into(), 120),
                ("meetings_host:acme.webex.com".into(), 80),
                ("meetings_host:acme-training.webex.com".into(), 10),
            ],
        },
        SubscriptionSetup {
            id: "trial-acme-cc".into(),
            seller: None,
            trial: true,
            licenses: vec![("cc_premium_agent".into(), 5)],
        },
    ];
    acme.settings.external_readonly_ttl_days = 14;
    w.org(acme).await?;

    let mut globex = OrgSetup::new("globex", "Globex Nederland");
    globex.calling = true;
    globex.sites = vec![Site {
        url: "globex.webex.com".into(),
        managed_by: SiteManager::ControlHub,
    }];
    globex.locations = ["den-haag", "eindhoven"].map(String::from).to_vec();
    globex.subscriptions = vec![SubscriptionSetup {
        id: "sub-globex".into(),
        seller: None,
        trial: false,
        licenses: vec![
            ("calling".into(), 60),
            ("meetings_host:globex.webex.com".into(), 40),
        ],
    }];
    globex.settings.share_with_external_admins =
        rolehub_domain::ShareSet::from_ids(["name"]).unwrap_or(rolehub_domain::ShareSet::ALL);
    w.org(globex).await?;

    let mut initech = OrgSetup::new("initech", "Initech Ltd");
    initech.partner = Some(PartnerLink {
        org: "pnet".into(),
        active: true,
    });
    initech.contact_center = ContactCenter {
        enabled: true,
        chat_configured: true,
        setup_completed: true,
    };
    initech.locations = ["manchester".to_string()].to_vec();
    initech.subscriptions = vec![SubscriptionSetup {
        id: "sub-initech".into(),
        seller: Some("pnet".into()),
        trial: false,
        licenses: vec![
            ("cc_premium_agent".into(), 10),
            ("cc_standard_agent".into(), 25),
        ],
    }];
    w.org(initech).await?;

    // Named people.
    w.person(
        "pim.bakker@partnernet.example",
        "pnet",
        "Pim",
        "Bakker",
        None,
        &[],
    )
    .await?;
    w.person(
        "eva.smit@partnernet.example",
        "pnet",
        "Eva",
        "Smit",
        None,
        &[],
    )
    .await?;
    w.person(
        "oliver.hughes@partnernet.example",
        "pnet",
        "Oliver",
        "Hughes",
        None,
        &[],
    )
    .await?;
    w.person(
        "ava.clarke@zentech.example",
        "zentech",
        "Ava",
        "Clarke",
        None,
        &[],
    )
    .await?;
    w.person(
        "ruben.dijkstra@zentech.example",
        "zentech",
        "Ruben",
        "Dijkstra",
        None,
        &[],
    )
    .await?;
    w.person(
        "mila.vos@studio-vos.example",
        "studio-vos",
        "Mila",
        "Vos",
        None,
        &[],
    )
    .await?;
    w.person(
        "jan.jansen@consumer.example",
        "consumer",
        "Jan",
        "Jansen",
        None,
        &[],
    )
    .await?;
    w.person(
        "admin@acme.example",
        "acme",
        "Sanne",
        "de Vries",
        Some("amsterdam"),
        &["calling"],
    )
    .await?;
    w.person(
        "daan.meijer@acme.example",
        "acme",
        "Daan",
        "Meijer",
        Some("rotterdam"),
        &[],
    )
    .await?;
    w.person(
        "readonly@acme.example",
        "acme",
        "Emma",
        "Taylor",
        Some("london"),
        &[],
    )
    .await?;
    w.person(
        "support@acme.example",
        "acme",
        "Lucas",
        "Visser",
        Some("utrecht"),
        &[],
    )
    .await?;
    w.person(
        "userdevices@acme.example",
        "acme",
        "Julia",
        "Bos",
        Some("amsterdam"),
        &[],
    )
    .await?;
    w.person(
        "devices@acme.example",
        "acme",
        "Harry",
        "Wilson",
        Some("london"),
        &[],
    )
    .await?;
    w.person(
        "compliance@acme.example",
        "acme",
        "Noor",
        "Hendriks",
        Some("amsterdam"),
        &[],
    )
    .await?;
    w.person(
        "rotterdam.admin@acme.example",
        "acme",
        "Bram",
        "Mulder",
        Some("rotterdam"),
        &[],
    )
    .await?;
    w.person(
        "cdr@acme.example",
        "acme",
        "Grace",
        "Evans",
        Some("london"),
        &[],
    )
    .await?;
    w.person(
        "events@acme.example",
        "acme",
        "Fleur",
        "de Boer",
        Some("utrecht"),
        &[],
    )
    .await?;
    w.person(
        "cc.admin@acme.example",
        "acme",
        "Thijs",
        "de Groot",
        Some("amsterdam"),
        &["cc_premium_agent"],
    )
    .await?;
    w.person(
        "site.admin@acme.example",
        "acme",
        "Olivia",
        "Brown",
        Some("london"),
        &["meetings_host:acme.webex.com"],
    )
    .await?;
    w.person(
        "site.users@acme.example",
        "acme",
        "Jesse",
        "Peters",
        Some("rotterdam"),
        &[],
    )
    .await?;
    w.person(
        "site.readonly@acme.example",
        "acme",
        "Lotte",
        "Dekker",
        Some("utrecht"),
        &[],
    )
    .await?;
    w.person(
        "admin@globex.example",
        "globex",
        "Milan",
        "van Dijk",
        Some("den-haag"),
        &[],
    )
    .await?;
    w.person(
        "admin@initech.example",
        "initech",
        "James",
        "Walker",
        Some("manchester"),
        &["cc_premium_agent"],
    )
    .await?;
    w.person(
        "admin@zentech.example",
        "zentech",
        "Chloe",
        "Roberts",
        None,
        &[],
    )
    .await?;
    w.person(
        "admin@studio-vos.example",
        "studio-vos",
        "Finn",
        "Vos",
        None,
        &[],
    )
    .await?;

    // The crowds.
    let acme_crowd = w
        .crowd(
            "acme",
            "acme.example",
            110,
            &["amsterdam", "rotterdam", "utrecht", "london"],
            1,
            &[
                (6, "cc_premium_agent"),
                (3, "cc_standard_agent"),
                (2, "calling"),
                (2, "meetings_host:acme.webex.com"),
            ],
        )
        .await?;
    w.crowd(
        "globex",
        "globex.example",
        40,
        &["den-haag", "eindhoven"],
        5,
        &[(2, "calling")],
    )
    .await?;
    w.crowd(
        "initech",
        "initech.example",
        20,
        &["manchester"],
        9,
        &[(4, "cc_standard_agent")],
    )
    .await?;
    w.crowd("pnet", "partnernet.example", 6, &[], 13, &[])
        .await?;
    w.crowd("zentech", "zentech.example", 5, &[], 17, &[])
        .await?;

    // Every role of the catalogue, held by someone.
    let a = "acme";
    w.grant(
        "pim.bakker@partnernet.example",
        "pnet",
        Role::FullAdmin,
        None,
        &[],
    )
    .await?;
    w.grant(
        "eva.smit@partnernet.example",
        "pnet",
        Role::FullAdmin,
        None,
        &[],
    )
    .await?;
    w.grant(
        "admin@zentech.example",
        "zentech",
        Role::FullAdmin,
        None,
        &[],
    )
    .await?;
    w.grant(
        "admin@studio-vos.example",
        "studio-vos",
        Role::FullAdmin,
        None,
        &[],
    )
    .await?;
    w.grant("admin@acme.example", a, Role::FullAdmin, None, &[])
        .await?;
    w.grant("daan.meijer@acme.example", a, Role::FullAdmin, None, &[])
        .await?;
    w.grant("readonly@acme.example", a, Role::ReadonlyAdmin, None, &[])
        .await?;
    w.grant("support@acme.example", a, Role::SupportAdmin, None, &[])
        .await?;
    w.grant(
        "support@acme.example",
        a,
        Role::AdvancedTroubleshooting,
        None,
        &[],
    )
    .await?;
    w.grant(
        "userdevices@acme.example",
        a,
        Role::UserDeviceAdmin,
        None,
        &[],
    )
    .await?;
    w.grant("devices@acme.example", a, Role::DeviceAdmin, None, &[])
        .await?;
    w.grant(
        "compliance@acme.example",
        a,
        Role::ComplianceOfficer,
        None,
        &[],
    )
    .await?;
    w.grant(
        "rotterdam.admin@acme.example",
        a,
        Role::LocationAdmin,
        None,
        &["rotterdam"],
    )
    .await?;
    w.grant("cdr@acme.example", a, Role::CallingCdrApi, None, &[])
        .await?;
    w.grant("events@acme.example", a, Role::EventsAdmin, None, &[])
        .await?;
    w.grant("cc.admin@acme.example", a, Role::CcServiceAdmin, None, &[])
        .await?;
    w.grant(
        "site.admin@acme.example",
        a,
        Role::SiteAdmin,
        Some("acme.webex.com"),
        &[],
    )
    .await?;
    w.grant(
        "site.admin@acme.example",
        a,
        Role::MeetingContentAdmin,
        Some("acme.webex.com"),
        &[],
    )
    .await?;
    w.grant(
        "site.users@acme.example",
        a,
        Role::SiteUserAdmin,
        Some("acme.webex.com"),
        &[],
    )
    .await?;
    w.grant(
        "site.readonly@acme.example",
        a,
        Role::SiteReadonlyAdmin,
        Some("acme-training.webex.com"),
        &[],
    )
    .await?;
    w.grant(
        "pim.bakker@partnernet.example",
        a,
        Role::FullAdmin,
        None,
        &[],
    )
    .await?;
    w.grant(
        "oliver.hughes@partnernet.example",
        a,
        Role::ProvisioningAdmin,
        None,
        &[],
    )
    .await?;
    w.grant("admin@globex.example", "globex", Role::FullAdmin, None, &[])
        .await?;
    w.grant(
        "admin@initech.example",
        "initech",
        Role::FullAdmin,
        None,
        &[],
    )
    .await?;
    w.grant(
        "pim.bakker@partnernet.example",
        "initech",
        Role::FullAdmin,
        None,
        &[],
    )
    .await?;
    w.grant(
        "ruben.dijkstra@zentech.example",
        "globex",
        Role::FullAdmin,
        None,
        &[],
    )
    .await?;

    // A little history, made through the service layer (and so audited).
    let as_admin = |org: &str| Ctx::new("admin@acme.example", org, w.now);
    let assign = |person: &str, role: &str, site: Option<&str>| AssignRequest {
        person: person.into(),
        role: role.into(),
        site: site.map(str::to_string),
        ..AssignRequest::default()
    };
    w.service
        .add_external(
            &as_admin(a),
            "ava.clarke@zentech.example",
            "readonly_admin",
            None,
        )
        .await?;
    w.service
        .add_external(
            &as_admin(a),
            "ruben.dijkstra@zentech.example",
            "cc_service_admin",
            None,
        )
        .await?;
    w.service
        .add_external(
            &as_admin(a),
            "mila.vos@studio-vos.example",
            "site_user_admin",
            Some("acme-training.webex.com"),
        )
        .await?;
    if let Some(member) = acme_crowd.get(3) {
        w.service
            .assign(
                &as_admin(a),
                &assign(member, "site_readonly_admin", Some("acme.webex.com")),
            )
            .await?;
    }
    let _ = w
        .service
        .assign(
            &as_admin(a),
            &assign("jan.jansen@consumer.example", "readonly_admin", None),
        )
        .await;
    for email in [
        "admin@acme.example",
        "cc.admin@acme.example",
        "site.admin@acme.example",
    ] {
        w.service
            .record_sign_in(email, &Ctx::new(email, a, w.now))
            .await?;
    }
    Ok(())
}
