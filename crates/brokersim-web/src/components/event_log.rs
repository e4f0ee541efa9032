//! The human trace: each event in the core's own sentence (`voice`), the
//! newest first, filterable by broker or client and by kind. Per-message
//! events are hidden by default (there are thousands). Clicking an entry
//! moves the timeline there; a message number opens that message's life;
//! violations stand out.

use std::collections::BTreeSet;

use yew::prelude::*;

use brokersim::MsgId;
use brokersim::voice::Span;

use crate::classify::{Kind, kind, mentions};
use crate::i18n::{Lang, Msg, t, tf, use_lang};
use crate::state::{Action, SimHandle, use_sim};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub frame: u64,
}

/// Entries shown at most; older ones are a seek away.
const SHOWN: usize = 150;
/// Entries examined at most when per-message events are included.
const SCANNED: usize = 50_000;

#[component]
pub fn EventLog(props: &Props) -> Html {
    let lang = use_lang();
    let _ = props.frame;
    let sim = use_sim();
    let who = use_state(String::new);
    let kinds = use_state(|| {
        Kind::FILTERABLE
            .into_iter()
            .filter(|k| *k != Kind::Message)
            .map(|k| k.label())
            .collect::<BTreeSet<&'static str>>()
    });

    let runner = sim.runner.borrow();
    let trace_len = runner.trace_len();
    let config = runner.sim().config();
    let names: Vec<String> = runner
        .broker_names()
        .into_iter()
        .chain((1..=config.producers.len()).map(|i| format!("p{i}")))
        .chain((1..=config.consumers.len()).map(|i| format!("c{i}")))
        .collect();
    // The rows are rebuilt only when what they show can have changed: with
    // per-message events hidden that is rare, even while playing.
    let messages = kinds.contains(Kind::Message.label());
    let visible = if messages {
        trace_len
    } else {
        runner
            .series
            .notable
            .partition_point(|i| (*i as usize) < trace_len)
    };
    let key = (
        runner.generation(),
        visible,
        (*who).clone(),
        (*kinds).clone(),
        crate::components::lesson::pointed(),
    );
    drop(runner);
    let rows = {
        let sim = sim.clone();
        use_memo(key, move |(_, _, who, kinds, pointed)| {
            build_rows(lang, &sim, who, kinds, pointed)
        })
    };

    let kind_boxes = Kind::FILTERABLE
        .into_iter()
        .map(|k| {
            let checked = kinds.contains(k.label());
            let kinds = kinds.clone();
            let on = Callback::from(move |_: Event| {
                let mut set = (*kinds).clone();
                if !set.remove(k.label()) {
                    set.insert(k.label());
                }
                kinds.set(set);
            });
            html! {
                <label class={classes!("kind", k.css())}>
                    <input type="checkbox" checked={checked} onchange={on}
                        data-kind={k.label()} />
                    { kind_text(lang, k) }
                </label>
            }
        })
        .collect::<Html>();
    let on_who = {
        let who = who.clone();
        Callback::from(move |e: Event| {
            who.set(
                e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            )
        })
    };
    let options = names
        .iter()
        .map(|n| html! { <option value={n.clone()} selected={*n == *who}>{ n.clone() }</option> })
        .collect::<Html>();
    html! {
        <section class="panel log" aria-label={t(lang, Msg::LogAria)}>
            <h2>{ t(lang, Msg::LogTitle) }</h2>
            <div class="filters">
                <label>{ t(lang, Msg::Who) }
                    <select id="log-who" onchange={on_who} aria-label={t(lang, Msg::WhoAria)}>
                        <option value="" selected={who.is_empty()}>{ t(lang, Msg::Everyone) }</option>
                        { options }
                    </select>
                </label>
                { kind_boxes }
            </div>
            <ol class="entries" id="log" reversed=true>{ (*rows).clone() }</ol>
        </section>
    }
}

/// A kind's name in the page's language (`Kind::label` stays the key).
pub fn kind_text(lang: Lang, k: Kind) -> &'static str {
    t(
        lang,
        match k {
            Kind::Fault => Msg::KindFaults,
            Kind::Detection => Msg::KindDetection,
            Kind::Leadership => Msg::KindLeadership,
            Kind::Client => Msg::KindClients,
            Kind::Site => Msg::KindSites,
            Kind::Message => Msg::KindMessages,
            Kind::Violation => Msg::KindViolations,
        },
    )
}

/// The newest entries that pass the filters, at most `SHOWN`, newest first.
fn build_rows(
    lang: Lang,
    sim: &SimHandle,
    who: &str,
    kinds: &BTreeSet<&'static str>,
    pointed: &[String],
) -> Html {
    let runner = sim.runner.borrow();
    let names = runner.sim().names();
    // The filter offers brokers by name (`dr-b1`); the events' JSON names
    // them by the engine's id (`b4`).
    let who = names
        .and_then(|n| n.brokers.iter().position(|name| name == who))
        .map_or_else(
            || who.to_string(),
            |i| brokersim::BrokerId(i as u16).to_string(),
        );
    let trace = runner.trace();
    let trace_len = runner.trace_len();
    let wanted = |i: usize| -> bool {
        let Some(entry) = trace.get(i) else {
            return false;
        };
        let k = kind(entry.event());
        (k == Kind::Violation || kinds.contains(k.label()))
            && (who.is_empty() || mentions(entry.event(), &who))
    };
    let indices: Vec<usize> = if kinds.contains(Kind::Message.label()) {
        (0..trace_len)
            .rev()
            .take(SCANNED)
            .filter(|i| wanted(*i))
            .take(SHOWN)
            .collect()
    } else {
        runner
            .series
            .notable
            .iter()
            .rev()
            .map(|i| *i as usize)
            .filter(|i| *i < trace_len && wanted(*i))
            .take(SHOWN)
            .collect()
    };

    indices
        .iter()
        .filter_map(|&i| trace.get(i))
        .map(|entry| {
            let k = kind(entry.event());
            let at = entry.at();
            let d = sim.clone();
            let go = Callback::from(move |_: MouseEvent| d.seek(at));
            let body = entry
                .spans_in(lang, names)
                .into_iter()
                .map(|p| match p {
                    Span::Text(t) => html! { { t } },
                    Span::Msg(MsgId(id)) => {
                        let d = sim.clone();
                        let open = Callback::from(move |e: MouseEvent| {
                            e.stop_propagation();
                            d.send(Action::ShowMessage(Some(id)))
                        });
                        html! {
                            <button class="link msg-link" onclick={open}
                                aria-label={tf(lang, Msg::MessageLifeAria, &[&id])}>{ format!("#{id}") }</button>
                        }
                    }
                })
                .collect::<Html>();
            let marked = !pointed.is_empty()
                && pointed.contains(&crate::components::lesson::entry_kind(&entry));
            html! {
                <li class={classes!("entry", k.css(), marked.then_some("pointed"))} data-kind={k.label()}>
                    <button class="at link" onclick={go} aria-label={tf(lang, Msg::JumpTo, &[&at])}>{ at.to_string() }</button>
                    <span class="text">{ body }</span>
                </li>
            }
        })
        .collect::<Html>()
}
