//! An ActiveMQ 5.17 shared-store master/slave pair, started by the lab.
//!
//! Two brokers, `a1` and `a2`, each with its own OpenWire and STOMP port on
//! 127.0.0.1 and its own folder, point their KahaDB at one shared folder.
//! KahaDB's default `shared-file-locker` takes an OS lock on
//! `<shared>/lock`: the first broker gets it and becomes master; the other
//! logs that the store is locked and retries every
//! `lockAcquireSleepInterval` (10 s, the default, written out). JMX is off
//! and no web console is configured, so nothing else listens.
//!
//! Each broker is run as `java … -jar /usr/share/activemq/bin/activemq.jar
//! start xbean:file:…`, the command Debian's `/usr/bin/activemq` builds,
//! without the script, so the PID the lab holds is the JVM itself. Its
//! log4j 1.2 layout stamps lines with milliseconds and the offset (the JVM runs in UTC), which
//! [`super::logtime`] reads.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::logtime::{EpochUs, LogWatch, now_us};
use super::procs::Procs;

pub const LOCK_ACQUIRE_SLEEP_INTERVAL_MS: u32 = 10_000;
const HOME: &str = "/usr/share/activemq";

/// One broker of the pair.
#[derive(Debug, Clone)]
pub struct Broker {
    pub name: String,
    pub openwire_port: u16,
    pub stomp_port: u16,
    pub dir: PathBuf,
}

impl Broker {
    pub fn new(index: u16, work: &Path) -> Self {
        assert!((1..=2).contains(&index));
        Broker {
            name: format!("a{index}"),
            openwire_port: 61_710 + index,
            stomp_port: 61_720 + index,
            dir: work.join(format!("a{index}")),
        }
    }

    pub fn log(&self) -> LogWatch {
        LogWatch::new(self.dir.join("activemq.log"))
    }
}

/// The broker's `activemq.xml`: the shared KahaDB with its locker written
/// out, loopback connectors, no JMX.
pub fn activemq_xml(broker: &Broker, shared: &Path) -> String {
    format!(
        r#"<!-- Written by cargo xtask calibrate. -->
<beans xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="{name}" useJmx="false"
          dataDirectory="{data}" schedulerSupport="false" advisorySupport="false">
    <persistenceAdapter>
      <kahaDB directory="{shared}">
        <locker>
          <shared-file-locker lockAcquireSleepInterval="{sleep}"/>
        </locker>
      </kahaDB>
    </persistenceAdapter>
    <transportConnectors>
      <transportConnector name="openwire" uri="tcp://127.0.0.1:{ow}"/>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:{stomp}"/>
    </transportConnectors>
  </broker>
</beans>
"#,
        name = broker.name,
        data = broker.dir.join("data").display(),
        shared = shared.display(),
        sleep = LOCK_ACQUIRE_SLEEP_INTERVAL_MS,
        ow = broker.openwire_port,
        stomp = broker.stomp_port,
    )
}

/// Logging configuration. Debian builds ActiveMQ against log4j 1.2
/// (`liblog4j1.2-java`), not the upstream log4j2: one file, millisecond
/// stamps with their offset (the JVM runs in UTC), written through at
/// once.
pub fn log4j_properties(broker: &Broker) -> String {
    format!(
        "# Written by cargo xtask calibrate.\n\
         log4j.rootLogger=INFO, file\n\
         log4j.appender.file=org.apache.log4j.FileAppender\n\
         log4j.appender.file.File={}\n\
         log4j.appender.file.ImmediateFlush=true\n\
         log4j.appender.file.layout=org.apache.log4j.PatternLayout\n\
         log4j.appender.file.layout.ConversionPattern=%d{{yyyy-MM-dd HH:mm:ss.SSSXXX}} | %-5p | %m | %c | %t%n\n",
        broker.log().path.display()
    )
}

/// The JVM's command line (what /usr/bin/activemq runs on Java 17).
pub fn java_command(broker: &Broker) -> Command {
    let mut cmd = Command::new("java");
    cmd.current_dir(&broker.dir)
        .args(["-Xms64m", "-Xmx256m", "-Duser.timezone=UTC"])
        .args([
            "--add-opens",
            "java.base/java.lang=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.util=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.net=ALL-UNNAMED",
        ])
        .arg(format!("-Dactivemq.home={HOME}"))
        .arg(format!("-Dactivemq.base={}", broker.dir.display()))
        .arg(format!("-Dactivemq.conf={}", broker.dir.display()))
        .arg(format!(
            "-Dactivemq.data={}",
            broker.dir.join("data").display()
        ))
        .arg(format!(
            "-Dlog4j.configuration=file:{}",
            broker.dir.join("log4j.properties").display()
        ))
        .args(["-jar", &format!("{HOME}/bin/activemq.jar"), "start"])
        .arg(format!(
            "xbean:file:{}",
            broker.dir.join("activemq.xml").display()
        ));
    cmd
}

/// The pair's folders; a fresh one per trial, so each starts with an empty store.
#[derive(Debug)]
pub struct Pair {
    pub brokers: [Broker; 2],
}

/// Log line of a broker that has opened its connectors: it is master.
pub const STARTED: &str = ") started";
/// Log line of a broker that found the lock taken: it is slave.
pub const SLAVE: &str = "This broker is now in slave mode waiting a lock to be acquired";

impl Pair {
    pub fn prepare(work: &Path) -> Result<Pair, String> {
        if work.exists() {
            fs::remove_dir_all(work).map_err(|e| format!("clear the ActiveMQ folder: {e}"))?;
        }
        let shared = work.join("shared-kahadb");
        fs::create_dir_all(&shared).map_err(|e| format!("create the shared store: {e}"))?;
        let brokers = [Broker::new(1, work), Broker::new(2, work)];
        for b in &brokers {
            fs::create_dir_all(b.dir.join("data"))
                .map_err(|e| format!("create {}: {e}", b.name))?;
            fs::write(b.dir.join("activemq.xml"), activemq_xml(b, &shared))
                .map_err(|e| format!("write activemq.xml: {e}"))?;
            fs::write(b.dir.join("log4j.properties"), log4j_properties(b))
                .map_err(|e| format!("write log4j.properties: {e}"))?;
        }
        Ok(Pair { brokers })
    }

    /// Starts broker `i` (0 or 1) and waits for the log line `until`; its stamp.
    pub fn start(&self, procs: &mut Procs, i: usize, until: &str) -> Result<EpochUs, String> {
        let b = &self.brokers[i];
        let since = now_us();
        procs
            .spawn(&b.name, java_command(b), &b.dir.join("java.out"))
            .map_err(|e| format!("start {}: {e}", b.name))?;
        b.log()
            .wait_for(&[until], since, Duration::from_secs(120))
            .ok_or_else(|| {
                format!(
                    "{} never logged {until:?} (see {})",
                    b.name,
                    b.dir.display()
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_brokers_share_one_store_with_distinct_ports() {
        let work = Path::new("/tmp/amq");
        let shared = work.join("shared-kahadb");
        let (a1, a2) = (Broker::new(1, work), Broker::new(2, work));
        let (x1, x2) = (activemq_xml(&a1, &shared), activemq_xml(&a2, &shared));
        let store = r#"<kahaDB directory="/tmp/amq/shared-kahadb">"#;
        assert!(x1.contains(store) && x2.contains(store));
        assert!(x1.contains("tcp://127.0.0.1:61711") && x2.contains("tcp://127.0.0.1:61712"));
        assert!(x1.contains("stomp://127.0.0.1:61721") && x2.contains("stomp://127.0.0.1:61722"));
        assert!(x1.contains(r#"<shared-file-locker lockAcquireSleepInterval="10000"/>"#));
        assert!(!x1.contains("0.0.0.0"));
    }

    #[test]
    fn log_layout_stamps_milliseconds_that_logtime_parses() {
        let props = log4j_properties(&Broker::new(2, Path::new("/tmp/amq")));
        assert!(props.contains("log4j.appender.file.File=/tmp/amq/a2/activemq.log\n"));
        assert!(props.contains("%d{yyyy-MM-dd HH:mm:ss.SSSXXX} | %-5p"));
        // What that pattern prints, as logtime must read it.
        let line =
            "2026-12-07 23:56:27.281Z | INFO  | Apache ActiveMQ 5.17.2 (a2, ID:x) started | c | t";
        assert!(super::super::logtime::parse_line_time(line).is_some());
        assert!(line.contains(STARTED));
    }
}
