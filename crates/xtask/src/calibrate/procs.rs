//! The lab's own processes: started here, stopped here, by PID only.
//!
//! Every broker (and the lab's `epmd`) is spawned in a process group of
//! its own, so a Ctrl-C in the terminal reaches xtask alone, and its PID
//! goes into a fixed table. Three paths stop them all: dropping the
//! [`Procs`] guard (normal end, an error, a panic), and a SIGINT, SIGTERM
//! or SIGHUP handler that SIGKILLs every PID in the table and exits. The
//! handler only calls `kill` and `_exit`, both async-signal-safe. Nothing
//! is ever stopped by name: the other engineers' processes share this
//! machine.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use std::os::unix::process::CommandExt;

/// PIDs the lab has started and not yet reaped; 0 = free slot. A fixed
/// array, because the signal handler may not allocate or lock.
const SLOTS: usize = 32;
static PIDS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

extern "C" fn on_signal(sig: libc::c_int) {
    for slot in &PIDS {
        let pid = slot.load(Ordering::SeqCst);
        if pid > 0 {
            // SAFETY: kill(2) is async-signal-safe; the PID is one we started.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
    // SAFETY: _exit is async-signal-safe; 128 + signal, as a shell reports it.
    unsafe { libc::_exit(128 + sig) }
}

/// Installs the handler that kills the lab's processes on Ctrl-C.
pub fn install_signal_handlers() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: a plain handler that only uses async-signal-safe calls.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}

/// A process the lab started.
#[derive(Debug)]
pub struct Proc {
    pub name: String,
    child: Child,
    slot: usize,
}

impl Proc {
    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("PIDs fit in i32")
    }

    /// Sends `sig` to this process only.
    pub fn signal(&self, sig: libc::c_int) -> std::io::Result<()> {
        // SAFETY: kill(2) on a PID we started and have not reaped.
        let rc = unsafe { libc::kill(self.pid(), sig) };
        if rc == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    /// Whether it is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILLs it (SIGKILL also ends a stopped process) and reaps it.
    fn kill_and_reap(&mut self) {
        if self.alive() {
            let _ = self.signal(libc::SIGKILL);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.wait();
        PIDS[self.slot].store(0, Ordering::SeqCst);
    }
}

/// The guard: owns every process the lab started and kills them when dropped.
#[derive(Debug, Default)]
pub struct Procs {
    procs: Vec<Proc>,
}

impl Procs {
    /// Spawns `command` in its own process group with stdin from
    /// /dev/null and stdout/stderr to `log`, and registers its PID.
    pub fn spawn(
        &mut self,
        name: &str,
        mut command: Command,
        log: &std::path::Path,
    ) -> std::io::Result<i32> {
        let out = std::fs::File::create(log)?;
        let err = out.try_clone()?;
        let slot = PIDS
            .iter()
            .position(|s| s.load(Ordering::SeqCst) == 0)
            .ok_or_else(|| std::io::Error::other("the lab's process table is full"))?;
        command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        let child = command.spawn()?;
        let proc = Proc {
            name: name.to_owned(),
            child,
            slot,
        };
        let pid = proc.pid();
        PIDS[slot].store(pid, Ordering::SeqCst);
        self.procs.push(proc);
        Ok(pid)
    }

    pub fn get(&mut self, name: &str) -> Option<&mut Proc> {
        self.procs.iter_mut().find(|p| p.name == name)
    }

    /// Kills and forgets the process called `name`, if any.
    pub fn stop(&mut self, name: &str) {
        if let Some(i) = self.procs.iter().position(|p| p.name == name) {
            let mut proc = self.procs.remove(i);
            proc.kill_and_reap();
        }
    }

    /// Kills every process, newest first.
    pub fn stop_all(&mut self) {
        while let Some(mut proc) = self.procs.pop() {
            proc.kill_and_reap();
        }
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        self.stop_all();
    }
}
