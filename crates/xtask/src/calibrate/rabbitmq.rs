//! A 3-node RabbitMQ 3.10 cluster on one host, started by the lab.
//!
//! Each node has its own name (`rabbit1@localhost` …), AMQP port, Erlang
//! distribution port and data and log folders under the lab's work
//! directory; all share one Erlang cookie (the lab's `HOME`) and one
//! `epmd`, which the lab starts itself on its own port so it never meets
//! another Erlang on the machine. Listeners and distribution are bound to
//! 127.0.0.1; no plugin is enabled, so management is off. `net_ticktime`
//! is lowered to 10 s, as in the measurements. Nodes join through
//! `classic_config` peer discovery: rabbit1 starts alone, then the others
//! find it and join.
//!
//! Nodes are started by running `/usr/lib/rabbitmq/bin/rabbitmq-server`
//! with `RUNNING_UNDER_SYSTEMD=1`, which makes the script `exec` erl
//! instead of waiting on it from a shell, so the PID the lab holds is the
//! Erlang VM itself and SIGKILL reaches the broker, not a wrapper.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::logtime::{EpochUs, LogWatch, now_us};
use super::procs::Procs;

pub const NODES: usize = 3;
pub const NET_TICKTIME_S: u32 = 10;
pub const EPMD_PORT: u16 = 4370;
const COOKIE: &str = "BROKERSIMCALIBRATIONLAB";
const SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";

/// One node's fixed facts.
#[derive(Debug, Clone)]
pub struct Node {
    /// 1-based, as in `rabbit1`.
    pub index: usize,
    pub amqp_port: u16,
    pub dist_port: u16,
    pub dir: PathBuf,
}

impl Node {
    pub fn new(index: usize, work: &Path) -> Self {
        assert!((1..=NODES).contains(&index));
        let i = u16::try_from(index).expect("small index");
        Node {
            index,
            amqp_port: 5680 + i,
            dist_port: 25680 + i,
            dir: work.join(format!("rabbit{index}")),
        }
    }

    pub fn name(&self) -> String {
        format!("rabbit{}@localhost", self.index)
    }

    pub fn log(&self) -> LogWatch {
        LogWatch::new(self.dir.join("log").join(format!("{}.log", self.name())))
    }
}

/// `rabbitmq.conf` for one node: loopback listener, debug logging with
/// microsecond stamps to the file only, and the cluster's peers.
pub fn rabbitmq_conf(node: &Node) -> String {
    let mut conf = format!(
        "# Written by cargo xtask calibrate.\n\
         listeners.tcp.1 = 127.0.0.1:{}\n\
         log.file.level = debug\n\
         log.console = false\n\
         cluster_formation.peer_discovery_backend = classic_config\n",
        node.amqp_port
    );
    for i in 1..=NODES {
        conf.push_str(&format!(
            "cluster_formation.classic_config.nodes.{i} = rabbit{i}@localhost\n"
        ));
    }
    conf
}

/// `advanced.config`: kernel settings rabbitmq.conf cannot express.
pub fn advanced_config() -> String {
    format!(
        "%% Written by cargo xtask calibrate.\n\
         [{{kernel, [{{net_ticktime, {NET_TICKTIME_S}}}, {{inet_dist_use_interface, {{127,0,0,1}}}}]}}].\n"
    )
}

/// The environment `rabbitmq-server` reads for one node.
pub fn node_env(node: &Node, work: &Path) -> Vec<(String, String)> {
    let d = |rel: &str| node.dir.join(rel).display().to_string();
    vec![
        ("HOME".into(), work.join("home").display().to_string()),
        ("ERL_EPMD_PORT".into(), EPMD_PORT.to_string()),
        ("RUNNING_UNDER_SYSTEMD".into(), "1".into()),
        ("RABBITMQ_NODENAME".into(), node.name()),
        ("RABBITMQ_DIST_PORT".into(), node.dist_port.to_string()),
        ("RABBITMQ_BASE".into(), d("")),
        ("RABBITMQ_MNESIA_BASE".into(), d("mnesia")),
        ("RABBITMQ_LOG_BASE".into(), d("log")),
        ("RABBITMQ_CONFIG_FILE".into(), d("rabbitmq.conf")),
        ("RABBITMQ_ADVANCED_CONFIG_FILE".into(), d("advanced.config")),
        (
            "RABBITMQ_ENABLED_PLUGINS_FILE".into(),
            work.join("enabled_plugins").display().to_string(),
        ),
        ("RABBITMQ_PID_FILE".into(), d("pid")),
    ]
}

/// The running cluster; its processes live in the lab's [`Procs`].
#[derive(Debug)]
pub struct Cluster {
    pub work: PathBuf,
    pub nodes: Vec<Node>,
}

fn io_err(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

impl Cluster {
    /// Writes every node's files into a fresh `work` folder.
    pub fn prepare(work: &Path) -> Result<Cluster, String> {
        if work.exists() {
            fs::remove_dir_all(work).map_err(|e| io_err("clear the RabbitMQ folder", e))?;
        }
        let home = work.join("home");
        fs::create_dir_all(&home).map_err(|e| io_err("create the lab HOME", e))?;
        let cookie = home.join(".erlang.cookie");
        fs::write(&cookie, COOKIE).map_err(|e| io_err("write the cookie", e))?;
        {
            use std::os::unix::fs::PermissionsExt;
            // Erlang refuses a cookie others can read.
            fs::set_permissions(&cookie, fs::Permissions::from_mode(0o400))
                .map_err(|e| io_err("chmod the cookie", e))?;
        }
        fs::write(work.join("enabled_plugins"), "[].\n")
            .map_err(|e| io_err("write enabled_plugins", e))?;
        let nodes: Vec<Node> = (1..=NODES).map(|i| Node::new(i, work)).collect();
        for node in &nodes {
            fs::create_dir_all(&node.dir).map_err(|e| io_err("create a node folder", e))?;
            fs::write(node.dir.join("rabbitmq.conf"), rabbitmq_conf(node))
                .map_err(|e| io_err("write rabbitmq.conf", e))?;
            fs::write(node.dir.join("advanced.config"), advanced_config())
                .map_err(|e| io_err("write advanced.config", e))?;
        }
        Ok(Cluster {
            work: work.to_path_buf(),
            nodes,
        })
    }

    pub fn node(&self, index: usize) -> &Node {
        &self.nodes[index - 1]
    }

    /// Starts the lab's epmd, on 127.0.0.1 and its own port.
    pub fn start_epmd(&self, procs: &mut Procs) -> Result<(), String> {
        let mut cmd = Command::new("epmd");
        cmd.args(["-port", &EPMD_PORT.to_string(), "-address", "127.0.0.1"]);
        procs
            .spawn("epmd", cmd, &self.work.join("epmd.out"))
            .map_err(|e| io_err("start epmd", e))?;
        std::thread::sleep(Duration::from_millis(500));
        Ok(())
    }

    /// Starts node `index` (again, after a kill: its data folder is kept)
    /// and returns when it logs that startup completed, with that stamp.
    pub fn start_node(
        &self,
        procs: &mut Procs,
        index: usize,
        timeout: Duration,
    ) -> Result<EpochUs, String> {
        let node = self.node(index);
        let since = now_us();
        let mut cmd = Command::new(SERVER);
        cmd.current_dir(&node.dir).envs(node_env(node, &self.work));
        procs
            .spawn(&node.name(), cmd, &node.dir.join("server.out"))
            .map_err(|e| io_err("start rabbitmq-server", e))?;
        node.log()
            .wait_for(&["Server startup complete"], since, timeout)
            .ok_or_else(|| {
                format!(
                    "{} did not start within {timeout:?} (see {})",
                    node.name(),
                    node.dir.display()
                )
            })
    }

    /// Starts the cluster: rabbit1 first, then the others, which join it;
    /// returns once rabbit1 has seen every other node's `rabbit` come up.
    pub fn start(&self, procs: &mut Procs) -> Result<(), String> {
        let since = now_us();
        self.start_epmd(procs)?;
        self.start_node(procs, 1, Duration::from_secs(120))?;
        for i in 2..=NODES {
            self.start_node(procs, i, Duration::from_secs(120))?;
        }
        self.wait_joined(1, since)?;
        self.start_watcher(procs)
    }

    /// The watcher's output file.
    pub fn watch_file(&self) -> PathBuf {
        self.work.join("watch.out")
    }

    /// Starts the hidden watcher node and waits until it is connected to
    /// every node.
    fn start_watcher(&self, procs: &mut Procs) -> Result<(), String> {
        let names: Vec<String> = self.nodes.iter().map(Node::name).collect();
        procs
            .spawn(
                "watcher",
                super::watcher::command(&self.work, &names),
                &self.watch_file(),
            )
            .map_err(|e| io_err("start the watcher node", e))?;
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let out = fs::read_to_string(self.watch_file()).unwrap_or_default();
            let up = names.iter().all(|n| {
                out.lines()
                    .filter_map(super::watcher::parse_line)
                    .any(|(_, k, node, _)| k == "nodeup" && node == n)
            });
            if up {
                return Ok(());
            }
            if std::time::Instant::now() >= deadline {
                return Err(format!(
                    "the watcher node never reached every node (see {})",
                    self.watch_file().display()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until node `watcher` logs every other node's rabbit up after `since`.
    pub fn wait_joined(&self, watcher: usize, since: EpochUs) -> Result<(), String> {
        for node in self.nodes.iter().filter(|n| n.index != watcher) {
            self.wait_up(watcher, node.index, since)?;
        }
        Ok(())
    }

    /// Waits until node `watcher` logs node `index`'s rabbit up after `since`.
    pub fn wait_up(&self, watcher: usize, index: usize, since: EpochUs) -> Result<(), String> {
        let up = format!("rabbit on node {} up", self.node(index).name());
        self.node(watcher)
            .log()
            .wait_for(&[&up], since, Duration::from_secs(60))
            .map(|_| ())
            .ok_or_else(|| {
                format!(
                    "{} never saw {} join",
                    self.node(watcher).name(),
                    self.node(index).name()
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_have_distinct_ports_names_and_folders() {
        let work = Path::new("/tmp/lab");
        let nodes: Vec<Node> = (1..=NODES).map(|i| Node::new(i, work)).collect();
        for (a, b) in [(0, 1), (0, 2), (1, 2)] {
            assert_ne!(nodes[a].amqp_port, nodes[b].amqp_port);
            assert_ne!(nodes[a].dist_port, nodes[b].dist_port);
            assert_ne!(nodes[a].name(), nodes[b].name());
            assert_ne!(nodes[a].dir, nodes[b].dir);
        }
        assert_eq!(
            nodes[1].log().path,
            Path::new("/tmp/lab/rabbit2/log/rabbit2@localhost.log")
        );
    }

    #[test]
    fn rabbitmq_conf_binds_loopback_logs_debug_and_lists_every_peer() {
        let conf = rabbitmq_conf(&Node::new(2, Path::new("/tmp/lab")));
        assert!(conf.contains("listeners.tcp.1 = 127.0.0.1:5682\n"));
        assert!(conf.contains("log.file.level = debug\n"));
        for i in 1..=NODES {
            assert!(conf.contains(&format!("nodes.{i} = rabbit{i}@localhost\n")));
        }
    }

    #[test]
    fn advanced_config_lowers_net_ticktime_and_binds_distribution_to_loopback() {
        let adv = advanced_config();
        assert!(adv.contains("{net_ticktime, 10}"));
        assert!(adv.contains("{inet_dist_use_interface, {127,0,0,1}}"));
        assert!(
            adv.trim_end().ends_with("]."),
            "an Erlang term file ends with a dot"
        );
    }

    #[test]
    fn the_server_script_is_told_to_exec_erl() {
        let env = node_env(&Node::new(1, Path::new("/tmp/lab")), Path::new("/tmp/lab"));
        let get = |k: &str| {
            env.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("RUNNING_UNDER_SYSTEMD"), Some("1"));
        assert_eq!(get("RABBITMQ_DIST_PORT"), Some("25681"));
        assert_eq!(get("ERL_EPMD_PORT"), Some("4370"));
        assert_eq!(get("HOME"), Some("/tmp/lab/home"));
    }
}
