//! A phrase: what to say, as data. A catalogue key and named arguments,
//! with no word of any language (see the module above for the two steps).

use super::catalogue::Key;
use crate::ids::{Addr, BrokerId, Epoch, MsgId};

/// What to say: a catalogue key and its named arguments, in no language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phrase {
    pub key: Key,
    pub args: Vec<(&'static str, Arg)>,
}

/// One argument of a phrase. How each reads is up to the language
/// (durations are "3 s" or "3 秒", lists are joined by each language's
/// separator), except `Code`: option names and values stay as the product
/// spells them in every language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    Broker(BrokerId),
    Addr(Addr),
    /// "b1, b2, b3".
    Brokers(Vec<BrokerId>),
    /// "c1, c2".
    Addrs(Vec<Addr>),
    Msg(MsgId),
    Epoch(Epoch),
    Num(u64),
    /// A duration in milliseconds, read in seconds.
    Secs(u64),
    /// An option name or value, the same in every language.
    Code(&'static str),
    /// A name the scenario chose (a site's), the same in every language.
    Name(String),
    /// A phrase inside a phrase: a reason, a detector's name.
    Phrase(Box<Phrase>),
    /// Phrases joined by the language's list separator (`Key::ListSep`) or
    /// another key's text.
    Join(Vec<Phrase>, Key),
}

impl Phrase {
    pub fn new(key: Key) -> Phrase {
        Phrase {
            key,
            args: Vec::new(),
        }
    }

    /// The phrase with one more argument.
    pub fn with(mut self, name: &'static str, arg: impl Into<Arg>) -> Phrase {
        self.args.push((name, arg.into()));
        self
    }

    pub(crate) fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
    }
}

impl From<BrokerId> for Arg {
    fn from(b: BrokerId) -> Arg {
        Arg::Broker(b)
    }
}

impl From<Addr> for Arg {
    fn from(a: Addr) -> Arg {
        Arg::Addr(a)
    }
}

impl From<MsgId> for Arg {
    fn from(m: MsgId) -> Arg {
        Arg::Msg(m)
    }
}

impl From<Epoch> for Arg {
    fn from(e: Epoch) -> Arg {
        Arg::Epoch(e)
    }
}

impl From<u64> for Arg {
    fn from(n: u64) -> Arg {
        Arg::Num(n)
    }
}

impl From<u32> for Arg {
    fn from(n: u32) -> Arg {
        Arg::Num(u64::from(n))
    }
}

impl From<u16> for Arg {
    fn from(n: u16) -> Arg {
        Arg::Num(u64::from(n))
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Arg {
        Arg::Num(n as u64)
    }
}

impl From<Phrase> for Arg {
    fn from(p: Phrase) -> Arg {
        Arg::Phrase(Box::new(p))
    }
}

impl From<&[BrokerId]> for Arg {
    fn from(list: &[BrokerId]) -> Arg {
        Arg::Brokers(list.to_vec())
    }
}

impl From<&Vec<BrokerId>> for Arg {
    fn from(list: &Vec<BrokerId>) -> Arg {
        Arg::Brokers(list.clone())
    }
}
