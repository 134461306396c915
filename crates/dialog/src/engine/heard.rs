//! Mixed initiative: an utterance is searched for everything a booking may
//! need (venue, party, date, time), yes/no, and what the caller says is
//! wrong, whatever the question was. 「来週の水曜の午前中に尾西で二人」 fills
//! four answers; 「いいえ、日にちが違います。十二月十日です」 is a no, a
//! correction of the date and its new value.

use super::{Engine, Input, Step};
use crate::types::*;
use chrono::{Datelike, NaiveDate};
use madoguchi_ja as ja;

/// Something the caller says is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Venue,
    Party,
    Date,
    Time,
    Name,
    Birth,
    Phone,
}

impl Field {
    /// The keys of the "what to change" menu.
    pub(super) fn from_key(key: &str) -> Option<Vec<Field>> {
        Some(match key {
            "1" => vec![Field::Venue],
            "2" => vec![Field::Party],
            "3" => vec![Field::Date, Field::Time],
            "4" => vec![Field::Name],
            "5" => vec![Field::Birth],
            "6" => vec![Field::Phone],
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct Heard {
    pub venue: Option<usize>,
    pub party: Option<u8>,
    pub date: Option<ja::DateAnswer>,
    /// The weekday said is not the date's ("12月1日の土曜日").
    pub weekday_clash: bool,
    pub time: Option<TimeWish>,
    /// A time was said without its hour ("午後 時").
    pub hour_missing: bool,
    /// A birth date (said with an era, or named as 生年月日).
    pub birth: Option<NaiveDate>,
    pub fix: Vec<Field>,
}

/// The answer to a confirmation (an offer, the read-back, a change).
pub(super) enum Verdict {
    Yes,
    Ambiguous,
    Missed,
    /// A no, or a correction said instead of one, with what it holds.
    No(Heard),
}

impl Heard {
    pub(super) fn has_values(&self) -> bool {
        self.venue.is_some() || self.party.is_some() || self.date.is_some() || self.time.is_some()
    }
}

/// What the caller says is wrong, by the words for it.
fn fields_named(c: &str) -> Vec<Field> {
    let has = |words: &[&str]| words.iter().any(|w| c.contains(w));
    let mut out = Vec::new();
    let birth = has(&["生年月日", "誕生日", "せいねんがっぴ", "たんじょうび"]);
    if birth {
        out.push(Field::Birth);
    }
    if has(&["会場", "場所", "かいじょう", "ばしょ"]) {
        out.push(Field::Venue);
    }
    if has(&["人数", "にんずう"]) {
        out.push(Field::Party);
    }
    if has(&["名前", "なまえ", "読み", "よみ"]) {
        out.push(Field::Name);
    }
    if has(&["電話", "でんわ", "携帯", "けいたい"]) {
        out.push(Field::Phone);
    }
    if !birth && has(&["日にち", "ひにち", "日付", "ひづけ", "曜日", "何日", "日が"])
    {
        out.push(Field::Date);
    }
    if has(&["時間", "じかん", "時刻", "何時"]) {
        out.push(Field::Time);
    }
    out
}

/// A 時 or 分 with no number before it: the hour was lost.
fn hour_lost(c: &str) -> bool {
    let chars: Vec<char> = c.chars().collect();
    chars.iter().enumerate().any(|(i, ch)| {
        matches!(ch, '時' | '分')
            && chars.get(i + 1) != Some(&'間')
            && !(i > 0 && (chars[i - 1].is_ascii_digit() || chars[i - 1] == '何'))
            && !(*ch == '分' && i > 0 && chars[i - 1] == '時')
    })
}

/// A count of people said with its counter (2人, 3名): a bare number is a
/// party size only when the question was the party.
fn counts_people(c: &str) -> bool {
    let chars: Vec<char> = c.chars().collect();
    chars
        .windows(2)
        .any(|w| w[0].is_ascii_digit() && matches!(w[1], '人' | '名'))
}

/// Words that say a time of day, so that a number elsewhere is not taken
/// for an hour.
fn says_time(c: &str) -> bool {
    ["時", "午前", "午後", "朝", "昼", "夕方", "夜"]
        .iter()
        .any(|w| c.contains(w))
}

impl Engine {
    /// Everything `text` may hold. The question being answered widens what
    /// counts: a bare number is the party at the party question and an hour
    /// at the time question.
    pub(super) fn hear(&self, text: &str) -> Heard {
        let c = ja::canonical(text);
        let step = &self.step;
        let mut heard = Heard {
            fix: fields_named(&c),
            ..Heard::default()
        };
        if let ja::VenueMatch::One(id) =
            ja::VenueMatcher::new(self.matcher_entries.clone()).find(text)
        {
            heard.venue = self.ctx.venues.iter().position(|v| v.id == id);
        }
        if *step == Step::Party || counts_people(&c) {
            heard.party = ja::parse_party_size(text);
        }
        let today = self.ctx.today;
        heard.date = ja::parse_date(text, &ja::DateContext { today });
        if *step == Step::Time && heard.date == Some(ja::DateAnswer::Earliest) {
            // "何時でも" / "いつでも" at the time question is about the time.
            heard.date = None;
        }
        if let (Some(ja::DateAnswer::Day(d)), Some(said)) = (heard.date, ja::said_weekday(text)) {
            heard.weekday_clash = d.weekday() != said;
            // 「1月4日の月曜日」 heard as 6日: the confusable day that falls on
            // the weekday said is the likelier one (asked, not taken).
            if let Some(twin) = ja::confusable_days(d.day())
                .filter_map(|n| d.with_day(n))
                .find(|t| heard.weekday_clash && t.weekday() == said && *t >= today)
            {
                heard.date = Some(ja::DateAnswer::Day(twin));
            }
        }
        if *step == Step::Time || says_time(&c) {
            let (open, close) = self.venue_hours();
            heard.time = ja::parse_time(text).map(|t| match ja::resolve_hour(t, open, close) {
                ja::TimeAnswer::At { minute_of_day, .. } => TimeWish::At(minute_of_day),
                ja::TimeAnswer::Range { from_min, to_min } => TimeWish::Range(from_min, to_min),
            });
        }
        if hour_lost(&c) && !matches!(heard.time, Some(TimeWish::At(_))) {
            heard.hour_missing = true;
            heard.time = None;
        }
        if heard.fix.contains(&Field::Birth)
            || ["明治", "大正", "昭和", "平成", "令和"]
                .iter()
                .any(|era| c.contains(era))
        {
            // A birth date is never the day of the visit.
            heard.birth = ja::parse_birth_date(text, today);
            heard.date = None;
            heard.weekday_clash = false;
        }
        heard
    }

    pub(super) fn heard_of(&self, input: &Input) -> Heard {
        match input {
            Input::Speech(t) => self.hear(t),
            Input::Keys(_) => Heard::default(),
        }
    }

    /// A confirmation's answer: a value said with it ("はい、3人で") makes
    /// it a correction.
    pub(super) fn verdict(&self, input: &Input) -> Verdict {
        let heard = self.heard_of(input);
        let plain = !heard.has_values();
        match super::keys::yes_no(input) {
            Some(ja::YesNo::Yes) if plain => Verdict::Yes,
            Some(ja::YesNo::Ambiguous) if plain => Verdict::Ambiguous,
            None if plain && heard.fix.is_empty() => Verdict::Missed,
            _ => Verdict::No(heard),
        }
    }

    /// Takes the values heard into the draft; a changed venue, party, date
    /// or time gives the held slot back. Returns a day to confirm when its
    /// weekday clashed with the one said.
    pub(super) fn take(&mut self, out: &mut Vec<Output>, heard: &Heard) -> Option<NaiveDate> {
        let mut notes = Vec::new();
        let mut changed = false;
        if let Some(i) = heard.venue
            && self.draft.venue != Some(i)
        {
            self.draft.venue = Some(i);
            notes.push(format!("venue={}", self.ctx.venues[i].id));
            changed = true;
        }
        match heard.party {
            Some(n @ 1..=4) if self.draft.party != Some(n) => {
                self.draft.party = Some(n);
                notes.push(format!("party={n}"));
                changed = true;
            }
            Some(n) if n > 4 => {
                notes.push(format!("party={n}"));
                self.say(out, "party_too_many", &[]);
            }
            _ => {}
        }
        let mut clash = None;
        match heard.date {
            Some(ja::DateAnswer::Day(d)) if d < self.ctx.today => {
                notes.push(format!("date={d} past"));
                self.say(out, "date_past", &[]);
            }
            Some(ja::DateAnswer::Day(d)) if heard.weekday_clash => {
                notes.push(format!("date={d} weekday_clash"));
                clash = Some(d);
            }
            Some(ja::DateAnswer::Day(d)) => {
                if self.draft.date != Some(DateWish::Day(d)) {
                    self.draft.date = Some(DateWish::Day(d));
                    changed = true;
                }
                notes.push(format!("date={d}"));
            }
            Some(ja::DateAnswer::Earliest) => {
                self.draft.date = Some(DateWish::Earliest);
                if heard.time.is_none() {
                    self.draft.time = Some(TimeWish::Any);
                }
                notes.push("date=earliest".into());
                changed = true;
            }
            None => {}
        }
        if let Some(t) = heard.time {
            if self.draft.time != Some(t) {
                self.draft.time = Some(t);
                changed = true;
            }
            self.draft.hour_missing = false;
            notes.push(format!("time={t:?}"));
        } else if heard.hour_missing {
            self.draft.hour_missing = true;
            self.draft.time = None;
            notes.push("time=hour_missing".into());
        }
        if changed {
            self.release_slot(out);
            self.draft.day_checked = None;
        }
        if !notes.is_empty() {
            if !self.understood.is_empty() {
                self.understood.push(' ');
            }
            self.understood.push_str(&notes.join(" "));
        }
        clash
    }

    /// Goes on after values were taken: a weekday clash is asked first.
    pub(super) fn proceed(&mut self, out: &mut Vec<Output>, clash: Option<NaiveDate>) {
        match clash {
            Some(day) => {
                self.go(Step::ConfirmDate(day));
                self.ask(out);
            }
            None => self.next(out),
        }
    }

    /// Forgets what the caller says is wrong.
    pub(super) fn clear(&mut self, out: &mut Vec<Output>, fields: &[Field]) {
        let d = &mut self.draft;
        let mut detail = false;
        for field in fields {
            match field {
                Field::Venue => d.venue = None,
                Field::Party => d.party = None,
                Field::Date => d.date = None,
                Field::Time => d.time = None,
                Field::Name => {
                    if d.name_fixes >= 1 {
                        // Twice wrong: kept as heard, for staff to check.
                        d.name_to_check = true;
                    } else {
                        d.name_fixes += 1;
                        d.name = None;
                        d.kana = None;
                        d.name_to_check = false;
                    }
                }
                Field::Birth => d.birth = None,
                Field::Phone => {
                    d.phone = None;
                    d.phone_given = false;
                }
            }
            detail |= matches!(
                field,
                Field::Venue | Field::Party | Field::Date | Field::Time
            );
        }
        if detail {
            self.release_slot(out);
            self.draft.day_checked = None;
        }
        if fields.contains(&Field::Name) && self.draft.name_to_check {
            self.say(out, "name_to_check", &[]);
        }
        if fields.contains(&Field::Phone) {
            // Asked, not taken from the caller's number again.
            self.go(Step::Phone);
            self.ask(out);
            return;
        }
        if fields == [Field::Birth] {
            // Misheard once already: the keypad is offered at once.
            self.go(Step::Birth);
            self.failures = 1;
            self.ask_retry(out);
            return;
        }
        self.next(out);
    }

    /// After a no (at an offer or the read-back): take the correction said
    /// with it, forget what was named wrong, or ask what to change.
    pub(super) fn correct(&mut self, out: &mut Vec<Output>, heard: &Heard) {
        if let Some(birth) = heard.birth {
            self.draft.birth = Some(birth);
            self.understood = format!("birth_date={birth}");
            if !heard.has_values() && !heard.hour_missing {
                return self.next(out);
            }
        }
        if heard.has_values() || heard.hour_missing {
            let clash = self.take(out, heard);
            // The slot offered is given back even when the same values
            // were heard again ("いいえ、10時です" to an offer of 10時).
            self.release_slot(out);
            return self.proceed(out, clash);
        }
        if !heard.fix.is_empty() {
            self.understood = format!("fix={:?}", heard.fix).to_lowercase();
            return self.clear(out, &heard.fix);
        }
        self.go(Step::Fix);
        self.ask(out);
    }
}
