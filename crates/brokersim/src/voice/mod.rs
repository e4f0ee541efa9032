//! One voice for every sentence the simulator says, in every language.
//!
//! A sentence is built in two steps that never mix:
//!
//! 1. **What to say** is language-free: [`phrase`](crate::voice::phrase)
//!    turns a trace event (or a violation, a cause, a reason) into a
//!    [`Phrase`], a catalogue [`Key`] and its named arguments (brokers,
//!    counts, durations, other phrases). Nothing there knows a word of any
//!    language.
//! 2. **How to say it** is data: the [`catalogue`] holds every key's
//!    English and Chinese template on one line, and [`render`] fills the
//!    template of the chosen language. Broker names come from an explicit
//!    [`Naming`], never from ambient state.
//!
//! Templates name their arguments, `{broker}`, and pluralise English
//! counts inline, `{messages|1 message|# messages}` (`#` is the number).
//! A test checks that both languages of a key use the same arguments, so a
//! translation cannot drop or invent one. To add a language, see
//! docs/ARCHITECTURE.md, "Adding a language".

mod catalogue;
mod events;
pub mod fetched;
mod kafka;
mod phrase;
mod quorum;
mod render;

pub use catalogue::Key;
pub use events::{detector, drop_why, loss_cause, phrase, property, unconsumed_why, violation};
pub use phrase::{Arg, Phrase};
pub use render::{Naming, Span, render, render_spans};

/// The sentence a student reads for one trace entry, in `lang`, with the
/// run's names (`Sim::names`; `None` for runs without sites).
pub fn sentence(
    entry: &crate::trace::TraceEntry,
    names: Option<&crate::naming::Names>,
    lang: crate::lang::Lang,
) -> String {
    event_sentence(&entry.event, Naming::new(names), lang)
}

/// The sentence for one event, its ids named by `naming`.
pub fn event_sentence(
    event: &crate::trace::Event,
    naming: Naming<'_>,
    lang: crate::lang::Lang,
) -> String {
    render(&phrase(event), lang, naming)
}

/// The sentence for one trace entry as spans (see [`Span`]).
pub fn sentence_spans(
    entry: &crate::trace::TraceEntry,
    names: Option<&crate::naming::Names>,
    lang: crate::lang::Lang,
) -> Vec<Span> {
    render_spans(&phrase(&entry.event), lang, Naming::new(names))
}

/// A phrase in `lang` with ids printed plainly (`b1`, `p1`): for texts
/// outside a run's trace, such as a report's causes and reasons.
pub fn say(phrase: &Phrase, lang: crate::lang::Lang) -> String {
    render(phrase, lang, Naming::default())
}
