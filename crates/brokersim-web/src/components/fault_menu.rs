//! The actions on a clicked broker or client, and partition mode. Each
//! action becomes a fault in the scenario at the current virtual time, so
//! the run replays and the link shares it.

use brokersim::scenario::{FaultSpec, MAX_DURATION_MS, MAX_LATENCY_MS, SlowLinkSpec};
use yew::prelude::*;

use crate::i18n::{Lang, Msg, t, tf, use_lang};
use crate::state::{Action, Notice, Selected, use_sim};

/// A fault to add when a button is pressed, or why it cannot be (a typed
/// value out of range, nothing to act on): shown as the page's notice.
type MakeFault = Box<dyn Fn() -> Result<FaultSpec, String>>;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub frame: u64,
    pub selected: Option<Selected>,
    pub partition: Option<Vec<bool>>,
}

fn value_of(id: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let el = web_sys::window()?.document()?.get_element_by_id(id)?;
        if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
            return Some(input.value());
        }
        el.dyn_ref::<web_sys::HtmlSelectElement>()
            .map(|s| s.value())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = id;
        None
    }
}

/// A fault on `name`, made by `set` when its button is pressed.
fn fault_on(name: &str, set: fn(&mut FaultSpec, String)) -> MakeFault {
    let name = name.to_owned();
    Box::new(move || {
        let mut fault = FaultSpec::default();
        set(&mut fault, name.clone());
        Ok(fault)
    })
}

/// The pause length typed in seconds, in ms: 1 ms to the longest scenario
/// (an hour). Anything else is refused, saying what was typed.
pub fn pause_ms(lang: Lang, typed: &str) -> Result<u64, String> {
    let ms = typed
        .trim()
        .parse::<f64>()
        .ok()
        .map(|secs| (secs * 1000.0).round())
        .filter(|ms| (1.0..=MAX_DURATION_MS as f64).contains(ms));
    ms.map(|ms| ms as u64)
        .ok_or_else(|| tf(lang, Msg::BadPauseLength, &[&typed.trim()]))
}

/// The slow link's added latency typed in ms: a whole number from 1 (0
/// would slow nothing) to the core's limit.
pub fn slow_ms(lang: Lang, typed: &str) -> Result<u64, String> {
    typed
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|ms| (1..=MAX_LATENCY_MS).contains(ms))
        .ok_or_else(|| tf(lang, Msg::BadSlowLatency, &[&typed.trim(), &MAX_LATENCY_MS]))
}

#[component]
pub fn FaultMenu(props: &Props) -> Html {
    let lang = use_lang();
    let sim = use_sim();
    let cut_refused = use_state_eq(|| false);
    let brokers: Vec<String> = sim.runner.borrow().broker_names();
    let inject = |make: MakeFault| {
        let d = sim.clone();
        Callback::from(move |_: MouseEvent| match make() {
            Ok(fault) => d.inject(fault),
            Err(why) => d.send(Action::Notify(Some(Notice::Error(why)))),
        })
    };
    // A heal with nothing cut or slowed would add a fault that does nothing.
    let heal = {
        let runner = sim.runner.clone();
        inject(Box::new(move || {
            if runner.borrow().sim().network_is_whole() {
                Err(t(lang, Msg::NothingToHeal).to_owned())
            } else {
                Ok(FaultSpec {
                    heal: Some(true),
                    ..FaultSpec::default()
                })
            }
        }))
    };
    let send = |action: fn() -> Action| {
        let d = sim.clone();
        Callback::from(move |_: MouseEvent| d.send(action()))
    };

    let start_partition = {
        let d = sim.clone();
        let brokers = brokers.len();
        let cut_refused = cut_refused.clone();
        Callback::from(move |_: MouseEvent| {
            cut_refused.set(false);
            d.send(Action::PartitionStart(brokers));
        })
    };
    let toolbar = html! {
        <div class="toolbar" role="toolbar" aria-label={t(lang, Msg::NetworkFaults)}>
            <button id="partition" onclick={start_partition}
                aria-label={t(lang, Msg::PartitionAria)}>{ t(lang, Msg::PartitionButton) }</button>
            <button id="heal" onclick={heal}
                aria-label={t(lang, Msg::HealAria)}>{ t(lang, Msg::Heal) }</button>
        </div>
    };

    if let Some(groups) = &props.partition {
        let picked: Vec<&str> = brokers
            .iter()
            .zip(groups)
            .filter(|(_, a)| **a)
            .map(|(n, _)| n.as_str())
            .collect();
        let can_cut = !picked.is_empty() && picked.len() < groups.len();
        // A refused cut says why here too, beside the button (the page's
        // notice may be scrolled out of view), until the sides are fixed.
        let cut = {
            let d = sim.clone();
            let cut_refused = cut_refused.clone();
            let groups = groups.clone();
            Callback::from(move |_: MouseEvent| {
                cut_refused.set(!can_cut);
                d.partition(lang, &groups);
            })
        };
        let cancel = {
            let d = sim.clone();
            let cut_refused = cut_refused.clone();
            Callback::from(move |_: MouseEvent| {
                cut_refused.set(false);
                d.send(Action::Notify(None));
            })
        };
        return html! {
            <div class="menu partition-mode" role="dialog" aria-label={t(lang, Msg::PartitionModeAria)}>
                <p>{ t(lang, Msg::PartitionMode) }</p>
                <p>{ tf(lang, Msg::SideA, &[&if picked.is_empty() { t(lang, Msg::NoneYet).to_owned() } else { picked.join(", ") }]) }</p>
                if *cut_refused && !can_cut {
                    <p class="why" id="cut-refused" role="alert">{ t(lang, Msg::PartitionNeedsBoth) }</p>
                }
                <button class="primary" id="cut" onclick={cut}>{ t(lang, Msg::Cut) }</button>
                <button onclick={cancel}>{ t(lang, Msg::Cancel) }</button>
            </div>
        };
    }

    let menu = match &props.selected {
        None => html! {},
        Some(Selected::Broker(b)) => {
            let name = brokers
                .get(usize::from(*b))
                .cloned()
                .unwrap_or_else(|| format!("b{}", b + 1));
            let on = |set: fn(&mut FaultSpec, String)| inject(fault_on(&name, set));
            let pause = {
                let name = name.clone();
                inject(Box::new(move || {
                    Ok(FaultSpec {
                        pause: Some(name.clone()),
                        for_ms: Some(pause_ms(lang, &value_of("pause-secs").unwrap_or_default())?),
                        ..FaultSpec::default()
                    })
                }))
            };
            let slow = {
                let name = name.clone();
                inject(Box::new(move || {
                    let other = value_of("slow-to").unwrap_or_default();
                    let latency_ms = slow_ms(lang, &value_of("slow-ms").unwrap_or_default())?;
                    Ok(FaultSpec {
                        slow_link: Some(SlowLinkSpec {
                            between: vec![name.clone(), other],
                            latency_ms,
                        }),
                        ..FaultSpec::default()
                    })
                }))
            };
            let others = brokers
                .iter()
                .filter(|o| **o != name)
                .map(|o| html! { <option value={o.clone()}>{ o.clone() }</option> })
                .collect::<Html>();
            html! {
                <div class="menu" role="dialog" aria-label={tf(lang, Msg::ActionsOn, &[&name])} id="broker-menu">
                    <h3>{ tf(lang, Msg::Break, &[&name]) }</h3>
                    <span class="inline">
                        <button id="act-kill" onclick={on(|f, n| f.kill = Some(n))} title={t(lang, Msg::KillTitle)}>{ t(lang, Msg::Kill) }</button>
                        <small class="hint" id="kill-hint">{ t(lang, Msg::KillTitle) }</small>
                    </span>
                    <span class="inline">
                        <button id="act-crash" onclick={on(|f, n| f.crash = Some(n))} title={t(lang, Msg::CrashTitle)}>{ t(lang, Msg::Crash) }</button>
                        <small class="hint" id="crash-hint">{ t(lang, Msg::CrashTitle) }</small>
                    </span>
                    <button id="act-stop" onclick={on(|f, n| f.stop = Some(n))} title={t(lang, Msg::StopTitle)}>{ t(lang, Msg::Stop) }</button>
                    <button id="act-restart" onclick={on(|f, n| f.restart = Some(n))} title={t(lang, Msg::RestartTitle)}>{ t(lang, Msg::Restart) }</button>
                    <button id="act-lose-disk" onclick={on(|f, n| f.lose_disk = Some(n))} title={t(lang, Msg::WipeTitle)}>{ t(lang, Msg::WipeDisk) }</button>
                    <span class="inline">
                        <button id="act-pause" onclick={pause} title={t(lang, Msg::PauseTitle)}>{ t(lang, Msg::PauseFor) }</button>
                        <input id="pause-secs" type="number" min="0.001" max="3600" step="0.1" value="10" aria-label={t(lang, Msg::PauseLenAria)} />{ t(lang, Msg::Seconds) }
                    </span>
                    <span class="inline">
                        <button id="act-slow" onclick={slow}>{ t(lang, Msg::SlowLink) }</button>
                        <select id="slow-to" aria-label={t(lang, Msg::SlowToAria)}>{ others }</select>
                        { t(lang, Msg::By) }<input id="slow-ms" type="number" min="1" max={MAX_LATENCY_MS.to_string()} value="500" aria-label={t(lang, Msg::SlowMsAria)} />{ t(lang, Msg::Ms) }
                    </span>
                    <button onclick={send(|| Action::Select(None))} aria-label={t(lang, Msg::CloseMenu)}>{ t(lang, Msg::Close) }</button>
                </div>
            }
        }
        Some(Selected::Site(name)) => site_menu(lang, name, &inject, send(|| Action::Select(None))),
        Some(Selected::Client(name)) => {
            let on = |set: fn(&mut FaultSpec, String)| inject(fault_on(name, set));
            html! {
                <div class="menu" role="dialog" aria-label={tf(lang, Msg::ActionsOn, &[&name])} id="client-menu">
                    <h3>{ tf(lang, Msg::Break, &[&name]) }</h3>
                    <span class="inline">
                        <button id="act-kill" onclick={on(|f, n| f.kill = Some(n))} title={t(lang, Msg::ClientKillTitle)}>{ t(lang, Msg::Kill) }</button>
                        <small class="hint" id="kill-hint">{ t(lang, Msg::ClientKillTitle) }</small>
                    </span>
                    <span class="inline">
                        <button id="act-crash" onclick={on(|f, n| f.crash = Some(n))} title={t(lang, Msg::ClientCrashTitle)}>{ t(lang, Msg::Crash) }</button>
                        <small class="hint" id="crash-hint">{ t(lang, Msg::ClientCrashTitle) }</small>
                    </span>
                    <button id="act-stop" onclick={on(|f, n| f.stop = Some(n))} title={t(lang, Msg::ClientStopTitle)}>{ t(lang, Msg::Stop) }</button>
                    <button id="act-restart" onclick={on(|f, n| f.restart = Some(n))}>{ t(lang, Msg::Restart) }</button>
                    <button onclick={send(|| Action::Select(None))} aria-label={t(lang, Msg::CloseMenu)}>{ t(lang, Msg::Close) }</button>
                </div>
            }
        }
    };
    html! { <>{ toolbar }{ menu }</> }
}

/// A site's actions: the outage, its end, its destruction, and pointing
/// the applications at it. Each is a fault at the current virtual time.
fn site_menu(
    lang: Lang,
    name: &str,
    inject: &dyn Fn(MakeFault) -> Callback<MouseEvent>,
    close: Callback<MouseEvent>,
) -> Html {
    let on = |set: fn(&mut FaultSpec, String)| inject(fault_on(name, set));
    html! {
        <div class="menu" role="dialog" aria-label={tf(lang, Msg::SiteMenuAria, &[&name])} id="site-menu">
            <h3>{ tf(lang, Msg::SiteMenuTitle, &[&name]) }</h3>
            <button id="act-site-down" onclick={on(|f, n| f.site_down = Some(n))}
                title={t(lang, Msg::SiteDownHint)}>{ t(lang, Msg::SiteDownAction) }</button>
            <button id="act-site-up" onclick={on(|f, n| f.site_up = Some(n))}
                title={t(lang, Msg::SiteUpHint)}>{ t(lang, Msg::SiteUpAction) }</button>
            <button id="act-lose-site" onclick={on(|f, n| f.lose_site = Some(n))}
                title={t(lang, Msg::LoseSiteHint)}>{ t(lang, Msg::LoseSiteAction) }</button>
            <button id="act-failover-site" onclick={on(|f, n| f.failover_site = Some(n))}
                title={t(lang, Msg::FailoverSiteHint)}>{ t(lang, Msg::FailoverSiteAction) }</button>
            <button onclick={close} aria-label={t(lang, Msg::CloseMenu)}>{ t(lang, Msg::Close) }</button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{pause_ms, slow_ms};
    use crate::i18n::Lang;

    #[test]
    fn a_pause_length_out_of_range_is_refused_not_clamped() {
        assert_eq!(pause_ms(Lang::En, "4"), Ok(4_000));
        assert_eq!(pause_ms(Lang::En, " 0.5 "), Ok(500));
        assert_eq!(pause_ms(Lang::En, "3600"), Ok(3_600_000));
        for bad in ["0", "-5", "99999", "", "abc", "0.0001", "NaN", "inf"] {
            let why = pause_ms(Lang::En, bad).unwrap_err();
            assert!(why.starts_with("Pause for: \""), "{bad}: {why}");
            assert!(why.contains(&format!("\"{bad}\"")), "{bad}: {why}");
        }
    }

    #[test]
    fn a_slow_link_needs_a_delay_of_at_least_one_ms() {
        assert_eq!(slow_ms(Lang::En, "500"), Ok(500));
        assert_eq!(slow_ms(Lang::En, "60000"), Ok(60_000));
        for bad in ["", "0", "-1", "1.5", "60001", "9999999"] {
            let why = slow_ms(Lang::En, bad).unwrap_err();
            assert!(why.starts_with("Slow link: \""), "{bad}: {why}");
            assert!(why.contains("from 1 to 60000"), "{bad}: {why}");
        }
    }
}
