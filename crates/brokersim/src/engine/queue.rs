//! The event queue: items ordered by (time, sequence number). The heap
//! holds only small keys; the items themselves (packets can be large) sit
//! in a slab and never move while the heap sifts, which keeps popping
//! cheap (the heap's moves were a quarter of the engine's time in wasm).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::item::Item;
use crate::time::SimTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    at: SimTime,
    seq: u64,
    slot: u32,
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// One queued item as it leaves the queue.
pub(super) struct Queued {
    pub at: SimTime,
    pub item: Item,
}

#[derive(Clone, Debug, Default)]
pub(super) struct EventQueue {
    heap: BinaryHeap<Key>,
    items: Vec<Option<Item>>,
    free: Vec<u32>,
}

impl EventQueue {
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn push(&mut self, at: SimTime, seq: u64, item: Item) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.items[slot as usize] = Some(item);
                slot
            }
            None => {
                self.items.push(Some(item));
                (self.items.len() - 1) as u32
            }
        };
        self.heap.push(Key { at, seq, slot });
    }

    pub fn pop(&mut self) -> Option<Queued> {
        let key = self.heap.pop()?;
        let item = self.items[key.slot as usize].take()?;
        self.free.push(key.slot);
        Some(Queued { at: key.at, item })
    }

    /// When the next item is due.
    pub fn next_at(&self) -> Option<SimTime> {
        self.heap.peek().map(|key| key.at)
    }

    pub fn clear(&mut self) {
        self.heap.clear();
        self.items.clear();
        self.free.clear();
    }

    /// Every queued item with its time, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (SimTime, &Item)> {
        self.heap
            .iter()
            .filter_map(|key| Some((key.at, self.items[key.slot as usize].as_ref()?)))
    }
}
