//! Voice corpus report: the ja crate's caller corpus
//! (crates/ja/tests/corpus/*.tsv) spoken by Open JTalk at several rates,
//! passed through an 8 kHz μ-law channel, recognized by the Whisper worker
//! with per-question hints, and understood by madoguchi_ja.
//!
//! Prints a markdown report: one row per utterance (said / recognized /
//! understood / right?), character error rate, recognition latency p50/p95
//! and CPU per utterance.
//!
//! ```text
//! scripts/voice-setup.sh
//! cargo run --release -p madoguchi-bench --bin voice_corpus -- [--sample 80]
//!     [--rates 0.8,1.0,1.2] [--chunk-length 10] [--native-8k] [--threads 2]
//!     [--hints examples|questions|off] [--n-best 5] [--files several,dates]
//! ```
//!
//! With `--n-best N` (and a `--chunk-length`, the worker's short-window
//! path), the first of the recognizer's N best hypotheses that the parser
//! understands is taken, as the call loop does (`session::expect::pick`).
//! ```text
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use madoguchi_dialog::Expect;
use madoguchi_ja::{
    Command, DateAnswer, DateContext, Intent, TimeAnswer, VenueEntry, VenueMatch, VenueMatcher,
    YesNo, canonical, normalize, parse_birth_date, parse_command, parse_date, parse_digits,
    parse_intent, parse_name, parse_name_kana, parse_party_size, parse_phone, parse_time,
    parse_yes_no, resolve_hour,
};
use madoguchi_voice::media::g711;
use madoguchi_voice::session::hints::for_expect;
use madoguchi_voice::speech::{
    Hints, OpenJTalk, Synthesizer, TtsConfig, WhisperConfig, WhisperWorker,
};

/// The demo venues with staff aliases, as in crates/ja/tests/corpus.rs.
const VENUES: &[(&str, &str, &str, &[&str])] = &[
    (
        "honcho",
        "本庁舎 市民課",
        "ほんちょうしゃ しみんか",
        &["市役所"],
    ),
    ("bisai", "尾西事務所", "びさいじむしょ", &[]),
    ("kisogawa", "木曽川事務所", "きそがわじむしょ", &[]),
    (
        "ekinaka",
        "いちのみや駅ナカプラザ",
        "いちのみやえきなかぷらざ",
        &["駅の近く", "一宮駅", "駅"],
    ),
    ("imaise", "今伊勢出張所", "いまいせしゅっちょうじょ", &[]),
    ("okucho", "奥町出張所", "おくちょうしゅっちょうじょ", &[]),
    ("haguri", "葉栗出張所", "はぐりしゅっちょうじょ", &[]),
    ("saisei", "西成出張所", "さいせいしゅっちょうじょ", &[]),
    ("chiaki", "千秋出張所", "ちあきしゅっちょうじょ", &[]),
    ("azai", "浅井出張所", "あざいしゅっちょうじょ", &[]),
    ("kitagata", "北方出張所", "きたがたしゅっちょうじょ", &[]),
    ("hagiwara", "萩原出張所", "はぎわらしゅっちょうじょ", &[]),
    ("yamato", "大和出張所", "やまとしゅっちょうじょ", &[]),
    ("tanyo", "丹陽出張所", "たんようしゅっちょうじょ", &[]),
];
const OPEN: u32 = 9 * 60;
const CLOSE: u32 = 16 * 60 + 30;

struct Case {
    file: String,
    kind: String,
    said: String,
    expected: String,
    today: NaiveDate,
}

struct Args {
    sample: usize,
    rates: Vec<f32>,
    chunk_length: Option<u32>,
    native_8k: bool,
    threads: usize,
    hints: HintMode,
    n_best: usize,
    /// Only these corpus files (`several` for several.tsv); all when empty.
    files: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum HintMode {
    Off,
    /// Example answers as the prompt ("午前10時、午後2時半").
    Examples,
    /// The agent's question as the prompt ("何時ごろがよろしいですか。").
    Questions,
}

fn args() -> Result<Args> {
    let mut a = Args {
        sample: 80,
        rates: vec![0.8, 1.0, 1.2],
        chunk_length: None,
        native_8k: false,
        threads: 2,
        hints: HintMode::Examples,
        n_best: 1,
        files: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--sample" => a.sample = val()?.parse()?,
            "--rates" => {
                a.rates = val()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?
            }
            "--chunk-length" => a.chunk_length = Some(val()?.parse()?),
            "--native-8k" => a.native_8k = true,
            "--threads" => a.threads = val()?.parse()?,
            "--n-best" => a.n_best = val()?.parse()?,
            "--files" => a.files = val()?.split(',').map(|f| format!("{f}.tsv")).collect(),
            "--hints" => {
                a.hints = match val()?.as_str() {
                    "off" => HintMode::Off,
                    "examples" => HintMode::Examples,
                    "questions" => HintMode::Questions,
                    other => bail!("--hints off|examples|questions, not {other}"),
                }
            }
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

fn corpus(dir: &Path) -> Result<Vec<Case>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "tsv"));
    files.sort();
    let mut cases = Vec::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        // Answers fed to the wrong parser: about parsers, not speech.
        if name == "cross.tsv" {
            continue;
        }
        let mut today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        for line in std::fs::read_to_string(&f)?.lines() {
            if let Some(d) = line.strip_prefix("@today ") {
                today = d.trim().parse()?;
                continue;
            }
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() != 3 {
                continue;
            }
            cases.push(Case {
                file: name.clone(),
                kind: cols[0].into(),
                said: cols[1].into(),
                expected: cols[2].into(),
                today,
            });
        }
    }
    Ok(cases)
}

fn matcher() -> VenueMatcher {
    VenueMatcher::new(
        VENUES
            .iter()
            .enumerate()
            .map(|(i, (_, name, kana, aliases))| VenueEntry {
                id: i as i64 + 1,
                name: (*name).into(),
                kana: (*kana).into(),
                aliases: aliases.iter().map(|a| (*a).into()).collect(),
            })
            .collect(),
    )
}

/// Names, readings and aliases, as the call gives them to the hints.
fn venue_words() -> Vec<String> {
    VENUES
        .iter()
        .flat_map(|(_, name, kana, aliases)| {
            [name.to_string(), kana.to_string()]
                .into_iter()
                .chain(aliases.iter().map(|a| a.to_string()))
        })
        .collect()
}

fn hm(min: u32) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

/// Everything one utterance holds, as the dialog hears it
/// (crates/dialog/src/engine/heard.rs; the same as crates/ja/tests/corpus.rs): yes/no, venue, party (with its
/// counter), date, time (with a time word); "none" when nothing.
fn several(input: &str, today: NaiveDate, venues: &VenueMatcher, confirming: bool) -> String {
    let c = canonical(input);
    let mut out = Vec::new();
    // はい/いいえ only where a confirmation was asked (お願いします is a yes).
    match parse_yes_no(input).filter(|_| confirming) {
        Some(YesNo::Yes) => out.push("yes".to_owned()),
        Some(YesNo::No) => out.push("no".to_owned()),
        _ => {}
    }
    if let VenueMatch::One(id) = venues.find(input) {
        out.push(format!("venue={}", VENUES[(id - 1) as usize].0));
    }
    let counted = c
        .chars()
        .zip(c.chars().skip(1))
        .any(|(a, b)| a.is_ascii_digit() && matches!(b, '人' | '名'));
    if let Some(n) = parse_party_size(input).filter(|_| counted) {
        out.push(format!("party={n}"));
    }
    match parse_date(input, &DateContext { today }) {
        Some(DateAnswer::Day(d)) => out.push(format!("date={d}")),
        Some(DateAnswer::Earliest) => out.push("date=earliest".to_owned()),
        None => {}
    }
    let says_time = ["時", "午前", "午後", "朝", "昼", "夕方", "夜"]
        .iter()
        .any(|w| c.contains(w));
    match parse_time(input)
        .filter(|_| says_time)
        .map(|t| resolve_hour(t, OPEN, CLOSE))
    {
        Some(TimeAnswer::At { minute_of_day, .. }) => {
            out.push(format!("time={}", hm(minute_of_day)))
        }
        Some(TimeAnswer::Range { from_min, to_min }) => {
            out.push(format!("time={}-{}", hm(from_min), hm(to_min)));
        }
        None => {}
    }
    if out.is_empty() {
        "none".to_owned()
    } else {
        out.join(" ")
    }
}

/// The corpus test's parsers (crates/ja/tests/corpus.rs), same output form.
fn understand(kind: &str, input: &str, today: NaiveDate, venues: &VenueMatcher) -> String {
    let none = || "none".to_owned();
    match kind {
        "date" => match parse_date(input, &DateContext { today }) {
            Some(DateAnswer::Day(d)) => d.to_string(),
            Some(DateAnswer::Earliest) => "earliest".into(),
            None => none(),
        },
        "time" => match parse_time(input).map(|t| resolve_hour(t, OPEN, CLOSE)) {
            Some(TimeAnswer::At { minute_of_day, .. }) => hm(minute_of_day),
            Some(TimeAnswer::Range { from_min, to_min }) => {
                format!("{}-{}", hm(from_min), hm(to_min))
            }
            None => none(),
        },
        "birth" => parse_birth_date(input, today).map_or_else(none, |d| d.to_string()),
        "digits" => parse_digits(input).unwrap_or_else(none),
        "phone" => parse_phone(input).map_or_else(none, |p| p.as_str().to_owned()),
        "name" => parse_name(input).unwrap_or_else(none),
        "namekana" => parse_name_kana(input).map_or_else(none, |k| k.as_str().to_owned()),
        "party" => parse_party_size(input).map_or_else(none, |n| n.to_string()),
        "yesno" => match parse_yes_no(input) {
            Some(YesNo::Yes) => "yes".into(),
            Some(YesNo::No) => "no".into(),
            Some(YesNo::Ambiguous) => "ambiguous".into(),
            None => none(),
        },
        "intent" => match parse_intent(input) {
            Some(Intent::NewBooking) => "new".into(),
            Some(Intent::LookUp) => "lookup".into(),
            Some(Intent::Change) => "change".into(),
            Some(Intent::Cancel) => "cancel".into(),
            Some(Intent::Operator) => "operator".into(),
            None => none(),
        },
        "command" => match parse_command(input) {
            Some(Command::Repeat) => "repeat".into(),
            Some(Command::Slower) => "slower".into(),
            Some(Command::StartOver) => "start_over".into(),
            Some(Command::Operator) => "operator".into(),
            None => none(),
        },
        "venue" => match venues.find(input) {
            VenueMatch::One(id) => VENUES[(id - 1) as usize].0.into(),
            VenueMatch::Several(ids) => ids
                .into_iter()
                .map(|id| VENUES[(id - 1) as usize].0)
                .collect::<Vec<_>>()
                .join(","),
            VenueMatch::None => none(),
        },
        "request" => several(input, today, venues, false),
        "correction" => several(input, today, venues, true),
        _ => none(),
    }
}

/// What the dialog would pass for each question. Venue prompts list
/// readings, not kanji (measured: kanji names pull answers towards the
/// wrong venue; readings come back as kana the matcher compares).
fn hints(kind: &str, mode: HintMode) -> Hints {
    let short = |hot: &[&str]| Hints {
        prompt: None,
        hotwords: hot.iter().map(|s| (*s).to_owned()).collect(),
        short_answer: true,
    };
    let prompt = |p: &str| Hints {
        prompt: Some(p.to_owned()),
        hotwords: Vec::new(),
        short_answer: false,
    };
    if mode == HintMode::Off {
        return Hints::default();
    }
    match kind {
        "yesno" => short(&["はい", "いいえ"]),
        "party" => short(&["1人", "2人", "3人"]),
        "venue" => prompt(&format!(
            "{}。",
            VENUES
                .iter()
                .map(|v| v.2.replace(' ', ""))
                .collect::<Vec<_>>()
                .join("、")
        )),
        "date" if mode == HintMode::Examples => prompt("12月3日、来週の月曜日、一番早い日で。"),
        "time" if mode == HintMode::Examples => prompt("午前10時、午後2時半、午後から。"),
        "birth" if mode == HintMode::Examples => prompt("昭和35年4月1日生まれです。"),
        "digits" | "phone" if mode == HintMode::Examples => prompt("090-1234-5678。12345678。"),
        "date" => prompt("ご希望の日にちをお話しください。"),
        "time" => prompt("何時ごろがよろしいですか。"),
        "birth" => prompt("生年月日をお話しください。"),
        "digits" => prompt("予約番号を一桁ずつお話しください。"),
        "phone" => prompt("お電話番号をお話しください。"),
        "name" | "namekana" => prompt("お名前をフルネームでお話しください。"),
        "intent" => prompt("ご用件をお話しください。"),
        // As the call loop hints the first question and the read-back.
        "request" => for_expect(Expect::Intent, &venue_words()),
        "correction" => for_expect(Expect::Confirm, &venue_words()),
        _ => Hints::default(),
    }
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = args()?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut all = corpus(&root.join("crates/ja/tests/corpus"))?;
    if !a.files.is_empty() {
        all.retain(|c| a.files.contains(&c.file));
    }
    let step = (all.len() as f64 / a.sample.max(1) as f64).max(1.0);
    let picked: Vec<&Case> = (0..a.sample.min(all.len()))
        .map(|i| &all[(i as f64 * step) as usize])
        .collect();

    let tts = OpenJTalk::new(TtsConfig {
        voice: root.join(".voice/voices/mei_normal.htsvoice"),
        native_8k: a.native_8k,
        ..TtsConfig::default()
    })
    .context("run scripts/voice-setup.sh")?;
    let asr = WhisperWorker::start(WhisperConfig {
        python: root.join(".voice/venv/bin/python"),
        model_dir: root.join(".voice/models/whisper-base"),
        threads: a.threads,
        chunk_length: a.chunk_length,
        n_best: a.n_best,
        ..WhisperConfig::default()
    })
    .await
    .context("run scripts/voice-setup.sh")?;
    let venues = matcher();

    let mut rows = Vec::new();
    let (mut errs, mut chars, mut right) = (0usize, 0usize, 0usize);
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut audio = Duration::ZERO;
    let mut tts_time = Duration::ZERO;
    let (mut echoes, mut loops) = (0, 0);
    for (i, c) in picked.iter().enumerate() {
        let rate = a.rates[i % a.rates.len()];
        let t0 = Instant::now();
        let pcm = tts.synthesize(&c.said, rate).await?;
        tts_time += t0.elapsed();
        let mut line = vec![0i16; 2400];
        line.extend_from_slice(&pcm);
        line.extend(std::iter::repeat_n(0i16, 2400));
        let heard = g711::ulaw_decode_all(&g711::ulaw_encode_all(&line));
        audio += Duration::from_secs_f64(heard.len() as f64 / 8000.0);
        let h = hints(&c.kind, a.hints);
        let (t, timing) = asr.transcribe_timed(&heard, &h).await?;
        walls.push(timing.wall);
        cpus.push(timing.cpu);
        echoes += usize::from(timing.echoed_prompt);
        loops += usize::from(timing.cut_loop);
        let said_n: Vec<char> = normalize(&c.said).chars().collect();
        let heard_n: Vec<char> = normalize(&t.text).chars().collect();
        errs += edit_distance(&said_n, &heard_n);
        chars += said_n.len();
        // The first hypothesis understood, else the best one.
        let understood = t
            .hypotheses()
            .map(|h| understand(&c.kind, h, c.today, &venues))
            .find(|u| u != "none")
            .unwrap_or_else(|| "none".to_owned());
        let ok = understood == c.expected;
        right += usize::from(ok);
        rows.push(format!(
            "| {} | {} | {rate:.1} | {} | {} | {} | {} | {} |",
            c.file.trim_end_matches(".tsv"),
            c.kind,
            cell(&c.said),
            cell(&t.text),
            cell(&understood),
            cell(&c.expected),
            if ok { "yes" } else { "**no**" }
        ));
        eprint!("\r{}/{}", i + 1, picked.len());
    }
    eprintln!();
    let n = picked.len().max(1);
    let cpu_total: Duration = cpus.iter().sum();
    println!("## Voice corpus report\n");
    println!(
        "{} utterances from crates/ja/tests/corpus (every {:.1}th line, cross.tsv left out), \
         Open JTalk mei_normal ({}) at rates {:?}, 8 kHz G.711 μ-law, \
         Whisper base CT2 int8, {} threads, beam 5, n-best {}, chunk_length {}, hints {}.\n",
        picked.len(),
        step,
        if a.native_8k {
            "8 kHz native"
        } else {
            "48 kHz → 8 kHz"
        },
        a.rates,
        a.threads,
        a.n_best,
        a.chunk_length
            .map_or("30 (default)".to_string(), |l| l.to_string()),
        format!("{:?}", a.hints).to_lowercase()
    );
    println!("| figure | value |\n|---|---|");
    println!(
        "| understood right | {right}/{} ({:.0} %) |",
        picked.len(),
        100.0 * right as f64 / n as f64
    );
    println!(
        "| CER (after madoguchi_ja::normalize) | {:.1} % |",
        100.0 * errs as f64 / chars.max(1) as f64
    );
    println!(
        "| recognition p50 / p95 | {} / {} ms |",
        pct(&mut walls, 0.5).as_millis(),
        pct(&mut walls, 0.95).as_millis()
    );
    println!(
        "| CPU per utterance (mean) | {:.2} s |",
        cpu_total.as_secs_f64() / n as f64
    );
    println!(
        "| audio per utterance (mean) | {:.2} s |",
        audio.as_secs_f64() / n as f64
    );
    println!(
        "| synthesis per utterance (mean, wall) | {} ms |",
        (tts_time / n as u32).as_millis()
    );
    println!("| prompt echoes dropped / loops cut | {echoes} / {loops} |\n");
    println!("| file | kind | rate | said | recognized | understood | expected | right? |");
    println!("|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    Ok(())
}
