//! A node's RabbitMQ application starting, stopping and rejoining: the
//! queue's creation, a restarted node joining as an empty mirror, the last
//! master recovering the queue from its disk, new mirrors per the policy.

use super::*;

impl Mirrored {
    // ----- start, boot, crash, stop -------------------------------------------------

    pub(super) fn start_all(&mut self, out: &mut Out) {
        let n = self.n();
        let master = BrokerId(0);
        let mut mirrors = Vec::new();
        for i in 1..n {
            let b = BrokerId(i as u16);
            if self.policy_wants(b, 1 + mirrors.len() as u32) {
                mirrors.push(b);
            }
        }
        for i in 0..n {
            let node = &mut self.nodes[i];
            node.incarnation = 1;
            node.max_epoch = Epoch(1);
            node.process = Process::boot(&vec![1; n]);
            for (j, peer) in node.process.peers.iter_mut().enumerate() {
                peer.up = j != i;
            }
            node.process.app.master = Some((master, Epoch(1)));
        }
        let members: Vec<Member> = mirrors
            .iter()
            .map(|b| Member {
                broker: *b,
                joined_at: SimTime::ZERO,
                synced: true,
            })
            .collect();
        for b in &mirrors {
            self.node(*b).process.role = QueueRole::Mirror(Box::new(MirrorState {
                epoch: Epoch(1),
                master,
                msgs: BTreeMap::new(),
                synced: true,
                members: members.clone(),
            }));
        }
        self.node(master).process.role = QueueRole::Master(Box::new(MasterState {
            epoch: Epoch(1),
            queue: Queue::default(),
            next_seq: 1,
            mirrors: mirrors
                .iter()
                .map(|b| {
                    (
                        *b,
                        MirrorInfo {
                            joined_at: SimTime::ZERO,
                            first_seq: 1,
                            older_left: 0,
                            synced: true,
                        },
                    )
                })
                .collect(),
            pending: BTreeMap::new(),
        }));
        out.trace(Event::QueueCreated {
            master,
            mirrors: mirrors.clone(),
            mirrored: self.cfg.ha_mode.is_some(),
        });
        out.leader(master, Epoch(1));
        for b in self.all() {
            out.timer(me(b), self.tick_interval_ms, tick_timer());
        }
    }

    /// The node's queue contents go: to disk (what is persistent) or nowhere.
    pub(super) fn shut_role(&mut self, b: BrokerId, why_transient: DropWhy, out: &mut Out) {
        let peers_running = self
            .all()
            .filter(|p| *p != b && self.in_cluster(b, *p))
            .filter(|p| !self.nodes[usize::from(b.0)].process.peers[usize::from(p.0)].app_paused)
            .fold(0, |mask, p| mask | broker_bit(p));
        let node = self.node(b);
        let role = std::mem::take(&mut node.process.role);
        let (messages, epoch, was_master): (Vec<QMsg>, Epoch, bool) = match role {
            QueueRole::None => return,
            QueueRole::Master(m) => (m.queue.messages().copied().collect(), m.epoch, true),
            QueueRole::Mirror(m) => (m.msgs.values().map(|(q, _)| *q).collect(), m.epoch, false),
        };
        let mut kept = Vec::new();
        for q in messages {
            if q.persistent {
                kept.push(q);
            } else {
                out.copy_dropped(q.msg, broker_bit(b), why_transient);
            }
        }
        kept.sort_by_key(|q| q.seq);
        node.disk = Disk {
            messages: kept,
            epoch,
            was_master,
            peers_running,
        };
    }

    /// Throws away everything the node holds, memory and disk.
    pub(super) fn discard_all(&mut self, b: BrokerId, why: DropWhy, out: &mut Out) {
        self.shut_role(b, why, out);
        let disk = std::mem::take(&mut self.node(b).disk);
        if !disk.messages.is_empty() {
            out.trace(Event::Discarded {
                broker: b,
                messages: disk.messages.len() as u32,
                why,
            });
        }
        for q in disk.messages {
            out.copy_dropped(q.msg, broker_bit(b), why);
        }
    }

    /// The RabbitMQ application starts on `b` (process boot or app restart):
    /// it starts from nothing (`App::default()`; rabbit_node_monitor's
    /// partitions too), with a new incarnation and new connections. The
    /// queue's process has left already (`shut_role` or `discard_all`).
    pub(super) fn boot_app(&mut self, b: BrokerId, out: &mut Out) {
        let n = self.n();
        let node = self.node(b);
        node.incarnation += 1;
        self.reset_links(b);
        let node = self.node(b);
        node.booting = true;
        node.process.app = App::default();
        let incarnation = node.incarnation;
        for j in 0..n {
            if j != usize::from(b.0) {
                self.send(b, BrokerId(j as u16), PeerMsg::Hello { incarnation }, out);
            }
        }
        out.timer(
            me(b),
            self.boot_wait_ms,
            TimerKind::System(SysTimer::Mirrored(Timer::BootWait)),
        );
    }

    pub(super) fn boot_decide(&mut self, b: BrokerId, out: &mut Out) {
        if !self.nodes[usize::from(b.0)].booting {
            return;
        }
        let known_master = self.nodes[usize::from(b.0)]
            .process
            .app
            .master
            .filter(|(m, _)| *m != b)
            .filter(|(m, _)| self.in_cluster(b, *m));
        if let Some((m, _)) = known_master {
            self.node(b).booting = false;
            self.send(b, m, PeerMsg::JoinRequest, out);
            return;
        }
        let home_of_unmirrored = self.cfg.ha_mode.is_none() && b == BrokerId(0);
        if home_of_unmirrored || self.may_recover_master(b) {
            self.recover_master(b, out);
            return;
        }
        // No master anywhere we can see: ask again later.
        let incarnation = self.nodes[usize::from(b.0)].incarnation;
        for p in self.all() {
            if p != b {
                self.send(b, p, PeerMsg::Hello { incarnation }, out);
            }
        }
        out.timer(
            me(b),
            self.boot_wait_ms,
            TimerKind::System(SysTimer::Mirrored(Timer::BootWait)),
        );
    }

    /// Whether `b`, booting with no master in sight, is the queue's last
    /// master and may recover it from its disk. RabbitMQ restores a node's
    /// cluster metadata (Mnesia) from a running peer, or from its own disk
    /// only if it was the last node running ("the last node to go down must
    /// be the first node to be brought online", the clustering guide);
    /// the metadata names the master, and a master promoted since `b`
    /// stopped (a newer epoch, known to any peer that answered) is the
    /// queue's, not `b`'s stale copy.
    fn may_recover_master(&self, b: BrokerId) -> bool {
        let node = &self.nodes[usize::from(b.0)];
        if !node.disk.was_master {
            return false;
        }
        let answered: Vec<&Peer> = self
            .all()
            .filter(|p| *p != b && node.process.peers[usize::from(p.0)].up)
            .map(|p| &node.process.peers[usize::from(p.0)])
            .collect();
        let newer = answered.iter().any(|p| p.max_epoch > node.disk.epoch);
        let metadata = node.disk.peers_running == 0 || answered.iter().any(|p| !p.app_paused);
        !newer && metadata
    }

    /// The last master comes back and recovers the queue from its disk.
    pub(super) fn recover_master(&mut self, b: BrokerId, out: &mut Out) {
        let node = self.node(b);
        node.booting = false;
        let disk = std::mem::take(&mut node.disk);
        let epoch = if node.max_epoch > disk.epoch {
            Epoch(node.max_epoch.0 + 1)
        } else {
            disk.epoch.max(Epoch(1))
        };
        node.max_epoch = epoch;
        node.process.app.master = Some((b, epoch));
        let next_seq = disk.messages.iter().map(|q| q.seq + 1).max().unwrap_or(1);
        let count = disk.messages.len() as u32;
        node.process.role = QueueRole::Master(Box::new(MasterState {
            epoch,
            queue: Queue::from_messages(disk.messages),
            next_seq,
            mirrors: BTreeMap::new(),
            pending: BTreeMap::new(),
        }));
        out.trace(Event::MasterRecovered {
            broker: b,
            epoch,
            messages: count,
        });
        out.leader(b, epoch);
        self.announce_master(b, out);
    }

    /// A new master tells its cluster, takes its local consumers, and adds
    /// the mirrors the policy asks for.
    pub(super) fn announce_master(&mut self, b: BrokerId, out: &mut Out) {
        let Some(epoch) = self.epoch_of(b) else {
            return;
        };
        for p in self.all() {
            if p != b && self.in_cluster(b, p) {
                self.send(b, p, PeerMsg::NewMaster { epoch }, out);
            }
        }
        let subs: Vec<_> = self.nodes[usize::from(b.0)]
            .process
            .app
            .local_subs
            .iter()
            .map(|(c, s)| (*c, *s))
            .collect();
        if let QueueRole::Master(m) = &mut self.node(b).process.role {
            for (client, (conn, prefetch, auto_ack)) in subs {
                m.queue.subscribe(client, conn, prefetch, auto_ack, b);
            }
        }
        for p in self.all() {
            if p != b && self.in_cluster(b, p) {
                self.maybe_add_mirror(b, p, out);
            }
        }
        self.broadcast_members(b, out);
        self.dispatch(b, out);
    }

    pub(super) fn copies(&self, master: BrokerId) -> u32 {
        match &self.nodes[usize::from(master.0)].process.role {
            QueueRole::Master(m) => 1 + m.mirrors.len() as u32,
            _ => 0,
        }
    }

    pub(super) fn maybe_add_mirror(&mut self, master: BrokerId, p: BrokerId, out: &mut Out) {
        let copies = self.copies(master);
        let already = matches!(&self.nodes[usize::from(master.0)].process.role, QueueRole::Master(m) if m.mirrors.contains_key(&p));
        let peer = &self.nodes[usize::from(master.0)].process.peers[usize::from(p.0)];
        if already || !self.policy_wants(p, copies) || !peer.up || peer.app_paused {
            return;
        }
        let automatic = self.cfg.ha_sync_mode == SyncMode::Automatic;
        let now = out.now;
        let QueueRole::Master(m) = &mut self.node(master).process.role else {
            return;
        };
        let missing = m.queue.len();
        let sync: Vec<QMsg> = if automatic {
            m.queue.messages().copied().collect()
        } else {
            Vec::new()
        };
        let synced = automatic || missing == 0;
        m.mirrors.insert(
            p,
            MirrorInfo {
                joined_at: now,
                first_seq: m.next_seq,
                older_left: if synced { 0 } else { missing },
                synced,
            },
        );
        let epoch = m.epoch;
        out.trace(Event::MirrorJoined {
            broker: p,
            synced,
            missing: if automatic { 0 } else { missing },
        });
        self.send(
            master,
            p,
            PeerMsg::BecomeMirror {
                epoch,
                sync: Box::new(sync),
            },
            out,
        );
        self.broadcast_members(master, out);
    }

    pub(super) fn broadcast_members(&mut self, master: BrokerId, out: &mut Out) {
        let QueueRole::Master(m) = &self.nodes[usize::from(master.0)].process.role else {
            return;
        };
        let members: Vec<Member> = m
            .mirrors
            .iter()
            .map(|(b, info)| Member {
                broker: *b,
                joined_at: info.joined_at,
                synced: info.synced,
            })
            .collect();
        let epoch = m.epoch;
        let mirrors: Vec<BrokerId> = m.mirrors.keys().copied().collect();
        for b in mirrors {
            self.send(
                master,
                b,
                PeerMsg::Members {
                    epoch,
                    members: Box::new(members.clone()),
                },
                out,
            );
        }
    }
}
