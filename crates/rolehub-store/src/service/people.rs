//! Reading people as an administrator sees them: who may list whom, and what is masked.

use rolehub_domain::{Area, Level, Role, ShareSet, SharedField, Status, Target};

use super::{Ctx, Service};
use crate::directory::{self, PeopleFilter, PersonSummary};
use crate::error::{ServiceError, Thing};
use crate::load;
use crate::op::OrgRead;

/// Which people to list.
#[derive(Clone, Debug, Default)]
pub struct PeopleQuery {
    /// Exact email.
    pub email: Option<String>,
    /// Display name prefix (case-insensitive).
    pub display_name: Option<String>,
    /// Only these person ids.
    pub ids: Vec<String>,
    /// Only holders of one of these roles in the org (internal and external) (R-LIST-1).
    pub roles: Vec<Role>,
    /// Only users at this location.
    pub location: Option<String>,
    /// Only users with this status.
    pub status: Option<Status>,
    /// Keyset cursor: the id of the last person of the previous page.
    pub after: Option<String>,
    /// Page size (1 to 1000).
    pub limit: i64,
}

/// A page of people, masked for the viewer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeoplePage {
    /// The people, with withheld fields masked (R-EXT-10).
    pub items: Vec<PersonSummary>,
    /// For external viewers, the fields the org shares (R-EXT-10); the rest is masked.
    pub shared: Option<ShareSet>,
    /// Whether more follow after the last.
    pub more: bool,
}

impl Service {
    /// Lists people of the org (needs read on `users`; a location administrator names one of their
    /// locations). Withheld fields can be neither seen nor searched by external viewers (R-EXT-10).
    pub async fn list_people(
        &self,
        ctx: &Ctx,
        query: &PeopleQuery,
    ) -> Result<PeoplePage, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        let target = query
            .location
            .as_deref()
            .map_or(Target::Org, Target::Location);
        read.principal()
            .decide(Area::Users, Level::Read, target)
            .into_result()?;
        let mask = read.mask();
        // R-EXT-10: withheld fields cannot be searched either, or they could be recovered by
        // trying.
        if query.email.is_some() {
            mask.refuse_key(SharedField::Email)?;
        }
        if query.display_name.is_some() {
            mask.refuse_key(SharedField::Name)?;
        }
        if query.location.is_some() {
            mask.refuse_key(SharedField::Location)?;
        }
        // The cursor names the last person of the page by id, never by a (possibly withheld)
        // email.
        // A cursor naming nobody (a person since removed, or one never given out) has nothing
        // after it: an empty last page, as when paging past the end.
        let after = match &query.after {
            Some(id) => match load::person_by_id(&mut read.tx, id).await? {
                Some(p) => Some(p.view.email),
                None => {
                    read.close().await?;
                    return Ok(PeoplePage {
                        items: Vec::new(),
                        shared: mask.shared,
                        more: false,
                    });
                }
            },
            None => None,
        };
        let limit = query.limit.clamp(1, 1000);
        let mut items = directory::people(
            &mut read.tx,
            &PeopleFilter {
                org: ctx.org.clone(),
                email: query.email.clone(),
                display_name: query.display_name.clone(),
                ids: query.ids.clone(),
                roles: query.roles.clone(),
                location: query.location.clone(),
                status: query.status,
                after,
                limit: limit + 1,
                // R-EXT-7 in the query: a page of holders is a full page of holders in effect.
                in_effect_at: Some((
                    ctx.now,
                    rolehub_domain::Grant::external_readonly_cutoff(
                        &read.state.org.settings,
                        ctx.now,
                    ),
                )),
            },
            Some(&*read.state),
        )
        .await?;
        let more = items.len() as i64 > limit;
        items.truncate(limit as usize);
        if ccsa_only(&read) {
            for item in &mut items {
                only_ccsa_grants(item);
            }
        }
        if !query.roles.is_empty() {
            // R-LIST-1 with R-EXT-7: a role filter lists holders of a grant in effect, not of an
            // expired one.
            let org = &read.state.org;
            items.retain(|p| {
                p.grants.iter().any(|g| {
                    query.roles.contains(&g.role)
                        && !g.is_expired(org.relation_of(&p.person.view), &org.settings, ctx.now)
                })
            });
        }
        for item in &mut items {
            in_effect(&read.state.org, item, ctx.now);
            mask.person(&mut item.person);
        }
        read.close().await?;
        Ok(PeoplePage {
            items,
            shared: mask.shared,
            more,
        })
    }

    /// One person of the org (a user of it or a holder of a grant in it), named by id or email.
    /// Everyone may read themselves; others need read on `users`. People of other orgs are not
    /// found.
    pub async fn get_person(&self, ctx: &Ctx, key: &str) -> Result<PersonSummary, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        let mask = read.mask();
        if key.contains('@') {
            mask.refuse_key(SharedField::Email)?;
        }
        let target = load::person_by_key(&mut read.tx, key)
            .await?
            .filter(|t| t.view.home_org == ctx.org || !read.state.grants_of(&t.view.id).is_empty())
            .ok_or_else(|| ServiceError::not_found(Thing::Person, key))?;
        if target.view.id != read.actor.view.id {
            let location = target
                .location
                .as_deref()
                .map_or(Target::Org, Target::Location);
            read.principal()
                .decide(Area::Users, Level::Read, location)
                .into_result()?;
        }
        let mut summary = summary_of(&mut read, target).await?;
        if ccsa_only(&read) && summary.person.view.id != read.actor.view.id {
            only_ccsa_grants(&mut summary);
        }
        in_effect(&read.state.org, &mut summary, ctx.now);
        mask.person(&mut summary.person);
        read.close().await?;
        Ok(summary)
    }

    /// A person of the org with their grants there (no licenses), for role editors who may not read
    /// users but may change some roles (site administrators, Events administrators, CCSAs): anyone
    /// who holds a grant in the org or is a user of it finds the people of the org this way. A CCSA
    /// viewer sees CCSA grants only (R-CCSA-9), as on a user's page.
    pub async fn person_roles_in_org(
        &self,
        ctx: &Ctx,
        key: &str,
    ) -> Result<PersonSummary, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        let actor_grants = read.state.grants_of(&read.actor.view.id).len();
        if read.actor.view.home_org != ctx.org && actor_grants == 0 {
            return Err(ServiceError::not_found(
                Thing::Organization,
                ctx.org.clone(),
            ));
        }
        let mask = read.mask();
        if key.contains('@') {
            mask.refuse_key(SharedField::Email)?;
        }
        let mut target = load::person_by_key(&mut read.tx, key)
            .await?
            .filter(|t| t.view.home_org == ctx.org || !read.state.grants_of(&t.view.id).is_empty())
            .ok_or_else(|| ServiceError::not_found(Thing::Person, key))?;
        let mut summary = PersonSummary {
            external: target.view.home_org != ctx.org,
            expired: Vec::new(),
            grants: read.state.grants_of(&target.view.id).to_vec(),
            person: target.clone(),
            licenses: Vec::new(),
        };
        if ccsa_only(&read) && summary.person.view.id != read.actor.view.id {
            only_ccsa_grants(&mut summary);
        }
        in_effect(&read.state.org, &mut summary, ctx.now);
        mask.person(&mut target);
        summary.person = target;
        read.close().await?;
        Ok(summary)
    }

    /// The orgs the actor may act in: their home org and every org where they hold a grant.
    pub async fn orgs_of(&self, ctx: &Ctx) -> Result<Vec<rolehub_domain::OrgView>, ServiceError> {
        let mut conn = self.conn().await?;
        let p = super::actor(&mut conn, ctx).await?;
        directory::orgs_of(&mut conn, &p).await
    }
}

/// A person with their grants and licenses in the org read.
async fn summary_of(
    read: &mut OrgRead<'_>,
    person: load::PersonRecord,
) -> Result<PersonSummary, ServiceError> {
    let filter = PeopleFilter {
        org: read.ctx.org.clone(),
        ids: vec![person.view.id.clone()],
        limit: 1,
        ..PeopleFilter::default()
    };
    let mut items = directory::people(&mut read.tx, &filter, Some(&*read.state)).await?;
    Ok(match items.pop() {
        Some(found) => found,
        // A holder of a grant who is not a user of the org.
        None => PersonSummary {
            external: person.view.home_org != read.ctx.org,
            expired: Vec::new(),
            grants: read.state.grants_of(&person.view.id).to_vec(),
            person,
            licenses: Vec::new(),
        },
    })
}

/// Keeps among `grants` those in effect or waiting for a sign-in, and moves expired ones to
/// `expired`: an expired grant is no role any more (R-EXT-7), but stays on record.
fn in_effect(
    org: &rolehub_domain::OrgView,
    summary: &mut PersonSummary,
    now: rolehub_domain::Timestamp,
) {
    let relation = org.relation_of(&summary.person.view);
    let (expired, current): (Vec<_>, Vec<_>) = std::mem::take(&mut summary.grants)
        .into_iter()
        .partition(|g| g.is_expired(relation, &org.settings, now));
    summary.grants = current;
    summary.expired = expired;
}

/// R-CCSA-9: a viewer who reads roles only through the Contact Center service administrator role
/// sees the roles of Contact Center service administrators and no other, in the users list and on
/// a user's page as in the administrators lists.
pub(crate) fn ccsa_only(read: &OrgRead<'_>) -> bool {
    sees_ccsa_only(&read.principal())
}

/// Whether a principal reads roles through the CCSA role alone (R-CCSA-9).
pub(crate) fn sees_ccsa_only(principal: &rolehub_domain::ops::Principal<'_>) -> bool {
    principal.decide(Area::Roles, Level::Read, Target::Org).via == Some(Role::CcServiceAdmin)
}

/// Leaves a person's Contact Center service administrator grants only (R-CCSA-9).
fn only_ccsa_grants(p: &mut PersonSummary) {
    p.grants.retain(|g| g.role == Role::CcServiceAdmin);
    p.expired.retain(|g| g.role == Role::CcServiceAdmin);
}
