//! The final read. After the drain, a reader that is not one of the
//! scenario's applications reads every queue and partition of every site
//! still standing from the start of what it retains, as Jepsen's
//! total-queue checker does at the end of a test. It changes nothing the
//! applications saw; it only decides what became of each confirmed message
//! that no application consumer handled:
//!
//! - **unconsumed**: the reader found a copy; the report says why nobody
//!   consumed it (no consumer, every consumer stopped, a Kafka offset past
//!   it, or simply not reached yet);
//! - **lost**: no copy survives anywhere; the ledger says which copy went
//!   last and why.
//!
//! A queue nobody reads loses nothing.

use std::collections::BTreeMap;

use super::*;
use crate::ledger::{Holder, MessageLife, NO_HOLDER};
use crate::report::{LossCause, LostMessage, MAX_LISTED, UnconsumedMessage, UnconsumedWhy};
use crate::systems::Retained;
use crate::view::ClientState;

/// A site's application consumers, as the final read judges them.
struct SiteReaders {
    consumers: Vec<usize>,
    stopped: bool,
}

/// Where the final reader found a message.
#[derive(Clone, Copy)]
struct Found {
    site: u8,
    queue: u16,
    offset: Option<u64>,
}

impl Sim {
    /// Reads every surviving site and sorts each confirmed, undelivered
    /// message into unconsumed or lost.
    pub(super) fn final_read(&mut self) -> Outcome {
        // Only the confirmed messages nobody handled need the reader's
        // verdict: a long run's other hundreds of thousands cost nothing.
        let undelivered: Vec<u32> = self
            .ledger
            .all()
            .iter()
            .enumerate()
            .filter(|(_, l)| l.confirmed_at.is_some() && l.deliveries == 0)
            .map(|(i, _)| (i + 1) as u32)
            .collect();
        let found = self.read_everything(&undelivered);
        let readers = self.readers_by_site();
        let mut outcome = Outcome::default();
        let mut delivered = 0u64;
        for (i, life) in self.ledger.all().iter().enumerate() {
            if life.confirmed_at.is_none() {
                continue;
            }
            if life.deliveries > 0 {
                delivered += 1;
                continue;
            }
            let msg = (i + 1) as u32;
            match found.get(&msg).copied() {
                Some(at) => {
                    let why = self.why_unconsumed(at, &readers[usize::from(at.site)]);
                    *outcome.unconsumed_reasons.entry(why).or_default() += 1;
                    outcome.unconsumed += 1;
                    if outcome.unconsumed_messages.len() < MAX_LISTED {
                        outcome
                            .unconsumed_messages
                            .push(UnconsumedMessage { msg, why });
                    }
                }
                None => {
                    outcome.lost += 1;
                    outcome.last_lost = Some(msg);
                    let lost = self.loss_of(msg, life);
                    *outcome.lost_causes.entry(lost.cause).or_default() += 1;
                    if outcome.lost_messages.len() < MAX_LISTED {
                        outcome.lost_messages.push(lost);
                    }
                }
            }
        }
        self.trace.record(
            self.now,
            Event::FinalRead {
                delivered,
                unconsumed: outcome
                    .unconsumed_reasons
                    .iter()
                    .map(|(why, n)| (*why, *n))
                    .collect(),
                lost: outcome.lost,
            },
        );
        outcome
    }

    /// Where the final reader found each of `wanted` (sorted message
    /// numbers); the ones it did not find are absent.
    fn read_everything(&self, wanted: &[u32]) -> BTreeMap<u32, Found> {
        let mut found = BTreeMap::new();
        for (site, system) in self.systems.iter().enumerate() {
            if self.sites.lost.get(site) == Some(&true) {
                continue;
            }
            for Retained { msg, queue, offset } in system.as_ref_dyn().final_read() {
                if wanted.binary_search(&msg.0).is_ok() {
                    // A site the applications use says more than a copy
                    // elsewhere: keep the first found, sites in order.
                    found.entry(msg.0).or_insert(Found {
                        site: site as u8,
                        queue,
                        offset,
                    });
                }
            }
        }
        found
    }

    /// For each site, the consumers pointed at it and whether every one
    /// of them has stopped (crashed, or gave up reconnecting).
    fn readers_by_site(&self) -> Vec<SiteReaders> {
        (0..self.systems.len())
            .map(|site| {
                let consumers: Vec<usize> = (0..self.consumers.len())
                    .filter(|c| usize::from(self.consumer_site(*c)) == site)
                    .collect();
                let stopped = consumers.iter().all(|c| {
                    matches!(
                        self.consumers[*c].view(self.now).state,
                        ClientState::Crashed | ClientState::GaveUp
                    )
                });
                SiteReaders { consumers, stopped }
            })
            .collect()
    }

    fn why_unconsumed(&self, at: Found, readers: &SiteReaders) -> UnconsumedWhy {
        let consumers = &readers.consumers;
        if consumers.is_empty() {
            return UnconsumedWhy::NoConsumer;
        }
        if let Some(offset) = at.offset {
            let committed = self.systems[usize::from(at.site)]
                .as_ref_dyn()
                .committed_offset(at.queue);
            let positions = consumers
                .iter()
                .filter_map(|c| self.consumers[*c].read_position(at.queue));
            if committed.into_iter().chain(positions).any(|p| p > offset) {
                return UnconsumedWhy::OffsetPastIt;
            }
        }
        if readers.stopped {
            UnconsumedWhy::ConsumerStopped
        } else {
            UnconsumedWhy::NotReached
        }
    }

    /// The site a consumer is pointed at (0 without sites).
    fn consumer_site(&self, c: usize) -> u8 {
        let slot = self.client_slot(Addr::Consumer(ClientId(c as u16)));
        self.sites.client_site.get(slot).copied().unwrap_or(0)
    }

    fn loss_of(&self, msg: u32, life: &MessageLife) -> LostMessage {
        let holder_name = |h: Holder| match h {
            Holder::Broker(b) => self.broker_name(b),
            Holder::SharedStore => "shared_store".to_string(),
        };
        let (cause, held_by) = if life.copies != 0 {
            // The ledger still counts a copy that no reader could get.
            let holder = Holder::all_in(life.copies).next().map(holder_name);
            (LossCause::Unreadable, holder)
        } else if let Some(drop) = life.last_drop {
            let holder = (drop.holder != NO_HOLDER)
                .then(|| Holder::from_bit(drop.holder))
                .flatten()
                .map(holder_name);
            (LossCause::from(drop.why), holder)
        } else {
            (LossCause::NeverStored, None)
        };
        LostMessage {
            msg,
            at_ms: life.unrecoverable_at.unwrap_or(self.now).as_ms(),
            cause,
            held_by,
        }
    }
}
