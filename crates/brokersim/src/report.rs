//! The run report: the public result of a run (README.md, "Run report"),
//! one JSON object with exactly these fields.

use serde::Serialize;

use crate::invariants::Found;
use crate::trace::DropWhy;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Distinct messages the producers tried to publish.
    pub published: u64,
    /// Messages whose publish the broker confirmed.
    pub confirmed: u64,
    /// Messages the producer finally gave up on with an error (nack, no connection).
    pub rejected: u64,
    /// Neither confirmed nor rejected: the producer cannot know.
    pub indeterminate: u64,
    /// Distinct messages a consumer application handled at least once.
    pub delivered: u64,
    /// Deliveries that carried the `redelivered` flag.
    pub redelivered: u64,
    /// Messages handled more than once.
    pub duplicated: u64,
    /// Confirmed messages no application consumer handled, of which the
    /// final read found a copy (see `unconsumed_messages` for why).
    pub unconsumed: u64,
    /// Confirmed messages no application consumer handled and of which no
    /// copy survives anywhere (see `lost_messages` for what destroyed it).
    pub lost: u64,
    /// Deliveries of messages nobody published (always 0 unless a bug).
    pub unexpected: u64,
    /// First deliveries that came after a later message of the same producer.
    pub reordered: u64,
    /// Time no leader could accept a publish.
    pub unavailable_ms: u64,
    /// Leadership changes: promotions, a slave taking the lock.
    pub failovers: u64,
    /// For each detected failure, the time from the failure to its detection.
    pub detection_ms: Vec<u64>,
    /// Cross-site recovery time; `null` without disaster-recovery sites.
    pub rto_ms: Option<u64>,
    /// Confirmed messages that never reached the surviving site; `null` without sites.
    pub rpo_messages: Option<u64>,
    pub violations: Vec<Found>,
    /// How many unconsumed messages for each reason.
    pub unconsumed_reasons: std::collections::BTreeMap<UnconsumedWhy, u64>,
    /// The first [`MAX_LISTED`] unconsumed messages, each with its reason.
    pub unconsumed_messages: Vec<UnconsumedMessage>,
    /// How many lost messages for each cause.
    pub lost_causes: std::collections::BTreeMap<LossCause, u64>,
    /// The first [`MAX_LISTED`] lost messages, each with what destroyed its
    /// last copy.
    pub lost_messages: Vec<LostMessage>,
    pub trace_hash: String,
}

/// Messages listed one by one in each of the report's message lists.
pub const MAX_LISTED: usize = 100;

/// Why a confirmed message that survives was never handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnconsumedWhy {
    /// The scenario has no consumer (on the site that holds it).
    NoConsumer,
    /// Every consumer had crashed or given up reconnecting by the end.
    ConsumerStopped,
    /// Kafka: the group's position is past it, so it will never be read:
    /// `auto.offset.reset=latest` started after it, or a committed offset
    /// beyond it.
    OffsetPastIt,
    /// Still waiting in the queue (partition) when the run ended.
    NotReached,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnconsumedMessage {
    pub msg: u32,
    pub why: UnconsumedWhy,
}

/// What destroyed the last copy of a lost message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LossCause {
    /// It lived only in the memory of a process that died.
    ProcessDied,
    /// The disk holding it was lost.
    DiskLost,
    /// Its copy was in the page cache, not on disk, when the host lost power.
    PageCacheLost,
    /// A node rejoining as a mirror threw its old contents away.
    RejoinedEmpty,
    /// Its node was on the losing side of a partition and was reset.
    PartitionLoser,
    /// An auto-ack consumer died with it in its buffer, unhandled.
    ConsumerDied,
    /// A replica truncated its log to follow a new leader.
    Truncated,
    /// An auto-ack delivery never reached its consumer.
    DeliveryLost,
    /// Returned more often than `delivery-limit`: dropped.
    DeliveryLimit,
    /// Confirmed, but no broker ever stored it (Kafka `acks=0`).
    NeverStored,
    /// A broker still holds a copy that no reader can get: beyond its
    /// partition's high watermark, or on a replica the queue no longer uses.
    Unreadable,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LostMessage {
    pub msg: u32,
    /// When its last copy vanished (the end of the run when none was seen to).
    pub at_ms: u64,
    pub cause: LossCause,
    /// Who held the last copy (`b2`, `dr-b1`, `shared_store`); `None` for
    /// a copy no broker held (an auto-ack consumer's buffer) or none at all.
    pub held_by: Option<String>,
}

impl From<DropWhy> for LossCause {
    fn from(why: DropWhy) -> LossCause {
        match why {
            DropWhy::ProcessDied => LossCause::ProcessDied,
            DropWhy::DiskLost => LossCause::DiskLost,
            DropWhy::PageCacheLost => LossCause::PageCacheLost,
            DropWhy::RejoinedEmpty => LossCause::RejoinedEmpty,
            DropWhy::PartitionLoser => LossCause::PartitionLoser,
            DropWhy::ConsumerDied => LossCause::ConsumerDied,
            DropWhy::Truncated => LossCause::Truncated,
            DropWhy::DeliveryLost => LossCause::DeliveryLost,
            DropWhy::DeliveryLimit => LossCause::DeliveryLimit,
        }
    }
}
