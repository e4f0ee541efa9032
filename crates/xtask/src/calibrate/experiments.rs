//! The experiments: each injects one fault into the real brokers, times
//! what follows from the brokers' log stamps, counts messages with the
//! Python clients, and returns one JSON record per trial.
//!
//! A fault is stamped by the lab's clock (`now_us`) immediately before the
//! `kill(2)` call; the brokers stamp their log lines with the same host
//! clock, so the difference is the time the broker took to act on it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use super::activemq::{self, Pair};
use super::logtime::{EpochUs, now_us, rfc3339};
use super::procs::Procs;
use super::rabbitmq::Cluster;

/// Which experiment; its id names its scenario and its entry in the
/// measurement files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Experiment {
    /// RabbitMQ node SIGKILLed: when its peers see `nodedown`.
    RabbitmqKillNodedown,
    /// Quorum queue, the leader's node SIGKILLed: time to a new leader, messages lost.
    QuorumLeaderKill,
    /// RabbitMQ node SIGSTOPped (frozen): when its peers see `nodedown`.
    RabbitmqStopNodedown,
    /// Quorum queue, the leader's node frozen 20 s: time to a new leader, messages lost.
    QuorumLeaderFreeze,
    /// ActiveMQ master SIGKILLed: when the slave is master, messages kept.
    ActivemqMasterKill,
}

impl Experiment {
    /// In the order they run: the freezes after the kills, because a
    /// resumed node may leave the cluster partitioned (the lab restarts it
    /// to be safe).
    pub const ALL: [Experiment; 5] = [
        Experiment::RabbitmqKillNodedown,
        Experiment::QuorumLeaderKill,
        Experiment::RabbitmqStopNodedown,
        Experiment::QuorumLeaderFreeze,
        Experiment::ActivemqMasterKill,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Experiment::RabbitmqKillNodedown => "rabbitmq-kill-nodedown",
            Experiment::QuorumLeaderKill => "quorum-leader-kill",
            Experiment::RabbitmqStopNodedown => "rabbitmq-stop-nodedown",
            Experiment::QuorumLeaderFreeze => "quorum-leader-freeze",
            Experiment::ActivemqMasterKill => "activemq-master-kill",
        }
    }

    pub fn is_rabbitmq(self) -> bool {
        !matches!(self, Experiment::ActivemqMasterKill)
    }
}

/// Messages published before each fault.
pub const MESSAGES: u32 = 500;

/// Runs `client.py` in the venv and returns its JSON answer.
pub struct Clients {
    pub python: PathBuf,
    pub script: PathBuf,
}

impl Clients {
    fn call(&self, cmd: &str, port: u16, queue: &str, arg: u32) -> Result<Value, String> {
        let output = Command::new(&self.python)
            .arg(&self.script)
            .args([cmd, &port.to_string(), queue, &arg.to_string()])
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("run client.py: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let last = stdout.lines().last().unwrap_or_default();
        if !output.status.success() {
            return Err(format!(
                "client.py {cmd} failed: {}{}",
                stdout,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        serde_json::from_str(last).map_err(|e| format!("client.py {cmd} printed {last:?}: {e}"))
    }

    fn count(
        &self,
        cmd: &str,
        port: u16,
        queue: &str,
        arg: u32,
        field: &str,
    ) -> Result<u64, String> {
        let answer = self.call(cmd, port, queue, arg)?;
        answer[field]
            .as_u64()
            .ok_or_else(|| format!("client.py {cmd}: no {field} in {answer}"))
    }
}

/// The 1-, 5- and 15-minute load averages: the other engineers compile on
/// the same two cores, and the record says how busy the machine was.
pub fn load_average() -> Value {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let v: Vec<f64> = text
        .split_whitespace()
        .take(3)
        .filter_map(|x| x.parse().ok())
        .collect();
    json!(v)
}

fn ms(from: EpochUs, to: EpochUs) -> f64 {
    // Two decimals: log stamps have microseconds, more would be noise.
    ((to - from) as f64 / 10.0).round() / 100.0
}

/// Sends `sig` to the process called `name`; the stamp taken just before.
fn send(procs: &mut Procs, name: &str, sig: libc::c_int) -> Result<EpochUs, String> {
    let proc = procs
        .get(name)
        .ok_or_else(|| format!("{name} is not running"))?;
    let at = now_us();
    proc.signal(sig)
        .map_err(|e| format!("kill -{sig} {name}: {e}"))?;
    Ok(at)
}

fn sigkill(procs: &mut Procs, name: &str) -> Result<EpochUs, String> {
    send(procs, name, libc::SIGKILL)
}

/// How long a frozen node stays frozen (the quorum experiment).
pub const FREEZE: Duration = Duration::from_secs(20);

/// Resumes a frozen node, then kills and restarts it: once resumed it
/// would find its peers had declared it down, and with
/// `cluster_partition_handling = ignore` the cluster could stay
/// partitioned for the next trial. A restarted node rejoins cleanly.
fn thaw_and_restart(cluster: &Cluster, procs: &mut Procs, index: usize) -> Result<(), String> {
    let name = cluster.node(index).name();
    send(procs, &name, libc::SIGCONT)?;
    sigkill(procs, &name)?;
    restart_node(cluster, procs, index)
}

/// Restarts a killed RabbitMQ node and waits until the others see it again.
fn restart_node(cluster: &Cluster, procs: &mut Procs, index: usize) -> Result<(), String> {
    let name = cluster.node(index).name();
    procs.stop(&name); // reaps the killed VM and frees its slot
    let since = now_us();
    cluster.start_node(procs, index, Duration::from_secs(120))?;
    let watcher = if index == 1 { 2 } else { 1 };
    cluster.wait_up(watcher, index, since)
}

const TIMEOUT: Duration = Duration::from_secs(60);

/// (a) SIGKILL rabbit3 (or, `freeze`, SIGSTOP it); rabbit1 and rabbit2
/// each log `node rabbit3@localhost down: <reason>` (rabbit_node_monitor on
/// net_kernel's nodedown): `connection_closed` for a dead process,
/// `net_tick_timeout` for a frozen one.
pub fn rabbitmq_nodedown(
    cluster: &Cluster,
    procs: &mut Procs,
    trial: u32,
    freeze: bool,
) -> Result<Value, String> {
    let victim = cluster.node(3).name();
    let sig = if freeze { libc::SIGSTOP } else { libc::SIGKILL };
    let killed_at = send(procs, &victim, sig)?;
    let mut nodedown = serde_json::Map::new();
    let mut reason = String::new();
    for watcher in [1, 2] {
        let log = cluster.node(watcher).log();
        let needle = format!("node {victim} down:");
        let at = log
            .wait_for(&[&needle], killed_at, TIMEOUT)
            .ok_or_else(|| format!("rabbit{watcher} never logged {needle}"))?;
        nodedown.insert(cluster.node(watcher).name(), json!(ms(killed_at, at)));
        if reason.is_empty() {
            reason = reason_after(&log.text(), &needle, killed_at);
        }
    }
    let first = nodedown
        .values()
        .filter_map(Value::as_f64)
        .fold(f64::INFINITY, f64::min);
    // The hidden watcher node's own nodedown: the distribution's event,
    // stamped by an idle node as it arrives (see watcher.rs).
    let watched = poll(|| {
        let out = std::fs::read_to_string(cluster.watch_file()).unwrap_or_default();
        super::watcher::first_nodedown(&out, &victim, killed_at).map(|(at, r)| (at, r.to_owned()))
    });
    let record = json!({
        "trial": trial,
        "signal": if freeze { "SIGSTOP" } else { "SIGKILL" },
        "killed": victim,
        "killed_at": rfc3339(killed_at),
        "watcher_nodedown_ms": watched.as_ref().map(|(at, _)| ms(killed_at, *at)),
        "watcher_reason": watched.map(|(_, r)| r),
        "nodedown_ms": nodedown,
        "first_nodedown_ms": first,
        "reason": reason,
        "load_average": load_average(),
    });
    if freeze {
        thaw_and_restart(cluster, procs, 3)?;
    } else {
        restart_node(cluster, procs, 3)?;
    }
    Ok(record)
}

/// The reason after `needle` on its first line stamped after `since`
/// (`connection_closed`, `net_tick_timeout`).
pub fn reason_after(text: &str, needle: &str, since: EpochUs) -> String {
    text.lines()
        .filter(|l| l.contains(needle))
        .find(|l| super::logtime::parse_line_time(l).is_some_and(|t| t >= since))
        .and_then(|l| l.split(needle).nth(1))
        .map(|r| r.trim().to_owned())
        .unwrap_or_default()
}

/// Ra's line for a member that won an election: `queue 'q' in vhost '/':
/// candidate -> leader in term: 2 …`.
fn leader_needles(queue: &str) -> [String; 2] {
    [format!("queue '{queue}'"), "-> leader in term".to_owned()]
}

/// Which node logged its member becoming leader of `queue` after `since`, and when.
fn find_leader(
    cluster: &Cluster,
    queue: &str,
    since: EpochUs,
    exclude: Option<usize>,
) -> Option<(usize, EpochUs)> {
    let [a, b] = leader_needles(queue);
    cluster
        .nodes
        .iter()
        .filter(|n| Some(n.index) != exclude)
        .filter_map(|n| {
            super::logtime::find_event(&n.log().text(), &[&a, &b], since).map(|t| (n.index, t))
        })
        .min_by_key(|&(_, t)| t)
}

/// (b) A quorum queue declared through rabbit1 (its member leads term 1),
/// 500 confirmed publishes, then the leader's node SIGKILLed: when a
/// survivor's member becomes leader, and how many confirmed messages a
/// survivor still delivers.
pub fn quorum_leader_kill(
    cluster: &Cluster,
    procs: &mut Procs,
    clients: &Clients,
    trial: u32,
    freeze: bool,
) -> Result<Value, String> {
    let queue = format!("calibrate-qq-{}-{trial}", now_us() / 1_000_000);
    let declared = now_us();
    let confirmed = clients.count(
        "rmq-publish",
        cluster.node(1).amqp_port,
        &queue,
        MESSAGES,
        "confirmed",
    )?;
    let (leader, _) = poll(|| find_leader(cluster, &queue, declared, None))
        .ok_or_else(|| format!("no node logged a leader for {queue}"))?;
    let victim = cluster.node(leader).name();
    let sig = if freeze { libc::SIGSTOP } else { libc::SIGKILL };
    let killed_at = send(procs, &victim, sig)?;
    let (new_leader, elected_at) =
        poll(|| find_leader(cluster, &queue, killed_at, Some(leader)))
            .ok_or_else(|| format!("no new leader for {queue} within {TIMEOUT:?}"))?;
    let survivor = cluster.node(new_leader);
    let nodedown_at =
        survivor
            .log()
            .wait_for(&[&format!("node {victim} down:")], killed_at, TIMEOUT);
    // Ra's follower logs when its monitor on the leader fires (reason
    // `noconnection` for a killed node): detection, before the election timeout.
    let monitor_down_at = super::logtime::find_event(
        &survivor.log().text(),
        &[&format!("queue '{queue}'"), "Leader monitor down with"],
        killed_at,
    );
    // A frozen leader closes nothing: Ra's failure detector (aten) says
    // the leader's node "may be down", and Ra sets its pre-vote timeout.
    let aten_down_at = super::logtime::find_event(
        &survivor.log().text(),
        &[
            &format!("queue '{queue}'"),
            &format!("Leader node {victim} may be down"),
        ],
        killed_at,
    );
    if freeze {
        // The old leader stays frozen for FREEZE in all, as in the issue.
        let frozen_for = Duration::from_micros(u64::try_from(now_us() - killed_at).unwrap_or(0));
        std::thread::sleep(FREEZE.saturating_sub(frozen_for));
    }
    let received = clients.count("rmq-drain", survivor.amqp_port, &queue, 60, "received")?;
    let record = json!({
        "trial": trial,
        "queue": queue,
        "leader": victim,
        "signal": if freeze { "SIGSTOP" } else { "SIGKILL" },
        "frozen_s": freeze.then_some(FREEZE.as_secs()),
        "killed_at": rfc3339(killed_at),
        "confirmed": confirmed,
        "received": received,
        "lost": confirmed.saturating_sub(received),
        "new_leader": survivor.name(),
        "new_leader_ms": ms(killed_at, elected_at),
        "nodedown_ms": nodedown_at.map(|t| ms(killed_at, t)),
        "leader_monitor_down_ms": monitor_down_at.map(|t| ms(killed_at, t)),
        "aten_leader_may_be_down_ms": aten_down_at.map(|t| ms(killed_at, t)),
        "load_average": load_average(),
    });
    if freeze {
        thaw_and_restart(cluster, procs, leader)?;
    } else {
        restart_node(cluster, procs, leader)?;
    }
    Ok(record)
}

fn poll<T>(mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// (c) A fresh pair: a1 master, a2 slave; 500 persistent messages with
/// receipts through a1; a1 SIGKILLed. When a2 logs that it started (it
/// took the lock at its next poll, recovered KahaDB, opened its
/// connectors), and how many messages it delivers.
pub fn activemq_master_kill(
    work: &Path,
    procs: &mut Procs,
    clients: &Clients,
    trial: u32,
) -> Result<Value, String> {
    let pair = Pair::prepare(&work.join(format!("trial-{trial}")))?;
    pair.start(procs, 0, activemq::STARTED)?;
    // The slave's first lock attempt: its later polls run every
    // lockAcquireSleepInterval from here, which sets the takeover's phase.
    let slave_first_try = pair.start(procs, 1, activemq::SLAVE)?;
    let queue = "calibrate";
    let confirmed = clients.count(
        "stomp-publish",
        pair.brokers[0].stomp_port,
        queue,
        MESSAGES,
        "confirmed",
    )?;
    let killed_at = sigkill(procs, "a1")?;
    let slave_log = pair.brokers[1].log();
    let started_at = slave_log
        .wait_for(&[activemq::STARTED], killed_at, TIMEOUT)
        .ok_or_else(|| "a2 never became master".to_owned())?;
    // The slave logs nothing when it takes the lock; its next lines are
    // KahaDB opening the store, then replaying the journal.
    let text = slave_log.text();
    let store_opened = super::logtime::find_event(&text, &["KahaDB is version"], killed_at);
    let recovery = super::logtime::find_event(&text, &["Recovering from the journal"], killed_at);
    let received = clients.count(
        "stomp-drain",
        pair.brokers[1].stomp_port,
        queue,
        60,
        "received",
    )?;
    let record = json!({
        "trial": trial,
        "killed_at": rfc3339(killed_at),
        "phase_ms": ms(slave_first_try, killed_at) % f64::from(activemq::LOCK_ACQUIRE_SLEEP_INTERVAL_MS),
        "slave_first_lock_try_to_kill_ms": ms(slave_first_try, killed_at),
        "confirmed": confirmed,
        "received": received,
        "lost": confirmed.saturating_sub(received),
        "master_after_ms": ms(killed_at, started_at),
        "store_opened_ms": store_opened.map(|t| ms(killed_at, t)),
        "journal_recovery_ms": recovery.map(|t| ms(killed_at, t)),
        "load_average": load_average(),
    });
    procs.stop("a1");
    procs.stop("a2");
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_is_read_from_the_first_line_after_the_fault() {
        let log = "2026-12-07 23:00:00.000000+00:00 [info] <0.1.0> node rabbit3@localhost down: net_tick_timeout\n\
                   2026-12-07 23:10:00.020000+00:00 [info] <0.1.0> node rabbit3@localhost down: connection_closed\n";
        let since = super::super::logtime::parse_line_time("2026-12-07 23:10:00.0").unwrap();
        assert_eq!(
            reason_after(log, "node rabbit3@localhost down:", since),
            "connection_closed"
        );
        assert_eq!(reason_after(log, "node rabbit2@localhost down:", since), "");
    }

    #[test]
    fn milliseconds_keep_two_decimals() {
        assert_eq!(ms(0, 13_456), 13.46);
        assert_eq!(ms(1_000, 0), -1.0);
    }

    #[test]
    fn experiment_ids_are_distinct_and_kebab_case() {
        use clap::ValueEnum;
        for e in Experiment::ALL {
            let via_clap = e.to_possible_value().unwrap();
            assert_eq!(via_clap.get_name(), e.id());
        }
    }
}
