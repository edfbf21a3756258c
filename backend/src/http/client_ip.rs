//! The client address a request is believed to come from: the TCP peer, or, when the peer is
//! one of `GUARDIA_TRUSTED_PROXIES`, the right-most untrusted address of `X-Forwarded-For`.
//! Left-hand entries of that header are whatever the client wrote, so only the part the
//! trusted proxies appended is believed.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use super::AppState;

/// `GUARDIA_TRUSTED_PROXIES`: the reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and networks (`10.0.0.5, 10.1.0.0/16, ::1`).
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| {
                        format!(
                            "GUARDIA_TRUSTED_PROXIES: '{entry}' is neither an IP address nor a network like 10.0.0.0/8"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The believed client address of a request from `peer` with these headers.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        // Several header lines form one list, in order.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|hop| !hop.is_empty())
            .collect();
        let mut believed = peer;
        for hop in hops.iter().rev() {
            // An unreadable entry was not written by a trusted proxy: stop at the last good one.
            let Some(ip) = parse_hop(hop) else { break };
            believed = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        believed
    }
}

/// One `X-Forwarded-For` entry: an address, optionally with a port (`1.2.3.4:80`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse().ok())
        })
        .map(canonical)
}

/// An IPv4 client reached over an IPv6 socket shows as `::ffff:a.b.c.d`: one client, one key.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Extracts the believed client address (the peer's port is kept; only the address matters).
pub struct ClientAddr(pub SocketAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = <ConnectInfo<SocketAddr> as FromRequestParts<AppState>>::Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ConnectInfo(peer) = ConnectInfo::<SocketAddr>::from_request_parts(parts, state).await?;
        let ip = state.trusted_proxies.client_ip(peer.ip(), &parts.headers);
        Ok(ClientAddr(SocketAddr::new(ip, peer.port())))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).expect("ascii"));
        }
        headers
    }

    #[test]
    fn parses_addresses_and_networks() {
        let proxies = TrustedProxies::parse(" 10.0.0.5, 10.1.2.3/16 ,::1,").expect("parses");
        assert!(proxies.trusts(ip("10.0.0.5")));
        assert!(
            proxies.trusts(ip("10.1.200.1")),
            "the network, not just the address given"
        );
        assert!(proxies.trusts(ip("::1")));
        assert!(!proxies.trusts(ip("10.0.0.6")));
        assert_eq!(
            TrustedProxies::parse("").expect("empty"),
            TrustedProxies::default()
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.example").is_err());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let proxies = TrustedProxies::parse("10.0.0.5").expect("parses");
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            proxies.client_ip(ip("198.51.100.1"), &headers),
            ip("198.51.100.1")
        );
        let nobody = TrustedProxies::default();
        assert_eq!(nobody.client_ip(ip("127.0.0.1"), &headers), ip("127.0.0.1"));
    }

    #[test]
    fn a_trusted_peer_is_believed_up_to_the_first_untrusted_hop() {
        let proxies = TrustedProxies::parse("10.0.0.0/24, 127.0.0.1").expect("parses");
        // The client forged the left-most entry; the proxies appended the rest.
        let headers = forwarded(&["1.1.1.1, 203.0.113.9", "10.0.0.7"]);
        assert_eq!(proxies.client_ip(ip("10.0.0.5"), &headers), ip("203.0.113.9"));
        assert_eq!(
            proxies.client_ip(ip("::ffff:127.0.0.1"), &forwarded(&["[2001:db8::1]:443"])),
            ip("2001:db8::1")
        );
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), &forwarded(&["203.0.113.9:5000"])),
            ip("203.0.113.9")
        );
        // Nothing forwarded, or nothing readable: the proxy itself.
        assert_eq!(
            proxies.client_ip(ip("10.0.0.5"), &HeaderMap::new()),
            ip("10.0.0.5")
        );
        assert_eq!(
            proxies.client_ip(ip("10.0.0.5"), &forwarded(&["garbage"])),
            ip("10.0.0.5")
        );
        // Only trusted hops: the left-most one is as far as anyone can tell.
        assert_eq!(
            proxies.client_ip(ip("10.0.0.5"), &forwarded(&["10.0.0.9, 10.0.0.8"])),
            ip("10.0.0.9")
        );
    }
}
