//! The configuration panel's producers and consumers: a row each, with the
//! options of the system being configured under their real names. Kafka's
//! producers have `acks` and `idempotent` (enable.idempotence) and its
//! consumers `auto_offset_reset`; RabbitMQ's and ActiveMQ's producers choose
//! persistent delivery. An option left empty takes the real default, which
//! the empty choice names.

use brokersim::scenario::{ConnectSpec, ConsumerSpec, ProducerSpec};
use brokersim::{Scenario, SystemKind};
use yew::prelude::*;

use crate::i18n::{Lang, Msg, t, tf};

fn value(e: &Event) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>()
        .value()
}

fn connect_text(c: &Option<ConnectSpec>) -> String {
    match c {
        None => String::new(),
        Some(ConnectSpec::One(s)) => s.clone(),
        Some(ConnectSpec::Many(v)) => v.join(","),
    }
}

fn connect_spec(text: &str) -> Option<ConnectSpec> {
    let text = text.trim();
    if text.is_empty() {
        None
    } else if text.starts_with("failover:") || !text.contains(',') {
        Some(ConnectSpec::One(text.into()))
    } else {
        Some(ConnectSpec::Many(
            text.split(',').map(|s| s.trim().to_owned()).collect(),
        ))
    }
}

/// Text typed into an optional field: empty is "not set".
fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// A choice among `options`, or nothing set: the first entry, naming the
/// default it stands for.
fn choice(
    lang: Lang,
    label: &'static str,
    current: Option<&str>,
    default: &str,
    options: &[&'static str],
    on: Callback<Event>,
) -> Html {
    html! {
        <select aria-label={label} data-option={label} onchange={on}>
            <option value="" selected={current.is_none()}>{ tf(lang, Msg::DefaultIs, &[&default]) }</option>
            { for options.iter().map(|o| html! {
                <option value={*o} selected={current == Some(*o)}>{ *o }</option>
            }) }
        </select>
    }
}

/// Leaves out the client options the new system refuses, so switching the
/// system of a draft does not end in "acks is a Kafka producer setting".
pub fn fit_clients_to_system(s: &mut Scenario) {
    let kafka = SystemKind::from_name(&s.system) == Some(SystemKind::Kafka);
    for p in &mut s.producers {
        if kafka {
            p.confirms = None;
            p.confirm_timeout_ms = None;
            p.network_recovery_interval_ms = None;
        } else {
            p.acks = None;
            p.idempotent = None;
            p.delivery_timeout_ms = None;
            p.request_timeout_ms = None;
            p.max_in_flight = None;
        }
    }
    for c in &mut s.consumers {
        if kafka {
            c.network_recovery_interval_ms = None;
        } else {
            c.auto_offset_reset = None;
            c.auto_commit_interval_ms = None;
        }
    }
}

/// The producers' and consumers' tables, with their add buttons.
pub fn client_tables(lang: Lang, draft: &UseStateHandle<Scenario>) -> Html {
    let kafka = SystemKind::from_name(&draft.system) == Some(SystemKind::Kafka);
    let add_producer = {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| {
            let mut s = (*draft).clone();
            // Through serde, so fields the core adds later take their defaults.
            if let Ok(p) = serde_json::from_str::<ProducerSpec>(r#"{"rate_per_s": 20}"#) {
                s.producers.push(p);
            }
            draft.set(s);
        })
    };
    let add_consumer = {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| {
            let mut s = (*draft).clone();
            if let Ok(c) = serde_json::from_str::<ConsumerSpec>("{}") {
                s.consumers.push(c);
            }
            draft.set(s);
        })
    };
    let producer_head = if kafka {
        ["rate_per_s", "acks", "idempotent", "retries", "connect"]
    } else {
        ["rate_per_s", "retries", "persistent", "connect", ""]
    };
    let consumer_head = if kafka {
        [
            "ack",
            "prefetch",
            "process_ms",
            "auto_offset_reset",
            "connect",
        ]
    } else {
        ["ack", "prefetch", "process_ms", "connect", ""]
    };
    let head = |who: Msg, names: [&'static str; 5]| {
        html! {
            <thead><tr>
                <th>{ t(lang, who) }</th>
                { for names.iter().filter(|n| !n.is_empty()).map(|n| html! { <th><code>{ *n }</code></th> }) }
                <th></th>
            </tr></thead>
        }
    };
    let producers = (0..draft.producers.len())
        .map(|i| producer_row(lang, draft, i, kafka))
        .collect::<Html>();
    let consumers = (0..draft.consumers.len())
        .map(|i| consumer_row(lang, draft, i, kafka))
        .collect::<Html>();
    html! {
        <>
            <table class="clients" id="producer-options">
                { head(Msg::Producer, producer_head) }
                <tbody>{ producers }</tbody>
            </table>
            <button onclick={add_producer}>{ t(lang, Msg::AddProducer) }</button>
            <table class="clients" id="consumer-options">
                { head(Msg::Consumer, consumer_head) }
                <tbody>{ consumers }</tbody>
            </table>
            <button onclick={add_consumer}>{ t(lang, Msg::AddConsumer) }</button>
        </>
    }
}

/// Sets one field of a client's options from an input's text.
type SetField<T> = fn(&mut T, String);

/// For row `i` of one of the draft's client lists: a maker of callbacks
/// that set one of its fields from an input, and one that removes it.
fn row_edits<T: 'static>(
    draft: &UseStateHandle<Scenario>,
    i: usize,
    list: fn(&mut Scenario) -> &mut Vec<T>,
) -> (
    impl Fn(SetField<T>) -> Callback<Event>,
    Callback<MouseEvent>,
) {
    let field = {
        let draft = draft.clone();
        move |f: SetField<T>| {
            let draft = draft.clone();
            Callback::from(move |e: Event| {
                let mut s = (*draft).clone();
                if let Some(row) = list(&mut s).get_mut(i) {
                    f(row, value(&e));
                }
                draft.set(s);
            })
        }
    };
    let remove = {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| {
            let mut s = (*draft).clone();
            if i < list(&mut s).len() {
                list(&mut s).remove(i);
            }
            draft.set(s);
        })
    };
    (field, remove)
}

fn producer_row(lang: Lang, draft: &UseStateHandle<Scenario>, i: usize, kafka: bool) -> Html {
    let p = &draft.producers[i];
    let (field, remove) = row_edits(draft, i, |s| &mut s.producers);
    let name = format!("p{}", i + 1);
    let rate = html! {
        <td><input type="number" min="1" value={p.rate_per_s.to_string()} aria-label="rate_per_s"
            onchange={field(|p, v| p.rate_per_s = v.parse().unwrap_or(p.rate_per_s))} /></td>
    };
    // Kafka retries until delivery.timeout.ms unless told otherwise
    // (retries = MAX_INT since Kafka 2.1); the others never retry alone.
    let retries_default = if kafka {
        t(lang, Msg::KafkaRetriesDefault)
    } else {
        "0"
    };
    let retries = html! {
        <td><input type="number" min="0" value={p.retries.map(|r| r.to_string()).unwrap_or_default()}
            placeholder={tf(lang, Msg::DefaultIs, &[&retries_default])} aria-label="retries"
            onchange={field(|p, v| p.retries = v.trim().parse().ok())} /></td>
    };
    let connect = html! {
        <td><input value={connect_text(&p.connect)} placeholder={t(lang, Msg::EveryBroker)} aria-label="connect"
            onchange={field(|p, v| p.connect = connect_spec(&v))} /></td>
    };
    let options = if kafka {
        html! {
            <>
                <td>{ choice(lang, "acks", p.acks.as_deref(), "all", &["0", "1", "all"],
                    field(|p, v| p.acks = optional(&v))) }</td>
                <td>{ choice(lang, "idempotent", p.idempotent.map(|b| if b { "true" } else { "false" }),
                    t(lang, Msg::IdempotentDefault), &["true", "false"],
                    field(|p, v| p.idempotent = optional(&v).map(|v| v == "true"))) }</td>
                { retries }
            </>
        }
    } else {
        html! {
            <>
                { retries }
                <td><select aria-label={t(lang, Msg::Persistent)} data-option="persistent"
                    onchange={field(|p, v| p.persistent = Some(v == "true"))}>
                    <option value="true" selected={p.persistent != Some(false)}>{ t(lang, Msg::Persistent) }</option>
                    <option value="false" selected={p.persistent == Some(false)}>{ t(lang, Msg::NonPersistent) }</option>
                </select></td>
            </>
        }
    };
    html! {
        <tr>
            <th scope="row">{ name.clone() }</th>
            { rate }
            { options }
            { connect }
            <td><button onclick={remove} aria-label={tf(lang, Msg::Remove, &[&name])}>{ "✕" }</button></td>
        </tr>
    }
}

fn consumer_row(lang: Lang, draft: &UseStateHandle<Scenario>, i: usize, kafka: bool) -> Html {
    let c = &draft.consumers[i];
    let (field, remove) = row_edits(draft, i, |s| &mut s.consumers);
    let name = format!("c{}", i + 1);
    let reset = kafka.then(|| {
        html! {
            <td>{ choice(lang, "auto_offset_reset", c.auto_offset_reset.as_deref(), "latest",
                &["earliest", "latest"], field(|c, v| c.auto_offset_reset = optional(&v))) }</td>
        }
    });
    html! {
        <tr>
            <th scope="row">{ name.clone() }</th>
            <td><select aria-label="ack" data-option="ack" onchange={field(|c, v| c.ack = Some(v))}>
                <option value="manual" selected={c.ack.as_deref() != Some("auto")}>{ t(lang, Msg::ManualAck) }</option>
                <option value="auto" selected={c.ack.as_deref() == Some("auto")}>{ t(lang, Msg::AutoAck) }</option>
            </select></td>
            <td><input type="number" min="0" value={c.prefetch.map(|p| p.to_string()).unwrap_or_default()}
                placeholder={t(lang, Msg::DefaultWord)} aria-label="prefetch" onchange={field(|c, v| c.prefetch = v.trim().parse().ok())} /></td>
            <td><input type="number" min="0" value={c.process_ms.unwrap_or(1).to_string()} aria-label="process_ms"
                onchange={field(|c, v| c.process_ms = v.trim().parse().ok())} /></td>
            { for reset }
            <td><input value={connect_text(&c.connect)} placeholder={t(lang, Msg::EveryBroker)} aria-label="connect"
                onchange={field(|c, v| c.connect = connect_spec(&v))} /></td>
            <td><button onclick={remove} aria-label={tf(lang, Msg::Remove, &[&name])}>{ "✕" }</button></td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_the_system_leaves_out_the_options_it_refuses() {
        let mut s = brokersim::presets::get("kafka-idempotent-producer")
            .unwrap()
            .scenario();
        assert!(
            s.producers
                .iter()
                .any(|p| p.acks.is_some() || p.idempotent.is_some())
        );
        s.system = "rabbitmq-mirrored".into();
        s.settings.clear();
        assert!(
            brokersim::Sim::new(s.clone()).is_err(),
            "Kafka options refused"
        );
        fit_clients_to_system(&mut s);
        brokersim::Sim::new(s.clone()).expect("valid after fitting");
        s.system = "kafka".into();
        fit_clients_to_system(&mut s);
        brokersim::Sim::new(s).expect("valid back on Kafka");
    }

    #[test]
    fn optional_fields_are_unset_when_empty() {
        assert_eq!(optional("  "), None);
        assert_eq!(optional(" 1 "), Some("1".into()));
    }
}
