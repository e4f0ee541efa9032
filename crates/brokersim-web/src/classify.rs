//! Sorting trace events for the log's filters: which kind of thing happened
//! (the core's `Event::category`: a fault, a detection, a change of
//! leadership, a client's connection, a site's fate, a message's progress,
//! a broken invariant) and whom it names.

use brokersim::trace::{Category, Event};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Fault,
    Detection,
    Leadership,
    Client,
    Site,
    Message,
    Violation,
}

impl Kind {
    pub const FILTERABLE: [Kind; 6] = [
        Kind::Fault,
        Kind::Detection,
        Kind::Leadership,
        Kind::Client,
        Kind::Site,
        Kind::Message,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Fault => "faults",
            Kind::Detection => "detection",
            Kind::Leadership => "leadership",
            Kind::Client => "clients",
            Kind::Site => "sites",
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
            Kind::Site => "k-site",
            Kind::Message => "k-msg",
            Kind::Violation => "k-violation",
        }
    }
}

pub fn kind(event: &Event) -> Kind {
    match event.category() {
        Category::Message => Kind::Message,
        Category::Fault => Kind::Fault,
        Category::Detection => Kind::Detection,
        Category::Leadership => Kind::Leadership,
        Category::Client => Kind::Client,
        Category::Site => Kind::Site,
        Category::Violation => Kind::Violation,
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

#[cfg(test)]
mod tests {
    use super::*;
    use brokersim::{Addr, BrokerId};

    #[test]
    fn events_are_sorted_and_know_whom_they_name() {
        let crash = Event::Crashed(Addr::Broker(BrokerId(1)));
        assert_eq!(kind(&crash), Kind::Fault);
        assert!(mentions(&crash, "b2"));
        assert!(!mentions(&crash, "b1"));
        let kill = Event::Killed(Addr::Consumer(brokersim::ClientId(0)));
        assert_eq!(kind(&kill), Kind::Fault);
        assert!(mentions(&kill, "c1"));
    }
}
