//! `guantong`: the hub's one binary.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use guantong::app::{ensure_admin, open_database, Application};
use guantong::config::{Secret, Settings};
use guantong::service::audit::Verification;

#[derive(Parser)]
#[command(
    name = "guantong",
    version,
    about = "贯通 — 跨部门监督信息共享平台",
    long_about = "贯通:成员单位之间共享监督信息、移交问题线索、同步数据的平台。\n配置依次取自 config/default.toml、config/<GUANTONG_PROFILE>.toml 和 GUANTONG_* 环境变量(后者优先)。"
)]
struct Cli {
    /// 配置文件目录
    #[arg(long, global = true, default_value = "config", env = "GUANTONG_CONFIG_DIR")]
    config_dir: PathBuf,
    /// 数据库地址(sqlite://路径 或 postgres://…),优先于 GUANTONG_DATABASE_URL
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 启动平台服务(HTTP API)
    Serve {
        /// 监听地址,如 127.0.0.1:8080(优先于 GUANTONG_LISTEN;端口 0 表示任选空闲端口)
        #[arg(long)]
        listen: Option<String>,
        /// 先载入演示用的成员单位、账号和信息(未设置 JWT 密钥时临时生成一个)
        #[arg(long)]
        demo: bool,
    },
    /// 执行数据库迁移
    Migrate,
    /// 载入演示数据(不启动服务)
    Demo,
    /// 审计日志
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// 输出 OpenAPI 文档(YAML),即 openapi/openapi.yaml 的内容
    Openapi,
    /// 平台管理(成员单位、用户)
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// 单位夜间同步任务:拉取变更流、推送导出文件(可由 cron 或 systemd 定时器运行)
    #[command(after_long_help = sync_help())]
    Sync {
        #[command(subcommand)]
        command: SyncCommand,
    },
}

#[derive(Subcommand)]
enum SyncCommand {
    /// 从上次的游标起拉取本单位有权获知的变更流,写入 pull_dir 中的 NDJSON 文件;写妥后才推进游标
    #[command(after_long_help = sync_help())]
    Pull {
        /// 同步配置文件(TOML)
        #[arg(long, value_name = "agency-sync.toml")]
        config: PathBuf,
    },
    /// 将 export_dir 中的 NDJSON 文件分批提交到平台,写出逐行结果报告,发送完的文件移到 done_dir
    #[command(after_long_help = sync_help())]
    Push {
        /// 同步配置文件(TOML)
        #[arg(long, value_name = "agency-sync.toml")]
        config: PathBuf,
    },
}

fn sync_help() -> String {
    format!(
        "配置文件示例:\n\n{}\n{}\n\n终端上显示进度条(条数、速率、预计剩余时间);非终端(cron、systemd)时按 GUANTONG_LOG_FORMAT 输出日志。",
        guantong::sync::config::EXAMPLE,
        guantong::sync::job::EXIT_CODES
    )
}

#[derive(Subcommand)]
enum AdminCommand {
    /// 新建成员单位
    CreateAgency {
        /// 单位代码,如 jiwei
        #[arg(long)]
        code: String,
        /// 单位名称,如 市纪委监委
        #[arg(long)]
        name: String,
        /// 单位类别,如 discipline、inspection、audit、petition、organization
        #[arg(long)]
        kind: String,
        /// city 或 county
        #[arg(long, default_value = "city")]
        level: String,
    },
    /// 新建用户;密码从标准输入的第一行读取
    CreateUser {
        #[arg(long)]
        username: String,
        /// 所属单位的代码
        #[arg(long)]
        agency: String,
        /// 角色,逗号分隔:admin、agency_admin、liaison、reviewer、viewer
        #[arg(long, default_value = "liaison")]
        roles: String,
        #[arg(long)]
        email: Option<String>,
    },
    /// 重置用户密码并注销其全部会话;新密码从标准输入的第一行读取
    ResetPassword {
        #[arg(long)]
        username: String,
    },
    /// 为用户生成一次性链接并在控制台输出(未激活的账号:激活链接;已激活的账号:重设密码链接),
    /// 用户打开链接自行设置密码;该用户此前未使用的链接随即失效。适用于未配置 SMTP 的情形
    Invite {
        /// 用户名
        username: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// 校验审计日志哈希链:完好则退出码 0,否则指出第一条有问题的记录并以非零退出
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut settings = match Settings::load(&cli.config_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("配置有误:{e}");
            return ExitCode::from(2);
        }
    };
    if let Some(url) = cli.database_url {
        settings.database_url = url;
    }
    guantong::telemetry::init_tracing(&settings.log_format);
    match run(cli.command, settings) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误:{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command, mut settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Migrate => {
            let (pool, _) = guantong::db::connect(&settings.database_url, 1)?;
            let applied = guantong::db::migrate(&mut *pool.get()?)?;
            println!("已执行 {} 个迁移:{:?}", applied.len(), applied);
            Ok(ExitCode::SUCCESS)
        }
        Command::Sync { command: SyncCommand::Pull { config } } => Ok(guantong::sync::job::pull(&config)),
        Command::Sync { command: SyncCommand::Push { config } } => Ok(guantong::sync::job::push(&config)),
        Command::Openapi => {
            print!("{}", guantong::api::openapi().to_yaml()?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let (pool, _) = open_database(&settings)?;
            match guantong::service::audit::verify(&mut *pool.get()?)? {
                Verification::Intact { entries } => {
                    println!("审计日志完好:共 {entries} 条,哈希链校验通过");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken(b) => {
                    eprintln!("审计日志校验失败:{b}");
                    Ok(ExitCode::from(3))
                }
            }
        }
        Command::Admin { command } => {
            let (pool, _) = open_database(&settings)?;
            match command {
                AdminCommand::CreateAgency { code, name, kind, level } => {
                    let a = guantong::admin_cli::create_agency(&pool, &code, &name, &kind, &level)?;
                    println!("已创建成员单位 {}({}),编号 {}", a.name, a.code, a.id);
                }
                AdminCommand::CreateUser { username, agency, roles, email } => {
                    let password = guantong::admin_cli::read_password()?;
                    guantong::admin_cli::create_user(&pool, &username, &agency, &roles, email, &password)?;
                    println!("已创建用户 {username}");
                }
                AdminCommand::Invite { username } => {
                    let link = guantong::admin_cli::invite(&pool, &settings, &username)?;
                    println!("请将以下一次性链接交给用户 {username} 本人(仅可使用一次):\n{link}");
                }
                AdminCommand::ResetPassword { username } => {
                    let password = guantong::admin_cli::read_password()?;
                    guantong::admin_cli::reset_password(&pool, &username, &password)?;
                    println!("已重置用户 {username} 的密码,其全部会话已注销");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let (pool, _) = open_database(&settings)?;
            ensure_admin(&pool, settings.admin_password.as_ref())?;
            print_logins(&guantong::demo::load(&pool)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { listen, demo } => {
            if let Some(l) = listen {
                settings.listen = l;
            }
            if demo {
                if settings.jwt_secret.is_none() {
                    settings.jwt_secret = Some(Secret::new(guantong::auth::random_secret("demo-")));
                }
                if settings.admin_password.is_none() {
                    settings.admin_password = Some(Secret::new(guantong::demo::DEMO_PASSWORD));
                }
                if settings.identity_key.is_none() {
                    settings.identity_key = Some(Secret::new(guantong::auth::random_secret("demo-")));
                }
            } else if settings.jwt_secret.is_none() {
                anyhow::bail!("未设置 GUANTONG_JWT_SECRET(至少 16 个字符);仅 --demo 模式可省略");
            } else if settings.identity_key.is_none() {
                anyhow::bail!("未设置 GUANTONG_IDENTITY_KEY(至少 16 个字符);仅 --demo 模式可省略");
            }
            settings.trusted_proxy_addrs().map_err(anyhow::Error::msg)?;
            let (pool, backend) = open_database(&settings)?;
            ensure_admin(&pool, settings.admin_password.as_ref())?;
            if demo {
                let logins = guantong::demo::load(&pool)?;
                print_logins(&logins);
                if !logins.is_empty() {
                    println!("平台管理员:admin(演示密码同上)");
                }
            }
            let sys = actix_web::rt::System::new();
            sys.block_on(async move {
                let app = Application::build(settings.clone(), pool, backend)?;
                let address = format!("http://{}", settings.listen.replace(":0", &format!(":{}", app.port())));
                // One write, and a closed stdout (a supervisor that stopped reading) is no reason
                // to stop serving.
                let db = guantong::db::redact_url(&settings.database_url);
                let public = match (app.public_port(), &settings.public_listen) {
                    (Some(port), Some(listen)) => format!("http://{}", listen.replace(":0", &format!(":{port}"))),
                    _ => address.clone(),
                };
                let _ = writeln!(
                    std::io::stdout().lock(),
                    "贯通已启动:{address}(数据库:{db})\n网页端:用浏览器打开 {address}/ 登录;接口文档:{address}/api/openapi.json\n码上巡察公开页面:{public}/public/c/…(各渠道地址见网页端“巡察 › 码上巡察”)"
                );
                let handle = app.handle();
                actix_web::rt::spawn(async move {
                    let signal = stop_signal().await;
                    tracing::info!(signal, "收到 {signal},正在停止服务:不再接受新连接,处理中的请求完成后退出");
                    handle.stop(true).await;
                });
                app.run_until_stopped().await?;
                tracing::info!("贯通已停止");
                Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
            })
        }
    }
}

/// Resolves at the first SIGTERM or SIGINT (Ctrl-C); names it.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(mut term), Ok(mut int)) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            },
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, "无法监听停止信号;服务只能被强制结束");
                std::future::pending().await
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// The demo's logins; none when the demo was not loaded (the database held other data).
fn print_logins(logins: &[guantong::demo::DemoLogin]) {
    if logins.is_empty() {
        return;
    }
    println!("演示账号(密码均为 {}):", guantong::demo::DEMO_PASSWORD);
    for l in logins {
        println!("  {:<18} {}({})", l.username, l.agency, l.role);
    }
}
