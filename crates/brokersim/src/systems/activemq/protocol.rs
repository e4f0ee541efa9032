//! The timers an ActiveMQ broker sets: data only, importing nothing from
//! the behaviour, so that `systems/timer.rs` can name them without
//! importing the system (issue 13, vocabulary below behaviour).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A slave tries the lock.
    LockPoll,
    /// The master renews its lease or checks that it still holds the lock.
    KeepAlive,
    /// `journalDiskSyncStrategy=periodic`: the journal's periodic fsync.
    JournalSync,
}
