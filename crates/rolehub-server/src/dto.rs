//! The API's JSON shapes, in the Webex admin API's style: camelCase, absent rather than null.

use rolehub_domain::{Grant, Lang, OrgView, Role, Scope, Timestamp, Warning};
use rolehub_store::ChangeOutcome;
use rolehub_store::PersonSummary;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A list answer.
#[derive(Serialize, ToSchema)]
pub struct Items<T: ToSchema> {
    /// The items of this page.
    pub items: Vec<T>,
}

/// A person as an administrator sees them.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// Id (absent only from a dry run's answer: nothing was created, so nothing can be looked up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Email addresses (one).
    pub emails: Vec<String>,
    /// Display name.
    pub display_name: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Home org.
    pub org_id: String,
    /// `active`, `pending` or `inactive`.
    pub status: String,
    /// Location id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// Role ids held in the org acted in (not expired), with scopes as `role@site` or `role@loc1+loc2`.
    pub roles: Vec<String>,
    /// The admin roles as a comma list, or `None` (R-LIST-2).
    pub admin_roles: String,
    /// Licenses held.
    pub licenses: Vec<String>,
    /// Whether they are an external administrator of the org acted in.
    pub external: bool,
    /// Last interactive sign-in to the admin console.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_sign_in: Option<String>,
    /// The same, under Webex's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_activity: Option<String>,
    /// When the user was added (absent from a dry run's answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Whether they have yet to accept their invitation (`pending`).
    pub invite_pending: bool,
    /// Whether they may sign in (not `inactive`).
    pub login_enabled: bool,
    /// Always `person`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// The R-LIST-2 summary of roles.
pub fn roles_summary(grants: &[Grant], lang: Lang) -> String {
    if grants.is_empty() {
        return match lang {
            Lang::En => "None".into(),
            Lang::Nl => "Geen".into(),
        };
    }
    let mut names: Vec<(Role, String)> = grants
        .iter()
        .map(|g| {
            let name = g.role.name(lang);
            let label = match &g.scope {
                Scope::Org => name.to_string(),
                Scope::Site(s) => format!("{name} ({s})"),
                Scope::Locations(l) => format!("{name} ({})", l.join(", ")),
            };
            (g.role, label)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|(_, n)| n)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Person {
    /// The answer of a dry run that would add this person: no id, no time of creation.
    pub fn preview(mut self) -> Person {
        self.id = None;
        self.created = None;
        self
    }

    /// A person as the service showed them to the caller (withheld fields already masked,
    /// R-EXT-10; expired grants already set apart, R-EXT-7).
    pub fn from_summary(p: &PersonSummary, lang: Lang) -> Person {
        let v = &p.person.view;
        Person {
            id: Some(v.id.clone()),
            emails: vec![v.email.clone()],
            display_name: p.person.display_name.clone(),
            first_name: v.first.clone(),
            last_name: v.last.clone(),
            org_id: v.home_org.clone(),
            status: v.status.id().into(),
            location_id: p.person.location.clone(),
            roles: p.grants.iter().map(Grant::label).collect(),
            admin_roles: roles_summary(&p.grants, lang),
            licenses: p.licenses.clone(),
            external: p.external,
            last_sign_in: v.signed_in_at.map(|t| t.to_iso()),
            last_activity: v.signed_in_at.map(|t| t.to_iso()),
            created: Some(p.person.created_at.to_iso()),
            invite_pending: v.status == rolehub_domain::Status::Pending,
            login_enabled: v.status != rolehub_domain::Status::Inactive,
            kind: "person".into(),
        }
    }
}

/// A new user (the Webex `POST /people` body; fields Rolehub does not keep are refused by name).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPerson {
    /// Email addresses: exactly one.
    pub emails: Vec<String>,
    /// Display name (default: first and last name).
    pub display_name: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Location id.
    pub location_id: Option<String>,
    /// The org (default: the caller's, or the query's `orgId`).
    pub org_id: Option<String>,
    /// Roles to assign at once (grant labels, as a person's `roles` show them): adding gives no
    /// role (R-NEW-1), so these are the caller's assignments, under the assignment rules, in the
    /// same change; one refused refuses the whole.
    pub roles: Option<Vec<String>>,
    /// Licenses to give at once, under the license rules (R-LIC-1, R-CCSA-2).
    pub licenses: Option<Vec<String>>,
}

/// A full replacement of a user's editable fields (like Webex's `PUT /people/{id}`): a field left
/// out keeps its value.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonUpdate {
    /// Email addresses: the user's own (the email is their key and is not changed here).
    pub emails: Option<Vec<String>>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// `active` or `inactive`.
    pub status: Option<String>,
    /// Location id.
    pub location_id: Option<String>,
    /// The org (default: the caller's, or the query's `orgId`).
    pub org_id: Option<String>,
    /// Every role the user should hold in the org afterwards (`full_admin`,
    /// `site_admin@acme.webex.com`, `location_admin@ams+rtm`): one set of role changes under the
    /// same rules, refused as a whole when a rule refuses one.
    pub roles: Option<Vec<String>>,
    /// Every license the user should hold afterwards.
    pub licenses: Option<Vec<String>>,
}

/// A role of the catalogue.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleInfo {
    /// Id, e.g. `full_admin`.
    pub id: String,
    /// English name.
    pub name: String,
    /// Dutch name.
    pub name_nl: String,
    /// `org`, `site` or `locations`.
    pub scope: String,
    /// Whether it works only beside another role.
    pub add_on: bool,
    /// Who may hold it: `internal`, `otherOrg`, `partner`.
    pub holders: Vec<String>,
}

impl RoleInfo {
    /// The catalogue entry of a role.
    pub fn of(role: Role) -> RoleInfo {
        let mut holders = Vec::new();
        if role.internal_may_hold() {
            holders.push("internal".to_string());
        }
        if role.other_org_may_hold() {
            holders.push("otherOrg".into());
        }
        if role.partner_may_hold() {
            holders.push("partner".into());
        }
        RoleInfo {
            id: role.id().into(),
            name: role.name(Lang::En).into(),
            name_nl: role.name(Lang::Nl).into(),
            scope: match role.scope_kind() {
                rolehub_domain::ScopeKind::Org => "org",
                rolehub_domain::ScopeKind::Site => "site",
                rolehub_domain::ScopeKind::Locations => "locations",
            }
            .into(),
            add_on: role.is_add_on(),
            holders,
        }
    }
}

/// A role assignment (a grant).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// Id.
    pub id: String,
    /// The org it applies in.
    pub org_id: String,
    /// The holder.
    pub person_id: String,
    /// The holder's email (masked for external viewers where the org withholds it).
    pub person_email: String,
    /// The role.
    pub role_id: String,
    /// The role's name in the caller's language.
    pub role_name: String,
    /// The site, for site roles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_url: Option<String>,
    /// The locations, for the location role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_ids: Option<Vec<String>>,
    /// When it was given.
    pub created: String,
    /// When it ends, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Whether the holder is external.
    pub external: bool,
    /// Whether it waits for its holder to sign in once (R-SITE-3, R-EXT-6).
    pub waiting_for_sign_in: bool,
}

/// A new role assignment.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewRoleAssignment {
    /// The person, by id…
    pub person_id: Option<String>,
    /// …or by email.
    pub person_email: Option<String>,
    /// The role id.
    pub role_id: String,
    /// The site, for site roles.
    pub site_url: Option<String>,
    /// The locations, for the location role.
    pub location_ids: Option<Vec<String>>,
    /// An end (ISO-8601).
    pub expires: Option<String>,
    /// The org (default: the caller's).
    pub org_id: Option<String>,
}

/// A warning of a change.
#[derive(Serialize, ToSchema)]
pub struct WarningItem {
    /// The code, e.g. `single_full_admin`.
    pub code: String,
    /// For a person.
    pub message: String,
}

/// What a role change did (or, in a dry run, would do).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeResult {
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// The grant added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<String>,
    /// The id of the role assignment added (not in a dry run): `DELETE /v1/roleAssignments/{id}` revokes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment_id: Option<String>,
    /// Every grant removed: the one revoked and the side effects (R-ORG-1, R-EXT-4, R-MCA-1, R-ATA-1).
    pub removed: Vec<String>,
    /// Warnings, e.g. `single_full_admin` (R-ASSIGN-3).
    pub warnings: Vec<WarningItem>,
}

impl ChangeResult {
    /// The API form of a change outcome.
    pub fn of(outcome: &ChangeOutcome, dry_run: bool, lang: Lang) -> ChangeResult {
        ChangeResult {
            dry_run,
            added: outcome.added.clone(),
            assignment_id: outcome.added_id.clone(),
            removed: outcome.removed.clone(),
            warnings: outcome.warnings.iter().map(|w| warning(*w, lang)).collect(),
        }
    }
}

/// A warning in the API's form.
pub fn warning(w: Warning, lang: Lang) -> WarningItem {
    WarningItem {
        code: w.code().into(),
        message: w.message(lang).into(),
    }
}

/// An organization.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Id.
    pub id: String,
    /// Name.
    pub display_name: String,
    /// `standard`, `self_signup` or `consumer`.
    pub kind: String,
    /// The partner that manages its subscription.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_org_id: Option<String>,
    /// `active` or `ended`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_status: Option<String>,
    /// Contact Center enabled.
    pub contact_center: bool,
    /// Contact Center chat set up.
    pub contact_center_chat: bool,
    /// Calling enabled.
    pub calling: bool,
    /// Events enabled.
    pub events: bool,
}

impl Organization {
    /// The API form of an org.
    pub fn of(o: &OrgView) -> Organization {
        Organization {
            id: o.id.clone(),
            display_name: o.name.clone(),
            kind: o.kind.id().into(),
            partner_org_id: o.partner.as_ref().map(|p| p.org.clone()),
            partner_status: o.partner.as_ref().map(|p| {
                if p.active {
                    "active".into()
                } else {
                    "ended".into()
                }
            }),
            contact_center: o.contact_center.enabled,
            contact_center_chat: o.contact_center.chat_configured,
            calling: o.calling,
            events: o.events,
        }
    }
}

/// An org's settings.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgSettings {
    /// How long external read-only access lives, in days (R-EXT-7).
    #[serde(default, deserialize_with = "crate::extract::present_whole_number")]
    pub external_readonly_ttl_days: Option<i64>,
    /// The user data shared with external administrators (R-EXT-10): `name`, `email`, `phone`, `location`.
    #[serde(default, deserialize_with = "crate::extract::present_list")]
    pub share_with_external_admins: Option<Vec<String>>,
}

/// A Meetings site.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SiteInfo {
    /// URL.
    pub url: String,
    /// `control_hub` or `site_admin`.
    pub managed_by: String,
}

/// A location.
#[derive(Serialize, ToSchema)]
pub struct LocationInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// A license type of an org with its units.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LicenseInfo {
    /// License id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Units over all subscriptions.
    pub total_units: i64,
    /// Units in use.
    pub consumed_units: i64,
    /// The Meetings site, for a host license.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_url: Option<String>,
}

/// A subscription.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionInfo {
    /// Id.
    pub id: String,
    /// The partner that sold it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_org_id: Option<String>,
    /// Trial or paid.
    pub trial: bool,
    /// Created.
    pub created: String,
    /// Licenses and quantities.
    pub licenses: Vec<LicenseQuantity>,
}

/// A license quantity.
#[derive(Serialize, ToSchema)]
pub struct LicenseQuantity {
    /// License id.
    pub id: String,
    /// Units.
    pub quantity: i64,
}

/// Licenses to give or take (Webex's `PATCH /licenses/users`).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LicenseChangeRequest {
    /// The org (default: the caller's).
    pub org_id: Option<String>,
    /// The user, by email…
    pub email: Option<String>,
    /// …or by id.
    pub person_id: Option<String>,
    /// The license changes.
    #[serde(default)]
    pub licenses: Vec<LicenseOperation>,
    /// Meetings site accounts: `host` gives or takes the site's host license
    /// (`meetings_host:<site>`); Rolehub keeps no attendee accounts.
    #[serde(default)]
    pub site_urls: Vec<SiteUrlOperation>,
}

/// One license change.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LicenseOperation {
    /// License id.
    pub id: String,
    /// `add` or `remove`.
    pub operation: String,
    /// Webex's license properties; Rolehub reads `locationId`, which must name a location of the
    /// org.
    pub properties: Option<LicenseProperties>,
}

/// Properties of a license change.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LicenseProperties {
    /// A location of the org.
    pub location_id: Option<String>,
}

/// One Meetings site account change.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SiteUrlOperation {
    /// The site, e.g. `acme.webex.com`.
    pub site_url: String,
    /// `host` (`attendee` accounts are not kept by Rolehub).
    pub account_type: String,
    /// `add` or `remove`.
    pub operation: String,
}

/// A user's licenses after a change (Webex's `PATCH /licenses/users` answer).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserLicenses {
    /// The org.
    pub org_id: String,
    /// The user.
    pub person_id: String,
    /// Their email (masked where the org withholds it, R-EXT-10).
    pub email: String,
    /// Every license they hold.
    pub licenses: Vec<String>,
    /// The Meetings sites they host on.
    pub site_urls: Vec<SiteAccount>,
}

/// A Meetings site account.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SiteAccount {
    /// The site.
    pub site_url: String,
    /// `host`.
    pub account_type: String,
}

/// The email check.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyRequest {
    /// The email.
    pub email: String,
    /// The org (default: the caller's).
    pub org_id: Option<String>,
}

/// What the email check found (R-EXT-1, R-EXT-3).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifyResult {
    /// The email.
    pub email: String,
    /// `partner` or `other`.
    pub category: String,
    /// The roles offered.
    pub offered_roles: Vec<RoleInfo>,
}

/// Adding an external administrator.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddExternalRequest {
    /// Their email.
    pub email: String,
    /// The role.
    pub role_id: String,
    /// The site, for site roles.
    pub site_url: Option<String>,
    /// The org (default: the caller's).
    pub org_id: Option<String>,
}

/// An administrator in the administrators list.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminInfo {
    /// Person id.
    pub person_id: String,
    /// Name (masked where withheld).
    pub name: String,
    /// Email (masked where withheld).
    pub email: String,
    /// Whether external.
    pub external: bool,
    /// Status.
    pub status: String,
    /// Grants, as `role`, `role@site` or `role@loc1+loc2`.
    pub roles: Vec<String>,
    /// The roles' English names as the export writes them.
    pub admin_roles: String,
}

/// An access decision.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecisionInfo {
    /// Whether the access is allowed.
    pub allowed: bool,
    /// The rule that explains it.
    pub rule_id: String,
    /// One sentence, in the caller's language.
    pub explanation: String,
    /// The highest level the grants in effect give.
    pub level_held: String,
    /// The area asked about.
    pub area: String,
    /// The level asked.
    pub level: String,
}

/// An audit event.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventInfo {
    /// Id.
    pub id: String,
    /// Org.
    pub org_id: String,
    /// Position in the org's chain.
    pub seq: i64,
    /// When.
    pub created: String,
    /// Actor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
    /// Actor's email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_email: Option<String>,
    /// Actor's home org.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_org_id: Option<String>,
    /// What happened, e.g. `role.assign`.
    pub action: String,
    /// Target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// Target's email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_email: Option<String>,
    /// State before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
    /// State after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<serde_json::Value>,
    /// `ok` or `refused`.
    pub outcome: String,
    /// Rule of a refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    /// Tracking id of the request.
    pub tracking_id: String,
    /// Client address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_address: Option<String>,
    /// Hash of the previous event of the org.
    pub prev_hash: String,
    /// Own hash.
    pub hash: String,
    /// The event in Webex's shape (`actorName`, `eventCategory`, `actionText`, …).
    pub data: AuditEventData,
}

/// An audit event's `data`, in the Webex admin audit API's shape.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventData {
    /// The actor's name as shown (their email; masked where withheld, R-EXT-10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// The actor's email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_email: Option<String>,
    /// The actor's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_ip: Option<String>,
    /// The category, as `/v1/adminAudit/eventCategories` lists them.
    pub event_category: String,
    /// What happened, in a few words.
    pub event_description: String,
    /// What happened, in a sentence.
    pub action_text: String,
    /// The target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// The target's name as shown (their email).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    /// `USER` for a person, `ORG` otherwise.
    pub target_type: String,
    /// The org the event is in.
    pub target_org_id: String,
    /// The request's tracking id.
    pub tracking_id: String,
}

/// The event categories and the action family each names (`ROLES` is every `role.*` event).
pub const EVENT_CATEGORIES: [(&str, &str); 7] = [
    ("ROLES", "role"),
    ("USERS", "user"),
    ("GROUPS", "group"),
    ("LICENSES", "license"),
    ("LOGINS", "auth"),
    ("ORG_SETTINGS", "org"),
    ("TOKENS", "token"),
];

/// The action family a category names; anything else (an action family or an action) as given.
pub fn category_actions(category: &str) -> &str {
    EVENT_CATEGORIES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(category))
        .map(|(_, family)| *family)
        .unwrap_or(category)
}

/// The category of an action.
fn category_of(action: &str) -> &'static str {
    let family = action.split('.').next().unwrap_or(action);
    EVENT_CATEGORIES
        .iter()
        .find(|(_, f)| *f == family)
        .map(|(name, _)| *name)
        .unwrap_or("OTHER")
}

/// An action in a few words.
fn describe(action: &str) -> String {
    match action {
        "role.assign" => "Role assigned".into(),
        "role.revoke" => "Role revoked".into(),
        "role.revoke_all" => "All roles revoked".into(),
        "role.expired" => "Role expired".into(),
        "user.add" => "User added".into(),
        "user.remove" => "User removed".into(),
        "user.update" => "User changed".into(),
        "user.update_csv" => "Users changed by CSV".into(),
        "user.status" => "User status changed".into(),
        "user.resend_invite" => "Invitation sent again".into(),
        "user.activate" => "Account activated".into(),
        "user.password_set" => "Password set".into(),
        "license.change" => "Licenses changed".into(),
        "auth.sign_in" => "Signed in".into(),
        "auth.sign_in_failed" => "Sign-in failed".into(),
        "org.setting" => "Org setting changed".into(),
        "org.create" => "Org created".into(),
        "token.create" => "Access token created".into(),
        "group.create" => "Group created".into(),
        "group.update" => "Group changed".into(),
        "group.delete" => "Group deleted".into(),
        "group.role" => "Group linked to a role".into(),
        "token.revoke" => "Access token revoked".into(),
        other => other.replace(['.', '_'], " "),
    }
}

/// The categories `eventCategories` takes.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventCategories {
    /// Category names.
    pub event_categories: Vec<String>,
}

impl AuditEventInfo {
    /// The API form of a stored event.
    pub fn of(e: &rolehub_store::StoredEvent) -> AuditEventInfo {
        // Absent rather than null, as everywhere in the API: a state that had no value for a field
        // leaves the field out.
        let parse = |s: &Option<String>| {
            s.as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
                .map(without_nulls)
        };
        AuditEventInfo {
            id: e.id.clone(),
            org_id: e.org_id.clone(),
            seq: e.seq,
            created: Timestamp(e.at).to_iso(),
            actor_id: e.actor_id.clone(),
            actor_email: e.actor_email.clone(),
            actor_org_id: e.actor_org.clone(),
            action: e.action.clone(),
            target_id: e.target_id.clone(),
            target_email: e.target_email.clone(),
            before: parse(&e.before),
            after: parse(&e.after),
            outcome: e.outcome.clone(),
            rule_id: e.rule_id.clone(),
            tracking_id: e.request_id.clone(),
            client_address: e.client_addr.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
            data: AuditEventData::of(e),
        }
    }
}

impl AuditEventData {
    /// The Webex shape of a stored (already masked) event.
    fn of(e: &rolehub_store::StoredEvent) -> AuditEventData {
        let description = describe(&e.action);
        let actor = e
            .actor_email
            .clone()
            .unwrap_or_else(|| "Rolehub".to_string());
        let mut action_text = match &e.target_email {
            Some(target) => format!("{actor}: {description}, {target}"),
            None => format!("{actor}: {description}"),
        };
        if e.outcome != "ok" {
            action_text.push_str(&format!(
                " (refused{})",
                e.rule_id
                    .as_deref()
                    .map(|r| format!(", {r}"))
                    .unwrap_or_default()
            ));
        }
        AuditEventData {
            actor_name: e.actor_email.clone(),
            actor_email: e.actor_email.clone(),
            actor_ip: e.client_addr.clone(),
            event_category: category_of(&e.action).into(),
            event_description: description,
            action_text,
            target_id: e.target_id.clone(),
            target_name: e.target_email.clone(),
            target_type: if e.target_id.is_some() { "USER" } else { "ORG" }.into(),
            target_org_id: e.org_id.clone(),
            tracking_id: e.request_id.clone(),
        }
    }
}

/// A JSON value with every null member of its objects left out.
fn without_nulls(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(fields) => serde_json::Value::Object(
            fields
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(without_nulls).collect())
        }
        other => other,
    }
}

/// The result of verifying an org's audit chain.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditVerification {
    /// Whether every event verified.
    pub intact: bool,
    /// Events checked.
    pub events_checked: u64,
    /// The first bad event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken_event_id: Option<String>,
    /// What is wrong with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// A new personal access token.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewToken {
    /// A name to recognise it by.
    pub name: Option<String>,
    /// Days it lives (1–366, default 90).
    #[serde(default, deserialize_with = "crate::extract::whole_number")]
    pub ttl_days: Option<i64>,
    /// `read`, `write` (default `read`), or `scim`: SCIM provisioning of the caller's org, for its full administrators.
    pub scope: Option<String>,
}

/// A personal access token (its secret only when created).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Scope.
    pub scope: String,
    /// Created.
    pub created: String,
    /// Expires.
    pub expires: String,
    /// The secret, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Email and password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
    /// The code of the account's authenticator app, or one of its recovery codes, for accounts
    /// with a second factor.
    #[serde(default)]
    pub code: Option<String>,
}

/// A console session.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionOut {
    /// The person.
    pub person_id: String,
    /// Their email.
    pub email: String,
    /// Their home org.
    pub org_id: String,
    /// The token to send as `X-CSRF-Token` with changes.
    pub csrf_token: String,
}

/// Activating an account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivationRequest {
    /// The token from the invitation link.
    pub token: String,
    /// The new password (at least 10 characters).
    pub password: String,
}

/// How many of an upload's changes and problems an answer carries; the rest are paged from the
/// upload's `changes` and `errors` lists.
pub const ROW_SAMPLE: usize = 100;

/// The result of a CSV upload: counts, the first changes and problems, and the kept upload.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    /// Whether this was a preview.
    pub dry_run: bool,
    /// Whether changes were written.
    pub applied: bool,
    /// Data rows read.
    pub rows: usize,
    /// Rows that changed (or would change) something.
    pub rows_applied: usize,
    /// Rows with at least one problem.
    pub rows_with_errors: usize,
    /// The first problems (at most 100), by row and column; all of them at `upload.errorsUrl`.
    pub errors: Vec<ImportError>,
    /// The first changes (at most 100), by row; all of them at `upload.changesUrl`.
    pub changes: Vec<ImportChange>,
    /// The kept upload: its row results can be paged, and a preview applied, until it expires.
    pub upload: CsvUpload,
}

/// A kept upload.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CsvUpload {
    /// Its id.
    pub id: String,
    /// The org it is for.
    pub org_id: String,
    /// When it was uploaded.
    pub created: String,
    /// Until when it can be read and applied.
    pub expires: String,
    /// Data rows.
    pub rows: usize,
    /// Rows that change something.
    pub rows_changed: usize,
    /// Rows with at least one problem.
    pub rows_with_errors: usize,
    /// Whether `POST /v1/csvUploads/{id}/apply` can apply it (a preview, or a file refused because
    /// of some rows; once applied, it cannot).
    pub applicable: bool,
    /// Every change, paged.
    pub changes_url: String,
    /// Every problem, paged.
    pub errors_url: String,
}

impl CsvUpload {
    /// The API form of a kept upload.
    pub fn of(u: &rolehub_store::service::Upload, base: &str) -> CsvUpload {
        CsvUpload {
            id: u.id.clone(),
            org_id: u.org_id.clone(),
            created: u.created.to_iso(),
            expires: u.expires.to_iso(),
            rows: u.rows_total,
            rows_changed: u.rows_changed,
            rows_with_errors: u.rows_with_errors,
            applicable: u.applicable,
            changes_url: format!("{base}/v1/csvUploads/{}/changes", u.id),
            errors_url: format!("{base}/v1/csvUploads/{}/errors", u.id),
        }
    }
}

/// A row's problem.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportError {
    /// Data row, from 1: the header is not counted, so a spreadsheet shows data row N as its
    /// row N + 1.
    pub row: usize,
    /// Column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Rule.
    pub rule_id: String,
    /// What is wrong, in the caller's language (the row, column and rule are the fields beside
    /// it).
    pub description: String,
}

/// A row's changes.
#[derive(Serialize, ToSchema)]
pub struct ImportChange {
    /// Data row, from 1 (as [`ImportError::row`]).
    pub row: usize,
    /// The user.
    pub email: String,
    /// The changes.
    pub changes: Vec<String>,
}

impl ImportError {
    /// A kept problem, in a language.
    pub fn of_row(r: &rolehub_store::service::ReportRow, lang: Lang) -> ImportError {
        ImportError {
            row: r.row,
            column: r.column.clone(),
            rule_id: r.rule.clone().unwrap_or_default(),
            description: r.message.get(lang).to_string(),
        }
    }
}

impl ImportChange {
    /// A kept change (its cells read the same in every language).
    pub fn of_row(r: &rolehub_store::service::ReportRow, _lang: Lang) -> ImportChange {
        ImportChange {
            row: r.row,
            email: r.email.clone().unwrap_or_default(),
            changes: r.changes.clone(),
        }
    }
}

impl ImportResult {
    /// The API form of a checked upload, its problems in a language.
    pub fn of(
        checked: &rolehub_store::service::Checked,
        dry_run: bool,
        base: &str,
        lang: Lang,
    ) -> ImportResult {
        let r = &checked.report;
        ImportResult {
            dry_run,
            applied: r.applied,
            rows: r.rows_total,
            rows_applied: r.rows_applied,
            rows_with_errors: checked.upload.rows_with_errors,
            errors: r
                .errors
                .iter()
                .take(ROW_SAMPLE)
                .map(|e| ImportError {
                    row: e.row,
                    column: e.column.clone(),
                    rule_id: e.rule.id().into(),
                    description: e.message.get(lang).to_string(),
                })
                .collect(),
            changes: r
                .changes
                .iter()
                .take(ROW_SAMPLE)
                .map(|c| ImportChange {
                    row: c.row,
                    email: c.email.clone(),
                    changes: c.changes.clone(),
                })
                .collect(),
            upload: CsvUpload::of(&checked.upload, base),
        }
    }
}

/// A background job.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobInfo {
    /// Its id.
    pub id: String,
    /// What it does: `csvImport`.
    pub kind: String,
    /// The org it changes.
    pub org_id: String,
    /// `queued`, `running`, `succeeded` (see `rowsApplied` and `rowsWithErrors`) or `failed` (see
    /// `error`).
    #[schema(example = "running")]
    pub status: String,
    /// While running: `checking` the rows, then `writing` the changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Whether valid rows are applied even when others have problems.
    pub partial: bool,
    /// When it was submitted.
    pub created: String,
    /// When it started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// When it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    /// Data rows in the file.
    pub rows: usize,
    /// Rows checked so far.
    pub rows_done: usize,
    /// Rows applied (when it has succeeded).
    pub rows_applied: usize,
    /// Rows with problems (when it has succeeded).
    pub rows_with_errors: usize,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<JobError>,
    /// The upload it applies: its changes and problems, paged.
    pub upload_id: String,
    /// Every change, paged.
    pub changes_url: String,
    /// Every problem, paged.
    pub errors_url: String,
}

/// Why a job failed.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobError {
    /// What went wrong.
    pub message: String,
    /// The rule that refused the whole file, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
}

impl JobInfo {
    /// The API form of a job.
    pub fn of(j: &rolehub_store::service::Job, base: &str) -> JobInfo {
        use rolehub_store::service::JobState;
        JobInfo {
            id: j.id.clone(),
            kind: "csvImport".into(),
            org_id: j.org_id.clone(),
            status: j.state.id().into(),
            phase: (j.state == JobState::Running)
                .then(|| if j.writing { "writing" } else { "checking" }.into()),
            partial: j.partial,
            created: j.created.to_iso(),
            started: j.started.map(|t| t.to_iso()),
            finished: j.finished.map(|t| t.to_iso()),
            rows: j.rows_total,
            rows_done: j.rows_done,
            rows_applied: j.rows_applied,
            rows_with_errors: j.rows_with_errors,
            error: j.error.as_ref().map(|(rule, message)| JobError {
                message: message.clone(),
                rule_id: rule.clone(),
            }),
            upload_id: j.upload_id.clone(),
            changes_url: format!("{base}/v1/csvUploads/{}/changes", j.upload_id),
            errors_url: format!("{base}/v1/csvUploads/{}/errors", j.upload_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_list_2_roles_summary_is_a_comma_list_or_none() {
        let g = |role| Grant {
            id: String::new(),
            role,
            scope: Scope::Org,
            granted_at: Timestamp(0),
            expires_at: None,
        };
        assert_eq!(roles_summary(&[], Lang::En), "None");
        assert_eq!(roles_summary(&[], Lang::Nl), "Geen");
        assert_eq!(
            roles_summary(&[g(Role::SupportAdmin), g(Role::ReadonlyAdmin)], Lang::En),
            "Read-only administrator, Support administrator"
        );
        assert_eq!(
            roles_summary(&[g(Role::FullAdmin)], Lang::Nl),
            "Volledige beheerder"
        );
    }
}
