//! Starting and stopping the server under test.

use crate::api;
use anyhow::{Context, Result, anyhow, bail};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// How long the server may take to migrate, load the demo data and listen.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);
/// How long it may take to shut down after SIGTERM.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

const CONFIG: &str = "\
# Written by madoguchi-bench: the benchmark client runs on loopback and
# must not be rate-limited.
[web]
rate_limit_exempt_loopback = true
";

/// Where `--config` goes on the command line. The contract names the option
/// but not its place; a server that refuses one place is started again with
/// the next (the environment variable exempts loopback in every case).
#[derive(Debug, Clone, Copy)]
enum ConfigPlacement {
    BeforeCommand,
    AfterServe,
    EnvironmentOnly,
}

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base: String,
    pub db: PathBuf,
    pub log: PathBuf,
    pub command: String,
    pub startup: Duration,
}

enum LaunchError {
    /// The server exited at once, complaining about `--config`.
    ConfigRefused(anyhow::Error),
    Other(anyhow::Error),
}

impl Server {
    /// Starts `bin … serve --demo` on a fresh database in `dir` and waits
    /// until `GET /api/v1/venues` answers.
    pub async fn start(bin: &Path, dir: &Path) -> Result<Server> {
        let config = dir.join("bench.toml");
        std::fs::write(&config, CONFIG)
            .with_context(|| format!("cannot write {}", config.display()))?;
        let mut refused = None;
        for (attempt, placement) in [
            ConfigPlacement::BeforeCommand,
            ConfigPlacement::AfterServe,
            ConfigPlacement::EnvironmentOnly,
        ]
        .into_iter()
        .enumerate()
        {
            match launch(bin, dir, &config, attempt, placement).await {
                Ok(server) => return Ok(server),
                Err(LaunchError::ConfigRefused(e)) => {
                    eprintln!(
                        "  (the server refused --config placed {placement:?}; trying another way)"
                    );
                    refused = Some(e);
                }
                Err(LaunchError::Other(e)) => return Err(e),
            }
        }
        Err(refused.unwrap_or_else(|| anyhow!("the server did not start")))
    }

    /// SIGTERM, then SIGKILL if it has not exited in time.
    pub async fn stop(mut self) -> Result<ExitStatus> {
        if let Some(status) = self.child.try_wait()? {
            return Ok(status);
        }
        let terminated = match self.child.id() {
            Some(pid) => std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .map(|s| s.success())
                .unwrap_or(false),
            None => false,
        };
        if terminated {
            if let Ok(status) = tokio::time::timeout(SHUTDOWN_TIMEOUT, self.child.wait()).await {
                return Ok(status?);
            }
            eprintln!(
                "  the server did not exit within {SHUTDOWN_TIMEOUT:?} of SIGTERM; killing it"
            );
        }
        self.child.kill().await?;
        Ok(self.child.wait().await?)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Whether the server is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The last lines of the server's log, for error messages.
    pub fn log_tail(&self) -> String {
        tail(&self.log)
    }
}

async fn launch(
    bin: &Path,
    dir: &Path,
    config: &Path,
    attempt: usize,
    placement: ConfigPlacement,
) -> Result<Server, LaunchError> {
    let other = LaunchError::Other;
    let port = free_port().map_err(other)?;
    let listen = format!("127.0.0.1:{port}");
    let db = dir.join(format!("madoguchi-{attempt}.sqlite3"));
    let log = dir.join(format!("server-{attempt}.log"));
    let log_file = std::fs::File::create(&log)
        .with_context(|| format!("cannot create {}", log.display()))
        .map_err(other)?;
    let log_err = log_file
        .try_clone()
        .context("cannot share the log file")
        .map_err(other)?;

    let mut args: Vec<String> = vec!["--db".into(), db.display().to_string()];
    if matches!(placement, ConfigPlacement::BeforeCommand) {
        args.extend(["--config".into(), config.display().to_string()]);
    }
    args.push("serve".into());
    if matches!(placement, ConfigPlacement::AfterServe) {
        args.extend(["--config".into(), config.display().to_string()]);
    }
    args.extend(["--listen".into(), listen.clone(), "--demo".into()]);
    let command = format!(
        "MADOGUCHI_WEB_RATE_LIMIT_EXEMPT_LOOPBACK=true {} {}",
        bin.display(),
        args.join(" ")
    );

    let started = Instant::now();
    let mut child = Command::new(bin)
        .args(&args)
        .env("MADOGUCHI_WEB_RATE_LIMIT_EXEMPT_LOOPBACK", "true")
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_err)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))
        .map_err(other)?;

    let client = api::client(1).map_err(other)?;
    let mut base = format!("http://{listen}");
    let deadline = started + STARTUP_TIMEOUT;
    loop {
        if let Some(status) = child
            .try_wait()
            .context("cannot poll the server")
            .map_err(other)?
        {
            let log_text = tail(&log);
            let e =
                anyhow!("the server exited during start-up ({status}); its log ends:\n{log_text}");
            return Err(
                if log_text.contains("--config")
                    && !matches!(placement, ConfigPlacement::EnvironmentOnly)
                {
                    LaunchError::ConfigRefused(e)
                } else {
                    LaunchError::Other(e)
                },
            );
        }
        if let Some(addr) = announced_address(&log) {
            base = format!("http://{addr}");
        }
        if let Ok(response) = client
            .get(format!("{base}/api/v1/venues"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            && response.status().is_success()
        {
            return Ok(Server {
                child,
                base,
                db,
                log,
                command,
                startup: started.elapsed(),
            });
        }
        if Instant::now() > deadline {
            // Dropping the child kills it (kill_on_drop).
            return Err(other(anyhow!(
                "the server did not answer GET /api/v1/venues within {STARTUP_TIMEOUT:?}; its log ends:\n{}",
                tail(&log)
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// The address in the server's `listening on http://ADDR` line, if it printed
/// one and it is a loopback address (the bench sends traffic nowhere else).
fn announced_address(log: &Path) -> Option<SocketAddr> {
    let text = std::fs::read_to_string(log).ok()?;
    let (_, rest) = text.split_once("listening on http://")?;
    let addr: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '/' && *c != '"' && *c != '\u{1b}')
        .collect();
    let addr: SocketAddr = addr.parse().ok()?;
    addr.ip().is_loopback().then_some(addr)
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(20);
    let out = lines[from..].join("\n");
    if out.is_empty() {
        "(empty)".to_owned()
    } else {
        out
    }
}

/// Fails unless `bin` is an existing file.
pub fn check_binary(bin: &Path) -> Result<()> {
    if !bin.is_file() {
        bail!(
            "server binary {} not found; build it first with `cargo build --release -p madoguchi` or pass --bin",
            bin.display()
        );
    }
    Ok(())
}
