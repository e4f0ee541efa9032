//! The language menu at the top right: it switches the page's language and,
//! on a page that owns its address, keeps `lang=` in the query so a reload
//! or a shared link keeps it. A language the browser build does not carry
//! (Chinese) is fetched first (`i18n::load`): the menu says so while it
//! loads, and names the file if it cannot.

use yew::prelude::*;

use crate::files::spawn;
use crate::i18n::{self, Lang, Msg, t, tf};
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
    let current = *props.lang;
    // While a language file is on its way, and why it did not arrive.
    let loading = use_state_eq(|| None::<Lang>);
    let problem = use_state_eq(|| None::<String>);
    let on_change = {
        let lang = props.lang.clone();
        let owns_address = props.owns_address;
        let (loading, problem) = (loading.clone(), problem.clone());
        Callback::from(move |e: Event| {
            let value = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            let Some(l) = Lang::parse(&value) else {
                return;
            };
            let (lang, loading, problem) = (lang.clone(), loading.clone(), problem.clone());
            let switch = move || {
                if owns_address {
                    url_options::set_query("lang", Some(l.code()));
                }
                lang.set(l);
            };
            problem.set(None);
            if i18n::installed(l) {
                return switch();
            }
            loading.set(Some(l));
            spawn(async move {
                let result = i18n::load(l).await;
                loading.set(None);
                match result {
                    Ok(()) => switch(),
                    Err(e) => problem.set(Some(e)),
                }
            });
        })
    };
    let options = Lang::ALL
        .iter()
        .map(|l| html! { <option value={l.code()} selected={*l == current}>{ l.native_name() }</option> })
        .collect::<Html>();
    let note = match (*loading, &*problem) {
        (Some(_), _) => {
            html! { <span class="lang-note" role="status">{ t(current, Msg::LangLoading) }</span> }
        }
        (None, Some(why)) => html! {
            <span class="lang-note error" role="alert">{ tf(current, Msg::LangLoadFailed, &[why]) }</span>
        },
        (None, None) => html! {},
    };
    html! {
        <>
            <select id="lang" onchange={on_change} aria-label={t(current, Msg::LangLabel)}
                aria-busy={loading.is_some().to_string()}>{ options }</select>
            { note }
        </>
    }
}
