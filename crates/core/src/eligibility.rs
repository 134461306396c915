//! The confirmation checklist shown before the booking screens (A11).
//! The items are configuration; the same list drives the phone dialog.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityItem {
    /// Stable key used in forms.
    pub key: String,
    /// The statement the resident confirms.
    pub statement: String,
    /// What to do instead when it does not hold.
    pub if_not: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    pub items: Vec<EligibilityItem>,
}

impl Checklist {
    /// The items not among `ticked` keys, in checklist order.
    pub fn unticked<'a>(&'a self, ticked: &[String]) -> Vec<&'a EligibilityItem> {
        self.items
            .iter()
            .filter(|item| !ticked.contains(&item.key))
            .collect()
    }

    /// A fingerprint of the current items, so that a confirmation given to an
    /// older checklist is asked again after staff change it.
    pub fn version(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for item in &self.items {
            for byte in item.key.bytes().chain(item.statement.bytes()).chain([0]) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{hash:016x}")
    }
}

impl Default for Checklist {
    fn default() -> Self {
        let item = |key: &str, statement: &str, if_not: &str| EligibilityItem {
            key: key.to_owned(),
            statement: statement.to_owned(),
            if_not: if_not.to_owned(),
        };
        Self {
            items: vec![
                item(
                    "notice",
                    "「有効期限通知書」が届いている。",
                    "電子証明書の有効期限の2〜3か月前に、地方公共団体情報システム機構（J-LIS）から「有効期限通知書」が届きます。届いていない場合や、なくした場合は、予約の前に市の専用ダイヤルへお問い合わせください。",
                ),
                item(
                    "in_person",
                    "マイナンバーカードの持ち主ご本人が来庁する。",
                    "更新の手続きは、原則としてご本人の来庁が必要です。代理人による手続きは必要な書類が異なるため、この予約ではお受けできません。市の専用ダイヤルへお問い合わせください。",
                ),
                item(
                    "pin",
                    "カードの暗証番号（数字4桁と英数字6〜16文字）を覚えている。",
                    "暗証番号を忘れた場合は、更新の前に暗証番号の再設定が必要です。手続きが異なるため、市の専用ダイヤルへお問い合わせください。",
                ),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unticked_items_are_reported_in_order() {
        let list = Checklist::default();
        let missing = list.unticked(&["in_person".to_owned()]);
        let keys: Vec<&str> = missing.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, vec!["notice", "pin"]);
        let all: Vec<String> = list.items.iter().map(|i| i.key.clone()).collect();
        assert!(list.unticked(&all).is_empty());
    }

    #[test]
    fn the_version_changes_when_the_items_change() {
        let a = Checklist::default();
        let mut b = a.clone();
        assert_eq!(a.version(), b.version());
        b.items[0].statement.push('。');
        assert_ne!(a.version(), b.version());
    }
}
