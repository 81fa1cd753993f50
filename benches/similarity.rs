//! Duplicate-handling detection benchmark (issue: check one new clue against 1,000,000
//! existing clues, p99 under 50 ms on SQLite; precision and recall on generated
//! near-duplicates). Run: `GT_SIM_CLUES=1000000 cargo bench --bench similarity`.
//! Without `--bench` (e.g. `cargo test --benches`, `.ci/bench-smoke`) a tiny smoke run: 200
//! quality pairs, 2,000 clues on 500 objects, 50 checks, seconds in a debug build.
//!
//! 1. Quality: base clues built from the seeds' phrases, each with near-duplicates that are
//!    reworded (synonyms), reordered (sentences shuffled) and padded with inserted text, and
//!    hard negatives (another clue on the same object from the same templates). Scored with
//!    `domain::similarity` at its flag threshold.
//! 2. Speed: a SQLite database with N clues on 21,000 supervision objects (written directly
//!    with the crate's schema, not through HTTP: this measures the check, not the import),
//!    then `service::similar::find` — the query and scoring the hub runs when a clue is
//!    published or transferred — for 500 new clues.

use std::time::Instant;

use diesel::prelude::*;
use guantong::db::schema::{agencies, record_objects, subject_objects};
use guantong::domain::similarity::{score, shingles, FLAG_THRESHOLD};
use guantong::store::records::{RecordRow, StoredRecord};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

const UNITS: &[&str] = &[
    "市住建局",
    "市交通运输局",
    "市农业农村局",
    "市教育局",
    "市卫健委",
    "市水利局",
    "市自然资源局",
    "临颍县民政局",
    "舞阳县财政局",
    "源汇区城管局",
];
const PROBLEMS: &[(&str, &str)] = &[
    ("以加班费名义违规发放津补贴", "违规发放津贴补贴"),
    ("在工程项目招投标中规避公开招标", "工程项目招标中规避公开招标程序"),
    ("违规收受管理服务对象礼品礼金", "违规收受服务对象礼品和礼金"),
    ("公款吃喝并虚列会议费报销", "用公款吃喝后以会议费名义虚列报销"),
    ("选人用人不规范、突击提拔干部", "选人用人不规范,存在突击提拔问题"),
    ("挪用专项资金用于单位日常开支", "将专项资金挪作单位日常开支"),
    ("违规出借公车供私人使用", "违规把公务用车借给个人使用"),
    ("巡察整改不到位、虚假整改", "对巡察反馈问题虚假整改、整改不到位"),
];
const FILLER: &[&str] = &[
    "群众反映强烈",
    "据巡察组了解",
    "经初步核实情况基本属实",
    "相关负责人未如实说明情况",
    "该问题已持续多年",
    "建议移交纪检监察机关处置",
];

fn base(rng: &mut impl Rng, unit: &str, p: usize) -> Vec<String> {
    let year = rng.gen_range(2019..2026);
    let amount = rng.gen_range(3..300) as f64 / 10.0;
    let who = ["局长", "副局长", "财务科长", "办公室主任"][rng.gen_range(0..4)];
    let how = ["财务专户", "下属单位", "项目经费"][rng.gen_range(0..3)];
    match rng.gen_range(0..3) {
        0 => vec![
            format!("反映{unit}{who}{year}年{}", PROBLEMS[p].0),
            format!("涉及金额约{amount}万元"),
            format!("相关资金通过{how}列支"),
        ],
        1 => vec![
            format!("{year}年以来{unit}{}", PROBLEMS[p].0),
            format!("{who}对此负有直接责任"),
            format!("资金约{amount}万元经{how}支出"),
        ],
        _ => vec![format!("{unit}{who}涉嫌{}", PROBLEMS[p].0), format!("时间为{year}年"), format!("金额{amount}万元")],
    }
}

fn reworded(s: &[String], p: usize) -> Vec<String> {
    s.iter().map(|x| x.replace(PROBLEMS[p].0, PROBLEMS[p].1).replace("反映", "举报")).collect()
}

fn join(parts: &[String]) -> String {
    parts.join("。") + "。"
}

/// Scores of near-duplicate pairs (should flag) and of different clues on the same object
/// (should not): another problem of the same unit, or another problem of another unit.
fn quality_scores(rng: &mut rand::rngs::StdRng, clues: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    for _ in 0..clues {
        let u = rng.gen_range(0..UNITS.len());
        let p = rng.gen_range(0..PROBLEMS.len());
        let b = base(rng, UNITS[u], p);
        let original = shingles(&join(&b));
        let mut reordered = b.clone();
        reordered.shuffle(rng);
        let mut inserted = b.clone();
        for _ in 0..2 {
            let at = rng.gen_range(0..=inserted.len());
            inserted.insert(at, FILLER[rng.gen_range(0..FILLER.len())].to_string());
        }
        let mut all_three = reworded(&b, p);
        all_three.shuffle(rng);
        all_three.insert(1, FILLER[rng.gen_range(0..FILLER.len())].to_string());
        for dup in [reworded(&b, p), reordered, inserted, all_three] {
            pos.push(score(&original, &shingles(&join(&dup))));
        }
        let q = (p + 1 + rng.gen_range(0..PROBLEMS.len() - 1)) % PROBLEMS.len();
        let v = (u + 1 + rng.gen_range(0..UNITS.len() - 1)) % UNITS.len();
        for neg_text in [base(rng, UNITS[u], q), base(rng, UNITS[v], q)] {
            neg.push(score(&original, &shingles(&join(&neg_text))));
        }
    }
    (pos, neg)
}

fn precision_recall(pos: &[f64], neg: &[f64], threshold: f64) -> (f64, f64) {
    let tp = pos.iter().filter(|s| **s >= threshold).count() as f64;
    let fp = neg.iter().filter(|s| **s >= threshold).count() as f64;
    (tp / (tp + fp).max(1.0), tp / pos.len() as f64)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let smoke = !std::env::args().any(|a| a == "--bench");
    if smoke {
        println!("similarity bench: smoke run (pass --bench, as `cargo bench` does, for the real one)");
    }
    let n: usize = if smoke {
        2_000
    } else {
        std::env::var("GT_SIM_CLUES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
    };
    let objects_n: usize = if smoke { 500 } else { 21_000 };
    let (quality_n, checks) = if smoke { (200, 50) } else { (2000, 500) };
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let (pos, neg) = quality_scores(&mut rng, quality_n);
    for t in [0.4, 0.5, 0.6, FLAG_THRESHOLD] {
        let (p, r) = precision_recall(&pos, &neg, t);
        println!("threshold {t:.2}: precision {p:.3}, recall {r:.3}");
    }
    let (precision, recall) = precision_recall(&pos, &neg, FLAG_THRESHOLD);
    println!(
        "quality at the flag threshold {FLAG_THRESHOLD}: precision {precision:.3}, recall {recall:.3} over {} near-duplicate and {} different-clue pairs",
        pos.len(),
        neg.len()
    );

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sim.db").display());
    let settings = guantong::config::Settings { database_url: url, ..Default::default() };
    let (pool, _) = guantong::app::open_database(&settings).unwrap();
    let mut conn = pool.get().unwrap();
    let agency = guantong::domain::new_id();
    diesel::insert_into(agencies::table)
        .values((
            agencies::id.eq(&agency),
            agencies::code.eq("bench"),
            agencies::name.eq("基准单位"),
            agencies::kind.eq("inspection"),
            agencies::level.eq("city"),
            agencies::active.eq(true),
            agencies::created_at.eq("t"),
        ))
        .execute(&mut *conn)
        .unwrap();
    let object_ids: Vec<String> = (0..objects_n).map(|_| guantong::domain::new_id()).collect();
    for chunk in object_ids.chunks(2000) {
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            for o in chunk {
                diesel::insert_into(subject_objects::table)
                    .values((
                        subject_objects::id.eq(o),
                        subject_objects::name.eq("对象"),
                        subject_objects::kind.eq("unit"),
                        subject_objects::created_by_agency_id.eq(&agency),
                        subject_objects::created_at.eq("t"),
                    ))
                    .execute(c)?;
            }
            Ok(())
        })
        .unwrap();
    }
    let started = Instant::now();
    let row = |id: String, title: String, body: String, seq: i64| RecordRow {
        id,
        owner_agency_id: agency.clone(),
        author_id: "bench".into(),
        kind: "clue".into(),
        title,
        body,
        category: None,
        tags: "[]".into(),
        attributes: "{}".into(),
        distribution_level: "own".into(),
        group_id: None,
        sensitivity: "general".into(),
        protected: "{}".into(),
        external_id: None,
        version: 1,
        content_hash: String::new(),
        seq,
        created_at: "t".into(),
        updated_at: "t".into(),
        withdrawn_at: None,
    };
    let mut written = 0usize;
    while written < n {
        let batch = (n - written).min(20_000);
        let mut rows = Vec::with_capacity(batch);
        let mut links = Vec::with_capacity(batch * 2);
        for i in 0..batch {
            let unit = UNITS[rng.gen_range(0..UNITS.len())];
            let p = rng.gen_range(0..PROBLEMS.len());
            let text = join(&base(&mut rng, unit, p));
            let id = guantong::domain::new_id();
            for _ in 0..rng.gen_range(1..=2) {
                links.push((id.clone(), object_ids[rng.gen_range(0..objects_n)].clone()));
            }
            links.dedup();
            rows.push(row(id, format!("{unit}问题线索"), text, (written + i) as i64));
        }
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            for chunk in rows.chunks(500) {
                guantong::insert_batch!(&mut **c, guantong::db::schema::records::table, chunk)?;
            }
            for chunk in links.chunks(500) {
                let v: Vec<_> = chunk
                    .iter()
                    .map(|(r, o)| (record_objects::record_id.eq(r), record_objects::object_id.eq(o)))
                    .collect();
                guantong::insert_batch!(&mut **c, record_objects::table, &v)?;
            }
            Ok(())
        })
        .unwrap();
        written += batch;
    }
    println!("generated {n} clues on {objects_n} objects in {:.1} s", started.elapsed().as_secs_f64());

    let mut hist = hdrhistogram::Histogram::<u64>::new(3).unwrap();
    let mut flagged = 0usize;
    for _ in 0..checks {
        let unit = UNITS[rng.gen_range(0..UNITS.len())];
        let p = rng.gen_range(0..PROBLEMS.len());
        let mut objs = vec![object_ids[rng.gen_range(0..objects_n)].clone()];
        if rng.gen_bool(0.5) {
            objs.push(object_ids[rng.gen_range(0..objects_n)].clone());
        }
        let new = StoredRecord {
            object_ids: objs,
            ..StoredRecord::from_row(row(
                guantong::domain::new_id(),
                format!("{unit}问题线索"),
                join(&base(&mut rng, unit, p)),
                0,
            ))
            .unwrap()
        };
        let t = Instant::now();
        flagged += guantong::service::similar::find(&mut conn, &new).unwrap().len();
        hist.record(t.elapsed().as_micros() as u64).unwrap();
    }
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "check one new clue against {n} clues ({checks} checks): p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {flagged} similar found; target p99 < 50 ms: {}",
        ms(0.5),
        ms(0.9),
        ms(0.99),
        hist.max() as f64 / 1000.0,
        if ms(0.99) < 50.0 { "PASS" } else { "MISS" }
    );
}
