//! SIPp scenarios (tests/sipp/*.xml) against the SIP endpoint on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use madoguchi_voice::line::{Line, LineCommand, LineEvent, TransferResult};
use madoguchi_voice::media::g711;
use madoguchi_voice::media::rtp::RtpPacket;
use support::audio::{self, rms};
use support::sipp::{Sipp, SippRun};
use support::{endpoint_with_lines, free_port, loopback_config, within};
use tokio::sync::mpsc;

/// What the test handler saw on one line, reported when it closed.
#[derive(Debug, Default, Clone)]
struct Seen {
    caller_id: Option<String>,
    dtmf: String,
    loud_frames: usize,
    frames: usize,
    transfer: Option<TransferResult>,
    closed: bool,
}

/// Serve every line: optionally ask for a transfer (and hang up when it is
/// refused), record what arrives, report at Closed.
fn record_lines(
    mut lines: mpsc::Receiver<Line>,
    transfer_to: Option<&str>,
) -> mpsc::Receiver<Seen> {
    let (tx, rx) = mpsc::channel(64);
    let transfer_to = transfer_to.map(str::to_string);
    tokio::spawn(async move {
        while let Some(mut line) = lines.recv().await {
            let tx = tx.clone();
            let transfer_to = transfer_to.clone();
            tokio::spawn(async move {
                let mut seen = Seen {
                    caller_id: line.caller_id.clone(),
                    ..Seen::default()
                };
                if let Some(to) = transfer_to {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    line.commands
                        .send(LineCommand::Transfer { to })
                        .await
                        .unwrap();
                }
                while let Some(ev) = line.events.recv().await {
                    match ev {
                        LineEvent::Audio(pcm) => {
                            seen.frames += 1;
                            if rms(&pcm) > 1000.0 {
                                seen.loud_frames += 1;
                            }
                        }
                        LineEvent::Dtmf(c) => seen.dtmf.push(c),
                        LineEvent::Transfer(result) => {
                            if matches!(result, TransferResult::Refused(_)) {
                                let _ = line.commands.send(LineCommand::Hangup).await;
                            }
                            seen.transfer = Some(result);
                        }
                        LineEvent::Played(_) => {}
                        LineEvent::Closed => {
                            seen.closed = true;
                            break;
                        }
                    }
                }
                let _ = tx.send(seen).await;
            });
        }
    });
    rx
}

fn assert_ok(run: &SippRun) {
    let tail: String = run
        .output
        .chars()
        .rev()
        .take(3000)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert!(run.success, "sipp failed:\n{tail}");
}

/// One SIPp call of `scenario`; returns what the handler saw.
async fn one_call(scenario: &str, transfer_to: Option<&str>) -> Seen {
    let (endpoint, lines) = endpoint_with_lines(loopback_config()).await;
    let mut seen = record_lines(lines, transfer_to);
    let run = Sipp::new(scenario, Some(endpoint.local_addr())).run().await;
    assert_ok(&run);
    let s = within(10, "the line to close", seen.recv()).await.unwrap();
    endpoint.shutdown().await;
    s
}

#[tokio::test]
async fn rfc2833_dtmf_on_payload_type_96() {
    let seen = one_call("uac_dtmf_96.xml", None).await;
    assert_eq!(seen.caller_id.as_deref(), Some("0312345678"));
    assert_eq!(seen.dtmf, "159#");
    assert!(seen.closed);
}

#[tokio::test]
async fn rfc2833_dtmf_offered_on_payload_type_120() {
    // The answer must carry telephone-event on 120 (checked by the scenario).
    let seen = one_call("uac_dtmf_120.xml", None).await;
    assert_eq!(seen.dtmf, "159#");
}

#[tokio::test]
async fn sip_info_dtmf_both_content_types() {
    let seen = one_call("uac_info_dtmf.xml", None).await;
    assert_eq!(seen.dtmf, "47");
}

#[tokio::test]
async fn a_call_over_tcp_with_info_dtmf() {
    let (endpoint, lines) = endpoint_with_lines(loopback_config()).await;
    let mut seen = record_lines(lines, None);
    let mut sipp = Sipp::new("uac_info_dtmf.xml", Some(endpoint.local_addr()));
    sipp.tcp = true;
    assert_ok(&sipp.run().await);
    let s = within(10, "the line to close", seen.recv()).await.unwrap();
    assert_eq!(s.dtmf, "47");
    assert!(s.closed);
    endpoint.shutdown().await;
}

#[tokio::test]
async fn pcma_only_offer_is_answered_with_pcma() {
    let seen = one_call("uac_pcma.xml", None).await;
    assert!(seen.closed);
}

#[tokio::test]
async fn options_gets_200() {
    let (endpoint, _lines) = endpoint_with_lines(loopback_config()).await;
    let run = Sipp::new("uac_options.xml", Some(endpoint.local_addr()))
        .run()
        .await;
    assert_ok(&run);
}

#[tokio::test]
async fn offer_without_g711_gets_488_and_no_line() {
    let (endpoint, mut lines) = endpoint_with_lines(loopback_config()).await;
    let run = Sipp::new("uac_no_g711.xml", Some(endpoint.local_addr()))
        .run()
        .await;
    assert_ok(&run);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(lines.try_recv().is_err(), "no line for a refused call");
}

#[tokio::test]
async fn cancel_before_answer_hands_out_no_line() {
    let mut config = loopback_config();
    config.ring_ms = 5000;
    let (endpoint, mut lines) = endpoint_with_lines(config).await;
    let run = Sipp::new("uac_cancel.xml", Some(endpoint.local_addr()))
        .run()
        .await;
    assert_ok(&run);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(lines.try_recv().is_err(), "no line for a cancelled call");
}

#[tokio::test]
async fn reinvite_moves_our_media_to_the_new_address() {
    let (endpoint, lines) = endpoint_with_lines(loopback_config()).await;
    let mut seen = record_lines(lines, None);
    let new_port = free_port();
    let moved = tokio::net::UdpSocket::bind(("127.0.0.1", new_port))
        .await
        .unwrap();
    let run = Sipp::new("uac_reinvite.xml", Some(endpoint.local_addr()))
        .key("new_port", new_port)
        .spawn();
    // Our 20 ms packets (silence, PCMU) now arrive at the new port.
    let mut buf = [0u8; 512];
    let mut packets = 0;
    while packets < 10 {
        let n = within(10, "RTP at the re-INVITE's port", moved.recv(&mut buf))
            .await
            .unwrap();
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        assert_eq!(p.payload_type, 0);
        assert_eq!(p.payload.len(), 160);
        packets += 1;
    }
    assert_ok(&run.await.unwrap());
    assert!(within(10, "Closed", seen.recv()).await.unwrap().closed);
    endpoint.shutdown().await;
}

#[tokio::test]
async fn refer_accepted_then_we_leave() {
    let seen = one_call("uac_refer_accept.xml", Some("0586-99-1234")).await;
    assert_eq!(seen.transfer, Some(TransferResult::Accepted));
    assert!(seen.closed);
}

#[tokio::test]
async fn refer_refused_with_403() {
    let seen = one_call("uac_refer_refuse.xml", Some("0586-99-1234")).await;
    assert!(
        matches!(&seen.transfer, Some(TransferResult::Refused(r)) if r.contains("403")),
        "{:?}",
        seen.transfer
    );
    assert!(seen.closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_calls_all_answered_with_audio() {
    let dir = tempfile::tempdir().unwrap();
    // 1 s of 700 Hz as raw μ-law for SIPp's rtp_stream.
    let ulaw = g711::ulaw_encode_all(&audio::tone(700.0, 1000));
    std::fs::write(dir.path().join("tone.ulaw"), ulaw).unwrap();
    let (endpoint, lines) = endpoint_with_lines(loopback_config()).await;
    let mut seen = record_lines(lines, None);
    let mut sipp = Sipp::new("uac_audio.xml", Some(endpoint.local_addr()));
    sipp.calls = 20;
    sipp.limit = 20;
    sipp.rate = 40;
    sipp.dir = Some(dir.path().to_path_buf());
    let run = sipp.run().await;
    assert_ok(&run);
    let mut all = Vec::new();
    for _ in 0..20 {
        all.push(within(10, "20 lines closed", seen.recv()).await.unwrap());
    }
    for s in &all {
        assert!(s.closed);
        // 1 s of tone = 50 frames; allow for jitter and edges.
        assert!(s.loud_frames >= 35, "a call heard too little: {s:?}");
    }
    eprintln!(
        "loud frames per call: {:?}",
        all.iter().map(|s| s.loud_frames).collect::<Vec<_>>()
    );
    endpoint.shutdown().await;
}

#[tokio::test]
async fn registers_with_digest_auth() {
    let registrar_port = free_port();
    let mut sipp = Sipp::new("uas_registrar.xml", None);
    sipp.port = Some(registrar_port);
    let run = sipp.spawn();
    tokio::time::sleep(Duration::from_millis(300)).await; // let SIPp bind
    let mut config = loopback_config();
    config.register_uri = Some(format!("sip:127.0.0.1:{registrar_port}"));
    config.username = Some("alice".into());
    config.password = Some("secret".into());
    let (endpoint, _lines) = endpoint_with_lines(config).await;
    assert_ok(&run.await.unwrap());
    endpoint.shutdown().await;
}

#[tokio::test]
async fn registration_is_refreshed() {
    let registrar_port = free_port();
    let mut sipp = Sipp::new("uas_registrar_refresh.xml", None);
    sipp.port = Some(registrar_port);
    let run = sipp.spawn();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut config = loopback_config();
    config.register_uri = Some(format!("sip:127.0.0.1:{registrar_port}"));
    config.username = Some("alice".into());
    config.password = Some("secret".into());
    config.expires = 2;
    let (endpoint, _lines) = endpoint_with_lines(config).await;
    // The registrar grants 2 s; the refresh comes at 75 % of that.
    assert_ok(&run.await.unwrap());
    endpoint.shutdown().await;
}

#[tokio::test]
async fn wildcard_listen_address_works_on_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let ulaw = g711::ulaw_encode_all(&audio::tone(700.0, 1000));
    std::fs::write(dir.path().join("tone.ulaw"), ulaw).unwrap();
    let mut config = loopback_config();
    config.listen = "0.0.0.0:0".into();
    let (endpoint, lines) = endpoint_with_lines(config).await;
    let mut seen = record_lines(lines, None);
    let target = std::net::SocketAddr::from(([127, 0, 0, 1], endpoint.local_addr().port()));
    let mut sipp = Sipp::new("uac_audio.xml", Some(target));
    sipp.dir = Some(dir.path().to_path_buf());
    assert_ok(&sipp.run().await);
    let s = within(10, "the line to close", seen.recv()).await.unwrap();
    assert!(s.loud_frames >= 35, "{s:?}");
    endpoint.shutdown().await;
}

/// Only the PBX is allowed: `allow_from` holds 127.0.0.1 alone, and SIPp
/// on 127.0.0.2 plays a host on the internet.
fn pbx_only_config() -> madoguchi_voice::sip::SipConfig {
    madoguchi_voice::sip::SipConfig {
        allow_from: vec!["127.0.0.1/32".into()],
        ..loopback_config()
    }
}

#[tokio::test]
async fn an_allowed_source_is_answered() {
    let (endpoint, lines) = endpoint_with_lines(pbx_only_config()).await;
    let mut seen = record_lines(lines, None);
    assert_ok(
        &Sipp::new("uac_options.xml", Some(endpoint.local_addr()))
            .run()
            .await,
    );
    assert_ok(
        &Sipp::new("uac_dtmf_96.xml", Some(endpoint.local_addr()))
            .run()
            .await,
    );
    let s = within(10, "the line to close", seen.recv()).await.unwrap();
    assert_eq!(s.dtmf, "159#");
    endpoint.shutdown().await;
}

#[tokio::test]
async fn a_source_not_allowed_gets_403_and_no_call_on_udp_and_tcp() {
    let (endpoint, mut lines) = endpoint_with_lines(pbx_only_config()).await;
    for tcp in [false, true] {
        for scenario in ["uac_forbidden.xml", "uac_options_forbidden.xml"] {
            let mut sipp = Sipp::new(scenario, Some(endpoint.local_addr()));
            sipp.local_ip = "127.0.0.2".into();
            sipp.tcp = tcp;
            assert_ok(&sipp.run().await);
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(lines.try_recv().is_err(), "no line for a refused source");
    endpoint.shutdown().await;
}

#[tokio::test]
async fn by_default_only_loopback_is_allowed() {
    // The default list admits 127.0.0.0/8: 127.0.0.2 is answered too.
    let (endpoint, _lines) = endpoint_with_lines(loopback_config()).await;
    let mut sipp = Sipp::new("uac_options.xml", Some(endpoint.local_addr()));
    sipp.local_ip = "127.0.0.2".into();
    assert_ok(&sipp.run().await);
    endpoint.shutdown().await;
}
