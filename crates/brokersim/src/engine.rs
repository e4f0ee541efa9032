//! The engine: the event queue ordered by (time, seq), the only owner of
//! virtual time, the network and the random stream. It runs a fault phase
//! (the scenario's faults at their times, safety checked at every step),
//! then a drain phase (every fault healed, every broker restarted, the
//! queues drained) bounded in virtual time, then counts.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use crate::client::{
    AnyConsumer, AnyProducer, ClientCtx, ClientTimer, Consumer, KafkaConsumer, KafkaProducer,
    Producer,
};
use crate::ids::{Addr, BrokerId, ClientId};
use crate::invariants::{self, Invariants, Violation};
use crate::ledger::Ledger;
use crate::net::Network;
use crate::out::{Action, Out, TimerKind};
use crate::report::Report;
use crate::rng::SimRng;
use crate::scenario::config::{Config, FaultKind, SystemConfig};
use crate::scenario::{Scenario, ScenarioError};
use crate::systems::AnySystem;
use crate::time::SimTime;
use crate::trace::{Detector, Event, Trace, TraceEntry};
use crate::view::{BrokerStatus, BrokerView, PacketView, View};
use crate::wire::Payload;

/// Upper bound on the drain phase, in virtual time.
pub const DRAIN_LIMIT_MS: u64 = 900_000;
/// How often the drain phase checks whether the run has converged.
const DRAIN_CHECK_MS: u64 = 1_000;
/// Upper bound on queued items, so no scenario can exhaust memory.
const MAX_QUEUED: usize = 4_000_000;
/// Lost messages listed one by one in the report's violations.
const MAX_LISTED_LOSSES: usize = 100;

#[derive(Clone, Debug)]
enum Item {
    Packet {
        from: Addr,
        to: Addr,
        sent_at: SimTime,
        payload: Payload,
    },
    Timer {
        owner: Addr,
        incarnation: u32,
        kind: TimerKind,
    },
    Fault(u32),
    Resume {
        broker: BrokerId,
        incarnation: u32,
    },
    EndFaultPhase,
    DrainCheck,
}

#[derive(Clone, Debug)]
struct Queued {
    at: SimTime,
    seq: u64,
    item: Item,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Faults,
    Draining,
    Done,
}

#[derive(Clone, Debug)]
struct BrokerProc {
    status: BrokerStatus,
    incarnation: u32,
    /// When the current failure (crash, pause, partition) began, until a
    /// detection is counted for it.
    failed_at: Option<SimTime>,
    paused_until: SimTime,
}

#[derive(Clone, Debug, Default)]
struct Stats {
    failovers: u64,
    detection_ms: Vec<u64>,
    unavailable_us: u64,
    writable: bool,
    /// Since when, and between whom, several leaders accept writes.
    split_since: Option<(SimTime, Vec<BrokerId>)>,
    split_reported: bool,
    writable_checked_at: SimTime,
    drain_started: SimTime,
    last_activity: SimTime,
    quiet_window_ms: u64,
    processed: u64,
}

/// A running simulation. Cloning it is a checkpoint.
#[derive(Clone, Debug)]
pub struct Sim {
    scenario: Arc<Scenario>,
    config: Arc<Config>,
    now: SimTime,
    seq: u64,
    queue: BinaryHeap<Queued>,
    rng: SimRng,
    net: Network,
    brokers: Vec<BrokerProc>,
    producers: Vec<AnyProducer>,
    consumers: Vec<AnyConsumer>,
    /// Incarnations of producers, then consumers (stale timers are dropped).
    client_incarnation: Vec<u32>,
    system: AnySystem,
    ledger: Ledger,
    trace: Trace,
    invariants: Invariants,
    phase: Phase,
    out: Out,
    /// The second action buffer `apply_actions` swaps with `out.actions`.
    spare_actions: Vec<crate::out::Action>,
    stats: Stats,
}

impl Sim {
    pub fn new(scenario: Scenario) -> Result<Sim, ScenarioError> {
        let config = scenario.validate()?;
        let rabbitmq = config.system.is_rabbitmq();
        let detector = match (&config.heartbeat, rabbitmq) {
            (Some(_), _) => Detector::Heartbeat,
            (None, true) => Detector::AmqpHeartbeat,
            (None, false) => Detector::InactivityMonitor,
        };
        let seed = config.seed;
        let client_seed = |kind: u64, i: usize| {
            seed ^ (kind << 56) ^ ((i as u64 + 1) << 40) ^ 0x9e37_79b9_7f4a_7c15
        };
        let partitions = match &config.system {
            SystemConfig::Kafka(k) => k.partitions,
            _ => 1,
        };
        let consumer_count = config.consumers.len() as u16;
        let producers: Vec<AnyProducer> = config
            .producers
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let id = ClientId(i as u16);
                match &p.kafka {
                    Some(k) => AnyProducer::Kafka(Box::new(KafkaProducer::new(
                        id,
                        p.clone(),
                        k.clone(),
                        partitions,
                    ))),
                    None => AnyProducer::Queue(Box::new(Producer::new(
                        id,
                        p.clone(),
                        detector,
                        client_seed(1, i),
                    ))),
                }
            })
            .collect();
        let consumers: Vec<AnyConsumer> = config
            .consumers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let id = ClientId(i as u16);
                match &c.kafka {
                    Some(k) => AnyConsumer::Kafka(Box::new(KafkaConsumer::new(
                        id,
                        c.clone(),
                        k.clone(),
                        partitions,
                        consumer_count,
                    ))),
                    None => AnyConsumer::Queue(Box::new(Consumer::new(
                        id,
                        c.clone(),
                        detector,
                        rabbitmq,
                        client_seed(2, i),
                    ))),
                }
            })
            .collect();
        let net = Network::new(
            config.broker_count,
            producers.len() as u16,
            consumers.len() as u16,
            (config.latency_min_us, config.latency_max_us),
            config.loss,
        );
        let mut sim = Sim {
            scenario: Arc::new(scenario),
            now: SimTime::ZERO,
            seq: 0,
            queue: BinaryHeap::new(),
            rng: SimRng::seeded(seed),
            net,
            brokers: vec![
                BrokerProc {
                    status: BrokerStatus::Up,
                    incarnation: 1,
                    failed_at: None,
                    paused_until: SimTime::ZERO
                };
                usize::from(config.broker_count)
            ],
            client_incarnation: vec![1; producers.len() + consumers.len()],
            producers,
            consumers,
            system: AnySystem::new(&config),
            ledger: Ledger::new(config.producers.len()),
            trace: Trace::default(),
            invariants: Invariants::default(),
            phase: Phase::Faults,
            out: Out::default(),
            spare_actions: Vec::new(),
            stats: Stats::default(),
            config: Arc::new(config),
        };
        sim.start();
        Ok(sim)
    }

    fn start(&mut self) {
        self.out.now = SimTime::ZERO;
        self.system.as_dyn().start(&mut self.out);
        self.apply_actions();
        for i in 0..self.producers.len() {
            let at = SimTime::from_ms(self.producers[i].start_ms());
            self.push(
                at,
                Item::Timer {
                    owner: Addr::Producer(ClientId(i as u16)),
                    incarnation: 1,
                    kind: TimerKind::Client(ClientTimer::Start),
                },
            );
        }
        for i in 0..self.consumers.len() {
            let at = SimTime::from_ms(self.consumers[i].start_ms());
            self.push(
                at,
                Item::Timer {
                    owner: Addr::Consumer(ClientId(i as u16)),
                    incarnation: 1,
                    kind: TimerKind::Client(ClientTimer::Start),
                },
            );
        }
        for (i, fault) in self.config.faults.iter().enumerate() {
            self.queue.push(Queued {
                at: SimTime::from_ms(fault.at_ms),
                seq: self.seq,
                item: Item::Fault(i as u32),
            });
            self.seq += 1;
        }
        self.push(
            SimTime::from_ms(self.config.duration_ms),
            Item::EndFaultPhase,
        );
        self.update_writable();
    }

    fn push(&mut self, at: SimTime, item: Item) {
        if self.queue.len() >= MAX_QUEUED {
            // A bound, not a behaviour: no valid scenario comes near it.
            return;
        }
        self.queue.push(Queued {
            at,
            seq: self.seq,
            item,
        });
        self.seq += 1;
    }

    // ----- public API -------------------------------------------------------

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Engine events processed so far (packets, timers, faults).
    pub fn events_processed(&self) -> u64 {
        self.stats.processed
    }

    pub fn trace(&self) -> &[TraceEntry] {
        self.trace.entries()
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Processes engine events until the trace gains an entry (or the run
    /// ends), and returns that entry: one step a student can see.
    pub fn step(&mut self) -> Option<&TraceEntry> {
        let before = self.trace.entries().len();
        while self.trace.entries().len() == before {
            if !self.step_event() {
                break;
            }
        }
        self.trace.entries().get(before)
    }

    /// Processes one engine event; false when the run is over.
    pub fn step_event(&mut self) -> bool {
        if self.phase == Phase::Done {
            return false;
        }
        let Some(next) = self.queue.pop() else {
            self.finish();
            return false;
        };
        self.process(next);
        true
    }

    /// Runs every event up to and including time `t`.
    pub fn run_until(&mut self, t: SimTime) {
        while self.phase != Phase::Done {
            match self.queue.peek() {
                Some(next) if next.at <= t => {
                    let next = self.queue.pop().expect("peeked");
                    self.process(next);
                }
                Some(_) => break,
                None => {
                    self.finish();
                    break;
                }
            }
        }
        if self.phase != Phase::Done && t > self.now {
            self.now = t;
        }
    }

    /// Runs the fault phase and the drain to the end.
    pub fn run_to_end(&mut self) -> Report {
        while self.step_event() {}
        self.report()
    }

    // ----- the loop -----------------------------------------------------------

    fn process(&mut self, q: Queued) {
        if q.at > self.now {
            self.report_lasting_split_brain();
        }
        self.now = q.at;
        self.out.now = q.at;
        self.stats.processed += 1;
        match q.item {
            Item::Packet {
                from,
                to,
                sent_at,
                payload,
            } => self.deliver(from, to, sent_at, payload),
            Item::Timer {
                owner,
                incarnation,
                kind,
            } => self.fire(owner, incarnation, kind),
            Item::Fault(i) => {
                let kind = self.config.faults[i as usize].kind.clone();
                self.apply_fault(&kind);
            }
            Item::Resume {
                broker,
                incarnation,
            } => {
                let b = &mut self.brokers[usize::from(broker.0)];
                if b.incarnation == incarnation && b.status == BrokerStatus::Paused {
                    b.status = BrokerStatus::Up;
                    self.out.trace(Event::Resumed(broker));
                }
            }
            Item::EndFaultPhase => self.begin_drain(),
            Item::DrainCheck => self.drain_check(),
        }
        self.apply_actions();
    }

    fn deliver(&mut self, from: Addr, to: Addr, sent_at: SimTime, payload: Payload) {
        if !self.net.can_reach(from, to) {
            return;
        }
        match to {
            Addr::Controller => {
                self.system
                    .as_dyn()
                    .controller_receive(from, payload, &mut self.out)
            }
            Addr::Broker(b) => {
                let proc = &self.brokers[usize::from(b.0)];
                match proc.status {
                    BrokerStatus::Up => {
                        self.system
                            .as_dyn()
                            .receive(b, from, payload, &mut self.out)
                    }
                    BrokerStatus::Paused => {
                        // The kernel buffers it; the frozen process reads it on resuming.
                        let at = proc.paused_until;
                        self.push(
                            at,
                            Item::Packet {
                                from,
                                to,
                                sent_at,
                                payload,
                            },
                        );
                    }
                    BrokerStatus::Stopped => {
                        // The host is up but nothing listens: the kernel answers.
                        let reply = match payload {
                            Payload::Connect { conn, .. } => Some(Payload::ConnectRefused { conn }),
                            Payload::Publish { conn, .. }
                            | Payload::Subscribe { conn, .. }
                            | Payload::Ack { conn, .. }
                            | Payload::ClientHeartbeat { conn } => Some(Payload::Reset { conn }),
                            // Kafka clients open a connection per request here.
                            Payload::Kafka(_)
                                if !matches!(from, Addr::Broker(_) | Addr::Controller) =>
                            {
                                Some(Payload::Reset { conn: 0 })
                            }
                            _ => None,
                        };
                        if let Some(reply) = reply {
                            self.out.send(to, from, reply);
                        }
                    }
                    BrokerStatus::Crashed => {}
                }
            }
            Addr::Producer(p) => {
                let producer = &mut self.producers[usize::from(p.0)];
                if producer.crashed() {
                    return;
                }
                let mut ctx = ClientCtx {
                    out: &mut self.out,
                    ledger: &mut self.ledger,
                    publishing_open: self.phase == Phase::Faults,
                };
                producer.on_packet(from, payload, &mut ctx);
            }
            Addr::Consumer(c) => {
                let consumer = &mut self.consumers[usize::from(c.0)];
                if consumer.crashed() {
                    return;
                }
                let mut ctx = ClientCtx {
                    out: &mut self.out,
                    ledger: &mut self.ledger,
                    publishing_open: self.phase == Phase::Faults,
                };
                consumer.on_packet(from, payload, &mut ctx);
            }
        }
    }

    /// A client's index into `client_incarnation`; brokers and the
    /// controller have none (validation never makes them client targets).
    fn client_slot(&self, client: Addr) -> usize {
        match client {
            Addr::Producer(p) => usize::from(p.0),
            Addr::Consumer(c) => self.producers.len() + usize::from(c.0),
            Addr::Broker(_) | Addr::Controller => unreachable!("{client} is not a client"),
        }
    }

    /// The incarnation a timer set now by `owner` belongs to.
    fn incarnation_of(&self, owner: Addr) -> u32 {
        match owner {
            Addr::Broker(b) => self.brokers[usize::from(b.0)].incarnation,
            // The controller quorum never fails as a whole here.
            Addr::Controller => 1,
            client => self.client_incarnation[self.client_slot(client)],
        }
    }

    fn fire(&mut self, owner: Addr, incarnation: u32, kind: TimerKind) {
        match (owner, kind) {
            (Addr::Controller, TimerKind::System(timer)) => {
                self.system.as_dyn().controller_timer(timer, &mut self.out)
            }
            (Addr::Broker(b), TimerKind::System(timer)) => {
                let proc = &self.brokers[usize::from(b.0)];
                if proc.incarnation != incarnation {
                    return;
                }
                match proc.status {
                    BrokerStatus::Up => self.system.as_dyn().timer(b, timer, &mut self.out),
                    BrokerStatus::Paused => {
                        let at = proc.paused_until;
                        self.push(
                            at,
                            Item::Timer {
                                owner,
                                incarnation,
                                kind,
                            },
                        );
                    }
                    _ => {}
                }
            }
            (Addr::Producer(p), TimerKind::Client(timer)) => {
                if self.client_incarnation[self.client_slot(owner)] != incarnation {
                    return;
                }
                let mut ctx = ClientCtx {
                    out: &mut self.out,
                    ledger: &mut self.ledger,
                    publishing_open: self.phase == Phase::Faults,
                };
                self.producers[usize::from(p.0)].on_timer(timer, &mut ctx);
            }
            (Addr::Consumer(c), TimerKind::Client(timer)) => {
                if self.client_incarnation[self.client_slot(owner)] != incarnation {
                    return;
                }
                let mut ctx = ClientCtx {
                    out: &mut self.out,
                    ledger: &mut self.ledger,
                    publishing_open: self.phase == Phase::Faults,
                };
                self.consumers[usize::from(c.0)].on_timer(timer, &mut ctx);
            }
            _ => {}
        }
    }

    /// Carries out what the actors asked for, including what that causes.
    fn apply_actions(&mut self) {
        let mut topology_changed = false;
        while !self.out.actions.is_empty() {
            // Swap in the spare buffer, so that neither is ever reallocated.
            let mut actions = std::mem::take(&mut self.spare_actions);
            std::mem::swap(&mut actions, &mut self.out.actions);
            for action in actions.drain(..) {
                match action {
                    Action::Send { from, to, payload } => {
                        if let Some(at) = self.net.transit(from, to, self.now, &mut self.rng) {
                            self.push(
                                at,
                                Item::Packet {
                                    from,
                                    to,
                                    sent_at: self.now,
                                    payload,
                                },
                            );
                        }
                    }
                    Action::Timer {
                        owner,
                        after_us,
                        jitter_us,
                        kind,
                    } => {
                        let jitter = if jitter_us > 0 {
                            self.rng.in_range(0, jitter_us)
                        } else {
                            0
                        };
                        let incarnation = self.incarnation_of(owner);
                        self.push(
                            self.now.after_us(after_us + jitter),
                            Item::Timer {
                                owner,
                                incarnation,
                                kind,
                            },
                        );
                    }
                    Action::Trace(event) => {
                        topology_changed |= !is_message_event(&event);
                        self.record(event);
                    }
                    Action::CopyAdded { msg, holder } => self.ledger.copy_added(msg, holder),
                    Action::CopyDropped { msg, holder, .. } => {
                        self.ledger.copy_dropped(msg, holder, self.now)
                    }
                    Action::CopyConsumed { msg, holder } => self.ledger.copy_consumed(msg, holder),
                    Action::Leader {
                        queue,
                        broker,
                        epoch,
                    } => {
                        if let Some(v) = self.invariants.leader(self.now, queue, broker, epoch) {
                            self.trace.record(
                                self.now,
                                Event::Violation {
                                    property: v.property,
                                    detail: v.detail,
                                },
                            );
                        }
                    }
                    Action::Halt { broker } => {
                        self.stop_broker(broker);
                        topology_changed = true;
                    }
                }
            }
            self.spare_actions = actions;
        }
        if topology_changed {
            self.update_writable();
        }
    }

    fn record(&mut self, event: Event) {
        match &event {
            Event::DeclaredDown {
                target: Addr::Broker(b),
                ..
            } => {
                let proc = &mut self.brokers[usize::from(b.0)];
                if let Some(failed_at) = proc.failed_at.take() {
                    self.stats.detection_ms.push(self.now.ms_since(failed_at));
                }
            }
            Event::Promoted { .. } => self.stats.failovers += 1,
            Event::Quorum(e) if e.is_failover() => self.stats.failovers += 1,
            Event::Kafka(k) if k.is_failover() => self.stats.failovers += 1,
            Event::LockAcquired { .. } if self.now > SimTime::ZERO => self.stats.failovers += 1,
            Event::Delivered { msg, .. } if self.ledger.get(*msg).is_none() => {
                self.invariants.add(Violation {
                    at_ms: self.now.as_ms(),
                    property: invariants::NOTHING_UNEXPECTED,
                    detail: format!("message {msg} was delivered but never published"),
                });
            }
            _ => {}
        }
        self.stats.last_activity = self.now;
        self.trace.record(self.now, event);
    }

    fn update_writable(&mut self) {
        let system = self.system.as_ref_dyn();
        let mut leaders: Vec<Vec<BrokerId>> = vec![Vec::new(); usize::from(system.queues())];
        for (queue, broker) in system.leaders() {
            if self.brokers[usize::from(broker.0)].status == BrokerStatus::Up
                && let Some(list) = leaders.get_mut(usize::from(queue))
            {
                list.push(broker);
            }
        }
        // Writable when every queue (Kafka: every partition) has a leader.
        let writable = leaders.iter().all(|l| !l.is_empty());
        // A split brain is reported once it outlasts the instant it appeared
        // in: a zombie leader waking up may step down at that same instant.
        if let Some(split) = leaders.into_iter().find(|l| l.len() > 1) {
            if self.stats.split_since.is_none() {
                self.stats.split_since = Some((self.now, split));
            }
        } else {
            self.stats.split_since = None;
            self.stats.split_reported = false;
        }
        if !self.stats.writable {
            self.stats.unavailable_us += self.now.0 - self.stats.writable_checked_at.0;
        }
        self.stats.writable_checked_at = self.now;
        self.stats.writable = writable;
    }

    fn report_lasting_split_brain(&mut self) {
        if self.stats.split_reported {
            return;
        }
        if let Some((since, leaders)) = &self.stats.split_since {
            let (since, leaders) = (*since, leaders.clone());
            self.stats.split_reported = true;
            self.trace.record(since, Event::SplitBrain { leaders });
        }
    }

    // ----- faults ---------------------------------------------------------------

    fn apply_fault(&mut self, kind: &FaultKind) {
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

    fn heal(&mut self) {
        self.net.heal();
        for proc in &mut self.brokers {
            if proc.status == BrokerStatus::Up {
                proc.failed_at = None;
            }
        }
        self.out.trace(Event::Healed);
    }

    fn crash_broker(&mut self, b: BrokerId) {
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

    fn stop_broker(&mut self, b: BrokerId) {
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

    fn boot_broker(&mut self, b: BrokerId) {
        let proc = &mut self.brokers[usize::from(b.0)];
        proc.status = BrokerStatus::Up;
        proc.incarnation += 1;
        proc.failed_at = None;
        self.out.trace(Event::Restarted(Addr::Broker(b)));
        self.system.as_dyn().boot(b, &mut self.out);
    }

    fn restart_broker(&mut self, b: BrokerId) {
        match self.brokers[usize::from(b.0)].status {
            BrokerStatus::Up => self.stop_broker(b),
            BrokerStatus::Paused => self.crash_broker(b),
            BrokerStatus::Crashed | BrokerStatus::Stopped => {}
        }
        self.boot_broker(b);
    }

    fn crash_client(&mut self, client: Addr) {
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

    fn restart_client(&mut self, client: Addr) {
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

    // ----- the drain phase --------------------------------------------------------

    fn begin_drain(&mut self) {
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
                BrokerStatus::Crashed | BrokerStatus::Stopped => self.boot_broker(b),
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
        self.system.as_dyn().drain(&mut self.out);
        self.stats.drain_started = self.now;
        self.stats.quiet_window_ms = 2 * self.longest_wait_ms() + DRAIN_CHECK_MS;
        self.push(self.now.after_ms(DRAIN_CHECK_MS), Item::DrainCheck);
    }

    /// The longest any party may legitimately stay silent: detectors,
    /// connect timeouts, reconnect delays, lock polling.
    fn longest_wait_ms(&self) -> u64 {
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
        clients
            .max(confirms)
            .max(self.system.as_ref_dyn().longest_timeout_ms())
    }

    fn drain_check(&mut self) {
        let converged = self.system.as_ref_dyn().quiescent()
            && self.producers.iter().all(AnyProducer::is_idle)
            && self.consumers.iter().all(|c| c.is_idle(self.now));
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

    fn finish(&mut self) {
        if self.phase == Phase::Done {
            return;
        }
        self.update_writable();
        self.phase = Phase::Done;
        self.queue.clear();
        self.check_final_invariants();
    }

    fn check_final_invariants(&mut self) {
        let mut losses = Vec::new();
        for (i, life) in self.ledger.all().iter().enumerate() {
            let msg = crate::ids::MsgId(i as u32 + 1);
            if life.confirmed_at.is_some() && life.rejected_at.is_some() {
                self.invariants.add(Violation {
                    at_ms: self.now.as_ms(),
                    property: invariants::CONFIRMED_XOR_REJECTED,
                    detail: format!("message {msg} was both confirmed and rejected"),
                });
            }
            if life.confirmed_at.is_some() && life.first_delivered_at.is_none() {
                losses.push((msg, life.unrecoverable_at.unwrap_or(self.now)));
            }
        }
        let total = losses.len();
        if let Some((first, _)) = losses.first() {
            // One line in the trace; the report lists the messages one by one.
            let detail = match losses.last() {
                Some((last, _)) if total > 1 => {
                    format!("{total} confirmed messages were lost ({first} … {last})")
                }
                _ => format!("confirmed message {first} was lost"),
            };
            self.trace.record(
                self.now,
                Event::Violation {
                    property: invariants::CONFIRMED_SURVIVE,
                    detail,
                },
            );
        }
        for (msg, at) in losses.iter().take(MAX_LISTED_LOSSES) {
            self.invariants.add(Violation {
                at_ms: at.as_ms(),
                property: invariants::CONFIRMED_SURVIVE,
                detail: format!("confirmed message {msg} lost"),
            });
        }
        if total > MAX_LISTED_LOSSES {
            self.invariants.add(Violation {
                at_ms: self.now.as_ms(),
                property: invariants::CONFIRMED_SURVIVE,
                detail: format!(
                    "… and {} more confirmed messages lost",
                    total - MAX_LISTED_LOSSES
                ),
            });
        }
    }

    // ----- results ------------------------------------------------------------------

    /// The report so far; final once the run is finished.
    pub fn report(&self) -> Report {
        let mut confirmed = 0;
        let mut rejected = 0;
        let mut delivered = 0;
        let mut duplicated = 0;
        let mut lost = 0;
        for life in self.ledger.all() {
            let is_confirmed = life.confirmed_at.is_some();
            confirmed += u64::from(is_confirmed);
            rejected += u64::from(life.rejected_at.is_some() && !is_confirmed);
            delivered += u64::from(life.deliveries > 0);
            duplicated += u64::from(life.deliveries > 1);
            let gone = self.phase == Phase::Done || life.unrecoverable_at.is_some();
            lost += u64::from(is_confirmed && life.deliveries == 0 && gone);
        }
        let published = self.ledger.published();
        let mut unavailable_us = self.stats.unavailable_us;
        if !self.stats.writable {
            unavailable_us += self.now.0.saturating_sub(self.stats.writable_checked_at.0);
        }
        Report {
            published,
            confirmed,
            rejected,
            indeterminate: published - confirmed - rejected,
            delivered,
            redelivered: u64::from(self.ledger.redelivered),
            duplicated,
            lost,
            unexpected: u64::from(self.ledger.unexpected),
            reordered: u64::from(self.ledger.reordered),
            unavailable_ms: unavailable_us / 1_000,
            failovers: self.stats.failovers,
            detection_ms: self.stats.detection_ms.clone(),
            rto_ms: None,
            rpo_messages: None,
            violations: self.invariants.violations.clone(),
            trace_hash: self.trace.hash_hex(),
        }
    }

    /// What a front end draws now.
    pub fn view(&self) -> View {
        let mut in_flight: Vec<PacketView> = self
            .queue
            .iter()
            .filter_map(|q| match &q.item {
                Item::Packet {
                    from,
                    to,
                    sent_at,
                    payload,
                } => Some(PacketView {
                    from: *from,
                    to: *to,
                    sent_at: *sent_at,
                    arrives_at: q.at,
                    message: payload.message(),
                    heartbeat: payload.is_heartbeat(),
                    kind: payload_kind(payload),
                }),
                _ => None,
            })
            .collect();
        in_flight.sort_by_key(|p| (p.sent_at, p.arrives_at, p.from, p.to));
        View {
            now: self.now,
            draining: self.phase == Phase::Draining,
            finished: self.phase == Phase::Done,
            brokers: self
                .brokers
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let b = BrokerId(i as u16);
                    BrokerView {
                        name: b.to_string(),
                        status: p.status,
                        group: self.net.group_of(b),
                    }
                })
                .collect(),
            replicas: self.system.as_ref_dyn().replicas(),
            producers: self.producers.iter().map(|p| p.view(self.now)).collect(),
            consumers: self.consumers.iter().map(|c| c.view(self.now)).collect(),
            in_flight,
            suspicions: self.system.as_ref_dyn().suspicions(self.now),
            system: self.config.system.name(),
        }
    }
}

/// Per-message events do not change who leads.
fn is_message_event(event: &Event) -> bool {
    matches!(
        event,
        Event::Published { .. }
            | Event::Confirmed { .. }
            | Event::Nacked { .. }
            | Event::ConfirmTimedOut { .. }
            | Event::Unsent { .. }
            | Event::Delivered { .. }
    )
}

fn payload_kind(payload: &Payload) -> &'static str {
    match payload {
        Payload::Connect { .. } => "connect",
        Payload::Publish { .. } => "publish",
        Payload::Subscribe { .. } => "subscribe",
        Payload::Ack { .. } => "ack",
        Payload::ClientHeartbeat { .. } | Payload::BrokerHeartbeat { .. } => "heartbeat",
        Payload::Close { .. } | Payload::Closed { .. } => "close",
        Payload::ConnectOk { .. } => "connect-ok",
        Payload::ConnectRefused { .. } => "refused",
        Payload::Reset { .. } => "reset",
        Payload::Confirm { .. } => "confirm",
        Payload::Nack { .. } => "nack",
        Payload::Deliver { .. } => "deliver",
        Payload::Mirrored(peer) => peer.kind(),
        Payload::Quorum(peer) => peer.kind(),
        Payload::Kafka(msg) => msg.kind(),
    }
}
