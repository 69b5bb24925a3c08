//! Reading people as an administrator sees them: who may list whom, and what is masked.

use rolehub_domain::ops::Principal;
use rolehub_domain::{Area, Level, ShareSet, Target};

use super::{actor, Ctx, Service};
use crate::directory::{self, PeopleFilter, PersonSummary};
use crate::error::ServiceError;
use crate::load;

/// A page of people and how they are shown to the viewer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeoplePage {
    /// The people.
    pub items: Vec<PersonSummary>,
    /// For external viewers, the fields the org shares (R-EXT-10); the rest is masked.
    pub shared: Option<ShareSet>,
}

impl Service {
    /// Lists people of the org (needs read on `users`; a location administrator names one of their
    /// locations).
    pub async fn list_people(
        &self,
        ctx: &Ctx,
        filter: &PeopleFilter,
    ) -> Result<PeoplePage, ServiceError> {
        let mut tx = self.begin_read().await?;
        let state = load::org_state(&mut tx, &ctx.org).await?;
        let actor = actor(&mut tx, ctx).await?;
        let principal = Principal::in_state(&state, &actor.view, ctx.now);
        let target = filter
            .location
            .as_deref()
            .map_or(Target::Org, Target::Location);
        principal
            .decide(Area::Users, Level::Read, target)
            .into_result()?;
        let items = directory::people(
            &mut tx,
            &PeopleFilter {
                org: ctx.org.clone(),
                ..filter.clone()
            },
        )
        .await?;
        tx.rollback().await?;
        let shared = state
            .org
            .relation_of(&actor.view)
            .is_external()
            .then_some(state.org.settings.share_with_external_admins);
        Ok(PeoplePage { items, shared })
    }

    /// One person of the org (a user of it or a holder of a grant in it). Everyone may read
    /// themselves; others need read on `users`. People of other orgs are not found.
    pub async fn get_person(&self, ctx: &Ctx, id: &str) -> Result<PeoplePage, ServiceError> {
        let mut tx = self.begin_read().await?;
        let state = load::org_state(&mut tx, &ctx.org).await?;
        let actor = actor(&mut tx, ctx).await?;
        let target = load::person_by_id(&mut tx, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("person", id))?;
        let visible =
            target.view.home_org == ctx.org || !state.grants_of(&target.view.id).is_empty();
        if !visible {
            return Err(ServiceError::not_found("person", id));
        }
        if target.view.id != actor.view.id {
            let principal = Principal::in_state(&state, &actor.view, ctx.now);
            let location = target
                .location
                .as_deref()
                .map_or(Target::Org, Target::Location);
            principal
                .decide(Area::Users, Level::Read, location)
                .into_result()?;
        }
        let filter = PeopleFilter {
            org: ctx.org.clone(),
            ids: vec![target.view.id.clone()],
            limit: 1,
            ..PeopleFilter::default()
        };
        let mut items = directory::people(&mut tx, &filter).await?;
        if items.is_empty() {
            // A holder of a grant who is not a user of the org.
            let grants = state.grants_of(&target.view.id).to_vec();
            items.push(directory::PersonSummary {
                person: target,
                grants,
                licenses: Vec::new(),
            });
        }
        tx.rollback().await?;
        let shared = state
            .org
            .relation_of(&actor.view)
            .is_external()
            .then_some(state.org.settings.share_with_external_admins);
        Ok(PeoplePage { items, shared })
    }

    /// The orgs a person may act in: their home org and every org where they hold a grant.
    pub async fn orgs_of(&self, email: &str) -> Result<Vec<rolehub_domain::OrgView>, ServiceError> {
        let mut conn = self.db.pool.acquire().await?;
        let p = super::person(&mut conn, email).await?;
        directory::orgs_of(&mut conn, &p).await
    }
}

impl Service {
    /// A person of the org (a user of it or a holder of a grant in it), for an actor who holds a
    /// grant there or is a user of it: role editors name the person they change this way. People of
    /// other orgs are not found.
    pub async fn person_in_org(
        &self,
        ctx: &Ctx,
        id: &str,
    ) -> Result<crate::load::PersonRecord, ServiceError> {
        let mut conn = self.db.pool.acquire().await?;
        let actor = actor(&mut conn, ctx).await?;
        let holds_grant = |conn_person: &str| {
            sqlx::query("SELECT COUNT(*) AS n FROM grants WHERE org_id = $1 AND person_id = $2")
                .bind(ctx.org.clone())
                .bind(conn_person.to_string())
        };
        use sqlx::Row;
        let actor_grants: i64 = holds_grant(&actor.view.id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
        if actor.view.home_org != ctx.org && actor_grants == 0 {
            return Err(ServiceError::not_found("organization", ctx.org.clone()));
        }
        let target = load::person_by_id(&mut conn, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("person", id))?;
        let target_grants: i64 = holds_grant(&target.view.id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
        if target.view.home_org != ctx.org && target_grants == 0 {
            return Err(ServiceError::not_found("person", id));
        }
        Ok(target)
    }
}

impl Service {
    /// A person of the org with their grants there (no licenses), for role editors who may not read
    /// users but may change some roles (site administrators, Events administrators, CCSAs).
    pub async fn person_roles_in_org(
        &self,
        ctx: &Ctx,
        id: &str,
    ) -> Result<directory::PersonSummary, ServiceError> {
        let person = self.person_in_org(ctx, id).await?;
        let mut conn = self.db.pool.acquire().await?;
        let grants = self.grants_in(&mut conn, &person.view.id, &ctx.org).await?;
        Ok(directory::PersonSummary {
            person,
            grants,
            licenses: Vec::new(),
        })
    }
}
