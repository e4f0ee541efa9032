//! A broker's side of Kafka's clients: metadata, produce requests (acks,
//! min.insync.replicas, the idempotent producer's sequence check) and
//! consumer fetches below the high watermark.

use super::*;

impl Kafka {
    // ----- brokers: clients -------------------------------------------------------------------

    /// A record batch from a producer at (what it thinks is) the leader.
    pub(super) fn on_produce(
        &mut self,
        b: BrokerId,
        client: Addr,
        p: u16,
        batch: ProduceBatch,
        out: &mut Out,
    ) {
        let min_isr = self.min_isr_all;
        let corr = batch.corr;
        let respond = |out: &mut Out, result| {
            out.send(
                Addr::Broker(b),
                client,
                kafka(KafkaMsg::ProduceResponse {
                    partition: p,
                    corr,
                    result,
                }),
            );
        };
        let flush_messages = self.cfg.flush_messages;
        let broker = self.broker(b);
        let (Some(replica), Some(role)) = (
            broker.replicas.get_mut(usize::from(p)),
            broker.process.roles.get_mut(usize::from(p)),
        ) else {
            return;
        };
        let Role::Leader(l) = &*role else {
            respond(out, ProduceResult::NotLeader);
            return;
        };
        let isr_size = l.isr.count_ones();
        if batch.acks == Acks::All && isr_size < u32::from(min_isr) {
            let msg = batch.msgs.first().copied().unwrap_or(MsgId(0));
            out.trace(Event::Kafka(KafkaEvent::NotEnoughReplicas {
                partition: p,
                msg,
                isr: isr_size,
                min_isr,
            }));
            respond(out, ProduceResult::NotEnoughReplicas);
            return;
        }
        // The idempotent producer's batches arrive in sequence: one already
        // written is a duplicate, one that skips ahead waits for its turn.
        let mut skip = 0usize;
        if batch.producer_id != 0
            && let Some(&last) = replica.sequences.get(&batch.producer_id)
        {
            let count = batch.msgs.len() as u32;
            if batch.base_seq + count.saturating_sub(1) <= last {
                let last_seq = batch.base_seq + count.saturating_sub(1);
                let Some(original) = replica
                    .log
                    .iter()
                    .rposition(|r| r.producer_id == batch.producer_id && r.seq == last_seq)
                    .map(|o| o as u64)
                else {
                    // Later sequence numbers are here but these records are
                    // not (this leader never had them): a gap, not a
                    // duplicate. Answering "duplicate" would confirm records
                    // nobody holds.
                    respond(out, ProduceResult::OutOfOrderSequence);
                    return;
                };
                let msg = batch.msgs.first().copied().unwrap_or(MsgId(0));
                out.trace(Event::Kafka(KafkaEvent::DuplicateDropped {
                    partition: p,
                    msg,
                    count,
                }));
                // Answered like the original: with acks=all only once the
                // original records are below the high watermark.
                if batch.acks == Acks::All && original >= replica.high_watermark {
                    if let Role::Leader(l) = &mut *role {
                        l.waiting.insert(
                            (original, corr),
                            Waiter {
                                client,
                                corr,
                                partition: p,
                                first_msg: msg,
                                count,
                            },
                        );
                    }
                } else {
                    respond(out, ProduceResult::Duplicate);
                }
                return;
            }
            if batch.base_seq > last + 1 {
                respond(out, ProduceResult::OutOfOrderSequence);
                return;
            }
            skip = (last + 1 - batch.base_seq) as usize;
        }
        let epoch = l.epoch;
        let mut last_offset = replica.log_end();
        for (i, msg) in batch.msgs.iter().enumerate().skip(skip) {
            let record = Record {
                msg: *msg,
                epoch,
                producer_id: batch.producer_id,
                seq: batch.base_seq + i as u32,
            };
            last_offset = replica.append(record, out.now);
            out.copy_added(*msg, broker_bit(b), Layer::PageCache);
        }
        replica.flush_if_due(flush_messages, b, out);
        match batch.acks {
            Acks::None => {}
            Acks::Leader => respond(
                out,
                ProduceResult::Ok {
                    offset: last_offset,
                },
            ),
            Acks::All => {
                if let Role::Leader(l) = &mut *role {
                    l.waiting.insert(
                        (last_offset, corr),
                        Waiter {
                            client,
                            corr,
                            partition: p,
                            first_msg: batch.msgs.first().copied().unwrap_or(MsgId(0)),
                            count: batch.msgs.len() as u32,
                        },
                    );
                }
            }
        }
        self.advance_high_watermark(b, p, out);
        self.wake_parked(b, p, out);
    }

    pub(super) fn on_consumer_fetch(
        &mut self,
        b: BrokerId,
        client: Addr,
        p: u16,
        fetch: ReplicaFetch,
        out: &mut Out,
    ) {
        let ReplicaFetch {
            offset,
            last_epoch,
            corr,
        } = fetch;
        let broker = &self.brokers[usize::from(b.0)];
        let (Some(replica), Some(role)) = (
            broker.replicas.get(usize::from(p)),
            broker.process.roles.get(usize::from(p)),
        ) else {
            return;
        };
        let respond = |out: &mut Out, result| {
            out.send(
                Addr::Broker(b),
                client,
                kafka(KafkaMsg::FetchResponse {
                    partition: p,
                    corr,
                    result,
                }),
            );
        };
        if !matches!(role, Role::Leader(_)) {
            respond(out, FetchResult::NotLeader);
            return;
        }
        // KIP-320: a position inside an epoch that ends earlier here has
        // diverged; the consumer must go back to where that epoch ends.
        if last_epoch != u32::MAX && offset > replica.end_of_epoch(last_epoch) {
            let end = replica.end_of_epoch(last_epoch);
            respond(out, FetchResult::Diverging { end });
            return;
        }
        if offset > replica.log_end() {
            let log_end = replica.high_watermark;
            respond(out, FetchResult::OutOfRange { log_end });
            return;
        }
        if offset < replica.high_watermark {
            self.answer_consumer_fetch(b, client, p, offset, corr, out);
        } else {
            self.park(b, p, client, corr, offset, out);
        }
    }

    /// Consumers read only committed data: below the high watermark.
    pub(super) fn answer_consumer_fetch(
        &self,
        b: BrokerId,
        client: Addr,
        p: u16,
        offset: u64,
        corr: u32,
        out: &mut Out,
    ) {
        let replica = &self.brokers[usize::from(b.0)].replicas[usize::from(p)];
        let hw = replica.high_watermark;
        let end = (offset + MAX_FETCH_RECORDS as u64).min(hw).max(offset);
        let records: Vec<(u64, MsgId, u32)> = (offset..end)
            .map(|o| {
                let r = &replica.log[o as usize];
                (o, r.msg, r.epoch)
            })
            .collect();
        let result = FetchResult::Records {
            records: Box::new(records),
            high_watermark: hw,
        };
        out.send(
            Addr::Broker(b),
            client,
            kafka(KafkaMsg::FetchResponse {
                partition: p,
                corr,
                result,
            }),
        );
    }

    pub(super) fn on_client(&mut self, b: BrokerId, client: Addr, msg: KafkaMsg, out: &mut Out) {
        match msg {
            KafkaMsg::MetadataRequest => {
                let leaders: Vec<Option<BrokerId>> = self.brokers[usize::from(b.0)]
                    .process
                    .states
                    .iter()
                    .map(|s| s.leader)
                    .collect();
                out.send(
                    Addr::Broker(b),
                    client,
                    kafka(KafkaMsg::Metadata {
                        leaders: Box::new(leaders),
                    }),
                );
            }
            KafkaMsg::Produce {
                partition,
                corr,
                acks,
                producer_id,
                base_seq,
                msgs,
            } => {
                let batch = ProduceBatch {
                    corr,
                    acks,
                    producer_id,
                    base_seq,
                    msgs: *msgs,
                };
                self.on_produce(b, client, partition, batch, out);
            }
            KafkaMsg::Fetch {
                partition,
                offset,
                corr,
                last_epoch,
            } => {
                let fetch = ReplicaFetch {
                    offset,
                    last_epoch: last_epoch.unwrap_or(u32::MAX),
                    corr,
                };
                self.on_consumer_fetch(b, client, partition, fetch, out);
            }
            KafkaMsg::ListOffsets { partition } => {
                let broker = &self.brokers[usize::from(b.0)];
                let p = usize::from(partition);
                let end = broker
                    .replicas
                    .get(p)
                    .filter(|_| matches!(broker.process.roles.get(p), Some(Role::Leader(_))))
                    .map(|r| r.high_watermark);
                out.send(
                    Addr::Broker(b),
                    client,
                    kafka(KafkaMsg::ListOffsetsResponse { partition, end }),
                );
            }
            _ => {}
        }
    }
}
