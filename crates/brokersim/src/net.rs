//! The network between brokers and clients. Every connection is TCP: bytes
//! arrive in order, so a link delivers FIFO even though each packet draws its
//! own latency from `latency_ms`. `loss` is packet loss: TCP retransmits a
//! lost packet after its retransmission timeout (200 ms, doubling), so loss
//! shows up as delay and head-of-line blocking, and, when heavy, as missed
//! heartbeats. A partition cuts brokers into groups; packets across the cut
//! vanish. Clients sit with the applications and reach every broker.

use std::collections::BTreeMap;

use crate::ids::{Addr, BrokerId};
use crate::rng::{Ratio, SimRng};
use crate::time::SimTime;

/// Linux's minimum TCP retransmission timeout.
const TCP_MIN_RTO_US: u64 = 200_000;
/// After this many retransmissions the packet is treated as delivered late
/// rather than drawn again: it bounds the work per packet.
const MAX_RETRANSMISSIONS: u32 = 6;

#[derive(Clone, Debug)]
pub struct Network {
    brokers: u16,
    producers: u16,
    nodes: usize,
    latency_min_us: u64,
    latency_max_us: u64,
    loss: Ratio,
    /// Partition group of each broker; all equal when there is no partition.
    group: Vec<u8>,
    /// The partition group of Kafka's controller quorum.
    controller_group: u8,
    /// Extra one-way latency of slowed broker-to-broker links.
    slow_links: BTreeMap<(BrokerId, BrokerId), u64>,
    /// Arrival time of the last packet on each directed link, for FIFO.
    last_arrival: Vec<u64>,
}

impl Network {
    pub fn new(
        brokers: u16,
        producers: u16,
        consumers: u16,
        latency: (u64, u64),
        loss: Ratio,
    ) -> Network {
        // Brokers, producers, consumers, and Kafka's controller last.
        let nodes = usize::from(brokers) + usize::from(producers) + usize::from(consumers) + 1;
        Network {
            brokers,
            producers,
            nodes,
            latency_min_us: latency.0,
            latency_max_us: latency.1,
            loss,
            group: vec![0; usize::from(brokers)],
            controller_group: 0,
            slow_links: BTreeMap::new(),
            last_arrival: vec![0; nodes * nodes],
        }
    }

    fn index(&self, addr: Addr) -> usize {
        match addr {
            Addr::Broker(b) => usize::from(b.0),
            Addr::Producer(p) => usize::from(self.brokers) + usize::from(p.0),
            Addr::Consumer(c) => {
                usize::from(self.brokers) + usize::from(self.producers) + usize::from(c.0)
            }
            Addr::Controller => self.nodes - 1,
        }
    }

    pub fn is_partitioned(&self) -> bool {
        self.group.iter().any(|g| *g != self.group[0])
    }

    /// Whether a packet from `a` can reach `b` now.
    pub fn can_reach(&self, a: Addr, b: Addr) -> bool {
        match (a, b) {
            (Addr::Broker(x), Addr::Broker(y)) => {
                self.group[usize::from(x.0)] == self.group[usize::from(y.0)]
            }
            (Addr::Broker(x), Addr::Controller) | (Addr::Controller, Addr::Broker(x)) => {
                self.group[usize::from(x.0)] == self.controller_group
            }
            _ => true,
        }
    }

    /// Cuts the brokers into `groups`; brokers not named form one more
    /// group. Kafka's controller quorum sits in `controller_group`, or by
    /// default with the most brokers (the first such group on a tie).
    pub fn partition(&mut self, groups: &[Vec<BrokerId>], controller_group: Option<u8>) {
        let rest = groups.len().min(254) as u8 + 1;
        self.group.fill(rest);
        for (i, group) in groups.iter().enumerate() {
            for b in group {
                self.group[usize::from(b.0)] = i as u8 + 1;
            }
        }
        self.controller_group = match controller_group {
            Some(g) => g + 1,
            None => {
                let size = |g: u8| self.group.iter().filter(|x| **x == g).count();
                (1..=rest).fold(1, |best, g| if size(g) > size(best) { g } else { best })
            }
        };
    }

    /// Brokers in the same group as `b` (itself included).
    pub fn reachable_brokers(&self, b: BrokerId) -> u32 {
        let g = self.group[usize::from(b.0)];
        self.group.iter().filter(|x| **x == g).count() as u32
    }

    pub fn group_of(&self, b: BrokerId) -> u8 {
        self.group[usize::from(b.0)]
    }

    pub fn heal(&mut self) {
        self.group.fill(0);
        self.controller_group = 0;
        self.slow_links.clear();
    }

    /// Whether a heal would change nothing: no broker (nor the controller)
    /// cut off from the others and no slowed link.
    pub fn is_whole(&self) -> bool {
        self.group.iter().all(|g| *g == self.controller_group)
            && self.slow_links.values().all(|us| *us == 0)
    }

    pub fn clear_loss(&mut self) {
        self.loss = Ratio::ZERO;
    }

    pub fn slow_link(&mut self, a: BrokerId, b: BrokerId, extra_ms: u64) {
        let key = if a <= b { (a, b) } else { (b, a) };
        self.slow_links.insert(key, extra_ms * 1_000);
    }

    /// When a packet sent now from `from` arrives at `to`, or `None` if it
    /// cannot leave (the link is cut).
    pub fn transit(
        &mut self,
        from: Addr,
        to: Addr,
        now: SimTime,
        rng: &mut SimRng,
    ) -> Option<SimTime> {
        if !self.can_reach(from, to) {
            return None;
        }
        let mut delay = rng.in_range(self.latency_min_us, self.latency_max_us);
        if let (Addr::Broker(a), Addr::Broker(b)) = (from, to) {
            let key = if a <= b { (a, b) } else { (b, a) };
            delay += self.slow_links.get(&key).copied().unwrap_or(0);
        }
        if !self.loss.is_zero() {
            let mut rto = TCP_MIN_RTO_US;
            for _ in 0..MAX_RETRANSMISSIONS {
                if !rng.chance(self.loss) {
                    break;
                }
                delay += rto;
                rto *= 2;
            }
        }
        let link = self.index(from) * self.nodes + self.index(to);
        let arrival = now.0.saturating_add(delay).max(self.last_arrival[link]);
        self.last_arrival[link] = arrival;
        Some(SimTime(arrival))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(i: u16) -> Addr {
        Addr::Broker(BrokerId(i))
    }

    #[test]
    fn a_link_delivers_in_order_whatever_the_drawn_latency() {
        let mut net = Network::new(2, 0, 0, (1_000, 50_000), Ratio::ZERO);
        let mut rng = SimRng::seeded(9);
        let mut last = SimTime::ZERO;
        for t in 0..1_000 {
            let at = net.transit(b(0), b(1), SimTime(t * 10), &mut rng).unwrap();
            assert!(at >= last);
            last = at;
        }
    }

    #[test]
    fn a_partition_cuts_only_across_groups() {
        let mut net = Network::new(3, 1, 0, (1_000, 1_000), Ratio::ZERO);
        net.partition(&[vec![BrokerId(0)]], None);
        assert!(!net.can_reach(b(0), b(1)));
        assert!(net.can_reach(b(1), b(2)));
        assert!(net.can_reach(Addr::Producer(crate::ids::ClientId(0)), b(0)));
        // The controller sits with the larger group.
        assert!(net.can_reach(Addr::Controller, b(1)));
        assert!(!net.can_reach(b(0), Addr::Controller));
        assert_eq!(net.reachable_brokers(BrokerId(1)), 2);
        assert!(!net.is_whole());
        net.heal();
        assert!(net.can_reach(b(0), b(1)));
        assert!(net.is_whole());
        // All brokers in one group cuts nothing; a slowed link needs a heal.
        net.partition(&[vec![BrokerId(0), BrokerId(1), BrokerId(2)]], None);
        assert!(net.is_whole());
        net.slow_link(BrokerId(0), BrokerId(1), 0);
        assert!(net.is_whole());
        net.slow_link(BrokerId(0), BrokerId(1), 500);
        assert!(!net.is_whole());
        net.heal();
        assert!(net.is_whole());
    }

    #[test]
    fn loss_delays_instead_of_dropping() {
        let mut net = Network::new(2, 0, 0, (1_000, 1_000), Ratio::parse("1/2").unwrap());
        let mut rng = SimRng::seeded(1);
        let delayed = (0..100)
            .filter(|i| {
                net.transit(b(0), b(1), SimTime(i * 1_000_000), &mut rng)
                    .unwrap()
                    .0
                    > i * 1_000_000 + 1_000
            })
            .count();
        assert!(delayed > 20);
    }
}
