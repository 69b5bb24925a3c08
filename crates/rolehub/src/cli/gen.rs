//! `rolehub gen`: a large synthetic world for benchmarks, through bulk inserts.
//!
//! Orgs `gen-0001` … with four locations, a subscription, and users `u0000001@gen-0001.example` …;
//! each org gets a handful of administrators. Set-up data is written directly (as scenario
//! set-ups are), without audit events, in transactions of ten thousand rows.

use std::io::Write;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use rolehub_domain::{Role, Site, SiteManager};
use rolehub_store::clock::system_now;
use rolehub_store::setup::{GrantSetup, OrgSetup, SubscriptionSetup};
use rolehub_store::{Service, ServiceError};

const ROWS_PER_STATEMENT: usize = 500;
const STATEMENTS_PER_TRANSACTION: usize = 20;
const LOCATIONS: [&str; 4] = ["north", "south", "east", "west"];

/// Generates `orgs` orgs of `users_per_org` users each and prints a summary.
pub async fn generate(
    service: &Service,
    orgs: usize,
    users_per_org: usize,
    out: &mut impl Write,
) -> Result<(), super::commands::Failure> {
    let started = Instant::now();
    let now = system_now();
    let mut conn = service
        .db()
        .pool
        .acquire()
        .await
        .map_err(ServiceError::from)?;
    let (existing, ..) = rolehub_store::directory::counts(&mut conn).await?;
    drop(conn);
    let first_org = existing as usize + 1;
    let bar = ProgressBar::new((orgs * users_per_org) as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {human_pos}/{human_len} users, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    for n in first_org..first_org + orgs {
        let org = format!("gen-{n:04}");
        bar.set_message(org.clone());
        let mut setup = OrgSetup::new(org.clone(), format!("Generated org {n}"));
        setup.sites = vec![Site {
            url: format!("{org}.webex.com"),
            managed_by: SiteManager::ControlHub,
        }];
        setup.locations = LOCATIONS.map(String::from).to_vec();
        setup.subscriptions = vec![SubscriptionSetup {
            id: "sub-1".into(),
            seller: None,
            trial: false,
            licenses: vec![("calling".into(), users_per_org as i64)],
        }];
        service.setup_org(&setup, now).await?;
        insert_users(service, &org, users_per_org, now.0, &bar).await?;
        for (i, role) in [
            Role::FullAdmin,
            Role::FullAdmin,
            Role::ReadonlyAdmin,
            Role::SupportAdmin,
            Role::UserDeviceAdmin,
        ]
        .into_iter()
        .enumerate()
        {
            if i < users_per_org {
                let grant = GrantSetup {
                    org: org.clone(),
                    email: user_email(&org, i + 1),
                    role,
                    site: None,
                    locations: vec![],
                    granted_at: now,
                    expires_at: None,
                };
                service.setup_grant(&grant).await?;
            }
        }
    }
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let total = orgs * users_per_org;
    let _ = writeln!(
        out,
        "generated {orgs} orgs and {total} users in {:.1} s ({:.0} users/s)",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64().max(0.001)
    );
    Ok(())
}

fn user_email(org: &str, i: usize) -> String {
    format!("u{i:07}@{org}.example")
}

async fn insert_users(
    service: &Service,
    org: &str,
    count: usize,
    now: i64,
    bar: &ProgressBar,
) -> Result<(), ServiceError> {
    let mut next = 1usize;
    while next <= count {
        let mut tx = service.db().pool.begin().await?;
        for _ in 0..STATEMENTS_PER_TRANSACTION {
            if next > count {
                break;
            }
            let end = (next + ROWS_PER_STATEMENT - 1).min(count);
            let rows = end - next + 1;
            let mut sql = String::from(
                "INSERT INTO persons (id, email, first_name, last_name, display_name, home_org, status, location, created_at) VALUES ",
            );
            for r in 0..rows {
                let b = r * 8;
                if r > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, 'active', ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8
                ));
            }
            let mut query = sqlx::query(&sql);
            for i in next..=end {
                let first = format!("User{i}");
                let last = org.to_string();
                query = query
                    .bind(format!("{org}-{i:07}"))
                    .bind(user_email(org, i))
                    .bind(first.clone())
                    .bind(last.clone())
                    .bind(format!("{first} {last}"))
                    .bind(org.to_string())
                    .bind(LOCATIONS[i % LOCATIONS.len()])
                    .bind(now);
            }
            query.execute(&mut *tx).await?;
            bar.inc(rows as u64);
            next = end + 1;
        }
        tx.commit().await?;
    }
    Ok(())
}
