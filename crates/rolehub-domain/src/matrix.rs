//! The permission matrix as data: for every role and access area, the highest level a grant gives.
//!
//! Three tables, as the matrix is organised: roles held by users of the org, site roles (per site),
//! and roles held by external administrators. Each cell carries the matrix's footnote where it has
//! one; [`crate::decision`] reads the footnotes that condition a cell (add-on needed, location scope,
//! sign-in once) and the rules that explain a `–`. A test renders the tables back and compares them
//! with a transcription of the specification (`tests/fixtures/matrix.md`), so the two cannot drift.

use crate::area::{Area, Level};
use crate::role::Role;

/// A footnote of the matrix, where it conditions or explains a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// 1: only for users, devices, Calling and locations in the holder's locations.
    LocationScope = 1,
    /// 2: plus resending the activation invitation to pending users (R-CCSA-8).
    ResendInvite = 2,
    /// 3: role assignment limited to the holder's own role; filtered external list (R-CCSA-6/9, R-EVT-1).
    AssignOwnRoleOnly = 3,
    /// 4: a full admin reaches these areas only by also holding compliance officer.
    ComplianceOfficerOnly = 4,
    /// 5: only together with advanced troubleshooting.
    NeedsTroubleshootingAddOn = 5,
    /// 6: R-CALL-1.
    NoCalling = 6,
    /// 7: R-CC-3.
    NoContactCenter = 7,
    /// 8: only Events administrators open the Events portal.
    EventsAdminOnly = 8,
    /// 9: never for the roles of other external administrators (R-EXT-2).
    NotOtherExternals = 9,
    /// 10: for a partner admin, only what the partner sold.
    PartnerSoldOnly = 10,
    /// 11: only after signing in once after the grant (R-EXT-6).
    AfterSignIn = 11,
}

impl Note {
    /// The superscript the matrix writes the footnote with.
    pub fn superscript(self) -> &'static str {
        match self {
            Note::LocationScope => "¹",
            Note::ResendInvite => "²",
            Note::AssignOwnRoleOnly => "³",
            Note::ComplianceOfficerOnly => "⁴",
            Note::NeedsTroubleshootingAddOn => "⁵",
            Note::NoCalling => "⁶",
            Note::NoContactCenter => "⁷",
            Note::EventsAdminOnly => "⁸",
            Note::NotOtherExternals => "⁹",
            Note::PartnerSoldOnly => "¹⁰",
            Note::AfterSignIn => "¹¹",
        }
    }
}

/// One cell: a level and its footnote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The highest level the grant gives in the area.
    pub level: Level,
    /// The footnote that conditions or explains the cell.
    pub note: Option<Note>,
}

const fn c(level: Level, note: Option<Note>) -> Cell {
    Cell { level, note }
}

const W: Cell = c(Level::Write, None);
const R: Cell = c(Level::Read, None);
const N: Cell = c(Level::None, None);
const fn w(n: Note) -> Cell {
    c(Level::Write, Some(n))
}
const fn r(n: Note) -> Cell {
    c(Level::Read, Some(n))
}
const fn n(n: Note) -> Cell {
    c(Level::None, Some(n))
}

use Note::*;

/// The columns of the table of roles held by users of the org.
pub const INTERNAL_COLUMNS: [Role; 10] = [
    Role::FullAdmin,
    Role::ReadonlyAdmin,
    Role::SupportAdmin,
    Role::UserDeviceAdmin,
    Role::DeviceAdmin,
    Role::ComplianceOfficer,
    Role::LocationAdmin,
    Role::CcServiceAdmin,
    Role::EventsAdmin,
    Role::CallingCdrApi,
];

/// Roles held by users of the org; one row per area in [`Area::ALL`] order.
#[rustfmt::skip]
const INTERNAL: [[Cell; 10]; 33] = [
    //  full          readonly      support       user+device   device        compliance location        ccsa          events        cdr
    [W,             R,            N,            W,            N,            N,         w(LocationScope), r(ResendInvite), N,         N], // users
    [W,             R,            N,            W,            N,            N,         N,             W,            N,            N], // cc_licenses
    [W,             R,            N,            N,            N,            N,         N,             r(AssignOwnRoleOnly), n(AssignOwnRoleOnly), N], // roles
    [W,             R,            N,            W,            W,            N,         w(LocationScope), N,         N,            N], // devices
    [W,             R,            N,            N,            N,            N,         N,             N,            N,            N], // policies
    [R,             R,            R,            N,            N,            N,         N,             N,            N,            N], // analytics
    [W,             R,            W,            N,            N,            N,         N,             R,            N,            N], // troubleshooting
    [W,             R,            N,            W,            N,            N,         N,             R,            N,            N], // licenses
    [R,             R,            N,            R,            N,            N,         N,             R,            N,            N], // account
    [W,             R,            N,            N,            N,            N,         N,             N,            N,            N], // org_settings
    [W,             R,            N,            N,            N,            N,         N,             N,            N,            N], // integrations
    [W,             R,            N,            N,            N,            N,         N,             N,            N,            N], // sites
    [R,             N,            N,            N,            N,            N,         N,             N,            N,            N], // audit_log
    [n(ComplianceOfficerOnly), N, N,            N,            N,            W,         N,             N,            N,            N], // user_content
    [n(ComplianceOfficerOnly), N, N,            N,            N,            W,         N,             N,            N,            N], // legal_hold
    [w(NeedsTroubleshootingAddOn), N, N,        N,            N,            N,         N,             N,            N,            N], // join_meetings
    [r(NeedsTroubleshootingAddOn), r(NeedsTroubleshootingAddOn), r(NeedsTroubleshootingAddOn), N, N, N, N, N,  N,            N], // live_meetings
    [W,             N,            N,            N,            N,            N,         N,             N,            N,            N], // product_emails
    [R,             R,            R,            N,            N,            N,         N,             N,            N,            N], // support_cases
    [R,             R,            R,            N,            N,            N,         N,             N,            N,            N], // support_metrics
    [R,             N,            N,            N,            N,            N,         N,             N,            N,            N], // provisioning_orders
    [W,             R,            N,            N,            N,            N,         w(LocationScope), N,         N,            N], // locations
    [W,             R,            N,            N,            N,            N,         N,             w(AssignOwnRoleOnly), N,    N], // external_admins
    [W,             R,            N,            n(NoCalling), n(NoCalling), N,         w(LocationScope), N,         N,            N], // calling
    [R,             N,            N,            N,            N,            N,         N,             N,            N,            R], // calling_cdr
    [W,             n(NoContactCenter), N,      N,            N,            N,         N,             W,            N,            N], // contact_center
    [n(EventsAdminOnly), N,       N,            N,            N,            N,         N,             N,            W,            N], // events
    [W,             R,            N,            N,            N,            N,         N,             N,            N,            N], // site_users
    [R,             R,            N,            N,            N,            N,         N,             N,            N,            N], // site_analytics
    [W,             R,            N,            N,            N,            N,         N,             N,            N,            N], // site_licenses
    [W,             R,            N,            N,            N,            N,         N,             N,            N,            N], // site_roles
    [W,             R,            N,            N,            N,            N,         N,             N,            N,            N], // site_config
    [N,             N,            N,            N,            N,            N,         N,             N,            N,            N], // site_recordings
];

/// The columns of the site-role table.
pub const SITE_COLUMNS: [Role; 4] = [
    Role::SiteAdmin,
    Role::SiteUserAdmin,
    Role::SiteReadonlyAdmin,
    Role::MeetingContentAdmin,
];

/// Site roles, for the six per-site areas (`site_users` … `site_recordings`).
#[rustfmt::skip]
const SITE: [[Cell; 4]; 6] = [
    // site_admin user_admin readonly content
    [W, W, R, N], // site_users
    [R, R, R, R], // site_analytics
    [W, W, R, N], // site_licenses
    [W, R, R, N], // site_roles
    [W, R, R, N], // site_config
    [N, N, N, W], // site_recordings
];

/// The columns of the table of roles held by external administrators.
pub const EXTERNAL_COLUMNS: [Role; 4] = [
    Role::FullAdmin,
    Role::ReadonlyAdmin,
    Role::ProvisioningAdmin,
    Role::CcServiceAdmin,
];

/// Roles held by external administrators; one row per area in [`Area::ALL`] order.
#[rustfmt::skip]
const EXTERNAL: [[Cell; 4]; 33] = [
    // full                    readonly  provisioning          ccsa
    [W,                        R,        N,                    R], // users
    [W,                        R,        N,                    W], // cc_licenses
    [w(NotOtherExternals),     R,        N,                    r(AssignOwnRoleOnly)], // roles
    [W,                        R,        N,                    N], // devices
    [W,                        R,        N,                    N], // policies
    [R,                        R,        N,                    N], // analytics
    [W,                        R,        w(PartnerSoldOnly),   R], // troubleshooting
    [W,                        R,        w(PartnerSoldOnly),   R], // licenses
    [R,                        R,        R,                    R], // account
    [W,                        R,        N,                    N], // org_settings
    [W,                        R,        N,                    N], // integrations
    [w(PartnerSoldOnly),       N,        w(PartnerSoldOnly),   N], // sites
    [R,                        N,        N,                    N], // audit_log
    [N,                        N,        N,                    N], // user_content
    [N,                        N,        N,                    N], // legal_hold
    [N,                        N,        N,                    N], // join_meetings
    [N,                        N,        N,                    N], // live_meetings
    [N,                        N,        N,                    N], // product_emails
    [R,                        R,        N,                    N], // support_cases
    [R,                        R,        N,                    N], // support_metrics
    [W,                        N,        w(PartnerSoldOnly),   N], // provisioning_orders
    [W,                        R,        W,                    N], // locations
    [R,                        R,        R,                    r(AssignOwnRoleOnly)], // external_admins
    [W,                        R,        N,                    N], // calling
    [N,                        N,        N,                    N], // calling_cdr
    [W,                        R,        W,                    W], // contact_center
    [N,                        N,        N,                    N], // events
    [w(AfterSignIn),           R,        N,                    N], // site_users
    [r(AfterSignIn),           R,        N,                    N], // site_analytics
    [w(AfterSignIn),           R,        N,                    N], // site_licenses
    [w(AfterSignIn),           R,        N,                    N], // site_roles
    [w(AfterSignIn),           R,        N,                    N], // site_config
    [N,                        N,        N,                    N], // site_recordings
];

/// How a grant's holder relates to the org the grant is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// A user of the org.
    Internal,
    /// An administrator from the org's provisioning partner (active sales relationship).
    Partner,
    /// An administrator from any other org.
    OtherOrg,
}

impl Relation {
    /// Partner and other-org administrators are both external.
    pub fn is_external(self) -> bool {
        self != Relation::Internal
    }
}

fn column(columns: &[Role], role: Role) -> Option<usize> {
    columns.iter().position(|&r| r == role)
}

const NO_ACCESS: Cell = N;

/// The cell for a role, held with a relation, in an area. Roles without a column in the table for
/// their relation give no access anywhere: an add-on gives its access through the cells that name it,
/// and a role the catalogue does not let an external hold gives an external nothing.
pub fn cell(role: Role, relation: Relation, area: Area) -> Cell {
    if role.is_site_scoped() {
        if !area.is_site_area() {
            return NO_ACCESS;
        }
        let row = area as usize - Area::SiteUsers as usize;
        return column(&SITE_COLUMNS, role).map_or(NO_ACCESS, |col| SITE[row][col]);
    }
    if relation.is_external() {
        column(&EXTERNAL_COLUMNS, role).map_or(NO_ACCESS, |col| EXTERNAL[area as usize][col])
    } else {
        column(&INTERNAL_COLUMNS, role).map_or(NO_ACCESS, |col| INTERNAL[area as usize][col])
    }
}

/// The highest level any grant can give in an area (read for view-only areas).
pub fn ceiling(area: Area) -> Level {
    if area.is_view_only() {
        Level::Read
    } else {
        Level::Write
    }
}

fn render_cell(cell: Cell) -> String {
    let level = match cell.level {
        Level::Write => "W",
        Level::Read => "R",
        Level::None => "–",
    };
    match cell.note {
        Some(note) => format!("{level} {}", note.superscript()),
        None => level.to_string(),
    }
}

fn render_table(columns: &[Role], areas: &[Area], relation: Relation) -> String {
    let mut out = String::from("| area |");
    for role in columns {
        out.push_str(&format!(" {} |", role.id()));
    }
    out.push('\n');
    for &area in areas {
        out.push_str(&format!("| {} |", area.id()));
        for &role in columns {
            out.push_str(&format!(" {} |", render_cell(cell(role, relation, area))));
        }
        out.push('\n');
    }
    out
}

/// The three tables rendered as Markdown, one row per area, for review and for the drift test.
pub fn render() -> String {
    let site_areas: Vec<Area> = Area::ALL.into_iter().filter(|a| a.is_site_area()).collect();
    format!(
        "## Internal roles\n\n{}\n## Site roles\n\n{}\n## External roles\n\n{}",
        render_table(&INTERNAL_COLUMNS, &Area::ALL, Relation::Internal),
        render_table(&SITE_COLUMNS, &site_areas, Relation::Internal),
        render_table(&EXTERNAL_COLUMNS, &Area::ALL, Relation::OtherOrg),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The encoded tables must say exactly what the specification's tables say.
    #[test]
    fn r_perm_1_matrix_matches_the_specification() {
        let expected = include_str!("../tests/fixtures/matrix.md");
        let rendered = render();
        for (i, (got, want)) in rendered.lines().zip(expected.lines()).enumerate() {
            assert_eq!(got, want, "line {} of the rendered matrix differs", i + 1);
        }
        assert_eq!(rendered.lines().count(), expected.lines().count());
    }

    #[test]
    fn no_cell_exceeds_the_area_ceiling() {
        for area in Area::ALL {
            for role in Role::ALL {
                for relation in [Relation::Internal, Relation::Partner, Relation::OtherOrg] {
                    assert!(
                        cell(role, relation, area).level <= ceiling(area),
                        "{role} {area}"
                    );
                }
            }
        }
    }

    #[test]
    fn r_call_1_device_roles_give_no_calling() {
        assert_eq!(
            cell(Role::UserDeviceAdmin, Relation::Internal, Area::Calling).level,
            Level::None
        );
        assert_eq!(
            cell(Role::DeviceAdmin, Relation::Internal, Area::Calling).level,
            Level::None
        );
    }

    #[test]
    fn r_cdr_1_cdr_role_reads_call_history_only() {
        for area in Area::ALL {
            let want = if area == Area::CallingCdr {
                Level::Read
            } else {
                Level::None
            };
            assert_eq!(
                cell(Role::CallingCdrApi, Relation::Internal, area).level,
                want,
                "{area}"
            );
        }
    }
}
