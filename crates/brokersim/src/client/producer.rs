//! A publishing application. It wants to send `rate_per_s` messages a second
//! from `start_ms` until the fault phase ends (or `count` messages).
//!
//! - RabbitMQ publisher confirms are asynchronous: many messages may await
//!   their confirm. An unconfirmed message whose confirm times out, is
//!   nacked, or whose connection dies is in doubt: with `retries` left the
//!   application publishes it again (a possible duplicate), otherwise it
//!   stays indeterminate. A publish on a closed connection fails at once.
//! - ActiveMQ sends persistent messages synchronously: the application
//!   thread blocks until the broker's receipt, so one message is in flight.
//!   Non-persistent ones are sent asynchronously with no receipt. While the
//!   failover transport reconnects a send blocks (`timeout=-1`) or fails
//!   after `timeout`; the transport itself resends what was in flight.

use std::collections::{BTreeMap, VecDeque};

use super::ctx::ClientCtx;
use super::link::{Link, LinkChange};
use super::schedule::Schedule;
use super::timer::ClientTimer;
use crate::ids::{Addr, BrokerId, ClientId, MsgId};
use crate::out::TimerKind;
use crate::scenario::config::ProducerConfig;
use crate::time::SimTime;
use crate::trace::{Detector, Event};
use crate::wire::Payload;

const MAX_IN_FLIGHT_ASYNC: usize = 10_000;
/// How long the application waits before republishing a message that timed
/// out, was refused, or could not be sent.
pub const RETRY_DELAY_MS: u64 = 1_000;

#[derive(Clone, Debug)]
pub struct Producer {
    pub id: ClientId,
    cfg: ProducerConfig,
    pub link: Link,
    schedule: Schedule,
    /// Messages waiting for a connection: (message, attempt it will be).
    outbox: VecDeque<(MsgId, u16)>,
    /// Sent and awaiting a confirm or receipt, with their attempt number.
    pending: BTreeMap<MsgId, u16>,
    /// Confirm deadlines in the order they fall (the timeout is the same
    /// for every send, so sending order is deadline order).
    deadlines: VecDeque<(SimTime, MsgId, u16)>,
    deadline_timer_armed: bool,
    pub crashed: bool,
    /// A cross-site replicator (federation link, network
    /// connector): it republishes the messages it is handed, never new ones.
    relay: Option<VecDeque<MsgId>>,
}

impl Producer {
    pub fn new(id: ClientId, cfg: ProducerConfig, detector: Detector, seed: u64) -> Producer {
        let link = Link::new(Addr::Producer(id), cfg.connection.clone(), detector, seed);
        Producer {
            id,
            schedule: Schedule::new(cfg.rate_per_s, cfg.count),
            cfg,
            link,
            outbox: VecDeque::new(),
            pending: BTreeMap::new(),
            deadlines: VecDeque::new(),
            deadline_timer_armed: false,
            crashed: false,
            relay: None,
        }
    }

    /// A replicator publishing into a site: it republishes what it is
    /// handed (`relay`), retrying until each message is confirmed.
    pub fn new_relay(id: ClientId, cfg: ProducerConfig, detector: Detector, seed: u64) -> Producer {
        Producer {
            relay: Some(VecDeque::new()),
            ..Producer::new(id, cfg, detector, seed)
        }
    }

    /// Hands a replicator one more message to republish.
    pub fn relay(&mut self, msg: MsgId, ctx: &mut ClientCtx) {
        if let Some(inbox) = &mut self.relay {
            inbox.push_back(msg);
            self.pump(ctx);
        }
    }

    /// The next message to send for the first time: a new one off the
    /// schedule, or a replicator's next message.
    fn next_new(&mut self, ctx: &mut ClientCtx) -> Option<MsgId> {
        match &mut self.relay {
            Some(inbox) => inbox.pop_front(),
            None => self.schedule.take().then(|| self.create(ctx)),
        }
    }

    fn me(&self) -> Addr {
        Addr::Producer(self.id)
    }

    pub fn start_ms(&self) -> u64 {
        self.cfg.start_ms
    }

    pub fn view(&self, now: crate::time::SimTime) -> crate::view::ClientView {
        self.link.view(
            self.me(),
            now,
            self.crashed,
            self.unconfirmed(),
            self.schedule.backlog(),
        )
    }

    /// In flight plus waiting: drawn beside the producer.
    pub fn unconfirmed(&self) -> u32 {
        (self.pending.len() + self.outbox.len()) as u32
    }

    pub fn backlog(&self) -> u32 {
        self.schedule.backlog()
    }

    /// Nothing left to do: no backlog, nothing unconfirmed that it could
    /// still resolve.
    pub fn is_idle(&self) -> bool {
        self.crashed
            || self.link.is_dead()
            || (self.schedule.backlog() == 0
                && self.pending.is_empty()
                && self.outbox.is_empty()
                && self.relay.as_ref().is_none_or(VecDeque::is_empty))
    }

    fn max_in_flight(&self) -> usize {
        if self.link.replays_in_flight()
            || matches!(
                self.cfg.connection.policy,
                crate::scenario::config::ConnectPolicy::Single(_)
            )
        {
            // ActiveMQ: a persistent send blocks for its receipt.
            if self.cfg.persistent {
                1
            } else {
                MAX_IN_FLIGHT_ASYNC
            }
        } else {
            MAX_IN_FLIGHT_ASYNC
        }
    }

    pub fn on_timer(&mut self, timer: ClientTimer, ctx: &mut ClientCtx) {
        match timer {
            ClientTimer::Start => self.link.begin(ctx.out),
            ClientTimer::PublishTick => self.tick(ctx),
            ClientTimer::ConnectTimeout(conn) => self.link.on_connect_timeout(conn, ctx.out),
            ClientTimer::Reconnect(seq) => self.link.on_reconnect_timer(seq, ctx.out),
            ClientTimer::Heartbeat(conn) => {
                if self.link.on_heartbeat_timer(conn, ctx.out) == LinkChange::Lost {
                    self.on_link_lost(ctx);
                }
            }
            ClientTimer::ConfirmDeadline => {
                self.deadline_timer_armed = false;
                self.expire_confirms(ctx);
                self.pump(ctx);
            }
            ClientTimer::SendTimeout { msg } => {
                if let Some(pos) = self.outbox.iter().position(|(m, _)| *m == msg) {
                    let (_, attempt) = self.outbox.remove(pos).unwrap_or((msg, 1));
                    self.fail_unsent(msg, attempt, ctx);
                }
            }
            ClientTimer::Retry { msg, attempt } => {
                self.outbox.push_back((msg, attempt));
                self.pump(ctx);
            }
            ClientTimer::ProcessDone | ClientTimer::KafkaTick => {}
        }
    }

    /// Gives up waiting for confirms whose deadline has passed.
    fn expire_confirms(&mut self, ctx: &mut ClientCtx) {
        let now = ctx.out.now;
        while let Some(&(deadline, msg, attempt)) = self.deadlines.front() {
            if deadline > now {
                break;
            }
            self.deadlines.pop_front();
            if self.pending.get(&msg) != Some(&attempt) {
                continue;
            }
            self.pending.remove(&msg);
            let will_retry = attempt <= self.cfg.retries as u16;
            ctx.out.trace(Event::ConfirmTimedOut { msg, will_retry });
            if will_retry {
                self.retry_later(msg, attempt + 1, ctx);
            }
        }
        self.arm_deadline_timer(ctx);
    }

    fn arm_deadline_timer(&mut self, ctx: &mut ClientCtx) {
        if self.deadline_timer_armed {
            return;
        }
        if let Some(&(deadline, _, _)) = self.deadlines.front() {
            self.deadline_timer_armed = true;
            let after = deadline.0.saturating_sub(ctx.out.now.0);
            ctx.out.timer_us(
                self.me(),
                after,
                TimerKind::Client(ClientTimer::ConfirmDeadline),
            );
        }
    }

    fn retry_later(&mut self, msg: MsgId, attempt: u16, ctx: &mut ClientCtx) {
        ctx.out.timer(
            self.me(),
            RETRY_DELAY_MS,
            TimerKind::Client(ClientTimer::Retry { msg, attempt }),
        );
    }

    fn tick(&mut self, ctx: &mut ClientCtx) {
        self.schedule.tick(self.me(), ctx.publishing_open, ctx.out);
        self.pump(ctx);
    }

    /// Sends what can be sent: first the outbox, then new messages.
    fn pump(&mut self, ctx: &mut ClientCtx) {
        let max = self.max_in_flight();
        if let Some((broker, conn)) = self.link.conn() {
            while self.pending.len() < max {
                let Some((msg, attempt)) = self.outbox.pop_front() else {
                    break;
                };
                self.send(broker, conn, msg, attempt, ctx);
            }
            while self.pending.len() < max && self.outbox.is_empty() {
                let Some(msg) = self.next_new(ctx) else { break };
                self.send(broker, conn, msg, 1, ctx);
            }
            return;
        }
        if self.relay.is_some() {
            // A replicator holds its messages until it is connected again.
            return;
        }
        if self.link.sends_block()
            || !self.outbox.is_empty() && self.link.send_timeout_ms().is_some()
        {
            // The application thread is blocked inside send().
            return;
        }
        while self.schedule.take() {
            let msg = self.create(ctx);
            match self.link.send_timeout_ms() {
                Some(timeout_ms) => {
                    // The failover transport holds the send until it reconnects or times out.
                    self.outbox.push_back((msg, 1));
                    ctx.out.timer(
                        self.me(),
                        timeout_ms,
                        TimerKind::Client(ClientTimer::SendTimeout { msg }),
                    );
                    return;
                }
                None => self.fail_unsent(msg, 1, ctx),
            }
        }
    }

    /// A new message, taken off the schedule's backlog by the caller.
    fn create(&self, ctx: &mut ClientCtx) -> MsgId {
        ctx.ledger.publish_new(self.id.0, ctx.out.now)
    }

    /// A publish that could not go out: the application sees an error.
    fn fail_unsent(&mut self, msg: MsgId, attempt: u16, ctx: &mut ClientCtx) {
        ctx.ledger.attempt(msg);
        let will_retry = attempt <= self.cfg.retries as u16;
        ctx.out.trace(Event::Unsent { msg, will_retry });
        if will_retry {
            self.retry_later(msg, attempt + 1, ctx);
        } else {
            ctx.ledger.reject(msg, ctx.out.now);
        }
    }

    fn send(&mut self, broker: BrokerId, conn: u32, msg: MsgId, attempt: u16, ctx: &mut ClientCtx) {
        ctx.ledger.attempt(msg);
        ctx.out.trace(Event::Published {
            msg,
            producer: self.me(),
            attempt,
        });
        let confirm = self.cfg.confirms;
        ctx.out.send(
            self.me(),
            Addr::Broker(broker),
            Payload::Publish {
                conn,
                msg,
                persistent: self.cfg.persistent,
                confirm,
            },
        );
        if confirm {
            self.pending.insert(msg, attempt);
            // RabbitMQ's application gives up waiting after a timeout; an
            // ActiveMQ synchronous send blocks until its receipt or until
            // the connection fails (JMS sendTimeout 0).
            if self.link.is_rabbitmq_recovery() {
                let deadline = ctx.out.now.after_ms(self.cfg.confirm_timeout_ms);
                self.deadlines.push_back((deadline, msg, attempt));
                self.arm_deadline_timer(ctx);
            }
        }
    }

    pub fn on_packet(&mut self, from: BrokerId, payload: Payload, ctx: &mut ClientCtx) {
        let (mine, change) = self.link.on_packet(from, &payload, ctx.out);
        match change {
            LinkChange::Connected => {
                // The application starts publishing once it is connected.
                self.schedule.start(self.me(), ctx.out);
                self.pump(ctx);
            }
            LinkChange::Lost => self.on_link_lost(ctx),
            LinkChange::None => {}
        }
        if !mine {
            return;
        }
        match payload {
            Payload::Confirm { msg, .. } if self.pending.remove(&msg).is_some() => {
                ctx.ledger.confirm(msg, ctx.out.now);
                ctx.out.trace(if self.relay.is_some() {
                    Event::Replicated { msg, by: self.me() }
                } else {
                    Event::Confirmed { msg }
                });
                self.pump(ctx);
            }
            Payload::Nack { msg, .. } => {
                if let Some(attempt) = self.pending.remove(&msg) {
                    let will_retry = attempt <= self.cfg.retries as u16;
                    ctx.out.trace(Event::Nacked { msg, will_retry });
                    if will_retry {
                        self.retry_later(msg, attempt + 1, ctx);
                    } else {
                        ctx.ledger.reject(msg, ctx.out.now);
                    }
                    self.pump(ctx);
                }
            }
            _ => {}
        }
    }

    fn on_link_lost(&mut self, ctx: &mut ClientCtx) {
        let pending = std::mem::take(&mut self.pending);
        for (msg, attempt) in pending {
            if self.link.replays_in_flight() {
                // ActiveMQ's failover transport resends the request itself.
                self.outbox.push_back((msg, attempt));
            } else if attempt <= self.cfg.retries as u16 {
                self.outbox.push_back((msg, attempt + 1));
            }
            // Otherwise the message stays in doubt: indeterminate.
        }
        if self.link.is_dead() {
            let waiting: Vec<_> = self.outbox.drain(..).collect();
            for (msg, _) in waiting {
                ctx.ledger.reject(msg, ctx.out.now);
            }
        }
        self.pump(ctx);
    }

    /// The application process dies: everything in memory is gone.
    pub fn crash(&mut self) {
        self.crashed = true;
        self.link.reset();
        self.pending.clear();
        self.deadlines.clear();
        self.deadline_timer_armed = false;
        self.outbox.clear();
        self.schedule.reset();
    }

    pub fn restart(&mut self, ctx: &mut ClientCtx) {
        // A new process: it connects first, then publishes on a new schedule.
        self.crashed = false;
        self.link.begin(ctx.out);
    }
}
