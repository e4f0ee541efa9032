//! Producers and consumers: the applications that use the brokers, with the
//! client library's connection handling (`link`): RabbitMQ's automatic
//! recovery over an address list, ActiveMQ's failover transport with its
//! exponential back-off, or a plain connection that gives up.

mod consumer;
pub mod ctx;
mod handling;
mod kafka;
mod link;
mod producer;
mod schedule;
pub mod timer;

pub use consumer::Consumer;
pub use ctx::ClientCtx;
pub use kafka::{KafkaConsumer, KafkaProducer};
pub use link::{Link, LinkState};
pub use producer::Producer;
pub use timer::ClientTimer;

use crate::ids::Addr;
use crate::ids::MsgId;
use crate::time::SimTime;
use crate::view::ClientView;
use crate::wire::Payload;

/// A producer of whichever protocol the system speaks.
#[derive(Clone, Debug)]
pub enum AnyProducer {
    /// AMQP 0-9-1 (RabbitMQ) or OpenWire (ActiveMQ).
    Queue(Box<Producer>),
    Kafka(Box<KafkaProducer>),
}

impl AnyProducer {
    pub fn start_ms(&self) -> u64 {
        match self {
            AnyProducer::Queue(p) => p.start_ms(),
            AnyProducer::Kafka(p) => p.start_ms(),
        }
    }

    pub fn crashed(&self) -> bool {
        match self {
            AnyProducer::Queue(p) => p.crashed,
            AnyProducer::Kafka(p) => p.crashed,
        }
    }

    pub fn is_idle(&self) -> bool {
        match self {
            AnyProducer::Queue(p) => p.is_idle(),
            AnyProducer::Kafka(p) => p.is_idle(),
        }
    }

    pub fn view(&self, now: SimTime) -> ClientView {
        match self {
            AnyProducer::Queue(p) => p.view(now),
            AnyProducer::Kafka(p) => p.view(now),
        }
    }

    pub fn on_timer(&mut self, timer: ClientTimer, ctx: &mut ClientCtx) {
        match self {
            AnyProducer::Queue(p) => p.on_timer(timer, ctx),
            AnyProducer::Kafka(p) => p.on_timer(timer, ctx),
        }
    }

    pub fn on_packet(&mut self, from: Addr, payload: Payload, ctx: &mut ClientCtx) {
        match self {
            AnyProducer::Queue(p) => {
                if let Some(broker) = from.broker() {
                    p.on_packet(broker, payload, ctx);
                }
            }
            AnyProducer::Kafka(p) => p.on_packet(from, payload, ctx),
        }
    }

    /// Hands a cross-site replicator a message to republish (Kafka: into
    /// `partition`).
    pub fn relay(&mut self, msg: MsgId, partition: u16, ctx: &mut ClientCtx) {
        match self {
            AnyProducer::Queue(p) => p.relay(msg, ctx),
            AnyProducer::Kafka(p) => p.relay(msg, partition, ctx),
        }
    }

    pub fn crash(&mut self) {
        match self {
            AnyProducer::Queue(p) => p.crash(),
            AnyProducer::Kafka(p) => p.crash(),
        }
    }

    /// The process dies on a live machine: its OS closes its connection
    /// first. Kafka's producer holds no session a broker would end.
    pub fn kill(&mut self, ctx: &mut ClientCtx) {
        match self {
            AnyProducer::Queue(p) => {
                p.link.os_close(ctx.out);
                p.crash();
            }
            AnyProducer::Kafka(p) => p.crash(),
        }
    }

    pub fn restart(&mut self, ctx: &mut ClientCtx) {
        match self {
            AnyProducer::Queue(p) => p.restart(ctx),
            AnyProducer::Kafka(p) => p.restart(ctx),
        }
    }
}

/// A consumer of whichever protocol the system speaks.
#[derive(Clone, Debug)]
pub enum AnyConsumer {
    Queue(Box<Consumer>),
    Kafka(Box<KafkaConsumer>),
}

impl AnyConsumer {
    /// Kafka: the next offset the consumer will read on a partition; queue
    /// consumers have no position.
    pub fn read_position(&self, partition: u16) -> Option<u64> {
        match self {
            AnyConsumer::Queue(_) => None,
            AnyConsumer::Kafka(c) => c.read_position(partition),
        }
    }

    pub fn start_ms(&self) -> u64 {
        match self {
            AnyConsumer::Queue(c) => c.start_ms(),
            AnyConsumer::Kafka(c) => c.start_ms(),
        }
    }

    pub fn crashed(&self) -> bool {
        match self {
            AnyConsumer::Queue(c) => c.crashed,
            AnyConsumer::Kafka(c) => c.crashed,
        }
    }

    pub fn is_idle(&self, now: SimTime) -> bool {
        match self {
            AnyConsumer::Queue(c) => c.is_idle(),
            AnyConsumer::Kafka(c) => c.is_idle(now),
        }
    }

    pub fn view(&self, now: SimTime) -> ClientView {
        match self {
            AnyConsumer::Queue(c) => c.view(now),
            AnyConsumer::Kafka(c) => c.view(now),
        }
    }

    pub fn on_timer(&mut self, timer: ClientTimer, ctx: &mut ClientCtx) {
        match self {
            AnyConsumer::Queue(c) => c.on_timer(timer, ctx),
            AnyConsumer::Kafka(c) => c.on_timer(timer, ctx),
        }
    }

    pub fn on_packet(&mut self, from: Addr, payload: Payload, ctx: &mut ClientCtx) {
        match self {
            AnyConsumer::Queue(c) => {
                if let Some(broker) = from.broker() {
                    c.on_packet(broker, payload, ctx);
                }
            }
            AnyConsumer::Kafka(c) => c.on_packet(from, payload, ctx),
        }
    }

    pub fn crash(&mut self, ctx: &mut ClientCtx) {
        match self {
            AnyConsumer::Queue(c) => c.crash(ctx),
            AnyConsumer::Kafka(c) => c.crash(),
        }
    }

    /// The process dies on a live machine: its OS closes its connection,
    /// so the broker closes the channel and requeues its unacknowledged
    /// messages at once. Kafka's group coordinator does not act on a
    /// closed connection: it waits `session.timeout.ms`, as after a crash.
    pub fn kill(&mut self, ctx: &mut ClientCtx) {
        match self {
            AnyConsumer::Queue(c) => {
                c.link.os_close(ctx.out);
                c.crash(ctx);
            }
            AnyConsumer::Kafka(c) => c.crash(),
        }
    }

    pub fn stop(&mut self, ctx: &mut ClientCtx) {
        match self {
            AnyConsumer::Queue(c) => c.stop(ctx),
            AnyConsumer::Kafka(c) => c.stop(ctx),
        }
    }

    pub fn restart(&mut self, ctx: &mut ClientCtx) {
        match self {
            AnyConsumer::Queue(c) => c.restart(ctx),
            AnyConsumer::Kafka(c) => c.restart(ctx),
        }
    }
}
