//! The demo data set: a dozen bodies with competence topics, their heads and deputies, five
//! public service centers, and staff for every role. Loaded by `otinish demo` and by
//! `otinish serve --demo`; loading twice changes nothing.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{Contacts, NewBody, OfficialRank, Role};
use otinish_domain::repo::{NewBranch, NewOfficial, NewStaff, Store, StoreError};
use otinish_domain::{Lang, Names};

/// The password of every demo staff account.
pub const DEMO_PASSWORD: &str = "demo";

struct B {
    code: &'static str,
    parent: Option<&'static str>,
    name: [&'static str; 3],
    competence: &'static [&'static str],
    vks: bool,
    video: bool,
    phone: &'static str,
    email: &'static str,
    head: &'static str,
    deputies: &'static [&'static str],
}

const BODIES: &[B] = &[
    B {
        code: "GOV",
        parent: None,
        name: [
            "ҚР Үкіметінің Аппараты",
            "Аппарат Правительства РК",
            "Office of the Government",
        ],
        competence: &["government", "reception_centers"],
        vks: true,
        video: false,
        phone: "+77172745000",
        email: "office@gov.example.kz",
        head: "Ғалым Аппаратов",
        deputies: &["Айнұр Кеңесова"],
    },
    B {
        code: "MJ",
        parent: None,
        name: [
            "ҚР Әділет министрлігі",
            "Министерство юстиции РК",
            "Ministry of Justice",
        ],
        competence: &["legal_aid", "notary", "registration"],
        vks: true,
        video: true,
        phone: "+77172580000",
        email: "kense@adilet.example.kz",
        head: "Ерлан Заңғаров",
        deputies: &["Әлия Құқықова", "Марат Әділов"],
    },
    B {
        code: "MLSP",
        parent: None,
        name: [
            "ҚР Еңбек және халықты әлеуметтік қорғау министрлігі",
            "Министерство труда и социальной защиты населения РК",
            "Ministry of Labour and Social Protection",
        ],
        competence: &["pensions", "employment", "social_benefits"],
        vks: true,
        video: true,
        phone: "+77172743000",
        email: "kense@enbek.example.kz",
        head: "Светлана Еңбекова",
        deputies: &["Ақмарал Қамқорова"],
    },
    B {
        code: "MH",
        parent: None,
        name: [
            "ҚР Денсаулық сақтау министрлігі",
            "Министерство здравоохранения РК",
            "Ministry of Health",
        ],
        competence: &["healthcare", "medicines"],
        vks: true,
        video: true,
        phone: "+77172743200",
        email: "kense@dsm.example.kz",
        head: "Ажар Емшиева",
        deputies: &["Ерік Дәрігеров"],
    },
    B {
        code: "ME",
        parent: None,
        name: [
            "ҚР Оқу-ағарту министрлігі",
            "Министерство просвещения РК",
            "Ministry of Education",
        ],
        competence: &["schools", "kindergartens"],
        vks: true,
        video: false,
        phone: "+77172742400",
        email: "kense@edu.example.kz",
        head: "Ғани Мектепов",
        deputies: &["Есен Сабақов"],
    },
    B {
        code: "MSHE",
        parent: None,
        name: [
            "ҚР Ғылым және жоғары білім министрлігі",
            "Министерство науки и высшего образования РК",
            "Ministry of Science and Higher Education",
        ],
        competence: &["universities", "science"],
        vks: false,
        video: false,
        phone: "+77172742300",
        email: "kense@sci.example.kz",
        head: "Саясат Ғылымов",
        deputies: &["Қуанышбек Білімов"],
    },
    B {
        code: "MIA",
        parent: None,
        name: [
            "ҚР Ішкі істер министрлігі",
            "Министерство внутренних дел РК",
            "Ministry of Internal Affairs",
        ],
        competence: &["police", "migration", "road_safety"],
        vks: true,
        video: true,
        phone: "+77172725000",
        email: "kense@mvd.example.kz",
        head: "Ержан Тәртіпов",
        deputies: &["Марат Күзетов", "Игорь Порядков"],
    },
    B {
        code: "MIC",
        parent: None,
        name: [
            "ҚР Өнеркәсіп және құрылыс министрлігі",
            "Министерство промышленности и строительства РК",
            "Ministry of Industry and Construction",
        ],
        competence: &["housing", "construction", "utilities"],
        vks: true,
        video: false,
        phone: "+77172983000",
        email: "kense@mic.example.kz",
        head: "Қанат Құрылысов",
        deputies: &["Тимур Зауытов"],
    },
    B {
        code: "MDDIAI",
        parent: None,
        name: [
            "ҚР Цифрлық даму, инновациялар және аэроғарыш өнеркәсібі министрлігі",
            "Министерство цифрового развития, инноваций и аэрокосмической промышленности РК",
            "Ministry of Digital Development",
        ],
        competence: &["egov", "communications"],
        vks: true,
        video: true,
        phone: "+77172740100",
        email: "kense@digital.example.kz",
        head: "Жаслан Цифрлов",
        deputies: &["Дмитрий Кодов"],
    },
    B {
        code: "AST",
        parent: None,
        name: [
            "Астана қаласының әкімдігі",
            "Акимат города Астаны",
            "Akimat of Astana",
        ],
        competence: &["municipal", "housing", "transport", "land"],
        vks: true,
        video: true,
        phone: "+77172555000",
        email: "kense@astana.example.kz",
        head: "Женіс Қалалов",
        deputies: &["Ербол Астанов", "Ғалымжан Көшеев"],
    },
    B {
        code: "AST-ESL",
        parent: Some("AST"),
        name: [
            "Есіл ауданының әкімдігі",
            "Акимат района Есиль",
            "Akimat of Esil district",
        ],
        competence: &["municipal", "land", "social_benefits"],
        vks: false,
        video: true,
        phone: "+77172555100",
        email: "kense@esil.example.kz",
        head: "Нұрлан Ауданов",
        deputies: &["Гүлнар Есілова"],
    },
    B {
        code: "ALA",
        parent: None,
        name: [
            "Алматы қаласының әкімдігі",
            "Акимат города Алматы",
            "Akimat of Almaty",
        ],
        competence: &["municipal", "housing", "transport", "land"],
        vks: true,
        video: true,
        phone: "+77272710000",
        email: "kense@almaty.example.kz",
        head: "Ерболат Алатауов",
        deputies: &["Бақытжан Таулыев"],
    },
];

struct Br {
    code: &'static str,
    name: [&'static str; 3],
    region: [&'static str; 3],
    address: [&'static str; 3],
    vks: bool,
    booths: i32,
}

const BRANCHES: &[Br] = &[
    Br {
        code: "CON-AST-1",
        name: ["Астана қ. №1 ХҚКО", "ЦОН №1 г. Астаны", "Astana PSC No. 1"],
        region: ["Астана", "Астана", "Astana"],
        address: [
            "Мәңгілік Ел даңғ., 8",
            "пр. Мангилик Ел, 8",
            "8 Mangilik El Ave",
        ],
        vks: true,
        booths: 2,
    },
    Br {
        code: "CON-AST-3",
        name: ["Астана қ. №3 ХҚКО", "ЦОН №3 г. Астаны", "Astana PSC No. 3"],
        region: ["Астана", "Астана", "Astana"],
        address: ["Сарыарқа даңғ., 12", "пр. Сарыарка, 12", "12 Saryarka Ave"],
        vks: false,
        booths: 1,
    },
    Br {
        code: "CON-ALA-2",
        name: [
            "Алматы қ. Алмалы ауданының ХҚКО",
            "ЦОН Алмалинского района г. Алматы",
            "Almaly district PSC, Almaty",
        ],
        region: ["Алматы", "Алматы", "Almaty"],
        address: ["Абай даңғ., 52", "пр. Абая, 52", "52 Abay Ave"],
        vks: true,
        booths: 3,
    },
    Br {
        code: "CON-SHY-1",
        name: [
            "Шымкент қ. №1 ХҚКО",
            "ЦОН №1 г. Шымкента",
            "Shymkent PSC No. 1",
        ],
        region: ["Шымкент", "Шымкент", "Shymkent"],
        address: [
            "Тәуке хан даңғ., 21",
            "пр. Тауке хана, 21",
            "21 Tauke Khan Ave",
        ],
        vks: true,
        booths: 1,
    },
    Br {
        code: "CON-KAR-1",
        name: [
            "Қарағанды қ. №1 ХҚКО",
            "ЦОН №1 г. Караганды",
            "Karaganda PSC No. 1",
        ],
        region: [
            "Қарағанды облысы",
            "Карагандинская область",
            "Karaganda region",
        ],
        address: [
            "Бұқар жырау даңғ., 47",
            "пр. Бухар жырау, 47",
            "47 Bukhar Zhyrau Ave",
        ],
        vks: true,
        booths: 0,
    },
];

/// A demo staff account: login, name, roles, body code, branch code.
type DemoStaff = (
    &'static str,
    &'static str,
    &'static [Role],
    Option<&'static str>,
    Option<&'static str>,
);

const STAFF: &[DemoStaff] = &[
    ("admin", "Әкімші Администратор", &[Role::Admin], None, None),
    (
        "registrar.mj",
        "Айгерім Тіркеуова",
        &[Role::Registrar],
        Some("MJ"),
        None,
    ),
    (
        "executor.mj",
        "Даурен Орындаев",
        &[Role::Executor],
        Some("MJ"),
        None,
    ),
    ("head.mj", "Ерлан Заңғаров", &[Role::Head], Some("MJ"), None),
    (
        "secretary.mj",
        "Мадина Хатшыева",
        &[Role::ReceptionSecretary],
        Some("MJ"),
        None,
    ),
    (
        "registrar.ast",
        "Сәуле Қабылдаева",
        &[Role::Registrar, Role::ReceptionSecretary],
        Some("AST"),
        None,
    ),
    (
        "executor.ast",
        "Бекзат Жұмысов",
        &[Role::Executor],
        Some("AST"),
        None,
    ),
    (
        "operator.con",
        "Жанна Операторова",
        &[Role::BranchOperator],
        None,
        Some("CON-AST-1"),
    ),
    (
        "operator.mddiai",
        "Асхат Цифров",
        &[Role::Operator],
        Some("MDDIAI"),
        None,
    ),
    (
        "callcenter",
        "Динара Байланысова",
        &[Role::CallCenterOperator],
        None,
        None,
    ),
    (
        "security.mj",
        "Нұрлан Режимов",
        &[Role::SecurityOfficer],
        Some("MJ"),
        None,
    ),
    (
        "govoffice",
        "Гүлмира Аппаратова",
        &[Role::GovernmentOffice],
        Some("GOV"),
        None,
    ),
];

pub fn demo_logins() -> Vec<String> {
    STAFF.iter().map(|s| s.0.to_owned()).collect()
}

/// The demo logins with their roles, for the demo banner.
pub fn demo_staff() -> Vec<(String, Vec<Role>)> {
    STAFF
        .iter()
        .map(|s| (s.0.to_owned(), s.2.to_vec()))
        .collect()
}

fn names(n: [&str; 3]) -> Names {
    Names::new(n[0], n[1], n[2])
}

/// Loads the demo set unless it is already there. Returns whether anything was loaded.
pub async fn load(
    store: &dyn Store,
    now: DateTime<Utc>,
    cal: &otinish_domain::calendar::WorkingCalendar,
) -> Result<bool> {
    // The mark comes first: a database with any of the demo set never runs as a real
    // deployment.
    otinish_app::setup::mark_demo(store, now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    match store.body_by_code("MJ").await {
        Ok(_) => return Ok(false),
        Err(StoreError::NotFound(_)) => {}
        Err(e) => return Err(e).context("checking for demo data"),
    }
    let j = |action: &str| JournalDraft::new(now, "demo", "", action);
    for b in BODIES {
        let body = store
            .create_body(
                &NewBody {
                    code: b.code.into(),
                    name: names(b.name),
                    parent_code: b.parent.map(str::to_owned),
                    competence: b.competence.iter().map(|s| (*s).to_owned()).collect(),
                    vks_connected: b.vks,
                    video_appeal_connected: b.video,
                    contacts: Contacts {
                        phone: Some(b.phone.into()),
                        email: Some(b.email.into()),
                        address: if b.code.starts_with("ALA") {
                            Names::new("Алматы қ.", "г. Алматы", "Almaty")
                        } else {
                            Names::new("Астана қ.", "г. Астана", "Astana")
                        },
                        website: None,
                    },
                    time_zone: "Asia/Almaty".into(),
                },
                j("create_body"),
            )
            .await
            .with_context(|| format!("demo body {}", b.code))?;
        store
            .add_official(&NewOfficial {
                body_id: body.id,
                full_name: b.head.into(),
                position: Names::new("Бірінші басшы", "Первый руководитель", "First head"),
                rank: OfficialRank::FirstHead,
                seniority: 0,
            })
            .await?;
        for (i, d) in b.deputies.iter().enumerate() {
            store
                .add_official(&NewOfficial {
                    body_id: body.id,
                    full_name: (*d).into(),
                    position: Names::new(
                        "Басшының орынбасары",
                        "Заместитель руководителя",
                        "Deputy head",
                    ),
                    rank: OfficialRank::Deputy,
                    seniority: i32::try_from(i + 1).unwrap_or(1),
                })
                .await?;
        }
    }
    for b in BRANCHES {
        store
            .create_branch(&NewBranch {
                code: b.code.into(),
                name: names(b.name),
                region: names(b.region),
                address: names(b.address),
                vks_equipment: b.vks,
                booths: b.booths,
                phone: Some("1414".into()),
            })
            .await
            .with_context(|| format!("demo branch {}", b.code))?;
    }
    let hash = otinish_app::sessions::hash_password(DEMO_PASSWORD)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let branches = store
        .branches(otinish_domain::repo::PageRequest::new(Some(500), None))
        .await?;
    for (login, name, roles, body, branch) in STAFF {
        let body_id = match body {
            Some(code) => Some(store.body_by_code(code).await?.id),
            None => None,
        };
        let branch_id =
            branch.and_then(|code| branches.items.iter().find(|b| b.code == code).map(|b| b.id));
        store
            .create_staff(
                &NewStaff {
                    position: String::new(),
                    login: (*login).into(),
                    full_name: (*name).into(),
                    email: Some(format!("{login}@demo.example.kz")),
                    body_id,
                    branch_id,
                    roles: roles.to_vec(),
                    password_hash: hash.clone(),
                    lang: Lang::Ru,
                },
                j("create_staff"),
            )
            .await
            .with_context(|| format!("demo staff {login}"))?;
    }
    demo_schedules(store, now, cal).await?;
    demo_center_schedules(store, now, cal).await?;
    ensure_identities(store, now).await?;
    Ok(true)
}

/// Twelve digits `prefix` + serial + check digit that the checksum of shared/DOMAIN.md
/// accepts (the first serial that has a check digit).
fn with_check_digit(prefix: &str, valid: impl Fn(&str) -> bool) -> Option<String> {
    (0..1000)
        .flat_map(|serial| (0..10).map(move |c| (serial, c)))
        .map(|(serial, c)| format!("{prefix}{serial:0w$}{c}", w = 11 - prefix.len()))
        .find(|s| valid(s))
}

/// EA-09: the demo's staff sign with their own (demo) keys, so each has an IIN and each body a
/// BIN. Given to a demo database that lacks them, whenever the demo starts.
pub async fn ensure_identities(store: &dyn Store, now: DateTime<Utc>) -> Result<()> {
    let j = |action: &str| JournalDraft::new(now, "demo", "", action);
    for (i, b) in BODIES.iter().enumerate() {
        let body = store.body_by_code(b.code).await?;
        if body.bin.is_none() {
            // YYMM of registration, 4 (resident legal entity), 0 (head office).
            let bin = with_check_digit(&format!("9{}0{}40", i % 10, 1 + i % 9), |s| {
                otinish_domain::ids::Bin::parse(s).is_ok()
            })
            .and_then(|s| otinish_domain::ids::Bin::parse(&s).ok())
            .ok_or_else(|| anyhow::anyhow!("no demo BIN for {}", b.code))?;
            store
                .set_body_bin(body.id, Some(&bin), j("set_body_bin"))
                .await?;
        }
    }
    for (i, (login, ..)) in STAFF.iter().enumerate() {
        let staff = store.staff_credentials(login).await?.0;
        if staff.iin.is_none() {
            // Born in 1980 (month and day from their place in the list), a man of the 20th
            // century (3).
            let iin = with_check_digit(&format!("80{:02}{:02}3", 1 + i % 12, 1 + i % 28), |s| {
                otinish_domain::ids::Iin::parse(s).is_ok()
            })
            .and_then(|s| otinish_domain::ids::Iin::parse(&s).ok())
            .ok_or_else(|| anyhow::anyhow!("no demo IIN for {login}"))?;
            store
                .set_staff_iin(staff.id, Some(&iin), j("set_staff_iin"))
                .await?;
        }
    }
    Ok(())
}

/// The "E-appeals" import token of the demo (`OTINISH_E_APPEALS_TOKEN` replaces it).
pub const E_APPEALS_TOKEN: &str = "demo-e-appeals";

/// PR-03, PR-04: the government office's published schedule of citizen reception centers for
/// this month and the next two: each first head receives once a month, on the first working
/// day from the 15th, at 10:00 for three hours, ten applicants.
async fn demo_center_schedules(
    store: &dyn Store,
    now: DateTime<Utc>,
    cal: &otinish_domain::calendar::WorkingCalendar,
) -> Result<()> {
    use chrono::Datelike;
    let j = |action: &str| JournalDraft::new(now, "demo", "", action);
    let gov = store.staff_credentials("govoffice").await?.0;
    let bodies = store
        .bodies(otinish_domain::repo::PageRequest::new(Some(500), None))
        .await?;
    let today = cal.zone().local_date(now);
    let first = chrono::NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
        .context("month of today")?;
    for m in 0..3 {
        let month = first
            .checked_add_months(chrono::Months::new(m))
            .context("month")?;
        let id = store
            .pr_create_schedule(None, month, gov.id, j("pr_schedule_created"))
            .await?;
        let mut day = month.with_day(15).context("15th")?;
        while !cal.is_working_day(day) {
            day = day.succ_opt().context("day")?;
        }
        for b in &bodies.items {
            let Some(head) = store
                .officials(b.id)
                .await?
                .into_iter()
                .find(|o| o.rank == otinish_domain::model::OfficialRank::FirstHead)
            else {
                continue;
            };
            store
                .pr_add_slot(
                    id,
                    &otinish_domain::repo::NewPrSlot {
                        body_id: b.id,
                        official_id: Some(head.id),
                        official_name: head.full_name.clone(),
                        position: head.position.ru.clone(),
                        first_head: true,
                        starts: day.and_hms_opt(10, 0, 0).context("10:00")?,
                        minutes: 180,
                        location: "Центр приёма граждан, Астана, ул. Бейбітшілік, 11".into(),
                        phone: "+77172740000".into(),
                        email: "priem@demo.example.kz".into(),
                        capacity: 10,
                    },
                    j("pr_schedule_row"),
                )
                .await?;
        }
        store
            .pr_move_schedule(id, "draft", "approved", gov.id, now, j("pr_schedule_step"))
            .await?;
        store
            .pr_move_schedule(
                id,
                "approved",
                "published",
                gov.id,
                now,
                j("pr_schedule_step"),
            )
            .await?;
    }
    Ok(())
}

/// Published VKS reception schedules of the first heads of the bodies connected to VKS, for
/// this quarter and the next: Tuesdays and Thursdays from 10:00, four half-hour receptions.
async fn demo_schedules(
    store: &dyn Store,
    now: DateTime<Utc>,
    cal: &otinish_domain::calendar::WorkingCalendar,
) -> Result<()> {
    use chrono::{Datelike, Weekday};
    use otinish_domain::repo::ScheduleStep;
    use otinish_domain::vks::{check_slots, Quarter, ScheduleState as S, SlotDraft};
    let j = |action: &str| JournalDraft::new(now, "demo", "", action);
    let admin = store.staff_credentials("admin").await?.0;
    let today = cal.zone().local_date(now);
    let bodies = store
        .bodies(otinish_domain::repo::PageRequest::new(Some(500), None))
        .await?
        .items;
    for body in bodies.iter().filter(|b| b.vks_connected) {
        let officials = store.officials(body.id).await?;
        let Some(head) = officials.iter().find(|o| o.rank == OfficialRank::FirstHead) else {
            continue;
        };
        for quarter in [
            Quarter::containing(today),
            Quarter::containing(today).next(),
        ] {
            let mut slots = Vec::new();
            let mut day = quarter.first_day().max(today);
            while day <= quarter.last_day() {
                if matches!(day.weekday(), Weekday::Tue | Weekday::Thu) && cal.is_working_day(day) {
                    for minute in [0, 30, 60, 90] {
                        let time =
                            chrono::NaiveTime::from_hms_opt(10 + minute / 60, minute % 60, 0)
                                .unwrap_or_default();
                        slots.push(SlotDraft {
                            official_id: head.id,
                            starts: day.and_time(time),
                            minutes: 30,
                            vks: true,
                        });
                    }
                }
                match day.succ_opt() {
                    Some(next) => day = next,
                    None => break,
                }
            }
            if slots.is_empty() || !check_slots(quarter, &slots, &officials, cal).is_empty() {
                continue;
            }
            let s = store
                .create_schedule(body.id, quarter, admin.id, None, j("schedule_drafted"))
                .await?;
            store
                .replace_slots(s.id, S::Draft, &slots, j("schedule_slots"))
                .await?;
            for (from, to) in [
                (S::Draft, S::Approved),
                (S::Approved, S::Agreed),
                (S::Agreed, S::Published),
            ] {
                store
                    .move_schedule(
                        s.id,
                        from,
                        to,
                        &ScheduleStep {
                            by: admin.id,
                            at: now,
                        },
                        j("schedule_step"),
                    )
                    .await?;
            }
        }
    }
    Ok(())
}

/// Demo applicants whose keys the server holds in demo mode: (slug, label, subject).
pub fn demo_applicants() -> Vec<(String, String, otinish_pki::sign::KzSubject)> {
    use otinish_pki::sign::KzSubject;
    vec![
        (
            "akhmetov".into(),
            "Ахметов Бауыржан (ИИН 791028302728)".into(),
            KzSubject {
                surname: "АХМЕТОВ".into(),
                name: "БАУЫРЖАН".into(),
                patronymic: Some("СЕРІКҰЛЫ".into()),
                iin: "791028302728".into(),
                organization: None,
                bin: None,
                email: Some("akhmetov@demo.example.kz".into()),
            },
        ),
        (
            "ivanova".into(),
            "Иванова Елена (ИИН 850315400124)".into(),
            KzSubject {
                surname: "ИВАНОВА".into(),
                name: "ЕЛЕНА".into(),
                patronymic: Some("ПЕТРОВНА".into()),
                iin: "850315400124".into(),
                organization: None,
                bin: None,
                email: Some("ivanova@demo.example.kz".into()),
            },
        ),
        (
            "romashka".into(),
            "ТОО «Ромашка» (БИН 940140000385)".into(),
            KzSubject {
                surname: "ЖАНБОЛАТОВ".into(),
                name: "ЕРЛАН".into(),
                patronymic: Some("СӘКЕНҰЛЫ".into()),
                iin: "881105300560".into(),
                organization: Some("ТОО «Ромашка»".into()),
                bin: Some("940140000385".into()),
                email: Some("office@romashka.example.kz".into()),
            },
        ),
    ]
}

/// Who files, to which body, what, and how far the desk takes it: 0 registered, 1 sent for
/// execution, 2 decided and waiting for the signatures, 3 answered.
const PORTAL_APPEALS: &[(&str, &str, &str, &str, u8)] = &[
    (
        "akhmetov",
        "MJ",
        "request",
        "Прошу разъяснить, как апостилировать диплом о высшем образовании для работы за рубежом и сколько это займёт времени.",
        3,
    ),
    (
        "ivanova",
        "MJ",
        "complaint",
        "Жалоба: справку о несудимости, запрошенную в ЦОН Алмалинского района, не выдали в установленный срок.",
        2,
    ),
    (
        "akhmetov",
        "AST",
        "proposal",
        "Предлагаю установить светофор на пересечении улиц Кенесары и Сарыарка: утром дети переходят дорогу к школе без перехода.",
        1,
    ),
    (
        "ivanova",
        "MJ",
        "statement",
        "Неке туралы куәліктің көшірмесін алу тәртібін түсіндіруіңізді сұраймын: түпнұсқасы жоғалып кетті.",
        1,
    ),
    (
        "akhmetov",
        "MJ",
        "statement",
        "Прошу сообщить, в какой срок будет рассмотрено моё заявление о восстановлении документа об образовании.",
        0,
    ),
];

/// Signs the demo applicant in as the portal does (a challenge signed with their key) and
/// returns their id.
async fn sign_in_as(
    app: &otinish_app::Service,
    signer: &otinish_app::service::DemoSigner,
) -> Result<i64> {
    let challenge = app
        .sign_in_challenge()
        .await
        .map_err(|e| anyhow::anyhow!("demo challenge: {e}"))?;
    let cms = signer
        .key
        .sign_cms(challenge.as_bytes(), true, app.clock.now())?;
    let (id, _) = app
        .sign_in(&challenge, &cms, Lang::Ru)
        .await
        .map_err(|e| anyhow::anyhow!("demo sign-in of {}: {e}", signer.slug))?;
    Ok(id)
}

/// A few portal appeals filed the way a citizen files them (signed with the demo applicants'
/// keys, through the same intake) and taken through the desk's own steps, so that the cabinet,
/// the inbox and the "to sign" queues show each stage from the first start.
pub async fn portal_appeals(app: &otinish_app::Service) -> Result<usize> {
    use otinish_app::eappeal::AppealError;
    let staff = |login: &'static str| async move {
        app.store
            .staff_credentials(login)
            .await
            .map(|(u, _)| u)
            .with_context(|| format!("demo staff {login}"))
    };
    let failed = |what: &'static str| move |e: AppealError| anyhow::anyhow!("demo {what}: {e}");
    let mut filed = 0;
    for (i, (slug, body, kind, content, stage)) in PORTAL_APPEALS.iter().enumerate() {
        let Some(signer) = app.pki.demo_signers.iter().find(|s| s.slug == *slug) else {
            continue;
        };
        let now = app.clock.now();
        let applicant_id = sign_in_as(app, signer).await?;
        let applicant = app.store.applicant(applicant_id).await?;
        let body_id = app.store.body_by_code(body).await?.id;
        let mut form = serde_json::Map::new();
        for (k, v) in [
            ("recipient", body_id.to_string()),
            ("kind", (*kind).to_owned()),
            ("content", (*content).to_owned()),
            (
                "postal_address",
                "Астана, ул. Бейбітшілік 10, кв. 5".to_owned(),
            ),
        ] {
            form.insert(k.into(), serde_json::Value::String(v));
        }
        let doc = otinish_app::Service::appeal_document(&applicant, form, &[]);
        let signature = signer.key.sign_cms(doc.as_bytes(), true, now)?;
        let (id, _) = app
            .submit_appeal(
                applicant_id,
                &signature,
                vec![],
                &format!("demo-portal-{i}"),
            )
            .await
            .map_err(failed("appeal"))?;
        filed += 1;
        let (registrar, fallback) = match *body {
            "AST" => ("registrar.ast", "executor.ast"),
            _ => ("registrar.mj", "executor.mj"),
        };
        if *stage >= 1 {
            app.send_for_execution(&staff(registrar).await?, id, None)
                .await
                .map_err(failed("execution"))?;
        }
        if *stage >= 2 {
            let executor = app.store.card(id).await?.executor_id;
            let executor = match executor {
                Some(e) => app.store.staff(e).await?,
                None => staff(fallback).await?,
            };
            app.decide(
                &executor,
                id,
                "explained",
                "Разъясняем: заявление принимается в ЦОН или на портале; документ выдаётся в течение пяти рабочих дней. Подробности — на сайте министерства.",
            )
            .await
            .map_err(failed("decision"))?;
        }
        if *stage >= 3 {
            for login in ["head.mj", registrar] {
                app.sign_answer(&staff(login).await?, id, None)
                    .await
                    .map_err(failed("signature"))?;
            }
        }
    }
    // A reception by videoconference: booked by a citizen with her key on the first free time
    // of the ministry's published schedule, registered by the secretary, appointed by the head.
    if let Some(signer) = app.pki.demo_signers.iter().find(|s| s.slug == "ivanova") {
        let body = app.store.body_by_code("MJ").await?;
        let mut slots = app.open_slots(body.id).await?;
        slots.sort_by_key(|s| s.starts);
        let branch = app
            .store
            .branches(otinish_domain::repo::PageRequest::new(Some(500), None))
            .await?
            .items
            .into_iter()
            .find(|b| b.vks_equipment);
        if let (Some(slot), Some(branch)) = (slots.first(), branch) {
            let now = app.clock.now();
            let applicant_id = sign_in_as(app, signer).await?;
            let mut form = serde_json::Map::new();
            for (k, v) in [
                ("slot", slot.id.to_string()),
                ("branch", branch.id.to_string()),
                ("address", "Алматы, пр. Абая 52, кв. 14".to_owned()),
                ("email", "ivanova@demo.example.kz".to_owned()),
                ("phones", "+77017654321".to_owned()),
                ("workplace", "ТОО «Дала»".to_owned()),
                ("position", "бухгалтер".to_owned()),
                ("lang", "ru".to_owned()),
                (
                    "question",
                    "Прошу разъяснить порядок регистрации прав на квартиру, полученную по наследству."
                        .to_owned(),
                ),
            ] {
                form.insert(k.into(), serde_json::Value::String(v));
            }
            let doc = otinish_app::vks::request_document(&form);
            let signature = signer.key.sign_cms(doc.as_bytes(), true, now)?;
            let card_id = app
                .book_reception(applicant_id, &signature)
                .await
                .map_err(|e| anyhow::anyhow!("demo VKS booking: {e:?}"))?;
            let booking = app.store.booking_of_card(card_id).await?;
            app.vks_register(&staff("secretary.mj").await?, booking.id)
                .await
                .map_err(|e| anyhow::anyhow!("demo VKS registration: {e:?}"))?;
            app.vks_decide(&staff("head.mj").await?, booking.id, true, None)
                .await
                .map_err(|e| anyhow::anyhow!("demo VKS appointment: {e:?}"))?;
            filed += 1;
        }
    }
    filed += booth_appeals(app).await?;
    Ok(filed)
}

/// A booth appeal of the demo: document, name, form fields, recording, stage.
type BoothAppeal = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [u8],
    u8,
);

/// Video appeals recorded in a booth (VA-02 … VA-08), as the branch operator and the booth
/// take them: (document, name, form fields, recording, how far the desk took it: 0 received,
/// 1 registered and in execution). The recordings are test patterns made by ffmpeg
/// (`assets/make-demo-booth.sh`).
const BOOTH_APPEALS: &[BoothAppeal] = &[
    (
        "id_card",
        "Бекенова Гүлназ",
        &[
            ("applicant_kind", "individual"),
            ("surname", "Бекенова"),
            ("name", "Гүлназ"),
            ("postal_address", "Астана, ул. Сығанақ 14, кв. 7"),
            ("email", "gulnaz.bekenova@demo.example.kz"),
            ("body", "MJ"),
            ("kind", "statement"),
        ],
        include_bytes!("../assets/demo-booth-1.webm"),
        0,
    ),
    (
        "passport",
        "Тұрсынов Асқар",
        &[
            ("applicant_kind", "individual"),
            ("surname", "Тұрсынов"),
            ("name", "Асқар"),
            ("patronymic", "Маратұлы"),
            ("postal_address", "Астана, пр. Кабанбай батыра 21, кв. 40"),
            ("email", "askar.tursynov@demo.example.kz"),
            ("body", "MJ"),
            ("kind", "request"),
        ],
        include_bytes!("../assets/demo-booth-2.webm"),
        1,
    ),
];

/// Video appeals reopen in 2026 under VC-2026, an edition to be confirmed (GEN-01): when the
/// demo data is loaded, the demo's administrator confirms every such edition (journaled), as a
/// real deployment's does on the console, so the booth can be tried.
pub async fn confirm_editions(app: &otinish_app::Service) -> Result<()> {
    let admin = app.store.staff_credentials("admin").await?.0;
    let waiting: Vec<String> = app
        .rulebooks
        .all()
        .iter()
        .filter(|b| b.awaits_confirmation(&app.confirmed_editions()))
        .map(|b| b.id.clone())
        .collect();
    for id in waiting {
        otinish_app::editions::confirm(
            app.store.as_ref(),
            &app.rulebooks,
            &admin,
            &id,
            app.clock.now(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo: confirming {id}: {e}"))?;
    }
    app.reload_editions()
        .await
        .map_err(|e| anyhow::anyhow!("demo: reading confirmed editions: {e}"))?;
    Ok(())
}

async fn booth_appeals(app: &otinish_app::Service) -> Result<usize> {
    let operator = app.store.staff_credentials("operator.con").await?.0;
    let registrar = app.store.staff_credentials("registrar.mj").await?.0;
    let tr = otinish_app::i18n::Tr::new(Lang::Ru);
    let mut filed = 0;
    for (i, (document, person, fields, recording, stage)) in BOOTH_APPEALS.iter().enumerate() {
        // Born in the 1990s, a woman or a man of the 20th century (4 or 3).
        let sex = if person.split(' ').next().is_some_and(|s| s.ends_with('а')) {
            4
        } else {
            3
        };
        let iin = with_check_digit(&format!("9{}0{}1{}{sex}", 1 + i, 3 + i, 4 + i), |s| {
            otinish_domain::ids::Iin::parse(s).is_ok()
        })
        .ok_or_else(|| anyhow::anyhow!("no demo IIN for a booth applicant"))?;
        let entry = otinish_app::video::EntryForm {
            document_kind: (*document).to_owned(),
            document_number: format!("0{}4{}7{}1{}", i, i + 2, i + 5, i + 8),
            iin,
            full_name: (*person).to_owned(),
            ..Default::default()
        };
        let token = app
            .open_booth_session(&operator, &entry)
            .await
            .map_err(|e| anyhow::anyhow!("demo booth session: {e}"))?;
        let session = app
            .booth_session(&token)
            .await
            .map_err(|e| anyhow::anyhow!("demo booth session: {e}"))?
            .ok_or_else(|| anyhow::anyhow!("demo booth session not found"))?;
        let form: otinish_domain::video::VideoForm = serde_json::from_value(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned())))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        )?;
        let receipt = match app
            .file_video_appeal(&session, &form, Some(recording.to_vec()), tr)
            .await
        {
            Ok(r) => r,
            // Filed before (the recording is the same): nothing more to do.
            Err(e) if e.kind == otinish_app::video::Refusal::Conflict => continue,
            Err(e) => anyhow::bail!("demo video appeal: {:?}", e.problems),
        };
        filed += 1;
        if *stage >= 1 {
            app.register_by_hand(&registrar, receipt.card_id)
                .await
                .map_err(|e| anyhow::anyhow!("demo video appeal registration: {e}"))?;
            app.send_for_execution(&registrar, receipt.card_id, None)
                .await
                .map_err(|e| anyhow::anyhow!("demo video appeal in execution: {e}"))?;
        }
    }
    Ok(filed)
}
