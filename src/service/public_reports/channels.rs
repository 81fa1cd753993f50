//! Reporting channels: opened by the office running the round for one of its inspected units
//! (with the team assigned there), changed or closed early by it, seen by it alone.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::schema::{public_reports, report_channels as ch, subject_objects, teams, users};
use crate::db::DbConnection;
use crate::domain::ids::{ChannelId, InspectedUnitId};
use crate::domain::public_report::{self as rules_of, MAX_CONTACT_LINE_CHARS};
use crate::domain::{clock, new_id};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::public_reports::{self as rules, CHANNEL_NOT_FOUND};
use crate::policy::Principal;
use crate::service::inspection::{visible_unit, InspectedUnitRow, RoundRow};
use crate::store::log::{write_tx, Actor};

/// A channel as the office sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChannelView {
    pub id: String,
    /// The inspection office running the round.
    pub owner_agency_id: String,
    pub round_id: String,
    pub inspected_unit_id: String,
    /// The inspected unit's name (the supervision object's).
    pub unit_name: String,
    pub team_id: String,
    pub team_name: String,
    /// The channel's public address (its page and QR code).
    pub public_url: String,
    /// The contact line shown on the page and the poster (e.g. the team's phone and mailbox).
    pub contact_line: String,
    /// First and last day reports are taken (YYYY-MM-DD, in the hub's time zone).
    pub opens_on: String,
    pub closes_on: String,
    /// When the office closed it before its last day.
    pub closed_at: Option<String>,
    /// Whether it takes reports today.
    pub open_now: bool,
    /// The office's user who is told of new reports (by mail, without their content).
    pub liaison_user_id: Option<String>,
    pub reports_count: i32,
    pub version: i32,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ch)]
pub struct ChannelRow {
    pub id: String,
    pub owner_agency_id: String,
    pub round_id: String,
    pub inspected_unit_id: String,
    pub team_id: String,
    pub slug: String,
    pub contact_line: String,
    pub opens_on: String,
    pub closes_on: String,
    pub closed_at: Option<String>,
    pub liaison_user_id: Option<String>,
    pub reports_count: i32,
    pub version: i32,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

impl ChannelRow {
    pub fn open_today(&self) -> bool {
        rules_of::is_open(&self.opens_on, &self.closes_on, self.closed_at.is_some(), &clock::current().today())
    }
}

/// What the office sets on a channel (creation; a change sends what it changes).
#[derive(Debug, Clone, Default)]
pub struct ChannelDraft {
    pub contact_line: Option<String>,
    pub opens_on: Option<String>,
    pub closes_on: Option<String>,
    /// `Some(None)` takes the liaison off.
    pub liaison_user_id: Option<Option<String>>,
}

/// The public address of a channel, under `base` (the hub's address as the public reaches it).
pub fn public_url(base: &str, slug: &str) -> String {
    format!("{}/public/c/{slug}", base.trim_end_matches('/'))
}

/// A new unguessable public address: 128 random bits, URL-safe.
fn new_slug() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// A channel the principal may see, or 404.
pub fn visible(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<ChannelRow> {
    let not_found = || AppError::NotFound(CHANNEL_NOT_FOUND.into());
    let row: ChannelRow =
        ch::table.find(id).select(ChannelRow::as_select()).first(conn).optional()?.ok_or_else(not_found)?;
    if rules::can_see_channel(p, &row.owner_agency_id) {
        Ok(row)
    } else {
        Err(not_found())
    }
}

/// The team's and the unit's names of a channel.
pub fn names(conn: &mut DbConnection, row: &ChannelRow) -> AppResult<(String, String)> {
    let team: String = teams::table.find(&row.team_id).select(teams::name).first(conn)?;
    let unit: String = crate::db::schema::inspected_units::table
        .find(&row.inspected_unit_id)
        .inner_join(subject_objects::table.on(subject_objects::id.eq(crate::db::schema::inspected_units::object_id)))
        .select(subject_objects::name)
        .first(conn)?;
    Ok((team, unit))
}

pub fn view(conn: &mut DbConnection, base: &str, row: ChannelRow) -> AppResult<ChannelView> {
    let (team_name, unit_name) = names(conn, &row)?;
    Ok(ChannelView {
        open_now: row.open_today(),
        public_url: public_url(base, &row.slug),
        id: row.id,
        owner_agency_id: row.owner_agency_id,
        round_id: row.round_id,
        inspected_unit_id: row.inspected_unit_id,
        unit_name,
        team_id: row.team_id,
        team_name,
        contact_line: row.contact_line,
        opens_on: row.opens_on,
        closes_on: row.closes_on,
        closed_at: row.closed_at,
        liaison_user_id: row.liaison_user_id,
        reports_count: row.reports_count,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Checks the draft's fields; the liaison must be an active user of the office.
fn check(conn: &mut DbConnection, office: &str, d: &ChannelDraft, errs: &mut Vec<FieldError>) -> AppResult<()> {
    if let Some(c) = &d.contact_line {
        let n = c.trim().chars().count();
        if n == 0 || n > MAX_CONTACT_LINE_CHARS {
            errs.push(FieldError::new("contact_line", format!("请填写联系方式(1–{MAX_CONTACT_LINE_CHARS} 个字)")));
        } else if c.contains('\0') {
            errs.push(FieldError::new("contact_line", "含有无法识别的空字符"));
        }
    }
    if let Some(Some(u)) = &d.liaison_user_id {
        let ok: Option<(String, bool)> = match crate::domain::is_id(u) {
            true => users::table.find(u).select((users::agency_id, users::active)).first(conn).optional()?,
            false => None,
        };
        if !matches!(ok, Some((a, true)) if a == office) {
            errs.push(FieldError::new("liaison_user_id", "联络人须为本单位在用的账号"));
        }
    }
    Ok(())
}

/// An inspected unit the principal may open a channel for (its round's office), or 404/403.
pub fn unit_for_channel(
    conn: &mut DbConnection,
    p: &Principal,
    unit_id: &InspectedUnitId,
) -> AppResult<(InspectedUnitRow, RoundRow)> {
    let (unit, round, _) = visible_unit(conn, p, unit_id)?;
    rules::require_round_office(p, &round.owner_agency_id)?;
    Ok((unit, round))
}

/// The office opens a channel for one of its round's inspected units; the unit must have a
/// team. A unit may hold several channels (e.g. a second stationing), each with its period.
pub fn create(
    conn: &mut DbConnection,
    p: &Principal,
    base: &str,
    unit_id: &InspectedUnitId,
    d: &ChannelDraft,
) -> AppResult<ChannelView> {
    let (unit, round) = unit_for_channel(conn, p, unit_id)?;
    let mut errs = Vec::new();
    for (field, v) in [("contact_line", &d.contact_line), ("opens_on", &d.opens_on), ("closes_on", &d.closes_on)] {
        if v.is_none() {
            errs.push(FieldError::new(field, "必填"));
        }
    }
    check(conn, &p.agency_id, d, &mut errs)?;
    let (opens, closes) = (d.opens_on.clone().unwrap_or_default(), d.closes_on.clone().unwrap_or_default());
    if d.opens_on.is_some() && d.closes_on.is_some() {
        rules_of::check_period(&opens, &closes, &mut errs);
    }
    let Some(team_id) = unit.team_id.clone() else {
        errs.push(FieldError::new("inspected_unit_id", "该被巡察单位尚未确定巡察组,请先在巡察轮次中指定"));
        return Err(AppError::Validation(errs));
    };
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let row = write_tx(conn, |conn, log| {
        let id = new_id();
        let at = log.at().to_string();
        diesel::insert_into(ch::table)
            .values((
                ch::id.eq(&id),
                ch::owner_agency_id.eq(&p.agency_id),
                ch::round_id.eq(&round.id),
                ch::inspected_unit_id.eq(&unit.id),
                ch::team_id.eq(&team_id),
                ch::slug.eq(new_slug()),
                ch::contact_line.eq(d.contact_line.as_deref().unwrap_or_default().trim()),
                ch::opens_on.eq(&opens),
                ch::closes_on.eq(&closes),
                ch::liaison_user_id.eq(d.liaison_user_id.clone().flatten()),
                ch::reports_count.eq(0),
                ch::version.eq(1),
                ch::created_by.eq(p.actor_id()),
                ch::created_at.eq(&at),
                ch::updated_at.eq(&at),
            ))
            .execute(conn)?;
        log.audit(
            &Actor::from(p),
            "report_channel.create",
            "report_channel",
            Some(&id),
            None,
            json!({"inspected_unit_id": unit.id, "team_id": team_id, "opens_on": opens, "closes_on": closes}),
        );
        Ok(ch::table.find(&id).select(ChannelRow::as_select()).first(conn)?)
    })?;
    view(conn, base, row)
}

/// The office's channels, newest first.
pub fn list(conn: &mut DbConnection, p: &Principal, base: &str) -> AppResult<Vec<ChannelView>> {
    crate::policy::require_content_reader(p)?;
    let rows: Vec<ChannelRow> = ch::table
        .filter(ch::owner_agency_id.eq(&p.agency_id))
        .order(ch::id.desc())
        .select(ChannelRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|r| view(conn, base, r)).collect()
}

pub fn show(conn: &mut DbConnection, p: &Principal, base: &str, id: &ChannelId) -> AppResult<ChannelView> {
    let row = visible(conn, p, id)?;
    view(conn, base, row)
}

/// Changes the contact line, the period or the liaison; `close` ends the channel at once (it
/// cannot be reopened: open a new one, with a new address).
pub fn update(
    conn: &mut DbConnection,
    p: &Principal,
    base: &str,
    id: &ChannelId,
    if_match: Option<i32>,
    d: &ChannelDraft,
    close: bool,
) -> AppResult<ChannelView> {
    let before = visible(conn, p, id)?;
    rules::require_channel_manager(p)?;
    let mut errs = Vec::new();
    check(conn, &p.agency_id, d, &mut errs)?;
    let opens = d.opens_on.clone().unwrap_or_else(|| before.opens_on.clone());
    let closes = d.closes_on.clone().unwrap_or_else(|| before.closes_on.clone());
    rules_of::check_period(&opens, &closes, &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    if let Some(v) = if_match.filter(|v| *v != before.version) {
        return Err(AppError::PreconditionFailed(format!(
            "举报渠道已被修改(当前版本 {},请求版本 {v}),请刷新后重试",
            before.version
        )));
    }
    if before.closed_at.is_some() && (close || d.opens_on.is_some() || d.closes_on.is_some()) {
        return Err(AppError::Conflict("该举报渠道已关闭,不能再改期;如需继续受理,请新建渠道".into()));
    }
    let row = write_tx(conn, |conn, log| {
        let at = log.at().to_string();
        let n = diesel::update(ch::table.find(&before.id).filter(ch::version.eq(before.version)))
            .set((
                ch::contact_line.eq(d.contact_line.as_deref().map(str::trim).unwrap_or(&before.contact_line)),
                ch::opens_on.eq(&opens),
                ch::closes_on.eq(&closes),
                ch::liaison_user_id.eq(d.liaison_user_id.clone().unwrap_or(before.liaison_user_id.clone())),
                ch::closed_at.eq(if close { Some(at.clone()) } else { before.closed_at.clone() }),
                ch::version.eq(before.version + 1),
                ch::updated_at.eq(&at),
            ))
            .execute(conn)?;
        if n == 0 {
            return Err(AppError::PreconditionFailed("举报渠道已被修改,请刷新后重试".into()));
        }
        log.audit(
            &Actor::from(p),
            if close { "report_channel.close" } else { "report_channel.update" },
            "report_channel",
            Some(&before.id),
            None,
            json!({"opens_on": opens, "closes_on": closes, "version": before.version + 1}),
        );
        Ok(ch::table.find(&before.id).select(ChannelRow::as_select()).first(conn)?)
    })?;
    view(conn, base, row)
}

/// Reports of a channel by state, for its statistics.
pub fn count_by_state(conn: &mut DbConnection, channel_id: &str) -> QueryResult<Vec<(String, i64)>> {
    public_reports::table
        .filter(public_reports::channel_id.eq(channel_id))
        .group_by(public_reports::state)
        .select((public_reports::state, diesel::dsl::count_star()))
        .load(conn)
}
