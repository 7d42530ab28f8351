//! Setting a deployment up from an empty database, and deciding whether the server may start
//! on the database it is given.

use crate::Error;
use chrono::{DateTime, Utc};
use otinish_domain::appeal::FieldProblem;
use otinish_domain::ids::{Bin, Iin};
use otinish_domain::journal::JournalDraft;
use otinish_domain::lang::{Lang, Names};
use otinish_domain::model::{Role, StaffUser};
use otinish_domain::repo::{Deployment, NewStaff, Store, StoreError};

/// What `otinish init` is given: the deployment's name and BIN, and the first administrator.
#[derive(Debug, Clone, Default)]
pub struct InitRequest {
    pub name_kk: String,
    pub name_ru: String,
    /// Defaults to the Russian name.
    pub name_en: String,
    /// The operator's BIN (optional).
    pub bin: String,
    pub admin_iin: String,
    pub admin_name: String,
    /// Defaults to `admin`.
    pub admin_login: String,
    pub admin_email: String,
    pub admin_lang: Option<Lang>,
    /// A staging deployment on NCA's TEST PKI: the administrator's IIN is taken as TEST
    /// certificates carry it (twelve digits; NCA's published TEST keys all carry
    /// 123456789011, which no checksum accepts).
    pub test_pki: bool,
}

const NAME_MAX: usize = 300;

fn problem(field: &'static str, key: &'static str) -> FieldProblem {
    FieldProblem { field, key }
}

/// The checked request: names, BIN, the administrator as a new staff member and their IIN.
fn check(req: &InitRequest) -> Result<(Names, Option<Bin>, NewStaff, Iin), Error> {
    let mut p = Vec::new();
    let text = |v: &str, field: &'static str, p: &mut Vec<FieldProblem>| {
        let v = v.trim();
        if v.is_empty() {
            p.push(problem(field, "appeal-field-required"));
        } else if v.chars().count() > NAME_MAX {
            p.push(problem(field, "appeal-field-too-long"));
        }
        v.to_owned()
    };
    let kk = text(&req.name_kk, "name_kk", &mut p);
    let ru = text(&req.name_ru, "name_ru", &mut p);
    let en = match req.name_en.trim() {
        "" => ru.clone(),
        v => text(v, "name_en", &mut p),
    };
    let bin = match req.bin.trim() {
        "" => None,
        v => match Bin::parse(v) {
            Ok(b) => Some(b),
            Err(_) => {
                p.push(problem("bin", "setup-bin-invalid"));
                None
            }
        },
    };
    let iin = if req.test_pki {
        Iin::from_certificate(req.admin_iin.trim())
    } else {
        Iin::parse(req.admin_iin.trim())
    };
    if iin.is_err() {
        p.push(problem("admin_iin", "setup-iin-invalid"));
    }
    let full_name = text(&req.admin_name, "admin_name", &mut p);
    let login = match req.admin_login.trim() {
        "" => "admin".to_owned(),
        v => v.to_lowercase(),
    };
    if login.len() > 64
        || !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
    {
        p.push(problem("admin_login", "setup-login-invalid"));
    }
    let email = Some(req.admin_email.trim().to_owned()).filter(|e| !e.is_empty());
    if email.as_deref().is_some_and(|e| !e.contains('@')) {
        p.push(problem("admin_email", "setup-email-invalid"));
    }
    match (p.is_empty(), iin) {
        (true, Ok(iin)) => Ok((
            Names::new(&kk, &ru, &en),
            bin,
            NewStaff {
                position: String::new(),
                login,
                full_name,
                email,
                body_id: None,
                branch_id: None,
                roles: vec![Role::Admin],
                // No password: the administrator signs in with their key.
                password_hash: String::new(),
                lang: req.admin_lang.unwrap_or(Lang::Ru),
            },
            iin,
        )),
        _ => Err(Error::Invalid(p)),
    }
}

/// Sets the deployment up on an empty database: its name and BIN, and the first
/// administrator (by IIN; they sign in with their own key). Nothing else is created.
pub async fn init(
    store: &dyn Store,
    req: &InitRequest,
    now: DateTime<Utc>,
) -> Result<StaffUser, Error> {
    let (name, bin, admin, iin) = check(req)?;
    let deployment = Deployment {
        name,
        bin: bin.map(|b| b.as_str().to_owned()),
        demo: false,
        created_at: now,
    };
    match store
        .init_deployment(
            &deployment,
            &admin,
            &iin,
            JournalDraft::new(now, "cli", "deployment", "init_deployment"),
        )
        .await
    {
        Ok(user) => Ok(user),
        Err(StoreError::Conflict(_)) => Err(Error::Refused {
            key: "setup-not-empty",
            detail: match store.deployment().await {
                Ok(Some(d)) => format!(
                    "this database is set up already (“{}”, {}); nothing was changed",
                    d.name.ru,
                    if d.demo {
                        "the demo"
                    } else {
                        "a real deployment"
                    }
                ),
                _ => {
                    "this database already holds bodies or staff; `init` needs an empty one".into()
                }
            },
        }),
        Err(e) => Err(e.into()),
    }
}

/// Whether the server may start on this database (`demo`: started with `--demo`). A real
/// deployment never takes the demo data set, and a database holding the demo data set never
/// runs as a real deployment; a database that was never set up must be, with `otinish init`.
/// Returns the deployment when it is set up.
pub async fn check_start(store: &dyn Store, demo: bool) -> Result<Option<Deployment>, Error> {
    match (store.deployment().await?, demo) {
        (Some(d), true) if !d.demo => Err(Error::Refused {
            key: "setup-real-with-demo",
            detail: format!(
                "this database is the real deployment “{}”: --demo would add invented bodies, \
                 staff and appeals to it; start without --demo, or give --demo a new data \
                 folder or database",
                d.name.ru
            ),
        }),
        (Some(d), false) if d.demo => Err(Error::Refused {
            key: "setup-demo-without-flag",
            detail: "this database holds the demo data set (invented bodies, staff and \
                     appeals, keys anyone may use): start it with --demo, or set a real \
                     deployment up on a new data folder or database with `otinish init`"
                .into(),
        }),
        (None, false) => Err(Error::Refused {
            key: "setup-not-initialised",
            detail: "this database is not set up: run `otinish init` first (see the README, \
                     “Running for real”), or `serve --demo` to try the demo"
                .into(),
        }),
        (d, _) => Ok(d),
    }
}

/// The demo loader's mark on its database, so that it never starts as a real deployment.
pub async fn mark_demo(store: &dyn Store, now: DateTime<Utc>) -> Result<(), Error> {
    store
        .mark_demo(
            &Deployment {
                name: Names::new("Өтініш (демо)", "Өтініш (демо)", "Otinish (demo)"),
                bin: None,
                demo: true,
                created_at: now,
            },
            JournalDraft::new(now, "demo", "deployment", "mark_demo"),
        )
        .await
        .map_err(Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use otinish_domain::repo::{BodyRepo, DeploymentRepo, StaffRepo};
    use otinish_store::sqlite::SqliteStore;

    async fn store() -> (SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = SqliteStore::open(&dir.path().join("t.db"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        s.migrate().await.unwrap_or_else(|e| panic!("{e}"));
        (s, dir)
    }

    fn request() -> InitRequest {
        InitRequest {
            name_kk: "ҚР Әділет министрлігінің өтініштер жүйесі".into(),
            name_ru: "Система обращений Министерства юстиции РК".into(),
            bin: "940140000385".into(),
            admin_iin: "791028302728".into(),
            admin_name: "Әлия Әкімшіева".into(),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn init_sets_up_an_empty_database_once_and_nothing_else() {
        let (s, _dir) = store().await;
        let now = Utc::now();
        assert!(matches!(
            check_start(&s, false).await,
            Err(Error::Refused {
                key: "setup-not-initialised",
                ..
            })
        ));
        let admin = init(&s, &request(), now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(admin.login, "admin");
        assert_eq!(admin.roles, vec![Role::Admin]);
        assert_eq!(admin.iin.as_deref(), Some("791028302728"));
        assert_eq!(admin.body_id, None);
        let d = check_start(&s, false)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no deployment"));
        assert_eq!(
            d.name.en, d.name.ru,
            "the English name defaults to the Russian"
        );
        assert_eq!(d.bin.as_deref(), Some("940140000385"));
        assert!(!d.demo);
        // Nothing else: no body, one staff member.
        let page = otinish_domain::repo::PageRequest::new(Some(10), None);
        assert_eq!(s.bodies(page).await.map(|p| p.total).unwrap_or(-1), 0);
        assert_eq!(s.staff_list(page).await.map(|p| p.total).unwrap_or(-1), 1);
        // A second init changes nothing; the demo may not start on it.
        let again = init(&s, &request(), now).await;
        assert!(
            matches!(&again, Err(Error::Refused { key: "setup-not-empty", detail }) if detail.contains("Министерства юстиции")),
            "{again:?}"
        );
        assert!(matches!(
            check_start(&s, true).await,
            Err(Error::Refused {
                key: "setup-real-with-demo",
                ..
            })
        ));
    }

    #[tokio::test]
    async fn init_explains_each_bad_field_and_writes_nothing() {
        let (s, _dir) = store().await;
        let bad = InitRequest {
            name_kk: " ".into(),
            bin: "940140000386".into(),
            admin_iin: "123".into(),
            admin_login: "ad min".into(),
            admin_email: "nobody".into(),
            ..request()
        };
        match init(&s, &bad, Utc::now()).await {
            Err(Error::Invalid(p)) => {
                let fields: Vec<_> = p.iter().map(|p| p.field).collect();
                assert_eq!(
                    fields,
                    ["name_kk", "bin", "admin_iin", "admin_login", "admin_email"]
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(s.deployment().await, Ok(None)));
    }

    #[tokio::test]
    async fn the_demo_database_never_starts_as_a_real_deployment() {
        let (s, _dir) = store().await;
        assert!(matches!(check_start(&s, true).await, Ok(None)));
        mark_demo(&s, Utc::now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        mark_demo(&s, Utc::now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(check_start(&s, true).await, Ok(Some(d)) if d.demo));
        assert!(matches!(
            check_start(&s, false).await,
            Err(Error::Refused {
                key: "setup-demo-without-flag",
                ..
            })
        ));
        assert!(matches!(
            init(&s, &request(), Utc::now()).await,
            Err(Error::Refused {
                key: "setup-not-empty",
                ..
            })
        ));
    }
}
