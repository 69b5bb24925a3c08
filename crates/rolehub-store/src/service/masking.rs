//! R-EXT-10 in one place: what an external administrator may see of the org's people, and how the
//! rest is masked in every read (people, administrators, CSV files, audit events).

use rolehub_domain::{OrgView, PersonView, Refusal, RuleId, ShareSet, SharedField};
use serde_json::Value;

/// How a viewer sees people's data: everything (internal viewers, operators), or only the fields
/// the org shares with external administrators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mask {
    /// The fields shown, for an external viewer; `None` shows everything.
    pub shared: Option<ShareSet>,
    /// The viewer's own id: nobody is masked from themselves.
    pub viewer_id: String,
}

/// The text that stands for a withheld name.
pub const HIDDEN: &str = "***";

impl Mask {
    /// Shows everything.
    pub fn none() -> Mask {
        Mask {
            shared: None,
            viewer_id: String::new(),
        }
    }

    /// How `viewer` sees the people of `org` (R-EXT-10).
    pub fn for_viewer(org: &OrgView, viewer: &PersonView) -> Mask {
        Mask {
            shared: org
                .relation_of(viewer)
                .is_external()
                .then_some(org.settings.share_with_external_admins),
            viewer_id: viewer.id.clone(),
        }
    }

    /// Whether a field is withheld from this viewer.
    pub fn hides(&self, field: SharedField) -> bool {
        self.shared.is_some_and(|s| !s.contains(field))
    }

    /// Refuses using a withheld field as a search key or a file key (R-EXT-10).
    pub fn refuse_key(&self, field: SharedField) -> Result<(), Refusal> {
        if self.hides(field) {
            Err(Refusal::new(
                RuleId::Ext10,
                rolehub_domain::Reason::FieldWithheld { field },
            ))
        } else {
            Ok(())
        }
    }

    /// An email as this viewer sees it (`***@domain` when withheld).
    pub fn email(&self, person_id: &str, email: &str) -> String {
        if self.hides(SharedField::Email) && person_id != self.viewer_id {
            mask_email(email)
        } else {
            email.to_string()
        }
    }

    /// A name as this viewer sees it.
    pub fn name(&self, person_id: &str, name: &str) -> String {
        if self.hides(SharedField::Name) && person_id != self.viewer_id {
            HIDDEN.into()
        } else {
            name.to_string()
        }
    }

    /// A location as this viewer sees it (none when withheld).
    pub fn location(&self, person_id: &str, location: Option<&str>) -> Option<String> {
        if self.hides(SharedField::Location) && person_id != self.viewer_id {
            None
        } else {
            location.map(str::to_string)
        }
    }

    /// A person as this viewer may see them: withheld fields masked in place (names `***`, email
    /// `***@domain`, location and phone left out).
    pub fn person(&self, person: &mut crate::load::PersonRecord) {
        if self.shared.is_none() || person.view.id == self.viewer_id {
            return;
        }
        let id = person.view.id.clone();
        person.view.email = self.email(&id, &person.view.email);
        person.view.first = self.name(&id, &person.view.first);
        person.view.last = self.name(&id, &person.view.last);
        person.display_name = self.name(&id, &person.display_name);
        person.location = self.location(&id, person.location.as_deref());
        if self.hides(SharedField::Phone) {
            person.phone = None;
        }
    }

    /// Free text (a refusal's message, …) with email addresses masked when emails are withheld.
    pub fn text(&self, text: &str) -> String {
        if self.hides(SharedField::Email) {
            mask_emails_in(text)
        } else {
            text.to_string()
        }
    }

    /// A JSON document (an audit event's before and after) with withheld fields masked: names,
    /// emails, phone numbers and locations by their keys, and emails anywhere in text.
    pub fn json(&self, value: &Value) -> Value {
        if self.shared.is_none() {
            return value.clone();
        }
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.field(k, v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::String(s) => Value::String(self.text(s)),
            other => other.clone(),
        }
    }

    fn field(&self, key: &str, value: &Value) -> Value {
        let withheld = match key {
            "first" | "last" | "display" | "name" | "first_name" | "last_name" | "display_name"
            | "firstName" | "lastName" | "displayName" => Some(SharedField::Name),
            "email" | "emails" => Some(SharedField::Email),
            "phone" => Some(SharedField::Phone),
            "location" | "locationId" => Some(SharedField::Location),
            _ => None,
        };
        match withheld {
            Some(SharedField::Email) => self.json(value),
            Some(field) if self.hides(field) && !value.is_null() => Value::String(HIDDEN.into()),
            _ => self.json(value),
        }
    }
}

/// `***@domain`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((_, domain)) => format!("{HIDDEN}@{domain}"),
        None => HIDDEN.into(),
    }
}

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || "._%+-'".contains(c)
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || ".-".contains(c)
}

/// Replaces the local part of every `local@domain.tld` in a text by `***`.
pub fn mask_emails_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    // `copied` is how many chars of `chars` are in `out`.
    let mut copied = 0;
    for (at, c) in chars.iter().enumerate() {
        if *c != '@' {
            continue;
        }
        let mut start = at;
        while start > copied && is_local_char(chars[start - 1]) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < chars.len() && is_domain_char(chars[end]) {
            end += 1;
        }
        let domain: String = chars[at + 1..end].iter().collect();
        let domain = domain.trim_end_matches('.');
        if start < at && domain.contains('.') {
            out.extend(&chars[copied..start]);
            out.push_str(HIDDEN);
            copied = at;
        }
    }
    out.extend(&chars[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn external(shared: ShareSet) -> Mask {
        Mask {
            shared: Some(shared),
            viewer_id: "me".into(),
        }
    }

    #[test]
    fn r_ext_10_emails_in_text_are_masked() {
        assert_eq!(
            mask_emails_in("`ann.de-vries@acme.example` is a user; so is bob@acme.example."),
            "`***@acme.example` is a user; so is ***@acme.example."
        );
        assert_eq!(mask_emails_in("no address @ here"), "no address @ here");
        assert_eq!(mask_emails_in("déjà@vu.example"), "***@vu.example");
    }

    #[test]
    fn r_ext_10_withheld_fields_are_masked_and_shared_ones_shown() {
        let m = external(ShareSet::NONE.with(SharedField::Location));
        assert_eq!(m.email("p1", "ann@acme.example"), "***@acme.example");
        assert_eq!(m.email("me", "me@globex.example"), "me@globex.example");
        assert_eq!(m.name("p1", "Ann"), HIDDEN);
        assert_eq!(
            m.location("p1", Some("amsterdam")).as_deref(),
            Some("amsterdam")
        );
        let doc = serde_json::json!({ "email": "ann@acme.example", "first": "Ann", "roles": ["full_admin"], "location": "amsterdam" });
        assert_eq!(
            m.json(&doc),
            serde_json::json!({ "email": "***@acme.example", "first": "***", "roles": ["full_admin"], "location": "amsterdam" })
        );
        assert!(m.refuse_key(SharedField::Email).is_err());
        assert!(m.refuse_key(SharedField::Location).is_ok());
        assert_eq!(Mask::none().json(&doc), doc);
    }
}
