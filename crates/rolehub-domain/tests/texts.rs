//! The words people read, pinned: every refusal's text in English and Dutch, every warning, and
//! every rule's summary. A change of wording shows as a reviewed diff of the snapshot
//! (`tests/snapshots/`), never silently.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

use rolehub_domain::refusal::CcsaForbidden;
use rolehub_domain::{
    Area, Lang, Level, Reason, Refusal, Role, RuleId, SharedField, Text, Warning,
};

/// Whether a reason is among the samples: a new variant fails to compile here until it has one.
fn sampled(reason: &Reason) -> &'static str {
    match reason {
        Reason::Access { .. } => "access",
        Reason::MayNotAssign { .. } => "may not assign",
        Reason::RemovalTakesRole { .. } => "removal takes a role",
        Reason::ExternalChangesExternal => "external changes external",
        Reason::ExternalAddsExternal => "external adds external",
        Reason::OnlyInternalAddsExternal => "only internal adds external",
        Reason::UnknownAccount { .. } => "unknown account",
        Reason::AlreadyInternal { .. } => "already internal",
        Reason::ConsumerAccount { .. } => "consumer account",
        Reason::NotOffered { .. } => "not offered",
        Reason::AddOnNeedsBase => "add-on needs base",
        Reason::SelfTroubleshooting => "self troubleshooting",
        Reason::LocationExclusive { .. } => "location exclusive",
        Reason::LocationNeeded => "location needed",
        Reason::CcsaOnOrgAdmin { .. } => "CCSA on org admin",
        Reason::CcsaNeedsPremium { .. } => "CCSA needs premium",
        Reason::CcsaHomeHasContactCenter => "CCSA home has Contact Center",
        Reason::CcsaPartner => "CCSA partner",
        Reason::ContactCenterOff => "Contact Center off",
        Reason::SiteNotInControlHub { .. } => "site not in Control Hub",
        Reason::ContentAdminNeedsSiteRole { .. } => "content admin needs site role",
        Reason::LastFullAdmin => "last full admin",
        Reason::PartnerSelfFullAdmin => "partner self full admin",
        Reason::RelationshipNotActive => "relationship not active",
        Reason::NotProvisioningPartner => "not provisioning partner",
        Reason::NotPartnerFullAdmin => "not partner full admin",
        Reason::CcsaCannot { .. } => "CCSA cannot",
        Reason::ChatSetupInternalFullOnly => "chat set-up internal full only",
        Reason::SiteAdminNoUserManagement => "site admin no user management",
        Reason::LicenseExhausted { .. } => "license exhausted",
        Reason::CsvColumnNotAllowed { .. } => "CSV column not allowed",
        Reason::CsvInvalid { .. } => "CSV invalid",
        Reason::CcsaLicensesOnly { .. } => "CCSA licenses only",
        Reason::ReadOnlyToken => "read-only token",
        Reason::FieldWithheld { .. } => "field withheld",
    }
}

fn access(rule: RuleId, via: Option<Role>) -> Refusal {
    Refusal::new(
        rule,
        Reason::Access {
            area: Area::Users,
            asked: Level::Write,
            held: if via.is_some() {
                Level::Read
            } else {
                Level::None
            },
            via,
        },
    )
}

fn samples() -> Vec<Refusal> {
    let mut out = Vec::new();
    for rule in [
        RuleId::Perm1,
        RuleId::Auth1,
        RuleId::Auth3,
        RuleId::Ext7,
        RuleId::Ext9,
        RuleId::Site3,
        RuleId::Ext6,
        RuleId::Site2,
        RuleId::Call1,
        RuleId::Cdr1,
        RuleId::Cc3,
        RuleId::Ccsa7,
        RuleId::Cc2,
        RuleId::Site5,
        RuleId::Ccsa6,
        RuleId::Evt1,
        RuleId::Ext2,
    ] {
        out.push(access(rule, None));
    }
    out.push(access(RuleId::Perm1, Some(Role::ReadonlyAdmin)));
    out.push(access(RuleId::Ext7, Some(Role::ReadonlyAdmin)));
    for rule in [RuleId::Assign1, RuleId::Ccsa6, RuleId::Evt1, RuleId::Site6] {
        out.push(
            Refusal::new(
                rule,
                Reason::MayNotAssign {
                    role: Role::FullAdmin,
                },
            )
            .also(RuleId::Assign2),
        );
    }
    for deactivating in [false, true] {
        out.push(
            Refusal::new(
                RuleId::Assign1,
                Reason::RemovalTakesRole {
                    role: Role::FullAdmin,
                    deactivating,
                },
            )
            .also(RuleId::Assign4),
        );
    }
    let email = "ann@globex.example".to_string();
    out.extend([
        Refusal::new(RuleId::Ext2, Reason::ExternalChangesExternal),
        Refusal::new(RuleId::Ext2, Reason::ExternalAddsExternal),
        Refusal::new(RuleId::Ext1, Reason::OnlyInternalAddsExternal),
        Refusal::new(
            RuleId::Ext1,
            Reason::UnknownAccount {
                email: email.clone(),
            },
        ),
        Refusal::new(
            RuleId::Ext1,
            Reason::AlreadyInternal {
                email: email.clone(),
            },
        ),
        Refusal::new(RuleId::Ext1, Reason::ConsumerAccount { email }),
        Refusal::new(
            RuleId::Ext3,
            Reason::NotOffered {
                role: Role::SupportAdmin,
                partner: false,
            },
        ),
        Refusal::new(
            RuleId::Ext3,
            Reason::NotOffered {
                role: Role::ReadonlyAdmin,
                partner: true,
            },
        ),
        Refusal::new(RuleId::Ata1, Reason::AddOnNeedsBase),
        Refusal::new(RuleId::Ata2, Reason::SelfTroubleshooting),
        Refusal::new(
            RuleId::Loc1,
            Reason::LocationExclusive {
                existing: Role::SupportAdmin,
            },
        ),
        Refusal::new(RuleId::Loc1, Reason::LocationNeeded),
        Refusal::new(
            RuleId::Ccsa1,
            Reason::CcsaOnOrgAdmin {
                existing: Role::FullAdmin,
            },
        ),
        Refusal::new(RuleId::Ccsa2, Reason::CcsaNeedsPremium { removing: false }),
        Refusal::new(RuleId::Ccsa2, Reason::CcsaNeedsPremium { removing: true }),
        Refusal::new(RuleId::Ccsa3, Reason::CcsaHomeHasContactCenter),
        Refusal::new(RuleId::Ccsa4, Reason::CcsaPartner),
        Refusal::new(RuleId::Ccsa5, Reason::ContactCenterOff),
        Refusal::new(
            RuleId::Site1,
            Reason::SiteNotInControlHub {
                site: "legacy.webex.com".into(),
            },
        ),
        Refusal::new(
            RuleId::Mca1,
            Reason::ContentAdminNeedsSiteRole {
                site: "acme.webex.com".into(),
            },
        ),
        Refusal::new(RuleId::Assign3, Reason::LastFullAdmin),
        Refusal::new(RuleId::Ext9, Reason::PartnerSelfFullAdmin),
        Refusal::new(RuleId::Ext9, Reason::RelationshipNotActive).also(RuleId::Ext8),
        Refusal::new(RuleId::Ext8, Reason::NotProvisioningPartner),
        Refusal::new(RuleId::New2, Reason::NotPartnerFullAdmin),
        Refusal::new(RuleId::Cc4, Reason::ChatSetupInternalFullOnly),
        Refusal::new(RuleId::Site5, Reason::SiteAdminNoUserManagement),
        Refusal::new(
            RuleId::Lic1,
            Reason::LicenseExhausted {
                license: "cc_premium_agent".into(),
                quantity: 3,
            },
        ),
        Refusal::new(
            RuleId::Ccsa10,
            Reason::CsvColumnNotAllowed {
                column: "Webex Calling".into(),
            },
        ),
        Refusal::new(
            RuleId::Csv2,
            Reason::CsvInvalid {
                detail: Text::new(
                    "header, column 3: “Stat” is not a column of the template",
                    "kopregel, kolom 3: “Stat” is geen kolom van de sjabloon",
                ),
            },
        ),
        Refusal::new(RuleId::Perm1, Reason::ReadOnlyToken),
        Refusal::new(
            RuleId::Ccsa8,
            Reason::CcsaLicensesOnly {
                license: "calling".into(),
            },
        ),
    ]);
    for what in [
        CcsaForbidden::AddUsers,
        CcsaForbidden::RemoveUsers,
        CcsaForbidden::ChangeStatus,
        CcsaForbidden::SetUpServices,
    ] {
        out.push(Refusal::new(RuleId::Ccsa7, Reason::CcsaCannot { what }));
    }
    for field in SharedField::ALL {
        out.push(Refusal::new(RuleId::Ext10, Reason::FieldWithheld { field }));
    }
    out
}

#[test]
fn every_refusal_text_in_english_and_dutch() {
    let mut text = String::new();
    let mut kinds = std::collections::BTreeSet::new();
    for r in samples() {
        kinds.insert(sampled(&r.reason));
        text.push_str(&format!(
            "[{}] {}\n  en: {}\n  nl: {}\n",
            r.rule,
            sampled(&r.reason),
            r.message(Lang::En),
            r.message(Lang::Nl)
        ));
        assert!(r.message(Lang::En).ends_with(')'), "{r:?}");
        assert!(r.message(Lang::Nl).contains(r.rule.id()), "{r:?}");
    }
    assert_eq!(kinds.len(), 35, "every reason has a sample");
    insta::assert_snapshot!(text);
}

#[test]
fn every_warning_and_rule_summary_in_english_and_dutch() {
    let mut text = String::new();
    for w in [
        Warning::SingleFullAdmin,
        Warning::SignInRequired,
        Warning::AlreadyHeld,
    ] {
        text.push_str(&format!(
            "warning {}\n  en: {}\n  nl: {}\n",
            w.code(),
            w.message(Lang::En),
            w.message(Lang::Nl)
        ));
    }
    for rule in RuleId::ALL {
        text.push_str(&format!(
            "{}\n  en: {}\n  nl: {}\n",
            rule,
            rule.summary(Lang::En),
            rule.summary(Lang::Nl)
        ));
    }
    insta::assert_snapshot!(text);
}
