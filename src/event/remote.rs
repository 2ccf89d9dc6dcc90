//! The address a request came from, without a heap allocation in the common case.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where a request came from, written as `127.0.0.1:54321` or `[::1]:54321`. An IPv4 socket
/// address (most senders, and every loopback test) is held in place; anything else — IPv6, or
/// whatever text an imported file had — as its text, so that it is written back exactly.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum RemoteAddr {
    V4 { ip: Ipv4Addr, port: u16 },
    Text(Box<str>),
}

impl RemoteAddr {
    /// The socket address, when the text is one (imported files may hold anything).
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        match self {
            RemoteAddr::V4 { ip, port } => Some(SocketAddr::V4(SocketAddrV4::new(*ip, *port))),
            RemoteAddr::Text(text) => text.parse().ok(),
        }
    }
}

impl From<SocketAddr> for RemoteAddr {
    fn from(addr: SocketAddr) -> RemoteAddr {
        match addr {
            SocketAddr::V4(v4) => RemoteAddr::V4 {
                ip: *v4.ip(),
                port: v4.port(),
            },
            SocketAddr::V6(v6) => RemoteAddr::Text(v6.to_string().into()),
        }
    }
}

impl From<&str> for RemoteAddr {
    /// Held in place only when writing it back gives the same text.
    fn from(text: &str) -> RemoteAddr {
        if let Ok(v4) = text.parse::<SocketAddrV4>() {
            let addr = RemoteAddr::V4 {
                ip: *v4.ip(),
                port: v4.port(),
            };
            if addr.to_string() == text {
                return addr;
            }
        }
        RemoteAddr::Text(text.into())
    }
}

impl From<String> for RemoteAddr {
    fn from(text: String) -> RemoteAddr {
        RemoteAddr::from(text.as_str())
    }
}

impl fmt::Display for RemoteAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteAddr::V4 { ip, port } => write!(f, "{ip}:{port}"),
            RemoteAddr::Text(text) => f.write_str(text),
        }
    }
}

impl fmt::Debug for RemoteAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl Serialize for RemoteAddr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RemoteAddr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(RemoteAddr::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_is_held_in_place_and_costs_no_more_than_a_string() {
        let addr = RemoteAddr::from(SocketAddr::from(([127, 0, 0, 1], 54321)));
        assert!(matches!(addr, RemoteAddr::V4 { .. }));
        assert_eq!(addr.to_string(), "127.0.0.1:54321");
        assert_eq!(RemoteAddr::from("127.0.0.1:54321"), addr);
        assert_eq!(std::mem::size_of::<RemoteAddr>(), 16);
    }

    #[test]
    fn ipv6_is_written_with_brackets() {
        let loopback: SocketAddr = "[::1]:8080".parse().unwrap();
        let addr = RemoteAddr::from(loopback);
        assert_eq!(addr.to_string(), "[::1]:8080");
        assert_eq!(addr.socket_addr(), Some(loopback));
        let scoped: SocketAddr = "[fe80::1%2]:443".parse().unwrap();
        assert_eq!(RemoteAddr::from(scoped).to_string(), "[fe80::1%2]:443");
        assert_eq!(RemoteAddr::from("[::1]:8080"), addr);
    }

    #[test]
    fn any_text_is_written_back_as_it_was() {
        for text in [
            "127.0.0.1:54321",
            "[::ffff:127.0.0.1]:80",
            "127.0.0.1",
            "127.0.0.01:80",
            "127.0.0.1:080",
            "",
            "replayed from a file",
            "localhost:80",
        ] {
            let addr = RemoteAddr::from(text);
            assert_eq!(addr.to_string(), text);
            let json = serde_json::to_string(&addr).unwrap();
            assert_eq!(json, serde_json::to_string(text).unwrap());
            assert_eq!(serde_json::from_str::<RemoteAddr>(&json).unwrap(), addr);
        }
        assert_eq!(
            format!("{:?}", RemoteAddr::from("10.0.0.1:1")),
            r#""10.0.0.1:1""#
        );
    }
}
