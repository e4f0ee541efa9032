//! Guided lessons (`brokersim::lessons`, data files): the lesson index, and
//! the narrator. The page plays the lesson's preset; at each step's pause
//! (found in the trace as `Pause::find` does) it stops, tells the step's
//! text and asks its question; once answered it plays on to the next pause
//! (or the end) and explains what happened, pointing in the log at the
//! events the step names (`point_at`).

use std::cell::RefCell;

use std::rc::Rc;

use brokersim::lessons::{self, Lesson, Pause};
use brokersim::trace::TraceEntry;
use brokersim::{Lang, SimTime};
use yew::prelude::*;

use crate::i18n::{Msg, t, tf, use_lang};
use crate::lesson_files::{Loaded, use_all_lessons, use_lesson};
use crate::state::{Action, use_sim};
use crate::trace_store::Entry;

thread_local! {
    /// The event kinds the lesson points at now (the log marks them).
    static POINTED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The event kinds the lesson points at now.
pub fn pointed() -> Vec<String> {
    POINTED.with(|p| p.borrow().clone())
}

fn set_pointed(kinds: Vec<String>) {
    POINTED.with(|p| *p.borrow_mut() = kinds);
}

/// Runs `f` once the current render is over.
fn wasm_redraw(f: impl FnOnce() + 'static) {
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_futures::spawn_local(async move { f() });
    #[cfg(not(target_arch = "wasm32"))]
    drop(f);
}

/// A stored entry's kind as lessons name it (`Crashed`, `Kafka.Truncated`).
pub fn entry_kind(entry: &Entry) -> String {
    match entry {
        Entry::Kept(e) => lessons::kind_of(e),
        Entry::Rebuilt(at, event) => lessons::kind_of(&TraceEntry {
            at: *at,
            event: event.clone(),
        }),
    }
}

/// Where the lesson is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// The title and summary, before the student starts.
    Intro,
    /// Playing toward step `k`'s pause.
    ToPause(usize),
    /// Paused at step `k`; `answer` is the choice picked, if any.
    At {
        k: usize,
        answer: Option<usize>,
    },
    /// Playing to the end after the last step.
    ToEnd,
    Done,
}

/// How far the search for the next pause has looked.
#[derive(Default)]
struct Scan {
    next: usize,
    seen: u32,
}

/// The trace index after which `pause` falls, scanning only the entries
/// added since the last call (`Pause::find` over the page's trace store).
fn find_pause(pause: &Pause, scan: &mut Scan, runner: &crate::runner::Runner) -> Option<usize> {
    let trace = runner.trace();
    let len = runner.trace_len();
    if let Some(at_ms) = pause.at_ms {
        if runner.now().as_ms() < at_ms && !runner.is_finished() {
            return None;
        }
        let passed = trace.first_at_or_after(len, SimTime::from_ms(at_ms + 1));
        let at = passed.saturating_sub(1);
        scan.next = at + 1;
        return Some(at);
    }
    let kind = pause.after.as_deref()?;
    let message_kind = matches!(
        kind,
        "Published"
            | "Confirmed"
            | "Nacked"
            | "ConfirmTimedOut"
            | "Unsent"
            | "Delivered"
            | "Replicated"
    );
    while scan.next < len {
        let i = scan.next;
        scan.next += 1;
        let Some(entry) = trace.get(i) else {
            continue;
        };
        if entry.event().is_message() != message_kind || entry_kind(&entry) != kind {
            continue;
        }
        if let Some(name) = &pause.mentions {
            let json = brokersim::json::to_string(entry.event());
            if !json.contains(&format!("\"{name}\"")) {
                continue;
            }
        }
        scan.seen += 1;
        if scan.seen == pause.nth {
            return Some(i);
        }
    }
    None
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub name: String,
    pub lang: Lang,
    pub frame: u64,
    pub playing: bool,
    /// Start at once (`autoplay=1`).
    pub autoplay: bool,
}

/// The lesson `name`: its file is fetched (`lesson_files`), then narrated.
#[component]
pub fn LessonPanel(props: &Props) -> Html {
    let lang = use_lang();
    match use_lesson(&props.name) {
        Loaded::Ready(lesson) => html! {
            <LessonSteps lesson={lesson} name={props.name.clone()} lang={props.lang}
                frame={props.frame} playing={props.playing} autoplay={props.autoplay} />
        },
        // Nothing yet: the panel appears with its text.
        Loaded::Loading => html! {},
        Loaded::Failed(why) => {
            let unknown = brokersim::lessons::preset_of(&props.name).is_none();
            html! {
                <section class="panel lesson" id="lesson">
                    if unknown {
                        <p>{ tf(lang, Msg::NoSuchLesson, &[&props.name]) }</p>
                    } else {
                        <p class="error">{ tf(lang, Msg::LessonsFailed, &[&why]) }</p>
                    }
                    <LessonIndex lang={props.lang} />
                </section>
            }
        }
    }
}

#[derive(Properties, PartialEq)]
struct StepsProps {
    lesson: Rc<Lesson>,
    name: String,
    lang: Lang,
    frame: u64,
    playing: bool,
    autoplay: bool,
}

#[component]
fn LessonSteps(props: &StepsProps) -> Html {
    let sim = use_sim();
    let lesson = props.lesson.clone();
    let phase = use_state(|| {
        if props.autoplay {
            Phase::ToPause(0)
        } else {
            Phase::Intro
        }
    });
    let scan = use_mut_ref(Scan::default);
    let steps = lesson.steps.len();

    // Playing toward a pause: stop exactly after its event.
    {
        let sim = sim.clone();
        let phase = phase.clone();
        let lesson = lesson.clone();
        let playing = props.playing;
        let scan = scan.clone();
        use_effect_with((props.frame, *phase), move |(_, current)| {
            let dispatch = sim.clone();
            match *current {
                Phase::ToPause(k) => {
                    let found = {
                        let runner = sim.runner.borrow();
                        let found = lesson
                            .steps
                            .get(k)
                            .and_then(|s| find_pause(&s.pause, &mut scan.borrow_mut(), &runner));
                        found.map(|i| runner.trace().get(i).map_or(runner.now(), |e| e.at()))
                    };
                    if let Some(at) = found {
                        dispatch.send(Action::Play(false));
                        dispatch.seek(at);
                        phase.set(Phase::At { k, answer: None });
                    } else if !playing && !sim.runner.borrow().is_finished() {
                        dispatch.send(Action::Play(true));
                    } else if sim.runner.borrow().is_finished() {
                        // The pause was never reached: tell what is left.
                        phase.set(Phase::At { k, answer: None });
                    }
                }
                Phase::ToEnd => {
                    if sim.runner.borrow().is_finished() {
                        phase.set(Phase::Done);
                    } else if !playing {
                        dispatch.send(Action::Play(true));
                    }
                }
                _ => {}
            }
        });
    }

    let lang = props.lang;
    let go = |next: Phase| {
        let phase = phase.clone();
        let scan = scan.clone();
        Callback::from(move |_: MouseEvent| {
            if matches!(next, Phase::ToPause(_)) {
                // Each pause counts its events from the previous pause on.
                let mut s = scan.borrow_mut();
                s.seen = 0;
            }
            phase.set(next);
        })
    };
    let restart = {
        let phase = phase.clone();
        let scan = scan.clone();
        let d = sim.clone();
        Callback::from(move |_: MouseEvent| {
            *scan.borrow_mut() = Scan::default();
            d.seek(SimTime::ZERO);
            phase.set(Phase::ToPause(0));
        })
    };

    // The steps whose texts show now, for the log's pointers.
    let (shown_explain, shown_step) = match *phase {
        Phase::At { k, .. } => (k.checked_sub(1), Some(k)),
        Phase::ToPause(k) => (k.checked_sub(1), None),
        Phase::ToEnd | Phase::Done => (steps.checked_sub(1), None),
        Phase::Intro => (None, None),
    };
    let mut kinds: Vec<String> = Vec::new();
    for i in [shown_explain, shown_step].into_iter().flatten() {
        if let Some(s) = lesson.steps.get(i) {
            kinds.extend(s.point_at.iter().cloned());
        }
    }
    if pointed() != kinds {
        set_pointed(kinds);
        let d = sim.clone();
        // After this render: the log redraws with its new pointers.
        wasm_redraw(move || d.send(Action::Redraw));
    }

    let explain = shown_explain
        .and_then(|i| lesson.steps.get(i))
        .and_then(|s| s.explain.as_ref())
        .filter(|_| !matches!(*phase, Phase::ToPause(_) | Phase::ToEnd))
        .map(|text| {
            html! {
                <div class="lesson-explain" id="lesson-explain">
                    <h3>{ t(lang, Msg::WhatHappened) }</h3>
                    <p>{ text.get(lang).to_owned() }</p>
                </div>
            }
        });

    let body = match *phase {
        Phase::Intro => html! {
            <>
                <p class="lesson-summary">{ lesson.summary.get(lang).to_owned() }</p>
                <button class="primary" id="lesson-start" onclick={go(Phase::ToPause(0))}>{ t(lang, Msg::StartLesson) }</button>
            </>
        },
        Phase::ToPause(_) | Phase::ToEnd => html! {
            <p class="lesson-wait" id="lesson-wait">{ t(lang, Msg::Watching) }</p>
        },
        Phase::At { k, answer } => {
            let step = &lesson.steps[k.min(steps - 1)];
            let next = if k + 1 < steps {
                Phase::ToPause(k + 1)
            } else {
                Phase::ToEnd
            };
            let question = step.question.as_ref().map(|q| {
                let choices = q
                    .choices
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let phase = phase.clone();
                        let pick = Callback::from(move |_: MouseEvent| {
                            phase.set(Phase::At { k, answer: Some(i) })
                        });
                        let class = match answer {
                            Some(_) if i == q.answer => Some("right"),
                            Some(a) if a == i => Some("wrong"),
                            _ => None,
                        };
                        html! {
                            <li><button class={classes!("choice", class)} data-choice={i.to_string()}
                                disabled={answer.is_some()} onclick={pick}>{ c.get(lang).to_owned() }</button></li>
                        }
                    })
                    .collect::<Html>();
                let feedback = answer.map(|a| {
                    let right = a == q.answer;
                    html! {
                        <p class={classes!("feedback", if right { "right" } else { "wrong" })} id="lesson-feedback"
                            data-right={right.to_string()}>
                            { if right { t(lang, Msg::Right).to_owned() } else {
                                tf(lang, Msg::Wrong, &[&q.choices.get(q.answer).map(|c| c.get(lang)).unwrap_or("")])
                            } }
                        </p>
                    }
                });
                html! {
                    <div class="lesson-question" id="lesson-question">
                        <p class="prompt"><strong>{ q.prompt.get(lang).to_owned() }</strong></p>
                        <ol class="choices">{ choices }</ol>
                        { for feedback }
                    </div>
                }
            });
            let can_go_on = step.question.is_none() || answer.is_some();
            // Offered once the question is answered: the comparison tells
            // its answer.
            let compare = step.compare.as_deref().filter(|_| can_go_on);
            html! {
                <>
                    { for explain.clone() }
                    <p class="lesson-say" id="lesson-say">{ step.say.get(lang).to_owned() }</p>
                    { for question }
                    { compare_link(lang, compare) }
                    if can_go_on {
                        <button class="primary" id="lesson-next" onclick={go(next)}>{ t(lang, Msg::PlayOn) }</button>
                    }
                </>
            }
        }
        Phase::Done => html! {
            <>
                { for explain.clone() }
                { compare_link(lang, lesson.steps.last().and_then(|s| s.compare.as_deref())) }
                <p class="lesson-done" id="lesson-done">{ t(lang, Msg::LessonDone) }</p>
                <button onclick={restart}>{ t(lang, Msg::LessonAgain) }</button>
            </>
        },
    };
    let progress = match *phase {
        Phase::Intro => String::new(),
        Phase::ToPause(k) | Phase::At { k, .. } => {
            tf(lang, Msg::StepOf, &[&(k + 1).min(steps), &steps])
        }
        Phase::ToEnd | Phase::Done => tf(lang, Msg::StepOf, &[&steps, &steps]),
    };
    html! {
        <section class="panel lesson" id="lesson" aria-label={t(lang, Msg::LessonAria)} data-lesson={props.name.clone()}>
            <h2>{ lesson.title.get(lang).to_owned() }<span class="lesson-progress">{ progress }</span></h2>
            { body }
        </section>
    }
}

/// The link to a ready-made comparison a step names (`Step::compare`):
/// compare mode opens in this tab, in the lesson's language. A name that
/// is not a ready-made comparison shows nothing (the tests forbid it).
fn compare_link(lang: Lang, name: Option<&str>) -> Html {
    let Some(ready) = name.and_then(crate::compare::ready_made) else {
        return html! {};
    };
    let href = format!("?compare={}&lang={}", ready.name, lang.code());
    html! {
        <p class="lesson-compare">
            <a id="lesson-compare" href={href} data-compare={ready.name}>
                { tf(lang, Msg::LessonCompare, &[&t(lang, ready.title)]) }
            </a>
        </p>
    }
}

#[derive(Properties, PartialEq)]
pub struct IndexProps {
    pub lang: Lang,
}

/// Every lesson, with its summary; each opens by its link. The list appears
/// once the lessons' files have arrived (`lesson_files`).
#[component]
pub fn LessonIndex(props: &IndexProps) -> Html {
    let lang = props.lang;
    let lessons = match use_all_lessons() {
        Loaded::Ready(lessons) => lessons,
        Loaded::Loading => {
            return html! { <p class="lesson-loading">{ t(lang, Msg::LoadingLessons) }</p> };
        }
        Loaded::Failed(why) => {
            return html! { <p class="error">{ tf(lang, Msg::LessonsFailed, &[&why]) }</p> };
        }
    };
    let items = lessons
        .iter()
        .map(|(name, lesson)| {
            let href = format!("?lesson={name}&lang={}", lang.code());
            html! {
                <li data-lesson={*name}>
                    <a href={href}>{ lesson.title.get(lang).to_owned() }</a>
                    <span class="summary">{ " — " }{ lesson.summary.get(lang).to_owned() }</span>
                </li>
            }
        })
        .collect::<Html>();
    html! {
        <div class="lesson-index" id="lesson-index">
            <h2>{ t(lang, Msg::Lessons) }</h2>
            <ol>{ items }</ol>
        </div>
    }
}
