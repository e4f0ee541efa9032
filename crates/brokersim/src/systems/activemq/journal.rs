//! Where KahaDB's journal is: the page cache of the master's host, or the
//! disk (issue 14).
//!
//! KahaDB appends every persistent message and every acknowledgement to its
//! journal (`DataFileAppender`) and fsyncs as `journalDiskSyncStrategy`
//! says (the KahaDB documentation page; `Journal.JournalDiskSyncStrategy`):
//! `always` (the default) forces each batch holding a synchronous write to
//! disk before the writers are answered, so a receipt means on disk;
//! `periodic` fsyncs every `journalDiskSyncInterval` (1,000 ms) and answers
//! before; `never` leaves it to the OS. The writes sit in the page cache of
//! the host whose process made them (on a shared file system, its client's
//! cache): a killed master's host writes them back; a master whose host
//! loses power loses them, and at the next start KahaDB replays the journal
//! as it is on disk: the messages whose record did not reach the disk are
//! gone, and the acknowledgements that did not make it bring their message
//! back (to be delivered again).

use std::collections::VecDeque;

use super::*;
use crate::systems::storage::{LogFile, OsSettings};

/// One journal record a host wrote and not yet on disk.
#[derive(Clone, Copy, Debug)]
enum Record {
    /// A persistent message added to the store.
    Add(QMsg),
    /// An acknowledgement: the message left the store.
    Remove(QMsg),
}

/// The part of the shared journal one host wrote, as its OS holds it.
#[derive(Clone, Debug, Default)]
pub(super) struct HostJournal {
    file: LogFile,
    /// The records from `file.durable()` on, oldest first.
    dirty: VecDeque<Record>,
}

impl HostJournal {
    fn write(&mut self, record: Record, now: SimTime) {
        self.file.write(now);
        self.dirty.push_back(record);
    }

    /// The first `n` dirty records reached the disk: the messages they add
    /// are stored for good.
    fn stored(&mut self, n: u64, out: &mut Out) {
        for _ in 0..n {
            if let Some(Record::Add(q)) = self.dirty.pop_front() {
                out.copy_stored(q.msg, SHARED_STORE_BIT);
            }
        }
    }

    fn fsync(&mut self, out: &mut Out) {
        let n = self.file.fsync().count() as u64;
        self.stored(n, out);
    }

    fn write_back(&mut self, os: &OsSettings, out: &mut Out) {
        let n = self.file.write_back(out.now, os).count() as u64;
        self.stored(n, out);
    }
}

impl ActiveMq {
    /// `b`'s process appends `record` to the journal, and syncs it if the
    /// strategy is `always`.
    fn journal_write(&mut self, b: BrokerId, record: Record, out: &mut Out) {
        let journal = &mut self.node(b).journal;
        journal.write(record, out.now);
        if self.cfg.journal_disk_sync == JournalSync::Always {
            self.node(b).journal.fsync(out);
        }
    }

    /// A persistent message goes into the store and its journal.
    pub(super) fn store_add(&mut self, b: BrokerId, q: QMsg, out: &mut Out) {
        self.store.messages.insert(q.seq, q);
        self.store.audit.insert(q.msg);
        out.copy_added(q.msg, SHARED_STORE_BIT, Layer::PageCache);
        self.journal_write(b, Record::Add(q), out);
    }

    /// An acknowledged persistent message leaves the store.
    pub(super) fn store_remove(&mut self, b: BrokerId, q: QMsg, out: &mut Out) {
        self.store.messages.remove(&q.seq);
        out.copy_consumed(q.msg, SHARED_STORE_BIT);
        self.journal_write(b, Record::Remove(q), out);
    }

    /// The periodic sync (`journalDiskSyncStrategy=periodic`).
    pub(super) fn arm_journal_sync(&self, b: BrokerId, out: &mut Out) {
        if let JournalSync::Periodic { interval_ms } = self.cfg.journal_disk_sync {
            out.timer(
                Addr::Broker(b),
                interval_ms,
                TimerKind::System(SysTimer::ActiveMq(Timer::JournalSync)),
            );
        }
    }

    pub(super) fn on_journal_sync(&mut self, b: BrokerId, out: &mut Out) {
        self.node(b).journal.fsync(out);
        self.arm_journal_sync(b, out);
    }

    /// What the OS of `b`'s host has written back by now.
    pub(super) fn journal_write_back(&mut self, b: BrokerId, out: &mut Out) {
        let os = self.os;
        self.node(b).journal.write_back(&os, out);
    }

    /// `b`'s host lost power: the journal records still in its page cache
    /// are gone, and replaying the journal undoes them, newest first.
    pub(super) fn journal_lose_page_cache(&mut self, b: BrokerId, out: &mut Out) {
        self.journal_write_back(b, out);
        let os = self.os;
        let journal = &mut self.node(b).journal;
        journal.file.lose_page_cache(out.now, &os);
        let lost: Vec<Record> = journal.dirty.drain(..).rev().collect();
        let mut messages = 0u32;
        for record in lost {
            match record {
                Record::Add(q) => {
                    self.store.messages.remove(&q.seq);
                    self.store.audit.remove(&q.msg);
                    out.copy_dropped(q.msg, SHARED_STORE_BIT, DropWhy::PageCacheLost);
                    messages += 1;
                }
                Record::Remove(q) => {
                    // The acknowledgement never reached the disk: the
                    // message is in the store again.
                    self.store.messages.insert(q.seq, q);
                    out.copy_added(q.msg, SHARED_STORE_BIT, Layer::Disk);
                }
            }
        }
        if messages > 0 {
            out.trace(Event::Discarded {
                broker: b,
                messages,
                why: DropWhy::PageCacheLost,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::scenario::config::SystemConfig;

    /// Issue 13: a death replaces the process whole, field for field.
    #[test]
    fn a_dead_broker_keeps_nothing_of_its_process() {
        let scenario = serde_json::json!({
            "version": 1, "seed": 1, "duration_ms": 1000, "system": "activemq", "brokers": 2,
            "settings": {}, "producers": [], "consumers": [], "faults": []
        });
        let config = Scenario::from_json(&scenario.to_string())
            .and_then(|s| s.validate())
            .unwrap_or_else(|e| panic!("{e}"));
        let SystemConfig::ActiveMq(s) = &config.system else {
            panic!("not activemq")
        };
        for death in [Death::Kill, Death::Crash] {
            let mut a = ActiveMq::new(s.clone(), &config);
            let mut out = Out::default();
            a.start(&mut out);
            assert!(a.nodes[0].process.master.is_some(), "b1 took the lock");
            a.die(BrokerId(0), death, &mut out);
            let shape = |p: &Process| format!("{p:?}");
            assert_eq!(shape(&a.nodes[0].process), shape(&Process::default()));
            assert_eq!(a.nodes[0].incarnation, 1, "kept on purpose");
        }
    }
}
