//! The 巡察 figures in the web client: a round's problems, rectification, clues and their
//! handling per inspected unit, and the same across rounds — each a chart with the table of
//! the same numbers (`stats_figure.html`), built from the service's counts only.

use crate::service::inspection::stats::{Counts, RoundStats};
use crate::web::charts::{self, Group, Series};
use crate::web::stats::figures::Figure;

const HEAD: [&str; 7] = ["", "发现问题", "已整改", "整改率", "发现线索", "已移交", "已办结"];

const SERIES: [Series<'static>; 4] = [
    Series { name: "发现问题", class: "s0" },
    Series { name: "已整改", class: "s1" },
    Series { name: "发现线索", class: "s2" },
    Series { name: "已办结", class: "s3" },
];

fn cells(c: &Counts, rate: i64) -> Vec<String> {
    let rate = if c.problems == 0 { "—".to_string() } else { format!("{rate}%") };
    vec![
        c.problems.to_string(),
        c.rectified.to_string(),
        rate,
        c.clues.to_string(),
        c.transferred.to_string(),
        c.concluded.to_string(),
    ]
}

fn group(label: String, c: &Counts) -> Group {
    Group { label, values: vec![c.problems, c.rectified, c.clues, c.concluded] }
}

/// One round, per inspected unit.
pub fn round(s: &RoundStats) -> Figure {
    let mut head = HEAD.to_vec();
    head[0] = "被巡察单位";
    let mut f = Figure::new(
        "round-units",
        "各被巡察单位情况",
        "本轮各被巡察单位发现的问题、整改和线索办理情况(只计本单位可查阅的问题和线索)".into(),
        head,
    );
    if s.counts.problems + s.counts.clues == 0 {
        f.empty = Some("本轮尚无本单位可查阅的巡察发现。");
        return f;
    }
    let groups: Vec<Group> = s.by_unit.iter().map(|u| group(u.name.clone(), &u.counts)).collect();
    f.svg = charts::grouped_rows(&f.chart_id(), f.title, &SERIES, &groups);
    for u in &s.by_unit {
        let rate = crate::service::inspection::stats::percent(u.counts.rectified, u.counts.problems);
        f.row(u.name.clone(), cells(&u.counts, rate));
    }
    f.row("合计", cells(&s.counts, s.rectification_rate));
    f
}

/// Across rounds, newest first.
pub fn across(items: &[RoundStats]) -> Figure {
    let mut head = HEAD.to_vec();
    head[0] = "巡察轮次";
    let mut f = Figure::new(
        "across-rounds",
        "历轮巡察情况",
        "本单位组织或参与的各轮巡察发现的问题、整改和线索办理情况(只计本单位可查阅的问题和线索)".into(),
        head,
    );
    if items.iter().all(|s| s.counts.problems + s.counts.clues == 0) {
        f.empty = Some("各轮巡察尚无本单位可查阅的巡察发现。");
        return f;
    }
    let groups: Vec<Group> = items.iter().map(|s| group(s.name.clone(), &s.counts)).collect();
    f.svg = charts::grouped_rows(&f.chart_id(), f.title, &SERIES, &groups);
    for s in items {
        f.row(s.name.clone(), cells(&s.counts, s.rectification_rate));
    }
    f
}
