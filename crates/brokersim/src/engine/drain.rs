//! The drain phase: every fault healed, every broker and client restarted,
//! the queues drained until nothing more happens (bounded in virtual time);
//! then the final checks.

use super::*;

impl Sim {
    // ----- the drain phase --------------------------------------------------------

    pub(super) fn begin_drain(&mut self) {
        self.phase = Phase::Draining;
        self.out.trace(Event::FaultPhaseEnded);
        if self.net.is_partitioned() {
            self.heal();
        } else {
            self.net.heal();
        }
        self.net.clear_loss();
        for i in 0..self.brokers.len() {
            let b = BrokerId(i as u16);
            match self.brokers[i].status {
                BrokerStatus::Up => {}
                BrokerStatus::Paused => {
                    self.brokers[i].status = BrokerStatus::Up;
                    self.out.trace(Event::Resumed(b));
                }
                BrokerStatus::Crashed | BrokerStatus::Killed | BrokerStatus::Stopped
                    if self.in_lost_site(b) => {}
                BrokerStatus::Crashed | BrokerStatus::Killed | BrokerStatus::Stopped => {
                    self.boot_broker(b)
                }
            }
        }
        for i in 0..self.producers.len() {
            if self.producers[i].crashed() {
                self.restart_client(Addr::Producer(ClientId(i as u16)));
            }
        }
        for i in 0..self.consumers.len() {
            if self.consumers[i].crashed() {
                self.restart_client(Addr::Consumer(ClientId(i as u16)));
            }
        }
        for site in 0..self.systems.len() as u8 {
            if self.sites.down.get(usize::from(site)) == Some(&true) {
                // Every site comes back for the drain, except a lost one.
                self.sites.down[usize::from(site)] = false;
                self.out.trace(Event::SiteUp {
                    site: self.site(site).name.clone(),
                });
            }
            self.call_system(site, |s, out| s.drain(out));
        }
        for link in 0..self.sites.links.len() {
            let source = self.sites.links[link].source;
            if self.sites.links[link].armed_at.is_none() && !self.sites.lost[usize::from(source)] {
                self.sites.links[link].armed_at = Some(self.now);
                self.push(self.now, Item::Replicate(link as u8));
            }
        }
        self.stats.drain_started = self.now;
        self.stats.quiet_window_ms = 2 * self.longest_wait_ms() + DRAIN_CHECK_MS;
        self.push(self.now.after_ms(DRAIN_CHECK_MS), Item::DrainCheck);
    }

    /// The longest any party may legitimately stay silent: detectors,
    /// connect timeouts, reconnect delays, lock polling.
    pub(super) fn longest_wait_ms(&self) -> u64 {
        let clients = self
            .config
            .producers
            .iter()
            .map(|p| &p.connection)
            .chain(self.config.consumers.iter().map(|c| &c.connection))
            .map(|c| {
                let reconnect = match &c.policy {
                    crate::scenario::config::ConnectPolicy::Failover { uri, .. } => {
                        uri.max_reconnect_delay_ms
                    }
                    crate::scenario::config::ConnectPolicy::Recovery {
                        recovery_interval_ms,
                        ..
                    } => *recovery_interval_ms,
                    crate::scenario::config::ConnectPolicy::Single(_) => 0,
                };
                c.heartbeat
                    .timeout_ms
                    .max(c.connect_timeout_ms)
                    .max(reconnect)
            })
            .max()
            .unwrap_or(0);
        let confirms = self
            .config
            .producers
            .iter()
            .map(|p| p.confirm_timeout_ms)
            .max()
            .unwrap_or(0);
        let systems = self
            .systems
            .iter()
            .map(|s| s.as_ref_dyn().longest_timeout_ms())
            .max()
            .unwrap_or(0);
        clients.max(confirms).max(systems)
    }

    pub(super) fn drain_check(&mut self) {
        // Converged: everyone idle, and nothing happened for a whole check
        // period (a consumer may not have heard of the last commit yet).
        let converged = self.systems.iter().enumerate().all(|(site, s)| {
            self.sites.lost.get(site) == Some(&true) || s.as_ref_dyn().quiescent()
        }) && self.producers.iter().all(AnyProducer::is_idle)
            && self.consumers.iter().all(|c| c.is_idle(self.now))
            && self.now.ms_since(self.stats.last_activity) >= DRAIN_CHECK_MS;
        let quiet = self.now.ms_since(self.stats.last_activity) >= self.stats.quiet_window_ms;
        let out_of_time = self.now.ms_since(self.stats.drain_started) >= DRAIN_LIMIT_MS;
        if converged || quiet || out_of_time {
            self.out.trace(Event::DrainFinished { clean: converged });
            self.apply_actions();
            self.finish();
        } else {
            self.push(self.now.after_ms(DRAIN_CHECK_MS), Item::DrainCheck);
        }
    }

    pub(super) fn finish(&mut self) {
        if self.phase == Phase::Done {
            return;
        }
        self.update_writable();
        self.phase = Phase::Done;
        self.queue.clear();
        self.check_final_invariants();
    }

    pub(super) fn check_final_invariants(&mut self) {
        for (i, life) in self.ledger.all().iter().enumerate() {
            if life.confirmed_at.is_some() && life.rejected_at.is_some() {
                let msg = crate::ids::MsgId(i as u32 + 1);
                self.invariants
                    .add(self.now.as_ms(), Violation::ConfirmedAndRejected { msg });
            }
        }
        let outcome = self.final_read();
        let losses = &outcome.lost_messages;
        if let Some(first) = losses.first() {
            // One line in the trace; the report lists the messages one by one.
            let total = outcome.lost;
            let last = match losses.last() {
                Some(last) if total > 1 => outcome.last_lost.unwrap_or(last.msg),
                _ => first.msg,
            };
            self.trace.record(
                self.now,
                Event::Violation(Violation::LostInRun {
                    count: total,
                    first: crate::ids::MsgId(first.msg),
                    last: crate::ids::MsgId(last),
                }),
            );
        }
        for lost in losses.iter().take(MAX_LISTED_LOSSES) {
            self.invariants.add(
                lost.at_ms,
                Violation::ConfirmedLost {
                    msg: crate::ids::MsgId(lost.msg),
                },
            );
        }
        if outcome.lost as usize > MAX_LISTED_LOSSES {
            self.invariants.add(
                self.now.as_ms(),
                Violation::MoreLost {
                    count: outcome.lost - MAX_LISTED_LOSSES as u64,
                },
            );
        }
        self.outcome = Some(Box::new(outcome));
    }
}
