//! baresip calls the SIP endpoint on loopback: audio both ways, RFC 2833
//! DTMF, caller ID, hang-up from either side.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use madoguchi_voice::line::{Line, LineCommand, LineEvent};
use support::audio::{self, frame_rms, longest_loud_run, read_wav, rms, write_wav};
use support::baresip::Baresip;
use support::{endpoint_with_lines, loopback_config, sip_uri, within};
use tokio::sync::oneshot;

/// What the test handler saw on one line.
#[derive(Debug, Default)]
struct Seen {
    loud_frames: usize,
    frames: usize,
    dtmf: String,
    played: Vec<u64>,
    closed: bool,
}

/// Play `prompt` after a short pause, then record what comes in until Closed.
fn serve_line(mut line: Line, prompt: Vec<i16>) -> oneshot::Receiver<Seen> {
    let (done, result) = oneshot::channel();
    tokio::spawn(async move {
        let mut seen = Seen::default();
        tokio::time::sleep(Duration::from_millis(500)).await;
        line.commands
            .send(LineCommand::Play {
                id: 1,
                pcm: prompt.into(),
            })
            .await
            .unwrap();
        while let Some(ev) = line.events.recv().await {
            match ev {
                LineEvent::Audio(pcm) => {
                    assert_eq!(pcm.len(), 160);
                    seen.frames += 1;
                    if rms(&pcm) > 1000.0 {
                        seen.loud_frames += 1;
                    }
                }
                LineEvent::Dtmf(c) => seen.dtmf.push(c),
                LineEvent::Played(id) => seen.played.push(id),
                LineEvent::Transfer(_) => {}
                LineEvent::Closed => {
                    seen.closed = true;
                    break;
                }
            }
        }
        let _ = done.send(seen);
    });
    result
}

/// 1 s of silence, 1.5 s of 700 Hz, then a long silent tail (baresip
/// hangs up when its microphone file ends).
fn caller_wav(dir: &std::path::Path) -> std::path::PathBuf {
    let mut pcm = audio::silence(1000);
    pcm.extend(audio::tone(700.0, 1500));
    pcm.extend(audio::silence(30_000));
    let path = dir.join("caller.wav");
    write_wav(&path, &pcm);
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baresip_call_carries_audio_both_ways_and_dtmf_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let mic = caller_wav(tmp.path());
    let (endpoint, mut lines) = endpoint_with_lines(loopback_config()).await;
    let mut phone = Baresip::start("0586123456", &mic).await;

    phone
        .dial(&sip_uri("madoguchi", endpoint.local_addr()))
        .await;
    phone.wait_event("CALL_ESTABLISHED", 10).await;
    let line = within(5, "the line", lines.recv()).await.unwrap();
    assert_eq!(line.caller_id.as_deref(), Some("0586123456"));
    // One second of 440 Hz from our side, silence before and after.
    let seen = serve_line(line, audio::tone(440.0, 1000));

    tokio::time::sleep(Duration::from_millis(3000)).await;
    for key in ['1', '2', '#', '9'] {
        phone.send_dtmf(key).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    phone.hangup().await;
    phone.wait_event("CALL_CLOSED", 10).await;
    let seen = within(5, "Closed on the line", seen).await.unwrap();

    eprintln!("handler saw {seen:?}");
    assert!(seen.closed, "BYE from baresip must close the line");
    assert_eq!(seen.dtmf, "12#9");
    assert_eq!(seen.played, vec![1]);
    // 1.5 s of tone = 75 frames; allow for edges and G.711.
    assert!(
        (60..=90).contains(&seen.loud_frames),
        "caller's tone frames: {} of {}",
        seen.loud_frames,
        seen.frames
    );
    assert!(
        seen.frames > seen.loud_frames + 100,
        "silence was delivered too"
    );

    // What baresip recorded from us: one second of tone, silence elsewhere.
    // baresip writes the WAV header's sizes when it closes the file, which
    // can take seconds on a busy machine: stop it first, then wait for them.
    phone.stop().await;
    let mut recorded = read_wav(&phone.recording());
    for _ in 0..50 {
        if !recorded.0.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        recorded = read_wav(&phone.recording());
    }
    let (heard, rate) = recorded;
    let levels = frame_rms(&heard, rate);
    let loud = levels.iter().filter(|&&l| l > 1000.0).count();
    let quiet = levels.iter().filter(|&&l| l < 100.0).count();
    let run = longest_loud_run(&levels, 1000.0);
    eprintln!(
        "recording: {} frames, loud {loud}, quiet {quiet}, longest tone run {run}",
        levels.len()
    );
    assert!((40..=60).contains(&run), "tone run {run} frames");
    assert!(loud <= 60, "loud frames outside the prompt: {loud}");
    assert!(quiet >= 150, "silence around the prompt: {quiet} frames");
    phone.quit().await;
    endpoint.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_hangup_ends_the_call_at_baresip() {
    let tmp = tempfile::tempdir().unwrap();
    let mic = caller_wav(tmp.path());
    let (endpoint, mut lines) = endpoint_with_lines(loopback_config()).await;
    let mut phone = Baresip::start("tester", &mic).await;

    phone.dial(&sip_uri("anyone", endpoint.local_addr())).await;
    phone.wait_event("CALL_ESTABLISHED", 10).await;
    let mut line = within(5, "the line", lines.recv()).await.unwrap();
    assert_eq!(line.caller_id.as_deref(), Some("tester"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    line.commands.send(LineCommand::Hangup).await.unwrap();
    phone.wait_event("CALL_CLOSED", 10).await;
    let closed = within(5, "Closed", async {
        while let Some(ev) = line.events.recv().await {
            if ev == LineEvent::Closed {
                return true;
            }
        }
        false
    })
    .await;
    assert!(closed);
    phone.quit().await;
    endpoint.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_hangs_up_open_calls() {
    let tmp = tempfile::tempdir().unwrap();
    let mic = caller_wav(tmp.path());
    let (endpoint, mut lines) = endpoint_with_lines(loopback_config()).await;
    let mut phone = Baresip::start("tester", &mic).await;
    phone
        .dial(&sip_uri("madoguchi", endpoint.local_addr()))
        .await;
    phone.wait_event("CALL_ESTABLISHED", 10).await;
    let mut line = within(5, "the line", lines.recv()).await.unwrap();
    endpoint.shutdown().await;
    phone.wait_event("CALL_CLOSED", 10).await;
    let closed = within(5, "Closed", async {
        while let Some(ev) = line.events.recv().await {
            if ev == LineEvent::Closed {
                return true;
            }
        }
        false
    })
    .await;
    assert!(closed);
    phone.quit().await;
}
