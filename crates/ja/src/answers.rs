//! Short answers: party size, yes/no, what the caller wants, and the global
//! commands that work at any point of a call.

use crate::text::{canonical, counted, normalize, numbers, strip_polite, with_correction};

/// How many people the caller books for: ひとり, 二人, 3名, ふたりで, 夫婦で → 2,
/// 家族4人, 大人2人と子ども1人 → 3, 私だけ → 1, a bare "3". `None` outside 1..=20.
pub fn parse_party_size(text: &str) -> Option<u8> {
    with_correction(text, party_size_once)
}

fn party_size_once(text: &str) -> Option<u8> {
    let c = canonical(text);
    let counts = counted(&c, '人');
    let grouped = counts.len() > 1
        && ["大人", "おとな", "子供", "子ども", "こども"]
            .iter()
            .any(|w| c.contains(w));
    let n = if grouped {
        Some(counts.iter().map(|&(n, _, _)| n).sum())
    } else if let Some(&(n, _, _)) = counts.first() {
        Some(n)
    } else if [
        "夫婦",
        "2人とも",
        "ふたりとも",
        "親子",
        "と私",
        "とわたし",
        "と自分",
        "と2人",
        "私と",
        "わたしと",
        "主人と",
        "と主人",
        "妻と",
        "と妻",
        "夫と",
        "と夫",
        "家内と",
        "と家内",
        "息子と",
        "娘と",
        "母と",
        "父と",
        "孫と",
        "と1緒",
        "といっしょ",
        "付き添い",
        "つきそい",
    ]
    .iter()
    .any(|w| c.contains(w))
    {
        Some(2)
    } else if [
        "私だけ",
        "わたしだけ",
        "自分だけ",
        "じぶんだけ",
        "本人だけ",
        "本人のみ",
        "私のみ",
        "わたし1人",
        "私1人",
        "自分1人",
    ]
    .iter()
    .any(|w| c.contains(w))
    {
        Some(1)
    } else {
        let bare = strip_polite(&c);
        match numbers(&bare)[..] {
            [(n, 0, end)] if end == bare.chars().count() => Some(n),
            _ => None,
        }
    }?;
    u8::try_from(n).ok().filter(|n| (1..=20).contains(n))
}

/// A yes/no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum YesNo {
    Yes,
    No,
    /// 結構です (yes or no by tone), or both at once: ask again.
    Ambiguous,
}

const NO_WORDS: &[&str] = &[
    "じゃなく",
    "ではなく",
    "間違い",
    "まちがい",
    "それはちょっと",
    "ちょっと都合",
    "都合が悪",
    "都合がわる",
    "無理",
    "むり",
    "できません",
    "いいえ",
    "いえ",
    "いや",
    "違います",
    "違う",
    "違いま",
    "ちがいます",
    "ちがう",
    "ちがいま",
    "だめ",
    "駄目",
    "そうじゃない",
    "そうではない",
    "じゃないです",
    "ではないです",
    "ではありません",
    "じゃありません",
    "間違って",
    "まちがって",
    "やめて",
    "やめます",
    "いらない",
    "いりません",
    "要らない",
    "しないで",
    "ノー",
    "のー",
    "no",
];

const YES_WORDS: &[&str] = &[
    "はい",
    "ええ",
    "うん",
    "お願いします",
    "おねがいします",
    "お願い",
    "大丈夫",
    "だいじょうぶ",
    "それで",
    "そうです",
    "そう",
    "その通り",
    "そのとおり",
    "合って",
    "あって",
    "間違いない",
    "間違いありません",
    "まちがいない",
    "まちがいありません",
    "いいです",
    "いいよ",
    "よろしい",
    "構いません",
    "かまいません",
    "ok",
    "おっけ",
    "了解",
    "りょうかい",
    "わかりました",
    "分かりました",
    "正しい",
    "もちろん",
    "ぜひ",
    "いいね",
    "そうして",
    "頼みます",
    "たのみます",
    "yes",
];

/// Said for yes and for no, or recognition slips of いいえ measured on phone
/// audio (よいしょ, 音楽; voice-notes.md): ask again.
const AMBIGUOUS_WORDS: &[&str] = &["結構", "けっこう", "よいしょ", "音楽", "もういい"];

/// Understands yes (はい, ええ, うん, お願いします, 大丈夫です, それで), no (いいえ,
/// 違います, ちがう, だめ) and [`YesNo::Ambiguous`] (結構です, both at once).
/// "はい、違います" is a no: the はい only acknowledges.
pub fn parse_yes_no(text: &str) -> Option<YesNo> {
    if is_pardon(text) {
        return None;
    }
    let n = normalize(text);
    if n.is_empty() {
        return None;
    }
    // Lengthened vowels: はーい, お願いしまーす (ノー is kept for the match).
    let n = if n.contains("のー") {
        n
    } else {
        n.replace('ー', "")
    };
    // 間違いない contains 違い but is a yes.
    let cleaned = [
        "間違いない",
        "間違いありません",
        "まちがいない",
        "まちがいありません",
    ]
    .iter()
    .fold(n.clone(), |s, w| s.replace(w, "はい"))
    .replace("それで結構", "それで")
    .replace("それでけっこう", "それで");
    let no = NO_WORDS.iter().any(|w| cleaned.contains(w));
    let yes = YES_WORDS.iter().any(|w| cleaned.contains(w));
    let ambiguous = AMBIGUOUS_WORDS.iter().any(|w| cleaned.contains(w));
    if ambiguous && !no {
        return Some(YesNo::Ambiguous);
    }
    match (yes, no) {
        (_, true) => {
            let strong_no = [
                "違",
                "ちが",
                "じゃなく",
                "ではなく",
                "間違い",
                "まちがい",
                "いいえ",
                "じゃない",
                "ではない",
                "ではありません",
                "じゃありません",
            ]
            .iter()
            .any(|w| cleaned.contains(w));
            let starts_yes = ["はい", "ええ", "うん"]
                .iter()
                .any(|w| cleaned.starts_with(w));
            if !yes || strong_no || starts_yes {
                Some(YesNo::No)
            } else {
                Some(YesNo::Ambiguous)
            }
        }
        (true, false) => Some(YesNo::Yes),
        (false, false) => None,
    }
}

/// What the caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intent {
    NewBooking,
    LookUp,
    Change,
    Cancel,
    Operator,
}

const OPERATOR_WORDS: &[&str] = &[
    "オペレーター",
    "おぺれーたー",
    "おぺれーた",
    "担当者",
    "担当の方",
    "担当の人",
    "たんとうしゃ",
    "係の人",
    "係の方",
    "かかりのひと",
    "職員",
    "人と話",
    "人間と話",
    "ひとと話",
    "ひととはな",
    "人に代わ",
    "人にかわ",
    "人間",
    "にんげん",
    "つないで",
    "繋いで",
];

/// Understands what the caller wants: a new booking (予約したい, 新規, 申し込み),
/// to look one up (確認, いつだったか), to change it (変更, 変えたい, ずらしたい),
/// to cancel it (キャンセル, 取り消し, 行けなくなった) or a person (担当者,
/// オペレーター). Cancel and change win over the 予約 they usually come with.
pub fn parse_intent(text: &str) -> Option<Intent> {
    let n = normalize(text);
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if has(OPERATOR_WORDS) {
        return Some(Intent::Operator);
    }
    if has(&[
        "きゃんせる",
        "取り消",
        "取消",
        "とりけし",
        "とり消",
        "取りけ",
        "やめたい",
        "止めたい",
        "行けなくな",
        "いけなくな",
        "行かれなくな",
        "キャンセル",
        // Whisper's slips for キャンセル on phone audio (issue 11).
        "ぱんせる",
        "かんせる",
        "完成",
    ]) {
        return Some(Intent::Cancel);
    }
    if has(&[
        "変更",
        "へんこう",
        "変えたい",
        "かえたい",
        "変えて",
        "かえて",
        "変えられ",
        "かえられ",
        "ずらし",
        "ずらせ",
        "別の日",
        "べつの日",
        "日にちを変",
        "時間を変",
        "振り替え",
        "ふりかえ",
    ]) {
        return Some(Intent::Change);
    }
    if has(&[
        "確認",
        "かくにん",
        "確かめ",
        "たしかめ",
        "いつだった",
        "何日だった",
        "何時だった",
        "なんじだった",
        "なんにちだった",
        "忘れ",
        "わすれ",
        "予約してる",
        "予約している",
        "予約してあ",
        "予約したん",
        "予約した日",
        "予約した時間",
        "予約したの",
    ]) {
        return Some(Intent::LookUp);
    }
    if has(&[
        "予約",
        "よやく",
        "新規",
        "しんき",
        "申し込",
        "申込",
        "もうしこ",
        "取りたい",
        "とりたい",
        "更新",
        "こうしん",
        "マイナンバー",
        "まいなんばー",
    ]) {
        return Some(Intent::NewBooking);
    }
    None
}

/// "はい?", "え?", "ん?": said with a rising tone, the caller did not catch
/// what was said (the recogniser writes the question mark).
fn is_pardon(text: &str) -> bool {
    let folded = madoguchi_core::text::nfkc(text);
    let trimmed = folded.trim();
    trimmed.ends_with('?')
        && [
            "はい", "え", "えっ", "ええ", "ん", "は", "はぁ", "はあ", "あ",
        ]
        .contains(&normalize(trimmed).as_str())
}

/// Commands that work at any point of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Repeat,
    Slower,
    StartOver,
    Operator,
}

/// Understands the global commands: もう一度/もう一回/もう1回/聞こえません
/// (repeat), ゆっくり (slower), 最初から/やり直し (start over), オペレーター/
/// 担当者/人と話したい (operator).
pub fn parse_command(text: &str) -> Option<Command> {
    if is_pardon(text) {
        return Some(Command::Repeat);
    }
    let n = normalize(text);
    let c = canonical(text);
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w) || c.contains(w));
    if has(OPERATOR_WORDS) {
        return Some(Command::Operator);
    }
    if has(&[
        "最初から",
        "さいしょから",
        "初めから",
        "始めから",
        "はじめから",
        "やり直",
        "やりなお",
        "一からやり",
        "1からやり",
    ]) {
        return Some(Command::StartOver);
    }
    if has(&[
        "ゆっくり",
        "遅く",
        "おそく",
        "早すぎ",
        "速すぎ",
        "はやすぎ",
        "早口",
        "はやくち",
    ]) {
        return Some(Command::Slower);
    }
    if has(&[
        "もう1度",
        "もういちど",
        "もう1回",
        "もういっかい",
        "もう1遍",
        "もういっぺん",
        "繰り返",
        "くりかえ",
        "聞こえな",
        "きこえな",
        "聞き取れな",
        "ききとれな",
        "聞こえませ",
        "きこえませ",
        "なんて言",
        "何て言",
        "なんていい",
        "何ておっしゃ",
        "なんておっしゃ",
        "もう1ど",
    ]) {
        return Some(Command::Repeat);
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn party_sizes() {
        let cases = [
            ("ひとり", Some(1)),
            ("二人です", Some(2)),
            ("3名で", Some(3)),
            ("ふたりでお願いします", Some(2)),
            ("夫婦で", Some(2)),
            ("家族4人", Some(4)),
            ("大人2人と子ども1人", Some(3)),
            ("私だけです", Some(1)),
            ("3", Some(3)),
            ("100人", None),
            ("はい", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_party_size(text), expected, "{text}");
        }
    }

    #[test]
    fn yes_no() {
        use YesNo::*;
        let cases = [
            ("はい", Some(Yes)),
            ("ええ、お願いします", Some(Yes)),
            ("うん", Some(Yes)),
            ("大丈夫です", Some(Yes)),
            ("それでお願いします", Some(Yes)),
            ("間違いないです", Some(Yes)),
            ("いいえ", Some(No)),
            ("違います", Some(No)),
            ("はい、違います", Some(No)),
            ("ちがう", Some(No)),
            ("だめです", Some(No)),
            ("結構です", Some(Ambiguous)),
            ("えーと", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_yes_no(text), expected, "{text}");
        }
    }

    #[test]
    fn intents() {
        use Intent::*;
        let cases = [
            ("予約をしたいんですけど", Some(NewBooking)),
            ("予約の確認をお願いします", Some(LookUp)),
            ("予約を変更したい", Some(Change)),
            ("予約をキャンセルしたいです", Some(Cancel)),
            ("取り消しをお願いします", Some(Cancel)),
            ("担当者と話したい", Some(Operator)),
            ("こんにちは", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_intent(text), expected, "{text}");
        }
    }

    #[test]
    fn commands() {
        use Command::*;
        let cases = [
            ("もう一度お願いします", Some(Repeat)),
            ("もういっかい", Some(Repeat)),
            ("もうちょっとゆっくり話してください", Some(Slower)),
            ("最初からお願いします", Some(StartOver)),
            ("オペレーターにつないで", Some(Operator)),
            ("3日です", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_command(text), expected, "{text}");
        }
    }
}
