//! The scenario file format: a small world, then steps and what each must give.
//!
//! Every struct denies unknown fields, so a misspelt key is an error naming file, line and column
//! rather than an expectation silently not checked.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What the scenario shows.
    pub name: String,
    /// The rule ids it proves.
    #[serde(default)]
    pub rules: Vec<String>,
    /// The scenario clock's start.
    pub now: Option<String>,
    /// Orgs.
    #[serde(default)]
    pub orgs: Vec<OrgDef>,
    /// People and their grants.
    #[serde(default)]
    pub people: Vec<PersonDef>,
    /// Steps, in order.
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// An org of the world.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgDef {
    pub id: String,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub partner: Option<PartnerDef>,
    pub contact_center: Option<ContactCenterDef>,
    #[serde(default)]
    pub calling: bool,
    #[serde(default)]
    pub events: bool,
    #[serde(default)]
    pub sites: Vec<SiteDef>,
    #[serde(default)]
    pub locations: Vec<String>,
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionDef>,
    pub settings: Option<SettingsDef>,
}

/// The sales relationship to a partner.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerDef {
    pub org: String,
    pub status: Option<String>,
}

/// Contact Center.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactCenterDef {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub chat_configured: bool,
    #[serde(default)]
    pub setup_completed: bool,
}

/// A Meetings site.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteDef {
    pub url: String,
    pub managed_by: Option<String>,
}

/// A subscription.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionDef {
    pub id: String,
    pub seller: Option<String>,
    #[serde(default)]
    pub trial: bool,
    #[serde(default)]
    pub licenses: BTreeMap<String, i64>,
}

/// Settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsDef {
    pub external_readonly_ttl_days: Option<i64>,
    pub share_with_external_admins: Option<Vec<String>>,
}

/// A person.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonDef {
    pub email: String,
    pub org: String,
    pub first: Option<String>,
    pub last: Option<String>,
    pub status: Option<String>,
    pub location: Option<String>,
    #[serde(default)]
    pub licenses: Vec<String>,
    pub signed_in_at: Option<String>,
    #[serde(default)]
    pub grants: Vec<GrantDef>,
}

/// A grant set up directly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantDef {
    pub org: String,
    pub role: String,
    pub site: Option<String>,
    #[serde(default)]
    pub locations: Vec<String>,
    pub granted_at: Option<String>,
    pub expires_at: Option<String>,
}

/// One rule id or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    /// The ids.
    pub fn ids(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A step: an actor, an org, one action, and what it must give.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(rename = "as")]
    pub actor: Option<String>,
    pub org: Option<String>,
    pub expect: Option<Expect>,
    pub assign: Option<AssignDef>,
    pub revoke: Option<RevokeDef>,
    pub revoke_all: Option<PersonRef>,
    pub verify_external: Option<EmailRef>,
    pub add_external: Option<AddExternalDef>,
    pub set_license: Option<SetLicenseDef>,
    pub add_user: Option<AddUserDef>,
    pub remove_user: Option<PersonRef>,
    pub set_user_status: Option<SetStatusDef>,
    pub resend_invite: Option<PersonRef>,
    pub set_setting: Option<SetSettingDef>,
    pub setup_chat: Option<Empty>,
    pub check: Option<CheckDef>,
    pub list_admins: Option<ListAdminsDef>,
    pub export_admins: Option<ExportDef>,
    pub import_csv: Option<ImportDef>,
    pub create_customer: Option<CreateCustomerDef>,
    pub provision_order: Option<ProvisionOrderDef>,
    pub expect_usage: Option<ExpectUsageDef>,
    pub advance: Option<String>,
    pub sign_in: Option<String>,
    pub expect_roles: Option<ExpectRolesDef>,
    pub end_relationship: Option<EndRelationshipDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignDef {
    pub person: String,
    pub role: String,
    pub site: Option<String>,
    #[serde(default)]
    pub locations: Vec<String>,
    pub expires_at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeDef {
    pub person: String,
    pub role: String,
    pub site: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRef {
    pub person: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailRef {
    pub email: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddExternalDef {
    pub email: String,
    pub role: String,
    pub site: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetLicenseDef {
    pub person: String,
    pub license: String,
    pub on: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddUserDef {
    pub email: String,
    pub first: Option<String>,
    pub last: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetStatusDef {
    pub person: String,
    pub status: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetSettingDef {
    pub key: String,
    pub value: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    pub area: String,
    pub level: String,
    pub site: Option<String>,
    pub location: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListAdminsDef {
    pub roles: Option<Vec<String>>,
    pub external: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportDef {
    pub roles: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportDef {
    pub csv: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomerDef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionOrderDef {
    pub subscription: OrderSubscriptionDef,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderSubscriptionDef {
    pub id: String,
    #[serde(default)]
    pub licenses: BTreeMap<String, i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectUsageDef {
    pub org: String,
    pub license: String,
    pub used: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectRolesDef {
    pub person: String,
    pub org: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndRelationshipDef {
    pub partner: String,
    pub customer: String,
}

/// What a step must give.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub allowed: Option<bool>,
    pub rule: Option<OneOrMany>,
    pub removed: Option<Vec<String>>,
    pub warnings: Option<Vec<String>>,
    pub offered: Option<Vec<String>>,
    pub category: Option<String>,
    pub emails: Option<Vec<String>>,
    pub csv: Option<String>,
    pub rows_applied: Option<usize>,
    pub row_errors: Option<Vec<RowErrorDef>>,
    pub masked: Option<Vec<String>>,
}

impl Expect {
    /// Whether the expectation says nothing beyond success or refusal.
    pub fn only_outcome(&self) -> bool {
        self.removed.is_none()
            && self.warnings.is_none()
            && self.offered.is_none()
            && self.category.is_none()
            && self.emails.is_none()
            && self.csv.is_none()
            && self.rows_applied.is_none()
            && self.row_errors.is_none()
            && self.masked.is_none()
    }
}

/// An expected refused row of a CSV upload.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RowErrorDef {
    pub row: usize,
    pub rule: String,
}

impl Step {
    /// The names of the action keys the step carries (exactly one is valid).
    pub fn actions(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        macro_rules! has {
            ($($field:ident),*) => { $( if self.$field.is_some() { keys.push(stringify!($field)); } )* };
        }
        has!(
            assign,
            revoke,
            revoke_all,
            verify_external,
            add_external,
            set_license,
            add_user,
            remove_user,
            set_user_status,
            resend_invite,
            set_setting,
            setup_chat,
            check,
            list_admins,
            export_admins,
            import_csv,
            create_customer,
            provision_order,
            expect_usage,
            advance,
            sign_in,
            expect_roles,
            end_relationship
        );
        keys
    }
}
