//! Small charts over virtual time, as inline SVG polylines: throughput
//! (publishes, confirms and first deliveries per second), replica lag, and
//! the mean publish-to-confirm latency.

use yew::prelude::*;

use crate::i18n::{Lang, Msg, t, tf, use_lang};
use crate::series::seconds_until;
use crate::state::use_sim;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub frame: u64,
}

const CW: f64 = 300.0;
const CH: f64 = 54.0;

fn polyline(values: &[f64], max: f64, len: usize, class: &'static str) -> Html {
    let len = len.max(2);
    let points = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = i as f64 / (len - 1) as f64 * CW;
            let y = CH - (v / max.max(1e-9)).min(1.0) * (CH - 4.0) - 2.0;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    html! { <polyline class={class} points={points} /> }
}

fn chart(lang: Lang, title: String, id: &'static str, aria: Msg, lines: Html) -> Html {
    html! {
        <figure class="chart" id={id}>
            <figcaption>{ title }</figcaption>
            <svg viewBox={format!("0 0 {CW} {CH}")} preserveAspectRatio="none" role="img" aria-label={t(lang, aria)}>
                <line x1="0" y1={CH.to_string()} x2={CW.to_string()} y2={CH.to_string()} class="axis" />
                { lines }
            </svg>
        </figure>
    }
}

#[component]
pub fn Charts(props: &Props) -> Html {
    let lang = use_lang();
    let _ = props.frame;
    let sim = use_sim();
    let runner = sim.runner.borrow();
    let s = &runner.series;
    let n = seconds_until(runner.now());
    let end = seconds_until(runner.timeline_end()).max(n).max(2);
    let take =
        |v: &[u32]| -> Vec<f64> { (0..n).map(|i| f64::from(*v.get(i).unwrap_or(&0))).collect() };
    let (published, confirmed, delivered) =
        (take(&s.published), take(&s.confirmed), take(&s.delivered));
    let top = published
        .iter()
        .chain(&delivered)
        .chain(&confirmed)
        .fold(1.0f64, |m, v| m.max(*v));
    let lag: Vec<f64> = (0..=n)
        .map(|i| f64::from(s.lag.get(i).copied().flatten().unwrap_or(0)))
        .collect();
    let lag_top = lag.iter().fold(1.0f64, |m, v| m.max(*v));
    let latency: Vec<f64> = (0..n)
        .map(|i| s.latency_ms(i).unwrap_or(0) as f64)
        .collect();
    let lat_top = latency.iter().fold(1.0f64, |m, v| m.max(*v));
    let last = |v: &[f64]| v.last().copied().unwrap_or(0.0);
    html! {
        <section class="panel charts" aria-label={t(lang, Msg::ChartsAria)}>
            { chart(lang, tf(lang, Msg::Throughput, &[&format!("{:.0}", last(&published)), &format!("{:.0}", last(&confirmed)),
                    &format!("{:.0}", last(&delivered)), &format!("{top:.0}")]), "chart-throughput", Msg::ThroughputChartAria,
                html! { <>{ polyline(&published, top, end, "l-pub") }{ polyline(&confirmed, top, end, "l-conf") }{ polyline(&delivered, top, end, "l-del") }</> }) }
            { chart(lang, tf(lang, Msg::Lag, &[&format!("{:.0}", last(&lag)), &format!("{lag_top:.0}")]), "chart-lag", Msg::LagChartAria,
                polyline(&lag, lag_top, end + 1, "l-lag")) }
            { chart(lang, tf(lang, Msg::Latency, &[&format!("{:.0}", last(&latency)), &format!("{lat_top:.0}")]), "chart-latency", Msg::LatencyChartAria,
                polyline(&latency, lat_top, end, "l-lat")) }
        </section>
    }
}
