//! Every text the page itself shows, in English and Simplified Chinese, in
//! one catalogue: `t(lang, Msg::Play)` is a language's text, `tf` fills a
//! template's `{0}`, `{1}` … Real option names, broker and client names and
//! numbers are never translated. The trace's sentences come from the core
//! (`TraceEntry::text_in`), the lessons' texts from their data files.
//!
//! The language is chosen once per page (`?lang=zh`/`?lang=en`, else the
//! browser's language through `Lang::parse`) and handed down the component
//! tree by a `ContextProvider<Lang>`: components read it with [`use_lang`]
//! and pass it to `t`, `tf` and `doc`. The app re-mounts its tree when the
//! language changes.
//!
//! The browser test `i18n.test.js` reads the English column of this file to
//! check that the Chinese page shows none of it: keep one entry a line,
//! `Name => "English", "中文";`.

use std::sync::OnceLock;

pub use brokersim::Lang;
use brokersim::voice::fetched::{self, Column, LangFile};
use yew::prelude::*;

/// The page catalogue's Chinese column once `lang/zh.json` arrived (the
/// browser build does not compile it in).
static PAGE_ZH: OnceLock<Column> = OnceLock::new();

/// Installs a fetched language file: the core's sentences and the page's
/// texts. A key the file lacks reads in English.
pub fn install(lang: Lang, file: &LangFile) -> Result<(), String> {
    let page = Column::new(Msg::FINGERPRINT, &file.page)?;
    fetched::install(lang, file)?;
    if lang == Lang::Zh {
        let _ = PAGE_ZH.set(page);
    }
    Ok(())
}

/// Whether the page can speak `lang` now (English and, natively, Chinese
/// are compiled in; the browser fetches Chinese).
pub fn installed(lang: Lang) -> bool {
    match lang {
        Lang::En => true,
        Lang::Zh => cfg!(not(target_arch = "wasm32")) || PAGE_ZH.get().is_some(),
    }
}

/// Makes `lang` speakable: fetches `lang/<code>.json` beside the page's
/// module and installs it, unless it is here already. The error names the
/// file and what went wrong.
pub async fn load(lang: Lang) -> Result<(), String> {
    if installed(lang) {
        return Ok(());
    }
    let text = crate::files::fetch_text(&lang_path(lang)).await?;
    install_text(lang, &text)
}

/// Where `lang`'s file is, beside the page's module.
pub fn lang_path(lang: Lang) -> String {
    format!("lang/{}.json", lang.code())
}

/// Installs `lang`'s fetched file from its text; the error names the file.
pub fn install_text(lang: Lang, text: &str) -> Result<(), String> {
    let file = LangFile::parse(text).map_err(|e| format!("{}: {e}", lang_path(lang)))?;
    install(lang, &file).map_err(|e| format!("{}: {e}", lang_path(lang)))
}

/// `lang/<code>.json` as `cargo xtask dist` writes it: both catalogues'
/// columns, from the catalogues compiled into this native build.
#[cfg(not(target_arch = "wasm32"))]
pub fn lang_file(lang: Lang) -> LangFile {
    LangFile {
        core: fetched::core_column(lang),
        page: fetched::Part {
            catalogue: Msg::FINGERPRINT,
            texts: Msg::ALL
                .iter()
                .map(|m| Some(m.text(lang).to_owned()))
                .collect(),
        },
    }
}

/// The page's language, from the `ContextProvider<Lang>` the app (or the
/// compare page) puts around its tree; English outside one.
#[hook]
pub fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or(Lang::En)
}

/// A message's text in `lang`.
pub fn t(lang: Lang, msg: Msg) -> &'static str {
    msg.text(lang)
}

/// A template's `{0}`, `{1}` … filled with `args`, in `lang`.
pub fn tf(lang: Lang, msg: Msg, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = msg.text(lang).to_owned();
    for (i, a) in args.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), &a.to_string());
    }
    out
}

macro_rules! catalogue {
    ($($name:ident => $en:literal, $zh:literal;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Msg { $($name),* }

        impl Msg {
            /// Every message, in catalogue order (natively: the dump).
            #[cfg(not(target_arch = "wasm32"))]
            pub const ALL: &'static [Msg] = &[$(Msg::$name),*];

            /// The message names' fingerprint: a fetched column must carry it.
            pub const FINGERPRINT: u64 = fetched::fingerprint(&[$(stringify!($name)),*]);

            pub fn text(self, lang: Lang) -> &'static str {
                match lang {
                    Lang::En => match self { $(Msg::$name => $en),* },
                    Lang::Zh => self.chinese().unwrap_or_else(|| self.text(Lang::En)),
                }
            }

            /// The Chinese text: compiled in natively (the unit tests, the
            /// dump that writes `lang/zh.json`)…
            #[cfg(not(target_arch = "wasm32"))]
            fn chinese(self) -> Option<&'static str> {
                Some(match self { $(Msg::$name => $zh),* })
            }

            /// … and fetched by the page (`lang_files.rs`).
            #[cfg(target_arch = "wasm32")]
            fn chinese(self) -> Option<&'static str> {
                PAGE_ZH.get()?.get(self as usize)
            }

        }
    };
}

catalogue! {
    // The page's frame.
    LangLabel => "language", "语言";
    LinkError => "This link could not be opened ({0}). Showing the default scenario instead.", "无法打开这个链接（{0}）。现在显示的是默认场景。";
    Dismiss => "dismiss the message", "关闭这条消息";
    LangLoading => "loading the texts…", "正在加载文字…";
    LangLoadFailed => "The texts of this language could not be loaded ({0}); the page keeps its language.", "无法加载这种语言的文字（{0}）；页面保持当前语言。";
    LangLoadFailedAtStart => "The Chinese texts could not be loaded ({0}), so the page is in English.", "无法加载中文文字（{0}），所以页面显示为英文。";
    PresetFileFailed => "A preset could not be loaded ({0}).", "无法加载预设（{0}）。";
    PresetLoading => "loading preset {0}…", "正在加载预设 {0}…";
    LoadingPresets => "Loading the presets…", "正在加载预设…";
    BootFailed => "brokersim could not start: {0}", "brokersim 无法启动：{0}";
    // The address's options (`url_options.rs`): each names the option (not translated).
    ProblemSeparator => "; ", "；";
    UrlProblems => "This address has options the page cannot use: {0}. The page uses its defaults for them instead.", "这个地址中有页面无法使用的选项：{0}。页面对这些选项改用默认值。";
    BadLangOption => "lang: \"{0}\" is neither \"en\" nor \"zh\"", "lang：“{0}”既不是 \"en\" 也不是 \"zh\"";
    BadPresetOption => "preset: no preset named \"{0}\" (the presets: {1})", "preset：没有名为“{0}”的预设（现有预设：{1}）";
    BadShowOption => "show: no panel named {0} (the panels: {1})", "show：没有名为 {0} 的面板（现有面板：{1}）";
    BadTimeOption => "t: \"{0}\" is not a time in milliseconds (a whole number, 0 or more)", "t：“{0}”不是以毫秒计的时间（应为 0 或更大的整数）";
    BadSpeedOption => "speed: \"{0}\" is not a speed from 0.01 to 100", "speed：“{0}”不是 0.01 到 100 之间的速度";
    // Controls.
    Play => "▶ Play", "▶ 播放";
    Pause => "❚❚ Pause", "❚❚ 暂停";
    PlayAria => "play (space)", "播放（空格键）";
    PauseAria => "pause (space)", "暂停（空格键）";
    Back => "◀ Back", "◀ 后退";
    BackAria => "back one event (left arrow)", "后退一个事件（左方向键）";
    Step => "Step ▶|", "单步 ▶|";
    StepAria => "step to the next event (right arrow)", "前进到下一个事件（右方向键）";
    ToEnd => "Run to end ▶▶", "运行到结束 ▶▶";
    ToEndAria => "run to the end and show the final report", "运行到结束并显示最终报告";
    Speed => "speed ", "速度 ";
    SpeedAria => "speed, on a log scale from 0.01 to 100 times real time", "速度，对数刻度，从实际时间的 0.01 倍到 100 倍";
    Seed => "seed ", "随机种子 ";
    SeedAria => "random seed", "随机种子";
    BadSeed => "Seed: \"{0}\" is not a whole number from 0 to 18446744073709551615; the run keeps seed {1}.", "随机种子：“{0}”不是 0 到 18446744073709551615 之间的整数；运行继续使用种子 {1}。";
    TimelineAria => "timeline: drag to rewind or jump ahead", "时间轴：拖动以回退或跳到后面";
    ControlsAria => "time controls", "时间控制";
    Replaying => "replaying to {0}…", "正在重放到 {0}…";
    Finished => "finished: the report is final", "已结束：报告为最终结果";
    Draining => "drain phase: faults healed, queues draining", "排空阶段：故障已恢复，队列正在排空";
    FaultPhase => "fault phase", "故障阶段";
    // The cluster.
    ClusterAria => "cluster", "集群";
    StatusUp => "up", "运行";
    StatusCrashed => "crashed", "已崩溃";
    StatusKilled => "killed", "已被杀死";
    StatusStopped => "stopped", "已停止";
    StatusPaused => "paused", "已暂停";
    ControllerAria => "the KRaft controller", "KRaft 控制器";
    // A client's connection (ClientView::state).
    ClientIdle => "idle", "空闲";
    ClientConnecting => "connecting", "正在连接";
    ClientConnected => "connected", "已连接";
    ClientBackoff => "waiting to reconnect", "等待重连";
    ClientGaveUp => "gave up", "已放弃";
    ClientRefreshing => "refreshing metadata", "正在刷新元数据";
    ClientFetching => "fetching", "正在拉取";
    LifePanelAria => "message life", "消息的一生";
    // Disaster-recovery sites (cluster.rs, fault_menu.rs).
    SiteUp => "up", "运行";
    SiteDown => "down", "停机";
    SiteLost => "lost", "已损毁";
    SiteAria => "site {0}. Click for actions.", "站点 {0}。点击可操作。";
    SiteActiveAria => "site {0}, the applications use it. Click for actions.", "站点 {0}，应用程序正在使用它。点击可操作。";
    SiteActive => "★ the applications use this site", "★ 应用程序正在使用这个站点";
    SiteLinkAria => "{0} replicates from {1}, {2} ms behind; {3} messages waiting", "{0} 从 {1} 复制，落后 {2} 毫秒；{3} 条消息在等待";
    SiteLag => "lag {0} s", "延迟 {0} 秒";
    SiteWaiting => "{0} waiting", "{0} 条等待中";
    SiteMenuAria => "actions on site {0}", "站点 {0} 的操作";
    SiteMenuTitle => "Site {0}", "站点 {0}";
    SiteDownAction => "■ Take the site down", "■ 让站点停机";
    SiteDownHint => "an outage: every broker of the site goes dark at once; its disks survive", "一次停机：站点的所有代理同时下线；磁盘保留";
    SiteUpAction => "↻ Bring it up", "↻ 恢复站点";
    SiteUpHint => "the outage ends: the site's brokers start again from their disks", "停机结束：站点的代理从各自的磁盘重新启动";
    LoseSiteAction => "✖ Lose it", "✖ 彻底失去它";
    LoseSiteHint => "the site is destroyed with its disks: what had not been replicated is gone", "站点连同磁盘一起被毁：尚未复制出去的数据就此消失";
    FailoverSiteAction => "★ Fail the applications over here", "★ 把应用程序切换到这里";
    FailoverSiteHint => "restart the applications against this site (the recovery time ends at its first confirm)", "让应用程序改连这个站点重新启动（恢复时间在它的第一次确认时结束）";
    PartitionModeAria => "partition mode", "分区模式";
    BrokerCountAria => "broker count", "代理数量";
    RoleLeader => "★ leader", "★ 领导者";
    RoleMaster => "★ master", "★ 主节点";
    RoleFollower => "follower", "跟随者";
    RoleMirror => "mirror", "镜像";
    RoleSlave => "slave", "从节点";
    RolePausedMinority => "paused (minority)", "已暂停（少数派）";
    InIsr => "in ISR ✓", "在 ISR 中 ✓";
    OutOfIsr => "out of ISR ✗", "不在 ISR 中 ✗";
    Synced => "synced ✓", "已同步 ✓";
    Unsynced => "unsynced ✗", "未同步 ✗";
    Msgs => "{0} msgs · {1}", "{0} 条消息 · {1}";
    Partitions => "{0} partitions, leads {1}", "{0} 个分区，领导 {1} 个";
    NoReplica => "no replica", "无副本";
    ReplicaOffline => "replica offline", "副本离线";
    Group => "group {0}", "{0} 组";
    BrokerLabel => "{0}: {1}. Click for actions.", "{0}：{1}。点击查看操作。";
    ClientLabel => "{0} ({1}): {2}. Click for actions.", "{0}（{1}）：{2}。点击查看操作。";
    Producer => "producer", "生产者";
    Consumer => "consumer", "消费者";
    Unconfirmed => "unconfirmed {0} · queued {1}", "未确认 {0} · 排队 {1}";
    Unacked => "unacked {0}", "未应答 {0}";
    RetryIn => "retry in {0} s", "{0} 秒后重试";
    Suspicion => "{0} has not heard from {1} for {2} s of its {3} s timeout", "{0} 已有 {2} 秒没有收到 {1} 的消息（超时为 {3} 秒）";
    ClusterSvgAria => "{0} brokers, {1} producers, {2} consumers, {3} packets in flight", "{0} 个代理，{1} 个生产者，{2} 个消费者，{3} 个在途数据包";
    InFlight => "{0} packets in flight", "{0} 个在途数据包";
    Controller => "controller", "控制器";
    PacketsAria => "packets in flight: click a message to follow it", "在途数据包：点击一条消息以跟踪它";
    LegendUp => "● up", "● 运行";
    LegendCrashed => "✖ crashed", "✖ 已崩溃";
    LegendKilled => "☠ killed", "☠ 已被杀死";
    LegendStopped => "■ stopped", "■ 已停止";
    LegendPaused => "❚❚ paused", "❚❚ 已暂停";
    LegendMessage => "message", "消息";
    LegendReply => "confirm / ack", "确认 / 应答";
    LegendHeartbeat => "heartbeat", "心跳";
    LegendSuspicion => "suspicion → timeout", "怀疑 → 超时";
    LegendClick => "click a broker or client to break it", "点击一个代理或客户端来制造故障";
    // Breaking things.
    NetworkFaults => "network faults", "网络故障";
    PartitionButton => "✂ Partition…", "✂ 分区…";
    PartitionAria => "partition the network: pick the brokers of one side", "分割网络：选出一侧的代理";
    Heal => "Heal network", "恢复网络";
    HealAria => "heal every partition and slow link", "恢复所有分区和慢速链路";
    PartitionMode => "Partition mode: click brokers to put them on side A; the others form side B. Packets across the cut vanish.", "分区模式：点击代理把它们放到 A 侧；其余的组成 B 侧。穿过切口的数据包会消失。";
    SideA => "side A: {0}", "A 侧：{0}";
    NoneYet => "(none yet)", "（尚未选择）";
    Cut => "✂ Cut", "✂ 切断";
    Cancel => "Cancel", "取消";
    NothingToHeal => "Nothing to heal: no partition or slow link is in force now.", "没有需要恢复的：现在没有生效的分区或慢速链路。";
    BadPauseLength => "Pause for: \"{0}\" is not a length in seconds from 0.001 to 3600.", "暂停：“{0}”不是 0.001 到 3600 之间的秒数。";
    BadSlowLatency => "Slow link: \"{0}\" is not a delay in milliseconds from 1 to {1}.", "减慢链路：“{0}”不是 1 到 {1} 之间的毫秒数。";
    PartitionNeedsBoth => "Nothing was cut: a partition needs brokers on both sides. Click at least one broker for side A, not all of them, then ✂ Cut.", "没有切断：分区两侧都需要有代理。请点击至少一个代理放到 A 侧（不能全选），然后点 ✂ 切断。";
    ActionsOn => "actions on {0}", "对 {0} 的操作";
    Break => "Break {0}", "破坏 {0}";
    Crash => "✖ Crash", "✖ 崩溃";
    Kill => "☠ Kill", "☠ 杀死";
    Stop => "■ Stop", "■ 停止";
    Restart => "↻ Restart", "↻ 重启";
    WipeDisk => "⌫ Wipe disk", "⌫ 清空磁盘";
    PauseFor => "❚❚ Pause for", "❚❚ 暂停";
    Seconds => " s", " 秒";
    SlowLink => "Slow link to", "减慢到此代理的链路：";
    By => " by ", " 增加 ";
    Ms => " ms", " 毫秒";
    Close => "Close", "关闭";
    CloseMenu => "close the menu", "关闭菜单";
    CrashTitle => "the host fails (power, kernel panic): nobody is told, peers and clients notice only when their timeouts run out", "主机故障（断电、内核崩溃）：没有人收到通知，对等节点和客户端只能等超时到期才会发现";
    KillTitle => "the process dies, the host lives (kill -9, OOM killer): its OS closes its connections and releases its locks, so peers and clients notice at once", "进程死掉但主机仍在运行（kill -9、OOM killer）：操作系统关闭它的连接并释放它的锁，对等节点和客户端立即就会发现";
    StopTitle => "graceful shutdown: clients and peers are told at once", "正常关闭：客户端和对等节点会立即收到通知";
    RestartTitle => "start it again (a running broker is stopped first)", "重新启动（运行中的代理会先被停止）";
    WipeTitle => "the broker dies and restarts with an empty disk", "代理死掉后以空磁盘重启";
    PauseTitle => "a frozen process (a long GC pause): alive but silent", "冻结的进程（长时间 GC 停顿）：活着但不出声";
    PauseLenAria => "pause length in seconds", "暂停时长（秒）";
    SlowToAria => "the other end of the link", "链路的另一端";
    SlowMsAria => "added one-way latency in ms", "增加的单向延迟（毫秒）";
    ClientCrashTitle => "the application's machine fails: the broker notices only when its heartbeat or session times out", "应用程序所在的机器故障：broker 只能等心跳或会话超时才会发现";
    ClientKillTitle => "the application's process is killed: its OS closes the connection, and a RabbitMQ or ActiveMQ broker requeues what it had not acknowledged at once", "应用程序的进程被杀死：操作系统关闭连接，RabbitMQ 或 ActiveMQ 的 broker 会立即把它未确认的消息重新入队";
    ClientStopTitle => "the application closes its connection", "应用程序关闭它的连接";
    CannotDo => "cannot do that", "无法执行";
    CannotRemove => "cannot remove it", "无法删除";
    CannotLoad => "cannot load it", "无法加载";
    CannotSetSeed => "cannot use this seed", "无法使用这个种子";
    RightSide => "the right side cannot follow", "右侧无法跟上";
    CannotPartition => "cannot partition", "无法分区";
    // Lessons.
    Lessons => "Guided lessons", "引导式课程";
    LessonsButton => "📖 Lessons", "📖 课程";
    LessonAria => "guided lesson", "引导式课程";
    LoadingLessons => "Loading the lessons…", "正在加载课程…";
    LessonsFailed => "The lessons could not be loaded ({0}).", "无法加载课程（{0}）。";
    NoSuchLesson => "There is no lesson called \"{0}\". Pick one:", "没有名为“{0}”的课程。请选择一个：";
    StartLesson => "▶ Start the lesson", "▶ 开始课程";
    Watching => "Watch the cluster: the lesson pauses at the next important moment…", "观察集群：课程会在下一个关键时刻暂停…";
    WhatHappened => "What happened", "发生了什么";
    Right => "Right!", "答对了！";
    Wrong => "Not quite: the answer is “{0}”. Play on to see why.", "不太对：答案是“{0}”。继续播放看看为什么。";
    PlayOn => "Play on ▶", "继续播放 ▶";
    LessonDone => "The run is over: look at the report and the log, or pick another lesson.", "运行结束：看看报告和日志，或者选择另一门课程。";
    LessonCompare => "⇆ See it side by side: {0}", "⇆ 并排对比：{0}";
    LessonAgain => "↺ Start again", "↺ 重新开始";
    StepOf => " · step {0} of {1}", " · 第 {0} 步，共 {1} 步";
    // Compare mode.
    CompareButton => "⇆ Compare", "⇆ 对比";
    CompareButtonTitle => "compare this scenario with a copy whose settings you change, side by side", "把这个场景和一个你修改了设置的副本并排对比";
    CompareHeading => "Compare", "对比";
    CompareAria => "compare mode", "对比模式";
    CompareAcks => "Kafka: acks=1 vs acks=all", "Kafka：acks=1 对比 acks=all";
    CompareFlush => "Kafka power loss: default flushing vs flush.messages=1", "Kafka 断电：默认刷盘 对比 flush.messages=1";
    ComparePromote => "RabbitMQ mirrored queue: ha-promote-on-failure always vs when-synced", "RabbitMQ 镜像队列：ha-promote-on-failure 取 always 对比 when-synced";
    CompareMirroredQuorum => "RabbitMQ: a mirrored queue vs a quorum queue, a rolling restart then a crash", "RabbitMQ：镜像队列 对比 仲裁队列，滚动重启之后崩溃";
    CompareKafkaQuorum => "Power loss on three brokers: Kafka acks=all vs a RabbitMQ quorum queue", "三个 broker 断电：Kafka acks=all 对比 RabbitMQ 仲裁队列";
    SystemShortMirrored => "RabbitMQ mirrored", "RabbitMQ 镜像队列";
    SystemShortQuorum => "RabbitMQ quorum", "RabbitMQ 仲裁队列";
    SystemShortKafka => "Kafka", "Kafka";
    SystemShortActivemq => "ActiveMQ Classic", "ActiveMQ Classic";
    ComparePartition => "RabbitMQ partition: cluster_partition_handling ignore vs pause_minority", "RabbitMQ 网络分区：cluster_partition_handling 取 ignore 对比 pause_minority";
    ComparePickAria => "ready-made comparison", "现成的对比";
    CompareCustom => "your own comparison", "你自己的对比";
    CompareVs => "{0} vs {1}", "{0} 对比 {1}";
    CompareSame => "same configuration", "配置相同";
    CompareUnset => "{0} not set (default)", "{0} 未设置（默认值）";
    CompareSideAria => "side {0}: {1}", "{0} 侧：{1}";
    CompareOpenSide => "open side {0} alone", "单独打开 {0} 侧";
    CompareFaultsShared => "Both sides share the seed and the fault schedule. Click a broker or a client (on either side): the fault you pick happens on both sides at the same moment.", "两侧共用同一个随机种子和同一份故障计划。点击任意一侧的 broker 或客户端：你选择的故障会在同一时刻同时发生在两侧。";
    CompareReportAria => "the two reports side by side", "两份报告并排对比";
    CompareMeasure => "measure", "指标";
    CompareDiffers => "(differs)", "（不同）";
    CompareViolations => "violations", "违反的性质";
    CompareEditSide => "Settings of side {0}", "{0} 侧的设置";
    CompareClientOptions => "Options of every producer and consumer", "所有生产者和消费者的选项";
    CompareApplySide => "Apply to side {0}", "应用到 {0} 侧";
    CompareShareLabel => "link to this comparison, your actions included ", "本次对比的链接（包括你的操作）";
    CompareEmbedLabel => "embed code", "嵌入代码";
    CompareUnknown => "There is no ready-made comparison named \"{0}\" (there are: {1}). Showing {2} instead.", "没有名为“{0}”的现成对比（现有：{1}）。现在显示的是 {2}。";
    CompareLinkError => "This comparison link could not be opened ({0}). Showing {1} instead.", "无法打开这个对比链接（{0}）。现在显示的是 {1}。";
    // Embedding.
    EmbedCode => "⧉ Copy embed code", "⧉ 复制嵌入代码";
    EmbedHint => "Paste this into your course page (it is on your clipboard if the browser allowed it):", "把它粘贴到你的课程页面中（如果浏览器允许，它已经在剪贴板里了）：";
    // The report.
    ReportFinal => "Report (final)", "报告（最终）";
    ReportSoFar => "Report (so far)", "报告（目前为止）";
    NumbersAria => "live numbers", "实时数据";
    Published => "published", "已发布";
    Confirmed => "confirmed", "已确认";
    Rejected => "rejected", "被拒绝";
    Indeterminate => "indeterminate", "不确定";
    Delivered => "delivered", "已投递";
    Redelivered => "redelivered", "重新投递";
    Duplicated => "duplicated", "重复";
    Unconsumed => "unconsumed", "未消费";
    Lost => "lost", "丢失";
    NotDelivered => "Confirmed, never handled by a consumer — the final read after the drain found:", "已确认却从未被消费者处理的消息——排空之后的最终读取发现：";
    UnconsumedBecause => "{0} still held, never consumed: {1}", "{0} 条仍有副本但从未被消费：{1}";
    LostBecause => "{0} lost, no copy left: {1}", "{0} 条丢失，没有副本留存：{1}";
    Unavailable => "unavailable", "不可用";
    Failovers => "failovers", "故障转移";
    Detection => "detection", "检测用时";
    Rto => "RTO", "RTO（恢复时间）";
    Rpo => "RPO", "RPO（数据丢失量）";
    TraceHash => "trace hash ", "轨迹哈希 ";
    Violations => "⚠ {0} violation(s)", "⚠ {0} 项违规";
    JumpTo => "jump to {0}", "跳到 {0}";
    SecondsValue => "{0} s", "{0} 秒";
    // Charts.
    ChartsAria => "charts", "图表";
    ThroughputChartAria => "chart of throughput over time: publishes, confirms and first deliveries per second", "吞吐量随时间变化的图表：每秒的发布数、确认数和首次投递数";
    LagChartAria => "chart of the replicas' lag over time, in messages", "副本延迟随时间变化的图表（消息数）";
    LatencyChartAria => "chart of the mean publish-to-confirm latency over time", "从发布到确认的平均延迟随时间变化的图表";
    ListSep => "; ", "；";
    Throughput => "throughput /s — published {0}, confirmed {1}, delivered {2} (max {3})", "吞吐量（每秒）— 已发布 {0}，已确认 {1}，已投递 {2}（最大 {3}）";
    Lag => "replica lag — {0} messages (max {1})", "副本延迟 — {0} 条消息（最大 {1}）";
    Latency => "publish→confirm latency — {0} ms (max {1})", "发布→确认延迟 — {0} 毫秒（最大 {1}）";
    // The log.
    LogTitle => "What happened, and why", "发生了什么，以及原因";
    LogAria => "event log", "事件日志";
    Who => "who ", "涉及 ";
    WhoAria => "show events naming", "只显示提到此对象的事件";
    Everyone => "everyone", "所有人";
    KindFaults => "faults", "故障";
    KindDetection => "detection", "检测";
    KindLeadership => "leadership", "领导权";
    KindClients => "clients", "客户端";
    KindSites => "sites", "站点";
    ViolationProperty => " {0}: ", " {0}：";
    KindMessages => "messages", "消息";
    KindViolations => "violations", "违规";
    MessageLifeAria => "show the life of message #{0}", "显示消息 #{0} 的经历";
    // A message's life.
    LifeTitle => "A message's life", "一条消息的经历";
    LifeHint => "Click a message number in the log, a violation, or a message dot in flight to follow it.", "点击日志中的消息编号、一项违规，或一个在途的消息圆点来跟踪它。";
    LifeOf => "The life of message #{0}", "消息 #{0} 的经历";
    CloseLife => "close the message's life", "关闭消息的经历";
    NotPublished => "Message #{0} has not been published (yet) at this point of the run.", "在运行的这个时刻，消息 #{0}（还）没有被发布。";
    NeverSoFar => "never (so far)", "从未（目前为止）";
    ItsMessage => "p{0} (its message {1})", "p{0}（它的第 {1} 条消息）";
    Attempts => "{0} ({1} attempt(s))", "{0}（尝试 {1} 次）";
    StoredOn => "stored on", "存储于";
    DeliveredTimes => "{0} time(s), first {1}", "{0} 次，首次 {1}";
    LastCopyVanished => "its last copy vanished at ", "它的最后一份副本消失于 ";
    SharedStore => "the shared store", "共享存储";
    LayerMemory => "memory", "内存";
    LayerPageCache => "page cache", "页缓存";
    LayerDisk => "disk", "磁盘";
    Nowhere => "nowhere", "无处";
    // Configuration.
    ScenarioTitle => "Scenario", "场景";
    ConfigAria => "configuration", "配置";
    PresetLabel => "preset ", "预设 ";
    PresetAria => "load a preset scenario", "加载一个预设场景";
    ChoosePreset => "choose a preset…", "选择一个预设…";
    WhatPresetsShow => "What each preset shows", "每个预设展示了什么";
    Configure => "Configure: system, brokers, settings, clients", "配置：系统、代理、设置、客户端";
    SystemLabel => "system ", "系统 ";
    BrokersLabel => "brokers ", "代理数 ";
    TitleLabel => "title ", "标题 ";
    SettingCol => "setting", "设置";
    ValueCol => "value", "值";
    DefaultCol => "default", "默认值";
    WhatItDoes => "what it does", "作用";
    AddProducer => "+ producer", "+ 生产者";
    AddConsumer => "+ consumer", "+ 消费者";
    Persistent => "persistent", "持久化";
    NonPersistent => "non-persistent", "非持久化";
    ManualAck => "manual ack", "手动应答";
    AutoAck => "auto ack", "自动应答";
    EveryBroker => "every broker", "所有代理";
    DefaultWord => "default", "默认";
    DefaultIs => "default: {0}", "默认：{0}";
    KafkaRetriesDefault => "MAX_INT (until delivery.timeout.ms)", "MAX_INT（直到 delivery.timeout.ms）";
    IdempotentDefault => "true with acks=all", "acks=all 时为 true";
    Remove => "remove {0}", "删除 {0}";
    RemoveFault => "✕ remove", "✕ 删除";
    Apply => "Apply and restart", "应用并重新开始";
    FaultSchedule => "Fault schedule (your actions included)", "故障计划（包括你的操作）";
    FaultScheduleSameTime => "Faults at the same time are one correlated failure (a rack losing power is three crashes at one time): they all happen before anything reacts to the first.", "同一时刻的多个故障是一次关联故障（一个机架断电就是同一时刻的三次崩溃）：它们全部发生之后，才会有任何节点对第一个故障做出反应。";
    NotValid => "the configuration is not valid", "配置无效";
    // Sharing.
    ShareTitle => "Share", "分享";
    ShareAria => "share, import, export", "分享、导入、导出";
    ShareLinkLabel => "link to this run, your actions included ", "本次运行的链接（包括你的操作）";
    ShareLinkAria => "share link", "分享链接";
    ExportScenario => "⤓ Export scenario (JSON)", "⤓ 导出场景（JSON）";
    ExportTrace => "⤓ Export trace (JSON lines)", "⤓ 导出轨迹（JSON lines）";
    ImportScenario => "⤒ Import scenario ", "⤒ 导入场景 ";
    ImportAria => "import a scenario JSON file", "导入场景 JSON 文件";
    Loaded => "loaded {0}", "已加载 {0}";
    FileError => "This file could not be loaded ({0}). The current scenario is unchanged.", "无法加载这个文件（{0}）。当前场景保持不变。";
    NotText => "the file is not text", "这个文件不是文本";
    Unreadable => "the file could not be read", "无法读取这个文件";
    // The configuration panel: each setting's one-line explanation (settings_doc.rs).
    DocHaMode => "which nodes hold a mirror of the queue; without it the queue is not mirrored", "哪些节点持有队列的镜像；不设置则队列不镜像";
    DocHaModeDefault => "none (not mirrored)", "无（不镜像）";
    DocHaParams => "exactly: number of copies, master included; nodes: list of broker names", "exactly：副本数，包括主节点；nodes：代理名称列表";
    DocHaSyncMode => "manual: new mirrors start empty; automatic: they are copied the queue when they join", "manual：新镜像从空开始；automatic：加入时复制整个队列";
    DocHaPromoteOnFailure => "whether an unsynchronised mirror may take over when the master fails", "主节点失效时未同步的镜像能否接管";
    DocHaPromoteOnShutdown => "the same when the master is stopped gracefully", "同上，但针对主节点被正常停止的情况";
    DocClusterPartitionHandling => "what nodes do when the network splits them", "网络把节点分开时节点怎么做";
    DocNetTicktime => "seconds; nodes tick every quarter of it and declare a silent peer down after it", "秒；节点每隔四分之一这个时间发送一次 tick，对等节点沉默这么久后宣布它宕机";
    DocLockacquiresleepinterval => "ms between a slave's attempts to take the store lock", "从节点尝试获取存储锁的间隔（毫秒）";
    DocLocker => "an OS file lock held while the master lives, or a lease the master renews", "主节点存活期间持有的操作系统文件锁，或由主节点续约的租约";
    DocLockkeepaliveperiod => "ms; how often the master renews its lease (which lasts lockAcquireSleepInterval) or checks its lock; 0 = never", "毫秒；主节点续约租约（租约时长为 lockAcquireSleepInterval）或检查锁的间隔；0 表示从不";
    DocNfsvers => "NFS version of the shared store's mount: when a master's host crashes, NFSv4 releases its lock once the lease expires, NFSv3 only when that host returns (a killed master's lock goes at once either way)", "共享存储挂载所用的 NFS 版本：主节点所在主机崩溃时，NFSv4 在租约到期后释放它的锁，NFSv3 要等那台主机回来才释放（主节点进程被杀死时两者都会立即释放）";
    DocNfsv4leasetime => "seconds; the NFSv4 lease after which a crashed host's lock is released (30 per ActiveMQ's docs)", "秒；NFSv4 租约时长，崩溃主机持有的锁在租约到期后释放（ActiveMQ 文档给出的是 30）";
    DocLockkeepaliveperiodDefault => "0; 30000 with lease-database-locker", "0；使用 lease-database-locker 时为 30000";
    DocJournalDiskSyncStrategy => "when KahaDB fsyncs its journal: always (before each receipt), periodic (every journalDiskSyncInterval, receipts before), never (the OS writes back); what is not on disk when the master's host loses power is lost", "KahaDB 何时对日志执行 fsync：always（每次回执之前），periodic（每隔 journalDiskSyncInterval，回执在此之前发出），never（由操作系统回写）；主节点所在主机断电时尚未写入磁盘的内容会丢失";
    DocJournalDiskSyncInterval => "ms between the journal's fsyncs with journalDiskSyncStrategy periodic", "journalDiskSyncStrategy 为 periodic 时两次日志 fsync 之间的间隔（毫秒）";
    DocPartitions => "partitions of the topic, each with its own leader and followers", "主题的分区数，每个分区有自己的领导者和跟随者";
    DocReplicationFactor => "copies of each partition, leader included", "每个分区的副本数，包括领导者";
    DocMinInsyncReplicas => "with acks=all, a write needs this many in-sync replicas or it is refused", "在 acks=all 下，写入需要这么多同步副本，否则被拒绝";
    DocUncleanLeaderElectionEnable => "whether a replica outside the ISR may become leader (and lose committed data)", "ISR 之外的副本能否成为领导者（并丢失已提交的数据）";
    DocReplicaLagTimeMaxMs => "a follower that has not caught up for this long leaves the ISR", "跟随者落后超过这么久就会离开 ISR";
    DocBrokerHeartbeatIntervalMs => "how often a broker heartbeats the KRaft controller", "代理向 KRaft 控制器发送心跳的间隔";
    DocBrokerSessionTimeoutMs => "the controller fences a broker silent for this long", "控制器隔离沉默这么久的代理";
    DocFlushMessages => "fsync a partition's log once this many records are not yet flushed (topic setting; log.flush.interval.messages for the broker). Unset, Kafka never fsyncs: acks=all then means the records are in the replicas' page caches, not on disk", "分区日志中尚未刷盘的记录达到这个数量时执行 fsync（主题级设置；代理级为 log.flush.interval.messages）。不设置时 Kafka 从不 fsync：acks=all 只表示记录在各副本的页缓存中，而不在磁盘上";
    DocFlushMs => "ms; fsync a log whose last flush is this old, checked every log.flush.scheduler.interval.ms (topic setting; log.flush.interval.ms for the broker)", "毫秒；上次刷盘已过去这么久的日志会被 fsync，每隔 log.flush.scheduler.interval.ms 检查一次（主题级设置；代理级为 log.flush.interval.ms）";
    DocLogFlushSchedulerIntervalMs => "ms; how often the log flusher checks flush.ms (unset: never, so flush.ms alone does nothing)", "毫秒；日志刷盘线程检查 flush.ms 的间隔（不设置则从不检查，单独设置 flush.ms 不起作用）";
    DocNeverFlushed => "never (Long.MAX_VALUE)", "从不（Long.MAX_VALUE）";
    DocOsDirtyExpireMs => "every host: data written this long ago and still only in the page cache is written to disk at the flusher's next wake-up (Linux vm.dirty_expire_centisecs); a power loss takes what is not yet on disk", "所有主机：写入后已过这么久、仍只在页缓存中的数据，会在刷写线程下次唤醒时写入磁盘（Linux 的 vm.dirty_expire_centisecs）；断电会带走尚未写入磁盘的数据";
    DocOsWritebackIntervalMs => "every host: how often the kernel's flusher threads wake to write old dirty data (Linux vm.dirty_writeback_centisecs)", "所有主机：内核刷写线程唤醒并写出旧脏数据的间隔（Linux 的 vm.dirty_writeback_centisecs）";
    DocReplicaFetchWaitMaxMs => "how long a follower's fetch waits at the leader for new data", "跟随者的拉取请求在领导者处等待新数据的最长时间";
    DocGroupInitialRebalanceDelayMs => "how long the group coordinator waits for more consumers before a new group's first assignment", "组协调器在新消费组第一次分配分区之前等待更多消费者加入的时间";
    DocEligibleLeaderReplicasVersion => "Kafka 4.x, KIP-966: the high watermark stops below min.insync.replicas, and replicas that left the ISR then stay eligible to lead", "Kafka 4.x，KIP-966：ISR 少于 min.insync.replicas 时高水位停止前进，此时离开 ISR 的副本仍有资格当选领导者";
    DocEligibleLeaderReplicasVersionDefault => "1 on Kafka 4.1; none on 3.9", "Kafka 4.1 上为 1；3.9 上没有此项";
    DocXQuorumInitialGroupSize => "members of the queue's Raft group", "队列的 Raft 组成员数";
    DocDeliveryLimit => "redeliveries after which a message is dropped", "重新投递多少次后丢弃消息";
    DocDeliveryLimitDefault => "none (RabbitMQ 3.13; 20 since 4.0)", "无（RabbitMQ 3.13；4.0 起为 20）";
    DocNetTicktime2 => "seconds; nodes declare a silent peer down after it", "秒；节点在对等节点沉默这么久后宣布它宕机";
    DocClusterPartitionHandling2 => "what nodes do when the network splits them", "网络把节点分开时节点怎么做";
    DocSystemRabbitmqMirrored => "RabbitMQ classic mirrored queues", "RabbitMQ 经典镜像队列";
    DocSystemActivemq => "ActiveMQ Classic master/slave on a shared store", "基于共享存储的 ActiveMQ Classic 主从";
    DocSystemRabbitmqQuorum => "RabbitMQ quorum queues (Raft)", "RabbitMQ 仲裁队列（Raft）";
    DocSystemKafka => "Kafka replicated partitions (KRaft)", "Kafka 复制分区（KRaft）";
    ReleaseLabel => "release ", "版本 ";
    ReleaseNoteMirrored => "This is RabbitMQ 3.13: classic mirrored queues were removed in RabbitMQ 4.0, where quorum queues replace them.", "这里演示的是 RabbitMQ 3.13：经典镜像队列已在 RabbitMQ 4.0 中移除，由仲裁队列取代。";
    ReleaseNoteCompare => "⇆ The same run on a quorum queue", "⇆ 同一次运行换成仲裁队列";
    ReleaseMirroringRemoved => "{0} {1}: mirroring was removed in 4.0", "{0} {1}：镜像队列已在 4.0 中移除";
}

/// The page's language: `?lang=` in the address when it names one, else
/// the browser's preferred language, else English.
pub fn initial_lang(query_lang: Option<&str>, navigator_lang: Option<&str>) -> Lang {
    query_lang
        .and_then(Lang::parse)
        .or_else(|| navigator_lang.and_then(Lang::parse))
        .unwrap_or(Lang::En)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages_and_the_same_placeholders() {
        for msg in Msg::ALL {
            let (en, zh) = (msg.text(Lang::En), msg.text(Lang::Zh));
            assert!(!en.is_empty() && !zh.is_empty(), "{msg:?}");
            for i in 0..5 {
                let p = format!("{{{i}}}");
                assert_eq!(en.contains(&p), zh.contains(&p), "{msg:?} {p}");
            }
        }
    }

    #[test]
    fn every_setting_explanation_is_translated() {
        for (_, what) in crate::settings_doc::SYSTEMS {
            assert_ne!(t(Lang::Zh, *what), t(Lang::En, *what), "{what:?}");
        }
        for system in ["rabbitmq-mirrored", "activemq", "rabbitmq-quorum", "kafka"] {
            for d in crate::settings_doc::for_system(system) {
                assert_ne!(t(Lang::Zh, d.explain), t(Lang::En, d.explain), "{}", d.name);
                if let crate::settings_doc::Shown::Text(words) = d.default {
                    assert_ne!(t(Lang::Zh, words), t(Lang::En, words), "{}", d.name);
                }
            }
        }
    }

    /// `lang/zh.json` is what the catalogues say: the file `xtask dist`
    /// writes, read back as the page reads it, gives every page message
    /// and every core sentence its catalogue's Chinese.
    #[test]
    fn the_chinese_file_reads_back_as_both_catalogues() {
        let json = serde_json::to_string(&lang_file(Lang::Zh)).unwrap();
        let file = LangFile::parse(&json).unwrap();
        let page = Column::new(Msg::FINGERPRINT, &file.page).unwrap();
        assert_eq!(page.len(), Msg::ALL.len());
        for (i, msg) in Msg::ALL.iter().enumerate() {
            assert_eq!(page.get(i), Some(msg.text(Lang::Zh)), "{msg:?}");
        }
        let keys = brokersim::voice::Key::ALL;
        let core = Column::new(brokersim::voice::Key::FINGERPRINT, &file.core).unwrap();
        assert_eq!(core.len(), keys.len());
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(core.get(i), Some(key.template(Lang::Zh)), "{key:?}");
        }
    }

    #[test]
    fn templates_fill_and_the_language_follows_the_query_then_the_browser() {
        assert_eq!(tf(Lang::Zh, Msg::Break, &[&"b1"]), "破坏 b1");
        assert_eq!(tf(Lang::En, Msg::Break, &[&"b1"]), "Break b1");
        assert_eq!(initial_lang(Some("zh"), Some("en-US")), Lang::Zh);
        assert_eq!(initial_lang(Some("xx"), Some("zh-CN")), Lang::Zh);
        assert_eq!(initial_lang(None, Some("fr")), Lang::En);
    }
}
