//! Offline recognition: Whisper base (CTranslate2, int8) in a small pool of
//! long-lived Python `faster-whisper` workers (`scripts/asr_worker.py`,
//! embedded in the binary and run with the project venv's Python).
//!
//! Why a worker process and not `ct2rs` in-process: measured on this machine
//! the worker was ~1.6× faster (faster-whisper's mel front end), installs in
//! well under a minute from PyPI wheels, and needs no 18-minute C++ build.
//!
//! Protocol (one request at a time per worker): a JSON header line, then the
//! PCM bytes (16 kHz, i16 little endian); one JSON line back. A worker that
//! dies is restarted (and the request retried once); one that hangs past the
//! timeout is killed.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::{Mutex, Semaphore};

use super::{AsrError, BoxFuture, Hints, Recognizer, Transcript};
use crate::media::resample::resample;

const WORKER_SCRIPT: &str = include_str!("../../../../scripts/asr_worker.py");

/// Whisper settings (`engine = "whisper"` in `[voice.asr]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WhisperConfig {
    /// Python with faster-whisper installed (scripts/voice-setup.sh).
    pub python: PathBuf,
    /// The CTranslate2 model directory (model.bin, config.json, tokenizer.json).
    pub model_dir: PathBuf,
    /// Worker processes, i.e. recognitions at once.
    pub workers: usize,
    /// CPU threads per worker.
    pub threads: usize,
    /// Beam size (5 measured best; 1 loops on short answers).
    pub beam: usize,
    /// Encoder window in seconds (Whisper's default is 30). When set, a turn
    /// shorter than 29 s is encoded in a window of max(chunk_length, its
    /// length + 1 s) by the worker itself (faster-whisper's own
    /// `chunk_length` still pads to 30 s: measured, no change). Default 10:
    /// 3× less CPU than 30 with the N-best as accurate (docs/voice.md,
    /// docs/performance.md); 30 gives Whisper's own window. `None`: the
    /// 30 s path of `model.transcribe`, without N-best.
    pub chunk_length: Option<u32>,
    /// Hypotheses returned per turn (the beam's best, in order), so that the
    /// call can take the first one that answers the question. Only on the
    /// short-window path (`chunk_length` set).
    pub n_best: usize,
    /// Output cap for ordinary turns, in tokens.
    pub max_new_tokens: u32,
    /// Output cap when [`Hints::short_answer`] is set.
    pub short_max_new_tokens: u32,
    /// A recognition that takes longer is abandoned and its worker killed.
    pub timeout_ms: u64,
    /// Loading the model may take this long.
    pub startup_timeout_ms: u64,
}

impl Default for WhisperConfig {
    fn default() -> Self {
        Self {
            python: PathBuf::from(".voice/venv/bin/python"),
            model_dir: PathBuf::from(".voice/models/whisper-base"),
            workers: 1,
            threads: 2,
            beam: 5,
            chunk_length: Some(10),
            n_best: 5,
            max_new_tokens: 96,
            short_max_new_tokens: 24,
            timeout_ms: 20_000,
            startup_timeout_ms: 120_000,
        }
    }
}

/// What one recognition cost, and whether its output was distrusted.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timing {
    /// From the call to the answer, queueing included.
    pub wall: Duration,
    /// Inside the worker (decoding).
    pub worker: Duration,
    /// CPU time the worker spent (all its threads).
    pub cpu: Duration,
    /// The output was dropped: it repeated the prompt or hotwords.
    pub echoed_prompt: bool,
    /// The output repeated itself and was cut.
    pub cut_loop: bool,
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    pid: u32,
}

#[derive(Deserialize)]
struct Reply {
    text: Option<String>,
    #[serde(default)]
    alternatives: Vec<String>,
    error: Option<String>,
    #[serde(default)]
    ms: f64,
    #[serde(default)]
    cpu_ms: f64,
}

enum Exchange {
    Done(Reply),
    /// The worker is gone (crashed, killed): restart it.
    Died(String),
}

/// Whisper behind [`Recognizer`].
pub struct WhisperWorker {
    config: WhisperConfig,
    permits: Semaphore,
    idle: Mutex<Vec<Worker>>,
}

impl WhisperWorker {
    /// Starts all workers and waits until each has loaded the model, so a
    /// missing set-up shows at start, not on the first call.
    pub async fn start(config: WhisperConfig) -> Result<Self, AsrError> {
        if !config.python.exists() {
            return Err(AsrError::Unavailable(format!(
                "{} not found: run scripts/voice-setup.sh",
                config.python.display()
            )));
        }
        if !config.model_dir.join("model.bin").is_file() {
            return Err(AsrError::Unavailable(format!(
                "Whisper model not found in {}: run scripts/voice-setup.sh",
                config.model_dir.display()
            )));
        }
        let n = config.workers.max(1);
        let this = Self {
            permits: Semaphore::new(n),
            idle: Mutex::new(Vec::with_capacity(n)),
            config,
        };
        for _ in 0..n {
            let w = this.spawn().await?;
            this.idle.lock().await.push(w);
        }
        Ok(this)
    }

    pub fn config(&self) -> &WhisperConfig {
        &self.config
    }

    /// Process ids of the idle workers (for tests and diagnostics).
    pub async fn worker_pids(&self) -> Vec<u32> {
        self.idle.lock().await.iter().map(|w| w.pid).collect()
    }

    async fn spawn(&self) -> Result<Worker, AsrError> {
        let c = &self.config;
        let mut child = Command::new(&c.python)
            .arg("-c")
            .arg(WORKER_SCRIPT)
            .arg("--model")
            .arg(&c.model_dir)
            .arg("--threads")
            .arg(c.threads.max(1).to_string())
            .env("HF_HUB_OFFLINE", "1")
            .env("OMP_NUM_THREADS", c.threads.max(1).to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                AsrError::Unavailable(format!("cannot start {}: {e}", c.python.display()))
            })?;
        let pid = child.id().unwrap_or(0);
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(AsrError::Unavailable("worker pipes missing".into()));
        };
        // The worker never prints what callers said; its stderr is
        // diagnostics (Python tracebacks, library warnings).
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::warn!(
                    pid,
                    "asr worker: {}",
                    line.chars().take(300).collect::<String>()
                );
            }
        });
        let mut stdout = BufReader::new(stdout);
        let ready = async {
            let mut line = String::new();
            loop {
                line.clear();
                if stdout.read_line(&mut line).await? == 0 {
                    return Ok::<bool, std::io::Error>(false);
                }
                if line.contains("\"ready\"") {
                    return Ok(true);
                }
            }
        };
        match tokio::time::timeout(Duration::from_millis(c.startup_timeout_ms), ready).await {
            Ok(Ok(true)) => {
                tracing::info!(pid, "asr worker ready");
                Ok(Worker {
                    child,
                    stdin,
                    stdout,
                    pid,
                })
            }
            Ok(Ok(false)) | Ok(Err(_)) => Err(AsrError::Unavailable(
                "the Whisper worker exited while loading (see its log; run scripts/voice-setup.sh)"
                    .into(),
            )),
            Err(_) => Err(AsrError::Unavailable(
                "the Whisper worker did not load the model in time".into(),
            )),
        }
    }

    async fn exchange(
        &self,
        w: &mut Worker,
        header: &[u8],
        pcm: &[u8],
    ) -> Result<Exchange, AsrError> {
        let io = async {
            w.stdin.write_all(header).await?;
            w.stdin.write_all(pcm).await?;
            w.stdin.flush().await?;
            let mut line = String::new();
            let n = w.stdout.read_line(&mut line).await?;
            Ok::<_, std::io::Error>((n, line))
        };
        match tokio::time::timeout(Duration::from_millis(self.config.timeout_ms), io).await {
            Err(_) => {
                let _ = w.child.start_kill();
                Err(AsrError::Failed("the Whisper worker timed out".into()))
            }
            Ok(Err(e)) => Ok(Exchange::Died(e.to_string())),
            Ok(Ok((0, _))) => Ok(Exchange::Died("end of output".into())),
            Ok(Ok((_, line))) => serde_json::from_str::<Reply>(&line)
                .map(Exchange::Done)
                .map_err(|e| AsrError::Failed(format!("bad worker reply: {e}"))),
        }
    }

    /// Recognizes one turn and says what it cost.
    pub async fn transcribe_timed(
        &self,
        pcm_8k: &[i16],
        hints: &Hints,
    ) -> Result<(Transcript, Timing), AsrError> {
        let started = Instant::now();
        if pcm_8k.is_empty() {
            return Ok((Transcript::default(), Timing::default()));
        }
        let pcm16 = resample(pcm_8k, 8_000, 16_000);
        let bytes: Vec<u8> = pcm16.iter().flat_map(|s| s.to_le_bytes()).collect();
        let secs = pcm16.len().div_ceil(16_000) as u32;
        let c = &self.config;
        let header = serde_json::json!({
            "samples": pcm16.len(),
            "prompt": hints.prompt,
            "hotwords": (!hints.hotwords.is_empty()).then(|| hints.hotwords.join(" ")),
            "max_new_tokens": if hints.short_answer { c.short_max_new_tokens } else { c.max_new_tokens },
            "beam": c.beam.max(1),
            "chunk_length": c.chunk_length.filter(|_| secs < 29).map(|l| l.max(secs + 1)),
            "n_best": c.n_best.max(1),
        });
        let header = format!("{header}\n").into_bytes();

        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| AsrError::Unavailable("recognizer closed".into()))?;
        let mut worker = match self.idle.lock().await.pop() {
            Some(w) => w,
            None => self.spawn().await?,
        };
        let mut reply = None;
        for attempt in 0..2 {
            match self.exchange(&mut worker, &header, &bytes).await? {
                Exchange::Done(r) => {
                    reply = Some(r);
                    break;
                }
                Exchange::Died(why) => {
                    tracing::warn!(pid = worker.pid, attempt, %why, "asr worker died; restarting");
                    worker = self.spawn().await?;
                }
            }
        }
        self.idle.lock().await.push(worker);
        let reply =
            reply.ok_or_else(|| AsrError::Failed("the Whisper worker died twice".into()))?;
        if let Some(e) = reply.error {
            return Err(AsrError::Failed(e));
        }
        let raw = reply.text.unwrap_or_default();
        let (text, echoed_prompt, cut_loop) = clean(&raw, hints);
        let mut alternatives: Vec<String> = Vec::new();
        for alt in &reply.alternatives {
            let (alt, _, _) = clean(alt, hints);
            if !alt.is_empty() && alt != text && !alternatives.contains(&alt) {
                alternatives.push(alt);
            }
        }
        let timing = Timing {
            wall: started.elapsed(),
            worker: Duration::from_secs_f64(reply.ms.max(0.0) / 1000.0),
            cpu: Duration::from_secs_f64(reply.cpu_ms.max(0.0) / 1000.0),
            echoed_prompt,
            cut_loop,
        };
        tracing::debug!(
            audio_ms = pcm_8k.len() / 8,
            chars = text.chars().count(),
            wall_ms = timing.wall.as_millis() as u64,
            cpu_ms = timing.cpu.as_millis() as u64,
            echoed_prompt,
            cut_loop,
            "recognized"
        );
        Ok((Transcript { text, alternatives }, timing))
    }
}

impl Recognizer for WhisperWorker {
    fn transcribe<'a>(
        &'a self,
        pcm_8k: &'a [i16],
        hints: &'a Hints,
    ) -> BoxFuture<'a, Result<Transcript, AsrError>> {
        Box::pin(async move { self.transcribe_timed(pcm_8k, hints).await.map(|(t, _)| t) })
    }

    fn name(&self) -> String {
        let model = self
            .config
            .model_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "whisper".into());
        format!("{model}-ct2")
    }
}

fn comparable(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !"、。,.!?！？・「」\"'".contains(*c))
        .collect()
}

/// Guards against Whisper's two known failures: answering with the prompt
/// (or hotwords) itself, and looping. Returns (text, echoed, cut).
pub fn clean(raw: &str, hints: &Hints) -> (String, bool, bool) {
    let text = comparable(raw);
    if text.is_empty() {
        return (String::new(), false, false);
    }
    let mut cues: Vec<String> = hints.prompt.iter().map(|p| comparable(p)).collect();
    if !hints.hotwords.is_empty() {
        cues.push(comparable(&hints.hotwords.concat()));
    }
    let n = text.chars().count();
    for cue in cues.iter().filter(|c| !c.is_empty()) {
        // The whole cue, or most of it: a real answer is a small part of it
        // ("尾西事務所" out of fourteen venue names).
        if *cue == text || (n >= 8 && cue.contains(&text) && n * 2 >= cue.chars().count()) {
            return (String::new(), true, false);
        }
    }
    let (cut, looped) = cut_repeats(raw.trim());
    (cut, false, looped)
}

/// Cuts a unit that repeats back to back: 4+ times for units of 2–15
/// characters, 8+ times for single characters ("はいはいはい" stays).
pub fn cut_repeats(text: &str) -> (String, bool) {
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len();
    for start in 0..len {
        for unit in 1..=15usize {
            if start + unit * 2 > len {
                break;
            }
            let need = if unit == 1 { 8 } else { 4 };
            let mut reps = 1;
            while start + unit * (reps + 1) <= len
                && chars[start..start + unit]
                    == chars[start + unit * reps..start + unit * (reps + 1)]
            {
                reps += 1;
            }
            if reps >= need {
                let mut out: String = chars[..start + unit].iter().collect();
                let rest: String = chars[start + unit * reps..].iter().collect();
                let (rest, _) = cut_repeats(&rest);
                out.push_str(&rest);
                return (out, true);
            }
        }
    }
    (text.to_owned(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hints(prompt: &str) -> Hints {
        Hints {
            prompt: Some(prompt.into()),
            ..Hints::default()
        }
    }

    #[test]
    fn an_echoed_prompt_is_dropped() {
        let h = hints("本庁舎、尾西事務所、木曽川事務所。");
        assert_eq!(
            clean("本庁舎 尾西事務所 木曽川事務所", &h),
            (String::new(), true, false)
        );
        assert_eq!(clean("尾西事務所", &h), ("尾西事務所".into(), false, false));
        assert!(!clean("尾西事務所と木曽川事務所", &h).1);
    }

    #[test]
    fn loops_are_cut() {
        assert_eq!(
            cut_repeats("いいえいいえいいえいいえいいえ"),
            ("いいえ".into(), true)
        );
        assert_eq!(cut_repeats("はいはいはい"), ("はいはいはい".into(), false));
        assert_eq!(
            cut_repeats("12月3日でででででででででで"),
            ("12月3日で".into(), true)
        );
        assert_eq!(
            cut_repeats("よろしくお願いします"),
            ("よろしくお願いします".into(), false)
        );
    }
}
