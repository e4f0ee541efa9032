//! The ledger follows every message from its first publish to its last
//! delivery, the way Jepsen's total-queue checker counts: attempted,
//! confirmed, rejected, delivered, duplicated, lost. It also tracks which
//! brokers hold a recoverable copy, so that a lost message can point at the
//! moment its last copy disappeared.

use serde::Serialize;

use crate::ids::{BrokerId, MsgId};
use crate::time::SimTime;

/// Bit of the copy mask that stands for ActiveMQ's shared store.
pub const SHARED_STORE_BIT: u16 = 1 << 15;

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
    /// Set when the last copy vanished before any delivery.
    pub unrecoverable_at: Option<SimTime>,
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

    pub fn copy_added(&mut self, msg: MsgId, holder: u16) {
        if let Some(life) = self.life(msg) {
            life.copies |= holder;
        }
    }

    /// A copy vanished; if it was the last and nobody ever received the
    /// message, this is the moment it became unrecoverable.
    pub fn copy_dropped(&mut self, msg: MsgId, holder: u16, at: SimTime) {
        if let Some(life) = self.life(msg) {
            life.copies &= !holder;
            if life.copies == 0 && life.first_delivered_at.is_none() {
                life.unrecoverable_at = Some(at);
            }
        }
    }

    /// A copy removed because a consumer acknowledged the message: not a loss.
    pub fn copy_consumed(&mut self, msg: MsgId, holder: u16) {
        if let Some(life) = self.life(msg) {
            life.copies &= !holder;
        }
    }

    pub fn published(&self) -> u64 {
        self.messages.len() as u64
    }
}

pub fn broker_bit(broker: BrokerId) -> u16 {
    1u16 << broker.0.min(14)
}
