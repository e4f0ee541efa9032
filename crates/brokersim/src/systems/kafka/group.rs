//! The group coordinator's side of the consumer group (classic protocol):
//! members join, and a new group's first assignment waits
//! `group.initial.rebalance.delay.ms` for more members (KIP-134, Kafka's
//! `GroupMetadataManager.prepareRebalance` and
//! `tryCompleteInitialRebalanceElseSchedule`).
//!
//! Partitions are assigned by range from each consumer's index and never
//! moved, so a member joining a group that already has a generation is
//! answered at once rather than through a new rebalance.

use super::*;

impl Kafka {
    pub(super) fn on_join_group(&mut self, consumer: ClientId, out: &mut Out) {
        let group = &mut self.controller.group;
        let new_member = group.members.insert(consumer);
        if let Some(initial) = &mut group.initial {
            // Joining while the initial delay runs extends it (newMemberAdded).
            initial.new_member_added |= new_member;
            return;
        }
        if group.generation > 0 {
            let generation = group.generation;
            out.send(
                Addr::Controller,
                Addr::Consumer(consumer),
                kafka(KafkaMsg::GroupAssigned { generation }),
            );
            return;
        }
        // The group was empty: the first rebalance waits for more members.
        group.initial = Some(InitialRebalance {
            first_join: out.now,
            new_member_added: false,
        });
        let delay_ms = self.cfg.group_initial_rebalance_delay_ms;
        let remaining_ms = REBALANCE_TIMEOUT_MS.saturating_sub(delay_ms);
        out.timer(
            Addr::Controller,
            delay_ms,
            sys(Timer::InitialRebalance {
                delay_ms,
                remaining_ms,
            }),
        );
    }

    /// The initial delay ran out: wait once more if someone joined meanwhile
    /// and the rebalance timeout allows, else complete the first rebalance.
    pub(super) fn on_initial_rebalance_due(
        &mut self,
        delay_ms: u64,
        remaining_ms: u64,
        out: &mut Out,
    ) {
        let configured_ms = self.cfg.group_initial_rebalance_delay_ms;
        let group = &mut self.controller.group;
        let Some(initial) = &mut group.initial else {
            return;
        };
        if initial.new_member_added && remaining_ms != 0 {
            initial.new_member_added = false;
            let next_delay_ms = configured_ms.min(remaining_ms);
            out.timer(
                Addr::Controller,
                next_delay_ms,
                sys(Timer::InitialRebalance {
                    delay_ms: next_delay_ms,
                    remaining_ms: remaining_ms.saturating_sub(delay_ms),
                }),
            );
            return;
        }
        let waited_ms = out.now.ms_since(initial.first_join);
        group.initial = None;
        group.generation += 1;
        let generation = group.generation;
        let members: Vec<ClientId> = group.members.iter().copied().collect();
        out.trace(Event::Kafka(KafkaEvent::GroupRebalanced {
            generation,
            members: members.clone(),
            waited_ms,
        }));
        for consumer in members {
            out.send(
                Addr::Controller,
                Addr::Consumer(consumer),
                kafka(KafkaMsg::GroupAssigned { generation }),
            );
        }
    }
}
