//! Raft's safety rules checked at the handler's depth, in the style of
//! openraft's handler tests: build a small cluster, put a member in the
//! state a rule is about, hand it one packet through `System::receive`, and
//! read what it emits in `Out` (the answer it sends, the events it traces)
//! and what it keeps on disk.

use super::*;
use crate::scenario::settings::PartitionHandling;

const B1: BrokerId = BrokerId(0);
const B2: BrokerId = BrokerId(1);
const B3: BrokerId = BrokerId(2);

/// Three members, b1 leading term 1, every log empty.
fn cluster() -> Quorum {
    let cfg = QuorumSettings {
        initial_group_size: 3,
        delivery_limit: None,
        net_ticktime_s: 60,
        cluster_partition_handling: PartitionHandling::Ignore,
    };
    let mut q = Quorum::build(cfg, 3, None);
    q.start(&mut Out::default());
    q
}

fn noop(term: u32) -> Entry {
    Entry {
        term,
        command: Command::Noop,
    }
}

/// `to` receives `msg` from `from` (its first incarnation, as after start).
fn deliver(q: &mut Quorum, from: BrokerId, to: BrokerId, msg: PeerMsg) -> Out {
    let mut out = Out::default();
    let payload = Payload::Quorum {
        incarnation: 1,
        msg,
    };
    q.receive(to, me(from), payload, &mut out);
    out
}

/// The Raft messages `out` sends, as (from, to, message).
fn sent(out: &Out) -> Vec<(BrokerId, BrokerId, PeerMsg)> {
    out.actions
        .iter()
        .filter_map(|a| match a {
            Action::Send {
                from: Addr::Broker(f),
                to: Addr::Broker(t),
                payload: Payload::Quorum { msg, .. },
            } => Some((*f, *t, msg.clone())),
            _ => None,
        })
        .collect()
}

fn traced(out: &Out) -> Vec<QuorumEvent> {
    out.actions
        .iter()
        .filter_map(|a| match a {
            Action::Trace(Event::Quorum(e)) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

/// Puts `b`'s disk in `term` with `log`, `commit` entries committed and applied.
fn set_log(q: &mut Quorum, b: BrokerId, term: u32, log: Vec<Entry>, commit: u64) {
    let node = q.node(b);
    node.disk.term = term;
    node.disk.voted_for = None;
    node.disk.log = log;
    node.disk.applied = commit;
    node.process.member.as_deref_mut().unwrap().commit = commit;
}

fn append_entries(term: u32, prev_index: u64, prev_term: u32, entries: Vec<Entry>) -> PeerMsg {
    PeerMsg::AppendEntries {
        term,
        prev_index,
        prev_term,
        entries: Box::new(entries),
        commit: 0,
        promote: false,
    }
}

fn request_vote(term: u32, last_index: u64, last_term: u32) -> PeerMsg {
    PeerMsg::RequestVote {
        term,
        last_index,
        last_term,
        pre_vote: false,
    }
}

/// Raft §5.3 (a follower deletes a conflicting entry and all that follow)
/// with §5.4's Leader Completeness: what goes is the uncommitted suffix,
/// never the committed prefix. Ra: ra_server.erl's follower handling of
/// append_entries_rpc, which truncates from the first conflicting index.
#[test]
fn truncation_removes_only_the_uncommitted_suffix() {
    let mut q = cluster();
    set_log(&mut q, B2, 1, vec![noop(1), noop(1), noop(1)], 1);
    let out = deliver(&mut q, B3, B2, append_entries(2, 1, 1, vec![noop(2)]));

    assert_eq!(q.nodes[idx(B2)].disk.log, vec![noop(1), noop(2)]);
    assert!(traced(&out).contains(&QuorumEvent::Truncated {
        broker: B2,
        entries: 2,
        messages: 0,
    }));
    let answers = sent(&out);
    assert!(
        answers
            .iter()
            .any(|(from, to, msg)| (*from, *to) == (B2, B3)
                && matches!(
                    msg,
                    PeerMsg::AppendResult {
                        term: 2,
                        success: true,
                        index: 2,
                        ..
                    }
                ))
    );
}

/// Raft §5.4 (State Machine Safety): an entry applied at an index is never
/// replaced by another. No legitimate leader sends such a packet (Leader
/// Completeness); the follower still refuses to cut below its commit, as
/// Ra's ra_server.erl refuses to overwrite what it has applied.
#[test]
fn truncation_never_removes_committed_entries() {
    let mut q = cluster();
    set_log(&mut q, B2, 1, vec![noop(1), noop(1), noop(1)], 3);
    let out = deliver(
        &mut q,
        B3,
        B2,
        append_entries(2, 1, 1, vec![noop(2), noop(2)]),
    );

    assert_eq!(q.nodes[idx(B2)].disk.log, vec![noop(1); 3]);
    assert!(
        !traced(&out)
            .iter()
            .any(|e| matches!(e, QuorumEvent::Truncated { .. }))
    );
    assert!(
        sent(&out)
            .iter()
            .any(|(from, to, msg)| (*from, *to) == (B2, B3)
                && matches!(msg, PeerMsg::AppendResult { success: false, .. }))
    );
}

/// Raft §5.1 (Figure 2, "Receiver implementation" 1): a request of an
/// older term is refused with the receiver's newer term, and the
/// receiver's term stays. Ra: ra_server.erl answers an append_entries_rpc
/// or request_vote_rpc of a lower term with its own current term.
#[test]
fn terms_never_go_back() {
    let mut q = cluster();
    set_log(&mut q, B2, 3, vec![noop(1), noop(3)], 2);
    q.node(B2).disk.voted_for = Some(B3);

    let out = deliver(&mut q, B1, B2, append_entries(2, 2, 3, vec![noop(2)]));
    assert_eq!(q.nodes[idx(B2)].disk.term, 3);
    assert_eq!(q.nodes[idx(B2)].disk.log, vec![noop(1), noop(3)]);
    assert!(sent(&out).iter().any(|(_, to, msg)| *to == B1
        && matches!(
            msg,
            PeerMsg::AppendResult {
                term: 3,
                success: false,
                ..
            }
        )));

    let out = deliver(&mut q, B1, B2, request_vote(2, 9, 3));
    assert_eq!(q.nodes[idx(B2)].disk.term, 3);
    assert_eq!(q.nodes[idx(B2)].disk.voted_for, Some(B3));
    assert!(sent(&out).iter().any(|(_, to, msg)| *to == B1
        && matches!(
            msg,
            PeerMsg::Vote {
                term: 3,
                granted: false,
                ..
            }
        )));
}

/// Raft §5.4.2 and Figure 8: a leader does not commit an entry of an
/// earlier term by counting replicas; it commits one of its own term, and
/// the earlier entries with it. Ra: ra_server.erl's leader only advances
/// its commit index to an index whose entry has the current term.
#[test]
fn commit_needs_a_majority_of_the_current_term() {
    let mut q = cluster();
    // b1 leads term 3 with an entry of term 2 at index 2, held by b1 alone.
    set_log(&mut q, B1, 3, vec![noop(1), noop(2)], 1);
    {
        let m = q.node(B1).process.member.as_deref_mut().unwrap();
        m.role = RaftRole::Leader;
        m.leader = Some(B1);
        m.match_index = vec![2, 1, 1];
        m.next_index = vec![3, 3, 3];
    }

    // b2 now holds index 2 as well: a majority, but of an old term.
    let reply = PeerMsg::AppendResult {
        term: 3,
        success: true,
        index: 2,
        voter: true,
    };
    let out = deliver(&mut q, B2, B1, reply);
    assert_eq!(q.member(B1).unwrap().commit, 1);
    assert_eq!(q.nodes[idx(B1)].disk.applied, 1);
    assert!(!sent(&out).iter().any(|(_, _, msg)| matches!(
        msg,
        PeerMsg::AppendEntries { commit, .. } if *commit > 1
    )));

    // The leader's own entry (term 3) at index 3, held by b1 and b2: both commit.
    let mut out = Out::default();
    q.append(B1, Command::Noop, &mut out);
    assert_eq!(q.nodes[idx(B1)].disk.log[2], noop(3));
    assert_eq!(q.member(B1).unwrap().commit, 1);
    let reply = PeerMsg::AppendResult {
        term: 3,
        success: true,
        index: 3,
        voter: true,
    };
    deliver(&mut q, B2, B1, reply);
    assert_eq!(q.member(B1).unwrap().commit, 3);
    assert_eq!(q.nodes[idx(B1)].disk.applied, 3);
}

/// Raft §5.4.1 (election restriction): a vote goes only to a candidate
/// whose log is at least as up to date: a later last term, or the same
/// last term and at least as long. Ra: ra_server.erl's handling of
/// request_vote_rpc compares the candidate's last index and term.
#[test]
fn a_vote_is_refused_to_a_candidate_with_a_less_up_to_date_log() {
    let mut q = cluster();
    set_log(&mut q, B2, 2, vec![noop(1), noop(2)], 1);

    // A longer log of an older last term is less up to date.
    let out = deliver(&mut q, B3, B2, request_vote(3, 5, 1));
    assert!(sent(&out).iter().any(|(_, to, msg)| *to == B3
        && matches!(
            msg,
            PeerMsg::Vote {
                term: 3,
                granted: false,
                ..
            }
        )));
    // The candidate's newer term is still adopted (§5.1), without a vote.
    assert_eq!(q.nodes[idx(B2)].disk.term, 3);
    assert_eq!(q.nodes[idx(B2)].disk.voted_for, None);

    // The same last term but a shorter log is less up to date.
    let out = deliver(&mut q, B3, B2, request_vote(3, 1, 2));
    assert!(
        sent(&out)
            .iter()
            .any(|(_, to, msg)| *to == B3 && matches!(msg, PeerMsg::Vote { granted: false, .. }))
    );
    assert_eq!(q.nodes[idx(B2)].disk.voted_for, None);

    // A log as up to date as its own gets the vote.
    let out = deliver(&mut q, B1, B2, request_vote(3, 2, 2));
    assert!(sent(&out).iter().any(|(_, to, msg)| *to == B1
        && matches!(
            msg,
            PeerMsg::Vote {
                term: 3,
                granted: true,
                ..
            }
        )));
    assert_eq!(q.nodes[idx(B2)].disk.voted_for, Some(B1));
}
