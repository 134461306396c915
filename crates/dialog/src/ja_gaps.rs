//! Small fixes on top of `madoguchi-ja` found while wiring the dialog.
//! Each one should move into `ja` (reported to the lead); remove it here
//! once `ja` covers the case.

use madoguchi_ja as ja;

/// `ja::parse_intent` reads "予約したい" as a look-up ("予約した" is one of
/// its look-up words): a wish for a booking is a new booking.
pub fn parse_intent(text: &str) -> Option<ja::Intent> {
    let intent = ja::parse_intent(text)?;
    if intent == ja::Intent::LookUp
        && [
            "予約したい",
            "予約をしたい",
            "よやくしたい",
            "新しく",
            "あたらしく",
            "新規",
            "取りたい",
        ]
        .iter()
        .any(|w| text.contains(w))
        && !["確認", "かくにん"].iter().any(|w| text.contains(w))
    {
        return Some(ja::Intent::NewBooking);
    }
    Some(intent)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_wish_to_book_is_a_new_booking_and_a_booking_made_is_a_look_up() {
        assert_eq!(
            parse_intent("新しく予約したいです"),
            Some(ja::Intent::NewBooking)
        );
        assert_eq!(
            parse_intent("予約したいんですけど"),
            Some(ja::Intent::NewBooking)
        );
        assert_eq!(
            parse_intent("予約した日を確認したい"),
            Some(ja::Intent::LookUp)
        );
        assert_eq!(
            parse_intent("予約をキャンセルしたい"),
            Some(ja::Intent::Cancel)
        );
    }
}
