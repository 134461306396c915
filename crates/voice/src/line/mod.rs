//! A telephone line as the call loop sees it, whatever carries it (SIP/RTP or
//! a Twilio media stream): 20 ms frames of 8 kHz linear PCM in, prompts out.
//!
//! The transport owns timing: it paces what it plays in real time and sends
//! silence when nothing is playing (SIP clients drop a silent line), and it
//! reports when each queued clip has finished playing.

use std::sync::Arc;
use tokio::sync::mpsc;

/// Samples per second on the line (G.711 narrowband).
pub const SAMPLE_RATE: u32 = 8000;
/// Samples in one 20 ms frame.
pub const FRAME_SAMPLES: usize = 160;

/// Something that happened on the line.
#[derive(Debug, Clone, PartialEq)]
pub enum LineEvent {
    /// One 20 ms frame of what the caller's side sends, 8 kHz linear PCM.
    Audio(Vec<i16>),
    /// A keypad key: `0`–`9`, `*`, `#` (RFC 4733, SIP INFO or the stream's dtmf).
    Dtmf(char),
    /// A clip queued with [`LineCommand::Play`] has been played to the end
    /// (not sent when it was cut by [`LineCommand::Clear`]).
    Played(u64),
    /// The answer to [`LineCommand::Transfer`].
    Transfer(TransferResult),
    /// The caller hung up or the line failed. Nothing follows.
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferResult {
    /// The far end took the call (e.g. REFER accepted); the agent leaves.
    Accepted,
    /// Refused or unsupported: the agent tells the caller the number instead.
    Refused(String),
}

/// What the call loop asks of the line.
#[derive(Debug, Clone)]
pub enum LineCommand {
    /// Play 8 kHz PCM after whatever is queued; `id` comes back in
    /// [`LineEvent::Played`].
    Play { id: u64, pcm: Arc<[i16]> },
    /// Stop playing at once and drop the queue (barge-in).
    Clear,
    /// Hand the call to another number (SIP REFER).
    Transfer { to: String },
    /// End the call from our side (after the closing prompt has played).
    Hangup,
}

/// Where the call came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Sip,
    TwilioStream,
}

/// A line handed to the call loop by a transport.
#[derive(Debug)]
pub struct Line {
    pub transport: Transport,
    /// The caller's number as the network gave it, if any.
    pub caller_id: Option<String>,
    /// Bounded: a transport that cannot deliver drops audio frames (never
    /// DTMF or Closed) rather than grow without limit.
    pub events: mpsc::Receiver<LineEvent>,
    pub commands: mpsc::Sender<LineCommand>,
}

/// Buffer sizes of a line's channels: ~2 s of audio frames.
pub const EVENT_QUEUE: usize = 100;
pub const COMMAND_QUEUE: usize = 32;

/// Where transports hand each new call. The call loop decides what to do
/// with it (including a polite "all lines busy" when over capacity).
pub type LineHandler = std::sync::Arc<dyn Fn(Line) + Send + Sync>;
pub mod twilio;
pub mod twilio_auth;
pub mod twilio_messages;
