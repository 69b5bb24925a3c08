//! `rolehub demo`: a realistic world to explore, loaded into an empty database.
//!
//! The world is data (`worlds/demo.json`, in the scenario format, compiled in): a partner org and
//! the customers it manages, a company that lends external administrators, a self-sign-up org and
//! the consumer org; about two hundred people with Dutch and English names; every role of the
//! catalogue held by someone. Its steps, run through the service layer like a scenario's, give it
//! a little audit history.

use std::io::Write;

use rolehub_store::clock::system_now;
use rolehub_store::Service;

use super::exit::Failure;
use crate::scenario::run::{parse_text, run_steps};

/// The demo world, compiled in.
pub const DEMO_WORLD: &str = include_str!("../../worlds/demo.json");

/// The password every demo account gets (the console's sign-in uses it).
pub const DEMO_PASSWORD: &str = "rolehub-demo";

/// The demo accounts that get the demo password, with what each shows.
pub const ACCOUNTS: [(&str, &str); 20] = [
    ("admin@acme.example", "Acme's first full administrator"),
    (
        "daan.meijer@acme.example",
        "Acme's second full administrator",
    ),
    (
        "cc.admin@acme.example",
        "Contact Center service administrator at Acme",
    ),
    (
        "site.admin@acme.example",
        "Webex site administrator of acme.webex.com",
    ),
    (
        "site.users@acme.example",
        "Webex site user administrator of acme.webex.com",
    ),
    (
        "site.readonly@acme.example",
        "Webex site read-only administrator of acme-training.webex.com",
    ),
    ("readonly@acme.example", "read-only administrator at Acme"),
    (
        "userdevices@acme.example",
        "user and device administrator at Acme",
    ),
    ("events@acme.example", "Webex Events administrator at Acme"),
    (
        "support@acme.example",
        "support administrator at Acme, with advanced troubleshooting",
    ),
    ("devices@acme.example", "device administrator at Acme"),
    (
        "cdr@acme.example",
        "reader of Acme's detailed call history (CDR API)",
    ),
    ("compliance@acme.example", "compliance officer at Acme"),
    (
        "rotterdam.admin@acme.example",
        "location administrator of Acme's Rotterdam users",
    ),
    (
        "pim.bakker@partnernet.example",
        "full administrator of Partner Net, partner admin at Acme and Initech",
    ),
    (
        "oliver.hughes@partnernet.example",
        "provisioning administrator at Acme (from Partner Net)",
    ),
    (
        "ava.clarke@zentech.example",
        "external read-only administrator at Acme (from Zentech)",
    ),
    (
        "ruben.dijkstra@zentech.example",
        "external Contact Center service administrator at Acme (from Zentech)",
    ),
    ("admin@globex.example", "Globex's full administrator"),
    ("admin@initech.example", "Initech's full administrator"),
];

/// Prints who to sign in as.
pub fn print_accounts(out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "Sign in as (password `{DEMO_PASSWORD}` for every account):"
    )?;
    for (email, what) in ACCOUNTS {
        writeln!(out, "  {email:<34} {what}")?;
    }
    Ok(())
}

/// Loads the demo world into an empty database and prints who to sign in as; answers whether
/// it was loaded (a database that holds data already is left as it is).
pub async fn load(service: &Service, out: &mut impl Write) -> Result<bool, Failure> {
    let mut scenario = parse_text(DEMO_WORLD).map_err(Failure::invalid)?;
    let world = scenario.take_world();
    let now = system_now();
    let operator = service.operator("demo");
    if !operator.load_world_if_empty(&world, now).await? {
        return Ok(false);
    }
    let failures = run_steps(service, now, &scenario.steps).await;
    if let Some(first) = failures.first() {
        return Err(Failure::invalid(format!(
            "the demo world's history did not run: {first}"
        )));
    }
    for (email, _) in ACCOUNTS {
        operator.set_password(email, DEMO_PASSWORD, now).await?;
    }
    writeln!(out, "The demo world is loaded: Partner Net manages Acme and Initech; Globex, Zentech, a self-sign-up studio and the consumer org are there too.")?;
    writeln!(out)?;
    print_accounts(out)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_demo_world_loads_and_every_role_is_held() {
        let service = Service::in_memory().await.unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        assert!(load(&service, &mut out)
            .await
            .unwrap_or_else(|f| panic!("{}", f.message)));
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("admin@acme.example"), "{text}");
        let operator = service.operator("test");
        let mut held = std::collections::BTreeSet::new();
        for org in operator.orgs().await.unwrap_or_default() {
            let list = operator
                .admins(&org.id, &[], None, system_now())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            for row in list.rows {
                held.extend(row.grants.iter().map(|g| g.role));
            }
        }
        for role in rolehub_domain::Role::ALL {
            assert!(held.contains(&role), "no demo account holds {role}");
        }
        // Loaded again, it is left alone.
        assert!(!load(&service, &mut Vec::new())
            .await
            .unwrap_or_else(|f| panic!("{}", f.message)));
    }
}
