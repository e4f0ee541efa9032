//! The node a client is connected to: it routes publishes, subscriptions
//! and acks to the master, and tells it when a consumer's connection ends.

use super::*;

impl Mirrored {
    // ----- clients ---------------------------------------------------------------------------

    pub(super) fn on_client(&mut self, x: BrokerId, client: Addr, payload: Payload, out: &mut Out) {
        // A stopped RabbitMQ application has closed its listener.
        let listening = !self.nodes[usize::from(x.0)].process.app.paused;
        let Some(conn) = self
            .node(x)
            .process
            .sessions
            .admit(x, client, &payload, listening, out)
        else {
            return;
        };
        let is_master = matches!(
            self.nodes[usize::from(x.0)].process.role,
            QueueRole::Master(_)
        );
        let master = self.nodes[usize::from(x.0)]
            .process
            .app
            .master
            .map(|(m, _)| m)
            .filter(|m| self.in_cluster(x, *m));
        match payload {
            Payload::Publish {
                msg,
                persistent,
                confirm,
                ..
            } => {
                if is_master {
                    let origin = Origin {
                        client,
                        conn,
                        via: x,
                    };
                    self.master_publish(
                        x,
                        origin,
                        Publish {
                            msg,
                            persistent,
                            confirm,
                        },
                        out,
                    );
                } else if let Some(m) = master {
                    self.send(
                        x,
                        m,
                        PeerMsg::Forward {
                            client,
                            conn,
                            msg,
                            persistent,
                            confirm,
                        },
                        out,
                    );
                } else if confirm {
                    // No master anywhere this node can see: the queue is unavailable.
                    out.send(me(x), client, Payload::Nack { conn, msg });
                }
            }
            Payload::Subscribe {
                prefetch, auto_ack, ..
            } => {
                self.node(x)
                    .process
                    .app
                    .local_subs
                    .insert(client, (conn, prefetch, auto_ack));
                if is_master {
                    if let QueueRole::Master(m) = &mut self.node(x).process.role {
                        m.queue.subscribe(client, conn, prefetch, auto_ack, x);
                    }
                    self.dispatch(x, out);
                } else if let Some(m) = master {
                    self.send(
                        x,
                        m,
                        PeerMsg::SubscribeVia {
                            client,
                            conn,
                            prefetch,
                            auto_ack,
                        },
                        out,
                    );
                }
            }
            Payload::Ack { msg, .. } => {
                if is_master {
                    self.master_ack(x, client, conn, msg, out);
                } else if let Some(m) = master {
                    self.send(x, m, PeerMsg::AckVia { client, conn, msg }, out);
                }
            }
            Payload::Close { .. } | Payload::SocketClosed { .. } => {
                self.node(x).process.sessions.close(client, conn);
                self.client_gone(x, client, conn, out);
            }
            _ => {}
        }
    }

    /// The connection `conn` of `client` on node `x` ended (a newer
    /// connection of the same client is left alone).
    pub(super) fn client_gone(&mut self, x: BrokerId, client: Addr, conn: u32, out: &mut Out) {
        if self.nodes[usize::from(x.0)]
            .process
            .app
            .local_subs
            .get(&client)
            .is_some_and(|(c, _, _)| *c == conn)
        {
            self.node(x).process.app.local_subs.remove(&client);
        }
        // Tell the master even if a newer connection replaced this one here:
        // what was delivered on the old one is still awaiting its ack there.
        if !matches!(client, Addr::Consumer(_)) {
            return;
        }
        if matches!(
            self.nodes[usize::from(x.0)].process.role,
            QueueRole::Master(_)
        ) {
            self.client_gone_at_master(x, client, Some(conn), out);
        } else if let Some((m, _)) = self.nodes[usize::from(x.0)].process.app.master {
            self.send(x, m, PeerMsg::ClientGone { client, conn }, out);
        }
    }
}
