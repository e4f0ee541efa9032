//! Faults applied to brokers, the network and clients: the process states
//! the engine owns (up, crashed, stopped, paused) and the incarnations that
//! make a dead process's timers go stale.

use super::dispatch::ClientRef;
use super::*;

impl Sim {
    // ----- faults ---------------------------------------------------------------

    pub(super) fn apply_fault(&mut self, kind: &FaultKind) {
        match kind {
            FaultKind::Crash(Addr::Broker(b)) => self.crash_broker(*b),
            FaultKind::Stop(Addr::Broker(b)) => self.stop_broker(*b),
            FaultKind::Restart(Addr::Broker(b)) => self.restart_broker(*b),
            FaultKind::Pause { broker, for_ms } => {
                let until = self.now.after_ms(*for_ms);
                let proc = &mut self.brokers[usize::from(broker.0)];
                if proc.status == BrokerStatus::Up {
                    proc.status = BrokerStatus::Paused;
                    proc.paused_until = until;
                    proc.failed_at.get_or_insert(self.now);
                    let incarnation = proc.incarnation;
                    self.out.trace(Event::Paused {
                        broker: *broker,
                        for_ms: *for_ms,
                    });
                    self.push(
                        until,
                        Item::Resume {
                            broker: *broker,
                            incarnation,
                        },
                    );
                }
            }
            FaultKind::LoseDisk(b) => {
                if self.in_lost_site(*b) {
                    return;
                }
                self.out.trace(Event::DiskLost(*b));
                self.crash_broker_with_disk(*b);
                let (site, local) = self.local(*b);
                self.call_system(site, |s, out| s.lose_disk(local, out));
                self.boot_broker(*b);
            }
            FaultKind::Partition {
                groups,
                controller_group,
            } => {
                self.net.partition(groups, *controller_group);
                for proc in &mut self.brokers {
                    proc.failed_at.get_or_insert(self.now);
                }
                self.out.trace(Event::Partitioned {
                    groups: groups.clone(),
                });
            }
            FaultKind::Heal => self.heal(),
            FaultKind::SlowLink { a, b, latency_ms } => {
                self.net.slow_link(*a, *b, *latency_ms);
                self.out.trace(Event::LinkSlowed {
                    a: *a,
                    b: *b,
                    latency_ms: *latency_ms,
                });
            }
            FaultKind::Crash(client) => self.crash_client(*client),
            FaultKind::Stop(client) => {
                if let Addr::Consumer(c) = client
                    && !self.consumers[usize::from(c.0)].crashed()
                {
                    self.with_client(*client, |target, ctx| {
                        if let ClientRef::Consumer(consumer) = target {
                            consumer.stop(ctx);
                        }
                    });
                    let slot = self.client_slot(*client);
                    self.client_incarnation[slot] += 1;
                    self.out.trace(Event::Stopped(*client));
                }
            }
            FaultKind::Restart(client) => self.restart_client(*client),
            FaultKind::SiteDown(site) => self.site_down(*site),
            FaultKind::SiteUp(site) => self.site_up(*site),
            FaultKind::LoseSite(site) => self.lose_site(*site),
            FaultKind::FailoverSite(site) => self.failover_site(*site),
        }
    }

    pub(super) fn heal(&mut self) {
        self.net.heal();
        for proc in &mut self.brokers {
            if proc.status == BrokerStatus::Up {
                proc.failed_at = None;
            }
        }
        self.out.trace(Event::Healed);
    }

    pub(super) fn crash_broker(&mut self, b: BrokerId) {
        self.crash_broker_as(b, Event::Crashed(Addr::Broker(b)));
    }

    /// The process dies and its disk with it (the caller wipes the disk):
    /// the trace must not say that what it wrote survives.
    pub(super) fn crash_broker_with_disk(&mut self, b: BrokerId) {
        self.crash_broker_as(b, Event::CrashedWithDisk(b));
    }

    fn crash_broker_as(&mut self, b: BrokerId, event: Event) {
        let proc = &mut self.brokers[usize::from(b.0)];
        if matches!(proc.status, BrokerStatus::Crashed | BrokerStatus::Stopped) {
            return;
        }
        proc.status = BrokerStatus::Crashed;
        proc.incarnation += 1;
        proc.failed_at.get_or_insert(self.now);
        self.out.trace(event);
        let (site, local) = self.local(b);
        self.call_system(site, |s, out| {
            s.die(local, crate::systems::system::Death::Crash, out)
        });
    }

    pub(super) fn stop_broker(&mut self, b: BrokerId) {
        let status = self.brokers[usize::from(b.0)].status;
        match status {
            BrokerStatus::Up => {
                self.out.trace(Event::Stopped(Addr::Broker(b)));
                let (site, local) = self.local(b);
                self.call_system(site, |s, out| s.stop(local, out));
                let proc = &mut self.brokers[usize::from(b.0)];
                proc.status = BrokerStatus::Stopped;
                proc.incarnation += 1;
                proc.failed_at.get_or_insert(self.now);
            }
            // A frozen process cannot shut down in order: it dies.
            BrokerStatus::Paused => self.crash_broker(b),
            BrokerStatus::Crashed | BrokerStatus::Stopped => {}
        }
    }

    pub(super) fn boot_broker(&mut self, b: BrokerId) {
        let proc = &mut self.brokers[usize::from(b.0)];
        proc.status = BrokerStatus::Up;
        proc.incarnation += 1;
        proc.failed_at = None;
        self.out.trace(Event::Restarted(Addr::Broker(b)));
        let (site, local) = self.local(b);
        self.call_system(site, |s, out| s.boot(local, out));
    }

    pub(super) fn restart_broker(&mut self, b: BrokerId) {
        if self.in_lost_site(b) {
            return;
        }
        match self.brokers[usize::from(b.0)].status {
            BrokerStatus::Up => self.stop_broker(b),
            BrokerStatus::Paused => self.crash_broker(b),
            BrokerStatus::Crashed | BrokerStatus::Stopped => {}
        }
        self.boot_broker(b);
    }

    pub(super) fn crash_client(&mut self, client: Addr) {
        let was_alive = match client {
            Addr::Producer(p) => !self.producers[usize::from(p.0)].crashed(),
            Addr::Consumer(c) => !self.consumers[usize::from(c.0)].crashed(),
            Addr::Broker(_) | Addr::Controller => false,
        };
        if !was_alive {
            return;
        }
        self.with_client(client, |target, ctx| match target {
            ClientRef::Producer(p) => p.crash(),
            ClientRef::Consumer(c) => c.crash(ctx),
        });
        let slot = self.client_slot(client);
        self.client_incarnation[slot] += 1;
        self.out.trace(Event::Crashed(client));
    }

    pub(super) fn restart_client(&mut self, client: Addr) {
        let alive = match client {
            Addr::Producer(p) => !self.producers[usize::from(p.0)].crashed(),
            Addr::Consumer(c) => !self.consumers[usize::from(c.0)].crashed(),
            Addr::Broker(_) | Addr::Controller => return,
        };
        if alive {
            self.crash_client(client);
        }
        self.out.trace(Event::Restarted(client));
        self.with_any_client(client, |target, ctx| match target {
            ClientRef::Producer(p) => p.restart(ctx),
            ClientRef::Consumer(c) => c.restart(ctx),
        });
    }
}
