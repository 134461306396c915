//! SDP offer/answer for one G.711 audio stream (RFC 3264), only the lines we
//! need: `c=`, `m=audio`, `a=rtpmap`. Anything else in the offer is ignored.

use std::net::{IpAddr, SocketAddr};

use crate::media::rtp::{Codec, RtpParams};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SdpError {
    #[error("no audio stream in the offer")]
    NoAudio,
    #[error("no connection address in the offer")]
    NoAddress,
    #[error("no PCMU or PCMA in the offer")]
    NoG711,
}

/// What we took from an offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub params: RtpParams,
    /// The payload types of the chosen codec and telephone-event, for the answer.
    pub telephone_event_fmtp: Option<String>,
}

pub fn parse_offer(sdp: &str) -> Result<Offer, SdpError> {
    let mut session_addr: Option<IpAddr> = None;
    let mut media_addr: Option<IpAddr> = None;
    let mut port: Option<u16> = None;
    let mut formats: Vec<u8> = Vec::new();
    let mut rtpmap: Vec<(u8, String)> = Vec::new();
    let mut fmtp: Vec<(u8, String)> = Vec::new();
    let mut in_audio = false;
    let mut seen_audio = false;

    for line in sdp.lines().map(str::trim) {
        let Some((kind, value)) = line.split_once('=') else {
            continue;
        };
        match kind {
            "m" => {
                // Only the first audio stream is used; port 0 is a stream
                // the caller turned off (RFC 3264 §5.1): never send to it.
                let mut parts = value.split_whitespace();
                let media_port = parts
                    .nth(1)
                    .and_then(|p| p.split('/').next()?.parse::<u16>().ok());
                in_audio = !seen_audio && value.starts_with("audio ") && media_port != Some(0);
                if in_audio {
                    seen_audio = true;
                    port = media_port;
                    let _proto = parts.next();
                    formats = parts.filter_map(|f| f.parse().ok()).collect();
                }
            }
            "c" => {
                let addr = value
                    .split_whitespace()
                    .nth(2)
                    .and_then(|a| a.split('/').next()?.parse().ok());
                if in_audio {
                    media_addr = addr;
                } else if !seen_audio {
                    session_addr = addr;
                }
            }
            "a" if in_audio => {
                if let Some(rest) = value.strip_prefix("rtpmap:") {
                    if let Some((pt, enc)) = rest.split_once(' ')
                        && let Ok(pt) = pt.trim().parse()
                    {
                        rtpmap.push((pt, enc.trim().to_ascii_lowercase()));
                    }
                } else if let Some(rest) = value.strip_prefix("fmtp:")
                    && let Some((pt, params)) = rest.split_once(' ')
                    && let Ok(pt) = pt.trim().parse()
                {
                    fmtp.push((pt, params.trim().to_string()));
                }
            }
            _ => {}
        }
    }
    if !seen_audio {
        return Err(SdpError::NoAudio);
    }
    let addr = media_addr.or(session_addr).ok_or(SdpError::NoAddress)?;
    let port = port.ok_or(SdpError::NoAudio)?;
    let encoding = |pt: u8| {
        rtpmap
            .iter()
            .find(|(p, _)| *p == pt)
            .map(|(_, e)| e.as_str())
    };
    // The caller's order decides; static types may come without rtpmap.
    let codec = formats
        .iter()
        .find_map(|&pt| match (pt, encoding(pt)) {
            (0, None) => Some(Codec::Pcmu),
            (8, None) => Some(Codec::Pcma),
            (_, Some(e)) if e.starts_with("pcmu/8000") => Some(Codec::Pcmu),
            (_, Some(e)) if e.starts_with("pcma/8000") => Some(Codec::Pcma),
            _ => None,
        })
        .ok_or(SdpError::NoG711)?;
    let dtmf_pt = formats
        .iter()
        .copied()
        .find(|&pt| encoding(pt).is_some_and(|e| e.starts_with("telephone-event/8000")));
    let telephone_event_fmtp =
        dtmf_pt.and_then(|pt| fmtp.iter().find(|(p, _)| *p == pt).map(|(_, f)| f.clone()));
    Ok(Offer {
        params: RtpParams {
            codec,
            dtmf_pt,
            remote: SocketAddr::new(addr, port),
        },
        telephone_event_fmtp,
    })
}

/// Our answer: one audio stream on `rtp_port` at `address`. `version`
/// goes up with each new answer in the same session (RFC 3264 §8).
pub fn answer(
    offer: &Offer,
    address: IpAddr,
    rtp_port: u16,
    session_id: u64,
    version: u64,
) -> String {
    let ip = match address {
        IpAddr::V4(a) => format!("IP4 {a}"),
        IpAddr::V6(a) => format!("IP6 {a}"),
    };
    let codec = offer.params.codec;
    let pt = codec.payload_type();
    let name = match codec {
        Codec::Pcmu => "PCMU",
        Codec::Pcma => "PCMA",
    };
    let mut formats = pt.to_string();
    let mut attrs = format!("a=rtpmap:{pt} {name}/8000\r\n");
    if let Some(dtmf) = offer.params.dtmf_pt {
        formats.push_str(&format!(" {dtmf}"));
        attrs.push_str(&format!("a=rtpmap:{dtmf} telephone-event/8000\r\n"));
        let fmtp = offer.telephone_event_fmtp.as_deref().unwrap_or("0-15");
        attrs.push_str(&format!("a=fmtp:{dtmf} {fmtp}\r\n"));
    }
    format!(
        "v=0\r\no=madoguchi {session_id} {version} IN {ip}\r\ns=madoguchi\r\nc=IN {ip}\r\n\
         t=0 0\r\nm=audio {rtp_port} RTP/AVP {formats}\r\n{attrs}a=ptime:20\r\na=sendrecv\r\n"
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const BARESIP: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
        m=audio 10000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n\
        a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";

    #[test]
    fn follows_the_callers_order_and_dtmf_type() {
        let o = parse_offer(BARESIP).unwrap();
        assert_eq!(o.params.codec, Codec::Pcma);
        assert_eq!(o.params.dtmf_pt, Some(101));
        assert_eq!(o.params.remote, "127.0.0.1:10000".parse().unwrap());
        let a = answer(&o, "10.0.0.1".parse().unwrap(), 20000, 7, 1);
        assert!(a.contains("m=audio 20000 RTP/AVP 8 101\r\n"));
        assert!(a.contains("c=IN IP4 10.0.0.1\r\n"));
    }

    #[test]
    fn static_types_without_rtpmap_and_dtmf_on_120() {
        let sdp = "v=0\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 18 0 120\na=rtpmap:120 telephone-event/8000\n";
        let o = parse_offer(sdp).unwrap();
        assert_eq!(o.params.codec, Codec::Pcmu);
        assert_eq!(o.params.dtmf_pt, Some(120));
    }

    #[test]
    fn an_audio_stream_on_port_0_is_off_and_the_next_one_is_used() {
        let sdp = "v=0\nc=IN IP4 192.0.2.1\nm=audio 0 RTP/AVP 0\nm=audio 4002 RTP/AVP 8\n";
        let o = parse_offer(sdp).unwrap();
        assert_eq!(o.params.remote.port(), 4002);
        assert_eq!(o.params.codec, Codec::Pcma);
        let off = "v=0\nc=IN IP4 192.0.2.1\nm=audio 0 RTP/AVP 0\n";
        assert_eq!(parse_offer(off), Err(SdpError::NoAudio));
    }

    #[test]
    fn rejects_offers_without_g711() {
        let sdp = "v=0\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 18 9\na=rtpmap:18 G729/8000\n";
        assert_eq!(parse_offer(sdp), Err(SdpError::NoG711));
        assert_eq!(parse_offer("v=0\n"), Err(SdpError::NoAudio));
    }
}
