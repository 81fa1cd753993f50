//! The public side of 码上巡察: a channel's page, a report made through it, the receipt code's
//! status and a reporter's additions. Nothing here knows a user: the channel acts
//! (`policy::public_reports::channel_principal`).
//!
//! Limits, in the order they are met (cheap ones first, so that a flood costs the hub little):
//! the channel must be open today (else the same 404 as no channel: nothing else is told);
//! the text is checked; the proof of work is checked without the database; then the budgets
//! (`store::throttle::take_budget`, shared by every instance): reports and additions per
//! client address an hour, reports per channel an hour, status lookups per address an hour.
//! The address itself is never stored: the budget's key is a keyed digest of it, whose key
//! changes every day (`address_key`). Only then are files decoded and encoded anew.

use std::net::IpAddr;

use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use super::challenge::{self, ChallengeRules};
use super::channels::{names, ChannelRow};
use super::files::{clean_files, insert_files};
use crate::db::schema::{public_report_files as files, public_reports as pr, report_channels as ch};
use crate::db::DbConnection;
use crate::domain::public_report::{self as report, receipt, PublicStatus, ReportDraft, ReportState};
use crate::domain::record::{Distribution, RecordContent, RecordKind, Sensitivity};
use crate::domain::{clock, new_id};
use crate::error::{AppError, AppResult};
use crate::policy::public_reports::channel_principal;
use crate::service::records::{self, WriteContext};
use crate::store::log::{write_tx, Actor};
use crate::store::throttle::take_budget;

/// The public side's limits, from the settings.
#[derive(Debug, Clone)]
pub struct IntakeRules {
    pub challenge: ChallengeRules,
    /// The key the daily address keys are derived from.
    pub address_secret: String,
    pub reports_per_address_hour: u32,
    pub reports_per_channel_hour: u32,
    pub lookups_per_address_hour: u32,
    /// The hub's address as its users reach it (the link in the liaison's mail).
    pub hub_url: String,
}

const HOUR: i64 = 3600;

/// The message for a channel that does not exist or is not open: the same for both.
pub const CHANNEL_CLOSED: &str = "该举报渠道不存在或当前不在受理期内";
/// The message for a receipt code that is not one: the same whether malformed or unknown.
pub const NO_SUCH_RECEIPT: &str = "查询码不正确,请核对后重新输入";

/// A channel as the public sees it: who takes the reports, about which unit, until when.
#[derive(Debug, Clone)]
pub struct PublicChannel {
    pub slug: String,
    pub team_name: String,
    pub unit_name: String,
    pub opens_on: String,
    pub closes_on: String,
    pub contact_line: String,
}

/// A report as its reporter may follow it with the receipt code.
#[derive(Debug, Clone)]
pub struct PublicReportStatus {
    pub team_name: String,
    pub number: i32,
    /// The day it was received, in the hub's time zone (YYYY-MM-DD).
    pub received_on: String,
    pub status: PublicStatus,
    /// Whether the reporter may still add information.
    pub accepts_additions: bool,
}

/// What a submission carries besides its text: files (raw, as uploaded) and the solved
/// challenge.
pub struct Submission {
    pub draft: ReportDraft,
    pub files: Vec<Vec<u8>>,
    pub challenge: String,
}

/// What the reporter is given back: the receipt code (shown once, never stored) and the
/// report's number.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub code: String,
    pub number: i32,
    pub team_name: String,
}

/// The keyed digest a client address is counted under today: the key is derived from the
/// hub's secret and the UTC date, so yesterday's digests cannot be matched to today's.
pub fn address_key(secret: &str, address: Option<IpAddr>) -> String {
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(day.as_bytes());
    mac.update(b"|");
    mac.update(address.map(|a| a.to_string()).unwrap_or_default().as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

fn take(conn: &mut DbConnection, key: &str, limit: u32, message: &str) -> AppResult<()> {
    match take_budget(conn, key, limit, HOUR)? {
        Ok(()) => Ok(()),
        Err(secs) => Err(AppError::TooManyRequests(message.to_string(), secs)),
    }
}

fn load_channel(conn: &mut DbConnection, slug: &str) -> AppResult<ChannelRow> {
    let row: Option<ChannelRow> = if slug.len() <= 64 {
        ch::table.filter(ch::slug.eq(slug)).select(ChannelRow::as_select()).first(conn).optional()?
    } else {
        None
    };
    row.filter(ChannelRow::open_today).ok_or_else(|| AppError::NotFound(CHANNEL_CLOSED.into()))
}

/// An open channel's public face, or 404 (closed, not yet open, or none).
pub fn open_channel(conn: &mut DbConnection, slug: &str) -> AppResult<PublicChannel> {
    let row = load_channel(conn, slug)?;
    let (team_name, unit_name) = names(conn, &row)?;
    Ok(PublicChannel {
        slug: row.slug,
        team_name,
        unit_name,
        opens_on: row.opens_on,
        closes_on: row.closes_on,
        contact_line: row.contact_line,
    })
}

/// Takes a report: the record (petition, the office's, `own`, sensitive, the identity as
/// protected fields), its queue entry and its files, in one transaction; the receipt code
/// goes back to the reporter and only its digest stays.
pub fn submit(
    conn: &mut DbConnection,
    rules: &IntakeRules,
    slug: &str,
    address: &str,
    sub: Submission,
) -> AppResult<Receipt> {
    let channel = load_channel(conn, slug)?;
    let checked = report::check_report(&sub.draft).map_err(AppError::Validation)?;
    let verified = challenge::verify(&rules.challenge, "report", &channel.slug, &sub.challenge)?;
    take(conn, &format!("public:report:{address}"), rules.reports_per_address_hour, "提交过于频繁,请稍后再试")?;
    take(
        conn,
        &format!("public:channel:{}", channel.id),
        rules.reports_per_channel_hour,
        "当前提交人数较多,请稍后再试,或通过海报上的其他方式反映",
    )?;
    let clean = clean_files(&sub.files)?;
    let (team_name, unit_name) = names(conn, &channel)?;
    let unit_object: String = crate::db::schema::inspected_units::table
        .find(&channel.inspected_unit_id)
        .select(crate::db::schema::inspected_units::object_id)
        .first(conn)?;
    let code = receipt::generate();
    let digest = receipt::digest(&receipt::normalize(&code).expect("a generated code normalises"));
    let number = write_tx(conn, |conn, log| {
        challenge::spend(conn, &verified)?;
        diesel::update(ch::table.find(&channel.id)).set(ch::reports_count.eq(ch::reports_count + 1)).execute(conn)?;
        let number: i32 = ch::table.find(&channel.id).select(ch::reports_count).first(conn)?;
        let (title, body) = report::record_text(&team_name, &unit_name, number, &checked);
        let mut protected = std::collections::BTreeMap::new();
        if let Some((name, contact)) = &checked.identity {
            for (field, value) in [(report::FIELD_REPORTER_NAME, name), (report::FIELD_REPORTER_CONTACT, contact)] {
                if !value.is_empty() {
                    protected.insert(field.to_string(), value.clone());
                }
            }
        }
        let mut attributes = serde_json::Map::new();
        attributes.insert("report_channel_id".into(), json!(channel.id));
        attributes.insert("report_number".into(), json!(number));
        attributes.insert("anonymous".into(), json!(checked.identity.is_none()));
        let content = RecordContent {
            kind: RecordKind::Petition,
            title,
            body,
            category: None,
            object_ids: vec![unit_object.clone()],
            tags: vec!["码上巡察".into()],
            attributes,
            distribution: Distribution::own(),
            sensitivity: Sensitivity::Sensitive,
            protected,
            field_grants: vec![],
            external_id: None,
        };
        let p = channel_principal(&channel.id, &channel.owner_agency_id);
        let ctx = WriteContext::load(conn)?;
        let record = records::create(conn, log, &ctx, &p, content)?;
        let id = new_id();
        let at = log.at().to_string();
        diesel::insert_into(pr::table)
            .values((
                pr::id.eq(&id),
                pr::channel_id.eq(&channel.id),
                pr::number.eq(number),
                pr::record_id.eq(&record.row.id),
                pr::receipt_digest.eq(&digest),
                pr::state.eq(ReportState::Received.as_str()),
                pr::supplements.eq(0),
                pr::created_at.eq(&at),
                pr::updated_at.eq(&at),
            ))
            .execute(conn)?;
        insert_files(conn, &id, 1, &clean, &at)?;
        notify_liaison(conn, rules, &channel, &team_name, number, &id, log.last_seq())?;
        // Who reported is nobody's business here: the entry names the channel only.
        log.audit(
            &Actor::from(&p),
            "public_report.create",
            "public_report",
            Some(&id),
            None,
            json!({"channel_id": channel.id, "number": number, "record_id": record.row.id, "files": clean.len()}),
        );
        Ok(number)
    })?;
    Ok(Receipt { code, number, team_name })
}

/// Tells the channel's liaison (an active user of the office with a mail address) that a
/// report came in: its number and a link, nothing of its content or its reporter.
fn notify_liaison(
    conn: &mut DbConnection,
    rules: &IntakeRules,
    channel: &ChannelRow,
    team_name: &str,
    number: i32,
    report_id: &str,
    seq: i64,
) -> AppResult<()> {
    use crate::db::schema::users;
    let Some(user_id) = &channel.liaison_user_id else { return Ok(()) };
    let user: Option<(Option<String>, bool, String)> =
        users::table.find(user_id).select((users::email, users::active, users::agency_id)).first(conn).optional()?;
    let Some((Some(email), true, agency)) = user else { return Ok(()) };
    if agency != channel.owner_agency_id {
        return Ok(());
    }
    let link = format!("{}/public-reports/{report_id}", rules.hub_url.trim_end_matches('/'));
    let mail = crate::domain::mail::render_report_notice(team_name, number, &link);
    crate::service::mail::queue_direct(conn, user_id, &email, "public_report.received", seq, mail)?;
    Ok(())
}

/// The report a receipt code names (counted against the address's lookups first: guessing
/// codes costs the guesser their budget), or 404.
fn by_code(
    conn: &mut DbConnection,
    rules: &IntakeRules,
    address: &str,
    code: &str,
) -> AppResult<(String, String, i32, String, ReportState, i32)> {
    take(conn, &format!("public:lookup:{address}"), rules.lookups_per_address_hour, "查询过于频繁,请一小时后再试")?;
    let not_found = || AppError::NotFound(NO_SUCH_RECEIPT.into());
    let normalized = receipt::normalize(code).ok_or_else(not_found)?;
    let row: (String, String, i32, String, String, i32) = pr::table
        .filter(pr::receipt_digest.eq(receipt::digest(&normalized)))
        .select((pr::id, pr::channel_id, pr::number, pr::created_at, pr::state, pr::supplements))
        .first(conn)
        .optional()?
        .ok_or_else(not_found)?;
    let state = crate::domain::from_stored("举报状态", &row.4, ReportState::parse).map_err(anyhow::Error::from)?;
    Ok((row.0, row.1, row.2, row.3, state, row.5))
}

fn status_of(
    conn: &mut DbConnection,
    channel_id: &str,
    number: i32,
    created_at: &str,
    state: ReportState,
    additions: i32,
) -> AppResult<PublicReportStatus> {
    let row: ChannelRow = ch::table.find(channel_id).select(ChannelRow::as_select()).first(conn)?;
    let (team_name, _) = names(conn, &row)?;
    let received_on = chrono::DateTime::parse_from_rfc3339(created_at)
        .map(|t| clock::current().date_at(t.with_timezone(&chrono::Utc)).format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    Ok(PublicReportStatus {
        team_name,
        number,
        received_on,
        status: state.public_status(),
        accepts_additions: !state.is_final() && additions < report::MAX_ADDITIONS,
    })
}

/// What a receipt code's holder may know: the stage, no details.
pub fn status(
    conn: &mut DbConnection,
    rules: &IntakeRules,
    address: &str,
    code: &str,
) -> AppResult<PublicReportStatus> {
    let (_, channel_id, number, created_at, state, additions) = by_code(conn, rules, address, code)?;
    status_of(conn, &channel_id, number, &created_at, state, additions)
}

/// A reporter adds information (text and files) to their report while it is still being
/// handled: a new version of its record, marked with the time it came in.
pub fn add(
    conn: &mut DbConnection,
    rules: &IntakeRules,
    address: &str,
    code: &str,
    text: &str,
    raw_files: &[Vec<u8>],
    solved: &str,
) -> AppResult<PublicReportStatus> {
    let addition = report::check_addition(text).map_err(AppError::Validation)?;
    let verified = challenge::verify(&rules.challenge, "addition", "receipt", solved)?;
    let (id, channel_id, number, created_at, state, additions) = by_code(conn, rules, address, code)?;
    if !status_of(conn, &channel_id, number, &created_at, state, additions)?.accepts_additions {
        return Err(AppError::Conflict("该举报已办结或补充次数已满,不能再补充;如有新情况,请重新反映".into()));
    }
    take(conn, &format!("public:report:{address}"), rules.reports_per_address_hour, "提交过于频繁,请稍后再试")?;
    let clean = clean_files(raw_files)?;
    let (record_id, owner): (String, String) = pr::table
        .find(&id)
        .inner_join(ch::table.on(ch::id.eq(pr::channel_id)))
        .select((pr::record_id, ch::owner_agency_id))
        .first(conn)?;
    write_tx(conn, |conn, log| {
        challenge::spend(conn, &verified)?;
        let n = diesel::update(pr::table.find(&id).filter(pr::supplements.eq(additions)))
            .set((pr::supplements.eq(additions + 1), pr::updated_at.eq(log.at())))
            .execute(conn)?;
        if n == 0 {
            return Err(AppError::Conflict("该举报刚刚有其他补充,请重新查询后再补充".into()));
        }
        let p = channel_principal(&channel_id, &owner);
        let viewer = crate::store::directory::viewer(conn, &owner)?;
        let ctx = WriteContext::load(conn)?;
        let local = clock::current().now().with_timezone(&clock::current().tz).format("%Y-%m-%d %H:%M").to_string();
        records::update(conn, log, &ctx, &p, &viewer, &record_id, None, |c| {
            c.body = report::body_with_addition(&c.body, &local, &addition);
        })?;
        let have: i64 = files::table.filter(files::report_id.eq(&id)).count().get_result(conn)?;
        let at = log.at().to_string();
        insert_files(conn, &id, have as usize + 1, &clean, &at)?;
        log.audit(
            &Actor::from(&p),
            "public_report.add",
            "public_report",
            Some(&id),
            None,
            json!({"channel_id": channel_id, "number": number, "files": clean.len()}),
        );
        Ok(())
    })?;
    status_of(conn, &channel_id, number, &created_at, state, additions + 1)
}
