//! The channels (rabbit_fifo_client) on each node: numbering clients'
//! commands, sending them in order to the leader, resending what is left
//! unapplied, and the consumers' subscriptions.

use super::*;

impl Quorum {
    /// The leader this node would route to, if it is reachable.
    pub(super) fn route(&self, x: BrokerId) -> Option<BrokerId> {
        let node = &self.nodes[idx(x)];
        node.process
            .leader
            .map(|(l, _)| l)
            .filter(|l| *l != x && node.process.peers[idx(*l)].alive)
    }

    pub(super) fn on_client(&mut self, x: BrokerId, client: Addr, payload: Payload, out: &mut Out) {
        let listening = !self.nodes[idx(x)].process.app_paused;
        let Some(conn) = self
            .node(x)
            .process
            .sessions
            .admit(x, client, &payload, listening, out)
        else {
            return;
        };
        match payload {
            Payload::Publish { msg, confirm, .. } => {
                self.client_publish(x, client, conn, msg, confirm, out)
            }
            Payload::Subscribe {
                prefetch, auto_ack, ..
            } => {
                self.node(x)
                    .process
                    .local_subs
                    .insert(client, (conn, prefetch, auto_ack));
                self.subscribe_from(x, client, conn, prefetch, auto_ack, out);
            }
            Payload::Ack { msg, .. } => {
                self.node(x).process.handed.remove(&(client, conn, msg));
                let origin = self.origin(x, client, conn);
                self.submit(x, Command::Settle { origin, msg }, out);
            }
            Payload::Close { .. } | Payload::SocketClosed { .. } => {
                self.node(x).process.sessions.close(client, conn);
                self.client_gone(x, client, conn, out);
            }
            _ => {}
        }
    }

    /// A new command of the channel `conn` of `client` on node `x`.
    pub(super) fn origin(&mut self, x: BrokerId, client: Addr, conn: u32) -> Origin {
        let node = self.node(x);
        node.next_corr += 1;
        // The incarnation keeps numbers unique across restarts of the node.
        let corr = (u64::from(node.incarnation) << 40) | node.next_corr;
        Origin {
            client,
            conn,
            via: x,
            corr,
        }
    }

    /// Quorum queues keep every message on disk, whatever its delivery
    /// mode. The channel waits for the enqueue to be applied (committed)
    /// before it confirms.
    pub(super) fn client_publish(
        &mut self,
        x: BrokerId,
        client: Addr,
        conn: u32,
        msg: MsgId,
        confirm: bool,
        out: &mut Out,
    ) {
        if self.nodes[idx(x)].process.pending.len() >= MAX_PENDING {
            // Flow control, bounded: refuse rather than grow without limit.
            if confirm {
                out.send(me(x), client, Payload::Nack { conn, msg });
            }
            return;
        }
        let origin = self.origin(x, client, conn);
        let q = QMsg {
            msg,
            seq: 0,
            persistent: true,
            redelivered: false,
        };
        let command = Command::Enqueue { q, origin, confirm };
        self.submit(x, command, out);
    }

    /// The channel keeps the command until it is applied and sends it to
    /// the leader it knows; without one it waits (rabbit_fifo_client).
    pub(super) fn submit(&mut self, x: BrokerId, command: Command, out: &mut Out) {
        let Some(origin) = command.origin() else {
            return;
        };
        let pending = Pending {
            sent_at: out.now,
            sent_to: None,
            command,
        };
        self.node(x).process.pending.insert(origin.corr, pending);
        self.flush(x, out);
    }

    /// The leader (and its term) the channel on `x` would send to now.
    pub(super) fn target(&self, x: BrokerId) -> Option<(BrokerId, u32)> {
        let node = &self.nodes[idx(x)];
        if self.is_leader(x) {
            return Some((x, node.disk.term));
        }
        let l = self.route(x)?;
        node.process.leader.filter(|(known, _)| *known == l)
    }

    /// Sends, in their order, the pending commands the current leader has
    /// not been sent: a leader receives a channel's commands in the order
    /// they were made, so that the sequence numbers that deduplicate
    /// enqueues never skip one that is still to come.
    pub(super) fn flush(&mut self, x: BrokerId, out: &mut Out) {
        let Some(target) = self.target(x) else {
            return;
        };
        let now = out.now;
        let due: Vec<Command> = self
            .node(x)
            .process
            .pending
            .values_mut()
            .filter(|p| p.sent_to != Some(target))
            .map(|p| {
                p.sent_to = Some(target);
                p.sent_at = now;
                p.command
            })
            .collect();
        for command in due {
            if target.0 == x {
                self.append(x, command, out);
            } else {
                self.send(x, target.0, PeerMsg::Submit { command }, out);
            }
        }
    }

    /// Resends the channel's unapplied commands: all of them to a new
    /// leader, or, from the oldest waiting longer than `RESEND_MS` on, the
    /// rest in order. An enqueue applied twice is recognised by its
    /// sequence number.
    pub(super) fn resend_pending(&mut self, x: BrokerId, all: bool, out: &mut Out) {
        let now = out.now;
        let node = self.node(x);
        let from = node
            .process
            .pending
            .iter()
            .find(|(_, p)| all || now.ms_since(p.sent_at) >= RESEND_MS)
            .map(|(corr, _)| *corr);
        if let Some(from) = from {
            for (_, p) in node.process.pending.range_mut(from..) {
                p.sent_to = None;
            }
        }
        self.flush(x, out);
    }

    pub(super) fn subscribe_from(
        &mut self,
        x: BrokerId,
        client: Addr,
        conn: u32,
        prefetch: u32,
        auto_ack: bool,
        out: &mut Out,
    ) {
        if self.is_leader(x) {
            let checkout = Command::Checkout {
                consumer: client,
                conn,
                prefetch,
                auto_ack,
                via: x,
            };
            self.append(x, checkout, out);
        } else if let Some(l) = self.route(x) {
            let via = PeerMsg::SubscribeVia {
                client,
                conn,
                prefetch,
                auto_ack,
            };
            self.send(x, l, via, out);
        }
    }

    /// Consumers connected here register with a new leader (a checkout it
    /// already has changes nothing).
    pub(super) fn resubscribe(&mut self, x: BrokerId, out: &mut Out) {
        let subs: Vec<(Addr, (u32, u32, bool))> = self.nodes[idx(x)]
            .process
            .local_subs
            .iter()
            .map(|(c, s)| (*c, *s))
            .collect();
        for (client, (conn, prefetch, auto_ack)) in subs {
            self.subscribe_from(x, client, conn, prefetch, auto_ack, out);
        }
    }

    /// The channel closed: its unapplied commands die with it, and the
    /// queue must return what the consumer had not acknowledged.
    pub(super) fn client_gone(&mut self, x: BrokerId, client: Addr, conn: u32, out: &mut Out) {
        let node = self.node(x);
        if node
            .process
            .local_subs
            .get(&client)
            .is_some_and(|(c, _, _)| *c == conn)
        {
            node.process.local_subs.remove(&client);
        }
        node.process
            .handed
            .retain(|(c, cc, _)| (*c, *cc) != (client, conn));
        node.process.pending.retain(|_, p| {
            p.command
                .origin()
                .is_none_or(|o| (o.client, o.conn) != (client, conn))
        });
        if !matches!(client, Addr::Consumer(_)) {
            return;
        }
        let origin = self.origin(x, client, conn);
        let down = Command::Down {
            consumer: client,
            conn: Some(conn),
            origin: Some(origin),
        };
        self.submit(x, down, out);
    }
}
