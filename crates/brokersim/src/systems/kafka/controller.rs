//! The KRaft controller quorum: broker heartbeats and fencing, leader
//! elections (clean from the ISR, or unclean), ISR changes (AlterPartition),
//! and the partition states it pushes to the brokers.

use super::*;

impl Kafka {
    // ----- the controller ---------------------------------------------------------------

    pub(super) fn controller_send_states(&self, out: &mut Out) {
        let states = Box::new(self.controller.states.clone());
        for (i, cb) in self.controller.brokers.iter().enumerate() {
            if !cb.fenced {
                out.send(
                    Addr::Controller,
                    Addr::Broker(BrokerId(i as u16)),
                    kafka(KafkaMsg::States {
                        states: states.clone(),
                        incarnation: cb.incarnation,
                    }),
                );
            }
        }
    }

    /// Elects a leader for partition `p` (the old one is gone or fenced).
    /// `PartitionChangeBuilder.electAnyLeader`: a live ISR member; with
    /// ELR and an empty ISR, a live eligible leader replica; else, with
    /// `unclean.leader.election.enable`, any live replica.
    pub(super) fn elect(&mut self, p: u16, out: &mut Out) {
        let state = self.controller.states[usize::from(p)];
        let alive = |b: &BrokerId| !self.controller.brokers[usize::from(b.0)].fenced;
        let from_isr = self
            .replicas_of(p)
            .filter(alive)
            .find(|b| state.isr & broker_bit(*b) != 0);
        let from_elr = if self.cfg.eligible_leader_replicas && state.isr == 0 {
            self.replicas_of(p)
                .filter(alive)
                .find(|b| state.elr & broker_bit(*b) != 0)
        } else {
            None
        };
        // `canElectLastKnownLeader`: with ISR and ELR empty, the leader
        // the partition had when its ISR emptied, if it is back. Kafka
        // counts this election unclean: it may have lost records.
        let last_known = if self.cfg.eligible_leader_replicas && state.isr == 0 && state.elr == 0 {
            state.last_leader.filter(alive)
        } else {
            None
        };
        let (leader, clean) = match (from_isr.or(from_elr), last_known) {
            (Some(b), _) => (Some(b), true),
            (None, Some(b)) => (Some(b), false),
            (None, None) if self.cfg.unclean_leader_election => {
                (self.replicas_of(p).find(alive), false)
            }
            (None, None) => (None, true),
        };
        let new = &mut self.controller.states[usize::from(p)];
        if leader == new.leader {
            return;
        }
        new.leader = leader;
        new.epoch += 1;
        // Every leader change bumps the epoch: epochs never go back or repeat.
        debug_assert!(new.epoch > state.epoch);
        let elected_from_elr = leader.is_some() && leader == from_elr && from_isr.is_none();
        match leader {
            Some(b) => {
                if elected_from_elr {
                    // `tryElection`: the eligible replica becomes the whole
                    // ISR and leaves the ELR.
                    new.isr = broker_bit(b);
                    new.elr &= !broker_bit(b);
                } else if !clean {
                    // An unclean election clears the ELR too (`maybeUpdateRecordElr`).
                    new.isr = broker_bit(b);
                    if new.elr != 0 {
                        new.elr = 0;
                        out.trace(Event::Kafka(KafkaEvent::ElrChanged {
                            partition: p,
                            elr: Vec::new(),
                        }));
                    }
                }
                let new = &mut self.controller.states[usize::from(p)];
                new.last_leader = None;
                let (epoch, isr) = (new.epoch, members(new.isr));
                out.trace(Event::Kafka(KafkaEvent::LeaderElected {
                    partition: p,
                    broker: b,
                    epoch,
                    clean,
                    isr,
                    from_elr: elected_from_elr,
                    last_known: last_known == Some(b) && !elected_from_elr && from_isr.is_none(),
                }));
                out.queue_leader(p, b, Epoch(epoch));
            }
            None => {
                let (isr, elr) = (members(new.isr), members(new.elr));
                out.trace(Event::Kafka(KafkaEvent::Offline {
                    partition: p,
                    isr,
                    elr,
                }));
            }
        }
    }

    /// The partition's ISR becomes `isr`. With ELR,
    /// `PartitionChangeBuilder.maybePopulateTargetElr`: an ISR of at least
    /// `min.insync.replicas` members clears the ELR; a smaller one adds the
    /// replicas leaving it, which hold everything up to the high watermark
    /// since it cannot advance without `min.insync.replicas` members.
    fn set_isr(&mut self, p: u16, isr: u16, out: &mut Out) {
        let elr_on = self.cfg.eligible_leader_replicas;
        let min_isr = u32::from(self.min_isr_all);
        let state = &mut self.controller.states[usize::from(p)];
        let elr_before = state.elr;
        if elr_on {
            state.elr = if isr.count_ones() >= min_isr {
                0
            } else {
                (state.elr | state.isr) & !isr
            };
        }
        if elr_on && isr == 0 && state.isr != 0 && state.last_leader.is_none() {
            // `maybeUpdateLastKnownLeader`: remembered when the partition
            // first becomes leaderless.
            state.last_leader = state.leader;
        }
        state.isr = isr;
        // No replica is both in the ISR and eligible outside it.
        debug_assert!(state.isr & state.elr == 0);
        if state.elr != elr_before {
            out.trace(Event::Kafka(KafkaEvent::ElrChanged {
                partition: p,
                elr: members(state.elr),
            }));
        }
    }

    /// A broker registers with a new process (KAFKA-15586): unless its
    /// last session ended in a controlled shutdown, it may have lost
    /// records, so it leaves every ELR.
    fn registered_again(&mut self, b: BrokerId, out: &mut Out) {
        let clean = std::mem::take(&mut self.controller.brokers[usize::from(b.0)].clean_shutdown);
        if clean || !self.cfg.eligible_leader_replicas {
            return;
        }
        for p in 0..self.cfg.partitions {
            let state = &mut self.controller.states[usize::from(p)];
            if state.elr & broker_bit(b) != 0 {
                state.elr &= !broker_bit(b);
                out.trace(Event::Kafka(KafkaEvent::LeftElr {
                    partition: p,
                    broker: b,
                }));
            }
        }
    }

    pub(super) fn fence(&mut self, b: BrokerId, out: &mut Out) {
        self.controller.brokers[usize::from(b.0)].fenced = true;
        out.trace(Event::Kafka(KafkaEvent::Fenced { broker: b }));
        for p in 0..self.cfg.partitions {
            let isr = self.controller.states[usize::from(p)].isr;
            // KIP-841: a fenced broker leaves the ISR, unless it is the last
            // member; with ELR (KIP-966) the ISR may become empty.
            let last = isr == broker_bit(b);
            if isr & broker_bit(b) != 0 && (!last || self.cfg.eligible_leader_replicas) {
                self.set_isr(p, isr & !broker_bit(b), out);
            }
            if self.controller.states[usize::from(p)].leader == Some(b) {
                self.elect(p, out);
            }
        }
        self.controller_send_states(out);
    }

    pub(super) fn unfence(&mut self, b: BrokerId, out: &mut Out) {
        self.controller.brokers[usize::from(b.0)].fenced = false;
        out.trace(Event::Kafka(KafkaEvent::Unfenced { broker: b }));
        for p in 0..self.cfg.partitions {
            if self.controller.states[usize::from(p)].leader.is_none() && self.hosts(b, p) {
                self.elect(p, out);
            }
        }
        self.controller_send_states(out);
    }

    pub(super) fn controller_heartbeat(&mut self, b: BrokerId, incarnation: u32, out: &mut Out) {
        // A broker that restarted before its session expired registers anew:
        // its old incarnation is fenced first, so leadership moves away.
        let new_process = self.controller.brokers[usize::from(b.0)].incarnation != incarnation;
        if new_process && !self.controller.brokers[usize::from(b.0)].fenced {
            self.fence(b, out);
        }
        if new_process {
            self.registered_again(b, out);
        }
        let cb = &mut self.controller.brokers[usize::from(b.0)];
        cb.last_heartbeat = out.now;
        cb.incarnation = incarnation;
        if cb.fenced {
            self.unfence(b, out);
        } else {
            // Brokers follow the metadata log; the latest state rides on the answer.
            out.send(
                Addr::Controller,
                Addr::Broker(b),
                kafka(KafkaMsg::States {
                    states: Box::new(self.controller.states.clone()),
                    incarnation: self.controller.brokers[usize::from(b.0)].incarnation,
                }),
            );
        }
    }

    pub(super) fn controller_alter(
        &mut self,
        b: BrokerId,
        p: u16,
        leader_epoch: u32,
        isr: u16,
        out: &mut Out,
    ) {
        let Some(state) = self.controller.states.get_mut(usize::from(p)) else {
            return;
        };
        if state.leader != Some(b) || state.epoch != leader_epoch {
            out.trace(Event::Kafka(KafkaEvent::AlterRefused {
                partition: p,
                leader: b,
                stale_epoch: leader_epoch,
            }));
            out.send(
                Addr::Controller,
                Addr::Broker(b),
                kafka(KafkaMsg::States {
                    states: Box::new(self.controller.states.clone()),
                    incarnation: self.controller.brokers[usize::from(b.0)].incarnation,
                }),
            );
            return;
        }
        // Fenced brokers cannot join an ISR.
        let fenced = self
            .controller
            .brokers
            .iter()
            .enumerate()
            .filter(|(_, c)| c.fenced)
            .fold(0u16, |m, (i, _)| m | (1 << i));
        let isr = (isr & !fenced) | broker_bit(b);
        self.set_isr(p, isr, out);
        let state = &self.controller.states[usize::from(p)];
        // The leader is always in its ISR, and no fenced broker is.
        debug_assert!(state.isr & broker_bit(b) != 0 && state.isr & fenced == 0);
        self.controller_send_states(out);
    }
}

#[cfg(test)]
mod tests {
    //! The controller's election and ISR rules, one handler call at a time
    //! (`QuorumController` / `ReplicationControlManager` and
    //! `PartitionChangeBuilder` in apache/kafka's metadata module are the
    //! model).

    use super::super::harness::*;
    use super::*;
    use crate::out::Action;

    fn leader_actions(out: &Out) -> Vec<(BrokerId, Epoch)> {
        out.actions
            .iter()
            .filter_map(|a| match a {
                Action::Leader { broker, epoch, .. } => Some((*broker, *epoch)),
                _ => None,
            })
            .collect()
    }

    /// `PartitionChangeBuilder` (clean election): fencing the leader elects
    /// the first live ISR member and bumps the leader epoch by one;
    /// KIP-841 takes the fenced broker out of the ISR.
    #[test]
    fn fencing_the_leader_elects_from_the_isr_in_the_next_epoch() {
        let mut k = cluster(serde_json::json!({}));
        let mut out = at(1);
        k.fence(b(1), &mut out);
        let s = k.controller.states[0];
        assert_eq!((s.leader, s.epoch), (Some(b(2)), 2));
        assert_eq!(members(s.isr), vec![b(2), b(3)]);
        assert_eq!(leader_actions(&out), vec![(b(2), Epoch(2))]);
        assert!(events(&out).iter().any(|e| matches!(
            e,
            KafkaEvent::LeaderElected { broker, epoch: 2, clean: true, .. } if *broker == b(2)
        )));
        // The new state goes to every broker still unfenced.
        let told: Vec<Addr> = sent(&out)
            .into_iter()
            .filter(|(_, _, m)| matches!(m, KafkaMsg::States { .. }))
            .map(|(_, to, _)| to)
            .collect();
        assert_eq!(told, vec![Addr::Broker(b(2)), Addr::Broker(b(3))]);
    }

    /// Kafka 3.9, KIP-841: a fenced broker leaves every ISR except one it is the last
    /// member of; with `unclean.leader.election.enable=false` (the
    /// default) a partition whose ISR has no live member goes offline
    /// instead of electing an out-of-sync replica.
    #[test]
    fn without_unclean_election_a_partition_with_no_live_isr_member_goes_offline() {
        let mut k = cluster_on("3.9", serde_json::json!({}));
        k.controller.states[0].isr = broker_bit(b(1));
        let mut out = at(1);
        k.fence(b(1), &mut out);
        let s = k.controller.states[0];
        assert_eq!(s.leader, None);
        assert_eq!(s.epoch, 2, "going offline is a leader change too");
        assert_eq!(members(s.isr), vec![b(1)], "the last member stays");
        assert!(leader_actions(&out).is_empty());
        assert!(matches!(
            events(&out)[..],
            [KafkaEvent::Fenced { .. }, KafkaEvent::Offline { .. }]
        ));
    }

    /// Kafka 4.1 (KIP-966, `PartitionChangeBuilder.maybePopulateTargetElr`):
    /// with eligible leader replicas the last ISR member leaves too, the ISR
    /// goes empty, and the replicas that left it below min.insync.replicas
    /// are kept as eligible leaders; the first of them back is elected
    /// and becomes the whole ISR (`tryElection`).
    #[test]
    fn with_elr_the_isr_may_empty_and_an_eligible_replica_leads_when_back() {
        let mut k = cluster(serde_json::json!({ "min.insync.replicas": 2 }));
        k.fence(b(3), &mut at(1));
        assert_eq!(k.controller.states[0].elr, 0, "ISR b1, b2 is still 2");
        k.fence(b(2), &mut at(2));
        assert_eq!(members(k.controller.states[0].elr), vec![b(2)]);
        let mut out = at(3);
        k.fence(b(1), &mut out);
        let s = k.controller.states[0];
        assert_eq!((s.leader, s.isr), (None, 0));
        assert_eq!(members(s.elr), vec![b(1), b(2)]);
        assert_eq!(s.last_leader, Some(b(1)));
        assert!(
            events(&out)
                .iter()
                .any(|e| matches!(e, KafkaEvent::Offline { elr, .. } if elr.len() == 2))
        );

        k.controller.brokers[1].clean_shutdown = true;
        let mut out = at(4);
        k.controller_heartbeat(b(2), 2, &mut out);
        let s = k.controller.states[0];
        assert_eq!(s.leader, Some(b(2)));
        assert_eq!(members(s.isr), vec![b(2)]);
        assert_eq!(members(s.elr), vec![b(1)]);
        assert!(events(&out).iter().any(|e| matches!(
            e,
            KafkaEvent::LeaderElected {
                from_elr: true,
                clean: true,
                ..
            }
        )));
    }

    /// KAFKA-15586: a broker registering after an unclean shutdown leaves
    /// every ELR, so it is not elected from there.
    #[test]
    fn an_unclean_shutdown_takes_a_broker_out_of_the_elr() {
        let mut k = cluster(serde_json::json!({ "min.insync.replicas": 3 }));
        k.fence(b(2), &mut at(1));
        assert_eq!(members(k.controller.states[0].elr), vec![b(2)]);
        let mut out = at(2);
        k.controller_heartbeat(b(2), 2, &mut out);
        assert_eq!(k.controller.states[0].elr, 0);
        assert!(
            events(&out)
                .iter()
                .any(|e| matches!(e, KafkaEvent::LeftElr { .. }))
        );
    }

    /// Kafka's docs for `unclean.leader.election.enable`: an out-of-sync
    /// replica may be elected, as the only member of the new ISR.
    #[test]
    fn unclean_election_makes_an_out_of_sync_replica_the_whole_isr() {
        let mut k = cluster(serde_json::json!({ "unclean.leader.election.enable": true }));
        k.controller.states[0].isr = broker_bit(b(1));
        let mut out = at(1);
        k.fence(b(1), &mut out);
        let s = k.controller.states[0];
        assert_eq!((s.leader, s.epoch), (Some(b(2)), 2));
        assert_eq!(members(s.isr), vec![b(2)]);
        assert!(
            events(&out)
                .iter()
                .any(|e| matches!(e, KafkaEvent::LeaderElected { clean: false, .. }))
        );
    }

    /// KIP-497 (`AlterPartition`): the controller refuses an ISR change
    /// from a broker that no longer leads, or leads in another epoch, and
    /// answers with the current state; the ISR does not change.
    #[test]
    fn an_isr_change_from_a_stale_leader_epoch_is_refused() {
        let mut k = cluster(serde_json::json!({}));
        k.fence(b(1), &mut at(1));
        let before = k.controller.states[0];

        let mut out = at(2);
        k.controller_alter(b(1), 0, 1, broker_bit(b(1)), &mut out);
        assert_eq!(k.controller.states[0], before);
        assert!(matches!(
            events(&out)[..],
            [KafkaEvent::AlterRefused { stale_epoch: 1, .. }]
        ));
        assert!(matches!(
            sent(&out)[..],
            [(Addr::Controller, to, KafkaMsg::States { .. })] if to == Addr::Broker(b(1))
        ));

        let mut out = at(3);
        k.controller_alter(b(2), 0, 1, broker_bit(b(2)), &mut out);
        assert_eq!(k.controller.states[0], before, "b2 leads epoch 2, not 1");
    }

    /// `ReplicationControlManager` validates AlterPartition: a fenced
    /// broker cannot join the ISR, and the leader is always in it.
    #[test]
    fn an_accepted_isr_change_keeps_the_leader_and_no_fenced_broker() {
        let mut k = cluster(serde_json::json!({}));
        k.fence(b(3), &mut at(1));
        let mut out = at(2);
        k.controller_alter(b(1), 0, 1, broker_bit(b(2)) | broker_bit(b(3)), &mut out);
        let s = k.controller.states[0];
        assert_eq!(members(s.isr), vec![b(1), b(2)]);
        assert_eq!(s.epoch, 1, "an ISR change is not a leader change");
    }
}
