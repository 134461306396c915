//! Japanese understanding for the phone agent: what a speech recognizer
//! returned (kanji, kana or digits, with recognition slips) turned into
//! dates, times, numbers, answers and venues. Pure: no I/O.
