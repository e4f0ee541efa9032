//! The loop's body: one queued item (a packet, a timer, a fault) handed to
//! whoever it is for, then what they asked for carried out: packets onto
//! the network, timers into the queue, events into the trace and ledger.

use super::*;

impl Sim {
    // ----- the loop -----------------------------------------------------------

    pub(super) fn process(&mut self, q: queue::Queued) {
        if q.at > self.now {
            self.report_lasting_split_brain();
        }
        self.now = q.at;
        self.out.now = q.at;
        self.stats.processed += 1;
        match q.item {
            Item::Packet {
                from,
                to,
                sent_at,
                payload,
            } => self.deliver(from, to, sent_at, payload),
            Item::Timer {
                owner,
                incarnation,
                kind,
                site,
            } => self.fire(owner, incarnation, kind, site),
            Item::Replicate(link) => self.replicate(usize::from(link)),
            Item::Checkpoint(link) => self.checkpoint(usize::from(link)),
            Item::Fault(i) => {
                let kind = self.config.faults[i as usize].kind.clone();
                self.apply_fault(&kind);
            }
            Item::Resume {
                broker,
                incarnation,
            } => {
                let b = &mut self.brokers[usize::from(broker.0)];
                if b.incarnation == incarnation && b.status == BrokerStatus::Paused {
                    b.status = BrokerStatus::Up;
                    self.out.trace(Event::Resumed(broker));
                }
            }
            Item::EndFaultPhase => self.begin_drain(),
            Item::DrainCheck => self.drain_check(),
        }
        self.apply_actions();
    }

    pub(super) fn deliver(&mut self, from: Addr, to: Addr, sent_at: SimTime, payload: Payload) {
        if !self.net.can_reach(from, to) {
            self.packet_vanished(&payload);
            return;
        }
        match to {
            Addr::Controller => {
                let site = self.controller_site(from);
                if self.site_is_out(site) {
                    return;
                }
                let from = self.localize(from);
                self.call_system(site, |s, out| s.controller_receive(from, payload, out));
            }
            Addr::Broker(b) => {
                let proc = &self.brokers[usize::from(b.0)];
                match proc.status {
                    BrokerStatus::Up => {
                        let (site, local) = self.local(b);
                        let from = self.localize(from);
                        self.call_system(site, |s, out| s.receive(local, from, payload, out));
                    }
                    BrokerStatus::Paused => {
                        // The kernel buffers it; the frozen process reads it on resuming.
                        let at = proc.paused_until;
                        self.push(
                            at,
                            Item::Packet {
                                from,
                                to,
                                sent_at,
                                payload,
                            },
                        );
                    }
                    BrokerStatus::Stopped | BrokerStatus::Killed => {
                        // The host is up but nothing listens: the kernel answers.
                        let reply = match payload {
                            Payload::Connect { conn, .. } => Some(Payload::ConnectRefused { conn }),
                            Payload::Publish { conn, .. }
                            | Payload::Subscribe { conn, .. }
                            | Payload::Ack { conn, .. }
                            | Payload::ClientHeartbeat { conn } => Some(Payload::Reset { conn }),
                            // Kafka clients open a connection per request here.
                            Payload::Kafka(_)
                                if !matches!(from, Addr::Broker(_) | Addr::Controller) =>
                            {
                                Some(Payload::Reset { conn: 0 })
                            }
                            _ => None,
                        };
                        if let Some(reply) = reply {
                            self.out.send(to, from, reply);
                        }
                    }
                    BrokerStatus::Crashed => {}
                }
            }
            Addr::Producer(_) | Addr::Consumer(_) => {
                let crashed = match to {
                    Addr::Producer(p) => self.producers[usize::from(p.0)].crashed(),
                    Addr::Consumer(c) => self.consumers[usize::from(c.0)].crashed(),
                    Addr::Broker(_) | Addr::Controller => false,
                };
                if crashed {
                    self.packet_vanished(&payload);
                    return;
                }
                if let Addr::Broker(b) = from
                    && !self.client_hears(to, b)
                {
                    // A connection to a site the client was moved away from.
                    self.packet_vanished(&payload);
                    return;
                }
                let from = self.localize(from);
                self.with_client(to, |client, ctx| match client {
                    ClientRef::Producer(p) => p.on_packet(from, payload, ctx),
                    ClientRef::Consumer(c) => c.on_packet(from, payload, ctx),
                });
            }
        }
    }

    /// A packet reached nobody. A delivery may have carried the last copy
    /// of its message (see `Ledger::delivery_lost`).
    fn packet_vanished(&mut self, payload: &Payload) {
        if let Payload::Deliver { msg, .. } = payload {
            self.ledger.delivery_lost(*msg, self.now);
        }
    }

    /// Runs one step of a live client with its context, then turns the
    /// broker ids it used into the engine's.
    pub(super) fn with_client(&mut self, client: Addr, f: impl FnOnce(ClientRef, &mut ClientCtx)) {
        self.client_step(client, true, f);
    }

    /// As `with_client`, for a client that may be crashed (to restart it).
    pub(super) fn with_any_client(
        &mut self,
        client: Addr,
        f: impl FnOnce(ClientRef, &mut ClientCtx),
    ) {
        self.client_step(client, false, f);
    }

    fn client_step(
        &mut self,
        client: Addr,
        live_only: bool,
        f: impl FnOnce(ClientRef, &mut ClientCtx),
    ) {
        let mark = self.out.actions.len();
        let publishing_open = self.phase == Phase::Faults;
        let ledger = match client {
            Addr::Producer(p) if self.sites.is_relay(usize::from(p.0)) => {
                &mut self.sites.relay_ledger
            }
            _ => &mut self.ledger,
        };
        let mut ctx = ClientCtx {
            out: &mut self.out,
            ledger,
            publishing_open,
        };
        let target = match client {
            Addr::Producer(p) => ClientRef::Producer(&mut self.producers[usize::from(p.0)]),
            Addr::Consumer(c) => ClientRef::Consumer(&mut self.consumers[usize::from(c.0)]),
            Addr::Broker(_) | Addr::Controller => return,
        };
        if live_only && target.crashed() {
            return;
        }
        f(target, &mut ctx);
        self.globalize_client(client, mark);
    }

    /// A client's index into `client_incarnation`; brokers and the
    /// controller have none (validation never makes them client targets).
    pub(super) fn client_slot(&self, client: Addr) -> usize {
        match client {
            Addr::Producer(p) => usize::from(p.0),
            Addr::Consumer(c) => self.producers.len() + usize::from(c.0),
            Addr::Broker(_) | Addr::Controller => unreachable!("{client} is not a client"),
        }
    }

    /// The incarnation a timer set now by `owner` belongs to.
    pub(super) fn incarnation_of(&self, owner: Addr) -> u32 {
        match owner {
            Addr::Broker(b) => self.brokers[usize::from(b.0)].incarnation,
            // The controller quorum never fails as a whole here.
            Addr::Controller => 1,
            client => self.client_incarnation[self.client_slot(client)],
        }
    }

    pub(super) fn fire(&mut self, owner: Addr, incarnation: u32, kind: TimerKind, site: u8) {
        match (owner, kind) {
            (Addr::Controller, TimerKind::System(timer)) => {
                if self.site_is_out(site) {
                    // The controller quorum is down with its site: it
                    // resumes its rounds when the site returns.
                    if !self.sites.lost[usize::from(site)] {
                        let item = Item::Timer {
                            owner,
                            incarnation,
                            kind,
                            site,
                        };
                        self.push(self.now.after_ms(1_000), item);
                    }
                    return;
                }
                self.call_system(site, |s, out| s.controller_timer(timer, out))
            }
            (Addr::Broker(b), TimerKind::System(timer)) => {
                let proc = &self.brokers[usize::from(b.0)];
                if proc.incarnation != incarnation {
                    return;
                }
                match proc.status {
                    BrokerStatus::Up => {
                        let (site, local) = self.local(b);
                        self.call_system(site, |s, out| s.timer(local, timer, out));
                    }
                    BrokerStatus::Paused => {
                        let at = proc.paused_until;
                        self.push(
                            at,
                            Item::Timer {
                                owner,
                                incarnation,
                                kind,
                                site,
                            },
                        );
                    }
                    _ => {}
                }
            }
            (Addr::Producer(_) | Addr::Consumer(_), TimerKind::Client(timer)) => {
                if self.client_incarnation[self.client_slot(owner)] != incarnation {
                    return;
                }
                self.with_client(owner, |client, ctx| match client {
                    ClientRef::Producer(p) => p.on_timer(timer, ctx),
                    ClientRef::Consumer(c) => c.on_timer(timer, ctx),
                });
            }
            _ => {}
        }
    }

    /// Carries out what the actors asked for, including what that causes.
    pub(super) fn apply_actions(&mut self) {
        let mut topology_changed = false;
        while !self.out.actions.is_empty() {
            // Swap in the spare buffer, so that neither is ever reallocated.
            let mut actions = std::mem::take(&mut self.spare_actions);
            std::mem::swap(&mut actions, &mut self.out.actions);
            for action in actions.drain(..) {
                match action {
                    Action::Send { from, to, payload } => {
                        if let Some(at) = self.net.transit(from, to, self.now, &mut self.rng) {
                            self.push(
                                at,
                                Item::Packet {
                                    from,
                                    to,
                                    sent_at: self.now,
                                    payload,
                                },
                            );
                        } else {
                            self.packet_vanished(&payload);
                        }
                    }
                    Action::Timer {
                        owner,
                        after_us,
                        jitter_us,
                        kind,
                    } => self.schedule_timer(owner, after_us, jitter_us, kind, 0),
                    Action::SiteTimer {
                        site,
                        owner,
                        after_us,
                        jitter_us,
                        kind,
                    } => self.schedule_timer(owner, after_us, jitter_us, kind, site),
                    Action::Trace(event) => {
                        topology_changed |= !event.is_message();
                        self.record(event);
                    }
                    Action::CopyAdded { msg, holder, layer } => {
                        self.ledger.copy_added(msg, holder, layer)
                    }
                    Action::CopyStored { msg, holder } => self.ledger.copy_stored(msg, holder),
                    Action::CopyDropped { msg, holder, why } => {
                        self.ledger.copy_dropped(msg, holder, why, self.now)
                    }
                    Action::CopyConsumed { msg, holder } => {
                        self.ledger.copy_consumed(msg, holder, self.now)
                    }
                    Action::Leader {
                        queue,
                        broker,
                        epoch,
                    } => {
                        if let Some(v) = self.invariants.leader(self.now, queue, broker, epoch) {
                            self.trace.record(self.now, Event::Violation(v));
                        }
                    }
                    Action::Halt { broker } => {
                        self.stop_broker(broker);
                        topology_changed = true;
                    }
                }
            }
            self.spare_actions = actions;
        }
        if topology_changed {
            self.update_writable();
        }
    }

    fn schedule_timer(
        &mut self,
        owner: Addr,
        after_us: u64,
        jitter_us: u64,
        kind: TimerKind,
        site: u8,
    ) {
        let jitter = if jitter_us > 0 {
            self.rng.in_range(0, jitter_us)
        } else {
            0
        };
        let incarnation = self.incarnation_of(owner);
        self.push(
            self.now.after_us(after_us + jitter),
            Item::Timer {
                owner,
                incarnation,
                kind,
                site,
            },
        );
    }

    /// Records an event whose broker ids start at `offset` (see `sites`).
    pub(super) fn record(&mut self, event: Event) {
        match &event {
            Event::DeclaredDown {
                target: Addr::Broker(b),
                ..
            } => {
                let proc = &mut self.brokers[usize::from(b.0)];
                if let Some(failed_at) = proc.failed_at.take() {
                    self.stats.detection_ms.push(self.now.ms_since(failed_at));
                }
            }
            Event::Promoted { .. } => self.stats.failovers += 1,
            Event::Quorum(e) if e.is_failover() => self.stats.failovers += 1,
            Event::Kafka(k) if k.is_failover() => self.stats.failovers += 1,
            Event::LockAcquired { .. } if self.now > SimTime::ZERO => self.stats.failovers += 1,
            Event::Delivered { msg, .. } if self.ledger.get(*msg).is_none() => {
                self.invariants.add(
                    self.now.as_ms(),
                    Violation::DeliveredUnpublished { msg: *msg },
                );
            }
            _ => {}
        }
        self.stats.last_activity = self.now;
        self.trace.record(self.now, event);
    }

    pub(super) fn update_writable(&mut self) {
        // Leaders by queue, each site's queues numbered after the previous site's.
        let mut leaders: Vec<Vec<BrokerId>> = Vec::new();
        let mut active_queues = 0..0;
        let active_site = self.active_site();
        for (site, system) in self.systems.iter().enumerate() {
            let system = system.as_ref_dyn();
            let first = leaders.len();
            leaders.resize(first + usize::from(system.queues()), Vec::new());
            if site == usize::from(active_site) {
                active_queues = first..leaders.len();
            }
            let base = self.config.sites[site].base;
            for (queue, broker) in system.leaders() {
                let broker = BrokerId(broker.0 + base);
                if self.brokers[usize::from(broker.0)].status == BrokerStatus::Up
                    && let Some(list) = leaders.get_mut(first + usize::from(queue))
                {
                    list.push(broker);
                }
            }
        }
        // Writable when every queue (Kafka: every partition) of the site
        // the applications use has a leader.
        let writable = leaders[active_queues].iter().all(|l| !l.is_empty());
        // A split brain is reported once it outlasts the instant it appeared
        // in: a zombie leader waking up may step down at that same instant.
        if let Some(split) = leaders.into_iter().find(|l| l.len() > 1) {
            if self.stats.split_since.is_none() {
                self.stats.split_since = Some((self.now, split));
            }
        } else {
            self.stats.split_since = None;
            self.stats.split_reported = false;
        }
        if !self.stats.writable {
            self.stats.unavailable_us += self.now.0 - self.stats.writable_checked_at.0;
        }
        self.stats.writable_checked_at = self.now;
        self.stats.writable = writable;
    }

    pub(super) fn report_lasting_split_brain(&mut self) {
        if self.stats.split_reported {
            return;
        }
        if let Some((since, leaders)) = &self.stats.split_since {
            let (since, leaders) = (*since, leaders.clone());
            self.stats.split_reported = true;
            self.trace.record(since, Event::SplitBrain { leaders });
        }
    }
}

/// The client a step is for.
pub(super) enum ClientRef<'a> {
    Producer(&'a mut AnyProducer),
    Consumer(&'a mut AnyConsumer),
}

impl ClientRef<'_> {
    fn crashed(&self) -> bool {
        match self {
            ClientRef::Producer(p) => p.crashed(),
            ClientRef::Consumer(c) => c.crashed(),
        }
    }
}
