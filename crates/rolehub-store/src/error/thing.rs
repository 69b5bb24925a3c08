//! The kinds of things a "not found" names, with their nouns in English and Dutch.

use rolehub_domain::{quoted, Lang};

/// What kind of thing was not found, so that a "not found" names it in the reader's language.
/// A closed list: a new kind needs its nouns here before any error can name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Thing {
    /// A person (a user of an org, or an administrator from elsewhere).
    Person,
    /// An organization.
    Organization,
    /// A Webex site.
    Site,
    /// A location of an org.
    Location,
    /// A kept CSV upload.
    Upload,
    /// A background job.
    Job,
    /// A personal access token.
    Token,
    /// An activation link from an invitation.
    ActivationLink,
    /// A SCIM group.
    Group,
    /// A role assignment, by id.
    RoleAssignment,
    /// A role held by a person, by role and email.
    Grant,
    /// A person holding an administrator role.
    Administrator,
    /// A partner's sales relationship with a customer.
    SalesRelationship,
}

impl Thing {
    /// Every kind, for checks that each has its words.
    pub const ALL: [Thing; 13] = [
        Thing::Person,
        Thing::Organization,
        Thing::Site,
        Thing::Location,
        Thing::Upload,
        Thing::Job,
        Thing::Token,
        Thing::ActivationLink,
        Thing::Group,
        Thing::RoleAssignment,
        Thing::Grant,
        Thing::Administrator,
        Thing::SalesRelationship,
    ];

    /// The noun, as a sentence names the thing.
    pub fn noun(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Thing::Person, Lang::En) => "person",
            (Thing::Person, Lang::Nl) => "persoon",
            (Thing::Organization, Lang::En) => "organization",
            (Thing::Organization, Lang::Nl) => "organisatie",
            (Thing::Site, Lang::En) => "site",
            (Thing::Site, Lang::Nl) => "site",
            (Thing::Location, Lang::En) => "location",
            (Thing::Location, Lang::Nl) => "locatie",
            (Thing::Upload, Lang::En) => "upload",
            (Thing::Upload, Lang::Nl) => "upload",
            (Thing::Job, Lang::En) => "job",
            (Thing::Job, Lang::Nl) => "taak",
            (Thing::Token, Lang::En) => "token",
            (Thing::Token, Lang::Nl) => "token",
            (Thing::ActivationLink, Lang::En) => "activation link",
            (Thing::ActivationLink, Lang::Nl) => "activeringslink",
            (Thing::Group, Lang::En) => "group",
            (Thing::Group, Lang::Nl) => "groep",
            (Thing::RoleAssignment, Lang::En) => "role assignment",
            (Thing::RoleAssignment, Lang::Nl) => "roltoewijzing",
            (Thing::Grant, Lang::En) => "role",
            (Thing::Grant, Lang::Nl) => "rol",
            (Thing::Administrator, Lang::En) => "administrator",
            (Thing::Administrator, Lang::Nl) => "beheerder",
            (Thing::SalesRelationship, Lang::En) => "sales relationship",
            (Thing::SalesRelationship, Lang::Nl) => "verkooprelatie",
        }
    }

    /// The sentence saying that the thing named `key` was not found; with no key, the thing
    /// alone (an activation link says why it may not be found, since its key is a secret).
    pub fn not_found(self, key: &str, lang: Lang) -> String {
        let noun = self.noun(lang);
        match (self, key.is_empty(), lang) {
            // The key of a grant is worded already: a role of a person.
            (Thing::Grant, false, Lang::En) => format!("the {noun} {key} was not found"),
            (Thing::Grant, false, Lang::Nl) => format!("de {noun} {key} is niet gevonden"),
            (Thing::ActivationLink, true, Lang::En) => {
                "this activation link is unknown, used, replaced by a newer one, or expired".into()
            }
            (Thing::ActivationLink, true, Lang::Nl) => {
                "deze activeringslink is onbekend, gebruikt, vervangen door een nieuwere of verlopen"
                    .into()
            }
            (Thing::Token, true, Lang::Nl) => format!("het {noun} is niet gevonden"),
            (_, true, Lang::En) => format!("the {noun} was not found"),
            (_, true, Lang::Nl) => format!("de {noun} is niet gevonden"),
            (_, false, Lang::En) => format!("{noun} {} was not found", quoted(key)),
            (_, false, Lang::Nl) => format!("{noun} {} is niet gevonden", quoted(key)),
        }
    }
}
