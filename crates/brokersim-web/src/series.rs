//! The numbers behind the small charts, per virtual second: publishes,
//! confirms and first deliveries (throughput), the mean confirm latency,
//! and replica lag (how many messages the leader holds that its least
//! up-to-date replica lacks).
//!
//! They are read from the trace as it grows, never by walking the whole
//! ledger again, so a long run costs nothing extra per frame. A seek back
//! replays the very same trace (same scenario, same seed), so the buckets
//! already filled stay right; the runner counts only entries it had not
//! seen before.

use brokersim::trace::{Event, TraceEntry};
use brokersim::view::Role;
use brokersim::{Sim, SimTime};

use crate::runner::SAMPLE_US;

/// Longest run charted: an hour of virtual time plus the drain, in seconds.
const MAX_SECONDS: usize = 3_600 + 15 * 60 + 1;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub published: Vec<u32>,
    pub confirmed: Vec<u32>,
    pub delivered: Vec<u32>,
    pub latency_sum_ms: Vec<u64>,
    /// Replica lag at the start of each second, once sampled.
    pub lag: Vec<Option<u32>>,
    /// Indices of the trace entries that are not per-message events: the
    /// log's default view, found without rescanning millions of entries.
    pub notable: Vec<u32>,
}

impl Series {
    fn bump(v: &mut Vec<u32>, second: usize) {
        if second < MAX_SECONDS {
            if v.len() <= second {
                v.resize(second + 1, 0);
            }
            v[second] += 1;
        }
    }

    /// Counts one new trace entry, the `index`th of the run.
    pub fn count(&mut self, index: usize, entry: &TraceEntry, sim: &Sim) {
        if !entry.event.is_message() {
            self.notable.push(index as u32);
        }
        let second = (entry.at.as_us() / SAMPLE_US) as usize;
        match &entry.event {
            Event::Published { attempt: 1, .. } => Self::bump(&mut self.published, second),
            Event::Confirmed { msg } => {
                Self::bump(&mut self.confirmed, second);
                if let Some(life) = sim.ledger().get(*msg) {
                    let ms = entry.at.ms_since(life.published_at);
                    if second < MAX_SECONDS {
                        if self.latency_sum_ms.len() <= second {
                            self.latency_sum_ms.resize(second + 1, 0);
                        }
                        self.latency_sum_ms[second] += ms;
                    }
                }
            }
            Event::Delivered {
                redelivered: false, ..
            } => Self::bump(&mut self.delivered, second),
            _ => {}
        }
    }

    /// Samples the replica lag when the simulation stands exactly on a second.
    pub fn sample(&mut self, sim: &Sim) {
        let now = sim.now().as_us();
        let second = (now / SAMPLE_US) as usize;
        if now.is_multiple_of(SAMPLE_US) && second < MAX_SECONDS {
            if self.lag.len() <= second {
                self.lag.resize(second + 1, None);
            }
            if self.lag[second].is_none() {
                self.lag[second] = Some(replica_lag(sim));
            }
        }
    }

    /// Mean confirm latency in `second`, if anything was confirmed then.
    pub fn latency_ms(&self, second: usize) -> Option<u64> {
        let n = u64::from(*self.confirmed.get(second)?);
        let sum = *self.latency_sum_ms.get(second)?;
        (n > 0).then(|| sum / n)
    }
}

/// Messages a leader holds beyond its least up-to-date replica, over every
/// queue or partition.
pub fn replica_lag(sim: &Sim) -> u32 {
    let view = sim.view();
    view.replicas
        .iter()
        .filter(|r| r.role == Role::Master)
        .map(|leader| {
            view.replicas
                .iter()
                .filter(|r| r.role == Role::Mirror && r.partition == leader.partition)
                .map(|r| leader.length.saturating_sub(r.length))
                .max()
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0)
}

/// Seconds up to `now`, for the charts' x axis.
pub fn seconds_until(now: SimTime) -> usize {
    (now.as_us() / SAMPLE_US) as usize
}
