//! The administrators list and its CSV export (R-LIST-1, R-CCSA-9, R-EXT-10, R-EXPORT-1..3).

use std::io::Write;

use rolehub_domain::ops::{self, ListView};
use rolehub_domain::{Grant, Lang, OrgState, Role, Scope, SharedField, Status, Timestamp};

use super::{Ctx, Service};
use crate::error::ServiceError;
use crate::op::OrgRead;

/// One administrator as the viewer sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminRow {
    /// Person id.
    pub person_id: String,
    /// The real email (for keys and sorting; not for display to a masked viewer).
    pub email: String,
    /// The name as shown (`***` when masked).
    pub name_shown: String,
    /// The email as shown (`***@domain` when masked).
    pub email_shown: String,
    /// Their grants in the org that have not expired, in catalogue order.
    pub grants: Vec<Grant>,
    /// Whether they are an external administrator.
    pub external: bool,
    /// Their status.
    pub status: Status,
}

/// The administrators list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminList {
    /// The rows, sorted by email.
    pub rows: Vec<AdminRow>,
    /// The fields masked for this viewer (R-EXT-10).
    pub masked: Vec<SharedField>,
    /// Whether only CCSA holders are listed (R-CCSA-9).
    pub ccsa_only: bool,
}

/// The admin roles cell of the export: English names in catalogue order, scopes in parentheses.
pub fn roles_cell(grants: &[Grant]) -> String {
    let mut sorted: Vec<&Grant> = grants.iter().collect();
    sorted.sort_by(|a, b| a.role.cmp(&b.role).then_with(|| a.scope.cmp(&b.scope)));
    sorted
        .iter()
        .map(|g| match &g.scope {
            Scope::Org => g.role.name(Lang::En).to_string(),
            Scope::Site(site) => format!("{} ({site})", g.role.name(Lang::En)),
            Scope::Locations(l) => format!("{} ({})", g.role.name(Lang::En), l.join(", ")),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows of the administrators list for a view, from a loaded org.
pub(crate) fn admin_rows(
    state: &OrgState,
    view: ListView,
    roles: &[Role],
    external: Option<bool>,
    now: Timestamp,
) -> AdminList {
    let mut rows = Vec::new();
    for holder in state.holders() {
        let relation = state.org.relation_of(&holder.person);
        let mut grants: Vec<Grant> = holder
            .grants
            .iter()
            .filter(|g| !g.is_expired(relation, &state.org.settings, now))
            .cloned()
            .collect();
        if grants.is_empty() {
            continue;
        }
        if external.is_some_and(|e| e != relation.is_external()) {
            continue;
        }
        if !roles.is_empty() && !grants.iter().any(|g| roles.contains(&g.role)) {
            continue;
        }
        if view.ccsa_only && !grants.iter().any(|g| g.role == Role::CcServiceAdmin) {
            // R-CCSA-9
            continue;
        }
        grants.sort_by(|a, b| a.role.cmp(&b.role).then_with(|| a.scope.cmp(&b.scope)));
        let p = &holder.person;
        let name = format!("{} {}", p.first, p.last).trim().to_string();
        rows.push(AdminRow {
            person_id: p.id.clone(),
            email: p.email.clone(),
            // R-EXT-10: withheld fields are masked for external viewers.
            name_shown: if view.masks(SharedField::Name) {
                super::masking::HIDDEN.into()
            } else {
                name
            },
            email_shown: if view.masks(SharedField::Email) {
                super::masking::mask_email(&p.email)
            } else {
                p.email.clone()
            },
            grants,
            external: relation.is_external(),
            status: p.status,
        });
    }
    rows.sort_by(|a, b| a.email.cmp(&b.email));
    let masked = [SharedField::Name, SharedField::Email]
        .into_iter()
        .filter(|f| view.masks(*f))
        .collect();
    AdminList {
        rows,
        masked,
        ccsa_only: view.ccsa_only,
    }
}

/// R-EXPORT-3: a cell that a spreadsheet would read as a formula gets a leading `'`.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

impl Service {
    /// The administrators list as the actor sees it (R-LIST-1). `external`: only external (`true`)
    /// or only internal (`false`) administrators. One snapshot (R-EXPORT-2).
    pub async fn list_admins(
        &self,
        ctx: &Ctx,
        roles: &[Role],
        external: Option<bool>,
    ) -> Result<AdminList, ServiceError> {
        let read = OrgRead::open(self, ctx).await?;
        let view = ops::check_list_admins(&read.principal(), external == Some(true));
        let list = view.map(|view| admin_rows(&read.state, view, roles, external, ctx.now));
        read.close().await?;
        Ok(list?)
    }

    /// Writes the administrators CSV (R-EXPORT-1) as the actor sees it: one snapshot (R-EXPORT-2),
    /// filtered by `roles`, neutralised against formulas (R-EXPORT-3). Answers the list written.
    pub async fn export_admins<W: Write>(
        &self,
        ctx: &Ctx,
        roles: &[Role],
        out: W,
    ) -> Result<(AdminList, usize), ServiceError> {
        let list = self.list_admins(ctx, roles, None).await?;
        let n = write_admin_csv(&list, out)?;
        Ok((list, n))
    }
}

/// Writes an administrators list as the R-EXPORT-1 CSV; answers the number of rows.
pub fn write_admin_csv<W: Write>(list: &AdminList, out: W) -> Result<usize, ServiceError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out);
    let io =
        |e: csv::Error| ServiceError::Unavailable(format!("the export could not be written: {e}"));
    writer
        .write_record(["First/Last Name", "User ID/Email", "Admin Roles"])
        .map_err(io)?;
    for row in &list.rows {
        writer
            .write_record([
                neutralise(&row.name_shown),
                neutralise(&row.email_shown),
                neutralise(&roles_cell(&row.grants)),
            ])
            .map_err(io)?;
    }
    writer
        .flush()
        .map_err(|e| ServiceError::Unavailable(format!("the export could not be written: {e}")))?;
    Ok(list.rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_export_3_formula_cells_are_neutralised() {
        assert_eq!(neutralise("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(neutralise("+31 6"), "'+31 6");
        assert_eq!(neutralise("-x"), "'-x");
        assert_eq!(neutralise("@home"), "'@home");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("Alice"), "Alice");
    }

    #[test]
    fn r_export_1_roles_in_catalogue_order_with_scopes() {
        let g = |role, scope| Grant {
            id: String::new(),
            role,
            scope,
            granted_at: Timestamp(0),
            expires_at: None,
        };
        let cell = roles_cell(&[
            g(Role::SiteAdmin, Scope::Site("acme.webex.com".into())),
            g(Role::ReadonlyAdmin, Scope::Org),
            g(Role::FullAdmin, Scope::Org),
        ]);
        assert_eq!(cell, "Full administrator, Read-only administrator, Webex site administrator (acme.webex.com)");
    }
}
