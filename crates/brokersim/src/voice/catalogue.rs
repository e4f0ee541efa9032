//! Every sentence the core says, one key a line: `Key => "English", "中文";`.
//!
//! The macro makes [`Key`] and both languages' templates from the same
//! line, so a key without its Chinese does not compile. Names, ids, numbers
//! and real option names (`ha-promote-on-failure`, `acks=all`,
//! `net_ticktime`) stay as the product spells them in every language; the
//! Chinese words follow the seed article (镜像队列, 故障转移, 心跳, 复制,
//! 副本, 灾备). Template syntax: see the module above.
//!
//! Keep one entry a line. The Chinese column is compiled in only with the
//! `embedded-zh` feature (on by default: the CLI, the tests). The browser
//! build leaves it out and installs the same column from `lang/zh.json`,
//! which `cargo xtask dist` generates from this file (`column_json`) and the
//! page fetches when it speaks Chinese ([`super::fetched`]); a key missing
//! there reads in English.

use crate::lang::Lang;

macro_rules! catalogue {
    ($($key:ident => $en:literal, $zh:literal;)*) => {
        /// A sentence or a part of one, in no language.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Key { $($key),* }

        impl Key {
            /// Every key, in catalogue order.
            pub const ALL: &'static [Key] = &[$(Key::$key),*];

            /// The key names' fingerprint: a fetched column must carry it.
            pub const FINGERPRINT: u64 = super::fetched::fingerprint(&[$(stringify!($key)),*]);

            /// The template in `lang`.
            pub fn template(self, lang: Lang) -> &'static str {
                match lang {
                    Lang::En => match self { $(Key::$key => $en),* },
                    Lang::Zh => self.chinese().unwrap_or_else(|| self.template(Lang::En)),
                }
            }

            /// The Chinese template: compiled in (`embedded-zh`)…
            #[cfg(feature = "embedded-zh")]
            fn chinese(self) -> Option<&'static str> {
                Some(match self { $(Key::$key => $zh),* })
            }

            /// … or from the fetched column, once installed.
            #[cfg(not(feature = "embedded-zh"))]
            fn chinese(self) -> Option<&'static str> {
                super::fetched::core_text(Lang::Zh, self as usize)
            }

            /// The key's name, as written in the catalogue.
            pub fn name(self) -> &'static str {
                match self { $(Key::$key => stringify!($key)),* }
            }
        }
    };
}

catalogue! {
    // Pieces shared by many sentences.
    Nothing => "", "";
    ListSep => ", ", "，";
    RetryYes => "; the producer will retry", "；生产者将会重试";

    // Faults and the world.
    Crashed => "{broker} crashed: its host failed (power, kernel panic) and nobody is told, its peers and clients notice only when their timeouts run out; what it had written to disk survives, its memory does not", "{broker} 崩溃：它所在的主机发生故障（断电、内核崩溃），没有任何人得到通知，其他节点和客户端只能等各自的超时到期才会发现；已写入磁盘的内容得以保留，内存中的内容全部丢失";
    ClientCrashed => "{client} crashed: its machine failed and nobody is told, the brokers notice only when a heartbeat or session times out", "{client} 崩溃：它所在的机器发生故障，没有任何人得到通知，broker 只能等心跳或会话超时才会发现";
    Killed => "{broker}'s process was killed and its host lives: the OS closes its connections and releases its locks, so peers and clients notice at once; its memory is gone", "{broker} 的进程被杀死，但主机仍在运行：操作系统关闭它的所有连接并释放它持有的锁，因此其他节点和客户端立即就会发现；它内存中的内容已经丢失";
    ClientKilled => "{client}'s process was killed: its OS closes its connections, so a broker that acts on a closed connection (RabbitMQ, ActiveMQ) notices at once", "{client} 的进程被杀死：操作系统关闭了它的连接，因此会对连接关闭做出反应的 broker（RabbitMQ、ActiveMQ）立即就会发现";
    CrashedWithDisk => "{broker} crashed and its disk went with it: neither what it had written to disk nor its memory survives", "{broker} 崩溃，磁盘也随之丢失：已写入磁盘的内容和内存中的内容都没有保留下来";
    Stopped => "{broker} shut down gracefully, telling its peers and clients", "{broker} 正常关闭，并通知了其他节点和它的客户端";
    ClientStopped => "{client} closed its connection cleanly", "{client} 正常关闭了它的连接";
    Restarted => "{who} started", "{who} 已启动";
    Paused => "{broker} froze for {for} (a long GC pause): alive but silent", "{broker} 冻结了 {for}（一次长时间的 GC 停顿）：进程仍然存活，但没有任何响应";
    Resumed => "{broker} resumed as if nothing had happened, and reads what piled up meanwhile", "{broker} 恢复运行，仿佛什么都没有发生，并开始读取这段时间积压的内容";
    DiskLost => "{broker} lost its disk: it will restart empty", "{broker} 丢失了磁盘：它重启时将是空的";
    Partitioned => "the network split into {groups}", "网络被分区为 {groups}";
    PartitionGroup => "[{brokers}]", "[{brokers}]";
    PartitionGroupSep => " | ", " | ";
    Healed => "the network healed: every broker can reach every other again", "网络已恢复：所有节点之间又能互相连通";
    LinkSlowed => "the link between {a} and {b} slowed by {latency} ms", "{a} 与 {b} 之间的链路延迟增加了 {latency} 毫秒";
    FaultPhaseEnded => "faults over: healing everything, restarting every broker and draining the queue", "故障阶段结束：恢复网络、重启所有节点，并把队列中的消息消费完（排空）";
    FinalRead => "the final read (a reader that is not one of the applications reads every queue from its start): of the confirmed messages, {delivered} were delivered, {held} are still held but were never consumed{why}, {lost} are lost (no copy survives)", "最终读取（一个不属于任何应用的读取者从头读取每个队列）：已确认的消息中，{delivered} 条已投递，{held} 条仍然保存着但从未被消费{why}，{lost} 条丢失（没有任何副本留存）";
    FinalReadReasons => " ({reasons})", "（{reasons}）";
    FinalReadReason => "{count} because {why}", "{count} 条是因为{why}";
    DrainClean => "drained: every queue is empty and every client idle", "排空完成：所有队列都已清空，所有客户端都已空闲";
    DrainStuck => "the drain ended with messages still in a queue (nothing more was happening)", "排空结束时队列中仍有消息（已经没有任何进展）";

    // Failure detection.
    DeclaredDown => "{observer}: {target} silent for {silent} ({detector} {timeout}): declared down", "{observer}：{target} 已沉默 {silent}（{detector}：{timeout}），判定其宕机";
    DetectorNetTicktime => "net_ticktime", "net_ticktime";
    DetectorAmqpHeartbeat => "AMQP heartbeat", "AMQP 心跳";
    DetectorInactivityMonitor => "maxInactivityDuration", "maxInactivityDuration";
    DetectorHeartbeat => "heartbeat timeout", "心跳超时 heartbeat";
    DetectorBrokerSession => "broker.session.timeout.ms", "broker.session.timeout.ms";
    DetectorAten => "aten, Ra's failure detector,", "Ra 的故障检测器 aten";
    DetectorConnectionClosed => "connection closed", "连接已关闭";
    DeclaredDownClosed => "{observer}: {target}'s process died and its OS closed the connection: {target} is down at once (nodedown, reason connection_closed), no timeout needed", "{observer}：{target} 的进程已终止，它的操作系统关闭了连接：立即判定 {target} 宕机（Erlang 的 nodedown，原因是连接已关闭），无需等待任何超时";
    BackInContact => "{observer} hears from {target} again", "{observer} 重新收到了 {target} 的消息";
    PeerDisconnected => "{target} closed its connection to {observer} (it had declared {observer} down): {observer} now counts {target} as down", "{target} 关闭了与 {observer} 的连接（它已判定 {observer} 宕机）：{observer} 现在也把 {target} 视为宕机";

    // Clients.
    Connected => "{client} connected to {broker}", "{client} 已连接到 {broker}";
    ConnectRefused => "{client} could not connect to {broker}: connection refused (nothing listening)", "{client} 无法连接到 {broker}：连接被拒绝（没有进程在监听）";
    ConnectTimedOut => "{client} gave up connecting to {broker}: no answer before the connect timeout", "{client} 放弃连接 {broker}：在连接超时之前没有收到任何应答";
    ConnectionLost => "{client} lost its connection to {broker}", "{client} 与 {broker} 的连接已断开";
    ConnectionClosedByBroker => "{broker} closed the connection of {client}", "{broker} 关闭了 {client} 的连接";
    ConnectionReset => "{client}'s connection to {broker} was reset: {broker} restarted and no longer knows it", "{client} 到 {broker} 的连接被重置：{broker} 已经重启，不再认识这个连接";
    ConnectionKilled => "{client}'s connection to {broker} closed at once: the process on {broker} was killed and its OS closed the socket", "{client} 到 {broker} 的连接立即断开：{broker} 上的进程被杀死，操作系统关闭了这个套接字";
    ReconnectIn => "{client} will try to reconnect in {delay} (attempt {attempt})", "{client} 将在 {delay}后尝试重连（第 {attempt} 次尝试）";
    GaveUp => "{client} gave up reconnecting after {attempts} failed attempts", "{client} 连续 {attempts} 次重连失败后放弃";
    Published => "{producer} published message {msg}", "{producer} 发布了消息 {msg}";
    Republished => "{producer} published message {msg} again (attempt {attempt}): a possible duplicate", "{producer} 再次发布消息 {msg}（第 {attempt} 次尝试）：可能产生重复";
    Confirmed => "message {msg} confirmed to its producer", "消息 {msg} 已向其生产者确认";
    Nacked => "message {msg} refused by the broker{retry}", "消息 {msg} 被 broker 拒绝（nack）{retry}";
    ConfirmTimedOut => "no confirm for message {msg} in time: its fate is unknown{retry}", "消息 {msg} 没有及时得到确认：它的结果未知{retry}";
    Unsent => "message {msg} could not be sent: no connection{retry}", "消息 {msg} 无法发送：没有可用的连接{retry}";
    Delivered => "{consumer} handled message {msg}", "{consumer} 处理了消息 {msg}";
    Redelivered => "{consumer} handled message {msg} (marked redelivered)", "{consumer} 处理了消息 {msg}（带有 redelivered 标记）";

    // ActiveMQ's shared store.
    LockAcquired => "{broker} acquired the shared store's lock: it is now the master and opens its transport connectors", "{broker} 获得了共享存储的锁：它现在是主节点（master），并打开它的传输连接器（transport connector）";
    LockLeaseExpired => "the lock lease of {holder} ran out (it lasts lockAcquireSleepInterval) before its keep-alive renewed it (every lockKeepAlivePeriod)", "{holder} 的锁租约（时长为 lockAcquireSleepInterval）在保活续约（每隔 lockKeepAlivePeriod 一次）之前就到期了";
    NfsLeaseExpired => "the NFSv4 server's lease for {holder}'s crashed host ran out (nfsv4leasetime {lease}): the shared store's file lock it held is released", "NFSv4 服务器为 {holder} 已崩溃主机保留的租约到期（nfsv4leasetime {lease}）：它持有的共享存储文件锁被释放";
    NfsHostRebooted => "{holder}'s host is back and tells the NFS server it rebooted: the server drops the file lock its previous life held", "{holder} 的主机恢复了，并通知 NFS 服务器它已重启：服务器释放它上一次运行时持有的文件锁";
    LockLostShutdown => "{broker} found at its keep-alive that it no longer holds the lock: a master without the lock shuts down", "{broker} 在保活检查时发现自己已不再持有锁：没有锁的主节点会自行关闭";
    StoreLoaded => "{broker} loaded {messages|1 persistent message|# persistent messages} from the shared store", "{broker} 从共享存储加载了 {messages} 条持久化消息";
    TransientLost => "{messages|1 non-persistent message|# non-persistent messages} died with {broker}'s memory", "{messages} 条非持久化消息随 {broker} 的内存一起丢失";
    TransientInBuffers => "{broker}'s memory held {delivered|1 non-persistent message|# non-persistent messages} already pushed to consumers: they live on only in the consumers' buffers, nothing can redeliver them", "{broker} 的内存中有 {delivered} 条已推送给消费者的非持久化消息：它们只存在于消费者的缓冲区中，无法再被重新投递";
    TransientLostAndInBuffers => "{messages|1 non-persistent message|# non-persistent messages} died with {broker}'s memory; {delivered} more, already pushed to consumers, live on only in their buffers", "{messages} 条非持久化消息随 {broker} 的内存一起丢失；另有 {delivered} 条已推送给消费者，只存在于消费者的缓冲区中";

    // RabbitMQ mirrored queues.
    QueueCreatedMirrored => "queue q declared with its master on {master} and mirrors on {mirrors}", "已声明镜像队列 q：主队列（master）在 {master} 上，镜像（mirror）在 {mirrors} 上";
    QueueCreatedUnmirrored => "queue q declared on {master}, not mirrored (no ha-mode policy): it lives on {master} alone", "在 {master} 上声明了队列 q，没有镜像（没有 ha-mode 策略）：它只存在于 {master} 上";
    MirrorJoinedSynced => "{broker} joined as a synchronised mirror", "{broker} 作为已同步的镜像加入";
    MirrorJoinedEmpty => "{broker} joined as a new mirror, empty: it lacks the {missing|1 message|# messages} already queued and is unsynchronised until they are consumed (ha-sync-mode: manual)", "{broker} 作为新的镜像加入，但它是空的：它缺少队列中已有的 {missing} 条消息，在这些消息被消费完之前一直处于未同步状态（ha-sync-mode: manual）";
    MirrorSynced => "mirror on {broker} is now synchronised: the messages it never saw have all been consumed", "{broker} 上的镜像现已同步：它从未收到的消息都已被消费";
    MirrorDropped => "{master} dropped {mirror} from the queue's mirrors; confirms no longer wait for it", "{master} 把 {mirror} 从队列的镜像中移除；发布确认不再等待它";
    PromotedSynced => "mirror on {broker} promoted to master (epoch {epoch}); it had every message", "{broker} 上的镜像被提升为主节点（epoch {epoch}）；它拥有全部消息";
    PromotedUnsynced => "mirror on {broker} promoted to master (epoch {epoch}) although unsynchronised (ha-promote-on-failure: always): {lost|1 message|# messages} that only the old master held are lost", "{broker} 上的镜像尚未同步，却被提升为主节点（epoch {epoch}）（ha-promote-on-failure: always）：只有旧主节点持有的 {lost} 条消息丢失了";
    PromotionRefused => "{broker} will not promote an unsynchronised mirror ({option} when-synced): the queue is unavailable until its master returns", "{broker} 不会提升未同步的镜像（{option} when-synced）：在主节点恢复之前，该队列不可用";
    MasterRecovered => "{broker} came back as master (epoch {epoch}) and recovered {messages|1 persistent message|# persistent messages} from its disk", "{broker} 作为主节点恢复（epoch {epoch}），并从磁盘恢复了 {messages} 条持久化消息";
    Requeued => "{broker} requeued {messages|1 message|# messages} delivered but not acknowledged, marked redelivered: consumers will see them again", "{broker} 把 {messages} 条已投递但未确认（ack）的消息重新入队，并标记为 redelivered：消费者会再次收到它们";
    PausedMinority => "{broker} sees only {reachable} of {cluster} nodes, a minority: it pauses itself (pause_minority)", "{broker} 在 {cluster} 个节点中只能看到 {reachable} 个，属于少数派：它暂停自己（pause_minority）";
    ResumedMajority => "{broker} sees a majority again and resumes", "{broker} 重新看到了多数派，恢复运行";
    PartitionNoticed => "{broker} hears from {other} again, which it had declared down: there was a partition", "{broker} 重新收到了它曾判定宕机的 {other} 的消息：刚才发生过网络分区";
    PartitionResolved => "{how}: [{winners}] kept{why}, [{losers}] restarted; the losing side's messages are discarded", "{how}：保留 [{winners}]{why}，重启 [{losers}]；失败一方的消息被丢弃";
    AutohealResolved => "autoheal resolved the partition", "autoheal 自动解决了网络分区";
    OperatorResolved => "the operator resolved the split brain by restarting the losing side", "运维人员重启了失败的一方，解决了脑裂";
    WonByConnections => " because it had the most client connections ({winners} against {runner_up})", "（它的客户端连接最多：{winners} 对 {runner_up}）";
    WonByNodes => " because, with {connections|1 client connection|# client connections} on each side, it had the most nodes ({winners} against {runner_up})", "（双方各有 {connections} 个客户端连接，它的节点更多：{winners} 对 {runner_up}）";
    WonByNodeNames => " because, with {connections|1 client connection|# client connections} and {nodes} nodes on each side, its node names sort last", "（双方各有 {connections} 个客户端连接、{nodes} 个节点，它的节点名排序靠后）";
    Discarded => "{broker} discarded {messages|1 message|# messages}: {why}", "{broker} 丢弃了 {messages} 条消息：{why}";

    // RabbitMQ quorum queues (Raft, through Ra).
    QuorumDeclared => "quorum queue q declared on {members} (x-quorum-initial-group-size {size}); {leader} leads term 1", "在 {members} 上声明了仲裁队列 q（x-quorum-initial-group-size {size}）；{leader} 是任期 1 的领导者";
    QuorumElectionStarted => "{broker} stood for election in term {term}: its pre-vote found a majority that had lost the leader", "{broker} 在任期 {term} 发起选举：它的预投票（pre-vote）发现多数派已经失去了领导者";
    QuorumLeaderElected => "{broker} elected leader of q in term {term} with {votes} of {members} votes (a majority, and its log as up to date as theirs)", "{broker} 以 {members} 票中的 {votes} 票当选为 q 在任期 {term} 的领导者（得到多数票，且它的日志和投票者的一样新）";
    QuorumSteppedDown => "{broker} learnt of term {term} and stepped down as leader", "{broker} 得知了任期 {term}，不再担任领导者";
    QuorumSteppedDownDiscarding => "{broker} learnt of term {term} and stepped down as leader; its {uncommitted} uncommitted entries never reached a majority and will be discarded", "{broker} 得知了任期 {term}，不再担任领导者；它那 {uncommitted} 条未提交的日志条目从未到达多数派，将被丢弃";
    QuorumTruncated => "{broker} truncated {entries} uncommitted log entries ({messages} messages) that conflict with the new leader's log: none of them had been confirmed", "{broker} 截断了 {entries} 条与新领导者日志冲突的未提交日志条目（{messages} 条消息）：其中没有一条被确认过";
    QuorumRecovered => "{broker} recovered its quorum queue member from disk: {entries} log entries, term {term}", "{broker} 从磁盘恢复了它的仲裁队列成员：{entries} 条日志条目，任期 {term}";
    QuorumCaughtUp => "{broker} caught up with the leader's log (index {index}): it holds the committed prefix again", "{broker} 已追上领导者的日志（索引 {index}）：它再次拥有全部已提交的日志前缀";
    QuorumNoQuorum => "{leader} still leads but reaches {reachable} of {members} members, not a majority: what it appends cannot commit, so it confirms nothing", "{leader} 仍是领导者，但在 {members} 个成员中只能联系到 {reachable} 个，不是多数派：它追加的条目无法提交，因此不会确认任何消息";
    QuorumDeliveryLimit => "message {msg} returned {returns} times, more than delivery-limit {limit}: dropped (dead-lettered if a dead-letter exchange is set)", "消息 {msg} 被退回了 {returns} 次，超过 delivery-limit {limit}：被丢弃（如果设置了死信交换机，则成为死信）";

    // Kafka: partitions, the controller, producers and consumers.
    KafkaBatchOne => "message {msg}", "消息 {msg}";
    KafkaBatchMany => "the batch of {count} messages from {first}", "从 {first} 起的一批 {count} 条消息";
    KafkaTopicCreated => "topic created: {partitions|1 partition|# partitions} with replication.factor {rf}", "主题已创建：{partitions} 个分区，replication.factor 为 {rf}";
    KafkaFenced => "the controller fences {broker}: it leaves the ISRs it was in (Kafka 3.x keeps it in one it is the last member of)", "控制器隔离（fence）了 {broker}：它被移出所在的 ISR（Kafka 3.x 会把它留在它是最后一个成员的 ISR 中）";
    KafkaUnfenced => "{broker} heartbeats again: the controller unfences it", "{broker} 恢复了心跳：控制器解除对它的隔离";
    KafkaLeaderElected => "partition {partition}: {broker} elected leader in epoch {epoch} (ISR {isr})", "分区 {partition}：{broker} 在 epoch {epoch} 中当选为领导者（ISR 为 {isr}）";
    KafkaUncleanLeaderElected => "partition {partition}: {broker} elected leader in epoch {epoch} although out of sync (unclean.leader.election.enable): what only the old ISR held is lost", "分区 {partition}：{broker} 虽然没有同步，仍在 epoch {epoch} 中当选为领导者（unclean.leader.election.enable）：只有旧 ISR 持有的数据丢失了";
    KafkaOffline => "partition {partition} is offline: no member of its ISR ({isr}) is alive, and unclean.leader.election.enable is false", "分区 {partition} 离线：它的 ISR（{isr}）中没有存活的成员，而 unclean.leader.election.enable 为 false";
    KafkaElrLeaderElected => "partition {partition}: its ISR is empty; {broker}, an eligible leader replica (KIP-966), is elected leader in epoch {epoch}: it left the ISR while the high watermark could not move, so it holds every acknowledged record", "分区 {partition}：ISR 已空；合格领导者副本（ELR，KIP-966）{broker} 在 epoch {epoch} 中当选为领导者：它离开 ISR 时高水位无法前进，所以它持有所有已确认的记录";
    KafkaLastKnownLeaderElected => "partition {partition}: its ISR and eligible leader replicas are empty; {broker}, its last known leader, is back and elected in epoch {epoch} (Kafka counts it unclean: after an unclean shutdown it may lack records it had acknowledged)", "分区 {partition}：ISR 和合格领导者副本都已为空；它最后已知的领导者 {broker} 回来了，在 epoch {epoch} 中当选（Kafka 把这算作非干净选举：非正常关闭后，它可能缺少已确认过的记录）";
    KafkaOfflineElr => "partition {partition} is offline: no member of its ISR ({isr}) or of its eligible leader replicas ({elr}) is alive", "分区 {partition} 离线：它的 ISR（{isr}）和合格领导者副本（{elr}）中都没有存活的成员";
    KafkaElrChanged => "partition {partition}: the ISR is below min.insync.replicas, so the high watermark stops; the replicas that left it stay eligible to lead (ELR {elr})", "分区 {partition}：ISR 少于 min.insync.replicas，高水位停止前进；离开 ISR 的副本仍有资格当选领导者（ELR 为 {elr}）";
    KafkaElrCleared => "partition {partition}: the ELR is cleared (the ISR is back to min.insync.replicas, or a leader was elected uncleanly)", "分区 {partition}：ELR 被清空（ISR 恢复到 min.insync.replicas，或者发生了非干净选举）";
    KafkaLeftElr => "partition {partition}: {broker} registers again after an unclean shutdown and may have lost records: it leaves the eligible leader replicas", "分区 {partition}：{broker} 在非正常关闭后重新注册，可能丢失了记录：它被移出合格领导者副本";
    KafkaIsrShrunk => "partition {partition}: {removed} fell behind for replica.lag.time.max.ms; {leader} shrinks the ISR to {isr}", "分区 {partition}：{removed} 落后超过了 replica.lag.time.max.ms；{leader} 把 ISR 收缩为 {isr}";
    KafkaIsrExpanded => "partition {partition}: {added} caught up; {leader} adds it back, ISR {isr}", "分区 {partition}：{added} 已经追上；{leader} 把它重新加入 ISR，ISR 为 {isr}";
    KafkaAlterRefused => "partition {partition}: the controller refuses {leader}'s ISR change from stale epoch {epoch}: it is no longer the leader", "分区 {partition}：控制器拒绝了 {leader} 基于过期 epoch {epoch} 的 ISR 变更：它已不再是领导者";
    KafkaBecameLeader => "partition {partition}: {broker} learns it leads epoch {epoch} and serves from its log of {records|1 record|# records}", "分区 {partition}：{broker} 得知自己是 epoch {epoch} 的领导者，用它那份有 {records} 条记录的日志提供服务";
    KafkaSteppedDown => "partition {partition}: {broker} learns that {leader} leads epoch {epoch}; it becomes a follower", "分区 {partition}：{broker} 得知 {leader} 是 epoch {epoch} 的领导者；它成为跟随者（follower）";
    KafkaNoLeader => "partition {partition}: {broker} learns the partition has no leader (epoch {epoch})", "分区 {partition}：{broker} 得知该分区没有领导者（epoch {epoch}）";
    KafkaTruncated => "partition {partition}: {broker} truncates its log to offset {offset}, dropping {removed|1 record|# records} the new leader never had", "分区 {partition}：{broker} 把日志截断到位移 {offset}，丢弃了新领导者从未拥有的 {removed} 条记录";
    KafkaNotEnoughReplicas => "partition {partition}: message {msg} refused with NotEnoughReplicas: ISR has {isr}, min.insync.replicas is {min_isr}", "分区 {partition}：消息 {msg} 因 NotEnoughReplicas 被拒绝：ISR 中有 {isr} 个副本，而 min.insync.replicas 为 {min_isr}";
    KafkaNotEnoughReplicasAfterAppend => "partition {partition}: {batch} is written and below the high watermark, but the ISR has {isr}, fewer than min.insync.replicas {min_isr}: answered NotEnoughReplicasAfterAppend, not acknowledged", "分区 {partition}：{batch}已写入并低于高水位，但 ISR 中只有 {isr} 个副本，少于 min.insync.replicas {min_isr}：以 NotEnoughReplicasAfterAppend 应答，不予确认";
    KafkaProduceRetry => "{batch} to partition {partition} failed ({why}); the producer retries (attempt {attempt})", "{batch} 发送到分区 {partition} 失败（{why}）；生产者重试（第 {attempt} 次尝试）";
    KafkaRequestTimedOut => "request timed out", "请求超时";
    KafkaDuplicateDropped => "partition {partition}: the leader recognises {batch} by its producer id and sequence numbers and drops the duplicate", "分区 {partition}：领导者根据生产者 ID 和序列号认出了{batch}，并丢弃这份重复数据";
    KafkaResumesAtCommitted => "{consumer} resumes partition {partition} at its committed offset {offset}: anything handled after that commit comes again", "{consumer} 从已提交的位移 {offset} 处继续消费分区 {partition}：在那次提交之后处理过的消息会再来一遍";
    KafkaStartsAt => "{consumer} starts partition {partition} at offset {offset}", "{consumer} 从位移 {offset} 开始消费分区 {partition}";
    KafkaStartsAtLatest => "{consumer} starts partition {partition} at offset {offset} (auto.offset.reset=latest): {unread|1 earlier record stays|# earlier records stay} unconsumed", "{consumer} 从位移 {offset} 开始消费分区 {partition}（auto.offset.reset=latest）：之前的 {unread} 条记录不会被消费";
    KafkaOffsetReset => "{consumer}: no usable offset for partition {partition}; auto.offset.reset={reset} moves it to {offset}", "{consumer}：分区 {partition} 没有可用的位移；auto.offset.reset={reset} 把它移到位移 {offset}";
    KafkaGroupRebalanced => "the group coordinator completes the group's first rebalance after waiting {waited} ms for members (group.initial.rebalance.delay.ms, KIP-134): generation {generation} assigns the partitions to {members}", "组协调器等待成员加入 {waited} 毫秒后完成了该组的第一次再均衡（group.initial.rebalance.delay.ms，KIP-134）：第 {generation} 代把分区分配给 {members}";
    KafkaConsumerDiverged => "{consumer}: the log of partition {partition} diverged under its position (the leader changed with truncation); it goes back to offset {offset} (KIP-320)", "{consumer}：分区 {partition} 的日志在它的消费位置之下出现了分歧（领导者变更时截断了日志）；它退回到位移 {offset}（KIP-320）";
    KafkaDeliveryTimedOut => "{batch} expired: delivery.timeout.ms passed without an answer; the producer gives up", "{batch} 已过期：超过 delivery.timeout.ms 仍未得到应答；生产者放弃";
    KafkaRetriesExhausted => "{batch} failed and retries={retries} allows no more attempts; the producer gives up", "{batch} 发送失败，retries={retries} 不允许再重试；生产者放弃";

    // Why copies were destroyed (trace sentences and the report's causes).
    DropProcessDied => "they lived only in the memory of a process that died", "它们只存在于一个已经终止的进程的内存中";
    DropDiskLost => "the disk holding them was lost", "保存它们的磁盘丢失了";
    DropPageCacheLost => "they were in the page cache, not on disk, when the host lost power", "主机断电时它们还在页缓存中，尚未写入磁盘";
    DropRejoinedEmpty => "a node rejoining as a mirror starts empty and throws its old contents away", "节点以镜像身份重新加入时从空开始，会丢弃原有的内容";
    DropPartitionLoser => "the node was on the losing side of the partition and was reset", "该节点处在网络分区中失败的一方，已被重置";
    DropConsumerDied => "an auto-ack consumer died with them in its buffer", "一个自动确认（auto-ack）的消费者在缓冲区中持有它们时崩溃了";
    DropTruncated => "a replica truncated its log to match the new leader's", "某个副本截断了日志，以便与新领导者的日志一致";
    DropDeliveryLimit => "it came back more often than delivery-limit allows and the queue dropped it", "它被退回的次数超过了 delivery-limit 的上限，队列丢弃了它";
    DropDeliveryLost => "it was on its way to an auto-ack consumer that never got it (the queue forgets an auto-ack delivery as it sends it)", "它正发往一个自动确认的消费者，对方却没有收到（队列在发出自动确认的投递时就删除了它）";
    LossNeverStored => "it was confirmed, but no broker ever stored it", "它被确认了，但没有任何 broker 存储过它";
    LossUnreadable => "a broker still holds a copy that no reader can get (beyond the high watermark, or on a replica the queue no longer uses)", "某个 broker 仍持有一份副本，但没有读取者能读到它（在高水位之后，或在队列已不再使用的副本上）";

    // Why the final read found confirmed messages nobody consumed.
    UnconsumedNoConsumer => "the scenario has no consumer for them", "场景中没有消费它们的消费者";
    UnconsumedConsumerStopped => "every consumer had stopped", "所有消费者都已停止";
    UnconsumedOffsetPastIt => "the consumer's offset is past them", "消费者的偏移量已越过它们";
    UnconsumedNotReached => "the consumer had not reached them when the run ended", "运行结束时消费者还没读到它们";

    // Disaster recovery.
    SiteDown => "site {site} went down: every broker there stopped at once, and nobody was told", "站点 {site} 宕机：那里的所有节点同时停止，而且没有通知任何人";
    SiteUp => "site {site} is back: its brokers start again", "站点 {site} 已恢复：它的节点重新启动";
    SiteLost => "site {site} is lost for good: its brokers and their disks will never return", "站点 {site} 永久丢失：它的节点和磁盘再也不会回来";
    FailedOver => "failover: the applications are restarted against site {site}", "故障转移：应用程序改为连接站点 {site} 并重新启动";
    Replicated => "{by} copied {msg} to its site", "{by} 把消息 {msg} 复制到了它所在的站点";
    ReplicationStalled => "{by} cannot reach its source site: {waiting|1 message|# messages} not yet copied wait there until it returns", "{by} 无法连接到源站点：尚未复制的 {waiting} 条消息只能在那里等待，直到源站点恢复";
    OffsetsCheckpointed => "{by} checkpoints the consumer group's offsets into its site: {offsets}", "{by} 把消费者组的位移（offset）写入其站点的检查点：{offsets}";
    OffsetAt => "partition {partition} at offset {offset}", "分区 {partition} 位于位移 {offset}";
    NoOffsetsYet => "none committed yet", "尚未提交任何位移";
    SplitBrain => "split brain: {leaders} each lead the queue and accept writes; one side's work will be thrown away", "脑裂：{leaders} 各自领导该队列并接受写入；其中一方的工作将被丢弃";

    // Invariants: the trace's line, each property's name, each breach.
    Violation => "VIOLATION: {detail}", "违反不变式：{detail}";
    PropertyOneLeaderPerEpoch => "at_most_one_leader_per_epoch", "每个 epoch 至多一个领导者";
    PropertyEpochsMonotonic => "epochs_never_go_backwards", "epoch 从不倒退";
    PropertyConfirmedSurvive => "confirmed_messages_are_not_lost", "已确认的消息不丢失";
    PropertyNothingUnexpected => "nothing_delivered_that_was_never_published", "不投递从未发布过的消息";
    PropertyConfirmedXorRejected => "no_publish_both_confirmed_and_rejected", "一次发布不会既被确认又被拒绝";
    ViolationLostInRun => "confirmed message {first} was lost", "已确认的消息 {first} 丢失了";
    ViolationManyLostInRun => "{count} confirmed messages were lost ({first} … {last})", "{count} 条已确认的消息丢失了（{first} … {last}）";
    ViolationConfirmedLost => "confirmed message {msg} lost", "已确认的消息 {msg} 丢失";
    ViolationMoreLost => "… and {count} more confirmed messages lost", "……另有 {count} 条已确认的消息丢失";
    ViolationConfirmedAndRejected => "message {msg} was both confirmed and rejected", "消息 {msg} 既被确认又被拒绝";
    ViolationDeliveredUnpublished => "message {msg} was delivered but never published", "消息 {msg} 被投递了，却从未被发布过";
    ViolationSplitBrain => "{first} and {second} both lead the queue in epoch {epoch}: split brain", "{first} 和 {second} 在 epoch {epoch} 中同时领导该队列：脑裂";
    ViolationEpochWentBack => "{broker} went from epoch {from} back to epoch {to}", "{broker} 从 epoch {from} 倒退回了 epoch {to}";
    ViolationEpochWentBackIn => "{broker} went from epoch {from} back to epoch {to} (partition {partition})", "{broker} 从 epoch {from} 倒退回了 epoch {to}（分区 {partition}）";
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The argument names a template uses: `{name}` and `{name|…|…}`.
    fn arguments(template: &str) -> BTreeSet<&str> {
        template
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
            .map(|spec| spec.split('|').next().unwrap_or(spec))
            .collect()
    }

    #[cfg(feature = "embedded-zh")]
    #[test]
    fn both_languages_of_every_key_use_the_same_arguments() {
        for key in Key::ALL {
            assert_eq!(
                arguments(key.template(Lang::En)),
                arguments(key.template(Lang::Zh)),
                "{key:?}"
            );
        }
    }

    #[cfg(feature = "embedded-zh")]
    #[test]
    fn every_key_reads_in_chinese_except_names_the_product_spells_one_way() {
        let same_in_both = [
            Key::Nothing,
            Key::PartitionGroup,
            Key::PartitionGroupSep,
            Key::DetectorNetTicktime,
            Key::DetectorInactivityMonitor,
            Key::DetectorBrokerSession,
        ];
        for key in Key::ALL {
            let (en, zh) = (key.template(Lang::En), key.template(Lang::Zh));
            assert_eq!(en == zh, same_in_both.contains(key), "{key:?}: {zh}");
        }
    }
}
