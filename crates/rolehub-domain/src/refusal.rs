//! Refusals and warnings, and the one place their text lives, in English and Dutch.
//!
//! A refusal is a value: the rule that refuses, possibly a second rule that also applies where
//! rules overlap, and the reason with its parameters. Interfaces render it with [`Refusal::message`].

use std::fmt;

use crate::area::{Area, Level};
use crate::lang::Lang;
use crate::license::License;
use crate::role::Role;
use crate::rule::RuleId;

/// Why something was refused, with what a message needs to say so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// No grant in effect gives the level asked in an area.
    Access {
        area: Area,
        asked: Level,
        held: Level,
        via: Option<Role>,
    },
    /// The actor may not assign or revoke this role.
    MayNotAssign { role: Role },
    /// Removing or deactivating the person would take away a role the actor may not revoke
    /// (reading A-8).
    RemovalTakesRole { role: Role, deactivating: bool },
    /// An external administrator tried to change another external administrator's roles.
    ExternalChangesExternal,
    /// An external administrator tried to add an external administrator.
    ExternalAddsExternal,
    /// Only internal full administrators (and CCSAs, for that role) add external administrators.
    OnlyInternalAddsExternal,
    /// No person has that email.
    UnknownAccount { email: String },
    /// The email belongs to a user of the org itself.
    AlreadyInternal { email: String },
    /// Consumer accounts cannot be external administrators.
    ConsumerAccount { email: String },
    /// The role is not offered to this external person.
    NotOffered { role: Role, partner: bool },
    /// The add-on needs a base role the person does not hold.
    AddOnNeedsBase,
    /// A full administrator tried to give themselves advanced troubleshooting.
    SelfTroubleshooting,
    /// Location administrator beside another admin role.
    LocationExclusive { existing: Role },
    /// Location administrator without a location.
    LocationNeeded,
    /// CCSA to a full or read-only administrator.
    CcsaOnOrgAdmin { existing: Role },
    /// CCSA without the Premium Agent license, or removing that license from a CCSA.
    CcsaNeedsPremium { removing: bool },
    /// CCSA to an external whose own org has Contact Center.
    CcsaHomeHasContactCenter,
    /// CCSA to a user of the provisioning partner.
    CcsaPartner,
    /// CCSA where Contact Center is off.
    ContactCenterOff,
    /// A site role on a site not managed in Control Hub.
    SiteNotInControlHub { site: String },
    /// Meeting content administrator without a site role on the site.
    ContentAdminNeedsSiteRole { site: String },
    /// The change would leave the org without a full administrator.
    LastFullAdmin,
    /// A partner administrator tried to make themselves full administrator.
    PartnerSelfFullAdmin,
    /// The sales relationship is not active (any more).
    RelationshipNotActive,
    /// Only a full administrator of the provisioning partner provisions orders.
    NotProvisioningPartner,
    /// Only a full administrator of a partner org creates customer orgs.
    NotPartnerFullAdmin,
    /// A CCSA tried user management or services set-up.
    CcsaCannot { what: CcsaForbidden },
    /// Chat set-up by someone other than an internal full administrator.
    ChatSetupInternalFullOnly,
    /// Site administrators cannot add or remove org users.
    SiteAdminNoUserManagement,
    /// No unit of a license left.
    LicenseExhausted { license: String, quantity: i64 },
    /// A CSV column a CCSA may not change.
    CsvColumnNotAllowed { column: String },
    /// A CSV file whose structure is invalid; the detail names the place, in each language.
    CsvInvalid { detail: crate::text::Text },
    /// A CCSA tried to give or take a license other than Contact Center's (R-CCSA-8).
    CcsaLicensesOnly { license: String },
    /// A personal access token with the `read` scope was used for a change: the scope narrows
    /// what the holder's roles allow to reading (R-PERM-1).
    ReadOnlyToken,
    /// The org withholds a field from external administrators, so it cannot be searched or used
    /// as a key by them (R-EXT-10).
    FieldWithheld { field: crate::model::SharedField },
}

/// What a CCSA tried that R-CCSA-7 forbids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CcsaForbidden {
    AddUsers,
    RemoveUsers,
    ChangeStatus,
    SetUpServices,
}

/// A refusal: the rule, an overlapping rule if any, and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The rule that refuses.
    pub rule: RuleId,
    /// A second rule that says the same, where rules overlap.
    pub also: Option<RuleId>,
    /// Why, with the details a message names.
    pub reason: Reason,
}

impl Refusal {
    /// A refusal by one rule.
    pub fn new(rule: RuleId, reason: Reason) -> Refusal {
        Refusal {
            rule,
            also: None,
            reason,
        }
    }

    /// The same refusal, also naming an overlapping rule.
    pub fn also(mut self, rule: RuleId) -> Refusal {
        if rule != self.rule {
            self.also = Some(rule);
        }
        self
    }

    /// Whether the refusal names a rule (as its rule or the overlapping one).
    pub fn names(&self, rule: RuleId) -> bool {
        self.rule == rule || self.also == Some(rule)
    }

    /// The one-sentence explanation, naming the rule id.
    pub fn message(&self, lang: Lang) -> String {
        let text = explain(&self.reason, self.rule, lang);
        match self.also {
            Some(also) => format!("{text} ({}, {also})", self.rule),
            None => format!("{text} ({})", self.rule),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

fn role_name(role: Role, lang: Lang) -> &'static str {
    role.name(lang)
}

fn access_sentence(
    rule: RuleId,
    area: Area,
    asked: Level,
    held: Level,
    via: Option<Role>,
    lang: Lang,
) -> String {
    let a = area.describe(lang);
    let asked_s = asked.describe(lang);
    let held_s = held.describe(lang);
    let via_name = via.map(|r| r.name(lang)).unwrap_or("");
    // "as Read-only administrator " / "als Alleen-lezenbeheerder ", or nothing when no role is named.
    let as_role = |word: &str| {
        via.map(|r| format!("{word} {} ", r.name(lang)))
            .unwrap_or_default()
    };
    match (rule, lang) {
        (RuleId::Auth3, Lang::En) => "Your account is deactivated, so none of your roles gives access.".into(),
        (RuleId::Auth3, Lang::Nl) => "Uw account is gedeactiveerd, dus geen van uw rollen geeft toegang.".into(),
        (RuleId::Auth1, Lang::En) => "You hold no role in this organization, so you cannot reach its data.".into(),
        (RuleId::Auth1, Lang::Nl) => "U hebt geen rol in deze organisatie en kunt haar gegevens dus niet bereiken.".into(),
        (RuleId::Ext7, Lang::En) => format!("Your external access {}has expired, so you have no {asked_s} to {a}.", as_role("as")),
        (RuleId::Ext7, Lang::Nl) => format!("Uw externe toegang {}is verlopen, dus u hebt geen {asked_s} tot {a}.", as_role("als")),
        (RuleId::Ext9, Lang::En) => format!("The sales relationship with your partner org has ended, so your partner role {}gives no {asked_s} to {a}.", as_role("of")),
        (RuleId::Ext9, Lang::Nl) => format!("De verkooprelatie met uw partnerorganisatie is beëindigd, dus uw partnerrol {}geeft geen {asked_s} tot {a}.", as_role("van")),
        (RuleId::Site3, Lang::En) => format!("Your site role {}takes effect after you sign in to the admin console once; until then you have no {asked_s} to {a}.", as_role("of")),
        (RuleId::Site3, Lang::Nl) => format!("Uw siterol {}werkt pas nadat u zich eenmaal bij de beheerconsole aanmeldt; tot dan hebt u geen {asked_s} tot {a}.", as_role("van")),
        (RuleId::Ext6, Lang::En) => format!("As an external full administrator you reach Meetings sites after signing in to the admin console once after the grant; until then you have no {asked_s} to {a}."),
        (RuleId::Ext6, Lang::Nl) => format!("Als externe volledige beheerder krijgt u toegang tot Meetings-sites na eenmaal aanmelden bij de beheerconsole na de toewijzing; tot dan hebt u geen {asked_s} tot {a}."),
        (RuleId::Site2, Lang::En) => format!("The area {a} is out of reach: a site role reaches only its own site, and sites managed in Site Administration are outside Rolehub."),
        (RuleId::Site2, Lang::Nl) => format!("Het onderdeel {a} valt buiten bereik: een siterol geldt alleen voor de eigen site, en sites die in Sitebeheer worden beheerd vallen buiten Rolehub."),
        (RuleId::Call1, Lang::En) => "User and device administrators and device administrators have no access to Webex Calling administration.".into(),
        (RuleId::Call1, Lang::Nl) => "Gebruikers- en apparaatbeheerders en apparaatbeheerders hebben geen toegang tot het beheer van Webex Calling.".into(),
        (RuleId::Cdr1, Lang::En) => format!("The call history API role gives read access to the detailed call history API only, not {asked_s} to {a}."),
        (RuleId::Cdr1, Lang::Nl) => format!("De API-rol voor gespreksgeschiedenis geeft alleen leestoegang tot de API voor gedetailleerde gespreksgeschiedenis, geen {asked_s} tot {a}."),
        (RuleId::Cc3, Lang::En) => format!("Internal read-only administrators have no access to the Contact Center admin interfaces; external ones read only, so you have no {asked_s}."),
        (RuleId::Cc3, Lang::Nl) => format!("Interne alleen-lezenbeheerders hebben geen toegang tot de beheerinterfaces van Contact Center; externe alleen lezen, dus u hebt geen {asked_s}."),
        (RuleId::Ccsa7, Lang::En) => "A Contact Center service administrator can view users but cannot add, activate, deactivate or delete them.".into(),
        (RuleId::Ccsa7, Lang::Nl) => "Een Contact Center-servicebeheerder kan gebruikers bekijken maar niet toevoegen, activeren, deactiveren of verwijderen.".into(),
        (RuleId::Cc2, Lang::En) => format!("A provisioning administrator manages Contact Center but not {a}; of the administrators it sees only the external ones."),
        (RuleId::Cc2, Lang::Nl) => format!("Een inrichtingsbeheerder beheert Contact Center maar niet {a}; van de beheerders ziet hij alleen de externe."),
        (RuleId::Site5, Lang::En) => "Site administrators manage only Meetings settings of users; they cannot manage the org's users.".into(),
        (RuleId::Site5, Lang::Nl) => "Sitebeheerders beheren alleen Meetings-instellingen van gebruikers; ze kunnen de gebruikers van de organisatie niet beheren.".into(),
        (RuleId::Ccsa6, Lang::En) => "A Contact Center service administrator can assign and revoke only the Contact Center service administrator role.".into(),
        (RuleId::Ccsa6, Lang::Nl) => "Een Contact Center-servicebeheerder kan alleen de rol Contact Center-servicebeheerder toewijzen en intrekken.".into(),
        (RuleId::Evt1, Lang::En) => "A Webex Events administrator can assign and revoke only the Events administrator role.".into(),
        (RuleId::Evt1, Lang::Nl) => "Een Webex Events-beheerder kan alleen de rol Events-beheerder toewijzen en intrekken.".into(),
        (RuleId::Ext2, Lang::En) => "External administrators cannot add external administrators or change their roles.".into(),
        (RuleId::Ext2, Lang::Nl) => "Externe beheerders kunnen geen externe beheerders toevoegen of hun rollen wijzigen.".into(),
        (_, Lang::En) if via.is_some() => format!("You asked for {asked_s} to {a}, but your roles give {held_s} ({via_name})."),
        (_, Lang::Nl) if via.is_some() => format!("U vroeg {asked_s} tot {a}, maar uw rollen geven {held_s} ({via_name})."),
        (_, Lang::En) => format!("You asked for {asked_s} to {a}, but none of your roles in effect gives it."),
        (_, Lang::Nl) => format!("U vroeg {asked_s} tot {a}, maar geen van uw geldende rollen geeft dat."),
    }
}

fn explain(reason: &Reason, rule: RuleId, lang: Lang) -> String {
    use Lang::{En, Nl};
    use Reason::*;
    match (reason, lang) {
        (Access { area, asked, held, via }, _) => access_sentence(rule, *area, *asked, *held, *via, lang),
        (MayNotAssign { role }, En) => match rule {
            RuleId::Ccsa6 => format!("You cannot assign or revoke {}: a Contact Center service administrator handles only that role, and an external one only for users of the org.", role_name(*role, En)),
            RuleId::Evt1 => format!("You cannot assign or revoke {}: an Events administrator handles only the Events administrator role.", role_name(*role, En)),
            RuleId::Site6 => format!("You cannot assign or revoke {}: only a site administrator of that site, for users of the org, handles its site roles.", role_name(*role, En)),
            _ => format!("You cannot assign or revoke {}: only the org's full administrators assign roles.", role_name(*role, En)),
        },
        (MayNotAssign { role }, Nl) => match rule {
            RuleId::Ccsa6 => format!("U kunt {} niet toewijzen of intrekken: een Contact Center-servicebeheerder beheert alleen die rol, en een externe alleen voor gebruikers van de organisatie.", role_name(*role, Nl)),
            RuleId::Evt1 => format!("U kunt {} niet toewijzen of intrekken: een Events-beheerder beheert alleen de rol Events-beheerder.", role_name(*role, Nl)),
            RuleId::Site6 => format!("U kunt {} niet toewijzen of intrekken: alleen een sitebeheerder van die site beheert, voor gebruikers van de organisatie, de siterollen.", role_name(*role, Nl)),
            _ => format!("U kunt {} niet toewijzen of intrekken: alleen de volledige beheerders van de organisatie wijzen rollen toe.", role_name(*role, Nl)),
        },
        (RemovalTakesRole { role, deactivating }, En) => format!(
            "You cannot {} this person: that would take away their role {}, which you may not revoke.",
            if *deactivating { "deactivate" } else { "remove" },
            role_name(*role, En)
        ),
        (RemovalTakesRole { role, deactivating }, Nl) => format!(
            "U kunt deze persoon niet {}: daarmee zou de rol {} vervallen, die u niet mag intrekken.",
            if *deactivating { "deactiveren" } else { "verwijderen" },
            role_name(*role, Nl)
        ),
        (ExternalChangesExternal, En) => "External administrators cannot change or revoke the roles of other external administrators.".into(),
        (ExternalChangesExternal, Nl) => "Externe beheerders kunnen de rollen van andere externe beheerders niet wijzigen of intrekken.".into(),
        (ExternalAddsExternal, En) => "External administrators cannot add external administrators.".into(),
        (ExternalAddsExternal, Nl) => "Externe beheerders kunnen geen externe beheerders toevoegen.".into(),
        (OnlyInternalAddsExternal, En) => "External administrators are added by the org's internal full administrators (and, with the Contact Center service administrator role only, by internal service administrators).".into(),
        (OnlyInternalAddsExternal, Nl) => "Externe beheerders worden toegevoegd door de interne volledige beheerders van de organisatie (en, alleen met de rol Contact Center-servicebeheerder, door interne servicebeheerders).".into(),
        (UnknownAccount { email }, En) => format!("No account uses the email `{email}`, so it cannot be added as an external administrator."),
        (UnknownAccount { email }, Nl) => format!("Geen account gebruikt het e-mailadres `{email}`, dus het kan geen externe beheerder worden."),
        (AlreadyInternal { email }, En) => format!("`{email}` is a user of this organization; give them a role instead of adding them as external administrator."),
        (AlreadyInternal { email }, Nl) => format!("`{email}` is een gebruiker van deze organisatie; geef een rol in plaats van hem als externe beheerder toe te voegen."),
        (ConsumerAccount { email }, En) => format!("`{email}` is a consumer account, and consumer users cannot be external administrators."),
        (ConsumerAccount { email }, Nl) => format!("`{email}` is een consumentenaccount, en consumenten kunnen geen externe beheerder zijn."),
        (NotOffered { role, partner: true }, En) => format!("{} is not offered to administrators of the provisioning partner; they can be full or provisioning administrator.", role_name(*role, En)),
        (NotOffered { role, partner: true }, Nl) => format!("{} wordt niet aangeboden aan beheerders van de leverende partner; zij kunnen volledige beheerder of inrichtingsbeheerder zijn.", role_name(*role, Nl)),
        (NotOffered { role, partner: false }, En) => format!("{} cannot be held by this person: the catalogue reserves it for other holders than their relation to the org allows.", role_name(*role, En)),
        (NotOffered { role, partner: false }, Nl) => format!("{} kan niet door deze persoon worden gehouden: de catalogus reserveert de rol voor andere houders dan hun relatie met de organisatie toestaat.", role_name(*role, Nl)),
        (AddOnNeedsBase, En) => "Advanced troubleshooting access can be given only to an internal full, read-only or support administrator.".into(),
        (AddOnNeedsBase, Nl) => "Toegang tot geavanceerde probleemoplossing kan alleen aan een interne volledige, alleen-lezen- of ondersteuningsbeheerder worden gegeven.".into(),
        (SelfTroubleshooting, En) => "You cannot give advanced troubleshooting access to yourself; another full administrator must.".into(),
        (SelfTroubleshooting, Nl) => "U kunt uzelf geen toegang tot geavanceerde probleemoplossing geven; een andere volledige beheerder moet dat doen.".into(),
        (LocationExclusive { existing }, En) => format!("The location administrator role cannot be combined with other admin roles, and this person holds {}.", role_name(*existing, En)),
        (LocationExclusive { existing }, Nl) => format!("De rol locatiebeheerder kan niet worden gecombineerd met andere beheerdersrollen, en deze persoon heeft {}.", role_name(*existing, Nl)),
        (LocationNeeded, En) => "A location administrator needs at least one location of the organization.".into(),
        (LocationNeeded, Nl) => "Een locatiebeheerder heeft minstens één locatie van de organisatie nodig.".into(),
        (CcsaOnOrgAdmin { existing }, En) => format!("The Contact Center service administrator role cannot be given to a {}.", role_name(*existing, En).to_lowercase()),
        (CcsaOnOrgAdmin { existing }, Nl) => format!("De rol Contact Center-servicebeheerder kan niet aan een {} worden gegeven.", role_name(*existing, Nl).to_lowercase()),
        (CcsaNeedsPremium { removing: false }, En) => "A user of the org needs a Webex Contact Center Premium Agent license to become Contact Center service administrator.".into(),
        (CcsaNeedsPremium { removing: false }, Nl) => "Een gebruiker van de organisatie heeft een Webex Contact Center Premium Agent-licentie nodig om Contact Center-servicebeheerder te worden.".into(),
        (CcsaNeedsPremium { removing: true }, En) => "The Premium Agent license cannot be removed while the user holds the Contact Center service administrator role.".into(),
        (CcsaNeedsPremium { removing: true }, Nl) => "De Premium Agent-licentie kan niet worden verwijderd zolang de gebruiker de rol Contact Center-servicebeheerder heeft.".into(),
        (CcsaHomeHasContactCenter, En) => "This external user's own organization has Contact Center enabled, so they cannot be made Contact Center service administrator here.".into(),
        (CcsaHomeHasContactCenter, Nl) => "De eigen organisatie van deze externe gebruiker heeft Contact Center ingeschakeld, dus hij kan hier geen Contact Center-servicebeheerder worden.".into(),
        (CcsaPartner, En) => "A user of the provisioning partner cannot be made Contact Center service administrator.".into(),
        (CcsaPartner, Nl) => "Een gebruiker van de leverende partner kan geen Contact Center-servicebeheerder worden.".into(),
        (ContactCenterOff, En) => "Contact Center is not enabled in this organization, so the Contact Center service administrator role does not exist here.".into(),
        (ContactCenterOff, Nl) => "Contact Center is niet ingeschakeld in deze organisatie, dus de rol Contact Center-servicebeheerder bestaat hier niet.".into(),
        (SiteNotInControlHub { site }, En) => format!("The site `{site}` is managed in Site Administration, so site roles cannot be assigned on it here."),
        (SiteNotInControlHub { site }, Nl) => format!("De site `{site}` wordt in Sitebeheer beheerd, dus er kunnen hier geen siterollen op worden toegewezen."),
        (ContentAdminNeedsSiteRole { site }, En) => format!("Meeting content administrator on `{site}` needs a site role on that same site first."),
        (ContentAdminNeedsSiteRole { site }, Nl) => format!("Beheerder vergaderingsinhoud op `{site}` vraagt eerst een siterol op diezelfde site."),
        (LastFullAdmin, En) => "This would leave the organization without a full administrator; assign another full administrator first.".into(),
        (LastFullAdmin, Nl) => "Hierdoor zou de organisatie geen volledige beheerder meer hebben; wijs eerst een andere volledige beheerder toe.".into(),
        (PartnerSelfFullAdmin, En) => "A partner administrator can never assign themselves the full administrator role; they may re-assign themselves provisioning administrator.".into(),
        (PartnerSelfFullAdmin, Nl) => "Een partnerbeheerder kan zichzelf nooit de rol volledige beheerder geven; wel opnieuw inrichtingsbeheerder.".into(),
        (RelationshipNotActive, En) => "Your organization has no active sales relationship with this organization any more, so it cannot act as its partner.".into(),
        (RelationshipNotActive, Nl) => "Uw organisatie heeft geen actieve verkooprelatie meer met deze organisatie en kan dus niet als haar partner optreden.".into(),
        (NotProvisioningPartner, En) => "Only a full administrator of the organization's provisioning partner provisions its service orders.".into(),
        (NotProvisioningPartner, Nl) => "Alleen een volledige beheerder van de leverende partner richt de serviceorders van de organisatie in.".into(),
        (NotPartnerFullAdmin, En) => "Only a full administrator of a partner organization creates customer organizations.".into(),
        (NotPartnerFullAdmin, Nl) => "Alleen een volledige beheerder van een partnerorganisatie maakt klantorganisaties aan.".into(),
        (CcsaCannot { what }, En) => format!("A Contact Center service administrator cannot {}.", match what {
            CcsaForbidden::AddUsers => "add users to the organization",
            CcsaForbidden::RemoveUsers => "delete users",
            CcsaForbidden::ChangeStatus => "activate or deactivate users",
            CcsaForbidden::SetUpServices => "run the services set-up or set up Contact Center chat",
        }),
        (CcsaCannot { what }, Nl) => format!("Een Contact Center-servicebeheerder kan geen {}.", match what {
            CcsaForbidden::AddUsers => "gebruikers aan de organisatie toevoegen",
            CcsaForbidden::RemoveUsers => "gebruikers verwijderen",
            CcsaForbidden::ChangeStatus => "gebruikers activeren of deactiveren",
            CcsaForbidden::SetUpServices => "services instellen of Contact Center-chat instellen",
        }),
        (ChatSetupInternalFullOnly, En) => "Only an internal full administrator runs the services set-up and sets up Contact Center chat.".into(),
        (ChatSetupInternalFullOnly, Nl) => "Alleen een interne volledige beheerder voert de service-instelling uit en stelt Contact Center-chat in.".into(),
        (SiteAdminNoUserManagement, En) => "Site administrators manage Meetings settings only; they cannot add users to or remove users from the organization.".into(),
        (SiteAdminNoUserManagement, Nl) => "Sitebeheerders beheren alleen Meetings-instellingen; ze kunnen geen gebruikers aan de organisatie toevoegen of eruit verwijderen.".into(),
        (LicenseExhausted { license, quantity }, En) => format!("No unit of the license `{}` is left: all {quantity} are in use.", License::name_of(license)),
        (LicenseExhausted { license, quantity }, Nl) => format!("Er is geen eenheid van de licentie `{}` meer over: alle {quantity} zijn in gebruik.", License::name_of(license)),
        (CsvColumnNotAllowed { column }, En) => format!("A Contact Center service administrator may change only the Contact Center license columns, not `{column}`."),
        (CsvColumnNotAllowed { column }, Nl) => format!("Een Contact Center-servicebeheerder mag alleen de Contact Center-licentiekolommen wijzigen, niet `{column}`."),
        (CsvInvalid { detail }, lang) => detail.get(lang).to_string(),
        (CcsaLicensesOnly { license }, En) => format!("A Contact Center service administrator changes Contact Center licenses only, not `{}`.", License::name_of(license)),
        (CcsaLicensesOnly { license }, Nl) => format!("Een Contact Center-servicebeheerder wijzigt alleen Contact Center-licenties, niet `{}`.", License::name_of(license)),
        (ReadOnlyToken, En) => "This personal access token has the `read` scope: it reads what its holder may read and makes no changes; create a token with the `write` scope for changes.".into(),
        (ReadOnlyToken, Nl) => "Dit persoonlijke toegangstoken heeft het bereik `read`: het leest wat de houder mag lezen en wijzigt niets; maak een token met het bereik `write` om te wijzigen.".into(),
        (FieldWithheld { field }, En) => format!(
            "This organization does not share {} with external administrators, so you cannot search by them or use them as keys.",
            match field {
                crate::model::SharedField::Name => "names",
                crate::model::SharedField::Email => "email addresses",
                crate::model::SharedField::Phone => "phone numbers",
                crate::model::SharedField::Location => "locations",
            }
        ),
        (FieldWithheld { field }, Nl) => format!(
            "Deze organisatie deelt {} niet met externe beheerders, dus u kunt er niet op zoeken en ze niet als sleutel gebruiken.",
            match field {
                crate::model::SharedField::Name => "namen",
                crate::model::SharedField::Email => "e-mailadressen",
                crate::model::SharedField::Phone => "telefoonnummers",
                crate::model::SharedField::Location => "locaties",
            }
        ),
    }
}

/// A warning a successful change carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Warning {
    /// Exactly one full administrator is left (R-ASSIGN-3).
    SingleFullAdmin,
    /// The new role works after its holder signs in once (R-SITE-3, R-EXT-6).
    SignInRequired,
    /// Nothing changed: the person already holds the role.
    AlreadyHeld,
}

impl Warning {
    /// The warning code.
    pub fn code(self) -> &'static str {
        match self {
            Warning::SingleFullAdmin => "single_full_admin",
            Warning::SignInRequired => "sign_in_required",
            Warning::AlreadyHeld => "already_held",
        }
    }

    /// The warning as a person reads it.
    pub fn message(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Warning::SingleFullAdmin, Lang::En) => "Only one full administrator is left; we recommend that more than one person holds the full administrator role (R-ASSIGN-3).",
            (Warning::SingleFullAdmin, Lang::Nl) => "Er is nog maar één volledige beheerder; we raden aan dat meer dan één persoon de rol volledige beheerder heeft (R-ASSIGN-3).",
            (Warning::SignInRequired, Lang::En) => "The role takes effect after its holder signs in to the admin console once (R-SITE-3).",
            (Warning::SignInRequired, Lang::Nl) => "De rol werkt nadat de houder zich eenmaal bij de beheerconsole heeft aangemeld (R-SITE-3).",
            (Warning::AlreadyHeld, Lang::En) => "The person already holds this role; nothing changed.",
            (Warning::AlreadyHeld, Lang::Nl) => "De persoon heeft deze rol al; er is niets gewijzigd.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_rule_in_both_languages() {
        let r = Refusal::new(
            RuleId::Ccsa1,
            Reason::CcsaOnOrgAdmin {
                existing: Role::FullAdmin,
            },
        );
        assert_eq!(
            r.message(Lang::En),
            "The Contact Center service administrator role cannot be given to a full administrator. (R-CCSA-1)"
        );
        assert_eq!(
            r.message(Lang::Nl),
            "De rol Contact Center-servicebeheerder kan niet aan een volledige beheerder worden gegeven. (R-CCSA-1)"
        );
    }

    #[test]
    fn overlapping_rules_are_both_named() {
        let r = Refusal::new(
            RuleId::Ccsa6,
            Reason::MayNotAssign {
                role: Role::FullAdmin,
            },
        )
        .also(RuleId::Assign2);
        assert!(r.names(RuleId::Assign2) && r.names(RuleId::Ccsa6) && !r.names(RuleId::Assign1));
        assert!(r.message(Lang::En).ends_with("(R-CCSA-6, R-ASSIGN-2)"));
    }

    #[test]
    fn r_perm_1_access_refusal_names_area_and_levels() {
        let r = Refusal::new(
            RuleId::Perm1,
            Reason::Access {
                area: Area::Users,
                asked: Level::Write,
                held: Level::Read,
                via: Some(Role::ReadonlyAdmin),
            },
        );
        assert_eq!(r.message(Lang::En), "You asked for write access to users, but your roles give read access (Read-only administrator). (R-PERM-1)");
    }
}
