//! A broker host's files, as the OS holds them: what a write puts in the
//! page cache, what an fsync or the kernel's writeback puts on disk, and
//! what a power loss leaves (issue 14). A system keeps one [`LogFile`] per
//! append-only file it writes (a Kafka partition's log, ActiveMQ's KahaDB
//! journal) and asks it, at a death, what survives.
//!
//! The writeback follows Linux's periodic ("kupdate") writeback, described
//! in the kernel's `Documentation/admin-guide/sysctl/vm.rst`:
//! `dirty_writeback_centisecs` (default 500: the flusher threads wake every
//! 5 s) and `dirty_expire_centisecs` (default 3000: data dirty for longer
//! than 30 s is written out the next time a flusher thread wakes). The
//! kernel ages dirty data per inode, from when the file was first dirtied
//! (`inode->dirtied_when`), and writes all of an expired inode's dirty
//! pages: so does [`LogFile`]. Writeback forced by the dirty ratios
//! (`dirty_background_ratio`, `dirty_ratio`) needs memory pressure that
//! the simulator's small messages never create, and is not modelled.
//!
//! The writeback is computed when asked, not by timers: the flusher wakes
//! at every multiple of the interval since the host booted (time 0), so
//! what reached the disk by any moment follows from the write times alone.

use std::collections::VecDeque;
use std::ops::Range;

use crate::time::SimTime;

/// The OS's writeback settings, the same on every host of a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OsSettings {
    /// `os.dirty_expire_ms`, after `vm.dirty_expire_centisecs` (30 s).
    pub dirty_expire_ms: u64,
    /// `os.writeback_interval_ms`, after `vm.dirty_writeback_centisecs` (5 s).
    pub writeback_interval_ms: u64,
}

impl Default for OsSettings {
    fn default() -> OsSettings {
        OsSettings {
            dirty_expire_ms: 30_000,
            writeback_interval_ms: 5_000,
        }
    }
}

impl OsSettings {
    /// The first flusher wake-up at or after `t` (never time 0: the
    /// flusher first wakes one interval after boot).
    fn wake_at_or_after(&self, t: SimTime) -> SimTime {
        let interval_us = self.writeback_interval_ms.max(1).saturating_mul(1_000);
        let k = t.as_us().div_ceil(interval_us).max(1);
        SimTime(k.saturating_mul(interval_us))
    }
}

/// One append-only file: entries `0..durable()` are on disk, the rest are
/// dirty pages in the page cache.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogFile {
    durable: u64,
    /// When each entry from `durable` on was written.
    dirty: VecDeque<SimTime>,
    /// When the file last went from clean to dirty (`dirtied_when`).
    dirtied_at: Option<SimTime>,
}

impl LogFile {
    /// Entries in the file, in the page cache or on disk.
    pub fn len(&self) -> u64 {
        self.durable + self.dirty.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries on disk: what a power loss leaves.
    pub fn durable(&self) -> u64 {
        self.durable
    }

    /// Entries written and not yet on disk.
    pub fn dirty(&self) -> u64 {
        self.dirty.len() as u64
    }

    /// One entry appended (`write(2)`): it lands in the page cache, dirty.
    pub fn write(&mut self, now: SimTime) {
        if self.dirty.is_empty() {
            self.dirtied_at = Some(now);
        }
        self.dirty.push_back(now);
    }

    /// `fsync(2)`: every entry written so far is on disk. Returns the
    /// entries that reached it now.
    pub fn fsync(&mut self) -> Range<u64> {
        let from = self.durable;
        self.durable = self.len();
        self.dirty.clear();
        self.dirtied_at = None;
        from..self.durable
    }

    /// The file is cut to `len` entries (a log truncated to follow a
    /// leader). Entries on disk beyond it go too: the truncation is a
    /// metadata change the file system makes durable with the rest.
    pub fn truncate(&mut self, len: u64) {
        if len <= self.durable {
            self.durable = len;
            self.dirty.clear();
        } else {
            self.dirty.truncate((len - self.durable) as usize);
        }
        if self.dirty.is_empty() {
            self.dirtied_at = None;
        }
    }

    /// What the kernel's flusher threads wrote back by `now`: the entries
    /// that reached the disk since the last call.
    pub fn write_back(&mut self, now: SimTime, os: &OsSettings) -> Range<u64> {
        let from = self.durable;
        while let Some(dirtied) = self.dirtied_at {
            let wake = os.wake_at_or_after(dirtied.after_ms(os.dirty_expire_ms));
            if wake > now {
                break;
            }
            // The inode expired: the flusher writes all its dirty pages,
            // those dirtied after the wake-up making it dirty anew.
            while self.dirty.front().is_some_and(|w| *w <= wake) {
                self.dirty.pop_front();
                self.durable += 1;
            }
            self.dirtied_at = self.dirty.front().copied();
        }
        from..self.durable
    }

    /// The host lost power: the page cache is gone, and the file is what
    /// reached the disk by `now`. Returns the entries lost.
    pub fn lose_page_cache(&mut self, now: SimTime, os: &OsSettings) -> Range<u64> {
        self.write_back(now, os);
        let lost = self.durable..self.len();
        self.dirty.clear();
        self.dirtied_at = None;
        lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> SimTime {
        SimTime::from_ms(ms)
    }

    #[test]
    fn a_write_is_dirty_until_the_first_flusher_wake_after_it_expires() {
        let os = OsSettings::default();
        let mut f = LogFile::default();
        f.write(at(1_000));
        f.write(at(2_000));
        // Dirty since 1 s, expired at 31 s, written at the 35 s wake-up.
        assert_eq!(f.write_back(at(34_999), &os), 0..0);
        assert_eq!(f.durable(), 0);
        assert_eq!(f.write_back(at(35_000), &os), 0..2);
        assert_eq!(f.dirty(), 0);
    }

    #[test]
    fn an_expired_file_is_written_whole_and_later_writes_age_anew() {
        let os = OsSettings::default();
        let mut f = LogFile::default();
        f.write(at(0));
        f.write(at(34_000));
        f.write(at(36_000));
        // The 30 s wake-up writes what is dirty by then; the write at 34 s
        // dirties the file anew, so it expires at 64 s, and the 65 s
        // wake-up writes all its dirty pages, the one from 36 s too.
        assert_eq!(f.write_back(at(30_000), &os), 0..1);
        assert_eq!(f.write_back(at(64_999), &os), 1..1);
        assert_eq!(f.write_back(at(65_000), &os), 1..3);
    }

    #[test]
    fn a_power_loss_keeps_what_reached_the_disk_and_an_fsync_makes_it_all_durable() {
        let os = OsSettings::default();
        let mut f = LogFile::default();
        f.write(at(0));
        f.write(at(1));
        assert_eq!(f.fsync(), 0..2);
        f.write(at(2));
        f.write(at(3));
        assert_eq!(f.lose_page_cache(at(10_000), &os), 2..4);
        assert_eq!(f.len(), 2);
        f.truncate(1);
        assert_eq!((f.len(), f.durable()), (1, 1));
    }
}
