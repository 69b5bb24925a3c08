//! Provisioning from an organization's identity provider (the SCIM interface): users created and
//! changed as the provider keeps them, and the provider's groups, each of which may give its
//! members one role of the org. Every change is one of the service's own, under the same rules
//! and in one transaction with its audit events; nothing here decides a rule of its own.

use rolehub_domain::{quoted, Area, Level, Role, Status, Target, Timestamp};
use serde_json::json;
use sqlx::Row;

use super::roles::{assign_in, revoke_in, scope_for, AssignRequest};
use super::users::validate_email;
use super::{new_id, Ctx, NewUser, Service};
use crate::error::{ServiceError, Text, Thing};
use crate::load::{self, PersonRecord};
use crate::op::{OrgOp, OrgRead};

/// A user as the identity provider sends them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProvisionedUser {
    /// Email, the key (`userName`).
    pub email: String,
    /// First name.
    pub first: String,
    /// Last name.
    pub last: String,
    /// Display name (default: first and last name).
    pub display_name: Option<String>,
    /// Whether they may sign in; `false` deactivates (R-AUTH-3).
    pub active: bool,
    /// Their id at the provider.
    pub external_id: Option<String>,
}

/// A provider's group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Id.
    pub id: String,
    /// Name, unique in the org.
    pub display_name: String,
    /// The provider's id of it.
    pub external_id: Option<String>,
    /// The role (grant label) its members hold through it, linked by a full administrator.
    pub role: Option<String>,
    /// Members: (person id, email).
    pub members: Vec<(String, String)>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub modified_at: Timestamp,
}

/// A group's new state as the provider sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupFields {
    /// Name.
    pub display_name: String,
    /// The provider's id.
    pub external_id: Option<String>,
    /// Member person ids.
    pub members: Vec<String>,
}

impl Service {
    /// Adds a user from the provider: pending until their first sign-in (or inactive when the
    /// provider says so), with the provider's id. Adding gives no role (R-NEW-1); roles sent with
    /// the user are assignments made in the same change.
    pub async fn provision_new_user(
        &self,
        ctx: &Ctx,
        user: &ProvisionedUser,
        roles: &[String],
    ) -> Result<PersonRecord, ServiceError> {
        let mut op = OrgOp::open(self, ctx, "user.add").await?;
        let result = async {
            // Adding gives no role (R-NEW-1); the roles the provider sends are assigned by the
            // provisioning administrator, each under the assignment rules, in the same change.
            let new = NewUser {
                email: user.email.clone(),
                first: user.first.clone(),
                last: user.last.clone(),
                display_name: user.display_name.clone(),
                roles: roles.to_vec(),
                ..NewUser::default()
            };
            let added = self.add_user_with(&mut op, &new).await?;
            if user.external_id.is_some() {
                set_external_id(&mut op, &added.view.id, user.external_id.as_deref()).await?;
            }
            if !user.active {
                super::users::set_status_in(&mut op, &added.view.id, Status::Inactive).await?;
            }
            load::person_by_id(&mut op.tx, &added.view.id)
                .await?
                .ok_or_else(|| ServiceError::not_found(Thing::Person, &added.view.id))
        }
        .await;
        op.settle(result).await
    }

    /// Replaces a user as the provider sends them (`PUT`, or a patched resource): names, display
    /// name, provider id, `active` (false deactivates, R-AUTH-3 and reading A-8; true reactivates
    /// an inactive user, a pending one stays pending until they sign in), and with `roles` every
    /// role they hold in the org, as one set of role changes. All in one change, refused as a
    /// whole. A new `userName` renames their email (unique in Rolehub, 409 otherwise).
    pub async fn provision_user(
        &self,
        ctx: &Ctx,
        id: &str,
        user: &ProvisionedUser,
        roles: Option<&[String]>,
    ) -> Result<(), ServiceError> {
        let mut op = OrgOp::open(self, ctx, "user.update").await?;
        let result = async {
            let mut target = op.member(id).await?;
            let email = validate_email(&user.email)?;
            if email != target.view.email {
                // The provider renamed the user (a new primary address): their key follows.
                rolehub_domain::ops::check_user_change(
                    &op.principal(),
                    rolehub_domain::ops::UserChange::Edit,
                    target.location.as_deref(),
                )?;
                if load::person_by_email(&mut op.tx, &email).await?.is_some() {
                    return Err(super::users::email_taken(&email));
                }
                sqlx::query("UPDATE persons SET email = $1, modified_at = $2 WHERE id = $3")
                    .bind(email.clone())
                    .bind(op.ctx.now.0)
                    .bind(target.view.id.clone())
                    .execute(&mut *op.tx)
                    .await?;
                op.record(
                    "user.update",
                    Some(&target),
                    Some(json!({ "email": target.view.email })),
                    Some(json!({ "email": email })),
                )
                .await?;
                target.view.email = email;
            }
            let (first, last) = (user.first.trim(), user.last.trim());
            let display = user.display_name.as_deref().map(str::trim).unwrap_or_default();
            for (field, value) in [("name.givenName", first), ("name.familyName", last), ("displayName", display)] {
                if value.chars().count() > 256 {
                    return Err(ServiceError::invalid(field, super::users::at_most_chars(256)));
                }
            }
            let names_changed = target.view.first != first
                || target.view.last != last
                || target.display_name != display;
            if names_changed {
                rolehub_domain::ops::check_user_change(
                    &op.principal(),
                    rolehub_domain::ops::UserChange::Edit,
                    target.location.as_deref(),
                )?;
                sqlx::query("UPDATE persons SET first_name = $1, last_name = $2, display_name = $3, modified_at = $4 WHERE id = $5")
                    .bind(first.to_string())
                    .bind(last.to_string())
                    .bind(display.to_string())
                    .bind(op.ctx.now.0)
                    .bind(target.view.id.clone())
                    .execute(&mut *op.tx)
                    .await?;
                op.record(
                    "user.update",
                    Some(&target),
                    Some(json!({ "firstName": target.view.first, "lastName": target.view.last, "displayName": target.display_name })),
                    Some(json!({ "firstName": first, "lastName": last, "displayName": display })),
                )
                .await?;
            }
            set_external_id(&mut op, &target.view.id, user.external_id.as_deref()).await?;
            let status = match (user.active, target.view.status) {
                (false, Status::Inactive) | (true, Status::Active | Status::Pending) => None,
                (false, _) => Some(Status::Inactive),
                (true, Status::Inactive) => Some(Status::Active),
            };
            if let Some(status) = status {
                super::users::set_status_in(&mut op, &target.view.id, status).await?;
            }
            if let Some(wanted) = roles {
                op.reload_state().await?;
                super::roles::replace_roles_in(&mut op, &target.view.id, wanted).await?;
            }
            Ok(())
        }
        .await;
        op.settle(result).await
    }

    /// The person of the org whose provider id is `external_id`, if any (needs read on `users`).
    pub async fn person_by_external_id(
        &self,
        ctx: &Ctx,
        external_id: &str,
    ) -> Result<Option<String>, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        read.principal()
            .decide(Area::Users, Level::Read, Target::Org)
            .into_result()?;
        let row = sqlx::query("SELECT id FROM persons WHERE home_org = $1 AND external_id = $2")
            .bind(ctx.org.clone())
            .bind(external_id.to_string())
            .fetch_optional(&mut *read.tx)
            .await?;
        read.close().await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }

    /// The org's groups (needs read on `users`), by name.
    pub async fn groups(&self, ctx: &Ctx) -> Result<Vec<Group>, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        read.principal()
            .decide(Area::Users, Level::Read, Target::Org)
            .into_result()?;
        let groups = load_groups(&mut read.tx, &ctx.org, None).await?;
        read.close().await?;
        Ok(groups)
    }

    /// One group of the org.
    pub async fn group(&self, ctx: &Ctx, id: &str) -> Result<Group, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        read.principal()
            .decide(Area::Users, Level::Read, Target::Org)
            .into_result()?;
        let group = load_groups(&mut read.tx, &ctx.org, Some(id))
            .await?
            .pop()
            .ok_or_else(|| ServiceError::not_found(Thing::Group, id))?;
        read.close().await?;
        Ok(group)
    }

    /// Creates a group with its members (needs write on `users`).
    pub async fn create_group(
        &self,
        ctx: &Ctx,
        fields: &GroupFields,
    ) -> Result<Group, ServiceError> {
        let mut op = OrgOp::open(self, ctx, "group.create").await?;
        let result = async {
            require_users_write(&op)?;
            let id = new_id();
            check_name(&mut op, &fields.display_name, None).await?;
            sqlx::query("INSERT INTO scim_groups (id, org_id, display_name, external_id, role, created_at, modified_at) VALUES ($1, $2, $3, $4, NULL, $5, $5)")
                .bind(id.clone())
                .bind(ctx.org.clone())
                .bind(fields.display_name.trim().to_string())
                .bind(fields.external_id.clone())
                .bind(ctx.now.0)
                .execute(&mut *op.tx)
                .await?;
            let members = member_records(&mut op, &fields.members).await?;
            for m in &members {
                insert_member(&mut op, &id, &m.view.id).await?;
            }
            op.record(
                "group.create",
                None,
                None,
                Some(json!({ "group": fields.display_name.trim(), "members": members.iter().map(|m| m.view.email.clone()).collect::<Vec<_>>() })),
            )
            .await?;
            Ok(id)
        }
        .await;
        let id = op.settle(result).await?;
        if ctx.dry_run {
            return Ok(Group {
                id,
                display_name: fields.display_name.trim().to_string(),
                external_id: fields.external_id.clone(),
                role: None,
                members: Vec::new(),
                created_at: ctx.now,
                modified_at: ctx.now,
            });
        }
        self.group(ctx, &id).await
    }

    /// Replaces a group's name, provider id and members (needs write on `users`). Members who join
    /// a group linked to a role are given it; members who leave lose it unless another of their
    /// groups gives it — each through the role rules, refused as a whole.
    pub async fn replace_group(
        &self,
        ctx: &Ctx,
        id: &str,
        fields: &GroupFields,
    ) -> Result<(), ServiceError> {
        let mut op = OrgOp::open(self, ctx, "group.update").await?;
        let result = async {
            require_users_write(&op)?;
            let before = load_groups(&mut op.tx, &ctx.org, Some(id))
                .await?
                .pop()
                .ok_or_else(|| ServiceError::not_found(Thing::Group, id))?;
            check_name(&mut op, &fields.display_name, Some(id)).await?;
            let members = member_records(&mut op, &fields.members).await?;
            let wanted: Vec<&str> = members.iter().map(|m| m.view.id.as_str()).collect();
            let had: Vec<&str> = before.members.iter().map(|(m, _)| m.as_str()).collect();
            let joined: Vec<String> = wanted
                .iter()
                .filter(|m| !had.contains(m))
                .map(|m| m.to_string())
                .collect();
            let left: Vec<String> = had
                .iter()
                .filter(|m| !wanted.contains(m))
                .map(|m| m.to_string())
                .collect();
            let renamed = before.display_name != fields.display_name.trim()
                || before.external_id != fields.external_id;
            if !renamed && joined.is_empty() && left.is_empty() {
                return Ok(());
            }
            sqlx::query("UPDATE scim_groups SET display_name = $1, external_id = $2, modified_at = $3 WHERE id = $4")
                .bind(fields.display_name.trim().to_string())
                .bind(fields.external_id.clone())
                .bind(ctx.now.0)
                .bind(id.to_string())
                .execute(&mut *op.tx)
                .await?;
            for m in &left {
                sqlx::query("DELETE FROM scim_group_members WHERE group_id = $1 AND person_id = $2")
                    .bind(id.to_string())
                    .bind(m.clone())
                    .execute(&mut *op.tx)
                    .await?;
            }
            for m in &joined {
                insert_member(&mut op, id, m).await?;
            }
            if let Some(role) = &before.role {
                give_group_role(&mut op, role, &joined).await?;
                take_group_role(&mut op, role, &left).await?;
            }
            op.record(
                "group.update",
                None,
                Some(json!({ "group": before.display_name, "members": before.members.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>() })),
                Some(json!({ "group": fields.display_name.trim(), "members": members.iter().map(|m| m.view.email.clone()).collect::<Vec<_>>() })),
            )
            .await?;
            Ok(())
        }
        .await;
        op.settle(result).await
    }

    /// Deletes a group: its members leave it (and lose its role, as in [`Service::replace_group`]).
    pub async fn delete_group(&self, ctx: &Ctx, id: &str) -> Result<(), ServiceError> {
        let mut op = OrgOp::open(self, ctx, "group.delete").await?;
        let result = async {
            require_users_write(&op)?;
            let before = load_groups(&mut op.tx, &ctx.org, Some(id))
                .await?
                .pop()
                .ok_or_else(|| ServiceError::not_found(Thing::Group, id))?;
            for table in [
                "DELETE FROM scim_group_members WHERE group_id = $1",
                "DELETE FROM scim_groups WHERE id = $1",
            ] {
                sqlx::query(table)
                    .bind(id.to_string())
                    .execute(&mut *op.tx)
                    .await?;
            }
            if let Some(role) = &before.role {
                let members: Vec<String> = before.members.iter().map(|(m, _)| m.clone()).collect();
                take_group_role(&mut op, role, &members).await?;
            }
            op.record(
                "group.delete",
                None,
                Some(json!({ "group": before.display_name, "role": before.role })),
                None,
            )
            .await?;
            Ok(())
        }
        .await;
        op.settle(result).await
    }

    /// Links a group to a role of the org (a grant label), or unlinks it (`None`): only a full
    /// administrator does (R-ASSIGN-1). Its members are given the role, or lose it, through the
    /// role rules, refused as a whole.
    pub async fn set_group_role(
        &self,
        ctx: &Ctx,
        id: &str,
        role: Option<&str>,
    ) -> Result<(), ServiceError> {
        let mut op = OrgOp::open(self, ctx, "group.role").await?;
        let result = async {
            if !op.principal().holds_in_effect(Role::FullAdmin) {
                return Err(ServiceError::Refused(rolehub_domain::Refusal::new(
                    rolehub_domain::RuleId::Assign1,
                    rolehub_domain::Reason::Access {
                        area: Area::Roles,
                        asked: Level::Write,
                        held: Level::None,
                        via: None,
                    },
                )));
            }
            let before = load_groups(&mut op.tx, &ctx.org, Some(id))
                .await?
                .pop()
                .ok_or_else(|| ServiceError::not_found(Thing::Group, id))?;
            let label = match role {
                Some(label) => Some(normalized_label(&op, label)?),
                None => None,
            };
            if before.role == label {
                return Ok(());
            }
            sqlx::query("UPDATE scim_groups SET role = $1, modified_at = $2 WHERE id = $3")
                .bind(label.clone())
                .bind(ctx.now.0)
                .bind(id.to_string())
                .execute(&mut *op.tx)
                .await?;
            let members: Vec<String> = before.members.iter().map(|(m, _)| m.clone()).collect();
            if let Some(old) = &before.role {
                take_group_role(&mut op, old, &members).await?;
            }
            if let Some(new) = &label {
                give_group_role(&mut op, new, &members).await?;
            }
            op.record(
                "group.role",
                None,
                Some(json!({ "group": before.display_name, "role": before.role })),
                Some(json!({ "group": before.display_name, "role": label })),
            )
            .await?;
            Ok(())
        }
        .await;
        op.settle(result).await
    }

    /// The roles (grant labels) a person holds through groups in the org, with the group's name.
    pub async fn group_roles_of(
        &self,
        ctx: &Ctx,
        person_id: &str,
    ) -> Result<Vec<(String, String)>, ServiceError> {
        let mut read = OrgRead::open(self, ctx).await?;
        let rows = sqlx::query(
            "SELECT g.role, g.display_name FROM scim_groups g JOIN scim_group_members m ON m.group_id = g.id \
             WHERE g.org_id = $1 AND m.person_id = $2 AND g.role IS NOT NULL ORDER BY g.display_name",
        )
        .bind(ctx.org.clone())
        .bind(person_id.to_string())
        .fetch_all(&mut *read.tx)
        .await?;
        read.close().await?;
        rows.iter()
            .map(|r| Ok((r.try_get("role")?, r.try_get("display_name")?)))
            .collect()
    }
}

/// Sets (or clears) a user's provider id, recording it.
pub(crate) async fn set_external_id(
    op: &mut OrgOp<'_>,
    key: &str,
    external_id: Option<&str>,
) -> Result<(), ServiceError> {
    let target = op.member(key).await?;
    if target.external_id.as_deref() == external_id {
        return Ok(());
    }
    sqlx::query("UPDATE persons SET external_id = $1, modified_at = $2 WHERE id = $3")
        .bind(external_id.map(str::to_string))
        .bind(op.ctx.now.0)
        .bind(target.view.id.clone())
        .execute(&mut *op.tx)
        .await?;
    op.record(
        "user.update",
        Some(&target),
        Some(json!({ "externalId": target.external_id })),
        Some(json!({ "externalId": external_id })),
    )
    .await
}

fn require_users_write(op: &OrgOp<'_>) -> Result<(), ServiceError> {
    op.principal()
        .decide(Area::Users, Level::Write, Target::Org)
        .into_result()?;
    Ok(())
}

/// A grant label checked against the catalogue and the org's sites and locations, in its one form.
fn normalized_label(op: &OrgOp<'_>, label: &str) -> Result<String, ServiceError> {
    let (role, site, locations) = rolehub_domain::parse_grant_label(label).ok_or_else(|| {
        ServiceError::invalid(
            "role",
            Text::new(
                format!("{} is not a role of the catalogue", quoted(label)),
                format!("{} is geen rol uit de catalogus", quoted(label)),
            ),
        )
    })?;
    let scope = scope_for(&op.state.org, role, site.as_deref(), &locations)?;
    Ok(rolehub_domain::grant_label(role, &scope))
}

async fn check_name(
    op: &mut OrgOp<'_>,
    name: &str,
    except: Option<&str>,
) -> Result<(), ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 256 {
        return Err(ServiceError::invalid(
            "displayName",
            Text::new(
                "a group has a name of 1 to 256 characters",
                "een groep heeft een naam van 1 tot 256 tekens",
            ),
        ));
    }
    let taken = sqlx::query(
        "SELECT id FROM scim_groups WHERE org_id = $1 AND lower(display_name) = lower($2)",
    )
    .bind(op.ctx.org.clone())
    .bind(name.to_string())
    .fetch_optional(&mut *op.tx)
    .await?
    .map(|r| r.try_get::<String, _>("id"))
    .transpose()?;
    match taken {
        Some(other) if Some(other.as_str()) != except => Err(ServiceError::conflict(
            format!("a group named {} already exists", quoted(name)),
            format!("er bestaat al een groep met de naam {}", quoted(name)),
        )),
        _ => Ok(()),
    }
}

/// The people a member list names: users of the org, each once.
async fn member_records(
    op: &mut OrgOp<'_>,
    ids: &[String],
) -> Result<Vec<PersonRecord>, ServiceError> {
    let mut out: Vec<PersonRecord> = Vec::with_capacity(ids.len());
    for id in ids {
        let person = load::person_by_id(&mut op.tx, id)
            .await?
            .filter(|p| p.view.home_org == op.ctx.org)
            .ok_or_else(|| {
                ServiceError::invalid(
                    "members",
                    Text::new(
                        format!("{} is not a user of the org", quoted(id)),
                        format!("{} is geen gebruiker van de organisatie", quoted(id)),
                    ),
                )
            })?;
        if !out.iter().any(|p| p.view.id == person.view.id) {
            out.push(person);
        }
    }
    Ok(out)
}

async fn insert_member(op: &mut OrgOp<'_>, group: &str, person: &str) -> Result<(), ServiceError> {
    sqlx::query("INSERT INTO scim_group_members (group_id, person_id) VALUES ($1, $2)")
        .bind(group.to_string())
        .bind(person.to_string())
        .execute(&mut *op.tx)
        .await?;
    Ok(())
}

/// Gives a group's role to members who do not hold it yet, each through the role rules.
async fn give_group_role(
    op: &mut OrgOp<'_>,
    label: &str,
    members: &[String],
) -> Result<(), ServiceError> {
    let Some((role, site, locations)) = rolehub_domain::parse_grant_label(label) else {
        return Ok(());
    };
    for member in members {
        op.reload_state().await?;
        if op
            .state
            .grants_of(member)
            .iter()
            .any(|g| g.label() == label)
        {
            continue;
        }
        let request = AssignRequest {
            person: member.clone(),
            role: role.id().to_string(),
            site: site.clone(),
            locations: locations.clone(),
            expires_at: None,
        };
        assign_in(op, &request, role).await?;
    }
    op.reload_state().await
}

/// Takes a group's role from members who leave, unless another of their groups gives it.
async fn take_group_role(
    op: &mut OrgOp<'_>,
    label: &str,
    members: &[String],
) -> Result<(), ServiceError> {
    for member in members {
        let still: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM scim_groups g JOIN scim_group_members m ON m.group_id = g.id \
             WHERE g.org_id = $1 AND m.person_id = $2 AND g.role = $3",
        )
        .bind(op.ctx.org.clone())
        .bind(member.clone())
        .bind(label.to_string())
        .fetch_one(&mut *op.tx)
        .await?
        .try_get("n")?;
        if still > 0 {
            continue;
        }
        op.reload_state().await?;
        let Some(grant) = op
            .state
            .grants_of(member)
            .iter()
            .find(|g| g.label() == label)
            .cloned()
        else {
            continue;
        };
        revoke_in(op, member, grant.role, grant.scope.site()).await?;
    }
    op.reload_state().await
}

/// Every group of an org (or the one named), with members, by name.
async fn load_groups(
    conn: &mut sqlx::AnyConnection,
    org: &str,
    only: Option<&str>,
) -> Result<Vec<Group>, ServiceError> {
    let rows = sqlx::query(
        "SELECT id, display_name, external_id, role, created_at, modified_at FROM scim_groups \
         WHERE org_id = $1 AND ($2 IS NULL OR id = $2) ORDER BY display_name",
    )
    .bind(org.to_string())
    .bind(only.map(str::to_string))
    .fetch_all(&mut *conn)
    .await?;
    let mut groups = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("id")?;
        let members = sqlx::query(
            "SELECT p.id, p.email FROM scim_group_members m JOIN persons p ON p.id = m.person_id \
             WHERE m.group_id = $1 ORDER BY p.email",
        )
        .bind(id.clone())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|m| Ok((m.try_get("id")?, m.try_get("email")?)))
        .collect::<Result<Vec<(String, String)>, ServiceError>>()?;
        groups.push(Group {
            id,
            display_name: r.try_get("display_name")?,
            external_id: r.try_get("external_id")?,
            role: r.try_get("role")?,
            members,
            created_at: Timestamp(r.try_get("created_at")?),
            modified_at: Timestamp(r.try_get("modified_at")?),
        });
    }
    Ok(groups)
}
