//! A language's sentences that arrived as data instead of being compiled in.
//!
//! The browser build leaves the Chinese columns of both catalogues (the
//! core's `voice/catalogue.rs`, the page's `i18n.rs`) out of its download:
//! `cargo xtask dist` writes them to `lang/zh.json` ([`LangFile`], generated
//! from the catalogues themselves), and the page fetches that file when it
//! speaks Chinese and installs it here. Until then, and for any key the file
//! lacks (an older file, a typo), a sentence reads in English: a missing
//! translation never panics.
//!
//! This is the core's only state outside a `Sim`: written once, text only,
//! never read by a run, so traces and hashes do not depend on it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

use super::Key;

/// `lang/<code>.json`: one language's column of each catalogue, by key name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LangFile {
    /// The core's sentences (`voice::Key` names → templates).
    pub core: BTreeMap<String, String>,
    /// The page's own texts (`brokersim-web`'s `Msg` names → texts).
    pub page: BTreeMap<String, String>,
}

impl LangFile {
    /// Reads the file's text; the message names what is wrong with it.
    pub fn parse(json: &str) -> Result<LangFile, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }
}

/// One catalogue's texts in one language, in catalogue order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Column {
    texts: Vec<Option<String>>,
}

impl Column {
    /// The texts of `names` (a catalogue's keys, in order) found in
    /// `texts`. Names the catalogue does not have are ignored; keys the
    /// file does not have stay empty (and read in English).
    pub fn new<'a>(
        names: impl IntoIterator<Item = &'a str>,
        texts: &BTreeMap<String, String>,
    ) -> Column {
        Column {
            texts: names.into_iter().map(|n| texts.get(n).cloned()).collect(),
        }
    }

    /// The text of the key at `index`, if the file had it.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.texts.get(index)?.as_deref()
    }

    /// How many keys have a text.
    pub fn len(&self) -> usize {
        self.texts.iter().flatten().count()
    }

    /// No key has a text.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The core catalogue's Chinese column, once installed.
static CORE_ZH: OnceLock<Column> = OnceLock::new();

/// Installs the core's column of `file` for `lang`. English is compiled in
/// and a column is installed once: later calls change nothing.
pub fn install(lang: Lang, file: &LangFile) {
    if lang == Lang::Zh {
        let _ = CORE_ZH.set(Column::new(Key::ALL.iter().map(|k| k.name()), &file.core));
    }
}

/// Whether `lang`'s sentences are here (compiled in or installed).
pub fn installed(lang: Lang) -> bool {
    match lang {
        Lang::En => true,
        Lang::Zh => cfg!(feature = "embedded-zh") || CORE_ZH.get().is_some(),
    }
}

/// The installed text of the core's key number `index` in `lang`.
#[cfg_attr(feature = "embedded-zh", allow(dead_code))]
pub(super) fn core_text(lang: Lang, index: usize) -> Option<&'static str> {
    match lang {
        Lang::En => None,
        Lang::Zh => CORE_ZH.get()?.get(index),
    }
}

/// The core's column in `lang`, as `lang/<code>.json` carries it (the
/// compiled-in catalogue: `cargo xtask dist` writes it from this).
#[cfg(feature = "embedded-zh")]
pub fn core_column(lang: Lang) -> BTreeMap<String, String> {
    Key::ALL
        .iter()
        .map(|k| (k.name().to_owned(), k.template(lang).to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_keeps_the_catalogue_order_and_ignores_unknown_names() {
        let texts: BTreeMap<String, String> = [("b", "乙"), ("zz", "?")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let column = Column::new(["a", "b"], &texts);
        assert_eq!(column.get(0), None);
        assert_eq!(column.get(1), Some("乙"));
        assert_eq!(column.get(2), None);
        assert_eq!(column.len(), 1);
    }

    #[test]
    fn a_bad_file_says_why() {
        assert!(LangFile::parse("{\"core\": 3}").is_err());
        assert!(LangFile::parse("not json").is_err());
        assert_eq!(
            LangFile::parse(r#"{"core": {}, "page": {}}"#),
            Ok(LangFile::default())
        );
    }

    /// `lang/zh.json` is what the catalogue says: the file `xtask dist`
    /// writes, read back the way the page reads it, gives every key the
    /// catalogue's own Chinese.
    #[cfg(feature = "embedded-zh")]
    #[test]
    fn the_written_column_reads_back_as_the_catalogue() {
        let file = LangFile {
            core: core_column(Lang::Zh),
            page: BTreeMap::new(),
        };
        let back = LangFile::parse(&serde_json::to_string(&file).unwrap()).unwrap();
        let column = Column::new(Key::ALL.iter().map(|k| k.name()), &back.core);
        assert_eq!(column.len(), Key::ALL.len());
        for (i, key) in Key::ALL.iter().enumerate() {
            assert_eq!(column.get(i), Some(key.template(Lang::Zh)), "{key:?}");
        }
    }
}
