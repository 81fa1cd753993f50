//! Where webhook requests may connect (`policy::webhook_targets` decides): the check of a URL
//! when it is set, and the resolver the sender connects through, which keeps only allowed
//! addresses so the connection goes where the check looked.

use std::sync::Arc;
use std::time::Duration;

use crate::policy::webhook_targets::TargetRules;

/// Refused by the target rules: the reason.
#[derive(Debug)]
pub struct RefusedTarget(&'static str);

impl std::fmt::Display for RefusedTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for RefusedTarget {}

pub fn refused(e: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let mut cur = Some(e);
    while let Some(c) = cur {
        if let Some(r) = c.downcast_ref::<RefusedTarget>() {
            return Some(r.0);
        }
        cur = c.source();
    }
    None
}

/// Resolves a receiver's name and keeps only the addresses the rules allow, so the
/// connection goes to a checked address (a name that resolves differently at send time
/// than when it was registered is judged again).
pub struct GuardedResolver {
    pub rules: Arc<TargetRules>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let rules = self.rules.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut last = None;
            let allowed: Vec<std::net::SocketAddr> = addrs
                .into_iter()
                .filter(|a| match rules.check(a.ip()) {
                    Ok(()) => true,
                    Err(r) => {
                        last = Some(r);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let reason = last.unwrap_or("无法解析接收方地址");
                return Err(Box::new(RefusedTarget(reason)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether a webhook URL may be registered: an address given literally must be allowed, and
/// a name must not resolve to a refused address now (it is judged again at every send). A
/// name that does not resolve yet is accepted. `Err`: the Chinese reason.
pub async fn check_url_target(url: &str, rules: &TargetRules) -> Result<(), String> {
    let Ok(u) = reqwest::Url::parse(url) else { return Ok(()) };
    let port = u.port_or_known_default().unwrap_or(80);
    let host = match u.host() {
        Some(url::Host::Ipv4(a)) => return rules.check(a.into()).map_err(str::to_string),
        Some(url::Host::Ipv6(a)) => return rules.check(a.into()).map_err(str::to_string),
        Some(url::Host::Domain(d)) => d.trim_end_matches('.').to_ascii_lowercase(),
        None => return Ok(()),
    };
    if host == "localhost" || host.ends_with(".localhost") {
        return rules.check(std::net::Ipv4Addr::LOCALHOST.into()).map_err(str::to_string);
    }
    let lookup = tokio::net::lookup_host((host.as_str(), port));
    let Ok(Ok(addrs)) = tokio::time::timeout(Duration::from_secs(3), lookup).await else { return Ok(()) };
    for a in addrs {
        rules.check(a.ip()).map_err(str::to_string)?;
    }
    Ok(())
}
