//! A visible message: why a link or file was refused, why an action could
//! not be taken. Text only: what a user typed is never rendered as HTML.

use yew::prelude::*;

use crate::i18n::{Msg, t, use_lang};
use crate::state::{Action, Notice, use_sim};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub notice: Option<Notice>,
    /// `UiState::notice_seq`: when it moves, the notice is new and scrolls
    /// into view (an Apply or an import far below the bar would otherwise
    /// seem to do nothing). Not on the first render: a link's notice is at
    /// the top already, and a mounted page must not scroll its host page.
    #[prop_or_default]
    pub seq: u32,
}

#[component]
pub fn NoticeBar(props: &Props) -> Html {
    let lang = use_lang();
    let sim = use_sim();
    let bar = use_node_ref();
    let seen = use_mut_ref(|| props.seq);
    use_effect_with(props.seq, {
        let bar = bar.clone();
        move |seq| {
            if *seen.borrow() != *seq {
                *seen.borrow_mut() = *seq;
                if let Some(el) = bar.cast::<web_sys::Element>() {
                    crate::browser::bring_into_view(&el);
                }
            }
        }
    });
    let Some(notice) = &props.notice else {
        return html! {};
    };
    let class = match notice {
        Notice::Error(_) | Notice::Refused(..) => "notice error",
        Notice::Info(_) => "notice info",
    };
    let text = notice.text(lang);
    let dismiss = Callback::from(move |_| sim.send(Action::Notify(None)));
    html! {
        <div class={class} role="alert" id="notice" ref={bar}>
            <span>{ text }</span>
            <button onclick={dismiss} aria-label={t(lang, Msg::Dismiss)}>{ "✕" }</button>
        </div>
    }
}
