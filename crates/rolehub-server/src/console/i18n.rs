//! The console's texts in English and Dutch, with Fluent: one `.ftl` file per language, compiled in.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use rolehub_domain::Lang;

static BUNDLES: OnceLock<[FluentBundle<FluentResource>; 2]> = OnceLock::new();

fn bundle(lang: Lang, source: &'static str) -> FluentBundle<FluentResource> {
    let tag = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    bundle.set_use_isolating(false);
    let resource =
        FluentResource::try_new(source.to_string()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(
                ?errors,
                lang = lang.tag(),
                "the console's texts have syntax errors"
            );
            partial
        });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(
            ?errors,
            lang = lang.tag(),
            "the console's texts repeat a key"
        );
    }
    bundle
}

fn bundles() -> &'static [FluentBundle<FluentResource>; 2] {
    BUNDLES.get_or_init(|| {
        [
            bundle(Lang::En, include_str!("../../locales/en.ftl")),
            bundle(Lang::Nl, include_str!("../../locales/nl.ftl")),
        ]
    })
}

/// The texts of one language.
#[derive(Clone, Copy, Debug)]
pub struct Tr {
    /// The language.
    pub lang: Lang,
}

impl Tr {
    fn format(&self, key: &str, args: Option<&FluentArgs>) -> String {
        let bundle = &bundles()[match self.lang {
            Lang::En => 0,
            Lang::Nl => 1,
        }];
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_string();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }

    /// A text.
    pub fn get(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// A text with one variable.
    pub fn with(&self, key: &str, name: &str, value: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), value.to_string());
        self.format(key, Some(&args))
    }

    /// A text with a number, which chooses the plural form (`1 person`, `2 people`).
    pub fn with_count(&self, key: &str, name: &str, count: usize) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), count);
        self.format(key, Some(&args))
    }

    /// A text with any number of variables.
    pub fn with_all(&self, key: &str, vars: &[(&str, String)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in vars {
            args.set(name.to_string(), value.clone());
        }
        self.format(key, Some(&args))
    }

    /// A text with two variables.
    pub fn with2(&self, key: &str, a: (&str, &str), b: (&str, &str)) -> String {
        let mut args = FluentArgs::new();
        args.set(a.0.to_string(), a.1.to_string());
        args.set(b.0.to_string(), b.1.to_string());
        self.format(key, Some(&args))
    }

    /// A text with three variables.
    pub fn with3(&self, key: &str, a: (&str, &str), b: (&str, &str), c: (&str, &str)) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in [a, b, c] {
            args.set(name.to_string(), value.to_string());
        }
        self.format(key, Some(&args))
    }

    /// The language's tag, for `<html lang>`.
    pub fn tag(&self) -> &'static str {
        self.lang.tag()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(source: &str) -> Vec<String> {
        source
            .lines()
            .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn both_languages_have_every_text() {
        let (en, nl) = (
            keys(include_str!("../../locales/en.ftl")),
            keys(include_str!("../../locales/nl.ftl")),
        );
        let missing_nl: Vec<_> = en.iter().filter(|k| !nl.contains(k)).collect();
        let missing_en: Vec<_> = nl.iter().filter(|k| !en.contains(k)).collect();
        assert!(
            missing_nl.is_empty() && missing_en.is_empty(),
            "nl lacks {missing_nl:?}; en lacks {missing_en:?}"
        );
        assert_eq!(Tr { lang: Lang::Nl }.get("nav-users"), "Gebruikers");
        assert_eq!(
            Tr { lang: Lang::En }.with("users-count", "count", "3"),
            "3 shown"
        );
    }
}
