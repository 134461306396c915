//! The summary printed once the service listens: where residents, staff
//! and callers reach it. Printed last, on standard output, so that it is
//! not lost among the log lines (standard error).

use madoguchi_voice::sip::SipConfig;
use std::net::{IpAddr, SocketAddr};

/// The staff account an operator signs in with.
pub enum AdminAccount {
    /// Made by `serve --demo` just now; its password is shown once.
    DemoCreated { user: String, password: String },
    /// An administrator exists already.
    Exists,
    /// None yet (not a demo).
    Missing,
}

/// How the phone will answer, as far as start-up knows.
pub enum PhoneState {
    /// `[voice] enabled = false`.
    Off,
    /// Engines loading; the SIP endpoint follows unless `[sip] enabled = false`.
    Starting { sip: Option<String> },
}

/// `sip:yoyaku@HOST:PORT` for the SIP settings in use.
pub fn sip_uri(sip: &SipConfig) -> String {
    let listen: Option<SocketAddr> = sip.listen.parse().ok();
    let port = listen.map_or(5060, |a| a.port());
    let host = match (&sip.public_address, listen.map(|a| a.ip())) {
        (Some(public), _) => public.clone(),
        (None, Some(ip)) if !ip.is_unspecified() => bracketed(ip),
        _ => "<this machine's address>".to_owned(),
    };
    format!("sip:yoyaku@{host}:{port}")
}

fn bracketed(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// The summary block.
pub fn summary(
    web: SocketAddr,
    admin: &AdminAccount,
    phone: &PhoneState,
    metrics: Option<SocketAddr>,
) -> String {
    let host = if web.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        bracketed(web.ip())
    };
    let base = format!("http://{host}:{}", web.port());
    let mut out = String::new();
    let rule = "-".repeat(72);
    out.push_str(&format!("{rule}\nMadoguchi is running.\n"));
    out.push_str(&format!("  Residents (citizen pages):  {base}/\n"));
    out.push_str(&format!("  Staff (admin console):      {base}/admin\n"));
    match admin {
        AdminAccount::DemoCreated { user, password } => {
            out.push_str(&format!(
                "    sign in as {user}; shown only now, so note it down:\n    demo admin: user={user} password={password}\n"
            ));
        }
        AdminAccount::Exists => out.push_str(
            "    sign in with a staff account (the demo's is \"admin\", its password printed at its first start;\n    new one: madoguchi admin set-password admin)\n",
        ),
        AdminAccount::Missing => out.push_str(
            "    no administrator yet: madoguchi admin create-user --role admin NAME\n",
        ),
    }
    match phone {
        PhoneState::Off => out.push_str("  Phone:                      off ([voice] enabled = false)\n"),
        PhoneState::Starting { sip: Some(uri) } => out.push_str(&format!(
            "  Phone (SIP, G.711):         {uri}\n    the speech engines are loading; \"phone ready\" is printed when calls are answered\n"
        )),
        PhoneState::Starting { sip: None } => out.push_str(
            "  Phone:                      Twilio media streams only ([sip] enabled = false)\n",
        ),
    }
    if let Some(metrics) = metrics {
        out.push_str(&format!(
            "  Metrics (Prometheus):       http://{}:{}/metrics\n",
            bracketed(metrics.ip()),
            metrics.port()
        ));
    }
    if web.ip().is_unspecified() {
        out.push_str("  Listening on every address of this machine.\n");
    }
    out.push_str("  Stop with Ctrl+C.\n");
    out.push_str(&rule);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_summary_names_every_entrance() {
        let sip = SipConfig {
            listen: "127.0.0.1:5060".to_owned(),
            ..SipConfig::default()
        };
        let text = summary(
            "127.0.0.1:8080".parse().unwrap(),
            &AdminAccount::DemoCreated {
                user: "admin".to_owned(),
                password: "0123abcd".to_owned(),
            },
            &PhoneState::Starting {
                sip: Some(sip_uri(&sip)),
            },
            Some("127.0.0.1:9090".parse().unwrap()),
        );
        assert!(text.contains("http://127.0.0.1:8080/\n"), "{text}");
        assert!(text.contains("http://127.0.0.1:8080/admin\n"), "{text}");
        // Tools read this line as it always was.
        assert!(
            text.contains("\n    demo admin: user=admin password=0123abcd\n"),
            "{text}"
        );
        assert!(text.contains("sip:yoyaku@127.0.0.1:5060\n"), "{text}");
        assert!(text.contains("phone ready"), "{text}");
        assert!(
            text.contains("Metrics (Prometheus):       http://127.0.0.1:9090/metrics\n"),
            "{text}"
        );
    }

    #[test]
    fn a_sip_uri_names_a_host_that_can_be_called() {
        let mut sip = SipConfig {
            listen: "0.0.0.0:5070".to_owned(),
            ..SipConfig::default()
        };
        assert_eq!(sip_uri(&sip), "sip:yoyaku@<this machine's address>:5070");
        sip.public_address = Some("203.0.113.10".to_owned());
        assert_eq!(sip_uri(&sip), "sip:yoyaku@203.0.113.10:5070");
        sip.public_address = None;
        sip.listen = "[::1]:5060".to_owned();
        assert_eq!(sip_uri(&sip), "sip:yoyaku@[::1]:5060");
    }
}
