//! Importing the register of bodies and the staff list from CSV. An import is planned first
//! (every line checked against the file and the database, every problem named with its line),
//! shown as a preview, and applied only when the plan has no problem: all its lines in one
//! transaction, or none.

use crate::admin::{self, check_body, check_staff, BodyForm, Scope, StaffForm};
use crate::csv::{self, CsvProblem, Table};
use crate::Error;
use chrono::{DateTime, Utc};
use otinish_domain::ids::{Bin, Iin};
use otinish_domain::journal::JournalDraft;
use otinish_domain::lang::Lang;
use otinish_domain::model::{Body, NewBody, Role, StaffUser};
use otinish_domain::repo::{NewStaff, Store, StoreError};
use std::collections::{HashMap, HashSet};

/// The largest file an import reads.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// The most lines one import takes.
pub const MAX_ROWS: usize = 10_000;

/// A column of an import file: its key (how problems name it) and its title in Kazakh,
/// Russian and English. A header may name a column by its key or by any of its titles, so a
/// file saved from a spreadsheet in any of the three languages is read the same.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub titles: [&'static str; 3],
    pub required: bool,
}

impl Column {
    pub fn title(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Kk => self.titles[0],
            Lang::Ru => self.titles[1],
            Lang::En => self.titles[2],
        }
    }

    fn named(&self, header: &str) -> bool {
        header == self.key || self.titles.iter().any(|t| t.to_lowercase() == header)
    }
}

const fn column(key: &'static str, titles: [&'static str; 3], required: bool) -> Column {
    Column {
        key,
        titles,
        required,
    }
}

/// Titles shared by the columns of several files.
const NAME_KK: [&str; 3] = ["Атауы (қазақша)", "Наименование (каз.)", "Name (Kazakh)"];
const NAME_RU: [&str; 3] = ["Атауы (орысша)", "Наименование (рус.)", "Name (Russian)"];
const NAME_EN: [&str; 3] = [
    "Атауы (ағылшынша)",
    "Наименование (англ.)",
    "Name (English)",
];
const ADDRESS_KK: [&str; 3] = ["Мекенжайы (қазақша)", "Адрес (каз.)", "Address (Kazakh)"];
const ADDRESS_RU: [&str; 3] = ["Мекенжайы (орысша)", "Адрес (рус.)", "Address (Russian)"];
const CODE: [&str; 3] = ["Коды", "Код", "Code"];
const PHONE: [&str; 3] = ["Телефоны", "Телефон", "Phone"];
const EMAIL: [&str; 3] = ["Электрондық поштасы", "Электронная почта", "Email"];

/// The title of the column `key` of either kind of file, in `lang`.
pub fn column_title(key: &str, lang: Lang) -> Option<&'static str> {
    BODY_COLUMNS
        .iter()
        .chain(STAFF_COLUMNS)
        .chain(BRANCH_COLUMNS)
        .find(|c| c.key == key)
        .map(|c| c.title(lang))
}

/// A template of `columns` in `lang`: the header line and `example`'s line.
pub fn template(columns: &[Column], lang: Lang, example: &[&str]) -> String {
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .map(|c| {
                if c.contains([';', '"', '\n']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    (*c).to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(";")
    };
    format!(
        "\u{feff}{}\r\n{}\r\n",
        line(columns.iter().map(|c| c.title(lang)).collect()),
        line(example.to_vec())
    )
}

/// A problem on one line of the file (line 1 is the header): the column and the message key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub line: usize,
    pub field: &'static str,
    pub key: &'static str,
}

/// A body the import would create, with the line it comes from and its parent's name.
#[derive(Debug, Clone)]
pub struct PlannedBody {
    pub line: usize,
    pub body: NewBody,
    pub bin: Option<Bin>,
    /// The parent's name (a body of the deployment or of the same file).
    pub parent_name: Option<otinish_domain::lang::Names>,
}

/// A staff member the import would add, with the line they come from.
#[derive(Debug, Clone)]
pub struct PlannedStaff {
    pub line: usize,
    pub staff: NewStaff,
    pub iin: Iin,
}

/// What an import would do: the rows, in the order they would be written, and every problem.
/// It may be applied only when `problems` is empty.
#[derive(Debug, Clone)]
pub struct Plan<T> {
    pub rows: Vec<T>,
    pub problems: Vec<LineProblem>,
}

impl<T> Plan<T> {
    fn refused(problems: Vec<LineProblem>) -> Self {
        Plan {
            rows: Vec::new(),
            problems,
        }
    }
}

/// A file read against its columns: each record's cells by column key.
struct Sheet {
    /// The position of each known column in a record.
    at: HashMap<&'static str, usize>,
    records: Vec<csv::Record>,
}

impl Sheet {
    /// The cell of column `key` (empty when the column is absent or the line short).
    fn cell<'a>(&self, r: &'a csv::Record, key: &str) -> &'a str {
        self.at
            .get(key)
            .and_then(|c| r.fields.get(*c))
            .map_or("", String::as_str)
    }
}

/// The file as a sheet of `columns`, or the problem that makes it unreadable (on line 1, or
/// the line of an unclosed quote), or the required columns it lacks.
fn sheet(bytes: &[u8], columns: &[Column]) -> Result<Sheet, Vec<LineProblem>> {
    let whole = |line, key| vec![problem_at(line, "file", key)];
    if bytes.len() > MAX_BYTES {
        return Err(whole(1, "import-too-large"));
    }
    let t: Table = csv::parse(bytes).map_err(|p| match p {
        CsvProblem::NotText => whole(1, "import-not-text"),
        CsvProblem::Empty => whole(1, "import-empty"),
        CsvProblem::UnclosedQuote(line) => whole(line, "import-unclosed-quote"),
    })?;
    let mut at = HashMap::new();
    for (i, h) in t.header.iter().enumerate() {
        if let Some(c) = columns.iter().find(|c| c.named(h)) {
            at.entry(c.key).or_insert(i);
        }
    }
    let missing: Vec<LineProblem> = columns
        .iter()
        .filter(|c| c.required && !at.contains_key(c.key))
        .map(|c| problem_at(1, c.key, "import-column-missing"))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    if t.records.is_empty() {
        return Err(whole(1, "import-empty"));
    }
    if t.records.len() > MAX_ROWS {
        return Err(whole(1, "import-too-many"));
    }
    Ok(Sheet {
        at,
        records: t.records,
    })
}

/// The plan of `rows` with `problems` (in line order): no rows to write when any.
fn finished<T>(rows: Vec<T>, mut problems: Vec<LineProblem>) -> Plan<T> {
    problems.sort_by_key(|p| p.line);
    Plan {
        rows: if problems.is_empty() {
            rows
        } else {
            Vec::new()
        },
        problems,
    }
}

/// The rows of a plan that may be applied; refused when it has problems (the preview shows
/// them).
fn applicable<T>(plan: Plan<T>) -> Result<Vec<T>, Error> {
    if plan.problems.is_empty() {
        Ok(plan.rows)
    } else {
        Err(Error::Refused {
            key: "import-has-problems",
            detail: format!("{} problems in the file", plan.problems.len()),
        })
    }
}

fn problem_at(line: usize, field: &'static str, key: &'static str) -> LineProblem {
    LineProblem { line, field, key }
}

/// Yes in any of the three languages (or 1/true/+).
fn yes(v: &str) -> bool {
    matches!(
        v.trim().to_lowercase().as_str(),
        "1" | "yes" | "y" | "true" | "+" | "да" | "д" | "иә" | "ия"
    )
}

fn journal(user: &StaffUser, now: DateTime<Utc>, action: &str, line: usize) -> JournalDraft {
    JournalDraft::new(now, format!("staff:{}", user.id), "", action)
        .details(format!("{{\"import_line\":{line}}}"))
}

/// The administrator's scope and every body of the deployment (BINs and codes are unique
/// across all of them, not only the administrator's).
async fn scope_and_all(store: &dyn Store, user: &StaffUser) -> Result<(Scope, Vec<Body>), Error> {
    if !user.has_role(Role::Admin) {
        return Err(Error::Forbidden);
    }
    let all = admin::all_bodies(store).await?;
    Ok((admin::scope_in(user, all.clone()), all))
}

// ---- Bodies ----

/// The columns of a register of bodies. The BIN and the Kazakh and Russian names are
/// required; the parent body is given by its BIN (a body of the deployment or of the same
/// file); the code defaults to the BIN; competence topics are separated by `;`; the VKS and
/// video columns take yes or no.
pub const BODY_COLUMNS: &[Column] = &[
    column("bin", ["БСН", "БИН", "BIN"], true),
    column("name_kk", NAME_KK, true),
    column("name_ru", NAME_RU, true),
    column("name_en", NAME_EN, false),
    column(
        "parent_bin",
        [
            "Жоғары тұрған органның БСН-і",
            "БИН вышестоящего органа",
            "Parent body's BIN",
        ],
        false,
    ),
    column(
        "competence",
        ["Құзыреті", "Компетенция", "Competence"],
        false,
    ),
    column("code", CODE, false),
    column(
        "vks",
        ["БКБ қабылдауы", "Приём по ВКС", "VKS receptions"],
        false,
    ),
    column(
        "video",
        ["Бейнеөтініштер", "Видеообращения", "Video appeals"],
        false,
    ),
    column("phone", PHONE, false),
    column("email", EMAIL, false),
    column("address_kk", ADDRESS_KK, false),
    column("address_ru", ADDRESS_RU, false),
];

/// Plans the import of a register of bodies by an administrator.
pub async fn plan_bodies(
    store: &dyn Store,
    user: &StaffUser,
    bytes: &[u8],
) -> Result<Plan<PlannedBody>, Error> {
    let (scope, all) = scope_and_all(store, user).await?;
    let t = match sheet(bytes, BODY_COLUMNS) {
        Ok(t) => t,
        Err(p) => return Ok(Plan::refused(p)),
    };
    let mut problems = Vec::new();
    // Each line's BIN and code; the first line with a BIN or code wins, later ones are duplicates.
    let mut bin_line: HashMap<String, usize> = HashMap::new();
    let mut code_line: HashMap<String, usize> = HashMap::new();
    let mut code_of_bin: HashMap<String, String> = HashMap::new();
    for r in &t.records {
        let bin = t.cell(r, "bin").to_owned();
        let code = match t.cell(r, "code") {
            "" => bin.clone(),
            c => c.to_uppercase(),
        };
        if !bin.is_empty() {
            bin_line.entry(bin.clone()).or_insert(r.line);
            code_of_bin.entry(bin).or_insert_with(|| code.clone());
        }
        code_line.entry(code).or_insert(r.line);
    }
    // Looked up once per line: the file's codes, and the deployment's bodies by BIN and code.
    let file_codes: HashSet<String> = code_of_bin.values().cloned().collect();
    let body_of_bin: HashMap<&str, &Body> = all
        .iter()
        .filter_map(|b| Some((b.bin.as_deref()?, b)))
        .collect();
    let taken_codes: HashSet<&str> = all.iter().map(|b| b.code.as_str()).collect();
    let mut rows = Vec::new();
    for r in &t.records {
        let bin = t.cell(r, "bin");
        let parent_bin = t.cell(r, "parent_bin");
        let mut line_problems = Vec::new();
        if bin.is_empty() {
            line_problems.push(problem_at(r.line, "bin", "appeal-field-required"));
        } else if bin_line[bin] != r.line {
            line_problems.push(problem_at(r.line, "bin", "import-bin-duplicate"));
        } else if body_of_bin.contains_key(bin) {
            line_problems.push(problem_at(r.line, "bin", "admin-bin-taken"));
        }
        let form = BodyForm {
            code: match t.cell(r, "code") {
                "" => bin.to_owned(),
                c => c.to_owned(),
            },
            name_kk: t.cell(r, "name_kk").to_owned(),
            name_ru: t.cell(r, "name_ru").to_owned(),
            name_en: t.cell(r, "name_en").to_owned(),
            bin: bin.to_owned(),
            // The parent's code: a body of the file, or one the administrator manages; an
            // unknown BIN stays as typed and is refused below.
            parent: if parent_bin.is_empty() {
                String::new()
            } else if let Some(code) = code_of_bin.get(parent_bin) {
                code.clone()
            } else if let Some(b) = body_of_bin.get(parent_bin) {
                b.code.clone()
            } else {
                format!("?{parent_bin}")
            },
            competence: t.cell(r, "competence").to_owned(),
            vks: yes(t.cell(r, "vks")),
            video: yes(t.cell(r, "video")),
            phone: t.cell(r, "phone").to_owned(),
            email: t.cell(r, "email").to_owned(),
            address_kk: t.cell(r, "address_kk").to_owned(),
            address_ru: t.cell(r, "address_ru").to_owned(),
        };
        let code = form.code.trim().to_uppercase();
        // A code taken from a BIN already refused says nothing new.
        let code_from_bin = t.cell(r, "code").is_empty() && !line_problems.is_empty();
        if !code_from_bin {
            if code_line.get(&code).is_some_and(|l| *l != r.line) {
                line_problems.push(problem_at(r.line, "code", "import-code-duplicate"));
            } else if taken_codes.contains(code.as_str()) {
                line_problems.push(problem_at(r.line, "code", "admin-code-taken"));
            }
        }
        match check_body(&form, &scope, |c| {
            scope.body_by_code(c).is_some() || file_codes.contains(c)
        }) {
            Ok((body, bin)) if line_problems.is_empty() => rows.push(PlannedBody {
                line: r.line,
                body,
                bin,
                parent_name: None,
            }),
            Ok(_) => {}
            Err(p) => line_problems.extend(p.into_iter().map(|p| {
                problem_at(
                    r.line,
                    if p.field == "parent" {
                        "parent_bin"
                    } else {
                        p.field
                    },
                    p.key,
                )
            })),
        }
        problems.extend(line_problems);
    }
    // Parents first: a body whose parent is in the file comes after it. A body still
    // waiting at the end has a circle of parents above it, unless what it waits on is a
    // refused line (which names its own problem).
    let valid: HashSet<String> = rows.iter().map(|p| p.body.code.clone()).collect();
    let mut ordered: Vec<PlannedBody> = Vec::with_capacity(rows.len());
    let mut placed: HashSet<String> = HashSet::new();
    let mut left = rows;
    loop {
        let before = left.len();
        let (ready, wait): (Vec<_>, Vec<_>) = left.into_iter().partition(|p| {
            p.body
                .parent_code
                .as_deref()
                .is_none_or(|c| placed.contains(c) || !file_codes.contains(c))
        });
        for p in ready {
            placed.insert(p.body.code.clone());
            ordered.push(p);
        }
        left = wait;
        if left.is_empty() || left.len() == before {
            break;
        }
    }
    for p in &left {
        if p.body
            .parent_code
            .as_deref()
            .is_some_and(|c| valid.contains(c))
        {
            problems.push(problem_at(p.line, "parent_bin", "import-parent-cycle"));
        }
    }
    Ok(finished(ordered, problems))
}

/// Imports a register of bodies: every line, or none. Refused when the plan has problems
/// (the preview shows them); a body created meanwhile with the same BIN or code refuses the
/// whole file.
pub async fn import_bodies(
    store: &dyn Store,
    user: &StaffUser,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let items: Vec<_> = applicable(plan_bodies(store, user, bytes).await?)?
        .into_iter()
        .map(|p| (p.body, p.bin, journal(user, now, "import_body", p.line)))
        .collect();
    store.import_bodies(&items).await.map_err(conflict)?;
    Ok(items.len())
}

fn conflict(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(what) => Error::Refused {
            key: "import-changed-meanwhile",
            detail: what,
        },
        other => other.into(),
    }
}

// ---- Staff ----

/// The columns of a staff list. The IIN, the full name and the roles are required; the body
/// is given by its BIN (or its code); roles are separated by `;`, each by its title in any of
/// the three languages or its key; the login defaults to the IIN.
pub const STAFF_COLUMNS: &[Column] = &[
    column("iin", ["ЖСН", "ИИН", "IIN"], true),
    column(
        "full_name",
        ["Тегі, аты, әкесінің аты", "ФИО", "Full name"],
        true,
    ),
    column(
        "body_bin",
        ["Органның БСН-і", "БИН органа", "Body's BIN"],
        false,
    ),
    column(
        "body",
        ["Органның коды", "Код органа", "Body's code"],
        false,
    ),
    column("roles", ["Рөлдері", "Роли", "Roles"], true),
    column("login", ["Логині", "Логин", "Login"], false),
    column("email", EMAIL, false),
    column(
        "lang",
        [
            "Хабарламалар тілі",
            "Язык уведомлений",
            "Language of notices",
        ],
        false,
    ),
];

/// A role by its key or its title in any language, ignoring case.
fn role_named(name: &str) -> Option<Role> {
    let name = name.trim().to_lowercase();
    Role::ALL.iter().copied().find(|r| {
        r.as_str() == name || Lang::ALL.iter().any(|l| r.title(*l).to_lowercase() == name)
    })
}

/// A language by its code or its name in any of the three languages.
fn lang_named(name: &str) -> &'static str {
    let n = name.trim().to_lowercase();
    if n.starts_with("қаз") || n.starts_with("каз") || n.starts_with("kaz") {
        "kk"
    } else if n.starts_with("рус") || n.starts_with("орыс") || n.starts_with("rus") {
        "ru"
    } else if n.starts_with("анг") || n.starts_with("ағыл") || n.starts_with("eng") {
        "en"
    } else {
        Lang::parse(&n).map_or("", Lang::code)
    }
}

/// Every staff member of the deployment (their IINs and logins are unique across all).
async fn all_staff(store: &dyn Store) -> Result<Vec<StaffUser>, Error> {
    crate::every_page(|p| store.staff_list(p)).await
}

/// Plans the import of a staff list by an administrator.
pub async fn plan_staff(
    store: &dyn Store,
    user: &StaffUser,
    bytes: &[u8],
) -> Result<Plan<PlannedStaff>, Error> {
    let (scope, all) = scope_and_all(store, user).await?;
    let t = match sheet(bytes, STAFF_COLUMNS) {
        Ok(t) => t,
        Err(p) => return Ok(Plan::refused(p)),
    };
    let existing = all_staff(store).await?;
    let taken_iins: HashSet<&str> = existing.iter().filter_map(|s| s.iin.as_deref()).collect();
    let taken_logins: HashSet<&str> = existing.iter().map(|s| s.login.as_str()).collect();
    let branches = crate::branches::all(store).await?;
    let mut iin_line: HashMap<String, usize> = HashMap::new();
    let mut login_line: HashMap<String, usize> = HashMap::new();
    let login_of = |r: &csv::Record| match t.cell(r, "login") {
        "" => t.cell(r, "iin").to_lowercase(),
        l => l.to_lowercase(),
    };
    for r in &t.records {
        iin_line
            .entry(t.cell(r, "iin").to_owned())
            .or_insert(r.line);
        login_line.entry(login_of(r)).or_insert(r.line);
    }
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    for r in &t.records {
        let iin = t.cell(r, "iin");
        let login = login_of(r);
        let mut line_problems = Vec::new();
        if !iin.is_empty() && iin_line[iin] != r.line {
            line_problems.push(problem_at(r.line, "iin", "import-iin-duplicate"));
        } else if taken_iins.contains(iin) {
            line_problems.push(problem_at(r.line, "iin", "admin-iin-taken"));
        }
        if login_line[&login] != r.line {
            line_problems.push(problem_at(r.line, "login", "import-login-duplicate"));
        } else if taken_logins.contains(login.as_str()) {
            line_problems.push(problem_at(r.line, "login", "admin-login-taken"));
        }
        // The body by BIN, else by code.
        let body_bin = t.cell(r, "body_bin");
        let body = if body_bin.is_empty() {
            t.cell(r, "body").to_owned()
        } else {
            all.iter()
                .find(|b| b.bin.as_deref() == Some(body_bin))
                .map_or_else(|| format!("?{body_bin}"), |b| b.code.clone())
        };
        let form = StaffForm {
            iin: iin.to_owned(),
            full_name: t.cell(r, "full_name").to_owned(),
            position: t.cell(r, "position").to_owned(),
            login: t.cell(r, "login").to_owned(),
            email: t.cell(r, "email").to_owned(),
            body,
            branch: t.cell(r, "branch").to_owned(),
            // Each role by its key, or by its title translated to its key.
            roles: t
                .cell(r, "roles")
                .split([';', ','])
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(|r| role_named(r).map_or_else(|| r.to_lowercase(), |r| r.as_str().to_owned()))
                .collect(),
            lang: lang_named(t.cell(r, "lang")).to_owned(),
        };
        match check_staff(
            &form,
            &scope,
            |code| scope.body_by_code(code).map(|b| b.id),
            &branches,
        ) {
            Ok((staff, iin)) if line_problems.is_empty() => rows.push(PlannedStaff {
                line: r.line,
                staff,
                iin,
            }),
            Ok(_) => {}
            Err(p) => line_problems.extend(p.into_iter().map(|p| {
                let field = if p.field == "body" && !body_bin.is_empty() {
                    "body_bin"
                } else {
                    p.field
                };
                problem_at(r.line, field, p.key)
            })),
        }
        problems.extend(line_problems);
    }
    Ok(finished(rows, problems))
}

/// Imports a staff list: every line, or none.
pub async fn import_staff(
    store: &dyn Store,
    user: &StaffUser,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let items: Vec<_> = applicable(plan_staff(store, user, bytes).await?)?
        .into_iter()
        .map(|p| (p.staff, p.iin, journal(user, now, "import_staff", p.line)))
        .collect();
    store.import_staff(&items).await.map_err(conflict)?;
    Ok(items.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::{init, InitRequest};
    use otinish_domain::repo::{BodyRepo, JournalRepo, PageRequest, StaffRepo};
    use otinish_store::sqlite::SqliteStore;

    async fn deployment() -> (SqliteStore, StaffUser, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = SqliteStore::open(&dir.path().join("t.db"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        s.migrate().await.unwrap_or_else(|e| panic!("{e}"));
        let admin = init(
            &s,
            &InitRequest {
                name_kk: "Өтініштер".into(),
                name_ru: "Обращения".into(),
                admin_iin: "791028302728".into(),
                admin_name: "Әлия Әкімшіева".into(),
                ..Default::default()
            },
            Utc::now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        (s, admin, dir)
    }

    /// A BIN (or IIN) whose check digit holds, from its first eleven digits (`None` when no
    /// digit does: the checksum comes out as 10 for some).
    fn with_check_digit(first11: &str, bin: bool) -> Option<String> {
        (0..10).map(|d| format!("{first11}{d}")).find(|s| {
            if bin {
                Bin::parse(s).is_ok()
            } else {
                Iin::parse(s).is_ok()
            }
        })
    }

    /// A valid IIN beginning with the ten digits given.
    fn checked(first10: &str, _bin: bool) -> String {
        (0..10)
            .find_map(|d| with_check_digit(&format!("{}{d}", &first10[..10]), false))
            .unwrap_or_else(|| panic!("no IIN from {first10}"))
    }

    /// The `n`-th of a series of distinct valid BINs.
    fn bin(n: u32) -> String {
        (0..10)
            .find_map(|k| with_check_digit(&format!("07044{:06}", n * 10 + k), true))
            .unwrap_or_else(|| panic!("no BIN for {n}"))
    }

    async fn body_count(s: &SqliteStore) -> i64 {
        s.bodies(PageRequest::new(Some(1), None))
            .await
            .map(|p| p.total)
            .unwrap_or(-1)
    }

    /// GEN-05: the register of bodies of a whole ministry imports in one go, children listed
    /// before their parents, each body journaled.
    #[tokio::test]
    async fn a_thousand_body_register_imports_whole() {
        let (s, admin, _dir) = deployment().await;
        let root = bin(1);
        let mut csv = String::from("name_ru;name_kk;bin;parent_bin;competence;vks\n");
        for i in 2..=1000 {
            // Every tenth body is a department, the others sit below one.
            let parent = if i % 10 == 0 {
                root.clone()
            } else {
                bin(i - i % 10 + 10)
            };
            csv.push_str(&format!(
                "Управление {i};Басқарма {i};{};{parent};land;{}\n",
                bin(i),
                if i % 2 == 0 { "да" } else { "нет" }
            ));
        }
        csv.push_str(&format!("Министерство;Министрлік;{root};;;yes\n"));
        let now = Utc::now();
        let plan = plan_bodies(&s, &admin, csv.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plan.problems, []);
        assert_eq!(plan.rows.len(), 1000);
        assert_eq!(
            plan.rows[0].bin.as_ref().map(|b| b.as_str()),
            Some(root.as_str())
        );
        assert_eq!(body_count(&s).await, 0, "a plan writes nothing");
        let n = import_bodies(&s, &admin, csv.as_bytes(), now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, 1000);
        assert_eq!(body_count(&s).await, 1000);
        let child = s
            .body_by_code(&bin(23))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let parent = s
            .body_by_code(&bin(30))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(child.parent_id, Some(parent.id));
        assert_eq!(child.name.ru, "Управление 23");
        assert_eq!(child.competence, ["land"]);
        assert!(!child.vks_connected && parent.vks_connected);
        let j = s
            .journal_for(&format!("body:{}", child.id))
            .await
            .unwrap_or_default();
        assert_eq!(j.len(), 1);
        assert_eq!(j[0].draft.action, "import_body");
        assert_eq!(j[0].draft.actor, format!("staff:{}", admin.id));
        // The same file again: every line's BIN is taken now, and nothing more is written.
        let again = plan_bodies(&s, &admin, csv.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            again
                .problems
                .iter()
                .map(|p| p.key)
                .collect::<std::collections::HashSet<_>>(),
            ["admin-bin-taken"].into(),
            "each line's BIN is taken (its code, the BIN, says nothing more)"
        );
        assert_eq!(again.problems.len(), 1000);
        assert!(matches!(
            import_bodies(&s, &admin, csv.as_bytes(), now).await,
            Err(Error::Refused {
                key: "import-has-problems",
                ..
            })
        ));
        assert_eq!(body_count(&s).await, 1000);
    }

    /// A bad BIN, a duplicate and an unknown parent are each named by their line, and
    /// nothing of the file is imported.
    #[tokio::test]
    async fn a_body_file_with_problems_names_each_line_and_imports_nothing() {
        let (s, admin, _dir) = deployment().await;
        let (a, b, c) = (bin(1), bin(2), bin(3));
        let bad_bin = format!("{}{}", &a[..11], (a.as_bytes()[11] - b'0' + 1) % 10);
        let csv = format!(
            "bin,name_kk,name_ru,parent_bin\n\
             {a},А,А,\n\
             {bad_bin},Б,Б,{a}\n\
             {a},В,В,\n\
             {b},Г,Г,{unknown}\n\
             \"{c}\",\"Д, \"\"ескі\"\"\",Д,{a}\n",
            unknown = bin(99)
        );
        let plan = plan_bodies(&s, &admin, csv.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let lines: Vec<_> = plan
            .problems
            .iter()
            .map(|p| (p.line, p.field, p.key))
            .collect();
        assert_eq!(
            lines,
            [
                (3, "bin", "setup-bin-invalid"),
                (4, "bin", "import-bin-duplicate"),
                (5, "parent_bin", "admin-parent-unknown"),
            ]
        );
        assert!(plan.rows.is_empty());
        assert!(import_bodies(&s, &admin, csv.as_bytes(), Utc::now())
            .await
            .is_err());
        assert_eq!(body_count(&s).await, 0);
        // A circle of parents, and a file without the required columns.
        let circle = format!("bin,name_kk,name_ru,parent_bin\n{a},А,А,{b}\n{b},Б,Б,{a}\n");
        let plan = plan_bodies(&s, &admin, circle.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            plan.problems
                .iter()
                .map(|p| (p.line, p.key))
                .collect::<Vec<_>>(),
            [(2, "import-parent-cycle"), (3, "import-parent-cycle")]
        );
        let plan = plan_bodies(&s, &admin, b"bin;name\n1;x\n")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            plan.problems
                .iter()
                .map(|p| (p.line, p.field, p.key))
                .collect::<Vec<_>>(),
            [
                (1, "name_kk", "import-column-missing"),
                (1, "name_ru", "import-column-missing")
            ]
        );
    }

    /// A body's administrator imports only below their own body, and only its staff.
    #[tokio::test]
    async fn a_body_admin_imports_only_within_their_branch_of_the_tree() {
        let (s, admin, _dir) = deployment().await;
        let (a, a1, b) = (bin(1), bin(2), bin(3));
        let csv = format!(
            "bin,name_kk,name_ru,parent_bin,code\n{a},А,А,,A\n{a1},А1,А1,{a},A1\n{b},Б,Б,,B\n"
        );
        import_bodies(&s, &admin, csv.as_bytes(), Utc::now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let body_a = s.body_by_code("A").await.unwrap_or_else(|e| panic!("{e}"));
        let staff_csv = format!(
            "iin;full_name;body;roles\n{};Админ А;A;admin\n",
            checked("85010230012", false)
        );
        import_staff(&s, &admin, staff_csv.as_bytes(), Utc::now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let a_admin = s
            .staff_by_iin(&checked("85010230012", false))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a_admin.body_id, Some(body_a.id));
        // Under A1 (below A): allowed. Under B, or at the top: refused by line.
        let mine = format!("bin,name_kk,name_ru,parent_bin\n{},А2,А2,{a1}\n", bin(4));
        let plan = plan_bodies(&s, &a_admin, mine.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plan.problems, []);
        let theirs = format!(
            "bin,name_kk,name_ru,parent_bin\n{},Б1,Б1,{b}\n{},Т,Т,\n",
            bin(5),
            bin(6)
        );
        let plan = plan_bodies(&s, &a_admin, theirs.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            plan.problems
                .iter()
                .map(|p| (p.line, p.key))
                .collect::<Vec<_>>(),
            [(2, "admin-parent-unknown"), (3, "admin-parent-required")]
        );
        let staff_of_b = format!(
            "iin;full_name;body_bin;roles\n{};Б;{b};registrar\n",
            checked("90010230012", false)
        );
        let plan = plan_staff(&s, &a_admin, staff_of_b.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            plan.problems
                .iter()
                .map(|p| (p.line, p.field, p.key))
                .collect::<Vec<_>>(),
            [(2, "body_bin", "admin-parent-unknown")]
        );
    }

    /// Staff lists: each bad line named (IIN, duplicate, body, role), nothing imported; a good
    /// list adds everyone, who then sign in by the IIN of their key.
    #[tokio::test]
    async fn a_staff_list_imports_whole_or_names_its_problems() {
        let (s, admin, _dir) = deployment().await;
        let a = bin(1);
        import_bodies(
            &s,
            &admin,
            format!("bin,name_kk,name_ru\n{a},А,А\n").as_bytes(),
            Utc::now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let (i1, i2) = (checked("85010230012", false), checked("86020340012", false));
        let bad = format!(
            "iin,full_name,body_bin,roles,email\n\
             {i1},Бір,{a},registrar;executor,\n\
             123,Екі,{a},executor,\n\
             {i1},Үш,{a},executor,\n\
             {i2},Төрт,{unknown},executor,\n\
             {i2},Бес,{a},registrar;wizard,x\n\
             {i2},Алты,,executor,\n",
            unknown = bin(9)
        );
        let plan = plan_staff(&s, &admin, bad.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            plan.problems
                .iter()
                .map(|p| (p.line, p.field, p.key))
                .collect::<Vec<_>>(),
            [
                (3, "iin", "setup-iin-invalid"),
                (4, "iin", "import-iin-duplicate"),
                (4, "login", "import-login-duplicate"),
                (5, "body_bin", "admin-parent-unknown"),
                (6, "iin", "import-iin-duplicate"),
                (6, "login", "import-login-duplicate"),
                (6, "email", "setup-email-invalid"),
                (6, "roles", "admin-roles-required"),
                (7, "iin", "import-iin-duplicate"),
                (7, "login", "import-login-duplicate"),
                (7, "body", "admin-role-needs-body"),
            ]
        );
        assert!(import_staff(&s, &admin, bad.as_bytes(), Utc::now())
            .await
            .is_err());
        let count = s
            .staff_list(PageRequest::new(Some(1), None))
            .await
            .map(|p| p.total)
            .unwrap_or(-1);
        assert_eq!(count, 1, "only the administrator");
        let good = format!(
            "iin,full_name,body_bin,roles,login,lang\n{i1},Бір,{a},registrar;executor,,kk\n{i2},Екі,{a},head,ekі.head,\n"
        );
        let plan = plan_staff(&s, &admin, good.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            plan.problems
                .iter()
                .map(|p| (p.line, p.key))
                .collect::<Vec<_>>(),
            [(3, "setup-login-invalid")],
            "a Cyrillic letter in a login"
        );
        let good = good.replace("ekі.head", "eki.head");
        assert_eq!(
            import_staff(&s, &admin, good.as_bytes(), Utc::now())
                .await
                .unwrap_or_else(|e| panic!("{e}")),
            2
        );
        let one = s.staff_by_iin(&i1).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(one.roles, [Role::Registrar, Role::Executor]);
        assert_eq!(one.login, i1);
        assert_eq!(one.lang, otinish_domain::lang::Lang::Kk);
        let two = s.staff_by_iin(&i2).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(two.login, "eki.head");
    }
}

// ---- Branches ----

/// The columns of a list of branches. The code, the names, regions and addresses in Kazakh
/// and Russian are required; the VKS column takes yes or no; booths is a number.
pub const BRANCH_COLUMNS: &[Column] = &[
    column("code", CODE, true),
    column("name_kk", NAME_KK, true),
    column("name_ru", NAME_RU, true),
    column("name_en", NAME_EN, false),
    column(
        "region_kk",
        ["Өңір (қазақша)", "Регион (каз.)", "Region (Kazakh)"],
        true,
    ),
    column(
        "region_ru",
        ["Өңір (орысша)", "Регион (рус.)", "Region (Russian)"],
        true,
    ),
    column("address_kk", ADDRESS_KK, true),
    column("address_ru", ADDRESS_RU, true),
    column(
        "vks",
        ["БКБ жабдығы", "Оборудование ВКС", "VKS equipment"],
        false,
    ),
    column("booths", ["Кабиналар", "Кабины", "Booths"], false),
    column("phone", PHONE, false),
];

/// A branch the import would create, with the line it comes from.
#[derive(Debug, Clone)]
pub struct PlannedBranch {
    pub line: usize,
    pub branch: otinish_domain::repo::NewBranch,
}

/// Plans the import of a list of branches by the deployment's administrator.
pub async fn plan_branches(
    store: &dyn Store,
    user: &StaffUser,
    bytes: &[u8],
) -> Result<Plan<PlannedBranch>, Error> {
    crate::branches::keeper(user)?;
    let t = match sheet(bytes, BRANCH_COLUMNS) {
        Ok(t) => t,
        Err(p) => return Ok(Plan::refused(p)),
    };
    let existing = crate::branches::all(store).await?;
    let taken: HashSet<&str> = existing.iter().map(|b| b.code.as_str()).collect();
    let mut code_line: HashMap<String, usize> = HashMap::new();
    for r in &t.records {
        code_line
            .entry(t.cell(r, "code").to_uppercase())
            .or_insert(r.line);
    }
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    for r in &t.records {
        let code = t.cell(r, "code").to_uppercase();
        let mut line_problems = Vec::new();
        if !code.is_empty() && code_line[&code] != r.line {
            line_problems.push(problem_at(r.line, "code", "import-code-duplicate"));
        } else if taken.contains(code.as_str()) {
            line_problems.push(problem_at(r.line, "code", "branch-code-taken"));
        }
        let form = crate::branches::BranchForm {
            code,
            name_kk: t.cell(r, "name_kk").to_owned(),
            name_ru: t.cell(r, "name_ru").to_owned(),
            name_en: t.cell(r, "name_en").to_owned(),
            region_kk: t.cell(r, "region_kk").to_owned(),
            region_ru: t.cell(r, "region_ru").to_owned(),
            address_kk: t.cell(r, "address_kk").to_owned(),
            address_ru: t.cell(r, "address_ru").to_owned(),
            vks: yes(t.cell(r, "vks")),
            booths: t.cell(r, "booths").to_owned(),
            phone: t.cell(r, "phone").to_owned(),
        };
        match crate::branches::check(&form) {
            Ok(branch) if line_problems.is_empty() => rows.push(PlannedBranch {
                line: r.line,
                branch,
            }),
            Ok(_) => {}
            Err(Error::Invalid(p)) => {
                line_problems.extend(p.into_iter().map(|p| problem_at(r.line, p.field, p.key)))
            }
            Err(e) => return Err(e),
        }
        problems.extend(line_problems);
    }
    Ok(finished(rows, problems))
}

/// Imports a list of branches: every line, or none.
pub async fn import_branches(
    store: &dyn Store,
    user: &StaffUser,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let items: Vec<_> = applicable(plan_branches(store, user, bytes).await?)?
        .into_iter()
        .map(|p| (p.branch, journal(user, now, "import_branch", p.line)))
        .collect();
    store.import_branches(&items).await.map_err(conflict)?;
    Ok(items.len())
}
