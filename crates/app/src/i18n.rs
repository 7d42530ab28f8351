//! Translations (Fluent) in Kazakh, Russian and English: the texts of notices and letters the
//! use cases write, and of every page the web crate renders (it reads them from here).

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{static_loader, Loader};
use otinish_domain::Lang;
use std::borrow::Cow;
use std::collections::HashMap;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "ru",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

fn lang_id(lang: Lang) -> fluent_templates::LanguageIdentifier {
    let code = lang.code();
    code.parse()
        .unwrap_or_else(|_| fluent_templates::LanguageIdentifier::default())
}

/// One entry of the language switch.
#[derive(Debug, Clone, Copy)]
pub struct LangLink {
    pub code: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// A translator bound to the reader's language.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    pub fn get(&self, key: &str) -> String {
        LOCALES.lookup(&lang_id(self.lang), key)
    }

    pub fn with(&self, key: &str, args: &[(&str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(v.clone())))
            .collect();
        LOCALES.lookup_with_args(&lang_id(self.lang), key, &map)
    }

    /// The text of `key`, or `None` where no language has it.
    pub fn try_get(&self, key: &str) -> Option<String> {
        LOCALES.try_lookup(&lang_id(self.lang), key)
    }

    /// The name of a competence topic; an unknown key is shown as it is.
    pub fn topic(&self, key: &str) -> String {
        let id = format!("topic-{}", key.replace('_', "-"));
        LOCALES
            .try_lookup(&lang_id(self.lang), &id)
            .unwrap_or_else(|| key.to_owned())
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The language switch: each language named in itself.
    pub fn languages(&self) -> Vec<LangLink> {
        Lang::ALL
            .iter()
            .map(|l| {
                let label = match l {
                    Lang::Kk => "Қазақша",
                    Lang::Ru => "Русский",
                    Lang::En => "English",
                };
                LangLink {
                    code: l.code(),
                    label,
                    current: *l == self.lang,
                }
            })
            .collect()
    }

    pub fn yes_no(&self, b: bool) -> String {
        self.get(if b { "yes" } else { "no" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key of the Russian file exists in Kazakh and English too.
    #[test]
    fn every_key_in_every_language() {
        let keys = |text: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_owned()))
                .filter(|k| !k.starts_with('#') && !k.is_empty())
                .collect()
        };
        let ru = keys(include_str!("../locales/ru/main.ftl"));
        let kk = keys(include_str!("../locales/kk/main.ftl"));
        let en = keys(include_str!("../locales/en/main.ftl"));
        for k in &ru {
            assert!(kk.contains(k), "kk lacks {k}");
            assert!(en.contains(k), "en lacks {k}");
        }
        assert_eq!(ru.len(), kk.len());
        assert_eq!(ru.len(), en.len());
        assert_eq!(Tr::new(Lang::Kk).get("nav-home"), "Басты бет");
        assert_eq!(
            Tr::new(Lang::En).topic("social_benefits"),
            "Social benefits"
        );
        assert_eq!(Tr::new(Lang::En).topic("unknown_topic"), "unknown_topic");
        assert_eq!(
            Tr::new(Lang::En).with(
                "page-of",
                &[
                    ("page", "1".into()),
                    ("pages", "2".into()),
                    ("total", "3".into())
                ]
            ),
            "Page 1 of 2 (3 in all)"
        );
    }
}
