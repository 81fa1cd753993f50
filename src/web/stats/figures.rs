//! The figures of the 统计 page: each a chart and the table of the same numbers, built from
//! the service's `ClueStats` (counts only: no title or body ever reaches them).

use crate::domain::transfer::Outcome;
use crate::service::transfers::ClueStats;
use crate::web::charts::{self, Bar, Group, Series};

/// One cell of a table row, with its column's name (shown before it on a phone).
pub struct Cell {
    pub head: &'static str,
    pub value: String,
}

/// A chart with its table: the table holds exactly the chart's figures (and may add a few).
pub struct Figure {
    pub id: &'static str,
    pub title: &'static str,
    pub caption: String,
    /// The SVG drawn by `charts` (all text escaped); empty when `empty` is set.
    pub svg: String,
    /// Why there is nothing to draw, in plain Chinese.
    pub empty: Option<&'static str>,
    /// The row header's column, then the cells' columns.
    pub head: Vec<&'static str>,
    pub rows: Vec<(String, Vec<Cell>)>,
}

impl Figure {
    pub fn new(id: &'static str, title: &'static str, caption: String, head: Vec<&'static str>) -> Figure {
        Figure { id, title, caption, svg: String::new(), empty: None, head, rows: Vec::new() }
    }

    pub fn row(&mut self, name: impl Into<String>, values: Vec<String>) {
        let cells = self.head[1..].iter().zip(values).map(|(h, v)| Cell { head: h, value: v }).collect();
        self.rows.push((name.into(), cells));
    }

    pub fn chart_id(&self) -> String {
        format!("{}-chart", self.id)
    }
}

/// A rate as people read it: 66.7%.
pub fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// The closure rate of some transfers, or a dash when there are none (no rate, not 0%).
fn rate_text(s: &ClueStats) -> String {
    if s.transferred == 0 {
        "—".into()
    } else {
        percent(s.closure_rate)
    }
}

/// Concluded, fed back included (办结).
pub fn finished(s: &ClueStats) -> i64 {
    s.concluded + s.closed
}

fn rate_bar(label: String, short: Option<String>, s: &ClueStats) -> Bar {
    Bar { label, short, value: s.closure_rate * 100.0, text: rate_text(s) }
}

/// 办结率 by period: one column per month (or year), the rate of the transfers made then.
pub fn closure_by_period(periods: &[(String, String, ClueStats)], unit: &str, range: &str) -> Figure {
    let mut f = Figure::new(
        "closure",
        "办结率(按移交时间)",
        format!("{unit}的线索,{range}各时段移交的线索中已办结(含已反馈)的比例;没有移交线索的时段记为“—”"),
        vec!["时段", "线索数", "已办结", "办结率"],
    );
    if periods.iter().all(|(_, _, s)| s.transferred == 0) {
        f.empty = Some("图示各时段都没有移交的线索,暂无办结率。");
        return f;
    }
    let bars: Vec<Bar> =
        periods.iter().map(|(label, short, s)| rate_bar(label.clone(), Some(short.clone()), s)).collect();
    f.svg = charts::columns(&f.chart_id(), f.title, &bars, Some(100.0), true);
    for (label, _, s) in periods {
        f.row(label.clone(), vec![s.transferred.to_string(), finished(s).to_string(), rate_text(s)]);
    }
    f
}

/// 处置结果: the four forms (四种形态) and cleared, of the concluded transfers.
pub fn outcomes(s: &ClueStats, unit: &str) -> Figure {
    let mut f = Figure::new(
        "outcomes",
        "处置结果(四种形态)",
        format!("{unit}已办结线索的处置结果(件)"),
        vec!["处置结果", "件数"],
    );
    let bars: Vec<Bar> = Outcome::ALL
        .iter()
        .map(|o| Bar::count(o.label(), s.by_outcome.get(o.as_str()).copied().unwrap_or(0)))
        .collect();
    if bars.iter().all(|b| b.value == 0.0) {
        f.empty = Some("所选期间没有已办结的线索,暂无处置结果。");
        return f;
    }
    f.svg = charts::columns(&f.chart_id(), f.title, &bars, None, false);
    for b in bars {
        f.row(b.label, vec![b.text]);
    }
    f
}

/// 处分处理: persons sanctioned, by kind, over the concluded transfers.
pub fn sanctions(s: &ClueStats, unit: &str) -> Figure {
    let mut f = Figure::new(
        "sanctions",
        "处分处理人数",
        format!("{unit}已办结线索涉及的处分、处理和移送司法人数(人)"),
        vec!["类别", "人数"],
    );
    let n = &s.sanctions;
    let bars = [
        Bar::count("党纪政务处分", n.disciplinary),
        Bar::count("组织处理", n.organizational),
        Bar::count("移送司法", n.judicial),
    ];
    if bars.iter().all(|b| b.value == 0.0) {
        f.empty = Some("所选期间已办结的线索中没有处分、处理或移送司法的人员。");
        return f;
    }
    f.svg = charts::rows(&f.chart_id(), f.title, &bars, None);
    for b in bars {
        f.row(b.label, vec![b.text]);
    }
    f
}

/// 办理情况: where the unit's transfers stand now.
pub fn states(s: &ClueStats, unit: &str) -> Figure {
    let mut f = Figure::new("states", "办理情况", format!("{unit}线索的当前办理情况(件)"), vec!["情况", "件数"]);
    let bars = [
        Bar::count("已受理", s.accepted),
        Bar::count("办理中", s.in_progress),
        Bar::count("已办结未反馈", s.concluded),
        Bar::count("已反馈", s.closed),
        Bar::count("已退回", s.returned),
        Bar::count("逾期未办结", s.overdue),
    ];
    f.svg = charts::rows(&f.chart_id(), f.title, &bars, None);
    for b in bars {
        f.row(b.label, vec![b.text]);
    }
    f
}

/// 按单位: each unit's transfers, concluded and overdue (the hub admin's view).
pub fn by_unit(rows: &[(String, ClueStats)], scope: &str) -> Vec<Figure> {
    let mut counts = Figure::new(
        "units",
        "按单位统计",
        format!("各单位{scope}的线索数、已办结数和逾期数(件;没有线索的单位不列出)"),
        vec!["单位", "线索数", "已办结", "逾期", "已受理", "已退回"],
    );
    let mut rates = Figure::new(
        "unit-rates",
        "各单位办结率",
        format!("各单位{scope}的线索办结率(没有线索的单位不列出)"),
        vec!["单位", "线索数", "办结率"],
    );
    let active: Vec<&(String, ClueStats)> = rows.iter().filter(|(_, s)| s.transferred > 0).collect();
    if active.is_empty() {
        counts.empty = Some("所选期间各单位都没有移交线索。");
        rates.empty = counts.empty;
        return vec![counts, rates];
    }
    let series = [
        Series { name: "线索数", class: "s0" },
        Series { name: "已办结", class: "s1" },
        Series { name: "逾期", class: "s2" },
    ];
    let groups: Vec<Group> = active
        .iter()
        .map(|(name, s)| Group { label: name.clone(), values: vec![s.transferred, finished(s), s.overdue] })
        .collect();
    counts.svg = charts::grouped_rows(&counts.chart_id(), counts.title, &series, &groups);
    let bars: Vec<Bar> = active.iter().map(|(name, s)| rate_bar(name.clone(), None, s)).collect();
    rates.svg = charts::rows(&rates.chart_id(), rates.title, &bars, Some(100.0));
    for (name, s) in active {
        let c = [s.transferred, finished(s), s.overdue, s.accepted, s.returned];
        counts.row(name.clone(), c.iter().map(i64::to_string).collect());
        rates.row(name.clone(), vec![s.transferred.to_string(), rate_text(s)]);
    }
    vec![counts, rates]
}
