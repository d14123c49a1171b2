//! The words of the site's interface — headings, labels, support counts,
//! month names — in one table per language, chosen by `[book] language`.
//!
//! English and French are built in (`templates/i18n/en.toml`, `fr.toml`).
//! A briefing's own `templates/i18n/<language>.toml` overrides the
//! built-in table of that language key by key, or adds a language; a key
//! missing from the chosen language falls back to English, so a partial
//! table still gives a whole site. Templates read the table with the Tera
//! function `t(key="…")` (and `t(key="…", n=3)` for counted words: the
//! `<key>_one` or `<key>_other` entry, `{n}` replaced); Rust code with
//! [`Words::get`], [`Words::count`] and [`Words::date`].

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::date::{DateSpec, PartialDate};
use crate::model::Kind;

/// The built-in tables, by language.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("en", include_str!("../templates/i18n/en.toml")),
    ("fr", include_str!("../templates/i18n/fr.toml")),
];

/// One language's words: the built-in English table, overlaid with the
/// language's built-in table and the briefing's own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Words {
    /// `en`, `fr`: the language the table is for.
    pub language: String,
    table: BTreeMap<String, String>,
}

/// A table as written: key = "text".
pub type Table = BTreeMap<String, String>;

/// Parses a table, or says what is wrong with it.
pub fn parse(text: &str) -> Result<Table, String> {
    let value: toml::Table = toml::from_str(text).map_err(|e| e.message().to_owned())?;
    value
        .into_iter()
        .map(|(k, v)| match v {
            toml::Value::String(s) => Ok((k, s)),
            other => Err(format!(
                "`{k}` is a {}; every entry is a text in quotes",
                other.type_str()
            )),
        })
        .collect()
}

/// The base of a language tag: `fr-FR` → `fr`.
pub fn base_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or(tag)
        .to_ascii_lowercase()
}

impl Words {
    /// The words for `language` (a tag such as `fr` or `fr-FR`), from the
    /// built-in tables and the briefing's `own` tables (by language).
    pub fn new(language: &str, own: &BTreeMap<String, Table>) -> Words {
        let lang = base_language(language);
        let built_in = |l: &str| {
            BUILT_IN
                .iter()
                .find(|(name, _)| *name == l)
                .map(|(_, text)| parse(text).expect("the built-in tables parse"))
                .unwrap_or_default()
        };
        let mut table = built_in("en");
        for layer in [built_in(&lang), own.get(&lang).cloned().unwrap_or_default()] {
            table.extend(layer);
        }
        Words {
            language: lang,
            table,
        }
    }

    /// The text of `key`; the key itself when no table has it (so a typo
    /// in a template shows on the page rather than vanishing).
    pub fn get<'w>(&'w self, key: &'w str) -> &'w str {
        self.table.get(key).map_or(key, String::as_str)
    }

    /// The text of `key` with each `{name}` replaced by its value.
    pub fn fill(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.get(key).to_owned();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// `<key>_one` or `<key>_other`, as the language counts `n`, with
    /// `{n}` replaced by it.
    pub fn count(&self, key: &str, n: usize) -> String {
        self.count_with(key, n, &[])
    }

    /// [`Words::count`] with more `{name}`s to replace.
    pub fn count_with(&self, key: &str, n: usize, args: &[(&str, &str)]) -> String {
        // French counts 0 and 1 as one; English only 1.
        let one = match self.language.as_str() {
            "fr" => n <= 1,
            _ => n == 1,
        };
        let key = format!("{key}_{}", if one { "one" } else { "other" });
        let n = n.to_string();
        let mut all = vec![("n", n.as_str())];
        all.extend_from_slice(args);
        self.fill(&key, &all)
    }

    /// A date as the language writes it: "25 March 2024", "25 mars 2024",
    /// "March 2024", "2021 – 2022".
    pub fn date(&self, d: &DateSpec) -> String {
        match d.end {
            Some(end) => format!("{} – {}", self.partial(d.start), self.partial(end)),
            None => self.partial(d.start),
        }
    }

    fn partial(&self, d: PartialDate) -> String {
        use chrono::Datelike;
        match d {
            PartialDate::Year(y) => y.to_string(),
            PartialDate::Month(y, m) => self.fill(
                "date_month",
                &[("month", self.month(m)), ("year", &y.to_string())],
            ),
            PartialDate::Day(day) => self.fill(
                "date_day",
                &[
                    ("day", &day.day().to_string()),
                    ("month", self.month(day.month())),
                    ("year", &day.year().to_string()),
                ],
            ),
        }
    }

    /// The heading of a part.
    pub fn part(&self, kind: Kind) -> &str {
        self.get(["part_who", "part_what", "part_responses", "part_questions"][kind as usize])
    }

    /// What one note of a kind is called.
    pub fn kind(&self, kind: Kind) -> &str {
        self.get(["kind_who", "kind_what", "kind_responses", "kind_questions"][kind as usize])
    }

    /// The line under a part's heading (`None`: the sources).
    pub fn blurb(&self, kind: Option<Kind>) -> &str {
        match kind {
            Some(k) => self.get(
                [
                    "blurb_who",
                    "blurb_what",
                    "blurb_responses",
                    "blurb_questions",
                ][k as usize],
            ),
            None => self.get("blurb_sources"),
        }
    }

    /// The heading of section `section` of part `kind` (see
    /// [`crate::model::Note::section`]): `section_<part>_<n>` in the table.
    pub fn section(&self, kind: Kind, section: u8) -> String {
        self.get(&format!("section_{}_{section}", kind.dir()))
            .to_owned()
    }

    /// A value of a closed list as written in YAML (`person`, `summons`,
    /// `disputed`), in the language: `<prefix>_<value>`.
    pub fn value(&self, prefix: &str, value: &str) -> String {
        let key = format!("{prefix}_{value}");
        match self.table.get(&key) {
            Some(text) => text.clone(),
            None => value.to_owned(),
        }
    }

    fn month(&self, m: u32) -> &str {
        const KEYS: [&str; 12] = [
            "month_1", "month_2", "month_3", "month_4", "month_5", "month_6", "month_7", "month_8",
            "month_9", "month_10", "month_11", "month_12",
        ];
        self.get(KEYS[(m as usize).clamp(1, 12) - 1])
    }
}

/// The built-in English words (the export's language), parsed once.
pub fn english() -> &'static Words {
    static ENGLISH: std::sync::OnceLock<Words> = std::sync::OnceLock::new();
    ENGLISH.get_or_init(|| Words::new("en", &BTreeMap::new()))
}

/// The Tera function `t(key="…", name=value…)` over `words`: the text of
/// `key` with each `{name}` replaced by its value; with `n` given and a
/// `<key>_one` in the table, the form the language uses for `n`.
pub fn tera_function(words: Arc<Words>) -> impl tera::Function {
    move |args: &HashMap<String, tera::Value>| -> tera::Result<tera::Value> {
        let key = args
            .get("key")
            .and_then(tera::Value::as_str)
            .ok_or_else(|| tera::Error::msg("t() needs a key: t(key=\"related\")"))?;
        let values: Vec<(&str, String)> = args
            .iter()
            .filter(|(name, _)| name.as_str() != "key")
            .map(|(name, v)| {
                let text = match v {
                    tera::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (name.as_str(), text)
            })
            .collect();
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let counted = args
            .get("n")
            .and_then(tera::Value::as_u64)
            .filter(|_| words.table.contains_key(&format!("{key}_one")));
        let text = match counted {
            Some(n) => words.count_with(key, n as usize, &values),
            None => words.fill(key, &values),
        };
        Ok(tera::Value::String(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_table_has_the_keys_of_english_and_no_others() {
        let en = parse(BUILT_IN[0].1).unwrap();
        for (lang, text) in BUILT_IN {
            let table = parse(text).unwrap();
            let missing: Vec<&String> = en.keys().filter(|k| !table.contains_key(*k)).collect();
            let extra: Vec<&String> = table.keys().filter(|k| !en.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            assert!(extra.is_empty(), "{lang} has unknown {extra:?}");
        }
    }

    #[test]
    fn a_language_falls_back_to_english_and_a_briefing_overrides_key_by_key() {
        let mut own = BTreeMap::new();
        own.insert("fr".to_owned(), parse("related = \"Voir aussi\"").unwrap());
        own.insert("de".to_owned(), parse("related = \"Siehe auch\"").unwrap());
        let fr = Words::new("fr-FR", &own);
        assert_eq!(fr.get("related"), "Voir aussi");
        assert_eq!(fr.get("bottom_line"), "L’essentiel");
        let de = Words::new("de", &own);
        assert_eq!(de.get("related"), "Siehe auch");
        assert_eq!(de.get("bottom_line"), "Bottom line");
        assert_eq!(de.get("no-such-key"), "no-such-key");
    }

    #[test]
    fn counts_and_dates_follow_the_language() {
        let en = Words::new("en", &BTreeMap::new());
        let fr = Words::new("fr", &BTreeMap::new());
        assert_eq!(en.count("citations", 1), "1 citation");
        assert_eq!(en.count("citations", 0), "0 citations");
        assert_eq!(fr.count("citations", 0), "0 citation");
        assert_eq!(fr.count("citations", 2), "2 citations");
        let d = DateSpec::parse("2024-03-25").unwrap();
        assert_eq!(en.date(&d), "25 March 2024");
        assert_eq!(fr.date(&d), "25 mars 2024");
        let r = DateSpec::parse("2014/2024-03").unwrap();
        assert_eq!(fr.date(&r), "2014 – mars 2024");
    }
}
