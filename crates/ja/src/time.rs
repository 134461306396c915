//! Appointment times as callers say them.

use crate::text::{canonical_from_normalized, normalize, numbers, strip_polite, with_correction};

/// A time the caller asked for, in minutes since midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeAnswer {
    /// A time of day. `meridiem_given` is false when the caller said only
    /// "2時": then it may be 2:00 or 14:00, see [`resolve_hour`].
    At {
        minute_of_day: u32,
        meridiem_given: bool,
    },
    /// A part of the day (午前中, 午後, お昼過ぎ, 夕方, 2時以降 …): any time with
    /// `from_min <= t < to_min`. The dialog intersects it with opening hours.
    Range { from_min: u32, to_min: u32 },
}

const DAY: u32 = 24 * 60;

/// Parts of the day said without an hour, most specific first.
const PARTS: &[(&str, u32, u32)] = &[
    ("午前中", 0, 12 * 60),
    ("午後の早い", 12 * 60, 14 * 60),
    ("午後早め", 12 * 60, 14 * 60),
    ("午後の早め", 12 * 60, 14 * 60),
    ("午後1番", 12 * 60, 14 * 60),
    ("午後の遅い", 15 * 60, DAY),
    ("午後遅め", 15 * 60, DAY),
    ("午後の遅め", 15 * 60, DAY),
    ("午前の早い", 0, 10 * 60),
    ("午前早め", 0, 10 * 60),
    ("朝一", 0, 10 * 60),
    ("朝1", 0, 10 * 60),
    ("朝早", 0, 10 * 60),
    ("お昼過ぎ", 12 * 60, 14 * 60),
    ("昼過ぎ", 12 * 60, 14 * 60),
    ("昼から", 12 * 60, DAY),
    ("昼以降", 12 * 60, DAY),
    ("昼前", 10 * 60, 12 * 60),
    ("お昼", 11 * 60 + 30, 13 * 60 + 30),
    ("夕方", 15 * 60, 18 * 60),
    ("午後", 12 * 60, DAY),
    ("午前", 0, 12 * 60),
    ("朝", 0, 11 * 60),
    ("夜", 18 * 60, DAY),
    ("何時でも", 0, DAY),
    ("なんじでも", 0, DAY),
    ("いつでも", 0, DAY),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Meridiem {
    Am,
    Pm,
}

fn meridiem(c: &str) -> Option<Meridiem> {
    if c.contains("昼前") {
        Some(Meridiem::Am)
    } else if ["午後", "夕方", "夜", "昼"].iter().any(|w| c.contains(w)) {
        Some(Meridiem::Pm)
    } else if ["午前", "朝"].iter().any(|w| c.contains(w)) {
        Some(Meridiem::Am)
    } else {
        None
    }
}

/// A clock time found in canonical text: (minute of day, hour as said, end).
fn clock_times(c: &str) -> Vec<(u32, u32, usize)> {
    let chars: Vec<char> = c.chars().collect();
    let nums = numbers(c);
    let mut out = Vec::new();
    let mut joined = None;
    for (i, &(h, _, end)) in nums.iter().enumerate() {
        if joined == Some(i) {
            continue;
        }
        match chars.get(end) {
            Some('時') if h <= 24 && chars.get(end + 1) != Some(&'間') => {
                let after = end + 1;
                let (minute, stop) = if chars.get(after) == Some(&'半') {
                    (30, after + 1)
                } else {
                    match nums.get(i + 1) {
                        // じゅういちじ heard as 「10時1時」: 11時, not 10:01.
                        Some(&(d, start, mend))
                            if start == after
                                && h == 10
                                && (1..=2).contains(&d)
                                && chars.get(mend) == Some(&'時') =>
                        {
                            out.push(((h + d) * 60, h + d, mend + 1));
                            joined = Some(i + 1);
                            continue;
                        }
                        Some(&(m, start, mend))
                            if start == after && m < 60 && chars.get(mend) != Some(&'時') =>
                        {
                            let stop = if chars.get(mend) == Some(&'分') {
                                mend + 1
                            } else {
                                mend
                            };
                            (m, stop)
                        }
                        _ => (0, after),
                    }
                };
                out.push((h * 60 + minute, h, stop));
            }
            Some(':') => {
                if let Some(&(m, start, mend)) = nums.get(i + 1)
                    && start == end + 1
                    && h <= 24
                    && m < 60
                {
                    out.push((h * 60 + m, h, mend));
                }
            }
            _ => {}
        }
    }
    out
}

fn apply(minute: u32, hour: u32, m: Option<Meridiem>) -> (u32, bool) {
    match m {
        Some(Meridiem::Pm) if hour < 12 => (minute + 12 * 60, true),
        Some(Meridiem::Am) if hour == 12 => (minute - 12 * 60, true),
        Some(_) => (minute, true),
        None => (minute, hour >= 13 || hour == 0),
    }
}

/// Understands a time: 2時, 午後2時半, 14時30分, にじはん, 十時, 10:30, 朝9時,
/// 夕方4時, 正午; 2時から4時, 2時以降, 3時まで; parts of the day (午前中, 午後,
/// お昼過ぎ, 夕方, 朝一); a bare hour ("10でお願いします").
pub fn parse_time(text: &str) -> Option<TimeAnswer> {
    with_correction(text, parse_time_once)
}

/// Words a recogniser writes for an hour it heard: にじ as 虹 (rainbow),
/// じゅうじ as 十字, さんじ as 惨事, ごじ as 誤字.
const HOMOPHONES: &[(&str, &str)] = &[
    ("虹", "2時"),
    ("十字", "10時"),
    ("惨事", "3時"),
    ("誤字", "5時"),
];

fn parse_time_once(text: &str) -> Option<TimeAnswer> {
    let mut n = normalize(text);
    for (from, to) in HOMOPHONES {
        n = n.replace(from, to);
    }
    let c = canonical_from_normalized(&n);
    let m = meridiem(&c);
    let times = clock_times(&c);
    if let Some(&(minute, hour, end)) = times.first() {
        let (from, given) = apply(minute, hour, m);
        let rest: String = c.chars().skip(end).collect();
        if let Some(&(minute2, hour2, _)) = times.get(1)
            && (rest.starts_with("から") || rest.starts_with('-') || rest.starts_with('~'))
        {
            let m2 = if given && hour2 < 12 && from >= 12 * 60 {
                Some(Meridiem::Pm)
            } else {
                m
            };
            let (to, _) = apply(minute2, hour2, m2);
            return Some(TimeAnswer::Range {
                from_min: from,
                to_min: to,
            });
        }
        if ["以降", "から", "より後", "よりあと", "以後"]
            .iter()
            .any(|w| rest.starts_with(w))
        {
            return Some(TimeAnswer::Range {
                from_min: from,
                to_min: DAY,
            });
        }
        if ["まで", "より前", "よりまえ", "前まで", "までに"]
            .iter()
            .any(|w| rest.starts_with(w))
        {
            return Some(TimeAnswer::Range {
                from_min: 0,
                to_min: from,
            });
        }
        return Some(TimeAnswer::At {
            minute_of_day: from,
            meridiem_given: given,
        });
    }
    if c.contains("正午") || c.contains("お昼の12時") {
        return Some(TimeAnswer::At {
            minute_of_day: 12 * 60,
            meridiem_given: true,
        });
    }
    // A bare hour, the whole answer: "10", "2でお願いします", "午後2で".
    // Whisper writes にじ as "20" and にじはん as "20半": a bare multiple of
    // ten from 20 is that hour (nobody books a city counter at 20:00 with
    // a bare number).
    let mut bare = strip_polite(&c);
    for prefix in ["午前", "午後", "夕方", "朝", "夜", "昼"] {
        if let Some(rest) = bare.strip_prefix(prefix) {
            bare = rest.strip_prefix('の').unwrap_or(rest).to_owned();
            break;
        }
    }
    let (bare, half) = match bare.strip_suffix('半') {
        Some(rest) => (rest.to_owned(), true),
        None => (bare, false),
    };
    // 朝1 (朝一番) and 午後1番 are parts of the day, not 1 o'clock.
    let part_with_number = PARTS
        .iter()
        .any(|(w, _, _)| w.chars().any(|ch| ch.is_ascii_digit()) && c.contains(w));
    if let [(n, 0, end)] = numbers(&bare)[..]
        && end == bare.chars().count()
        && !part_with_number
    {
        let h = if n >= 20 && n % 10 == 0 && n <= 90 {
            n / 10
        } else {
            n
        };
        if (1..=24).contains(&h) {
            let minute = h * 60 + if half { 30 } else { 0 };
            let (minute, given) = apply(minute, h, m);
            return Some(TimeAnswer::At {
                minute_of_day: minute,
                meridiem_given: given,
            });
        }
    }
    PARTS
        .iter()
        .find(|(word, _, _)| c.contains(word))
        .map(|&(_, from_min, to_min)| TimeAnswer::Range { from_min, to_min })
}

/// Settles a time said without 午前/午後 against the venue's opening hours
/// (`open_min..close_min`): "2時" at a venue open 9:00–17:00 is 14:00, "9時"
/// stays 9:00. Among 2:00 and 14:00 the one inside the hours wins; if
/// neither is, 1–7 o'clock are taken as afternoon. Ranges said without a
/// meridiem ("2時から4時") move to the afternoon the same way. Answers
/// with a meridiem come back unchanged.
pub fn resolve_hour(answer: TimeAnswer, open_min: u32, close_min: u32) -> TimeAnswer {
    let inside = |t: u32| t >= open_min && t < close_min;
    match answer {
        TimeAnswer::At {
            minute_of_day,
            meridiem_given: false,
        } if minute_of_day < 12 * 60 => {
            let pm = minute_of_day + 12 * 60;
            let hour = minute_of_day / 60;
            let resolved = if inside(minute_of_day) {
                minute_of_day
            } else if inside(pm) || (1..=7).contains(&hour) {
                pm
            } else {
                minute_of_day
            };
            TimeAnswer::At {
                minute_of_day: resolved,
                meridiem_given: false,
            }
        }
        TimeAnswer::Range { from_min, to_min } => {
            // Hours said without 午後 before opening: "2時以降", "3時まで",
            // "2時から4時" are afternoon hours when that puts them inside.
            let shift =
                |t: u32| t > 0 && t <= 12 * 60 && t <= open_min && t + 12 * 60 < close_min + 60;
            let from = if from_min > 0 && shift(from_min) {
                from_min + 12 * 60
            } else {
                from_min
            };
            let to = if to_min < DAY && shift(to_min) {
                to_min + 12 * 60
            } else {
                to_min
            };
            if to > from {
                TimeAnswer::Range {
                    from_min: from,
                    to_min: to,
                }
            } else {
                answer
            }
        }
        other => other,
    }
}

/// The time as the agent says it: "午前10時", "午後2時半", "午後3時15分".
pub fn speak_time(minute_of_day: u32) -> String {
    let hour = (minute_of_day / 60) % 24;
    let minute = minute_of_day % 60;
    let (prefix, h) = if hour < 12 {
        ("午前", hour)
    } else {
        ("午後", if hour == 12 { 12 } else { hour - 12 })
    };
    match minute {
        0 => format!("{prefix}{h}時"),
        30 => format!("{prefix}{h}時半"),
        m => format!("{prefix}{h}時{m}分"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn at(minute_of_day: u32, meridiem_given: bool) -> Option<TimeAnswer> {
        Some(TimeAnswer::At {
            minute_of_day,
            meridiem_given,
        })
    }

    #[test]
    fn clock_times_in_every_script() {
        let cases = [
            ("2時", at(120, false)),
            ("にじ", at(120, false)),
            ("二時", at(120, false)),
            ("にじはん", at(150, false)),
            ("午後2時半", at(14 * 60 + 30, true)),
            ("ごごにじはん", at(14 * 60 + 30, true)),
            ("14時30分", at(14 * 60 + 30, true)),
            ("10:30", at(10 * 60 + 30, false)),
            ("朝9時", at(9 * 60, true)),
            ("夕方4時", at(16 * 60, true)),
            ("午前十時十五分", at(10 * 60 + 15, true)),
            ("10でお願いします", at(600, false)),
            ("正午", at(720, true)),
            // じゅういちじ as the recognizer splits it: 11時, not 10:01.
            ("10時1時", at(660, false)),
            ("午後10時2時", at(12 * 60, true)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_time(text), expected, "{text}");
        }
    }

    #[test]
    fn ranges() {
        let range = |from_min, to_min| Some(TimeAnswer::Range { from_min, to_min });
        assert_eq!(parse_time("午前中"), range(0, 720));
        assert_eq!(parse_time("午後でお願いします"), range(720, DAY));
        assert_eq!(parse_time("お昼過ぎ"), range(720, 840));
        assert_eq!(parse_time("2時以降"), range(120, DAY));
        assert_eq!(parse_time("午後2時から4時"), range(14 * 60, 16 * 60));
        assert_eq!(parse_time("はい"), None);
    }

    #[test]
    fn resolve_hour_uses_opening_hours() {
        let r = |t| {
            resolve_hour(
                TimeAnswer::At {
                    minute_of_day: t,
                    meridiem_given: false,
                },
                540,
                1020,
            )
        };
        assert_eq!(
            r(120),
            TimeAnswer::At {
                minute_of_day: 840,
                meridiem_given: false
            }
        );
        assert_eq!(
            r(540),
            TimeAnswer::At {
                minute_of_day: 540,
                meridiem_given: false
            }
        );
        assert_eq!(
            r(690),
            TimeAnswer::At {
                minute_of_day: 690,
                meridiem_given: false
            }
        );
        let given = TimeAnswer::At {
            minute_of_day: 120,
            meridiem_given: true,
        };
        assert_eq!(resolve_hour(given, 540, 1020), given);
    }

    #[test]
    fn speak_time_says_am_pm() {
        assert_eq!(speak_time(14 * 60 + 30), "午後2時半");
        assert_eq!(speak_time(10 * 60), "午前10時");
        assert_eq!(speak_time(12 * 60 + 15), "午後12時15分");
    }
}
