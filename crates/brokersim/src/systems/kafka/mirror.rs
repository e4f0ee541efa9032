//! What MirrorMaker 2 reads from a cluster and writes into another: which
//! partition a record is in, the consumer group's committed offsets, and
//! the translation of an offset from one cluster's log to the other's
//! (MirrorMaker's checkpoints, `emit.checkpoints.interval.seconds`).

use super::*;

impl Kafka {
    /// The longest copy of partition `p`'s log in this cluster (on disk,
    /// whether or not its broker runs).
    fn longest_log(&self, p: u16) -> &[Record] {
        self.brokers
            .iter()
            .filter_map(|b| b.replicas.get(usize::from(p)))
            .map(|r| r.log.as_slice())
            .max_by_key(|log| log.len())
            .unwrap_or(&[])
    }

    /// The partition holding `msg`, searching the newest records first
    /// (MirrorMaker reads a record moments after it is written).
    pub fn partition_of(&self, msg: MsgId) -> Option<u16> {
        (0..self.cfg.partitions).find(|p| {
            self.longest_log(*p)
                .iter()
                .rev()
                .take(4_096)
                .any(|r| r.msg == msg)
        })
    }

    /// The consumer group's committed offsets: (partition, next offset to read).
    pub fn committed_offsets(&self) -> Vec<(u16, u64)> {
        self.controller
            .offsets
            .iter()
            .map(|(p, o)| (*p, *o))
            .collect()
    }

    /// The record just before `offset` in partition `p`: the last one the
    /// group had consumed when it committed `offset`.
    pub fn message_before(&self, p: u16, offset: u64) -> Option<MsgId> {
        let index = usize::try_from(offset).ok()?.checked_sub(1)?;
        self.longest_log(p).get(index).map(|r| r.msg)
    }

    /// The offset just after `msg` in partition `p` here: where a group
    /// that has consumed `msg` resumes.
    pub fn offset_after(&self, p: u16, msg: MsgId) -> Option<u64> {
        self.longest_log(p)
            .iter()
            .rposition(|r| r.msg == msg)
            .map(|i| i as u64 + 1)
    }

    /// MirrorMaker writes a translated offset into this cluster's group.
    pub fn checkpoint_offset(&mut self, p: u16, offset: u64) {
        self.controller.offsets.insert(p, offset);
    }
}
