//! Issue 11, part 10: after a round the office notifies common problems (共性问题) to member
//! units as records, requires units it did not inspect to check themselves (未巡先改), and
//! member units run special campaigns (专项整治) against the problems; the counts and ledgers.
//! Every rule with its negative: an unentitled agency or an inspected unit's account gets
//! nothing — not a title.

use chrono::Duration;
use diesel::RunQueryDsl;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::rounds::{round_in_inspection, Round};

const P1: &str = "教育局违规发放津补贴";
const P2: &str = "教育局公车私用";
const P3: &str = "水利局工程款拨付不规范";
const CP: &str = "部分单位违规发放津补贴问题突出";
const CP_ZZB: &str = "选人用人程序不规范共性问题";

struct After {
    t: Round,
    rid: String,
    zfb: Agency,
    /// Findings p1, p2 (to 纪委监委), p3 (the office's own, in the other unit), a clue (to 纪委监委).
    p: [Value; 4],
}

fn day(plus: i64) -> String {
    (hub_today() + Duration::days(plus)).format("%Y-%m-%d").to_string()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn finding(t: &Round, unit: &Value, kind: &str, title: &str, to: &[&str]) -> Value {
    let distribution =
        if to.is_empty() { json!({"level": "own"}) } else { json!({"level": "agencies", "agencies": to}) };
    expect_status(
        201,
        t.app.post(
            &t.office.token,
            &format!("/api/v1/inspected-units/{}/findings", id(unit)),
            json!({"kind": kind, "title": title, "category": "廉洁纪律", "distribution": distribution}),
        ),
    )
}

/// A round with problems found, a 作风办 (not a participant), moved to `feedback` (after
/// checking that common problems wait for it).
fn after_round(b: Backend) -> After {
    let t = round_in_inspection(b);
    let zfb = t.app.agency(&t.admin, "zuofengban", "other");
    let rid = id(&t.round);
    let jw = t.jiwei.id.clone();
    let p = [
        finding(&t, &t.unit, "problem", P1, &[&jw]),
        finding(&t, &t.unit, "problem", P2, &[&jw]),
        finding(&t, &t.other_unit, "problem", P3, &[]),
        finding(&t, &t.unit, "clue", "教育局某科长收受礼金线索", &[&jw]),
    ];
    let (s, e) = t.app.post(&t.office.token, &format!("/api/v1/rounds/{rid}/common-problems"), notice(CP, &[&jw], &[]));
    assert_eq!(s, 409, "common problems come after the inspection: {e}");
    expect_status(
        200,
        t.app.post(&t.office.token, &format!("/api/v1/rounds/{rid}/stage"), json!({"stage": "feedback"})),
    );
    After { t, rid, zfb, p }
}

fn notice(title: &str, agencies: &[&str], findings: &[&str]) -> Value {
    json!({"title": title, "body": "在多个被巡察单位发现", "category": "中央八项规定精神",
           "agency_ids": agencies, "finding_ids": findings})
}

fn fid(v: &Value) -> String {
    id(v)
}

fn csv(app: &TestApp, a: &Agency, path: &str) -> String {
    let r = app.req(Method::GET, path, Some(&a.token)).send().unwrap();
    assert_eq!(r.status(), 200, "{path}");
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    String::from_utf8(r.bytes().unwrap().to_vec()).unwrap()
}

/// A common problem is a notice record read as notified: the notified units read it (a
/// participant through the round, any unit through `/common-problems`), with the linked
/// problems it reads; others get 404 and no title anywhere; counts and exports follow.
fn common_problems_are_read_as_notified(b: Backend) {
    let a = after_round(b);
    let (t, app) = (&a.t, &a.t.app);
    let path = format!("/api/v1/rounds/{}/common-problems", a.rid);
    let [p1, _, p3, clue] = &a.p;

    // Negatives: not the office; bad recipients and links, all at once.
    assert_eq!(app.post(&t.jiwei.token, &path, notice(CP, &[&t.jiwei.id], &[])).0, 403);
    assert_eq!(app.post(&t.outsider.token, &path, notice(CP, &[&t.jiwei.id], &[])).0, 404);
    assert_eq!(app.post(&t.account.token, &path, notice(CP, &[&t.jiwei.id], &[])).0, 403);
    let (s, e) = app.post(&t.office.token, &path, notice(" ", &[&t.account.id], &[&fid(clue)]));
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> = e["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title", "agency_ids[0]", "finding_ids[0]"], "{e}");

    let cp = expect_status(
        201,
        app.post(&t.office.token, &path, notice(CP, &[&t.jiwei.id, &a.zfb.id], &[&fid(p1), &fid(p3)])),
    );
    assert_eq!(cp["record"]["kind"], "notice");
    assert!(cp["record"]["tags"].as_array().unwrap().contains(&json!("共性问题")), "{cp}");
    assert_eq!(cp["finding_ids"].as_array().unwrap().len(), 2);
    let cp_zzb = expect_status(201, app.post(&t.office.token, &path, notice(CP_ZZB, &[&t.zzb.id], &[])));
    let record_id = cp["record_id"].as_str().unwrap();

    // The office reads both; 纪委监委 its own, with only the problem it reads linked.
    let (_, list) = app.get(&t.office.token, &path);
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    let (_, list) = app.get(&t.jiwei.token, &path);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!((&list[0]["record"]["title"], &list[0]["finding_ids"]), (&json!(CP), &json!([fid(p1)])));
    let distribution = list[0]["record"]["distribution"].to_string();
    assert!(!distribution.contains(&a.zfb.id), "recipients are the office's business: {distribution}");
    // 作风办 is no participant: not through the round, but through /common-problems.
    assert_eq!(app.get(&a.zfb.token, &path).0, 404);
    let (_, mine) = app.get(&a.zfb.token, "/api/v1/common-problems");
    let titles: Vec<&str> =
        mine["items"].as_array().unwrap().iter().map(|c| c["record"]["title"].as_str().unwrap()).collect();
    assert_eq!(titles, [CP], "{mine}");
    assert_eq!(app.get(&a.zfb.token, &format!("/api/v1/common-problems/{}", id(&cp))).0, 200);
    assert_eq!(app.get(&a.zfb.token, &format!("/api/v1/common-problems/{}", id(&cp_zzb))).0, 404);

    // Nothing for the unentitled: the outsider, the unit's account, a participant not notified.
    assert_eq!(app.get(&t.outsider.token, &path).0, 404);
    assert_eq!(app.get(&t.account.token, &path).0, 403);
    assert_eq!(app.get(&t.account.token, "/api/v1/common-problems").0, 403);
    let (_, none) = app.get(&t.outsider.token, "/api/v1/common-problems");
    assert_eq!(none["items"], json!([]));
    assert_eq!(app.get(&t.outsider.token, &format!("/api/v1/common-problems/{}", id(&cp))).0, 404);
    assert_eq!(app.get(&t.outsider.token, &format!("/api/v1/records/{record_id}")).0, 404);
    let (_, zzb_list) = app.get(&t.zzb.token, &path);
    assert_eq!(zzb_list.as_array().unwrap().len(), 1);
    assert_eq!(zzb_list[0]["record"]["title"], CP_ZZB);
    for who in [&t.outsider, &t.zzb] {
        let (_, found) = send(app.req(Method::GET, "/api/v1/records", Some(&who.token)).query(&[("q", "津补贴")]));
        let feed = app.get(&who.token, "/api/v1/feed").1;
        assert!(!found.to_string().contains(CP) && !feed.to_string().contains(CP), "{found} {feed}");
    }

    // Counts over what each may see, and the ledger.
    let stats = |who: &Agency| expect_status(200, app.get(&who.token, &format!("{path}/stats")));
    let s = stats(&t.office);
    assert_eq!((&s["common_problems"], &s["member_units_notified"]), (&json!(2), &json!(3)), "{s}");
    let s = stats(&t.jiwei);
    assert_eq!((&s["common_problems"], &s["member_units_notified"]), (&json!(1), &json!(0)), "{s}");
    assert_eq!(app.get(&t.outsider.token, &format!("{path}/stats")).0, 404);
    let ledger = csv(app, &t.office, &format!("{path}/export?format=csv"));
    assert!(ledger.starts_with("\u{feff}序号,共性问题,问题类别,通报单位数,关联问题数,通报日期"), "{ledger}");
    assert!(ledger.contains(&format!("1,{CP},中央八项规定精神,2,2,")), "{ledger}");
    let theirs = csv(app, &t.jiwei, &format!("{path}/export"));
    assert!(theirs.contains(CP) && !theirs.contains(CP_ZZB), "{theirs}");
    let r = app.req(Method::GET, &format!("{path}/export?format=xlsx"), Some(&t.office.token)).send().unwrap();
    assert_eq!(r.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_eq!(app.get(&t.office.token, &format!("{path}/export?format=pdf")).0, 422);
}

both!(common_problems_are_read_as_notified);

fn require(a: &After, by: &Agency, object: &str, account: Option<&str>, deadline: &str) -> (u16, Value) {
    a.t.app.post(
        &by.token,
        &format!("/api/v1/rounds/{}/self-checks", a.rid),
        json!({"object_id": object, "account_agency_id": account, "requirement": "对照共性问题开展自查自纠", "deadline": deadline}),
    )
}

/// A self-check requirement is seen by the office and the named unit's account only; the
/// account reports (or the office records the report) once; overdue counts by the hub's day.
fn self_checks_are_seen_by_the_office_and_the_units_account_only(b: Backend) {
    let a = after_round(b);
    let (t, app) = (&a.t, &a.t.app);
    let wjw_account = app.inspected_account(&t.admin, "wjw");
    let wjw = app.unit_object(&t.office, "市卫生健康委党组");
    let wlj = app.unit_object(&t.office, "市文化广电旅游局党组");
    let zjj = app.unit_object(&t.office, "市住房和城乡建设局党组");
    let (_, person) = app.post(&t.office.token, "/api/v1/objects", json!({"name": "李某", "kind": "person"}));

    // Negatives: an inspected unit, a person, a member unit as account, a past deadline.
    let inspected = t.unit["object_id"].as_str().unwrap();
    let (s, e) = require(&a, &t.office, inspected, Some(&t.jiwei.id), &day(10));
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> = e["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["object_id", "account_agency_id"], "{e}");
    assert_eq!(require(&a, &t.office, person["id"].as_str().unwrap(), None, &day(10)).0, 422);
    let (s, e) = require(&a, &t.office, &wjw, None, &day(-1));
    assert_eq!((s, &e["errors"][0]["field"]), (422, &json!("deadline")), "{e}");
    assert_eq!(require(&a, &t.jiwei, &wjw, None, &day(10)).0, 403);
    assert_eq!(require(&a, &t.outsider, &wjw, None, &day(10)).0, 404);

    let sc1 = expect_status(201, require(&a, &t.office, &wjw, Some(&wjw_account.id), &day(10)));
    assert_eq!((&sc1["state"], &sc1["object_name"]), (&json!("required"), &json!("市卫生健康委党组")));
    let sc2 = expect_status(201, require(&a, &t.office, &wlj, None, &day(5)));
    let sc3 = expect_status(201, require(&a, &t.office, &zjj, None, &day(5)));
    assert_eq!(require(&a, &t.office, &wjw, None, &day(10)).0, 422, "once per unit and round");

    let one = |who: &Agency, sc: &Value| app.get(&who.token, &format!("/api/v1/self-checks/{}", id(sc))).0;
    assert_eq!((one(&t.office, &sc1), one(&wjw_account, &sc1)), (200, 200));
    for who in [&t.jiwei, &t.outsider, &t.account, &a.zfb] {
        assert_eq!(one(who, &sc1), 404);
    }
    assert_eq!(one(&wjw_account, &sc2), 404);
    assert_eq!(one(&Agency { id: String::new(), token: t.admin.clone() }, &sc1), 403);
    let round_list = format!("/api/v1/rounds/{}/self-checks", a.rid);
    assert_eq!(expect_status(200, app.get(&t.office.token, &round_list)).as_array().unwrap().len(), 3);
    assert_eq!(expect_status(200, app.get(&t.jiwei.token, &round_list)), json!([]));
    assert_eq!(app.get(&wjw_account.token, &round_list).0, 403);
    let mine = |who: &Agency| expect_status(200, app.get(&who.token, "/api/v1/self-checks"))["items"].clone();
    assert_eq!(mine(&wjw_account).as_array().unwrap().len(), 1);
    assert_eq!(mine(&wjw_account)[0]["id"], sc1["id"]);
    assert_eq!((mine(&t.account), mine(&t.jiwei)), (json!([]), json!([])));

    // Reporting: the unit through its account (the office is told), or the office records it.
    let report = |who: &Agency, sc: &Value| {
        app.post(&who.token, &format!("/api/v1/self-checks/{}/report", id(sc)), json!({"report": "已对照整改3项"}))
    };
    assert_eq!(report(&t.jiwei, &sc1).0, 404);
    assert_eq!(report(&t.account, &sc1).0, 404);
    let done = expect_status(200, report(&wjw_account, &sc1));
    assert_eq!((&done["state"], &done["reported_by_unit"]), (&json!("reported"), &json!(true)));
    assert_eq!(report(&wjw_account, &sc1).0, 409);
    assert!(app.get(&t.office.token, "/api/v1/feed").1.to_string().contains("self_check.reported"));
    let recorded = expect_status(200, report(&t.office, &sc2));
    assert_eq!(recorded["reported_by_unit"], false);

    let mut conn = app.pool.get().unwrap();
    diesel::sql_query(format!("UPDATE self_checks SET deadline = '{}' WHERE id = '{}'", day(-1), id(&sc3)))
        .execute(&mut *conn)
        .unwrap();
    let stats_path = format!("/api/v1/rounds/{}/common-problems/stats", a.rid);
    let s = expect_status(200, app.get(&t.office.token, &stats_path));
    assert_eq!(s["self_checks"], json!({"required": 3, "reported": 2, "overdue": 1}), "{s}");
    let s = expect_status(200, app.get(&t.jiwei.token, &stats_path));
    assert_eq!(s["self_checks"], json!({"required": 0, "reported": 0, "overdue": 0}), "{s}");
    let ledger = csv(app, &t.office, &format!("{round_list}/export"));
    assert!(
        ledger.contains("市卫生健康委党组") && ledger.contains("单位报送") && ledger.contains("巡察机构录入"),
        "{ledger}"
    );
    assert!(ledger.contains("市住房和城乡建设局党组,对照共性问题开展自查自纠"), "{ledger}");
    let theirs = csv(app, &t.jiwei, &format!("{round_list}/export"));
    assert!(!theirs.contains("市卫生健康委党组"), "{theirs}");
}

both!(self_checks_are_seen_by_the_office_and_the_units_account_only);

/// Closes every ledger item of a problem: rectified, as `progress::problems` says.
fn rectify(app: &TestApp, round_id: &str, unit_id: &str, finding_id: &str) {
    let mut conn = app.pool.get().unwrap();
    let now = "2026-06-01T00:00:00.000000Z";
    diesel::sql_query(format!(
        "INSERT INTO rectification_items (id, round_id, inspected_unit_id, plan_id, finding_id, task, measure, \
         responsible_person, deadline, state, closed_at, version, created_at, updated_at) VALUES \
         ('{}', '{round_id}', '{unit_id}', 'plan', '{finding_id}', '整改任务', '整改措施', '王某', '2026-06-30', \
         'closed', '{now}', 1, '{now}', '{now}')",
        guantong::domain::new_id()
    ))
    .execute(&mut *conn)
    .unwrap();
}

/// A campaign links only what its creator reads (else 422 without a title), is seen by its
/// creator and those it is shared with (a linked problem's title only where the reader reads
/// it), and counts how many of its problems are rectified.
fn campaigns_link_what_their_creator_reads(b: Backend) {
    let a = after_round(b);
    let (t, app) = (&a.t, &a.t.app);
    let [p1, p2, p3, clue] = &a.p;
    let cps = format!("/api/v1/rounds/{}/common-problems", a.rid);
    let cp = expect_status(201, app.post(&t.office.token, &cps, notice(CP, &[&t.jiwei.id, &a.zfb.id], &[&fid(p1)])));
    let cp_zzb = expect_status(201, app.post(&t.office.token, &cps, notice(CP_ZZB, &[&t.zzb.id], &[])));
    let campaign = |name: &str, findings: &[String], common: &[String]| {
        json!({"name": name, "description": "集中整治", "period_start": day(0), "period_end": day(90),
               "finding_ids": findings, "common_problem_ids": common, "shared_with_agency_ids": [a.zfb.id]})
    };

    // Negatives: what 纪委监委 cannot read is refused like a missing one, with no title.
    let (s, e) = app.post(
        &t.jiwei.token,
        "/api/v1/campaigns",
        campaign("整治", &[fid(p3), guantong::domain::new_id(), fid(clue)], &[id(&cp_zzb)]),
    );
    assert_eq!(s, 422, "{e}");
    let msgs: Vec<&str> = e["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(msgs[0], msgs[1], "unreadable and missing answer alike: {e}");
    assert_eq!(msgs[0], msgs[3]);
    assert!(msgs[2].contains("线索"), "{e}");
    assert!(!e.to_string().contains(P3) && !e.to_string().contains(CP_ZZB), "{e}");
    assert_eq!(app.post(&t.account.token, "/api/v1/campaigns", campaign("整治", &[], &[])).0, 403);
    assert_eq!(app.post(&t.admin, "/api/v1/campaigns", campaign("整治", &[], &[])).0, 403);

    let c = expect_status(
        201,
        app.post(
            &t.jiwei.token,
            "/api/v1/campaigns",
            campaign("违规发放津补贴专项整治", &[fid(p1), fid(p2)], &[id(&cp)]),
        ),
    );
    assert_eq!(c["progress"], json!({"linked_problems": 2, "rectified": 0, "rectification_rate": 0.0}));
    assert_eq!(c["shared_with_agency_ids"], json!([a.zfb.id]));
    let cid = id(&c);
    rectify(app, &a.rid, &id(&t.unit), &fid(p1));

    // The creator sees titles; 作风办 (shared) sees progress and what it reads itself.
    let (_, mine) = app.get(&t.jiwei.token, &format!("/api/v1/campaigns/{cid}"));
    assert_eq!(mine["progress"]["rectified"], 1, "{mine}");
    assert_eq!(mine["progress"]["rectification_rate"], 0.5);
    let titles: Vec<&str> = mine["problems"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap()).collect();
    assert_eq!(titles.len(), 2);
    let (s, shared) = app.get(&a.zfb.token, &format!("/api/v1/campaigns/{cid}"));
    assert_eq!(s, 200, "{shared}");
    assert_eq!(shared["shared_with_agency_ids"], Value::Null);
    assert!(shared["problems"].as_array().unwrap().iter().all(|p| p["readable"] == false && p["title"].is_null()));
    assert!(!shared.to_string().contains(P1) && !shared.to_string().contains(P2), "{shared}");
    assert_eq!(shared["progress"]["rectified"], 1);
    assert_eq!(shared["common_problems"][0]["title"], CP, "作风办 was notified of it");
    let more = json!({"finding_ids": [fid(p2)]});
    assert_eq!(app.post(&a.zfb.token, &format!("/api/v1/campaigns/{cid}/links"), more.clone()).0, 403);
    assert_eq!(app.post(&t.outsider.token, &format!("/api/v1/campaigns/{cid}/links"), more.clone()).0, 404);
    let again = expect_status(200, app.post(&t.jiwei.token, &format!("/api/v1/campaigns/{cid}/links"), more));
    assert_eq!(again["progress"]["linked_problems"], 2, "a link already there is kept once");

    // Nobody else sees it, in any list or ledger.
    for who in [&t.outsider, &t.office, &t.zzb] {
        assert_eq!(app.get(&who.token, &format!("/api/v1/campaigns/{cid}")).0, 404);
        assert_eq!(app.get(&who.token, "/api/v1/campaigns").1["items"], json!([]));
        assert!(!csv(app, who, "/api/v1/campaigns/export").contains("津补贴专项整治"));
    }
    assert_eq!(app.get(&t.account.token, "/api/v1/campaigns").0, 403);

    // The round's counts: 纪委监委 sees its campaign; the office its own only.
    let stats = |who: &Agency| expect_status(200, app.get(&who.token, &format!("{cps}/stats")));
    let s = stats(&t.jiwei);
    assert_eq!((&s["campaigns"], &s["linked_problems"], &s["rectified"]), (&json!(1), &json!(2), &json!(1)), "{s}");
    let s = stats(&t.office);
    assert_eq!((&s["campaigns"], &s["linked_problems"]), (&json!(0), &json!(0)), "{s}");
    expect_status(201, app.post(&t.office.token, "/api/v1/campaigns", campaign("工程款专项整治", &[fid(p3)], &[])));
    let s = stats(&t.office);
    assert_eq!((&s["campaigns"], &s["linked_problems"], &s["rectified"]), (&json!(1), &json!(1), &json!(0)), "{s}");
    assert_eq!(app.get(&t.jiwei.token, "/api/v1/campaigns/export?format=").0, 422);
    let ledger = csv(app, &t.jiwei, "/api/v1/campaigns/export?format=csv");
    assert!(ledger.contains("违规发放津补贴专项整治,测试单位jiwei,") && ledger.contains(",2,1,50.0,1"), "{ledger}");
}

both!(campaigns_link_what_their_creator_reads);
