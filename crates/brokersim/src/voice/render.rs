//! How to say a phrase: fill the chosen language's template with the
//! phrase's arguments. Names come from an explicit [`Naming`] (the run's
//! site names), so rendering reads no ambient state.

use std::fmt::Write;

use super::phrase::{Arg, Phrase};
use crate::ids::{Addr, BrokerId, MsgId};
use crate::lang::Lang;
use crate::naming::Names;

/// Whose names the ids print with: the run's names (runs with sites), or
/// none, which prints brokers as `b1` …, producers as `p1` …. Passed
/// explicitly to every rendering, so a sentence depends on nothing ambient.
#[derive(Clone, Copy, Debug, Default)]
pub struct Naming<'a> {
    pub names: Option<&'a Names>,
}

impl<'a> Naming<'a> {
    pub fn new(names: Option<&'a Names>) -> Naming<'a> {
        Naming { names }
    }

    pub fn broker(&self, b: BrokerId) -> String {
        Names::broker(self.names, b)
    }

    pub fn addr(&self, a: Addr) -> String {
        Names::addr(self.names, a)
    }
}

/// The phrase in `lang`.
pub fn render(phrase: &Phrase, lang: Lang, naming: Naming<'_>) -> String {
    let mut out = Rendered::default();
    write_phrase(&mut out, phrase, lang, naming);
    out.text
}

/// A piece of a rendered sentence: plain text, or a message reference the
/// page can make a link of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Span {
    Text(String),
    Msg(MsgId),
}

/// The phrase in `lang` as spans: the text between message references,
/// and the references themselves (from the phrase's arguments, not read
/// back from the text).
pub fn render_spans(phrase: &Phrase, lang: Lang, naming: Naming<'_>) -> Vec<Span> {
    let mut out = Rendered::default();
    write_phrase(&mut out, phrase, lang, naming);
    let mut spans = Vec::new();
    let mut at = 0;
    for (start, end, msg) in out.msgs {
        if start > at {
            spans.push(Span::Text(out.text[at..start].to_string()));
        }
        spans.push(Span::Msg(msg));
        at = end;
    }
    if at < out.text.len() {
        spans.push(Span::Text(out.text[at..].to_string()));
    }
    spans
}

/// The text so far, and where each message reference sits in it.
#[derive(Default)]
struct Rendered {
    text: String,
    msgs: Vec<(usize, usize, MsgId)>,
}

impl Rendered {
    fn push_str(&mut self, s: &str) {
        self.text.push_str(s);
    }
}

impl std::fmt::Write for Rendered {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.text.push_str(s);
        Ok(())
    }
}

fn write_phrase(out: &mut Rendered, phrase: &Phrase, lang: Lang, naming: Naming<'_>) {
    let template = phrase.key.template(lang);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return;
        };
        let spec = &after[..close];
        rest = &after[close + 1..];
        let mut parts = spec.split('|');
        let name = parts.next().unwrap_or_default();
        let forms: Vec<&str> = parts.collect();
        match phrase.arg(name) {
            Some(arg) => write_arg(out, arg, &forms, lang, naming),
            None => {
                debug_assert!(false, "{:?} has no argument {name}", phrase.key);
                let _ = write!(out, "{{{spec}}}");
            }
        }
    }
    out.push_str(rest);
}

fn write_arg(out: &mut Rendered, arg: &Arg, forms: &[&str], lang: Lang, naming: Naming<'_>) {
    match arg {
        Arg::Num(n) => match forms {
            [one, other] => {
                let form = if *n == 1 { one } else { other };
                out.push_str(&form.replace('#', &n.to_string()));
            }
            _ => {
                let _ = write!(out, "{n}");
            }
        },
        Arg::Broker(b) => out.push_str(&naming.broker(*b)),
        Arg::Addr(a) => out.push_str(&naming.addr(*a)),
        Arg::Brokers(list) => {
            let names: Vec<String> = list.iter().map(|b| naming.broker(*b)).collect();
            out.push_str(&names.join(", "));
        }
        Arg::Addrs(list) => {
            let names: Vec<String> = list.iter().map(|a| naming.addr(*a)).collect();
            out.push_str(&names.join(", "));
        }
        Arg::Msg(m) => {
            let start = out.text.len();
            let _ = write!(out, "{m}");
            out.msgs.push((start, out.text.len(), *m));
        }
        Arg::Epoch(e) => {
            let _ = write!(out, "{e}");
        }
        Arg::Secs(ms) => out.push_str(&secs(*ms, lang)),
        Arg::Code(code) => out.push_str(code),
        Arg::Name(name) => out.push_str(name),
        Arg::Phrase(p) => write_phrase(out, p, lang, naming),
        Arg::Join(items, separator) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(separator.template(lang));
                }
                write_phrase(out, item, lang, naming);
            }
        }
    }
}

/// "3 s", "1.500 s" ("3 秒", "1.500 秒"): whole seconds plainly,
/// otherwise to the millisecond.
pub fn secs(ms: u64, lang: Lang) -> String {
    let unit = match lang {
        Lang::En => "s",
        Lang::Zh => "秒",
    };
    if ms.is_multiple_of(1_000) {
        format!("{} {unit}", ms / 1_000)
    } else {
        format!("{}.{:03} {unit}", ms / 1_000, ms % 1_000)
    }
}

#[cfg(test)]
mod tests {
    use super::super::catalogue::Key;
    use super::*;
    use crate::ids::ClientId;

    #[test]
    fn counts_take_the_english_form_that_fits_and_durations_their_unit() {
        let p = Phrase::new(Key::Discarded)
            .with("broker", BrokerId(1))
            .with("messages", 1u32)
            .with("why", Phrase::new(Key::DropDiskLost));
        assert_eq!(
            render(&p, Lang::En, Naming::default()),
            "b2 discarded 1 message: the disk holding them was lost"
        );
        let p = Phrase::new(Key::Discarded)
            .with("broker", BrokerId(1))
            .with("messages", 3u32)
            .with("why", Phrase::new(Key::DropDiskLost));
        assert_eq!(
            render(&p, Lang::Zh, Naming::default()),
            "b2 丢弃了 3 条消息：保存它们的磁盘丢失了"
        );
        assert_eq!(secs(1_500, Lang::En), "1.500 s");
        assert_eq!(secs(3_000, Lang::Zh), "3 秒");
    }

    #[test]
    fn message_references_are_spans_taken_from_the_arguments() {
        let p = Phrase::new(Key::Republished)
            .with("producer", Addr::Producer(ClientId(0)))
            .with("msg", MsgId(812))
            .with("attempt", 2u16);
        assert_eq!(
            render_spans(&p, Lang::En, Naming::default()),
            vec![
                Span::Text("p1 published message ".into()),
                Span::Msg(MsgId(812)),
                Span::Text(" again (attempt 2): a possible duplicate".into()),
            ]
        );
    }

    #[test]
    fn names_come_from_the_naming_given_not_from_ambient_state() {
        let names = Names {
            brokers: vec!["primary-b1".into(), "dr-b1".into()],
            app_producers: 1,
            replicators: vec!["shovel".into()],
        };
        let dr = Naming::new(Some(&names));
        assert_eq!(dr.broker(BrokerId(1)), "dr-b1");
        assert_eq!(dr.addr(Addr::Producer(ClientId(1))), "shovel");
        assert_eq!(dr.addr(Addr::Producer(ClientId(0))), "p1");
        assert_eq!(Naming::default().broker(BrokerId(0)), "b1");
    }
}
