//! The human trace: each event in the core's own sentence (`explain`), the
//! newest first, filterable by broker or client and by kind. Per-message
//! events are hidden by default (there are thousands). Clicking an entry
//! moves the timeline there; a message number opens that message's life;
//! violations stand out.

use std::collections::BTreeSet;

use yew::prelude::*;

use crate::classify::{Kind, Piece, kind, mentions, pieces};
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
    let names: Vec<String> = (1..=usize::from(config.broker_count))
        .map(|i| format!("b{i}"))
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
    );
    drop(runner);
    let rows = {
        let sim = sim.clone();
        use_memo(key, move |(_, _, who, kinds)| build_rows(&sim, who, kinds))
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
                    { k.label() }
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
        <section class="panel log" aria-label="event log">
            <h2>{ "What happened, and why" }</h2>
            <div class="filters">
                <label>{ "who " }
                    <select id="log-who" onchange={on_who} aria-label="show events naming">
                        <option value="" selected={who.is_empty()}>{ "everyone" }</option>
                        { options }
                    </select>
                </label>
                { kind_boxes }
            </div>
            <ol class="entries" id="log" reversed=true>{ (*rows).clone() }</ol>
        </section>
    }
}

/// The newest entries that pass the filters, at most `SHOWN`, newest first.
fn build_rows(sim: &SimHandle, who: &str, kinds: &BTreeSet<&'static str>) -> Html {
    let runner = sim.runner.borrow();
    let trace = runner.trace();
    let trace_len = runner.trace_len();
    let wanted = |i: usize| -> bool {
        let Some(entry) = trace.get(i) else {
            return false;
        };
        let k = kind(entry.event());
        (k == Kind::Violation || kinds.contains(k.label()))
            && (who.is_empty() || mentions(entry.event(), who))
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
            let d = sim.dispatch.clone();
            let go = Callback::from(move |_: MouseEvent| d.dispatch(Action::Seek(at)));
            let text = entry.text();
            let body = pieces(&text)
                .into_iter()
                .map(|p| match p {
                    Piece::Text(t) => html! { { t.to_owned() } },
                    Piece::Msg(id) => {
                        let d = sim.dispatch.clone();
                        let open = Callback::from(move |e: MouseEvent| {
                            e.stop_propagation();
                            d.dispatch(Action::ShowMessage(Some(id)))
                        });
                        html! {
                            <button class="link msg-link" onclick={open}
                                aria-label={format!("show the life of message #{id}")}>{ format!("#{id}") }</button>
                        }
                    }
                })
                .collect::<Html>();
            html! {
                <li class={classes!("entry", k.css())} data-kind={k.label()}>
                    <button class="at link" onclick={go} aria-label={format!("jump to {at}")}>{ at.to_string() }</button>
                    <span class="text">{ body }</span>
                </li>
            }
        })
        .collect::<Html>()
}
