//! A follower's side of AppendEntries: the log matching check, storing
//! and truncating entries, following the commit index, and the leader's
//! handling of the answers (including members that lost their disk).

use super::*;

impl Quorum {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_append(
        &mut self,
        b: BrokerId,
        leader: BrokerId,
        term: u32,
        prev_index: u64,
        prev_term: u32,
        entries: Vec<Entry>,
        commit: u64,
        out: &mut Out,
    ) {
        if self.member(b).is_none() {
            return;
        }
        let my_term = self.nodes[idx(b)].disk.term;
        if term < my_term {
            let index = self.nodes[idx(b)].disk.last_index();
            self.answer(b, leader, my_term, false, index, out);
            return;
        }
        let new_leader = self.member(b).is_none_or(|m| m.leader != Some(leader))
            || self.nodes[idx(b)].process.leader != Some((leader, term));
        if term > my_term || self.member(b).is_some_and(|m| m.role != RaftRole::Follower) {
            self.become_follower(b, term, Some(leader), out);
        }
        {
            let node = self.node(b);
            node.process.leader = Some((leader, term));
            // A leader of this term exists: no other candidate can win it.
            node.disk.voted_for.get_or_insert(leader);
            if let Some(m) = node.process.member.as_deref_mut() {
                m.leader = Some(leader);
            }
        }
        if new_leader {
            self.resubscribe(b, out);
            self.resend_pending(b, true, out);
        }
        if let Some(hint) = self.mismatch(b, prev_index, prev_term) {
            self.answer(b, leader, term, false, hint, out);
            return;
        }
        let count = entries.len() as u64;
        if !self.store(b, prev_index, entries, out) {
            let index = self.nodes[idx(b)].disk.applied;
            self.answer(b, leader, term, false, index, out);
            return;
        }
        let matched = prev_index + count;
        self.follow_commit(b, commit.min(matched), out);
        self.check_caught_up(b, commit, out);
        self.answer(b, leader, term, true, matched, out);
    }

    /// Where the log disagrees with the leader's previous entry: the index
    /// to resume from, never below what this member has committed.
    pub(super) fn mismatch(&self, b: BrokerId, prev_index: u64, prev_term: u32) -> Option<u64> {
        let node = &self.nodes[idx(b)];
        let disk = &node.disk;
        let commit = node
            .process
            .member
            .as_deref()
            .map(|m| m.commit)
            .unwrap_or(0);
        if prev_index > disk.last_index() {
            return Some(disk.last_index());
        }
        if prev_index == 0 || disk.term_at(prev_index) == prev_term {
            return None;
        }
        // Skip back over the whole conflicting term at once.
        let conflict = disk.term_at(prev_index);
        let mut first = prev_index;
        while first > 1 && disk.term_at(first - 1) == conflict {
            first -= 1;
        }
        Some((first - 1).max(commit).min(prev_index - 1))
    }

    /// Appends the leader's entries after `prev_index`, truncating a
    /// conflicting suffix first; false if that would cut applied entries.
    pub(super) fn store(
        &mut self,
        b: BrokerId,
        prev_index: u64,
        entries: Vec<Entry>,
        out: &mut Out,
    ) -> bool {
        for (i, entry) in entries.into_iter().enumerate() {
            let index = prev_index + 1 + i as u64;
            let disk = &self.nodes[idx(b)].disk;
            if index <= disk.last_index() {
                if disk.term_at(index) == entry.term {
                    continue;
                }
                if index <= disk.applied {
                    return false;
                }
                self.truncate(b, index, out);
            }
            let disk = &mut self.nodes[idx(b)].disk;
            if disk.log.len() >= MAX_LOG {
                return false;
            }
            disk.log.push(entry);
            if let Command::Enqueue { q, .. } = entry.command {
                // A follower acknowledges an append only once its WAL has
                // fsynced it (`ra_log_wal`): the copy is on disk.
                out.copy_added(q.msg, broker_bit(b), Layer::Disk);
            }
        }
        true
    }

    /// Discards the log from `from` on: entries that never committed.
    pub(super) fn truncate(&mut self, b: BrokerId, from: u64, out: &mut Out) {
        // Raft's safety (§5.4): a committed or applied entry is never removed.
        debug_assert!(
            from > self.nodes[idx(b)].disk.applied,
            "truncating applied entries"
        );
        debug_assert!(
            self.member(b).is_none_or(|m| from > m.commit),
            "truncating committed entries"
        );
        let removed = self.node(b).disk.log.split_off((from - 1) as usize);
        let mut messages = BTreeSet::new();
        for entry in &removed {
            if let Command::Enqueue { q, .. } = entry.command {
                messages.insert(q.msg);
            }
        }
        let count = messages.len() as u32;
        for msg in messages {
            if !self.still_holds(b, msg) {
                out.copy_dropped(msg, broker_bit(b), DropWhy::Truncated);
            }
        }
        out.trace(Event::Quorum(QuorumEvent::Truncated {
            broker: b,
            entries: removed.len() as u32,
            messages: count,
        }));
    }

    /// Whether the member still has the message (a retried publish may sit
    /// in its log twice).
    pub(super) fn still_holds(&self, b: BrokerId, msg: MsgId) -> bool {
        let node = &self.nodes[idx(b)];
        let applied = node.disk.applied as usize;
        let in_machine = node
            .process
            .member
            .as_deref()
            .is_some_and(|m| m.machine.holds(msg));
        in_machine
            || node.disk.log[applied.min(node.disk.log.len())..]
                .iter()
                .any(|e| matches!(e.command, Command::Enqueue { q, .. } if q.msg == msg))
    }

    /// The commit index only advances (a smaller one from a lagging
    /// packet changes nothing).
    pub(super) fn follow_commit(&mut self, b: BrokerId, commit: u64, out: &mut Out) {
        let last = self.nodes[idx(b)].disk.last_index();
        let Some(m) = self.member_mut(b) else {
            return;
        };
        if commit > m.commit {
            // The leader's commit index, capped at what matched: never past
            // this member's log.
            debug_assert!(commit <= last, "committing past the log");
            m.commit = commit;
            self.apply_committed(b, out);
        }
    }

    pub(super) fn check_caught_up(&mut self, b: BrokerId, leader_commit: u64, out: &mut Out) {
        let node = &mut self.nodes[idx(b)];
        let last = node.disk.last_index();
        let Some(m) = node.process.member.as_deref_mut() else {
            return;
        };
        if last < leader_commit {
            return;
        }
        if m.catching_up {
            m.catching_up = false;
            out.trace(Event::Quorum(QuorumEvent::CaughtUp {
                broker: b,
                index: last,
            }));
        }
    }

    pub(super) fn answer(
        &self,
        b: BrokerId,
        leader: BrokerId,
        term: u32,
        success: bool,
        index: u64,
        out: &mut Out,
    ) {
        let msg = PeerMsg::AppendResult {
            term,
            success,
            index,
            voter: !self.nodes[idx(b)].disk.wiped,
        };
        self.send(b, leader, msg, out);
    }

    /// A member repaired after losing its disk counts again once the
    /// current leader committed an entry of its own without it: a stale
    /// leader, which no majority follows, can never promote it.
    pub(super) fn promoted(&mut self, x: BrokerId, leader: BrokerId, term: u32) {
        let node = self.node(x);
        let follows = node
            .process
            .member
            .as_deref()
            .is_some_and(|m| m.leader == Some(leader));
        if follows && node.disk.term == term {
            node.disk.wiped = false;
        }
    }

    /// The leader notes members that must not count towards a majority;
    /// for each it appends an entry whose commit, without it, promotes it.
    pub(super) fn track_voter(
        &mut self,
        b: BrokerId,
        p: BrokerId,
        term: u32,
        voter: bool,
        out: &mut Out,
    ) {
        if term != self.nodes[idx(b)].disk.term || !self.is_leader(b) {
            return;
        }
        let last = self.nodes[idx(b)].disk.last_index();
        let Some(m) = self.member_mut(b) else {
            return;
        };
        let Some(at) = m.promote_at.get_mut(idx(p)) else {
            return;
        };
        if voter {
            *at = 0;
            m.nonvoters &= !broker_bit(p);
            return;
        }
        m.nonvoters |= broker_bit(p);
        if *at == 0 {
            *at = last + 1;
            self.append(b, Command::Noop, out);
        }
    }

    pub(super) fn on_append_result(
        &mut self,
        b: BrokerId,
        p: BrokerId,
        term: u32,
        success: bool,
        index: u64,
        out: &mut Out,
    ) {
        let my_term = self.nodes[idx(b)].disk.term;
        if term > my_term {
            self.become_follower(b, term, None, out);
            self.arm_election_long(b, out);
            return;
        }
        if term != my_term || !self.is_leader(b) {
            return;
        }
        let last = self.nodes[idx(b)].disk.last_index();
        let Some(m) = self.member_mut(b) else {
            return;
        };
        let i = idx(p);
        if !success {
            // The member lacks or disagrees with entries we thought it had
            // (it restarted, lost its disk, or diverged): repair from there.
            m.match_index[i] = m.match_index[i].min(index);
            m.next_index[i] = (index + 1).min(last + 1);
            self.send_append(b, p, out);
            return;
        }
        m.match_index[i] = m.match_index[i].max(index.min(last));
        m.next_index[i] = m.next_index[i].max(index + 1).min(last + 1);
        // A batch limit held back the rest of what the member misses.
        let more = m.next_index[i] <= last && m.match_index[i] + 1 == m.next_index[i];
        self.advance_commit(b, out);
        if more {
            self.send_append(b, p, out);
        }
    }
}
