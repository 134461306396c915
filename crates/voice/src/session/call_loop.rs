//! One call's loop: listen, recognize, answer, speak (see the module
//! documentation of [`super`]).

use super::dtmf::DtmfCollector;
use super::names::SynthesizerReading;
use super::turn::{TurnDetector, TurnEvent};
use super::{SessionError, VoiceAgent, expect, hints, wav};
use crate::line::{Line, LineCommand, LineEvent, TransferResult};
use crate::speech::pieces;
use crate::speech::{AsrError, Transcript};
use madoguchi_calls::{Call, CallKind, CallOptions, CallerInput, Output, ScenarioChoice};
use madoguchi_dialog::Expect;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Once the dialog has ended or a transfer was asked for, the line is let
/// go within this long even if the last prompts never report played or the
/// transfer never answers: a lost event must not keep a caller on a silent
/// line (seen once in five simultaneous calls in the voice benchmark).
const LEAVE_WITHIN: Duration = Duration::from_secs(45);

/// A line that sends nothing for this long is dead (transports send
/// audio or silence every 20 ms).
const DEAD_LINE: Duration = Duration::from_secs(30);

/// A clip queued on the line.
#[derive(Debug, Clone, Copy)]
struct Clip {
    id: u64,
    interruptible: bool,
}

/// What happens once the queued prompts have played.
#[derive(Debug, Clone, PartialEq)]
enum After {
    Listen,
    Transfer(String),
    Hangup,
}

pub(super) struct Session {
    agent: Arc<VoiceAgent>,
    line: Line,
    call: Option<Call>,
    detector: TurnDetector,
    keys: DtmfCollector,
    queue: VecDeque<Clip>,
    after: After,
    /// The last thing played was a filler: never two in a row.
    filler_last: bool,
    /// A transfer was asked for and its answer is awaited.
    transferring: bool,
    /// Events that arrived while recognizing, handled next.
    deferred: VecDeque<LineEvent>,
    /// What the current question expects.
    expect: Expect,
    /// A recognition of the turn so far, started in the caller's pause.
    speculation: Option<Speculation>,
    /// Since when the call has been ending (hang-up or transfer due).
    leaving_since: Option<Instant>,
}

/// A recognition started at a pause, valid while the caller says no more.
struct Speculation {
    /// [`TurnDetector::speech_frames`] when it started.
    speech_frames: u32,
    task: tokio::task::JoinHandle<Result<Transcript, AsrError>>,
}

enum Flow {
    Go,
    Done,
}

impl Session {
    pub(super) fn new(agent: Arc<VoiceAgent>, line: Line) -> Self {
        Self {
            detector: TurnDetector::new(agent.settings.turn_settings()),
            keys: DtmfCollector::new(agent.settings.dtmf_timeout_ms),
            agent,
            line,
            call: None,
            queue: VecDeque::new(),
            after: After::Listen,
            filler_last: false,
            transferring: false,
            deferred: VecDeque::new(),
            expect: Expect::Nothing,
            speculation: None,
            leaving_since: None,
        }
    }

    fn call(&mut self) -> Result<&mut Call, SessionError> {
        self.call.as_mut().ok_or(SessionError::NoCall)
    }

    /// Runs the call; a call that fails is logged abandoned and hung up.
    pub(super) async fn run_to_end(mut self) {
        if let Err(e) = self.run().await {
            tracing::error!(error = %e, "call failed");
            self.abandon().await;
            let _ = self.line.commands.send(LineCommand::Hangup).await;
        }
    }

    async fn run(&mut self) -> Result<(), SessionError> {
        let call = Call::open(
            self.agent.store.clone(),
            self.agent.clock.clone(),
            CallOptions {
                kind: CallKind::Voice,
                caller_id: self.line.caller_id.clone(),
                dry_run: false,
                scenario: ScenarioChoice::Published,
                reader: Some(Arc::new(SynthesizerReading(
                    self.agent.voice.engine().clone(),
                ))),
            },
        )
        .await?;
        tracing::info!(call = call.id().0, transport = ?self.line.transport, "voice call answered");
        self.call = Some(call);
        let outputs = self.call()?.start().await?;
        self.perform(outputs).await?;
        loop {
            let event = match self.deferred.pop_front() {
                Some(ev) => ev,
                None => match tokio::time::timeout(DEAD_LINE, self.line.events.recv()).await {
                    Ok(Some(ev)) => ev,
                    Ok(None) | Err(_) => LineEvent::Closed,
                },
            };
            if let Flow::Done = self.on_event(event).await? {
                return Ok(());
            }
            if self.after == After::Listen && !self.transferring {
                self.leaving_since = None;
            } else if self
                .leaving_since
                .get_or_insert_with(Instant::now)
                .elapsed()
                > LEAVE_WITHIN
            {
                tracing::warn!(
                    call = self.call()?.id().0,
                    transferring = self.transferring,
                    "the call did not end by itself; hanging up"
                );
                let _ = self.line.commands.send(LineCommand::Hangup).await;
                return Ok(());
            }
        }
    }

    /// The caller is gone: log the call as abandoned at its step (C6).
    async fn abandon(&mut self) {
        if let Some(call) = self.call.as_mut()
            && !call.is_ended()
        {
            let id = call.id().0;
            if let Err(e) = call.input(CallerInput::HangUp).await {
                tracing::error!(call = id, error = %e, "abandoned call not logged");
            }
        }
    }

    async fn on_event(&mut self, event: LineEvent) -> Result<Flow, SessionError> {
        match event {
            LineEvent::Closed => {
                self.abandon().await;
                return Ok(Flow::Done);
            }
            LineEvent::Played(id) => {
                // Clips played before a barge-in or a filler already gone
                // are not ours to act on.
                if let Some(pos) = self.queue.iter().position(|c| c.id == id) {
                    self.queue.drain(..=pos);
                    if self.queue.is_empty() {
                        return self.prompts_done().await;
                    }
                }
            }
            LineEvent::Transfer(result) => {
                if self.transferring {
                    self.transferring = false;
                    match result {
                        TransferResult::Accepted => {
                            tracing::info!("call transferred");
                            return Ok(Flow::Done);
                        }
                        TransferResult::Refused(why) => {
                            tracing::info!(reason = %why, "transfer refused; telling the number");
                            let u = self.call()?.prompt("transfer_failed");
                            self.after = After::Hangup;
                            self.say(&u.text, u.rate, false).await;
                            if self.queue.is_empty() {
                                return self.prompts_done().await;
                            }
                        }
                    }
                }
            }
            LineEvent::Dtmf(key) => {
                if self.after != After::Listen || self.transferring {
                    return Ok(Flow::Go);
                }
                // A key press stops an interruptible prompt.
                if !self.queue.is_empty() {
                    if self.queue.iter().all(|c| c.interruptible) {
                        self.clear().await;
                    } else {
                        return Ok(Flow::Go);
                    }
                }
                if let Some(keys) = self.keys.push(key) {
                    return self.answer(CallerInput::Dtmf(keys)).await;
                }
            }
            LineEvent::Audio(frame) => return self.on_audio(&frame).await,
        }
        Ok(Flow::Go)
    }

    async fn on_audio(&mut self, frame: &[i16]) -> Result<Flow, SessionError> {
        if self.after != After::Listen || self.transferring {
            return Ok(Flow::Go);
        }
        if let Some(keys) = self.keys.tick() {
            return self.answer(CallerInput::Dtmf(keys)).await;
        }
        if !self.queue.is_empty() {
            if !self.queue.iter().all(|c| c.interruptible) {
                // Heard whole: the caller's voice over it is not an answer.
                self.detector.forget();
                return Ok(Flow::Go);
            }
            let event = self.detector.push(frame);
            if self.detector.in_speech()
                && self.detector.voiced_run_ms() >= self.agent.settings.barge_in_ms
            {
                tracing::info!("barge-in");
                self.clear().await;
                self.detector.listen();
            } else if let TurnEvent::Turn(_) = event {
                // Too short to stop the prompt: a backchannel (はい, ええ).
            }
            return Ok(Flow::Go);
        }
        if self.keys.is_collecting() {
            // Keys are being typed: the voice wait is suspended.
            self.detector.stop_waiting();
        }
        let speech_frames = self.detector.speech_frames();
        match self.detector.push(frame) {
            TurnEvent::None => self.check_speculation().await,
            TurnEvent::NoInput => self.answer(CallerInput::Silence).await,
            TurnEvent::Pause(pcm) => {
                self.speculate(pcm);
                Ok(Flow::Go)
            }
            TurnEvent::Turn(pcm) => {
                let early = self
                    .speculation
                    .take()
                    .filter(|s| s.speech_frames == speech_frames);
                self.on_turn(pcm, early.map(|s| s.task)).await
            }
        }
    }

    /// Recognizes the turn so far while the caller pauses.
    fn speculate(&mut self, pcm: Vec<i16>) {
        let Some(call) = self.call.as_ref() else {
            return;
        };
        let hints = hints::for_expect(call.expect(), call.venue_words());
        let recognizer = self.agent.recognizer.clone();
        self.speculation = Some(Speculation {
            speech_frames: self.detector.speech_frames(),
            task: tokio::spawn(async move { recognizer.transcribe(&pcm, &hints).await }),
        });
    }

    /// Ends the turn at once when the speculative recognition is a complete
    /// answer and the caller has been silent `short_end_of_turn_ms`; drops
    /// it when the caller speaks again.
    async fn check_speculation(&mut self) -> Result<Flow, SessionError> {
        let Some(spec) = self.speculation.as_ref() else {
            return Ok(Flow::Go);
        };
        if expect::may_go_on(self.expect) {
            // The ordinary end of turn decides; the speculative result is
            // used then if nothing more was said.
            return Ok(Flow::Go);
        }
        if spec.speech_frames != self.detector.speech_frames() {
            // More was said: that recognition is of a part; it finishes
            // in the background and is ignored.
            self.speculation = None;
            return Ok(Flow::Go);
        }
        if !spec.task.is_finished()
            || self.detector.silence_ms() < self.agent.settings.short_end_of_turn_ms
        {
            return Ok(Flow::Go);
        }
        let Some(spec) = self.speculation.take() else {
            return Ok(Flow::Go);
        };
        let result = spec
            .task
            .await
            .unwrap_or_else(|e| Err(AsrError::Failed(e.to_string())));
        let complete = match &result {
            Ok(t) => self.pick(t).1,
            Err(_) => false,
        };
        if !complete {
            // Kept for the end of the turn: nothing will change it if the
            // caller says no more.
            self.speculation = Some(Speculation {
                speech_frames: spec.speech_frames,
                task: tokio::spawn(async move { result }),
            });
            return Ok(Flow::Go);
        }
        match self.detector.end_now() {
            Some(pcm) => {
                self.on_turn(pcm, Some(tokio::spawn(async move { result })))
                    .await
            }
            None => Ok(Flow::Go),
        }
    }

    /// The hypothesis for the dialog, and whether it is a complete answer:
    /// matched against what is possible in the call (`expect::pick`).
    fn pick<'a>(&self, t: &'a Transcript) -> (&'a str, bool) {
        let Some(call) = self.call.as_ref() else {
            return (t.text.as_str(), false);
        };
        expect::pick(self.expect, t.hypotheses(), call.possible(), |h| {
            call.corrected(h)
        })
        .unwrap_or(("", false))
    }

    async fn clear(&mut self) {
        self.queue.clear();
        let _ = self.line.commands.send(LineCommand::Clear).await;
    }

    /// The caller finished speaking: recognize (or take the speculative
    /// recognition of the same audio) and answer.
    async fn on_turn(
        &mut self,
        pcm: Vec<i16>,
        early: Option<tokio::task::JoinHandle<Result<Transcript, AsrError>>>,
    ) -> Result<Flow, SessionError> {
        self.speculation = None;
        let end_of_speech = Instant::now();
        let call = self.call()?;
        let call_id = call.id().0;
        let hints = hints::for_expect(call.expect(), call.venue_words());
        let agent = self.agent.clone();
        let mut filler = false;
        let ready = early.as_ref().is_some_and(|t| t.is_finished());
        if agent.settings.fillers
            && !ready
            && !self.filler_last
            && agent.asr_estimate_ms.load(Ordering::Relaxed)
                > u64::from(agent.settings.filler_after_ms)
            && let Some(audio) = agent.filler_audio().await
        {
            let id = agent.next_clip();
            self.queue.push_back(Clip {
                id,
                interruptible: true,
            });
            let _ = self
                .line
                .commands
                .send(LineCommand::Play { id, pcm: audio })
                .await;
            self.filler_last = true;
            filler = true;
        }
        // Recognize while the line's events keep flowing (marks, keys, hang-up).
        let recognition = async {
            match early {
                Some(task) => task
                    .await
                    .unwrap_or_else(|e| Err(AsrError::Failed(e.to_string()))),
                None => agent.recognizer.transcribe(&pcm, &hints).await,
            }
        };
        tokio::pin!(recognition);
        let mut keys = Vec::new();
        let mut closed = false;
        let result = loop {
            tokio::select! {
                r = &mut recognition => break r,
                ev = self.line.events.recv() => match ev {
                    Some(LineEvent::Played(id)) => {
                        if let Some(pos) = self.queue.iter().position(|c| c.id == id) {
                            self.queue.drain(..=pos);
                        }
                    }
                    Some(LineEvent::Dtmf(k)) => keys.push(k),
                    Some(LineEvent::Closed) | None => { closed = true; break Err(AsrError::Failed("line closed".into())); }
                    Some(_) => {}
                }
            }
        };
        let asr_ms = u64::try_from(end_of_speech.elapsed().as_millis()).unwrap_or(u64::MAX);
        // Keep a smoothed estimate: mostly the recent past.
        let old = agent.asr_estimate_ms.load(Ordering::Relaxed);
        agent
            .asr_estimate_ms
            .store((old * 3 + asr_ms) / 4, Ordering::Relaxed);
        if closed {
            self.abandon().await;
            return Ok(Flow::Done);
        }
        let text = match result {
            Ok(t) => self.pick(&t).0.to_owned(),
            Err(e) => {
                tracing::warn!(call = call_id, error = %e, "recognition failed");
                String::new()
            }
        };
        tracing::info!(
            call = call_id,
            audio_ms = pcm.len() / 8,
            chars = text.chars().count(),
            asr_ms,
            filler,
            "caller turn recognized"
        );
        let outputs = self.call()?.input(CallerInput::Said(text)).await?;
        if agent.settings.record_audio {
            let call = self.call()?;
            let (id, seq) = (call.id(), call.turns());
            let wav = wav::encode(&pcm);
            if let Err(e) = agent.store.save_call_audio(id, seq, &wav).await {
                tracing::warn!(call = call_id, error = %e, "turn audio not stored");
            }
        }
        let flow = self.perform(outputs).await?;
        let reply = end_of_speech.elapsed();
        agent
            .store
            .activity()
            .turn_seconds
            .observe(reply.as_secs_f64());
        tracing::info!(
            call = call_id,
            reply_ms = u64::try_from(reply.as_millis()).unwrap_or(u64::MAX),
            "end of speech to reply audio"
        );
        self.deferred.extend(keys.into_iter().map(LineEvent::Dtmf));
        Ok(flow)
    }

    /// Keys or silence: straight to the call.
    async fn answer(&mut self, input: CallerInput) -> Result<Flow, SessionError> {
        let outputs = self.call()?.input(input).await?;
        self.perform(outputs).await
    }

    /// Plays text sentence by sentence (the first plays while the next is
    /// assembled); failures are logged and skipped (the call goes on).
    async fn say(&mut self, text: &str, rate: f32, interruptible: bool) {
        if text.trim().is_empty() {
            tracing::warn!("empty prompt skipped");
            return;
        }
        let all = pieces::sentences(text);
        let last = all.len().saturating_sub(1);
        for (i, sentence) in all.into_iter().enumerate() {
            let started = Instant::now();
            match self.agent.voice.render(sentence, rate).await {
                Ok(pcm) => {
                    let pcm = if i < last {
                        pieces::with_pause_after(&pcm)
                    } else {
                        pcm
                    };
                    let id = self.agent.next_clip();
                    self.queue.push_back(Clip { id, interruptible });
                    self.filler_last = false;
                    tracing::debug!(
                        tts_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                        audio_ms = pcm.len() / 8,
                        "sentence ready"
                    );
                    let _ = self.line.commands.send(LineCommand::Play { id, pcm }).await;
                }
                Err(e) => tracing::error!(error = %e, "prompt not synthesized"),
            }
        }
    }

    async fn perform(&mut self, outputs: Vec<Output>) -> Result<Flow, SessionError> {
        self.detector.stop_waiting();
        for output in outputs {
            match output {
                Output::Say(u) => self.say(&u.text, u.rate, u.interruptible).await,
                Output::Action(madoguchi_dialog::Action::Transfer { to }) => {
                    self.after = After::Transfer(to);
                }
                // The web link SMS is queued by the call runner with the turn.
                Output::Action(_) => {}
                Output::End(result) => {
                    tracing::info!(outcome = %result.outcome, reason = %result.reason, "dialog ended");
                    if self.after == After::Listen {
                        self.after = After::Hangup;
                    }
                }
            }
        }
        let expect = self.call()?.expect();
        self.keys.expect_number(expect.takes_number());
        self.expect = expect;
        self.detector
            .set_end_silence(expect::end_of_turn_ms(expect, &self.agent.settings));
        if self.queue.is_empty() {
            return self.prompts_done().await;
        }
        Ok(Flow::Go)
    }

    /// Everything queued has played.
    async fn prompts_done(&mut self) -> Result<Flow, SessionError> {
        match std::mem::replace(&mut self.after, After::Listen) {
            After::Listen => {
                self.detector.listen();
                Ok(Flow::Go)
            }
            After::Transfer(to) => {
                self.after = After::Hangup;
                self.transferring = true;
                let _ = self.line.commands.send(LineCommand::Transfer { to }).await;
                Ok(Flow::Go)
            }
            After::Hangup => {
                let _ = self.line.commands.send(LineCommand::Hangup).await;
                Ok(Flow::Done)
            }
        }
    }
}
