//! The server under test for the benches: the real application started in-process on a
//! fresh database, a client for it, the environment knobs, and the seed-sized hub (agencies,
//! liaison users, API keys, groups, agreements, supervision objects) built over HTTP.
//! Shared by `benches/hub.rs` and `benches/sync.rs`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use rand::rngs::StdRng;
use rand::SeedableRng;
use reqwest::blocking::{Client, RequestBuilder};
use serde_json::{json, Value};

use guantong::app::{ensure_admin, open_database, Application};
use guantong::config::{Secret, Settings};
use guantong::db::{Backend, DbPool};

use crate::data::{self, Hub, HubAgency};
use crate::report::Setup;

pub const ADMIN_PASSWORD: &str = "bench-admin-password-0001";
pub const LIAISON_PASSWORD: &str = "bench-liaison-password-0001";
pub fn env<T: std::str::FromStr>(name: &str) -> Result<Option<T>> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => {
            let v = v.trim().replace(['_', ','], "");
            v.parse().map(Some).map_err(|_| anyhow!("{name}={v} is not a valid value"))
        }
        _ => Ok(None),
    }
}

pub fn flag(name: &str) -> Option<bool> {
    std::env::var(name).ok().map(|v| matches!(v.trim(), "1" | "true" | "yes"))
}

/// A new, empty database named `<prefix>_<random>` on the PostgreSQL server of `admin_url`;
/// returns its URL.
#[allow(dead_code)] // the load and writers benches make their own databases
pub fn fresh_pg_database(admin_url: &str, prefix: &str) -> Result<String> {
    use diesel::{Connection, RunQueryDsl};
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    let mut conn = diesel::PgConnection::establish(admin_url)?;
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn)?;
    let i = admin_url.rfind('/').context("the URL must end in /<database>")?;
    Ok(format!("{}/{name}", &admin_url[..i]))
}

/// The server under test and a client for it.
pub struct Hubd {
    pub base: String,
    pub client: Client,
    pub pool: DbPool,
    pub backend: Backend,
    pub db_path: Option<PathBuf>,
    /// The database URL the hub was started with (for a raw connection beside it).
    pub url: String,
}

#[allow(dead_code)] // the other benches start theirs with the defaults
pub fn start_server(url: &str) -> Result<Hubd> {
    start_server_with(url, |_| {})
}

/// `start_server` with settings `configure` adjusts first (pool size…).
pub fn start_server_with(url: &str, configure: impl FnOnce(&mut Settings)) -> Result<Hubd> {
    let mut settings = Settings {
        database_url: url.to_string(),
        listen: "127.0.0.1:0".into(),
        jwt_secret: Some(Secret::new("bench-secret-bench-secret-0123456789")),
        identity_key: Some(Secret::new("bench-identity-key-0123456789")),
        admin_password: Some(Secret::new(ADMIN_PASSWORD)),
        ..Settings::default()
    };
    configure(&mut settings);
    let (pool, backend) = open_database(&settings)?;
    ensure_admin(&pool, settings.admin_password.as_ref())?;
    let (tx, rx) = std::sync::mpsc::channel();
    let p = pool.clone();
    std::thread::spawn(move || {
        let sys = actix_web::rt::System::new();
        sys.block_on(async move {
            match Application::build(settings, p, backend) {
                Ok(app) => {
                    let _ = tx.send(Ok(app.port()));
                    let _ = app.run_until_stopped().await;
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        });
    });
    let port = rx.recv()??;
    Ok(Hubd {
        base: format!("http://127.0.0.1:{port}"),
        client: Client::builder().timeout(Duration::from_secs(1800)).build()?,
        pool,
        backend,
        db_path: url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).map(PathBuf::from),
        url: url.to_string(),
    })
}

impl Hubd {
    pub fn req(&self, method: reqwest::Method, path: &str, token: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base)).bearer_auth(token)
    }

    /// Sends and expects a 2xx JSON answer.
    pub fn call(&self, r: RequestBuilder) -> Result<Value> {
        let resp = r.send()?;
        let status = resp.status();
        let text = resp.text()?;
        if !status.is_success() {
            bail!("HTTP {status}: {text}");
        }
        Ok(if text.is_empty() { Value::Null } else { serde_json::from_str(&text)? })
    }

    pub fn post(&self, token: &str, path: &str, body: &Value) -> Result<Value> {
        self.call(self.req(reqwest::Method::POST, path, token).json(body)).with_context(|| format!("POST {path}"))
    }

    pub fn login(&self, username: &str, password: &str) -> Result<String> {
        let v = self.call(
            self.client
                .post(format!("{}/api/v1/auth/login", self.base))
                .json(&json!({"username": username, "password": password})),
        )?;
        Ok(v["access_token"].as_str().ok_or_else(|| anyhow!("no access token"))?.to_string())
    }

    /// A unit's first admin, the way a hub is set up: the hub admin invites (no password),
    /// the one-time link is taken as `guantong admin invite` prints it, the user sets their
    /// password through it and logs in. Returns the admin's access token.
    pub fn unit_admin(&self, admin: &str, agency_id: &str, username: &str) -> Result<String> {
        self.post(
            admin,
            "/api/v1/users",
            &json!({"username": username, "agency_id": agency_id, "roles": ["agency_admin"],
                    "email": format!("{username}@example.gov.cn")}),
        )?;
        let link = guantong::admin_cli::invite(&self.pool, &Settings::default(), username)?;
        let token = link.split("token=").nth(1).ok_or_else(|| anyhow!("no token in {link}"))?;
        self.call(
            self.client
                .post(format!("{}/api/v1/auth/activate", self.base))
                .json(&json!({"token": token, "password": LIAISON_PASSWORD})),
        )?;
        self.login(username, LIAISON_PASSWORD)
    }

    pub fn head_seq(&self) -> Result<i64> {
        let mut conn = self.pool.get()?;
        Ok(guantong::store::log::head_seq(&mut conn)?)
    }
}

/// Credentials of one agency for the latency phase.
pub struct Creds {
    pub key: String,
    pub key_id: String,
}

/// Runs `f` over `items` on `threads` threads, keeping the order of results.
pub fn parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(usize, &T) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let f = &f;
                s.spawn(move || part.iter().enumerate().map(|(i, t)| f(c * chunk + i, t)).collect::<Result<Vec<R>>>())
            })
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            out.extend(h.join().map_err(|_| anyhow!("worker panicked"))??);
        }
        Ok(out)
    })
}

/// Builds the hub over HTTP: agencies, users, API keys, groups, the petition agreement
/// and the supervision objects.
pub fn build_hub(h: &Hubd, agencies: usize, objects: usize, seed: u64) -> Result<(Hub, Vec<Creds>, Setup)> {
    let t0 = Instant::now();
    let admin = h.login("admin", ADMIN_PASSWORD)?;
    let specs = data::agencies(agencies);
    let mut created = Vec::new();
    for a in &specs {
        let v = h.post(
            &admin,
            "/api/v1/agencies",
            &json!({"code": a.code, "name": a.name, "kind": a.kind, "level": a.level}),
        )?;
        created.push(HubAgency {
            id: v["id"].as_str().unwrap_or_default().to_string(),
            code: a.code.clone(),
            name: a.name.clone(),
            kind: a.kind,
            region: a.region,
        });
    }
    // One admin and one liaison per agency (argon2 makes each ~tens of ms), and one API key for its
    // systems; two client threads, as the machine has two cores.
    let agencies = created;
    let creds = parallel(&agencies, 2, |_, a| {
        // The hub admin invites the unit's admin; the unit's admin creates its liaison and
        // issues its key (the hub admin can do neither).
        let unit_admin = h.unit_admin(&admin, &a.id, &format!("{}_admin", a.code))?;
        h.post(
            &unit_admin,
            "/api/v1/users",
            &json!({"username": format!("{}_liaison", a.code), "password": LIAISON_PASSWORD,
                    "agency_id": a.id, "roles": ["liaison"], "display_name": format!("{}联络员", a.name),
                    "email": format!("{}@example.gov.cn", a.code)}),
        )?;
        let k =
            h.post(&unit_admin, &format!("/api/v1/agencies/{}/api-keys", a.id), &json!({"name": "夜间同步任务"}))?;
        Ok(Creds {
            key: k["key"].as_str().unwrap_or_default().to_string(),
            key_id: k["id"].as_str().unwrap_or_default().to_string(),
        })
    })?;
    let index: HashMap<&str, usize> = agencies.iter().enumerate().map(|(i, a)| (a.code.as_str(), i)).collect();
    let mut groups = Vec::new();
    let mut group_sizes = Vec::new();
    let cities = specs.iter().filter(|a| a.region != data::SPARSE_REGION).map(|a| a.region + 1).max().unwrap_or(1);
    for (name, description, codes) in data::groups(cities) {
        let members: Vec<usize> = codes.iter().filter_map(|c| index.get(c.as_str()).copied()).collect();
        if members.is_empty() {
            continue;
        }
        let ids: Vec<&str> = members.iter().map(|m| agencies[*m].id.as_str()).collect();
        let g =
            h.post(&admin, "/api/v1/groups", &json!({"name": name, "description": description, "agency_ids": ids}))?;
        group_sizes.push((name.clone(), members.len()));
        groups.push((g["id"].as_str().unwrap_or_default().to_string(), members));
    }
    // Petitions (reporter identity) go only to discipline commissions, and without the
    // reporter to organization departments (seed 000's 协作意见).
    h.post(
        &admin,
        "/api/v1/agreements",
        &json!({"name": "信访举报人信息仅限纪检监察机关", "source_kind": "petition", "record_kind": "petition",
                "recipient_kinds": ["discipline"], "protected_fields": true}),
    )?;
    h.post(
        &admin,
        "/api/v1/agreements",
        &json!({"name": "信访件可送组织部门(不含举报人信息)", "source_kind": "petition", "record_kind": "petition",
                "recipient_kinds": ["organization"], "protected_fields": false}),
    )?;
    // Supervision objects: one POST each, registered by the agencies in turn.
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0b1ec7);
    let specs: Vec<data::ObjectSpec> = (0..objects).map(|_| data::object(&mut rng)).collect();
    let t_obj = Instant::now();
    let ids = parallel(&specs, 4, |i, o| {
        let key = &creds[i % creds.len()].key;
        let v = h.post(key, "/api/v1/objects", &o.body)?;
        Ok(v["id"].as_str().unwrap_or_default().to_string())
    })?;
    let specs_len = specs.len();
    let objects_rate = specs.len() as f64 / t_obj.elapsed().as_secs_f64();
    let object_list: Vec<(String, String)> = ids.into_iter().zip(specs).map(|(id, s)| (id, s.label)).collect();
    let setup = Setup {
        agencies: agencies.len(),
        users: agencies.len(),
        groups: group_sizes,
        objects: specs_len,
        objects_rate,
        setup_time: t0.elapsed(),
        db_size: None,
    };
    Ok((Hub { agencies, groups, objects: object_list }, creds, setup))
}

/// Waits until the jobs that follow the event log after commit (duplicate handling, the search
/// index) have reached its end; returns how long that took.
pub fn wait_for_jobs(pool: &DbPool) -> Result<Duration> {
    let start = Instant::now();
    let mut conn = pool.get()?;
    while !guantong::store::cursors::caught_up(&mut conn)? {
        if start.elapsed() > Duration::from_secs(3600) {
            anyhow::bail!("the after-commit jobs did not reach the end of the log within an hour");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(start.elapsed())
}
