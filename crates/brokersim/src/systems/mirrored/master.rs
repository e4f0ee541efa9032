//! The queue master's work: publishing (replicate to every mirror, confirm
//! once all have it), dispatching to consumers, acknowledgements, and the
//! synchronisation of mirrors that joined late.

use super::*;

impl Mirrored {
    // ----- the master's work ---------------------------------------------------------

    pub(super) fn dispatch(&mut self, b: BrokerId, out: &mut Out) {
        let mut deliveries = std::mem::take(&mut self.scratch);
        let QueueRole::Master(m) = &mut self.node(b).process.role else {
            self.scratch = deliveries;
            return;
        };
        m.queue.dispatch(&mut deliveries);
        let epoch = m.epoch;
        let mirrors: Vec<BrokerId> = m.mirrors.keys().copied().collect();
        for d in deliveries.drain(..) {
            let msg = d.qmsg.msg;
            if d.via == b {
                out.send(
                    me(b),
                    d.consumer,
                    Payload::Deliver {
                        conn: d.conn,
                        msg,
                        redelivered: d.qmsg.redelivered,
                    },
                );
            } else {
                let relay = PeerMsg::DeliverVia {
                    client: d.consumer,
                    conn: d.conn,
                    msg,
                    redelivered: d.qmsg.redelivered,
                };
                self.send(b, d.via, relay, out);
            }
            if d.auto_ack {
                self.removed(b, d.qmsg, out);
            } else {
                for p in &mirrors {
                    self.send(b, *p, PeerMsg::MarkDelivered { epoch, msg }, out);
                }
            }
        }
        self.scratch = deliveries;
    }

    /// A message left the queue for good (acknowledged, or auto-acked).
    pub(super) fn removed(&mut self, b: BrokerId, q: QMsg, out: &mut Out) {
        out.copy_consumed(q.msg, broker_bit(b));
        let QueueRole::Master(m) = &mut self.node(b).process.role else {
            return;
        };
        let epoch = m.epoch;
        let mut newly_synced = Vec::new();
        for (p, info) in m.mirrors.iter_mut() {
            if !info.synced && q.seq < info.first_seq {
                info.older_left = info.older_left.saturating_sub(1);
                if info.older_left == 0 {
                    info.synced = true;
                    newly_synced.push(*p);
                }
            }
        }
        let mirrors: Vec<BrokerId> = m.mirrors.keys().copied().collect();
        for p in mirrors {
            self.send(b, p, PeerMsg::Remove { epoch, msg: q.msg }, out);
        }
        for p in &newly_synced {
            out.trace(Event::MirrorSynced { broker: *p });
        }
        if !newly_synced.is_empty() {
            self.broadcast_members(b, out);
        }
    }

    pub(super) fn master_publish(
        &mut self,
        b: BrokerId,
        origin: Origin,
        publish: Publish,
        out: &mut Out,
    ) {
        let QueueRole::Master(m) = &mut self.node(b).process.role else {
            self.reply(b, origin, publish.msg, false, out);
            return;
        };
        let seq = m.next_seq;
        m.next_seq += 1;
        let q = QMsg {
            msg: publish.msg,
            seq,
            persistent: publish.persistent,
            redelivered: false,
        };
        m.queue.push(q);
        let epoch = m.epoch;
        let waiting = m.mirrors.keys().fold(0u16, |mask, p| mask | broker_bit(*p));
        let mirrors: Vec<BrokerId> = m.mirrors.keys().copied().collect();
        if publish.confirm && waiting != 0 {
            let pending = Pending {
                msg: publish.msg,
                origin,
                waiting,
            };
            m.pending.insert(seq, pending);
        }
        out.copy_added(publish.msg, broker_bit(b), layer_of(publish.persistent));
        for p in mirrors {
            self.send(b, p, PeerMsg::Replicate { epoch, q }, out);
        }
        if publish.confirm && waiting == 0 {
            self.reply(b, origin, publish.msg, true, out);
        }
        self.dispatch(b, out);
    }

    /// A confirm or nack, straight to the client or through its node.
    pub(super) fn reply(
        &mut self,
        b: BrokerId,
        origin: Origin,
        msg: MsgId,
        ok: bool,
        out: &mut Out,
    ) {
        let Origin { client, conn, via } = origin;
        if via == b && self.guard_pausing(b) {
            return;
        }
        if via == b {
            let payload = if ok {
                Payload::Confirm { conn, msg }
            } else {
                Payload::Nack { conn, msg }
            };
            out.send(me(b), client, payload);
        } else {
            let relay = if ok {
                PeerMsg::ConfirmVia { client, conn, msg }
            } else {
                PeerMsg::NackVia { client, conn, msg }
            };
            self.send(b, via, relay, out);
        }
    }

    /// RabbitMQ's `pause_partition_guard`: under pause_minority, a channel
    /// sends no confirm or nack while its node sees a minority of the
    /// cluster (rabbit_channel's `send_confirms_and_nacks` asks
    /// rabbit_node_monitor first), even before the node has paused, so a
    /// master left alone does not confirm what only it holds. The
    /// publisher's confirm timeout then treats the message as unknown.
    pub(super) fn guard_pausing(&self, x: BrokerId) -> bool {
        if self.cfg.cluster_partition_handling != PartitionHandling::PauseMinority {
            return false;
        }
        let reachable = self.all().filter(|p| self.in_cluster(x, *p)).count();
        reachable * 2 <= self.n()
    }

    /// Confirms pending publishes no longer waiting for anyone.
    pub(super) fn release_pending(&mut self, b: BrokerId, out: &mut Out) {
        let QueueRole::Master(m) = &mut self.node(b).process.role else {
            return;
        };
        let done: Vec<u64> = m
            .pending
            .iter()
            .filter(|(_, p)| p.waiting == 0)
            .map(|(s, _)| *s)
            .collect();
        let released: Vec<Pending> = done.iter().filter_map(|s| m.pending.remove(s)).collect();
        for p in released {
            self.reply(b, p.origin, p.msg, true, out);
        }
    }

    pub(super) fn master_ack(
        &mut self,
        b: BrokerId,
        client: Addr,
        conn: u32,
        msg: MsgId,
        out: &mut Out,
    ) {
        let QueueRole::Master(m) = &mut self.node(b).process.role else {
            return;
        };
        if let Some(q) = m.queue.ack(client, conn, msg) {
            self.removed(b, q, out);
            self.dispatch(b, out);
        }
    }

    /// The consumer's connection ended (`conn`, or whichever it had when
    /// `None`): its unacknowledged messages go back to the queue.
    pub(super) fn client_gone_at_master(
        &mut self,
        b: BrokerId,
        client: Addr,
        conn: Option<u32>,
        out: &mut Out,
    ) {
        if let QueueRole::Master(m) = &mut self.node(b).process.role {
            m.queue.unsubscribe(client, conn);
        }
        self.dispatch(b, out);
    }

    pub(super) fn drop_mirror(&mut self, master: BrokerId, p: BrokerId, out: &mut Out) {
        let QueueRole::Master(m) = &mut self.node(master).process.role else {
            return;
        };
        if m.mirrors.remove(&p).is_none() {
            return;
        }
        for pending in m.pending.values_mut() {
            pending.waiting &= !broker_bit(p);
        }
        out.trace(Event::MirrorDropped { master, mirror: p });
        self.release_pending(master, out);
        self.broadcast_members(master, out);
        // `exactly` keeps its number of copies: put one on another node.
        if matches!(self.cfg.ha_mode, Some(HaMode::Exactly(_))) {
            for q in self.all() {
                if q != master && q != p && self.in_cluster(master, q) {
                    self.maybe_add_mirror(master, q, out);
                }
            }
        }
    }
}
