//! Rule 5: the Rust entitlement check and the SQL filter agree, for random agencies
//! (active or not), groups, distributions, grants and withdrawals, on both backends.

use std::collections::BTreeSet;

use diesel::prelude::*;
use guantong::db::schema::{agencies, group_members, record_grants, record_recipients, records, sharing_groups};
use guantong::db::DbConnection;
use guantong::policy::{can_read, entitled_sql};
use guantong::store::records::{load_many, RecordRow};
use guantong::store::{directory, log::head_seq};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::helpers::*;

#[derive(Debug, Clone)]
struct World {
    active: Vec<bool>,
    groups: Vec<Vec<usize>>,
    records: Vec<Rec>,
}

#[derive(Debug, Clone)]
struct Rec {
    owner: usize,
    level: u8,
    recipients: Vec<usize>,
    group: usize,
    grants: Vec<usize>,
    withdrawn: bool,
}

fn world() -> impl Strategy<Value = World> {
    (2usize..6).prop_flat_map(|n| {
        let agency = 0..n;
        let subset = proptest::collection::vec(agency.clone(), 0..n);
        let rec = (agency.clone(), 0u8..4, subset.clone(), 0usize..3, subset.clone(), proptest::bool::weighted(0.15))
            .prop_map(|(owner, level, recipients, group, grants, withdrawn)| Rec {
                owner,
                level,
                recipients,
                group,
                grants,
                withdrawn,
            });
        (
            proptest::collection::vec(proptest::bool::weighted(0.8), n),
            proptest::collection::vec(subset, 3),
            proptest::collection::vec(rec, 1..14),
        )
            .prop_map(|(active, groups, records)| World { active, groups, records })
    })
}

fn id(kind: &str, i: usize) -> String {
    // Fixed, valid UUIDs per index, so the run is reproducible.
    let k = match kind {
        "a" => 1,
        "g" => 2,
        _ => 3,
    };
    format!("00000000-0000-7000-8000-{k:04}{i:08}")
}

fn load_world(conn: &mut DbConnection, w: &World) {
    for t in ["record_grants", "record_recipients", "records", "group_members", "sharing_groups"] {
        diesel::sql_query(format!("DELETE FROM {t}")).execute(conn).unwrap();
    }
    // The hub's own agency (of the administrator) stays; the generated ones go.
    diesel::delete(agencies::table.filter(agencies::code.like("a%"))).execute(conn).unwrap();
    for (i, active) in w.active.iter().enumerate() {
        diesel::insert_into(agencies::table)
            .values((
                agencies::id.eq(id("a", i)),
                agencies::code.eq(format!("a{i}")),
                agencies::name.eq(format!("单位{i}")),
                agencies::kind.eq("other"),
                agencies::level.eq("city"),
                agencies::active.eq(*active),
                agencies::created_at.eq("t"),
            ))
            .execute(conn)
            .unwrap();
    }
    for (g, members) in w.groups.iter().enumerate() {
        diesel::insert_into(sharing_groups::table)
            .values((
                sharing_groups::id.eq(id("g", g)),
                sharing_groups::name.eq(format!("组{g}")),
                sharing_groups::description.eq(""),
                sharing_groups::created_at.eq("t"),
            ))
            .execute(conn)
            .unwrap();
        for a in members.iter().collect::<BTreeSet<_>>() {
            diesel::insert_into(group_members::table)
                .values((
                    group_members::group_id.eq(id("g", g)),
                    group_members::agency_id.eq(id("a", *a)),
                    group_members::joined_at.eq("t"),
                ))
                .execute(conn)
                .unwrap();
        }
    }
    for (r, rec) in w.records.iter().enumerate() {
        let level = ["own", "agencies", "group", "all"][rec.level as usize];
        let row = RecordRow {
            id: id("r", r),
            owner_agency_id: id("a", rec.owner),
            author_id: "x".into(),
            kind: "clue".into(),
            title: "t".into(),
            body: String::new(),
            category: None,
            tags: "[]".into(),
            attributes: "{}".into(),
            distribution_level: level.into(),
            group_id: (level == "group").then(|| id("g", rec.group)),
            sensitivity: "general".into(),
            protected: "{}".into(),
            external_id: None,
            version: 1,
            content_hash: String::new(),
            seq: r as i64,
            created_at: "t".into(),
            updated_at: "t".into(),
            withdrawn_at: rec.withdrawn.then(|| "t".to_string()),
        };
        diesel::insert_into(records::table).values(&row).execute(conn).unwrap();
        // Recipients are stored whatever the level, to check the level is respected.
        for a in rec.recipients.iter().collect::<BTreeSet<_>>() {
            diesel::insert_into(record_recipients::table)
                .values((record_recipients::record_id.eq(id("r", r)), record_recipients::agency_id.eq(id("a", *a))))
                .execute(conn)
                .unwrap();
        }
        for a in rec.grants.iter().collect::<BTreeSet<_>>() {
            diesel::insert_into(record_grants::table)
                .values((
                    record_grants::record_id.eq(id("r", r)),
                    record_grants::agency_id.eq(id("a", *a)),
                    record_grants::reason.eq("transfer"),
                    record_grants::source_id.eq("s"),
                    record_grants::created_at.eq("t"),
                ))
                .execute(conn)
                .unwrap();
        }
    }
}

fn rust_and_sql_agree(b: Backend) {
    let app = TestApp::spawn(b);
    let conn = std::cell::RefCell::new(app.pool.get().unwrap());
    assert!(head_seq(&mut conn.borrow_mut()).is_ok());
    let mut runner = TestRunner::new(Config { cases: 96, failure_persistence: None, ..Config::default() });
    let compared = std::cell::Cell::new(0usize);
    runner
        .run(&world(), |w| {
            let mut conn = conn.borrow_mut();
            let conn: &mut DbConnection = &mut conn;
            load_world(conn, &w);
            let ids: Vec<String> = (0..w.records.len()).map(|r| id("r", r)).collect();
            let facts = load_many(conn, &ids).unwrap();
            for a in 0..w.active.len() {
                let viewer = directory::viewer(conn, &id("a", a)).unwrap();
                let by_sql: BTreeSet<String> = records::table
                    .filter(entitled_sql(&viewer))
                    .select(records::id)
                    .load::<String>(conn)
                    .unwrap()
                    .into_iter()
                    .collect();
                let by_rust: BTreeSet<String> =
                    facts.iter().filter(|(_, s)| can_read(&viewer, &s.facts())).map(|(id, _)| id.clone()).collect();
                prop_assert_eq!(&by_sql, &by_rust, "agency {} in {:?}", a, w);
                compared.set(compared.get() + w.records.len());
            }
            Ok(())
        })
        .unwrap();
    assert!(compared.get() > 500, "the property compared {} (agency, record) pairs", compared.get());
}

crate::both!(rust_and_sql_agree);
