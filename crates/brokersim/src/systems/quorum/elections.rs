//! Elections: Ra's pre-vote, RequestVote with the "log at least as up to
//! date" check, counting votes, and stepping up or down.

use super::*;

impl Quorum {
    /// An election timeout of `after_ms` plus up to `jitter_ms` drawn by the
    /// engine; it replaces any timeout set before.
    pub(super) fn arm_election(
        &mut self,
        b: BrokerId,
        after_ms: u64,
        jitter_ms: u64,
        out: &mut Out,
    ) {
        let Some(m) = self.member_mut(b) else {
            return;
        };
        m.election_generation = m.election_generation.wrapping_add(1);
        let generation = m.election_generation;
        out.actions.push(Action::Timer {
            owner: me(b),
            after_us: after_ms.saturating_mul(1_000),
            jitter_us: jitter_ms.saturating_mul(1_000),
            kind: timer(Timer::Election { generation }),
        });
    }

    /// Ra's "long" timeout after aten reports the leader's node down:
    /// longer than a poll, so that a false alarm can be taken back.
    pub(super) fn arm_election_long(&mut self, b: BrokerId, out: &mut Out) {
        let poll = self.poll_ms;
        self.arm_election(b, poll, BROADCAST_TIME_MS * ELECTION_MULT * 2, out);
    }

    /// Ra's "short" timeout: the leader's process monitor fired.
    pub(super) fn arm_election_short(&mut self, b: BrokerId, out: &mut Out) {
        self.arm_election(b, BROADCAST_TIME_MS, BROADCAST_TIME_MS * ELECTION_MULT, out);
    }

    pub(super) fn on_election_timeout(&mut self, b: BrokerId, generation: u32, out: &mut Out) {
        let node = &self.nodes[idx(b)];
        let Some(m) = node.process.member.as_deref() else {
            return;
        };
        if m.election_generation != generation || m.role == RaftRole::Leader || node.disk.wiped {
            return;
        }
        // A follower whose leader's node is still alive keeps following.
        let leader_alive = m
            .leader
            .is_some_and(|l| l != b && node.process.peers[idx(l)].alive);
        if m.role == RaftRole::Follower && leader_alive {
            return;
        }
        self.start_pre_vote(b, out);
    }

    /// Ra's pre-vote: ask whether a majority would vote, without raising
    /// the term, so that an isolated member cannot disrupt the others.
    pub(super) fn start_pre_vote(&mut self, b: BrokerId, out: &mut Out) {
        let disk = &self.nodes[idx(b)].disk;
        let (term, last_index, last_term) = (disk.term + 1, disk.last_index(), disk.last_term());
        let Some(m) = self.member_mut(b) else {
            return;
        };
        m.role = RaftRole::PreCandidate;
        m.leader = None;
        m.votes = broker_bit(b);
        let request = PeerMsg::RequestVote {
            term,
            last_index,
            last_term,
            pre_vote: true,
        };
        for p in self.members.clone() {
            if p != b {
                self.send(b, p, request.clone(), out);
            }
        }
        self.arm_election_short(b, out);
        if self.majority(broker_bit(b)) {
            self.start_election(b, out);
        }
    }

    pub(super) fn start_election(&mut self, b: BrokerId, out: &mut Out) {
        let disk = &mut self.nodes[idx(b)].disk;
        disk.term += 1;
        disk.voted_for = Some(b);
        let (term, last_index, last_term) = (disk.term, disk.last_index(), disk.last_term());
        let Some(m) = self.member_mut(b) else {
            return;
        };
        m.role = RaftRole::Candidate;
        m.votes = broker_bit(b);
        out.trace(Event::Quorum(QuorumEvent::ElectionStarted {
            broker: b,
            term,
        }));
        let request = PeerMsg::RequestVote {
            term,
            last_index,
            last_term,
            pre_vote: false,
        };
        for p in self.members.clone() {
            if p != b {
                self.send(b, p, request.clone(), out);
            }
        }
        self.arm_election_short(b, out);
        if self.majority(broker_bit(b)) {
            self.become_leader(b, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_request_vote(
        &mut self,
        b: BrokerId,
        candidate: BrokerId,
        term: u32,
        last_index: u64,
        last_term: u32,
        pre_vote: bool,
        out: &mut Out,
    ) {
        if self.member(b).is_none() {
            return;
        }
        if !pre_vote && term > self.nodes[idx(b)].disk.term {
            self.become_follower(b, term, None, out);
        }
        let node = &self.nodes[idx(b)];
        let Some(m) = node.process.member.as_deref() else {
            return;
        };
        let disk = &node.disk;
        let up_to_date = last_term > disk.last_term()
            || (last_term == disk.last_term() && last_index >= disk.last_index());
        let granted = if pre_vote {
            // Refused while this member still has a live leader (other than
            // the candidate itself, which has evidently lost its leadership).
            let has_leader = match m.leader {
                Some(l) if l == b => m.role == RaftRole::Leader,
                Some(l) => l != candidate && node.process.peers[idx(l)].alive,
                None => false,
            };
            term > disk.term && up_to_date && !has_leader && !disk.wiped
        } else {
            term == disk.term
                && disk.voted_for.is_none_or(|v| v == candidate)
                && up_to_date
                && !disk.wiped
        };
        let my_term = disk.term;
        if granted && !pre_vote {
            self.node(b).disk.voted_for = Some(candidate);
            self.arm_election_long(b, out);
        }
        let vote = PeerMsg::Vote {
            term: my_term,
            granted,
            pre_vote,
        };
        self.send(b, candidate, vote, out);
    }

    pub(super) fn on_vote(
        &mut self,
        b: BrokerId,
        voter: BrokerId,
        term: u32,
        granted: bool,
        pre_vote: bool,
        out: &mut Out,
    ) {
        let my_term = self.nodes[idx(b)].disk.term;
        if term > my_term && !granted {
            self.become_follower(b, term, None, out);
            self.arm_election_short(b, out);
            return;
        }
        let Some(m) = self.member_mut(b) else {
            return;
        };
        let expected = if pre_vote {
            RaftRole::PreCandidate
        } else {
            RaftRole::Candidate
        };
        if !granted || m.role != expected || (!pre_vote && term != my_term) {
            return;
        }
        m.votes |= broker_bit(voter);
        let votes = m.votes;
        if !self.majority(votes) {
            return;
        }
        if pre_vote {
            self.start_election(b, out);
        } else {
            self.become_leader(b, out);
        }
    }

    pub(super) fn become_leader(&mut self, b: BrokerId, out: &mut Out) {
        let n = self.nodes.len();
        let members = self.members.len() as u32;
        let node = &mut self.nodes[idx(b)];
        let term = node.disk.term;
        let last = node.disk.last_index();
        let Some(m) = node.process.member.as_deref_mut() else {
            return;
        };
        m.role = RaftRole::Leader;
        m.leader = Some(b);
        m.next_index = vec![last + 1; n];
        m.match_index = vec![0; n];
        m.match_index[idx(b)] = last;
        m.nonvoters = 0;
        m.promote_at = vec![0; n];
        m.in_flight.clear();
        m.no_quorum_reported = false;
        let votes = m.votes.count_ones();
        node.process.leader = Some((b, term));
        out.leader(b, Epoch(term));
        out.trace(Event::Quorum(QuorumEvent::LeaderElected {
            broker: b,
            term,
            votes,
            members,
        }));
        for p in self.all() {
            if p != b {
                self.send(b, p, PeerMsg::NewLeader { term }, out);
            }
        }
        self.append(b, Command::Noop, out);
        // Consumers whose node this leader already counts as down.
        for p in self.all() {
            if p != b && !self.nodes[idx(b)].process.peers[idx(p)].alive {
                self.consumers_gone_via(b, p, out);
            }
        }
        self.resubscribe(b, out);
        self.resend_pending(b, true, out);
        self.redeliver(b, None, out);
    }

    /// Steps into `term` as a follower (of `leader`, when known).
    pub(super) fn become_follower(
        &mut self,
        b: BrokerId,
        term: u32,
        leader: Option<BrokerId>,
        out: &mut Out,
    ) {
        let node = &mut self.nodes[idx(b)];
        debug_assert!(term >= node.disk.term, "terms never go back");
        if term > node.disk.term {
            node.disk.term = term;
            node.disk.voted_for = None;
        }
        let last = node.disk.last_index();
        let Some(m) = node.process.member.as_deref_mut() else {
            return;
        };
        if m.role == RaftRole::Leader {
            let uncommitted = last.saturating_sub(m.commit) as u32;
            out.trace(Event::Quorum(QuorumEvent::SteppedDown {
                broker: b,
                term,
                uncommitted,
            }));
        }
        m.role = RaftRole::Follower;
        m.votes = 0;
        m.leader = leader;
        if let Some(l) = leader {
            node.process.leader = Some((l, term));
        } else if node.process.leader.is_some_and(|(l, _)| l == b) {
            node.process.leader = None;
        }
    }
}
