//! The org's own facts as administrators read them: details, sites, locations, licenses,
//! subscriptions, settings and the health of the services — each decided through the matrix
//! like every other read.

use rolehub_domain::ops::Principal;
use rolehub_domain::{Area, Level, OrgView, Refusal, Role, Settings, Site, Target};

use super::{Ctx, Service};
use crate::directory::{self, LicenseUsage, Subscription};
use crate::error::ServiceError;
use crate::op::OrgRead;

/// An org as its administrators see it.
pub type OrgDetails = OrgView;

/// The status of what the service depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    /// The database answers.
    pub database: bool,
    /// The org's audit chain verifies.
    pub audit_intact: bool,
    /// Invitations waiting for the mail relay.
    pub mail_queued: usize,
}

/// Whether the principal administers the org at all: some grant of theirs is in effect (or waits
/// only for their sign-in). The refusal otherwise is the one `decide` gives for the account page,
/// which names what stands in the way (R-AUTH-3, R-EXT-7, R-EXT-9, R-AUTH-1, R-PERM-1).
fn administers(p: &Principal<'_>) -> Result<(), Refusal> {
    let relation = p.org.relation_of(p.person);
    let any = p.person.status != rolehub_domain::Status::Inactive
        && p.grants.iter().any(|g| {
            !g.is_expired(relation, &p.org.settings, p.now)
                && rolehub_domain::grant_works_for_relation(g.role, relation)
        });
    if any {
        Ok(())
    } else {
        p.decide(Area::Account, Level::Read, Target::Org)
            .into_result()
            .map(|_| ())
    }
}

impl Service {
    /// The org's details, for anyone who administers it.
    pub async fn org(&self, ctx: &Ctx) -> Result<OrgDetails, ServiceError> {
        let read = OrgRead::open(self, ctx).await?;
        administers(&read.principal())?;
        let org = read.state.org.clone();
        read.close().await?;
        Ok(org)
    }

    /// The orgs the actor administers: where some grant of theirs is in effect.
    pub async fn administered_orgs(&self, ctx: &Ctx) -> Result<Vec<OrgDetails>, ServiceError> {
        let mut out = Vec::new();
        for org in self.orgs_of(ctx).await? {
            match self.org(&ctx.in_org(org.id.clone())).await {
                Ok(details) => out.push(details),
                Err(ServiceError::Refused(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The org's settings (read on `org_settings`).
    pub async fn settings(&self, ctx: &Ctx) -> Result<Settings, ServiceError> {
        let read = OrgRead::open(self, ctx).await?;
        read.principal()
            .decide(Area::OrgSettings, Level::Read, Target::Org)
            .into_result()?;
        let settings = read.state.org.settings;
        read.close().await?;
        Ok(settings)
    }

    /// The org's Meetings sites: all of them with read on `sites`; otherwise those the actor
    /// holds a site role on (R-SITE-2).
    pub async fn sites(&self, ctx: &Ctx) -> Result<Vec<Site>, ServiceError> {
        let read = OrgRead::open(self, ctx).await?;
        let p = read.principal();
        let all = p.decide(Area::Sites, Level::Read, Target::Org);
        let sites: Vec<Site> = if all.allowed {
            read.state.org.sites.clone()
        } else {
            administers(&p)?;
            let mine: Vec<Site> = read
                .state
                .org
                .sites
                .iter()
                .filter(|s| {
                    p.grants
                        .iter()
                        .any(|g| g.role.is_site_scoped() && g.scope.site() == Some(&s.url))
                })
                .cloned()
                .collect();
            if mine.is_empty() {
                return Err(all.as_refusal().into());
            }
            mine
        };
        read.close().await?;
        Ok(sites)
    }

    /// The org's locations: all of them with read on `locations` or `users`; a location
    /// administrator's own locations otherwise.
    pub async fn locations(&self, ctx: &Ctx) -> Result<Vec<String>, ServiceError> {
        let read = OrgRead::open(self, ctx).await?;
        let p = read.principal();
        let everything = [Area::Locations, Area::Users]
            .into_iter()
            .map(|area| p.decide(area, Level::Read, Target::Org))
            .find(|d| d.allowed);
        let locations = match everything {
            Some(_) => read.state.org.locations.clone(),
            None if p.holds_in_effect(Role::LocationAdmin) => {
                let mut mine: Vec<String> = p
                    .grants
                    .iter()
                    .filter(|g| g.role == Role::LocationAdmin)
                    .flat_map(|g| g.scope.locations().to_vec())
                    .collect();
                mine.sort();
                mine.dedup();
                mine
            }
            None => {
                return Err(p
                    .decide(Area::Locations, Level::Read, Target::Org)
                    .as_refusal()
                    .into())
            }
        };
        read.close().await?;
        Ok(locations)
    }

    /// License totals and usage (read on `account`, R-CCSA-8).
    pub async fn license_usage(&self, ctx: &Ctx) -> Result<Vec<LicenseUsage>, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        read.principal()
            .decide(Area::Account, Level::Read, Target::Org)
            .into_result()?;
        let usage = directory::license_usage(&mut read.tx, &ctx.org).await?;
        read.close().await?;
        Ok(usage)
    }

    /// The org's subscriptions (read on `account`, R-CCSA-8).
    pub async fn subscriptions(&self, ctx: &Ctx) -> Result<Vec<Subscription>, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        read.principal()
            .decide(Area::Account, Level::Read, Target::Org)
            .into_result()?;
        let subs = directory::subscriptions(&mut read.tx, &ctx.org).await?;
        read.close().await?;
        Ok(subs)
    }

    /// The name of the org's partner, if it has one (read on `account`, R-CCSA-8): the account
    /// page names the partner as people know it, not by its id.
    pub async fn partner_name(&self, ctx: &Ctx) -> Result<Option<String>, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        read.principal()
            .decide(Area::Account, Level::Read, Target::Org)
            .into_result()?;
        let name = match read.state.org.partner.clone() {
            Some(partner) => directory::org_name(&mut read.tx, &partner.org).await?,
            None => None,
        };
        read.close().await?;
        Ok(name)
    }

    /// The status of the platform's services (read on `troubleshooting`, R-CCSA-8).
    pub async fn health(&self, ctx: &Ctx) -> Result<Health, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        read.principal()
            .decide(Area::Troubleshooting, Level::Read, Target::Org)
            .into_result()?;
        let audit_intact = matches!(
            crate::audit::verify(&mut read.tx, Some(&ctx.org)).await,
            Ok(Ok(_))
        );
        read.close().await?;
        let mail_queued = self.mail_queue().unsent(10_000).await?.len();
        Ok(Health {
            database: true,
            audit_intact,
            mail_queued,
        })
    }
}
