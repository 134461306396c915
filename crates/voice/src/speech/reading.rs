//! The reading of a name from Open JTalk's text analysis (`-ot`): one line
//! per word, `surface,品詞,細分類1,細分類2,細分類3,活用型,活用形,原形,読み,発音,…`.
//! A name heard in kanji (一宮太郎) is read from the dictionary instead of
//! asking the caller for its reading; the read-back lets the caller
//! correct it.

/// Katakana with U+3000 between family and given name, or `None` when the
/// analysis is empty or a word has no katakana reading.
pub(super) fn from_trace(trace: &str) -> Option<String> {
    let words = trace
        .lines()
        .skip_while(|l| !l.starts_with("[Text analysis result]"))
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.trim().is_empty());
    let mut out = String::new();
    let mut family_name_before = false;
    for line in words {
        let fields: Vec<&str> = line.split(',').collect();
        let (Some(pos), Some(reading)) = (fields.get(1), fields.get(8)) else {
            return None;
        };
        let separator = *pos == "記号" && !reading.chars().any(is_katakana);
        if separator {
            // A space or 、 between parts of the name.
            if !out.is_empty() && !out.ends_with('\u{3000}') {
                out.push('\u{3000}');
            }
            family_name_before = false;
            continue;
        }
        if !reading.chars().all(|c| is_katakana(c) || c == 'ー') {
            return None;
        }
        let kind = (fields.get(3).copied(), fields.get(4).copied());
        if family_name_before && kind == (Some("人名"), Some("名")) && !out.ends_with('\u{3000}')
        {
            out.push('\u{3000}');
        }
        family_name_before = kind == (Some("人名"), Some("姓"));
        out.push_str(reading);
    }
    let out = out.trim_end_matches('\u{3000}').to_owned();
    (!out.is_empty()).then_some(out)
}

fn is_katakana(c: char) -> bool {
    ('\u{30A1}'..='\u{30F6}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::from_trace;

    fn trace(lines: &[&str]) -> String {
        format!(
            "[Text analysis result]\n{}\n\n[Output label]\n0 1 xx^xx-sil+i=ch\n",
            lines.join("\n")
        )
    }

    #[test]
    fn family_and_given_name_are_read_and_spaced() {
        let t = trace(&[
            "一宮,名詞,固有名詞,人名,姓,*,*,一宮,イチノミヤ,イチノミヤ,0/5,C1,-1",
            "太郎,名詞,固有名詞,人名,名,*,*,太郎,タロウ,タロー,1/3,C1,0",
        ]);
        assert_eq!(from_trace(&t).as_deref(), Some("イチノミヤ\u{3000}タロウ"));
    }

    #[test]
    fn a_space_said_between_the_parts_is_kept_once() {
        let t = trace(&[
            "一宮,名詞,固有名詞,組織,*,*,*,一宮,イチノミヤ,イチノミヤ,0/5,C1,-1",
            "　,記号,空白,*,*,*,*,　,、,、,0/0,*,0",
            "太郎,名詞,固有名詞,人名,名,*,*,太郎,タロウ,タロー,1/3,C1,0",
        ]);
        assert_eq!(from_trace(&t).as_deref(), Some("イチノミヤ\u{3000}タロウ"));
    }

    #[test]
    fn nothing_read_or_a_word_without_reading_gives_none() {
        assert_eq!(from_trace(&trace(&[])), None);
        assert_eq!(from_trace(""), None);
        let t = trace(&["龘,名詞,一般,*,*,*,*,龘,*,*,0/0,*,0"]);
        assert_eq!(from_trace(&t), None);
    }
}
