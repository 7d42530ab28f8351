//! `otinish demo --cards N`: a realistic volume of cards for load tests and demonstrations.
//!
//! Cards arrive evenly over a span before `now` (three years for load tests, three months for
//! the demo server) at the demo bodies, in Russian and
//! Kazakh, by paper, orally, at personal receptions and through the call centre. Their terms
//! come from the real deadline engine (rulebooks and calendar); their states follow their age:
//! most cards past their answer term are answered and archived, a few are overdue, recent ones
//! are being executed by the body's executors. Everything is loaded through the store's import
//! (gap-free registration numbers, one journal entry per batch).

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use otinish_domain::calendar::WorkingCalendar;
use otinish_domain::deadline::{case_deadlines, CaseFacts};
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{AppealKind, CardState, Channel, Role};
use otinish_domain::repo::{ImportCard, PageRequest, Store, StoredDeadline};
use otinish_domain::rulebook::RulebookSet;
use std::collections::HashMap;
use std::time::Instant;

/// Cards per store transaction.
const BATCH: usize = 5_000;

/// A small deterministic generator (SplitMix64): the same seed gives the same cards.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent` in 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const RU_TOPICS: &[&str] = &[
    "Земельный участок",
    "Ремонт дороги",
    "Отопление в доме",
    "Водоснабжение",
    "Назначение пенсии",
    "Пособие на ребёнка",
    "Место в детском саду",
    "Вывоз мусора",
    "Уличное освещение",
    "Жилищная очередь",
    "Регистрация по месту жительства",
    "Медицинская помощь",
    "Тарифы на электроэнергию",
    "Общественный транспорт",
    "Благоустройство двора",
];
const RU_PLACES: &[&str] = &[
    "в селе Акколь",
    "в городе Астана",
    "в Алматы",
    "в посёлке Шортанды",
    "в Караганде",
    "в Шымкенте",
    "в Павлодаре",
    "в ауле Жанатурмыс",
    "в Актобе",
    "в Усть-Каменогорске",
];
const RU_DETAILS: &[&str] = &[
    "прошу разъяснить порядок",
    "прошу принять меры",
    "жалоба на бездействие",
    "предложение по улучшению",
    "прошу ускорить рассмотрение",
    "нарушение сроков",
];
const KK_TOPICS: &[&str] = &[
    "Жер учаскесі",
    "Жол жөндеу",
    "Үйдегі жылу",
    "Сумен жабдықтау",
    "Зейнетақы тағайындау",
    "Балаға жәрдемақы",
    "Балабақшадағы орын",
    "Қоқыс шығару",
    "Көше жарығы",
    "Тұрғын үй кезегі",
    "Тұрғылықты жері бойынша тіркеу",
    "Медициналық көмек",
    "Электр энергиясының тарифтері",
    "Қоғамдық көлік",
    "Аулаларды абаттандыру",
];
const KK_PLACES: &[&str] = &[
    "Ақкөл ауылында",
    "Астана қаласында",
    "Алматыда",
    "Шортанды кентінде",
    "Қарағандыда",
    "Шымкентте",
    "Павлодарда",
    "Жанатұрмыс ауылында",
    "Ақтөбеде",
    "Өскеменде",
];
const KK_DETAILS: &[&str] = &[
    "тәртібін түсіндіруді сұраймын",
    "шара қолдануды сұраймын",
    "әрекетсіздікке шағым",
    "жақсарту жөнінде ұсыныс",
    "қарауды жеделдетуді сұраймын",
    "мерзімдердің бұзылуы",
];

fn summary(rng: &mut Rng) -> String {
    let house = 1 + rng.below(300);
    if rng.chance(55) {
        format!(
            "{} {}: {} (дом {house})",
            rng.pick(RU_TOPICS),
            rng.pick(RU_PLACES),
            rng.pick(RU_DETAILS)
        )
    } else {
        format!(
            "{} {}: {} ({house} үй)",
            rng.pick(KK_TOPICS),
            rng.pick(KK_PLACES),
            rng.pick(KK_DETAILS)
        )
    }
}

const CHANNELS: &[(Channel, u64)] = &[
    (Channel::Paper, 55),
    (Channel::Oral, 10),
    (Channel::PersonalReception, 15),
    (Channel::CallCenter, 20),
];
const KINDS: &[(AppealKind, u64)] = &[
    (AppealKind::Statement, 50),
    (AppealKind::Complaint, 25),
    (AppealKind::Request, 15),
    (AppealKind::Proposal, 10),
];

fn weighted<T: Copy>(rng: &mut Rng, items: &[(T, u64)]) -> T {
    let total: u64 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.next() % total;
    for (item, w) in items {
        if roll < *w {
            return *item;
        }
        roll -= w;
    }
    items[0].0
}

/// New cards an executor takes on per working day, about.
const CARDS_PER_EXECUTOR_DAY: usize = 5;

async fn all_staff(store: &dyn Store) -> Result<Vec<otinish_domain::model::StaffUser>> {
    let mut out = Vec::new();
    loop {
        let page = store
            .staff_list(PageRequest::new(Some(500), Some(out.len() as u32)))
            .await?;
        let done = page.items.len() < 500;
        out.extend(page.items);
        if done {
            return Ok(out);
        }
    }
}

/// An invented person's name (no real official), from fixed lists of given and family names;
/// `i` picks one.
fn invented_name(i: usize) -> String {
    const GIVEN: &[&str] = &[
        "Айдос",
        "Гүлназ",
        "Ерлан",
        "Дина",
        "Талғат",
        "Салтанат",
        "Нұрбек",
        "Әсел",
        "Марат",
        "Жанар",
        "Руслан",
        "Ләззат",
        "Асқар",
        "Мөлдір",
    ];
    // Family names in the masculine; a woman's (the odd given names) takes "а".
    const FAMILY: &[&str] = &[
        "Сейітов",
        "Оспанов",
        "Жақыпов",
        "Тұрсынов",
        "Бекенов",
        "Әлиев",
        "Қасымов",
        "Нұрланов",
        "Ахметжанов",
        "Сәрсенов",
        "Төлеуов",
    ];
    let given = i % GIVEN.len();
    let family = FAMILY[(i / GIVEN.len() + i) % FAMILY.len()];
    let ending = if given % 2 == 1 { "а" } else { "" };
    format!("{} {family}{ending}", GIVEN[given])
}

/// Gives every body enough executors for the generated flow (`executor.<body>.<k>`, password
/// as the demo's), as a body of that size would have, and at least three.
async fn add_executors(
    store: &dyn Store,
    bodies: &[otinish_domain::model::Body],
    n: usize,
    now: DateTime<Utc>,
    span: Duration,
) -> Result<()> {
    // About 250 working days a year; every body has a few executors to choose from.
    let working_days = (span.num_days().max(1) as usize * 250 / 365).max(1);
    let per_body_day = n / bodies.len().max(1) / working_days;
    let wanted = per_body_day.div_ceil(CARDS_PER_EXECUTOR_DAY).clamp(3, 200);
    let staff = all_staff(store).await?;
    let hash = otinish_app::sessions::hash_password(crate::demo::DEMO_PASSWORD)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    for b in bodies {
        let have = staff
            .iter()
            .filter(|s| s.body_id == Some(b.id) && s.has_role(Role::Executor))
            .count();
        for k in have..wanted {
            let login = format!("executor.{}.{}", b.code.to_lowercase(), k + 1);
            store
                .create_staff(
                    &otinish_domain::repo::NewStaff {
                        position: String::new(),
                        login: login.clone(),
                        full_name: invented_name(b.id as usize * 7 + k),
                        email: None,
                        body_id: Some(b.id),
                        branch_id: None,
                        roles: vec![Role::Executor],
                        password_hash: hash.clone(),
                        lang: otinish_domain::Lang::Ru,
                    },
                    JournalDraft::new(now, "cli", "", "create_staff"),
                )
                .await
                .with_context(|| format!("executor {login}"))?;
        }
    }
    Ok(())
}

/// What was loaded.
pub struct Generated {
    pub cards: usize,
    pub seconds: f64,
}

/// Terms per (channel, kind, day received, day registered), computed once each by the engine.
type TermKey = (Channel, AppealKind, NaiveDate, Option<NaiveDate>);

/// Generates `n` cards and loads them; prints progress to stderr.
pub async fn cards(
    store: &dyn Store,
    books: &RulebookSet,
    cal: &WorkingCalendar,
    n: usize,
    seed: u64,
    now: DateTime<Utc>,
    span: Duration,
) -> Result<Generated> {
    let started = Instant::now();
    let bodies = store.bodies(PageRequest::new(Some(500), None)).await?.items;
    anyhow::ensure!(!bodies.is_empty(), "no bodies: load the demo data first");
    add_executors(store, &bodies, n, now, span).await?;
    let staff = all_staff(store).await?;
    let executors: HashMap<i64, Vec<i64>> = bodies
        .iter()
        .map(|b| {
            let ids = staff
                .iter()
                .filter(|s| s.active && s.body_id == Some(b.id) && s.has_role(Role::Executor))
                .map(|s| s.id)
                .collect();
            (b.id, ids)
        })
        .collect();
    let zone = *cal.zone();
    let today = zone.local_date(now);
    let start = now - span;
    let step = span.num_microseconds().unwrap_or(i64::MAX) / n.max(1) as i64;
    let mut rng = Rng(seed);
    let mut terms: HashMap<TermKey, Vec<StoredDeadline>> = HashMap::new();
    let mut batch = Vec::with_capacity(BATCH);
    let mut loaded = 0usize;
    for i in 0..n {
        let jitter = (rng.next() % step.max(1) as u64) as i64;
        let received_at = start + Duration::microseconds(step * i as i64 + jitter);
        let body = &bodies[rng.below(bodies.len())];
        let channel = weighted(&mut rng, CHANNELS);
        let kind = weighted(&mut rng, KINDS);
        let received_on = zone.local_date(received_at);
        let gov = books
            .governing(channel, received_on)
            .with_context(|| format!("no rulebook for {channel:?} on {received_on}"))?;
        let age = now - received_at;
        // Registration within a working day of receipt; the newest cards wait for it.
        let registered_at = (age > Duration::hours(6))
            .then(|| received_at + Duration::minutes(10 + rng.below(60 * 20) as i64))
            .filter(|at| *at < now);
        let key = (
            channel,
            kind,
            received_on,
            registered_at.map(|at| zone.local_date(at)),
        );
        let deadlines = match terms.get(&key) {
            Some(d) => d.clone(),
            None => {
                let facts = CaseFacts {
                    channel,
                    kind,
                    received_at,
                    registered_at,
                    events: Vec::new(),
                };
                let d: Vec<StoredDeadline> = case_deadlines(&facts, books, cal, today)
                    .with_context(|| format!("terms for a card received {received_on}"))?
                    .iter()
                    .map(StoredDeadline::from)
                    .collect();
                terms.insert(key, d.clone());
                d
            }
        };
        let answer_due = deadlines
            .iter()
            .find(|d| d.key == "answer")
            .map(|d| d.due_at);
        let staff_of_body = executors.get(&body.id).map(Vec::as_slice).unwrap_or(&[]);
        let executor_id = (!staff_of_body.is_empty() && registered_at.is_some())
            .then(|| *rng.pick(staff_of_body));
        // A card past its term is almost always closed (a month after it, always); a current
        // one is mostly in execution.
        let past_term = answer_due.is_some_and(|due| due < now);
        let long_past = answer_due.is_some_and(|due| due + Duration::days(30) < now);
        let state = match registered_at {
            None => CardState::Received,
            Some(_) if past_term && (long_past || rng.chance(90)) => {
                if rng.chance(92) {
                    CardState::Archived
                } else {
                    CardState::Answered
                }
            }
            Some(_) if !past_term && rng.chance(20) => CardState::Answered,
            Some(_) if executor_id.is_some() => CardState::InExecution,
            Some(_) => CardState::Registered,
        };
        let closed_at = state.is_closed().then(|| {
            let due = answer_due.unwrap_or(received_at + Duration::days(20));
            // One in ten closes a few days late; the rest within the term.
            let at = if rng.chance(10) {
                due + Duration::hours(1 + rng.below(24 * 10) as i64)
            } else {
                let room = (due - received_at).num_minutes().max(60);
                received_at + Duration::minutes(30 + rng.below(room as usize) as i64)
            };
            at.min(now)
        });
        let decision = closed_at.and_then(|_| {
            let ds = gov.decisions();
            (!ds.is_empty()).then(|| rng.pick(ds).clone())
        });
        batch.push(ImportCard {
            body_id: body.id,
            channel,
            kind,
            state,
            applicant_id: None,
            summary: summary(&mut rng),
            received_at,
            registered_at,
            reg_year: registered_at.map(|at| chrono::Datelike::year(&zone.local_date(at))),
            executor_id: executor_id.filter(|_| state != CardState::Registered),
            rulebook_id: gov.primary_id().to_owned(),
            decision,
            closed_at,
            archived_at: (state == CardState::Archived)
                .then(|| closed_at.map(|c| (c + Duration::days(1)).min(now)))
                .flatten(),
            collective: rng.chance(3),
            deadlines,
        });
        if batch.len() == BATCH || i + 1 == n {
            let journal = JournalDraft {
                details: format!("{{\"cards\":{},\"seed\":{seed}}}", batch.len()),
                ..JournalDraft::new(now, "cli", "", "import_generated")
            };
            store
                .import_cards(&batch, journal)
                .await
                .context("loading generated cards")?;
            loaded += batch.len();
            batch.clear();
            eprintln!(
                "loaded {loaded} of {n} cards ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(Generated {
        cards: loaded,
        seconds: started.elapsed().as_secs_f64(),
    })
}
