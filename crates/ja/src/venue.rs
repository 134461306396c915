//! Venues by name, reading, short form or alias, tolerant of recognition
//! slips.
//!
//! No reading dictionary is used: readings come from the database (each
//! venue's kana) and from the aliases staff add. The venue's own name and
//! kana are paired to learn the readings of its kanji (尾西事務所 / びさいじむしょ
//! gives 尾西 → びさい), so "尾西で" and "びさい" both become readings and
//! are compared with an edit distance; "リサイ" (a measured Whisper slip for
//! 尾西) still finds 尾西. A [`ReadingHook`] (e.g. Open JTalk's analyser,
//! filled in by the voice layer) can add readings for any other kanji.

use crate::text::{is_hiragana, normalize};

/// A venue as the matcher needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueEntry {
    pub id: i64,
    /// Official name, e.g. "尾西事務所".
    pub name: String,
    /// Reading in hiragana or katakana, e.g. "びさいじむしょ".
    pub kana: String,
    /// Short forms, areas and landmarks staff add: "駅ナカ", "駅の近く".
    pub aliases: Vec<String>,
}

/// What a caller's answer matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VenueMatch {
    One(i64),
    /// Ids in the order of the entries given to [`VenueMatcher::new`].
    Several(Vec<i64>),
    None,
}

/// Gives the reading (hiragana) of a text, for kanji the venues' own names
/// do not cover. Implemented by the voice layer if it has an analyser.
pub trait ReadingHook: Send + Sync {
    fn reading(&self, text: &str) -> Option<String>;
}

/// Kinds of office, stripped to get the short form (尾西事務所 → 尾西), with
/// their readings, longest first.
const SUFFIXES: &[(&str, &str)] = &[
    ("出張所", "しゅっちょうじょ"),
    ("出張所", "しゅっちょうしょ"),
    ("事務所", "じむしょ"),
    ("公民館", "こうみんかん"),
    ("市民課", "しみんか"),
    ("センター", "せんたー"),
    ("プラザ", "ぷらざ"),
    ("庁舎", "ちょうしゃ"),
    ("支所", "ししょ"),
    ("窓口", "まどぐち"),
];

/// Words that name no venue in particular.
const PREFIXES: &[(&str, &str)] = &[
    ("一宮市", "いちのみやし"),
    ("いちのみや", "いちのみや"),
    ("一宮", "いちのみや"),
];

struct Keyed {
    id: i64,
    /// Readings (hiragana, no spaces) that identify the venue.
    readings: Vec<String>,
    /// Surface forms (normalised) that identify the venue.
    surfaces: Vec<String>,
}

/// Finds venues in what a caller said. Build once per call (or per change of
/// the venue list) and reuse.
pub struct VenueMatcher {
    venues: Vec<Keyed>,
    /// Surface → reading pairs learnt from the entries, longest surface first.
    readings: Vec<(String, String)>,
    hook: Option<Box<dyn ReadingHook>>,
}

fn fold(s: &str) -> String {
    normalize(s).chars().filter(|c| *c != ' ').collect()
}

fn strip_affixes(surface: &str, reading: &str) -> Vec<(String, String)> {
    let mut out = vec![(surface.to_owned(), reading.to_owned())];
    let mut s = surface.to_owned();
    let mut r = reading.to_owned();
    for (ps, pr) in PREFIXES {
        let ps = fold(ps);
        if let (Some(s2), Some(r2)) = (s.strip_prefix(ps.as_str()), r.strip_prefix(pr)) {
            s = s2.to_owned();
            r = r2.to_owned();
            out.push((s.clone(), r.clone()));
        }
    }
    for (ss, sr) in SUFFIXES {
        let ss = fold(ss);
        if let (Some(s2), Some(r2)) = (s.strip_suffix(ss.as_str()), r.strip_suffix(sr)) {
            s = s2.to_owned();
            r = r2.to_owned();
            out.push((s.clone(), r.clone()));
        }
    }
    out.retain(|(s, r)| s.chars().count() >= 2 || r.chars().count() >= 2);
    out
}

impl VenueMatcher {
    pub fn new(entries: Vec<VenueEntry>) -> VenueMatcher {
        let mut venues = Vec::new();
        let mut readings: Vec<(String, String)> = Vec::new();
        for entry in entries {
            let mut keyed = Keyed {
                id: entry.id,
                readings: Vec::new(),
                surfaces: Vec::new(),
            };
            let names: Vec<String> = entry.name.split_whitespace().map(fold).collect();
            let kanas: Vec<String> = entry.kana.split_whitespace().map(fold).collect();
            let pairs: Vec<(String, String)> = if names.len() == kanas.len() {
                names.into_iter().zip(kanas).collect()
            } else {
                vec![(fold(&entry.name), fold(&entry.kana))]
            };
            for (surface, reading) in pairs {
                for (s, r) in strip_affixes(&surface, &reading) {
                    if !s.is_empty() && s != r {
                        readings.push((s.clone(), r.clone()));
                    }
                    keyed.surfaces.push(s);
                    keyed.readings.push(r);
                }
            }
            for alias in &entry.aliases {
                let a = fold(alias);
                if a.chars().all(is_hiragana) {
                    keyed.readings.push(a.clone());
                }
                keyed.surfaces.push(a);
            }
            keyed.readings.retain(|r| r.chars().count() >= 2);
            keyed.surfaces.retain(|s| s.chars().count() >= 2);
            venues.push(keyed);
        }
        readings.sort_by_key(|(s, _)| std::cmp::Reverse(s.chars().count()));
        VenueMatcher {
            venues,
            readings,
            hook: None,
        }
    }

    /// Adds a reading source for kanji the venue names do not cover.
    pub fn with_reading_hook(mut self, hook: Box<dyn ReadingHook>) -> VenueMatcher {
        self.hook = Some(hook);
        self
    }

    fn to_reading(&self, folded: &str) -> String {
        let mut s = folded.to_owned();
        for (surface, reading) in &self.readings {
            s = s.replace(surface.as_str(), reading);
        }
        if let Some(hook) = &self.hook
            && let Some(r) = hook.reading(&s)
        {
            return fold(&r);
        }
        s
    }

    /// The venue(s) the caller named. Exact matches on surface or reading win;
    /// otherwise the closest reading within a small edit distance.
    pub fn find(&self, text: &str) -> VenueMatch {
        let folded = fold(text);
        if folded.is_empty() {
            return VenueMatch::None;
        }
        let reading = self.to_reading(&folded);
        // Exact: the longest key found decides, so "駅" does not beat "駅ナカ".
        let mut best_len = 0;
        let mut exact: Vec<i64> = Vec::new();
        for v in &self.venues {
            let len = v
                .surfaces
                .iter()
                .filter(|k| folded.contains(k.as_str()))
                .chain(v.readings.iter().filter(|k| reading.contains(k.as_str())))
                .map(|k| k.chars().count())
                .max()
                .unwrap_or(0);
            if len == 0 {
                continue;
            }
            if len > best_len {
                best_len = len;
                exact.clear();
            }
            if len == best_len {
                exact.push(v.id);
            }
        }
        if !exact.is_empty() {
            return one_or_several(exact);
        }
        // Fuzzy on readings.
        let query: Vec<char> = reading.chars().collect();
        let mut best = usize::MAX;
        let mut fuzzy: Vec<i64> = Vec::new();
        for v in &self.venues {
            let dist = v
                .readings
                .iter()
                .filter_map(|k| {
                    let key: Vec<char> = k.chars().collect();
                    let allowed = match key.len() {
                        0..=2 => 0,
                        3..=6 => 1,
                        _ => 2,
                    };
                    let d = substring_distance(&key, &query);
                    (allowed > 0 && d <= allowed).then_some(d)
                })
                .min();
            let Some(dist) = dist else { continue };
            if dist < best {
                best = dist;
                fuzzy.clear();
            }
            if dist == best {
                fuzzy.push(v.id);
            }
        }
        if fuzzy.is_empty() {
            VenueMatch::None
        } else {
            one_or_several(fuzzy)
        }
    }
}

fn one_or_several(mut ids: Vec<i64>) -> VenueMatch {
    ids.dedup();
    if ids.len() == 1 {
        VenueMatch::One(ids[0])
    } else {
        VenueMatch::Several(ids)
    }
}

/// The smallest edit distance between `key` and any substring of `text`
/// (Sellers' algorithm).
fn substring_distance(key: &[char], text: &[char]) -> usize {
    let mut prev: Vec<usize> = vec![0; text.len() + 1];
    for (i, &k) in key.iter().enumerate() {
        let mut cur = vec![i + 1; text.len() + 1];
        for (j, &t) in text.iter().enumerate() {
            let cost = usize::from(k != t);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev.into_iter().min().unwrap_or(key.len())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn matcher() -> VenueMatcher {
        let v = |id, name: &str, kana: &str, aliases: &[&str]| VenueEntry {
            id,
            name: name.to_owned(),
            kana: kana.to_owned(),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        };
        VenueMatcher::new(vec![
            v(1, "本庁舎 市民課", "ほんちょうしゃ しみんか", &["市役所"]),
            v(2, "尾西事務所", "びさいじむしょ", &[]),
            v(3, "木曽川事務所", "きそがわじむしょ", &[]),
            v(
                4,
                "いちのみや駅ナカプラザ",
                "いちのみやえきなかぷらざ",
                &["駅の近く", "駅"],
            ),
            v(5, "今伊勢出張所", "いまいせしゅっちょうじょ", &[]),
            v(8, "西成出張所", "さいせいしゅっちょうじょ", &[]),
        ])
    }

    #[test]
    fn names_readings_short_forms_and_aliases() {
        let m = matcher();
        let cases = [
            ("尾西事務所", VenueMatch::One(2)),
            ("尾西で", VenueMatch::One(2)),
            ("びさい", VenueMatch::One(2)),
            ("ビサイの事務所", VenueMatch::One(2)),
            ("リサイ調査", VenueMatch::One(2)),
            ("きそがわ", VenueMatch::One(3)),
            ("駅の近くがいいです", VenueMatch::One(4)),
            ("駅ナカ", VenueMatch::One(4)),
            ("市役所", VenueMatch::One(1)),
            ("本庁", VenueMatch::One(1)),
            ("さいせいの出張所", VenueMatch::One(8)),
            ("名古屋", VenueMatch::None),
        ];
        for (text, expected) in cases {
            assert_eq!(m.find(text), expected, "{text}");
        }
    }

    #[test]
    fn substring_distance_counts_edits() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(substring_distance(&c("びさい"), &c("りさいちょうさ")), 1);
        assert_eq!(substring_distance(&c("びさい"), &c("あのびさいで")), 0);
    }
}
