//! `otinish backup`: a consistent copy of a deployment (database, keys, trust anchors, files).

use super::*;

/// `otinish backup`: the database first (one snapshot), then the keys, trust anchors and
/// files; a stored file is written before the record that names it, so every file the
/// snapshot names is copied. The copy's journal is verified before the command reports done.
pub(crate) async fn backup(cfg: &Config, to: &Path) -> Result<ExitCode> {
    if cfg
        .database_url
        .as_deref()
        .is_some_and(|u| u.starts_with("postgres"))
    {
        anyhow::bail!(
            "this deployment keeps its data in PostgreSQL: back it up with pg_dump (see the \
             README, \"Backup and restore\"); `otinish backup` copies the embedded database"
        );
    }
    if to.exists() && std::fs::read_dir(to)?.next().is_some() {
        anyhow::bail!(
            "{} is not empty: a backup goes into a new folder",
            to.display()
        );
    }
    let db = match cfg.database_url.as_deref() {
        Some(u) if !u.is_empty() => PathBuf::from(
            u.trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:"),
        ),
        _ => cfg.data_dir.join("otinish.db"),
    };
    if !db.exists() {
        anyhow::bail!("there is no database at {}", db.display());
    }
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let store = otinish_store::SqliteStore::open(&db).await?;
    store.backup_to(&to.join("otinish.db")).await?;
    let mut copied = 0u64;
    for (from, name) in [
        (cfg.data_dir.join("keys"), "keys"),
        (cfg.trust_dir.clone(), "trust"),
        (cfg.data_dir.join("files"), "files"),
    ] {
        copied += copy_tree(&from, &to.join(name))
            .with_context(|| format!("cannot copy {}", from.display()))?;
    }
    if cfg.files_url.is_some() {
        eprintln!("note: stored files are in object storage and are not part of this copy");
    }
    let copy = otinish_store::open(
        Some(&format!("sqlite://{}", to.join("otinish.db").display())),
        to,
        false,
        false,
    )
    .await?;
    let entries = otinish_store::verify_journal(copy.as_ref(), |_| {})
        .await
        .map_err(|e| anyhow::anyhow!("the copy does not verify: {e}"))?;
    println!(
        "backup written to {}: the database ({entries} journal entries verified) and {copied} \
         files; restore with `otinish --data-dir {} serve`",
        to.display(),
        to.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Copies a folder tree (absent: nothing); returns the number of files copied.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<u64> {
    if !from.is_dir() {
        return Ok(0);
    }
    std::fs::create_dir_all(to)?;
    let mut n = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            n += copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
            n += 1;
        }
    }
    Ok(n)
}
