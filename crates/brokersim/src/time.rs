//! Virtual time. The simulator never reads a clock: time is an integer count
//! of microseconds since the start of the run, advanced only by the engine.

use serde::Serialize;

/// A point in virtual time, in microseconds since the run started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub fn from_ms(ms: u64) -> SimTime {
        SimTime(ms.saturating_mul(1_000))
    }

    pub fn as_ms(self) -> u64 {
        self.0 / 1_000
    }

    pub fn as_us(self) -> u64 {
        self.0
    }

    pub fn after_ms(self, ms: u64) -> SimTime {
        SimTime(self.0.saturating_add(ms.saturating_mul(1_000)))
    }

    pub fn after_us(self, us: u64) -> SimTime {
        SimTime(self.0.saturating_add(us))
    }

    /// Milliseconds from `earlier` to `self` (0 if `earlier` is later).
    pub fn ms_since(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0) / 1_000
    }
}

impl std::fmt::Display for SimTime {
    /// `12.345s`: seconds with millisecond precision, the way the trace shows time.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = self.as_ms();
        write!(f, "{}.{:03}s", ms / 1_000, ms % 1_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_seconds_with_milliseconds() {
        assert_eq!(SimTime::from_ms(12_345).to_string(), "12.345s");
        assert_eq!(SimTime::from_ms(5).to_string(), "0.005s");
    }

    #[test]
    fn arithmetic_saturates_instead_of_overflowing() {
        assert_eq!(SimTime(u64::MAX).after_ms(10), SimTime(u64::MAX));
        assert_eq!(SimTime::from_ms(1).ms_since(SimTime::from_ms(5)), 0);
    }
}
