//! Names of brokers and clients in runs with disaster-recovery sites.
//!
//! Each site's cluster numbers its brokers from `b1`, as the real cluster
//! does, while the report and the sentences name them `primary-b1`,
//! `dr-b1`. The engine shifts a site's ids to its own (`b1` … `bN` across
//! all sites) before anything is recorded (`engine::sites`), so ids are
//! plain data: they print and serialise as `b4`, `p2` without any context.
//! Names are for people: whoever shows an id to one asks the run's
//! [`Names`] (`Sim::names`, `Sim::broker_name`, `voice::Naming`), passed
//! explicitly. There is no ambient naming state (docs/ARCHITECTURE.md,
//! "Names").

use crate::ids::{Addr, BrokerId};

/// Every broker's name, in order, and the names of the replicators that
/// sit after the applications' producers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    pub brokers: Vec<String>,
    /// Producers numbered below this are the applications' (`p1` …).
    pub app_producers: u16,
    pub replicators: Vec<String>,
}

impl Names {
    /// Broker `b`'s name (`dr-b1`), or its id (`b4`) past the list.
    pub fn broker(names: Option<&Names>, b: BrokerId) -> String {
        names
            .and_then(|n| n.brokers.get(usize::from(b.0)))
            .cloned()
            .unwrap_or_else(|| b.to_string())
    }

    /// `a`'s name: a broker's by [`Names::broker`], a replicator's by its
    /// site and kind (`dr-federation`), anything else by its id.
    pub fn addr(names: Option<&Names>, a: Addr) -> String {
        match a {
            Addr::Broker(b) => Names::broker(names, b),
            Addr::Producer(p) => names
                .filter(|n| p.0 >= n.app_producers)
                .and_then(|n| n.replicators.get(usize::from(p.0 - n.app_producers)))
                .cloned()
                .unwrap_or_else(|| a.to_string()),
            Addr::Consumer(_) | Addr::Controller => a.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ClientId;

    #[test]
    fn ids_print_plainly_and_names_come_only_from_the_names_given() {
        let names = Names {
            brokers: ["primary-b1", "primary-b2", "dr-b1", "dr-b2"]
                .map(String::from)
                .to_vec(),
            app_producers: 1,
            replicators: vec!["dr-federation".into()],
        };
        assert_eq!(BrokerId(2).to_string(), "b3");
        assert_eq!(Addr::Producer(ClientId(1)).to_string(), "p2");
        assert_eq!(Names::broker(Some(&names), BrokerId(2)), "dr-b1");
        assert_eq!(Names::broker(None, BrokerId(2)), "b3");
        assert_eq!(Names::addr(Some(&names), Addr::Producer(ClientId(0))), "p1");
        assert_eq!(
            Names::addr(Some(&names), Addr::Producer(ClientId(1))),
            "dr-federation"
        );
        assert_eq!(Names::addr(Some(&names), Addr::Consumer(ClientId(0))), "c1");
    }
}
