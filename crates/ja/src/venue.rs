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

use crate::text::{is_hiragana, normalize, with_correction};

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
    ("舎", "しゃ"),
    ("窓口", "まどぐち"),
];

/// Phrases removed before the fuzzy comparison.
const POLITE_PHRASES: &[&str] = &[
    "ございます",
    "ございました",
    "ござい",
    "ありがとう",
    "ください",
    "おねがい",
    "お願い",
    "いたします",
    "します",
    "でした",
    "です",
    "ます",
];

/// Words that name no venue in particular.
const PREFIXES: &[(&str, &str)] = &[
    ("一宮市", "いちのみやし"),
    ("いちのみや", "いちのみや"),
    ("一宮", "いちのみや"),
];

/// Shorter readings (ほん, えき) occur inside too many other words.
const MIN_READING: usize = 3;

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
    normalize(s)
        .chars()
        .filter(|c| *c != ' ')
        .map(|c| match c {
            // Variant forms a recogniser may write.
            '曾' => '曽',
            _ => c,
        })
        .collect()
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
    // Each suffix on its own: 本庁舎 gives 本庁 (舎) as well as 本 (庁舎).
    for (ss, sr) in SUFFIXES {
        let ss = fold(ss);
        if let (Some(s2), Some(r2)) = (s.strip_suffix(ss.as_str()), r.strip_suffix(sr)) {
            out.push((s2.to_owned(), r2.to_owned()));
        }
    }
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
                    if s.chars().count() >= 2 && r.chars().count() >= MIN_READING && s != r {
                        readings.push((s.clone(), r.clone()));
                    }
                    if s.chars().count() >= 2 {
                        keyed.surfaces.push(s);
                    }
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
            keyed.readings.retain(|r| r.chars().count() >= MIN_READING);
            keyed.surfaces.retain(|s| !s.is_empty());
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
        let found = with_correction(text, |t| match self.find_once(t) {
            VenueMatch::None => None,
            found => Some(found),
        });
        found.unwrap_or(VenueMatch::None)
    }

    fn find_once(&self, text: &str) -> VenueMatch {
        let folded = fold(text);
        if folded.is_empty() {
            return VenueMatch::None;
        }
        let reading = self.to_reading(&folded);
        // Exact: each venue's longest key found; a venue whose key lies
        // inside another venue's found key ("駅" in "駅ナカ") drops out.
        let found: Vec<(i64, &str)> = self
            .venues
            .iter()
            .filter_map(|v| {
                v.surfaces
                    .iter()
                    .filter(|k| folded.contains(k.as_str()))
                    .chain(v.readings.iter().filter(|k| reading.contains(k.as_str())))
                    .max_by_key(|k| k.chars().count())
                    .map(|k| (v.id, k.as_str()))
            })
            .collect();
        let exact: Vec<i64> = found
            .iter()
            .filter(|(id, key)| {
                !found
                    .iter()
                    .any(|(other, k)| other != id && k.len() > key.len() && k.contains(key))
            })
            .map(|(id, _)| *id)
            .collect();
        if !exact.is_empty() {
            return one_or_several(exact);
        }
        // Fuzzy on readings, then on written names (今伊瀬 for 今伊勢).
        // Polite phrases are not near-misses of a venue (ござい ≈ あざい).
        let polite = POLITE_PHRASES
            .iter()
            .fold(reading.clone(), |s, p| s.replace(p, "・"));
        let query: Vec<char> = polite.chars().collect();
        let fuzzy = closest(&self.venues, |v| &v.readings, &query, 3);
        if !fuzzy.is_empty() {
            return one_or_several(fuzzy);
        }
        // One kanji written wrong (今伊瀬 for 今伊勢) in a written name of
        // three or more characters.
        let written: Vec<char> = folded.chars().collect();
        let mut ids: Vec<i64> = self
            .venues
            .iter()
            .filter(|v| {
                v.surfaces.iter().any(|k| {
                    let key: Vec<char> = k.chars().collect();
                    key.len() >= 3 && one_kanji_off(&key, &written)
                })
            })
            .map(|v| v.id)
            .collect();
        ids.dedup();
        match ids.len() {
            0 => VenueMatch::None,
            _ => one_or_several(ids),
        }
    }
}

/// Whether some part of `text` as long as `key` differs from it in exactly
/// one place, where both have a kanji.
fn one_kanji_off(key: &[char], text: &[char]) -> bool {
    let is_kanji = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
    text.windows(key.len()).any(|window| {
        let mut diffs = key.iter().zip(window).filter(|(k, t)| k != t);
        matches!(
            (diffs.next(), diffs.next()),
            (Some((&k, &t)), None) if is_kanji(k) && is_kanji(t)
        )
    })
}

/// The venues with the smallest edit distance from one of their keys to a
/// part of `query`, within what the key's length allows: none for keys
/// shorter than `min_len`, one edit up to 6 characters, two beyond.
fn closest<'a>(
    venues: &'a [Keyed],
    keys: impl Fn(&'a Keyed) -> &'a Vec<String>,
    query: &[char],
    min_len: usize,
) -> Vec<i64> {
    let mut best = usize::MAX;
    let mut ids: Vec<i64> = Vec::new();
    for v in venues {
        let dist = keys(v)
            .iter()
            .filter_map(|k| {
                let key: Vec<char> = k.chars().collect();
                // In half edits: a voicing slip (ざ/さ) costs 1, any other edit 2.
                let allowed = match key.len() {
                    n if n < min_len => return None,
                    0..=6 => 2,
                    _ => 4,
                };
                let d = substring_distance(&key, query);
                (d <= allowed).then_some(d)
            })
            .min();
        let Some(dist) = dist else { continue };
        if dist < best {
            best = dist;
            ids.clear();
        }
        if dist == best {
            ids.push(v.id);
        }
    }
    ids
}

fn one_or_several(mut ids: Vec<i64>) -> VenueMatch {
    ids.dedup();
    if ids.len() == 1 {
        VenueMatch::One(ids[0])
    } else {
        VenueMatch::Several(ids)
    }
}

/// The base kana of `c` without voicing marks (ざ → さ, ぱ → は) and small
/// kana made large (ゃ → や), so that slips of voicing cost less.
fn base_kana(c: char) -> char {
    match c {
        'が'..='ぢ' | 'つ'..='ど' | 'は'..='ぽ' => unvoice(c),
        'ぁ' | 'ぃ' | 'ぅ' | 'ぇ' | 'ぉ' | 'っ' | 'ゃ' | 'ゅ' | 'ょ' | 'ゎ' => {
            char::from_u32(u32::from(c) + 1).unwrap_or(c)
        }
        'ゔ' => 'う',
        _ => c,
    }
}

/// か..ぢ, つ..ど alternate plain/voiced; は..ぽ go plain/voiced/semi-voiced.
fn unvoice(c: char) -> char {
    let u = u32::from(c);
    let plain = match c {
        'が'..='ぢ' => {
            let k = u32::from('か');
            if (u - k) % 2 == 1 { u - 1 } else { u }
        }
        'つ'..='ど' => {
            // っ つ づ て で と ど: つ at offset 1 from っ.
            match c {
                'づ' => u32::from('つ'),
                'で' => u32::from('て'),
                'ど' => u32::from('と'),
                _ => u,
            }
        }
        _ => {
            let h = u32::from('は');
            h + (u - h) / 3 * 3
        }
    };
    char::from_u32(plain).unwrap_or(c)
}

/// The smallest weighted edit distance between `key` and any substring of
/// `text` (Sellers' algorithm), in half edits: 1 for a voicing or size slip,
/// 2 for any other substitution, insertion or deletion.
fn substring_distance(key: &[char], text: &[char]) -> usize {
    let mut prev: Vec<usize> = vec![0; text.len() + 1];
    for (i, &k) in key.iter().enumerate() {
        let mut cur = vec![2 * (i + 1); text.len() + 1];
        for (j, &t) in text.iter().enumerate() {
            let cost = if k == t {
                0
            } else if base_kana(k) == base_kana(t) {
                1
            } else {
                2
            };
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 2).min(cur[j] + 2);
        }
        prev = cur;
    }
    prev.into_iter().min().unwrap_or(2 * key.len())
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
        assert_eq!(substring_distance(&c("びさい"), &c("りさいちょうさ")), 2);
        assert_eq!(substring_distance(&c("あざい"), &c("あさい")), 1);
        assert_eq!(substring_distance(&c("きたがた"), &c("きたかた")), 1);
        assert_eq!(substring_distance(&c("びさい"), &c("あのびさいで")), 0);
    }

    struct Readings;

    impl ReadingHook for Readings {
        fn reading(&self, text: &str) -> Option<String> {
            Some(text.replace("美西", "びさい"))
        }
    }

    #[test]
    fn a_reading_hook_covers_kanji_the_names_do_not() {
        assert_eq!(matcher().find("美西"), VenueMatch::None);
        let m = matcher().with_reading_hook(Box::new(Readings));
        assert_eq!(m.find("美西で"), VenueMatch::One(2));
    }
}
