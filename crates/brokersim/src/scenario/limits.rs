//! Bounds on everything a scenario can ask for, so that no input, however
//! hand-edited, can make a run unbounded in time or memory.

pub const MAX_INPUT_BYTES: usize = 1 << 20;
pub const MAX_BROKERS: u32 = 15;
pub const MAX_SITES: usize = 4;
pub const MAX_PRODUCERS: usize = 16;
pub const MAX_CONSUMERS: usize = 16;
pub const MAX_RATE_PER_S: u32 = 10_000;
pub const MAX_TOTAL_RATE_PER_S: u64 = 20_000;
pub const MAX_DURATION_MS: u64 = 3_600_000;
pub const MAX_FAULTS: usize = 1_000;
pub const MAX_LATENCY_MS: u64 = 60_000;
pub const MAX_TIMEOUT_MS: u64 = 3_600_000;
pub const MAX_PREFETCH: u32 = 100_000;
pub const MAX_RETRIES: u32 = 100;
pub const MAX_TEXT_CHARS: usize = 4_000;
