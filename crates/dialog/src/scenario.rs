//! The scenario: every text the agent says and every number that shapes the
//! conversation, as data (C2). Staff edit it as JSON in the admin console;
//! fields left out take the defaults below.

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

/// (prompt id, default text, placeholders it may use)
pub const PROMPTS: &[(&str, &str, &[&str])] = &[
    (
        "greeting",
        "お電話ありがとうございます。{city}、マイナンバーカード電子証明書更新の予約受付です。自動音声でご案内します。",
        &["city"],
    ),
    (
        "ask_intent",
        "ご用件をお話しください。新しいご予約、予約の確認、変更、取り消しの、どれですか。",
        &[],
    ),
    (
        "ask_intent_retry",
        "すみません、聞き取れませんでした。ボタンでもお選びいただけます。新しいご予約は1、確認は2、変更は3、取り消しは4を押してください。",
        &[],
    ),
    (
        "ask_eligibility",
        "はじめに確認します。{statement} あてはまりますか。はい、か、いいえ、でお答えください。",
        &["statement"],
    ),
    (
        "ask_eligibility_next",
        "つぎに、{statement} あてはまりますか。",
        &["statement"],
    ),
    (
        "ask_eligibility_retry",
        "すみません、わかりませんでした。{statement} あてはまる場合は1、あてはまらない場合は2を押してください。",
        &["statement"],
    ),
    ("ineligible", "{if_not}", &["if_not"]),
    (
        "ask_venue",
        "ご希望の会場をお話しください。例えば、本庁舎、尾西事務所、のようにお話しください。",
        &[],
    ),
    (
        "ask_venue_retry",
        "すみません、会場がわかりませんでした。番号でもお選びいただけます。{venue_list}。番号を押すか、会場の名前をお話しください。",
        &["venue_list"],
    ),
    (
        "ask_venue_which",
        "{choices}。どちらですか。番号でお答えください。",
        &["choices"],
    ),
    (
        "ask_party",
        "{venue}ですね。何名さまで来られますか。4名さままでご予約できます。",
        &["venue"],
    ),
    (
        "ask_party_retry",
        "すみません、わかりませんでした。来られる人数を、ボタンで押してください。お一人なら1です。",
        &[],
    ),
    (
        "party_too_many",
        "一度にご予約できるのは4名さままでです。",
        &[],
    ),
    (
        "ask_date",
        "{party}名さまですね。ご希望の日をお話しください。例えば、12月3日、来週の火曜日、のようにお話しください。一番早い日、とお話しいただくこともできます。",
        &["party"],
    ),
    (
        "ask_date_retry",
        "すみません、日にちがわかりませんでした。月と日を4桁の数字で押してください。12月3日なら、1、2、0、3です。",
        &[],
    ),
    ("date_past", "その日は過ぎています。", &[]),
    (
        "ask_time",
        "{date}ですね。ご希望の時間をお話しください。例えば、午前10時、午後2時半、のようにお話しください。午前中、午後、だけでもかまいません。",
        &["date"],
    ),
    (
        "ask_time_retry",
        "すみません、時間がわかりませんでした。時間を4桁の数字で押してください。午後2時半なら、1、4、3、0です。",
        &[],
    ),
    (
        "offer_slot",
        "{venue}、{date}、{time}に空きがあります。この時間でよろしいですか。",
        &["venue", "date", "time"],
    ),
    (
        "offer_slot_retry",
        "この時間でよろしければ1、違う時間にする場合は2を押してください。",
        &[],
    ),
    (
        "slot_full",
        "申し訳ありません。ご希望の時間は満席です。",
        &[],
    ),
    (
        "slot_closed",
        "申し訳ありません。ご希望の日時は受付をしていません。",
        &[],
    ),
    (
        "offer_alternatives",
        "空いている一番早い時間をご案内します。{list}。何番がよろしいですか。別の日にする場合は、別の日、とお話しください。",
        &["list"],
    ),
    (
        "offer_alternatives_retry",
        "ご希望の番号を押してください。別の日にする場合は0を押してください。",
        &[],
    ),
    (
        "all_full",
        "申し訳ありません。ただいま、ご予約いただける空きがありません。",
        &[],
    ),
    (
        "slot_taken",
        "申し訳ありません。たった今、その時間が埋まってしまいました。",
        &[],
    ),
    (
        "ask_name",
        "ご来庁される方のお名前を、フルネームでお話しください。",
        &[],
    ),
    (
        "ask_name_retry",
        "すみません、お名前がわかりませんでした。お名前だけを、もう一度お話しください。",
        &[],
    ),
    ("ask_kana", "お名前の読み方を、お話しください。", &[]),
    (
        "ask_kana_retry",
        "すみません、読み方がわかりませんでした。例えば、いちのみや たろう、のようにお話しください。",
        &[],
    ),
    (
        "ask_birth",
        "生年月日をお話しください。例えば、昭和35年4月1日、のようにお話しください。",
        &[],
    ),
    (
        "ask_birth_retry",
        "すみません、わかりませんでした。生年月日を、西暦の8桁で押してください。1960年4月1日なら、1、9、6、0、0、4、0、1です。",
        &[],
    ),
    (
        "ask_use_caller_id",
        "ご予約の確認をSMSでお送りします。今お掛けの携帯電話の番号、{phone}。こちらにお送りしてよろしいですか。",
        &["phone"],
    ),
    (
        "ask_use_caller_id_retry",
        "この携帯電話に送る場合は1、別の番号に送る場合は2を押してください。",
        &[],
    ),
    (
        "ask_phone",
        "ご予約の確認をSMSでお送りします。携帯電話の番号をお話しください。",
        &[],
    ),
    (
        "ask_phone_retry",
        "すみません、わかりませんでした。携帯電話の番号を、ボタンで押してください。",
        &[],
    ),
    (
        "confirm_booking",
        "ご予約の内容を確認します。{venue}、{date}、{time}、{party}名さま。お名前、{name}さま。生年月日、{birth}。電話番号、{phone}。この内容でよろしいですか。",
        &["venue", "date", "time", "party", "name", "birth", "phone"],
    ),
    (
        "confirm_booking_retry",
        "この内容でよろしければ1、直す場合は2を押してください。",
        &[],
    ),
    (
        "ask_fix",
        "どこを直しますか。会場、人数、日にち、お名前、生年月日、電話番号の、どれかをお話しください。",
        &[],
    ),
    (
        "ask_fix_retry",
        "会場は1、人数は2、日にちと時間は3、お名前は4、生年月日は5、電話番号は6を押してください。",
        &[],
    ),
    (
        "booked",
        "ご予約を承りました。予約番号を申し上げます。{number}。もう一度申し上げます。{number}。ご来庁の際は、マイナンバーカードをお持ちください。",
        &["number"],
    ),
    (
        "ask_number",
        "予約番号8桁をお話しいただくか、ボタンで押してください。",
        &[],
    ),
    (
        "ask_number_retry",
        "すみません、予約番号がわかりませんでした。8桁の予約番号を、ボタンで押してください。",
        &[],
    ),
    (
        "ask_factor",
        "ご本人確認のため、ご予約のときの電話番号か、生年月日をお話しください。",
        &[],
    ),
    (
        "ask_factor_retry",
        "すみません、わかりませんでした。ご予約のときの電話番号を、ボタンで押してください。",
        &[],
    ),
    (
        "not_found",
        "その予約番号で、お答えの内容に合うご予約が見つかりませんでした。",
        &[],
    ),
    (
        "read_booking",
        "ご予約は、{venue}、{date}、{time}、{party}名さまです。",
        &["venue", "date", "time", "party"],
    ),
    (
        "too_late",
        "このご予約は、変更や取り消しの受付期間を過ぎています。",
        &[],
    ),
    ("ask_new_date", "新しいご希望の日をお話しください。", &[]),
    (
        "confirm_change",
        "{date}、{time}に変更してよろしいですか。",
        &["date", "time"],
    ),
    (
        "confirm_change_retry",
        "変更する場合は1、やめる場合は2を押してください。",
        &[],
    ),
    (
        "changed",
        "ご予約を変更しました。新しいご予約は、{venue}、{date}、{time}です。予約番号は変わりません。",
        &["venue", "date", "time"],
    ),
    (
        "confirm_cancel",
        "このご予約を取り消してよろしいですか。",
        &[],
    ),
    (
        "confirm_cancel_retry",
        "取り消す場合は1、取り消さない場合は2を押してください。",
        &[],
    ),
    ("cancelled", "ご予約を取り消しました。", &[]),
    (
        "not_cancelled",
        "取り消しはしませんでした。ご予約はそのままです。",
        &[],
    ),
    (
        "ask_yes_no",
        "恐れ入ります。はい、か、いいえ、でお答えください。",
        &[],
    ),
    ("silence", "お声が聞こえませんでした。", &[]),
    (
        "silence_end",
        "お声が聞こえないため、お電話を終わります。お手数ですが、もう一度お掛け直しください。",
        &[],
    ),
    ("slower", "はい、ゆっくりお話しします。", &[]),
    ("start_over", "はい、最初からご案内します。", &[]),
    (
        "transfer",
        "担当の者におつなぎします。そのままお待ちください。",
        &[],
    ),
    (
        "escalate_closed",
        "申し訳ありません。自動音声ではご案内を続けられません。{city}の専用ダイヤル、{phone}へお掛けください。受付時間は、{hours}です。",
        &["city", "phone", "hours"],
    ),
    (
        "transfer_failed",
        "申し訳ありません。ただいまおつなぎできませんでした。{city}の専用ダイヤル、{phone}へお掛け直しください。",
        &["city", "phone"],
    ),
    (
        "busy",
        "お電話ありがとうございます。ただいま電話が大変混み合っています。{city}の専用ダイヤル、{phone}へお掛けください。または、しばらくしてからお掛け直しください。",
        &["city", "phone"],
    ),
    (
        "offer_sms_link",
        "ウェブで予約できるページのご案内を、SMSでお送りしましょうか。",
        &[],
    ),
    ("sms_link_sent", "SMSをお送りしました。", &[]),
    (
        "error",
        "申し訳ありません。ただいま手続きができませんでした。",
        &[],
    ),
    (
        "closing",
        "お電話ありがとうございました。失礼いたします。",
        &[],
    ),
];

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
        let mut text = self.prompts.get(id).cloned().unwrap_or_default();
        for (name, value) in vars {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
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
        let text = s.render("booked", &[("number", "1 2 3")]);
        assert_eq!(text.matches("1 2 3").count(), 2);
    }
}
