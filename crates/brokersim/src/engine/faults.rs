//! Faults applied to brokers, the network and clients: the process states
//! the engine owns (up, crashed, killed, stopped, paused) and the
//! incarnations that make a dead process's timers go stale.
//!
//! Faults at the same `at_ms` are one correlated failure (a rack losing
//! power is three `crash` faults at one time): `Sim::start` queues every
//! fault, in list order, before the run queues anything else, and the
//! queue breaks ties by sequence number, so faults at one instant are
//! applied consecutively, with nothing between them, and before any packet
//! or timer the run itself sets for that instant: nothing a first fault
//! sets in motion (a goodbye, a reset) reaches anyone before the last is
//! applied.

use super::dispatch::ClientRef;
use super::*;
use crate::systems::system::Death;

impl Sim {
    // ----- faults ---------------------------------------------------------------

    pub(super) fn apply_fault(&mut self, kind: &FaultKind) {
        match kind {
            FaultKind::Crash(Addr::Broker(b)) => self.crash_broker(*b),
            FaultKind::Kill(Addr::Broker(b)) => self.kill_broker(*b),
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
            FaultKind::Kill(client) => self.kill_client(*client),
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
        self.end_broker(b, Event::Crashed(Addr::Broker(b)), Death::Crash);
    }

    /// The process dies, its host lives: the system's `die` has the OS
    /// close its connections and release its locks.
    pub(super) fn kill_broker(&mut self, b: BrokerId) {
        if self.in_lost_site(b) {
            return;
        }
        self.end_broker(b, Event::Killed(Addr::Broker(b)), Death::Kill);
    }

    /// The process dies and its disk with it (the caller wipes the disk):
    /// the trace must not say that what it wrote survives.
    pub(super) fn crash_broker_with_disk(&mut self, b: BrokerId) {
        self.end_broker(b, Event::CrashedWithDisk(b), Death::Crash);
    }

    fn end_broker(&mut self, b: BrokerId, event: Event, death: Death) {
        let proc = &mut self.brokers[usize::from(b.0)];
        if death == Death::Crash
            && matches!(proc.status, BrokerStatus::Killed | BrokerStatus::Stopped)
        {
            // The process is dead already, its host alive with the page
            // cache; now the host goes too (the rack loses power after an
            // operator stopped the broker, or after the OOM killer).
            proc.status = BrokerStatus::Crashed;
            self.out.trace(event);
            let (site, local) = self.local(b);
            self.call_system(site, |s, out| s.host_lost(local, out));
            return;
        }
        if proc.status.is_down() {
            return;
        }
        proc.status = match death {
            Death::Crash => BrokerStatus::Crashed,
            Death::Kill => BrokerStatus::Killed,
        };
        proc.incarnation += 1;
        proc.failed_at.get_or_insert(self.now);
        self.out.trace(event);
        let (site, local) = self.local(b);
        self.call_system(site, |s, out| s.die(local, death, out));
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
            BrokerStatus::Crashed | BrokerStatus::Killed | BrokerStatus::Stopped => {}
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
            BrokerStatus::Crashed | BrokerStatus::Killed | BrokerStatus::Stopped => {}
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

    /// The application's process dies on a live machine: its OS closes
    /// its connection, so the broker learns at once (AMQP and OpenWire
    /// brokers close the channel and requeue what it had not
    /// acknowledged). Kafka's group coordinator does not act on a closed
    /// connection and waits for `session.timeout.ms`, as after a crash.
    pub(super) fn kill_client(&mut self, client: Addr) {
        let alive = match client {
            Addr::Producer(p) => !self.producers[usize::from(p.0)].crashed(),
            Addr::Consumer(c) => !self.consumers[usize::from(c.0)].crashed(),
            Addr::Broker(_) | Addr::Controller => false,
        };
        if !alive {
            return;
        }
        self.with_client(client, |target, ctx| match target {
            ClientRef::Producer(p) => p.kill(ctx),
            ClientRef::Consumer(c) => c.kill(ctx),
        });
        let slot = self.client_slot(client);
        self.client_incarnation[slot] += 1;
        self.out.trace(Event::Killed(client));
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
