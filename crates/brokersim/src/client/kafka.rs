//! Kafka's clients. Unlike AMQP and OpenWire clients they hold no single
//! connection: they ask a bootstrap broker for metadata (who leads each
//! partition) and talk to each partition's leader.
//!
//! - The producer spreads messages over the partitions round-robin, keeps
//!   at most `max.in.flight.requests.per.connection` requests in flight per
//!   partition, waits for the answer `acks` asks for (none with `acks=0`:
//!   the send counts as acknowledged at once, as Kafka's callback does),
//!   retries retriable errors (NotLeaderOrFollower, NotEnoughReplicas,
//!   NotEnoughReplicasAfterAppend, a request timed out after
//!   `request.timeout.ms`) every
//!   `retry.backoff.ms` (100 ms), and gives up after `delivery.timeout.ms`.
//!   With `enable.idempotence` every record carries the producer id and a
//!   sequence number, so the leader drops a retry of a record it has.
//! - The consumer joins one group; partitions are assigned by range
//!   (partition p to consumer p mod n) and not rebalanced. Once the group
//!   coordinator completes the assignment, it takes its position: the
//!   group's committed offset, or by `auto.offset.reset` without one (`latest`
//!   asks the leader with ListOffsets, which answers the high watermark).
//!   It fetches from the leader what lies below the high watermark, handles each
//!   record for `process_ms`, and commits: after every record (`ack:
//!   manual`, commitSync) or every `auto.commit.interval.ms` (`ack: auto`).

use std::collections::{BTreeMap, VecDeque};

use super::ctx::ClientCtx;
use super::handling::Handling;
use super::schedule::Schedule;
use super::timer::ClientTimer;
use crate::ids::{Addr, BrokerId, ClientId, MsgId};
use crate::out::TimerKind;
use crate::scenario::config::{
    Acks, ConsumerConfig, KafkaConsumerConfig, KafkaProducerConfig, ProducerConfig,
};
use crate::systems::kafka::events::KafkaEvent;
use crate::systems::kafka::protocol::{FetchResult, KafkaMsg, ProduceResult};
use crate::time::SimTime;
use crate::trace::Event;
use crate::view::{ClientState, ClientView};
use crate::wire::Payload;

/// Kafka's `retry.backoff.ms`, also the clients' housekeeping period.
const RETRY_BACKOFF_MS: u64 = 100;

/// Which broker to ask for metadata, and whether an answer is awaited.
#[derive(Clone, Debug)]
struct Metadata {
    bootstrap: Vec<BrokerId>,
    next: usize,
    leaders: Vec<Option<BrokerId>>,
    wanted: bool,
    asked_at: Option<SimTime>,
}

impl Metadata {
    fn new(bootstrap: Vec<BrokerId>, partitions: u16) -> Metadata {
        Metadata {
            bootstrap,
            next: 0,
            leaders: vec![None; usize::from(partitions)],
            wanted: true,
            asked_at: None,
        }
    }

    /// Asks the next bootstrap broker, unless an answer is still expected
    /// (a broker that does not answer within `timeout_ms` is given up on:
    /// the connection setup or request timed out).
    fn refresh(&mut self, me: Addr, timeout_ms: u64, ctx: &mut ClientCtx) {
        let now = ctx.out.now;
        if !self.wanted
            || self
                .asked_at
                .is_some_and(|at| now.ms_since(at) < timeout_ms)
            || self.bootstrap.is_empty()
        {
            return;
        }
        let broker = self.bootstrap[self.next % self.bootstrap.len()];
        self.next += 1;
        self.asked_at = Some(now);
        ctx.out.send(
            me,
            Addr::Broker(broker),
            Payload::Kafka(KafkaMsg::MetadataRequest),
        );
    }

    fn answer(&mut self, leaders: Vec<Option<BrokerId>>) {
        if leaders.len() == self.leaders.len() {
            self.leaders = leaders;
            // A partition without a leader keeps the client asking.
            self.wanted = self.leaders.iter().any(Option::is_none);
        } else {
            // A broker just restarted knows no partitions until the
            // controller's metadata reaches it: ask again.
            self.wanted = true;
        }
        self.asked_at = None;
    }

    fn invalidate(&mut self) {
        self.wanted = true;
    }
}

/// Records accumulated for one partition and sent as one request (Kafka's
/// record batch): a batch is retried whole, so its sequence numbers stay
/// the same.
#[derive(Clone, Debug)]
struct Batch {
    partition: u16,
    msgs: Vec<MsgId>,
    base_seq: u32,
    attempt: u16,
    created: SimTime,
    /// Sent and not answered yet, since.
    in_flight_since: Option<SimTime>,
    retry_at: SimTime,
    /// Every failure so far was an answer saying no (giving up is then a
    /// definite rejection rather than an unknown outcome).
    only_refused: bool,
}

/// How many records a batch holds at most (batch.size 16 KB of small records).
const MAX_BATCH_RECORDS: usize = 500;

#[derive(Clone, Debug)]
pub struct KafkaProducer {
    pub id: ClientId,
    cfg: ProducerConfig,
    k: KafkaProducerConfig,
    metadata: Metadata,
    producer_id: u32,
    incarnation: u32,
    next_seq: Vec<u32>,
    next_partition: u16,
    /// Batches waiting to be sent, per partition, in sequence order.
    queued: Vec<VecDeque<Batch>>,
    /// Batches sent and awaiting an answer, by request number.
    in_flight: BTreeMap<u32, Batch>,
    in_flight_per_partition: Vec<u32>,
    corr: u32,
    schedule: Schedule,
    pub crashed: bool,
    /// MirrorMaker 2's producer: it republishes what it is handed, each
    /// message into the partition it came from, never new ones.
    relay: Option<VecDeque<(MsgId, u16)>>,
}

impl KafkaProducer {
    /// MirrorMaker 2's producer into a site (see `relay`).
    pub fn new_relay(
        id: ClientId,
        cfg: ProducerConfig,
        k: KafkaProducerConfig,
        partitions: u16,
    ) -> KafkaProducer {
        KafkaProducer {
            relay: Some(VecDeque::new()),
            ..KafkaProducer::new(id, cfg, k, partitions)
        }
    }

    /// Hands MirrorMaker one more message of source partition `partition`.
    pub fn relay(&mut self, msg: MsgId, partition: u16, ctx: &mut ClientCtx) {
        if let Some(inbox) = &mut self.relay {
            inbox.push_back((msg, partition));
            self.pump(ctx);
        }
    }

    pub fn new(
        id: ClientId,
        cfg: ProducerConfig,
        k: KafkaProducerConfig,
        partitions: u16,
    ) -> KafkaProducer {
        let bootstrap = cfg.connection.policy.brokers().to_vec();
        KafkaProducer {
            id,
            metadata: Metadata::new(bootstrap, partitions),
            producer_id: 0,
            incarnation: 0,
            next_seq: vec![0; usize::from(partitions)],
            next_partition: 0,
            queued: vec![VecDeque::new(); usize::from(partitions)],
            in_flight: BTreeMap::new(),
            in_flight_per_partition: vec![0; usize::from(partitions)],
            corr: 0,
            schedule: Schedule::new(cfg.rate_per_s, cfg.count),
            crashed: false,
            relay: None,
            cfg,
            k,
        }
    }

    fn me(&self) -> Addr {
        Addr::Producer(self.id)
    }

    pub fn start_ms(&self) -> u64 {
        self.cfg.start_ms
    }

    fn unconfirmed(&self) -> u32 {
        let queued: usize = self.queued.iter().flatten().map(|b| b.msgs.len()).sum();
        let sent: usize = self.in_flight.values().map(|b| b.msgs.len()).sum();
        (queued + sent) as u32
    }

    pub fn is_idle(&self) -> bool {
        self.crashed
            || (self.schedule.backlog() == 0
                && self.relay.as_ref().is_none_or(VecDeque::is_empty)
                && self.in_flight.is_empty()
                && self.queued.iter().all(VecDeque::is_empty))
    }

    pub fn view(&self, _now: SimTime) -> ClientView {
        ClientView {
            name: self.me().to_string(),
            connected_to: self.metadata.leaders.first().copied().flatten(),
            state: match (self.crashed, self.metadata.wanted) {
                (true, _) => ClientState::Crashed,
                (false, true) => ClientState::RefreshingMetadata,
                (false, false) => ClientState::Connected,
            },
            outstanding: self.unconfirmed(),
            backlog: self.schedule.backlog(),
            reconnect_at: None,
            silent_ms: 0,
            timeout_ms: self.k.request_timeout_ms,
        }
    }

    pub fn on_timer(&mut self, timer: ClientTimer, ctx: &mut ClientCtx) {
        match timer {
            ClientTimer::Start => {
                self.incarnation += 1;
                // A new producer id per process: sequence numbers start again.
                self.producer_id = if self.k.idempotent {
                    (u32::from(self.id.0) + 1) | (self.incarnation << 8)
                } else {
                    0
                };
                self.metadata.wanted = true;
                self.metadata.asked_at = None;
                self.metadata.refresh(
                    self.me(),
                    self.k
                        .request_timeout_ms
                        .min(self.cfg.connection.connect_timeout_ms),
                    ctx,
                );
                ctx.out.timer(
                    self.me(),
                    RETRY_BACKOFF_MS,
                    TimerKind::Client(ClientTimer::KafkaTick),
                );
            }
            ClientTimer::KafkaTick => {
                ctx.out.timer(
                    self.me(),
                    RETRY_BACKOFF_MS,
                    TimerKind::Client(ClientTimer::KafkaTick),
                );
                self.housekeeping(ctx);
            }
            ClientTimer::PublishTick => self.tick(ctx),
            _ => {}
        }
    }

    fn tick(&mut self, ctx: &mut ClientCtx) {
        self.schedule.tick(self.me(), ctx.publishing_open, ctx.out);
        self.pump(ctx);
    }

    fn housekeeping(&mut self, ctx: &mut ClientCtx) {
        let now = ctx.out.now;
        let timed_out: Vec<u32> = self
            .in_flight
            .iter()
            .filter(|(_, b)| {
                b.in_flight_since
                    .is_some_and(|at| now.ms_since(at) >= self.k.request_timeout_ms)
            })
            .map(|(corr, _)| *corr)
            .collect();
        for corr in timed_out {
            self.failed(corr, None, ctx);
        }
        for p in 0..self.queued.len() {
            while self.queued[p]
                .front()
                .is_some_and(|b| now.ms_since(b.created) >= self.k.delivery_timeout_ms)
            {
                if let Some(batch) = self.queued[p].pop_front() {
                    self.give_up(batch, ctx);
                }
            }
        }
        self.metadata.refresh(
            self.me(),
            self.k
                .request_timeout_ms
                .min(self.cfg.connection.connect_timeout_ms),
            ctx,
        );
        self.pump(ctx);
    }

    /// Adds the messages the application wants to send to their partitions'
    /// batches, then sends what each leader and the in-flight limit allow.
    fn pump(&mut self, ctx: &mut ClientCtx) {
        let partitions = self.queued.len() as u16;
        while self.schedule.take() {
            let msg = ctx.ledger.publish_new(self.id.0, ctx.out.now);
            let p = self.next_partition;
            self.next_partition = (self.next_partition + 1) % partitions;
            self.enqueue(msg, p, ctx.out.now);
        }
        while let Some((msg, p)) = self.relay.as_mut().and_then(VecDeque::pop_front) {
            self.enqueue(msg, p.min(partitions - 1), ctx.out.now);
        }
        for p in 0..partitions {
            let Some(leader) = self.metadata.leaders[usize::from(p)] else {
                continue;
            };
            while self.in_flight_per_partition[usize::from(p)] < self.k.max_in_flight {
                let ready = self.queued[usize::from(p)]
                    .front()
                    .is_some_and(|b| b.retry_at <= ctx.out.now);
                if !ready {
                    break;
                }
                if let Some(batch) = self.queued[usize::from(p)].pop_front() {
                    self.send(leader, batch, ctx);
                }
            }
        }
    }

    /// Appends a message to its partition's open batch, or opens one.
    fn enqueue(&mut self, msg: MsgId, p: u16, now: SimTime) {
        let seq = self.next_seq[usize::from(p)];
        self.next_seq[usize::from(p)] += 1;
        let queue = &mut self.queued[usize::from(p)];
        match queue.back_mut() {
            Some(batch) if batch.attempt == 0 && batch.msgs.len() < MAX_BATCH_RECORDS => {
                batch.msgs.push(msg)
            }
            _ => queue.push_back(Batch {
                partition: p,
                msgs: vec![msg],
                base_seq: seq,
                attempt: 0,
                created: now,
                in_flight_since: None,
                retry_at: now,
                only_refused: true,
            }),
        }
    }

    fn send(&mut self, leader: BrokerId, mut batch: Batch, ctx: &mut ClientCtx) {
        batch.attempt += 1;
        batch.in_flight_since = Some(ctx.out.now);
        for msg in &batch.msgs {
            ctx.ledger.attempt(*msg);
            ctx.out.trace(Event::Published {
                msg: *msg,
                producer: self.me(),
                attempt: batch.attempt,
            });
        }
        self.corr += 1;
        let corr = self.corr;
        let produce = KafkaMsg::Produce {
            partition: batch.partition,
            corr,
            acks: self.k.acks,
            producer_id: self.producer_id,
            base_seq: batch.base_seq,
            msgs: Box::new(batch.msgs.clone()),
        };
        ctx.out
            .send(self.me(), Addr::Broker(leader), Payload::Kafka(produce));
        if self.k.acks == Acks::None {
            // Fire and forget: Kafka's callback reports success at once.
            self.confirm(&batch, ctx);
        } else {
            self.in_flight_per_partition[usize::from(batch.partition)] += 1;
            self.in_flight.insert(corr, batch);
        }
    }

    fn confirm(&self, batch: &Batch, ctx: &mut ClientCtx) {
        for msg in &batch.msgs {
            ctx.ledger.confirm(*msg, ctx.out.now);
            ctx.out.trace(if self.relay.is_some() {
                Event::Replicated {
                    msg: *msg,
                    by: self.me(),
                }
            } else {
                Event::Confirmed { msg: *msg }
            });
        }
    }

    /// A request failed: with `refusal` the broker said why; `None` is a
    /// timeout, after which nobody knows whether the batch was written.
    fn failed(&mut self, corr: u32, refusal: Option<ProduceResult>, ctx: &mut ClientCtx) {
        let Some(mut batch) = self.in_flight.remove(&corr) else {
            return;
        };
        self.in_flight_per_partition[usize::from(batch.partition)] -= 1;
        batch.in_flight_since = None;
        // NotEnoughReplicasAfterAppend is no refusal: the records were
        // written, and may be read, like those of a timed-out request.
        batch.only_refused &=
            refusal.is_some_and(|why| why != ProduceResult::NotEnoughReplicasAfterAppend);
        batch.retry_at = ctx.out.now.after_ms(RETRY_BACKOFF_MS);
        self.metadata.invalidate();
        let within_time = ctx.out.now.ms_since(batch.created) < self.k.delivery_timeout_ms;
        if !within_time {
            self.give_up(batch, ctx);
            return;
        }
        if u32::from(batch.attempt) > self.cfg.retries {
            let (msg, count) = (batch.msgs[0], batch.msgs.len() as u32);
            ctx.out.trace(Event::Kafka(KafkaEvent::RetriesExhausted {
                msg,
                count,
                retries: self.cfg.retries,
            }));
            self.abandon(batch, ctx);
            return;
        }
        let why = refusal.unwrap_or(ProduceResult::Ok { offset: 0 });
        let (msg, count) = (batch.msgs[0], batch.msgs.len() as u32);
        ctx.out.trace(Event::Kafka(KafkaEvent::ProduceRetry {
            msg,
            count,
            partition: batch.partition,
            why,
            attempt: batch.attempt + 1,
        }));
        // Back in its partition's queue in sequence order: retries keep their place.
        let queue = &mut self.queued[usize::from(batch.partition)];
        let at = queue
            .iter()
            .position(|b| b.base_seq > batch.base_seq)
            .unwrap_or(queue.len());
        queue.insert(at, batch);
    }

    /// `delivery.timeout.ms` passed: the producer gives the batch up.
    fn give_up(&mut self, batch: Batch, ctx: &mut ClientCtx) {
        let (msg, count) = (batch.msgs[0], batch.msgs.len() as u32);
        ctx.out
            .trace(Event::Kafka(KafkaEvent::DeliveryTimedOut { msg, count }));
        self.abandon(batch, ctx);
    }

    /// The application is told the batch failed.
    fn abandon(&mut self, batch: Batch, ctx: &mut ClientCtx) {
        // Never sent, or refused every time: the producer knows it failed.
        if batch.attempt == 0 || batch.only_refused {
            for msg in &batch.msgs {
                ctx.ledger.reject(*msg, ctx.out.now);
            }
        }
    }

    pub fn on_packet(&mut self, from: Addr, payload: Payload, ctx: &mut ClientCtx) {
        match payload {
            Payload::Kafka(KafkaMsg::Metadata { leaders }) => {
                self.metadata.answer(*leaders);
                // The application starts publishing once it knows the cluster.
                self.schedule.start(self.me(), ctx.out);
                self.pump(ctx);
            }
            Payload::Kafka(KafkaMsg::ProduceResponse { corr, result, .. }) => {
                if !self.in_flight.contains_key(&corr) {
                    return;
                }
                match result {
                    ProduceResult::Ok { .. } | ProduceResult::Duplicate => {
                        if let Some(batch) = self.in_flight.remove(&corr) {
                            self.in_flight_per_partition[usize::from(batch.partition)] -= 1;
                            self.confirm(&batch, ctx);
                        }
                    }
                    refusal => self.failed(corr, Some(refusal), ctx),
                }
                self.pump(ctx);
            }
            Payload::Reset { .. } | Payload::SocketClosed { .. } => {
                // The broker's host refused or closed the connection
                // (NetworkClient.processDisconnection): everything in
                // flight to it failed, and the metadata is stale
                // (handleServerDisconnect asks for an update).
                let Some(broker) = from.broker() else { return };
                let lost: Vec<u32> = self
                    .in_flight
                    .iter()
                    .filter(|(_, b)| {
                        self.metadata.leaders[usize::from(b.partition)] == Some(broker)
                    })
                    .map(|(corr, _)| *corr)
                    .collect();
                for corr in lost {
                    self.failed(corr, Some(ProduceResult::NotLeader), ctx);
                }
                self.metadata.invalidate();
            }
            _ => {}
        }
    }

    pub fn crash(&mut self) {
        self.crashed = true;
        self.in_flight.clear();
        for q in &mut self.queued {
            q.clear();
        }
        self.in_flight_per_partition.fill(0);
        self.schedule.reset();
    }

    pub fn restart(&mut self, ctx: &mut ClientCtx) {
        self.crashed = false;
        self.next_seq.fill(0);
        self.on_timer(ClientTimer::Start, ctx);
    }
}

#[derive(Clone, Debug)]
struct Cursor {
    partition: u16,
    /// Next offset to fetch; `None` until the start position is known.
    fetch_offset: Option<u64>,
    /// Next offset to handle (what a commit records).
    processed: u64,
    committed: u64,
    asked_offset_at: Option<SimTime>,
    /// No committed offset and `latest`: the position waits for the
    /// leader's answer to ListOffsets.
    needs_log_end: bool,
    asked_log_end_at: Option<SimTime>,
    fetching: Option<(u32, SimTime)>,
    /// The leader epoch of the last record fetched (KIP-320).
    last_epoch: Option<u32>,
    /// The partition's high watermark at the last fetch answer, and when
    /// that answer came.
    high_watermark: Option<(u64, SimTime)>,
}

impl Cursor {
    fn new(partition: u16) -> Cursor {
        Cursor {
            partition,
            fetch_offset: None,
            processed: 0,
            committed: 0,
            asked_offset_at: None,
            needs_log_end: false,
            asked_log_end_at: None,
            fetching: None,
            last_epoch: None,
            high_watermark: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct KafkaConsumer {
    pub id: ClientId,
    cfg: ConsumerConfig,
    k: KafkaConsumerConfig,
    metadata: Metadata,
    cursors: Vec<Cursor>,
    /// The group coordinator has answered the join with an assignment.
    assigned: bool,
    asked_join_at: Option<SimTime>,
    /// Fetched, not handled yet: (partition, offset, message).
    handling: Handling<(u16, u64, MsgId)>,
    corr: u32,
    last_auto_commit: SimTime,
    pub crashed: bool,
}

/// How recent a fetch answer must be to tell that the consumer caught up.
const FRESH_ANSWER_MS: u64 = 1_000;
/// `request.timeout.ms` of the consumer (Kafka's default).
const CONSUMER_REQUEST_TIMEOUT_MS: u64 = 30_000;

impl KafkaConsumer {
    pub fn new(
        id: ClientId,
        cfg: ConsumerConfig,
        k: KafkaConsumerConfig,
        partitions: u16,
        consumers: u16,
    ) -> KafkaConsumer {
        let bootstrap = cfg.connection.policy.brokers().to_vec();
        let cursors = (0..partitions)
            .filter(|p| p % consumers.max(1) == id.0)
            .map(Cursor::new)
            .collect();
        KafkaConsumer {
            id,
            metadata: Metadata::new(bootstrap, partitions),
            cursors,
            assigned: false,
            asked_join_at: None,
            handling: Handling::new(cfg.process_ms),
            corr: 0,
            last_auto_commit: SimTime::ZERO,
            crashed: false,
            cfg,
            k,
        }
    }

    fn me(&self) -> Addr {
        Addr::Consumer(self.id)
    }

    pub fn start_ms(&self) -> u64 {
        self.cfg.start_ms
    }

    /// The next offset this consumer will read on `partition`, once known.
    pub fn read_position(&self, partition: u16) -> Option<u64> {
        self.cursors
            .iter()
            .find(|c| c.partition == partition)
            .and_then(|c| c.fetch_offset)
    }

    /// Idle once everything committed on its partitions has been handled,
    /// as a recent fetch answer tells (a long poll answers within
    /// `fetch.max.wait.ms`, so an older answer says nothing).
    pub fn is_idle(&self, now: SimTime) -> bool {
        self.crashed
            || (self.handling.is_empty()
                && !self.metadata.wanted
                && self
                    .cursors
                    .iter()
                    .all(|c| match (c.fetch_offset, c.high_watermark) {
                        (Some(offset), Some((hw, at))) => {
                            offset >= hw && now.ms_since(at) <= FRESH_ANSWER_MS
                        }
                        _ => false,
                    }))
    }

    pub fn view(&self, _now: SimTime) -> ClientView {
        ClientView {
            name: self.me().to_string(),
            connected_to: self
                .cursors
                .first()
                .and_then(|c| self.metadata.leaders[usize::from(c.partition)]),
            state: if self.crashed {
                ClientState::Crashed
            } else if !self.assigned {
                ClientState::Connecting
            } else {
                ClientState::Fetching
            },
            outstanding: self.handling.len(),
            backlog: 0,
            reconnect_at: None,
            silent_ms: 0,
            timeout_ms: CONSUMER_REQUEST_TIMEOUT_MS,
        }
    }

    pub fn on_timer(&mut self, timer: ClientTimer, ctx: &mut ClientCtx) {
        match timer {
            ClientTimer::Start => {
                self.metadata.wanted = true;
                self.metadata.asked_at = None;
                self.last_auto_commit = ctx.out.now;
                ctx.out.timer(
                    self.me(),
                    RETRY_BACKOFF_MS,
                    TimerKind::Client(ClientTimer::KafkaTick),
                );
                self.housekeeping(ctx);
            }
            ClientTimer::KafkaTick => {
                ctx.out.timer(
                    self.me(),
                    RETRY_BACKOFF_MS,
                    TimerKind::Client(ClientTimer::KafkaTick),
                );
                self.housekeeping(ctx);
            }
            ClientTimer::ProcessDone => self.finish_one(ctx),
            _ => {}
        }
    }

    fn housekeeping(&mut self, ctx: &mut ClientCtx) {
        let now = ctx.out.now;
        self.metadata.refresh(
            self.me(),
            CONSUMER_REQUEST_TIMEOUT_MS.min(self.cfg.connection.connect_timeout_ms),
            ctx,
        );
        for c in &mut self.cursors {
            if c.fetching
                .is_some_and(|(_, at)| now.ms_since(at) >= CONSUMER_REQUEST_TIMEOUT_MS)
            {
                c.fetching = None;
                self.metadata.invalidate();
            }
        }
        self.join_or_locate(ctx);
        if self.k.auto_commit
            && now.ms_since(self.last_auto_commit) >= self.k.auto_commit_interval_ms
        {
            self.last_auto_commit = now;
            for i in 0..self.cursors.len() {
                self.commit(i, ctx);
            }
        }
        self.fetch_all(ctx);
    }

    /// Until the group coordinator assigns the partitions the consumer has
    /// no position; afterwards each partition without one asks for its
    /// committed offset, then (without one) for the leader's log end.
    fn join_or_locate(&mut self, ctx: &mut ClientCtx) {
        let now = ctx.out.now;
        // Never asked, or no answer within the request timeout.
        let ask_due = |at: Option<SimTime>| {
            at.is_none_or(|at| now.ms_since(at) >= CONSUMER_REQUEST_TIMEOUT_MS)
        };
        if !self.assigned {
            if ask_due(self.asked_join_at) {
                self.asked_join_at = Some(now);
                ctx.out.send(
                    self.me(),
                    Addr::Controller,
                    Payload::Kafka(KafkaMsg::JoinGroup),
                );
            }
            return;
        }
        for i in 0..self.cursors.len() {
            let c = &mut self.cursors[i];
            if c.fetch_offset.is_some() {
                continue;
            }
            if c.needs_log_end {
                if ask_due(c.asked_log_end_at) {
                    self.ask_log_end(i, ctx);
                }
            } else if ask_due(c.asked_offset_at) {
                c.asked_offset_at = Some(now);
                let partition = c.partition;
                ctx.out.send(
                    self.me(),
                    Addr::Controller,
                    Payload::Kafka(KafkaMsg::OffsetFetch { partition }),
                );
            }
        }
    }

    /// ListOffsets(LATEST) to the partition's leader, once it is known
    /// (otherwise the next housekeeping tick tries again, as the client's
    /// `resetPositionsIfNeeded` does on each poll).
    fn ask_log_end(&mut self, i: usize, ctx: &mut ClientCtx) {
        let partition = self.cursors[i].partition;
        if let Some(leader) = self.metadata.leaders[usize::from(partition)] {
            self.cursors[i].asked_log_end_at = Some(ctx.out.now);
            ctx.out.send(
                self.me(),
                Addr::Broker(leader),
                Payload::Kafka(KafkaMsg::ListOffsets { partition }),
            );
        } else {
            self.metadata.invalidate();
        }
    }

    fn commit(&mut self, i: usize, ctx: &mut ClientCtx) {
        let c = &mut self.cursors[i];
        if c.processed > c.committed {
            c.committed = c.processed;
            let (partition, offset) = (c.partition, c.processed);
            ctx.out.send(
                self.me(),
                Addr::Controller,
                Payload::Kafka(KafkaMsg::OffsetCommit { partition, offset }),
            );
        }
    }

    fn fetch_all(&mut self, ctx: &mut ClientCtx) {
        let room = self.cfg.prefetch == 0 || self.handling.len() < self.cfg.prefetch;
        if !room {
            return;
        }
        for i in 0..self.cursors.len() {
            let c = &self.cursors[i];
            let (Some(offset), None) = (c.fetch_offset, c.fetching) else {
                continue;
            };
            let Some(leader) = self.metadata.leaders[usize::from(c.partition)] else {
                continue;
            };
            self.corr += 1;
            let (corr, partition, last_epoch) = (self.corr, c.partition, c.last_epoch);
            self.cursors[i].fetching = Some((corr, ctx.out.now));
            ctx.out.send(
                self.me(),
                Addr::Broker(leader),
                Payload::Kafka(KafkaMsg::Fetch {
                    partition,
                    offset,
                    corr,
                    last_epoch,
                }),
            );
        }
    }

    fn cursor(&mut self, partition: u16) -> Option<usize> {
        self.cursors.iter().position(|c| c.partition == partition)
    }

    fn start_at(&mut self, i: usize, offset: u64) {
        let c = &mut self.cursors[i];
        c.fetch_offset = Some(offset);
        c.processed = offset;
        c.committed = offset;
        c.asked_offset_at = None;
        c.needs_log_end = false;
        c.asked_log_end_at = None;
    }

    /// Takes the position `auto.offset.reset` gives; `unread` records
    /// before it are left behind.
    fn start_reset(&mut self, i: usize, offset: u64, unread: u64, ctx: &mut ClientCtx) {
        self.start_at(i, offset);
        ctx.out.trace(Event::Kafka(KafkaEvent::ConsumerReset {
            consumer: self.id,
            partition: self.cursors[i].partition,
            offset,
            earliest: self.k.reset_earliest,
            unread,
        }));
    }

    /// No committed offset: `earliest` starts at the log start at once;
    /// `latest` asks the leader where the log ends.
    fn reset(&mut self, i: usize, ctx: &mut ClientCtx) {
        if self.k.reset_earliest {
            self.start_reset(i, 0, 0, ctx);
        } else {
            self.cursors[i].needs_log_end = true;
            self.ask_log_end(i, ctx);
        }
    }

    pub fn on_packet(&mut self, from: Addr, payload: Payload, ctx: &mut ClientCtx) {
        let Payload::Kafka(msg) = payload else {
            if matches!(
                payload,
                Payload::Reset { .. } | Payload::SocketClosed { .. }
            ) {
                self.metadata.invalidate();
                for c in &mut self.cursors {
                    c.fetching = None;
                }
            }
            return;
        };
        match msg {
            KafkaMsg::Metadata { leaders } => {
                self.metadata.answer(*leaders);
                self.fetch_all(ctx);
            }
            KafkaMsg::GroupAssigned { .. } if from == Addr::Controller && !self.assigned => {
                self.assigned = true;
                self.asked_join_at = None;
                self.join_or_locate(ctx);
            }
            KafkaMsg::OffsetFetchResponse { partition, offset } if from == Addr::Controller => {
                let Some(i) = self.cursor(partition) else {
                    return;
                };
                let c = &self.cursors[i];
                if c.fetch_offset.is_some() || c.needs_log_end {
                    return;
                }
                match offset {
                    Some(offset) => {
                        self.start_at(i, offset);
                        self.cursors[i].committed = offset;
                        ctx.out.trace(Event::Kafka(KafkaEvent::ConsumerPosition {
                            consumer: self.id,
                            partition,
                            offset,
                            committed: true,
                        }));
                    }
                    None => self.reset(i, ctx),
                }
                self.fetch_all(ctx);
            }
            KafkaMsg::ListOffsetsResponse { partition, end } => {
                let Some(i) = self.cursor(partition) else {
                    return;
                };
                if !self.cursors[i].needs_log_end {
                    return;
                }
                match end {
                    // Everything below the log end was written before the
                    // consumer arrived: it never reads it.
                    Some(end) => self.start_reset(i, end, end, ctx),
                    None => {
                        // Not the leader any more: ask again after a metadata refresh.
                        self.cursors[i].asked_log_end_at = None;
                        self.metadata.invalidate();
                    }
                }
                self.fetch_all(ctx);
            }
            KafkaMsg::FetchResponse {
                partition,
                corr,
                result,
            } => self.on_fetched(partition, corr, result, ctx),
            _ => {}
        }
    }

    fn on_fetched(&mut self, partition: u16, corr: u32, result: FetchResult, ctx: &mut ClientCtx) {
        let Some(i) = self.cursor(partition) else {
            return;
        };
        if self.cursors[i].fetching.map(|(c, _)| c) != Some(corr) {
            return;
        }
        self.cursors[i].fetching = None;
        match result {
            FetchResult::Records {
                records,
                high_watermark,
            } => {
                self.cursors[i].high_watermark = Some((high_watermark, ctx.out.now));
                let Some(expected) = self.cursors[i].fetch_offset else {
                    return;
                };
                let me = self.me();
                for (offset, msg, epoch) in records.iter().copied() {
                    if offset == self.cursors[i].fetch_offset.unwrap_or(expected) {
                        self.handling.receive((partition, offset, msg), me, ctx.out);
                        self.cursors[i].fetch_offset = Some(offset + 1);
                        self.cursors[i].last_epoch = Some(epoch);
                    }
                }
            }
            FetchResult::NotLeader => self.metadata.invalidate(),
            FetchResult::Diverging { end } => {
                // KIP-320: go back to where the log we read diverged.
                let c = &mut self.cursors[i];
                c.fetch_offset = Some(end);
                c.processed = c.processed.min(end);
                c.last_epoch = None;
                self.handling
                    .retain_waiting(|(p, o, _)| *p != partition || *o < end);
                ctx.out.trace(Event::Kafka(KafkaEvent::ConsumerDiverged {
                    consumer: self.id,
                    partition,
                    offset: end,
                }));
            }
            FetchResult::OutOfRange { log_end } => {
                // The log was truncated under our position: auto.offset.reset
                // again, to the log end the answer carries or the start.
                self.handling.retain_waiting(|(p, _, _)| *p != partition);
                let offset = if self.k.reset_earliest { 0 } else { log_end };
                self.start_reset(i, offset, 0, ctx);
            }
        }
        self.fetch_all(ctx);
    }

    fn finish_one(&mut self, ctx: &mut ClientCtx) {
        let me = self.me();
        let Some((partition, offset, msg)) = self.handling.finish(me, ctx.out) else {
            return;
        };
        ctx.ledger.deliver(msg, false, ctx.out.now);
        ctx.out.trace(Event::Delivered {
            msg,
            consumer: self.me(),
            redelivered: false,
        });
        if let Some(i) = self.cursor(partition) {
            self.cursors[i].processed = offset + 1;
            if !self.k.auto_commit {
                self.commit(i, ctx);
            }
        }
        self.fetch_all(ctx);
    }

    pub fn crash(&mut self) {
        self.crashed = true;
        self.handling.drop_all();
        self.assigned = false;
        self.asked_join_at = None;
        for c in &mut self.cursors {
            *c = Cursor::new(c.partition);
        }
    }

    pub fn restart(&mut self, ctx: &mut ClientCtx) {
        self.crashed = false;
        self.on_timer(ClientTimer::Start, ctx);
    }

    /// `close()`: with auto-commit on, Kafka commits the positions first.
    pub fn stop(&mut self, ctx: &mut ClientCtx) {
        if self.k.auto_commit {
            for i in 0..self.cursors.len() {
                self.commit(i, ctx);
            }
        }
        self.crash();
    }
}
