//! A queue on its leader: ready messages in order, deliveries awaiting an
//! ack, and consumers served round-robin within their prefetch. Both
//! designs dispatch the same way; what differs is where copies live.

use std::collections::{BTreeMap, VecDeque};

use crate::ids::{Addr, BrokerId, MsgId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QMsg {
    pub msg: MsgId,
    /// Position in the queue's history (assigned by its leader).
    pub seq: u64,
    pub persistent: bool,
    pub redelivered: bool,
}

#[derive(Clone, Debug)]
pub struct Subscription {
    pub consumer: Addr,
    pub conn: u32,
    /// 0 = unlimited.
    pub prefetch: u32,
    pub auto_ack: bool,
    /// The node holding the consumer's connection (RabbitMQ channels relay
    /// through it); the leader itself for direct connections.
    pub via: BrokerId,
    unacked: u32,
}

/// One delivery decided by `dispatch`.
#[derive(Clone, Copy, Debug)]
pub struct Delivery {
    pub qmsg: QMsg,
    pub consumer: Addr,
    pub conn: u32,
    pub via: BrokerId,
    pub auto_ack: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Queue {
    ready: VecDeque<QMsg>,
    /// Delivered, awaiting an ack: consumer and the connection it came on.
    unacked: BTreeMap<MsgId, (Addr, u32, QMsg)>,
    subs: Vec<Subscription>,
    next_sub: usize,
}

impl Queue {
    pub fn from_messages(messages: impl IntoIterator<Item = QMsg>) -> Queue {
        Queue {
            ready: messages.into_iter().collect(),
            ..Queue::default()
        }
    }

    pub fn push(&mut self, q: QMsg) {
        self.ready.push_back(q);
    }

    pub fn len(&self) -> u32 {
        (self.ready.len() + self.unacked.len()) as u32
    }

    pub fn is_empty(&self) -> bool {
        self.ready.is_empty() && self.unacked.is_empty()
    }

    /// Messages not delivered yet, in order.
    pub fn ready(&self) -> impl Iterator<Item = &QMsg> {
        self.ready.iter()
    }

    /// Every message the queue holds, ready first then unacknowledged.
    pub fn messages(&self) -> impl Iterator<Item = &QMsg> {
        self.ready
            .iter()
            .chain(self.unacked.values().map(|(_, _, q)| q))
    }

    /// A consumer is its channel: a subscription on a new connection of
    /// the same application does not end the old one, which the broker
    /// keeps serving (into a dead socket, if the application died) until
    /// it learns that connection closed (`unsubscribe`): at once when the
    /// application was killed or closed it, after the heartbeat timeout
    /// when its machine crashed. Subscribing again on the same connection
    /// (a new leader) replaces the subscription.
    pub fn subscribe(
        &mut self,
        consumer: Addr,
        conn: u32,
        prefetch: u32,
        auto_ack: bool,
        via: BrokerId,
    ) {
        self.subs
            .retain(|s| !(s.consumer == consumer && s.conn == conn));
        self.subs.push(Subscription {
            consumer,
            conn,
            prefetch,
            auto_ack,
            via,
            unacked: 0,
        });
    }

    /// The consumer's connection `conn` (or any, when `None`) is gone: its
    /// unacknowledged messages go back to the head of the queue, marked
    /// redelivered. Returns how many. A newer connection of the same
    /// consumer is left alone.
    pub fn unsubscribe(&mut self, consumer: Addr, conn: Option<u32>) -> u32 {
        let gone = |c: Addr, cc: u32| c == consumer && conn.is_none_or(|k| k == cc);
        self.subs.retain(|s| !gone(s.consumer, s.conn));
        let back: Vec<QMsg> = self
            .unacked
            .values()
            .filter(|(c, cc, _)| gone(*c, *cc))
            .map(|(_, _, q)| *q)
            .collect();
        for q in &back {
            self.unacked.remove(&q.msg);
        }
        self.requeue_front(back)
    }

    /// Consumers and their connections relayed by `via`.
    pub fn subscriptions_via(&self, via: BrokerId) -> Vec<(Addr, u32)> {
        self.subs
            .iter()
            .filter(|s| s.via == via)
            .map(|s| (s.consumer, s.conn))
            .collect()
    }

    /// Whether the consumer is subscribed on exactly this connection.
    pub fn has_subscription(&self, consumer: Addr, conn: u32) -> bool {
        self.subs
            .iter()
            .any(|s| s.consumer == consumer && s.conn == conn)
    }

    /// Messages delivered on the consumer's connection `conn` (or on any of
    /// its connections, when `None`) and not yet acknowledged.
    pub fn unacked_of(&self, consumer: Addr, conn: Option<u32>) -> Vec<MsgId> {
        self.unacked
            .iter()
            .filter(|(_, (c, cc, _))| *c == consumer && conn.is_none_or(|k| k == *cc))
            .map(|(msg, _)| *msg)
            .collect()
    }

    /// Deliveries made and not yet acknowledged, as they were made (a new
    /// quorum queue leader sends them again: its predecessor's may be lost).
    pub fn outstanding(&self) -> Vec<Delivery> {
        self.unacked
            .values()
            .filter_map(|(consumer, conn, q)| {
                let s = self
                    .subs
                    .iter()
                    .find(|s| s.consumer == *consumer && s.conn == *conn)?;
                Some(Delivery {
                    qmsg: *q,
                    consumer: *consumer,
                    conn: *conn,
                    via: s.via,
                    auto_ack: false,
                })
            })
            .collect()
    }

    /// Takes a ready message out of the queue (quorum queues drop a message
    /// returned more often than their `delivery-limit`).
    pub fn remove_ready(&mut self, msg: MsgId) -> Option<QMsg> {
        let at = self.ready.iter().position(|q| q.msg == msg)?;
        self.ready.remove(at)
    }

    fn requeue_front(&mut self, mut back: Vec<QMsg>) -> u32 {
        back.sort_by_key(|q| q.seq);
        let count = back.len() as u32;
        for mut q in back.into_iter().rev() {
            q.redelivered = true;
            self.ready.push_front(q);
        }
        count
    }

    /// Acknowledges a delivery made on connection `conn` (delivery tags
    /// belong to their channel); returns the message if it was outstanding.
    pub fn ack(&mut self, consumer: Addr, conn: u32, msg: MsgId) -> Option<QMsg> {
        match self.unacked.get(&msg) {
            Some((c, cc, _)) if (*c, *cc) == (consumer, conn) => {}
            _ => return None,
        }
        let (_, _, q) = self.unacked.remove(&msg)?;
        if let Some(s) = self
            .subs
            .iter_mut()
            .find(|s| s.consumer == consumer && s.conn == conn)
        {
            s.unacked = s.unacked.saturating_sub(1);
        }
        Some(q)
    }

    /// Hands ready messages to consumers with room, round-robin.
    pub fn dispatch(&mut self, deliveries: &mut Vec<Delivery>) {
        if self.subs.is_empty() {
            return;
        }
        while !self.ready.is_empty() {
            let n = self.subs.len();
            let Some(offset) = (0..n).find(|i| {
                let s = &self.subs[(self.next_sub + i) % n];
                s.auto_ack || s.prefetch == 0 || s.unacked < s.prefetch
            }) else {
                return;
            };
            let index = (self.next_sub + offset) % n;
            self.next_sub = (index + 1) % n;
            let Some(q) = self.ready.pop_front() else {
                return;
            };
            let s = &mut self.subs[index];
            if !s.auto_ack {
                s.unacked += 1;
                self.unacked.insert(q.msg, (s.consumer, s.conn, q));
            }
            deliveries.push(Delivery {
                qmsg: q,
                consumer: s.consumer,
                conn: s.conn,
                via: s.via,
                auto_ack: s.auto_ack,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ClientId;

    fn q(i: u32) -> QMsg {
        QMsg {
            msg: MsgId(i),
            seq: u64::from(i),
            persistent: true,
            redelivered: false,
        }
    }

    #[test]
    fn prefetch_limits_unacknowledged_deliveries() {
        let mut queue = Queue::from_messages((1..=5).map(q));
        let c = Addr::Consumer(ClientId(0));
        queue.subscribe(c, 1, 2, false, BrokerId(0));
        let mut out = Vec::new();
        queue.dispatch(&mut out);
        assert_eq!(out.len(), 2);
        assert!(queue.ack(c, 1, MsgId(1)).is_some());
        out.clear();
        queue.dispatch(&mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].qmsg.msg, MsgId(3));
    }

    #[test]
    fn a_departed_consumers_unacked_messages_are_requeued_first_and_marked() {
        let mut queue = Queue::from_messages((1..=3).map(q));
        let c = Addr::Consumer(ClientId(0));
        queue.subscribe(c, 1, 1, false, BrokerId(0));
        let mut out = Vec::new();
        queue.dispatch(&mut out);
        assert_eq!(queue.unsubscribe(c, Some(1)), 1);
        let first = queue.messages().next().copied().unwrap();
        assert_eq!(first.msg, MsgId(1));
        assert!(first.redelivered);
    }
}
