//! Where `--forward-to` relays requests: a plain-HTTP base URL, parsed and checked (a target
//! that leads back to this listener is a forward loop, refused at start).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use http::Uri;

/// Where requests are relayed: a plain-HTTP base URL whose path is prefixed to each request's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardTarget {
    scheme_authority: String,
    base_path: String,
}

impl FromStr for ForwardTarget {
    type Err = String;

    fn from_str(text: &str) -> Result<ForwardTarget, String> {
        let uri: Uri = text
            .trim()
            .parse()
            .map_err(|e| format!("'{text}' is not a URL: {e}"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(format!(
                    "'{text}': https is not supported for forwarding; give the app's plain \
                     http:// address (a tunnel in front of hookscope handles TLS)"
                ));
            }
            _ => {
                return Err(format!(
                    "'{text}' must start with http://, e.g. http://127.0.0.1:3000"
                ));
            }
        }
        let authority = uri
            .authority()
            .filter(|a| !a.host().is_empty())
            .ok_or_else(|| format!("'{text}' has no host, e.g. http://127.0.0.1:3000"))?;
        if authority.as_str().contains('@') {
            return Err(format!(
                "'{text}': a forward target cannot carry a user name or password"
            ));
        }
        // The URI grammar takes any digits as a port (`http` then reports none at all); only 1
        // to 65535 can be connected to.
        let raw = authority.as_str();
        let port = raw
            .rfind(':')
            .filter(|&colon| !raw[colon..].contains(']')) // not inside an IPv6 address
            .map(|colon| &raw[colon + 1..])
            .filter(|port| !port.is_empty());
        if let Some(port) = port
            && !matches!(port.parse::<u16>(), Ok(1..))
        {
            return Err(format!("'{text}': port {port} is not between 1 and 65535"));
        }
        if uri.query().is_some() {
            return Err(format!(
                "'{text}': a forward target cannot have a query string"
            ));
        }
        Ok(ForwardTarget {
            scheme_authority: format!("http://{authority}"),
            base_path: uri.path().trim_end_matches('/').to_owned(),
        })
    }
}

impl fmt::Display for ForwardTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.scheme_authority, self.base_path)
    }
}

impl ForwardTarget {
    /// The URL a request for `path?query` goes to.
    pub fn url_for(&self, path: &str, query: Option<&str>) -> String {
        let mut url = format!("{}{}{}", self.scheme_authority, self.base_path, path);
        if let Some(query) = query {
            url.push('?');
            url.push_str(query);
        }
        url
    }

    pub fn authority(&self) -> &str {
        self.scheme_authority.trim_start_matches("http://")
    }

    /// Whether a request relayed here would reach a listener bound to `local` (whose port is
    /// the real one, not 0): the same port on the bound address, on a name that resolves to it
    /// (`localhost`), or on any address of this machine when the listener is bound to all of
    /// them. A name that does not resolve within a moment is given the benefit of the doubt:
    /// the hop mark still stops a loop.
    pub async fn leads_to(&self, local: SocketAddr) -> bool {
        let Ok(authority) = self.authority().parse::<http::uri::Authority>() else {
            return false;
        };
        let port = authority.port_u16().unwrap_or(80);
        if port != local.port() {
            return false;
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let lookup = tokio::net::lookup_host((host, port));
        match tokio::time::timeout(Duration::from_secs(2), lookup).await {
            Ok(Ok(mut addrs)) => addrs.any(|addr| same_listener(addr.ip(), local.ip())),
            _ => false,
        }
    }
}

/// Whether a connection to `target` reaches a socket bound to `bound` (same port).
fn same_listener(target: IpAddr, bound: IpAddr) -> bool {
    // `::ffff:a.b.c.d` is a.b.c.d; connecting to 0.0.0.0 or :: reaches the loopback address.
    let target = match target.to_canonical() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        other => other,
    };
    let bound = bound.to_canonical();
    if target == bound {
        return true;
    }
    // 0.0.0.0 takes every IPv4 address of this machine; :: every address, IPv4 ones too (a
    // dual-stack socket, Linux's default).
    let all = match bound {
        IpAddr::V4(v4) => v4.is_unspecified() && target.is_ipv4(),
        IpAddr::V6(v6) => v6.is_unspecified(),
    };
    all && (target.is_loopback() || is_local_address(target))
}

/// Whether `ip` is an address of this machine: only those can be bound to.
fn is_local_address(ip: IpAddr) -> bool {
    std::net::UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t: ForwardTarget = "http://127.0.0.1:3000/api/".parse().unwrap();
        assert_eq!(t.to_string(), "http://127.0.0.1:3000/api");
        assert_eq!(
            t.url_for("/hooks/wms", Some("a=1")),
            "http://127.0.0.1:3000/api/hooks/wms?a=1"
        );
        let t: ForwardTarget = "http://localhost:8080".parse().unwrap();
        assert_eq!(t.url_for("/", None), "http://localhost:8080/");
        for bad in [
            "https://x.test",
            "ftp://x",
            "localhost:3000",
            "http://x/?q=1",
            "not a url",
            "http://127.0.0.1:99999",
            "http://127.0.0.1:0",
            "http://:3000",
            "http://user:secret@127.0.0.1:3000",
        ] {
            assert!(bad.parse::<ForwardTarget>().is_err(), "{bad}");
        }
        // One line that names what is wrong.
        let err = "http://127.0.0.1:99999"
            .parse::<ForwardTarget>()
            .unwrap_err();
        assert!(err.contains("port 99999") && err.contains("65535"), "{err}");
        assert!(!err.contains('\n'), "{err}");
        let err = "http://:3000".parse::<ForwardTarget>().unwrap_err();
        assert!(err.contains("no host"), "{err}");
        let t: ForwardTarget = "http://[::1]:3000".parse().unwrap();
        assert_eq!(t.to_string(), "http://[::1]:3000");
    }

    #[tokio::test]
    async fn targets_that_lead_back_to_the_listener() {
        let leads = |target: &str, local: &str| {
            let target: ForwardTarget = target.parse().unwrap();
            let local: SocketAddr = local.parse().unwrap();
            async move { target.leads_to(local).await }
        };
        assert!(leads("http://127.0.0.1:4321", "127.0.0.1:4321").await);
        assert!(leads("http://localhost:4321/app", "127.0.0.1:4321").await);
        assert!(leads("http://0.0.0.0:4321", "127.0.0.1:4321").await);
        assert!(leads("http://[::ffff:127.0.0.1]:4321", "127.0.0.1:4321").await);
        assert!(leads("http://localhost", "127.0.0.1:80").await);
        assert!(!leads("http://127.0.0.1:4322", "127.0.0.1:4321").await);
        assert!(!leads("http://127.0.0.2:4321", "127.0.0.1:4321").await);
        // A wildcard bind takes every local address of its family (`::` takes IPv4 too).
        assert!(leads("http://127.0.0.5:4321", "0.0.0.0:4321").await);
        assert!(!leads("http://[::1]:4321", "0.0.0.0:4321").await);
        assert!(leads("http://127.0.0.1:4321", "[::]:4321").await);
        assert!(leads("http://[::1]:4321", "[::]:4321").await);
        // An address kept for documentation (TEST-NET-2), not one of this machine's.
        assert!(!leads("http://198.51.100.77:4321", "0.0.0.0:4321").await);
    }
}
