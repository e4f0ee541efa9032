//! Helpers for running external commands from the workspace root.
//!
//! Every command is announced with a `==> program args…` header line before it
//! runs, so logs (local and CI) show exactly what was executed.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;

/// The workspace root: the grandparent of this crate's manifest directory
/// (`<root>/crates/xtask`).
pub fn workspace_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        manifest_dir
            .parent()
            .and_then(Path::parent)
            .expect("crates/xtask has a grandparent directory")
            .to_path_buf()
    })
}

/// Prints a section header line, e.g. `==> cargo fmt --all -- --check`.
pub fn header(text: &str) {
    println!("==> {text}");
}

/// A command to run with the workspace root as its working directory.
#[derive(Debug, Clone)]
pub struct Cmd {
    program: OsString,
    /// Short program name used in headers and messages (`cargo`, not a path).
    display_program: String,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    null_stdin: bool,
}

impl Cmd {
    /// A command running `program` (looked up on `PATH`).
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        let program = program.as_ref().to_os_string();
        let display_program = program.to_string_lossy().into_owned();
        Cmd {
            program,
            display_program,
            args: Vec::new(),
            envs: Vec::new(),
            null_stdin: false,
        }
    }

    /// A `cargo` command. Uses the cargo that launched xtask (the `CARGO`
    /// environment variable) when available, so the same toolchain is used.
    pub fn cargo() -> Self {
        let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Cmd {
            display_program: "cargo".to_owned(),
            ..Cmd::new(program)
        }
    }

    /// The `brokersim` command (`cargo run --release --quiet -p
    /// brokersim-cli --`, built when needed); the caller adds its arguments.
    pub fn brokersim_cli() -> Self {
        Cmd::cargo().args(["run", "--release", "--quiet", "-p", "brokersim-cli", "--"])
    }

    /// A `rustup` command.
    pub fn rustup() -> Self {
        Cmd::new("rustup")
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_os_string(), value.as_ref().to_os_string()));
        self
    }

    /// Connects the child's stdin to `/dev/null`, so nothing can wait for
    /// input (CI has no stdin).
    pub fn null_stdin(mut self) -> Self {
        self.null_stdin = true;
        self
    }

    /// The command line as shown to the user, e.g. `cargo test --workspace`.
    pub fn display(&self) -> String {
        let mut out = self.display_program.clone();
        for arg in &self.args {
            out.push(' ');
            let arg = arg.to_string_lossy();
            if arg.is_empty() || arg.contains(char::is_whitespace) {
                out.push('\'');
                out.push_str(&arg);
                out.push('\'');
            } else {
                out.push_str(&arg);
            }
        }
        out
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .current_dir(workspace_root());
        if self.null_stdin {
            command.stdin(Stdio::null());
        }
        command
    }

    /// Prints the header and runs the command, letting its output through.
    /// Fails if it cannot be started or exits unsuccessfully.
    pub fn run(&self) -> Result<(), CmdError> {
        header(&self.display());
        let status = self
            .command()
            .status()
            .map_err(|err| self.spawn_error(err))?;
        self.check(status)
    }

    /// Prints the header, runs the command and returns its stdout (stderr is
    /// let through). Fails if it cannot be started or exits unsuccessfully.
    pub fn read_stdout(&self) -> Result<String, CmdError> {
        header(&self.display());
        let output = self
            .command()
            .stderr(Stdio::inherit())
            .output()
            .map_err(|err| self.spawn_error(err))?;
        self.check(output.status)?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn spawn_error(&self, source: io::Error) -> CmdError {
        CmdError::Spawn {
            command: self.display(),
            program: self.display_program.clone(),
            source,
        }
    }

    fn check(&self, status: ExitStatus) -> Result<(), CmdError> {
        if status.success() {
            Ok(())
        } else {
            Err(CmdError::Failed {
                command: self.display(),
                status,
            })
        }
    }
}

/// Why a command did not succeed.
#[derive(Debug)]
pub enum CmdError {
    /// The program could not be started (usually: not installed / not on PATH).
    Spawn {
        command: String,
        program: String,
        source: io::Error,
    },
    /// The program ran and exited unsuccessfully.
    Failed { command: String, status: ExitStatus },
}

impl CmdError {
    /// The exit code xtask should end with: the child's own code when it has
    /// one, otherwise 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            CmdError::Failed { status, .. } => status
                .code()
                .and_then(|code| u8::try_from(code).ok())
                .filter(|&code| code != 0)
                .unwrap_or(1),
            CmdError::Spawn { .. } => 1,
        }
    }
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmdError::Spawn {
                command,
                program,
                source,
            } if source.kind() == io::ErrorKind::NotFound => write!(
                f,
                "could not run `{command}`: `{program}` was not found on PATH ({source})"
            ),
            CmdError::Spawn {
                command, source, ..
            } => write!(f, "could not run `{command}`: {source}"),
            CmdError::Failed { command, status } => match status.code() {
                Some(code) => write!(f, "`{command}` failed with exit code {code}"),
                None => write!(f, "`{command}` failed ({status})"),
            },
        }
    }
}

impl std::error::Error for CmdError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CmdError::Spawn { source, .. } => Some(source),
            CmdError::Failed { .. } => None,
        }
    }
}
