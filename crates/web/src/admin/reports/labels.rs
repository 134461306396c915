//! Japanese names for what the call log records in English: outcomes, the
//! dialog state a call ended in, and why it ended. The dialog crate owns
//! these spellings; a name not listed here is shown as recorded.

/// The outcome of a call ("" for a call not recorded as ended).
pub(crate) fn outcome(key: &str) -> &str {
    match key {
        "booked" => "予約",
        "changed" => "変更",
        "cancelled" => "取消",
        "looked_up" => "予約の確認",
        "ineligible" => "対象外の案内",
        "transferred" => "職員へ転送",
        "abandoned" => "途中で終了",
        "failed" => "失敗",
        "" => "通話中・記録なし",
        other => other,
    }
}

/// The step of the conversation a call ended in.
pub(crate) fn step(state: &str) -> String {
    if let Some(waiting) = state.strip_prefix("waiting:") {
        return format!("処理待ち（{waiting}）");
    }
    match state {
        "intent" => "用件",
        "eligibility" => "対象者の確認",
        "eligibility_which" => "対象者の確認（選択）",
        "venue" => "会場",
        "venue_which" => "会場（候補から選択）",
        "party" => "人数",
        "date" => "日付",
        "confirm_date" => "日付の確認",
        "time" => "時間",
        "confirm_slot" => "日時の確認",
        "choose_alternative" => "別の候補の選択",
        "name" => "氏名",
        "kana" => "フリガナ",
        "birth_date" => "生年月日",
        "phone" => "電話番号",
        "confirm_booking" => "予約内容の確認",
        "fix" => "内容の訂正",
        "reservation_no" => "予約番号",
        "identity" => "本人確認",
        "confirm_change" => "変更内容の確認",
        "confirm_cancel" => "取消の確認",
        "sms_offer" => "SMS案内",
        "ended" => "終了後",
        "" => "不明",
        other => other,
    }
    .to_owned()
}

/// Why a call ended.
pub(crate) fn reason(key: &str) -> &str {
    match key {
        "completed" => "完了",
        "hangup" => "電話が切られた",
        "silence" => "無言",
        "repeated_failures" => "聞き取れない・理解できないが続いた",
        "transfer" => "転送",
        "ineligible" => "対象外",
        "no_availability" => "空きなし",
        "error" => "システムの不具合",
        "" => "不明",
        other => other,
    }
}
