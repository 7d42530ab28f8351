//! The working-day calendar (GEN-02, GEN-03).
//!
//! A calendar is data: a TOML file per jurisdiction under `rulebooks/calendars/` lists the
//! holidays that recur every year (with the years they were in force), the religious days off
//! whose date is set each year, and the government's transfers of days off. An admin may add
//! edits on top (a day made a day off or a working day), which is how a change in the law
//! reaches the product without a release.
//!
//! Rules encoded here, from `shared/DOMAIN.md`:
//! * a state holiday that falls on a weekend moves its day off to the next working day, and
//!   several such moves stack (Nauryz 21–22 Mar 2026 on Sat/Sun → 24 and 25 Mar off);
//! * a religious day off (Orthodox Christmas, the first day of Kurban ait) does not move;
//! * a transfer makes a day off a working day (a weekend day, or the weekday a holiday's day
//!   off moved to, as on Monday 11 May 2020) and a working day a day off;
//! * a year is *confirmed* only when every transfer in it names the act that made it (its
//!   number and date) and no day off in it is an estimate; terms that touch an unconfirmed
//!   year say so wherever they are shown.

use crate::lang::{Lang, Names};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar file is not valid: {0}")]
    Parse(String),
    #[error("calendar: {0}")]
    Invalid(String),
    #[error("date out of range")]
    OutOfRange,
}

/// The calendar file as written (see `rulebooks/calendars/kz.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarFile {
    pub jurisdiction: String,
    pub name: Names,
    /// The zone's IANA name, e.g. `Asia/Almaty`: every moment becomes a local day through the
    /// tz database, with the zone's history (Astana was UTC+6 until 1 March 2024).
    pub time_zone: String,
    /// First and last year the data is complete for (transfers, moving days off).
    pub first_year: i32,
    pub last_year: i32,
    #[serde(default = "default_weekend")]
    pub weekend: Vec<String>,
    #[serde(default, rename = "holiday")]
    pub holidays: Vec<HolidayRule>,
    #[serde(default, rename = "moving")]
    pub moving: Vec<MovingDay>,
    #[serde(default, rename = "transfer")]
    pub transfers: Vec<Transfer>,
    #[serde(default, rename = "edit")]
    pub edits: Vec<DayEdit>,
}

fn default_weekend() -> Vec<String> {
    vec!["Sat".into(), "Sun".into()]
}

/// A day off that recurs on the same date every year.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayRule {
    pub name: Names,
    pub month: u32,
    pub day: u32,
    /// Whether its day off moves to the next working day when it falls on a weekend.
    /// State holidays move; religious days off do not.
    #[serde(default = "yes")]
    pub moves: bool,
    #[serde(default)]
    pub from_year: Option<i32>,
    #[serde(default)]
    pub to_year: Option<i32>,
}

fn yes() -> bool {
    true
}

/// A day off whose date is set anew each year (the first day of Kurban ait).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovingDay {
    pub name: Names,
    pub date: NaiveDate,
    #[serde(default)]
    pub moves: bool,
    /// Where the date comes from; `estimate` marks dates not yet confirmed.
    #[serde(default)]
    pub basis: String,
}

/// A government transfer: `work`, a day off (a weekend day, or the weekday a holiday's day off
/// moved to), is worked; `off`, a working day, is a day off.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    pub work: NaiveDate,
    pub off: NaiveDate,
    /// Where the transfer is known from, in words (the act, or the publication that reported
    /// it while the act's number is not known).
    #[serde(default)]
    pub basis: String,
    /// The act that made it: without it the year is not confirmed.
    #[serde(default)]
    pub decree: Option<Decree>,
}

/// A legal act by its number and date (a government decree, a ministry's order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decree {
    pub number: String,
    pub date: NaiveDate,
}

impl Decree {
    /// "No. 713 of 06.10.2021", in the reader's language.
    pub fn describe(&self, lang: Lang) -> String {
        let date = self.date.format("%d.%m.%Y");
        match lang {
            Lang::Kk => format!("{date} № {}", self.number),
            Lang::Ru => format!("№ {} от {date}", self.number),
            Lang::En => format!("No. {} of {date}", self.number),
        }
    }
}

/// An admin's edit of one day, on top of the shipped data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayEdit {
    pub date: NaiveDate,
    pub working: bool,
    pub reason: String,
}

/// Why a day is not a working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OffReason {
    Weekend {
        weekday: String,
    },
    Holiday {
        name: Names,
    },
    HolidayMoved {
        name: Names,
        from: NaiveDate,
    },
    Religious {
        name: Names,
    },
    Transferred {
        worked_on: Option<NaiveDate>,
        basis: String,
        #[serde(default)]
        decree: Option<Decree>,
    },
    Edited {
        reason: String,
    },
    /// Counting was suspended (the term was paused).
    Paused {
        reason: String,
    },
}

impl OffReason {
    /// The reason in words a citizen understands.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            OffReason::Weekend { weekday } => match lang {
                Lang::Kk => format!("демалыс күні ({})", weekday_name(weekday, lang)),
                Lang::Ru => format!("выходной ({})", weekday_name(weekday, lang)),
                Lang::En => format!("weekend ({})", weekday_name(weekday, lang)),
            },
            OffReason::Holiday { name } => match lang {
                Lang::Kk => format!("мереке: {}", name.get(lang)),
                Lang::Ru => format!("праздник: {}", name.get(lang)),
                Lang::En => format!("public holiday: {}", name.get(lang)),
            },
            OffReason::HolidayMoved { name, from } => match lang {
                Lang::Kk => format!(
                    "{} демалыс күніне сәйкес келгендіктен ауыстырылған демалыс ({})",
                    from.format("%d.%m.%Y"),
                    name.get(lang)
                ),
                Lang::Ru => format!(
                    "перенесённый выходной: праздник «{}» {} пришёлся на выходной",
                    name.get(lang),
                    from.format("%d.%m.%Y")
                ),
                Lang::En => format!(
                    "day off moved from {} ({} fell on a weekend)",
                    from.format("%d %b %Y"),
                    name.get(lang)
                ),
            },
            OffReason::Religious { name } => match lang {
                Lang::Kk => format!("демалыс күні: {}", name.get(lang)),
                Lang::Ru => format!("выходной день: {}", name.get(lang)),
                Lang::En => format!("day off: {}", name.get(lang)),
            },
            OffReason::Transferred {
                worked_on,
                basis,
                decree,
            } => {
                let w = worked_on
                    .map(|d| d.format("%d.%m.%Y").to_string())
                    .unwrap_or_default();
                let basis = match decree {
                    Some(d) => d.describe(lang),
                    None => basis.clone(),
                };
                match lang {
                    Lang::Kk => format!("ауыстырылған демалыс (жұмыс күні {w}; {basis})"),
                    Lang::Ru => format!("перенесённый выходной (рабочий день {w}; {basis})"),
                    Lang::En => format!("transferred day off (worked on {w}; {basis})"),
                }
            }
            OffReason::Edited { reason } => match lang {
                Lang::Kk => format!("демалыс күні: {reason}"),
                Lang::Ru => format!("нерабочий день: {reason}"),
                Lang::En => format!("day off: {reason}"),
            },
            OffReason::Paused { reason } => match lang {
                Lang::Kk => format!("мерзім тоқтатылды: {reason}"),
                Lang::Ru => format!("срок приостановлен: {reason}"),
                Lang::En => format!("term paused: {reason}"),
            },
        }
    }
}

fn weekday_name(short: &str, lang: Lang) -> &'static str {
    let i = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .iter()
        .position(|w| *w == short)
        .unwrap_or(6);
    let names: [[&str; 7]; 3] = [
        [
            "дүйсенбі",
            "сейсенбі",
            "сәрсенбі",
            "бейсенбі",
            "жұма",
            "сенбі",
            "жексенбі",
        ],
        [
            "понедельник",
            "вторник",
            "среда",
            "четверг",
            "пятница",
            "суббота",
            "воскресенье",
        ],
        [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ],
    ];
    let l = match lang {
        Lang::Kk => 0,
        Lang::Ru => 1,
        Lang::En => 2,
    };
    names[l][i]
}

/// What one day is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayInfo {
    pub date: NaiveDate,
    pub working: bool,
    /// Set for a day off; for a working weekend day, the transfer that made it one.
    pub off_reason: Option<OffReason>,
    pub note: Option<String>,
}

/// A day that a term did not count, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedDay {
    pub date: NaiveDate,
    pub reason: OffReason,
}

/// The result of a term computed on the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub due: NaiveDate,
    pub counted: Vec<NaiveDate>,
    pub skipped: Vec<SkippedDay>,
    /// Years the span touched that the calendar has no confirmed data for.
    pub unconfirmed_years: Vec<i32>,
}

/// The time zone of a deployment: its IANA name, and the tz database's history of its
/// offsets for arithmetic. A moment is turned into a local day with the offset in force at
/// that moment: Astana was UTC+6 until 1 March 2024 and is UTC+5 since (GEN-01, GEN-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    pub tz: chrono_tz::Tz,
}

impl Zone {
    pub fn parse(name: &str) -> Result<Self, CalendarError> {
        name.parse::<chrono_tz::Tz>()
            .map(|tz| Self { tz })
            .map_err(|_| {
                CalendarError::Invalid(format!(
                    "unknown time zone `{name}` (use an IANA name such as Asia/Almaty)"
                ))
            })
    }

    pub fn almaty() -> Self {
        Self {
            tz: chrono_tz::Asia::Almaty,
        }
    }

    /// The zone's IANA name.
    pub fn name(&self) -> &'static str {
        self.tz.name()
    }

    /// A moment in this zone.
    pub fn at(&self, at: chrono::DateTime<Utc>) -> chrono::DateTime<chrono_tz::Tz> {
        at.with_timezone(&self.tz)
    }

    /// The local date and time of a moment.
    pub fn local(&self, at: chrono::DateTime<Utc>) -> NaiveDateTime {
        self.at(at).naive_local()
    }

    /// The local date of a moment.
    pub fn local_date(&self, at: chrono::DateTime<Utc>) -> NaiveDate {
        self.local(at).date()
    }

    /// The moment a local date and time names. A time that occurs twice (clocks set back) is
    /// its first occurrence; a time that never occurs (clocks set forward) is the moment the
    /// clocks jumped past it, so a local time always names a moment.
    pub fn utc(&self, local: NaiveDateTime) -> chrono::DateTime<Utc> {
        match self.tz.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
                t.with_timezone(&Utc)
            }
            chrono::LocalResult::None => {
                // In a gap: an hour later is past it (no zone jumps by more than a day).
                let mut probe = local;
                for _ in 0..48 {
                    probe += Duration::minutes(30);
                    if let Some(t) = self.tz.from_local_datetime(&probe).earliest() {
                        return t.with_timezone(&Utc);
                    }
                }
                Utc.from_utc_datetime(&local)
            }
        }
    }

    /// The zone's offsets from 1970 to 2100, as the tz database gives them: each change as
    /// (the moment it takes effect, seconds east of UTC), the first from 1970. What the store
    /// needs to count cards by local month without the tz database.
    pub fn offsets(&self) -> Vec<(chrono::DateTime<Utc>, i32)> {
        use chrono::Offset;
        let off = |secs: i64| {
            chrono::DateTime::from_timestamp(secs, 0).map_or(0, |t| {
                self.tz
                    .offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc()
            })
        };
        let at = |secs: i64| chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default();
        // 2100-01-01T00:00:00Z; no zone changes twice within twelve hours.
        const END: i64 = 4_102_444_800;
        const STEP: i64 = 12 * 3600;
        let mut current = off(0);
        let mut out = vec![(at(0), current)];
        let mut t = 0;
        while t < END {
            let next = t + STEP;
            let o = off(next);
            if o != current {
                // The first second with the new offset.
                let (mut lo, mut hi) = (t, next);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if off(mid) == current {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                current = off(hi);
                out.push((at(hi), current));
            }
            t = next;
        }
        out
    }

    /// The last moment of a local day (23:59:59), in UTC: GEN-03, a term "ends at the end of
    /// its last working day".
    pub fn end_of_day(&self, day: NaiveDate) -> chrono::DateTime<Utc> {
        let t = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default();
        match self.tz.from_local_datetime(&day.and_time(t)) {
            chrono::LocalResult::Single(dt) => dt.with_timezone(&Utc),
            chrono::LocalResult::Ambiguous(_, last) => last.with_timezone(&Utc),
            // 23:59:59 skipped by a change of clocks: the day ends when the next one begins.
            chrono::LocalResult::None => {
                self.utc((day + Duration::days(1)).and_time(NaiveTime::MIN)) - Duration::seconds(1)
            }
        }
    }
}

/// Years as people list them: "2021, 2022".
pub fn year_list(years: &[i32]) -> String {
    years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A working-day calendar built from a [`CalendarFile`].
#[derive(Debug, Clone)]
pub struct WorkingCalendar {
    file: CalendarFile,
    zone: Zone,
    /// Weekend days, indexed from Monday.
    weekend: [bool; 7],
    /// Days off beyond weekends, by date.
    off: BTreeMap<NaiveDate, OffReason>,
    /// Weekend days made working days, with the reason.
    working_weekend: BTreeMap<NaiveDate, String>,
    /// Years whose days off have been expanded into `off`.
    first_year: i32,
    last_year: i32,
    /// Years inside `first_year..=last_year` whose data is not confirmed: a transfer without
    /// its act, or a day off whose date is an estimate.
    unconfirmed: std::collections::BTreeSet<i32>,
}

/// Years the calendar expands; arithmetic outside stays on weekends and recurring holidays.
const EXPAND_FROM: i32 = 2000;
const EXPAND_TO: i32 = 2100;

impl WorkingCalendar {
    pub fn from_toml(text: &str) -> Result<Self, CalendarError> {
        let file: CalendarFile =
            toml::from_str(text).map_err(|e| CalendarError::Parse(e.to_string()))?;
        Self::from_file(file)
    }

    pub fn from_file(file: CalendarFile) -> Result<Self, CalendarError> {
        let zone = Zone::parse(&file.time_zone)?;
        let mut weekend = [false; 7];
        for w in &file.weekend {
            let wd: Weekday = w
                .parse()
                .map_err(|_| CalendarError::Invalid(format!("unknown weekday `{w}`")))?;
            weekend[wd.num_days_from_monday() as usize] = true;
        }
        if file.first_year > file.last_year {
            return Err(CalendarError::Invalid(
                "first_year is after last_year".into(),
            ));
        }
        for h in &file.holidays {
            if NaiveDate::from_ymd_opt(2024, h.month, h.day).is_none() {
                return Err(CalendarError::Invalid(format!(
                    "holiday `{}` has no valid date {:02}-{:02}",
                    h.name.en, h.month, h.day
                )));
            }
        }
        let mut cal = Self {
            first_year: file.first_year,
            last_year: file.last_year,
            file,
            zone,
            weekend,
            off: BTreeMap::new(),
            working_weekend: BTreeMap::new(),
            unconfirmed: Default::default(),
        };
        cal.expand()?;
        for t in &cal.file.transfers {
            if t.decree.is_none() {
                cal.unconfirmed.insert(t.work.year());
                cal.unconfirmed.insert(t.off.year());
            }
        }
        for m in &cal.file.moving {
            if m.basis.trim_start().to_lowercase().starts_with("estimate") {
                cal.unconfirmed.insert(m.date.year());
            }
        }
        Ok(cal)
    }

    pub fn file(&self) -> &CalendarFile {
        &self.file
    }

    pub fn zone(&self) -> &Zone {
        &self.zone
    }

    pub fn jurisdiction(&self) -> &str {
        &self.file.jurisdiction
    }

    /// This calendar with admin edits replaced by `edits`.
    pub fn with_edits(&self, edits: Vec<DayEdit>) -> Result<Self, CalendarError> {
        let mut file = self.file.clone();
        file.edits = edits;
        Self::from_file(file)
    }

    fn is_weekend(&self, d: NaiveDate) -> bool {
        self.weekend[d.weekday().num_days_from_monday() as usize]
    }

    fn expand(&mut self) -> Result<(), CalendarError> {
        // 1. Transfers that work a weekend day first: it is a working day for the moves below.
        // A transfer that works a weekday is a moved day off, known only after the moves.
        for t in &self.file.transfers {
            if self.is_weekend(t.work) {
                self.working_weekend.insert(t.work, t.basis.clone());
            }
        }
        // 2. Fixed-date holidays and moving days, by year, with weekend moves stacking.
        let mut moved: Vec<(NaiveDate, Names)> = Vec::new();
        for year in EXPAND_FROM..=EXPAND_TO {
            for h in &self.file.holidays {
                if h.from_year.is_some_and(|f| year < f) || h.to_year.is_some_and(|t| year > t) {
                    continue;
                }
                let Some(date) = NaiveDate::from_ymd_opt(year, h.month, h.day) else {
                    continue;
                };
                if h.moves {
                    self.off.insert(
                        date,
                        OffReason::Holiday {
                            name: h.name.clone(),
                        },
                    );
                    if self.is_weekend(date) && !self.working_weekend.contains_key(&date) {
                        moved.push((date, h.name.clone()));
                    }
                } else {
                    self.off.entry(date).or_insert(OffReason::Religious {
                        name: h.name.clone(),
                    });
                }
            }
        }
        for m in &self.file.moving {
            if m.moves {
                self.off.insert(
                    m.date,
                    OffReason::Holiday {
                        name: m.name.clone(),
                    },
                );
                if self.is_weekend(m.date) {
                    moved.push((m.date, m.name.clone()));
                }
            } else {
                self.off.entry(m.date).or_insert(OffReason::Religious {
                    name: m.name.clone(),
                });
            }
        }
        moved.sort_by_key(|(d, _)| *d);
        for (from, name) in moved {
            let mut d = from;
            loop {
                d = d.succ_opt().ok_or(CalendarError::OutOfRange)?;
                let free = !self.is_weekend(d) || self.working_weekend.contains_key(&d);
                if free && !self.off.contains_key(&d) {
                    break;
                }
            }
            self.off.insert(d, OffReason::HolidayMoved { name, from });
        }
        // 3. Transfers' days off. A worked weekday must be a day off that a holiday moved
        // there (2020: the day off moved to Monday 11 May, from Victory Day on a Saturday, was
        // transferred to Friday 8 May); the day made a day off must be a working day.
        for t in &self.file.transfers {
            if !self.is_weekend(t.work) {
                match self.off.get(&t.work) {
                    Some(OffReason::HolidayMoved { .. }) => {
                        self.off.remove(&t.work);
                    }
                    _ => {
                        return Err(CalendarError::Invalid(format!(
                            "transfer: {} is neither a weekend day nor a day off moved from a \
                             holiday",
                            t.work
                        )))
                    }
                }
            }
            if self.off.contains_key(&t.off)
                || (self.is_weekend(t.off) && !self.working_weekend.contains_key(&t.off))
            {
                return Err(CalendarError::Invalid(format!(
                    "transfer: {} is already a day off",
                    t.off
                )));
            }
            self.off.insert(
                t.off,
                OffReason::Transferred {
                    worked_on: Some(t.work),
                    basis: t.basis.clone(),
                    decree: t.decree.clone(),
                },
            );
        }
        // 4. Admin edits win over everything.
        for e in &self.file.edits {
            if e.working {
                self.off.remove(&e.date);
                if self.is_weekend(e.date) {
                    self.working_weekend.insert(e.date, e.reason.clone());
                }
            } else {
                self.working_weekend.remove(&e.date);
                self.off.insert(
                    e.date,
                    OffReason::Edited {
                        reason: e.reason.clone(),
                    },
                );
            }
        }
        Ok(())
    }

    /// Why `d` is not a working day, or `None` when it is one (GEN-02).
    pub fn off_reason(&self, d: NaiveDate) -> Option<OffReason> {
        if let Some(r) = self.off.get(&d) {
            return Some(r.clone());
        }
        if self.is_weekend(d) && !self.working_weekend.contains_key(&d) {
            return Some(OffReason::Weekend {
                weekday: format!("{:?}", d.weekday()),
            });
        }
        None
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        self.off_reason(d).is_none()
    }

    pub fn day(&self, d: NaiveDate) -> DayInfo {
        let off_reason = self.off_reason(d);
        let note = match (&off_reason, self.working_weekend.get(&d)) {
            (None, Some(basis)) => Some(format!("working day by transfer ({basis})")),
            _ => None,
        };
        DayInfo {
            date: d,
            working: off_reason.is_none(),
            off_reason,
            note,
        }
    }

    /// All days of `year` that are not working days, with reasons.
    pub fn days_off(&self, year: i32) -> Vec<SkippedDay> {
        let mut out = Vec::new();
        let (Some(mut d), Some(end)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return out;
        };
        while d <= end {
            if let Some(reason) = self.off_reason(d) {
                if !matches!(reason, OffReason::Weekend { .. }) {
                    out.push(SkippedDay { date: d, reason });
                }
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        out
    }

    fn note_year(&self, d: NaiveDate, years: &mut Vec<i32>) {
        let y = d.year();
        if !self.year_confirmed(y) && !years.contains(&y) {
            years.push(y);
        }
    }

    /// Whether the calendar's data for `year` is complete and every transfer in it names its
    /// act (GEN-02): terms in other years are shown as "not confirmed".
    pub fn year_confirmed(&self, year: i32) -> bool {
        (self.first_year..=self.last_year).contains(&year) && !self.unconfirmed.contains(&year)
    }

    /// The years the data covers that are not confirmed, and why, for the calendar page.
    pub fn unconfirmed_years(&self) -> Vec<i32> {
        self.unconfirmed.iter().copied().collect()
    }

    /// GEN-03: a term of `n` working days after an event on `event_day`. Counting starts the
    /// working day after the event; the due day is the n-th working day counted. Days for
    /// which `paused` returns a reason are skipped as well (a suspended term).
    pub fn add_working_days_with(
        &self,
        event_day: NaiveDate,
        n: u32,
        paused: &dyn Fn(NaiveDate) -> Option<String>,
    ) -> Result<Span, CalendarError> {
        let mut counted = Vec::with_capacity(n as usize);
        let mut skipped = Vec::new();
        let mut years = Vec::new();
        let mut d = event_day;
        while counted.len() < n as usize {
            d = d.succ_opt().ok_or(CalendarError::OutOfRange)?;
            self.note_year(d, &mut years);
            if let Some(reason) = self.off_reason(d) {
                skipped.push(SkippedDay { date: d, reason });
            } else if let Some(reason) = paused(d) {
                skipped.push(SkippedDay {
                    date: d,
                    reason: OffReason::Paused { reason },
                });
            } else {
                counted.push(d);
            }
            if counted.len() + skipped.len() > 20_000 {
                return Err(CalendarError::OutOfRange);
            }
        }
        Ok(Span {
            due: *counted.last().unwrap_or(&event_day),
            counted,
            skipped,
            unconfirmed_years: years,
        })
    }

    pub fn add_working_days(&self, event_day: NaiveDate, n: u32) -> Result<Span, CalendarError> {
        self.add_working_days_with(event_day, n, &|_| None)
    }

    /// GEN-03: "no later than `n` working days before `target`": the latest day such that `n`
    /// working days lie strictly between it and the target, counted backwards from the target.
    /// The due day itself is a working day.
    pub fn working_days_before(&self, target: NaiveDate, n: u32) -> Result<Span, CalendarError> {
        let mut counted = Vec::new();
        let mut skipped = Vec::new();
        let mut years = Vec::new();
        let mut d = target;
        while counted.len() < n as usize {
            d = d.pred_opt().ok_or(CalendarError::OutOfRange)?;
            self.note_year(d, &mut years);
            match self.off_reason(d) {
                Some(reason) => skipped.push(SkippedDay { date: d, reason }),
                None => counted.push(d),
            }
            if counted.len() + skipped.len() > 20_000 {
                return Err(CalendarError::OutOfRange);
            }
        }
        let due = *counted.last().unwrap_or(&target);
        Ok(Span {
            due,
            counted,
            skipped,
            unconfirmed_years: years,
        })
    }

    /// GEN-03: a term of `n` calendar days after an event counts every day.
    pub fn add_calendar_days(&self, event_day: NaiveDate, n: u32) -> Result<Span, CalendarError> {
        let due = event_day
            .checked_add_signed(Duration::days(i64::from(n)))
            .ok_or(CalendarError::OutOfRange)?;
        let mut years = Vec::new();
        self.note_year(due, &mut years);
        Ok(Span {
            due,
            counted: Vec::new(),
            skipped: Vec::new(),
            unconfirmed_years: years,
        })
    }

    /// GEN-03: "no later than `n` calendar days before `target`".
    pub fn calendar_days_before(&self, target: NaiveDate, n: u32) -> Result<Span, CalendarError> {
        let due = target
            .checked_sub_signed(Duration::days(i64::from(n)))
            .ok_or(CalendarError::OutOfRange)?;
        let mut years = Vec::new();
        self.note_year(due, &mut years);
        Ok(Span {
            due,
            counted: Vec::new(),
            skipped: Vec::new(),
            unconfirmed_years: years,
        })
    }

    /// The next working day on or after `d` (APPC art. 64: an appeal that arrives on a
    /// non-working day is registered on the next working day).
    pub fn next_working_day_from(&self, d: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let mut d = d;
        for _ in 0..400 {
            if self.is_working_day(d) {
                return Ok(d);
            }
            d = d.succ_opt().ok_or(CalendarError::OutOfRange)?;
        }
        Err(CalendarError::OutOfRange)
    }
}

impl Span {
    /// The skipped days in words, one per line.
    pub fn explain_skipped(&self, lang: Lang) -> Vec<String> {
        self.skipped
            .iter()
            .map(|s| {
                format!(
                    "{} — {}",
                    s.date.format("%d.%m.%Y"),
                    s.reason.describe(lang)
                )
            })
            .collect()
    }
}
