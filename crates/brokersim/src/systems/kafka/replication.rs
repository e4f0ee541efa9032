//! A broker's replicas: becoming leader or follower when the controller says
//! so, followers fetching from the leader, the divergence check and
//! truncation (KIP-320), the high watermark and the ISR's shrinking.

use super::*;

impl Kafka {
    // ----- brokers: metadata ------------------------------------------------------------------

    pub(super) fn apply_states(&mut self, b: BrokerId, states: &[PartitionState], out: &mut Out) {
        self.broker(b).process.states = states.to_vec();
        for state in states {
            if !self.hosts(b, state.partition) {
                continue;
            }
            self.apply_state(b, *state, out);
        }
    }

    pub(super) fn apply_state(&mut self, b: BrokerId, state: PartitionState, out: &mut Out) {
        let p = state.partition;
        let (_, role) = self.part(b, p);
        // Leader epochs never go back on a broker: a state older than the
        // role's epoch falls through to the arm that ignores it
        // (`Partition.makeLeader` / `makeFollower` do the same).
        match (role, state.leader) {
            (Role::Leader(l), Some(leader)) if leader == b && l.epoch == state.epoch => {
                // Our own ISR change, confirmed.
                l.isr = state.isr;
                l.altering = false;
                self.advance_high_watermark(b, p, out);
            }
            (Role::Leader(l), Some(leader)) if leader == b && l.epoch > state.epoch => {}
            (
                Role::Follower {
                    leader: f, epoch, ..
                },
                Some(leader),
            ) if *f == leader && *epoch == state.epoch => {}
            (role, _) if role_epoch(role) > state.epoch => {}
            (_, Some(leader)) if leader == b => self.become_leader(b, p, state, out),
            (_, leader) => self.become_follower(b, p, leader, state.epoch, out),
        }
    }

    pub(super) fn become_leader(
        &mut self,
        b: BrokerId,
        p: u16,
        state: PartitionState,
        out: &mut Out,
    ) {
        let now = out.now;
        let followers: BTreeMap<BrokerId, Follower> = self
            .replicas_of(p)
            .filter(|f| *f != b)
            .map(|f| {
                (
                    f,
                    Follower {
                        log_end: 0,
                        caught_up_at: now,
                    },
                )
            })
            .collect();
        let (replica, role) = self.part(b, p);
        debug_assert!(
            role_epoch(role) <= state.epoch,
            "{b} would lead epoch {} after {}",
            state.epoch,
            role_epoch(role)
        );
        if replica
            .epoch_starts
            .last()
            .is_none_or(|(e, _)| *e < state.epoch)
        {
            let end = replica.log_end();
            replica.epoch_starts.push((state.epoch, end));
        }
        *role = Role::Leader(Box::new(LeaderState {
            epoch: state.epoch,
            isr: state.isr,
            followers,
            waiting: BTreeMap::new(),
            parked: Vec::new(),
            altering: false,
        }));
        let log_end = self.brokers[usize::from(b.0)].replicas[usize::from(p)].log_end();
        if state.epoch > 1 {
            out.trace(Event::Kafka(KafkaEvent::BecameLeader {
                partition: p,
                broker: b,
                epoch: state.epoch,
                log_end,
            }));
        }
        let half = (self.cfg.replica_lag_time_max_ms / 2).max(1);
        out.timer(Addr::Broker(b), half, sys(Timer::IsrCheck(p)));
    }

    pub(super) fn become_follower(
        &mut self,
        b: BrokerId,
        p: u16,
        leader: Option<BrokerId>,
        epoch: u32,
        out: &mut Out,
    ) {
        let (_, role) = self.part(b, p);
        debug_assert!(
            role_epoch(role) <= epoch,
            "{b} would follow epoch {epoch} after {}",
            role_epoch(role)
        );
        let was_leader = matches!(role, Role::Leader(_));
        if let Role::Leader(l) = &*role {
            // Produces waiting for the high watermark will never see it here.
            let waiting: Vec<Waiter> = l.waiting.values().copied().collect();
            for w in waiting {
                let result = ProduceResult::NotLeader;
                out.send(
                    Addr::Broker(b),
                    w.client,
                    kafka(KafkaMsg::ProduceResponse {
                        partition: w.partition,
                        corr: w.corr,
                        result,
                    }),
                );
            }
            // Parked fetches are answered at once: this broker no longer leads.
            for (who, corr, _) in &l.parked {
                let msg = match who {
                    Addr::Broker(_) => KafkaMsg::ReplicaFetchResponse {
                        partition: p,
                        corr: *corr,
                        reply: Box::new(ReplicaReply::NotLeader),
                    },
                    _ => KafkaMsg::FetchResponse {
                        partition: p,
                        corr: *corr,
                        result: FetchResult::NotLeader,
                    },
                };
                out.send(Addr::Broker(b), *who, kafka(msg));
            }
        }
        if was_leader {
            out.trace(Event::Kafka(KafkaEvent::SteppedDown {
                partition: p,
                broker: b,
                leader,
                epoch,
            }));
        }
        let (_, role) = self.part(b, p);
        match leader {
            Some(leader) => {
                *role = Role::Follower {
                    leader,
                    epoch,
                    corr: 0,
                };
                self.fetch_from_leader(b, p, out);
            }
            None => *role = Role::Idle,
        }
    }

    // ----- brokers: replication ---------------------------------------------------------------

    pub(super) fn fetch_from_leader(&mut self, b: BrokerId, p: u16, out: &mut Out) {
        // replica.socket.timeout.ms: a fetch unanswered this long is sent again.
        let timeout = REPLICA_SOCKET_TIMEOUT_MS;
        let (replica, role) = self.part(b, p);
        let (offset, last_epoch) = (replica.log_end(), replica.last_epoch());
        let Role::Follower { leader, corr, .. } = role else {
            return;
        };
        *corr += 1;
        let (leader, corr) = (*leader, *corr);
        out.send(
            Addr::Broker(b),
            Addr::Broker(leader),
            kafka(KafkaMsg::ReplicaFetch {
                partition: p,
                offset,
                last_epoch,
                corr,
            }),
        );
        out.timer(
            Addr::Broker(b),
            timeout,
            sys(Timer::RefetchDue { partition: p, corr }),
        );
    }

    /// A follower's fetch at the leader.
    pub(super) fn on_replica_fetch(
        &mut self,
        b: BrokerId,
        from: BrokerId,
        p: u16,
        fetch: ReplicaFetch,
        out: &mut Out,
    ) {
        let ReplicaFetch {
            offset,
            last_epoch,
            corr,
        } = fetch;
        let now = out.now;
        let (replica, role) = self.part(b, p);
        let known_epoch = replica.latest_epoch_at_most(last_epoch);
        let end_of_theirs = replica.end_of_epoch(last_epoch);
        let log_end = replica.log_end();
        let reply = |out: &mut Out, reply: ReplicaReply| {
            let reply = Box::new(reply);
            let msg = KafkaMsg::ReplicaFetchResponse {
                partition: p,
                corr,
                reply,
            };
            out.send(Addr::Broker(b), Addr::Broker(from), kafka(msg));
        };
        let Role::Leader(l) = role else {
            reply(out, ReplicaReply::NotLeader);
            return;
        };
        // Diverging as `Partition.fetchRecords` judges it: the leader never
        // had the follower's last epoch, or that epoch ends here before the
        // follower's log does.
        if known_epoch < last_epoch || offset > end_of_theirs {
            reply(
                out,
                ReplicaReply::Diverging {
                    epoch: known_epoch,
                    end: end_of_theirs,
                },
            );
            return;
        }
        if let Some(f) = l.followers.get_mut(&from) {
            f.log_end = offset;
            if offset >= log_end {
                f.caught_up_at = now;
            }
        }
        let rejoin = offset >= log_end && l.isr & broker_bit(from) == 0 && !l.altering;
        if rejoin {
            l.altering = true;
            let (epoch, isr) = (l.epoch, l.isr | broker_bit(from));
            out.trace(Event::Kafka(KafkaEvent::IsrExpanded {
                partition: p,
                leader: b,
                added: from,
                isr: members(isr),
            }));
            out.send(
                Addr::Broker(b),
                Addr::Controller,
                kafka(KafkaMsg::AlterPartition {
                    partition: p,
                    leader_epoch: epoch,
                    isr,
                }),
            );
        }
        self.advance_high_watermark(b, p, out);
        if offset < log_end {
            self.answer_replica_fetch(b, from, p, offset, corr, out);
        } else {
            self.park(b, p, Addr::Broker(from), corr, offset, out);
        }
    }

    pub(super) fn answer_replica_fetch(
        &self,
        b: BrokerId,
        to: BrokerId,
        p: u16,
        offset: u64,
        corr: u32,
        out: &mut Out,
    ) {
        let broker = &self.brokers[usize::from(b.0)];
        let replica = &broker.replicas[usize::from(p)];
        let Role::Leader(l) = &broker.process.roles[usize::from(p)] else {
            return;
        };
        let end = (offset as usize + MAX_FETCH_RECORDS).min(replica.log.len());
        let records = replica.log[offset as usize..end].to_vec();
        let reply = Box::new(ReplicaReply::Records {
            leader_epoch: l.epoch,
            from: offset,
            records,
            high_watermark: replica.high_watermark,
        });
        out.send(
            Addr::Broker(b),
            Addr::Broker(to),
            kafka(KafkaMsg::ReplicaFetchResponse {
                partition: p,
                corr,
                reply,
            }),
        );
    }

    pub(super) fn park(
        &mut self,
        b: BrokerId,
        p: u16,
        who: Addr,
        corr: u32,
        offset: u64,
        out: &mut Out,
    ) {
        let wait = self.cfg.replica_fetch_wait_max_ms;
        if let Role::Leader(l) = &mut self.broker(b).process.roles[usize::from(p)] {
            l.parked.retain(|(w, _, _)| *w != who);
            l.parked.push((who, corr, offset));
            out.timer(
                Addr::Broker(b),
                wait,
                sys(Timer::FetchWait {
                    partition: p,
                    from: who,
                    corr,
                }),
            );
        }
    }

    /// New data or a new high watermark: answer the parked fetches that can be.
    pub(super) fn wake_parked(&mut self, b: BrokerId, p: u16, out: &mut Out) {
        let (replica, role) = self.part(b, p);
        let (log_end, hw) = (replica.log_end(), replica.high_watermark);
        let Role::Leader(l) = role else {
            return;
        };
        let ready: Vec<(Addr, u32, u64)> = l
            .parked
            .iter()
            .filter(|(who, _, offset)| match who {
                Addr::Broker(_) => *offset < log_end,
                _ => *offset < hw,
            })
            .copied()
            .collect();
        l.parked.retain(|entry| !ready.contains(entry));
        for (who, corr, offset) in ready {
            match who {
                Addr::Broker(f) => self.answer_replica_fetch(b, f, p, offset, corr, out),
                client => self.answer_consumer_fetch(b, client, p, offset, corr, out),
            }
        }
    }

    pub(super) fn on_parked_timeout(
        &mut self,
        b: BrokerId,
        p: u16,
        who: Addr,
        corr: u32,
        out: &mut Out,
    ) {
        let (_, role) = self.part(b, p);
        let Role::Leader(l) = role else {
            return;
        };
        let Some(pos) = l
            .parked
            .iter()
            .position(|(w, c, _)| *w == who && *c == corr)
        else {
            return;
        };
        let (_, _, offset) = l.parked.remove(pos);
        match who {
            Addr::Broker(f) => self.answer_replica_fetch(b, f, p, offset, corr, out),
            client => self.answer_consumer_fetch(b, client, p, offset, corr, out),
        }
    }

    /// A follower's fetch answer.
    pub(super) fn on_replica_reply(
        &mut self,
        b: BrokerId,
        from: BrokerId,
        p: u16,
        corr: u32,
        reply: ReplicaReply,
        out: &mut Out,
    ) {
        let flush_messages = self.cfg.flush_messages;
        let (replica, role) = self.part(b, p);
        match &*role {
            Role::Follower {
                leader, corr: c, ..
            } if *leader == from && *c == corr => {}
            _ => return,
        }
        match reply {
            ReplicaReply::NotLeader => {} // wait for the controller's news; RefetchDue retries
            ReplicaReply::Diverging { epoch, end } => {
                // A follower whose last epoch the leader never had may hold
                // records of that epoch below the leader's answer: they go
                // too (KIP-279; before it, such logs silently diverged).
                let end = end.min(replica.end_of_epoch(epoch));
                let dropped = replica.truncate(end);
                if !dropped.is_empty() {
                    out.trace(Event::Kafka(KafkaEvent::Truncated {
                        partition: p,
                        broker: b,
                        to_offset: end,
                        removed: dropped.len() as u32,
                    }));
                }
                for r in dropped {
                    out.copy_dropped(r.msg, broker_bit(b), DropWhy::Truncated);
                }
                self.fetch_from_leader(b, p, out);
            }
            ReplicaReply::Records {
                leader_epoch,
                from: start,
                records,
                high_watermark,
            } => {
                if start == replica.log_end() {
                    // A follower appends through the same `UnifiedLog.append`
                    // as the leader: page cache, then the flush rule.
                    for r in records {
                        replica.append(r, out.now);
                        out.copy_added(r.msg, broker_bit(b), Layer::PageCache);
                    }
                    replica.flush_if_due(flush_messages, b, out);
                }
                replica.high_watermark = high_watermark.min(replica.log_end());
                if let Role::Follower { epoch, .. } = role {
                    *epoch = (*epoch).max(leader_epoch);
                }
                self.fetch_from_leader(b, p, out);
            }
        }
    }

    pub(super) fn advance_high_watermark(&mut self, b: BrokerId, p: u16, out: &mut Out) {
        let min_isr = self.min_isr_all;
        let elr = self.cfg.eligible_leader_replicas;
        let (replica, role) = self.part(b, p);
        let log_end = replica.log_end();
        let Role::Leader(l) = role else {
            return;
        };
        let hw = bits(l.isr)
            .map(|m| {
                if m == b {
                    log_end
                } else {
                    l.followers.get(&m).map_or(0, |f| f.log_end)
                }
            })
            .min()
            .unwrap_or(log_end);
        // KIP-966's strict min ISR: with eligible leader replicas the high
        // watermark advances only while the ISR has min.insync.replicas
        // members, whatever the producer's acks.
        let under_min_isr = l.isr.count_ones() < u32::from(min_isr);
        if hw <= replica.high_watermark || (elr && under_min_isr) {
            return;
        }
        // `Partition.maybeIncrementLeaderHW`: the high watermark moves only
        // forward on a leader, and never past the smallest log end of the
        // ISR (the leader's own included).
        debug_assert!(hw > replica.high_watermark && hw <= log_end);
        debug_assert!(bits(l.isr).all(|m| {
            let end = if m == b {
                log_end
            } else {
                l.followers.get(&m).map_or(0, |f| f.log_end)
            };
            hw <= end
        }));
        replica.high_watermark = hw;
        let done: Vec<(u64, u32)> = l.waiting.range(..(hw, 0)).map(|(key, _)| *key).collect();
        let answers: Vec<(u64, Waiter)> = done
            .iter()
            .filter_map(|key| l.waiting.remove(key).map(|w| (key.0, w)))
            .collect();
        // Kafka's Partition.checkEnoughReplicasReachOffset: the high
        // watermark passing a request is not enough, the ISR must still
        // have min.insync.replicas members. An ISR shrunk to fewer lets the
        // high watermark jump to the leader's log end, and what only the
        // leader holds must not be acknowledged.
        let isr_size = l.isr.count_ones();
        let enough_replicas = isr_size >= u32::from(min_isr);
        let mut traced_offset = None;
        for (offset, w) in answers {
            let result = if enough_replicas {
                ProduceResult::Ok { offset }
            } else {
                // Retries of one batch wait on its offset too: one sentence
                // for the batch, however many requests are answered.
                if traced_offset.replace(offset) != Some(offset) {
                    out.trace(Event::Kafka(KafkaEvent::NotEnoughReplicasAfterAppend {
                        partition: w.partition,
                        msg: w.first_msg,
                        count: w.count,
                        isr: isr_size,
                        min_isr,
                    }));
                }
                ProduceResult::NotEnoughReplicasAfterAppend
            };
            out.send(
                Addr::Broker(b),
                w.client,
                kafka(KafkaMsg::ProduceResponse {
                    partition: w.partition,
                    corr: w.corr,
                    result,
                }),
            );
        }
        self.wake_parked(b, p, out);
    }

    pub(super) fn on_isr_check(&mut self, b: BrokerId, p: u16, out: &mut Out) {
        let now = out.now;
        let lag_max = self.cfg.replica_lag_time_max_ms;
        let (_, role) = self.part(b, p);
        let Role::Leader(l) = role else {
            return;
        };
        out.timer(
            Addr::Broker(b),
            (lag_max / 2).max(1),
            sys(Timer::IsrCheck(p)),
        );
        if l.altering {
            return;
        }
        let laggards: Vec<BrokerId> = l
            .followers
            .iter()
            .filter(|(f, st)| {
                l.isr & broker_bit(**f) != 0 && now.ms_since(st.caught_up_at) > lag_max
            })
            .map(|(f, _)| *f)
            .collect();
        if laggards.is_empty() {
            return;
        }
        let isr = laggards.iter().fold(l.isr, |m, f| m & !broker_bit(*f));
        l.altering = true;
        let epoch = l.epoch;
        for removed in &laggards {
            out.trace(Event::Kafka(KafkaEvent::IsrShrunk {
                partition: p,
                leader: b,
                removed: *removed,
                isr: members(isr),
            }));
        }
        out.send(
            Addr::Broker(b),
            Addr::Controller,
            kafka(KafkaMsg::AlterPartition {
                partition: p,
                leader_epoch: epoch,
                isr,
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    //! The leader's high-watermark and ISR rules and the follower's
    //! truncation, one handler call at a time (`kafka.cluster.Partition`
    //! and `kafka.server.ReplicaManager` in apache/kafka are the model).

    use super::super::harness::*;
    use super::*;

    /// A leader b1 in epoch 1 holding `n` records (msgs 1..=n) written
    /// with acks=1; its followers have fetched nothing yet.
    fn with_records(settings: serde_json::Value, n: u32) -> Kafka {
        let mut k = cluster(settings);
        let msgs: Vec<u32> = (1..=n).collect();
        k.produce(b(1), Acks::Leader, 1, &msgs, &mut at(1));
        k
    }

    /// `Partition.maybeIncrementLeaderHW`: the high watermark is the
    /// smallest log end offset among the ISR's members (the leader's own
    /// included); one follower ahead is not enough.
    #[test]
    fn the_high_watermark_is_the_smallest_log_end_of_the_isr() {
        let mut k = with_records(serde_json::json!({}), 3);
        assert_eq!(k.replica(b(1)).log_end(), 3);
        assert_eq!(k.replica(b(1)).high_watermark, 0);

        k.follower_fetch(b(1), b(2), 3, &mut at(2));
        assert_eq!(k.replica(b(1)).high_watermark, 0, "b3 has nothing yet");

        k.follower_fetch(b(1), b(3), 2, &mut at(3));
        assert_eq!(k.replica(b(1)).high_watermark, 2, "b3's log end");

        k.follower_fetch(b(1), b(3), 3, &mut at(4));
        assert_eq!(k.replica(b(1)).high_watermark, 3);
    }

    /// `Partition.maybeIncrementLeaderHW` only ever moves the leader's
    /// high watermark forward: a follower reporting a smaller log end
    /// (a late fetch) leaves it where it is.
    #[test]
    fn the_high_watermark_never_goes_back_on_the_leader() {
        let mut k = with_records(serde_json::json!({}), 3);
        k.follower_fetch(b(1), b(2), 3, &mut at(2));
        k.follower_fetch(b(1), b(3), 3, &mut at(3));
        assert_eq!(k.replica(b(1)).high_watermark, 3);

        k.follower_fetch(b(1), b(3), 1, &mut at(4));
        assert_eq!(k.replica(b(1)).high_watermark, 3);
        assert_eq!(k.leader_state(b(1)).followers[&b(3)].log_end, 1);
    }

    /// Kafka's docs (`acks=all`: "the leader will wait for the full set of
    /// in-sync replicas to acknowledge the record") and `DelayedProduce`
    /// in `ReplicaManager`: the answer waits until the high watermark
    /// passes the batch's last offset, and says where the batch begins.
    #[test]
    fn acks_all_is_answered_only_when_the_high_watermark_passes_the_batch() {
        let mut k = cluster(serde_json::json!({ "min.insync.replicas": 2 }));
        let mut out = at(1);
        k.produce(b(1), Acks::All, 9, &[1, 2], &mut out);
        assert_eq!(produce_answers(&out), vec![], "appended, not yet answered");
        assert_eq!(k.replica(b(1)).log_end(), 2);

        let mut out = at(2);
        k.follower_fetch(b(1), b(2), 2, &mut out);
        k.follower_fetch(b(1), b(3), 1, &mut out);
        assert_eq!(k.replica(b(1)).high_watermark, 1);
        assert_eq!(produce_answers(&out), vec![], "the batch ends at offset 1");

        let mut out = at(3);
        k.follower_fetch(b(1), b(3), 2, &mut out);
        assert_eq!(
            produce_answers(&out),
            vec![(9, ProduceResult::Ok { offset: 1 })]
        );
        assert!(k.leader_state(b(1)).waiting.is_empty());
    }

    /// Kafka's docs for `min.insync.replicas` and
    /// `Partition.appendRecordsToLeader`: with acks=all and an ISR smaller
    /// than `min.insync.replicas` the leader refuses with
    /// NOT_ENOUGH_REPLICAS before appending; acks=1 is still written.
    #[test]
    fn acks_all_is_refused_with_not_enough_replicas_while_the_isr_is_too_small() {
        let mut k = cluster(serde_json::json!({ "min.insync.replicas": 2 }));
        k.push_state(b(1), state(Some(b(1)), 1, &[b(1)]), &mut at(1));
        assert_eq!(k.leader_state(b(1)).isr, broker_bit(b(1)));

        let mut out = at(2);
        k.produce(b(1), Acks::All, 4, &[1], &mut out);
        assert_eq!(
            produce_answers(&out),
            vec![(4, ProduceResult::NotEnoughReplicas)]
        );
        assert_eq!(k.replica(b(1)).log_end(), 0, "nothing appended");
        assert!(matches!(
            events(&out)[..],
            [KafkaEvent::NotEnoughReplicas {
                isr: 1,
                min_isr: 2,
                ..
            }]
        ));

        let mut out = at(3);
        k.produce(b(1), Acks::Leader, 5, &[2], &mut out);
        assert_eq!(
            produce_answers(&out),
            vec![(5, ProduceResult::Ok { offset: 0 })]
        );
    }

    /// Kafka 3.9, `Partition.checkEnoughReplicasReachOffset`: a batch
    /// appended while the ISR was large enough, whose high watermark is
    /// reached only after the ISR shrank below `min.insync.replicas`, is
    /// answered NOT_ENOUGH_REPLICAS_AFTER_APPEND, not acknowledged.
    #[test]
    fn a_shrunk_isr_answers_waiting_acks_all_with_not_enough_replicas_after_append() {
        let mut k = cluster_on("3.9", serde_json::json!({ "min.insync.replicas": 2 }));
        k.produce(b(1), Acks::All, 4, &[1], &mut at(1));

        let mut out = at(2);
        k.push_state(b(1), state(Some(b(1)), 1, &[b(1)]), &mut out);
        assert_eq!(k.replica(b(1)).high_watermark, 1, "the ISR is b1 alone");
        assert_eq!(
            produce_answers(&out),
            vec![(4, ProduceResult::NotEnoughReplicasAfterAppend)]
        );
    }

    /// Kafka 4.1, KIP-966's strict min ISR: the same shrink leaves the high
    /// watermark where it was, so the batch waits, unanswered, for the ISR
    /// to grow back (or for the producer's request timeout).
    #[test]
    fn with_eligible_leader_replicas_a_shrunk_isr_stops_the_high_watermark() {
        let mut k = cluster(serde_json::json!({ "min.insync.replicas": 2 }));
        k.produce(b(1), Acks::All, 4, &[1], &mut at(1));

        let mut out = at(2);
        k.push_state(b(1), state(Some(b(1)), 1, &[b(1)]), &mut out);
        assert_eq!(k.replica(b(1)).high_watermark, 0);
        assert!(produce_answers(&out).is_empty());
    }

    /// Kafka's docs for `replica.lag.time.max.ms` and
    /// `Partition.maybeShrinkIsr` / `getOutOfSyncReplicas`: a follower
    /// that has not caught up to the leader's log end for longer than
    /// `replica.lag.time.max.ms` leaves the ISR, through an AlterPartition
    /// to the controller in the leader's epoch. Fetching without catching
    /// up does not keep it in.
    #[test]
    fn a_follower_not_caught_up_for_replica_lag_time_max_ms_leaves_the_isr() {
        let mut k = with_records(serde_json::json!({}), 3);
        // b2 keeps up; b3 keeps fetching but stays one record behind.
        k.follower_fetch(b(1), b(2), 3, &mut at(9_000));
        k.follower_fetch(b(1), b(3), 2, &mut at(9_000));

        let mut out = at(10_000);
        k.on_isr_check(b(1), 0, &mut out);
        assert_eq!(alters(&out), vec![], "exactly the lag time is not over it");

        let mut out = at(10_001);
        k.on_isr_check(b(1), 0, &mut out);
        assert_eq!(
            alters(&out),
            vec![(Addr::Broker(b(1)), 1, vec![b(1), b(2)])]
        );
        assert!(matches!(
            events(&out)[..],
            [KafkaEvent::IsrShrunk { removed, .. }] if *removed == b(3)
        ));
        // The leader's ISR changes only when the controller confirms it
        // (KIP-497), and one change is in flight at a time.
        let l = k.leader_state(b(1));
        assert!(l.altering);
        assert_eq!(members(l.isr), vec![b(1), b(2), b(3)]);
        let mut out = at(20_000);
        k.on_isr_check(b(1), 0, &mut out);
        assert_eq!(alters(&out), vec![]);

        k.push_state(b(1), state(Some(b(1)), 1, &[b(1), b(2)]), &mut at(20_001));
        let l = k.leader_state(b(1));
        assert!(!l.altering);
        assert_eq!(members(l.isr), vec![b(1), b(2)]);
        assert_eq!(
            k.replica(b(1)).high_watermark,
            3,
            "b3 no longer holds it back"
        );
    }

    /// `Partition.maybeExpandIsr` / `isFollowerInSync`: a follower out of
    /// the ISR is proposed back only once caught up. Kafka's bar is the
    /// leader's high watermark; this model asks for the leader's log end,
    /// which is at least the high watermark, so it never readmits earlier.
    #[test]
    fn a_follower_rejoins_the_isr_only_once_caught_up() {
        let mut k = with_records(serde_json::json!({}), 3);
        k.follower_fetch(b(1), b(2), 3, &mut at(2));
        k.push_state(b(1), state(Some(b(1)), 1, &[b(1), b(2)]), &mut at(3));
        assert_eq!(k.replica(b(1)).high_watermark, 3);

        let mut out = at(4);
        k.follower_fetch(b(1), b(3), 2, &mut out);
        assert_eq!(alters(&out), vec![], "one record short");

        let mut out = at(5);
        k.follower_fetch(b(1), b(3), 3, &mut out);
        assert_eq!(
            alters(&out),
            vec![(Addr::Broker(b(1)), 1, vec![b(1), b(2), b(3)])]
        );
        assert!(matches!(
            events(&out)[..],
            [KafkaEvent::IsrExpanded { added, .. }] if *added == b(3)
        ));
    }

    /// KIP-101 / KIP-320 and `Partition.fetchRecords`: a follower whose log
    /// holds records of an epoch past where that epoch ends on the leader
    /// is told it diverges, and truncates to that end. The records below
    /// the high watermark it had learned were in every ISR member's log,
    /// so after a clean election they are never among those dropped.
    #[test]
    fn a_returning_leader_truncates_only_what_the_new_leader_never_had() {
        let mut k = with_records(serde_json::json!({}), 2);
        k.follower_fetch(b(1), b(2), 2, &mut at(2));
        k.follower_fetch(b(1), b(3), 2, &mut at(2));
        // The followers' copies, as their fetch answers would bring them.
        for f in [b(2), b(3)] {
            let records = k.replica(b(1)).log.clone();
            let r = &mut k.brokers[usize::from(f.0)].replicas[0];
            for rec in records {
                r.append(rec, SimTime::ZERO);
            }
            r.high_watermark = 2;
        }
        k.produce(b(1), Acks::Leader, 2, &[3, 4], &mut at(3));
        assert_eq!(k.replica(b(1)).high_watermark, 2);

        // b1 is cut off; the controller elects b2 in epoch 2, which writes on.
        k.push_state(b(2), state(Some(b(2)), 2, &[b(2), b(3)]), &mut at(4));
        k.produce(b(2), Acks::Leader, 1, &[5], &mut at(5));
        assert_eq!(k.replica(b(2)).log_end(), 3);

        // b1 learns it follows b2 and fetches from its log end in epoch 1.
        let mut out = at(6);
        k.push_state(b(1), state(Some(b(2)), 2, &[b(2), b(3)]), &mut out);
        let fetch = sent(&out)
            .into_iter()
            .find_map(|(_, to, m)| (to == Addr::Broker(b(2))).then(|| m.clone()))
            .expect("b1 fetches from b2");
        assert!(matches!(
            fetch,
            KafkaMsg::ReplicaFetch {
                offset: 4,
                last_epoch: 1,
                ..
            }
        ));
        let mut out = at(7);
        k.deliver(b(2), Addr::Broker(b(1)), fetch, &mut out);
        let reply = sent(&out)
            .into_iter()
            .find_map(|(_, _, m)| match m {
                KafkaMsg::ReplicaFetchResponse { reply, corr, .. } => {
                    Some((*corr, (**reply).clone()))
                }
                _ => None,
            })
            .expect("b2 answers");
        assert_eq!(reply.1, ReplicaReply::Diverging { epoch: 1, end: 2 });

        let hw_before = k.replica(b(1)).high_watermark;
        let mut out = at(8);
        let response = KafkaMsg::ReplicaFetchResponse {
            partition: 0,
            corr: reply.0,
            reply: Box::new(reply.1),
        };
        k.deliver(b(1), Addr::Broker(b(2)), response, &mut out);
        let r = k.replica(b(1));
        assert_eq!(r.log_end(), 2, "msgs 3 and 4 go");
        assert!(
            r.log_end() >= hw_before,
            "nothing below the HW it had learned"
        );
        assert_eq!(
            r.log.iter().map(|r| r.msg).collect::<Vec<_>>(),
            vec![MsgId(1), MsgId(2)]
        );
        assert!(matches!(
            events(&out)[..],
            [KafkaEvent::Truncated {
                to_offset: 2,
                removed: 2,
                ..
            }]
        ));
    }

    /// `Partition.makeLeader` / `makeFollower` ignore a request whose
    /// leader epoch is older than the one the replica already has: leader
    /// epochs never go back on a broker.
    #[test]
    fn a_stale_partition_state_does_not_move_a_replica_back_an_epoch() {
        let mut k = cluster(serde_json::json!({}));
        k.push_state(b(2), state(Some(b(3)), 3, &[b(2), b(3)]), &mut at(1));
        assert!(matches!(
            k.brokers[1].process.roles[0],
            Role::Follower { epoch: 3, leader, .. } if leader == b(3)
        ));

        let mut out = at(2);
        k.push_state(b(2), state(Some(b(2)), 2, &[b(2)]), &mut out);
        assert!(matches!(
            k.brokers[1].process.roles[0],
            Role::Follower { epoch: 3, .. }
        ));
        assert!(events(&out).is_empty());
        assert!(sent(&out).is_empty());
    }
}
