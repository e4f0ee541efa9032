//! Event times read from the brokers' own logs.
//!
//! The CLI tools take about a second to start on two busy cores, far too
//! slow to time a 20 ms `nodedown`; the brokers stamp each log line when
//! the event happens inside the node. RabbitMQ 3.10 writes RFC 3339 stamps
//! with microseconds (`2026-12-07 23:56:27.281103+00:00`); the lab's
//! log4j layout for ActiveMQ writes milliseconds in UTC
//! (`2026-12-07 23:56:27.281Z`). Both are turned into microseconds since
//! the Unix epoch, the unit the lab stamps its own faults in.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Microseconds since the Unix epoch.
pub type EpochUs = i64;

/// Now, in microseconds since the Unix epoch (the clock the brokers' log
/// stamps use, so the two can be subtracted).
pub fn now_us() -> EpochUs {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970");
    i64::try_from(since.as_micros()).expect("microseconds fit in i64")
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`), so the lab needs no date crate.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse: (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).expect("day in 1..=31");
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).expect("month in 1..=12");
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `2026-12-07T23:56:27Z`: a UTC stamp for the measurement files.
pub fn rfc3339(us: EpochUs) -> String {
    let secs = us.div_euclid(1_000_000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

fn digits(s: &str, from: usize, len: usize) -> Option<i64> {
    let part = s.get(from..from + len)?;
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

/// The stamp at the start of a log line, `YYYY-MM-DD HH:MM:SS[.f…][Z|±HH:MM]`,
/// in microseconds since the epoch; `None` for a line without one (the
/// continuation lines of a multi-line message).
pub fn parse_line_time(line: &str) -> Option<EpochUs> {
    let b = line.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b' ' | b'T') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(line, 0, 4)?;
    let month = u32::try_from(digits(line, 5, 2)?).ok()?;
    let day = u32::try_from(digits(line, 8, 2)?).ok()?;
    let (h, mi, s) = (
        digits(line, 11, 2)?,
        digits(line, 14, 2)?,
        digits(line, 17, 2)?,
    );
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut at = 19;
    let mut micros = 0i64;
    if b.get(at) == Some(&b'.') || b.get(at) == Some(&b',') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        let frac = &line[start..at];
        if frac.is_empty() {
            return None;
        }
        // Keep microseconds: pad or cut the fraction to six digits.
        let six: String = frac.chars().chain("000000".chars()).take(6).collect();
        micros = six.parse().ok()?;
    }
    let offset_s = match b.get(at) {
        Some(b'+' | b'-') => {
            let sign = if b[at] == b'-' { -1 } else { 1 };
            if b.get(at + 3) != Some(&b':') {
                return None;
            }
            sign * (digits(line, at + 1, 2)? * 3600 + digits(line, at + 4, 2)? * 60)
        }
        _ => 0,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + h * 3600 + mi * 60 + s - offset_s;
    Some(secs * 1_000_000 + micros)
}

/// The stamp of the first line at or after `offset` bytes of `text`
/// that contains every one of `needles` and is stamped at or after
/// `not_before` (a log may hold the same line from an earlier trial).
pub fn find_event(text: &str, needles: &[&str], not_before: EpochUs) -> Option<EpochUs> {
    text.lines()
        .filter(|line| needles.iter().all(|n| line.contains(n)))
        .filter_map(parse_line_time)
        .find(|&t| t >= not_before)
}

/// A broker's log file, watched for an event.
#[derive(Debug, Clone)]
pub struct LogWatch {
    pub path: PathBuf,
}

impl LogWatch {
    pub fn new(path: impl AsRef<Path>) -> Self {
        LogWatch {
            path: path.as_ref().to_path_buf(),
        }
    }

    /// The log's text now (empty while the broker has not created it).
    pub fn text(&self) -> String {
        fs::read(&self.path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Polls the log every 20 ms until a line with all `needles`, stamped
    /// at or after `not_before`, appears; its stamp, or `None` after
    /// `timeout`.
    pub fn wait_for(
        &self,
        needles: &[&str],
        not_before: EpochUs,
        timeout: Duration,
    ) -> Option<EpochUs> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(t) = find_event(&self.text(), needles, not_before) {
                return Some(t);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rabbitmq_stamps_with_microseconds_and_offset_are_parsed() {
        let line = "2026-12-07 23:56:27.281103+00:00 [info] <0.579.0> rabbit on node rabbit2@localhost down";
        let t = parse_line_time(line).unwrap();
        assert_eq!(rfc3339(t), "2026-12-07T23:56:27Z");
        assert_eq!(t % 1_000_000, 281_103);
        let plus_one = "2026-12-08 00:56:27.281103+01:00 [info] same instant in CET";
        assert_eq!(parse_line_time(plus_one), Some(t));
    }

    #[test]
    fn activemq_stamps_with_milliseconds_and_z_are_parsed() {
        let line = "2026-12-07 23:56:27.281Z | INFO  | Apache ActiveMQ 5.17.2 (a2, ID:x) started | org.apache";
        let t = parse_line_time(line).unwrap();
        assert_eq!(t % 1_000_000, 281_000);
        let comma = "2026-12-07 23:56:27,281 | INFO  | log4j's default %d";
        assert_eq!(parse_line_time(comma), Some(t));
    }

    #[test]
    fn lines_without_a_stamp_are_not_events() {
        assert_eq!(parse_line_time(""), None);
        assert_eq!(parse_line_time("  continuation of a message"), None);
        assert_eq!(parse_line_time("2026-13-07 23:56:27.1 bad month"), None);
        assert_eq!(parse_line_time("2026-12-07 23:56:27. no fraction"), None);
    }

    #[test]
    fn civil_dates_round_trip_and_know_the_epoch() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for days in [-1, 0, 59, 60, 11_016, 20_794, 1_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn find_event_skips_earlier_trials_and_other_nodes() {
        let log = "2026-12-07 23:00:00.000000+00:00 [info] <0.1.0> node rabbit3@localhost down: connection_closed\n\
                   2026-12-07 23:10:00.000000+00:00 [info] <0.1.0> node rabbit2@localhost down: connection_closed\n\
                   2026-12-07 23:10:00.500000+00:00 [info] <0.1.0> node rabbit3@localhost down: connection_closed\n";
        let not_before = parse_line_time("2026-12-07 23:05:00.0").unwrap();
        let found = find_event(log, &["node rabbit3@localhost down"], not_before).unwrap();
        assert_eq!(found - not_before, 300_500_000);
        assert_eq!(find_event(log, &["rabbit1@"], 0), None);
    }
}
