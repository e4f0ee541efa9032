//! The page: it owns the state, provides the language and the simulation
//! handle, runs the animation loop and keeps the URL fragment in step with
//! the scenario.

use std::rc::Rc;

use yew::prelude::*;

use crate::components::charts::Charts;
use crate::components::cluster::Cluster;
use crate::components::config_panel::ConfigPanel;
use crate::components::controls::Controls;
use crate::components::embed::EmbedCode;
use crate::components::event_log::EventLog;
use crate::components::fault_menu::FaultMenu;
use crate::components::lang_picker::LangPicker;
use crate::components::lesson::{LessonIndex, LessonPanel};
use crate::components::message_life::MessageLife;
use crate::components::notice::NoticeBar;
use crate::components::numbers::Numbers;
use crate::components::share_panel::SharePanel;
use crate::hooks::{frame_started, use_animation_frames, use_keyboard};
use crate::i18n::{self, Lang, Msg, t, tf};
use crate::mount::Bridge;
use crate::runner::Runner;
use crate::state::{Action, DEFAULT_PRESET, Notice, SimHandle, Sims, UiState};
use crate::url_options::{self, UrlOptions};
use crate::{browser, perf, share};

/// The default scenario (always valid: the presets are tested). The page
/// renders only once it has arrived (`boot.rs`).
pub fn default_scenario() -> brokersim::Scenario {
    crate::preset_files::cached(DEFAULT_PRESET).expect("boot fetched the default preset")
}

/// What a course page's script gave `mount` (`mount.rs`) in place of the
/// address: the page's options and, if any, its scenario.
pub struct Mounted {
    pub options: UrlOptions,
    pub scenario: Option<brokersim::Scenario>,
    /// The script's `MountedSimulator` end.
    pub bridge: std::rc::Rc<Bridge>,
}

impl PartialEq for Mounted {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// Set when mounted by a script: the page then leaves the host page's
    /// address alone (no fragment, no `lang=`) and links nowhere from it.
    #[prop_or_default]
    pub mounted: Option<std::rc::Rc<Mounted>>,
}

/// The run the URL (or the mounting script) asks for (a lesson's preset, a
/// preset by name, a shared or given scenario), or the default with a
/// notice saying why.
fn initial_run(
    lang: Lang,
    options: &UrlOptions,
    mounted: Option<&Mounted>,
) -> (Runner, Option<Notice>) {
    let named = options
        .lesson
        .as_deref()
        .and_then(brokersim::lessons::preset_of)
        .map(str::to_owned)
        .or_else(|| options.preset.clone())
        .and_then(|name| crate::preset_files::cached(&name));
    let given = match mounted {
        Some(m) => Ok(m.scenario.clone()),
        None => share::decode(&browser::fragment()),
    };
    let (scenario, notice) = match (named, given) {
        (Some(scenario), _) if options.lesson.is_some() => (scenario, None),
        (_, Ok(Some(scenario))) => (scenario, None),
        (Some(scenario), Ok(None)) => (scenario, None),
        (None, Ok(None)) => (default_scenario(), None),
        (_, Err(e)) => (
            default_scenario(),
            Some(Notice::Error(tf(lang, Msg::LinkError, &[&e]))),
        ),
    };
    let (runner, notice) = match Runner::new(scenario) {
        Ok(runner) => (runner, notice),
        Err(e) => (
            Runner::new(default_scenario()).expect("the default preset is valid"),
            Some(Notice::Error(tf(lang, Msg::LinkError, &[&e]))),
        ),
    };
    (runner, with_url_problems(lang, options, notice))
}

/// `notice` with what the address's options got wrong before it (the
/// option, the value and, for a name, the valid ones).
pub fn with_url_problems(
    lang: Lang,
    options: &UrlOptions,
    notice: Option<Notice>,
) -> Option<Notice> {
    // A language file that did not arrive comes first: it explains why
    // the page is not in the language asked for.
    let notice = match (crate::boot::take_problems(), notice) {
        (Some(why), Some(notice)) => Some(Notice::Error(format!("{why} {}", notice.text(lang)))),
        (Some(why), None) => Some(Notice::Error(why)),
        (None, notice) => notice,
    };
    let Some(problems) = options.problems_text(lang) else {
        return notice;
    };
    Some(Notice::Error(match notice {
        Some(notice) => format!("{problems} {}", notice.text(lang)),
        None => problems,
    }))
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let mounted = props.mounted.clone();
    let page = use_memo((), {
        let mounted = mounted.clone();
        move |_| match &mounted {
            Some(m) => (m.options.clone(), url_options::browser_lang()),
            None => url_options::from_page(),
        }
    });
    let options = page.0.clone();
    // Only the page that owns the address writes to it.
    let owns_address = mounted.is_none();
    let lang_state = use_state(|| i18n::initial_lang(options.lang.as_deref(), page.1.as_deref()));
    let lang = *lang_state;
    let first = use_memo((), {
        let first_lang = lang;
        let options = options.clone();
        let mounted = mounted.clone();
        move |_| {
            let (runner, notice) = initial_run(first_lang, &options, mounted.as_deref());
            (Rc::new(Sims::new(runner, None)), notice)
        }
    });
    let state = use_reducer(|| {
        let mut state = UiState::new(first.0.status(), first.1.clone());
        if let Some(log) = options.speed_log {
            state.speed_log = log;
        }
        state
    });
    let index_open = use_state(|| options.lesson.as_deref() == Some(""));
    // The first render draws what the eye lands on (the header, the
    // controls, the cluster and its numbers); the panels below, the charts
    // and the log join once that is painted, so the page shows sooner.
    let settled = use_state_eq(|| false);
    let handle = use_memo((), {
        let sims = first.0.clone();
        let dispatch = state.dispatcher();
        move |_| SimHandle::new(sims, dispatch)
    });
    use_animation_frames(&state, &handle);
    // A mounted page answers keys only when the focus is inside it.
    let page_ref = use_node_ref();
    use_keyboard((*handle).clone(), (!owns_address).then(|| page_ref.clone()));

    // A clicked broker's (client's, site's) menu, or partition mode's,
    // opens below the cluster: scrolled into view, its buttons all showing.
    use_effect_with((state.selected.clone(), state.partition.is_some()), {
        let page_ref = page_ref.clone();
        move |(selected, partitioning)| {
            if selected.is_some() || *partitioning {
                browser::after_paint(move || {
                    let menu = page_ref
                        .cast::<web_sys::Element>()
                        .and_then(|p| p.query_selector(".stage .menu").ok().flatten());
                    if let Some(menu) = menu {
                        browser::bring_into_view(&menu);
                    }
                });
            }
        }
    });

    let generation = state.sim.generation;
    // Effects run in order: this one first, as soon as the DOM is there.
    use_effect_with((), {
        let sim = (*handle).clone();
        let options = options.clone();
        let settled = settled.clone();
        move |_| {
            // The page's effects have run (`start.js` marks the first
            // paint, which comes earlier).
            perf::mark("brokersim-rendered");
            browser::after_paint(move || settled.set(true));
            if let Some(ms) = options.start_ms {
                sim.seek(brokersim::SimTime::from_ms(ms));
            }
            if options.autoplay && options.lesson.is_none() {
                sim.send(Action::Play(true));
            }
        }
    });
    // After the mark: the link's text (a deflate) is not what the eye sees.
    use_effect_with(generation, {
        let runner = handle.runner.clone();
        move |_| {
            if owns_address {
                browser::set_fragment(&share::encode(runner.borrow().scenario()))
            }
        }
    });
    let bridge = mounted.as_ref().map(|m| m.bridge.clone());
    use_effect_with((), {
        let handle = (*handle).clone();
        let bridge = bridge.clone();
        move |_| {
            if let Some(bridge) = bridge {
                bridge.attach(handle)
            }
        }
    });
    use_effect(move || {
        if let Some(bridge) = bridge {
            bridge.notify(lang);
        }
        if let Some(started) = frame_started() {
            perf::record_frame(perf::now_ms() - started);
        }
    });

    // Panels that do not need every frame redraw ten times a second, each
    // on a different frame, so no one frame pays for all of them.
    let slow = |offset: u64| {
        if state.playing {
            (state.frame + offset) / 6
        } else {
            state.frame
        }
    };
    let title = handle.runner.borrow().scenario().title_in(lang).to_owned();
    // Panels drawn from the first render on, and those that wait for it.
    let show = |panel: &str| options.shows(panel);
    let later = |panel: &str| *settled && options.shows(panel);
    let toggle_index = {
        let index_open = index_open.clone();
        Callback::from(move |_: MouseEvent| index_open.set(!*index_open))
    };
    // Compare mode opens with this scenario on both sides (a page load).
    let open_compare = {
        let runner = handle.runner.clone();
        let code = lang.code();
        Callback::from(move |_: MouseEvent| {
            let s = runner.borrow().scenario().clone();
            let pair = crate::compare::Pair {
                left: s.clone(),
                right: s,
            };
            browser::navigate(&format!("?compare=1&lang={code}#{}", pair.encode()));
        })
    };
    // A mirrored queue is RabbitMQ 3.13's, and the page opens on one: say
    // so in words above the run (the drawing's label is small on a phone),
    // and offer the same run on a quorum queue, side by side (issue 14).
    let mirrored = handle.runner.borrow().scenario().system == "rabbitmq-mirrored";
    let open_quorum = {
        let runner = handle.runner.clone();
        let d = (*handle).clone();
        let code = lang.code();
        Callback::from(move |_: MouseEvent| {
            let left = runner.borrow().scenario().clone();
            let patch = serde_json::json!({ "system": "rabbitmq-quorum" });
            let pair = crate::compare::apply_patch(&left, &patch)
                .and_then(|right| crate::compare::Pair::new(left, right));
            match pair {
                Ok(pair) => browser::navigate(&format!("?compare=1&lang={code}#{}", pair.encode())),
                Err(e) => d.send(Action::Notify(Some(Notice::from_error(Msg::NotValid, &e)))),
            }
        })
    };
    let lesson = options
        .lesson
        .as_deref()
        .filter(|l| !l.is_empty())
        .map(|name| {
            html! {
                <LessonPanel name={name.to_owned()} lang={lang} frame={state.frame}
                    playing={state.playing} autoplay={options.autoplay} />
            }
        });
    html! {
        <ContextProvider<Lang> context={lang}>
        <ContextProvider<SimHandle> context={(*handle).clone()}>
            <div class={classes!("page", options.embed.then_some("embed"))} lang={lang.code()} ref={page_ref}
                data-settled={settled.then_some("true")}>
            <header class="top">
                if !options.embed {
                    <h1>{ "brokersim" }</h1>
                }
                <span class="scenario-title" id="scenario-title">{ title }</span>
                <span class="header-tools">
                    // Lesson links and embed code name this page's address,
                    // which a mounted page does not have.
                    if !options.embed && owns_address {
                        <button id="lessons" onclick={toggle_index}>{ t(lang, Msg::LessonsButton) }</button>
                        <EmbedCode options={options.clone()} />
                        <button id="compare" onclick={open_compare} title={t(lang, Msg::CompareButtonTitle)}>{ t(lang, Msg::CompareButton) }</button>
                    }
                    <LangPicker lang={lang_state.clone()} owns_address={owns_address} />
                </span>
            </header>
            if mirrored {
                <p class="release-note" id="release-note">{ t(lang, Msg::ReleaseNoteMirrored) }
                    if !options.embed && owns_address {
                        { " " }<button class="link" id="release-note-compare" onclick={open_quorum}>{ t(lang, Msg::ReleaseNoteCompare) }</button>
                    }
                </p>
            }
            if *index_open {
                <section class="panel lessons"><LessonIndex lang={lang} /></section>
            }
            { for lesson }
            // Re-mounted when the language changes, so every text redraws.
            <>
            <div key={lang.code()} class="panels">
            <NoticeBar notice={state.notice.clone()} seq={state.notice_seq} />
            if show("controls") {
                <Controls frame={state.frame} playing={state.playing} speed_log={state.speed_log} />
            }
            <main class="layout">
                if show("cluster") {
                <section class="stage" aria-label={t(lang, Msg::ClusterAria)}>
                    <Cluster frame={state.frame} selected={state.selected.clone()}
                        partition={state.partition.clone()} />
                    <FaultMenu frame={slow(1)} selected={state.selected.clone()}
                        partition={state.partition.clone()} />
                </section>
                }
                if show("numbers") || later("charts") {
                <aside class="side">
                    if show("numbers") {
                        <Numbers frame={slow(2)} />
                    }
                    if later("charts") {
                        <Charts frame={slow(3)} />
                    }
                </aside>
                }
            </main>
            if later("log") || later("life") {
            <section class="lower">
                if later("log") {
                    <EventLog frame={slow(4)} />
                }
                if later("life") {
                    <MessageLife frame={slow(5)} message={state.message} />
                }
            </section>
            }
            if later("config") || later("share") {
            <section class="lower">
                if later("config") {
                    <ConfigPanel generation={generation} />
                }
                if later("share") {
                    <SharePanel generation={generation} />
                }
            </section>
            }
            </div>
            </>
            </div>
        </ContextProvider<SimHandle>>
        </ContextProvider<Lang>>
    }
}
