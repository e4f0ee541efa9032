//! What the page needs before its first render, fetched together instead
//! of carried in the download (`files.rs`): the language file when the
//! page opens in a language it does not carry, the preset index, the
//! default preset and the preset that the address, the lesson or the
//! comparison names. Until they arrive the page keeps `index.html`'s
//! "Loading the simulator…"; `mount()` awaits the same.
//!
//! Only the default preset is essential: without it there is nothing to
//! run, and the page says which file it could not fetch. Any other missing
//! file becomes a notice on the page (in English where the Chinese file is
//! the one missing) and the page does without it.

use std::cell::RefCell;

use brokersim::Scenario;

use crate::files::fetch_text;
use crate::i18n::{self, Lang, Msg, tf};
use crate::preset_files;
use crate::state::DEFAULT_PRESET;
use crate::url_options::UrlOptions;

thread_local! {
    /// Notices about files that did not arrive, until the page shows them.
    static PROBLEMS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn report(notice: String) {
    PROBLEMS.with(|p| p.borrow_mut().push(notice));
}

/// What did not arrive before the first render, as one notice, once.
pub fn take_problems() -> Option<String> {
    let problems = PROBLEMS.with(|p| std::mem::take(&mut *p.borrow_mut()));
    (!problems.is_empty()).then(|| problems.join(" "))
}

/// The preset the page opens with besides the default: a lesson's, the
/// address's `preset=`, or a comparison's.
fn named_preset(options: &UrlOptions) -> Option<&'static str> {
    if let Some(preset) = options
        .lesson
        .as_deref()
        .and_then(brokersim::lessons::preset_of)
    {
        return Some(preset);
    }
    if let Some(name) = &options.preset {
        return brokersim::presets::NAMES
            .iter()
            .copied()
            .find(|n| n == name);
    }
    let compare = options.compare.as_deref()?;
    let ready = crate::compare::ready_made(compare).unwrap_or(&crate::compare::READY_MADE[0]);
    Some(ready.preset)
}

/// The preset a given scenario (a share link's, a mounting script's) was
/// made from, by its English title in the index: fetched too, so the preset
/// menu can name the scenario while it is that preset unchanged.
fn preset_titled(given: &Scenario) -> Option<String> {
    preset_files::index()
        .into_iter()
        .find(|entry| entry.title.get(Lang::En.code()) == Some(&given.title))
        .map(|entry| entry.name)
}

/// Fetches what the first render needs, all requests at once. `given`: the
/// scenario the page opens with instead of a preset, if any. `Err`: the
/// default preset could not be had (the message names its file).
pub async fn prepare(
    options: &UrlOptions,
    lang: Lang,
    given: Option<&Scenario>,
) -> Result<(), String> {
    let lang_file = (!i18n::installed(lang)).then(|| fetch_text(&i18n::lang_path(lang)));
    let index = fetch_text(preset_files::INDEX_PATH);
    let default = preset_files::cached(DEFAULT_PRESET)
        .is_none()
        .then(|| fetch_text(&preset_files::path(DEFAULT_PRESET)));
    let named = named_preset(options)
        .filter(|name| *name != DEFAULT_PRESET && preset_files::cached(name).is_none())
        .map(|name| (name, fetch_text(&preset_files::path(name))));

    if let Some(file) = lang_file
        && let Err(e) = file.await.and_then(|text| i18n::install_text(lang, &text))
    {
        report(tf(lang, Msg::LangLoadFailedAtStart, &[&e]));
    }
    let lang = if i18n::installed(lang) {
        lang
    } else {
        Lang::En
    };
    if let Err(e) = index
        .await
        .and_then(|text| preset_files::insert_index(&text))
    {
        report(tf(lang, Msg::PresetFileFailed, &[&e]));
    }
    if let Some(file) = default {
        file.await
            .and_then(|text| preset_files::insert(DEFAULT_PRESET, &text))?;
    }
    if let Some((name, file)) = named
        && let Err(e) = file
            .await
            .and_then(|text| preset_files::insert(name, &text))
    {
        report(tf(lang, Msg::PresetFileFailed, &[&e]));
    }
    // Only a name for the menu: without it the page still runs the scenario.
    if let Some(name) = given.and_then(preset_titled) {
        let _ = preset_files::load(name).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page asks for what it opens with while the wasm downloads, and
    /// `cargo xtask size` counts the same files as the first visit's.
    #[test]
    fn the_page_preloads_the_index_and_the_default_preset() {
        let html = include_str!("../../../web/index.html");
        for path in [
            preset_files::INDEX_PATH.to_owned(),
            preset_files::path(DEFAULT_PRESET),
        ] {
            assert!(html.contains(&format!("href=\"./{path}\"")), "{path}");
        }
    }

    #[test]
    fn the_named_preset_is_the_lessons_the_addresss_or_the_comparisons() {
        let named = |query| named_preset(&UrlOptions::parse(query));
        assert_eq!(named(""), None);
        assert_eq!(named("preset=kafka-seed"), Some("kafka-seed"));
        assert_eq!(named("preset=nope"), None);
        assert_eq!(
            named("preset=kafka-seed&lesson=split-brain"),
            Some("partition-ignore")
        );
        assert_eq!(
            named("compare=kafka-acks"),
            Some("kafka-acks1-leader-crash")
        );
        let compare = UrlOptions::parse("compare=1");
        assert_eq!(
            named_preset(&compare),
            Some(crate::compare::READY_MADE[0].preset)
        );
    }
}
