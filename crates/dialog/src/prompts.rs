//! Every text the agent says by default, and how a prompt is cut into
//! pieces the voice layer can synthesize ahead of the call: the fixed
//! fragments of the scenario's texts (between placeholders) and values from
//! closed sets (dates, times, venue names, party sizes, digits, the city's
//! own texts). Only names are said from free text.

use crate::scenario::Scenario;
use crate::types::CallContext;
use chrono::NaiveDate;
use madoguchi_ja as ja;
use serde::Serialize;
use std::collections::BTreeSet;

/// (prompt id, default text, placeholders it may use). Short questions;
/// examples and keypad instructions only in the `_retry` texts, said after
/// a miss.
pub const PROMPTS: &[(&str, &str, &[&str])] = &[
    (
        "greeting",
        "{city}、マイナンバーカードの予約窓口です。",
        &["city"],
    ),
    // Said after the greeting on a rehearsal (staging) instance only.
    (
        "rehearsal_notice",
        "これは練習用の環境です。予約は実際には行われません。",
        &[],
    ),
    ("ask_intent", "ご用件をどうぞ。", &[]),
    (
        "ask_intent_retry",
        "すみません、聞き取れませんでした。新しいご予約は1、確認は2、変更は3、取り消しは4を押してください。",
        &[],
    ),
    ("intent_new", "ご予約ですね。", &[]),
    ("intent_look_up", "ご予約の確認ですね。", &[]),
    ("intent_change", "ご予約の変更ですね。", &[]),
    ("intent_cancel", "ご予約の取り消しですね。", &[]),
    (
        "ask_eligibility",
        "{statements}すべて当てはまりますか。",
        // {statement}: the same, as older scenarios call it.
        &["statements", "statement"],
    ),
    (
        "ask_eligibility_retry",
        "すべてあてはまる場合は1、あてはまらないものがある場合は2を押してください。",
        &[],
    ),
    (
        "ask_eligibility_which",
        "どれが、あてはまりませんか。{choices}番号でお答えください。",
        &["choices"],
    ),
    ("ineligible", "{if_not}", &["if_not"]),
    ("ask_venue", "会場はどちらですか。", &[]),
    (
        "ask_venue_retry",
        "すみません、会場がわかりませんでした。{venue_list}。番号を押すか、会場の名前をお話しください。",
        &["venue_list"],
    ),
    (
        "ask_venue_which",
        "{choices}。どちらですか。番号でお答えください。",
        &["choices"],
    ),
    ("ask_party", "何名さまですか。", &["venue"]),
    (
        "ask_party_retry",
        "すみません。人数を、ボタンで押してください。お一人なら1です。",
        &[],
    ),
    (
        "party_too_many",
        "一度にご予約できるのは4名さままでです。",
        &[],
    ),
    (
        "party_too_large",
        "申し訳ありません。{party}名さまご一緒に空いている枠がありません。{at_most}名さままででしたら、お取りできます。",
        &["party", "at_most"],
    ),
    ("ask_date", "何日の、何時ごろですか。", &["party"]),
    (
        "ask_date_retry",
        "すみません、日にちがわかりませんでした。月と日を4桁で押してください。12月3日なら、1、2、0、3です。",
        &[],
    ),
    ("date_past", "その日は過ぎています。", &[]),
    (
        "confirm_date",
        "曜日が合わないようです。{date}で、よろしいですか。",
        &["date"],
    ),
    ("ask_time", "{date}の、何時ごろですか。", &["date"]),
    (
        "ask_time_hour",
        "すみません、何時でしょうか。ボタンなら、午後2時半は、1、4、3、0のように4桁で押してください。",
        &[],
    ),
    (
        "ask_time_retry",
        "すみません、時間がわかりませんでした。時間を4桁で押してください。午後2時半なら、1、4、3、0です。",
        &[],
    ),
    (
        "slot_ok",
        "{date}、{time}、お取りできます。",
        &["venue", "date", "time"],
    ),
    (
        "slot_ok_time",
        "{time}、お取りできます。",
        &["venue", "date", "time"],
    ),
    (
        "offer_slot",
        "{date}、{time}はいかがですか。",
        &["venue", "date", "time"],
    ),
    (
        "offer_slot_retry",
        "この時間でよろしければ1、変える場合は2を押してください。",
        &[],
    ),
    ("slot_full", "申し訳ありません。その時間は満席です。", &[]),
    (
        "slot_closed",
        "申し訳ありません。その時間は受付をしていません。",
        &[],
    ),
    (
        "day_closed",
        "申し訳ありません。{date}は受付をしていません。",
        &["date"],
    ),
    (
        "day_full",
        "申し訳ありません。{date}は満席です。",
        &["date"],
    ),
    (
        "offer_alternatives",
        "空いている近い時間は、{list}。何番がよろしいですか。別の日なら、別の日、とお話しください。",
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
    ("ask_name", "お名前をどうぞ。", &[]),
    (
        "ask_name_retry",
        "すみません。お名前だけを、もう一度お話しください。",
        &[],
    ),
    ("ask_kana", "お名前の読み方を、お話しください。", &[]),
    (
        "ask_kana_retry",
        "すみません。読み方を、いちのみや たろう、のように、ゆっくりお話しください。",
        &[],
    ),
    (
        "name_to_check",
        "お名前は、後ほど担当の者が確認いたします。",
        &[],
    ),
    ("ask_birth", "生年月日をどうぞ。", &[]),
    (
        "ask_birth_retry",
        "すみません。生年月日を、西暦の8桁で押してください。1960年4月1日なら、1、9、6、0、0、4、0、1です。",
        &[],
    ),
    (
        "ask_phone",
        "確認のSMSを送る、携帯電話の番号をお話しください。携帯電話がなければ、ない、とお答えください。",
        &[],
    ),
    (
        "ask_phone_retry",
        "すみません、わかりませんでした。携帯電話の番号を、ボタンで押してください。携帯電話がなければ、0を押してください。",
        &[],
    ),
    (
        "ask_contact",
        "では、ご連絡先のお電話番号をどうぞ。ご自宅の番号でかまいません。",
        &[],
    ),
    (
        "ask_contact_retry",
        "すみません。ご連絡先のお電話番号を、市外局番から、ボタンで押してください。",
        &[],
    ),
    (
        "contact_is_caller",
        "では、おかけのお電話を、ご連絡先にします。",
        &[],
    ),
    (
        "confirm_booking",
        "確認します。{venue}、{date}、{time}、{party}名さま、{name}さま、{birth}生まれ。よろしいですか。",
        &["venue", "date", "time", "party", "name", "birth", "phone"],
    ),
    (
        "confirm_booking_phone",
        "確認します。{venue}、{date}、{time}、{party}名さま、{name}さま、{birth}生まれ。お知らせは、{phone}へお送りします。よろしいですか。",
        &["venue", "date", "time", "party", "name", "birth", "phone"],
    ),
    (
        "confirm_booking_retry",
        "この内容でよろしければ1、直す場合は2を押してください。",
        &[],
    ),
    (
        "ask_fix",
        "どこを変えますか。会場、人数、日にち、時間、お名前、生年月日、電話番号の、どれですか。",
        &[],
    ),
    (
        "ask_fix_retry",
        "会場は1、人数は2、日にちと時間は3、お名前は4、生年月日は5、電話番号は6を押してください。",
        &[],
    ),
    ("booked", "承りました。予約番号は、", &["number"]),
    (
        "read_number",
        "{number}。くり返します。{number}。",
        &["number"],
    ),
    ("booked_after", "SMSでもお送りします。", &[]),
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
    (
        "ask_new_date",
        "新しいご希望の日にちと時間をお話しください。",
        &[],
    ),
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
        "sms_link_capped",
        "申し訳ありません。この番号には、本日はもうご案内のSMSをお送りできません。",
        &[],
    ),
    (
        "error",
        "申し訳ありません。ただいま手続きができませんでした。",
        &[],
    ),
    ("closing", "ありがとうございました。", &[]),
];

/// What a piece of a prompt is, for pre-synthesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PieceKind {
    /// A fragment of the scenario's text ([`fixed_fragments`]).
    Fixed,
    /// A value from a closed set ([`values`]).
    Value,
    /// The caller's own words (the name's reading, the birth date): the
    /// only text synthesized during a call.
    Name,
}

/// One piece of an utterance; an utterance's text is its pieces joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Piece {
    pub kind: PieceKind,
    pub text: String,
}

impl Piece {
    pub fn fixed(text: impl Into<String>) -> Piece {
        Piece {
            kind: PieceKind::Fixed,
            text: text.into(),
        }
    }

    pub fn value(text: impl Into<String>) -> Piece {
        Piece {
            kind: PieceKind::Value,
            text: text.into(),
        }
    }
}

/// The pieces a placeholder is filled with.
pub type Pieces = Vec<Piece>;

pub fn value(text: impl Into<String>) -> Pieces {
    vec![Piece::value(text)]
}

pub fn name(text: impl Into<String>) -> Pieces {
    vec![Piece {
        kind: PieceKind::Name,
        text: text.into(),
    }]
}

/// A birth date as said back (昭和35年4月1日, 平成元年1月8日): the caller's
/// own words, synthesized during the call like the name.
pub fn birth(d: NaiveDate) -> Pieces {
    vec![Piece {
        kind: PieceKind::Name,
        text: ja::speak_birth_date(d),
    }]
}

/// A number said digit by digit in groups ("いち にー、…"): one value per
/// digit word, the separators fixed.
pub fn digits(grouped: &str) -> Pieces {
    let spoken = ja::to_spoken_digits(grouped);
    let mut out = Vec::new();
    for (g, group) in spoken.split('、').enumerate() {
        if g > 0 {
            out.push(Piece::fixed("、"));
        }
        for (w, word) in group.split(' ').enumerate() {
            if w > 0 {
                out.push(Piece::fixed(" "));
            }
            out.push(Piece::value(word));
        }
    }
    out
}

/// "1番、A、2番、B": numbered choices, each a value.
pub fn numbered(items: &[Pieces], sep: &str) -> Pieces {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(Piece::fixed(sep));
        }
        out.push(Piece::value(format!("{}番", i + 1)));
        out.push(Piece::fixed("、"));
        out.extend(item.iter().cloned());
    }
    out
}

/// Items one after the other, joined by a fixed separator.
pub fn joined(items: &[Pieces], sep: &str) -> Pieces {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 && !sep.is_empty() {
            out.push(Piece::fixed(sep));
        }
        out.extend(item.iter().cloned());
    }
    out
}

/// A checklist statement as said: the parenthesized details written for
/// the web page ("（数字4桁と英数字6〜16文字）") are left out.
pub fn statement(text: &str) -> Pieces {
    let mut said = String::new();
    let mut depth = 0u32;
    for c in text.chars() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => said.push(c),
            _ => {}
        }
    }
    value(said)
}

pub fn date(d: NaiveDate) -> Pieces {
    value(ja::speak_date(d))
}

pub fn time(minute_of_day: u32) -> Pieces {
    value(ja::speak_time(minute_of_day))
}

/// Fills a template: its text between placeholders as fixed pieces, each
/// placeholder with its pieces (unknown ones are left out).
pub fn render(template: &str, vars: &[(&str, Pieces)]) -> Pieces {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        if start > 0 {
            out.push(Piece::fixed(&rest[..start]));
        }
        let key = &rest[start + 1..start + len];
        if let Some((_, pieces)) = vars.iter().find(|(k, _)| *k == key) {
            out.extend(pieces.iter().cloned());
        }
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::fixed(rest));
    }
    out
}

/// Every fixed fragment of the scenario's prompts (the text between
/// placeholders), plus the separators the engine puts between values.
pub fn fixed_fragments(scenario: &Scenario) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = ["、", " ", "。"].iter().map(|s| (*s).to_owned()).collect();
    for text in scenario.prompts.values() {
        for piece in render(text, &[]) {
            out.insert(piece.text);
        }
    }
    out
}

/// Every value a call may say for these service days: dates with weekday,
/// the times of a day (every 5 minutes within opening hours), venue names,
/// party sizes, digit words, choice numbers and the city's own texts
/// (statements, numbers, hours).
pub fn values(scenario: &Scenario, ctx: &CallContext, days: &[NaiveDate]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    out.extend(days.iter().map(|d| ja::speak_date(*d)));
    let open = ctx
        .venues
        .iter()
        .map(|v| v.open_min)
        .min()
        .unwrap_or(9 * 60);
    let close = ctx
        .venues
        .iter()
        .map(|v| v.close_min)
        .max()
        .unwrap_or(17 * 60);
    out.extend((open..=close).step_by(5).map(ja::speak_time));
    out.extend(ctx.venues.iter().map(|v| v.name.clone()));
    out.extend((1..=4).map(|n| n.to_string()));
    out.extend((1..=9).map(|n| format!("{n}番")));
    for d in '0'..='9' {
        out.extend(digits(&d.to_string()).into_iter().map(|p| p.text));
    }
    out.insert(ctx.city_name.clone());
    out.extend(digits(&ctx.city_phone).into_iter().map(|p| p.text));
    out.insert(scenario.staffed_hours_text.clone());
    for item in &ctx.checklist.items {
        out.extend(statement(&item.statement).into_iter().map(|p| p.text));
        out.insert(item.if_not.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_template_becomes_fixed_fragments_around_its_values() {
        let pieces = render(
            "{date}、{time}はいかがですか。",
            &[
                ("date", date(NaiveDate::from_ymd_opt(2026, 12, 10).unwrap())),
                ("time", time(570)),
            ],
        );
        let texts: Vec<&str> = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            ["12月10日 木曜日", "、", "午前9時半", "はいかがですか。"]
        );
        assert_eq!(pieces[0].kind, PieceKind::Value);
        assert_eq!(pieces[3].kind, PieceKind::Fixed);
    }

    #[test]
    fn digits_are_one_value_per_digit_word() {
        let pieces = digits("1234-5678");
        let joined: String = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, "いち にー さん よん、ごー ろく なな はち");
        assert_eq!(
            pieces.iter().filter(|p| p.kind == PieceKind::Value).count(),
            8
        );
    }

    #[test]
    fn every_fixed_fragment_of_the_default_scenario_is_enumerated() {
        let s = Scenario::default();
        let fragments = fixed_fragments(&s);
        assert!(fragments.contains("はいかがですか。"));
        assert!(fragments.contains("ご用件をどうぞ。"));
        assert!(!fragments.iter().any(|f| f.contains('{')));
    }
}
