//! RTP for one call: G.711 audio both ways and RFC 4733 telephone-events in.
//!
//! Outbound is paced by a real-time 20 ms interval and never stops: queued
//! PCM when there is some, encoded silence otherwise (SIP clients drop a
//! silent line and lose the tail of the last prompt). Inbound goes through a
//! small jitter buffer and comes out as [`LineEvent::Audio`] frames.
//! No SIP types here: the SIP side hands over a socket and [`RtpParams`].

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::g711;
use super::jitter::JitterBuffer;
use crate::line::{FRAME_SAMPLES, LineEvent};

/// The G.711 law negotiated for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// μ-law, payload type 0.
    Pcmu,
    /// A-law, payload type 8.
    Pcma,
}

impl Codec {
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    pub fn from_payload_type(pt: u8) -> Option<Codec> {
        match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }

    fn encode(self, pcm: &[i16]) -> Vec<u8> {
        match self {
            Codec::Pcmu => g711::ulaw_encode_all(pcm),
            Codec::Pcma => g711::alaw_encode_all(pcm),
        }
    }

    fn decode(self, bytes: &[u8]) -> Vec<i16> {
        match self {
            Codec::Pcmu => g711::ulaw_decode_all(bytes),
            Codec::Pcma => g711::alaw_decode_all(bytes),
        }
    }
}

/// What was agreed with the far end (from SDP, by the signalling side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpParams {
    pub codec: Codec,
    /// Payload type of telephone-event, if offered.
    pub dtmf_pt: Option<u8>,
    /// Where the far end said it receives RTP.
    pub remote: SocketAddr,
}

/// Commands to a running media session.
#[derive(Debug, Clone)]
pub enum MediaControl {
    Play {
        id: u64,
        pcm: Arc<[i16]>,
    },
    Clear,
    /// A re-INVITE changed the far end's address or codec.
    Update(RtpParams),
}

/// Handle on a running session; the task stops when `cancel` fires or the
/// control channel closes.
#[derive(Debug)]
pub struct RtpSession {
    pub control: mpsc::Sender<MediaControl>,
    task: tokio::task::JoinHandle<()>,
}

impl RtpSession {
    /// Start sending and receiving on `socket`. Events go to `events`:
    /// audio with `try_send` (dropped when the queue is full), DTMF and
    /// `Played` with a waiting send.
    pub fn start(
        socket: UdpSocket,
        params: RtpParams,
        jitter_ms: u32,
        events: mpsc::Sender<LineEvent>,
        cancel: CancellationToken,
    ) -> RtpSession {
        let (control, control_rx) = mpsc::channel(crate::line::COMMAND_QUEUE);
        let task = tokio::spawn(run(socket, params, jitter_ms, events, control_rx, cancel));
        RtpSession { control, task }
    }

    /// Wait for the media task to end (after cancelling it).
    pub async fn join(self) {
        drop(self.control);
        let _ = self.task.await;
    }
}

/// A fixed 12-byte RTP header (no CSRC, no extension) and its payload.
#[derive(Debug, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    pub payload: &'a [u8],
}

impl<'a> RtpPacket<'a> {
    pub fn parse(buf: &'a [u8]) -> Option<RtpPacket<'a>> {
        if buf.len() < 12 || buf[0] >> 6 != 2 {
            return None;
        }
        let padding = buf[0] & 0x20 != 0;
        let extension = buf[0] & 0x10 != 0;
        let csrc = usize::from(buf[0] & 0x0f);
        let mut start = 12 + 4 * csrc;
        if extension {
            let words = buf.get(start + 2..start + 4)?;
            start += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
        }
        let mut end = buf.len();
        if padding {
            end = end.checked_sub(usize::from(*buf.last()?))?;
        }
        Some(RtpPacket {
            marker: buf[1] & 0x80 != 0,
            payload_type: buf[1] & 0x7f,
            sequence: u16::from_be_bytes([buf[2], buf[3]]),
            timestamp: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
            ssrc: u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
            payload: buf.get(start..end)?,
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(0x80);
        out.push(u8::from(self.marker) << 7 | (self.payload_type & 0x7f));
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(self.payload);
    }
}

/// RFC 4733 event code → keypad character (A–D and others are ignored).
pub fn dtmf_char(event: u8) -> Option<char> {
    match event {
        0..=9 => char::from_digit(u32::from(event), 10),
        10 => Some('*'),
        11 => Some('#'),
        _ => None,
    }
}

/// PCM waiting to be played, clip by clip.
#[derive(Default)]
struct PlayQueue {
    clips: VecDeque<(u64, Arc<[i16]>, usize)>,
}

impl PlayQueue {
    /// Fill one frame; returns whether it holds any queued audio and the ids
    /// of clips that ended in it.
    fn next_frame(&mut self, frame: &mut [i16; FRAME_SAMPLES], finished: &mut Vec<u64>) -> bool {
        frame.fill(0);
        let mut filled = 0;
        let mut any = false;
        while filled < FRAME_SAMPLES {
            let Some((id, pcm, pos)) = self.clips.front_mut() else {
                break;
            };
            any = true;
            let n = (pcm.len() - *pos).min(FRAME_SAMPLES - filled);
            frame[filled..filled + n].copy_from_slice(&pcm[*pos..*pos + n]);
            filled += n;
            *pos += n;
            if *pos >= pcm.len() {
                finished.push(*id);
                self.clips.pop_front();
            }
        }
        any
    }
}

async fn run(
    socket: UdpSocket,
    mut params: RtpParams,
    jitter_ms: u32,
    events: mpsc::Sender<LineEvent>,
    mut control: mpsc::Receiver<MediaControl>,
    cancel: CancellationToken,
) {
    let ssrc: u32 = rand_u32();
    let mut sequence: u16 = (rand_u32() & 0x7fff) as u16;
    let mut timestamp: u32 = rand_u32();
    let mut remote = params.remote;
    // Symmetric RTP: once the far end's packets arrive, answer to their source.
    let mut latched = false;
    let mut queue = PlayQueue::default();
    let mut jitter = JitterBuffer::new(JitterBuffer::depth_for_ms(jitter_ms));
    let mut last_dtmf: Option<u32> = None;
    let mut was_talking = false;
    let mut frame = [0i16; FRAME_SAMPLES];
    let mut finished = Vec::new();
    let mut out = Vec::with_capacity(12 + FRAME_SAMPLES);
    let mut buf = vec![0u8; 2048];
    let mut dropped_audio: u64 = 0;
    // DTMF and Played wait here when the event queue is full, so that
    // neither is lost and sending never stalls.
    let mut backlog: VecDeque<LineEvent> = VecDeque::new();

    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);

    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            _ = tick.tick() => {
                finished.clear();
                let talking = queue.next_frame(&mut frame, &mut finished);
                let payload = params.codec.encode(&frame);
                RtpPacket {
                    marker: talking && !was_talking,
                    payload_type: params.codec.payload_type(),
                    sequence,
                    timestamp,
                    ssrc,
                    payload: &payload,
                }
                .write(&mut out);
                was_talking = talking;
                sequence = sequence.wrapping_add(1);
                timestamp = timestamp.wrapping_add(FRAME_SAMPLES as u32);
                if let Err(e) = socket.send_to(&out, remote).await {
                    tracing::debug!(error = %e, "rtp send failed");
                }
                backlog.extend(finished.drain(..).map(LineEvent::Played));
                if !flush(&events, &mut backlog) {
                    break;
                }
                if let Some(pcm) = jitter.pop() {
                    if !backlog.is_empty() {
                        dropped_audio += 1;
                    } else {
                        match events.try_send(LineEvent::Audio(pcm)) {
                            Ok(()) => {}
                            Err(mpsc::error::TrySendError::Full(_)) => dropped_audio += 1,
                            Err(mpsc::error::TrySendError::Closed(_)) => break,
                        }
                    }
                }
            }
            cmd = control.recv() => match cmd {
                None => break,
                Some(MediaControl::Play { id, pcm }) => {
                    if pcm.is_empty() {
                        backlog.push_back(LineEvent::Played(id));
                        if !flush(&events, &mut backlog) {
                            break;
                        }
                    } else {
                        queue.clips.push_back((id, pcm, 0));
                    }
                }
                Some(MediaControl::Clear) => queue.clips.clear(),
                Some(MediaControl::Update(p)) => {
                    if p.remote != params.remote {
                        remote = p.remote;
                        latched = false;
                    }
                    params = p;
                }
            },
            received = socket.recv_from(&mut buf) => {
                let (n, from) = match received {
                    Ok(r) => r,
                    Err(e) => {
                        // ICMP port unreachable and the like: keep going.
                        tracing::debug!(error = %e, "rtp receive failed");
                        continue;
                    }
                };
                let Some(packet) = RtpPacket::parse(&buf[..n]) else { continue };
                if !latched {
                    remote = from;
                    latched = true;
                }
                let pt = packet.payload_type;
                if let Some(codec) = Codec::from_payload_type(pt) {
                    jitter.push(packet.sequence, codec.decode(packet.payload));
                } else if is_telephone_event(&packet, params.dtmf_pt) {
                    if last_dtmf == Some(packet.timestamp) {
                        continue;
                    }
                    last_dtmf = Some(packet.timestamp);
                    if let Some(key) = packet.payload.first().copied().and_then(dtmf_char) {
                        backlog.push_back(LineEvent::Dtmf(key));
                        if !flush(&events, &mut backlog) {
                            break;
                        }
                    }
                }
            }
        }
    }
    if dropped_audio > 0 {
        tracing::debug!(dropped_audio, "rtp audio frames dropped: event queue full");
    }
}

/// Send what the queue takes now; false once the line is gone.
fn flush(events: &mpsc::Sender<LineEvent>, backlog: &mut VecDeque<LineEvent>) -> bool {
    while let Some(ev) = backlog.pop_front() {
        match events.try_send(ev) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(ev)) => {
                backlog.push_front(ev);
                return true;
            }
            Err(mpsc::error::TrySendError::Closed(_)) => return false,
        }
    }
    true
}

/// The negotiated telephone-event type; or (tolerance) another dynamic type
/// whose packets look like events: some clients (SIPp) send DTMF on 96
/// whatever the SDP said, next to 4-byte filler packets (all zero, no
/// marker) on yet another type, which must not read as key 0.
pub fn is_telephone_event(packet: &RtpPacket<'_>, negotiated: Option<u8>) -> bool {
    let p = packet.payload;
    if p.len() < 4 || !p.len().is_multiple_of(4) {
        return false;
    }
    if Some(packet.payload_type) == negotiated {
        return true;
    }
    let duration = u16::from_be_bytes([p[2], p[3]]);
    (96..=127).contains(&packet.payload_type) && p[0] <= 15 && (packet.marker || duration > 0)
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded per process and per instance: enough for SSRC/sequence.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    h.finish() as u32
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn header_round_trip() {
        let payload = [1u8, 2, 3];
        let p = RtpPacket {
            marker: true,
            payload_type: 8,
            sequence: 65535,
            timestamp: 0xdead_beef,
            ssrc: 42,
            payload: &payload,
        };
        let mut out = Vec::new();
        p.write(&mut out);
        assert_eq!(RtpPacket::parse(&out).unwrap(), p);
        assert!(RtpPacket::parse(&out[..11]).is_none());
    }

    #[test]
    fn play_queue_spans_clips_and_reports_ends() {
        let mut q = PlayQueue::default();
        q.clips.push_back((1, vec![5i16; 100].into(), 0));
        q.clips.push_back((2, vec![7i16; 100].into(), 0));
        let mut frame = [0i16; FRAME_SAMPLES];
        let mut done = Vec::new();
        assert!(q.next_frame(&mut frame, &mut done));
        assert_eq!(done, vec![1]);
        assert_eq!((frame[99], frame[100]), (5, 7));
        done.clear();
        assert!(q.next_frame(&mut frame, &mut done));
        assert_eq!(done, vec![2]);
        assert_eq!((frame[39], frame[40]), (7, 0));
        assert!(!q.next_frame(&mut frame, &mut done));
    }

    #[test]
    fn filler_on_another_dynamic_type_is_not_a_key() {
        let pkt = |pt, marker, payload: &'static [u8]| RtpPacket {
            marker,
            payload_type: pt,
            sequence: 0,
            timestamp: 0,
            ssrc: 0,
            payload,
        };
        assert!(!is_telephone_event(
            &pkt(97, false, &[0, 0, 0, 0]),
            Some(101)
        ));
        assert!(is_telephone_event(
            &pkt(96, true, &[1, 10, 0, 0]),
            Some(101)
        ));
        assert!(is_telephone_event(
            &pkt(101, false, &[0, 0, 0, 0]),
            Some(101)
        ));
        assert!(!is_telephone_event(&pkt(0, true, &[1, 10, 0, 0]), None));
    }

    #[tokio::test]
    async fn dtmf_waits_for_a_full_queue_and_sending_goes_on() {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(LineEvent::Played(0)).unwrap(); // queue full from the start
        let cancel = CancellationToken::new();
        let params = RtpParams {
            codec: Codec::Pcma,
            dtmf_pt: Some(120),
            remote: b.local_addr().unwrap(),
        };
        let a_addr = a.local_addr().unwrap();
        let session = RtpSession::start(a, params, 40, tx, cancel.clone());
        let mut out = Vec::new();
        for (seq, ev) in [(1u16, 3u8), (2, 4)] {
            RtpPacket {
                marker: true,
                payload_type: 120,
                sequence: seq,
                timestamp: u32::from(seq) * 1000,
                ssrc: 9,
                payload: &[ev, 0x80, 0, 160],
            }
            .write(&mut out);
            b.send_to(&out, a_addr).await.unwrap();
        }
        // Packets keep coming while the queue is full.
        let mut buf = [0u8; 512];
        for _ in 0..10 {
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(RtpPacket::parse(&buf[..n]).unwrap().payload_type, 8);
        }
        assert_eq!(rx.recv().await, Some(LineEvent::Played(0)));
        assert_eq!(rx.recv().await, Some(LineEvent::Dtmf('3')));
        assert_eq!(rx.recv().await, Some(LineEvent::Dtmf('4')));
        cancel.cancel();
        session.join().await;
    }

    #[tokio::test]
    async fn clear_cuts_the_prompt_at_once_without_played() {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (tx, mut rx) = mpsc::channel(100);
        let cancel = CancellationToken::new();
        let params = RtpParams {
            codec: Codec::Pcmu,
            dtmf_pt: None,
            remote: b.local_addr().unwrap(),
        };
        let session = RtpSession::start(a, params, 40, tx, cancel.clone());
        let loud: Arc<[i16]> = vec![8000i16; 8000 * 10].into();
        session
            .control
            .send(MediaControl::Play { id: 1, pcm: loud })
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        // Wait for the prompt to start (marker), then cut it.
        loop {
            let n = b.recv(&mut buf).await.unwrap();
            let p = RtpPacket::parse(&buf[..n]).unwrap();
            if p.marker {
                assert!(p.payload.iter().all(|&x| x != 0xff));
                break;
            }
        }
        session.control.send(MediaControl::Clear).await.unwrap();
        session
            .control
            .send(MediaControl::Play {
                id: 2,
                pcm: vec![100i16; 400].into(),
            })
            .await
            .unwrap();
        // Without the cut, clip 1 would play for 10 s before clip 2.
        let next = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
        assert_eq!(next.unwrap(), Some(LineEvent::Played(2)));
        // After the short clip only silence follows.
        let mut silent = 0;
        while silent < 5 {
            let n = b.recv(&mut buf).await.unwrap();
            let p = RtpPacket::parse(&buf[..n]).unwrap();
            if p.payload.iter().all(|&x| x == 0xff) {
                silent += 1;
            }
        }
        cancel.cancel();
        session.join().await;
    }

    #[tokio::test]
    async fn session_sends_paced_silence_and_reads_dtmf() {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (tx, mut rx) = mpsc::channel(100);
        let cancel = CancellationToken::new();
        let params = RtpParams {
            codec: Codec::Pcmu,
            dtmf_pt: Some(101),
            remote: b.local_addr().unwrap(),
        };
        let a_addr = a.local_addr().unwrap();
        let session = RtpSession::start(a, params, 40, tx, cancel.clone());
        let mut buf = [0u8; 512];
        let mut seqs = Vec::new();
        for _ in 0..3 {
            let n = b.recv(&mut buf).await.unwrap();
            let p = RtpPacket::parse(&buf[..n]).unwrap();
            assert_eq!(p.payload.len(), 160);
            assert!(p.payload.iter().all(|&x| x == 0xff)); // μ-law zero
            seqs.push(p.sequence);
        }
        assert_eq!(seqs[1], seqs[0].wrapping_add(1));
        // Key 5, three packets of one event (same timestamp), then key #.
        let mut out = Vec::new();
        for (i, (ev, ts)) in [(5u8, 100u32), (5, 100), (5, 100), (11, 900)]
            .iter()
            .enumerate()
        {
            let payload = [*ev, 0x80, 0, 160];
            RtpPacket {
                marker: false,
                payload_type: 101,
                sequence: i as u16,
                timestamp: *ts,
                ssrc: 9,
                payload: &payload,
            }
            .write(&mut out);
            b.send_to(&out, a_addr).await.unwrap();
        }
        assert_eq!(rx.recv().await, Some(LineEvent::Dtmf('5')));
        assert_eq!(rx.recv().await, Some(LineEvent::Dtmf('#')));
        cancel.cancel();
        session.join().await;
    }
}
