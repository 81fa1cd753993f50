//! Rule 5: entitlement has two forms, the Rust check (`policy::can_read`) and the SQL filter
//! (`policy::entitled_sql`); both are held against an independent model written here, for
//! random agencies (active or not), groups, distributions, grants (transfer: full access;
//! deliberation: read only), field grants, sensitivities and withdrawals, on both backends.
//! The same worlds check the feed (`events_after`), `audience`, disclosure and redaction,
//! and transfer visibility (`can_see_transfer`, `transfer_visible_sql`). The worlds also hold
//! deliberations (convener, participants, assignments), and the same run holds the workflow
//! rules against the model in `policy_equivalence_workflow`: which side of a transfer an
//! agency is on and who may transfer a record; who sees a deliberation (Rust and SQL), who
//! may convene one, and what only its convener or an assignee does.
//!
//! Reproducible: the seed is printed (rerun with `GUANTONG_PROPTEST_SEED=<n>`), and failing
//! cases are persisted to `policy_equivalence.regressions` (committed) and replayed first.

use std::collections::BTreeSet;

use diesel::prelude::*;
use guantong::db::schema::{
    agencies, events, group_members, record_field_grants, record_grants, record_recipients, records, sharing_groups,
    transfers,
};
use guantong::db::DbConnection;
use guantong::domain::transfer::TransferState;
use guantong::policy::{self, can_read, entitled_sql, ReadMode};
use guantong::service::feed;
use guantong::service::transfers::TransferRow;
use guantong::store::directory;
use guantong::store::log::{feed_index, head_seq};
use guantong::store::records::{list as list_records, load_many, RecordQuery, RecordRow};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngAlgorithm, TestRng, TestRunner};

use crate::helpers::*;
use crate::policy_equivalence_workflow::{self as workflow, Deliberation};

#[derive(Debug, Clone)]
pub(crate) struct World {
    pub(crate) active: Vec<bool>,
    groups: Vec<Vec<usize>>,
    pub(crate) records: Vec<Rec>,
    /// (record, from, to, state index into `STATES`)
    pub(crate) transfers: Vec<(usize, usize, usize, usize)>,
    /// Targeted events (tombstones): (record, target agency).
    tombstones: Vec<(usize, usize)>,
    pub(crate) deliberations: Vec<Deliberation>,
}

#[derive(Debug, Clone)]
pub(crate) struct Rec {
    pub(crate) owner: usize,
    /// 0 own, 1 agencies, 2 group, 3 all
    pub(crate) level: u8,
    pub(crate) recipients: Vec<usize>,
    pub(crate) group: usize,
    /// (agency, by transfer: full access; else by deliberation: read only), those the
    /// world's live transfers and deliberations leave included (as the services write them).
    pub(crate) grants: Vec<(usize, bool)>,
    pub(crate) field_grants: Vec<usize>,
    /// 0 general, 1 sensitive, 2 restricted
    pub(crate) sensitivity: u8,
    pub(crate) withdrawn: bool,
}

const STATES: [TransferState; 6] = [
    TransferState::Transferred,
    TransferState::Accepted,
    TransferState::InProgress,
    TransferState::Concluded,
    TransferState::Closed,
    TransferState::Returned,
];

fn world() -> impl Strategy<Value = World> {
    (2usize..6).prop_flat_map(|n| {
        let agency = 0..n;
        let subset = proptest::collection::vec(agency.clone(), 0..n);
        let grants = proptest::collection::vec((agency.clone(), any::<bool>()), 0..n);
        let rec = (
            (agency.clone(), 0u8..4, subset.clone(), 0usize..3),
            (grants, subset.clone(), 0u8..3, proptest::bool::weighted(0.15)),
        )
            .prop_map(|((owner, level, recipients, group), (grants, field_grants, sensitivity, withdrawn))| Rec {
                owner,
                level,
                recipients,
                group,
                grants,
                field_grants,
                sensitivity,
                withdrawn,
            });
        (
            proptest::collection::vec(proptest::bool::weighted(0.8), n),
            proptest::collection::vec(subset, 3),
            proptest::collection::vec(rec, 1..14),
            proptest::collection::vec((0usize..14, agency.clone(), agency.clone(), 0usize..6), 0..6),
            proptest::collection::vec((0usize..14, agency), 0..4),
            workflow::deliberations(n),
        )
            .prop_map(|(active, groups, mut records, transfers, tombstones, deliberations)| {
                let r = records.len();
                let transfers: Vec<_> = transfers.into_iter().map(|(x, f, t, s)| (x % r, f, t, s)).collect();
                // A live transfer grants its receiver full access (`transfers::create`; a
                // return deletes the grant).
                for (x, _, to, s) in &transfers {
                    if STATES[*s] != TransferState::Returned {
                        records[*x].grants.push((*to, true));
                    }
                }
                World {
                    active,
                    groups,
                    transfers,
                    tombstones: tombstones.into_iter().map(|(x, a)| (x % r, a)).collect(),
                    deliberations: workflow::settle(deliberations, &mut records),
                    records,
                }
            })
    })
}

// ---- The model: the permission rules of DESIGN.md, read literally --------------------------

/// May agency `a` read record `r`? Withdrawn: nobody. The owner: always. An inactive agency:
/// only its own. Otherwise by distribution, or by any grant.
fn model_reads(w: &World, a: usize, r: &Rec) -> bool {
    if r.withdrawn {
        return false;
    }
    if r.owner == a {
        return true;
    }
    if !w.active[a] {
        return false;
    }
    let distributed = match r.level {
        1 => r.recipients.contains(&a),
        2 => w.groups[r.group].contains(&a),
        3 => true,
        _ => false,
    };
    distributed || r.grants.iter().any(|(g, _)| *g == a)
}

/// Protected fields: the owner, a field grant, or a transfer (never a deliberation).
fn model_sees_protected(r: &Rec, a: usize) -> bool {
    r.owner == a || r.field_grants.contains(&a) || r.grants.iter().any(|(g, transfer)| *g == a && *transfer)
}

/// A transfer: both parties, except that a returned one is the sender's alone.
fn model_sees_transfer(a: usize, from: usize, to: usize, state: TransferState) -> bool {
    a == from || (a == to && state != TransferState::Returned)
}

// ---- Loading a world into the database ----------------------------------------------------

pub(crate) fn id(kind: &str, i: usize) -> String {
    // Fixed, valid UUIDs per index, so the run is reproducible.
    let k = match kind {
        "a" => 1,
        "g" => 2,
        "t" => 4,
        "d" => 5,
        _ => 3,
    };
    format!("00000000-0000-7000-8000-{k:04}{i:08}")
}

macro_rules! exec {
    ($conn:expr, $q:expr) => {
        $q.execute($conn).unwrap()
    };
}

fn load_world(conn: &mut DbConnection, w: &World) {
    for t in [
        "deliberation_participants",
        "deliberations",
        "events",
        "feed_keys",
        "transfers",
        "record_field_grants",
        "record_grants",
        "record_recipients",
        "records",
        "group_members",
        "sharing_groups",
    ] {
        diesel::sql_query(format!("DELETE FROM {t}")).execute(conn).unwrap();
    }
    // The hub's own agency (of the administrator) stays; the generated ones go.
    diesel::delete(agencies::table.filter(agencies::code.like("a%"))).execute(conn).unwrap();
    for (i, active) in w.active.iter().enumerate() {
        exec!(
            conn,
            diesel::insert_into(agencies::table).values((
                agencies::id.eq(id("a", i)),
                agencies::code.eq(format!("a{i}")),
                agencies::name.eq(format!("单位{i}")),
                agencies::kind.eq("other"),
                agencies::level.eq("city"),
                agencies::active.eq(*active),
                agencies::created_at.eq("t"),
            ))
        );
    }
    for (g, members) in w.groups.iter().enumerate() {
        exec!(
            conn,
            diesel::insert_into(sharing_groups::table).values((
                sharing_groups::id.eq(id("g", g)),
                sharing_groups::name.eq(format!("组{g}")),
                sharing_groups::description.eq(""),
                sharing_groups::created_at.eq("t"),
            ))
        );
        for a in members.iter().collect::<BTreeSet<_>>() {
            exec!(
                conn,
                diesel::insert_into(group_members::table).values((
                    group_members::group_id.eq(id("g", g)),
                    group_members::agency_id.eq(id("a", *a)),
                    group_members::joined_at.eq("t"),
                ))
            );
        }
    }
    for (r, rec) in w.records.iter().enumerate() {
        let level = ["own", "agencies", "group", "all"][rec.level as usize];
        let row = RecordRow {
            id: id("r", r),
            owner_agency_id: id("a", rec.owner),
            author_id: "x".into(),
            kind: "clue".into(),
            title: format!("标题{r}"),
            body: format!("正文{r}"),
            category: None,
            tags: "[]".into(),
            attributes: "{}".into(),
            distribution_level: level.into(),
            group_id: (level == "group").then(|| id("g", rec.group)),
            sensitivity: ["general", "sensitive", "restricted"][rec.sensitivity as usize].into(),
            protected: r#"{"reporter_name":"举报人"}"#.into(),
            external_id: None,
            version: 1,
            content_hash: String::new(),
            seq: r as i64 + 1,
            created_at: "t".into(),
            updated_at: "t".into(),
            withdrawn_at: rec.withdrawn.then(|| "t".to_string()),
        };
        exec!(conn, diesel::insert_into(records::table).values(&row));
        // Recipients are stored whatever the level, to check the level is respected.
        for a in rec.recipients.iter().collect::<BTreeSet<_>>() {
            exec!(
                conn,
                diesel::insert_into(record_recipients::table).values((
                    record_recipients::record_id.eq(id("r", r)),
                    record_recipients::agency_id.eq(id("a", *a))
                ))
            );
        }
        for a in rec.field_grants.iter().collect::<BTreeSet<_>>() {
            exec!(
                conn,
                diesel::insert_into(record_field_grants::table).values((
                    record_field_grants::record_id.eq(id("r", r)),
                    record_field_grants::agency_id.eq(id("a", *a))
                ))
            );
        }
        for (a, transfer) in rec.grants.iter().collect::<BTreeSet<_>>() {
            exec!(
                conn,
                diesel::insert_into(record_grants::table).values((
                    record_grants::record_id.eq(id("r", r)),
                    record_grants::agency_id.eq(id("a", *a)),
                    record_grants::reason.eq(if *transfer { "transfer" } else { "deliberation" }),
                    record_grants::source_id.eq("s"),
                    record_grants::created_at.eq("t"),
                ))
            );
        }
    }
    // The feed: an untargeted creation per record, then the targeted tombstones.
    let mut seq = 0;
    let mut event = |conn: &mut DbConnection, kind: &str, r: usize, target: Option<usize>| {
        seq += 1;
        exec!(
            conn,
            diesel::insert_into(events::table).values((
                events::seq.eq(seq),
                events::event_type.eq(kind),
                events::record_id.eq(Some(id("r", r))),
                events::target_agency_id.eq(target.map(|a| id("a", a))),
                events::actor_agency_id.eq(None::<String>),
                events::payload.eq("{}"),
                events::at.eq("t"),
            ))
        );
    };
    for r in 0..w.records.len() {
        event(conn, "record.created", r, None);
    }
    for (r, a) in &w.tombstones {
        event(conn, "record.revoked", *r, Some(*a));
    }
    file_creations(conn, w);
    for (i, (r, from, to, state)) in w.transfers.iter().enumerate() {
        let row = TransferRow {
            id: id("t", i),
            record_id: id("r", *r),
            from_agency_id: id("a", *from),
            to_agency_id: id("a", *to),
            suggestion: "s".into(),
            deadline: "2099-01-01".into(),
            round: None,
            category: None,
            state: STATES[*state].as_str().into(),
            created_by: "x".into(),
            created_at: "t".into(),
            updated_at: "t".into(),
            accepted_at: None,
            started_at: None,
            concluded_at: None,
            closed_at: None,
            returned_at: None,
            return_reason: None,
            outcome: None,
            sanctions_disciplinary: 0,
            sanctions_organizational: 0,
            sanctions_judicial: 0,
            summary: None,
            feedback_note: None,
            version: 1,
        };
        exec!(conn, diesel::insert_into(transfers::table).values(&row));
    }
    workflow::load_deliberations(conn, w);
}

/// Files each creation in the feed index as the services do, three ways in turn: under the
/// record's keys at once (a new record); under its owner and then, like a reader gained
/// later, under all its keys (`refile_record`: a widened distribution, a grant); and the
/// same with a stale `*` left over (a record once shared with all, since narrowed), which
/// the feed must not follow.
fn file_creations(conn: &mut DbConnection, w: &World) {
    let ids: Vec<String> = (0..w.records.len()).map(|r| id("r", r)).collect();
    let stored = load_many(conn, &ids).unwrap();
    for (r, rid) in ids.iter().enumerate() {
        let keys = policy::record_feed_keys(&stored[rid].facts());
        let owner = policy::agency_feed_key(&id("a", w.records[r].owner));
        let seq = r as i64 + 1;
        match r % 3 {
            0 => feed_index::insert(conn, &keys.iter().map(|k| (k.clone(), seq)).collect::<Vec<_>>()).unwrap(),
            1 => feed_index::insert(conn, &[(owner, seq)]).unwrap(),
            _ => feed_index::insert(conn, &[(owner, seq), ("*".to_string(), seq)]).unwrap(),
        }
        if r % 3 != 0 {
            feed_index::refile_record(conn, rid, &keys).unwrap();
        }
    }
}

// ---- The property ---------------------------------------------------------------------------

fn seed() -> u64 {
    match std::env::var("GUANTONG_PROPTEST_SEED") {
        Ok(s) => s.trim().parse().expect("GUANTONG_PROPTEST_SEED must be a number"),
        Err(_) => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
    }
}

fn runner(cases: u32) -> TestRunner {
    let seed = seed();
    eprintln!("policy_equivalence: seed {seed} (rerun with GUANTONG_PROPTEST_SEED={seed})");
    let bytes: Vec<u8> = seed.to_le_bytes().iter().cycle().take(32).copied().collect();
    let config = Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/api/policy_equivalence.regressions"
        )))),
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Checks one world for every generated agency; returns the (agency, record) pairs compared.
fn check_world(conn: &mut DbConnection, w: &World) -> Result<usize, TestCaseError> {
    load_world(conn, w);
    let ids: Vec<String> = (0..w.records.len()).map(|r| id("r", r)).collect();
    let stored = load_many(conn, &ids).unwrap();
    let agencies: Vec<String> = (0..w.active.len()).map(|a| id("a", a)).collect();
    let directory = directory::load(conn).unwrap();
    let mut compared = 0;
    for (a, agency) in agencies.iter().enumerate() {
        let viewer = directory::viewer(conn, agency).unwrap();
        let model: BTreeSet<String> =
            w.records.iter().enumerate().filter(|(_, r)| model_reads(w, a, r)).map(|(r, _)| id("r", r)).collect();
        // Entitlement, both forms against the model.
        let by_sql: BTreeSet<String> = records::table
            .filter(entitled_sql(&viewer))
            .select(records::id)
            .load::<String>(conn)
            .unwrap()
            .into_iter()
            .collect();
        let by_rust: BTreeSet<String> =
            stored.iter().filter(|(_, s)| can_read(&viewer, &s.facts())).map(|(id, _)| id.clone()).collect();
        prop_assert_eq!(&by_rust, &model, "can_read, agency {} in {:?}", a, w);
        prop_assert_eq!(&by_sql, &model, "entitled_sql, agency {} in {:?}", a, w);
        // The feed: creations of records it reads now, and the tombstones aimed at it.
        let mut expected_feed: Vec<i64> =
            (0..w.records.len()).filter(|r| model_reads(w, a, &w.records[*r])).map(|r| r as i64 + 1).collect();
        expected_feed.extend(
            w.tombstones
                .iter()
                .enumerate()
                .filter(|(_, (_, t))| *t == a)
                .map(|(i, _)| (w.records.len() + i) as i64 + 1),
        );
        let got_feed: Vec<i64> =
            feed::events_after(conn, &viewer, 0, i64::MAX, 10_000).unwrap().iter().map(|e| e.seq).collect();
        prop_assert_eq!(&got_feed, &expected_feed, "events_after, agency {} in {:?}", a, w);
        // The same feed read two events at a time (the index is read until a page fills).
        let (mut paged, mut after) = (Vec::new(), 0);
        loop {
            let page = feed::events_after(conn, &viewer, after, i64::MAX, 2).unwrap();
            let Some(last) = page.last() else { break };
            after = last.seq;
            paged.extend(page.iter().map(|e| e.seq));
        }
        prop_assert_eq!(&paged, &expected_feed, "events_after by pages of 2, agency {} in {:?}", a, w);
        // Lists walk the same index: the records it reads, newest change first, whole and
        // by pages of 2 (the cursor is the last record's sequence number).
        let expected_list: Vec<String> = model.iter().rev().cloned().collect();
        let list = |conn: &mut DbConnection, limit: i64, before_seq: Option<i64>| {
            let f = RecordQuery { limit, before_seq, ..Default::default() };
            list_records(conn, &viewer, &f).unwrap().into_iter().map(|s| (s.row.seq, s.row.id)).collect::<Vec<_>>()
        };
        let whole: Vec<String> = list(conn, 10_000, None).into_iter().map(|(_, id)| id).collect();
        prop_assert_eq!(&whole, &expected_list, "list, agency {} in {:?}", a, w);
        let (mut paged, mut before) = (Vec::new(), None);
        loop {
            let page = list(conn, 2, before);
            let Some((last, _)) = page.last() else { break };
            before = Some(*last);
            paged.extend(page.into_iter().map(|(_, id)| id));
        }
        prop_assert_eq!(&paged, &expected_list, "list by pages of 2, agency {} in {:?}", a, w);
        // Disclosure and redaction of every record it reads, in each read mode.
        for (r, rec) in w.records.iter().enumerate().filter(|(_, r)| model_reads(w, a, r)) {
            let facts = stored[&id("r", r)].facts();
            let restricted = rec.sensitivity == 2;
            let protected = model_sees_protected(rec, a);
            let d = policy::disclosure(&viewer, &facts, ReadMode::Listing { purpose: None }).unwrap();
            prop_assert_eq!((d.content, d.protected, d.recipients), (!restricted, false, rec.owner == a));
            let d = policy::disclosure(&viewer, &facts, ReadMode::Feed { purpose: None }).unwrap();
            prop_assert_eq!((d.content, d.protected), (!restricted, protected && !restricted), "feed {} {}", a, r);
            let single = policy::disclosure(&viewer, &facts, ReadMode::Single { purpose: None });
            prop_assert_eq!(single.is_err(), restricted);
            let d = policy::disclosure(&viewer, &facts, ReadMode::Single { purpose: Some("核查") }).unwrap();
            prop_assert_eq!((d.content, d.protected), (true, protected), "single {} {}", a, r);
            compared += 1;
        }
        // Transfers: Rust and SQL against the model.
        let visible_sql: BTreeSet<String> = transfers::table
            .filter(policy::transfer_visible_sql(agency))
            .select(transfers::id)
            .load::<String>(conn)
            .unwrap()
            .into_iter()
            .collect();
        for (i, (_, from, to, state)) in w.transfers.iter().enumerate() {
            let expected = model_sees_transfer(a, *from, *to, STATES[*state]);
            prop_assert_eq!(policy::can_see_transfer(agency, &id("a", *from), &id("a", *to), STATES[*state]), expected);
            prop_assert_eq!(visible_sql.contains(&id("t", i)), expected, "transfer_visible_sql {} {}", a, i);
        }
        compared += w.records.len();
    }
    // Audience: exactly the generated agencies the model says read each record (the hub's
    // own agency is left out here: whether it reads is a rule of its own).
    for (r, rec) in w.records.iter().enumerate() {
        let got: Vec<String> = policy::audience(&directory, &stored[&id("r", r)].facts())
            .into_iter()
            .filter(|x| agencies.contains(x))
            .collect();
        let expected: Vec<String> =
            (0..w.active.len()).filter(|a| model_reads(w, *a, rec)).map(|a| id("a", a)).collect();
        prop_assert_eq!(got, expected, "audience of record {} in {:?}", r, w);
    }
    Ok(compared)
}

fn rust_sql_and_model_agree(b: Backend) {
    let app = TestApp::spawn(b);
    let conn = std::cell::RefCell::new(app.pool.get().unwrap());
    assert!(head_seq(&mut conn.borrow_mut()).is_ok());
    let compared = std::cell::Cell::new(0usize);
    let workflow_compared = std::cell::Cell::new(0usize);
    runner(96)
        .run(&world(), |w| {
            let mut conn = conn.borrow_mut();
            compared.set(compared.get() + check_world(&mut conn, &w)?);
            workflow_compared.set(workflow_compared.get() + workflow::check_world(&mut conn, &w)?);
            Ok(())
        })
        .unwrap();
    assert!(compared.get() > 500, "the property compared {} (agency, record) pairs", compared.get());
    let n = workflow_compared.get();
    assert!(n > 300, "the workflow property compared {n} (agency, transfer or deliberation) pairs");
}

/// The model itself is checked by hand on the cases that were leaks once.
#[test]
fn the_model_encodes_the_rules() {
    let w = World {
        active: vec![true, true, false],
        groups: vec![vec![1], vec![], vec![]],
        records: vec![],
        transfers: vec![],
        tombstones: vec![],
        deliberations: vec![],
    };
    let rec = |level: u8, grants: Vec<(usize, bool)>| Rec {
        owner: 0,
        level,
        recipients: vec![1],
        group: 0,
        grants,
        field_grants: vec![],
        sensitivity: 1,
        withdrawn: false,
    };
    assert!(model_reads(&w, 0, &rec(0, vec![])));
    assert!(!model_reads(&w, 1, &rec(0, vec![])));
    assert!(model_reads(&w, 1, &rec(1, vec![])) && model_reads(&w, 1, &rec(2, vec![])));
    assert!(!model_reads(&w, 2, &rec(3, vec![])), "an inactive agency reads only its own");
    // A deliberation grant reads but never sees protected fields; a transfer sees them.
    assert!(model_reads(&w, 1, &rec(0, vec![(1, false)])) && !model_sees_protected(&rec(0, vec![(1, false)]), 1));
    assert!(model_sees_protected(&rec(0, vec![(1, true)]), 1));
    assert!(
        !model_sees_transfer(1, 0, 1, TransferState::Returned) && model_sees_transfer(0, 0, 1, TransferState::Returned)
    );
}

crate::both!(rust_sql_and_model_agree);
