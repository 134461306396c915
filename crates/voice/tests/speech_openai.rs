//! The OpenAI-compatible engine against a local HTTP server that reads the
//! real multipart request and answers like the real API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use madoguchi_voice::media::wav;
use madoguchi_voice::speech::{AsrError, Hints, OpenAiConfig, OpenAiTranscriber, Recognizer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

#[derive(Debug)]
struct Part {
    filename: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

#[derive(Debug)]
struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    parts: HashMap<String, Part>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn read_request(sock: &mut TcpStream) -> Request {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        let n = sock.read(&mut chunk).await.unwrap();
        assert!(n > 0, "client closed before the headers ended");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap().split(' ');
    let method = first.next().unwrap().to_owned();
    let path = first.next().unwrap().to_owned();
    let headers: HashMap<String, String> = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_ascii_lowercase(), v.trim().to_owned())
        })
        .collect();
    let mut body = buf[head_end + 4..].to_vec();
    if let Some(len) = headers.get("content-length") {
        let len: usize = len.parse().unwrap();
        while body.len() < len {
            let n = sock.read(&mut chunk).await.unwrap();
            assert!(n > 0);
            body.extend_from_slice(&chunk[..n]);
        }
    } else {
        assert_eq!(
            headers.get("transfer-encoding").map(String::as_str),
            Some("chunked")
        );
        // Read until the terminating chunk, then decode.
        while find(&body, b"\r\n0\r\n\r\n").is_none() && !body.starts_with(b"0\r\n\r\n") {
            let n = sock.read(&mut chunk).await.unwrap();
            assert!(n > 0);
            body.extend_from_slice(&chunk[..n]);
        }
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let eol = find(rest, b"\r\n").unwrap();
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap(), 16).unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = out;
    }
    let ctype = headers.get("content-type").cloned().unwrap_or_default();
    let boundary = ctype
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .unwrap_or_else(|| panic!("not multipart: {ctype}"))
        .trim_matches('"')
        .to_owned();
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = HashMap::new();
    let mut rest = &body[find(&body, &delim).unwrap() + delim.len()..];
    while !rest.starts_with(b"--") {
        rest = &rest[2..]; // CRLF after the delimiter
        let he = find(rest, b"\r\n\r\n").unwrap();
        let phead = String::from_utf8(rest[..he].to_vec()).unwrap();
        let content_start = he + 4;
        let next = find(&rest[content_start..], &delim).unwrap() + content_start;
        let content = rest[content_start..next - 2].to_vec(); // minus CRLF
        let mut name = None;
        let mut filename = None;
        let mut content_type = None;
        for l in phead.split("\r\n") {
            let (k, v) = l.split_once(':').unwrap();
            match k.trim().to_ascii_lowercase().as_str() {
                "content-disposition" => {
                    for p in v.split(';').map(str::trim) {
                        if let Some(n) = p.strip_prefix("name=") {
                            name = Some(n.trim_matches('"').to_owned());
                        }
                        if let Some(n) = p.strip_prefix("filename=") {
                            filename = Some(n.trim_matches('"').to_owned());
                        }
                    }
                }
                "content-type" => content_type = Some(v.trim().to_owned()),
                _ => {}
            }
        }
        parts.insert(
            name.unwrap(),
            Part {
                filename,
                content_type,
                body: content,
            },
        );
        rest = &rest[next + delim.len()..];
    }
    Request {
        method,
        path,
        headers,
        parts,
    }
}

/// Serves `replies` in order (status, JSON body), sending each request out.
async fn server(replies: Vec<(u16, &'static str)>) -> (String, mpsc::Receiver<Request>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(async move {
        for (status, body) in replies {
            let (mut sock, _) = listener.accept().await.unwrap();
            let req = read_request(&mut sock).await;
            tx.send(req).await.unwrap();
            let reason = match status {
                200 => "OK",
                401 => "Unauthorized",
                _ => "Internal Server Error",
            };
            let resp = format!(
                "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            sock.write_all(resp.as_bytes()).await.unwrap();
            sock.shutdown().await.ok();
        }
    });
    (format!("http://{addr}/"), rx)
}

fn config(base_url: String, key: Option<&str>) -> OpenAiConfig {
    OpenAiConfig {
        base_url,
        model: "whisper-1".into(),
        api_key: key.map(str::to_owned),
        timeout_ms: 5_000,
        upload_rate: 16_000,
    }
}

fn turn() -> Vec<i16> {
    (0..8000).map(|i| ((i % 40) as i16 - 20) * 300).collect()
}

#[tokio::test]
async fn posts_the_openai_multipart_request_and_reads_the_text() {
    let (url, mut rx) = server(vec![(200, r#"{"text":"はい、お願いします。"}"#)]).await;
    let asr = OpenAiTranscriber::new(config(url, Some("sk-test"))).unwrap();
    assert_eq!(asr.name(), "openai:whisper-1");
    let hints = Hints {
        prompt: Some("ほんちょうしゃ、びさいじむしょ。".into()),
        hotwords: vec![],
        short_answer: false,
    };
    let pcm = turn();
    let text = asr.transcribe(&pcm, &hints).await.unwrap().text;
    assert_eq!(text, "はい、お願いします。");

    let req = rx.recv().await.unwrap();
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/v1/audio/transcriptions");
    assert_eq!(req.headers.get("authorization").unwrap(), "Bearer sk-test");
    let field = |n: &str| String::from_utf8(req.parts[n].body.clone()).unwrap();
    assert_eq!(field("model"), "whisper-1");
    assert_eq!(field("language"), "ja");
    assert_eq!(field("response_format"), "json");
    assert_eq!(field("temperature"), "0");
    assert_eq!(field("prompt"), "ほんちょうしゃ、びさいじむしょ。");
    let file = &req.parts["file"];
    assert_eq!(file.filename.as_deref(), Some("turn.wav"));
    assert_eq!(file.content_type.as_deref(), Some("audio/wav"));
    assert_eq!(&file.body[0..4], b"RIFF");
    assert_eq!(&file.body[8..16], b"WAVEfmt ");
    assert_eq!(u16::from_le_bytes([file.body[20], file.body[21]]), 1, "PCM");
    assert_eq!(
        u16::from_le_bytes([file.body[22], file.body[23]]),
        1,
        "mono"
    );
    assert_eq!(
        u16::from_le_bytes([file.body[34], file.body[35]]),
        16,
        "bits"
    );
    let w = wav::parse(&file.body).unwrap();
    assert_eq!(w.sample_rate, 16_000);
    assert_eq!(w.samples.len(), pcm.len() * 2, "one second at 16 kHz");
}

#[tokio::test]
async fn hotwords_become_the_prompt_and_no_key_sends_no_auth() {
    let (url, mut rx) = server(vec![(200, r#"{"text":"いいえ"}"#)]).await;
    let mut cfg = config(url, None);
    cfg.upload_rate = 8_000;
    let asr = OpenAiTranscriber::new(cfg).unwrap();
    let hints = Hints {
        prompt: None,
        hotwords: vec!["はい".into(), "いいえ".into()],
        short_answer: true,
    };
    assert_eq!(
        asr.transcribe(&turn(), &hints).await.unwrap().text,
        "いいえ"
    );
    let req = rx.recv().await.unwrap();
    assert!(!req.headers.contains_key("authorization"));
    assert_eq!(req.parts["prompt"].body, "はい、いいえ".as_bytes());
    assert_eq!(
        wav::parse(&req.parts["file"].body).unwrap().sample_rate,
        8_000
    );
}

#[tokio::test]
async fn error_statuses_and_dead_servers_are_clear_errors() {
    let (url, _rx) = server(vec![
        (
            401,
            r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
        ),
        (500, r#"{"error":{"message":"CUDA out of memory","type":"server_error"}}"#),
    ])
    .await;
    let asr = OpenAiTranscriber::new(config(url, Some("wrong"))).unwrap();
    let err = asr
        .transcribe(&turn(), &Hints::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AsrError::Unavailable(ref m) if m.contains("401") && m.contains("Incorrect API key")),
        "{err}"
    );
    let err = asr
        .transcribe(&turn(), &Hints::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AsrError::Failed(ref m) if m.contains("500") && m.contains("CUDA out of memory")),
        "{err}"
    );

    // Nobody listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let asr = OpenAiTranscriber::new(config(format!("http://127.0.0.1:{port}"), None)).unwrap();
    let err = asr
        .transcribe(&turn(), &Hints::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AsrError::Unavailable(ref m) if m.contains("transcription server")),
        "{err}"
    );

    assert!(OpenAiTranscriber::new(config("gpu:8000".into(), None)).is_err());
}
