//! Names of things a page shows instead of their ids.

use super::{Ctx, Service};
use crate::error::ServiceError;
use crate::op::OrgRead;
use crate::{directory, Thing};

impl Service {
    /// The name of a person's home org, for their page in the org acted in: a user of the org, or
    /// an external administrator of it (whose org the org's administrators know from the email
    /// check, R-EXT-1). Anyone else is not found, as on their page.
    pub async fn home_org_name(&self, ctx: &Ctx, key: &str) -> Result<String, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        let person = super::person(&mut read.tx, key).await?;
        let home = person.view.home_org.clone();
        let visible = home == ctx.org || !read.state.grants_of(&person.view.id).is_empty();
        if !visible {
            read.close().await?;
            return Err(ServiceError::not_found(Thing::Person, key));
        }
        let name = directory::org_name(&mut read.tx, &home).await?;
        read.close().await?;
        Ok(name.unwrap_or(home))
    }
}
