//! The properties every run must keep, checked from the outside: on the
//! report (the core's own invariants, `invariants.rs`), and directly on the
//! ledger and the trace for what the core does not check itself or where a
//! second, independent count guards the first.

use std::collections::{BTreeMap, BTreeSet};

use brokersim::invariants::{CONFIRMED_SURVIVE, Violation};
use brokersim::systems::kafka::KafkaEvent;
use brokersim::systems::quorum::QuorumEvent;
use brokersim::view::BrokerStatus;
use brokersim::{BrokerId, DRAIN_LIMIT_MS, Event, Lang, Report, Sim, voice};

/// What a configuration promises beyond what every run keeps.
#[derive(Clone, Copy, Debug, Default)]
pub struct Promises {
    /// No confirmed message is lost ("always" properties).
    pub no_loss: bool,
    /// First deliveries come in each producer's order.
    pub order: bool,
    /// Two leaders may share an epoch (RabbitMQ `ignore`: each side of a
    /// partition promotes its own master): the violation is the lesson.
    pub split_brain_allowed: bool,
    /// The drain converges (every client idle, every queue empty).
    pub clean_drain: bool,
}

/// A finished run.
pub struct Run {
    pub report: Report,
    pub sim: Sim,
}

pub fn run(scenario: &brokersim::Scenario) -> Result<Run, String> {
    let mut sim = Sim::new(scenario.clone()).map_err(|e| format!("invalid scenario: {e}"))?;
    let report = sim.run_to_end();
    Ok(Run { report, sim })
}

/// Every property of one run; the first broken one as a sentence.
pub fn check(run: &Run, promises: Promises) -> Result<(), String> {
    violations(run, promises)?;
    accounting(run)?;
    copies_agree_with_the_final_read(run)?;
    nothing_unexpected(run)?;
    confirmed_xor_rejected(run)?;
    one_leader_per_epoch(run, promises)?;
    epochs_never_go_backwards(run)?;
    if promises.order {
        first_deliveries_in_order(run)?;
    }
    liveness_after_heal(run, promises)?;
    replicas_agree(run, promises)?;
    Ok(())
}

fn violations(run: &Run, promises: Promises) -> Result<(), String> {
    let unexpected: Vec<_> = run
        .report
        .violations
        .iter()
        .filter(|v| v.property != CONFIRMED_SURVIVE || promises.no_loss)
        .filter(|v| {
            !(matches!(v.violation, Violation::SplitBrain { .. }) && promises.split_brain_allowed)
        })
        .collect();
    if let Some(v) = unexpected.first() {
        return Err(format!(
            "violation {} at {} ms: {} ({} in all)",
            v.property,
            v.at_ms,
            voice::say(&voice::violation(&v.violation), Lang::En),
            unexpected.len()
        ));
    }
    if promises.no_loss && run.report.lost > 0 {
        return Err(format!("{} confirmed messages lost", run.report.lost));
    }
    Ok(())
}

/// Two independent counts of what survives agree: the copies ledger
/// (every copy created and destroyed as the run went) and the final read
/// (what a reader finds in every queue after the drain). A message the
/// reader found still has a copy in the ledger; a lost one has none left
/// that nobody could read, and names what destroyed its last copy.
fn copies_agree_with_the_final_read(run: &Run) -> Result<(), String> {
    use brokersim::report::LossCause;
    let Report {
        unconsumed_messages,
        lost_messages,
        ..
    } = &run.report;
    for m in unconsumed_messages {
        let copies = run.sim.copies(brokersim::MsgId(m.msg));
        if copies.is_none_or(|c| c.stored.is_empty()) {
            return Err(format!(
                "the final read found message #{} but the ledger has no copy of it",
                m.msg
            ));
        }
    }
    let acks_0 = run
        .sim
        .scenario()
        .producers
        .iter()
        .any(|p| p.acks.as_deref() == Some("0"));
    for m in lost_messages {
        let unexplained = match m.cause {
            LossCause::Unreadable => true,
            LossCause::NeverStored => !acks_0,
            _ => false,
        };
        if unexplained {
            return Err(format!(
                "lost message #{} has no cause the ledger can name ({:?}, held by {:?})",
                m.msg, m.cause, m.held_by
            ));
        }
    }
    Ok(())
}

/// The report's counts agree with the ledger, message by message.
fn accounting(run: &Run) -> Result<(), String> {
    let r = &run.report;
    let lives = run.sim.ledger().all();
    // Every confirmed message nobody handled is unconsumed or lost, and
    // one the ledger knows has no copy left cannot be unconsumed.
    let undelivered = lives
        .iter()
        .filter(|l| l.confirmed_at.is_some() && l.deliveries == 0)
        .count() as u64;
    let no_copy = lives
        .iter()
        .filter(|l| l.confirmed_at.is_some() && l.deliveries == 0 && l.copies == 0)
        .count() as u64;
    let delivered = lives.iter().filter(|l| l.deliveries > 0).count() as u64;
    if r.published != lives.len() as u64
        || r.unconsumed + r.lost != undelivered
        || r.lost < no_copy
        || r.delivered != delivered
        || r.confirmed + r.rejected + r.indeterminate != r.published
    {
        return Err(format!(
            "the report does not add up: {r:?} vs the ledger's {undelivered} confirmed and never delivered ({no_copy} with no copy left), delivered {delivered}"
        ));
    }
    Ok(())
}

/// Nothing delivered that was never published: every delivery in the trace
/// names a message published earlier in the trace.
fn nothing_unexpected(run: &Run) -> Result<(), String> {
    if run.report.unexpected > 0 {
        return Err(format!("{} unexpected deliveries", run.report.unexpected));
    }
    let mut published = BTreeSet::new();
    for e in run.sim.trace() {
        match &e.event {
            Event::Published { msg, .. } => {
                published.insert(*msg);
            }
            Event::Delivered { msg, .. } if !published.contains(msg) => {
                return Err(format!(
                    "message {msg} delivered at {} but never published before",
                    e.at
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// No publish both confirmed and rejected, in the ledger and in the trace
/// (a confirm after a final nack, or a final nack after a confirm).
fn confirmed_xor_rejected(run: &Run) -> Result<(), String> {
    for (i, life) in run.sim.ledger().all().iter().enumerate() {
        if life.confirmed_at.is_some() && life.rejected_at.is_some() {
            return Err(format!("message #{} both confirmed and rejected", i + 1));
        }
    }
    Ok(())
}

/// Leadership claims in the trace: (queue or partition, epoch, broker, at).
fn leadership(run: &Run) -> Vec<(u16, u32, BrokerId, u64)> {
    let mut out = Vec::new();
    for e in run.sim.trace() {
        let at = e.at.as_ms();
        match &e.event {
            Event::Promoted { broker, epoch, .. }
            | Event::MasterRecovered { broker, epoch, .. } => {
                out.push((0, epoch.0, *broker, at));
            }
            Event::Quorum(QuorumEvent::LeaderElected { broker, term, .. }) => {
                out.push((0, *term, *broker, at));
            }
            Event::Kafka(KafkaEvent::BecameLeader {
                partition,
                broker,
                epoch,
                ..
            }) => out.push((*partition, *epoch, *broker, at)),
            _ => {}
        }
    }
    out
}

/// At most one leader per queue (partition) per epoch, read from the trace's
/// elections and promotions; and the controller's and Raft's elections
/// never reuse or go back to an older epoch (term).
fn one_leader_per_epoch(run: &Run, promises: Promises) -> Result<(), String> {
    if !promises.split_brain_allowed {
        let mut leader_of: BTreeMap<(u16, u32), BrokerId> = BTreeMap::new();
        for (queue, epoch, broker, at) in leadership(run) {
            match leader_of.insert((queue, epoch), broker) {
                Some(other) if other != broker => {
                    return Err(format!(
                        "{other} and {broker} both lead queue {queue} in epoch {epoch} (at {at} ms)"
                    ));
                }
                _ => {}
            }
        }
    }
    let mut last: BTreeMap<u16, u32> = BTreeMap::new();
    for e in run.sim.trace() {
        let (queue, epoch) = match &e.event {
            Event::Kafka(KafkaEvent::LeaderElected {
                partition, epoch, ..
            }) => (*partition, *epoch),
            Event::Quorum(QuorumEvent::LeaderElected { term, .. }) => (0, *term),
            _ => continue,
        };
        if let Some(before) = last.insert(queue, epoch)
            && before >= epoch
        {
            return Err(format!(
                "an election at {} chose epoch {epoch} of queue {queue} after epoch {before}",
                e.at
            ));
        }
    }
    Ok(())
}

/// Epochs never go backwards on any broker: each broker's leadership
/// claims, per queue, come in non-decreasing epochs.
fn epochs_never_go_backwards(run: &Run) -> Result<(), String> {
    let mut last: BTreeMap<(u16, BrokerId), u32> = BTreeMap::new();
    for (queue, epoch, broker, at) in leadership(run) {
        if let Some(before) = last.insert((queue, broker), epoch)
            && before > epoch
        {
            return Err(format!(
                "{broker} led queue {queue} in epoch {before}, then in epoch {epoch} at {at} ms"
            ));
        }
    }
    Ok(())
}

/// First deliveries keep each producer's order: recounted from the trace,
/// independently of the ledger's own count.
fn first_deliveries_in_order(run: &Run) -> Result<(), String> {
    let ledger = run.sim.ledger();
    let mut seen = BTreeSet::new();
    let mut last: BTreeMap<u16, u32> = BTreeMap::new();
    for e in run.sim.trace() {
        let Event::Delivered { msg, .. } = &e.event else {
            continue;
        };
        let Some(life) = ledger.get(*msg) else {
            continue;
        };
        if !seen.insert(*msg) {
            continue;
        }
        let previous = last.entry(life.producer).or_insert(0);
        if life.producer_seq < *previous {
            return Err(format!(
                "message {msg} (number {} of producer p{}) first delivered at {} after number {}",
                life.producer_seq,
                life.producer + 1,
                e.at,
                previous
            ));
        }
        *previous = life.producer_seq;
    }
    if run.report.reordered > 0 {
        return Err(format!(
            "{} first deliveries reordered",
            run.report.reordered
        ));
    }
    Ok(())
}

/// The drain phase ends within its bound, and (where promised) because
/// everything converged rather than because time ran out.
fn liveness_after_heal(run: &Run, promises: Promises) -> Result<(), String> {
    let trace = run.sim.trace();
    let ended = trace
        .iter()
        .find(|e| matches!(e.event, Event::FaultPhaseEnded))
        .ok_or("the fault phase never ended")?
        .at;
    let (finished, clean) = trace
        .iter()
        .rev()
        .find_map(|e| match e.event {
            Event::DrainFinished { clean } => Some((e.at, clean)),
            _ => None,
        })
        .ok_or("the drain never finished")?;
    let took_ms = finished.as_ms() - ended.as_ms();
    if took_ms > DRAIN_LIMIT_MS + 1_000 {
        return Err(format!("the drain took {took_ms} ms, over its bound"));
    }
    if promises.clean_drain && !clean {
        return Err(format!(
            "the drain gave up after {took_ms} ms without converging (clients busy or queues not empty)"
        ));
    }
    Ok(())
}

/// Replicas agree on the committed prefix. The core does not expose the
/// replicas' logs, so this checks what the view shows once a clean drain has
/// converged: every broker up, and every member of a quorum queue caught
/// up with the same length. (Kafka followers may legitimately trail the
/// leader's high watermark by a fetch when the drain ends, and mirrored and
/// ActiveMQ queues are empty by then: for them only the brokers are checked.)
fn replicas_agree(run: &Run, promises: Promises) -> Result<(), String> {
    if !promises.clean_drain {
        return Ok(());
    }
    let view = run.sim.view();
    if let Some(b) = view.brokers.iter().find(|b| b.status != BrokerStatus::Up) {
        return Err(format!("{} is {:?} after the drain", b.name, b.status));
    }
    if view.system != brokersim::SystemKind::Quorum {
        return Ok(());
    }
    let first = &view.replicas[0];
    if view
        .replicas
        .iter()
        .any(|r| !r.synced || r.length != first.length)
    {
        return Err(format!(
            "after the drain the quorum queue's members disagree: {:?}",
            view.replicas
        ));
    }
    Ok(())
}
