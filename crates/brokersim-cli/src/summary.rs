//! The readable summary of a run, for a student at a terminal: what the
//! scenario is, the events that tell the story (faults, detection, failover,
//! lost copies) with their sentences, then the numbers. Per-message events
//! (one per publish, confirm, delivery) would drown the story, so they are
//! only counted; `--trace FILE` has every one of them. Everything but the
//! report's field names (those of `--json`) and the option names reads in
//! `--lang`.

use std::fmt::Write;

use brokersim::invariants::Found;
use brokersim::naming::Names;
use brokersim::{Event, Lang, Report, Sim, TraceEntry, voice};

/// Key trace events listed before the rest are only counted.
const MAX_EVENT_LINES: usize = 200;
/// Violations listed before the rest are only counted.
const MAX_VIOLATIONS: usize = 20;
/// Lost messages listed one by one under their causes (`--json` has more).
const MAX_LOST_LINES: usize = 5;
/// Entries of a list-valued report field shown in the table.
const MAX_LIST_ITEMS: usize = 8;

/// The English text or its Chinese, by `lang`.
fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

pub fn render(sim: &Sim, report: &Report, lang: Lang) -> String {
    // Sentences name brokers through the run's names, passed explicitly
    // (`sim.names()`: `primary-b1` in runs with sites).
    let mut out = String::new();
    header(&mut out, sim, lang);
    events(&mut out, sim, lang);
    table(&mut out, report, lang);
    not_delivered(&mut out, report, lang);
    violations(&mut out, &report.violations, sim.names(), lang);
    let _ = writeln!(out, "\ntrace_hash  {}", report.trace_hash);
    out
}

fn header(out: &mut String, sim: &Sim, lang: Lang) {
    let scenario = sim.scenario();
    let config = sim.config();
    let title = if scenario.title.is_empty() {
        tr(lang, "(untitled scenario)", "（未命名场景）")
    } else {
        &scenario.title
    };
    let _ = writeln!(out, "{title}");
    let kind = config.system.kind();
    let system = format!("{} ({} {})", kind.name(), kind.product(), config.release);
    let brokers = config.broker_count;
    let seed = scenario.seed;
    let until = brokersim::SimTime::from_ms(scenario.duration_ms);
    let (now, events) = (sim.now(), sim.events_processed());
    let _ = match lang {
        Lang::En => writeln!(
            out,
            "  system  {system}, {brokers} brokers\n  seed    {seed}\n  run     faults until {until}, then the drain; ended at {now} after {events} engine events"
        ),
        Lang::Zh => writeln!(
            out,
            "  系统  {system}，{brokers} 个 broker\n  种子  {seed}\n  运行  故障阶段持续到 {until}，然后排空；在 {now} 结束，共处理 {events} 个引擎事件"
        ),
    };
}

/// Events that happen once per message, summarised as counts.
#[derive(Default)]
struct MessageEvents {
    published: u64,
    confirmed: u64,
    delivered: u64,
    nacked: u64,
    confirm_timed_out: u64,
    unsent: u64,
}

impl MessageEvents {
    /// Counts `event` if it is a per-message one; false for a key event.
    fn count(&mut self, event: &Event) -> bool {
        let counter = match event {
            Event::Published { .. } => &mut self.published,
            Event::Confirmed { .. } => &mut self.confirmed,
            Event::Delivered { .. } => &mut self.delivered,
            Event::Nacked { .. } => &mut self.nacked,
            Event::ConfirmTimedOut { .. } => &mut self.confirm_timed_out,
            Event::Unsent { .. } => &mut self.unsent,
            _ => return false,
        };
        *counter += 1;
        true
    }
}

fn events(out: &mut String, sim: &Sim, lang: Lang) {
    let trace = sim.trace();
    let mut counts = MessageEvents::default();
    let key: Vec<&TraceEntry> = trace
        .iter()
        .filter(|entry| !counts.count(&entry.event))
        .collect();
    let shown = &key[..key.len().min(MAX_EVENT_LINES)];
    let width = shown
        .iter()
        .map(|entry| entry.at.to_string().len())
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "\n{}", tr(lang, "Key events", "关键事件"));
    for entry in shown {
        let _ = writeln!(
            out,
            "  {:>width$}  {}",
            entry.at.to_string(),
            voice::sentence(entry, sim.names(), lang)
        );
    }
    let more = key.len() - shown.len();
    if more > 0 {
        let _ = match lang {
            Lang::En => writeln!(out, "  … {more} more events (use --trace FILE)"),
            Lang::Zh => writeln!(out, "  … 另有 {more} 个事件（用 --trace FILE 查看全部）"),
        };
    }
    let MessageEvents {
        published,
        confirmed,
        delivered,
        nacked,
        confirm_timed_out,
        unsent,
    } = counts;
    let _ = match lang {
        Lang::En => writeln!(
            out,
            "  (per message, counted only: {published} publish attempts, {confirmed} confirms, {delivered} deliveries, {nacked} nacks, {confirm_timed_out} confirm timeouts, {unsent} unsent)"
        ),
        Lang::Zh => writeln!(
            out,
            "  （逐条消息的事件只计数：{published} 次发布尝试，{confirmed} 次确认，{delivered} 次投递，{nacked} 次拒绝（nack），{confirm_timed_out} 次确认超时，{unsent} 次未能发送）"
        ),
    };
}

fn list(values: &[u64]) -> String {
    if values.is_empty() {
        return "-".into();
    }
    let mut text = values
        .iter()
        .take(MAX_LIST_ITEMS)
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > MAX_LIST_ITEMS {
        let _ = write!(text, ", … ({} in all)", values.len());
    }
    text
}

fn optional(value: Option<u64>) -> String {
    value.map_or_else(|| "-".into(), |v| v.to_string())
}

/// The report's numbers, one per line: field name (as in `--json`), value,
/// and what it means.
fn table(out: &mut String, r: &Report, lang: Lang) {
    let rows: [(&str, String, [&str; 2]); 16] = [
        (
            "published",
            r.published.to_string(),
            [
                "messages the producers tried to publish",
                "生产者尝试发布的消息",
            ],
        ),
        (
            "confirmed",
            r.confirmed.to_string(),
            ["publishes the broker confirmed", "broker 确认了的发布"],
        ),
        (
            "rejected",
            r.rejected.to_string(),
            [
                "publishes that finally failed with an error",
                "最终以错误告终的发布",
            ],
        ),
        (
            "indeterminate",
            r.indeterminate.to_string(),
            [
                "neither: the producer cannot know",
                "两者都不是：生产者无从得知结果",
            ],
        ),
        (
            "delivered",
            r.delivered.to_string(),
            [
                "messages a consumer handled at least once",
                "至少被消费者处理过一次的消息",
            ],
        ),
        (
            "redelivered",
            r.redelivered.to_string(),
            [
                "deliveries flagged as redelivered",
                "带有 redelivered 标记的投递",
            ],
        ),
        (
            "duplicated",
            r.duplicated.to_string(),
            [
                "messages handled more than once",
                "被处理了不止一次的消息（重复）",
            ],
        ),
        (
            "unconsumed",
            r.unconsumed.to_string(),
            [
                "confirmed and still held, but no consumer handled it",
                "已确认且仍有副本，但没有消费者处理过（未消费）",
            ],
        ),
        (
            "lost",
            r.lost.to_string(),
            [
                "confirmed, never handled, and no copy survives",
                "已确认、从未被处理，且没有任何副本留存（丢失）",
            ],
        ),
        (
            "unexpected",
            r.unexpected.to_string(),
            ["delivered but never published", "被投递了，却从未被发布过"],
        ),
        (
            "reordered",
            r.reordered.to_string(),
            [
                "first deliveries out of producer order",
                "首次投递的顺序与生产者的发送顺序不一致",
            ],
        ),
        (
            "unavailable_ms",
            r.unavailable_ms.to_string(),
            [
                "time no leader could accept a publish",
                "没有任何领导者能接受发布的时间（毫秒）",
            ],
        ),
        (
            "failovers",
            r.failovers.to_string(),
            ["leadership changes", "领导者变更（故障转移）的次数"],
        ),
        (
            "detection_ms",
            list(&r.detection_ms),
            [
                "failure to detection, per detected failure",
                "从故障发生到被检测到的时间（毫秒），每次检测各一个值",
            ],
        ),
        (
            "rto_ms",
            optional(r.rto_ms),
            [
                "cross-site recovery time (- without sites)",
                "跨站点的恢复时间 RTO（毫秒；没有站点时为 -）",
            ],
        ),
        (
            "rpo_messages",
            optional(r.rpo_messages),
            [
                "confirmed messages the surviving site lacks",
                "幸存站点缺少的已确认消息（RPO）",
            ],
        ),
    ];
    let name_width = rows
        .iter()
        .map(|(name, _, _)| name.len())
        .max()
        .unwrap_or(0);
    // Numbers line up; a longer list just pushes its own meaning right.
    let value_width = rows
        .iter()
        .filter(|(_, value, _)| !value.contains(", "))
        .map(|(_, value, _)| value.chars().count())
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "\n{}", tr(lang, "Report", "报告"));
    for (name, value, [en, zh]) in &rows {
        let meaning = tr(lang, en, zh);
        let _ = writeln!(
            out,
            "  {name:<name_width$}  {value:>value_width$}  {meaning}"
        );
    }
}

/// Why the confirmed messages that were never delivered were not: the
/// unconsumed by reason, the lost one by one with what destroyed them.
fn not_delivered(out: &mut String, r: &Report, lang: Lang) {
    if r.unconsumed == 0 && r.lost == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "\n{}",
        tr(lang, "Confirmed but not delivered", "已确认但未投递")
    );
    for (why, n) in &r.unconsumed_reasons {
        let why = voice::say(&voice::unconsumed_why(*why), lang);
        let _ = match lang {
            Lang::En => writeln!(out, "  unconsumed  {n}: {why}"),
            Lang::Zh => writeln!(out, "  未消费  {n} 条：{why}"),
        };
    }
    for (cause, n) in &r.lost_causes {
        let cause = voice::say(&voice::loss_cause(*cause), lang);
        let _ = match lang {
            Lang::En => writeln!(out, "  lost  {n}: {cause}"),
            Lang::Zh => writeln!(out, "  丢失  {n} 条：{cause}"),
        };
    }
    for lost in r.lost_messages.iter().take(MAX_LOST_LINES) {
        let at = brokersim::SimTime::from_ms(lost.at_ms);
        let held = lost.held_by.as_deref().unwrap_or("-");
        let _ = match lang {
            Lang::En => writeln!(out, "    #{} at {at}, last copy on {held}", lost.msg),
            Lang::Zh => writeln!(out, "    #{}，{at}，最后一份副本在 {held} 上", lost.msg),
        };
    }
    let more = r
        .lost
        .saturating_sub(MAX_LOST_LINES.min(r.lost_messages.len()) as u64);
    if more > 0 {
        let _ = match lang {
            Lang::En => writeln!(out, "  … and {more} more lost (--json lists the first 100)"),
            Lang::Zh => writeln!(out, "  … 另有 {more} 条丢失（--json 列出前 100 条）"),
        };
    }
}

/// One message's copies and life, for `run --copies N`.
pub fn copies(sim: &Sim, copies: &brokersim::view::MessageCopies, lang: Lang) -> String {
    let mut out = String::new();
    let msg = copies.msg;
    let time = |t: Option<brokersim::SimTime>| t.map_or_else(|| "-".to_string(), |t| t.to_string());
    if let Some(life) = sim.ledger().get(msg) {
        let format = tr(
            lang,
            "message {msg}: producer p{p}'s message {seq}\n  published {pub}, confirmed {conf}, first delivered {first}, deliveries {n}",
            "消息 {msg}：生产者 p{p} 的第 {seq} 条消息\n  发布于 {pub}，确认于 {conf}，首次投递于 {first}，共投递 {n} 次",
        );
        let line = format
            .replace("{msg}", &msg.to_string())
            .replace("{p}", &(life.producer + 1).to_string())
            .replace("{seq}", &life.producer_seq.to_string())
            .replace("{pub}", &life.published_at.to_string())
            .replace("{conf}", &time(life.confirmed_at))
            .replace("{first}", &time(life.first_delivered_at))
            .replace("{n}", &life.deliveries.to_string());
        let _ = writeln!(out, "{line}");
    }
    let stored = copies
        .stored
        .iter()
        .map(|c| match c.role {
            Some(role) => format!(
                "{} ({}, {})",
                c.name,
                role_name(role),
                layer_name(c.layer, lang)
            ),
            None => format!("{} ({})", c.name, layer_name(c.layer, lang)),
        })
        .collect::<Vec<_>>();
    let stored = if stored.is_empty() {
        "-".to_string()
    } else {
        stored.join(", ")
    };
    let _ = writeln!(out, "  {}  {stored}", tr(lang, "copies now", "现有副本"));
    let flying = copies
        .in_flight
        .iter()
        .map(|(from, to)| {
            let name = |a| Names::addr(sim.names(), a);
            format!("{} → {}", name(*from), name(*to))
        })
        .collect::<Vec<_>>();
    let flying = if flying.is_empty() {
        "-".to_string()
    } else {
        flying.join(", ")
    };
    let _ = writeln!(out, "  {}  {flying}", tr(lang, "in flight", "传输中"));
    if let Some((why, holder)) = &copies.last_drop {
        let cause = voice::say(&voice::loss_cause(*why), lang);
        let holder = holder.as_deref().unwrap_or("-");
        let _ = match lang {
            Lang::En => writeln!(out, "  last copy destroyed  on {holder}: {cause}"),
            Lang::Zh => writeln!(out, "  最近被销毁的副本  在 {holder} 上：{cause}"),
        };
    }
    if let Some(at) = copies.unrecoverable_at {
        let _ = match lang {
            Lang::En => writeln!(out, "  no copy left since {at}"),
            Lang::Zh => writeln!(out, "  自 {at} 起没有任何副本留存"),
        };
    }
    out
}

/// Where a copy is on its host (issue 14's layers).
fn layer_name(layer: brokersim::ledger::Layer, lang: Lang) -> &'static str {
    use brokersim::ledger::Layer;
    match layer {
        Layer::Memory => tr(lang, "memory", "内存"),
        Layer::PageCache => tr(lang, "page cache", "页缓存"),
        Layer::Disk => tr(lang, "disk", "磁盘"),
    }
}

/// A replica role as scenarios and `--json` name it.
fn role_name(role: brokersim::view::Role) -> &'static str {
    use brokersim::view::Role;
    match role {
        Role::Master => "master",
        Role::Mirror => "mirror",
        Role::Slave => "slave",
        Role::PausedMinority => "paused_minority",
    }
}

fn violations(out: &mut String, violations: &[Found], names: Option<&Names>, lang: Lang) {
    if violations.is_empty() {
        let _ = writeln!(out, "\n{}", tr(lang, "Violations: none", "违反不变式：无"));
        return;
    }
    let count = violations.len();
    let _ = match lang {
        Lang::En => writeln!(out, "\nViolations ({count})"),
        Lang::Zh => writeln!(out, "\n违反不变式（{count} 条）"),
    };
    for v in violations.iter().take(MAX_VIOLATIONS) {
        let at = brokersim::SimTime::from_ms(v.at_ms);
        let detail = voice::render(
            &voice::violation(&v.violation),
            lang,
            voice::Naming::new(names),
        );
        let _ = writeln!(out, "  {at}  {}: {detail}", v.property);
    }
    if count > MAX_VIOLATIONS {
        let more = count - MAX_VIOLATIONS;
        let _ = match lang {
            Lang::En => writeln!(out, "  … and {more} more"),
            Lang::Zh => writeln!(out, "  … 另有 {more} 条"),
        };
    }
}
