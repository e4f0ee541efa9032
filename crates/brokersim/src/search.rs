//! Counterexample search: keep a scenario's configuration, try fault
//! schedules until one loses a confirmed message or breaks an invariant,
//! then shrink that schedule to a minimal one.
//!
//! Schedules are drawn by swarm testing (as in TigerBeetle's VOPR): each
//! seed first picks which fault kinds it uses and how many faults, so that
//! some schedules hammer one mechanism while others mix several. Everything
//! is derived from the seed, so a counterexample is the scenario it writes:
//! `brokersim run` replays it with the same outcome.
//!
//! A broker `crash` is now and then a correlated failure: one or two more
//! brokers crash at the same `at_ms` (a rack losing power). Those extra
//! draws come from a second stream of the seed, so that the schedules the
//! first stream drew before correlated crashes existed keep their shape.

use crate::Sim;
use crate::report::Report;
use crate::rng::SimRng;
use crate::scenario::{FaultSpec, Scenario, SiteSpec, SlowLinkSpec};

/// The fault kinds a search may draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKindChoice {
    /// A host failure; now and then two or three brokers at once.
    Crash,
    /// A process killed on a live host (connections reset at once).
    Kill,
    Stop,
    Restart,
    Pause,
    Partition,
    Heal,
    /// Packet loss on every link (TCP retransmission delays).
    Loss,
    /// Slow links between two brokers.
    Delay,
    LoseDisk,
    /// A whole site goes down (or, drawn again, comes back): needs `sites`.
    SiteDown,
    /// A whole site is destroyed: needs `sites`.
    LoseSite,
}

impl FaultKindChoice {
    pub const DEFAULT: &'static [FaultKindChoice] = &[
        FaultKindChoice::Crash,
        FaultKindChoice::Stop,
        FaultKindChoice::Restart,
        FaultKindChoice::Pause,
        FaultKindChoice::Partition,
        FaultKindChoice::Heal,
        FaultKindChoice::Loss,
        FaultKindChoice::Delay,
        FaultKindChoice::Kill,
    ];

    pub fn parse(name: &str) -> Option<FaultKindChoice> {
        Some(match name {
            "crash" => FaultKindChoice::Crash,
            "kill" => FaultKindChoice::Kill,
            "stop" => FaultKindChoice::Stop,
            "restart" => FaultKindChoice::Restart,
            "pause" => FaultKindChoice::Pause,
            "partition" => FaultKindChoice::Partition,
            "heal" => FaultKindChoice::Heal,
            "loss" => FaultKindChoice::Loss,
            "delay" => FaultKindChoice::Delay,
            "lose_disk" => FaultKindChoice::LoseDisk,
            "site_down" => FaultKindChoice::SiteDown,
            "lose_site" => FaultKindChoice::LoseSite,
            _ => return None,
        })
    }
}

/// At most this many faults in one drawn schedule.
const MAX_FAULTS: u64 = 8;
/// How often a broker crash takes one or two more brokers with it.
const CORRELATED: crate::rng::Ratio = crate::rng::Ratio {
    numerator: 1,
    denominator: 4,
};

/// The scenario with a fault schedule drawn for `seed` (and `seed` as its
/// own seed, so the run is fully determined by it).
pub fn with_drawn_faults(base: &Scenario, seed: u64, kinds: &[FaultKindChoice]) -> Scenario {
    let mut rng = SimRng::seeded(seed ^ 0x5eed_f417_5c4e_d01e);
    let mut correlated = SimRng::seeded(seed ^ 0x0c0_7e1a_7ed0_c4a5);
    // Swarm testing: this seed's subset of the kinds (never empty).
    let mut chosen: Vec<FaultKindChoice> = kinds
        .iter()
        .copied()
        .filter(|_| {
            rng.chance(crate::rng::Ratio {
                numerator: 1,
                denominator: 2,
            })
        })
        .collect();
    if chosen.is_empty() {
        chosen.push(kinds[rng.index(kinds.len() as u32) as usize]);
    }
    let names = broker_names(base);
    let sites: Vec<String> = base
        .sites
        .iter()
        .flatten()
        .map(|site| site.name.clone())
        .collect();
    let brokers = names.len() as u64;
    // Drawn as `in_range(1, n)`, as before sites existed, so that a seed
    // keeps drawing the same schedule.
    let pick = |rng: &mut SimRng| names[rng.in_range(1, brokers) as usize - 1].clone();
    let broker = |rng: &mut SimRng| pick(rng);
    // Crashes, stops and restarts hit an application now and then too.
    let (producers, consumers) = (base.producers.len() as u64, base.consumers.len() as u64);
    let process = |rng: &mut SimRng| {
        let one_in_four = crate::rng::Ratio {
            numerator: 1,
            denominator: 4,
        };
        match (rng.chance(one_in_four), producers, consumers) {
            (true, _, c) if c > 0 && (producers == 0 || rng.index(2) == 0) => {
                format!("c{}", rng.in_range(1, c))
            }
            (true, p, _) if p > 0 => format!("p{}", rng.in_range(1, p)),
            _ => pick(rng),
        }
    };
    let horizon = (base.duration_ms * 4 / 5).max(1);
    let mut scenario = base.clone();
    scenario.seed = seed;
    scenario.faults.clear();
    let count = rng.in_range(1, MAX_FAULTS);
    for _ in 0..count {
        let at_ms = rng.in_range(0, horizon);
        let kind = chosen[rng.index(chosen.len() as u32) as usize];
        let mut fault = FaultSpec {
            at_ms,
            ..FaultSpec::default()
        };
        match kind {
            FaultKindChoice::Crash => {
                let target = process(&mut rng);
                if names.contains(&target) && brokers > 1 && correlated.chance(CORRELATED) {
                    let more = correlated.in_range(1, (brokers - 1).min(2));
                    for other in others(&names, &target, more, &mut correlated) {
                        scenario.faults.push(FaultSpec {
                            at_ms,
                            crash: Some(other),
                            ..FaultSpec::default()
                        });
                    }
                }
                fault.crash = Some(target);
            }
            FaultKindChoice::Kill => fault.kill = Some(process(&mut rng)),
            // Producers cannot be stopped (only crashed) in a scenario.
            FaultKindChoice::Stop => {
                let target = process(&mut rng);
                fault.stop = Some(if target.starts_with('p') {
                    broker(&mut rng)
                } else {
                    target
                });
            }
            FaultKindChoice::Restart => fault.restart = Some(process(&mut rng)),
            FaultKindChoice::LoseDisk => fault.lose_disk = Some(broker(&mut rng)),
            FaultKindChoice::Pause => {
                fault.pause = Some(broker(&mut rng));
                fault.for_ms = Some(rng.in_range(500, (base.duration_ms / 3).max(500)));
            }
            FaultKindChoice::Partition if brokers > 1 => {
                // A random cut: each broker on one side or the other.
                let mut sides: [Vec<String>; 2] = [Vec::new(), Vec::new()];
                for name in &names {
                    sides[rng.index(2) as usize].push(name.clone());
                }
                if sides.iter().any(Vec::is_empty) {
                    let moved = sides[0]
                        .pop()
                        .or_else(|| sides[1].pop())
                        .unwrap_or_default();
                    let empty = usize::from(!sides[0].is_empty());
                    sides[1 - empty].retain(|b| *b != moved);
                    sides[empty].push(moved);
                }
                fault.partition = Some(sides.to_vec());
            }
            FaultKindChoice::Heal | FaultKindChoice::Partition => fault.heal = Some(true),
            FaultKindChoice::Delay if brokers > 1 => {
                let a = rng.in_range(1, brokers);
                let b = 1 + (a + rng.in_range(0, brokers - 2)) % brokers;
                fault.slow_link = Some(SlowLinkSpec {
                    between: vec![names[a as usize - 1].clone(), names[b as usize - 1].clone()],
                    latency_ms: rng.in_range(50, 5_000),
                });
            }
            FaultKindChoice::Delay => fault.heal = Some(true),
            FaultKindChoice::SiteDown if !sites.is_empty() => {
                let site = sites[rng.index(sites.len() as u32) as usize].clone();
                if rng.index(2) == 0 {
                    fault.site_down = Some(site);
                } else {
                    fault.site_up = Some(site);
                }
            }
            FaultKindChoice::LoseSite if !sites.is_empty() => {
                fault.lose_site = Some(sites[rng.index(sites.len() as u32) as usize].clone());
            }
            FaultKindChoice::SiteDown | FaultKindChoice::LoseSite => fault.heal = Some(true),
            FaultKindChoice::Loss => {
                scenario.network.loss = Some(format!("1/{}", rng.in_range(5, 50)));
                fault.heal = Some(true);
            }
        }
        scenario.faults.push(fault);
    }
    scenario.faults.sort_by_key(|f| f.at_ms);
    drop_faults_on_lost_sites(&mut scenario);
    scenario
}

/// `count` brokers other than `target`, distinct, drawn from `rng`.
fn others(names: &[String], target: &str, count: u64, rng: &mut SimRng) -> Vec<String> {
    let mut rest: Vec<String> = names.iter().filter(|n| *n != target).cloned().collect();
    let mut out = Vec::new();
    for _ in 0..count {
        if rest.is_empty() {
            break;
        }
        out.push(rest.remove(rng.index(rest.len() as u32) as usize));
    }
    out
}

/// A site lost for good takes its brokers with it: faults drawn on them
/// after the loss would be refused by validation, so they are left out.
fn drop_faults_on_lost_sites(scenario: &mut Scenario) {
    let Some(sites) = &scenario.sites else {
        return;
    };
    let mut gone: Vec<String> = Vec::new();
    scenario.faults.retain(|f| {
        let named = [
            &f.crash,
            &f.kill,
            &f.stop,
            &f.restart,
            &f.pause,
            &f.lose_disk,
        ]
        .into_iter()
        .flatten()
        .chain(f.slow_link.iter().flat_map(|l| l.between.iter()));
        let keep = !named.into_iter().any(|name| gone.contains(name));
        if let Some(lost) = &f.lose_site
            && let Some(site) = sites.iter().find(|s| &s.name == lost)
        {
            gone.extend(site_broker_names(site));
        }
        keep
    });
}

/// Every broker's name as faults name them: `b1` …, or `primary-b1` … with sites.
fn broker_names(base: &Scenario) -> Vec<String> {
    match &base.sites {
        Some(sites) => sites.iter().flat_map(site_broker_names).collect(),
        None => (1..=base.brokers.unwrap_or(1).max(1))
            .map(|i| format!("b{i}"))
            .collect(),
    }
}

/// A site's brokers as faults name them: `primary-b1` ….
fn site_broker_names(site: &SiteSpec) -> impl Iterator<Item = String> + '_ {
    (1..=site.brokers).map(move |i| format!("{}-b{i}", site.name))
}

/// Whether a run's report is a counterexample: a confirmed message lost or
/// any broken invariant.
pub fn fails(report: &Report) -> bool {
    report.lost > 0 || !report.violations.is_empty()
}

/// The same scenario with no faults at all, run: a fault-free run that
/// still fails blames the simulator, not the configuration (a real broker
/// without faults keeps every confirmed message). `None` if it passes.
pub fn fails_without_faults(scenario: &Scenario) -> Option<Report> {
    run(&without_faults(scenario)).filter(fails)
}

/// `scenario` with no faults and no packet loss (the search draws loss as
/// a fault, and a lossy network is one).
pub fn without_faults(scenario: &Scenario) -> Scenario {
    let mut calm = scenario.clone();
    calm.faults.clear();
    calm.network.loss = None;
    calm
}

/// Runs a scenario; `None` if it is not a valid scenario.
pub fn run(scenario: &Scenario) -> Option<Report> {
    Sim::new(scenario.clone())
        .ok()
        .map(|mut sim| sim.run_to_end())
}

/// Shrinks a failing scenario's fault schedule: drops faults, shortens
/// pauses and slow links, and clears packet loss, as long as the run still
/// fails. Returns the smallest failing scenario found and its report.
pub fn shrink(failing: &Scenario, report: Report) -> (Scenario, Report) {
    let mut best = failing.clone();
    let mut best_report = report;
    let mut improved = true;
    while improved {
        improved = false;
        for candidate in smaller(&best) {
            if let Some(r) = run(&candidate)
                && fails(&r)
            {
                best = candidate;
                best_report = r;
                improved = true;
                break;
            }
        }
    }
    (best, best_report)
}

/// Every one-step simplification of a scenario's schedule.
fn smaller(scenario: &Scenario) -> Vec<Scenario> {
    let mut out = Vec::new();
    for i in (0..scenario.faults.len()).rev() {
        let mut s = scenario.clone();
        s.faults.remove(i);
        out.push(s);
    }
    if scenario.network.loss.is_some() {
        let mut s = scenario.clone();
        s.network.loss = None;
        out.push(s);
    }
    for i in 0..scenario.faults.len() {
        if let Some(for_ms) = scenario.faults[i].for_ms.filter(|ms| *ms > 1_000) {
            let mut s = scenario.clone();
            s.faults[i].for_ms = Some(for_ms / 2);
            out.push(s);
        }
        if let Some(link) = scenario.faults[i]
            .slow_link
            .as_ref()
            .filter(|l| l.latency_ms > 100)
        {
            let mut s = scenario.clone();
            s.faults[i].slow_link = Some(SlowLinkSpec {
                between: link.between.clone(),
                latency_ms: link.latency_ms / 2,
            });
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Scenario {
        let text = r#"{"version":1,"duration_ms":20000,"system":"rabbitmq-mirrored","brokers":3,
            "settings":{"ha-mode":"all","net_ticktime":4},
            "producers":[{"rate_per_s":20}],"consumers":[{}]}"#;
        Scenario::from_json(text).unwrap()
    }

    #[test]
    fn drawn_schedules_are_valid_and_depend_only_on_the_seed() {
        for seed in 0..200 {
            let s = with_drawn_faults(&base(), seed, FaultKindChoice::DEFAULT);
            assert!(s.validate().is_ok(), "seed {seed}: {:?}", s.validate());
            assert_eq!(
                s,
                with_drawn_faults(&base(), seed, FaultKindChoice::DEFAULT)
            );
        }
        assert_ne!(
            with_drawn_faults(&base(), 1, FaultKindChoice::DEFAULT),
            with_drawn_faults(&base(), 2, FaultKindChoice::DEFAULT)
        );
    }

    #[test]
    fn the_search_draws_kills_and_correlated_crashes() {
        let (mut broker_kill, mut client_kill, mut correlated) = (false, false, false);
        for seed in 0..200 {
            let s = with_drawn_faults(&base(), seed, FaultKindChoice::DEFAULT);
            for f in &s.faults {
                match f.kill.as_deref() {
                    Some(b) if b.starts_with('b') => broker_kill = true,
                    Some(_) => client_kill = true,
                    None => {}
                }
                // Two or three brokers crashed at one instant: one failure.
                let at_once = s
                    .faults
                    .iter()
                    .filter(|g| {
                        g.at_ms == f.at_ms && g.crash.as_deref().is_some_and(|b| b.starts_with('b'))
                    })
                    .count();
                assert!(
                    at_once <= 3 || f.crash.is_none(),
                    "seed {seed}: {:?}",
                    s.faults
                );
                correlated |= at_once >= 2;
            }
        }
        assert!(broker_kill, "no schedule killed a broker");
        assert!(client_kill, "no schedule killed an application");
        assert!(correlated, "no schedule crashed several brokers at once");
        // Asked for crashes only, it still draws correlated ones.
        assert!((0..200).any(|seed| {
            let s = with_drawn_faults(&base(), seed, &[FaultKindChoice::Crash]);
            s.faults.windows(2).any(|w| w[0].at_ms == w[1].at_ms)
        }));
    }

    #[test]
    fn shrinking_keeps_the_failure_and_removes_what_does_not_matter() {
        // An auto-ack consumer crash loses messages; the other faults are noise.
        let mut s = base();
        s.consumers[0].ack = Some("auto".into());
        s.consumers[0].process_ms = Some(100);
        let crash = FaultSpec {
            at_ms: 5_000,
            crash: Some("c1".into()),
            ..FaultSpec::default()
        };
        let noise = FaultSpec {
            at_ms: 3_000,
            slow_link: Some(SlowLinkSpec {
                between: vec!["b2".into(), "b3".into()],
                latency_ms: 400,
            }),
            ..FaultSpec::default()
        };
        s.faults = vec![noise, crash.clone()];
        let report = run(&s).unwrap();
        assert!(fails(&report));
        let (small, small_report) = shrink(&s, report);
        assert_eq!(small.faults, vec![crash]);
        assert!(fails(&small_report));
        // Without its faults the configuration keeps everything: the
        // counterexample blames the configuration, not the simulator.
        assert_eq!(fails_without_faults(&small), None);
    }

    #[test]
    fn a_calm_replay_drops_the_faults_and_the_packet_loss_and_nothing_else() {
        let mut s = base();
        s.network.loss = Some("1/10".into());
        s.faults = vec![FaultSpec {
            at_ms: 5_000,
            crash: Some("b1".into()),
            ..FaultSpec::default()
        }];
        let calm = without_faults(&s);
        assert!(calm.faults.is_empty());
        assert_eq!(calm.network.loss, None);
        let mut back = calm.clone();
        back.faults = s.faults.clone();
        back.network.loss = s.network.loss.clone();
        assert_eq!(back, s, "only the faults and the loss differ");
        assert_eq!(
            fails_without_faults(&s),
            None,
            "this configuration is safe without faults"
        );
    }
}
