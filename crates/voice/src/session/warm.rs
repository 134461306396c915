//! Everything the agent may say, in the order to prepare it at start-up
//! (see `speech::pieces`): every prompt's fixed fragments, then the variable
//! pieces — venues, party sizes, digits, slot times, and the dates of the
//! bookable window nearest first — at the normal rate, then all again at
//! the slow rate. A call placed right after start finds the greeting and
//! the first questions ready first.
//!
//! The values a placeholder can take come from the store (venues, hours,
//! the service period, the checklist); placeholders that hold the caller's
//! own words (`name`, `birth`) are left out: they are synthesized per call.

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};
use madoguchi_core::Clock;
use madoguchi_dialog::Scenario;
use madoguchi_store::Store;

use crate::speech::pieces::{Part, parts};

/// Days of the window prepared ahead (about the reception window).
const DAYS_AHEAD: i64 = 62;
/// Largest party the prompts name.
const MAX_PARTY: u32 = 4;

/// The values of each placeholder.
struct Values {
    fixed: Vec<(&'static str, Vec<String>)>,
    times: Vec<String>,
    dates: Vec<String>,
}

impl Values {
    fn of(&self, name: &str) -> Option<&[String]> {
        match name {
            "time" => Some(&self.times),
            "date" => Some(&self.dates),
            _ => self
                .fixed
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_slice()),
        }
    }
}

/// The texts to warm, in order, each with its rate.
pub async fn texts(
    store: &Store,
    clock: &dyn Clock,
    filler: &str,
) -> Result<Vec<(String, f32)>, super::SessionError> {
    let scenario = match store.published_scenario().await? {
        Some(v) => Scenario::from_json(&v.body)
            .map_err(|e| super::SessionError::Call(madoguchi_calls::CallError::Scenario(e)))?,
        None => Scenario::default(),
    };
    let settings = store.settings().await?;
    let venues = store.venues(false).await?;
    let mut minutes = HashSet::new();
    for v in &venues {
        for d in store.weekly_template(v.id).await?.days {
            let step = d.slot_minutes.max(5);
            let mut m = d.open_min;
            while m < d.close_min {
                minutes.insert(m);
                m += step;
            }
        }
    }
    let mut minutes: Vec<u32> = minutes.into_iter().collect();
    minutes.sort_unstable();
    let today = clock.now().with_timezone(&madoguchi_core::JST).date_naive();
    let first = today.max(settings.period.first_day);
    let last = settings
        .period
        .last_day
        .min(today + Duration::days(DAYS_AHEAD));
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    // As said: the web page's parenthesized details left out.
    let statements: Vec<String> = settings
        .checklist
        .items
        .iter()
        .flat_map(|i| madoguchi_dialog::prompts::statement(&i.statement))
        .map(|p| p.text)
        .collect();
    let values = Values {
        fixed: vec![
            ("city", vec![settings.city.name.clone()]),
            (
                "phone",
                vec![
                    madoguchi_ja::to_spoken_digits(&settings.city.phone),
                    // Every digit word, for callers' numbers.
                    madoguchi_ja::to_spoken_digits("0123-4567-89"),
                ],
            ),
            (
                "number",
                vec![madoguchi_ja::to_spoken_digits("0123-4567-89")],
            ),
            ("hours", vec![scenario.staffed_hours_text.clone()]),
            ("statement", statements.clone()),
            ("statements", statements),
            (
                "if_not",
                settings
                    .checklist
                    .items
                    .iter()
                    .map(|i| i.if_not.clone())
                    .collect(),
            ),
            ("venue", venues.iter().map(|v| v.name.clone()).collect()),
            ("party", (1..=MAX_PARTY).map(|n| n.to_string()).collect()),
            (
                "choices",
                (1..=venues.len().max(MAX_PARTY as usize))
                    .map(|n| format!("{n}番"))
                    .collect(),
            ),
        ],
        times: minutes
            .iter()
            .map(|&m| madoguchi_ja::speak_time(m))
            .collect(),
        dates: Vec::new(),
    };
    let mut order: Vec<(&str, &str)> = scenario
        .prompts
        .iter()
        .map(|(id, t)| (id.as_str(), t.as_str()))
        .collect();
    // What a caller hears first, first.
    order.sort_by_key(|(id, _)| match *id {
        "greeting" => 0,
        "ask_intent" => 1,
        id if id.starts_with("ask_") => 2,
        _ => 3,
    });
    let mut normal: Vec<String> = vec![filler.to_owned()];
    // The dialog's own list of fixed fragments (the text between placeholders).
    normal.extend(madoguchi_dialog::prompts::fixed_fragments(&scenario));
    // Fixed fragments and small sets first, then times, then dates by day.
    for (_, template) in &order {
        normal.extend(expand(template, &values, |p| p != "time" && p != "date"));
    }
    for (_, template) in &order {
        normal.extend(expand(template, &values, |p| p == "time"));
    }
    for day in days {
        let one_day = Values {
            fixed: Vec::new(),
            times: Vec::new(),
            dates: vec![madoguchi_ja::speak_date(day)],
        };
        for (_, template) in &order {
            normal.extend(expand(template, &one_day, |p| p == "date"));
        }
    }
    let mut seen = HashSet::new();
    normal.retain(|t| seen.insert(t.clone()));
    let mut out: Vec<(String, f32)> = normal
        .iter()
        .map(|t| (t.clone(), scenario.speaking_rate))
        .collect();
    if (scenario.slow_rate - scenario.speaking_rate).abs() > f32::EPSILON {
        out.extend(normal.into_iter().map(|t| (t, scenario.slow_rate)));
    }
    Ok(out)
}

/// The phrases of `template` that `wanted` placeholders decide: each
/// phrase with exactly one such placeholder once per value; phrases without
/// placeholders when `wanted` takes none of them (the fixed pass). A
/// phrase with another placeholder too (the caller's name) is left out.
fn expand(template: &str, values: &Values, wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for part in parts(template) {
        let Part::Phrase(phrase) = part else { continue };
        let names = placeholders(phrase);
        match names.as_slice() {
            [] if wanted("") => out.push(phrase.to_owned()),
            [one] if wanted(one) => {
                if let Some(vals) = values.of(one) {
                    let hole = format!("{{{one}}}");
                    out.extend(vals.iter().map(|v| phrase.replace(&hole, v)));
                }
            }
            _ => {}
        }
    }
    out
}

fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        Values {
            fixed: vec![("venue", vec!["尾西事務所".into(), "本庁舎".into()])],
            times: vec!["午前10時".into()],
            dates: vec!["12月10日 木曜日".into()],
        }
    }

    #[test]
    fn phrases_are_expanded_per_value() {
        let t = "ご予約は、{venue}ですね。{date}の{time}ですか。お名前、{name}さま。";
        let fixed = expand(t, &values(), |p| p != "time" && p != "date");
        assert_eq!(
            fixed,
            vec!["ご予約は", "尾西事務所ですね", "本庁舎ですね", "お名前"]
        );
        assert!(
            expand(t, &values(), |p| p == "time").is_empty(),
            "two holes"
        );
        let dated = expand("{date}ですね。", &values(), |p| p == "date");
        assert_eq!(dated, vec!["12月10日 木曜日ですね"]);
    }
}
