//! Compare mode (`?compare=NAME`, or a shared `#c=` pair): two
//! configurations of the same run side by side. One simulation handle
//! drives both (`state::Sims`): the left side is the page's usual runner,
//! the right side its twin, which follows it in time and faults
//! (`compare::follow`). The time
//! controls, the fault menu and the keyboard are the normal page's; each
//! cluster view is the normal one under its own side's context. Below: the
//! two reports as one table with the rows that differ marked, each side's
//! settings (the configuration panel's rows), and the link.

use std::rc::Rc;

use brokersim::{Scenario, SystemKind};
use yew::prelude::*;

use crate::compare::{self, Difference, Pair, READY_MADE, ReadyMade};
use crate::components::cluster::Cluster;
use crate::components::config_panel::settings_rows;
use crate::components::controls::Controls;
use crate::components::event_log::EventLog;
use crate::components::fault_menu::FaultMenu;
use crate::components::lang_picker::LangPicker;
use crate::components::message_life::MessageLife;
use crate::components::notice::NoticeBar;
use crate::hooks::{checked_draft, use_animation_frames, use_keyboard, use_scenario_draft};
use crate::i18n::{self, Lang, Msg, t, tf, use_lang};
use crate::runner::Runner;
use crate::state::{Action, Notice, SimHandle, Sims, UiState, use_sim};
use crate::url_options::{self, UrlOptions};
use crate::{browser, share};

const SIDES: [&str; 2] = ["A", "B"];

/// The pair the address asks for, the ready-made comparison it names (if
/// any) and a notice when something in it could not be used.
fn initial_pair(
    lang: Lang,
    options: &UrlOptions,
) -> (Pair, Option<&'static ReadyMade>, Option<Notice>) {
    let name = options.compare.clone().unwrap_or_default();
    let named = compare::ready_made(&name);
    let fallback = named.unwrap_or(&READY_MADE[0]);
    let built = |r: &'static ReadyMade| {
        r.pair().unwrap_or_else(|_| {
            let s = crate::components::app::default_scenario();
            Pair {
                left: s.clone(),
                right: s,
            }
        })
    };
    match Pair::decode(&browser::fragment()) {
        Ok(Some(pair)) => (pair, named, None),
        Err(e) => (
            built(fallback),
            Some(fallback),
            Some(Notice::Error(tf(
                lang,
                Msg::CompareLinkError,
                &[&e, &fallback.name],
            ))),
        ),
        Ok(None) => {
            let unknown = named.is_none() && !matches!(name.as_str(), "" | "1");
            let notice = unknown.then(|| {
                Notice::Error(tf(
                    lang,
                    Msg::CompareUnknown,
                    &[&name, &compare::ready_made_names(), &fallback.name],
                ))
            });
            (built(fallback), Some(fallback), notice)
        }
    }
}

/// Both sides' runs, the ready-made comparison and the notice to show.
fn initial_runs(
    lang: Lang,
    options: &UrlOptions,
) -> (Sims, Option<&'static ReadyMade>, Option<Notice>) {
    let (pair, named, notice) = initial_pair(lang, options);
    let runners = Runner::new(pair.left).and_then(|l| Ok((l, Runner::new(pair.right)?)));
    let (left, right, notice) = match runners {
        Ok((l, r)) => (l, r, notice),
        Err(e) => {
            let s = crate::components::app::default_scenario();
            let l = Runner::new(s.clone()).expect("the default preset is valid");
            let r = Runner::new(s).expect("the default preset is valid");
            (l, r, Some(Notice::Error(tf(lang, Msg::LinkError, &[&e]))))
        }
    };
    let notice = crate::components::app::with_url_problems(lang, options, notice);
    (Sims::new(left, Some(right)), named, notice)
}

/// A side's system and release (`compare::system_release`) as the page
/// words it: "RabbitMQ mirrored 3.13", "RabbitMQ 仲裁队列 4.2".
fn system_words(lang: Lang, value: &str) -> String {
    let (system, release) = value.split_once(' ').unwrap_or((value, ""));
    let name = match SystemKind::from_name(system) {
        Some(SystemKind::Mirrored) => t(lang, Msg::SystemShortMirrored),
        Some(SystemKind::Quorum) => t(lang, Msg::SystemShortQuorum),
        Some(SystemKind::Kafka) => t(lang, Msg::SystemShortKafka),
        Some(SystemKind::ActiveMq) => t(lang, Msg::SystemShortActivemq),
        None => system,
    };
    format!("{name} {release}").trim_end().to_owned()
}

/// `name=value`, or that it is not set; a system by its words alone.
fn shown(lang: Lang, name: &str, value: &Option<String>) -> String {
    match value {
        Some(v) if name == "system" => system_words(lang, v),
        Some(v) => format!("{name}={v}"),
        None => tf(lang, Msg::CompareUnset, &[&name]),
    }
}

/// One side's one-line header: the options in which it differs.
fn side_line(lang: Lang, diff: &[Difference], right: bool) -> String {
    if diff.is_empty() {
        return t(lang, Msg::CompareSame).to_owned();
    }
    diff.iter()
        .map(|d| shown(lang, &d.name, if right { &d.right } else { &d.left }))
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn ComparePage() -> Html {
    let page = use_memo((), |_| url_options::from_page());
    let options = page.0.clone();
    let lang_state = use_state(|| i18n::initial_lang(options.lang.as_deref(), page.1.as_deref()));
    let lang = *lang_state;
    let first = use_memo((), |_| {
        let (sims, named, notice) = initial_runs(lang, &options);
        (Rc::new(sims), named, notice)
    });
    let state = use_reducer(|| {
        let mut state = UiState::new(first.0.status(), first.2.clone());
        if let Some(log) = options.speed_log {
            state.speed_log = log;
        }
        state
    });
    let picked = use_state(|| first.1.map(|r| r.name));
    let left = use_memo((), {
        let sims = first.0.clone();
        let dispatch = state.dispatcher();
        move |_| SimHandle::new(sims, dispatch)
    });
    let right = use_memo((), {
        let left = (*left).clone();
        move |_| left.right_side()
    });
    use_animation_frames(&state, &left);
    use_keyboard((*left).clone(), None);

    let generations = (state.sim.generation, state.sim.twin_generation);
    let pair = use_memo(generations, {
        let (l, r) = (left.runner.clone(), right.runner.clone());
        move |_| Pair {
            left: l.borrow().scenario().clone(),
            right: r.borrow().scenario().clone(),
        }
    });
    let diff = use_memo(generations, {
        let pair = pair.clone();
        move |_| compare::differences(&pair.left, &pair.right)
    });
    use_effect_with(generations, {
        let pair = pair.clone();
        move |_| browser::set_fragment(&pair.encode())
    });
    use_effect_with((), {
        let d = (*left).clone();
        let options = options.clone();
        move |_| {
            if let Some(ms) = options.start_ms {
                d.seek(brokersim::SimTime::from_ms(ms));
            }
            if options.autoplay {
                d.send(Action::Play(true));
            }
        }
    });

    let on_pick = {
        let d = (*left).clone();
        let picked = picked.clone();
        Callback::from(move |e: Event| {
            let name = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            if let Some(r) = compare::ready_made(&name) {
                let d = d.clone();
                crate::files::spawn(async move {
                    match r.load_pair().await {
                        Ok(pair) => d.load_pair(pair, None),
                        Err(e) => d.send(Action::Notify(Some(Notice::Error(e)))),
                    }
                });
                url_options::set_query("compare", Some(r.name));
                picked.set(Some(r.name));
            }
        })
    };
    let choices = READY_MADE
        .iter()
        .map(|r| {
            html! {
                <option value={r.name} selected={*picked == Some(r.name)}>{ t(lang, r.title) }</option>
            }
        })
        .collect::<Html>();

    let lines = [side_line(lang, &diff, false), side_line(lang, &diff, true)];
    let title = tf(lang, Msg::CompareVs, &[&lines[0], &lines[1]]);
    let show = |panel: &str| options.shows(panel);
    let side_log = |i: usize, handle: &SimHandle, frame: u64| {
        html! {
            <div class="compare-log" data-side={SIDES[i]}>
                <h2 class="side-head"><span class="side-letter">{ SIDES[i] }</span>
                    <span class="side-diff">{ lines[i].clone() }</span></h2>
                <ContextProvider<SimHandle> context={handle.clone()}>
                    <EventLog frame={frame} />
                    // A message clicked in either log, followed on both
                    // sides: lost on one, delivered on the other.
                    if state.message.is_some() {
                        <MessageLife frame={frame} message={state.message} />
                    }
                </ContextProvider<SimHandle>>
            </div>
        }
    };
    let side = |i: usize, handle: &SimHandle| {
        let id = ["side-left", "side-right"][i];
        html! {
            <section class="compare-side" id={id}
                aria-label={tf(lang, Msg::CompareSideAria, &[&SIDES[i], &lines[i]])}>
                <h2 class="side-head"><span class="side-letter">{ SIDES[i] }</span>
                    <span class="side-diff">{ lines[i].clone() }</span></h2>
                <ContextProvider<SimHandle> context={handle.clone()}>
                    <div class="stage">
                        <Cluster frame={state.frame} selected={state.selected.clone()}
                            partition={state.partition.clone()} />
                    </div>
                </ContextProvider<SimHandle>>
            </section>
        }
    };
    let slow = |offset: u64| {
        if state.playing {
            (state.frame + offset) / 6
        } else {
            state.frame
        }
    };
    let settings = |i: usize, handle: &SimHandle| {
        html! {
            <ContextProvider<SimHandle> context={handle.clone()}>
                <SideSettings right={i == 1} generation={[generations.0, generations.1][i]} />
            </ContextProvider<SimHandle>>
        }
    };
    let leave = |scenario: &Scenario| format!("?lang={}#{}", lang.code(), share::encode(scenario));

    html! {
        <ContextProvider<Lang> context={lang}>
        <ContextProvider<SimHandle> context={(*left).clone()}>
        <div class={classes!("page", "compare-page", options.embed.then_some("embed"))} lang={lang.code()}
            aria-label={t(lang, Msg::CompareAria)}>
            <header class="top">
                if !options.embed {
                    <h1>{ "brokersim" }</h1>
                    <span class="mode">{ t(lang, Msg::CompareHeading) }</span>
                }
                <span class="compare-title" id="compare-title">{ title }</span>
                <span class="header-tools">
                    if !options.embed {
                        <select id="compare-pick" onchange={on_pick} aria-label={t(lang, Msg::ComparePickAria)}>
                            <option value="" selected={picked.is_none()} disabled=true>{ t(lang, Msg::CompareCustom) }</option>
                            { choices }
                        </select>
                        <a id="leave-compare" href={leave(&pair.left)}>{ tf(lang, Msg::CompareOpenSide, &[&SIDES[0]]) }</a>
                        <a id="open-right" href={leave(&pair.right)}>{ tf(lang, Msg::CompareOpenSide, &[&SIDES[1]]) }</a>
                    }
                    <LangPicker lang={lang_state.clone()} />
                </span>
            </header>
            <span class="scenario-title" id="scenario-title">{ pair.left.title_in(lang).to_owned() }</span>
            <div key={lang.code()} class="panels">
            <NoticeBar notice={state.notice.clone()} seq={state.notice_seq} />
            if show("controls") {
                <Controls frame={state.frame} playing={state.playing} speed_log={state.speed_log} />
            }
            if show("cluster") {
                <div class="compare-sides">
                    { side(0, &left) }
                    { side(1, &right) }
                </div>
                <section class="stage compare-faults">
                    <p class="hint">{ t(lang, Msg::CompareFaultsShared) }</p>
                    <FaultMenu frame={slow(1)} selected={state.selected.clone()}
                        partition={state.partition.clone()} />
                </section>
            }
            if show("numbers") {
                <CompareReport left={(*left).clone()} right={(*right).clone()} frame={slow(2)}
                    heads={lines.clone()} />
            }
            // Each side's own log, message by message: what one
            // configuration loses and the other keeps, and why.
            if show("log") {
                <section class="lower compare-logs">
                    { side_log(0, &left, slow(4)) }
                    { side_log(1, &right, slow(5)) }
                </section>
            }
            if show("config") {
                <section class="lower">
                    { settings(0, &left) }
                    { settings(1, &right) }
                </section>
            }
            if show("share") {
                <CompareShare encoded={pair.encode()} name={(*picked).unwrap_or("1")} lang={lang.code()}
                    embed_query={options.embed_query(lang)} />
            }
            </div>
        </div>
        </ContextProvider<SimHandle>>
        </ContextProvider<Lang>>
    }
}

#[derive(Properties, PartialEq)]
struct ReportProps {
    left: SimHandle,
    right: SimHandle,
    frame: u64,
    heads: [String; 2],
}

/// A report value as the table shows it (the raw value is in `data-raw`).
fn display(lang: Lang, key: &str, raw: &str) -> String {
    let seconds = |ms: &str| {
        ms.parse::<u64>().map_or_else(
            |_| "—".to_owned(),
            |ms| crate::components::numbers::seconds(lang, ms),
        )
    };
    match key {
        _ if raw.is_empty() => "—".to_owned(),
        "unavailable_ms" | "rto_ms" => seconds(raw),
        "detection_ms" => raw.split(',').map(seconds).collect::<Vec<_>>().join(", "),
        _ => raw.to_owned(),
    }
}

/// The two reports, one row per number; the rows that differ are marked
/// (bold, ≠ and a spoken "differs"), and on a row where more is worse the
/// worse side is flagged too.
#[component]
fn CompareReport(props: &ReportProps) -> Html {
    let lang = use_lang();
    let (l, r) = (props.left.runner.borrow(), props.right.runner.borrow());
    let sites = l.scenario().sites.is_some();
    let finished = l.is_finished() && r.is_finished();
    let rows = compare::report_rows(&l.report(), &r.report(), sites);
    let hashes = [l.report().trace_hash, r.report().trace_hash];
    let body = rows
        .iter()
        .map(|row| {
            let differs = row.differs();
            let worse = |mine: &str, other: &str| {
                differs
                    && row.worse_when_more
                    && mine.parse::<u64>().unwrap_or(0) > other.parse::<u64>().unwrap_or(0)
            };
            let cell = |side: &str, mine: &str, other: &str| {
                html! {
                    <td data-side={side.to_owned()} data-raw={mine.to_owned()}
                        class={classes!(worse(mine, other).then_some("bad"))}>{ display(lang, row.key, mine) }</td>
                }
            };
            html! {
                <tr class={classes!(differs.then_some("differs"))} data-row={row.key}>
                    <th scope="row">
                        if differs { <span class="diff-mark" aria-hidden="true">{ "≠ " }</span> }
                        { t(lang, row.label) }
                        if differs { <span class="sr-only">{ t(lang, Msg::CompareDiffers) }</span> }
                    </th>
                    { cell("left", &row.left, &row.right) }
                    { cell("right", &row.right, &row.left) }
                </tr>
            }
        })
        .collect::<Html>();
    let head = |i: usize| {
        html! { <th scope="col"><span class="side-letter">{ SIDES[i] }</span>{ props.heads[i].clone() }</th> }
    };
    html! {
        <section class="panel compare-report" aria-label={t(lang, Msg::CompareReportAria)}>
            <h2>{ if finished { t(lang, Msg::ReportFinal) } else { t(lang, Msg::ReportSoFar) } }</h2>
            <table id="compare-report">
                <thead><tr><th scope="col">{ t(lang, Msg::CompareMeasure) }</th>{ head(0) }{ head(1) }</tr></thead>
                <tbody>{ body }</tbody>
            </table>
            <p class="hash">{ t(lang, Msg::TraceHash) }
                <code data-hash="left">{ hashes[0].clone() }</code>{ " | " }
                <code data-hash="right">{ hashes[1].clone() }</code></p>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct SideProps {
    right: bool,
    generation: u32,
}

/// How a client option is typed in: a word (`acks` is the string "1") or
/// a number/boolean.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Word,
    Json,
}

/// The producers' and consumers' options a side may change (for all of
/// them at once, as a settings patch), with their choices; `true`: Kafka's.
const CLIENT_OPTIONS: [(&str, &str, Kind, &[&str], bool); 6] = [
    ("producers", "acks", Kind::Word, &["0", "1", "all"], true),
    (
        "producers",
        "idempotent",
        Kind::Json,
        &["true", "false"],
        true,
    ),
    ("producers", "retries", Kind::Json, &["0", "3", "10"], false),
    (
        "producers",
        "persistent",
        Kind::Json,
        &["true", "false"],
        false,
    ),
    ("consumers", "ack", Kind::Word, &["manual", "auto"], false),
    (
        "consumers",
        "prefetch",
        Kind::Json,
        &["1", "10", "100"],
        false,
    ),
];

/// One side's settings: the configuration panel's settings rows and the
/// clients' options, applied to that side only, at the same moment.
#[component]
fn SideSettings(props: &SideProps) -> Html {
    let lang = use_lang();
    let sim = use_sim();
    let draft = use_scenario_draft(props.generation);
    let letter = SIDES[usize::from(props.right)];
    let apply = {
        let draft = draft.clone();
        let d = sim.clone();
        let right = props.right;
        Callback::from(move |_: MouseEvent| match checked_draft(&draft) {
            Ok(s) => d.load_side(right, s),
            Err(notice) => d.send(Action::Notify(Some(notice))),
        })
    };
    let kafka = SystemKind::from_name(&draft.system) == Some(SystemKind::Kafka);
    let clients = CLIENT_OPTIONS
        .iter()
        .filter(|o| kafka || !o.4)
        .map(|&(section, name, kind, choices, _)| {
            let current = Some(compare::to_value(&*draft))
                .and_then(|v| v[section].get(0).and_then(|c| c.get(name)).cloned())
                .map(|v| match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })
                .unwrap_or_default();
            let on = {
                let draft = draft.clone();
                let d = sim.clone();
                Callback::from(move |e: Event| {
                    let text = e
                        .target_unchecked_into::<web_sys::HtmlInputElement>()
                        .value();
                    let text = text.trim();
                    let value = match kind {
                        _ if text.is_empty() => serde_json::Value::Null,
                        Kind::Word => serde_json::Value::String(text.to_owned()),
                        Kind::Json => serde_json::from_str(text)
                            .unwrap_or_else(|_| serde_json::Value::String(text.to_owned())),
                    };
                    let patch = serde_json::json!({ section: { name: value } });
                    match compare::apply_patch(&draft, &patch) {
                        Ok(s) => draft.set(s),
                        Err(e) => d.send(Action::Notify(Some(Notice::from_error(
                            Msg::NotValid,
                            &e,
                        )))),
                    }
                })
            };
            let id = format!("client-choices-{name}");
            html! {
                <tr>
                    <th scope="row"><code>{ format!("{section}.{name}") }</code></th>
                    <td>
                        <input value={current} onchange={on} list={id.clone()} placeholder={t(lang, Msg::DefaultWord)}
                            aria-label={format!("{section}.{name}")} data-option={name} />
                        <datalist id={id}>{ for choices.iter().map(|c| html! { <option value={*c} /> }) }</datalist>
                    </td>
                </tr>
            }
        })
        .collect::<Html>();
    let id = if props.right {
        "settings-right"
    } else {
        "settings-left"
    };
    html! {
        <details class="panel config side-settings" id={id} open={props.right}>
            <summary>{ tf(lang, Msg::CompareEditSide, &[&letter]) }</summary>
            <table class="settings">
                <thead><tr><th>{ t(lang, Msg::SettingCol) }</th><th>{ t(lang, Msg::ValueCol) }</th><th>{ t(lang, Msg::DefaultCol) }</th><th>{ t(lang, Msg::WhatItDoes) }</th></tr></thead>
                <tbody>{ settings_rows(lang, &draft) }</tbody>
            </table>
            <h3>{ t(lang, Msg::CompareClientOptions) }</h3>
            <table class="settings clients-options">
                <tbody>{ clients }</tbody>
            </table>
            <p><button class="primary" id={format!("apply-{}", if props.right { "right" } else { "left" })}
                onclick={apply}>{ tf(lang, Msg::CompareApplySide, &[&letter]) }</button></p>
        </details>
    }
}

#[derive(Properties, PartialEq)]
struct ShareProps {
    encoded: String,
    name: &'static str,
    lang: &'static str,
    /// `UrlOptions::embed_query`: the options an embedded copy keeps.
    embed_query: String,
}

/// Two clusters side by side want a wider frame than one.
const COMPARE_SIZE: (u32, u32) = (1200, 800);

/// The link to this comparison (both configurations and the shared
/// faults) and the `<iframe>` for a course page.
#[component]
fn CompareShare(props: &ShareProps) -> Html {
    let lang = use_lang();
    let href = browser::href();
    let base = href.split(['?', '#']).next().unwrap_or_default();
    let link = format!(
        "{base}?compare={}&lang={}#{}",
        props.name, props.lang, props.encoded
    );
    let embed = crate::components::embed::snippet(
        base,
        &format!("compare={}&{}", props.name, props.embed_query),
        &props.encoded,
        COMPARE_SIZE,
    );
    html! {
        <section class="panel share compare-share">
            <label class="row">{ t(lang, Msg::CompareShareLabel) }
                <input id="compare-link" readonly=true value={link} aria-label={t(lang, Msg::ShareLinkAria)} />
            </label>
            <details id="compare-embed-details">
                <summary>{ t(lang, Msg::CompareEmbedLabel) }</summary>
                <textarea id="compare-embed" readonly=true rows="3" value={embed} />
            </details>
        </section>
    }
}
