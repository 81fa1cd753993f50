//! Forty clue transfers from the inspection office, the petitions bureau, the audit bureau
//! and the supervision office to the discipline commissions, the organization department
//! and others, in every state (awaiting, accepted, in progress, concluded with each of the
//! four forms or cleared, fed back, returned), some overdue and some due within three days,
//! spread over six months and four inspection rounds — through `service::transfers`.

use std::collections::BTreeMap;

use super::titles::{COUNTY_ROUNDS, RETURN_REASONS, ROUNDS, SUGGESTIONS};
use super::Hub;
use crate::db::DbConnection;
use crate::domain::ids::TransferId;
use crate::domain::transfer::{Command, NewTransfer, Outcome, Sanctions};
use crate::error::AppError;
use crate::store::directory;
use crate::store::log::Log;

/// Where a transfer ends.
#[derive(Clone, Copy, PartialEq)]
pub enum End {
    Sent,
    Accepted,
    InProgress,
    Concluded(Outcome),
    Closed(Outcome),
    Returned(usize),
}

use End::*;
use Outcome::*;

/// (from, to, where it ends, days since it was sent, deadline in days from today — used for
/// the open ones; the others had two months).
pub const PLAN: &[(&str, &str, End, i64, i64)] = &[
    ("xunchaban", "jiwei", Sent, 50, -5),
    ("xinfangju", "jiwei", Sent, 40, -2),
    ("xunchaban", "zuzhibu", Sent, 12, 1),
    ("shenjiju", "jiwei", Sent, 10, 3),
    ("yc_xunchaban", "yc_jiwei", Sent, 6, 24),
    ("duchaju", "zuzhibu", Sent, 4, 40),
    ("xunchaban", "wy_jiwei", Sent, 2, 58),
    ("xunchaban", "jiwei", Accepted, 45, -8),
    ("xinfangju", "zuzhibu", Accepted, 20, 2),
    ("xunchaban", "jiwei", Accepted, 15, 30),
    ("yc_xunchaban", "yc_jiwei", Accepted, 25, 15),
    ("shenjiju", "caizhengju", Accepted, 18, 20),
    ("xunchaban", "jiwei", InProgress, 80, -15),
    ("xunchaban", "zuzhibu", InProgress, 70, -3),
    ("duchaju", "jiwei", InProgress, 35, 0),
    ("xunchaban", "jiwei", InProgress, 30, 25),
    ("xinfangju", "jiwei", InProgress, 28, 32),
    ("yc_xunchaban", "yc_jiwei", InProgress, 40, 10),
    ("xunchaban", "gonganju", InProgress, 33, 27),
    ("shenjiju", "jiwei", InProgress, 26, 34),
    ("xunchaban", "jiwei", Concluded(Form1), 160, 0),
    ("xunchaban", "zuzhibu", Concluded(Form1), 150, 0),
    ("xunchaban", "jiwei", Concluded(Form2), 120, 0),
    ("xinfangju", "jiwei", Concluded(Form3), 110, 0),
    ("xunchaban", "jiwei", Concluded(Form4), 95, 0),
    ("yc_xunchaban", "yc_jiwei", Concluded(Form1), 90, 0),
    ("duchaju", "zuzhibu", Concluded(Cleared), 85, 0),
    ("xunchaban", "wy_jiwei", Concluded(Form2), 60, 0),
    ("xunchaban", "jiwei", Closed(Form1), 175, 0),
    ("xunchaban", "zuzhibu", Closed(Form1), 170, 0),
    ("xunchaban", "jiwei", Closed(Form3), 165, 0),
    ("shenjiju", "jiwei", Closed(Form3), 140, 0),
    ("xunchaban", "jiwei", Closed(Form4), 130, 0),
    ("xunchaban", "jianchayuan", Closed(Form4), 125, 0),
    ("xunchaban", "zuzhibu", Closed(Cleared), 100, 0),
    ("xunchaban", "jiwei", Closed(Form1), 75, 0),
    ("xunchaban", "jiwei", Returned(0), 55, 0),
    ("xinfangju", "zuzhibu", Returned(1), 48, 0),
    ("xunchaban", "jiwei", Returned(2), 22, 0),
    ("duchaju", "jiwei", Returned(3), 14, 0),
];

/// A transfer the demo made: its id, clue, plan entry.
pub struct Sent {
    pub id: String,
    pub record_id: String,
    pub from: &'static str,
    pub to: &'static str,
    pub end: End,
    pub days_ago: i64,
    pub deadline_in: i64,
}

/// Still with the receiver (an open transfer can be overdue).
pub fn is_open(end: End) -> bool {
    matches!(end, Sent | Accepted | InProgress)
}

/// The inspection round a transfer belongs to, by when it was sent.
fn round(from: &str, days_ago: i64) -> Option<String> {
    let i = match days_ago {
        121.. => 0,
        61..=120 => 1,
        21..=60 => 2,
        _ => 3,
    };
    match from {
        "xunchaban" => Some(ROUNDS[i].to_string()),
        "yc_xunchaban" => Some(COUNTY_ROUNDS[i / 2].to_string()),
        _ => None,
    }
}

/// The sanctions and summary of a conclusion, in the proportions of seed 000 (organisational
/// handling far more often than disciplinary sanctions, judicial transfers rare).
fn conclusion(outcome: Outcome, i: usize) -> (Sanctions, String) {
    let s = |disciplinary, organizational, judicial| Sanctions { disciplinary, organizational, judicial };
    match outcome {
        Form1 => {
            let n = 1 + (i % 3) as i32;
            (s(0, n, 0), format!("对{n}名相关责任人进行谈话提醒、批评教育,责令作出书面检查"))
        }
        Form2 => (s(1, 2, 0), "给予主要责任人党内警告处分,对2名相关人员诫勉".to_string()),
        Form3 => (s(2, 1, 0), "给予主要责任人撤销党内职务、政务撤职处分,对1人调整职务".to_string()),
        Form4 => (
            s(1, 1, 1),
            "对主要责任人立案审查调查,给予开除党籍、开除公职处分,涉嫌犯罪问题移送检察机关依法审查起诉".to_string(),
        ),
        Cleared => (s(0, 0, 0), "经核查,反映问题失实,予以了结澄清,并向被反映人反馈".to_string()),
    }
}

/// Sends every planned transfer and moves it to where it ends; returns them. The clue of
/// each is the sender's next one; `ages` learns that a clue was published before its
/// transfer.
pub fn send_all(
    conn: &mut DbConnection,
    log: &mut Log,
    hub: &Hub,
    clues: &BTreeMap<&str, Vec<String>>,
    ages: &mut BTreeMap<String, i64>,
) -> Result<Vec<Sent>, AppError> {
    let ctx = crate::service::records::WriteContext::load(conn)?;
    let today = crate::domain::clock::parse_date(&crate::domain::clock::today()).expect("today is a date");
    let mut next: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, (from, to, end, days_ago, deadline_in)) in PLAN.iter().enumerate() {
        let k = next.entry(from).or_default();
        let record_id = clues[from][*k].clone();
        *k += 1;
        ages.insert(record_id.clone(), days_ago + 3 + (i % 9) as i64);
        let sender = hub.liaison(from);
        let viewer = directory::viewer(conn, &sender.agency_id)?;
        // Past deadlines are written afterwards (the service accepts none; `backdate`).
        let days = if is_open(*end) { (*deadline_in).max(0) } else { 30 };
        let deadline = today + chrono::Duration::days(days);
        let n = NewTransfer {
            to_agency_id: hub.agency(to),
            suggestion: SUGGESTIONS[i % SUGGESTIONS.len()].to_string(),
            deadline: crate::domain::clock::format_date(deadline),
            round: round(from, *days_ago),
        };
        let t = crate::service::transfers::create(conn, log, &ctx, &sender, &viewer, &record_id, n)?;
        let id = TransferId::from_stored(t.id.clone());
        let receiver = hub.liaison(to);
        let mut step = |cmd: Command| crate::service::transfers::act(conn, log, &receiver, &id, cmd).map(|_| ());
        match end {
            Sent => {}
            Returned(r) => step(Command::Return { reason: RETURN_REASONS[*r].to_string() })?,
            _ => {
                step(Command::Accept)?;
                if *end != Accepted {
                    step(Command::Start)?;
                }
                if let Concluded(o) | Closed(o) = end {
                    let (sanctions, summary) = conclusion(*o, i);
                    step(Command::Conclude { outcome: *o, sanctions, summary })?;
                }
                if let Closed(_) = end {
                    step(Command::Feedback {
                        note: "已向移交单位书面反馈办理结果,相关问题已整改到位".into()
                    })?;
                }
            }
        }
        out.push(Sent { id: t.id, record_id, from, to, end: *end, days_ago: *days_ago, deadline_in: *deadline_in });
    }
    Ok(out)
}
