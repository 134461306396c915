//! Speech synthesis with the Open JTalk command-line program (Debian
//! `open-jtalk`, dictionary `open-jtalk-mecab-naist-jdic`) and the HTS voice
//! `mei_normal.htsvoice` (CC-BY 3.0, Nagoya Institute of Technology).
//!
//! One process per utterance (~0.1–0.4 s of CPU per sentence), at most
//! `concurrency` at once. Text is made speakable first: long digit runs
//! (phone and reservation numbers) become digit-by-digit kana, since Open
//! JTalk reads "1234" as a quantity.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;
use tokio::sync::Semaphore;

use super::{BoxFuture, Synthesizer, TtsError, reading};
use crate::media::{resample, wav};

/// Telephone sample rate of everything a synthesizer returns.
pub const RATE_8K: u32 = 8_000;

/// Open JTalk settings (`[voice.tts]` in the config file).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TtsConfig {
    /// The `open_jtalk` program.
    pub binary: PathBuf,
    /// The MeCab dictionary directory (`-x`).
    pub dictionary: PathBuf,
    /// The HTS voice (`-m`).
    pub voice: PathBuf,
    /// Synthesize at 8 kHz directly (`-s 8000 -p 40 -a 0.31`) instead of at
    /// the voice's 48 kHz and resampling. ~4× less CPU and the right length,
    /// but the 48 kHz voice vocoded at 8 kHz is badly distorted: measured, the
    /// recognizer understood 9 % of the corpus against 64 %. Off; for
    /// experiments only.
    pub native_8k: bool,
    /// More arguments, e.g. `["-fm", "1"]` to raise the pitch.
    pub extra_args: Vec<String>,
    /// Open JTalk processes at once.
    pub concurrency: usize,
    /// A process that runs longer than this is killed.
    pub timeout_ms: u64,
}

impl Default for TtsConfig {
    fn default() -> Self {
        Self {
            binary: PathBuf::from("open_jtalk"),
            dictionary: PathBuf::from("/var/lib/mecab/dic/open-jtalk/naist-jdic"),
            voice: PathBuf::from(".voice/voices/mei_normal.htsvoice"),
            native_8k: false,
            extra_args: Vec::new(),
            concurrency: 2,
            timeout_ms: 10_000,
        }
    }
}

/// Open JTalk behind [`Synthesizer`].
pub struct OpenJTalk {
    config: TtsConfig,
    permits: Semaphore,
}

impl OpenJTalk {
    /// Checks that the program, dictionary and voice exist.
    pub fn new(config: TtsConfig) -> Result<Self, TtsError> {
        if !config.dictionary.join("sys.dic").is_file() {
            return Err(TtsError::Unavailable(format!(
                "Open JTalk dictionary not found in {} (apt-get install open-jtalk-mecab-naist-jdic)",
                config.dictionary.display()
            )));
        }
        if !config.voice.is_file() {
            return Err(TtsError::Unavailable(format!(
                "HTS voice {} not found: run scripts/voice-setup.sh",
                config.voice.display()
            )));
        }
        let permits = Semaphore::new(config.concurrency.max(1));
        Ok(Self { config, permits })
    }

    pub fn config(&self) -> &TtsConfig {
        &self.config
    }

    async fn run(&self, text: &str, rate: f32) -> Result<Arc<[i16]>, TtsError> {
        let text = speakable(text);
        if text.trim().is_empty() {
            return Ok(Arc::from(Vec::new()));
        }
        let started = Instant::now();
        let rate = if rate.is_finite() {
            rate.clamp(0.5, 2.0)
        } else {
            1.0
        };
        let mut args = vec!["-r".to_owned(), format!("{rate:.3}")];
        if self.config.native_8k {
            // Frame period and all-pass constant scaled from the voice's 48 kHz.
            args.extend(["-s", "8000", "-p", "40", "-a", "0.31"].map(String::from));
        }
        args.extend(self.config.extra_args.iter().cloned());
        args.extend(["-ow", "/dev/stdout"].map(String::from));
        let out = self.exec(&args, &text).await?;
        let wav =
            wav::parse(&out).map_err(|e| TtsError::Failed(format!("Open JTalk output: {e}")))?;
        let pcm = resample::resample(&wav.samples, wav.sample_rate, RATE_8K);
        tracing::debug!(
            chars = text.chars().count(),
            samples = pcm.len(),
            ms = started.elapsed().as_millis() as u64,
            "synthesized"
        );
        Ok(Arc::from(pcm))
    }

    /// How Open JTalk's dictionary reads `text` (its text analysis, no
    /// audio): katakana, or `None` when a word has no reading.
    async fn read(&self, text: &str) -> Result<Option<String>, TtsError> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        let args = ["-ot", "/dev/stdout"].map(String::from);
        match self.exec(&args, text).await {
            Ok(out) => Ok(reading::from_trace(&String::from_utf8_lossy(&out))),
            // Nothing it can pronounce (unknown characters only).
            Err(TtsError::Failed(why)) if why.contains("No phoneme") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Runs `open_jtalk` with the dictionary, the voice and `args` on one
    /// line of text; returns what it wrote to stdout.
    async fn exec(&self, args: &[String], text: &str) -> Result<Vec<u8>, TtsError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| TtsError::Unavailable("synthesizer closed".into()))?;
        let mut cmd = Command::new(&self.config.binary);
        cmd.arg("-x")
            .arg(&self.config.dictionary)
            .arg("-m")
            .arg(&self.config.voice)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|e| {
            TtsError::Unavailable(format!(
                "cannot start {}: {e}",
                self.config.binary.display()
            ))
        })?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| TtsError::Failed("no stdin".into()))?;
        // Open JTalk takes each input line as a separate utterance.
        let line = format!("{}\n", text.replace(['\n', '\r'], "、"));
        let io = async {
            stdin.write_all(line.as_bytes()).await?;
            drop(stdin);
            let mut out = Vec::new();
            let mut err = Vec::new();
            let mut so = child.stdout.take();
            let mut se = child.stderr.take();
            if let (Some(so), Some(se)) = (so.as_mut(), se.as_mut()) {
                tokio::try_join!(so.read_to_end(&mut out), se.read_to_end(&mut err))?;
            }
            let status = child.wait().await?;
            Ok::<_, std::io::Error>((status, out, err))
        };
        let (status, out, err) =
            tokio::time::timeout(Duration::from_millis(self.config.timeout_ms), io)
                .await
                .map_err(|_| TtsError::Failed("Open JTalk timed out".into()))?
                .map_err(|e| TtsError::Failed(format!("Open JTalk I/O: {e}")))?;
        if !status.success() {
            let msg = String::from_utf8_lossy(&err);
            return Err(TtsError::Failed(format!(
                "Open JTalk exited with {status}: {}",
                msg.trim().chars().take(200).collect::<String>()
            )));
        }
        Ok(out)
    }
}

impl Synthesizer for OpenJTalk {
    fn synthesize<'a>(
        &'a self,
        text: &'a str,
        rate: f32,
    ) -> BoxFuture<'a, Result<Arc<[i16]>, TtsError>> {
        Box::pin(self.run(text, rate))
    }
    fn reading<'a>(&'a self, text: &'a str) -> BoxFuture<'a, Result<Option<String>, TtsError>> {
        Box::pin(self.read(text))
    }
    fn cache_id(&self) -> Option<String> {
        let c = &self.config;
        let voice_len = std::fs::metadata(&c.voice).map(|m| m.len()).unwrap_or(0);
        Some(format!(
            "open_jtalk|{}|{voice_len}|{}|{}|{:?}",
            c.voice.display(),
            c.dictionary.display(),
            c.native_8k,
            c.extra_args
        ))
    }
}

fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        _ => None,
    }
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '－' | '‐' | '‑' | '−' | '–')
}

/// Text as Open JTalk should read it: a digit run of 5 or more digits, or
/// digits joined by hyphens (phone numbers, reservation numbers), becomes
/// digit-by-digit kana via [`madoguchi_ja::to_spoken_digits`]; shorter runs
/// (12月3日, 14時30分, 2026年) are left for Open JTalk to read as numbers.
pub fn speakable(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if ascii_digit(chars[i]).is_none() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A run: digits, and hyphens that sit between digits.
        let start = i;
        let mut run = String::new();
        let mut digits = 0;
        let mut hyphens = false;
        while i < chars.len() {
            if let Some(d) = ascii_digit(chars[i]) {
                run.push(d);
                digits += 1;
                i += 1;
            } else if is_hyphen(chars[i])
                && chars.get(i + 1).and_then(|&c| ascii_digit(c)).is_some()
            {
                run.push('-');
                hyphens = true;
                i += 1;
            } else {
                break;
            }
        }
        if digits >= 5 || hyphens {
            out.push_str(&madoguchi_ja::to_spoken_digits(&run));
        } else {
            out.extend(&chars[start..i]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::speakable;

    #[test]
    fn long_digit_runs_are_read_digit_by_digit() {
        assert_eq!(
            speakable("予約番号は12345678です"),
            "予約番号はいち にー さん よん、ごー ろく なな はちです"
        );
        assert_eq!(
            speakable("0586-28-8100へ"),
            "ゼロ ごー はち ろく、にー はち、はち いち ゼロ ゼロへ"
        );
        assert_eq!(
            speakable("１２３４５"),
            madoguchi_ja::to_spoken_digits("12345")
        );
    }

    #[test]
    fn dates_times_and_counts_stay() {
        for s in ["12月3日 14時30分", "2026年", "2人", "午後2時半", "ー1"] {
            assert_eq!(speakable(s), s);
        }
    }
}
