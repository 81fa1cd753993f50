//! A real Chromium for the web client's tests: Debian's `chromium`, driven over WebDriver by
//! its `chromedriver` (package `chromium-driver`, installed by `.ci/test`) through fantoccini.
//! Each test gets its own driver and browser, headless at 1366×768 (a common office screen),
//! with the browser's console log kept so a test can require that a page logged no error
//! and no failed request.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub struct Browser {
    rt: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
    /// The hub's base URL (`http://127.0.0.1:<port>`).
    pub base: String,
}

/// chromedriver's console log (`goog:loggingPrefs`), read and emptied with each call.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    /// A fresh headless Chromium (no profile, no cookies) for the hub at `base`.
    pub fn open(base: &str) -> Browser {
        Browser::open_as(base, None)
    }

    /// The same at a phone's viewport (390 × 844, pixel ratio 3, a phone's user agent), as
    /// Chromium's device emulation makes it: what a reporter holds.
    pub fn open_phone(base: &str) -> Browser {
        Browser::open_as(
            base,
            Some(
                json!({"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3.0, "touch": true, "mobile": true},
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"}),
            ),
        )
    }

    fn open_as(base: &str, mobile: Option<Value>) -> Browser {
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: the browser tests need Debian's {package} (bash .ci/test installs it)"
            );
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1366,768", "--lang=zh-CN", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        });
        let mut caps = caps;
        if let Some(m) = mobile {
            caps["goog:chromeOptions"]["mobileEmulation"] = m;
        }
        let caps = caps.as_object().unwrap().clone();
        let webdriver = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = rt.block_on(async {
            loop {
                let connector = hyper_util::client::legacy::connect::HttpConnector::new();
                match ClientBuilder::new(connector).capabilities(caps.clone()).connect(&webdriver).await {
                    Ok(c) => break c,
                    Err(e) if Instant::now() < deadline => {
                        let _ = e;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("chromedriver did not start a Chromium session within 30 s: {e}"),
                }
            }
        });
        Browser { rt, client: Some(client), driver, base: base.to_string() }
    }

    fn c(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    /// Opens a page of the hub (`path` like `/login`) and waits until it has loaded.
    pub fn goto(&self, path: &str) {
        let url = format!("{}{}", self.base, path);
        self.rt
            .block_on(async {
                let _ = self.c().execute("window.__gtOld = true", vec![]).await;
                self.c().goto(&url).await?;
                self.wait_for_new_page(&url).await;
                Ok::<_, fantoccini::error::CmdError>(())
            })
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// Waits until the document marked `__gtOld` is replaced by a new one that has loaded.
    async fn wait_for_new_page(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let check = "return typeof window.__gtOld === 'undefined' && document.readyState === 'complete' \
                     && document.documentElement !== null && document.body !== null";
        loop {
            // While the next page loads the script may fail (no document yet): retry.
            if let Ok(Value::Bool(true)) = self.c().execute(check, vec![]).await {
                return;
            }
            assert!(Instant::now() < deadline, "{what}: no new page within 20 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The path (and query) the browser shows now.
    pub fn path(&self) -> String {
        let u = self.rt.block_on(self.c().current_url()).unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    pub fn title(&self) -> String {
        self.rt.block_on(self.c().title()).unwrap()
    }

    /// The page's HTML as the server sent it and scripts left it.
    pub fn source(&self) -> String {
        self.rt.block_on(self.c().source()).unwrap()
    }

    /// The visible text of the first element matching `css`.
    pub fn text(&self, css: &str) -> String {
        self.rt
            .block_on(async { self.c().find(Locator::Css(css)).await?.text().await })
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// Types into the field matching `css` (after clearing it).
    pub fn fill(&self, css: &str, value: &str) {
        self.rt
            .block_on(async {
                let e = self.c().find(Locator::Css(css)).await?;
                e.clear().await?;
                e.send_keys(value).await
            })
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    /// Clicks the element matching `css` (a link or a submit button) and waits until the page
    /// it leads to has loaded: the old document is marked first, so a form shown again at the
    /// same URL counts as a new page too.
    pub fn click(&self, css: &str) {
        self.rt
            .block_on(async {
                let e = self.c().find(Locator::Css(css)).await?;
                self.c().execute("window.__gtOld = true", vec![]).await?;
                e.click().await?;
                self.wait_for_new_page(css).await;
                Ok::<_, fantoccini::error::CmdError>(())
            })
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    /// Chooses `path` (a local file) in the file input matching `css`.
    pub fn choose_file(&self, css: &str, path: &std::path::Path) {
        let p = path.to_str().expect("a UTF-8 path").to_string();
        self.rt
            .block_on(async { self.c().find(Locator::Css(css)).await?.send_keys(&p).await })
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    /// Waits (up to 30 s) until the script returns `true`.
    pub fn wait_until(&self, what: &str, js: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.script(js) != Value::Bool(true) {
            assert!(Instant::now() < deadline, "{what}: not within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs a script in the page and returns its value.
    pub fn script(&self, js: &str) -> Value {
        self.rt.block_on(self.c().execute(js, vec![])).unwrap_or_else(|e| panic!("{js}: {e}"))
    }

    /// The cookies the browser holds for the hub: (name, value, HttpOnly, SameSite).
    pub fn cookies(&self) -> Vec<(String, String, bool, String)> {
        let cookies = self.rt.block_on(self.c().get_all_cookies()).unwrap();
        cookies
            .into_iter()
            .map(|c| {
                let same_site = c.same_site().map(|s| s.to_string()).unwrap_or_default();
                (c.name().to_string(), c.value().to_string(), c.http_only().unwrap_or(false), same_site)
            })
            .collect()
    }

    /// Signs in through the login form.
    pub fn sign_in(&self, username: &str, password: &str) {
        self.goto("/login");
        self.fill("#username", username);
        self.fill("#password", password);
        self.click("form[action='/login'] button[type=submit]");
    }

    /// What the console logged since the last call: errors, warnings and failed requests
    /// ("Failed to load resource …") each as `LEVEL message`.
    pub fn console(&self) -> Vec<String> {
        let entries = self.rt.block_on(self.c().issue_cmd(BrowserLog)).unwrap_or_else(|e| panic!("browser log: {e}"));
        entries
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| format!("{} {}", e["level"].as_str().unwrap_or("?"), e["message"].as_str().unwrap_or("")))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Fails the test when the console logged an error or a failed request since the last
    /// look (warnings too: a CSP violation is one).
    pub fn assert_console_clean(&self, page: &str) {
        let bad: Vec<String> =
            self.console().into_iter().filter(|l| l.starts_with("SEVERE") || l.starts_with("WARNING")).collect();
        assert!(bad.is_empty(), "{page}: the browser console logged {bad:#?}");
    }

    /// A form shown again with its errors answers 422 (or 409), which Chromium logs as a
    /// failed load: that one line is expected; anything else (a CSP violation, a missing
    /// asset) is not.
    pub fn assert_console_only_status(&self, page: &str, status: u16) {
        let logged = self.console();
        let expected = format!("status of {status}");
        let bad: Vec<&String> = logged.iter().filter(|l| !l.contains(&expected)).collect();
        assert!(bad.is_empty(), "{page}: the browser console logged {bad:#?}");
        assert!(!logged.is_empty(), "{page}: not answered {status}");
    }

    /// The browser's cookies as a `Cookie` header (for requests over plain HTTP in its session).
    pub fn cookie_header(&self) -> String {
        self.cookies().into_iter().map(|c| format!("{}={}", c.0, c.1)).collect::<Vec<_>>().join("; ")
    }

    /// A PNG of the window. With `GUANTONG_UPDATE_SCREENSHOTS=1` it replaces
    /// `docs/screenshots/<name>.png` (the ones README shows); otherwise it is only checked to
    /// be a picture of the page.
    pub fn screenshot(&self, name: &str) {
        let png = self.rt.block_on(self.c().screenshot()).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{name}: not a screenshot of a page");
        if std::env::var("GUANTONG_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            let _ = self.rt.block_on(c.close());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
