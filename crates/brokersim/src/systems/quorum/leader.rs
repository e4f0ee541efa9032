//! The leader's work: appending commands, shipping them to followers,
//! committing by majority, applying, and carrying out the effects
//! (confirms, deliveries) that only the leader performs.

use super::*;

impl Quorum {
    /// The leader appends a command to its log and ships it.
    pub(super) fn append(&mut self, b: BrokerId, mut command: Command, out: &mut Out) {
        let node = &mut self.nodes[idx(b)];
        let Some(m) = node.process.member.as_deref_mut() else {
            return;
        };
        if m.role != RaftRole::Leader || node.disk.log.len() >= MAX_LOG {
            return;
        }
        if let Command::Enqueue { q, .. } = &mut command {
            // The message's place in the queue's history.
            q.seq = node.disk.last_index() + 1;
        }
        node.disk.log.push(Entry {
            term: node.disk.term,
            command,
        });
        let last = node.disk.last_index();
        // Ra counts the leader's own entry towards the majority only once
        // its WAL has fsynced it (`ra_log_wal:complete_batch` calls
        // `file:sync` before it sends the writer `{written, …}`), so the
        // copy that counts is on disk; the fsync's latency is not modelled.
        m.match_index[idx(b)] = last;
        if let Command::Enqueue { q, .. } = command {
            out.copy_added(q.msg, broker_bit(b), Layer::Disk);
        }
        for p in self.members.clone() {
            if p != b && self.member(b).is_some_and(|m| m.next_index[idx(p)] <= last) {
                self.send_append(b, p, out);
            }
        }
        self.advance_commit(b, out);
    }

    /// AppendEntries from the follower's next index (pipelined: the next
    /// index moves on without waiting for the answer).
    pub(super) fn send_append(&mut self, b: BrokerId, p: BrokerId, out: &mut Out) {
        let node = &mut self.nodes[idx(b)];
        let Some(m) = node.process.member.as_deref_mut() else {
            return;
        };
        let last = node.disk.last_index();
        let next = m.next_index[idx(p)].clamp(1, last + 1);
        let end = last.min(next + MAX_BATCH as u64 - 1);
        let entries: Vec<Entry> = node.disk.log[(next - 1) as usize..end as usize].to_vec();
        m.next_index[idx(p)] = end + 1;
        let promote_at = m.promote_at.get(idx(p)).copied().unwrap_or(0);
        let promote = m.nonvoters & broker_bit(p) != 0
            && promote_at > 0
            && m.commit >= promote_at
            && end >= promote_at;
        let msg = PeerMsg::AppendEntries {
            term: node.disk.term,
            prev_index: next - 1,
            prev_term: node.disk.term_at(next - 1),
            entries: Box::new(entries),
            commit: m.commit,
            promote,
        };
        self.send(b, p, msg, out);
    }

    /// Commits the highest entry of the current term that a majority holds.
    pub(super) fn advance_commit(&mut self, b: BrokerId, out: &mut Out) {
        let node = &self.nodes[idx(b)];
        let Some(m) = node.process.member.as_deref() else {
            return;
        };
        if m.role != RaftRole::Leader {
            return;
        }
        let term = node.disk.term;
        let mut new_commit = m.commit;
        for n in (m.commit + 1..=node.disk.last_index()).rev() {
            if node.disk.term_at(n) != term {
                break;
            }
            let holders = self
                .members
                .iter()
                .filter(|p| m.match_index[idx(**p)] >= n)
                .fold(0u16, |mask, p| mask | broker_bit(*p))
                & !m.nonvoters;
            if self.majority(holders) {
                new_commit = n;
                break;
            }
        }
        if new_commit > m.commit {
            // Figure 8 (§5.4.2): only an entry of the leader's own term is
            // committed by counting replicas; earlier ones commit with it.
            debug_assert_eq!(node.disk.term_at(new_commit), term);
            if let Some(m) = self.member_mut(b) {
                m.commit = new_commit;
            }
            self.apply_committed(b, out);
        }
    }

    /// Applies committed entries to the state machine; the leader carries
    /// out their effects.
    pub(super) fn apply_committed(&mut self, b: BrokerId, out: &mut Out) {
        let limit = self.cfg.delivery_limit;
        let mut fx = std::mem::take(&mut self.fx);
        loop {
            let node = &mut self.nodes[idx(b)];
            let Some(m) = node.process.member.as_deref_mut() else {
                break;
            };
            let applied = node.disk.applied;
            if applied >= m.commit || applied >= node.disk.last_index() {
                break;
            }
            let entry = node.disk.log[applied as usize];
            node.disk.applied = applied + 1;
            fx.clear();
            m.machine.apply(entry.command, limit, &mut fx);
            let leader = m.role == RaftRole::Leader;
            self.effects(b, leader, &fx, out);
        }
        self.fx = fx;
    }

    pub(super) fn effects(&mut self, b: BrokerId, leader: bool, fx: &Effects, out: &mut Out) {
        for msg in &fx.consumed {
            out.copy_consumed(*msg, broker_bit(b));
        }
        for (msg, _) in &fx.dropped {
            out.copy_dropped(*msg, broker_bit(b), DropWhy::DeliveryLimit);
        }
        if !leader {
            return;
        }
        if let Some(origin) = fx.applied {
            self.notify(b, origin, fx.confirm, out);
        }
        if fx.returned > 0 {
            out.trace(Event::Requeued {
                broker: b,
                messages: fx.returned,
            });
        }
        for (msg, returns) in &fx.dropped {
            out.trace(Event::Quorum(QuorumEvent::DeliveryLimit {
                msg: *msg,
                returns: *returns,
                limit: self.cfg.delivery_limit.unwrap_or(0),
            }));
        }
        for d in &fx.deliveries {
            self.send_delivery(b, d, false, out);
        }
    }

    /// A delivery, straight to the consumer or through its channel's node.
    pub(super) fn send_delivery(&mut self, b: BrokerId, d: &Delivery, resend: bool, out: &mut Out) {
        let (client, conn, msg) = (d.consumer, d.conn, d.qmsg.msg);
        let (redelivered, auto_ack) = (d.qmsg.redelivered, d.auto_ack);
        if d.via == b {
            self.hand_over(b, client, conn, msg, (redelivered, resend, auto_ack), out);
        } else {
            let relay = PeerMsg::DeliverVia {
                client,
                conn,
                msg,
                redelivered,
                resend,
                auto_ack,
            };
            self.send(b, d.via, relay, out);
            let now = out.now;
            if let Some(m) = self.member_mut(b)
                && !auto_ack
                && m.in_flight.len() < MAX_PENDING
            {
                m.in_flight.insert((client, conn, msg), (now, *d));
            }
        }
    }

    /// Deliveries the relaying node has not acknowledged within a poll go
    /// again, if still awaiting the consumer's ack.
    pub(super) fn resend_in_flight(&mut self, b: BrokerId, out: &mut Out) {
        let now = out.now;
        let poll = self.poll_ms;
        let Some(m) = self.member_mut(b) else {
            return;
        };
        let due: Vec<(Addr, u32, MsgId)> = m
            .in_flight
            .iter()
            .filter(|(_, (sent, _))| now.ms_since(*sent) >= poll)
            .map(|(key, _)| *key)
            .collect();
        for key in due {
            let Some(m) = self.member_mut(b) else {
                return;
            };
            let (client, conn, msg) = key;
            let outstanding = m
                .machine
                .queue
                .unacked_of(client, Some(conn))
                .contains(&msg);
            let Some((_, d)) = m.in_flight.remove(&key) else {
                continue;
            };
            if outstanding {
                self.send_delivery(b, &d, true, out);
            }
        }
    }

    /// The channel on `x` passes a delivery to its consumer, once: it
    /// remembers what it handed over until the consumer acknowledges it
    /// (rabbit_fifo_client's delivery sequence does this).
    /// `flags`: (redelivered, resend, auto_ack).
    pub(super) fn hand_over(
        &mut self,
        x: BrokerId,
        client: Addr,
        conn: u32,
        msg: MsgId,
        flags: (bool, bool, bool),
        out: &mut Out,
    ) {
        let (redelivered, resend, auto_ack) = flags;
        let node = self.node(x);
        if !node.process.sessions.is_open(client, conn) {
            // No such channel here: it closed (and told the queue), or this
            // node restarted since and its channels died with it. Either
            // way the consumer is gone: tell the queue, as rabbit_fifo
            // learns from the monitor a new leader sets on every consumer
            // (a `Down` for a consumer already gone changes nothing).
            if !auto_ack && matches!(client, Addr::Consumer(_)) {
                let origin = self.origin(x, client, conn);
                let down = Command::Down {
                    consumer: client,
                    conn: Some(conn),
                    origin: Some(origin),
                };
                self.submit(x, down, out);
            }
            return;
        }
        if !auto_ack && !node.process.handed.insert((client, conn, msg)) && resend {
            return;
        }
        let deliver = Payload::Deliver {
            conn,
            msg,
            redelivered,
        };
        out.send(me(x), client, deliver);
    }

    /// A new leader, or a leader that lost sight of a node, repeats the
    /// deliveries still awaiting an ack (through `via` only, if given):
    /// those its predecessor sent may have been lost with it.
    pub(super) fn redeliver(&mut self, b: BrokerId, via: Option<BrokerId>, out: &mut Out) {
        let outstanding = self
            .member(b)
            .map(|m| m.machine.queue.outstanding())
            .unwrap_or_default();
        for d in outstanding {
            if via.is_none_or(|v| v == d.via) {
                self.send_delivery(b, &d, true, out);
            }
        }
    }

    /// Tells the submitting channel its command was applied, and the
    /// publisher its confirm, straight or through the channel's node.
    pub(super) fn notify(
        &mut self,
        b: BrokerId,
        origin: Origin,
        confirm: Option<MsgId>,
        out: &mut Out,
    ) {
        let Origin {
            client,
            conn,
            via,
            corr,
        } = origin;
        if via == b {
            self.settled(b, corr, client, conn, confirm, out);
            return;
        }
        let relay = match confirm {
            Some(msg) => PeerMsg::ConfirmVia {
                client,
                conn,
                msg,
                corr,
            },
            None => PeerMsg::Applied { corr },
        };
        self.send(b, via, relay, out);
    }

    /// The channel on `x` forgets the applied command and confirms it.
    pub(super) fn settled(
        &mut self,
        x: BrokerId,
        corr: u64,
        client: Addr,
        conn: u32,
        confirm: Option<MsgId>,
        out: &mut Out,
    ) {
        let node = self.node(x);
        node.process.pending.remove(&corr);
        if let Some(msg) = confirm
            && node.process.sessions.is_open(client, conn)
        {
            out.send(me(x), client, Payload::Confirm { conn, msg });
        }
    }

    /// Consumers whose channel was on `via` (a node now down or restarted):
    /// Ra's monitors fire and their messages return to the queue.
    pub(super) fn consumers_gone_via(&mut self, b: BrokerId, via: BrokerId, out: &mut Out) {
        if !self.is_leader(b) {
            return;
        }
        // Each connection by name: the applied state this reads may lag the
        // log, where the consumer may already have checked out again.
        let gone: Vec<(Addr, u32)> = self
            .member(b)
            .map(|m| m.machine.queue.subscriptions_via(via))
            .unwrap_or_default();
        for (consumer, conn) in gone {
            let down = Command::Down {
                consumer,
                conn: Some(conn),
                origin: None,
            };
            self.append(b, down, out);
        }
    }

    /// Ra's tick: followers behind are sent what they miss, and everyone
    /// the commit index.
    pub(super) fn leader_tick(&mut self, b: BrokerId, out: &mut Out) {
        self.resend_in_flight(b, out);
        let last = self.nodes[idx(b)].disk.last_index();
        for p in self.members.clone() {
            if p == b {
                continue;
            }
            if let Some(m) = self.member_mut(b) {
                // Resend from what the follower is known to hold: a
                // pipelined packet may have been lost.
                m.next_index[idx(p)] = (m.match_index[idx(p)] + 1).min(last + 1);
            }
            self.send_append(b, p, out);
        }
        self.report_quorum(b, out);
    }

    /// Says once per episode that the leader cannot reach a majority.
    pub(super) fn report_quorum(&mut self, b: BrokerId, out: &mut Out) {
        let reachable = self
            .members
            .iter()
            .filter(|p| **p == b || self.nodes[idx(b)].process.peers[idx(**p)].alive)
            .fold(0u16, |mask, p| mask | broker_bit(*p));
        let has_majority = self.majority(reachable);
        let members = self.members.len() as u32;
        let Some(m) = self.member_mut(b) else {
            return;
        };
        if has_majority {
            m.no_quorum_reported = false;
        } else if !m.no_quorum_reported {
            m.no_quorum_reported = true;
            out.trace(Event::Quorum(QuorumEvent::NoQuorum {
                leader: b,
                reachable: reachable.count_ones(),
                members,
            }));
        }
    }
}
