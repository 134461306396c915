//! Fuzz-style property tests of every parser of what the network sends the
//! phone: SDP offers, RTP packets, RFC 4733 telephone events and the Twilio
//! media stream's messages. Whatever arrives, nothing panics (a panic would
//! drop the call, or with it the endpoint); what we write, we read back.
//!
//! A short run by default (proptest's 256 cases each). For a longer hunt:
//! `PROPTEST_CASES=100000 cargo test -p madoguchi-voice --test fuzz`. A
//! failure is shrunk to a minimal input and saved under
//! `proptest-regressions/`: commit that file with the fix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use madoguchi_voice::line::twilio_messages::{self as messages, Inbound, decode};
use madoguchi_voice::media::jitter::JitterBuffer;
use madoguchi_voice::media::rtp::{Codec, RtpPacket, dtmf_char, is_telephone_event};
use madoguchi_voice::sip::sdp::{answer, parse_offer};
use proptest::prelude::*;
use serde_json::json;

/// Lines and pieces an SDP parser reacts to, to mix with noise.
const SDP_PIECES: &[&str] = &[
    "v=0",
    "o=- 1 2 IN IP4 127.0.0.1",
    "s=-",
    "c=IN IP4 192.0.2.1",
    "c=IN IP6 2001:db8::1",
    "c=IN IP4 224.2.1.1/127/3",
    "c=IN IP4",
    "c=",
    "t=0 0",
    "m=audio 4000 RTP/AVP 0 8 101",
    "m=audio 4000/2 RTP/AVP 0",
    "m=audio 0 RTP/AVP 0",
    "m=audio 65536 RTP/AVP 0",
    "m=audio",
    "m=audio ",
    "m=video 5000 RTP/AVP 96",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:101 telephone-event/8000",
    "a=rtpmap:300 PCMU/8000",
    "a=rtpmap:",
    "a=rtpmap:96",
    "a=fmtp:101 0-15",
    "a=fmtp:",
    "a=fmtp:101",
    "a=sendrecv",
    "=",
    "==",
    "",
    "\r",
    "日本語",
];

fn sdp_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(SDP_PIECES).prop_map(str::to_owned),
        1 => any::<String>(),
        1 => "[a-z]=[ -~]{0,40}",
    ];
    (
        proptest::collection::vec(piece, 0..24),
        prop_oneof![Just("\r\n"), Just("\n"), Just("\r")],
    )
        .prop_map(|(lines, eol)| lines.join(eol))
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| IpAddr::V4(Ipv4Addr::from(b))),
        any::<[u8; 16]>().prop_map(|b| IpAddr::V6(Ipv6Addr::from(b))),
    ]
}

/// A well-formed offer: G.711 somewhere among other codecs, maybe a
/// telephone-event type, address at session or media level.
fn offer() -> impl Strategy<Value = (String, Codec, Option<u8>, IpAddr, u16)> {
    (
        prop_oneof![Just(Codec::Pcmu), Just(Codec::Pcma)],
        proptest::option::of(96u8..=127),
        ip(),
        1u16..,
        any::<bool>(),
        proptest::collection::vec(prop_oneof![Just(18u8), Just(9u8), Just(3u8)], 0..3),
    )
        .prop_map(|(codec, dtmf, addr, port, media_level, others)| {
            let ip = match addr {
                IpAddr::V4(a) => format!("IP4 {a}"),
                IpAddr::V6(a) => format!("IP6 {a}"),
            };
            let mut formats: Vec<String> = others.iter().map(u8::to_string).collect();
            formats.push(codec.payload_type().to_string());
            let mut attrs = String::new();
            if let Some(pt) = dtmf {
                formats.push(pt.to_string());
                attrs.push_str(&format!("a=rtpmap:{pt} telephone-event/8000\r\n"));
            }
            let c = format!("c=IN {ip}\r\n");
            let (session_c, media_c) = if media_level { ("", c.as_str()) } else { (c.as_str(), "") };
            let sdp = format!(
                "v=0\r\no=- 1 1 IN {ip}\r\ns=-\r\n{session_c}t=0 0\r\nm=audio {port} RTP/AVP {}\r\n{media_c}{attrs}",
                formats.join(" ")
            );
            (sdp, codec, dtmf, addr, port)
        })
}

/// SIP requests with headers and values in any mix (the SIP stack parses
/// them before our code sees them; a panic there would stop the endpoint).
fn sip_like() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        proptest::sample::select(vec![
            "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1",
            "Via: SIP/2.0/UDP [::1];received=1.2.3.4;rport",
            "Via: SIP/2.0/TCP pbx.example.jp;branch=",
            "Via: SIP/2.0/",
            "Via: ",
            "From: <sip:0312345678@10.0.0.5>;tag=1",
            "From: \"\" <>;tag",
            "To: <sip:madoguchi@10.0.0.1>",
            "To: sip:",
            "Call-ID: x",
            "CSeq: 1 INVITE",
            "CSeq: 99999999999999999999 INVITE",
            "CSeq: ",
            "Contact: <sip:a@b:99999>",
            "Content-Length: 5",
            "Content-Length: 99999999999999",
            "Content-Length: -1",
            "Content-Type: application/sdp",
            "Max-Forwards: 70",
            "",
        ])
        .prop_map(str::to_owned),
        "[A-Za-z-]{1,12}: [ -~]{0,40}",
        any::<String>(),
    ];
    (
        proptest::sample::select(vec![
            "INVITE sip:madoguchi@10.0.0.1 SIP/2.0",
            "OPTIONS sip:a@b SIP/2.0",
            "BYE sip:x SIP/2.0",
            "SIP/2.0 200 OK",
            "INVITE  SIP/2.0",
            "INVITE sip: SIP/3.0",
            "",
        ]),
        proptest::collection::vec(line, 0..12),
        proptest::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(first, lines, body)| {
            let mut m = format!("{first}\r\n{}\r\n\r\n", lines.join("\r\n")).into_bytes();
            m.extend(body);
            m
        })
}

fn packet_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Anything at all.
        proptest::collection::vec(any::<u8>(), 0..64),
        // Version 2 with padding, extension and CSRC bits in any mix.
        (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..80)).prop_map(|(first, rest)| {
            let mut b = vec![0x80 | (first & 0x3f)];
            b.extend(rest);
            b
        }),
    ]
}

/// Fields of an outbound Twilio-shaped message, some of the wrong type.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        any::<String>().prop_map(serde_json::Value::from),
        "[A-Za-z0-9+/=]{0,40}".prop_map(serde_json::Value::from),
        proptest::sample::select(vec![
            "start", "media", "dtmf", "mark", "stop", "inbound", "outbound", "0", "#", "10"
        ])
        .prop_map(serde_json::Value::from),
    ]
}

fn twilio_like() -> impl Strategy<Value = String> {
    let event = proptest::sample::select(vec![
        "connected",
        "start",
        "media",
        "dtmf",
        "mark",
        "stop",
        "clear",
        "",
    ]);
    (
        event,
        json_value(),
        json_value(),
        json_value(),
        any::<bool>(),
    )
        .prop_map(|(event, a, b, c, nested)| {
            let body = if nested {
                json!({"track": a, "payload": b, "digit": c, "name": a, "streamSid": b,
                   "customParameters": {"from": c, "From": a}})
            } else {
                a
            };
            json!({"event": event, "streamSid": c, "start": body, "media": body,
               "dtmf": body, "mark": body})
            .to_string()
        })
}

proptest! {
    #[test]
    fn sip_messages_never_panic_the_stack_parser(bytes in sip_like()) {
        use rsipstack::sip::prelude::{HeadersExt, ToTypedHeader};
        if let Ok(rsipstack::sip::SipMessage::Request(request)) =
            rsipstack::sip::SipMessage::try_from(bytes.as_slice())
        {
            // What the endpoint reads before deciding (allow_from, dialog).
            if let Ok(via) = request.via_header() {
                let _ = via.typed().map(|v| v.received());
            }
            let _ = request.from_header().map(|f| f.tag());
            let _ = request.to_header().map(|t| t.tag());
            let _ = request.cseq_header().map(|c| c.seq());
        }
    }

    #[test]
    fn sdp_never_panics(text in sdp_like()) {
        if let Ok(offer) = parse_offer(&text) {
            prop_assert!(offer.params.remote.port() != 0, "a stream turned off is not used");
            // Whatever we accepted, we can answer.
            let _ = answer(&offer, IpAddr::V4(Ipv4Addr::LOCALHOST), 20000, 1, 1);
        }
    }

    #[test]
    fn sdp_never_panics_on_any_text(text in any::<String>()) {
        let _ = parse_offer(&text);
    }

    #[test]
    fn sdp_offers_are_read_and_our_answer_reads_back((sdp, codec, dtmf, addr, port) in offer(),
                                                     our_ip in ip(), our_port in 1u16..) {
        let offer = parse_offer(&sdp).unwrap();
        prop_assert_eq!(offer.params.codec, codec);
        prop_assert_eq!(offer.params.dtmf_pt, dtmf);
        prop_assert_eq!(offer.params.remote.ip(), addr);
        prop_assert_eq!(offer.params.remote.port(), port);
        // Our answer, read as an offer, names the same codec and event type
        // at our address.
        let back = parse_offer(&answer(&offer, our_ip, our_port, 7, 2)).unwrap();
        prop_assert_eq!(back.params.codec, codec);
        prop_assert_eq!(back.params.dtmf_pt, dtmf);
        prop_assert_eq!(back.params.remote.ip(), our_ip);
        prop_assert_eq!(back.params.remote.port(), our_port);
    }

    #[test]
    fn rtp_parse_never_panics_and_stays_inside(buf in packet_bytes(), negotiated in proptest::option::of(96u8..=127)) {
        if let Some(packet) = RtpPacket::parse(&buf) {
            prop_assert!(packet.payload.len() + 12 <= buf.len());
            prop_assert!(packet.payload_type < 128);
            if is_telephone_event(&packet, negotiated) {
                prop_assert!(packet.payload.len() >= 4);
            }
            let _ = packet.payload.first().copied().and_then(dtmf_char);
            let _ = Codec::from_payload_type(packet.payload_type);
        }
    }

    #[test]
    fn rtp_round_trips(marker in any::<bool>(), payload_type in 0u8..128, sequence in any::<u16>(),
                       timestamp in any::<u32>(), ssrc in any::<u32>(),
                       payload in proptest::collection::vec(any::<u8>(), 0..200)) {
        let packet = RtpPacket { marker, payload_type, sequence, timestamp, ssrc, payload: &payload };
        let mut out = Vec::new();
        packet.write(&mut out);
        prop_assert_eq!(RtpPacket::parse(&out), Some(packet));
    }

    /// RFC 4733 events as phones send them, on the negotiated type: every
    /// keypad event reads as its key; others (A–D, flash) as none.
    #[test]
    fn telephone_events_read_back(event in 0u8..=255, end in any::<bool>(), volume in 0u8..64,
                                  duration in any::<u16>(), pt in 96u8..=127, marker in any::<bool>()) {
        let mut payload = vec![event, (u8::from(end) << 7) | volume];
        payload.extend_from_slice(&duration.to_be_bytes());
        let packet = RtpPacket { marker, payload_type: pt, sequence: 1, timestamp: 160, ssrc: 9, payload: &payload };
        let mut out = Vec::new();
        packet.write(&mut out);
        let parsed = RtpPacket::parse(&out).unwrap();
        prop_assert!(is_telephone_event(&parsed, Some(pt)));
        let key = dtmf_char(parsed.payload[0]);
        match event {
            0..=9 => prop_assert_eq!(key, char::from_digit(u32::from(event), 10)),
            10 => prop_assert_eq!(key, Some('*')),
            11 => prop_assert_eq!(key, Some('#')),
            _ => prop_assert_eq!(key, None),
        }
    }

    #[test]
    fn jitter_buffer_takes_any_sequence(seqs in proptest::collection::vec(any::<u16>(), 0..200), depth in 0usize..10) {
        let mut jitter = JitterBuffer::new(depth);
        for seq in seqs {
            jitter.push(seq, vec![0; 160]);
            let _ = jitter.pop();
        }
        while jitter.pop().is_some() {}
    }

    #[test]
    fn twilio_messages_never_panic(text in twilio_like()) {
        if let Inbound::Dtmf(key) = decode(&text) {
            prop_assert!(key.is_ascii_digit() || key == '*' || key == '#');
        }
    }

    #[test]
    fn twilio_messages_never_panic_on_any_text(text in any::<String>()) {
        let _ = decode(&text);
    }

    #[test]
    fn twilio_what_we_send_reads_back(sid in "MZ[0-9a-f]{32}", ulaw in proptest::collection::vec(any::<u8>(), 0..400), id in any::<u64>()) {
        prop_assert_eq!(decode(&messages::media(&sid, &ulaw)), Inbound::Media(ulaw));
        prop_assert_eq!(decode(&messages::mark(&sid, id)), Inbound::Mark(id));
        prop_assert_eq!(decode(&messages::clear(&sid)), Inbound::Other);
    }

    #[test]
    fn twilio_start_carries_the_callers_number(sid in any::<String>(), from in any::<String>(), upper in any::<bool>()) {
        let key = if upper { "From" } else { "from" };
        let text = json!({"event": "start", "start": {"streamSid": sid, "customParameters": {key: from}}}).to_string();
        let expected = Inbound::Start { stream_sid: sid, caller_id: (!from.is_empty()).then_some(from) };
        prop_assert_eq!(decode(&text), expected);
    }
}

/// The generator's frame is a real request: the property above does reach
/// the header accessors.
#[test]
fn the_sip_generator_frame_parses() {
    let text = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1\r\nFrom: <sip:0312345678@10.0.0.5>;tag=1\r\nTo: <sip:madoguchi@10.0.0.1>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n";
    let parsed = rsipstack::sip::SipMessage::try_from(text.as_bytes());
    assert!(matches!(parsed, Ok(rsipstack::sip::SipMessage::Request(_))));
}
