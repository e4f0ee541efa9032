//! Who is up: Erlang distribution ticks and `net_ticktime`, promotion of
//! the oldest mirror, `pause_minority`, partitions noticed and healed
//! (`autoheal`), and the operator's fix for `ignore`'s split brain.

use super::*;
use crate::trace::WonBy;

/// The node's name as RabbitMQ compares it: atoms compare as text, so
/// `b10` sorts before `b2`.
fn node_name(b: &BrokerId) -> String {
    format!("b{}", b.0 + 1)
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

impl Mirrored {
    // ----- membership ------------------------------------------------------------------

    pub(super) fn node_down(&mut self, x: BrokerId, p: BrokerId, graceful: bool, out: &mut Out) {
        self.peer_gone(x, p, graceful, true, out);
    }

    /// `p`'s incarnation known to `x` is gone. `minority_check` is false
    /// when `p` is already back in a new incarnation: then `x` is not in a
    /// minority, and pausing would only make `p` see a restart in turn.
    fn peer_gone(
        &mut self,
        x: BrokerId,
        p: BrokerId,
        graceful: bool,
        minority_check: bool,
        out: &mut Out,
    ) {
        if self.connection_closed(x, p, graceful, out) {
            self.after_peer_gone(x, p, graceful, minority_check, out);
        }
    }

    /// `x` closes its connection to `p` (false if it had none).
    fn connection_closed(
        &mut self,
        x: BrokerId,
        p: BrokerId,
        graceful: bool,
        out: &mut Out,
    ) -> bool {
        {
            let peer = &mut self.node(x).process.peers[usize::from(p.0)];
            if !peer.up {
                return false;
            }
            peer.up = false;
            peer.declared_down = !graceful;
        }
        self.close_link(x, p);
        if !graceful {
            let incarnation =
                self.nodes[usize::from(x.0)].process.peers[usize::from(p.0)].incarnation;
            self.send(x, p, PeerMsg::Disconnect { incarnation }, out);
        }
        true
    }

    /// What `x` does once its connection to `p` is gone: pause_minority's
    /// check, then the queue's reaction.
    fn after_peer_gone(
        &mut self,
        x: BrokerId,
        p: BrokerId,
        graceful: bool,
        minority_check: bool,
        out: &mut Out,
    ) {
        // pause_minority acts on the same nodedown, before the queue reacts:
        // a node that finds itself in a minority stops without confirming
        // anything more.
        if minority_check {
            self.check_minority(x, out);
        }
        let node = &self.nodes[usize::from(x.0)];
        if node.process.app.paused {
            return;
        }
        let is_master = matches!(node.process.role, QueueRole::Master(_));
        if is_master {
            self.drop_mirror(x, p, out);
            // Each channel by its connection: the same application may
            // have a newer one through another node.
            let via_p: Vec<(Addr, u32)> = match &self.nodes[usize::from(x.0)].process.role {
                QueueRole::Master(m) => m.queue.subscriptions_via(p),
                _ => Vec::new(),
            };
            for (client, conn) in via_p {
                self.client_gone_at_master(x, client, Some(conn), out);
            }
        }
        if let QueueRole::Mirror(mirror) = &mut self.node(x).process.role {
            mirror.members.retain(|m| m.broker != p);
        }
        if self.nodes[usize::from(x.0)]
            .process
            .app
            .master
            .is_some_and(|(m, _)| m == p)
        {
            self.node(x).process.app.master = None;
            self.elect(x, graceful, out);
        }
    }

    /// The master is gone: the oldest surviving (synchronised, if the policy
    /// says so) mirror takes over.
    pub(super) fn elect(&mut self, x: BrokerId, graceful: bool, out: &mut Out) {
        let QueueRole::Mirror(mirror) = &self.nodes[usize::from(x.0)].process.role else {
            return;
        };
        let rule = if graceful {
            self.cfg.ha_promote_on_shutdown
        } else {
            self.cfg.ha_promote_on_failure
        };
        let alive: Vec<Member> = mirror
            .members
            .iter()
            .filter(|m| self.in_cluster(x, m.broker))
            .copied()
            .collect();
        let oldest_alive = alive
            .iter()
            .min_by_key(|m| (m.joined_at, m.broker))
            .map(|m| m.broker);
        let chosen = alive
            .iter()
            .filter(|m| rule == PromoteWhen::Always || m.synced)
            .min_by_key(|m| (m.joined_at, m.broker))
            .map(|m| m.broker);
        match chosen {
            Some(c) if c == x => self.promote(x, out),
            Some(_) => {}
            None if oldest_alive == Some(x) || alive.is_empty() => {
                out.trace(Event::PromotionRefused {
                    broker: x,
                    on_shutdown: graceful,
                });
            }
            None => {}
        }
    }

    pub(super) fn promote(&mut self, x: BrokerId, out: &mut Out) {
        let QueueRole::Mirror(mirror) = std::mem::take(&mut self.node(x).process.role) else {
            return;
        };
        let old_master = mirror.master;
        let lost = self.held_only_by(old_master, &mirror.msgs);
        let epoch = Epoch(self.nodes[usize::from(x.0)].max_epoch.0.max(mirror.epoch.0) + 1);
        let mut messages: Vec<QMsg> = mirror
            .msgs
            .values()
            .map(|(q, delivered)| QMsg {
                redelivered: q.redelivered || *delivered,
                ..*q
            })
            .collect();
        messages.sort_by_key(|q| q.seq);
        let requeued = mirror
            .msgs
            .values()
            .filter(|(_, delivered)| *delivered)
            .count() as u32;
        let next_seq = messages.iter().map(|q| q.seq + 1).max().unwrap_or(1);
        let mirrors: BTreeMap<BrokerId, MirrorInfo> = mirror
            .members
            .iter()
            .filter(|m| m.broker != x && self.in_cluster(x, m.broker))
            .map(|m| {
                let info = MirrorInfo {
                    joined_at: m.joined_at,
                    first_seq: 0,
                    older_left: 0,
                    synced: m.synced,
                };
                (m.broker, info)
            })
            .collect();
        let node = self.node(x);
        node.max_epoch = epoch;
        node.process.app.master = Some((x, epoch));
        node.process.role = QueueRole::Master(Box::new(MasterState {
            epoch,
            queue: Queue::from_messages(messages),
            next_seq,
            mirrors,
            pending: BTreeMap::new(),
        }));
        out.trace(Event::Promoted {
            broker: x,
            epoch,
            synced: mirror.synced,
            lost_with_old_master: lost,
        });
        out.leader(x, epoch);
        if requeued > 0 {
            out.trace(Event::Requeued {
                broker: x,
                messages: requeued,
            });
        }
        self.announce_master(x, out);
    }

    /// For the trace only (it decides nothing): how many messages the old
    /// master holds, in memory or on disk, that the new master lacks.
    pub(super) fn held_only_by(&self, old: BrokerId, have: &BTreeMap<MsgId, (QMsg, bool)>) -> u32 {
        let node = &self.nodes[usize::from(old.0)];
        let count = |it: &mut dyn Iterator<Item = &QMsg>| {
            it.filter(|q| !have.contains_key(&q.msg)).count() as u32
        };
        match &node.process.role {
            QueueRole::Master(m) => count(&mut m.queue.messages()),
            _ => count(&mut node.disk.messages.iter()),
        }
    }

    pub(super) fn check_minority(&mut self, x: BrokerId, out: &mut Out) {
        if self.cfg.cluster_partition_handling != PartitionHandling::PauseMinority
            || self.nodes[usize::from(x.0)].process.app.paused
        {
            return;
        }
        let reachable = self.all().filter(|p| self.in_cluster(x, *p)).count() as u32;
        let cluster = self.n() as u32;
        if reachable * 2 > cluster {
            return;
        }
        out.trace(Event::PausedMinority {
            broker: x,
            reachable,
            cluster,
        });
        self.node(x).process.sessions.close_all(x, out);
        self.shut_role(x, DropWhy::ProcessDied, out);
        // The application stops: its state goes, except the partitions the
        // node monitor recorded, which it keeps while it waits for a majority
        // (as it always has here); resuming starts the application afresh.
        let app = &mut self.node(x).process.app;
        *app = App {
            paused: true,
            partitioned_from: app.partitioned_from,
            ..App::default()
        };
    }

    pub(super) fn nodeup(&mut self, x: BrokerId, p: BrokerId, incarnation: u32, out: &mut Out) {
        let (was_up, old_incarnation, declared_down) = {
            let peer = &self.nodes[usize::from(x.0)].process.peers[usize::from(p.0)];
            (peer.up, peer.incarnation, peer.declared_down)
        };
        if was_up && old_incarnation == incarnation {
            return;
        }
        if was_up && old_incarnation != incarnation {
            // It restarted before we noticed it was gone. Its new
            // incarnation is here already, so this is no reason to pause:
            // under pause_minority two nodes would otherwise take turns
            // pausing, each seeing the other's resumption as a restart.
            self.peer_gone(x, p, false, false, out);
        }
        let restarted = old_incarnation != incarnation;
        {
            let node = self.node(x);
            if restarted {
                // A partition with a node that has restarted since is over
                // (rabbit_node_monitor forgets partitions with nodes gone down).
                node.process.app.partitioned_from &= !broker_bit(p);
            }
            let peer = &mut node.process.peers[usize::from(p.0)];
            peer.up = true;
            peer.incarnation = incarnation;
            peer.declared_down = false;
            peer.partitioned = false;
        }
        if !restarted && declared_down {
            self.partition_noticed(x, p, out);
        }
        // Every node that comes up may be the last one autoheal waits for
        // (rabbit_node_monitor calls `maybe_autoheal` on `node_up` as well).
        if self.maybe_autoheal(out) {
            return;
        }
        if self.nodes[usize::from(x.0)].process.app.paused {
            return;
        }
        if matches!(
            self.nodes[usize::from(x.0)].process.role,
            QueueRole::Master(_)
        ) && self.in_cluster(x, p)
        {
            self.maybe_add_mirror(x, p, out);
        }
    }

    pub(super) fn partition_noticed(&mut self, x: BrokerId, p: BrokerId, out: &mut Out) {
        out.trace(Event::PartitionNoticed {
            broker: x,
            other: p,
        });
        match self.cfg.cluster_partition_handling {
            PartitionHandling::Ignore => {
                self.node(x).process.peers[usize::from(p.0)].partitioned = true
            }
            PartitionHandling::PauseMinority => {}
            // Mnesia reports `{inconsistent_database,
            // running_partitioned_network, p}` and rabbit_node_monitor adds
            // `p` to its partitions; `nodeup` then calls `maybe_autoheal`.
            // Until autoheal decides, the two sides' queue processes stay
            // apart, as under `ignore`: Mnesia does not merge them.
            PartitionHandling::Autoheal => {
                let node = self.node(x);
                node.process.app.partitioned_from |= broker_bit(p);
                node.process.peers[usize::from(p.0)].partitioned = true;
            }
        }
    }

    /// Autoheal, as rabbit_node_monitor and rabbit_autoheal run it under
    /// `cluster_partition_handling: autoheal` (the partitions guide,
    /// "autoheal"). A node that has recorded a partition and sees every node
    /// up asks the leader to start (`maybe_autoheal`, `maybe_start`); the
    /// leader asks every node for its partitions and whom it sees, and
    /// refuses while any is down (`check_other_nodes`). It then decides once
    /// for the whole cluster (`make_decision`): whichever side nodes
    /// noticed the partition from, and even if only one of them saw a
    /// `nodedown` (the other heard from it again before `net_ticktime`
    /// ran out), every node outside the winning side restarts and throws
    /// away what it held, whatever epoch its master reached. The messages
    /// between leader, winner and losers are instant here. Returns whether
    /// it decided.
    fn maybe_autoheal(&mut self, out: &mut Out) -> bool {
        if self.cfg.cluster_partition_handling != PartitionHandling::Autoheal
            || self
                .nodes
                .iter()
                .all(|n| n.process.app.partitioned_from == 0)
            || !self.all_nodes_up()
        {
            return false;
        }
        let sides = self.all_partitions();
        let (winners, won_by) = self.make_decision(&sides);
        let losers: Vec<BrokerId> = self
            .all()
            .filter(|b| winners & broker_bit(*b) == 0)
            .collect();
        out.trace(Event::PartitionResolved {
            winners: self.mask_list(winners),
            losers: losers.clone(),
            automatic: true,
            won_by: Some(won_by),
        });
        // The winner forgets the partitions once the losers have stopped;
        // the losers' node monitors restart with them.
        for node in &mut self.nodes {
            node.process.app.partitioned_from = 0;
            for peer in &mut node.process.peers {
                peer.partitioned = false;
            }
        }
        for b in losers {
            self.restart_app(b, out);
        }
        true
    }

    /// Every node runs RabbitMQ and sees every other: what autoheal waits
    /// for (`all_nodes_up`, and `check_other_nodes` on the leader).
    fn all_nodes_up(&self) -> bool {
        self.all().all(|x| {
            let node = &self.nodes[usize::from(x.0)];
            node.process.running
                && !node.process.app.paused
                && !node.booting
                && self
                    .all()
                    .all(|p| p == x || node.process.peers[usize::from(p.0)].up)
        })
    }

    /// The sides of the partition, as the leader pieces them together from
    /// every node's list of nodes it was partitioned from
    /// (`rabbit_autoheal:all_partitions`): each list splits the side its
    /// node is on.
    fn all_partitions(&self) -> Vec<u16> {
        let everyone = self.all().fold(0, |mask, b| mask | broker_bit(b));
        let mut sides = vec![everyone];
        for x in self.all() {
            let cant_see = self.nodes[usize::from(x.0)].process.app.partitioned_from;
            let Some(i) = sides.iter().position(|s| s & broker_bit(x) != 0) else {
                continue;
            };
            let (seen, unseen) = (sides[i] & !cant_see, sides[i] & cant_see);
            if seen != 0 && unseen != 0 {
                sides[i] = seen;
                sides.push(unseen);
            }
        }
        sides
    }

    /// `rabbit_autoheal:make_decision`: sides are ranked by their client
    /// connections (`partition_value` counts `connections_local` on each
    /// node), then their number of nodes, then their list of node names
    /// (Erlang's term order: the side whose names compare greater wins; we
    /// take each side's names in sorted order). Returns the winning side and
    /// the criterion that decided against the runner-up.
    fn make_decision(&self, sides: &[u16]) -> (u16, WonBy) {
        let rank = |mask: u16| {
            let names: Vec<String> = self.mask_list(mask).iter().map(node_name).collect();
            (self.connections(mask), mask.count_ones(), sorted(names))
        };
        let mut ranked: Vec<_> = sides.iter().map(|s| (rank(*s), *s)).collect();
        ranked.sort();
        let ((connections, nodes, _), winners) =
            ranked.pop().expect("a partition has at least one side");
        let won_by = match ranked.pop() {
            Some(((runner_up, _, _), _)) if runner_up != connections => WonBy::Connections {
                winners: connections,
                runner_up,
            },
            Some(((_, runner_up, _), _)) if runner_up != nodes => WonBy::Nodes {
                connections,
                winners: nodes,
                runner_up,
            },
            _ => WonBy::NodeNames { connections, nodes },
        };
        (winners, won_by)
    }

    /// Client connections open on the nodes of `mask`.
    fn connections(&self, mask: u16) -> u32 {
        self.mask_list(mask)
            .iter()
            .map(|b| self.nodes[usize::from(b.0)].process.sessions.count())
            .sum()
    }

    pub(super) fn mask_list(&self, mask: u16) -> Vec<BrokerId> {
        self.all().filter(|b| mask & broker_bit(*b) != 0).collect()
    }

    /// The losing side of a partition restarts its RabbitMQ application:
    /// clients are disconnected, queue contents thrown away, and the node
    /// rejoins the winners as an empty mirror.
    pub(super) fn restart_app(&mut self, x: BrokerId, out: &mut Out) {
        self.node(x).process.sessions.close_all(x, out);
        self.discard_all(x, DropWhy::PartitionLoser, out);
        for peer in &mut self.node(x).process.peers {
            peer.partitioned = false;
            peer.declared_down = false;
        }
        self.boot_app(x, out);
    }

    pub(super) fn on_tick(&mut self, x: BrokerId, out: &mut Out) {
        out.timer(me(x), self.tick_interval_ms, tick_timer());
        for p in self.all() {
            if p != x {
                let node = &self.nodes[usize::from(x.0)];
                let tick = PeerMsg::Tick {
                    incarnation: node.incarnation,
                    app_paused: node.process.app.paused,
                    ack: self.link_ack(x, p),
                    sent: self.link_sent(x, p),
                };
                self.send(x, p, tick, out);
            }
        }
        let now = out.now;
        let timeout = self.tick_timeout_ms;
        let silent: Vec<(BrokerId, u64)> = self
            .all()
            .filter(|p| *p != x)
            .filter_map(|p| {
                let peer = &self.nodes[usize::from(x.0)].process.peers[usize::from(p.0)];
                let silent_ms = now.ms_since(peer.last_heard);
                (peer.up && silent_ms >= timeout).then_some((p, silent_ms))
            })
            .collect();
        // Erlang checks every connection on the same tick: those silent
        // since the same cut time out together, and pause_minority's
        // majority check (rabbit_node_monitor's `majority/1`, which counts
        // `nodes()`) already misses all of them when the first nodedown is
        // handled. Closing them all first keeps a master that lost its
        // majority from confirming, on the first nodedown, what only it holds.
        let mut closed = Vec::new();
        for (p, silent_ms) in silent {
            if !self.nodes[usize::from(x.0)].process.peers[usize::from(p.0)].up {
                continue;
            }
            out.trace(Event::DeclaredDown {
                observer: me(x),
                target: me(p),
                silent_ms,
                timeout_ms: timeout,
                by: self.detector,
            });
            if self.connection_closed(x, p, false, out) {
                closed.push(p);
            }
        }
        for p in closed {
            self.after_peer_gone(x, p, false, true, out);
        }
        // A paused minority node resumes once it sees a majority again.
        if self.nodes[usize::from(x.0)].process.app.paused {
            let reachable = self.all().filter(|p| self.in_cluster(x, *p)).count() as u32;
            if reachable * 2 > self.n() as u32 {
                out.trace(Event::ResumedMajority { broker: x });
                self.boot_app(x, out);
            }
        }
    }

    /// The operator's fix for a split brain left by `ignore`: keep the side
    /// autoheal would keep, restart the nodes of the other side.
    pub(super) fn resolve_split_brain(&mut self, out: &mut Out) {
        let masters: Vec<BrokerId> = self
            .all()
            .filter(|b| {
                let node = &self.nodes[usize::from(b.0)];
                node.process.running
                    && !node.process.app.paused
                    && matches!(node.process.role, QueueRole::Master(_))
            })
            .collect();
        if masters.len() < 2 {
            for b in self.all() {
                for peer in &mut self.node(b).process.peers {
                    peer.partitioned = false;
                }
            }
            return;
        }
        // Each node belongs to the side of the master it follows.
        let side_of = |s: &Self, m: BrokerId| -> u16 {
            s.all()
                .filter(|b| {
                    s.nodes[usize::from(b.0)]
                        .process
                        .app
                        .master
                        .is_some_and(|(mm, _)| mm == m)
                        || *b == m
                })
                .fold(0, |mask, b| mask | broker_bit(b))
        };
        let sides: Vec<u16> = masters.iter().map(|m| side_of(self, *m)).collect();
        let (winners, won_by) = self.make_decision(&sides);
        let losers: Vec<BrokerId> = self
            .all()
            .filter(|b| winners & broker_bit(*b) == 0)
            .collect();
        out.trace(Event::PartitionResolved {
            winners: self.mask_list(winners),
            losers: losers.clone(),
            automatic: false,
            won_by: Some(won_by),
        });
        for b in self.all() {
            for peer in &mut self.node(b).process.peers {
                peer.partitioned = false;
            }
        }
        for b in losers {
            if self.nodes[usize::from(b.0)].process.running {
                self.restart_app(b, out);
            }
        }
    }
}
