//! Who may talk SIP to us (`[sip] allow_from`): the PBX, the trunk or the
//! SIP proxy, by address or network. Anyone else gets 403 Forbidden, so a
//! scanner on the internet cannot ring the agent or probe it.

use std::net::IpAddr;

use ipnet::IpNet;
use rsipstack::sip::prelude::{HeadersExt, ToTypedHeader};
use rsipstack::sip::{Host, Request};

use super::SipError;

/// Addresses and networks allowed to send requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AllowList(Vec<IpNet>);

impl AllowList {
    /// Entries are an address (`10.0.0.5`, `::1`) or a network in CIDR
    /// notation (`10.0.0.0/24`).
    pub fn parse(entries: &[String]) -> Result<AllowList, SipError> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        SipError::Config(
                            "allow_from",
                            format!("{entry:?} is neither an address nor a network"),
                        )
                    })
            })
            .collect::<Result<_, _>>()
            .map(AllowList)
    }

    /// Also allow one host (the registrar we register with).
    pub fn add_host(&mut self, ip: IpAddr) {
        self.0.push(IpNet::from(ip));
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        // An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Whether only loopback addresses are allowed (worth a warning when
    /// the endpoint listens on the network).
    pub fn loopback_only(&self) -> bool {
        self.0.iter().all(|net| net.network().is_loopback())
    }
}

/// The address a request came from. The transport writes the real source
/// into the top Via as `received` whenever it differs from what the sender
/// claimed (RFC 3261 §18.2.1; a `received` the sender wrote itself is
/// replaced), so this is the Via's `received`, or its host when that is the
/// source already. `None` (refused) when neither is an address.
pub(crate) fn request_source(request: &Request) -> Option<IpAddr> {
    let via = request.via_header().ok()?.typed().ok()?;
    if let Some(received) = via.received() {
        return received.ok();
    }
    match via.uri.host_with_port.host {
        Host::IpAddr(ip) => Some(ip),
        Host::Domain(_) => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn list(entries: &[&str]) -> AllowList {
        AllowList::parse(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn addresses_and_networks_both_v4_and_v6() {
        let allow = list(&["10.0.0.5", "192.168.10.0/24", "2001:db8::/32", " ::1 "]);
        for ok in ["10.0.0.5", "192.168.10.200", "2001:db8::7", "::1"] {
            assert!(allow.allows(ok.parse().unwrap()), "{ok}");
        }
        for no in ["10.0.0.6", "192.168.11.1", "2001:db9::1", "127.0.0.1"] {
            assert!(!allow.allows(no.parse().unwrap()), "{no}");
        }
    }

    #[test]
    fn v4_mapped_v6_peers_match_v4_entries() {
        let allow = list(&["10.0.0.0/8"]);
        assert!(allow.allows("::ffff:10.1.2.3".parse().unwrap()));
        assert!(!allow.allows("::ffff:11.1.2.3".parse().unwrap()));
    }

    #[test]
    fn a_typo_is_a_setting_error() {
        for bad in ["10.0.0", "pbx.example.jp", "10.0.0.0/33", ""] {
            let err = AllowList::parse(&[bad.to_string()]).unwrap_err();
            assert!(err.to_string().contains("allow_from"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_default_is_loopback_only_and_an_added_host_counts() {
        let mut allow = AllowList::parse(&super::super::SipConfig::default().allow_from).unwrap();
        assert!(allow.loopback_only());
        assert!(allow.allows("127.0.0.1".parse().unwrap()));
        assert!(allow.allows("::1".parse().unwrap()));
        assert!(!allow.allows("192.0.2.10".parse().unwrap()));
        allow.add_host("192.0.2.10".parse().unwrap());
        assert!(allow.allows("192.0.2.10".parse().unwrap()));
        assert!(!allow.loopback_only());
    }

    fn request(via: &str) -> Request {
        let text = format!(
            "OPTIONS sip:madoguchi@127.0.0.1 SIP/2.0\r\nVia: {via}\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        );
        Request::try_from(text.as_str()).unwrap()
    }

    #[test]
    fn the_source_is_received_when_present_else_the_via_host() {
        let r = request("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1");
        assert_eq!(request_source(&r), Some("10.0.0.5".parse().unwrap()));
        let r = request("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=203.0.113.9");
        assert_eq!(request_source(&r), Some("203.0.113.9".parse().unwrap()));
        let r = request("SIP/2.0/UDP pbx.example.jp;branch=z9hG4bK1");
        assert_eq!(request_source(&r), None);
    }
}
