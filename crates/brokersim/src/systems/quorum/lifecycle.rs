//! A node's life: the cluster's start, a Ra server starting from its disk
//! and stopping, and the broker's boot, crash, stop and lost disk.

use super::*;

impl Quorum {
    pub(super) fn start_all(&mut self, out: &mut Out) {
        let leader = BrokerId(0);
        for b in self.all() {
            let n = self.nodes.len();
            let node = self.node(b);
            node.incarnation = 1;
            node.known_incarnations = vec![1; n];
            node.process = Process::boot(n, SimTime::ZERO);
            node.process.leader = Some((leader, 1));
            if node.is_member {
                node.disk = Disk {
                    term: 1,
                    voted_for: Some(leader),
                    ..Disk::default()
                };
            }
        }
        for b in self.members.clone() {
            self.start_member(b, out);
            if let Some(m) = self.member_mut(b) {
                m.leader = Some(leader);
                m.catching_up = false;
            }
        }
        let n = self.nodes.len();
        if let Some(m) = self.member_mut(leader) {
            m.role = RaftRole::Leader;
            m.next_index = vec![1; n];
            m.match_index = vec![0; n];
            m.promote_at = vec![0; n];
        }
        out.trace(Event::Quorum(QuorumEvent::Declared {
            leader,
            members: self.members.clone(),
        }));
        out.leader(leader, Epoch(1));
        for b in self.all() {
            out.timer(me(b), self.heartbeat_ms, timer(Timer::Heartbeat));
            out.timer(me(b), self.poll_ms, timer(Timer::Poll));
        }
    }

    /// The Ra server starts: it replays its applied log into the state
    /// machine and waits, as a follower, to hear from a leader.
    pub(super) fn start_member(&mut self, b: BrokerId, out: &mut Out) {
        let n = self.nodes.len();
        let limit = self.cfg.delivery_limit;
        let node = self.node(b);
        if !node.is_member {
            return;
        }
        let mut machine = Machine::default();
        let mut fx = Effects::default();
        let applied = node.disk.applied.min(node.disk.last_index());
        for entry in &node.disk.log[..applied as usize] {
            fx.clear();
            machine.apply(entry.command, limit, &mut fx);
        }
        node.process.member = Some(Box::new(Member {
            commit: applied,
            next_index: vec![1; n],
            match_index: vec![0; n],
            machine,
            catching_up: true,
            ..Member::default()
        }));
        if out.now > SimTime::ZERO {
            let (entries, term) = (node.disk.log.len() as u32, node.disk.term);
            out.trace(Event::Quorum(QuorumEvent::Recovered {
                broker: b,
                entries,
                term,
            }));
            self.arm_election_long(b, out);
        }
    }

    /// The Ra server stops; so do the node's channels, with what they
    /// had pending. This is the RabbitMQ application stopping inside a
    /// running Erlang VM (pause_minority, autoheal), which keeps its
    /// peers and sessions object; a crash drops the whole `Process`.
    pub(super) fn stop_member(&mut self, b: BrokerId) {
        let node = self.node(b);
        node.process.member = None;
        node.process.leader = None;
        node.process.pending.clear();
        node.process.handed.clear();
    }
}
