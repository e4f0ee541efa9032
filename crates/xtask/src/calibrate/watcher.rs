//! A hidden Erlang node that watches the cluster from inside the Erlang
//! distribution, for times the brokers' own log lines blur.
//!
//! A RabbitMQ node writes `node X down` only after `rabbit_node_monitor`
//! has handled the event and the logger has formatted it: on two busy
//! cores that adds tens of milliseconds. The watcher is an idle `erl`
//! node (`-hidden`, so RabbitMQ never counts it as a cluster member) with
//! the cluster's cookie and `net_ticktime`, connected to every node. It
//! subscribes to `net_kernel:monitor_nodes/2` and prints, for each
//! `nodeup`/`nodedown` the moment its process receives it,
//! `<µs since epoch> nodedown <node> <reason>`: a killed node's socket
//! closes (`connection_closed`), a frozen one misses its ticks
//! (`net_tick_timeout`), exactly as for the rabbit peers.

use std::path::Path;
use std::process::Command;

use super::logtime::EpochUs;
use super::rabbitmq::{EPMD_PORT, NET_TICKTIME_S};

pub const NAME: &str = "calwatch@localhost";

/// The Erlang the watcher evaluates: a reconnecting helper (connecting to
/// a frozen node can block for seconds, so the printing loop never does
/// it) and a loop that stamps and prints every node event.
pub fn eval_expr(nodes: &[String]) -> String {
    let list = nodes
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        "Nodes = [{list}], \
         ok = net_kernel:monitor_nodes(true, [nodedown_reason, {{node_type, all}}]), \
         spawn(fun Reconnect() -> [net_kernel:connect_node(N) || N <- Nodes, \
             not lists:member(N, nodes(connected))], timer:sleep(200), Reconnect() end), \
         Loop = fun L() -> receive \
             {{nodeup, N, _}} -> io:format(\"~b nodeup ~s~n\", [os:system_time(microsecond), N]); \
             {{nodedown, N, Info}} -> io:format(\"~b nodedown ~s ~p~n\", \
                 [os:system_time(microsecond), N, proplists:get_value(nodedown_reason, Info)]) \
             end, L() end, \
         Loop()."
    )
}

/// The watcher's command line.
pub fn command(work: &Path, nodes: &[String]) -> Command {
    let mut cmd = Command::new("erl");
    cmd.env("HOME", work.join("home"))
        .env("ERL_EPMD_PORT", EPMD_PORT.to_string())
        .args(["-sname", NAME, "-hidden", "-noinput"])
        .args(["-kernel", "net_ticktime", &NET_TICKTIME_S.to_string()])
        .args(["-kernel", "inet_dist_use_interface", "{127,0,0,1}"])
        .arg("-eval")
        .arg(eval_expr(nodes));
    cmd
}

/// One printed event: (stamp, `nodeup`/`nodedown`, node, reason).
pub fn parse_line(line: &str) -> Option<(EpochUs, &str, &str, &str)> {
    let mut parts = line.split_whitespace();
    let at = parts.next()?.parse().ok()?;
    let kind = parts
        .next()
        .filter(|k| matches!(*k, "nodeup" | "nodedown"))?;
    let node = parts.next()?;
    Some((at, kind, node, parts.next().unwrap_or("")))
}

/// The first `nodedown` of `node` at or after `since`: its stamp and reason.
pub fn first_nodedown<'a>(
    output: &'a str,
    node: &str,
    since: EpochUs,
) -> Option<(EpochUs, &'a str)> {
    output
        .lines()
        .filter_map(parse_line)
        .find(|&(at, kind, n, _)| kind == "nodedown" && n == node && at >= since)
        .map(|(at, _, _, reason)| (at, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expression_names_every_node_and_ends_with_a_dot() {
        let e = eval_expr(&["rabbit1@localhost".into(), "rabbit2@localhost".into()]);
        assert!(e.starts_with("Nodes = ['rabbit1@localhost','rabbit2@localhost'], "));
        assert!(e.contains("nodedown_reason"));
        assert!(e.ends_with("Loop()."));
        assert_eq!(e.matches('(').count(), e.matches(')').count());
        assert_eq!(e.matches('[').count(), e.matches(']').count());
    }

    #[test]
    fn the_first_nodedown_after_the_fault_is_found_with_its_reason() {
        let out = "1000 nodeup rabbit3@localhost\n\
                   2000 nodedown rabbit3@localhost net_tick_timeout\n\
                   =WARNING REPORT==== something Erlang printed\n\
                   5000 nodedown rabbit2@localhost connection_closed\n\
                   6000 nodedown rabbit3@localhost connection_closed\n";
        assert_eq!(
            first_nodedown(out, "rabbit3@localhost", 3000),
            Some((6000, "connection_closed"))
        );
        assert_eq!(
            first_nodedown(out, "rabbit3@localhost", 0),
            Some((2000, "net_tick_timeout"))
        );
        assert_eq!(first_nodedown(out, "rabbit1@localhost", 0), None);
    }
}
