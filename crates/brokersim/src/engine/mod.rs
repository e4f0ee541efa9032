//! The engine: the event queue ordered by (time, seq), the only owner of
//! virtual time, the network and the random stream. It runs a fault phase
//! (the scenario's faults at their times, safety checked at every step),
//! then a drain phase (every fault healed, every broker restarted, the
//! queues drained) bounded in virtual time, then counts.

use std::sync::Arc;

use crate::client::{
    AnyConsumer, AnyProducer, ClientCtx, ClientTimer, Consumer, KafkaConsumer, KafkaProducer,
    Producer,
};
use crate::ids::{Addr, BrokerId, ClientId};
use crate::invariants::{Invariants, Violation};
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
use item::Item;
use outcome::Outcome;

pub mod checkpoint;
mod dispatch;
mod drain;
mod faults;
mod final_read;
mod item;
mod outcome;
mod queue;
mod results;
mod sites;

/// Upper bound on the drain phase, in virtual time.
pub const DRAIN_LIMIT_MS: u64 = 900_000;
/// How often the drain phase checks whether the run has converged.
const DRAIN_CHECK_MS: u64 = 1_000;
/// Upper bound on queued items, so no scenario can exhaust memory.
const MAX_QUEUED: usize = 4_000_000;
/// Lost messages listed one by one in the report's violations.
const MAX_LISTED_LOSSES: usize = 100;

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
    queue: queue::EventQueue,
    rng: SimRng,
    net: Network,
    brokers: Vec<BrokerProc>,
    producers: Vec<AnyProducer>,
    consumers: Vec<AnyConsumer>,
    /// Incarnations of producers, then consumers (stale timers are dropped).
    client_incarnation: Vec<u32>,
    /// One cluster per site (one for runs without sites).
    systems: Vec<AnySystem>,
    sites: sites::Sites,
    /// The names ids print by, for runs with sites.
    names: Option<Arc<crate::naming::Names>>,
    ledger: Ledger,
    trace: Trace,
    invariants: Invariants,
    phase: Phase,
    out: Out,
    /// The second action buffer `apply_actions` swaps with `out.actions`.
    spare_actions: Vec<crate::out::Action>,
    stats: Stats,
    /// The final read's verdict, once the run is finished.
    outcome: Option<Box<Outcome>>,
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
        let mut producers: Vec<AnyProducer> = config
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
        let (relays, links, names) =
            sites::replicators(&config, detector, config.producers.len() as u16);
        producers.extend(relays);
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
            queue: queue::EventQueue::default(),
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
            sites: sites::Sites {
                client_site: vec![0; producers.len() + consumers.len()],
                down: vec![false; config.sites.len()],
                lost: vec![false; config.sites.len()],
                links,
                app_producers: config.producers.len() as u16,
                ..sites::Sites::default()
            },
            producers,
            consumers,
            systems: (0..config.sites.len() as u8)
                .map(|site| AnySystem::new(&config.for_site(site)))
                .collect(),
            names,
            ledger: Ledger::new(config.producers.len()),
            trace: Trace::default(),
            invariants: Invariants::default(),
            phase: Phase::Faults,
            out: Out::default(),
            spare_actions: Vec::new(),
            stats: Stats::default(),
            outcome: None,
            config: Arc::new(config),
        };
        // Each replicator publishes into its own site.
        for link in &sim.sites.links {
            sim.sites.client_site[usize::from(link.producer)] = link.target;
        }
        sim.start();
        Ok(sim)
    }

    fn start(&mut self) {
        self.out.now = SimTime::ZERO;
        for site in 0..self.systems.len() as u8 {
            self.call_system(site, |s, out| s.start(out));
        }
        self.apply_actions();
        for i in 0..self.producers.len() {
            let at = SimTime::from_ms(self.producers[i].start_ms());
            self.push(
                at,
                Item::Timer {
                    owner: Addr::Producer(ClientId(i as u16)),
                    incarnation: 1,
                    kind: TimerKind::Client(ClientTimer::Start),
                    site: 0,
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
                    site: 0,
                },
            );
        }
        for link in 0..self.sites.links.len() {
            let mirror = self.site(self.sites.links[link].target).mirror;
            // With sync.group.offsets.enabled false (the default) nothing
            // writes the group's offsets into the target cluster.
            if mirror.sync_group_offsets {
                self.push(
                    SimTime::from_ms(mirror.checkpoint_interval_ms),
                    Item::Checkpoint(link as u8),
                );
            }
        }
        for (i, fault) in self.config.faults.iter().enumerate() {
            self.queue.push(
                SimTime::from_ms(fault.at_ms),
                self.seq,
                Item::Fault(i as u32),
            );
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
        self.queue.push(at, self.seq, item);
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

    /// Whether the network is whole now: no partition and no slowed link
    /// in force, so a heal would change nothing.
    pub fn network_is_whole(&self) -> bool {
        self.net.is_whole()
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
            match self.queue.next_at() {
                Some(at) if at <= t => {
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
}
