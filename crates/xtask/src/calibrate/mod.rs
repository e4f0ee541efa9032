//! `cargo xtask calibrate`: the calibration lab (issue 18, point 1).
//!
//! It measures the real brokers Debian ships (RabbitMQ 3.10.8 on Erlang 25,
//! ActiveMQ 5.17.2) on this host, over loopback, under faults injected with
//! signals, and sets each measurement beside the simulator's run of the
//! same scenario:
//!
//! - [`install`]: the Debian packages and a venv with the Python clients;
//! - [`rabbitmq`]: a 3-node cluster, [`activemq`]: a shared-store pair,
//!   both started here in `target/calibrate/` and stopped by PID
//!   ([`procs`], also on Ctrl-C);
//! - [`experiments`]: the faults and what is timed, from the brokers' own
//!   log stamps ([`logtime`]);
//! - [`sim`]: the scenarios in `calibration/scenarios/` and their runs;
//! - [`report`] writes `docs/calibration.md`.
//!
//! Raw figures go to `calibration/measured/<product>-<version>.json`, with
//! versions, settings, date and the load average. The lab is never part
//! of `cargo xtask test`: it needs the brokers and takes minutes.

mod activemq;
mod experiments;
mod install;
mod logtime;
mod procs;
mod rabbitmq;
mod report;
mod sim;
mod watcher;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

pub use experiments::Experiment;

use crate::cmd::{Cmd, CmdError, header, workspace_root};
use crate::web::{failed, target};
use experiments::Clients;
use procs::Procs;
use report::{Comparison, RealTrial};

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub quick: bool,
    pub trials: u32,
    pub only: Option<Experiment>,
    /// No broker: the simulator on the committed measurements, and the doc.
    pub report: bool,
}

impl Options {
    /// The experiments and trials this run does: `--quick` is one trial of
    /// one experiment (the `--only` one, else the nodedown), under 5 minutes.
    pub fn plan(&self) -> (Vec<Experiment>, u32) {
        if self.quick {
            return (
                vec![self.only.unwrap_or(Experiment::RabbitmqKillNodedown)],
                1,
            );
        }
        let list = match self.only {
            Some(e) => vec![e],
            None => Experiment::ALL.to_vec(),
        };
        (list, self.trials)
    }
}

fn lab_err(what: &str) -> impl Fn(String) -> CmdError + '_ {
    move |why| failed(what, why)
}

fn measured_path(product: &str) -> PathBuf {
    let version = match product {
        "rabbitmq" => install::RABBITMQ_VERSION,
        _ => install::ACTIVEMQ_VERSION,
    };
    workspace_root().join(format!("calibration/measured/{product}-{version}.json"))
}

fn product_of(e: Experiment) -> &'static str {
    if e.is_rabbitmq() {
        "rabbitmq"
    } else {
        "activemq"
    }
}

fn scenario_path(e: Experiment) -> PathBuf {
    workspace_root().join(format!("calibration/scenarios/{}.json", e.id()))
}

/// `dpkg-query`'s version of an installed package.
fn package_version(name: &str) -> String {
    Cmd::new("dpkg-query")
        .args(["-W", "-f=${Version}", name])
        .null_stdin()
        .read_stdout()
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
}

fn write_json(path: &Path, value: &Value) -> Result<(), CmdError> {
    let text = serde_json::to_string_pretty(value).expect("JSON values serialise") + "\n";
    fs::create_dir_all(path.parent().expect("a file in a folder"))
        .map_err(|e| failed("mkdir", e))?;
    fs::write(path, text).map_err(|e| failed(&format!("write {}", path.display()), e))
}

/// The settings each experiment ran with, recorded beside its trials.
fn settings(e: Experiment) -> Value {
    match e {
        Experiment::ActivemqMasterKill => json!({
            "brokers": 2,
            "store": "one KahaDB folder shared by both (local disk)",
            "locker": "shared-file-locker",
            "lockAcquireSleepInterval_ms": activemq::LOCK_ACQUIRE_SLEEP_INTERVAL_MS,
            "journalDiskSyncStrategy": "always (default)",
            "client": "stomp.py 8.2.0, SEND persistent:true with a receipt per message",
            "messages": experiments::MESSAGES,
        }),
        _ => json!({
            "nodes": rabbitmq::NODES,
            "net_ticktime_s": rabbitmq::NET_TICKTIME_S,
            "bind": "127.0.0.1 (AMQP and distribution)",
            "plugins": "none (management off)",
            "client": "pika 1.3.2, publisher confirms",
            "messages": experiments::MESSAGES,
            "queue": if matches!(e, Experiment::QuorumLeaderKill | Experiment::QuorumLeaderFreeze) { "quorum, 3 members, declared through rabbit1" } else { "none" },
        }),
    }
}

/// `cargo xtask calibrate`.
pub fn run(opts: &Options) -> Result<(), CmdError> {
    if opts.report {
        build_brokersim()?;
        write_scenarios()?;
        return write_doc(&target("release/brokersim"), &target("calibrate/sim"));
    }
    let (plan, trials) = opts.plan();
    procs::install_signal_handlers();
    install::ensure_packages()?;
    let work = target("calibrate");
    fs::create_dir_all(&work).map_err(|e| failed("create target/calibrate", e))?;
    let python = install::ensure_venv(&work.join("venv"))?;
    let script = work.join("client.py");
    fs::write(&script, include_str!("client.py")).map_err(|e| failed("write client.py", e))?;
    let clients = Clients { python, script };
    build_brokersim()?;
    let brokersim = target("release/brokersim");

    // --quick is a smoke run: it prints its comparison and leaves the
    // committed 3-trial figures alone.
    let save = !opts.quick;
    let mut results: Vec<(Experiment, Vec<Value>)> = Vec::new();
    let mut procs = Procs::default();
    if plan.iter().any(|e| e.is_rabbitmq()) {
        header("RabbitMQ: starting a 3-node cluster in target/calibrate/rabbitmq");
        let cluster = rabbitmq::Cluster::prepare(&work.join("rabbitmq"))
            .map_err(lab_err("prepare the cluster"))?;
        cluster
            .start(&mut procs)
            .map_err(lab_err("start the cluster"))?;
        for &e in plan.iter().filter(|e| e.is_rabbitmq()) {
            let records = run_trials(e, trials, save, |trial| match e {
                Experiment::RabbitmqKillNodedown => {
                    experiments::rabbitmq_nodedown(&cluster, &mut procs, trial, false)
                }
                Experiment::RabbitmqStopNodedown => {
                    experiments::rabbitmq_nodedown(&cluster, &mut procs, trial, true)
                }
                Experiment::QuorumLeaderKill => {
                    experiments::quorum_leader_kill(&cluster, &mut procs, &clients, trial, false)
                }
                Experiment::QuorumLeaderFreeze => {
                    experiments::quorum_leader_kill(&cluster, &mut procs, &clients, trial, true)
                }
                Experiment::ActivemqMasterKill => unreachable!("not a RabbitMQ experiment"),
            })?;
            results.push((e, records));
        }
        procs.stop_all();
    }
    if plan.contains(&Experiment::ActivemqMasterKill) {
        let e = Experiment::ActivemqMasterKill;
        let records = run_trials(e, trials, save, |trial| {
            experiments::activemq_master_kill(&work.join("activemq"), &mut procs, &clients, trial)
        })?;
        results.push((e, records));
    }
    drop(procs);

    let sim_work = work.join("sim");
    if save {
        write_scenarios()?;
        return write_doc(&brokersim, &sim_work);
    }
    for (e, records) in &results {
        let file = sim_work.join(format!("{}.json", e.id()));
        write_json(
            &file,
            &sim::scenario(*e, phases_of(records).first().copied()),
        )?;
        let c = comparison(
            *e,
            records,
            &brokersim,
            &sim_work,
            &file,
            "this quick run".to_owned(),
        )?;
        let section = report::render_section(&c);
        println!("\n{section}");
        let out = work.join("quick.md");
        fs::write(&out, section).map_err(|err| failed("write quick.md", err))?;
        println!(
            "(--quick: written to {}, not to the committed files)",
            out.display()
        );
    }
    Ok(())
}

/// The `brokersim` CLI the comparisons run, built in release.
fn build_brokersim() -> Result<(), CmdError> {
    Cmd::cargo()
        .args(["build", "--release", "-p", "brokersim-cli"])
        .null_stdin()
        .run()
}

/// Merges this run's trials into the measurement files; experiments not
/// run this time keep their earlier figures.
/// Runs `trials` trials of `e` with `trial`, printing each record, and saves
/// them at once when `save` is set, so a later experiment's failure keeps
/// these.
fn run_trials(
    e: Experiment,
    trials: u32,
    save: bool,
    mut trial: impl FnMut(u32) -> Result<Value, String>,
) -> Result<Vec<Value>, CmdError> {
    let mut records = Vec::new();
    for n in 1..=trials {
        header(&format!("{} trial {n}/{trials}", e.id()));
        let record = trial(n).map_err(lab_err(e.id()))?;
        println!("{record}");
        records.push(record);
    }
    if save {
        save_measurements(&[(e, records.clone())])?;
    }
    Ok(records)
}

fn save_measurements(results: &[(Experiment, Vec<Value>)]) -> Result<(), CmdError> {
    let date = logtime::rfc3339(logtime::now_us());
    for product in ["rabbitmq", "activemq"] {
        let ours: Vec<_> = results
            .iter()
            .filter(|(e, _)| product_of(*e) == product)
            .collect();
        if ours.is_empty() {
            continue;
        }
        let path = measured_path(product);
        let mut file = read_json(&path).unwrap_or_else(|| json!({ "experiments": {} }));
        file["product"] = json!(product);
        file["versions"] = if product == "rabbitmq" {
            json!({ "rabbitmq-server": package_version("rabbitmq-server"), "erlang-base": package_version("erlang-base") })
        } else {
            json!({ "activemq": package_version("activemq"), "openjdk-17-jre-headless": package_version("openjdk-17-jre-headless") })
        };
        file["host"] = json!({
            "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
            "note": "one host, loopback only; other engineers were compiling on the same cores, so every trial records the load average",
        });
        let experiments = file["experiments"]
            .as_object_mut()
            .expect("experiments is an object");
        for (e, records) in ours {
            experiments.insert(
                e.id().to_owned(),
                json!({ "date": date, "settings": settings(*e), "trials": records }),
            );
        }
        write_json(&path, &file)?;
    }
    Ok(())
}

/// ActiveMQ's phases, one per real trial (the kill's offset after a slave
/// poll); empty for the other experiments.
fn phases_of(trials: &[Value]) -> Vec<u64> {
    trials
        .iter()
        .filter_map(|t| t["phase_ms"].as_f64())
        .map(|p| p.round() as u64)
        .collect()
}

fn trials_of(e: Experiment) -> Vec<Value> {
    read_json(&measured_path(product_of(e)))
        .and_then(|f| f["experiments"][e.id()]["trials"].as_array().cloned())
        .unwrap_or_default()
}

fn write_scenarios() -> Result<(), CmdError> {
    for e in Experiment::ALL {
        let phase = (e == Experiment::ActivemqMasterKill)
            .then(|| phases_of(&trials_of(e)).first().copied())
            .flatten();
        write_json(&scenario_path(e), &sim::scenario(e, phase))?;
    }
    Ok(())
}

/// One experiment's real figures, as the report wants them.
fn real_trials(e: Experiment, trials: &[Value]) -> Vec<RealTrial> {
    let time_field = match e {
        Experiment::RabbitmqKillNodedown | Experiment::RabbitmqStopNodedown => "first_nodedown_ms",
        Experiment::QuorumLeaderKill | Experiment::QuorumLeaderFreeze => "new_leader_ms",
        Experiment::ActivemqMasterKill => "master_after_ms",
    };
    trials
        .iter()
        .filter_map(|t| {
            // The watcher's stamp, where a trial has one, is the
            // distribution's nodedown itself; the peers' log lines come later.
            let time_ms = t["watcher_nodedown_ms"]
                .as_f64()
                .or_else(|| t[time_field].as_f64())?;
            Some(RealTrial {
                time_ms,
                confirmed: t["confirmed"].as_u64(),
                lost: t["lost"].as_u64(),
                load_1m: t["load_average"][0].as_f64(),
                extra: trial_note(e, t),
            })
        })
        .collect()
}

fn trial_note(e: Experiment, t: &Value) -> String {
    match e {
        Experiment::RabbitmqKillNodedown | Experiment::RabbitmqStopNodedown => {
            let per: Vec<String> = t["nodedown_ms"]
                .as_object()
                .map(|m| m.iter().map(|(k, v)| format!("{k} {v} ms")).collect())
                .unwrap_or_default();
            let watcher = match t["watcher_nodedown_ms"].as_f64() {
                Some(ms) => format!(
                    "hidden watcher node: {ms} ms (`{}`); ",
                    t["watcher_reason"].as_str().unwrap_or("?")
                ),
                None => String::new(),
            };
            format!(
                "{watcher}peers' log lines: {} (`{}`)",
                per.join(", "),
                t["reason"].as_str().unwrap_or("?"),
            )
        }
        Experiment::QuorumLeaderKill | Experiment::QuorumLeaderFreeze => {
            let mut note = format!(
                "{} → {}; peer `nodedown` after {} ms",
                t["leader"].as_str().unwrap_or("?"),
                t["new_leader"].as_str().unwrap_or("?"),
                t["nodedown_ms"],
            );
            if let Some(ms) = t["leader_monitor_down_ms"].as_f64() {
                note.push_str(&format!(
                    "; Ra's leader monitor `noconnection` after {ms} ms"
                ));
            }
            if let Some(ms) = t["aten_leader_may_be_down_ms"].as_f64() {
                note.push_str(&format!(
                    "; aten: leader's node \"may be down\" after {ms} ms"
                ));
            }
            note
        }
        Experiment::ActivemqMasterKill => format!(
            "killed {:.0} ms after a slave lock poll; slave opened KahaDB (lock taken) after {} ms, replayed the journal from {} ms",
            t["phase_ms"].as_f64().unwrap_or(f64::NAN),
            t["store_opened_ms"],
            t["journal_recovery_ms"]
        ),
    }
}

const TITLES: [(&str, &str, &str, &str); 5] = [
    (
        "rabbitmq-kill-nodedown",
        "RabbitMQ node SIGKILLed: a peer sees `nodedown`",
        "from the SIGKILL to the `nodedown` a hidden watcher node receives (older trials without one: the first peer's `node rabbit3@localhost down` log line)",
        "rabbit3's Erlang VM is killed with SIGKILL. A hidden, idle Erlang node in the cluster's distribution (same cookie and net_ticktime) stamps the `nodedown` net_kernel delivers to it, in microseconds, as it arrives; rabbit1 and rabbit2 also log `node … down: <reason>`, but only after rabbit_node_monitor has handled it, which on busy cores adds tens of milliseconds. The simulator's figure is the first `DeclaredDown` of b3 by a peer.",
    ),
    (
        "quorum-leader-kill",
        "Quorum queue: the leader's node SIGKILLed",
        "from the SIGKILL to a survivor's Ra member logging `-> leader in term`",
        "A quorum queue is declared through rabbit1 and 500 persistent messages are published to it with confirms; the leader's node is SIGKILLed; Ra's state change is stamped in the survivors' logs; then a survivor is drained with basic.get. The simulator's figure is the first `LeaderElected` on b2 or b3.",
    ),
    (
        "rabbitmq-stop-nodedown",
        "RabbitMQ node SIGSTOPped (frozen): a peer sees `nodedown`",
        "from the SIGSTOP to the `nodedown` a hidden watcher node receives (older trials without one: the first peer's `node rabbit3@localhost down` log line)",
        "rabbit3's Erlang VM is frozen with SIGSTOP: its sockets stay open, so only the distribution's tick (net_ticktime 10 s) can tell; rabbit1 and rabbit2 stamp `node … down: net_tick_timeout`. The lab then resumes, kills and restarts rabbit3 so the next trial starts from a whole cluster. The simulator pauses b3 for 20 s; its figure is the first `DeclaredDown` of b3 by a peer.",
    ),
    (
        "quorum-leader-freeze",
        "Quorum queue: the leader's node frozen for 20 s",
        "from the SIGSTOP to a survivor's Ra member logging `-> leader in term`",
        "As the SIGKILL experiment, but the leader's node is frozen with SIGSTOP for 20 s (no socket closes: Ra's failure detector, aten, and the distribution tick must notice); the survivors are drained while it is still frozen; then it is resumed, killed and restarted. The simulator pauses b1 for 20 s; its figure is the first `LeaderElected` on b2 or b3.",
    ),
    (
        "activemq-master-kill",
        "ActiveMQ master SIGKILLed: the slave takes over",
        "from the SIGKILL to the slave logging `Apache ActiveMQ … started` (lock taken, KahaDB recovered, connectors open)",
        "A fresh pair per trial; 500 persistent STOMP messages with receipts through the master; the master's JVM is SIGKILLed; the slave's log is watched; the slave is drained over STOMP. Each simulator run kills b1 at the real trial's phase after a slave lock poll (two runs per trial, seeds 1 and 2); the simulator's figure is b2's `StoreLoaded` (it takes the lock and loads the store at the same instant: the simulator has no recovery time).",
    ),
];

/// One experiment's comparison: its real `trials` beside the simulator's
/// runs of `scenario` (ActiveMQ: of one variant per trial, at its phase).
fn comparison(
    e: Experiment,
    trials: &[Value],
    brokersim: &Path,
    work: &Path,
    scenario: &Path,
    measured: String,
) -> Result<Comparison, CmdError> {
    fs::create_dir_all(work).map_err(|err| failed("create target/calibrate/sim", err))?;
    let real = real_trials(e, trials);
    let sim_runs = if e == Experiment::ActivemqMasterKill {
        let mut runs = Vec::new();
        for (i, phase) in phases_of(trials).into_iter().enumerate() {
            let file = work.join(format!("{}-trial-{}.json", e.id(), i + 1));
            write_json(&file, &sim::scenario(e, Some(phase)))?;
            let mut r = sim::run_seeds(brokersim, e, &file, work).map_err(lab_err("brokersim"))?;
            r.truncate(2);
            runs.extend(r);
        }
        runs
    } else {
        sim::run_seeds(brokersim, e, scenario, work).map_err(lab_err("brokersim"))?
    };
    let (_, title, metric, method) = TITLES
        .iter()
        .find(|t| t.0 == e.id())
        .expect("every experiment has a title");
    Ok(Comparison {
        id: e.id().to_owned(),
        title: (*title).to_owned(),
        metric: (*metric).to_owned(),
        product: measured,
        remark: remark(e, trials, &real, &sim_runs),
        scenario: format!("calibration/scenarios/{}.json", e.id()),
        method: (*method).to_owned(),
        real,
        sim: sim_runs,
    })
}

fn write_doc(brokersim: &Path, work: &Path) -> Result<(), CmdError> {
    let mut comparisons = Vec::new();
    for e in Experiment::ALL {
        let trials = trials_of(e);
        if trials.is_empty() {
            continue;
        }
        let file = read_json(&measured_path(product_of(e))).unwrap_or(Value::Null);
        let versions = file["versions"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k} {}", v.as_str().unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let measured = format!(
            "{versions}; measured {}",
            file["experiments"][e.id()]["date"].as_str().unwrap_or("?")
        );
        comparisons.push(comparison(
            e,
            &trials,
            brokersim,
            work,
            &scenario_path(e),
            measured,
        )?);
    }
    let doc = report::render(DOC_HEADER, &comparisons, DOC_FOOTER);
    let path = workspace_root().join("docs/calibration.md");
    fs::write(&path, doc).map_err(|e| failed("write docs/calibration.md", e))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// What the logs say beyond the measured time, from the raw trials.
fn remark(e: Experiment, trials: &[Value], real: &[RealTrial], sim: &[report::SimRun]) -> String {
    match e {
        Experiment::ActivemqMasterKill => activemq_gap(real, sim),
        Experiment::QuorumLeaderKill => detection_then_election(
            trials,
            "leader_monitor_down_ms",
            "Ra's monitor on the leader fired (`noconnection`, the killed node's distribution connection closed)",
        ),
        Experiment::QuorumLeaderFreeze => detection_then_election(
            trials,
            "aten_leader_may_be_down_ms",
            "aten, Ra's failure detector, reported the frozen leader's node \"may be down\" (Ra then sets its pre-vote timeout)",
        ),
        _ => String::new(),
    }
}

/// "X happened after a / b / c ms; the new leader followed d / e / f ms later."
fn detection_then_election(trials: &[Value], field: &str, what: &str) -> String {
    let pairs: Vec<(f64, f64)> = trials
        .iter()
        .filter_map(|t| Some((t[field].as_f64()?, t["new_leader_ms"].as_f64()?)))
        .collect();
    if pairs.is_empty() {
        return String::new();
    }
    let join = |xs: Vec<String>| xs.join(" / ");
    format!(
        "In the survivor's log, {what} {} ms after the signal; the new leader followed {} ms after that.",
        join(pairs.iter().map(|(d, _)| format!("{d:.0}")).collect()),
        join(pairs.iter().map(|(d, l)| format!("{:.0}", l - d)).collect()),
    )
}

/// ActiveMQ's runs are phase-aligned with the real trials (two seeds per
/// trial, in order), so each trial has its own gap: what the real slave
/// spends after taking the lock.
fn activemq_gap(real: &[RealTrial], sim: &[report::SimRun]) -> String {
    if sim.len() != 2 * real.len() {
        return String::new();
    }
    let gaps: Vec<String> = real
        .iter()
        .zip(sim.chunks(2))
        .filter_map(|(r, s)| Some(format!("{:.0}", r.time_ms - s[0].time_ms?)))
        .collect();
    format!(
        "Trial by trial, the real slave served {} ms after the simulated one: the time it takes, \
         once it holds the lock, to open KahaDB, replay the journal and start its connectors, \
         which the simulator does not model (issue 18, point 3).",
        gaps.join(" / ")
    )
}

const DOC_HEADER: &str = include_str!("doc_header.md");
const DOC_FOOTER: &str = include_str!("doc_footer.md");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_is_one_trial_of_one_experiment() {
        let quick = Options {
            quick: true,
            trials: 3,
            only: None,
            report: false,
        };
        assert_eq!(quick.plan(), (vec![Experiment::RabbitmqKillNodedown], 1));
        let only = Options {
            quick: true,
            trials: 3,
            only: Some(Experiment::ActivemqMasterKill),
            report: false,
        };
        assert_eq!(only.plan(), (vec![Experiment::ActivemqMasterKill], 1));
        let full = Options {
            quick: false,
            trials: 3,
            only: None,
            report: false,
        };
        assert_eq!(full.plan(), (Experiment::ALL.to_vec(), 3));
    }

    #[test]
    fn the_quorum_remark_splits_detection_from_election() {
        let trials = [
            json!({ "aten_leader_may_be_down_ms": 2900.4, "new_leader_ms": 8266.3 }),
            json!({ "aten_leader_may_be_down_ms": 2100.0, "new_leader_ms": 6502.9 }),
        ];
        let r = remark(Experiment::QuorumLeaderFreeze, &trials, &[], &[]);
        assert!(r.contains("2900 / 2100 ms after the signal"), "{r}");
        assert!(
            r.contains("the new leader followed 5366 / 4403 ms after that"),
            "{r}"
        );
        assert_eq!(remark(Experiment::QuorumLeaderKill, &trials, &[], &[]), "");
    }

    #[test]
    fn measurement_files_are_named_by_product_and_version() {
        assert!(measured_path("rabbitmq").ends_with("calibration/measured/rabbitmq-3.10.8.json"));
        assert!(measured_path("activemq").ends_with("calibration/measured/activemq-5.17.2.json"));
    }
}
