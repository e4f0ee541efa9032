//! The timers a broker's process sets, one variant per system. Each
//! system's own timer enum lives in its data-only protocol file, so that
//! `out.rs` can carry timers without importing any system's behaviour
//! (issue 13, vocabulary below behaviour).

use crate::ids::Addr;
use crate::systems::activemq::protocol::Timer as ActiveMqTimer;
use crate::systems::kafka::protocol::Timer as KafkaTimer;
use crate::systems::mirrored::protocol::Timer as MirroredTimer;
use crate::systems::quorum::protocol::Timer as QuorumTimer;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysTimer {
    /// Check a client connection's heartbeat (broker side).
    Session {
        client: Addr,
        conn: u32,
    },
    Mirrored(MirroredTimer),
    ActiveMq(ActiveMqTimer),
    Kafka(KafkaTimer),
    Quorum(QuorumTimer),
}
