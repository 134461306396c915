//! The Twilio media-stream entrance: a WebSocket at `/voice/twilio/stream`
//! (TwiML `<Connect><Stream url="wss://…/voice/twilio/stream">`).
//!
//! Inbound: `connected`, `start` (streamSid, callSid, customParameters —
//! the caller's number from `from`/`From`), `media` (base64 μ-law 8 kHz,
//! cut into 20 ms frames), `dtmf`, `mark` (a clip has played), `stop`.
//! Outbound: `media` (base64 μ-law) then a `mark` named after the clip id,
//! `clear` on barge-in. Twilio answers a `clear` by sending back the marks
//! of what it dropped: those are swallowed here, since the line contract
//! says a cleared clip is never reported played. Transfers go through
//! Twilio's REST API, not the stream: they are refused, and the agent
//! tells the caller the number.

use super::twilio_auth::StreamAuth;
use super::twilio_messages::{self as messages, Inbound, decode};
use super::{
    COMMAND_QUEUE, EVENT_QUEUE, FRAME_SAMPLES, Line, LineCommand, LineEvent, LineHandler,
    TransferResult, Transport,
};
use crate::media::g711;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use std::collections::HashSet;
use tokio::sync::mpsc;

/// The WebSocket path Twilio connects to.
pub const PATH: &str = "/voice/twilio/stream";

/// Outbound audio is sent in chunks of this many samples (1 s).
const CHUNK_SAMPLES: usize = 8000;

/// The route, to merge into the app; `auth` says which upgrades it takes
/// ([`StreamAuth::new`]: signed by Twilio, or any on a loopback listener).
pub fn router(handler: LineHandler, auth: StreamAuth) -> Router {
    if matches!(auth, StreamAuth::Closed) {
        tracing::warn!(
            "[twilio] auth_token is not set and the web listener is not on loopback: {PATH} refuses every stream"
        );
    }
    Router::new()
        .route(PATH, get(upgrade))
        .with_state(Entrance { handler, auth })
}

#[derive(Clone)]
struct Entrance {
    handler: LineHandler,
    auth: StreamAuth,
}

async fn upgrade(
    State(entrance): State<Entrance>,
    headers: HeaderMap,
    uri: Uri,
    ws: WebSocketUpgrade,
) -> Response {
    if !entrance.auth.allows(&headers, &uri) {
        tracing::info!("twilio stream refused: missing or wrong X-Twilio-Signature");
        return StatusCode::FORBIDDEN.into_response();
    }
    let handler = entrance.handler;
    ws.on_upgrade(move |socket| serve(socket, handler))
}

async fn serve(socket: WebSocket, handler: LineHandler) {
    let (mut sink, mut stream) = socket.split();
    // Until `start` there is no call.
    let (sid, caller_id) = loop {
        match stream.next().await {
            Some(Ok(Message::Text(text))) => match decode(text.as_str()) {
                Inbound::Start {
                    stream_sid,
                    caller_id,
                } => break (stream_sid, caller_id),
                Inbound::Stop => return,
                _ => {}
            },
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
            Some(Ok(_)) => {}
        }
    };
    tracing::info!(caller_id = caller_id.is_some(), "twilio stream started");
    let (event_tx, event_rx) = mpsc::channel(EVENT_QUEUE);
    let (command_tx, mut command_rx) = mpsc::channel(COMMAND_QUEUE);
    handler(Line {
        transport: Transport::TwilioStream,
        caller_id,
        events: event_rx,
        commands: command_tx,
    });
    let mut pending: Vec<i16> = Vec::new();
    // Marks sent and not yet played, and those dropped by a clear.
    let mut outstanding: HashSet<u64> = HashSet::new();
    let mut cleared: HashSet<u64> = HashSet::new();
    loop {
        tokio::select! {
            msg = stream.next() => {
                let text = match msg {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                match decode(text.as_str()) {
                    Inbound::Media(bytes) => {
                        pending.extend(g711::ulaw_decode_all(&bytes));
                        while pending.len() >= FRAME_SAMPLES {
                            let frame: Vec<i16> = pending.drain(..FRAME_SAMPLES).collect();
                            // Audio may be dropped when the loop is behind; never keys.
                            let _ = event_tx.try_send(LineEvent::Audio(frame));
                        }
                    }
                    Inbound::Dtmf(key) => {
                        if event_tx.send(LineEvent::Dtmf(key)).await.is_err() {
                            break;
                        }
                    }
                    Inbound::Mark(id) => {
                        outstanding.remove(&id);
                        if cleared.remove(&id) {
                            continue;
                        }
                        if event_tx.send(LineEvent::Played(id)).await.is_err() {
                            break;
                        }
                    }
                    Inbound::Stop => break,
                    Inbound::Start { .. } | Inbound::Other => {}
                }
            }
            command = command_rx.recv() => {
                let Some(command) = command else { break };
                let sent = match command {
                    LineCommand::Play { id, pcm } => {
                        let mut ok = true;
                        for chunk in pcm.chunks(CHUNK_SAMPLES) {
                            let msg = messages::media(&sid, &g711::ulaw_encode_all(chunk));
                            if sink.send(Message::Text(msg.into())).await.is_err() {
                                ok = false;
                                break;
                            }
                        }
                        outstanding.insert(id);
                        ok && sink.send(Message::Text(messages::mark(&sid, id).into())).await.is_ok()
                    }
                    LineCommand::Clear => {
                        cleared.extend(outstanding.drain());
                        sink.send(Message::Text(messages::clear(&sid).into())).await.is_ok()
                    }
                    LineCommand::Transfer { .. } => {
                        // Twilio moves calls through its REST API, not the stream.
                        let refused = TransferResult::Refused("twilio media stream cannot transfer".to_owned());
                        event_tx.send(LineEvent::Transfer(refused)).await.is_ok()
                    }
                    LineCommand::Hangup => {
                        let _ = sink.send(Message::Close(None)).await;
                        tracing::info!("twilio stream hung up by the agent");
                        return;
                    }
                };
                if !sent {
                    break;
                }
            }
        }
    }
    tracing::info!("twilio stream closed");
    let _ = event_tx.send(LineEvent::Closed).await;
}
