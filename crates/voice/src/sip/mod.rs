//! The SIP endpoint: answers calls from a PBX, trunk or softphone and turns
//! each into a [`Line`](crate::line::Line). The only module that sees SIP
//! types (rsipstack); media runs in [`crate::media::rtp`].
//!
//! One UDP socket and one TCP listener on `listen`; every INVITE to any user
//! at that address is answered with G.711 (PCMU or PCMA, the caller's
//! preference), telephone-event on whatever dynamic type was offered.

mod allow;
mod call;
pub mod sdp;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rsipstack::dialog::DialogId;
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::Dialog;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::registration::{RefreshOutcome, Registration};
use rsipstack::sip::{Method, StatusCode};
use rsipstack::transaction::Transaction;
use rsipstack::transport::TransportLayer;
use rsipstack::transport::tcp_listener::TcpListenerConnection;
use rsipstack::transport::udp::UdpConnection;
use rsipstack::{EndpointBuilder, transaction::endpoint::EndpointInnerRef};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::line::LineHandler;
use allow::AllowList;

/// Add to the binary's default log filter: rsipstack logs every SIP message
/// in full (From headers hold callers' numbers) at info level.
pub const LOG_FILTER: &str = "rsipstack=warn";

/// `[sip]` settings.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SipConfig {
    pub enabled: bool,
    /// UDP and TCP on this address.
    pub listen: String,
    /// Host or IP put in Contact and SDP. Default: the listen IP, or when
    /// that is 0.0.0.0, the local address that routes to the caller.
    pub public_address: Option<String>,
    pub rtp_port_min: u16,
    pub rtp_port_max: u16,
    /// Jitter buffer depth for the caller's audio, in ms.
    pub jitter_ms: u32,
    /// Ring this long (180 Ringing) before answering; 0 answers at once.
    pub ring_ms: u32,
    /// Registrar or trunk to register with, e.g. `sip:pbx.example.jp`.
    pub register_uri: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub realm: Option<String>,
    /// Registration lifetime asked for, in seconds (refreshed at 75 %).
    pub expires: u32,
    /// Addresses (`10.0.0.5`) and networks (`10.0.0.0/24`) that may send
    /// SIP requests: the PBX, trunk or SIP proxy. Others get 403. The
    /// registrar of `register_uri` is added. Default: loopback only. In
    /// the environment, a comma-separated list.
    #[serde(deserialize_with = "list_or_text")]
    pub allow_from: Vec<String>,
}

/// A list, or one text of comma-separated entries (an environment variable).
fn list_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrText {
        List(Vec<String>),
        Text(String),
    }
    Ok(match ListOrText::deserialize(d)? {
        ListOrText::List(list) => list,
        ListOrText::Text(text) => text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

impl Default for SipConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: "0.0.0.0:5060".into(),
            public_address: None,
            rtp_port_min: 20000,
            rtp_port_max: 20999,
            jitter_ms: 60,
            ring_ms: 0,
            register_uri: None,
            username: None,
            password: None,
            realm: None,
            expires: 300,
            allow_from: vec!["127.0.0.0/8".into(), "::1".into()],
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error("bad SIP setting {0}: {1}")]
    Config(&'static str, String),
    #[error("cannot open the SIP port: {0}")]
    Bind(String),
    #[error("SIP stack: {0}")]
    Stack(String),
}

impl From<rsipstack::Error> for SipError {
    fn from(e: rsipstack::Error) -> Self {
        SipError::Stack(e.to_string())
    }
}

/// Shared by every call.
pub(crate) struct Shared {
    pub config: SipConfig,
    pub handler: LineHandler,
    pub dialogs: Arc<DialogLayer>,
    /// Our SIP address (the real port when `listen` asked for 0).
    pub sip_addr: SocketAddr,
    /// The configured listen IP, possibly 0.0.0.0.
    pub listen_ip: IpAddr,
    /// `public_address` resolved to an IP, if set.
    pub public_ip: Option<IpAddr>,
    /// Domain for REFER targets when registered to a trunk.
    pub trunk_domain: Option<String>,
    pub cancel: CancellationToken,
    /// Next RTP port to try, wrapping within the configured range.
    pub next_rtp: std::sync::atomic::AtomicU32,
    /// Who may send requests (`allow_from` and the registrar).
    allow: AllowList,
}

/// A running SIP endpoint. Dropping it stops everything at once;
/// [`SipEndpoint::shutdown`] hangs up the calls first.
pub struct SipEndpoint {
    local_addr: SocketAddr,
    cancel: CancellationToken,
    /// The SIP stack's own token (transports, transactions), cancelled last.
    stack_cancel: CancellationToken,
    calls: TaskTracker,
}

impl std::fmt::Debug for SipEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipEndpoint")
            .field("local_addr", &self.local_addr)
            .finish()
    }
}

impl SipEndpoint {
    pub async fn start(config: SipConfig, handler: LineHandler) -> Result<SipEndpoint, SipError> {
        let listen: SocketAddr = config
            .listen
            .parse()
            .map_err(|e| SipError::Config("listen", format!("{e}")))?;
        if config.rtp_port_min == 0 || config.rtp_port_max < config.rtp_port_min {
            return Err(SipError::Config(
                "rtp_port_min/rtp_port_max",
                "need 0 < min <= max".into(),
            ));
        }
        let public_ip = match &config.public_address {
            None => None,
            Some(host) => Some(resolve_host(host, "public_address").await?),
        };
        let mut allow = AllowList::parse(&config.allow_from)?;
        let trunk_domain = match &config.register_uri {
            None => None,
            Some(uri) => {
                let host = rsipstack::sip::Uri::try_from(uri.as_str())
                    .map_err(|e| SipError::Config("register_uri", e.to_string()))?
                    .host_with_port;
                // The trunk we register with calls us from its own address.
                match resolve_host(&host.host.to_string(), "register_uri").await {
                    Ok(ip) => allow.add_host(ip),
                    Err(e) => {
                        tracing::warn!(error = %e, "the registrar is not in [sip] allow_from: its address did not resolve")
                    }
                }
                Some(host.to_string())
            }
        };
        if allow.loopback_only() && !listen.ip().is_loopback() {
            tracing::warn!(
                listen = %listen,
                "[sip] allow_from admits loopback only: requests from the network get 403 (list the PBX or trunk there)"
            );
        }

        let stack_cancel = CancellationToken::new();
        let transport = TransportLayer::new(stack_cancel.clone());
        // Behind NAT the stack writes the public address into Via/Contact.
        let external = match public_ip {
            Some(ip) if listen.port() != 0 => Some(SocketAddr::new(ip, listen.port())),
            _ => None,
        };
        let udp =
            UdpConnection::create_connection(listen, external, Some(stack_cancel.child_token()))
                .await
                .map_err(|e| SipError::Bind(e.to_string()))?;
        let sip_addr = match external {
            Some(_) => listen,
            None => udp
                .get_addr()
                .get_socketaddr()
                .map_err(|e| SipError::Bind(e.to_string()))?,
        };
        transport.add_transport(udp.into());
        // TCP on the same port as UDP (the real one when listen asked for 0).
        let tcp =
            TcpListenerConnection::new(SocketAddr::new(listen.ip(), sip_addr.port()), external)
                .await
                .map_err(|e| SipError::Bind(e.to_string()))?;
        transport.add_transport(tcp.into());

        let endpoint = EndpointBuilder::new()
            .with_user_agent("Madoguchi")
            .with_cancel_token(stack_cancel.clone())
            .with_transport_layer(transport)
            .build();
        let incoming = endpoint.incoming_transactions()?;
        let dialogs = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let inner = endpoint.inner.clone();
        tokio::spawn(async move { endpoint.serve().await });

        let cancel = CancellationToken::new();
        let shared = Arc::new(Shared {
            next_rtp: std::sync::atomic::AtomicU32::new(u32::from(config.rtp_port_min)),
            config,
            handler,
            dialogs,
            sip_addr,
            listen_ip: listen.ip(),
            public_ip,
            trunk_domain,
            cancel: cancel.clone(),
            allow,
        });
        let calls = TaskTracker::new();
        if shared.config.register_uri.is_some() {
            tokio::spawn(register_loop(shared.clone(), inner.clone()));
        }
        tokio::spawn(serve(shared, incoming, calls.clone()));
        tracing::info!(addr = %sip_addr, "SIP endpoint listening (UDP and TCP)");
        Ok(SipEndpoint {
            local_addr: sip_addr,
            cancel,
            stack_cancel,
            calls,
        })
    }

    /// The bound SIP address (UDP and TCP).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Hang up every call (BYE), wait for them to end (at most a few
    /// seconds), then close the ports.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        self.calls.close();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.calls.wait()).await;
        self.stack_cancel.cancel();
    }
}

impl Drop for SipEndpoint {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.stack_cancel.cancel();
    }
}

async fn resolve_host(host: &str, setting: &'static str) -> Result<IpAddr, SipError> {
    // `[::1]` as written in a URI.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse() {
        return Ok(ip);
    }
    tokio::net::lookup_host((host, 0))
        .await
        .map_err(|e| SipError::Config(setting, e.to_string()))?
        .next()
        .map(|a| a.ip())
        .ok_or_else(|| SipError::Config(setting, "no address".into()))
}

/// Hand each incoming transaction to its dialog, or start a call.
async fn serve(
    shared: Arc<Shared>,
    mut incoming: rsipstack::transaction::TransactionReceiver,
    calls: TaskTracker,
) {
    loop {
        let tx = tokio::select! {
            () = shared.cancel.cancelled() => break,
            tx = incoming.recv() => match tx {
                Some(tx) => tx,
                None => break,
            },
        };
        if !allowed(&shared.allow, &tx) {
            // ACKs get no answer; the ACK of our 403 ends in the stack.
            if tx.original.method != Method::Ack {
                tokio::spawn(reply(tx, StatusCode::Forbidden));
            }
            continue;
        }
        let in_dialog = DialogId::try_from(&tx).is_ok_and(|id| !id.local_tag.is_empty());
        if in_dialog {
            match shared.dialogs.match_dialog(&tx) {
                Some(dialog) => {
                    tokio::spawn(handle_in_dialog(dialog, tx));
                }
                None => {
                    tokio::spawn(reply(tx, StatusCode::CallTransactionDoesNotExist));
                }
            }
            continue;
        }
        match tx.original.method {
            Method::Invite => {
                calls.spawn(call::run(shared.clone(), tx));
            }
            Method::Options => {
                tokio::spawn(reply(tx, StatusCode::OK));
            }
            Method::Ack => {}
            Method::Bye | Method::Cancel | Method::Info => {
                tokio::spawn(reply(tx, StatusCode::CallTransactionDoesNotExist));
            }
            _ => {
                tokio::spawn(reply(tx, StatusCode::MethodNotAllowed));
            }
        }
    }
}

/// Whether the request's source is allowed; a refusal is logged with the
/// address and method only (never the From header: a caller's number).
fn allowed(allow: &AllowList, tx: &Transaction) -> bool {
    let source = allow::request_source(&tx.original);
    if source.is_some_and(|ip| allow.allows(ip)) {
        return true;
    }
    let source = source.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    tracing::info!(%source, method = %tx.original.method, "SIP request from a source not in [sip] allow_from: 403");
    false
}

async fn handle_in_dialog(mut dialog: Dialog, mut tx: Transaction) {
    if let Err(e) = dialog.handle(&mut tx).await {
        tracing::debug!(error = %e, "in-dialog request failed");
    }
}

async fn reply(mut tx: Transaction, status: StatusCode) {
    if let Err(e) = tx.reply(status).await {
        tracing::debug!(error = %e, "reply failed");
    }
}

/// REGISTER with digest auth, refreshed at 75 % of the granted expiry.
async fn register_loop(shared: Arc<Shared>, endpoint: EndpointInnerRef) {
    let config = &shared.config;
    let Some(uri) = config.register_uri.as_deref() else {
        return;
    };
    let server = match rsipstack::sip::Uri::try_from(uri) {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(error = %e, "register_uri is not a SIP URI");
            return;
        }
    };
    let credential = config.username.as_ref().map(|username| Credential {
        username: username.clone(),
        password: config.password.clone().unwrap_or_default(),
        realm: config.realm.clone(),
        ..Default::default()
    });
    let mut registration = Registration::new(endpoint, credential);
    registration
        .keep_alive(
            server.clone(),
            config.expires,
            shared.cancel.child_token(),
            |outcome| match outcome {
                RefreshOutcome::Registered(_) => tracing::info!("SIP registration ok"),
                RefreshOutcome::Rejected(r) => {
                    tracing::warn!(status = %r.status_code, "SIP registration refused")
                }
                RefreshOutcome::Failed(e) => tracing::warn!(error = %e, "SIP registration failed"),
            },
        )
        .await;
    // Unregister on the way out (best effort, short).
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        registration.register(server, Some(0)),
    )
    .await;
}
