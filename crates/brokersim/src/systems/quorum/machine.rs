//! The queue's state machine (rabbit_fifo): what every member computes
//! from the committed log.

use std::collections::{BTreeMap, BTreeSet};

use super::protocol::{Command, Origin};
use crate::ids::{Addr, BrokerId, MsgId};
use crate::systems::queue::{Delivery, Queue};

/// Enqueue sequence numbers remembered per channel for deduplication.
const MAX_REMEMBERED_ENQUEUES: usize = 4_096;

/// What applying one command asks the leader to do.
#[derive(Clone, Debug, Default)]
pub(super) struct Effects {
    /// The submitting channel is told; a publisher gets its confirm.
    pub(super) applied: Option<Origin>,
    pub(super) confirm: Option<MsgId>,
    pub(super) deliveries: Vec<Delivery>,
    /// Left the queue for good: acknowledged, auto-acked or dropped.
    pub(super) consumed: Vec<MsgId>,
    pub(super) returned: u32,
    pub(super) dropped: Vec<(MsgId, u32)>,
}

impl Effects {
    pub(super) fn clear(&mut self) {
        self.applied = None;
        self.confirm = None;
        self.deliveries.clear();
        self.consumed.clear();
        self.returned = 0;
        self.dropped.clear();
    }
}

/// The queue as every member computes it from the committed log: the same
/// commands in the same order give the same deliveries on every member.
#[derive(Clone, Debug, Default)]
pub(super) struct Machine {
    pub(super) queue: Queue,
    /// Times each message came back from a consumer (rabbit_fifo's delivery count).
    pub(super) returns: BTreeMap<MsgId, u32>,
    /// The enqueues applied per channel, by sequence number, so that a
    /// command resent to a new leader is not enqueued twice (rabbit_fifo
    /// keeps an enqueuer's sequence for the same purpose). A set rather
    /// than a high-water mark: a resend may arrive after later commands.
    pub(super) enqueuers: BTreeMap<(BrokerId, Addr, u32), BTreeSet<u64>>,
}

impl Machine {
    pub(super) fn apply(&mut self, command: Command, limit: Option<u32>, fx: &mut Effects) {
        match command {
            Command::Noop => {}
            Command::Enqueue { q, origin, confirm } => {
                let key = (origin.via, origin.client, origin.conn);
                let seen = self.enqueuers.entry(key).or_default();
                if seen.insert(origin.corr) {
                    self.queue.push(q);
                }
                if seen.len() > MAX_REMEMBERED_ENQUEUES {
                    // Forgetting the oldest risks a duplicate, never a loss.
                    seen.pop_first();
                }
                fx.applied = Some(origin);
                fx.confirm = confirm.then_some(q.msg);
            }
            Command::Checkout {
                consumer,
                conn,
                prefetch,
                auto_ack,
                via,
            } => {
                // A consumer is its channel (rabbit_fifo keys consumers by
                // channel pid and tag): a checkout on a new connection is a
                // new consumer, and the old one keeps what it checked out
                // until its `Down` is applied, once its node learns that
                // connection closed.
                if !self.queue.has_subscription(consumer, conn) {
                    self.queue
                        .subscribe(consumer, conn, prefetch, auto_ack, via);
                }
            }
            Command::Settle { origin, msg } => {
                if self.queue.ack(origin.client, origin.conn, msg).is_some() {
                    self.returns.remove(&msg);
                    fx.consumed.push(msg);
                }
                fx.applied = Some(origin);
            }
            Command::Down {
                consumer,
                conn,
                origin,
            } => {
                self.give_back(consumer, conn, limit, fx);
                fx.applied = origin;
            }
        }
        self.queue.dispatch(&mut fx.deliveries);
        for d in &fx.deliveries {
            if d.auto_ack {
                self.returns.remove(&d.qmsg.msg);
                fx.consumed.push(d.qmsg.msg);
            }
        }
    }

    /// Returns a departed consumer's messages to the head of the queue,
    /// counting the return; past `delivery-limit` a message is dropped.
    pub(super) fn give_back(
        &mut self,
        consumer: Addr,
        conn: Option<u32>,
        limit: Option<u32>,
        fx: &mut Effects,
    ) {
        let back = self.queue.unacked_of(consumer, conn);
        fx.returned += self.queue.unsubscribe(consumer, conn);
        for msg in back {
            let count = self.returns.entry(msg).or_insert(0);
            *count += 1;
            let count = *count;
            if limit.is_some_and(|l| count > l) && self.queue.remove_ready(msg).is_some() {
                self.returns.remove(&msg);
                fx.dropped.push((msg, count));
            }
        }
    }

    pub(super) fn holds(&self, msg: MsgId) -> bool {
        self.queue.messages().any(|q| q.msg == msg)
    }
}
