//! Cheap checkpoints for long runs. A plain `Sim::clone` copies the whole
//! trace and ledger, which grow with the run (a 10-minute run at 1,000 msg/s
//! ends with 1.6 million trace entries and 600,000 ledger lines), so a
//! driver that wants a checkpoint every few seconds cannot afford it.
//!
//! Here the trace is moved out of the simulation as it grows
//! ([`Sim::drain_trace`]: the driver keeps it once, append-only, and a
//! checkpoint is just its length), and a checkpoint stores the ledger in
//! chunks of [`LEDGER_CHUNK`] messages, packed, shared with the previous
//! checkpoint for every chunk that did not change since it.

use std::sync::Arc;

use super::Sim;
use crate::ledger::{CopyDrop, LEDGER_CHUNK, MessageLife};
use crate::time::SimTime;
use crate::trace::TraceEntry;

/// Most ledger lines reserved up front (a bound, not a behaviour).
const MAX_RESERVED_MESSAGES: u64 = 8_000_000;

/// A message's life in 48 bytes instead of 96: its times after the
/// publish as `u32` microseconds (`NONE` when unset).
#[derive(Clone, Copy, Debug)]
struct Packed {
    published_at: u64,
    producer_seq: u32,
    after: [u32; 4],
    producer: u16,
    attempts: u16,
    deliveries: u16,
    redeliveries: u16,
    copies: u16,
    cached: u16,
    on_disk: u16,
    last_drop: Option<CopyDrop>,
}

const NONE: u32 = u32::MAX;

impl Packed {
    fn pack(life: &MessageLife) -> Option<Packed> {
        let base = life.published_at;
        let after = |t: Option<SimTime>| match t {
            None => Some(NONE),
            Some(t) => u32::try_from(t.as_us().checked_sub(base.as_us())?)
                .ok()
                .filter(|d| *d != NONE),
        };
        Some(Packed {
            published_at: base.as_us(),
            producer_seq: life.producer_seq,
            after: [
                after(life.confirmed_at)?,
                after(life.rejected_at)?,
                after(life.first_delivered_at)?,
                after(life.unrecoverable_at)?,
            ],
            producer: life.producer,
            attempts: life.attempts,
            deliveries: life.deliveries,
            redeliveries: life.redeliveries,
            copies: life.copies,
            cached: life.cached,
            on_disk: life.on_disk,
            last_drop: life.last_drop,
        })
    }

    fn unpack(&self) -> MessageLife {
        let at = |d: u32| (d != NONE).then(|| SimTime(self.published_at + u64::from(d)));
        MessageLife {
            producer: self.producer,
            producer_seq: self.producer_seq,
            published_at: SimTime(self.published_at),
            attempts: self.attempts,
            confirmed_at: at(self.after[0]),
            rejected_at: at(self.after[1]),
            deliveries: self.deliveries,
            first_delivered_at: at(self.after[2]),
            redeliveries: self.redeliveries,
            copies: self.copies,
            cached: self.cached,
            on_disk: self.on_disk,
            unrecoverable_at: at(self.after[3]),
            last_drop: self.last_drop,
        }
    }
}

/// One chunk of the ledger: packed, or as it is when a time does not fit.
#[derive(Clone, Debug)]
enum Chunk {
    Packed(Arc<[Packed]>),
    Plain(Arc<[MessageLife]>),
}

impl Chunk {
    fn new(lives: &[MessageLife]) -> Chunk {
        match lives.iter().map(Packed::pack).collect::<Option<Vec<_>>>() {
            Some(packed) => Chunk::Packed(packed.into()),
            None => Chunk::Plain(lives.into()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Chunk::Packed(p) => p.len(),
            Chunk::Plain(p) => p.len(),
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Chunk::Packed(p) => std::mem::size_of_val::<[Packed]>(p),
            Chunk::Plain(p) => std::mem::size_of_val::<[MessageLife]>(p),
        }
    }
}

/// A simulation frozen at one moment, restorable with [`Checkpoint::restore`].
/// It holds no trace entries: the driver that drained them
/// ([`Sim::drain_trace`]) records how many there were.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// The simulation with its trace drained and its ledger moved to `chunks`.
    sim: Sim,
    chunks: Vec<Chunk>,
    messages: usize,
}

impl Checkpoint {
    pub fn now(&self) -> SimTime {
        self.sim.now
    }

    /// Bytes of ledger chunks this checkpoint made anew (not shared with
    /// its base), for a driver's memory budget.
    pub fn ledger_bytes(&self) -> usize {
        self.chunks.iter().map(Chunk::bytes).sum()
    }

    /// The simulation as it was, ledger included. Its trace is empty: the
    /// driver truncates its own copy to the length it had at this moment.
    /// This checkpoint becomes the base of the restored simulation's next
    /// [`Sim::save_checkpoint`].
    pub fn restore(&self) -> Sim {
        let messages = self.ledger();
        let mut sim = self.sim.clone();
        sim.ledger.set_messages(messages);
        sim
    }

    /// [`Checkpoint::restore`] into `sim`. Its ledger goes first and the
    /// restored one is built at once in the space it leaves, so the two
    /// are never in memory together and the page's memory does not grow.
    pub fn restore_into(&self, sim: &mut Sim) {
        drop(sim.ledger.take_messages());
        let messages = self.ledger();
        *sim = self.sim.clone();
        sim.ledger.set_messages(messages);
    }

    /// The ledger's lines, unpacked, with room for the rest of the run.
    fn ledger(&self) -> Vec<MessageLife> {
        let mut messages = Vec::with_capacity(self.messages.max(self.sim.expected_messages()));
        for chunk in &self.chunks {
            match chunk {
                Chunk::Packed(p) => messages.extend(p.iter().map(Packed::unpack)),
                Chunk::Plain(p) => messages.extend_from_slice(p),
            }
        }
        messages
    }
}

impl Sim {
    /// Moves the trace entries recorded since the last call out of the
    /// simulation, oldest first; the trace hash (and so the report) is
    /// unaffected. After this, [`Sim::trace`] holds only newer entries.
    pub fn drain_trace(&mut self) -> std::vec::Drain<'_, TraceEntry> {
        self.trace.drain_entries()
    }

    /// Reserves the ledger for every message the scenario's producers will
    /// publish, so a long run does not hold its ledger twice while the
    /// buffer doubles.
    pub fn reserve_for_run(&mut self) {
        let n = self.expected_messages();
        self.ledger.reserve_total(n);
    }

    /// Messages the producers will publish (from their rate and the fault
    /// phase), plus a margin; an estimate for reserving memory only.
    fn expected_messages(&self) -> usize {
        let duration = self.config.duration_ms;
        let total: u64 = self
            .config
            .producers
            .iter()
            .map(|p| {
                let by_rate = u64::from(p.rate_per_s)
                    .saturating_mul(duration.saturating_sub(p.start_ms))
                    / 1_000;
                p.count.map_or(by_rate, |c| by_rate.min(u64::from(c)))
            })
            .sum();
        (total + total / 32 + 64).min(MAX_RESERVED_MESSAGES) as usize
    }

    /// A checkpoint of this moment. `base` must be the checkpoint this
    /// simulation last made or was restored from (or `None`): every ledger
    /// chunk unchanged since then is shared with it, not copied. Drain the
    /// trace first, or its entries are copied too.
    pub fn save_checkpoint(&mut self, base: Option<&Checkpoint>) -> Checkpoint {
        let messages = self.ledger.take_messages();
        let sim = self.clone();
        let mut chunks = Vec::with_capacity(messages.len().div_ceil(LEDGER_CHUNK));
        for (i, lives) in messages.chunks(LEDGER_CHUNK).enumerate() {
            let shared = base
                .and_then(|b| b.chunks.get(i))
                .filter(|c| c.len() == lives.len() && !self.ledger.chunk_touched(i));
            chunks.push(match shared {
                Some(chunk) => chunk.clone(),
                None => Chunk::new(lives),
            });
        }
        let count = messages.len();
        self.ledger.set_messages(messages);
        Checkpoint {
            sim,
            chunks,
            messages: count,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::presets;
    use crate::time::SimTime;

    #[test]
    fn the_copies_ledger_costs_no_memory_per_message() {
        // A 10-minute run at 1,000 msg/s keeps 600,000 lives live and in
        // every checkpoint: the last copy's cause fits in their padding,
        // and the layers of the copies (issue 14) cost four bytes more.
        assert_eq!(std::mem::size_of::<crate::ledger::MessageLife>(), 96);
        assert_eq!(std::mem::size_of::<super::Packed>(), 48);
    }

    #[test]
    fn a_restored_checkpoint_runs_on_exactly_as_the_original() {
        let scenario = presets::get("mirrored-master-crash").unwrap().scenario();
        let mut straight = super::Sim::new(scenario.clone()).unwrap();
        let straight_report = straight.run_to_end();

        let mut sim = super::Sim::new(scenario).unwrap();
        sim.reserve_for_run();
        let mut base = None;
        let mut checkpoints = Vec::new();
        for s in 1..=30 {
            sim.run_until(SimTime::from_ms(s * 1_000));
            sim.drain_trace();
            let cp = sim.save_checkpoint(base.as_ref());
            base = Some(cp.clone());
            checkpoints.push(cp);
        }
        // Back to 12 s, on from there, and a checkpoint sharing with it.
        let mut again = checkpoints[11].restore();
        assert_eq!(again.now(), SimTime::from_ms(12_000));
        again.run_until(SimTime::from_ms(20_000));
        let at_20 = again.save_checkpoint(Some(&checkpoints[11]));
        let mut from_20 = at_20.restore();
        let mut original_20 = checkpoints[19].restore();
        assert_eq!(from_20.run_to_end(), straight_report);
        assert_eq!(original_20.run_to_end(), straight_report);
        let mut rest = sim;
        assert_eq!(rest.run_to_end(), straight_report);
    }
}
