//! Sorting trace events for the log's filters: which kind of thing happened
//! (a fault, a detection, a change of leadership, a client's connection, a
//! message's progress, a broken invariant) and whom it names.

use brokersim::trace::Event;

use crate::runner::is_message_event;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Fault,
    Detection,
    Leadership,
    Client,
    Message,
    Violation,
}

impl Kind {
    pub const FILTERABLE: [Kind; 5] = [
        Kind::Fault,
        Kind::Detection,
        Kind::Leadership,
        Kind::Client,
        Kind::Message,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Fault => "faults",
            Kind::Detection => "detection",
            Kind::Leadership => "leadership",
            Kind::Client => "clients",
            Kind::Message => "messages",
            Kind::Violation => "violations",
        }
    }

    pub fn css(self) -> &'static str {
        match self {
            Kind::Fault => "k-fault",
            Kind::Detection => "k-detect",
            Kind::Leadership => "k-lead",
            Kind::Client => "k-client",
            Kind::Message => "k-msg",
            Kind::Violation => "k-violation",
        }
    }
}

pub fn kind(event: &Event) -> Kind {
    if is_message_event(event) {
        return Kind::Message;
    }
    match event {
        Event::Crashed(_)
        | Event::CrashedWithDisk(_)
        | Event::Stopped(_)
        | Event::Restarted(_)
        | Event::Paused { .. }
        | Event::Resumed(_)
        | Event::DiskLost(_)
        | Event::Partitioned { .. }
        | Event::Healed
        | Event::LinkSlowed { .. }
        | Event::FaultPhaseEnded
        | Event::DrainFinished { .. } => Kind::Fault,
        Event::DeclaredDown { .. }
        | Event::BackInContact { .. }
        | Event::PeerDisconnected { .. }
        | Event::PartitionNoticed { .. } => Kind::Detection,
        Event::Connected { .. }
        | Event::ConnectFailed { .. }
        | Event::ConnectionLost { .. }
        | Event::ReconnectIn { .. }
        | Event::GaveUp { .. } => Kind::Client,
        Event::Violation { .. } => Kind::Violation,
        // A site's replicator copying one message: per-message progress.
        Event::Replicated { .. } => Kind::Message,
        // Everything a system does with its leader and replicas, including
        // events of systems added after this was written.
        _ => Kind::Leadership,
    }
}

/// Whether the event names `who` (`b2`, `p1`, `c1`) anywhere in its fields.
///
/// Names are plain (no quotes or backslashes), so a quoted string in the
/// event's JSON is the name itself. Reusing the JSON text writer, not a
/// `serde_json::Value`, keeps a second serializer out of the download.
pub fn mentions(event: &Event, who: &str) -> bool {
    let quoted = format!("\"{who}\"");
    let json = brokersim::json::to_string(event);
    json.match_indices(&quoted).any(|(at, _)| {
        // A value, not a key: a key is followed by a colon.
        !json[at + quoted.len()..].starts_with(':')
    })
}

/// The message an event is about, if it is about one.
pub fn message_of(event: &Event) -> Option<u32> {
    match event {
        Event::Published { msg, .. }
        | Event::Confirmed { msg }
        | Event::Nacked { msg, .. }
        | Event::ConfirmTimedOut { msg, .. }
        | Event::Unsent { msg, .. }
        | Event::Delivered { msg, .. } => Some(msg.0),
        _ => None,
    }
}

/// A sentence cut into plain text and message references (`#812`), so the
/// log can make each reference a button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Msg(u32),
}

pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('#') {
        let digits = rest[at + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - at - 1);
        if digits == 0 {
            out.push(Piece::Text(&rest[..=at]));
            rest = &rest[at + 1..];
            continue;
        }
        if at > 0 {
            out.push(Piece::Text(&rest[..at]));
        }
        match rest[at + 1..at + 1 + digits].parse() {
            Ok(id) => out.push(Piece::Msg(id)),
            Err(_) => out.push(Piece::Text(&rest[at..at + 1 + digits])),
        }
        rest = &rest[at + 1 + digits..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use brokersim::{Addr, BrokerId};

    #[test]
    fn message_references_become_pieces() {
        assert_eq!(
            pieces("confirmed message #812 lost, # not"),
            vec![
                Piece::Text("confirmed message "),
                Piece::Msg(812),
                Piece::Text(" lost, #"),
                Piece::Text(" not"),
            ]
        );
    }

    #[test]
    fn events_are_sorted_and_know_whom_they_name() {
        let crash = Event::Crashed(Addr::Broker(BrokerId(1)));
        assert_eq!(kind(&crash), Kind::Fault);
        assert!(mentions(&crash, "b2"));
        assert!(!mentions(&crash, "b1"));
    }
}
