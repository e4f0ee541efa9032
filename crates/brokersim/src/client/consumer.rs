//! A consuming application: it subscribes with a prefetch, handles one
//! message at a time for `process_ms`, and acknowledges it afterwards
//! (`manual`) or not at all (`auto`: RabbitMQ considers a message
//! acknowledged the moment it is sent, so whatever sits in the consumer's
//! buffer dies with it). ActiveMQ's JMS AUTO_ACKNOWLEDGE acknowledges after
//! the application returns, so there both modes acknowledge after handling.

use super::ctx::ClientCtx;
use super::handling::Handling;
use super::link::{Link, LinkChange};
use super::timer::ClientTimer;
use crate::ids::{Addr, BrokerId, ClientId, MsgId};
use crate::scenario::config::{AckMode, ConsumerConfig};
use crate::trace::{Detector, DropWhy, Event};
use crate::wire::Payload;

#[derive(Clone, Debug)]
pub struct Consumer {
    pub id: ClientId,
    cfg: ConsumerConfig,
    pub link: Link,
    /// Broker-side auto-ack (RabbitMQ `auto`); ActiveMQ acks after handling.
    broker_auto_ack: bool,
    /// Received, not yet handled: (message, redelivered, connection).
    /// Received, not handled yet: (message, redelivered, connection).
    handling: Handling<(MsgId, bool, u32)>,
    pub crashed: bool,
}

impl Consumer {
    pub fn new(
        id: ClientId,
        cfg: ConsumerConfig,
        detector: Detector,
        rabbitmq: bool,
        seed: u64,
    ) -> Consumer {
        let link = Link::new(Addr::Consumer(id), cfg.connection.clone(), detector, seed);
        Consumer {
            id,
            broker_auto_ack: rabbitmq && cfg.ack == AckMode::Auto,
            handling: Handling::new(cfg.process_ms),
            cfg,
            link,
            crashed: false,
        }
    }

    fn me(&self) -> Addr {
        Addr::Consumer(self.id)
    }

    pub fn start_ms(&self) -> u64 {
        self.cfg.start_ms
    }

    pub fn view(&self, now: crate::time::SimTime) -> crate::view::ClientView {
        self.link
            .view(self.me(), now, self.crashed, self.buffered(), 0)
    }

    pub fn buffered(&self) -> u32 {
        self.handling.len()
    }

    pub fn is_idle(&self) -> bool {
        self.handling.is_empty()
    }

    pub fn on_timer(&mut self, timer: ClientTimer, ctx: &mut ClientCtx) {
        match timer {
            ClientTimer::Start => self.link.begin(ctx.out),
            ClientTimer::ConnectTimeout(conn) => self.link.on_connect_timeout(conn, ctx.out),
            ClientTimer::Reconnect(seq) => self.link.on_reconnect_timer(seq, ctx.out),
            ClientTimer::Heartbeat(conn)
                if self.link.on_heartbeat_timer(conn, ctx.out) == LinkChange::Lost =>
            {
                self.on_link_lost(ctx);
            }
            ClientTimer::ProcessDone => self.finish_one(ctx),
            _ => {}
        }
    }

    pub fn on_packet(&mut self, from: BrokerId, payload: Payload, ctx: &mut ClientCtx) {
        let (mine, change) = self.link.on_packet(from, &payload, ctx.out);
        match change {
            LinkChange::Connected => {
                if let Some((broker, conn)) = self.link.conn() {
                    ctx.out.send(
                        self.me(),
                        Addr::Broker(broker),
                        Payload::Subscribe {
                            conn,
                            prefetch: self.cfg.prefetch,
                            auto_ack: self.broker_auto_ack,
                        },
                    );
                }
            }
            LinkChange::Lost => self.on_link_lost(ctx),
            LinkChange::None => {}
        }
        if let Payload::Deliver {
            conn,
            msg,
            redelivered,
        } = payload
        {
            if mine {
                let me = self.me();
                self.handling.receive((msg, redelivered, conn), me, ctx.out);
            } else {
                // A delivery on a connection this consumer no longer has
                // (it restarted): nobody will handle it.
                ctx.ledger.delivery_lost(msg, ctx.out.now);
            }
        }
    }

    fn finish_one(&mut self, ctx: &mut ClientCtx) {
        let me = self.me();
        let Some((msg, redelivered, conn)) = self.handling.finish(me, ctx.out) else {
            return;
        };
        ctx.ledger.deliver(msg, redelivered, ctx.out.now);
        ctx.out.trace(Event::Delivered {
            msg,
            consumer: self.me(),
            redelivered,
        });
        if !self.broker_auto_ack
            && let Some((broker, live)) = self.link.conn()
            && live == conn
        {
            ctx.out
                .send(self.me(), Addr::Broker(broker), Payload::Ack { conn, msg });
        }
    }

    /// Received but unhandled messages are gone: the broker requeues what
    /// it still counts as unacknowledged; auto-acked ones have no other copy.
    fn lose(&self, dropped: Vec<(MsgId, bool, u32)>, ctx: &mut ClientCtx) {
        if self.broker_auto_ack {
            for (msg, _, _) in dropped {
                ctx.out.copy_dropped(msg, 0, DropWhy::ConsumerDied);
            }
        }
    }

    fn on_link_lost(&mut self, ctx: &mut ClientCtx) {
        // The message in hand is still handled; its ack cannot be sent.
        let dropped = self.handling.drop_waiting();
        self.lose(dropped, ctx);
    }

    pub fn crash(&mut self, ctx: &mut ClientCtx) {
        let dropped = self.handling.drop_all();
        self.lose(dropped, ctx);
        self.crashed = true;
        self.link.reset();
    }

    /// Graceful close: the broker requeues unacknowledged messages at once.
    pub fn stop(&mut self, ctx: &mut ClientCtx) {
        self.link.close(ctx.out);
        let dropped = self.handling.drop_all();
        self.lose(dropped, ctx);
        self.crashed = true;
    }

    pub fn restart(&mut self, ctx: &mut ClientCtx) {
        self.crashed = false;
        self.link.reset();
        self.link.begin(ctx.out);
    }
}
