//! The workflow half of the policy property (`policy_equivalence` generates and loads the
//! worlds and runs both halves on each): the rules of transfers and deliberations, held
//! against an independent model for every generated agency, on both backends.
//!
//! - Transfers: which side of each transfer an agency is on (`transfer_side`), and who may
//!   transfer each record (`require_may_transfer`).
//! - Deliberations: who sees each one, in both forms (`can_see_deliberation` over the stored
//!   rows, `deliberation_visible_sql` over the table); who may convene one on each record
//!   (`require_may_convene`); who concludes, assigns and urges (`require_convener`); who
//!   reports an assignment done (`require_assignee`).

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use guantong::contract::DELIBERATION_STATES;
use guantong::db::schema::{deliberation_participants, deliberations};
use guantong::db::DbConnection;
use guantong::domain::transfer::Side;
use guantong::policy::{self, ConveneAction};
use guantong::store::directory;
use guantong::store::records::load_many;
use proptest::prelude::*;

use crate::policy_equivalence::{id, Rec, World};

/// A deliberation (会商) on a record, as `service::deliberations` keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Deliberation {
    record: usize,
    convener: usize,
    /// The other agencies taking part: sorted, unique, never the convener, at least one.
    participants: Vec<usize>,
    /// Index into `DELIBERATION_STATES`.
    state: usize,
    /// Its assignments (交办), by the agency each is assigned to: the convener or a participant.
    assignees: Vec<usize>,
}

/// Deliberations among `n` agencies; `record` is taken modulo the record count by `settle`.
pub(crate) fn deliberations(n: usize) -> impl Strategy<Value = Vec<Deliberation>> {
    let one = (
        0usize..14,
        0..n,
        proptest::collection::vec(0..n, 1..n),
        0..DELIBERATION_STATES.len(),
        proptest::collection::vec(0..n, 0..3),
    )
        .prop_map(move |(record, convener, mut participants, state, assignees)| {
            // As `deliberations::open` keeps them: the convener is not its own participant.
            participants.retain(|a| *a != convener);
            participants.sort();
            participants.dedup();
            if participants.is_empty() {
                participants.push((convener + 1) % n);
            }
            let assignees = assignees.into_iter().filter(|a| *a == convener || participants.contains(a)).collect();
            Deliberation { record, convener, participants, state, assignees }
        });
    proptest::collection::vec(one, 0..5)
}

/// Puts each deliberation on an existing record, and gives its participants the read grant
/// convening leaves them (`GrantReason::Deliberation`).
pub(crate) fn settle(mut ds: Vec<Deliberation>, records: &mut [Rec]) -> Vec<Deliberation> {
    for d in &mut ds {
        d.record %= records.len();
        for p in &d.participants {
            records[d.record].grants.push((*p, false));
        }
    }
    ds
}

/// Writes the deliberations with the column values `deliberations::open` and `conclude` write.
pub(crate) fn load_deliberations(conn: &mut DbConnection, w: &World) {
    for (i, d) in w.deliberations.iter().enumerate() {
        let state = DELIBERATION_STATES[d.state];
        let concluded = state == "concluded";
        diesel::insert_into(deliberations::table)
            .values((
                deliberations::id.eq(id("d", i)),
                deliberations::record_id.eq(id("r", d.record)),
                deliberations::convener_agency_id.eq(id("a", d.convener)),
                deliberations::title.eq(format!("会商{i}")),
                deliberations::state.eq(state),
                deliberations::minutes.eq(""),
                deliberations::conclusion.eq(concluded.then_some("结论")),
                deliberations::created_by.eq("x"),
                deliberations::created_at.eq("t"),
                deliberations::concluded_at.eq(concluded.then_some("t")),
            ))
            .execute(conn)
            .unwrap();
        for p in &d.participants {
            diesel::insert_into(deliberation_participants::table)
                .values((
                    deliberation_participants::deliberation_id.eq(id("d", i)),
                    deliberation_participants::agency_id.eq(id("a", *p)),
                ))
                .execute(conn)
                .unwrap();
        }
    }
}

// ---- The model: the workflow rules of DESIGN.md, read literally -----------------------------

/// Transferring a record: its owner only. A receiver (full access) does not pass it on, and
/// a reader by distribution or deliberation does not either.
fn model_may_transfer(a: usize, r: &Rec) -> bool {
    r.owner == a
}

/// The side of a transfer: the receiver's, the sender's, or none. A self-transfer (which
/// `transfers::create` refuses) puts its agency on the receiving side, where steps are taken.
fn model_side(a: usize, from: usize, to: usize) -> Option<Side> {
    match (a == from, a == to) {
        (_, true) => Some(Side::Receiver),
        (true, false) => Some(Side::Sender),
        (false, false) => None,
    }
}

/// Convening on a record: its owner, or the holder of a transfer grant (the receiver of a
/// live transfer); never a reader by distribution, nor a participant of a deliberation.
fn model_may_convene(a: usize, r: &Rec) -> bool {
    r.owner == a || r.grants.iter().any(|(g, transfer)| *g == a && *transfer)
}

/// A deliberation is seen by its convener and its participants, nobody else.
fn model_sees_deliberation(a: usize, d: &Deliberation) -> bool {
    d.convener == a || d.participants.contains(&a)
}

// ---- The property ---------------------------------------------------------------------------

/// Checks the workflow rules on a world `policy_equivalence::check_world` has loaded; returns
/// the (agency, transfer or deliberation) pairs compared.
pub(crate) fn check_world(conn: &mut DbConnection, w: &World) -> Result<usize, TestCaseError> {
    let ids: Vec<String> = (0..w.records.len()).map(|r| id("r", r)).collect();
    let stored = load_many(conn, &ids).unwrap();
    // The deliberations as stored, with their participants (as the service reads them).
    let conveners: Vec<(String, String)> = deliberations::table
        .order(deliberations::id)
        .select((deliberations::id, deliberations::convener_agency_id))
        .load(conn)
        .unwrap();
    let mut participants: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (d, a) in deliberation_participants::table
        .select((deliberation_participants::deliberation_id, deliberation_participants::agency_id))
        .load::<(String, String)>(conn)
        .unwrap()
    {
        participants.entry(d).or_default().push(a);
    }
    prop_assert_eq!(conveners.len(), w.deliberations.len());
    let mut compared = 0;
    for a in 0..w.active.len() {
        let agency = id("a", a);
        let viewer = directory::viewer(conn, &agency).unwrap();
        // Who may transfer a record and who may convene on it, for every record (the
        // records of every transfer and deliberation among them).
        for (r, rec) in w.records.iter().enumerate() {
            let facts = stored[&id("r", r)].facts();
            let got = (
                policy::require_may_transfer(&viewer, &facts).is_ok(),
                policy::require_may_convene(&viewer, &facts).is_ok(),
            );
            let expected = (model_may_transfer(a, rec), model_may_convene(a, rec));
            prop_assert_eq!(got, expected, "(require_may_transfer, require_may_convene), agency {} record {}", a, r);
        }
        // The side of every transfer.
        for (i, (_, from, to, _)) in w.transfers.iter().enumerate() {
            let side = policy::transfer_side(&agency, &id("a", *from), &id("a", *to));
            prop_assert_eq!(side, model_side(a, *from, *to), "transfer_side, agency {} transfer {} in {:?}", a, i, w);
            compared += 1;
        }
        // Who sees which deliberation: Rust, SQL and the model.
        let model: BTreeSet<String> = w
            .deliberations
            .iter()
            .enumerate()
            .filter(|(_, d)| model_sees_deliberation(a, d))
            .map(|(i, _)| id("d", i))
            .collect();
        let none = Vec::new();
        let by_rust: BTreeSet<String> = conveners
            .iter()
            .filter(|(d, convener)| {
                policy::can_see_deliberation(&agency, convener, participants.get(d).unwrap_or(&none))
            })
            .map(|(d, _)| d.clone())
            .collect();
        let by_sql: BTreeSet<String> = deliberations::table
            .filter(policy::deliberation_visible_sql(&agency))
            .select(deliberations::id)
            .load::<String>(conn)
            .unwrap()
            .into_iter()
            .collect();
        prop_assert_eq!(&by_rust, &model, "can_see_deliberation, agency {} in {:?}", a, w);
        prop_assert_eq!(&by_sql, &model, "deliberation_visible_sql, agency {} in {:?}", a, w);
        // What only the convener does, and what only an assignee does.
        for (i, d) in w.deliberations.iter().enumerate() {
            for action in [ConveneAction::Conclude, ConveneAction::Assign, ConveneAction::Urge] {
                let ok = policy::require_convener(&agency, &id("a", d.convener), action).is_ok();
                prop_assert_eq!(ok, d.convener == a, "require_convener {:?}, agency {} deliberation {}", action, a, i);
            }
            for assignee in &d.assignees {
                let ok = policy::require_assignee(&agency, &id("a", *assignee)).is_ok();
                prop_assert_eq!(ok, *assignee == a, "require_assignee, agency {} deliberation {}", a, i);
            }
            compared += 1;
        }
    }
    Ok(compared)
}

/// The model itself is checked by hand on the cases the rules name.
#[test]
fn the_workflow_model_encodes_the_rules() {
    // Agency 0 owns; 1 received a live transfer; 2 takes part in a deliberation; 3 reads it
    // by distribution.
    let rec = Rec {
        owner: 0,
        level: 1,
        recipients: vec![3],
        group: 0,
        grants: vec![(1, true), (2, false)],
        field_grants: vec![],
        sensitivity: 0,
        withdrawn: false,
    };
    let table = [(0, true, true), (1, false, true), (2, false, false), (3, false, false), (4, false, false)];
    for (a, transfers, convenes) in table {
        assert_eq!(model_may_transfer(a, &rec), transfers, "{a} transfers");
        assert_eq!(model_may_convene(a, &rec), convenes, "{a} convenes");
    }
    assert_eq!(model_side(0, 0, 1), Some(Side::Sender));
    assert_eq!(model_side(1, 0, 1), Some(Side::Receiver));
    assert_eq!(model_side(2, 0, 1), None);
    let d = Deliberation { record: 0, convener: 1, participants: vec![2], state: 0, assignees: vec![2] };
    assert!(model_sees_deliberation(1, &d) && model_sees_deliberation(2, &d));
    assert!(!model_sees_deliberation(0, &d), "the owner of the record does not see another's deliberation");
}
