//! Faults applied to brokers, the network and clients: the process states
//! the engine owns (up, crashed, stopped, paused) and the incarnations that
//! make a dead process's timers go stale.

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
                self.out.trace(Event::DiskLost(*b));
                self.crash_broker(*b);
                self.system.as_dyn().lose_disk(*b, &mut self.out);
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
                if let Addr::Consumer(c) = client {
                    let slot = self.client_slot(*client);
                    let consumer = &mut self.consumers[usize::from(c.0)];
                    if !consumer.crashed() {
                        let mut ctx = ClientCtx {
                            out: &mut self.out,
                            ledger: &mut self.ledger,
                            publishing_open: false,
                        };
                        consumer.stop(&mut ctx);
                        self.client_incarnation[slot] += 1;
                        self.out.trace(Event::Stopped(*client));
                    }
                }
            }
            FaultKind::Restart(client) => self.restart_client(*client),
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
        let proc = &mut self.brokers[usize::from(b.0)];
        if matches!(proc.status, BrokerStatus::Crashed | BrokerStatus::Stopped) {
            return;
        }
        proc.status = BrokerStatus::Crashed;
        proc.incarnation += 1;
        proc.failed_at.get_or_insert(self.now);
        self.out.trace(Event::Crashed(Addr::Broker(b)));
        self.system.as_dyn().crash(b, &mut self.out);
    }

    pub(super) fn stop_broker(&mut self, b: BrokerId) {
        let status = self.brokers[usize::from(b.0)].status;
        match status {
            BrokerStatus::Up => {
                self.out.trace(Event::Stopped(Addr::Broker(b)));
                self.system.as_dyn().stop(b, &mut self.out);
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
        self.system.as_dyn().boot(b, &mut self.out);
    }

    pub(super) fn restart_broker(&mut self, b: BrokerId) {
        match self.brokers[usize::from(b.0)].status {
            BrokerStatus::Up => self.stop_broker(b),
            BrokerStatus::Paused => self.crash_broker(b),
            BrokerStatus::Crashed | BrokerStatus::Stopped => {}
        }
        self.boot_broker(b);
    }

    pub(super) fn crash_client(&mut self, client: Addr) {
        let slot = self.client_slot(client);
        let mut ctx = ClientCtx {
            out: &mut self.out,
            ledger: &mut self.ledger,
            publishing_open: false,
        };
        let was_alive = match client {
            Addr::Producer(p) => {
                let producer = &mut self.producers[usize::from(p.0)];
                let alive = !producer.crashed();
                producer.crash();
                alive
            }
            Addr::Consumer(c) => {
                let consumer = &mut self.consumers[usize::from(c.0)];
                let alive = !consumer.crashed();
                if alive {
                    consumer.crash(&mut ctx);
                }
                alive
            }
            Addr::Broker(_) | Addr::Controller => false,
        };
        if was_alive {
            self.client_incarnation[slot] += 1;
            self.out.trace(Event::Crashed(client));
        }
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
        let publishing_open = self.phase == Phase::Faults;
        let mut ctx = ClientCtx {
            out: &mut self.out,
            ledger: &mut self.ledger,
            publishing_open,
        };
        match client {
            Addr::Producer(p) => self.producers[usize::from(p.0)].restart(&mut ctx),
            Addr::Consumer(c) => self.consumers[usize::from(c.0)].restart(&mut ctx),
            Addr::Broker(_) | Addr::Controller => {}
        }
    }
}
