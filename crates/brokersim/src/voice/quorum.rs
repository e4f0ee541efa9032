//! What each quorum queue (Raft) event says, in no language.

use super::catalogue::Key;
use super::phrase::Phrase;
use crate::systems::quorum::events::QuorumEvent;

pub fn phrase(event: &QuorumEvent) -> Phrase {
    use Phrase as P;
    match event {
        QuorumEvent::Declared { leader, members } => P::new(Key::QuorumDeclared)
            .with("members", members)
            .with("size", members.len())
            .with("leader", *leader),
        QuorumEvent::ElectionStarted { broker, term } => P::new(Key::QuorumElectionStarted)
            .with("broker", *broker)
            .with("term", *term),
        QuorumEvent::LeaderElected {
            broker,
            term,
            votes,
            members,
        } => P::new(Key::QuorumLeaderElected)
            .with("broker", *broker)
            .with("term", *term)
            .with("votes", *votes)
            .with("members", *members),
        QuorumEvent::SteppedDown {
            broker,
            term,
            uncommitted,
        } => P::new(if *uncommitted == 0 {
            Key::QuorumSteppedDown
        } else {
            Key::QuorumSteppedDownDiscarding
        })
        .with("broker", *broker)
        .with("term", *term)
        .with("uncommitted", *uncommitted),
        QuorumEvent::Truncated {
            broker,
            entries,
            messages,
        } => P::new(Key::QuorumTruncated)
            .with("broker", *broker)
            .with("entries", *entries)
            .with("messages", *messages),
        QuorumEvent::Recovered {
            broker,
            entries,
            term,
        } => P::new(Key::QuorumRecovered)
            .with("broker", *broker)
            .with("entries", *entries)
            .with("term", *term),
        QuorumEvent::CaughtUp { broker, index } => P::new(Key::QuorumCaughtUp)
            .with("broker", *broker)
            .with("index", *index),
        QuorumEvent::NoQuorum {
            leader,
            reachable,
            members,
        } => P::new(Key::QuorumNoQuorum)
            .with("leader", *leader)
            .with("reachable", *reachable)
            .with("members", *members),
        QuorumEvent::DeliveryLimit {
            msg,
            returns,
            limit,
        } => P::new(Key::QuorumDeliveryLimit)
            .with("msg", *msg)
            .with("returns", *returns)
            .with("limit", *limit),
    }
}
