//! Identities of the things in a run. Newtypes with explicitly sized
//! integers, so that a broker index can never be mixed up with a message id
//! and state has the same layout on wasm32 and x86-64.

use serde::{Serialize, Serializer};

/// A broker, `b1` … `bN` (index 0 is `b1`). Serialised by its id, `b1`;
/// in runs with sites the engine's ids run on across the sites (`b4` is
/// `dr-b1` after three primary brokers), and only text shown to people
/// uses the sites' names (`naming::Names`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BrokerId(pub u16);

/// A producer `p1`… or consumer `c1`… (index within its kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ClientId(pub u16);

/// A message, numbered from 1 in the order producers first publish them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct MsgId(pub u32);

/// A leadership generation of the queue: bumped on every promotion.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Epoch(pub u32);

/// Anything that can send or receive on the network. Serialised by its id
/// (`b1`, `p1`, `c1`), as scenarios name it in runs without sites; with
/// sites, brokers and replicators have names for people too (`dr-b1`,
/// `dr-federation`: `naming::Names`), which only rendered text uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Addr {
    Broker(BrokerId),
    Producer(ClientId),
    Consumer(ClientId),
    /// Kafka's controller quorum (KRaft), drawn as one party.
    Controller,
}

impl std::fmt::Display for BrokerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b{}", u32::from(self.0) + 1)
    }
}

impl std::fmt::Display for MsgId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl std::fmt::Display for Epoch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::fmt::Display for Addr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Addr::Broker(b) => write!(f, "{b}"),
            Addr::Producer(p) => write!(f, "p{}", u32::from(p.0) + 1),
            Addr::Consumer(c) => write!(f, "c{}", u32::from(c.0) + 1),
            Addr::Controller => write!(f, "controller"),
        }
    }
}

impl Addr {
    pub fn broker(self) -> Option<BrokerId> {
        match self {
            Addr::Broker(b) => Some(b),
            _ => None,
        }
    }
}

impl Serialize for BrokerId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Serialize for Addr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
