//! A real webhook receiver for tests: an HTTP server on a local port that verifies each
//! request's Standard Webhooks signature with the `standardwebhooks` library (as an agency's
//! system would), and can be told to fail (503), to hang (the hub times out), or be stopped
//! altogether (connection refused) and started again on the same port.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// Answer 503 Service Unavailable.
    Unavailable,
    /// Take this long before answering (longer than the hub's time limit: a timeout).
    Hang(Duration),
}

#[derive(Debug, Clone)]
pub struct Received {
    pub msg_id: String,
    pub seq: i64,
    pub event_type: String,
    pub body: Value,
}

#[derive(Default)]
struct State {
    mode: Option<Mode>,
    secret: Option<String>,
    accepted: Vec<Received>,
    requests: usize,
    bad_signatures: usize,
    in_flight: usize,
    max_in_flight: usize,
}

pub struct Receiver {
    pub port: u16,
    state: Arc<Mutex<State>>,
    server: Option<actix_web::dev::ServerHandle>,
}

/// A local port nothing listens on (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Receiver {
    /// A receiver that is not running yet: requests to it are refused.
    pub fn stopped() -> Receiver {
        Receiver { port: free_port(), state: Arc::new(Mutex::new(State::default())), server: None }
    }

    pub fn start() -> Receiver {
        let mut r = Receiver::stopped();
        r.resume();
        r
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/guantong", self.port)
    }

    /// The secret to verify signatures with (from the endpoint's creation).
    pub fn set_secret(&self, secret: &str) {
        self.state.lock().unwrap().secret = Some(secret.to_string());
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = Some(mode);
    }

    /// Starts (again) listening on the receiver's port.
    pub fn resume(&mut self) {
        if self.server.is_some() {
            return;
        }
        let (state, port) = (self.state.clone(), self.port);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let sys = actix_web::rt::System::new();
            sys.block_on(async move {
                let data = web::Data::new(state);
                let server =
                    HttpServer::new(move || App::new().app_data(data.clone()).default_service(web::to(handle)))
                        .workers(2)
                        .shutdown_timeout(0)
                        .bind(("127.0.0.1", port))
                        .expect("bind the receiver's port")
                        .run();
                tx.send(server.handle()).unwrap();
                let _ = server.await;
            });
        });
        self.server = Some(rx.recv().expect("receiver started"));
    }

    /// Stops listening: the hub's connections are refused until `resume`.
    pub fn stop(&mut self) {
        if let Some(h) = self.server.take() {
            actix_web::rt::System::new().block_on(h.stop(false));
        }
    }

    /// Every accepted delivery, in arrival order (with any redeliveries).
    pub fn accepted(&self) -> Vec<Received> {
        self.state.lock().unwrap().accepted.clone()
    }

    pub fn requests(&self) -> usize {
        self.state.lock().unwrap().requests
    }

    pub fn bad_signatures(&self) -> usize {
        self.state.lock().unwrap().bad_signatures
    }

    /// The most requests that were in progress at once.
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().unwrap().max_in_flight
    }

    /// Accepted deliveries de-duplicated by `webhook-id`, in first-arrival order.
    pub fn distinct(&self) -> Vec<Received> {
        let mut seen = std::collections::HashSet::new();
        self.accepted().into_iter().filter(|r| seen.insert(r.msg_id.clone())).collect()
    }

    /// Waits until `pred` holds for the distinct deliveries, or panics after `secs`.
    pub fn wait_for(&self, secs: u64, what: &str, pred: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.distinct();
            if pred(&got) {
                return got;
            }
            if Instant::now() > deadline {
                let seqs: Vec<i64> = got.iter().map(|r| r.seq).collect();
                panic!("timed out waiting for {what}; received seqs {seqs:?}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn handle(req: HttpRequest, body: web::Bytes, state: web::Data<Arc<Mutex<State>>>) -> HttpResponse {
    let (mode, secret) = {
        let mut s = state.lock().unwrap();
        s.requests += 1;
        s.in_flight += 1;
        s.max_in_flight = s.max_in_flight.max(s.in_flight);
        (s.mode.unwrap_or(Mode::Accept), s.secret.clone())
    };
    let answer = answer(&req, &body, mode, secret.as_deref(), &state).await;
    state.lock().unwrap().in_flight -= 1;
    answer
}

async fn answer(
    req: &HttpRequest,
    body: &[u8],
    mode: Mode,
    secret: Option<&str>,
    state: &Mutex<State>,
) -> HttpResponse {
    // The library takes the `http` crate's header map.
    let mut headers = http::HeaderMap::new();
    for (name, value) in req.headers() {
        if let (Ok(n), Ok(v)) =
            (http::HeaderName::from_bytes(name.as_str().as_bytes()), http::HeaderValue::from_bytes(value.as_bytes()))
        {
            headers.append(n, v);
        }
    }
    let verified = secret
        .is_some_and(|secret| standardwebhooks::Webhook::new(secret).is_ok_and(|wh| wh.verify(body, &headers).is_ok()));
    if !verified {
        state.lock().unwrap().bad_signatures += 1;
        return HttpResponse::Unauthorized().finish();
    }
    match mode {
        Mode::Unavailable => return HttpResponse::ServiceUnavailable().finish(),
        Mode::Hang(d) => {
            actix_web::rt::time::sleep(d).await;
            return HttpResponse::Ok().finish();
        }
        Mode::Accept => {}
    }
    let v: Value = serde_json::from_slice(body).expect("a JSON payload");
    let header = |n: &str| req.headers().get(n).and_then(|h| h.to_str().ok()).unwrap_or("").to_string();
    let received = Received {
        msg_id: header("webhook-id"),
        seq: v["data"]["seq"].as_i64().expect("data.seq"),
        event_type: v["type"].as_str().expect("type").to_string(),
        body: v,
    };
    state.lock().unwrap().accepted.push(received);
    HttpResponse::NoContent().finish()
}
