//! `docs/calibration.md`: each experiment's real trials beside the
//! simulator's runs of its scenario, and a verdict. Rendering is pure (the
//! figures in, Markdown out) so it is tested without brokers.
//!
//! The verdict uses the tolerance issue 18 sets for the replay tests: a
//! time matches when every simulated figure falls inside the measured
//! minimum–maximum widened on each side by max(50 ms, 25 %); counts must
//! match exactly.

use std::fmt::Write as _;

/// One experiment's figures, real and simulated.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub id: String,
    pub title: String,
    /// What the time measures, e.g. "peer logs `nodedown` after the SIGKILL".
    pub metric: String,
    pub product: String,
    /// Real trials: (time in ms, confirmed, lost, 1-minute load average).
    pub real: Vec<RealTrial>,
    /// Simulator runs of the scenario: (seed, time in ms, confirmed, lost).
    pub sim: Vec<SimRun>,
    pub scenario: String,
    /// How the figures were taken, in a sentence or two.
    pub method: String,
    /// Said after the verdict (a per-trial comparison), or empty.
    pub remark: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RealTrial {
    pub time_ms: f64,
    pub confirmed: Option<u64>,
    pub lost: Option<u64>,
    pub load_1m: Option<f64>,
    /// Anything else worth printing (a reason, a phase).
    pub extra: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimRun {
    pub seed: u64,
    pub time_ms: Option<f64>,
    pub confirmed: u64,
    pub lost: u64,
}

/// The widened interval the simulator's times must fall in.
pub fn tolerance(real: &[f64]) -> Option<(f64, f64)> {
    let min = real.iter().copied().reduce(f64::min)?;
    let max = real.iter().copied().reduce(f64::max)?;
    let widen = |x: f64| (x.abs() * 0.25).max(50.0);
    Some((min - widen(min), max + widen(max)))
}

fn median(xs: &[f64]) -> Option<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[n / 2]),
        n => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// "match" or "mismatch", with by how much.
pub fn verdict(c: &Comparison) -> String {
    let real_t: Vec<f64> = c.real.iter().map(|t| t.time_ms).collect();
    let sim_t: Vec<f64> = c.sim.iter().filter_map(|s| s.time_ms).collect();
    let mut parts = Vec::new();
    let time_ok = match (tolerance(&real_t), median(&real_t), median(&sim_t)) {
        (Some((lo, hi)), Some(real_med), Some(sim_med)) => {
            let inside =
                sim_t.len() == c.sim.len() && sim_t.iter().all(|&t| (lo..=hi).contains(&t));
            let ratio = if real_med.abs() > f64::EPSILON {
                sim_med / real_med
            } else {
                f64::INFINITY
            };
            if inside && lo <= 0.0 {
                // Widening a small figure by 50 ms reaches 0: any faster
                // simulator passes, so the verdict must say so.
                parts.push(format!(
                    "time **matches**: every simulated figure is within {lo:.0}–{hi:.0} ms, a range that \
                     reaches below 0 ms, so this says only that the simulator is not slower (simulated \
                     median {sim_med:.0} ms, real median {real_med:.0} ms)"
                ));
            } else if inside {
                parts.push(format!(
                    "time **matches**: every simulated figure is within {lo:.0}–{hi:.0} ms"
                ));
            } else {
                parts.push(format!(
                    "time **mismatch**: simulated median {sim_med:.0} ms vs real median {real_med:.0} ms \
                     ({:+.0} ms, ×{ratio:.2}); the tolerance is {lo:.0}–{hi:.0} ms",
                    sim_med - real_med
                ));
            }
            inside
        }
        (_, _, None) => {
            parts.push("time **mismatch**: the simulator never produced the event".to_owned());
            false
        }
        _ => {
            parts.push("no real trial to compare with".to_owned());
            false
        }
    };
    let real_lost: Vec<u64> = c.real.iter().filter_map(|t| t.lost).collect();
    let counts_ok = if real_lost.is_empty() {
        true
    } else {
        let same = c.sim.iter().all(|s| real_lost.contains(&s.lost))
            && real_lost.iter().all(|l| c.sim.iter().any(|s| s.lost == *l));
        let real_list = list_u64(&real_lost);
        let sim_list = list_u64(&c.sim.iter().map(|s| s.lost).collect::<Vec<_>>());
        if same {
            parts.push(format!(
                "messages lost **match** ({real_list} real, {sim_list} simulated)"
            ));
        } else {
            parts.push(format!(
                "messages lost **mismatch** ({real_list} real, {sim_list} simulated)"
            ));
        }
        same
    };
    let head = if time_ok && counts_ok {
        "**Match.**"
    } else {
        "**Mismatch.**"
    };
    format!("{head} {}.", parts.join("; "))
}

fn list_u64(xs: &[u64]) -> String {
    let mut v = xs.to_vec();
    v.dedup();
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(" / ")
}

fn opt<T: std::fmt::Display>(x: &Option<T>) -> String {
    x.as_ref().map_or_else(|| "–".to_owned(), |v| v.to_string())
}

/// One experiment's section.
pub fn render_section(c: &Comparison) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## {}\n", c.title);
    let _ = writeln!(
        s,
        "Experiment `{}` ({}); scenario [`{}`](../{}). Time: {}. {}\n",
        c.id, c.product, c.scenario, c.scenario, c.metric, c.method
    );
    let _ = writeln!(
        s,
        "| real trial | time (ms) | confirmed | lost | load (1 min) | notes |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for (i, t) in c.real.iter().enumerate() {
        let load = t
            .load_1m
            .map_or_else(|| "–".to_owned(), |l| format!("{l:.2}"));
        let _ = writeln!(
            s,
            "| {} | {:.1} | {} | {} | {} | {} |",
            i + 1,
            t.time_ms,
            opt(&t.confirmed),
            opt(&t.lost),
            load,
            t.extra
        );
    }
    let _ = writeln!(s, "\n| simulator seed | time (ms) | confirmed | lost |");
    let _ = writeln!(s, "|---|---|---|---|");
    for r in &c.sim {
        let time = r
            .time_ms
            .map_or_else(|| "never".to_owned(), |t| format!("{t:.1}"));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            r.seed, time, r.confirmed, r.lost
        );
    }
    let _ = writeln!(s, "\n{}\n", verdict(c));
    if !c.remark.is_empty() {
        let _ = writeln!(s, "{}\n", c.remark);
    }
    s
}

/// The whole document.
pub fn render(header: &str, comparisons: &[Comparison], footer: &str) -> String {
    let mut s = String::from(header);
    s.push('\n');
    for c in comparisons {
        s.push_str(&render_section(c));
    }
    s.push_str(footer);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comparison(real: &[f64], sim: &[f64], lost_real: u64, lost_sim: u64) -> Comparison {
        Comparison {
            id: "quorum-leader-kill".into(),
            title: "Quorum queue: the leader's node is SIGKILLed".into(),
            metric: "new leader after the kill".into(),
            product: "RabbitMQ 3.10.8".into(),
            real: real
                .iter()
                .map(|&t| RealTrial {
                    time_ms: t,
                    confirmed: Some(500),
                    lost: Some(lost_real),
                    load_1m: Some(7.5),
                    extra: String::new(),
                })
                .collect(),
            sim: sim
                .iter()
                .enumerate()
                .map(|(i, &t)| SimRun {
                    seed: i as u64 + 1,
                    time_ms: Some(t),
                    confirmed: 500,
                    lost: lost_sim,
                })
                .collect(),
            scenario: "calibration/scenarios/quorum-leader-kill.json".into(),
            method: "Ra's log line.".into(),
            remark: String::new(),
        }
    }

    #[test]
    fn the_tolerance_widens_by_50_ms_or_a_quarter() {
        assert_eq!(tolerance(&[13.0, 23.0]), Some((-37.0, 73.0)));
        assert_eq!(tolerance(&[1000.0, 2000.0]), Some((750.0, 2500.0)));
        assert_eq!(tolerance(&[]), None);
    }

    #[test]
    fn times_inside_the_tolerance_and_equal_counts_match() {
        let v = verdict(&comparison(&[147.0, 244.0, 363.0], &[150.0, 400.0], 0, 0));
        assert!(v.starts_with("**Match.**"), "{v}");
    }

    #[test]
    fn a_slow_simulator_is_a_mismatch_that_says_by_how_much() {
        let v = verdict(&comparison(&[147.0, 244.0, 363.0], &[2150.0, 2512.0], 0, 0));
        assert!(v.starts_with("**Mismatch.**"), "{v}");
        assert!(
            v.contains("simulated median 2331 ms vs real median 244 ms (+2087 ms, ×9.55)"),
            "{v}"
        );
        assert!(v.contains("messages lost **match**"), "{v}");
    }

    #[test]
    fn a_match_whose_range_reaches_zero_says_it_only_bounds_the_simulator_above() {
        let v = verdict(&comparison(&[13.0, 23.0], &[1.0], 0, 0));
        assert!(v.starts_with("**Match.**"), "{v}");
        assert!(
            v.contains("says only that the simulator is not slower"),
            "{v}"
        );
        let tight = verdict(&comparison(&[1000.0], &[1000.0], 0, 0));
        assert!(!tight.contains("not slower"), "{tight}");
    }

    #[test]
    fn different_losses_are_a_mismatch_even_when_times_match() {
        let v = verdict(&comparison(&[100.0], &[100.0], 0, 3));
        assert!(v.starts_with("**Mismatch.**"), "{v}");
        assert!(
            v.contains("messages lost **mismatch** (0 real, 3 simulated)"),
            "{v}"
        );
    }

    #[test]
    fn a_section_lists_every_trial_and_seed() {
        let s = render_section(&comparison(&[147.0, 244.0], &[150.0, 160.0, 170.0], 0, 0));
        assert!(s.contains("| 2 | 244.0 | 500 | 0 | 7.50 |  |"), "{s}");
        assert!(s.contains("| 3 | 170.0 | 500 | 0 |"), "{s}");
        assert!(s.contains("[`calibration/scenarios/quorum-leader-kill.json`](../calibration/scenarios/quorum-leader-kill.json)"));
    }
}
