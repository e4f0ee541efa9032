//! 每个事件的简体中文句子：发生了什么、为什么，以及起决定作用的真实配置项。
//! The Simplified Chinese sentence for every trace event, one for one with
//! `explain.rs`. Broker and client names, message ids, numbers and real
//! option names (`ha-promote-on-failure`, `acks=all`, `net_ticktime`, …)
//! stay exactly as in English. The words follow the seed article (镜像队列,
//! 故障转移, 心跳, 复制, 副本, 灾备). The match has no wildcard arm: an event
//! added without its Chinese sentence does not compile.

use crate::explain::list;
use crate::ids::Addr;
use crate::trace::{Detector, DropWhy, Event, LinkLoss, WonBy};

/// The failure detector as it reads in "（{detector}：{timeout}）".
fn detector(by: Detector) -> &'static str {
    match by {
        Detector::NetTicktime => "net_ticktime",
        Detector::AmqpHeartbeat => "AMQP 心跳",
        Detector::InactivityMonitor => "maxInactivityDuration",
        Detector::Heartbeat => "心跳超时 heartbeat",
        Detector::BrokerSession => "broker.session.timeout.ms",
        Detector::Aten => "Ra 的故障检测器 aten",
    }
}

/// Autoheal's reason, as it follows "保留 [b1]".
fn why_won(won_by: WonBy) -> String {
    match won_by {
        WonBy::Connections { winners, runner_up } => {
            format!("（它的客户端连接最多：{winners} 对 {runner_up}）")
        }
        WonBy::Nodes {
            connections,
            winners,
            runner_up,
        } => format!(
            "（双方各有 {connections} 个客户端连接，它的节点更多：{winners} 对 {runner_up}）"
        ),
        WonBy::NodeNames { connections, nodes } => {
            format!("（双方各有 {connections} 个客户端连接、{nodes} 个节点，它的节点名排序靠后）")
        }
    }
}

/// "3 秒", "1.500 秒".
pub(crate) fn secs(ms: u64) -> String {
    if ms.is_multiple_of(1_000) {
        format!("{} 秒", ms / 1_000)
    } else {
        format!("{}.{:03} 秒", ms / 1_000, ms % 1_000)
    }
}

pub(crate) fn why_dropped(why: DropWhy) -> &'static str {
    match why {
        DropWhy::ProcessDied => "它们只存在于一个已经终止的进程的内存中",
        DropWhy::DiskLost => "保存它们的磁盘丢失了",
        DropWhy::RejoinedEmpty => "节点以镜像身份重新加入时从空开始，会丢弃原有的内容",
        DropWhy::PartitionLoser => "该节点处在网络分区中失败的一方，已被重置",
        DropWhy::ConsumerDied => "一个自动确认（auto-ack）的消费者在缓冲区中持有它们时崩溃了",
        DropWhy::Truncated => "某个副本截断了日志，以便与新领导者的日志一致",
        DropWhy::DeliveryLimit => "它被退回的次数超过了 delivery-limit 的上限，队列丢弃了它",
        DropWhy::DeliveryLost => {
            "它正发往一个自动确认的消费者，对方却没有收到（队列在发出自动确认的投递时就删除了它）"
        }
    }
}

/// 最终读取发现已确认却无人消费的消息的原因。
pub(crate) fn why_unconsumed(why: crate::report::UnconsumedWhy) -> &'static str {
    use crate::report::UnconsumedWhy::*;
    match why {
        NoConsumer => "场景中没有消费它们的消费者",
        ConsumerStopped => "所有消费者都已停止",
        OffsetPastIt => "消费者的偏移量已越过它们",
        NotReached => "运行结束时消费者还没读到它们",
    }
}

/// The Chinese sentence for one event.
pub(crate) fn explain(event: &Event) -> String {
    match event {
        Event::Crashed(Addr::Broker(b)) => {
            format!("{b} 崩溃：进程终止；已写入磁盘的内容得以保留，内存中的内容全部丢失")
        }
        Event::Crashed(client) => format!("{client} 崩溃"),
        Event::CrashedWithDisk(b) => {
            format!("{b} 崩溃，磁盘也随之丢失：已写入磁盘的内容和内存中的内容都没有保留下来")
        }
        Event::Stopped(Addr::Broker(b)) => {
            format!("{b} 正常关闭，并通知了其他节点和它的客户端")
        }
        Event::Stopped(client) => format!("{client} 正常关闭了它的连接"),
        Event::Restarted(who) => format!("{who} 已启动"),
        Event::Paused { broker, for_ms } => format!(
            "{broker} 冻结了 {}（一次长时间的 GC 停顿）：进程仍然存活，但没有任何响应",
            secs(*for_ms)
        ),
        Event::Resumed(b) => {
            format!("{b} 恢复运行，仿佛什么都没有发生，并开始读取这段时间积压的内容")
        }
        Event::DiskLost(b) => format!("{b} 丢失了磁盘：它重启时将是空的"),
        Event::Partitioned { groups } => format!(
            "网络被分区为 {}",
            groups
                .iter()
                .map(|g| format!("[{}]", list(g)))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Event::Healed => "网络已恢复：所有节点之间又能互相连通".into(),
        Event::LinkSlowed { a, b, latency_ms } => {
            format!("{a} 与 {b} 之间的链路延迟增加了 {latency_ms} 毫秒")
        }
        Event::FaultPhaseEnded => {
            "故障阶段结束：恢复网络、重启所有节点，并把队列中的消息消费完（排空）".into()
        }
        Event::FinalRead {
            delivered,
            unconsumed,
            lost,
        } => {
            let held: u64 = unconsumed.iter().map(|(_, n)| n).sum();
            let why = unconsumed
                .iter()
                .map(|(why, n)| format!("{n} 条是因为{}", why_unconsumed(*why)))
                .collect::<Vec<_>>()
                .join("，");
            let why = if why.is_empty() {
                String::new()
            } else {
                format!("（{why}）")
            };
            format!(
                "最终读取（一个不属于任何应用的读取者从头读取每个队列）：已确认的消息中，{delivered} 条已投递，{held} 条仍然保存着但从未被消费{why}，{lost} 条丢失（没有任何副本留存）"
            )
        }
        Event::DrainFinished { clean: true } => {
            "排空完成：所有队列都已清空，所有客户端都已空闲".into()
        }
        Event::DrainFinished { clean: false } => {
            "排空结束时队列中仍有消息（已经没有任何进展）".into()
        }
        Event::DeclaredDown {
            observer,
            target,
            silent_ms,
            timeout_ms,
            by,
        } => format!(
            "{observer}：{target} 已沉默 {}（{}：{}），判定其宕机",
            secs(*silent_ms),
            detector(*by),
            secs(*timeout_ms)
        ),
        Event::BackInContact { observer, target } => {
            format!("{observer} 重新收到了 {target} 的消息")
        }
        Event::PeerDisconnected { observer, target } => {
            format!(
                "{target} 关闭了与 {observer} 的连接（它已判定 {observer} 宕机）：{observer} 现在也把 {target} 视为宕机"
            )
        }
        Event::Connected { client, broker } => format!("{client} 已连接到 {broker}"),
        Event::ConnectFailed {
            client,
            broker,
            refused: true,
        } => format!("{client} 无法连接到 {broker}：连接被拒绝（没有进程在监听）"),
        Event::ConnectFailed {
            client,
            broker,
            refused: false,
        } => format!("{client} 放弃连接 {broker}：在连接超时之前没有收到任何应答"),
        Event::ConnectionLost {
            client,
            broker,
            why,
        } => match why {
            LinkLoss::Silent => format!("{client} 与 {broker} 的连接已断开"),
            LinkLoss::ClosedByBroker => format!("{broker} 关闭了 {client} 的连接"),
            LinkLoss::Reset => {
                format!("{client} 到 {broker} 的连接被重置：{broker} 已经重启，不再认识这个连接")
            }
        },
        Event::ReconnectIn {
            client,
            delay_ms,
            attempt,
        } => format!(
            "{client} 将在 {}后尝试重连（第 {attempt} 次尝试）",
            secs(*delay_ms)
        ),
        Event::GaveUp { client, attempts } => {
            format!("{client} 连续 {attempts} 次重连失败后放弃")
        }
        Event::Published {
            msg,
            producer,
            attempt: 1,
        } => format!("{producer} 发布了消息 {msg}"),
        Event::Published {
            msg,
            producer,
            attempt,
        } => format!("{producer} 再次发布消息 {msg}（第 {attempt} 次尝试）：可能产生重复"),
        Event::Confirmed { msg } => format!("消息 {msg} 已向其生产者确认"),
        Event::Nacked { msg, will_retry } => {
            format!("消息 {msg} 被 broker 拒绝（nack）{}", retry(*will_retry))
        }
        Event::ConfirmTimedOut { msg, will_retry } => format!(
            "消息 {msg} 没有及时得到确认：它的结果未知{}",
            retry(*will_retry)
        ),
        Event::Unsent { msg, will_retry } => {
            format!("消息 {msg} 无法发送：没有可用的连接{}", retry(*will_retry))
        }
        Event::Delivered {
            msg,
            consumer,
            redelivered: false,
        } => format!("{consumer} 处理了消息 {msg}"),
        Event::Delivered {
            msg,
            consumer,
            redelivered: true,
        } => format!("{consumer} 处理了消息 {msg}（带有 redelivered 标记）"),
        Event::LockAcquired { broker } => format!(
            "{broker} 获得了共享存储的锁：它现在是主节点（master），并打开它的传输连接器（transport connector）"
        ),
        Event::LockLeaseExpired { holder } => {
            format!(
                "{holder} 的锁租约（时长为 lockAcquireSleepInterval）在保活续约（每隔 lockKeepAlivePeriod 一次）之前就到期了"
            )
        }
        Event::LockLostShutdown { broker } => {
            format!("{broker} 在保活检查时发现自己已不再持有锁：没有锁的主节点会自行关闭")
        }
        Event::StoreLoaded { broker, messages } => {
            format!("{broker} 从共享存储加载了 {messages} 条持久化消息")
        }
        Event::TransientLost {
            broker,
            messages,
            delivered,
        } => {
            let lost = format!("{messages} 条非持久化消息随 {broker} 的内存一起丢失");
            match (*messages, *delivered) {
                (_, 0) => lost,
                (0, _) => format!(
                    "{broker} 的内存中有 {delivered} 条已推送给消费者的非持久化消息：它们只存在于消费者的缓冲区中，无法再被重新投递"
                ),
                _ => format!("{lost}；另有 {delivered} 条已推送给消费者，只存在于消费者的缓冲区中"),
            }
        }
        Event::QueueCreated {
            master,
            mirrors,
            mirrored: true,
        } => format!(
            "已声明镜像队列 q：主队列（master）在 {master} 上，镜像（mirror）在 {} 上",
            list(mirrors)
        ),
        Event::QueueCreated { master, .. } => format!(
            "在 {master} 上声明了队列 q，没有镜像（没有 ha-mode 策略）：它只存在于 {master} 上"
        ),
        Event::MirrorJoined {
            broker,
            synced: true,
            ..
        } => format!("{broker} 作为已同步的镜像加入"),
        Event::MirrorJoined {
            broker, missing, ..
        } => format!(
            "{broker} 作为新的镜像加入，但它是空的：它缺少队列中已有的 {missing} 条消息，在这些消息被消费完之前一直处于未同步状态（ha-sync-mode: manual）"
        ),
        Event::MirrorSynced { broker } => {
            format!("{broker} 上的镜像现已同步：它从未收到的消息都已被消费")
        }
        Event::MirrorDropped { master, mirror } => {
            format!("{master} 把 {mirror} 从队列的镜像中移除；发布确认不再等待它")
        }
        Event::Promoted {
            broker,
            epoch,
            synced: true,
            ..
        } => format!("{broker} 上的镜像被提升为主节点（epoch {epoch}）；它拥有全部消息"),
        Event::Promoted {
            broker,
            epoch,
            synced: false,
            lost_with_old_master,
        } => format!(
            "{broker} 上的镜像尚未同步，却被提升为主节点（epoch {epoch}）（ha-promote-on-failure: always）：只有旧主节点持有的 {lost_with_old_master} 条消息丢失了"
        ),
        Event::PromotionRefused {
            broker,
            on_shutdown,
        } => format!(
            "{broker} 不会提升未同步的镜像（{} when-synced）：在主节点恢复之前，该队列不可用",
            if *on_shutdown {
                "ha-promote-on-shutdown:"
            } else {
                "ha-promote-on-failure:"
            }
        ),
        Event::MasterRecovered {
            broker,
            epoch,
            messages,
        } => format!(
            "{broker} 作为主节点恢复（epoch {epoch}），并从磁盘恢复了 {messages} 条持久化消息"
        ),
        Event::Requeued { broker, messages } => format!(
            "{broker} 把 {messages} 条已投递但未确认（ack）的消息重新入队，并标记为 redelivered：消费者会再次收到它们"
        ),
        Event::PausedMinority {
            broker,
            reachable,
            cluster,
        } => format!(
            "{broker} 在 {cluster} 个节点中只能看到 {reachable} 个，属于少数派：它暂停自己（pause_minority）"
        ),
        Event::ResumedMajority { broker } => format!("{broker} 重新看到了多数派，恢复运行"),
        Event::PartitionNoticed { broker, other } => {
            format!("{broker} 重新收到了它曾判定宕机的 {other} 的消息：刚才发生过网络分区")
        }
        Event::PartitionResolved {
            winners,
            losers,
            automatic,
            won_by,
        } => format!(
            "{}：保留 [{}]{}，重启 [{}]；失败一方的消息被丢弃",
            if *automatic {
                "autoheal 自动解决了网络分区"
            } else {
                "运维人员重启了失败的一方，解决了脑裂"
            },
            list(winners),
            won_by.map(why_won).unwrap_or_default(),
            list(losers)
        ),
        Event::Discarded {
            broker,
            messages,
            why,
        } => format!("{broker} 丢弃了 {messages} 条消息：{}", why_dropped(*why)),
        Event::Quorum(e) => crate::systems::quorum::events_zh::explain(e),
        Event::Kafka(e) => crate::systems::kafka::explain_zh(e),
        Event::SiteDown { site } => {
            format!("站点 {site} 宕机：那里的所有节点同时停止，而且没有通知任何人")
        }
        Event::SiteUp { site } => format!("站点 {site} 已恢复：它的节点重新启动"),
        Event::SiteLost { site } => {
            format!("站点 {site} 永久丢失：它的节点和磁盘再也不会回来")
        }
        Event::FailedOver { site } => {
            format!("故障转移：应用程序改为连接站点 {site} 并重新启动")
        }
        Event::Replicated { msg, by } => format!("{by} 把消息 {msg} 复制到了它所在的站点"),
        Event::ReplicationStalled { by, waiting } => format!(
            "{by} 无法连接到源站点：尚未复制的 {waiting} 条消息只能在那里等待，直到源站点恢复"
        ),
        Event::OffsetsCheckpointed { by, offsets } => {
            let parts: Vec<String> = offsets
                .iter()
                .map(|(p, o)| format!("分区 {p} 位于位移 {o}"))
                .collect();
            format!(
                "{by} 把消费者组的位移（offset）写入其站点的检查点：{}",
                if parts.is_empty() {
                    "尚未提交任何位移".to_string()
                } else {
                    parts.join("，")
                }
            )
        }
        Event::SplitBrain { leaders } => format!(
            "脑裂：{} 各自领导该队列并接受写入；其中一方的工作将被丢弃",
            list(leaders)
        ),
        Event::Violation { detail, .. } => format!("违反不变式：{}", violation_detail(detail)),
    }
}

fn retry(will_retry: bool) -> &'static str {
    if will_retry {
        "；生产者将会重试"
    } else {
        ""
    }
}

/// The English details the invariant checks write (invariants.rs,
/// engine/drain.rs, engine/dispatch.rs), `{}` marking a value, and their
/// Chinese, `{0}` … marking the same values. A detail that matches none
/// keeps its English words after a Chinese lead.
const DETAILS: &[(&str, &str)] = &[
    ("confirmed message {} was lost", "已确认的消息 {0} 丢失了"),
    (
        "{} confirmed messages were lost ({} … {})",
        "{0} 条已确认的消息丢失了（{1} … {2}）",
    ),
    ("confirmed message {} lost", "已确认的消息 {0} 丢失"),
    (
        "… and {} more confirmed messages lost",
        "……另有 {0} 条已确认的消息丢失",
    ),
    (
        "message {} was both confirmed and rejected",
        "消息 {0} 既被确认又被拒绝",
    ),
    (
        "message {} was delivered but never published",
        "消息 {0} 被投递了，却从未被发布过",
    ),
    (
        "{} and {} both lead the queue in epoch {}: split brain",
        "{0} 和 {1} 在 epoch {2} 中同时领导该队列：脑裂",
    ),
    (
        "{} went from epoch {} back to epoch {} (partition {})",
        "{0} 从 epoch {1} 倒退回了 epoch {2}（分区 {3}）",
    ),
    (
        "{} went from epoch {} back to epoch {}",
        "{0} 从 epoch {1} 倒退回了 epoch {2}",
    ),
];

/// An invariant's name in Chinese.
pub(crate) fn violation_property(property: &'static str) -> &'static str {
    use crate::invariants::*;
    match property {
        ONE_LEADER_PER_EPOCH => "每个 epoch 至多一个领导者",
        EPOCHS_MONOTONIC => "epoch 从不倒退",
        CONFIRMED_SURVIVE => "已确认的消息不丢失",
        NOTHING_UNEXPECTED => "不投递从未发布过的消息",
        CONFIRMED_XOR_REJECTED => "一次发布不会既被确认又被拒绝",
        other => other,
    }
}

/// A violation's detail in Chinese.
pub(crate) fn violation_detail(detail: &str) -> String {
    for (english, chinese) in DETAILS {
        if let Some(values) = match_pattern(english, detail) {
            let mut text = (*chinese).to_string();
            for (i, value) in values.iter().enumerate() {
                text = text.replace(&format!("{{{i}}}"), value);
            }
            return text;
        }
    }
    format!("（原文）{detail}")
}

/// The values standing for `{}` in `pattern` if `text` has its shape.
fn match_pattern<'t>(pattern: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let mut pieces = pattern.split("{}");
    let first = pieces.next().unwrap_or("");
    let mut rest = text.strip_prefix(first)?;
    let mut values = Vec::new();
    let pieces: Vec<&str> = pieces.collect();
    for (i, piece) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len();
        let end = if last {
            if piece.is_empty() {
                rest.len()
            } else {
                rest.strip_suffix(piece).map(str::len)?
            }
        } else {
            rest.find(piece)?
        };
        let value = &rest[..end];
        if value.is_empty() || value.contains(' ') {
            return None;
        }
        values.push(value);
        rest = &rest[end + piece.len()..];
    }
    rest.is_empty().then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violation_details_translate_with_their_values() {
        assert_eq!(
            violation_detail("7 confirmed messages were lost (#3 … #40)"),
            "7 条已确认的消息丢失了（#3 … #40）"
        );
        assert_eq!(
            violation_detail("confirmed message #5 was lost"),
            "已确认的消息 #5 丢失了"
        );
        assert_eq!(
            violation_detail("b2 went from epoch 3 back to epoch 2 (partition 1)"),
            "b2 从 epoch 3 倒退回了 epoch 2（分区 1）"
        );
        assert_eq!(
            violation_detail("primary-b1 went from epoch 3 back to epoch 2"),
            "primary-b1 从 epoch 3 倒退回了 epoch 2"
        );
        assert_eq!(
            violation_detail("b1 and b3 both lead the queue in epoch 4: split brain"),
            "b1 和 b3 在 epoch 4 中同时领导该队列：脑裂"
        );
        assert_eq!(
            violation_detail("… and 12 more confirmed messages lost"),
            "……另有 12 条已确认的消息丢失"
        );
        assert_eq!(violation_detail("something new"), "（原文）something new");
    }

    #[test]
    fn every_invariant_has_a_chinese_name() {
        use crate::invariants::*;
        for property in [
            ONE_LEADER_PER_EPOCH,
            EPOCHS_MONOTONIC,
            CONFIRMED_SURVIVE,
            NOTHING_UNEXPECTED,
            CONFIRMED_XOR_REJECTED,
        ] {
            assert!(!violation_property(property).is_ascii(), "{property}");
        }
    }

    #[test]
    fn seconds_read_in_chinese() {
        assert_eq!(secs(3_000), "3 秒");
        assert_eq!(secs(1_500), "1.500 秒");
    }
}
