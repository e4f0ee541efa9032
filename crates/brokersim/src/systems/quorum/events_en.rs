//! The English sentences for quorum queue (Raft) events, one for one with
//! `events_zh.rs`.

use super::events::QuorumEvent;
use crate::ids::BrokerId;

pub fn explain(event: &QuorumEvent) -> String {
    match event {
        QuorumEvent::Declared { leader, members } => format!(
            "quorum queue q declared on {} (x-quorum-initial-group-size {}); {leader} leads term 1",
            list(members),
            members.len()
        ),
        QuorumEvent::ElectionStarted { broker, term } => format!(
            "{broker} stood for election in term {term}: its pre-vote found a majority that had lost the leader"
        ),
        QuorumEvent::LeaderElected {
            broker,
            term,
            votes,
            members,
        } => format!(
            "{broker} elected leader of q in term {term} with {votes} of {members} votes (a majority, and its log as up to date as theirs)"
        ),
        QuorumEvent::SteppedDown {
            broker,
            term,
            uncommitted: 0,
        } => format!("{broker} learnt of term {term} and stepped down as leader"),
        QuorumEvent::SteppedDown {
            broker,
            term,
            uncommitted,
        } => format!(
            "{broker} learnt of term {term} and stepped down as leader; its {uncommitted} uncommitted entries never reached a majority and will be discarded"
        ),
        QuorumEvent::Truncated {
            broker,
            entries,
            messages,
        } => format!(
            "{broker} truncated {entries} uncommitted log entries ({messages} messages) that conflict with the new leader's log: none of them had been confirmed"
        ),
        QuorumEvent::Recovered {
            broker,
            entries,
            term,
        } => format!(
            "{broker} recovered its quorum queue member from disk: {entries} log entries, term {term}"
        ),
        QuorumEvent::CaughtUp { broker, index } => format!(
            "{broker} caught up with the leader's log (index {index}): it holds the committed prefix again"
        ),
        QuorumEvent::NoQuorum {
            leader,
            reachable,
            members,
        } => format!(
            "{leader} still leads but reaches {reachable} of {members} members, not a majority: what it appends cannot commit, so it confirms nothing"
        ),
        QuorumEvent::DeliveryLimit {
            msg,
            returns,
            limit,
        } => format!(
            "message {msg} returned {returns} times, more than delivery-limit {limit}: dropped (dead-lettered if a dead-letter exchange is set)"
        ),
    }
}

fn list(brokers: &[BrokerId]) -> String {
    brokers
        .iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
