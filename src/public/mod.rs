//! 码上巡察, the public endpoints (`/public/…`): the pages a reporter reaches by the QR code on
//! a poster, on a phone, without an account. They are kept apart from the hub: their own path
//! prefix, optionally their own listen address (`public_listen`: then the main address does
//! not serve them and that one serves nothing else), their own small layout and script, no
//! cookie, no session. They answer only for a channel in its open period and tell nothing
//! else of the hub.
//!
//! Before anything reaches the database, each client address (as a keyed, daily-rotating
//! digest, never the address) gets `public_requests_per_address_minute` requests a minute in
//! this instance's memory (`FloodGuard`); the request log does not record a public request's
//! address or user agent (`telemetry::HubRootSpan`). The limits of reports, additions and
//! lookups are in `service::public_reports::intake`.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actix_web::dev::{Service, ServiceRequest};
use actix_web::{web, HttpMessage, HttpResponse};
use futures_util::FutureExt;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Settings;
use crate::service::public_reports::challenge::{derive_key, ChallengeRules};
use crate::service::public_reports::intake::{address_key, IntakeRules};

mod assets;
mod pages;
mod upload;

/// The path prefix of every public endpoint.
pub const PREFIX: &str = "/public";

/// Is this a public endpoint's path (the log leaves out its client's address)?
pub fn is_public_path(path: &str) -> bool {
    path == PREFIX || path.starts_with("/public/")
}

/// What the public pages need: the intake's rules and the flood guard.
pub struct PublicDesk {
    pub rules: IntakeRules,
    trusted_proxies: Vec<IpAddr>,
    guard: DefaultKeyedRateLimiter<String>,
    checks: AtomicU64,
}

impl PublicDesk {
    pub fn from_settings(s: &Settings, hub_secret: &str) -> Arc<PublicDesk> {
        let per_minute = NonZeroU32::new(s.public_requests_per_address_minute.max(1)).expect("at least 1");
        let rules = IntakeRules {
            challenge: ChallengeRules {
                secret: derive_key(hub_secret, "challenge"),
                cost: s.public_challenge_cost,
                max_counter: s.public_challenge_max_counter,
                ttl_secs: s.public_challenge_ttl_secs,
            },
            address_secret: derive_key(hub_secret, "address"),
            reports_per_address_hour: s.public_reports_per_address_hour,
            reports_per_channel_hour: s.public_reports_per_channel_hour,
            lookups_per_address_hour: s.public_lookups_per_address_hour,
            hub_url: s.public_url.clone(),
        };
        Arc::new(PublicDesk {
            rules,
            trusted_proxies: s.trusted_proxy_addrs().unwrap_or_default(),
            guard: RateLimiter::keyed(Quota::per_minute(per_minute)),
            checks: AtomicU64::new(0),
        })
    }

    /// The digest the request's client is counted under today.
    fn address_of(&self, req: &actix_web::HttpRequest) -> String {
        let xff = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
        let ip =
            crate::policy::credentials::client_address(req.peer_addr().map(|a| a.ip()), xff, &self.trusted_proxies);
        address_key(&self.rules.address_secret, ip)
    }

    /// One request of `address` against its budget a minute.
    fn admit(&self, address: &str) -> bool {
        // Forget quiet addresses now and then, so the map does not grow with every visitor.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.guard.retain_recent();
        }
        self.guard.check_key(&address.to_string()).is_ok()
    }
}

/// The client's digest, put on the request by the guard for the pages.
#[derive(Clone)]
pub struct ClientDigest(pub String);

/// The public routes, under `/public`, behind the flood guard.
pub fn configure(cfg: &mut web::ServiceConfig, desk: Arc<PublicDesk>) {
    let data = web::Data::from(desk.clone());
    cfg.service(
        web::scope(PREFIX)
            .app_data(data)
            .wrap_fn(move |req: ServiceRequest, srv| {
                let address = desk.address_of(req.request());
                if !desk.admit(&address) {
                    let res = pages::too_many(req.request());
                    return futures_util::future::ready(Ok(req.into_response(res))).boxed_local();
                }
                req.extensions_mut().insert(ClientDigest(address));
                srv.call(req).boxed_local()
            })
            .service(assets::asset)
            .configure(pages::routes)
            .default_service(web::to(|| async { pages::not_found() })),
    );
}

/// An app with the public routes only (the `public_listen` address): anything else is the
/// public side's not-found page, so that address shows nothing of the hub.
pub fn only_public(cfg: &mut web::ServiceConfig, desk: Arc<PublicDesk>) {
    configure(cfg, desk);
    cfg.default_service(web::to(|| async { pages::not_found() }));
}

/// For pages: 404 with nothing of the hub in it.
pub fn not_found_response() -> HttpResponse {
    pages::not_found()
}
