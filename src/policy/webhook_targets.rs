//! Which addresses a webhook may reach. An agency admin chooses the URL, so without a rule the
//! hub would knock on any door it can reach — the cloud metadata service (169.254.169.254),
//! its own loopback, the intranet behind it — and hand back status codes and errors (SSRF).
//! Refused: loopback, link-local, unspecified, multicast, broadcast, private (RFC 1918, ULA),
//! shared (CGNAT), documentation, benchmarking and reserved addresses, IPv4 inside IPv6
//! judged as the IPv4 it carries. The operator opens networks explicitly
//! (`webhook_allow_networks`) and loopback for tests (`webhook_allow_loopback`). Checked when
//! a URL is set and again on every address the sender connects to (DNS may change).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

#[derive(Debug, Clone, Default)]
pub struct TargetRules {
    pub allow_loopback: bool,
    pub allow_networks: Vec<IpNet>,
}

impl TargetRules {
    /// From the settings; a malformed network names itself.
    pub fn from_settings(s: &crate::config::Settings) -> Result<TargetRules, String> {
        let mut allow_networks = Vec::new();
        for part in s.webhook_allow_networks.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let net = part
                .parse::<IpNet>()
                .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("webhook_allow_networks 中的“{part}”不是有效的网段(如 10.20.0.0/16)"))?;
            allow_networks.push(net);
        }
        Ok(TargetRules { allow_loopback: s.webhook_allow_loopback, allow_networks })
    }

    /// `Ok` if a webhook may connect to `ip`, else the Chinese reason.
    pub fn check(&self, ip: IpAddr) -> Result<(), &'static str> {
        if self.allow_networks.iter().any(|n| n.contains(&ip)) {
            return Ok(());
        }
        match classify(ip) {
            None => Ok(()),
            Some(Class::Loopback) if self.allow_loopback => Ok(()),
            Some(c) => Err(c.reason()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Loopback,
    LinkLocal,
    Unspecified,
    Multicast,
    Private,
    Reserved,
}

impl Class {
    pub fn reason(self) -> &'static str {
        match self {
            Class::Loopback => "不允许回调到本机回环地址",
            Class::LinkLocal => "不允许回调到链路本地地址(如 169.254.169.254)",
            Class::Unspecified => "不允许回调到未指定地址",
            Class::Multicast => "不允许回调到组播或广播地址",
            Class::Private => "不允许回调到内网地址(如需允许,请平台运维在 webhook_allow_networks 中登记该网段)",
            Class::Reserved => "不允许回调到保留或特殊用途地址",
        }
    }
}

/// The kind of a refused address, or `None` for a public one.
pub fn classify(ip: IpAddr) -> Option<Class> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<Class> {
    let o = ip.octets();
    Some(if ip.is_loopback() {
        Class::Loopback
    } else if ip.is_unspecified() || o[0] == 0 {
        Class::Unspecified
    } else if ip.is_link_local() {
        Class::LinkLocal
    } else if ip.is_multicast() || ip.is_broadcast() {
        Class::Multicast
    } else if ip.is_private() || (o[0] == 100 && (o[1] & 0xC0) == 64) {
        // RFC 1918 and the shared (CGNAT) 100.64.0.0/10.
        Class::Private
    } else if matches!((o[0], o[1], o[2]), (192, 0, 2) | (198, 51, 100) | (203, 0, 113) | (192, 0, 0))
        || o[0] >= 240
        || (o[0] == 198 && (o[1] & 0xFE) == 18)
    {
        // Documentation, IETF protocol assignments, reserved, benchmarking.
        Class::Reserved
    } else {
        return None;
    })
}

fn classify_v6(ip: Ipv6Addr) -> Option<Class> {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    // NAT64 (64:ff9b::/96) reaches the IPv4 address it carries.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return classify_v4(v4);
    }
    Some(if ip.is_loopback() {
        Class::Loopback
    } else if ip.is_unspecified() {
        Class::Unspecified
    } else if (s[0] & 0xffc0) == 0xfe80 || (s[0] & 0xffc0) == 0xfec0 {
        Class::LinkLocal
    } else if ip.is_multicast() {
        Class::Multicast
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Class::Private
    } else if (s[0] == 0x2001 && s[1] == 0x0db8) || s[0] == 0 {
        // Documentation, and the rest of ::/16 (IPv4-compatible, discard…).
        Class::Reserved
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(loopback: bool, nets: &str) -> TargetRules {
        let s = crate::config::Settings {
            webhook_allow_loopback: loopback,
            webhook_allow_networks: nets.into(),
            ..Default::default()
        };
        TargetRules::from_settings(&s).unwrap()
    }

    #[test]
    fn special_addresses_are_refused_and_public_ones_pass() {
        let table: &[(&str, Option<Class>)] = &[
            ("127.0.0.1", Some(Class::Loopback)),
            ("127.8.9.1", Some(Class::Loopback)),
            ("::1", Some(Class::Loopback)),
            ("::ffff:127.0.0.1", Some(Class::Loopback)),
            ("169.254.169.254", Some(Class::LinkLocal)),
            ("fe80::1", Some(Class::LinkLocal)),
            ("::ffff:169.254.169.254", Some(Class::LinkLocal)),
            ("64:ff9b::a9fe:a9fe", Some(Class::LinkLocal)),
            ("0.0.0.0", Some(Class::Unspecified)),
            ("0.1.2.3", Some(Class::Unspecified)),
            ("::", Some(Class::Unspecified)),
            ("224.0.0.1", Some(Class::Multicast)),
            ("255.255.255.255", Some(Class::Multicast)),
            ("ff02::1", Some(Class::Multicast)),
            ("10.1.2.3", Some(Class::Private)),
            ("172.16.0.1", Some(Class::Private)),
            ("172.31.255.255", Some(Class::Private)),
            ("192.168.1.1", Some(Class::Private)),
            ("100.64.0.1", Some(Class::Private)),
            ("fd00::1", Some(Class::Private)),
            ("192.0.2.1", Some(Class::Reserved)),
            ("198.18.0.1", Some(Class::Reserved)),
            ("240.0.0.1", Some(Class::Reserved)),
            ("2001:db8::1", Some(Class::Reserved)),
            ("8.8.8.8", None),
            ("172.32.0.1", None),
            ("100.128.0.1", None),
            ("2400:3200::1", None),
            ("::ffff:8.8.8.8", None),
        ];
        for (ip, want) in table {
            assert_eq!(classify(ip.parse().unwrap()), *want, "{ip}");
        }
    }

    #[test]
    fn the_operator_opens_loopback_and_networks_explicitly() {
        let strict = rules(false, "");
        assert!(strict.check("127.0.0.1".parse().unwrap()).is_err());
        assert!(strict.check("10.20.1.5".parse().unwrap()).is_err());
        assert!(strict.check("8.8.8.8".parse().unwrap()).is_ok());
        let dev = rules(true, "");
        assert!(dev.check("127.0.0.1".parse().unwrap()).is_ok());
        assert!(dev.check("::1".parse().unwrap()).is_ok());
        assert!(dev.check("169.254.169.254".parse().unwrap()).is_err(), "loopback only");
        let intranet = rules(false, "10.20.0.0/16, 192.168.7.9");
        assert!(intranet.check("10.20.1.5".parse().unwrap()).is_ok());
        assert!(intranet.check("10.21.1.5".parse().unwrap()).is_err());
        assert!(intranet.check("192.168.7.9".parse().unwrap()).is_ok());
        let bad = crate::config::Settings { webhook_allow_networks: "10.0.0.0/33".into(), ..Default::default() };
        assert!(TargetRules::from_settings(&bad).is_err());
    }
}
