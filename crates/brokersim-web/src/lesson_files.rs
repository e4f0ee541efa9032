//! The lessons' texts. The browser build does not embed them (they are
//! most of the data in the download): `cargo xtask dist` copies the core's
//! `lessons/*.json` to `dist/lessons/`, and the page fetches a lesson's file
//! when it opens it, beside its module (`files.rs`). Which
//! lessons exist and the preset each plays are compiled in
//! (`brokersim::lessons::INDEX`), so a lesson's run starts at once.
//! Natively (the unit tests) the core embeds them.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use brokersim::lessons::Lesson;

use crate::files::{fetch_text, spawn};
use yew::prelude::*;

/// A lesson as far as it has arrived.
#[derive(Clone, Debug, PartialEq)]
pub enum Loaded<T> {
    Loading,
    Ready(T),
    Failed(String),
}

thread_local! {
    static CACHE: RefCell<BTreeMap<String, Rc<Lesson>>> = const { RefCell::new(BTreeMap::new()) };
}

fn cached(name: &str) -> Option<Rc<Lesson>> {
    CACHE.with(|c| c.borrow().get(name).cloned())
}

/// Fetches and parses `lessons/NAME.json` (once; then from the cache).
pub async fn load(name: String) -> Result<Rc<Lesson>, String> {
    if let Some(lesson) = cached(&name) {
        return Ok(lesson);
    }
    if brokersim::lessons::preset_of(&name).is_none() {
        return Err(format!("there is no lesson called \"{name}\""));
    }
    let text = fetch_text(&format!("lessons/{name}.json")).await?;
    let lesson = Rc::new(brokersim::lessons::parse(&text).map_err(|e| format!("{name}: {e}"))?);
    CACHE.with(|c| c.borrow_mut().insert(name, lesson.clone()));
    Ok(lesson)
}

/// Lesson `name`, fetched on first use; the component redraws when it arrives.
#[hook]
pub fn use_lesson(name: &str) -> Loaded<Rc<Lesson>> {
    let state = use_state_eq(|| match cached(name) {
        Some(lesson) => Loaded::Ready(lesson),
        None => Loaded::Loading,
    });
    {
        let state = state.clone();
        use_effect_with(name.to_owned(), move |name| {
            let name = name.clone();
            spawn(async move {
                state.set(match load(name).await {
                    Ok(lesson) => Loaded::Ready(lesson),
                    Err(e) => Loaded::Failed(e),
                });
            });
        });
    }
    (*state).clone()
}

/// Every lesson in index order, fetched on first use.
#[hook]
pub fn use_all_lessons() -> Loaded<Vec<(&'static str, Rc<Lesson>)>> {
    let all = || -> Option<Vec<(&'static str, Rc<Lesson>)>> {
        brokersim::lessons::INDEX
            .iter()
            .map(|(name, _)| Some((*name, cached(name)?)))
            .collect()
    };
    let state = use_state_eq(|| match all() {
        Some(lessons) => Loaded::Ready(lessons),
        None => Loaded::Loading,
    });
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            if matches!(*state, Loaded::Loading) {
                spawn(async move {
                    let mut lessons = Vec::new();
                    for (name, _) in brokersim::lessons::INDEX {
                        match load((*name).to_owned()).await {
                            Ok(lesson) => lessons.push((*name, lesson)),
                            Err(e) => return state.set(Loaded::Failed(e)),
                        }
                    }
                    state.set(Loaded::Ready(lessons));
                });
            }
        });
    }
    (*state).clone()
}
