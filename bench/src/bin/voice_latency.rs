//! Voice bookings under load: N baresip callers at once each make a whole
//! booking by voice (the e2e caller of `crates/voice/tests/support/caller.rs`:
//! Open JTalk speech through 8 kHz μ-law, keys only where a spoken answer
//! was misheard) with the real agent (SIP endpoint on loopback, the prompt
//! pieces, Whisper workers, the dialog, SQLite).
//!
//! What is measured, at the caller: baresip plays the answer WAV and
//! records what it hears on the same clock. The latency of a turn is from
//! the end of the caller's speech (the position in the recording when the
//! microphone was switched, plus the speech length) to the first loud
//! 20 ms window of agent audio after it. It includes the agent's
//! end-of-turn silence, recognition, the dialog and assembling the reply,
//! and RTP/jitter buffering at both ends. Fillers are off unless
//! `--fillers`, so the first audio is the real answer. Resolution ±40 ms.
//! Per call: its length from dialing to the hang-up, the agent's turns
//! (the call log), and seconds of agent speech heard.
//!
//! Also: recognition wall and CPU time per utterance (from the Whisper
//! worker), resident memory of the agent process and its workers, and with
//! `--busy`, that callers beyond `max_calls` hear the busy message and are
//! hung up (never dropped silently).
//!
//! ```text
//! scripts/voice-setup.sh
//! cargo run --release -p madoguchi-bench --bin voice_latency -- \
//!     [--calls 1,3,5] [--chunk-length 10] [--workers 1] [--threads 2] [--busy] [--fillers]
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../crates/voice/tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use madoguchi_voice::session::VoiceSettings;
use madoguchi_voice::speech::{
    AsrError, BoxFuture, Hints, OpenJTalk, Recognizer, Transcript, WhisperWorker,
};
use support::audio;
use support::baresip::Baresip;
use support::caller::{Wish, call};
use support::e2e::{self, Engines, LOUD};

/// The day each simultaneous caller asks for (weekdays of December 2026),
/// so that they do not compete for the same slot.
const DAYS: &[u32] = &[10, 11, 14, 15, 16, 17, 18, 21, 22, 23];

/// Whisper with each recognition's cost noted.
struct Timed {
    inner: WhisperWorker,
    costs: Mutex<Vec<(Duration, Duration, usize)>>,
}

impl Recognizer for Timed {
    fn transcribe<'a>(
        &'a self,
        pcm: &'a [i16],
        hints: &'a Hints,
    ) -> BoxFuture<'a, Result<Transcript, AsrError>> {
        Box::pin(async move {
            let (t, timing) = self.inner.transcribe_timed(pcm, hints).await?;
            self.costs
                .lock()
                .unwrap()
                .push((timing.wall, timing.cpu, pcm.len() / 8));
            Ok(t)
        })
    }
    fn name(&self) -> String {
        self.inner.name()
    }
}

fn rss_kb(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

struct Args {
    calls: Vec<usize>,
    chunk_length: Option<u32>,
    workers: usize,
    threads: usize,
    busy: bool,
    /// Say 「はい。」 at the end of the caller's turn while recognition runs
    /// (the shipped default); off, the first audio is the real answer.
    fillers: bool,
}

fn args() -> Args {
    let mut a = Args {
        calls: vec![1, 3, 5],
        // The shipped default (WhisperConfig); `--chunk-length 30` for Whisper's own window.
        chunk_length: Some(10),
        workers: 1,
        threads: 2,
        busy: false,
        fillers: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        match k.as_str() {
            "--calls" => {
                a.calls = it
                    .next()
                    .unwrap()
                    .split(',')
                    .map(|n| n.parse().unwrap())
                    .collect()
            }
            "--chunk-length" => a.chunk_length = Some(it.next().unwrap().parse().unwrap()),
            "--workers" => a.workers = it.next().unwrap().parse().unwrap(),
            "--threads" => a.threads = it.next().unwrap().parse().unwrap(),
            "--busy" => a.busy = true,
            "--fillers" => a.fillers = true,
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

/// What one caller's booking gave.
struct Booking {
    /// Per spoken answer: end of the caller's speech → first agent audio (ms).
    latencies: Vec<f64>,
    length: Duration,
    turns: usize,
    /// Seconds of agent speech heard (loud stretches, pauses under 0.3 s
    /// inside them counted).
    speech: f64,
    booked: bool,
}

/// One caller books by voice (the e2e caller), measured from its side.
async fn caller(w: Arc<e2e::World>, n: usize) -> Booking {
    let number = format!("0901234{:04}", 5600 + n);
    let wish = Wish {
        day: DAYS[n % DAYS.len()],
    };
    let mut run = call(&w, &number, true, None, wish).await;
    // baresip writes the recording's header as it exits.
    run.phone.stop().await;
    let (heard, _) = audio::read_wav(&run.phone.recording());
    let levels = audio::frame_rms(&heard, audio::RATE);
    let mut latencies = Vec::new();
    for &(at, len, done) in &run.spoken {
        let end = at + len;
        if heard.len() > end {
            let after = audio::frame_rms(&heard[end..done.min(heard.len())], audio::RATE);
            if let Some(k) = after.iter().position(|&l| l > LOUD) {
                latencies.push(k as f64 * 20.0);
            }
        }
    }
    let summary = w.ended(run.id).await;
    let turns = w.turns(run.id).await.len();
    run.phone.quit().await;
    Booking {
        latencies,
        length: run.length,
        turns,
        speech: speech_seconds(&levels),
        booked: summary.outcome.as_deref() == Some("booked"),
    }
}

/// Loud 20 ms frames, gaps under 0.3 s inside speech counted as speech.
fn speech_seconds(levels: &[f64]) -> f64 {
    let mut frames = 0;
    let mut gap = 0;
    let mut speaking = false;
    for &l in levels {
        if l > LOUD {
            if speaking && gap < 15 {
                frames += gap;
            }
            frames += 1;
            gap = 0;
            speaking = true;
        } else {
            gap += 1;
        }
    }
    frames as f64 * 0.02
}

async fn engines(a: &Args) -> (Engines, Arc<Timed>) {
    let mut wc = e2e::whisper_config();
    wc.workers = a.workers;
    wc.threads = a.threads;
    wc.chunk_length = a.chunk_length;
    let timed = Arc::new(Timed {
        inner: WhisperWorker::start(wc).await.expect("whisper"),
        costs: Mutex::new(Vec::new()),
    });
    let tts = OpenJTalk::new(e2e::tts_config()).unwrap();
    (
        Engines {
            asr: timed.clone(),
            tts: Arc::new(tts),
        },
        timed,
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let (engines, timed) = engines(&a).await;
    let pids: Vec<String> = timed
        .inner
        .worker_pids()
        .await
        .iter()
        .map(|p| p.to_string())
        .collect();
    let rss = |pids: &[String]| rss_kb("self") + pids.iter().map(|p| rss_kb(p)).sum::<u64>();
    let base = rss(&pids);
    println!(
        "# voice_latency: whisper base, workers {}, threads {}, chunk_length {:?}, fillers {}",
        a.workers, a.threads, a.chunk_length, a.fillers
    );
    println!("baseline RSS (agent + workers): {} MB\n", base / 1024);
    println!(
        "| calls | turns | p50 ms | p95 ms | max ms | asr wall p50 | asr cpu p50 | peak RSS MB | MB/call |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut calls_table = Vec::new();
    for &n in &a.calls {
        let settings = VoiceSettings {
            fillers: a.fillers,
            record_audio: true,
            max_calls: n.max(1),
            ..VoiceSettings::default()
        };
        // The world has every prompt piece ready (from the disk cache after
        // the first run), as on a server that has been up a while.
        let w = Arc::new(e2e::world(settings, &engines).await);
        timed.costs.lock().unwrap().clear();
        let peak = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let sampler = {
            let peak = peak.clone();
            let pids = pids.clone();
            tokio::spawn(async move {
                loop {
                    let r = rss_kb("self") + pids.iter().map(|p| rss_kb(p)).sum::<u64>();
                    peak.fetch_max(r, std::sync::atomic::Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            })
        };
        let started = Instant::now();
        let mut tasks = Vec::new();
        for i in 0..n {
            tasks.push(tokio::spawn(caller(w.clone(), i)));
            // Callers do not all dial in the same instant.
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let mut lat = Vec::new();
        let mut bookings = Vec::new();
        let mut stalled = 0;
        for t in tasks {
            match t.await {
                Ok(b) => {
                    lat.extend(b.latencies.iter().copied());
                    bookings.push(b);
                }
                // A caller that gave up (no hang-up, no next question):
                // counted and shown with how its call ended, not a crash
                // that loses the other callers' figures.
                Err(e) => {
                    stalled += 1;
                    eprintln!("a caller stopped: {e}");
                }
            }
        }
        if stalled > 0 {
            for c in w.store.calls(n as i64, 0).await.unwrap() {
                eprintln!(
                    "call {}: ended {:?}, outcome {:?}, end state {:?}, reason {:?}, {} turns",
                    c.id.0,
                    c.ended_at.is_some(),
                    c.outcome,
                    c.end_state,
                    c.end_reason,
                    c.turns
                );
            }
            calls_table.push(format!(
                "| {n} | {stalled} caller(s) stalled | – | – | **no** |"
            ));
        }
        sampler.abort();
        lat.sort_by(f64::total_cmp);
        let mut costs = timed.costs.lock().unwrap().clone();
        let mut walls: Vec<f64> = costs.iter().map(|c| c.0.as_secs_f64() * 1000.0).collect();
        let mut cpus: Vec<f64> = costs.iter().map(|c| c.1.as_secs_f64() * 1000.0).collect();
        walls.sort_by(f64::total_cmp);
        cpus.sort_by(f64::total_cmp);
        costs.clear();
        let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
        println!(
            "| {n} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {} | {:.1} |",
            lat.len(),
            pct(&lat, 0.5),
            pct(&lat, 0.95),
            lat.last().copied().unwrap_or(f64::NAN),
            pct(&walls, 0.5),
            pct(&cpus, 0.5),
            peak / 1024,
            peak.saturating_sub(base) as f64 / 1024.0 / n as f64,
        );
        eprintln!("({n} calls took {:.0} s)", started.elapsed().as_secs_f64());
        for b in &bookings {
            calls_table.push(format!(
                "| {n} | {:.0} s | {} | {:.0} s | {} |",
                b.length.as_secs_f64(),
                b.turns,
                b.speech,
                if b.booked { "yes" } else { "**no**" }
            ));
        }
        if let Ok(w) = Arc::try_unwrap(w) {
            w.shutdown().await;
        }
    }

    println!(
        "\n| calls at once | call length (dial → hang-up) | agent turns | agent speech | booked |"
    );
    println!("|---|---|---|---|---|");
    for row in &calls_table {
        println!("{row}");
    }

    if a.busy {
        // max_calls 2, four callers: two are answered, two hear the busy
        // message and are hung up by the agent.
        let settings = VoiceSettings {
            max_calls: 2,
            ..VoiceSettings::default()
        };
        let w = e2e::world(settings, &engines).await;
        let quiet = w.quiet_wav(120_000);
        let mut phones = Vec::new();
        for i in 0..4 {
            let mut p = Baresip::start(&format!("05869999{i:02}"), &quiet).await;
            p.dial(&w.uri()).await;
            p.wait_event("CALL_ESTABLISHED", 20).await;
            phones.push(p);
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let mut busy_heard = 0;
        for p in phones.iter_mut().skip(2) {
            p.wait_event("CALL_CLOSED", 60).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let (pcm, _) = audio::read_wav(&p.recording());
            let loud = audio::frame_rms(&pcm, audio::RATE)
                .iter()
                .filter(|&&l| l > LOUD)
                .count();
            if loud > 100 {
                busy_heard += 1;
            }
        }
        let logged = w.store.calls(20, 0).await.unwrap().len();
        println!(
            "\nbusy check: max_calls 2, 4 callers: {busy_heard}/2 extra callers heard the busy message and were hung up; {logged} calls answered and logged"
        );
        for p in phones {
            p.quit().await;
        }
        w.shutdown().await;
    }
}
