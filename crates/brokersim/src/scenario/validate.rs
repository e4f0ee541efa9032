//! From the written `Scenario` to the typed `Config`: every range, name and
//! combination is checked here, so the engine can trust what it runs.

use std::collections::BTreeSet;

use super::config::*;
use super::failover_uri::parse_failover_uri;
use super::settings::{self, broker_by_name};
use super::*;
use crate::ids::{Addr, BrokerId, ClientId};
use crate::rng::Ratio;

const SYSTEMS: &[&str] = &["rabbitmq-mirrored", "activemq", "rabbitmq-quorum", "kafka"];

pub(crate) fn validate(s: &Scenario) -> Result<Config, ScenarioError> {
    if s.version != 1 {
        return Err(ScenarioError::new(
            "version",
            format!("this simulator reads scenario version 1, got {}", s.version),
        ));
    }
    check_text("title", &s.title)?;
    check_text("description", &s.description)?;
    for (code, text) in &s.translations {
        if Lang::parse(code).is_none_or(|lang| lang.code() != code) {
            return Err(ScenarioError::new(
                format!("translations.{code}"),
                "not a language the page speaks: use \"en\" or \"zh\"",
            ));
        }
        check_text(&format!("translations.{code}.title"), &text.title)?;
        check_text(
            &format!("translations.{code}.description"),
            &text.description,
        )?;
    }
    if s.duration_ms == 0 || s.duration_ms > MAX_DURATION_MS {
        return Err(ScenarioError::new(
            "duration_ms",
            format!(
                "must be between 1 and {MAX_DURATION_MS} ms, got {}",
                s.duration_ms
            ),
        ));
    }
    if !SYSTEMS.contains(&s.system.as_str()) {
        return Err(ScenarioError::new(
            "system",
            format!(
                "unknown system \"{}\" (one of: {})",
                s.system,
                SYSTEMS.join(", ")
            ),
        ));
    }
    let release = super::release::parse(&s.system, s.release.as_deref())?;
    let sites = match (&s.sites, s.brokers) {
        (Some(_), Some(_)) => {
            return Err(ScenarioError::new(
                "sites",
                "give either \"brokers\" or \"sites\", not both",
            ));
        }
        (Some(specs), None) => sites(specs, s.system == "kafka")?,
        (None, None) => {
            return Err(ScenarioError::new(
                "brokers",
                "missing: give the number of brokers (or \"sites\")",
            ));
        }
        (None, Some(n)) if n == 0 || n > MAX_BROKERS => {
            return Err(ScenarioError::new(
                "brokers",
                format!("must be between 1 and {MAX_BROKERS}, got {n}"),
            ));
        }
        (None, Some(n)) => vec![Site {
            name: String::new(),
            base: 0,
            count: n as u16,
            replicate_from: None,
            lag_ms: 0,
            mirror: MirrorOffsets::default(),
        }],
    };
    let broker_count: u16 = sites.iter().map(|site| site.count).sum();
    let site_broker_names = |site: &Site| -> Vec<String> {
        (1..=site.count)
            .map(|i| {
                if site.name.is_empty() {
                    format!("b{i}")
                } else {
                    format!("{}-b{i}", site.name)
                }
            })
            .collect()
    };
    let names: Vec<String> = sites.iter().flat_map(site_broker_names).collect();
    // Clients name the brokers of the site they start at; after a
    // `failover_site` they use the same positions at the other site.
    let client_names = site_broker_names(&sites[0]);
    // Settings apply to every site's cluster alike, which names its brokers
    // by position: the smallest site bounds what they can ask for.
    let cluster_size = sites.iter().map(|site| site.count).min().unwrap_or(1);
    let local_names: Vec<String> = (1..=cluster_size).map(|i| format!("b{i}")).collect();
    let system = match s.system.as_str() {
        "rabbitmq-mirrored" => {
            SystemConfig::Mirrored(settings::parse_mirrored(&s.settings, &local_names)?)
        }
        "activemq" => SystemConfig::ActiveMq(settings::parse_activemq(&s.settings)?),
        "rabbitmq-quorum" => {
            SystemConfig::Quorum(settings::parse_quorum(&s.settings, cluster_size, release)?)
        }
        _ => SystemConfig::Kafka(settings::parse_kafka(&s.settings, cluster_size, release)?),
    };
    let os = settings::parse_os(&s.settings)?;
    let heartbeat = s.heartbeat.as_ref().map(check_heartbeat).transpose()?;
    let (latency_min_us, latency_max_us) = match &s.network.latency_ms {
        None => (1_000, 2_000),
        Some(l) => {
            if l.min > l.max || l.max > MAX_LATENCY_MS {
                return Err(ScenarioError::new(
                    "network.latency_ms",
                    format!(
                        "needs min <= max <= {MAX_LATENCY_MS}, got min {} max {}",
                        l.min, l.max
                    ),
                ));
            }
            (l.min * 1_000, l.max * 1_000)
        }
    };
    let loss = match &s.network.loss {
        None => Ratio::ZERO,
        Some(text) => {
            let ratio = Ratio::parse(text).map_err(|m| ScenarioError::new("network.loss", m))?;
            // A link that loses everything would retransmit forever.
            if ratio.numerator * 2 > ratio.denominator {
                return Err(ScenarioError::new(
                    "network.loss",
                    format!("at most 1/2 of packets can be lost, got {ratio}"),
                ));
            }
            ratio
        }
    };
    let ctx = Ctx {
        names: &names,
        client_names: &client_names,
        sites: &sites,
        system: &system,
        heartbeat,
    };
    if s.producers.len() > MAX_PRODUCERS {
        return Err(ScenarioError::new(
            "producers",
            format!("at most {MAX_PRODUCERS} producers"),
        ));
    }
    if s.consumers.len() > MAX_CONSUMERS {
        return Err(ScenarioError::new(
            "consumers",
            format!("at most {MAX_CONSUMERS} consumers"),
        ));
    }
    let producers = s
        .producers
        .iter()
        .enumerate()
        .map(|(i, p)| ctx.producer(i, p))
        .collect::<Result<Vec<_>, _>>()?;
    let total_rate: u64 = producers.iter().map(|p| u64::from(p.rate_per_s)).sum();
    if total_rate > MAX_TOTAL_RATE_PER_S {
        return Err(ScenarioError::new(
            "producers",
            format!(
                "the producers publish {total_rate} msg/s in all; the limit is {MAX_TOTAL_RATE_PER_S}"
            ),
        ));
    }
    let consumers = s
        .consumers
        .iter()
        .enumerate()
        .map(|(i, c)| ctx.consumer(i, c))
        .collect::<Result<Vec<_>, _>>()?;
    if s.faults.len() > MAX_FAULTS {
        return Err(ScenarioError::new(
            "faults",
            format!("at most {MAX_FAULTS} faults"),
        ));
    }
    let faults = s
        .faults
        .iter()
        .enumerate()
        .map(|(i, f)| ctx.fault(i, f, s.duration_ms, s.producers.len(), s.consumers.len()))
        .collect::<Result<Vec<_>, _>>()?;
    ctx.no_broker_faults_after_site_loss(&faults)?;
    Ok(Config {
        seed: s.seed,
        duration_ms: s.duration_ms,
        broker_count,
        broker_names: names,
        sites,
        system,
        release,
        os,
        heartbeat,
        latency_min_us,
        latency_max_us,
        loss,
        producers,
        consumers,
        faults,
    })
}

fn check_text(path: &str, text: &str) -> Result<(), ScenarioError> {
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ScenarioError::new(
            path,
            format!("at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(())
}

fn check_heartbeat(h: &HeartbeatSpec) -> Result<Heartbeat, ScenarioError> {
    if h.interval_ms == 0 || h.interval_ms > MAX_TIMEOUT_MS {
        return Err(ScenarioError::new(
            "heartbeat.interval_ms",
            format!("must be between 1 and {MAX_TIMEOUT_MS} ms"),
        ));
    }
    if h.timeout_ms < h.interval_ms || h.timeout_ms > MAX_TIMEOUT_MS {
        return Err(ScenarioError::new(
            "heartbeat.timeout_ms",
            format!(
                "must be at least interval_ms ({}) and at most {MAX_TIMEOUT_MS} ms",
                h.interval_ms
            ),
        ));
    }
    Ok(Heartbeat {
        interval_ms: h.interval_ms,
        timeout_ms: h.timeout_ms,
    })
}

fn bounded(
    path: &str,
    value: Option<u64>,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ScenarioError> {
    let v = value.unwrap_or(default);
    if !(min..=max).contains(&v) {
        return Err(ScenarioError::new(
            path,
            format!("must be between {min} and {max}, got {v}"),
        ));
    }
    Ok(v)
}

struct Ctx<'a> {
    /// Every broker, as faults name them.
    names: &'a [String],
    /// The brokers clients name: the first site's.
    client_names: &'a [String],
    sites: &'a [Site],
    system: &'a SystemConfig,
    heartbeat: Option<Heartbeat>,
}

impl Ctx<'_> {
    fn is_activemq(&self) -> bool {
        matches!(self.system, SystemConfig::ActiveMq(_))
    }

    fn is_kafka(&self) -> bool {
        matches!(self.system, SystemConfig::Kafka(_))
    }

    fn producer(&self, i: usize, p: &ProducerSpec) -> Result<ProducerConfig, ScenarioError> {
        let path = |f: &str| format!("producers[{i}].{f}");
        if p.rate_per_s == 0 || p.rate_per_s > MAX_RATE_PER_S {
            return Err(ScenarioError::new(
                path("rate_per_s"),
                format!(
                    "must be between 1 and {MAX_RATE_PER_S}, got {}",
                    p.rate_per_s
                ),
            ));
        }
        let kafka = self.kafka_producer(&path, p)?;
        if self.is_kafka() && (p.confirms.is_some() || p.confirm_timeout_ms.is_some()) {
            return Err(ScenarioError::new(
                path(if p.confirms.is_some() {
                    "confirms"
                } else {
                    "confirm_timeout_ms"
                }),
                "Kafka producers use acks, request_timeout_ms and delivery_timeout_ms",
            ));
        }
        if self.is_activemq() && p.confirms.is_some() {
            return Err(ScenarioError::new(
                path("confirms"),
                "confirms are RabbitMQ publisher confirms; ActiveMQ sends persistent messages synchronously and non-persistent ones asynchronously",
            ));
        }
        let persistent = p.persistent.unwrap_or(true);
        Ok(ProducerConfig {
            rate_per_s: p.rate_per_s,
            count: p.count,
            start_ms: bounded(&path("start_ms"), p.start_ms, 0, 0, MAX_DURATION_MS)?,
            persistent,
            // ActiveMQ's client waits for a receipt for persistent sends only.
            confirms: if self.is_activemq() {
                persistent
            } else {
                p.confirms.unwrap_or(true)
            },
            // Kafka retries until delivery.timeout.ms by default (retries = MAX_INT).
            retries: match (p.retries, self.is_kafka()) {
                (None, true) => u32::MAX,
                (retries, _) => bounded(
                    &path("retries"),
                    retries.map(u64::from),
                    0,
                    0,
                    u64::from(MAX_RETRIES),
                )? as u32,
            },
            confirm_timeout_ms: bounded(
                &path("confirm_timeout_ms"),
                p.confirm_timeout_ms,
                10_000,
                1,
                MAX_TIMEOUT_MS,
            )?,
            connection: self.connection(
                &|f| path(f),
                p.connect.as_ref(),
                p.connect_timeout_ms,
                p.network_recovery_interval_ms,
            )?,
            kafka,
        })
    }

    /// Kafka's producer settings, with Kafka 3.x's rules: idempotence is on
    /// by default but only with `acks=all`; asking for it with other acks is
    /// a configuration error, as in Kafka.
    fn kafka_producer(
        &self,
        path: &dyn Fn(&str) -> String,
        p: &ProducerSpec,
    ) -> Result<Option<KafkaProducerConfig>, ScenarioError> {
        if !self.is_kafka() {
            for (field, present) in [
                ("acks", p.acks.is_some()),
                ("idempotent", p.idempotent.is_some()),
                ("delivery_timeout_ms", p.delivery_timeout_ms.is_some()),
                ("request_timeout_ms", p.request_timeout_ms.is_some()),
                ("max_in_flight", p.max_in_flight.is_some()),
            ] {
                if present {
                    return Err(ScenarioError::new(
                        path(field),
                        format!("{field} is a Kafka producer setting"),
                    ));
                }
            }
            return Ok(None);
        }
        let acks = match p.acks.as_deref() {
            None | Some("all") | Some("-1") => Acks::All,
            Some("1") => Acks::Leader,
            Some("0") => Acks::None,
            Some(other) => {
                return Err(ScenarioError::new(
                    path("acks"),
                    format!("expected \"0\", \"1\" or \"all\", got \"{other}\""),
                ));
            }
        };
        let max_in_flight = bounded(
            &path("max_in_flight"),
            p.max_in_flight.map(u64::from),
            5,
            1,
            100,
        )? as u32;
        let idempotent = match p.idempotent {
            Some(true) if acks != Acks::All => {
                return Err(ScenarioError::new(
                    path("idempotent"),
                    "the idempotent producer needs acks \"all\" (Kafka refuses this configuration)",
                ));
            }
            Some(true) if max_in_flight > 5 => {
                return Err(ScenarioError::new(
                    path("max_in_flight"),
                    "the idempotent producer allows at most 5 requests in flight",
                ));
            }
            Some(true) if p.retries == Some(0) => {
                return Err(ScenarioError::new(
                    path("retries"),
                    "the idempotent producer needs retries > 0",
                ));
            }
            Some(explicit) => explicit,
            // Default true since Kafka 3.0, silently off when acks or retries say otherwise.
            None => acks == Acks::All && max_in_flight <= 5 && p.retries != Some(0),
        };
        let request_timeout_ms = bounded(
            &path("request_timeout_ms"),
            p.request_timeout_ms,
            30_000,
            1,
            MAX_TIMEOUT_MS,
        )?;
        let delivery_timeout_ms = bounded(
            &path("delivery_timeout_ms"),
            p.delivery_timeout_ms,
            120_000,
            1,
            MAX_TIMEOUT_MS,
        )?;
        if delivery_timeout_ms < request_timeout_ms {
            return Err(ScenarioError::new(
                path("delivery_timeout_ms"),
                "must be at least request_timeout_ms (as Kafka requires)",
            ));
        }
        Ok(Some(KafkaProducerConfig {
            acks,
            idempotent,
            delivery_timeout_ms,
            request_timeout_ms,
            max_in_flight,
        }))
    }

    fn kafka_consumer(
        &self,
        path: &dyn Fn(&str) -> String,
        c: &ConsumerSpec,
        ack: AckMode,
    ) -> Result<Option<KafkaConsumerConfig>, ScenarioError> {
        if !self.is_kafka() {
            for (field, present) in [
                ("auto_offset_reset", c.auto_offset_reset.is_some()),
                (
                    "auto_commit_interval_ms",
                    c.auto_commit_interval_ms.is_some(),
                ),
            ] {
                if present {
                    return Err(ScenarioError::new(
                        path(field),
                        format!("{field} is a Kafka consumer setting"),
                    ));
                }
            }
            return Ok(None);
        }
        let reset_earliest = match c.auto_offset_reset.as_deref() {
            None | Some("latest") => false,
            Some("earliest") => true,
            Some(other) => {
                return Err(ScenarioError::new(
                    path("auto_offset_reset"),
                    format!("expected \"earliest\" or \"latest\", got \"{other}\""),
                ));
            }
        };
        Ok(Some(KafkaConsumerConfig {
            reset_earliest,
            auto_commit: ack == AckMode::Auto,
            auto_commit_interval_ms: bounded(
                &path("auto_commit_interval_ms"),
                c.auto_commit_interval_ms,
                5_000,
                1,
                MAX_TIMEOUT_MS,
            )?,
        }))
    }

    fn consumer(&self, i: usize, c: &ConsumerSpec) -> Result<ConsumerConfig, ScenarioError> {
        let path = |f: &str| format!("consumers[{i}].{f}");
        let ack = match c.ack.as_deref() {
            None | Some("manual") => AckMode::Manual,
            Some("auto") => AckMode::Auto,
            Some(other) => {
                return Err(ScenarioError::new(
                    path("ack"),
                    format!("expected \"auto\" or \"manual\", got \"{other}\""),
                ));
            }
        };
        // RabbitMQ: unlimited unless basic.qos is set; ActiveMQ queue prefetch: 1000.
        // Kafka: max.poll.records.
        let default_prefetch = if self.is_activemq() {
            1_000
        } else if self.is_kafka() {
            500
        } else {
            0
        };
        Ok(ConsumerConfig {
            ack,
            prefetch: bounded(
                &path("prefetch"),
                c.prefetch.map(u64::from),
                default_prefetch,
                0,
                u64::from(MAX_PREFETCH),
            )? as u32,
            process_ms: bounded(&path("process_ms"), c.process_ms, 1, 0, 60_000)?,
            start_ms: bounded(&path("start_ms"), c.start_ms, 0, 0, MAX_DURATION_MS)?,
            connection: self.connection(
                &|f| path(f),
                c.connect.as_ref(),
                c.connect_timeout_ms,
                c.network_recovery_interval_ms,
            )?,
            kafka: self.kafka_consumer(&path, c, ack)?,
        })
    }

    fn connection(
        &self,
        path: &dyn Fn(&str) -> String,
        connect: Option<&ConnectSpec>,
        connect_timeout_ms: Option<u64>,
        recovery_ms: Option<u64>,
    ) -> Result<ClientConnection, ScenarioError> {
        let all: Vec<BrokerId> = (0..self.client_names.len() as u16).map(BrokerId).collect();
        let recovery_interval_ms = bounded(
            &path("network_recovery_interval_ms"),
            recovery_ms,
            5_000,
            1,
            MAX_TIMEOUT_MS,
        )?;
        if (self.is_activemq() || self.is_kafka()) && recovery_ms.is_some() {
            return Err(ScenarioError::new(
                path("network_recovery_interval_ms"),
                "this is the RabbitMQ client's recovery delay; ActiveMQ clients use the failover URI's options",
            ));
        }
        let names_to_ids = |list: &[String]| -> Result<Vec<BrokerId>, ScenarioError> {
            if list.is_empty() {
                return Err(ScenarioError::new(
                    path("connect"),
                    "the broker list is empty",
                ));
            }
            let mut ids = Vec::new();
            for (j, name) in list.iter().enumerate() {
                let id = broker_by_name(
                    self.client_names,
                    name,
                    &format!("{}[{j}]", path("connect")),
                )?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Ok(ids)
        };
        let (policy, inactivity) = match (connect, self.is_activemq()) {
            (Some(ConnectSpec::One(text)), true) if text.starts_with("failover:") => {
                let uri =
                    parse_failover_uri(text).map_err(|m| ScenarioError::new(path("connect"), m))?;
                let hosts = names_to_ids(&uri.hosts)?;
                let inactivity = Heartbeat {
                    interval_ms: (uri.max_inactivity_duration_ms / 2).max(1),
                    timeout_ms: uri.max_inactivity_duration_ms.max(1),
                };
                (
                    ConnectPolicy::Failover {
                        brokers: hosts,
                        uri,
                    },
                    Some(inactivity),
                )
            }
            (Some(ConnectSpec::One(text)), _)
                if text.contains("://") || text.starts_with("failover:") =>
            {
                return Err(ScenarioError::new(
                    path("connect"),
                    if self.is_activemq() {
                        format!("expected a broker name (b1) or a failover URI, got \"{text}\"")
                    } else {
                        format!(
                            "expected a broker name or a list of them; failover URIs are ActiveMQ's, got \"{text}\""
                        )
                    },
                ));
            }
            (Some(ConnectSpec::One(name)), true) => (
                ConnectPolicy::Single(names_to_ids(std::slice::from_ref(name))?[0]),
                None,
            ),
            (Some(ConnectSpec::Many(_)), true) => {
                return Err(ScenarioError::new(
                    path("connect"),
                    "ActiveMQ clients take one broker name or a failover URI such as \"failover:(tcp://b1:61616,tcp://b2:61616)\"",
                ));
            }
            (None, true) => (
                ConnectPolicy::Failover {
                    brokers: all.clone(),
                    uri: super::failover_uri::FailoverUri {
                        hosts: self.client_names.to_vec(),
                        ..Default::default()
                    },
                },
                None,
            ),
            (Some(ConnectSpec::One(name)), false) => (
                ConnectPolicy::Recovery {
                    brokers: names_to_ids(std::slice::from_ref(name))?,
                    recovery_interval_ms,
                },
                None,
            ),
            (Some(ConnectSpec::Many(list)), false) => (
                ConnectPolicy::Recovery {
                    brokers: names_to_ids(list)?,
                    recovery_interval_ms,
                },
                None,
            ),
            (None, false) => (
                ConnectPolicy::Recovery {
                    brokers: all,
                    recovery_interval_ms,
                },
                None,
            ),
        };
        // AMQP heartbeat: 60 s timeout, frames every 30 s; ActiveMQ inactivity
        // monitor: 30 s (from the URI). The scenario's `heartbeat` overrides both.
        let system_default = if self.is_activemq() {
            inactivity.unwrap_or(Heartbeat {
                interval_ms: 15_000,
                timeout_ms: 30_000,
            })
        } else {
            Heartbeat {
                interval_ms: 30_000,
                timeout_ms: 60_000,
            }
        };
        let default_connect_timeout = if self.is_activemq() {
            30_000
        } else if self.is_kafka() {
            // socket.connection.setup.timeout.ms
            10_000
        } else {
            60_000
        };
        Ok(ClientConnection {
            policy,
            connect_timeout_ms: bounded(
                &path("connect_timeout_ms"),
                connect_timeout_ms,
                default_connect_timeout,
                1,
                MAX_TIMEOUT_MS,
            )?,
            heartbeat: self.heartbeat.unwrap_or(system_default),
        })
    }

    fn target(
        &self,
        text: &str,
        path: &str,
        producers: usize,
        consumers: usize,
    ) -> Result<Addr, ScenarioError> {
        let client = |prefix: char, count: usize| -> Option<Result<u16, ScenarioError>> {
            let rest = text.strip_prefix(prefix)?;
            let n: usize = rest.parse().ok()?;
            Some(if n >= 1 && n <= count {
                Ok((n - 1) as u16)
            } else {
                Err(ScenarioError::new(
                    path,
                    format!("unknown client \"{text}\" (there are {count} of that kind)"),
                ))
            })
        };
        if let Some(p) = client('p', producers) {
            return Ok(Addr::Producer(ClientId(p?)));
        }
        if let Some(c) = client('c', consumers) {
            return Ok(Addr::Consumer(ClientId(c?)));
        }
        broker_by_name(self.names, text, path).map(Addr::Broker)
    }

    fn fault(
        &self,
        i: usize,
        f: &FaultSpec,
        duration_ms: u64,
        producers: usize,
        consumers: usize,
    ) -> Result<Fault, ScenarioError> {
        let path = |k: &str| format!("faults[{i}].{k}");
        if f.at_ms > duration_ms {
            return Err(ScenarioError::new(
                path("at_ms"),
                format!(
                    "{} is after the end of the fault phase (duration_ms {duration_ms})",
                    f.at_ms
                ),
            ));
        }
        let mut kinds: Vec<&str> = Vec::new();
        let mut mark = |present: bool, name: &'static str| {
            if present {
                kinds.push(name);
            }
        };
        mark(f.crash.is_some(), "crash");
        mark(f.kill.is_some(), "kill");
        mark(f.stop.is_some(), "stop");
        mark(f.restart.is_some(), "restart");
        mark(f.pause.is_some(), "pause");
        mark(f.lose_disk.is_some(), "lose_disk");
        mark(f.partition.is_some(), "partition");
        mark(f.heal.is_some(), "heal");
        mark(f.slow_link.is_some(), "slow_link");
        mark(f.site_down.is_some(), "site_down");
        mark(f.site_up.is_some(), "site_up");
        mark(f.lose_site.is_some(), "lose_site");
        mark(f.failover_site.is_some(), "failover_site");
        let kind_name = match kinds.as_slice() {
            [one] => *one,
            [] => {
                return Err(ScenarioError::new(
                    format!("faults[{i}]"),
                    "no fault kind: give one of crash, kill, stop, restart, pause, lose_disk, partition, heal, slow_link, site_down, site_up, lose_site, failover_site",
                ));
            }
            many => {
                return Err(ScenarioError::new(
                    format!("faults[{i}]"),
                    format!("one fault kind per entry, got {}", many.join(" and ")),
                ));
            }
        };
        if f.for_ms.is_some() && kind_name != "pause" {
            return Err(ScenarioError::new(
                path("for_ms"),
                "for_ms goes with pause only",
            ));
        }
        let target = |value: &Option<String>, k: &str| {
            self.target(
                value.as_deref().unwrap_or(""),
                &path(k),
                producers,
                consumers,
            )
        };
        let broker = |value: &Option<String>, k: &str| {
            broker_by_name(self.names, value.as_deref().unwrap_or(""), &path(k))
        };
        let kind = match kind_name {
            "crash" => FaultKind::Crash(target(&f.crash, "crash")?),
            "kill" => FaultKind::Kill(target(&f.kill, "kill")?),
            "stop" => FaultKind::Stop(target(&f.stop, "stop")?),
            "restart" => FaultKind::Restart(target(&f.restart, "restart")?),
            "lose_disk" => FaultKind::LoseDisk(broker(&f.lose_disk, "lose_disk")?),
            "pause" => {
                let for_ms = f.for_ms.ok_or_else(|| {
                    ScenarioError::new(
                        path("for_ms"),
                        "pause needs for_ms: how long the broker is frozen",
                    )
                })?;
                if for_ms == 0 || for_ms > MAX_DURATION_MS {
                    return Err(ScenarioError::new(
                        path("for_ms"),
                        format!("must be between 1 and {MAX_DURATION_MS} ms"),
                    ));
                }
                FaultKind::Pause {
                    broker: broker(&f.pause, "pause")?,
                    for_ms,
                }
            }
            "partition" => {
                let (groups, controller_group) =
                    self.groups(f.partition.as_deref().unwrap_or(&[]), &path("partition"))?;
                FaultKind::Partition {
                    groups,
                    controller_group,
                }
            }
            "heal" => {
                if f.heal != Some(true) {
                    return Err(ScenarioError::new(path("heal"), "write \"heal\": true"));
                }
                FaultKind::Heal
            }
            "slow_link" => {
                let spec = f
                    .slow_link
                    .as_ref()
                    .ok_or_else(|| ScenarioError::new(path("slow_link"), "missing"))?;
                let [a, b] = spec.between.as_slice() else {
                    return Err(ScenarioError::new(
                        path("slow_link.between"),
                        "name exactly two brokers",
                    ));
                };
                let a = broker_by_name(self.names, a, &path("slow_link.between[0]"))?;
                let b = broker_by_name(self.names, b, &path("slow_link.between[1]"))?;
                if a == b {
                    return Err(ScenarioError::new(
                        path("slow_link.between"),
                        "a link joins two different brokers",
                    ));
                }
                if spec.latency_ms > MAX_LATENCY_MS {
                    return Err(ScenarioError::new(
                        path("slow_link.latency_ms"),
                        format!("at most {MAX_LATENCY_MS} ms"),
                    ));
                }
                FaultKind::SlowLink {
                    a,
                    b,
                    latency_ms: spec.latency_ms,
                }
            }
            "site_down" => FaultKind::SiteDown(self.site(&f.site_down, &path("site_down"))?),
            "site_up" => FaultKind::SiteUp(self.site(&f.site_up, &path("site_up"))?),
            "lose_site" => FaultKind::LoseSite(self.site(&f.lose_site, &path("lose_site"))?),
            _ => FaultKind::FailoverSite(self.site(&f.failover_site, &path("failover_site"))?),
        };
        if let FaultKind::Stop(Addr::Producer(_)) = kind {
            return Err(ScenarioError::new(
                path("stop"),
                "producers can crash, be killed and restart; stop applies to brokers and consumers",
            ));
        }
        Ok(Fault {
            at_ms: f.at_ms,
            kind,
        })
    }

    /// A site lost for good never returns: a fault on one of its brokers
    /// after the loss (later, or later in the list at the same time) could
    /// do nothing, so it is refused rather than silently kept.
    fn no_broker_faults_after_site_loss(&self, faults: &[Fault]) -> Result<(), ScenarioError> {
        // Each lost site's first loss: (at_ms, index).
        let mut lost: Vec<Option<(u64, usize)>> = vec![None; self.sites.len()];
        for (i, fault) in faults.iter().enumerate() {
            if let FaultKind::LoseSite(site) = fault.kind
                && let Some(slot) = lost.get_mut(usize::from(site))
                && slot.is_none()
            {
                *slot = Some((fault.at_ms, i));
            }
        }
        for (i, fault) in faults.iter().enumerate() {
            for (b, field) in broker_targets(&fault.kind) {
                let Some((site_index, site)) =
                    self.sites.iter().enumerate().find(|(_, s)| s.contains(b))
                else {
                    continue;
                };
                if let Some((lost_at, loss)) = lost[site_index]
                    && (fault.at_ms, i) > (lost_at, loss)
                {
                    let name = self.names.get(usize::from(b.0)).map_or("", String::as_str);
                    return Err(ScenarioError::new(
                        format!("faults[{i}].{field}"),
                        format!(
                            "{name} belongs to site {}, lost for good at {lost_at} ms",
                            site.name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// A site named by a site fault.
    fn site(&self, name: &Option<String>, path: &str) -> Result<u8, ScenarioError> {
        let name = name.as_deref().unwrap_or("");
        if self.sites[0].name.is_empty() {
            return Err(ScenarioError::new(
                path,
                "site faults need disaster-recovery \"sites\" instead of \"brokers\"",
            ));
        }
        self.sites
            .iter()
            .position(|site| site.name == name)
            .map(|i| i as u8)
            .ok_or_else(|| {
                let known: Vec<&str> = self.sites.iter().map(|s| s.name.as_str()).collect();
                ScenarioError::new(
                    path,
                    format!("unknown site \"{name}\" (sites: {})", known.join(", ")),
                )
            })
    }

    /// The partition's groups, and which of them holds Kafka's controller
    /// when a group names `"controller"`.
    fn groups(
        &self,
        groups: &[Vec<String>],
        path: &str,
    ) -> Result<(Vec<Vec<BrokerId>>, Option<u8>), ScenarioError> {
        if groups.is_empty() {
            return Err(ScenarioError::new(
                path,
                "a partition needs a group of brokers, e.g. [[\"b1\"], [\"b2\", \"b3\"]] or [[\"b1\"]] (the brokers not named form the other side)",
            ));
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        let mut controller_group = None;
        for (g, group) in groups.iter().enumerate() {
            if group.is_empty() {
                return Err(ScenarioError::new(
                    format!("{path}[{g}]"),
                    "a group needs at least one broker",
                ));
            }
            let mut ids = Vec::new();
            for (j, name) in group.iter().enumerate() {
                let p = format!("{path}[{g}][{j}]");
                if name == "controller" && self.is_kafka() {
                    if controller_group.replace(g as u8).is_some() {
                        return Err(ScenarioError::new(p, "the controller is in two groups"));
                    }
                    continue;
                }
                let id = broker_by_name(self.names, name, &p)?;
                if !seen.insert(id) {
                    return Err(ScenarioError::new(p, format!("{name} is in two groups")));
                }
                ids.push(id);
            }
            out.push(ids);
        }
        // One group cuts it from the brokers not named: there must be some.
        if out.len() == 1 && seen.len() == self.names.len() {
            return Err(ScenarioError::new(
                path,
                "this group holds every broker, so nothing is cut off: leave some out (they form the other side) or name two groups",
            ));
        }
        Ok((out, controller_group))
    }
}

/// The brokers a fault acts on, each with the field that names it
/// (partitions cut links rather than act on brokers, and are left out).
fn broker_targets(kind: &FaultKind) -> Vec<(BrokerId, &'static str)> {
    match *kind {
        FaultKind::Crash(Addr::Broker(b)) => vec![(b, "crash")],
        FaultKind::Kill(Addr::Broker(b)) => vec![(b, "kill")],
        FaultKind::Stop(Addr::Broker(b)) => vec![(b, "stop")],
        FaultKind::Restart(Addr::Broker(b)) => vec![(b, "restart")],
        FaultKind::Pause { broker, .. } => vec![(broker, "pause")],
        FaultKind::LoseDisk(b) => vec![(b, "lose_disk")],
        FaultKind::SlowLink { a, b, .. } => {
            vec![(a, "slow_link.between[0]"), (b, "slow_link.between[1]")]
        }
        _ => Vec::new(),
    }
}

/// The scenario's `sites`, checked, with each site's brokers placed after
/// the previous site's.
fn sites(specs: &[SiteSpec], kafka: bool) -> Result<Vec<Site>, ScenarioError> {
    if !(2..=MAX_SITES).contains(&specs.len()) {
        return Err(ScenarioError::new(
            "sites",
            format!(
                "give between 2 and {MAX_SITES} sites, e.g. [{{\"name\": \"primary\", \"brokers\": 3}}, {{\"name\": \"dr\", \"brokers\": 3, \"replicate_from\": \"primary\"}}]"
            ),
        ));
    }
    let mut out: Vec<Site> = Vec::new();
    let mut base: u32 = 0;
    for (i, spec) in specs.iter().enumerate() {
        let path = |f: &str| format!("sites[{i}].{f}");
        let name_ok = !spec.name.is_empty()
            && spec.name.len() <= 16
            && spec
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !name_ok || spec.name == "controller" {
            return Err(ScenarioError::new(
                path("name"),
                format!(
                    "a site's name is 1 to 16 lowercase letters, digits or _, got \"{}\"",
                    spec.name
                ),
            ));
        }
        if specs[..i].iter().any(|other| other.name == spec.name) {
            return Err(ScenarioError::new(
                path("name"),
                format!("two sites are named \"{}\"", spec.name),
            ));
        }
        if spec.brokers == 0 || base + spec.brokers > MAX_BROKERS {
            return Err(ScenarioError::new(
                path("brokers"),
                format!(
                    "every site needs at least one broker, and all sites together at most {MAX_BROKERS}"
                ),
            ));
        }
        let replicate_from = match &spec.replicate_from {
            None => None,
            Some(source) => {
                let Some(j) = specs.iter().position(|other| &other.name == source) else {
                    return Err(ScenarioError::new(
                        path("replicate_from"),
                        format!("unknown site \"{source}\""),
                    ));
                };
                if j == i {
                    return Err(ScenarioError::new(
                        path("replicate_from"),
                        "a site cannot replicate from itself",
                    ));
                }
                if specs[j].replicate_from.is_some() {
                    return Err(ScenarioError::new(
                        path("replicate_from"),
                        format!(
                            "\"{source}\" itself replicates from another site; replicate from a site that takes the applications' writes"
                        ),
                    ));
                }
                Some(j as u8)
            }
        };
        if replicate_from.is_none() && spec.lag_ms.is_some() {
            return Err(ScenarioError::new(
                path("lag_ms"),
                "lag_ms goes with replicate_from",
            ));
        }
        let lag_ms = bounded(&path("lag_ms"), spec.lag_ms, 1_000, 0, MAX_LATENCY_MS)?;
        let mirror = mirror_offsets(spec, replicate_from.is_some(), kafka, &path)?;
        out.push(Site {
            name: spec.name.clone(),
            base: base as u16,
            count: spec.brokers as u16,
            replicate_from,
            lag_ms,
            mirror,
        });
        base += spec.brokers;
    }
    if out[0].replicate_from.is_some() {
        return Err(ScenarioError::new(
            "sites[0].replicate_from",
            "the first site is where the applications start: it takes their writes and replicates from nothing",
        ));
    }
    Ok(out)
}

/// A site's MirrorMaker 2 offset settings: only on a site that replicates
/// from another, and only between Kafka clusters.
fn mirror_offsets(
    spec: &SiteSpec,
    replicates: bool,
    kafka: bool,
    path: &dyn Fn(&str) -> String,
) -> Result<MirrorOffsets, ScenarioError> {
    let given = [
        (
            "sync.group.offsets.enabled",
            spec.sync_group_offsets_enabled.is_some(),
        ),
        (
            "emit.checkpoints.interval.seconds",
            spec.emit_checkpoints_interval_seconds.is_some(),
        ),
        ("offset.lag.max", spec.offset_lag_max.is_some()),
    ];
    for (name, is_given) in given {
        if is_given && !kafka {
            return Err(ScenarioError::new(
                path(name),
                format!("{name} is a MirrorMaker 2 setting: it goes with system kafka"),
            ));
        }
        if is_given && !replicates {
            return Err(ScenarioError::new(
                path(name),
                format!("{name} goes with replicate_from: it configures the flow into this site"),
            ));
        }
    }
    let defaults = MirrorOffsets::default();
    let interval_s = bounded(
        &path("emit.checkpoints.interval.seconds"),
        spec.emit_checkpoints_interval_seconds,
        defaults.checkpoint_interval_ms / 1_000,
        1,
        MAX_TIMEOUT_MS / 1_000,
    )?;
    Ok(MirrorOffsets {
        sync_group_offsets: spec
            .sync_group_offsets_enabled
            .unwrap_or(defaults.sync_group_offsets),
        checkpoint_interval_ms: interval_s * 1_000,
        offset_lag_max: bounded(
            &path("offset.lag.max"),
            spec.offset_lag_max,
            defaults.offset_lag_max,
            0,
            MAX_OFFSET_LAG_MAX,
        )?,
    })
}

/// A limit on `offset.lag.max` (MirrorMaker accepts any long; a larger
/// value than any run's log means "one sync only").
const MAX_OFFSET_LAG_MAX: u64 = 1_000_000_000;
