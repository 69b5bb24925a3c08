//! Bulk generation of a large world for benchmarks (`rolehub gen`): orgs `gen-0001` … with four
//! locations, a Control Hub site, a subscription of Calling licenses for everyone, users `u0000001@gen-0001.example` …, and as many
//! administrators as asked (a handful by default; 100,000 to measure the administrators export), written with multi-row inserts in transactions of ten thousand rows.

use rolehub_domain::{Role, Scope, Timestamp};

use crate::error::ServiceError;
use crate::service::Service;

const ROWS_PER_STATEMENT: usize = 500;
const STATEMENTS_PER_TRANSACTION: usize = 20;
const LOCATIONS: [&str; 4] = ["north", "south", "east", "west"];
const ADMIN_ROLES: [Role; 5] = [
    Role::FullAdmin,
    Role::FullAdmin,
    Role::ReadonlyAdmin,
    Role::SupportAdmin,
    Role::UserDeviceAdmin,
];

/// The id of generated org number `n`.
pub(crate) fn org_id(n: usize) -> String {
    format!("gen-{n:04}")
}

/// The email of generated user `i` of an org.
pub fn user_email(org: &str, i: usize) -> String {
    format!("u{i:07}@{org}.example")
}

fn user_id(org: &str, i: usize) -> String {
    format!("{org}-{i:07}")
}

/// Generates org number `n` with its users and administrators.
pub(crate) async fn org(
    service: &Service,
    n: usize,
    users: usize,
    admins: usize,
    now: Timestamp,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), ServiceError> {
    let org = org_id(n);
    let mut tx = service.pool().begin().await?;
    sqlx::query("INSERT INTO orgs (id, name, kind, created_at) VALUES ($1, $2, 'standard', $3)")
        .bind(org.clone())
        .bind(format!("Generated org {n}"))
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO sites (org_id, url, managed_by) VALUES ($1, $2, 'control_hub')")
        .bind(org.clone())
        .bind(format!("{org}.webex.com"))
        .execute(&mut *tx)
        .await?;
    for location in LOCATIONS {
        sqlx::query("INSERT INTO locations (org_id, id, name) VALUES ($1, $2, $2)")
            .bind(org.clone())
            .bind(location)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("INSERT INTO subscriptions (org_id, id, seller_org, trial, created_at) VALUES ($1, 'sub-1', NULL, 0, $2)")
        .bind(org.clone())
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO subscription_licenses (org_id, subscription_id, license, quantity) VALUES ($1, 'sub-1', 'calling', $2)")
        .bind(org.clone())
        .bind(users as i64)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    insert_users(service, &org, users, now, progress).await?;
    let mut tx = service.pool().begin().await?;
    for i in 0..admins.min(users) {
        let role = ADMIN_ROLES[i % ADMIN_ROLES.len()];
        crate::service::insert_grant(
            &mut tx,
            &org,
            &user_id(&org, i + 1),
            role,
            &Scope::Org,
            None,
            now,
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn insert_users(
    service: &Service,
    org: &str,
    count: usize,
    now: Timestamp,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), ServiceError> {
    let mut next = 1usize;
    while next <= count {
        let mut tx = service.pool().begin().await?;
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
                query = query
                    .bind(user_id(org, i))
                    .bind(user_email(org, i))
                    .bind(first.clone())
                    .bind(org.to_string())
                    .bind(format!("{first} {org}"))
                    .bind(org.to_string())
                    .bind(LOCATIONS[i % LOCATIONS.len()])
                    .bind(now.0);
            }
            query.execute(&mut *tx).await?;
            // Everyone holds the org's Calling license, as in an org that licenses all its people.
            let mut sql = String::from(
                "INSERT INTO person_licenses (person_id, org_id, license, assigned_at) VALUES ",
            );
            for r in 0..rows {
                if r > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${}, ${}, 'calling', ${})",
                    r * 3 + 1,
                    r * 3 + 2,
                    r * 3 + 3
                ));
            }
            let mut query = sqlx::query(&sql);
            for i in next..=end {
                query = query
                    .bind(user_id(org, i))
                    .bind(org.to_string())
                    .bind(now.0);
            }
            query.execute(&mut *tx).await?;
            progress(rows as u64);
            next = end + 1;
        }
        tx.commit().await?;
    }
    Ok(())
}
