//! Issue 11, part 2: the talent pool (人才库). Member units recommend people; an inspection
//! office sees the whole pool, a recommending unit its own people, anyone else nobody — not
//! even a name. Team proposals respect avoidance (回避: the unit itself, a posting there within
//! the configured years, a declared relation) and rank by expertise matching the round's
//! focus; assignments are refused for anyone who must avoid a unit of the team.

use chrono::Months;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::rounds::round_in_inspection;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// A person as a unit recommends them (no ties to any unit).
fn person(name: &str, eligible: &[&str], expertise: &[&str]) -> Value {
    json!({"name": name, "work_unit_name": "市财政局", "position": "科长", "eligible": eligible, "expertise": expertise})
}

fn recommend(app: &TestApp, by: &Agency, body: Value) -> Value {
    expect_status(201, app.post(&by.token, "/api/v1/talents", body))
}

/// `n` years before the hub's today, `YYYY-MM-DD`.
fn years_ago(n: u32, days_more: u64) -> String {
    let d = hub_today().checked_sub_months(Months::new(n * 12)).unwrap() - chrono::Days::new(days_more);
    d.format("%Y-%m-%d").to_string()
}

fn raw_get(app: &TestApp, token: &str, path: &str) -> (u16, String, Vec<u8>) {
    let r = app.req(Method::GET, path, Some(token)).send().unwrap();
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, ct, r.bytes().unwrap().to_vec())
}

fn field_errors(e: &Value) -> Vec<String> {
    e["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// A member unit recommends a person, reads and changes the entry (If-Match); the office reads
/// it; bad input is 422 with every field error and creates nothing.
fn recommend_read_and_change(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let office = app.agency(&admin, "xcb", "inspection");
    let jiwei = app.agency(&admin, "jiwei", "discipline");
    let water = app.unit_object(&office, "市水利局党组");

    // Negative first: every field error at once; a person is not a work unit; nothing created.
    let (s, e) = app.post(&jiwei.token, "/api/v1/talents", json!({"name": " ", "position": "", "eligible": []}));
    assert_eq!(s, 422, "{e}");
    assert_eq!(field_errors(&e), ["name", "work_unit_name", "position", "eligible"], "{e}");
    let (_, someone) = app.post(&office.token, "/api/v1/objects", json!({"name": "王某", "kind": "person"}));
    let mut bad = person("李四", &["staff"], &[]);
    bad["work_unit_object_id"] = someone["id"].clone();
    let (s, e) = app.post(&jiwei.token, "/api/v1/talents", bad);
    assert_eq!((s, field_errors(&e)), (422, vec!["work_unit_object_id".to_string()]), "{e}");
    assert_eq!(app.get(&jiwei.token, "/api/v1/talents").1["items"], json!([]));
    // The hub admin recommends nobody and reads nothing.
    assert_eq!(app.post(&admin, "/api/v1/talents", person("管理员推荐", &["staff"], &[])).0, 403);
    assert_eq!(app.get(&admin, "/api/v1/talents").0, 403);

    // The work unit's name comes from the object when not given.
    let t = recommend(
        &app,
        &jiwei,
        json!({"name": "张三", "work_unit_object_id": water, "position": "审计科科长",
               "expertise": ["财务", "审计", "财务"], "eligible": ["staff", "leader"],
               "postings": [{"unit_object_id": water, "from": "2015-01-01", "to": null}],
               "relations": [{"unit_object_id": water, "relation": "配偶在该单位任职"}]}),
    );
    assert_eq!(t["work_unit_name"], "市水利局党组");
    assert_eq!(t["recommending_agency_id"], jiwei.id.as_str());
    assert_eq!(t["expertise"], json!(["财务", "审计"]));
    assert_eq!(t["eligible"], json!(["leader", "staff"]));
    assert_eq!(t["postings"][0]["unit_name"], "市水利局党组");
    assert_eq!(t["relations"][0]["relation"], "配偶在该单位任职");
    assert_eq!((t["version"].as_i64(), t["active"].as_bool()), (Some(1), Some(true)));
    let tid = id(&t);

    for by in [&jiwei, &office] {
        let (s, got) = app.get(&by.token, &format!("/api/v1/talents/{tid}"));
        assert_eq!((s, got["name"].as_str()), (200, Some("张三")), "{got}");
        let (_, list) = app.get(&by.token, "/api/v1/talents?position=leader&tag=审计");
        assert_eq!(list["items"][0]["id"], tid.as_str(), "{list}");
    }
    let (_, none) = app.get(&office.token, "/api/v1/talents?position=deputy");
    assert_eq!(none["items"], json!([]));
    let (_, none) = app.get(&office.token, "/api/v1/talents?tag=审");
    assert_eq!(none["items"], json!([]), "a tag matches whole: {none}");
    let (_, found) = app.get(&office.token, "/api/v1/talents?q=审计科");
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");

    // Changes: If-Match required (428) and current (412); the office sees but may not change (403).
    let path = format!("/api/v1/talents/{tid}");
    let (s, _) = send(app.req(Method::PATCH, &path, Some(&jiwei.token)).json(&json!({"position": "处长"})));
    assert_eq!(s, 428);
    assert_eq!(app.patch(&jiwei.token, &path, 7, json!({"position": "处长"})).0, 412);
    assert_eq!(app.patch(&office.token, &path, 1, json!({"position": "处长"})).0, 403);
    let (s, e) = app.patch(&jiwei.token, &path, 1, json!({"eligible": [], "name": ""}));
    assert_eq!((s, field_errors(&e)), (422, vec!["name".to_string(), "eligible".to_string()]), "{e}");
    let (s, v) = app.patch(
        &jiwei.token,
        &path,
        1,
        json!({"position": "处长", "work_unit_object_id": null, "work_unit_name": "市审计局", "relations": [], "active": false}),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!((v["position"].as_str(), v["work_unit_object_id"].as_null()), (Some("处长"), Some(())));
    assert_eq!((v["work_unit_name"].as_str(), v["version"].as_i64()), (Some("市审计局"), Some(2)));
    assert_eq!((v["relations"].as_array().unwrap().len(), v["postings"].as_array().unwrap().len()), (0, 1));
    // A new work unit object brings its name; a blank name is refused.
    let (s, e) = app.patch(&jiwei.token, &path, 2, json!({"work_unit_name": ""}));
    assert_eq!((s, field_errors(&e)), (422, vec!["work_unit_name".to_string()]), "{e}");
    let (s, v) = app.patch(&jiwei.token, &path, 2, json!({"work_unit_object_id": water}));
    assert_eq!((s, v["work_unit_name"].as_str(), v["version"].as_i64()), (200, Some("市水利局党组"), Some(3)), "{v}");
    let (_, active) = app.get(&office.token, "/api/v1/talents?active=true");
    assert_eq!(active["items"], json!([]));
    let (s, e) = app.get(&office.token, "/api/v1/talents?active=maybe");
    assert_eq!(s, 422, "{e}");
}

both!(recommend_read_and_change);

/// The pool's personal data is visible to inspection offices and to the recommending unit
/// only: to another member unit a person it did not recommend does not exist — not by id, not
/// in the list, search, export or statistics, not in any body; the hub admin and an inspected
/// unit's account get 403.
fn the_pool_is_seen_by_the_office_and_the_recommending_unit_only(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    const NAME: &str = "欧阳秘密";
    let p = recommend(app, &t.jiwei, person(NAME, &["leader", "staff"], &["纪检监察"]));
    let pid = id(&p);
    let own = recommend(app, &t.zzb, person("组织部推荐人", &["staff"], &["干部工作"]));

    // 组织部 (a member unit, even a participant of the round) and 审计局 see nothing of it.
    for other in [&t.zzb, &t.outsider] {
        let mut bodies = Vec::new();
        let (s, v) = app.get(&other.token, &format!("/api/v1/talents/{pid}"));
        assert_eq!(s, 404, "{v}");
        bodies.push(v);
        for path in [
            "/api/v1/talents",
            "/api/v1/talents?q=欧阳",
            "/api/v1/talents?tag=纪检监察",
            "/api/v1/talents?position=leader",
        ] {
            let (s, v) = app.get(&other.token, path);
            assert_eq!(s, 200, "{path}: {v}");
            assert!(
                v["items"].as_array().unwrap().iter().all(|i| i["recommending_agency_id"] == other.id.as_str()),
                "{v}"
            );
            bodies.push(v);
        }
        let (s, stats) = app.get(&other.token, "/api/v1/talents/stats");
        assert_eq!(s, 200, "{stats}");
        assert_eq!(stats["by_position"]["leader"], 0, "{stats}");
        assert!(stats["by_agency"].as_array().unwrap().iter().all(|a| a["agency_id"] == other.id.as_str()), "{stats}");
        bodies.push(stats);
        let (s, v) = app.patch(&other.token, &format!("/api/v1/talents/{pid}"), 1, json!({"name": "改名"}));
        assert_eq!(s, 404, "{v}");
        bodies.push(v);
        let (s, v) = app.post(
            &other.token,
            &format!("/api/v1/talents/{pid}/commendations"),
            json!({"title": "优秀巡察抽调干部", "awarded_on": "2026-06-01"}),
        );
        assert_eq!(s, 404, "{v}");
        bodies.push(v);
        let (s, _, csv) = raw_get(app, &other.token, "/api/v1/talents/export?format=csv");
        assert_eq!(s, 200);
        let csv = String::from_utf8(csv).unwrap();
        assert!(!csv.contains(NAME), "{csv}");
        for body in bodies {
            assert!(!body.to_string().contains(NAME), "{body}");
        }
    }
    let (_, zzb_stats) = app.get(&t.zzb.token, "/api/v1/talents/stats");
    assert_eq!((zzb_stats["total"].as_i64(), zzb_stats["by_position"]["staff"].as_i64()), (Some(1), Some(1)));
    let (_, shenji_stats) = app.get(&t.outsider.token, "/api/v1/talents/stats");
    assert_eq!((shenji_stats["total"].as_i64(), shenji_stats["by_agency"].as_array().unwrap().len()), (Some(0), 0));
    let (_, zzb_list) = app.get(&t.zzb.token, "/api/v1/talents");
    assert_eq!(zzb_list["items"].as_array().unwrap().len(), 1);
    assert_eq!(zzb_list["items"][0]["id"], own["id"]);

    // The hub admin and the inspected unit's account: 403, and no name either.
    for token in [&t.admin, &t.account.token] {
        for path in [format!("/api/v1/talents/{pid}"), "/api/v1/talents".into(), "/api/v1/talents/stats".into()] {
            let (s, v) = app.get(token, &path);
            assert_eq!(s, 403, "{path}: {v}");
            assert!(!v.to_string().contains(NAME));
        }
        assert_eq!(raw_get(app, token, "/api/v1/talents/export").0, 403);
    }

    // The office sees both, in the list, the statistics and the roster (人才库名册).
    let (_, list) = app.get(&t.office.token, "/api/v1/talents");
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");
    let (_, stats) = app.get(&t.office.token, "/api/v1/talents/stats");
    assert_eq!(stats["by_position"], json!({"leader": 1, "deputy": 0, "staff": 2}), "{stats}");
    assert_eq!(stats["by_agency"].as_array().unwrap().len(), 2, "{stats}");
    let (s, ct, csv) = raw_get(app, &t.office.token, "/api/v1/talents/export?format=csv");
    assert_eq!((s, ct.as_str()), (200, "text/csv; charset=utf-8"));
    let csv = String::from_utf8(csv).unwrap();
    let header = csv.trim_start_matches('\u{feff}').lines().next().unwrap().to_string();
    assert_eq!(header, "序号,姓名,推荐单位,现工作单位,职务,专业特长,可任组内职务,状态,参加巡察次数,表彰情况,入库时间");
    assert!(csv.contains(&format!("{NAME},测试单位jiwei,市财政局,科长,纪检监察,组长、工作人员,在库,0")), "{csv}");
    let (s, ct, xlsx) = raw_get(app, &t.office.token, "/api/v1/talents/export?format=xlsx&position=leader");
    assert_eq!((s, ct.as_str()), (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
    assert_eq!(&xlsx[..2], b"PK");
    assert_eq!(raw_get(app, &t.office.token, "/api/v1/talents/export?format=pdf").0, 422);
}

both!(the_pool_is_seen_by_the_office_and_the_recommending_unit_only);

fn proposal(app: &TestApp, by: &Agency, unit: &str, query: &str) -> Value {
    expect_status(200, app.get(&by.token, &format!("/api/v1/inspected-units/{unit}/team-proposal?{query}")))
}

fn names(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
}

/// Each avoidance reason keeps a person out of the proposal and off the team (422 with the
/// reason): working in the unit, a posting there that ended within the years (or not at all),
/// a declared relation; a posting that ended longer ago does not. A team is checked against
/// every unit it inspects.
fn avoidance_excludes_and_blocks_for_each_reason(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let (unit, team) = (id(&t.unit), t.round["teams"][0]["id"].as_str().unwrap().to_string());
    let edu = t.unit["object_id"].clone();
    let water = t.other_unit["object_id"].clone();
    let mut works_there = person("甲在职", &["staff"], &[]);
    works_there["work_unit_object_id"] = edu.clone();
    let mut recent = person("乙近任", &["staff"], &[]);
    recent["postings"] = json!([{"unit_object_id": edu, "from": "2015-03-01", "to": years_ago(2, 0)}]);
    let mut on_the_day = person("丙满期", &["staff"], &[]);
    on_the_day["postings"] = json!([{"unit_object_id": edu, "from": "2010-03-01", "to": years_ago(5, 0)}]);
    let mut related = person("丁亲属", &["staff"], &[]);
    related["relations"] = json!([{"unit_object_id": edu, "relation": "配偶在该单位任财务科科长"}]);
    let mut long_ago = person("戊旧任", &["staff"], &[]);
    long_ago["postings"] = json!([{"unit_object_id": edu, "from": "2008-03-01", "to": years_ago(5, 1)}]);
    let mut water_tie = person("己水利", &["staff"], &[]);
    water_tie["postings"] = json!([{"unit_object_id": water, "from": "2020-01-01", "to": null}]);
    let free = person("庚无关", &["staff"], &[]);
    let mut ids = std::collections::HashMap::new();
    for (i, body) in [works_there, recent, on_the_day, related, long_ago, water_tie, free].into_iter().enumerate() {
        let by = if i % 2 == 0 { &t.jiwei } else { &t.zzb };
        let p = recommend(app, by, body);
        ids.insert(p["name"].as_str().unwrap().to_string(), id(&p));
    }

    // Only the round's office asks for a proposal: a participant 403, an outsider 404.
    let path = format!("/api/v1/inspected-units/{unit}/team-proposal");
    assert_eq!(app.get(&t.jiwei.token, &path).0, 403);
    assert_eq!(app.get(&t.outsider.token, &path).0, 404);
    assert_eq!(app.get(&t.account.token, &path).0, 403);
    assert_eq!(app.get(&t.admin, &path).0, 403);

    let p = proposal(app, &t.office, &unit, "position=staff");
    assert_eq!(p["avoidance_years"], 5);
    assert_eq!(names(&p["candidates"]), ["己水利", "庚无关", "戊旧任"], "{p}");
    assert_eq!(names(&p["avoided"]), ["丁亲属", "丙满期", "乙近任", "甲在职"], "{p}");
    let reasons: std::collections::HashMap<String, Value> = p["avoided"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap().to_string(), a["reasons"].clone()))
        .collect();
    assert_eq!(reasons["甲在职"], json!(["现工作单位即被巡察单位"]));
    assert_eq!(reasons["乙近任"], json!([format!("5 年内曾在被巡察单位工作(2015-03-01 至 {})", years_ago(2, 0))]));
    assert_eq!(reasons["丁亲属"], json!(["与被巡察单位有申报的关联关系:配偶在该单位任财务科科长"]));
    // The other unit has its own avoided people.
    let p2 = proposal(app, &t.office, &id(&t.other_unit), "");
    assert_eq!(names(&p2["avoided"]), ["己水利"], "{p2}");

    // Assignment to the team (which inspects both units) is refused for every one of them.
    let members = format!("/api/v1/teams/{team}/members");
    for (name, reason) in [
        ("甲在职", "现工作单位即被巡察单位"),
        ("乙近任", "5 年内曾在被巡察单位工作"),
        ("丙满期", "5 年内曾在被巡察单位工作"),
        ("丁亲属", "配偶在该单位任财务科科长"),
        ("己水利", "须回避市水利局党组"),
    ] {
        let (s, e) = app.post(&t.office.token, &members, json!({"talent_id": ids[name], "position": "staff"}));
        assert_eq!(s, 422, "{name}: {e}");
        assert_eq!(e["errors"][0]["field"], "talent_id", "{e}");
        assert!(e["errors"][0]["message"].as_str().unwrap().contains(reason), "{name}: {e}");
    }
    let (s, team_view) = app.post(&t.office.token, &members, json!({"talent_id": ids["戊旧任"], "position": "staff"}));
    assert_eq!(s, 201, "{team_view}");
    assert_eq!(names(&team_view["members"]), ["戊旧任"]);
    assert_eq!(team_view["members"][0]["conflicts"], json!([]));
    // A participant cannot assign; an outsider does not see the team.
    let body = json!({"talent_id": ids["庚无关"], "position": "staff"});
    assert_eq!(app.post(&t.jiwei.token, &members, body.clone()).0, 403);
    assert_eq!(app.post(&t.outsider.token, &members, body).0, 404);
    // Once on the team, a person is no longer proposed for this round.
    let p = proposal(app, &t.office, &unit, "position=staff&limit=1");
    assert_eq!(names(&p["candidates"]), ["己水利"]);

    // A unit given to a team after its members joined: the team shows who must avoid it.
    let rid = id(&t.round);
    let second = expect_status(
        201,
        app.post(&t.office.token, &format!("/api/v1/rounds/{rid}/teams"), json!({"name": "第二巡察组"})),
    );
    let second_members = format!("/api/v1/teams/{}/members", id(&second));
    expect_status(
        201,
        app.post(&t.office.token, &second_members, json!({"talent_id": ids["甲在职"], "position": "staff"})),
    );
    let (s, moved) = send(
        app.req(Method::PATCH, &format!("/api/v1/inspected-units/{unit}"), Some(&t.office.token))
            .json(&json!({"team_id": id(&second)})),
    );
    assert_eq!(s, 200, "{moved}");
    let v = expect_status(200, app.get(&t.office.token, &format!("/api/v1/teams/{}", id(&second))));
    let conflicts = &v["members"][0]["conflicts"];
    assert_eq!(conflicts.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(conflicts[0]["object_name"], "市教育局党组");
    assert_eq!(conflicts[0]["reasons"], json!(["现工作单位即被巡察单位"]));
}

both!(avoidance_excludes_and_blocks_for_each_reason);

/// The avoidance period is the setting `inspection_avoidance_years`.
fn the_avoidance_period_is_configurable(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.inspection_avoidance_years = 1);
    let admin = app.admin_token();
    let office = app.agency(&admin, "xcb", "inspection");
    let jiwei = app.agency(&admin, "jiwei", "discipline");
    let edu = app.unit_object(&office, "市教育局党组");
    let round = expect_status(
        201,
        app.post(
            &office.token,
            "/api/v1/rounds",
            json!({"name": "第一轮", "number": 1, "kind": "regular", "period_start": "2026-03-01", "period_end": "2026-05-31"}),
        ),
    );
    let rid = id(&round);
    let team =
        expect_status(201, app.post(&office.token, &format!("/api/v1/rounds/{rid}/teams"), json!({"name": "第一组"})));
    let unit = expect_status(
        201,
        app.post(
            &office.token,
            &format!("/api/v1/rounds/{rid}/units"),
            json!({"object_id": edu, "team_id": team["id"]}),
        ),
    );
    let mut two_years = person("两年前离任", &["staff"], &[]);
    two_years["postings"] = json!([{"unit_object_id": edu, "from": "2015-01-01", "to": years_ago(2, 0)}]);
    let mut this_year = person("半年前离任", &["staff"], &[]);
    this_year["postings"] = json!([{"unit_object_id": edu, "from": "2015-01-01", "to": years_ago(0, 180)}]);
    recommend(&app, &jiwei, two_years);
    let recent = recommend(&app, &jiwei, this_year);
    let p = proposal(&app, &office, &id(&unit), "");
    assert_eq!(p["avoidance_years"], 1);
    assert_eq!(names(&p["candidates"]), ["两年前离任"], "{p}");
    assert_eq!(p["avoided"][0]["reasons"][0].as_str().unwrap().split('(').next(), Some("1 年内曾在被巡察单位工作"));
    let (s, e) = app.post(
        &office.token,
        &format!("/api/v1/teams/{}/members", id(&team)),
        json!({"talent_id": recent["id"], "position": "staff"}),
    );
    assert_eq!(s, 422, "{e}");
}

both!(the_avoidance_period_is_configurable);

/// Proposals rank by expertise matching the round's focus, then fewer participations, then
/// name; a team has one leader; a person serves on one team per round; participation history
/// and commendations show on the person; the team's members are the office's to see.
fn teams_are_composed_by_focus_with_one_leader(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let (unit, team) = (id(&t.unit), t.round["teams"][0]["id"].as_str().unwrap().to_string());
    // The round's focus is 教育, 工程建设.
    let both_tags = recommend(app, &t.jiwei, person("周两项", &["leader", "staff"], &["工程建设", "教育"]));
    let veteran = recommend(app, &t.jiwei, person("陈一项", &["leader", "deputy", "staff"], &["教育", "财务"]));
    let fresh = recommend(app, &t.zzb, person("吴一项", &["leader", "staff"], &["工程建设"]));
    let other = recommend(app, &t.zzb, person("郑财务", &["leader", "staff"], &["财务"]));
    let staff_only = recommend(app, &t.zzb, person("王工作", &["staff"], &["教育"]));

    // 陈一项 already served on a team of an earlier round (one 纪委监委 does not take part in).
    let earlier = expect_status(
        201,
        app.post(
            &t.office.token,
            "/api/v1/rounds",
            json!({"name": "七届市委第十二轮巡察", "number": 12, "kind": "special", "period_start": "2025-09-01",
                   "period_end": "2025-11-30", "participant_agency_ids": [t.zzb.id]}),
        ),
    );
    let earlier_team = expect_status(
        201,
        app.post(&t.office.token, &format!("/api/v1/rounds/{}/teams", id(&earlier)), json!({"name": "第三巡察组"})),
    );
    let add = |team: &str, who: &Value, position: &str| {
        app.post(
            &t.office.token,
            &format!("/api/v1/teams/{team}/members"),
            json!({"talent_id": who["id"], "position": position}),
        )
    };
    expect_status(201, add(&id(&earlier_team), &veteran, "deputy"));

    let p = proposal(app, &t.office, &unit, "position=leader");
    assert_eq!(p["focus"], json!(["教育", "工程建设"]));
    assert_eq!(names(&p["candidates"]), ["周两项", "吴一项", "陈一项", "郑财务"], "{p}");
    let c = &p["candidates"];
    assert_eq!(c[0]["matched_tags"], json!(["教育", "工程建设"]));
    assert_eq!((c[1]["matched_tags"].clone(), c[1]["participations"].as_i64()), (json!(["工程建设"]), Some(0)));
    assert_eq!((c[2]["matched_tags"].clone(), c[2]["participations"].as_i64()), (json!(["教育"]), Some(1)));
    assert_eq!(c[3]["matched_tags"], json!([]));
    assert_eq!(p["avoided"], json!([]));
    let (s, e) = app.get(&t.office.token, &format!("/api/v1/inspected-units/{unit}/team-proposal?position=chief"));
    assert_eq!(s, 422, "{e}");

    // One leader per team; a position the person was not recommended for; one team per round.
    expect_status(201, add(&team, &both_tags, "leader"));
    let (s, e) = add(&team, &fresh, "leader");
    assert_eq!((s, field_errors(&e)), (422, vec!["position".to_string()]), "{e}");
    assert!(e["errors"][0]["message"].as_str().unwrap().contains("组长"), "{e}");
    let (s, e) = add(&team, &staff_only, "deputy");
    assert_eq!((s, field_errors(&e)), (422, vec!["position".to_string()]), "{e}");
    expect_status(201, add(&team, &veteran, "deputy"));
    let second = expect_status(
        201,
        app.post(&t.office.token, &format!("/api/v1/rounds/{}/teams", id(&t.round)), json!({"name": "第二巡察组"})),
    );
    let (s, e) = add(&id(&second), &veteran, "staff");
    assert_eq!(s, 422, "{e}");
    assert!(e["errors"][0]["message"].as_str().unwrap().contains("第一巡察组"), "{e}");
    let team_view = expect_status(201, add(&team, &staff_only, "staff"));
    assert_eq!(names(&team_view["members"]), ["周两项", "陈一项", "王工作"], "leader, deputy, staff: {team_view}");
    assert_eq!(team_view["members"][0]["position"], "leader");
    assert_eq!(team_view["units"].as_array().unwrap().len(), 2);

    // The team: its office sees the members; a participant the team without them; others nothing.
    let path = format!("/api/v1/teams/{team}");
    let (s, v) = app.get(&t.jiwei.token, &path);
    assert_eq!((s, v["name"].as_str(), v["members"].is_null()), (200, Some("第一巡察组"), true), "{v}");
    assert!(!v.to_string().contains("周两项"), "{v}");
    assert_eq!(app.get(&t.outsider.token, &path).0, 404);
    assert_eq!(app.get(&t.admin, &path).0, 403);
    assert_eq!(app.get(&t.account.token, &path).0, 403);

    // Participation history: the round is named to whoever may see it, hidden from others.
    let vet = format!("/api/v1/talents/{}", id(&veteran));
    let (_, by_office) = app.get(&t.office.token, &vet);
    let rounds: Vec<&str> =
        by_office["participations"].as_array().unwrap().iter().map(|p| p["round_name"].as_str().unwrap()).collect();
    assert_eq!(rounds, ["七届市委第十二轮巡察", "七届市委第十三轮巡察"], "{by_office}");
    assert_eq!(by_office["participations"][1]["team_name"], "第一巡察组");
    let (_, by_jiwei) = app.get(&t.jiwei.token, &vet);
    let history = by_jiwei["participations"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{by_jiwei}");
    assert_eq!((history[0]["round_name"].is_null(), history[0]["team_id"].is_null()), (true, true), "{by_jiwei}");
    assert_eq!(history[0]["position"], "deputy");
    assert_eq!(history[1]["round_name"], "七届市委第十三轮巡察");
    assert!(!by_jiwei.to_string().contains("第十二轮"), "{by_jiwei}");
    let (_, list) = app.get(&t.office.token, "/api/v1/talents?q=陈一项");
    assert_eq!(list["items"][0]["participations"], 2);

    // Commendations: the inspection office records them; the recommending unit reads them.
    let commend = format!("/api/v1/talents/{}/commendations", id(&veteran));
    let body = json!({"title": "优秀巡察抽调干部", "awarded_on": "2026-06-30", "round_id": id(&t.round)});
    assert_eq!(app.post(&t.jiwei.token, &commend, body.clone()).0, 403);
    let (s, e) = app.post(&t.office.token, &commend, json!({"title": " ", "awarded_on": "2026-6-30"}));
    assert_eq!((s, field_errors(&e)), (422, vec!["title".to_string(), "awarded_on".to_string()]), "{e}");
    let v = expect_status(201, app.post(&t.office.token, &commend, body));
    assert_eq!(v["commendations"][0]["title"], "优秀巡察抽调干部");
    let (_, by_jiwei) = app.get(&t.jiwei.token, &vet);
    assert_eq!(by_jiwei["commendations"][0]["round_name"], "七届市委第十三轮巡察", "{by_jiwei}");
    let (_, _, csv) = raw_get(app, &t.office.token, "/api/v1/talents/export?q=陈一项");
    assert!(String::from_utf8(csv).unwrap().contains(",2,优秀巡察抽调干部(2026-06-30),"));

    // Taking a member off: only the office; twice is 404; the leader's place is free again.
    let leader_path = format!("/api/v1/teams/{team}/members/{}", id(&both_tags));
    assert_eq!(app.delete(&t.jiwei.token, &leader_path).0, 403);
    assert_eq!(app.delete(&t.office.token, &leader_path).0, 204);
    assert_eq!(app.delete(&t.office.token, &leader_path).0, 404);
    expect_status(201, add(&team, &fresh, "leader"));
    let _ = other;
}

both!(teams_are_composed_by_focus_with_one_leader);

/// 桓台's pool (seed 004): 57 people eligible as leaders and 178 as staff, recommended through
/// the API in batches and read back exactly from the statistics. A batch with a bad line
/// creates nothing and names the line.
fn huantai_pool_of_57_leaders_and_178_staff(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let office = app.agency(&admin, "xcb", "inspection");
    let jiwei = app.agency(&admin, "jiwei", "discipline");
    let zzb = app.agency(&admin, "zzb", "organization");
    let shenji = app.agency(&admin, "shenji", "audit");

    let mut bad: Vec<Value> = (0..3).map(|i| person(&format!("试{i}"), &["staff"], &[])).collect();
    bad[2]["eligible"] = json!([]);
    let (s, e) = app.post(&jiwei.token, "/api/v1/talents/batch", json!({"items": bad}));
    assert_eq!((s, field_errors(&e)), (422, vec!["items[2].eligible".to_string()]), "{e}");
    assert_eq!(app.get(&office.token, "/api/v1/talents/stats").1["total"], 0);

    let leaders: Vec<Value> =
        (1..=57).map(|i| person(&format!("组长人选{i:03}"), &["leader"], &["纪检监察"])).collect();
    let staff: Vec<Value> = (1..=178).map(|i| person(&format!("工作人员{i:03}"), &["staff"], &["财务"])).collect();
    let (jw_staff, zzb_staff) = staff.split_at(100);
    for (by, items) in [(&jiwei, leaders.as_slice()), (&jiwei, jw_staff), (&zzb, zzb_staff)] {
        let created = expect_status(201, app.post(&by.token, "/api/v1/talents/batch", json!({"items": items})));
        assert_eq!(created["count"].as_u64(), Some(items.len() as u64));
    }

    let stats = expect_status(200, app.get(&office.token, "/api/v1/talents/stats"));
    assert_eq!((stats["total"].as_i64(), stats["active"].as_i64()), (Some(235), Some(235)), "{stats}");
    assert_eq!(stats["by_position"], json!({"leader": 57, "deputy": 0, "staff": 178}));
    let per: Vec<(i64, i64, i64)> = stats["by_agency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["total"].as_i64().unwrap(),
                a["by_position"]["leader"].as_i64().unwrap(),
                a["by_position"]["staff"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(per, [(157, 57, 100), (78, 0, 78)]);
    // Each unit counts its own; one that recommended nobody counts nothing.
    let own = expect_status(200, app.get(&zzb.token, "/api/v1/talents/stats"));
    assert_eq!(own["by_position"], json!({"leader": 0, "deputy": 0, "staff": 78}));
    let none = expect_status(200, app.get(&shenji.token, "/api/v1/talents/stats"));
    assert_eq!((none["total"].as_i64(), none["by_position"]["staff"].as_i64()), (Some(0), Some(0)));
    // The roster pages through all of them.
    let (mut seen, mut cursor) = (0, String::new());
    loop {
        let page = expect_status(
            200,
            app.get(&office.token, &format!("/api/v1/talents?position=staff&limit=100&cursor={cursor}")),
        );
        seen += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, 178);
}

both!(huantai_pool_of_57_leaders_and_178_staff);

/// 漯河's pool (seed 000): 355 people eligible as leaders and 1,698 as staff, recommended by
/// four member units in batches of at most 500, read back exactly from the statistics — per
/// position and per recommending unit.
fn luohe_pool_of_355_leaders_and_1698_staff(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let office = app.agency(&admin, "lhxcb", "inspection");
    let units = [
        app.agency(&admin, "lhjw", "discipline"),
        app.agency(&admin, "lhzzb", "organization"),
        app.agency(&admin, "lhsj", "audit"),
        app.agency(&admin, "lhcz", "finance"),
    ];
    let leaders = (1..=355).map(|i| person(&format!("组长人选{i:04}"), &["leader"], &["纪检监察"]));
    let staff = (1..=1698).map(|i| person(&format!("抽调干部{i:04}"), &["staff"], &["财务审计"]));
    let everyone: Vec<Value> = leaders.chain(staff).collect();
    // Person n is recommended by unit n % 4, in batches of 500.
    for (u, unit) in units.iter().enumerate() {
        let mine: Vec<Value> = everyone.iter().skip(u).step_by(4).cloned().collect();
        for batch in mine.chunks(500) {
            let created = expect_status(201, app.post(&unit.token, "/api/v1/talents/batch", json!({"items": batch})));
            assert_eq!(created["count"].as_u64(), Some(batch.len() as u64));
        }
    }
    let stats = expect_status(200, app.get(&office.token, "/api/v1/talents/stats"));
    assert_eq!((stats["total"].as_i64(), stats["active"].as_i64()), (Some(2053), Some(2053)), "{stats}");
    assert_eq!(stats["by_position"], json!({"leader": 355, "deputy": 0, "staff": 1698}));
    let mut per: Vec<i64> =
        stats["by_agency"].as_array().unwrap().iter().map(|a| a["total"].as_i64().unwrap()).collect();
    per.sort();
    assert_eq!(per, [513, 513, 513, 514]);
}

both!(luohe_pool_of_355_leaders_and_1698_staff);
