//! The scenario: every text the agent says and every number that shapes the
//! conversation, as data (C2). Staff edit it as JSON in the admin console;
//! fields left out take the defaults below.

use crate::prompts::{self, PROMPTS, Pieces};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Hours when the city's staff answer transferred calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffedHours {
    /// Days of the week, 0 = Monday … 6 = Sunday.
    pub weekdays: Vec<u8>,
    /// Minutes after midnight (Japan time), `from <= t < to`.
    pub from_min: u32,
    pub to_min: u32,
}

/// The conversation as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scenario {
    /// Failed answers to one question before the agent gives up on it (A15).
    pub max_failures: u32,
    /// Silent turns in a row before the agent ends the call.
    pub max_silences: u32,
    /// How long an offered slot is held for the caller, in seconds.
    pub hold_seconds: u32,
    /// The city's dedicated line calls are transferred to (A15).
    pub transfer_number: String,
    /// When transfers are answered. Outside these hours the agent tells the
    /// number and hours instead, and offers an SMS with the web link.
    pub staffed_hours: Vec<StaffedHours>,
    /// The hours as said to callers.
    pub staffed_hours_text: String,
    /// Speaking rate, 1.0 = the voice's normal speed (C1).
    pub speaking_rate: f32,
    /// Rate after the caller asks to speak slowly.
    pub slow_rate: f32,
    /// Every text, by prompt id. `{name}` placeholders are filled in.
    pub prompts: BTreeMap<String, String>,
}

/// Why a scenario cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    #[error("プロンプト「{0}」がありません")]
    MissingPrompt(String),
    #[error("プロンプト「{0}」が空です")]
    EmptyPrompt(String),
    #[error("プロンプト「{id}」に使えない差し込み {{{placeholder}}} があります")]
    UnknownPlaceholder { id: String, placeholder: String },
    #[error("{0}")]
    Invalid(&'static str),
    #[error("JSONとして読めません: {0}")]
    Json(String),
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            max_failures: 3,
            max_silences: 3,
            hold_seconds: 600,
            transfer_number: "0586-28-0000".to_owned(),
            staffed_hours: vec![StaffedHours {
                weekdays: vec![0, 1, 2, 3, 4],
                from_min: 8 * 60 + 30,
                to_min: 17 * 60 + 15,
            }],
            staffed_hours_text: "平日の午前8時半から午後5時15分まで".to_owned(),
            speaking_rate: 1.0,
            slow_rate: 0.8,
            prompts: PROMPTS
                .iter()
                .map(|(id, text, _)| ((*id).to_owned(), (*text).to_owned()))
                .collect(),
        }
    }
}

impl Scenario {
    /// Reads a scenario from JSON; missing fields and prompts take defaults.
    pub fn from_json(json: &str) -> Result<Scenario, ScenarioError> {
        let mut scenario: Scenario =
            serde_json::from_str(json).map_err(|e| ScenarioError::Json(e.to_string()))?;
        for (id, text, _) in PROMPTS {
            scenario
                .prompts
                .entry((*id).to_owned())
                .or_insert_with(|| (*text).to_owned());
        }
        scenario.validate()?;
        Ok(scenario)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Checks what a call relies on: every prompt present and non-empty,
    /// only known placeholders, sensible numbers.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        for (id, _, allowed) in PROMPTS {
            let text = self
                .prompts
                .get(*id)
                .ok_or_else(|| ScenarioError::MissingPrompt((*id).to_owned()))?;
            if text.trim().is_empty() {
                return Err(ScenarioError::EmptyPrompt((*id).to_owned()));
            }
            for placeholder in placeholders(text) {
                if !allowed.contains(&placeholder.as_str()) {
                    return Err(ScenarioError::UnknownPlaceholder {
                        id: (*id).to_owned(),
                        placeholder,
                    });
                }
            }
        }
        if !(1..=10).contains(&self.max_failures) {
            return Err(ScenarioError::Invalid(
                "失敗の上限回数は1〜10にしてください",
            ));
        }
        if !(1..=10).contains(&self.max_silences) {
            return Err(ScenarioError::Invalid(
                "無音の上限回数は1〜10にしてください",
            ));
        }
        if !(30..=1800).contains(&self.hold_seconds) {
            return Err(ScenarioError::Invalid(
                "仮押さえの時間は30〜1800秒にしてください",
            ));
        }
        if !(0.5..=2.0).contains(&self.speaking_rate) || !(0.5..=2.0).contains(&self.slow_rate) {
            return Err(ScenarioError::Invalid("話す速さは0.5〜2.0にしてください"));
        }
        if self.slow_rate > self.speaking_rate {
            return Err(ScenarioError::Invalid(
                "ゆっくりの速さは通常の速さ以下にしてください",
            ));
        }
        if self
            .transfer_number
            .chars()
            .filter(char::is_ascii_digit)
            .count()
            < 10
        {
            return Err(ScenarioError::Invalid("転送先の電話番号を入れてください"));
        }
        for hours in &self.staffed_hours {
            if hours.weekdays.iter().any(|d| *d > 6)
                || hours.from_min >= hours.to_min
                || hours.to_min > 24 * 60
            {
                return Err(ScenarioError::Invalid(
                    "対応時間の曜日か時刻が正しくありません",
                ));
            }
        }
        Ok(())
    }

    /// Whether transfers are answered at this local weekday and minute.
    /// Closed days (holidays) are the caller's to pass as `closed_day`.
    pub fn is_staffed(
        &self,
        weekday_from_monday: u8,
        minute_of_day: u32,
        closed_day: bool,
    ) -> bool {
        !closed_day
            && self.staffed_hours.iter().any(|h| {
                h.weekdays.contains(&weekday_from_monday)
                    && minute_of_day >= h.from_min
                    && minute_of_day < h.to_min
            })
    }

    /// The text of a prompt with its placeholders filled in.
    pub fn render(&self, id: &str, vars: &[(&str, &str)]) -> String {
        let vars: Vec<(&str, Pieces)> =
            vars.iter().map(|(k, v)| (*k, prompts::value(*v))).collect();
        self.render_pieces(id, &vars)
            .iter()
            .map(|p| p.text.as_str())
            .collect()
    }

    /// A prompt with its placeholders filled in, as pieces.
    pub fn render_pieces(&self, id: &str, vars: &[(&str, Pieces)]) -> Pieces {
        prompts::render(
            self.prompts.get(id).map(String::as_str).unwrap_or_default(),
            vars,
        )
    }
}

fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push(after[..end].to_owned());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_default_scenario_is_valid_and_survives_json() {
        let s = Scenario::default();
        s.validate().unwrap();
        let back = Scenario::from_json(&s.to_json()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn a_partial_json_takes_defaults_for_the_rest() {
        let s =
            Scenario::from_json(r#"{"max_failures": 2, "prompts": {"closing": "さようなら。"}}"#)
                .unwrap();
        assert_eq!(s.max_failures, 2);
        assert_eq!(s.prompts["closing"], "さようなら。");
        assert_eq!(
            s.prompts["greeting"],
            Scenario::default().prompts["greeting"]
        );
    }

    #[test]
    fn unknown_placeholders_empty_prompts_and_bad_numbers_are_refused() {
        let err = Scenario::from_json(r#"{"prompts": {"ask_party": "{venu}ですね"}}"#).unwrap_err();
        assert!(
            matches!(err, ScenarioError::UnknownPlaceholder { .. }),
            "{err}"
        );
        let err = Scenario::from_json(r#"{"prompts": {"closing": " "}}"#).unwrap_err();
        assert_eq!(err, ScenarioError::EmptyPrompt("closing".to_owned()));
        assert!(Scenario::from_json(r#"{"max_failures": 0}"#).is_err());
        assert!(Scenario::from_json(r#"{"slow_rate": 1.5}"#).is_err());
        assert!(Scenario::from_json(r#"{"transfer_number": ""}"#).is_err());
        assert!(Scenario::from_json("not json").is_err());
    }

    #[test]
    fn staffed_hours_are_weekdays_8_30_to_17_15_by_default() {
        let s = Scenario::default();
        assert!(s.is_staffed(0, 8 * 60 + 30, false));
        assert!(!s.is_staffed(0, 8 * 60 + 29, false));
        assert!(!s.is_staffed(4, 17 * 60 + 15, false));
        assert!(!s.is_staffed(5, 10 * 60, false));
        assert!(!s.is_staffed(2, 10 * 60, true));
    }

    #[test]
    fn render_fills_every_occurrence() {
        let s = Scenario::default();
        let text = s.render("read_number", &[("number", "1 2 3")]);
        assert_eq!(text.matches("1 2 3").count(), 2);
    }
}
