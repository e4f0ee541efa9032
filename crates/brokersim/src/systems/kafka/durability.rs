//! Where a Kafka broker's log is: the page cache or the disk (issue 14).
//!
//! Kafka writes every append to its segment files (`UnifiedLog.append`,
//! leader and follower alike) and leaves them to the OS: it calls fsync
//! (`UnifiedLog.flush`) only when the records above the recovery point
//! reach `flush.messages` (broker: `log.flush.interval.messages`), or when
//! the log flusher (`LogManager.flushDirtyLogs`, which runs every
//! `log.flush.scheduler.interval.ms`) finds the last flush older than
//! `flush.ms` (broker: `log.flush.interval.ms`). Every one of them
//! defaults to `Long.MAX_VALUE`: by default Kafka never fsyncs, and an
//! `acks=all` acknowledgement says the ISR has the record in its page
//! caches, not on disk. Kafka's documentation ("Log Flush Policy") leaves
//! durability to replication on purpose.
//!
//! A process kill keeps the page cache, and the OS writes it back. A host
//! that loses power loses it: at the next start, log recovery
//! (`LogLoader`, `UnifiedLog.recover`) reads the segments past the
//! recovery point and truncates at the first record that did not reach the
//! disk whole. The simulator cuts the log to what reached the disk when the
//! power went, which is what that recovery leaves.

use super::*;

impl Replica {
    /// `UnifiedLog.flush`: fsync the log. Every record reaches the disk,
    /// and the recovery point moves to the log end.
    pub(super) fn flush(&mut self, b: BrokerId, out: &mut Out) {
        let stored = self.file.fsync();
        self.recovery_point = self.log_end();
        for offset in stored {
            out.copy_stored(self.log[offset as usize].msg, broker_bit(b));
        }
    }

    /// After an append: `UnifiedLog.append` flushes once the records above
    /// the recovery point number `flush.messages`.
    pub(super) fn flush_if_due(&mut self, flush_messages: Option<u64>, b: BrokerId, out: &mut Out) {
        if let Some(n) = flush_messages
            && self.log_end() - self.recovery_point >= n
        {
            self.flush(b, out);
        }
    }

    /// The records the OS has written back by now reach the disk.
    fn write_back(&mut self, b: BrokerId, os: &OsSettings, out: &mut Out) {
        for offset in self.file.write_back(out.now, os) {
            out.copy_stored(self.log[offset as usize].msg, broker_bit(b));
        }
    }
}

impl Kafka {
    /// The OS's writeback on `b`'s host up to now, reported to the ledger
    /// (see `systems/storage.rs`: it is computed when a broker next acts,
    /// and at its death).
    pub(super) fn write_back(&mut self, b: BrokerId, out: &mut Out) {
        let os = self.os;
        for replica in &mut self.broker(b).replicas {
            replica.write_back(b, &os, out);
        }
    }

    /// A clean shutdown flushes every log (`LogManager.shutdown`) before
    /// the process exits.
    pub(super) fn flush_all(&mut self, b: BrokerId, out: &mut Out) {
        for replica in &mut self.broker(b).replicas {
            replica.flush(b, out);
        }
    }

    /// The host of `b` lost power: every log keeps what reached the disk.
    pub(super) fn lose_page_cache(&mut self, b: BrokerId, out: &mut Out) {
        self.write_back(b, out);
        let os = self.os;
        let mut lost = 0u32;
        for replica in &mut self.broker(b).replicas {
            let gone = replica.file.lose_page_cache(out.now, &os);
            for r in replica.truncate(gone.start) {
                out.copy_dropped(r.msg, broker_bit(b), DropWhy::PageCacheLost);
                lost += 1;
            }
            // Recovery starts from what is on disk: the log end is the new
            // recovery point.
            replica.recovery_point = replica.log_end();
        }
        if lost > 0 {
            out.trace(Event::Discarded {
                broker: b,
                messages: lost,
                why: DropWhy::PageCacheLost,
            });
        }
    }

    /// Arms the log flusher's next check, if `log.flush.scheduler.interval.ms`
    /// is set (its default, `Long.MAX_VALUE`, never checks).
    pub(super) fn arm_log_flusher(&self, b: BrokerId, out: &mut Out) {
        if let Some(every) = self.cfg.flush_scheduler_interval_ms {
            out.timer(Addr::Broker(b), every, sys(Timer::LogFlusher));
        }
    }

    /// `LogManager.flushDirtyLogs`: every log whose last flush is at least
    /// `flush.ms` old is flushed.
    pub(super) fn on_log_flusher(&mut self, b: BrokerId, out: &mut Out) {
        self.arm_log_flusher(b, out);
        let Some(flush_ms) = self.cfg.flush_ms else {
            return;
        };
        let now = out.now;
        let broker = &mut self.brokers[usize::from(b.0)];
        for (replica, last) in broker
            .replicas
            .iter_mut()
            .zip(broker.process.last_flush.iter_mut())
        {
            if now.ms_since(*last) >= flush_ms {
                replica.flush(b, out);
                *last = now;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::harness::*;
    use super::super::protocol::Acks;
    use crate::out::{Action, Out};
    use crate::systems::system::{Death, System};
    use crate::trace::{DropWhy, Event};

    fn discarded(out: &Out) -> Vec<(u32, DropWhy)> {
        out.actions
            .iter()
            .filter_map(|a| match a {
                Action::Trace(Event::Discarded { messages, why, .. }) => Some((*messages, *why)),
                _ => None,
            })
            .collect()
    }

    /// Issue 13: a death replaces the process whole. Field for field, the
    /// process of a dead broker is the default one, so a field added to
    /// `Process` later cannot survive a crash.
    #[test]
    fn a_dead_broker_keeps_nothing_of_its_process() {
        for death in [Death::Kill, Death::Crash] {
            let mut k = cluster(serde_json::json!({}));
            k.produce(b(1), Acks::All, 1, &[1, 2, 3], &mut at(1));
            let mut out = at(2);
            k.die(b(1), death, &mut out);
            assert_eq!(k.brokers[0].process, super::Process::default());
            assert_eq!(k.brokers[0].incarnation, 1, "kept on purpose");
        }
    }

    /// Kafka's default flush policy never fsyncs: a kill keeps the page
    /// cache and so the log; a power loss takes every record not yet
    /// written back (`dirty_expire_centisecs`: 30 s).
    #[test]
    fn a_kill_keeps_the_unflushed_log_and_a_power_loss_takes_it() {
        let mut k = cluster(serde_json::json!({}));
        k.produce(b(1), Acks::All, 1, &[1, 2, 3], &mut at(1));
        k.die(b(1), Death::Kill, &mut at(2));
        assert_eq!(k.replica(b(1)).log_end(), 3);

        let mut k = cluster(serde_json::json!({}));
        k.produce(b(1), Acks::All, 1, &[1, 2, 3], &mut at(1));
        let mut out = at(2);
        k.die(b(1), Death::Crash, &mut out);
        assert_eq!(k.replica(b(1)).log_end(), 0);
        assert_eq!(discarded(&out), vec![(3, DropWhy::PageCacheLost)]);
    }

    /// `flush.messages=1`: `UnifiedLog.append` fsyncs after every append,
    /// so a power loss takes nothing written.
    #[test]
    fn with_flush_messages_1_a_power_loss_takes_nothing() {
        let mut k = cluster(serde_json::json!({ "flush.messages": 1 }));
        k.produce(b(1), Acks::All, 1, &[1, 2, 3], &mut at(1));
        k.die(b(1), Death::Crash, &mut at(2));
        assert_eq!(k.replica(b(1)).log_end(), 3);
    }

    /// Records older than `os.dirty_expire_ms` were written back by the
    /// flusher's next wake-up: a later power loss keeps them.
    #[test]
    fn what_the_os_wrote_back_survives_a_power_loss() {
        let mut k = cluster(serde_json::json!({}));
        k.produce(b(1), Acks::All, 1, &[1, 2, 3], &mut at(1));
        // Dirty since 1 ms, expired at 30.001 s, written at the 35 s wake-up.
        k.die(b(1), Death::Crash, &mut at(35_000));
        assert_eq!(k.replica(b(1)).log_end(), 3);
    }
}
