//! 审计日志: the whole log for the hub admin, newest first, with the API's filters (action,
//! object) and its cursor — the entries exactly as `GET /api/v1/audit` gives them to the
//! admin, in words: never a record's title or text (the log holds none, and the page joins
//! nothing that does). The hash chain can be verified from here (`service::audit::verify`).

use std::collections::HashMap;

use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use super::admin_nav;
use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::policy;
use crate::service::audit::{AuditEntry, AuditQuery, Verification};
use crate::service::{self};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(audit);
}

/// The actions the log records, as people call them (the filter offers these).
pub const ACTIONS: &[(&str, &str)] = &[
    ("auth.login", "登录"),
    ("auth.logout", "退出登录"),
    ("auth.logout_everywhere", "退出全部会话"),
    ("auth.login_locked", "登录被锁定"),
    ("record.create", "发布信息"),
    ("record.update", "修改信息"),
    ("record.withdraw", "撤回信息"),
    ("record.read", "查阅受限信息"),
    ("record.list", "查询受限信息列表"),
    ("record.history", "查阅修改记录"),
    ("record.similar", "查重比对"),
    ("feed.read", "读取信息流"),
    ("similar.disclosed", "披露查重结果"),
    ("similar.disclosed_to", "向他单位披露查重结果"),
    ("duplicate.disclosed", "提示可能重复办理"),
    ("duplicate.disclosed_to", "向他单位提示可能重复办理"),
    ("transfer.create", "移交线索"),
    ("transfer.read", "查阅移交台账"),
    ("transfer.accept", "受理移交"),
    ("transfer.start", "开始办理"),
    ("transfer.conclude", "办结"),
    ("transfer.feedback", "反馈办理结果"),
    ("transfer.return", "退回移交"),
    ("deliberation.open", "发起会商"),
    ("deliberation.minutes", "更新会商纪要"),
    ("deliberation.conclude", "结束会商"),
    ("assignment.create", "分派会商任务"),
    ("assignment.urge", "督办会商任务"),
    ("assignment.complete", "完成会商任务"),
    ("object.create", "新建监督对象"),
    ("subscription.create", "新建订阅"),
    ("subscription.delete", "删除订阅"),
    ("inbox.ack", "确认收件"),
    ("agency.create", "新建成员单位"),
    ("agency.update", "修改成员单位"),
    ("group.create", "新建共享组"),
    ("group.member_add", "加入共享组"),
    ("group.member_remove", "移出共享组"),
    ("agreement.create", "新建协作意见"),
    ("user.create", "创建用户"),
    ("user.invite", "发送激活链接"),
    ("user.activate", "激活账号"),
    ("user.password_reset_link", "发送重置密码链接"),
    ("user.password_reset", "重置密码"),
    ("user.reset_password", "控制台重置密码"),
    ("api_key.create", "创建 API 密钥"),
    ("api_key.revoke", "吊销 API 密钥"),
    ("webhook.create", "新建 Webhook"),
    ("webhook.update", "修改 Webhook"),
    ("webhook.delete", "删除 Webhook"),
    ("webhook.replay", "重新投递 Webhook"),
    ("webhook.disable", "停用 Webhook"),
    ("webhook.rotate_secret", "更换 Webhook 密钥"),
    ("mail.preferences", "修改邮件提醒设置"),
];

/// An action in words (reminders are `transfer.remind_<kind>`); the code where unknown.
pub fn action_label(action: &str) -> String {
    if let Some((_, l)) = ACTIONS.iter().find(|(a, _)| *a == action) {
        return l.to_string();
    }
    if action.starts_with("transfer.remind") {
        return "发送办理期限提醒".into();
    }
    action.to_string()
}

fn resource_label(t: &str) -> &str {
    match t {
        "record" => "信息",
        "agency" => "成员单位",
        "group" => "共享组",
        "agreement" => "协作意见",
        "user" => "用户",
        "session" => "会话",
        "subscription" => "订阅",
        "webhook" => "Webhook",
        "api_key" => "API 密钥",
        "transfer" => "移交",
        "deliberation" => "会商",
        "assignment" => "会商任务",
        "object" => "监督对象",
        "inbox_item" => "收件箱条目",
        other => other,
    }
}

/// The detail of an entry as `key:value` pairs (lists as their length; units by name).
fn detail_text(detail: &Value, units: &HashMap<String, String>) -> String {
    let Value::Object(m) = detail else { return String::new() };
    let value = |k: &str, v: &Value| match v {
        Value::String(s) if k.ends_with("agency_id") => units.get(s).cloned().unwrap_or_else(|| s.clone()),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("{} 项", a.len()),
        Value::Null => "无".into(),
        other => other.to_string(),
    };
    m.iter().map(|(k, v)| format!("{k}:{}", value(k, v))).collect::<Vec<_>>().join(";")
}

/// A timestamp as the hub's local date and time: 2026年11月26日 14:05:33.
fn when(at: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(at) {
        Ok(t) => {
            let local = t.with_timezone(&crate::domain::clock::current().tz);
            format!("{} {}", chinese_date(at), local.format("%H:%M:%S"))
        }
        Err(_) => at.to_string(),
    }
}

/// An entry as a line of the log.
pub struct EntryLine {
    pub seq: i64,
    pub at: String,
    pub action: String,
    pub actor: String,
    pub unit: String,
    pub resource: String,
    pub resource_id: String,
    pub purpose: Option<String>,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html", config = "src/web/askama.toml")]
struct AuditPage {
    nav: Nav,
    action: String,
    resource_id: String,
    actions: &'static [(&'static str, &'static str)],
    items: Vec<EntryLine>,
    next: Option<String>,
    /// After 校验: whether the chain is intact, and the sentence saying so.
    verified: Option<(bool, String)>,
}

#[derive(Deserialize)]
struct AuditParams {
    action: Option<String>,
    resource_id: Option<String>,
    cursor: Option<String>,
    verify: Option<String>,
}

/// The audit log, 50 entries a page; `verify=1` also walks the whole hash chain.
#[get("/admin/audit")]
async fn audit(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, WebError> {
    let nav = admin_nav(&s)?;
    let scope = policy::audit_scope(&s.principal)?;
    let AuditParams { action, resource_id, cursor, verify } = params.into_inner();
    let (action, resource_id) =
        (action.filter(|a| !a.is_empty()), resource_id.map(|r| r.trim().to_string()).filter(|r| !r.is_empty()));
    let f = AuditQuery {
        action: action.clone(),
        resource_id: resource_id.clone(),
        before_seq: page::decode(cursor.as_deref())?,
        limit: 50,
    };
    let verify = verify.as_deref() == Some("1");
    let (entries, users, units, verification) = run(&state.pool, move |conn| {
        let entries: Vec<AuditEntry> = service::audit::list(conn, &scope, &f)?;
        let users = service::users::usernames_of(conn, entries.iter().filter_map(|e| e.actor_user_id.as_ref()))?;
        let units = service::agencies::list(conn)?.into_iter().map(|a| (a.id, a.name)).collect::<HashMap<_, _>>();
        let verification = if verify { Some(service::audit::verify(conn)?) } else { None };
        Ok((entries, users, units, verification))
    })
    .await?;
    let next = page::next(entries.len(), 50, entries.last().map(|e| e.seq)).map(|c| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("action", &action), ("resource_id", &resource_id)] {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        format!("/admin/audit?{}", q.append_pair("cursor", &c).finish())
    });
    let items = entries
        .into_iter()
        .map(|e| EntryLine {
            seq: e.seq,
            at: when(&e.at),
            action: action_label(&e.action),
            actor: e.actor_user_id.as_ref().map(|u| users.get(u).cloned().unwrap_or_else(|| u.clone())).unwrap_or_else(|| "系统".into()),
            unit: e.actor_agency_id.as_ref().map(|a| units.get(a).cloned().unwrap_or_else(|| a.clone())).unwrap_or_default(),
            resource: resource_label(&e.resource_type).to_string(),
            resource_id: e.resource_id.unwrap_or_default(),
            purpose: e.purpose,
            detail: detail_text(&e.detail, &units),
        })
        .collect();
    let verified = verification.map(|v| match v {
        Verification::Intact { entries } => (true, format!("哈希链完整:共 {entries} 条审计记录,未发现删除或篡改。")),
        Verification::Broken(b) => (false, format!("哈希链校验未通过:{b}。请立即联系运维人员保全数据库并调查。")),
    });
    page(&AuditPage {
        nav,
        action: action.unwrap_or_default(),
        resource_id: resource_id.unwrap_or_default(),
        actions: ACTIONS,
        items,
        next,
        verified,
    })
}
