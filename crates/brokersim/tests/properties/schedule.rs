//! Structured fault schedules and the proptest strategies that draw them.
//!
//! A schedule is data (which fault, whom, when), not a seed: proptest shrinks
//! it by dropping faults, moving them earlier and shortening pauses and slow
//! links, so a failure ends as the smallest schedule that still fails. It
//! becomes a scenario's `faults` (and `network.loss`) only at the end, so a
//! counterexample is a scenario file `brokersim run` replays.

use brokersim::Scenario;
use brokersim::scenario::{FaultSpec, SlowLinkSpec};
use proptest::prelude::*;

/// Who a process fault hits: a broker (1-based, as in `b1`) or a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Broker(u8),
    Producer(u8),
    Consumer(u8),
}

impl Who {
    fn name(self) -> String {
        match self {
            Who::Broker(n) => format!("b{n}"),
            Who::Producer(n) => format!("p{n}"),
            Who::Consumer(n) => format!("c{n}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The host dies: nobody is told.
    Crash(Who),
    /// The process dies, the host lives: connections close at once.
    Kill(Who),
    /// Brokers and consumers only: a scenario cannot stop a producer.
    Stop(Who),
    Restart(Who),
    Pause {
        broker: u8,
        for_ms: u64,
    },
    /// These brokers on one side, every other broker on the other.
    Partition(Vec<u8>),
    Heal,
    SlowLink {
        a: u8,
        b: u8,
        latency_ms: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timed {
    pub at_ms: u64,
    pub fault: Fault,
}

/// A fault schedule: timed faults plus, for the whole fault phase, packet
/// loss on every link (one packet in `loss_one_in`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    /// The scenario's own seed: latencies, jitter and elections vary with it.
    pub seed: u64,
    pub loss_one_in: Option<u64>,
    pub faults: Vec<Timed>,
}

impl Schedule {
    /// Replaces the scenario's faults and packet loss with this schedule.
    pub fn apply(&self, base: &Scenario) -> Scenario {
        let mut scenario = base.clone();
        scenario.seed = self.seed;
        scenario.network.loss = self.loss_one_in.map(|n| format!("1/{n}"));
        let brokers = base.brokers.unwrap_or(1) as u8;
        scenario.faults = self.faults.iter().map(|t| spec(t, brokers)).collect();
        scenario.faults.sort_by_key(|f| f.at_ms);
        scenario
    }
}

fn spec(timed: &Timed, brokers: u8) -> FaultSpec {
    let mut f = FaultSpec {
        at_ms: timed.at_ms,
        ..FaultSpec::default()
    };
    match &timed.fault {
        Fault::Crash(who) => f.crash = Some(who.name()),
        Fault::Kill(who) => f.kill = Some(who.name()),
        Fault::Stop(who) => f.stop = Some(who.name()),
        Fault::Restart(who) => f.restart = Some(who.name()),
        Fault::Pause { broker, for_ms } => {
            f.pause = Some(Who::Broker(*broker).name());
            f.for_ms = Some(*for_ms);
        }
        Fault::Partition(side) => {
            let name = |b: &u8| Who::Broker(*b).name();
            f.partition = Some(vec![
                side.iter().map(name).collect(),
                (1..=brokers)
                    .filter(|b| !side.contains(b))
                    .map(|b| name(&b))
                    .collect(),
            ]);
        }
        Fault::Heal => f.heal = Some(true),
        Fault::SlowLink { a, b, latency_ms } => {
            f.slow_link = Some(SlowLinkSpec {
                between: vec![Who::Broker(*a).name(), Who::Broker(*b).name()],
                latency_ms: *latency_ms,
            });
        }
    }
    f
}

/// Which faults a property draws from, and against whom.
#[derive(Clone, Debug)]
pub struct FaultModel {
    pub brokers: u8,
    pub producers: u8,
    pub consumers: u8,
    /// The brokers process faults and partitions may hit: all of them, or,
    /// for "under the faults the configuration tolerates", a minority.
    pub faulty: Vec<u8>,
    pub duration_ms: u64,
    pub max_faults: usize,
    /// The longest GC pause drawn (a third of the fault phase by default).
    pub max_pause_ms: u64,
    /// Slowed links among the faults.
    pub slow_links: bool,
    pub loss: bool,
    /// Crashes, kills, stops and restarts of clients too.
    pub clients: bool,
}

impl FaultModel {
    pub fn any(scenario: &Scenario) -> FaultModel {
        let brokers = scenario.brokers.unwrap_or(1) as u8;
        FaultModel {
            brokers,
            producers: scenario.producers.len() as u8,
            consumers: scenario.consumers.len() as u8,
            faulty: (1..=brokers).collect(),
            duration_ms: scenario.duration_ms,
            max_faults: 8,
            max_pause_ms: (scenario.duration_ms / 3).max(1_000),
            slow_links: true,
            loss: true,
            clients: true,
        }
    }

    /// Process faults and partitions only ever hit these brokers.
    pub fn only(mut self, faulty: &[u8]) -> FaultModel {
        self.faulty = faulty.to_vec();
        self
    }

    /// No slowed links.
    pub fn no_slow_links(mut self) -> FaultModel {
        self.slow_links = false;
        self
    }

    /// GC pauses last less than `ms`.
    pub fn pauses_under(mut self, ms: u64) -> FaultModel {
        self.max_pause_ms = ms;
        self
    }
}

fn who(model: &FaultModel, stop: bool) -> SBoxedStrategy<Who> {
    let brokers = prop::sample::select(model.faulty.clone()).prop_map(Who::Broker);
    if !model.clients {
        return brokers.sboxed();
    }
    let mut clients: Vec<Who> = (1..=model.consumers).map(Who::Consumer).collect();
    if !stop {
        clients.extend((1..=model.producers).map(Who::Producer));
    }
    if clients.is_empty() {
        return brokers.sboxed();
    }
    prop_oneof![4 => brokers, 1 => prop::sample::select(clients)].sboxed()
}

fn fault(model: &FaultModel) -> SBoxedStrategy<Fault> {
    let n = model.brokers;
    let faulty = model.faulty.clone();
    let max_pause = model.max_pause_ms.max(501);
    let pause = (prop::sample::select(faulty.clone()), 500..max_pause)
        .prop_map(|(broker, for_ms)| Fault::Pause { broker, for_ms });
    // One side of a cut: a non-empty subset of the faulty brokers, never
    // every broker (that would be no cut at all).
    let side = prop::sample::subsequence(faulty.clone(), 1..=faulty.len())
        .prop_filter("a cut needs brokers on both sides", move |s| {
            s.len() < usize::from(n)
        })
        .prop_map(Fault::Partition);
    // A slowed link is a fault of both its ends: one end at least is faulty.
    let slow = (prop::sample::select(faulty.clone()), 1..=n, 50u64..5_000)
        .prop_filter("a link joins two brokers", |(a, b, _)| a != b)
        .prop_map(|(a, b, latency_ms)| Fault::SlowLink { a, b, latency_ms });
    let mut kinds = vec![
        (3, who(model, false).prop_map(Fault::Crash).sboxed()),
        (2, who(model, false).prop_map(Fault::Kill).sboxed()),
        (2, who(model, true).prop_map(Fault::Stop).sboxed()),
        (3, who(model, false).prop_map(Fault::Restart).sboxed()),
        (2, pause.sboxed()),
        (2, Just(Fault::Heal).sboxed()),
    ];
    if n > 1 {
        kinds.push((2, side.sboxed()));
    }
    if n > 1 && model.slow_links {
        kinds.push((2, slow.sboxed()));
    }
    prop::strategy::Union::new_weighted(kinds).sboxed()
}

/// Schedules of 1 to `max_faults` faults within the first four fifths of the
/// fault phase, with packet loss a quarter of the time.
pub fn schedule(model: &FaultModel) -> SBoxedStrategy<Schedule> {
    let horizon = (model.duration_ms * 4 / 5).max(1);
    let timed = (0..horizon, fault(model)).prop_map(|(at_ms, fault)| Timed { at_ms, fault });
    let faults = prop::collection::vec(timed, 1..=model.max_faults);
    let loss = if model.loss {
        prop::option::weighted(0.25, 5u64..50).sboxed()
    } else {
        Just(None).sboxed()
    };
    (0u64..1_000_000, loss, faults)
        .prop_map(|(seed, loss_one_in, faults)| Schedule {
            seed,
            loss_one_in,
            faults,
        })
        .sboxed()
}

/// A schedule aimed at one mechanism: `aimed` faults drawn by the caller,
/// then up to two random ones of `model` on top.
pub fn aimed(
    model: &FaultModel,
    aimed: impl Strategy<Value = Vec<Timed>> + Send + Sync + 'static,
) -> SBoxedStrategy<Schedule> {
    let horizon = (model.duration_ms * 4 / 5).max(1);
    let timed = (0..horizon, fault(model)).prop_map(|(at_ms, fault)| Timed { at_ms, fault });
    let extra = prop::collection::vec(timed, 0..=2);
    (0u64..1_000_000, aimed, extra)
        .prop_map(|(seed, mut faults, extra)| {
            faults.extend(extra);
            Schedule {
                seed,
                loss_one_in: None,
                faults,
            }
        })
        .sboxed()
}
