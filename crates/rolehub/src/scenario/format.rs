//! The scenario file format: a small world, then steps and what each must give.
//!
//! The world's part (orgs, people, grants) is the store's world format
//! ([`rolehub_store::world`]), loaded by the same loader as the demo and the tests. Every struct
//! denies unknown fields, and a step is read key by key, so a misspelt key, a second action in one
//! step or a missing one is an error naming file, line and column — never an expectation silently
//! not checked.

use std::collections::BTreeMap;
use std::fmt;

use rolehub_store::world::{OrgDef, PersonDef, World};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

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

impl Scenario {
    /// The world the scenario starts from (its orgs and people), leaving the steps.
    pub fn take_world(&mut self) -> World {
        World {
            now: self.now.clone(),
            orgs: std::mem::take(&mut self.orgs),
            people: std::mem::take(&mut self.people),
        }
    }
}

/// A step: who acts where (for the actions that have an actor), one action, and what it must
/// give.
#[derive(Debug)]
pub struct Step {
    /// The acting person's email (`as`).
    pub actor: Option<String>,
    /// The org acted in (default: the actor's home org).
    pub org: Option<String>,
    /// What the step must give (default: it succeeds).
    pub expect: Option<Expect>,
    /// The action.
    pub action: Action,
}

/// One action, by its key in the file.
#[derive(Debug)]
pub enum Action {
    /// `assign`
    Assign(AssignDef),
    /// `revoke`
    Revoke(RevokeDef),
    /// `revoke_all`
    RevokeAll(PersonRef),
    /// `verify_external`
    VerifyExternal(EmailRef),
    /// `add_external`
    AddExternal(AddExternalDef),
    /// `set_license`
    SetLicense(SetLicenseDef),
    /// `add_user`
    AddUser(AddUserDef),
    /// `remove_user`
    RemoveUser(PersonRef),
    /// `set_user_status`
    SetUserStatus(SetStatusDef),
    /// `resend_invite`
    ResendInvite(PersonRef),
    /// `set_setting`
    SetSetting(SetSettingDef),
    /// `setup_chat`
    SetupChat(Empty),
    /// `check`
    Check(CheckDef),
    /// `list_admins`
    ListAdmins(ListAdminsDef),
    /// `export_admins`
    ExportAdmins(ExportDef),
    /// `import_csv`
    ImportCsv(ImportDef),
    /// `create_customer`
    CreateCustomer(CreateCustomerDef),
    /// `provision_order`
    ProvisionOrder(ProvisionOrderDef),
    /// `expect_usage`
    ExpectUsage(ExpectUsageDef),
    /// `advance`: a duration such as `90m`, `36h`, `15d`.
    Advance(String),
    /// `sign_in`: an email.
    SignIn(String),
    /// `expect_roles`
    ExpectRoles(ExpectRolesDef),
    /// `end_relationship`
    EndRelationship(EndRelationshipDef),
}

/// Every key a step may have.
const STEP_KEYS: &[&str] = &[
    "as",
    "org",
    "expect",
    "assign",
    "revoke",
    "revoke_all",
    "verify_external",
    "add_external",
    "set_license",
    "add_user",
    "remove_user",
    "set_user_status",
    "resend_invite",
    "set_setting",
    "setup_chat",
    "check",
    "list_admins",
    "export_admins",
    "import_csv",
    "create_customer",
    "provision_order",
    "expect_usage",
    "advance",
    "sign_in",
    "expect_roles",
    "end_relationship",
];

impl Action {
    /// The action's key in the file.
    pub fn key(&self) -> &'static str {
        match self {
            Action::Assign(_) => "assign",
            Action::Revoke(_) => "revoke",
            Action::RevokeAll(_) => "revoke_all",
            Action::VerifyExternal(_) => "verify_external",
            Action::AddExternal(_) => "add_external",
            Action::SetLicense(_) => "set_license",
            Action::AddUser(_) => "add_user",
            Action::RemoveUser(_) => "remove_user",
            Action::SetUserStatus(_) => "set_user_status",
            Action::ResendInvite(_) => "resend_invite",
            Action::SetSetting(_) => "set_setting",
            Action::SetupChat(_) => "setup_chat",
            Action::Check(_) => "check",
            Action::ListAdmins(_) => "list_admins",
            Action::ExportAdmins(_) => "export_admins",
            Action::ImportCsv(_) => "import_csv",
            Action::CreateCustomer(_) => "create_customer",
            Action::ProvisionOrder(_) => "provision_order",
            Action::ExpectUsage(_) => "expect_usage",
            Action::Advance(_) => "advance",
            Action::SignIn(_) => "sign_in",
            Action::ExpectRoles(_) => "expect_roles",
            Action::EndRelationship(_) => "end_relationship",
        }
    }

    /// Reads the value of an action key.
    fn read<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Result<Option<Action>, A::Error> {
        Ok(Some(match key {
            "assign" => Action::Assign(map.next_value()?),
            "revoke" => Action::Revoke(map.next_value()?),
            "revoke_all" => Action::RevokeAll(map.next_value()?),
            "verify_external" => Action::VerifyExternal(map.next_value()?),
            "add_external" => Action::AddExternal(map.next_value()?),
            "set_license" => Action::SetLicense(map.next_value()?),
            "add_user" => Action::AddUser(map.next_value()?),
            "remove_user" => Action::RemoveUser(map.next_value()?),
            "set_user_status" => Action::SetUserStatus(map.next_value()?),
            "resend_invite" => Action::ResendInvite(map.next_value()?),
            "set_setting" => Action::SetSetting(map.next_value()?),
            "setup_chat" => Action::SetupChat(map.next_value()?),
            "check" => Action::Check(map.next_value()?),
            "list_admins" => Action::ListAdmins(map.next_value()?),
            "export_admins" => Action::ExportAdmins(map.next_value()?),
            "import_csv" => Action::ImportCsv(map.next_value()?),
            "create_customer" => Action::CreateCustomer(map.next_value()?),
            "provision_order" => Action::ProvisionOrder(map.next_value()?),
            "expect_usage" => Action::ExpectUsage(map.next_value()?),
            "advance" => Action::Advance(map.next_value()?),
            "sign_in" => Action::SignIn(map.next_value()?),
            "expect_roles" => Action::ExpectRoles(map.next_value()?),
            "end_relationship" => Action::EndRelationship(map.next_value()?),
            _ => return Ok(None),
        }))
    }
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Step, D::Error> {
        deserializer.deserialize_map(StepVisitor)
    }
}

struct StepVisitor;

impl<'de> Visitor<'de> for StepVisitor {
    type Value = Step;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a step: `as`, `org`, one action key and an optional `expect`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Step, A::Error> {
        let (mut actor, mut org, mut expect, mut action) = (None, None, None, None::<Action>);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "as" if actor.is_none() => actor = Some(map.next_value()?),
                "org" if org.is_none() => org = Some(map.next_value()?),
                "expect" if expect.is_none() => expect = Some(map.next_value()?),
                "as" => return Err(de::Error::duplicate_field("as")),
                "org" => return Err(de::Error::duplicate_field("org")),
                "expect" => return Err(de::Error::duplicate_field("expect")),
                other => match Action::read(other, &mut map)? {
                    None => return Err(de::Error::unknown_field(other, STEP_KEYS)),
                    Some(next) => {
                        if let Some(first) = &action {
                            return Err(de::Error::custom(format!(
                                "a step has exactly one action key; this one has `{}` and `{}`",
                                first.key(),
                                next.key()
                            )));
                        }
                        action = Some(next);
                    }
                },
            }
        }
        let action = action.ok_or_else(|| {
            de::Error::custom("a step needs one action key (`assign`, `revoke`, `check`, …)")
        })?;
        Ok(Step {
            actor,
            org,
            expect,
            action,
        })
    }
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

/// One rule id or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One id.
    One(String),
    /// Any of these ids.
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
