//! The presets, fetched instead of carried. The browser build compiles in
//! only their names (`brokersim::presets::NAMES`); `cargo xtask dist`
//! copies each preset's file to `dist/presets/NAME.json` and writes
//! `dist/presets/index.json` (each preset's system and title in every
//! language, what the preset menu shows) from the presets themselves. The
//! page fetches the index and the preset it opens with before its first
//! render (`boot.rs`), and any other preset when one is picked. Natively
//! (the unit tests) the core embeds them, and the same functions read them
//! from there.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use brokersim::{Lang, Scenario};
use serde::{Deserialize, Serialize};
use yew::prelude::*;

use crate::files::{fetch_text, spawn};

/// One preset as the menu shows it: `presets/index.json` is a list of them
/// in menu order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub name: String,
    pub system: String,
    /// The title in each language the page speaks, by code (`en`, `zh`).
    pub title: BTreeMap<String, String>,
}

impl IndexEntry {
    /// The title in `lang`, else in English.
    pub fn title_in(&self, lang: Lang) -> &str {
        self.title
            .get(lang.code())
            .or_else(|| self.title.get(Lang::En.code()))
            .map_or(self.name.as_str(), String::as_str)
    }
}

thread_local! {
    static CACHE: RefCell<BTreeMap<String, Scenario>> = const { RefCell::new(BTreeMap::new()) };
    static INDEX: RefCell<Option<Rc<Vec<IndexEntry>>>> = const { RefCell::new(None) };
}

/// Preset `name` if it has arrived (natively: always, from the core).
pub fn cached(name: &str) -> Option<Scenario> {
    if let Some(scenario) = CACHE.with(|c| c.borrow().get(name).cloned()) {
        return Some(scenario);
    }
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(preset) = brokersim::presets::get(name) {
        return Some(preset.scenario());
    }
    None
}

/// Every preset that has arrived, in menu order.
pub fn all_cached() -> Vec<(&'static str, Scenario)> {
    brokersim::presets::NAMES
        .iter()
        .filter_map(|name| Some((*name, cached(name)?)))
        .collect()
}

/// The file of preset `name`, relative to the page's module.
pub fn path(name: &str) -> String {
    format!("presets/{name}.json")
}

/// Reads a fetched preset file into the cache.
pub fn insert(name: &str, text: &str) -> Result<Scenario, String> {
    let scenario = Scenario::from_json(text).map_err(|e| format!("{}: {e}", path(name)))?;
    CACHE.with(|c| c.borrow_mut().insert(name.to_owned(), scenario.clone()));
    Ok(scenario)
}

/// Preset `name`, fetched on first use; the error names the file.
pub async fn load(name: String) -> Result<Scenario, String> {
    if let Some(scenario) = cached(&name) {
        return Ok(scenario);
    }
    if !brokersim::presets::exists(&name) {
        return Err(format!("there is no preset called \"{name}\""));
    }
    let text = fetch_text(&path(&name)).await?;
    insert(&name, &text)
}

/// The file of the preset index.
pub const INDEX_PATH: &str = "presets/index.json";

/// Reads a fetched index.
pub fn insert_index(text: &str) -> Result<Rc<Vec<IndexEntry>>, String> {
    let entries: Vec<IndexEntry> =
        serde_json::from_str(text).map_err(|e| format!("{INDEX_PATH}: {e}"))?;
    let entries = Rc::new(entries);
    INDEX.with(|i| *i.borrow_mut() = Some(entries.clone()));
    Ok(entries)
}

/// The index if it has arrived: each preset's name, system and titles.
/// Without it (a failed fetch) menus show the names alone.
pub fn index() -> Vec<IndexEntry> {
    if let Some(entries) = INDEX.with(|i| i.borrow().clone()) {
        return entries.as_ref().clone();
    }
    #[cfg(not(target_arch = "wasm32"))]
    return index_of_embedded();
    #[cfg(target_arch = "wasm32")]
    brokersim::presets::NAMES
        .iter()
        .map(|name| IndexEntry {
            name: (*name).to_owned(),
            system: String::new(),
            title: BTreeMap::new(),
        })
        .collect()
}

/// The index made from the presets the core embeds: what `brokersim-web
/// presets-index` prints and `cargo xtask dist` writes.
#[cfg(not(target_arch = "wasm32"))]
pub fn index_of_embedded() -> Vec<IndexEntry> {
    brokersim::presets::ALL
        .iter()
        .map(|preset| {
            let scenario = preset.scenario();
            IndexEntry {
                name: preset.name.to_owned(),
                system: scenario.system.clone(),
                title: Lang::ALL
                    .iter()
                    .map(|l| (l.code().to_owned(), scenario.title_in(*l).to_owned()))
                    .collect(),
            }
        })
        .collect()
}

/// Every preset in menu order, fetched on first use (the list of what each
/// preset shows, which only an opened panel asks for).
#[hook]
pub fn use_all_presets() -> Option<Result<Vec<(&'static str, Scenario)>, String>> {
    let all = || {
        let have = all_cached();
        (have.len() == brokersim::presets::NAMES.len()).then_some(have)
    };
    let state = use_state_eq(|| all().map(Ok));
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            if state.is_none() {
                spawn(async move {
                    for name in brokersim::presets::NAMES {
                        if let Err(e) = load((*name).to_owned()).await {
                            return state.set(Some(Err(e)));
                        }
                    }
                    state.set(Some(Ok(all_cached())));
                });
            }
        });
    }
    (*state).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_lists_every_preset_in_menu_order_with_its_titles() {
        let index = index_of_embedded();
        let names: Vec<&str> = index.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, brokersim::presets::NAMES);
        let json = serde_json::to_string(&index).unwrap();
        let back = insert_index(&json).unwrap();
        assert_eq!(*back, index);
        let seed = &index[0];
        assert_eq!(seed.system, "rabbitmq-mirrored");
        assert_ne!(seed.title_in(Lang::Zh), seed.title_in(Lang::En));
    }

    #[test]
    fn a_bad_preset_file_names_itself() {
        let err = insert("mirrored-master-crash", "{").unwrap_err();
        assert!(
            err.starts_with("presets/mirrored-master-crash.json: "),
            "{err}"
        );
        let err = insert_index("[{}]").unwrap_err();
        assert!(err.starts_with("presets/index.json: "), "{err}");
    }
}
