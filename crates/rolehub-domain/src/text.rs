//! Words for people, in every language the product speaks, carried together until the reader's
//! language is known.

use std::fmt;

use crate::lang::Lang;

/// One message in English and in Dutch.
///
/// Errors are worded where they happen, deep in the service layer, long before anyone knows who
/// will read them: a log line (English), a Dutch console page, an API caller who asked for Dutch.
/// Carrying both wordings from that one place lets every reader get theirs. A `Text` cannot be
/// made from one language alone (except by [`Text::same`], for words that do not translate), so
/// a missing translation is a compile error, not an English sentence on a Dutch page.
///
/// `Display` writes the English: logs, the CLI and the tests read that.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Text {
    en: String,
    nl: String,
}

impl Text {
    /// A message worded in English and in Dutch.
    pub fn new(en: impl Into<String>, nl: impl Into<String>) -> Text {
        Text {
            en: en.into(),
            nl: nl.into(),
        }
    }

    /// A message worded by one function per language, for sentences built around values.
    pub fn by_lang(words: impl Fn(Lang) -> String) -> Text {
        Text {
            en: words(Lang::En),
            nl: words(Lang::Nl),
        }
    }

    /// Words that read the same in every language: a name, an id, an API field name, a column
    /// of the template.
    pub fn same(words: impl Into<String>) -> Text {
        let words = words.into();
        Text {
            en: words.clone(),
            nl: words,
        }
    }

    /// The wording in a language.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Nl => &self.nl,
        }
    }

    /// The same message with each wording changed (a place put before it, for one).
    pub fn map(self, change: impl Fn(Lang, String) -> String) -> Text {
        Text {
            en: change(Lang::En, self.en),
            nl: change(Lang::Nl, self.nl),
        }
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// A value as people read it inside a sentence, in typographic quotes: “acme.webex.com”. One
/// function, so that every message marks values alike in both languages.
pub fn quoted(value: impl fmt::Display) -> String {
    format!("“{value}”")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reader_gets_their_language_and_logs_get_english() {
        let t = Text::by_lang(|lang| match lang {
            Lang::En => format!("{} is not a site", quoted("x.example")),
            Lang::Nl => format!("{} is geen site", quoted("x.example")),
        });
        assert_eq!(t.get(Lang::En), "“x.example” is not a site");
        assert_eq!(t.get(Lang::Nl), "“x.example” is geen site");
        assert_eq!(t.to_string(), "“x.example” is not a site");
        let placed = t.map(|lang, words| match lang {
            Lang::En => format!("row 2: {words}"),
            Lang::Nl => format!("rij 2: {words}"),
        });
        assert_eq!(placed.get(Lang::Nl), "rij 2: “x.example” is geen site");
        assert_eq!(Text::same("displayName").get(Lang::Nl), "displayName");
    }
}
