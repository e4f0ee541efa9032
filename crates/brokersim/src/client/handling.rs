//! A consuming application's handling of what it received: one message at
//! a time, each for `process_ms`, the rest waiting in the client's buffer.
//! Both kinds of consumer use it; what "done" means (an ack, an offset)
//! stays theirs.

use std::collections::VecDeque;

use super::timer::ClientTimer;
use crate::ids::Addr;
use crate::out::{Out, TimerKind};

#[derive(Clone, Debug)]
pub struct Handling<T> {
    /// Received and not handled yet; the front is in hand while `busy`.
    queue: VecDeque<T>,
    busy: bool,
    process_ms: u64,
}

impl<T> Handling<T> {
    pub fn new(process_ms: u64) -> Handling<T> {
        Handling {
            queue: VecDeque::new(),
            busy: false,
            process_ms,
        }
    }

    pub fn len(&self) -> u32 {
        self.queue.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// A message arrives; handling starts at once if the application is free.
    pub fn receive(&mut self, item: T, me: Addr, out: &mut Out) {
        self.queue.push_back(item);
        if !self.busy {
            self.start(me, out);
        }
    }

    /// The message in hand is handled: it is returned and the next starts.
    pub fn finish(&mut self, me: Addr, out: &mut Out) -> Option<T> {
        let done = self.queue.pop_front();
        self.start(me, out);
        done
    }

    fn start(&mut self, me: Addr, out: &mut Out) {
        self.busy = !self.queue.is_empty();
        if self.busy {
            out.timer(
                me,
                self.process_ms,
                TimerKind::Client(ClientTimer::ProcessDone),
            );
        }
    }

    /// Drops the messages still waiting; the one in hand is still handled.
    pub fn drop_waiting(&mut self) -> Vec<T> {
        let keep = usize::from(self.busy).min(self.queue.len());
        self.queue.drain(keep..).collect()
    }

    /// Keeps only the waiting messages `keep` accepts (the one in hand stays).
    pub fn retain_waiting(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let in_hand = usize::from(self.busy).min(self.queue.len());
        let mut index = 0;
        self.queue.retain(|item| {
            index += 1;
            index <= in_hand || keep(item)
        });
    }

    /// The process died: everything, the message in hand too, is gone.
    pub fn drop_all(&mut self) -> Vec<T> {
        self.busy = false;
        self.queue.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ClientId;

    #[test]
    fn one_message_at_a_time_and_the_one_in_hand_survives_a_lost_connection() {
        let me = Addr::Consumer(ClientId(0));
        let mut out = Out::default();
        let mut h = Handling::new(5);
        h.receive(1, me, &mut out);
        h.receive(2, me, &mut out);
        h.receive(3, me, &mut out);
        assert_eq!(out.actions.len(), 1, "one timer: one message in hand");
        assert_eq!(h.drop_waiting(), vec![2, 3]);
        assert_eq!(h.finish(me, &mut out), Some(1));
        assert!(h.is_empty());
        h.receive(4, me, &mut out);
        h.retain_waiting(|_| false);
        assert_eq!(h.len(), 1, "the message in hand is kept");
        assert_eq!(h.drop_all(), vec![4]);
    }
}
