//! The run's trace, kept once by the page (the `Sim` hands its entries over
//! as they appear, see `Sim::drain_trace`), so checkpoints need not copy it.
//!
//! Per-message events (publish, confirm, delivery, …), almost all of a
//! long run's 1.6 million entries, are stored in 12 bytes each (the time as
//! an offset from its chunk's first entry), in fixed-size chunks that never
//! reallocate; the others are kept as they are.

use brokersim::SimTime;
use brokersim::ids::{Addr, ClientId, MsgId};
use brokersim::naming::Names;
use brokersim::trace::{Event, TraceEntry};
use brokersim::voice;

/// Records per chunk (768 KB).
const CHUNK: usize = 1 << 16;

/// One entry: its time in microseconds after its chunk's `base`, its kind,
/// the message, and the kind's two small fields (or, for kept entries, the
/// index among them in `msg`).
#[derive(Clone, Copy, Debug)]
struct Rec {
    after: u32,
    msg: u32,
    x: u16,
    y: u8,
    tag: u8,
}

struct Chunk {
    base: u64,
    recs: Vec<Rec>,
}

const RICH: u8 = 0;
const PUBLISHED: u8 = 1;
const CONFIRMED: u8 = 2;
const NACKED: u8 = 3;
const TIMED_OUT: u8 = 4;
const UNSENT: u8 = 5;
const DELIVERED: u8 = 6;

/// One entry, as stored or rebuilt.
pub enum Entry<'a> {
    Kept(&'a TraceEntry),
    Rebuilt(SimTime, Event),
}

impl Entry<'_> {
    pub fn at(&self) -> SimTime {
        match self {
            Entry::Kept(e) => e.at,
            Entry::Rebuilt(at, _) => *at,
        }
    }

    pub fn event(&self) -> &Event {
        match self {
            Entry::Kept(e) => &e.event,
            Entry::Rebuilt(_, e) => e,
        }
    }

    /// Its sentence as spans, message references apart (the log makes
    /// each a link).
    pub fn spans_in(&self, lang: brokersim::Lang, names: Option<&Names>) -> Vec<voice::Span> {
        match self {
            Entry::Kept(e) => voice::sentence_spans(e, names, lang),
            Entry::Rebuilt(_, e) => {
                voice::render_spans(&voice::phrase(e), lang, voice::Naming::default())
            }
        }
    }

    /// Its sentence in `lang`, a kept entry's broker ids by the run's
    /// `names` (the rebuilt per-message events name no broker).
    pub fn text_in(&self, lang: brokersim::Lang, names: Option<&Names>) -> String {
        match self {
            Entry::Kept(e) => voice::sentence(e, names, lang),
            Entry::Rebuilt(_, e) => voice::event_sentence(e, voice::Naming::default(), lang),
        }
    }

    /// The event as JSON, as the CLI's `--trace` writes it.
    pub fn event_json(&self) -> String {
        match self {
            Entry::Kept(TraceEntry { event, .. }) | Entry::Rebuilt(_, event) => {
                brokersim::json::to_string(event)
            }
        }
    }
}

#[derive(Default)]
pub struct TraceStore {
    chunks: Vec<Chunk>,
    kept: Vec<TraceEntry>,
    len: usize,
}

impl TraceStore {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn push(&mut self, entry: TraceEntry) {
        let at = entry.at.as_us();
        if self.chunks.last().is_none_or(|c| c.recs.len() == CHUNK) {
            self.chunks.push(Chunk {
                base: at,
                recs: Vec::with_capacity(CHUNK),
            });
        }
        let base = self.chunks.last().map_or(0, |c| c.base);
        let after = u32::try_from(at.saturating_sub(base)).ok();
        let small = |tag: u8, msg: MsgId, x: u16, y: u16| {
            Some(Rec {
                after: after?,
                msg: msg.0,
                x,
                y: u8::try_from(y).ok()?,
                tag,
            })
        };
        let rec = match entry.event {
            Event::Published {
                msg,
                producer: Addr::Producer(ClientId(p)),
                attempt,
            } => small(PUBLISHED, msg, p, attempt),
            Event::Confirmed { msg } => small(CONFIRMED, msg, 0, 0),
            Event::Nacked { msg, will_retry } => small(NACKED, msg, 0, u16::from(will_retry)),
            Event::ConfirmTimedOut { msg, will_retry } => {
                small(TIMED_OUT, msg, 0, u16::from(will_retry))
            }
            Event::Unsent { msg, will_retry } => small(UNSENT, msg, 0, u16::from(will_retry)),
            Event::Delivered {
                msg,
                consumer: Addr::Consumer(ClientId(c)),
                redelivered,
            } => small(DELIVERED, msg, c, u16::from(redelivered)),
            _ => None,
        };
        let rec = rec.unwrap_or_else(|| {
            self.kept.push(entry);
            Rec {
                after: 0,
                msg: (self.kept.len() - 1) as u32,
                x: 0,
                y: 0,
                tag: RICH,
            }
        });
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.recs.push(rec);
        }
        self.len += 1;
    }

    pub fn get(&self, index: usize) -> Option<Entry<'_>> {
        let chunk = self.chunks.get(index / CHUNK)?;
        let rec = *chunk.recs.get(index % CHUNK)?;
        let at = SimTime(chunk.base + u64::from(rec.after));
        let msg = MsgId(rec.msg);
        let flag = rec.y != 0;
        let event = match rec.tag {
            RICH => return self.kept.get(rec.msg as usize).map(Entry::Kept),
            PUBLISHED => Event::Published {
                msg,
                producer: Addr::Producer(ClientId(rec.x)),
                attempt: u16::from(rec.y),
            },
            CONFIRMED => Event::Confirmed { msg },
            NACKED => Event::Nacked {
                msg,
                will_retry: flag,
            },
            TIMED_OUT => Event::ConfirmTimedOut {
                msg,
                will_retry: flag,
            },
            UNSENT => Event::Unsent {
                msg,
                will_retry: flag,
            },
            _ => Event::Delivered {
                msg,
                consumer: Addr::Consumer(ClientId(rec.x)),
                redelivered: flag,
            },
        };
        Some(Entry::Rebuilt(at, event))
    }

    /// The time of entry `index` (cheaper than `get`).
    pub fn at(&self, index: usize) -> Option<SimTime> {
        let chunk = self.chunks.get(index / CHUNK)?;
        let rec = chunk.recs.get(index % CHUNK)?;
        if rec.tag == RICH {
            return self.kept.get(rec.msg as usize).map(|e| e.at);
        }
        Some(SimTime(chunk.base + u64::from(rec.after)))
    }

    /// Entries `range`, oldest first.
    pub fn iter(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = Entry<'_>> {
        range.filter_map(|i| self.get(i))
    }

    /// The first index in `0..end` whose time is not before `t`.
    pub fn first_at_or_after(&self, end: usize, t: SimTime) -> usize {
        let (mut lo, mut hi) = (0, end.min(self.len));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.at(mid).is_some_and(|a| a < t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_come_back_as_they_went_in() {
        let mut sim = brokersim::Sim::new(
            brokersim::presets::get("mirrored-master-crash")
                .unwrap()
                .scenario(),
        )
        .unwrap();
        sim.run_until(SimTime::from_ms(30_000));
        let entries: Vec<TraceEntry> = sim.drain_trace().collect();
        let mut store = TraceStore::default();
        for e in entries.iter().cloned() {
            store.push(e);
        }
        assert_eq!(store.len(), entries.len());
        for (i, e) in entries.iter().enumerate() {
            let got = store.get(i).unwrap();
            assert_eq!((got.at(), got.event()), (e.at, &e.event), "entry {i}");
            assert_eq!(store.at(i), Some(e.at));
        }
        let t = SimTime::from_ms(20_000);
        let i = store.first_at_or_after(store.len(), t);
        assert_eq!(i, entries.partition_point(|e| e.at < t));
    }
}
