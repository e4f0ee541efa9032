//! ActiveMQ's client failover transport URI, as brokersim models it.
//!
//! An ActiveMQ (5.x "Classic") client that should survive the loss of a broker connects with
//! a `failover:` URI that wraps the real broker URIs:
//!
//! ```text
//! failover:(tcp://b1:61616,tcp://b2:61616)?randomize=false&maxReconnectAttempts=-1
//! ```
//!
//! [`parse_failover_uri`] reads such a URI into a [`FailoverUri`], and the two methods of that
//! struct reproduce the reconnect policy of ActiveMQ's `FailoverTransport`:
//! [`FailoverUri::reconnect_delay_ms`] (its `doDelay` back-off) and [`FailoverUri::may_retry`]
//! (its `calculateReconnectAttemptLimit` check against the count of failed connect rounds).
//!
//! # Accepted forms
//!
//! * `failover:(uri1,uri2,...)?options`: the usual form; the options after the closing
//!   parenthesis belong to the failover transport.
//! * `failover:uri1,uri2,...?options`: the form without parentheses. ActiveMQ itself gives a
//!   query written there to the *last* inner URI; brokersim reads failover options there
//!   (so `failover:tcp://b1:61616?randomize=false` means what its author meant), while
//!   `wireFormat.*` options written there are still given to the last inner URI, as ActiveMQ would.
//! * `failover://(...)` and `failover://uri1,...`: ActiveMQ strips a leading `//`, so does this.
//!
//! Whitespace around the whole URI and around each inner URI is ignored (ActiveMQ trims both).
//! A plain `tcp://b1:61616` is not a failover URI and is rejected; callers handle plain broker
//! names elsewhere.
//!
//! # Inner URIs
//!
//! Each inner URI must be `tcp://host[:port][?options]`. The host (letters, digits, `-`, `.`,
//! `_`) is kept and identifies the broker, so the same host may appear only once; the port is
//! checked (a number 1..=65535) and dropped. The only inner options modelled are the OpenWire
//! inactivity monitor's `wireFormat.maxInactivityDuration` (default 30000 ms) and
//! `wireFormat.maxInactivityDurationInitalDelay` (default 10000 ms; ActiveMQ's real spelling,
//! typo included). The first inner URI that sets one of them decides its value.
//!
//! # Failover options
//!
//! Names are case-sensitive, as in ActiveMQ; each may be given once. Defaults are ActiveMQ's.
//!
//! | option | default | meaning |
//! | --- | --- | --- |
//! | `randomize` | `true` | shuffle the broker list before each connect round |
//! | `initialReconnectDelay` | `10` | ms to wait before the first reconnect attempt |
//! | `maxReconnectDelay` | `30000` | cap, in ms, of the exponential back-off |
//! | `useExponentialBackOff` | `true` | multiply the delay after each failed attempt |
//! | `backOffMultiplier` | `2` | the multiplier (a double in ActiveMQ; whole numbers ≥ 1 here) |
//! | `maxReconnectAttempts` | `-1` | failed attempts allowed once connected; -1 = forever, 0 = none |
//! | `startupMaxReconnectAttempts` | `-1` | the same before the first connection; -1 = use `maxReconnectAttempts` |
//! | `timeout` | `-1` | ms a message send waits for a reconnect; -1 = wait forever |
//! | `trackMessages` | `false` | accepted (must be a boolean) and ignored |
//! | `priorityBackup` | `false` | accepted (must be a boolean) and ignored |
//!
//! Every other option (`backup`, `maxCacheSize`, `updateURIsSupported`, `nested.*`, ...) is
//! rejected as unknown, as is every other inner option, so that a typo never passes silently.
//! Booleans are `true` or `false` (any letter case); ActiveMQ reads any other word as `false`,
//! brokersim rejects it. Values are not percent-decoded.
//!
//! Input is bounded: at most [`MAX_FAILOVER_URI_BYTES`] bytes and [`MAX_FAILOVER_HOSTS`] inner
//! URIs. Parsing never panics; every problem is reported as a one-sentence error.

/// The longest failover URI accepted, in bytes.
pub const MAX_FAILOVER_URI_BYTES: u32 = 4096;

/// The most inner broker URIs accepted in one failover URI.
pub const MAX_FAILOVER_HOSTS: u32 = 64;

const EXPECTED_FORM: &str = "\"failover:(tcp://host:port,...)\"";

/// The failover options brokersim accepts, in the order error messages list them.
const FAILOVER_OPTIONS: [&str; 10] = [
    "randomize",
    "initialReconnectDelay",
    "maxReconnectDelay",
    "useExponentialBackOff",
    "backOffMultiplier",
    "maxReconnectAttempts",
    "startupMaxReconnectAttempts",
    "timeout",
    "trackMessages",
    "priorityBackup",
];

const MAX_INACTIVITY_DURATION: &str = "wireFormat.maxInactivityDuration";
/// ActiveMQ's real option name, misspelling included.
const MAX_INACTIVITY_INITIAL_DELAY: &str = "wireFormat.maxInactivityDurationInitalDelay";
/// The spelling people naturally type, which ActiveMQ does not know.
const MAX_INACTIVITY_INITIAL_DELAY_CORRECTED: &str = "wireFormat.maxInactivityDurationInitialDelay";

/// The options of ActiveMQ's failover transport that brokersim models, with ActiveMQ's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailoverUri {
    /// The host of each inner `tcp://host:port` URI, in the order written (ports dropped).
    pub hosts: Vec<String>,
    /// `randomize`: shuffle the host list before each connect round. Default `true`.
    pub randomize: bool,
    /// `initialReconnectDelay`: ms to wait before the first reconnect attempt. Default 10.
    pub initial_reconnect_delay_ms: u64,
    /// `maxReconnectDelay`: the cap of the exponential back-off, in ms. Default 30000.
    pub max_reconnect_delay_ms: u64,
    /// `useExponentialBackOff`: grow the delay after each failed attempt. Default `true`.
    pub use_exponential_back_off: bool,
    /// `backOffMultiplier`: the back-off growth factor. Default 2. A double in ActiveMQ; brokersim
    /// accepts whole numbers ≥ 1 only (`2`, `2.0`, `3`, ...).
    pub back_off_multiplier: u32,
    /// `maxReconnectAttempts`: failed connect attempts allowed once a connection has been made.
    /// Default -1 (forever); 0 = never reconnect after the first connection is lost.
    pub max_reconnect_attempts: i32,
    /// `startupMaxReconnectAttempts`: the same limit before the first connection is made.
    /// Default -1, which means `max_reconnect_attempts` applies at startup too.
    pub startup_max_reconnect_attempts: i32,
    /// `timeout`: how long, in ms, a message send waits for a reconnect before failing.
    /// Default -1 (wait forever). ActiveMQ only applies it when it is > 0, so 0 waits forever
    /// too; [`FailoverUri::send_timeout_ms`] gives the effective value.
    pub timeout_ms: i64,
    /// `wireFormat.maxInactivityDuration` of the first inner URI that sets it. Default 30000 ms
    /// (0 disables the inactivity monitor in ActiveMQ).
    pub max_inactivity_duration_ms: u64,
    /// `wireFormat.maxInactivityDurationInitalDelay` of the first inner URI that sets it.
    /// Default 10000 ms.
    pub max_inactivity_initial_delay_ms: u64,
}

impl Default for FailoverUri {
    /// ActiveMQ's defaults, with no hosts.
    fn default() -> Self {
        FailoverUri {
            hosts: Vec::new(),
            randomize: true,
            initial_reconnect_delay_ms: 10,
            max_reconnect_delay_ms: 30_000,
            use_exponential_back_off: true,
            back_off_multiplier: 2,
            max_reconnect_attempts: -1,
            startup_max_reconnect_attempts: -1,
            timeout_ms: -1,
            max_inactivity_duration_ms: 30_000,
            max_inactivity_initial_delay_ms: 10_000,
        }
    }
}

impl FailoverUri {
    /// The delay before reconnect attempt number `attempt` (0-based) per ActiveMQ's FailoverTransport:
    /// the first attempt waits initialReconnectDelay; with useExponentialBackOff each next delay is the
    /// previous × backOffMultiplier, capped at maxReconnectDelay. Saturating arithmetic, no overflow.
    ///
    /// Without exponential back-off every attempt waits initialReconnectDelay (ActiveMQ applies
    /// the cap only when backing off). A multiplier below 1 (only possible by setting the field
    /// directly) is treated as 1. Runs in at most about 64 steps whatever `attempt` is.
    #[must_use]
    pub fn reconnect_delay_ms(&self, attempt: u32) -> u64 {
        let initial = self.initial_reconnect_delay_ms;
        if attempt == 0 || !self.use_exponential_back_off {
            return initial;
        }
        let cap = self.max_reconnect_delay_ms;
        let multiplier = u64::from(self.back_off_multiplier.max(1));
        let mut delay = initial;
        for _ in 0..attempt {
            if delay >= cap {
                // min(delay × multiplier, cap) is the cap from here on, as multiplier >= 1.
                return cap;
            }
            if delay == 0 || multiplier == 1 {
                // The delay no longer changes, and it is below the cap.
                return delay;
            }
            delay = delay.saturating_mul(multiplier).min(cap);
        }
        delay
    }

    /// Whether another reconnect attempt is allowed after `attempts_made` failed attempts
    /// (maxReconnectAttempts -1 = always; N = at most N; use startup_max_reconnect_attempts when `ever_connected` is false and it is not -1).
    ///
    /// This is ActiveMQ's check `connectFailures >= limit` (give up) with `connectFailures`
    /// counting failed connect rounds, one round trying every host once. A limit of 0 therefore
    /// allows no reconnect at all. Only -1 means "forever"; another negative limit (only possible
    /// by setting a field directly) allows nothing.
    #[must_use]
    pub fn may_retry(&self, attempts_made: u32, ever_connected: bool) -> bool {
        let limit = if !ever_connected && self.startup_max_reconnect_attempts != -1 {
            self.startup_max_reconnect_attempts
        } else {
            self.max_reconnect_attempts
        };
        limit == -1 || i64::from(attempts_made) < i64::from(limit)
    }

    /// How long a message send waits for a reconnect before failing, as ActiveMQ applies
    /// `timeout`: `Some(ms)` when it is > 0, `None` (wait until reconnected) when it is -1 or 0.
    #[must_use]
    pub fn send_timeout_ms(&self) -> Option<u64> {
        u64::try_from(self.timeout_ms).ok().filter(|&ms| ms > 0)
    }
}

/// Parses an ActiveMQ failover transport URI such as
/// `failover:(tcp://b1:61616,tcp://b2:61616)?randomize=false&maxReconnectAttempts=-1`.
///
/// See the module documentation for the accepted forms and options.
///
/// # Errors
///
/// A one-sentence message naming what is wrong: not a `failover:` URI, too long, unbalanced
/// parentheses, an empty, duplicate or malformed host entry, a bad port, too many hosts, an
/// unknown or duplicate option, an option without a value, or a value out of range.
pub fn parse_failover_uri(text: &str) -> Result<FailoverUri, String> {
    if text.len() > MAX_FAILOVER_URI_BYTES as usize {
        return Err(format!(
            "failover URI is {} bytes long, more than the limit of {MAX_FAILOVER_URI_BYTES} bytes",
            text.len()
        ));
    }
    let text = text.trim();
    let Some(rest) = text.strip_prefix("failover:") else {
        return Err(not_a_failover_uri(text));
    };
    let rest = rest.strip_prefix("//").unwrap_or(rest).trim();
    let composite = split_composite(rest)?;

    let hosts_text = composite.hosts_text.trim();
    if hosts_text.is_empty() {
        return Err(format!("empty host list; expected {EXPECTED_FORM}"));
    }
    let count = hosts_text.split(',').count();
    if count > MAX_FAILOVER_HOSTS as usize {
        return Err(format!(
            "too many hosts: {count}, more than the limit of {MAX_FAILOVER_HOSTS}"
        ));
    }

    let mut uri = FailoverUri::default();
    let mut max_inactivity: Option<u64> = None;
    let mut initial_delay: Option<u64> = None;
    for component in hosts_text.split(',') {
        let component = component.trim();
        if component.is_empty() {
            return Err(format!(
                "empty entry in the host list {}",
                shown(hosts_text)
            ));
        }
        let broker = parse_broker_uri(component)?;
        if uri.hosts.contains(&broker.host) {
            return Err(format!(
                "duplicate host {:?} in the host list (brokersim identifies brokers by host name)",
                broker.host
            ));
        }
        max_inactivity = max_inactivity.or(broker.max_inactivity);
        initial_delay = initial_delay.or(broker.initial_delay);
        uri.hosts.push(broker.host);
    }

    if let Some(query) = composite.query {
        let describe = |key: &str| format!("failover option {key:?}");
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in query_pairs(query, &describe)? {
            if seen.contains(&key) {
                return Err(format!("duplicate {}", describe(key)));
            }
            seen.push(key);
            match key {
                "randomize" => uri.randomize = parse_bool(key, value)?,
                "initialReconnectDelay" => uri.initial_reconnect_delay_ms = parse_ms(key, value)?,
                "maxReconnectDelay" => uri.max_reconnect_delay_ms = parse_ms(key, value)?,
                "useExponentialBackOff" => uri.use_exponential_back_off = parse_bool(key, value)?,
                "backOffMultiplier" => uri.back_off_multiplier = parse_multiplier(key, value)?,
                "maxReconnectAttempts" => uri.max_reconnect_attempts = parse_attempts(key, value)?,
                "startupMaxReconnectAttempts" => {
                    uri.startup_max_reconnect_attempts = parse_attempts(key, value)?;
                }
                "timeout" => uri.timeout_ms = parse_timeout(key, value)?,
                "trackMessages" | "priorityBackup" => {
                    parse_bool(key, value)?;
                }
                // Without parentheses ActiveMQ hands the trailing query to the last inner URI,
                // whose wire-format options these are; earlier inner URIs still win.
                MAX_INACTIVITY_DURATION if !composite.parenthesised => {
                    max_inactivity = max_inactivity.or(Some(parse_ms(key, value)?));
                }
                MAX_INACTIVITY_INITIAL_DELAY if !composite.parenthesised => {
                    initial_delay = initial_delay.or(Some(parse_ms(key, value)?));
                }
                _ => return Err(unknown_failover_option(key, composite.parenthesised)),
            }
        }
    }

    if let Some(ms) = max_inactivity {
        uri.max_inactivity_duration_ms = ms;
    }
    if let Some(ms) = initial_delay {
        uri.max_inactivity_initial_delay_ms = ms;
    }
    Ok(uri)
}

/// The host list and failover query of a failover URI, the text after `failover:`.
struct Composite<'a> {
    hosts_text: &'a str,
    query: Option<&'a str>,
    parenthesised: bool,
}

fn split_composite(rest: &str) -> Result<Composite<'_>, String> {
    if let Some(inner) = rest.strip_prefix('(') {
        let Some(close) = inner.find(')') else {
            return Err(
                "unbalanced parentheses: the \"(\" after \"failover:\" has no matching \")\""
                    .to_string(),
            );
        };
        let hosts_text = &inner[..close];
        if hosts_text.contains('(') {
            return Err(format!(
                "unexpected \"(\" in the host list {}; only tcp:// broker URIs may appear there",
                shown(hosts_text)
            ));
        }
        let after = inner[close + 1..].trim_start();
        let query = if after.is_empty() {
            None
        } else if let Some(query) = after.strip_prefix('?') {
            Some(query)
        } else {
            return Err(format!(
                "unexpected {} after the closing \")\"; expected \"?option=value&...\" or nothing",
                shown(after)
            ));
        };
        Ok(Composite {
            hosts_text,
            query,
            parenthesised: true,
        })
    } else {
        if rest.contains(['(', ')']) {
            return Err(format!(
                "unbalanced parentheses in {}; expected {EXPECTED_FORM}",
                shown(rest)
            ));
        }
        // The failover options follow the last inner URI.
        let last_start = rest.rfind(',').map_or(0, |comma| comma + 1);
        Ok(match rest[last_start..].find('?') {
            Some(mark) => Composite {
                hosts_text: &rest[..last_start + mark],
                query: Some(&rest[last_start + mark + 1..]),
                parenthesised: false,
            },
            None => Composite {
                hosts_text: rest,
                query: None,
                parenthesised: false,
            },
        })
    }
}

/// What one inner `tcp://` URI contributes.
struct BrokerUri {
    host: String,
    max_inactivity: Option<u64>,
    initial_delay: Option<u64>,
}

fn parse_broker_uri(component: &str) -> Result<BrokerUri, String> {
    let Some(rest) = component.strip_prefix("tcp://") else {
        return Err(match component.split_once("://") {
            Some((scheme, _)) => format!(
                "unsupported transport {scheme:?} in {}; brokersim models only tcp:// broker URIs",
                shown(component)
            ),
            None => format!(
                "expected a tcp://host:port broker URI, got {}",
                shown(component)
            ),
        });
    };
    let (authority, query) = match rest.split_once('?') {
        Some((authority, query)) => (authority, Some(query)),
        None => (rest, None),
    };
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err(format!("missing host in {}", shown(component)));
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        return Err(format!(
            "bad host {host:?} in {} (a host name is letters, digits, '-', '.' and '_')",
            shown(component)
        ));
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|n| (1..=65_535).contains(&n));
        if !valid {
            return Err(format!(
                "bad port {port:?} in {} (a port is a number from 1 to 65535)",
                shown(component)
            ));
        }
    }

    let mut broker = BrokerUri {
        host: host.to_string(),
        max_inactivity: None,
        initial_delay: None,
    };
    if let Some(query) = query {
        let describe = |key: &str| format!("option {key:?} in {}", shown(component));
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in query_pairs(query, &describe)? {
            if seen.contains(&key) {
                return Err(format!("duplicate {}", describe(key)));
            }
            seen.push(key);
            match key {
                MAX_INACTIVITY_DURATION => broker.max_inactivity = Some(parse_ms(key, value)?),
                MAX_INACTIVITY_INITIAL_DELAY => broker.initial_delay = Some(parse_ms(key, value)?),
                MAX_INACTIVITY_INITIAL_DELAY_CORRECTED => {
                    return Err(format!(
                        "unknown {}; ActiveMQ spells it {MAX_INACTIVITY_INITIAL_DELAY:?}",
                        describe(key)
                    ));
                }
                _ => {
                    return Err(format!(
                        "unknown {} (known: {MAX_INACTIVITY_DURATION}, {MAX_INACTIVITY_INITIAL_DELAY})",
                        describe(key)
                    ));
                }
            }
        }
    }
    Ok(broker)
}

/// Splits `a=1&b=2` into its pairs, skipping empty parts as ActiveMQ does.
fn query_pairs<'a>(
    query: &'a str,
    describe: &dyn Fn(&str) -> String,
) -> Result<Vec<(&'a str, &'a str)>, String> {
    let mut pairs = Vec::new();
    for part in query.split('&') {
        if part.is_empty() {
            continue;
        }
        let Some(pair) = part.split_once('=') else {
            return Err(format!(
                "{} has no value; expected {}",
                describe(part),
                shown(&format!("{part}=value"))
            ));
        };
        pairs.push(pair);
    }
    Ok(pairs)
}

fn unknown_failover_option(key: &str, parenthesised: bool) -> String {
    if let Some(known) = FAILOVER_OPTIONS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(key))
    {
        return format!(
            "unknown failover option {key:?}; did you mean {known:?}? (option names are case-sensitive)"
        );
    }
    if parenthesised && key.starts_with("wireFormat.") {
        return format!(
            "unknown failover option {key:?}; wireFormat options belong on the inner URIs, as in {:?}",
            format!("failover:(tcp://host:port?{key}=...)")
        );
    }
    format!(
        "unknown failover option {key:?} (known: {})",
        FAILOVER_OPTIONS.join(", ")
    )
}

fn not_a_failover_uri(text: &str) -> String {
    if text.starts_with("tcp://") {
        format!(
            "{} is a plain broker URI, not a failover URI; expected {EXPECTED_FORM}",
            shown(text)
        )
    } else if text.is_empty() {
        format!("empty URI; expected {EXPECTED_FORM}")
    } else {
        format!("expected {EXPECTED_FORM}, got {}", shown(text))
    }
}

fn parse_bool(key: &str, value: &str) -> Result<bool, String> {
    if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(format!("{key} must be true or false, got {value:?}"))
    }
}

fn parse_ms(key: &str, value: &str) -> Result<u64, String> {
    value
        .parse::<u64>()
        .map_err(|_| format!("{key} must be a whole number of milliseconds, got {value:?}"))
}

fn parse_attempts(key: &str, value: &str) -> Result<i32, String> {
    match value.parse::<i32>() {
        Ok(n) if n >= -1 => Ok(n),
        _ => Err(format!(
            "{key} must be -1 (no limit) or a whole number of attempts >= 0, got {value:?}"
        )),
    }
}

fn parse_timeout(key: &str, value: &str) -> Result<i64, String> {
    match value.parse::<i64>() {
        Ok(n) if n >= -1 => Ok(n),
        _ => Err(format!(
            "{key} must be -1 (wait forever) or a whole number of milliseconds >= 0, got {value:?}"
        )),
    }
}

/// ActiveMQ's `backOffMultiplier` is a double; brokersim takes a whole number ≥ 1, written
/// either as an integer (`2`) or with a zero fraction (`2.0`, `2.`).
fn parse_multiplier(key: &str, value: &str) -> Result<u32, String> {
    let error = || format!("{key} must be a whole number >= 1 (such as 2 or 2.0), got {value:?}");
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b == b'0')
    {
        return Err(error());
    }
    match whole.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(error()),
    }
}

/// `text` as written when it is plain printable ASCII, otherwise quoted with escapes so that
/// an error message stays on one line.
fn shown(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_graphic()) {
        text.to_string()
    } else {
        format!("{text:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> FailoverUri {
        match parse_failover_uri(text) {
            Ok(uri) => uri,
            Err(error) => panic!("{text:?} should parse, got error: {error}"),
        }
    }

    fn error(text: &str) -> String {
        match parse_failover_uri(text) {
            Ok(uri) => panic!("{text:?} should be rejected, got {uri:?}"),
            Err(error) => error,
        }
    }

    fn hosts(names: &[&str]) -> Vec<String> {
        names.iter().map(ToString::to_string).collect()
    }

    fn with_option(query: &str) -> FailoverUri {
        parse(&format!("failover:(tcp://b1:61616,tcp://b2:61616)?{query}"))
    }

    fn option_error(query: &str) -> String {
        error(&format!("failover:(tcp://b1:61616,tcp://b2:61616)?{query}"))
    }

    // ----- the seed example and the defaults -----

    #[test]
    fn seed_example() {
        let uri = parse(
            "failover:(tcp://b1:61616,tcp://b2:61616)?randomize=false&maxReconnectAttempts=-1",
        );
        assert_eq!(
            uri,
            FailoverUri {
                hosts: hosts(&["b1", "b2"]),
                randomize: false,
                max_reconnect_attempts: -1,
                ..FailoverUri::default()
            }
        );
    }

    #[test]
    fn defaults_are_activemqs() {
        let uri = FailoverUri::default();
        assert!(uri.hosts.is_empty());
        assert!(uri.randomize);
        assert_eq!(uri.initial_reconnect_delay_ms, 10);
        assert_eq!(uri.max_reconnect_delay_ms, 30_000);
        assert!(uri.use_exponential_back_off);
        assert_eq!(uri.back_off_multiplier, 2);
        assert_eq!(uri.max_reconnect_attempts, -1);
        assert_eq!(uri.startup_max_reconnect_attempts, -1);
        assert_eq!(uri.timeout_ms, -1);
        assert_eq!(uri.max_inactivity_duration_ms, 30_000);
        assert_eq!(uri.max_inactivity_initial_delay_ms, 10_000);
    }

    #[test]
    fn no_options_gives_defaults() {
        for text in [
            "failover:(tcp://b1:61616,tcp://b2:61616)",
            "failover:(tcp://b1:61616,tcp://b2:61616)?",
            "failover:(tcp://b1:61616,tcp://b2:61616)?&&",
            "failover:tcp://b1:61616,tcp://b2:61616",
        ] {
            assert_eq!(
                parse(text),
                FailoverUri {
                    hosts: hosts(&["b1", "b2"]),
                    ..FailoverUri::default()
                },
                "{text}"
            );
        }
    }

    // ----- forms -----

    #[test]
    fn single_host_in_parentheses() {
        assert_eq!(
            parse("failover:(tcp://primary:61616)").hosts,
            hosts(&["primary"])
        );
    }

    #[test]
    fn form_without_parentheses() {
        let uri = parse("failover:tcp://b1:61616,tcp://b2:61616?randomize=false&timeout=3000");
        assert_eq!(uri.hosts, hosts(&["b1", "b2"]));
        assert!(!uri.randomize);
        assert_eq!(uri.timeout_ms, 3000);

        let single = parse("failover:tcp://primary:61616?maxReconnectAttempts=5");
        assert_eq!(single.hosts, hosts(&["primary"]));
        assert_eq!(single.max_reconnect_attempts, 5);
    }

    #[test]
    fn double_slash_after_scheme_is_accepted() {
        assert_eq!(
            parse("failover://(tcp://b1:61616,tcp://b2:61616)?randomize=false"),
            parse("failover:(tcp://b1:61616,tcp://b2:61616)?randomize=false")
        );
        assert_eq!(parse("failover://tcp://b1:61616").hosts, hosts(&["b1"]));
    }

    #[test]
    fn whitespace_around_uri_and_components_is_ignored() {
        let uri = parse("  failover:( tcp://b1:61616 ,\ttcp://b2:61616 )?randomize=false\n");
        assert_eq!(uri.hosts, hosts(&["b1", "b2"]));
        assert!(!uri.randomize);
    }

    #[test]
    fn port_is_optional_and_dropped() {
        let uri = parse("failover:(tcp://b1,tcp://b2:1,tcp://b3:65535,tcp://b-4.example_x:00080)");
        assert_eq!(uri.hosts, hosts(&["b1", "b2", "b3", "b-4.example_x"]));
    }

    #[test]
    fn hosts_keep_their_order() {
        let uri = parse("failover:(tcp://c:1,tcp://a:2,tcp://b:3)");
        assert_eq!(uri.hosts, hosts(&["c", "a", "b"]));
    }

    #[test]
    fn sixty_four_hosts_are_accepted() {
        let list: Vec<String> = (0..64).map(|i| format!("tcp://b{i}:61616")).collect();
        let uri = parse(&format!("failover:({})", list.join(",")));
        assert_eq!(uri.hosts.len(), 64);
        assert_eq!(uri.hosts[63], "b63");
    }

    #[test]
    fn a_uri_of_exactly_the_limit_is_accepted() {
        let prefix = "failover:(tcp://";
        let suffix = ":61616)";
        let host = "h".repeat(MAX_FAILOVER_URI_BYTES as usize - prefix.len() - suffix.len());
        let text = format!("{prefix}{host}{suffix}");
        assert_eq!(text.len(), MAX_FAILOVER_URI_BYTES as usize);
        assert_eq!(parse(&text).hosts, vec![host]);
    }

    // ----- each failover option -----

    #[test]
    fn randomize() {
        assert!(!with_option("randomize=false").randomize);
        assert!(with_option("randomize=true").randomize);
        assert!(!with_option("randomize=FALSE").randomize);
        assert!(with_option("randomize=True").randomize);
    }

    #[test]
    fn initial_reconnect_delay() {
        assert_eq!(
            with_option("initialReconnectDelay=100").initial_reconnect_delay_ms,
            100
        );
        assert_eq!(
            with_option("initialReconnectDelay=0").initial_reconnect_delay_ms,
            0
        );
        assert_eq!(
            with_option("initialReconnectDelay=18446744073709551615").initial_reconnect_delay_ms,
            u64::MAX
        );
    }

    #[test]
    fn max_reconnect_delay() {
        assert_eq!(
            with_option("maxReconnectDelay=5000").max_reconnect_delay_ms,
            5000
        );
    }

    #[test]
    fn use_exponential_back_off() {
        assert!(!with_option("useExponentialBackOff=false").use_exponential_back_off);
        assert!(with_option("useExponentialBackOff=true").use_exponential_back_off);
    }

    #[test]
    fn back_off_multiplier() {
        for (text, expected) in [
            ("2", 2),
            ("2.0", 2),
            ("3", 3),
            ("3.00", 3),
            ("1", 1),
            ("1.0", 1),
            ("4.", 4),
            ("10", 10),
            ("4294967295", u32::MAX),
        ] {
            assert_eq!(
                with_option(&format!("backOffMultiplier={text}")).back_off_multiplier,
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn max_reconnect_attempts() {
        assert_eq!(
            with_option("maxReconnectAttempts=-1").max_reconnect_attempts,
            -1
        );
        assert_eq!(
            with_option("maxReconnectAttempts=0").max_reconnect_attempts,
            0
        );
        assert_eq!(
            with_option("maxReconnectAttempts=7").max_reconnect_attempts,
            7
        );
        assert_eq!(
            with_option("maxReconnectAttempts=2147483647").max_reconnect_attempts,
            i32::MAX
        );
    }

    #[test]
    fn startup_max_reconnect_attempts() {
        let uri = with_option("startupMaxReconnectAttempts=3");
        assert_eq!(uri.startup_max_reconnect_attempts, 3);
        assert_eq!(uri.max_reconnect_attempts, -1);
        assert_eq!(
            with_option("startupMaxReconnectAttempts=-1").startup_max_reconnect_attempts,
            -1
        );
    }

    #[test]
    fn timeout() {
        assert_eq!(with_option("timeout=3000").timeout_ms, 3000);
        assert_eq!(with_option("timeout=0").timeout_ms, 0);
        assert_eq!(with_option("timeout=-1").timeout_ms, -1);
    }

    #[test]
    fn send_timeout_follows_activemq() {
        assert_eq!(with_option("timeout=3000").send_timeout_ms(), Some(3000));
        assert_eq!(with_option("timeout=0").send_timeout_ms(), None);
        assert_eq!(FailoverUri::default().send_timeout_ms(), None);
    }

    #[test]
    fn track_messages_and_priority_backup_are_accepted_and_ignored() {
        let uri = with_option("trackMessages=true&priorityBackup=false");
        assert_eq!(
            uri,
            FailoverUri {
                hosts: hosts(&["b1", "b2"]),
                ..FailoverUri::default()
            }
        );
    }

    #[test]
    fn every_option_at_once() {
        let uri = with_option(
            "randomize=false&initialReconnectDelay=100&maxReconnectDelay=8000\
             &useExponentialBackOff=false&backOffMultiplier=3.0&maxReconnectAttempts=5\
             &startupMaxReconnectAttempts=2&timeout=1500&trackMessages=true&priorityBackup=true",
        );
        assert_eq!(
            uri,
            FailoverUri {
                hosts: hosts(&["b1", "b2"]),
                randomize: false,
                initial_reconnect_delay_ms: 100,
                max_reconnect_delay_ms: 8000,
                use_exponential_back_off: false,
                back_off_multiplier: 3,
                max_reconnect_attempts: 5,
                startup_max_reconnect_attempts: 2,
                timeout_ms: 1500,
                max_inactivity_duration_ms: 30_000,
                max_inactivity_initial_delay_ms: 10_000,
            }
        );
    }

    // ----- inner URI options -----

    #[test]
    fn inner_wire_format_options() {
        let uri = parse(
            "failover:(tcp://b1:61616?wireFormat.maxInactivityDuration=5000\
             &wireFormat.maxInactivityDurationInitalDelay=2000,tcp://b2:61616)?randomize=false",
        );
        assert_eq!(uri.hosts, hosts(&["b1", "b2"]));
        assert_eq!(uri.max_inactivity_duration_ms, 5000);
        assert_eq!(uri.max_inactivity_initial_delay_ms, 2000);
        assert!(!uri.randomize);
    }

    #[test]
    fn inner_options_come_from_the_first_uri_that_sets_them() {
        let uri = parse(
            "failover:(tcp://b1:61616?wireFormat.maxInactivityDurationInitalDelay=1,\
             tcp://b2:61616?wireFormat.maxInactivityDuration=2&wireFormat.maxInactivityDurationInitalDelay=3,\
             tcp://b3:61616?wireFormat.maxInactivityDuration=4)",
        );
        assert_eq!(uri.max_inactivity_initial_delay_ms, 1);
        assert_eq!(uri.max_inactivity_duration_ms, 2);
    }

    #[test]
    fn inner_zero_disables_the_inactivity_monitor() {
        let uri = parse("failover:(tcp://b1:61616?wireFormat.maxInactivityDuration=0)");
        assert_eq!(uri.max_inactivity_duration_ms, 0);
        assert_eq!(uri.max_inactivity_initial_delay_ms, 10_000);
    }

    #[test]
    fn without_parentheses_trailing_wire_format_options_go_to_the_last_uri() {
        let uri = parse(
            "failover:tcp://b1:61616,tcp://b2:61616?randomize=false\
             &wireFormat.maxInactivityDuration=7000",
        );
        assert!(!uri.randomize);
        assert_eq!(uri.max_inactivity_duration_ms, 7000);

        // An earlier inner URI still wins.
        let uri = parse(
            "failover:tcp://b1:61616?wireFormat.maxInactivityDuration=1000,\
             tcp://b2:61616?wireFormat.maxInactivityDuration=7000\
             &wireFormat.maxInactivityDurationInitalDelay=50",
        );
        assert_eq!(uri.hosts, hosts(&["b1", "b2"]));
        assert_eq!(uri.max_inactivity_duration_ms, 1000);
        assert_eq!(uri.max_inactivity_initial_delay_ms, 50);
    }

    // ----- back-off -----

    #[test]
    fn default_back_off_sequence() {
        let uri = FailoverUri::default();
        let delays: Vec<u64> = (0..14)
            .map(|attempt| uri.reconnect_delay_ms(attempt))
            .collect();
        assert_eq!(
            delays,
            [
                10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10_240, 20_480, 30_000, 30_000
            ]
        );
        assert_eq!(uri.reconnect_delay_ms(1000), 30_000);
        assert_eq!(uri.reconnect_delay_ms(u32::MAX), 30_000);
    }

    #[test]
    fn back_off_with_other_multiplier_and_cap() {
        let uri =
            with_option("initialReconnectDelay=100&backOffMultiplier=3&maxReconnectDelay=1000");
        let delays: Vec<u64> = (0..5)
            .map(|attempt| uri.reconnect_delay_ms(attempt))
            .collect();
        assert_eq!(delays, [100, 300, 900, 1000, 1000]);
    }

    #[test]
    fn back_off_without_exponential_growth_stays_at_the_initial_delay() {
        let uri = with_option(
            "useExponentialBackOff=false&initialReconnectDelay=500&maxReconnectDelay=100",
        );
        for attempt in [0, 1, 2, 50, u32::MAX] {
            assert_eq!(uri.reconnect_delay_ms(attempt), 500);
        }
    }

    #[test]
    fn back_off_multiplier_one_keeps_the_delay() {
        let uri = with_option("backOffMultiplier=1&initialReconnectDelay=70");
        for attempt in [0, 1, 2, u32::MAX] {
            assert_eq!(uri.reconnect_delay_ms(attempt), 70);
        }
    }

    #[test]
    fn back_off_initial_above_cap_waits_initial_once_then_the_cap() {
        let uri = with_option("initialReconnectDelay=50000");
        assert_eq!(uri.reconnect_delay_ms(0), 50_000);
        assert_eq!(uri.reconnect_delay_ms(1), 30_000);
        assert_eq!(uri.reconnect_delay_ms(9), 30_000);
    }

    #[test]
    fn back_off_zero_initial_delay_stays_zero() {
        let uri = with_option("initialReconnectDelay=0");
        assert_eq!(uri.reconnect_delay_ms(0), 0);
        assert_eq!(uri.reconnect_delay_ms(u32::MAX), 0);
    }

    #[test]
    fn back_off_zero_cap() {
        let uri = with_option("maxReconnectDelay=0");
        assert_eq!(uri.reconnect_delay_ms(0), 10);
        assert_eq!(uri.reconnect_delay_ms(1), 0);
        assert_eq!(uri.reconnect_delay_ms(2), 0);
    }

    #[test]
    fn back_off_saturates_instead_of_overflowing() {
        let uri = with_option(
            "initialReconnectDelay=18446744073709551615&maxReconnectDelay=18446744073709551615\
             &backOffMultiplier=4294967295",
        );
        assert_eq!(uri.reconnect_delay_ms(0), u64::MAX);
        assert_eq!(uri.reconnect_delay_ms(u32::MAX), u64::MAX);

        let uri = with_option(
            "initialReconnectDelay=3&maxReconnectDelay=18446744073709551615&backOffMultiplier=4294967295",
        );
        assert_eq!(uri.reconnect_delay_ms(1), 3 * u64::from(u32::MAX));
        assert_eq!(uri.reconnect_delay_ms(3), u64::MAX);
        assert_eq!(uri.reconnect_delay_ms(u32::MAX), u64::MAX);
    }

    #[test]
    fn back_off_treats_a_zero_multiplier_set_by_hand_as_one() {
        let uri = FailoverUri {
            back_off_multiplier: 0,
            ..FailoverUri::default()
        };
        assert_eq!(uri.reconnect_delay_ms(5), 10);
    }

    // ----- may_retry -----

    #[test]
    fn may_retry_forever_by_default() {
        let uri = FailoverUri::default();
        for attempts in [0, 1, 100, u32::MAX] {
            assert!(uri.may_retry(attempts, true));
            assert!(uri.may_retry(attempts, false));
        }
    }

    #[test]
    fn may_retry_at_most_n_times() {
        let uri = with_option("maxReconnectAttempts=3");
        assert!(uri.may_retry(0, true));
        assert!(uri.may_retry(2, true));
        assert!(!uri.may_retry(3, true));
        assert!(!uri.may_retry(u32::MAX, true));
        // startupMaxReconnectAttempts is -1, so the same limit applies at startup.
        assert!(uri.may_retry(2, false));
        assert!(!uri.may_retry(3, false));
    }

    #[test]
    fn may_retry_zero_means_no_reconnect() {
        let uri = with_option("maxReconnectAttempts=0");
        assert!(!uri.may_retry(0, true));
        assert!(!uri.may_retry(0, false));
    }

    #[test]
    fn may_retry_uses_the_startup_limit_before_the_first_connection() {
        let uri = with_option("maxReconnectAttempts=-1&startupMaxReconnectAttempts=2");
        assert!(uri.may_retry(1, false));
        assert!(!uri.may_retry(2, false));
        assert!(uri.may_retry(2, true));
        assert!(uri.may_retry(u32::MAX, true));

        let uri = with_option("maxReconnectAttempts=5&startupMaxReconnectAttempts=0");
        assert!(!uri.may_retry(0, false));
        assert!(uri.may_retry(4, true));
        assert!(!uri.may_retry(5, true));

        let uri = with_option("maxReconnectAttempts=1&startupMaxReconnectAttempts=-1");
        assert!(uri.may_retry(0, false));
        assert!(!uri.may_retry(1, false));
    }

    #[test]
    fn may_retry_with_the_largest_limit() {
        let uri = with_option("maxReconnectAttempts=2147483647");
        assert!(uri.may_retry(2_147_483_646, true));
        assert!(!uri.may_retry(2_147_483_647, true));
        assert!(!uri.may_retry(u32::MAX, true));
    }

    // ----- errors -----

    #[test]
    fn error_plain_broker_uri() {
        assert_eq!(
            error("tcp://b1:61616"),
            "tcp://b1:61616 is a plain broker URI, not a failover URI; \
             expected \"failover:(tcp://host:port,...)\""
        );
    }

    #[test]
    fn error_not_a_failover_uri() {
        assert_eq!(
            error("static:(tcp://b1:61616)"),
            "expected \"failover:(tcp://host:port,...)\", got static:(tcp://b1:61616)"
        );
        assert_eq!(
            error("b1"),
            "expected \"failover:(tcp://host:port,...)\", got b1"
        );
        assert_eq!(
            error("FAILOVER:(tcp://b1:61616)"),
            "expected \"failover:(tcp://host:port,...)\", got FAILOVER:(tcp://b1:61616)"
        );
        assert_eq!(
            error("   "),
            "empty URI; expected \"failover:(tcp://host:port,...)\""
        );
    }

    #[test]
    fn error_empty_host_list() {
        for text in [
            "failover:",
            "failover:()",
            "failover:( )",
            "failover:()?randomize=false",
            "failover:?randomize=false",
            "failover://",
        ] {
            assert_eq!(
                error(text),
                "empty host list; expected \"failover:(tcp://host:port,...)\"",
                "{text}"
            );
        }
    }

    #[test]
    fn error_empty_entry() {
        assert_eq!(
            error("failover:(tcp://b1:61616,)"),
            "empty entry in the host list tcp://b1:61616,"
        );
        assert_eq!(
            error("failover:(tcp://b1:61616,,tcp://b2:61616)"),
            "empty entry in the host list tcp://b1:61616,,tcp://b2:61616"
        );
        assert_eq!(
            error("failover:,tcp://b1:61616"),
            "empty entry in the host list ,tcp://b1:61616"
        );
    }

    #[test]
    fn error_bad_port() {
        assert_eq!(
            error("failover:(tcp://b1:99999)"),
            "bad port \"99999\" in tcp://b1:99999 (a port is a number from 1 to 65535)"
        );
        for port in [
            "0",
            "",
            "abc",
            "-1",
            "+80",
            "65536",
            "6161x",
            "1234567",
            "99999999999999999999",
        ] {
            let text = format!("failover:(tcp://b1:{port})");
            assert!(
                error(&text).starts_with(&format!("bad port {port:?} in tcp://b1:")),
                "{text}"
            );
        }
        assert!(error("failover:(tcp://b1:61616:1)").starts_with("bad port \"61616:1\""));
    }

    #[test]
    fn error_missing_or_bad_host() {
        assert_eq!(
            error("failover:(tcp://:61616)"),
            "missing host in tcp://:61616"
        );
        assert_eq!(error("failover:(tcp://)"), "missing host in tcp://");
        assert_eq!(
            error("failover:(tcp://user@b1:61616)"),
            "bad host \"user@b1\" in tcp://user@b1:61616 \
             (a host name is letters, digits, '-', '.' and '_')"
        );
        assert!(error("failover:(tcp://b1/path)").starts_with("bad host \"b1/path\""));
        assert!(error("failover:(tcp://[::1]:61616)").starts_with("bad host \"[\""));
        assert!(
            error("failover:(tcp://b 1:61616)")
                .starts_with("bad host \"b 1\" in \"tcp://b 1:61616\"")
        );
        assert!(error("failover:(tcp://bé:61616)").starts_with("bad host \"bé\""));
    }

    #[test]
    fn error_duplicate_host() {
        assert_eq!(
            error("failover:(tcp://b1:61616,tcp://b1:61617)"),
            "duplicate host \"b1\" in the host list (brokersim identifies brokers by host name)"
        );
    }

    #[test]
    fn error_unsupported_transport() {
        assert_eq!(
            error("failover:(tcp://b1:61616,ssl://b2:61617)"),
            "unsupported transport \"ssl\" in ssl://b2:61617; brokersim models only tcp:// broker URIs"
        );
        assert!(error("failover:(TCP://b1:61616)").starts_with("unsupported transport \"TCP\""));
        assert_eq!(
            error("failover:(b1:61616)"),
            "expected a tcp://host:port broker URI, got b1:61616"
        );
        assert_eq!(
            error("failover:(b1)"),
            "expected a tcp://host:port broker URI, got b1"
        );
    }

    #[test]
    fn error_parentheses() {
        assert_eq!(
            error("failover:(tcp://b1:61616"),
            "unbalanced parentheses: the \"(\" after \"failover:\" has no matching \")\""
        );
        assert_eq!(
            error("failover:tcp://b1:61616)"),
            "unbalanced parentheses in tcp://b1:61616); expected \"failover:(tcp://host:port,...)\""
        );
        assert_eq!(
            error("failover:(tcp://b1:61616))"),
            "unexpected ) after the closing \")\"; expected \"?option=value&...\" or nothing"
        );
        assert_eq!(
            error("failover:(tcp://b1:61616)randomize=false"),
            "unexpected randomize=false after the closing \")\"; \
             expected \"?option=value&...\" or nothing"
        );
        assert_eq!(
            error("failover:(static:(tcp://b1:61616))"),
            "unexpected \"(\" in the host list static:(tcp://b1:61616; \
             only tcp:// broker URIs may appear there"
        );
    }

    #[test]
    fn error_too_long() {
        let text = format!("failover:(tcp://{}:61616)", "h".repeat(5000));
        assert_eq!(
            error(&text),
            format!(
                "failover URI is {} bytes long, more than the limit of 4096 bytes",
                text.len()
            )
        );
        // The limit applies to the text as given, before whitespace is trimmed.
        let padded = format!("failover:(tcp://b1){}", " ".repeat(5000));
        assert!(error(&padded).starts_with("failover URI is 5019 bytes long"));
    }

    #[test]
    fn error_too_many_hosts() {
        let list: Vec<String> = (0..65).map(|i| format!("tcp://b{i}")).collect();
        assert_eq!(
            error(&format!("failover:({})", list.join(","))),
            "too many hosts: 65, more than the limit of 64"
        );
        // Counted before the entries are parsed, so even empty ones count.
        assert_eq!(
            error(&format!("failover:({})", ",".repeat(100))),
            "too many hosts: 101, more than the limit of 64"
        );
    }

    #[test]
    fn error_unknown_failover_option() {
        assert_eq!(
            option_error("randomise=false"),
            "unknown failover option \"randomise\" (known: randomize, initialReconnectDelay, \
             maxReconnectDelay, useExponentialBackOff, backOffMultiplier, maxReconnectAttempts, \
             startupMaxReconnectAttempts, timeout, trackMessages, priorityBackup)"
        );
        for key in [
            "backup",
            "maxCacheSize",
            "updateURIsSupported",
            "reconnectDelayExponent",
            "nested.wireFormat.maxInactivityDuration",
            "jms.useAsyncSend",
            "",
        ] {
            assert!(
                option_error(&format!("{key}=1")).starts_with(&format!(
                    "unknown failover option {key:?} (known: randomize,"
                )),
                "{key}"
            );
        }
    }

    #[test]
    fn error_unknown_failover_option_differing_only_in_case() {
        assert_eq!(
            option_error("Randomize=false"),
            "unknown failover option \"Randomize\"; did you mean \"randomize\"? \
             (option names are case-sensitive)"
        );
        assert!(
            option_error("maxreconnectattempts=1")
                .contains("did you mean \"maxReconnectAttempts\"?")
        );
    }

    #[test]
    fn error_wire_format_option_outside_the_parentheses() {
        assert_eq!(
            option_error("wireFormat.maxInactivityDuration=1000"),
            "unknown failover option \"wireFormat.maxInactivityDuration\"; wireFormat options \
             belong on the inner URIs, as in \
             \"failover:(tcp://host:port?wireFormat.maxInactivityDuration=...)\""
        );
    }

    #[test]
    fn error_unknown_inner_option() {
        assert_eq!(
            error("failover:(tcp://b1:61616?keepAlive=true)"),
            "unknown option \"keepAlive\" in tcp://b1:61616?keepAlive=true \
             (known: wireFormat.maxInactivityDuration, wireFormat.maxInactivityDurationInitalDelay)"
        );
        assert_eq!(
            error("failover:(tcp://b1:61616?wireFormat.maxInactivityDurationInitialDelay=5)"),
            "unknown option \"wireFormat.maxInactivityDurationInitialDelay\" in \
             tcp://b1:61616?wireFormat.maxInactivityDurationInitialDelay=5; ActiveMQ spells it \
             \"wireFormat.maxInactivityDurationInitalDelay\""
        );
        // Without parentheses a failover option on an inner URI other than the last is unknown.
        assert!(
            error("failover:tcp://b1:61616?randomize=false,tcp://b2:61616")
                .starts_with("unknown option \"randomize\" in tcp://b1:61616?randomize=false")
        );
    }

    #[test]
    fn error_bad_inner_option_value() {
        assert_eq!(
            error("failover:(tcp://b1:61616?wireFormat.maxInactivityDuration=30s)"),
            "wireFormat.maxInactivityDuration must be a whole number of milliseconds, got \"30s\""
        );
        assert_eq!(
            error("failover:(tcp://b1:61616?wireFormat.maxInactivityDurationInitalDelay=-1)"),
            "wireFormat.maxInactivityDurationInitalDelay must be a whole number of milliseconds, \
             got \"-1\""
        );
        assert_eq!(
            error("failover:tcp://b1:61616?wireFormat.maxInactivityDuration=x"),
            "wireFormat.maxInactivityDuration must be a whole number of milliseconds, got \"x\""
        );
    }

    #[test]
    fn error_duplicate_option() {
        assert_eq!(
            option_error("randomize=false&randomize=true"),
            "duplicate failover option \"randomize\""
        );
        assert_eq!(
            option_error("trackMessages=true&timeout=5&trackMessages=true"),
            "duplicate failover option \"trackMessages\""
        );
        assert_eq!(
            error(
                "failover:(tcp://b1:61616?wireFormat.maxInactivityDuration=1\
                 &wireFormat.maxInactivityDuration=2)"
            ),
            "duplicate option \"wireFormat.maxInactivityDuration\" in \
             tcp://b1:61616?wireFormat.maxInactivityDuration=1&wireFormat.maxInactivityDuration=2"
        );
        assert_eq!(
            error(
                "failover:tcp://b1:61616?wireFormat.maxInactivityDuration=1\
                 &wireFormat.maxInactivityDuration=2"
            ),
            "duplicate failover option \"wireFormat.maxInactivityDuration\""
        );
    }

    #[test]
    fn error_option_without_value() {
        assert_eq!(
            option_error("randomize"),
            "failover option \"randomize\" has no value; expected randomize=value"
        );
        assert_eq!(
            error("failover:(tcp://b1:61616?wireFormat.maxInactivityDuration)"),
            "option \"wireFormat.maxInactivityDuration\" in \
             tcp://b1:61616?wireFormat.maxInactivityDuration has no value; \
             expected wireFormat.maxInactivityDuration=value"
        );
    }

    #[test]
    fn error_bad_booleans() {
        for key in [
            "randomize",
            "useExponentialBackOff",
            "trackMessages",
            "priorityBackup",
        ] {
            for value in ["yes", "1", "", "truee", " true"] {
                assert_eq!(
                    option_error(&format!("{key}={value}")),
                    format!("{key} must be true or false, got {value:?}"),
                );
            }
        }
    }

    #[test]
    fn error_bad_milliseconds() {
        assert_eq!(
            option_error("maxReconnectDelay=abc"),
            "maxReconnectDelay must be a whole number of milliseconds, got \"abc\""
        );
        for key in ["initialReconnectDelay", "maxReconnectDelay"] {
            for value in ["-1", "", "1.5", "1e3", "18446744073709551616", "10ms"] {
                assert_eq!(
                    option_error(&format!("{key}={value}")),
                    format!("{key} must be a whole number of milliseconds, got {value:?}"),
                );
            }
        }
    }

    #[test]
    fn error_bad_back_off_multiplier() {
        for value in [
            "0",
            "0.0",
            "1.5",
            "2.01",
            "-2",
            "",
            ".0",
            "abc",
            "2e0",
            "4294967296",
            " 2",
            "+2",
        ] {
            assert_eq!(
                option_error(&format!("backOffMultiplier={value}")),
                format!(
                    "backOffMultiplier must be a whole number >= 1 (such as 2 or 2.0), got {value:?}"
                ),
            );
        }
    }

    #[test]
    fn error_bad_attempts() {
        for key in ["maxReconnectAttempts", "startupMaxReconnectAttempts"] {
            for value in ["-2", "-100", "", "many", "2147483648", "1.0"] {
                assert_eq!(
                    option_error(&format!("{key}={value}")),
                    format!(
                        "{key} must be -1 (no limit) or a whole number of attempts >= 0, got {value:?}"
                    ),
                );
            }
        }
    }

    #[test]
    fn error_bad_timeout() {
        for value in ["-2", "", "soon", "9223372036854775808", "1.5"] {
            assert_eq!(
                option_error(&format!("timeout={value}")),
                format!(
                    "timeout must be -1 (wait forever) or a whole number of milliseconds >= 0, \
                     got {value:?}"
                ),
            );
        }
    }

    #[test]
    fn errors_stay_on_one_line() {
        for text in [
            "failover:(tcp://b\n1:61616)",
            "failover:(tcp://b1:61616)\n?x",
            "failover:(tcp://b1:61616?k\n=1)",
            "fail\nover:(tcp://b1)",
            "failover:(tcp://b1:61616)?random\nize",
            "failover:(tcp://b1:61616)?wireFormat.x\ny=1",
            "failover:(tcp://b1:61616?wireFormat.x\ny)",
        ] {
            let message = error(text);
            assert!(!message.contains('\n'), "{message}");
        }
    }

    /// Deterministic mutations of valid URIs, including multi-byte characters, must never panic.
    #[test]
    fn never_panics_on_mutated_input() {
        let seeds = [
            "failover:(tcp://b1:61616,tcp://b2:61616)?randomize=false&maxReconnectAttempts=-1",
            "failover:tcp://b1:61616?wireFormat.maxInactivityDuration=5,tcp://b2?timeout=1",
            "failover://(tcp://b1:1?wireFormat.maxInactivityDurationInitalDelay=2)?backOffMultiplier=2.0",
        ];
        let alphabet: Vec<char> = "()?&=,:/.-_ 0123456789abtcpé€\u{0}\n\r\t%#@[]"
            .chars()
            .collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |bound: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) % bound as u64) as usize
        };
        for seed in seeds {
            for _ in 0..3000 {
                let mut chars: Vec<char> = seed.chars().collect();
                for _ in 0..=next(4) {
                    let at = next(chars.len() + 1);
                    match next(3) {
                        0 => chars.insert(at, alphabet[next(alphabet.len())]),
                        1 if at < chars.len() => {
                            chars.remove(at);
                        }
                        _ if at < chars.len() => chars[at] = alphabet[next(alphabet.len())],
                        _ => {}
                    }
                }
                let text: String = chars.into_iter().collect();
                match parse_failover_uri(&text) {
                    Ok(uri) => {
                        assert!(!uri.hosts.is_empty());
                        assert!(uri.hosts.len() <= MAX_FAILOVER_HOSTS as usize);
                        let _ = uri.reconnect_delay_ms(u32::MAX);
                        let _ = uri.may_retry(u32::MAX, false);
                    }
                    Err(message) => {
                        assert!(
                            !message.is_empty() && !message.contains(['\n', '\r']),
                            "{text:?}: {message}"
                        );
                    }
                }
            }
        }
    }
}
