//! Who may open the Twilio media stream: Twilio signs the WebSocket upgrade
//! with `X-Twilio-Signature`, base64 of HMAC-SHA1 over the stream's full
//! URL (`wss://host/path?query`, no form parameters), keyed with the
//! account's auth token. Without a token only a loopback listener accepts
//! unsigned streams (a demo, a test); otherwise every upgrade is refused.

use std::net::SocketAddr;

use axum::http::{HeaderMap, Uri, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha1::Sha1;

/// The header Twilio puts on the upgrade request.
pub const SIGNATURE_HEADER: &str = "x-twilio-signature";

/// `[twilio]` settings (the media-stream entrance).
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct TwilioConfig {
    /// The account's auth token (Twilio console). When set, every stream
    /// must be signed with it. Never logged.
    pub auth_token: Option<String>,
    /// Scheme and host of the stream URL as written in the TwiML, e.g.
    /// `wss://yoyaku.city.example.jp`: the signature covers it, and behind
    /// a TLS proxy the request alone does not tell. Default: `wss://` and
    /// the request's Host header.
    pub public_url: Option<String>,
}

impl std::fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("auth_token", &self.auth_token.as_ref().map(|_| "…"))
            .field("public_url", &self.public_url)
            .finish()
    }
}

/// What the stream entrance accepts.
#[derive(Clone)]
pub enum StreamAuth {
    /// Upgrades signed with this token.
    Signed {
        token: String,
        public_url: Option<String>,
    },
    /// Any upgrade: no token and the listener is on loopback.
    Unsigned,
    /// Nothing: no token and the listener is on the network.
    Closed,
}

impl std::fmt::Debug for StreamAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StreamAuth::Signed { .. } => "Signed",
            StreamAuth::Unsigned => "Unsigned",
            StreamAuth::Closed => "Closed",
        })
    }
}

impl StreamAuth {
    /// The rule for a web service listening on `listen`.
    pub fn new(config: &TwilioConfig, listen: SocketAddr) -> StreamAuth {
        match config.auth_token.as_deref().map(str::trim) {
            Some(token) if !token.is_empty() => StreamAuth::Signed {
                token: token.to_owned(),
                public_url: config
                    .public_url
                    .as_deref()
                    .map(|u| u.trim_end_matches('/').to_owned()),
            },
            _ if listen.ip().is_loopback() => StreamAuth::Unsigned,
            _ => StreamAuth::Closed,
        }
    }

    /// Whether an upgrade with these headers to `uri` may open a stream.
    pub fn allows(&self, headers: &HeaderMap, uri: &Uri) -> bool {
        match self {
            StreamAuth::Unsigned => true,
            StreamAuth::Closed => false,
            StreamAuth::Signed { token, public_url } => {
                let Some(signature) = headers
                    .get(SIGNATURE_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| B64.decode(v.trim()).ok())
                else {
                    return false;
                };
                let base = match public_url {
                    Some(base) => base.clone(),
                    None => match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
                        Some(host) => format!("wss://{host}"),
                        None => return false,
                    },
                };
                let path = uri.path_and_query().map_or("/", |p| p.as_str());
                verify(token, &format!("{base}{path}"), &signature)
            }
        }
    }
}

/// The signature Twilio sends for `url` (base64), for tests and tools.
pub fn sign(token: &str, url: &str) -> String {
    B64.encode(mac(token, url).finalize().into_bytes())
}

fn mac(token: &str, url: &str) -> Hmac<Sha1> {
    // HMAC takes keys of any length: this never fails.
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(token.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(url.as_bytes());
    mac
}

/// Constant-time comparison.
fn verify(token: &str, url: &str, signature: &[u8]) -> bool {
    mac(token, url).verify_slice(signature).is_ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// HMAC-SHA1 test case 2 of RFC 2202, and a stream URL checked with
    /// Python's hmac module: base64 of the raw digest, as Twilio sends it.
    #[test]
    fn signs_like_hmac_sha1_in_base64() {
        assert_eq!(
            sign("Jefe", "what do ya want for nothing?"),
            "7/zfauXrL6LSdBbV8YTfnCWafHk="
        );
        assert_eq!(
            sign("secret", "wss://yoyaku.example.jp/voice/twilio/stream"),
            "IBB4g/csgR507OxakbXom2NER60="
        );
    }

    fn signed(public_url: Option<&str>) -> StreamAuth {
        StreamAuth::new(
            &TwilioConfig {
                auth_token: Some("secret".into()),
                public_url: public_url.map(str::to_owned),
            },
            "0.0.0.0:8080".parse().unwrap(),
        )
    }

    fn headers(host: &str, signature: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        if let Some(s) = signature {
            h.insert(SIGNATURE_HEADER, s.parse().unwrap());
        }
        h
    }

    #[test]
    fn a_signature_over_the_public_url_and_query_is_accepted() {
        let auth = signed(Some("wss://yoyaku.example.jp/"));
        let uri: Uri = "/voice/twilio/stream?line=1".parse().unwrap();
        let good = sign(
            "secret",
            "wss://yoyaku.example.jp/voice/twilio/stream?line=1",
        );
        assert!(auth.allows(&headers("127.0.0.1:8080", Some(&good)), &uri));
        // Signed for another URL, with another token, cut, or missing.
        let other = sign("secret", "wss://yoyaku.example.jp/voice/twilio/stream");
        let token = sign(
            "other",
            "wss://yoyaku.example.jp/voice/twilio/stream?line=1",
        );
        for bad in [
            Some(other.as_str()),
            Some(&token),
            Some(&good[..10]),
            Some("!!"),
            None,
        ] {
            assert!(
                !auth.allows(&headers("127.0.0.1:8080", bad), &uri),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn without_public_url_the_host_header_makes_the_url() {
        let auth = signed(None);
        let uri: Uri = "/voice/twilio/stream".parse().unwrap();
        let good = sign("secret", "wss://yoyaku.example.jp/voice/twilio/stream");
        assert!(auth.allows(&headers("yoyaku.example.jp", Some(&good)), &uri));
        assert!(!auth.allows(&headers("evil.example", Some(&good)), &uri));
    }

    #[test]
    fn without_a_token_only_a_loopback_listener_is_open() {
        let none = TwilioConfig::default();
        let uri: Uri = "/voice/twilio/stream".parse().unwrap();
        let h = headers("x", None);
        let loopback = StreamAuth::new(&none, "127.0.0.1:8080".parse().unwrap());
        assert!(loopback.allows(&h, &uri));
        let v6 = StreamAuth::new(&none, "[::1]:8080".parse().unwrap());
        assert!(v6.allows(&h, &uri));
        let network = StreamAuth::new(&none, "0.0.0.0:8080".parse().unwrap());
        assert!(!network.allows(&h, &uri));
        let blank = TwilioConfig {
            auth_token: Some("  ".into()),
            public_url: None,
        };
        assert!(!StreamAuth::new(&blank, "192.0.2.1:80".parse().unwrap()).allows(&h, &uri));
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let config = TwilioConfig {
            auth_token: Some("supersecret".into()),
            public_url: None,
        };
        assert!(!format!("{config:?}").contains("supersecret"));
        assert!(!format!("{:?}", signed(None)).contains("secret"));
    }
}
