//! The Erlang distribution connection between two nodes. It is one TCP
//! connection: while it lasts, everything sent on it arrives, in order,
//! even across a cut shorter than `net_ticktime` (TCP retransmits once the
//! network heals); only when a node declares the other down is it closed,
//! and what was in flight on it is gone. The simulated network drops
//! packets across a cut, so each node numbers what it sends on a
//! connection, keeps it until the peer acknowledges it (on its ticks and on
//! the packets it sends back), and resends from the first gap the peer
//! reports. Without this a master cut off for less than `net_ticktime`
//! would wait forever for acknowledgements its mirrors never got the
//! publishes for.

use std::collections::VecDeque;

pub use super::protocol::{ConnId, LinkAck};
use super::*;

/// One node's side of its connection with one peer.
#[derive(Clone, Debug, Default)]
pub(super) struct Link {
    /// Our connection to the peer and the last number sent on it.
    out: ConnId,
    sent: u64,
    /// Sent, not yet acknowledged.
    unacked: VecDeque<(u64, PeerMsg)>,
    /// The peer's connection to us and how far we have it in order.
    received: LinkAck,
    /// The gap we last asked the peer to resend from.
    asked: u64,
}

impl Mirrored {
    /// Sends `msg` from `from` to `to`: queue traffic on the connection, if
    /// `from` counts `to` as up, heartbeats and handshakes as they are.
    pub(super) fn send(&mut self, from: BrokerId, to: BrokerId, msg: PeerMsg, out: &mut Out) {
        let node = &self.nodes[usize::from(from.0)];
        let peer = &node.process.peers[usize::from(to.0)];
        if !msg.on_connection() || !peer.up {
            out.send(me(from), me(to), Payload::Mirrored(msg));
            return;
        }
        let (incarnation, to_incarnation) = (node.incarnation, peer.incarnation);
        let link = &mut self.node(from).links[usize::from(to.0)];
        if link.out.from_incarnation != incarnation || link.out.to_incarnation != to_incarnation {
            // A new connection: either end restarted since the last one.
            link.out = ConnId {
                from_incarnation: incarnation,
                number: link.out.number + 1,
                to_incarnation,
            };
            link.sent = 0;
            link.unacked.clear();
        }
        link.sent += 1;
        let seq = link.sent;
        link.unacked.push_back((seq, msg.clone()));
        let conn = link.out;
        let ack = link.received;
        let packet = PeerMsg::Seq {
            conn,
            seq,
            ack,
            msg: Box::new(msg),
        };
        out.send(me(from), me(to), Payload::Mirrored(packet));
    }

    /// `x` declared `p` down or saw it leave: the connection is closed and
    /// what was in flight on it is lost.
    pub(super) fn close_link(&mut self, x: BrokerId, p: BrokerId) {
        let link = &mut self.node(x).links[usize::from(p.0)];
        link.out.number += 1;
        link.sent = 0;
        link.unacked.clear();
    }

    /// The application restarted on `b` (a new incarnation): every
    /// connection starts over.
    pub(super) fn reset_links(&mut self, b: BrokerId) {
        for link in &mut self.node(b).links {
            *link = Link {
                out: link.out,
                ..Link::default()
            };
        }
    }

    /// What `x` acknowledges of `p`'s connection to it (sent on ticks).
    pub(super) fn link_ack(&self, x: BrokerId, p: BrokerId) -> LinkAck {
        self.nodes[usize::from(x.0)].links[usize::from(p.0)].received
    }

    /// How far `x` has sent on its connection to `p` (sent on ticks, so a
    /// lost tail shows as a gap).
    pub(super) fn link_sent(&self, x: BrokerId, p: BrokerId) -> LinkAck {
        let link = &self.nodes[usize::from(x.0)].links[usize::from(p.0)];
        LinkAck {
            conn: link.out,
            upto: link.sent,
        }
    }

    /// `p` acknowledged `ack` of `x`'s connection to it.
    pub(super) fn link_acked(&mut self, x: BrokerId, p: BrokerId, ack: LinkAck) {
        let link = &mut self.node(x).links[usize::from(p.0)];
        if ack.conn != link.out {
            return;
        }
        while link
            .unacked
            .front()
            .is_some_and(|(seq, _)| *seq <= ack.upto)
        {
            link.unacked.pop_front();
        }
    }

    /// Whether `x` takes packet `seq` of `conn` from `p` now: the next one
    /// in order on the newest connection addressed to this incarnation. A
    /// gap (packets lost across a cut) asks `p` to resend from it.
    pub(super) fn link_accept(
        &mut self,
        x: BrokerId,
        p: BrokerId,
        conn: ConnId,
        seq: u64,
        out: &mut Out,
    ) -> bool {
        if !self.link_current(x, p, conn) {
            return false;
        }
        let counts_p_up = self.nodes[usize::from(x.0)].process.peers[usize::from(p.0)].up;
        let link = &mut self.node(x).links[usize::from(p.0)];
        let next = link.received.upto + 1;
        if seq < next {
            return false;
        }
        if seq > next {
            if link.asked != next {
                link.asked = next;
                self.send(x, p, PeerMsg::Resend { conn, from: next }, out);
            }
            return false;
        }
        // `p` counts `x` up and sends on its connection, but `x` has
        // declared `p` down and not heard from it since. In Erlang a
        // connection is up at both ends or at neither: `p` could only send
        // once a handshake had brought `x` up too. The model's two ends
        // learn of a reconnection a tick apart, so the packet waits: it is
        // not taken, and `p` resends it when `x`, hearing `p`'s next tick,
        // counts it up and asks for the gap. Taking it only to drop it
        // would leave a master waiting forever for a mirror that never got
        // its `BecomeMirror` (found by the property sweep; the test
        // `a_mirror_that_reconnects_under_packet_loss_still_acknowledges_its_master`).
        if !counts_p_up {
            return false;
        }
        link.received.upto = seq;
        true
    }

    /// `p`'s tick says it has sent up to `sent` on its connection to `x`:
    /// anything missing from the tail is asked for again.
    pub(super) fn link_check_tail(
        &mut self,
        x: BrokerId,
        p: BrokerId,
        sent: LinkAck,
        out: &mut Out,
    ) {
        if sent.upto == 0 || !self.link_current(x, p, sent.conn) {
            return;
        }
        let link = &mut self.node(x).links[usize::from(p.0)];
        let next = link.received.upto + 1;
        if sent.upto >= next {
            link.asked = next;
            self.send(
                x,
                p,
                PeerMsg::Resend {
                    conn: sent.conn,
                    from: next,
                },
                out,
            );
        }
    }

    /// Whether `conn` is `p`'s current connection to `x` (a newer one
    /// replaces the old, whose late packets are then dropped).
    fn link_current(&mut self, x: BrokerId, p: BrokerId, conn: ConnId) -> bool {
        let incarnation = self.nodes[usize::from(x.0)].incarnation;
        let link = &mut self.node(x).links[usize::from(p.0)];
        if conn.to_incarnation != incarnation || conn < link.received.conn {
            return false;
        }
        if conn > link.received.conn {
            link.received = LinkAck { conn, upto: 0 };
            link.asked = 0;
        }
        true
    }

    /// `p` asks `x` to resend its connection from `from` on.
    pub(super) fn link_resend(
        &mut self,
        x: BrokerId,
        p: BrokerId,
        conn: ConnId,
        from: u64,
        out: &mut Out,
    ) {
        let link = &self.nodes[usize::from(x.0)].links[usize::from(p.0)];
        if conn != link.out {
            return;
        }
        let ack = link.received;
        let packets: Vec<PeerMsg> = link
            .unacked
            .iter()
            .filter(|(seq, _)| *seq >= from)
            .map(|(seq, msg)| PeerMsg::Seq {
                conn,
                seq: *seq,
                ack,
                msg: Box::new(msg.clone()),
            })
            .collect();
        for packet in packets {
            out.send(me(x), me(p), Payload::Mirrored(packet));
        }
    }
}
