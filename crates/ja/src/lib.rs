//! Japanese understanding for the phone agent: what a speech recognizer
//! returned (kanji, kana or digits, with recognition slips) turned into
//! dates, times, numbers, answers and venues. Pure: no I/O.
//!
//! Every parser takes the recogniser's text as is and returns `None` when it
//! found nothing it is sure of; the dialog then asks again.
//!
//! | what | function | result |
//! |---|---|---|
//! | clean-up | [`normalize`] | NFKC, hiragana, no punctuation or fillers |
//! | date | [`parse_date`] with [`DateContext`] | [`DateAnswer`]: a day or the earliest free day |
//! | time | [`parse_time`], then [`resolve_hour`] with opening hours | [`TimeAnswer`] |
//! | birth date | [`parse_birth_date`] (needs today) | `NaiveDate` |
//! | digits | [`parse_digits`], [`parse_phone`] | "09012345678", `PhoneNumber` |
//! | name | [`parse_name`], [`parse_name_kana`] | "山田太郎", `NameKana` when said in kana |
//! | party size | [`parse_party_size`] | 1..=20 |
//! | yes/no | [`parse_yes_no`] | [`YesNo`] |
//! | intent | [`parse_intent`] | [`Intent`] |
//! | global commands | [`parse_command`] | [`Command`] |
//! | venue | [`VenueMatcher::find`] | [`VenueMatch`] |
//! | closed sets over N-best hypotheses | [`match_date`] (bookable days; confusable readings settled by the calendar), [`match_time`], [`match_venue`], [`match_choice`], [`match_yes_no`] | [`DateMatch`], … |
//! | keypad | [`keypad_date`] (MMDD), [`keypad_time`] (HHMM); digits: [`parse_digits`]; birth date: [`parse_birth_date`] (YYYYMMDD) | as above |
//!
//! For the agent's speech: [`to_spoken_digits`] (numbers digit by digit,
//! since Open JTalk reads "1234" as a quantity), [`speak_date`] ("12月3日
//! 木曜日"), [`speak_time`] ("午後2時半") and [`speak_birth_date`] ("昭和35年4月1日").
//!
//! Check [`parse_command`] before the question's own parser: "もう一度" is a
//! command at every step.

mod answers;
mod birth;
mod closed;
mod date;
mod digits;
mod keypad;
mod name;
mod text;
mod time;
mod venue;

pub use answers::{
    Command, Intent, YesNo, parse_command, parse_intent, parse_party_size, parse_yes_no,
};
pub use birth::{parse_birth_date, speak_birth_date};
pub use closed::{
    DateMatch, confusable_days, match_choice, match_date, match_time, match_venue, match_yes_no,
};
pub use date::{DateAnswer, DateContext, parse_date, said_weekday, speak_date};
pub use digits::{parse_digits, parse_phone, to_spoken_digits};
pub use keypad::{keypad_date, keypad_time};
pub use name::{parse_name, parse_name_kana};
pub use text::{canonical, normalize, strip_polite};
pub use time::{TimeAnswer, parse_time, resolve_hour, speak_time};
pub use venue::{ReadingHook, VenueEntry, VenueMatch, VenueMatcher};
