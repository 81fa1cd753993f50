//! The clue ledger (问题线索管理台账) as the offices keep it, and the `Table` every ledger of the
//! hub is exported through: CSV (UTF-8 with BOM, so Excel opens the Chinese correctly) and XLSX,
//! with Chinese headers.

use crate::domain::transfer::Outcome;
use crate::service::transfers::TransferView;

/// The ledger as a file the offices keep: CSV (UTF-8 with BOM) or an Excel workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

impl ExportFormat {
    /// `csv` (also when not given) or `xlsx`; anything else is a 422 on `format`.
    pub fn parse_param(v: Option<&str>) -> Result<ExportFormat, crate::error::AppError> {
        match v {
            None | Some("csv") => Ok(ExportFormat::Csv),
            Some("xlsx") => Ok(ExportFormat::Xlsx),
            Some(_) => Err(crate::error::AppError::validation("format", "format 须为 csv 或 xlsx")),
        }
    }

    /// Builds the file of `table` in this format.
    pub fn write(self, table: &Table, sheet: &str) -> anyhow::Result<Vec<u8>> {
        match self {
            ExportFormat::Csv => table.to_csv(),
            ExportFormat::Xlsx => table.to_xlsx(sheet),
        }
    }
}

pub const HEADERS: [&str; 20] = [
    "序号",
    "线索标题",
    "移交单位",
    "接收单位",
    "问题类别",
    "巡察轮次",
    "处置建议",
    "移交日期",
    "办理期限",
    "办理状态",
    "是否逾期",
    "受理日期",
    "办结日期",
    "处置结果",
    "党纪政务处分(人)",
    "组织处理(人)",
    "移送司法(人)",
    "办理情况",
    "反馈意见",
    "退回原因",
];

fn date(t: &Option<String>) -> String {
    t.as_deref().map(|s| s.chars().take(10).collect()).unwrap_or_default()
}

/// One ledger line per transfer, in the order of `HEADERS`.
pub fn rows(items: &[TransferView]) -> Vec<Vec<String>> {
    items
        .iter()
        .enumerate()
        .map(|(i, t)| {
            vec![
                (i + 1).to_string(),
                t.record_title.clone(),
                t.from_agency_name.clone(),
                t.to_agency_name.clone(),
                t.category.clone().unwrap_or_default(),
                t.round.clone().unwrap_or_default(),
                t.suggestion.clone(),
                date(&Some(t.created_at.clone())),
                t.deadline.clone(),
                t.state_label.clone(),
                if t.overdue { "是" } else { "否" }.into(),
                date(&t.accepted_at),
                date(&t.concluded_at),
                t.outcome.map(Outcome::label).unwrap_or_default().into(),
                t.sanctions.disciplinary.to_string(),
                t.sanctions.organizational.to_string(),
                t.sanctions.judicial.to_string(),
                t.summary.clone().unwrap_or_default(),
                t.feedback_note.clone().unwrap_or_default(),
                t.return_reason.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

/// A CSV cell that Excel or WPS would take as a formula (`=`, `+`, `-`, `@`, tab or CR
/// first) gets a leading `'`, as OWASP advises against CSV injection: the text stays readable
/// and is never evaluated.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

pub fn to_csv(items: &[TransferView]) -> anyhow::Result<Vec<u8>> {
    Table { headers: &HEADERS, rows: rows(items), number_columns: &[0, 14, 15, 16] }.to_csv()
}

pub fn to_xlsx(items: &[TransferView], sheet: &str) -> anyhow::Result<Vec<u8>> {
    Table { headers: &HEADERS, rows: rows(items), number_columns: &[0, 14, 15, 16] }.to_xlsx(sheet)
}

/// A ledger to export (any of the hub's ledgers: clue transfers, the inspection lifecycle's
/// lists): Chinese headers, rows of text, and the columns that hold counts.
pub struct Table<'a> {
    pub headers: &'a [&'a str],
    pub rows: Vec<Vec<String>>,
    /// Columns written as numbers in XLSX (so the office can sum them).
    pub number_columns: &'a [usize],
}

impl Table<'_> {
    /// CSV, UTF-8 with BOM (Excel opens the Chinese correctly), formula starts neutralised.
    pub fn to_csv(&self) -> anyhow::Result<Vec<u8>> {
        let mut out = vec![0xEF, 0xBB, 0xBF];
        {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(self.headers)?;
            for r in &self.rows {
                w.write_record(r.iter().map(|c| neutralise(c).into_owned()))?;
            }
            w.flush()?;
        }
        Ok(out)
    }

    /// XLSX with a bold, frozen header row.
    pub fn to_xlsx(&self, sheet: &str) -> anyhow::Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.set_name(sheet)?;
        let bold = Format::new().set_bold();
        for (c, h) in self.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                // Counts as numbers; everything else as a string cell, which XLSX never
                // evaluates (no neutralising needed: "=1+1" stays text).
                match v.parse::<f64>() {
                    Ok(n) if self.number_columns.contains(&c) => ws.write_number(r as u32 + 1, c as u16, n)?,
                    _ => ws.write_string(r as u32 + 1, c as u16, v)?,
                };
            }
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(book.save_to_buffer()?)
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_starts_are_neutralised_and_nothing_else() {
        let table = [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("市住建局违规发放津补贴", "市住建局违规发放津补贴"),
            ("2027-01-05", "2027-01-05"),
            ("a=b", "a=b"),
            ("", ""),
        ];
        for (cell, want) in table {
            assert_eq!(neutralise(cell), want, "{cell:?}");
        }
    }
}
