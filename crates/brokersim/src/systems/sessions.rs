//! The broker's side of client connections: which client is connected on
//! which connection number, and the heartbeat (AMQP) or inactivity monitor
//! (OpenWire) that notices a client gone silent.

use std::collections::BTreeMap;

use crate::ids::{Addr, BrokerId};
use crate::out::{Out, TimerKind};
use crate::time::SimTime;
use crate::trace::{Detector, Event};
use crate::wire::Payload;

use crate::systems::timer::SysTimer;

#[derive(Clone, Debug)]
struct Session {
    last_heard: SimTime,
    interval_ms: u64,
    timeout_ms: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Sessions {
    /// Keyed by client and connection: a client that reconnects has a new
    /// session while the broker may still hold its old one.
    open: BTreeMap<(Addr, u32), Session>,
}

impl Sessions {
    pub fn open(
        &mut self,
        me: BrokerId,
        client: Addr,
        conn: u32,
        interval_ms: u32,
        timeout_ms: u32,
        out: &mut Out,
    ) {
        self.open.insert(
            (client, conn),
            Session {
                last_heard: out.now,
                interval_ms: u64::from(interval_ms.max(1)),
                timeout_ms: u64::from(timeout_ms.max(1)),
            },
        );
        out.send(Addr::Broker(me), client, Payload::ConnectOk { conn });
        out.timer(
            Addr::Broker(me),
            u64::from(interval_ms.max(1)),
            TimerKind::System(SysTimer::Session { client, conn }),
        );
    }

    /// What every broker does first with a client's packet: a `Connect` is
    /// accepted when the broker is `listening` (else refused: nothing
    /// listens on its port), and any other client traffic is checked
    /// against the open sessions, an unknown connection answered with a
    /// TCP reset. Returns the connection of traffic the system handles
    /// itself, `None` when nothing is left to do.
    pub fn admit(
        &mut self,
        me: BrokerId,
        client: Addr,
        payload: &Payload,
        listening: bool,
        out: &mut Out,
    ) -> Option<u32> {
        let conn = match *payload {
            Payload::Connect {
                conn,
                heartbeat_interval_ms,
                heartbeat_timeout_ms,
            } => {
                if listening {
                    self.open(
                        me,
                        client,
                        conn,
                        heartbeat_interval_ms,
                        heartbeat_timeout_ms,
                        out,
                    );
                } else {
                    out.send(Addr::Broker(me), client, Payload::ConnectRefused { conn });
                }
                return None;
            }
            Payload::Publish { conn, .. }
            | Payload::Subscribe { conn, .. }
            | Payload::Ack { conn, .. }
            | Payload::ClientHeartbeat { conn }
            | Payload::Close { conn }
            | Payload::SocketClosed { conn } => conn,
            _ => return None,
        };
        if !self.heard(client, conn, out.now) {
            out.send(Addr::Broker(me), client, Payload::Reset { conn });
            return None;
        }
        Some(conn)
    }

    /// Notes traffic from a client; false when the connection is unknown
    /// (the broker restarted since, or closed it), which the host answers
    /// with a TCP reset.
    pub fn heard(&mut self, client: Addr, conn: u32, now: SimTime) -> bool {
        match self.open.get_mut(&(client, conn)) {
            Some(s) => {
                s.last_heard = now;
                true
            }
            None => false,
        }
    }

    pub fn is_open(&self, client: Addr, conn: u32) -> bool {
        self.open.contains_key(&(client, conn))
    }

    pub fn close(&mut self, client: Addr, conn: u32) {
        self.open.remove(&(client, conn));
    }

    /// The heartbeat check; returns the client when it is declared gone.
    pub fn check(
        &mut self,
        me: BrokerId,
        client: Addr,
        conn: u32,
        detector: Detector,
        out: &mut Out,
    ) -> Option<Addr> {
        let s = self.open.get(&(client, conn))?;
        let silent_ms = out.now.ms_since(s.last_heard);
        if silent_ms >= s.timeout_ms {
            out.trace(Event::DeclaredDown {
                observer: Addr::Broker(me),
                target: client,
                silent_ms,
                timeout_ms: s.timeout_ms,
                by: detector,
            });
            self.open.remove(&(client, conn));
            return Some(client);
        }
        let interval = s.interval_ms;
        out.send(Addr::Broker(me), client, Payload::BrokerHeartbeat { conn });
        out.timer(
            Addr::Broker(me),
            interval,
            TimerKind::System(SysTimer::Session { client, conn }),
        );
        None
    }

    /// Graceful close of every connection (broker stopping or pausing).
    pub fn close_all(&mut self, me: BrokerId, out: &mut Out) {
        for (client, conn) in std::mem::take(&mut self.open).into_keys() {
            out.send(Addr::Broker(me), client, Payload::Closed { conn });
        }
    }

    /// The process was killed and its host lives: the OS closes every
    /// connection it held, and each client sees it at once.
    pub fn os_close_all(&mut self, me: BrokerId, out: &mut Out) {
        for (client, conn) in std::mem::take(&mut self.open).into_keys() {
            out.send(Addr::Broker(me), client, Payload::SocketClosed { conn });
        }
    }

    pub fn count(&self) -> u32 {
        self.open.len() as u32
    }
}
