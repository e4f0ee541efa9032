//! A client's connection to the cluster and what it does when it dies.
//!
//! - `Recovery` follows the RabbitMQ Java client's automatic recovery: after
//!   a connection is lost, wait `network_recovery_interval` (5 s), then try
//!   the address list in order; repeat forever.
//! - `Failover` follows ActiveMQ's `failover:` transport: on failure try the
//!   hosts at once (shuffled when `randomize=true`); when a whole pass fails
//!   wait `initialReconnectDelay`, doubling up to `maxReconnectDelay`; give up
//!   after `maxReconnectAttempts` passes (-1: never).
//! - `Single` is a plain `tcp://` connection: when it dies, it stays dead.
//!
//! A connection attempt to a host that does not answer (crashed, paused)
//! waits the connect timeout; one to a live host where nothing listens is
//! refused at once. Once up, the link sends heartbeats and declares the
//! broker dead after its timeout of silence (AMQP heartbeat or ActiveMQ's
//! inactivity monitor).

use crate::ids::{Addr, BrokerId};
use crate::out::{Out, TimerKind};
use crate::rng::SimRng;
use crate::scenario::config::{ClientConnection, ConnectPolicy, Heartbeat};
use crate::time::SimTime;
use crate::trace::{Detector, Event, LinkLoss};
use crate::view::{ClientState, ClientView};
use crate::wire::Payload;

use super::timer::ClientTimer;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Idle,
    Connecting {
        broker: BrokerId,
        conn: u32,
    },
    Up {
        broker: BrokerId,
        conn: u32,
    },
    /// Waiting before the next pass over the hosts, until `until`.
    Backoff {
        until: SimTime,
    },
    /// Gave up (plain connection lost, or reconnect attempts exhausted).
    Dead,
}

#[derive(Clone, Debug)]
pub struct Link {
    me: Addr,
    conn_cfg: ClientConnection,
    detector: Detector,
    pub state: LinkState,
    conn_seq: u32,
    last_heard: SimTime,
    pass: Vec<BrokerId>,
    pass_pos: usize,
    failed_passes: u32,
    ever_connected: bool,
    rng: SimRng,
}

/// What a link event means for the client that owns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkChange {
    None,
    Connected,
    Lost,
}

impl Link {
    pub fn new(me: Addr, conn_cfg: ClientConnection, detector: Detector, seed: u64) -> Link {
        Link {
            me,
            conn_cfg,
            detector,
            state: LinkState::Idle,
            conn_seq: 0,
            last_heard: SimTime::ZERO,
            pass: Vec::new(),
            pass_pos: 0,
            failed_passes: 0,
            ever_connected: false,
            rng: SimRng::seeded(seed),
        }
    }

    pub fn conn(&self) -> Option<(BrokerId, u32)> {
        match self.state {
            LinkState::Up { broker, conn } => Some((broker, conn)),
            _ => None,
        }
    }

    pub fn is_up(&self) -> bool {
        matches!(self.state, LinkState::Up { .. })
    }

    pub fn is_dead(&self) -> bool {
        self.state == LinkState::Dead
    }

    /// Milliseconds since the broker was last heard from (0 when not connected).
    pub fn silent_ms(&self, now: SimTime) -> u64 {
        if self.is_up() {
            now.ms_since(self.last_heard)
        } else {
            0
        }
    }

    /// How the client looks in the view.
    pub fn view(
        &self,
        me: Addr,
        now: SimTime,
        crashed: bool,
        outstanding: u32,
        backlog: u32,
    ) -> ClientView {
        ClientView {
            name: me.to_string(),
            connected_to: self.conn().map(|(b, _)| b),
            state: match (crashed, self.state) {
                (true, _) => ClientState::Crashed,
                (false, LinkState::Idle) => ClientState::Idle,
                (false, LinkState::Connecting { .. }) => ClientState::Connecting,
                (false, LinkState::Up { .. }) => ClientState::Connected,
                (false, LinkState::Backoff { .. }) => ClientState::WaitingToReconnect,
                (false, LinkState::Dead) => ClientState::GaveUp,
            },
            outstanding,
            backlog,
            reconnect_at: match self.state {
                LinkState::Backoff { until } if !crashed => Some(until),
                _ => None,
            },
            silent_ms: self.silent_ms(now),
            timeout_ms: self.conn_cfg.heartbeat.timeout_ms,
        }
    }

    pub fn heartbeat(&self) -> Heartbeat {
        self.conn_cfg.heartbeat
    }

    /// ActiveMQ's failover transport with `timeout=-1`: sends wait for a
    /// connection instead of failing.
    pub fn sends_block(&self) -> bool {
        matches!(&self.conn_cfg.policy, ConnectPolicy::Failover { uri, .. } if uri.send_timeout_ms().is_none())
    }

    /// ActiveMQ's failover transport with `timeout` ≥ 0: how long a send may wait.
    pub fn send_timeout_ms(&self) -> Option<u64> {
        match &self.conn_cfg.policy {
            ConnectPolicy::Failover { uri, .. } => uri.send_timeout_ms(),
            _ => None,
        }
    }

    /// A RabbitMQ client (automatic recovery over an address list).
    pub fn is_rabbitmq_recovery(&self) -> bool {
        matches!(self.conn_cfg.policy, ConnectPolicy::Recovery { .. })
    }

    /// ActiveMQ's failover transport resends requests that were in flight
    /// when the connection died; other clients leave that to the application.
    pub fn replays_in_flight(&self) -> bool {
        matches!(self.conn_cfg.policy, ConnectPolicy::Failover { .. })
    }

    /// The client's process was killed on a live machine: its OS closes
    /// the connection, and the broker sees it at once. The caller then
    /// forgets everything (`reset`).
    pub fn os_close(&mut self, out: &mut Out) {
        if let LinkState::Up { broker, conn } = self.state {
            out.send(
                self.me,
                Addr::Broker(broker),
                Payload::SocketClosed { conn },
            );
        }
    }

    /// Forgets everything: the client process died.
    pub fn reset(&mut self) {
        self.state = LinkState::Idle;
        self.failed_passes = 0;
        self.ever_connected = false;
    }

    /// Starts a pass over the hosts.
    pub fn begin(&mut self, out: &mut Out) {
        self.pass = self.conn_cfg.policy.brokers().to_vec();
        if let ConnectPolicy::Failover { uri, .. } = &self.conn_cfg.policy
            && uri.randomize
        {
            // Fisher–Yates with the client's own seeded stream.
            for i in (1..self.pass.len()).rev() {
                let j = self.rng.index(i as u32 + 1) as usize;
                self.pass.swap(i, j);
            }
        }
        self.pass_pos = 0;
        self.try_next(out);
    }

    fn try_next(&mut self, out: &mut Out) {
        if let Some(&broker) = self.pass.get(self.pass_pos) {
            self.conn_seq += 1;
            let conn = self.conn_seq;
            self.state = LinkState::Connecting { broker, conn };
            let hb = self.conn_cfg.heartbeat;
            out.send(
                self.me,
                Addr::Broker(broker),
                Payload::Connect {
                    conn,
                    heartbeat_interval_ms: hb.interval_ms as u32,
                    heartbeat_timeout_ms: hb.timeout_ms as u32,
                },
            );
            out.timer(
                self.me,
                self.conn_cfg.connect_timeout_ms,
                TimerKind::Client(ClientTimer::ConnectTimeout(conn)),
            );
            return;
        }
        self.pass_failed(out);
    }

    fn pass_failed(&mut self, out: &mut Out) {
        self.failed_passes += 1;
        let delay_ms = match &self.conn_cfg.policy {
            ConnectPolicy::Single(_) => None,
            ConnectPolicy::Recovery {
                recovery_interval_ms,
                ..
            } => Some(*recovery_interval_ms),
            ConnectPolicy::Failover { uri, .. } => uri
                .may_retry(self.failed_passes, self.ever_connected)
                .then(|| uri.reconnect_delay_ms(self.failed_passes - 1)),
        };
        match delay_ms {
            None => self.give_up(out),
            Some(delay_ms) => self.back_off(delay_ms, out),
        }
    }

    fn back_off(&mut self, delay_ms: u64, out: &mut Out) {
        self.state = LinkState::Backoff {
            until: out.now.after_ms(delay_ms),
        };
        out.trace(Event::ReconnectIn {
            client: self.me,
            delay_ms,
            // Numbered from 1: the attempt this delay leads to.
            attempt: self.failed_passes + 1,
        });
        out.timer(
            self.me,
            delay_ms,
            TimerKind::Client(ClientTimer::Reconnect(self.conn_seq)),
        );
    }

    fn give_up(&mut self, out: &mut Out) {
        self.state = LinkState::Dead;
        out.trace(Event::GaveUp {
            client: self.me,
            attempts: self.failed_passes,
        });
    }

    pub fn on_reconnect_timer(&mut self, seq: u32, out: &mut Out) {
        if seq == self.conn_seq && matches!(self.state, LinkState::Backoff { .. }) {
            self.begin(out);
        }
    }

    pub fn on_connect_timeout(&mut self, conn: u32, out: &mut Out) {
        if let LinkState::Connecting { broker, conn: c } = self.state
            && c == conn
        {
            out.trace(Event::ConnectFailed {
                client: self.me,
                broker,
                refused: false,
            });
            self.pass_pos += 1;
            self.try_next(out);
        }
    }

    pub fn on_heartbeat_timer(&mut self, conn: u32, out: &mut Out) -> LinkChange {
        let LinkState::Up { broker, conn: c } = self.state else {
            return LinkChange::None;
        };
        if c != conn {
            return LinkChange::None;
        }
        let hb = self.conn_cfg.heartbeat;
        let silent_ms = out.now.ms_since(self.last_heard);
        if silent_ms >= hb.timeout_ms {
            out.trace(Event::DeclaredDown {
                observer: self.me,
                target: Addr::Broker(broker),
                silent_ms,
                timeout_ms: hb.timeout_ms,
                by: self.detector,
            });
            self.lost(LinkLoss::Silent, out);
            return LinkChange::Lost;
        }
        out.send(
            self.me,
            Addr::Broker(broker),
            Payload::ClientHeartbeat { conn },
        );
        out.timer(
            self.me,
            hb.interval_ms,
            TimerKind::Client(ClientTimer::Heartbeat(conn)),
        );
        LinkChange::None
    }

    /// Handles the link-level part of a packet from a broker; the caller
    /// handles the rest when this returns `true` (the packet belongs to the
    /// live connection).
    pub fn on_packet(
        &mut self,
        from: BrokerId,
        payload: &Payload,
        out: &mut Out,
    ) -> (bool, LinkChange) {
        let conn = match payload {
            Payload::ConnectOk { conn }
            | Payload::ConnectRefused { conn }
            | Payload::Reset { conn }
            | Payload::SocketClosed { conn }
            | Payload::Confirm { conn, .. }
            | Payload::Nack { conn, .. }
            | Payload::Deliver { conn, .. }
            | Payload::BrokerHeartbeat { conn }
            | Payload::Closed { conn } => *conn,
            _ => return (false, LinkChange::None),
        };
        match (self.state, payload) {
            (LinkState::Connecting { broker, conn: c }, Payload::ConnectOk { .. })
                if c == conn && broker == from =>
            {
                self.state = LinkState::Up { broker, conn };
                self.last_heard = out.now;
                self.ever_connected = true;
                self.failed_passes = 0;
                out.trace(Event::Connected {
                    client: self.me,
                    broker,
                });
                out.timer(
                    self.me,
                    self.conn_cfg.heartbeat.interval_ms,
                    TimerKind::Client(ClientTimer::Heartbeat(conn)),
                );
                (false, LinkChange::Connected)
            }
            (
                LinkState::Connecting { broker, conn: c },
                Payload::ConnectRefused { .. }
                | Payload::Reset { .. }
                | Payload::SocketClosed { .. },
            ) if c == conn && broker == from => {
                out.trace(Event::ConnectFailed {
                    client: self.me,
                    broker,
                    refused: true,
                });
                self.pass_pos += 1;
                self.try_next(out);
                (false, LinkChange::None)
            }
            (LinkState::Up { broker, conn: c }, _) if c == conn && broker == from => {
                match payload {
                    Payload::Reset { .. } => {
                        self.lost(LinkLoss::Reset, out);
                        (false, LinkChange::Lost)
                    }
                    Payload::SocketClosed { .. } => {
                        self.lost(LinkLoss::ProcessKilled, out);
                        (false, LinkChange::Lost)
                    }
                    Payload::Closed { .. } => {
                        self.lost(LinkLoss::ClosedByBroker, out);
                        (false, LinkChange::Lost)
                    }
                    _ => {
                        self.last_heard = out.now;
                        (true, LinkChange::None)
                    }
                }
            }
            _ => (false, LinkChange::None),
        }
    }

    /// The connection died; reconnect according to the policy.
    fn lost(&mut self, why: LinkLoss, out: &mut Out) {
        let LinkState::Up { broker, .. } = self.state else {
            return;
        };
        out.trace(Event::ConnectionLost {
            client: self.me,
            broker,
            why,
        });
        match &self.conn_cfg.policy {
            ConnectPolicy::Single(_) => self.give_up(out),
            ConnectPolicy::Recovery {
                recovery_interval_ms,
                ..
            } => {
                let delay = *recovery_interval_ms;
                self.back_off(delay, out);
            }
            ConnectPolicy::Failover { .. } => self.begin(out),
        }
    }

    /// The application closes its connection cleanly.
    pub fn close(&mut self, out: &mut Out) {
        if let LinkState::Up { broker, conn } = self.state {
            out.send(self.me, Addr::Broker(broker), Payload::Close { conn });
        }
        self.state = LinkState::Idle;
    }
}
