//! The actions on a clicked broker or client, and partition mode. Each
//! action becomes a fault in the scenario at the current virtual time, so
//! the run replays and the link shares it.

use brokersim::scenario::{FaultSpec, SlowLinkSpec};
use yew::prelude::*;

use crate::i18n::{Msg, t, tf};
use crate::state::{Action, Selected, use_sim};

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

/// A fault on `name`, made by `set` when its button is pressed (so what the
/// menu reads, like the pause length, is read then).
fn fault_on(name: &str, set: fn(&mut FaultSpec, String)) -> Box<dyn Fn() -> Option<FaultSpec>> {
    let name = name.to_owned();
    Box::new(move || {
        let mut fault = FaultSpec::default();
        set(&mut fault, name.clone());
        Some(fault)
    })
}

/// The pause length the broker menu asks for, in ms (10 s if unreadable).
fn pause_ms() -> u64 {
    let secs = value_of("pause-secs")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(10.0);
    (secs.clamp(0.001, 3_600.0) * 1000.0) as u64
}

#[component]
pub fn FaultMenu(props: &Props) -> Html {
    let sim = use_sim();
    let brokers: Vec<String> = sim.runner.borrow().broker_names();
    let inject = |make: Box<dyn Fn() -> Option<FaultSpec>>| {
        let d = sim.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(fault) = make() {
                d.dispatch(Action::Inject(fault));
            }
        })
    };
    let send = |action: fn() -> Action| {
        let d = sim.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(action()))
    };

    let toolbar = html! {
        <div class="toolbar" role="toolbar" aria-label={t(Msg::NetworkFaults)}>
            <button id="partition" onclick={send(|| Action::PartitionStart)}
                aria-label={t(Msg::PartitionAria)}>{ t(Msg::PartitionButton) }</button>
            <button id="heal" onclick={inject(Box::new(|| Some(FaultSpec { heal: Some(true), ..FaultSpec::default() })))}
                aria-label={t(Msg::HealAria)}>{ t(Msg::Heal) }</button>
        </div>
    };

    if let Some(groups) = &props.partition {
        let picked: Vec<&str> = brokers
            .iter()
            .zip(groups)
            .filter(|(_, a)| **a)
            .map(|(n, _)| n.as_str())
            .collect();
        return html! {
            <div class="menu partition-mode" role="dialog" aria-label={t(Msg::PartitionModeAria)}>
                <p>{ t(Msg::PartitionMode) }</p>
                <p>{ tf(Msg::SideA, &[&if picked.is_empty() { t(Msg::NoneYet).to_owned() } else { picked.join(", ") }]) }</p>
                <button class="primary" id="cut" onclick={send(|| Action::PartitionApply)}>{ t(Msg::Cut) }</button>
                <button onclick={send(|| Action::Notify(None))}>{ t(Msg::Cancel) }</button>
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
            let slow = {
                let name = name.clone();
                inject(Box::new(move || {
                    let other = value_of("slow-to")?;
                    let latency_ms = value_of("slow-ms")?.trim().parse::<u64>().ok()?;
                    Some(FaultSpec {
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
                <div class="menu" role="dialog" aria-label={tf(Msg::ActionsOn, &[&name])} id="broker-menu">
                    <h3>{ tf(Msg::Break, &[&name]) }</h3>
                    <button id="act-crash" onclick={on(|f, n| f.crash = Some(n))} title={t(Msg::CrashTitle)}>{ t(Msg::Crash) }</button>
                    <button id="act-stop" onclick={on(|f, n| f.stop = Some(n))} title={t(Msg::StopTitle)}>{ t(Msg::Stop) }</button>
                    <button id="act-restart" onclick={on(|f, n| f.restart = Some(n))} title={t(Msg::RestartTitle)}>{ t(Msg::Restart) }</button>
                    <button id="act-lose-disk" onclick={on(|f, n| f.lose_disk = Some(n))} title={t(Msg::WipeTitle)}>{ t(Msg::WipeDisk) }</button>
                    <span class="inline">
                        <button id="act-pause" onclick={on(|f, n| {
                            f.pause = Some(n);
                            f.for_ms = Some(pause_ms());
                        })} title={t(Msg::PauseTitle)}>{ t(Msg::PauseFor) }</button>
                        <input id="pause-secs" type="number" min="0.1" step="0.1" value="10" aria-label={t(Msg::PauseLenAria)} />{ t(Msg::Seconds) }
                    </span>
                    <span class="inline">
                        <button id="act-slow" onclick={slow}>{ t(Msg::SlowLink) }</button>
                        <select id="slow-to" aria-label={t(Msg::SlowToAria)}>{ others }</select>
                        { t(Msg::By) }<input id="slow-ms" type="number" min="1" value="500" aria-label={t(Msg::SlowMsAria)} />{ t(Msg::Ms) }
                    </span>
                    <button onclick={send(|| Action::Select(None))} aria-label={t(Msg::CloseMenu)}>{ t(Msg::Close) }</button>
                </div>
            }
        }
        Some(Selected::Site(name)) => site_menu(name, &inject, send(|| Action::Select(None))),
        Some(Selected::Client(name)) => {
            let on = |set: fn(&mut FaultSpec, String)| inject(fault_on(name, set));
            html! {
                <div class="menu" role="dialog" aria-label={tf(Msg::ActionsOn, &[&name])} id="client-menu">
                    <h3>{ tf(Msg::Break, &[&name]) }</h3>
                    <button id="act-crash" onclick={on(|f, n| f.crash = Some(n))} title={t(Msg::ClientCrashTitle)}>{ t(Msg::Crash) }</button>
                    <button id="act-stop" onclick={on(|f, n| f.stop = Some(n))} title={t(Msg::ClientStopTitle)}>{ t(Msg::Stop) }</button>
                    <button id="act-restart" onclick={on(|f, n| f.restart = Some(n))}>{ t(Msg::Restart) }</button>
                    <button onclick={send(|| Action::Select(None))} aria-label={t(Msg::CloseMenu)}>{ t(Msg::Close) }</button>
                </div>
            }
        }
    };
    html! { <>{ toolbar }{ menu }</> }
}

/// A site's actions: the outage, its end, its destruction, and pointing
/// the applications at it. Each is a fault at the current virtual time.
fn site_menu(
    name: &str,
    inject: &dyn Fn(Box<dyn Fn() -> Option<FaultSpec>>) -> Callback<MouseEvent>,
    close: Callback<MouseEvent>,
) -> Html {
    let on = |set: fn(&mut FaultSpec, String)| inject(fault_on(name, set));
    html! {
        <div class="menu" role="dialog" aria-label={tf(Msg::SiteMenuAria, &[&name])} id="site-menu">
            <h3>{ tf(Msg::SiteMenuTitle, &[&name]) }</h3>
            <button id="act-site-down" onclick={on(|f, n| f.site_down = Some(n))}
                title={t(Msg::SiteDownHint)}>{ t(Msg::SiteDownAction) }</button>
            <button id="act-site-up" onclick={on(|f, n| f.site_up = Some(n))}
                title={t(Msg::SiteUpHint)}>{ t(Msg::SiteUpAction) }</button>
            <button id="act-lose-site" onclick={on(|f, n| f.lose_site = Some(n))}
                title={t(Msg::LoseSiteHint)}>{ t(Msg::LoseSiteAction) }</button>
            <button id="act-failover-site" onclick={on(|f, n| f.failover_site = Some(n))}
                title={t(Msg::FailoverSiteHint)}>{ t(Msg::FailoverSiteAction) }</button>
            <button onclick={close} aria-label={t(Msg::CloseMenu)}>{ t(Msg::Close) }</button>
        </div>
    }
}
