//! Peers and failure detection: aten's heartbeats and polls, Erlang
//! distribution (net_ticktime), restarts seen through incarnations, and
//! `cluster_partition_handling` (pause_minority, autoheal).

use super::*;

/// How a node learnt that a peer is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PeerLoss {
    /// A clean shutdown: the peer said so.
    Exited,
    /// The peer's process was killed: its OS closed the connection.
    ConnectionClosed,
    /// aten heard nothing for its timeout (a host crash, a pause, a cut).
    Silent,
}

impl Quorum {
    pub(super) fn on_heartbeat_timer(&mut self, x: BrokerId, out: &mut Out) {
        out.timer(me(x), self.heartbeat_ms, timer(Timer::Heartbeat));
        for p in self.all() {
            if p != x {
                self.send(x, p, PeerMsg::Heartbeat, out);
            }
        }
    }

    pub(super) fn on_poll(&mut self, x: BrokerId, out: &mut Out) {
        out.timer(me(x), self.poll_ms, timer(Timer::Poll));
        let now = out.now;
        for p in self.all() {
            if p == x {
                continue;
            }
            let peer = &self.nodes[idx(x)].process.peers[idx(p)];
            let silent_ms = now.ms_since(peer.last_heard);
            let (alive, connected) = (peer.alive, peer.connected);
            if alive && silent_ms >= self.aten_timeout_ms {
                out.trace(Event::DeclaredDown {
                    observer: me(x),
                    target: me(p),
                    silent_ms,
                    timeout_ms: self.aten_timeout_ms,
                    by: self.detector,
                });
                self.node(x).process.peers[idx(p)].alive = false;
                self.peer_down(x, p, PeerLoss::Silent, out);
            }
            if connected && silent_ms >= self.net_timeout_ms {
                if !self.overridden {
                    out.trace(Event::DeclaredDown {
                        observer: me(x),
                        target: me(p),
                        silent_ms,
                        timeout_ms: self.net_timeout_ms,
                        by: Detector::NetTicktime,
                    });
                }
                let peer = &mut self.node(x).process.peers[idx(p)];
                peer.connected = false;
                peer.declared_down = true;
                self.check_minority(x, out);
            }
        }
        self.check_resume(x, out);
        if self.is_leader(x) {
            self.leader_tick(x, out);
        } else {
            self.ask_who_leads(x, out);
            self.resend_pending(x, false, out);
        }
    }

    /// The metadata store would tell a node where the queue's leader is;
    /// here a node that knows of none asks the nodes it can reach.
    pub(super) fn ask_who_leads(&mut self, x: BrokerId, out: &mut Out) {
        let node = &self.nodes[idx(x)];
        if node.process.leader.is_some() || node.process.app_paused {
            return;
        }
        for p in self.all() {
            if p != x && self.nodes[idx(x)].process.peers[idx(p)].alive {
                self.send(x, p, PeerMsg::WhoLeads, out);
            }
        }
    }

    /// `p`'s process (of incarnation `sender`) was killed and its OS
    /// closed the distribution connection: Erlang reports `nodedown` with
    /// reason `connection_closed` at once, and Ra's monitors on `p`'s
    /// processes fire with `noconnection`. No aten poll, no net_ticktime.
    pub(super) fn distribution_closed(
        &mut self,
        x: BrokerId,
        p: BrokerId,
        sender: u32,
        out: &mut Out,
    ) {
        let node = &self.nodes[idx(x)];
        let peer = &node.process.peers[idx(p)];
        let current =
            sender == node.known_incarnations[idx(p)] || node.known_incarnations[idx(p)] == 0;
        if !current || !(peer.alive || peer.connected) {
            return;
        }
        out.trace(Event::DeclaredDown {
            observer: me(x),
            target: me(p),
            silent_ms: out.now.ms_since(peer.last_heard),
            timeout_ms: self.aten_timeout_ms,
            by: Detector::ConnectionClosed,
        });
        let now = out.now;
        let peer = &mut self.node(x).process.peers[idx(p)];
        peer.alive = false;
        peer.connected = false;
        // A closed connection, not a silence: if `p` talks again it has
        // restarted, there was no partition.
        peer.declared_down = false;
        peer.last_heard = now;
        self.peer_down(x, p, PeerLoss::ConnectionClosed, out);
        self.check_minority(x, out);
    }

    /// Node `p` is down as far as `x` can tell; `how` decides the
    /// election timeout a follower of `p` arms.
    pub(super) fn peer_down(&mut self, x: BrokerId, p: BrokerId, how: PeerLoss, out: &mut Out) {
        // The distribution link to `p` is gone with whatever was in it.
        for pending in self.node(x).process.pending.values_mut() {
            if pending.sent_to.is_some_and(|(to, _)| to == p) {
                pending.sent_to = None;
            }
        }
        if self.nodes[idx(x)]
            .process
            .leader
            .is_some_and(|(l, _)| l == p)
        {
            self.node(x).process.leader = None;
        }
        let follows_p = self
            .member(x)
            .is_some_and(|m| m.leader == Some(p) && m.role == RaftRole::Follower);
        if follows_p {
            if let Some(m) = self.member_mut(x) {
                m.leader = None;
            }
            match how {
                // The leader's process exited: its monitor fires with a
                // reason other than `noconnection`, Ra's "really short"
                // timeout (ra_server_proc, follower 'DOWN').
                PeerLoss::Exited => self.arm_election(x, 1, BROADCAST_TIME_MS - 1, out),
                // The monitor fires with `noconnection`: "short".
                PeerLoss::ConnectionClosed => self.arm_election_short(x, out),
                // aten reported the node down: "long".
                PeerLoss::Silent => self.arm_election_long(x, out),
            }
        }
        self.consumers_gone_via(x, p, out);
    }

    /// Any packet from `p` (of incarnation `sender`) shows it alive; a
    /// heartbeat from a new incarnation shows that it restarted, which the
    /// Erlang monitors on its old processes report.
    pub(super) fn heard_from(
        &mut self,
        x: BrokerId,
        p: BrokerId,
        sender: u32,
        heartbeat: bool,
        out: &mut Out,
    ) {
        let now = out.now;
        let node = self.node(x);
        let known = &mut node.known_incarnations[idx(p)];
        let peer = &mut node.process.peers[idx(p)];
        peer.last_heard = now;
        let was_alive = peer.alive;
        peer.alive = true;
        // A partition is a connection net_ticktime had declared down coming
        // back from the same incarnation: a node that shut down cleanly, or
        // restarted, rejoins instead.
        let partitioned = !peer.connected && peer.declared_down && sender == *known;
        peer.connected = true;
        peer.declared_down = false;
        let restarted = heartbeat && sender != *known && *known != 0;
        if heartbeat {
            *known = sender;
        }
        if restarted {
            let was_leader = self.nodes[idx(x)]
                .process
                .leader
                .is_some_and(|(l, _)| l == p);
            if was_leader {
                self.node(x).process.leader = None;
            }
            let follows_p = self.member(x).is_some_and(|m| m.leader == Some(p));
            if follows_p && !self.is_leader(x) {
                if let Some(m) = self.member_mut(x) {
                    m.leader = None;
                }
                self.arm_election_short(x, out);
            }
            self.consumers_gone_via(x, p, out);
        }
        if partitioned && !restarted {
            self.partition_noticed(x, p, out);
        }
        if (restarted || !was_alive) && self.is_leader(x) {
            // rabbit_fifo's nodeup: the consumers on that node, whose
            // messages went back to the queue, are taken back in.
            let term = self.nodes[idx(x)].disk.term;
            self.send(x, p, PeerMsg::NewLeader { term }, out);
            self.redeliver(x, Some(p), out);
        }
    }

    /// `pause_minority`: a node that sees no majority of the cluster stops
    /// its RabbitMQ application (and so its Ra member).
    pub(super) fn check_minority(&mut self, x: BrokerId, out: &mut Out) {
        if self.cfg.cluster_partition_handling != PartitionHandling::PauseMinority
            || self.nodes[idx(x)].process.app_paused
        {
            return;
        }
        let (reachable, cluster) = self.reachable(x);
        if reachable * 2 > cluster {
            return;
        }
        out.trace(Event::PausedMinority {
            broker: x,
            reachable,
            cluster,
        });
        self.node(x).process.sessions.close_all(x, out);
        self.stop_member(x);
        let node = self.node(x);
        node.process.app_paused = true;
        node.process.local_subs.clear();
    }

    pub(super) fn check_resume(&mut self, x: BrokerId, out: &mut Out) {
        if !self.nodes[idx(x)].process.app_paused {
            return;
        }
        let (reachable, cluster) = self.reachable(x);
        if reachable * 2 > cluster {
            out.trace(Event::ResumedMajority { broker: x });
            self.node(x).process.app_paused = false;
            self.start_member(x, out);
        }
    }

    pub(super) fn reachable(&self, x: BrokerId) -> (u32, u32) {
        let node = &self.nodes[idx(x)];
        let reachable = self
            .all()
            .filter(|p| *p == x || node.process.peers[idx(*p)].connected)
            .count() as u32;
        (reachable, self.nodes.len() as u32)
    }

    /// A peer declared down by net_ticktime talks again without having
    /// restarted: the partition is noticed. `autoheal` restarts the
    /// RabbitMQ application on the smaller side (ties: the side without b1);
    /// the quorum queue's members there recover their logs from disk.
    pub(super) fn partition_noticed(&mut self, x: BrokerId, p: BrokerId, out: &mut Out) {
        out.trace(Event::PartitionNoticed {
            broker: x,
            other: p,
        });
        if self.cfg.cluster_partition_handling != PartitionHandling::Autoheal {
            return;
        }
        let node = &self.nodes[idx(x)];
        let side: Vec<BrokerId> = self
            .all()
            .filter(|q| *q == x || (*q != p && node.process.peers[idx(*q)].connected))
            .collect();
        let n = self.nodes.len();
        let loses = side.len() * 2 < n || (side.len() * 2 == n && !side.contains(&BrokerId(0)));
        if !loses {
            return;
        }
        if side.first() == Some(&x) {
            let winners: Vec<BrokerId> = self.all().filter(|q| !side.contains(q)).collect();
            out.trace(Event::PartitionResolved {
                winners,
                losers: side.clone(),
                automatic: true,
                won_by: None,
            });
        }
        self.restart_app(x, out);
    }

    pub(super) fn restart_app(&mut self, x: BrokerId, out: &mut Out) {
        self.node(x).process.sessions.close_all(x, out);
        self.stop_member(x);
        let node = self.node(x);
        node.process.local_subs.clear();
        node.process.app_paused = false;
        for peer in &mut node.process.peers {
            peer.connected = true;
            peer.declared_down = false;
        }
        self.start_member(x, out);
    }
}
