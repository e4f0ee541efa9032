//! 仲裁队列事件的简体中文句子。The Simplified Chinese sentences for quorum
//! queue (Raft) events, one for one with `events_en.rs`; option names
//! (`x-quorum-initial-group-size`, `delivery-limit`) stay as RabbitMQ
//! spells them. No wildcard arm: a new `QuorumEvent` without its Chinese
//! sentence does not compile.

use super::events::QuorumEvent;
use crate::explain::list;

pub fn explain(event: &QuorumEvent) -> String {
    match event {
        QuorumEvent::Declared { leader, members } => format!(
            "在 {} 上声明了仲裁队列 q（x-quorum-initial-group-size {}）；{leader} 是任期 1 的领导者",
            list(members),
            members.len()
        ),
        QuorumEvent::ElectionStarted { broker, term } => format!(
            "{broker} 在任期 {term} 发起选举：它的预投票（pre-vote）发现多数派已经失去了领导者"
        ),
        QuorumEvent::LeaderElected {
            broker,
            term,
            votes,
            members,
        } => format!(
            "{broker} 以 {members} 票中的 {votes} 票当选为 q 在任期 {term} 的领导者（得到多数票，且它的日志和投票者的一样新）"
        ),
        QuorumEvent::SteppedDown {
            broker,
            term,
            uncommitted: 0,
        } => format!("{broker} 得知了任期 {term}，不再担任领导者"),
        QuorumEvent::SteppedDown {
            broker,
            term,
            uncommitted,
        } => format!(
            "{broker} 得知了任期 {term}，不再担任领导者；它那 {uncommitted} 条未提交的日志条目从未到达多数派，将被丢弃"
        ),
        QuorumEvent::Truncated {
            broker,
            entries,
            messages,
        } => format!(
            "{broker} 截断了 {entries} 条与新领导者日志冲突的未提交日志条目（{messages} 条消息）：其中没有一条被确认过"
        ),
        QuorumEvent::Recovered {
            broker,
            entries,
            term,
        } => format!("{broker} 从磁盘恢复了它的仲裁队列成员：{entries} 条日志条目，任期 {term}"),
        QuorumEvent::CaughtUp { broker, index } => {
            format!("{broker} 已追上领导者的日志（索引 {index}）：它再次拥有全部已提交的日志前缀")
        }
        QuorumEvent::NoQuorum {
            leader,
            reachable,
            members,
        } => format!(
            "{leader} 仍是领导者，但在 {members} 个成员中只能联系到 {reachable} 个，不是多数派：它追加的条目无法提交，因此不会确认任何消息"
        ),
        QuorumEvent::DeliveryLimit {
            msg,
            returns,
            limit,
        } => format!(
            "消息 {msg} 被退回了 {returns} 次，超过 delivery-limit {limit}：被丢弃（如果设置了死信交换机，则成为死信）"
        ),
    }
}
