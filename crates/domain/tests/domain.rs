//! Domain tests on the shipped data: the Kazakhstan calendar and the rulebooks.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use otinish_domain::calendar::{DayEdit, OffReason, WorkingCalendar};
use otinish_domain::deadline::{
    case_deadlines, changes_after_calendar_edit, check_extension, check_pause_event,
    next_quarter_start, term_before, CaseFacts, DeadlineError, TermEvent,
};
use otinish_domain::model::{AppealKind, Channel};
use otinish_domain::rulebook::{Rulebook, RulebookError, RulebookSet};
use otinish_domain::Lang;

const KZ: &str = include_str!("../../../rulebooks/calendars/kz.toml");

fn editions() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "LAW-221.toml",
            include_str!("../../../rulebooks/editions/LAW-221.toml"),
        ),
        (
            "APPC-2021.toml",
            include_str!("../../../rulebooks/editions/APPC-2021.toml"),
        ),
        (
            "EA-2011.toml",
            include_str!("../../../rulebooks/editions/EA-2011.toml"),
        ),
        (
            "VC-2016.toml",
            include_str!("../../../rulebooks/editions/VC-2016.toml"),
        ),
        (
            "VC-2021.toml",
            include_str!("../../../rulebooks/editions/VC-2021.toml"),
        ),
        (
            "VC-2023.toml",
            include_str!("../../../rulebooks/editions/VC-2023.toml"),
        ),
        (
            "VC-2026.toml",
            include_str!("../../../rulebooks/editions/VC-2026.toml"),
        ),
        (
            "PR-2023.toml",
            include_str!("../../../rulebooks/editions/PR-2023.toml"),
        ),
    ]
}

fn cal() -> WorkingCalendar {
    match WorkingCalendar::from_toml(KZ) {
        Ok(c) => c,
        Err(e) => panic!("shipped calendar must load: {e}"),
    }
}

fn books() -> RulebookSet {
    match RulebookSet::from_toml_files(editions()) {
        Ok(b) => b,
        Err(e) => panic!("shipped rulebooks must load: {e}"),
    }
}

fn d(s: &str) -> NaiveDate {
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => d,
        Err(e) => panic!("bad date {s}: {e}"),
    }
}

/// Noon, Astana time, on day `s`.
fn noon(s: &str) -> chrono::DateTime<Utc> {
    let day = d(s);
    Utc.from_utc_datetime(&day.and_hms_opt(7, 0, 0).unwrap_or_default())
}

fn assert_off(c: &WorkingCalendar, days: &[&str]) {
    for s in days {
        assert!(!c.is_working_day(d(s)), "{s} should be a day off");
    }
}

fn assert_working(c: &WorkingCalendar, days: &[&str]) {
    for s in days {
        assert!(
            c.is_working_day(d(s)),
            "{s} should be a working day, got {:?}",
            c.off_reason(d(s))
        );
    }
}

/// GEN-02: every holiday of 2024, the weekend moves, the religious days that do not move and
/// the Saturday worked by transfer.
#[test]
fn gen_02_calendar_2024() {
    let c = cal();
    assert_off(
        &c,
        &[
            "2024-01-01",
            "2024-01-02",
            "2024-03-08",
            "2024-03-21",
            "2024-03-22",
            "2024-05-01",
            "2024-05-07",
            "2024-05-09",
            "2024-08-30",
            "2024-10-25",
            "2024-12-16",
        ],
    );
    // Nauryz 23 Mar 2024 on Saturday → Monday 25 Mar off; Capital Day 6 Jul on Saturday → 8 Jul.
    assert!(
        matches!(c.off_reason(d("2024-03-25")), Some(OffReason::HolidayMoved { from, .. }) if from == d("2024-03-23"))
    );
    assert!(
        matches!(c.off_reason(d("2024-07-08")), Some(OffReason::HolidayMoved { from, .. }) if from == d("2024-07-06"))
    );
    // Orthodox Christmas 7 Jan 2024 and Kurban ait 16 Jun 2024 are Sundays: religious days do not move.
    assert_working(&c, &["2024-01-08", "2024-06-17"]);
    // Transfer: Saturday 4 May worked, Wednesday 8 May off.
    assert_working(&c, &["2024-05-04"]);
    assert!(
        matches!(c.off_reason(d("2024-05-08")), Some(OffReason::Transferred { worked_on: Some(w), .. }) if w == d("2024-05-04"))
    );
    assert_working(
        &c,
        &["2024-03-26", "2024-05-02", "2024-05-03", "2024-12-17"],
    );
}

/// GEN-02: every shipped year's transfers of days off, as the decrees and orders made them
/// (the table below is written from the publications, not from the calendar file): the worked
/// day is a working day, the day off is off and names the worked day and its source. The 2020
/// transfer worked a weekday — Monday 11 May, where Victory Day's day off had moved. A year is
/// confirmed only when each of its transfers names its act's number and date; until then every
/// term in it says so.
#[test]
fn gen_02_every_shipped_years_transfers_with_their_sources() {
    let c = cal();
    // (worked, made a day off)
    let transfers = [
        ("2016-03-05", "2016-03-07"),
        ("2017-03-18", "2017-03-20"),
        ("2017-07-01", "2017-07-07"),
        ("2018-03-03", "2018-03-09"),
        ("2018-04-28", "2018-04-30"),
        ("2018-05-05", "2018-05-08"),
        ("2018-08-25", "2018-08-31"),
        ("2018-12-29", "2018-12-31"),
        ("2020-01-05", "2020-01-03"),
        ("2020-05-11", "2020-05-08"),
        ("2020-12-20", "2020-12-18"),
        ("2021-07-03", "2021-07-05"),
        ("2022-03-05", "2022-03-07"),
        ("2022-10-22", "2022-10-24"),
        ("2023-07-01", "2023-07-07"),
        ("2024-05-04", "2024-05-08"),
        ("2025-01-05", "2025-01-03"),
    ];
    for (work, off) in transfers {
        assert_working(&c, &[work]);
        match c.off_reason(d(off)) {
            Some(OffReason::Transferred {
                worked_on: Some(w),
                basis,
                decree,
            }) => {
                assert_eq!(w, d(work), "{off}");
                assert!(
                    decree.is_some() || !basis.trim().is_empty(),
                    "{off}: a transfer names its source"
                );
                let year = d(off).year();
                if decree.is_none() {
                    assert!(
                        !c.year_confirmed(year),
                        "{off}: a transfer without its act leaves {year} unconfirmed"
                    );
                }
            }
            other => panic!("{off} should be a transferred day off, got {other:?}"),
        }
    }
    // No other transfer in the shipped years: every other weekday off is a holiday or a move.
    for year in 2016..=2027 {
        for r in c.days_off(year) {
            if let OffReason::Transferred { .. } = r.reason {
                let s = r.date.format("%Y-%m-%d").to_string();
                assert!(
                    transfers.iter().any(|(_, off)| *off == s),
                    "unexpected transfer to {s}"
                );
            }
        }
    }
    // 2020: Victory Day (Sat 9 May) moved its day off to Monday 11 May; the decree moved it on
    // to Friday 8 May: 7–10 May off, 11 May worked.
    assert_off(
        &c,
        &["2020-05-07", "2020-05-08", "2020-05-09", "2020-05-10"],
    );
    // 2021: a VKS decision due on "05.07.2021" fell on a day off: the next working day is 7 July
    // (6 July is Capital Day).
    assert_eq!(
        c.next_working_day_from(d("2021-07-05")),
        Ok(d("2021-07-07"))
    );
    // Years with no transfer found and no estimate are confirmed; the others are shown as not.
    assert!(c.year_confirmed(2019) && c.year_confirmed(2026));
    assert!(!c.year_confirmed(2021) && !c.year_confirmed(2027) && !c.year_confirmed(2015));
    assert!(c.unconfirmed_years().contains(&2021));
    let span = c
        .add_working_days(d("2021-06-28"), 5)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(span.unconfirmed_years, vec![2021]);
    // Entering the act confirms the year.
    let confirmed = KZ.replace(
        "work = \"2021-07-03\"\noff = \"2021-07-05\"\n",
        "work = \"2021-07-03\"\noff = \"2021-07-05\"\ndecree = { number = \"1\", date = \"2021-01-01\" }\n",
    );
    assert_ne!(confirmed, KZ);
    let c2 = WorkingCalendar::from_toml(&confirmed).unwrap_or_else(|e| panic!("{e}"));
    assert!(c2.year_confirmed(2021));
    match c2.off_reason(d("2021-07-05")) {
        Some(r) => assert!(r.describe(Lang::Ru).contains("№ 1 от 01.01.2021"), "{r:?}"),
        None => panic!("5 July 2021 is off"),
    }
    // A transfer may not work an ordinary weekday, nor make a day off of a holiday.
    let bad = KZ.replace("work = \"2020-05-11\"", "work = \"2020-05-12\"");
    assert!(WorkingCalendar::from_toml(&bad).is_err());
    let bad = KZ.replace("off = \"2020-05-08\"", "off = \"2020-05-07\"");
    assert!(WorkingCalendar::from_toml(&bad).is_err());
}

/// GEN-02: 2025 — Sunday 5 Jan worked for Friday 3 Jan; four weekend moves; Kurban ait on a Friday.
#[test]
fn gen_02_calendar_2025() {
    let c = cal();
    assert_off(
        &c,
        &[
            "2025-01-01",
            "2025-01-02",
            "2025-01-03",
            "2025-01-07",
            "2025-03-21",
            "2025-05-01",
            "2025-05-07",
            "2025-05-09",
            "2025-06-06",
            "2025-12-16",
        ],
    );
    assert_working(&c, &["2025-01-05"]);
    for (moved, from) in [
        ("2025-03-10", "2025-03-08"),
        ("2025-03-24", "2025-03-22"),
        ("2025-03-25", "2025-03-23"),
        ("2025-07-07", "2025-07-06"),
        ("2025-09-01", "2025-08-30"),
        ("2025-10-27", "2025-10-25"),
    ] {
        assert!(
            matches!(c.off_reason(d(moved)), Some(OffReason::HolidayMoved { from: f, .. }) if f == d(from)),
            "{moved} should be the day off moved from {from}, got {:?}",
            c.off_reason(d(moved))
        );
    }
    assert_working(
        &c,
        &["2025-03-26", "2025-07-08", "2025-09-02", "2025-10-28"],
    );
}

/// GEN-02: 2026 — Nauryz 21–22 Mar on Sat/Sun moves to 24 and 25 Mar (moves stack), 8 Mar →
/// 9 Mar, 9 May → 11 May, 25 Oct → 26 Oct; Kurban ait 27 May.
#[test]
fn gen_02_calendar_2026() {
    let c = cal();
    assert_off(
        &c,
        &[
            "2026-01-01",
            "2026-01-02",
            "2026-01-07",
            "2026-03-09",
            "2026-03-23",
            "2026-03-24",
            "2026-03-25",
            "2026-05-01",
            "2026-05-07",
            "2026-05-11",
            "2026-05-27",
            "2026-07-06",
            "2026-10-26",
            "2026-12-16",
        ],
    );
    assert_working(
        &c,
        &[
            "2026-03-20",
            "2026-03-26",
            "2026-05-08",
            "2026-05-12",
            "2026-10-27",
        ],
    );
    let days_off = c.days_off(2026);
    assert!(days_off.iter().any(|s| s.date == d("2026-03-24")));
    assert!(days_off
        .iter()
        .all(|s| !matches!(s.reason, OffReason::Weekend { .. })));
}

/// GEN-02: the holiday list changed over the years: Republic Day only from 2022, First
/// President Day and the second day of Independence only until 2021.
#[test]
fn gen_02_holidays_by_year() {
    let c = cal();
    assert_working(&c, &["2021-10-25", "2022-12-01"]);
    assert_off(
        &c,
        &["2021-12-01", "2021-12-16", "2021-12-17", "2022-10-25"],
    );
    // 17 Dec 2024 was an ordinary Tuesday.
    assert_working(&c, &["2024-12-17"]);
}

/// GEN-03: `otinish calendar due --from 2026-03-19 --working-days 3` — the term starts the
/// working day after the event and crosses Nauryz.
#[test]
fn gen_03_three_working_days_across_nauryz_2026() {
    let c = cal();
    let span = c
        .add_working_days(d("2026-03-19"), 3)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(span.due, d("2026-03-27"));
    assert_eq!(
        span.counted,
        vec![d("2026-03-20"), d("2026-03-26"), d("2026-03-27")]
    );
    let skipped: Vec<_> = span.skipped.iter().map(|s| s.date).collect();
    assert_eq!(
        skipped,
        [
            "2026-03-21",
            "2026-03-22",
            "2026-03-23",
            "2026-03-24",
            "2026-03-25"
        ]
        .map(d)
    );
    let words = span.explain_skipped(Lang::Ru).join("\n");
    assert!(words.contains("Наурыз"), "{words}");
    assert!(words.contains("перенесённый выходной"), "{words}");
}

/// GEN-03: terms that cross New Year, with the transfer of 2025 (Sunday 5 Jan worked).
#[test]
fn gen_03_terms_across_new_year() {
    let c = cal();
    let span = c
        .add_working_days(d("2024-12-27"), 3)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        span.counted,
        vec![d("2024-12-30"), d("2024-12-31"), d("2025-01-05")]
    );
    let span = c
        .add_working_days(d("2025-12-29"), 5)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        span.due,
        d("2026-01-08"),
        "1–2 Jan holidays, 7 Jan Christmas"
    );
    // An event on a non-working day: counting starts on the next working day.
    let span = c
        .add_working_days(d("2026-03-21"), 1)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(span.due, d("2026-03-26"));
}

/// GEN-03: backward terms and calendar days.
#[test]
fn gen_03_backward_and_calendar_days() {
    let c = cal();
    let span = c
        .working_days_before(d("2026-03-27"), 3)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(span.due, d("2026-03-19"));
    let span = c
        .working_days_before(d("2026-01-05"), 1)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(span.due, d("2025-12-31"));
    assert_eq!(
        c.add_calendar_days(d("2026-12-25"), 15).map(|s| s.due),
        Ok(d("2027-01-09"))
    );
    assert_eq!(
        c.calendar_days_before(d("2026-04-01"), 15).map(|s| s.due),
        Ok(d("2026-03-17"))
    );
    assert_eq!(
        c.next_working_day_from(d("2026-03-21")),
        Ok(d("2026-03-26"))
    );
    // Asia/Almaty, UTC+5: the end of 27 Mar local is 18:59:59 UTC.
    assert_eq!(
        c.zone().end_of_day(d("2026-03-27")),
        Utc.with_ymd_and_hms(2026, 3, 27, 18, 59, 59).unwrap()
    );
    // Years beyond the data are flagged, not silently trusted.
    let span = c
        .add_working_days(d("2027-12-28"), 5)
        .unwrap_or_else(|e| panic!("{e}"));
    // 2027's Kurban ait is an estimate; 2028 is beyond the data.
    assert_eq!(span.unconfirmed_years, vec![2027, 2028]);
}

/// GEN-01, GEN-03: a moment becomes a local day through the tz database. Astana was UTC+6
/// until 1 March 2024: a VKS request made at 00:40 on 1 July 2021 (18:40 UTC on 30 June) was
/// received on 1 July and follows VC-2021 — under a fixed +05:00 it would fall on 30 June and
/// follow VC-2016. Days end at 23:59:59 of the offset in force that day.
#[test]
fn gen_01_gen_03_astana_was_utc_plus_6_until_march_2024() {
    let c = cal();
    let zone = c.zone();
    let at = Utc.with_ymd_and_hms(2021, 6, 30, 18, 40, 0).unwrap();
    assert_eq!(zone.local_date(at), d("2021-07-01"));
    assert_eq!(
        zone.local(at).format("%H:%M").to_string(),
        "00:40",
        "UTC+6 in 2021"
    );
    let facts = CaseFacts {
        channel: Channel::Vks,
        kind: AppealKind::Request,
        received_at: at,
        registered_at: Some(at),
        events: vec![],
    };
    let ds =
        case_deadlines(&facts, &books(), &c, d("2021-07-01")).unwrap_or_else(|e| panic!("{e}"));
    assert!(!ds.is_empty());
    assert!(
        ds.iter().all(|x| x.rulebook == "APPC-2021"),
        "received on 1 July 2021, the APPC's terms: {:?}",
        ds.iter().map(|x| &x.rulebook).collect::<Vec<_>>()
    );
    let b = books();
    let gov = b
        .governing(Channel::Vks, zone.local_date(at))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(gov.primary_id(), "VC-2021");
    // The same wall-clock moment in 2026 is UTC+5.
    let at = Utc.with_ymd_and_hms(2026, 6, 30, 18, 40, 0).unwrap();
    assert_eq!(
        zone.local(at).format("%d.%m %H:%M").to_string(),
        "30.06 23:40"
    );
    // A day's end: 17:59:59 UTC under +6, 18:59:59 UTC under +5.
    assert_eq!(
        zone.end_of_day(d("2021-07-05")),
        Utc.with_ymd_and_hms(2021, 7, 5, 17, 59, 59).unwrap()
    );
    assert_eq!(
        zone.end_of_day(d("2024-03-01")),
        Utc.with_ymd_and_hms(2024, 3, 1, 18, 59, 59).unwrap()
    );
    // 29 February 2024 ran an hour long: at midnight (+6) the clocks went back to 23:00 (+5),
    // so the day ends at the second 23:59:59.
    assert_eq!(
        zone.end_of_day(d("2024-02-29")),
        Utc.with_ymd_and_hms(2024, 2, 29, 18, 59, 59).unwrap()
    );
    assert_eq!(
        zone.local_date(Utc.with_ymd_and_hms(2024, 2, 29, 18, 30, 0).unwrap()),
        d("2024-02-29")
    );
    // A local time names a moment: the first of the two 23:30s of 29 February 2024.
    assert_eq!(
        zone.utc(d("2024-02-29").and_hms_opt(23, 30, 0).unwrap()),
        Utc.with_ymd_and_hms(2024, 2, 29, 17, 30, 0).unwrap()
    );
    // The offsets the store counts local months by: the change of 2024 to the second, and
    // every moment's local date the same through them as through the tz database.
    let offsets = zone.offsets();
    assert!(offsets.contains(&(
        Utc.with_ymd_and_hms(2024, 2, 29, 18, 0, 0).unwrap(),
        5 * 3600
    )));
    assert!(offsets
        .windows(2)
        .all(|w| w[0].0 < w[1].0 && w[0].1 != w[1].1));
    for secs in (0..4_000_000_000i64).step_by(7_777_777) {
        let at = chrono::DateTime::from_timestamp(secs, 0).unwrap();
        let off = offsets.iter().rev().find(|o| o.0 <= at).map_or(0, |o| o.1);
        assert_eq!(
            (at + chrono::Duration::seconds(i64::from(off))).date_naive(),
            zone.local_date(at),
            "{at}"
        );
    }
    assert_eq!(zone.name(), "Asia/Almaty");
    assert!(WorkingCalendar::from_toml(&KZ.replace("Asia/Almaty", "Asia/Nowhere")).is_err());
}

/// GEN-02: an admin's edit makes a day off or a working day; the calendar is data.
#[test]
fn gen_02_admin_edits_change_the_calendar() {
    let c = cal();
    let edited = c
        .with_edits(vec![DayEdit {
            date: d("2026-08-31"),
            working: true,
            reason: "new Constitution".into(),
        }])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!c.is_working_day(d("2026-08-31")));
    assert!(edited.is_working_day(d("2026-08-31")));
    let bad = KZ.replace("work = \"2024-05-04\"", "work = \"2024-05-06\"");
    assert!(
        WorkingCalendar::from_toml(&bad).is_err(),
        "a transfer must work a weekend day"
    );
    assert!(WorkingCalendar::from_toml("jurisdiction = 1").is_err());
}

/// GEN-01: the edition in force on the day of receipt governs: a VKS request of 30 Jun 2021
/// follows VC-2016 (decision in 3 working days, VC-08), one of 1 Jul 2021 follows VC-2021
/// (hearing before refusal, VC-10; APPC terms, VC-19).
#[test]
fn gen_01_edition_by_day_of_receipt() {
    let b = books();
    let old = b
        .governing(Channel::Vks, d("2021-06-30"))
        .unwrap_or_else(|e| panic!("{e}"));
    let new = b
        .governing(Channel::Vks, d("2021-07-01"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(old.primary_id(), "VC-2016");
    assert_eq!(new.primary_id(), "VC-2021");
    assert!(old.steps_before("refuse_out_of_competence").is_empty());
    assert_eq!(new.steps_before("refuse_out_of_competence").len(), 1);
    assert_eq!(
        new.steps_before("refuse_out_of_competence")[0].rule,
        "VC-10"
    );
    assert!(
        old.decision_allowed("appoint_reception")
            && old.decision_allowed("refuse_out_of_competence")
    );
    assert!(!old.decision_allowed("consultation"));
    assert_eq!(
        b.governing(Channel::Vks, d("2024-01-10"))
            .map(|g| g.primary_id())
            .ok(),
        Some("VC-2023")
    );
    assert_eq!(
        b.governing(Channel::Portal, d("2013-05-10"))
            .map(|g| g.primary_id())
            .ok(),
        Some("EA-2011")
    );
    assert!(b.channel_open(Channel::VideoAppeal, d("2022-01-10"), &Default::default()));
    assert!(
        !b.channel_open(Channel::VideoAppeal, d("2024-01-10"), &Default::default()),
        "VA removed in VC-2023"
    );
    assert!(matches!(
        b.governing(Channel::Paper, d("2000-01-01")),
        Err(RulebookError::NoneInForce { .. })
    ));
}

/// GEN-01: VC-2026 is a reading of the acts, marked "to be confirmed" in its data. Until the
/// administrator confirms it, it governs VKS requests (as VC-2023 did) but does not reopen video
/// appeals, which VC-2023 had closed; the cards it governs name it as awaiting confirmation.
/// Effective dates reckoned from publication are marked approximate.
#[test]
fn gen_01_an_edition_to_be_confirmed_reopens_no_channel() {
    let b = books();
    let none = Default::default();
    let day = d("2026-03-19");
    assert!(b.channel_open(Channel::Vks, day, &none));
    assert!(
        !b.channel_open(Channel::VideoAppeal, day, &none),
        "video appeals stay closed until VC-2026 is confirmed"
    );
    let gov = b
        .governing(Channel::Vks, day)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(gov.primary_id(), "VC-2026");
    let waiting: Vec<&str> = gov
        .awaiting_confirmation(&none)
        .iter()
        .map(|x| x.id.as_str())
        .collect();
    assert_eq!(waiting, vec!["VC-2026"]);
    let confirmed: otinish_domain::rulebook::Confirmed = ["VC-2026".to_owned()].into();
    assert!(b.channel_open(Channel::VideoAppeal, day, &confirmed));
    assert!(gov.awaiting_confirmation(&confirmed).is_empty());
    // Editions as published need no confirmation; a mark in the data is in all three languages.
    let vc2023 = b.get("VC-2023").unwrap_or_else(|| panic!("VC-2023"));
    assert!(!vc2023.awaits_confirmation(&none));
    assert!(vc2023.effective_from_approximate);
    assert!(!b
        .get("APPC-2021")
        .is_some_and(|x| x.effective_from_approximate));
    let why = b
        .get("VC-2026")
        .and_then(|x| x.to_be_confirmed.clone())
        .unwrap_or_else(|| panic!("VC-2026 is marked"));
    for lang in [Lang::Kk, Lang::Ru, Lang::En] {
        assert!(!why.get(lang).is_empty());
    }
    // Under Law No. 221 a forward outside competence is due in three working days (seed 000
    // §30 for video appeals: VA-10), not calendar days.
    let old = b
        .governing(Channel::Paper, d("2020-03-19"))
        .unwrap_or_else(|e| panic!("{e}"));
    let (book, t) = old
        .term("redirect", AppealKind::Request)
        .unwrap_or_else(|| panic!("a redirect term"));
    assert_eq!(book.id, "LAW-221");
    assert_eq!(t.rule_on(Channel::Paper), "Law No. 221");
    assert_eq!(t.rule_on(Channel::VideoAppeal), "VA-10");
    assert!(matches!(
        t.unit,
        otinish_domain::rulebook::Unit::WorkingDays
    ));
}

/// GEN-01: a deployment adds a newer edition as data; older cases keep their edition, and
/// overlapping editions are refused.
#[test]
fn gen_01_new_edition_is_data() {
    // Without the shipped VC-2026, as a deployment that loads its own edition instead.
    let mut files: Vec<_> = editions()
        .into_iter()
        .filter(|(name, _)| *name != "VC-2026.toml")
        .collect();
    let newer = include_str!("../../../rulebooks/editions/VC-2023.toml")
        .replace("id = \"VC-2023\"", "id = \"VC-2026\"")
        .replace(
            "effective_from = \"2023-06-15\"",
            "effective_from = \"2026-01-01\"",
        )
        .replace("effective_to = \"2026-01-01\"", "");
    files.push(("VC-2026.toml", &newer));
    let b = RulebookSet::from_toml_files(files.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        b.governing(Channel::Vks, d("2025-12-31"))
            .map(|g| g.primary_id())
            .ok(),
        Some("VC-2023")
    );
    assert_eq!(
        b.governing(Channel::Vks, d("2026-01-01"))
            .map(|g| g.primary_id())
            .ok(),
        Some("VC-2026")
    );
    let overlapping = newer.replace("id = \"VC-2026\"", "id = \"VC-X\"");
    files.push(("VC-X.toml", &overlapping));
    assert!(matches!(
        RulebookSet::from_toml_files(files),
        Err(RulebookError::Overlap { .. })
    ));
    let broken: Result<Rulebook, _> = toml::from_str("id = 3");
    assert!(broken.is_err());
}

fn facts(channel: Channel, kind: AppealKind, received: &str) -> CaseFacts {
    CaseFacts {
        channel,
        kind,
        received_at: noon(received),
        registered_at: None,
        events: vec![],
    }
}

/// GEN-04, VC-19, EA-14: every deadline carries its rule, its edition and its due moment,
/// and is explained in words.
#[test]
fn gen_04_deadlines_with_rules_and_explanations() {
    let (b, c) = (books(), cal());
    let f = facts(Channel::Portal, AppealKind::Statement, "2026-03-19");
    let ds = case_deadlines(&f, &b, &c, d("2026-03-19")).unwrap_or_else(|e| panic!("{e}"));
    let answer = ds
        .iter()
        .find(|x| x.key == "answer")
        .unwrap_or_else(|| panic!("answer term"));
    // An e-appeal's answer term is EA-14's ("the same terms as paper ones"), not VC-19's; each
    // channel's clause sets the same APPC term for its cases.
    assert_eq!(
        (answer.rule.as_str(), answer.rulebook.as_str()),
        ("EA-14", "APPC-2021")
    );
    for (channel, kind, key, rule) in [
        (Channel::Vks, AppealKind::Request, "answer", "VC-19"),
        (
            Channel::VideoAppeal,
            AppealKind::Statement,
            "answer",
            "VA-14",
        ),
        (
            Channel::VideoAppeal,
            AppealKind::Statement,
            "redirect",
            "VA-10",
        ),
        (Channel::Portal, AppealKind::Statement, "redirect", "EA-10"),
        (
            Channel::Paper,
            AppealKind::Statement,
            "answer",
            "APPC art. 76",
        ),
        (
            Channel::Paper,
            AppealKind::Complaint,
            "answer",
            "APPC art. 99",
        ),
    ] {
        let f = facts(channel, kind, "2026-03-19");
        let ds = case_deadlines(&f, &b, &c, d("2026-03-19")).unwrap_or_else(|e| panic!("{e}"));
        let got = ds.iter().find(|x| x.key == key).map(|x| x.rule.as_str());
        assert_eq!(got, Some(rule), "{channel} {kind} {key}");
    }
    // 15 working days from 19 Mar 2026, skipping Nauryz and its moved days off.
    assert_eq!(answer.due_on, d("2026-04-14"));
    assert_eq!(answer.due_at, c.zone().end_of_day(d("2026-04-14")));
    let ru = answer.explain(Lang::Ru);
    assert!(
        ru.contains("15 рабочих дней") && ru.contains("14.04.2026") && ru.contains("Наурыз"),
        "{ru}"
    );
    let kk = answer.explain(Lang::Kk);
    assert!(kk.contains("жұмыс күні") && kk.contains("Наурыз"), "{kk}");
    let en = answer.explain(Lang::En);
    assert!(
        en.contains("15 working days") && en.contains("Asia/Almaty"),
        "{en}"
    );
    let redirect = ds
        .iter()
        .find(|x| x.key == "redirect")
        .unwrap_or_else(|| panic!("redirect term"));
    assert_eq!(redirect.due_on, d("2026-03-27"));

    // A complaint: 20 working days (APPC art. 99).
    let f = facts(Channel::Portal, AppealKind::Complaint, "2026-03-19");
    let ds = case_deadlines(&f, &b, &c, d("2026-03-19")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ds.iter().find(|x| x.key == "answer").map(|x| x.due_on),
        Some(d("2026-04-21"))
    );

    // Before the APPC: 15 calendar days under Law 221.
    let f = facts(Channel::Paper, AppealKind::Statement, "2020-03-02");
    let ds = case_deadlines(&f, &b, &c, d("2020-03-02")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ds.iter()
            .find(|x| x.key == "answer")
            .map(|x| (x.due_on, x.rulebook.as_str())),
        Some((d("2020-03-17"), "LAW-221"))
    );
}

/// GEN-04, VC-08: a VKS request under VC-2016 must be decided within 3 working days.
#[test]
fn vc_08_decision_due_in_three_working_days_under_vc_2016() {
    let (b, c) = (books(), cal());
    let f = facts(Channel::Vks, AppealKind::Request, "2019-03-20");
    let ds = case_deadlines(&f, &b, &c, d("2019-03-20")).unwrap_or_else(|e| panic!("{e}"));
    let dec = ds
        .iter()
        .find(|x| x.key == "vks_decision")
        .unwrap_or_else(|| panic!("vks_decision"));
    assert_eq!(
        (dec.rule.as_str(), dec.rulebook.as_str()),
        ("VC-08", "VC-2016")
    );
    // 21–22 Mar 2019 Thu/Fri Nauryz, 23 Mar Sat → 25 Mar off.
    assert_eq!(dec.due_on, d("2019-03-28"));
}

/// GEN-04: a paused term stops counting and resumes the working day after resumption;
/// an extension (APPC art. 76) moves the answer and adds the notice deadline.
#[test]
fn gen_04_pause_resume_and_extension() {
    let (b, c) = (books(), cal());
    let mut f = facts(Channel::Portal, AppealKind::Statement, "2026-04-01");
    let base = case_deadlines(&f, &b, &c, d("2026-04-01")).unwrap_or_else(|e| panic!("{e}"));
    let due = |ds: &[otinish_domain::deadline::Deadline]| {
        ds.iter().find(|x| x.key == "answer").map(|x| x.due_on)
    };
    assert_eq!(due(&base), Some(d("2026-04-22")));

    assert_eq!(
        check_pause_event(&f.events, false),
        Err(DeadlineError::NotPaused)
    );
    f.events.push(TermEvent::Paused {
        at: noon("2026-04-06"),
        reason: "clarification requested".into(),
    });
    assert_eq!(
        check_pause_event(&f.events, true),
        Err(DeadlineError::AlreadyPaused)
    );
    let paused = case_deadlines(&f, &b, &c, d("2026-04-08")).unwrap_or_else(|e| panic!("{e}"));
    assert!(paused
        .iter()
        .find(|x| x.key == "answer")
        .is_some_and(|x| x.paused));
    f.events.push(TermEvent::Resumed {
        at: noon("2026-04-10"),
    });
    let resumed = case_deadlines(&f, &b, &c, d("2026-04-20")).unwrap_or_else(|e| panic!("{e}"));
    // 7, 8, 9, 10 April suspended: four working days later.
    assert_eq!(due(&resumed), Some(d("2026-04-28")));
    let answer = resumed
        .iter()
        .find(|x| x.key == "answer")
        .unwrap_or_else(|| panic!("answer"));
    assert!(answer
        .explain(Lang::Ru)
        .contains("срок приостановлен: clarification requested"));

    let gov = b
        .governing(Channel::Portal, d("2026-04-01"))
        .unwrap_or_else(|e| panic!("{e}"));
    let current = d("2026-04-28");
    assert_eq!(
        check_extension(&gov, d("2026-04-01"), current, d("2026-05-20"), " "),
        Err(DeadlineError::ExtensionWithoutReasons)
    );
    assert!(matches!(
        check_extension(
            &gov,
            d("2026-04-01"),
            current,
            d("2026-04-20"),
            "site inspection"
        ),
        Err(DeadlineError::ExtensionNotLater { .. })
    ));
    assert!(matches!(
        check_extension(
            &gov,
            d("2026-04-01"),
            current,
            d("2026-06-02"),
            "site inspection"
        ),
        Err(DeadlineError::ExtensionTooLong { .. })
    ));
    assert_eq!(
        check_extension(
            &gov,
            d("2026-04-01"),
            current,
            d("2026-06-01"),
            "site inspection"
        ),
        Ok(())
    );
    f.events.push(TermEvent::Extended {
        at: noon("2026-04-21"),
        until: d("2026-06-01"),
        reasons: "site inspection".into(),
    });
    let ext = case_deadlines(&f, &b, &c, d("2026-04-21")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(due(&ext), Some(d("2026-06-01")));
    let notice = ext
        .iter()
        .find(|x| x.key == "extension_notice")
        .unwrap_or_else(|| panic!("notice"));
    assert_eq!(
        (notice.due_on, notice.rule.as_str()),
        (d("2026-04-24"), "APPC art. 76")
    );
}

/// GEN-04: a calendar change moves the open deadlines it affects, and only those.
#[test]
fn gen_04_calendar_change_recomputes() {
    let (b, c) = (books(), cal());
    let edited = c
        .with_edits(vec![DayEdit {
            date: d("2026-08-31"),
            working: true,
            reason: "Constitution Day abolished".into(),
        }])
        .unwrap_or_else(|e| panic!("{e}"));
    let f = facts(Channel::Portal, AppealKind::Statement, "2026-08-24");
    let old = case_deadlines(&f, &b, &c, d("2026-08-24")).unwrap_or_else(|e| panic!("{e}"));
    let new = case_deadlines(&f, &b, &edited, d("2026-08-24")).unwrap_or_else(|e| panic!("{e}"));
    let changes = changes_after_calendar_edit(&old, &new);
    assert_eq!(
        changes.len(),
        1,
        "only the answer crosses 31 Aug: {changes:?}"
    );
    let answer = changes
        .iter()
        .find(|x| x.key == "answer")
        .unwrap_or_else(|| panic!("answer moved"));
    assert_eq!(
        (answer.old_due, answer.new_due),
        (d("2026-09-15"), d("2026-09-14"))
    );
    let untouched = facts(Channel::Portal, AppealKind::Statement, "2026-10-01");
    let o = case_deadlines(&untouched, &b, &c, d("2026-10-01")).unwrap_or_else(|e| panic!("{e}"));
    let n =
        case_deadlines(&untouched, &b, &edited, d("2026-10-01")).unwrap_or_else(|e| panic!("{e}"));
    assert!(changes_after_calendar_edit(&o, &n).is_empty());
}

/// VC-06: the schedule is sent at least 15 calendar days before the quarter (a backward term).
#[test]
fn vc_06_schedule_due_before_quarter() {
    let (b, c) = (books(), cal());
    let gov = b
        .governing(Channel::Vks, d("2025-03-01"))
        .unwrap_or_else(|e| panic!("{e}"));
    let q = next_quarter_start(d("2025-03-01")).unwrap_or_default();
    assert_eq!(q, d("2025-04-01"));
    let dl = term_before(&gov, "schedule_to_operator", AppealKind::Request, q, &c)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        dl.map(|x| (x.due_on, x.rule)),
        Some((d("2025-03-17"), "VC-06".to_string()))
    );
    assert_eq!(next_quarter_start(d("2025-11-30")), Some(d("2026-01-01")));
}

mod vks {
    use super::{books, cal, d};
    use chrono::NaiveDateTime;
    use otinish_domain::appeal::SignerFacts;
    use otinish_domain::hearing::{check_decision, DecisionError, Hearing, PositionKind};
    use otinish_domain::ids::Iin;
    use otinish_domain::model::AppealKind;
    use otinish_domain::model::{Official, OfficialRank};
    use otinish_domain::vks::*;
    use otinish_domain::{Lang, Names};

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn official(id: i64, rank: OfficialRank) -> Official {
        Official {
            id,
            body_id: 1,
            full_name: format!("Official {id}"),
            position: Names::default(),
            rank,
            seniority: if rank == OfficialRank::FirstHead {
                0
            } else {
                1
            },
            absences: vec![],
        }
    }

    fn slot(official_id: i64, starts: &str, minutes: u32) -> SlotDraft {
        SlotDraft {
            official_id,
            starts: at(starts),
            minutes,
            vks: true,
        }
    }

    #[test]
    fn quarters() {
        let q = Quarter::parse("2026-Q3").unwrap();
        assert_eq!(
            (q.first_day(), q.last_day()),
            (d("2026-07-01"), d("2026-09-30"))
        );
        assert_eq!(
            Quarter::parse("2026-4").unwrap().next(),
            Quarter::new(2027, 1).unwrap()
        );
        assert_eq!(Quarter::containing(d("2026-11-24")).to_string(), "2026-Q4");
        assert_eq!(Quarter::parse("2026-Q5"), None);
        assert_eq!(Quarter::parse("Q3"), None);
        assert!(q.contains(d("2026-09-30")) && !q.contains(d("2026-10-01")));
    }

    /// VC-05: drafted, approved by the first head, agreed and published by the authorized
    /// body; slots change only while drafting.
    #[test]
    fn vc_05_schedule_steps() {
        use ScheduleAction as A;
        use ScheduleState as S;
        let published = S::Draft
            .apply(A::Approve)
            .and_then(|s| s.apply(A::Agree))
            .and_then(|s| s.apply(A::Publish));
        assert_eq!(published, Ok(S::Published));
        assert!(
            S::Draft.apply(A::Agree).is_err(),
            "agreed only after approval"
        );
        assert!(S::Draft.apply(A::Publish).is_err());
        assert_eq!(S::Agreed.apply(A::Return), Ok(S::Draft));
        assert!(S::Published.apply(A::Return).is_err());
        assert!(S::Draft.editable() && !S::Approved.editable());
        assert_eq!(A::Approve.role(), otinish_domain::model::Role::Head);
        assert_eq!(A::Publish.role(), otinish_domain::model::Role::Operator);
    }

    /// VC-01, VC-05: slots belong to the body's first head, or to a deputy on a day the first
    /// head is recorded absent (never beside a present head), on working days within the quarter
    /// and the working day, without overlaps.
    #[test]
    fn vc_05_slots_are_checked() {
        let q = Quarter::parse("2026-Q1").unwrap();
        // The first head is away on 17 and 20 March (a business trip, then leave).
        let mut head = official(1, OfficialRank::FirstHead);
        head.absences = vec![
            otinish_domain::model::Absence {
                from: d("2026-03-17"),
                to: d("2026-03-17"),
                reason: "business trip".into(),
            },
            otinish_domain::model::Absence {
                from: d("2026-03-20"),
                to: d("2026-03-20"),
                reason: "leave".into(),
            },
        ];
        let officials = [head, official(2, OfficialRank::Deputy)];
        let good = [
            slot(1, "2026-03-19 10:00", 30),
            slot(2, "2026-03-20 10:00", 30),
            slot(1, "2026-03-19 10:30", 30),
        ];
        assert_eq!(check_slots(q, &good, &officials, &cal()), vec![]);
        assert!(has_first_head(&officials, &good));
        assert!(!has_first_head(&officials, &good[1..2]));
        let bad = [
            slot(9, "2026-03-19 10:00", 30), // unknown official
            slot(1, "2026-04-01 10:00", 30), // next quarter
            slot(1, "2026-03-23 10:00", 30), // Nauryz
            slot(1, "2026-03-18 10:00", 5),  // too short
            slot(1, "2026-03-18 18:15", 30), // after hours
            slot(2, "2026-03-17 11:00", 60),
            slot(2, "2026-03-17 11:30", 30), // overlaps the one before
            slot(2, "2026-03-19 11:00", 30), // VC-01: a deputy while the first head is present
        ];
        let keys: Vec<(usize, &str)> = check_slots(q, &bad, &officials, &cal())
            .into_iter()
            .map(|p| (p.index, p.key))
            .collect();
        assert_eq!(
            keys,
            [
                (0, "vks-slot-official-unknown"),
                (1, "vks-slot-outside-quarter"),
                (2, "vks-slot-day-off"),
                (3, "vks-slot-length"),
                (4, "vks-slot-hours"),
                (5, "vks-slot-overlap"),
                (6, "vks-slot-overlap"),
                (7, "vks-slot-deputy-head-present"),
            ]
        );
    }

    /// VC-06: the approved schedule reaches the authorized body 15 calendar days before the
    /// quarter.
    #[test]
    fn vc_06_schedule_due_15_calendar_days_before_the_quarter() {
        let q = Quarter::parse("2025-Q3").unwrap();
        let due = schedule_due(&books(), &cal(), q, d("2025-05-20"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (due.due_on, due.rule.as_str(), due.rulebook.as_str()),
            (d("2025-06-16"), "VC-06", "VC-2023")
        );
        let q = Quarter::parse("2020-Q1").unwrap();
        let due = schedule_due(&books(), &cal(), q, d("2019-11-01"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (due.due_on, due.rulebook.as_str()),
            (d("2019-12-17"), "VC-2016")
        );
        // From 2026 the 2021 wording stands again (VC-2026): the same 15 days.
        let later = schedule_due(
            &books(),
            &cal(),
            Quarter::parse("2026-Q3").unwrap(),
            d("2026-05-20"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (later.due_on, later.rulebook.as_str()),
            (d("2026-06-16"), "VC-2026")
        );
    }

    fn signer(iin: Option<&str>) -> SignerFacts {
        SignerFacts {
            iin: iin.map(|i| Iin::parse(i).unwrap()),
            bin: None,
            surname: "Ахметов".into(),
            name: "Асан".into(),
            patronymic: Some("Серікұлы".into()),
            organization: None,
            email: None,
        }
    }

    /// VC-03: every starred field, in the order of the form; IIN and name from the signature.
    #[test]
    fn vc_03_request_form() {
        let form = VksRequestForm {
            address: "Астана, Мәңгілік Ел 8".into(),
            email: "asan@example.kz".into(),
            phones: "+7 701 123 45 67, 87172740000".into(),
            branch: "3".into(),
            workplace: "ТОО Дала".into(),
            position: "инженер".into(),
            lang: "kk".into(),
            question: "Жер учаскесін беру мерзімі".into(),
            slot: "17".into(),
        };
        let ok = check_vks_request(&form, &signer(Some("900101300106"))).unwrap();
        assert_eq!(ok.full_name, "Ахметов Асан Серікұлы");
        assert_eq!((ok.branch_id, ok.slot_id, ok.lang), (3, 17, Lang::Kk));
        assert_eq!(ok.phones.len(), 2);
        let empty = check_vks_request(&VksRequestForm::default(), &signer(Some("900101300106")));
        let fields: Vec<&str> = empty.unwrap_err().iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "address",
                "workplace",
                "position",
                "question",
                "email",
                "phones",
                "branch",
                "slot"
            ]
        );
        let bad = VksRequestForm {
            email: "not-an-email".into(),
            phones: "12".into(),
            ..form.clone()
        };
        let keys: Vec<&str> = check_vks_request(&bad, &signer(Some("900101300106")))
            .unwrap_err()
            .iter()
            .map(|p| p.key)
            .collect();
        assert_eq!(keys, ["vks-email-invalid", "vks-phone-invalid"]);
        let org = check_vks_request(&form, &signer(None)).unwrap_err();
        assert_eq!(org[0].key, "appeal-signer-without-iin");
    }

    /// VC-09, VC-10: the same request received on 30 Jun 2021 follows VC-2016 (a refusal
    /// needs no hearing) and on 1 Jul 2021 follows VC-2021 (a hearing, notified 3 working days
    /// before the decision, with the applicant's position recorded).
    #[test]
    fn vc_10_hearing_required_only_from_vc_2021() {
        use otinish_domain::model::Channel;
        let (books, cal) = (books(), cal());
        let old = books.governing(Channel::Vks, d("2021-06-30")).unwrap();
        let new = books.governing(Channel::Vks, d("2021-07-01")).unwrap();
        assert_eq!((old.primary_id(), new.primary_id()), ("VC-2016", "VC-2021"));
        let refuse = "refuse_out_of_competence";
        let k = AppealKind::Request;
        assert_eq!(
            check_decision(&old, k, refuse, &[], d("2021-07-02"), &cal),
            Ok(())
        );
        assert_eq!(
            check_decision(&old, k, "appoint_reception", &[], d("2021-07-02"), &cal),
            Ok(())
        );
        assert_eq!(
            check_decision(&new, k, "appoint_reception", &[], d("2021-07-02"), &cal),
            Ok(())
        );
        assert_eq!(
            check_decision(&new, k, refuse, &[], d("2021-07-09"), &cal),
            Err(DecisionError::HearingRequired)
        );
        let heard = |on: &str, position: Option<PositionKind>| Hearing {
            intended: refuse.into(),
            notified_on: d(on),
            respond_by: d("2021-07-07"),
            position,
        };
        let given = Some(PositionKind::Given);
        // Notified on Friday 2 Jul. Saturday 3 Jul was worked (the transfer for Monday 5 Jul)
        // and 6 Jul is Capital Day: the three working days before a decision on Thursday 8 Jul
        // are 7, 3 and 2 Jul, so 8 Jul is the first day the notice came in time for (GEN-03).
        assert_eq!(
            check_decision(
                &new,
                k,
                refuse,
                &[heard("2021-07-02", given)],
                d("2021-07-07"),
                &cal
            ),
            Err(DecisionError::HearingTooRecent {
                earliest: d("2021-07-08")
            })
        );
        assert_eq!(
            check_decision(
                &new,
                k,
                refuse,
                &[heard("2021-07-02", given)],
                d("2021-07-09"),
                &cal
            ),
            Ok(())
        );
        // VC-10 as corrected (GEN-09): silence after the day set does not block the refusal
        // once it is recorded as such.
        assert_eq!(
            check_decision(
                &new,
                k,
                refuse,
                &[heard("2021-07-02", None)],
                d("2021-07-09"),
                &cal
            ),
            Err(DecisionError::SilenceNotRecorded)
        );
        assert_eq!(
            check_decision(
                &new,
                k,
                refuse,
                &[heard("2021-07-02", Some(PositionKind::NoneGiven))],
                d("2021-07-09"),
                &cal
            ),
            Ok(())
        );
        assert_eq!(
            check_decision(&new, k, "satisfied_by_magic", &[], d("2021-07-09"), &cal),
            Err(DecisionError::NotAllowed)
        );
    }
}

mod reception {
    use super::*;
    use chrono::NaiveDateTime;
    use otinish_domain::reception::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    /// VC-12: the month's timetable goes to the operator 3 working days before the month under
    /// VC-2016 and 3 calendar days before under VC-2021.
    #[test]
    fn vc_12_timetable_due_by_edition() {
        let (b, c) = (books(), cal());
        let gov = b.governing(Channel::Vks, d("2019-03-20")).unwrap();
        assert_eq!(gov.primary_id(), "VC-2016");
        let due = timetable_due(&gov, &c, d("2019-04-01")).unwrap().unwrap();
        // Sunday 31 and Saturday 30 March do not count: Fri 29, Thu 28, Wed 27.
        assert_eq!(due.due_on, d("2019-03-27"));
        assert_eq!(due.rule, "VC-12");
        let gov = b.governing(Channel::Vks, d("2022-03-20")).unwrap();
        assert_eq!(gov.primary_id(), "VC-2021");
        let due = timetable_due(&gov, &c, d("2022-04-15")).unwrap().unwrap();
        assert_eq!(due.due_on, d("2022-03-29"), "any day of the month names it");
    }

    /// VC-13: the operator publishes within 1 working day of receipt; Nauryz 2026 (23 March
    /// and the transferred 24 and 25 March) is skipped.
    #[test]
    fn vc_13_publish_within_one_working_day() {
        let (b, c) = (books(), cal());
        let gov = b.governing(Channel::Vks, d("2026-03-20")).unwrap();
        assert_eq!(gov.primary_id(), "VC-2026");
        assert_eq!(
            publish_due(&gov, &c, d("2026-03-20")).unwrap(),
            Some(d("2026-03-26"))
        );
        assert_eq!(
            publish_due(&gov, &c, d("2026-03-17")).unwrap(),
            Some(d("2026-03-18"))
        );
    }

    /// VC-14: under VC-2016 a change reaches everybody no later than 1 working day before the
    /// reception; a later one is refused, naming the last day it was possible.
    #[test]
    fn vc_14_change_no_later_than_one_working_day_before() {
        let (b, c) = (books(), cal());
        let gov = b.governing(Channel::Vks, d("2019-03-20")).unwrap();
        let monday = at("2019-04-08 10:00");
        let new = at("2019-04-09 10:00");
        assert_eq!(
            check_change(&gov, &c, monday, new, at("2019-04-05 17:00")),
            Ok(())
        );
        assert_eq!(
            check_change(&gov, &c, monday, new, at("2019-04-06 09:00")),
            Err(ChangeError::TooLate {
                latest: d("2019-04-05")
            }),
            "Saturday is after Friday, the last working day before"
        );
        assert_eq!(
            check_change(
                &gov,
                &c,
                monday,
                at("2019-04-01 10:00"),
                at("2019-04-02 09:00")
            ),
            Err(ChangeError::InThePast)
        );
        // The later editions set no term: a change is possible up to the day before.
        let gov = b.governing(Channel::Vks, d("2026-04-01")).unwrap();
        let monday = at("2026-04-06 10:00");
        assert_eq!(
            check_change(
                &gov,
                &c,
                monday,
                at("2026-04-07 10:00"),
                at("2026-04-05 12:00")
            ),
            Ok(())
        );
        assert!(matches!(
            check_change(
                &gov,
                &c,
                monday,
                at("2026-04-07 10:00"),
                at("2026-04-06 08:00")
            ),
            Err(ChangeError::TooLate { .. })
        ));
    }

    /// VC-15: the equipment check falls on the working day before the reception.
    #[test]
    fn vc_15_equipment_check_the_working_day_before() {
        let (b, c) = (books(), cal());
        let gov = b.governing(Channel::Vks, d("2019-03-20")).unwrap();
        assert_eq!(
            equipment_check_due(&gov, &c, d("2019-04-08")).unwrap(),
            d("2019-04-05")
        );
        let gov = b.governing(Channel::Vks, d("2026-03-20")).unwrap();
        assert_eq!(
            equipment_check_due(&gov, &c, d("2026-03-26")).unwrap(),
            d("2026-03-20"),
            "Nauryz days and the weekend are skipped"
        );
    }

    /// VC-16: the applicant is checked in with an identity document on the day; 15 minutes
    /// early is on time, later is noted; after the end there is nothing to check in to.
    #[test]
    fn vc_16_check_in() {
        let starts = at("2026-04-02 10:00");
        assert_eq!(
            check_in(starts, 30, at("2026-04-02 09:40"), "ID 041234567"),
            Ok(Arrival {
                minutes_early: 20,
                early_enough: true
            })
        );
        assert_eq!(
            check_in(starts, 30, at("2026-04-02 09:50"), "ID 041234567"),
            Ok(Arrival {
                minutes_early: 10,
                early_enough: false
            })
        );
        assert_eq!(
            check_in(starts, 30, at("2026-04-02 10:05"), "ID 041234567").map(|a| a.minutes_early),
            Ok(-5)
        );
        assert_eq!(
            check_in(starts, 30, at("2026-04-02 10:30"), "ID"),
            Err(CheckInError::Over)
        );
        assert_eq!(
            check_in(starts, 30, at("2026-04-01 09:40"), "ID"),
            Err(CheckInError::NotToday)
        );
        assert_eq!(
            check_in(starts, 30, at("2026-04-02 09:40"), "  "),
            Err(CheckInError::NoDocument)
        );
    }

    /// VC-17, VC-18: every step of the reception is recorded, with the decision and at least
    /// one instruction to an executor of the body.
    #[test]
    fn vc_17_vc_18_record_steps_decision_and_instructions() {
        let empty = check_record(&ReceptionRecord::default(), &[7]);
        assert_eq!(
            empty.iter().map(|p| p.field).collect::<Vec<_>>(),
            [
                "introduction",
                "question",
                "clarifications",
                "discussion",
                "summary",
                "decision",
                "instructions"
            ]
        );
        let mut rec = ReceptionRecord {
            introduction: "Ахметов Бауыржан, ТОО Дала".into(),
            question: "Сроки выделения участка".into(),
            clarifications: "Какой участок".into(),
            discussion: "Предложено рассмотреть участок 12".into(),
            summary: "Рассмотреть в установленный срок".into(),
            decision: "Поручить управлению земельных отношений".into(),
            instructions: vec![Instruction {
                executor_id: 9,
                text: "Подготовить ответ".into(),
            }],
        };
        let wrong = check_record(&rec, &[7]);
        assert_eq!(
            wrong.iter().map(|p| p.key).collect::<Vec<_>>(),
            ["vks-record-unknown-executor"]
        );
        rec.instructions[0].executor_id = 7;
        assert!(check_record(&rec, &[7]).is_empty());
        rec.instructions[0].text = " ".into();
        assert_eq!(check_record(&rec, &[7]).len(), 1);
    }

    /// VC-09, VC-16, VC-17: the reception's states follow one another in order only.
    #[test]
    fn vc_09_reception_states() {
        use ReceptionAction as A;
        use ReceptionState as S;
        let path = [A::Appoint, A::Reschedule, A::CheckIn, A::Record];
        let end = path
            .iter()
            .try_fold(S::Requested, |s, a| s.apply(*a))
            .unwrap();
        assert_eq!(end, S::Held);
        assert_eq!(S::Requested.apply(A::Refuse), Ok(S::Refused));
        assert!(!S::Refused.holds_slot());
        assert!(S::Requested.apply(A::CheckIn).is_err());
        assert!(
            S::Appointed.apply(A::Record).is_err(),
            "no record without the applicant"
        );
        assert_eq!(S::Appointed.apply(A::NoShow), Ok(S::NoShow));
        assert!(S::NoShow.apply(A::Record).is_err());
    }
}

mod video {
    use otinish_domain::model::{AppealKind, Channel};
    use otinish_domain::video::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
        )
        .unwrap()
    }

    /// VA-04: the length is measured from the frames of the real container (made by ffmpeg,
    /// tests/fixtures/make.sh), with or without sizes and a duration in the header.
    #[test]
    fn va_04_recording_measured_by_its_frames() {
        let ok = inspect_recording(&fixture("ok.webm")).unwrap();
        assert_eq!(
            (ok.doc_type.as_str(), ok.video_codec.as_str(), ok.has_audio),
            ("webm", "V_VP8", true)
        );
        assert!((4_700..=5_100).contains(&ok.duration_ms), "{ok:?}");
        let live = inspect_recording(&fixture("live.webm")).unwrap();
        assert!((4_700..=5_100).contains(&live.duration_ms), "{live:?}");
        assert!(!live.has_audio);
    }

    /// VA-04: longer than 3 minutes, a header that lies about the length, no video, not a
    /// video at all, or cut short: each refused with its reason.
    #[test]
    fn va_04_long_forged_and_foreign_files_refused() {
        assert_eq!(
            inspect_recording(&fixture("long.webm")),
            Err(MediaError::TooLong { seconds: 199 })
        );
        // The header claims 60 s; the frames run 200 s: the frames decide.
        assert_eq!(
            inspect_recording(&fixture("forged.webm")),
            Err(MediaError::TooLong { seconds: 199 })
        );
        assert!(matches!(
            inspect_recording(&fixture("mismatch.webm")),
            Err(MediaError::ForgedDuration {
                declared_ms: 60_000,
                ..
            })
        ));
        assert_eq!(
            inspect_recording(&fixture("audio.webm")),
            Err(MediaError::NoVideo)
        );
        assert_eq!(
            inspect_recording(&fixture("truncated.webm")),
            Err(MediaError::Damaged)
        );
        assert_eq!(
            inspect_recording(b"%PDF-1.4\n% not a video\n"),
            Err(MediaError::NotVideo)
        );
        assert_eq!(inspect_recording(&[]), Err(MediaError::NotVideo));
        let mut wrong_doc = fixture("ok.webm");
        let at = wrong_doc.windows(4).position(|w| w == b"webm").unwrap();
        wrong_doc[at..at + 4].copy_from_slice(b"xxxx");
        assert_eq!(inspect_recording(&wrong_doc), Err(MediaError::NotVideo));
    }

    /// VA-14: a video appeal is considered in the same term as any other appeal (15 working
    /// days; 20 for a complaint), and VA-10: forwarded within 3 working days when outside the
    /// competence; VA-11: its decisions are those of the law.
    #[test]
    fn va_10_va_11_va_14_terms_and_decisions_as_for_other_appeals() {
        use otinish_domain::deadline::case_deadlines;
        let (b, c) = (super::books(), super::cal());
        for kind in [AppealKind::Statement, AppealKind::Complaint] {
            let video = case_deadlines(
                &super::facts(Channel::VideoAppeal, kind, "2026-03-19"),
                &b,
                &c,
                super::d("2026-03-19"),
            )
            .unwrap();
            let portal = case_deadlines(
                &super::facts(Channel::Portal, kind, "2026-03-19"),
                &b,
                &c,
                super::d("2026-03-19"),
            )
            .unwrap();
            let due = |ds: &[otinish_domain::deadline::Deadline], key: &str| {
                ds.iter().find(|x| x.key == key).map(|x| x.due_on)
            };
            assert_eq!(due(&video, "answer"), due(&portal, "answer"), "{kind:?}");
            assert_eq!(due(&video, "redirect"), Some(super::d("2026-03-27")));
        }
        for day in ["2019-05-15", "2022-05-16", "2026-05-15"] {
            let gov = b.governing(Channel::VideoAppeal, super::d(day)).unwrap();
            for d in [
                "satisfied",
                "partially_satisfied",
                "refused",
                "explained",
                "terminated",
            ] {
                assert!(gov.decision_allowed(d), "{day}: {d}");
            }
        }
        // Removed by the 2023 edition: no video appeals between June 2023 and 2026.
        assert!(!b.channel_open(
            Channel::VideoAppeal,
            super::d("2024-05-15"),
            &Default::default()
        ));
    }

    /// VA-03, VA-06: the booth's form: a person's name or an organisation's, the postal address
    /// and email, the addressee; a complaint also names who is complained about, the motives
    /// and the demands.
    #[test]
    fn va_03_va_06_booth_form() {
        let mut f = VideoForm {
            applicant_kind: "individual".into(),
            surname: "Ахметов".into(),
            name: "Бауыржан".into(),
            postal_address: "с. Коктал".into(),
            email: "a@example.kz".into(),
            body: "MJ".into(),
            kind: "statement".into(),
            ..VideoForm::default()
        };
        let ok = check_video_form(&f).unwrap();
        assert_eq!((ok.legal_entity, ok.patronymic.clone()), (false, None));
        f.kind = "complaint".into();
        let fields: Vec<_> = check_video_form(&f)
            .unwrap_err()
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            [
                "complaint_subject",
                "complaint_officials",
                "complaint_motives",
                "complaint_demands"
            ]
        );
        f.applicant_kind = "legal_entity".into();
        f.kind = "proposal".into();
        f.email = "not-an-email".into();
        f.body = " ".into();
        let fields: Vec<_> = check_video_form(&f)
            .unwrap_err()
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["org_name", "body", "email"]);
    }

    /// VA-05, VA-13: the secret code is twelve digits, read with or without spaces and dashes.
    #[test]
    fn va_05_secret_code() {
        let c = SecretCode::parse("1234 5678-9012").unwrap();
        assert_eq!(c.as_str(), "123456789012");
        assert_eq!(c.to_string(), "1234 5678 9012");
        assert!(SecretCode::parse("12345678901").is_none());
        assert!(SecretCode::parse("12345678901a").is_none());
        assert_eq!(
            SecretCode::from_digits([1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 11, 19]).as_str(),
            "123456789019"
        );
    }

    /// VA-05: the receipt's Code 128 barcode; every symbol is 11 modules (the stop 13), and
    /// zbar (zbarimg, a third-party decoder) reads back what was encoded, from the SVG
    /// rendered by rsvg-convert.
    #[test]
    fn va_05_code128_barcode_decodes() {
        for text in ["123456789012", "VA-2026-77"] {
            let values = code128_values(text).unwrap();
            let widths = code128_widths(text).unwrap();
            assert_eq!(
                widths.iter().map(|w| u32::from(*w)).sum::<u32>(),
                11 * (values.len() as u32 - 1) + 13
            );
        }
        assert!(code128_values("код").is_none());
        let have = |tool: &str| {
            std::process::Command::new(tool)
                .arg("--version")
                .output()
                .is_ok()
        };
        if !(have("zbarimg") && have("rsvg-convert")) {
            assert!(
                std::env::var_os("OTINISH_REQUIRE_TOOLS").is_none(),
                "OTINISH_REQUIRE_TOOLS is set but zbarimg or rsvg-convert is missing"
            );
            eprintln!("SKIPPED barcode decoding: zbarimg or rsvg-convert is missing");
            return;
        }
        let dir = std::env::temp_dir().join(format!("otinish-code128-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for text in ["123456789012", "VA-2026-77"] {
            let svg = dir.join("code.svg");
            let png = dir.join("code.png");
            std::fs::write(&svg, code128_svg(text, 3, 90).unwrap()).unwrap();
            let ok = std::process::Command::new("rsvg-convert")
                .arg("-o")
                .arg(&png)
                .arg(&svg)
                .status()
                .unwrap();
            assert!(ok.success());
            let out = std::process::Command::new("zbarimg")
                .args(["--quiet", "--raw"])
                .arg(&png)
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                text,
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

mod personal {
    use chrono::NaiveDateTime;
    use otinish_domain::deadline::{case_deadlines, CaseFacts};
    use otinish_domain::model::{AppealKind, Channel};
    use otinish_domain::personal::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    /// PR-02, PR-08, PR-11: a sign-up arriving at 18:45 on Friday 20 March 2026, before Nauryz
    /// (23 March and the transferred 24 and 25 March), is taken at the opening of Thursday 26
    /// March; it is registered that day and the date-and-time notice is due 15 working days
    /// later.
    #[test]
    fn pr_02_friday_evening_before_a_holiday_waits_for_the_next_working_day() {
        let cal = super::cal();
        let hours = WorkingHours::default();
        let i = intake(at("2026-03-20 18:45"), &hours, &cal).unwrap();
        assert_eq!(
            i,
            Intake {
                accepted_at: at("2026-03-26 09:00"),
                queued: true
            }
        );
        let received = cal.zone().utc(i.accepted_at);
        let facts = CaseFacts {
            channel: Channel::CallCenter,
            kind: AppealKind::Request,
            received_at: received,
            registered_at: Some(received),
            events: vec![],
        };
        let ds = case_deadlines(&facts, &super::books(), &cal, super::d("2026-03-26")).unwrap();
        let due = |key: &str| ds.iter().find(|d| d.key == key).map(|d| d.due_on);
        assert_eq!(due("registration"), Some(super::d("2026-03-26")));
        assert_eq!(due("reception_date_notice"), Some(super::d("2026-04-16")));
    }

    /// PR-02: in working hours at once; before opening, at the opening; during the lunch
    /// break, after it; on a day off, the next working day.
    #[test]
    fn pr_02_working_hours_and_lunch_break() {
        let cal = super::cal();
        let h = WorkingHours::default();
        let take = |s: &str| intake(at(s), &h, &cal).unwrap();
        assert_eq!(
            take("2026-03-19 10:00"),
            Intake {
                accepted_at: at("2026-03-19 10:00"),
                queued: false
            }
        );
        assert_eq!(take("2026-03-19 08:10").accepted_at, at("2026-03-19 09:00"));
        assert_eq!(take("2026-03-19 13:20").accepted_at, at("2026-03-19 14:30"));
        assert!(take("2026-03-19 13:20").queued);
        assert_eq!(take("2026-03-28 11:00").accepted_at, at("2026-03-30 09:00"));
        let t = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert!(WorkingHours::new(t(9, 0), t(13, 0), t(14, 0), t(18, 0)).is_some());
        assert!(WorkingHours::new(t(9, 0), t(8, 0), t(14, 0), t(18, 0)).is_none());
    }

    /// PR-03: each first head receives in a center at least once a month; the gaps are named.
    #[test]
    fn pr_03_first_heads_monthly_gaps() {
        let r = |official_id, day: &str| CenterReception {
            official_id,
            day: super::d(day),
        };
        let gaps = monthly_gaps(
            &[1, 2],
            &[r(1, "2026-01-15"), r(1, "2026-02-03"), r(2, "2026-01-30")],
            super::d("2026-01-01"),
            super::d("2026-03-31"),
        );
        assert_eq!(
            gaps,
            [
                (1, super::d("2026-03-01")),
                (2, super::d("2026-02-01")),
                (2, super::d("2026-03-01"))
            ]
        );
    }

    /// PR-10: queue order, the places' capacity, and no place before the sign-up may be taken.
    #[test]
    fn pr_10_distribution_in_queue_order() {
        let w = |id, reg: &str, not_before: &str| Waiting {
            id,
            registered_at: at(reg),
            not_before: at(not_before),
        };
        let p = |id, starts: &str, capacity| Place {
            id,
            starts: at(starts),
            capacity,
        };
        let got = distribute(
            &[
                w(30, "2026-03-03 10:00", "2026-03-01 00:00"),
                w(10, "2026-03-02 09:00", "2026-03-01 00:00"),
                w(20, "2026-03-02 11:00", "2026-03-20 00:00"),
                w(40, "2026-03-04 10:00", "2026-03-01 00:00"),
            ],
            &[p(2, "2026-03-25 10:00", 1), p(1, "2026-03-12 10:00", 2)],
        );
        // 10 and 30 fill the 12 March place (20 may not come before the 20th); 20 takes the
        // 25 March place; 40 waits for the next schedule.
        assert_eq!(got, [(10, 1), (20, 2), (30, 1)]);
    }
}

mod hearing {
    use super::*;
    use otinish_domain::hearing::*;

    /// GEN-09: every channel's rules after 1 July 2021 ask for a hearing before a refusal and a
    /// partial satisfaction, and none before a favourable decision; the rules before it ask
    /// for none.
    #[test]
    fn gen_09_which_decisions_need_a_hearing_on_every_channel() {
        let books = books();
        for channel in [
            Channel::Portal,
            Channel::Paper,
            Channel::VideoAppeal,
            Channel::PersonalReception,
            Channel::Vks,
        ] {
            let gov = books.governing(channel, d("2026-03-02")).unwrap();
            assert!(required(&gov, "refused"), "{channel}: refused");
            assert!(
                required(&gov, "partially_satisfied"),
                "{channel}: partially satisfied"
            );
            assert!(!required(&gov, "satisfied"), "{channel}: satisfied");
            assert!(!required(&gov, "explained"), "{channel}: explained");
            let before = books.governing(channel, d("2021-06-30"));
            if let Ok(before) = before {
                assert!(!required(&before, "refused"), "{channel} before the APPC");
            }
        }
        let vks = books.governing(Channel::Vks, d("2026-03-02")).unwrap();
        assert!(required(&vks, "refuse_out_of_competence"));
        assert!(adverse_decisions(&vks).contains(&"refuse_out_of_competence"));
    }

    /// GEN-09: the notice comes no later than 3 working days before the decision, counted on
    /// the calendar (a notice on Friday 6 March 2026: Monday 9 March is a holiday (8 March
    /// moved), so the decision may be taken from Thursday 12 March, the position is due by
    /// Wednesday 11 March).
    #[test]
    fn gen_09_notice_three_working_days_before_the_decision() {
        let books = books();
        let cal = cal();
        let gov = books.governing(Channel::Portal, d("2026-03-02")).unwrap();
        let plan = plan_notice(
            &gov,
            AppealKind::Statement,
            "refused",
            d("2026-03-06"),
            None,
            &cal,
        )
        .unwrap();
        assert_eq!(plan.earliest_decision, d("2026-03-12"));
        assert_eq!(plan.respond_by, d("2026-03-11"));
        // A later day for the position moves the decision after it.
        let later = plan_notice(
            &gov,
            AppealKind::Statement,
            "refused",
            d("2026-03-06"),
            Some(d("2026-03-16")),
            &cal,
        )
        .unwrap();
        assert_eq!(later.earliest_decision, d("2026-03-17"));
        assert_eq!(
            plan_notice(
                &gov,
                AppealKind::Statement,
                "refused",
                d("2026-03-06"),
                Some(d("2026-03-06")),
                &cal
            ),
            Err(HearingError::RespondByOutOfRange {
                earliest: d("2026-03-07"),
                latest: d("2026-05-05")
            })
        );
        assert_eq!(
            plan_notice(
                &gov,
                AppealKind::Statement,
                "satisfied",
                d("2026-03-06"),
                None,
                &cal
            ),
            Err(HearingError::NotRequired)
        );
    }

    /// GEN-09: no notice, a notice too late, a position awaited, silence not yet recorded: each
    /// blocks the refusal with its reason; a position recorded, or silence recorded after the
    /// day set, lets it go ahead. A favourable decision needs none of it.
    #[test]
    fn gen_09_decision_waits_for_the_hearing_and_silence_does_not_block_it() {
        let books = books();
        let cal = cal();
        let gov = books.governing(Channel::Paper, d("2026-03-02")).unwrap();
        let k = AppealKind::Statement;
        let check =
            |hs: &[Hearing], day: &str| check_decision(&gov, k, "refused", hs, d(day), &cal);
        assert_eq!(
            check(&[], "2026-03-20"),
            Err(DecisionError::HearingRequired)
        );
        assert_eq!(
            check_decision(&gov, k, "satisfied", &[], d("2026-03-20"), &cal),
            Ok(())
        );
        assert_eq!(
            check_decision(&gov, k, "appoint_reception", &[], d("2026-03-20"), &cal),
            Err(DecisionError::NotAllowed)
        );
        let mut h = Hearing {
            intended: "refused".into(),
            notified_on: d("2026-03-06"),
            respond_by: d("2026-03-11"),
            position: None,
        };
        assert_eq!(
            check(std::slice::from_ref(&h), "2026-03-11"),
            Err(DecisionError::HearingTooRecent {
                earliest: d("2026-03-12")
            })
        );
        // A hearing of another intended decision does not cover this one.
        let other = Hearing {
            intended: "partially_satisfied".into(),
            position: Some(PositionKind::Given),
            ..h.clone()
        };
        assert_eq!(
            check(std::slice::from_ref(&other), "2026-03-20"),
            Err(DecisionError::HearingRequired)
        );
        h.respond_by = d("2026-03-13");
        assert_eq!(
            check(std::slice::from_ref(&h), "2026-03-12"),
            Err(DecisionError::AwaitingPosition {
                respond_by: d("2026-03-13")
            })
        );
        assert_eq!(
            check(std::slice::from_ref(&h), "2026-03-16"),
            Err(DecisionError::SilenceNotRecorded)
        );
        // Silence is recorded only after the day set.
        assert_eq!(
            check_position(Some(&h), PositionKind::NoneGiven, d("2026-03-13")),
            Err(HearingError::StillOpen {
                respond_by: d("2026-03-13")
            })
        );
        assert_eq!(
            check_position(Some(&h), PositionKind::NoneGiven, d("2026-03-14")),
            Ok(())
        );
        assert_eq!(
            check_position(Some(&h), PositionKind::Given, d("2026-03-07")),
            Ok(())
        );
        assert_eq!(
            check_position(None, PositionKind::Given, d("2026-03-07")),
            Err(HearingError::NotNotified)
        );
        h.position = Some(PositionKind::NoneGiven);
        assert_eq!(check(std::slice::from_ref(&h), "2026-03-16"), Ok(()));
        assert_eq!(
            check_position(Some(&h), PositionKind::Given, d("2026-03-16")),
            Err(HearingError::AlreadyRecorded)
        );
        // A position given early lets the decision go ahead from the earliest day.
        h.position = Some(PositionKind::Given);
        h.respond_by = d("2026-03-20");
        assert_eq!(check(std::slice::from_ref(&h), "2026-03-12"), Ok(()));
        assert_eq!(
            check_new_notice(std::slice::from_ref(&h), "refused"),
            Err(HearingError::AlreadyNotified)
        );
        assert_eq!(
            check_new_notice(std::slice::from_ref(&h), "partially_satisfied"),
            Ok(())
        );
    }

    /// GEN-09: an appeal received before 1 July 2021 (the law of 2007) is decided without a
    /// hearing; one received on that day or after needs it.
    #[test]
    fn gen_09_from_the_appc_rulebook_on() {
        let books = books();
        let cal = cal();
        let old = books.governing(Channel::Portal, d("2021-06-30")).unwrap();
        let new = books.governing(Channel::Portal, d("2021-07-01")).unwrap();
        let k = AppealKind::Statement;
        assert_eq!(
            check_decision(&old, k, "refused", &[], d("2021-07-20"), &cal),
            Ok(())
        );
        assert_eq!(
            check_decision(&new, k, "refused", &[], d("2021-07-20"), &cal),
            Err(DecisionError::HearingRequired)
        );
    }
}
