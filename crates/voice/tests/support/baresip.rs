//! baresip as a scripted caller: plays a WAV as its microphone, records what
//! it hears (`sndfile`: `dump-*-dec.wav`), driven over `ctrl_tcp`
//! (netstring-framed JSON). See docs/voice.md and voice-notes.md.
//!
//! ```ignore
//! let mut phone = Baresip::start("tester", &mic_wav).await;
//! phone.dial(&sip_uri("agent", endpoint.local_addr())).await;
//! phone.wait_event("CALL_ESTABLISHED", 10).await;
//! phone.send_dtmf('1').await;
//! phone.hangup().await;
//! let heard = phone.recording();
//! ```

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use super::free_port;

pub struct Baresip {
    pub dir: tempfile::TempDir,
    pub sip_port: u16,
    child: Child,
    writer: OwnedWriteHalf,
    /// Events (`{"event":true,"type":...}`) and responses, in arrival order.
    messages: mpsc::Receiver<Value>,
    /// Every event type seen so far (for assertions after the fact).
    pub seen: Vec<String>,
    token: u64,
}

impl Baresip {
    /// Start baresip as user `user` with `mic` (8 kHz mono WAV, padded with
    /// trailing silence: baresip hangs up when the file ends) as microphone.
    pub async fn start(user: &str, mic: &Path) -> Baresip {
        // A port picked free can be taken before baresip binds it (other
        // callers, the agent's RTP): then its control socket never opens,
        // and a second try with fresh ports goes through.
        for _ in 0..3 {
            if let Some(phone) = Self::try_start(user, mic).await {
                return phone;
            }
        }
        panic!("baresip ctrl_tcp did not open (3 tries; see baresip.log)");
    }

    async fn try_start(user: &str, mic: &Path) -> Option<Baresip> {
        let dir = tempfile::tempdir().unwrap();
        let rec = dir.path().join("rec");
        std::fs::create_dir_all(&rec).unwrap();
        let sip_port = free_port();
        let ctrl_port = free_port();
        let config = format!(
            "sip_listen 127.0.0.1:{sip_port}\n\
             net_interface 127.0.0.1\n\
             audio_source aufile,{mic}\n\
             audio_player aubridge,nil\n\
             audio_alert aubridge,nil\n\
             ausrc_srate 8000\n\
             auplay_srate 8000\n\
             ausrc_channels 1\n\
             auplay_channels 1\n\
             snd_path {rec}\n\
             rtp_ports 40000-49999\n\
             module_path /usr/lib/baresip/modules\n\
             module g711.so\n\
             module aufile.so\n\
             module sndfile.so\n\
             module aubridge.so\n\
             module_app account.so\n\
             module_app menu.so\n\
             module_app ctrl_tcp.so\n\
             ctrl_tcp_listen 127.0.0.1:{ctrl_port}\n",
            mic = mic.display(),
            rec = rec.display(),
        );
        std::fs::write(dir.path().join("config"), config).unwrap();
        std::fs::write(
            dir.path().join("accounts"),
            format!("<sip:{user}@127.0.0.1:{sip_port}>;regint=0;audio_codecs=PCMU\n"),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("baresip.log")).unwrap();
        let child = Command::new("baresip")
            .arg("-f")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("baresip not installed (scripts/voice-setup.sh)");

        let mut stream = None;
        for _ in 0..100 {
            if let Ok(s) = TcpStream::connect(("127.0.0.1", ctrl_port)).await {
                stream = Some(s);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Dropping `child` kills this baresip (kill_on_drop).
        let (mut reader, writer) = stream?.into_split();
        let (tx, messages) = mpsc::channel(256);
        tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let n = match reader.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                buf.extend_from_slice(&chunk[..n]);
                while let Some((msg, used)) = netstring(&buf) {
                    buf.drain(..used);
                    if let Ok(v) = serde_json::from_slice::<Value>(&msg)
                        && tx.send(v).await.is_err()
                    {
                        return;
                    }
                }
            }
        });
        Some(Baresip {
            dir,
            sip_port,
            child,
            writer,
            messages,
            seen: Vec::new(),
            token: 0,
        })
    }

    /// Send a ctrl_tcp command (e.g. `dial`, `sndcode`, `ausrc`, `hangup`).
    pub async fn command(&mut self, command: &str, params: &str) {
        self.token += 1;
        let msg = json!({"command": command, "params": params, "token": self.token.to_string()})
            .to_string();
        let framed = format!("{}:{},", msg.len(), msg);
        self.writer.write_all(framed.as_bytes()).await.unwrap();
    }

    pub async fn dial(&mut self, uri: &str) {
        self.command("dial", uri).await;
    }

    /// RFC 2833 telephone-event (PT 101 in baresip's offer).
    pub async fn send_dtmf(&mut self, key: char) {
        self.command("sndcode", &key.to_string()).await;
    }

    /// Switch the microphone to another WAV mid-call.
    pub async fn set_mic(&mut self, wav: &Path) {
        self.command("ausrc", &format!("aufile,{}", wav.display()))
            .await;
    }

    pub async fn hangup(&mut self) {
        self.command("hangup", "").await;
    }

    /// Wait for an event of this type (e.g. `CALL_ESTABLISHED`, `CALL_CLOSED`).
    pub async fn wait_event(&mut self, kind: &str, secs: u64) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let msg = tokio::time::timeout_at(deadline, self.messages.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!("baresip: no {kind} within {secs} s (saw {:?})", self.seen)
                })
                .expect("baresip ctrl connection closed");
            if msg.get("event").and_then(Value::as_bool) == Some(true) {
                let t = msg
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                self.seen.push(t.clone());
                if t == kind {
                    return msg;
                }
            }
        }
    }

    /// What baresip heard (the far end's decoded audio), once the call ended.
    pub fn recording(&self) -> PathBuf {
        let rec = self.dir.path().join("rec");
        std::fs::read_dir(&rec)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("dump-") && n.ends_with("-dec.wav"))
            })
            .expect("no dump-*-dec.wav recording")
    }

    /// Ask baresip to quit and wait for it.
    pub async fn quit(mut self) {
        self.stop().await;
    }

    /// Ask baresip to quit and wait for it, keeping its files: on exit it
    /// closes the recording and writes the WAV header's sizes, so that
    /// [`Baresip::recording`] can be read whole (a loaded machine may take
    /// seconds to do that while baresip is still running).
    pub async fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        self.command("quit", "").await;
        // It writes the recording's header as it exits: give a busy
        // machine time before killing it.
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// One netstring (`len:payload,`) from the front of `buf`, and bytes used.
fn netstring(buf: &[u8]) -> Option<(Vec<u8>, usize)> {
    let colon = buf.iter().position(|&b| b == b':')?;
    let len: usize = std::str::from_utf8(&buf[..colon]).ok()?.parse().ok()?;
    let end = colon + 1 + len;
    if buf.len() < end + 1 {
        return None;
    }
    Some((buf[colon + 1..end].to_vec(), end + 1))
}
