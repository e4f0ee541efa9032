//! The live report: the very numbers `brokersim run --json` prints, so far
//! (final once the run has finished), and the violations with a link to
//! the moment each happened.

use brokersim::SimTime;
use brokersim::invariants::Found;
use brokersim::voice;
use yew::prelude::*;

use crate::i18n::{Lang, Msg, t, tf, use_lang};
use crate::state::use_sim;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub frame: u64,
}

/// A duration in ms as the report shows every one: `10.0 s`.
pub fn seconds(lang: Lang, ms: u64) -> String {
    tf(
        lang,
        Msg::SecondsValue,
        &[&format!("{:.1}", ms as f64 / 1000.0)],
    )
}

/// How many violations the run had: the line that sums up the losses past
/// the first 100 counts for the messages it stands for, so the count agrees
/// with the `lost` row.
pub fn violation_count(violations: &[Found]) -> u64 {
    violations.iter().map(Found::count).sum()
}

#[component]
pub fn Numbers(props: &Props) -> Html {
    let lang = use_lang();
    let _ = props.frame;
    let sim = use_sim();
    let report = sim.runner.borrow().report();
    let finished = sim.runner.borrow().is_finished();
    // Recovery time and point belong to runs with disaster-recovery sites.
    let sites = sim.runner.borrow().scenario().sites.is_some();
    let run_names = sim.runner.borrow().sim().names().cloned();
    let names = run_names.as_ref();
    let row = |key: &'static str, label: Msg, value: String, bad: bool| {
        let label = t(lang, label);
        html! {
            <div class={classes!("num", bad.then_some("bad"))}>
                <dt>{ label }</dt>
                <dd data-report={key}>{ value }</dd>
            </div>
        }
    };
    let opt = |v: Option<u64>| v.map_or_else(|| "—".to_owned(), |v| v.to_string());
    let detection = if report.detection_ms.is_empty() {
        "—".to_owned()
    } else {
        report
            .detection_ms
            .iter()
            // A value and its unit on one line: the list wraps after commas.
            .map(|d| seconds(lang, *d).replace(' ', "\u{a0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let violations = report
        .violations
        .iter()
        .take(20)
        .map(|v| {
            let at = v.at_ms;
            let d = sim.clone();
            let go = Callback::from(move |_: MouseEvent| {
                d.seek(SimTime::from_ms(at))
            });
            html! {
                <li class="violation">
                    <button class="link" onclick={go} aria-label={tf(lang, Msg::JumpTo, &[&SimTime::from_ms(at)])}>
                        { SimTime::from_ms(at).to_string() }
                    </button>
                    <span title={v.property}>{ tf(lang, Msg::ViolationProperty, &[&voice::say(&voice::property(&v.violation), lang)]) }</span>
                    { voice::render(&voice::violation(&v.violation), lang, voice::Naming::new(names)) }
                </li>
            }
        })
        .collect::<Html>();
    // Why the confirmed messages no consumer handled were not: the final
    // read's reasons, then what destroyed the lost ones.
    let not_delivered = report
        .unconsumed_reasons
        .iter()
        .map(|(why, n)| {
            let text = tf(
                lang,
                Msg::UnconsumedBecause,
                &[n, &voice::say(&voice::unconsumed_why(*why), lang)],
            );
            html! { <li class="unconsumed">{ text }</li> }
        })
        .chain(report.lost_causes.iter().map(|(cause, n)| {
            let text = tf(
                lang,
                Msg::LostBecause,
                &[n, &voice::say(&voice::loss_cause(*cause), lang)],
            );
            html! { <li class="lost">{ text }</li> }
        }))
        .collect::<Html>();
    html! {
        <section class="panel numbers" aria-label={t(lang, Msg::NumbersAria)}>
            <h2>{ if finished { t(lang, Msg::ReportFinal) } else { t(lang, Msg::ReportSoFar) } }</h2>
            <dl class="grid">
                { row("published", Msg::Published, report.published.to_string(), false) }
                { row("confirmed", Msg::Confirmed, report.confirmed.to_string(), false) }
                { row("rejected", Msg::Rejected, report.rejected.to_string(), report.rejected > 0) }
                { row("indeterminate", Msg::Indeterminate, report.indeterminate.to_string(), false) }
                { row("delivered", Msg::Delivered, report.delivered.to_string(), false) }
                { row("redelivered", Msg::Redelivered, report.redelivered.to_string(), false) }
                { row("duplicated", Msg::Duplicated, report.duplicated.to_string(), report.duplicated > 0) }
                { row("unconsumed", Msg::Unconsumed, report.unconsumed.to_string(), false) }
                { row("lost", Msg::Lost, report.lost.to_string(), report.lost > 0) }
                { row("unavailable_ms", Msg::Unavailable, seconds(lang, report.unavailable_ms), false) }
                { row("failovers", Msg::Failovers, report.failovers.to_string(), false) }
                { row("detection_ms", Msg::Detection, detection, false) }
                if sites {
                    { row("rto_ms", Msg::Rto, report.rto_ms.map_or_else(|| "—".to_owned(), |ms| seconds(lang, ms)), false) }
                    { row("rpo_messages", Msg::Rpo, opt(report.rpo_messages), false) }
                }
            </dl>
            <p class="hash">{ t(lang, Msg::TraceHash) }<code data-report="trace_hash">{ report.trace_hash.clone() }</code>
                <span data-report="unavailable_ms_raw" hidden=true>{ report.unavailable_ms }</span>
                <span data-report="detection_ms_raw" hidden=true>
                    { report.detection_ms.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(",") }
                </span>
                <span data-report="violations_count" hidden=true>{ report.violations.len() }</span>
                if sites {
                    <span data-report="rto_ms_raw" hidden=true>{ opt(report.rto_ms) }</span>
                }
            </p>
            if finished && (report.unconsumed > 0 || report.lost > 0) {
                <p class="not-delivered-title">{ t(lang, Msg::NotDelivered) }</p>
                <ul class="not-delivered" id="not-delivered">{ not_delivered }</ul>
            }
            if !report.violations.is_empty() {
                <h3 class="violations-title" id="violations-title">{ tf(lang, Msg::Violations, &[&violation_count(&report.violations)]) }</h3>
                <ul class="violations" id="violations">{ violations }</ul>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summed_up_losses_count_for_the_messages_they_stand_for() {
        use brokersim::MsgId;
        use brokersim::invariants::Violation;
        let lost = |i| Found::new(1, Violation::ConfirmedLost { msg: MsgId(i) });
        let mut v: Vec<Found> = (0..100).map(lost).collect();
        assert_eq!(violation_count(&v), 100);
        v.push(Found::new(2, Violation::MoreLost { count: 600 }));
        assert_eq!(violation_count(&v), 700);
        // Only the losses' own summing-up line counts for more than one.
        v.push(Found::new(
            2,
            Violation::SplitBrain {
                first: brokersim::BrokerId(0),
                second: brokersim::BrokerId(1),
                epoch: brokersim::Epoch(5),
            },
        ));
        assert_eq!(violation_count(&v), 701);
    }

    #[test]
    fn a_duration_reads_in_seconds() {
        assert_eq!(seconds(Lang::En, 10_009), "10.0 s");
        assert_eq!(seconds(Lang::En, 0), "0.0 s");
        assert_eq!(seconds(Lang::En, 1_260), "1.3 s");
    }
}
