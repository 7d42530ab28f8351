//! Form 1-OL (EA-13, GEN-04, PR-13): built for a body, alone or rolled up the hierarchy, over a
//! period, and written as CSV, JSON or XLSX. The staff page, the API and `otinish report 1-ol`
//! call the same builder. Every figure comes from `otinish_domain::report`.

use crate::i18n::Tr;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use otinish_domain::calendar::WorkingCalendar;
use otinish_domain::lang::Lang;
use otinish_domain::model::Body;
use otinish_domain::repo::{PageRequest, Store, StoreError};
use otinish_domain::report::{self, BodyNode, OneOl, TallyCut};
use serde::Serialize;
use std::collections::BTreeSet;

// ---------------------------------------------------------------- building form 1-OL

/// One column of the form: a body counted alone, or the total of the report's bodies.
#[derive(Debug, Clone, Serialize)]
pub struct OlColumn {
    pub code: String,
    pub name_kk: String,
    pub name_ru: String,
    pub name_en: String,
    pub figures: OneOl,
}

/// Form 1-OL for a period: a column per body and, rolled up, the total (each appeal once).
#[derive(Debug, Clone, Serialize)]
pub struct OlReport {
    pub from: NaiveDate,
    /// The last day of the period, included.
    pub to: NaiveDate,
    pub columns: Vec<OlColumn>,
    pub total: OneOl,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("unknown body {0}")]
    UnknownBody(String),
    #[error("the period must end on or after its start, within 2011–2100")]
    BadPeriod,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The moment a local day begins, in UTC.
pub fn day_start(cal: &WorkingCalendar, d: NaiveDate) -> DateTime<Utc> {
    cal.zone().end_of_day(d) - chrono::Duration::days(1) + chrono::Duration::microseconds(1)
}

pub async fn all_bodies(store: &dyn Store) -> Result<Vec<Body>, StoreError> {
    Ok(store.bodies(PageRequest::new(Some(500), None)).await?.items)
}

/// EA-13: builds form 1-OL for `body_code` (with every body below it when `rollup`) over the
/// days `from..=to`, judging open terms at `now`. A period of whole local years is read from
/// the tally kept in the deployment's zone (the calendar's); any other from the cards.
pub async fn build_one_ol(
    store: &dyn Store,
    cal: &WorkingCalendar,
    body_code: &str,
    rollup: bool,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<OlReport, ReportError> {
    if to < from || from.year() < 2011 || to.year() > 2100 {
        return Err(ReportError::BadPeriod);
    }
    let bodies = all_bodies(store).await?;
    let root = bodies
        .iter()
        .find(|b| b.code.eq_ignore_ascii_case(body_code.trim()))
        .ok_or_else(|| ReportError::UnknownBody(body_code.to_owned()))?;
    let scope = if rollup {
        let nodes: Vec<BodyNode> = bodies
            .iter()
            .map(|b| BodyNode {
                id: b.id,
                parent: b.parent_id,
            })
            .collect();
        report::subtree(&nodes, root.id)
    } else {
        BTreeSet::from([root.id])
    };
    let ids: Vec<i64> = scope.iter().copied().collect();
    let end = to.succ_opt().ok_or(ReportError::BadPeriod)?;
    let whole_years = from.ordinal() == 1 && end.ordinal() == 1;
    let groups = if whole_years {
        // Whole local years: the tally the database keeps as cards move (the same groups,
        // counted by local year of receipt), not every card of the period.
        let mut groups = Vec::new();
        for year in from.year()..end.year() {
            groups.extend(store.tally_groups(&ids, year, now, TallyCut::Full).await?);
        }
        groups
    } else {
        store
            .report_groups(&ids, day_start(cal, from), day_start(cal, end), now)
            .await?
    };
    // The chosen body first, then those below it by code.
    let mut in_scope: Vec<&Body> = bodies.iter().filter(|b| scope.contains(&b.id)).collect();
    in_scope.sort_by_key(|b| (b.id != root.id, b.code.clone()));
    let columns = in_scope
        .into_iter()
        .map(|b| OlColumn {
            code: b.code.clone(),
            name_kk: b.name.kk.clone(),
            name_ru: b.name.ru.clone(),
            name_en: b.name.en.clone(),
            figures: OneOl::from_groups(&groups, &BTreeSet::from([b.id])),
        })
        .collect();
    Ok(OlReport {
        from,
        to,
        columns,
        total: OneOl::from_groups(&groups, &scope),
    })
}

/// The reader's label of a row of the form.
pub fn row_label(tr: Tr, key: &str) -> String {
    let dash = |s: &str| s.replace('_', "-");
    match key.split_once('.') {
        Some(("kind", k)) => tr.get(&format!("kind-{}", dash(k))),
        Some(("channel", k)) => tr.get(&format!("channel-{}", dash(k))),
        Some(("applicant", k)) => tr.get(&format!("report-applicant-{}", dash(k))),
        Some(("resolution", k)) => tr.get(&format!("report-resolution-{}", dash(k))),
        Some(("term", k)) => tr.get(&format!("report-{}", dash(k))),
        _ => tr.get(&format!("report-{}", dash(key))),
    }
}

/// The section a row belongs to, for headings.
pub fn section_key(key: &str) -> &'static str {
    match key.split_once('.').map(|(s, _)| s) {
        Some("kind") => "report-by-kind",
        Some("channel") => "report-by-channel",
        Some("applicant") => "report-by-applicant",
        Some("resolution") => "report-by-decision",
        Some("term") => "report-terms",
        _ => "report-totals",
    }
}

pub fn period_text(r: &OlReport) -> String {
    format!(
        "{} – {}",
        r.from.format("%d.%m.%Y"),
        r.to.format("%d.%m.%Y")
    )
}

/// CSV: one row per indicator with its Kazakh and Russian labels, a column per body, the total.
pub fn one_ol_csv(r: &OlReport) -> String {
    let (kk, ru) = (Tr::new(Lang::Kk), Tr::new(Lang::Ru));
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("\u{feff}indicator,label_kk,label_ru");
    for c in &r.columns {
        out.push(',');
        out.push_str(&q(&c.code));
    }
    out.push_str(",total\n");
    let columns: Vec<Vec<(String, i64)>> = r.columns.iter().map(|c| c.figures.rows()).collect();
    for (i, (key, total)) in r.total.rows().into_iter().enumerate() {
        out.push_str(&format!(
            "{key},{},{}",
            q(&row_label(kk, &key)),
            q(&row_label(ru, &key))
        ));
        for c in &columns {
            out.push_str(&format!(",{}", c.get(i).map_or(0, |x| x.1)));
        }
        out.push_str(&format!(",{total}\n"));
    }
    out
}

/// JSON: the period, each body's figures and the total, as [`OlReport`] serializes.
pub fn one_ol_json(r: &OlReport) -> Vec<u8> {
    serde_json::to_vec_pretty(r).unwrap_or_default()
}

/// XLSX in the layout of an official form: the title and headings in Kazakh and Russian, an
/// indicator per row, a column per body and the total.
pub fn one_ol_xlsx(r: &OlReport) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let (kk, ru) = (Tr::new(Lang::Kk), Tr::new(Lang::Ru));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("1-OL")?;
    let title = Format::new().set_bold().set_font_size(13);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color("#E8EEF4");
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let section = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#F4F6F8");
    let num = Format::new().set_border(FormatBorder::Thin);
    sheet.write_string_with_format(0, 0, kk.get("report-title"), &title)?;
    sheet.write_string_with_format(1, 0, ru.get("report-title"), &title)?;
    sheet.write_string(
        2,
        0,
        format!(
            "{} / {}: {}",
            kk.get("report-period"),
            ru.get("report-period"),
            period_text(r)
        ),
    )?;
    let header_row = 4;
    sheet.write_string_with_format(header_row, 0, "№", &head)?;
    sheet.write_string_with_format(header_row, 1, kk.get("report-indicator"), &head)?;
    sheet.write_string_with_format(header_row, 2, ru.get("report-indicator"), &head)?;
    sheet.set_column_width(0, 5)?;
    sheet.set_column_width(1, 48)?;
    sheet.set_column_width(2, 48)?;
    let mut col: u16 = 3;
    for c in &r.columns {
        sheet.write_string_with_format(
            header_row,
            col,
            format!("{}\n{} / {}", c.code, c.name_kk, c.name_ru),
            &head,
        )?;
        sheet.set_column_width(col, 22)?;
        col += 1;
    }
    let total_col = col;
    sheet.write_string_with_format(
        header_row,
        total_col,
        format!("{} / {}", kk.get("report-total"), ru.get("report-total")),
        &head,
    )?;
    sheet.set_column_width(total_col, 16)?;
    sheet.set_row_height(header_row, 60)?;
    let columns: Vec<Vec<(String, i64)>> = r.columns.iter().map(|c| c.figures.rows()).collect();
    let mut row = header_row + 1;
    let mut last_section = "";
    for (i, (key, total)) in r.total.rows().into_iter().enumerate() {
        let sec = section_key(&key);
        if sec != last_section && sec != "report-totals" {
            sheet.write_string_with_format(row, 0, "", &section)?;
            sheet.write_string_with_format(row, 1, kk.get(sec), &section)?;
            sheet.write_string_with_format(row, 2, ru.get(sec), &section)?;
            for c in 3..=total_col {
                sheet.write_string_with_format(row, c, "", &section)?;
            }
            row += 1;
        }
        last_section = sec;
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &num)?;
        sheet.write_string_with_format(row, 1, row_label(kk, &key), &cell)?;
        sheet.write_string_with_format(row, 2, row_label(ru, &key), &cell)?;
        for (j, c) in columns.iter().enumerate() {
            let n = c.get(i).map_or(0, |x| x.1);
            sheet.write_number_with_format(row, 3 + j as u16, n as f64, &num)?;
        }
        sheet.write_number_with_format(row, total_col, total as f64, &num)?;
        row += 1;
    }
    book.save_to_buffer()
}
