//! Runs the caller-utterance corpus in tests/corpus/*.tsv.
//!
//! Each line is `kind<TAB>what the recogniser returned<TAB>expected`; `#`
//! starts a comment, `@today YYYY-MM-DD` sets today for the dates below it
//! (default 2026-11-25). Every failure is reported with file and line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;

use chrono::NaiveDate;
use madoguchi_ja::{
    Command, DateAnswer, DateContext, Intent, TimeAnswer, VenueEntry, VenueMatch, VenueMatcher,
    YesNo, canonical, parse_birth_date, parse_command, parse_date, parse_digits, parse_intent,
    parse_name, parse_name_kana, parse_party_size, parse_phone, parse_time, parse_yes_no,
    resolve_hour,
};

/// The demo venues (crates/madoguchi/src/demo.rs) with aliases staff might add.
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

/// Demo opening hours (9:00-16:30).
const OPEN: u32 = 9 * 60;
const CLOSE: u32 = 16 * 60 + 30;

fn hm(min: u32) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

fn matcher() -> VenueMatcher {
    VenueMatcher::new(
        VENUES
            .iter()
            .enumerate()
            .map(|(i, (_, name, kana, aliases))| VenueEntry {
                id: i as i64 + 1,
                name: (*name).to_owned(),
                kana: (*kana).to_owned(),
                aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            })
            .collect(),
    )
}

fn code(id: i64) -> &'static str {
    VENUES[(id - 1) as usize].0
}

/// Everything one utterance holds, as the dialog hears it
/// (crates/dialog/src/engine/heard.rs): yes/no, venue, party (with its
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
        out.push(format!("venue={}", code(id)));
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

fn run(kind: &str, input: &str, today: NaiveDate, venues: &VenueMatcher) -> Result<String, String> {
    let none = || "none".to_owned();
    Ok(match kind {
        "date" => match parse_date(input, &DateContext { today }) {
            Some(DateAnswer::Day(d)) => d.to_string(),
            Some(DateAnswer::Earliest) => "earliest".to_owned(),
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
            Some(YesNo::Yes) => "yes".to_owned(),
            Some(YesNo::No) => "no".to_owned(),
            Some(YesNo::Ambiguous) => "ambiguous".to_owned(),
            None => none(),
        },
        "intent" => match parse_intent(input) {
            Some(Intent::NewBooking) => "new".to_owned(),
            Some(Intent::LookUp) => "lookup".to_owned(),
            Some(Intent::Change) => "change".to_owned(),
            Some(Intent::Cancel) => "cancel".to_owned(),
            Some(Intent::Operator) => "operator".to_owned(),
            None => none(),
        },
        "command" => match parse_command(input) {
            Some(Command::Repeat) => "repeat".to_owned(),
            Some(Command::Slower) => "slower".to_owned(),
            Some(Command::StartOver) => "start_over".to_owned(),
            Some(Command::Operator) => "operator".to_owned(),
            None => none(),
        },
        "venue" => match venues.find(input) {
            VenueMatch::One(id) => code(id).to_owned(),
            VenueMatch::Several(ids) => ids.into_iter().map(code).collect::<Vec<_>>().join(","),
            VenueMatch::None => none(),
        },
        "request" => several(input, today, venues, false),
        "correction" => several(input, today, venues, true),
        other => return Err(format!("unknown kind {other:?}")),
    })
}

#[test]
fn corpus_of_caller_utterances() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    files.sort();
    let venues = matcher();
    let mut cases = 0;
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let mut today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        for (n, line) in fs::read_to_string(file).unwrap().lines().enumerate() {
            let line_no = n + 1;
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(date) = line.strip_prefix("@today ") {
                today = date.trim().parse().unwrap();
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let [kind, input, expected] = fields[..] else {
                failures.push(format!("{name}:{line_no}: malformed line {line:?}"));
                continue;
            };
            cases += 1;
            match run(kind, input, today, &venues) {
                Ok(got) if got == expected => {}
                Ok(got) => failures.push(format!(
                    "{name}:{line_no}: {kind} {input:?}: expected {expected}, got {got}"
                )),
                Err(e) => failures.push(format!("{name}:{line_no}: {e}")),
            }
        }
    }
    assert!(cases >= 300, "only {cases} corpus cases");
    assert!(
        failures.is_empty(),
        "{} of {cases} corpus cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
