//! The cluster in SVG: brokers on a circle (status in colour, icon and
//! word, so colour is never the only cue), each broker's replica of the
//! queue, the partition drawn as a cut, producers on the left and consumers
//! on the right with their connections, the packets in flight placed
//! between their send and arrival times, and each failure detector's
//! suspicion as an arc growing toward its timeout.

use brokersim::Addr;
use brokersim::view::{
    BrokerStatus, ClientState, ClientView, PacketView, ReplicaView, Role, SiteView, SystemKind,
    View,
};
use yew::prelude::*;

use crate::i18n::{Lang, Msg, t, tf, use_lang};
use crate::settings_doc::release_label;
use crate::state::{Action, Selected, use_sim};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub frame: u64,
    pub selected: Option<Selected>,
    pub partition: Option<Vec<bool>>,
}

const W: f64 = 760.0;
const H: f64 = 470.0;
const CX: f64 = 380.0;
const CY: f64 = 225.0;
/// Packets drawn at most; the count is always shown.
const MAX_PACKETS: usize = 600;

/// Okabe–Ito, a palette readable with every common colour-vision deficiency.
pub mod palette {
    pub const GREEN: &str = "#009E73";
    pub const VERMILLION: &str = "#D55E00";
    pub const YELLOW: &str = "#F0E442";
    pub const BLUE: &str = "#0072B2";
    pub const SKY: &str = "#56B4E9";
    pub const ORANGE: &str = "#E69F00";
    pub const PURPLE: &str = "#CC79A7";
}

/// Where everything sits. Without sites the brokers stand on one circle;
/// with sites each site is a box in a row, its brokers on a small circle
/// inside, and the SVG is wider.
struct Layout {
    w: f64,
    r: f64,
    brokers: Vec<(f64, f64)>,
    consumers: usize,
    /// The application producers (`p1` …); the rest are the sites'
    /// replicators, drawn on their replication arrows.
    app_producers: usize,
    sites: Vec<SiteBox>,
}

/// A site's box: its centre and half extents.
struct SiteBox {
    x: f64,
    y: f64,
    hw: f64,
    hh: f64,
}

/// Room per site in the row, and around the row for the clients.
const SITE_STEP: f64 = 350.0;
const CLIENT_MARGIN: f64 = 140.0;

impl Layout {
    fn new(view: &View) -> Layout {
        let n = view.brokers.len();
        let app_producers = view
            .producers
            .iter()
            .take_while(|p| {
                p.name
                    .strip_prefix('p')
                    .is_some_and(|d| d.bytes().all(|c| c.is_ascii_digit()))
            })
            .count();
        let mut layout = Layout {
            w: W,
            r: if n <= 5 { 34.0 } else { 28.0 },
            brokers: vec![(CX, CY); n],
            consumers: view.consumers.len(),
            app_producers,
            sites: Vec::new(),
        };
        let ring = |count: usize, i: usize, cx: f64, cy: f64, radius: f64| {
            if count <= 1 {
                return (cx, cy);
            }
            let a = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / count as f64;
            (cx + radius * a.cos(), cy + radius * a.sin())
        };
        if view.sites.is_empty() {
            let radius = if n <= 5 { 140.0 } else { 165.0 };
            layout.brokers = (0..n).map(|i| ring(n, i, CX, CY, radius)).collect();
            return layout;
        }
        layout.w = 2.0 * CLIENT_MARGIN + SITE_STEP * view.sites.len() as f64;
        layout.r = 24.0;
        let cy = CY + 15.0;
        for (k, site) in view.sites.iter().enumerate() {
            let x = CLIENT_MARGIN + SITE_STEP * (k as f64 + 0.5);
            let members: Vec<usize> = (0..n)
                .filter(|i| view.brokers[*i].site == site.name)
                .collect();
            let radius = if members.len() <= 3 { 62.0 } else { 80.0 };
            for (j, b) in members.iter().enumerate() {
                layout.brokers[*b] = ring(members.len(), j, x, cy, radius);
            }
            layout.sites.push(SiteBox {
                x,
                y: cy - 8.0,
                hw: 125.0,
                hh: radius + 54.0,
            });
        }
        layout
    }

    fn broker(&self, i: usize) -> (f64, f64) {
        self.brokers.get(i).copied().unwrap_or((self.w / 2.0, CY))
    }

    fn column(count: usize, i: usize) -> f64 {
        let step = (H - 60.0) / count.max(1) as f64;
        40.0 + step * (i as f64 + 0.5)
    }

    fn producer(&self, i: usize) -> (f64, f64) {
        if i >= self.app_producers && !self.sites.is_empty() {
            return self.replicator(i - self.app_producers);
        }
        (72.0, Self::column(self.app_producers.max(1), i))
    }

    fn consumer(&self, i: usize) -> (f64, f64) {
        (self.w - 72.0, Self::column(self.consumers, i))
    }

    /// The `k`th replicator, on the replication arrow between sites `k` and
    /// `k + 1` (below its label).
    fn replicator(&self, k: usize) -> (f64, f64) {
        let a = self.sites.get(k);
        let b = self.sites.get(k + 1);
        match (a, b) {
            (Some(a), Some(b)) => ((a.x + b.x) / 2.0, H - 62.0),
            _ => (self.w / 2.0, H - 20.0),
        }
    }

    /// Where a network address sits (the controller: the centre).
    fn place(&self, addr: Addr) -> (f64, f64) {
        match addr {
            Addr::Broker(b) => self.broker(usize::from(b.0)),
            Addr::Producer(p) => self.producer(usize::from(p.0)),
            Addr::Consumer(c) => self.consumer(usize::from(c.0)),
            // With sites each site has its own controller quorum; one box
            // above the row stands for them.
            Addr::Controller if !self.sites.is_empty() => (self.w / 2.0, 36.0),
            Addr::Controller => (CX, CY),
        }
    }
}

fn status_look(status: BrokerStatus) -> (&'static str, &'static str, &'static str, &'static str) {
    // fill, text colour, icon, word
    match status {
        BrokerStatus::Up => (palette::GREEN, "#fff", "●", "up"),
        BrokerStatus::Crashed => (palette::VERMILLION, "#fff", "✖", "crashed"),
        BrokerStatus::Killed => (palette::VERMILLION, "#fff", "☠", "killed"),
        BrokerStatus::Stopped => ("#444", "#fff", "■", "stopped"),
        BrokerStatus::Paused => (palette::YELLOW, "#000", "❚❚", "paused"),
    }
}

/// A broker status word (`up`, `crashed` …, kept in `data-status`) as shown.
fn status_text(lang: Lang, word: &str) -> &'static str {
    t(
        lang,
        match word {
            "crashed" => Msg::StatusCrashed,
            "killed" => Msg::StatusKilled,
            "stopped" => Msg::StatusStopped,
            "paused" => Msg::StatusPaused,
            _ => Msg::StatusUp,
        },
    )
}

/// A replica's role in the words of its system's documentation: Kafka's
/// partitions and RabbitMQ's quorum queues (Raft) have a leader and
/// followers; a classic mirrored queue has a master and mirrors; ActiveMQ
/// a master and slaves.
fn role_word(lang: Lang, system: SystemKind, r: &ReplicaView) -> String {
    let leader_and_followers = matches!(system, SystemKind::Kafka | SystemKind::Quorum);
    let role = match (r.role, leader_and_followers) {
        (Role::Master, true) => t(lang, Msg::RoleLeader),
        (Role::Master, false) => t(lang, Msg::RoleMaster),
        (Role::Mirror, true) => t(lang, Msg::RoleFollower),
        (Role::Mirror, false) => t(lang, Msg::RoleMirror),
        (Role::Slave, _) => t(lang, Msg::RoleSlave),
        (Role::PausedMinority, _) => t(lang, Msg::RolePausedMinority),
    };
    format!("{role} · e{}", r.epoch)
}

fn data_word(lang: Lang, system: SystemKind, r: &ReplicaView) -> String {
    let synced = match (system == SystemKind::Kafka, r.synced) {
        (true, true) => t(lang, Msg::InIsr),
        (true, false) => t(lang, Msg::OutOfIsr),
        (false, true) => t(lang, Msg::Synced),
        (false, false) => t(lang, Msg::Unsynced),
    };
    tf(lang, Msg::Msgs, &[&r.length, &synced])
}

fn arc(cx: f64, cy: f64, r: f64, frac: f64) -> String {
    let frac = frac.clamp(0.001, 0.999);
    let a0 = -std::f64::consts::FRAC_PI_2;
    let a1 = a0 + std::f64::consts::TAU * frac;
    let (x0, y0) = (cx + r * a0.cos(), cy + r * a0.sin());
    let (x1, y1) = (cx + r * a1.cos(), cy + r * a1.sin());
    let large = u8::from(frac > 0.5);
    format!("M{x0:.1},{y0:.1} A{r:.1},{r:.1} 0 {large} 1 {x1:.1},{y1:.1}")
}

/// The non-empty parts of an accessible label, with the language's
/// separator (`; `, `；`) between them and none dangling at the end.
fn label_list(lang: Lang, parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(t(lang, Msg::ListSep))
}

fn group_letter(g: u8) -> char {
    char::from(b'A' + g.min(25))
}

#[component]
pub fn Cluster(props: &Props) -> Html {
    let lang = use_lang();
    let sim = use_sim();
    let view: View = sim.runner.borrow().sim().view();
    let layout = Layout::new(&view);
    let partitioned = view
        .brokers
        .iter()
        .any(|b| b.group != view.brokers[0].group);

    let mut mesh = Vec::new();
    let mut cuts = Vec::new();
    for (i, a) in view.brokers.iter().enumerate() {
        for (j, b) in view.brokers.iter().enumerate().skip(i + 1) {
            if a.site != b.site {
                continue; // each site is its own cluster
            }
            let (ax, ay) = layout.broker(i);
            let (bx, by) = layout.broker(j);
            let cut = a.group != b.group;
            mesh.push(html! {
                <line x1={ax.to_string()} y1={ay.to_string()} x2={bx.to_string()} y2={by.to_string()}
                    class={if cut { "mesh cut-link" } else { "mesh" }} />
            });
            if cut {
                let (mx, my) = ((ax + bx) / 2.0, (ay + by) / 2.0);
                let len = ((bx - ax).hypot(by - ay)).max(1.0);
                let (px, py) = (-(by - ay) / len * 16.0, (bx - ax) / len * 16.0);
                cuts.push(html! {
                    <line class="cut" x1={(mx + px).to_string()} y1={(my + py).to_string()}
                        x2={(mx - px).to_string()} y2={(my - py).to_string()} />
                });
            }
        }
    }

    let client_lines = view
        .producers
        .iter()
        .enumerate()
        .map(|(i, c)| (layout.producer(i), c))
        .chain(
            view.consumers
                .iter()
                .enumerate()
                .map(|(i, c)| (layout.consumer(i), c)),
        )
        .filter_map(|((x1, y1), c)| {
            let broker = c.connected_to?;
            let (x2, y2) = layout.broker(usize::from(broker.0));
            Some(html! {
                <line class="conn" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
            })
        })
        .collect::<Html>();

    let packets = packet_paths(&dots(&layout, &view));
    let on_packet = {
        let d = sim.clone();
        let runner = sim.runner.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(svg) = e
                .target_dyn_into::<web_sys::Element>()
                .and_then(|el| el.closest("svg").ok().flatten())
            else {
                return;
            };
            let view = runner.borrow().sim().view();
            let layout = Layout::new(&view);
            let (x, y) = to_svg(
                &svg,
                layout.w,
                f64::from(e.client_x()),
                f64::from(e.client_y()),
            );
            let id = dots(&layout, &view)
                .iter()
                .filter_map(|d| Some((d.message?, (d.x - x).hypot(d.y - y), d.style.1)))
                .filter(|(_, dist, r)| *dist <= r + 3.0)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(m, _, _)| m);
            if id.is_some() {
                d.send(Action::ShowMessage(id));
            }
        })
    };

    let r = layout.r;
    let suspicions = view
        .suspicions
        .iter()
        .filter(|s| s.timeout_ms > 0 && s.silent_ms * 10 >= s.timeout_ms * 3)
        .enumerate()
        .map(|(k, s)| {
            let (x, y) = layout.broker(usize::from(s.target.0));
            let frac = s.silent_ms as f64 / s.timeout_ms as f64;
            let class = if frac >= 0.5 {
                "suspicion high"
            } else {
                "suspicion"
            };
            let label = tf(
                lang,
                Msg::Suspicion,
                &[
                    &s.observer,
                    &s.target,
                    &format!("{:.1}", s.silent_ms as f64 / 1000.0),
                    &format!("{:.1}", s.timeout_ms as f64 / 1000.0),
                ],
            );
            html! {
                <path class={class} d={arc(x, y, r + 6.0 + 4.0 * (k % 4) as f64, frac)}>
                    <title>{ label }</title>
                </path>
            }
        })
        .collect::<Html>();

    let brokers = view
        .brokers
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let (x, y) = layout.broker(i);
            let (fill, ink, icon, word) = status_look(b.status);
            let mine: Vec<&ReplicaView> = view
                .replicas
                .iter()
                .filter(|rep| usize::from(rep.broker.0) == i)
                .collect();
            let replica = mine.first().copied();
            let leader = mine.iter().any(|rep| rep.role == Role::Master);
            let picked = match (&props.partition, &props.selected) {
                (Some(groups), _) => groups.get(i).copied().unwrap_or(false),
                (None, Some(Selected::Broker(s))) => usize::from(*s) == i,
                _ => false,
            };
            let id = i as u16;
            let onclick = {
                let d = sim.clone();
                let partitioning = props.partition.is_some();
                Callback::from(move |_: MouseEvent| {
                    d.send(if partitioning {
                        Action::PartitionToggle(id)
                    } else {
                        Action::Select(Some(Selected::Broker(id)))
                    })
                })
            };
            let (role_line, data_line) = if mine.len() > 1 {
                // Several partitions: one short line per partition instead.
                let leads = mine.iter().filter(|r| r.role == Role::Master).count();
                (
                    tf(lang, Msg::Partitions, &[&mine.len(), &leads]),
                    mine.iter()
                        .take(4)
                        .map(|r| {
                            format!(
                                "P{}{}{}",
                                r.partition,
                                if r.role == Role::Master { "★" } else { "" },
                                if r.synced { "" } else { "✗" }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            } else {
                (
                    // A broker that is down holds no live replica, but what
                    // it wrote to disk may well come back with it.
                    replica.map(|r| role_word(lang, view.system, r)).unwrap_or_else(|| {
                        t(lang, if b.status == BrokerStatus::Up {
                            Msg::NoReplica
                        } else {
                            Msg::ReplicaOffline
                        })
                        .into()
                    }),
                    replica.map(|r| data_word(lang, view.system, r)).unwrap_or_default(),
                )
            };
            let group = partitioned.then(|| tf(lang, Msg::Group, &[&group_letter(b.group)]));
            // Inside its site's box a broker shows its own cluster's name.
            let short = b
                .name
                .strip_prefix(b.site.as_str())
                .and_then(|n| n.strip_prefix('-'))
                .unwrap_or(&b.name)
                .to_owned();
            let label = tf(lang,
                Msg::BrokerLabel,
                &[
                    &b.name,
                    &label_list(lang, &[status_text(lang, word), &role_line, &data_line, group.as_deref().unwrap_or("")]),
                ],
            );
            html! {
                <g class={classes!("broker", picked.then_some("picked"), leader.then_some("leader"))}
                    role="button" tabindex="0" aria-label={label} data-broker={b.name.clone()}
                    data-status={word} data-role={replica.map(|rep| format!("{:?}", rep.role).to_lowercase())}
                    onclick={onclick}>
                    <circle cx={x.to_string()} cy={y.to_string()} r={r.to_string()} fill={fill}
                        class="broker-disc" />
                    <text x={x.to_string()} y={(y - 6.0).to_string()} class="broker-name" fill={ink}>{ short }</text>
                    <text x={x.to_string()} y={(y + 10.0).to_string()} class="broker-status" fill={ink}>{ format!("{icon} {}", status_text(lang, word)) }</text>
                    <text x={x.to_string()} y={(y + r + 14.0).to_string()} class="replica">{ role_line }</text>
                    <text x={x.to_string()} y={(y + r + 27.0).to_string()} class="replica small">{ data_line }</text>
                    if let Some(g) = group {
                        <text x={x.to_string()} y={(y - r - 6.0).to_string()} class="group-label">{ g }</text>
                    }
                </g>
            }
        })
        .collect::<Html>();

    let (cx, cy) = layout.place(Addr::Controller);
    let sites = sites(lang, &layout, &view.sites, &props.selected, &sim);
    let now_us = view.now.as_us();
    let clients = view
        .producers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            client(
                lang,
                layout.producer(i),
                c,
                true,
                now_us,
                &props.selected,
                &sim,
            )
        })
        .chain(view.consumers.iter().enumerate().map(|(i, c)| {
            client(
                lang,
                layout.consumer(i),
                c,
                false,
                now_us,
                &props.selected,
                &sim,
            )
        }))
        .collect::<Html>();

    html! {
        <figure class="cluster">
            <svg viewBox={format!("0 0 {} {H}", layout.w)} role="img" id="cluster-svg"
                aria-label={tf(lang, Msg::ClusterSvgAria, &[&view.brokers.len(), &view.producers.len(), &view.consumers.len(), &view.in_flight.len()])}>
                <text x="10" y="18" class="system-label">{ format!("{} · {}", view.system.name(), release_label(lang, view.system, view.release)) }</text>
                { sites }
                <text x={(layout.w - 10.0).to_string()} y="18" class="inflight" text-anchor="end" id="inflight">
                    { tf(lang, Msg::InFlight, &[&view.in_flight.len()]) }
                </text>
                { mesh }
                { client_lines }
                { cuts }
                { suspicions }
                if view.system == SystemKind::Kafka {
                    // Kafka's KRaft controller: brokers heartbeat it, it elects leaders.
                    <g class="controller" role="img" aria-label={t(lang, Msg::ControllerAria)}>
                        <rect x={(cx - 40.0).to_string()} y={(cy - 13.0).to_string()} width="80" height="26" rx="4" />
                        <text x={cx.to_string()} y={(cy + 4.0).to_string()}>{ t(lang, Msg::Controller) }</text>
                    </g>
                }
                { brokers }
                { clients }
                <g class="packets" onclick={on_packet}
                    aria-label={t(lang, Msg::PacketsAria)}>{ packets }</g>
            </svg>
            <figcaption class="legend">
                <span><i class="sw" style={format!("background:{}", palette::GREEN)}></i>{ t(lang, Msg::LegendUp) }</span>
                <span><i class="sw" style={format!("background:{}", palette::VERMILLION)}></i>{ t(lang, Msg::LegendCrashed) }</span>
                <span><i class="sw" style={format!("background:{}", palette::VERMILLION)}></i>{ t(lang, Msg::LegendKilled) }</span>
                <span><i class="sw" style="background:#444"></i>{ t(lang, Msg::LegendStopped) }</span>
                <span><i class="sw" style={format!("background:{}", palette::YELLOW)}></i>{ t(lang, Msg::LegendPaused) }</span>
                <span><i class="dot" style={format!("background:{}", palette::BLUE)}></i>{ t(lang, Msg::LegendMessage) }</span>
                <span><i class="dot" style={format!("background:{}", palette::SKY)}></i>{ t(lang, Msg::LegendReply) }</span>
                <span><i class="dot small" style={format!("background:{}", palette::PURPLE)}></i>{ t(lang, Msg::LegendHeartbeat) }</span>
                <span><i class="arcsw"></i>{ t(lang, Msg::LegendSuspicion) }</span>
                <span class="legend-click">{ t(lang, Msg::LegendClick) }</span>
            </figcaption>
        </figure>
    }
}

/// Each site as a box around its brokers, labelled with its name, status
/// and whether the applications use it, and each replication link as an
/// arrow from the source site to the target with what the replicator holds.
fn sites(
    lang: Lang,
    layout: &Layout,
    sites: &[SiteView],
    selected: &Option<Selected>,
    sim: &crate::state::SimHandle,
) -> Html {
    let boxes = sites.iter().zip(&layout.sites).map(|(s, b)| {
        let picked = matches!(selected, Some(Selected::Site(n)) if *n == s.name);
        let onclick = {
            let d = sim.clone();
            let name = s.name.clone();
            Callback::from(move |_: MouseEvent| {
                d.send(Action::Select(Some(Selected::Site(name.clone()))))
            })
        };
        let (icon, word, shown) = match s.status {
            "up" => ("●", "up", Msg::SiteUp),
            "down" => ("■", "down", Msg::SiteDown),
            _ => ("✖", "lost", Msg::SiteLost),
        };
        let label = format!("{} · {icon} {}", s.name, t(lang, shown));
        let aria = if s.active { Msg::SiteActiveAria } else { Msg::SiteAria };
        html! {
            <g class={classes!("site", word, s.active.then_some("active"), picked.then_some("picked"))}
                data-site={s.name.clone()} data-site-status={word} data-active={s.active.to_string()}
                role="button" tabindex="0" onclick={onclick}
                aria-label={tf(lang, aria, &[&label])}>
                <rect x={(b.x - b.hw).to_string()} y={(b.y - b.hh).to_string()} width={(2.0 * b.hw).to_string()}
                    height={(2.0 * b.hh).to_string()} rx="10" />
                <text x={b.x.to_string()} y={(b.y - b.hh + 16.0).to_string()} class="site-label">{ label.clone() }</text>
                if s.active {
                    <text x={b.x.to_string()} y={(b.y + b.hh + 15.0).to_string()} class="site-label active-label">
                        { t(lang, Msg::SiteActive) }
                    </text>
                }
            </g>
        }
    });
    let links = sites.iter().enumerate().filter_map(|(k, s)| {
        let from = sites.iter().position(|o| Some(&o.name) == s.replicate_from.as_ref())?;
        let (a, b) = (layout.sites.get(from)?, layout.sites.get(k)?);
        let dir = if b.x >= a.x { 1.0 } else { -1.0 };
        let (x1, x2) = (a.x + dir * (a.hw + 4.0), b.x - dir * (b.hw + 8.0));
        let y = a.y - 20.0;
        let mid = (x1 + x2) / 2.0;
        let head = format!(
            "M{x2:.1},{y:.1} l{:.1},-6 l0,12 z",
            -dir * 10.0
        );
        Some(html! {
            <g class="site-link" data-link={s.name.clone()}
                aria-label={tf(lang, Msg::SiteLinkAria, &[&s.name, &a_name(sites, from), &s.lag_ms, &s.waiting])}>
                <line x1={x1.to_string()} y1={y.to_string()} x2={(x2 - dir * 8.0).to_string()} y2={y.to_string()} />
                <path d={head} />
                <text x={mid.to_string()} y={(y - 8.0).to_string()} class="link-label">
                    { tf(lang, Msg::SiteLag, &[&format!("{:.1}", s.lag_ms as f64 / 1000.0)]) }
                </text>
                <text x={mid.to_string()} y={(y + 18.0).to_string()} class="link-label waiting" id={format!("waiting-{}", s.name)}>
                    { tf(lang, Msg::SiteWaiting, &[&s.waiting]) }
                </text>
            </g>
        })
    });
    boxes.chain(links).collect()
}

fn a_name(sites: &[SiteView], i: usize) -> &str {
    sites.get(i).map_or("", |s| s.name.as_str())
}

/// Packet styles: colour and radius.
type Style = (&'static str, f64);
const HEARTBEAT: Style = (palette::PURPLE, 2.5);
const REPLY: Style = (palette::SKY, 3.5);
const MESSAGE: Style = (palette::BLUE, 4.0);
const OTHER: Style = (palette::ORANGE, 3.0);
const STYLES: [Style; 4] = [OTHER, REPLY, MESSAGE, HEARTBEAT];

/// A packet in flight, placed between its sender and its receiver.
struct Dot {
    x: f64,
    y: f64,
    style: Style,
    message: Option<u32>,
}

fn dots(layout: &Layout, view: &View) -> Vec<Dot> {
    let now = view.now.as_us() as f64;
    view.in_flight
        .iter()
        .take(MAX_PACKETS)
        .map(|p| dot(layout, p, now))
        .collect()
}

fn dot(layout: &Layout, p: &PacketView, now: f64) -> Dot {
    let (fx, fy) = layout.place(p.from);
    let (tx, ty) = layout.place(p.to);
    let span = (p.arrives_at.as_us() as f64 - p.sent_at.as_us() as f64).max(1.0);
    let t = ((now - p.sent_at.as_us() as f64) / span).clamp(0.0, 1.0);
    let style = if p.heartbeat {
        HEARTBEAT
    } else {
        match p.kind {
            "confirm" | "ack" => REPLY,
            "publish" | "deliver" => MESSAGE,
            _ if p.message.is_some() => MESSAGE,
            _ => OTHER,
        }
    };
    Dot {
        x: fx + (tx - fx) * t,
        y: fy + (ty - fy) * t,
        style,
        message: p.message.map(|m| m.0),
    }
}

/// The packets as a few paths (per style, a white outline under the dots)
/// of zero-length round-capped strokes: a handful of attributes change per
/// frame instead of two per packet. Clicks find their message by position.
fn packet_paths(dots: &[Dot]) -> Html {
    use std::fmt::Write;
    let mut by_style: [String; 4] = Default::default();
    for d in dots {
        let k = STYLES.iter().position(|s| *s == d.style).unwrap_or(0);
        let _ = write!(by_style[k], "M{:.1} {:.1}h0", d.x, d.y);
    }
    STYLES
        .iter()
        .zip(by_style)
        .map(|((fill, r), d)| {
            html! {
                <>
                    <path class="pkt-outline" d={d.clone()} stroke-width={(2.0 * r + 1.0).to_string()} />
                    <path class="pkt" d={d} stroke={*fill} stroke-width={(2.0 * r).to_string()} />
                </>
            }
        })
        .collect::<Html>()
}

/// Client coordinates to the SVG's own (its viewBox, scaled to fit and
/// centred: the default `preserveAspectRatio`).
fn to_svg(svg: &web_sys::Element, w: f64, cx: f64, cy: f64) -> (f64, f64) {
    let rect = svg.get_bounding_client_rect();
    let scale = (rect.width() / w).min(rect.height() / H).max(1e-6);
    let left = rect.left() + (rect.width() - w * scale) / 2.0;
    let top = rect.top() + (rect.height() - H * scale) / 2.0;
    ((cx - left) / scale, (cy - top) / scale)
}

/// A client's connection state (`ClientView::state`) in the page's language.
fn client_state_text(lang: Lang, state: ClientState) -> &'static str {
    t(
        lang,
        match state {
            ClientState::Crashed => Msg::StatusCrashed,
            ClientState::Idle => Msg::ClientIdle,
            ClientState::Connecting => Msg::ClientConnecting,
            ClientState::Connected => Msg::ClientConnected,
            ClientState::WaitingToReconnect => Msg::ClientBackoff,
            ClientState::GaveUp => Msg::ClientGaveUp,
            ClientState::RefreshingMetadata => Msg::ClientRefreshing,
            ClientState::Fetching => Msg::ClientFetching,
        },
    )
}

fn client(
    lang: Lang,
    (x, y): (f64, f64),
    c: &ClientView,
    producer: bool,
    now_us: u64,
    selected: &Option<Selected>,
    sim: &crate::state::SimHandle,
) -> Html {
    let (w, h) = (132.0, 58.0);
    let crashed = c.state == ClientState::Crashed;
    let counts = if producer {
        tf(lang, Msg::Unconfirmed, &[&c.outstanding, &c.backlog])
    } else {
        tf(lang, Msg::Unacked, &[&c.outstanding])
    };
    let countdown = c.reconnect_at.map(|t| {
        tf(
            lang,
            Msg::RetryIn,
            &[&format!(
                "{:.1}",
                t.as_us().saturating_sub(now_us) as f64 / 1e6
            )],
        )
    });
    let silence = (c.timeout_ms > 0 && c.silent_ms * 2 >= c.timeout_ms && c.connected_to.is_some())
        .then(|| (c.silent_ms as f64 / c.timeout_ms as f64).min(1.0));
    let picked = matches!(selected, Some(Selected::Client(n)) if *n == c.name);
    let name = c.name.clone();
    let d = sim.clone();
    let onclick = Callback::from(move |_: MouseEvent| {
        d.send(Action::Select(Some(Selected::Client(name.clone()))))
    });
    let label = tf(
        lang,
        Msg::ClientLabel,
        &[
            &c.name,
            &t(
                lang,
                if producer {
                    Msg::Producer
                } else {
                    Msg::Consumer
                },
            ),
            &label_list(
                lang,
                &[
                    client_state_text(lang, c.state),
                    &counts,
                    countdown.as_deref().unwrap_or(""),
                ],
            ),
        ],
    );
    html! {
        <g class={classes!("client", crashed.then_some("crashed"), picked.then_some("picked"))}
            role="button" tabindex="0" aria-label={label} data-client={c.name.clone()} onclick={onclick}>
            <rect x={(x - w / 2.0).to_string()} y={(y - h / 2.0).to_string()} width={w.to_string()}
                height={h.to_string()} rx="6" />
            <text x={x.to_string()} y={(y - 12.0).to_string()} class="client-name">
                { format!("{} {}", if producer { "⇢" } else { "⇠" }, c.name) }
            </text>
            <text x={x.to_string()} y={(y + 3.0).to_string()} class="client-state">{ client_state_text(lang, c.state) }</text>
            <text x={x.to_string()} y={(y + 17.0).to_string()} class="client-counts">{ counts }</text>
            if let Some(t) = countdown {
                <text x={x.to_string()} y={(y + h / 2.0 + 13.0).to_string()} class="countdown">{ t }</text>
            }
            if let Some(f) = silence {
                <rect class="silence" x={(x - w / 2.0).to_string()} y={(y + h / 2.0 - 4.0).to_string()}
                    width={(w * f).to_string()} height="4" />
            }
        </g>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_are_named_as_each_system_documents_them() {
        let replica = |role| ReplicaView {
            broker: brokersim::BrokerId(0),
            role,
            epoch: 1,
            length: 0,
            synced: true,
            partition: 0,
            high_watermark: None,
        };
        let cases = [
            (SystemKind::Mirrored, Role::Master, "★ master · e1"),
            (SystemKind::Mirrored, Role::Mirror, "mirror · e1"),
            (SystemKind::Quorum, Role::Master, "★ leader · e1"),
            (SystemKind::Quorum, Role::Mirror, "follower · e1"),
            (SystemKind::Kafka, Role::Master, "★ leader · e1"),
            (SystemKind::Kafka, Role::Mirror, "follower · e1"),
            (SystemKind::ActiveMq, Role::Master, "★ master · e1"),
            (SystemKind::ActiveMq, Role::Slave, "slave · e1"),
        ];
        for (system, role, word) in cases {
            assert_eq!(
                role_word(Lang::En, system, &replica(role)),
                word,
                "{system} {role:?}"
            );
        }
    }
}
