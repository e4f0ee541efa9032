//! A visible message: why a link or file was refused, why an action could
//! not be taken. Text only: what a user typed is never rendered as HTML.

use yew::prelude::*;

use crate::i18n::{Msg, t};
use crate::state::{Action, Notice, use_sim};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub notice: Option<Notice>,
}

#[component]
pub fn NoticeBar(props: &Props) -> Html {
    let sim = use_sim();
    let Some(notice) = &props.notice else {
        return html! {};
    };
    let (class, text) = match notice {
        Notice::Error(t) => ("notice error", t),
        Notice::Info(t) => ("notice info", t),
    };
    let dismiss = Callback::from(move |_| sim.dispatch.dispatch(Action::Notify(None)));
    html! {
        <div class={class} role="alert" id="notice">
            <span>{ text.clone() }</span>
            <button onclick={dismiss} aria-label={t(Msg::Dismiss)}>{ "✕" }</button>
        </div>
    }
}
