//! The users of a Meetings site, as the people whose roles reach that site see them (R-SITE-2).
//!
//! Who is a user of a site is Control Hub's answer: the org's users who hold the site's host
//! license (`meetings_host:<site>`; a site role gives no host rights, R-SITE-4) and everyone who
//! holds a role on the site (a site role, or meeting content administrator there), internal or
//! external. Org-wide roles are not listed per site: they reach every Control Hub-managed site.

use rolehub_domain::{Area, Grant, Level, Role, ShareSet, SharedField, Target};

use super::{Ctx, Service};
use crate::directory::{self, SiteFilter};
use crate::error::{ServiceError, Thing};
use crate::load::{self, PersonRecord};
use crate::op::OrgRead;

/// Which users of a site to list.
#[derive(Clone, Debug, Default)]
pub struct SiteUsersQuery {
    /// The site's URL (any case).
    pub site: String,
    /// Exact email.
    pub email: Option<String>,
    /// Display name prefix (case-insensitive).
    pub display_name: Option<String>,
    /// Keyset cursor: the id of the last person of the previous page.
    pub after: Option<String>,
    /// Page size (1 to 1000).
    pub limit: i64,
}

/// A role held on the site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteRoleHeld {
    /// The grant.
    pub grant: Grant,
    /// Whether it waits for its holder's sign-in (R-SITE-3).
    pub waiting_for_sign_in: bool,
}

/// A user of a site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteUser {
    /// The person, with withheld fields masked (R-EXT-10).
    pub person: PersonRecord,
    /// Whether they are an external administrator of the org.
    pub external: bool,
    /// Whether they hold the site's host license (R-SITE-4).
    pub host: bool,
    /// Their roles on the site, in catalogue order.
    pub roles: Vec<SiteRoleHeld>,
}

/// A page of a site's users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteUsersPage {
    /// The site's URL, as the org spells it.
    pub site: String,
    /// The users, sorted by email.
    pub items: Vec<SiteUser>,
    /// For external viewers, the fields the org shares (R-EXT-10); the rest is masked.
    pub shared: Option<ShareSet>,
    /// Whether more follow after the last.
    pub more: bool,
}

impl Service {
    /// The users of one Control Hub-managed site of the org, a page at a time, with the roles each
    /// holds there. Needs read on `site_users` for that site: a site role reaches its own site
    /// (R-SITE-2) once its holder has signed in after the grant (R-SITE-3); full and read-only
    /// administrators reach every Control Hub-managed site; a site managed in Site Administration
    /// is out of reach (R-SITE-2). Withheld fields can be neither seen nor searched by external
    /// viewers (R-EXT-10).
    pub async fn site_users(
        &self,
        ctx: &Ctx,
        query: &SiteUsersQuery,
    ) -> Result<SiteUsersPage, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        read.principal()
            .decide(Area::SiteUsers, Level::Read, Target::Site(&query.site))
            .into_result()?;
        // INVARIANT: the decision above refuses a site the org does not have (R-SITE-2).
        let site = read
            .state
            .org
            .site(&query.site)
            .map(|s| s.url.clone())
            .ok_or_else(|| ServiceError::not_found(Thing::Site, query.site.clone()))?;
        let mask = read.mask();
        // R-EXT-10: withheld fields cannot be searched either.
        if query.email.is_some() {
            mask.refuse_key(SharedField::Email)?;
        }
        if query.display_name.is_some() {
            mask.refuse_key(SharedField::Name)?;
        }
        // The cursor names the last person of the page by id, never by a (possibly withheld)
        // email; a cursor naming nobody has nothing after it.
        let after = match &query.after {
            Some(id) => match load::person_by_id(&mut read.tx, id).await? {
                Some(p) => Some(p.view.email),
                None => {
                    read.close().await?;
                    return Ok(SiteUsersPage {
                        site,
                        items: Vec::new(),
                        shared: mask.shared,
                        more: false,
                    });
                }
            },
            None => None,
        };
        let limit = query.limit.clamp(1, 1000);
        let mut found = directory::site_people(
            &mut read.tx,
            &SiteFilter {
                org: ctx.org.clone(),
                site: site.clone(),
                email: query.email.clone(),
                display_name: query.display_name.clone(),
                after,
                limit: limit + 1,
                now: ctx.now,
            },
        )
        .await?;
        let more = found.len() as i64 > limit;
        found.truncate(limit as usize);
        let org = &read.state.org;
        let items = found
            .into_iter()
            .map(|(mut person, host)| {
                let relation = org.relation_of(&person.view);
                let mut roles: Vec<SiteRoleHeld> = read
                    .state
                    .grants_of(&person.view.id)
                    .iter()
                    .filter(|g| {
                        g.scope.site() == Some(site.as_str())
                            && !g.is_expired(relation, &org.settings, ctx.now)
                    })
                    .map(|g| SiteRoleHeld {
                        waiting_for_sign_in: !rolehub_domain::decision::signed_in_since(
                            &person.view,
                            g,
                        ),
                        grant: g.clone(),
                    })
                    .collect();
                roles.sort_by_key(|r| r.grant.role);
                let external = person.view.home_org != ctx.org;
                mask.person(&mut person);
                SiteUser {
                    person,
                    external,
                    host,
                    roles,
                }
            })
            .collect();
        read.close().await?;
        Ok(SiteUsersPage {
            site,
            items,
            shared: mask.shared,
            more,
        })
    }
}

/// The site roles, in catalogue order: what a site administrator gives on their site (R-SITE-6).
pub const SITE_ROLES: [Role; 4] = [
    Role::SiteAdmin,
    Role::SiteUserAdmin,
    Role::SiteReadonlyAdmin,
    Role::MeetingContentAdmin,
];
