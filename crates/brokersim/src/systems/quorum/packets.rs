//! Packets between nodes: dispatching each `PeerMsg` to its handler, and
//! the messages a node relays for its channels.

use super::*;

impl Quorum {
    pub(super) fn on_peer(
        &mut self,
        x: BrokerId,
        p: BrokerId,
        sender: u32,
        msg: PeerMsg,
        out: &mut Out,
    ) {
        if matches!(msg, PeerMsg::Leaving) {
            let peer = &mut self.node(x).process.peers[idx(p)];
            peer.alive = false;
            peer.connected = false;
            peer.declared_down = false;
            peer.last_heard = out.now;
            self.peer_down(x, p, PeerLoss::Exited, out);
            self.check_minority(x, out);
            return;
        }
        if matches!(msg, PeerMsg::ConnectionClosed) {
            self.distribution_closed(x, p, sender, out);
            return;
        }
        self.heard_from(x, p, sender, msg.is_heartbeat(), out);
        if self.nodes[idx(x)].process.app_paused {
            return;
        }
        match msg {
            PeerMsg::RequestVote {
                term,
                last_index,
                last_term,
                pre_vote,
            } => self.on_request_vote(x, p, term, last_index, last_term, pre_vote, out),
            PeerMsg::Vote {
                term,
                granted,
                pre_vote,
            } => self.on_vote(x, p, term, granted, pre_vote, out),
            PeerMsg::AppendEntries {
                term,
                prev_index,
                prev_term,
                entries,
                commit,
                promote,
            } => {
                self.on_append(x, p, term, prev_index, prev_term, *entries, commit, out);
                if promote {
                    self.promoted(x, p, term);
                }
            }
            PeerMsg::AppendResult {
                term,
                success,
                index,
                voter,
            } => {
                self.track_voter(x, p, term, voter, out);
                self.on_append_result(x, p, term, success, index, out);
            }
            PeerMsg::NewLeader { term } => self.on_new_leader(x, p, term, out),
            _ => self.on_relay(x, p, msg, out),
        }
    }

    /// The leader announces itself after an election, or again to a node
    /// it lost sight of: the node's channels register with it again.
    pub(super) fn on_new_leader(&mut self, x: BrokerId, p: BrokerId, term: u32, out: &mut Out) {
        if self.nodes[idx(x)]
            .process
            .leader
            .is_some_and(|(_, t)| t > term)
        {
            return;
        }
        if let Some(m) = self.member(x)
            && (m.leader != Some(p) || self.nodes[idx(x)].disk.term != term)
        {
            // Members learn who leads from its AppendEntries, not from this.
            return;
        }
        self.node(x).process.leader = Some((p, term));
        self.resubscribe(x, out);
        self.resend_pending(x, true, out);
    }

    pub(super) fn on_relay(&mut self, x: BrokerId, p: BrokerId, msg: PeerMsg, out: &mut Out) {
        match msg {
            // A member that no longer leads drops it: the channel resends
            // to the leader it learns of.
            PeerMsg::Submit { command } if self.is_leader(x) => self.append(x, command, out),
            PeerMsg::ConfirmVia {
                client,
                conn,
                msg,
                corr,
            } => self.settled(x, corr, client, conn, Some(msg), out),
            PeerMsg::Applied { corr } => {
                self.node(x).process.pending.remove(&corr);
            }
            PeerMsg::SubscribeVia {
                client,
                conn,
                prefetch,
                auto_ack,
            } => {
                let checkout = Command::Checkout {
                    consumer: client,
                    conn,
                    prefetch,
                    auto_ack,
                    via: p,
                };
                self.append(x, checkout, out);
            }
            PeerMsg::DeliverVia {
                client,
                conn,
                msg,
                redelivered,
                resend,
                auto_ack,
            } => {
                let flags = (redelivered, resend, auto_ack);
                self.hand_over(x, client, conn, msg, flags, out);
                if !auto_ack {
                    self.send(x, p, PeerMsg::Handed { client, conn, msg }, out);
                }
            }
            PeerMsg::WhoLeads if self.is_leader(x) => {
                let term = self.nodes[idx(x)].disk.term;
                self.send(x, p, PeerMsg::NewLeader { term }, out);
                self.redeliver(x, Some(p), out);
            }
            PeerMsg::Handed { client, conn, msg } => {
                if let Some(m) = self.member_mut(x) {
                    m.in_flight.remove(&(client, conn, msg));
                }
            }
            _ => {}
        }
    }

    /// Running members that act as leader (several while a deposed one has
    /// not heard of the new term yet).
    pub(super) fn leader_nodes(&self) -> Vec<BrokerId> {
        self.all()
            .filter(|b| {
                let node = &self.nodes[idx(*b)];
                node.process.running && !node.process.app_paused && self.is_leader(*b)
            })
            .collect()
    }

    /// Whether the leader on `b` reaches a majority of members, as its
    /// failure detector sees them.
    pub(super) fn reaches_majority(&self, b: BrokerId) -> bool {
        let peers = &self.nodes[idx(b)].process.peers;
        let reachable = self
            .members
            .iter()
            .filter(|p| **p == b || peers[idx(**p)].alive)
            .fold(0u16, |mask, p| mask | broker_bit(*p));
        self.majority(reachable)
    }

    /// The committed prefix as the most advanced member knows it: (index, term at it).
    pub(super) fn committed_reference(&self) -> Option<(u64, u32)> {
        self.members
            .iter()
            .filter_map(|b| {
                let node = &self.nodes[idx(*b)];
                let m = node.process.member.as_deref()?;
                Some((m.commit, node.disk.term_at(m.commit)))
            })
            .max()
    }
}
