//! Time controls: play/pause, step, back, run to the end, the speed (a log
//! scale from 0.01× to 100× real time), the timeline to scrub, the seed.

use brokersim::SimTime;
use yew::prelude::*;

use crate::i18n::{Msg, t, tf};
use crate::state::{Action, Notice, SPEED_MAX_LOG, SPEED_MIN_LOG, use_sim};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub frame: u64,
    pub playing: bool,
    pub speed_log: f64,
}

fn input_value(e: &Event) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>()
        .value()
}

/// The seed typed: a whole number from 0 to `u64::MAX`, else refused,
/// saying what was typed and the seed the run keeps.
pub fn parse_seed(typed: &str, kept: u64) -> Result<u64, String> {
    typed
        .trim()
        .parse::<u64>()
        .map_err(|_| tf(Msg::BadSeed, &[&typed.trim(), &kept]))
}

fn speed_label(log: f64) -> String {
    let speed = 10f64.powf(log);
    if speed >= 10.0 {
        format!("{speed:.0}×")
    } else if speed >= 1.0 {
        format!("{speed:.1}×")
    } else {
        format!("{speed:.2}×")
    }
}

#[component]
pub fn Controls(props: &Props) -> Html {
    let sim = use_sim();
    let runner = sim.runner.borrow();
    let now = runner.now();
    let end = runner.timeline_end();
    let seed = runner.scenario().seed;
    let busy = runner.busy();
    let finished = runner.is_finished();
    let phase_ms = runner.scenario().duration_ms;
    let draining = now.as_ms() > phase_ms;
    // Where the scheduled faults fall on the timeline, your actions included.
    let end_ms = end.as_ms().max(1) as f64;
    let marks = runner
        .scenario()
        .faults
        .iter()
        .map(|f| {
            let x = format!("{:.1}", f.at_ms as f64 / end_ms * 1000.0);
            let what = brokersim::json::to_string(f);
            html! { <line x1={x.clone()} x2={x} y1="0" y2="10"><title>{ what }</title></line> }
        })
        .collect::<Html>();
    drop(runner);

    let dispatch = sim.dispatch.clone();
    let send = move |a: fn() -> Action| {
        let d = dispatch.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(a()))
    };
    let d = sim.dispatch.clone();
    let on_speed = Callback::from(move |e: InputEvent| {
        if let Ok(v) = input_value(&e).parse::<f64>() {
            d.dispatch(Action::SetSpeed(v));
        }
    });
    let d = sim.dispatch.clone();
    let on_seek = Callback::from(move |e: InputEvent| {
        if let Ok(ms) = input_value(&e).parse::<u64>() {
            d.dispatch(Action::Seek(SimTime::from_ms(ms)));
        }
    });
    let d = sim.dispatch.clone();
    let runner = sim.runner.clone();
    let on_seed = Callback::from(move |e: Event| {
        let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
        let kept = runner.borrow().scenario().seed;
        // The box shows the seed the run uses: the new one, or the kept one.
        match parse_seed(&input.value(), kept) {
            Ok(seed) => {
                input.set_value(&seed.to_string());
                d.dispatch(Action::SetSeed(seed));
            }
            Err(why) => {
                input.set_value(&kept.to_string());
                d.dispatch(Action::Notify(Some(Notice::Error(why))));
            }
        }
    });
    let status = match (busy, finished, draining) {
        (Some(to), _, _) => tf(Msg::Replaying, &[&to]),
        (None, true, _) => t(Msg::Finished).to_owned(),
        (None, false, true) => t(Msg::Draining).to_owned(),
        (None, false, false) => t(Msg::FaultPhase).to_owned(),
    };
    html! {
        <nav class="controls" aria-label={t(Msg::ControlsAria)}>
            <button class="primary" id="play" onclick={send(|| Action::TogglePlay)}
                aria-label={if props.playing { t(Msg::PauseAria) } else { t(Msg::PlayAria) }}
                disabled={finished}>
                { if props.playing { t(Msg::Pause) } else { t(Msg::Play) } }
            </button>
            <button id="back" onclick={send(|| Action::Back)} aria-label={t(Msg::BackAria)}>{ t(Msg::Back) }</button>
            <button id="step" onclick={send(|| Action::Step)} aria-label={t(Msg::StepAria)}>{ t(Msg::Step) }</button>
            <button id="to-end" onclick={send(|| Action::RunToEnd)} aria-label={t(Msg::ToEndAria)}>{ t(Msg::ToEnd) }</button>
            <label class="speed">
                { t(Msg::Speed) }
                <input type="range" id="speed" min={SPEED_MIN_LOG.to_string()} max={SPEED_MAX_LOG.to_string()} step="0.1"
                    value={props.speed_log.to_string()} oninput={on_speed}
                    aria-label={t(Msg::SpeedAria)}
                    aria-valuetext={speed_label(props.speed_log)} />
                <output id="speed-value">{ speed_label(props.speed_log) }</output>
            </label>
            <label class="seed">
                { t(Msg::Seed) }
                <input type="number" id="seed" min="0" value={seed.to_string()} onchange={on_seed}
                    aria-label={t(Msg::SeedAria)} />
            </label>
            <div class="timeline">
                <div class="track">
                    <input type="range" id="timeline" min="0" max={end.as_ms().to_string()} step="1"
                        value={now.as_ms().to_string()} oninput={on_seek}
                        aria-label={t(Msg::TimelineAria)}
                        aria-valuetext={now.to_string()} />
                    <svg class="marks" viewBox="0 0 1000 10" preserveAspectRatio="none" aria-hidden="true">{ marks }</svg>
                </div>
                <span class="clock" id="clock" aria-live="off">{ format!("{now} / {end}") }</span>
                <span class="phase" id="phase">{ status }</span>
            </div>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::parse_seed;

    #[test]
    fn a_seed_that_is_not_a_whole_number_is_refused_and_the_old_one_kept() {
        assert_eq!(parse_seed(" 42 ", 7), Ok(42));
        assert_eq!(parse_seed("18446744073709551615", 7), Ok(u64::MAX));
        for bad in ["-1", "1.5", "1e23", "", "abc", "18446744073709551616"] {
            let why = parse_seed(bad, 7).unwrap_err();
            assert!(why.starts_with(&format!("Seed: \"{bad}\"")), "{why}");
            assert!(why.ends_with("the run keeps seed 7."), "{why}");
        }
    }
}
