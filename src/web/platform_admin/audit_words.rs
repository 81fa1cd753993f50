//! The audit log in words: actions, objects and details as people call them.

use std::collections::HashMap;

use serde_json::Value;

use crate::web::chinese_date;

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

pub fn resource_label(t: &str) -> &str {
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

/// A detail key in words (the key itself where it has none).
fn key_label(k: &str) -> &str {
    match k {
        "kind" => "类别",
        "record_kind" => "信息类别",
        "version" => "版本",
        "distribution" => "分发范围",
        "sensitivity" => "密级",
        "external_id" => "外部编号",
        "code" => "单位代码",
        "name" => "名称",
        "level" => "层级",
        "active" => "启用",
        "agency_id" => "单位",
        "to_agency_id" => "接收单位",
        "username" => "用户名",
        "record_id" => "信息编号",
        "record_ids" | "restricted_record_ids" => "信息",
        "deadline" => "期限",
        "state" => "状态",
        "outcome" => "处置结果",
        "participants" => "参与单位",
        "client" => "客户端",
        "sessions" => "会话",
        "delivery" => "送达方式",
        "expires_at" => "有效期至",
        "protected_disclosed" => "披露受保护字段",
        "versions" => "版本",
        other => other,
    }
}

/// A detail value in words: units by name, the hub's enums by label, lists by length.
fn value_text(k: &str, v: &Value, units: &HashMap<String, String>) -> String {
    use crate::domain::record::{DistributionLevel, RecordKind, Sensitivity};
    let Value::String(s) = v else {
        return match v {
            Value::Array(a) => format!("{} 项", a.len()),
            Value::Bool(true) => "是".into(),
            Value::Bool(false) => "否".into(),
            other => other.to_string(),
        };
    };
    let label = match k {
        "kind" | "record_kind" => RecordKind::parse(s).map(RecordKind::label),
        "sensitivity" => Sensitivity::parse(s).map(Sensitivity::label),
        "distribution" => DistributionLevel::parse(s).map(DistributionLevel::label),
        _ => None,
    };
    match label {
        Some(l) => l.to_string(),
        None if k.ends_with("agency_id") => units.get(s).cloned().unwrap_or_else(|| s.clone()),
        None if k == "deadline" || k == "expires_at" => chinese_date(s),
        None => s.clone(),
    }
}

/// The detail of an entry as `项:值` pairs (empty values left out).
pub fn detail_text(detail: &Value, units: &HashMap<String, String>) -> String {
    let Value::Object(m) = detail else { return String::new() };
    m.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| format!("{}:{}", key_label(k), value_text(k, v, units)))
        .collect::<Vec<_>>()
        .join(";")
}

/// A timestamp as the hub's local date and time: 2026年11月26日 14:05:33.
pub fn when(at: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(at) {
        Ok(t) => {
            let local = t.with_timezone(&crate::domain::clock::current().tz);
            format!("{} {}", chinese_date(at), local.format("%H:%M:%S"))
        }
        Err(_) => at.to_string(),
    }
}
