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
}

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
        MsgId(self.messages.len() as u32)
    }

    pub fn get(&self, msg: MsgId) -> Option<&MessageLife> {
        self.messages.get((msg.0 as usize).wrapping_sub(1))
    }

    fn life(&mut self, msg: MsgId) -> Option<&mut MessageLife> {
        self.messages.get_mut((msg.0 as usize).wrapping_sub(1))
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
