//! The Twilio media stream's exact JSON both ways, with a real WebSocket
//! client and the line as the call loop sees it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use futures_util::{SinkExt, StreamExt};
use madoguchi_voice::line::twilio_auth::{SIGNATURE_HEADER, StreamAuth, TwilioConfig, sign};
use madoguchi_voice::line::{Line, LineCommand, LineEvent, TransferResult, Transport, twilio};
use madoguchi_voice::media::g711;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const SID: &str = "MZ18ad3ab5a668481ce02b83e7395059f0";

/// A stream entrance on loopback without a token: unsigned streams are
/// taken (a demo, these tests).
async fn server() -> (String, mpsc::Receiver<Line>) {
    server_with(TwilioConfig::default()).await
}

async fn server_with(config: TwilioConfig) -> (String, mpsc::Receiver<Line>) {
    let (tx, rx) = mpsc::channel(4);
    let handler: madoguchi_voice::line::LineHandler = Arc::new(move |line| {
        tx.try_send(line).unwrap();
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = twilio::router(handler, StreamAuth::new(&config, addr));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("ws://{addr}/voice/twilio/stream"), rx)
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.unwrap();
}

async fn recv(ws: &mut Ws) -> Value {
    let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    match msg {
        Message::Text(t) => serde_json::from_str(&t).unwrap(),
        other => panic!("not text: {other:?}"),
    }
}

async fn event(line: &mut Line) -> LineEvent {
    tokio::time::timeout(Duration::from_secs(5), line.events.recv())
        .await
        .unwrap()
        .unwrap()
}

async fn start(from_key: &str) -> (Ws, Line) {
    let (url, mut lines) = server().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    send(
        &mut ws,
        json!({"event": "connected", "protocol": "Call", "version": "1.0.0"}),
    )
    .await;
    send(
        &mut ws,
        json!({
            "event": "start",
            "sequenceNumber": "1",
            "start": {
                "accountSid": "AC0123",
                "streamSid": SID,
                "callSid": "CA0123",
                "tracks": ["inbound"],
                "customParameters": {from_key: "+819012345678"},
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}
            },
            "streamSid": SID
        }),
    )
    .await;
    let line = tokio::time::timeout(Duration::from_secs(5), lines.recv())
        .await
        .unwrap()
        .unwrap();
    (ws, line)
}

#[tokio::test]
async fn inbound_messages_become_line_events() {
    let (mut ws, mut line) = start("From").await;
    assert_eq!(line.transport, Transport::TwilioStream);
    assert_eq!(line.caller_id.as_deref(), Some("+819012345678"));

    // 50 ms of audio in one message → two whole 20 ms frames now, the rest kept.
    let pcm: Vec<i16> = (0..400).map(|i| ((i % 40) * 200 - 4000) as i16).collect();
    let payload = B64.encode(g711::ulaw_encode_all(&pcm));
    send(
        &mut ws,
        json!({"event": "media", "sequenceNumber": "2",
               "media": {"track": "inbound", "chunk": "1", "timestamp": "5", "payload": payload},
               "streamSid": SID}),
    )
    .await;
    for n in 0..2 {
        match event(&mut line).await {
            LineEvent::Audio(frame) => {
                assert_eq!(frame.len(), 160);
                let expected: Vec<i16> =
                    g711::ulaw_decode_all(&g711::ulaw_encode_all(&pcm[n * 160..(n + 1) * 160]));
                assert_eq!(frame, expected);
            }
            other => panic!("{other:?}"),
        }
    }
    send(
        &mut ws,
        json!({"event": "dtmf", "streamSid": SID, "sequenceNumber": "3",
               "dtmf": {"track": "inbound_track", "digit": "7"}}),
    )
    .await;
    assert_eq!(event(&mut line).await, LineEvent::Dtmf('7'));
    send(
        &mut ws,
        json!({"event": "stop", "sequenceNumber": "4", "streamSid": SID,
               "stop": {"accountSid": "AC0123", "callSid": "CA0123"}}),
    )
    .await;
    assert_eq!(event(&mut line).await, LineEvent::Closed);
}

#[tokio::test]
async fn commands_become_outbound_messages() {
    let (mut ws, mut line) = start("from").await;
    assert_eq!(line.caller_id.as_deref(), Some("+819012345678"));
    // 1.5 s of audio: sent as media messages, then a mark named after the clip.
    let pcm: Arc<[i16]> = (0..12_000)
        .map(|i| ((i % 20) * 300 - 3000) as i16)
        .collect::<Vec<_>>()
        .into();
    line.commands
        .send(LineCommand::Play {
            id: 41,
            pcm: pcm.clone(),
        })
        .await
        .unwrap();
    let mut bytes = Vec::new();
    let mark = loop {
        let v = recv(&mut ws).await;
        assert_eq!(v["streamSid"], SID);
        match v["event"].as_str().unwrap() {
            "media" => {
                assert_eq!(
                    v.as_object().unwrap().len(),
                    3,
                    "event, streamSid, media: {v}"
                );
                bytes.extend(B64.decode(v["media"]["payload"].as_str().unwrap()).unwrap());
            }
            "mark" => break v,
            other => panic!("{other}"),
        }
    };
    assert_eq!(bytes, g711::ulaw_encode_all(&pcm));
    assert_eq!(
        mark,
        json!({"event": "mark", "streamSid": SID, "mark": {"name": "41"}})
    );
    // Twilio echoes the mark when the clip has played.
    send(
        &mut ws,
        json!({"event": "mark", "sequenceNumber": "5", "streamSid": SID, "mark": {"name": "41"}}),
    )
    .await;
    assert_eq!(event(&mut line).await, LineEvent::Played(41));

    // Barge-in: clear; the marks Twilio returns for the dropped clip are not "played".
    line.commands
        .send(LineCommand::Play {
            id: 42,
            pcm: pcm.clone(),
        })
        .await
        .unwrap();
    while recv(&mut ws).await["event"] != "mark" {}
    line.commands.send(LineCommand::Clear).await.unwrap();
    assert_eq!(
        recv(&mut ws).await,
        json!({"event": "clear", "streamSid": SID})
    );
    send(
        &mut ws,
        json!({"event": "mark", "sequenceNumber": "6", "streamSid": SID, "mark": {"name": "42"}}),
    )
    .await;
    send(
        &mut ws,
        json!({"event": "dtmf", "streamSid": SID, "sequenceNumber": "7",
               "dtmf": {"track": "inbound_track", "digit": "#"}}),
    )
    .await;
    assert_eq!(
        event(&mut line).await,
        LineEvent::Dtmf('#'),
        "no Played(42) before it"
    );

    // Transfers are refused on a media stream.
    line.commands
        .send(LineCommand::Transfer {
            to: "0586-28-0000".into(),
        })
        .await
        .unwrap();
    assert!(matches!(
        event(&mut line).await,
        LineEvent::Transfer(TransferResult::Refused(_))
    ));

    // Hang-up closes the socket.
    line.commands.send(LineCommand::Hangup).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .unwrap();
    assert!(closed);
}

#[tokio::test]
async fn a_socket_closed_by_twilio_closes_the_line() {
    let (mut ws, mut line) = start("From").await;
    ws.close(None).await.unwrap();
    assert_eq!(event(&mut line).await, LineEvent::Closed);
}

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const PUBLIC: &str = "wss://yoyaku.city.example.jp";

fn signed_config() -> TwilioConfig {
    TwilioConfig {
        auth_token: Some(TOKEN.into()),
        public_url: Some(PUBLIC.into()),
    }
}

/// Open the stream at `url` with this `X-Twilio-Signature` (if any).
async fn connect_signed(
    url: &str,
    signature: Option<String>,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = url.into_client_request().unwrap();
    if let Some(s) = signature {
        request
            .headers_mut()
            .insert(SIGNATURE_HEADER, s.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
}

fn refused_with_403(result: Result<Ws, tokio_tungstenite::tungstenite::Error>) {
    match result {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403);
        }
        Err(other) => panic!("refused, but not with 403: {other}"),
        Ok(_) => panic!("the stream was opened"),
    }
}

#[tokio::test]
async fn a_stream_signed_with_the_auth_token_is_taken() {
    let (url, mut lines) = server_with(signed_config()).await;
    let signature = sign(TOKEN, &format!("{PUBLIC}/voice/twilio/stream?call=1"));
    let mut ws = connect_signed(&format!("{url}?call=1"), Some(signature))
        .await
        .unwrap();
    send(
        &mut ws,
        json!({"event": "start", "start": {"streamSid": SID, "customParameters": {}}}),
    )
    .await;
    let line = tokio::time::timeout(Duration::from_secs(5), lines.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(line.transport, Transport::TwilioStream);
}

#[tokio::test]
async fn a_stream_unsigned_or_signed_wrongly_is_refused_with_403() {
    let (url, mut lines) = server_with(signed_config()).await;
    let path = "/voice/twilio/stream";
    let wrong = [
        None,
        Some(sign("another-accounts-token", &format!("{PUBLIC}{path}"))),
        // Signed for another host or without the query the stream carries.
        Some(sign(TOKEN, &format!("wss://evil.example{path}?call=1"))),
        Some(sign(TOKEN, &format!("{PUBLIC}{path}"))),
        Some("not base64 at all".into()),
    ];
    for signature in wrong {
        refused_with_403(connect_signed(&format!("{url}?call=1"), signature).await);
    }
    assert!(lines.try_recv().is_err(), "no line for a refused stream");
}

#[tokio::test]
async fn without_a_token_a_network_listener_refuses_every_stream() {
    let handler: madoguchi_voice::line::LineHandler = Arc::new(|_line| {});
    let auth = StreamAuth::new(&TwilioConfig::default(), "0.0.0.0:8080".parse().unwrap());
    let app = twilio::router(handler, auth);
    // Served on loopback here; the rule follows the configured listener.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let url = format!("ws://{addr}/voice/twilio/stream");
    refused_with_403(connect_signed(&url, None).await);
    refused_with_403(connect_signed(&url, Some(sign(TOKEN, &url))).await);
}
