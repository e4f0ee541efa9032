//! One message's whole life: published, where it was stored, confirmed,
//! delivered, lost. Read from the ledger and the trace entries naming it.

use brokersim::ledger::{self, Holder, Layer, SHARED_STORE_BIT};
use brokersim::{BrokerId, MsgId, SimTime};
use yew::prelude::*;

use crate::classify::message_of;
use crate::i18n::{Lang, Msg, t, tf, use_lang};
use crate::state::{Action, use_sim};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub frame: u64,
    pub message: Option<u32>,
}

/// The holders of a message's copies, each with the layer its copy is in:
/// bit i of the copy mask is the broker `names[i]`, bit
/// 15 the store.
fn holders(lang: Lang, life: &ledger::MessageLife, names: &[String]) -> String {
    let mask = life.copies;
    let layer = |holder: Holder| match life.layer(holder) {
        Some(Layer::Memory) | None => t(lang, Msg::LayerMemory),
        Some(Layer::PageCache) => t(lang, Msg::LayerPageCache),
        Some(Layer::Disk) => t(lang, Msg::LayerDisk),
    };
    let mut out: Vec<String> = (0..15u16)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| {
            let name = names
                .get(usize::from(i))
                .cloned()
                .unwrap_or_else(|| format!("b{}", i + 1));
            format!("{name} ({})", layer(Holder::Broker(BrokerId(i))))
        })
        .collect();
    if mask & SHARED_STORE_BIT != 0 {
        out.push(format!(
            "{} ({})",
            t(lang, Msg::SharedStore),
            layer(Holder::SharedStore)
        ));
    }
    if out.is_empty() {
        t(lang, Msg::Nowhere).into()
    } else {
        out.join(", ")
    }
}

#[component]
pub fn MessageLife(props: &Props) -> Html {
    let lang = use_lang();
    let _ = props.frame;
    let sim = use_sim();
    let Some(id) = props.message else {
        return html! {
            <section class="panel life" aria-label={t(lang, Msg::LifePanelAria)}>
                <h2>{ t(lang, Msg::LifeTitle) }</h2>
                <p class="hint">{ t(lang, Msg::LifeHint) }</p>
            </section>
        };
    };
    let runner = sim.runner.borrow();
    let names = runner.broker_names();
    let life = runner.sim().ledger().get(MsgId(id)).cloned();
    // Nothing about it comes before its publish.
    let from = life.as_ref().map_or(0, |l| {
        runner
            .trace()
            .first_at_or_after(runner.trace_len(), l.published_at)
    });
    let events: Vec<(SimTime, String)> = runner
        .trace()
        .iter(from..runner.trace_len())
        .filter(|e| {
            message_of(e.event()) == Some(id)
                || matches!(e.event(), brokersim::Event::Violation(v) if v.is_about(MsgId(id)))
        })
        .take(200)
        .map(|e| (e.at(), e.text_in(lang, runner.sim().names())))
        .collect();
    drop(runner);
    let seek = |at: SimTime| {
        let d = sim.clone();
        Callback::from(move |_: MouseEvent| d.seek(at))
    };
    let close = {
        let d = sim.clone();
        Callback::from(move |_: MouseEvent| d.send(Action::ShowMessage(None)))
    };
    let facts = match &life {
        None => {
            html! { <p>{ tf(lang, Msg::NotPublished, &[&id]) }</p> }
        }
        Some(l) => {
            let at = |t: Option<SimTime>| {
                t.map_or_else(
                    || self::t(lang, Msg::NeverSoFar).to_owned(),
                    |t| t.to_string(),
                )
            };
            html! {
                <dl class="facts">
                    <dt>{ t(lang, Msg::Producer) }</dt><dd>{ tf(lang, Msg::ItsMessage, &[&(l.producer + 1), &l.producer_seq]) }</dd>
                    <dt>{ t(lang, Msg::Published) }</dt><dd>{ tf(lang, Msg::Attempts, &[&l.published_at, &l.attempts]) }</dd>
                    <dt>{ t(lang, Msg::Confirmed) }</dt><dd>{ at(l.confirmed_at) }</dd>
                    <dt>{ t(lang, Msg::Rejected) }</dt><dd>{ at(l.rejected_at) }</dd>
                    <dt>{ t(lang, Msg::StoredOn) }</dt><dd>{ holders(lang, l, &names) }</dd>
                    <dt>{ t(lang, Msg::Delivered) }</dt><dd>{ tf(lang, Msg::DeliveredTimes, &[&l.deliveries, &at(l.first_delivered_at)]) }</dd>
                    if let Some(gone) = l.unrecoverable_at {
                        <dt class="bad">{ t(lang, Msg::Lost) }</dt>
                        <dd class="bad">
                            { t(lang, Msg::LastCopyVanished) }
                            <button class="link" onclick={seek(gone)}>{ gone.to_string() }</button>
                        </dd>
                    }
                </dl>
            }
        }
    };
    let rows = events
        .into_iter()
        .map(|(at, text)| html! {
            <li><button class="at link" onclick={seek(at)}>{ at.to_string() }</button>{ " " }{ text }</li>
        })
        .collect::<Html>();
    html! {
        <section class="panel life" aria-label={t(lang, Msg::LifePanelAria)} id="message-life">
            <h2>{ tf(lang, Msg::LifeOf, &[&id]) }
                <button class="close" onclick={close} aria-label={t(lang, Msg::CloseLife)}>{ "✕" }</button></h2>
            { facts }
            <ol class="entries">{ rows }</ol>
        </section>
    }
}
