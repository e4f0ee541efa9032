//! Share, import, export: the link carries the whole scenario; the scenario
//! saves and loads as a JSON file; the trace saves as JSON lines.

use brokersim::Scenario;
use yew::prelude::*;

use crate::browser;
use crate::i18n::{Msg, t, tf, use_lang};
use crate::state::{Action, Notice, use_sim};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub generation: u32,
}

#[component]
pub fn SharePanel(props: &Props) -> Html {
    let lang = use_lang();
    let _ = props.generation;
    let sim = use_sim();
    let link = browser::href()
        .split('#')
        .next()
        .map(|base| {
            format!(
                "{base}#{}",
                crate::share::encode(sim.runner.borrow().scenario())
            )
        })
        .unwrap_or_default();
    let export = {
        let runner = sim.runner.clone();
        Callback::from(move |_: MouseEvent| {
            let text = runner.borrow().scenario().to_json_pretty();
            browser::download("scenario.json", "application/json", &text);
        })
    };
    let export_trace = {
        let runner = sim.runner.clone();
        Callback::from(move |_: MouseEvent| {
            let text = runner.borrow().trace_jsonl();
            browser::download("trace.jsonl", "application/x-ndjson", &text);
        })
    };
    let import = {
        let d = sim.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let name = file.name();
            input.set_value("");
            let d = d.clone();
            browser::read_file(lang, file, move |text| {
                let result = text
                    .map_err(|why| format!("{name}: {why}"))
                    .and_then(|t| Scenario::from_json(&t).map_err(|e| format!("{name}: {e}")));
                match result {
                    Ok(s) => d.load(s, Some(Notice::Info(tf(lang, Msg::Loaded, &[&name])))),
                    Err(why) => d.send(Action::Notify(Some(Notice::Error(tf(
                        lang,
                        Msg::FileError,
                        &[&why],
                    ))))),
                }
            });
        })
    };
    html! {
        <section class="panel share" aria-label={t(lang, Msg::ShareAria)}>
            <h2>{ t(lang, Msg::ShareTitle) }</h2>
            <label>{ t(lang, Msg::ShareLinkLabel) }
                <input id="share-link" readonly=true value={link} aria-label={t(lang, Msg::ShareLinkAria)} />
            </label>
            <p class="buttons">
                <button id="export" onclick={export}>{ t(lang, Msg::ExportScenario) }</button>
                <button id="export-trace" onclick={export_trace}>{ t(lang, Msg::ExportTrace) }</button>
                <label class="file">{ t(lang, Msg::ImportScenario) }
                    <input type="file" id="import" accept=".json,application/json" onchange={import}
                        aria-label={t(lang, Msg::ImportAria)} />
                </label>
            </p>
        </section>
    }
}
