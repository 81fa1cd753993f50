//! A real SMTP server for the mail tests: Debian's aiosmtpd (`python3-aiosmtpd`), started per
//! test on a free port, writing each received message into a maildir; stopped on drop.
//! Received messages are parsed with mail-parser.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders};

pub struct SmtpServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// aiosmtpd's TLS options, when the server speaks STARTTLS or implicit TLS.
    tls: Option<(Secure, Vec<String>)>,
}

/// How a TLS server secures its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secure {
    /// STARTTLS, required by the server before any mail.
    StartTls,
    /// Implicit TLS from the first byte (SMTPS).
    Wrapper,
}

/// A throw-away internal CA and a server certificate it signed for 127.0.0.1.
pub struct TestCa {
    _dir: tempfile::TempDir,
    pub ca_pem: PathBuf,
    cert_pem: PathBuf,
    key_pem: PathBuf,
}

impl TestCa {
    pub fn new() -> TestCa {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "贯通测试内部 CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap().signed_by(&key, &ca).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: String| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        TestCa {
            ca_pem: write("ca.pem", ca.pem()),
            cert_pem: write("server.pem", cert.pem()),
            key_pem: write("server.key", key.serialize_pem()),
            _dir: dir,
        }
    }
}

/// A free local port (bound and released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SmtpServer {
    /// Starts a server on a free port and waits until it accepts connections.
    pub fn start() -> SmtpServer {
        let mut s = SmtpServer::stopped(free_port());
        s.up();
        s
    }

    /// A server on `port` that is not running yet (`up` starts it).
    pub fn stopped(port: u16) -> SmtpServer {
        SmtpServer { port, dir: tempfile::tempdir().expect("maildir"), child: None, tls: None }
    }

    /// A server with a certificate from `ca`, speaking STARTTLS or implicit TLS.
    pub fn start_secure(secure: Secure, ca: &TestCa) -> SmtpServer {
        let (cert, key) = (ca.cert_pem.display().to_string(), ca.key_pem.display().to_string());
        let args = match secure {
            Secure::StartTls => vec!["--tlscert".into(), cert, "--tlskey".into(), key],
            Secure::Wrapper => vec!["--smtpscert".into(), cert, "--smtpskey".into(), key],
        };
        let mut s = SmtpServer::stopped(free_port());
        s.tls = Some((secure, args));
        s.up();
        s
    }

    /// lettre's URL for this server: plain SMTP (a local relay), STARTTLS or SMTPS.
    pub fn url(&self) -> String {
        match self.tls.as_ref().map(|(s, _)| *s) {
            None => format!("smtp://127.0.0.1:{}", self.port),
            Some(Secure::StartTls) => format!("smtp://127.0.0.1:{}?tls=required", self.port),
            Some(Secure::Wrapper) => format!("smtps://127.0.0.1:{}", self.port),
        }
    }

    pub fn up(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new("/usr/bin/python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{}", self.port),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .args(self.tls.iter().flat_map(|(_, a)| a.iter()))
            .arg(self.maildir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd (apt-get install -y python3-aiosmtpd; .ci/test installs it)");
        self.child = Some(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "aiosmtpd did not start on port {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Every message received so far, oldest first, except the activation mails of the
    /// scaffolding unit admins that `TestApp::agency` invites (`*_unitadmin@…`): tests count
    /// the mails of the users they made.
    pub fn messages(&self) -> Vec<Received> {
        self.all_messages().into_iter().filter(|m| !m.to.iter().any(|t| t.contains("_unitadmin@"))).collect()
    }

    /// Every message received so far, oldest first.
    pub fn all_messages(&self) -> Vec<Received> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(rd) = std::fs::read_dir(self.maildir().join(sub)) {
                for e in rd.flatten() {
                    let modified = e.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
                    files.push((modified, e.path()));
                }
            }
        }
        files.sort();
        files.into_iter().filter_map(|(_, p)| std::fs::read(p).ok()).map(|raw| Received::parse(&raw)).collect()
    }

    /// Waits until at least `n` messages arrived (panics after 30 s), then returns them all.
    pub fn wait_for(&self, n: usize) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "expected {n} mails, got {}: {m:#?}", m.len());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `n` messages arrived, then watches a window in which no more may come.
    pub fn exactly(&self, n: usize) -> Vec<Received> {
        self.wait_for(n);
        // A window, not a condition: "no more mail" can only be watched for a while; 1.5 s is
        // many rounds of the tests' delivery loop (100 ms polls).
        crate::helpers::assert_stays(Duration::from_millis(1500), &format!("exactly {n} mails"), || {
            self.messages().len() == n
        });
        let m = self.messages();
        assert_eq!(m.len(), n, "expected exactly {n} mails: {m:#?}");
        m
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.down();
    }
}

/// One received message, decoded.
#[derive(Debug, Clone)]
pub struct Received {
    /// Envelope recipients (aiosmtpd's X-RcptTo).
    pub rcpt_to: Vec<String>,
    /// The To header's addresses.
    pub to: Vec<String>,
    pub from: String,
    /// Decoded (RFC 2047) subject.
    pub subject: String,
    pub text: String,
    pub html: String,
    /// (content type with charset, transfer encoding) of each leaf part.
    pub parts: Vec<(String, String)>,
    pub raw: String,
}

impl Received {
    fn parse(raw: &[u8]) -> Received {
        let m = MessageParser::default().parse(raw).expect("a parseable message");
        let addrs = |a: Option<&mail_parser::Address>| -> Vec<String> {
            a.map(|a| a.iter().filter_map(|x| x.address().map(str::to_string)).collect()).unwrap_or_default()
        };
        let rcpt_to = m
            .header_raw("X-RcptTo")
            .map(|h| h.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        let parts = m
            .parts
            .iter()
            .filter(|p| p.content_type().is_some_and(|c| !c.ctype().eq_ignore_ascii_case("multipart")))
            .map(|p| {
                let ct = p
                    .content_type()
                    .map(|c| {
                        format!(
                            "{}/{}; charset={}",
                            c.ctype(),
                            c.subtype().unwrap_or(""),
                            c.attribute("charset").unwrap_or("").to_ascii_lowercase()
                        )
                    })
                    .unwrap_or_default();
                (ct, p.content_transfer_encoding().unwrap_or("").to_ascii_lowercase())
            })
            .collect();
        Received {
            rcpt_to,
            to: addrs(m.to()),
            from: addrs(m.from()).join(","),
            subject: m.subject().unwrap_or("").to_string(),
            text: m.body_text(0).map(|c| c.to_string()).unwrap_or_default(),
            html: m.body_html(0).map(|c| c.to_string()).unwrap_or_default(),
            parts,
            raw: String::from_utf8_lossy(raw).to_string(),
        }
    }

    /// The mail is well-formed zh-CN: UTF-8 text and HTML parts in a 7-bit-safe transfer
    /// encoding, the subject RFC 2047-encoded on the wire and Chinese once decoded.
    pub fn assert_well_formed(&self) {
        let plain: Vec<&(String, String)> = self.parts.iter().filter(|(ct, _)| ct.starts_with("text/plain")).collect();
        let html: Vec<&(String, String)> = self.parts.iter().filter(|(ct, _)| ct.starts_with("text/html")).collect();
        assert_eq!((plain.len(), html.len()), (1, 1), "a plain and an HTML alternative: {:?}", self.parts);
        for (ct, enc) in plain.iter().chain(html.iter()) {
            assert!(ct.ends_with("charset=utf-8"), "{ct}");
            assert!(enc == "base64" || enc == "quoted-printable", "transfer encoding {enc}");
        }
        assert!(self.subject.starts_with("【贯通】"), "{}", self.subject);
        let header = self.raw.lines().find(|l| l.to_ascii_lowercase().starts_with("subject:")).unwrap_or("");
        assert!(header.contains("=?utf-8?") || header.contains("=?UTF-8?"), "RFC 2047 subject: {header}");
        assert!(self.text.contains("您好") && self.html.contains("您好"), "{}", self.text);
    }
}
