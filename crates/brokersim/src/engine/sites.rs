//! Disaster recovery: several clusters (sites) in one run, the
//! asynchronous replication between them, site outages and failover.
//!
//! Each site's system is its own cluster and numbers its brokers from
//! `b1`; the engine numbers all brokers together (the network, the
//! processes, the ledger's copies). Calls into a site's system go through
//! [`Sim::call_system`], which turns the engine's ids into the site's and
//! what the system asks for back into the engine's ([`Sim::globalize`]).
//! Clients (the applications) also see only the site they are pointed at.
//!
//! The replicator of a site with `replicate_from` (a federation link
//! for RabbitMQ, a network connector for ActiveMQ, MirrorMaker 2 for
//! Kafka) picks up every message the source site stores, waits `lag_ms`
//! (asynchronous replication) and republishes it, with the same id, into
//! its site through a producer of its own. What is still waiting when the
//! source site goes down stays there; if the site is lost, it never
//! arrives: that is the RPO.

use std::collections::VecDeque;

use super::*;
use crate::client::AnyProducer;
use crate::ids::MsgId;
use crate::ledger::SHARED_STORE_BIT;
use crate::naming::Names;
use crate::scenario::config::{
    ClientConnection, ConnectPolicy, KafkaProducerConfig, ProducerConfig, Site,
};
use crate::systems::System;

/// One replication link: from `source` into `target`, `lag` behind.
#[derive(Clone, Debug)]
pub(super) struct ReplicationLink {
    pub source: u8,
    pub target: u8,
    pub lag_us: u64,
    /// The replicator's producer, among `Sim::producers`.
    pub producer: u16,
    /// Messages picked up at the source: when they may go, and (Kafka) their partition.
    pub waiting: VecDeque<(SimTime, MsgId, u16)>,
    /// A `Replicate` item is queued for this time.
    pub armed_at: Option<SimTime>,
    pub stall_reported: bool,
}

/// The run's sites: where each client points, which sites are down or
/// lost, the replication links, and what RPO and RTO are computed from.
#[derive(Clone, Debug, Default)]
pub(super) struct Sites {
    /// Per client slot (producers, replicators included, then consumers).
    pub client_site: Vec<u8>,
    pub down: Vec<bool>,
    pub lost: Vec<bool>,
    pub links: Vec<ReplicationLink>,
    /// Per message: the sites that ever held a copy (bit per site).
    pub reached: Vec<u8>,
    /// The first outage of the site the applications were using.
    pub outage: Option<(SimTime, u8)>,
    /// The first publish confirmed by another site after that outage.
    pub recovered_at: Option<SimTime>,
    /// Producers below this index are the applications'.
    pub app_producers: u16,
    /// The replicators' producers keep their accounts here, not in the
    /// run's ledger: a copy is not a new publish.
    pub relay_ledger: Ledger,
}

impl Sites {
    pub fn is_relay(&self, producer: usize) -> bool {
        producer >= usize::from(self.app_producers)
    }
}

/// The replicators' producers, one per site with `replicate_from`, and
/// the names the run prints (`None` without sites).
pub(super) fn replicators(
    config: &Config,
    detector: Detector,
    first_id: u16,
) -> (Vec<AnyProducer>, Vec<ReplicationLink>, Option<Arc<Names>>) {
    if !config.has_sites() {
        return (Vec::new(), Vec::new(), None);
    }
    let mut producers = Vec::new();
    let mut links = Vec::new();
    let mut names = Vec::new();
    for (target, site) in config.sites.iter().enumerate() {
        let Some(source) = site.replicate_from else {
            continue;
        };
        let id = ClientId(first_id + producers.len() as u16);
        let (producer, kind) = relay_producer(config, site, id, detector);
        names.push(format!("{}-{kind}", site.name));
        links.push(ReplicationLink {
            source,
            target: target as u8,
            lag_us: site.lag_ms * 1_000,
            producer: id.0,
            waiting: VecDeque::new(),
            armed_at: None,
            stall_reported: false,
        });
        producers.push(producer);
    }
    let names = Names {
        brokers: config.broker_names.clone(),
        app_producers: first_id,
        replicators: names,
    };
    (producers, links, Some(Arc::new(names)))
}

/// The replicator's publishing side, as the real tools configure it:
/// confirms (acks=all, idempotent for MirrorMaker) and retries without end.
fn relay_producer(
    config: &Config,
    site: &Site,
    id: ClientId,
    detector: Detector,
) -> (AnyProducer, &'static str) {
    let all: Vec<BrokerId> = (0..site.count).map(BrokerId).collect();
    let heartbeat = config
        .heartbeat
        .unwrap_or(crate::scenario::config::Heartbeat {
            interval_ms: 30_000,
            timeout_ms: 60_000,
        });
    let policy = match &config.system {
        SystemConfig::ActiveMq(_) => ConnectPolicy::Failover {
            brokers: all.clone(),
            uri: crate::scenario::failover_uri::FailoverUri {
                hosts: (1..=site.count).map(|i| format!("b{i}")).collect(),
                ..Default::default()
            },
        },
        _ => ConnectPolicy::Recovery {
            brokers: all,
            recovery_interval_ms: 5_000,
        },
    };
    let cfg = ProducerConfig {
        rate_per_s: 1,
        count: Some(0),
        start_ms: 0,
        confirms: true,
        persistent: true,
        retries: u32::from(u16::MAX),
        confirm_timeout_ms: 30_000,
        connection: ClientConnection {
            policy,
            connect_timeout_ms: 30_000,
            heartbeat,
        },
        kafka: None,
    };
    let seed = config.seed ^ 0x5eed_0000 ^ u64::from(id.0);
    match &config.system {
        SystemConfig::Kafka(k) => {
            let kafka = KafkaProducerConfig {
                acks: crate::scenario::config::Acks::All,
                idempotent: true,
                delivery_timeout_ms: crate::scenario::MAX_TIMEOUT_MS,
                request_timeout_ms: 30_000,
                max_in_flight: 5,
            };
            let producer = KafkaProducer::new_relay(id, cfg, kafka, k.partitions);
            (AnyProducer::Kafka(Box::new(producer)), "mirrormaker")
        }
        SystemConfig::ActiveMq(_) => (
            AnyProducer::Queue(Box::new(Producer::new_relay(id, cfg, detector, seed))),
            "network-connector",
        ),
        _ => (
            AnyProducer::Queue(Box::new(Producer::new_relay(id, cfg, detector, seed))),
            "federation",
        ),
    }
}

impl Sim {
    /// The run's names (runs with sites), for rendering its trace:
    /// `voice::sentence(entry, sim.names(), lang)`.
    pub fn names(&self) -> Option<&crate::naming::Names> {
        self.names.as_deref()
    }

    /// Broker `b`'s name as people read it (`dr-b1` in a run with sites).
    pub fn broker_name(&self, b: BrokerId) -> String {
        Names::broker(self.names(), b)
    }

    pub(super) fn site(&self, site: u8) -> &Site {
        &self.config.sites[usize::from(site)]
    }

    /// The site of an engine broker id, and the id its site's system knows.
    pub(super) fn local(&self, b: BrokerId) -> (u8, BrokerId) {
        let site = self.config.site_of(b);
        (site, BrokerId(b.0 - self.site(site).base))
    }

    /// An address as a site's system sees it.
    pub(super) fn localize(&self, a: Addr) -> Addr {
        match a {
            Addr::Broker(b) => Addr::Broker(self.local(b).1),
            other => other,
        }
    }

    /// Calls site `site`'s system and turns what it asked for into engine ids.
    pub(super) fn call_system(&mut self, site: u8, f: impl FnOnce(&mut dyn System, &mut Out)) {
        let mark = self.out.actions.len();
        f(self.systems[usize::from(site)].as_dyn(), &mut self.out);
        if site != 0 {
            self.globalize(site, mark);
        }
        if self.config.has_sites() {
            self.pick_up_copies(site, mark);
        }
    }

    /// Actions from `mark` on were written by site `site`'s system in its
    /// own ids: shift them to the engine's. Trace events too, so that a
    /// recorded event needs no context to be read (docs/ARCHITECTURE.md,
    /// "Names").
    fn globalize(&mut self, site: u8, mark: usize) {
        let base = self.site(site).base;
        let up = |a: Addr| match a {
            Addr::Broker(b) => Addr::Broker(BrokerId(b.0 + base)),
            other => other,
        };
        let queues = self.systems[usize::from(site)].as_ref_dyn().queues();
        for action in &mut self.out.actions[mark..] {
            match action {
                Action::Send { from, to, .. } => {
                    *from = up(*from);
                    *to = up(*to);
                }
                Action::Timer { owner, .. } if *owner == Addr::Controller => {
                    // The controller's timers must come back to this site's controller.
                    let Action::Timer {
                        owner,
                        after_us,
                        jitter_us,
                        kind,
                    } = std::mem::replace(
                        action,
                        Action::Halt {
                            broker: BrokerId(0),
                        },
                    )
                    else {
                        unreachable!("matched a timer");
                    };
                    *action = Action::SiteTimer {
                        site,
                        owner,
                        after_us,
                        jitter_us,
                        kind,
                    };
                }
                Action::Timer { owner, .. } => *owner = up(*owner),
                Action::Trace(event) => event.brokers_mut(&mut |b| b.0 += base),
                Action::CopyAdded { holder, .. }
                | Action::CopyStored { holder, .. }
                | Action::CopyDropped { holder, .. }
                | Action::CopyConsumed { holder, .. } => {
                    *holder =
                        ((*holder & !SHARED_STORE_BIT) << base) | (*holder & SHARED_STORE_BIT);
                }
                Action::Leader { queue, broker, .. } => {
                    *queue += u16::from(site) * queues;
                    broker.0 += base;
                }
                Action::Halt { broker } => broker.0 += base,
                Action::SiteTimer { .. } => {}
            }
        }
    }

    /// A client's actions from `mark` on name brokers of the site it is
    /// pointed at, by position: shift them to the engine's ids (a position
    /// the site does not have goes nowhere). Notes the first publish a
    /// standby site confirms after the outage (the RTO).
    pub(super) fn globalize_client(&mut self, client: Addr, mark: usize) {
        if !self.config.has_sites() {
            return;
        }
        let slot = self.client_slot(client);
        let site = self.sites.client_site[slot];
        let Site { base, count, .. } = *self.site(site);
        let is_app_producer =
            matches!(client, Addr::Producer(p) if !self.sites.is_relay(usize::from(p.0)));
        let tail: Vec<Action> = self.out.actions.drain(mark..).collect();
        for action in tail {
            let action = match action {
                Action::Send {
                    to: Addr::Broker(b),
                    ..
                } if b.0 >= count => continue,
                Action::Send {
                    from,
                    to: Addr::Broker(b),
                    payload,
                } => Action::Send {
                    from,
                    to: Addr::Broker(BrokerId(b.0 + base)),
                    payload,
                },
                Action::Trace(mut event) => {
                    if is_app_producer
                        && matches!(event, Event::Confirmed { .. })
                        && self.sites.recovered_at.is_none()
                        && self.sites.outage.is_some_and(|(_, s)| s != site)
                    {
                        self.sites.recovered_at = Some(self.now);
                    }
                    event.brokers_mut(&mut |b| b.0 += base);
                    Action::Trace(event)
                }
                other => other,
            };
            self.out.actions.push(action);
        }
    }

    /// Whether a packet from broker `b` reaches a client pointed at its site.
    pub(super) fn client_hears(&self, client: Addr, b: BrokerId) -> bool {
        !self.config.has_sites()
            || self.sites.client_site[self.client_slot(client)] == self.config.site_of(b)
    }

    /// The site a packet for the controller is meant for.
    pub(super) fn controller_site(&self, from: Addr) -> u8 {
        match from {
            Addr::Broker(b) => self.config.site_of(b),
            Addr::Producer(_) | Addr::Consumer(_) => self.sites.client_site[self.client_slot(from)],
            Addr::Controller => 0,
        }
    }

    /// Every message a site's system stored for the first time there is
    /// picked up by the replicators reading from that site.
    fn pick_up_copies(&mut self, site: u8, mark: usize) {
        let fresh: Vec<MsgId> = self.out.actions[mark..]
            .iter()
            .filter_map(|a| match a {
                Action::CopyAdded { msg, .. } => Some(*msg),
                _ => None,
            })
            .collect();
        for msg in fresh {
            let index = (msg.0 as usize).wrapping_sub(1);
            if index >= self.sites.reached.len() {
                self.sites.reached.resize(index + 1, 0);
            }
            let bit = 1u8 << site;
            if self.sites.reached[index] & bit != 0 {
                continue;
            }
            self.sites.reached[index] |= bit;
            for link in 0..self.sites.links.len() {
                if self.sites.links[link].source == site {
                    self.pick_up(link, msg);
                }
            }
        }
    }

    fn pick_up(&mut self, link: usize, msg: MsgId) {
        let source = self.sites.links[link].source;
        let partition = match &self.systems[usize::from(source)] {
            AnySystem::Kafka(k) => k.partition_of(msg).unwrap_or(0),
            _ => 0,
        };
        let l = &mut self.sites.links[link];
        let due = self.now.after_us(l.lag_us);
        l.waiting.push_back((due, msg, partition));
        if l.armed_at.is_none() {
            l.armed_at = Some(due);
            self.push(due, Item::Replicate(link as u8));
        }
    }

    /// Hands the replicator what is due, unless its source site is down.
    pub(super) fn replicate(&mut self, link: usize) {
        self.sites.links[link].armed_at = None;
        let source = self.sites.links[link].source;
        if self.sites.down[usize::from(source)] || self.sites.lost[usize::from(source)] {
            let l = &mut self.sites.links[link];
            if !l.stall_reported && !l.waiting.is_empty() {
                l.stall_reported = true;
                let event = Event::ReplicationStalled {
                    by: Addr::Producer(ClientId(l.producer)),
                    waiting: l.waiting.len() as u32,
                };
                self.out.trace(event);
            }
            return;
        }
        self.sites.links[link].stall_reported = false;
        let producer = usize::from(self.sites.links[link].producer);
        let client = Addr::Producer(ClientId(producer as u16));
        let mark = self.out.actions.len();
        while let Some(&(due, msg, partition)) = self.sites.links[link].waiting.front() {
            if due > self.now {
                self.sites.links[link].armed_at = Some(due);
                self.push(due, Item::Replicate(link as u8));
                break;
            }
            self.sites.links[link].waiting.pop_front();
            if self.producers[producer].crashed() {
                continue;
            }
            let mut ctx = ClientCtx {
                out: &mut self.out,
                ledger: &mut self.sites.relay_ledger,
                publishing_open: true,
            };
            self.producers[producer].relay(msg, partition, &mut ctx);
        }
        self.globalize_client(client, mark);
    }

    /// The source site is back: what waited there goes now.
    fn resume_links_from(&mut self, site: u8) {
        for link in 0..self.sites.links.len() {
            if self.sites.links[link].source == site && self.sites.links[link].armed_at.is_none() {
                self.sites.links[link].armed_at = Some(self.now);
                self.push(self.now, Item::Replicate(link as u8));
            }
        }
    }

    /// MirrorMaker 2 (`sync.group.offsets.enabled`) translates the consumer
    /// group's committed offsets into the target site's log through its
    /// offset syncs and writes them there, every
    /// `emit.checkpoints.interval.seconds`. (The write itself runs every
    /// `sync.group.offsets.interval.seconds`, 60 s like the checkpoints by
    /// default; the model makes the two one.)
    pub(super) fn checkpoint(&mut self, link: usize) {
        let mirror = self.site(self.sites.links[link].target).mirror;
        self.push(
            self.now.after_ms(mirror.checkpoint_interval_ms),
            Item::Checkpoint(link as u8),
        );
        let ReplicationLink {
            source,
            target,
            producer,
            ..
        } = self.sites.links[link];
        if self.sites.down[usize::from(source)] || self.sites.lost[usize::from(source)] {
            return;
        }
        let (AnySystem::Kafka(from), AnySystem::Kafka(to)) = (
            &self.systems[usize::from(source)],
            &self.systems[usize::from(target)],
        ) else {
            return;
        };
        let translated: Vec<(u16, u64)> = from
            .committed_offsets()
            .into_iter()
            .filter_map(|(p, upstream)| {
                let syncs = to.offset_syncs(from, p, mirror.offset_lag_max);
                Some((
                    p,
                    crate::systems::kafka::translate_downstream(&syncs, upstream)?,
                ))
            })
            .collect();
        let AnySystem::Kafka(to) = &mut self.systems[usize::from(target)] else {
            return;
        };
        for &(p, offset) in &translated {
            to.checkpoint_offset(p, offset);
        }
        let written = translated;
        self.out.trace(Event::OffsetsCheckpointed {
            by: Addr::Producer(ClientId(producer)),
            offsets: written,
        });
    }

    // ----- site faults ------------------------------------------------------------

    pub(super) fn site_down(&mut self, site: u8) {
        if self.sites.lost[usize::from(site)] || self.sites.down[usize::from(site)] {
            return;
        }
        self.note_outage(site);
        self.sites.down[usize::from(site)] = true;
        self.out.trace(Event::SiteDown {
            site: self.site(site).name.clone(),
        });
        for b in self.site(site).brokers() {
            self.crash_broker(b);
        }
    }

    pub(super) fn site_up(&mut self, site: u8) {
        if self.sites.lost[usize::from(site)] || !self.sites.down[usize::from(site)] {
            return;
        }
        self.sites.down[usize::from(site)] = false;
        self.out.trace(Event::SiteUp {
            site: self.site(site).name.clone(),
        });
        for b in self.site(site).brokers() {
            if self.brokers[usize::from(b.0)].status.is_down() {
                self.boot_broker(b);
            }
        }
        self.resume_links_from(site);
    }

    pub(super) fn lose_site(&mut self, site: u8) {
        if self.sites.lost[usize::from(site)] {
            return;
        }
        self.note_outage(site);
        self.sites.lost[usize::from(site)] = true;
        self.out.trace(Event::SiteLost {
            site: self.site(site).name.clone(),
        });
        for b in self.site(site).brokers() {
            self.crash_broker_with_disk(b);
            let local = self.local(b).1;
            self.call_system(site, |s, out| s.lose_disk(local, out));
        }
        // What the replicators had not sent yet is gone with the site.
        for link in &mut self.sites.links {
            if link.source == site {
                link.waiting.clear();
            }
        }
    }

    /// The applications are restarted against `site`: their connections
    /// to the old site are gone; consumers resume from what the new site
    /// knows of their progress.
    pub(super) fn failover_site(&mut self, site: u8) {
        self.out.trace(Event::FailedOver {
            site: self.site(site).name.clone(),
        });
        let apps: Vec<Addr> = (0..self.sites.app_producers)
            .map(|p| Addr::Producer(ClientId(p)))
            .chain((0..self.consumers.len()).map(|c| Addr::Consumer(ClientId(c as u16))))
            .collect();
        for client in apps {
            let slot = self.client_slot(client);
            if self.sites.client_site[slot] == site {
                continue;
            }
            let alive = match client {
                Addr::Producer(p) => !self.producers[usize::from(p.0)].crashed(),
                Addr::Consumer(c) => !self.consumers[usize::from(c.0)].crashed(),
                _ => false,
            };
            self.crash_client(client);
            self.sites.client_site[slot] = site;
            if alive {
                self.restart_client(client);
            }
        }
    }

    /// The first outage of the site the applications are using starts the RTO clock.
    fn note_outage(&mut self, site: u8) {
        if self.sites.outage.is_none() && self.active_site() == site {
            self.sites.outage = Some((self.now, site));
        }
    }

    /// The site the applications use: they start at the first site and
    /// fail over together. (The replicators' producers sit after the
    /// applications' and publish into their own sites.)
    pub(super) fn active_site(&self) -> u8 {
        let first_app = if self.sites.app_producers > 0 {
            0
        } else {
            self.producers.len()
        };
        self.sites.client_site.get(first_app).copied().unwrap_or(0)
    }

    /// Whether a site is down or lost (always false without sites).
    pub(super) fn site_is_out(&self, site: u8) -> bool {
        self.config.has_sites()
            && (self.sites.down[usize::from(site)] || self.sites.lost[usize::from(site)])
    }

    /// Whether a broker's site was destroyed (it never restarts).
    pub(super) fn in_lost_site(&self, b: BrokerId) -> bool {
        self.config.has_sites() && self.sites.lost[usize::from(self.config.site_of(b))]
    }

    /// What a front end draws of the sites (nothing without sites).
    pub(super) fn site_views(&self) -> Vec<crate::view::SiteView> {
        if !self.config.has_sites() {
            return Vec::new();
        }
        let active = self.active_site();
        (0..self.config.sites.len())
            .map(|i| {
                let site = &self.config.sites[i];
                crate::view::SiteView {
                    name: site.name.clone(),
                    status: if self.sites.lost[i] {
                        "lost"
                    } else if self.sites.down[i] {
                        "down"
                    } else {
                        "up"
                    },
                    active: usize::from(active) == i,
                    replicate_from: site
                        .replicate_from
                        .map(|s| self.config.sites[usize::from(s)].name.clone()),
                    lag_ms: site.lag_ms,
                    waiting: self
                        .sites
                        .links
                        .iter()
                        .filter(|l| usize::from(l.target) == i)
                        .map(|l| l.waiting.len() as u32)
                        .sum(),
                }
            })
            .collect()
    }

    /// RTO: from the outage to the first publish a standby site confirmed.
    /// RPO: confirmed messages that never reached a site that survived.
    pub(super) fn rto_rpo(&self) -> (Option<u64>, Option<u64>) {
        if !self.config.has_sites() {
            return (None, None);
        }
        let Some((outage_at, failed)) = self.sites.outage else {
            return (None, Some(0));
        };
        let rto = self.sites.recovered_at.map(|at| at.ms_since(outage_at));
        let survivors: u8 = (0..self.config.sites.len() as u8)
            .filter(|s| *s != failed && !self.sites.lost[usize::from(*s)])
            .fold(0, |mask, s| mask | (1 << s));
        let rpo = self
            .ledger
            .all()
            .iter()
            .enumerate()
            .filter(|(i, life)| {
                life.confirmed_at.is_some_and(|at| at <= outage_at)
                    && self.sites.reached.get(*i).copied().unwrap_or(0) & survivors == 0
            })
            .count() as u64;
        (rto, Some(rpo))
    }
}
