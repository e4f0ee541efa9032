//! Messages between nodes: membership, replication, and the relays of
//! client operations to and from the master.

use super::*;

impl Mirrored {
    // ----- packets ------------------------------------------------------------------------

    pub(super) fn on_peer(&mut self, x: BrokerId, p: BrokerId, msg: PeerMsg, out: &mut Out) {
        if let PeerMsg::ConnectionClosed { incarnation } = msg {
            self.distribution_closed(x, p, incarnation, out);
            return;
        }
        let now = out.now;
        self.node(x).process.peers[usize::from(p.0)].last_heard = now;
        match msg {
            PeerMsg::Tick {
                incarnation,
                app_paused,
                ack,
                sent,
            } => {
                self.node(x).process.peers[usize::from(p.0)].app_paused = app_paused;
                self.nodeup(x, p, incarnation, out);
                self.link_acked(x, p, ack);
                self.link_check_tail(x, p, sent, out);
                return;
            }
            PeerMsg::Seq {
                conn,
                seq,
                ack,
                msg,
            } => {
                self.link_acked(x, p, ack);
                if self.link_accept(x, p, conn, seq, out) {
                    self.on_peer(x, p, *msg, out);
                }
                return;
            }
            PeerMsg::Resend { conn, from } => {
                self.link_resend(x, p, conn, from, out);
                return;
            }
            PeerMsg::Hello { incarnation } => {
                // Answer first: the newcomer must count this node in before
                // it receives anything about the queue from it.
                let node = &self.nodes[usize::from(x.0)];
                let reply = PeerMsg::HelloAck {
                    incarnation: node.incarnation,
                    master: if node.process.app.paused {
                        None
                    } else {
                        node.process.app.master
                    },
                    running: !node.process.app.paused,
                    max_epoch: node.max_epoch,
                };
                self.send(x, p, reply, out);
                self.nodeup(x, p, incarnation, out);
                return;
            }
            PeerMsg::HelloAck {
                incarnation,
                master,
                running,
                max_epoch,
            } => {
                {
                    let peer = &mut self.node(x).process.peers[usize::from(p.0)];
                    peer.app_paused = !running;
                    peer.max_epoch = max_epoch;
                }
                self.nodeup(x, p, incarnation, out);
                let node = self.node(x);
                // A peer that has not noticed our crash yet names us as
                // master: that is stale news about ourselves.
                if let Some((m, e)) = master
                    && m != x
                    && node.booting
                    && node.process.app.master.is_none_or(|(_, known)| e > known)
                {
                    node.process.app.master = Some((m, e));
                    node.max_epoch = node.max_epoch.max(e);
                }
                return;
            }
            PeerMsg::Disconnect { incarnation } => {
                // Only the incarnation the sender declared down is affected.
                let node = &self.nodes[usize::from(x.0)];
                if node.incarnation == incarnation && node.process.peers[usize::from(p.0)].up {
                    out.trace(Event::PeerDisconnected {
                        observer: x,
                        target: p,
                    });
                    self.node_down(x, p, false, out);
                }
                return;
            }
            PeerMsg::Leaving { incarnation } => {
                // A goodbye from a process that has since restarted (its
                // hello came first, on the new connection) is stale.
                if self.nodes[usize::from(x.0)].process.peers[usize::from(p.0)].incarnation
                    <= incarnation
                {
                    self.node_down(x, p, true, out);
                }
                return;
            }
            _ => {}
        }
        // Queue traffic only flows between nodes that count each other in.
        if !self.in_cluster(x, p) || self.nodes[usize::from(x.0)].process.app.paused {
            return;
        }
        match msg {
            PeerMsg::BecomeMirror { epoch, sync } => self.become_mirror(x, p, epoch, *sync, out),
            PeerMsg::Replicate { epoch, q } => {
                if let QueueRole::Mirror(m) = &mut self.node(x).process.role
                    && m.master == p
                    && m.epoch == epoch
                {
                    m.msgs.insert(q.msg, (q, false));
                    out.copy_added(q.msg, broker_bit(x), layer_of(q.persistent));
                    self.send(x, p, PeerMsg::ReplicateAck { epoch, seq: q.seq }, out);
                }
            }
            PeerMsg::ReplicateAck { epoch, seq } => {
                if let QueueRole::Master(m) = &mut self.node(x).process.role
                    && m.epoch == epoch
                    && let Some(pending) = m.pending.get_mut(&seq)
                {
                    pending.waiting &= !broker_bit(p);
                    if pending.waiting == 0 {
                        self.release_pending(x, out);
                    }
                }
            }
            PeerMsg::MarkDelivered { epoch, msg } => {
                if let QueueRole::Mirror(m) = &mut self.node(x).process.role
                    && m.epoch == epoch
                    && let Some(entry) = m.msgs.get_mut(&msg)
                {
                    entry.1 = true;
                }
            }
            PeerMsg::Remove { epoch, msg } => {
                if let QueueRole::Mirror(m) = &mut self.node(x).process.role
                    && m.epoch == epoch
                    && m.msgs.remove(&msg).is_some()
                {
                    out.copy_consumed(msg, broker_bit(x));
                }
            }
            PeerMsg::Members { epoch, members } => {
                if let QueueRole::Mirror(m) = &mut self.node(x).process.role
                    && m.epoch == epoch
                    && m.master == p
                {
                    if let Some(mine) = members.iter().find(|mm| mm.broker == x) {
                        m.synced = mine.synced;
                    }
                    m.members = *members;
                }
            }
            PeerMsg::JoinRequest => {
                if let QueueRole::Master(m) = &mut self.node(x).process.role {
                    // A node asking to join holds nothing we can count on,
                    // and acknowledges nothing sent to it before.
                    m.mirrors.remove(&p);
                    for pending in m.pending.values_mut() {
                        pending.waiting &= !broker_bit(p);
                    }
                    self.release_pending(x, out);
                    self.maybe_add_mirror(x, p, out);
                }
            }
            PeerMsg::NewMaster { epoch } => self.new_master(x, p, epoch, out),
            PeerMsg::Forward {
                client,
                conn,
                msg,
                persistent,
                confirm,
            } => {
                let origin = Origin {
                    client,
                    conn,
                    via: p,
                };
                self.master_publish(
                    x,
                    origin,
                    Publish {
                        msg,
                        persistent,
                        confirm,
                    },
                    out,
                );
            }
            PeerMsg::ConfirmVia { client, conn, msg } if !self.guard_pausing(x) => {
                self.relay(x, client, conn, Payload::Confirm { conn, msg }, out)
            }
            PeerMsg::NackVia { client, conn, msg } if !self.guard_pausing(x) => {
                self.relay(x, client, conn, Payload::Nack { conn, msg }, out)
            }
            PeerMsg::SubscribeVia {
                client,
                conn,
                prefetch,
                auto_ack,
            } => {
                if let QueueRole::Master(m) = &mut self.node(x).process.role {
                    m.queue.subscribe(client, conn, prefetch, auto_ack, p);
                }
                self.dispatch(x, out);
            }
            PeerMsg::DeliverVia {
                client,
                conn,
                msg,
                redelivered,
            } => {
                if self.nodes[usize::from(x.0)]
                    .process
                    .sessions
                    .is_open(client, conn)
                {
                    out.send(
                        me(x),
                        client,
                        Payload::Deliver {
                            conn,
                            msg,
                            redelivered,
                        },
                    );
                } else {
                    self.send(x, p, PeerMsg::ClientGone { client, conn }, out);
                }
            }
            PeerMsg::AckVia { client, conn, msg } => self.master_ack(x, client, conn, msg, out),
            PeerMsg::ClientGone { client, conn } => {
                self.client_gone_at_master(x, client, Some(conn), out)
            }
            _ => {}
        }
    }

    /// `p`'s process was killed and its OS closed the distribution
    /// connection: Erlang tells `x` at once (`nodedown`, reason
    /// `connection_closed`), with no tick to wait for. The queue reacts as
    /// to any nodedown that was not a clean shutdown
    /// (`ha-promote-on-failure`).
    fn distribution_closed(&mut self, x: BrokerId, p: BrokerId, incarnation: u32, out: &mut Out) {
        let peer = &self.nodes[usize::from(x.0)].process.peers[usize::from(p.0)];
        if !peer.up || peer.incarnation != incarnation {
            return;
        }
        out.trace(Event::DeclaredDown {
            observer: me(x),
            target: me(p),
            silent_ms: out.now.ms_since(peer.last_heard),
            timeout_ms: self.tick_timeout_ms,
            by: Detector::ConnectionClosed,
        });
        self.node_down(x, p, false, out);
    }

    pub(super) fn relay(
        &self,
        x: BrokerId,
        client: Addr,
        conn: u32,
        payload: Payload,
        out: &mut Out,
    ) {
        if self.nodes[usize::from(x.0)]
            .process
            .sessions
            .is_open(client, conn)
        {
            out.send(me(x), client, payload);
        }
    }

    pub(super) fn become_mirror(
        &mut self,
        x: BrokerId,
        master: BrokerId,
        epoch: Epoch,
        sync: Vec<QMsg>,
        out: &mut Out,
    ) {
        // An older epoch is a stale master's, unless it is the master this
        // node asked to join: a node whose application restarted takes the
        // queue's metadata from the cluster, whatever it led before.
        let node = &self.nodes[usize::from(x.0)];
        if epoch < node.max_epoch && node.process.app.master != Some((master, epoch)) {
            return;
        }
        // A joining mirror starts from nothing: whatever it held is discarded.
        self.discard_all(x, DropWhy::RejoinedEmpty, out);
        let mut msgs = BTreeMap::new();
        for q in sync {
            out.copy_added(q.msg, broker_bit(x), layer_of(q.persistent));
            msgs.insert(q.msg, (q, false));
        }
        let node = self.node(x);
        node.booting = false;
        node.max_epoch = node.max_epoch.max(epoch);
        node.process.app.master = Some((master, epoch));
        node.process.role = QueueRole::Mirror(Box::new(MirrorState {
            epoch,
            master,
            msgs,
            synced: false,
            members: Vec::new(),
        }));
        self.resubscribe(x, master, out);
    }

    /// Consumers connected to `x` follow the queue to its master.
    pub(super) fn resubscribe(&mut self, x: BrokerId, master: BrokerId, out: &mut Out) {
        let subs: Vec<PeerMsg> = self.nodes[usize::from(x.0)]
            .process
            .app
            .local_subs
            .iter()
            .map(
                |(client, (conn, prefetch, auto_ack))| PeerMsg::SubscribeVia {
                    client: *client,
                    conn: *conn,
                    prefetch: *prefetch,
                    auto_ack: *auto_ack,
                },
            )
            .collect();
        for msg in subs {
            self.send(x, master, msg, out);
        }
    }

    pub(super) fn new_master(&mut self, x: BrokerId, p: BrokerId, epoch: Epoch, out: &mut Out) {
        let node = &self.nodes[usize::from(x.0)];
        if epoch < node.max_epoch || node.process.app.master == Some((p, epoch)) {
            return;
        }
        if let QueueRole::Master(m) = &node.process.role
            && m.epoch < epoch
        {
            // A stale master learns it was replaced: it steps down and rejoins.
            self.discard_all(x, DropWhy::RejoinedEmpty, out);
        }
        let node = self.node(x);
        node.max_epoch = epoch;
        node.process.app.master = Some((p, epoch));
        node.booting = false;
        let keeps_content = matches!(&node.process.role, QueueRole::Mirror(_));
        if let QueueRole::Mirror(m) = &mut node.process.role {
            m.master = p;
            m.epoch = epoch;
        }
        if !keeps_content {
            self.send(x, p, PeerMsg::JoinRequest, out);
        }
        self.resubscribe(x, p, out);
    }
}
