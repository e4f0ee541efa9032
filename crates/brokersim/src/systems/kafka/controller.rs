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
                    }),
                );
            }
        }
    }

    /// Elects a leader for partition `p` (the old one is gone or fenced).
    pub(super) fn elect(&mut self, p: u16, out: &mut Out) {
        let state = self.controller.states[usize::from(p)];
        let alive = |b: &BrokerId| !self.controller.brokers[usize::from(b.0)].fenced;
        let from_isr = self
            .replicas_of(p)
            .filter(alive)
            .find(|b| state.isr & broker_bit(*b) != 0);
        let (leader, clean) = match from_isr {
            Some(b) => (Some(b), true),
            None if self.cfg.unclean_leader_election => (self.replicas_of(p).find(alive), false),
            None => (None, true),
        };
        let new = &mut self.controller.states[usize::from(p)];
        if leader == new.leader {
            return;
        }
        new.leader = leader;
        new.epoch += 1;
        match leader {
            Some(b) => {
                if !clean {
                    new.isr = broker_bit(b);
                }
                let (epoch, isr) = (new.epoch, members(new.isr));
                out.trace(Event::Kafka(KafkaEvent::LeaderElected {
                    partition: p,
                    broker: b,
                    epoch,
                    clean,
                    isr,
                }));
                out.queue_leader(p, b, Epoch(epoch));
            }
            None => {
                let isr = members(new.isr);
                out.trace(Event::Kafka(KafkaEvent::Offline { partition: p, isr }));
            }
        }
    }

    pub(super) fn fence(&mut self, b: BrokerId, out: &mut Out) {
        self.controller.brokers[usize::from(b.0)].fenced = true;
        out.trace(Event::Kafka(KafkaEvent::Fenced { broker: b }));
        for p in 0..self.cfg.partitions {
            let state = &mut self.controller.states[usize::from(p)];
            // KIP-841: a fenced broker leaves the ISR, unless it is the last member.
            if state.isr & broker_bit(b) != 0 && state.isr != broker_bit(b) {
                state.isr &= !broker_bit(b);
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
        if !self.controller.brokers[usize::from(b.0)].fenced
            && self.controller.brokers[usize::from(b.0)].incarnation != incarnation
        {
            self.fence(b, out);
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
        state.isr = (isr & !fenced) | broker_bit(b);
        self.controller_send_states(out);
    }
}
