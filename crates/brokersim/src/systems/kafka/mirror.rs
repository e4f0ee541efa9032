//! What MirrorMaker 2 reads from a cluster and writes into another: which
//! partition a record is in, the consumer group's committed offsets, and
//! the translation of an offset from one cluster's log to the other's
//! (MirrorMaker's checkpoints, `emit.checkpoints.interval.seconds`).
//!
//! The translation follows MirrorMaker 2 (KIP-382, KIP-545): as it copies
//! records, `MirrorSourceTask` emits an offset sync (upstream offset,
//! downstream offset) for the first record and then only once the
//! downstream offset has moved `offset.lag.max` records past the last sync
//! (`OffsetSyncWriter.PartitionState.update`). `MirrorCheckpointTask`
//! translates a committed offset with the latest sync at or before it
//! (`OffsetSyncStore.translateDownstream`): the sync's own downstream
//! offset when the group sits exactly on it, else one past it, never
//! further, since it cannot know how many records lie between. A group
//! resumed at the translated offset reads again what lies between.

use std::collections::BTreeMap;

use super::*;

/// One offset sync: the record at `upstream` in the source partition is
/// the record at `downstream` in the target's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetSync {
    pub upstream: u64,
    pub downstream: u64,
}

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

    /// MirrorMaker writes a translated offset into this cluster's group,
    /// unless the group is already further (`MirrorCheckpointTask.
    /// syncGroupOffset` never moves a target group backwards).
    pub fn checkpoint_offset(&mut self, p: u16, offset: u64) {
        let current = self.controller.offsets.entry(p).or_insert(offset);
        *current = (*current).max(offset);
    }

    /// The offset syncs MirrorMaker emitted while copying partition `p` of
    /// `source` into this cluster, oldest first: one for the first record,
    /// then one whenever the downstream offset is `offset_lag_max` records
    /// past the last sync's next offset, or the upstream offsets skip.
    pub fn offset_syncs(&self, source: &Kafka, p: u16, offset_lag_max: u64) -> Vec<OffsetSync> {
        let upstream_of: BTreeMap<MsgId, u64> = source
            .longest_log(p)
            .iter()
            .enumerate()
            .map(|(i, r)| (r.msg, i as u64))
            .collect();
        let mut syncs: Vec<OffsetSync> = Vec::new();
        let mut previous_upstream: Option<u64> = None;
        for (downstream, record) in self.longest_log(p).iter().enumerate() {
            let downstream = downstream as u64;
            let Some(&upstream) = upstream_of.get(&record.msg) else {
                continue;
            };
            let due = match syncs.last() {
                None => true,
                Some(last) => {
                    downstream - (last.downstream + 1) >= offset_lag_max
                        || previous_upstream.is_none_or(|u| upstream != u + 1)
                }
            };
            if due {
                syncs.push(OffsetSync {
                    upstream,
                    downstream,
                });
            }
            previous_upstream = Some(upstream);
        }
        syncs
    }
}

/// `OffsetSyncStore.translateDownstream`: the committed `upstream` offset
/// in the target's log, by the latest sync at or before it; `None` when no
/// sync is that old (MirrorMaker then emits no checkpoint).
pub fn translate_downstream(syncs: &[OffsetSync], upstream: u64) -> Option<u64> {
    let sync = syncs.iter().rev().find(|s| s.upstream <= upstream)?;
    let step = u64::from(sync.upstream != upstream);
    Some(sync.downstream + step)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync(upstream: u64, downstream: u64) -> OffsetSync {
        OffsetSync {
            upstream,
            downstream,
        }
    }

    #[test]
    fn a_committed_offset_translates_to_one_past_the_latest_earlier_sync() {
        let syncs = [sync(0, 0), sync(101, 101), sync(202, 202)];
        assert_eq!(translate_downstream(&syncs, 202), Some(202));
        assert_eq!(translate_downstream(&syncs, 250), Some(203));
        assert_eq!(translate_downstream(&syncs, 150), Some(102));
        assert_eq!(translate_downstream(&syncs[1..], 50), None);
        assert_eq!(translate_downstream(&[], 50), None);
    }
}
