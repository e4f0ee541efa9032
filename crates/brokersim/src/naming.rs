//! Names of brokers and clients in runs with disaster-recovery sites.
//!
//! Each site's cluster numbers its brokers from `b1`, as the real cluster
//! does, while the trace and the report name them `primary-b1`, `dr-b1`.
//! Rather than rewrite every event a site's cluster records, the engine
//! installs the run's names for the duration of a call (a [`Scope`]) and
//! the offset of the site whose ids are being printed ([`at_offset`]);
//! `BrokerId`'s `Display` reads both. Without a scope (every run without
//! sites) brokers print as `b1` … and nothing else changes.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::Arc;

/// Every broker's name, in order, and the names of the replicators that
/// sit after the applications' producers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    pub brokers: Vec<String>,
    /// Producers numbered below this are the applications' (`p1` …).
    pub app_producers: u16,
    pub replicators: Vec<String>,
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Names>>> = const { RefCell::new(None) };
    static OFFSET: Cell<u16> = const { Cell::new(0) };
}

/// While alive, ids print with these names; dropping it restores the
/// names that were installed before.
#[must_use = "the names apply only while the scope is alive"]
pub struct Scope {
    previous: Option<Arc<Names>>,
    previous_offset: u16,
}

/// Installs `names` (or none) until the returned scope is dropped.
pub fn scope(names: Option<&Arc<Names>>) -> Scope {
    let previous = CURRENT.with(|c| c.replace(names.cloned()));
    let previous_offset = OFFSET.with(|o| o.replace(0));
    Scope {
        previous,
        previous_offset,
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
        OFFSET.with(|o| o.set(self.previous_offset));
    }
}

/// Runs `f` with broker ids read as a site's own numbering: id 0 is the
/// broker `offset` among all brokers.
pub fn at_offset<R>(offset: u16, f: impl FnOnce() -> R) -> R {
    let previous = OFFSET.with(|o| o.replace(offset));
    let result = f();
    OFFSET.with(|o| o.set(previous));
    result
}

pub(crate) fn write_broker(f: &mut fmt::Formatter<'_>, index: u16) -> fmt::Result {
    let offset = OFFSET.with(Cell::get);
    let written = CURRENT.with(|c| match &*c.borrow() {
        Some(names) => names
            .brokers
            .get(usize::from(offset + index))
            .map(|name| f.write_str(name)),
        None => None,
    });
    written.unwrap_or_else(|| write!(f, "b{}", u32::from(index) + 1))
}

pub(crate) fn write_producer(f: &mut fmt::Formatter<'_>, index: u16) -> fmt::Result {
    let written = CURRENT.with(|c| match &*c.borrow() {
        Some(names) if index >= names.app_producers => names
            .replicators
            .get(usize::from(index - names.app_producers))
            .map(|name| f.write_str(name)),
        _ => None,
    });
    written.unwrap_or_else(|| write!(f, "p{}", u32::from(index) + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Addr, BrokerId, ClientId};

    #[test]
    fn ids_print_plainly_without_names_and_by_site_within_a_scope() {
        assert_eq!(BrokerId(3).to_string(), "b4");
        let names = Arc::new(Names {
            brokers: ["primary-b1", "primary-b2", "dr-b1", "dr-b2"]
                .map(String::from)
                .to_vec(),
            app_producers: 1,
            replicators: vec!["dr-federation".into()],
        });
        {
            let _names = scope(Some(&names));
            assert_eq!(BrokerId(2).to_string(), "dr-b1");
            assert_eq!(at_offset(2, || BrokerId(1).to_string()), "dr-b2");
            assert_eq!(Addr::Producer(ClientId(0)).to_string(), "p1");
            assert_eq!(Addr::Producer(ClientId(1)).to_string(), "dr-federation");
        }
        assert_eq!(BrokerId(2).to_string(), "b3");
    }
}
