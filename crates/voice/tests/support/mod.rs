//! Test harness for real SIP clients on loopback: baresip (a scriptable
//! softphone that plays a WAV and records what it hears) and SIPp (protocol
//! scenarios under `tests/sipp/`). Each test picks free ports, so tests run
//! in parallel. Reusable by end-to-end tests (`mod support;`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod audio;
pub mod baresip;
pub mod caller;
pub mod e2e;
pub mod sipp;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use madoguchi_voice::line::{Line, LineHandler};
use madoguchi_voice::sip::{SipConfig, SipEndpoint};
use tokio::sync::mpsc;

/// A free local port (TCP and UDP both probed; small race, fine for tests).
pub fn free_port() -> u16 {
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// SIP settings for a loopback test endpoint on a random port.
pub fn loopback_config() -> SipConfig {
    SipConfig {
        listen: "127.0.0.1:0".into(),
        rtp_port_min: 20000,
        rtp_port_max: 29999,
        ..SipConfig::default()
    }
}

/// Start an endpoint whose every new line is sent to the returned receiver.
pub async fn endpoint_with_lines(config: SipConfig) -> (SipEndpoint, mpsc::Receiver<Line>) {
    let (tx, rx) = mpsc::channel(64);
    let handler: LineHandler = Arc::new(move |line| {
        // Tests keep up; a full queue would be a test bug worth seeing.
        tx.try_send(line).expect("line queue full");
    });
    let endpoint = SipEndpoint::start(config, handler).await.unwrap();
    (endpoint, rx)
}

pub fn sip_uri(user: &str, addr: SocketAddr) -> String {
    format!("sip:{user}@{addr}")
}

/// Fail a test that waits too long instead of hanging it.
pub async fn within<T>(secs: u64, what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), fut)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}
