//! Kafka 事件的简体中文句子。The Simplified Chinese sentences for Kafka's
//! trace events, one for one with `events.rs`; option names
//! (`acks`, `min.insync.replicas`, `unclean.leader.election.enable`, …) and
//! error names (`NotEnoughReplicas`) stay as Kafka spells them. No wildcard
//! arm: a new `KafkaEvent` without its Chinese sentence does not compile.

use super::events::KafkaEvent;
use super::events_en::{consumers, list};
use super::protocol::ProduceResult;
use crate::ids::{ClientId, MsgId};

/// "消息 #5" or "从 #5 起的一批 12 条消息".
fn batch_of(first: MsgId, count: u32) -> String {
    if count == 1 {
        format!("消息 {first}")
    } else {
        format!("从 {first} 起的一批 {count} 条消息")
    }
}

/// The consumer's name, `c1` …, as in English.
fn consumer_name(consumer: &ClientId) -> String {
    format!("c{}", u32::from(consumer.0) + 1)
}

pub fn explain_zh(event: &KafkaEvent) -> String {
    match event {
        KafkaEvent::TopicCreated {
            partitions,
            replication_factor,
        } => format!("主题已创建：{partitions} 个分区，replication.factor 为 {replication_factor}"),
        KafkaEvent::Fenced { broker } => format!(
            "控制器隔离（fence）了 {broker}：除了它是最后一个成员的 ISR 之外，它被移出了所有 ISR"
        ),
        KafkaEvent::Unfenced { broker } => {
            format!("{broker} 恢复了心跳：控制器解除对它的隔离")
        }
        KafkaEvent::LeaderElected {
            partition,
            broker,
            epoch,
            clean: true,
            isr,
        } => format!(
            "分区 {partition}：{broker} 在 epoch {epoch} 中当选为领导者（ISR 为 {}）",
            list(isr)
        ),
        KafkaEvent::LeaderElected {
            partition,
            broker,
            epoch,
            clean: false,
            ..
        } => format!(
            "分区 {partition}：{broker} 虽然没有同步，仍在 epoch {epoch} 中当选为领导者（unclean.leader.election.enable）：只有旧 ISR 持有的数据丢失了"
        ),
        KafkaEvent::Offline { partition, isr } => format!(
            "分区 {partition} 离线：它的 ISR（{}）中没有存活的成员，而 unclean.leader.election.enable 为 false",
            list(isr)
        ),
        KafkaEvent::IsrShrunk {
            partition,
            leader,
            removed,
            isr,
        } => format!(
            "分区 {partition}：{removed} 落后超过了 replica.lag.time.max.ms；{leader} 把 ISR 收缩为 {}",
            list(isr)
        ),
        KafkaEvent::IsrExpanded {
            partition,
            leader,
            added,
            isr,
        } => format!(
            "分区 {partition}：{added} 已经追上；{leader} 把它重新加入 ISR，ISR 为 {}",
            list(isr)
        ),
        KafkaEvent::AlterRefused {
            partition,
            leader,
            stale_epoch,
        } => format!(
            "分区 {partition}：控制器拒绝了 {leader} 基于过期 epoch {stale_epoch} 的 ISR 变更：它已不再是领导者"
        ),
        KafkaEvent::BecameLeader {
            partition,
            broker,
            epoch,
            log_end,
        } => format!(
            "分区 {partition}：{broker} 得知自己是 epoch {epoch} 的领导者，用它那份有 {log_end} 条记录的日志提供服务"
        ),
        KafkaEvent::SteppedDown {
            partition,
            broker,
            leader,
            epoch,
        } => match leader {
            Some(leader) => format!(
                "分区 {partition}：{broker} 得知 {leader} 是 epoch {epoch} 的领导者；它成为跟随者（follower）"
            ),
            None => format!("分区 {partition}：{broker} 得知该分区没有领导者（epoch {epoch}）"),
        },
        KafkaEvent::Truncated {
            partition,
            broker,
            to_offset,
            removed,
        } => format!(
            "分区 {partition}：{broker} 把日志截断到位移 {to_offset}，丢弃了新领导者从未拥有的 {removed} 条记录"
        ),
        KafkaEvent::NotEnoughReplicas {
            partition,
            msg,
            isr,
            min_isr,
        } => format!(
            "分区 {partition}：消息 {msg} 因 NotEnoughReplicas 被拒绝：ISR 中有 {isr} 个副本，而 min.insync.replicas 为 {min_isr}"
        ),
        KafkaEvent::NotEnoughReplicasAfterAppend {
            partition,
            msg,
            count,
            isr,
            min_isr,
        } => format!(
            "分区 {partition}：{}已写入并低于高水位，但 ISR 中只有 {isr} 个副本，少于 min.insync.replicas {min_isr}：以 NotEnoughReplicasAfterAppend 应答，不予确认",
            batch_of(*msg, *count)
        ),
        KafkaEvent::ProduceRetry {
            msg,
            count,
            partition,
            why,
            attempt,
        } => format!(
            "{} 发送到分区 {partition} 失败（{}）；生产者重试（第 {attempt} 次尝试）",
            batch_of(*msg, *count),
            match why {
                ProduceResult::NotLeader => "NotLeaderOrFollower",
                ProduceResult::NotEnoughReplicas => "NotEnoughReplicas",
                ProduceResult::NotEnoughReplicasAfterAppend => "NotEnoughReplicasAfterAppend",
                ProduceResult::OutOfOrderSequence => "OutOfOrderSequence",
                ProduceResult::Ok { .. } | ProduceResult::Duplicate => "请求超时",
            }
        ),
        KafkaEvent::DuplicateDropped {
            partition,
            msg,
            count,
        } => format!(
            "分区 {partition}：领导者根据生产者 ID 和序列号认出了{}，并丢弃这份重复数据",
            batch_of(*msg, *count)
        ),
        KafkaEvent::ConsumerPosition {
            consumer,
            partition,
            offset,
            committed: true,
        } => format!(
            "{} 从已提交的位移 {offset} 处继续消费分区 {partition}：在那次提交之后处理过的消息会再来一遍",
            consumer_name(consumer)
        ),
        KafkaEvent::ConsumerPosition {
            consumer,
            partition,
            offset,
            committed: false,
        } => format!(
            "{} 从位移 {offset} 开始消费分区 {partition}",
            consumer_name(consumer)
        ),
        KafkaEvent::ConsumerReset {
            consumer,
            partition,
            offset,
            earliest: false,
            unread: unread @ 1..,
        } => format!(
            "{} 从位移 {offset} 开始消费分区 {partition}（auto.offset.reset=latest）：之前的 {unread} 条记录不会被消费",
            consumer_name(consumer)
        ),
        KafkaEvent::ConsumerReset {
            consumer,
            partition,
            offset,
            earliest,
            ..
        } => format!(
            "{}：分区 {partition} 没有可用的位移；auto.offset.reset={} 把它移到位移 {offset}",
            consumer_name(consumer),
            if *earliest { "earliest" } else { "latest" }
        ),
        KafkaEvent::GroupRebalanced {
            generation,
            members,
            waited_ms,
        } => format!(
            "组协调器等待成员加入 {waited_ms} 毫秒后完成了该组的第一次再均衡（group.initial.rebalance.delay.ms，KIP-134）：第 {generation} 代把分区分配给 {}",
            consumers(members)
        ),
        KafkaEvent::ConsumerDiverged {
            consumer,
            partition,
            offset,
        } => format!(
            "{}：分区 {partition} 的日志在它的消费位置之下出现了分歧（领导者变更时截断了日志）；它退回到位移 {offset}（KIP-320）",
            consumer_name(consumer)
        ),
        KafkaEvent::DeliveryTimedOut { msg, count } => format!(
            "{} 已过期：超过 delivery.timeout.ms 仍未得到应答；生产者放弃",
            batch_of(*msg, *count)
        ),
        KafkaEvent::RetriesExhausted {
            msg,
            count,
            retries,
        } => format!(
            "{} 发送失败，retries={retries} 不允许再重试；生产者放弃",
            batch_of(*msg, *count)
        ),
    }
}
