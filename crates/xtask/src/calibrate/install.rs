//! What the lab needs, from the registries this machine reaches: Debian's
//! `rabbitmq-server` (3.10.8, on Erlang 25) and `activemq` (5.17.2) with
//! apt-get, and a Python venv under `target/calibrate/venv` with pika and
//! stomp.py from PyPI at pinned versions. Steps already done are skipped.
//!
//! The Debian packages would start their own services (a `rabbit@host`
//! node, an ActiveMQ on 61616) on install. The lab starts its own
//! processes instead, so it installs under a `policy-rc.d` that refuses
//! every service start, and removes that file again if it put it there.

use std::fs;
use std::path::{Path, PathBuf};

use crate::cmd::{Cmd, CmdError};
use crate::web::failed;

/// The packages and the file each one installs that the lab runs.
const PACKAGES: [(&str, &str); 2] = [
    ("rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server"),
    ("activemq", "/usr/share/activemq/bin/activemq.jar"),
];

/// The versions the lab's measurements are for.
pub const RABBITMQ_VERSION: &str = "3.10.8";
pub const ACTIVEMQ_VERSION: &str = "5.17.2";

/// PyPI clients, pinned: pika for AMQP 0-9-1, stomp.py for ActiveMQ's STOMP.
const PYTHON_PACKAGES: [&str; 2] = ["pika==1.3.2", "stomp.py==8.2.0"];

const POLICY_RC_D: &str = "/usr/sbin/policy-rc.d";

/// Installs the Debian packages that are missing.
pub fn ensure_packages() -> Result<(), CmdError> {
    let missing: Vec<&str> = PACKAGES
        .iter()
        .filter(|(_, file)| !Path::new(file).exists())
        .map(|(name, _)| *name)
        .collect();
    if missing.is_empty() {
        println!("rabbitmq-server and activemq are installed");
        return Ok(());
    }
    let ours = !Path::new(POLICY_RC_D).exists();
    if ours {
        // 101 = "action forbidden by policy": invoke-rc.d starts nothing.
        fs::write(
            POLICY_RC_D,
            "#!/bin/sh\n# written by cargo xtask calibrate\nexit 101\n",
        )
        .map_err(|e| failed("write /usr/sbin/policy-rc.d", e))?;
        set_executable(Path::new(POLICY_RC_D))?;
    }
    let result = Cmd::new("apt-get")
        .arg("update")
        .null_stdin()
        .run()
        .and_then(|()| {
            Cmd::new("apt-get")
                .args(["install", "-y", "--no-install-recommends"])
                .args(&missing)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .null_stdin()
                .run()
        });
    if ours {
        let _ = fs::remove_file(POLICY_RC_D);
    }
    result
}

fn set_executable(path: &Path) -> Result<(), CmdError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .map_err(|e| failed("chmod policy-rc.d", e))
}

/// The venv's python, with the clients installed.
pub fn ensure_venv(dir: &Path) -> Result<PathBuf, CmdError> {
    let python = dir.join("bin/python");
    let stamp = dir.join(".lab-packages");
    let wanted = PYTHON_PACKAGES.join("\n");
    if python.exists() && fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        println!("{} has {}", dir.display(), PYTHON_PACKAGES.join(", "));
        return Ok(python);
    }
    Cmd::new("python3")
        .args(["-m", "venv"])
        .arg(dir)
        .null_stdin()
        .run()?;
    Cmd::new(&python)
        .args(["-m", "pip", "install", "--quiet"])
        .args(PYTHON_PACKAGES)
        .null_stdin()
        .run()?;
    fs::write(&stamp, wanted).map_err(|e| failed("write the venv stamp", e))?;
    Ok(python)
}
