//! The publishing application's schedule, shared by every kind of producer:
//! it wants `rate_per_s` messages a second (at most `count`) from the moment
//! its first connection is up, and keeps a backlog of the messages it could
//! not hand to its client library yet.

use super::timer::ClientTimer;
use crate::ids::Addr;
use crate::out::{Out, TimerKind};

/// Messages the application wants to send but has not yet: bounded so a
/// producer blocked for an hour cannot grow without limit.
const MAX_BACKLOG: u32 = 100_000;

#[derive(Clone, Debug)]
pub struct Schedule {
    rate_per_s: u32,
    count: Option<u32>,
    ticks: u64,
    /// When the schedule started (µs).
    origin_us: Option<u64>,
    /// Messages created so far.
    created: u32,
    /// Ticks whose message has not been created yet.
    backlog: u32,
}

impl Schedule {
    pub fn new(rate_per_s: u32, count: Option<u32>) -> Schedule {
        Schedule {
            rate_per_s: rate_per_s.max(1),
            count,
            ticks: 0,
            origin_us: None,
            created: 0,
            backlog: 0,
        }
    }

    pub fn backlog(&self) -> u32 {
        self.backlog
    }

    /// Starts the schedule now, once: the first tick fires at once.
    pub fn start(&mut self, me: Addr, out: &mut Out) {
        if self.origin_us.is_none() {
            self.origin_us = Some(out.now.0);
            out.timer(me, 0, TimerKind::Client(ClientTimer::PublishTick));
        }
    }

    /// One tick: the application wants one more message, and the next tick
    /// is armed on the exact schedule (tick k at origin + k / rate seconds).
    /// Nothing happens once publishing is closed or `count` is reached.
    pub fn tick(&mut self, me: Addr, publishing_open: bool, out: &mut Out) {
        if !publishing_open
            || self
                .count
                .is_some_and(|count| self.created + self.backlog >= count)
        {
            return;
        }
        self.ticks += 1;
        self.backlog = (self.backlog + 1).min(MAX_BACKLOG);
        let origin = self.origin_us.unwrap_or(out.now.0);
        let next_us = origin + self.ticks * 1_000_000 / u64::from(self.rate_per_s);
        out.timer_us(
            me,
            next_us.saturating_sub(out.now.0),
            TimerKind::Client(ClientTimer::PublishTick),
        );
    }

    /// Takes one message off the backlog, if any, to be created now.
    pub fn take(&mut self) -> bool {
        if self.backlog == 0 {
            return false;
        }
        self.backlog -= 1;
        self.created += 1;
        true
    }

    /// The process died: a restart connects first and starts a new schedule.
    pub fn reset(&mut self) {
        self.ticks = 0;
        self.origin_us = None;
        self.backlog = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ClientId;
    use crate::time::SimTime;

    #[test]
    fn ticks_follow_the_rate_exactly_and_stop_at_count() {
        let me = Addr::Producer(ClientId(0));
        let mut s = Schedule::new(3, Some(2));
        let mut out = Out {
            now: SimTime::from_ms(10),
            ..Out::default()
        };
        s.start(me, &mut out);
        s.tick(me, true, &mut out);
        s.tick(me, true, &mut out);
        s.tick(me, true, &mut out);
        assert_eq!(s.backlog(), 2, "count caps the messages");
        assert!(s.take() && s.take() && !s.take());
    }
}
