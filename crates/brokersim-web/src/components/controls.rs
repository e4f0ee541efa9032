//! Time controls: play/pause, step, back, run to the end, the speed (a log
//! scale from 0.01× to 100× real time), the timeline to scrub, the seed.

use brokersim::SimTime;
use yew::prelude::*;

use crate::i18n::{Lang, Msg, t, tf, use_lang};
use crate::state::{Action, Notice, SPEED_MAX_LOG, SPEED_MIN_LOG, SimHandle, use_sim};

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
pub fn parse_seed(lang: Lang, typed: &str, kept: u64) -> Result<u64, String> {
    typed
        .trim()
        .parse::<u64>()
        .map_err(|_| tf(lang, Msg::BadSeed, &[&typed.trim(), &kept]))
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
    let lang = use_lang();
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

    let command = |run: fn(&SimHandle)| {
        let sim = sim.clone();
        Callback::from(move |_: MouseEvent| run(&sim))
    };
    let d = sim.clone();
    let on_speed = Callback::from(move |e: InputEvent| {
        if let Ok(v) = input_value(&e).parse::<f64>() {
            d.send(Action::SetSpeed(v));
        }
    });
    let d = sim.clone();
    let on_seek = Callback::from(move |e: InputEvent| {
        if let Ok(ms) = input_value(&e).parse::<u64>() {
            d.seek(SimTime::from_ms(ms));
        }
    });
    let d = sim.clone();
    let runner = sim.runner.clone();
    let on_seed = Callback::from(move |e: Event| {
        let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
        let kept = runner.borrow().scenario().seed;
        // The box shows the seed the run uses: the new one, or the kept one.
        match parse_seed(lang, &input.value(), kept) {
            Ok(seed) => {
                input.set_value(&seed.to_string());
                d.set_seed(seed);
            }
            Err(why) => {
                input.set_value(&kept.to_string());
                d.send(Action::Notify(Some(Notice::Error(why))));
            }
        }
    });
    let status = match (busy, finished, draining) {
        (Some(to), _, _) => tf(lang, Msg::Replaying, &[&to]),
        (None, true, _) => t(lang, Msg::Finished).to_owned(),
        (None, false, true) => t(lang, Msg::Draining).to_owned(),
        (None, false, false) => t(lang, Msg::FaultPhase).to_owned(),
    };
    html! {
        <nav class="controls" aria-label={t(lang, Msg::ControlsAria)}>
            <button class="primary" id="play" onclick={command(|s| s.send(Action::TogglePlay))}
                aria-label={if props.playing { t(lang, Msg::PauseAria) } else { t(lang, Msg::PlayAria) }}
                disabled={finished}>
                { if props.playing { t(lang, Msg::Pause) } else { t(lang, Msg::Play) } }
            </button>
            <button id="back" onclick={command(SimHandle::back)} aria-label={t(lang, Msg::BackAria)}>{ t(lang, Msg::Back) }</button>
            <button id="step" onclick={command(SimHandle::step)} aria-label={t(lang, Msg::StepAria)}>{ t(lang, Msg::Step) }</button>
            <button id="to-end" onclick={command(SimHandle::run_to_end)} aria-label={t(lang, Msg::ToEndAria)}>{ t(lang, Msg::ToEnd) }</button>
            <label class="speed">
                { t(lang, Msg::Speed) }
                <input type="range" id="speed" min={SPEED_MIN_LOG.to_string()} max={SPEED_MAX_LOG.to_string()} step="0.1"
                    value={props.speed_log.to_string()} oninput={on_speed}
                    aria-label={t(lang, Msg::SpeedAria)}
                    aria-valuetext={speed_label(props.speed_log)} />
                <output id="speed-value">{ speed_label(props.speed_log) }</output>
            </label>
            <label class="seed">
                { t(lang, Msg::Seed) }
                <input type="number" id="seed" min="0" value={seed.to_string()} onchange={on_seed}
                    aria-label={t(lang, Msg::SeedAria)} />
            </label>
            <div class="timeline">
                <div class="track">
                    <input type="range" id="timeline" min="0" max={end.as_ms().to_string()} step="1"
                        value={now.as_ms().to_string()} oninput={on_seek}
                        aria-label={t(lang, Msg::TimelineAria)}
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
    use crate::i18n::Lang;

    #[test]
    fn a_seed_that_is_not_a_whole_number_is_refused_and_the_old_one_kept() {
        assert_eq!(parse_seed(Lang::En, " 42 ", 7), Ok(42));
        assert_eq!(
            parse_seed(Lang::En, "18446744073709551615", 7),
            Ok(u64::MAX)
        );
        for bad in ["-1", "1.5", "1e23", "", "abc", "18446744073709551616"] {
            let why = parse_seed(Lang::En, bad, 7).unwrap_err();
            assert!(why.starts_with(&format!("Seed: \"{bad}\"")), "{why}");
            assert!(why.ends_with("the run keeps seed 7."), "{why}");
        }
    }
}
