//! Who holds the Webex Events administrator role, for the console's Events page.
//!
//! R-EVT-1 lets an Events administrator give and take `events_admin` for others in the org, yet
//! the matrix gives them no read of the org's administrators: to know whom they would take it
//! from, they see the role's holders, and no one else's roles.

use rolehub_domain::ops::{self, ListView};
use rolehub_domain::Role;

use super::admins::{admin_rows, AdminList};
use super::{Ctx, Service};
use crate::error::ServiceError;
use crate::op::OrgRead;

impl Service {
    /// The holders of `events_admin` in the org, as the administrators list shows them (R-EXT-10
    /// masking for external readers), each with that grant only. Readers of the org's
    /// administrators see them as they would there (R-LIST-1, R-CCSA-9); an Events administrator
    /// sees them by R-EVT-1; anyone else is refused as the administrators list refuses them.
    pub async fn events_admins(&self, ctx: &Ctx) -> Result<AdminList, ServiceError> {
        let read = OrgRead::open(self, ctx).await?;
        let principal = read.principal();
        let view = ops::check_list_admins(&principal, false).or_else(|refusal| {
            if principal.holds_in_effect(Role::EventsAdmin) {
                let relation = principal.org.relation_of(principal.person);
                Ok(ListView {
                    ccsa_only: false,
                    shared: relation
                        .is_external()
                        .then_some(principal.org.settings.share_with_external_admins),
                })
            } else {
                Err(refusal)
            }
        });
        let list = view.map(|view| {
            let mut list = admin_rows(&read.state, view, &[Role::EventsAdmin], None, ctx.now);
            for row in &mut list.rows {
                row.grants.retain(|g| g.role == Role::EventsAdmin);
            }
            list
        });
        read.close().await?;
        Ok(list?)
    }
}
