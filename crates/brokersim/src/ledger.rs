//! The ledger follows every message from its first publish to its last
//! delivery, the way Jepsen's total-queue checker counts: attempted,
//! confirmed, rejected, delivered, duplicated, lost. It also tracks every
//! copy: which brokers (and ActiveMQ's shared store) hold one, how many
//! copies each holder keeps, and for each message the last copy destroyed
//! and why, so that a lost message names the moment and the cause of its
//! end ("b1 truncated its log to follow the new leader").

use serde::Serialize;

use crate::ids::{BrokerId, MsgId};
use crate::time::SimTime;
use crate::trace::DropWhy;

/// Bit of the copy mask that stands for ActiveMQ's shared store.
pub const SHARED_STORE_BIT: u16 = 1 << 15;

/// Where a copy lives on its holder's host (issue 14): the layer decides
/// what a death takes. A killed process loses `Memory`; a host that loses
/// power loses `Memory` and `PageCache`; only `lose_disk` takes `Disk`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// In the broker process's memory only (a transient message).
    Memory,
    /// Written to a file, in the OS page cache, not yet on disk (dirty).
    PageCache,
    /// On disk: fsynced, or written back by the OS.
    Disk,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct MessageLife {
    pub producer: u16,
    /// Position in its producer's sequence (1, 2, …).
    pub producer_seq: u32,
    pub published_at: SimTime,
    pub attempts: u16,
    pub confirmed_at: Option<SimTime>,
    pub rejected_at: Option<SimTime>,
    pub deliveries: u16,
    pub first_delivered_at: Option<SimTime>,
    pub redeliveries: u16,
    /// Brokers (bits 0..15) and the shared store (bit 15) holding a copy.
    pub copies: u16,
    /// Of `copies`, the holders whose copy is in the page cache and not yet
    /// on disk ([`Layer::PageCache`]).
    pub cached: u16,
    /// Of `copies`, the holders whose copy is on disk ([`Layer::Disk`]).
    /// A holder in `copies` but in neither mask holds it in memory only.
    pub on_disk: u16,
    /// Set when the last copy vanished before any delivery.
    pub unrecoverable_at: Option<SimTime>,
    /// The last copy destroyed (not consumed): where and why.
    pub last_drop: Option<CopyDrop>,
}

impl MessageLife {
    /// The layer `holder`'s copy is in, `None` for a holder without one.
    pub fn layer(&self, holder: Holder) -> Option<Layer> {
        let bit = match holder {
            Holder::Broker(b) => broker_bit(b),
            Holder::SharedStore => SHARED_STORE_BIT,
        };
        if self.copies & bit == 0 {
            None
        } else if self.on_disk & bit != 0 {
            Some(Layer::Disk)
        } else if self.cached & bit != 0 {
            Some(Layer::PageCache)
        } else {
            Some(Layer::Memory)
        }
    }

    fn set_layer(&mut self, holders: u16, layer: Option<Layer>) {
        self.cached &= !holders;
        self.on_disk &= !holders;
        match layer {
            Some(Layer::PageCache) => self.cached |= holders,
            Some(Layer::Disk) => self.on_disk |= holders,
            Some(Layer::Memory) | None => {}
        }
    }
}

/// A copy destroyed, as the ledger keeps it: two bytes per message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CopyDrop {
    pub why: DropWhy,
    /// The holder's bit number (see [`Holder::from_bit`]); [`NO_HOLDER`]
    /// for a copy no broker held (an auto-ack consumer's buffer).
    pub holder: u8,
}

/// [`CopyDrop::holder`] of a copy held by no broker.
pub const NO_HOLDER: u8 = u8::MAX;

/// Who holds a copy of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    /// A broker (engine id), in its log, queue or memory.
    Broker(BrokerId),
    /// ActiveMQ's shared message store (KahaDB or JDBC).
    SharedStore,
}

impl Holder {
    /// The holder that bit `bit` of a copy mask stands for.
    pub fn from_bit(bit: u8) -> Option<Holder> {
        match bit {
            15 => Some(Holder::SharedStore),
            0..=14 => Some(Holder::Broker(BrokerId(u16::from(bit)))),
            _ => None,
        }
    }

    /// Every holder in a copy mask, in bit order.
    pub fn all_in(mask: u16) -> impl Iterator<Item = Holder> {
        (0..16u8)
            .filter(move |bit| mask & (1 << bit) != 0)
            .filter_map(Holder::from_bit)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Ledger {
    messages: Vec<MessageLife>,
    /// Highest producer_seq first-delivered so far, per producer.
    last_first_delivery: Vec<u32>,
    next_producer_seq: Vec<u32>,
    pub reordered: u32,
    pub unexpected: u32,
    pub redelivered: u32,
    /// One bit per [`LEDGER_CHUNK`] messages: set when one of them changed
    /// since the last [`Ledger::take_touched`], so a checkpoint copies only
    /// the chunks that moved (see `engine/checkpoint.rs`).
    touched: Vec<u64>,
    /// How many messages each holder (bit of the copy mask) keeps a copy of.
    held: [u32; 16],
}

/// Messages per chunk in the ledger's change tracking.
pub const LEDGER_CHUNK: usize = 256;

impl Ledger {
    pub fn new(producers: usize) -> Ledger {
        Ledger {
            last_first_delivery: vec![0; producers],
            next_producer_seq: vec![0; producers],
            ..Ledger::default()
        }
    }

    pub fn publish_new(&mut self, producer: u16, at: SimTime) -> MsgId {
        let seq = &mut self.next_producer_seq[usize::from(producer)];
        *seq += 1;
        self.messages.push(MessageLife {
            producer,
            producer_seq: *seq,
            published_at: at,
            ..MessageLife::default()
        });
        self.touch(self.messages.len() - 1);
        MsgId(self.messages.len() as u32)
    }

    pub fn get(&self, msg: MsgId) -> Option<&MessageLife> {
        self.messages.get((msg.0 as usize).wrapping_sub(1))
    }

    fn life(&mut self, msg: MsgId) -> Option<&mut MessageLife> {
        let index = (msg.0 as usize).wrapping_sub(1);
        if index < self.messages.len() {
            self.touch(index);
        }
        self.messages.get_mut(index)
    }

    fn touch(&mut self, index: usize) {
        let chunk = index / LEDGER_CHUNK;
        let word = chunk / 64;
        if self.touched.len() <= word {
            self.touched.resize(word + 1, 0);
        }
        self.touched[word] |= 1 << (chunk % 64);
    }

    /// Whether a message of chunk `chunk` changed since the last
    /// [`Ledger::take_touched`].
    pub fn chunk_touched(&self, chunk: usize) -> bool {
        self.touched
            .get(chunk / 64)
            .is_some_and(|w| w & (1 << (chunk % 64)) != 0)
    }

    /// Forgets which chunks changed (a checkpoint has just recorded them).
    pub fn take_touched(&mut self) {
        self.touched.clear();
    }

    /// Room for `n` messages in all, reserved at once: a long run's ledger
    /// then never holds its old and its doubled buffer at the same time.
    pub fn reserve_total(&mut self, n: usize) {
        self.messages
            .reserve_exact(n.saturating_sub(self.messages.len()));
    }

    /// Moves the messages out (for a checkpoint that stores them shared).
    pub(crate) fn take_messages(&mut self) -> Vec<MessageLife> {
        std::mem::take(&mut self.messages)
    }

    /// Puts messages back (restoring a checkpoint); every chunk counts as
    /// unchanged since.
    pub(crate) fn set_messages(&mut self, messages: Vec<MessageLife>) {
        self.messages = messages;
        self.touched.clear();
    }

    pub fn all(&self) -> &[MessageLife] {
        &self.messages
    }

    pub fn attempt(&mut self, msg: MsgId) {
        if let Some(life) = self.life(msg) {
            life.attempts = life.attempts.saturating_add(1);
        }
    }

    pub fn confirm(&mut self, msg: MsgId, at: SimTime) {
        if let Some(life) = self.life(msg) {
            life.confirmed_at.get_or_insert(at);
        }
    }

    pub fn reject(&mut self, msg: MsgId, at: SimTime) {
        if let Some(life) = self.life(msg) {
            life.rejected_at.get_or_insert(at);
        }
    }

    /// Records one delivery to an application; returns whether it was the
    /// message's first, or `None` for a message nobody published.
    pub fn deliver(&mut self, msg: MsgId, redelivered: bool, at: SimTime) -> Option<bool> {
        if redelivered {
            self.redelivered += 1;
        }
        let Some(life) = self.life(msg) else {
            self.unexpected += 1;
            return None;
        };
        life.deliveries = life.deliveries.saturating_add(1);
        if redelivered {
            life.redeliveries = life.redeliveries.saturating_add(1);
        }
        if life.first_delivered_at.is_some() {
            return Some(false);
        }
        life.first_delivered_at = Some(at);
        let (producer, seq) = (usize::from(life.producer), life.producer_seq);
        let last = &mut self.last_first_delivery[producer];
        if seq < *last {
            self.reordered += 1;
        } else {
            *last = seq;
        }
        Some(true)
    }

    /// `holder` now keeps a copy of `msg` in `layer`.
    pub fn copy_added(&mut self, msg: MsgId, holder: u16, layer: Layer) {
        let Some(life) = self.life(msg) else { return };
        let (before, after) = (life.copies, life.copies | holder);
        life.copies = after;
        life.set_layer(holder, Some(layer));
        if after != 0 {
            // A copy came back (a replica fetched it again): not lost after all.
            life.unrecoverable_at = None;
        }
        self.count_held(before, after);
    }

    /// The copy `holder` keeps of `msg` reached the disk (an fsync, or the
    /// OS writing the page back); a copy it no longer holds stays gone.
    pub fn copy_stored(&mut self, msg: MsgId, holder: u16) {
        let Some(life) = self.life(msg) else { return };
        let holder = holder & life.copies;
        life.set_layer(holder, Some(Layer::Disk));
    }

    /// A copy vanished; if it was the last and nobody ever received the
    /// message, this is the moment it became unrecoverable.
    pub fn copy_dropped(&mut self, msg: MsgId, holder: u16, why: DropWhy, at: SimTime) {
        let Some(life) = self.life(msg) else { return };
        let before = life.copies;
        life.copies &= !holder;
        life.set_layer(holder, None);
        // A drop of a copy the holder no longer had changes nothing.
        if before & holder != 0 || holder == 0 {
            life.last_drop = Some(CopyDrop {
                why,
                holder: if holder == 0 {
                    NO_HOLDER
                } else {
                    holder.trailing_zeros() as u8
                },
            });
        }
        if life.copies == 0 && life.first_delivered_at.is_none() {
            life.unrecoverable_at = Some(at);
        }
        let after = life.copies;
        self.count_held(before, after);
    }

    /// A copy removed because the message went to a consumer (an ack, or
    /// an auto-ack delivery sent): not a loss in itself. But if the
    /// consumer already lost it (see [`Ledger::delivery_lost`]), the last
    /// copy going is the moment the message became unrecoverable.
    pub fn copy_consumed(&mut self, msg: MsgId, holder: u16, at: SimTime) {
        let Some(life) = self.life(msg) else { return };
        let before = life.copies;
        life.copies &= !holder;
        life.set_layer(holder, None);
        let consumer_lost_it = matches!(
            life.last_drop,
            Some(CopyDrop {
                why: DropWhy::DeliveryLost | DropWhy::ConsumerDied,
                ..
            })
        );
        if life.copies == 0 && life.first_delivered_at.is_none() && consumer_lost_it {
            life.unrecoverable_at = Some(at);
        }
        let after = life.copies;
        self.count_held(before, after);
    }

    /// A packet carrying `msg` to a consumer reached nobody. An auto-ack
    /// queue forgot the message as it sent it: if no broker holds a copy
    /// any more (a mirror may still, for a moment), that packet was the
    /// last one.
    pub fn delivery_lost(&mut self, msg: MsgId, at: SimTime) {
        let Some(life) = self.life(msg) else { return };
        if life.first_delivered_at.is_some() {
            return;
        }
        life.last_drop = Some(CopyDrop {
            why: DropWhy::DeliveryLost,
            holder: NO_HOLDER,
        });
        if life.copies == 0 {
            life.unrecoverable_at = Some(at);
        }
    }

    fn count_held(&mut self, before: u16, after: u16) {
        let mut changed = before ^ after;
        while changed != 0 {
            let bit = changed.trailing_zeros() as usize;
            let held = &mut self.held[bit];
            *held = if after & (1 << bit) != 0 {
                *held + 1
            } else {
                held.saturating_sub(1)
            };
            changed &= changed - 1;
        }
    }

    /// How many messages each holder keeps a copy of, holders with none
    /// left out.
    pub fn held(&self) -> Vec<(Holder, u32)> {
        (0..16u8)
            .filter_map(|bit| Some((Holder::from_bit(bit)?, self.held[usize::from(bit)])))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    pub fn published(&self) -> u64 {
        self.messages.len() as u64
    }
}

pub fn broker_bit(broker: BrokerId) -> u16 {
    1u16 << broker.0.min(14)
}
