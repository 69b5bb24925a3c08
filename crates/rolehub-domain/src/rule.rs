//! Rule ids: every numbered rule of the administrator-role model, with a one-line summary.
//!
//! Grepping an id (say `R-CCSA-1`) finds where it is enforced, its refusal text and its tests.

use std::fmt;

use crate::lang::Lang;

macro_rules! rules {
    ($($variant:ident = $id:literal, $en:literal, $nl:literal;)*) => {
        /// A numbered rule of the administrator-role model.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId { $(#[doc = $en] $variant,)* }

        impl RuleId {
            /// Every rule, in the order the model lists them.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];

            /// The id as the specification writes it, e.g. `R-CCSA-1`.
            pub fn id(self) -> &'static str {
                match self { $(RuleId::$variant => $id,)* }
            }

            /// What the rule says, in one line.
            pub fn summary(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((RuleId::$variant, Lang::En) => $en, (RuleId::$variant, Lang::Nl) => $nl,)*
                }
            }
        }
    };
}

rules! {
    Assign1 = "R-ASSIGN-1", "Roles are assigned and revoked by the org's full administrators.", "Rollen worden toegewezen en ingetrokken door de volledige beheerders van de organisatie.";
    Assign2 = "R-ASSIGN-2", "No one gives another person an access level they do not hold themselves.", "Niemand geeft een ander een toegangsniveau dat hij zelf niet heeft.";
    Assign3 = "R-ASSIGN-3", "An org always keeps at least one full administrator.", "Een organisatie houdt altijd minstens één volledige beheerder.";
    Assign4 = "R-ASSIGN-4", "Revoking a role follows the same authority as assigning it.", "Een rol intrekken volgt dezelfde bevoegdheid als hem toewijzen.";
    Ata1 = "R-ATA-1", "Advanced troubleshooting access is only for internal full, read-only or support administrators.", "Toegang tot geavanceerde probleemoplossing is alleen voor interne volledige, alleen-lezen- of ondersteuningsbeheerders.";
    Ata2 = "R-ATA-2", "A full administrator cannot give advanced troubleshooting access to themselves.", "Een volledige beheerder kan zichzelf geen toegang tot geavanceerde probleemoplossing geven.";
    Loc1 = "R-LOC-1", "The location administrator role is exclusive and needs at least one location.", "De rol locatiebeheerder is exclusief en vraagt minstens één locatie.";
    Call1 = "R-CALL-1", "User and device administrators and device administrators have no access to Webex Calling administration.", "Gebruikers- en apparaatbeheerders en apparaatbeheerders hebben geen toegang tot het beheer van Webex Calling.";
    Org1 = "R-ORG-1", "Changing a user's organization role can remove their service roles; the response lists them.", "Een wijziging van de organisatierol kan servicerollen verwijderen; het antwoord noemt ze.";
    Evt1 = "R-EVT-1", "A Webex Events administrator may assign and revoke the Events administrator role.", "Een Webex Events-beheerder mag de rol Events-beheerder toewijzen en intrekken.";
    Cdr1 = "R-CDR-1", "The call history API role gives read access to the detailed call history API only.", "De API-rol geeft alleen leestoegang tot de API voor gedetailleerde gespreksgeschiedenis.";
    Site1 = "R-SITE-1", "Site roles can be assigned only on sites managed in Control Hub.", "Siterollen kunnen alleen worden toegewezen op sites die in Control Hub worden beheerd.";
    Site2 = "R-SITE-2", "A site role reaches only its own site; sites managed in Site Administration are out of reach.", "Een siterol geldt alleen voor de eigen site; sites die in Sitebeheer worden beheerd vallen erbuiten.";
    Site3 = "R-SITE-3", "A site role takes effect after its holder signs in to the admin console once after the grant.", "Een siterol werkt pas nadat de houder zich na de toewijzing eenmaal heeft aangemeld bij de beheerconsole.";
    Site4 = "R-SITE-4", "A site role consumes no Meetings license and gives no host rights.", "Een siterol gebruikt geen Meetings-licentie en geeft geen hostrechten.";
    Site5 = "R-SITE-5", "Site administrators manage only Meetings settings and cannot add or remove users.", "Sitebeheerders beheren alleen Meetings-instellingen en kunnen geen gebruikers toevoegen of verwijderen.";
    Site6 = "R-SITE-6", "A site administrator may assign and revoke the site roles of their own sites.", "Een sitebeheerder mag de siterollen van de eigen sites toewijzen en intrekken.";
    Mca1 = "R-MCA-1", "Meeting content administrator needs a site role on the same site.", "Beheerder vergaderingsinhoud vraagt een siterol op dezelfde site.";
    Ccsa1 = "R-CCSA-1", "The Contact Center service administrator role cannot go to a full or read-only administrator.", "De rol Contact Center-servicebeheerder kan niet naar een volledige of alleen-lezenbeheerder.";
    Ccsa2 = "R-CCSA-2", "An internal Contact Center service administrator needs a Premium Agent license.", "Een interne Contact Center-servicebeheerder heeft een Premium Agent-licentie nodig.";
    Ccsa3 = "R-CCSA-3", "An external user whose own org has Contact Center cannot be made service administrator.", "Een externe gebruiker van wie de eigen organisatie Contact Center heeft, kan geen servicebeheerder worden.";
    Ccsa4 = "R-CCSA-4", "A user of the provisioning partner cannot be made Contact Center service administrator.", "Een gebruiker van de leverende partner kan geen Contact Center-servicebeheerder worden.";
    Ccsa5 = "R-CCSA-5", "The Contact Center service administrator role exists only where Contact Center is enabled.", "De rol Contact Center-servicebeheerder bestaat alleen waar Contact Center is ingeschakeld.";
    Ccsa6 = "R-CCSA-6", "Only full administrators and service administrators assign the service administrator role, and external ones only to users of the org.", "Alleen volledige beheerders en servicebeheerders wijzen de rol servicebeheerder toe, en externen alleen aan gebruikers van de organisatie.";
    Ccsa7 = "R-CCSA-7", "A Contact Center service administrator cannot set up services or chat, or add, activate, deactivate or delete users.", "Een Contact Center-servicebeheerder kan geen services of chat instellen en geen gebruikers toevoegen, activeren, deactiveren of verwijderen.";
    Ccsa8 = "R-CCSA-8", "A Contact Center service administrator views users and account, resends invitations and manages Contact Center licenses.", "Een Contact Center-servicebeheerder bekijkt gebruikers en account, verstuurt uitnodigingen opnieuw en beheert Contact Center-licenties.";
    Ccsa9 = "R-CCSA-9", "A Contact Center service administrator sees only service administrators in the administrator lists.", "Een Contact Center-servicebeheerder ziet alleen servicebeheerders in de beheerderslijsten.";
    Ccsa10 = "R-CCSA-10", "A Contact Center service administrator may change only the Contact Center license columns by CSV.", "Een Contact Center-servicebeheerder mag via CSV alleen de Contact Center-licentiekolommen wijzigen.";
    Cc1 = "R-CC-1", "External full administrators manage Contact Center like internal ones, except service administrators of other externals.", "Externe volledige beheerders beheren Contact Center zoals interne, behalve servicebeheerders van andere externen.";
    Cc2 = "R-CC-2", "A provisioning administrator manages Contact Center but not users, and only views the external administrators.", "Een inrichtingsbeheerder beheert Contact Center maar geen gebruikers en bekijkt alleen de externe beheerders.";
    Cc3 = "R-CC-3", "Internal read-only administrators have no access to the Contact Center admin interfaces; external ones read only.", "Interne alleen-lezenbeheerders hebben geen toegang tot de beheerinterfaces van Contact Center; externe alleen lezen.";
    Cc4 = "R-CC-4", "Only an internal full administrator runs the services wizard and sets up Contact Center chat.", "Alleen een interne volledige beheerder voert de servicewizard uit en stelt Contact Center-chat in.";
    Ext1 = "R-EXT-1", "Anyone outside the org but consumer users can be added as external administrator, by internal full administrators.", "Iedereen buiten de organisatie behalve consumenten kan externe beheerder worden, toegevoegd door interne volledige beheerders.";
    Ext2 = "R-EXT-2", "External administrators cannot add external administrators or change other external administrators' roles.", "Externe beheerders kunnen geen externe beheerders toevoegen of de rollen van andere externe beheerders wijzigen.";
    Ext3 = "R-EXT-3", "External administrators are offered only the roles their relation to the org allows.", "Externe beheerders krijgen alleen de rollen aangeboden die hun relatie met de organisatie toestaat.";
    Ext4 = "R-EXT-4", "An external user holds one of full, read-only or service administrator at a time; a new one replaces the old.", "Een externe gebruiker heeft één van volledige, alleen-lezen- of servicebeheerder tegelijk; een nieuwe vervangt de oude.";
    Ext5 = "R-EXT-5", "Revoking an external administrator removes every grant they hold in the org.", "Het intrekken van een externe beheerder verwijdert al zijn rollen in de organisatie.";
    Ext6 = "R-EXT-6", "An external full administrator reaches Meetings sites after signing in once after the grant.", "Een externe volledige beheerder krijgt toegang tot Meetings-sites na eenmaal aanmelden na de toewijzing.";
    Ext7 = "R-EXT-7", "External read-only access expires after the org's set time.", "Externe alleen-lezentoegang verloopt na de door de organisatie ingestelde tijd.";
    Ext8 = "R-EXT-8", "Provisioning administrators are added when the partner provisions the org's service orders.", "Inrichtingsbeheerders worden toegevoegd wanneer de partner de serviceorders van de organisatie inricht.";
    Ext9 = "R-EXT-9", "While the sales relationship is active a partner full administrator may re-assign themselves provisioning administrator, never full administrator.", "Zolang de verkooprelatie actief is mag een volledige beheerder van de partner zichzelf opnieuw inrichtingsbeheerder maken, nooit volledige beheerder.";
    Ext10 = "R-EXT-10", "The org chooses which user data external administrators see; the rest is masked.", "De organisatie kiest welke gebruikersgegevens externe beheerders zien; de rest wordt gemaskeerd.";
    Ext11 = "R-EXT-11", "External administrators sign in through their own home org.", "Externe beheerders melden zich aan via hun eigen organisatie.";
    List1 = "R-LIST-1", "The users list filters by roles; administrator lists need read access to roles or external administrators.", "De gebruikerslijst filtert op rollen; beheerderslijsten vragen leestoegang tot rollen of externe beheerders.";
    List2 = "R-LIST-2", "A user's summary shows their admin roles as a comma list, or None.", "Het overzicht van een gebruiker toont de beheerdersrollen als lijst met komma's, of Geen.";
    Export1 = "R-EXPORT-1", "Administrators export as CSV with the columns name, email and admin roles.", "Beheerders worden geëxporteerd als CSV met de kolommen naam, e-mail en beheerdersrollen.";
    Export2 = "R-EXPORT-2", "An export reflects the filter at the moment it was requested.", "Een export toont het filter op het moment van de aanvraag.";
    Export3 = "R-EXPORT-3", "Exported cells that could start a spreadsheet formula are neutralised.", "Geëxporteerde cellen die een spreadsheetformule kunnen starten, worden onschadelijk gemaakt.";
    Csv1 = "R-CSV-1", "Users are changed by CSV with the modify-users template.", "Gebruikers worden via CSV gewijzigd met de sjabloon voor gebruikerswijzigingen.";
    Csv2 = "R-CSV-2", "A CSV upload is validated whole and applied all or nothing unless valid rows only are asked for.", "Een CSV-upload wordt in zijn geheel gecontroleerd en alles-of-niets toegepast, tenzij om alleen geldige rijen wordt gevraagd.";
    Lic1 = "R-LIC-1", "A license is assigned only while its subscription has an unused unit.", "Een licentie wordt alleen toegewezen zolang het abonnement een ongebruikte eenheid heeft.";
    New1 = "R-NEW-1", "Users added to an org hold no role.", "Gebruikers die aan een organisatie worden toegevoegd, hebben geen rol.";
    New2 = "R-NEW-2", "The partner administrator who creates a customer org becomes its first full administrator.", "De partnerbeheerder die een klantorganisatie maakt, wordt de eerste volledige beheerder.";
    Auth1 = "R-AUTH-1", "Every request has an authenticated principal and reaches only orgs where it holds a grant.", "Elk verzoek heeft een aangemelde gebruiker en bereikt alleen organisaties waar die een rol heeft.";
    Auth2 = "R-AUTH-2", "Grants that need a sign-in use the time of the last interactive sign-in.", "Rollen die een aanmelding vragen, gebruiken het tijdstip van de laatste interactieve aanmelding.";
    Auth3 = "R-AUTH-3", "A deactivated person has no access through any grant.", "Een gedeactiveerde persoon heeft via geen enkele rol toegang.";
    Perm1 = "R-PERM-1", "An access is refused when no grant in effect gives the level asked for.", "Toegang wordt geweigerd als geen geldende rol het gevraagde niveau geeft.";
}

impl RuleId {
    /// Looks a rule up by its id, e.g. `R-CCSA-1`.
    pub fn from_id(id: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|r| r.id() == id)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_is_unique_and_round_trips() {
        assert_eq!(RuleId::ALL.len(), 57);
        for &rule in RuleId::ALL {
            assert_eq!(RuleId::from_id(rule.id()), Some(rule));
            assert!(rule.id().starts_with("R-"));
            assert!(!rule.summary(Lang::Nl).is_empty());
        }
    }
}
