//! The language menu at the top right: it switches the page's language and,
//! on a page that owns its address, keeps `lang=` in the query so a reload
//! or a shared link keeps it.

use yew::prelude::*;

use crate::i18n::{Lang, Msg, t};
use crate::url_options;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: UseStateHandle<Lang>,
    /// False on a page a script mounted: the host page's address is its own.
    #[prop_or(true)]
    pub owns_address: bool,
}

#[component]
pub fn LangPicker(props: &Props) -> Html {
    let on_change = {
        let lang = props.lang.clone();
        let owns_address = props.owns_address;
        Callback::from(move |e: Event| {
            let value = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            if let Some(l) = Lang::parse(&value) {
                if owns_address {
                    url_options::set_query("lang", Some(l.code()));
                }
                lang.set(l);
            }
        })
    };
    let current = *props.lang;
    let options = Lang::ALL
        .iter()
        .map(|l| html! { <option value={l.code()} selected={*l == current}>{ l.native_name() }</option> })
        .collect::<Html>();
    html! {
        <select id="lang" onchange={on_change} aria-label={t(current, Msg::LangLabel)}>{ options }</select>
    }
}
