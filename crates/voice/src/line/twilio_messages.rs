//! The media stream's JSON messages, apart from the socket: what Twilio
//! sends, decoded (anything unexpected is [`Inbound::Other`], never a
//! panic), and what we send.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

/// A message from Twilio, as far as the line cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// The call begins: the stream's id and the caller's number from the
    /// TwiML's `<Parameter name="from">` (or `From`), if given.
    Start {
        stream_sid: String,
        caller_id: Option<String>,
    },
    /// μ-law 8 kHz bytes of the caller's side.
    Media(Vec<u8>),
    /// A keypad key: `0`–`9`, `*`, `#`.
    Dtmf(char),
    /// A mark we sent has been played (or cleared).
    Mark(u64),
    Stop,
    /// Not JSON, an unknown event, the outbound track, a bad payload.
    Other,
}

pub fn decode(text: &str) -> Inbound {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Inbound::Other;
    };
    match v["event"].as_str() {
        Some("start") => decode_start(&v),
        Some("media") => {
            if v["media"]["track"].as_str().is_some_and(|t| t != "inbound") {
                return Inbound::Other;
            }
            v["media"]["payload"]
                .as_str()
                .and_then(|p| B64.decode(p).ok())
                .map_or(Inbound::Other, Inbound::Media)
        }
        Some("dtmf") => {
            let digit = v["dtmf"]["digit"].as_str().unwrap_or_default();
            let mut chars = digit.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_digit() || c == '*' || c == '#' => Inbound::Dtmf(c),
                _ => Inbound::Other,
            }
        }
        Some("mark") => v["mark"]["name"]
            .as_str()
            .and_then(|n| n.parse::<u64>().ok())
            .map_or(Inbound::Other, Inbound::Mark),
        Some("stop") => Inbound::Stop,
        _ => Inbound::Other,
    }
}

fn decode_start(v: &Value) -> Inbound {
    let start = &v["start"];
    let params = &start["customParameters"];
    let caller_id = ["from", "From"]
        .iter()
        .find_map(|k| params[*k].as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    Inbound::Start {
        stream_sid: start["streamSid"]
            .as_str()
            .or_else(|| v["streamSid"].as_str())
            .unwrap_or_default()
            .to_owned(),
        caller_id,
    }
}

/// Audio to play: μ-law bytes.
pub fn media(stream_sid: &str, ulaw: &[u8]) -> String {
    json!({"event": "media", "streamSid": stream_sid, "media": {"payload": B64.encode(ulaw)}})
        .to_string()
}

/// Ask Twilio to tell us when what was sent before has played.
pub fn mark(stream_sid: &str, id: u64) -> String {
    json!({"event": "mark", "streamSid": stream_sid, "mark": {"name": id.to_string()}}).to_string()
}

/// Drop whatever is queued (barge-in).
pub fn clear(stream_sid: &str) -> String {
    json!({"event": "clear", "streamSid": stream_sid}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtmf_is_one_keypad_key_only() {
        let d =
            |digit: &str| decode(&json!({"event": "dtmf", "dtmf": {"digit": digit}}).to_string());
        assert_eq!(d("5"), Inbound::Dtmf('5'));
        assert_eq!(d("#"), Inbound::Dtmf('#'));
        for bad in ["", "55", "x", "A", "５"] {
            assert_eq!(d(bad), Inbound::Other, "{bad:?}");
        }
    }

    #[test]
    fn outbound_track_and_bad_payloads_are_ignored() {
        let m = |v: Value| decode(&v.to_string());
        assert_eq!(
            m(json!({"event": "media", "media": {"track": "outbound", "payload": "AAAA"}})),
            Inbound::Other
        );
        assert_eq!(
            m(json!({"event": "media", "media": {"payload": "%%"}})),
            Inbound::Other
        );
        assert_eq!(
            m(json!({"event": "mark", "mark": {"name": "x"}})),
            Inbound::Other
        );
        assert_eq!(decode("not json"), Inbound::Other);
    }
}
