//! The voice agent: engines and settings shared by every call, the busy
//! line, and the start of each call's loop.

use super::call_loop::Session;
use super::{SessionError, VoiceSettings, warm};
use crate::line::{Line, LineCommand, LineEvent, LineHandler};
use crate::speech::pieces::Pieces;
use crate::speech::{Recognizer, Synthesizer};
use madoguchi_calls::CallError;
use madoguchi_core::Clock;
use madoguchi_store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{OnceCell, Semaphore};

/// Answers phone calls with the dialog.
pub struct VoiceAgent {
    pub(super) store: Store,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) recognizer: Arc<dyn Recognizer>,
    pub(super) voice: Pieces,
    pub(super) settings: VoiceSettings,
    pub(super) slots: Arc<Semaphore>,
    pub(super) clip_ids: AtomicU64,
    pub(super) filler: OnceCell<Option<Arc<[i16]>>>,
    /// Recent recognition time (ms), to decide on a filler.
    pub(super) asr_estimate_ms: AtomicU64,
}

impl std::fmt::Debug for VoiceAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceAgent")
            .field("recognizer", &self.recognizer.name())
            .field("settings", &self.settings)
            .finish()
    }
}

impl VoiceAgent {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        recognizer: Arc<dyn Recognizer>,
        synthesizer: Arc<dyn Synthesizer>,
        settings: VoiceSettings,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            clock,
            recognizer,
            voice: Pieces::new(
                synthesizer,
                (!settings.tts_cache_dir.is_empty())
                    .then(|| std::path::Path::new(&settings.tts_cache_dir)),
            ),
            slots: Arc::new(Semaphore::new(settings.max_calls)),
            // Assume slow until measured: the first turn gets a filler.
            asr_estimate_ms: AtomicU64::new(u64::from(settings.filler_after_ms) + 1),
            settings,
            clip_ids: AtomicU64::new(1),
            filler: OnceCell::new(),
        })
    }

    pub fn settings(&self) -> &VoiceSettings {
        &self.settings
    }

    /// The prompt pieces (for counting synthesis in tests and benchmarks).
    pub fn pieces(&self) -> &Pieces {
        &self.voice
    }

    /// Synthesizes every prompt fragment and variable piece the agent may
    /// say (see [`warm`]), so that calls only concatenate.
    pub async fn warm(&self) -> Result<(), SessionError> {
        let started = Instant::now();
        let texts =
            warm::texts(&self.store, self.clock.as_ref(), &self.settings.filler_text).await?;
        let result = self.voice.warm(texts).await;
        let stats = self.voice.stats();
        tracing::info!(
            pieces = stats.warmed,
            from_disk = stats.from_disk,
            synthesized = stats.engine_calls,
            ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            ok = result.is_ok(),
            "prompt pieces ready"
        );
        if let Err(e) = result {
            tracing::warn!(error = %e, "prompt pieces not all synthesized; the rest is synthesized when said");
        }
        Ok(())
    }

    /// [`warm`](Self::warm) in the background.
    pub fn start_warming(self: &Arc<Self>) {
        let agent = self.clone();
        tokio::spawn(async move {
            if let Err(e) = agent.warm().await {
                tracing::warn!(error = %e, "prompt pieces not prepared");
            }
        });
    }

    /// Where transports hand new calls: one task per line.
    pub fn line_handler(self: Arc<Self>) -> LineHandler {
        Arc::new(move |line: Line| {
            let agent = self.clone();
            match tokio::runtime::Handle::try_current() {
                Ok(rt) => {
                    rt.spawn(agent.run_line(line));
                }
                Err(_) => tracing::error!("a line arrived outside the runtime; dropped"),
            }
        })
    }

    /// Runs one line to its end.
    pub async fn run_line(self: Arc<Self>, line: Line) {
        let Ok(permit) = self.slots.clone().try_acquire_owned() else {
            tracing::warn!(max_calls = self.settings.max_calls, "all lines busy");
            self.busy(line).await;
            return;
        };
        Session::new(self.clone(), line).run_to_end().await;
        drop(permit);
    }

    pub(super) fn next_clip(&self) -> u64 {
        self.clip_ids.fetch_add(1, Ordering::Relaxed)
    }

    pub(super) async fn filler_audio(&self) -> Option<Arc<[i16]>> {
        self.filler
            .get_or_init(|| async {
                match self.voice.render(&self.settings.filler_text, 1.0).await {
                    Ok(pcm) => Some(pcm),
                    Err(e) => {
                        tracing::warn!(error = %e, "no filler audio");
                        None
                    }
                }
            })
            .await
            .clone()
    }

    /// The polite "all lines are busy, please call …" and hang up.
    async fn busy(&self, mut line: Line) {
        let text = match self.busy_text().await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, "busy message from defaults");
                madoguchi_dialog::Scenario::default().render("busy", &[])
            }
        };
        match self.voice.render(&text, 1.0).await {
            Ok(pcm) => {
                let id = self.next_clip();
                if line
                    .commands
                    .send(LineCommand::Play { id, pcm })
                    .await
                    .is_ok()
                {
                    // Until it has played, the caller hangs up, or a bound.
                    let _ = tokio::time::timeout(Duration::from_secs(60), async {
                        while let Some(ev) = line.events.recv().await {
                            match ev {
                                LineEvent::Played(p) if p == id => break,
                                LineEvent::Closed => break,
                                _ => {}
                            }
                        }
                    })
                    .await;
                }
            }
            Err(e) => tracing::error!(error = %e, "busy message not synthesized"),
        }
        let _ = line.commands.send(LineCommand::Hangup).await;
    }

    async fn busy_text(&self) -> Result<String, SessionError> {
        let settings = self.store.settings().await?;
        let scenario = match self.store.published_scenario().await? {
            Some(v) => madoguchi_dialog::Scenario::from_json(&v.body)
                .map_err(|e| SessionError::Call(CallError::Scenario(e)))?,
            None => madoguchi_dialog::Scenario::default(),
        };
        let phone = madoguchi_ja::to_spoken_digits(&settings.city.phone);
        Ok(scenario.render("busy", &[("city", &settings.city.name), ("phone", &phone)]))
    }
}
