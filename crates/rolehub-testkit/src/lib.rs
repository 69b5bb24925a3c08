//! Rolehub's test support, in one home: the databases tests run on (SQLite always, PostgreSQL
//! when `ROLEHUB_TEST_POSTGRES` names a server) and the worlds they start from — data files in
//! the scenario world format, loaded by the same loader as scenarios and the demo.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test support fails loudly on the first surprise"
)]

pub mod oidc;

use rolehub_domain::Timestamp;
use rolehub_store::scratch::Scratch;
use rolehub_store::service::TokenScope;
use rolehub_store::world::{GrantDef, OrgDef, PersonDef, World};
use rolehub_store::Service;

/// Acme (managed by Partner Net, Contact Center, a Control Hub site, three locations), Globex with
/// an external read-only administrator of Acme, the partner, the consumer org, and 150 plain users
/// of Acme (`user001@acme.example` …; every 25th from 7 pending, from 13 inactive).
pub const ACME: &str = include_str!("../worlds/acme.json");

/// A database to run on.
#[derive(Clone, Debug)]
pub struct Backend {
    /// `sqlite` or `postgres`.
    pub name: &'static str,
    /// The PostgreSQL server URL.
    pub url: Option<String>,
}

/// SQLite always; PostgreSQL too when `ROLEHUB_TEST_POSTGRES` is set.
pub fn backends() -> Vec<Backend> {
    let mut out = vec![Backend {
        name: "sqlite",
        url: None,
    }];
    if let Ok(url) = std::env::var("ROLEHUB_TEST_POSTGRES") {
        if !url.trim().is_empty() {
            out.push(Backend {
                name: "postgres",
                url: Some(url),
            });
        }
    }
    out
}

impl Backend {
    /// A fresh database of this backend: an SQLite file (with a pool, for concurrency), or a
    /// schema of its own on the PostgreSQL server.
    pub async fn scratch(&self) -> Scratch {
        match &self.url {
            Some(url) => Scratch::postgres(url).await.unwrap(),
            None => Scratch::sqlite_file().await.unwrap(),
        }
    }
}

/// Every backend with a fresh database.
pub async fn scratches() -> Vec<(&'static str, Scratch)> {
    let mut out = Vec::new();
    for b in backends() {
        out.push((b.name, b.scratch().await));
    }
    out
}

/// Reads a world file.
pub fn world(json: &str) -> World {
    World::from_json(json).unwrap_or_else(|e| panic!("the test world is unreadable: {e}"))
}

/// Loads a world, its times moved to `now`.
pub async fn load(service: &Service, world: &World, now: Timestamp) {
    service
        .operator("tests")
        .load_world(world, now)
        .await
        .unwrap_or_else(|e| panic!("the test world does not load: {e}"));
}

/// A `write` (or `read`) personal access token of a person: (token id, secret).
pub async fn token(service: &Service, email: &str, scope: TokenScope) -> (String, String) {
    let (info, secret) = service
        .operator("tests")
        .create_token(
            email,
            "tests",
            scope,
            30,
            rolehub_store::clock::system_now(),
        )
        .await
        .unwrap_or_else(|e| panic!("no token for {email}: {e}"));
    (info.id, secret)
}

/// The id of a person.
pub async fn id_of(service: &Service, email: &str) -> String {
    service
        .operator("tests")
        .person(email)
        .await
        .unwrap_or_else(|e| panic!("{email}: {e}"))
        .view
        .id
}

// --- Builders of small worlds, in the world format. ---------------------------------------------

/// An org with nothing enabled.
pub fn org(id: &str) -> OrgDef {
    OrgDef {
        id: id.into(),
        name: Some(id.into()),
        ..OrgDef::default()
    }
}

/// An active person of an org.
pub fn person(email: &str, org: &str) -> PersonDef {
    PersonDef {
        email: email.into(),
        org: org.into(),
        first: Some("P".into()),
        last: Some(email.split('@').next().unwrap_or("").into()),
        ..PersonDef::default()
    }
}

/// A grant of an org-wide role.
pub fn grant(org: &str, role: &str) -> GrantDef {
    GrantDef {
        org: org.into(),
        role: role.into(),
        ..GrantDef::default()
    }
}

/// A world of orgs and people, at `now`.
pub fn world_of(now: Timestamp, orgs: Vec<OrgDef>, people: Vec<PersonDef>) -> World {
    World {
        now: Some(now.to_iso()),
        orgs,
        people,
    }
}
