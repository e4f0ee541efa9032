//! A language's sentences that arrived as data instead of being compiled in.
//!
//! The browser build leaves the Chinese columns of both catalogues (the
//! core's `voice/catalogue.rs`, the page's `i18n.rs`) out of its download:
//! `cargo xtask dist` writes them to `lang/zh.json` ([`LangFile`], generated
//! from the catalogues themselves, texts in catalogue order), and the page fetches that file when it
//! speaks Chinese and installs it here. Until then, and for any key the file
//! lacks (an older file, a typo), a sentence reads in English: a missing
//! translation never panics.
//!
//! This is the core's only state outside a `Sim`: written once, text only,
//! never read by a run, so traces and hashes do not depend on it.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

use super::catalogue::Key;

/// `lang/<code>.json`: one language's column of each catalogue.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LangFile {
    /// The core's sentences (`voice::Key`).
    pub core: Part,
    /// The page's own texts (`brokersim-web`'s `Msg`).
    pub page: Part,
}

/// One catalogue's column: its texts in catalogue order, and the
/// catalogue's fingerprint (its key names, [`fingerprint`]), so that a file
/// written for another version of the catalogue, whose order may differ,
/// is refused instead of putting sentences in the wrong places. By
/// position rather than by name: the key names would cost the page's
/// download 3 KB.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub catalogue: u64,
    /// `null` (or a short list) where a text is missing: it reads in English.
    pub texts: Vec<Option<String>>,
}

impl LangFile {
    /// Reads the file's text; the message names what is wrong with it.
    pub fn parse(json: &str) -> Result<LangFile, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }
}

/// FNV-1a over a catalogue's key names, in order: computed at compile time
/// (`Key::FINGERPRINT`), so the names themselves are not in the download.
pub const fn fingerprint(names: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < names.len() {
        let bytes = names[i].as_bytes();
        let mut j = 0;
        while j < bytes.len() {
            hash = (hash ^ bytes[j] as u64).wrapping_mul(0x0000_0100_0000_01b3);
            j += 1;
        }
        // A separator, so ["ab", "c"] and ["a", "bc"] differ.
        hash = (hash ^ 0xff).wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// One catalogue's texts in one language, in catalogue order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Column {
    texts: Vec<Option<String>>,
}

impl Column {
    /// The column of `part` for the catalogue whose fingerprint is
    /// `catalogue`; an error if the file was written for another one.
    pub fn new(catalogue: u64, part: &Part) -> Result<Column, String> {
        if part.catalogue != catalogue {
            return Err("written for another version of the page (its catalogue differs)".into());
        }
        Ok(Column {
            texts: part.texts.clone(),
        })
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
pub fn install(lang: Lang, file: &LangFile) -> Result<(), String> {
    let column = Column::new(Key::FINGERPRINT, &file.core)?;
    if lang == Lang::Zh {
        let _ = CORE_ZH.set(column);
    }
    Ok(())
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
pub fn core_column(lang: Lang) -> Part {
    Part {
        catalogue: Key::FINGERPRINT,
        texts: Key::ALL
            .iter()
            .map(|k| Some(k.template(lang).to_owned()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_reads_in_catalogue_order_and_a_missing_text_is_none() {
        let part = Part {
            catalogue: fingerprint(&["a", "b", "c"]),
            texts: vec![None, Some("乙".into())],
        };
        let column = Column::new(fingerprint(&["a", "b", "c"]), &part).unwrap();
        assert_eq!(column.get(0), None);
        assert_eq!(column.get(1), Some("乙"));
        assert_eq!(column.get(2), None, "past the file's end");
        assert_eq!(column.len(), 1);
    }

    #[test]
    fn a_file_for_another_catalogue_is_refused() {
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
        assert_ne!(fingerprint(&["a", "b"]), fingerprint(&["b", "a"]));
        let part = Part {
            catalogue: fingerprint(&["a", "b"]),
            texts: vec![Some("甲".into()), Some("乙".into())],
        };
        let err = Column::new(fingerprint(&["b", "a"]), &part).unwrap_err();
        assert!(err.contains("another version"), "{err}");
    }

    #[test]
    fn a_bad_file_says_why() {
        assert!(LangFile::parse("{\"core\": 3}").is_err());
        assert!(LangFile::parse("not json").is_err());
        let empty =
            r#"{"core": {"catalogue": 1, "texts": []}, "page": {"catalogue": 2, "texts": [null]}}"#;
        assert_eq!(LangFile::parse(empty).unwrap().page.texts, [None]);
    }

    /// `lang/zh.json` is what the catalogue says: the column `xtask dist`
    /// writes, read back the way the page reads it, gives every key the
    /// catalogue's own Chinese.
    #[cfg(feature = "embedded-zh")]
    #[test]
    fn the_written_column_reads_back_as_the_catalogue() {
        let file = LangFile {
            core: core_column(Lang::Zh),
            page: Part::default(),
        };
        let back = LangFile::parse(&serde_json::to_string(&file).unwrap()).unwrap();
        let column = Column::new(Key::FINGERPRINT, &back.core).unwrap();
        assert_eq!(column.len(), Key::ALL.len());
        for (i, key) in Key::ALL.iter().enumerate() {
            assert_eq!(column.get(i), Some(key.template(Lang::Zh)), "{key:?}");
        }
    }
}
