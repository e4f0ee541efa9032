//! What a run shows: the report and the view a front end draws.

use super::*;
use crate::naming::Names;

impl Sim {
    // ----- results ------------------------------------------------------------------

    /// The report so far; final once the run is finished.
    pub fn report(&self) -> Report {
        let mut confirmed = 0;
        let mut rejected = 0;
        let mut delivered = 0;
        let mut duplicated = 0;
        // Until the final read, a confirmed message counts as lost once its
        // last copy is gone; nothing counts as unconsumed before the end.
        let mut lost_so_far = 0;
        for life in self.ledger.all() {
            let is_confirmed = life.confirmed_at.is_some();
            confirmed += u64::from(is_confirmed);
            rejected += u64::from(life.rejected_at.is_some() && !is_confirmed);
            delivered += u64::from(life.deliveries > 0);
            duplicated += u64::from(life.deliveries > 1);
            lost_so_far += u64::from(
                is_confirmed
                    && life.deliveries == 0
                    && life.copies == 0
                    && life.unrecoverable_at.is_some(),
            );
        }
        let outcome = self
            .outcome
            .as_deref()
            .cloned()
            .unwrap_or_else(|| super::outcome::Outcome {
                lost: lost_so_far,
                ..Default::default()
            });
        let published = self.ledger.published();
        let mut unavailable_us = self.stats.unavailable_us;
        if !self.stats.writable {
            unavailable_us += self.now.0.saturating_sub(self.stats.writable_checked_at.0);
        }
        let (rto_ms, rpo_messages) = self.rto_rpo();
        Report {
            published,
            confirmed,
            rejected,
            indeterminate: published - confirmed - rejected,
            delivered,
            redelivered: u64::from(self.ledger.redelivered),
            duplicated,
            unconsumed: outcome.unconsumed,
            lost: outcome.lost,
            unexpected: u64::from(self.ledger.unexpected),
            reordered: u64::from(self.ledger.reordered),
            unavailable_ms: unavailable_us / 1_000,
            failovers: self.stats.failovers,
            detection_ms: self.stats.detection_ms.clone(),
            rto_ms,
            rpo_messages,
            violations: self.invariants.violations.clone(),
            unconsumed_reasons: outcome.unconsumed_reasons,
            unconsumed_messages: outcome.unconsumed_messages,
            lost_causes: outcome.lost_causes,
            lost_messages: outcome.lost_messages,
            trace_hash: self.trace.hash_hex(),
        }
    }

    /// A client's view as the engine names things: a client knows the
    /// brokers of the site it is pointed at by position, so its broker is
    /// shifted to the engine's id; a replicator takes its name
    /// (`dr-federation`).
    fn client_view(
        &self,
        client: Addr,
        mut view: crate::view::ClientView,
    ) -> crate::view::ClientView {
        view.name = Names::addr(self.names(), client);
        if self.config.has_sites() {
            let base = self
                .site(self.sites.client_site[self.client_slot(client)])
                .base;
            if let Some(b) = &mut view.connected_to {
                b.0 += base;
            }
        }
        view
    }

    /// What a front end draws now.
    pub fn view(&self) -> View {
        let mut in_flight: Vec<PacketView> = self
            .queue
            .iter()
            .filter_map(|(at, item)| match item {
                Item::Packet {
                    from,
                    to,
                    sent_at,
                    payload,
                } => Some(PacketView {
                    from: *from,
                    to: *to,
                    sent_at: *sent_at,
                    arrives_at: at,
                    message: payload.message(),
                    heartbeat: payload.is_heartbeat(),
                    kind: payload_kind(payload),
                }),
                _ => None,
            })
            .collect();
        in_flight.sort_by_key(|p| (p.sent_at, p.arrives_at, p.from, p.to));
        View {
            now: self.now,
            draining: self.phase == Phase::Draining,
            finished: self.phase == Phase::Done,
            brokers: self
                .brokers
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let b = BrokerId(i as u16);
                    BrokerView {
                        name: self.broker_name(b),
                        site: self.site(self.config.site_of(b)).name.clone(),
                        status: p.status,
                        group: self.net.group_of(b),
                    }
                })
                .collect(),
            replicas: self.replicas(),
            producers: (self.producers.iter().enumerate())
                .map(|(i, p)| {
                    self.client_view(Addr::Producer(ClientId(i as u16)), p.view(self.now))
                })
                .collect(),
            consumers: (self.consumers.iter().enumerate())
                .map(|(i, c)| {
                    self.client_view(Addr::Consumer(ClientId(i as u16)), c.view(self.now))
                })
                .collect(),
            in_flight,
            suspicions: self.suspicions(),
            system: self.config.system.kind(),
            release: self.config.release,
            sites: self.site_views(),
            held: self
                .ledger
                .held()
                .into_iter()
                .map(|(holder, messages)| crate::view::HeldView { holder, messages })
                .collect(),
        }
    }

    /// Every copy of `msg` that exists now: on which broker (or shared
    /// store) in which role, in which packets, and what destroyed the last
    /// copy that went; `None` for a message nobody published.
    pub fn copies(&self, msg: crate::ids::MsgId) -> Option<crate::view::MessageCopies> {
        use crate::ledger::{Holder, NO_HOLDER};
        let life = self.ledger.get(msg)?;
        let replicas = self.replicas();
        let name = |h: Holder| match h {
            Holder::Broker(b) => self.broker_name(b),
            Holder::SharedStore => "shared_store".to_string(),
        };
        let stored = Holder::all_in(life.copies)
            .map(|holder| {
                let mut roles = replicas
                    .iter()
                    .filter(|r| Holder::Broker(r.broker) == holder);
                // A broker with replicas of several partitions has no one role.
                let role = match (roles.next(), roles.next()) {
                    (Some(r), None) => Some(r.role),
                    _ => None,
                };
                crate::view::CopyView {
                    holder,
                    name: name(holder),
                    role,
                    layer: life.layer(holder).unwrap_or(crate::ledger::Layer::Memory),
                }
            })
            .collect();
        let mut in_flight: Vec<(Addr, Addr)> = self
            .queue
            .iter()
            .filter_map(|(_, item)| match item {
                Item::Packet {
                    from, to, payload, ..
                } if payload.message() == Some(msg) => Some((*from, *to)),
                _ => None,
            })
            .collect();
        in_flight.sort();
        let last_drop = life.last_drop.map(|d| {
            let holder = (d.holder != NO_HOLDER)
                .then(|| Holder::from_bit(d.holder))
                .flatten()
                .map(name);
            (d.why.into(), holder)
        });
        Some(crate::view::MessageCopies {
            msg,
            stored,
            in_flight,
            last_drop,
            unrecoverable_at: life.unrecoverable_at,
        })
    }
}

impl Sim {
    /// Every site's replicas, in engine ids.
    fn replicas(&self) -> Vec<crate::view::ReplicaView> {
        let mut all = Vec::new();
        for (site, system) in self.systems.iter().enumerate() {
            let base = self.config.sites[site].base;
            all.extend(system.as_ref_dyn().replicas().into_iter().map(|mut r| {
                r.broker.0 += base;
                r
            }));
        }
        all
    }

    fn suspicions(&self) -> Vec<crate::view::Suspicion> {
        let mut all = Vec::new();
        for (site, system) in self.systems.iter().enumerate() {
            let base = self.config.sites[site].base;
            all.extend(
                system
                    .as_ref_dyn()
                    .suspicions(self.now)
                    .into_iter()
                    .map(|mut s| {
                        s.observer.0 += base;
                        s.target.0 += base;
                        s
                    }),
            );
        }
        all
    }
}

fn payload_kind(payload: &Payload) -> &'static str {
    match payload {
        Payload::Connect { .. } => "connect",
        Payload::Publish { .. } => "publish",
        Payload::Subscribe { .. } => "subscribe",
        Payload::Ack { .. } => "ack",
        Payload::ClientHeartbeat { .. } | Payload::BrokerHeartbeat { .. } => "heartbeat",
        Payload::Close { .. } | Payload::Closed { .. } => "close",
        Payload::ConnectOk { .. } => "connect-ok",
        Payload::ConnectRefused { .. } => "refused",
        Payload::Reset { .. } | Payload::SocketClosed { .. } => "reset",
        Payload::Confirm { .. } => "confirm",
        Payload::Nack { .. } => "nack",
        Payload::Deliver { .. } => "deliver",
        Payload::Mirrored(peer) => peer.kind(),
        Payload::Quorum { msg, .. } => msg.kind(),
        Payload::Kafka(msg) => msg.kind(),
    }
}
