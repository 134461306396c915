//! SIPp runs of the scenarios in `tests/sipp/`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use super::free_port;

pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp")
        .join(name)
}

#[derive(Debug)]
pub struct SippRun {
    pub success: bool,
    pub output: String,
}

/// Options for one SIPp run.
pub struct Sipp {
    pub scenario: PathBuf,
    /// Target (`host:port`); `None` for a UAS scenario that waits.
    pub target: Option<SocketAddr>,
    pub calls: u32,
    /// Concurrent call limit and rate (calls per second).
    pub limit: u32,
    pub rate: u32,
    /// Local SIP port (`None`: a free one).
    pub port: Option<u16>,
    /// `-key name value` substitutions (`[name]` in the scenario).
    pub keys: Vec<(String, String)>,
    /// Working directory (for `rtp_stream` files).
    pub dir: Option<PathBuf>,
    pub timeout_secs: u64,
    /// SIP over TCP (`-t t1`) instead of UDP.
    pub tcp: bool,
    /// The address SIPp sends from (another loopback address, e.g.
    /// 127.0.0.2, plays a host that is not allowed).
    pub local_ip: String,
}

impl Sipp {
    pub fn new(scenario_file: &str, target: Option<SocketAddr>) -> Sipp {
        Sipp {
            scenario: scenario(scenario_file),
            target,
            calls: 1,
            limit: 1,
            rate: 10,
            port: None,
            keys: Vec::new(),
            dir: None,
            timeout_secs: 30,
            tcp: false,
            local_ip: "127.0.0.1".into(),
        }
    }

    pub fn key(mut self, name: &str, value: impl ToString) -> Sipp {
        self.keys.push((name.into(), value.to_string()));
        self
    }

    /// Start SIPp; await the returned handle for its result.
    pub fn spawn(self) -> tokio::task::JoinHandle<SippRun> {
        let port = self.port.unwrap_or_else(free_port);
        let media_port = free_port();
        let mut cmd = Command::new("sipp");
        if let Some(t) = self.target {
            cmd.arg(t.to_string());
        }
        cmd.arg("-sf")
            .arg(&self.scenario)
            .args(["-i", &self.local_ip, "-nostdin", "-timeout_error"])
            .args(["-p", &port.to_string(), "-mp", &media_port.to_string()])
            .args(["-m", &self.calls.to_string()])
            .args(["-l", &self.limit.to_string()])
            .args(["-r", &self.rate.to_string()])
            .args(["-timeout", &format!("{}s", self.timeout_secs)])
            .args(["-recv_timeout", "15000"]);
        if self.tcp {
            cmd.args(["-t", "t1"]);
        }
        for (k, v) in &self.keys {
            cmd.arg("-key").arg(k).arg(v);
        }
        if let Some(d) = &self.dir {
            cmd.current_dir(d);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let timeout = Duration::from_secs(self.timeout_secs + 10);
        tokio::spawn(async move {
            let child = cmd
                .spawn()
                .expect("sipp not installed (scripts/voice-setup.sh)");
            let out = tokio::time::timeout(timeout, child.wait_with_output())
                .await
                .expect("sipp did not exit")
                .unwrap();
            let output = format!(
                "{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            SippRun {
                success: out.status.success(),
                output,
            }
        })
    }

    pub async fn run(self) -> SippRun {
        self.spawn().await.unwrap()
    }
}
