//! Configuration: a preset picker with each preset's title and text, the
//! system, the broker count, the real settings under their real names (each
//! with a one-line explanation and the real default), producers and
//! consumers with their system's options (`client_tables`), and the fault
//! schedule, your own actions included. Changes are made to a
//! draft and applied at once, from time zero.

use brokersim::{Lang, Scenario};
use yew::prelude::*;

use crate::components::client_tables::{client_tables, fit_clients_to_system};
use crate::files::spawn;
use crate::hooks::{checked_draft, use_scenario_draft};
use crate::i18n::{Msg, t, tf, use_lang};
use crate::preset_files::{self, use_all_presets};
use crate::settings_doc::{SYSTEMS, for_system, release_label};
use crate::state::{Action, Notice, use_sim};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub generation: u32,
}

fn value(e: &Event) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>()
        .value()
}

fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<web_sys::HtmlSelectElement>()
        .value()
}

/// A setting as typed: a number or JSON when it reads as one, else a word.
fn setting_value(text: &str) -> Option<serde_json::Value> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.into())))
}

/// The preset this scenario is, unchanged (a preset loaded by name, from
/// the picker or from a link of an unmodified preset), if any. Only
/// presets that have arrived can match, and a preset loaded by name has.
pub fn preset_of(scenario: &Scenario) -> Option<&'static str> {
    preset_files::all_cached()
        .into_iter()
        .find(|(_, p)| p == scenario)
        .map(|(name, _)| name)
}

/// What each preset shows: every preset's title and description, fetched
/// when the list is first opened (the page does not download them all).
#[component]
fn PresetList() -> Html {
    let lang = use_lang();
    match use_all_presets() {
        None => html! { <li class="loading">{ t(lang, Msg::LoadingPresets) }</li> },
        Some(Err(e)) => html! { <li class="error">{ tf(lang, Msg::PresetFileFailed, &[&e]) }</li> },
        Some(Ok(presets)) => presets
            .iter()
            .map(|(_, s)| {
                html! { <li><strong>{ s.title_in(lang).to_owned() }</strong>{ ": " }{ s.description_in(lang).to_owned() }</li> }
            })
            .collect(),
    }
}

/// An option name that may wrap after its dots, dashes and underscores
/// (`<wbr>`), never inside a word.
fn breakable(name: &str) -> Html {
    name.split_inclusive(['.', '-', '_'])
        .map(|part| html! { <>{ part }<wbr /></> })
        .collect()
}

/// The settings of the draft's system as table rows: each real option's
/// name, an input, its default and what it does (compare mode reuses them).
pub fn settings_rows(lang: Lang, draft: &UseStateHandle<Scenario>) -> Html {
    for_system(&draft.system)
        .map(|doc| {
            let current = draft
                .settings
                .get(doc.name)
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            let draft = draft.clone();
            let name = doc.name;
            let on = Callback::from(move |e: Event| {
                let mut s = (*draft).clone();
                match setting_value(&value(&e)) {
                    Some(v) => s.settings.insert(name.to_owned(), v),
                    None => s.settings.remove(name),
                };
                draft.set(s);
            });
            let list = format!("choices-{}", doc.name);
            html! {
                <tr>
                    <th scope="row"><code>{ breakable(doc.name) }</code></th>
                    <td>
                        <input value={current} onchange={on} list={list.clone()} placeholder={doc.default.text(lang)}
                            aria-label={format!("{} ({} {})", doc.name, t(lang, Msg::DefaultWord), doc.default.text(lang))} />
                        <datalist id={list}>{ for doc.choices.iter().map(|c| html! { <option value={*c} /> }) }</datalist>
                    </td>
                    <td class="default">{ doc.default.text(lang) }</td>
                    <td class="explain">{ t(lang, doc.explain) }</td>
                </tr>
            }
        })
        .collect::<Html>()
}

/// The releases the draft's system models, the draft's (or the newest)
/// selected, each named as the page names it elsewhere.
fn release_options(lang: Lang, draft: &Scenario) -> Html {
    use brokersim::scenario::release::{self, Release};
    let known = release::releases_of(&draft.system);
    let chosen: Option<Release> = release::parse(&draft.system, draft.release.as_deref()).ok();
    let kind = brokersim::SystemKind::from_name(&draft.system);
    known
        .iter()
        .map(|r| {
            let label = kind.map_or_else(|| r.to_string(), |k| release_label(lang, k, *r));
            html! { <option value={r.to_string()} selected={chosen == Some(*r)}>{ label }</option> }
        })
        .collect()
}

#[component]
pub fn ConfigPanel(props: &Props) -> Html {
    let lang = use_lang();
    let sim = use_sim();
    let draft = use_scenario_draft(props.generation);
    let edit = |f: fn(&mut Scenario, String)| {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let mut s = (*draft).clone();
            f(&mut s, value(&e));
            draft.set(s);
        })
    };
    let apply = {
        let draft = draft.clone();
        let d = sim.clone();
        Callback::from(move |_: MouseEvent| match checked_draft(&draft) {
            Ok(s) => d.load(s, None),
            Err(notice) => d.send(Action::Notify(Some(notice))),
        })
    };
    let on_preset = {
        let d = sim.clone();
        Callback::from(move |e: Event| {
            let name = select_value(&e);
            let d = d.clone();
            // Fetched on first use: a notice says so meanwhile (a preset is
            // about 1 KB) and names the file if it does not come.
            if preset_files::cached(&name).is_none() {
                d.send(Action::Notify(Some(Notice::Info(tf(
                    lang,
                    Msg::PresetLoading,
                    &[&name],
                )))));
            }
            spawn(async move {
                match preset_files::load(name).await {
                    Ok(scenario) => d.load(scenario, None),
                    Err(e) => d.send(Action::Notify(Some(Notice::Error(tf(
                        lang,
                        Msg::PresetFileFailed,
                        &[&e],
                    ))))),
                }
            });
        })
    };
    let on_system = {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let mut s = (*draft).clone();
            s.system = select_value(&e);
            s.settings.clear();
            s.release = None;
            fit_clients_to_system(&mut s);
            draft.set(s);
        })
    };
    // The menu's titles come from the preset index (`boot.rs` fetched it).
    let index = use_memo((), |_| preset_files::index());
    let list_open = use_state_eq(|| false);
    let on_list_toggle = {
        let list_open = list_open.clone();
        Callback::from(move |e: Event| {
            let details = e.target_unchecked_into::<web_sys::HtmlDetailsElement>();
            list_open.set(details.open());
        })
    };
    // The picker names the scenario's preset while it is one, unchanged;
    // else it asks to choose one. The effect sets what the user's last pick
    // left in the box, which the `selected` attributes no longer decide.
    let current = use_memo(props.generation, {
        let runner = sim.runner.clone();
        move |_| preset_of(runner.borrow().scenario())
    });
    let picker = use_node_ref();
    use_effect_with(*current, {
        let picker = picker.clone();
        move |current| {
            if let Some(select) = picker.cast::<web_sys::HtmlSelectElement>() {
                select.set_value(current.unwrap_or(""));
            }
        }
    });
    let presets = index
        .iter()
        .map(|entry| {
            let name = entry.name.as_str();
            let label = match entry.title.is_empty() {
                true => name.to_owned(),
                false => format!("{name} — {}", entry.title_in(lang)),
            };
            html! {
                <option value={name.to_owned()} selected={*current == Some(name)}>{ label }</option>
            }
        })
        .collect::<Html>();

    let systems = SYSTEMS
        .iter()
        .map(|(name, what)| html! {
            <option value={*name} selected={draft.system == *name}>{ format!("{name}: {}", t(lang, *what)) }</option>
        })
        .collect::<Html>();
    let settings = settings_rows(lang, &draft);
    let on_release = {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let mut s = (*draft).clone();
            s.release = Some(select_value(&e));
            draft.set(s);
        })
    };
    let releases = release_options(lang, &draft);

    let faults = sim
        .runner
        .borrow()
        .scenario()
        .faults
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let text = brokersim::json::to_string(f);
            let d = sim.clone();
            let remove = Callback::from(move |_: MouseEvent| d.remove_fault(i));
            html! {
                <li><code>{ text }</code>{ " " }
                    <button onclick={remove} aria-label={tf(lang, Msg::Remove, &[&(i + 1)])}>{ t(lang, Msg::RemoveFault) }</button></li>
            }
        })
        .collect::<Html>();

    html! {
        <section class="panel config" aria-label={t(lang, Msg::ConfigAria)}>
            <h2>{ t(lang, Msg::ScenarioTitle) }</h2>
            <label class="row">{ t(lang, Msg::PresetLabel) }
                <select id="preset" ref={picker} onchange={on_preset} aria-label={t(lang, Msg::PresetAria)}>
                    <option value="" selected={current.is_none()} disabled=true>{ t(lang, Msg::ChoosePreset) }</option>
                    { presets }
                </select>
            </label>
            <p class="description" id="scenario-description">{ draft.description_in(lang).to_owned() }</p>
            <details ontoggle={on_list_toggle}>
                <summary>{ t(lang, Msg::WhatPresetsShow) }</summary>
                <ul class="presets">if *list_open { <PresetList /> }</ul>
            </details>
            <details id="configure">
                <summary>{ t(lang, Msg::Configure) }</summary>
                <div class="form">
                    <label>{ t(lang, Msg::SystemLabel) }<select onchange={on_system} aria-label={t(lang, Msg::SystemLabel).trim()}>{ systems }</select></label>
                    <label>{ t(lang, Msg::ReleaseLabel) }<select id="release" onchange={on_release} aria-label={t(lang, Msg::ReleaseLabel).trim()}>{ releases }</select></label>
                    <label>{ t(lang, Msg::BrokersLabel) }<input type="number" min="1" max="15" aria-label={t(lang, Msg::BrokerCountAria)}
                        value={draft.brokers.unwrap_or(3).to_string()}
                        onchange={edit(|s, v| s.brokers = v.parse().ok())} /></label>
                    <label>{ "duration_ms " }<input type="number" min="1000" step="1000" aria-label="duration_ms"
                        value={draft.duration_ms.to_string()}
                        onchange={edit(|s, v| s.duration_ms = v.parse().unwrap_or(s.duration_ms))} /></label>
                    <label>{ t(lang, Msg::TitleLabel) }<input value={draft.title.clone()} aria-label={t(lang, Msg::TitleLabel).trim()}
                        onchange={edit(|s, v| s.title = v)} /></label>
                </div>
                <table class="settings">
                    <thead><tr><th>{ t(lang, Msg::SettingCol) }</th><th>{ t(lang, Msg::ValueCol) }</th><th>{ t(lang, Msg::DefaultCol) }</th><th>{ t(lang, Msg::WhatItDoes) }</th></tr></thead>
                    <tbody>{ settings }</tbody>
                </table>
                { client_tables(lang, &draft) }
                <p><button class="primary" id="apply" onclick={apply}>{ t(lang, Msg::Apply) }</button></p>
            </details>
            <h3>{ t(lang, Msg::FaultSchedule) }</h3>
            <p class="hint" id="faults-same-time">{ t(lang, Msg::FaultScheduleSameTime) }</p>
            <ol class="faults" id="faults">{ faults }</ol>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::preset_of;

    #[test]
    fn the_picker_names_a_preset_only_while_the_scenario_is_it_unchanged() {
        for preset in brokersim::presets::ALL {
            let scenario = preset.scenario();
            crate::preset_files::insert(preset.name, preset.json).unwrap();
            assert_eq!(preset_of(&scenario), Some(preset.name));
            // A shared link of it reads back as the same preset.
            let link = crate::share::encode(&scenario);
            let back = crate::share::decode(&link).unwrap().unwrap();
            assert_eq!(preset_of(&back), Some(preset.name));
            let mut changed = scenario;
            changed.seed = changed.seed.wrapping_add(1);
            assert_eq!(preset_of(&changed), None, "{}", preset.name);
        }
    }
}
