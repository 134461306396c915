//! One call: answer the INVITE, run its media, follow the dialog (re-INVITE,
//! INFO, BYE) and carry out the call loop's commands (REFER, BYE).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rsipstack::dialog::dialog::{DialogState, ReferStatus, TransactionHandle};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, HeadersExt, Request, StatusCode, StatusCodeKind};
use rsipstack::transaction::Transaction;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use super::Shared;
use super::sdp::{self, Offer};
use crate::line::{
    COMMAND_QUEUE, EVENT_QUEUE, Line, LineCommand, LineEvent, TransferResult, Transport,
};
use crate::media::rtp::{MediaControl, RtpSession};

/// How long to wait for the transferee's NOTIFY after a 202 before leaving.
const NOTIFY_WAIT: Duration = Duration::from_secs(4);
/// How long a REFER may go unanswered.
const REFER_TIMEOUT: Duration = Duration::from_secs(8);

pub(super) async fn run(shared: Arc<Shared>, mut tx: Transaction) {
    let (state_tx, mut states) = shared.dialogs.new_dialog_state_channel();
    let call_id = tx
        .original
        .call_id_header()
        .map(|h| h.value().to_string())
        .unwrap_or_default();
    let caller_id = tx
        .original
        .from_header()
        .ok()
        .and_then(|f| f.uri().ok())
        .and_then(|u| u.user().map(str::to_string))
        .filter(|u| !u.is_empty());
    let from_host = tx
        .original
        .from_header()
        .ok()
        .and_then(|f| f.uri().ok())
        .map(|u| u.host_with_port.to_string());

    let offer = sdp::parse_offer(&String::from_utf8_lossy(&tx.original.body));
    let local_ip = match &offer {
        Ok(o) => advertised_ip(&shared, o.params.remote).await,
        Err(_) => shared.sip_addr.ip(),
    };
    let contact = contact_uri(&shared, local_ip, &tx);
    let dialog = match shared
        .dialogs
        .get_or_create_server_invite(&tx, state_tx, None, contact)
    {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(call = %call_id, error = %e, "cannot create dialog");
            let _ = tx.reply(StatusCode::ServerInternalError).await;
            return;
        }
    };
    let dialog_id = dialog.id();
    // The INVITE transaction runs on its own (ACK, CANCEL, retransmissions).
    let mut invite_dialog = dialog.clone();
    let invite_task = tokio::spawn(async move {
        let _ = invite_dialog.handle(&mut tx).await;
    });

    let offer = match offer {
        Ok(o) => o,
        Err(e) => {
            tracing::info!(call = %call_id, reason = %e, "call refused: unusable offer");
            let _ = dialog.reject(Some(StatusCode::NotAcceptableHere), None);
            let _ = invite_task.await;
            shared.dialogs.remove_dialog(&dialog_id);
            return;
        }
    };
    let socket = match bind_rtp(&shared).await {
        Some(s) => s,
        None => {
            tracing::warn!(call = %call_id, "no free RTP port");
            let _ = dialog.reject(Some(StatusCode::ServiceUnavailable), None);
            let _ = invite_task.await;
            shared.dialogs.remove_dialog(&dialog_id);
            return;
        }
    };
    if shared.config.ring_ms > 0 {
        let _ = dialog.ringing(None, None);
        let ring = tokio::time::sleep(Duration::from_millis(u64::from(shared.config.ring_ms)));
        tokio::pin!(ring);
        loop {
            tokio::select! {
                () = &mut ring => break,
                state = states.recv() => match state {
                    Some(DialogState::Terminated(..)) | None => {
                        tracing::info!(call = %call_id, "caller gave up before the answer");
                        let _ = tokio::time::timeout(Duration::from_secs(1), invite_task).await;
                        shared.dialogs.remove_dialog(&dialog_id);
                        return;
                    }
                    Some(_) => {}
                },
            }
        }
    }
    let rtp_port = socket.local_addr().map(|a| a.port()).unwrap_or(0);
    let session_id = u64::from(rtp_port) << 32 | u64::from(std::process::id());
    let answer = sdp::answer(&offer, local_ip, rtp_port, session_id, 1);
    if let Err(e) = dialog.accept(Some(sdp_headers()), Some(answer.into_bytes())) {
        tracing::warn!(call = %call_id, error = %e, "cannot answer");
        shared.dialogs.remove_dialog(&dialog_id);
        return;
    }
    tracing::info!(call = %call_id, codec = ?offer.params.codec, dtmf_pt = ?offer.params.dtmf_pt, rtp_port, "call answered");

    let (events_tx, events_rx) = mpsc::channel(EVENT_QUEUE);
    let (commands_tx, mut commands) = mpsc::channel(COMMAND_QUEUE);
    let media_cancel = shared.cancel.child_token();
    let media = RtpSession::start(
        socket,
        offer.params,
        shared.config.jitter_ms,
        events_tx.clone(),
        media_cancel.clone(),
    );
    let mut pending_line = Some(Line {
        transport: Transport::Sip,
        caller_id,
        events: events_rx,
        commands: commands_tx,
    });

    let mut call = Call {
        call_id,
        dialog,
        events: events_tx,
        media: media.control.clone(),
        local_ip,
        rtp_port,
        session_id,
        sdp_version: 1,
        last_answer: offer,
    };
    let mut transfer: Option<tokio::task::JoinHandle<TransferResult>> = None;
    let mut leave_at: Option<tokio::time::Instant> = None;
    // The transferee's final NOTIFY can overtake our reading of the 202.
    let mut refer_finished = false;

    loop {
        let leave = async {
            match leave_at {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        let transfer_done = async {
            match transfer.as_mut() {
                Some(t) => t
                    .await
                    .unwrap_or(TransferResult::Refused("internal".into())),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = shared.cancel.cancelled() => {
                let _ = call.dialog.bye().await;
                break;
            }
            state = states.recv() => {
                let Some(state) = state else { break };
                match state {
                    DialogState::Confirmed(..) => {
                        if let Some(line) = pending_line.take() {
                            (shared.handler)(line);
                        }
                    }
                    DialogState::Terminated(_, reason) => {
                        tracing::info!(call = %call.call_id, ?reason, "call ended");
                        break;
                    }
                    DialogState::Info(_, req, handle) => call.on_info(&req, handle).await,
                    DialogState::Options(_, _, handle) => {
                        let _ = handle.reply(StatusCode::OK).await;
                    }
                    DialogState::Updated(_, req, handle) => call.on_offer(&req, handle).await,
                    DialogState::Notify(_, req, handle) => {
                        let _ = handle.reply(StatusCode::OK).await;
                        // The transferee reports how its new call went; once
                        // it is answered (or failed) we are done either way.
                        let final_status = ReferStatus::parse(&req)
                            .is_some_and(|s| s.status_code.kind() != StatusCodeKind::Provisional);
                        if final_status && leave_at.is_some() {
                            let _ = call.dialog.bye().await;
                            break;
                        }
                        refer_finished |= final_status && transfer.is_some();
                    }
                    DialogState::Refer(_, _, handle) | DialogState::Message(_, _, handle)
                    | DialogState::Publish(_, _, handle) => {
                        let _ = handle.reply(StatusCode::NotImplemented).await;
                    }
                    _ => {}
                }
            }
            cmd = commands.recv(), if pending_line.is_none() => match cmd {
                None => {
                    // The call loop let go of the line: nobody is listening.
                    let _ = call.dialog.bye().await;
                    break;
                }
                Some(LineCommand::Play { id, pcm }) => {
                    let _ = call.media.send(MediaControl::Play { id, pcm }).await;
                }
                Some(LineCommand::Clear) => {
                    let _ = call.media.send(MediaControl::Clear).await;
                }
                Some(LineCommand::Hangup) => {
                    let _ = call.dialog.bye().await;
                    break;
                }
                Some(LineCommand::Transfer { to }) => {
                    if transfer.is_some() || leave_at.is_some() {
                        continue;
                    }
                    let target = refer_target(&to, shared.trunk_domain.as_deref().or(from_host.as_deref()));
                    let dialog = call.dialog.clone();
                    transfer = Some(tokio::spawn(send_refer(dialog, target)));
                }
            },
            result = transfer_done => {
                transfer = None;
                let accepted = result == TransferResult::Accepted;
                let _ = call.events.send(LineEvent::Transfer(result)).await;
                if accepted && refer_finished {
                    let _ = call.dialog.bye().await;
                    break;
                }
                if accepted {
                    leave_at = Some(tokio::time::Instant::now() + NOTIFY_WAIT);
                }
            }
            () = leave => {
                let _ = call.dialog.bye().await;
                break;
            }
        }
    }

    media_cancel.cancel();
    media.join().await;
    // Only a line that was handed over hears about the end.
    if pending_line.is_none() {
        let _ = call.events.send(LineEvent::Closed).await;
    }
    if let Some(t) = transfer {
        t.abort();
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), invite_task).await;
    shared.dialogs.remove_dialog(&dialog_id);
}

struct Call {
    call_id: String,
    dialog: InviteDialog,
    events: mpsc::Sender<LineEvent>,
    media: mpsc::Sender<MediaControl>,
    local_ip: IpAddr,
    rtp_port: u16,
    session_id: u64,
    sdp_version: u64,
    last_answer: Offer,
}

impl Call {
    /// SIP INFO DTMF: `application/dtmf-relay` (`Signal=5`) or `application/dtmf` (`5`).
    async fn on_info(&mut self, req: &Request, handle: TransactionHandle) {
        let content_type = req
            .header_value("Content-Type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let body = String::from_utf8_lossy(&req.body);
        let key = if content_type.starts_with("application/dtmf-relay") {
            body.lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("signal")
                    .then(|| info_key(v.trim()))?
            })
        } else if content_type.starts_with("application/dtmf") {
            info_key(body.trim())
        } else {
            None
        };
        let _ = handle.reply(StatusCode::OK).await;
        if let Some(key) = key {
            let _ = self.events.send(LineEvent::Dtmf(key)).await;
        }
    }

    /// re-INVITE or UPDATE: answer again; media follows a new address.
    async fn on_offer(&mut self, req: &Request, handle: TransactionHandle) {
        let answer = if req.body.is_empty() {
            // No offer in the request: ours goes in the 200, same as before.
            Some(self.last_answer.clone())
        } else {
            match sdp::parse_offer(&String::from_utf8_lossy(&req.body)) {
                Ok(o) => Some(o),
                Err(e) => {
                    tracing::info!(call = %self.call_id, reason = %e, "re-offer refused");
                    None
                }
            }
        };
        let Some(offer) = answer else {
            let _ = handle.reply(StatusCode::NotAcceptableHere).await;
            return;
        };
        self.sdp_version += 1;
        let body = sdp::answer(
            &offer,
            self.local_ip,
            self.rtp_port,
            self.session_id,
            self.sdp_version,
        );
        let _ = handle
            .respond(StatusCode::OK, Some(sdp_headers()), Some(body.into_bytes()))
            .await;
        if offer.params != self.last_answer.params {
            tracing::info!(call = %self.call_id, "media updated by re-offer");
            let _ = self.media.send(MediaControl::Update(offer.params)).await;
        }
        self.last_answer = offer;
    }
}

fn info_key(v: &str) -> Option<char> {
    match v {
        "10" => Some('*'),
        "11" => Some('#'),
        _ => {
            let mut chars = v.chars();
            let c = chars.next()?;
            (chars.next().is_none() && (c.is_ascii_digit() || c == '*' || c == '#')).then_some(c)
        }
    }
}

fn sdp_headers() -> Vec<Header> {
    vec![Header::ContentType("application/sdp".into())]
}

/// `<sip:DIGITS@domain>`: only the digits of the number go into the URI.
fn refer_target(to: &str, domain: Option<&str>) -> String {
    let digits: String = to.chars().filter(char::is_ascii_digit).collect();
    match domain {
        Some(d) => format!("<sip:{digits}@{d}>"),
        None => format!("<sip:{digits}>"),
    }
}

async fn send_refer(dialog: InviteDialog, target: String) -> TransferResult {
    let refer = dialog.refer(rsipstack::sip::ReferTo::new(target), None, None);
    match tokio::time::timeout(REFER_TIMEOUT, refer).await {
        Err(_) => TransferResult::Refused("timeout".into()),
        Ok(Err(e)) => TransferResult::Refused(e.to_string()),
        Ok(Ok(None)) => TransferResult::Refused("no answer".into()),
        Ok(Ok(Some(resp))) => match resp.status_code.kind() {
            StatusCodeKind::Successful => TransferResult::Accepted,
            _ => TransferResult::Refused(format!("{}", u16::from(resp.status_code.clone()))),
        },
    }
}

/// The IP we put in SDP and Contact: the configured public one, the listen
/// IP, or the local address that routes towards the caller's media.
async fn advertised_ip(shared: &Shared, remote: SocketAddr) -> IpAddr {
    if let Some(ip) = shared.public_ip {
        return ip;
    }
    if !shared.listen_ip.is_unspecified() {
        return shared.listen_ip;
    }
    let probe = async {
        let bind: SocketAddr = if remote.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        }
        .parse()
        .ok()?;
        let s = UdpSocket::bind(bind).await.ok()?;
        s.connect(remote).await.ok()?;
        s.local_addr().ok().map(|a| a.ip())
    };
    probe.await.unwrap_or(shared.sip_addr.ip())
}

fn contact_uri(shared: &Shared, ip: IpAddr, tx: &Transaction) -> Option<rsipstack::sip::Uri> {
    let tcp = tx
        .connection
        .as_ref()
        .is_some_and(|c| c.transport() == rsipstack::sip::Transport::Tcp);
    let host = match ip {
        IpAddr::V6(v6) => format!("[{v6}]"),
        IpAddr::V4(v4) => v4.to_string(),
    };
    let uri = format!(
        "sip:madoguchi@{host}:{}{}",
        shared.sip_addr.port(),
        if tcp { ";transport=tcp" } else { "" }
    );
    rsipstack::sip::Uri::try_from(uri.as_str()).ok()
}

/// A socket on the first free port of the RTP range, starting after the
/// last one handed out so that consecutive calls do not reuse a port.
async fn bind_rtp(shared: &Shared) -> Option<UdpSocket> {
    let min = u32::from(shared.config.rtp_port_min);
    let max = u32::from(shared.config.rtp_port_max);
    let span = max - min + 1;
    let bind_ip = shared.listen_ip;
    for _ in 0..span.min(1000) {
        let n = shared.next_rtp.fetch_add(1, Ordering::Relaxed);
        let port = min + (n.wrapping_sub(min)) % span;
        let Ok(port) = u16::try_from(port) else {
            continue;
        };
        if let Ok(s) = UdpSocket::bind(SocketAddr::new(bind_ip, port)).await {
            return Some(s);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_keys() {
        assert_eq!(info_key("5"), Some('5'));
        assert_eq!(info_key("#"), Some('#'));
        assert_eq!(info_key("11"), Some('#'));
        assert_eq!(info_key("55"), None);
    }

    proptest::proptest! {
        /// SIP INFO bodies come from the caller's side: any text gives a
        /// keypad key or none, never a panic.
        #[test]
        fn info_keys_from_any_text_are_keypad_keys(text in proptest::prelude::any::<String>()) {
            if let Some(key) = info_key(&text) {
                proptest::prop_assert!(key.is_ascii_digit() || key == '*' || key == '#');
            }
        }

        #[test]
        fn refer_targets_from_any_text_are_uris(to in proptest::prelude::any::<String>()) {
            let target = refer_target(&to, Some("pbx.example.jp"));
            proptest::prop_assert!(target.starts_with("<sip:") && target.ends_with('>'));
        }
    }

    #[test]
    fn refer_targets_keep_digits_only() {
        assert_eq!(
            refer_target("0586-12-3456", Some("pbx.example.jp")),
            "<sip:0586123456@pbx.example.jp>"
        );
    }
}
